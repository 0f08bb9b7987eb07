"""The live feed delivers acknowledged events and resumes exactly where a client left off."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.livekit import live_feed
from magen.domain.picture import Picture
from magen.domain.values import Role
from support.apikit import BAKA, PASSWORD, Kit, api_kit, cid, ok, sign_in


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _feed(kit: Kit, role: Role, after: int | str) -> Any:
    """The feed as a browser signed in with `role` opens it (anonymous: no token)."""
    return live_feed(kit.client, after, kit.tokens.get(role))


def _events_until_heartbeat(ws: Any) -> tuple[list[dict[str, Any]], int]:
    events = []
    while True:
        frame = ws.receive_json()
        if frame["kind"] == "heartbeat":
            return events, frame["position"]
        events.append(frame)


def test_subscriber_receives_an_acknowledged_event(kit: Kit) -> None:
    head = kit.log.head()
    with _feed(kit, Role.DISPATCHER, head) as ws:
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
    with _feed(kit, Role.DISPATCHER, start) as ws:
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
    with _feed(kit, Role.DISPATCHER, last_seen) as ws:
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
    with _feed(kit, Role.RESIDENT, start) as ws:
        backlog, position = _events_until_heartbeat(ws)
    assert [e["data"]["sos_id"] for e in backlog] == [own["id"]]
    assert position == kit.log.head()
    with _feed(kit, Role.ANONYMOUS, start) as ws:
        backlog, _ = _events_until_heartbeat(ws)
    assert backlog == []


def test_secrets_never_reach_the_feed(kit: Kit) -> None:
    with _feed(kit, Role.ADMIN, 0) as ws:
        backlog, _ = _events_until_heartbeat(ws)
    created = [e for e in backlog if e["type"] == "AccountCreated"]
    assert created
    assert all("password_hash" not in e["data"] for e in created)


def test_bad_token_and_bad_position_close_the_socket(kit: Kit) -> None:
    from litestar.exceptions import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect) as closed,
        live_feed(kit.client, 0, "bogus") as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4401
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        _feed(kit, Role.DISPATCHER, -4) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4400


# --- hospitals read only their own casualties ---------------------------------------------

RED = {"walks": False, "breathes": True, "respiratory_rate": 36}


def _second_hospital_token(kit: Kit) -> tuple[str, str]:
    """A second hospital account (the kit has one per role): its id and a token."""
    created = ok(
        kit.post(
            Role.ADMIN,
            "/api/v1/accounts",
            {
                "command_id": cid(),
                "username": "hadassah-desk",
                "password": PASSWORD,
                "role": "hospital",
                "display_name": "Hadassah ED",
            },
        )
    )
    return str(created["id"]), sign_in(kit.client, "hadassah-desk")


def _register(kit: Kit, hospital_id: str, account_id: str, lat: float, lon: float) -> None:
    ok(
        kit.post(
            Role.ADMIN,
            "/api/v1/hospitals",
            {
                "command_id": cid(),
                "hospital_id": hospital_id,
                "name": hospital_id.replace("-", " ").title(),
                "where": {"lat": lat, "lon": lon},
                "account_id": account_id,
                "trauma_centre": True,
            },
        )
    )


def _casualty(kit: Kit, tag: str, hair: str) -> tuple[str, list[int]]:
    """A casualty recorded, described and treated at the scene, and its events' positions."""
    body = {"command_id": cid(), "tag": tag, "where": BAKA, "protocol": "start", "answers": RED}
    recorded = ok(kit.post(Role.MEDIC, "/api/v1/casualties", body))
    casualty = str(recorded["id"])
    described = ok(
        kit.post(
            Role.MEDIC,
            f"/api/v1/casualties/{casualty}/describe",
            {"command_id": cid(), "description": {"sex": "male", "hair": hair}},
        )
    )
    treated = ok(
        kit.post(
            Role.MEDIC,
            f"/api/v1/casualties/{casualty}/interventions",
            {"command_id": cid(), "kind": "tourniquet", "site": "left_leg"},
        )
    )
    positions = [e["position"] for e in recorded["events"]]
    return casualty, [*positions, described["position"], treated["position"]]


def _frames_until(ws: Any, marker: int) -> list[dict[str, Any]]:
    """Event frames up to and including the one at the marker position."""
    frames = []
    while True:
        frame = ws.receive_json()
        if frame["kind"] == "event":
            frames.append(frame)
            if frame["position"] == marker:
                return frames


