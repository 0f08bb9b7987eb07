"""Responders through the API: call signs, and refusals a client acts on.

A responder checks in with a call sign (what the dispatcher calls them on the radio), or is
called by their account's name. The field's picture, the CoT feed and GeoJSON carry it; a
check-in logged before call signs existed still reads. A command before check-in is refused
with a rule the page acts on, not English to be parsed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from lxml import etree

from magen.app.codec import decode, encode
from magen.domain.base import Actor
from magen.domain.responders import ResponderCheckedIn, ResponderKind, ResponderStatus
from magen.domain.values import Role
from magen.store.base import StoredEvent
from support.apikit import BAKA, Kit, api_kit, cid


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def check_in(kit: Kit, **extra: Any) -> Any:
    body = {"command_id": cid(), "kind": "police_on_duty", "where": BAKA, **extra}
    return kit.post(Role.RESPONDER, "/api/v1/responders/check-in", body)


def responder_in_picture(kit: Kit, role: Role = Role.DISPATCHER) -> dict[str, Any]:
    r = kit.get(role, "/api/v1/picture")
    assert r.status_code == 200, r.text
    (me,) = [x for x in r.json()["responders"] if x["id"] == kit.accounts[Role.RESPONDER]]
    return dict(me)


def test_a_call_sign_given_at_check_in_is_what_the_field_sees(kit: Kit) -> None:
    assert check_in(kit, callsign="  Patrol 3 ").status_code == 201
    assert responder_in_picture(kit)["callsign"] == "Patrol 3"
    assert responder_in_picture(kit, Role.MEDIC)["callsign"] == "Patrol 3"


def test_without_a_call_sign_the_account_name_is_used(kit: Kit) -> None:
    assert check_in(kit).status_code == 201
    assert responder_in_picture(kit)["callsign"] == "Responder"  # the kit's display name
    assert check_in(kit, callsign="").status_code == 201
    assert responder_in_picture(kit)["callsign"] == "Responder"


def test_checking_in_again_changes_the_call_sign(kit: Kit) -> None:
    check_in(kit, callsign="Patrol 3")
    check_in(kit, callsign="סיור 7")
    assert responder_in_picture(kit)["callsign"] == "סיור 7"


def test_a_call_sign_too_long_is_refused_with_its_limit_and_appends_nothing(kit: Kit) -> None:
    before = len(kit.log.read())
    r = check_in(kit, callsign="x" * 41)
    assert r.status_code == 400, r.text
    (detail,) = [d for d in r.json()["details"] if d["field"].endswith("callsign")]
    assert detail["rule"] == "string_too_long", detail
    assert detail["limit"] == 40
    assert len(kit.log.read()) == before


def test_tak_and_gis_feeds_carry_the_call_sign(kit: Kit) -> None:
    check_in(kit, callsign="Patrol 3")
    r = kit.get(Role.DISPATCHER, "/api/v1/cot")
    assert r.status_code == 200, r.text
    root = etree.fromstring(r.content)
    callsigns = root.xpath("//event[starts-with(@type, 'a-f-')]/detail/contact/@callsign")
    assert callsigns == ["Patrol 3"]
    r = kit.get(Role.DISPATCHER, "/api/v1/picture.geojson")
    (feature,) = [f for f in r.json()["features"] if f["properties"]["kind"] == "responder"]
    assert feature["properties"]["callsign"] == "Patrol 3"


def test_a_check_in_logged_before_call_signs_still_reads(kit: Kit) -> None:
    event = ResponderCheckedIn(
        responder_id="acc_1234567890",
        kind=ResponderKind.MEDIC,
        capabilities=frozenset(),
        radio_channel="",
        status=ResponderStatus.AVAILABLE,
        where=None,
    )
    new = encode(
        event,
        event_id=uuid.uuid4(),
        recorded_at=kit.clock.now(),
        actor=Actor(account_id="acc_1234567890", role=Role.MEDIC),
        command_id=None,
        command_hash=None,
    )
    envelope = json.loads(new.data)
    del envelope["data"]["callsign"]  # as the log held it before call signs
    old = json.dumps(envelope).encode()
    stored = StoredEvent(position=1, event_id=new.event_id, type=new.type, data=old)
    got = decode(stored).event
    assert isinstance(got, ResponderCheckedIn)
    assert got.callsign == ""


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/responders/position", {"where": BAKA}),
        ("/api/v1/responders/status", {"status": "on_scene"}),
        ("/api/v1/responders/check-out", {}),
    ],
)
def test_a_command_before_check_in_names_its_rule(
    kit: Kit, path: str, body: dict[str, Any]
) -> None:
    before = len(kit.log.read())
    r = kit.post(Role.RESPONDER, path, {"command_id": cid(), **body})
    assert r.status_code == 404, r.text
    assert r.json()["error"] == "not_found"
    assert r.json()["rule"] == "not_checked_in"
    assert len(kit.log.read()) == before


def test_a_refusal_with_no_rule_of_its_own_carries_none(kit: Kit) -> None:
    r = kit.post(Role.DISPATCHER, "/api/v1/tracks/trk_nope/confirm", {"command_id": cid()})
    assert r.status_code == 404, r.text
    assert "rule" not in r.json()


def test_refusals_a_page_says_in_its_words_name_their_rule(kit: Kit) -> None:
    """A resolved call resolved again, a responder sent on a second task: each refusal names
    its rule; nothing is appended."""
    r = kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": BAKA})
    sos = r.json()["id"]
    done = {"command_id": cid(), "outcome": "rescued"}
    assert kit.post(Role.DISPATCHER, f"/api/v1/sos/{sos}/resolve", done).status_code == 201
    check_in(kit)
    before = len(kit.log.read())
    again = kit.post(
        Role.DISPATCHER, f"/api/v1/sos/{sos}/resolve", {"command_id": cid(), "outcome": "rescued"}
    )
    assert (again.status_code, again.json()["rule"]) == (422, "sos_resolved")
    me = kit.accounts[Role.RESPONDER]
    open_sos = kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": BAKA})
    target = {"responder_id": me, "incident_id": open_sos.json()["id"]}
    first = kit.post(
        Role.DISPATCHER, "/api/v1/dispatch/assignments", {"command_id": cid(), **target}
    )
    assert first.status_code == 201, first.text
    second = kit.post(
        Role.DISPATCHER, "/api/v1/dispatch/assignments", {"command_id": cid(), **target}
    )
    assert (second.status_code, second.json()["rule"]) == (409, "responder_busy")
    assert len(kit.log.read()) == before + 2  # the second call and the first assignment only
