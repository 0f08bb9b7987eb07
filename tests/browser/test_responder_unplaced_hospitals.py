"""With no GPS fix a medic can still name the hospital a casualty goes to (audit 7).

A medic (he, 390x844) whose phone gives no location records a casualty: the card lists the
hospitals by name, unranked, each with what its status says (no report yet, in lockdown),
the one closed to ambulances said as not offered with what it wrote, and "without
destination" last. The medic sends the casualty to one of them: the hospital has it on its
way. A police officer (en) whose first fix comes while the unranked list is on screen, with
the ride half typed, sees the list drawn again, ranked, and the ride still as typed. A
hospital tapped while the ranked list loads is not drawn over, and tapped again after an
answer that never came it is the same command.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from browser.browserkit import PASSWORD, TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}
SCENE = {"latitude": 31.7652, "longitude": 35.2139, "accuracy": 8}
ALEF = "h-np-alef"  # never reported its status
ZION = "h-np-zion"  # in lockdown
SHUT = "h-np-shut"  # closed to ambulances
MEDIC = "medic_np"
OFFICER = "officer_np"
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def hospitals(server: Server) -> None:
    for username, role in ((MEDIC, "medic"), (OFFICER, "responder")):
        body = {"username": username, "password": PASSWORD, "role": role, "display_name": username}
        r = server.post("admin", "/api/v1/accounts", body)
        assert r.status_code == 201, r.text
    for hospital_id, name, he, where in (
        (ZION, "Zion Gate Hospital", "שער ציון", {"lat": 31.7640, "lon": 35.2150}),
        (ALEF, "Alef Hospital", "אלף", {"lat": 31.7600, "lon": 35.2100}),
        (SHUT, "Shut Hospital", "בית חולים סגור", {"lat": 31.7650, "lon": 35.2140}),
    ):
        body = {"hospital_id": hospital_id, "name": name, "names": {"he": he}, "where": where}
        r = server.post("admin", "/api/v1/hospitals", body)
        assert r.status_code == 201, r.text
    for hospital_id, status in (
        (ZION, {"ems_traffic": "Normal", "security": "Lockdown", "ems_capacity": {"red": 5}}),
        (SHUT, {"ems_traffic": "Closed", "ems_traffic_reason": "gate blocked"}),
    ):
        r = server.post("admin", f"/api/v1/hospitals/{hospital_id}/status", {"status": status})
        assert r.status_code == 201, r.text


def _record_red(page: Any, tag: str) -> Any:
    """Check in, triage red (not walking, 40 breaths), record `tag`; its card's ride block,
    once its hospitals are listed (listened for before the tap that opens the card)."""
    page.click("[data-checkin-form] button")
    page.locator("[data-checkin]").wait_for(state="hidden")
    triage = page.locator("[data-triage]")
    page.click("[data-triage-start]")
    triage.locator("button").nth(1).wait_for()
    first = triage.locator(".action").inner_text()
    triage.locator("button").nth(1).tap()  # walks? no
    page.wait_for_function(
        "q => document.querySelector('[data-triage] .action')?.textContent !== q", arg=first
    )
    triage.locator("button").nth(0).tap()  # breathes? yes
    triage.locator("input[type=number]").fill("40")
    triage.locator("button").tap()
    triage.locator(".tag").wait_for()
    triage.locator("input[name=tag]").fill(tag)
    with page.expect_response(lambda r: "/hospitals/destinations" in r.url) as listed:
        with page.expect_response(lambda r: r.url.endswith("/api/v1/casualties")) as recorded:
            triage.locator("[data-record]").tap()
        assert recorded.value.status == 201, recorded.value.text()
    assert listed.value.status == 200, listed.value.text()
    card = page.locator(f'[data-casualty="{recorded.value.json()["id"]}"]')
    evac = card.locator("[data-cc-evacuate]")
    evac.locator("[data-destinations] [data-no-destination]").wait_for()
    return evac, str(recorded.value.json()["id"])


def test_a_medic_with_no_location_sends_a_casualty_to_a_hospital_chosen_by_name(
    browser: Any, server: Server, hospitals: None, page_errors: PageErrors
) -> None:
    # No geolocation given: the phone has no place at all.
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, locale="he-IL", has_touch=True, is_mobile=True
    )
    asked: list[str] = []
    try:
        page = page_errors.watch(sign_in(context, server, MEDIC, "/responder?lang=he"))
        page.on("request", lambda r: asked.append(r.url) if "/recommendation" in r.url else None)
        page.wait_for_selector("body[data-ready]")
        evac, casualty = _record_red(page, "np 1")
        places = evac.locator("[data-destinations]")
        assert places.get_attribute("data-ranked") == "false"
        assert "אין עדיין מיקום" in places.locator(".cc-unranked").inner_text()
        # Other tests on this shared server register hospitals of their own: ours are listed,
        # by their Hebrew names (אלף before שער ציון), and the closed one is not offered.
        buttons = places.locator("[data-destination]").all()
        ids = [b.get_attribute("data-destination") for b in buttons]
        assert {ALEF, ZION} <= set(ids), ids
        assert ids.index(ALEF) < ids.index(ZION), ids
        assert SHUT not in ids
        alef = places.locator(f'[data-destination="{ALEF}"]')
        zion = places.locator(f'[data-destination="{ZION}"]')
        assert "אלף" in alef.inner_text()
        assert "אין דיווח מצב" in alef.locator(".cc-dest-why").inner_text()
        assert "בסגר ביטחוני" in zion.locator(".cc-dest-why").inner_text()
        assert "cc-locked" in (zion.get_attribute("class") or "")
        for b in places.locator("[data-destination] .cc-dest-why").all():
            assert not LATIN.search(b.inner_text()), b.inner_text()
        shut = places.locator(f'[data-excluded="{SHUT}"]').inner_text()
        assert "סגור לאמבולנסים" in shut, shut
        assert "gate blocked" in shut, shut
        # Dispatch can still decide: the last choice.
        last = places.locator("button").last
        assert last.get_attribute("data-no-destination") == ""
        assert asked == []
        screenshot(page, "responder-unplaced-hospitals-he")

        evac.locator("input[name=vehicle]").fill("MDA 12")
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/evacuate")) as sent:
            alef.tap()
        assert sent.value.status == 201, sent.value.text()
        assert sent.value.request.post_data_json["destination"] == ALEF
        done = evac.locator("[data-evacuate-answer].done")
        done.wait_for()
        assert "בדרך אל אלף" in done.inner_text()
    finally:
        context.close()

    # The hospital has the casualty on its way (its desk's "on the way here", the console's
    # incoming counts).
    board = {c["id"]: c for c in server.get("admin", "/api/v1/casualties").json()}
    assert (board[casualty]["status"], board[casualty]["destination"]) == ("evacuated", ALEF)
    listed = {h["id"]: h for h in server.get("admin", "/api/v1/hospitals").json()}
    assert listed[ALEF]["incoming"] >= 1


def test_a_fix_that_comes_later_ranks_the_list_and_keeps_the_ride_as_typed(
    browser: Any, server: Server, hospitals: None, page_errors: PageErrors
) -> None:
    # Location allowed but no fix yet (indoors, a cold start).
    context = browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale="en-GB",
        has_touch=True,
        is_mobile=True,
        permissions=["geolocation"],
    )
    try:
        page = page_errors.watch(sign_in(context, server, OFFICER, "/responder?lang=en"))
        page.wait_for_selector("body[data-ready]")
        evac, _ = _record_red(page, "np 2")
        places = evac.locator("[data-destinations]")
        assert places.get_attribute("data-ranked") == "false"
        assert places.locator(f'[data-destination="{ALEF}"]').count() == 1
        assert "Recommended" not in places.inner_text()
        screenshot(page, "responder-unplaced-hospitals-en")
        # The ride half typed when the fix comes.
        evac.locator("select[name=vehicle_kind]").select_option("private_car")
        evac.locator("input[name=vehicle]").fill("Blue Skoda 12-345-67")
        with page.expect_response(lambda r: "/hospitals/recommendation" in r.url) as ranked:
            context.set_geolocation(SCENE)
        assert ranked.value.status == 200, ranked.value.text()
        assert "lat=31.765200&lon=35.213900" in ranked.value.url
        page.wait_for_function(
            "() => document.querySelector('[data-destinations]')"
            "?.getAttribute('data-ranked') === 'true'"
            " && document.querySelector('[data-destinations] .cc-first')"
        )
        assert places.locator(".cc-unranked").count() == 0
        assert "Recommended" in places.locator(".cc-first").inner_text()
        assert re.search(r"\d+ min drive", places.locator(".cc-first").inner_text())
        assert evac.locator("select[name=vehicle_kind]").input_value() == "private_car"
        assert evac.locator("input[name=vehicle]").input_value() == "Blue Skoda 12-345-67"
        screenshot(page, "responder-unplaced-hospitals-ranked-en")
    finally:
        context.close()


def test_a_choice_tapped_while_the_ranked_list_loads_is_not_drawn_over_nor_sent_twice(
    browser: Any, server: Server, hospitals: None, page_errors: PageErrors
) -> None:
    """From a review: a fix redrew the hospital list under a choice being sent, with fresh
    buttons, and each send had a new command id: a second tap, a second evacuation."""
    context = browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale="en-GB",
        has_touch=True,
        is_mobile=True,
        permissions=["geolocation"],
    )
    # An officer of its own: the module's other officer is already checked in for duty.
    officer = "officer_np_hold"
    body = {"username": officer, "password": PASSWORD, "role": "responder", "display_name": officer}
    assert server.post("admin", "/api/v1/accounts", body).status_code == 201
    ranking: list[Any] = []
    evacuating: list[Any] = []
    sent_ids: list[str] = []
    try:
        page = page_errors.watch(sign_in(context, server, officer, "/responder?lang=en"))
        page.wait_for_selector("body[data-ready]")
        evac, casualty = _record_red(page, "np 3")
        places = evac.locator("[data-destinations]")

        # The ranked list and the evacuation are held until the test lets them go.
        def hold_ranking(route: Any) -> None:
            ranking.append(route)

        def hold_evacuation(route: Any) -> None:
            evacuating.append(route)

        page.route("**/api/v1/hospitals/recommendation*", hold_ranking)
        page.route(f"**/casualties/{casualty}/evacuate", hold_evacuation)
        page.on(
            "request",
            lambda r: (
                sent_ids.append(r.post_data_json["command_id"])
                if r.url.endswith(f"/{casualty}/evacuate")
                else None
            ),
        )
        with page.expect_request(lambda r: "/hospitals/recommendation" in r.url):
            context.set_geolocation(SCENE)
        # While it ranks, the list by name stays on screen, and a hospital is tapped.
        alef = places.locator(f'[data-destination="{ALEF}"]')
        assert alef.count() == 1
        with page.expect_request(lambda r: r.url.endswith(f"/{casualty}/evacuate")):
            alef.tap()
        assert alef.is_disabled()

        # The ranked answer comes while the choice is being sent: it is not drawn over it.
        with page.expect_response(lambda r: "/hospitals/recommendation" in r.url) as ranked:
            ranking.pop().continue_()
        assert ranked.value.status == 200
        page.evaluate("() => new Promise(r => setTimeout(r, 300))")  # its handler has run
        assert places.get_attribute("data-ranked") == "false"
        assert places.locator(".cc-first").count() == 0
        assert alef.count() == 1
        assert alef.is_disabled()

        # Its answer lost (a gateway gives up): tapped again, it is the same command.
        evacuating.pop().fulfill(status=503, content_type="application/json", body="{}")
        page.wait_for_function(
            "sel => !document.querySelector(sel).disabled",
            arg=f'[data-casualty="{casualty}"] [data-destination="{ALEF}"]',
        )
        with page.expect_request(lambda r: r.url.endswith(f"/{casualty}/evacuate")):
            alef.tap()
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/evacuate")) as sent:
            evacuating.pop().continue_()
        assert sent.value.status == 201, sent.value.text()
        evac.locator("[data-evacuate-answer].done").wait_for()
        assert "Alef" in evac.locator("[data-evacuate-answer]").inner_text()
        # Sent once: the other choices are gone, the one taken stays spent.
        assert places.locator("button:enabled").count() == 0
        assert len(sent_ids) == 2, sent_ids
        assert sent_ids[0] == sent_ids[1], sent_ids
        # A later fix draws nothing over the choice sent.
        context.set_geolocation({"latitude": 31.7660, "longitude": 35.2150, "accuracy": 8})
        page.evaluate("() => new Promise(r => setTimeout(r, 500))")
        assert ranking == []
        assert alef.count() == 1
        assert alef.is_disabled()
    finally:
        context.close()
    board = {c["id"]: c for c in server.get("admin", "/api/v1/casualties").json()}
    assert (board[casualty]["status"], board[casualty]["destination"]) == ("evacuated", ALEF)
