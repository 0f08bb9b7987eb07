"""The command service: authorise, decide, append, evolve, publish."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from magen.app import auth
from magen.app.codec import decode, encode
from magen.app.pubsub import Hub
from magen.app.ratelimit import RateLimiter
from magen.app.snapshots import CommandIndex, Snapshots, paused_gc
from magen.clock import Clock
from magen.domain import State, decide, evolve
from magen.domain.base import (
    Actor,
    Command,
    DecisionContext,
    Event,
    Recorded,
    event_id_for,
    record,
)
from magen.domain.errors import CommandIdReused, NotFound, RateLimited
from magen.domain.values import Role
from magen.store.base import AppendsThen, EventConflict, EventLog, LogError, NewEvent

log = logging.getLogger("magen.service")

# How long a handler waits for an earlier position (appended by a concurrent handler or another
# worker) before reading it from the store itself.
_GAP_WAIT_S = 0.25
_READ_CHUNK = 5_000
# How long the follower waits before subscribing again after the log failed under it.
_FOLLOW_RETRY_S = 1.0

Listener = Callable[[Recorded, State], None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a handled command did: its events at their positions."""

    events: tuple[Recorded, ...]
    replayed: bool = False  # the same command had already been handled; nothing was appended

    @property
    def positions(self) -> tuple[int, ...]:
        return tuple(r.position for r in self.events)


@dataclass
class ServiceMetrics:
    """Counters for /metrics."""

    commands: dict[tuple[str, str], int] = field(default_factory=dict)
    appended: int = 0
    replayed_at_start: int = 0
    snapshot_position: int | None = None  # where start-up resumed from, if a snapshot was used

    def count(self, command: str, outcome: str) -> None:
        key = (command, outcome)
        self.commands[key] = self.commands.get(key, 0) + 1


