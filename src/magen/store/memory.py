"""An in-memory event log for unit tests: the same contract, nothing durable."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence

from magen.store.base import EventConflict, NewEvent, StoredEvent


class MemoryEventLog:
    """Events in a list; positions are list indices plus one."""

    def __init__(self) -> None:
        self._events: list[StoredEvent] = []
        self._by_id: dict[uuid.UUID, int] = {}
        # Plain futures, not an asyncio.Condition: a Condition binds to the first event loop that
        # waits on it, and a test may subscribe from one loop and append from another.
        self._waiters: set[asyncio.Future[None]] = set()

    def append(self, events: Sequence[NewEvent]) -> asyncio.Future[list[int]]:
        future: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        before = len(self._events)
        try:
            future.set_result(self._append_now(events))
        except EventConflict as exc:
            future.set_exception(exc)
        if len(self._events) > before:
            self._wake()
        return future

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for fut in waiters:
            with contextlib.suppress(RuntimeError):  # its loop is closed: nobody waits there
                fut.get_loop().call_soon_threadsafe(_resolve, fut)

    def _append_now(self, events: Sequence[NewEvent]) -> list[int]:
        positions: list[int] = []
        fresh: list[StoredEvent] = []
        seen_in_batch: dict[uuid.UUID, tuple[NewEvent, int]] = {}
        next_position = len(self._events) + 1
        for ev in events:
            existing = self._by_id.get(ev.event_id)
            if existing is not None:
                old = self._events[existing - 1]
                if old.type != ev.type or old.data != ev.data:
                    raise EventConflict(ev.event_id, existing)
                positions.append(existing)
                continue
            twin = seen_in_batch.get(ev.event_id)
            if twin is not None:
                if twin[0].type != ev.type or twin[0].data != ev.data:
                    raise EventConflict(ev.event_id, twin[1])
                positions.append(twin[1])
                continue
            seen_in_batch[ev.event_id] = (ev, next_position)
            stored = StoredEvent(next_position, ev.event_id, ev.type, ev.data)
            fresh.append(stored)
            positions.append(next_position)
            next_position += 1
        for stored in fresh:
            self._events.append(stored)
            self._by_id[stored.event_id] = stored.position
        return positions

    def read(self, after: int = 0, limit: int | None = None) -> list[StoredEvent]:
        start = max(after, 0)
        end = len(self._events) if limit is None else min(len(self._events), start + limit)
        return self._events[start:end]

    def head(self) -> int:
        return len(self._events)

    @property
    def write_failure(self) -> str | None:
        """Always None: a list in memory cannot fail to take a write."""
        return None

    def recheck_writable(self) -> None:
        """Nothing to recheck: see `write_failure`."""

    async def subscribe(self, after: int = 0) -> AsyncIterator[StoredEvent]:
        seen = after
        while True:
            batch = self.read(seen)
            for ev in batch:
                yield ev
                seen = ev.position
            if not batch:
                waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._waiters.add(waiter)
                try:
                    await waiter
                finally:
                    self._waiters.discard(waiter)

    async def close(self) -> None:
        return None


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
