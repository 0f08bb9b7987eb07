"""An SOS from outside the town: recorded all the same, and the answer says so.

The resident page answered a call from 50 km away "the forces know where you are".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid
from support.bakapack import baka_pack

TEL_AVIV = {"lat": 32.0853, "lon": 34.7818}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


@pytest.mark.parametrize("role", [Role.ANONYMOUS, Role.RESIDENT])
def test_an_sos_from_outside_the_town_is_kept_and_said_to_be_outside(kit: Kit, role: Role) -> None:
    r = kit.post(role, "/api/v1/sos", {"command_id": cid(), "where": TEL_AVIV})
    assert r.status_code == 201, r.text
    assert r.json()["outside_town"] == "Baka"
    sos = kit.get(Role.DISPATCHER, "/api/v1/picture").json()["sos"]
    assert [(s["lat"], s["lon"]) for s in sos] == [(TEL_AVIV["lat"], TEL_AVIV["lon"])]


def test_an_sos_in_the_town_is_not_said_to_be_outside(kit: Kit) -> None:
    r = kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": BAKA})
    assert r.status_code == 201, r.text
    assert "outside_town" not in r.json()


def test_without_a_town_nothing_is_said() -> None:
    with api_kit() as bare:
        r = bare.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": TEL_AVIV})
        assert r.status_code == 201, r.text
        assert "outside_town" not in r.json()
