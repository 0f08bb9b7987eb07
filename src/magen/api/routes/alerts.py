"""Official alerts, danger areas and shelter status (operators), and CAP 1.2 in and out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, Router, get, post
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import FromPath, JSONBody, Parameter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from magen.alerts.cap import (
    NOT_HERE,
    CapConfig,
    CapError,
    CapImport,
    CapMessage,
    CapUnknownEvent,
    ImportedCommand,
    alert_messages,
    cap_feed,
    danger_area_messages,
    encode_cap,
    override_messages,
    read_cap,
)
from magen.alerts.capxml import MAX_CAP_BYTES
from magen.api.deps import ActorDep, ServiceDep, runtime
from magen.api.routes._common import run_command, wrong_media
from magen.api.wire import outcome_view
from magen.app import auth
from magen.app.alerts_policy import (
    DEFAULT_CAP,
    TownZones,
    alert_view,
    can_import_cap,
    danger_area_view,
)
from magen.app.guidance import ground_threat_in_town
from magen.app.service import Outcome, Service
from magen.domain import decide
from magen.domain.alerts import (
    MAX_ZONES,
    AlertCategory,
    Alerts,
    Area,
    Areas,
    CapSource,
    ChangeShelterStatus,
    DangerReason,
    DeclareAllClear,
    DeclareDangerArea,
    EndAlert,
    IssueAlert,
    LiftDangerArea,
    LocalText,
    RefId,
    SecondsByZone,
    ShelterStatus,
    UpdateAlert,
    UpdateDangerArea,
    ZoneId,
    Zones,
    already_over,
)
from magen.domain.base import Actor, DecisionContext, Recorded
from magen.domain.errors import Forbidden, InvalidCommand, NotFound
from magen.domain.state import State
from magen.domain.values import FreeText
from magen.geo.town import Town

_STRICT = ConfigDict(frozen=True, extra="forbid")
CAP_XML = "application/cap+xml"
ATOM_XML = "application/atom+xml"
_CAP_TYPES = frozenset({CAP_XML, "application/xml", "text/xml"})


# --- wire models ----------------------------------------------------------------------------


class AlertIssue(BaseModel):
    """An official alert an operator enters (upstream alerts come in through CAP import)."""

    model_config = _STRICT

    command_id: uuid.UUID
    category: AlertCategory
    zone_ids: Annotated[tuple[ZoneId, ...], Field(min_length=1, max_length=MAX_ZONES)]
    seconds_to_shelter: SecondsByZone = Field(default_factory=dict)
    areas: Areas = ()
    instruction: LocalText | None = None
    drill: bool = False
    issued_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None


class AlertChange(BaseModel):
    """The alert's new definition; fields left out keep their value."""

    model_config = _STRICT

    command_id: uuid.UUID
    zone_ids: Annotated[tuple[ZoneId, ...], Field(min_length=1, max_length=MAX_ZONES)] | None = None
    seconds_to_shelter: SecondsByZone | None = None
    areas: Areas | None = None
    instruction: LocalText | None = None
    expires_at: AwareDatetime | None = None


class AlertEnd(BaseModel):
    model_config = _STRICT

    command_id: uuid.UUID
    zone_ids: Zones = ()  # none: every zone still under the alert


class AllClear(BaseModel):
    model_config = _STRICT

    command_id: uuid.UUID
    zone_ids: Annotated[tuple[ZoneId, ...], Field(min_length=1, max_length=MAX_ZONES)]
    categories: Annotated[tuple[AlertCategory, ...], Field(max_length=20)] = ()


class DangerAreaChange(BaseModel):
    """The danger area's new definition; fields left out keep their value."""

    model_config = _STRICT

    command_id: uuid.UUID
    area: Area | None = None
    reason: DangerReason | None = None
    note: FreeText | None = None
    threat_id: RefId | None = None


class Lift(BaseModel):
    model_config = _STRICT

    command_id: uuid.UUID
    note: FreeText = ""


class ShelterStatusChange(BaseModel):
    model_config = _STRICT

    command_id: uuid.UUID
    status: ShelterStatus
    note: FreeText = ""


# --- the town behind the commands -----------------------------------------------------------


@lru_cache(maxsize=8)
def town_zones(town: Town) -> TownZones:
    """The zone and shelter checks of a town (built once per town)."""
    return TownZones(town)


def zones_of(request: Request[Any, Any, Any]) -> TownZones | None:
    """The town's zones, when the server has a town pack."""
    town = runtime(request).town
    return town_zones(town) if town is not None else None


