"""The registrar's desk when confirmed news no longer stands (real server, headless Chromium).

A casualty confirmed injured dies after the family was told: the family's row says what
changed and that the death is identified first, and "told" waits for it. A family writes
after its report was closed; the registrar withdraws the confirmed match from that row, with
a reason and a second press: the report searches again. A casualty discharged to other care
is still in care: the proposal says so, and the card says where the discharge sent them. A
family told where a casualty was is listed again after a transfer, with where then and now.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from browser.browserkit import PASSWORD, TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

DESK_VIEWPORT = {"width": 1440, "height": 1000}
WAIT_MS = 15_000
SCENE = {"lat": 31.7652, "lon": 35.2139}
HOSPITAL = "h-registry-outcomes"


def _open_desk(browser: Any, server: Server, page_errors: PageErrors, lang: str) -> Any:
    locale = {"en": "en-GB", "he": "he-IL"}[lang]
    context = browser.new_context(timezone_id=TZ, viewport=DESK_VIEWPORT, locale=locale)
    page = page_errors.watch(sign_in(context, server, "registrar", f"/registry?lang={lang}"))
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#mode[data-mode=live]")
    return page


@pytest.fixture
def desk(browser: Any, server: Server, page_errors: PageErrors) -> Iterator[Any]:
    """The desk in English, signed in through /login as the registrar, its board drawn."""
    page = _open_desk(browser, server, page_errors, "en")
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def hospital(server: Server) -> str:
    """A hospital of this module's own, with its own hospital account (hospital1's is taken
    by the hospital desk's tests): it receives and discharges a casualty."""
    account = {"username": "hospital-outcomes", "password": PASSWORD, "role": "hospital"}
    r = server.post("admin", "/api/v1/accounts", {**account, "display_name": "Outcomes desk"})
    assert r.status_code == 201, r.text
    me = server.get("hospital-outcomes", "/api/v1/accounts/me")
    me.raise_for_status()
    body = {
        "hospital_id": HOSPITAL,
        "name": "Outcomes Medical Centre",
        "where": {"lat": 31.7743, "lon": 35.1826},
        "account_id": me.json()["account_id"],
    }
    r = server.post("admin", "/api/v1/hospitals", body)
    assert r.status_code == 201, r.text
    return HOSPITAL


def _ok(r: Any) -> dict[str, Any]:
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def _family_report(server: Server, full_name: str) -> str:
    return str(
        _ok(server.post("family1", "/api/v1/persons/missing", {"name": {"full_name": full_name}}))[
            "id"
        ]
    )


def _family_sees(server: Server, report_id: str) -> dict[str, Any]:
    reports = _ok(server.get("family1", "/api/v1/persons/family"))["reports"]
    (mine,) = [x for x in reports if x["report_id"] == report_id]
    return dict(mine)


def _casualty(server: Server, tag: str, full_name: str) -> str:
    body = {"tag": tag, "where": SCENE, "place": "Dubnov 13", "name": {"full_name": full_name}}
    return str(_ok(server.post("officer1", "/api/v1/casualties", body))["id"])


def _propose(server: Server, report_id: str, kind: str, candidate: str) -> str:
    body = {"report_id": report_id, "candidate_kind": kind, "candidate_id": candidate, "score": 0.9}
    return str(_ok(server.post("registrar", "/api/v1/persons/matches", body))["id"])


def _confirm(server: Server, match_id: str) -> None:
    _ok(server.post("registrar", f"/api/v1/persons/matches/{match_id}/confirm", {}))


def _told(server: Server, report_id: str, match_id: str, channel: str = "phone") -> None:
    body = {"match_id": match_id, "channel": channel}
    _ok(server.post("registrar", f"/api/v1/persons/missing/{report_id}/notified", body))


