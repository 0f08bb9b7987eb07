"""Dispatch: assignments of responders to incidents, threats and wounded responders, and
call-ups of the off-duty.

Recommendations are derived (`magen.dispatch`, `magen.app.dispatch`), never recorded; what is
recorded is what people did with them: a dispatcher assigns a responder (accepting a
recommendation, whose id is kept, or overriding it), the responder acknowledges, arrives and
completes, or someone cancels. A responder who reported being wounded is a target too (a
casualty under fire with a radio): once an assignment to them completes they are attended,
until their status changes from wounded. A call-up asks checked-in responders within a
radius (by their last position) to come; the responders it reached are fixed when it is
issued, and each answer (coming, or cannot) is recorded. Answering "coming" while off duty
makes a responder available for dispatch.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from magen.domain.base import (
    Actor,
    Command,
    DecisionContext,
    Event,
    Recorded,
    decider,
    event,
    evolver,
    upcaster,
)
from magen.domain.errors import Conflict, Forbidden, InvalidCommand, NotFound
from magen.domain.reports import Reports
from magen.domain.responders import (
    Capability,
    Responder,
    ResponderCheckedIn,
    ResponderCheckedOut,
    Responders,
    ResponderStatus,
    ResponderStatusChanged,
)
from magen.domain.state import State
from magen.domain.values import OPERATOR_ROLES, FreeText, GeoPoint

RefId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.:/-]+$")]
Radius = Annotated[float, Field(gt=0, le=20_000, allow_inf_nan=False)]
Capabilities = Annotated[frozenset[Capability], Field(max_length=len(Capability))]
# Mean Earth radius: call-up radii are a few kilometres, where a sphere is right to 0.5 %.
_EARTH_M = 6_371_008.8


class TargetKind(StrEnum):
    """What a responder is sent to."""

    INCIDENT = "incident"  # people calling for help (SOS reports merged into one incident)
    TRACK = "track"  # a threat track: armed attackers
    RESPONDER = "responder"  # a responder who reported being wounded


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


ACTIVE = frozenset(
    {AssignmentStatus.ASSIGNED, AssignmentStatus.ACKNOWLEDGED, AssignmentStatus.ARRIVED}
)


# --- slice --------------------------------------------------------------------------------


@dataclass
class Assignment:
    assignment_id: str
    responder_id: str
    target: TargetKind
    target_id: str
    recommendation_id: str | None  # None: the dispatcher overrode the recommendations
    note: str
    made_at: datetime
    made_by: str | None
    command_id: uuid.UUID | None  # of the command that made it, to recognise a retry
    status: AssignmentStatus = AssignmentStatus.ASSIGNED
    acknowledged_at: datetime | None = None
    arrived_at: datetime | None = None
    closed_at: datetime | None = None
    outcome_note: str = ""
    history: list[int] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass
class CallUpAnswer:
    responder_id: str
    coming: bool
    eta_min: int | None
    note: str
    at: datetime


@dataclass
class CallUp:
    callup_id: str
    lon: float
    lat: float
    radius_m: float
    capabilities: frozenset[Capability]
    note: str
    called: tuple[str, ...]  # responders within the radius when it was issued
    issued_at: datetime
    issued_by: str | None
    answers: dict[str, CallUpAnswer] = field(default_factory=dict)
    closed_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass
class Dispatch:
    """Slice: assignments and call-ups by id, each responder's active assignment, and the
    wounded responders attended since they reported it."""

    assignments: dict[str, Assignment] = field(default_factory=dict)
    active_by_responder: dict[str, str] = field(default_factory=dict)
    callups: dict[str, CallUp] = field(default_factory=dict)
    # Wounded responder -> the assignment to them that completed (until their status changes
    # from wounded, or they check in or out again): they need nobody else sent.
    attended: dict[str, str] = field(default_factory=dict)

    def active_assignment(self, responder_id: str) -> Assignment | None:
        """The assignment a responder is on now, if any."""
        found = self.active_by_responder.get(responder_id)
        return self.assignments.get(found) if found is not None else None


# --- events -------------------------------------------------------------------------------


@event
class AssignmentMade(Event):
    type: Literal["AssignmentMade"] = "AssignmentMade"
    assignment_id: str
    responder_id: str
    target: TargetKind
    target_id: str
    recommendation_id: str | None = None
    note: str = ""


@event
class AssignmentAcknowledged(Event):
    type: Literal["AssignmentAcknowledged"] = "AssignmentAcknowledged"
    assignment_id: str
    responder_id: str
    note: str = ""


@event
class ResponderArrived(Event):
    type: Literal["ResponderArrived"] = "ResponderArrived"
    assignment_id: str
    responder_id: str
    note: str = ""


@event
class AssignmentCompleted(Event):
    type: Literal["AssignmentCompleted"] = "AssignmentCompleted"
    version: ClassVar[int] = 2
    assignment_id: str
    responder_id: str
    note: str = ""
    # The wounded responder this completion attends (an assignment to a responder still
    # wounded when it completes); None for every other completion.
    attends: str | None = None
    # A completion recorded before `attends` (version 1) does not say whom it attends: its
    # upcaster marks it, and it is applied as it was then (see _on_completed).
    attends_unsaid: bool = False


@upcaster("AssignmentCompleted", 1)
def _completed_v1(body: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had no `attends`: a body without it is marked as not saying it."""
    return body if "attends" in body else {**body, "attends_unsaid": True}


