"""An export sent back to the same Magen adds nothing; a Person Finder note on one of its
records joins that record (from an as-user audit: the round trip made 41 copies)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from magen.domain.values import Role
from magen.people import pfif
from support.apikit import Kit, api_kit, cid, ok

XML = {"Content-Type": "application/xml"}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _import(kit: Kit, data: bytes) -> dict[str, object]:
    r = kit.client.post(
        "/api/v1/pfif/import", content=data, headers={**kit.auth(Role.REGISTRAR), **XML}
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_export_then_import_the_same_bytes_adds_nothing(kit: Kit) -> None:
    report = ok(
        kit.post(
            Role.REGISTRAR,
            "/api/v1/persons/missing",
            {
                "command_id": cid(),
                "name": {"full_name": "Yosef Levi"},
                "contact": {"name": "Rivka Levi", "relation": "daughter", "phone": "050-0000000"},
                "description": {"hair": "white, short", "clothing": "blue coat"},
            },
        )
    )["id"]
    ok(
        kit.post(
            Role.REGISTRAR,
            "/api/v1/persons/survivors",
            {"command_id": cid(), "name": {"full_name": "Noa Kohen"}, "place": "Shelter 694"},
        )
    )
    exported = kit.get(Role.REGISTRAR, "/api/v1/pfif/export")
    assert exported.status_code == 200, exported.text
    done = _import(kit, exported.content)
    assert done["imported"] == 0
    skipped = done["skipped"]
    assert isinstance(skipped, list)
    assert {s["reason"] for s in skipped} == {pfif.ALREADY_HERE}
    assert f"{pfif.DEFAULT_DOMAIN}/{report}" in {s["record_id"] for s in skipped}
    counts = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))["counts"]
    assert (counts["reports"]["all"], counts["survivors"]) == (1, 1)

    note = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<pfif:pfif xmlns:pfif="{pfif.PFIF_NS}">'
        "<pfif:note><pfif:note_record_id>example.personfinder.google.org/note.5"
        "</pfif:note_record_id>"
        f"<pfif:person_record_id>{pfif.DEFAULT_DOMAIN}/{report}</pfif:person_record_id>"
        "<pfif:author_name>Dan Cohen</pfif:author_name>"
        "<pfif:source_date>2023-10-07T05:30:00Z</pfif:source_date>"
        "<pfif:text>Seen at the bus station.</pfif:text></pfif:note></pfif:pfif>"
    ).encode()
    assert _import(kit, note)["imported"] == 1
    held = ok(kit.get(Role.REGISTRAR, f"/api/v1/persons/missing/{report}"))
    assert "Seen at the bus station." in str(held)
    # and once more, the note itself is not doubled
    again = _import(kit, kit.get(Role.REGISTRAR, "/api/v1/pfif/export").content)
    assert again["imported"] == 0


def test_an_export_under_another_domain_is_recognised_when_imported_under_it(kit: Kit) -> None:
    ok(
        kit.post(
            Role.REGISTRAR,
            "/api/v1/persons/missing",
            {
                "command_id": cid(),
                "name": {"full_name": "Dvora Amsalem"},
                "contact": {"name": "Eli Amsalem", "relation": "son"},
            },
        )
    )
    exported = kit.get(Role.REGISTRAR, "/api/v1/pfif/export?domain=magen.jerusalem.example")
    assert exported.status_code == 200, exported.text
    headers = {**kit.auth(Role.REGISTRAR), **XML}
    path = "/api/v1/pfif/import?domain=magen.jerusalem.example"
    done = kit.client.post(path, content=exported.content, headers=headers).json()
    assert done["imported"] == 0
    bad = kit.client.post(
        "/api/v1/pfif/import?domain=Not A Domain", content=exported.content, headers=headers
    )
    assert bad.status_code == 422
    assert "lowercase domain name" in bad.json()["reason"]
    counts = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))["counts"]
    assert counts["reports"]["all"] == 1
