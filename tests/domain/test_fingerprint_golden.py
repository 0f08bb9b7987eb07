"""Fingerprints are byte-for-byte the digests earlier versions stored.

A stored digest is compared with a retry's, which may reach another worker or come after a
restart on newer code: any change in how a command is fingerprinted turns an honest retry into
a conflict. The digests below were written by the original implementation (`_original`:
sha256 of "Name|account|" and the canonical JSON of `model_dump(mode="python")`, less the id).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

from magen.domain.alerts import (
    AlertCategory,
    Circle,
    DangerReason,
    DeclareAllClear,
    DeclareDangerArea,
    IssueAlert,
    LocalText,
    Polygon,
)
from magen.domain.base import Actor, Command
from magen.domain.reports import Armed, Mobility, RaiseSos, ReportSighting, UpdateSos
from magen.domain.responders import Capability, CheckIn, ResponderKind
from magen.domain.values import GeoPoint, Role

ID = uuid.UUID("0b6e2a4c-1f3d-4e5a-8b7c-9d0e1f2a3b4c")
AT = datetime(2023, 10, 7, 6, 30, 15, 123456, tzinfo=UTC)
RESPONDER = Actor("acc_1", Role.RESPONDER)
ANONYMOUS = Actor(None, Role.ANONYMOUS, "anon_1")

CASES: list[tuple[str, Command, Actor]] = [
    (
        "sighting, every field",
        ReportSighting(
            command_id=ID,
            where=GeoPoint(lat=31.7615, lon=35.216, accuracy_m=12.5),
            observed_at=AT,
            count=3,
            mobility=Mobility.VEHICLE,
            armed=Armed.YES,
            heading_deg=271.25,
            text="שלום — مرحبا — hello \u2603",
        ),
        RESPONDER,
    ),
    (
        "sighting, defaults",
        ReportSighting(command_id=ID, where=GeoPoint(lat=-0.0, lon=0.1)),
        ANONYMOUS,
    ),
    (
        "sighting, other zone",
        ReportSighting(
            command_id=ID,
            where=GeoPoint(lat=31.5, lon=34.5),
            observed_at=datetime(2023, 10, 7, 9, 0, tzinfo=timezone(timedelta(hours=3))),
        ),
        RESPONDER,
    ),
    (
        "sos",
        RaiseSos(
            command_id=ID,
            where=GeoPoint(lat=31.0, lon=35.0),
            people=4,
            injured=2,
            children=1,
            silent=True,
            text='"quoted" \\ back\nnew line',
        ),
        ANONYMOUS,
    ),
    ("sos update", UpdateSos(command_id=ID, sos_id="sos_1", people=5, text=None), RESPONDER),
    (
        "check in, a set of enums",
        CheckIn(command_id=ID, kind=ResponderKind.VOLUNTEER, capabilities=frozenset(Capability)),
        RESPONDER,
    ),
    ("check in, empty set", CheckIn(command_id=ID, kind=ResponderKind.MEDIC), RESPONDER),
    (
        "alert, nested",  # tuples, a dict, a union of models, nested text
        IssueAlert(
            command_id=ID,
            category=AlertCategory.MISSILES,
            zone_ids=("zone_b", "zone_a"),
            seconds_to_shelter={"zone_b": 90, "zone_a": 15},
            areas=(
                Circle(lat=31.7, lon=35.2, radius_m=250.0),
                Polygon(ring=((35.0, 31.0), (35.1, 31.0), (35.1, 31.1), (35.0, 31.0))),
            ),
            instruction=LocalText(he="היכנסו למרחב המוגן", en="Enter the shelter"),
            drill=True,
            issued_at=AT,
            expires_at=AT + timedelta(minutes=10),
        ),
        Actor("system", Role.ADMIN),
    ),
    (
        "all clear, enums",
        DeclareAllClear(
            command_id=ID,
            zone_ids=("zone_a",),
            categories=(AlertCategory.MISSILES, AlertCategory.TERRORIST_INFILTRATION),
        ),
        RESPONDER,
    ),
    (
        "danger area",
        DeclareDangerArea(
            command_id=ID,
            area=Circle(lat=31.7, lon=35.2, radius_m=1e3),
            reason=DangerReason.FIRE,
            note="ä",
            starts_at=AT,
        ),
        RESPONDER,
    ),
]

GOLDEN: dict[str, str] = {
    "sighting, every field": "49d9998c03488c719a4025522bea019abe7b9a8e864bf84379786a6f630e4122",
    "sighting, defaults": "6fd41b4f556469a7b809dea7b822f633df1a1b5193b13e0b47e81ce7558d4e3b",
    "sighting, other zone": "3fa69e96d258f64712f6e08f99a113aa224de898ef02bf833359852716cfde38",
    "sos": "7fa30626fc68836e2d134a0017c51797baa0bd497f864abd8f0d9389764dddbf",
    "sos update": "5765f2040cc831aa5d9e4e07cbc1dc007ae84ea4546fc7d1a71c9ac8f5fee640",
    "check in, a set of enums": "87a90ee75911060e7abe5927a57c50947e6f5515bfa237e9def6a70756446ed5",
    "check in, empty set": "d7f0cfca7d6a08b42fcc70530118c4e341628b7d0af4946f55f308330bde531c",
    "alert, nested": "2b46850de6ccd81fbf8011de077922ed1599c1cefe387f7cba6e86c7b7cb67df",
    "all clear, enums": "7297f50a7815775ecda580c589e1137582d143879ffd54c4725c32e4ac3c07b2",
    "danger area": "71b086776c32725bf6a0ba61f46fec025f196ccb465dd34011cb3f09d564c56b",
}


def _original(command: Command, actor: Actor) -> str:
    """The fingerprint as first written, kept here to hold the fast one to it (a field added
    later is left out at its default, so the digests stored before it stay the same)."""
    encoder = msgspec.json.Encoder(order="deterministic", enc_hook=str)
    fields = type(command).model_fields
    later = {f for f in command.added_later if getattr(command, f) == fields[f].default}
    body = encoder.encode(command.model_dump(mode="python", exclude={"command_id", *later}))
    head = f"{type(command).__name__}|{actor.account_id}|".encode()
    return hashlib.sha256(head + body).hexdigest()


@pytest.mark.parametrize(("name", "command", "actor"), CASES, ids=[c[0] for c in CASES])
def test_fingerprint_is_the_stored_digest(name: str, command: Command, actor: Actor) -> None:
    assert command.fingerprint(actor) == GOLDEN[name]
    assert _original(command, actor) == GOLDEN[name]


def test_the_command_id_is_not_part_of_the_fingerprint() -> None:
    for _, command, actor in CASES:
        other = command.model_copy(update={"command_id": uuid.uuid4()})
        assert other.fingerprint(actor) == command.fingerprint(actor)


def test_a_field_added_later_changes_the_digest_only_when_given() -> None:
    """A check-in retried from before call signs existed is still the same command; one that
    names a call sign is another."""
    plain = CheckIn(command_id=ID, kind=ResponderKind.MEDIC)
    named = CheckIn(command_id=ID, kind=ResponderKind.MEDIC, callsign="Medic 4")
    assert plain.fingerprint(RESPONDER) == GOLDEN["check in, empty set"]
    assert named.fingerprint(RESPONDER) not in GOLDEN.values()
    assert named.fingerprint(RESPONDER) == _original(named, RESPONDER)
