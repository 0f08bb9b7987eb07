"""The responder view on a phone, in real headless Chromium."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, drawn_off_by_px, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}
HERE = {"latitude": 31.7652, "longitude": 35.2139, "accuracy": 8}


def _phone(browser: Any, locale: str) -> Any:
    """A phone's browser here, in a language, with its GPS allowed."""
    return browser.new_context(
        timezone_id=TZ, viewport=PHONE, locale=locale, geolocation=HERE, permissions=["geolocation"]
    )


def test_a_responder_checks_in_reports_status_and_a_sighting_where_they_stand(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone(browser, "he-IL")
    try:
        page = page_errors.watch(sign_in(context, server, "volunteer1", "/responder"))
        assert page.get_attribute("html", "dir") == "rtl"
        page.wait_for_selector("body[data-ready]")
        checkin = page.locator("[data-checkin]")
        if checkin.is_visible():  # not on duty yet in this session
            page.select_option("[data-checkin-form] select[name=kind]", "volunteer")
            page.click("[data-checkin-form] button")
            checkin.wait_for(state="hidden")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/responders/status")) as done:
            page.click("[data-status=engaged]")
        assert done.value.status == 201
        page.wait_for_selector("[data-status=engaged][aria-pressed=true]")
        mine = server.get("volunteer1", "/api/v1/accounts/me").json()["account_id"]
        me = [r for r in server.picture()["responders"] if r["id"] == mine]
        assert [r["status"] for r in me] == ["engaged"]

        page.fill("[data-sighting-form] input[name=count]", "2")
        page.check("[data-sighting-form] input[value=vehicle]")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/sightings")) as sent:
            page.click("[data-sighting-form] button[type=submit]")
        assert sent.value.status == 201
        sighting_id = sent.value.json()["id"]
        sighting = {s["id"]: s for s in server.picture()["sightings"]}[sighting_id]
        assert (sighting["lat"], sighting["lon"]) == (HERE["latitude"], HERE["longitude"])
        assert (sighting["count"], sighting["mobility"], sighting["tier"]) == (
            2,
            "vehicle",
            "verified",
        )
        # After my status, the picture is the one around me, and the map says so, in Hebrew:
        # around me only, as I have no task (a note naming a task I lack would mislead).
        page.wait_for_selector("[data-scope-note]:not([hidden])")
        assert page.locator("[data-scope-note]").inner_text() == "מוצג אזור של 2 ק״מ סביבך"
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        assert attribution == "© OpenStreetMap contributors (ODbL)"
        screenshot(page, "responder-he")
    finally:
        context.close()


def test_triage_leads_a_medic_to_a_tag_colour(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = browser.new_context(timezone_id=TZ, viewport=PHONE, locale="en-GB")
    try:
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        triage = page.locator("[data-triage]")
        page.click("[data-triage-start]")
        # START: cannot walk; breathes; 40 a minute -> immediate.
        triage.locator("button", has_text="No").first.wait_for()
        question = triage.locator(".action").inner_text()
        assert "walk" in question.lower()
        triage.locator("button", has_text="No").click()
        page.wait_for_function(
            "q => document.querySelector('[data-triage] .action')?.textContent !== q",
            arg=question,
        )
        assert "breath" in triage.locator(".action").inner_text().lower()
        triage.locator("button", has_text="Yes").click()
        triage.locator("input[type=number]").wait_for()
        triage.locator("input[type=number]").fill("40")
        triage.locator("button").click()
        tag = triage.locator(".tag")
        tag.wait_for()
        assert tag.inner_text() == "IMMEDIATE"
        assert "red" in (tag.get_attribute("class") or "")
        screenshot(page, "responder-triage-en")
        # Recorded with its tag number, at the responder's position when there is one.
        triage.locator("input[name=tag]").fill("mda 0042")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/casualties")) as recorded:
            triage.locator("[data-record]").click()
        assert recorded.value.status == 201, recorded.value.text()
        page.wait_for_selector("[data-status-line]:has-text('MDA 0042')")
        triage.locator("[data-again]").click()  # next casualty
        triage.locator("input[type=checkbox]").wait_for()
    finally:
        context.close()
    board = server.get("dispatcher", "/api/v1/casualties").json()
    tagged = [c for c in board if c["tag"] == "MDA 0042"]
    assert [(c["category"], c["status"]) for c in tagged] == [("immediate", "at_scene")]


def test_my_assignment_is_shown_with_its_target_on_the_map(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """Serves the picture with one assignment (in the dispatch view's shape) beside a real
    SOS: the responder sees it, where it is, and takes it with one press."""
    me = server.get("officer1", "/api/v1/accounts/me").json()["account_id"]
    # Away from the other tests' calls, so that it is an incident of its own.
    alone = {"lat": 31.7583, "lon": 35.2108}
    r = server.post(None, "/api/v1/sos", {"where": alone, "people": 2, "injured": 1})
    assert r.status_code == 201, r.text
    sos_id = r.json()["id"]

    def picture(route: Any) -> None:
        real = server.picture("officer1")
        real["assignments"] = [
            {
                "id": "asg_1",
                "responder_id": me,
                "target": {"kind": "incident", "id": sos_id},
                "status": "assigned",
                "active": True,
                "note": "second floor",
            }
        ]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(real))

    context = browser.new_context(timezone_id=TZ, viewport=PHONE, locale="en-GB")
    try:
        context.route(re.compile(r".*/api/v1/picture(\?.*)?$"), picture)
        context.route(
            re.compile(r".*/api/v1/dispatch/assignments/.*"),
            lambda route: route.fulfill(status=201, content_type="application/json", body="{}"),
        )
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        text = page.locator("[data-assignment]").inner_text()
        assert "assigned to you" in text
        assert "people 2 · injured 1" in text
        assert "second floor" in text
        # The target is marked where the SOS is; no straight line pretends to be a route.
        assert page.locator("#map path.leaflet-interactive[stroke='#b00020']").count() == 1
        with page.expect_request(re.compile(r".*/dispatch/assignments/asg_1/ack")) as ack:
            page.click("[data-step=ack]")
        assert "command_id" in ack.value.post_data_json
    finally:
        context.close()


def test_my_assignment_route_is_drawn_on_my_map(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """A real assignment, made by the dispatcher: the responder's phone draws the street route
    the server computed, from where they stand to the call, and says how long it takes."""
    start = {"lat": 31.7597, "lon": 35.2098}
    call = {"lat": 31.7616, "lon": 35.2128}
    me = server.get("officer2", "/api/v1/accounts/me").json()["account_id"]
    r = server.post(
        "officer2",
        "/api/v1/responders/check-in",
        {"kind": "police_on_duty", "capabilities": ["armed"], "where": start},
    )
    assert r.status_code == 201, r.text
    r = server.post(None, "/api/v1/sos", {"where": call, "people": 4})
    assert r.status_code == 201, r.text
    r = server.post(
        "dispatcher",
        "/api/v1/dispatch/assignments",
        {"responder_id": me, "incident_id": r.json()["id"], "note": "entrance from the yard"},
    )
    assert r.status_code == 201, r.text
    assignment = r.json()["id"]
    [mine] = server.get("officer2", "/api/v1/dispatch/assignments").json()["assignments"]
    route = mine["route"]
    assert route["geometry"]["type"] == "LineString"
    line = route["geometry"]["coordinates"]
    assert len(line) >= 3  # along the streets, not a straight line

    here = {"latitude": start["lat"], "longitude": start["lon"], "accuracy": 5}
    context = browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale="en-GB",
        geolocation=here,
        permissions=["geolocation"],
    )
    try:
        asked: list[str] = []
        context.on("request", lambda q: asked.append(q.url) if "/api/v1/picture" in q.url else None)
        page = page_errors.watch(sign_in(context, server, "officer2", "/responder"))
        page.wait_for_selector("body[data-ready]")
        # Once it knows where I am, the phone asks only for the area around me (and my task);
        # the map says so, and my task and its route are still there.
        # Where I stand, sent again: an event, so a fresh picture (the first may have come
        # before the phone knew where it is, and so been the whole one).
        r = server.post("officer2", "/api/v1/responders/position", {"where": start})
        assert r.status_code == 201, r.text
        page.wait_for_selector("[data-scope-note]:not([hidden])")
        assert page.locator("[data-scope-note]").inner_text() == (
            "Showing 2 km around you and your task"
        )
        around = [u for u in asked if "view=around" in u]
        assert around, asked
        assert "radius_m=2000" in around[-1]
        assert f"near={start['lon']:.6f},{start['lat']:.6f}" in around[-1]
        page.wait_for_selector("#map path.mk-route")
        assert page.locator("#map path.mk-route").count() == 1
        # Drawn where the server's route runs (to a pixel or two), in the route's blue.
        page.wait_for_timeout(400)  # the map's fit to the route animates
        assert drawn_off_by_px(page, "window.magenResponder.map", "#map path.mk-route", line) < 1.5
        assert page.get_attribute("#map path.mk-route", "stroke") == "#1f6feb"
        minutes = max(1, math.ceil(route["properties"]["travel_s"] / 60))
        text = page.locator("[data-assignment]").inner_text()
        assert f"{minutes} min away" in text
        assert "entrance from the yard" in text
        screenshot(page, "responder-route-en")
    finally:
        context.close()
        r = server.post(
            "dispatcher", f"/api/v1/dispatch/assignments/{assignment}/cancel", {"note": "test over"}
        )
        assert r.status_code == 201, r.text


def test_a_server_that_refuses_the_area_view_is_asked_for_the_whole_picture(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """An older server, or one that will not cut the picture around me: the phone asks for the
    whole picture instead, shows it as the whole (no note of an area), and stops asking."""
    r = server.post(
        "volunteer1",
        "/api/v1/responders/check-in",
        {"kind": "volunteer", "where": {"lat": HERE["latitude"], "lon": HERE["longitude"]}},
    )
    assert r.status_code in {201, 409, 422}, r.text  # on duty already, from another test
    asked: list[str] = []

    def refuse(route: Any) -> None:
        asked.append(route.request.url)
        if "view=around" in route.request.url:
            body = {"error": "http_400", "reason": "invalid query parameter: view"}
            route.fulfill(status=400, content_type="application/json", body=json.dumps(body))
        else:
            route.continue_()

    context = _phone(browser, "en-GB")
    try:
        context.route(re.compile(r".*/api/v1/picture(\?.*)?$"), refuse)
        page = page_errors.watch(sign_in(context, server, "volunteer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        page.wait_for_selector("[data-checkin]", state="hidden")
        # My status: an event, so a fresh picture, asked around me now that I am placed.
        for status in ("on_scene", "available"):
            before = len(asked)
            with page.expect_response(lambda q: q.url.endswith("/responders/status")):
                page.click(f"[data-status={status}]")
            page.wait_for_selector(f"[data-status={status}][aria-pressed=true]")
            for _ in range(100):  # the picture the event asks for
                if len(asked) > before:
                    break
                page.wait_for_timeout(100)
        page.wait_for_timeout(1500)
        assert page.locator("[data-scope-note]").is_hidden()
    finally:
        context.close()
    around = [i for i, u in enumerate(asked) if "view=around" in u]
    assert len(around) == 1, asked  # refused once: not asked again
    assert asked[around[0] + 1].endswith("/api/v1/picture"), asked  # the whole one at once
    assert asked[-1].endswith("/api/v1/picture"), asked


def _track(tid: str, north_m: float, status: str, seen: str, **more: Any) -> dict[str, Any]:
    lat = HERE["latitude"] + north_m / 111_320
    where = {"lat": lat, "lon": HERE["longitude"]}
    return {
        "id": tid,
        "status": status,
        "open": True,
        "merged_into": None,
        **where,
        "last_seen": seen,
        **more,
    }


def test_the_attackers_are_said_in_one_line_above_the_map(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """A responder with no task still sees the scale in words: the groups reported active, the
    nearest to them and when it was seen, and the groups gone quiet said as possibly still
    there (never as gone); merged and closed tracks are not counted; "none" names the area the
    picture covers. The map's key names every symbol."""
    real = server.get("volunteer1", "/api/v1/picture").json()
    tracks = [
        _track("trk_near", 300, "active", "2026-11-25T10:00:00+00:00"),
        _track("trk_far", 1500, "active", "2026-11-25T10:05:00+00:00"),
        _track("trk_quiet", 100, "stale", "2026-11-25T09:30:00+00:00"),
        _track("trk_merged", 50, "active", "2026-11-25T10:06:00+00:00", merged_into="trk_far"),
        {**_track("trk_closed", 20, "active", "2026-11-25T10:06:00+00:00"), "open": False},
    ]
    shown = {"picture": {**real, "tracks": tracks, "danger_areas": []}}

    def answer(route: Any) -> None:
        route.fulfill(
            status=200, content_type="application/json", body=json.dumps(shown["picture"])
        )

    context = _phone(browser, "en-GB")
    try:
        context.route(re.compile(r".*/api/v1/picture(\?.*)?$"), answer)
        page = page_errors.watch(sign_in(context, server, "volunteer1", "/responder?lang=en"))
        page.wait_for_selector("body[data-ready]")
        line = page.locator("[data-threats]")
        expect = (
            "Active attacker groups: 2 · nearest 300 m from you, seen at 12:00:00"
            " · Not seen recently (may still be there): 1"
        )
        page.wait_for_function(
            "t => document.querySelector('[data-threats]').textContent === t", arg=expect
        )
        assert "active" in (line.get_attribute("class") or "")
        key = page.locator("[data-map-key]").inner_text()
        for word in ("attackers", "not seen recently", "danger area", "shelter", "you"):
            assert word in key, key
        screenshot(page, "responder-threat-line-en")
        # Nothing open around me: said of the 2 km the picture covers, not of the town.
        shown["picture"] = {
            **real,
            "tracks": [],
            "danger_areas": [],
            "scope": {"view": "around", "radius_m": 2000},
        }
        with page.expect_response(lambda r: "/api/v1/picture" in r.url):
            page.click("[data-status=available]")
        page.wait_for_function(
            "t => document.querySelector('[data-threats]').textContent === t",
            arg="No attackers reported within 2 km of you.",
        )
        assert "active" not in (line.get_attribute("class") or "")
    finally:
        context.close()


def test_a_responder_checks_in_under_the_call_sign_the_dispatcher_uses(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """The check-in form offers a call sign (the account's name if left empty); the one typed
    is what the console and every feed call this responder."""
    context = _phone(browser, "he-IL")
    try:
        page = page_errors.watch(sign_in(context, server, "officer4", "/responder"))
        page.wait_for_selector("body[data-ready]")
        page.wait_for_selector("[data-checkin]", state="visible")
        field = page.locator("[data-checkin-form] input[name=callsign]")
        assert field.get_attribute("placeholder") == "officer4 (test)"
        assert field.get_attribute("maxlength") == "40"
        assert page.locator("#callsign-hint").inner_text() == "כפי שהמוקד קורא לך בקשר. ריק: שמך."
        # A call sign longer than the server takes (a page without the form's own bound): the
        # field is named by its label, with the rule it broke, in Hebrew, and marked.
        field.evaluate("f => { f.removeAttribute('maxlength'); f.value = 'x'.repeat(41); }")
        with page.expect_response(lambda r: r.url.endswith("/responders/check-in")) as refused:
            page.click("[data-checkin-form] button")
        assert refused.value.status == 400
        error = page.locator("[data-error]")
        error.wait_for(state="visible")
        said = error.inner_text()
        assert "אות קריאה: לכל היותר \u206640\u2069 תווים" in said, said
        assert field.get_attribute("aria-invalid") == "true"
        field.fill("  סיור 7 ")
        page.select_option("[data-checkin-form] select[name=kind]", "police_on_duty")
        with page.expect_response(lambda r: r.url.endswith("/responders/check-in")) as sent:
            page.click("[data-checkin-form] button")
        assert sent.value.status == 201
        page.wait_for_selector("[data-checkin]", state="hidden")
        assert field.get_attribute("aria-invalid") is None
        screenshot(page, "responder-callsign-he")
        mine = server.get("officer4", "/api/v1/accounts/me").json()["account_id"]
        (me,) = [r for r in server.picture()["responders"] if r["id"] == mine]
        assert me["callsign"] == "סיור 7"
    finally:
        context.close()
        server.post("officer4", "/api/v1/responders/check-out", {})


def test_a_status_pressed_before_checking_in_checks_in_and_is_said(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """An off-duty officer who runs in presses a status at once: one press checks them in
    (the form's kind and call sign as they stand) and then says the status; nothing refused."""
    context = _phone(browser, "en-US")
    try:
        page = page_errors.watch(sign_in(context, server, "officer5", "/responder?lang=en"))
        page.wait_for_selector("body[data-ready]")
        page.wait_for_selector("[data-checkin]", state="visible")
        page.select_option("[data-checkin-form] select[name=kind]", "police_off_duty")
        page.fill("[data-checkin-form] input[name=callsign]", "Off duty 5")
        statuses: list[int] = []
        page.on(
            "response",
            lambda r: statuses.append(r.status) if r.url.endswith("/responders/status") else None,
        )
        with page.expect_response(lambda r: r.url.endswith("/responders/check-in")) as checked:
            page.click("[data-status=engaged]")
        assert checked.value.status == 201
        page.wait_for_selector("[data-status=engaged][aria-pressed=true]")
        page.wait_for_selector("[data-checkin]", state="hidden")
        assert page.locator("[data-error]").is_hidden()
        assert page.locator("[data-status-line]").inner_text() == "Engaged"
        assert statuses == [404, 201]  # the first press found them off duty; the retry took
        mine = server.get("officer5", "/api/v1/accounts/me").json()["account_id"]
        (me,) = [r for r in server.picture()["responders"] if r["id"] == mine]
        assert (me["status"], me["kind"], me["callsign"]) == (
            "engaged",
            "police_off_duty",
            "Off duty 5",
        )
    finally:
        context.close()
        server.post("officer5", "/api/v1/responders/check-out", {})


def test_an_official_alert_is_at_the_top_of_the_responder_page_while_in_force(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """During a rocket alert the responder's phone said nothing of it (the banner was only for a
    lost feed). Now its title and time, in the page's language, until it runs out."""
    from datetime import UTC, datetime, timedelta

    zones = [z["id"] for z in server.get(None, "/api/v1/town").json()["zones"]]
    ends = datetime.now(UTC) + timedelta(seconds=10)
    r = server.post(
        "dispatcher",
        "/api/v1/alerts",
        {"category": "missiles", "zone_ids": zones, "expires_at": ends.isoformat()},
    )
    assert r.status_code == 201, r.text
    context = _phone(browser, "he-IL")
    try:
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        box = page.locator("[data-alerts]")
        box.wait_for(state="visible")
        assert box.locator(".alert-title").inner_text().startswith("ירי רקטות וטילים: מהשעה ")
        screenshot(page, "responder-alert-he")
        box.wait_for(state="hidden", timeout=20000)  # run out, with no new event to say so
        assert datetime.now(UTC) >= ends
    finally:
        context.close()
