"""The registrar's desk: identifying a dead casualty before the family is told, the desk on
a phone, and a long unbroken name in the reports list (real server, headless Chromium)."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCENE = {"lat": 31.7652, "lon": 35.2139}
WAIT_MS = 30_000  # the first matching run loads the engine


def _surname() -> str:
    """A family name no other test uses (letters only: the matcher compares names)."""
    return "".join(random.choice(string.ascii_lowercase) for _ in range(9)).capitalize()


def _dead_casualty_and_report(server: Server, full_name: str) -> tuple[str, str]:
    """A casualty found dead with a name on them, and a family's report on that name."""
    recorded = server.post(
        "officer1",
        "/api/v1/casualties",
        {
            "tag": "REG-" + full_name.rsplit(maxsplit=1)[-1][:8],
            "where": SCENE,
            "place": "Dubnov 13",
            "name": {"full_name": full_name},
            "description": {"sex": "male", "age": {"min_years": 40, "max_years": 50}},
        },
    )
    assert recorded.status_code == 201, recorded.text
    casualty = str(recorded.json()["id"])
    died = server.post("registrar", f"/api/v1/casualties/{casualty}/death", {})
    assert died.status_code == 201, died.text
    report = server.post(
        "registrar",
        "/api/v1/persons/missing",
        {
            "name": {"full_name": full_name},
            "age": {"min_years": 40, "max_years": 50},
            "description": {"sex": "male"},
            "contact": {"name": "Rivka", "relation": "wife", "phone": "050-1234567"},
        },
    )
    assert report.status_code == 201, report.text
    run = server.post("registrar", "/api/v1/persons/matching/run", {}, command=False)
    assert run.status_code in (200, 201), run.text
    return casualty, str(report.json()["id"])


@pytest.fixture
def desk_he(browser: Any, server: Server, page_errors: PageErrors) -> Iterator[Any]:
    context = browser.new_context(timezone_id=TZ, viewport=DESK, locale="he-IL")
    try:
        page = page_errors.watch(sign_in(context, server, "registrar", "/registry?lang=he"))
        page.wait_for_selector("body[data-ready='1']")
        yield page
    finally:
        context.close()


def _casualty(server: Server, casualty: str) -> dict[str, Any]:
    board = server.get("registrar", "/api/v1/casualties")
    board.raise_for_status()
    return dict({c["id"]: c for c in board.json()}[casualty])


def test_a_dead_casualty_is_identified_at_the_desk_and_the_confirm_step_goes_on(
    server: Server, desk_he: Any
) -> None:
    """The desk said "identify first" and offered only Cancel: nothing could identify."""
    page = desk_he
    name = f"Yosef {_surname()}"
    casualty, _ = _dead_casualty_and_report(server, name)
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    card = page.locator("[data-match-list] li.match", has_text=name).first
    card.wait_for(timeout=WAIT_MS)
    assert card.get_attribute("data-outcome") == "deceased"

    card.locator(".acts .yes").first.click()
    form = card.locator("[data-identify-form]")
    form.wait_for()
    assert "יש לזהות קודם" in card.locator(".decide .warn").inner_text()
    assert card.locator("textarea[name=release]").count() == 0  # not before identification
    assert form.locator("input[name=full_name]").input_value() == name
    screenshot(page, "registry-he-identify-form")

    # For the dead nothing is chosen for the registrar: how and how sure are asked, and the
    # form refuses to send until both are chosen (in the page's language).
    assert form.locator("select[name=method]").input_value() == ""
    assert form.locator("select[name=status]").input_value() == ""
    assert "בחרו איך זוהה" in form.locator("select[name=method] option").first.inner_text()
    assert not form.locator("[data-secondary-hint]").is_visible()
    form.locator("input[name=identified_by]").fill("ד״ר לוי")
    form.locator("button[type=submit]").click()
    assert "בחרו איך זוהה ומה הוודאות" in form.locator(".error").inner_text()
    assert form.locator("select[name=method]").get_attribute("aria-invalid") == "true"
    form.locator("select[name=method]").select_option("fingerprints")
    form.locator("button[type=submit]").click()
    assert "בחרו איך זוהה ומה הוודאות" in form.locator(".error").inner_text()
    assert form.locator("select[name=status]").get_attribute("aria-invalid") == "true"
    assert _casualty(server, casualty)["identification"] == "unidentified"
    form.locator("input[name=identified_by]").fill("")
    # Only a primary identifier makes it formal: seeing the dead, documents on them or
    # their effects are provisional only, the formal choice goes, and it says why.
    for secondary in ("visual", "documents", "personal_effects", "other"):
        form.locator("select[name=method]").select_option(secondary)
        assert form.locator("select[name=status]").input_value() == "provisional"
        assert form.locator("select[name=status] option[value=identified]").is_disabled()
        assert form.locator("[data-secondary-hint]").is_visible()
    # Who identified is asked for.
    form.locator("select[name=method]").select_option("dental")
    form.locator("select[name=status]").select_option("identified")
    form.locator("button[type=submit]").click()
    assert "מי זיהה" in form.locator(".error").inner_text()
    assert _casualty(server, casualty)["identification"] == "unidentified"

    form.locator("input[name=identified_by]").fill("ד״ר לוי, המכון לרפואה משפטית")
    with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/identify")) as sent:
        form.locator("button[type=submit]").click()
    assert sent.value.status == 201, sent.value.text()
    said = _casualty(server, casualty)
    assert said["identification"] == "identified"
    assert said["identification_method"] == "dental"
    assert said["identified_by"] == "ד״ר לוי, המכון לרפואה משפטית"

    # The confirm step goes on: the words for the family, then Confirm.
    release = card.locator(".decide textarea[name=release]")
    release.wait_for(timeout=15_000)
    assert "מזוהה רשמית" in card.locator("[data-candidate]").inner_text()
    screenshot(page, "registry-he-identified-confirm")
    with page.expect_response(lambda r: r.url.endswith("/confirm")) as confirmed:
        card.locator(".decide .acts .yes").click()
    assert confirmed.value.status in (200, 201), confirmed.value.text()


