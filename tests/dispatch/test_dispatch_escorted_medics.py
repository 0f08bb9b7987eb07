"""Medics with an armed escort: a call or wounded responder lying in a danger area.

A declared danger area is closed to the unarmed, so a call in one needs an armed responder
first (`in_danger_area`); but its medic stayed unreachable even once one was assigned (the
demo: a silent SOS with an injured child, in an area kept round a stale track, showed "no
available medic can reach it safely" with six medics free and an armed responder on the
way). Rescue task force practice (warm zone): medics go in with an armed escort. Once an
armed responder is assigned to such a task, an unarmed medic sent to it may enter the areas
its place lies in, and only for that task; without the escort nothing changes.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import replace

import numpy as np
import pytest

from magen.app.dispatch import DispatchService
from magen.app.service import Service
from magen.clock import ManualClock
from magen.dispatch.assign import Dispatcher, Fact
from magen.dispatch.tasks import ARMED as NEED_ARMED
from magen.dispatch.tasks import FACT_CODES, WoundedResponder, open_tasks
from magen.dispatch.tasks import MEDIC as NEED_MEDIC
from magen.domain.alerts import Circle, DangerReason, DeclareDangerArea
from magen.domain.base import Actor
from magen.domain.dispatch import (
    CancelAssignment,
    Dispatch,
    ReportArrival,
)
from magen.domain.reports import RaiseSos
from magen.domain.responders import Capability, ResponderKind
from magen.domain.values import GeoPoint, Role
from magen.geo.routing import DangerArea
from magen.geo.town import Town
from magen.store.memory import MemoryEventLog
from magen.web.i18n import text
from support import taskkit as kit
from support.bakapack import baka_town
from support.boardkit import DISPATCHER, START, accept, check_in, near
from support.dispatchkit import ARMED, MEDIC, route_enters, task, unit


def test_an_escorted_call_opens_the_area_it_lies_in_to_its_medic_and_to_no_other_task(
    dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    here = tuple(spots[120])
    area = DangerArea("DA-1", here[0], here[1], 120.0)
    call = task("sos", here, frozenset({MEDIC}), priority=20)
    medic = unit("medic", near(spots, here, 45), MEDIC, label="medic")
    volunteer = unit("vol", near(spots, here, 46), label="volunteer")
    # Without an escort the area stays closed to the medic.
    (unmet,) = dispatcher.plan([medic], [call], [area]).unmet
    assert unmet.code == "unreachable"
    # With one, the medic goes in, and the route and the reason say so.
    (rec,) = dispatcher.plan([medic], [replace(call, escorted=True)], [area]).recommendations
    assert (rec.responder_id, rec.enters) == ("medic", ("DA-1",))
    assert "enters danger area DA-1 with the armed cover there" in rec.reason
    # Another call in the same area, not escorted, stays closed to that medic; the escort
    # opens nothing to an unarmed responder who is no medic.
    beside = task("sos_b", near(spots, here, 2), frozenset({MEDIC}), priority=20)
    times = dispatcher.travel_times(
        [medic, volunteer], [replace(call, escorted=True), beside], [area]
    )
    assert np.isfinite(times[0, 0])
    assert np.isinf(times[1, 0])
    assert np.isinf(times[0, 1])


def test_an_escorted_medic_may_not_enter_the_areas_declared_around_its_task(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    """Only the areas the task's place lies in open to its medic, not those declared around
    it (an armed responder's, who goes to the threat)."""
    rng = random.Random(4)
    for _ in range(60):
        a, b = rng.sample(range(len(spots)), 2)
        medic = unit("medic", tuple(spots[a]), MEDIC, label="medic")
        armed_medic = unit("armed_medic", tuple(spots[a]), MEDIC, ARMED, label="medic")
        call = task("sos", tuple(spots[b]), frozenset({MEDIC}), priority=20)
        free = dispatcher.route(medic, call)
        if free is None or not 300 < free.distance_m < 900:
            continue
        # A small area the call lies in, and one declared around it on the middle of the
        # direct route (off the call and the medic).
        mid = free.lonlat[len(free.lonlat) // 2]
        own = DangerArea("DA-1", call.lon, call.lat, 20.0)
        around = DangerArea("DA-2", mid[0], mid[1], 25.0)
        escorted = replace(call, escorted=True, open_areas=frozenset({"DA-2"}))
        plan = dispatcher.plan([medic], [escorted], [own, around])
        armed = dispatcher.plan([armed_medic], [escorted], [own, around])
        if not plan.recommendations or not armed.recommendations:
            continue  # an area cut the only way
        (rec,) = plan.recommendations
        assert rec.enters == ("DA-1",)
        assert rec.avoids == ("DA-2",)
        route = dispatcher.route(medic, escorted, [own, around])
        assert route is not None
        assert route_enters(town, route, own)
        assert not route_enters(town, route, around)
        # An armed medic may go through both.
        (other,) = armed.recommendations
        assert set(other.enters) == {"DA-1", "DA-2"}
        return
    pytest.fail("no route of the right length found on Baka")


def test_an_escorted_call_says_so_only_with_an_armed_responder_there() -> None:
    calls = [kit.sos("sos_a", 0, 0, injured=1), kit.sos("sos_b", 3000, 0, injured=1)]
    incidents = kit.incidents(calls, [])
    armed = {"sos_a": [NEED_ARMED], "sos_b": [NEED_ARMED]}
    # Assigned but not yet there: no escort (the medic would arrive alone).
    (on_the_way,) = [
        t
        for t in open_tasks(incidents, [], in_danger={"sos_a"}, assigned=armed)
        if t.task_id == "sos_a"
    ]
    assert not on_the_way.escorted
    tasks = {
        t.task_id: t
        for t in open_tasks(incidents, [], in_danger={"sos_a"}, assigned=armed, on_scene=armed)
    }
    # In the area, with the escort: its medic goes in with it.
    assert tasks["sos_a"].escorted
    (need,) = tasks["sos_a"].needs
    assert (need.requires, need.fact) == (NEED_MEDIC, Fact("armed_escort"))
    # Out of any area, an escort changes nothing; in one without an escort, nothing either.
    assert not tasks["sos_b"].escorted
    assert tasks["sos_b"].needs[0].fact == Fact("injured", 1)
    medic_only = {"sos_a": [NEED_MEDIC]}
    (alone,) = open_tasks(incidents[:1], [], in_danger={"sos_a"}, assigned=medic_only)
    assert not alone.escorted
    assert [n.fact for n in alone.needs] == [Fact("in_danger_area")]
    (bare,) = open_tasks(incidents[:1], [], in_danger={"sos_a"})
    assert not bare.escorted
    # A wounded responder in an area, with an armed responder sent to get them out.
    hurt = WoundedResponder("acc_hurt", 35.2130, 31.7600)
    there = {"acc_hurt": [NEED_ARMED]}
    (task_,) = open_tasks(
        [], [], wounded=[hurt], in_danger={"acc_hurt"}, assigned=there, on_scene=there
    )
    assert task_.escorted
    assert [n.fact for n in task_.needs] == [Fact("armed_escort")]
    # The fact has its words.
    assert "armed_escort" in FACT_CODES
    assert text("fact_armed_escort", "en") == "with the armed escort assigned"


def test_the_board_sends_the_medic_in_once_an_armed_responder_is_there() -> None:
    town: Town = baka_town()

    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        live = DispatchService(service, town)
        live.reuse_slow_plans = False  # a loaded machine must not keep the first plan
        caller = GeoPoint(lat=31.7600, lon=35.2130)
        await check_in(
            service, "acc_medic", ResponderKind.MEDIC, {Capability.MEDIC}, (31.7620, 35.2150)
        )
        await check_in(
            service, "acc_cop", ResponderKind.POLICE_ON_DUTY, {Capability.ARMED}, (31.7640, 35.2170)
        )
        raised = await service.handle(
            Actor("acc_res", Role.RESIDENT),
            RaiseSos(command_id=uuid.uuid4(), where=caller, injured=1),
        )
        sos = str(raised.events[0].event.sos_id)  # type: ignore[attr-defined]
        await service.handle(
            DISPATCHER,
            DeclareDangerArea(
                command_id=uuid.uuid4(),
                area=Circle(lat=caller.lat, lon=caller.lon, radius_m=150),
                reason=DangerReason.ARMED_ATTACKERS,
            ),
        )
        (area,) = live.planned().areas
        # No escort yet: the armed responder is recommended, the medic cannot reach it.
        board = live.planned()
        assert board.plan is not None
        (cop,) = board.plan.recommendations
        assert cop.responder_id == "acc_cop"
        (unmet,) = board.plan.unmet
        assert (unmet.task_id, unmet.code) == (sos, "unreachable")
        # The armed responder assigned but on the way: the medic still may not go in (it
        # would arrive first, alone).
        escort = await accept(service, cop)
        board = live.planned()
        assert board.plan is not None
        assert [u.code for u in board.plan.unmet] == ["unreachable"]
        assert not board.escorted
        # The armed responder there: the medic goes in to it, and says so.
        cop_actor = Actor("acc_cop", Role.RESPONDER)
        await service.handle(
            cop_actor, ReportArrival(command_id=uuid.uuid4(), assignment_id=escort)
        )
        board = live.planned()
        assert board.plan is not None
        assert not board.plan.unmet
        (rec,) = board.plan.recommendations
        assert (rec.responder_id, rec.task_id) == ("acc_medic", sos)
        assert rec.enters == (area.id,)
        assert "with the armed cover there" in rec.reason
        (task_,) = board.tasks
        assert task_.escorted
        assert task_.needs[rec.need].fact == Fact("armed_escort")
        # Accepted, the medic's own route goes in too (the board's target keeps the escort).
        assigned = await accept(service, rec)
        board = live.planned()
        a = service.state.slice(Dispatch).assignments[assigned]
        assert board.target(a) is not None
        assert board.target(a).escorted  # type: ignore[union-attr]
        route = live.assignment_route(board, a)
        assert route is not None
        # The escort leaves (cancelled): the medic's way in closes at once, not from a route
        # kept from before.
        await service.handle(
            DISPATCHER, CancelAssignment(command_id=uuid.uuid4(), assignment_id=escort)
        )
        board = live.planned()
        assert not board.escorted
        assert live.assignment_route(board, a) is None

    asyncio.run(go())
