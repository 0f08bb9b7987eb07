"""Casualties from the point of injury to hospital, hospitals, missing persons and matching.

Most routes send one command about one record and are declared in tables; the handlers below
them are the reads, the guided triage, and the PFIF and EDXL-HAVE exchanges.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Annotated, Any, Literal

from litestar import Request, Response, Router, get, post
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from pydantic import BaseModel, ConfigDict, Field

from magen.api.deps import ActorDep, ServiceDep, runtime
from magen.api.routes._common import (
    answer,
    body_model,
    command_on_item,
    command_route,
    encoded,
    kept_answer,
    wrong_media,
)
from magen.app import casualty_board, hospital_desk, persons_import, registry_board
from magen.app.auth import Audience, sees
from magen.app.people_policy import hospital_of
from magen.app.reunification import propose_matches
from magen.domain import casualties as cas
from magen.domain import hospitals as hos
from magen.domain import persons as per
from magen.domain.base import Actor
from magen.domain.errors import Forbidden, InvalidCommand, NotFound
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from magen.interop.edxl_have import EdxlError, export_have
from magen.people import pfif, triage
from magen.web.words_evidence import reasons
from magen.web.words_registry import release_kind, said_of, stock_release

log = logging.getLogger("magen.people")
C = "casualty_id"
_EvacuateBody = body_model(cas.EvacuateCasualty, C)


@post("/casualties/{item_id:str}/evacuate", summary="Evacuate", operation_id="EvacuateCasualty")
async def evacuate(
    service: ServiceDep,
    actor: ActorDep,
    item_id: FromPath[str],
    data: JSONBody[_EvacuateBody],  # type: ignore[valid-type]
) -> Response[dict[str, Any]]:
    """Evacuate. The answer's `warnings` say when the destination is closed to ambulances or
    in lockdown (as `hospital_desk.destination_warnings`): the evacuation is recorded all the
    same, since refusing a crew already on the road helps no one."""
    body: BaseModel = data
    outcome = await service.handle(actor, cas.EvacuateCasualty(casualty_id=item_id, **dict(body)))
    sent = answer(service, outcome)
    state = service.state
    casualty = state.slice(cas.Casualties).by_id.get(item_id)
    going_to = casualty.destination if casualty is not None else None
    hospital = state.slice(hos.Hospitals).by_id.get(going_to) if going_to else None
    sent.content["warnings"] = [
        {
            "kind": w.kind,
            "hospital_id": w.hospital_id,
            "message": w.message,
            "reason": w.reason,
            "reported_at": w.reported_at.isoformat() if w.reported_at else None,
        }
        for w in (hospital_desk.destination_warnings(hospital) if hospital else [])
    ]
    return sent


CASUALTY_ROUTES = [
    command_route("/casualties", cas.RecordCasualty, "Record a casualty at the point of injury"),
    command_on_item("/casualties/{item_id:str}/triage", cas.TriageCasualty, C, "Triage again"),
    command_on_item(
        "/casualties/{item_id:str}/interventions", cas.RecordIntervention, C, "Record a treatment"
    ),
    command_on_item(
        "/casualties/{item_id:str}/interventions/end", cas.EndIntervention, C, "End a treatment"
    ),
    command_on_item("/casualties/{item_id:str}/describe", cas.DescribeCasualty, C, "Describe"),
    evacuate,
    command_on_item("/casualties/{item_id:str}/arrival", cas.RecordArrival, C, "Arrived"),
    command_on_item("/casualties/{item_id:str}/admit", cas.AdmitCasualty, C, "Admit"),
    command_on_item("/casualties/{item_id:str}/discharge", cas.DischargeCasualty, C, "Discharge"),
    command_on_item("/casualties/{item_id:str}/death", cas.RecordDeath, C, "Record a death"),
    command_on_item("/casualties/{item_id:str}/identify", cas.IdentifyCasualty, C, "Identify"),
]


@post("/hospitals", summary="Register a hospital", operation_id="RegisterHospital")
async def register_hospital(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    data: JSONBody[hos.RegisterHospital],
) -> Response[dict[str, Any]]:
    """Register a hospital. A place over 300 km beyond the town's map is refused (422, rule
    `outside_region`): a device's (0, 0) or swapped coordinates, not a hospital of the region."""
    town = runtime(request).town
    return answer(service, await hospital_desk.register(service, actor, town, data))


