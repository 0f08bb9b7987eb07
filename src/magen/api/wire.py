"""How recorded events and command outcomes look on the wire."""

from __future__ import annotations

import functools
from typing import Any

from magen.app.service import Outcome
from magen.domain.accounts import SECRET_FIELDS
from magen.domain.base import Event, Recorded


def event_data(event: Event) -> dict[str, Any]:
    """An event's fields as JSON-ready data, without secrets."""
    return event.model_dump(mode="json", exclude=set(SECRET_FIELDS) | {"type"})


def recorded_view(r: Recorded) -> dict[str, Any]:
    """A recorded event as the live feed and the audit endpoint send it."""
    return {
        "position": r.position,
        "type": r.event.type,
        "id": str(r.event_id),
        "recorded_at": r.recorded_at.isoformat(),
        "actor": {"id": r.actor.account_id, "role": r.actor.role.value},
        "data": event_data(r.event),
    }


def primary_id(event: Event) -> str | None:
    """The id of the thing an event is about: the field its class names as `primary_id_field`,
    else its first `*_id` field (an intervention's answer names the intervention, not the
    casualty it is on, so a phone can end it)."""
    name = _id_field(type(event))
    if name is None:
        return None
    value = getattr(event, name)
    return str(value) if value is not None else None


@functools.cache
def _id_field(cls: type[Event]) -> str | None:
    named = cls.primary_id_field
    if named is not None:
        if named not in cls.model_fields:
            raise TypeError(f"{cls.__name__}.primary_id_field names no field: {named}")
        return named
    return next((name for name in cls.model_fields if name.endswith("_id")), None)


def outcome_view(outcome: Outcome, head: int) -> dict[str, Any]:
    """The answer to a command: where its events stand in the log."""
    recorded = outcome.events
    if len(recorded) == 1:  # most commands: the same answer, without the general case's loops
        r = recorded[0]
        only = {"position": r.position, "type": r.event.type, "id": primary_id(r.event)}
        return {
            "position": r.position,
            "replayed": outcome.replayed,
            "id": only["id"],
            "events": [only],
        }
    events = [
        {"position": r.position, "type": r.event.type, "id": primary_id(r.event)} for r in recorded
    ]
    return {
        "position": max(r.position for r in recorded) if events else head,
        "replayed": outcome.replayed,
        "id": events[0]["id"] if events else None,
        "events": events,
    }
