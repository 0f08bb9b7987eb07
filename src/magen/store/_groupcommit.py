"""The hand-off between callers and a store's writer thread, shared by every durable backend.

A caller's batch waits as an `Append`; the writer answers a whole group at once, waking each
caller's event loop once, however many of its batches were in the group. A caller that hands
over a callback (`submit_then`) has it called from that one wake-up, in commit order, rather
than through a future whose done-callbacks the loop would schedule one by one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from magen.store.base import EventConflict, NewEvent

Outcome = list[int] | BaseException
Then = Callable[[Outcome], None]  # told a batch's positions, or why it failed, on its loop

log = logging.getLogger("magen.store")
K = TypeVar("K", bound=Hashable)  # how a backend keys event ids (bytes, UUID)

# A group commit stops taking batches past this many events so one huge backlog does not hold
# every caller behind a single enormous transaction.
GROUP_EVENTS: Final = 20_000
# Put on a writer's queue to end its loop once everything queued before it is written.
STOP: Final = object()


@dataclass(slots=True)
class Append:
    """One caller's batch waiting for the writer, and where to send the answer."""

    events: tuple[NewEvent, ...]
    loop: asyncio.AbstractEventLoop | None
    future: asyncio.Future[list[int]] | concurrent.futures.Future[list[int]] | None
    then: Then | None = None  # called instead of settling a future (on `loop`)


def checked(events: Iterable[NewEvent]) -> tuple[NewEvent, ...]:
    """The batch as a tuple, refused at once if it is not made of NewEvent with bytes data."""
    batch = tuple(events)
    for ev in batch:
        if not isinstance(ev, NewEvent) or not isinstance(ev.data, bytes):
            raise TypeError(f"append takes NewEvent with bytes data, not {ev!r:.80}")
    return batch


def submit(
    events: Sequence[NewEvent], hand_over: Callable[[Append], None]
) -> asyncio.Future[list[int]]:
    """Hand a batch to the writer; the future holds its positions once it is durable.

    A plain future rather than a coroutine: the batch is with the writer as soon as this
    returns, and the caller can shield or watch the future without wrapping it in a task.
    A bad batch, or a closed log, fails the future at once.
    """
    future: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
    try:
        batch = checked(events)
        if batch:
            hand_over(Append(batch, future.get_loop(), future))
        else:
            future.set_result([])
    except Exception as exc:  # the caller sees it when awaiting
        future.set_exception(exc)
    return future


def submit_then(
    events: Sequence[NewEvent], hand_over: Callable[[Append], None], then: Then
) -> None:
    """Hand a batch to the writer; `then(positions)` is called on this loop once it is durable.

    `then` is called with the exception instead when the batch fails (a conflict, an
    unavailable store), at once if it is refused before reaching the writer (a bad batch, a
    closed log). Callbacks of one group commit run in commit order within one callback of the
    loop, so a caller applying what it appended sees the group's positions in order.
    """
    try:
        batch = checked(events)
        if batch:
            hand_over(Append(batch, asyncio.get_running_loop(), None, then))
            return
    except Exception as exc:
        then(exc)
        return
    then([])


def submit_sync(events: Iterable[NewEvent], hand_over: Callable[[Append], None]) -> list[int]:
    """Hand a batch to the writer from code without an event loop; block until it is durable."""
    batch = checked(events)
    if not batch:
        return []
    future: concurrent.futures.Future[list[int]] = concurrent.futures.Future()
    hand_over(Append(batch, None, future))
    return future.result()


def groups(requests: queue.SimpleQueue[Append | object]) -> Iterator[list[Append]]:
    """A writer's work, one group at a time: every batch waiting (up to GROUP_EVENTS events).

    Waits for the first batch of each group and takes the rest without waiting; ends at STOP,
    after the group holding what was queued before it.
    """
    carried: Append | None = None
    stopping = False
    while not stopping:
        item = carried if carried is not None else requests.get()
        carried = None
        group: list[Append] = []
        size = 0
        while True:
            if item is STOP:
                stopping = True
            elif isinstance(item, Append):
                if group and size + len(item.events) > GROUP_EVENTS:
                    carried = item
                    break
                group.append(item)
                size += len(item.events)
            try:
                item = requests.get_nowait()
            except queue.Empty:
                break
        if group:
            yield group


def answer(group: list[Append], outcomes: Sequence[Outcome]) -> None:
    """Hand each caller its outcome, one wake-up per event loop."""
    loops: dict[asyncio.AbstractEventLoop, list[tuple[Append, Outcome]]] = {}
    for req, outcome in zip(group, outcomes, strict=True):
        if req.loop is None:
            assert req.future is not None
            _settle(req.future, outcome)
        else:
            loops.setdefault(req.loop, []).append((req, outcome))
    for loop, items in loops.items():
        with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits there
            loop.call_soon_threadsafe(_settle_all, items)


def wake(futures: list[asyncio.Future[None]]) -> None:
    """Wake subscribers waiting for new events."""
    for fut in futures:
        if not fut.done():
            fut.set_result(None)


def _settle_all(items: list[tuple[Append, Outcome]]) -> None:
    for req, outcome in items:
        if req.then is not None:
            try:
                req.then(outcome)
            except Exception:
                # One caller's failure must not leave the rest of the group unanswered.
                log.exception("a group commit's callback failed")
        elif req.future is not None:
            _settle(req.future, outcome)


def _settle(
    fut: asyncio.Future[list[int]] | concurrent.futures.Future[list[int]], outcome: Outcome
) -> None:
    if fut.done():  # the caller gave up waiting (cancelled); the batch stands regardless
        return
    if isinstance(outcome, BaseException):
        fut.set_exception(outcome)
    else:
        fut.set_result(outcome)


def place(
    events: tuple[NewEvent, ...],
    known: dict[K, tuple[int, str, bytes]],
    next_position: int,
    rows: list[tuple[int, K, str, bytes]],
    key: Callable[[NewEvent], K],
) -> Outcome:
    """Positions for one batch, adding its new rows to `rows`; or the conflict that refuses it.

    `known` holds the events already in the log and those placed earlier in this group, by
    `key(event)`; it is extended only when the whole batch is accepted, so a refused batch
    leaves no trace.
    """
    positions: list[int] = []
    fresh: dict[K, tuple[int, str, bytes]] = {}
    for ev in events:
        k = key(ev)
        twin = known.get(k) or fresh.get(k)
        if twin is not None:
            position, type_, data = twin
            if type_ != ev.type or data != ev.data:
                return EventConflict(ev.event_id, position)
            positions.append(position)
            continue
        fresh[k] = (next_position, ev.type, ev.data)
        positions.append(next_position)
        next_position += 1
    known.update(fresh)
    rows.extend((position, k, type_, data) for k, (position, type_, data) in fresh.items())
    return positions