HOSPITAL_ROUTES = [
    register_hospital,
    command_on_item(
        "/hospitals/{item_id:str}/status", hos.ReportHospitalStatus, "hospital_id", "Report status"
    ),
]
R = "report_id"
PERSON_ROUTES = [
    command_route("/persons/missing", per.ReportMissingPerson, "Report a missing person"),
    command_route("/persons/survivors", per.CheckInSurvivor, "Check a person in as safe"),
    command_on_item("/persons/missing/{item_id:str}/safe", per.MarkPersonSafe, R, "Found safe"),
    command_on_item("/persons/missing/{item_id:str}/notes", per.AddPersonNote, R, "Add a note"),
    command_on_item(
        "/persons/missing/{item_id:str}/notified", per.RecordNotification, R, "Family told"
    ),
    command_route("/persons/matches", per.ProposeMatch, "Propose a match"),
    command_on_item(
        "/persons/matches/{item_id:str}/confirm", per.ConfirmMatch, "match_id", "Confirm a match"
    ),
    command_on_item(
        "/persons/matches/{item_id:str}/reject", per.RejectMatch, "match_id", "Reject a match"
    ),
    command_on_item(
        "/persons/matches/{item_id:str}/withdraw",
        per.WithdrawMatch,
        "match_id",
        "Withdraw a confirmed match",
    ),
]


def _require(actor: Actor, audience: Audience, what: str) -> None:
    if not sees(actor, audience):
        raise Forbidden(f"the {actor.role.value} role may not read {what}")


def _warnings_view(c: cas.Casualty, now: Any) -> list[dict[str, Any]]:
    return [
        {"kind": w.kind, "message": w.message, "since": w.since.isoformat()}
        for w in cas.warnings(c, now)
    ]


def casualty_view(c: cas.Casualty, now: Any) -> dict[str, Any]:
    """A casualty as the medical roles see it."""
    latest = c.triage[-1] if c.triage else None
    return {
        "id": c.casualty_id,
        "tag": c.tag,
        "status": c.status.value,
        "category": latest.category.value if latest else None,
        "triaged_at": latest.at.isoformat() if latest else None,
        # JumpSTART is the children's triage: a child with no age written down is still one.
        "protocol": latest.protocol.value if latest else None,
        "lat": c.where.lat if c.where else None,
        "lon": c.where.lon if c.where else None,
        "place": c.place,
        "found_at": c.found_at.isoformat(),
        "description": c.description.model_dump(mode="json"),
        "name": c.name.model_dump(mode="json") if c.name else None,
        "interventions": [
            {
                "kind": i.kind.value,
                "site": i.site.value if i.site else None,
                "at": i.at.isoformat(),
                "ended_at": i.ended_at.isoformat() if i.ended_at else None,
            }
            for i in c.interventions
        ],
        "destination": c.destination,
        "hospital_id": c.hospital_id,
        "vehicle": c.vehicle,
        "vehicle_kind": c.vehicle_kind.value if c.vehicle_kind else None,
        "evacuated_at": c.evacuated_at.isoformat() if c.evacuated_at else None,
        "arrived_at": c.arrived_at.isoformat() if c.arrived_at else None,
        "admitted_at": c.admitted_at.isoformat() if c.admitted_at else None,
        "ward": c.ward.value if c.ward else None,
        "identification": c.identification.value,
        "identified_name": c.identified_name.model_dump(mode="json") if c.identified_name else None,
        "identified_by": c.identified_by,
        "identification_method": (
            c.identification_method.value if c.identification_method else None
        ),
        "warnings": _warnings_view(c, now),
    }


def casualty_summary(c: cas.Casualty, now: Any) -> dict[str, Any]:
    """What a board lists of a casualty: these fields of `casualty_view`, made directly."""
    latest = c.triage[-1] if c.triage else None
    return {
        "id": c.casualty_id,
        "tag": c.tag,
        "status": c.status.value,
        "category": latest.category.value if latest else None,
        "lat": c.where.lat if c.where else None,
        "lon": c.where.lon if c.where else None,
        "found_at": c.found_at.isoformat(),
        "destination": c.destination,
        "hospital_id": c.hospital_id,
        "warnings": _warnings_view(c, now),
    }


_VIEWS = {"full": casualty_view, "summary": casualty_summary}


def _board_answer(
    request: Request[Any, Any, Any], answer: casualty_board.Answer
) -> Response[bytes]:
    """The answer with its ETag: 304 and no body when the client has it; gzipped when the
    client takes it so."""
    return kept_answer(request, answer.body, etag=f'"{answer.digest}"', gzipped=answer.gzipped)


