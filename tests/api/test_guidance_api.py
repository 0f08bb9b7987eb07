"""Guidance through the API on the real Baka map: a resident's point, the console, proposals."""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from magen.api.routes._common import etag_of
from magen.domain.values import Role
from magen.web.times import local_time
from support.apikit import Kit, api_kit, cid
from support.bakapack import baka_pack, baka_town

HERE = {"lat": 31.7615, "lon": 35.2160}
FAR = {"lat": 31.7520, "lon": 35.2075}  # the south-west corner, far from HERE
TEL_AVIV = {"lat": 32.0853, "lon": 34.7818}


def _q(point: dict[str, float], extra: str = "") -> str:
    return f"/api/v1/guidance?lat={point['lat']}&lon={point['lon']}{extra}"


def _metres(a: list[float], b: tuple[float, float]) -> float:
    dy = (a[1] - b[1]) * 111_320
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(b[1]))
    return math.hypot(dx, dy)


def settle(kit: Kit) -> int:
    guidance = kit.client.app.state["runtime"].guidance
    kit.client.blocking_portal.call(guidance.settled)
    return kit.log.head()


def guidance_events(kit: Kit, after: int = 0) -> list[dict[str, Any]]:
    events = kit.get(Role.ADMIN, f"/api/v1/events?after={after}").json()["events"]
    return [e for e in events if e["type"] == "GuidanceChanged"]


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


@pytest.fixture(scope="module")
def shared() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def test_rockets_then_ground_threat_then_all_clear(kit: Kit) -> None:
    zones = [z["id"] for z in kit.get(Role.ANONYMOUS, "/api/v1/town").json()["zones"]]
    before = kit.get(Role.ANONYMOUS, _q(HERE, "&lang=en")).json()
    assert before["action"] == "routine"
    assert before["issued_by"] == "none"

    # 1. A rocket alert alone: go to the nearest reachable shelter, by a route, in time.
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/alerts",
        {"command_id": cid(), "category": "missiles", "zone_ids": zones},
    )
    assert r.status_code == 201, r.text
    alert_position = r.json()["position"]
    g = kit.get(Role.ANONYMOUS, _q(HERE, "&lang=en")).json()
    assert g["action"] == "go_to_shelter"
    assert g["issued_by"] == "official_alert"
    assert g["reason"] == "shelter_in_time"
    assert g["position"] >= alert_position
    shelter = g["shelter"]
    assert shelter is not None
    assert g["walking_seconds"] <= g["seconds_to_shelter"] == 90
    route = g["route"]
    assert len(route) >= 2
    assert _metres(route[0], (HERE["lon"], HERE["lat"])) < 150
    assert _metres(route[-1], (shelter["lon"], shelter["lat"])) < 150
    assert shelter["name"] in g["text"]
    assert g["alerts"][0]["category"] == "missiles"

    # The change is published per zone, once each, by the system.
    head = settle(kit)
    changes = guidance_events(kit, alert_position)
    assert changes
    assert len({c["data"]["zone_id"] for c in changes}) == len(changes)
    assert all(c["data"]["reason"] == "official_alert" for c in changes)
    assert all(c["actor"]["id"] == "system" for c in changes)
    assert len(changes) <= len(zones) < len(baka_town().buildings)

    # 2. Attackers at that shelter: the threat reroutes, and the system proposes a lock-in.
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/danger-areas",
        {
            "command_id": cid(),
            "area": {
                "kind": "circle",
                "lat": shelter["lat"],
                "lon": shelter["lon"],
                "radius_m": 60,
            },
            "reason": "armed_attackers",
        },
    )
    assert r.status_code == 201, r.text
    area_id = r.json()["id"]
    g = kit.get(Role.ANONYMOUS, _q(HERE, "&lang=en")).json()
    assert g["issued_by"] == "official_alert"  # never silently contradicted
    assert g["shelter"] is None or g["shelter"]["id"] != shelter["id"]
    assert g["proposed"] is True
    proposals = kit.get(Role.DISPATCHER, "/api/v1/guidance/proposals").json()["proposals"]
    [proposal] = [p for p in proposals if p["danger_area"]["id"] == area_id]
    assert proposal["action"] == "lock_in"
    assert proposal["would_change"] > 0
    assert proposal["area"]["radius_m"] > 60

    # 3. The operator confirms: guidance locks in, and says it is the operator's.
    head = settle(kit)
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/guidance/overrides",
        {"command_id": cid(), "proposal_id": proposal["id"], "reason": "gunmen at the shelter"},
    )
    assert r.status_code == 201, r.text
    override_id = r.json()["id"]
    g = kit.get(Role.ANONYMOUS, _q(HERE, "&lang=en")).json()
    assert g["action"] == "lock_in"
    assert g["issued_by"] == "operator_override"
    assert g["override"]["id"] == override_id
    assert g["override"]["proposal_id"] == proposal["id"]
    assert g["shelter"] is None
    assert g["route"] == []
    assert "operator" in g["issued_by_label"].lower()
    settle(kit)
    locked = guidance_events(kit, head)
    assert locked
    assert {c["data"]["zone_id"] for c in locked} <= set(proposal["zones"])
    assert all(c["data"]["reason"] == "operator_override" for c in locked)
    assert len({c["data"]["zone_id"] for c in locked}) == len(locked)
    # A second confirmation is refused.
    again = kit.post(
        Role.ADMIN,
        "/api/v1/guidance/overrides",
        {"command_id": cid(), "proposal_id": proposal["id"]},
    )
    assert again.status_code == 409, again.text

    # 4. The all clear ends the rocket alert; the operator's lock-in stands until withdrawn.
    r = kit.post(Role.DISPATCHER, "/api/v1/all-clear", {"command_id": cid(), "zone_ids": zones})
    assert r.status_code == 201, r.text
    assert kit.get(Role.ANONYMOUS, _q(HERE, "&lang=en")).json()["action"] == "lock_in"
    # Far from it, nobody is told "no alert" while the attackers' area is open: stay inside.
    far = kit.get(Role.ANONYMOUS, _q(FAR, "&lang=en")).json()
    assert far["action"] == "stay_inside"
    assert far["shelter"] is None
    assert far["route"] == []
    assert far["text"].startswith("Armed attackers have been reported in the town, about ")
    assert "No alert" not in far["text"]
    assert far["headline"] == "Stay inside, door locked"
    for path in (
        f"/api/v1/danger-areas/{area_id}/lift",
        f"/api/v1/guidance/overrides/{override_id}/clear",
    ):
        r = kit.post(Role.DISPATCHER, path, {"command_id": cid()})
        assert r.status_code == 201, r.text
    after = kit.get(Role.ANONYMOUS, _q(HERE, "&lang=en")).json()
    keep = ("action", "issued_by", "reason", "shelter", "walking_seconds", "route", "text")
    assert {k: after[k] for k in keep} == {k: before[k] for k in keep}
    assert kit.get(Role.ANONYMOUS, _q(FAR, "&lang=en")).json()["action"] == "routine"
    assert after["position"] > before["position"]


