"""What of a readable event each role is still not given (`auth.withheld`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from magen.app import auth, people_policy
from magen.domain.base import Actor, Recorded
from magen.domain.hospitals import HospitalRegistered
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role


def _registered(by: Actor) -> Recorded:
    return Recorded(
        position=1,
        event_id=uuid.uuid4(),
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        actor=by,
        command_id=None,
        command_hash=None,
        event=HospitalRegistered(
            hospital_id="soroka",
            name="Soroka",
            where=GeoPoint(lat=31.26, lon=34.80),
            account_id="acc_hospital_soroka",
            trauma_centre=True,
            paediatric=True,
        ),
    )


ADMIN = Actor(account_id="acc_admin", role=Role.ADMIN)
people_policy.register()  # hospital events' audience (idempotent)


@pytest.mark.parametrize("role", [Role.HOSPITAL, Role.REGISTRAR, Role.MEDIC])
def test_which_account_reports_for_a_hospital_is_kept_from_other_medical_readers(
    role: Role,
) -> None:
    reader = Actor(account_id=f"acc_{role.value}", role=role)
    assert auth.can_read(reader, _registered(ADMIN), State())
    assert "account_id" in auth.withheld(reader, _registered(ADMIN))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DISPATCHER, Role.ANALYST])
def test_operators_see_which_account_reports_for_a_hospital(role: Role) -> None:
    reader = Actor(account_id=f"acc_{role.value}", role=role)
    assert auth.withheld(reader, _registered(ADMIN)) == frozenset()
