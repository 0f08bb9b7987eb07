"""Track labels on the console's map in a dense place: never one over another, none lost.

The console is served a real picture with many tracks added in the shape of the picture's own
view (app/picture_views.py), most of them a few metres apart, at the laptop size a dispatcher
uses (1366 x 768).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

LAPTOP = {"width": 1366, "height": 768}
# Eight groups within 60 m of each other (a street's length), and two far from them.
DENSE = [(31.7630 + 0.00005 * i, 35.2140 + 0.00004 * (i % 3)) for i in range(8)]
APART = [(31.7580, 35.2080), (31.7660, 35.2200)]


def _track(n: int, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    # Each seen within the fuser's stale age (300 s): current groups, as their status says.
    seen = (datetime.now(UTC) - timedelta(seconds=20 * (1 + n))).isoformat()
    return {
        "id": f"trk_{n}",
        "status": "new",
        "confirmed": False,
        "lat": lat,
        "lon": lon,
        "position_error_m": 10.0,
        "heading_deg": 45.0 * n,
        "speed_mps": 1.0,
        "mobility": "on_foot",
        "armed": "yes",
        "count": {"estimate": 4, "low": 3, "high": 5, "claims": 2},
        "confidence": {"level": "corroborated", "score": 0.8, "reporters": 2},
        "sightings": 2,
        "first_seen": seen,
        "last_seen": seen,
        **extra,
    }


LAYOUT = """() => Array.from(document.querySelectorAll('.mk-track')).map(m => {
  const trk = m.querySelector('.trk'), lbl = trk.querySelector('.lbl');
  const more = lbl.querySelector('.more');
  const r = lbl.getBoundingClientRect(), d = m.getBoundingClientRect();
  const map = document.getElementById('map').getBoundingClientRect();
  const x = (d.left + d.right) / 2, y = (d.top + d.bottom) / 2;
  const seen = x >= map.left && x <= map.right && y >= map.top && y <= map.bottom;
  return {
    cut: seen && (r.left < map.left - 1 || r.right > map.right + 1
                  || r.top < map.top - 1 || r.bottom > map.bottom + 1),
    id: Array.from(m.classList).find(c => c.startsWith('track-')).slice(6),
    off: trk.classList.contains('lbl-off'),
    box: [r.left, r.top, r.right, r.bottom],
    text: lbl.firstChild.textContent,
    more: more.hidden ? '' : more.textContent,
    n: more.hidden ? 0 : Number(more.dataset.n),
  };
})"""


# The dense groups moved to 20 px from the map's right edge (a move lays the labels out again).
EDGE = """() => {
  const map = window.magenConsole.map, size = map.getSize();
  const at = map.latLngToContainerPoint([31.7632, 35.2141]);
  map.panBy([at.x - (size.x - 20), 0], {animate: false});
}"""


def _overlapping(labels: list[dict[str, Any]]) -> list[tuple[str, str]]:
    shown = [x for x in labels if not x["off"]]
    pairs = []
    for i, a in enumerate(shown):
        for b in shown[i + 1 :]:
            (al, at, ar, ab), (bl, bt, br, bb) = a["box"], b["box"]
            if al < br and bl < ar and at < bb and bt < ab:
                pairs.append((a["id"], b["id"]))
    return pairs


def _counted(labels: list[dict[str, Any]]) -> int:
    """How many groups the drawn labels' hints stand for; each hint says its number."""
    for x in labels:
        if x["n"] > 1:
            assert f"\u2066{x['n']}\u2069" in x["more"], x["more"]
        elif x["n"] == 1:
            assert x["more"], x
    return sum(x["n"] for x in labels)


@pytest.mark.parametrize("lang", ["en", "he"])
def test_dense_track_labels_never_overlap_and_each_hidden_one_is_counted(
    browser: Any, server: Server, page_errors: PageErrors, lang: str
) -> None:
    real = server.picture()
    tracks = [_track(n, lat, lon) for n, (lat, lon) in enumerate(DENSE + APART)]
    tracks[3]["confirmed"] = True
    tracks[3]["status"] = "confirmed"
    real["tracks"] = tracks

    def picture(route: Any) -> None:
        real["generated_at"] = datetime.now(UTC).isoformat()
        route.fulfill(status=200, content_type="application/json", body=json.dumps(real))

    context = browser.new_context(timezone_id=TZ, viewport=LAPTOP, locale="en-GB")
    try:
        context.route(re.compile(r".*/api/v1/picture$"), picture)
        page = page_errors.watch(sign_in(context, server, "dispatcher", f"/console?lang={lang}"))
        page.wait_for_selector(".mk-track.track-trk_9")
        page.wait_for_selector("path.mk-shelter", state="attached")
        page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')")
        page.evaluate(
            "void window.magenConsole.map.setView([31.7632, 35.2141], 15, {animate: false})"
        )
        labels = page.evaluate(LAYOUT)
        screenshot(page, f"console-dense-tracks-{lang}")

        # Every track keeps its dot on the map; labels drawn never cover one another.
        assert sorted(x["id"] for x in labels) == sorted(t["id"] for t in tracks)
        assert _overlapping(labels) == []
        # Nor is one cut by the map's edge (its dot on the map): "uncorroborated 1" for "15%".
        assert [x["id"] for x in labels if x["cut"] and not x["off"]] == []
        hidden = [x for x in labels if x["off"]]
        assert hidden, "eight groups within 60 m at zoom 15 cannot all be labelled"
        # The groups whose labels are not drawn are counted on the labels that are.
        assert _counted(labels) == len(hidden)
        # The words are the honest count as before, each number isolated; the confirmed
        # group's label is drawn first of all.
        assert all("\u20664\u2069" in x["text"] and "\u20663–5\u2069" in x["text"] for x in labels)
        assert not next(x for x in labels if x["id"] == "trk_3")["off"]
        assert not any(x["off"] for x in labels if x["id"] in ("trk_8", "trk_9"))

        # A dot whose label is not drawn says it on hover (dispatched: at this zoom the dots
        # of groups a few metres apart cover each other, as they would on paper).
        page.locator(f".mk-track.track-{hidden[0]['id']}").dispatch_event("mouseover")
        tip = page.locator(".leaflet-tooltip")
        tip.wait_for()
        assert tip.text_content() == hidden[0]["text"]

        # Zoomed in, the same groups are far enough apart for every label.
        page.evaluate(
            "void window.magenConsole.map.setView([31.7632, 35.2141], 20, {animate: false})"
        )
        near = [x for x in page.evaluate(LAYOUT) if x["id"] not in ("trk_8", "trk_9")]
        assert not any(x["off"] for x in near)
        assert not any(x["more"] for x in near)
        assert _overlapping(near) == []

        # A fresh picture (every event draws one) keeps the labels apart.
        page.evaluate(
            "void window.magenConsole.map.setView([31.7632, 35.2141], 16, {animate: false})"
        )
        page.evaluate("window.magenConsole.redraw()")
        again = page.evaluate(LAYOUT)
        assert _overlapping(again) == []
        assert [x["id"] for x in again if x["cut"] and not x["off"]] == []

        # The groups at the map's very edge: their labels go inward, or are counted, never cut.
        page.evaluate(EDGE)
        edge = page.evaluate(LAYOUT)
        assert [x["id"] for x in edge if x["cut"] and not x["off"]] == []
        assert _overlapping(edge) == []
        assert _counted(edge) == sum(x["off"] for x in edge)
        assert not all(x["off"] for x in edge if x["id"] not in ("trk_8", "trk_9"))
        assert _counted(again) == sum(x["off"] for x in again)
    finally:
        context.close()
