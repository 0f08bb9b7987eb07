"""The registrar's desk says a refusal that names its rule by that rule, in the desk's language
(common.js refusedFor), not by its HTTP status: a confirm refused because the dead are not
formally identified yet was "decided or changed meanwhile", a date of birth after today was
"check the fields". The English reason stays on the element's title (real server, headless
Chromium)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in
from magen.web.i18n import text

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

DESK = {"width": 1366, "height": 768}
LATIN = re.compile(r"[A-Za-z]")
SCENE = {"lat": 31.7652, "lon": 35.2139}


def _desk(browser: Any, server: Server, page_errors: PageErrors, lang: str) -> Iterator[Any]:
    context = browser.new_context(timezone_id=TZ, viewport=DESK, locale=lang)
    try:
        page = page_errors.watch(sign_in(context, server, "registrar", f"/registry?lang={lang}"))
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_selector("#mode[data-mode=live]")
        yield page
    finally:
        context.close()


@pytest.fixture
def desk_he(browser: Any, server: Server, page_errors: PageErrors) -> Iterator[Any]:
    yield from _desk(browser, server, page_errors, "he")


@pytest.fixture
def desk_ar(browser: Any, server: Server, page_errors: PageErrors) -> Iterator[Any]:
    yield from _desk(browser, server, page_errors, "ar")


def _sent(page: Any, path: str, click: Any) -> Any:
    """Press and wait for the answer to the POST on `path` (listening before the press)."""
    with page.expect_response(lambda r: r.request.method == "POST" and path in r.url) as answer:
        click()
    return answer.value


def test_a_date_of_birth_after_today_is_said_by_its_rule_in_hebrew(desk_he: Any) -> None:
    page = desk_he
    page.click("[data-report-box] summary")
    form = page.locator("[data-report-form]")
    form.locator("input[name=full_name]").fill(f"נועה לוי {uuid.uuid4().hex[:4]}")
    form.locator("input[name=date_of_birth]").fill(f"{date.today().year + 1}-03-04")
    form.locator("input[name=contact_name]").fill("דנה לוי")
    answer = _sent(page, "/api/v1/persons/missing", form.locator("button[type=submit]").click)
    assert answer.status == 422, answer.text()
    assert answer.json()["rule"] == "date_of_birth_too_late"
    error = form.locator("[data-form-error]")
    error.wait_for(state="visible")
    said = error.inner_text()
    # Was: "Check the fields and send again" (the words for any 422 on this form).
    assert said == text("refused_date_of_birth_too_late", "he"), said
    assert said != text("registry_err_invalid", "he")
    assert not LATIN.search(said), said
    assert "check the year" in (error.get_attribute("title") or "")  # the English, kept
    assert form.locator("input[name=date_of_birth]").get_attribute("aria-invalid") == "true"
    screenshot(page, "registry-he-rule-refused-birth")


def test_a_date_of_birth_too_long_ago_is_said_by_its_rule_and_marks_the_field(
    desk_he: Any,
) -> None:
    page = desk_he
    page.click("[data-report-box] summary")
    form = page.locator("[data-report-form]")
    form.locator("input[name=full_name]").fill(f"משה כהן {uuid.uuid4().hex[:4]}")
    form.locator("input[name=date_of_birth]").fill("1800-01-01")
    form.locator("input[name=contact_name]").fill("דנה כהן")
    answer = _sent(page, "/api/v1/persons/missing", form.locator("button[type=submit]").click)
    assert answer.status == 422, answer.text()
    assert answer.json()["rule"] == "date_of_birth_too_early"
    error = form.locator("[data-form-error]")
    error.wait_for(state="visible")
    assert error.inner_text() == text("refused_date_of_birth_too_early", "he")
    assert form.locator("input[name=date_of_birth]").get_attribute("aria-invalid") == "true"


def test_a_last_sighting_in_the_future_is_said_by_its_rule_in_arabic(desk_ar: Any) -> None:
    page = desk_ar
    page.click("[data-report-box] summary")
    form = page.locator("[data-report-form]")
    form.locator("input[name=full_name]").fill(f"ليلى منصور {uuid.uuid4().hex[:4]}")
    ahead = datetime.now(ZoneInfo(TZ)) + timedelta(days=2)
    form.locator("input[name=last_seen_at]").fill(ahead.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=contact_name]").fill("أحمد منصور")
    answer = _sent(page, "/api/v1/persons/missing", form.locator("button[type=submit]").click)
    assert answer.status == 422, answer.text()
    assert answer.json()["rule"] == "time_in_future"
    error = form.locator("[data-form-error]")
    error.wait_for(state="visible")
    said = error.inner_text()
    assert said == text("refused_time_in_future", "ar"), said
    assert not LATIN.search(said), said
    assert "in the future" in (error.get_attribute("title") or "")
    assert form.locator("input[name=last_seen_at]").get_attribute("aria-invalid") == "true"


def test_confirming_a_death_not_formally_identified_is_said_by_its_rule_in_arabic(
    desk_ar: Any, server: Server
) -> None:
    page = desk_ar
    tag = uuid.uuid4().hex[:6].upper()
    name = f"يوسف حداد {tag}"
    recorded = server.post(
        "officer1",
        "/api/v1/casualties",
        {"tag": f"RR-{tag}", "where": SCENE, "name": {"full_name": name}},
    )
    assert recorded.status_code == 201, recorded.text
    casualty = str(recorded.json()["id"])
    report = server.post("family1", "/api/v1/persons/missing", {"name": {"full_name": name}})
    assert report.status_code == 201, report.text
    proposed = server.post(
        "registrar",
        "/api/v1/persons/matches",
        {
            "report_id": report.json()["id"],
            "candidate_kind": "casualty",
            "candidate_id": casualty,
            "score": 0.95,
            "explanation": "same name",
        },
    )
    assert proposed.status_code == 201, proposed.text
    match_id = str(proposed.json()["id"])
    card = page.locator(f'[data-match-list] li[data-id="{match_id}"]')
    card.wait_for()
    assert card.get_attribute("data-outcome") == "injured"

    # The casualty dies while the desk still shows them alive (its board answers slowly).
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    page.route("**/api/v1/persons/board*", hold)
    died = server.post("registrar", f"/api/v1/casualties/{casualty}/death", {})
    assert died.status_code == 201, died.text
    card.locator(".acts button.yes").click()
    answer = _sent(page, f"/matches/{match_id}/confirm", card.locator(".decide button.yes").click)
    assert answer.status == 422, answer.text()
    assert answer.json()["rule"] == "not_formally_identified"
    error = card.locator(".decide .error")
    error.wait_for(state="visible")
    said = error.inner_text()
    # Was: "decided or changed meanwhile, perhaps at another desk".
    assert said == text("refused_not_formally_identified", "ar"), said
    assert "حُسم هذا أو تغيّر" not in said
    assert not LATIN.search(said), said
    assert "not formally identified" in (error.get_attribute("title") or "")
    screenshot(page, "registry-ar-rule-refused-confirm")
    for route in held:
        route.continue_()
    page.unroute("**/api/v1/persons/board*")
    r = server.get("registrar", f"/api/v1/persons/missing/{report.json()['id']}")
    assert r.json()["report"]["status"] == "searching"
