"""An in-memory log for the alert tests: decide, record and evolve like the service does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from magen.domain import State
from magen.domain.alerts import Alerts
from magen.domain.base import (
    Actor,
    Command,
    DecisionContext,
    Recorded,
    decide,
    event_id_for,
    evolve,
)
from magen.domain.errors import DomainError
from magen.domain.values import Role

NOW = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
OPERATOR = Actor(account_id="op-1", role=Role.DISPATCHER)


class Log:
    """An event log in memory with its folded state."""

    def __init__(self, actor: Actor = OPERATOR) -> None:
        self.actor = actor
        self.state = State()
        self.records: list[Recorded] = []

    @property
    def alerts(self) -> Alerts:
        return self.state.slice(Alerts)

    def run(
        self, command: Command, at: datetime = NOW, actor: Actor | None = None
    ) -> list[Recorded]:
        """Decide a command and apply its events; return them as recorded."""
        who = actor or self.actor
        events = decide(self.state, command, DecisionContext(actor=who, now=at))
        out = []
        for i, ev in enumerate(events):
            # Through JSON, as the log stores it: what we apply is what a replay would read.
            stored = type(ev).model_validate_json(ev.model_dump_json())
            assert stored == ev
            rec = Recorded(
                position=self.state.position + 1,
                event_id=event_id_for(command.command_id, i),
                recorded_at=at,
                actor=who,
                command_id=command.command_id,
                command_hash=None,
                event=stored,
            )
            evolve(self.state, rec)
            self.records.append(rec)
            out.append(rec)
        return out

    def refuse(
        self, command: Command, error: type[DomainError], match: str, at: datetime = NOW
    ) -> DomainError:
        """Assert the command is refused with this error and reason, and nothing changes."""
        before = self.state.position
        with pytest.raises(error, match=match) as info:
            decide(self.state, command, DecisionContext(actor=self.actor, now=at))
        assert self.state.position == before
        return info.value

    def replayed(self) -> State:
        """The state folded afresh from the recorded events."""
        state = State()
        for rec in self.records:
            evolve(state, rec)
        return state