def cap_config(request: Request[Any, Any, Any]) -> CapConfig:
    """This server's CAP identity (per town; the sender `MAGEN_CAP_SENDER` when it is set)."""
    zones = zones_of(request)
    config = zones.cap_config() if zones is not None else DEFAULT_CAP
    sender = runtime(request).settings.cap_sender
    return replace(config, sender=sender) if sender else config


def _check_zones(request: Request[Any, Any, Any], zone_ids: tuple[str, ...] | None) -> None:
    zones = zones_of(request)
    if zones is not None and zone_ids:
        zones.check_zones(zone_ids)


# --- alerts ---------------------------------------------------------------------------------


@post("/alerts")
async def issue_alert(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    data: JSONBody[AlertIssue],
) -> Response[dict[str, Any]]:
    """Issue an official alert for zones (operators)."""
    _check_zones(request, data.zone_ids)
    return await run_command(service, actor, IssueAlert(**dict(data)))


@post("/alerts/{alert_id:str}/update")
async def update_alert(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    alert_id: FromPath[str],
    data: JSONBody[AlertChange],
) -> Response[dict[str, Any]]:
    """Change an active alert: its zones, times, areas, instruction or expiry (operators)."""
    _check_zones(request, data.zone_ids)
    fields = {k: v for k, v in dict(data).items() if v is not None}
    return await run_command(service, actor, UpdateAlert(alert_id=alert_id, **fields))


@post("/alerts/{alert_id:str}/end")
async def end_alert(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    alert_id: FromPath[str],
    data: JSONBody[AlertEnd],
) -> Response[dict[str, Any]]:
    """Give the all clear for an alert, in some zones or all (operators)."""
    _check_zones(request, data.zone_ids)
    command = EndAlert(command_id=data.command_id, alert_id=alert_id, zone_ids=data.zone_ids)
    return await run_command(service, actor, command)


@post("/all-clear")
async def all_clear(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    data: JSONBody[AllClear],
) -> Response[dict[str, Any]]:
    """End every active alert (of the given categories, or all) in the given zones (operators)."""
    _check_zones(request, data.zone_ids)
    return await run_command(service, actor, DeclareAllClear(**dict(data)))


@get("/alerts")
async def active_alerts(request: Request[Any, Any, Any], service: ServiceDep) -> dict[str, Any]:
    """The official alerts in force now (public), and whether a ground threat is open in the
    town (`ground_threat_in_town`: attackers, as the guidance knows them; false with no town
    loaded). The resident page polls this before a place is known, to say both."""
    now = service.clock.now()
    alerts = service.state.slice(Alerts).active_alerts(now)
    return {
        "position": service.state.position,
        "now": now.isoformat(),
        "alerts": [alert_view(a) for a in alerts],
        "ground_threat_in_town": ground_threat_in_town(runtime(request).guidance),
    }


# --- danger areas and shelters --------------------------------------------------------------


@post("/danger-areas")
async def declare_danger_area(
    service: ServiceDep, actor: ActorDep, data: JSONBody[DeclareDangerArea]
) -> Response[dict[str, Any]]:
    """Declare an area around a ground threat that residents must keep away from (operators)."""
    return await run_command(service, actor, data)


@post("/danger-areas/{area_id:str}/update")
async def update_danger_area(
    service: ServiceDep,
    actor: ActorDep,
    area_id: FromPath[str],
    data: JSONBody[DangerAreaChange],
) -> Response[dict[str, Any]]:
    """Move, resize or re-describe a danger area (operators)."""
    fields = {k: v for k, v in dict(data).items() if v is not None}
    return await run_command(service, actor, UpdateDangerArea(area_id=area_id, **fields))


@post("/danger-areas/{area_id:str}/lift")
async def lift_danger_area(
    service: ServiceDep, actor: ActorDep, area_id: FromPath[str], data: JSONBody[Lift]
) -> Response[dict[str, Any]]:
    """Lift a danger area (operators)."""
    command = LiftDangerArea(command_id=data.command_id, area_id=area_id, note=data.note)
    return await run_command(service, actor, command)


@get("/danger-areas")
async def danger_areas(service: ServiceDep, actor: ActorDep) -> dict[str, Any]:
    """The danger areas in force now (public: these are the places to keep away from)."""
    now = service.clock.now()
    field_role = auth.sees(actor, auth.Audience.FIELD)
    areas = service.state.slice(Alerts).active_danger_areas(now)
    return {
        "position": service.state.position,
        "danger_areas": [danger_area_view(d, field_role=field_role) for d in areas],
    }


