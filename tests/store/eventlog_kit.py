"""Helpers shared by the event log tests: backends under test, events, subscriptions."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from magen.store.base import EventLog, NewEvent, StoredEvent
from magen.store.factory import open_log


@dataclass(frozen=True)
class LogBackend:
    """One backend under test: hands out URLs of fresh, empty logs and opens them."""

    name: str
    durable: bool
    fresh_url: Callable[[], str]

    def open(self, url: str) -> EventLog:
        """The log at `url` (for a durable backend, the same log every time)."""
        return open_log(url)

    def open_fresh(self) -> EventLog:
        """A new, empty log."""
        return self.open(self.fresh_url())


def ev(data: bytes | None = None, type_: str = "ThreatSighted") -> NewEvent:
    """A new event with a fresh id."""
    event_id = uuid.uuid4()
    return NewEvent(event_id, type_, data if data is not None else f'{{"n":"{event_id}"}}'.encode())


def same(event: NewEvent, *, data: bytes | None = None, type_: str | None = None) -> NewEvent:
    """The same event id, with the same or other content."""
    return NewEvent(event.event_id, type_ if type_ is not None else event.type, data or event.data)


def ids(stored: Sequence[StoredEvent]) -> list[uuid.UUID]:
    return [s.event_id for s in stored]


async def take(log: EventLog, after: int, count: int, within: float = 5.0) -> list[StoredEvent]:
    """The first `count` events a subscription from `after` delivers (fails after `within` s)."""
    got: list[StoredEvent] = []
    async with asyncio.timeout(within):
        async with contextlib.aclosing(log.subscribe(after)) as stream:  # type: ignore[type-var]
            async for stored in stream:
                got.append(stored)
                if len(got) == count:
                    break
    return got
