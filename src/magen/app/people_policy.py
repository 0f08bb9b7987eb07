"""Who may send and read the casualty, hospital and missing-person parts of the domain.

A hospital account is in the medical audience, but a casualty is its business only while the
casualty is bound for it or in it (`readable_casualties`): the casualty board (`GET /casualties`)
and the live feed apply the same rule, the feed at each event's own log position. A hospital is
sent an event about a casualty when the casualty is its own just before or just after that
event, so the hospital a casualty is diverted from or transferred out of learns that it is
gone, and nothing after. The event that makes a casualty a hospital's own (an evacuation to it,
or an arrival there without one) brings the casualty's earlier events with it, those the
hospital was not sent at their own positions (`released_with`): the receiving department sees
the tag, triage, treatments and description of the patient on the way, and nothing of
casualties that never come to it.
"""

from __future__ import annotations

from magen.app.auth import (
    Audience,
    register_audience,
    register_command,
    restrict_reading,
    sees,
)
from magen.domain import casualties, hospitals, persons
from magen.domain.base import Actor, Recorded
from magen.domain.casualties import Casualty
from magen.domain.state import State
from magen.domain.values import Role

_CASUALTY_EVENTS = (
    "CasualtyRecorded",
    "CasualtyTriaged",
    "InterventionRecorded",
    "InterventionEnded",
    "CasualtyDescribed",
    "CasualtyEvacuated",
    "CasualtyArrived",
    "CasualtyAdmitted",
    "CasualtyDischarged",
    "DeathRecorded",
    "CasualtyIdentified",
)
_HOSPITAL_EVENTS = ("HospitalRegistered", "HospitalStatusReported")
# A family reads back what it filed itself; everything else about persons is the registry's.
_OWN_PERSON_EVENTS = (
    "MissingPersonReported",
    "SurvivorCheckedIn",
    "PersonMarkedSafe",
    "PersonNoteAdded",
)
_REGISTRY_EVENTS = (
    "MatchProposed",
    "MatchConfirmed",
    "MatchRejected",
    "MatchWithdrawn",
    "NotificationRecorded",
)


def hospital_of(state: State, actor: Actor) -> str | None:
    """The hospital a hospital account reports for (None for other roles or an unlinked one)."""
    if actor.role is not Role.HOSPITAL or actor.account_id is None:
        return None
    for h in state.slice(hospitals.Hospitals).by_id.values():
        if h.account_id == actor.account_id:
            return h.hospital_id
    return None


def readable_casualties(actor: Actor, state: State) -> list[Casualty]:
    """The casualty records the actor may read as they stand now (the board's rule)."""
    if not sees(actor, Audience.MEDICAL):
        return []
    every = state.slice(casualties.Casualties).by_id.values()
    if actor.role is not Role.HOSPITAL:
        return list(every)
    own = hospital_of(state, actor)  # looked up once, not per casualty
    if own is None:  # an account no hospital reports through reads none
        return []
    return [c for c in every if own in casualties.hospitals_of(c)]


def _own_casualty(actor: Actor, recorded: Recorded, state: State) -> tuple[str, Casualty] | None:
    """The hospital's id and the casualty an event is about, for a linked hospital account."""
    own = hospital_of(state, actor)
    casualty_id = getattr(recorded.event, "casualty_id", None)
    if own is None or not isinstance(casualty_id, str):
        return None
    c = state.slice(casualties.Casualties).by_id.get(casualty_id)
    return None if c is None else (own, c)


def _own_around(own: str, c: Casualty, position: int) -> tuple[bool, bool]:
    """Whether the casualty was the hospital's just before and just after the event there."""
    before = casualties.hospitals_at(c, position - 1)
    return own in before, own in casualties.hospitals_at(c, position)


def _hospital_reads(actor: Actor, recorded: Recorded, state: State) -> bool:
    found = _own_casualty(actor, recorded, state)
    return found is not None and any(_own_around(*found, recorded.position))


def _hospital_receives(actor: Actor, recorded: Recorded, state: State) -> tuple[int, ...]:
    found = _own_casualty(actor, recorded, state)
    if found is None or _own_around(*found, recorded.position) != (False, True):
        return ()
    own, c = found
    return tuple(q for q in c.history if q < recorded.position and not any(_own_around(own, c, q)))


def register() -> None:
    """Declare the roles and audiences of the people parts (idempotent)."""
    for roles in (casualties.COMMAND_ROLES, hospitals.COMMAND_ROLES, persons.COMMAND_ROLES):
        for command, allowed in roles.items():
            register_command(command, allowed)
    for name in _CASUALTY_EVENTS:
        register_audience(name, Audience.MEDICAL)
        restrict_reading(name, Role.HOSPITAL, _hospital_reads, released=_hospital_receives)
    for name in _HOSPITAL_EVENTS:
        register_audience(name, Audience.MEDICAL)
    for name in _OWN_PERSON_EVENTS:
        register_audience(name, Audience.REGISTRY, owner_readable=True)
    for name in _REGISTRY_EVENTS:
        register_audience(name, Audience.REGISTRY)


register()
