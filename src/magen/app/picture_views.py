"""Views of tracks, incidents, scale, recommendations, assignments and call-ups, by role.

The threat picture (tracks, incidents, scale, recommendations) is for the field: operators,
responders and medics; residents and anonymous callers never see it. An assignment is seen by
operators and by the responder it sends; a call-up by operators and by the responders it
reaches: those it called, and any checked-in responder now within its radius (by their last
position) with the capabilities it asks for. The sections below put these views in
GET /api/v1/picture; they need the dispatch service attached to the state's service (for the
time and the town) and are left out without one. A state folded to a past position gets
them from its replay (`DispatchService.replay`), judged at that position's time.

An assignment whose responder is on the way carries the street route to its target as a
GeoJSON Feature (a LineString of WGS84 [lon, lat]), as the dispatch engine routes: around
the danger areas, except those around the target for an armed responder.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from magen.app.auth import Audience, sees
from magen.app.dispatch import BEFORE_THE_LOG, Board, Boards, DispatchService
from magen.app.projections import section
from magen.dispatch.assign import Plan, Recommendation, Route, Task, Unmet
from magen.domain.base import Actor
from magen.domain.dispatch import Assignment, CallUp, Dispatch, distance_m
from magen.domain.errors import Forbidden, InvalidCommand
from magen.domain.responders import Responder, Responders
from magen.domain.state import State
from magen.picture.fusion import TrackView
from magen.picture.incidents import Incident
from magen.picture.metric import LocalFrame
from magen.picture.scale import ScaleEstimate


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def track_view(t: TrackView, now: datetime) -> dict[str, Any]:
    """A track as the API shows it."""
    return {
        "id": t.track_id,
        "status": t.status.value,
        "open": t.open,
        "confirmed": t.confirmed,
        "credible": t.credible,
        "lat": t.lat,
        "lon": t.lon,
        "position_error_m": round(t.position_error_m, 1),
        "last_reported": {"lat": t.last_reported_lat, "lon": t.last_reported_lon},
        "first_seen": t.first_seen.isoformat(),
        "last_seen": t.last_seen.isoformat(),
        "age_s": round(max((now - t.first_seen).total_seconds(), 0.0), 1),
        "since_seen_s": round(max((now - t.last_seen).total_seconds(), 0.0), 1),
        "heading_deg": round(t.heading_deg, 1) if t.heading_deg is not None else None,
        "speed_mps": round(t.speed_mps, 2),
        "mobility": t.mobility.value,
        "armed": t.armed.value,
        "count": {
            "estimate": t.size.estimate,
            "low": t.size.low,
            "high": t.size.high,
            "claims": t.size.claims,
        },
        "confidence": {
            "level": t.confidence.level.value,
            "score": round(t.confidence.score, 3),
            "reporters": t.confidence.reporters,
            "verified": t.confidence.verified,
            "registered": t.confidence.registered,
            "anonymous": t.confidence.anonymous,
        },
        "sightings": t.sightings,
        "merged_into": t.merged_into,
        "closed_at": _iso(t.closed_at),
    }


def incident_view(i: Incident) -> dict[str, Any]:
    """An incident as the API shows it."""
    return {
        "id": i.incident_id,
        "sos_ids": list(i.sos_ids),
        "callers": len(i.reporters),
        "lat": i.lat,
        "lon": i.lon,
        "people": i.people,
        "injured": i.injured,
        "children": i.children,
        # Several callers: the least there are (the largest report, above) and the most they
        # say (their reports added up, each caller once).
        "people_high": i.people_high,
        "injured_high": i.injured_high,
        "children_high": i.children_high,
        "silent": i.silent,
        "open": i.open,
        "outcome": i.outcome.value if i.outcome is not None else None,
        "first_raised": i.first_raised.isoformat(),
        "last_raised": i.last_raised.isoformat(),
        "resolved_at": _iso(i.resolved_at),
        "waiting_s": round(i.waiting_s, 1),
        "long_running": i.long_running,
        "nearest_threat": (
            {"id": i.nearest_threat_id, "distance_m": round(i.nearest_threat_m or 0.0, 1)}
            if i.nearest_threat_id is not None
            else None
        ),
        "priority": i.priority,
        "urgency": i.urgency.value,
        "reasons": list(i.reasons),
        # The reasons as facts (code, number) for a client to say in its language.
        "reason_facts": [fact_view(f) for f in i.reason_facts],
    }


def _judged_at(board: Board) -> str | None:
    """When the board was judged; None for a replay before the first event (nothing to judge)."""
    return None if board.as_of == BEFORE_THE_LOG else board.as_of.isoformat()


def scale_view(s: ScaleEstimate, board: Board) -> dict[str, Any]:
    """The scale estimate as the API shows it."""
    return {
        "as_of": _judged_at(board),
        "position": board.position,
        "groups": s.groups,
        "attackers": {"estimate": s.attackers, "low": s.attackers_low, "high": s.attackers_high},
        "uncounted_groups": s.uncounted_groups,
        "unverified_groups": s.unverified_groups,
        "stale_groups": s.stale_groups,
        "area_km2": round(s.area_km2, 4),
        "streets": list(s.streets),
    }


def _target(kind: str, target_id: str) -> dict[str, str]:
    return {"kind": "track" if kind == "threat" else kind, "id": target_id}


class _Coded(Protocol):
    """A fact behind a text (a dispatch `Fact`, an incident's `Reason`)."""

    @property
    def code(self) -> str: ...

    @property
    def n(self) -> int | None: ...


def fact_view(f: _Coded | None) -> dict[str, Any] | None:
    """A fact behind a text: its code and the number it counts (for words in any language)."""
    return {"code": f.code, "n": f.n} if f is not None else None


def _task_facts(task: Task | None) -> list[dict[str, Any] | None]:
    return [fact_view(f) for f in task.facts] if task is not None else []


def recommendation_view(r: Recommendation, board: Board) -> dict[str, Any]:
    """A recommendation as the API shows it.

    `responder`, `task`, `need.why` and `reason` are English sentences; the facts they are
    made of are beside them for a client to say in its own language: `responder_kind`,
    `task_facts`, `need.fact`, `mode`, `travel_s`, `nearest`, `nearer_needed_elsewhere` and
    the danger areas the route `leaves`, `avoids` and `enters` (by id; `undeclared:<track>`
    for a threat with no area declared around it yet, also said in `facts`)."""
    task = board.task(r.task_id)
    unit = board.units.get(r.responder_id)
    need = task.needs[r.need] if task is not None else None
    return {
        "id": r.recommendation_id,
        "responder_id": r.responder_id,
        "responder": unit.label if unit is not None else None,
        "responder_kind": unit.kind if unit is not None else None,
        "target": _target(r.task_kind.value, r.task_id),
        "task": task.label if task is not None else None,
        "task_facts": _task_facts(task),
        "need": {
            "index": r.need,
            "requires": sorted(c.value for c in r.requires),
            "why": need.why if need is not None else "",
            "fact": fact_view(need.fact if need is not None else None),
        },
        "mode": r.mode.value,
        "travel_s": r.travel_s,
        "distance_m": r.distance_m,
        "priority": r.priority,
        "nearest": r.nearest,
        "nearer_needed_elsewhere": r.nearer,
        "leaves": list(r.leaves),
        "avoids": list(r.avoids),
        "enters": list(r.enters),
        # the route's facts: it goes around threats with no danger area over where they are now
        "facts": [fact_view(f) for f in r.facts],
        "reason": r.reason,
    }


def unmet_view(u: Unmet, board: Board) -> dict[str, Any]:
    """A need nobody is recommended for (`why` in English, `code` for other languages)."""
    task = board.task(u.task_id)
    kind = task.kind.value if task is not None else "incident"
    return {
        "target": _target(kind, u.task_id),
        "task": task.label if task is not None else None,
        "task_facts": _task_facts(task),
        "need": {"index": u.need, "requires": sorted(c.value for c in u.requires)},
        "why": u.why,
        "code": u.code,
        "within_s": u.within_s,  # "unreachable": within how long nobody able can reach it
    }


def recommendations_view(board: Board, plan: Plan) -> dict[str, Any]:
    """Every current recommendation, the needs left unmet, and what the plan cost."""
    return {
        "as_of": _judged_at(board),
        "position": board.position,
        "recommendations": [recommendation_view(r, board) for r in plan.recommendations],
        "unmet": [unmet_view(u, board) for u in plan.unmet],
        "available_responders": len(board.units),
        "open_tasks": len(board.tasks),
    }


def route_feature(route: Route | None) -> dict[str, Any] | None:
    """A street route as a GeoJSON Feature: a LineString, with its mode, time and length."""
    if route is None or len(route.lonlat) < 2:
        return None
    return {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": [[round(lon, 7), round(lat, 7)] for lon, lat in route.lonlat],
        },
        "properties": {
            "mode": route.mode.value,
            "travel_s": round(route.travel_s, 1),
            "distance_m": round(route.distance_m, 1),
        },
    }


