"""Hospitals: registration and status reports in the terms of EDXL-HAVE 1.0.

A status report may carry only some sections (emergency department traffic, capacity and
census by triage colour, beds by type, facility, security, staffing, morgue, comments); the
hospital's status is the latest value of each section. The enumerations use the EDXL-HAVE
values so that export and import are a one-to-one mapping.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from magen.domain.accounts import Accounts
from magen.domain.base import Command, DecisionContext, Event, Recorded, decider, event, evolver
from magen.domain.errors import Conflict, Forbidden, InvalidCommand, NotFound
from magen.domain.people import Given, observed_time
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role, ShortText, exchangeable

_HOSPITAL_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
Count = Annotated[int, Field(ge=0, le=100_000)]
# Status text refuses a control character (it could be logged but never exported as
# EDXL-HAVE); a status logged before that was refused is read as it was written (`Given`).
Comment = Annotated[str, Field(min_length=1, max_length=1000), Given]


class EmsTraffic(StrEnum):
    """Whether the emergency department takes ambulances (EDXL-HAVE EMSTrafficStatus)."""

    NORMAL = "Normal"
    ADVISORY = "Advisory"  # resource limits may affect some patients
    CLOSED = "Closed"  # asks for ambulances to be re-routed
    NOT_APPLICABLE = "NotApplicable"  # no emergency department


class BedType(StrEnum):
    """EDXL-HAVE bed types."""

    ADULT_ICU = "AdultICU"
    PEDIATRIC_ICU = "PediatricICU"
    NEONATAL_ICU = "NeonatalICU"
    EMERGENCY_DEPARTMENT = "EmergencyDepartment"
    NURSERY = "NurseryBeds"
    MEDICAL_SURGICAL = "MedicalSurgical"
    REHAB_LONG_TERM = "RehabLongTermCare"
    BURN = "Burn"
    PEDIATRICS = "Pediatrics"
    ADULT_PSYCHIATRIC = "AdultPsychiatric"
    PEDIATRIC_PSYCHIATRIC = "PediatricPsychiatric"
    NEGATIVE_FLOW_ISOLATION = "NegativeFlowIsolation"
    OTHER_ISOLATION = "OtherIsolation"
    OPERATING_ROOMS = "OperatingRooms"


class FacilityStatus(StrEnum):
    NORMAL = "Normal"
    COMPROMISED = "Compromised"  # damage, backup power, contamination
    EVACUATING = "Evacuating"
    CLOSED = "Closed"


class SecurityStatus(StrEnum):
    NORMAL = "Normal"
    ELEVATED = "Elevated"
    RESTRICTED_ACCESS = "RestrictedAccess"
    LOCKDOWN = "Lockdown"  # entry for authorised people only
    QUARANTINE = "Quarantine"


class ClinicalStatus(StrEnum):
    NORMAL = "Normal"
    FULL = "Full"


class Staffing(StrEnum):
    ADEQUATE = "Adequate"
    INSUFFICIENT = "Insufficient"


class MorgueStatus(StrEnum):
    OPEN = "Open"
    FULL = "Full"
    EXCEEDED = "Exceeded"


class OffloadStatus(StrEnum):
    NORMAL = "Normal"
    DELAYED = "Delayed"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


TRIAGE_COLOURS = ("red", "yellow", "green", "black")


class TriageCensus(_Value):
    """Patients by triage colour (EDXL-HAVE TriageCount: red, yellow, green, black).

    A colour the hospital did not report is None, not 0: EDXL-HAVE makes each TriageCode
    optional, and "0 green" (no room for, or no, green patients) is a statement a hospital
    has to make. Reports recorded before unreported colours were kept apart were filled in
    with 0 for every colour not given, so in those old events a 0 means "0, or not reported"
    and is read as the 0 it says (nothing in the log tells the two apart).
    """

    red: Count | None = None
    yellow: Count | None = None
    green: Count | None = None
    black: Count | None = None

    def of(self, colour: str) -> int | None:
        """The count for one tag colour, None if it was not reported."""
        if colour not in TRIAGE_COLOURS:
            raise ValueError(f"no triage colour {colour!r}")
        value: int | None = getattr(self, colour)
        return value

    def is_empty(self) -> bool:
        """Whether no colour is reported."""
        return all(getattr(self, c) is None for c in TRIAGE_COLOURS)


class BedCapacity(_Value):
    """Beds of one type: available now and the baseline (maximum) number."""

    bed_type: BedType
    available: Count
    baseline: Count | None = None
    additional_24h: Count | None = None  # beds that can be freed within 24 hours


class AmbulanceOffload(_Value):
    """How long ambulances wait to hand patients over."""

    status: OffloadStatus
    minutes: Annotated[int, Field(ge=0, le=1440)] | None = None


class MorgueCapacity(_Value):
    status: MorgueStatus | None = None
    units: Count | None = None


class HospitalStatus(_Value):
    """One status report; a section left out (None, or no beds) leaves that section unchanged.

    A census by colour (`ems_capacity`, `census`) is one section: a newer one replaces the
    older whole, so a colour it leaves out is no longer reported (an old count is not kept
    as if it were current)."""

    ems_traffic: EmsTraffic | None = None
    ems_traffic_reason: Annotated[str, Field(max_length=500), Given] = ""
    # How many of each colour it can accept now, and how many it holds. A census naming no
    # colour says nothing and is read as left out.
    ems_capacity: TriageCensus | None = None
    census: TriageCensus | None = None
    offload: AmbulanceOffload | None = None
    beds: tuple[BedCapacity, ...] = Field(default=(), max_length=len(BedType))
    clinical: ClinicalStatus | None = None
    morgue: MorgueCapacity | None = None
    facility: FacilityStatus | None = None
    security: SecurityStatus | None = None
    staffing: Staffing | None = None
    comments: tuple[Comment, ...] = Field(default=(), max_length=20)

    @field_validator("ems_capacity", "census")
    @classmethod
    def _census_says_something(cls, v: TriageCensus | None) -> TriageCensus | None:
        return None if v is None or v.is_empty() else v

    @field_validator("beds")
    @classmethod
    def _one_per_type(cls, v: tuple[BedCapacity, ...]) -> tuple[BedCapacity, ...]:
        types = [b.bed_type for b in v]
        if len(set(types)) != len(types):
            raise ValueError("each bed type may appear once in a report")
        return v

    @model_validator(mode="after")
    def _reason_needs_traffic(self) -> Self:
        if self.ems_traffic_reason and self.ems_traffic is None:
            raise ValueError("a traffic reason needs the traffic status it explains")
        return self

    def is_empty(self) -> bool:
        """Whether the report says nothing."""
        return self == HospitalStatus()

    def merged(self, newer: HospitalStatus) -> HospitalStatus:
        """This status updated with every section the newer report carries."""
        update: dict[str, object] = {}
        for name in type(self).model_fields:
            value = getattr(newer, name)
            if name == "ems_traffic_reason":
                if newer.ems_traffic is not None:
                    update[name] = value  # a new traffic status replaces the old reason
            elif name == "beds":
                if value:
                    by_type = {b.bed_type: b for b in self.beds}
                    by_type.update({b.bed_type: b for b in value})
                    update[name] = tuple(by_type.values())
            elif name == "comments":
                if value:
                    update[name] = value
            elif value is not None:
                update[name] = value
        return self.model_copy(update=update)

    def beds_of(self, bed_type: BedType) -> BedCapacity | None:
        """The reported capacity of one bed type."""
        return next((b for b in self.beds if b.bed_type is bed_type), None)


# A hospital's name in one of the pages' languages: bounded like its name of record, and
# empty where it has none in that language.
_LocalName = Annotated[str, Field(max_length=200), AfterValidator(exchangeable)]
HOSPITAL_NAME_LANGS = ("he", "ar", "en")


class HospitalNames(_Value):
    """A hospital's name in Hebrew, Arabic and English, for pages in those languages.

    `Hospital.name` stays the name of record (EDXL-HAVE's organisation name); a language left
    empty falls back to it. Each name is stripped, so blank means none.
    """

    he: _LocalName = ""
    ar: _LocalName = ""
    en: _LocalName = ""

    @field_validator("he", "ar", "en")
    @classmethod
    def _stripped(cls, v: str) -> str:
        return v.strip()

    def given(self) -> dict[str, str]:
        """The languages it has a name in, language to name."""
        return {lang: n for lang in HOSPITAL_NAME_LANGS if (n := getattr(self, lang))}


NO_NAMES = HospitalNames()


# --- slice --------------------------------------------------------------------------------


@dataclass
class Hospital:
    hospital_id: str
    name: str
    where: GeoPoint
    account_id: str | None  # the hospital account that reports its status
    trauma_centre: bool
    paediatric: bool
    registered_at: datetime
    names: HospitalNames = NO_NAMES  # in the pages' languages; none before names were kept
    status: HospitalStatus = field(default_factory=HospitalStatus)
    status_at: datetime | None = None  # when the latest report was observed
    reports: int = 0


@dataclass
class Hospitals:
    """Slice: registered hospitals by id, with their latest status."""

    by_id: dict[str, Hospital] = field(default_factory=dict)


# --- events -------------------------------------------------------------------------------


@event
class HospitalRegistered(Event):
    type: Literal["HospitalRegistered"] = "HospitalRegistered"
    hospital_id: str
    name: str
    where: GeoPoint
    account_id: str | None
    trauma_centre: bool
    paediatric: bool
    names: HospitalNames = NO_NAMES  # empty in events logged before hospitals had names


@event
class HospitalStatusReported(Event):
    type: Literal["HospitalStatusReported"] = "HospitalStatusReported"
    hospital_id: str
    observed_at: datetime
    status: HospitalStatus


# --- commands -----------------------------------------------------------------------------


class RegisterHospital(Command):
    hospital_id: Annotated[str, Field(min_length=2, max_length=64)]
    name: ShortText
    where: GeoPoint
    account_id: str | None = None
    trauma_centre: bool = False
    paediatric: bool = False
    # Its name in Hebrew, Arabic and English where it has one (`name` stays the name of record).
    names: HospitalNames = NO_NAMES

    added_later: ClassVar[tuple[str, ...]] = ("names",)

    @field_validator("hospital_id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not _HOSPITAL_ID.match(v):
            raise ValueError("hospital id: lowercase letters, digits, '_' or '-', 2-64 long")
        return v


class ReportHospitalStatus(Command):
    hospital_id: str
    status: HospitalStatus
    observed_at: AwareDatetime | None = None


# Who may send each command; the app registers these with its role policy.
COMMAND_ROLES: dict[type[Command], frozenset[Role]] = {
    RegisterHospital: frozenset({Role.ADMIN}),
    ReportHospitalStatus: frozenset({Role.HOSPITAL, Role.ADMIN, Role.DISPATCHER}),
}


def hospital(state: State, hospital_id: str) -> Hospital:
    """The registered hospital with this id."""
    found = state.slice(Hospitals).by_id.get(hospital_id)
    if found is None:
        raise NotFound(f"no hospital {hospital_id!r} is registered")
    return found


@decider(RegisterHospital)
def _register(state: State, cmd: RegisterHospital, ctx: DecisionContext) -> list[Event]:
    if cmd.hospital_id in state.slice(Hospitals).by_id:
        raise Conflict(f"hospital {cmd.hospital_id!r} is already registered")
    if cmd.account_id is not None:
        account = state.slice(Accounts).by_id.get(cmd.account_id)
        if account is None or not account.active:
            raise NotFound(f"no active account {cmd.account_id}")
        if account.role is not Role.HOSPITAL:
            raise InvalidCommand("the linked account must have the hospital role")
        for other in state.slice(Hospitals).by_id.values():
            if other.account_id == cmd.account_id:
                raise Conflict(f"that account already reports for {other.name}")
    return [
        HospitalRegistered(
            hospital_id=cmd.hospital_id,
            name=cmd.name,
            where=cmd.where,
            account_id=cmd.account_id,
            trauma_centre=cmd.trauma_centre,
            paediatric=cmd.paediatric,
            names=cmd.names,
        )
    ]


@decider(ReportHospitalStatus)
def _report(state: State, cmd: ReportHospitalStatus, ctx: DecisionContext) -> list[Event]:
    found = hospital(state, cmd.hospital_id)
    # Domain rule: a hospital account speaks only for its own hospital (operators may relay
    # a status phoned in by any hospital).
    if ctx.actor.role is Role.HOSPITAL and ctx.actor.account_id != found.account_id:
        raise Forbidden(f"this account does not report for {found.name}")
    if cmd.status.is_empty():
        raise InvalidCommand("a status report must say something")
    observed = observed_time(cmd.observed_at, ctx)
    if found.status_at is not None and observed < found.status_at:
        raise InvalidCommand(
            "a newer status is already recorded for this hospital", rule="newer_status_recorded"
        )
    return [
        HospitalStatusReported(
            hospital_id=found.hospital_id, observed_at=observed, status=cmd.status
        )
    ]


# --- evolvers -----------------------------------------------------------------------------


@evolver(HospitalRegistered)
def _on_registered(state: State, e: HospitalRegistered, r: Recorded) -> None:
    state.slice(Hospitals).by_id[e.hospital_id] = Hospital(
        hospital_id=e.hospital_id,
        name=e.name,
        where=e.where,
        account_id=e.account_id,
        trauma_centre=e.trauma_centre,
        paediatric=e.paediatric,
        registered_at=r.recorded_at,
        names=e.names,
    )


@evolver(HospitalStatusReported)
def _on_status(state: State, e: HospitalStatusReported, r: Recorded) -> None:
    found = state.slice(Hospitals).by_id.get(e.hospital_id)
    if found is None:
        return
    found.status = found.status.merged(e.status)
    found.status_at = e.observed_at
    found.reports += 1


# --- destination recommendation -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TravelTime:
    """Minutes to a hospital, and how they were estimated when that is worth saying."""

    minutes: float
    basis: str = ""  # e.g. "by street", "straight line: no town loaded"
    basis_code: str = ""  # the basis as a code (TRAVEL_BASES) for a client's own words


# How a travel time was estimated: over the streets, or the straight line times a detour.
TRAVEL_BASES = ("by_street", "straight_line")

Travel = float | TravelTime | None
TravelTimes = Mapping[str, Travel] | Callable[[Hospital], Travel]


@dataclass(frozen=True, slots=True)
class DestinationPolicy:
    """The minutes each drawback of a hospital costs a casualty, to rank destinations."""

    per_patient_over_capacity: float = 20.0  # expected extra wait per patient beyond capacity
    unknown_capacity: float = 15.0  # no usable capacity figure reported
    stale_status: float = 10.0  # the latest report is older than `stale_after`
    stale_after: timedelta = timedelta(hours=1)
    advisory: float = 10.0  # EMS traffic "Advisory"
    compromised: float = 20.0  # facility "Compromised"
    lockdown: float = 5.0  # entry controlled: handover takes longer
    insufficient_staff: float = 10.0
    no_trauma_centre: float = 15.0  # for immediate (red) casualties
    not_paediatric: float = 15.0  # for children
    max_offload: float = 60.0  # reported ambulance offload minutes count up to this


DEFAULT_POLICY = DestinationPolicy()

_CLOSED_FACILITY = {
    FacilityStatus.CLOSED: "facility_closed",
    FacilityStatus.EVACUATING: "facility_evacuating",
}
_COLOUR = {"immediate": "red", "delayed": "yellow", "minor": "green", "expectant": "black"}
# Beds that receive each kind of casualty when no capacity by triage colour is reported.
_BEDS_FOR: dict[tuple[str, bool], tuple[BedType, ...]] = {
    ("red", False): (BedType.EMERGENCY_DEPARTMENT, BedType.ADULT_ICU, BedType.OPERATING_ROOMS),
    ("red", True): (BedType.EMERGENCY_DEPARTMENT, BedType.PEDIATRIC_ICU),
    ("yellow", False): (BedType.EMERGENCY_DEPARTMENT, BedType.MEDICAL_SURGICAL),
    ("yellow", True): (BedType.EMERGENCY_DEPARTMENT, BedType.PEDIATRICS),
    ("green", False): (BedType.EMERGENCY_DEPARTMENT,),
    ("green", True): (BedType.EMERGENCY_DEPARTMENT, BedType.PEDIATRICS),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for a destination's rank, or for ruling a hospital out, as a fact (its
    English words are beside it): a code (DESTINATION_REASON_CODES or EXCLUSION_CODES) and
    the facts it is made of; those it has no use for are None."""

    code: str
    n: int | None = None  # slots or beds left; an over-full hospital's capacity
    minutes: int | None = None  # travel, ambulance offload, the status report's age
    colour: str | None = None  # the triage colour the slots are for
    on_way: int | None = None  # patients already on their way (over capacity)
    basis: str | None = None  # how the travel time was estimated (TRAVEL_BASES)
    note: str | None = None  # what the hospital wrote (EMS advisory, closed to ambulances)

    def facts(self) -> dict[str, str | int]:
        """The code and the facts it has, for a client to say in its own language."""
        out: dict[str, str | int] = {"code": self.code}
        for key in ("n", "minutes", "colour", "on_way", "basis", "note"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


# The codes of a destination's reasons (`Destination.reason_facts`), in the order they come.
DESTINATION_REASON_CODES = (
    "away",  # minutes, basis
    "slots_left",  # n, colour: capacity reported for this triage colour
    "beds_free",  # n: beds that receive this casualty
    "over_capacity",  # n (capacity), on_way
    "clinical_full",  # no capacity figure, and the hospital reports itself full
    "capacity_unknown",
    "no_status",  # the hospital has never reported
    "stale_status",  # minutes
    "ems_advisory",  # note (when written)
    "offload",  # minutes
    "facility_compromised",
    "lockdown",
    "short_staffed",
    "not_trauma_centre",  # for a red casualty
    "not_paediatric",  # for a child
)
# The codes of why a hospital is not offered (`Exclusion.fact`).
EXCLUSION_CODES = (
    "no_route",
    "facility_closed",
    "facility_evacuating",
    "closed_to_ambulances",  # note (when written)
    "no_emergency_department",
    "quarantine",
)


@dataclass(frozen=True, slots=True)
class Destination:
    """One candidate hospital with its travel time, expected cost and the reasons for it."""

    hospital_id: str
    name: str
    travel_minutes: float
    cost_minutes: float
    capacity_left: int | None  # beds/slots left after patients already on the way
    reasons: tuple[str, ...]
    reason_facts: tuple[Reason, ...] = ()  # `reasons` as facts, one each


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A hospital not offered, and why: in English and as a fact (EXCLUSION_CODES)."""

    hospital_id: str
    name: str
    reason: str
    fact: Reason


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Hospitals ranked best first, and those ruled out with why (by hospital id)."""

    ranked: tuple[Destination, ...]
    excluded: tuple[Exclusion, ...]

    @property
    def best(self) -> Destination | None:
        return self.ranked[0] if self.ranked else None


# A reason in English and as a fact.
_Said = tuple[str, Reason]


def _travel(h: Hospital, travel: TravelTimes) -> TravelTime | None:
    found = travel.get(h.hospital_id) if isinstance(travel, Mapping) else travel(h)
    if found is None:
        return None
    time = found if isinstance(found, TravelTime) else TravelTime(float(found))
    if not math.isfinite(time.minutes) or time.minutes < 0:
        return None
    return time


def _capacity(status: HospitalStatus, colour: str, child: bool) -> tuple[int | None, bool]:
    """Slots for this colour, and whether they are per colour (EMS capacity) or beds.

    A capacity report that leaves this colour out says nothing about it: the beds decide."""
    per_colour = status.ems_capacity.of(colour) if status.ems_capacity is not None else None
    if per_colour is not None:
        return per_colour, True
    beds = [status.beds_of(t) for t in _BEDS_FOR[("red" if colour == "black" else colour, child)]]
    known = [b.available for b in beds if b is not None]
    if not known:
        return None, False
    return sum(known), False


@dataclass(frozen=True, slots=True)
class StatusLimit:
    """What a hospital's own status says against bringing a casualty there."""

    words: str  # in English
    fact: Reason  # its code: one of EXCLUSION_CODES, or "lockdown"
    excludes: bool  # not offered as a destination at all; else only ranked lower


def status_limits(status: HospitalStatus) -> tuple[StatusLimit, ...]:
    """Everything a hospital's status says against taking a casualty there: the one rule of
    which hospitals are not destinations (closed, evacuating, closed to ambulances, no
    emergency department, quarantine: `excludes`, the first of them is why one is not
    offered) and which control who may enter (a lockdown: ranked lower). A crew already
    heading there is told every one (`app.hospital_desk.destination_warnings`)."""
    out: list[StatusLimit] = []
    if status.facility in _CLOSED_FACILITY:
        words = f"facility {status.facility.value.lower()}"
        out.append(StatusLimit(words, Reason(_CLOSED_FACILITY[status.facility]), True))
    if status.ems_traffic is EmsTraffic.CLOSED:
        typed = status.ems_traffic_reason or None
        why = f": {typed}" if typed else ""
        fact = Reason("closed_to_ambulances", note=typed)
        out.append(StatusLimit(f"closed to ambulances{why}", fact, True))
    if status.ems_traffic is EmsTraffic.NOT_APPLICABLE:
        fact = Reason("no_emergency_department")
        out.append(StatusLimit("no emergency department", fact, True))
    if status.security is SecurityStatus.QUARANTINE:
        out.append(StatusLimit("under quarantine", Reason("quarantine"), True))
    if status.security is SecurityStatus.LOCKDOWN:
        out.append(StatusLimit("in lockdown", Reason("lockdown"), False))
    return tuple(out)


def _excluded(h: Hospital, time: TravelTime | None) -> _Said | None:
    if time is None:
        return "no route or travel time", Reason("no_route")
    first = next((limit for limit in status_limits(h.status) if limit.excludes), None)
    return (first.words, first.fact) if first is not None else None


def _away(time: TravelTime) -> _Said:
    minutes = round(time.minutes)
    words = f"{minutes} min away" + (f" ({time.basis})" if time.basis else "")
    return words, Reason("away", minutes=minutes, basis=time.basis_code or None)


def _capacity_cost(
    h: Hospital,
    category: str,
    colour: str,
    *,
    child: bool,
    coming: Mapping[str, int],
    policy: DestinationPolicy,
) -> tuple[float, int | None, _Said]:
    capacity, per_colour = _capacity(h.status, colour, child)
    if capacity is None:
        if h.status.clinical is ClinicalStatus.FULL:
            said = ("reports clinical status full", Reason("clinical_full"))
            return policy.per_patient_over_capacity, None, said
        return policy.unknown_capacity, None, ("capacity not reported", Reason("capacity_unknown"))
    # Per-colour capacity is used up by patients of that colour; beds by anyone.
    taken = coming.get(category, 0) if per_colour else sum(coming.values())
    left = capacity - taken
    if left <= 0:
        said = (
            f"over capacity ({capacity} slots, {taken} on the way)",
            Reason("over_capacity", n=capacity, on_way=taken),
        )
        return policy.per_patient_over_capacity * (1 - left), left, said
    if per_colour:
        return (
            0.0,
            left,
            (f"{left} {colour} slots left", Reason("slots_left", n=left, colour=colour)),
        )
    return 0.0, left, (f"{left} beds free", Reason("beds_free", n=left))


def _penalties(
    h: Hospital, colour: str, child: bool, now: datetime | None, policy: DestinationPolicy
) -> list[tuple[float, _Said]]:
    s = h.status
    out: list[tuple[float, _Said]] = []
    age = _status_age(h, now, policy)
    if age is not None:
        out.append(age)
    if s.ems_traffic is EmsTraffic.ADVISORY:
        typed = s.ems_traffic_reason or None
        why = f": {typed}" if typed else ""
        out.append((policy.advisory, (f"EMS advisory{why}", Reason("ems_advisory", note=typed))))
    if s.offload is not None and s.offload.minutes is not None:
        offload = min(float(s.offload.minutes), policy.max_offload)
        said = (
            f"ambulance offload {s.offload.minutes} min",
            Reason("offload", minutes=s.offload.minutes),
        )
        out.append((offload, said))
    if s.facility is FacilityStatus.COMPROMISED:
        out.append((policy.compromised, ("facility compromised", Reason("facility_compromised"))))
    # What the status limits without ruling the hospital out (entry controlled: handover
    # takes longer); a new kind of limit must be given its cost here.
    costs = {"lockdown": policy.lockdown}
    for limit in status_limits(s):
        if not limit.excludes:
            out.append((costs[limit.fact.code], (limit.words, limit.fact)))
    if s.staffing is Staffing.INSUFFICIENT:
        out.append((policy.insufficient_staff, ("staffing insufficient", Reason("short_staffed"))))
    if colour == "red" and not h.trauma_centre:
        out.append((policy.no_trauma_centre, ("not a trauma centre", Reason("not_trauma_centre"))))
    if child and not h.paediatric:
        out.append((policy.not_paediatric, ("no paediatric service", Reason("not_paediatric"))))
    return out


def _status_age(
    h: Hospital, now: datetime | None, policy: DestinationPolicy
) -> tuple[float, _Said] | None:
    """What the age of a hospital's status costs and says: never reported, or stale."""
    if h.status_at is None:
        return 0.0, ("no status report yet", Reason("no_status"))
    if now is not None and now - h.status_at > policy.stale_after:
        age = int((now - h.status_at).total_seconds() // 60)
        return policy.stale_status, (f"status {age} min old", Reason("stale_status", minutes=age))
    return None


def unranked_destinations(
    hospitals: Iterable[Hospital],
    *,
    now: datetime | None = None,
    policy: DestinationPolicy = DEFAULT_POLICY,
) -> tuple[list[tuple[Hospital, list[_Said]]], list[Exclusion]]:
    """Every hospital a casualty may be taken to, by name of record, with what its status says
    (its age, and the limits that do not rule it out), and those its status rules out with
    why: the recommendation without travel, for a crew with no place to rank from."""
    offered: list[tuple[Hospital, list[_Said]]] = []
    excluded: list[Exclusion] = []
    for h in sorted(hospitals, key=lambda h: (h.name, h.hospital_id)):
        limits = status_limits(h.status)
        out = next((limit for limit in limits if limit.excludes), None)
        if out is not None:
            excluded.append(Exclusion(h.hospital_id, h.name, out.words, out.fact))
            continue
        age = _status_age(h, now, policy)
        said = [age[1]] if age is not None else []
        offered.append((h, said + [(limit.words, limit.fact) for limit in limits]))
    return offered, excluded


def recommend_destination(
    hospitals: Iterable[Hospital],
    travel: TravelTimes,
    *,
    category: str | None = None,
    child: bool = False,
    en_route: Mapping[str, Mapping[str, int]] | None = None,
    now: datetime | None = None,
    policy: DestinationPolicy = DEFAULT_POLICY,
) -> Recommendation:
    """Rank hospitals for one casualty by travel time plus the cost of their limits.

    `category` is a triage category value ("immediate", "delayed", "minor", "expectant") or
    None if untriaged (treated as delayed). `travel` gives minutes (or a `TravelTime`, whose
    basis goes into the reasons) by hospital id, or a function of the hospital; None,
    infinite or missing means unreachable. `en_route` counts
    casualties already heading to each hospital by category (see `hospital_loads`), so
    the same free bed is not promised twice. Every reason is given twice: in English
    (`reasons`, `Exclusion.reason`) and as a fact with a code (`reason_facts`,
    `Exclusion.fact`) for a client to say in its own language.
    """
    category = category or "delayed"
    colour = _COLOUR.get(category)
    if colour is None:
        raise ValueError(f"unknown triage category {category!r}")
    ranked: list[Destination] = []
    excluded: list[Exclusion] = []
    for h in hospitals:
        time = _travel(h, travel)
        why_not = _excluded(h, time)
        if why_not is not None or time is None:
            words, fact = why_not or ("no route or travel time", Reason("no_route"))
            excluded.append(Exclusion(h.hospital_id, h.name, words, fact))
            continue
        coming = (en_route or {}).get(h.hospital_id, {})
        cost, left, capacity_said = _capacity_cost(
            h, category, colour, child=child, coming=coming, policy=policy
        )
        penalties = _penalties(h, colour, child, now, policy)
        said = [_away(time), capacity_said, *(s for _, s in penalties)]
        ranked.append(
            Destination(
                hospital_id=h.hospital_id,
                name=h.name,
                travel_minutes=time.minutes,
                cost_minutes=time.minutes + cost + sum(p for p, _ in penalties),
                capacity_left=left,
                reasons=tuple(words for words, _ in said),
                reason_facts=tuple(fact for _, fact in said),
            )
        )
    ranked.sort(key=lambda d: (d.cost_minutes, -(d.capacity_left or 0), d.hospital_id))
    return Recommendation(tuple(ranked), tuple(sorted(excluded, key=lambda x: x.hospital_id)))
