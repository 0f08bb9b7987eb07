"""A point's guidance is built once per change of what it reads, not once per question."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from magen.app.guidance import GuidanceService
from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain.alerts import AlertCategory, IssueAlert
from magen.domain.base import Actor
from magen.domain.reports import ReportSighting
from magen.domain.values import GeoPoint, Role
from magen.store.memory import MemoryEventLog
from support.bakapack import baka_town

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
HERE = (35.2160, 31.7615)


def test_the_same_question_is_answered_from_what_was_built_until_something_it_reads_changes() -> (
    None
):
    async def go() -> None:
        town = baka_town()
        clock = ManualClock(START)
        service = Service(MemoryEventLog(), clock)
        service.load()
        guidance = GuidanceService.attach(service, town)
        first = guidance.view_at(*HERE, "en")
        assert guidance.view_at(*HERE, "en") is first  # asked again: nothing built
        assert guidance.view_at(*HERE, "he") is not first  # another language
        # A resident's report changes no guidance, but moves the log the answer reads.
        report = ReportSighting(command_id=uuid.uuid4(), where=GeoPoint(lat=31.76, lon=35.21))
        await service.handle(Actor("acc_resident", Role.RESIDENT), report)
        after_report = guidance.view_at(*HERE, "en")
        assert after_report is not first
        assert after_report == {**first, "position": after_report["position"]}
        # An alert, and then its expiry by the town's clock alone (nothing new in the log).
        zones = tuple(str(z) for z in town.zones.id)
        until = START + timedelta(minutes=5)
        alert = IssueAlert(
            command_id=uuid.uuid4(),
            category=AlertCategory.MISSILES,
            zone_ids=zones,
            expires_at=until,
        )
        await service.handle(Actor("acc_dispatcher", Role.DISPATCHER), alert)
        await guidance.settled()
        held = guidance.view_at(*HERE, "en")
        assert held["action"] != "routine"
        clock.set(until)
        assert guidance.view_at(*HERE, "en")["action"] == "routine"
        await guidance.close()

    asyncio.run(go())
