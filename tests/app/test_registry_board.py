"""The registrar's board and name search as projections of the state (app/registry_board.py).

The search must find what the desk's own filter found when it had every report: a report
whose full name, given + family name or an alternate holds the query, folded, with the
status asked for, newest first. Checked against that filter written plainly, over reports
filed, found safe and confirmed in many scripts.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from magen.app import registry_board as rb
from magen.domain import casualties as cas
from magen.domain import persons as per
from magen.domain.base import Actor, Event, evolve, record
from magen.domain.people import Address, AgeRange, Contact, Description, PersonName
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role

T0 = datetime(2023, 10, 7, 7, 0, tzinfo=UTC)
ACTOR = Actor(account_id="registrar", role=Role.REGISTRAR)
GIVEN = ["Noa", "נֹעָה", "Omar", "عُمَر", "Yael", "יעל", "Олег", "Ṣāliḥ"]
FAMILY = ["Kohen", "כֹּהֵן", "Haddad", "حَدّاد", "Levi", "לוי", "Иванов", "AL-MASRI"]


class Log:
    """A state folded from events applied in order, one minute apart."""

    def __init__(self) -> None:
        self.state = State()
        self.n = 0

    def apply(self, event: Event) -> None:
        self.n += 1
        evolve(
            self.state,
            record(
                position=self.n,
                event_id=uuid.uuid4(),
                recorded_at=T0 + timedelta(minutes=self.n),
                actor=ACTOR,
                command_id=None,
                command_hash=None,
                event=event,
            ),
        )

    def report(self, report_id: str, name: PersonName) -> None:
        self.apply(
            per.MissingPersonReported(
                report_id=report_id,
                name=name,
                date_of_birth=None,
                age=None,
                description=Description(),
                last_seen_place="",
                last_seen_where=None,
                last_seen_at=None,
                home=None,
                contact=None,
                family_account=None,
                source=None,
            )
        )


def _name(rng: random.Random) -> PersonName:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    split = rng.random() < 0.3
    return PersonName(
        full_name=f"{given} {family}",
        given_name=rng.choice(GIVEN) if split else None,
        family_name=rng.choice(FAMILY) if split else None,
        alternates=tuple(rng.sample(GIVEN + FAMILY, rng.randint(0, 2))),
    )


def _plain(state: State, q: str, status: str | None) -> list[str]:
    """The desk's filter as it ran over every report (registry.js before the search)."""
    folded = rb.fold(" ".join(q.split()))
    rows = [
        r
        for r in state.slice(per.Persons).missing.values()
        if (status is None or r.status == status)
        and (not folded or any(folded in rb.fold(n) for n in rb.all_names(r.name)))
    ]
    rows.sort(key=lambda r: r.reported_at, reverse=True)
    return [r.report_id for r in rows]


def _filed(seed: int, n: int) -> Log:
    rng = random.Random(seed)
    log = Log()
    for i in range(n):
        log.report(f"r{i}", _name(rng))
        if i and rng.random() < 0.2:
            log.apply(
                per.PersonMarkedSafe(report_id=f"r{rng.randrange(i)}", by_family=True, note="")
            )
    return log


QUERIES = [
    "",
    "noa",
    "נעה",
    "כהן",
    "عمر",
    "حداد",
    "haddad",
    "al-masri",
    "олег",
    "ṣāliḥ",
    "i",
    "o k",
]


@pytest.mark.parametrize("seed", range(4))
def test_the_search_finds_what_the_desk_filter_found(seed: int) -> None:
    log = _filed(seed, 300)
    for q in QUERIES:
        for status in (None, "searching", "safe", "found"):
            want = _plain(log.state, q, status)
            for limit, offset in ((50, 0), (7, 3), (200, 0)):
                got = rb.search_reports(log.state, q, status=status, limit=limit, offset=offset)
                assert got.total == len(want), (q, status)
                assert [r.report_id for r in got.reports] == want[offset : offset + limit]