def assignment_view(
    a: Assignment, board: Board | None = None, route: Route | None = None
) -> dict[str, Any]:
    """An assignment as the API shows it, with its route while the responder is on the way."""
    target_open: bool | None = None
    task_id = a.target_id
    if board is not None:
        task_id = board.task_of.get(a.target_id, a.target_id)
        if a.target.value == "track":
            t = board.track(task_id)
            target_open = t is not None and t.open
        elif a.target.value == "responder":
            target_open = a.target_id in board.wounded  # still wounded, not yet attended
        else:
            i = board.incident(a.target_id)
            target_open = i is not None and i.open
    return {
        "id": a.assignment_id,
        "responder_id": a.responder_id,
        "target": {"kind": a.target.value, "id": a.target_id},
        "task_id": task_id,
        "target_open": target_open,
        "recommendation_id": a.recommendation_id,
        "accepted_recommendation": a.recommendation_id is not None,
        "status": a.status.value,
        "active": a.active,
        "note": a.note,
        "made_at": a.made_at.isoformat(),
        "made_by": a.made_by,
        "acknowledged_at": _iso(a.acknowledged_at),
        "arrived_at": _iso(a.arrived_at),
        "closed_at": _iso(a.closed_at),
        "outcome_note": a.outcome_note,
        "route": route_feature(route),
    }


