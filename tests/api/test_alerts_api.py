"""Alerts, danger areas, shelters, overrides and CAP through the API: who may, and bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from magen.domain.picture import Picture
from magen.domain.values import Role
from support.apikit import Kit, api_kit, cid
from support.bakapack import baka_pack

ALL = set(Role)
OPERATORS = {Role.ADMIN, Role.DISPATCHER}
FIELD = {Role.ADMIN, Role.DISPATCHER, Role.RESPONDER, Role.MEDIC}
READ_ALL = {Role.ADMIN, Role.ANALYST}  # analysts read everything, change nothing
ZONE = "baka-c3"
SHELTER = "694"
HERE = "lat=31.7615&lon=35.2160"
CIRCLE = {"kind": "circle", "lat": 31.7600, "lon": 35.2170, "radius_m": 80}

CAP = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>upstream@oref.example</sender>
  <sent>2023-10-07T09:30:00+03:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>en-US</language>
    <category>Security</category>
    <event>Rocket and missile fire</event>
    <responseType>Shelter</responseType>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <instruction>Enter the protected space.</instruction>
    <area>
      <areaDesc>Baka C3</areaDesc>
      <geocode><valueName>magen:zone</valueName><value>{zone}</value></geocode>
    </area>
  </info>
</alert>
"""


def cap_message(identifier: str, zone: str = ZONE) -> bytes:
    return CAP.format(identifier=identifier, zone=zone).encode()


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack(), anonymous_per_minute=10_000, anonymous_burst=10_000) as k:
        yield k


def settle(kit: Kit) -> int:
    """Wait for the guidance service to publish, then give the log's head."""
    guidance = kit.client.app.state["runtime"].guidance
    kit.client.blocking_portal.call(guidance.settled)
    return kit.log.head()


def _made(kit: Kit, path: str, body: dict[str, Any]) -> str:
    r = kit.post(Role.ADMIN, path, {"command_id": cid(), **body})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _alert(kit: Kit, zone: str = ZONE) -> str:
    return _made(kit, "/api/v1/alerts", {"category": "missiles", "zone_ids": [zone]})


def _danger(kit: Kit) -> str:
    return _made(kit, "/api/v1/danger-areas", {"area": CIRCLE, "reason": "armed_attackers"})


def _override(kit: Kit) -> str:
    return _made(kit, "/api/v1/guidance/overrides", {"action": "lock_in", "zone_ids": [ZONE]})


def _post_cap(kit: Kit, role: Role, data: bytes, kind: str = "application/cap+xml") -> Any:
    return kit.client.post(
        "/api/v1/cap/import", content=data, headers={**kit.auth(role), "Content-Type": kind}
    )


def _cap_identifier(kit: Kit) -> str:
    alert_id = _alert(kit)
    return f"magen-{alert_id}"


Call = Callable[[Kit, Role], Any]

