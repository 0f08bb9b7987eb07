"""The resident page with no place given says attackers are in the town as the server has it,
without a reload.

Before, the page's script asked for its words again only when the town's official alerts
changed: attackers reported after the page was made (a danger area, a responder's sighting)
were said only on a reload, and a closed threat's line stayed until one. Now the alerts poll
(GET /api/v1/alerts) carries `ground_threat_in_town`, and a page that says otherwise asks for
its words again. A poll that gets no answer changes nothing: the line is never taken away for
want of news.

The session server is shared: other tests' threats (a responder's sightings are confirmed
threat tracks) may be open before this test begins and after it ends. A page made while one
was open is turned into one made before by taking its line away; the line's going is looked
for only when the server says no threat is open once this test's area is lifted.
"""

from __future__ import annotations

from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server
from magen.domain.alerts import Lang
from magen.web.i18n import text

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 640}
LINE = "#now [data-guidance] [data-ground-threat]"
AREA = {"kind": "circle", "lat": 31.7601, "lon": 35.2121, "radius_m": 50}


def _look_again(page: Any) -> None:
    """The resident comes back to the page: it asks for the town's alerts at once."""
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")


def _threat_open(server: Server) -> bool:
    r = server.get(None, "/api/v1/alerts")
    r.raise_for_status()
    return bool(r.json()["ground_threat_in_town"])


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_attackers_reported_after_the_page_was_made_are_said_without_a_reload(
    browser: Any, server: Server, page_errors: PageErrors, lang: Lang
) -> None:
    context = browser.new_context(timezone_id=TZ, viewport=PHONE, is_mobile=True, locale="en-GB")
    area_id = None
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident?lang={lang}")
        page.wait_for_function("() => window.magenResident")
        loaded: list[str] = []
        page.on("load", lambda _: loaded.append(page.url))
        if page.locator(LINE).count():
            # Another test's attackers are still open: the page is made as before they were.
            page.evaluate("s => document.querySelector(s).remove()", LINE)
        # Attackers reported in the town.
        r = server.post(
            "dispatcher",
            "/api/v1/danger-areas",
            {"area": AREA, "reason": "armed_attackers", "note": "live line test"},
        )
        assert r.status_code == 201, r.text
        area_id = r.json()["id"]
        assert _threat_open(server)
        _look_again(page)
        line = page.wait_for_selector(LINE, timeout=20_000)
        assert line.text_content() == text("fd_ground_threat_town", lang)
        assert "act-stay_inside" in (page.get_attribute("#now", "class") or "")
        assert loaded == []  # said without a reload

        # A poll that gets no answer takes nothing away: the line stays.
        page.route("**/api/v1/alerts", lambda route: route.abort())
        with page.expect_request(lambda q: q.url.endswith("/api/v1/alerts")):
            _look_again(page)
        page.wait_for_timeout(500)
        assert page.locator(LINE).count() == 1
        page.unroute("**/api/v1/alerts")

        # This test's attackers gone: the line goes when no other threat is open in the town,
        # and stays while one is.
        lifted = server.post("dispatcher", f"/api/v1/danger-areas/{area_id}/lift", {})
        assert lifted.status_code == 201, lifted.text
        area_id = None
        if _threat_open(server):
            with page.expect_response(lambda q: q.url.endswith("/api/v1/alerts")):
                _look_again(page)
            page.wait_for_timeout(500)
            assert page.locator(LINE).count() == 1
        else:
            _look_again(page)
            page.wait_for_selector(LINE, state="detached", timeout=20_000)
            assert "act-stay_inside" not in (page.get_attribute("#now", "class") or "")
            # Nothing takes its place that reads as "all clear": the page asks where one is.
            assert page.locator("#now [data-location-prompt]").count() == 1
        assert loaded == []
    finally:
        context.close()
        if area_id is not None:
            server.post("dispatcher", f"/api/v1/danger-areas/{area_id}/lift", {})
