"""Read models kept by following the service's events: one per service, made on first use.

A board that every open page refreshes is cheaper kept up to date event by event than made
again from the whole state (`registry_board`, `casualty_board`). Each such follower listens
to its service (`Service.add_listener`) and says whether it still follows a given state; when
it cannot vouch for it (another state, a position it did not see) it starts again from it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Protocol, TypeVar

from magen.app.service import Service
from magen.domain.base import Recorded
from magen.domain.state import State


class Follower(Protocol):
    """What a kept read model does as the service applies each event."""

    def follows(self, state: State) -> bool: ...

    def reset(self, state: State) -> None: ...

    def on_event(self, recorded: Recorded, state: State) -> None: ...


F = TypeVar("F", bound=Follower)


def follower_of(
    kept: weakref.WeakKeyDictionary[Service, F],
    service: Service,
    state: State,
    make: Callable[[State], F],
) -> F:
    """The service's follower in `kept`: made and listening on first use, started again from
    `state` whenever it does not follow it."""
    follower = kept.get(service)
    if follower is None:
        follower = kept[service] = make(state)
        service.add_listener(follower.on_event)
    elif not follower.follows(state):
        follower.reset(state)
    return follower
