"""A report is answered once durable and applied; a caller going away changes neither."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain.base import Actor
from magen.domain.errors import Conflict
from magen.domain.reports import Reports, ReportSighting
from magen.domain.values import GeoPoint, Role
from magen.store.sqlite import SqliteEventLog

pytestmark = pytest.mark.anyio

OFFICER = Actor("acc_officer", Role.RESPONDER)
HERE = GeoPoint(lat=31.7615, lon=35.216)


def _service(log: SqliteEventLog) -> Service:
    return Service(log, ManualClock(datetime(2023, 10, 7, 6, 30, tzinfo=UTC)))


async def test_the_answer_comes_after_the_event_is_on_disk_and_applied(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.db")
    try:
        service = _service(log)
        commands = [ReportSighting(command_id=uuid.uuid4(), where=HERE) for _ in range(40)]
        outcomes = await asyncio.gather(*(service.handle(OFFICER, c) for c in commands))
        for outcome in outcomes:
            (position,) = outcome.positions
            assert service.state.position >= position
            assert log.read(position - 1, 1)[0].event_id == outcome.events[0].event_id
        assert sorted(p for o in outcomes for p in o.positions) == list(range(1, 41))
    finally:
        await log.close()


async def test_a_caller_that_goes_away_still_has_its_report_applied(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.db")
    try:
        service = _service(log)
        applied = asyncio.Event()
        service.add_listener(lambda recorded, state: applied.set())
        command = ReportSighting(command_id=uuid.uuid4(), where=HERE)
        caller = asyncio.ensure_future(service.handle(OFFICER, command))
        await asyncio.sleep(0)  # handed to the writer
        caller.cancel()  # the phone lost its connection
        with pytest.raises(asyncio.CancelledError):
            await caller
        async with asyncio.timeout(5):
            await applied.wait()
        assert len(service.state.slice(Reports).sightings) == 1
        retry = await service.handle(OFFICER, command)
        assert retry.replayed
        assert retry.positions == (1,)
        assert log.head() == 1
    finally:
        await log.close()


async def test_a_command_another_worker_appended_first_is_answered_as_a_replay(
    tmp_path: Path,
) -> None:
    # Two workers on one file: the second learns of the first's append from the store (a
    # conflict on the event id, told through the group commit's callback), not from its state.
    first_log = SqliteEventLog(tmp_path / "log.db")
    second_log = SqliteEventLog(tmp_path / "log.db")
    try:
        first = _service(first_log)
        # Later, so its event's body differs from the stored one: the store refuses it.
        second = Service(second_log, ManualClock(datetime(2023, 10, 7, 6, 31, tzinfo=UTC)))
        command = ReportSighting(command_id=uuid.uuid4(), where=HERE)
        original = await first.handle(OFFICER, command)
        assert not original.replayed
        again = await second.handle(OFFICER, command)
        assert again.replayed
        assert again.positions == original.positions == (1,)
        assert second.state.position == 1
        assert len(second.state.slice(Reports).sightings) == 1
        other = ReportSighting(command_id=command.command_id, where=HERE, count=5)
        with pytest.raises(Conflict):
            await _service(second_log).handle(OFFICER, other)
        assert first_log.head() == 1
    finally:
        await first_log.close()
        await second_log.close()