def test_a_provisional_identification_keeps_the_family_waiting(
    server: Server, desk_he: Any
) -> None:
    page = desk_he
    name = f"Avraham {_surname()}"
    casualty, _ = _dead_casualty_and_report(server, name)
    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    card = page.locator("[data-match-list] li.match", has_text=name).first
    card.wait_for(timeout=WAIT_MS)
    card.locator("[data-identify]").click()
    form = card.locator("[data-identify-form]")
    form.locator("select[name=method]").select_option("visual")
    form.locator("input[name=identified_by]").fill("שכן")
    with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/identify")) as sent:
        form.locator("button[type=submit]").click()
    assert sent.value.status == 201, sent.value.text()
    assert _casualty(server, casualty)["identification"] == "provisional"
    assert "ראשוני" in card.locator(".decide .done").inner_text()
    page.wait_for_function(
        "s => document.querySelector(s).innerText.includes('זיהוי ראשוני')",
        arg=f'li.match[data-id="{card.get_attribute("data-id")}"] [data-candidate]',
    )
    # Confirming still asks for a formal identification first.
    card.locator(".acts .yes").first.click()
    card.locator("[data-identify-form]").wait_for()
    assert "ראשוני" in card.locator(".decide .warn").inner_text()
    assert card.locator("textarea[name=release]").count() == 0


@pytest.mark.parametrize("lang", ["he", "ar", "en"])
def test_the_desk_on_a_phone_reads_and_decides_a_match(
    browser: Any, server: Server, page_errors: PageErrors, lang: str
) -> None:
    """A 27rem side panel lay over the match cards at 390 px; reject could not be tapped."""
    name = f"Daniel {_surname()}"
    survivor = server.post(
        "registrar", "/api/v1/persons/survivors", {"name": {"full_name": name}, "place": "Hall"}
    )
    assert survivor.status_code == 201, survivor.text
    report = server.post(
        "registrar",
        "/api/v1/persons/missing",
        {"name": {"full_name": name}, "contact": {"name": "Tamar", "phone": "050-7654321"}},
    )
    assert report.status_code == 201, report.text
    long_name = "א" * 200
    filed = server.post(
        "registrar",
        "/api/v1/persons/missing",
        {"name": {"full_name": long_name}, "contact": {"name": "Long", "phone": "050-1"}},
    )
    assert filed.status_code == 201, filed.text
    run = server.post("registrar", "/api/v1/persons/matching/run", {}, command=False)
    assert run.status_code in (200, 201), run.text
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, locale=lang, has_touch=True, is_mobile=True
    )
    try:
        page = page_errors.watch(sign_in(context, server, "registrar", f"/registry?lang={lang}"))
        page.wait_for_selector("body[data-ready='1']")
        card = page.locator("[data-match-list] li.match", has_text=name).first
        card.wait_for(timeout=WAIT_MS)
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], width
        # The report and its candidate one above the other, each the card's width.
        people = card.locator(".pair > .person")
        a, b = people.nth(0).bounding_box(), people.nth(1).bounding_box()
        assert a is not None
        assert b is not None
        assert b["y"] >= a["y"] + a["height"] - 1, (a, b)
        assert min(a["width"], b["width"]) > 300, (a, b)
        card.locator(".acts").scroll_into_view_if_needed()
        screenshot(page, f"registry-{lang}-phone-match")
        reject = card.locator(".acts .no")
        box = reject.bounding_box()
        assert box is not None
        assert box["height"] >= 44, box
        reject.tap()  # nothing lies over it
        card.locator(".decide input[name=reason]").wait_for()
        screenshot(page, f"registry-{lang}-phone-reject")

        # A 200-letter name wraps inside its row: the badge stays in the row, on the screen.
        row = page.locator("[data-report-list] > li", has_text=long_name[:50]).first
        if not row.count():
            page.fill("[data-search]", long_name[:20])
            row.wait_for()
        row.scroll_into_view_if_needed()
        r, badge = row.bounding_box(), row.locator(".st").bounding_box()
        assert r is not None
        assert badge is not None
        assert r["x"] >= 0, r
        assert r["x"] + r["width"] <= PHONE["width"] + 0.5, r
        assert badge["x"] >= r["x"] - 0.5
        assert badge["x"] + badge["width"] <= r["x"] + r["width"] + 0.5
        assert badge["width"] > 30, badge  # the word whole, not squeezed
        screenshot(page, f"registry-{lang}-phone-long-name")
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], width
    finally:
        context.close()
