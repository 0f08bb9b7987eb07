"""Threat tracks and operators' acts on them, incidents by priority, and the attack's scale."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, JSONBody
from pydantic import BaseModel, ConfigDict

from magen.api.deps import ActorDep, ServiceDep, runtime
from magen.api.routes._common import command_on_item, run_command
from magen.api.wire import outcome_view
from magen.app.auth import Audience, sees
from magen.app.dispatch import DispatchService
from magen.app.picture_views import incident_view, scale_view, track_view
from magen.domain.base import Actor
from magen.domain.errors import Forbidden, NotFound
from magen.domain.picture import (
    ConfirmTrack,
    DismissTrack,
    MergeTracks,
    NeutraliseTrack,
    ReopenTrack,
    SightingIds,
    SplitTrack,
    TrackIds,
)
from magen.domain.values import FreeText

_STRICT = ConfigDict(frozen=True, extra="forbid")


class TrackMerge(BaseModel):
    """Fold tracks into one (the operator judges they follow one group)."""

    model_config = _STRICT

    command_id: uuid.UUID
    into_track_id: str
    track_ids: TrackIds
    note: FreeText = ""


class TrackSplitting(BaseModel):
    """Move some sightings of a track into a new track."""

    model_config = _STRICT

    command_id: uuid.UUID
    sighting_ids: SightingIds
    note: FreeText = ""


def dispatch_of(request: Request[Any, Any, Any]) -> DispatchService:
    """The app's dispatch service."""
    found = runtime(request).dispatch
    if found is None:
        raise HTTPException(status_code=503, detail="the dispatch board is not running")
    return found


def require_field(actor: Actor) -> None:
    """Refuse anyone outside the field (responders, medics, operators)."""
    if not sees(actor, Audience.FIELD):
        raise Forbidden("the threat picture is for responders, medics and operators")


@get("/tracks")
async def list_tracks(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    include_closed: FromQuery[bool] = False,
) -> dict[str, Any]:
    """Threat tracks: new, confirmed, stale (shown, never dropped) and, if asked, closed."""
    require_field(actor)
    board = dispatch_of(request).board()
    return {
        "as_of": board.as_of.isoformat(),
        "position": board.position,
        "tracks": [track_view(t, board.as_of) for t in board.tracks if include_closed or t.open],
    }


@get("/tracks/{track_id:str}")
async def get_track(
    request: Request[Any, Any, Any], actor: ActorDep, track_id: FromPath[str]
) -> dict[str, Any]:
    """One track, with the sightings fused into it."""
    require_field(actor)
    board = dispatch_of(request).board()
    track = board.track(track_id)
    if track is None:
        raise NotFound(f"no track {track_id}")
    return {**track_view(track, board.as_of), "sighting_ids": list(track.sighting_ids)}


# An operator's act on one track: the body is the command's other fields (id and note).
_TRACK_ACTS = [
    command_on_item(
        "/tracks/{item_id:str}/confirm",
        ConfirmTrack,
        "track_id",
        "Confirm that a track is a real threat (operators)",
    ),
    command_on_item(
        "/tracks/{item_id:str}/dismiss",
        DismissTrack,
        "track_id",
        "Close a track as a false alarm (operators)",
    ),
    command_on_item(
        "/tracks/{item_id:str}/neutralise",
        NeutraliseTrack,
        "track_id",
        "Close a track because the group was neutralised (operators)",
    ),
    command_on_item(
        "/tracks/{item_id:str}/reopen", ReopenTrack, "track_id", "Reopen a closed track (operators)"
    ),
]


@post("/tracks/merge")
async def merge_tracks(
    service: ServiceDep, actor: ActorDep, data: JSONBody[TrackMerge]
) -> Response[dict[str, Any]]:
    """Fold tracks into one (operators)."""
    command = MergeTracks(
        command_id=data.command_id,
        into_track_id=data.into_track_id,
        track_ids=data.track_ids,
        note=data.note,
    )
    return await run_command(service, actor, command)


@post("/tracks/{track_id:str}/split")
async def split_track(
    service: ServiceDep, actor: ActorDep, track_id: FromPath[str], data: JSONBody[TrackSplitting]
) -> Response[dict[str, Any]]:
    """Move sightings of a track into a new track (operators); answers the new track's id."""
    command = SplitTrack(
        command_id=data.command_id,
        track_id=track_id,
        sighting_ids=data.sighting_ids,
        note=data.note,
    )
    outcome = await service.handle(actor, command)
    body = outcome_view(outcome, service.state.position)
    body["new_track_id"] = next(
        (getattr(r.event, "new_track_id", None) for r in outcome.events), None
    )
    return Response(body, status_code=200 if outcome.replayed else 201)


@get("/incidents")
async def list_incidents(
    request: Request[Any, Any, Any],
    actor: ActorDep,
    include_closed: FromQuery[bool] = False,
) -> dict[str, Any]:
    """Incidents, most urgent first (SOS reports from one place merged, every caller kept)."""
    require_field(actor)
    board = dispatch_of(request).board()
    return {
        "as_of": board.as_of.isoformat(),
        "position": board.position,
        "incidents": [incident_view(i) for i in board.incidents if include_closed or i.open],
    }


@get("/incidents/{incident_id:str}")
async def get_incident(
    request: Request[Any, Any, Any], actor: ActorDep, incident_id: FromPath[str]
) -> dict[str, Any]:
    """One incident, by its id or the id of any SOS in it."""
    require_field(actor)
    board = dispatch_of(request).board()
    incident = board.incident(incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    return incident_view(incident)


@get("/picture/scale")
async def get_scale(request: Request[Any, Any, Any], actor: ActorDep) -> dict[str, Any]:
    """How big the attack is: groups, attackers with an interval, affected streets and area."""
    require_field(actor)
    dispatch = dispatch_of(request)
    board = dispatch.board()
    return scale_view(dispatch.scale(board), board)


router = Router(
    path="/api/v1",
    route_handlers=[
        list_tracks,
        get_track,
        *_TRACK_ACTS,
        merge_tracks,
        split_track,
        list_incidents,
        get_incident,
        get_scale,
    ],
    tags=["picture"],
)
