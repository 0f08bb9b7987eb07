"""Who the live feed is for: never a secret in the address; a header, or the first frame.

A browser cannot set headers on a WebSocket; it opens `/api/v1/live?after=N` and sends
`{"kind": "auth", "token": ...}` first. A client that can set headers uses them, as on any
route. A token in the query (`access_token`) authenticates nothing, on the feed or elsewhere.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient

from api.livekit import live_feed
from magen.api import live
from magen.domain.accounts import CreateAccount
from magen.domain.base import SYSTEM
from magen.domain.values import Role
from support.apikit import (
    BAKA,
    PASSWORD,
    START,
    Kit,
    api_kit,
    cid,
    ok,
    password_hash,
    sign_in,
    two_workers,
)

CIRCLE = {"kind": "circle", "lat": 31.7600, "lon": 35.2170, "radius_m": 80}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _until_heartbeat(ws: Any) -> list[dict[str, Any]]:
    """The event frames before the first heartbeat (the backlog)."""
    frames = []
    while True:
        frame = ws.receive_json()
        if frame["kind"] == "heartbeat":
            return frames
        frames.append(frame)


def _scene(kit: Kit) -> tuple[int, int, int]:
    """A staff-only event (a sighting) and a public one (a danger area), and where they began."""
    start = kit.log.head()
    sighting = ok(
        kit.post(Role.RESPONDER, "/api/v1/sightings", {"command_id": cid(), "where": BAKA})
    )
    body = {"command_id": cid(), "area": CIRCLE, "reason": "armed_attackers"}
    area = ok(kit.post(Role.DISPATCHER, "/api/v1/danger-areas", body))
    return start, int(sighting["position"]), int(area["position"])


def _types(frames: list[dict[str, Any]]) -> list[str]:
    return [f["type"] for f in frames]


def _closed_before_a_frame(ws: Any) -> WebSocketDisconnect:
    """The close the server sent, asserting it sent nothing before it."""
    try:
        frame = ws.receive_json()
    except WebSocketDisconnect as closed:
        return closed
    pytest.fail(f"sent {frame} before closing")


# --- the auth frame ---------------------------------------------------------------------


def test_a_token_in_the_first_frame_opens_the_feed_of_its_account(kit: Kit) -> None:
    start, sighted, declared = _scene(kit)
    with live_feed(kit.client, start, kit.tokens[Role.DISPATCHER]) as ws:
        frames = _until_heartbeat(ws)
        assert [f["position"] for f in frames] == [sighted, declared]
        # Then live, as before.
        later = ok(
            kit.post(Role.RESPONDER, "/api/v1/sightings", {"command_id": cid(), "where": BAKA})
        )
        assert ws.receive_json()["position"] == later["position"]


def test_an_api_key_in_the_first_frame_acts_as_its_account(kit: Kit) -> None:
    start, sighted, declared = _scene(kit)
    path = f"/api/v1/accounts/{kit.accounts[Role.RESPONDER]}/keys"
    key = ok(kit.post(Role.ADMIN, path, {"command_id": cid(), "label": "patrol car"}))["api_key"]
    with live_feed(kit.client, start, key) as ws:
        assert [f["position"] for f in _until_heartbeat(ws)] == [sighted, declared]
    ok(kit.post(Role.ADMIN, f"/api/v1/keys/{key.split('_')[1]}/revoke", {"command_id": cid()}))
    with live_feed(kit.client, start, key) as ws:
        assert _closed_before_a_frame(ws).code == 4401


@pytest.mark.parametrize(
    "frame", [{"kind": "auth"}, {"kind": "auth", "token": None}, {"kind": "auth", "token": " "}]
)
def test_an_auth_frame_without_a_token_is_an_anonymous_client(
    kit: Kit, frame: dict[str, Any]
) -> None:
    start, _, declared = _scene(kit)
    with kit.client.websocket_connect(f"/api/v1/live?after={start}") as ws:
        ws.send_json(frame)
        frames = _until_heartbeat(ws)
    # The public layer only: the danger area, without its issuer; not the sighting.
    assert [f["position"] for f in frames] == [declared]
    assert frames[0]["actor"] == {"id": None, "role": "dispatcher"}


@pytest.mark.parametrize("token", ["bogus", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"])
def test_a_wrong_token_is_closed_with_4401_and_nothing_sent(kit: Kit, token: str) -> None:
    _scene(kit)
    with live_feed(kit.client, 0, token) as ws:
        closed = _closed_before_a_frame(ws)
    assert closed.code == 4401
    assert closed.detail == "invalid token"


def test_an_expired_token_is_closed_with_4401_and_says_so(kit: Kit) -> None:
    token = kit.tokens[Role.DISPATCHER]
    kit.clock.advance(timedelta(days=30))
    with live_feed(kit.client, 0, token) as ws:
        closed = _closed_before_a_frame(ws)
    assert closed.code == 4401
    assert "expired" in closed.detail


@pytest.mark.parametrize(
    ("first", "why"),
    [
        ("not json", "not JSON"),
        ("[]", "must be"),
        ('"auth"', "must be"),
        ('{"token": "x"}', "must be"),
        ('{"kind": "hello", "token": "x"}', "must be"),
        ('{"kind": "auth", "token": 5}', "must be a string"),
        ('{"kind": "auth", "token": ["x"]}', "must be a string"),
        ('{"kind": "auth", "token": "x", "after": 3}', "unknown fields: after"),
        ('{"kind": "auth", "token": "' + "x" * 9000 + '"}', "too long"),
        (b'{"kind": "auth"}', "must be text"),
    ],
)
def test_a_first_frame_that_is_no_auth_frame_is_closed_with_4400(
    kit: Kit, first: str | bytes, why: str
) -> None:
    _scene(kit)
    with kit.client.websocket_connect("/api/v1/live?after=0") as ws:
        if isinstance(first, bytes):
            ws.send_bytes(first)
        else:
            ws.send_text(first)
        closed = _closed_before_a_frame(ws)
    assert closed.code == 4400
    assert why in closed.detail


def test_no_frame_in_time_is_closed_with_4408_and_nothing_sent(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "AUTH_WAIT_S", 0.2)
    _scene(kit)
    began = time.monotonic()
    with kit.client.websocket_connect("/api/v1/live?after=0") as ws:
        closed = _closed_before_a_frame(ws)
    waited = time.monotonic() - began
    assert closed.code == 4408
    assert "no auth frame within 0.2 s" in closed.detail
    assert 0.15 <= waited < 5


def test_a_client_that_leaves_before_its_auth_frame_leaves_the_feed_working(kit: Kit) -> None:
    start, sighted, declared = _scene(kit)
    for _ in range(3):
        with kit.client.websocket_connect(f"/api/v1/live?after={start}"):
            pass
    with live_feed(kit.client, start, kit.tokens[Role.DISPATCHER]) as ws:
        assert [f["position"] for f in _until_heartbeat(ws)] == [sighted, declared]
    hub = kit.client.app.state["runtime"].service.hub
    deadline = time.monotonic() + 5
    while hub.subscribers and time.monotonic() < deadline:  # the last one is let go at once
        time.sleep(0.01)
    assert hub.subscribers == 0


# --- header credentials -----------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["authorization", "x-api-key"])
def test_a_header_credential_needs_no_auth_frame(kit: Kit, scheme: str) -> None:
    start, sighted, declared = _scene(kit)
    token = kit.tokens[Role.DISPATCHER]
    headers = {"Authorization": f"Bearer {token}"} if scheme == "authorization" else {}
    if scheme == "x-api-key":
        path = f"/api/v1/accounts/{kit.accounts[Role.DISPATCHER]}/keys"
        body = {"command_id": cid(), "label": "wall screen"}
        headers = {"X-API-Key": ok(kit.post(Role.ADMIN, path, body))["api_key"]}
    with kit.client.websocket_connect(f"/api/v1/live?after={start}", headers=headers) as ws:
        assert [f["position"] for f in _until_heartbeat(ws)] == [sighted, declared]


def test_with_a_header_credential_an_auth_frame_is_ignored(kit: Kit) -> None:
    # The header decides; a frame sent anyway (even an anonymous or a bogus one) changes
    # nothing, as no frame a client sends on the feed does.
    start, sighted, declared = _scene(kit)
    headers = kit.auth(Role.DISPATCHER)
    with kit.client.websocket_connect(f"/api/v1/live?after={start}", headers=headers) as ws:
        ws.send_json({"kind": "auth", "token": "bogus"})
        assert [f["position"] for f in _until_heartbeat(ws)] == [sighted, declared]
        later = ok(
            kit.post(Role.RESPONDER, "/api/v1/sightings", {"command_id": cid(), "where": BAKA})
        )
        assert ws.receive_json()["position"] == later["position"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer bogus"},
        {"Authorization": "Basic dXNlcjpwdw=="},
        {"X-API-Key": "mk_x_y"},
    ],
)
def test_a_wrong_header_credential_is_closed_with_4401(kit: Kit, headers: dict[str, str]) -> None:
    with kit.client.websocket_connect("/api/v1/live?after=0", headers=headers) as ws:
        closed = _closed_before_a_frame(ws)
    assert closed.code == 4401
    assert closed.detail


# --- no secret from a URL -----------------------------------------------------------------


def test_a_token_in_the_query_does_not_authenticate_the_feed(kit: Kit) -> None:
    start, _, declared = _scene(kit)
    token = kit.tokens[Role.DISPATCHER]
    url = f"/api/v1/live?after={start}&access_token={token}"
    # Anonymous, for all the query says: the public layer only.
    with kit.client.websocket_connect(url) as ws:
        ws.send_json({"kind": "auth"})
        assert [f["position"] for f in _until_heartbeat(ws)] == [declared]
    # And no auth frame is excused by it.
    with kit.client.websocket_connect(url) as ws:
        ws.send_text("hello")
        assert _closed_before_a_frame(ws).code == 4400


def test_a_token_in_the_query_does_not_authenticate_an_http_request(kit: Kit) -> None:
    token = kit.tokens[Role.DISPATCHER]
    me = kit.client.get("/api/v1/accounts/me", headers=kit.auth(Role.DISPATCHER)).json()
    assert me["role"] == "dispatcher"
    queried = kit.client.get(f"/api/v1/accounts/me?access_token={token}")
    assert queried.json() == {"account_id": None, "role": "anonymous"}, queried.text
    # A command is taken as from an anonymous source: refused where only staff may act.
    head = kit.log.head()
    body = {"command_id": cid(), "area": CIRCLE, "reason": "armed_attackers"}
    r = kit.client.post(f"/api/v1/danger-areas?access_token={token}", json=body)
    assert r.status_code in (401, 403), r.text
    assert kit.log.head() == head


def test_the_picture_asked_with_a_token_in_the_query_is_the_anonymous_one(kit: Kit) -> None:
    _scene(kit)
    token = kit.tokens[Role.DISPATCHER]
    anonymous = kit.client.get("/api/v1/picture").json()
    dispatcher = kit.get(Role.DISPATCHER, "/api/v1/picture").json()
    queried = kit.client.get(f"/api/v1/picture?access_token={token}").json()
    assert dispatcher != anonymous
    assert queried == anonymous


# --- several workers ----------------------------------------------------------------------


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[TestClient[Any], TestClient[Any]]]:
    """Two workers on one log; the second polls every 30 s, so only catching up explains what
    it knows of the first's appends."""
    with two_workers(tmp_path / "magen.db", b"w" * 32) as both:
        yield both