def _status(kit: Kit, hospital_id: str) -> int:
    """A status report every medical role sees: a marker in the feed."""
    body = {"command_id": cid(), "status": {"ems_traffic": "Normal"}}
    return int(
        ok(kit.post(Role.DISPATCHER, f"/api/v1/hospitals/{hospital_id}/status", body))["position"]
    )


def _about(frames: list[dict[str, Any]], casualty: str) -> list[dict[str, Any]]:
    return [f for f in frames if f["data"].get("casualty_id") == casualty]


def test_a_hospital_is_sent_only_its_own_casualties_with_their_record_on_handover(
    kit: Kit,
) -> None:
    other_account, other_token = _second_hospital_token(kit)
    _register(kit, "shaare-zedek", kit.accounts[Role.HOSPITAL], 31.7737, 35.1817)
    _register(kit, "hadassah-ek", other_account, 31.7648, 35.1477)
    mine, mine_earlier = _casualty(kit, "T-101", "red")
    theirs, theirs_earlier = _casualty(kit, "T-102", "grey")
    start = kit.log.head()
    with _feed(kit, Role.HOSPITAL, start) as sz, live_feed(kit.client, start, other_token) as he:
        assert _events_until_heartbeat(sz)[0] == []
        assert _events_until_heartbeat(he)[0] == []
        ride = {"command_id": cid(), "vehicle": "MDA 12", "destination": "shaare-zedek"}
        to_sz = ok(kit.post(Role.MEDIC, f"/api/v1/casualties/{mine}/evacuate", ride))["position"]
        ride = {"command_id": cid(), "vehicle": "MDA 14", "destination": "hadassah-ek"}
        to_he = ok(kit.post(Role.MEDIC, f"/api/v1/casualties/{theirs}/evacuate", ride))["position"]
        marker = _status(kit, "shaare-zedek")
        sz_frames = _frames_until(sz, marker)
        he_frames = _frames_until(he, marker)

    # Each hospital is sent its incoming casualty's evacuation, carrying the record from the
    # scene (tag, triage, description, tourniquet), and nothing of the other hospital's.
    assert [f["position"] for f in sz_frames] == [to_sz, marker]
    assert [f["position"] for f in he_frames] == [to_he, marker]
    for frames, casualty, earlier in (
        (sz_frames, mine, mine_earlier),
        (he_frames, theirs, theirs_earlier),
    ):
        handover = frames[0]
        assert handover["type"] == "CasualtyEvacuated"
        assert handover["data"]["casualty_id"] == casualty
        assert [e["position"] for e in handover["earlier"]] == earlier
        assert [e["type"] for e in handover["earlier"]] == [
            "CasualtyRecorded",
            "CasualtyTriaged",
            "CasualtyDescribed",
            "InterventionRecorded",
        ]
        assert {e["data"]["casualty_id"] for e in handover["earlier"]} == {casualty}
    assert "grey" not in str(sz_frames)
    assert "red" not in str(he_frames)

    # Resuming from before the handover gets it again, whole; from after it, nothing old.
    with _feed(kit, Role.HOSPITAL, start) as sz:
        backlog, _ = _events_until_heartbeat(sz)
    assert backlog == sz_frames
    with _feed(kit, Role.HOSPITAL, to_sz) as sz:
        backlog, _ = _events_until_heartbeat(sz)
    assert [f["position"] for f in backlog] == [marker]


