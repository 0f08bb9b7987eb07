"""Completing an assignment to a wounded responder attends them: the decider judges it (the
responder still wounded) and says so in the event (`AssignmentCompleted.attends`); the
evolver applies the event alone (docs/DEVELOPING.md: an evolver touches no other part's
slice), so the record of who is attended does not depend on another part's state."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain import State, evolve
from magen.domain.base import Actor, Event, Recorded, upcast
from magen.domain.dispatch import (
    AssignmentCompleted,
    AssignmentMade,
    CompleteAssignment,
    Dispatch,
    MakeAssignment,
    TargetKind,
)
from magen.domain.reports import RaiseSos
from magen.domain.responders import (
    Capability,
    ChangeStatus,
    CheckIn,
    ResponderCheckedIn,
    ResponderKind,
    ResponderStatus,
)
from magen.domain.values import GeoPoint, Role
from magen.store.memory import MemoryEventLog

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
DISPATCHER = Actor("acc_dispatch", Role.DISPATCHER)
HURT = Actor("acc_hurt", Role.RESPONDER)
MEDIC = Actor("acc_medic", Role.MEDIC)
COP = Actor("acc_cop", Role.RESPONDER)
HURT_AT = GeoPoint(lat=31.7600, lon=35.2130)


async def _check_in(
    service: Service, who: Actor, kind: ResponderKind, caps: set[Capability], where: GeoPoint
) -> None:
    await service.handle(
        who,
        CheckIn(
            command_id=uuid.uuid4(),
            kind=kind,
            capabilities=frozenset(caps),
            status=ResponderStatus.AVAILABLE,
            where=where,
        ),
    )


async def _assign(service: Service, responder_id: str, target: TargetKind, target_id: str) -> str:
    made = await service.handle(
        DISPATCHER,
        MakeAssignment(
            command_id=uuid.uuid4(),
            responder_id=responder_id,
            target=target,
            target_id=target_id,
        ),
    )
    return str(made.events[0].event.assignment_id)  # type: ignore[attr-defined]


def test_completing_an_assignment_to_a_wounded_responder_records_whom_it_attends() -> None:
    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        await _check_in(service, HURT, ResponderKind.VOLUNTEER, {Capability.ARMED}, HURT_AT)
        near = GeoPoint(lat=31.7620, lon=35.2150)
        await _check_in(service, MEDIC, ResponderKind.MEDIC, {Capability.MEDIC}, near)
        await _check_in(service, COP, ResponderKind.POLICE_ON_DUTY, {Capability.ARMED}, near)
        await service.handle(
            HURT, ChangeStatus(command_id=uuid.uuid4(), status=ResponderStatus.WOUNDED)
        )
        first = await _assign(service, "acc_medic", TargetKind.RESPONDER, "acc_hurt")
        done = await service.handle(
            MEDIC, CompleteAssignment(command_id=uuid.uuid4(), assignment_id=first)
        )
        completed = done.events[0].event
        assert isinstance(completed, AssignmentCompleted)
        assert completed.attends == "acc_hurt"  # decided with the responder's status
        assert service.state.slice(Dispatch).attended == {"acc_hurt": first}
        # Any other completion attends nobody.
        raised = await service.handle(
            Actor("acc_res", Role.RESIDENT),
            RaiseSos(command_id=uuid.uuid4(), where=GeoPoint(lat=31.7590, lon=35.2120)),
        )
        sos = str(raised.events[0].event.sos_id)  # type: ignore[attr-defined]
        call = await _assign(service, "acc_cop", TargetKind.INCIDENT, sos)
        done = await service.handle(
            COP, CompleteAssignment(command_id=uuid.uuid4(), assignment_id=call)
        )
        assert done.events[0].event.attends is None  # type: ignore[attr-defined]

    asyncio.run(go())


def test_the_attended_record_follows_the_event_alone() -> None:
    """The evolver applies what the completion says; it reads no other part's state (the
    responder's status was the decider's to judge when the completion was decided)."""
    state = State()
    at = START

    def fold(event: Event) -> None:
        nonlocal at
        at += timedelta(seconds=1)
        evolve(
            state,
            Recorded(state.position + 1, uuid.uuid4(), at, DISPATCHER, None, None, event),
        )

    def sent(assignment_id: str, hurt: str) -> None:
        fold(
            AssignmentMade(
                assignment_id=assignment_id,
                responder_id="acc_medic",
                target=TargetKind.RESPONDER,
                target_id=hurt,
            )
        )

    # The responders' part never heard of acc_hurt: the event alone says whom it attends.
    sent("asg_1", "acc_hurt")
    fold(AssignmentCompleted(assignment_id="asg_1", responder_id="acc_medic", attends="acc_hurt"))
    assert state.slice(Dispatch).attended == {"acc_hurt": "asg_1"}
    # Wounded in the responders' part, but the completion (decided when they were not)
    # attends nobody: nobody is marked.
    fold(
        ResponderCheckedIn(
            responder_id="acc_other",
            kind=ResponderKind.VOLUNTEER,
            capabilities=frozenset({Capability.ARMED}),
            radio_channel="",
            status=ResponderStatus.WOUNDED,
            where=HURT_AT,
        )
    )
    sent("asg_2", "acc_other")
    fold(AssignmentCompleted(assignment_id="asg_2", responder_id="acc_medic"))
    assert "acc_other" not in state.slice(Dispatch).attended


def test_a_completion_recorded_before_it_said_whom_it_attends_is_applied_as_then() -> None:
    """Logs of the release before `attends` hold version-1 completions without it: read back,
    they are marked, and a wounded responder they attended stays attended (not asked for
    again on every replay)."""
    state = State()
    at = START

    def fold(event: Event) -> None:
        nonlocal at
        at += timedelta(seconds=1)
        evolve(
            state,
            Recorded(state.position + 1, uuid.uuid4(), at, DISPATCHER, None, None, event),
        )

    fold(
        ResponderCheckedIn(
            responder_id="acc_hurt",
            kind=ResponderKind.VOLUNTEER,
            capabilities=frozenset({Capability.ARMED}),
            radio_channel="",
            status=ResponderStatus.WOUNDED,
            where=HURT_AT,
        )
    )
    fold(
        AssignmentMade(
            assignment_id="asg_1",
            responder_id="acc_medic",
            target=TargetKind.RESPONDER,
            target_id="acc_hurt",
        )
    )
    v1 = {"type": "AssignmentCompleted", "assignment_id": "asg_1", "responder_id": "acc_medic"}
    old = AssignmentCompleted.model_validate(upcast("AssignmentCompleted", 1, v1))
    assert (old.attends, old.attends_unsaid) == (None, True)
    fold(old)
    assert state.slice(Dispatch).attended == {"acc_hurt": "asg_1"}
    # A version-1 body that already says it (written while the field was new) is as written.
    said = upcast("AssignmentCompleted", 1, {**v1, "attends": None})
    assert AssignmentCompleted.model_validate(said).attends_unsaid is False