def test_the_index_follows_new_reports_and_each_state_has_its_own() -> None:
    log = _filed(9, 50)
    assert rb.search_reports(log.state, "zzz").total == 0
    log.report("late", PersonName(full_name="Zzz Late", alternates=("זזז",)))
    assert [r.report_id for r in rb.search_reports(log.state, "זזז").reports] == ["late"]
    other = _filed(9, 50)  # the same reports in another state: nothing of the first's late one
    assert rb.search_reports(other.state, "zzz").total == 0
    assert rb.search_reports(log.state, "zzz").total == 1


def test_counts_and_the_board_follow_each_position() -> None:
    log = _filed(3, 120)
    before = rb.board(log.state)
    assert rb.board(log.state) is before  # one computation per position
    persons = log.state.slice(per.Persons)
    statuses = [r.status.value for r in persons.missing.values()]
    assert before.reports_by_status == {s: statuses.count(s) for s in rb.STATUSES}
    log.apply(
        per.MatchProposed(
            match_id="m1",
            report_id="r5",
            candidate_kind=per.CandidateKind.MISSING,
            candidate_id="r6",
            score=0.8,
            explanation="same name",
        )
    )
    after = rb.board(log.state)
    assert after is not before
    assert [m.match_id for m in after.matches] == ["m1"]
    named = rb.named(log.state, after.matches, after.to_tell)
    assert set(named.reports) == {"r5", "r6"}
    assert after.matches_by_status == {
        "proposed": 1,
        "confirmed": 0,
        "rejected": 0,
        "withdrawn": 0,
    }


def test_families_to_tell_deaths_first_then_the_longest_waiting() -> None:
    log = Log()
    for i in range(1, 6):
        log.report(f"r{i}", PersonName(full_name=f"Person {i}"))

    def confirm(match_id: str, report: str, kind: per.CandidateKind, other: str, out: Any) -> None:
        log.apply(
            per.MatchProposed(
                match_id=match_id,
                report_id=report,
                candidate_kind=kind,
                candidate_id=other,
                score=0.9,
                explanation="",
            )
        )
        log.apply(per.MatchConfirmed(match_id=match_id, report_id=report, outcome=out, release=""))

    confirm("m1", "r1", per.CandidateKind.SURVIVOR, "s1", per.Outcome.SAFE)
    confirm("m2", "r2", per.CandidateKind.CASUALTY, "c1", per.Outcome.DECEASED)
    confirm("m3", "r3", per.CandidateKind.MISSING, "r2", None)  # the same person as r2
    confirm("m4", "r4", per.CandidateKind.SURVIVOR, "s2", per.Outcome.SAFE)
    log.apply(
        per.NotificationRecorded(
            report_id="r4", match_id="m4", at=T0, channel=per.Channel.PHONE, note=""
        )
    )
    work = rb.board(log.state)
    assert [(t.report_id, t.primary_id, t.match_id) for t in work.to_tell] == [
        ("r2", "r2", "m2"),
        ("r3", "r2", "m2"),  # told of the death through the report it duplicates
        ("r1", "r1", "m1"),
    ]
    assert work.reports_by_status == {"searching": 1, "found": 3, "safe": 0, "duplicate": 1}
    assert set(rb.named(log.state, (), work.to_tell[:1]).reports) == {"r2"}


def test_news_that_no_longer_stands_goes_first_with_what_changed() -> None:
    """A death after the family was told "in care", and a match withdrawn after they were
    told, come before a family simply waiting, each with what changed."""
    log = Log()
    for i in (1, 2, 3):
        log.report(f"r{i}", PersonName(full_name=f"Person {i}"))
    for i, kind in ((1, per.CandidateKind.SURVIVOR), (2, per.CandidateKind.CASUALTY)):
        log.apply(
            per.MatchProposed(
                match_id=f"m{i}",
                report_id=f"r{i}",
                candidate_kind=kind,
                candidate_id=f"c{i}",
                score=0.9,
                explanation="",
            )
        )
    log.apply(
        per.MatchProposed(
            match_id="m3",
            report_id="r3",
            candidate_kind=per.CandidateKind.CASUALTY,
            candidate_id="c3",
            score=0.9,
            explanation="",
        )
    )
    outcomes = {1: per.Outcome.SAFE, 2: per.Outcome.INJURED, 3: per.Outcome.INJURED}
    for i, out in outcomes.items():
        log.apply(per.MatchConfirmed(match_id=f"m{i}", report_id=f"r{i}", outcome=out, release=""))
    for i in (2, 3):
        log.apply(
            per.NotificationRecorded(
                report_id=f"r{i}", match_id=f"m{i}", at=T0, channel=per.Channel.PHONE, note=""
            )
        )
    assert [t.report_id for t in rb.board(log.state).to_tell] == ["r1"]
    log.apply(per.MatchWithdrawn(match_id="m3", report_id="r3", reason="she called us"))
    log.apply(cas.DeathRecorded(casualty_id="c2", at=T0, place="ward", pronounced_by="dr", note=""))
    work = rb.board(log.state)
    assert [rb.tell_card(t) for t in work.to_tell] == [
        {"report_id": "r3", "primary_id": "r3", "match_id": "m3", "told_before": True,
         "told": "injured", "withdrawn": True, "reason": "she called us"},
        {"report_id": "r2", "primary_id": "r2", "match_id": "m2", "changed_from": "injured",
         "told_before": True, "told": "injured"},
        {"report_id": "r1", "primary_id": "r1", "match_id": "m1"},
    ]  # fmt: skip
    assert work.reports_by_status["searching"] == 1