def test_a_diverted_casualty_leaves_one_hospitals_feed_and_enters_the_others(kit: Kit) -> None:
    other_account, other_token = _second_hospital_token(kit)
    _register(kit, "shaare-zedek", kit.accounts[Role.HOSPITAL], 31.7737, 35.1817)
    _register(kit, "hadassah-ek", other_account, 31.7648, 35.1477)
    casualty, at_scene = _casualty(kit, "T-201", "red")
    ride = {"command_id": cid(), "vehicle": "MDA 12", "destination": "shaare-zedek"}
    to_sz = ok(kit.post(Role.MEDIC, f"/api/v1/casualties/{casualty}/evacuate", ride))["position"]
    # The ambulance is diverted: the casualty arrives at Hadassah, which records it and admits.
    headers = {"Authorization": f"Bearer {other_token}"}
    arrival = {"command_id": cid(), "hospital_id": "hadassah-ek"}
    arrived = kit.client.post(
        f"/api/v1/casualties/{casualty}/arrival", json=arrival, headers=headers
    )
    arrived_at = ok(arrived)["position"]
    admitted = kit.client.post(
        f"/api/v1/casualties/{casualty}/admit", json={"command_id": cid()}, headers=headers
    )
    admitted_at = ok(admitted)["position"]
    marker = _status(kit, "hadassah-ek")

    with _feed(kit, Role.HOSPITAL, 0) as sz:
        sz_frames = _about(_events_until_heartbeat(sz)[0], casualty)
    with live_feed(kit.client, 0, other_token) as he:
        he_frames = _about(_events_until_heartbeat(he)[0], casualty)
    # Shaare Zedek: the evacuation to it (with the scene record) and the arrival elsewhere,
    # which tells it the casualty is not coming; nothing after.
    assert [f["position"] for f in sz_frames] == [to_sz, arrived_at]
    assert [e["position"] for e in sz_frames[0]["earlier"]] == at_scene
    assert "earlier" not in sz_frames[1]
    # Hadassah: the arrival brings everything before it, the evacuation to the other included.
    assert [f["position"] for f in he_frames] == [arrived_at, admitted_at]
    assert [e["position"] for e in he_frames[0]["earlier"]] == [*at_scene, to_sz]
    # The board agrees with the feed.
    assert kit.get(Role.HOSPITAL, "/api/v1/casualties").json() == []
    board = kit.client.get("/api/v1/casualties", headers=headers).json()
    assert [c["id"] for c in board] == [casualty]
    assert marker > admitted_at


def test_other_medical_roles_see_every_casualty_and_the_public_none(kit: Kit) -> None:
    start = kit.log.head()
    casualty, positions = _casualty(kit, "T-301", "brown")
    for role in (Role.MEDIC, Role.DISPATCHER, Role.REGISTRAR, Role.ANALYST, Role.ADMIN):
        with _feed(kit, role, start) as ws:
            frames = _events_until_heartbeat(ws)[0]
        assert [f["position"] for f in _about(frames, casualty)] == positions, role
        assert all("earlier" not in f for f in frames), role
    for role in (Role.RESIDENT, Role.RESPONDER, Role.ANONYMOUS, Role.HOSPITAL):
        with _feed(kit, role, start) as ws:
            frames = _events_until_heartbeat(ws)[0]
        assert _about(frames, casualty) == [], role


def test_the_public_feed_shows_no_one_behind_a_danger_area_and_not_its_track(kit: Kit) -> None:
    # A danger area names a track the picture has (an unknown one is refused 404).
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/sightings",
        {"command_id": cid(), "where": {"lat": 31.7600, "lon": 35.2170}},
    )
    runtime = kit.client.app.state["runtime"]
    secret = str(runtime.service.state.slice(Picture).fuser.track_of(r.json()["id"]))
    start = kit.log.head()
    circle = {"kind": "circle", "lat": 31.7600, "lon": 35.2170, "radius_m": 80}
    body = {"command_id": cid(), "area": circle, "reason": "armed_attackers"}
    ok(kit.post(Role.DISPATCHER, "/api/v1/danger-areas", {**body, "threat_id": secret}))
    for role in (Role.ANONYMOUS, Role.RESIDENT, Role.HOSPITAL, Role.REGISTRAR):
        with _feed(kit, role, start) as ws:
            frames = _events_until_heartbeat(ws)[0]
        declared = [f for f in frames if f["type"] == "DangerAreaDeclared"]
        assert len(declared) == 1, role
        assert declared[0]["data"]["area"]["radius_m"] == 80
        assert secret not in str(frames), role
        assert kit.accounts[Role.DISPATCHER] not in str(frames), role
        assert declared[0]["actor"] == {"id": None, "role": "dispatcher"}
    for role in (Role.RESPONDER, Role.DISPATCHER, Role.ANALYST):
        with _feed(kit, role, start) as ws:
            frames = _events_until_heartbeat(ws)[0]
        declared = [f for f in frames if f["type"] == "DangerAreaDeclared"]
        assert declared[0]["data"]["threat_id"] == secret, role
        assert declared[0]["actor"]["id"] == kit.accounts[Role.DISPATCHER], role