def reaches(c: CallUp, r: Responder) -> bool:
    """Whether a call-up is meant for a responder: called, or now within its radius."""
    if r.responder_id in c.called:
        return True
    if not r.active or r.where is None or not c.capabilities <= r.capabilities:
        return False
    return distance_m(c.lon, c.lat, r.where.lon, r.where.lat) <= c.radius_m


def callup_view(c: CallUp, actor: Actor) -> dict[str, Any]:
    """A call-up as an operator (everything) or a responder (its own answer) sees it."""
    answers = [
        {
            "responder_id": a.responder_id,
            "coming": a.coming,
            "eta_min": a.eta_min,
            "note": a.note,
            "at": a.at.isoformat(),
        }
        for a in sorted(c.answers.values(), key=lambda a: a.responder_id)
        if sees(actor, Audience.OPERATORS) or a.responder_id == actor.account_id
    ]
    view: dict[str, Any] = {
        "id": c.callup_id,
        "lat": c.lat,
        "lon": c.lon,
        "radius_m": c.radius_m,
        "capabilities": sorted(x.value for x in c.capabilities),
        "note": c.note,
        "issued_at": c.issued_at.isoformat(),
        "open": c.open,
        "closed_at": _iso(c.closed_at),
        "called": len(c.called),
        "coming": sum(1 for a in c.answers.values() if a.coming),
        "answers": answers,
    }
    if sees(actor, Audience.OPERATORS):
        view["called_ids"] = list(c.called)
    return view


def visible_assignments(
    state: State, actor: Actor, *, include_closed: bool = False
) -> list[Assignment]:
    """The assignments an actor may see: all for operators, their own for a responder."""
    items = [a for a in state.slice(Dispatch).assignments.values() if include_closed or a.active]
    if sees(actor, Audience.OPERATORS):
        return items
    if sees(actor, Audience.FIELD) and actor.account_id is not None:
        return [a for a in items if a.responder_id == actor.account_id]
    return []


def visible_callups(state: State, actor: Actor, *, include_closed: bool = False) -> list[CallUp]:
    """The call-ups an actor may see: all for operators, those reaching them for responders."""
    items = [c for c in state.slice(Dispatch).callups.values() if include_closed or c.open]
    if sees(actor, Audience.OPERATORS):
        return items
    me = state.slice(Responders).by_id.get(actor.account_id or "")
    if not sees(actor, Audience.FIELD) or me is None:
        return []
    return [c for c in items if reaches(c, me)]


# --- picture sections ---------------------------------------------------------------------


def _boards(state: State, actor: Actor) -> Boards | None:
    return DispatchService.for_state(state) if sees(actor, Audience.FIELD) else None