def test_a_note_written_after_a_report_was_closed_is_put_before_the_registrar() -> None:
    # A family writing "she called us" of someone the registry confirmed dead: the one sign
    # of a wrong identification, so the board lists it until the registrar has read it.
    log = Log()
    for i in (1, 2, 3):
        log.report(f"r{i}", PersonName(full_name=f"Person {i}"))
    for i, out in ((1, per.Outcome.DECEASED), (2, per.Outcome.SAFE)):
        log.apply(
            per.MatchProposed(
                match_id=f"m{i}",
                report_id=f"r{i}",
                candidate_kind=per.CandidateKind.CASUALTY,
                candidate_id=f"c{i}",
                score=0.9,
                explanation="",
            )
        )
        log.apply(per.MatchConfirmed(match_id=f"m{i}", report_id=f"r{i}", outcome=out, release=""))

    def note(report_id: str, minutes: int) -> None:
        log.apply(
            per.PersonNoteAdded(
                note_id=f"n{log.n}",
                report_id=report_id,
                at=T0 + timedelta(minutes=minutes),
                author_name="",
                status=per.NoteStatus.BELIEVED_ALIVE,
                text="She called us",
                last_known_location="",
                linked_record_id=None,
                author_made_contact=True,
                source_record_id=None,
            )
        )

    note("r2", 1)  # dated before the report was closed: nothing new
    note("r3", 30)  # a report still open: nothing to flag
    assert rb.board(log.state).noted_after == ()
    note("r1", 40)
    note("r2", 50)
    work = rb.board(log.state)
    assert work.noted_after == ("r2", "r1")  # newest note first
    assert set(rb.named(log.state, (), (), work.noted_after).reports) == {"r1", "r2"}


def test_every_persons_event_names_what_the_boards_follower_reads_again() -> None:
    """The board's follower (`_Follower.on_event`) reads again only the report and the match
    an event of the persons module names, and skips events of other modules. An evolver that
    changed a report or a match without naming it, or that listened to another module's
    event, would leave the followed board silently wrong: this fails first."""
    from magen.domain.base import _EVOLVERS

    adds_no_report_or_match = {per.SurvivorCheckedIn}
    # A confirmed casualty's death or discharge changes its reports' outcome, never a status
    # the follower keeps: the board reads outcomes from the closed reports each time.
    changes_no_status = {cas.DeathRecorded, cas.CasualtyDischarged}
    checked: set[type] = set()
    for event_cls, evolvers in _EVOLVERS.items():
        if not any(fn.__module__ == per.__name__ for fn in evolvers):
            continue
        checked.add(event_cls)
        if event_cls in changes_no_status:
            continue
        assert event_cls.__module__ == per.__name__, event_cls
        if event_cls in adds_no_report_or_match:
            continue
        named = {"report_id", "match_id"} & set(event_cls.model_fields)
        assert named, f"{event_cls.__name__} names no report or match"
    assert {per.MissingPersonReported, per.MatchConfirmed, per.NotificationRecorded} <= checked


