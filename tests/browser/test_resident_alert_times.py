"""The resident page says when the alert in force began, and until when, on the town's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot
from support.bakapack import baka_town

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}
# Outdoors in Baka, a walk from public shelter 694 ("1 Amatsiya St.", Hebrew "אמציה 1").
STREET = {"latitude": 31.7615, "longitude": 35.2160, "accuracy": 10}


def _town_hm(at: datetime) -> str:
    return at.astimezone(ZoneInfo(TZ)).strftime("%H:%M")


def test_the_alert_s_start_and_end_are_shown_in_hebrew_with_the_shelter_street(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    zones = [z["id"] for z in server.get(None, "/api/v1/town").json()["zones"]]
    now = datetime.now(UTC).replace(microsecond=0)
    began, ends = now - timedelta(minutes=4), now + timedelta(minutes=30)
    r = server.post(
        "dispatcher",
        "/api/v1/alerts",
        {
            "category": "missiles",
            "zone_ids": zones,
            "issued_at": began.isoformat(),
            "expires_at": ends.isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    # The phone's own clock zone is elsewhere: the times shown are still the town's.
    context = browser.new_context(
        timezone_id="America/New_York",
        viewport=PHONE,
        locale="he-IL",
        geolocation=STREET,
        permissions=["geolocation"],
    )
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident?lang=he")
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url) as guidance:
            page.click("[data-gps]")
        advice = guidance.value.json()
        assert advice["lang"] == "he"
        assert len(advice["alerts"]) == 1
        since = page.locator("[data-alert-since]")
        since.wait_for()
        assert since.inner_text() == f"התרעה מהשעה {_town_hm(began)}"
        until = page.locator("[data-alert-until]")
        assert _town_hm(ends) in until.inner_text()
        assert "אלא אם תתקבל הנחיה אחרת" in until.inner_text()
        assert advice["action"] == "go_to_shelter", advice["reason"]
        # The shelter's street as the town pack names it in Hebrew, in the advice and its line.
        shelters = baka_town().shelters
        i = baka_town().shelter_positions[advice["shelter"]["id"]]
        address = str(shelters.address_he[i])
        assert address
        assert address != str(shelters.address[i])
        assert advice["shelter"]["address"] == address
        assert address in page.locator("#now .action").inner_text()
        assert str(shelters.address[i]) not in page.locator("[data-guidance]").inner_text()
        screenshot(page, "resident-alert-times-he")

        # The same page in English says the same times in English words.
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url):
            page.goto(f"{server.url}/resident?lang=en")
            page.click("[data-gps]")
        page.locator("[data-alert-since]").wait_for()
        assert page.locator("[data-alert-since]").inner_text() == f"Alert since {_town_hm(began)}"
        assert page.locator("[data-alert-until]").inner_text() == (
            f"Alert in force until {_town_hm(ends)} unless told otherwise."
        )
    finally:
        context.close()
        done = server.post("dispatcher", "/api/v1/all-clear", {"zone_ids": zones})
        assert done.status_code == 201, done.text