def _board(state: State, actor: Actor) -> Board | None:
    found = _boards(state, actor)
    return found.board() if found is not None else None


def assignments_with_routes(
    found: Boards | None, assignments: list[Assignment]
) -> list[dict[str, Any]]:
    """Assignments as the API shows them, each routed from its responder's last position."""
    if found is None:
        return [assignment_view(a) for a in assignments]
    board = found.board()
    return [assignment_view(a, board, found.assignment_route(board, a)) for a in assignments]


@section("tracks")
def _tracks(state: State, actor: Actor) -> list[dict[str, Any]] | None:
    board = _board(state, actor)
    if board is None:
        return None
    return [track_view(t, board.as_of) for t in board.tracks if t.open]


@section("incidents")
def _incidents(state: State, actor: Actor) -> list[dict[str, Any]] | None:
    board = _board(state, actor)
    if board is None:
        return None
    return [incident_view(i) for i in board.incidents if i.open]


@section("scale")
def _scale(state: State, actor: Actor) -> dict[str, Any] | None:
    found = _boards(state, actor)
    if found is None:
        return None
    board = found.board()
    return scale_view(found.scale(board), board)


@section("recommendations")
def _recommendations(state: State, actor: Actor) -> dict[str, Any] | None:
    found = _boards(state, actor)
    board = found.planned() if found is not None else None
    if board is None or board.plan is None:
        return None
    return recommendations_view(board, board.plan)


@section("assignments")
def _assignments(state: State, actor: Actor) -> list[dict[str, Any]] | None:
    if not sees(actor, Audience.FIELD):
        return None
    return assignments_with_routes(_boards(state, actor), visible_assignments(state, actor))


@section("callups")
def _callups(state: State, actor: Actor) -> list[dict[str, Any]] | None:
    if not sees(actor, Audience.FIELD):
        return None
    return [callup_view(c, actor) for c in visible_callups(state, actor)]


# --- the picture around a place (a responder's phone on a weak link) ----------------------

# The area view's radius: the default, and the bounds a request may ask for.
AROUND_RADIUS_M = 2000
AROUND_MIN_M = 100
AROUND_MAX_M = 20000
# How far either side of my route to my task a threat or a danger area still counts.
ROUTE_CORRIDOR_M = 300.0
# A track's reach beyond its estimate: this many sigmas of its error, and the ground its speed
# covers since it was last seen (a group not seen for ten minutes may be anywhere near).
_SIGMAS = 3.0
# The sections the area view cuts to the area; what is in none of these, and not kept whole,
# is left out of it (and said to be in `scope.omitted` or `scope.left_out`).
_KEPT_WHOLE = ("alerts",)
_AREA_SECTIONS = (
    "assignments",
    "callups",
    "tracks",
    "incidents",
    "sos",
    "responders",
    "danger_areas",
)
_HEAD = ("position", "role", "generated_at")


@dataclass(frozen=True)
class Around:
    """Where an area view is centred, how far it reaches and where its centre came from."""

    lon: float
    lat: float
    radius_m: int
    near_from: str  # "request": the caller named it; "my_position": my last reported position
    near_at: datetime | None = None  # when that position was reported


def around_of(
    state: State, actor: Actor, near: tuple[float, float] | None, radius_m: int | None
) -> Around:
    """The area an actor asks to see: around `near` ([lon, lat]), else around their own last
    reported position. Only field roles see the threat picture an area view cuts; a caller
    with no position known must name one."""
    if not sees(actor, Audience.FIELD):
        raise Forbidden(
            "the area view is for field roles; the whole picture holds all this role may see"
        )
    radius = AROUND_RADIUS_M if radius_m is None else radius_m
    if not AROUND_MIN_M <= radius <= AROUND_MAX_M:
        raise InvalidCommand(f"radius_m must be {AROUND_MIN_M} to {AROUND_MAX_M} metres")
    if near is not None:
        lon, lat = near
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise InvalidCommand("near must be two finite numbers: lon,lat")
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise InvalidCommand("near is lon,lat: lon -180 to 180, lat -90 to 90")
        return Around(lon, lat, radius, "request")
    me = state.slice(Responders).by_id.get(actor.account_id or "")
    if me is None or me.where is None:
        raise InvalidCommand(
            "view=around needs near=<lon>,<lat>: no position of yours is known"
            " (check in or send your position)"
        )
    return Around(me.where.lon, me.where.lat, radius, "my_position", me.where_at)


