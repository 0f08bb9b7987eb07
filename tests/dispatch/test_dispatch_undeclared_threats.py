"""Routes around attackers no danger area is declared around yet.

Routes went around declared danger areas only: a credible or confirmed group with no area
declared around it yet (a dispatcher under stress takes minutes) closed no street, and a
medic's recommended route to another call could pass right through it. Until an area is
declared around it, an active threat is one for routing (`undeclared_threat_areas`), as if
declared around it: open to the armed responders sent to it, closed to everyone else.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from magen.app.dispatch import DispatchService
from magen.app.service import Service
from magen.clock import ManualClock
from magen.dispatch.assign import (
    AVOIDS_UNDECLARED,
    Dispatcher,
    Fact,
    Recommendation,
    TaskKind,
    undeclared_area_id,
    undeclared_track,
)
from magen.dispatch.tasks import (
    AreaLink,
    NeedsConfig,
    active_threat,
    undeclared_threat_areas,
)
from magen.domain.alerts import Circle, DangerReason, DeclareDangerArea, Polygon
from magen.domain.base import Actor
from magen.domain.dispatch import Dispatch
from magen.domain.picture import ConfirmTrack, NeutraliseTrack, Picture
from magen.domain.reports import Armed, RaiseSos, ReportSighting
from magen.domain.responders import Capability, ResponderKind
from magen.domain.values import GeoPoint, Role, SourceTier
from magen.geo.routing import DangerArea
from magen.geo.town import Town
from magen.picture.fusion import Fuser, TrackStatus
from magen.store.memory import MemoryEventLog
from support import taskkit as kit
from support.boardkit import DISPATCHER, START, accept, check_in
from support.dispatchkit import MEDIC, VEHICLE, route_enters, task, unit

OFFICER = Actor("acc_officer", Role.RESPONDER)
MARGIN_M = NeedsConfig().escort_within_m


# --- which tracks close streets ------------------------------------------------------------


def test_only_open_fresh_credible_tracks_with_no_area_declared_close_streets() -> None:
    fuser = Fuser()
    kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2"])  # verified: credible
    kit.group(fuser, "b", 2000, 0, ["anon1", "anon2", "anon3"], tier=SourceTier.ANONYMOUS)
    tracks = kit.tracks(fuser)
    a = next(t for t in tracks if t.sighting_ids[0] == "a0")
    b = next(t for t in tracks if t.sighting_ids[0] == "b0")
    assert active_threat(a)
    assert not b.credible

    (found,) = undeclared_threat_areas(tracks)
    area, link = found
    assert link == AreaLink(undeclared_area_id(a.track_id), a.track_id)
    assert undeclared_track(area.id) == a.track_id
    assert (area.lon, area.lat) == (a.lon, a.lat)
    assert area.polygon is None
    assert area.radius_m == pytest.approx(a.position_error_m + MARGIN_M)

    # An anonymous flood alone closes nothing; nor a stale track, nor a closed one.
    assert undeclared_threat_areas([b]) == []
    stale = kit.tracks(fuser, seconds=3600.0)
    assert next(t for t in stale if t.track_id == a.track_id).status is TrackStatus.STALE
    assert undeclared_threat_areas(stale) == []
    for status in (TrackStatus.NEUTRALISED, TrackStatus.FALSE_ALARM, TrackStatus.MERGED):
        assert undeclared_threat_areas([replace(a, status=status)]) == []

    wider = NeedsConfig(escort_within_m=400.0)
    ((grown, _),) = undeclared_threat_areas(tracks, config=wider)
    assert grown.radius_m == pytest.approx(a.position_error_m + 400.0)


# --- routes on the board --------------------------------------------------------------------


def _scene(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]:
    """An ambulance's place, a call's, the middle of its open route there (lon/lat) where
    the attackers are, and an armed responder's place ~600 m from them: the medic and the
    call well outside the circle the attackers will close."""
    xy = np.column_stack(town.to_xy(spots[:, 0], spots[:, 1]))
    rng = np.random.default_rng(11)
    for _ in range(200):
        i, j = rng.integers(0, len(spots), 2)
        if not 1500.0 <= float(np.hypot(*(xy[i] - xy[j]))) <= 2000.0:
            continue
        medic, call = tuple(map(float, spots[i])), tuple(map(float, spots[j]))
        ambulance = unit("m", medic, MEDIC, VEHICLE, label="medic")
        to_call = task("c", call, frozenset({MEDIC}))
        route = dispatcher.route(ambulance, to_call)
        if route is None or len(route.lonlat) < 3:
            continue
        line = np.column_stack(town.to_xy(*np.asarray(route.lonlat).T))
        legs = np.r_[0.0, np.cumsum(np.hypot(*np.diff(line, axis=0).T))]
        k = int(np.searchsorted(legs, legs[-1] / 2))
        mid = line[k]
        if min(np.hypot(*(mid - xy[i])), np.hypot(*(mid - xy[j]))) < 2.5 * MARGIN_M:
            continue
        d_mid = np.hypot(*(xy - mid).T)
        cops = np.flatnonzero((d_mid > 550.0) & (d_mid < 650.0))
        if not cops.shape[0]:
            continue
        threat = tuple(map(float, town.to_lonlat(*mid)))
        # A way around them (a sighting's fix is rounded, its error is some tens of metres).
        wide = DangerArea("wide", threat[0], threat[1], MARGIN_M + 100.0)
        if dispatcher.route(ambulance, to_call, [wide]) is None:
            continue
        return medic, call, threat, tuple(map(float, spots[cops[0]]))  # type: ignore[return-value]
    pytest.fail("no medic, call and a route between them found on Baka")


async def _sighted(service: Service, threat: tuple[float, float]) -> str:
    """Two verified reports of armed attackers at `threat` (lon/lat), confirmed; the track."""
    first = None
    for who in (DISPATCHER, OFFICER):
        out = await service.handle(
            who,
            ReportSighting(
                command_id=uuid.uuid4(),
                where=GeoPoint(lat=threat[1], lon=threat[0]),
                count=2,
                armed=Armed.YES,
            ),
        )
        first = first or str(out.events[0].event.sighting_id)  # type: ignore[attr-defined]
    track = service.state.slice(Picture).fuser.track_of(str(first))
    assert track is not None
    await service.handle(DISPATCHER, ConfirmTrack(command_id=uuid.uuid4(), track_id=track))
    return track


def _rec(recs: tuple[Recommendation, ...], responder: str) -> Recommendation:
    return next(r for r in recs if r.responder_id == responder)


def test_a_medics_route_goes_around_attackers_no_area_is_declared_around_yet(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    medic_at, call_at, threat_at, cop_at = _scene(town, dispatcher, spots)
    # Within the margin of the attackers: what no route but the armed one's to them enters.
    near = DangerArea("near", threat_at[0], threat_at[1], MARGIN_M)

    async def go() -> None:
        clock = ManualClock(START)
        service = Service(MemoryEventLog(), clock)
        live = DispatchService(service, town)
        live.reuse_slow_plans = False
        await check_in(service, "acc_medic", ResponderKind.MEDIC, {MEDIC, VEHICLE}, medic_at[::-1])
        await check_in(
            service, "acc_cop", ResponderKind.POLICE_ON_DUTY, {Capability.ARMED}, cop_at[::-1]
        )
        raised = await service.handle(
            Actor("acc_res", Role.RESIDENT),
            RaiseSos(
                command_id=uuid.uuid4(), where=GeoPoint(lat=call_at[1], lon=call_at[0]), injured=1
            ),
        )
        sos = str(raised.events[0].event.sos_id)  # type: ignore[attr-defined]
        board = live.planned()
        assert board.plan is not None
        # Before any sighting the medic's way runs right past where the attackers will be.
        before = live.route(board, _rec(board.plan.recommendations, "acc_medic"))
        assert before is not None
        assert route_enters(town, before, near)

        track = await _sighted(service, threat_at)
        board = live.planned()
        assert board.plan is not None
        assert [a.id for a in board.areas] == [undeclared_area_id(track)]
        assert board.around[track] == {undeclared_area_id(track)}
        # The medic still goes to the call, around the attackers, and is told so.
        rec = _rec(board.plan.recommendations, "acc_medic")
        assert rec.task_id == sos
        assert rec.avoids == (undeclared_area_id(track),)
        assert rec.facts == (Fact(AVOIDS_UNDECLARED, 1),)
        assert "no danger area over where they are now" in rec.reason
        route = live.route(board, rec)
        assert route is not None
        assert not route_enters(town, route, near)
        # The armed responder sent to the attackers gets there, through their circle.
        cop = _rec(board.plan.recommendations, "acc_cop")
        assert (cop.task_id, cop.task_kind) == (track, TaskKind.THREAT)
        assert cop.enters == (undeclared_area_id(track),)
        assert cop.facts == ()
        to_threat = live.route(board, cop)
        assert to_threat is not None
        assert route_enters(town, to_threat, near)
        # ... and is shown that route once sent.
        await accept(service, cop)
        board = live.planned()
        (assigned,) = service.state.slice(Dispatch).assignments.values()
        shown = live.assignment_route(board, assigned)
        assert shown is not None
        assert route_enters(town, shown, near)

    asyncio.run(go())


async def _declare(
    service: Service,
    area: Circle | Polygon,
    reason: DangerReason = DangerReason.ARMED_ATTACKERS,
    threat_id: str | None = None,
) -> str:
    out = await service.handle(
        DISPATCHER,
        DeclareDangerArea(command_id=uuid.uuid4(), area=area, reason=reason, threat_id=threat_id),
    )
    return str(out.events[0].event.area_id)  # type: ignore[attr-defined]


def _circle(at: tuple[float, float], radius_m: float) -> Circle:
    return Circle(lat=at[1], lon=at[0], radius_m=radius_m)


def _square(town: Town, at: tuple[float, float], half_m: float) -> Polygon:
    """A square polygon centred on a place (lon/lat), `half_m` from its centre to each side."""
    x, y = town.to_xy(*at)
    corners = [(x - half_m, y - half_m), (x + half_m, y - half_m), (x + half_m, y + half_m)]
    corners.append((x - half_m, y + half_m))
    return Polygon(ring=tuple(tuple(map(float, town.to_lonlat(cx, cy))) for cx, cy in corners))


def test_only_an_attackers_area_over_where_the_group_is_now_stands_for_it(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    medic_at, call_at, threat_at, cop_at = _scene(town, dispatcher, spots)

    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        live = DispatchService(service, town)
        live.reuse_slow_plans = False
        await check_in(service, "acc_medic", ResponderKind.MEDIC, {MEDIC, VEHICLE}, medic_at[::-1])
        await check_in(
            service, "acc_cop", ResponderKind.POLICE_ON_DUTY, {Capability.ARMED}, cop_at[::-1]
        )
        await service.handle(
            Actor("acc_res", Role.RESIDENT),
            RaiseSos(
                command_id=uuid.uuid4(), where=GeoPoint(lat=call_at[1], lon=call_at[0]), injured=1
            ),
        )
        track = await _sighted(service, threat_at)
        circle = undeclared_area_id(track)
        assert [a.id for a in live.planned().areas] == [circle]
        view = live.board().track(track)
        assert view is not None
        estimate = (view.lon, view.lat)

        def ids() -> set[str]:
            return {a.id for a in live.planned().areas}

        # One declared for them where the group was (it does not follow them): theirs stays.
        moved = await _declare(
            service, _circle((call_at[0] + 0.05, call_at[1]), 100), threat_id=track
        )
        board = live.planned()
        assert {a.id for a in board.areas} == {moved, circle}
        # ... and the armed sent to them may enter the area declared for them, and theirs.
        assert board.around[track] == {moved, circle}
        assert board.plan is not None
        cop = _rec(board.plan.recommendations, "acc_cop")
        assert (cop.task_id, cop.task_kind) == (track, TaskKind.THREAT)
        assert circle in cop.enters
        medic = _rec(board.plan.recommendations, "acc_medic")
        assert medic.facts == (Fact(AVOIDS_UNDECLARED, 1),)
        # Another reason's area over them (a fire), not declared for them: no attackers' area.
        fire = await _declare(service, _circle(estimate, 400), DangerReason.FIRE)
        assert ids() == {moved, fire, circle}
        # An attackers' area whose edge passes 5 m beyond their estimate: their position error
        # reaches out of it, and the streets just outside would be open a few metres from them.
        x, y = town.to_xy(*estimate)
        edge = tuple(map(float, town.to_lonlat(x + 145.0, y)))
        rim = await _declare(service, _circle(edge, 150))
        assert ids() == {moved, fire, rim, circle}
        # One over where they are now, their error inside it, stands for them, as wide as drawn.
        assert view.position_error_m < 150
        here = await _declare(service, _circle(estimate, 150))
        assert ids() == {moved, fire, rim, here}
        assert circle not in live.planned().around.get(track, set())

    asyncio.run(go())


def test_a_hostage_polygon_stands_for_the_attackers_only_when_it_holds_where_they_are(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    _, _, threat_at, _ = _scene(town, dispatcher, spots)

    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        live = DispatchService(service, town)
        track = await _sighted(service, threat_at)
        circle = undeclared_area_id(track)
        view = live.board().track(track)
        assert view is not None
        x, y = town.to_xy(view.lon, view.lat)
        # A square 200 m to the east of them: it holds most of their circle, not them.
        beside = tuple(map(float, town.to_lonlat(x + 200.0, y)))
        off = await _declare(service, _square(town, beside, 150), DangerReason.HOSTAGE_SITUATION)
        assert {a.id for a in live.board().areas} == {off, circle}
        over = await _declare(
            service, _square(town, (view.lon, view.lat), 60), DangerReason.HOSTAGE_SITUATION
        )
        assert {a.id for a in live.board().areas} == {off, over}

    asyncio.run(go())


def test_without_a_town_map_an_area_holds_them_by_the_great_circle_distance() -> None:
    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        live = DispatchService(service, None)
        track = await _sighted(service, (34.79, 31.25))
        circle = undeclared_area_id(track)
        view = live.board().track(track)
        assert view is not None
        # ~470 m east of the estimate: 400 m wide misses them, 520 m holds them.
        beside = (view.lon + 0.005, view.lat)
        near = await _declare(service, _circle(beside, 400))
        assert {a.id for a in live.board().areas} == {near, circle}
        holds = await _declare(service, _circle(beside, 520))
        assert {a.id for a in live.board().areas} == {near, holds}

    asyncio.run(go())


def test_attackers_gone_stale_or_neutralised_close_nothing(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    _, _, threat_at, _ = _scene(town, dispatcher, spots)

    async def go() -> None:
        clock = ManualClock(START)
        service = Service(MemoryEventLog(), clock)
        live = DispatchService(service, town)
        track = await _sighted(service, threat_at)
        assert [a.id for a in live.board().areas] == [undeclared_area_id(track)]
        # Not reported for an hour: whereabouts unknown, nothing to route around.
        later = clock.advance(timedelta(hours=1))
        assert live.board(later).track(track).status is TrackStatus.STALE  # type: ignore[union-attr]
        assert live.board(later).areas == ()
        # Seen again (a new track), then neutralised.
        again = await _sighted(service, threat_at)
        assert [a.id for a in live.board().areas] == [undeclared_area_id(again)]
        await service.handle(DISPATCHER, NeutraliseTrack(command_id=uuid.uuid4(), track_id=again))
        assert live.board().areas == ()

    asyncio.run(go())