def test_a_death_after_the_family_was_told_says_what_changed_and_waits_for_identification(
    desk: Any, server: Server
) -> None:
    tag = uuid.uuid4().hex[:6]
    name = f"Sara Levinson {tag}"
    report_id = _family_report(server, name)
    casualty = _casualty(server, f"OC-{tag}", name)
    match_id = _propose(server, report_id, "casualty", casualty)
    _confirm(server, match_id)  # injured, in care
    _told(server, report_id, match_id)
    assert _family_sees(server, report_id)["outcome"] == "injured"

    _ok(server.post("registrar", f"/api/v1/casualties/{casualty}/death", {"place": "scene"}))
    row = desk.locator(f'[data-tell-list] li[data-id="{report_id}|{match_id}"]')
    # Live: the death puts the family back on the list (the row may still be the one the
    # desk drew before they were told, until its board catches up).
    row.filter(has_text="Outcome changed").wait_for(timeout=WAIT_MS)
    text = row.inner_text()
    assert "Outcome changed since you told them: was Injured, in care, now Deceased" in text
    assert "Not formally identified: identify first." in text
    told = row.locator(".tell-form button[type=submit]")
    assert told.is_disabled()
    assert row.locator("select[name=channel]").input_value() == "in_person"
    assert row.locator(".head .outcome.deceased").count() == 1
    screenshot(desk, "registry-outcome-changed-en")

    # Identified formally from the row itself: "told" is offered again, in person.
    row.locator("[data-identify]").click()
    form = row.locator("[data-identify-form]")
    form.wait_for()
    form.locator("input[name=identified_by]").fill("forensic team")
    form.locator("select[name=method]").select_option("dental")
    form.locator("select[name=status]").select_option("identified")
    with desk.expect_response(lambda r: r.url.endswith(f"/casualties/{casualty}/identify")) as sent:
        form.locator("button[type=submit]").click()
    assert sent.value.status == 201
    row.filter(has_not_text="identify first").wait_for(timeout=WAIT_MS)
    assert "Outcome changed since you told them" in row.inner_text()
    told.wait_for()
    desk.wait_for_function(
        "sel => !document.querySelector(sel).disabled",
        arg=f'[data-tell-list] li[data-id="{report_id}|{match_id}"] .tell-form button[type=submit]',
    )
    with desk.expect_response(lambda r: r.url.endswith(f"/missing/{report_id}/notified")) as sent:
        told.click()
    assert sent.value.status == 201
    row.wait_for(state="detached", timeout=WAIT_MS)
    seen = _family_sees(server, report_id)
    assert (seen["status"], seen["outcome"]) == ("found", "deceased")


