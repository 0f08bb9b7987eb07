"""The picture at a past log position: the time slider's endpoint and its fold.

A replayed picture is complete: besides the reports, it has the tracks, incidents, scale,
recommendations and assignments (with their routes) that the dispatch board derives, judged
at the time of the position's event, never at the time of asking. The strictest check: the
live picture read just after each event (the clock standing at that event's time) equals
the replay of that position read long afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from magen.app.codec import decode
from magen.app.dispatch import DispatchService
from magen.app.history import History
from magen.app.projections import picture
from magen.domain import State, evolve
from magen.domain.base import Actor
from magen.domain.picture import Picture, configure_picture
from magen.domain.reports import Reports
from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, baka_kit, cid

VOLATILE = {"generated_at", "as_of", "head", "replay"}
# The minutes between the last report of the opening burst and the next one: long enough for
# the earlier tracks to go stale.
QUIET_MIN = 30


def _fold(kit: Kit, position: int) -> State:
    """The log folded up to a position, with the live state's fusion model and town metric."""
    state = State()
    fuser = kit.client.app.state["runtime"].service.state.slice(Picture).fuser
    configure_picture(state, config=fuser.config, metric=fuser.metric, frame=fuser.frame)
    for stored in kit.log.read(0, position):
        evolve(state, decode(stored))
    return state


def _post(kit: Kit, role: Role, path: str, body: dict[str, Any]) -> Any:
    r = kit.post(role, path, {"command_id": cid(), **body})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(scope="module")
def seen() -> Iterator[tuple[Kit, dict[int, Any]]]:
    """Reports over a morning, and the live picture read just after each one."""
    with api_kit(anonymous_per_minute=10_000, anonymous_burst=10_000) as k:
        live: dict[int, Any] = {}

        def read() -> None:
            body = k.get(Role.DISPATCHER, "/api/v1/picture").json()
            live[body["position"]] = body

        for i in range(6):
            k.clock.advance(timedelta(minutes=1))
            where = {"lat": 31.76 + i * 1e-3, "lon": 35.21 + i * 1e-3}
            _post(k, Role.DISPATCHER, "/api/v1/sightings", {"where": where, "count": i + 1})
            read()
            if i % 2:
                _post(k, Role.RESIDENT, "/api/v1/sos", {"where": where, "people": i})
                read()
        k.clock.advance(timedelta(minutes=QUIET_MIN))
        _post(k, Role.DISPATCHER, "/api/v1/sightings", {"where": BAKA, "count": 2})
        read()
        k.clock.advance(timedelta(hours=1))  # asked long afterwards
        yield k, live


@pytest.fixture(scope="module")
def kit(seen: tuple[Kit, dict[int, Any]]) -> Kit:
    return seen[0]


def _at(kit: Kit, role: Role, position: int) -> Any:
    return kit.get(role, f"/api/v1/picture/at?position={position}")


def _shown(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in VOLATILE}


def test_the_replay_of_each_position_is_the_live_picture_as_it_was_then(
    seen: tuple[Kit, dict[int, Any]],
) -> None:
    kit, live = seen
    assert len(live) == 10
    for position, then in live.items():
        past = _at(kit, Role.DISPATCHER, position).json()
        assert set(past) - VOLATILE == set(then) - VOLATILE  # no section left out
        assert _shown(past) == _shown(then), position
    # And not merely because nothing was derived: the picture has tracks and incidents.
    last = live[max(live)]
    assert len(last["tracks"]) >= 2
    assert last["incidents"]
    assert last["scale"]["groups"] >= 1


def test_staleness_and_waiting_are_judged_at_the_replayed_moment(
    seen: tuple[Kit, dict[int, Any]],
) -> None:
    kit, live = seen
    first = min(p for p, body in live.items() if body["tracks"])
    late = max(live)
    early = _at(kit, Role.DISPATCHER, first).json()
    [track] = early["tracks"]
    assert (track["status"], track["since_seen_s"]) == ("new", 0.0)
    assert early["scale"]["stale_groups"] == 0
    assert early["scale"]["as_of"] == early["as_of"]
    # The same track after the quiet half hour: stale, judged at that moment.
    late_body = _at(kit, Role.DISPATCHER, late).json()
    at_late = datetime.fromisoformat(late_body["as_of"])
    after = {t["id"]: t for t in late_body["tracks"]}[track["id"]]
    since = (at_late - datetime.fromisoformat(after["last_seen"])).total_seconds()
    assert since >= QUIET_MIN * 60
    assert (after["status"], after["since_seen_s"]) == ("stale", since)
    assert late_body["scale"]["stale_groups"] >= 1
    # Now, an hour later still, the live picture says otherwise: the replay is not "now".
    now = {t["id"]: t for t in kit.get(Role.DISPATCHER, "/api/v1/picture").json()["tracks"]}
    assert now[track["id"]]["since_seen_s"] == since + 3600
    # A call waits from when it was raised to the replayed moment.
    first_call = min(p for p, body in live.items() if body["incidents"])
    [incident] = _at(kit, Role.DISPATCHER, first_call).json()["incidents"]
    assert incident["waiting_s"] == 0.0
    waited = {i["id"]: i for i in late_body["incidents"]}[incident["id"]]
    raised = datetime.fromisoformat(waited["first_raised"])
    assert waited["waiting_s"] == (at_late - raised).total_seconds() >= QUIET_MIN * 60


