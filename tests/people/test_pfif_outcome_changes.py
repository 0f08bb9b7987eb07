"""A confirmed outcome that changes, or a match withdrawn, reaches a partner registry.

From a review: the note carrying a told outcome always had the id `outcome.<report>`, so a
death told after an earlier "injured" was skipped by a registry that had imported the first
note ("already imported") and it kept believed_alive; a withdrawn match's note simply left
the export, and the receiver kept the wrong outcome. Each told outcome is now a note of its
own, a withdrawal the family was told of is a correcting note, and both are Magen's own
records when an export comes back.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.people.test_persons_outcome_changes import (
    ADMIN,
    HERE,
    HOSPITAL,
    REGISTRAR,
    Log,
    _confirmed,
    _family,
    _identify,
    _in_hospital,
    _match,
    _report,
    _tell,
)

from magen.domain.accounts import AccountCreated
from magen.domain.base import DecisionContext, Event, decide
from magen.domain.casualties import RecordDeath
from magen.domain.hospitals import RegisterHospital
from magen.domain.people import PersonName
from magen.domain.persons import (
    CandidateKind,
    Channel,
    ConfirmMatch,
    NoteStatus,
    RecordNotification,
    WithdrawMatch,
)
from magen.domain.values import Role
from magen.people import pfif

DOMAIN = "magen.example.org"


def _registry() -> Log:
    log = Log()
    log.apply(
        ADMIN,
        AccountCreated(
            account_id=HOSPITAL.account_id,
            username="hadassah",
            role=Role.HOSPITAL,
            display_name="Hadassah",
            password_hash="h" * 40,
        ),
    )
    log.run(
        ADMIN,
        RegisterHospital(
            command_id=uuid.uuid4(),
            hospital_id="hadassah",
            name="Hadassah",
            where=HERE,
            account_id=HOSPITAL.account_id,
        ),
    )
    return log


def _export(log: Log) -> pfif.PfifDocument:
    doc = pfif.export_pfif(log.state, domain=DOMAIN)
    assert pfif.validate(pfif.dumps(doc)) == []
    return doc


def _import(into: Log, doc: pfif.PfifDocument, *, domain: str = "partner.example.org") -> int:
    """Run the import's commands in `into` (a registry with its own domain): how many."""
    into.now += timedelta(hours=1)
    plan = pfif.import_commands(doc, into.state, now=into.now, domain=domain)
    for step in plan.steps:
        into.run(REGISTRAR, step.command)
    return len(plan.steps)


def _statuses(log: Log) -> list[NoteStatus | None]:
    """The statuses of the notes on the partner's only report, oldest first."""
    [report] = log.persons.missing.values()
    return [n.status for n in sorted(report.notes, key=lambda n: n.at)]


def _outcome_ids(doc: pfif.PfifDocument, report_id: str) -> list[str]:
    [person] = [p for p in doc.persons if p.person_record_id == f"{DOMAIN}/{report_id}"]
    return [
        n.note_record_id
        for n in person.notes
        if "/outcome." in n.note_record_id or "/withdrawn." in n.note_record_id
    ]


def _told_injured(magen: Log) -> tuple[str, str, str]:
    """A report confirmed as a casualty in hospital, the family told: report, casualty, match."""
    report_id = _report(magen, _family(magen))
    casualty_id = _in_hospital(magen, "X1")
    match_id = _confirmed(magen, report_id, casualty_id)
    _tell(magen, report_id, match_id)
    return report_id, casualty_id, match_id


def _adds_nothing(magen: Log, doc: pfif.PfifDocument) -> None:
    plan = pfif.import_commands(doc, magen.state, now=magen.now, domain=DOMAIN)
    assert plan.steps == ()
    assert {why for _, why in plan.skipped} == {pfif.ALREADY_HERE}


