"""Missing persons, survivors, candidate matches and what a family is told.

A family files a missing-person report from its own account, or a registrar files it for
them (a family without an account is reached through the report's contact). Residents check
themselves in as safe; a registrar checks in people at a shelter. Notes (PFIF's note records)
add what anyone learns about a reported person.

Matches link a report to a casualty, a survivor, or another report of the same person. The
matching engine (or a registrar) proposes; only a registrar confirms or rejects, and only a
registrar records that the family was told. The outcome of a confirmed match is derived from
the candidate (`casualty_outcome`): safe for a survivor or a casualty discharged home or to a
shelter, injured for a casualty in care (moved to other care too), left care for one who left
hospital against advice (alive, whereabouts not confirmed), deceased for a casualty recorded
dead, who must first be formally identified.

The outcome follows the casualty after confirmation: the persons slice also evolves on the
casualties' deaths and discharges. When one changes a confirmed report's outcome, the report
takes the new one (`outcome_was` keeps the old), what its families were told is set aside
(`told_before`), and they are waiting to be told again; until a registrar records telling
them, the family's page says only that the person was found (`FOUND_PENDING`), never the
stale outcome and never a death. A death is told only once the casualty is formally
identified, whenever it came. A notification carries the outcome the registrar's desk saw
when deciding (`NotificationRecorded.outcome`): one decided before a death or a discharge
and recorded after it (nothing orders the two) is filed as told of the earlier outcome, and
the family is to be told again (told the news was wrong, if its match was withdrawn in
between). A notification other than in person never tells a death,
even in a log from before that rule: it is set aside, of an outcome not known.

A registrar withdraws a confirmed match that proves wrong (`WithdrawMatch`, with the
reason): the report searches again, and a family told of it is waiting to be told the news
was wrong (`Persons.to_tell_again`).

Domain rules on roles, repeated here although the app checks roles too, because they decide
what a family learns: a resident may act only on reports filed from their own account;
confirming, rejecting, withdrawing and recording a notification are registrar acts.

`family_view` is what a family account may see: its own reports and their confirmed
outcomes, in the registrar's words. It never shows a casualty's details, a candidate, a
score or a proposal; a death is shown only after the registrar has recorded telling them,
which for a death is recorded only in person (`RecordNotification`'s channel).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from magen.domain.accounts import Accounts
from magen.domain.base import Command, DecisionContext, Event, Recorded, decider, event, evolver
from magen.domain.casualties import (
    Casualties,
    Casualty,
    CasualtyDischarged,
    CasualtyStatus,
    DeathRecorded,
    Disposition,
    IdentificationStatus,
    care_place,
)
from magen.domain.errors import Conflict, Forbidden, InvalidCommand, NotFound
from magen.domain.people import (
    MAX_AGE_YEARS,
    MAX_PROVENANCE_AHEAD,
    RECORD_ID,
    Address,
    AgeRange,
    BirthAfterDay,
    BirthTooLongAgo,
    Contact,
    Description,
    Given,
    Name,
    Note,
    PartialDate,
    PersonName,
    Provenance,
    Sex,
    age_from_birth,
    check_partial_date,
    exchangeable_part,
    observed_time,
    shows_something,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role

if TYPE_CHECKING:  # the engine (numpy, rapidfuzz) loads only when records are built
    from magen.people.matching import Evidence, MatchCandidate, PersonRecord, RecordKind

Place = Annotated[str, Field(max_length=300), Given]
# Persons' free text: what the commands take refuses control characters (XML cannot carry them).
Said = Annotated[Note, Given]
RecordId = Annotated[str, Field(min_length=3, max_length=500)]
REGISTRAR_ROLES = frozenset({Role.REGISTRAR})


class ReportStatus(StrEnum):
    SEARCHING = "searching"
    FOUND = "found"  # a match was confirmed
    SAFE = "safe"  # the family or a registrar marked the person safe
    DUPLICATE = "duplicate"  # the same person as another report


class Outcome(StrEnum):
    SAFE = "safe"
    INJURED = "injured"  # in care (in hospital, on the way, or moved to other care)
    DECEASED = "deceased"
    # Left hospital against medical advice: alive then, where they are now not confirmed.
    LEFT_CARE = "left_care"


class CandidateKind(StrEnum):
    CASUALTY = "casualty"
    SURVIVOR = "survivor"
    MISSING = "missing"  # another missing-person report: a duplicate


class MatchStatus(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # confirmed, then withdrawn by a registrar: a wrong identification


class NoteStatus(StrEnum):
    """PFIF 1.4 note status."""

    INFORMATION_SOUGHT = "information_sought"
    IS_NOTE_AUTHOR = "is_note_author"
    BELIEVED_ALIVE = "believed_alive"
    BELIEVED_MISSING = "believed_missing"
    BELIEVED_DEAD = "believed_dead"


class Channel(StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    MESSAGE = "message"


_DEFAULT_RELEASE = {
    Outcome.SAFE: "Found safe.",
    Outcome.INJURED: "Found alive and receiving care. A registrar will call you.",
    Outcome.DECEASED: "A registrar will meet you in person.",
    Outcome.LEFT_CARE: (
        "Found alive, but they have left the hospital and where they are now is not"
        " confirmed. A registrar will call you."
    ),
}
# What a family reads while a changed outcome waits for a registrar to tell them of it.
FOUND_PENDING = "Found. A registrar will call you."


# --- slice --------------------------------------------------------------------------------


@dataclass
class PersonNote:
    note_id: str
    report_id: str
    at: datetime  # when the author wrote it (PFIF source_date)
    author_name: str
    status: NoteStatus | None
    text: str
    last_known_location: str
    linked_record_id: str | None
    author_made_contact: bool | None
    source_record_id: str | None  # PFIF note_record_id when imported
    by: str | None


@dataclass
class Notification:
    at: datetime
    by: str | None
    match_id: str | None
    channel: Channel
    note: str
    # The outcome the family was told of: the match's outcome when the notification was
    # recorded (None for a notification of no confirmed outcome, or that a match was wrong).
    outcome: Outcome | None = None
    # Where in the log it was recorded: `notifications` and `told_before` together in the
    # order they were recorded (a telling that lost a race goes to `told_before` after newer
    # ones are in `notifications`), which the PFIF export's note ids follow.
    position: int = -1
    # Where the casualty they were told of was then (`care_place`): a family told of a
    # hospital must hear of a transfer. None if not a casualty, or not recorded (older logs).
    place: str | None = None


@dataclass
class MissingReport:
    report_id: str
    name: PersonName
    date_of_birth: str | None
    age: AgeRange | None
    description: Description
    last_seen_place: str
    last_seen_where: GeoPoint | None
    last_seen_at: datetime | None
    home: Address | None
    contact: Contact | None
    family_account: str | None  # the account that sees the outcome
    reported_by: str | None
    reported_at: datetime
    source: Provenance | None  # set when imported from another repository (PFIF)
    status: ReportStatus = ReportStatus.SEARCHING
    outcome: Outcome | None = None
    outcome_match: str | None = None
    release: str = ""  # what the registrar releases to the family
    closed_at: datetime | None = None
    duplicate_of: str | None = None
    # Set when the confirmed casualty's state changed the outcome after confirmation (a death,
    # a discharge): the outcome it had before, and when it changed.
    outcome_was: Outcome | None = None
    outcome_changed_at: datetime | None = None
    notes: list[PersonNote] = field(default_factory=list)
    # The family told of the outcome as it stands (or that a withdrawn match was wrong).
    notifications: list[Notification] = field(default_factory=list)
    # The family told of news that no longer stands: an outcome since changed, or a match
    # since withdrawn. They are to be told again (`to_tell_again`, the registry's board).
    told_before: list[Notification] = field(default_factory=list)


@dataclass
class Survivor:
    survivor_id: str
    name: PersonName
    date_of_birth: str | None
    age: AgeRange | None
    description: Description
    place: str
    where: GeoPoint | None
    checked_in_at: datetime
    self_reported: bool
    checked_in_by: str | None
    contact: Contact | None
    source: Provenance | None


@dataclass
class Match:
    match_id: str
    report_id: str
    candidate_kind: CandidateKind
    candidate_id: str
    score: float
    explanation: str
    proposed_by: str | None
    proposed_at: datetime
    status: MatchStatus = MatchStatus.PROPOSED
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str = ""
    outcome: Outcome | None = None
    evidence: tuple[MatchEvidence, ...] = ()  # the explanation's findings, as data


@dataclass
class Persons:
    """Slice: missing-person reports, survivors and matches, by id."""

    missing: dict[str, MissingReport] = field(default_factory=dict)
    survivors: dict[str, Survivor] = field(default_factory=dict)
    matches: dict[str, Match] = field(default_factory=dict)
    # PFIF record id -> report or survivor id, so a re-import is recognised.
    by_source: dict[str, str] = field(default_factory=dict)
    # (report, kind, candidate) -> match id: one live proposal per pair.
    by_pair: dict[tuple[str, CandidateKind, str], str] = field(default_factory=dict)
    # Casualty id -> the confirmed matches naming it: the reports whose outcome its later
    # death or discharge changes.
    confirmed_casualty: dict[str, list[str]] = field(default_factory=dict)
    # Report id -> the reports confirmed as its duplicates (their families hear its outcome).
    duplicates: dict[str, list[str]] = field(default_factory=dict)
    # Report id -> the withdrawn match its family was told of and must be told was wrong.
    to_tell_again: dict[str, str] = field(default_factory=dict)


# --- events -------------------------------------------------------------------------------


@event
class MissingPersonReported(Event):
    type: Literal["MissingPersonReported"] = "MissingPersonReported"
    report_id: str
    name: PersonName
    date_of_birth: str | None
    age: AgeRange | None
    description: Description
    last_seen_place: str
    last_seen_where: GeoPoint | None
    last_seen_at: datetime | None
    home: Address | None
    contact: Contact | None
    family_account: str | None
    source: Provenance | None


@event
class SurvivorCheckedIn(Event):
    type: Literal["SurvivorCheckedIn"] = "SurvivorCheckedIn"
    survivor_id: str
    name: PersonName
    date_of_birth: str | None
    age: AgeRange | None
    description: Description
    place: str
    where: GeoPoint | None
    self_reported: bool
    contact: Contact | None
    source: Provenance | None


@event
class PersonMarkedSafe(Event):
    type: Literal["PersonMarkedSafe"] = "PersonMarkedSafe"
    report_id: str
    by_family: bool
    note: str


@event
class PersonNoteAdded(Event):
    type: Literal["PersonNoteAdded"] = "PersonNoteAdded"
    note_id: str
    report_id: str
    at: datetime
    author_name: str
    status: NoteStatus | None
    text: str
    last_known_location: str
    linked_record_id: str | None
    author_made_contact: bool | None
    source_record_id: str | None


class NameAgreement(BaseModel):
    """Two name parts a match rests on, as written, and how they compare."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    a: Annotated[str, Field(max_length=100), Given]
    b: Annotated[str, Field(max_length=100), Given]
    how: Literal["similar", "nickname", "sounds the same", "same", "misspelled"]


