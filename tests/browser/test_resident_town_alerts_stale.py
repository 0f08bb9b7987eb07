"""The resident page with no place given says when the town's alerts are no longer current.

From an as-user audit: with a place given the advice said "Not updated since 01:39: no
connection" once the connection died; with none, the alerts in force in the town ("Alerts in
force in …, As of 01:39") went on looking current for ever (the staleness check returned
without a place, and a failed GET /api/v1/alerts was swallowed).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 640}


def test_the_town_s_alerts_are_said_stale_when_they_cannot_be_kept_current(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    zones = [z["id"] for z in server.get(None, "/api/v1/town").json()["zones"]]
    r = server.post(
        "dispatcher",
        "/api/v1/alerts",
        {"command_id": str(uuid.uuid4()), "category": "missiles", "zone_ids": zones},
    )
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]
    context = browser.new_context(timezone_id=TZ, viewport=PHONE, is_mobile=True, locale="en-GB")
    try:
        page = page_errors.watch(context.new_page())
        page.clock.install()
        page.goto(f"{server.url}/resident?lang=en")
        page.wait_for_selector("[data-town-alerts] [data-town-alert]")
        assert page.locator("[data-guidance-stale]").count() == 0
        # Connected: the town's alerts are asked for again by themselves and stay current.
        with page.expect_response(lambda r: r.url.endswith("/api/v1/alerts")) as again:
            page.clock.run_for(16_000)
        assert again.value.ok
        page.clock.run_for(1_000)
        assert page.locator("[data-guidance-stale]").count() == 0
        assert "stale" not in (page.get_attribute("#now", "class") or "")
        as_of = re.search(r"\d\d:\d\d", page.locator("[data-town-alerts-time]").inner_text())
        assert as_of is not None

        # The connection dies (the page's questions go unanswered) past the advice's while.
        page.route("**/api/**", lambda route: route.abort())
        page.clock.run_for(50_000)
        stale = page.locator("[data-guidance-stale]")
        stale.wait_for()
        said = stale.inner_text()
        assert said.startswith(f"Not updated since {as_of.group(0)}: no connection"), said
        assert "stale" in (page.get_attribute("#now", "class") or "").split()
        # Said above the alerts, which are still shown (marked stale, never dropped).
        assert page.locator("#now [data-town-alerts] [data-town-alert]").count() >= 1
        screenshot(page, "resident-town-alerts-stale-en")

        # Back: the next answer confirms them again.
        page.unroute("**/api/**")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/alerts")):
            page.clock.run_for(16_000)
        page.wait_for_selector("[data-guidance-stale]", state="detached")
        assert "stale" not in (page.get_attribute("#now", "class") or "").split()
    finally:
        context.close()
        done = server.post(
            "dispatcher", f"/api/v1/alerts/{alert_id}/end", {"command_id": str(uuid.uuid4())}
        )
        assert done.status_code == 201, done.text