@event
class AssignmentCancelled(Event):
    type: Literal["AssignmentCancelled"] = "AssignmentCancelled"
    assignment_id: str
    responder_id: str
    note: str = ""


@event
class CallUpIssued(Event):
    type: Literal["CallUpIssued"] = "CallUpIssued"
    callup_id: str
    centre: GeoPoint
    radius_m: float
    capabilities: frozenset[Capability]
    called: tuple[str, ...]
    note: str = ""


@event
class CallUpAcknowledged(Event):
    type: Literal["CallUpAcknowledged"] = "CallUpAcknowledged"
    callup_id: str
    responder_id: str
    coming: bool
    eta_min: int | None = None
    note: str = ""


@event
class CallUpClosed(Event):
    type: Literal["CallUpClosed"] = "CallUpClosed"
    callup_id: str
    called: tuple[str, ...]
    note: str = ""


# --- commands -----------------------------------------------------------------------------


class MakeAssignment(Command):
    """Send a responder to an incident or a threat track (a dispatcher)."""

    responder_id: RefId
    target: TargetKind
    target_id: RefId
    recommendation_id: RefId | None = None
    note: FreeText = ""


class AcknowledgeAssignment(Command):
    assignment_id: RefId
    note: FreeText = ""


class ReportArrival(Command):
    assignment_id: RefId
    note: FreeText = ""


class CompleteAssignment(Command):
    assignment_id: RefId
    note: FreeText = ""


class CancelAssignment(Command):
    assignment_id: RefId
    note: FreeText = ""


class IssueCallUp(Command):
    """Call checked-in responders within a radius (off duty included) to come."""

    centre: GeoPoint
    radius_m: Radius
    capabilities: Capabilities = frozenset()
    note: FreeText = ""


class AcknowledgeCallUp(Command):
    """A responder's answer to a call-up: coming, or cannot."""

    callup_id: RefId
    coming: bool
    eta_min: Annotated[int, Field(ge=0, le=600)] | None = None
    note: FreeText = ""


class CloseCallUp(Command):
    callup_id: RefId
    note: FreeText = ""


# --- rules --------------------------------------------------------------------------------


def _id(prefix: str, command_id: uuid.UUID) -> str:
    return f"{prefix}_{command_id.hex[:20]}"