def test_languages_caching_and_etags(shared: Kit) -> None:
    r = shared.client.get(_q(HERE))
    assert r.status_code == 200
    assert r.json()["lang"] == "he"  # the town's first language by default
    assert r.headers["content-language"] == "he"
    assert "max-age=" in r.headers["cache-control"]
    assert "public" in r.headers["cache-control"]
    assert "Accept-Language" in r.headers["vary"]
    etag = r.headers["etag"]
    # The tag is the answer's own digest: it moves whenever anything the phone shows does
    # (a tag of the guidance's snapshot kept an old distance to the attackers on a 304).
    assert etag == etag_of(r.content)
    texts = r.json()["texts"]
    assert set(texts) == {"he", "ar", "en"}
    assert len({texts["he"], texts["ar"], texts["en"]}) == 3
    ar = shared.client.get(_q(HERE), headers={"Accept-Language": "fr;q=1, ar-IL;q=0.9, en;q=0.5"})
    assert ar.json()["lang"] == "ar"
    assert ar.json()["text"] == texts["ar"]
    forced = shared.client.get(_q(HERE, "&lang=en"), headers={"Accept-Language": "ar"})
    assert forced.json()["lang"] == "en"
    same = shared.client.get(_q(HERE), headers={"If-None-Match": etag})
    assert same.status_code == 304
    assert same.content == b""
    # Any alert moves the position, and with it the ETag.
    r = shared.post(
        Role.DISPATCHER,
        "/api/v1/alerts",
        {"command_id": cid(), "category": "terrorist_infiltration", "zone_ids": ["baka-c3"]},
    )
    assert r.status_code == 201
    changed = shared.client.get(_q(HERE), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_guidance_carries_nothing_private(shared: Kit) -> None:
    # The area is drawn around the call (a danger area names what the picture has).
    r = shared.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": HERE, "people": 3})
    secret = str(r.json()["id"])
    shared.post(
        Role.DISPATCHER,
        "/api/v1/danger-areas",
        {
            "command_id": cid(),
            "area": {"kind": "circle", "lat": 31.7610, "lon": 35.2150, "radius_m": 40},
            "reason": "armed_attackers",
            "threat_id": secret,
        },
    )
    text = shared.client.get(_q(HERE)).text + shared.client.get(_q(FAR)).text
    assert secret not in text
    for account in shared.accounts.values():
        assert account not in text
    assert "sos" not in shared.client.get(_q(HERE)).json()


@pytest.mark.parametrize(
    ("query", "status", "reason"),
    [
        ("lat=95&lon=35.2", 400, "lat"),
        ("lat=31.76&lon=-181", 400, "lon"),
        ("lat=abc&lon=35.2", 400, "lat"),
        ("lon=35.2", 400, "lat"),
        ("lat=31.76&lon=35.21&lang=fr", 400, "lang"),
        (f"lat={TEL_AVIV['lat']}&lon={TEL_AVIV['lon']}", 404, "outside the map of Baka"),
    ],
)
def test_bad_points_are_refused_with_a_reason(
    shared: Kit, query: str, status: int, reason: str
) -> None:
    r = shared.client.get(f"/api/v1/guidance?{query}")
    assert r.status_code == status, r.text
    assert reason in r.json()["reason"], r.text


def test_the_console_map_has_one_code_per_building(shared: Kit) -> None:
    town = baka_town()
    r = shared.get(Role.DISPATCHER, "/api/v1/guidance/map")
    assert r.status_code == 200
    m = r.json()
    n = len(town.buildings)
    assert m["buildings"] == n
    for key in ("action", "issued_by", "shelter", "seconds", "override"):
        assert len(m[key]) == n
    assert set(m["action"]) <= set(range(len(m["legend"]["action"])))
    assert set(m["issued_by"]) <= set(range(len(m["legend"]["issued_by"])))
    assert shared.get(Role.DISPATCHER, "/api/v1/guidance/map").headers["etag"] == r.headers["etag"]
    assert (
        shared.client.get(
            "/api/v1/guidance/map",
            headers={**shared.auth(Role.MEDIC), "If-None-Match": r.headers["etag"]},
        ).status_code
        == 304
    )


def test_the_town_and_its_map(shared: Kit) -> None:
    town = baka_town()
    info = shared.client.get("/api/v1/town").json()
    assert info["name"] == "Baka"
    west, south, east, north = info["bbox"]
    assert west < info["centre"]["lon"] < east
    assert south < info["centre"]["lat"] < north
    assert len(info["zones"]) == len(town.zones)
    assert all(z["seconds_to_shelter"] == 90 for z in info["zones"])
    assert len(info["shelters"]) == len(town.shelters)
    assert {s["status"] for s in info["shelters"]} <= {"open", "full", "closed", "compromised"}
    sid = info["shelters"][0]["id"]
    r = shared.post(
        Role.DISPATCHER, f"/api/v1/shelters/{sid}/status", {"command_id": cid(), "status": "full"}
    )
    assert r.status_code == 201, r.text
    info = shared.client.get("/api/v1/town").json()
    assert info["shelters"][0]["status"] == "full"

    r = shared.client.get("/api/v1/town/map.geojson", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    assert r.headers["content-encoding"] == "gzip"
    assert "max-age" in r.headers["cache-control"]
    geo = r.json()  # the client has already inflated it
    kinds: dict[str, int] = {}
    for f in geo["features"]:
        kinds[f["properties"]["kind"]] = kinds.get(f["properties"]["kind"], 0) + 1
    assert kinds == {
        "street": town.streets.edge_count,
        "building": len(town.buildings),
        "shelter": len(town.shelters),
        "zone": len(town.zones),
    }
    buildings = [f for f in geo["features"] if f["properties"]["kind"] == "building"]
    assert [f["id"] for f in buildings] == list(range(len(town.buildings)))
    plain = shared.client.get("/api/v1/town/map.geojson", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(gzip.compress(plain.content)) == plain.content
    assert plain.json() == geo
    again = shared.client.get(
        "/api/v1/town/map.geojson", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304


def test_without_a_town_guidance_says_why() -> None:
    with api_kit() as k:
        r = k.client.get(_q(HERE))
        assert r.status_code == 503
        assert "no town map" in r.json()["reason"]
        r = k.client.get("/api/v1/town")
        assert r.status_code == 404
        assert "no town map" in r.json()["reason"]
        # Alerts still work without a map: zones are then taken as given.
        r = k.post(
            Role.DISPATCHER,
            "/api/v1/alerts",
            {"command_id": cid(), "category": "missiles", "zone_ids": ["anywhere-1"]},
        )
        assert r.status_code == 201, r.text


def test_each_alert_says_when_it_began_and_its_end_only_where_nothing_holds_people_in(
    kit: Kit,
) -> None:
    zones = [z["id"] for z in kit.get(Role.ANONYMOUS, "/api/v1/town").json()["zones"]]
    began = kit.clock.now() - timedelta(minutes=3)
    ends = kit.clock.now() + timedelta(minutes=20)
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/alerts",
        {
            "command_id": cid(),
            "category": "missiles",
            "zone_ids": zones,
            "issued_at": began.isoformat(),
            "expires_at": ends.isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    g = kit.get(Role.ANONYMOUS, _q(HERE, "&lang=he")).json()
    assert g["action"] == "go_to_shelter"
    [alert] = g["alerts"]
    assert datetime.fromisoformat(alert["since"]) == began
    assert datetime.fromisoformat(alert["until"]) == ends
    # The shelter's street in Hebrew where the pack knows it, in the text and the shelter.
    shelter = baka_town().shelters
    i = baka_town().shelter_positions[g["shelter"]["id"]]
    local = str(shelter.address_he[i]) or str(shelter.address[i])
    assert g["shelter"]["address"] == local
    assert g["shelter"]["address_listed"] == str(shelter.address[i])
    assert local in g["text"]
    en = kit.get(Role.ANONYMOUS, _q(HERE, "&lang=en")).json()
    assert en["shelter"]["address"] == str(shelter.address[i])
    # The page without JavaScript says the same times on the town's clock.
    page = kit.client.get(f"/resident?lat={HERE['lat']}&lon={HERE['lon']}&lang=en").text
    assert f"Alert since {local_time(began)}" in page
    assert f"Alert in force until {local_time(ends)} unless told otherwise." in page

    # Attackers near: the engine proposes a lock-in there, and the end is no longer said.
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/danger-areas",
        {
            "command_id": cid(),
            "area": {"kind": "circle", "lat": HERE["lat"], "lon": HERE["lon"], "radius_m": 60},
            "reason": "armed_attackers",
        },
    )
    assert r.status_code == 201, r.text
    near = kit.get(Role.ANONYMOUS, _q(HERE, "&lang=en")).json()
    assert near["proposed"] is True
    assert near["issued_by"] == "official_alert"
    [alert] = near["alerts"]
    assert datetime.fromisoformat(alert["since"]) == began
    assert alert["until"] is None
    page = kit.client.get(f"/resident?lat={HERE['lat']}&lon={HERE['lon']}&lang=en").text
    assert f"Alert since {local_time(began)}" in page
    assert f"Alert in force until {local_time(ends)}" not in page
    # Farther from the attackers (still within reach under fire: nobody out to a shelter), the
    # alert's end is not said either while attackers are open in the town.
    far = kit.get(Role.ANONYMOUS, _q(FAR, "&lang=en")).json()
    assert not far["proposed"]
    assert (far["action"], far["reason"]) == (
        "stay_in_protected_space",
        "fire_and_ground_threat_in_town",
    )
    assert far["alerts"][0]["until"] is None

    # An infiltration alert holds everyone in its zone in: no end said there at all.
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/alerts",
        {
            "command_id": cid(),
            "category": "terrorist_infiltration",
            "zone_ids": zones,
            "expires_at": ends.isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    far = kit.get(Role.ANONYMOUS, _q(FAR, "&lang=en")).json()
    assert far["action"] == "lock_in"
    assert len(far["alerts"]) == 2
    assert all(a["until"] is None for a in far["alerts"])
    assert all(a["since"] for a in far["alerts"])