@get("/casualties")
async def list_casualties(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    status: Annotated[
        casualty_board.StatusFilter,
        Parameter(description="all; open (neither discharged nor dead); or one status"),
    ] = "all",
    view: Annotated[
        Literal["full", "summary"],
        Parameter(
            description="full records, or what a board lists (id, tag, status, category, "
            "lat, lon, found_at, destination, hospital_id, warnings)"
        ),
    ] = "full",
) -> Response[bytes]:
    """The casualty board (a hospital sees only casualties coming to or at it).

    `status=open` lists the casualties still in care (neither discharged nor dead), as the
    console shows them; `view=summary` gives each only the fields a board lists. In the order
    they were found. The answer carries an ETag: a client that sends it back in If-None-Match
    is answered 304 with no body while the answer is unchanged.
    """
    _require(actor, Audience.MEDICAL, "casualties")
    state = service.state
    if actor.role is Role.HOSPITAL and hospital_of(state, actor) is None:
        raise Forbidden("this hospital account is not linked to a registered hospital")
    shown = _VIEWS[view]
    key = ("casualties", casualty_board.scope(actor, state), status, view)
    made = casualty_board.listing(
        state,
        service,
        key,
        view,
        lambda: casualty_board.select(actor, state, status),
        lambda c, now: encoded(request, shown(c, now)),
    )
    return _board_answer(request, made)