def test_every_past_position_shows_exactly_the_fold_of_the_log_up_to_it(kit: Kit) -> None:
    head = kit.log.head()
    dispatcher = Actor(account_id=kit.accounts[Role.DISPATCHER], role=Role.DISPATCHER)
    dispatch = kit.client.app.state["runtime"].dispatch
    for position in range(head + 1):
        r = _at(kit, Role.DISPATCHER, position)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["position"] == position
        assert body["replay"] is True
        assert body["head"] == head
        state = _fold(kit, position)
        as_of = decode(kit.log.read(position - 1, 1)[0]).recorded_at if position else None
        boards = dispatch.replay(state, as_of)  # kept alive while the picture is read
        expected = picture(state, dispatcher)
        assert boards.board().position == position
        assert _shown(body) == expected


def test_the_replayed_picture_says_when_it_was(kit: Kit) -> None:
    head = kit.log.head()
    last = decode(kit.log.read(head - 1, 1)[0])
    assert _at(kit, Role.ANALYST, head).json()["as_of"] == last.recorded_at.isoformat()
    before = _at(kit, Role.ANALYST, 0).json()
    assert before["as_of"] is None
    # Before the first event no section claims a moment (not the epoch).
    stamped = [v for v in before.values() if isinstance(v, dict) and "as_of" in v]
    assert stamped
    assert all(v["as_of"] is None for v in stamped)


def test_earlier_means_fewer_reports(kit: Kit) -> None:
    live = kit.get(Role.DISPATCHER, "/api/v1/picture").json()
    first = live["sightings"][0]
    past = _at(kit, Role.DISPATCHER, first["position"]).json()
    assert [s["id"] for s in past["sightings"]] == [first["id"]]
    assert past["sos"] == []
    assert past["incidents"] == []
    assert [t["sightings"] for t in past["tracks"]] == [1]


def test_an_analyst_replays_the_whole_picture(kit: Kit) -> None:
    head = kit.log.head()
    analyst = _at(kit, Role.ANALYST, head).json()
    dispatcher = _at(kit, Role.DISPATCHER, head).json()
    # Analysts read everything the dispatcher saw, derived sections included.
    assert {k: v for k, v in _shown(analyst).items() if k != "role"} == {
        k: v for k, v in _shown(dispatcher).items() if k != "role"
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.DISPATCHER, 200),
        (Role.ANALYST, 200),
        (Role.RESPONDER, 403),
        (Role.MEDIC, 403),
        (Role.REGISTRAR, 403),
        (Role.HOSPITAL, 403),
        (Role.RESIDENT, 403),
        (Role.ANONYMOUS, 403),
    ],
)
def test_only_those_who_run_and_review_the_response_replay_it(
    kit: Kit, role: Role, status: int
) -> None:
    assert _at(kit, role, 1).status_code == status


def test_positions_outside_the_log_are_refused(kit: Kit) -> None:
    head = kit.log.head()
    assert _at(kit, Role.ADMIN, head + 1).status_code == 404
    assert kit.get(Role.ADMIN, "/api/v1/picture/at?position=-1").status_code == 400
    assert kit.get(Role.ADMIN, "/api/v1/picture/at?position=x").status_code == 400
    assert kit.get(Role.ADMIN, "/api/v1/picture/at").status_code == 400