_XY = tuple[float, float]


def _to_segment(p: _XY, a: _XY, b: _XY) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / span))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def _to_line(p: _XY, line: list[_XY]) -> float:
    if len(line) == 1:
        return math.hypot(p[0] - line[0][0], p[1] - line[0][1])
    return min(_to_segment(p, a, b) for a, b in itertools.pairwise(line))


def _inside(p: _XY, ring: list[_XY]) -> bool:
    hit = False
    for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (ay > p[1]) != (by > p[1]) and p[0] < ax + (p[1] - ay) * (bx - ax) / (by - ay):
            hit = not hit
    return hit


def _crosses(a: _XY, b: _XY, c: _XY, d: _XY) -> bool:
    def side(p: _XY, q: _XY, r: _XY) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _segments(line: list[_XY]) -> list[tuple[_XY, _XY]]:
    return list(itertools.pairwise(line)) if len(line) > 1 else [(line[0], line[0])]


def _line_to_ring(line: list[_XY], ring: list[_XY]) -> float:
    """The distance from a line (or a point) to a polygon: 0 where they touch or overlap."""
    if not ring:
        return math.inf
    if any(_inside(p, ring) for p in line):
        return 0.0
    edges = list(zip(ring, ring[1:] + ring[:1], strict=True))
    for a, b in _segments(line):
        if any(_crosses(a, b, c, d) for c, d in edges):
            return 0.0
    closed = ring + ring[:1]
    return min(*(_to_line(p, closed) for p in line), *(_to_line(q, line) for q in ring))


class _Area:
    """The ground an area view covers: circles (my place, my targets) and corridors (my
    routes), each a line of one or more points with the width it reaches either side."""

    def __init__(self, plane: LocalFrame) -> None:
        self.plane = plane
        self.parts: list[tuple[list[_XY], float]] = []

    def add(self, lonlat: list[tuple[float, float]], reach_m: float) -> None:
        if lonlat:
            self.parts.append(([self.plane.to_xy(lon, lat) for lon, lat in lonlat], reach_m))

    def near_point(self, lon: float, lat: float, reach_m: float = 0.0) -> bool:
        p = self.plane.to_xy(lon, lat)
        return any(_to_line(p, line) <= w + reach_m for line, w in self.parts)

    def near_ring(self, ring_lonlat: list[tuple[float, float]]) -> bool:
        ring = [self.plane.to_xy(lon, lat) for lon, lat in ring_lonlat]
        return any(_line_to_ring(line, ring) <= w for line, w in self.parts)


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def _lonlat(item: dict[str, Any]) -> tuple[float, float] | None:
    lon, lat = _num(item.get("lon")), _num(item.get("lat"))
    return (lon, lat) if lon is not None and lat is not None else None


def _track_reach_m(t: dict[str, Any]) -> float:
    """How far from its estimate a track may be now: its error and the ground since seen."""
    error = _num(t.get("position_error_m")) or 0.0
    speed = _num(t.get("speed_mps")) or 0.0
    since = _num(t.get("since_seen_s")) or 0.0
    return _SIGMAS * error + speed * since


def _near_track(area: _Area, t: dict[str, Any]) -> bool:
    at = _lonlat(t)
    if at is not None and area.near_point(*at, _track_reach_m(t)):
        return True
    last = t.get("last_reported") or {}
    seen = _lonlat(last) if isinstance(last, dict) else None
    return seen is not None and area.near_point(*seen)


def _near_danger(area: _Area, d: dict[str, Any]) -> bool:
    a = d.get("area") or {}
    if a.get("kind") == "circle":
        at = _lonlat(a)
        return at is not None and area.near_point(*at, _num(a.get("radius_m")) or 0.0)
    if a.get("kind") == "polygon":
        ring = [(float(c[0]), float(c[1])) for c in a.get("ring") or []]
        return area.near_ring(ring)
    return True  # a shape this view cannot measure is kept, never dropped unseen


def _route_lonlat(a: dict[str, Any]) -> list[tuple[float, float]]:
    route = a.get("route") or {}
    geometry = route.get("geometry") or {}
    if geometry.get("type") != "LineString":
        return []
    return [(float(c[0]), float(c[1])) for c in geometry.get("coordinates") or []]


