"""A call for help is never refused over its numbers: more injured or children than people
counts the people as the most of the three (the page's "people" is 1 until changed, and
someone typing "3 injured" in a hurry was refused, their call not raised). Nor over a fast
phone clock: its time is taken as the server's now."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from magen.domain.base import Actor, DecisionContext, Recorded, decide, evolve
from magen.domain.errors import InvalidCommand
from magen.domain.reports import (
    RaiseSos,
    Reports,
    ReportSighting,
    SosRaised,
    SosUpdated,
    UpdateSos,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role

NOW = datetime(2023, 10, 7, 6, 40, tzinfo=UTC)
RESIDENT = Actor("acc_resident", Role.RESIDENT)
CTX = DecisionContext(actor=RESIDENT, now=NOW)
HERE = GeoPoint(lat=31.7615, lon=35.216)


def _raised(state: State, **numbers: int) -> SosRaised:
    cmd = RaiseSos(command_id=uuid.uuid4(), where=HERE, **numbers)
    (event,) = decide(state, cmd, CTX)
    assert isinstance(event, SosRaised)
    evolve(state, _recorded(event, cmd.command_id, state.position + 1))
    return event


def _recorded(event: SosRaised | SosUpdated, command_id: uuid.UUID, position: int) -> Recorded:
    return Recorded(
        position=position,
        event_id=uuid.uuid4(),
        recorded_at=NOW,
        actor=RESIDENT,
        command_id=command_id,
        command_hash="ab" * 32,
        event=event,
    )


@pytest.mark.parametrize(
    ("numbers", "counted"),
    [
        ({"injured": 3}, (3, 3, 0)),  # people left at its 1
        ({"people": 2, "children": 5}, (5, 0, 5)),
        ({"people": 2, "injured": 4, "children": 6}, (6, 4, 6)),
        ({"people": 4, "injured": 2, "children": 1}, (4, 2, 1)),  # as typed
    ],
)
def test_a_call_with_more_hurt_than_people_is_raised_with_the_people_counted_up(
    numbers: dict[str, int], counted: tuple[int, int, int]
) -> None:
    event = _raised(State(), **numbers)
    assert (event.people, event.injured, event.children) == counted


def test_an_update_with_more_hurt_than_people_changes_the_call_and_counts_the_people_up() -> None:
    state = State()
    raised = _raised(state, people=2)
    cmd = UpdateSos(command_id=uuid.uuid4(), sos_id=raised.sos_id, injured=4)
    (event,) = decide(state, cmd, CTX)
    assert isinstance(event, SosUpdated)
    assert (event.people, event.injured, event.children) == (4, 4, None)
    evolve(state, _recorded(event, cmd.command_id, state.position + 1))
    sos = state.slice(Reports).sos[raised.sos_id]
    assert (sos.people, sos.injured, sos.children) == (4, 4, 0)


def test_an_update_lowering_the_people_below_the_injured_keeps_the_injured_counted() -> None:
    state = State()
    raised = _raised(state, people=5, injured=3)
    cmd = UpdateSos(command_id=uuid.uuid4(), sos_id=raised.sos_id, people=1)
    (event,) = decide(state, cmd, CTX)
    assert isinstance(event, SosUpdated)
    assert (event.people, event.injured) == (3, None)


def test_an_update_within_the_people_leaves_them_as_they_were() -> None:
    state = State()
    raised = _raised(state, people=5)
    cmd = UpdateSos(command_id=uuid.uuid4(), sos_id=raised.sos_id, injured=2)
    (event,) = decide(state, cmd, CTX)
    assert isinstance(event, SosUpdated)
    assert (event.people, event.injured) == (None, 2)


@pytest.mark.parametrize(
    "ahead", [timedelta(minutes=2), timedelta(minutes=6), timedelta(hours=3), timedelta(days=400)]
)
def test_a_call_timed_by_a_fast_clock_is_raised_at_the_server_s_now(ahead: timedelta) -> None:
    """A phone's clock ahead of the server's: the call is kept, at now (it was refused
    "observed_at is in the future; check the device clock" beyond 5 minutes)."""
    cmd = RaiseSos(command_id=uuid.uuid4(), where=HERE, observed_at=NOW + ahead)
    (event,) = decide(State(), cmd, CTX)
    assert isinstance(event, SosRaised)
    assert event.observed_at == NOW


def test_a_call_timed_in_the_past_keeps_its_time() -> None:
    earlier = NOW - timedelta(minutes=20)
    cmd = RaiseSos(command_id=uuid.uuid4(), where=HERE, observed_at=earlier)
    (event,) = decide(State(), cmd, CTX)
    assert isinstance(event, SosRaised)
    assert event.observed_at == earlier


@pytest.mark.parametrize(
    "claimed",
    [NOW - timedelta(days=3), datetime(1970, 1, 1, tzinfo=UTC), datetime(2000, 1, 1, tzinfo=UTC)],
)
def test_a_call_from_a_phone_whose_clock_was_reset_is_raised_at_the_server_s_now(
    claimed: datetime,
) -> None:
    """A phone reset to 1970 or 2000 after a flat battery: the call is kept, at now (it was
    refused "observed_at is more than two days old")."""
    cmd = RaiseSos(command_id=uuid.uuid4(), where=HERE, observed_at=claimed)
    (event,) = decide(State(), cmd, CTX)
    assert isinstance(event, SosRaised)
    assert event.observed_at == NOW


def test_a_sighting_timed_by_a_fast_clock_is_still_refused() -> None:
    cmd = ReportSighting(command_id=uuid.uuid4(), where=HERE, observed_at=NOW + timedelta(hours=1))
    with pytest.raises(InvalidCommand, match="in the future"):
        decide(State(), cmd, CTX)
