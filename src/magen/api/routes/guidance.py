"""What to do now, where one stands (public); the guidance map, proposals and overrides."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import MediaType, Request, Response, Router, get, post
from litestar.exceptions import ServiceUnavailableException
from litestar.params import FromPath, JSONBody, Parameter
from pydantic import AwareDatetime, BaseModel, ConfigDict

from magen.api.deps import ActorDep, ServiceDep, runtime
from magen.api.routes._common import client_has, encoded, etag_of, run_command
from magen.api.routes.alerts import zones_of
from magen.app import auth
from magen.app.alerts_policy import area_view, danger_area_view, override_view
from magen.app.guidance import GuidanceService, GuidanceSnapshot, building_map
from magen.domain.alerts import (
    Alerts,
    Area,
    Circle,
    ClearGuidanceOverride,
    IssueGuidanceOverride,
    Lang,
    LocalText,
    OverrideAction,
    Polygon,
    RefId,
    Zones,
)
from magen.domain.errors import Forbidden, InvalidCommand, NotFound
from magen.domain.values import FreeText

_STRICT = ConfigDict(frozen=True, extra="forbid")
# Guidance may change with any alert; a few seconds of caching still spares a server the
# refreshes of a whole neighbourhood at once.
PUBLIC_MAX_AGE_S = 5
_LANG_TAGS: dict[str, Lang] = {"he": "he", "iw": "he", "ar": "ar", "en": "en"}


class OverrideIssue(BaseModel):
    """An operator's instruction on top of official alerts, or the confirmation of a proposal.

    With `proposal_id` of a current proposal, the action and area default to the proposal's.
    """

    model_config = _STRICT

    command_id: uuid.UUID
    action: OverrideAction | None = None
    zone_ids: Zones = ()
    area: Area | None = None
    instruction: LocalText | None = None
    reason: FreeText = ""
    proposal_id: RefId | None = None
    expires_at: AwareDatetime | None = None


class OverrideClear(BaseModel):
    model_config = _STRICT

    command_id: uuid.UUID
    note: FreeText = ""


def _guidance(request: Request[Any, Any, Any]) -> GuidanceService:
    found = runtime(request).guidance
    if found is None:
        raise ServiceUnavailableException(
            "this server has no town map loaded, so it cannot give guidance (start it with "
            "--town or MAGEN_TOWN)"
        )
    return found


def preferred_language(accept: str | None) -> Lang | None:
    """The first of he, ar, en that an Accept-Language header accepts, by its q-values."""
    if not accept:
        return None
    ranked: list[tuple[float, int, Lang]] = []  # (-q, order, language)
    for i, part in enumerate(accept.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        lang = _LANG_TAGS.get(tag.strip().split("-")[0].lower())
        if lang is not None and q > 0:
            ranked.append((-q, i, lang))
    return min(ranked)[2] if ranked else None


def guidance_tag(snap: GuidanceSnapshot) -> str:
    """What an ETag of the building map must follow: the log position, and the town's clock's
    passing of an expiry or a start, which changes the guidance (a recompute: `version`) or
    only the alerts it lists (`as_of`) with nothing new in the log. Tagged by position alone,
    a console that asked before an alert expired was told 304 and kept showing it."""
    return f"{snap.position}.{snap.version}.{int(snap.as_of.timestamp() * 1000)}"


# The header the server's "now" is said in (GET /guidance): see guidance_here.
NOW_HEADER = "Magen-Now"


@get("/guidance")
async def guidance_here(
    request: Request[Any, Any, Any],
    lat: Annotated[float, Parameter(ge=-90, le=90, description="WGS84 latitude")],
    lon: Annotated[float, Parameter(ge=-180, le=180, description="WGS84 longitude")],
    lang: Annotated[
        Literal["he", "ar", "en"] | None,
        Parameter(description="he, ar or en; else from Accept-Language; else Hebrew"),
    ] = None,
) -> Response[Any]:
    """What to do now at a point: the action, why, whose instruction, the shelter and route.

    Public and free of private data; cacheable for a few seconds (ETag: the answer's digest).
    """
    guidance = _guidance(request)
    town = guidance.town
    west, south, east, north = town.bounds
    if not (west <= lon <= east and south <= lat <= north):
        raise NotFound(
            f"({lat:.6f}, {lon:.6f}) is outside the map of {town.name} "
            f"(lat {south:.4f} to {north:.4f}, lon {west:.4f} to {east:.4f})"
        )
    chosen: Lang = lang or preferred_language(request.headers.get("accept-language")) or "he"
    # Tagged by what it says: the advice reads live state besides its snapshot (how far the
    # nearest attackers are), so a tag of the snapshot alone kept an old distance on a 304.
    body = encoded(request, guidance.view_at(lon, lat, chosen))
    etag = etag_of(body)
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={PUBLIC_MAX_AGE_S}",
        "Vary": "Accept-Language",
        "Content-Language": chosen,
        # The server's clock as it answers (`as_of` is the log's, perhaps long ago), to the
        # millisecond: a page that polls this alone learns the server's time from it, and so
        # notices a phone whose own clock jumped. A header, not in the body: a 304 carries a
        # fresh one (and refreshes the browser's kept answer), so an unchanged advice stays
        # a 304 of no body every 5 s on a weak phone.
        NOW_HEADER: guidance.service.clock.now().isoformat(timespec="milliseconds"),
    }
    if client_has(request, etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, headers=headers, media_type=MediaType.JSON)


@get("/guidance/map")
async def guidance_map(request: Request[Any, Any, Any], actor: ActorDep) -> Response[Any]:
    """Per-building action codes for the console (operators and field roles), compact."""
    if not auth.sees(actor, auth.Audience.FIELD):
        raise Forbidden("the guidance map is for operators and field roles")
    snap = _guidance(request).current()
    etag = f'"m{guidance_tag(snap)}"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=2"}
    if client_has(request, etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(building_map(snap), headers=headers)


@get("/guidance/proposals")
async def guidance_proposals(
    request: Request[Any, Any, Any], service: ServiceDep, actor: ActorDep
) -> dict[str, Any]:
    """Lock-ins the system proposes around ground threats, for an operator to confirm."""
    if not auth.sees(actor, auth.Audience.OPERATORS):
        raise Forbidden("proposals are for operators")
    guidance = _guidance(request)
    snap = guidance.current()
    areas = service.state.slice(Alerts).danger_areas
    return {
        "position": snap.position,
        "proposals": [
            {
                "id": p.override.id,
                "action": OverrideAction.LOCK_IN.value,
                "danger_area": danger_area_view(areas[p.danger_area_id], field_role=True),
                "radius_m": p.override.radius_m,
                "area": area_view(guidance.proposal_area(p)),
                "buildings": p.buildings,
                "would_change": p.would_change,
                "zones": list(p.zones),
                "confirm": {"method": "POST", "path": "/api/v1/guidance/overrides"},
            }
            for p in guidance.proposals()
        ],
    }


@post("/guidance/overrides")
async def issue_override(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    data: JSONBody[OverrideIssue],
) -> Response[dict[str, Any]]:
    """Issue an operator instruction (lock in, stay in the protected space, avoid an area).

    To confirm a proposal, send its `proposal_id`; the guidance then says it is the
    operator's instruction.
    """
    # Refuse the unauthorised before looking anything up for them.
    probe = IssueGuidanceOverride(command_id=data.command_id, action=OverrideAction.LOCK_IN)
    auth.authorise(actor, probe, service.state)
    action, area, zone_ids = data.action, data.area, data.zone_ids
    if data.proposal_id is not None:
        action = action or OverrideAction.LOCK_IN
        if area is None and not zone_ids:
            area = _proposed_area(request, service.state.slice(Alerts), data.proposal_id)
    if action is None:
        raise InvalidCommand(
            "say the override's action, or the proposal_id of a proposal to confirm"
        )
    zones = zones_of(request)
    if zones is not None and zone_ids:
        zones.check_zones(zone_ids)
    command = IssueGuidanceOverride(
        command_id=data.command_id,
        action=action,
        zone_ids=zone_ids,
        area=area,
        instruction=data.instruction,
        reason=data.reason,
        proposal_id=data.proposal_id,
        expires_at=data.expires_at,
    )
    return await run_command(service, actor, command)


def _proposed_area(
    request: Request[Any, Any, Any], alerts: Alerts, proposal_id: str
) -> Circle | Polygon | None:
    guidance = runtime(request).guidance
    proposal = guidance.proposal(proposal_id) if guidance is not None else None
    if guidance is not None and proposal is not None:
        return guidance.proposal_area(proposal)
    # Already confirmed: a retry builds the same command (and the service answers it as
    # before), anything else is refused by the rules as a second confirmation.
    confirmed = [o for o in alerts.overrides.values() if o.proposal_id == proposal_id]
    if confirmed:
        return confirmed[-1].area
    raise NotFound(
        f"nothing proposes {proposal_id} now (its danger area was lifted, or guidance "
        "there is already a lock-in)"
    )


@post("/guidance/overrides/{override_id:str}/clear")
async def clear_override(
    service: ServiceDep,
    actor: ActorDep,
    override_id: FromPath[str],
    data: JSONBody[OverrideClear],
) -> Response[dict[str, Any]]:
    """Withdraw an operator instruction (operators)."""
    command = ClearGuidanceOverride(
        command_id=data.command_id, override_id=override_id, note=data.note
    )
    return await run_command(service, actor, command)


@get("/guidance/overrides")
async def overrides_in_force(service: ServiceDep) -> dict[str, Any]:
    """Operator instructions in force now (public)."""
    now = service.clock.now()
    items = service.state.slice(Alerts).active_overrides(now)
    return {"position": service.state.position, "overrides": [override_view(o) for o in items]}


router = Router(
    path="/api/v1",
    route_handlers=[
        guidance_here,
        guidance_map,
        guidance_proposals,
        issue_override,
        clear_override,
        overrides_in_force,
    ],
    tags=["guidance"],
)
