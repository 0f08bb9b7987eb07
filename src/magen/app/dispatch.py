"""The dispatch board: tracks, incidents, open tasks and recommendations, derived from the log.

Everything here is a function of the folded state, the town and a time: tracks from the
picture's fusion, incidents from the SOS reports (`build_incidents`), active danger areas
from the alerts (and, for routing, one around each active threat with no declared attackers'
area over where it is now: `tasks.undeclared_threat_areas`), responders and their assignments
from the log.
Available responders are those checked in, reported available, with a known position and no
active assignment; assigned responders fill their task's needs before anything is
recommended. A responder who reported being wounded, with a known position, is a task
(`tasks.wounded_task`) until their status changes or an assignment to them completes
(`Dispatch.attended`); an assignment of theirs no longer fills its task's needs, so someone
is sent in their place. A board is computed when first asked for at a log position and time
(times are taken to `BOARD_EVERY_S`, so that a console polling every second does not
recompute every second) and reused until either moves; its recommendations likewise, except
that a slow plan (a big town) is not remade more often than it takes to make.
Recommendations are never recorded: accepting one records an assignment that names it.

The board of a past moment (the time slider) is the same computation over the state folded
to that log position, judged at the time of its event (`DispatchService.replay`): tracks go
stale, calls wait and danger areas expire as they did then, and the recommendations are what
the plan would have said. A responder on an assignment is shown the street route to its
target, around danger areas other than those around the target itself (`assignment_route`).
"""

from __future__ import annotations

import math
import time
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

import numpy as np
import shapely

from magen.app.guidance import engine_area, ground_dangers
from magen.app.service import Service
from magen.dispatch.assign import (
    DispatchConfig,
    Dispatcher,
    Plan,
    Recommendation,
    Route,
    Task,
    TaskKind,
    Unit,
)
from magen.dispatch.tasks import (
    AreaLink,
    NeedsConfig,
    WoundedResponder,
    escorted,
    every_task,
    incident_task,
    staffed,
    threat_task,
    undeclared_threat_areas,
)
from magen.domain.alerts import Alerts
from magen.domain.dispatch import (
    Assignment,
    AssignmentStatus,
    Dispatch,
    TargetKind,
    distance_m,
)
from magen.domain.picture import Picture
from magen.domain.reports import Reports
from magen.domain.responders import Capability, Responder, Responders, ResponderStatus
from magen.domain.state import State
from magen.geo.routing import DangerArea
from magen.geo.town import Town
from magen.picture.fusion import TrackView
from magen.picture.incidents import Incident, build_incidents
from magen.picture.scale import ScaleEstimate, TownStreets, estimate_scale

BOARD_EVERY_S = 5.0
# Routes kept for reuse: one per responder on the way, a few boards' worth.
ROUTE_CACHE = 256
# A responder on an assignment is shown a route until they report arriving.
_ON_THE_WAY = frozenset({AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED})
# An armed responder who has arrived is an escort, or cover beside the place, only while on
# scene or engaged there: one out of ammunition, off duty or wounded covers nobody (their
# status may change while the assignment stays arrived).
_COVERING = frozenset({ResponderStatus.ON_SCENE, ResponderStatus.ENGAGED})
# Plans slower than this are reused while younger than their own time over PLAN_SHARE.
SLOW_PLAN_S = 0.2
PLAN_SHARE = 0.25

_LABELS = {
    "police_on_duty": "officer",
    "police_off_duty": "off-duty officer",
    "volunteer": "volunteer",
    "medic": "medic",
    "other": "responder",
}