class TriageAnswers(BaseModel):
    """The answers so far to a triage protocol's questions (question id to answer)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    protocol: triage.Protocol = triage.Protocol.START
    answers: dict[str, Any] = Field(default_factory=dict)


@post("/triage/step", status_code=200)
async def triage_step(actor: ActorDep, data: JSONBody[TriageAnswers]) -> dict[str, Any]:
    """The next START/JumpSTART question for the answers so far, or the category."""
    _require(actor, Audience.FIELD, "triage")
    try:
        step = triage.next_step(data.protocol, data.answers)
    except (ValueError, triage.TriageError) as exc:
        raise InvalidCommand(str(exc)) from None
    if isinstance(step, triage.TriageResult):
        return {
            "done": True,
            "category": step.category.value,
            "reason": step.reason,
            "explain": {lang: step.explain(lang) for lang in ("he", "ar", "en")},
        }
    return {
        "done": False,
        "question": {
            "id": step.id,
            "kind": step.kind.value,
            "text": {"he": step.text.he, "ar": step.text.ar, "en": step.text.en},
            "options": [
                {"id": o.id, "text": {"he": o.text.he, "ar": o.text.ar, "en": o.text.en}}
                for o in step.options
            ],
        },
    }


@get("/hospitals")
async def list_hospitals(
    request: Request[Any, Any, Any], service: ServiceDep, actor: ActorDep
) -> Response[bytes]:
    """Hospitals with their latest reported status and incoming patients.

    With an ETag, as the casualty board: 304 and no body while unchanged.
    """
    _require(actor, Audience.MEDICAL, "hospitals")
    state = service.state

    def make(_: Any) -> tuple[bytes, list[cas.Casualty]]:
        return encoded(request, _hospitals_view(state)), []

    return _board_answer(request, casualty_board.answer(state, service, ("hospitals",), make))


def _hospitals_view(state: State) -> list[dict[str, Any]]:
    loads = cas.hospital_loads(state.slice(cas.Casualties).by_id.values())
    out = []
    for h in state.slice(hos.Hospitals).by_id.values():
        load = loads.get(h.hospital_id)
        out.append(
            {
                "id": h.hospital_id,
                "name": h.name,
                "names": h.names.given(),
                "lat": h.where.lat,
                "lon": h.where.lon,
                "trauma_centre": h.trauma_centre,
                "paediatric": h.paediatric,
                "status": h.status.model_dump(mode="json"),
                "status_at": h.status_at.isoformat() if h.status_at else None,
                "incoming": len(load.en_route) if load else 0,
                "incoming_by_category": load.en_route_by_category if load else {},
                "arrived": load.arrived if load else 0,
                "admitted": load.admitted if load else 0,
            }
        )
    return out


@get("/hospitals/recommendation")
async def recommend(  # noqa: PLR0917 - a query's parameters, each named in the URL
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    lat: Annotated[float, Parameter(ge=-90, le=90)],
    lon: Annotated[float, Parameter(ge=-180, le=180)],
    category: FromQuery[str | None] = None,
    child: FromQuery[bool] = False,
) -> dict[str, Any]:
    """Where to take a casualty from here: hospitals ranked by capacity and travel time.

    Each hospital has its `name` of record and its `names` by language (he, ar, en: only
    those it has). Every reason is an English sentence (`reasons`, `excluded[].reason`) and a
    fact beside it (`reason_facts`, one each; `excluded[].code` and its facts) for a client to
    say in its own language: the codes are `hos.DESTINATION_REASON_CODES` and `hos.EXCLUSION_CODES`.
    Responders read it too (police and volunteers drive the wounded in their own cars); the
    hospitals' full status (GET /hospitals) stays with the medical roles.
    """
    if actor.role is not Role.RESPONDER:
        _require(actor, Audience.MEDICAL, "hospital recommendations")
    try:
        wanted = triage.TriageCategory(category) if category else None
    except ValueError:
        raise InvalidCommand(f"unknown triage category {category!r}") from None
    advice = await hospital_desk.recommend(
        service,
        runtime(request).town,
        GeoPoint(lat=lat, lon=lon),
        category=wanted.value if wanted else None,
        child=child,
    )
    rec = advice.recommendation
    names = _hospital_names(service.state)
    return {
        "ranked": [
            {
                "hospital_id": d.hospital_id,
                "name": d.name,
                "names": names.get(d.hospital_id, {}),
                "travel_minutes": round(d.travel_minutes, 1),
                "cost_minutes": round(d.cost_minutes, 1),
                "capacity_left": d.capacity_left,
                "reasons": list(d.reasons),
                "reason_facts": [f.facts() for f in d.reason_facts],
            }
            for d in rec.ranked
        ],
        "excluded": [
            {
                "hospital_id": x.hospital_id,
                "name": x.name,
                "names": names.get(x.hospital_id, {}),
                "reason": x.reason,
                **x.fact.facts(),
            }
            for x in rec.excluded
        ],
        "travel_model": advice.travel_model,
    }


@get("/hospitals/destinations")
async def destinations(service: ServiceDep, actor: ActorDep) -> dict[str, Any]:
    """Every hospital a casualty may be taken to, unranked (by name of record): for a crew
    with no place to rank from (no GPS fix yet), so that a destination can still be named.

    As the recommendation without its travel: `hospitals` are those offered, each with what
    its status says (`reason_facts`: `no_status`, `stale_status`, `lockdown`; `reasons` in
    English: `hos.unranked_destinations`);
    `excluded` are those its status rules out (`hos.status_limits`, the one rule), with why
    (`reason`, `code`, `note`). The same readers as the recommendation.
    """
    if actor.role is not Role.RESPONDER:
        _require(actor, Audience.MEDICAL, "hospital destinations")
    offered, excluded = hos.unranked_destinations(
        service.state.slice(hos.Hospitals).by_id.values(), now=service.clock.now()
    )
    by_id = service.state.slice(hos.Hospitals).by_id

    def named(hospital_id: str) -> dict[str, Any]:
        h = by_id[hospital_id]
        return {"hospital_id": h.hospital_id, "name": h.name, "names": h.names.given()}

    return {
        "hospitals": [
            {
                **named(h.hospital_id),
                "reasons": [words for words, _ in said],
                "reason_facts": [fact.facts() for _, fact in said],
            }
            for h, said in offered
        ],
        "excluded": [
            {**named(x.hospital_id), "reason": x.reason, **x.fact.facts()} for x in excluded
        ],
    }


def _hospital_names(state: State) -> dict[str, dict[str, str]]:
    """Each registered hospital's names by language (only the languages it has one in)."""
    return {h.hospital_id: h.names.given() for h in state.slice(hos.Hospitals).by_id.values()}


@get("/hospitals/edxl-have", media_type="application/xml")
async def have_export(service: ServiceDep, actor: ActorDep) -> bytes:
    """Every hospital's status as one EDXL-HAVE 1.0 document."""
    _require(actor, Audience.MEDICAL, "hospital status")
    hospitals = service.state.slice(hos.Hospitals).by_id.values()
    if not hospitals:  # EDXL-HAVE has no empty document
        raise NotFound(
            "no hospitals are registered yet: an EDXL-HAVE document reports at least one"
        )
    return export_have(hospitals)


