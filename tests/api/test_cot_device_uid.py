"""CoT: one uid per person on TAK maps, and each position's accuracy as its `ce`.

A responder whose position comes from their own TAK device (POST /cot) is already on every
TAK map under the device's uid; Magen's feed leaves them out instead of drawing a second
marker under a uid of its own. A position from Magen's app makes them Magen's to draw again.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from lxml import etree

from magen.app.codec import decode, encode
from magen.domain.base import Actor
from magen.domain.responders import ReportPosition, ResponderMoved
from magen.domain.values import GeoPoint, Role
from magen.store.base import StoredEvent
from support.apikit import BAKA, Kit, api_kit, cid, ok

DEVICE = "ANDROID-358240051111110"


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        body = {"command_id": cid(), "kind": "medic", "callsign": "Magen 7"}
        where = {**BAKA, "accuracy_m": 12.5}
        ok(k.post(Role.MEDIC, "/api/v1/responders/check-in", {**body, "where": where}))
        yield k


def _stamp(kit: Kit, seconds_ago: float = 0) -> str:
    t = kit.clock.now() - timedelta(seconds=seconds_ago)
    return t.isoformat().replace("+00:00", "Z")


def _device_fix(
    kit: Kit,
    *,
    seconds_ago: float = 0,
    uid: str = DEVICE,
    lat: str = "31.7601",
    role: Role = Role.MEDIC,
) -> Any:
    t = _stamp(kit, seconds_ago)
    body = (
        f'<event version="2.0" uid="{uid}" type="a-f-G-U-C" how="m-g" time="{t}" start="{t}"'
        f' stale="{t}"><point lat="{lat}" lon="35.212" hae="780.5" ce="4.9" le="9999999.0"/>'
        f'<detail><contact callsign="MEDIC-1"/><track course="90" speed="1.4"/></detail></event>'
    ).encode()
    headers = {**kit.auth(role), "Content-Type": "application/xml"}
    return kit.client.post("/api/v1/cot", content=body, headers=headers)


def _app_fix(kit: Kit, *, seconds_ago: float = 0, accuracy_m: float | None = 30.0) -> Any:
    where: dict[str, Any] = {"lat": 31.7605, "lon": 35.2125}
    if accuracy_m is not None:
        where["accuracy_m"] = accuracy_m
    body = {"command_id": cid(), "where": where, "observed_at": _stamp(kit, seconds_ago)}
    return kit.post(Role.MEDIC, "/api/v1/responders/position", body)


def _friendly(kit: Kit) -> dict[str, etree._Element]:
    r = kit.get(Role.DISPATCHER, "/api/v1/cot")
    assert r.status_code == 200, r.text
    root = etree.fromstring(r.content)
    return {str(e.get("uid")): e for e in root.iterfind("event") if e.get("type", "")[:3] == "a-f"}


def _ce(event: etree._Element) -> float:
    point = event.find("point")
    assert point is not None
    return float(point.get("ce") or "nan")


def _medic_uid(kit: Kit) -> str:
    return f"magen-responder-{kit.accounts[Role.MEDIC]}"


def _picture_medic(kit: Kit) -> dict[str, Any]:
    picture = ok(kit.get(Role.DISPATCHER, "/api/v1/picture"))
    (me,) = [r for r in picture["responders"] if r["id"] == kit.accounts[Role.MEDIC]]
    return dict(me)


def test_a_position_from_the_app_carries_its_accuracy_as_ce(kit: Kit) -> None:
    events = _friendly(kit)
    assert _ce(events[_medic_uid(kit)]) == 12.5  # the check-in's own position
    kit.clock.advance(timedelta(seconds=10))
    assert _app_fix(kit).status_code == 201
    assert _ce(_friendly(kit)[_medic_uid(kit)]) == 30.0
    kit.clock.advance(timedelta(seconds=10))
    assert _app_fix(kit, accuracy_m=None).status_code == 201
    assert _ce(_friendly(kit)[_medic_uid(kit)]) == 9999999.0  # unknown, said as CoT says it


def test_a_tak_device_position_is_not_drawn_again_under_another_uid(kit: Kit) -> None:
    kit.clock.advance(timedelta(seconds=10))
    r = _device_fix(kit)
    assert r.status_code == 201, r.text
    # Magen knows where the medic is (the console shows it) ...
    me = _picture_medic(kit)
    assert (me["lat"], me["lon"]) == (31.7601, 35.212)
    # ... but TAK users already see the device's own marker: no second one, under any uid.
    assert _friendly(kit) == {}
    # The device's next fix keeps it so.
    kit.clock.advance(timedelta(seconds=10))
    assert _device_fix(kit).status_code == 201
    assert _friendly(kit) == {}


def test_a_later_position_from_the_app_makes_the_responder_magens_again(kit: Kit) -> None:
    kit.clock.advance(timedelta(seconds=10))
    assert _device_fix(kit).status_code == 201
    # An app position older than the device's fix (a phone's retry queue) changes nothing.
    assert _app_fix(kit, seconds_ago=5).status_code == 201
    assert _friendly(kit) == {}
    kit.clock.advance(timedelta(seconds=10))
    assert _app_fix(kit).status_code == 201
    events = _friendly(kit)
    assert list(events) == [_medic_uid(kit)]
    assert _ce(events[_medic_uid(kit)]) == 30.0
    # And the device again: left to the device again.
    kit.clock.advance(timedelta(seconds=10))
    assert _device_fix(kit).status_code == 201
    assert _friendly(kit) == {}


def test_the_device_uid_is_recorded_with_the_position(kit: Kit) -> None:
    kit.clock.advance(timedelta(seconds=10))
    assert _device_fix(kit).status_code == 201
    moved = [r.event for r in map(decode, kit.log.read()) if isinstance(r.event, ResponderMoved)]
    assert moved[-1].device_uid == DEVICE
    assert moved[-1].where.accuracy_m == 4.9


def test_a_move_logged_before_device_uids_reads_as_magens(kit: Kit) -> None:
    medic = kit.accounts[Role.MEDIC]
    old = (
        b'{"type":"ResponderMoved","responder_id":"' + medic.encode() + b'",'
        b'"where":{"lat":31.7601,"lon":35.212,"accuracy_m":4.9},'
        b'"observed_at":"2023-10-07T06:30:15Z"}'
    )
    new = encode(
        ResponderMoved.model_validate_json(old),
        event_id=uuid.uuid4(),
        recorded_at=kit.clock.now(),
        actor=Actor(account_id=medic, role=Role.MEDIC),
        command_id=None,
        command_hash=None,
    )
    recorded = decode(StoredEvent(1, new.event_id, new.type, new.data))
    assert isinstance(recorded.event, ResponderMoved)
    assert recorded.event.device_uid is None


def test_an_app_position_keeps_the_fingerprint_it_had_before_device_uids() -> None:
    actor = Actor("acc_1", Role.MEDIC)
    cmd = ReportPosition(
        command_id=uuid.UUID("0b6e2a4c-1f3d-4e5a-8b7c-9d0e1f2a3b4c"),
        where=GeoPoint(lat=31.7601, lon=35.212, accuracy_m=4.9),
    )
    # As first written: sha256 of "Name|account|" and the canonical JSON of the fields.
    encoder = msgspec.json.Encoder(order="deterministic", enc_hook=str)
    body = encoder.encode({"where": cmd.where.model_dump(mode="python"), "observed_at": None})
    original = hashlib.sha256(b"ReportPosition|acc_1|" + body).hexdigest()
    assert cmd.fingerprint(actor) == original
    named = cmd.model_copy(update={"device_uid": DEVICE})
    assert named.fingerprint(actor) != original


def test_the_same_event_from_another_account_is_judged_by_its_own_role(kit: Kit) -> None:
    """The command id was the device's uid and time alone: an analyst resending a medic's
    event was told "this command id was already used", not that analysts may not report."""
    assert _device_fix(kit).status_code == 201
    again = _device_fix(kit, role=Role.ANALYST)
    assert again.status_code == 403, again.text
    assert _device_fix(kit).status_code == 200  # the medic's own resend is one report


def test_another_position_at_the_same_time_is_said_in_the_devices_terms(kit: Kit) -> None:
    """A TAK client sends no command id: a conflict is said as its event, not as an id."""
    assert _device_fix(kit).status_code == 201
    moved = _device_fix(kit, lat="31.7650")
    assert moved.status_code == 409, moved.text
    reason = moved.json()["reason"]
    assert reason.startswith(f"an event from device {DEVICE} at ")
    assert "a new fix is sent with a new time" in reason
