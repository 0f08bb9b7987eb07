"""Log bodies are byte-for-byte what earlier versions wrote, and read back to the same events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from magen.app.codec import decode, encode
from magen.domain import State, decide
from magen.domain.base import Actor, DecisionContext, Event
from magen.domain.people import Contact, PersonName
from magen.domain.reports import ReportSighting, SosOutcome, SosRaised, SosResolved, SosUpdated
from magen.domain.values import GeoPoint, Role, SourceTier
from magen.store.base import NewEvent, StoredEvent

COMMAND_ID = uuid.UUID("0b6e2a4c-1f3d-4e5a-8b7c-9d0e1f2a3b4c")
AT = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
DATA = (
    '"data":{"type":"ThreatSighted","sighting_id":"sig_0b6e2a4c1f3d4e5a8b7c",'
    '"where":{"lat":31.7615,"lon":35.216,"accuracy_m":null},"observed_at":"2023-10-07T06:30:00Z",'
    '"count":3,"mobility":"unknown","armed":"unknown","heading_deg":null,"text":"","tier":"verified"}}'
)
# Written by the codec before the command id went to msgspec as a UUID (str(uuid) then).
WITH_COMMAND = (
    '{"type":"ThreatSighted","v":1,"at":"2023-10-07T06:30:00Z",'
    '"actor":{"id":"acc_x","role":"responder","src":null},'
    '"cmd":"0b6e2a4c-1f3d-4e5a-8b7c-9d0e1f2a3b4c","ch":"' + "ab" * 32 + '",' + DATA
)
ANONYMOUS = (
    '{"type":"ThreatSighted","v":1,"at":"2023-10-07T06:30:00Z",'
    '"actor":{"id":null,"role":"anonymous","src":"anon_1"},"cmd":null,"ch":null,'
    + DATA.replace("verified", "anonymous")
)


def _event(actor: Actor):  # type: ignore[no-untyped-def]
    command = ReportSighting(
        command_id=COMMAND_ID, where=GeoPoint(lat=31.7615, lon=35.216), count=3
    )
    (event,) = decide(State(), command, DecisionContext(actor=actor, now=AT))
    return event


def _encode(
    event: Event,
    actor: Actor,
    event_id: uuid.UUID,
    command_id: uuid.UUID | None = None,
    command_hash: str | None = None,
) -> NewEvent:
    """`encode` as recorded at AT."""
    return encode(
        event,
        event_id=event_id,
        recorded_at=AT,
        actor=actor,
        command_id=command_id,
        command_hash=command_hash,
    )


def test_bodies_are_the_bytes_earlier_versions_wrote_and_read_back() -> None:
    cases = [
        (Actor("acc_x", Role.RESPONDER), COMMAND_ID, "ab" * 32, WITH_COMMAND),
        (Actor(None, Role.ANONYMOUS, "anon_1"), None, None, ANONYMOUS),
    ]
    for actor, command_id, digest, expected in cases:
        event = _event(actor)
        new = _encode(event, actor, uuid.UUID(int=5), command_id, digest)
        assert new.data.decode() == expected
        back = decode(StoredEvent(7, new.event_id, new.type, new.data))
        assert back.command_id == command_id
        assert back.actor == actor
        assert back.event == event
        assert (back.position, back.recorded_at, back.command_hash) == (7, AT, digest)


def test_an_upper_case_command_id_in_a_body_reads_as_the_same_id() -> None:
    body = WITH_COMMAND.replace(str(COMMAND_ID), str(COMMAND_ID).upper()).encode()
    assert decode(StoredEvent(1, uuid.UUID(int=5), "ThreatSighted", body)).command_id == COMMAND_ID


def _sos_events() -> list[Event]:
    where = GeoPoint(lat=-31.5, lon=35.125, accuracy_m=7.25)
    return [
        SosRaised(
            sos_id="sos_1",
            where=where,
            observed_at=datetime(2023, 10, 7, 9, 1, 2, 345678, tzinfo=timezone(timedelta(hours=3))),
            people=4,
            injured=1,
            children=0,
            silent=True,
            text='שלום — مرحبا "q" \\ \n \u2603 \U0001f6a8',
            tier=SourceTier.ANONYMOUS,
        ),
        SosUpdated(sos_id="sos_1", people=5, text="ä"),
        SosResolved(sos_id="sos_1", outcome=SosOutcome.FALSE_ALARM, note="é"),
    ]


# The data member of the first SosRaised above, as the codec wrote it with model_dump_json.
SOS_DATA = (
    b'{"type":"SosRaised","sos_id":"sos_1","where":{"lat":-31.5,"lon":35.125,"accuracy_m":7.25},'
    b'"observed_at":"2023-10-07T09:01:02.345678+03:00","people":4,"injured":1,"children":0,'
    b'"silent":true,"text":"'
    + "\u05e9\u05dc\u05d5\u05dd \u2014 \u0645\u0631\u062d\u0628\u0627 ".encode()
    + '\\"q\\" \\\\ \\n \u2603 \U0001f6a8'.encode()
    + b'","tier":"anonymous"}'
)


def test_an_event_is_written_as_model_dump_json_writes_it() -> None:
    actor = Actor(None, Role.ANONYMOUS, "anon_1")
    events = [*_sos_events(), _event(actor)]
    for event in events:
        new = _encode(event, actor, uuid.UUID(int=9))
        data = new.data[new.data.index(b'"data":') + len(b'"data":') : -1]
        assert data == event.model_dump_json().encode()
        assert decode(StoredEvent(3, new.event_id, new.type, new.data)).event == event
    first = _encode(events[0], actor, uuid.UUID(int=9))
    assert first.data.endswith(b'"data":' + SOS_DATA + b"}")


def test_a_name_written_before_control_characters_were_refused_still_reads_back() -> None:
    # A survivor checked in by an earlier version with a control character in the name: new
    # commands refuse such a name, but the log that holds it must stay readable.
    body = (
        '{"type":"SurvivorCheckedIn","v":1,"at":"2023-10-07T06:30:00Z",'
        '"actor":{"id":"acc_r","role":"registrar","src":null},"cmd":null,"ch":null,'
        '"data":{"type":"SurvivorCheckedIn","survivor_id":"srv_1",'
        '"name":{"full_name":"Dana\\u0001 Levi","given_name":null,"family_name":null,'
        '"alternates":["D\\u0002 Levi"]},"date_of_birth":null,"age":null,"description":{},'
        '"place":"","where":null,"self_reported":false,"contact":{"name":"Avi\\u0003"},'
        '"source":null}}'
    )
    rec = decode(StoredEvent(1, uuid.uuid4(), "SurvivorCheckedIn", body.encode()))
    assert rec.event.name.full_name == "Dana\x01 Levi"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="control character"):
        PersonName(full_name="Dana\x01 Levi")
    with pytest.raises(ValidationError, match="control character"):
        Contact(name="Avi\x03")
