"""A place just outside a danger area whose only way in, its walk to the street, crosses it.

`magen bench outcome` seed 23: a call with two injured 161 m from the centre of a 150 m area
(kept round a stale track) waited 76 minutes with six medics and fourteen armed responders
free. Its walk to the street passes within the area, so no medic could reach it, and the
area, neither containing it nor declared around it, was closed to the armed as well; the
task asked only for a medic. Such a place lies in the area as far as reaching it goes
(`TravelNetwork.lies_in`): the call needs an armed responder first, the area is open to the
armed sent there, and to a medic once the call is escorted, as for a call inside it.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import numpy as np
import pytest

from magen.app.dispatch import DispatchService
from magen.app.service import Service
from magen.clock import ManualClock
from magen.dispatch.assign import Dispatcher, Fact
from magen.dispatch.tasks import ARMED as NEED_ARMED
from magen.dispatch.tasks import MEDIC as NEED_MEDIC
from magen.dispatch.travel import Mode
from magen.domain.alerts import Circle, DangerReason, DeclareDangerArea
from magen.domain.base import Actor
from magen.domain.reports import RaiseSos
from magen.domain.responders import Capability, ResponderKind
from magen.domain.values import GeoPoint, Role
from magen.geo.routing import DangerArea
from magen.geo.town import Town
from magen.store.memory import MemoryEventLog
from support.boardkit import DISPATCHER, START, check_in
from support.dispatchkit import ARMED, MEDIC, task, unit


def _outside_but_walking_through(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> tuple[tuple[float, float], DangerArea]:
    """A place and a circle round where it joins the street on foot, not containing it."""
    net = dispatcher.net
    for k in range(0, len(spots), 37):
        lon, lat = spots[k]
        place = (float(lon), float(lat) + 40 / 111_195.0)  # 40 m north of a street point
        xy = np.column_stack(town.to_xy(*place))
        joined = net.graphs[Mode.ON_FOOT].points(xy)
        lateral = float(joined.lateral[0])
        if not 25.0 <= lateral <= 60.0:
            continue
        foot_lon, foot_lat = town.to_lonlat(*joined.foot[0])
        area = DangerArea("DA-1", float(foot_lon), float(foot_lat), 0.5 * lateral)
        if not net.inside(xy, [area]).any() and net.legs_in(joined, [area]).all():
            return place, area
    pytest.fail("no place joining its street 25-60 m away found on Baka")


def test_a_place_whose_walk_to_its_street_crosses_an_area_lies_in_it_for_reaching_it(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    place, area = _outside_but_walking_through(town, dispatcher, spots)
    far = spots[np.argsort(np.hypot(*(spots - np.asarray(place)).T))[60]]
    cop = unit("cop", tuple(far), ARMED)
    medic = unit("medic", tuple(far), MEDIC, label="medic")
    call = task("sos", place, frozenset({ARMED}), frozenset({MEDIC}), priority=20)
    plan = dispatcher.plan([cop, medic], [call], [area])
    # The armed responder goes (in: it is the call's own area); the medic, with no escort
    # there, still may not.
    (rec,) = plan.recommendations
    assert rec.responder_id == "cop"
    assert rec.enters == ("DA-1",)
    (left,) = plan.unmet
    assert (left.requires, left.code) == (frozenset({MEDIC}), "unreachable")
    # With armed cover there, the medic goes in too.
    both = dispatcher.plan([cop, medic], [replace(call, escorted=True)], [area])
    assert {r.responder_id for r in both.recommendations} == {"cop", "medic"}
    assert not both.unmet


def test_the_board_asks_an_armed_responder_first_for_a_call_whose_way_in_crosses_an_area(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    place, area = _outside_but_walking_through(town, dispatcher, spots)

    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        live = DispatchService(service, town)
        live.reuse_slow_plans = False  # a loaded machine must not keep the first plan
        far = spots[np.argsort(np.hypot(*(spots - np.asarray(place)).T))[60]]
        await check_in(
            service, "acc_medic", ResponderKind.MEDIC, {Capability.MEDIC}, (far[1], far[0])
        )
        await check_in(
            service,
            "acc_cop",
            ResponderKind.POLICE_ON_DUTY,
            {Capability.ARMED},
            (far[1], far[0]),
        )
        raised = await service.handle(
            Actor("acc_res", Role.RESIDENT),
            RaiseSos(
                command_id=uuid.uuid4(), where=GeoPoint(lat=place[1], lon=place[0]), injured=1
            ),
        )
        sos = str(raised.events[0].event.sos_id)  # type: ignore[attr-defined]
        await service.handle(
            DISPATCHER,
            DeclareDangerArea(
                command_id=uuid.uuid4(),
                area=Circle(lat=area.lat, lon=area.lon, radius_m=area.radius_m),
                reason=DangerReason.ARMED_ATTACKERS,
            ),
        )
        board = live.planned()
        assert board.plan is not None
        (t,) = board.tasks
        assert [n.requires for n in t.needs] == [NEED_ARMED, NEED_MEDIC]
        assert t.needs[0].fact == Fact("in_danger_area")
        (rec,) = board.plan.recommendations
        assert (rec.responder_id, rec.task_id) == ("acc_cop", sos)

    asyncio.run(go())
