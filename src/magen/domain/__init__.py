"""The pure domain: events, commands, decide and evolve. No I/O, no clock, no randomness.

Importing this package registers every event type and rule; a new part of the domain adds its
module to `_PARTS`.
"""

from magen.domain import (
    accounts,
    alerts,
    casualties,
    dispatch,
    hospitals,
    persons,
    picture,
    reports,
    responders,
)
from magen.domain.base import (
    Actor,
    Command,
    DecisionContext,
    Event,
    Recorded,
    decide,
    event_class,
    evolve,
)
from magen.domain.state import State

_PARTS = (
    accounts,
    reports,
    responders,
    picture,
    dispatch,
    hospitals,
    casualties,
    persons,
    alerts,
)

__all__ = [
    "Actor",
    "Command",
    "DecisionContext",
    "Event",
    "Recorded",
    "State",
    "decide",
    "event_class",
    "evolve",
]
