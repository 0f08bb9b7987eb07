"""Threat sightings and SOS calls from residents and responders."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel, ConfigDict, Field

from magen.api.bodies import validated_first
from magen.api.deps import ActorDep, ServiceDep, runtime
from magen.api.routes._common import run_command, run_for_caller
from magen.app.projections import sos_view
from magen.app.region import SIGHTING_REACH_M, refuse_beyond
from magen.domain.reports import (
    Count,
    RaiseSos,
    Reports,
    ReportSighting,
    ResolveSos,
    SosOutcome,
    UpdateSos,
)
from magen.domain.values import FreeText, GeoPoint


class SosChange(BaseModel):
    """The fields of an SOS its reporter or a responder may change."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: uuid.UUID
    where: GeoPoint | None = None
    people: Annotated[int, Field(ge=1, le=1000)] | None = None
    injured: Count | None = None
    children: Count | None = None
    silent: bool | None = None
    text: FreeText | None = None


class SosResolution(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: uuid.UUID
    outcome: SosOutcome
    note: FreeText = ""


@post("/sightings", before_request=validated_first)
async def report_sighting(
    request: Request[Any, Any, Any], data: JSONBody[ReportSighting]
) -> Response[dict[str, Any]]:
    """Report armed attackers seen at a place (anyone; anonymous reports are rate-limited).

    A place over 50 km beyond the town is refused (422, rule `outside_region`): a phone's
    (0, 0) or a typed coordinate's slip would otherwise be a threat track on every map.
    """
    refuse_beyond(runtime(request).town, data.where, "the sighting", SIGHTING_REACH_M)
    return await run_for_caller(request, data)


@post("/sos", before_request=validated_first)
async def raise_sos(
    request: Request[Any, Any, Any], data: JSONBody[RaiseSos]
) -> Response[dict[str, Any]]:
    """Call for help: where, how many people, injured, children, silent.

    A call from outside the town's alert zones is recorded all the same (a call for help is
    never refused), and the answer says so (`outside_town`: the town's name): this town's
    responders may not be the ones to come, and the page tells the caller to phone the police.
    """
    sent = await run_for_caller(request, data)
    town, where = runtime(request).town, data.where
    if sent.status_code not in (200, 201) or town is None or where is None:
        return sent
    if town.zone_of(where.lon, where.lat) is None:  # in none of its alert zones
        sent.content["outside_town"] = town.name
    return sent


@post("/sos/{sos_id:str}/update")
async def update_sos(
    service: ServiceDep, actor: ActorDep, sos_id: FromPath[str], data: JSONBody[SosChange]
) -> Response[dict[str, Any]]:
    """Change an open SOS (its reporter, or a responder)."""
    command = UpdateSos(sos_id=sos_id, **data.model_dump(exclude_none=True))
    return await run_command(service, actor, command)


@post("/sos/{sos_id:str}/resolve")
async def resolve_sos(
    service: ServiceDep, actor: ActorDep, sos_id: FromPath[str], data: JSONBody[SosResolution]
) -> Response[dict[str, Any]]:
    """Close an SOS with its outcome (its reporter, or a responder)."""
    command = ResolveSos(
        command_id=data.command_id, sos_id=sos_id, outcome=data.outcome, note=data.note
    )
    return await run_command(service, actor, command)


@get("/sos/mine")
async def my_sos(service: ServiceDep, actor: ActorDep) -> list[dict[str, Any]]:
    """The SOS calls this account raised."""
    if actor.account_id is None:
        return []
    items = service.state.slice(Reports).sos.values()
    return [sos_view(s) for s in items if s.reporter == actor.account_id]


router = Router(
    path="/api/v1",
    route_handlers=[report_sighting, raise_sos, update_sos, resolve_sos, my_sos],
    tags=["reports"],
)