class Service:
    """The application: one folded state, kept in step with the log."""

    def __init__(
        self,
        log: EventLog,
        clock: Clock,
        *,
        rate_limiter: RateLimiter | None = None,
        monotonic: Callable[[], float] | None = None,
        snapshots: Snapshots | None = None,
    ) -> None:
        self.log = log
        self.snapshots = snapshots
        self.clock = clock
        self.state = State()
        self.hub = Hub()
        self.metrics = ServiceMetrics()
        self.rate_limiter = rate_limiter or RateLimiter()
        self._monotonic = monotonic or (lambda: clock.now().timestamp())
        self._commands = CommandIndex()
        # Commands being handled, by their id's number; a future once a duplicate waits for
        # one (see `handle`).
        self._inflight: dict[int, asyncio.Future[Outcome] | None] = {}
        self._pending: dict[int, Recorded] = {}
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._tie = itertools.count()
        self._listeners: list[Listener] = []
        self._follower: asyncio.Task[None] | None = None
        # Durable logs call back from their group commit (see `AppendsThen`); others give futures.
        self._append_then = log.append_then if isinstance(log, AppendsThen) else None

    # --- start-up ---------------------------------------------------------------------

    def load(self) -> int:
        """Resume from the newest usable snapshot, then fold the rest of the log into state.

        Returns the number of events replayed.
        """
        if self.snapshots is not None:
            self.metrics.snapshot_position = self.snapshots.restore(self)
        count = 0
        with paused_gc():
            while True:
                batch = self.log.read(self.state.position, _READ_CHUNK)
                if not batch:
                    break
                for stored in batch:
                    self._apply(decode(stored))
                    count += 1
        self.metrics.replayed_at_start = count
        return count

    def keep_snapshots(self) -> None:
        """Save snapshots in the background as the policy says (see `magen.app.snapshots`)."""
        if self.snapshots is not None:
            self.snapshots.keep(self)

    def add_listener(self, listener: Listener) -> None:
        """Call `listener(recorded, state)` after each event is applied (derived views)."""
        self._listeners.append(listener)

    def follow(self) -> None:
        """Keep state in step with events appended by other workers sharing the log."""
        if self._follower is None:
            self._follower = asyncio.get_running_loop().create_task(self._follow())

    async def _follow(self) -> None:
        while True:
            try:
                async for stored in self.log.subscribe(self.state.position):
                    if (
                        stored.position > self.state.position
                        and stored.position not in self._pending
                    ):
                        self._offer([decode(stored)])
            except LogError as exc:
                # The storage failed under the subscription; resume from what is applied.
                log.warning("following the log failed (%s); resuming", exc)
            await asyncio.sleep(_FOLLOW_RETRY_S)

    async def close(self) -> None:
        if self.snapshots is not None:
            await self.snapshots.stop()
        if self._follower is not None:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower

    # --- commands ---------------------------------------------------------------------

    async def handle(self, actor: Actor, command: Command, *, catch_up: bool = True) -> Outcome:
        """Authorise, decide, append durably, apply and publish one command.

        A command id seen before with the same content returns the original outcome and appends
        nothing; the same id with other content is a Conflict. A command naming something this
        worker does not know (NotFound) is decided once more after catching up with the log
        when other workers append to it (`caught_up`), unless `catch_up` is False.
        """
        command_id = command.command_id
        fingerprint = command.fingerprint(actor)
        seen = self._commands.get(command_id)
        if seen is not None:
            return self._replay(fingerprint, seen)
        inflight = self._inflight
        key = command_id.int  # hashed in C; a UUID's own hash runs Python code each time
        if key in inflight:
            running = inflight[key]
            if running is None:
                # The first duplicate while the command runs: its handler resolves this for
                # every duplicate (a lone command, the usual case, makes no future at all).
                running = inflight[key] = asyncio.get_running_loop().create_future()
            outcome = await asyncio.shield(running)
            if outcome.events and outcome.events[0].command_hash != fingerprint:
                raise CommandIdReused("this command id was already used for a different request")
            return Outcome(outcome.events, replayed=True)

        name = type(command).__name__
        if actor.role is Role.ANONYMOUS and not self.rate_limiter.allow(
            actor.source_key or "anonymous", self._monotonic()
        ):
            self.metrics.count(name, "rate_limited")
            raise RateLimited("too many reports from this device; wait a minute and try again")
        try:
            auth.authorise(actor, command, self.state)
            now = self.clock.now()
            events = decide(self.state, command, DecisionContext(actor, now))
        except NotFound:
            if catch_up and await self.caught_up(self.state.position):
                return await self.handle(actor, command, catch_up=False)
            self.metrics.count(name, "refused")
            raise
        except Exception:
            self.metrics.count(name, "refused")
            raise

        inflight[key] = None
        try:
            outcome = await self._append(actor, command_id, fingerprint, events, now)
        except BaseException as exc:
            waiting = inflight.pop(key)
            if waiting is not None:
                waiting.set_exception(exc)
                waiting.exception()  # mark retrieved: the duplicates may have gone away
            raise
        waiting = inflight.pop(key)
        if waiting is not None:
            waiting.set_result(outcome)
        self.metrics.count(name, "ok")
        return outcome

    async def _append(
        self,
        actor: Actor,
        command_id: uuid.UUID,
        fingerprint: str,
        events: list[Event],
        now: datetime,
    ) -> Outcome:
        if not events:
            return Outcome(())
        new: list[NewEvent] = []
        for i, ev in enumerate(events):
            new.append(
                encode(
                    ev,
                    event_id=event_id_for(command_id, i),
                    recorded_at=now,
                    actor=actor,
                    command_id=command_id,
                    command_hash=fingerprint,
                )
            )
        recorded: list[Recorded] = []
        # What the caller awaits: resolved by the store's callback once the batch is applied.
        # Cancelling it (a client going away) leaves the append and its apply under way.
        applied: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()

        def apply_once_durable(appended: list[int] | BaseException) -> None:
            # Runs as soon as the batch is durable, whether or not the caller still waits for
            # it: an acknowledged-by-the-store event must be applied, or every later position
            # would wait on a gap.
            if isinstance(appended, BaseException):
                if not applied.done():
                    applied.set_exception(appended)
                return
            for p, n, ev in zip(appended, new, events, strict=True):
                recorded.append(
                    record(
                        position=p,
                        event_id=n.event_id,
                        recorded_at=now,
                        actor=actor,
                        command_id=command_id,
                        command_hash=fingerprint,
                        event=ev,
                    )
                )
            self.metrics.appended += len(recorded)
            try:
                self._offer(recorded)
            finally:
                # Durable is acknowledged even if applying failed (the loop logs that error):
                # the caller must never be left waiting on an append that is on disk.
                if not applied.done():
                    applied.set_result(appended)

        if self._append_then is not None:
            # A durable log calls back from its group commit's one wake-up of this loop, the
            # group's batches in commit order: no future, no callback scheduled per batch.
            self._append_then(new, apply_once_durable)
        else:
            # Other logs answer with an awaitable: a future, or a coroutine (wrapped).
            appended = asyncio.ensure_future(self.log.append(new))

            def on_appended(done: asyncio.Future[list[int]]) -> None:
                if done.cancelled():
                    applied.cancel()
                    return
                failure = done.exception()
                apply_once_durable(failure if failure is not None else done.result())

            if appended.done():  # answered at once
                on_appended(appended)
            else:
                appended.add_done_callback(on_appended)
        try:
            positions = await applied
        except EventConflict:
            # Another worker (or a concurrent retry) appended this command first.
            await self._catch_up()
            seen = self._commands.get(command_id)
            if seen is None:
                raise
            return self._replay(fingerprint, seen)
        last = positions[-1] if len(positions) == 1 else max(positions)
        if self.state.position < last:  # an earlier position is not applied yet
            await self._wait_applied(last)
        return Outcome(tuple(recorded))

    def _replay(self, fingerprint: str, seen: tuple[str, tuple[int, ...]]) -> Outcome:
        digest, positions = seen
        if digest != fingerprint:
            raise CommandIdReused("this command id was already used for a different request")
        return Outcome(tuple(self.read_positions(positions)), replayed=True)

    # --- applying events in position order ----------------------------------------------

    def _offer(self, recorded: list[Recorded]) -> None:
        pending = self._pending
        if len(recorded) == 1 and not pending and recorded[0].position == self.state.position + 1:
            self._apply(recorded[0])  # the next position, nothing held back: as below, directly
        else:
            for r in recorded:
                if r.position > self.state.position:
                    pending[r.position] = r
            while (nxt := pending.pop(self.state.position + 1, None)) is not None:
                self._apply(nxt)
        while self._waiters and self._waiters[0][0] <= self.state.position:
            _, _, fut = heapq.heappop(self._waiters)
            if not fut.done():
                fut.set_result(None)

    def _apply(self, r: Recorded) -> None:
        evolve(self.state, r)
        if r.command_id is not None and r.command_hash is not None:
            digest, positions = self._commands.get(r.command_id, (r.command_hash, ()))
            self._commands[r.command_id] = (digest, (*positions, r.position))
        for listener in self._listeners:
            try:
                listener(r, self.state)
            except Exception:
                # A derived view must never stop the log from being applied.
                log.exception("listener failed on position %s", r.position)
        self.hub.publish(r)

    async def _wait_applied(self, position: int) -> None:
        while self.state.position < position:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiters, (position, next(self._tie), fut))
            try:
                await asyncio.wait_for(asyncio.shield(fut), _GAP_WAIT_S)
            except TimeoutError:
                await self._catch_up()

    async def caught_up(self, since: int) -> bool:
        """When following other workers: apply what they appended; whether the state has moved
        past `since` (the position a refused check saw), so the check is worth making again.

        Read-your-writes across workers: a client that makes an account, an SOS or a report
        through one worker and names it at once through another must not be told it does not
        exist because the second has not polled the log yet. False for a lone worker.
        """
        if self._follower is None:
            return False
        await self._catch_up()
        return self.state.position > since

    async def _catch_up(self) -> None:
        """Read from the store whatever this process has not applied yet."""
        batch = await asyncio.to_thread(self.log.read, self.state.position, _READ_CHUNK)
        self._offer([decode(s) for s in batch])

    # --- reading ----------------------------------------------------------------------

    def read_positions(self, positions: tuple[int, ...]) -> Iterator[Recorded]:
        """The recorded events at given positions."""
        for p in positions:
            batch = self.log.read(p - 1, 1)
            if batch:
                yield decode(batch[0])

    def events_after(self, after: int, limit: int = 1000) -> list[Recorded]:
        """Recorded events after a position, from the buffer or the log."""
        recent = self.hub.recent_after(after)
        if recent is not None and (not recent or recent[0].position == after + 1):
            return recent[:limit]
        return [decode(s) for s in self.log.read(after, limit)]
