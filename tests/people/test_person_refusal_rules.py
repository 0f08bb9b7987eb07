"""Each rule persons.py names is raised where it is claimed: the refusal a registrar meets at
the registry desk, which the pages say in their own language (common.js refusedFor), while the
English reason stays as it was."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from magen.domain import persons
from magen.domain.base import Actor, Command, DecisionContext, Event, Recorded, decide, evolve
from magen.domain.casualties import (
    IdentificationMethod,
    IdentificationStatus,
    IdentifyCasualty,
    RecordCasualty,
    RecordDeath,
    casualty_by_tag,
)
from magen.domain.errors import DomainError, InvalidCommand, NotFound
from magen.domain.people import AgeRange, Contact, PersonName, Provenance
from magen.domain.persons import (
    CandidateKind,
    Channel,
    CheckInSurvivor,
    ConfirmMatch,
    MarkPersonSafe,
    MatchProposed,
    ProposeMatch,
    RecordNotification,
    RejectMatch,
    ReportMissingPerson,
    SurvivorCheckedIn,
    report_id_for,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from support.rulekit import rules_named_in

T0 = datetime(2023, 10, 7, 9, 0, tzinfo=UTC)
REGISTRAR = Actor("acc_registrar", Role.REGISTRAR)
MEDIC = Actor("acc_medic", Role.MEDIC)
HERE = GeoPoint(lat=31.3134, lon=34.6201)
NOA = PersonName(full_name="Noa Levi")
DANA = Contact(name="Dana Levi", phone="050-0000000")


class Log:
    """Decide and evolve in memory; the clock moves a minute before each command."""

    def __init__(self) -> None:
        self.state = State()
        self.now = T0
        self.position = 0
        self.reports: list[str] = []  # the reports filed, in order
        self.matches: list[str] = []  # the matches proposed, in order

    def run(self, actor: Actor, cmd: Command) -> list[Event]:
        self.now += timedelta(minutes=1)
        events = decide(self.state, cmd, DecisionContext(actor, self.now))
        for e in events:
            self.position += 1
            evolve(
                self.state,
                Recorded(self.position, uuid.uuid4(), self.now, actor, cmd.command_id, None, e),
            )
        return events


def _id() -> uuid.UUID:
    return uuid.uuid4()


def _report(log: Log) -> str:
    cmd = ReportMissingPerson(command_id=_id(), name=NOA, contact=DANA)
    log.run(REGISTRAR, cmd)
    log.reports.append(report_id_for(cmd.command_id))
    return log.reports[-1]


def _survivor(log: Log) -> str:
    (found,) = log.run(REGISTRAR, CheckInSurvivor(command_id=_id(), name=NOA, place="School"))
    assert isinstance(found, SurvivorCheckedIn)
    return found.survivor_id


def _propose(log: Log, report_id: str, kind: CandidateKind, candidate_id: str) -> str:
    (proposed,) = log.run(
        REGISTRAR,
        ProposeMatch(
            command_id=_id(),
            report_id=report_id,
            candidate_kind=kind,
            candidate_id=candidate_id,
            score=0.9,
        ),
    )
    assert isinstance(proposed, MatchProposed)
    log.matches.append(proposed.match_id)
    return proposed.match_id


def _confirm(log: Log, match_id: str) -> None:
    log.run(REGISTRAR, ConfirmMatch(command_id=_id(), match_id=match_id))


# Each case: the rule, the refusal's class, words of its English reason (unchanged), what
# happened before, and the refused command (actor, command) on that log.
Setup = Callable[[Log], None]
Refused = Callable[[Log], tuple[Actor, Command]]


def _nothing(log: Log) -> None:
    pass


def _found_safe(log: Log) -> None:
    """A report confirmed found (a survivor), another survivor still proposed for it."""
    report = _report(log)
    first = _propose(log, report, CandidateKind.SURVIVOR, _survivor(log))
    _propose(log, report, CandidateKind.SURVIVOR, _survivor(log))
    _confirm(log, first)


def _dead_unidentified(log: Log) -> None:
    report = _report(log)
    log.run(MEDIC, RecordCasualty(command_id=_id(), tag="B1", where=HERE))
    dead = casualty_by_tag(log.state, "B1").casualty_id
    log.run(MEDIC, RecordDeath(command_id=_id(), casualty_id=dead))
    _propose(log, report, CandidateKind.CASUALTY, dead)


def _dead_identified_confirmed(log: Log) -> None:
    """A death formally identified by the desk, confirmed as the report's outcome."""
    _dead_unidentified(log)
    log.run(
        REGISTRAR,
        IdentifyCasualty(
            command_id=_id(),
            casualty_id=casualty_by_tag(log.state, "B1").casualty_id,
            status=IdentificationStatus.IDENTIFIED,
            name=NOA,
            identified_by="DVI",
            method=IdentificationMethod.DENTAL,
        ),
    )
    _confirm(log, log.matches[0])


def _two_reports_matched_both_ways(log: Log) -> None:
    """Two reports of one person, each proposed as the other's duplicate; one confirmed."""
    first, second = _report(log), _report(log)
    _confirm(log, _propose(log, first, CandidateKind.MISSING, second))
    _propose(log, second, CandidateKind.MISSING, first)


