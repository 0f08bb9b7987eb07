"""A responder's status presses land in the order they were pressed (a phone's retry of an
older press reaching the server after a newer one does not replace it), and a "wounded" is
never dropped for its time (src/magen/domain/responders.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from magen.domain.base import Actor, DecisionContext, Recorded, decide, evolve
from magen.domain.responders import (
    ChangeStatus,
    CheckIn,
    ResponderKind,
    Responders,
    ResponderStatus,
    ResponderStatusChanged,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role

NOW = datetime(2023, 10, 7, 6, 40, tzinfo=UTC)
COP = Actor("acc_cop", Role.RESPONDER)


class Phone:
    """One responder's commands decided and applied in memory, in the order they arrive."""

    def __init__(self) -> None:
        self.state = State()
        self.now = NOW + timedelta(minutes=1)  # the server's clock, a little after the presses
        self.press(CheckIn(command_id=uuid.uuid4(), kind=ResponderKind.POLICE_ON_DUTY,
                           where=GeoPoint(lat=31.76, lon=35.21)))  # fmt: skip

    def press(self, cmd: object) -> list[object]:
        self.now += timedelta(seconds=1)
        events = decide(self.state, cmd, DecisionContext(COP, self.now))  # type: ignore[arg-type]
        for e in events:
            r = Recorded(self.state.position + 1, uuid.uuid4(), self.now, COP, None, None, e)
            evolve(self.state, r)
        return list(events)

    @property
    def status(self) -> ResponderStatus:
        return self.state.slice(Responders).by_id["acc_cop"].status


def _status(status: ResponderStatus, pressed: datetime | None) -> ChangeStatus:
    return ChangeStatus(command_id=uuid.uuid4(), status=status, observed_at=pressed)


def test_a_retry_of_an_older_press_does_not_replace_a_newer_status() -> None:
    phone = Phone()
    en_route_pressed = NOW + timedelta(seconds=2)
    engaged_pressed = NOW + timedelta(seconds=2.3)
    phone.press(_status(ResponderStatus.ENGAGED, engaged_pressed))  # went straight through
    assert phone.press(_status(ResponderStatus.EN_ROUTE, en_route_pressed)) == []  # the retry
    assert phone.status is ResponderStatus.ENGAGED
    # A newer press still applies.
    later = NOW + timedelta(seconds=50)
    [e] = phone.press(_status(ResponderStatus.ON_SCENE, later))
    assert isinstance(e, ResponderStatusChanged)
    assert e.observed_at == later
    assert phone.status is ResponderStatus.ON_SCENE


def test_wounded_is_never_dropped_for_its_time() -> None:
    phone = Phone()
    phone.press(_status(ResponderStatus.ENGAGED, NOW + timedelta(seconds=5)))
    [e] = phone.press(_status(ResponderStatus.WOUNDED, NOW + timedelta(seconds=4)))
    assert isinstance(e, ResponderStatusChanged)
    assert phone.status is ResponderStatus.WOUNDED


def test_presses_without_a_time_and_wrong_clocks_are_taken_as_they_come() -> None:
    phone = Phone()
    # No time said (an older client): applied in arrival order, as before.
    phone.press(_status(ResponderStatus.ENGAGED, None))
    phone.press(_status(ResponderStatus.EN_ROUTE, None))
    assert phone.status is ResponderStatus.EN_ROUTE
    # A clock a year off is no time: applied, and compared with nothing later.
    phone.press(_status(ResponderStatus.ON_SCENE, NOW - timedelta(days=365)))
    assert phone.status is ResponderStatus.ON_SCENE
    # A fast clock: its presses are compared with each other, as the phone said them.
    fast = phone.now + timedelta(hours=2)
    [e] = phone.press(_status(ResponderStatus.ENGAGED, fast))
    assert isinstance(e, ResponderStatusChanged)
    assert e.observed_at == fast
    phone.press(_status(ResponderStatus.AVAILABLE, fast + timedelta(seconds=5)))
    assert phone.status is ResponderStatus.AVAILABLE


def test_a_phone_a_few_seconds_fast_still_keeps_its_presses_in_order() -> None:
    """Engaged pressed a second after en route, on a phone 5 s fast: the en-route retry that
    reaches the server later is still the older press (compared with the phone's own times,
    never with the server's clock)."""
    phone = Phone()
    fast = phone.now + timedelta(seconds=5)
    phone.press(_status(ResponderStatus.ENGAGED, fast + timedelta(seconds=1)))
    assert phone.press(_status(ResponderStatus.EN_ROUTE, fast)) == []
    assert phone.status is ResponderStatus.ENGAGED


def test_a_late_wounded_does_not_reopen_the_presses_before_the_status_it_replaced() -> None:
    """Engaged (pressed t-1) arrives, then wounded (pressed t-3), then a retry of on scene
    (pressed t-2): the responder stays wounded."""
    phone = Phone()
    t = NOW + timedelta(seconds=30)
    phone.press(_status(ResponderStatus.ENGAGED, t - timedelta(seconds=1)))
    phone.press(_status(ResponderStatus.WOUNDED, t - timedelta(seconds=3)))
    assert phone.status is ResponderStatus.WOUNDED
    assert phone.press(_status(ResponderStatus.ON_SCENE, t - timedelta(seconds=2))) == []
    assert phone.status is ResponderStatus.WOUNDED


def test_a_press_long_before_the_status_held_is_a_clock_set_back_and_applies() -> None:
    phone = Phone()
    phone.press(_status(ResponderStatus.ENGAGED, NOW + timedelta(seconds=50)))
    [e] = phone.press(_status(ResponderStatus.AVAILABLE, NOW - timedelta(minutes=30)))
    assert isinstance(e, ResponderStatusChanged)
    assert phone.status is ResponderStatus.AVAILABLE


def test_a_press_without_a_time_is_the_same_command_as_before_the_field() -> None:
    """A retry sent before `observed_at` existed is still recognised as the same command: its
    digest is the one computed by the code before the field (ab8b914~1)."""
    cmd = ChangeStatus(command_id=uuid.UUID(int=7), status=ResponderStatus.ENGAGED)
    assert cmd.fingerprint(COP) == (
        "fd16488fc396263df9fa0709650c36ebc8f21258eaeb305bdd798e4a9d292653"
    )
