"""The console's map drawn again on each event: what is drawn the same stays, the rest follows.

The console is served a real picture with sightings and tracks added in the shape of the
picture's own views (app/picture_views.py); a real event (a sighting filed through the API)
makes it ask for the next picture, which this test has changed.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser


def _ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def _sighting(sid: str, lat: float, lon: float, minutes_ago: float) -> dict[str, Any]:
    return {
        "id": sid,
        "lat": lat,
        "lon": lon,
        "observed_at": _ago(minutes_ago),
        "count": 2,
        "armed": "yes",
        "mobility": "on_foot",
        "tier": "verified",
        "text": "",
    }


def _track(tid: str, lat: float, estimate: int) -> dict[str, Any]:
    seen = _ago(1)
    return {
        "id": tid,
        "status": "new",
        "confirmed": False,
        "lat": lat,
        "lon": 35.2150,
        "position_error_m": 30.0,
        "heading_deg": 90.0,
        "mobility": "on_foot",
        "armed": "yes",
        "count": {"estimate": estimate, "low": estimate, "high": estimate, "claims": 1},
        "confidence": {"level": "corroborated", "score": 0.8, "reporters": 2},
        "sightings": 2,
        "first_seen": seen,
        "last_seen": seen,
    }


MARK = """() => document.querySelectorAll('.mk-sighting, .mk-track')
  .forEach(e => { e.__kept = true; })"""
SEEN = """() => Object.fromEntries(Array.from(document.querySelectorAll('.mk-sighting, .mk-track'))
  .map(e => [
  Array.from(e.classList).find(c => c.startsWith('sig-') || c.startsWith('track-')),
  {kept: !!e.__kept, fill: e.getAttribute('fill'), text: e.textContent}
]))"""


def test_a_new_picture_keeps_what_is_drawn_the_same_and_redraws_what_changed(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    real = server.picture()
    real["sightings"] = [
        _sighting("s_same", 31.7630, 35.2140, 1),
        _sighting("s_ages", 31.7634, 35.2144, 14),
        _sighting("s_moves", 31.7638, 35.2148, 1),
        _sighting("s_goes", 31.7642, 35.2152, 1),
    ]
    real["tracks"] = [_track("t_same", 31.7600, 3), _track("t_grows", 31.7660, 2)]

    def picture(route: Any) -> None:
        real["generated_at"] = datetime.now(UTC).isoformat()
        route.fulfill(status=200, content_type="application/json", body=json.dumps(real))

    context = browser.new_context(timezone_id=TZ, viewport={"width": 1366, "height": 768})
    try:
        context.route(re.compile(r".*/api/v1/picture$"), picture)
        page = page_errors.watch(sign_in(context, server, "dispatcher", "/console"))
        page.wait_for_selector("path.sig-s_goes")
        page.wait_for_selector(".mk-track.track-t_grows")
        before = page.evaluate(SEEN)
        assert before["sig-s_ages"]["fill"] == "#e67e22"  # under 15 minutes: bright
        page.evaluate(MARK)

        # The next picture: one sighting older than 15 minutes, one moved, one gone, one new;
        # one track the same, one with more attackers.
        real["sightings"] = [
            _sighting("s_same", 31.7630, 35.2140, 1),
            _sighting("s_ages", 31.7634, 35.2144, 16),
            _sighting("s_moves", 31.7700, 35.2100, 1),
            _sighting("s_new", 31.7646, 35.2156, 0),
        ]
        real["tracks"] = [_track("t_same", 31.7600, 3), _track("t_grows", 31.7660, 5)]
        r = server.post("officer1", "/api/v1/sightings", {"where": {"lat": 31.76, "lon": 35.21}})
        assert r.status_code == 201, r.text
        page.wait_for_selector("path.sig-s_new")
        page.wait_for_selector("path.sig-s_goes", state="detached")
        after = page.evaluate(SEEN)

        assert sorted(after) == [
            "sig-s_ages",
            "sig-s_moves",
            "sig-s_new",
            "sig-s_same",
            "track-t_grows",
            "track-t_same",
        ]
        # Drawn the same: the very same element, its colour brought up to date in place.
        assert after["sig-s_same"]["kept"]
        assert after["sig-s_ages"]["kept"]
        assert after["sig-s_ages"]["fill"] == "#c9a27a"  # older than 15 minutes: faded
        assert after["track-t_same"]["kept"]
        # Changed: drawn anew, with what is true now.
        assert not after["sig-s_moves"]["kept"]
        assert not after["sig-s_new"]["kept"]
        assert not after["track-t_grows"]["kept"]
        assert "\u20665\u2069" in after["track-t_grows"]["text"]

        # The kept sighting's tooltip says its age now, not when it was first drawn.
        page.locator("path.sig-s_ages").dispatch_event("mouseover")
        tip = page.locator(".leaflet-tooltip")
        tip.wait_for()
        assert "\u206616\u2069" in tip.inner_text()
        # The queue's lookups follow the new picture too (its count, its rows).
        assert page.locator('[data-panel="tracks"] li[data-id]').count() == 2
    finally:
        context.close()
