"""Every role against every endpoint: allowed or refused as designed (app/auth.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, sign_in

ALL = set(Role)
FIELD = {Role.ADMIN, Role.DISPATCHER, Role.RESPONDER, Role.MEDIC}
READ_ALL = {Role.ADMIN, Role.ANALYST}


MEDICAL = {Role.ADMIN, Role.DISPATCHER, Role.MEDIC, Role.HOSPITAL, Role.REGISTRAR}


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(anonymous_per_minute=10_000, anonymous_burst=10_000) as k:
        # The hospital account reports for a registered hospital, as it must to read the board.
        r = k.post(
            Role.ADMIN,
            "/api/v1/hospitals",
            {
                "command_id": cid(),
                "hospital_id": "shaare-zedek",
                "name": "Shaare Zedek",
                "where": {"lat": 31.7737, "lon": 35.1817},
                "account_id": k.accounts[Role.HOSPITAL],
            },
        )
        assert r.status_code == 201, r.text
        yield k


def _someone_elses_sos(kit: Kit) -> str:
    r = kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": BAKA, "people": 2})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _checked_in(kit: Kit, role: Role) -> None:
    if role in (Role.RESPONDER, Role.MEDIC):
        kind = "police_on_duty" if role is Role.RESPONDER else "medic"
        r = kit.post(role, "/api/v1/responders/check-in", {"command_id": cid(), "kind": kind})
        assert r.status_code == 201, r.text


Call = Callable[[Kit, Role], Any]

# endpoint name -> (call, roles allowed)
ENDPOINTS: dict[str, tuple[Call, set[Role]]] = {
    "POST /sightings": (
        lambda k, r: k.post(r, "/api/v1/sightings", {"command_id": cid(), "where": BAKA}),
        ALL - {Role.ANALYST},
    ),
    "POST /sos": (
        lambda k, r: k.post(r, "/api/v1/sos", {"command_id": cid(), "where": BAKA}),
        ALL - {Role.ANALYST},
    ),
    "POST /sos/{other}/update": (
        lambda k, r: k.post(
            r, f"/api/v1/sos/{_someone_elses_sos(k)}/update", {"command_id": cid(), "people": 3}
        ),
        FIELD | {Role.RESIDENT},  # the resident here is the SOS's own reporter
    ),
    "POST /sos/{other}/resolve": (
        lambda k, r: k.post(
            r,
            f"/api/v1/sos/{_someone_elses_sos(k)}/resolve",
            {"command_id": cid(), "outcome": "rescued"},
        ),
        FIELD | {Role.RESIDENT},
    ),
    "POST /responders/check-in": (
        lambda k, r: k.post(
            r, "/api/v1/responders/check-in", {"command_id": cid(), "kind": "volunteer"}
        ),
        {Role.RESPONDER, Role.MEDIC},
    ),
    "POST /responders/status": (
        lambda k, r: (
            _checked_in(k, r),
            k.post(r, "/api/v1/responders/status", {"command_id": cid(), "status": "en_route"}),
        )[1],
        {Role.RESPONDER, Role.MEDIC},
    ),
    "POST /responders/position": (
        lambda k, r: (
            _checked_in(k, r),
            k.post(r, "/api/v1/responders/position", {"command_id": cid(), "where": BAKA}),
        )[1],
        {Role.RESPONDER, Role.MEDIC},
    ),
    "GET /picture": (lambda k, r: k.get(r, "/api/v1/picture"), ALL),
    "GET /events": (lambda k, r: k.get(r, "/api/v1/events?after=0"), READ_ALL),
    "POST /accounts": (
        lambda k, r: k.post(
            r,
            "/api/v1/accounts",
            {
                "command_id": cid(),
                "username": f"new-{cid()[:8]}",
                "password": "long enough pw",
                "role": "resident",
                "display_name": "New",
            },
        ),
        {Role.ADMIN},
    ),
    "POST /accounts/{id}/keys": (
        lambda k, r: k.post(
            r,
            f"/api/v1/accounts/{k.accounts[Role.RESPONDER]}/keys",
            {"command_id": cid(), "label": "phone"},
        ),
        {Role.ADMIN},
    ),
    "GET /accounts/me": (lambda k, r: k.get(r, "/api/v1/accounts/me"), ALL),
    "GET /sos/mine": (lambda k, r: k.get(r, "/api/v1/sos/mine"), ALL),
    # Casualties and hospitals: the medical roles (a hospital sees only its own casualties,
    # on the board and on the live feed: tests/api/test_live_feed.py).
    "POST /casualties": (
        lambda k, r: k.post(
            r, "/api/v1/casualties", {"command_id": cid(), "tag": cid()[:12], "where": BAKA}
        ),
        {Role.RESPONDER, Role.MEDIC, Role.HOSPITAL, Role.DISPATCHER},
    ),
    "GET /casualties": (lambda k, r: k.get(r, "/api/v1/casualties"), MEDICAL | READ_ALL),
    "GET /casualties?status=open&view=summary": (
        lambda k, r: k.get(r, "/api/v1/casualties?status=open&view=summary"),
        MEDICAL | READ_ALL,
    ),
    "GET /hospitals": (lambda k, r: k.get(r, "/api/v1/hospitals"), MEDICAL | READ_ALL),
    # Where to take a casualty: responders too (police and volunteers drive the wounded in
    # their own cars, as in Ofakim); the hospitals' full status above stays medical.
    "GET /hospitals/recommendation": (
        lambda k, r: k.get(r, "/api/v1/hospitals/recommendation?lat=31.7615&lon=35.2160"),
        MEDICAL | READ_ALL | {Role.RESPONDER},
    ),
    "POST /triage/step": (
        lambda k, r: k.post(r, "/api/v1/triage/step", {"protocol": "start", "answers": {}}),
        FIELD | READ_ALL,
    ),
    # Missing persons and matches: the registry (a family reads its own at /persons/family).
    "GET /persons/board": (
        lambda k, r: k.get(r, "/api/v1/persons/board"),
        {Role.REGISTRAR} | READ_ALL,
    ),
    "GET /persons/search": (
        lambda k, r: k.get(r, "/api/v1/persons/search?q=x"),
        {Role.REGISTRAR} | READ_ALL,
    ),
    "GET /persons/family": (
        lambda k, r: k.get(r, "/api/v1/persons/family"),
        ALL - {Role.ANONYMOUS},
    ),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(kit: Kit, endpoint: str, role: Role) -> None:
    call, allowed = ENDPOINTS[endpoint]
    # For the SOS endpoints the SOS is the shared resident account's own, so the resident may
    # change it; another resident's SOS is refused in the test below.
    response = call(kit, role)
    if role in allowed:
        assert response.status_code in (200, 201), (endpoint, role, response.text)
    else:
        assert response.status_code in (401, 403), (endpoint, role, response.text)
        assert response.json()["reason"]


def test_resident_never_reads_another_residents_sos_or_any_responder(kit: Kit) -> None:
    other = kit.client.post(
        "/api/v1/accounts/register",
        json={
            "command_id": cid(),
            "username": "neighbour",
            "password": "neighbour-pw",
            "display_name": "N",
        },
    )
    assert other.status_code == 201, other.text
    token = kit.client.post(
        "/api/v1/auth/token", json={"username": "neighbour", "password": "neighbour-pw"}
    ).json()["access_token"]
    hidden = kit.client.post(
        "/api/v1/sos",
        json={"command_id": cid(), "where": BAKA, "people": 4, "children": 2, "silent": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert hidden.status_code == 201
    _checked_in(kit, Role.RESPONDER)
    kit.post(Role.RESPONDER, "/api/v1/responders/position", {"command_id": cid(), "where": BAKA})

    picture = kit.get(Role.RESIDENT, "/api/v1/picture").json()
    assert hidden.json()["id"] not in {s["id"] for s in picture["sos"]}
    assert "responders" not in picture
    assert all(
        s["id"] != hidden.json()["id"] for s in kit.get(Role.RESIDENT, "/api/v1/sos/mine").json()
    )
    # The resident cannot change the neighbour's SOS either.
    r = kit.post(
        Role.RESIDENT,
        f"/api/v1/sos/{hidden.json()['id']}/resolve",
        {"command_id": cid(), "outcome": "false_alarm"},
    )
    assert r.status_code == 403
    # A dispatcher sees both the hidden SOS and the responder.
    ops = kit.get(Role.DISPATCHER, "/api/v1/picture").json()
    assert hidden.json()["id"] in {s["id"] for s in ops["sos"]}
    assert ops["responders"]


def test_anonymous_sees_only_public(kit: Kit) -> None:
    picture = kit.get(Role.ANONYMOUS, "/api/v1/picture").json()
    assert picture["sos"] == []
    assert picture["sightings"] == []
    assert "responders" not in picture


def test_sign_in_gives_a_working_token(kit: Kit) -> None:
    token = sign_in(kit.client, "user-dispatcher")
    me = kit.client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "dispatcher"


def test_expired_token_is_refused(kit: Kit) -> None:
    from datetime import timedelta

    runtime = kit.client.app.state["runtime"]
    old = runtime.tokens.issue(
        kit.accounts[Role.ADMIN], "admin", kit.clock.now() - timedelta(days=2)
    )[0]
    r = kit.client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401
    assert "expired" in r.json()["reason"]


def test_bad_credentials_are_401(kit: Kit) -> None:
    r = kit.client.get("/api/v1/picture", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401
    r = kit.client.get("/api/v1/picture", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    r = kit.client.post(
        "/api/v1/auth/token", json={"username": "user-admin", "password": "wrong-pw"}
    )
    assert r.status_code == 401


def test_api_key_acts_as_its_account_and_revocation_stops_it(kit: Kit) -> None:
    r = kit.post(
        Role.ADMIN,
        f"/api/v1/accounts/{kit.accounts[Role.RESPONDER]}/keys",
        {"command_id": cid(), "label": "patrol car"},
    )
    key = r.json()["api_key"]
    me = kit.client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json()["role"] == "responder"
    key_id = key.split("_")[1]
    r = kit.post(Role.ADMIN, f"/api/v1/keys/{key_id}/revoke", {"command_id": cid()})
    assert r.status_code == 201, r.text
    me = kit.client.get("/api/v1/accounts/me", headers={"X-Api-Key": key})
    assert me.status_code == 401
