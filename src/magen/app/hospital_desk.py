"""The hospital desk: where to take a casualty, and hospital status from EDXL-HAVE documents.

`recommend` ranks the registered hospitals for one casualty by capacity and the ambulance's
drive around the danger areas in force (`hospital_travel`), counting the casualties already
heading to each so a free bed is not promised twice.

`import_status` reports the statuses of an EDXL-HAVE document as ordinary commands, one per
known hospital with a newer status. Everything that could refuse the document is checked
before anything is appended: a hospital account may import only its own hospital's status,
and a status already recorded (the same document imported again by any account) is reported
back as current rather than refused, so an import never half-lands.

`destination_warnings` says what a crew taking a casualty to a hospital must know at once:
that it asked for ambulances to go elsewhere (closed to them, its building closed or being
evacuated, no emergency department) or controls who may enter (a lockdown, a quarantine):
the domain's one rule, `hospitals.status_limits`, that also keeps such a hospital out of the
recommendation. The evacuation is recorded all the same: a crew already on the road with a
casualty is better told than refused.

`check_hospital_place` refuses registering a hospital implausibly far from the town (a
device's (0, 0), latitude and longitude swapped): hospitals outside the town but in the
region, and the national centres a helicopter takes casualties to, are taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import anyio

from magen.app import hospital_travel
from magen.app.people_policy import hospital_of
from magen.app.region import refuse_beyond
from magen.app.service import Outcome, Service
from magen.domain import casualties as cas
from magen.domain import hospitals as hos
from magen.domain.base import Actor
from magen.domain.errors import Conflict, Forbidden
from magen.domain.values import GeoPoint, Role
from magen.geo.town import Town
from magen.interop.edxl_have import import_have, status_commands

IMPORTERS = frozenset({Role.ADMIN, Role.DISPATCHER, Role.HOSPITAL})

# How far beyond the town's map a hospital may be. Casualties go to hospitals outside the
# town (its own may have none), and by helicopter to national trauma centres: on 7 October
# 2023 from the Gaza border to Sheba, some 75 km. A slip is much farther: a device's (0, 0)
# thousands of km, latitude and longitude swapped some 500 km in Israel.
HOSPITAL_REACH_M = 300_000.0


def check_hospital_place(town: Town | None, where: GeoPoint) -> None:
    """Refuse (422, rule `outside_region`) a hospital over HOSPITAL_REACH_M beyond the town's
    map (no check without a town: nothing says where the server is)."""
    refuse_beyond(town, where, "a hospital", HOSPITAL_REACH_M, check="the place (latitude first)")


async def register(
    service: Service, actor: Actor, town: Town | None, command: hos.RegisterHospital
) -> Outcome:
    """Register a hospital, refusing a place implausibly far from the town first."""
    check_hospital_place(town, command.where)
    return await service.handle(actor, command)


@dataclass(frozen=True, slots=True)
class DestinationWarning:
    """Why a destination may not take a casualty as it comes, from its latest status."""

    # A code of `hospitals.status_limits`: closed_to_ambulances, facility_closed,
    # facility_evacuating, no_emergency_department, quarantine or lockdown.
    kind: str
    hospital_id: str
    message: str  # in English, for the API's clients and the log
    reason: str  # the hospital's words for its ambulance status ("" if it gave none)
    reported_at: datetime | None  # when the status saying so was observed


# How a crew is told each limit. Which limits a status has is the domain's one rule
# (`hospitals.status_limits`, which also rules hospitals out of the recommendation); a limit
# with no sentence here is told in the domain's words.
_TOLD = {
    "closed_to_ambulances": "is closed to ambulances{why}: divert",
    "facility_closed": "reports its facility closed",
    "facility_evacuating": "is being evacuated",
    "no_emergency_department": "has no emergency department: divert",
    "lockdown": "is in lockdown: authorised entry only",
    "quarantine": "is under quarantine",
}


def destination_warnings(hospital: hos.Hospital) -> list[DestinationWarning]:
    """What a crew heading to `hospital` must be told of its latest status (none if it is
    open, or said nothing yet): every limit the domain finds in it."""
    s = hospital.status
    at = hospital.status_at
    when = f", as reported at {at.isoformat(timespec='minutes')}" if at is not None else ""
    out: list[DestinationWarning] = []
    for limit in hos.status_limits(s):
        code, note = limit.fact.code, limit.fact.note
        told = _TOLD.get(code)
        what = told.format(why=f" ({note})" if note else "") if told else f"is {limit.words}"
        message = f"{hospital.name} {what}{when}"
        out.append(
            DestinationWarning(code, hospital.hospital_id, message, s.ems_traffic_reason, at)
        )
    return out


@dataclass(frozen=True, slots=True)
class DestinationAdvice:
    """Hospitals ranked for one casualty, and how their travel times were estimated."""

    recommendation: hos.Recommendation
    travel_model: str


async def recommend(
    service: Service,
    town: Town | None,
    origin: GeoPoint,
    *,
    category: str | None = None,
    child: bool = False,
) -> DestinationAdvice:
    """Where to take a casualty from `origin`: hospitals by capacity and travel time."""
    state = service.state
    now = service.clock.now()
    hospitals = list(state.slice(hos.Hospitals).by_id.values())
    areas = hospital_travel.active_danger_areas(state, now) if town is not None else []
    found = await anyio.to_thread.run_sync(
        lambda: hospital_travel.travel_times(origin, hospitals, town, areas)
    )
    loads = cas.hospital_loads(state.slice(cas.Casualties).by_id.values())
    recommendation = hos.recommend_destination(
        hospitals,
        found,
        category=category,
        child=child,
        en_route={k: v.en_route_by_category for k, v in loads.items()},
        now=now,
    )
    model = (
        f"driving over the town's streets at {hospital_travel.AMBULANCE_KMH:.0f} km/h"
        if town is not None
        else hospital_travel.NO_TOWN
    )
    return DestinationAdvice(recommendation, model)


@dataclass(frozen=True, slots=True)
class StatusImported:
    """What one EDXL-HAVE import did."""

    reported: int  # statuses appended by this import
    positions: list[int]
    unknown: list[str]  # hospitals in the document this server does not know
    current: list[str]  # hospitals whose status at that time, or a later one, was recorded


async def import_status(service: Service, actor: Actor, document: bytes) -> StatusImported:
    """Report each newer hospital status in an EDXL-HAVE 1.0 document (hardened parsing).

    Raises `EdxlError` for a malformed or invalid document, `Forbidden` for a caller who may
    not import it, and `Conflict` for a different status at a time already recorded; in each
    case nothing is appended.
    """
    if actor.role not in IMPORTERS:
        raise Forbidden(f"the {actor.role.value} role may not import hospital status")
    parsed = await anyio.to_thread.run_sync(import_have, document)
    state = service.state
    plan = status_commands(parsed, state.slice(hos.Hospitals).by_id, now=service.clock.now())
    if actor.role is Role.HOSPITAL:
        own = hospital_of(state, actor)
        named = {c.hospital_id for c in plan.commands} | set(plan.conflicting)
        others = sorted(named - {own})
        if others:
            raise Forbidden(
                "a hospital account imports its own hospital's status only; "
                f"this document also reports {', '.join(others)}"
            )
    if plan.conflicting:
        # Refused whole, as a document the log would refuse part of: nothing is reported.
        raise Conflict(
            f"a different status at the same LastUpdateTime is already recorded for "
            f"{', '.join(plan.conflicting)}: send a correction with a later LastUpdateTime"
        )
    positions: list[int] = []
    reported = 0
    for command in plan.commands:
        outcome = await service.handle(actor, command)
        positions.extend(outcome.positions)
        reported += 0 if outcome.replayed else 1
    return StatusImported(reported, positions, plan.unknown, plan.current)
