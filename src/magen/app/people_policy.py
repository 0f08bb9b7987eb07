"""Who may send and read the casualty, hospital and missing-person parts of the domain."""

from __future__ import annotations

from magen.app.auth import Audience, register_audience, register_command
from magen.domain import casualties, hospitals, persons

_MEDICAL_EVENTS = (
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
    "HospitalRegistered",
    "HospitalStatusReported",
)
# A family reads back what it filed itself; everything else about persons is the registry's.
_OWN_PERSON_EVENTS = (
    "MissingPersonReported",
    "SurvivorCheckedIn",
    "PersonMarkedSafe",
    "PersonNoteAdded",
)
_REGISTRY_EVENTS = ("MatchProposed", "MatchConfirmed", "MatchRejected", "NotificationRecorded")


def register() -> None:
    """Declare the roles and audiences of the people parts (idempotent)."""
    for roles in (casualties.COMMAND_ROLES, hospitals.COMMAND_ROLES, persons.COMMAND_ROLES):
        for command, allowed in roles.items():
            register_command(command, allowed)
    for name in _MEDICAL_EVENTS:
        register_audience(name, Audience.MEDICAL)
    for name in _OWN_PERSON_EVENTS:
        register_audience(name, Audience.REGISTRY, owner_readable=True)
    for name in _REGISTRY_EVENTS:
        register_audience(name, Audience.REGISTRY)


register()