_Km = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
_Age = Annotated[float, Field(ge=0.0, le=200.0, allow_inf_nan=False)]


class MatchEvidence(BaseModel):
    """One finding behind a proposed match, as data to be said in the reader's language
    (`magen.web.words_evidence`): the matcher's `Evidence` without its English text.

    `level` is the comparison level's label (`magen.people.matching.COMPARISONS`) or a
    fixed finding's key; the details belong to the fields the matcher sets them for.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    field: Annotated[str, Field(max_length=40), Given]
    level: Annotated[str, Field(max_length=120), Given]
    weight: Annotated[float, Field(allow_inf_nan=False)]
    names: Annotated[tuple[NameAgreement, ...], Field(max_length=3)] = ()
    swapped: bool = False
    rarity: Literal["", "a rarer name", "a common name"] = ""
    ages: tuple[tuple[_Age, _Age], tuple[_Age, _Age]] | None = None
    km: _Km | None = None
    terms: Annotated[
        tuple[Annotated[str, Field(max_length=40), Given], ...], Field(max_length=12)
    ] = ()
    source: Annotated[str, Field(max_length=100), Given] = ""
    other: Annotated[str, Field(max_length=100), Given] = ""

    @model_serializer(mode="wrap")
    def _without_defaults(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The details a finding has, not the many it has not: a third of the bytes in the
        log and on the desk (read back, the missing ones take their defaults)."""
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if k in _ALWAYS or not _unset(v)}


_ALWAYS = frozenset({"field", "level", "weight"})


def _unset(value: object) -> bool:
    return value is None or value is False or (isinstance(value, str | list | tuple) and not value)


# A proposal's evidence is as bounded as its explanation (2000 characters): a few findings,
# each short.
MAX_EVIDENCE = 16
MAX_EVIDENCE_CHARS = 4000


def _evidence_size(evidence: tuple[MatchEvidence, ...]) -> int:
    return sum(
        len(e.field)
        + len(e.level)
        + sum(len(n.a) + len(n.b) for n in e.names)
        + sum(map(len, e.terms))
        + len(e.source)
        + len(e.other)
        for e in evidence
    )


def _bounded(evidence: tuple[MatchEvidence, ...]) -> tuple[MatchEvidence, ...]:
    if _evidence_size(evidence) > MAX_EVIDENCE_CHARS:
        raise ValueError(f"evidence longer than {MAX_EVIDENCE_CHARS} characters in all")
    return evidence


EvidenceList = Annotated[
    tuple[MatchEvidence, ...], Field(max_length=MAX_EVIDENCE), AfterValidator(_bounded)
]


@event
class MatchProposed(Event):
    type: Literal["MatchProposed"] = "MatchProposed"
    match_id: str
    report_id: str
    candidate_kind: CandidateKind
    candidate_id: str
    score: float
    explanation: str
    # Added after the first logs: events recorded without it replay with none.
    evidence: EvidenceList = ()


@event
class MatchConfirmed(Event):
    type: Literal["MatchConfirmed"] = "MatchConfirmed"
    match_id: str
    report_id: str
    outcome: Outcome | None  # None for a duplicate report
    release: str


@event
class MatchRejected(Event):
    type: Literal["MatchRejected"] = "MatchRejected"
    match_id: str
    reason: str


@event
class MatchWithdrawn(Event):
    """A registrar withdrew a confirmed match (a wrong identification): the report searches
    again, and a family already told is to be told the news was wrong."""

    type: Literal["MatchWithdrawn"] = "MatchWithdrawn"
    match_id: str
    report_id: str
    reason: str


