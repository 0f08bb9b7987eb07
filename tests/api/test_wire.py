"""The answer to a command: one event, several, or none."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from magen.api.wire import outcome_view
from magen.app.service import Outcome
from magen.domain.base import Actor, Event, Recorded
from magen.domain.picture import TrackConfirmed, TrackDismissed
from magen.domain.values import Role

AT = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
ACTOR = Actor("acc_dispatcher", Role.DISPATCHER)


def _at(position: int, event: Event) -> Recorded:
    return Recorded(position, uuid.uuid4(), AT, ACTOR, uuid.uuid4(), "ab" * 32, event)


def test_one_event() -> None:
    outcome = Outcome((_at(7, TrackConfirmed(track_id="trk_1")),))
    item = {"position": 7, "type": "TrackConfirmed", "id": "trk_1"}
    view = outcome_view(outcome, head=9)
    assert view == {"position": 7, "replayed": False, "id": "trk_1", "events": [item]}
    assert list(view) == ["position", "replayed", "id", "events"]  # the wire's key order
    assert list(view["events"][0]) == ["position", "type", "id"]
    replayed = outcome_view(Outcome(outcome.events, replayed=True), head=9)
    assert replayed == {**view, "replayed": True}


def test_several_events_stand_at_the_last() -> None:
    outcome = Outcome(
        (_at(4, TrackConfirmed(track_id="trk_1")), _at(5, TrackDismissed(track_id="trk_2")))
    )
    assert outcome_view(outcome, head=9) == {
        "position": 5,
        "replayed": False,
        "id": "trk_1",
        "events": [
            {"position": 4, "type": "TrackConfirmed", "id": "trk_1"},
            {"position": 5, "type": "TrackDismissed", "id": "trk_2"},
        ],
    }


def test_no_event_stands_at_the_head() -> None:
    assert outcome_view(Outcome(()), head=9) == {
        "position": 9,
        "replayed": False,
        "id": None,
        "events": [],
    }
