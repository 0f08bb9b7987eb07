"""Each rule hospitals.py names is raised where it is claimed: the refusal the hospital desk
meets, which the page says in its own language (common.js refusedFor), while the English
reason stays as it was."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from magen.domain import hospitals
from magen.domain.accounts import CreateAccount, account_id_for
from magen.domain.base import Actor, Command, DecisionContext, Recorded, decide, evolve
from magen.domain.errors import InvalidCommand
from magen.domain.hospitals import (
    ClinicalStatus,
    HospitalStatus,
    RegisterHospital,
    ReportHospitalStatus,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from support.rulekit import rules_named_in

T0 = datetime(2023, 10, 7, 7, 0, tzinfo=UTC)
ADMIN = Actor("acc_admin", Role.ADMIN)
DISPATCHER = Actor("acc_dispatch", Role.DISPATCHER)
HERE = GeoPoint(lat=31.25, lon=34.79)


class Log:
    """Decide and evolve in memory."""

    def __init__(self) -> None:
        self.state = State()
        self.position = 0

    def run(self, actor: Actor, cmd: Command, now: datetime = T0) -> None:
        for e in decide(self.state, cmd, DecisionContext(actor, now)):
            self.position += 1
            evolve(
                self.state,
                Recorded(self.position, uuid.uuid4(), now, actor, cmd.command_id, None, e),
            )


def _status(clinical: ClinicalStatus, observed_at: datetime | None = None) -> ReportHospitalStatus:
    return ReportHospitalStatus(
        command_id=uuid.uuid4(),
        hospital_id="soroka",
        status=HospitalStatus(clinical=clinical),
        observed_at=observed_at,
    )


def test_a_status_older_than_the_one_recorded_names_its_rule() -> None:
    """The dispatcher relays Soroka's status as phoned in, a little ahead of the server's
    clock; the desk's own report, sent a moment later without a time of its own, is older."""
    log = Log()
    made = uuid.uuid4()
    log.run(
        ADMIN,
        CreateAccount(
            command_id=made,
            username="soroka",
            role=Role.HOSPITAL,
            display_name="Soroka",
            password_hash="h" * 40,
        ),
    )
    desk = Actor(account_id_for(made), Role.HOSPITAL)
    log.run(
        ADMIN,
        RegisterHospital(
            command_id=uuid.uuid4(),
            hospital_id="soroka",
            name="Soroka",
            where=HERE,
            account_id=desk.account_id,
        ),
    )
    log.run(DISPATCHER, _status(ClinicalStatus.FULL, T0 + timedelta(minutes=3)))
    position = log.position
    with pytest.raises(InvalidCommand) as raised:
        log.run(desk, _status(ClinicalStatus.NORMAL), now=T0 + timedelta(minutes=1))
    assert raised.value.rule == "newer_status_recorded"
    assert raised.value.reason == "a newer status is already recorded for this hospital"
    assert log.position == position
    # Once its clock is past the relayed one, the desk's report is taken.
    log.run(desk, _status(ClinicalStatus.NORMAL), now=T0 + timedelta(minutes=4))
    assert log.position == position + 1


def test_every_rule_hospitals_names_is_held_here() -> None:
    """A rule added to hospitals.py without a test here fails (and one dropped there)."""
    assert rules_named_in(hospitals) == {"newer_status_recorded"}
