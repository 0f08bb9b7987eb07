"""The hospitals a responder with no GPS fix can still send a casualty to (audit 7).

GET /hospitals/destinations lists every hospital unranked, by name of record, each with what
its status says (never reported, in lockdown); those its status rules out are apart with why
and what the hospital wrote. Read by those who read the recommendation: responders (who
drive the wounded in their own cars) and the medical roles, not residents.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, ok

PATH = "/api/v1/hospitals/destinations"


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _register(kit: Kit, hospital_id: str, name: str, **extra: Any) -> None:
    body = {"command_id": cid(), "hospital_id": hospital_id, "name": name, "where": BAKA}
    ok(kit.post(Role.ADMIN, "/api/v1/hospitals", {**body, **extra}))


def _status(kit: Kit, hospital_id: str, status: dict[str, Any]) -> None:
    path = f"/api/v1/hospitals/{hospital_id}/status"
    ok(kit.post(Role.ADMIN, path, {"command_id": cid(), "status": status}))


def test_every_hospital_by_name_with_its_status_and_those_ruled_out_apart(kit: Kit) -> None:
    _register(kit, "zion", "Zion Gate", names={"he": "שער ציון"})
    _register(kit, "alef", "Alef Hospital")
    _register(kit, "shut", "Shut Hospital")
    _register(kit, "moriah", "Moriah")
    _status(kit, "zion", {"ems_traffic": "Normal", "security": "Lockdown"})
    _status(kit, "shut", {"ems_traffic": "Closed", "ems_traffic_reason": "gate blocked"})
    _status(kit, "moriah", {"ems_traffic": "Normal"})

    got = ok(kit.get(Role.RESPONDER, PATH))
    assert [h["hospital_id"] for h in got["hospitals"]] == ["alef", "moriah", "zion"]
    offered = {h["hospital_id"]: h for h in got["hospitals"]}
    assert offered["alef"]["reason_facts"] == [{"code": "no_status"}]
    assert offered["moriah"]["reason_facts"] == []
    assert offered["zion"]["reason_facts"] == [{"code": "lockdown"}]
    assert offered["zion"]["reasons"] == ["in lockdown"]
    assert offered["zion"]["names"] == {"he": "שער ציון"}
    assert got["excluded"] == [
        {
            "hospital_id": "shut",
            "name": "Shut Hospital",
            "names": {},
            "reason": "closed to ambulances: gate blocked",
            "code": "closed_to_ambulances",
            "note": "gate blocked",
        }
    ]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.RESPONDER, True),
        (Role.MEDIC, True),
        (Role.HOSPITAL, True),
        (Role.DISPATCHER, True),
        (Role.RESIDENT, False),
        (Role.ANONYMOUS, False),
    ],
)
def test_read_by_those_who_read_the_recommendation(kit: Kit, role: Role, allowed: bool) -> None:
    r = kit.get(role, PATH)
    assert (r.status_code == 200) is allowed, (role, r.status_code, r.text)
    q = kit.get(role, f"/api/v1/hospitals/recommendation?lat={BAKA['lat']}&lon={BAKA['lon']}")
    assert (q.status_code == 200) is allowed, (role, q.status_code)
