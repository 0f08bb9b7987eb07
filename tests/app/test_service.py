"""The command service: ordering under concurrency, idempotency, refusals that change nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime

import pytest

from magen.app.service import Outcome, Service
from magen.clock import ManualClock
from magen.domain.base import Actor
from magen.domain.errors import Conflict, Forbidden
from magen.domain.reports import RaiseSos, Reports, ReportSighting
from magen.domain.values import GeoPoint, Role
from magen.store.base import LogUnavailable, NewEvent
from magen.store.memory import MemoryEventLog

OFFICER = Actor("acc_officer", Role.RESPONDER)
HERE = GeoPoint(lat=31.7615, lon=35.216)


def _service(log: MemoryEventLog | None = None) -> Service:
    return Service(log or MemoryEventLog(), ManualClock(datetime(2023, 10, 7, 6, 30, tzinfo=UTC)))


class _SlowLog(MemoryEventLog):
    """Completes appends out of order, as a group commit shared by many callers may."""

    def append(self, events: Sequence[NewEvent]) -> Awaitable[list[int]]:
        async def later() -> list[int]:
            positions = self._append_now(events)
            await asyncio.sleep(0.02 if positions[0] % 2 else 0.0)
            return positions

        return later()


def test_concurrent_commands_are_applied_in_log_order() -> None:
    async def go() -> Service:
        service = _service(_SlowLog())
        seen: list[int] = []
        service.add_listener(lambda r, s: seen.append(r.position))
        commands = [
            ReportSighting(command_id=uuid.uuid4(), where=HERE, count=i + 1) for i in range(30)
        ]
        await asyncio.gather(*(service.handle(OFFICER, c) for c in commands))
        assert seen == list(range(1, 31))
        return service

    service = asyncio.run(go())
    assert len(service.state.slice(Reports).sightings) == 30


def test_concurrent_retries_of_one_command_append_once() -> None:
    async def go() -> None:
        log = _SlowLog()
        service = _service(log)
        command = RaiseSos(command_id=uuid.uuid4(), where=HERE, people=3)
        outcomes = await asyncio.gather(*(service.handle(OFFICER, command) for _ in range(5)))
        assert log.head() == 1
        assert {o.positions for o in outcomes} == {(1,)}
        assert sum(not o.replayed for o in outcomes) == 1

    asyncio.run(go())


def test_a_retry_with_other_content_while_the_first_runs_is_a_conflict() -> None:
    async def go() -> None:
        log = _SlowLog()
        service = _service(log)
        command = RaiseSos(command_id=uuid.uuid4(), where=HERE, people=3)
        other = RaiseSos(command_id=command.command_id, where=HERE, people=4)
        first, second, third = await asyncio.gather(
            service.handle(OFFICER, command),
            service.handle(OFFICER, other),
            service.handle(OFFICER, command),
            return_exceptions=True,
        )
        assert isinstance(first, Outcome)
        assert not first.replayed
        assert isinstance(second, Conflict)
        assert isinstance(third, Outcome)
        assert third.replayed
        assert third.positions == first.positions == (1,)
        assert log.head() == 1
        assert not service._inflight

    asyncio.run(go())


class _DownLog(MemoryEventLog):
    """Refuses every append, after a moment, as a database that went away does."""

    def append(self, events: Sequence[NewEvent]) -> Awaitable[list[int]]:
        async def later() -> list[int]:
            await asyncio.sleep(0.01)
            raise LogUnavailable("the database went away")

        return later()


def test_retries_waiting_on_a_failed_append_get_its_error_and_may_retry_later() -> None:
    async def go() -> None:
        service = _service(_DownLog())
        command = ReportSighting(command_id=uuid.uuid4(), where=HERE)
        answers = await asyncio.gather(
            *(service.handle(OFFICER, command) for _ in range(3)), return_exceptions=True
        )
        assert [type(a) for a in answers] == [LogUnavailable] * 3
        assert not service._inflight  # nothing left behind: a later retry runs afresh
        service.log = MemoryEventLog()
        outcome = await service.handle(OFFICER, command)
        assert outcome.positions == (1,)
        assert not outcome.replayed

    asyncio.run(go())


def test_retry_after_restart_is_recognised() -> None:
    async def go() -> None:
        log = MemoryEventLog()
        command = ReportSighting(command_id=uuid.uuid4(), where=HERE)
        first = await _service(log).handle(OFFICER, command)
        restarted = _service(log)
        restarted.load()
        again = await restarted.handle(OFFICER, command)
        assert again.replayed
        assert again.positions == first.positions
        assert log.head() == 1
        with pytest.raises(Conflict):
            await restarted.handle(
                OFFICER, ReportSighting(command_id=command.command_id, where=HERE, count=2)
            )

    asyncio.run(go())


def test_refused_command_appends_nothing() -> None:
    async def go() -> None:
        log = MemoryEventLog()
        service = _service(log)
        from magen.domain.responders import CheckIn, ResponderKind

        with pytest.raises(Forbidden):
            await service.handle(
                Actor("acc_res", Role.RESIDENT),
                CheckIn(command_id=uuid.uuid4(), kind=ResponderKind.VOLUNTEER),
            )
        assert log.head() == 0
        assert service.metrics.commands[("CheckIn", "refused")] == 1

    asyncio.run(go())


def test_a_failing_listener_does_not_stop_the_log() -> None:
    async def go() -> None:
        service = _service()

        def broken(r: object, s: object) -> None:
            raise RuntimeError("derived view bug")

        service.add_listener(broken)
        await service.handle(OFFICER, ReportSighting(command_id=uuid.uuid4(), where=HERE))
        assert service.state.position == 1

    asyncio.run(go())
