"""Lifting a danger area the console drew around armed attackers who may still be there.

The map's menu names the open group an area of armed attackers is drawn around (the nearest
to the place chosen, inside the area or within 300 m of it, preselected; "none" may be
chosen), and the area is declared with it. Lifting such an area asks twice while the group is
not closed, as an area declared through the API does; so does an area of armed attackers
drawn around no group with an open one in it or near it. An area with no open group near
lifts at one press. Real server, real sightings: the shared session holds other tests'
tracks and areas too, so each test finds its own by the ids the server answers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in
from magen.web.words_console import WORDS

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

VIEWPORT = {"width": 1366, "height": 768}
DANGER = re.compile(r".*/api/v1/danger-areas$")
LIFT = re.compile(r".*/api/v1/danger-areas/[^/]+/lift$")
# Spots of this file's own, away from where other browser tests report.
GROUP_AT = {"lat": 31.7540, "lon": 35.2060}
QUIET_CANDIDATES = [
    {"lat": 31.7725, "lon": 35.2270},
    {"lat": 31.7505, "lon": 35.2265},
    {"lat": 31.7730, "lon": 35.2035},
]


def _metres(a: dict[str, float], b: dict[str, float]) -> float:
    k = math.pi / 180
    d_lat = (b["lat"] - a["lat"]) * k
    d_lon = (b["lon"] - a["lon"]) * k * math.cos(a["lat"] * k)
    return 6371000 * math.hypot(d_lat, d_lon)


def _open_tracks(server: Server) -> list[dict[str, Any]]:
    return [
        t
        for t in server.picture()["tracks"]
        if t.get("open", True) and t.get("status") != "merged" and t.get("lat") is not None
    ]


def _open_group(server: Server) -> dict[str, Any]:
    """An open track at GROUP_AT, from a sighting of armed attackers filed now."""
    r = server.post(
        "officer1",
        "/api/v1/sightings",
        {"where": GROUP_AT, "count": 3, "mobility": "on_foot", "armed": "yes"},
    )
    assert r.status_code == 201, r.text
    near = [t for t in _open_tracks(server) if _metres(GROUP_AT, t) < 100]
    assert near, "the sighting made no open track"
    return min(near, key=lambda t: _metres(GROUP_AT, t))


def _quiet_spot(server: Server) -> dict[str, float]:
    """A spot with no open track within a kilometre (the area, 300 m and a margin)."""
    tracks = _open_tracks(server)
    for spot in QUIET_CANDIDATES:
        if all(_metres(spot, t) > 1000 for t in tracks):
            return spot
    pytest.fail("every quiet spot has an open track near it")


@pytest.fixture
def console(browser: Any, server: Server, page_errors: PageErrors) -> Iterator[Any]:
    context = browser.new_context(timezone_id=TZ, viewport=VIEWPORT, locale="en-GB")
    try:
        page = page_errors.watch(sign_in(context, server, "dispatcher", "/console?lang=en"))
        page.wait_for_selector("#mode[data-mode=live]")
        page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')")
        yield page
    finally:
        context.close()


def _menu_at(page: Any, at: dict[str, float]) -> Any:
    """The map's menu, opened by a right click on the place `at` (the map centred on it)."""
    page.evaluate(
        "at => { window.magenConsole.map.setView([at.lat, at.lon], 17, {animate: false}); }", at
    )
    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')")
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, button="right")
    popup = page.locator(".leaflet-popup .map-menu")
    popup.wait_for()
    return popup


def _declare(page: Any, popup: Any) -> tuple[str, dict[str, Any]]:
    """Declare from the menu: the new area's id and the body sent (listened for first)."""
    with page.expect_response(
        lambda r: DANGER.match(r.url) is not None and r.request.method == "POST"
    ) as answer:
        popup.locator("button", has_text=WORDS["cx_menu_declare"][2]).click()
    response = answer.value
    assert response.status == 201, response.text()
    body = response.request.post_data_json
    area_id = str(response.json()["id"])
    page.wait_for_selector(f'[data-panel="danger"] li[data-id="{area_id}"]')
    return area_id, body


def _row(area_id: str) -> str:
    return f'[data-panel="danger"] li[data-id="{area_id}"]'