@post("/shelters/{shelter_id:str}/status")
async def shelter_status(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    shelter_id: FromPath[str],
    data: JSONBody[ShelterStatusChange],
) -> Response[dict[str, Any]]:
    """Report a shelter open, full, closed or compromised (operators)."""
    command = ChangeShelterStatus(
        command_id=data.command_id, shelter_id=shelter_id, status=data.status, note=data.note
    )
    if not auth.can_command(actor, command):
        auth.authorise(actor, command, service.state)  # refuse before revealing the town's ids
    zones = zones_of(request)
    if zones is not None:
        zones.check_shelter(shelter_id)
    return await run_command(service, actor, command)


# --- CAP 1.2 --------------------------------------------------------------------------------


def _all_messages(service: Service, config: CapConfig) -> list[CapMessage]:
    alerts = service.state.slice(Alerts)
    out: list[CapMessage] = []
    for a in alerts.alerts.values():
        out += alert_messages(a, config)
    for o in alerts.overrides.values():
        out += override_messages(o, config)
    for d in alerts.danger_areas.values():
        out += danger_area_messages(d, config)
    return out


def _entry_url(request: Request[Any, Any, Any]) -> Any:
    base = str(request.base_url).rstrip("/")

    def url(m: CapMessage) -> str:
        return f"{base}/api/v1/cap/alerts/{quote(m.identifier, safe='')}.xml"

    return url


@get("/cap/feed", media_type=ATOM_XML, tags=["cap"])
async def cap_atom_feed(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    keep_minutes: Annotated[int, Parameter(ge=0, le=24 * 60)] = 60,
) -> Response[bytes]:
    """An Atom feed of the CAP 1.2 messages in force (and closed within `keep_minutes`)."""
    config = cap_config(request)
    base = str(request.base_url).rstrip("/")
    body = cap_feed(
        service.state,
        config,
        service.clock.now(),
        feed_id=f"urn:magen:{config.sender}:feed",
        self_url=f"{base}/api/v1/cap/feed",
        entry_url=_entry_url(request),
        keep_ended=timedelta(minutes=keep_minutes),
    )
    headers = {"Cache-Control": "public, max-age=5", "X-Log-Position": str(service.state.position)}
    return Response(body, media_type=ATOM_XML, headers=headers)


@get("/cap/alerts/{name:str}", media_type=CAP_XML, tags=["cap"])
async def cap_message(
    request: Request[Any, Any, Any], service: ServiceDep, name: FromPath[str]
) -> Response[bytes]:
    """One CAP 1.2 message by its identifier (`/cap/alerts/<identifier>.xml`)."""
    identifier = name.removesuffix(".xml")
    config = cap_config(request)
    found = [m for m in _all_messages(service, config) if m.identifier == identifier]
    if not found:
        raise NotFound(f"no CAP message {identifier}")
    # Every message here is this server's own, under its own identifier (one each).
    body = encode_cap(max(found, key=lambda m: m.sent), config.tz)
    return Response(body, media_type=CAP_XML, headers={"Cache-Control": "public, max-age=60"})


@dataclass
class _CapBody(Operation):
    """The import's request body is one CAP 1.2 XML document."""

    def __post_init__(self) -> None:
        schema = Schema(type=OpenAPIType.STRING, description="one CAP 1.2 <alert> document")
        self.request_body = RequestBody(
            content={t: OpenAPIMediaType(schema=schema) for t in sorted(_CAP_TYPES)},
            required=True,
            description="A CAP 1.2 message. Hostile XML (DTDs, entities) is refused.",
        )


def _zones_for(request: Request[Any, Any, Any]) -> Any:
    zones = zones_of(request)
    if zones is None:
        return lambda area: ()
    return zones.zones_for_area


def _already_imported(service: Service, source: CapSource) -> list[int] | None:
    alerts = service.state.slice(Alerts)
    if (source.sender, source.identifier) not in alerts.by_upstream:
        return None
    return sorted(
        m.position
        for a in alerts.alerts.values()
        for m in a.messages
        if getattr(m.event, "source", None) == source
    )