def around_picture(
    full: dict[str, Any], state: State, actor: Actor, around: Around
) -> dict[str, Any]:
    """The part of an actor's picture (`full`, as `picture` gives it) that is around a place:
    what a responder's phone on a weak link needs, and never more than the full picture shows.

    Kept: my own assignments and call-ups that reach me, wherever they are, with their
    targets (track, incident and its SOS calls); my own entry among the responders; tracks
    whose estimate, widened by 3 sigmas of its error and the ground its speed covers since it
    was last seen, reaches within `radius_m` of the centre, of a target or of a call-up's
    place, or within `ROUTE_CORRIDOR_M` of my routes, or whose last report is there; danger
    areas, incidents and open SOS calls there; every official alert (zone-wide, few). Left
    out: everything else, each list counted in `scope.omitted` and every other section named
    in `scope.left_out`, so that a client never shows this as the whole picture.
    """
    me = actor.account_id
    plane = LocalFrame(around.lon, around.lat)  # metres east and north of the centre
    area = _Area(plane)
    area.add([(around.lon, around.lat)], float(around.radius_m))
    out: dict[str, Any] = {k: full[k] for k in _HEAD if k in full}
    kept: dict[str, list[dict[str, Any]]] = {}

    mine = [
        a for a in full.get("assignments", []) if me is not None and a.get("responder_id") == me
    ]
    kept["assignments"] = mine
    callups = state.slice(Dispatch).callups
    responder = state.slice(Responders).by_id.get(me or "")
    kept["callups"] = [
        c
        for c in full.get("callups", [])
        if (responder is not None and c["id"] in callups and reaches(callups[c["id"]], responder))
        or area.near_point(c["lon"], c["lat"])
    ]
    targets: set[str] = set()
    for a in mine:
        targets.update(str(x) for x in (a.get("target", {}).get("id"), a.get("task_id")) if x)
        area.add(_route_lonlat(a), ROUTE_CORRIDOR_M)

    tracks, incidents, sos = (full.get(k, []) for k in ("tracks", "incidents", "sos"))
    target_tracks = [t for t in tracks if t["id"] in targets]
    target_incidents = [
        i for i in incidents if i["id"] in targets or targets & set(i.get("sos_ids") or ())
    ]
    target_incident_ids = {i["id"] for i in target_incidents}
    target_sos_ids = targets | {s for i in target_incidents for s in i.get("sos_ids") or ()}
    target_sos = [s for s in sos if s["id"] in target_sos_ids]
    # My targets and the call-ups that reach me draw the area around them too: the threats
    # around the place I am sent to are the ones I will meet.
    for item in (*target_tracks, *target_incidents, *target_sos, *kept["callups"]):
        at = _lonlat(item)
        if at is not None:
            area.add([at], float(around.radius_m))

    kept["tracks"] = [t for t in tracks if t["id"] in targets or _near_track(area, t)]
    kept["incidents"] = [
        i
        for i in incidents
        if i["id"] in target_incident_ids
        or ((at := _lonlat(i)) is not None and area.near_point(*at))
    ]
    sos_of_kept = {s for i in kept["incidents"] for s in i.get("sos_ids") or ()}
    kept["sos"] = [
        s
        for s in sos
        if s["id"] in target_sos_ids
        or s["id"] in sos_of_kept
        or ((at := _lonlat(s)) is not None and area.near_point(*at))
    ]
    kept["responders"] = [r for r in full.get("responders", []) if r.get("id") == me]
    kept["danger_areas"] = [d for d in full.get("danger_areas", []) if _near_danger(area, d)]

    omitted: dict[str, int] = {}
    left_out: list[str] = []
    for name, value in full.items():
        if name in _HEAD:
            continue
        if name in _KEPT_WHOLE:
            out[name] = value
            omitted[name] = 0
        elif name in _AREA_SECTIONS and isinstance(value, list):
            out[name] = kept[name]
            omitted[name] = len(value) - len(kept[name])
        elif isinstance(value, list):
            omitted[name] = len(value)
        else:
            left_out.append(name)
    out["scope"] = {
        "view": "around",
        "near": [around.lon, around.lat],
        "near_from": around.near_from,
        "near_at": _iso(around.near_at),
        "radius_m": around.radius_m,
        "route_corridor_m": ROUTE_CORRIDOR_M,
        "omitted": omitted,
        "left_out": sorted(left_out),
    }
    return out
