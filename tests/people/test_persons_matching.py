"""Magen's records as the matching engine reads them, and its candidates as proposals."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from magen.domain.base import Actor, Command, DecisionContext, Event, Recorded, decide, evolve
from magen.domain.casualties import (
    IdentificationMethod,
    IdentificationStatus,
    IdentifyCasualty,
    RecordCasualty,
    casualty_by_tag,
)
from magen.domain.people import AgeRange, Build, Contact, Description, PersonName, Sex
from magen.domain.persons import (
    CandidateKind,
    CheckInSurvivor,
    MarkPersonSafe,
    Persons,
    ReportMissingPerson,
    casualty_record,
    match_evidence,
    matching_input,
    proposals,
    report_id_for,
    report_record,
    survivor_id_for,
    survivor_record,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from magen.people.matching import Evidence, MatchCandidate, PersonRecord, RecordKind, match

T0 = datetime(2023, 10, 7, 9, 0, tzinfo=UTC)
ADMIN = Actor("acc_admin", Role.ADMIN)
REGISTRAR = Actor("acc_registrar", Role.REGISTRAR)
RESPONDER = Actor("acc_officer", Role.RESPONDER)
HERE = GeoPoint(lat=31.3134, lon=34.6201)


class Log:
    """Decide and evolve commands in memory."""

    def __init__(self) -> None:
        self.state = State()
        self.now = T0

    def run(self, actor: Actor, cmd: Command) -> list[Event]:
        events = decide(self.state, cmd, DecisionContext(actor, self.now))
        for e in events:
            r = Recorded(
                self.state.position + 1, uuid.uuid4(), self.now, actor, cmd.command_id, None, e
            )
            evolve(self.state, r)
        return events


def _report(log: Log, name: PersonName, **kw: object) -> str:
    cmd = ReportMissingPerson(
        command_id=uuid.uuid4(),
        name=name,
        contact=Contact(name="Dana Levi"),
        **kw,  # type: ignore[arg-type]
    )
    log.run(REGISTRAR, cmd)
    return report_id_for(cmd.command_id)


def _survivor(log: Log, name: PersonName, **kw: object) -> str:
    cmd = CheckInSurvivor(command_id=uuid.uuid4(), name=name, **kw)  # type: ignore[arg-type]
    log.run(REGISTRAR, cmd)
    return survivor_id_for(cmd.command_id)


def _casualty(log: Log, tag: str, **kw: object) -> str:
    log.run(RESPONDER, RecordCasualty(command_id=uuid.uuid4(), tag=tag, **kw))  # type: ignore[arg-type]
    return casualty_by_tag(log.state, tag).casualty_id


NOA = PersonName(
    full_name="נועה לוי", given_name="Noa", family_name="Levi", alternates=("Noa Levy",)
)


def test_a_report_becomes_a_missing_record() -> None:
    log = Log()
    rid = _report(
        log,
        NOA,
        date_of_birth="1990-03",
        description=Description(
            sex=Sex.FEMALE, build=Build.SLIGHT, hair="long, red", clothing="green dress", marks=""
        ),
        last_seen_where=HERE,
        last_seen_at=T0 - timedelta(hours=2),
    )
    record = report_record(log.state.slice(Persons).missing[rid])
    assert record == PersonRecord(
        id=rid,
        kind=RecordKind.MISSING,
        names=("נועה לוי", "Noa Levi", "Noa Levy"),
        sex="female",
        age_min=33.0,
        age_max=33.0,
        birth_date=None,
        hair="long, red",
        build="slim",
        clothing="green dress",
        marks=None,
        lon=HERE.lon,
        lat=HERE.lat,
        time=T0 - timedelta(hours=2),
    )
    exact = _report(log, PersonName(full_name="Avi Levi"), date_of_birth="2011-05-02")
    record = report_record(log.state.slice(Persons).missing[exact])
    assert (record.birth_date, record.age_min, record.sex) == (date(2011, 5, 2), None, None)


def test_casualties_and_survivors_become_records() -> None:
    log = Log()
    cid = _casualty(
        log,
        "IL-1",
        where=HERE,
        description=Description(sex=Sex.OTHER, age=AgeRange(min_years=30, max_years=40)),
    )
    casualty = casualty_by_tag(log.state, "IL-1")
    record = casualty_record(casualty)
    assert (record.kind, record.names, record.sex, record.age_min, record.age_max) == (
        RecordKind.CASUALTY,
        (),
        None,
        30.0,
        40.0,
    )
    assert (record.time, record.lat) == (casualty.found_at, HERE.lat)
    log.run(
        REGISTRAR,
        IdentifyCasualty(
            command_id=uuid.uuid4(),
            casualty_id=cid,
            status=IdentificationStatus.PROVISIONAL,
            name=PersonName(full_name="Yosef Cohen"),
            identified_by="neighbour",
            method=IdentificationMethod.VISUAL,
        ),
    )
    assert casualty_record(casualty).names == ("Yosef Cohen",)
    sid = _survivor(log, PersonName(full_name="Ahmad Abu Hamad"), age=AgeRange.exactly(44))
    survivor = survivor_record(log.state.slice(Persons).survivors[sid])
    assert (survivor.kind, survivor.names, survivor.age_min, survivor.time) == (
        RecordKind.SURVIVOR,
        ("Ahmad Abu Hamad",),
        44.0,
        T0,
    )


def test_only_open_reports_are_matched_against_every_casualty_and_survivor() -> None:
    log = Log()
    open_ = _report(log, NOA)
    closed = _report(log, PersonName(full_name="Avi Levi"))
    log.run(REGISTRAR, MarkPersonSafe(command_id=uuid.uuid4(), report_id=closed))
    cid = _casualty(log, "IL-1")
    sid = _survivor(log, PersonName(full_name="Noa Levi"))
    given = matching_input(log.state)
    assert [r.id for r in given.reports] == [open_]
    assert [r.id for r in given.candidates] == [cid, sid]


def _candidate(a: str, b: str, score: float = 0.9) -> MatchCandidate:
    return MatchCandidate(a, b, score, 3.2, (Evidence("name", "same", 4.0),))


def test_candidates_become_new_proposals_once() -> None:
    log = Log()
    rid = _report(log, NOA)
    sid = _survivor(log, PersonName(full_name="Noa Levi"))
    cid = _casualty(log, "IL-1")
    wanted = [_candidate(rid, sid), _candidate(rid, cid, 0.6), _candidate(rid, "srv_gone")]
    first = proposals(log.state, wanted)
    assert [(p.report_id, p.candidate_kind, p.candidate_id) for p in first] == [
        (rid, CandidateKind.SURVIVOR, sid),
        (rid, CandidateKind.CASUALTY, cid),
    ]
    assert first[0].explanation.startswith("90% likely the same person. For: name: same")
    assert [p.command_id for p in proposals(log.state, wanted)] == [p.command_id for p in first]
    for cmd in first:
        log.run(ADMIN, cmd)
    assert proposals(log.state, wanted) == []
    assert len(log.state.slice(Persons).matches) == 2


def test_the_later_of_two_reports_is_proposed_as_the_duplicate() -> None:
    log = Log()
    earlier = _report(log, NOA)
    log.now += timedelta(minutes=10)
    later = _report(log, PersonName(full_name="Noa Levy"))
    for pair in ((earlier, later), (later, earlier)):
        [p] = proposals(log.state, [_candidate(*pair)])
        assert (p.report_id, p.candidate_kind, p.candidate_id) == (
            later,
            CandidateKind.MISSING,
            earlier,
        )
    both = proposals(log.state, [_candidate(earlier, later), _candidate(later, earlier)])
    assert len(both) == 1


def test_the_engine_runs_on_magen_records() -> None:
    log = Log()
    rid = _report(log, NOA, description=Description(sex=Sex.FEMALE), age=AgeRange.exactly(33))
    sid = _survivor(
        log,
        PersonName(full_name="Noa Levi"),
        description=Description(sex=Sex.FEMALE),
        age=AgeRange(min_years=32, max_years=34),
    )
    _survivor(log, PersonName(full_name="Ahmad Abu Hamad"), description=Description(sex=Sex.MALE))
    given = matching_input(log.state)
    candidates = match(given.reports, given.candidates, min_score=0.0)
    assert candidates
    assert (candidates[0].a_id, candidates[0].b_id) == (rid, sid)
    for cmd in proposals(log.state, candidates[:1]):
        log.run(ADMIN, cmd)
    [m] = log.state.slice(Persons).matches.values()
    assert (m.report_id, m.candidate_id, m.score) == (rid, sid, candidates[0].score)
    # The findings are stored as data too, for the desk to say in its language.
    assert m.evidence == match_evidence(candidates[0].evidence)
    assert {e.field for e in m.evidence} >= {"name", "sex", "age"}
    [name] = [e for e in m.evidence if e.field == "name"]
    assert name.names
    assert name.names[0].a.casefold() in {"noa", "נועה", "levi"}
