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

from datetime import datetime
from typing import Any, Protocol

from magen.app.auth import Audience, sees
from magen.app.dispatch import BEFORE_THE_LOG, Board, Boards, DispatchService
from magen.app.projections import section
from magen.dispatch.assign import Plan, Recommendation, Route, Task, Unmet
from magen.domain.base import Actor
from magen.domain.dispatch import Assignment, CallUp, Dispatch, distance_m
from magen.domain.responders import Responder, Responders
from magen.domain.state import State
from magen.picture.fusion import TrackView
from magen.picture.incidents import Incident
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
    the danger areas the route `leaves`, `avoids` and `enters` (by id)."""
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
