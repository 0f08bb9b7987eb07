"""`pfif.dumps_writable`: one record that PFIF cannot carry is left out and named, and the
rest is written (the export once failed whole for one note with no author and no text)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from magen.people import pfif
from magen.people.pfif import PfifDocument, PfifNote, PfifPerson

AT = datetime(2023, 10, 7, 9, 0, tzinfo=UTC)


def _note(n: str, person: str | None, *, author: str = "Dan Cohen", text: str = "Seen") -> PfifNote:
    return PfifNote(
        note_record_id=f"magen.local/note.{n}",
        person_record_id=person,
        author_name=author,
        source_date=AT,
        text=text,
    )


def _person(n: int, *notes: PfifNote, name: str = "Noa Levi") -> PfifPerson:
    return PfifPerson(
        person_record_id=f"magen.local/p.{n}",
        source_date=AT,
        full_name=name,
        notes=notes,
    )


def test_dumps_refuses_the_whole_document_for_one_bad_note() -> None:
    doc = PfifDocument(persons=(_person(1, _note("1", "magen.local/p.1", author="", text="")),))
    with pytest.raises(pfif.PfifError, match="required field author_name is empty"):
        pfif.dumps(doc)


def test_a_bad_note_is_left_out_and_named_and_its_person_written() -> None:
    p1 = "magen.local/p.1"
    doc = PfifDocument(
        persons=(
            _person(1, _note("bad", p1, author="", text=" "), _note("good", p1)),
            _person(2, _note("2", "magen.local/p.2")),
        )
    )
    written = pfif.dumps_writable(doc)
    assert written.data is not None
    assert pfif.validate(written.data, canonical_order=True) == []
    assert [r for r, _ in written.left_out] == ["magen.local/note.bad"]
    [(_, why)] = written.left_out
    assert "required field author_name is empty" in why
    assert "required field text is empty" in why
    persons = pfif.parse(written.data).persons
    assert [(p.person_record_id, [n.note_record_id for n in p.notes]) for p in persons] == [
        (p1, ["magen.local/note.good"]),
        ("magen.local/p.2", ["magen.local/note.2"]),
    ]


def test_a_bad_person_is_left_out_with_its_notes_and_a_repeated_id_once() -> None:
    doc = PfifDocument(
        persons=(
            _person(1, _note("1", "magen.local/p.1"), name=" "),
            _person(2, _note("2", "magen.local/p.2")),
            _person(2),
            _person(3, _note("2", "magen.local/p.3")),
        )
    )
    written = pfif.dumps_writable(doc)
    assert written.data is not None
    assert pfif.validate(written.data, canonical_order=True) == []
    assert [r for r, _ in written.left_out] == [
        "magen.local/p.1",
        "magen.local/note.1",
        "magen.local/p.2",
        "magen.local/note.2",
    ]
    reasons = dict(written.left_out)
    assert reasons["magen.local/note.1"] == "its person magen.local/p.1 was left out"
    assert "appears twice" in reasons["magen.local/p.2"]
    assert "appears twice" in reasons["magen.local/note.2"]
    kept = [p.person_record_id for p in pfif.parse(written.data).persons]
    assert kept == ["magen.local/p.2", "magen.local/p.3"]


def test_nothing_writable_gives_no_document() -> None:
    written = pfif.dumps_writable(PfifDocument(persons=(_person(1, name=""),)))
    assert written.data is None
    assert [r for r, _ in written.left_out] == ["magen.local/p.1"]
