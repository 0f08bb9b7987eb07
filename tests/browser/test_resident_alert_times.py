"""The resident page says when the alert in force began, and until when, on the town's clock."""

from __future__ import annotations

import json
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


def _phone(browser: Any, locale: str) -> Any:
    # The phone's own clock zone is elsewhere: the times shown must still be the town's.
    return browser.new_context(
        timezone_id="America/New_York",
        viewport=PHONE,
        locale=locale,
        geolocation=STREET,
        permissions=["geolocation"],
    )


def test_a_real_alert_s_start_is_shown_in_hebrew_with_the_shelter_street(
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
    alert_id = r.json()["id"]
    context = _phone(browser, "he-IL")
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident?lang=he")
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url) as guidance:
            page.click("[data-gps]")
        advice = guidance.value.json()
        assert advice["lang"] == "he"
        [alert] = [a for a in advice["alerts"] if a["id"] == alert_id]
        assert datetime.fromisoformat(alert["since"]) == began
        since = page.locator("[data-alert-since]")
        since.first.wait_for()
        # Alone: "Alert since"; beside alerts earlier tests on this server left, each titled.
        said = [since.nth(k).inner_text() for k in range(since.count())]
        assert len(said) == len(advice["alerts"])
        assert f"התרעה מהשעה {_town_hm(began)}" in said or any(
            t.endswith(f": מהשעה {_town_hm(began)}") for t in said
        )
        # An end is said where the server gives one (never where people are held in).
        ends_given = [a for a in advice["alerts"] if a["until"]]
        assert page.locator("[data-alert-until]").count() == len(ends_given)
        if alert["until"] is not None:
            assert datetime.fromisoformat(alert["until"]) == ends
            assert _town_hm(ends) in page.locator("[data-alert-until]").all_inner_texts()[-1]
        if advice["shelter"] is not None:
            # The shelter's street as the town pack names it in Hebrew, in the advice.
            shelters = baka_town().shelters
            i = baka_town().shelter_positions[advice["shelter"]["id"]]
            address = str(shelters.address_he[i]) or str(shelters.address[i])
            assert advice["shelter"]["address"] == address
            assert address in page.locator("#now .action").inner_text()
            if str(shelters.address_he[i]):
                assert str(shelters.address[i]) not in page.locator("[data-guidance]").inner_text()
        screenshot(page, "resident-alert-times-he")
    finally:
        context.close()
        done = server.post("dispatcher", f"/api/v1/alerts/{alert_id}/end", {})
        assert done.status_code == 201, done.text


def _advice(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "position": 1,
        "as_of": datetime.now(UTC).isoformat(),
        "lat": STREET["latitude"],
        "lon": STREET["longitude"],
        "lang": "ar",
        "action": "go_to_shelter",
        "reason": "shelter_in_time",
        "issued_by": "official_alert",
        "issued_by_label": "إنذار قيادة الجبهة الداخلية",
        "text": "توجّهوا الآن إلى الملجأ العام 694.",
        "texts": {},
        "zone": None,
        "seconds_to_shelter": 90,
        "in_building": False,
        "alerts": alerts,
        "override": None,
        "proposed": False,
        "shelter": None,
        "walking_seconds": None,
        "route": [],
    }


@pytest.mark.parametrize(
    ("locale", "since_said", "until_said"),
    [
        ("ar", "إنذار منذ الساعة 08:03", "الإنذار ساري المفعول حتى الساعة 08:33"),
        ("en", "Alert since 08:03", "Alert in force until 08:33 unless told otherwise."),
    ],
)
def test_the_page_says_the_times_it_is_given_and_no_end_it_is_not(
    browser: Any,
    server: Server,
    page_errors: PageErrors,
    locale: str,
    since_said: str,
    until_said: str,
) -> None:
    """The server decides whether an end may be said; the page shows exactly that."""
    began = datetime(2026, 6, 13, 8, 3, tzinfo=ZoneInfo(TZ))
    ends = began + timedelta(minutes=30)
    answers = [  # the first answer, then the next
        [
            {
                "id": "a1",
                "category": "missiles",
                "title": "t",
                "instruction": "",
                "drill": False,
                "since": began.isoformat(),
                "until": ends.isoformat(),
            }
        ],
        [
            {
                "id": "a1",
                "category": "missiles",
                "title": "t",
                "instruction": "",
                "drill": False,
                "since": began.astimezone(UTC).isoformat(),
                "until": None,
            }
        ],
    ]
    context = _phone(browser, locale)
    try:
        page = page_errors.watch(context.new_page())
        page.route(
            "**/api/v1/guidance?*",
            lambda route: route.fulfill(
                status=200,
                content_type="application/json",
                body=json.dumps(_advice(answers[0])),
            ),
        )
        page.goto(f"{server.url}/resident?lang={locale}")
        page.click("[data-gps]")
        page.locator("[data-alert-since]").wait_for()
        assert page.locator("[data-alert-since]").inner_text() == since_said
        assert until_said in page.locator("[data-alert-until]").inner_text()
        # The next answer holds people in (no end): the end is no longer said.
        answers.pop(0)
        page.evaluate("() => document.querySelector('[data-gps]').click()")
        page.locator("[data-alert-until]").wait_for(state="detached")
        assert page.locator("[data-alert-since]").inner_text() == since_said
    finally:
        context.close()
