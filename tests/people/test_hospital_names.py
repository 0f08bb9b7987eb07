"""A hospital's name in Hebrew, Arabic and English beside its name of record."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import msgspec
import pytest
from pydantic import ValidationError

from magen.app.codec import decode, encode
from magen.domain.base import Actor, DecisionContext, Recorded, decide, evolve
from magen.domain.hospitals import (
    HospitalNames,
    HospitalRegistered,
    Hospitals,
    RegisterHospital,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from magen.interop.edxl_have import export_have
from magen.store.base import StoredEvent

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ADMIN = Actor("acc_admin", Role.ADMIN)
WHERE = GeoPoint(lat=31.7743, lon=35.1826)
SZ = HospitalNames(he="שערי צדק", ar="مستشفى شعاري تسيديك")


def _registered(cmd: RegisterHospital) -> State:
    state = State()
    for i, e in enumerate(decide(state, cmd, DecisionContext(ADMIN, T0)), start=1):
        evolve(state, Recorded(i, uuid.uuid4(), T0, ADMIN, cmd.command_id, None, e))
    return state


def test_names_are_registered_and_kept_beside_the_name_of_record() -> None:
    cmd = RegisterHospital(
        command_id=uuid.uuid4(), hospital_id="shaare-zedek", name="Shaare Zedek", where=WHERE,
        names=SZ,
    )  # fmt: skip
    found = _registered(cmd).slice(Hospitals).by_id["shaare-zedek"]
    assert found.name == "Shaare Zedek"
    assert found.names.he == "שערי צדק"
    assert found.names.given() == {"he": "שערי צדק", "ar": "مستشفى شعاري تسيديك"}
    # EDXL-HAVE still names the organisation by its name of record.
    document = export_have([found]).decode()
    assert "Shaare Zedek" in document
    assert "שערי צדק" not in document


def test_names_survive_the_log() -> None:
    event = HospitalRegistered(
        hospital_id="shaare-zedek", name="Shaare Zedek", where=WHERE, account_id=None,
        trauma_centre=True, paediatric=False, names=SZ,
    )  # fmt: skip
    stored = encode(
        event, event_id=uuid.uuid4(), recorded_at=T0, actor=ADMIN, command_id=None,
        command_hash=None,
    )  # fmt: skip
    back = decode(StoredEvent(1, stored.event_id, stored.type, stored.data))
    assert isinstance(back.event, HospitalRegistered)
    assert back.event.names == SZ


def test_an_event_logged_before_names_reads_with_none() -> None:
    body = (
        b'{"type":"HospitalRegistered","v":1,"at":"2026-11-25T12:00:00Z",'
        b'"actor":{"id":"acc_admin","role":"admin","src":null},"cmd":null,"ch":null,'
        b'"data":{"type":"HospitalRegistered","hospital_id":"shaare-zedek",'
        b'"name":"Shaare Zedek","where":{"lat":31.7743,"lon":35.1826},'
        b'"account_id":null,"trauma_centre":true,"paediatric":false}}'
    )
    recorded = decode(StoredEvent(1, uuid.uuid4(), "HospitalRegistered", body))
    state = State()
    evolve(state, recorded)
    found = state.slice(Hospitals).by_id["shaare-zedek"]
    assert found.name == "Shaare Zedek"
    assert found.names == HospitalNames()
    assert found.names.given() == {}


def _digest_without_names(cmd: RegisterHospital, actor: Actor) -> str:
    """The fingerprint as it was made before RegisterHospital had names."""
    body = cmd.model_dump(mode="python", exclude={"command_id", "names"})
    encoder = msgspec.json.Encoder(order="deterministic", enc_hook=str)
    head = f"RegisterHospital|{actor.account_id}|".encode()
    return hashlib.sha256(head + encoder.encode(body)).hexdigest()


def test_a_registration_without_names_keeps_its_fingerprint() -> None:
    cmd_id = uuid.UUID("00000000-0000-4000-8000-000000000001")
    plain = RegisterHospital(
        command_id=cmd_id, hospital_id="shaare-zedek", name="Shaare Zedek", where=WHERE
    )
    assert plain.fingerprint(ADMIN) == _digest_without_names(plain, ADMIN)
    # Fixed: the digest a client's retry, sent before names existed, was stored under.
    assert plain.fingerprint(ADMIN) == (
        "cea5d0b7452fe502d4b773bf8ab51fd3303adc59565837484fc1090e0005ab20"
    )
    named = plain.model_copy(update={"names": SZ})
    assert named.fingerprint(ADMIN) != plain.fingerprint(ADMIN)


def test_names_are_bounded_like_the_name_and_stripped() -> None:
    assert HospitalNames(he="  הדסה  ").he == "הדסה"
    with pytest.raises(ValidationError):
        HospitalNames(he="א" * 201)
    with pytest.raises(ValidationError):
        HospitalNames(ar="a\x00b")
    with pytest.raises(ValidationError):
        HospitalNames.model_validate({"fr": "Hadassah"})
