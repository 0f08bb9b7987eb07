"""The live feed delivers acknowledged events and resumes exactly where a client left off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _url(kit: Kit, role: Role, after: int) -> str:
    token = kit.tokens.get(role)
    query = f"after={after}" + (f"&access_token={token}" if token else "")
    return f"/api/v1/live?{query}"


def _events_until_heartbeat(ws: Any) -> tuple[list[dict[str, Any]], int]:
    events = []
    while True:
        frame = ws.receive_json()
        if frame["kind"] == "heartbeat":
            return events, frame["position"]
        events.append(frame)


def test_subscriber_receives_an_acknowledged_event(kit: Kit) -> None:
    head = kit.log.head()
    with kit.client.websocket_connect(_url(kit, Role.DISPATCHER, head)) as ws:
        backlog, position = _events_until_heartbeat(ws)
        assert backlog == []
        assert position == head
        r = kit.post(Role.RESPONDER, "/api/v1/sightings", {"command_id": cid(), "where": BAKA})
        assert r.status_code == 201
        frame = ws.receive_json()
        assert frame["kind"] == "event"
        assert frame["type"] == "ThreatSighted"
        assert frame["position"] == r.json()["position"]
        assert frame["data"]["sighting_id"] == r.json()["id"]


def test_reconnect_gets_exactly_the_missed_events(kit: Kit) -> None:
    start = kit.log.head()
    with kit.client.websocket_connect(_url(kit, Role.DISPATCHER, start)) as ws:
        _events_until_heartbeat(ws)
        first = kit.post(Role.RESPONDER, "/api/v1/sightings", {"command_id": cid(), "where": BAKA})
        last_seen = ws.receive_json()["position"]
        assert last_seen == first.json()["position"]
    missed = [
        kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": BAKA}).json()[
            "position"
        ]
        for _ in range(3)
    ]
    with kit.client.websocket_connect(_url(kit, Role.DISPATCHER, last_seen)) as ws:
        backlog, position = _events_until_heartbeat(ws)
        assert [e["position"] for e in backlog] == missed
        assert position == missed[-1]


def test_feed_is_filtered_by_role(kit: Kit) -> None:
    start = kit.log.head()
    own = kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": BAKA}).json()
    kit.post(
        Role.RESPONDER, "/api/v1/responders/check-in", {"command_id": cid(), "kind": "volunteer"}
    )
    kit.post(Role.ADMIN, "/api/v1/sightings", {"command_id": cid(), "where": BAKA})
    with kit.client.websocket_connect(_url(kit, Role.RESIDENT, start)) as ws:
        backlog, position = _events_until_heartbeat(ws)
    assert [e["data"]["sos_id"] for e in backlog] == [own["id"]]
    assert position == kit.log.head()
    with kit.client.websocket_connect(_url(kit, Role.ANONYMOUS, start)) as ws:
        backlog, _ = _events_until_heartbeat(ws)
    assert backlog == []


def test_secrets_never_reach_the_feed(kit: Kit) -> None:
    with kit.client.websocket_connect(_url(kit, Role.ADMIN, 0)) as ws:
        backlog, _ = _events_until_heartbeat(ws)
    created = [e for e in backlog if e["type"] == "AccountCreated"]
    assert created
    assert all("password_hash" not in e["data"] for e in created)


def test_bad_token_and_bad_position_close_the_socket(kit: Kit) -> None:
    from litestar.exceptions import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect),
        kit.client.websocket_connect("/api/v1/live?after=0&access_token=bogus") as ws,
    ):
        ws.receive_json()
    with (
        pytest.raises(WebSocketDisconnect),
        kit.client.websocket_connect(
            _url(kit, Role.DISPATCHER, 0).replace("after=0", "after=-4")
        ) as ws,
    ):
        ws.receive_json()
