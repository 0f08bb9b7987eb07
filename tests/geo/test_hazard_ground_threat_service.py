"""An earthquake (or hazardous materials) alert while armed attackers are in the town, through
the guidance service as a resident's phone asks it: nobody near the attackers is told to go
out to an open area, those far away keep the alert's action with a warning, and each answer
says whose instruction it is. (Before, any such alert replaced "stay inside" outright.)
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import numpy as np
import pytest
import shapely

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


def _east(where: tuple[float, float], metres: float) -> tuple[float, float]:
    lon, lat = where
    return lon + metres / (111_320 * math.cos(math.radians(lat))), lat


def _metres(town: Town, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = town.to_xy(a[0], a[1])
    bx, by = town.to_xy(b[0], b[1])
    return float(np.hypot(ax - bx, ay - by))


def _building_at(town: Town, b: int) -> tuple[float, float]:
    lon, lat = town.buildings.lonlat[b]
    return float(lon), float(lat)


def test_an_earthquake_never_sends_anyone_out_beside_a_lock_in_drawn_by_hand(
    town: Town,
) -> None:
    """The operator drew the lock-in where the attackers are: it stops at its edge, they need
    not. Just outside it, as just outside an attackers' danger area, nobody is sent out to an
    open area (before: 20 m beyond the circle, "evacuate", the official alert's)."""

    async def go() -> None:
        rig = Rig(town)
        await rig.do(
            IssueAlert(
                command_id=uuid.uuid4(), category=AlertCategory.EARTHQUAKE, zone_ids=rig.zones
            )
        )
        await rig.do(
            IssueGuidanceOverride(
                command_id=uuid.uuid4(),
                action=OverrideAction.LOCK_IN,
                area=Circle(lon=HERE[0], lat=HERE[1], radius_m=80),
            )
        )
        inside = rig.at(HERE)
        assert (inside["action"], inside["issued_by"]) == ("lock_in", "operator_override")
        for metres in (100, 150, 250):  # streets 20 to 170 m beyond the circle
            near = rig.at(_east(HERE, metres))
            assert not near["in_building"]
            assert (near["action"], near["reason"], near["issued_by"]) == (
                "stay_inside",
                "hazard_near_ground_threat",
                "threat_reports",
            ), metres
            assert "Get out to an open area" not in near["text"]
        # A building 200 m from the circle's centre, as a resident at home asks.
        here_xy = np.array(town.to_xy(*HERE))
        gap = np.abs(np.hypot(*(town.buildings.xy - here_xy).T) - 200)
        home = rig.at(_building_at(town, int(np.argmin(gap))))
        assert home["in_building"]
        assert (home["action"], home["reason"]) == ("stay_inside", "hazard_near_ground_threat")
        far = rig.at(FAR)
        assert (far["action"], far["reason"]) == ("evacuate", "hazard_and_ground_threat_in_town")

    _run(go)


LOCKED = "baka-c3"  # HERE's zone


@pytest.mark.parametrize("locked_by", ["operator_lock_in", "infiltration_alert"])
def test_an_earthquake_never_sends_anyone_out_at_the_edge_of_a_zone_locked_in_whole(
    town: Town, locked_by: str
) -> None:
    """A zone's edge is a line on a map: attackers inside it move between streets and cross
    it. Within 300 m of a zone under an operator's zone lock-in or an official infiltration
    alert, nobody is sent out for an earthquake (before: "evacuate" right across the line)."""

    async def go() -> None:
        rig = Rig(town)
        await rig.do(
            IssueAlert(
                command_id=uuid.uuid4(), category=AlertCategory.EARTHQUAKE, zone_ids=rig.zones
            )
        )
        if locked_by == "operator_lock_in":
            await rig.do(
                IssueGuidanceOverride(
                    command_id=uuid.uuid4(), action=OverrideAction.LOCK_IN, zone_ids=(LOCKED,)
                )
            )
        else:
            await rig.do(
                IssueAlert(
                    command_id=uuid.uuid4(),
                    category=AlertCategory.TERRORIST_INFILTRATION,
                    zone_ids=(LOCKED,),
                )
            )
        inside = rig.at(HERE)
        assert town.zone_of(*HERE) == LOCKED
        assert inside["action"] == "lock_in"
        # A street 100 m east: the next zone, some 45 m beyond the line.
        street = _east(HERE, 100)
        assert town.zone_of(*street) not in (None, LOCKED)
        near = rig.at(street)
        assert not near["in_building"]
        assert (near["action"], near["reason"], near["issued_by"]) == (
            "stay_inside",
            "hazard_near_ground_threat",
            "threat_reports",
        )
        # Homes in the neighbouring zones: those within 300 m of the line stay in, the
        # others keep the alert's own action (with the warning).
        outline = shapely.transform(
            town.zones.geometries()[town.zone_positions[LOCKED]],
            lambda c: np.column_stack(town.to_xy(c[:, 0], c[:, 1])),
        )
        others = np.flatnonzero(
            (town.buildings.zone >= 0) & (town.buildings.zone != town.zone_positions[LOCKED])
        )
        gap = shapely.distance(shapely.points(town.buildings.xy[others]), outline)
        for b in (others[(gap > 20) & (gap < 60)][0], others[(gap > 200) & (gap < 280)][0]):
            home = rig.at(_building_at(town, int(b)))
            assert home["in_building"]
            assert (home["action"], home["reason"]) == (
                "stay_inside",
                "hazard_near_ground_threat",
            ), int(b)
        beyond = others[(gap > 330) & (gap < 600)][0]
        home = rig.at(_building_at(town, int(beyond)))
        assert (home["action"], home["reason"]) == (
            "evacuate",
            "hazard_and_ground_threat_in_town",
        )
        assert _metres(town, FAR, HERE) > 1000
        far = rig.at(FAR)
        assert (far["action"], far["reason"]) == ("evacuate", "hazard_and_ground_threat_in_town")

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
