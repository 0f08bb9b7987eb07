"""Dispatch: recommendations, assignments (accept or override, acknowledge, arrive, complete)
and call-ups of off-duty responders."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, JSONBody
from pydantic import BaseModel, ConfigDict

from magen.api.deps import ActorDep, ServiceDep
from magen.api.routes._common import command_on_item, command_route, run_command
from magen.api.routes.picture_ops import dispatch_of, require_field
from magen.app import auth
from magen.app.dispatch import target_kind
from magen.app.picture_views import (
    assignments_with_routes,
    callup_view,
    recommendation_view,
    recommendations_view,
    route_feature,
    visible_assignments,
    visible_callups,
)
from magen.app.service import Service
from magen.domain.base import Actor
from magen.domain.dispatch import (
    AcknowledgeAssignment,
    AcknowledgeCallUp,
    CancelAssignment,
    CloseCallUp,
    CompleteAssignment,
    Dispatch,
    IssueCallUp,
    MakeAssignment,
    RefId,
    ReportArrival,
    TargetKind,
)
from magen.domain.errors import Conflict, InvalidCommand, NotFound
from magen.domain.values import FreeText

_STRICT = ConfigDict(frozen=True, extra="forbid")


class AssignmentRequest(BaseModel):
    """Send a responder: accept a recommendation (its id) or override with a target."""

    model_config = _STRICT

    command_id: uuid.UUID
    responder_id: RefId
    incident_id: RefId | None = None
    track_id: RefId | None = None
    recommendation_id: RefId | None = None
    note: FreeText = ""


# --- recommendations ------------------------------------------------------------------------


@get("/dispatch/recommendations")
async def list_recommendations(request: Request[Any, Any, Any], actor: ActorDep) -> dict[str, Any]:
    """Who should go where now, why, and the needs no available responder can meet."""
    require_field(actor)
    board = dispatch_of(request).planned()
    if board.plan is None:
        raise HTTPException(status_code=503, detail="recommendations need the town map")
    return recommendations_view(board, board.plan)


@get("/dispatch/recommendations/{recommendation_id:str}")
async def get_recommendation(
    request: Request[Any, Any, Any], actor: ActorDep, recommendation_id: FromPath[str]
) -> dict[str, Any]:
    """One current recommendation with its street route (a GeoJSON LineString Feature)."""
    require_field(actor)
    dispatch = dispatch_of(request)
    board = dispatch.planned()
    rec = board.recommendation(recommendation_id)
    if rec is None:
        raise NotFound(f"no current recommendation {recommendation_id}")
    route = dispatch.route(board, rec)
    return {
        **recommendation_view(rec, board),
        "route": route_feature(route),
    }


# --- assignments ----------------------------------------------------------------------------


@get("/dispatch/assignments")
async def list_assignments(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    include_closed: FromQuery[bool] = False,
) -> dict[str, Any]:
    """Assignments: all for operators, a responder's own for them; with the street route
    (a GeoJSON LineString Feature) while the responder is on the way."""
    require_field(actor)
    items = visible_assignments(service.state, actor, include_closed=include_closed)
    return {
        "position": service.state.position,
        "assignments": assignments_with_routes(dispatch_of(request), items),
    }


def _target(data: AssignmentRequest) -> tuple[TargetKind, str]:
    if (data.incident_id is None) == (data.track_id is None):
        raise InvalidCommand("name exactly one of incident_id and track_id")
    if data.incident_id is not None:
        return TargetKind.INCIDENT, data.incident_id
    assert data.track_id is not None
    return TargetKind.TRACK, data.track_id


@post("/dispatch/assignments")
async def make_assignment(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    data: JSONBody[AssignmentRequest],
) -> Response[dict[str, Any]]:
    """Send a responder to an incident or a track (operators).

    With `recommendation_id` the dispatcher accepts that current recommendation (the target
    may be left out); without it they override the recommendations and name the target.
    """
    made = next(
        (
            a
            for a in service.state.slice(Dispatch).assignments.values()
            if a.command_id == data.command_id
        ),
        None,
    )
    if made is not None:
        # A retry: the service answers with what the first attempt recorded.
        kind, target_id = made.target, made.target_id
    elif data.recommendation_id is None:
        kind, target_id = _target(data)
    else:
        kind, target_id = _accepted(request, actor, service, data)
    command = MakeAssignment(
        command_id=data.command_id,
        responder_id=data.responder_id,
        target=kind,
        target_id=target_id,
        recommendation_id=data.recommendation_id,
        note=data.note,
    )
    return await run_command(service, actor, command)


def _accepted(
    request: Request[Any, Any, Any], actor: Actor, service: Service, data: AssignmentRequest
) -> tuple[TargetKind, str]:
    """The target of the recommendation a dispatcher accepts, once checked it still stands."""
    # Who may assign is checked before anything about the recommendations is said.
    assert data.recommendation_id is not None
    probe = MakeAssignment(
        command_id=data.command_id,
        responder_id=data.responder_id,
        target=TargetKind.INCIDENT,
        target_id=data.recommendation_id,
    )
    auth.authorise(actor, probe, service.state)
    rec = dispatch_of(request).planned().recommendation(data.recommendation_id)
    if rec is None:
        raise Conflict(
            f"recommendation {data.recommendation_id} is no longer current; "
            "refresh the recommendations"
        )
    kind = target_kind(rec.task_kind)
    named = None if data.incident_id is None and data.track_id is None else _target(data)
    if rec.responder_id != data.responder_id or named not in (None, (kind, rec.task_id)):
        raise InvalidCommand(
            f"recommendation {data.recommendation_id} sends {rec.responder_id} to "
            f"{kind.value} {rec.task_id}"
        )
    return kind, rec.task_id


# A step of an assignment: the body is the command's other fields (its id and a note).
_ASSIGNMENT_STEPS = [
    command_on_item(
        "/dispatch/assignments/{item_id:str}/ack",
        AcknowledgeAssignment,
        "assignment_id",
        "The responder takes the assignment (and is en route)",
    ),
    command_on_item(
        "/dispatch/assignments/{item_id:str}/arrived",
        ReportArrival,
        "assignment_id",
        "The responder is on scene",
    ),
    command_on_item(
        "/dispatch/assignments/{item_id:str}/complete",
        CompleteAssignment,
        "assignment_id",
        "The job is done; the responder is available again",
    ),
    command_on_item(
        "/dispatch/assignments/{item_id:str}/cancel",
        CancelAssignment,
        "assignment_id",
        "Call the responder off (a dispatcher), or decline (the responder), with the reason",
    ),
]


# --- call-ups -------------------------------------------------------------------------------


@get("/callups")
async def list_callups(
    service: ServiceDep,
    actor: ActorDep,
    include_closed: FromQuery[bool] = False,
) -> dict[str, Any]:
    """Call-ups: all for operators; for a responder, those that called them or reach them now."""
    require_field(actor)
    items = visible_callups(service.state, actor, include_closed=include_closed)
    return {
        "position": service.state.position,
        "callups": [callup_view(c, actor) for c in items],
    }


_CALLUP_ACTS = [
    command_route(
        "/callups",
        IssueCallUp,
        "Call responders within a radius to come (operators); those reached are recorded",
    ),
    command_on_item(
        "/callups/{item_id:str}/ack",
        AcknowledgeCallUp,
        "callup_id",
        "A responder answers a call-up: coming (available for dispatch), or cannot",
    ),
    command_on_item(
        "/callups/{item_id:str}/close", CloseCallUp, "callup_id", "Close a call-up (operators)"
    ),
]

router = Router(
    path="/api/v1",
    route_handlers=[
        list_recommendations,
        get_recommendation,
        list_assignments,
        make_assignment,
        *_ASSIGNMENT_STEPS,
        list_callups,
        *_CALLUP_ACTS,
    ],
    tags=["dispatch"],
)
