"""The state rebuilt from any prefix of the log equals the live state at that position."""

from __future__ import annotations

import asyncio
import copy
import uuid
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magen.app.codec import decode
from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain import State, evolve
from magen.domain.base import Actor, Command
from magen.domain.errors import DomainError
from magen.domain.reports import RaiseSos, ReportSighting, ResolveSos, SosOutcome, UpdateSos
from magen.domain.responders import (
    ChangeStatus,
    CheckIn,
    ReportPosition,
    ResponderKind,
    ResponderStatus,
)
from magen.domain.values import GeoPoint, Role
from magen.store.memory import MemoryEventLog

ACTORS = [
    Actor("acc_resident", Role.RESIDENT),
    Actor("acc_officer", Role.RESPONDER),
    Actor("acc_dispatch", Role.DISPATCHER),
    Actor(None, Role.ANONYMOUS, source_key="anon_1"),
]
points = st.builds(
    GeoPoint,
    lat=st.floats(31.75, 31.77, allow_nan=False),
    lon=st.floats(35.20, 35.23, allow_nan=False),
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["sighting", "sos", "update", "resolve", "checkin", "status", "move"]),
        st.sampled_from(range(len(ACTORS))),
        points,
        st.integers(1, 12),
        st.integers(0, 30),  # seconds the clock moves before the step
    ),
    min_size=1,
    max_size=40,
)


def _command(kind: str, where: GeoPoint, n: int, sos_ids: list[str]) -> Command | None:
    cid = uuid.uuid4()
    if kind == "sighting":
        return ReportSighting(command_id=cid, where=where, count=n)
    if kind == "sos":
        return RaiseSos(command_id=cid, where=where, people=n, injured=n // 3)
    if kind == "update" and sos_ids:
        return UpdateSos(command_id=cid, sos_id=sos_ids[n % len(sos_ids)], people=n + 1)
    if kind == "resolve" and sos_ids:
        return ResolveSos(command_id=cid, sos_id=sos_ids[n % len(sos_ids)], outcome=SosOutcome.SAFE)
    if kind == "checkin":
        return CheckIn(command_id=cid, kind=ResponderKind.POLICE_ON_DUTY, where=where)
    if kind == "status":
        return ChangeStatus(command_id=cid, status=list(ResponderStatus)[n % len(ResponderStatus)])
    if kind == "move":
        return ReportPosition(command_id=cid, where=where)
    return None


async def _run(
    plan: list[tuple[str, int, GeoPoint, int, int]],
) -> tuple[MemoryEventLog, dict[int, State]]:
    clock = ManualClock(datetime(2023, 10, 7, 6, 30, tzinfo=UTC))
    log = MemoryEventLog()
    service = Service(log, clock)
    snapshots = {0: copy.deepcopy(service.state)}
    sos_ids: list[str] = []
    for kind, who, where, n, wait in plan:
        clock.advance(wait)
        command = _command(kind, where, n, sos_ids)
        if command is None:
            continue
        try:
            outcome = await service.handle(ACTORS[who], command)
        except DomainError:
            continue
        if kind == "sos":
            sos_ids.append(outcome.events[0].event.sos_id)  # type: ignore[attr-defined]
        snapshots[service.state.position] = copy.deepcopy(service.state)
    return log, snapshots


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_replay_of_any_prefix_equals_live_state(
    plan: list[tuple[str, int, GeoPoint, int, int]],
) -> None:
    log, snapshots = asyncio.run(_run(plan))
    state = State()
    assert state == snapshots[0]
    for stored in log.read(0):
        evolve(state, decode(stored))
        if stored.position in snapshots:
            assert state == snapshots[stored.position]
    assert state.position == log.head()


def test_restart_rebuilds_the_same_state() -> None:
    plan = [
        ("sos", 0, GeoPoint(lat=31.76, lon=35.21), 3, 1),
        ("sighting", 1, GeoPoint(lat=31.761, lon=35.212), 5, 2),
    ]
    log, snapshots = asyncio.run(_run(plan))
    fresh = Service(log, ManualClock(datetime(2023, 10, 7, 7, tzinfo=UTC)))
    assert fresh.load() == log.head()
    assert fresh.state == snapshots[log.head()]
