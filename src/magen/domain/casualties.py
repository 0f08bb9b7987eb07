"""Casualties from the point of injury to hospital, discharge or death, and identification.

A responder or medic records a casualty where they find it, under the number of the triage tag
they tie on. Triage is START for adults and JumpSTART for children, asked as guided questions
(`magen.people.triage`); the answers are kept with the category so every tag can be explained,
and a casualty is re-triaged as often as needed. Interventions carry their times: a tourniquet
left on for more than two hours raises a warning (`warnings`).

The status runs at the scene -> evacuated (vehicle, destination) -> arrived -> admitted ->
discharged, or to deceased from any point before discharge. A casualty brought to hospital by
private car arrives without a recorded evacuation; a transfer between hospitals is an
evacuation from arrived or admitted.

Identifying the dead follows mass-fatality practice (Interpol DVI): only a primary identifier
(fingerprints, dental records, DNA) or a formal identification by next of kin makes it formal,
and only the registrars' desk records it; documents, personal effects and visual recognition
(a borrowed wallet, a face changed by injury) make it provisional, and a family is told of a
death only once it is formal. A living patient who says who they are is named by a medic too.

Domain rules on roles: only a medic or a registrar may identify a casualty, and only they or
the patient's own hospital may record a death (a patient who dies in the emergency room must
not stay "admitted"). The app's role policy says the same; the rule is repeated here because
a death record and an identification are what a family is eventually told. A hospital account
records arrivals, admissions, discharges and deaths at its own hospital only; it triages,
treats and transfers its own patients only (those in it, or last in it), and describes those
and the casualties on their way to it (`not_our_patient`). A casualty at the scene is the
field's: a walk-in is recorded, its arrival recorded, and then it is the hospital's patient.
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, Field, field_validator

from magen.domain.base import Command, DecisionContext, Event, Recorded, decider, event, evolver
from magen.domain.errors import Conflict, Forbidden, InvalidCommand, NotFound
from magen.domain.hospitals import BedType, Hospital, Hospitals, hospital
from magen.domain.people import (
    Description,
    Name,
    Note,
    PersonName,
    clean_text,
    observed_time,
    typed,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from magen.people.triage import (
    JUMPSTART_AGE_LIMIT_YEARS,
    Answer,
    Protocol,
    TriageCategory,
    TriageError,
    protocol_for,
    triage,
)

TOURNIQUET_LIMIT = timedelta(hours=2)
DEATH_ROLES = frozenset({Role.MEDIC, Role.REGISTRAR, Role.HOSPITAL})  # a hospital: its patients
IDENTIFY_ROLES = frozenset({Role.MEDIC, Role.REGISTRAR})

TagNumber = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(typed)]
Place = Annotated[str, Field(max_length=300), AfterValidator(typed)]
# What a medic or a hospital types in a command (events keep plain text: what the log already
# holds is read as it was written). A control character could be logged but never exported;
# a bidirectional override would reorder what every later reader is shown (`typed`).
TypedNote = Annotated[Note, AfterValidator(typed)]
Vehicle = Annotated[str, Field(max_length=100), AfterValidator(typed)]


class CasualtyStatus(StrEnum):
    AT_SCENE = "at_scene"
    EVACUATED = "evacuated"  # on the way to a hospital
    ARRIVED = "arrived"
    ADMITTED = "admitted"
    DISCHARGED = "discharged"
    DECEASED = "deceased"


class InterventionKind(StrEnum):
    TOURNIQUET = "tourniquet"
    PRESSURE_DRESSING = "pressure_dressing"
    WOUND_PACKING = "wound_packing"
    AIRWAY_OPENED = "airway_opened"
    AIRWAY_ADJUNCT = "airway_adjunct"  # nasopharyngeal or oropharyngeal airway
    RECOVERY_POSITION = "recovery_position"
    CHEST_SEAL = "chest_seal"
    NEEDLE_DECOMPRESSION = "needle_decompression"
    RESCUE_BREATHS = "rescue_breaths"
    CPR = "cpr"
    OXYGEN = "oxygen"
    IV_ACCESS = "iv_access"
    TRANEXAMIC_ACID = "tranexamic_acid"
    ANALGESIA = "analgesia"
    SPLINT = "splint"
    BURN_DRESSING = "burn_dressing"
    HYPOTHERMIA_PREVENTION = "hypothermia_prevention"
    OTHER = "other"


# Interventions that stay in place and end later (removed, converted, stopped).
ONGOING = frozenset(
    {
        InterventionKind.TOURNIQUET,
        InterventionKind.AIRWAY_ADJUNCT,
        InterventionKind.OXYGEN,
        InterventionKind.CPR,
    }
)


class BodySite(StrEnum):
    LEFT_ARM = "left_arm"
    RIGHT_ARM = "right_arm"
    LEFT_LEG = "left_leg"
    RIGHT_LEG = "right_leg"
    HEAD_NECK = "head_neck"
    CHEST = "chest"
    ABDOMEN = "abdomen"
    PELVIS_JUNCTIONAL = "pelvis_junctional"
    BACK = "back"
    OTHER = "other"


TOURNIQUET_SITES = frozenset(
    {
        BodySite.LEFT_ARM,
        BodySite.RIGHT_ARM,
        BodySite.LEFT_LEG,
        BodySite.RIGHT_LEG,
        BodySite.PELVIS_JUNCTIONAL,
    }
)


class VehicleKind(StrEnum):
    AMBULANCE = "ambulance"
    INTENSIVE_CARE_AMBULANCE = "intensive_care_ambulance"
    PRIVATE_CAR = "private_car"
    POLICE = "police"
    MILITARY = "military"
    HELICOPTER = "helicopter"
    OTHER = "other"


class Disposition(StrEnum):
    HOME = "home"
    SHELTER = "shelter"
    OTHER_CARE = "other_care"
    LEFT_AGAINST_ADVICE = "left_against_advice"


class IdentificationStatus(StrEnum):
    UNIDENTIFIED = "unidentified"
    PROVISIONAL = "provisional"  # e.g. recognised by a neighbour, documents on the body
    IDENTIFIED = "identified"  # formally: fingerprints, dental, DNA, or by next of kin


class IdentificationMethod(StrEnum):
    VISUAL = "visual"
    DOCUMENTS = "documents"
    PERSONAL_EFFECTS = "personal_effects"
    FINGERPRINTS = "fingerprints"
    DENTAL = "dental"
    DNA = "dna"
    NEXT_OF_KIN = "next_of_kin"
    OTHER = "other"


# The methods that identify the dead formally (IDENTIFIED): DVI's primary identifiers, and a
# formal identification by next of kin (a viewing the desk arranges and records, the legal
# route where the body allows it). Every other method (documents, personal effects, visual
# recognition, other) identifies the dead provisionally only: a wallet may be borrowed, a face
# changed by injury.
FORMAL_METHODS_OF_DEAD = frozenset(
    {
        IdentificationMethod.FINGERPRINTS,
        IdentificationMethod.DENTAL,
        IdentificationMethod.DNA,
        IdentificationMethod.NEXT_OF_KIN,
    }
)
# Who records a formal identification of the dead: the desk that tells the family.
FORMAL_ID_OF_DEAD_ROLES = frozenset({Role.REGISTRAR})


# --- slice --------------------------------------------------------------------------------


@dataclass
class TriageRecord:
    at: datetime
    protocol: Protocol
    category: TriageCategory
    reason: str
    answers: tuple[tuple[str, Answer], ...]
    actions: tuple[str, ...]
    by: str | None


@dataclass
class InterventionRecord:
    intervention_id: str
    kind: InterventionKind
    at: datetime
    site: BodySite | None
    note: str
    by: str | None
    ended_at: datetime | None = None


@dataclass
class Casualty:
    casualty_id: str
    tag: str
    where: GeoPoint | None
    place: str
    found_at: datetime
    recorded_by: str | None
    status: CasualtyStatus = CasualtyStatus.AT_SCENE
    triage: list[TriageRecord] = field(default_factory=list)
    interventions: list[InterventionRecord] = field(default_factory=list)
    description: Description = field(default_factory=Description)
    name: PersonName | None = None
    vehicle: str = ""
    vehicle_kind: VehicleKind | None = None
    destination: str | None = None  # hospital id
    evacuated_at: datetime | None = None
    hospital_id: str | None = None  # where the casualty is (arrived, admitted)
    arrived_at: datetime | None = None
    admitted_at: datetime | None = None
    ward: BedType | None = None
    discharged_at: datetime | None = None
    disposition: Disposition | None = None
    died_at: datetime | None = None
    death_place: str = ""
    pronounced_by: str | None = None
    identification: IdentificationStatus = IdentificationStatus.UNIDENTIFIED
    identified_name: PersonName | None = None
    identified_by: str = ""  # the person or team who identified, as they sign
    identification_method: IdentificationMethod | None = None
    identified_at: datetime | None = None
    identification_recorded_by: str | None = None
    # The role its recorder acted under (a medic's formal identification of a living patient
    # is only provisional once the patient dies: `_provisional_once_dead`).
    identification_recorded_as: Role | None = None
    history: list[int] = field(default_factory=list)
    # (log position, the hospitals it is bound for or at from that event on), one per change:
    # what lets a hospital's view of the log be decided at any past position (`hospitals_at`).
    custody: list[tuple[int, frozenset[str]]] = field(default_factory=list)

    @property
    def category(self) -> TriageCategory | None:
        """The latest triage category."""
        return self.triage[-1].category if self.triage else None

    @property
    def known_name(self) -> PersonName | None:
        """The identified name if there is one, else the name given at the scene."""
        return self.identified_name or self.name


def hospitals_of(c: Casualty) -> frozenset[str]:
    """The hospitals a casualty is bound for or at: its destination and the one it is in.

    A transfer keeps both until the casualty arrives; a discharged or dead casualty stays with
    the hospital it was last in.
    """
    return frozenset(h for h in (c.destination, c.hospital_id) if h is not None)


def hospitals_at(c: Casualty, position: int) -> frozenset[str]:
    """The hospitals a casualty was bound for or at once the log stood at `position`."""
    i = bisect_right(c.custody, position, key=lambda entry: entry[0])
    return c.custody[i - 1][1] if i else frozenset()


# Where a family told of a living casualty would find them (`care_place`): at a hospital, in
# other care (discharged there), on the way with no destination said, or not in a hospital yet
# (at the scene). A hospital's place is its id after `AT_HOSPITAL`.
AT_HOSPITAL = "hospital:"
IN_OTHER_CARE = "other_care"
ON_THE_WAY = "on_the_way"
NOT_IN_HOSPITAL = "none"


def care_place(c: Casualty) -> str:
    """Where a living casualty is to be found: `AT_HOSPITAL` and the hospital it is in or on
    the way to (a transfer: the one it goes to), `ON_THE_WAY` when evacuated with no
    destination said, `IN_OTHER_CARE` once discharged to other care, else `NOT_IN_HOSPITAL`."""
    if c.status is CasualtyStatus.EVACUATED:
        return AT_HOSPITAL + c.destination if c.destination is not None else ON_THE_WAY
    if c.status in (CasualtyStatus.ARRIVED, CasualtyStatus.ADMITTED) and c.hospital_id:
        return AT_HOSPITAL + c.hospital_id
    if c.status is CasualtyStatus.DISCHARGED and c.disposition is Disposition.OTHER_CARE:
        return IN_OTHER_CARE
    return NOT_IN_HOSPITAL


def _rebind(c: Casualty, position: int) -> None:
    now = hospitals_of(c)
    if now != (c.custody[-1][1] if c.custody else frozenset()):
        c.custody.append((position, now))


@dataclass
class Casualties:
    """Slice: casualties by id, and the index of triage tags."""

    by_id: dict[str, Casualty] = field(default_factory=dict)
    by_tag: dict[str, str] = field(default_factory=dict)


# --- events -------------------------------------------------------------------------------


@event
class CasualtyRecorded(Event):
    type: Literal["CasualtyRecorded"] = "CasualtyRecorded"
    casualty_id: str
    tag: str
    where: GeoPoint | None
    place: str
    found_at: datetime
    description: Description
    name: PersonName | None


@event
class CasualtyTriaged(Event):
    type: Literal["CasualtyTriaged"] = "CasualtyTriaged"
    casualty_id: str
    at: datetime
    protocol: Protocol
    category: TriageCategory
    reason: str
    answers: tuple[tuple[str, Answer], ...]
    actions: tuple[str, ...]


@event
class InterventionRecorded(Event):
    type: Literal["InterventionRecorded"] = "InterventionRecorded"
    # A command's answer names the intervention (which an EndIntervention needs), not the
    # casualty it is on (`api.wire.primary_id`).
    primary_id_field: ClassVar[str] = "intervention_id"
    casualty_id: str
    intervention_id: str
    kind: InterventionKind
    at: datetime
    site: BodySite | None
    note: str


@event
class InterventionEnded(Event):
    type: Literal["InterventionEnded"] = "InterventionEnded"
    casualty_id: str
    intervention_id: str
    at: datetime
    note: str


@event
class CasualtyDescribed(Event):
    type: Literal["CasualtyDescribed"] = "CasualtyDescribed"
    casualty_id: str
    description: Description
    name: PersonName | None


@event
class CasualtyEvacuated(Event):
    type: Literal["CasualtyEvacuated"] = "CasualtyEvacuated"
    casualty_id: str
    at: datetime
    vehicle: str
    vehicle_kind: VehicleKind
    destination: str | None


@event
class CasualtyArrived(Event):
    type: Literal["CasualtyArrived"] = "CasualtyArrived"
    casualty_id: str
    hospital_id: str
    at: datetime


@event
class CasualtyAdmitted(Event):
    type: Literal["CasualtyAdmitted"] = "CasualtyAdmitted"
    casualty_id: str
    at: datetime
    ward: BedType | None


@event
class CasualtyDischarged(Event):
    type: Literal["CasualtyDischarged"] = "CasualtyDischarged"
    casualty_id: str
    at: datetime
    disposition: Disposition
    note: str


@event
class DeathRecorded(Event):
    type: Literal["DeathRecorded"] = "DeathRecorded"
    casualty_id: str
    at: datetime
    place: str
    pronounced_by: str
    note: str


@event
class CasualtyIdentified(Event):
    type: Literal["CasualtyIdentified"] = "CasualtyIdentified"
    casualty_id: str
    status: IdentificationStatus
    name: PersonName
    identified_by: str
    method: IdentificationMethod
    at: datetime


# --- commands -----------------------------------------------------------------------------


class RecordCasualty(Command):
    tag: TagNumber
    where: GeoPoint | None = None
    place: Place = ""
    found_at: AwareDatetime | None = None
    description: Description = Field(default_factory=Description)
    name: PersonName | None = None
    # Optional triage at the same time as the record (the usual case at the scene).
    protocol: Protocol | None = None
    looks_like_child: bool | None = None
    answers: dict[str, Answer] | None = None

    @field_validator("tag")
    @classmethod
    def _tag(cls, v: str) -> str:
        return normalise_tag(v)


class TriageCasualty(Command):
    casualty_id: str
    answers: dict[str, Answer]
    protocol: Protocol | None = None
    looks_like_child: bool | None = None
    at: AwareDatetime | None = None


class RecordIntervention(Command):
    casualty_id: str
    kind: InterventionKind
    site: BodySite | None = None
    at: AwareDatetime | None = None
    note: TypedNote = ""


class EndIntervention(Command):
    casualty_id: str
    intervention_id: str
    at: AwareDatetime | None = None
    note: TypedNote = ""


class DescribeCasualty(Command):
    casualty_id: str
    description: Description = Field(default_factory=Description)
    name: PersonName | None = None


class EvacuateCasualty(Command):
    casualty_id: str
    vehicle: Vehicle = ""
    vehicle_kind: VehicleKind = VehicleKind.AMBULANCE
    destination: str | None = None
    at: AwareDatetime | None = None


class RecordArrival(Command):
    casualty_id: str
    hospital_id: str
    at: AwareDatetime | None = None


class AdmitCasualty(Command):
    casualty_id: str
    ward: BedType | None = None
    at: AwareDatetime | None = None


class DischargeCasualty(Command):
    casualty_id: str
    disposition: Disposition = Disposition.HOME
    note: TypedNote = ""
    at: AwareDatetime | None = None


class RecordDeath(Command):
    casualty_id: str
    place: Place = ""
    note: TypedNote = ""
    at: AwareDatetime | None = None


class IdentifyCasualty(Command):
    casualty_id: str
    # Provisional or formal; "unidentified" is no identification. The plain values, so a
    # refusal names them as a client sends them (not as the enum's members).
    status: Literal["provisional", "identified"]
    name: PersonName
    identified_by: Annotated[Name, AfterValidator(typed)]
    method: IdentificationMethod
    at: AwareDatetime | None = None


_FIELD_MEDICAL = frozenset({Role.RESPONDER, Role.MEDIC, Role.HOSPITAL})
# Who may send each command; the app registers these with its role policy.
COMMAND_ROLES: dict[type[Command], frozenset[Role]] = {
    RecordCasualty: frozenset({Role.RESPONDER, Role.MEDIC, Role.HOSPITAL, Role.DISPATCHER}),
    TriageCasualty: _FIELD_MEDICAL,
    RecordIntervention: _FIELD_MEDICAL,
    EndIntervention: _FIELD_MEDICAL,
    DescribeCasualty: _FIELD_MEDICAL | {Role.REGISTRAR},
    EvacuateCasualty: frozenset({Role.RESPONDER, Role.MEDIC, Role.DISPATCHER, Role.HOSPITAL}),
    RecordArrival: frozenset({Role.HOSPITAL, Role.MEDIC}),
    AdmitCasualty: frozenset({Role.HOSPITAL, Role.MEDIC}),
    DischargeCasualty: frozenset({Role.HOSPITAL, Role.MEDIC}),
    RecordDeath: DEATH_ROLES,
    IdentifyCasualty: IDENTIFY_ROLES,
}


def normalise_tag(tag: str) -> str:
    """A triage tag number as printed, without case or spacing differences."""
    cleaned = clean_text(tag).upper()
    if not cleaned:
        raise ValueError("a triage tag number cannot be blank")
    return cleaned


def casualty(state: State, casualty_id: str) -> Casualty:
    """The casualty with this id."""
    found = state.slice(Casualties).by_id.get(casualty_id)
    if found is None:
        raise NotFound(f"no casualty {casualty_id}", rule="casualty_not_found")
    return found


def casualty_by_tag(state: State, tag: str) -> Casualty:
    """The casualty wearing this triage tag."""
    casualty_id = state.slice(Casualties).by_tag.get(normalise_tag(tag))
    if casualty_id is None:
        raise NotFound(f"no casualty has tag {tag}")
    return casualty(state, casualty_id)


def _new_id(prefix: str, command_id: uuid.UUID) -> str:
    return f"{prefix}_{command_id.hex[:20]}"


def _protocol(
    chosen: Protocol | None, description: Description, looks_like_child: bool | None
) -> Protocol:
    if chosen is not None:
        return chosen
    age = description.age
    if age is not None and age.max_years < JUMPSTART_AGE_LIMIT_YEARS:
        return Protocol.JUMPSTART
    if age is not None and age.min_years >= JUMPSTART_AGE_LIMIT_YEARS:
        return Protocol.START
    return protocol_for(looks_like_child=looks_like_child)


def _triaged(
    casualty_id: str,
    protocol: Protocol,
    answers: dict[str, Answer],
    at: datetime,
) -> CasualtyTriaged:
    try:
        result = triage(protocol, answers)
    except TriageError as exc:
        raise InvalidCommand(str(exc)) from None
    return CasualtyTriaged(
        casualty_id=casualty_id,
        at=at,
        protocol=result.protocol,
        category=result.category,
        reason=result.reason,
        answers=result.path,
        actions=result.actions,
    )


def _acts_for(ctx: DecisionContext, h: Hospital) -> None:
    """Refuse a hospital account acting for another hospital (medics act anywhere)."""
    if ctx.actor.role is Role.HOSPITAL and ctx.actor.account_id != h.account_id:
        raise Forbidden(f"this account does not act for {h.name}", rule="not_our_patient")


def _our_patient(
    state: State, ctx: DecisionContext, c: Casualty, doing: str, *, bound_for: bool = False
) -> None:
    """Refuse a hospital account acting on a casualty that is not its patient.

    A patient is one the hospital holds: arrived or admitted there (or discharged or dead
    there, for care given before, which may be entered afterwards). Only that hospital's
    staff triage it again, treat it or transfer it (an evacuation from a hospital is an
    inter-hospital transfer, the sending hospital's call). With `bound_for` a casualty on its
    way to the hospital counts too: the emergency department describes who it expects.
    A casualty still at the scene is the field's (a walk-in is recorded, then its arrival).
    """
    if ctx.actor.role is not Role.HOSPITAL:
        return
    ours = hospitals_of(c) if bound_for else frozenset({c.hospital_id} - {None})
    by_id = state.slice(Hospitals).by_id
    if any(h in by_id and by_id[h].account_id == ctx.actor.account_id for h in ours):
        return
    raise Forbidden(
        f"tag {c.tag} is not a patient of this hospital; a hospital may {doing} its own "
        "patients only",
        rule="not_our_patient",
    )


def _not_closed(c: Casualty, doing: str) -> None:
    if c.status is CasualtyStatus.DECEASED:
        raise InvalidCommand(
            f"cannot {doing}: tag {c.tag} has been recorded dead", rule="casualty_dead"
        )
    if c.status is CasualtyStatus.DISCHARGED:
        raise InvalidCommand(
            f"cannot {doing}: tag {c.tag} has been discharged", rule="casualty_discharged"
        )


def _not_before(
    when: datetime, earlier: datetime | None, what: str, *, leeway: timedelta = timedelta(0)
) -> None:
    if earlier is not None and when < earlier - leeway:
        raise InvalidCommand(f"the time given is before the {what}", rule="time_too_early")


# Care is often given before the casualty is recorded: a bystander's or a comrade's
# tourniquet, entered by the medic who finds them ("on since 07:00"). Up to this long before
# the casualty was found it is taken; a day before is a wrong date.
CARE_BEFORE_FOUND = timedelta(hours=12)


@decider(RecordCasualty)
def _record(state: State, cmd: RecordCasualty, ctx: DecisionContext) -> list[Event]:
    slice_ = state.slice(Casualties)
    if cmd.tag in slice_.by_tag:
        raise Conflict(f"triage tag {cmd.tag} is already on another casualty", rule="tag_in_use")
    if cmd.answers is None and (cmd.protocol is not None or cmd.looks_like_child is not None):
        raise InvalidCommand("a triage protocol was chosen but no triage answers were given")
    found_at = observed_time(cmd.found_at, ctx)
    casualty_id = _new_id("cas", cmd.command_id)
    events: list[Event] = [
        CasualtyRecorded(
            casualty_id=casualty_id,
            tag=cmd.tag,
            where=cmd.where,
            place=cmd.place.strip(),
            found_at=found_at,
            description=cmd.description,
            name=cmd.name,
        )
    ]
    if cmd.answers is not None:
        protocol = _protocol(cmd.protocol, cmd.description, cmd.looks_like_child)
        events.append(_triaged(casualty_id, protocol, cmd.answers, found_at))
    return events


@decider(TriageCasualty)
def _triage(state: State, cmd: TriageCasualty, ctx: DecisionContext) -> list[Event]:
    c = casualty(state, cmd.casualty_id)
    _our_patient(state, ctx, c, "triage")
    _not_closed(c, "triage")
    at = observed_time(cmd.at, ctx)
    _not_before(at, c.found_at, "time the casualty was found")
    _not_before(at, c.triage[-1].at if c.triage else None, "latest triage")
    protocol = _protocol(cmd.protocol, c.description, cmd.looks_like_child)
    return [_triaged(c.casualty_id, protocol, cmd.answers, at)]


@decider(RecordIntervention)
def _intervention(state: State, cmd: RecordIntervention, ctx: DecisionContext) -> list[Event]:
    c = casualty(state, cmd.casualty_id)
    _our_patient(state, ctx, c, "treat")
    at = observed_time(cmd.at, ctx)
    # Over 12 h before the casualty was found is refused (CARE_BEFORE_FOUND).
    _not_before(at, c.found_at, "time the casualty was found", leeway=CARE_BEFORE_FOUND)
    # Care given before death or discharge may be entered afterwards; nothing after.
    if c.died_at is not None and at > c.died_at:
        raise InvalidCommand(
            f"tag {c.tag} was recorded dead before the time given", rule="casualty_dead"
        )
    if c.discharged_at is not None and at > c.discharged_at:
        raise InvalidCommand(
            f"tag {c.tag} was discharged before the time given", rule="casualty_discharged"
        )
    # A second tourniquet above a failing first one is standard care, so no uniqueness rule.
    if cmd.kind is InterventionKind.TOURNIQUET and cmd.site not in TOURNIQUET_SITES:
        raise InvalidCommand("say which limb (or the junction) the tourniquet is on")
    return [
        InterventionRecorded(
            casualty_id=c.casualty_id,
            intervention_id=_new_id("int", cmd.command_id),
            kind=cmd.kind,
            at=at,
            site=cmd.site,
            note=cmd.note,
        )
    ]


@decider(EndIntervention)
def _end_intervention(state: State, cmd: EndIntervention, ctx: DecisionContext) -> list[Event]:
    c = casualty(state, cmd.casualty_id)
    _our_patient(state, ctx, c, "end a treatment on")
    found = next((i for i in c.interventions if i.intervention_id == cmd.intervention_id), None)
    if found is None:
        raise NotFound(f"no intervention {cmd.intervention_id} on tag {c.tag}")
    if found.kind not in ONGOING:
        raise InvalidCommand(f"a {found.kind.value.replace('_', ' ')} is not something that ends")
    if found.ended_at is not None:
        raise InvalidCommand("that intervention has already ended", rule="intervention_ended")
    at = observed_time(cmd.at, ctx)
    _not_before(at, found.at, "intervention it ends")
    return [
        InterventionEnded(
            casualty_id=c.casualty_id, intervention_id=found.intervention_id, at=at, note=cmd.note
        )
    ]


@decider(DescribeCasualty)
def _describe(state: State, cmd: DescribeCasualty, ctx: DecisionContext) -> list[Event]:
    c = casualty(state, cmd.casualty_id)
    _our_patient(state, ctx, c, "describe", bound_for=True)
    if cmd.description.is_empty() and cmd.name is None:
        raise InvalidCommand("a description must say something")
    if c.description.merged(cmd.description) == c.description and cmd.name in (None, c.name):
        return []
    return [
        CasualtyDescribed(casualty_id=c.casualty_id, description=cmd.description, name=cmd.name)
    ]


@decider(EvacuateCasualty)
def _evacuate(state: State, cmd: EvacuateCasualty, ctx: DecisionContext) -> list[Event]:
    c = casualty(state, cmd.casualty_id)
    _our_patient(state, ctx, c, "transfer")
    _not_closed(c, "evacuate")
    if c.status is CasualtyStatus.EVACUATED:
        raise InvalidCommand(
            f"tag {c.tag} is already on the way; record the arrival first",
            rule="already_evacuated",
        )
    if cmd.destination is not None:
        hospital(state, cmd.destination)
        if cmd.destination == c.hospital_id:
            raise InvalidCommand(
                "the destination is the hospital the casualty is already in",
                rule="already_in_that_hospital",
            )
    at = observed_time(cmd.at, ctx)
    _not_before(at, c.found_at, "time the casualty was found")
    _not_before(at, c.arrived_at, "arrival at the current hospital")
    return [
        CasualtyEvacuated(
            casualty_id=c.casualty_id,
            at=at,
            vehicle=cmd.vehicle.strip(),
            vehicle_kind=cmd.vehicle_kind,
            destination=cmd.destination,
        )
    ]


@decider(RecordArrival)
def _arrive(state: State, cmd: RecordArrival, ctx: DecisionContext) -> list[Event]:
    c = casualty(state, cmd.casualty_id)
    _not_closed(c, "record an arrival")
    if c.status in {CasualtyStatus.ARRIVED, CasualtyStatus.ADMITTED}:
        raise InvalidCommand(
            f"tag {c.tag} is already in hospital; record an evacuation to transfer it",
            rule="already_in_hospital",
        )
    _acts_for(ctx, hospital(state, cmd.hospital_id))
    at = observed_time(cmd.at, ctx)
    _not_before(at, c.found_at, "time the casualty was found")
    _not_before(at, c.evacuated_at, "evacuation")
    return [CasualtyArrived(casualty_id=c.casualty_id, hospital_id=cmd.hospital_id, at=at)]


@decider(AdmitCasualty)
def _admit(state: State, cmd: AdmitCasualty, ctx: DecisionContext) -> list[Event]:
    c = casualty(state, cmd.casualty_id)
    _not_closed(c, "admit")
    if c.status is CasualtyStatus.ADMITTED:
        raise InvalidCommand(f"tag {c.tag} is already admitted", rule="already_admitted")
    if c.status is not CasualtyStatus.ARRIVED or c.hospital_id is None:
        raise InvalidCommand(f"tag {c.tag} has not arrived at a hospital yet", rule="not_arrived")
    _acts_for(ctx, hospital(state, c.hospital_id))
    at = observed_time(cmd.at, ctx)
    _not_before(at, c.arrived_at, "arrival")
    return [CasualtyAdmitted(casualty_id=c.casualty_id, at=at, ward=cmd.ward)]


@decider(DischargeCasualty)
def _discharge(state: State, cmd: DischargeCasualty, ctx: DecisionContext) -> list[Event]:
    c = casualty(state, cmd.casualty_id)
    _not_closed(c, "discharge")
    if c.status not in {CasualtyStatus.ARRIVED, CasualtyStatus.ADMITTED} or c.hospital_id is None:
        raise InvalidCommand(
            f"tag {c.tag} is not in a hospital; only a hospital discharges", rule="not_in_hospital"
        )
    _acts_for(ctx, hospital(state, c.hospital_id))
    at = observed_time(cmd.at, ctx)
    _not_before(at, c.admitted_at or c.arrived_at, "arrival or admission")
    return [
        CasualtyDischarged(
            casualty_id=c.casualty_id, at=at, disposition=cmd.disposition, note=cmd.note
        )
    ]


@decider(RecordDeath)
def _death(state: State, cmd: RecordDeath, ctx: DecisionContext) -> list[Event]:
    if ctx.actor.role not in DEATH_ROLES:
        raise Forbidden("only a medic, a registrar or the patient's hospital may record a death")
    if ctx.actor.account_id is None:
        raise Forbidden("a death is recorded by a signed-in medic, registrar or hospital")
    c = casualty(state, cmd.casualty_id)
    _not_closed(c, "record a death")
    if ctx.actor.role is Role.HOSPITAL:
        # A hospital pronounces its own patients: arrived or admitted there, not on the way.
        if c.hospital_id is None or c.status not in {
            CasualtyStatus.ARRIVED,
            CasualtyStatus.ADMITTED,
        }:
            raise Forbidden(
                f"tag {c.tag} is not a patient in a hospital; a hospital records the death "
                "of its own patients",
                rule="not_our_patient",
            )
        _acts_for(ctx, hospital(state, c.hospital_id))
    at = observed_time(cmd.at, ctx)
    _not_before(at, c.found_at, "time the casualty was found")
    died: list[Event] = [
        DeathRecorded(
            casualty_id=c.casualty_id,
            at=at,
            place=cmd.place.strip() or _where_now(state, c),
            pronounced_by=ctx.actor.account_id,
            note=cmd.note,
        )
    ]
    return died + _provisional_once_dead(c, at)


def _provisional_once_dead(c: Casualty, died_at: datetime) -> list[Event]:
    """A patient named formally while alive by what identifies the dead provisionally only
    (their documents, a relative's glance in the ward), or by anyone but the desk (a medic,
    even by fingerprints or next of kin), is provisionally identified once dead: a family is
    told of a death only on a formal identification of the dead by a registrar (`_identify`,
    `_formal_of_dead`). The name, who identified and how, and who recorded it are kept; the
    desk then identifies formally."""
    if (
        c.identification is not IdentificationStatus.IDENTIFIED
        or c.identified_name is None
        or c.identification_method is None
    ):
        return []
    if (
        c.identification_method in FORMAL_METHODS_OF_DEAD
        and c.identification_recorded_as in FORMAL_ID_OF_DEAD_ROLES
    ):
        return []
    return [
        CasualtyIdentified(
            casualty_id=c.casualty_id,
            status=IdentificationStatus.PROVISIONAL,
            name=c.identified_name,
            identified_by=c.identified_by,
            method=c.identification_method,
            at=c.identified_at or died_at,
        )
    ]


def _where_now(state: State, c: Casualty) -> str:
    if c.hospital_id is not None and c.status is not CasualtyStatus.EVACUATED:
        return hospital(state, c.hospital_id).name
    if c.status is CasualtyStatus.EVACUATED:
        return f"in transit ({c.vehicle or c.vehicle_kind or 'vehicle'})"
    return c.place


_BY = {
    IdentificationMethod.PERSONAL_EFFECTS: "personal effects",
    IdentificationMethod.OTHER: "another method",
}


def _formal_of_dead(method: IdentificationMethod, ctx: DecisionContext) -> None:
    """Refuse a formal identification of the dead by a secondary method, or by anyone but the
    desk (see `FORMAL_METHODS_OF_DEAD`, `FORMAL_ID_OF_DEAD_ROLES`)."""
    if method is IdentificationMethod.VISUAL:
        # Visual recognition of the dead is unreliable (injuries, shock); it stays provisional
        # until confirmed by a primary identifier or next of kin.
        raise InvalidCommand(
            "visual recognition of the dead is a provisional identification",
            rule="visual_id_of_dead",
        )
    if method not in FORMAL_METHODS_OF_DEAD:
        raise InvalidCommand(
            f"identifying the dead by {_BY.get(method, method.value)} is provisional only (a "
            "wallet may be borrowed): a formal identification needs fingerprints, dental "
            "records, DNA or next of kin; record this one as provisional",
            rule="secondary_id_of_dead",
        )
    if ctx.actor.role not in FORMAL_ID_OF_DEAD_ROLES:
        raise Forbidden(
            "only a registrar records a formal identification of the dead (the desk that "
            "tells the family); record it as provisional",
            rule="formal_id_of_dead_by_registrar",
        )


@decider(IdentifyCasualty)
def _identify(state: State, cmd: IdentifyCasualty, ctx: DecisionContext) -> list[Event]:
    if ctx.actor.role not in IDENTIFY_ROLES:
        raise Forbidden("only a medic or a registrar may identify a casualty")
    c = casualty(state, cmd.casualty_id)
    status = IdentificationStatus(cmd.status)
    if c.identification is IdentificationStatus.IDENTIFIED:
        named = c.identified_name.full_name if c.identified_name else "someone"
        raise InvalidCommand(
            f"tag {c.tag} is already identified as {named}", rule="already_identified"
        )
    if status is IdentificationStatus.IDENTIFIED and c.status is CasualtyStatus.DECEASED:
        _formal_of_dead(cmd.method, ctx)
    return [
        CasualtyIdentified(
            casualty_id=c.casualty_id,
            status=status,
            name=cmd.name,
            identified_by=clean_text(cmd.identified_by),
            method=cmd.method,
            at=observed_time(cmd.at, ctx),
        )
    ]


# --- evolvers -----------------------------------------------------------------------------


def _touch(state: State, casualty_id: str, r: Recorded) -> Casualty | None:
    c = state.slice(Casualties).by_id.get(casualty_id)
    if c is not None:
        c.history.append(r.position)
    return c


@evolver(CasualtyRecorded)
def _on_recorded(state: State, e: CasualtyRecorded, r: Recorded) -> None:
    slice_ = state.slice(Casualties)
    slice_.by_id[e.casualty_id] = Casualty(
        casualty_id=e.casualty_id,
        tag=e.tag,
        where=e.where,
        place=e.place,
        found_at=e.found_at,
        recorded_by=r.actor.account_id,
        description=e.description,
        name=e.name,
        history=[r.position],
    )
    slice_.by_tag[e.tag] = e.casualty_id


@evolver(CasualtyTriaged)
def _on_triaged(state: State, e: CasualtyTriaged, r: Recorded) -> None:
    c = _touch(state, e.casualty_id, r)
    if c is not None:
        c.triage.append(
            TriageRecord(
                at=e.at,
                protocol=e.protocol,
                category=e.category,
                reason=e.reason,
                answers=e.answers,
                actions=e.actions,
                by=r.actor.account_id,
            )
        )


@evolver(InterventionRecorded)
def _on_intervention(state: State, e: InterventionRecorded, r: Recorded) -> None:
    c = _touch(state, e.casualty_id, r)
    if c is not None:
        c.interventions.append(
            InterventionRecord(
                intervention_id=e.intervention_id,
                kind=e.kind,
                at=e.at,
                site=e.site,
                note=e.note,
                by=r.actor.account_id,
            )
        )


@evolver(InterventionEnded)
def _on_intervention_ended(state: State, e: InterventionEnded, r: Recorded) -> None:
    c = _touch(state, e.casualty_id, r)
    if c is None:
        return
    for i in c.interventions:
        if i.intervention_id == e.intervention_id:
            i.ended_at = e.at


@evolver(CasualtyDescribed)
def _on_described(state: State, e: CasualtyDescribed, r: Recorded) -> None:
    c = _touch(state, e.casualty_id, r)
    if c is None:
        return
    c.description = c.description.merged(e.description)
    if e.name is not None:
        c.name = e.name


@evolver(CasualtyEvacuated)
def _on_evacuated(state: State, e: CasualtyEvacuated, r: Recorded) -> None:
    c = _touch(state, e.casualty_id, r)
    if c is None:
        return
    c.status = CasualtyStatus.EVACUATED
    c.vehicle = e.vehicle
    c.vehicle_kind = e.vehicle_kind
    c.destination = e.destination
    c.evacuated_at = e.at
    _rebind(c, r.position)


@evolver(CasualtyArrived)
def _on_arrived(state: State, e: CasualtyArrived, r: Recorded) -> None:
    c = _touch(state, e.casualty_id, r)
    if c is None:
        return
    c.status = CasualtyStatus.ARRIVED
    c.hospital_id = e.hospital_id
    c.arrived_at = e.at
    c.destination = None
    c.admitted_at = None
    c.ward = None
    _rebind(c, r.position)


@evolver(CasualtyAdmitted)
def _on_admitted(state: State, e: CasualtyAdmitted, r: Recorded) -> None:
    c = _touch(state, e.casualty_id, r)
    if c is not None:
        c.status = CasualtyStatus.ADMITTED
        c.admitted_at = e.at
        c.ward = e.ward


@evolver(CasualtyDischarged)
def _on_discharged(state: State, e: CasualtyDischarged, r: Recorded) -> None:
    c = _touch(state, e.casualty_id, r)
    if c is not None:
        c.status = CasualtyStatus.DISCHARGED
        c.discharged_at = e.at
        c.disposition = e.disposition


@evolver(DeathRecorded)
def _on_death(state: State, e: DeathRecorded, r: Recorded) -> None:
    c = _touch(state, e.casualty_id, r)
    if c is not None:
        c.status = CasualtyStatus.DECEASED
        c.died_at = e.at
        c.death_place = e.place
        c.pronounced_by = e.pronounced_by


@evolver(CasualtyIdentified)
def _on_identified(state: State, e: CasualtyIdentified, r: Recorded) -> None:
    c = _touch(state, e.casualty_id, r)
    if c is not None:
        # A formal identification only lowered to provisional, by the same name and method
        # (`_provisional_once_dead`, at a death; `_identify` refuses any other change of an
        # identified casualty), is still the one its recorder recorded: whoever recorded the
        # death did not identify anyone.
        lowered = (
            c.identification is IdentificationStatus.IDENTIFIED
            and e.status is IdentificationStatus.PROVISIONAL
            and e.name == c.identified_name
            and e.method is c.identification_method
            and e.identified_by == c.identified_by
        )
        c.identification = e.status
        c.identified_name = e.name
        c.identified_by = e.identified_by
        c.identification_method = e.method
        c.identified_at = e.at
        if not lowered:
            c.identification_recorded_by = r.actor.account_id
            c.identification_recorded_as = r.actor.role


# --- derived views ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CasualtyWarning:
    """Something about a casualty that needs attention now."""

    kind: str
    message: str
    since: datetime
    intervention_id: str | None = None


def warnings(c: Casualty, now: datetime) -> list[CasualtyWarning]:
    """What needs attention on this casualty at `now` (tourniquets on beyond two hours)."""
    if c.status in {CasualtyStatus.DECEASED, CasualtyStatus.DISCHARGED}:
        return []
    out: list[CasualtyWarning] = []
    for i in c.interventions:
        if i.kind is not InterventionKind.TOURNIQUET or i.ended_at is not None:
            continue
        on_for = now - i.at
        if on_for > TOURNIQUET_LIMIT:
            minutes = int(on_for.total_seconds() // 60)
            site = i.site.value.replace("_", " ") if i.site is not None else "limb"
            out.append(
                CasualtyWarning(
                    kind="tourniquet_over_2h",
                    message=(
                        f"tag {c.tag}: tourniquet on the {site} since "
                        f"{i.at:%H:%M} UTC ({minutes // 60} h {minutes % 60:02d} min);"
                        " reassess, convert if possible, tell the surgeon"
                    ),
                    since=i.at,
                    intervention_id=i.intervention_id,
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class HospitalLoad:
    """Casualties on their way to, or in, one hospital."""

    hospital_id: str
    en_route: tuple[str, ...]  # casualty ids, most urgent first
    en_route_by_category: dict[str, int]  # triage category (or "untriaged") -> count
    arrived: int  # arrived, not yet admitted
    admitted: int


def _urgency(c: Casualty) -> tuple[int, datetime]:
    category = c.category
    return (category.priority if category else 5, c.evacuated_at or c.found_at)


def hospital_loads(cs: Iterable[Casualty]) -> dict[str, HospitalLoad]:
    """Incoming and present casualties per hospital, from the casualty records."""
    en_route: dict[str, list[Casualty]] = {}
    arrived: dict[str, int] = {}
    admitted: dict[str, int] = {}
    for c in cs:
        if c.status is CasualtyStatus.EVACUATED and c.destination is not None:
            en_route.setdefault(c.destination, []).append(c)
        elif c.status is CasualtyStatus.ARRIVED and c.hospital_id is not None:
            arrived[c.hospital_id] = arrived.get(c.hospital_id, 0) + 1
        elif c.status is CasualtyStatus.ADMITTED and c.hospital_id is not None:
            admitted[c.hospital_id] = admitted.get(c.hospital_id, 0) + 1
    out: dict[str, HospitalLoad] = {}
    for hospital_id in sorted(en_route.keys() | arrived.keys() | admitted.keys()):
        coming = sorted(en_route.get(hospital_id, []), key=_urgency)
        by_category: dict[str, int] = {}
        for c in coming:
            key = c.category.value if c.category else "untriaged"
            by_category[key] = by_category.get(key, 0) + 1
        out[hospital_id] = HospitalLoad(
            hospital_id=hospital_id,
            en_route=tuple(c.casualty_id for c in coming),
            en_route_by_category=by_category,
            arrived=arrived.get(hospital_id, 0),
            admitted=admitted.get(hospital_id, 0),
        )
    return out
