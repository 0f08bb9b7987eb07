"""The picture around a place (`around_picture`) on pictures made by hand: which threats reach
into the area (by their uncertainty and movement, not only their centre), the corridor along
my route, danger-area shapes, my far-away task, and the counts of what was left out."""

from __future__ import annotations

import math
from typing import Any

import pytest

from magen.app.picture_views import (
    ROUTE_CORRIDOR_M,
    Around,
    around_of,
    around_picture,
)
from magen.domain.base import Actor
from magen.domain.errors import Forbidden, InvalidCommand
from magen.domain.state import State
from magen.domain.values import Role

ME = "acc_me"
CENTRE = (35.2160, 31.7615)  # lon, lat
M_PER_DEG_LAT = math.pi * 6_371_008.8 / 180.0


def north(
    metres: float, east: float = 0.0, at: tuple[float, float] = CENTRE
) -> tuple[float, float]:
    """A point `metres` north (and `east` metres east) of `at`, as (lon, lat)."""
    lon, lat = at
    k = M_PER_DEG_LAT * math.cos(math.radians(lat))
    return (lon + east / k, lat + metres / M_PER_DEG_LAT)


def track(tid: str, at: tuple[float, float], error: float = 20.0, **extra: Any) -> dict[str, Any]:
    return {
        "id": tid,
        "lon": at[0],
        "lat": at[1],
        "position_error_m": error,
        "speed_mps": 0.0,
        "since_seen_s": 0.0,
        "last_reported": {"lon": at[0], "lat": at[1]},
        **extra,
    }


def point(pid: str, at: tuple[float, float], **extra: Any) -> dict[str, Any]:
    return {"id": pid, "lon": at[0], "lat": at[1], **extra}


def picture(**sections: Any) -> dict[str, Any]:
    return {
        "position": 42,
        "role": "responder",
        "generated_at": "2023-10-07T06:30:00+00:00",
        **sections,
    }


def cut(full: dict[str, Any], radius_m: int = 1000, role: Role = Role.RESPONDER) -> dict[str, Any]:
    around = Around(CENTRE[0], CENTRE[1], radius_m, "request")
    return around_picture(full, State(), Actor(account_id=ME, role=role), around)


def ids(view: dict[str, Any], name: str) -> set[str]:
    return {x["id"] for x in view.get(name, [])}


def test_a_track_whose_uncertainty_reaches_into_the_radius_is_kept() -> None:
    full = picture(
        tracks=[
            track("in", north(900)),
            # Centre 1,300 m away: 3 sigmas of 150 m reach 850 m in; of 50 m, only 1,150 m.
            track("wide", north(1300), error=150.0),
            track("narrow", north(1300, east=10), error=50.0, last_reported={"lon": 0, "lat": 0}),
            # Not seen for 10 minutes, walking 1 m/s: it may be 600 m nearer by now.
            track("walking", north(-1500), speed_mps=1.0, since_seen_s=600.0),
            track("parked", north(-1500, east=5), since_seen_s=600.0),
            # Its estimate is far, but the last report of it is right here.
            track("reported", north(5000), last_reported={"lon": CENTRE[0], "lat": CENTRE[1]}),
        ]
    )
    view = cut(full)
    assert ids(view, "tracks") == {"in", "wide", "walking", "reported"}
    assert view["scope"]["omitted"]["tracks"] == 2
    # Each kept one exactly as the full picture has it.
    assert all(t in full["tracks"] for t in view["tracks"])


