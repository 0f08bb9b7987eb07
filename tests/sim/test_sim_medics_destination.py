"""The simulated medics take the wounded where the server recommends, as a medic's phone does:
never to a hospital closed to ambulances or in lockdown, however near."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import urlencode

import numpy as np
import pytest

from magen.domain.values import Role
from magen.sim.agents import Hospitals, Medics
from magen.sim.client import Who
from magen.sim.scenario import Transport
from magen.sim.world import Casualty
from support.apikit import Kit, baka_kit, cid, ok

SCENE = (35.2139, 31.7652)  # lon, lat
CLOSED = "h-sim-closed"  # nearest, closed to ambulances
LOCKED = "h-sim-locked"  # near, in lockdown (ranked first by the server all the same)
OPEN = "h-sim-open"  # farther, open
WHERE = {
    CLOSED: {"lat": 31.7648, "lon": 35.2142},
    LOCKED: {"lat": 31.7630, "lon": 35.2160},
    OPEN: {"lat": 31.7737, "lon": 35.1817},
}
T0 = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)


@pytest.fixture
def kit() -> Iterator[Kit]:
    with baka_kit() as k:
        for hospital_id, where in WHERE.items():
            body = {"command_id": cid(), "hospital_id": hospital_id, "name": hospital_id,
                    "where": where, "trauma_centre": True}  # fmt: skip
            ok(k.post(Role.ADMIN, "/api/v1/hospitals", body))
        yield k


def _status(kit: Kit, hospital_id: str, **status: str) -> None:
    body = {"command_id": cid(), "status": status}
    ok(kit.post(Role.ADMIN, f"/api/v1/hospitals/{hospital_id}/status", body))


class _Api:
    """The sim's client, over the test app: questions answered by Magen, commands kept."""

    def __init__(self, kit: Kit) -> None:
        self.kit = kit
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def get(self, path: str, who: Who, **params: Any) -> Any:
        r = self.kit.get(Role.MEDIC, f"{path}?{urlencode(params)}")
        return r.json() if r.status_code == 200 else None

    async def command(self, path: str, who: Who, body: dict[str, Any]) -> dict[str, Any]:
        self.sent.append((path, body))
        return {}


def _treat(kit: Kit) -> tuple[Casualty, list[tuple[str, dict[str, Any]]]]:
    """One medic treats one wounded casualty at the scene; the commands the ride sends."""
    api = _Api(kit)
    planned: list[tuple[float, Any]] = []
    xy = {CLOSED: (30.0, -40.0), LOCKED: (200.0, -250.0), OPEN: (-3000.0, 950.0)}
    sim = SimpleNamespace(
        api=api,
        scenario=SimpleNamespace(transport=Transport()),
        casualty_ids={"truth-1": "cas_1"},
        agenda=SimpleNamespace(at=lambda t, action: planned.append((t, action))),
        when=lambda t: T0 + timedelta(seconds=t),
        lonlat=lambda _xy: SCENE,
    )
    hospitals = Hospitals(tuple(xy), tuple(np.array(v) for v in xy.values()))
    medics = Medics(cast("Any", sim), hospitals)
    medic = SimpleNamespace(who=Who("medic"), rng=np.random.default_rng(1), responder_id="rsp_m1")
    hurt = Casualty("truth-1", 0.0, np.zeros(2), killed=False, cause="open")

    async def run() -> None:
        await medics.treat(cast("Any", medic), [hurt], 0.0)
        for t, action in sorted(planned, key=lambda p: p[0]):
            await action(t)

    asyncio.run(run())
    return hurt, api.sent


def test_the_wounded_go_where_the_server_recommends(kit: Kit) -> None:
    for hospital_id in WHERE:
        _status(kit, hospital_id, ems_traffic="Normal")
    q = "/api/v1/hospitals/recommendation?lat=31.765200&lon=35.213900&category=immediate"
    best = ok(kit.get(Role.MEDIC, q))["ranked"][0]["hospital_id"]
    hurt, sent = _treat(kit)
    assert hurt.hospital == best
    assert [(p, b.get("destination", b.get("hospital_id"))) for p, b in sent] == [
        ("/api/v1/casualties/cas_1/evacuate", best),
        ("/api/v1/casualties/cas_1/arrival", best),
    ]


def test_never_to_a_hospital_closed_to_ambulances_or_in_lockdown(kit: Kit) -> None:
    _status(kit, CLOSED, ems_traffic="Closed", ems_traffic_reason="shooter at the gate")
    _status(kit, LOCKED, security="Lockdown")
    _status(kit, OPEN, ems_traffic="Normal")
    q = "/api/v1/hospitals/recommendation?lat=31.765200&lon=35.213900&category=immediate"
    ranked = [d["hospital_id"] for d in ok(kit.get(Role.MEDIC, q))["ranked"]]
    assert ranked[0] == LOCKED  # the server ranks the lockdown lower, not out
    hurt, sent = _treat(kit)
    assert hurt.hospital == OPEN
    assert [b.get("destination", b.get("hospital_id")) for _, b in sent] == [OPEN, OPEN]


def test_with_nowhere_to_go_the_wounded_wait_at_the_scene(kit: Kit) -> None:
    _status(kit, CLOSED, ems_traffic="Closed")
    _status(kit, LOCKED, security="Lockdown")
    _status(kit, OPEN, facility="Evacuating")
    hurt, sent = _treat(kit)
    assert hurt.hospital is None  # still waiting for a medic: taken to none of them
    assert sent == []
