"""What every page's common.js does for the pages: times on the town's clock, requests given up.

Run in a real browser against a real server: the responder page loads common.js as a phone
would, under a browser whose own zone and locale differ from the town's.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from browser.browserkit import Server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser


def test_times_are_on_the_towns_clock_in_latin_digits_whatever_the_browser(
    browser: Any, server: Server
) -> None:
    # A laptop set to UTC and Arabic: before, "٠٧:٠٠:١٢" in the laptop's zone, beside Latin
    # digits and the town's times everywhere else on the page.
    context = browser.new_context(timezone_id="UTC", locale="ar")
    try:
        page = sign_in(context, server, "officer1", "/responder?lang=ar")
        page.wait_for_function("window.Magen && window.Magen.hhmmss")
        assert page.get_attribute('meta[name="town-tz"]', "content") == "Asia/Jerusalem"
        # 06:30 UTC on 7 October 2023 is 09:30 in Jerusalem (summer time).
        shown = page.evaluate("Magen.hhmmss('2023-10-07T06:30:05Z')")
        assert shown == "09:30:05"
        assert re.fullmatch(r"[0-9:]+", page.evaluate("Magen.hhmmss()"))
    finally:
        context.close()


def test_a_request_the_network_holds_open_is_given_up(browser: Any, server: Server) -> None:
    # A weak link can hold a request with neither answer nor error: the page must hear of it.
    context = browser.new_context()
    try:
        page = sign_in(context, server, "officer1", "/responder?lang=en")
        page.wait_for_function("window.Magen && window.Magen.api")
        held: list[Any] = []

        def hold(route: Any) -> None:  # never answered (Playwright wants a function here)
            held.append(route)

        page.route("**/api/v1/held", hold)
        outcome = page.evaluate(
            """() => Magen.api("GET", "/api/v1/held", undefined, 500).then(
                   () => "answered", (e) => "given up: " + e.name)"""
        )
        assert outcome == "given up: AbortError"
        assert held  # the request did go out, and was left hanging by the network
    finally:
        context.close()


def test_a_shelters_tooltip_is_text_with_its_places_in_words(browser: Any, server: Server) -> None:
    # The pack's names come from OSM and public lists: set as text, never parsed as HTML.
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = sign_in(context, server, "dispatcher", "/console?lang=en")
        page.wait_for_selector("path.mk-shelter", state="attached")
        tip = page.evaluate(
            """() => {
                 let found = null;
                 window.magenConsole.map.eachLayer((l) => {
                   if (!found && l.feature && l.feature.properties.capacity && l.getTooltip()) {
                     found = l.getTooltip().getContent();
                   }
                 });
                 return found && {html: found.outerHTML, text: found.textContent};
               }"""
        )
        assert tip is not None
        assert re.search(r" · \d+ places$", tip["text"]), tip
        assert tip["html"].startswith("<span><bdi>")
    finally:
        context.close()


def test_the_resident_page_says_when_its_advice_was_true_on_the_towns_clock(
    browser: Any, server: Server
) -> None:
    # A phone set to UTC in Jerusalem: "as of" in the town's time, as the page says without
    # JavaScript (before, the phone's own zone: two hours off).
    context = browser.new_context(
        timezone_id="UTC",
        locale="en-GB",
        geolocation={"latitude": 31.7615, "longitude": 35.2160},
        permissions=["geolocation"],
    )
    try:
        page = context.new_page()
        page.goto(f"{server.url}/resident?lang=en")
        shown = page.locator("[data-guidance-time]")
        shown.wait_for()
        town = ZoneInfo("Asia/Jerusalem")
        now = datetime.now(town)
        near = {(now + timedelta(minutes=d)).strftime("%H:%M") for d in (-1, 0, 1)}
        assert any(t in shown.inner_text() for t in near), (shown.inner_text(), near)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("dispatcher", "/console?lang=en"),
        ("dispatcher", "/hospital?id=clock-h"),  # relaying the hospital's status
        ("registrar", "/registry?lang=en"),
        ("volunteer1", "/responder?lang=en"),
    ],
)
def test_each_staff_page_reckons_the_server_s_clock_in_one_place(
    browser: Any, server: Server, who: str, path: str
) -> None:
    # This machine's clock is three hours fast. common.js learns the server's from the page,
    # the picture and the feed's heartbeats; a time the page writes for "now" is the server's.
    if "clock-h" not in {h["id"] for h in server.get("admin", "/api/v1/hospitals").json()}:
        body = {
            "hospital_id": "clock-h",
            "name": "Clock Hospital",
            "where": {"lat": 31.77, "lon": 35.2},
        }
        assert server.post("admin", "/api/v1/hospitals", body).status_code == 201
    context = browser.new_context(timezone_id="Asia/Jerusalem", locale="en-GB")
    context.clock.set_system_time(datetime.now(ZoneInfo("UTC")) + timedelta(hours=3))
    try:
        page = sign_in(context, server, who, path)
        # Learnt by the first heartbeat at the latest (every few seconds).
        page.wait_for_function(
            "() => window.Magen && Math.abs(Magen.serverNow() - Date.now() + 3 * 3600e3) < 60e3",
            timeout=20_000,
        )
        off_ms = page.evaluate("() => Magen.serverNow()") - datetime.now().timestamp() * 1000
        assert abs(off_ms) < 60_000, off_ms
        town = datetime.now(ZoneInfo("Asia/Jerusalem"))
        near = {(town + timedelta(minutes=d)).strftime("%H:%M") for d in (-1, 0, 1)}
        assert page.evaluate("() => Magen.hhmmss()")[:5] in near  # was this machine's: 3 h on
        # Ages reckoned on it: a time the server stamped a minute ago is a minute old.
        ago = (datetime.now(ZoneInfo("UTC")) - timedelta(seconds=90)).isoformat()
        assert page.evaluate("iso => Magen.minutesSince(iso)", ago) == 1
    finally:
        context.close()