def distance_m(a_lon: float, a_lat: float, b_lon: float, b_lat: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp = p2 - p1
    dl = math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def _checked_in(state: State, responder_id: str) -> Responder:
    r = state.slice(Responders).by_id.get(responder_id)
    if r is None or not r.active:
        raise NotFound(f"responder {responder_id} is not checked in", rule="not_checked_in")
    return r


def _check_target(state: State, cmd: MakeAssignment, responder: Responder, now: datetime) -> None:
    if cmd.target is TargetKind.RESPONDER:
        # (Sent to themselves, they would be wounded: refused before this.)
        hurt = _checked_in(state, cmd.target_id)
        if hurt.status is not ResponderStatus.WOUNDED:
            raise InvalidCommand(
                f"responder {cmd.target_id} is not wounded ({hurt.status.value})",
                rule="responder_not_wounded",
            )
        return
    if cmd.target is TargetKind.INCIDENT:
        from magen.picture.incidents import build_incidents

        reports = state.slice(Reports)
        if cmd.target_id not in reports.sos:
            raise NotFound(f"no incident {cmd.target_id}")
        found = next(
            (i for i in build_incidents(reports.sos.values(), now) if cmd.target_id in i.sos_ids),
            None,
        )
        if found is None or not found.open:
            raise InvalidCommand(f"incident {cmd.target_id} is closed", rule="incident_closed")
        return
    from magen.domain.picture import Picture
    from magen.picture.acts import UnknownTrack

    try:
        track = state.slice(Picture).fuser.track(cmd.target_id, now)
    except UnknownTrack:
        raise NotFound(f"no track {cmd.target_id}") from None
    if not track.open:
        raise InvalidCommand(
            f"track {cmd.target_id} is closed ({track.status.value})", rule="track_closed"
        )
    if Capability.ARMED not in responder.capabilities:
        raise InvalidCommand(
            f"responder {responder.responder_id} is not armed; a threat needs armed responders",
            rule="responder_not_armed",
        )


@decider(MakeAssignment)
def _assign(state: State, cmd: MakeAssignment, ctx: DecisionContext) -> list[Event]:
    responder = _checked_in(state, cmd.responder_id)
    if responder.status is ResponderStatus.WOUNDED:
        raise InvalidCommand(f"responder {cmd.responder_id} is wounded", rule="responder_wounded")
    if responder.status is ResponderStatus.OFF_DUTY:
        raise InvalidCommand(
            f"responder {cmd.responder_id} is off duty; call them up and wait for their answer",
            rule="responder_off_duty",
        )
    current = state.slice(Dispatch).active_assignment(cmd.responder_id)
    if current is not None:
        raise Conflict(
            f"responder {cmd.responder_id} is already assigned to {current.target.value} "
            f"{current.target_id} ({current.assignment_id}); complete or cancel that first",
            rule="responder_busy",
        )
    _check_target(state, cmd, responder, ctx.now)
    return [
        AssignmentMade(
            assignment_id=_id("asg", cmd.command_id),
            responder_id=cmd.responder_id,
            target=cmd.target,
            target_id=cmd.target_id,
            recommendation_id=cmd.recommendation_id,
            note=cmd.note,
        )
    ]


def _assignment(state: State, assignment_id: str, actor: Actor) -> Assignment:
    a = state.slice(Dispatch).assignments.get(assignment_id)
    if a is None:
        raise NotFound(f"no assignment {assignment_id}")
    if actor.role not in OPERATOR_ROLES and actor.account_id != a.responder_id:
        raise Forbidden("only the assigned responder or a dispatcher may do this")
    if not a.active:
        raise InvalidCommand(
            f"assignment {assignment_id} is already {a.status.value}", rule="assignment_moved_on"
        )
    return a


def _status_to(state: State, responder_id: str, status: ResponderStatus, note: str) -> list[Event]:
    """The status change that goes with a step of an assignment, when it changes anything."""
    r = state.slice(Responders).by_id.get(responder_id)
    if r is None or not r.active or r.status is status:
        return []
    return [ResponderStatusChanged(responder_id=responder_id, status=status, note=note)]


@decider(AcknowledgeAssignment)
def _ack(state: State, cmd: AcknowledgeAssignment, ctx: DecisionContext) -> list[Event]:
    a = _assignment(state, cmd.assignment_id, ctx.actor)
    if a.status is not AssignmentStatus.ASSIGNED:
        raise InvalidCommand(
            f"assignment {a.assignment_id} is already {a.status.value}", rule="assignment_moved_on"
        )
    return [
        AssignmentAcknowledged(
            assignment_id=a.assignment_id, responder_id=a.responder_id, note=cmd.note
        ),
        *_status_to(state, a.responder_id, ResponderStatus.EN_ROUTE, a.assignment_id),
    ]


@decider(ReportArrival)
def _arrived(state: State, cmd: ReportArrival, ctx: DecisionContext) -> list[Event]:
    a = _assignment(state, cmd.assignment_id, ctx.actor)
    if a.status is AssignmentStatus.ARRIVED:
        raise InvalidCommand(
            f"arrival at {a.target_id} is already recorded", rule="assignment_moved_on"
        )
    return [
        ResponderArrived(assignment_id=a.assignment_id, responder_id=a.responder_id, note=cmd.note),
        *_status_to(state, a.responder_id, ResponderStatus.ON_SCENE, a.assignment_id),
    ]


def _released(state: State, a: Assignment) -> list[Event]:
    # Only a responder still busy with this assignment becomes available: one who reported
    # being wounded or out of ammunition keeps that status.
    r = state.slice(Responders).by_id.get(a.responder_id)
    busy = {ResponderStatus.EN_ROUTE, ResponderStatus.ON_SCENE, ResponderStatus.ENGAGED}
    if r is None or r.status not in busy:
        return []
    return _status_to(state, a.responder_id, ResponderStatus.AVAILABLE, a.assignment_id)


def _attends(state: State, a: Assignment) -> str | None:
    """The wounded responder an assignment attends once it completes, if any: its target,
    while they are still wounded (one who recovered meanwhile needs no attending)."""
    if a.target is not TargetKind.RESPONDER:
        return None
    hurt = state.slice(Responders).by_id.get(a.target_id)
    if hurt is None or hurt.status is not ResponderStatus.WOUNDED:
        return None
    return a.target_id


@decider(CompleteAssignment)
def _complete(state: State, cmd: CompleteAssignment, ctx: DecisionContext) -> list[Event]:
    a = _assignment(state, cmd.assignment_id, ctx.actor)
    return [
        AssignmentCompleted(
            assignment_id=a.assignment_id,
            responder_id=a.responder_id,
            note=cmd.note,
            attends=_attends(state, a),
        ),
        *_released(state, a),
    ]


@decider(CancelAssignment)
def _cancel(state: State, cmd: CancelAssignment, ctx: DecisionContext) -> list[Event]:
    a = _assignment(state, cmd.assignment_id, ctx.actor)
    return [
        AssignmentCancelled(
            assignment_id=a.assignment_id, responder_id=a.responder_id, note=cmd.note
        ),
        *_released(state, a),
    ]


def called_responders(
    state: State, lon: float, lat: float, radius_m: float, capabilities: frozenset[Capability]
) -> tuple[str, ...]:
    """Checked-in, unassigned responders (off duty or available) within a radius, by id."""
    dispatch = state.slice(Dispatch)
    out = []
    for r in state.slice(Responders).by_id.values():
        if not r.active or r.where is None or not capabilities <= r.capabilities:
            continue
        if r.status not in (ResponderStatus.OFF_DUTY, ResponderStatus.AVAILABLE):
            continue
        if dispatch.active_assignment(r.responder_id) is not None:
            continue
        if distance_m(lon, lat, r.where.lon, r.where.lat) <= radius_m:
            out.append(r.responder_id)
    return tuple(sorted(out))


@decider(IssueCallUp)
def _call_up(state: State, cmd: IssueCallUp, ctx: DecisionContext) -> list[Event]:
    called = called_responders(
        state, cmd.centre.lon, cmd.centre.lat, cmd.radius_m, cmd.capabilities
    )
    return [
        CallUpIssued(
            callup_id=_id("cu", cmd.command_id),
            centre=cmd.centre,
            radius_m=cmd.radius_m,
            capabilities=cmd.capabilities,
            called=called,
            note=cmd.note,
        )
    ]


def _open_callup(state: State, callup_id: str) -> CallUp:
    c = state.slice(Dispatch).callups.get(callup_id)
    if c is None:
        raise NotFound(f"no call-up {callup_id}")
    if not c.open:
        raise InvalidCommand(f"call-up {callup_id} is closed", rule="callup_closed")
    return c


@decider(AcknowledgeCallUp)
def _answer(state: State, cmd: AcknowledgeCallUp, ctx: DecisionContext) -> list[Event]:
    c = _open_callup(state, cmd.callup_id)
    if ctx.actor.account_id is None:
        raise InvalidCommand("a responder must be signed in")
    me = _checked_in(state, ctx.actor.account_id)
    before = c.answers.get(me.responder_id)
    same = (cmd.coming, cmd.eta_min, cmd.note)
    if before is not None and (before.coming, before.eta_min, before.note) == same:
        return []
    events: list[Event] = [
        CallUpAcknowledged(
            callup_id=c.callup_id,
            responder_id=me.responder_id,
            coming=cmd.coming,
            eta_min=cmd.eta_min,
            note=cmd.note,
        )
    ]
    if cmd.coming and me.status is ResponderStatus.OFF_DUTY:
        events += _status_to(state, me.responder_id, ResponderStatus.AVAILABLE, c.callup_id)
    return events


@decider(CloseCallUp)
def _close_call_up(state: State, cmd: CloseCallUp, ctx: DecisionContext) -> list[Event]:
    c = _open_callup(state, cmd.callup_id)
    return [CallUpClosed(callup_id=c.callup_id, called=c.called, note=cmd.note)]


# --- evolvers -----------------------------------------------------------------------------


@evolver(AssignmentMade)
def _on_made(state: State, e: AssignmentMade, r: Recorded) -> None:
    d = state.slice(Dispatch)
    d.assignments[e.assignment_id] = Assignment(
        assignment_id=e.assignment_id,
        responder_id=e.responder_id,
        target=e.target,
        target_id=e.target_id,
        recommendation_id=e.recommendation_id,
        note=e.note,
        made_at=r.recorded_at,
        made_by=r.actor.account_id,
        command_id=r.command_id,
        history=[r.position],
    )
    d.active_by_responder[e.responder_id] = e.assignment_id


def _step(state: State, assignment_id: str, r: Recorded) -> Assignment | None:
    a = state.slice(Dispatch).assignments.get(assignment_id)
    if a is not None:
        a.history.append(r.position)
    return a


@evolver(AssignmentAcknowledged)
def _on_ack(state: State, e: AssignmentAcknowledged, r: Recorded) -> None:
    a = _step(state, e.assignment_id, r)
    if a is not None and a.status is AssignmentStatus.ASSIGNED:
        a.status = AssignmentStatus.ACKNOWLEDGED
        a.acknowledged_at = r.recorded_at


@evolver(ResponderArrived)
def _on_arrived(state: State, e: ResponderArrived, r: Recorded) -> None:
    a = _step(state, e.assignment_id, r)
    if a is not None and a.active:
        a.status = AssignmentStatus.ARRIVED
        a.acknowledged_at = a.acknowledged_at or r.recorded_at  # arriving says "I got it"
        a.arrived_at = r.recorded_at


def _close(
    state: State, assignment_id: str, r: Recorded, status: AssignmentStatus, note: str
) -> None:
    a = _step(state, assignment_id, r)
    if a is None or not a.active:
        return
    a.status = status
    a.closed_at = r.recorded_at
    a.outcome_note = note
    d = state.slice(Dispatch)
    if d.active_by_responder.get(a.responder_id) == assignment_id:
        del d.active_by_responder[a.responder_id]


@evolver(AssignmentCompleted)
def _on_completed(state: State, e: AssignmentCompleted, r: Recorded) -> None:
    d = state.slice(Dispatch)
    a = d.assignments.get(e.assignment_id)
    attends = e.attends
    if attends is None and e.attends_unsaid and a is not None:
        # Recorded before completions said whom they attend: applied as it was then, from
        # the responders' state at this point of the log (deterministic on every replay;
        # the one evolver read of another part, kept for those old logs only).
        attends = _attends(state, a)
    if a is not None and a.active and attends is not None:
        d.attended[attends] = a.assignment_id
    _close(state, e.assignment_id, r, AssignmentStatus.COMPLETED, e.note)


@evolver(ResponderStatusChanged)
def _on_responder_status(state: State, e: ResponderStatusChanged, r: Recorded) -> None:
    # Wounded again later (after recovering) is a new casualty, not the one attended.
    if e.status is not ResponderStatus.WOUNDED:
        state.slice(Dispatch).attended.pop(e.responder_id, None)


@evolver(ResponderCheckedIn)
def _on_responder_in(state: State, e: ResponderCheckedIn, r: Recorded) -> None:
    state.slice(Dispatch).attended.pop(e.responder_id, None)


@evolver(ResponderCheckedOut)
def _on_responder_out(state: State, e: ResponderCheckedOut, r: Recorded) -> None:
    state.slice(Dispatch).attended.pop(e.responder_id, None)


@evolver(AssignmentCancelled)
def _on_cancelled(state: State, e: AssignmentCancelled, r: Recorded) -> None:
    _close(state, e.assignment_id, r, AssignmentStatus.CANCELLED, e.note)


@evolver(CallUpIssued)
def _on_call_up(state: State, e: CallUpIssued, r: Recorded) -> None:
    state.slice(Dispatch).callups[e.callup_id] = CallUp(
        callup_id=e.callup_id,
        lon=e.centre.lon,
        lat=e.centre.lat,
        radius_m=e.radius_m,
        capabilities=e.capabilities,
        note=e.note,
        called=e.called,
        issued_at=r.recorded_at,
        issued_by=r.actor.account_id,
    )


@evolver(CallUpAcknowledged)
def _on_answer(state: State, e: CallUpAcknowledged, r: Recorded) -> None:
    c = state.slice(Dispatch).callups.get(e.callup_id)
    if c is not None:
        c.answers[e.responder_id] = CallUpAnswer(
            responder_id=e.responder_id,
            coming=e.coming,
            eta_min=e.eta_min,
            note=e.note,
            at=r.recorded_at,
        )


@evolver(CallUpClosed)
def _on_call_up_closed(state: State, e: CallUpClosed, r: Recorded) -> None:
    c = state.slice(Dispatch).callups.get(e.callup_id)
    if c is not None and c.closed_at is None:
        c.closed_at = r.recorded_at