# What `import_have` reads (its own `max_bytes`): a whole region's hospitals in one document.
MAX_HAVE_BYTES = 5 * 1024 * 1024


# The content types an XML import takes (as the CAP import: application/xml, text/xml, and the
# format's own type).
EDXL_HAVE_XML = "application/edxl-have+xml"
_HAVE_TYPES = frozenset({EDXL_HAVE_XML, "application/xml", "text/xml"})
_PFIF_TYPES = frozenset({pfif.MIME_TYPE, "application/xml", "text/xml"})


@post("/hospitals/edxl-have", status_code=200, request_max_body_size=MAX_HAVE_BYTES)
async def have_import(
    request: Request[Any, Any, Any], service: ServiceDep, actor: ActorDep
) -> Response[dict[str, Any]]:
    """Hospital status from an EDXL-HAVE 1.0 document (hardened parsing).

    Each known hospital with a newer status is reported once; `current` names those whose
    status at that time (or later) is already recorded, `unknown` those this server lacks.
    The document may be up to 5 MiB (other requests up to the server's body limit). It is
    sent as application/xml, text/xml or application/edxl-have+xml: any other Content-Type
    is answered 415 and nothing is read.
    """
    refused = wrong_media(request, _HAVE_TYPES, "the EDXL-HAVE document as application/xml")
    if refused is not None:
        return refused
    try:
        done = await hospital_desk.import_status(service, actor, await request.body())
    except EdxlError as exc:
        raise ClientException(f"not a valid EDXL-HAVE document: {exc}") from None
    return Response(
        {
            "reported": done.reported,
            "unknown": done.unknown,
            "current": done.current,
            "positions": done.positions,
        }
    )


@get("/persons/family")
async def family(service: ServiceDep, actor: ActorDep) -> Any:
    """What this account reported and the outcomes the registrar has released to it.

    Each report's `message` is the registrar's words. When they are the desk's stock sentence
    for the outcome (proposed in the desk's language, or the service's English default when
    the registrar gave none), `release_is_default` is true and `release_key` names the
    sentence (`registry_release_<outcome>`, with `_f` or `_m` when the report gives the
    person's sex), so that an app can say it in its own language; else they are false and
    null, and the words are the registrar's own. A found report with no `outcome` is one
    whose outcome changed after it was confirmed (a death, a discharge) and that no registrar
    has told the family of yet: its message says only that the person was found
    (`registry_release_pending`).
    """
    if actor.account_id is None:
        raise Forbidden("sign in to see the people you reported")
    view = per.family_view(service.state, actor.account_id)
    missing = service.state.slice(per.Persons).missing
    reports = []
    for r in view.reports:
        key = _release_key(release_kind(r.status, r.outcome), r.message, missing[r.report_id])
        reports.append(
            {
                **{f.name: getattr(r, f.name) for f in dataclasses.fields(r)},
                "release_is_default": key is not None,
                "release_key": key,
            }
        )
    return {"reports": reports, "check_ins": view.check_ins}


def _with_release_key(card: dict[str, Any], report: per.MissingReport) -> dict[str, Any]:
    key = _release_key(release_kind(report.status.value, report.outcome), report.release, report)
    return {**card, "release_key": key} if key is not None else card


def _release_key(kind: str | None, said: str, report: per.MissingReport) -> str | None:
    """The key of the desk's stock sentence `said` is for outcome `kind` (with `_f` or `_m`
    when the report gives the person's sex), for a page to say it in its own language; None
    for words a registrar wrote."""
    key = stock_release(kind, said) if kind is not None and said else None
    return key + said_of(report.description.sex) if key is not None else None


# What the desk shows of a casualty a proposal names: these fields of `casualty_view`.
_NAMED_CASUALTY = (
    "id",
    "tag",
    "status",
    "place",
    "found_at",
    "description",
    "name",
    "destination",
    "hospital_id",
    "identification",
    "identified_name",
)


def _named_casualty(c: cas.Casualty, now: Any) -> dict[str, Any]:
    view = casualty_view(c, now)
    # Where a discharge sent them: home or a shelter is safe, other care is still in care,
    # against advice is alive but not known to be safe (`persons.DISCHARGED_TO`).
    return {
        **{k: view[k] for k in _NAMED_CASUALTY},
        "disposition": c.disposition.value if c.disposition else None,
    }


def _revalidated(request: Request[Any, Any, Any], body: bytes) -> Response[bytes]:
    """A JSON answer with an ETag of its content: 304 and no body when the client has it."""
    return kept_answer(request, body)


