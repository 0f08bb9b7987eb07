"""The guidance's ETag moves when the town's clock changes the guidance, not only the log.

An alert's expiry adds nothing to the log. Tagged by the log position alone, a phone that
asked while the alert held was answered 304 after it expired and kept showing it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from magen.api.routes.guidance import guidance_tag
from magen.app.guidance import GuidanceService, GuidanceSnapshot
from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain.alerts import AlertCategory, IssueAlert
from magen.domain.base import Actor
from magen.domain.values import Role
from magen.store.memory import MemoryEventLog
from support.bakapack import baka_town

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
OPERATOR = Actor("acc_dispatcher", Role.DISPATCHER)


def _snapshot_with_an_alert() -> GuidanceSnapshot:
    """The guidance of a town under one missile alert."""

    async def go() -> GuidanceSnapshot:
        town = baka_town()
        service = Service(MemoryEventLog(), ManualClock(START))
        service.load()
        guidance = GuidanceService.attach(service, town)
        zones = tuple(str(z) for z in town.zones.id)
        until = START + timedelta(minutes=5)
        alert = IssueAlert(
            command_id=uuid.uuid4(),
            category=AlertCategory.MISSILES,
            zone_ids=zones,
            expires_at=until,
        )
        await service.handle(OPERATOR, alert)
        await guidance.settled()
        snap = guidance.current()
        await guidance.close()
        return snap

    return asyncio.run(go())


def test_a_recompute_at_the_same_position_changes_the_tag() -> None:
    """An expiry recomputes the guidance (`version`) with nothing new in the log."""
    snap = _snapshot_with_an_alert()
    assert guidance_tag(replace(snap, version=snap.version + 1)) != guidance_tag(snap)


def test_the_clock_passing_an_expiry_at_the_same_position_changes_the_tag() -> None:
    """An expiry that leaves the guidance as it was (another alert of the kind holds) still
    shortens the alerts it lists: `as_of` moves, the position and version do not."""
    snap = _snapshot_with_an_alert()
    later = replace(snap, as_of=snap.as_of + timedelta(minutes=5))
    assert guidance_tag(later) != guidance_tag(snap)


def test_the_same_guidance_keeps_its_tag() -> None:
    snap = _snapshot_with_an_alert()
    assert guidance_tag(replace(snap)) == guidance_tag(snap)
    assert str(snap.position) in guidance_tag(snap)
