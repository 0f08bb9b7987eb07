"""Hospital destinations by capacity and ambulance travel time, and EDXL-HAVE status import."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from pyproj import Geod
from scipy.sparse.csgraph import dijkstra

from magen.domain.values import Role
from magen.geo.routing import drive_matrix
from support.apikit import BAKA, Kit, api_kit, cid, ok
from support.bakapack import baka_pack, baka_town

# Two hospitals on Baka's streets (the pack's own) and one outside the pack.
SOUTH = {"lat": 31.7510, "lon": 35.2080}
NORTH = {"lat": 31.7690, "lon": 35.2200}
SHAARE_ZEDEK = {"lat": 31.7737, "lon": 35.1817}
HERE = f"lat={BAKA['lat']}&lon={BAKA['lon']}"
_GEOD = Geod(ellps="WGS84")


def _register(kit: Kit, hospital_id: str, where: dict[str, float], **extra: Any) -> None:
    body = {"command_id": cid(), "hospital_id": hospital_id, "name": hospital_id.title()}
    ok(kit.post(Role.ADMIN, "/api/v1/hospitals", {**body, "where": where, **extra}))


def _recommend(kit: Kit, query: str = "") -> dict[str, Any]:
    return ok(kit.get(Role.MEDIC, f"/api/v1/hospitals/recommendation?{HERE}{query}"))


def _crow_km(a: dict[str, float], b: dict[str, float]) -> float:
    return float(_GEOD.inv(a["lon"], a["lat"], b["lon"], b["lat"])[2]) / 1000.0


def _minutes(km: float) -> float:
    return km / 35.0 * 60.0  # the ambulance speed both estimates use


def _street_km(a: dict[str, float], b: dict[str, float]) -> float:
    """Driving distance between the street corners nearest two points (an independent check)."""
    town = baka_town()
    xy = town.streets.node_xy
    ax, ay = town.to_xy(a["lon"], a["lat"])
    bx, by = town.to_xy(b["lon"], b["lat"])
    matrix = drive_matrix(town)
    drivable = np.flatnonzero(np.diff(matrix.indptr) > 0)
    near_a = drivable[np.argmin(np.hypot(xy[drivable, 0] - ax, xy[drivable, 1] - ay))]
    near_b = drivable[np.argmin(np.hypot(xy[drivable, 0] - bx, xy[drivable, 1] - by))]
    return float(dijkstra(matrix, indices=int(near_a))[near_b]) / 1000.0


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


@pytest.fixture(scope="module")
def town_kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        _register(k, "south", SOUTH, trauma_centre=True)
        _register(k, "north", NORTH, trauma_centre=True)
        _register(k, "shaare-zedek", SHAARE_ZEDEK, trauma_centre=True)
        yield k


def test_without_a_town_the_straight_line_ranks_and_the_reasons_say_so(kit: Kit) -> None:
    _register(kit, "south", SOUTH, trauma_centre=True)
    _register(kit, "shaare-zedek", SHAARE_ZEDEK, trauma_centre=True)
    rec = _recommend(kit, "&category=immediate")
    assert "no town loaded" in rec["travel_model"]
    ranked = {d["hospital_id"]: d for d in rec["ranked"]}
    for hospital_id, where in (("south", SOUTH), ("shaare-zedek", SHAARE_ZEDEK)):
        expected = _minutes(_crow_km(BAKA, where) * 1.4)
        assert ranked[hospital_id]["travel_minutes"] == pytest.approx(expected, abs=0.1)
        assert "straight line" in ranked[hospital_id]["reasons"][0]
        assert "no town loaded" in ranked[hospital_id]["reasons"][0]
        assert ranked[hospital_id]["reason_facts"][0] == {
            "code": "away",
            "minutes": round(ranked[hospital_id]["travel_minutes"]),
            "basis": "straight_line",
        }
    assert [d["hospital_id"] for d in rec["ranked"]] == ["south", "shaare-zedek"]

    # The nearer hospital reports it can take no more red patients, the farther one four:
    # the farther one wins.
    for hospital_id, red in (("south", 0), ("shaare-zedek", 4)):
        status = {"ems_traffic": "Normal", "ems_capacity": {"red": red, "yellow": 3}}
        ok(
            kit.post(
                Role.DISPATCHER,
                f"/api/v1/hospitals/{hospital_id}/status",
                {"command_id": cid(), "status": status},
            )
        )
    rec = _recommend(kit, "&category=immediate")
    assert [d["hospital_id"] for d in rec["ranked"]] == ["shaare-zedek", "south"]
    south = next(d for d in rec["ranked"] if d["hospital_id"] == "south")
    assert south["capacity_left"] == 0
    assert any("over capacity" in r for r in south["reasons"])
    assert {"code": "over_capacity", "n": 0, "on_way": 0} in south["reason_facts"]
    assert len(south["reason_facts"]) == len(south["reasons"])
    shaare = next(d for d in rec["ranked"] if d["hospital_id"] == "shaare-zedek")
    assert shaare["reason_facts"][1] == {"code": "slots_left", "n": 4, "colour": "red"}
    # ... but it still has yellow slots.
    rec = _recommend(kit, "&category=delayed")
    assert rec["ranked"][0]["hospital_id"] == "south"


def test_with_a_town_the_time_is_the_drive_over_its_streets(town_kit: Kit) -> None:
    rec = _recommend(town_kit)
    assert "streets" in rec["travel_model"]
    ranked = {d["hospital_id"]: d for d in rec["ranked"]}
    for hospital_id, where in (("south", SOUTH), ("north", NORTH)):
        found = ranked[hospital_id]
        assert "by street" in found["reasons"][0]
        assert found["reason_facts"][0]["basis"] == "by_street"
        driven = _minutes(_street_km(BAKA, where))
        # The route joins the streets where the points are, not at the nearest corner.
        assert found["travel_minutes"] == pytest.approx(driven, abs=0.5)
        assert found["travel_minutes"] >= _minutes(_crow_km(BAKA, where)) - 0.05
        assert found["travel_minutes"] != pytest.approx(
            _minutes(_crow_km(BAKA, where) * 1.4), abs=0.05
        )
    # Outside the pack: the straight line, and the reason says why.
    outside = ranked["shaare-zedek"]
    assert outside["travel_minutes"] == pytest.approx(
        _minutes(_crow_km(BAKA, SHAARE_ZEDEK) * 1.4), abs=0.1
    )
    assert "straight line" in outside["reasons"][0]
    assert "off the town's streets" in outside["reasons"][0]
    assert outside["reason_facts"][0]["basis"] == "straight_line"


def test_danger_areas_close_the_way_to_a_hospital_but_not_the_way_out(town_kit: Kit) -> None:
    before = {d["hospital_id"]: d["travel_minutes"] for d in _recommend(town_kit)["ranked"]}
    around_south = {"kind": "circle", **SOUTH, "radius_m": 250}
    area = ok(
        town_kit.post(
            Role.DISPATCHER,
            "/api/v1/danger-areas",
            {"command_id": cid(), "area": around_south, "reason": "armed_attackers"},
        )
    )["id"]
    around_casualty = {"kind": "circle", **BAKA, "radius_m": 120}
    here = ok(
        town_kit.post(
            Role.DISPATCHER,
            "/api/v1/danger-areas",
            {"command_id": cid(), "area": around_casualty, "reason": "armed_attackers"},
        )
    )["id"]
    try:
        rec = _recommend(town_kit)
        assert {
            "hospital_id": "south",
            "name": "South",
            "names": {},
            "reason": "no route or travel time",
            "code": "no_route",
        } in rec["excluded"]
        # The casualty stands in the other area: the ambulance still drives out of it.
        north = next(d for d in rec["ranked"] if d["hospital_id"] == "north")
        assert north["travel_minutes"] == pytest.approx(before["north"], abs=0.01)
    finally:
        for lifted in (area, here):
            ok(
                town_kit.post(
                    Role.DISPATCHER, f"/api/v1/danger-areas/{lifted}/lift", {"command_id": cid()}
                )
            )
    after = {d["hospital_id"]: d["travel_minutes"] for d in _recommend(town_kit)["ranked"]}
    assert after == before


def test_recommendation_refuses_bad_input(kit: Kit) -> None:
    bad = kit.get(Role.MEDIC, f"/api/v1/hospitals/recommendation?{HERE}&category=purple")
    assert bad.status_code == 422
    assert kit.get(Role.MEDIC, "/api/v1/hospitals/recommendation?lat=91&lon=35").status_code == 400
    assert kit.get(Role.RESIDENT, f"/api/v1/hospitals/recommendation?{HERE}").status_code == 403


def test_a_responder_reads_where_to_take_a_casualty_and_why_a_hospital_is_not_offered(
    kit: Kit,
) -> None:
    """Police and volunteers drive the wounded too: they read the recommendation (not the
    hospitals' full status), and an exclusion carries its code, the hospital's name and what
    the hospital wrote."""
    _register(kit, "south", SOUTH, trauma_centre=True)
    _register(kit, "shaare-zedek", SHAARE_ZEDEK, trauma_centre=True)
    status = {"ems_traffic": "Closed", "ems_traffic_reason": "shooter at the gate"}
    ok(
        kit.post(
            Role.DISPATCHER,
            "/api/v1/hospitals/south/status",
            {"command_id": cid(), "status": status},
        )
    )
    url = f"/api/v1/hospitals/recommendation?{HERE}&category=immediate"
    rec = ok(kit.get(Role.RESPONDER, url))
    assert [d["hospital_id"] for d in rec["ranked"]] == ["shaare-zedek"]
    assert rec["excluded"] == [
        {
            "hospital_id": "south",
            "name": "South",
            "names": {},
            "reason": "closed to ambulances: shooter at the gate",
            "code": "closed_to_ambulances",
            "note": "shooter at the gate",
        }
    ]
    [d] = rec["ranked"]
    assert [f["code"] for f in d["reason_facts"]] == ["away", "capacity_unknown", "no_status"]
    assert kit.get(Role.RESPONDER, "/api/v1/hospitals").status_code == 403


# --- EDXL-HAVE import ------------------------------------------------------------------------

STATUS = {
    "ems_traffic": "Advisory",
    "ems_traffic_reason": "mass casualty incident",
    "ems_capacity": {"red": 2, "yellow": 5, "green": 20, "black": 0},
    "census": {"red": 7, "yellow": 4, "green": 1, "black": 2},
    "beds": [{"bed_type": "AdultICU", "available": 3, "baseline": 20}],
    "facility": "Normal",
    "security": "Lockdown",
    "staffing": "Insufficient",
}


def _two_hospitals_document() -> bytes:
    """An EDXL-HAVE document from another server: "south" and "elsewhere", both reporting."""
    with api_kit() as source:
        _register(source, "south", SOUTH)
        _register(source, "elsewhere", SHAARE_ZEDEK)
        for hospital_id in ("south", "elsewhere"):
            ok(
                source.post(
                    Role.DISPATCHER,
                    f"/api/v1/hospitals/{hospital_id}/status",
                    {"command_id": cid(), "status": STATUS},
                )
            )
        return bytes(source.get(Role.DISPATCHER, "/api/v1/hospitals/edxl-have").content)


def test_an_edxl_have_document_reports_each_known_hospitals_status_once(kit: Kit) -> None:
    document = _two_hospitals_document()
    _register(kit, "south", SOUTH, account_id=kit.accounts[Role.HOSPITAL])
    headers = {**kit.auth(Role.DISPATCHER), "Content-Type": "application/xml"}
    r = kit.client.post("/api/v1/hospitals/edxl-have", content=document, headers=headers)
    body = ok(r)
    assert body["reported"] == 1
    assert body["unknown"] == ["elsewhere"]
    assert len(body["positions"]) == 1
    south = next(h for h in _ok_list(kit.get(Role.DISPATCHER, "/api/v1/hospitals")))
    status = south["status"]
    assert status["ems_traffic"] == "Advisory"
    assert status["ems_traffic_reason"] == "mass casualty incident"
    assert status["ems_capacity"] == STATUS["ems_capacity"]
    assert status["census"] == STATUS["census"]
    assert status["beds"] == [
        {"bed_type": "AdultICU", "available": 3, "baseline": 20, "additional_24h": None}
    ]
    assert (status["security"], status["staffing"]) == ("Lockdown", "Insufficient")
    # The same document again reports nothing new, whoever imports it: the status is current.
    head = kit.log.head()
    again = ok(kit.client.post("/api/v1/hospitals/edxl-have", content=document, headers=headers))
    assert (again["reported"], again["current"], again["positions"]) == (0, ["south"], [])
    own = {**kit.auth(Role.HOSPITAL), "Content-Type": "application/xml"}
    by_hospital = ok(kit.client.post("/api/v1/hospitals/edxl-have", content=document, headers=own))
    assert (by_hospital["reported"], by_hospital["current"]) == (0, ["south"])
    assert kit.log.head() == head
    # A correction sent with the same LastUpdateTime is not dropped as "current": refused, with
    # what to do, and nothing appended.
    corrected = document.replace(b"mass casualty incident", b"mass casualty incident, CT down")
    assert corrected != document
    refused = kit.client.post("/api/v1/hospitals/edxl-have", content=corrected, headers=headers)
    assert refused.status_code == 409, refused.text
    assert "south" in refused.json()["reason"]
    assert "later LastUpdateTime" in refused.json()["reason"]
    assert kit.log.head() == head
    # Another hospital's account is refused for what is not its own before anything is said
    # of what the registry holds for that hospital.
    with api_kit() as other:
        _register(other, "south", SOUTH)
        _register(other, "north", SHAARE_ZEDEK, account_id=other.accounts[Role.HOSPITAL])
        desk = {**other.auth(Role.DISPATCHER), "Content-Type": "application/xml"}
        ok(other.client.post("/api/v1/hospitals/edxl-have", content=document, headers=desk))
        north = {**other.auth(Role.HOSPITAL), "Content-Type": "application/xml"}
        r = other.client.post("/api/v1/hospitals/edxl-have", content=corrected, headers=north)
        assert r.status_code == 403, r.text
        assert "conflict" not in r.text
    # A resident may not import hospital status; the hospital's own account may.
    resident = {**kit.auth(Role.RESIDENT), "Content-Type": "application/xml"}
    refused = kit.client.post("/api/v1/hospitals/edxl-have", content=document, headers=resident)
    assert refused.status_code == 403
    with api_kit() as other:
        _register(other, "south", SOUTH, account_id=other.accounts[Role.HOSPITAL])
        own = {**other.auth(Role.HOSPITAL), "Content-Type": "application/xml"}
        r = other.client.post("/api/v1/hospitals/edxl-have", content=document, headers=own)
        assert ok(r)["reported"] == 1


def test_a_hospital_account_imports_only_its_own_status_and_a_refusal_appends_nothing(
    kit: Kit,
) -> None:
    document = _two_hospitals_document()
    _register(kit, "south", SOUTH, account_id=kit.accounts[Role.HOSPITAL])
    _register(kit, "elsewhere", SHAARE_ZEDEK)
    head = kit.log.head()
    own = {**kit.auth(Role.HOSPITAL), "Content-Type": "application/xml"}
    r = kit.client.post("/api/v1/hospitals/edxl-have", content=document, headers=own)
    assert r.status_code == 403
    assert "elsewhere" in r.json()["reason"]
    assert kit.log.head() == head  # not even its own hospital's status half-landed
    # A malformed document is refused with the parser's reason, and appends nothing either.
    broken = kit.client.post(
        "/api/v1/hospitals/edxl-have", content=document[: len(document) // 2], headers=own
    )
    assert broken.status_code == 400
    assert "not a valid EDXL-HAVE document" in broken.json()["reason"]
    assert kit.log.head() == head
    # A dispatcher may import both.
    headers = {**kit.auth(Role.DISPATCHER), "Content-Type": "application/xml"}
    done = ok(kit.client.post("/api/v1/hospitals/edxl-have", content=document, headers=headers))
    assert (done["reported"], done["unknown"], done["current"]) == (2, [], [])


def _ok_list(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return list(response.json())