# The last boards answered, by the board (one log position) and the number listed.
_ANSWERED: dict[tuple[int, int, str], tuple[registry_board.Board, bytes]] = {}


@get("/persons/board")
async def board(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    limit: Annotated[int, Parameter(ge=1, le=registry_board.MAX_LIMIT)] = 100,
    lang: FromQuery[Literal["he", "ar", "en"]] = "en",
) -> Response[bytes]:
    """The registrar's work: proposed matches, families to tell, and counts (registrars).

    `matches` are the proposed matches of reports still searching, likeliest first (those of
    reports already closed cannot be confirmed: `counts.proposed_on_closed` counts them), and
    `will_be` what confirming a casualty's would tell the family; `to_tell` the families
    waiting to be told of a confirmed outcome (`changed_from` set when it changed since it was
    confirmed, `told_before` and `told` when they were told the earlier one,
    `identify_first` for a death not formally identified, which no family is told yet; for a
    living casualty `place`, where it is now: `hospital:<id>`, `other_care`, `on_the_way` (no
    destination said) or `none`, not in a hospital yet; `moved_from`, where it was when the
    family was told, once a transfer or a discharge to other care has moved it since;
    `casualty_id` for a casualty's news) or that a match they were told of was withdrawn
    (`withdrawn`, with its `reason`), deaths and withdrawn news first, then whoever has waited
    longest: the first `limit` of each (`counts` says how many wait); `noted_after` the found
    (or duplicate) reports with a note written after they were closed, newest first: a family
    writing "she called us" of someone confirmed dead must be read at once. `reports`,
    `survivors` and `casualties` (by id) are the records these name, as cards: what the desk
    shows of each, the fields a record leaves empty left out, a report's notes counted
    (`note_count`), not sent (GET /persons/missing/{id} has them); `hospitals` (id to name)
    where those casualties are or go, and `hospital_names` (id to the names it has by language,
    he, ar, en); `counts` also counts every report by status, the survivors and the matches by
    status. Reports are found by name with GET /persons/search. The answer
    carries an ETag: a client that sends it back in If-None-Match is answered 304 with no
    body while the board is unchanged.
    """
    _require(actor, Audience.REGISTRY, "the reunification board")
    work = registry_board.board(service.state, service)
    held = _ANSWERED.get((id(work), limit, lang))
    if held is not None and held[0] is work:
        return _revalidated(request, held[1])
    matches, to_tell = work.matches[:limit], work.to_tell[:limit]
    noted_after = work.noted_after[:limit]
    names = registry_board.named(service.state, matches, to_tell, noted_after)
    now = service.clock.now()
    body = encoded(
        request,
        {
            "matches": [registry_board.match_card(m) for m in matches],
            # Each match's reasons in the desk's language (`lang`): for, then against, the
            # strongest first; none for a match proposed before proposals carried evidence.
            "reasons": {m.match_id: reasons(m.evidence, lang) for m in matches if m.evidence},
            # What confirming each casualty's match would tell the family, as the domain
            # derives it from the casualty now (`persons.casualty_outcome`).
            "will_be": {
                m.match_id: per.casualty_outcome(names.casualties[m.candidate_id]).value
                for m in matches
                if m.candidate_kind is per.CandidateKind.CASUALTY
                and m.candidate_id in names.casualties
            },
            "to_tell": [registry_board.tell_card(t) for t in to_tell],
            "noted_after": noted_after,
            # A report's released words, when they are the stock sentence for its outcome,
            # named by `release_key` (as GET /persons/family does) for the desk to say them in
            # its own language: the service writes them in English.
            "reports": {
                k: _with_release_key(registry_board.report_card(r), r)
                for k, r in names.reports.items()
            },
            "survivors": {k: registry_board.survivor_card(s) for k, s in names.survivors.items()},
            "casualties": {
                k: registry_board.compact(_named_casualty(c, now))
                for k, c in names.casualties.items()
            },
            "hospitals": names.hospitals,
            "hospital_names": {
                k: hos.hospital(service.state, k).names.given() for k in names.hospitals
            },
            "counts": {
                "reports": {"all": sum(work.reports_by_status.values()), **work.reports_by_status},
                "survivors": work.survivor_count,
                "matches": work.matches_by_status,
                "to_tell": len(work.to_tell),
                "noted_after": len(work.noted_after),
                "proposed_on_closed": work.proposed_on_closed,
            },
        },
    )
    if any(b is not work for b, _ in _ANSWERED.values()):
        _ANSWERED.clear()
    _ANSWERED[id(work), limit, lang] = (work, body)
    return _revalidated(request, body)


