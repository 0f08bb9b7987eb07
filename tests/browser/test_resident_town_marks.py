"""The resident page with no place given keeps the town's alerts current by their marks.

The server marks each alert in force on the page (data-town-marks) by one template, which it
also gives the page (data-town-mark); the script marks GET /api/v1/alerts' list by that same
template. Equal marks: nothing changed, the page is not asked for again. An alert begun:
the marks differ and the page's words are asked for again.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 640}


def _looked_at_again(page: Any) -> None:
    """The resident comes back to the page: it asks for the town's alerts at once."""
    with page.expect_response(lambda r: r.url.endswith("/api/v1/alerts")):
        page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")


def test_unchanged_alerts_ask_for_nothing_more_and_a_new_one_is_shown(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    zones = [z["id"] for z in server.get(None, "/api/v1/town").json()["zones"]]
    context = browser.new_context(timezone_id=TZ, viewport=PHONE, is_mobile=True, locale="en-GB")
    alert_id = None
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident?lang=en")
        assert page.get_attribute("#now", "data-town-mark") == "{id}@{zones}"
        asked: list[str] = []
        page.on(
            "request",
            lambda r: asked.append(r.url) if "/resident?" in r.url and r.method == "GET" else None,
        )
        # Nothing changed since the page was made: the script's marks equal the page's.
        _looked_at_again(page)
        page.wait_for_timeout(500)  # what would follow an unequal mark: the page asked again
        assert asked == []
        # An alert begins: the marks differ, the page's words are asked for again.
        r = server.post(
            "dispatcher",
            "/api/v1/alerts",
            {"command_id": str(uuid.uuid4()), "category": "missiles", "zone_ids": zones},
        )
        assert r.status_code == 201, r.text
        alert_id = r.json()["id"]
        with page.expect_response(lambda r: "/resident?lang=en" in r.url):
            _looked_at_again(page)
        mark = f"{alert_id}@{len(zones)}"
        page.wait_for_function(
            "m => document.getElementById('now').getAttribute('data-town-marks').split(' ')"
            ".indexOf(m) >= 0",
            arg=mark,
        )
        # And now equal again: the next look asks for nothing more.
        asked.clear()
        _looked_at_again(page)
        page.wait_for_timeout(500)
        assert asked == []
    finally:
        context.close()
        if alert_id is not None:
            done = server.post(
                "dispatcher", f"/api/v1/alerts/{alert_id}/end", {"command_id": str(uuid.uuid4())}
            )
            assert done.status_code == 201, done.text
