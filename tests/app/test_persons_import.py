"""The PFIF import use case without HTTP: record by record, each record left out named."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from magen.app.persons_import import PersonsImported, import_pfif
from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain.base import Actor
from magen.domain.errors import Forbidden
from magen.domain.persons import Persons
from magen.domain.values import Role
from magen.people import pfif
from magen.store.memory import MemoryEventLog

NOW = datetime(2023, 10, 7, 9, 0, tzinfo=UTC)
REGISTRAR = Actor("acc_registrar", Role.REGISTRAR)
PF = "example.personfinder.google.org"


def _doc(body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<pfif:pfif xmlns:pfif="{pfif.PFIF_NS}">'
        f"{body}</pfif:pfif>"
    ).encode()


def _person(n: int, extra: str = "", notes: str = "") -> str:
    return (
        f"<pfif:person><pfif:person_record_id>{PF}/person.{n}</pfif:person_record_id>"
        "<pfif:source_date>2023-10-07T05:00:00Z</pfif:source_date>"
        f"<pfif:full_name>Person {n}</pfif:full_name>{extra}{notes}</pfif:person>"
    )


def _note(n: str, *, when: str = "2023-10-07T05:30:00Z") -> str:
    return (
        f"<pfif:note><pfif:note_record_id>{PF}/note.{n}</pfif:note_record_id>"
        "<pfif:author_name>Dan Cohen</pfif:author_name>"
        f"<pfif:source_date>{when}</pfif:source_date>"
        "<pfif:text>Seen at the bus stop.</pfif:text></pfif:note>"
    )


class Desk:
    def __init__(self) -> None:
        self.log = MemoryEventLog()
        self.service = Service(self.log, ManualClock(NOW))
        self.service.load()
        self.reads = 0

    def send(self, document: bytes, actor: Actor = REGISTRAR) -> PersonsImported:
        async def read() -> bytes:
            self.reads += 1
            return document

        return asyncio.run(import_pfif(self.service, actor, read))

    def names(self) -> list[str]:
        persons = self.service.state.slice(Persons)
        return sorted(r.name.full_name or "" for r in persons.missing.values())


def test_each_record_is_imported_or_named_with_why() -> None:
    desk = Desk()
    data = _doc(
        _person(1, notes=_note("1a"))
        + _person(2, "<pfif:date_of_birth>2027-03-01</pfif:date_of_birth>", _note("2a"))
        + _person(3, "<pfif:expiry_date>2023-10-07T08:00:00Z</pfif:expiry_date>")
        + _person(4, notes=_note("4a", when="2031-11-25T09:00:00Z"))
    )
    done = desk.send(data)
    why = dict(done.skipped)
    assert set(why) == {f"{PF}/person.2", f"{PF}/note.2a", f"{PF}/person.3", f"{PF}/note.4a"}
    assert why[f"{PF}/person.2"].startswith("refused: the date of birth 2027-03-01")
    assert why[f"{PF}/note.2a"] == f"its person {PF}/person.2 was refused"
    assert why[f"{PF}/person.3"] == "expired"  # expired by the service's clock, not the wall's
    assert why[f"{PF}/note.4a"].startswith("refused: ")
    assert "in the future" in why[f"{PF}/note.4a"]
    assert done.imported == 3  # persons 1 and 4, note 1a
    assert len(done.positions) == 3
    assert desk.log.head() == 3
    assert desk.names() == ["Person 1", "Person 4"]

    again = desk.send(data)  # what is in is named as in, and nothing is appended
    assert again.imported == 0
    assert again.positions == []
    assert dict(again.skipped)[f"{PF}/person.1"] == pfif.ALREADY_IMPORTED
    assert dict(again.skipped)[f"{PF}/note.1a"] == pfif.ALREADY_IMPORTED
    assert desk.log.head() == 3


def test_a_role_that_may_not_see_the_registry_is_refused_before_its_upload_is_read() -> None:
    desk = Desk()
    with pytest.raises(Forbidden, match="resident role may not read the persons registry"):
        desk.send(_doc(_person(1)), Actor("acc_resident", Role.RESIDENT))
    assert desk.reads == 0
    assert desk.log.head() == 0


def test_a_role_that_may_not_file_reports_is_refused_before_anything_is_in() -> None:
    desk = Desk()  # an analyst reads everything and files nothing
    with pytest.raises(Forbidden, match="analyst role may not ReportMissingPerson"):
        desk.send(_doc(_person(1) + _person(2)), Actor("acc_analyst", Role.ANALYST))
    assert desk.log.head() == 0


def test_a_document_that_breaks_pfif_is_refused_whole() -> None:
    desk = Desk()
    broken = _doc(_person(1) + "<pfif:person><pfif:full_name>No id</pfif:full_name></pfif:person>")
    with pytest.raises(pfif.PfifError):
        desk.send(broken)
    assert desk.reads == 1
    assert desk.log.head() == 0