# Past any registry's size, and within what a page can be cut at (islice stops at sys.maxsize).
MAX_OFFSET = 1_000_000_000


@get("/persons/search")
async def search_reports(  # noqa: PLR0917 - a query's parameters, each named in the URL
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    q: Annotated[str, Parameter(max_length=registry_board.MAX_QUERY)] = "",
    status: Annotated[
        Literal["all", "searching", "found", "safe", "duplicate"],
        Parameter(description="the reports' status, or all"),
    ] = "all",
    limit: Annotated[int, Parameter(ge=1, le=registry_board.MAX_LIMIT)] = 50,
    offset: Annotated[int, Parameter(ge=0, le=MAX_OFFSET)] = 0,
) -> Response[bytes]:
    """Missing-person reports by name, newest filed first, a page at a time (registrars).

    A report is found when `q` is part of its full name, its given and family name, or any
    alternate, in any script, without regard to case, Hebrew points or Arabic vowel marks;
    an empty `q` finds every report. `total` counts all that are found. Each report is a
    card, as on the board. With an ETag, as the board.
    """
    _require(actor, Audience.REGISTRY, "the reunification board")
    found = registry_board.search_reports(
        service.state,
        q,
        status=None if status == "all" else status,
        limit=limit,
        offset=offset,
        service=service,
    )
    page = {
        "q": q,
        "status": status,
        "offset": offset,
        "limit": limit,
        "total": found.total,
        "reports": [registry_board.report_card(r) for r in found.reports],
    }
    return _revalidated(request, encoded(request, page))


@get("/persons/missing/{report_id:str}")
async def missing_report(
    service: ServiceDep, actor: ActorDep, report_id: FromPath[str]
) -> dict[str, Any]:
    """One missing-person report in full, with every match that names it (registrars)."""
    _require(actor, Audience.REGISTRY, "the reunification board")
    persons = service.state.slice(per.Persons)
    report = persons.missing.get(report_id)
    if report is None:
        raise NotFound(f"no missing-person report {report_id}")
    return {
        "report": report,
        "matches": [
            m
            for m in persons.matches.values()
            if m.report_id == report_id
            or (m.candidate_kind is per.CandidateKind.MISSING and m.candidate_id == report_id)
        ],
    }


@post("/persons/matching/run", status_code=200)
async def run_matching(service: ServiceDep, actor: ActorDep) -> dict[str, Any]:
    """Match open reports against casualties and survivors and propose the likely ones.

    A role that may not propose a match (an analyst reads the registry, no more) is refused
    403 whether or not there is anything to propose."""
    _require(actor, Audience.REGISTRY, "matching")
    run = await propose_matches(service, actor)
    return {"candidates": run.candidates, "proposed": run.proposed}


def _left_out_named(ids: list[str]) -> str:
    """The record ids, space-separated, as many whole ones as fit in MAX_LEFT_OUT_BYTES (the
    log names every one; the count header says how many there are)."""
    named: list[str] = []
    size = 0
    for record_id in ids:
        size += len(record_id.encode()) + (1 if named else 0)
        if size > MAX_LEFT_OUT_BYTES:
            break
        named.append(record_id)
    return " ".join(named)


# The most record ids X-Pfif-Left-Out-Records names (the count names them all), and the most
# bytes it takes: a reverse proxy refuses an answer whose headers pass its buffer (nginx's
# proxy_buffer_size is 4-8 KiB for all of them), and a record id may be 500 characters.
MAX_LEFT_OUT_NAMED = 100
MAX_LEFT_OUT_BYTES = 2048


def _header_safe(record_id: str) -> str:
    """A record id as a header carries it (printable ASCII: any other character as '?')."""
    return "".join(c if "!" <= c <= "~" else "?" for c in record_id)


