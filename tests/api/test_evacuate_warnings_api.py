"""An evacuation to a hospital closed to ambulances or in lockdown is recorded, with a warning."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, ok

RED = {"walks": False, "breathes": True, "respiratory_rate": 36}
WHERE = {"lat": 31.7737, "lon": 35.1817}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        for hospital_id, name in (("sz", "Shaare Zedek"), ("had", "Hadassah")):
            body = {"hospital_id": hospital_id, "name": name, "where": WHERE}
            ok(kit_post(k, Role.ADMIN, "/api/v1/hospitals", body))
        yield k


def kit_post(kit: Kit, role: Role, path: str, body: dict[str, Any]) -> Any:
    return kit.post(role, path, {"command_id": cid(), **body})


def _casualty(kit: Kit, tag: str) -> str:
    body = {"tag": tag, "where": BAKA, "protocol": "start", "answers": RED}
    return str(ok(kit_post(kit, Role.MEDIC, "/api/v1/casualties", body))["id"])


def _status(kit: Kit, hospital_id: str, **status: Any) -> None:
    path = f"/api/v1/hospitals/{hospital_id}/status"
    ok(kit_post(kit, Role.ADMIN, path, {"status": status}))


def _evacuate(kit: Kit, casualty_id: str, hospital_id: str) -> Any:
    path = f"/api/v1/casualties/{casualty_id}/evacuate"
    r = kit_post(kit, Role.MEDIC, path, {"destination": hospital_id, "vehicle": "A-12"})
    assert r.status_code == 201, r.text
    return r.json()


def test_an_open_hospital_gives_no_warning(kit: Kit) -> None:
    _status(kit, "had", ems_traffic="Normal", security="Elevated")
    done = _evacuate(kit, _casualty(kit, "T-1"), "had")
    assert done["warnings"] == []
    assert done["events"][0]["type"] == "CasualtyEvacuated"


def test_closed_to_ambulances_and_lockdown_are_each_said_and_the_evacuation_stands(
    kit: Kit,
) -> None:
    reason = "Lockdown: shooter reported near gate 3"
    _status(kit, "sz", ems_traffic="Closed", ems_traffic_reason=reason, security="Lockdown")
    casualty = _casualty(kit, "T-2")
    done = _evacuate(kit, casualty, "sz")
    kinds = {w["kind"]: w for w in done["warnings"]}
    assert set(kinds) == {"closed_to_ambulances", "lockdown"}
    closed = kinds["closed_to_ambulances"]
    assert closed["hospital_id"] == "sz"
    assert closed["reason"] == reason
    assert "Shaare Zedek is closed to ambulances" in closed["message"]
    assert reason in closed["message"]
    assert "lockdown" in kinds["lockdown"]["message"]
    assert closed["reported_at"] is not None
    # Recorded all the same: the casualty is on its way there.
    board = ok(kit.get(Role.MEDIC, "/api/v1/casualties?status=evacuated&view=summary"))
    assert [(c["id"], c["destination"]) for c in board] == [(casualty, "sz")]
    hospitals = {h["id"]: h for h in ok(kit.get(Role.MEDIC, "/api/v1/hospitals"))}
    assert hospitals["sz"]["incoming"] == 1


def test_a_lockdown_alone_warns_and_reopening_ends_the_warning(kit: Kit) -> None:
    _status(kit, "sz", security="Lockdown")
    warned = _evacuate(kit, _casualty(kit, "T-3"), "sz")["warnings"]
    assert [w["kind"] for w in warned] == ["lockdown"]
    assert warned[0]["reason"] == ""
    _status(kit, "sz", security="Normal", facility="Evacuating")
    warned = _evacuate(kit, _casualty(kit, "T-4"), "sz")["warnings"]
    assert [w["kind"] for w in warned] == ["facility_evacuating"]
