"""Hospitals' names in Hebrew, Arabic and English in every view that names a hospital."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, ok

SZ_NAMES = {"he": "שערי צדק", "ar": "مستشفى شعاري تسيديك"}
NEAR = {"lat": BAKA["lat"] + 0.01, "lon": BAKA["lon"]}
FAR = {"lat": BAKA["lat"] + 0.03, "lon": BAKA["lon"]}
CLOSED = {"lat": BAKA["lat"] - 0.01, "lon": BAKA["lon"]}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _register(kit: Kit, hospital_id: str, name: str, where: dict[str, float], **extra: Any) -> Any:
    body = {"command_id": cid(), "hospital_id": hospital_id, "name": name, "where": where}
    return kit.post(Role.ADMIN, "/api/v1/hospitals", {**body, **extra})


def test_the_hospitals_board_and_the_recommendation_carry_the_names(kit: Kit) -> None:
    ok(_register(kit, "shaare-zedek", "Shaare Zedek", NEAR, names=SZ_NAMES))
    ok(_register(kit, "plain", "Plain Hospital", FAR))
    ok(_register(kit, "closed", "Hadassah Mount Scopus", CLOSED, names={"he": "הדסה הר הצופים"}))
    ok(
        kit.post(
            Role.ADMIN,
            "/api/v1/hospitals/closed/status",
            {"command_id": cid(), "status": {"ems_traffic": "Closed"}},
        )
    )
    board = {h["id"]: h for h in ok(kit.get(Role.MEDIC, "/api/v1/hospitals"))}
    assert board["shaare-zedek"]["name"] == "Shaare Zedek"  # still the name of record
    assert board["shaare-zedek"]["names"] == SZ_NAMES
    assert board["plain"]["names"] == {}
    assert board["closed"]["names"] == {"he": "הדסה הר הצופים"}

    rec = ok(
        kit.get(Role.MEDIC, f"/api/v1/hospitals/recommendation?lat={BAKA['lat']}&lon={BAKA['lon']}")
    )
    ranked = {d["hospital_id"]: d for d in rec["ranked"]}
    assert ranked["shaare-zedek"]["names"] == SZ_NAMES
    assert ranked["shaare-zedek"]["name"] == "Shaare Zedek"
    assert ranked["plain"]["names"] == {}
    (excluded,) = rec["excluded"]
    assert (excluded["hospital_id"], excluded["code"]) == ("closed", "closed_to_ambulances")
    assert excluded["names"] == {"he": "הדסה הר הצופים"}


def test_names_are_checked_at_the_door(kit: Kit) -> None:
    too_long = _register(kit, "long", "Long", NEAR, names={"he": "א" * 201})
    assert too_long.status_code == 400, too_long.text
    unknown = _register(kit, "fr", "French", NEAR, names={"fr": "Hôpital"})
    assert unknown.status_code == 400, unknown.text
    assert ok(kit.get(Role.MEDIC, "/api/v1/hospitals")) == []


def test_a_retry_sent_without_names_is_the_same_registration(kit: Kit) -> None:
    body = {"command_id": cid(), "hospital_id": "plain", "name": "Plain", "where": NEAR}
    first = kit.post(Role.ADMIN, "/api/v1/hospitals", body)
    again = kit.post(Role.ADMIN, "/api/v1/hospitals", body)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json()["replayed"] is True
    # The same id with names is other content: refused, not taken as the retry.
    other = kit.post(Role.ADMIN, "/api/v1/hospitals", {**body, "names": {"he": "רגיל"}})
    assert other.status_code == 409, other.text


def test_the_registry_board_names_the_hospital_in_each_language(kit: Kit) -> None:
    ok(_register(kit, "shaare-zedek", "Shaare Zedek", NEAR, names=SZ_NAMES))
    report = ok(
        kit.post(
            Role.REGISTRAR,
            "/api/v1/persons/missing",
            {
                "command_id": cid(),
                "name": {"full_name": "Miriam Katzenelson"},
                "contact": {"name": "family", "phone": "050-0000000"},
            },
        )
    )["id"]
    casualty = ok(kit.post(Role.MEDIC, "/api/v1/casualties", {"command_id": cid(), "tag": "T-1"}))[
        "id"
    ]
    ok(
        kit.post(
            Role.MEDIC,
            f"/api/v1/casualties/{casualty}/evacuate",
            {"command_id": cid(), "destination": "shaare-zedek", "vehicle": "MDA-1"},
        )
    )
    proposed = {
        "command_id": cid(),
        "report_id": report,
        "candidate_kind": "casualty",
        "candidate_id": casualty,
        "score": 0.7,
        "explanation": "age and place agree",
    }
    ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matches", proposed))
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    assert board["hospitals"] == {"shaare-zedek": "Shaare Zedek"}
    assert board["hospital_names"] == {"shaare-zedek": SZ_NAMES}
