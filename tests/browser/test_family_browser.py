"""The family page in real headless Chromium on a phone, with JavaScript off, in Hebrew."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}


def _phone(browser: Any, locale: str = "he-IL") -> Any:
    return browser.new_context(
        timezone_id=TZ, java_script_enabled=False, viewport=PHONE, locale=locale
    )


def test_signed_out_the_page_explains_and_offers_an_account(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone(browser)
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/family")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert "רק אתם רואים את הדיווחים שלכם" in page.locator("[data-why]").inner_text()
        assert page.locator("[data-sign-in]").get_attribute("href") == "/login?next=/family"
        assert page.locator("form[data-signup]").is_visible()
        screenshot(page, "family-he-phone-signed-out")
    finally:
        context.close()


def test_a_family_files_a_report_and_sees_the_registry_s_answer_without_javascript(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    tag = uuid.uuid4().hex[:6]
    name = f"דנה לוי {tag}"
    release = f"דנה בשלום במתנ״ס הקהילתי, חדר 4. אפשר לבוא לאסוף אותה. ({tag})"
    context = _phone(browser)
    try:
        page = page_errors.watch(sign_in(context, server, "family1", "/family?lang=he"))
        assert page.url.endswith("/family?lang=he")
        form = page.locator("form[data-report-form]")
        form.locator("[name=full_name]").fill(name)
        form.locator("[name=alternates]").fill(f"Dana Levi {tag}\nدانا ليفي")
        form.locator("input[name=sex][value=female]").check()
        form.locator("[name=age]").fill("34")
        form.locator("[name=hair]").fill("שיער חום ארוך, קוקו")
        form.locator("[name=clothing]").fill("מעיל צהוב, ג׳ינס")
        form.locator("[name=marks]").fill("קעקוע של פרפר על פרק כף היד")
        form.locator("[name=place]").fill("דובנוב 13")
        form.locator("[name=phone]").fill("050-1234567")
        form.locator("[name=relation]").fill("אחות")
        screenshot(page, "family-he-phone-form")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert f"הדיווח על {name} נשמר" in page.locator("[data-done]").inner_text()
        item = page.locator("li[data-report]", has_text=name)
        assert item.get_attribute("data-status") == "searching"
        assert "מחפשים" in item.locator("[data-status-word]").inner_text()
        report_id = item.get_attribute("data-report")
        assert report_id
        # The answer is another address (303): reloading it sends nothing again.
        assert "/family?filed=" in page.url
        page.reload()
        assert page.locator("li[data-report]", has_text=name).count() == 1
        screenshot(page, "family-he-phone-searching")

        # The registry checks a survivor in, proposes the match and confirms it with words.
        survivor = server.post(
            "registrar",
            "/api/v1/persons/survivors",
            {"name": {"full_name": f"Dana Levi {tag}"}, "place": "community centre, room 4"},
        )
        assert survivor.status_code == 201, survivor.text
        match = server.post(
            "registrar",
            "/api/v1/persons/matches",
            {
                "report_id": report_id,
                "candidate_kind": "survivor",
                "candidate_id": survivor.json()["id"],
                "score": 0.91,
            },
        )
        assert match.status_code == 201, match.text
        confirmed = server.post(
            "registrar",
            f"/api/v1/persons/matches/{match.json()['id']}/confirm",
            {"release": release},
        )
        assert confirmed.status_code in {200, 201}, confirmed.text

        page.goto(f"{server.url}/family")
        item = page.locator("li[data-report]", has_text=name)
        assert item.get_attribute("data-status") == "found"
        assert "נמצאה בשלום" in item.locator("[data-status-word]").inner_text()  # of her
        assert release in item.locator("[data-message]").inner_text()
        assert item.locator("form").count() == 0  # nothing more to do on a closed report
        assert "0.91" not in page.content()
        screenshot(page, "family-he-phone-found")
        page.goto(f"{server.url}/family?lang=en")
        item = page.locator("li[data-report]", has_text=name)
        assert "Found safe" in item.locator("[data-status-word]").inner_text()
        screenshot(page, "family-en-phone-found")
    finally:
        context.close()


def test_a_mistyped_date_of_birth_comes_back_with_the_reason_and_the_form_kept(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone(browser, "en-GB")
    try:
        page = page_errors.watch(sign_in(context, server, "family1", "/family?lang=en"))
        form = page.locator("form[data-report-form]")
        form.locator("[name=full_name]").fill("Yoni Katz")
        form.locator("[name=born]").fill("31.02.1990")
        form.locator("[name=clothing]").fill("grey hoodie")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        error = page.locator("[data-field-error=born]")
        assert "Write a date of birth like 14.05.1990" in error.inner_text()
        form = page.locator("form[data-report-form]")
        assert form.locator("[name=full_name]").input_value() == "Yoni Katz"
        assert form.locator("[name=born]").input_value() == "31.02.1990"
        assert form.locator("[name=clothing]").input_value() == "grey hoodie"
        assert page.locator("li[data-report]", has_text="Yoni Katz").count() == 0
        page.locator("[data-field-error=born]").scroll_into_view_if_needed()
        screenshot(page, "family-en-phone-bad-date")
    finally:
        context.close()