@dataclass(frozen=True, eq=False)
class Board:
    """The dispatch picture at one log position and time."""

    position: int
    as_of: datetime
    tracks: tuple[TrackView, ...]  # open ones (stale included), then closed ones
    incidents: tuple[Incident, ...]  # open ones by priority, then resolved ones
    tasks: tuple[Task, ...]
    units: Mapping[str, Unit]  # available responders, by id
    plan: Plan | None  # None without a town map
    # The danger areas routes go around: the declared ones, then those standing for active
    # threats none is declared around yet (`assign.undeclared_track` names their track)
    areas: tuple[DangerArea, ...]
    # An assignment's target (an SOS of an incident, a track merged into another) -> task id
    task_of: Mapping[str, str]
    # Responders on their way to an assignment, with a known position, by id
    travellers: Mapping[str, Unit] = field(default_factory=dict)
    # Danger areas declared around a track, an incident or an SOS, by that id
    around: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Wounded responders not attended yet, with a known position, by id
    wounded: Mapping[str, WoundedResponder] = field(default_factory=dict)
    # Every task as this board built it, with all its needs (before those assigned fill
    # them), by id: what a recommendation accepted for it sends a responder to (`target`)
    built: Mapping[str, Task] = field(default_factory=dict)
    # How tasks' needs are judged (for a stale track's task, which `built` does not hold)
    needs: NeedsConfig = field(default_factory=NeedsConfig)
    # Incidents and wounded responders in an active danger area with an armed responder
    # assigned, by task id: an unarmed medic sent there may enter the areas they lie in
    escorted: frozenset[str] = frozenset()
    _recs: dict[str, Recommendation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.plan is not None:
            self._recs.update({r.recommendation_id: r for r in self.plan.recommendations})

    def recommendation(self, recommendation_id: str) -> Recommendation | None:
        """A current recommendation by id."""
        return self._recs.get(recommendation_id)

    def task(self, task_id: str) -> Task | None:
        """An open task by id."""
        return next((t for t in self.tasks if t.task_id == task_id), None)

    def track(self, track_id: str) -> TrackView | None:
        """A track by id."""
        return next((t for t in self.tracks if t.track_id == track_id), None)

    def incident(self, incident_id: str) -> Incident | None:
        """An incident by its id or the id of any of its SOS reports."""
        key = self.task_of.get(incident_id, incident_id)
        return next((i for i in self.incidents if i.incident_id == key), None)

    def target(self, a: Assignment) -> Task | None:
        """Where an assignment sends its responder, as a task (None once the target closed).

        The danger areas declared around the target are open to an armed responder, and those
        an escorted target lies in to an unarmed medic, as they are for the recommendations.
        """
        if a.target is TargetKind.RESPONDER:
            # The task as the board built it (whether a medic was free, the needs' config),
            # as it was recommended and accepted.
            task = self.built.get(a.target_id)
            if task is None or a.target_id not in self.wounded:
                return None
            names = {a.target_id}
        elif a.target is TargetKind.TRACK:
            track = self.track(self.task_of.get(a.target_id, a.target_id))
            if track is None or not track.open:
                return None
            # A stale track has no task on the board: its responders still go to it.
            task = self.built.get(track.track_id) or threat_task(track, self.needs)
            names = {a.target_id, track.track_id}
        else:
            incident = self.incident(a.target_id)
            if incident is None or not incident.open:
                return None
            task = self.built.get(incident.incident_id) or incident_task(
                incident, {t.track_id: t for t in self.tracks}, self.needs
            )
            names = {a.target_id, incident.incident_id, *incident.sos_ids}
        areas = frozenset().union(*(self.around.get(n, frozenset()) for n in names))
        return replace(task, open_areas=areas, escorted=task.task_id in self.escorted)


def _final_track(views: Mapping[str, TrackView], track_id: str) -> str:
    seen = set()
    while track_id not in seen:
        seen.add(track_id)
        view = views.get(track_id)
        if view is None or view.merged_into is None:
            return track_id
        track_id = view.merged_into
    return track_id


class Boards(Protocol):
    """Where the picture's dispatch sections come from: the live board, or a past one."""

    def board(self) -> Board:
        """The board without its plan."""
        ...

    def planned(self) -> Board:
        """The board with its recommendations."""
        ...

    def scale(self, board: Board) -> ScaleEstimate:
        """The attack's scale as the board's tracks stand."""
        ...

    def assignment_route(self, board: Board, a: Assignment) -> Route | None:
        """The street route of a responder on the way to an assignment."""
        ...


class DispatchService:
    """Derives the dispatch board of one service's state (and town, when it has one)."""

    def __init__(
        self,
        service: Service,
        town: Town | None,
        *,
        config: DispatchConfig | None = None,
        needs: NeedsConfig | None = None,
    ) -> None:
        self.service = service
        self.town = town
        self.needs = needs or NeedsConfig()
        self.dispatcher = Dispatcher(town, config) if town is not None else None
        self._streets = TownStreets(town) if town is not None else None
        self._board: Board | None = None
        self._key: tuple[int, datetime] | None = None
        self._planned: Board | None = None
        self._planned_at = 0.0
        self._plan_s = 0.0
        # Off where runs must not depend on the machine's speed (a seeded simulation): reuse
        # is judged by wall time, so a loaded machine would otherwise change what is planned.
        self.reuse_slow_plans = True
        self.computed = 0
        self.compute_ms: list[float] = []
        self._routes: OrderedDict[tuple[object, ...], Route | None] = OrderedDict()
        self.routed = 0  # routes searched (not taken from the cache), for tests and metrics

    @classmethod
    def attach(cls, service: Service, town: Town | None) -> DispatchService:
        """A dispatch service over `service`, findable from its state (`for_state`)."""
        found = cls(service, town)
        _ATTACHED.add(found)
        found.warm()
        return found

    @staticmethod
    def for_state(state: State) -> Boards | None:
        """The boards of a state: the live service's, or a replay's while it is kept."""
        for d in list(_ATTACHED):
            if d.service.state is state:
                return d
        return _REPLAYS.get(id(state))

    def replay(self, state: State, as_of: datetime | None) -> PastBoards:
        """The boards of a state folded to a past position, judged at `as_of` (its event's
        time; None before the first event). Findable by `for_state` while it is kept."""
        past = PastBoards(self, state, as_of)
        _REPLAYS[id(state)] = past
        return past

    def warm(self) -> None:
        """Build the town's dispatch graphs and landmarks now, not on the first request."""
        if self.dispatcher is not None:
            for graph in self.dispatcher.net.graphs.values():
                _ = graph.landmarks
                graph.points(graph.town.streets.node_xy[:1])

    def now(self) -> datetime:
        """The service clock's time."""
        return self.service.clock.now()

    def _now(self, now: datetime | None) -> datetime:
        return now or self.now()

    def board(self, now: datetime | None = None) -> Board:
        """The board at the state's position and `now` (to `BOARD_EVERY_S`), without a plan."""
        key = (self.service.state.position, self._stamp(self._now(now)))
        if self._board is None or self._key != key:
            self._board = self.compute(self.service.state, key[1])
            self._key = key
        return self._board

    def planned(self, now: datetime | None = None) -> Board:
        """The board with its recommendations (`plan`; None without a town map).

        Computed for the current position and time, except that a plan slower than
        `SLOW_PLAN_S` is reused until `PLAN_SHARE` of the time since it was made went into
        making it: on a big town a console polling the picture must not keep a core busy.
        Each plan carries the position and time it was made at.
        """
        board = self.board(now)
        done = self._planned
        if done is not None and (done.position, done.as_of) == (board.position, board.as_of):
            return done
        young = time.monotonic() - self._planned_at < self._plan_s / PLAN_SHARE
        if done is not None and self.reuse_slow_plans and self._plan_s > SLOW_PLAN_S and young:
            return done
        started = time.perf_counter()
        self._planned = self.plan(board)
        self._plan_s = time.perf_counter() - started
        self._planned_at = time.monotonic()
        self.computed += 1
        self.compute_ms = [*self.compute_ms[-99:], self._plan_s * 1000]
        return self._planned

    def plan(self, board: Board) -> Board:
        """The board with the recommendations for it (no plan without a town)."""
        plan = None
        if self.dispatcher is not None:
            plan = self.dispatcher.plan(list(board.units.values()), board.tasks, board.areas)
        return replace(board, plan=plan, _recs={})

    @staticmethod
    def _stamp(at: datetime) -> datetime:
        stamp = math.floor(at.timestamp() / BOARD_EVERY_S) * BOARD_EVERY_S
        return datetime.fromtimestamp(stamp, UTC)

    def scale(self, board: Board) -> ScaleEstimate:
        """The attack's scale as the board's tracks stand."""
        return estimate_scale(board.tracks, namer=self._streets)

    def route(self, board: Board, rec: Recommendation) -> Route | None:
        """The street route of a recommendation."""
        task = board.task(rec.task_id)
        unit = board.units.get(rec.responder_id)
        if self.dispatcher is None or task is None or unit is None:
            return None
        return self.dispatcher.route(unit, task, board.areas)

    def assignment_route(self, board: Board, a: Assignment) -> Route | None:
        """The street route of a responder on the way to an assignment, from where they
        last reported (None once arrived, without a position or a town, or out of reach)."""
        unit = board.travellers.get(a.responder_id)
        if self.dispatcher is None or unit is None or a.status not in _ON_THE_WAY:
            return None
        task = board.target(a)
        if task is None:
            return None
        # Escorted or not is part of it: an escort gone, the medic's way in is closed again.
        key = (unit, task.lon, task.lat, task.kind, task.open_areas, task.escorted, board.areas)
        if key in self._routes:
            self._routes.move_to_end(key)
            return self._routes[key]
        found = self.dispatcher.route(unit, task, board.areas)
        self.routed += 1
        self._routes[key] = found
        while len(self._routes) > ROUTE_CACHE:
            self._routes.popitem(last=False)
        return found

    def _holds(self, outer: DangerArea, lon: float, lat: float, within_m: float) -> bool:
        """Whether a danger area holds a point at least `within_m` inside its edge (a group's
        estimate with its position error): on the town's map (polygons too, as routing
        shapes them), else circles only, by the great-circle distance (a polygon then holds
        nothing)."""
        if self.town is None or self.dispatcher is None:
            if outer.polygon is not None:
                return False
            return distance_m(lon, lat, outer.lon, outer.lat) + within_m <= outer.radius_m
        shape = self.dispatcher.net.shape(outer)
        x, y = self.town.to_xy(lon, lat)
        point = shapely.Point(float(x), float(y))
        if shapely.get_type_id(shape.core) == 0:  # a circle round a point: exactly
            return float(shapely.distance(point, shape.core)) + within_m <= shape.radius
        region = shape.core.buffer(shape.radius) if shape.radius > 0 else shape.core
        return bool(shapely.contains(region, point)) and (
            float(shapely.distance(point, region.boundary)) >= within_m
        )

    def _in_danger(
        self, places: Mapping[str, tuple[float, float]], areas: tuple[DangerArea, ...]
    ) -> set[str]:
        """Which places (by id) lie in any of the areas: on the town's map as the engine
        routes (polygons too; a place whose walk to its street passes within an area lies in
        it, as the engine reaches it), else in a circle by the great-circle distance."""
        if not places or not areas:
            return set()
        ids = sorted(places)
        if self.town is not None and self.dispatcher is not None:
            lon, lat = np.array([places[k] for k in ids], dtype=np.float64).T
            xy = np.column_stack(self.town.to_xy(lon, lat))
            net, reach = self.dispatcher.net, self.dispatcher.config.max_access_m
            inside = np.flatnonzero(net.lies_in(xy, areas, reach).any(axis=1))
            return {ids[i] for i in inside.tolist()}
        return _in_circles(places, areas)

    def compute(self, state: State, now: datetime) -> Board:
        """The board of any state (live or folded to a past position) judged at `now`."""
        fuser = state.slice(Picture).fuser
        tracks = fuser.tracks(now, include_closed=True) if fuser.sightings else []
        views = {t.track_id: t for t in tracks}
        live = [t for t in tracks if t.open]
        # The nearest threat along the streets fusion measures with (the town's, if loaded).
        incidents = build_incidents(
            state.slice(Reports).sos.values(), now, live, metric=fuser.metric
        )
        task_of: dict[str, str] = {}
        for i in incidents:
            task_of.update(dict.fromkeys(i.sos_ids, i.incident_id))
        for t in tracks:
            if t.merged_into is not None:
                task_of[t.track_id] = _final_track(views, t.track_id)
        dangers = sorted(state.slice(Alerts).active_danger_areas(now), key=lambda d: d.area_id)
        declared = tuple(engine_area(d.area_id, d.area) for d in dangers)
        links = [AreaLink(d.area_id, d.threat_id) for d in dangers]
        # Active threats no area is declared around yet are areas too, until one is: a
        # declared attackers' area (a ground threat, as guidance has it: armed attackers,
        # hostages, or declared for a threat) over where the group is now, its estimate and
        # position error inside, stands for it, as wide as the operator drew it beyond that.
        # Naming the track is not enough (declared areas stay where they were drawn while the
        # group moves on), nor is another reason's cordon.
        ground = {area_id for area_id, _ in ground_dangers(state.slice(Alerts), now)}
        attackers = [a for a in declared if a.id in ground]
        undeclared = [
            (circle, link)
            for circle, link in undeclared_threat_areas(live, config=self.needs)
            if not any(
                self._holds(a, circle.lon, circle.lat, _error(views, link.threat_id))
                for a in attackers
            )
        ]
        areas = declared + tuple(a for a, _ in undeclared)
        links += [link for _, link in undeclared]
        around: dict[str, set[str]] = {}
        for link in links:
            if link.threat_id is not None:
                around.setdefault(link.threat_id, set()).add(link.area_id)
        responders = state.slice(Responders).by_id
        dispatch = state.slice(Dispatch)
        assigned: dict[str, list[frozenset[Capability]]] = {}
        # Arrived and on scene or engaged (not out of ammunition, off duty, wounded): an escort.
        on_scene: dict[str, list[frozenset[Capability]]] = {}
        # The armed on scene anywhere, by a fix since arriving and fresh at `now`: cover nearby.
        armed_at: list[tuple[float, float]] = []
        max_age = self.needs.cover_fix_max_age_s
        travellers: dict[str, Unit] = {}
        for a in dispatch.assignments.values():
            r = responders.get(a.responder_id)
            # A wounded responder's assignment fills nothing: someone goes in their place.
            if a.active and r is not None and r.status is not ResponderStatus.WOUNDED:
                task_id = task_of.get(a.target_id, a.target_id)
                assigned.setdefault(task_id, []).append(r.capabilities)
                if a.status is AssignmentStatus.ARRIVED and r.active and r.status in _COVERING:
                    on_scene.setdefault(task_id, []).append(r.capabilities)
                    if (
                        Capability.ARMED in r.capabilities
                        and r.where is not None
                        and r.where_at is not None
                        and a.arrived_at is not None
                        # Where they are now, not where they were before they set off (a
                        # check-in's place, the last fix on the way), nor long ago.
                        and r.where_at >= a.arrived_at
                        and (now - r.where_at).total_seconds() <= max_age
                    ):
                        armed_at.append((r.where.lon, r.where.lat))
                if a.status in _ON_THE_WAY and r.active and r.where is not None:
                    travellers[r.responder_id] = _unit(r)
        units = {
            r.responder_id: _unit(r)
            for r in sorted(responders.values(), key=lambda r: r.responder_id)
            if r.active
            and r.where is not None
            and r.status is ResponderStatus.AVAILABLE
            and dispatch.active_assignment(r.responder_id) is None
        }
        wounded = {
            r.responder_id: WoundedResponder(r.responder_id, r.where.lon, r.where.lat, r.callsign)
            for r in sorted(responders.values(), key=lambda r: r.responder_id)
            if r.active
            and r.where is not None
            and r.status is ResponderStatus.WOUNDED
            and r.responder_id not in dispatch.attended
        }
        places = {i.incident_id: (i.lon, i.lat) for i in incidents if i.open}
        places.update({w.responder_id: (w.lon, w.lat) for w in wounded.values()})
        in_danger = self._in_danger(places, areas)
        every = every_task(
            incidents,
            tracks,
            areas=links,
            config=self.needs,
            wounded=wounded.values(),
            medic_free=any(Capability.MEDIC in u.capabilities for u in units.values()),
            in_danger=in_danger,
        )
        tasks = staffed(
            every,
            incidents,
            tracks,
            assigned=assigned,
            config=self.needs,
            in_danger=in_danger,
            on_scene=on_scene,
            armed_at=armed_at,
        )
        return Board(
            position=state.position,
            as_of=now,
            tracks=tuple(sorted(tracks, key=lambda t: not t.open)),
            incidents=tuple(incidents),
            tasks=tuple(tasks),
            units=units,
            plan=None,
            areas=areas,
            task_of=task_of,
            travellers=travellers,
            around={k: frozenset(v) for k, v in around.items()},
            wounded=wounded,
            built={t.task_id: t for t in every},
            needs=self.needs,
            escorted=frozenset(
                escorted(
                    every,
                    on_scene,
                    in_danger,
                    armed_at=armed_at,
                    within_m=self.needs.cover_within_m,
                )
            ),
        )


def _error(views: Mapping[str, TrackView], track_id: str | None) -> float:
    """How far a group's estimate may be from where it is (metres; 0 if not known)."""
    view = views.get(track_id) if track_id is not None else None
    return view.position_error_m if view is not None else 0.0


def _in_circles(
    places: Mapping[str, tuple[float, float]], areas: tuple[DangerArea, ...]
) -> set[str]:
    """Which places (by id) lie in a circle among the areas, by the great-circle distance."""
    return {
        k
        for k in sorted(places)
        if any(
            a.polygon is None and distance_m(*places[k], a.lon, a.lat) <= a.radius_m for a in areas
        )
    }


def target_kind(kind: TaskKind) -> TargetKind:
    """What an assignment accepting a recommendation for a task of this kind targets."""
    return {
        TaskKind.THREAT: TargetKind.TRACK,
        TaskKind.INCIDENT: TargetKind.INCIDENT,
        TaskKind.RESPONDER: TargetKind.RESPONDER,
    }[kind]


def _unit(r: Responder) -> Unit:
    assert r.where is not None
    return Unit(
        responder_id=r.responder_id,
        lon=r.where.lon,
        lat=r.where.lat,
        capabilities=r.capabilities,
        label=_LABELS.get(r.kind.value, "responder"),
        kind=r.kind.value,
    )


# Before the first event there is nothing to judge: any moment gives the same empty board.
BEFORE_THE_LOG = datetime.fromtimestamp(0, UTC)


class PastBoards:
    """The dispatch board of a state folded to a past log position, at that position's time.

    Computed on first use and kept with the object: a time slider coming back to a position
    it showed does not plan again. The state must not change while this is in use.
    """

    def __init__(self, dispatch: DispatchService, state: State, as_of: datetime | None) -> None:
        self.dispatch = dispatch
        self.state = state
        self.as_of = as_of if as_of is not None else BEFORE_THE_LOG
        self._board: Board | None = None
        self._planned: Board | None = None

    def board(self) -> Board:
        """The board as it stood then (not taken to `BOARD_EVERY_S`: a replay has one time)."""
        if self._board is None:
            self._board = self.dispatch.compute(self.state, self.as_of)
        return self._board

    def planned(self) -> Board:
        """The board with the recommendations the plan would have made then."""
        if self._planned is None:
            self._planned = self.dispatch.plan(self.board())
        return self._planned

    def scale(self, board: Board) -> ScaleEstimate:
        """The attack's scale as the board's tracks stood."""
        return self.dispatch.scale(board)

    def assignment_route(self, board: Board, a: Assignment) -> Route | None:
        """The route a responder on the way to an assignment was shown then."""
        return self.dispatch.assignment_route(board, a)


_ATTACHED: weakref.WeakSet[DispatchService] = weakref.WeakSet()
# Replays by the identity of their state; a replay keeps its state alive, so while an entry
# lives its key names that state and no other.
_REPLAYS: weakref.WeakValueDictionary[int, PastBoards] = weakref.WeakValueDictionary()
