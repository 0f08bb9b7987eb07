"""The event log contract that every storage backend fulfils.

The log is the source of truth: an ordered sequence of events, each at a gap-free integer
position (1, 2, 3, ...) in commit order. A backend knows nothing of the domain: an event is an
id, a type tag and an opaque body (canonical JSON bytes).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended."""

    event_id: uuid.UUID
    type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event in the log, at its position."""

    position: int
    event_id: uuid.UUID
    type: str
    data: bytes


class LogError(Exception):
    """The log could not do what was asked."""


class EventConflict(LogError):
    """An event id already in the log was appended again with different content."""

    def __init__(self, event_id: uuid.UUID, position: int) -> None:
        super().__init__(f"event {event_id} is already at position {position} with other content")
        self.event_id = event_id
        self.position = position


class LogUnavailable(LogError):
    """The storage cannot be reached now; the caller may retry (the API answers 503)."""


@runtime_checkable
class EventLog(Protocol):
    """An append-only, ordered, durable, idempotent event log.

    - `append` is atomic for its batch: every event is appended, or none. It hands the batch
      over at once and returns an awaitable (a future) that resolves only once the batch is
      durable (on disk or committed), to one position per event in batch order.
      An event whose id is already in the log with the same type and body is not appended
      again: its original position is returned. The same id with other content raises
      `EventConflict` and appends nothing from the batch.
    - Positions start at 1, increase by one, and are assigned in commit order: a reader that has
      seen position N never later sees a new event at a position <= N.
    - The events a batch newly appends take consecutive positions in batch order: no event of
      another batch (from this process or any other) falls between them. Duplicates within a
      batch, or of events already logged, get the first one's position and take none.
    - `read(after)` returns events with position > after, in order.
    - `subscribe(after)` yields every event after that position, then new ones as they are
      committed (by this process or, for shared backends, any other), until cancelled.
    - `write_failure` says why the last group commit failed to be written (storage full,
      read-only, locked, unreachable), or is None: set when a commit fails, cleared when one
      succeeds. A batch refused for its content (`EventConflict`) is no write failure.
    - `recheck_writable()` (blocking) clears `write_failure` if a commit that changes nothing
      can be written and made durable now; it appends nothing. Readiness asks while a failure
      stands, since a worker taken out of service receives no append that could clear it.
    """

    def append(self, events: Sequence[NewEvent]) -> Awaitable[list[int]]: ...

    def read(self, after: int = 0, limit: int | None = None) -> list[StoredEvent]: ...

    def head(self) -> int: ...

    @property
    def write_failure(self) -> str | None: ...

    def recheck_writable(self) -> None: ...

    def subscribe(self, after: int = 0) -> AsyncIterator[StoredEvent]: ...

    async def close(self) -> None: ...


class ProbedWrites:
    """`write_failure` and `recheck_writable` for a log whose writer records its failures and
    which can probe with a commit that changes nothing (`check_writable`)."""

    write_failure: str | None = None

    def check_writable(self) -> None:
        """Raise LogError unless a commit can be written and made durable now."""
        raise NotImplementedError

    def recheck_writable(self) -> None:
        """Clear `write_failure` once a commit can be written again.

        Readiness asks while a failure stands: a load balancer that stops sending a worker
        traffic on 503 would otherwise keep it out for good, as no append comes to clear it.
        (A failure the writer records while this probe runs may be cleared with it; the next
        append that fails records it again.)
        """
        if self.write_failure is None:
            return
        try:
            self.check_writable()
        except LogError:
            return
        self.write_failure = None


@runtime_checkable
class AppendsThen(Protocol):
    """A log that can also tell a callback, rather than a future, when a batch is durable.

    `append_then(events, then)` appends as `append` does and calls `then` on the caller's event
    loop with the batch's positions once it is durable, or with the exception that refused it
    (`EventConflict`, `LogUnavailable`, ...). A group commit calls the callbacks of all its
    batches from one callback of the loop, in commit order; a future's done-callbacks would
    each be scheduled on their own.
    """

    def append_then(
        self, events: Sequence[NewEvent], then: Callable[[list[int] | BaseException], None]
    ) -> None: ...
