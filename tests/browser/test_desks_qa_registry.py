"""The registrar's desk in Arabic when the server refuses, and once a match is decided.

The server's refusals are English (and sometimes a raw validation message): the desk says
them in its own language. A decided match cannot be decided again while the board reloads.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

DESK = {"width": 1366, "height": 768}
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture
def desk_ar(browser: Any, server: Server, page_errors: PageErrors) -> Iterator[Any]:
    """The desk in Arabic on a 1366x768 screen, signed in as the registrar, its board drawn."""
    context = browser.new_context(timezone_id=TZ, viewport=DESK, locale="ar")
    page = page_errors.watch(sign_in(context, server, "registrar", "/registry?lang=ar"))
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#mode[data-mode=live]")
    try:
        yield page
    finally:
        context.close()


def _proposed_match(server: Server) -> tuple[str, str]:
    """A family's report and a survivor proposed as the same person: (report id, match id)."""
    tag = uuid.uuid4().hex[:4]
    name = f"ليلى منصور {tag}"
    r = server.post("family1", "/api/v1/persons/missing", {"name": {"full_name": name}})
    assert r.status_code == 201, r.text
    report_id = str(r.json()["id"])
    s = server.post("registrar", "/api/v1/persons/survivors", {"name": {"full_name": name}})
    assert s.status_code == 201, s.text
    body = {
        "report_id": report_id,
        "candidate_kind": "survivor",
        "candidate_id": s.json()["id"],
        "score": 0.97,
        "explanation": "same name",
    }
    m = server.post("registrar", "/api/v1/persons/matches", body)
    assert m.status_code == 201, m.text
    return report_id, str(m.json()["id"])


def test_a_form_the_server_refuses_is_said_in_arabic_beside_its_field(desk_ar: Any) -> None:
    desk_ar.click("[data-report-box] summary")
    form = desk_ar.locator("[data-report-form]")
    form.locator("input[name=full_name]").fill("ليلى منصور")
    form.locator("input[name=date_of_birth]").fill("1990-13-45")
    form.locator("input[name=contact_name]").fill("أحمد منصور")
    form.locator("button[type=submit]").click()
    error = form.locator("[data-form-error]")
    error.wait_for(state="visible")
    said = error.inner_text()
    # Was: "لم ننجح: Validation failed for POST /api/v1/persons/missing: date_of_birth ..."
    assert not LATIN.search(said), said
    assert "«تاريخ الميلاد»" in said
    assert form.locator("input[name=date_of_birth]").get_attribute("aria-invalid") == "true"
    screenshot(desk_ar, "desks-qa-registry-ar-form-refused")


def test_a_refused_decision_is_said_in_arabic(desk_ar: Any, server: Server) -> None:
    _, match_id = _proposed_match(server)
    card = desk_ar.locator(f'[data-match-list] li[data-id="{match_id}"]')
    card.wait_for()
    # Another desk decided first: the server's answer is English.
    refused = {"error": "invalid", "reason": "this match is already confirmed"}
    desk_ar.route(
        f"**/api/v1/persons/matches/{match_id}/confirm",
        lambda route: route.fulfill(
            status=422, content_type="application/json", body=json.dumps(refused)
        ),
    )
    card.locator(".acts button.yes").click()
    card.locator(".decide button.yes").click()
    error = card.locator(".decide .error")
    error.wait_for(state="visible")
    said = error.inner_text()
    assert "already confirmed" not in said
    assert not LATIN.search(said), said
    assert "حُسم هذا أو تغيّر" in said


def test_a_confirmed_match_cannot_be_confirmed_again_while_the_board_reloads(
    desk_ar: Any, server: Server
) -> None:
    report_id, match_id = _proposed_match(server)
    card = desk_ar.locator(f'[data-match-list] li[data-id="{match_id}"]')
    card.wait_for()
    # The board answers slowly (a busy server): the card stays on screen meanwhile.
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    desk_ar.route("**/api/v1/persons/board*", hold)
    card.locator(".acts button.yes").click()
    card.locator(".decide button.yes").click()
    desk_ar.locator("[data-match-done]").wait_for(state="visible")
    # Was: the confirm button enabled again and its form still open, for a decided match.
    assert card.locator(".decide").is_hidden()
    buttons = card.locator(".acts button")
    assert buttons.count() == 2
    for i in range(buttons.count()):
        assert buttons.nth(i).is_disabled()
    r = server.get("registrar", f"/api/v1/persons/missing/{report_id}")
    assert r.json()["report"]["status"] == "found"
    for route in held:
        route.continue_()
    desk_ar.unroute("**/api/v1/persons/board*")
    card.wait_for(state="detached")


def test_the_desk_writes_its_own_times_on_the_server_s_clock(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    # This machine's clock is three hours fast; the server's is right.
    context = browser.new_context(timezone_id=TZ, viewport=DESK, locale="en-GB")
    context.clock.set_system_time(datetime.now(UTC) + timedelta(hours=3))
    try:
        page = page_errors.watch(sign_in(context, server, "registrar", "/registry?lang=en"))
        page.wait_for_selector("body[data-ready='1']")
        page.click("[data-run]")
        result = page.locator("[data-run-result]")
        result.wait_for(state="visible", timeout=60_000)
        said = re.search(r"Matching done at (\d\d):(\d\d)", result.inner_text())
        assert said is not None, result.inner_text()
        now = datetime.now(ZoneInfo(TZ))
        shown = now.replace(hour=int(said.group(1)), minute=int(said.group(2)))
        # Was this machine's time: three hours off every other time on the desk.
        off = ((shown - now).total_seconds() + 43_200) % 86_400 - 43_200  # across midnight
        assert abs(off) < 180, (said.group(0), now)
    finally:
        context.close()


def test_what_a_family_added_is_read_before_telling_them(desk_ar: Any, server: Server) -> None:
    report_id, match_id = _proposed_match(server)
    r = server.post(
        "registrar", f"/api/v1/persons/matches/{match_id}/confirm", {"release": "وُجد/ت بأمان."}
    )
    assert r.status_code in {200, 201}, r.text
    said = "العائلة: رأيتها أو تحدّثت معها بنفسي، إنها بأمان. عند ابنها."
    note = {"author_name": "family1", "text": said}
    r = server.post("family1", f"/api/v1/persons/missing/{report_id}/notes", note)
    assert r.status_code == 201, r.text
    waiting = desk_ar.locator(f'[data-tell-list] li[data-id^="{report_id}|"]')
    waiting.wait_for()
    # Was: no way to see the family's notes from the families to tell.
    waiting.locator(f'button[data-notes="{report_id}"]').click()
    waiting.locator(".notes .note-list", has_text="عند ابنها").wait_for()
