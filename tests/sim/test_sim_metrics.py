"""The dispatch measures, on small hand-written logs: what counts as an SOS being assigned."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from magen.domain.base import SYSTEM, Event, Recorded
from magen.domain.dispatch import AssignmentCompleted, AssignmentMade, TargetKind
from magen.domain.reports import SosRaised
from magen.domain.values import GeoPoint, SourceTier
from magen.sim.metrics import Metrics, measure
from magen.sim.truth import Truth

START = datetime(2023, 10, 7, 3, 29, tzinfo=UTC)
HERE = (35.2185, 31.7590)
FAR = (35.2125, 31.7620)  # about 650 m away: another incident


class Log:
    """Events at seconds after START, in order."""

    def __init__(self) -> None:
        self.records: list[Recorded] = []

    def add(self, t: float, event: Event) -> None:
        self.records.append(
            Recorded(
                position=len(self.records) + 1,
                event_id=uuid.uuid4(),
                recorded_at=START + timedelta(seconds=t),
                actor=SYSTEM,
                command_id=None,
                command_hash=None,
                event=event,
            )
        )

    def sos(self, t: float, sos_id: str, where: tuple[float, float] = HERE) -> None:
        self.add(
            t,
            SosRaised(
                sos_id=sos_id,
                where=GeoPoint(lon=where[0], lat=where[1]),
                observed_at=START + timedelta(seconds=t),
                people=3,
                injured=0,
                children=0,
                silent=False,
                text="help",
                tier=SourceTier.REGISTERED,
            ),
        )

    def assign(self, t: float, assignment_id: str, target_id: str, responder: str) -> None:
        self.add(
            t,
            AssignmentMade(
                assignment_id=assignment_id,
                responder_id=responder,
                target=TargetKind.INCIDENT,
                target_id=target_id,
            ),
        )

    def complete(self, t: float, assignment_id: str, responder: str) -> None:
        self.add(t, AssignmentCompleted(assignment_id=assignment_id, responder_id=responder))

    def measure(self, truth: Truth | None = None) -> Metrics:
        return measure(self.records, START, truth)


def _truth(
    shown_at: dict[str, float], recommended_at: dict[str, float], assigned_at: dict[str, float]
) -> Truth:
    return Truth(
        scenario="test",
        seed=0,
        policy="magen",
        start=START.isoformat(),
        tick_s=5.0,
        duration_s=3600.0,
        true_attackers=0,
        households=1,
        people=1,
        shown_at=shown_at,
        recommended_at=recommended_at,
        assigned_at=assigned_at,
    )


def test_a_call_about_people_someone_is_already_sent_to_is_covered_as_it_arrives() -> None:
    log = Log()
    log.sos(100, "sos_a")
    log.assign(130, "asg_1", "sos_a", "r1")
    log.sos(160, "sos_b")  # a neighbour, 20 m away: the same incident, r1 is on the way
    m = log.measure()
    assert m.sos_to_assign_s == [0.0, 30.0]
    assert m.sos_joined_attended == 1
    # The call covered on arrival is not among those that needed an assignment of their own.
    assert m.sos_own_to_assign_s == [30.0]
    assert m.sos_own_to_assign_median_s == 30.0
    assert m.incidents == 1
    assert m.incident_to_assign_s == [30.0]


def test_a_call_after_the_responder_left_waits_for_the_next_assignment() -> None:
    log = Log()
    log.sos(100, "sos_a")
    log.assign(130, "asg_1", "sos_a", "r1")
    log.complete(200, "asg_1", "r1")
    log.sos(260, "sos_b")  # the incident is still open, nobody is assigned any more
    log.assign(300, "asg_2", "sos_b", "r2")
    m = log.measure()
    assert m.sos_to_assign_s == [30.0, 40.0]
    assert m.sos_joined_attended == 0
    assert m.sos_own_to_assign_s == [30.0, 40.0]
    assert m.incident_to_assign_s == [30.0]  # one incident: its first call, its first unit


def test_calls_before_the_first_assignment_wait_for_it_and_other_incidents_count_apart() -> None:
    log = Log()
    log.sos(100, "sos_a")
    log.sos(120, "sos_b")
    log.sos(125, "sos_far", FAR)
    log.assign(190, "asg_1", "sos_a", "r1")
    m = log.measure()
    assert m.sos_to_assign_s == [70.0, 90.0]  # the far call was never assigned
    assert m.sos_raised == 3
    assert m.sos_assigned == 2
    assert m.incidents == 2
    assert m.incidents_assigned == 1
    assert m.incident_to_assign_median_s == 90.0
    assert m.incident_within_nfpa_share == 0.0


def test_an_incidents_wait_splits_into_shown_waiting_and_processing() -> None:
    log = Log()
    log.sos(100, "sos_a")
    log.assign(190, "asg_1", "sos_a", "r1")
    truth = _truth(
        shown_at={"sos_a": 105.0}, recommended_at={"sos_a": 165.0}, assigned_at={"sos_a": 190.0}
    )
    m = log.measure(truth)
    assert m.incident_shown_s == [5.0]
    assert m.incident_waiting_s == [60.0]
    assert m.incident_processing_s == [25.0]
    assert m.incident_to_assign_s == [pytest.approx(5.0 + 60.0 + 25.0)]