@get("/pfif/export", media_type="application/xml")
async def pfif_export(
    service: ServiceDep, actor: ActorDep, domain: FromQuery[str] = pfif.DEFAULT_DOMAIN
) -> Response[Any]:
    """Missing-person reports and survivors as PFIF 1.4 (no casualties, no contact details).

    The export never fails for a record already in the log: a record that cannot be written
    as valid PFIF (say a note written before its author and text were required) is left out,
    a person with its notes, and the rest is exported. The answer says so in two headers:
    `X-Pfif-Left-Out` counts the records left out (0 when none), and
    `X-Pfif-Left-Out-Records` names them, by PFIF record id, space-separated (the first
    ones, whole, up to 100 and 2 KiB); every one and the rules it breaks go to the server's
    log. 404 when there is nothing to export,
    or when no record could be written (the headers then name those left out).
    """
    _require(actor, Audience.REGISTRY, "the persons registry")
    try:
        doc = pfif.export_pfif(service.state, domain=domain)
    except ValueError as exc:
        raise InvalidCommand(str(exc)) from None
    if not doc.persons and not doc.notes:  # PFIF has no empty document
        raise NotFound(
            "no missing-person reports or survivors to export yet: "
            "a PFIF document holds at least one person or note"
        )
    written = pfif.dumps_writable(doc)
    for record_id, why in written.left_out:
        log.warning("PFIF export left out %s: %s", record_id, why)
    named = _left_out_named([_header_safe(r) for r, _ in written.left_out[:MAX_LEFT_OUT_NAMED]])
    headers = {"X-Pfif-Left-Out": str(len(written.left_out)), "X-Pfif-Left-Out-Records": named}
    if written.data is None:
        return Response(
            {
                "error": NotFound.code,
                "reason": f"no record could be written as valid PFIF: "
                f"{len(written.left_out)} left out",
            },
            status_code=404,
            media_type="application/json",
            headers=headers,
        )
    return Response(written.data, media_type="application/xml", headers=headers)


@post("/pfif/import", status_code=200, request_max_body_size=pfif.MAX_PFIF_BYTES)
async def pfif_import(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    domain: FromQuery[str] = pfif.DEFAULT_DOMAIN,
) -> Response[dict[str, Any]]:
    """Persons and notes from a PFIF 1.4 document (up to 50 MiB); re-importing adds nothing.

    Every person becomes a missing-person report and every note a note on it, kept with its
    note_record_id, author and author_made_contact, whatever its status says: a PFIF
    believed_alive is someone's claim, for a registrar to confirm, never a check-in.

    Record by record, not all or nothing: a feed's records are written by many authors
    elsewhere and the importer cannot correct them, so one bad record must not hold back
    thousands of good ones (nor fail every later poll of the feed). Each record the domain refuses
    (a date of birth after the day, a time in the future) is left out with the notes of a
    refused person, and the others are imported. `skipped` lists every record not imported,
    with its `record_id` and the `reason`: already imported, expired, not fitting Magen's
    fields, a note whose person is not known here, or the refusal. `imported` counts the
    records appended, `positions` are their events. Fix and send the same document again:
    what is already in is skipped. A document that breaks PFIF's rules is refused whole (400,
    nothing appended), as is a role that may not file reports (403). The document is sent as
    application/xml, text/xml or application/pfif+xml: any other Content-Type is answered
    415 and nothing is read. A record entered in the future (entry_date or source_date past
    the server's clock and the skew it allows) is skipped with that reason.

    `domain` (default magen.local) is the one this Magen's export names its records with (its
    `?domain=`): a record in it is this registry's own, never imported again (an export sent
    back adds nothing, each record skipped as already here), and a note from elsewhere on one
    of its persons joins that report; a record in it naming nothing held here is skipped.
    """
    refused = wrong_media(request, _PFIF_TYPES, "the PFIF 1.4 document as application/xml")
    if refused is not None:
        return refused
    try:
        pfif.check_domain(domain)
    except ValueError as exc:
        raise InvalidCommand(str(exc)) from None
    try:
        done = await persons_import.import_pfif(service, actor, request.body, domain=domain)
    except pfif.PfifError as exc:
        raise ClientException(f"not a valid PFIF 1.4 document: {exc}") from None
    return Response(
        {
            "imported": done.imported,
            "skipped": [{"record_id": r, "reason": why} for r, why in done.skipped],
            "positions": done.positions,
        }
    )


router = Router(
    path="/api/v1",
    route_handlers=[
        *CASUALTY_ROUTES,
        *HOSPITAL_ROUTES,
        *PERSON_ROUTES,
        list_casualties,
        triage_step,
        list_hospitals,
        recommend,
        destinations,
        have_export,
        have_import,
        family,
        board,
        search_reports,
        missing_report,
        run_matching,
        pfif_export,
        pfif_import,
    ],
    tags=["people"],
)