def test_my_far_task_its_route_and_the_threats_there_are_kept() -> None:
    target = north(8000)
    route = [list(north(0)), list(north(4000, east=200)), list(target)]
    full = picture(
        assignments=[
            {
                "id": "asg_mine",
                "responder_id": ME,
                "target": {"kind": "incident", "id": "sos_far"},
                "task_id": "inc_far",
                "route": {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": route},
                },
            },
            {
                "id": "asg_other",
                "responder_id": "acc_other",
                "target": {"kind": "track", "id": "t"},
            },
        ],
        incidents=[
            point("inc_far", target, sos_ids=["sos_far", "sos_far2"]),
            point("inc_elsewhere", north(-8000)),
        ],
        sos=[
            point("sos_far", target),
            point("sos_far2", north(8100)),
            point("sos_elsewhere", north(-8000)),
            point("sos_near_target", north(8500, east=300)),
        ],
        tracks=[
            track("by_target", north(7600, east=400)),
            # Beside the route's middle: within the corridor, not within any circle.
            track("by_route", north(4000, east=200 + ROUTE_CORRIDOR_M - 100)),
            track("off_route", north(4000, east=200 + ROUTE_CORRIDOR_M + 300)),
        ],
        responders=[point(ME, CENTRE), point("acc_other", north(10))],
    )
    view = cut(full)
    assert ids(view, "assignments") == {"asg_mine"}
    assert ids(view, "incidents") == {"inc_far"}
    assert ids(view, "sos") == {"sos_far", "sos_far2", "sos_near_target"}
    assert ids(view, "tracks") == {"by_target", "by_route"}
    assert ids(view, "responders") == {ME}
    assert view["scope"]["omitted"] == {
        "assignments": 1,
        "incidents": 1,
        "sos": 1,
        "tracks": 1,
        "responders": 1,
    }


def test_danger_areas_that_touch_the_area_are_kept_whatever_their_shape() -> None:
    def circle(did: str, at: tuple[float, float], r: float) -> dict[str, Any]:
        return {"id": did, "area": {"kind": "circle", "lon": at[0], "lat": at[1], "radius_m": r}}

    def square(did: str, at: tuple[float, float], half: float) -> dict[str, Any]:
        corners = [(-half, -half), (half, -half), (half, half), (-half, half)]
        ring = [list(north(dy, dx, at)) for dx, dy in corners]
        return {"id": did, "area": {"kind": "polygon", "ring": ring}}

    full = picture(
        danger_areas=[
            circle("circle_edge", north(1150), 200.0),
            circle("circle_out", north(1300), 200.0),
            square("square_edge", north(1100), 150.0),  # its near side 950 m away
            square("square_out", north(1300), 150.0),
            square("around_me", CENTRE, 3000.0),  # I stand inside it: no corner is near
            {"id": "unknown_shape", "area": {"kind": "zones"}},
        ]
    )
    view = cut(full)
    assert ids(view, "danger_areas") == {"circle_edge", "square_edge", "around_me", "unknown_shape"}
    assert view["scope"]["omitted"]["danger_areas"] == 2


def test_what_is_left_out_is_said() -> None:
    full = picture(
        sightings=[point("s1", CENTRE), point("s2", CENTRE)],
        alerts=[{"id": "al1"}, {"id": "al2"}],
        overrides=[{"id": "o1"}],
        scale={"groups": 3},
        recommendations={"recommendations": []},
        sos=[point("near", north(100)), point("far", north(1500))],
    )
    view = cut(full)
    scope = view["scope"]
    assert (scope["view"], scope["near"], scope["radius_m"]) == ("around", list(CENTRE), 1000)
    assert scope["omitted"] == {"sightings": 2, "alerts": 0, "overrides": 1, "sos": 1}
    assert scope["left_out"] == ["recommendations", "scale"]
    assert view["alerts"] == full["alerts"]  # official alerts are zone-wide: all kept
    assert [k for k in view if k not in full] == ["scope"]
    assert (view["position"], view["generated_at"]) == (full["position"], full["generated_at"])


def test_around_of_centres_on_the_request_or_refuses() -> None:
    state = State()
    responder = Actor(account_id=ME, role=Role.RESPONDER)
    got = around_of(state, responder, (35.2, 31.7), 500)
    assert (got.lon, got.lat, got.radius_m, got.near_from) == (35.2, 31.7, 500, "request")
    assert around_of(state, responder, (35.2, 31.7), None).radius_m == 2000
    with pytest.raises(InvalidCommand, match="no position of yours"):
        around_of(state, responder, None, None)  # not checked in: no position known
    for bad in [(181.0, 0.0), (0.0, -91.0), (math.nan, 0.0), (0.0, math.inf)]:
        with pytest.raises(InvalidCommand, match="near"):
            around_of(state, responder, bad, None)
    for radius in (99, 20001):
        with pytest.raises(InvalidCommand, match="radius_m"):
            around_of(state, responder, (35.2, 31.7), radius)
    for role in (Role.RESIDENT, Role.ANONYMOUS, Role.HOSPITAL, Role.REGISTRAR):
        with pytest.raises(Forbidden):
            around_of(state, Actor(account_id="acc_x", role=role), (35.2, 31.7), None)
