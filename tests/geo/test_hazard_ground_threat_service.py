"""An earthquake (or hazardous materials) alert while armed attackers are in the town, through
the guidance service as a resident's phone asks it: nobody near the attackers is told to go
out to an open area, those far away keep the alert's action with a warning, and each answer
says whose instruction it is. (Before, any such alert replaced "stay inside" outright.)
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from magen.app.guidance import GuidanceService, guidance_view
from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain.alerts import (
    AlertCategory,
    Circle,
    DangerReason,
    DeclareDangerArea,
    IssueAlert,
    IssueGuidanceOverride,
    OverrideAction,
)
from magen.domain.base import Actor, Command
from magen.domain.picture import ConfirmTrack, Picture
from magen.domain.reports import ReportSighting
from magen.domain.values import GeoPoint, Role
from magen.geo.town import Town
from magen.store.memory import MemoryEventLog
from support.bakapack import baka_town

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
OPERATOR = Actor("acc_dispatcher", Role.DISPATCHER)
HERE = (35.2160, 31.7615)  # a Baka street (lon, lat)
FAR = (35.2075, 31.7520)  # over a kilometre away
T = TypeVar("T")


@pytest.fixture(scope="module")
def town() -> Town:
    return baka_town()


def _run(fn: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(fn())  # type: ignore[arg-type]


class Rig:
    def __init__(self, town: Town) -> None:
        self.service = Service(MemoryEventLog(), ManualClock(START))
        self.service.load()
        self.guidance = GuidanceService.attach(self.service, town)
        self.zones = tuple(str(z) for z in town.zones.id)

    async def do(self, command: Command, actor: Actor = OPERATOR) -> None:
        await self.service.handle(actor, command)
        await self.guidance.settled()

    def at(self, where: tuple[float, float]) -> dict[str, Any]:
        return guidance_view(self.guidance, *where, "en")


async def _earthquake_with_attackers(town: Town, category: AlertCategory) -> Rig:
    rig = Rig(town)
    await rig.do(IssueAlert(command_id=uuid.uuid4(), category=category, zone_ids=rig.zones))
    await rig.do(
        DeclareDangerArea(
            command_id=uuid.uuid4(),
            area=Circle(lon=HERE[0], lat=HERE[1], radius_m=80),
            reason=DangerReason.ARMED_ATTACKERS,
        )
    )
    return rig


def test_an_earthquake_never_sends_anyone_out_near_attackers(town: Town) -> None:
    async def go() -> None:
        rig = Rig(town)
        await rig.do(
            IssueAlert(
                command_id=uuid.uuid4(), category=AlertCategory.EARTHQUAKE, zone_ids=rig.zones
            )
        )
        alone = rig.at(HERE)
        assert (alone["action"], alone["issued_by"]) == ("evacuate", "official_alert")
        assert alone["text"].startswith("Earthquake Get out to an open area")  # its own words
        await rig.do(
            DeclareDangerArea(
                command_id=uuid.uuid4(),
                area=Circle(lon=HERE[0], lat=HERE[1], radius_m=80),
                reason=DangerReason.ARMED_ATTACKERS,
            )
        )
        near = rig.at(HERE)
        assert near["action"] == "stay_inside"
        assert near["issued_by"] == "threat_reports"
        assert near["reason"] == "hazard_near_ground_threat"
        assert near["text"].startswith("Alert: earthquake. Armed attackers have been reported")
        assert "Get out to an open area" not in near["text"]
        assert not near["in_building"]  # a street: into the nearest building, once it stops
        assert "Get into the nearest building now" in near["text"]
        assert "first keep clear of walls" in near["text"]
        assert [a["until"] for a in near["alerts"]] == [None]
        far = rig.at(FAR)
        assert far["action"] == "evacuate"
        assert far["issued_by"] == "official_alert"
        assert far["reason"] == "hazard_and_ground_threat_in_town"
        assert "Armed attackers have been reported in the town, about" in far["text"]
        assert "danger areas" in far["text"]
        assert [a["until"] for a in far["alerts"]] == [None]
        for lang in ("he", "ar"):
            assert guidance_view(rig.guidance, *HERE, lang)["text"] == near["texts"][lang]

        # The operator confirms the proposed lock-in: the lock-in prevails, the operator's.
        [proposal] = rig.guidance.proposals()
        await rig.do(
            IssueGuidanceOverride(
                command_id=uuid.uuid4(),
                action=OverrideAction.LOCK_IN,
                area=rig.guidance.proposal_area(proposal),
                proposal_id=proposal.override.id,
            )
        )
        locked = rig.at(HERE)
        assert locked["action"] == "lock_in"
        assert locked["issued_by"] == "operator_override"
        assert locked["reason"] == "ground_threat_and_hazard"
        assert "Lock the doors and windows" in locked["text"]
        assert "first keep clear of walls" in locked["text"]

    _run(go)


def test_hazardous_materials_near_attackers_stay_in_with_the_door_locked(town: Town) -> None:
    async def go() -> None:
        rig = await _earthquake_with_attackers(town, AlertCategory.HAZARDOUS_MATERIALS)
        near = rig.at(HERE)
        assert near["action"] == "stay_in_protected_space"
        assert near["issued_by"] == "official_alert"
        assert near["reason"] == "hazard_near_ground_threat"
        assert "lock the door" in near["text"]
        assert "turn off air conditioning" in near["text"]
        far = rig.at(FAR)
        assert (far["action"], far["reason"]) == (
            "stay_in_protected_space",
            "hazard_and_ground_threat_in_town",
        )

    _run(go)


def test_an_earthquake_near_a_confirmed_track_with_no_danger_area_keeps_people_in(
    town: Town,
) -> None:
    async def go() -> None:
        rig = Rig(town)
        await rig.do(
            IssueAlert(
                command_id=uuid.uuid4(), category=AlertCategory.EARTHQUAKE, zone_ids=rig.zones
            )
        )
        resident = Actor("acc_resident", Role.RESIDENT)
        await rig.do(
            ReportSighting(command_id=uuid.uuid4(), where=GeoPoint(lon=HERE[0], lat=HERE[1])),
            resident,
        )
        fuser = rig.service.state.slice(Picture).fuser
        track = fuser.tracks(START)[-1].track_id
        await rig.do(ConfirmTrack(command_id=uuid.uuid4(), track_id=track))
        near = rig.at(HERE)
        assert (near["action"], near["issued_by"]) == ("stay_inside", "threat_reports")
        far = rig.at(FAR)
        assert (far["action"], far["reason"]) == ("evacuate", "hazard_and_ground_threat_in_town")

    _run(go)