@event
class NotificationRecorded(Event):
    type: Literal["NotificationRecorded"] = "NotificationRecorded"
    report_id: str
    match_id: str | None
    at: datetime
    channel: Channel
    note: str
    # The outcome the registrar's desk saw when deciding: what the family was told. A death or
    # a discharge applied between deciding and recording (nothing orders the two) then does
    # not count as told. None when there was no confirmed outcome to tell, and in
    # notifications recorded before this field existed (applied as they were then).
    outcome: Outcome | None = None
    # Where the casualty of the match was when the desk decided (`care_place`), so a transfer
    # after it is news to tell; None for other matches and in notifications from before.
    place: str | None = None


# --- commands -----------------------------------------------------------------------------


class _WithBirth(Command):
    date_of_birth: PartialDate | None = None
    age: AgeRange | None = None

    @field_validator("date_of_birth")
    @classmethod
    def _birth(cls, v: str | None) -> str | None:
        return None if v is None else check_partial_date(v)


class ReportMissingPerson(_WithBirth):
    name: PersonName
    description: Description = Field(default_factory=Description)
    last_seen_place: Place = ""
    last_seen_where: GeoPoint | None = None
    last_seen_at: AwareDatetime | None = None
    home: Address | None = None
    contact: Contact | None = None
    # Set by a registrar filing for a family that has an account; a resident files for itself.
    family_account: str | None = None
    source: Provenance | None = None


class CheckInSurvivor(_WithBirth):
    name: PersonName
    description: Description = Field(default_factory=Description)
    place: Place = ""
    where: GeoPoint | None = None
    contact: Contact | None = None
    source: Provenance | None = None


class MarkPersonSafe(Command):
    report_id: str
    note: Said = ""
    # What the registry reads if the report was closed before this arrived (the family's page
    # may be older than the registry's decision): the family's stock words in the family's
    # language, the family's own note after them. Empty: the words in English.
    words_if_closed: Annotated[str, Field(max_length=500), Given] = ""

    added_later: ClassVar[tuple[str, ...]] = ("words_if_closed",)


