"""Assignments and call-ups in the domain, and the dispatch board as a function of the log."""

from __future__ import annotations

import asyncio
import copy
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magen.app import dispatch as app_dispatch
from magen.app.codec import decode
from magen.app.dispatch import DispatchService
from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain import State, evolve
from magen.domain.base import Actor, Command
from magen.domain.dispatch import (
    AcknowledgeAssignment,
    AcknowledgeCallUp,
    AssignmentStatus,
    CancelAssignment,
    CloseCallUp,
    CompleteAssignment,
    Dispatch,
    IssueCallUp,
    MakeAssignment,
    ReportArrival,
    TargetKind,
    called_responders,
)
from magen.domain.errors import DomainError
from magen.domain.picture import Picture
from magen.domain.reports import Armed, RaiseSos, ReportSighting
from magen.domain.responders import (
    Capability,
    ChangeStatus,
    CheckIn,
    ReportPosition,
    ResponderKind,
    Responders,
    ResponderStatus,
)
from magen.domain.values import GeoPoint, Role
from magen.store.memory import MemoryEventLog
from support.bakapack import baka_town

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
DISPATCHER = Actor("acc_dispatch", Role.DISPATCHER)
COPS = [Actor(f"acc_cop{i}", Role.RESPONDER) for i in range(3)]
HERE = GeoPoint(lat=31.7600, lon=35.2170)


def _cid() -> uuid.UUID:
    return uuid.uuid4()


async def _setup(service: Service) -> tuple[str, str]:
    """Three armed responders, an armed group and a call for help; (track, sos) ids."""
    for i, cop in enumerate(COPS):
        await service.handle(
            cop,
            CheckIn(
                command_id=_cid(),
                kind=ResponderKind.POLICE_OFF_DUTY if i == 2 else ResponderKind.POLICE_ON_DUTY,
                capabilities=frozenset({Capability.ARMED}),
                status=ResponderStatus.OFF_DUTY if i == 2 else ResponderStatus.AVAILABLE,
                where=GeoPoint(lat=31.7610 + 0.001 * i, lon=35.2160),
            ),
        )
    first = None
    for who in (DISPATCHER, COPS[0]):
        out = await service.handle(
            who,
            ReportSighting(command_id=_cid(), where=HERE, count=2, armed=Armed.YES),
        )
        first = first or out.events[0].event.sighting_id  # type: ignore[attr-defined]
    sos = await service.handle(
        Actor("acc_res", Role.RESIDENT),
        RaiseSos(command_id=_cid(), where=GeoPoint(lat=31.7650, lon=35.2120), injured=1),
    )
    track = service.state.slice(Picture).fuser.track_of(str(first))
    assert track is not None
    return track, sos.events[0].event.sos_id  # type: ignore[attr-defined]


def test_an_assignment_goes_assigned_acknowledged_arrived_completed() -> None:
    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        track, _ = await _setup(service)
        made = await service.handle(
            DISPATCHER,
            MakeAssignment(
                command_id=_cid(), responder_id="acc_cop0", target=TargetKind.TRACK, target_id=track
            ),
        )
        asg = made.events[0].event.assignment_id  # type: ignore[attr-defined]
        d = service.state.slice(Dispatch)
        assert d.active_assignment("acc_cop0") is d.assignments[asg]
        await service.handle(COPS[0], AcknowledgeAssignment(command_id=_cid(), assignment_id=asg))
        assert d.assignments[asg].status is AssignmentStatus.ACKNOWLEDGED
        await service.handle(COPS[0], ReportArrival(command_id=_cid(), assignment_id=asg))
        cop = service.state.slice(Responders).by_id["acc_cop0"]
        assert cop.status is ResponderStatus.ON_SCENE
        await service.handle(COPS[0], CompleteAssignment(command_id=_cid(), assignment_id=asg))
        assert d.assignments[asg].status is AssignmentStatus.COMPLETED
        assert d.active_assignment("acc_cop0") is None
        assert cop.status is ResponderStatus.AVAILABLE
        assert d.assignments[asg].history == sorted(d.assignments[asg].history)

    asyncio.run(go())


def test_a_wounded_responder_stays_wounded_when_their_assignment_ends() -> None:
    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        _, sos = await _setup(service)
        made = await service.handle(
            DISPATCHER,
            MakeAssignment(
                command_id=_cid(),
                responder_id="acc_cop1",
                target=TargetKind.INCIDENT,
                target_id=sos,
            ),
        )
        asg = made.events[0].event.assignment_id  # type: ignore[attr-defined]
        await service.handle(
            COPS[1], ChangeStatus(command_id=_cid(), status=ResponderStatus.WOUNDED)
        )
        await service.handle(DISPATCHER, CancelAssignment(command_id=_cid(), assignment_id=asg))
        cop = service.state.slice(Responders).by_id["acc_cop1"]
        assert cop.status is ResponderStatus.WOUNDED
        with pytest.raises(DomainError, match="wounded"):
            await service.handle(
                DISPATCHER,
                MakeAssignment(
                    command_id=_cid(),
                    responder_id="acc_cop1",
                    target=TargetKind.INCIDENT,
                    target_id=sos,
                ),
            )

    asyncio.run(go())