CASES: list[tuple[str, type[DomainError], str, Setup, Refused]] = [
    (
        "date_of_birth_too_late",
        InvalidCommand,
        "the date of birth 2030-01-01 is after 2023-10-07: check the year",
        _nothing,
        lambda log: (
            REGISTRAR,
            ReportMissingPerson(
                command_id=_id(), name=NOA, contact=DANA, date_of_birth="2030-01-01"
            ),
        ),
    ),
    (
        # Was "the date of birth 1800-01-01 is after 2023-10-07": every birth the age could
        # not be taken from was called "after".
        "date_of_birth_too_early",
        InvalidCommand,
        "the date of birth 1800-01-01 is too long ago: on 2023-10-07 the person would be"
        " older than 130",
        _nothing,
        lambda log: (
            REGISTRAR,
            ReportMissingPerson(
                command_id=_id(), name=NOA, contact=DANA, date_of_birth="1800-01-01"
            ),
        ),
    ),
    (
        "date_of_birth_too_early",
        InvalidCommand,
        "the date of birth 1890 is too long ago",
        _nothing,
        lambda log: (
            REGISTRAR,
            CheckInSurvivor(command_id=_id(), name=NOA, date_of_birth="1890"),
        ),
    ),
    (
        # A record from another repository dated in 2099 was taken.
        "time_in_future",
        InvalidCommand,
        "the source_date 2099-01-01T00:00:00+00:00 is in the future",
        _nothing,
        lambda log: (
            REGISTRAR,
            ReportMissingPerson(
                command_id=_id(),
                name=NOA,
                source=Provenance(
                    record_id="example.org/p.1", source_date=datetime(2099, 1, 1, tzinfo=UTC)
                ),
            ),
        ),
    ),
    (
        "time_in_future",
        InvalidCommand,
        "is in the future",
        _nothing,
        lambda log: (
            REGISTRAR,
            CheckInSurvivor(
                command_id=_id(),
                name=NOA,
                source=Provenance(
                    record_id="example.org/s.1", source_date=log.now + timedelta(days=1, minutes=10)
                ),
            ),
        ),
    ),
    (
        # The registry desk's check-in form has the same two fields.
        "age_does_not_fit_date_of_birth",
        InvalidCommand,
        "the age 5-5 does not fit the date of birth 1990",
        _nothing,
        lambda log: (
            REGISTRAR,
            CheckInSurvivor(
                command_id=_id(), name=NOA, date_of_birth="1990", age=AgeRange.exactly(5)
            ),
        ),
    ),
    (
        "family_account_gone",
        NotFound,
        "no active account acc_gone",
        _nothing,
        lambda log: (
            REGISTRAR,
            ReportMissingPerson(command_id=_id(), name=NOA, family_account="acc_gone"),
        ),
    ),
    (
        "report_closed",
        InvalidCommand,
        "the report is already closed (found)",
        _found_safe,
        lambda log: (REGISTRAR, ConfirmMatch(command_id=_id(), match_id=log.matches[1])),
    ),
    (
        "report_closed",
        InvalidCommand,
        "this report is already closed (found)",
        _found_safe,
        lambda log: (REGISTRAR, MarkPersonSafe(command_id=_id(), report_id=log.reports[0])),
    ),
    (
        "report_closed",
        InvalidCommand,
        "this report is already closed (found)",
        _found_safe,
        lambda log: (
            REGISTRAR,
            ProposeMatch(
                command_id=_id(),
                report_id=log.reports[0],
                candidate_kind=CandidateKind.SURVIVOR,
                candidate_id=_survivor(log),
                score=0.5,
            ),
        ),
    ),
    (
        "not_formally_identified",
        InvalidCommand,
        "tag B1 is dead and not formally identified; identify first",
        _dead_unidentified,
        lambda log: (REGISTRAR, ConfirmMatch(command_id=_id(), match_id=log.matches[0])),
    ),
    (
        "death_told_in_person",
        InvalidCommand,
        "a death is told to the family in person",
        _dead_identified_confirmed,
        lambda log: (
            REGISTRAR,
            RecordNotification(
                command_id=_id(),
                report_id=log.reports[0],
                match_id=log.matches[0],
                channel=Channel.PHONE,
            ),
        ),
    ),
    (
        "match_already_decided",
        InvalidCommand,
        "this match is already confirmed",
        _found_safe,
        lambda log: (REGISTRAR, ConfirmMatch(command_id=_id(), match_id=log.matches[0])),
    ),
    (
        "match_already_decided",
        InvalidCommand,
        "this match is already confirmed",
        _found_safe,
        lambda log: (REGISTRAR, RejectMatch(command_id=_id(), match_id=log.matches[0])),
    ),
    (
        "already_duplicate",
        InvalidCommand,
        "the other report is already a duplicate of this one",
        _two_reports_matched_both_ways,
        lambda log: (REGISTRAR, ConfirmMatch(command_id=_id(), match_id=log.matches[1])),
    ),
]


@pytest.mark.parametrize(
    ("rule", "kind", "reason", "before", "refused"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_the_refusal_names_its_rule_and_keeps_its_english(
    rule: str, kind: type[DomainError], reason: str, before: Setup, refused: Refused
) -> None:
    log = Log()
    before(log)
    actor, cmd = refused(log)
    position = log.position
    with pytest.raises(kind) as raised:
        log.run(actor, cmd)
    assert raised.value.rule == rule
    assert reason in raised.value.reason
    assert log.position == position  # nothing was appended


def test_every_rule_persons_names_is_held_here() -> None:
    """A rule added to persons.py without a case here fails (and one dropped there)."""
    assert rules_named_in(persons) == {c[0] for c in CASES}