def test_a_fold_continues_from_the_nearest_cached_state_without_changing_it(kit: Kit) -> None:
    runtime = kit.client.app.state["runtime"]
    history = History(kit.log, runtime.service.state, capacity=2, dispatch=runtime.dispatch)
    head = kit.log.head()
    a = history.at(head - 4)
    assert history.folded == head - 4
    sightings_at_a = len(a.state.slice(Reports).sightings)
    tracks_at_a = a.boards.board().tracks if a.boards is not None else None
    b = history.at(head - 1)
    assert history.folded == head - 1  # only the three steps between them
    assert history.at(head - 4) is a  # from the cache, untouched by the later fold
    assert a.state.position == head - 4
    assert len(a.state.slice(Reports).sightings) == sightings_at_a
    assert a.boards is not None
    assert a.boards.board().tracks == tracks_at_a  # kept with the state, not recomputed
    assert b.state.position == head - 1
    assert DispatchService.for_state(a.state) is a.boards
    history.at(head)
    history.at(1)  # older than everything cached: folded from the start
    assert history.folded == head - 1 + 1 + 1
    assert history.at(head - 4) is not a  # evicted (capacity 2), folded again
    with pytest.raises(ValueError, match="negative"):
        history.at(-1)


# --- with the town: recommendations and routes as they were ---------------------------------


@pytest.fixture(scope="module")
def town_seen() -> Iterator[tuple[Kit, dict[int, Any]]]:
    """On the Baka map: responders, a call, an assignment; the live picture after each step."""
    with baka_kit() as k:
        live: dict[int, Any] = {}

        def read() -> dict[str, Any]:
            body: dict[str, Any] = k.get(Role.DISPATCHER, "/api/v1/picture").json()
            live[body["position"]] = body
            return body

        sos = {"lat": 31.7650, "lon": 35.2120}
        _post(k, Role.RESIDENT, "/api/v1/sos", {"where": sos, "people": 2, "injured": 1})
        read()
        k.clock.advance(timedelta(minutes=1))
        _post(
            k,
            Role.MEDIC,
            "/api/v1/responders/check-in",
            {"kind": "medic", "capabilities": ["medic"], "where": BAKA},
        )
        body = read()
        [rec] = body["recommendations"]["recommendations"]
        k.clock.advance(timedelta(minutes=1))
        _post(
            k,
            Role.DISPATCHER,
            "/api/v1/dispatch/assignments",
            {"responder_id": rec["responder_id"], "recommendation_id": rec["id"]},
        )
        read()
        k.clock.advance(timedelta(minutes=2))
        where = {"lat": 31.7640, "lon": 35.2140}
        _post(k, Role.MEDIC, "/api/v1/responders/position", {"where": where})
        read()
        k.clock.advance(timedelta(hours=2))
        yield k, live


def test_recommendations_and_routes_are_replayed_as_they_were(
    town_seen: tuple[Kit, dict[int, Any]],
) -> None:
    kit, live = town_seen
    for position, then in live.items():
        past = _at(kit, Role.DISPATCHER, position).json()
        assert set(past) - VOLATILE == set(then) - VOLATILE
        assert _shown(past) == _shown(then), position
    first, checked_in, assigned, moved = sorted(live)
    # Before anyone checked in, the call waited with nobody to send.
    assert _at(kit, Role.DISPATCHER, first).json()["recommendations"]["recommendations"] == []
    recs = _at(kit, Role.DISPATCHER, checked_in).json()["recommendations"]["recommendations"]
    assert len(recs) == 1
    # The medic's route at each moment starts where they last reported being.
    routes = []
    for position in (assigned, moved):
        [a] = _at(kit, Role.DISPATCHER, position).json()["assignments"]
        assert a["route"]["geometry"]["type"] == "LineString"
        routes.append(a["route"]["geometry"]["coordinates"])
    assert routes[0] != routes[1]
    assert _metres(routes[0][0], BAKA) < 60
    assert _metres(routes[1][0], {"lat": 31.7640, "lon": 35.2140}) < 60


def _metres(lonlat: list[float], point: dict[str, float]) -> float:
    dy = (lonlat[1] - point["lat"]) * 111_320.0
    dx = (lonlat[0] - point["lon"]) * 111_320.0 * math.cos(math.radians(point["lat"]))
    return math.hypot(dx, dy)


def test_a_replay_does_not_disturb_the_live_board(
    town_seen: tuple[Kit, dict[int, Any]],
) -> None:
    kit, live = town_seen
    before = kit.get(Role.DISPATCHER, "/api/v1/picture").json()
    for position in sorted(live):
        assert _at(kit, Role.DISPATCHER, position).status_code == 200
    after = kit.get(Role.DISPATCHER, "/api/v1/picture").json()
    assert _shown(after) == _shown(before)
