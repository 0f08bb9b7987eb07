"""With no GPS fix a medic can still name the hospital a casualty goes to (audit 7).

A medic (he, 390x844) whose phone gives no location records a casualty: the card lists the
hospitals by name, unranked, each with what its status says (no report yet, in lockdown),
the one closed to ambulances said as not offered with what it wrote, and "without
destination" last. The medic sends the casualty to one of them: the hospital has it on its
way. A police officer (en) whose first fix comes while the unranked list is on screen, with
the ride half typed, sees the list drawn again, ranked, and the ride still as typed. A
hospital tapped while the ranked list loads is not drawn over, and tapped again after an
answer that never came it is the same command. A ranking refused or lost leaves the list by
name on screen, to be tapped (drawn, if its own answer was set aside for the fix), and the
next fix ranks it.
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


# Each position the phone's watch hands the page, counted once the page has dealt with it.
COUNT_FIXES = """(() => {
  const g = navigator.geolocation;
  if (!g) return;
  const watch = g.watchPosition.bind(g);
  window.fixesSeen = 0;
  g.watchPosition = (ok, fail, options) =>
    watch((pos) => { ok(pos); window.fixesSeen += 1; }, fail, options);
})()"""


def _held(page: Any, routes: list[Any]) -> Any:
    """The route a handler holds: Playwright tells of a request before its handler runs (the
    handler runs while Playwright is waited on)."""
    for _ in range(100):
        if routes:
            return routes.pop()
        page.wait_for_timeout(100)
    raise AssertionError("no request held")


def _moved(page: Any, context: Any, where: dict[str, float]) -> None:
    """A new fix, once the page has dealt with it."""
    seen = page.evaluate("() => window.fixesSeen")
    context.set_geolocation(where)
    page.wait_for_function("n => window.fixesSeen > n", arg=seen)


def _record_red(page: Any, tag: str, *, listed: bool = True) -> Any:
    """Check in, triage red (not walking, 40 breaths), record `tag`; its card's ride block,
    once its hospitals are listed (listened for before the tap that opens the card), unless
    `listed` is false (their answer is held)."""
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
    if not listed:
        with page.expect_response(lambda r: r.url.endswith("/api/v1/casualties")) as recorded:
            triage.locator("[data-record]").tap()
        assert recorded.value.status == 201, recorded.value.text()
        card = page.locator(f'[data-casualty="{recorded.value.json()["id"]}"]')
        return card.locator("[data-cc-evacuate]"), str(recorded.value.json()["id"])
    with page.expect_response(lambda r: "/hospitals/destinations" in r.url) as answer:
        with page.expect_response(lambda r: r.url.endswith("/api/v1/casualties")) as recorded:
            triage.locator("[data-record]").tap()
        assert recorded.value.status == 201, recorded.value.text()
    assert answer.value.status == 200, answer.value.text()
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
    ranked_asked: list[str] = []
    context.add_init_script(COUNT_FIXES)
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
            lambda r: ranked_asked.append(r.url) if "/hospitals/recommendation" in r.url else None,
        )
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
        held = _held(page, ranking)
        # While it ranks, the list by name stays on screen, and a hospital is tapped.
        alef = places.locator(f'[data-destination="{ALEF}"]')
        assert alef.count() == 1
        with page.expect_request(lambda r: r.url.endswith(f"/{casualty}/evacuate")):
            alef.tap()
        assert alef.is_disabled()

        # The ranked answer comes while the choice is being sent: it is not drawn over it.
        with page.expect_response(lambda r: "/hospitals/recommendation" in r.url) as ranked:
            held.continue_()
        assert ranked.value.status == 200
        page.evaluate("() => new Promise(r => setTimeout(r, 300))")  # its handler has run
        assert places.get_attribute("data-ranked") == "false"
        assert places.locator(".cc-first").count() == 0
        assert alef.count() == 1
        assert alef.is_disabled()

        # Its answer lost (a gateway gives up): tapped again, it is the same command.
        _held(page, evacuating).fulfill(status=503, content_type="application/json", body="{}")
        page.wait_for_function(
            "sel => !document.querySelector(sel).disabled",
            arg=f'[data-casualty="{casualty}"] [data-destination="{ALEF}"]',
        )
        with page.expect_request(lambda r: r.url.endswith(f"/{casualty}/evacuate")):
            alef.tap()
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/evacuate")) as sent:
            _held(page, evacuating).continue_()
        assert sent.value.status == 201, sent.value.text()
        evac.locator("[data-evacuate-answer].done").wait_for()
        assert "Alef" in evac.locator("[data-evacuate-answer]").inner_text()
        # Sent once: the other choices are gone, the one taken stays spent.
        assert places.locator("button:enabled").count() == 0
        assert len(sent_ids) == 2, sent_ids
        assert sent_ids[0] == sent_ids[1], sent_ids
        # A later fix (the page has had it) draws nothing over the choice sent, nor asks.
        asked = len(ranked_asked)
        _moved(page, context, {"latitude": 31.7660, "longitude": 35.2150, "accuracy": 8})
        page.evaluate("() => new Promise(r => setTimeout(r, 300))")
        assert ranking == []
        assert len(ranked_asked) == asked, ranked_asked
        assert alef.count() == 1
        assert alef.is_disabled()
    finally:
        context.close()
    board = {c["id"]: c for c in server.get("admin", "/api/v1/casualties").json()}
    assert (board[casualty]["status"], board[casualty]["destination"]) == ("evacuated", ALEF)


def test_a_ranking_that_fails_leaves_the_list_by_name_and_the_next_fix_asks_again(
    browser: Any, server: Server, hospitals: None, page_errors: PageErrors
) -> None:
    """From a review: a fix over the list by name whose ranking failed wiped the list (only
    "not sent" and "without destination" were left), and no later fix asked again."""
    context = browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale="en-GB",
        has_touch=True,
        is_mobile=True,
        permissions=["geolocation"],
    )
    officer = "officer_np_retry"
    body = {"username": officer, "password": PASSWORD, "role": "responder", "display_name": officer}
    assert server.post("admin", "/api/v1/accounts", body).status_code == 201
    context.add_init_script(COUNT_FIXES)
    try:
        page = page_errors.watch(sign_in(context, server, officer, "/responder?lang=en"))
        page.wait_for_selector("body[data-ready]")
        evac, _ = _record_red(page, "np 4")
        places = evac.locator("[data-destinations]")
        alef = places.locator(f'[data-destination="{ALEF}"]')
        assert places.get_attribute("data-ranked") == "false"
        evac.locator("input[name=vehicle]").fill("MDA 7")

        # The first fix: its ranking refused (a gateway gives up); the next, lost (no network).
        def fail(route: Any) -> None:
            if failing[0] == "503":
                route.fulfill(status=503, content_type="application/json", body="{}")
            else:
                route.abort()

        failing = [""]
        for failed in ("503", "lost"):
            failing[0] = failed
            page.route("**/api/v1/hospitals/recommendation*", fail)
            spot = SCENE if failed == "503" else {**SCENE, "latitude": 31.7655}
            with page.expect_request(lambda r: "/hospitals/recommendation" in r.url):
                _moved(page, context, spot)
            page.evaluate("() => new Promise(r => setTimeout(r, 300))")  # its answer dealt with
            page.unroute("**/api/v1/hospitals/recommendation*")
            # The list by name stays as it was, to be tapped.
            assert places.get_attribute("data-ranked") == "false", failed
            assert places.locator(".cc-unranked").count() == 1, failed
            assert "not sent" not in places.inner_text(), failed
            assert alef.is_enabled(), failed
            alef.tap(trial=True)  # visible, enabled, not covered: it can be tapped
            assert places.locator("[data-no-destination]").count() == 1, failed
            assert evac.locator("input[name=vehicle]").input_value() == "MDA 7"

        # The next fix asks again, and the ranked list is drawn.
        with page.expect_response(lambda r: "/hospitals/recommendation" in r.url) as ranked:
            _moved(page, context, {**SCENE, "latitude": 31.7660})
        assert ranked.value.status == 200, ranked.value.text()
        page.wait_for_function(
            "() => document.querySelector('[data-destinations]')"
            "?.getAttribute('data-ranked') === 'true'"
            " && document.querySelector('[data-destinations] .cc-first')"
        )
        assert places.locator(".cc-unranked").count() == 0
        assert "Recommended" in places.locator(".cc-first").inner_text()
        assert places.locator(f'[data-destination="{ALEF}"]').is_enabled()
        assert evac.locator("input[name=vehicle]").input_value() == "MDA 7"
    finally:
        context.close()


def test_a_ranking_that_fails_before_the_list_by_name_came_still_draws_that_list(
    browser: Any, server: Server, hospitals: None, page_errors: PageErrors
) -> None:
    """The first fix comes while the list by name is still being fetched (its answer, when
    it comes, is set aside for the ranked one), and the ranking fails: the list by name is
    asked for again and drawn, and the next fix ranks it."""
    context = browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale="en-GB",
        has_touch=True,
        is_mobile=True,
        permissions=["geolocation"],
    )
    officer = "officer_np_slow"
    body = {"username": officer, "password": PASSWORD, "role": "responder", "display_name": officer}
    assert server.post("admin", "/api/v1/accounts", body).status_code == 201
    context.add_init_script(COUNT_FIXES)
    listing: list[Any] = []
    held_once: list[bool] = []
    try:
        page = page_errors.watch(sign_in(context, server, officer, "/responder?lang=en"))
        page.wait_for_selector("body[data-ready]")

        # The first list by name is held; any later one goes through.
        def hold_listing(route: Any) -> None:
            if held_once:
                route.continue_()
            else:
                held_once.append(True)
                listing.append(route)

        page.route("**/api/v1/hospitals/destinations*", hold_listing)
        evac, _ = _record_red(page, "np 5", listed=False)
        first = _held(page, listing)
        places = evac.locator("[data-destinations]")
        assert places.locator("[data-destination]").count() == 0

        page.route(
            "**/api/v1/hospitals/recommendation*",
            lambda route: route.fulfill(status=503, content_type="application/json", body="{}"),
        )
        with page.expect_response(lambda r: "/hospitals/destinations" in r.url) as again:
            with page.expect_response(lambda r: "/hospitals/recommendation" in r.url) as ranked:
                _moved(page, context, SCENE)
            assert ranked.value.status == 503
        assert again.value.status == 200, again.value.text()
        page.unroute("**/api/v1/hospitals/recommendation*")
        places.locator(f'[data-destination="{ALEF}"]').wait_for()
        first.continue_()  # the first answer, late: set aside
        page.evaluate("() => new Promise(r => setTimeout(r, 300))")
        assert places.get_attribute("data-ranked") == "false"
        assert places.locator(".cc-unranked").count() == 1
        assert places.locator(f'[data-destination="{ALEF}"]').count() == 1
        places.locator(f'[data-destination="{ALEF}"]').tap(trial=True)

        with page.expect_response(lambda r: "/hospitals/recommendation" in r.url) as ranked:
            _moved(page, context, {**SCENE, "latitude": 31.7660})
        assert ranked.value.status == 200, ranked.value.text()
        places.locator(".cc-first").wait_for()
        assert places.get_attribute("data-ranked") == "true"
        assert places.locator(".cc-unranked").count() == 0
    finally:
        context.close()
