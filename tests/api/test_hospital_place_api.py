"""A hospital implausibly far from the town is refused; the region's hospitals are taken.

A hospital registered at (0, 0) (a form's default) or with latitude and longitude swapped
stood in the destination list thousands of km away. It is refused (422, rule
`outside_region`) and nothing is recorded; a hospital outside the town's map but in the
region, or a national trauma centre a helicopter goes to, is registered as before.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from magen.app.hospital_desk import HOSPITAL_REACH_M, check_hospital_place
from magen.domain.errors import InvalidCommand
from magen.domain.values import GeoPoint, Role
from support.apikit import BAKA, Kit, api_kit, cid, ok
from support.bakapack import baka_pack, baka_town

FAR = {
    "null island": {"lat": 0.0, "lon": 0.0},
    "latitude and longitude swapped": {"lat": BAKA["lon"], "lon": BAKA["lat"]},
    "sign of the longitude lost": {"lat": BAKA["lat"], "lon": -BAKA["lon"]},
}
IN_REGION = {
    "Shaare Zedek (in Jerusalem, off the pack)": {"lat": 31.7737, "lon": 35.1817},
    "Hadassah Ein Kerem": {"lat": 31.7650, "lon": 35.1480},
    "Soroka, Beer Sheva (~75 km)": {"lat": 31.2585, "lon": 34.8002},
    "Sheba, Ramat Gan (~55 km)": {"lat": 32.0460, "lon": 34.8430},
    "Rambam, Haifa (~130 km)": {"lat": 32.8340, "lon": 34.9870},
}


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def _register(kit: Kit, hospital_id: str, where: dict[str, float]) -> object:
    body = {"command_id": cid(), "hospital_id": hospital_id, "name": hospital_id, "where": where}
    return kit.post(Role.ADMIN, "/api/v1/hospitals", body)


@pytest.mark.parametrize("case", list(FAR))
def test_a_hospital_far_beyond_the_town_is_refused_and_changes_nothing(kit: Kit, case: str) -> None:
    before = kit.log.head()
    r = _register(kit, f"far-{len(case)}", FAR[case])
    assert r.status_code == 422, r.text  # type: ignore[attr-defined]
    body = r.json()  # type: ignore[attr-defined]
    assert body["rule"] == "outside_region"
    assert "Baka" in body["reason"]
    assert "300 km" in body["reason"]
    assert kit.log.head() == before
    listed = ok(kit.get(Role.DISPATCHER, "/api/v1/hospitals"))
    assert f"far-{len(case)}" not in {h["id"] for h in listed}


@pytest.mark.parametrize("case", list(IN_REGION))
def test_a_hospital_of_the_region_is_registered(kit: Kit, case: str) -> None:
    hospital_id = "h-" + "".join(ch for ch in case.lower() if ch.isalnum())[:20]
    ok(_register(kit, hospital_id, IN_REGION[case]))


def test_the_reach_is_measured_from_the_town_s_map_not_its_centre() -> None:
    town = baka_town()
    _west, south, east, north = town.bounds
    # Just inside the reach, due east of the map's edge: taken; just beyond it: refused.
    lat = (south + north) / 2
    per_deg = 111_320.0 * math.cos(math.radians(lat))  # metres per degree of longitude
    check_hospital_place(town, GeoPoint(lat=lat, lon=east + (HOSPITAL_REACH_M - 2000) / per_deg))
    with pytest.raises(InvalidCommand):
        check_hospital_place(
            town, GeoPoint(lat=lat, lon=east + (HOSPITAL_REACH_M + 2000) / per_deg)
        )
    # Without a town nothing says where the server is: no check.
    check_hospital_place(None, GeoPoint(lat=0.0, lon=0.0))
