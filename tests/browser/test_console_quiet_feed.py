"""A threat group that goes quiet in a quiet feed is shown stale on the console, and leaves
the totals, with no further event.

From an audit of the dispatcher console: staleness was judged only by the server when it made
a picture, and a quiet feed (a lull, a small town) brings no event, so no new picture: a group
last seen over the fuser's stale age ago (MAGEN_TRACK_STALE_S, 300 s here) stayed red and
current, in the fresh part of "Tracks to confirm" and in "In all: ~N attackers in M groups".

Real server, real sighting: the session server's clock is the real one, so the sighting is
dated a little under 300 s ago and the test waits the few seconds it takes to go stale, then
for the console's own next picture (at most 30 s while the feed is quiet). The shared session
holds other tests' groups, which may go stale meanwhile too: the totals are compared by how
they move, and the groups in all are kept.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

WHERE = {"lat": 31.7670, "lon": 35.2065}  # a corner of the Baka pack no other test reports in
ATTACKERS = 7
STALE_S = 300  # the session server's MAGEN_TRACK_STALE_S (the default)
FRESH_FOR_S = 12  # how long the group is still current once reported


def _scale(page: Any) -> dict[str, int]:
    """The numbers the scale line says ("In all: ~7 attackers (5-9) in 2 groups · stale ...")."""
    line = page.locator("[data-scale]")
    said = "" if line.is_hidden() else re.sub("[\u2066-\u2069]", "", line.inner_text())

    def number(pattern: str) -> int:
        found = re.search(pattern, said)
        return int(found.group(1)) if found else 0

    groups = 1 if "in 1 group" in said else number(r"in (\d+) groups")
    return {
        "groups": groups,
        "attackers": number(r"In all: ~?(\d+) attackers") if groups else 0,
        "unverified": number(r"unverified, not counted: (\d+)"),
        "stale": number(r"stale \(not seen lately\), not counted: (\d+)"),
    }


def _in_all(s: dict[str, int]) -> int:
    return s["groups"] + s["unverified"] + s["stale"]


def _drawn(page: Any, track: str) -> dict[str, Any]:
    """How the console draws the group: on the map, and in "Tracks to confirm"."""
    return dict(
        page.evaluate(
            """(id) => {
                const mk = document.querySelector('.mk-track.track-' + id);
                const rows = Array.from(document.querySelectorAll('[data-panel="tracks"] li'));
                const at = rows.findIndex(li => li.dataset.id === id);
                const heading = rows.findIndex(li => li.classList.contains('subhead'));
                return {
                    marker_stale: !!mk && mk.classList.contains('is-stale'),
                    listed: at >= 0,
                    row_stale: at >= 0 && rows[at].classList.contains('stale'),
                    under_stale_heading: at >= 0 && heading >= 0 && at > heading,
                };
            }""",
            track,
        )
    )


def test_a_group_gone_quiet_is_drawn_stale_and_leaves_the_totals_with_no_event(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = browser.new_context(
        timezone_id=TZ, viewport={"width": 1400, "height": 900}, locale="en-GB"
    )
    try:
        page = page_errors.watch(sign_in(context, server, "dispatcher", "/console?lang=en"))
        page.wait_for_selector("#mode[data-mode=live]")
        server.token("officer1")  # signing in is not part of filing (argon2 is slow)

        seen = datetime.now(UTC) - timedelta(seconds=STALE_S - FRESH_FOR_S)
        # On foot: the fuser's estimate of where it is spreads slowly enough that the group
        # goes stale by its age, not sooner by its spread (a group of unknown mobility would).
        body = {
            "where": WHERE,
            "count": ATTACKERS,
            "mobility": "on_foot",
            "observed_at": seen.isoformat(),
        }
        r = server.post("officer1", "/api/v1/sightings", body)
        assert r.status_code == 201, r.text
        sighting = r.json()["id"]
        # The server's picture has the group (a picture already on its way to the console when
        # the sighting landed may not: the console's own is read from the screen below).
        filed = server.picture()
        track = next(t for t in filed["tracks"] if sighting.removeprefix("sig_") in t["id"])
        assert track["sightings"] == 1, track
        assert track["credible"], track  # a responder's: counted in the total
        tid = track["id"]
        page.wait_for_selector(f".mk-track.track-{tid}")

        # Current: red, in the fresh part of the list, counted.
        assert track["status"] == "new", track
        current = _drawn(page, tid)
        assert current == {
            "marker_stale": False,
            "listed": True,
            "row_stale": False,
            "under_stale_heading": False,
        }, current
        before = _scale(page)
        assert before["groups"] >= 1, before
        assert before["attackers"] >= ATTACKERS, before
        screenshot(page, "console-quiet-feed-current")

        # Time passes, nothing happens: the server would now call the group stale.
        deadline = time.monotonic() + FRESH_FOR_S + 20
        while not any(
            t["id"] == tid and t["status"] == "stale" for t in server.picture()["tracks"]
        ):
            assert time.monotonic() < deadline, "the group never went stale on the server"
            time.sleep(0.5)

        # Drawn again from the picture on screen (what the age tick does): the picture still
        # says "new", yet the group is drawn stale and leaves the totals.
        with page.expect_response(
            lambda r: r.url.endswith("/api/v1/picture"), timeout=40_000
        ) as again:
            held = page.evaluate(
                "(id) => window.magenConsole.picture().tracks.find(t => t.id === id).status", tid
            )
            assert held == "new", "a picture came before the test could redraw the old one"
            page.evaluate("window.magenConsole.redraw()")
            quiet = _drawn(page, tid)
            assert quiet == {
                "marker_stale": True,
                "listed": True,
                "row_stale": True,
                "under_stale_heading": True,
            }, quiet
            redrawn = _scale(page)
            assert redrawn["groups"] <= before["groups"] - 1, (before, redrawn)
            assert redrawn["attackers"] <= before["attackers"] - ATTACKERS, (before, redrawn)
            assert redrawn["stale"] >= before["stale"] + 1, (before, redrawn)
            assert _in_all(redrawn) == _in_all(before), (before, redrawn)

            # ... and the console asks for a fresh picture by itself (no event came).
        fresh = again.value.json()
        assert fresh["position"] == filed["position"], "an event came meanwhile"
        judged = next(t for t in fresh["tracks"] if t["id"] == tid)
        assert judged["status"] == "stale", judged
        page.wait_for_function(
            "(p) => window.magenConsole.picture().generated_at === p", arg=fresh["generated_at"]
        )
        assert _drawn(page, tid) == quiet
        after = _scale(page)
        sc = fresh["scale"]
        assert after["stale"] >= sc["stale_groups"] >= 1, (sc, after)
        assert after["groups"] <= sc["groups"] <= before["groups"] - 1, (sc, after)
        assert _in_all(after) == sc["groups"] + sc["unverified_groups"] + sc["stale_groups"]
        screenshot(page, "console-quiet-feed-stale")
    finally:
        context.close()
