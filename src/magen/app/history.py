"""The state as it stood at any past log position: the log folded up to it, with a small cache.

The event log is the only record, so a past picture is the fold of the log's prefix, the same
fold that built the live state (architecture: "replaying the log to any position reproduces the
picture at that moment"). Folding from the start costs time in proportion to the position, so
folded states are kept in a small LRU cache and a request continues from the nearest cached
state before it: moving a time slider step by step folds only the steps. Cached states are
never mutated; a fold that continues from one works on a copy.

With the dispatch service, each past state comes with its boards (`PastBoards`): tracks,
incidents, the scale and the recommendations as they stood at the time of the position's
event, computed when first read and kept with the state in the cache.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from magen.app import auth
from magen.app.codec import decode
from magen.app.dispatch import DispatchService, PastBoards
from magen.domain import State, evolve
from magen.domain.base import Actor
from magen.domain.picture import Picture, configure_picture
from magen.store.base import EventLog

_READ_CHUNK = 2_000
# Replaying is for the people who run the response and review it afterwards.
REPLAY_ROLES = auth.OPERATORS | auth.READ_ALL


def can_replay(actor: Actor) -> bool:
    """Whether the actor may see the picture at a past position (admins, dispatchers, analysts)."""
    return actor.role in REPLAY_ROLES


@dataclass(frozen=True, slots=True)
class PastState:
    """The state folded up to a position, and when the event at that position was recorded."""

    state: State
    position: int
    as_of: datetime | None  # None at position 0, before anything happened
    boards: PastBoards | None = None  # None without a dispatch service


class History:
    """Fold the log up to any position, reusing recent folds; safe to call from threads."""

    def __init__(
        self,
        log: EventLog,
        live: State,
        *,
        capacity: int = 8,
        dispatch: DispatchService | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError("the cache must hold at least one state")
        self.log = log
        self.capacity = capacity
        self.dispatch = dispatch
        # Fusion's model and the town metric are configuration, not log content: a replay must
        # use the live state's or its tracks would differ from what operators saw.
        fuser = live.slice(Picture).fuser
        self._config = fuser.config
        self._metric = fuser.metric
        self._frame = fuser.frame
        self._cache: OrderedDict[int, PastState] = OrderedDict()
        self._lock = threading.Lock()
        self.folded = 0  # events folded so far, for tests and metrics

    def at(self, position: int) -> PastState:
        """The state after the event at `position` (0: before the first event)."""
        if position < 0:
            raise ValueError("a log position is never negative")
        with self._lock:
            hit = self._cache.get(position)
            if hit is not None:
                self._cache.move_to_end(position)
                return hit
            base = max((p for p in self._cache if p < position), default=None)
            start = self._cache[base] if base is not None else None
        past = self._fold(start, position)
        with self._lock:
            self._cache[position] = past
            self._cache.move_to_end(position)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return past

    def _fresh(self) -> State:
        state = State()
        configure_picture(state, config=self._config, metric=self._metric, frame=self._frame)
        return state

    def _copy(self, state: State) -> State:
        # The metric holds the town's street graph: shared, never copied.
        memo: dict[int, Any] = {
            id(x): x for x in (self._config, self._metric, self._frame) if x is not None
        }
        return copy.deepcopy(state, memo)

    def _fold(self, start: PastState | None, position: int) -> PastState:
        state = self._copy(start.state) if start is not None else self._fresh()
        as_of = start.as_of if start is not None else None
        while state.position < position:
            batch = self.log.read(state.position, min(_READ_CHUNK, position - state.position))
            if not batch:
                break  # the log ends before `position`: the caller checks the head
            for stored in batch:
                recorded = decode(stored)
                evolve(state, recorded)
                as_of = recorded.recorded_at
                self.folded += 1
        # Fuse the queued sightings here, in the caller's thread: reading the picture later
        # must not change a cached state that another fold may be copying.
        _ = state.slice(Picture).fuser
        boards = self.dispatch.replay(state, as_of) if self.dispatch is not None else None
        return PastState(state=state, position=state.position, as_of=as_of, boards=boards)
