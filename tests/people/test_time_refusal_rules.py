"""The shared time check (people.py observed_time) names its rule: a death time at the hospital
desk or a last sighting at the registry desk in the future, or more than 30 days back, is
refused with `time_in_future` or `time_too_old`, which the pages say in their own language
(common.js refusedFor), while the English reason stays as it was."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from magen.domain import people
from magen.domain.base import Actor, Command, DecisionContext, Recorded, decide, evolve
from magen.domain.casualties import RecordCasualty, RecordDeath, casualty_by_tag
from magen.domain.errors import InvalidCommand
from magen.domain.people import (
    MAX_CLAIMED_AGE,
    MAX_FUTURE_SKEW,
    Contact,
    PersonName,
    observed_time,
)
from magen.domain.persons import ReportMissingPerson
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from support.rulekit import rules_named_in

T0 = datetime(2023, 10, 7, 9, 0, tzinfo=UTC)
MEDIC = Actor("acc_medic", Role.MEDIC)
REGISTRAR = Actor("acc_registrar", Role.REGISTRAR)
HERE = GeoPoint(lat=31.3134, lon=34.6201)
FUTURE = "the time given is in the future; check the device clock"
TOO_OLD = "the time given is more than 30 days ago"
CTX = DecisionContext(REGISTRAR, T0)


def _state_with_casualty() -> tuple[State, str]:
    """A state holding one casualty, tag T1, recorded at T0."""
    state = State()
    cmd = RecordCasualty(command_id=uuid.uuid4(), tag="T1", where=HERE)
    for position, event in enumerate(decide(state, cmd, DecisionContext(MEDIC, T0)), 1):
        evolve(state, Recorded(position, uuid.uuid4(), T0, MEDIC, cmd.command_id, None, event))
    return state, casualty_by_tag(state, "T1").casualty_id


def _death_at(at: datetime) -> tuple[State, Actor, Command]:
    state, casualty_id = _state_with_casualty()
    return state, MEDIC, RecordDeath(command_id=uuid.uuid4(), casualty_id=casualty_id, at=at)


def _last_seen_at(at: datetime) -> tuple[State, Actor, Command]:
    report = ReportMissingPerson(
        command_id=uuid.uuid4(),
        name=PersonName(full_name="Noa Levi"),
        contact=Contact(name="Dana Levi", phone="050-0000000"),
        last_seen_at=at,
    )
    return State(), REGISTRAR, report


Refused = Callable[[datetime], tuple[State, Actor, Command]]
AHEAD = T0 + MAX_FUTURE_SKEW + timedelta(minutes=1)
BEHIND = T0 - MAX_CLAIMED_AGE - timedelta(hours=1)
CASES: list[tuple[str, str, datetime, Refused]] = [
    ("time_in_future", FUTURE, AHEAD, _death_at),
    ("time_too_old", TOO_OLD, BEHIND, _death_at),
    ("time_in_future", FUTURE, AHEAD, _last_seen_at),
    ("time_too_old", TOO_OLD, BEHIND, _last_seen_at),
]


@pytest.mark.parametrize(
    ("rule", "reason", "at", "refused"),
    CASES,
    ids=[f"{c[0]}-{c[3].__name__.strip('_')}" for c in CASES],
)
def test_a_death_or_a_last_sighting_refused_by_its_time_names_the_rule(
    rule: str, reason: str, at: datetime, refused: Refused
) -> None:
    state, actor, cmd = refused(at)
    with pytest.raises(InvalidCommand) as raised:
        decide(state, cmd, DecisionContext(actor, T0))
    assert raised.value.rule == rule
    assert raised.value.reason == reason  # the English is unchanged


def test_the_bounds_themselves_are_taken() -> None:
    assert observed_time(T0 + MAX_FUTURE_SKEW, CTX) == T0 + MAX_FUTURE_SKEW
    assert observed_time(T0 - MAX_CLAIMED_AGE, CTX) == T0 - MAX_CLAIMED_AGE
    assert observed_time(None, CTX) == T0


def test_a_historical_time_is_not_too_old_but_still_not_in_the_future() -> None:
    assert observed_time(T0 - timedelta(days=400), CTX, historical=True) == T0 - timedelta(days=400)
    with pytest.raises(InvalidCommand) as raised:
        observed_time(AHEAD, CTX, historical=True)
    assert raised.value.rule == "time_in_future"


def test_every_rule_people_names_is_held_here() -> None:
    """A rule added to people.py without a case here fails (and one dropped there)."""
    assert rules_named_in(people) == {c[0] for c in CASES}
