"""An expired alert never holds a resident's guidance, by the town's clock, at once.

The guidance recomputes when the service's clock passes an alert's expiry. It used to wait for
the background ticker (a second; `--speed` seconds of a demo's town): a resident asking in
between was still told to go to the shelter, the expired alert listed as in force. The town's
clock here is a manual one in 2023, so a decision by wall time would show at once.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from magen.app.guidance import GuidanceService, guidance_view
from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain.alerts import AlertCategory, IssueAlert
from magen.domain.base import Actor
from magen.domain.values import Role
from magen.geo.town import Town
from magen.store.memory import MemoryEventLog
from support.bakapack import baka_town

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
EXPIRES = START + timedelta(minutes=5)
OPERATOR = Actor("acc_dispatcher", Role.DISPATCHER)
HERE = (35.2160, 31.7615)  # a street in Baka, a short walk from a shelter


@pytest.fixture(scope="module")
def town() -> Town:
    return baka_town()


def _views(town: Town, category: AlertCategory) -> list[dict[str, Any]]:
    """The resident's guidance at HERE: before the alert, in force, a second before its
    expiry, and at it (the ticker never running)."""

    async def go() -> list[dict[str, Any]]:
        clock = ManualClock(START)
        service = Service(MemoryEventLog(), clock)
        service.load()
        guidance = GuidanceService.attach(service, town)
        views = [guidance_view(guidance, *HERE, "en")]
        zones = tuple(str(z) for z in town.zones.id)
        alert = IssueAlert(
            command_id=uuid.uuid4(), category=category, zone_ids=zones, expires_at=EXPIRES
        )
        await service.handle(OPERATOR, alert)
        await guidance.settled()
        views.append(guidance_view(guidance, *HERE, "en"))
        clock.set(EXPIRES - timedelta(seconds=1))
        views.append(guidance_view(guidance, *HERE, "en"))
        clock.set(EXPIRES)
        views.append(guidance_view(guidance, *HERE, "en"))
        await guidance.settled()
        await guidance.close()
        return views

    return asyncio.run(go())


@pytest.mark.parametrize("category", [AlertCategory.MISSILES, AlertCategory.EARTHQUAKE])
def test_the_guidance_drops_an_alert_when_the_towns_clock_passes_its_expiry(
    town: Town, category: AlertCategory
) -> None:
    before, during, last_second, expired = _views(town, category)
    assert before["action"] == "routine"
    for held in (during, last_second):
        assert held["action"] != "routine"
        assert held["issued_by"] == "official_alert"
        [alert] = held["alerts"]
        assert alert["category"] == category.value
        assert alert["until"] == EXPIRES.isoformat()
    # At its expiry: back to what holds without it, never a stale shelter order, and said
    # as no alert, not as an all clear nobody gave.
    assert expired["alerts"] == []
    assert expired["action"] == before["action"] == "routine"
    assert expired["reason"] == before["reason"]
    assert expired["issued_by"] != "official_alert"
    assert expired["text"] == before["text"]
    assert "clear" not in expired["text"].lower()
    assert expired["as_of"] == EXPIRES.isoformat()