def test_a_match_is_withdrawn_from_a_late_note_and_the_report_searches_again(
    browser: Any, desk: Any, server: Server, page_errors: PageErrors
) -> None:
    tag = uuid.uuid4().hex[:6]
    name = f"Natan Shapira {tag}"
    report_id = _family_report(server, name)
    casualty = _casualty(server, f"WD-{tag}", name)
    match_id = _propose(server, report_id, "casualty", casualty)
    _confirm(server, match_id)
    _ok(server.post("registrar", f"/api/v1/casualties/{casualty}/death", {"place": "scene"}))
    formal = {"name": {"full_name": name}, "identified_by": "police", "method": "fingerprints"}
    ident = {**formal, "status": "identified"}
    _ok(server.post("registrar", f"/api/v1/casualties/{casualty}/identify", ident))
    _told(server, report_id, match_id, "in_person")  # a death is told only in person
    assert _family_sees(server, report_id)["outcome"] == "deceased"
    note = {"author_name": "His sister", "text": f"He called us this morning {tag}"}
    r = server.post("family1", f"/api/v1/persons/missing/{report_id}/notes", note)
    assert r.status_code == 201, r.text

    row = desk.locator(f'[data-late-list] li[data-id="{report_id}"]')
    row.wait_for(timeout=WAIT_MS)
    row.locator(".note-list").filter(has_text=f"He called us this morning {tag}").wait_for()
    row.locator("[data-withdraw]").click()
    box = row.locator(".withdraw-box")
    # No reason, no withdrawal.
    box.locator("[data-withdraw-next]").click()
    assert box.locator(".error").inner_text() == "Write the reason."
    assert box.locator("[data-withdraw-yes]").is_hidden()
    reason = f"the family spoke to him {tag}"
    box.locator("textarea[name=withdraw_reason]").fill(reason)
    box.locator("[data-withdraw-next]").click()
    # A second press, after a plain warning: one slip does not reopen a report.
    assert (
        f"The report on {name} will search again"
        in box.locator("[data-withdraw-sure]").inner_text()
    )
    screenshot(desk, "registry-withdraw-confirm-en")
    with desk.expect_response(lambda r: r.url.endswith(f"/matches/{match_id}/withdraw")) as sent:
        box.locator("[data-withdraw-yes]").click()
    assert sent.value.status == 201
    done = desk.locator("[data-withdraw-done]")
    done.wait_for()
    assert done.inner_text() == f"The match was withdrawn. The report on {name} is searching again."
    row.wait_for(state="detached", timeout=WAIT_MS)  # no longer closed: no late note

    # The family was told of the death: they are to be told it was wrong, and why.
    again = desk.locator(f'[data-tell-list] li[data-id="{report_id}|{match_id}"]')
    again.filter(has_text="The match was withdrawn").wait_for(timeout=WAIT_MS)
    text = again.inner_text()
    assert (
        f"The match was withdrawn ({reason}). Tell the family the earlier news was wrong." in text
    )
    assert "They were told: Deceased" in text
    assert again.locator(".head .outcome").count() == 0  # the report searches: no outcome
    assert again.locator("[data-withdraw]").is_hidden()
    screenshot(desk, "registry-withdrawn-en")
    he = _open_desk(browser, server, page_errors, "he")
    try:
        he.locator(f'[data-tell-list] li[data-id="{report_id}|{match_id}"]').wait_for()
        assert he.locator("html").get_attribute("dir") == "rtl"
        screenshot(he, "registry-withdrawn-he")
    finally:
        he.context.close()

    seen = _family_sees(server, report_id)
    assert (seen["status"], seen["outcome"]) == ("searching", None)
    desk.select_option("[data-status-filter]", "searching")
    desk.fill("[data-search]", name)
    found = desk.locator(f'[data-report-list] li[data-id="{report_id}"]')
    found.wait_for(timeout=WAIT_MS)
    assert "Searching" in found.inner_text()
    assert found.locator("[data-withdraw]").is_hidden()
    with desk.expect_response(lambda r: r.url.endswith(f"/missing/{report_id}/notified")) as sent:
        again.locator(".tell-form button[type=submit]").click()
    assert sent.value.status == 201
    again.wait_for(state="detached", timeout=WAIT_MS)


def test_a_discharge_to_other_care_is_shown_and_stays_in_care(
    desk: Any, server: Server, hospital: str
) -> None:
    tag = uuid.uuid4().hex[:6]
    name = f"Rivka Mizrahi {tag}"
    report_id = _family_report(server, name)
    casualty = _casualty(server, f"DC-{tag}", name)
    ride = {"vehicle": "MDA 3", "vehicle_kind": "ambulance", "destination": hospital}
    _ok(server.post("officer1", f"/api/v1/casualties/{casualty}/evacuate", ride))
    path = f"/api/v1/casualties/{casualty}"
    _ok(server.post("hospital-outcomes", f"{path}/arrival", {"hospital_id": hospital}))
    out = {"disposition": "other_care", "note": "moved to the burns unit"}
    _ok(server.post("hospital-outcomes", f"{path}/discharge", out))
    match_id = _propose(server, report_id, "casualty", casualty)

    card = desk.locator(f'[data-match-list] li[data-id="{match_id}"]')
    card.wait_for(timeout=WAIT_MS)
    assert "Moved to other care" in card.locator("[data-candidate]").inner_text()
    head = card.locator(".head")
    assert head.locator(".outcome.injured").inner_text() == "Injured, in care"
    assert head.locator(".outcome.safe").count() == 0
    assert card.get_attribute("data-outcome") == "injured"
    card.locator(".acts button.yes").click()
    release = card.locator("textarea[name=release]")
    assert release.input_value() == "Found alive and receiving care. A registrar will call you."
    screenshot(desk, "registry-discharged-other-care-en")
    card.locator(".decide button", has_text="Cancel").click()


