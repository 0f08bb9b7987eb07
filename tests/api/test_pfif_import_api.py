"""POST /pfif/import (and /hospitals/edxl-have) as a feed bridge meets them.

From an integrator's audit: a refused third record left the first two imported and the answer
did not name it; a 96 KB Person Finder feed was refused by the 64 KiB body limit meant for
commands, although the parsers take megabytes; a believed_alive record came back out with a
registrar's note that had never been written.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest

from magen.api.routes.people import MAX_HAVE_BYTES, have_import, pfif_import
from magen.domain.values import Role
from magen.interop.edxl_have import import_have
from magen.people import pfif
from support.apikit import Kit, api_kit, cid, ok

PF = "example.personfinder.google.org"
XML = {"Content-Type": "application/xml"}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


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


def _note(n: str, *, when: str = "2023-10-07T05:30:00Z", extra: str = "") -> str:
    return (
        f"<pfif:note><pfif:note_record_id>{PF}/note.{n}</pfif:note_record_id>"
        f"{extra}<pfif:author_name>Dan Cohen</pfif:author_name>"
        f"<pfif:source_date>{when}</pfif:source_date>"
        "<pfif:text>A neighbour says she was seen being taken to hospital.</pfif:text></pfif:note>"
    )


def _import(kit: Kit, data: bytes, role: Role = Role.REGISTRAR) -> Any:
    return kit.client.post("/api/v1/pfif/import", content=data, headers={**kit.auth(role), **XML})


def _names(kit: Kit) -> list[str]:
    found = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/search"))
    return sorted(r["name"]["full_name"] for r in found["reports"])


def test_a_refused_record_is_named_and_the_others_are_imported(kit: Kit) -> None:
    # pf3.xml of the audit: the second person was born after the day; the third's note is
    # dated in the future. The first was appended, then 422 without naming the record.
    data = _doc(
        _person(5001)
        + _person(5002, "<pfif:date_of_birth>2027-03-01</pfif:date_of_birth>", _note("5002a"))
        + _person(5003, notes=_note("5003", when="2031-11-25T09:00:00Z"))
        + _person(5004, notes=_note("5004"))
    )
    answer = ok(_import(kit, data))
    skipped = {s["record_id"]: s["reason"] for s in answer["skipped"]}
    assert set(skipped) == {f"{PF}/person.5002", f"{PF}/note.5002a", f"{PF}/note.5003"}
    assert skipped[f"{PF}/person.5002"].startswith("refused: the date of birth 2027-03-01")
    assert skipped[f"{PF}/note.5002a"] == f"its person {PF}/person.5002 was refused"
    assert "in the future" in skipped[f"{PF}/note.5003"]
    assert answer["imported"] == 4  # persons 5001, 5003, 5004 and note 5004
    assert len(answer["positions"]) == 4
    assert _names(kit) == ["Person 5001", "Person 5003", "Person 5004"]

    # Fixed and sent again, only what was missing goes in; the rest is named as in already.
    fixed = data.replace(b"2027-03-01", b"1997-03-01").replace(b"2031-11-25T09", b"2023-10-07T05")
    again = ok(_import(kit, fixed))
    assert again["imported"] == 3
    reasons = {s["record_id"]: s["reason"] for s in again["skipped"]}
    assert reasons[f"{PF}/person.5001"] == "already imported"
    assert len(reasons) == 4
    assert _names(kit) == ["Person 5001", "Person 5002", "Person 5003", "Person 5004"]


def test_a_role_that_may_not_file_reports_is_refused_before_anything_is_in(kit: Kit) -> None:
    head = kit.log.head()
    r = _import(kit, _doc(_person(1) + _person(2)), Role.ANALYST)
    assert r.status_code == 403, r.text
    assert kit.log.head() == head


def test_a_feed_larger_than_the_command_limit_imports(kit: Kit) -> None:
    # pbig.xml of the audit: 60 persons with 2 notes each, 96 KB, was a 413 (64 KiB).
    long = (
        "<pfif:description>"
        + "Wearing a blue coat and grey trousers. " * 20
        + "</pfif:description>"
    )
    body = "".join(
        _person(n, long, _note(f"{n}a") + _note(f"{n}b", when="2023-10-07T06:00:00Z"))
        for n in range(60)
    )
    data = _doc(body)
    assert len(data) > 96_000
    answer = ok(_import(kit, data))
    assert (answer["imported"], answer["skipped"]) == (180, [])


def test_each_import_route_takes_what_its_parser_takes() -> None:
    assert pfif_import.request_max_body_size == pfif.MAX_PFIF_BYTES
    assert inspect.signature(pfif.parse).parameters["max_bytes"].default == pfif.MAX_PFIF_BYTES
    assert have_import.request_max_body_size == MAX_HAVE_BYTES
    assert inspect.signature(import_have).parameters["max_bytes"].default == MAX_HAVE_BYTES


def _have_document(kit: Kit) -> str:
    r = kit.post(
        Role.ADMIN,
        "/api/v1/hospitals",
        {"command_id": cid(), "hospital_id": "south", "name": "South", "where": _SOUTH},
    )
    assert r.status_code == 201, r.text
    status = {"ems_traffic": "Advisory", "ems_traffic_reason": "mass casualty incident"}
    r = kit.post(
        Role.DISPATCHER, "/api/v1/hospitals/south/status", {"command_id": cid(), "status": status}
    )
    assert r.status_code == 201, r.text
    return str(kit.get(Role.DISPATCHER, "/api/v1/hospitals/edxl-have").text)


_SOUTH = {"lat": 31.7510, "lon": 35.2080}


def test_an_edxl_have_document_of_many_hospitals_is_taken_past_the_command_limit(
    kit: Kit,
) -> None:
    document = _have_document(kit)
    start = document.index("<Hospital>")
    one = document[start : document.index("</Hospital>") + len("</Hospital>")]
    others = "".join(  # hospitals this server does not know, by id and by name
        one.replace('"south"', f'"other-{n}"').replace(">South<", f">Other {n}<")
        for n in range(150)
    )
    big = document.replace("</HospitalStatus>", others + "</HospitalStatus>").encode()
    assert len(big) > 64 * 1024
    r = kit.client.post(
        "/api/v1/hospitals/edxl-have", content=big, headers={**kit.auth(Role.DISPATCHER), **XML}
    )
    answer = ok(r)
    assert len(answer["unknown"]) == 150
    too_big = kit.client.post(
        "/api/v1/hospitals/edxl-have",
        content=b" " * (MAX_HAVE_BYTES + 1),
        headers={**kit.auth(Role.DISPATCHER), **XML},
    )
    assert too_big.status_code == 413, too_big.text


def test_a_person_finder_record_goes_out_as_it_came_in_with_a_later_note(kit: Kit) -> None:
    # pf1.xml then pf2.xml of the audit.
    hearsay = _note(
        "2",
        when="2023-10-07T06:05:00Z",
        extra=f"<pfif:person_record_id>{PF}/person.4040</pfif:person_record_id>",
    ).replace(
        "<pfif:text>",
        "<pfif:author_made_contact>false</pfif:author_made_contact>"
        "<pfif:status>believed_alive</pfif:status>"
        "<pfif:last_known_location>Hadassah Ein Kerem</pfif:last_known_location><pfif:text>",
    )
    first = ok(
        _import(
            kit,
            _doc(_person(4040, "<pfif:author_name>Miriam Levi</pfif:author_name>", hearsay)),
        )
    )
    assert (first["imported"], first["skipped"]) == (2, [])
    later = (
        f"<pfif:note><pfif:note_record_id>{PF}/note.3</pfif:note_record_id>"
        f"<pfif:person_record_id>{PF}/person.4040</pfif:person_record_id>"
        "<pfif:author_name>Hadassah desk</pfif:author_name>"
        "<pfif:source_date>2023-10-07T06:20:00Z</pfif:source_date>"
        "<pfif:status>believed_missing</pfif:status>"
        "<pfif:text>Not among our patients.</pfif:text></pfif:note>"
    )
    second = ok(_import(kit, _doc(later)))
    assert (second["imported"], second["skipped"]) == (1, [])  # was 0 and [] (dropped)

    exported = kit.get(Role.REGISTRAR, "/api/v1/pfif/export")
    assert exported.status_code == 200
    [person] = pfif.parse(exported.content).persons
    assert person.author_name == "Miriam Levi"
    assert [(n.note_record_id, n.author_name, n.author_made_contact) for n in person.notes] == [
        (f"{PF}/note.2", "Dan Cohen", False),
        (f"{PF}/note.3", "Hadassah desk", None),
    ]
    assert pfif.REGISTRAR_AUTHOR.encode() not in exported.content
    times = re.findall(rb"<pfif:(?:entry|source)_date>([^<]*)<", exported.content)
    assert times
    assert all(re.fullmatch(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t) for t in times)
