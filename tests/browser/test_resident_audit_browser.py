"""The resident page's script, as a resident met it (an as-user audit), on a 360 px phone.

- An SOS from 50 km outside the town was answered "the forces know where you are".
- "As of 12:50" was the phone's clock, beside alert times on the server's: an alert in force
  looked expired when the two differed.
- With no location given, an alert that began while the page was open never showed.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 640}
TEL_AVIV = {"latitude": 32.0853, "longitude": 34.7818, "accuracy": 20}
STREET = {"latitude": 31.7615, "longitude": 35.2160, "accuracy": 10}


def _phone(browser: Any, locale: str, where: dict[str, float], *, tz: str = TZ) -> Any:
    return browser.new_context(
        timezone_id=tz,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale=locale,
        geolocation=where,
        permissions=["geolocation"],
    )


def test_an_sos_from_outside_the_town_says_to_call_the_police_and_can_be_closed(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone(browser, "he-IL", TEL_AVIV)
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident?lang=he")
        form = page.locator("#sos form")
        marker = "tel aviv " + form.locator("[name=command_id]").input_value()
        form.locator("textarea[name=text]").fill(marker)
        with page.expect_response(lambda r: r.url.endswith("/resident/sos")) as sent:
            form.locator("button[type=submit]").tap()
        assert sent.value.status == 201
        said = page.locator("[data-sos-outside]")
        said.wait_for()
        words = said.inner_text()
        assert "נרשם" in words
        assert "מחוץ לאזור שהשירות הזה מכסה" in words
        assert "משטרה 100" in words
        assert page.locator("[data-done]").count() == 0  # never "help knows where you are"
        # Recorded: it is on the dispatcher's picture, where it was sent from.
        [sos] = [s for s in server.picture()["sos"] if marker in s["text"]]
        assert (round(sos["lat"], 4), round(sos["lon"], 4)) == (32.0853, 34.7818)
        # And closed again by "I am safe" (no other test should find it open).
        page.locator("form[data-safe-form] button").tap()
        page.wait_for_selector("form[data-safe-form]", state="hidden")
    finally:
        context.close()
    assert [s for s in server.picture()["sos"] if marker in s["text"]] == []


def test_as_of_is_the_server_s_time_for_the_advice_not_the_phone_s_clock(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """The server's clock differs from the phone's (a demo's clock runs ahead): the advice is
    "as of" the server's time, beside the alert's start on the same clock."""
    as_of = (datetime.now(UTC) + timedelta(hours=3)).astimezone(ZoneInfo(TZ))
    began = as_of - timedelta(minutes=2)
    advice = {
        "position": 1,
        "as_of": as_of.isoformat(),
        "lat": STREET["latitude"],
        "lon": STREET["longitude"],
        "lang": "en",
        "action": "stay_in_protected_space",
        "reason": "official_alert",
        "issued_by": "official_alert",
        "issued_by_label": "Home Front Command alert",
        "text": "Rocket and missile fire: go into your protected room now.",
        "texts": {},
        "zone": None,
        "seconds_to_shelter": 90,
        "in_building": False,
        "alerts": [
            {
                "id": "a1",
                "category": "missiles",
                "title": "Rocket and missile fire",
                "instruction": "",
                "drill": False,
                "since": began.isoformat(),
                "until": None,
            }
        ],
        "override": None,
        "proposed": False,
        "shelter": None,
        "walking_seconds": None,
        "route": [],
    }
    context = _phone(browser, "en-GB", STREET, tz="America/New_York")
    try:
        page = page_errors.watch(context.new_page())
        page.route(
            "**/api/v1/guidance?*",
            lambda route: route.fulfill(
                status=200, content_type="application/json", body=json.dumps(advice)
            ),
        )
        page.goto(f"{server.url}/resident?lang=en")
        page.click("[data-gps]")
        page.locator("[data-alert-since]").wait_for()
        hm = as_of.strftime("%H:%M")
        said = page.locator("[data-alert-since]").inner_text()
        assert said == f"Alert since {began.strftime('%H:%M')}"
        assert page.locator("[data-guidance-time]").inner_text() == f"As of {hm}"
        # No answer for a while: "not updated since" the server's time too.
        page.route("**/api/v1/guidance?*", lambda route: route.abort())
        context.set_offline(True)
        page.evaluate("() => window.dispatchEvent(new Event('offline'))")
        stale = page.locator("[data-guidance-stale]")
        stale.wait_for()
        assert hm in stale.inner_text()
        context.set_offline(False)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("lang", "locale", "head"),
    [("he", "he-IL", "התרעות בתוקף באזור"), ("ar", "ar", "إنذارات سارية في منطقة")],
)
def test_an_alert_in_the_town_shows_without_a_location_and_when_it_begins(
    browser: Any, server: Server, page_errors: PageErrors, lang: str, locale: str, head: str
) -> None:
    zones = [z["id"] for z in server.get(None, "/api/v1/town").json()["zones"]]
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale=locale
    )
    alert_id = None
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident?lang={lang}")
        prompt = page.locator("[data-location-prompt]")
        assert prompt.is_visible()
        shown_before = page.locator("[data-town-alert]").count()
        # An alert begins while the page is open: it comes without a reload (asked every 15 s
        # and when the page is looked at again).
        r = server.post(
            "dispatcher",
            "/api/v1/alerts",
            {"command_id": str(uuid.uuid4()), "category": "missiles", "zone_ids": zones},
        )
        assert r.status_code == 201, r.text
        alert_id = r.json()["id"]
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
        page.wait_for_function(
            "n => document.querySelectorAll('[data-town-alert]').length > n", arg=shown_before
        )
        box = page.locator("#now")
        assert head in box.inner_text()
        # Other tests share the server: attackers may be reported in the town meanwhile. Both
        # are then said, the box marked by the stronger word (stay inside, door locked).
        threat = box.locator("[data-ground-threat]").count() > 0
        marked = "act-stay_inside" if threat else "act-town_alert"
        assert marked in (box.get_attribute("class") or "").split()
        assert page.locator("[data-location-prompt]").is_visible()  # still asked for a place
        # Above the four big buttons on a small phone: seen first.
        top = page.evaluate("() => document.getElementById('now').getBoundingClientRect().top")
        buttons = page.evaluate(
            "() => document.querySelector('nav.actions').getBoundingClientRect().top"
        )
        assert top < buttons
        screenshot(page, f"resident-town-alert-{lang}-360")
    finally:
        context.close()
        if alert_id is not None:
            done = server.post(
                "dispatcher", f"/api/v1/alerts/{alert_id}/end", {"command_id": str(uuid.uuid4())}
            )
            assert done.status_code == 201, done.text


def test_as_of_never_goes_back_before_the_page_itself(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """An advice unchanged since 09:00 was still so when the page was made at 12:00: its "as
    of" is the page's time (the server's clock when it made the page), not 09:00."""
    unchanged_since = datetime.now(UTC) - timedelta(hours=3)
    context = _phone(browser, "en-GB", STREET)
    try:
        page = page_errors.watch(context.new_page())

        def old_advice(route: Any) -> None:
            advice = route.fetch().json()
            advice["as_of"] = unchanged_since.isoformat()
            route.fulfill(status=200, content_type="application/json", body=json.dumps(advice))

        page.route("**/api/v1/guidance?*", old_advice)
        page.goto(f"{server.url}/resident?lang=en")
        page_time = page.get_attribute("[data-offline-copy]", "data-page-time")
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url):
            page.click("[data-gps]")
        page.locator("#now [data-guidance-time]").wait_for()
        page.wait_for_function("() => !document.querySelector('#now noscript')")
        assert page.locator("[data-guidance-time]").inner_text() == f"As of {page_time}"
    finally:
        context.close()