def test_a_death_told_after_injured_reaches_a_registry_that_imported_the_first_outcome() -> None:
    magen, partner = _registry(), _registry()
    report_id, casualty_id, match_id = _told_injured(magen)
    first = _export(magen)
    assert _outcome_ids(first, report_id) == [f"{DOMAIN}/outcome.{report_id}"]
    assert _import(partner, first) == 2  # the report and its outcome
    assert _statuses(partner) == [NoteStatus.BELIEVED_ALIVE]

    magen.run(HOSPITAL, RecordDeath(command_id=uuid.uuid4(), casualty_id=casualty_id))
    # Not told yet: neither the stale "alive" nor the death is exported.
    assert _outcome_ids(_export(magen), report_id) == []
    _identify(magen, casualty_id)
    _tell(magen, report_id, match_id)
    second = _export(magen)
    death = f"{DOMAIN}/outcome.{report_id}.{match_id}.deceased"
    assert _outcome_ids(second, report_id) == [death]

    assert _import(partner, second) == 1  # the death, as a note of its own
    assert _statuses(partner) == [NoteStatus.BELIEVED_ALIVE, NoteStatus.BELIEVED_DEAD]
    assert _import(partner, second) == 0

    # Both exports are Magen's own records when they come back.
    _adds_nothing(magen, first)
    _adds_nothing(magen, second)


def test_a_withdrawn_match_the_family_was_told_of_is_corrected_at_the_partner() -> None:
    magen, partner = _registry(), _registry()
    report_id, _, match_id = _told_injured(magen)
    first = _export(magen)
    _import(partner, first)
    assert _statuses(partner) == [NoteStatus.BELIEVED_ALIVE]

    magen.run(
        REGISTRAR,
        WithdrawMatch(command_id=uuid.uuid4(), match_id=match_id, reason="wrong person"),
    )
    withdrawn_at = magen.now
    # The family is waiting to be told the news was wrong: they hear it from a registrar
    # first, not on a partner's public page.
    assert _outcome_ids(_export(magen), report_id) == []
    _tell(magen, report_id, match_id)
    second = _export(magen)
    [person] = [p for p in second.persons if p.person_record_id == f"{DOMAIN}/{report_id}"]
    [note] = [n for n in person.notes if n.note_record_id == f"{DOMAIN}/withdrawn.{match_id}"]
    assert note.status is NoteStatus.INFORMATION_SOUGHT
    assert note.source_date == withdrawn_at
    assert pfif.format_time(withdrawn_at) in note.text
    assert "wrong person" not in note.text  # the registrar's reason stays in the registry
    assert _outcome_ids(second, report_id) == [note.note_record_id]

    assert _import(partner, second) == 1
    assert _statuses(partner) == [NoteStatus.BELIEVED_ALIVE, NoteStatus.INFORMATION_SOUGHT]
    _adds_nothing(magen, first)
    _adds_nothing(magen, second)


def test_a_match_withdrawn_before_the_family_was_told_exports_no_correction() -> None:
    magen = _registry()
    report_id = _report(magen, _family(magen))
    match_id = _confirmed(magen, report_id, _in_hospital(magen, "X2"))
    magen.run(
        REGISTRAR,
        WithdrawMatch(command_id=uuid.uuid4(), match_id=match_id, reason="wrong person"),
    )
    assert _outcome_ids(_export(magen), report_id) == []


def test_a_duplicate_link_withdrawn_is_corrected_at_the_partner() -> None:
    """The `duplicate.<report>` note leaves the export once the link is withdrawn: a
    registry that imported it is told the two reports are not the same person."""
    magen, partner = _registry(), _registry()
    family = _family(magen)
    first = _report(magen, family)
    second = _report(magen, family, PersonName(full_name="Sara Levi"))
    link = _match(magen, second, CandidateKind.MISSING, first)
    magen.run(REGISTRAR, ConfirmMatch(command_id=uuid.uuid4(), match_id=link))
    before = _export(magen)
    assert _import(partner, before) == 3  # two reports, the duplicate note
    magen.run(
        REGISTRAR,
        WithdrawMatch(command_id=uuid.uuid4(), match_id=link, reason="two women of that name"),
    )
    withdrawn_at = magen.now
    after = _export(magen)
    [person] = [p for p in after.persons if p.person_record_id == f"{DOMAIN}/{second}"]
    assert [n.note_record_id for n in person.notes] == [f"{DOMAIN}/withdrawn.{link}"]
    [note] = person.notes
    assert (note.status, note.source_date) == (NoteStatus.INFORMATION_SOUGHT, withdrawn_at)
    assert f"{DOMAIN}/{first}" in note.text
    assert "two women" not in note.text
    assert _import(partner, after) == 1
    report = partner.persons.missing[partner.persons.by_source[f"{DOMAIN}/{second}"]]
    assert [n.status for n in report.notes][-1] is NoteStatus.INFORMATION_SOUGHT
    _adds_nothing(magen, before)
    _adds_nothing(magen, after)