ENDPOINTS: dict[str, tuple[Call, set[Role]]] = {
    "POST /alerts": (
        lambda k, r: k.post(
            r,
            "/api/v1/alerts",
            {"command_id": cid(), "category": "missiles", "zone_ids": [ZONE]},
        ),
        OPERATORS,
    ),
    "POST /alerts/{id}/update": (
        lambda k, r: k.post(
            r,
            f"/api/v1/alerts/{_alert(k)}/update",
            {"command_id": cid(), "seconds_to_shelter": {ZONE: 60}},
        ),
        OPERATORS,
    ),
    "POST /alerts/{id}/end": (
        lambda k, r: k.post(r, f"/api/v1/alerts/{_alert(k)}/end", {"command_id": cid()}),
        OPERATORS,
    ),
    "POST /all-clear": (
        lambda k, r: (
            _alert(k, "baka-a1"),
            k.post(r, "/api/v1/all-clear", {"command_id": cid(), "zone_ids": ["baka-a1"]}),
        )[1],
        OPERATORS,
    ),
    "POST /danger-areas": (
        lambda k, r: k.post(
            r,
            "/api/v1/danger-areas",
            {"command_id": cid(), "area": CIRCLE, "reason": "suspicious_object"},
        ),
        OPERATORS,
    ),
    "POST /danger-areas/{id}/update": (
        lambda k, r: k.post(
            r,
            f"/api/v1/danger-areas/{_danger(k)}/update",
            {"command_id": cid(), "note": "moving north"},
        ),
        OPERATORS,
    ),
    "POST /danger-areas/{id}/lift": (
        lambda k, r: k.post(r, f"/api/v1/danger-areas/{_danger(k)}/lift", {"command_id": cid()}),
        OPERATORS,
    ),
    "POST /shelters/{id}/status": (
        lambda k, r: k.post(
            r,
            f"/api/v1/shelters/{SHELTER}/status",
            {"command_id": cid(), "status": "full", "note": cid()},
        ),
        OPERATORS,
    ),
    "POST /guidance/overrides": (
        lambda k, r: k.post(
            r,
            "/api/v1/guidance/overrides",
            {"command_id": cid(), "action": "lock_in", "zone_ids": [ZONE]},
        ),
        OPERATORS,
    ),
    "POST /guidance/overrides/{id}/clear": (
        lambda k, r: k.post(
            r, f"/api/v1/guidance/overrides/{_override(k)}/clear", {"command_id": cid()}
        ),
        OPERATORS,
    ),
    "POST /cap/import": (lambda k, r: _post_cap(k, r, cap_message(f"up-{cid()}")), OPERATORS),
    "GET /alerts": (lambda k, r: k.get(r, "/api/v1/alerts"), ALL),
    "GET /danger-areas": (lambda k, r: k.get(r, "/api/v1/danger-areas"), ALL),
    "GET /guidance": (lambda k, r: k.get(r, f"/api/v1/guidance?{HERE}"), ALL),
    "GET /guidance/overrides": (lambda k, r: k.get(r, "/api/v1/guidance/overrides"), ALL),
    "GET /guidance/map": (lambda k, r: k.get(r, "/api/v1/guidance/map"), FIELD | READ_ALL),
    "GET /guidance/proposals": (
        lambda k, r: k.get(r, "/api/v1/guidance/proposals"),
        OPERATORS | READ_ALL,
    ),
    "GET /town": (lambda k, r: k.get(r, "/api/v1/town"), ALL),
    "GET /town/map.geojson": (lambda k, r: k.get(r, "/api/v1/town/map.geojson"), ALL),
    "GET /cap/feed": (lambda k, r: k.get(r, "/api/v1/cap/feed"), ALL),
    "GET /cap/alerts/{id}.xml": (
        lambda k, r: k.get(r, f"/api/v1/cap/alerts/{_cap_identifier(k)}.xml"),
        ALL,
    ),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(kit: Kit, endpoint: str, role: Role) -> None:
    call, allowed = ENDPOINTS[endpoint]
    response = call(kit, role)
    if role in allowed:
        assert response.status_code in (200, 201), (endpoint, role, response.text)
        return
    assert response.status_code in (401, 403), (endpoint, role, response.text)
    assert response.json()["reason"]


@pytest.mark.parametrize("role", sorted(ALL - OPERATORS), ids=lambda r: r.value)
def test_refused_commands_append_nothing(kit: Kit, role: Role) -> None:
    alert, danger, override = _alert(kit), _danger(kit), _override(kit)
    head = settle(kit)
    for path, body in [
        ("/api/v1/alerts", {"category": "terrorist_infiltration", "zone_ids": [ZONE]}),
        (f"/api/v1/alerts/{alert}/end", {}),
        ("/api/v1/all-clear", {"zone_ids": [ZONE]}),
        ("/api/v1/danger-areas", {"area": CIRCLE, "reason": "fire"}),
        (f"/api/v1/danger-areas/{danger}/lift", {}),
        (f"/api/v1/shelters/{SHELTER}/status", {"status": "compromised"}),
        ("/api/v1/guidance/overrides", {"action": "lock_in", "zone_ids": [ZONE]}),
        (f"/api/v1/guidance/overrides/{override}/clear", {}),
    ]:
        r = kit.post(role, path, {"command_id": cid(), **body})
        assert r.status_code in (401, 403), (path, r.text)
    assert _post_cap(kit, role, cap_message(f"up-{cid()}")).status_code in (401, 403)
    assert settle(kit) == head


def test_a_feed_bridge_imports_with_an_operator_accounts_device_key(kit: Kit) -> None:
    r = kit.post(
        Role.ADMIN,
        f"/api/v1/accounts/{kit.accounts[Role.DISPATCHER]}/keys",
        {"command_id": cid(), "label": "oref bridge"},
    )
    key = r.json()["api_key"]
    r = kit.client.post(
        "/api/v1/cap/import",
        content=cap_message(f"bridge-{cid()}"),
        headers={"X-Api-Key": key, "Content-Type": "application/cap+xml"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["events"][0]["type"] == "AlertIssued"


def test_alerts_and_danger_areas_show_no_one_behind_them(kit: Kit) -> None:
    # A danger area names a track the picture has (an unknown one is refused 404).
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/sightings",
        {"command_id": cid(), "where": {"lat": 31.7600, "lon": 35.2170}},
    )
    runtime = kit.client.app.state["runtime"]
    secret = str(runtime.service.state.slice(Picture).fuser.track_of(r.json()["id"]))
    _alert(kit)
    _made(
        kit,
        "/api/v1/danger-areas",
        {"area": CIRCLE, "reason": "armed_attackers", "threat_id": secret},
    )
    public = (
        kit.get(Role.ANONYMOUS, "/api/v1/alerts").text
        + kit.get(Role.ANONYMOUS, "/api/v1/danger-areas").text
        + kit.get(Role.ANONYMOUS, "/api/v1/picture").text
    )
    for account in kit.accounts.values():
        assert account not in public
    assert secret not in public
    assert secret in kit.get(Role.RESPONDER, "/api/v1/danger-areas").text
    picture = kit.get(Role.RESIDENT, "/api/v1/picture").json()
    assert picture["alerts"]
    assert picture["danger_areas"]


# --- bad input: a reason, and nothing appended --------------------------------------------

SELF_CROSSING = [[35.21, 31.76], [35.22, 31.77], [35.22, 31.76], [35.21, 31.77]]


def _bad_cases() -> dict[str, tuple[str, Callable[[Kit], tuple[str, dict[str, Any]]], int]]:
    def alert_body(**extra: Any) -> Callable[[Kit], tuple[str, dict[str, Any]]]:
        body = {"category": "missiles", "zone_ids": [ZONE], **extra}
        return lambda k: ("/api/v1/alerts", body)

    def danger_body(area: Any) -> Callable[[Kit], tuple[str, dict[str, Any]]]:
        return lambda k: ("/api/v1/danger-areas", {"area": area, "reason": "armed_attackers"})

    return {
        "self-crossing polygon": (
            "crosses itself",
            danger_body({"kind": "polygon", "ring": SELF_CROSSING}),
            400,
        ),
        "two-point polygon": (
            "at least 3",
            danger_body({"kind": "polygon", "ring": [[35.21, 31.76], [35.22, 31.77]]}),
            400,
        ),
        "zero radius": ("radius_m", danger_body({**CIRCLE, "radius_m": 0}), 400),
        "negative radius": ("radius_m", danger_body({**CIRCLE, "radius_m": -5}), 400),
        "radius over the limit": ("radius_m", danger_body({**CIRCLE, "radius_m": 500_000}), 400),
        "danger radius too wide": ("10 km", danger_body({**CIRCLE, "radius_m": 20_000}), 422),
        "latitude out of range": ("lat", danger_body({**CIRCLE, "lat": 95}), 400),
        "unknown area kind": ("area", danger_body({"kind": "blob"}), 400),
        "unknown zone": ("no alert zone 'tel-aviv-3'", alert_body(zone_ids=["tel-aviv-3"]), 422),
        "unknown category": ("category", alert_body(category="meteor"), 400),
        "no zones": ("zone_ids", alert_body(zone_ids=[]), 400),
        "seconds for a zone not alerted": (
            "which the alert omits",
            alert_body(seconds_to_shelter={"baka-a1": 30}),
            422,
        ),
        "seconds beyond ten minutes": (
            "seconds_to_shelter",
            alert_body(seconds_to_shelter={ZONE: 601}),
            400,
        ),
        "already expired": (
            "must expire after",
            alert_body(expires_at="2023-10-07T06:00:00Z"),
            422,
        ),
        "spoofed CAP provenance": (
            "source",
            alert_body(
                source={
                    "kind": "cap",
                    "sender": "oref",
                    "identifier": "x",
                    "sent": "2023-10-07T06:30:00Z",
                }
            ),
            400,
        ),
        "control characters": (
            "control characters",
            alert_body(instruction={"en": "run\u0000now"}),
            400,
        ),
        "unknown alert": (
            "no alert alr_nope",
            lambda k: ("/api/v1/alerts/alr_nope/update", {"seconds_to_shelter": {ZONE: 30}}),
            404,
        ),
        "end unknown alert": ("no alert", lambda k: ("/api/v1/alerts/alr_nope/end", {}), 404),
        "all clear with nothing active": (
            "nothing to clear",
            lambda k: ("/api/v1/all-clear", {"zone_ids": ["baka-e5"]}),
            422,
        ),
        "lift unknown danger area": (
            "no danger area",
            lambda k: ("/api/v1/danger-areas/dgr_nope/lift", {}),
            404,
        ),
        "unknown shelter": (
            "no shelter 'nope-1'",
            lambda k: ("/api/v1/shelters/nope-1/status", {"status": "full"}),
            404,
        ),
        "unknown shelter status": (
            "status",
            lambda k: (f"/api/v1/shelters/{SHELTER}/status", {"status": "flooded"}),
            400,
        ),
        "override without zones or area": (
            "zones or an area",
            lambda k: ("/api/v1/guidance/overrides", {"action": "lock_in"}),
            422,
        ),
        "override for an unknown zone": (
            "no alert zone",
            lambda k: ("/api/v1/guidance/overrides", {"action": "lock_in", "zone_ids": ["zz"]}),
            422,
        ),
        "confirm an unknown proposal": (
            "nothing proposes",
            lambda k: ("/api/v1/guidance/overrides", {"proposal_id": "lock-in-near:dgr_nope"}),
            404,
        ),
        "clear unknown override": (
            "no override",
            lambda k: ("/api/v1/guidance/overrides/ovr_nope/clear", {}),
            404,
        ),
        "huge note": (
            "note",
            lambda k: (
                "/api/v1/danger-areas",
                {"area": CIRCLE, "reason": "fire", "note": "x" * 5000},
            ),
            400,
        ),
    }


BAD = _bad_cases()


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused_with_a_reason_and_appends_nothing(kit: Kit, case: str) -> None:
    expected, make, status = BAD[case]
    path, body = make(kit)
    head = settle(kit)
    r = kit.post(Role.DISPATCHER, path, {"command_id": cid(), **body})
    assert r.status_code == status, r.text
    assert expected in r.json()["reason"] + json.dumps(r.json().get("details", [])), r.text
    assert settle(kit) == head


def test_a_retried_command_appends_once(kit: Kit) -> None:
    body = {"command_id": cid(), "category": "hostile_aircraft_intrusion", "zone_ids": [ZONE]}
    first = kit.post(Role.DISPATCHER, "/api/v1/alerts", body)
    head = settle(kit)
    again = kit.post(Role.DISPATCHER, "/api/v1/alerts", body)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["events"] == first.json()["events"]
    assert settle(kit) == head