def test_a_call_up_reaches_those_within_its_radius_by_their_last_position() -> None:
    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        await _setup(service)
        # cop2 moves away before the call-up: their last position counts.
        await service.handle(
            COPS[2], ReportPosition(command_id=_cid(), where=GeoPoint(lat=31.80, lon=35.25))
        )
        out = await service.handle(
            DISPATCHER,
            IssueCallUp(
                command_id=_cid(),
                centre=HERE,
                radius_m=500,
                capabilities=frozenset({Capability.ARMED}),
            ),
        )
        event = out.events[0].event
        assert event.called == ("acc_cop0", "acc_cop1")  # type: ignore[attr-defined]
        medic_only = called_responders(
            service.state, HERE.lon, HERE.lat, 500, frozenset({Capability.MEDIC})
        )
        assert medic_only == ()
        callup = event.callup_id  # type: ignore[attr-defined]
        answer = AcknowledgeCallUp(command_id=_cid(), callup_id=callup, coming=True, eta_min=5)
        await service.handle(COPS[2], answer)
        assert service.state.slice(Responders).by_id["acc_cop2"].status is ResponderStatus.AVAILABLE
        # Answering the same again changes nothing and records nothing.
        same = AcknowledgeCallUp(command_id=_cid(), callup_id=callup, coming=True, eta_min=5)
        assert (await service.handle(COPS[2], same)).events == ()
        await service.handle(DISPATCHER, CloseCallUp(command_id=_cid(), callup_id=callup))
        assert not service.state.slice(Dispatch).callups[callup].open

    asyncio.run(go())


# --- the board is a function of the log ---------------------------------------------------

ACTS = st.lists(
    st.tuples(
        st.sampled_from(["assign", "ack", "arrive", "complete", "cancel", "callup", "answer"]),
        st.integers(0, 2),
        st.integers(0, 120),
    ),
    max_size=12,
)


def _act(kind: str, who: int, service: Service, track: str, sos: str) -> tuple[Actor, Command]:
    d = service.state.slice(Dispatch)
    mine = d.active_assignment(COPS[who].account_id or "")
    asg = mine.assignment_id if mine is not None else "asg_none"
    callups = sorted(d.callups)
    if kind == "assign":
        target = (TargetKind.TRACK, track) if who != 1 else (TargetKind.INCIDENT, sos)
        return DISPATCHER, MakeAssignment(
            command_id=_cid(), responder_id=f"acc_cop{who}", target=target[0], target_id=target[1]
        )
    if kind == "callup":
        return DISPATCHER, IssueCallUp(command_id=_cid(), centre=HERE, radius_m=800)
    if kind == "answer":
        return COPS[who], AcknowledgeCallUp(
            command_id=_cid(), callup_id=callups[-1] if callups else "cu_none", coming=who != 1
        )
    step = {
        "ack": AcknowledgeAssignment,
        "arrive": ReportArrival,
        "complete": CompleteAssignment,
        "cancel": CancelAssignment,
    }[kind]
    return COPS[who], step(command_id=_cid(), assignment_id=asg)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTS)
def test_replaying_the_log_gives_the_same_state_and_the_same_board(
    acts: list[tuple[str, int, int]],
) -> None:
    town = baka_town()

    async def go() -> None:
        clock = ManualClock(START)
        log = MemoryEventLog()
        service = Service(log, clock)
        live = DispatchService.attach(service, town)
        track, sos = await _setup(service)
        snapshots = {service.state.position: copy.deepcopy(service.state)}
        for kind, who, wait in acts:
            clock.advance(timedelta(seconds=wait))
            actor, command = _act(kind, who, service, track, sos)
            try:
                await service.handle(actor, command)
            except DomainError:
                continue
            snapshots[service.state.position] = copy.deepcopy(service.state)
        state = State()
        for stored in log.read(0):
            evolve(state, decode(stored))
            if stored.position in snapshots:
                assert state == snapshots[stored.position]
        fresh = Service(log, ManualClock(clock.now()))
        fresh.load()
        replayed = DispatchService.attach(fresh, town)
        a, b = live.planned(clock.now()), replayed.planned(clock.now())
        assert a.plan is not None
        assert b.plan is not None
        assert a.plan.recommendations == b.plan.recommendations
        assert a.plan.unmet == b.plan.unmet
        assert [t.task_id for t in a.tasks] == [t.task_id for t in b.tasks]

    asyncio.run(go())


def test_a_slow_plan_is_reused_while_young_but_the_board_follows_the_log(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def go() -> None:
        clock = ManualClock(START)
        service = Service(MemoryEventLog(), clock)
        board = DispatchService.attach(service, baka_town())
        await _setup(service)
        monkeypatch.setattr(app_dispatch, "SLOW_PLAN_S", 0.0)  # every plan counts as slow
        monkeypatch.setattr(app_dispatch, "PLAN_SHARE", 1e-9)  # and stays young for ages
        first = board.planned()
        await service.handle(
            Actor("acc_res2", Role.RESIDENT),
            RaiseSos(command_id=_cid(), where=GeoPoint(lat=31.7560, lon=35.2100)),
        )
        assert board.board().position == service.state.position > first.position
        assert board.planned() is first
        board.reuse_slow_plans = False  # a seeded simulation: never judged by wall time
        assert board.planned().position == service.state.position
        board.reuse_slow_plans = True
        monkeypatch.setattr(app_dispatch, "SLOW_PLAN_S", 1e9)  # fast plans are always fresh
        fresh = board.planned()
        assert fresh.position == service.state.position
        assert fresh.plan is not None
        assert len(fresh.tasks) == len(first.tasks) + 1

    asyncio.run(go())