def test_a_telling_dated_back_never_takes_the_id_of_an_outcome_exported_before() -> None:
    """From a review: the outcome first told (by the time a telling claims, which a
    registrar may set back) kept `outcome.<report>`, so a death told later but dated before
    the first telling took that id, and a partner that imported "alive" skipped it."""
    magen, partner = _registry(), _registry()
    report_id, casualty_id, match_id = _told_injured(magen)
    told_injured_at = magen.now
    first = _export(magen)
    alive = (f"{DOMAIN}/outcome.{report_id}", NoteStatus.BELIEVED_ALIVE, told_injured_at)
    assert _outcome_notes(first, report_id) == [alive]
    assert _import(partner, first) == 2

    magen.run(HOSPITAL, RecordDeath(command_id=uuid.uuid4(), casualty_id=casualty_id))
    _identify(magen, casualty_id)
    dated_back = told_injured_at - timedelta(minutes=5)
    magen.run(
        REGISTRAR,
        RecordNotification(
            command_id=uuid.uuid4(), report_id=report_id, match_id=match_id, at=dated_back
        ),
    )
    second = _export(magen)
    death = f"{DOMAIN}/outcome.{report_id}.{match_id}.deceased"
    assert _outcome_notes(second, report_id) == [(death, NoteStatus.BELIEVED_DEAD, dated_back)]
    assert _import(partner, second) == 1
    assert set(_statuses(partner)) == {NoteStatus.BELIEVED_ALIVE, NoteStatus.BELIEVED_DEAD}
    _adds_nothing(magen, first)
    _adds_nothing(magen, second)


def test_a_second_telling_dated_back_leaves_the_exported_outcome_as_it_was() -> None:
    magen = _registry()
    report_id, _, match_id = _told_injured(magen)
    first = _export(magen)
    magen.run(
        REGISTRAR,
        RecordNotification(
            command_id=uuid.uuid4(),
            report_id=report_id,
            match_id=match_id,
            at=magen.now - timedelta(hours=1),
        ),
    )
    assert _outcome_notes(_export(magen), report_id) == _outcome_notes(first, report_id)


def test_a_new_duplicate_link_after_one_withdrawn_is_a_note_of_its_own() -> None:
    """From a review: after a link withdrawn and a new one confirmed, `duplicate.<report>`
    came to say "same person as" the new report; a partner that imported the first link
    skipped it. The first link keeps the id, a later one is `duplicate.<report>.<match>`."""
    magen, partner = _registry(), _registry()
    family = _family(magen)
    first = _report(magen, family)
    dup = _report(magen, family, PersonName(full_name="Sara Levi"))
    other = _report(magen, family, PersonName(full_name="Sarah Levy"))
    link = _match(magen, dup, CandidateKind.MISSING, first)
    magen.run(REGISTRAR, ConfirmMatch(command_id=uuid.uuid4(), match_id=link))
    before = _export(magen)
    assert _link_notes(before, dup) == [(f"{DOMAIN}/duplicate.{dup}", f"{DOMAIN}/{first}")]
    assert _import(partner, before) == 4  # three reports, the duplicate note
    magen.run(REGISTRAR, WithdrawMatch(command_id=uuid.uuid4(), match_id=link, reason="no"))
    relink = _match(magen, dup, CandidateKind.MISSING, other)
    magen.run(REGISTRAR, ConfirmMatch(command_id=uuid.uuid4(), match_id=relink))
    after = _export(magen)
    assert _link_notes(after, dup) == [
        (f"{DOMAIN}/duplicate.{dup}.{relink}", f"{DOMAIN}/{other}"),
        (f"{DOMAIN}/withdrawn.{link}", None),
    ]
    assert _import(partner, after) == 2  # the correction and the new link
    _adds_nothing(magen, before)
    _adds_nothing(magen, after)


