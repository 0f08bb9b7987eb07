"""PFIF import keeps who said what: every person a report, every note kept, nothing silent.

From an integrator's audit: a Person Finder record whose latest note said believed_alive was
checked in as a survivor, its notes dropped, and the export then wrote a note by "Magen
registrar" with author_made_contact true, a neighbour's hearsay become first-hand contact; a
later note on that person was dropped without a word; times went out with microseconds,
which Person Finder's importer refuses.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from tests.people.test_pfif import ADMIN, REGISTRAR, T0, Log

from magen.domain.people import Contact, PersonName, Provenance
from magen.domain.persons import (
    AddPersonNote,
    CheckInSurvivor,
    NoteStatus,
    Persons,
    ReportMissingPerson,
    report_id_for,
)
from magen.domain.state import State
from magen.people.pfif import (
    REGISTRAR_AUTHOR,
    PfifDocument,
    PfifNote,
    PfifPerson,
    command_id_for,
    dumps,
    export_pfif,
    import_commands,
    parse,
)

PF = "example.personfinder.google.org"
NOA = f"{PF}/person.4040"
SOUGHT = PfifNote(
    f"{PF}/note.1",
    "Miriam Levi",
    T0 + timedelta(minutes=5),
    "Last seen at the bus stop on Derech Beit Lechem.",
    status=NoteStatus.INFORMATION_SOUGHT,
)
HEARSAY = PfifNote(
    f"{PF}/note.2",
    "Dan Cohen",
    T0 + timedelta(hours=1),
    "A neighbour says she was seen being taken to hospital, walking.",
    author_made_contact=False,
    status=NoteStatus.BELIEVED_ALIVE,
    last_known_location="Hadassah Ein Kerem",
)
PERSON = PfifPerson(
    NOA,
    T0,
    "Noa Levi",
    author_name="Miriam Levi",
    source_name="Google Person Finder",
    age="30-35",
    notes=(SOUGHT, HEARSAY),
)
LATER = PfifNote(
    f"{PF}/note.3",
    "Hadassah desk",
    T0 + timedelta(hours=2),
    "Not among our patients. The earlier report was mistaken.",
    person_record_id=NOA,
    status=NoteStatus.BELIEVED_MISSING,
)


def _imported(*docs: PfifDocument) -> Log:
    log = Log()
    log.now = T0 + timedelta(hours=3)
    for doc in docs:
        for cmd in import_commands(doc, log.state, now=log.now).commands:
            log.run(REGISTRAR, cmd)
    return log


def test_a_believed_alive_person_is_a_report_with_every_note_as_its_authors_wrote_it() -> None:
    plan = import_commands(PfifDocument(persons=(PERSON,)), State(), now=T0 + timedelta(hours=3))
    report, *notes = plan.commands
    assert isinstance(report, ReportMissingPerson)  # never a survivor's check-in
    assert report.contact is not None
    assert report.contact.name == "Miriam Levi"  # the family's contact is kept
    assert [(n.source_record_id, n.author_name, n.author_made_contact) for n in notes] == [
        (f"{PF}/note.1", "Miriam Levi", None),
        (f"{PF}/note.2", "Dan Cohen", False),
    ]
    assert plan.skipped == ()

    log = _imported(PfifDocument(persons=(PERSON,)))
    persons = log.state.slice(Persons)
    assert persons.survivors == {}
    [kept] = persons.missing.values()
    assert kept.status.value == "searching"  # a registrar decides, not the feed

    [out] = export_pfif(log.state, domain="magen.example.org").persons
    assert out.person_record_id == NOA
    assert [n.note_record_id for n in out.notes] == [SOUGHT.note_record_id, HEARSAY.note_record_id]
    said = out.notes[1]
    assert (said.author_name, said.author_made_contact, said.status, said.text) == (
        "Dan Cohen",
        False,
        NoteStatus.BELIEVED_ALIVE,
        HEARSAY.text,
    )
    assert all(n.author_name != REGISTRAR_AUTHOR for n in out.notes)


def test_a_later_note_on_its_own_is_recorded_and_the_newest_status_is_the_record_s() -> None:
    log = _imported(PfifDocument(persons=(PERSON,)))
    plan = import_commands(PfifDocument(notes=(LATER,)), log.state, now=log.now)
    [cmd] = plan.commands
    assert isinstance(cmd, AddPersonNote)
    assert cmd.report_id == report_id_for(command_id_for(NOA))
    assert plan.skipped == ()
    log.run(REGISTRAR, cmd)
    [out] = export_pfif(log.state, domain="magen.example.org").persons
    latest = max(out.notes, key=lambda n: n.source_date)
    assert (latest.note_record_id, latest.status) == (
        LATER.note_record_id,
        NoteStatus.BELIEVED_MISSING,
    )


def test_nothing_is_left_out_without_its_record_id_and_a_reason() -> None:
    log = _imported(PfifDocument(persons=(PERSON,)))
    expired = PfifPerson(
        f"{PF}/person.9",
        T0,
        "Gone Person",
        expiry_date=T0,
        notes=(PfifNote(f"{PF}/note.9", "x", T0, "seen", person_record_id=f"{PF}/person.9"),),
    )
    again = PfifDocument(persons=(PERSON, expired), notes=(LATER,))
    plan = import_commands(again, log.state, now=log.now)
    assert [type(c).__name__ for c in plan.commands] == ["AddPersonNote"]  # note.3 only
    assert plan.skipped == (
        (NOA, "already imported"),
        (f"{PF}/person.9", "expired"),
        (f"{PF}/note.1", "already imported"),
        (f"{PF}/note.2", "already imported"),
        (f"{PF}/note.9", f"its person {PF}/person.9 was skipped"),
    )


def _legacy_survivor() -> Log:
    """A person an earlier Magen imported as a survivor (its notes were not kept)."""
    log = Log()
    log.run(
        REGISTRAR,
        CheckInSurvivor(
            command_id=command_id_for(NOA),
            name=PersonName(full_name="Noa Levi"),
            place="Hadassah Ein Kerem",
            source=Provenance(record_id=NOA, source_date=T0, source_name="Google Person Finder"),
        ),
    )
    return log


def test_a_survivor_record_from_an_earlier_import_never_exports_a_registrar_s_note() -> None:
    log = _legacy_survivor()
    data = dumps(export_pfif(log.state, domain="magen.example.org"))
    [out] = parse(data).persons
    assert out.person_record_id == NOA
    assert out.notes == ()
    assert REGISTRAR_AUTHOR.encode() not in data
    assert b"author_made_contact" not in data


def test_a_note_on_a_survivor_record_from_an_earlier_import_is_listed_as_skipped() -> None:
    log = _legacy_survivor()
    plan = import_commands(PfifDocument(notes=(LATER,)), log.state, now=T0 + timedelta(hours=3))
    assert plan.commands == ()
    [(record, reason)] = plan.skipped
    assert record == LATER.note_record_id
    assert "survivor check-in here" in reason


def test_a_desk_check_in_still_exports_its_own_note() -> None:
    log = Log()
    log.run(
        ADMIN,
        CheckInSurvivor(
            command_id=uuid.uuid4(), name=PersonName(full_name="Ahmad"), place="Community centre"
        ),
    )
    [out] = export_pfif(log.state, domain="magen.example.org").persons
    [note] = out.notes
    assert (note.author_name, note.author_made_contact) == (REGISTRAR_AUTHOR, True)


def test_an_export_has_no_fraction_of_a_second_anywhere() -> None:
    log = Log()
    log.now = datetime(2023, 10, 7, 9, 0, 1, 289714, tzinfo=UTC)
    log.run(
        REGISTRAR,
        ReportMissingPerson(
            command_id=uuid.uuid4(),
            name=PersonName(full_name="Yosef Levi"),
            contact=Contact(name="Rivka Levi"),
        ),
    )
    data = dumps(export_pfif(log.state, domain="magen.example.org")).decode()
    times = re.findall(r"<pfif:(?:entry|source)_date>([^<]*)<", data)
    assert times
    assert times == ["2023-10-07T09:00:01Z"] * len(times)  # as Person Finder's importer takes
