"""Casualties, hospitals and reunification through the API, as each role would use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, ok

SCHEMAS = Path(__file__).resolve().parents[2] / "src/magen/standards/edxl-have-1.0"
RED = {"walks": False, "breathes": True, "respiratory_rate": 36}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _hospitals(kit: Kit) -> None:
    ok(
        kit.post(
            Role.ADMIN,
            "/api/v1/hospitals",
            {
                "command_id": cid(),
                "hospital_id": "shaare-zedek",
                "name": "Shaare Zedek",
                "where": {"lat": 31.7737, "lon": 35.1817},
                "account_id": kit.accounts[Role.HOSPITAL],
                "trauma_centre": True,
            },
        )
    )
    ok(
        kit.post(
            Role.ADMIN,
            "/api/v1/hospitals",
            {
                "command_id": cid(),
                "hospital_id": "hadassah-ek",
                "name": "Hadassah Ein Kerem",
                "where": {"lat": 31.7648, "lon": 35.1477},
            },
        )
    )


def _casualty(kit: Kit, tag: str, answers: dict[str, Any] = RED) -> str:
    body = {"command_id": cid(), "tag": tag, "where": BAKA, "protocol": "start", "answers": answers}
    return str(ok(kit.post(Role.MEDIC, "/api/v1/casualties", body))["id"])


def test_medic_records_and_triages_and_the_hospital_sees_only_its_own(kit: Kit) -> None:
    _hospitals(kit)
    first = _casualty(kit, "T-001")
    second = _casualty(kit, "T-002", {"walks": True})
    board = {c["id"]: c for c in _ok_list(kit.get(Role.MEDIC, "/api/v1/casualties"))}
    assert board[first]["category"] == "immediate"
    assert board[second]["category"] == "minor"
    assert kit.get(Role.HOSPITAL, "/api/v1/casualties").json() == []

    ride = {"command_id": cid(), "vehicle": "MDA 12", "destination": "shaare-zedek"}
    ok(kit.post(Role.MEDIC, f"/api/v1/casualties/{first}/evacuate", ride))
    ride = {"command_id": cid(), "vehicle": "MDA 14", "destination": "hadassah-ek"}
    ok(kit.post(Role.MEDIC, f"/api/v1/casualties/{second}/evacuate", ride))
    seen = [c["id"] for c in kit.get(Role.HOSPITAL, "/api/v1/casualties").json()]
    assert seen == [first]
    hospitals = {h["id"]: h for h in _ok_list(kit.get(Role.DISPATCHER, "/api/v1/hospitals"))}
    assert hospitals["shaare-zedek"]["incoming"] == 1

    # The hospital records the arrival at its own hospital, and may not at another.
    arrival = {"command_id": cid(), "hospital_id": "shaare-zedek"}
    ok(kit.post(Role.HOSPITAL, f"/api/v1/casualties/{first}/arrival", arrival))
    other = {"command_id": cid(), "hospital_id": "hadassah-ek"}
    assert kit.post(Role.HOSPITAL, f"/api/v1/casualties/{second}/arrival", other).status_code == 403
    # The hospital's desk reads the ride and the ward from the board.
    ok(
        kit.post(
            Role.HOSPITAL,
            f"/api/v1/casualties/{first}/admit",
            {"command_id": cid(), "ward": "OperatingRooms"},
        )
    )
    mine = kit.get(Role.HOSPITAL, "/api/v1/casualties").json()[0]
    assert (mine["vehicle"], mine["ward"], mine["status"]) == (
        "MDA 12",
        "OperatingRooms",
        "admitted",
    )
    assert mine["admitted_at"] is not None


def _ok_list(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return list(response.json())


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.RESIDENT, False),
        (Role.ANONYMOUS, False),
        (Role.RESPONDER, False),
        (Role.ANALYST, True),
        (Role.MEDIC, True),
        (Role.HOSPITAL, True),
        (Role.REGISTRAR, True),
        (Role.DISPATCHER, True),
    ],
)
def test_casualty_board_is_for_medical_roles_only(kit: Kit, role: Role, allowed: bool) -> None:
    _hospitals(kit)
    code = kit.get(role, "/api/v1/casualties").status_code
    assert (code == 200) is allowed, code


def test_only_medics_and_registrars_record_a_death(kit: Kit) -> None:
    victim = _casualty(
        kit, "T-009", {"walks": False, "breathes": False, "breathes_after_airway": False}
    )
    for role in (Role.RESPONDER, Role.DISPATCHER, Role.HOSPITAL, Role.RESIDENT):
        r = kit.post(role, f"/api/v1/casualties/{victim}/death", {"command_id": cid()})
        assert r.status_code == 403, (role, r.text)
    ok(kit.post(Role.MEDIC, f"/api/v1/casualties/{victim}/death", {"command_id": cid()}))


def test_triage_step_guides_the_questions(kit: Kit) -> None:
    step = ok(kit.post(Role.RESPONDER, "/api/v1/triage/step", {"protocol": "start", "answers": {}}))
    assert step["done"] is False
    assert step["question"]["id"] == "walks"
    assert step["question"]["text"]["he"]
    done = ok(
        kit.post(Role.RESPONDER, "/api/v1/triage/step", {"protocol": "start", "answers": RED})
    )
    assert done["category"] == "immediate"
    bad = kit.post(
        Role.RESPONDER, "/api/v1/triage/step", {"protocol": "start", "answers": {"walks": "maybe"}}
    )
    assert bad.status_code == 422
    assert kit.post(Role.RESIDENT, "/api/v1/triage/step", {"answers": {}}).status_code == 403


def test_family_sees_its_own_report_and_only_the_released_outcome(kit: Kit) -> None:
    report = ok(
        kit.post(
            Role.RESIDENT,
            "/api/v1/persons/missing",
            {
                "command_id": cid(),
                "name": {"full_name": "נועה כהן", "alternates": ["Noa Cohen"]},
                "age": {"min_years": 24, "max_years": 24},
                "description": {"sex": "female", "hair": "long black"},
                "last_seen_place": "Derech Beit Lechem",
            },
        )
    )["id"]
    ok(
        kit.post(
            Role.REGISTRAR,
            "/api/v1/persons/survivors",
            {
                "command_id": cid(),
                "name": {"full_name": "Noa Kohen"},
                "age": {"min_years": 23, "max_years": 25},
                "description": {"sex": "female"},
                "place": "Shelter 694",
            },
        )
    )
    # Another family sees nothing of it.
    assert kit.get(Role.MEDIC, "/api/v1/persons/board").status_code == 403
    ran = ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matching/run", {}))
    assert ran["proposed"] == 1, ran
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    match = board["matches"][0]
    assert match["report_id"] == report

    before = ok(kit.get(Role.RESIDENT, "/api/v1/persons/family"))
    assert [r["report_id"] for r in before["reports"]] == [report]
    assert "Shelter" not in str(before)  # nothing of the candidate before the registrar acts

    ok(
        kit.post(
            Role.REGISTRAR,
            f"/api/v1/persons/matches/{match['match_id']}/confirm",
            {"command_id": cid(), "release": "Noa is safe and will call you."},
        )
    )
    ok(
        kit.post(
            Role.REGISTRAR,
            f"/api/v1/persons/missing/{report}/notified",
            {"command_id": cid(), "match_id": match["match_id"]},
        )
    )
    after = ok(kit.get(Role.RESIDENT, "/api/v1/persons/family"))
    assert "Noa is safe" in str(after)
    assert kit.get(Role.ANONYMOUS, "/api/v1/persons/family").status_code == 403
    # Only a registrar confirms matches.
    r = kit.post(
        Role.RESIDENT, f"/api/v1/persons/matches/{match['match_id']}/reject", {"command_id": cid()}
    )
    assert r.status_code == 403


def test_pfif_round_trip_through_the_api(kit: Kit) -> None:
    ok(
        kit.post(
            Role.REGISTRAR,
            "/api/v1/persons/missing",
            {
                "command_id": cid(),
                "name": {"full_name": "Yosef Levi"},
                "age": {"min_years": 70, "max_years": 70},
                "contact": {"name": "Rivka Levi", "relation": "daughter", "phone": "050-0000000"},
            },
        )
    )
    exported = kit.get(Role.REGISTRAR, "/api/v1/pfif/export?domain=magen.example")
    assert exported.status_code == 200
    assert b"http://zesty.ca/pfif/1.4" in exported.content
    with api_kit() as other:
        headers = {**other.auth(Role.REGISTRAR), "Content-Type": "application/xml"}
        first = other.client.post("/api/v1/pfif/import", content=exported.content, headers=headers)
        assert first.json()["imported"] == 1, first.text
        head = other.log.head()
        again = other.client.post("/api/v1/pfif/import", content=exported.content, headers=headers)
        assert again.status_code == 200
        assert other.log.head() == head
        found = ok(other.get(Role.REGISTRAR, "/api/v1/persons/search?q=yosef"))
        assert [r["name"]["full_name"] for r in found["reports"]] == ["Yosef Levi"]


HOSTILE = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;">]><pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">&b;</pfif:pfif>',
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4">&e;</pfif:pfif>',
    "malformed": b"<pfif:pfif xmlns:pfif='http://zesty.ca/pfif/1.4'><pfif:person>",
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_documents_are_refused_and_change_nothing(kit: Kit, case: str) -> None:
    head = kit.log.head()
    headers = {**kit.auth(Role.REGISTRAR), "Content-Type": "application/xml"}
    for path in ("/api/v1/pfif/import", "/api/v1/hospitals/edxl-have"):
        if path.endswith("edxl-have"):
            headers = {**kit.auth(Role.DISPATCHER), "Content-Type": "application/xml"}
        r = kit.client.post(path, content=HOSTILE[case], headers=headers)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["reason"]
    assert kit.log.head() == head


def test_edxl_have_export_validates_against_the_schema(kit: Kit) -> None:
    _hospitals(kit)
    status = {
        "command_id": cid(),
        "status": {
            "ems_traffic": "Normal",
            "census": {"red": 2, "yellow": 1},
            "beds": [{"bed_type": "AdultICU", "available": 3}],
        },
    }
    r = kit.post(Role.HOSPITAL, "/api/v1/hospitals/shaare-zedek/status", status)
    assert r.status_code == 201, r.text
    exported = kit.get(Role.DISPATCHER, "/api/v1/hospitals/edxl-have")
    assert exported.status_code == 200
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "edxl-have.xsd")))
    doc = etree.fromstring(exported.content)
    assert schema.validate(doc), schema.error_log
    assert b"AdultICU" in exported.content


def test_the_board_carries_who_a_casualty_was_identified_as_and_how(kit: Kit) -> None:
    victim = _casualty(kit, "T-IDN")
    body = {
        "command_id": cid(),
        "status": "identified",
        "name": {"full_name": "Dana Levi"},
        "identified_by": "Forensic team 2",
        "method": "dental",
    }
    ok(kit.post(Role.REGISTRAR, f"/api/v1/casualties/{victim}/identify", body))
    board = {c["id"]: c for c in _ok_list(kit.get(Role.REGISTRAR, "/api/v1/casualties"))}
    seen = board[victim]
    assert seen["identification"] == "identified"
    assert seen["identified_name"]["full_name"] == "Dana Levi"
    assert (seen["identified_by"], seen["identification_method"]) == ("Forensic team 2", "dental")
