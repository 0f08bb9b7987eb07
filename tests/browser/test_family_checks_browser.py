"""The family page on a 360x740 phone with JavaScript on (audit 16): the browser's own checks
said in the page's words, "when" held to the server's clock, the address after a report, and
the words said of a daughter, in Hebrew and Arabic."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in
from magen.web.i18n import text

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 740}


def _phone(browser: Any) -> Any:
    # An English browser: its own bubbles would be in English, the page's are not.
    return browser.new_context(timezone_id=TZ, viewport=PHONE, locale="en-US")


def _message(locator: Any) -> str:
    return str(locator.evaluate("e => (e.checkValidity(), e.validationMessage)"))


@pytest.mark.parametrize("lang", ["he", "ar"])
def test_the_sign_up_checks_are_said_in_the_page_s_language(
    browser: Any, server: Server, page_errors: PageErrors, lang: str
) -> None:
    context = _phone(browser)
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/family?lang={lang}")
        form = page.locator("form[data-signup]")
        username, password = form.locator("[name=username]"), form.locator("[name=password]")
        assert _message(form.locator("[name=display_name]")) == text("family_err_display", lang)
        username.fill("Dana Levi")  # not the pattern
        password.fill("short")  # under 8
        assert _message(username) == text("family_err_username", lang)
        assert _message(password) == text("family_err_password", lang)
        form.locator("button[type=submit]").click()  # the browser keeps it: no request
        assert "/family/signup" not in page.url
        username.fill("dana_levi")  # the hint says "_" is taken, and it is
        password.fill("a long enough password")
        assert _message(username) == ""
        assert _message(password) == ""
        assert "_" in page.locator("#f-username").get_attribute("placeholder")
        screenshot(page, f"family-{lang}-360-signup-checks")
    finally:
        context.close()


def test_when_is_held_to_the_server_s_clock_and_a_report_lands_on_its_own_address(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    tag = uuid.uuid4().hex[:6]
    name = f"נועה כהן {tag}"
    context = _phone(browser)
    try:
        page = page_errors.watch(sign_in(context, server, "family1", "/family?lang=he"))
        form = page.locator("form[data-report-form]")
        when = form.locator("[name=seen_at]")
        assert when.input_value() == ""  # a time nobody chose would be matched as given
        now = when.get_attribute("max") or ""
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", now), now
        shown = page.locator("[data-when-now]").inner_text()
        assert shown.startswith(f"השעה עכשיו: {now[-5:]}.")
        # A time after the server's now: the page's words, not the browser's (English) ones.
        ahead = datetime.fromisoformat(now) + timedelta(hours=1)
        when.fill(ahead.strftime("%Y-%m-%dT%H:%M"))
        assert _message(when) == text("family_err_when_future", "he")
        assert _message(form.locator("[name=full_name]")) == text("family_err_name", "he")
        earlier = datetime.fromisoformat(now) - timedelta(minutes=40)
        when.fill(earlier.strftime("%Y-%m-%dT%H:%M"))
        assert _message(when) == ""
        form.locator("[name=full_name]").fill(name)
        form.locator("input[name=sex][value=female]").check()
        form.locator("[name=place]").fill("דובנוב 13")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        # Sent on to the page that says so (303): a reload asks nothing and sends nothing.
        item = page.locator("li[data-report]", has_text=name)
        report_id = item.get_attribute("data-report")
        assert page.url.endswith(f"/family?filed={report_id}#r-{report_id}"), page.url
        assert f"הדיווח על {name} נשמר" in page.locator("[data-done]").inner_text()
        page.reload()
        assert page.locator("li[data-report]", has_text=name).count() == 1
        meta = item.locator("p.meta", has_text="נראתה לאחרונה").inner_text()
        assert f"ב-{earlier:%H:%M}" in meta or f"ב-{earlier:%d.%m %H:%M}" in meta, meta
        assert "מצאתם אותה?" in item.inner_text()
        item.scroll_into_view_if_needed()
        screenshot(page, "family-he-360-filed")

        # The registry confirms her with the desk's stock words, in its forms for both sexes.
        survivor = server.post(
            "registrar",
            "/api/v1/persons/survivors",
            {"name": {"full_name": name}, "place": "מתנ״ס"},
        )
        assert survivor.status_code == 201, survivor.text
        proposal = {"report_id": report_id, "candidate_kind": "survivor", "score": 0.9}
        match = server.post(
            "registrar",
            "/api/v1/persons/matches",
            {**proposal, "candidate_id": survivor.json()["id"]},
        )
        assert match.status_code == 201, match.text
        release = {"release": text("registry_release_safe", "he")}
        r = server.post(
            "registrar", f"/api/v1/persons/matches/{match.json()['id']}/confirm", release
        )
        assert r.status_code in {200, 201}, r.text
        for lang, status, said in (
            ("he", "נמצאה בשלום", "נמצאה בשלום."),
            ("ar", "عُثر عليها سالمة", "وُجدت بأمان."),
        ):
            page.goto(f"{server.url}/family?lang={lang}#r-{report_id}")
            item = page.locator("li[data-report]", has_text=name)
            assert item.locator("[data-status-word]").inner_text() == status
            assert item.locator("p.said").inner_text() == said
            item.scroll_into_view_if_needed()
            screenshot(page, f"family-{lang}-360-found-her")
    finally:
        context.close()