def test_a_transfer_after_the_family_was_told_lists_them_with_where_then_and_now(
    browser: Any, desk: Any, server: Server, page_errors: PageErrors, hospital: str
) -> None:
    tag = uuid.uuid4().hex[:6]
    second = f"h-transfer-{tag}"
    body = {"hospital_id": second, "name": f"Burns Centre {tag}", "where": SCENE}
    _ok(server.post("admin", "/api/v1/hospitals", body))
    name = f"Yael Ben-David {tag}"
    report_id = _family_report(server, name)
    casualty = _casualty(server, f"TR-{tag}", name)
    ride = {"vehicle": "MDA 5", "vehicle_kind": "ambulance", "destination": hospital}
    _ok(server.post("officer1", f"/api/v1/casualties/{casualty}/evacuate", ride))
    path = f"/api/v1/casualties/{casualty}"
    _ok(server.post("hospital-outcomes", f"{path}/arrival", {"hospital_id": hospital}))
    match_id = _propose(server, report_id, "casualty", casualty)
    _confirm(server, match_id)
    row = desk.locator(f'[data-tell-list] li[data-id="{report_id}|{match_id}"]')
    # Waiting to be told: the row says where they are, what the family will ask first.
    row.filter(has_text="Where now: Outcomes Medical Centre").wait_for(timeout=WAIT_MS)
    _told(server, report_id, match_id)
    row.wait_for(state="detached", timeout=WAIT_MS)

    transfer = {"vehicle": "MDA 6", "vehicle_kind": "ambulance", "destination": second}
    _ok(server.post("hospital-outcomes", f"{path}/evacuate", transfer))
    row.filter(has_text="Moved since you told them").wait_for(timeout=WAIT_MS)
    text = row.inner_text()
    assert (
        f"Moved since you told them. Then: Outcomes Medical Centre. Now: Burns Centre {tag}."
        " Tell them where." in text
    )
    assert f"Where now: Burns Centre {tag} · on the way to hospital" in text
    assert row.locator(".head .outcome.injured").count() == 1
    # The family's page still says what stands: alive and in care.
    assert _family_sees(server, report_id)["outcome"] == "injured"
    screenshot(desk, "registry-transfer-en")
    he = _open_desk(browser, server, page_errors, "he")
    try:
        he_row = he.locator(f'[data-tell-list] li[data-id="{report_id}|{match_id}"]')
        he_row.wait_for(timeout=WAIT_MS)
        assert "הועבר/ה מאז שנמסר למשפחה" in he_row.inner_text()
        screenshot(he, "registry-transfer-he")
    finally:
        he.context.close()
    with desk.expect_response(lambda r: r.url.endswith(f"/missing/{report_id}/notified")) as sent:
        row.locator(".tell-form button[type=submit]").click()
    assert sent.value.status == 201
    row.wait_for(state="detached", timeout=WAIT_MS)