def test_a_duplicate_link_a_family_was_told_through_is_corrected_once_they_are_told() -> None:
    """A family told of another report's outcome through a duplicate link hears from a
    registrar that the link was wrong before the correction is exported. (With no family
    told through it, the correction is exported at once, as the link's note was.)"""
    magen = _registry()
    family = _family(magen)
    primary = _report(magen, family)
    outcome = _confirmed(magen, primary, _in_hospital(magen, "X3"))
    dup = _report(magen, family, PersonName(full_name="Sara Levi"))
    link = _match(magen, dup, CandidateKind.MISSING, primary)
    magen.run(REGISTRAR, ConfirmMatch(command_id=uuid.uuid4(), match_id=link))
    _tell(magen, dup, outcome)
    magen.run(REGISTRAR, WithdrawMatch(command_id=uuid.uuid4(), match_id=link, reason="no"))
    assert _link_notes(_export(magen), dup) == []
    _tell(magen, dup, link)
    corrected = _export(magen)
    assert _link_notes(corrected, dup) == [(f"{DOMAIN}/withdrawn.{link}", None)]
    _adds_nothing(magen, corrected)


def _outcome_notes(
    doc: pfif.PfifDocument, report_id: str
) -> list[tuple[str, NoteStatus | None, object]]:
    [person] = [p for p in doc.persons if p.person_record_id == f"{DOMAIN}/{report_id}"]
    return [
        (n.note_record_id, n.status, n.source_date)
        for n in person.notes
        if "/outcome." in n.note_record_id or "/withdrawn." in n.note_record_id
    ]


def _link_notes(doc: pfif.PfifDocument, report_id: str) -> list[tuple[str, str | None]]:
    """The duplicate and withdrawn notes of a report: (note id, the person it links)."""
    [person] = [p for p in doc.persons if p.person_record_id == f"{DOMAIN}/{report_id}"]
    return [
        (n.note_record_id, n.linked_person_record_id)
        for n in person.notes
        if "/duplicate." in n.note_record_id or "/withdrawn." in n.note_record_id
    ]


# --- tellings that lost a race: their ids come after those exported before (third review) ---


def _late_telling(log: Log, report_id: str, match_id: str, channel: Channel) -> list[Event]:
    """A telling decided now and recorded later (another desk's, on a slow link)."""
    return decide(
        log.state,
        RecordNotification(
            command_id=uuid.uuid4(), report_id=report_id, match_id=match_id, channel=channel
        ),
        DecisionContext(REGISTRAR, log.now),
    )


def test_a_telling_recorded_late_never_takes_an_exported_id() -> None:
    log = _registry()
    rid = _report(log, _family(log))
    cid = _in_hospital(log, "R1")
    mid = _confirmed(log, rid, cid)
    late = _late_telling(log, rid, mid, Channel.IN_PERSON)  # "injured", decided, not yet in
    log.run(HOSPITAL, RecordDeath(command_id=uuid.uuid4(), casualty_id=cid))
    _identify(log, cid)
    _tell(log, rid, mid)  # another desk tells the death in person
    before = _outcome_notes(_export(log), rid)
    assert [(i.rsplit("/", 1)[1], s) for i, s, _ in before] == [
        (f"outcome.{rid}", NoteStatus.BELIEVED_DEAD)
    ]
    for e in late:
        log.apply(REGISTRAR, e, uuid.uuid4())
    assert _outcome_notes(_export(log), rid) == before
    report = log.persons.missing[rid]
    every = {
        n.note_record_id.rsplit("/", 1)[1]: n.status
        for n in pfif._outcome_notes(log.persons, report, DOMAIN, "x", every=True)
    }
    assert every[f"outcome.{rid}"] is NoteStatus.BELIEVED_DEAD  # never comes to mean "alive"


def test_a_telling_of_a_withdrawn_match_recorded_late_keeps_the_standing_note_s_id() -> None:
    log = _registry()
    rid = _report(log, _family(log))
    m1 = _confirmed(log, rid, _in_hospital(log, "W1"))
    late = _late_telling(log, rid, m1, Channel.PHONE)
    log.run(REGISTRAR, WithdrawMatch(command_id=uuid.uuid4(), match_id=m1, reason="not her"))
    m2 = _confirmed(log, rid, _in_hospital(log, "W2"))
    _tell(log, rid, m2)
    before = _outcome_notes(_export(log), rid)
    assert [i.rsplit("/", 1)[1] for i, *_ in before] == [f"outcome.{rid}"]
    for e in late:
        log.apply(REGISTRAR, e, uuid.uuid4())
    after = _outcome_notes(_export(log), rid)
    assert before[0] in after  # the standing outcome's note: the same id, status and date
