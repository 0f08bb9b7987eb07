"""PFIF records in Magen's own domain are Magen's: an export sent back adds nothing.

From an as-user audit: a registrar exported the registry and imported the same bytes, and
every report got a second copy (the copy of a confirmed-found report searching again, its
hair and clothing one free-text "other", the next matching run proposing confirmed
casualties to the copies); a Person Finder note on `magen.local/<report id>` was skipped as
"its person is not known here", and after such a round trip it landed on the copy.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tests.people.test_pfif import ADMIN, REGISTRAR, T0, Log, _magen

from magen.domain.persons import (
    AddPersonNote,
    CandidateKind,
    ConfirmMatch,
    NoteStatus,
    Persons,
    ProposeMatch,
    RecordNotification,
    ReportMissingPerson,
)
from magen.people.pfif import (
    ALREADY_HERE,
    ALREADY_IMPORTED,
    DEFAULT_DOMAIN,
    PfifDocument,
    PfifNote,
    PfifPerson,
    dumps,
    export_pfif,
    import_commands,
    parse,
)

PF = "example.personfinder.google.org"


def _registry() -> tuple[Log, dict[str, str]]:
    """A report with a family's note, found alive and the family told; a desk check-in."""
    log, ids = _magen()
    log.run(
        ADMIN,
        ProposeMatch(
            command_id=uuid.uuid4(),
            report_id=ids["noa"],
            candidate_kind=CandidateKind.SURVIVOR,
            candidate_id=ids["ahmad"],
            score=0.5,
        ),
    )
    match_id = next(iter(log.state.slice(Persons).matches))
    log.run(REGISTRAR, ConfirmMatch(command_id=uuid.uuid4(), match_id=match_id))
    log.run(
        REGISTRAR,
        RecordNotification(command_id=uuid.uuid4(), report_id=ids["noa"], match_id=match_id),
    )
    log.now += timedelta(hours=1)
    return log, ids


def _run(log: Log, doc: PfifDocument, domain: str = DEFAULT_DOMAIN) -> None:
    for cmd in import_commands(doc, log.state, now=log.now, domain=domain).commands:
        log.run(REGISTRAR, cmd)


def _foreign_note(person_record_id: str) -> PfifNote:
    return PfifNote(
        f"{PF}/note.77",
        "Dan Cohen",
        T0 + timedelta(minutes=30),
        "Saw her at the bus station this morning.",
        person_record_id=person_record_id,
        status=NoteStatus.BELIEVED_ALIVE,
        author_made_contact=False,
    )


def test_an_export_imported_back_adds_nothing_and_says_each_record_is_already_here() -> None:
    log, ids = _registry()
    data = dumps(export_pfif(log.state, domain=DEFAULT_DOMAIN))
    doc = parse(data)
    plan = import_commands(doc, log.state, now=log.now)
    assert plan.commands == ()
    every_id = [p.person_record_id for p in doc.persons] + [
        n.note_record_id for p in doc.persons for n in p.notes
    ]
    assert len(every_id) == 5  # report, survivor; family note, outcome note, check-in note
    assert sorted(plan.skipped) == sorted((i, ALREADY_HERE) for i in every_id)
    persons = log.state.slice(Persons)
    assert (len(persons.missing), len(persons.survivors)) == (1, 1)
    assert persons.missing[ids["noa"]].status.value == "found"


def test_a_record_another_repository_gave_is_still_already_imported_on_the_way_back() -> None:
    log, _ = _registry()
    _run(log, PfifDocument(persons=(PfifPerson(f"{PF}/person.1", log.now, "Dina Peretz"),)))
    doc = parse(dumps(export_pfif(log.state, domain=DEFAULT_DOMAIN)))
    plan = import_commands(doc, log.state, now=log.now)
    assert plan.commands == ()
    assert (f"{PF}/person.1", ALREADY_IMPORTED) in plan.skipped


def test_a_note_from_elsewhere_on_a_magen_person_joins_that_very_report() -> None:
    log, ids = _registry()
    own_id = f"{DEFAULT_DOMAIN}/{ids['noa']}"
    note = _foreign_note(own_id)
    # as a loose note, and nested in Magen's person as Person Finder sends it back
    for doc in (
        PfifDocument(notes=(note,)),
        PfifDocument(persons=(PfifPerson(own_id, log.now, "Noa Levi", notes=(note,)),)),
    ):
        plan = import_commands(doc, log.state, now=log.now)
        [cmd] = plan.commands
        assert isinstance(cmd, AddPersonNote)
        assert cmd.report_id == ids["noa"]
    _run(log, PfifDocument(notes=(note,)))
    assert [n.source_record_id for n in log.state.slice(Persons).missing[ids["noa"]].notes][
        -1
    ] == note.note_record_id
    again = import_commands(PfifDocument(notes=(note,)), log.state, now=log.now)
    assert (again.commands, again.skipped) == ((), ((note.note_record_id, ALREADY_IMPORTED),))


def test_after_an_old_round_trip_made_copies_a_note_joins_the_original_not_the_copy() -> None:
    log, ids = _registry()
    # What an import did before it knew Magen's own ids: every report came back as a copy.
    _run(log, parse(dumps(export_pfif(log.state, domain=DEFAULT_DOMAIN))), domain="other.org")
    assert len(log.state.slice(Persons).missing) == 3  # the report, and copies of both
    plan = import_commands(
        PfifDocument(notes=(_foreign_note(f"{DEFAULT_DOMAIN}/{ids['noa']}"),)),
        log.state,
        now=log.now,
    )
    [cmd] = plan.commands
    assert isinstance(cmd, AddPersonNote)
    assert cmd.report_id == ids["noa"]


def test_a_record_in_magen_s_domain_that_names_nothing_here_is_refused_with_its_notes() -> None:
    log, _ = _registry()
    ghost = f"{DEFAULT_DOMAIN}/mis_0000000000000000dead"
    ghost_note = PfifNote(f"{DEFAULT_DOMAIN}/note_000000000000000dead", "X", log.now, "t")
    doc = PfifDocument(
        persons=(
            PfifPerson(ghost, log.now, "Nobody Here", notes=(_foreign_note(ghost),)),
            PfifPerson(f"{PF}/person.2", log.now, "Someone Else", notes=(ghost_note,)),
        )
    )
    plan = import_commands(doc, log.state, now=log.now)
    assert [type(c) for c in plan.commands] == [ReportMissingPerson]
    reasons = dict(plan.skipped)
    assert "Magen's own domain" in reasons[ghost]
    assert "names no record here" in reasons[ghost]
    assert reasons[f"{PF}/note.77"] == f"its person {ghost} was skipped"
    assert "names no record here" in reasons[ghost_note.note_record_id]


def test_a_note_on_a_survivor_checked_in_here_is_skipped_for_a_registrar() -> None:
    log, ids = _registry()
    plan = import_commands(
        PfifDocument(notes=(_foreign_note(f"{DEFAULT_DOMAIN}/{ids['ahmad']}"),)),
        log.state,
        now=log.now,
    )
    assert plan.commands == ()
    [(_, reason)] = plan.skipped
    assert "survivor checked in here" in reason


def test_another_magen_s_domain_is_foreign_here() -> None:
    source, _ = _registry()
    target = Log()
    target.now = source.now
    doc = parse(dumps(export_pfif(source.state, domain="magen.example.org")))
    assert len(import_commands(doc, target.state, now=target.now).commands) == 5
    with pytest.raises(ValueError, match="lowercase domain"):
        import_commands(doc, target.state, now=target.now, domain="Not A Domain")