def _note(log: Log, report_id: str, i: int) -> None:
    log.apply(
        per.PersonNoteAdded(
            note_id=f"n{report_id}-{i}",
            report_id=report_id,
            at=T0,
            author_name="PFIF volunteer",
            status=per.NoteStatus.INFORMATION_SOUGHT,
            text=f"Seen near the market, note {i}. " * 20,
            last_known_location="market",
            linked_record_id=None,
            author_made_contact=False,
            source_record_id=f"example.org/note.{i}",
        )
    )


def test_a_report_card_is_what_the_desk_shows_and_counts_the_notes() -> None:
    log = Log()
    log.apply(
        per.MissingPersonReported(
            report_id="r1",
            name=PersonName(full_name="Noa Kohen", alternates=("נועה כהן",)),
            date_of_birth="1999-02-01",
            age=None,
            description=Description(sex="female", hair="black"),
            last_seen_place="Baka",
            last_seen_where=GeoPoint(lat=31.76, lon=35.22),
            last_seen_at=T0,
            home=Address(city="Jerusalem"),
            contact=Contact(name="Dana", phone="050-0000000"),
            family_account="acc1",
            source=None,
        )
    )
    report = log.state.slice(per.Persons).missing["r1"]
    bare = rb.report_card(report)
    assert bare == {
        "report_id": "r1",
        # The fields a record leaves empty (given and family name, eyes, email…) are left out.
        "name": {"full_name": "Noa Kohen", "alternates": ["נועה כהן"]},
        "date_of_birth": "1999-02-01",
        "description": {"sex": "female", "hair": "black"},
        "last_seen_place": "Baka",
        "last_seen_at": T0,
        "contact": {"name": "Dana", "phone": "050-0000000"},
        "family_account": "acc1",
        "reported_at": report.reported_at,
        "status": per.ReportStatus.SEARCHING,
    }
    for i in range(30):
        _note(log, "r1", i)
    report = log.state.slice(per.Persons).missing["r1"]
    assert len(report.notes) == 30
    # The notes are counted, not carried: what the desk shows of the report is as it was.
    assert rb.report_card(report) == {**bare, "note_count": 30}


def test_a_survivor_and_a_match_card_carry_what_the_desk_and_console_read() -> None:
    log = Log()
    log.report("r1", PersonName(full_name="Omar Haddad"))
    log.apply(
        per.SurvivorCheckedIn(
            survivor_id="s1",
            name=PersonName(full_name="عمر حداد"),
            date_of_birth=None,
            age=AgeRange(min_years=30, max_years=40),
            description=Description(),
            place="Katamon school",
            where=GeoPoint(lat=31.76, lon=35.21),
            self_reported=True,
            contact=Contact(name="Omar", phone="050-1111111"),
            source=None,
        )
    )
    log.apply(
        per.MatchProposed(
            match_id="m1",
            report_id="r1",
            candidate_kind=per.CandidateKind.SURVIVOR,
            candidate_id="s1",
            score=0.9,
            explanation="",
        )
    )
    persons = log.state.slice(per.Persons)
    survivor = persons.survivors["s1"]
    assert rb.survivor_card(survivor) == {
        "survivor_id": "s1",
        "name": {"full_name": "عمر حداد"},
        "age": {"min_years": 30, "max_years": 40},
        "place": "Katamon school",
        "checked_in_at": survivor.checked_in_at,
    }
    # Every field the console reads, empty or not (an empty explanation is still there).
    card = rb.match_card(persons.matches["m1"])
    assert card == {
        "match_id": "m1",
        "report_id": "r1",
        "candidate_kind": per.CandidateKind.SURVIVOR,
        "candidate_id": "s1",
        "score": 0.9,
        "explanation": "",
        "status": per.MatchStatus.PROPOSED,
        "evidence": (),
    }


def test_compact_leaves_out_only_what_is_empty() -> None:
    assert rb.compact(
        {"a": None, "b": "", "c": [], "d": {}, "e": 0, "f": False, "g": {"x": None, "y": 1}}
    ) == {"e": 0, "f": False, "g": {"y": 1}}
    assert rb.compact({"d": Description(), "n": PersonName(full_name="x")}) == {
        "n": {"full_name": "x"}
    }
