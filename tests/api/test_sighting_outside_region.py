"""A sighting far beyond the town is refused with a reason, and changes nothing.

A phone that sends (0, 0) (no fix) or a typed coordinate's slip made a threat track in the
Gulf of Guinea, on the console's map and in the CoT feed. Attackers on the roads into the
town, beyond its alert zones, are still taken.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid
from support.bakapack import baka_pack

NULL_ISLAND = {"lat": 0.0, "lon": 0.0}
ROAD_IN = {"lat": 31.7466, "lon": 35.0992}  # ~11 km west of Baka, outside its zones


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


@pytest.mark.parametrize("role", [Role.ANONYMOUS, Role.RESIDENT, Role.RESPONDER])
def test_a_sighting_far_beyond_the_town_is_refused_and_changes_nothing(
    kit: Kit, role: Role
) -> None:
    r = kit.post(role, "/api/v1/sightings", {"command_id": cid(), "where": NULL_ISLAND})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["rule"] == "outside_region"
    assert "Baka" in body["reason"]
    assert "50 km" in body["reason"]
    picture = kit.get(Role.DISPATCHER, "/api/v1/picture").json()
    assert picture["sightings"] == []
    assert picture["tracks"] == []


def test_a_sighting_on_the_road_into_the_town_is_taken(kit: Kit) -> None:
    for where in (ROAD_IN, BAKA):
        r = kit.post(Role.RESIDENT, "/api/v1/sightings", {"command_id": cid(), "where": where})
        assert r.status_code == 201, r.text
    sightings = kit.get(Role.DISPATCHER, "/api/v1/picture").json()["sightings"]
    assert len(sightings) == 2


def test_without_a_town_no_place_is_refused() -> None:
    with api_kit() as bare:
        r = bare.post(
            Role.RESIDENT, "/api/v1/sightings", {"command_id": cid(), "where": NULL_ISLAND}
        )
        assert r.status_code == 201, r.text