def test_leaving_hospital_against_advice_is_not_shown_as_safe(
    browser: Any, desk: Any, server: Server, page_errors: PageErrors, hospital: str
) -> None:
    tag = uuid.uuid4().hex[:6]
    name = f"Eli Ohayon {tag}"
    report_id = _family_report(server, name)
    casualty = _casualty(server, f"LA-{tag}", name)
    ride = {"vehicle": "MDA 4", "vehicle_kind": "ambulance", "destination": hospital}
    _ok(server.post("officer1", f"/api/v1/casualties/{casualty}/evacuate", ride))
    path = f"/api/v1/casualties/{casualty}"
    _ok(server.post("hospital-outcomes", f"{path}/arrival", {"hospital_id": hospital}))
    match_id = _propose(server, report_id, "casualty", casualty)
    # A second candidate for the same report: once the first is confirmed it cannot be, and
    # the desk says such proposals are left out rather than offering them.
    r = server.post("registrar", "/api/v1/persons/survivors", {"name": {"full_name": name}})
    other = _propose(server, report_id, "survivor", str(_ok(r)["id"]))
    _confirm(server, match_id)  # injured, in care; the family not told yet
    on_closed = desk.locator("[data-match-on-closed]")
    on_closed.wait_for(timeout=WAIT_MS)
    assert on_closed.inner_text().endswith("proposals for reports already closed are not shown")
    assert desk.locator(f'[data-match-list] li[data-id="{other}"]').count() == 0
    # Counted as waiting for a decision only when it can be decided.
    counts = _ok(server.get("registrar", "/api/v1/persons/board"))["counts"]
    waiting = counts["matches"]["proposed"] - counts["proposed_on_closed"]
    desk.locator("#matches [data-count]", has_text=re.compile(f"^{waiting}$")).wait_for()

    out = {"disposition": "left_against_advice"}
    _ok(server.post("hospital-outcomes", f"{path}/discharge", out))
    row = desk.locator(f'[data-tell-list] li[data-id="{report_id}|{match_id}"]')
    row.filter(has_text="Outcome changed").wait_for(timeout=WAIT_MS)
    assert (
        "Outcome changed since confirmed: was Injured, in care, now Left hospital against advice"
        in row.inner_text()
    )
    badge = row.locator(".head .outcome")
    assert badge.get_attribute("class") == "outcome left_care"
    assert badge.inner_text() == "Left hospital against advice"
    safe_green = "rgb(227, 244, 230)"  # .outcome.safe
    assert badge.evaluate("b => getComputedStyle(b).backgroundColor") != safe_green
    assert row.locator(".tell-form button[type=submit]").is_enabled()
    screenshot(desk, "registry-left-care-en")
    he = _open_desk(browser, server, page_errors, "he")
    try:
        he_row = he.locator(f'[data-tell-list] li[data-id="{report_id}|{match_id}"]')
        he_row.wait_for()
        assert "עזב/ה את בית החולים בניגוד לעצה רפואית" in he_row.locator(".head").inner_text()
        screenshot(he, "registry-left-care-he")
    finally:
        he.context.close()


def test_a_duplicate_is_withdrawn_from_the_reports_list(desk: Any, server: Server) -> None:
    tag = uuid.uuid4().hex[:6]
    name = f"Dana Peretz {tag}"
    first = _family_report(server, name)
    second = _family_report(server, name)
    match_id = _propose(server, second, "missing", first)
    _confirm(server, match_id)  # the second report is a duplicate of the first
    desk.select_option("[data-status-filter]", "duplicate")
    desk.fill("[data-search]", name)
    row = desk.locator(f'[data-report-list] li[data-id="{second}"]')
    row.wait_for(timeout=WAIT_MS)
    assert "Duplicate" in row.locator(".st").inner_text()
    row.locator("[data-withdraw]").click()
    box = row.locator(".withdraw-box")
    box.locator("textarea[name=withdraw_reason]").fill("two different women of that name")
    box.locator("[data-withdraw-next]").click()
    screenshot(desk, "registry-withdraw-duplicate-en")
    # The match is read from the report (a duplicate's card does not name it).
    with desk.expect_response(lambda r: r.url.endswith(f"/matches/{match_id}/withdraw")) as sent:
        box.locator("[data-withdraw-yes]").click()
    assert sent.value.status == 201
    row.wait_for(state="detached", timeout=WAIT_MS)  # no longer a duplicate
    assert _family_sees(server, second)["status"] == "searching"
