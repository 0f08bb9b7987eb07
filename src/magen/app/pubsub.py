"""In-process fan-out of applied events to live subscribers, with a short replay buffer."""

from __future__ import annotations

import asyncio
from collections import deque

from magen.domain.base import Recorded


class Subscription:
    """One subscriber's queue; closed by the hub if the subscriber falls too far behind."""

    def __init__(self, hub: Hub, maxsize: int) -> None:
        self._hub = hub
        self.queue: asyncio.Queue[Recorded | None] = asyncio.Queue(maxsize)
        self.overflowed = False

    async def get(self) -> Recorded | None:
        """The next event, or None once the hub has dropped this subscriber."""
        return await self.queue.get()

    def close(self) -> None:
        self._hub.unsubscribe(self)


class Hub:
    """Publishes each applied event, in position order, to every subscriber."""

    def __init__(self, buffer: int = 20_000, queue_size: int = 10_000) -> None:
        self._recent: deque[Recorded] = deque(maxlen=buffer)
        self._subs: set[Subscription] = set()
        self._queue_size = queue_size

    def subscribe(self) -> Subscription:
        sub = Subscription(self, self._queue_size)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def publish(self, recorded: Recorded) -> None:
        self._recent.append(recorded)
        if not self._subs:
            return
        for sub in list(self._subs):
            try:
                sub.queue.put_nowait(recorded)
            except asyncio.QueueFull:
                # A subscriber this far behind resumes from its last position on reconnect;
                # holding more for it would let one slow phone exhaust the server's memory.
                sub.overflowed = True
                self._subs.discard(sub)
                sub.queue.get_nowait()
                sub.queue.put_nowait(None)

    def recent_after(self, position: int) -> list[Recorded] | None:
        """Buffered events after a position, or None when the buffer no longer reaches back."""
        if not self._recent:
            return []
        first = self._recent[0].position
        if position + 1 < first:
            return None
        start = position + 1 - first
        return list(self._recent)[max(start, 0) :]
