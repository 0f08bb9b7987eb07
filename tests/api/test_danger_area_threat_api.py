"""POST /danger-areas and /danger-areas/{id}/update: the threat_id names what the picture has.

From an audit: "trk_nope" and "sos_x" were taken (201), and guidance made a ground danger of
the area while dispatch linked it to nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import Kit, api_kit, cid

WHERE = {"lat": 31.7600, "lon": 35.2170}
CIRCLE = {"kind": "circle", **WHERE, "radius_m": 80}


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _declare(kit: Kit, threat_id: str) -> Any:
    body = {"command_id": cid(), "area": CIRCLE, "reason": "armed_attackers"}
    return kit.post(Role.DISPATCHER, "/api/v1/danger-areas", {**body, "threat_id": threat_id})


@pytest.mark.parametrize("threat_id", ["trk_nope", "sos_x"])
def test_an_area_around_no_threat_is_refused_404_with_its_rule(kit: Kit, threat_id: str) -> None:
    head = kit.log.head()
    r = _declare(kit, threat_id)
    assert r.status_code == 404, r.text
    answer = r.json()
    assert answer["rule"] == "threat_not_found"
    assert threat_id in answer["reason"]
    assert kit.log.head() == head


def test_an_area_around_a_call_is_declared_and_cannot_be_moved_onto_nothing(kit: Kit) -> None:
    r = kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": WHERE})
    sos = r.json()["id"]
    r = _declare(kit, sos)
    assert r.status_code == 201, r.text
    area = r.json()["id"]
    head = kit.log.head()
    r = kit.post(
        Role.DISPATCHER,
        f"/api/v1/danger-areas/{area}/update",
        {"command_id": cid(), "threat_id": "trk_nope"},
    )
    assert r.status_code == 404, r.text
    assert r.json()["rule"] == "threat_not_found"
    assert kit.log.head() == head