def test_an_account_made_on_another_worker_opens_the_feed_by_its_auth_frame(
    workers: tuple[TestClient[Any], TestClient[Any]],
) -> None:
    first, second = workers
    runtime = first.app.state["runtime"]
    command = CreateAccount(
        command_id=uuid.uuid4(),
        username="admin",
        role=Role.ADMIN,
        display_name="Admin",
        password_hash=password_hash(),
    )
    outcome = first.blocking_portal.call(runtime.service.handle, SYSTEM, command)  # type: ignore[union-attr]
    admin_token = runtime.tokens.issue(outcome.events[0].event.account_id, "admin", START)[0]
    admin = {"Authorization": f"Bearer {admin_token}"}
    body = {
        "command_id": cid(),
        "username": "desk",
        "password": PASSWORD,
        "role": "dispatcher",
        "display_name": "Desk",
    }
    made = ok(first.post("/api/v1/accounts", json=body, headers=admin))
    token = sign_in(first, "desk")
    with live_feed(second, 0, token) as ws:
        # Opened, as the dispatcher: the second worker caught up to the account's making.
        assert _until_heartbeat(ws) == []
        where = {"command_id": cid(), "where": BAKA}
        r = second.post(
            "/api/v1/sightings", json=where, headers={"Authorization": f"Bearer {token}"}
        )
        sighting = ok(r)
        assert sighting["position"] > made["position"]
        frame = ws.receive_json()
        while frame["kind"] != "event":
            frame = ws.receive_json()
        assert frame["position"] == sighting["position"]  # a sighting: not sent to anonymous