@post(
    "/cap/import",
    tags=["cap"],
    operation_class=_CapBody,
    request_max_body_size=MAX_CAP_BYTES,
)
async def cap_import(
    request: Request[Any, Any, Any], service: ServiceDep, actor: ActorDep
) -> Response[dict[str, Any]]:
    """Import one upstream CAP 1.2 message as alert events (operators, or a feed bridge's key).

    A malformed or hostile document is refused (400 invalid_cap) with the reason and nothing
    is appended; importing the same message again appends nothing and answers with the
    original positions. A valid message that asks nothing here answers 200 `imported: false`
    with the reason: its areas touch none of the town's zones, Magen cannot place them (the
    areaDescs are named), it relays an alert already here, or what it ends is already over.
    A message about this town whose event Magen cannot map is refused 422, naming the event.
    An area given only by name is the town's zone of that name (he/ar/en, niqqud, case and
    hyphens aside); an imported answer lists the areas that name none (`unplaced`) and what of
    the message the alert does not keep (`notes`).
    """
    refused = wrong_media(request, _CAP_TYPES, f"the CAP message as {CAP_XML} (or application/xml)")
    if refused is not None:
        return refused
    if not can_import_cap(actor):
        raise Forbidden(f"the {actor.role.value} role may not import CAP messages")
    data = await request.body()
    zones = zones_of(request)
    try:
        found = read_cap(
            data,
            _zones_for(request),
            town_zones=None if zones is None else set(zones.zone_ids),
            zone_names=None if zones is None else zones.zone_names,
        )
    except CapUnknownEvent as exc:
        # A valid document: Magen cannot map its event, and it is about this town.
        raise InvalidCommand(str(exc)) from None
    except CapError as exc:
        return Response({"error": "invalid_cap", "reason": str(exc)}, status_code=400)
    commands = list(found.commands)  # already only this town's zones (`town_zones`)
    head = service.state.position
    if not commands:
        return _not_imported(found.reason or NOT_HERE, head)
    source = commands[0].source
    assert isinstance(source, CapSource)
    earlier = _already_imported(service, source)
    if earlier is not None:
        events = list(service.read_positions(tuple(earlier)))
        body = outcome_view_of(events, head)
        return Response({"imported": True, **body, "replayed": True}, status_code=200)
    commands, why_not = _to_do(service, found, commands, cap_config(request))
    if not commands:
        return _not_imported(why_not, head)
    _dry_run(service, actor, commands)
    recorded: list[Recorded] = []
    for command in commands:
        outcome = await service.handle(actor, command)
        recorded += outcome.events
    body = outcome_view_of(recorded, service.state.position)
    # Areas the message names that are none of this town's zones (nor placed otherwise).
    body["unplaced"] = list(found.unplaced)
    body["notes"] = list(found.notes)  # what of the message the alert does not keep, and why
    return Response({"imported": True, **body, "replayed": False}, status_code=201)


def _not_imported(reason: str, head: int) -> Response[dict[str, Any]]:
    return Response(
        {"imported": False, "reason": reason, "position": head, "replayed": False, "events": []},
        status_code=200,
    )


def _to_do(
    service: Service, found: CapImport, commands: list[ImportedCommand], config: CapConfig
) -> tuple[list[ImportedCommand], str]:
    """The commands that would change something, or none and why."""
    relayed = _relayed(service.state, found, config)
    if relayed is not None:
        return [], relayed
    now = service.clock.now()
    over = [already_over(service.state, c, now) for c in commands]
    if all(over):
        # An end or all clear for what has already ended asks for what is already true.
        return [], "; ".join(r for r in over if r)
    return [c for c, r in zip(commands, over, strict=True) if not r], ""


def _relayed(state: State, found: CapImport, config: CapConfig) -> str | None:
    """Why a new alert from another relay (as Magen sends one for each alert it imports,
    referencing the upstream message) is one this server already has; None if it is not."""
    if not any(isinstance(c, IssueAlert) for c in found.commands):
        return None
    by_upstream = state.slice(Alerts).by_upstream
    for ref in found.references:
        if ref.sender == config.sender:
            return f"the message relays this server's own message {ref.identifier}"
        known = by_upstream.get((ref.sender, ref.identifier))
        if known is not None:
            return (
                f"the message relays CAP message {ref.identifier} from {ref.sender}, "
                f"already imported here as alert {known}"
            )
    return None


def outcome_view_of(events: list[Recorded], head: int) -> dict[str, Any]:
    """The positions and types of imported events, as command answers show them."""
    return outcome_view(Outcome(tuple(events)), head)


def _dry_run(service: Service, actor: Actor, commands: list[ImportedCommand]) -> None:
    """Refuse the whole message if any of its commands would be refused (nothing appended)."""
    ctx = DecisionContext(actor=actor, now=service.clock.now())
    for command in commands:
        auth.authorise(actor, command, service.state)
        if not decide(service.state, command, ctx):
            raise InvalidCommand("the message changes nothing here")


router = Router(
    path="/api/v1",
    route_handlers=[
        issue_alert,
        update_alert,
        end_alert,
        all_clear,
        active_alerts,
        declare_danger_area,
        update_danger_area,
        lift_danger_area,
        danger_areas,
        shelter_status,
        cap_atom_feed,
        cap_message,
        cap_import,
    ],
    tags=["alerts"],
)
