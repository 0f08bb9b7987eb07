"""Encode events with their envelope into log bodies, and back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from magen.domain.base import Actor, Event, Recorded, event_class, record, upcast
from magen.domain.values import STORED, Role
from magen.store.base import NewEvent, StoredEvent


class _ActorWire(msgspec.Struct, frozen=True):
    id: str | None
    role: str
    src: str | None = None


class _Envelope(msgspec.Struct, frozen=True):
    type: str
    v: int
    at: datetime
    actor: _ActorWire
    # msgspec writes a UUID exactly as str(uuid) does (canonical, lower case), in C.
    cmd: uuid.UUID | None
    ch: str | None
    data: msgspec.Raw


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(_Envelope)


def encode(
    event: Event,
    *,
    event_id: uuid.UUID,
    recorded_at: datetime,
    actor: Actor,
    command_id: uuid.UUID | None,
    command_hash: str | None,
) -> NewEvent:
    """The log body of one event: a canonical JSON envelope around the event's own JSON."""
    envelope = _Envelope(
        type=event.type,
        v=type(event).version,
        at=recorded_at,
        # The role as itself: msgspec writes a str enum as its value (`.value` costs more).
        actor=_ActorWire(id=actor.account_id, role=actor.role, src=actor.source_key),
        cmd=command_id,
        ch=command_hash,
        # model_dump_json() without its wrapper and its str round trip: the same bytes.
        data=msgspec.Raw(type(event).__pydantic_serializer__.to_json(event)),
    )
    return NewEvent(event_id=event_id, type=event.type, data=_encoder.encode(envelope))


def decode(stored: StoredEvent) -> Recorded:
    """The recorded event behind a log row, lifted to the current event version."""
    env = _decoder.decode(stored.data)
    cls = event_class(env.type)
    if env.v == cls.version:
        ev = cls.model_validate_json(bytes(env.data), context=STORED)
    else:
        body: dict[str, Any] = msgspec.json.decode(bytes(env.data))
        ev = cls.model_validate(upcast(env.type, env.v, body), context=STORED)
    return record(
        position=stored.position,
        event_id=stored.event_id,
        recorded_at=env.at,
        actor=Actor(account_id=env.actor.id, role=Role(env.actor.role), source_key=env.actor.src),
        command_id=env.cmd,
        command_hash=env.ch,
        event=ev,
    )