def _lift_is_asked_twice(page: Any, server: Server, area_id: str, warning: str, shot: str) -> None:
    """The first press on "Lift" warns and sends nothing; "Lift anyway" lifts."""
    lifts: list[str] = []
    page.on("request", lambda r: lifts.append(r.url) if LIFT.match(r.url) else None)
    page.locator(f"{_row(area_id)} .acts button").click()
    box = page.locator(f"{_row(area_id)} .lift-warn")
    box.wait_for()
    assert warning in box.inner_text(), box.inner_text()
    page.wait_for_timeout(300)
    assert lifts == [], "the first press on Lift sent a lift"
    box.scroll_into_view_if_needed()
    screenshot(page, shot)
    with page.expect_response(lambda r: LIFT.match(r.url) is not None) as answer:
        page.locator(f"{_row(area_id)} [data-lift-anyway]").click()
    assert answer.value.ok, answer.value.text()
    page.wait_for_selector(_row(area_id), state="detached")
    assert area_id not in {d["id"] for d in server.picture()["danger_areas"]}


def test_an_area_drawn_around_an_open_group_names_it_and_its_lift_is_asked_twice(
    console: Any, server: Server
) -> None:
    track = _open_group(server)
    tid = track["id"]
    console.wait_for_selector(f".mk-track.track-{re.sub(r'[^A-Za-z0-9_-]', '_', tid)}")
    popup = _menu_at(console, {"lat": track["lat"], "lon": track["lon"]})
    around = popup.locator("select[data-around]")
    assert around.is_visible()
    assert around.input_value() == tid  # the nearest open group, preselected
    console.wait_for_function(
        "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    screenshot(console, "console-drawn-area-menu")
    # Not for a fire: the field is for armed attackers only.
    popup.locator("select").first.select_option("fire")
    assert not around.is_visible()
    popup.locator("select").first.select_option("armed_attackers")
    area_id, body = _declare(console, popup)
    assert body["threat_id"] == tid
    assert body["reason"] == "armed_attackers"
    drawn = next(d for d in server.picture()["danger_areas"] if d["id"] == area_id)
    assert drawn["threat_id"] == tid
    _lift_is_asked_twice(
        console, server, area_id, WORDS["cx_lift_warn_open"][2][:20], "console-drawn-area-lift"
    )


def test_an_area_drawn_around_no_group_with_one_inside_is_still_asked_twice(
    console: Any, server: Server
) -> None:
    track = _open_group(server)
    tid = track["id"]
    console.wait_for_selector(f".mk-track.track-{re.sub(r'[^A-Za-z0-9_-]', '_', tid)}")
    popup = _menu_at(console, {"lat": track["lat"], "lon": track["lon"]})
    popup.locator("select[data-around]").select_option("")  # the dispatcher says: none
    area_id, body = _declare(console, popup)
    assert "threat_id" not in body
    _lift_is_asked_twice(
        console,
        server,
        area_id,
        WORDS["cx_lift_warn_near_open"][2][:20],
        "console-drawn-area-lift-near",
    )


def test_an_area_with_no_open_group_near_lifts_at_one_press(console: Any, server: Server) -> None:
    spot = _quiet_spot(server)
    popup = _menu_at(console, spot)
    around = popup.locator("select[data-around]")
    if around.is_visible():
        assert around.input_value() == ""  # groups listed, none near: none preselected
    area_id, body = _declare(console, popup)
    assert "threat_id" not in body
    with console.expect_response(lambda r: LIFT.match(r.url) is not None) as answer:
        console.locator(f"{_row(area_id)} .acts button").click()
    assert answer.value.ok, answer.value.text()
    console.wait_for_selector(_row(area_id), state="detached")
    assert console.locator(".lift-warn").count() == 0


def test_an_area_declared_around_no_group_with_one_just_outside_is_asked_twice(
    console: Any, server: Server
) -> None:
    """Declared through the API with no threat named, its edge 50 m short of an open group."""
    track = _open_group(server)
    centre = {"lat": track["lat"] + 200 / 111195, "lon": track["lon"]}
    assert 190 < _metres(centre, track) < 210
    r = server.post(
        "dispatcher",
        "/api/v1/danger-areas",
        {"area": {"kind": "circle", "radius_m": 150, **centre}, "reason": "armed_attackers"},
    )
    assert r.status_code == 201, r.text
    area_id = str(r.json()["id"])
    console.wait_for_selector(_row(area_id))
    _lift_is_asked_twice(
        console,
        server,
        area_id,
        WORDS["cx_lift_warn_near_open"][2][:20],
        "console-api-area-lift-near",
    )