class AddPersonNote(Command):
    report_id: str
    author_name: Annotated[Name, Given]
    text: Annotated[str, Field(min_length=1, max_length=5000), Given]
    status: NoteStatus | None = None
    last_known_location: Place = ""
    linked_record_id: RecordId | None = None
    author_made_contact: bool | None = None
    at: AwareDatetime | None = None
    source_record_id: RecordId | None = None

    @field_validator("author_name", "text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        # PFIF requires both: a blank one (or one of only zero-width characters, which reads
        # as blank) is a note no export could carry and no registrar could read.
        if not shows_something(v):
            raise ValueError("cannot be blank")
        return v

    @field_validator("linked_record_id", "source_record_id")
    @classmethod
    def _record_id(cls, v: str | None) -> str | None:
        if v is not None and not RECORD_ID.match(v):
            raise ValueError("a record id is a lowercase domain, '/', and a local id")
        return v


class ProposeMatch(Command):
    report_id: str
    candidate_kind: CandidateKind
    candidate_id: str
    score: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
    explanation: Annotated[str, Field(max_length=2000), Given] = ""
    evidence: EvidenceList = ()


class ConfirmMatch(Command):
    match_id: str
    release: Said = ""  # what the family may be told; a plain default when empty


class RejectMatch(Command):
    match_id: str
    reason: Said = ""


class WithdrawMatch(Command):
    match_id: str
    reason: Annotated[str, Field(min_length=1, max_length=2000), Given]  # why it was wrong

    @field_validator("reason")
    @classmethod
    def _said(cls, v: str) -> str:
        if not shows_something(v):  # a zero-width space is no reason either
            raise ValueError("say why the match is withdrawn")
        return v


class RecordNotification(Command):
    report_id: str
    match_id: str | None = None
    channel: Channel = Channel.IN_PERSON
    note: Said = ""
    at: AwareDatetime | None = None


# Who may send each command; the app registers these with its role policy.
COMMAND_ROLES: dict[type[Command], frozenset[Role]] = {
    ReportMissingPerson: frozenset({Role.RESIDENT, Role.REGISTRAR, Role.ADMIN}),
    CheckInSurvivor: frozenset({Role.RESIDENT, Role.REGISTRAR, Role.ADMIN}),
    MarkPersonSafe: frozenset({Role.RESIDENT, Role.REGISTRAR}),
    AddPersonNote: frozenset({Role.RESIDENT, Role.REGISTRAR, Role.ADMIN}),
    ProposeMatch: frozenset({Role.REGISTRAR, Role.ADMIN}),
    ConfirmMatch: REGISTRAR_ROLES,
    RejectMatch: REGISTRAR_ROLES,
    WithdrawMatch: REGISTRAR_ROLES,
    RecordNotification: REGISTRAR_ROLES,
}


def _new_id(prefix: str, command_id: uuid.UUID) -> str:
    return f"{prefix}_{command_id.hex[:20]}"


def report_id_for(command_id: uuid.UUID) -> str:
    """The id of the report a ReportMissingPerson command creates."""
    return _new_id("mis", command_id)


def survivor_id_for(command_id: uuid.UUID) -> str:
    """The id of the survivor record a CheckInSurvivor command creates."""
    return _new_id("srv", command_id)


def missing_report(state: State, report_id: str) -> MissingReport:
    """The missing-person report with this id."""
    found = state.slice(Persons).missing.get(report_id)
    if found is None:
        raise NotFound(f"no missing-person report {report_id}")
    return found


def _match(state: State, match_id: str) -> Match:
    found = state.slice(Persons).matches.get(match_id)
    if found is None:
        raise NotFound(f"no match {match_id}")
    return found


def _registrar(ctx: DecisionContext, doing: str) -> None:
    if ctx.actor.role not in REGISTRAR_ROLES:
        raise Forbidden(f"only a registrar may {doing}")


def _own_report(ctx: DecisionContext, report: MissingReport) -> None:
    """A resident acts only on reports filed from their own account."""
    if ctx.actor.role is Role.RESIDENT and (
        ctx.actor.account_id is None or report.family_account != ctx.actor.account_id
    ):
        raise Forbidden("you may act only on reports you filed")


def _check_age(date_of_birth: str | None, age: AgeRange | None, on: date) -> None:
    """Refuse a date of birth after `on` (even its earliest day), one so long before it that
    the person would be older than anyone lives, or an age it cannot give."""
    if date_of_birth is None:
        return
    try:
        implied = age_from_birth(date_of_birth, on)
    except BirthAfterDay:
        raise InvalidCommand(
            f"the date of birth {date_of_birth} is after {on.isoformat()}: check the year",
            rule="date_of_birth_too_late",
        ) from None
    except BirthTooLongAgo:
        raise InvalidCommand(
            f"the date of birth {date_of_birth} is too long ago: on {on.isoformat()} the"
            f" person would be older than {MAX_AGE_YEARS}; check the year",
            rule="date_of_birth_too_early",
        ) from None
    if age is not None and (implied.max_years < age.min_years or implied.min_years > age.max_years):
        raise InvalidCommand(
            f"the age {age.min_years}-{age.max_years} does not fit the date of birth"
            f" {date_of_birth} (that makes {implied.min_years}-{implied.max_years})",
            rule="age_does_not_fit_date_of_birth",
        )


def _new_source(state: State, source: Provenance | None, ctx: DecisionContext) -> None:
    """Refuse a record already imported, or one its source dates over a day in the future
    (MAX_PROVENANCE_AHEAD: another repository's clock and time zone)."""
    if source is None:
        return
    if source.record_id in state.slice(Persons).by_source:
        raise Conflict(f"record {source.record_id} was already imported")
    if source.source_date - ctx.now > MAX_PROVENANCE_AHEAD:
        raise InvalidCommand(
            f"the source_date {source.source_date.isoformat()} is in the future",
            rule="time_in_future",
        )


@decider(ReportMissingPerson)
def _report(state: State, cmd: ReportMissingPerson, ctx: DecisionContext) -> list[Event]:
    family = cmd.family_account
    if ctx.actor.role is Role.RESIDENT:
        if ctx.actor.account_id is None:
            raise Forbidden("sign in to file a report")
        if family not in (None, ctx.actor.account_id):
            raise Forbidden("a resident files reports for their own account only")
        family = ctx.actor.account_id
    elif family is not None:
        account = state.slice(Accounts).by_id.get(family)
        if account is None or not account.active:
            raise NotFound(f"no active account {family}", rule="family_account_gone")
        if account.role is not Role.RESIDENT:
            raise InvalidCommand("the family account must be a resident account")
    if family is None and cmd.contact is None and cmd.source is None:
        raise InvalidCommand("say how to reach the family: give a contact or a family account")
    _new_source(state, cmd.source, ctx)
    last_seen = (
        None
        if cmd.last_seen_at is None
        else observed_time(cmd.last_seen_at, ctx, historical=cmd.source is not None)
    )
    _check_age(cmd.date_of_birth, cmd.age, (last_seen or ctx.now).date())
    return [
        MissingPersonReported(
            report_id=report_id_for(cmd.command_id),
            name=cmd.name,
            date_of_birth=cmd.date_of_birth,
            age=cmd.age,
            description=cmd.description,
            last_seen_place=cmd.last_seen_place.strip(),
            last_seen_where=cmd.last_seen_where,
            last_seen_at=last_seen,
            home=None if cmd.home is None or cmd.home.is_empty() else cmd.home,
            contact=cmd.contact,
            family_account=family,
            source=cmd.source,
        )
    ]


@decider(CheckInSurvivor)
def _check_in(state: State, cmd: CheckInSurvivor, ctx: DecisionContext) -> list[Event]:
    if ctx.actor.role is Role.RESIDENT and ctx.actor.account_id is None:
        raise Forbidden("sign in to check yourself in")
    _new_source(state, cmd.source, ctx)
    _check_age(cmd.date_of_birth, cmd.age, ctx.now.date())
    return [
        SurvivorCheckedIn(
            survivor_id=survivor_id_for(cmd.command_id),
            name=cmd.name,
            date_of_birth=cmd.date_of_birth,
            age=cmd.age,
            description=cmd.description,
            place=cmd.place.strip(),
            where=cmd.where,
            # A resident checks in only themselves; anyone else checks in others.
            self_reported=ctx.actor.role is Role.RESIDENT,
            contact=cmd.contact,
            source=cmd.source,
        )
    ]


# What a family's "they are safe" on a closed report says, as the family page's English
# (`family_safe_as_note` in magen.web.words_family), by what the report says of the person.
SAFE_AS_NOTE = {
    Sex.FEMALE: "The family: I have seen or spoken to her myself, she is safe.",
    Sex.MALE: "The family: I have seen or spoken to him myself, he is safe.",
    None: "The family: I have seen or spoken to them myself, they are safe.",
}
# Who wrote a note when the account that sent it has no name (as the family page).
FAMILY_AUTHOR = "family"


def safe_as_note(report: MissingReport, said: str, stock: str = "") -> str:
    """The note a family's "they are safe" on a closed report becomes: the stock words (as
    the family's page says them, else in English), then the family's own (PFIF requires a
    note's text)."""
    sex = report.description.sex if report.description.sex in SAFE_AS_NOTE else None
    words = (stock.strip() or SAFE_AS_NOTE[sex]) + (f" {said.strip()}" if said.strip() else "")
    return words[:5000]


def _author_of(state: State, ctx: DecisionContext) -> str:
    """The display name of the account acting (PFIF requires a note's author_name)."""
    account_id = ctx.actor.account_id
    account = state.slice(Accounts).by_id.get(account_id) if account_id is not None else None
    name = account.display_name.strip() if account is not None else ""
    return (name or FAMILY_AUTHOR)[:200]


@decider(MarkPersonSafe)
def _mark_safe(state: State, cmd: MarkPersonSafe, ctx: DecisionContext) -> list[Event]:
    report = missing_report(state, cmd.report_id)
    _own_report(ctx, report)
    if report.status is not ReportStatus.SEARCHING:
        if ctx.actor.role is Role.RESIDENT:
            # The family's page may still say "searching" (an outcome not yet told in person):
            # a refusal would tell them the report is closed. Their word reaches the registry
            # as a note instead, answered like any other.
            return [
                PersonNoteAdded(
                    note_id=_new_id("note", cmd.command_id),
                    report_id=report.report_id,
                    at=ctx.now,
                    author_name=_author_of(state, ctx),
                    status=NoteStatus.BELIEVED_ALIVE,
                    text=safe_as_note(report, cmd.note, cmd.words_if_closed),
                    last_known_location="",
                    linked_record_id=None,
                    author_made_contact=True,
                    source_record_id=None,
                )
            ]
        raise InvalidCommand(
            f"this report is already closed ({report.status.value})", rule="report_closed"
        )
    return [
        PersonMarkedSafe(
            report_id=report.report_id,
            by_family=ctx.actor.role is Role.RESIDENT,
            note=cmd.note,
        )
    ]


@decider(AddPersonNote)
def _note(state: State, cmd: AddPersonNote, ctx: DecisionContext) -> list[Event]:
    report = missing_report(state, cmd.report_id)
    _own_report(ctx, report)
    if cmd.source_record_id is not None and any(
        n.source_record_id == cmd.source_record_id for n in report.notes
    ):
        raise Conflict(f"note {cmd.source_record_id} was already imported")
    return [
        PersonNoteAdded(
            note_id=_new_id("note", cmd.command_id),
            report_id=report.report_id,
            at=observed_time(cmd.at, ctx, historical=cmd.source_record_id is not None),
            author_name=cmd.author_name,
            status=cmd.status,
            text=cmd.text,
            last_known_location=cmd.last_known_location.strip(),
            linked_record_id=cmd.linked_record_id,
            author_made_contact=cmd.author_made_contact,
            source_record_id=cmd.source_record_id,
        )
    ]


def _candidate_exists(state: State, kind: CandidateKind, candidate_id: str) -> None:
    if kind is CandidateKind.CASUALTY:
        known = candidate_id in state.slice(Casualties).by_id
    elif kind is CandidateKind.SURVIVOR:
        known = candidate_id in state.slice(Persons).survivors
    else:
        known = candidate_id in state.slice(Persons).missing
    if not known:
        raise NotFound(f"no {kind.value} {candidate_id}")


@decider(ProposeMatch)
def _propose(state: State, cmd: ProposeMatch, ctx: DecisionContext) -> list[Event]:
    report = missing_report(state, cmd.report_id)
    if report.status is not ReportStatus.SEARCHING:
        raise InvalidCommand(
            f"this report is already closed ({report.status.value})", rule="report_closed"
        )
    _candidate_exists(state, cmd.candidate_kind, cmd.candidate_id)
    if cmd.candidate_kind is CandidateKind.MISSING and cmd.candidate_id == cmd.report_id:
        raise InvalidCommand("a report cannot duplicate itself")
    persons = state.slice(Persons)
    existing = persons.by_pair.get((cmd.report_id, cmd.candidate_kind, cmd.candidate_id))
    if existing is not None:
        status = persons.matches[existing].status
        if status is MatchStatus.REJECTED:
            raise Conflict("a registrar already rejected this match")
        raise Conflict(f"this match is already {status.value}")
    return [
        MatchProposed(
            match_id=_new_id("mat", cmd.command_id),
            report_id=cmd.report_id,
            candidate_kind=cmd.candidate_kind,
            candidate_id=cmd.candidate_id,
            score=cmd.score,
            explanation=cmd.explanation,
            evidence=cmd.evidence,
        )
    ]


# A discharge is "safe" only to a home or a shelter: moved to other care is still in care,
# and a patient who left against advice is alive but not known to be anywhere safe.
DISCHARGED_TO = {
    Disposition.HOME: Outcome.SAFE,
    Disposition.SHELTER: Outcome.SAFE,
    Disposition.OTHER_CARE: Outcome.INJURED,
    Disposition.LEFT_AGAINST_ADVICE: Outcome.LEFT_CARE,
}


def casualty_outcome(c: Casualty) -> Outcome:
    """What a casualty's state tells a family: dead, discharged (as `DISCHARGED_TO` says), or
    in care."""
    if c.status is CasualtyStatus.DECEASED:
        return Outcome.DECEASED
    if c.status is CasualtyStatus.DISCHARGED:
        return discharged_to(c.disposition or Disposition.OTHER_CARE)
    return Outcome.INJURED


def discharged_to(disposition: Disposition) -> Outcome:
    """What a discharge tells a family (`DISCHARGED_TO`); a disposition it does not name,
    still in care."""
    return DISCHARGED_TO.get(disposition, Outcome.INJURED)


def _not_identified_death(state: State, m: Match) -> Casualty | None:
    """The casualty of a match if it is dead and not formally identified (no family is told of
    such a death), else None."""
    if m.candidate_kind is not CandidateKind.CASUALTY:
        return None
    c = state.slice(Casualties).by_id.get(m.candidate_id)
    if c is None or c.status is not CasualtyStatus.DECEASED:
        return None
    return None if c.identification is IdentificationStatus.IDENTIFIED else c


def _identify_first(c: Casualty) -> InvalidCommand:
    return InvalidCommand(
        f"tag {c.tag} is dead and not formally identified; identify first",
        rule="not_formally_identified",
    )


def _outcome(state: State, m: Match) -> Outcome | None:
    if m.candidate_kind is CandidateKind.SURVIVOR:
        return Outcome.SAFE
    if m.candidate_kind is CandidateKind.MISSING:
        return None
    # Families are told of a death only after formal identification.
    if (dead := _not_identified_death(state, m)) is not None:
        raise _identify_first(dead)
    return casualty_outcome(state.slice(Casualties).by_id[m.candidate_id])


@decider(ConfirmMatch)
def _confirm(state: State, cmd: ConfirmMatch, ctx: DecisionContext) -> list[Event]:
    _registrar(ctx, "confirm a match")
    m = _match(state, cmd.match_id)
    if m.status is not MatchStatus.PROPOSED:
        raise InvalidCommand(
            f"this match is already {m.status.value}", rule="match_already_decided"
        )
    report = missing_report(state, m.report_id)
    if report.status is not ReportStatus.SEARCHING:
        raise InvalidCommand(
            f"the report is already closed ({report.status.value})", rule="report_closed"
        )
    if m.candidate_kind is CandidateKind.MISSING:
        other = missing_report(state, m.candidate_id)
        if other.duplicate_of == report.report_id:
            raise InvalidCommand(
                "the other report is already a duplicate of this one", rule="already_duplicate"
            )
    outcome = _outcome(state, m)
    release = cmd.release.strip() or (_DEFAULT_RELEASE[outcome] if outcome else "")
    return [
        MatchConfirmed(
            match_id=m.match_id, report_id=report.report_id, outcome=outcome, release=release
        )
    ]


@decider(RejectMatch)
def _reject(state: State, cmd: RejectMatch, ctx: DecisionContext) -> list[Event]:
    _registrar(ctx, "reject a match")
    m = _match(state, cmd.match_id)
    if m.status is not MatchStatus.PROPOSED:
        raise InvalidCommand(
            f"this match is already {m.status.value}", rule="match_already_decided"
        )
    return [MatchRejected(match_id=m.match_id, reason=cmd.reason)]


@decider(WithdrawMatch)
def _withdraw(state: State, cmd: WithdrawMatch, ctx: DecisionContext) -> list[Event]:
    _registrar(ctx, "withdraw a confirmed match")
    m = _match(state, cmd.match_id)
    if m.status is not MatchStatus.CONFIRMED:
        raise InvalidCommand(
            f"only a confirmed match can be withdrawn; this one is {m.status.value}"
        )
    report = missing_report(state, m.report_id)
    rests_on = (
        report.status is ReportStatus.DUPLICATE and report.duplicate_of == m.candidate_id
        if m.candidate_kind is CandidateKind.MISSING
        else report.status is ReportStatus.FOUND and report.outcome_match == m.match_id
    )
    if not rests_on:
        raise InvalidCommand("the report no longer rests on this match")
    return [MatchWithdrawn(match_id=m.match_id, report_id=report.report_id, reason=cmd.reason)]


@decider(RecordNotification)
def _notify(state: State, cmd: RecordNotification, ctx: DecisionContext) -> list[Event]:
    _registrar(ctx, "record that a family was told")
    report = missing_report(state, cmd.report_id)
    persons = state.slice(Persons)
    primary = primary_report(persons, report)
    if cmd.match_id is not None and persons.to_tell_again.get(report.report_id) == cmd.match_id:
        pass  # the family is told that the withdrawn match they were told of was wrong
    elif cmd.match_id is not None:
        m = _match(state, cmd.match_id)
        # A family whose report duplicates another is told of the other report's outcome.
        if m.report_id != primary.report_id:
            raise InvalidCommand("that match belongs to another report")
        if m.status is not MatchStatus.CONFIRMED:
            raise InvalidCommand("a family is told only of a confirmed match")
        # A death confirmed while the casualty was alive is told only once formally identified.
        if (dead := _not_identified_death(state, m)) is not None:
            raise _identify_first(dead)
        # A death is told in person (a registrar goes to the family), never by phone or text:
        # the family's page shows it once this is recorded.
        if cmd.channel is not Channel.IN_PERSON and _tells_a_death(state, persons, m):
            raise InvalidCommand(
                "a death is told to the family in person; record it once a registrar has met them",
                rule="death_told_in_person",
            )
    return [
        NotificationRecorded(
            report_id=report.report_id,
            match_id=cmd.match_id,
            at=observed_time(cmd.at, ctx),
            channel=cmd.channel,
            note=cmd.note,
            outcome=_told_of(primary, cmd.match_id),
            place=_told_place(state, persons, cmd.match_id),
        )
    ]


def _told_of(primary: MissingReport, match_id: str | None) -> Outcome | None:
    """The outcome a family told of this match hears: the report's as it stands, if the match
    is the one it rests on."""
    return primary.outcome if match_id and match_id == primary.outcome_match else None


def _told_place(state: State, persons: Persons, match_id: str | None) -> str | None:
    """Where the casualty of this match is now (`care_place`), if it is a casualty's."""
    m = persons.matches.get(match_id) if match_id else None
    if m is None or m.candidate_kind is not CandidateKind.CASUALTY:
        return None
    c = state.slice(Casualties).by_id.get(m.candidate_id)
    return care_place(c) if c is not None else None


def _tells_a_death(state: State, persons: Persons, m: Match) -> bool:
    """Whether telling a family of this confirmed match tells them of a death: its report's
    outcome as it stands, or its casualty recorded dead."""
    report = persons.missing.get(m.report_id)
    if (
        report is not None
        and report.outcome_match == m.match_id
        and report.outcome is Outcome.DECEASED
    ):
        return True
    if m.candidate_kind is not CandidateKind.CASUALTY:
        return False
    c = state.slice(Casualties).by_id.get(m.candidate_id)
    return c is not None and c.status is CasualtyStatus.DECEASED


# --- evolvers -----------------------------------------------------------------------------


@evolver(MissingPersonReported)
def _on_reported(state: State, e: MissingPersonReported, r: Recorded) -> None:
    persons = state.slice(Persons)
    persons.missing[e.report_id] = MissingReport(
        report_id=e.report_id,
        name=e.name,
        date_of_birth=e.date_of_birth,
        age=e.age,
        description=e.description,
        last_seen_place=e.last_seen_place,
        last_seen_where=e.last_seen_where,
        last_seen_at=e.last_seen_at,
        home=e.home,
        contact=e.contact,
        family_account=e.family_account,
        reported_by=r.actor.account_id,
        reported_at=r.recorded_at,
        source=e.source,
    )
    if e.source is not None:
        persons.by_source[e.source.record_id] = e.report_id


@evolver(SurvivorCheckedIn)
def _on_checked_in(state: State, e: SurvivorCheckedIn, r: Recorded) -> None:
    persons = state.slice(Persons)
    persons.survivors[e.survivor_id] = Survivor(
        survivor_id=e.survivor_id,
        name=e.name,
        date_of_birth=e.date_of_birth,
        age=e.age,
        description=e.description,
        place=e.place,
        where=e.where,
        checked_in_at=r.recorded_at,
        self_reported=e.self_reported,
        checked_in_by=r.actor.account_id,
        contact=e.contact,
        source=e.source,
    )
    if e.source is not None:
        persons.by_source[e.source.record_id] = e.survivor_id


@evolver(PersonMarkedSafe)
def _on_safe(state: State, e: PersonMarkedSafe, r: Recorded) -> None:
    report = state.slice(Persons).missing.get(e.report_id)
    if report is not None:
        report.status = ReportStatus.SAFE
        report.outcome = Outcome.SAFE
        report.release = e.note
        report.closed_at = r.recorded_at


@evolver(PersonNoteAdded)
def _on_note(state: State, e: PersonNoteAdded, r: Recorded) -> None:
    report = state.slice(Persons).missing.get(e.report_id)
    if report is not None:
        report.notes.append(
            PersonNote(
                note_id=e.note_id,
                report_id=e.report_id,
                at=e.at,
                author_name=e.author_name,
                status=e.status,
                text=e.text,
                last_known_location=e.last_known_location,
                linked_record_id=e.linked_record_id,
                author_made_contact=e.author_made_contact,
                source_record_id=e.source_record_id,
                by=r.actor.account_id,
            )
        )


@evolver(MatchProposed)
def _on_proposed(state: State, e: MatchProposed, r: Recorded) -> None:
    persons = state.slice(Persons)
    persons.matches[e.match_id] = Match(
        match_id=e.match_id,
        report_id=e.report_id,
        candidate_kind=e.candidate_kind,
        candidate_id=e.candidate_id,
        score=e.score,
        explanation=e.explanation,
        evidence=e.evidence,
        proposed_by=r.actor.account_id,
        proposed_at=r.recorded_at,
    )
    persons.by_pair[(e.report_id, e.candidate_kind, e.candidate_id)] = e.match_id


def _decided(m: Match, status: MatchStatus, r: Recorded) -> None:
    """A match confirmed, rejected or withdrawn: by whom and when, as the log says."""
    m.status = status
    m.decided_by = r.actor.account_id
    m.decided_at = r.recorded_at


@evolver(MatchConfirmed)
def _on_confirmed(state: State, e: MatchConfirmed, r: Recorded) -> None:
    persons = state.slice(Persons)
    m = persons.matches.get(e.match_id)
    report = persons.missing.get(e.report_id)
    if m is None or report is None:
        return
    _decided(m, MatchStatus.CONFIRMED, r)
    m.outcome = e.outcome
    report.closed_at = r.recorded_at
    if m.candidate_kind is CandidateKind.MISSING:
        report.status = ReportStatus.DUPLICATE
        report.duplicate_of = m.candidate_id
        persons.duplicates.setdefault(m.candidate_id, []).append(report.report_id)
        return
    report.status = ReportStatus.FOUND
    report.outcome = e.outcome
    report.outcome_match = e.match_id
    report.release = e.release
    if m.candidate_kind is CandidateKind.CASUALTY:
        persons.confirmed_casualty.setdefault(m.candidate_id, []).append(m.match_id)


@evolver(MatchRejected)
def _on_rejected(state: State, e: MatchRejected, r: Recorded) -> None:
    m = state.slice(Persons).matches.get(e.match_id)
    if m is not None:
        _decided(m, MatchStatus.REJECTED, r)
        m.reason = e.reason


@evolver(NotificationRecorded)
def _on_notified(state: State, e: NotificationRecorded, r: Recorded) -> None:
    persons = state.slice(Persons)
    report = persons.missing.get(e.report_id)
    if report is None:
        return
    stands = _told_of(primary_report(persons, report), e.match_id)
    # What the desk saw when deciding; a notification recorded before the event said so was
    # of the outcome as it stood when applied.
    told = stands if e.outcome is None else e.outcome
    # A death is told only in person. A notification by phone or message that would tell one
    # (in a log from before that rule, or one that raced a death before notifications said
    # what the desk saw) is not taken as telling it: what was said is not known.
    # Nor is one of a death not formally identified, from a log written before notifications
    # said what the desk saw: decided while the casualty lived, it reached the log after.
    match = persons.matches.get(e.match_id) if e.match_id else None
    unsure = told is Outcome.DECEASED and (
        e.channel is not Channel.IN_PERSON
        or (
            e.outcome is None
            and match is not None
            and _not_identified_death(state, match) is not None
        )
    )
    notification = Notification(
        at=e.at,
        by=r.actor.account_id,
        match_id=e.match_id,
        channel=e.channel,
        note=e.note,
        outcome=None if unsure else told,
        position=r.position,
        place=e.place,
    )
    if unsure or told is not stands:
        # Not told of the outcome as it stands (or not in person, for a death; an outcome
        # changed between deciding and recording, by a death or a discharge): set aside like
        # news since changed, and the family is to be told again.
        report.told_before.append(notification)
    else:
        report.notifications.append(notification)
    m = persons.matches.get(e.match_id) if e.match_id and told is not stands else None
    if e.outcome is not None and m is not None and m.status is MatchStatus.WITHDRAWN:
        # Told of a match withdrawn between deciding and recording: they are to hear it was
        # wrong, as a family told of it before the withdrawal is.
        persons.to_tell_again[report.report_id] = m.match_id
    elif e.match_id and persons.to_tell_again.get(report.report_id) == e.match_id:
        del persons.to_tell_again[report.report_id]
    elif notification.outcome is not None and report.report_id in persons.to_tell_again:
        # Told of the outcome as it stands now (another match confirmed since the one
        # withdrawn): that telling puts the withdrawn news right too.
        del persons.to_tell_again[report.report_id]


def _family_of(persons: Persons, report: MissingReport) -> list[MissingReport]:
    """The report and every report confirmed as its duplicate, directly or through another:
    the families that hear its outcome."""
    out, seen, todo = [], {report.report_id}, [report]
    while todo:
        each = todo.pop()
        out.append(each)
        for dup_id in persons.duplicates.get(each.report_id, ()):
            dup = persons.missing.get(dup_id)
            if dup is not None and dup_id not in seen and dup.duplicate_of == each.report_id:
                seen.add(dup_id)
                todo.append(dup)
    return out


def _set_aside(report: MissingReport, match_id: str | None) -> bool:
    """Move the notifications of that match to `told_before` (news that no longer stands);
    whether there were any."""
    if match_id is None:
        return False
    kept = [n for n in report.notifications if n.match_id != match_id]
    if len(kept) == len(report.notifications):
        return False
    report.told_before.extend(n for n in report.notifications if n.match_id == match_id)
    report.notifications = kept
    return True


def _casualty_changed(state: State, casualty_id: str, now: Outcome, r: Recorded) -> None:
    """A confirmed casualty's death or discharge changes its reports' outcome: what their
    families were told no longer stands, and they are to be told again."""
    persons = state.slice(Persons)
    for match_id in persons.confirmed_casualty.get(casualty_id, ()):
        m = persons.matches.get(match_id)
        report = persons.missing.get(m.report_id) if m is not None else None
        if report is None or report.outcome_match != match_id or report.outcome is now:
            continue
        report.outcome_was = report.outcome
        report.outcome = now
        report.outcome_changed_at = r.recorded_at
        # The registrar's words were for the outcome before; the desk's stock ones for now.
        report.release = _DEFAULT_RELEASE[now]
        for family in _family_of(persons, report):
            _set_aside(family, match_id)


# The persons slice follows the casualties a confirmed match names. The new outcome is read
# from the event, not from the casualty: the order the two slices' evolvers run in is free.
@evolver(DeathRecorded)
def _on_casualty_died(state: State, e: DeathRecorded, r: Recorded) -> None:
    _casualty_changed(state, e.casualty_id, Outcome.DECEASED, r)


@evolver(CasualtyDischarged)
def _on_casualty_discharged(state: State, e: CasualtyDischarged, r: Recorded) -> None:
    _casualty_changed(state, e.casualty_id, discharged_to(e.disposition), r)


@evolver(MatchWithdrawn)
def _on_withdrawn(state: State, e: MatchWithdrawn, r: Recorded) -> None:
    persons = state.slice(Persons)
    m = persons.matches.get(e.match_id)
    report = persons.missing.get(e.report_id)
    if m is None or report is None:
        return
    _decided(m, MatchStatus.WITHDRAWN, r)
    m.reason = e.reason
    if m.candidate_kind is CandidateKind.MISSING:
        # Not the same person after all: the families of this report (and of those that
        # duplicate it) were told of the other report's outcome.
        told_of = primary_report(persons, report).outcome_match
        linked = persons.duplicates.get(m.candidate_id, [])
        if report.report_id in linked:
            linked.remove(report.report_id)
        report.duplicate_of = None
    else:
        told_of = m.match_id
        linked = persons.confirmed_casualty.get(m.candidate_id, [])
        if m.match_id in linked:
            linked.remove(m.match_id)
        report.outcome = None
        report.outcome_match = None
        report.release = ""
        report.outcome_was = None
        report.outcome_changed_at = None
    report.status = ReportStatus.SEARCHING
    report.closed_at = None
    for family in _family_of(persons, report):
        # Told of it as it stands (set aside now), or told of it before a death or a
        # discharge changed it (set aside then): either way they must hear it was wrong.
        told_before = told_of is not None and any(n.match_id == told_of for n in family.told_before)
        if _set_aside(family, told_of) or told_before:
            persons.to_tell_again[family.report_id] = m.match_id


# --- what a family may see ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FamilyReport:
    """One of a family's reports as the family sees it."""

    report_id: str
    name: str  # as the family filed it
    filed_at: datetime
    status: Literal["searching", "found", "safe"]
    # None while found: an outcome changed since confirmed that no registrar has told them of
    outcome: Outcome | None
    message: str  # the registrar's words, the family's own when they marked safe, or FOUND_PENDING
    outcome_at: datetime | None
    told_at: tuple[datetime, ...]  # when a registrar recorded telling the family


@dataclass(frozen=True, slots=True)
class OwnCheckIn:
    survivor_id: str
    name: str
    place: str
    checked_in_at: datetime


@dataclass(frozen=True, slots=True)
class FamilyView:
    """Everything a family account may see about the people it looks for."""

    reports: tuple[FamilyReport, ...]
    check_ins: tuple[OwnCheckIn, ...]


def primary_report(persons: Persons, report: MissingReport) -> MissingReport:
    """Follow duplicate links to the report that carries the outcome (itself if none)."""
    seen = {report.report_id}
    while report.duplicate_of is not None:
        nxt = persons.missing.get(report.duplicate_of)
        if nxt is None or nxt.report_id in seen:
            break
        seen.add(nxt.report_id)
        report = nxt
    return report


def _family_report(persons: Persons, own: MissingReport) -> FamilyReport:
    primary = primary_report(persons, own)
    told = tuple(sorted(n.at for n in (*own.told_before, *own.notifications)))
    searching = FamilyReport(
        own.report_id, own.name.full_name, own.reported_at, "searching", None, "", None, told
    )
    if primary.outcome is None or primary.status is ReportStatus.SEARCHING:
        return searching
    # Told of the outcome as it stands (what they were told before it changed is set aside).
    told_of_it = any(n.match_id == primary.outcome_match for n in own.notifications)
    if primary.outcome_changed_at is not None and not told_of_it:
        # The outcome changed after it was confirmed (a death, a discharge): the page says
        # nothing that no longer stands, and the new outcome only once a registrar has told
        # this family of it.
        return FamilyReport(
            own.report_id,
            own.name.full_name,
            own.reported_at,
            "found",
            None,
            FOUND_PENDING,
            primary.closed_at,
            told,
        )
    if primary.outcome is Outcome.DECEASED and not told_of_it:
        # A death is shown only after the registrar has told this family in person (a telling
        # by phone or message that would tell one is set aside: `_on_notified`).
        return searching
    status: Literal["found", "safe"] = "safe" if primary.status is ReportStatus.SAFE else "found"
    return FamilyReport(
        report_id=own.report_id,
        name=own.name.full_name,
        filed_at=own.reported_at,
        status=status,
        outcome=primary.outcome,
        message=primary.release,
        outcome_at=primary.outcome_changed_at or primary.closed_at,
        told_at=told,
    )


def family_view(state: State, account_id: str) -> FamilyView:
    """What a family account may see: its own reports, their released outcomes, its check-ins."""
    persons = state.slice(Persons)
    reports = tuple(
        _family_report(persons, report)
        for report in sorted(persons.missing.values(), key=lambda m: m.reported_at)
        if report.family_account == account_id
    )
    check_ins = tuple(
        OwnCheckIn(s.survivor_id, s.name.full_name, s.place, s.checked_in_at)
        for s in sorted(persons.survivors.values(), key=lambda s: s.checked_in_at)
        if s.self_reported and s.checked_in_by == account_id
    )
    return FamilyView(reports, check_ins)


# --- records for the matching engine ------------------------------------------------------

_BUILD_WORDS = {"slight": "slim", "medium": "medium", "heavy": "heavy"}
_PROPOSAL_NAMESPACE = uuid.UUID("b7e0f0a4-5d6c-4c8e-9a51-2f3d8e1c7a60")


def _age_and_birth(
    date_of_birth: str | None, age: AgeRange | None, on: date
) -> tuple[float | None, float | None, date | None]:
    """The matcher takes an exact birth date, or an age range; a partial date gives a range."""
    born = None
    if date_of_birth is not None and len(date_of_birth) == len("YYYY-MM-DD"):
        born = date.fromisoformat(date_of_birth)
    if age is None and date_of_birth is not None and born is None:
        try:
            age = age_from_birth(date_of_birth, on)
        except ValueError:
            age = None  # a birth date after the day of the record says nothing usable
    if age is None:
        return None, None, born
    return float(age.min_years), float(age.max_years), born


def _record(
    record_id: str,
    kind: RecordKind,
    *,
    names: tuple[str, ...],
    description: Description,
    ages: tuple[float | None, float | None, date | None],
    where: GeoPoint | None,
    when: datetime | None,
) -> PersonRecord:
    from magen.people.matching import PersonRecord

    sex = description.sex.value if description.sex in {Sex.FEMALE, Sex.MALE} else None
    return PersonRecord(
        id=record_id,
        kind=kind,
        names=names,
        sex=sex,
        age_min=ages[0],
        age_max=ages[1],
        birth_date=ages[2],
        hair=description.hair or None,
        build=_BUILD_WORDS[description.build.value] if description.build else None,
        clothing=description.clothing or None,
        marks=description.marks or None,
        lon=where.lon if where else None,
        lat=where.lat if where else None,
        time=when,
    )


def report_record(report: MissingReport) -> PersonRecord:
    """A missing-person report as the matching engine reads it."""
    from magen.people.matching import RecordKind

    on = (report.last_seen_at or report.reported_at).date()
    return _record(
        report.report_id,
        RecordKind.MISSING,
        names=report.name.all_names(),
        description=report.description,
        ages=_age_and_birth(report.date_of_birth, report.age, on),
        where=report.last_seen_where,
        when=report.last_seen_at,
    )


def survivor_record(s: Survivor) -> PersonRecord:
    """A checked-in survivor as the matching engine reads it."""
    from magen.people.matching import RecordKind

    return _record(
        s.survivor_id,
        RecordKind.SURVIVOR,
        names=s.name.all_names(),
        description=s.description,
        ages=_age_and_birth(s.date_of_birth, s.age, s.checked_in_at.date()),
        where=s.where,
        when=s.checked_in_at,
    )


def casualty_record(c: Casualty) -> PersonRecord:
    """A casualty, named or described only, as the matching engine reads it."""
    from magen.people.matching import RecordKind

    name = c.known_name
    return _record(
        c.casualty_id,
        RecordKind.CASUALTY,
        names=name.all_names() if name else (),
        description=c.description,
        ages=_age_and_birth(None, c.description.age, c.found_at.date()),
        where=c.where,
        when=c.found_at,
    )


@dataclass(frozen=True, slots=True)
class MatchingInput:
    """Open reports, and the casualties and survivors they may be."""

    reports: tuple[PersonRecord, ...]
    candidates: tuple[PersonRecord, ...]


def matching_input(state: State) -> MatchingInput:
    """The records to match: reports still searching against every casualty and survivor."""
    persons = state.slice(Persons)
    reports = tuple(
        report_record(r) for r in persons.missing.values() if r.status is ReportStatus.SEARCHING
    )
    casualties = state.slice(Casualties).by_id.values()
    candidates = tuple(casualty_record(c) for c in casualties) + tuple(
        survivor_record(s) for s in persons.survivors.values()
    )
    return MatchingInput(reports, candidates)


def _kind_of(state: State, record_id: str) -> CandidateKind | None:
    if record_id in state.slice(Casualties).by_id:
        return CandidateKind.CASUALTY
    persons = state.slice(Persons)
    if record_id in persons.survivors:
        return CandidateKind.SURVIVOR
    if record_id in persons.missing:
        return CandidateKind.MISSING
    return None


def proposals(state: State, candidates: Iterable[MatchCandidate]) -> list[ProposeMatch]:
    """ProposeMatch commands for the engine's candidates that are new and still open.

    Ids derive from the pair, so proposing the same candidates again is idempotent. Of two
    reports that are the same person, the later one is proposed as the duplicate.
    """
    persons = state.slice(Persons)
    out: list[ProposeMatch] = []
    seen: set[tuple[str, str]] = set()
    for c in candidates:
        report_id, other = c.a_id, c.b_id
        kind = _kind_of(state, other)
        if (
            kind is CandidateKind.MISSING
            and other in persons.missing
            and report_id in persons.missing
        ):
            first, second = persons.missing[report_id], persons.missing[other]
            if (second.reported_at, second.report_id) > (first.reported_at, first.report_id):
                report_id, other = other, report_id
        report = persons.missing.get(report_id)
        if kind is None or report is None or report.status is not ReportStatus.SEARCHING:
            continue
        if (report_id, kind, other) in persons.by_pair or (report_id, other) in seen:
            continue
        seen.add((report_id, other))
        out.append(
            ProposeMatch(
                command_id=uuid.uuid5(_PROPOSAL_NAMESPACE, f"{report_id}|{other}"),
                report_id=report_id,
                candidate_kind=kind,
                candidate_id=other,
                score=min(max(c.score, 0.0), 1.0),
                explanation=exchangeable_part(c.explain())[:2000],
                evidence=match_evidence(c.evidence),
            )
        )
    return out


def match_evidence(evidence: Iterable[Evidence]) -> tuple[MatchEvidence, ...]:
    """The matcher's evidence as a proposal stores it: the data without the English text,
    cut to the bounds (none at all if still too long: the explanation says it in English)."""
    out = tuple(
        MatchEvidence(
            field=exchangeable_part(e.field)[:40],
            level=exchangeable_part(e.level)[:120],
            weight=e.weight if math.isfinite(e.weight) else 0.0,
            names=tuple(
                NameAgreement(
                    a=exchangeable_part(n.a)[:100], b=exchangeable_part(n.b)[:100], how=n.how
                )
                for n in e.names[:3]
            ),
            swapped=e.swapped,
            rarity=e.rarity,
            ages=e.ages if e.ages and all(0 <= x <= 200 for r in e.ages for x in r) else None,
            km=e.km if e.km is not None and 0 <= e.km < math.inf else None,
            terms=tuple(exchangeable_part(t)[:40] for t in e.terms[:12]),
            source=exchangeable_part(e.source)[:100],
            other=exchangeable_part(e.other)[:100],
        )
        for e in list(evidence)[:MAX_EVIDENCE]
    )
    return out if _evidence_size(out) <= MAX_EVIDENCE_CHARS else ()
