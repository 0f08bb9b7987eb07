"""Armed cover on scene: a medic may go in to the wounded lying beside armed responders there.

`magen bench outcome` (seeds 8, 11, 12, 13): most of the time calls waited, they were calls
with injured people in the danger area round a threat, waiting for an armed escort of their
own while every armed responder was at a threat, one of them reported within 50 m of the
callers, and medics sat free: the medic could not go in until an escort was free, assigned
and arrived. An armed responder on scene (arrived at whatever they were sent to, on scene or
engaged), last reported within `NeedsConfig.cover_within_m` of the place by a fix since
arriving at most `NeedsConfig.cover_fix_max_age_s` old, is armed cover there as an escort
assigned to it is. One on the way, one further off, one wounded, out of ammunition or off
duty, one known there only by a stale fix or one from before arriving, or none changes
nothing; the call still needs its own armed responder, and the medic enters only the areas
the place lies in.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from magen.app.dispatch import DispatchService
from magen.app.service import Service
from magen.clock import ManualClock
from magen.dispatch.assign import Fact, Need, Task, TaskKind
from magen.dispatch.tasks import ARMED, MEDIC, NeedsConfig, WoundedResponder, escorted, open_tasks
from magen.domain.alerts import Circle, DangerReason, DeclareDangerArea
from magen.domain.base import Actor
from magen.domain.dispatch import Dispatch, MakeAssignment, ReportArrival, TargetKind
from magen.domain.reports import RaiseSos
from magen.domain.responders import (
    Capability,
    ChangeStatus,
    ReportPosition,
    ResponderKind,
    ResponderStatus,
)
from magen.domain.values import GeoPoint, Role
from magen.geo.town import Town
from magen.picture.incidents import Incident
from magen.store.memory import MemoryEventLog
from support import taskkit as kit
from support.bakapack import baka_town
from support.boardkit import DISPATCHER, START, accept, check_in

# Metres of latitude per degree (near enough at Baka for tens of metres).
_M_PER_DEG = 111_195.0


def _north(lonlat: tuple[float, float], m: float) -> tuple[float, float]:
    return lonlat[0], lonlat[1] + m / _M_PER_DEG


def _call() -> Incident:
    (call,) = kit.incidents([kit.sos("sos_a", 0, 0, injured=1)], [])
    return call


def _task(armed_at: list[tuple[float, float]], config: NeedsConfig | None = None) -> Task:
    (t,) = open_tasks([_call()], [], in_danger={"sos_a"}, armed_at=armed_at, config=config)
    return t


def test_an_armed_responder_on_scene_beside_a_call_in_a_danger_area_lets_its_medic_in() -> None:
    call = _call()
    here = (call.lon, call.lat)
    beside = _task([_north(here, 30)])
    assert beside.escorted
    # The call still needs its own armed responder; its medic goes in with the cover there.
    assert [n.requires for n in beside.needs] == [ARMED, MEDIC]
    assert beside.needs[1].fact == Fact("armed_cover_on_scene")  # said as no escort
    assert beside.needs[1].why == "1 injured, with armed responders on scene beside it"
    # Further off than the cover distance, or nobody on scene: nothing changes.
    for far in ([_north(here, 80)], []):
        t = _task(far)
        assert not t.escorted
        assert [n.fact for n in t.needs] == [Fact("in_danger_area"), Fact("injured", 1)]
    # Off by configuration: only an escort assigned to it counts.
    assert not _task([_north(here, 30)], NeedsConfig(cover_within_m=None)).escorted
    # Out of any area there is nothing to open.
    (outside,) = open_tasks([call], [], armed_at=[_north(here, 30)])
    assert not outside.escorted


def test_cover_is_for_calls_and_wounded_responders_not_threats() -> None:
    hurt = WoundedResponder("acc_hurt", 35.2130, 31.7600)
    cover = [_north((hurt.lon, hurt.lat), 20)]
    (t,) = open_tasks([], [], wounded=[hurt], in_danger={"acc_hurt"}, armed_at=cover)
    assert t.escorted
    assert [n.fact for n in t.needs] == [Fact("in_danger_area"), Fact("armed_cover_on_scene")]
    threat = Task("trk_x", TaskKind.THREAT, hurt.lon, hurt.lat, 40.0, (Need(ARMED),))
    assert escorted([threat], {}, {"trk_x"}, armed_at=cover, within_m=50.0) == set()


def test_the_board_sends_the_medic_in_beside_an_armed_responder_on_scene_elsewhere() -> None:
    town: Town = baka_town()

    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        live = DispatchService(service, town)
        live.reuse_slow_plans = False  # a loaded machine must not keep the first plan
        caller = GeoPoint(lat=31.7600, lon=35.2130)
        beside = (caller.lat + 30 / _M_PER_DEG, caller.lon)  # 30 m north
        await check_in(
            service, "acc_medic", ResponderKind.MEDIC, {Capability.MEDIC}, (31.7620, 35.2150)
        )
        await check_in(service, "acc_cop", ResponderKind.POLICE_ON_DUTY, {Capability.ARMED}, beside)
        raised = await service.handle(
            Actor("acc_res", Role.RESIDENT),
            RaiseSos(command_id=uuid.uuid4(), where=caller, injured=1),
        )
        sos = str(raised.events[0].event.sos_id)  # type: ignore[attr-defined]
        other = await service.handle(
            Actor("acc_res2", Role.RESIDENT),
            RaiseSos(command_id=uuid.uuid4(), where=GeoPoint(lat=31.7640, lon=35.2170)),
        )
        elsewhere = str(other.events[0].event.sos_id)  # type: ignore[attr-defined]
        await service.handle(
            DISPATCHER,
            DeclareDangerArea(
                command_id=uuid.uuid4(),
                area=Circle(lat=caller.lat, lon=caller.lon, radius_m=150),
                reason=DangerReason.ARMED_ATTACKERS,
            ),
        )
        (area,) = live.planned().areas
        # The officer is sent to another call, and stands 30 m from the wounded one while
        # still on the way: no cover yet (not on scene), the medic cannot go in.
        made = await service.handle(
            DISPATCHER,
            MakeAssignment(
                command_id=uuid.uuid4(),
                responder_id="acc_cop",
                target=TargetKind.INCIDENT,
                target_id=elsewhere,
            ),
        )
        job = str(made.events[0].event.assignment_id)  # type: ignore[attr-defined]
        board = live.planned()
        assert board.plan is not None
        assert not board.escorted
        assert {(u.task_id, u.code) for u in board.plan.unmet} >= {(sos, "unreachable")}
        # On scene (arrived, on scene status) and reported 30 m from the callers: the
        # medic goes in, into the area the callers lie in only.
        cop = Actor("acc_cop", Role.RESPONDER)
        await service.handle(cop, ReportArrival(command_id=uuid.uuid4(), assignment_id=job))
        await service.handle(
            cop,
            ReportPosition(command_id=uuid.uuid4(), where=GeoPoint(lat=beside[0], lon=beside[1])),
        )
        board = live.planned()
        assert board.plan is not None
        assert board.escorted == {sos}
        (rec,) = [r for r in board.plan.recommendations if r.task_id == sos]
        assert rec.responder_id == "acc_medic"
        assert rec.enters == (area.id,)
        assert rec.reason.endswith(f"enters danger area {area.id} with the armed cover there")
        assert "1 injured, with armed responders on scene beside it" in rec.reason
        assert board.task(sos).needs[rec.need].fact == Fact("armed_cover_on_scene")  # type: ignore[union-attr]
        # Accepted, the medic's route goes in; the officer moves off 200 m: the way in
        # closes again (the route is not kept from before).
        medic_job = await accept(service, rec)
        assignment = service.state.slice(Dispatch).assignments[medic_job]
        assert live.assignment_route(live.planned(), assignment) is not None
        away = (caller.lat + 200 / _M_PER_DEG, caller.lon)
        await service.handle(
            cop, ReportPosition(command_id=uuid.uuid4(), where=GeoPoint(lat=away[0], lon=away[1]))
        )
        board = live.planned()
        assert not board.escorted
        assert live.assignment_route(board, assignment) is None
        # Back beside them, but wounded: no cover.
        await service.handle(
            cop,
            ReportPosition(command_id=uuid.uuid4(), where=GeoPoint(lat=beside[0], lon=beside[1])),
        )
        assert live.planned().escorted == {sos}
        await service.handle(
            cop, ChangeStatus(command_id=uuid.uuid4(), status=ResponderStatus.WOUNDED)
        )
        assert not live.planned().escorted

    asyncio.run(go())


# --- what counts as cover: on scene or engaged, by a fresh fix since arriving ------------------


class _Scene:
    """A wounded caller in a danger area, a medic free, and an armed officer checked in 30 m
    from the caller at START (a check-in's place: no fix since), on a live board."""

    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.service = Service(MemoryEventLog(), self.clock)
        self.live = DispatchService(self.service, baka_town())
        self.live.reuse_slow_plans = False
        self.caller = GeoPoint(lat=31.7600, lon=35.2130)
        self.beside = GeoPoint(lat=self.caller.lat + 30 / _M_PER_DEG, lon=self.caller.lon)
        self.cop = Actor("acc_cop", Role.RESPONDER)
        self.sos = ""
        self.elsewhere = ""

    async def open(self) -> None:
        await check_in(
            self.service, "acc_medic", ResponderKind.MEDIC, {Capability.MEDIC}, (31.7620, 35.2150)
        )
        await check_in(
            self.service,
            "acc_cop",
            ResponderKind.POLICE_ON_DUTY,
            {Capability.ARMED},
            (self.beside.lat, self.beside.lon),
        )
        raised = await self.service.handle(
            Actor("acc_res", Role.RESIDENT),
            RaiseSos(command_id=uuid.uuid4(), where=self.caller, injured=1),
        )
        self.sos = str(raised.events[0].event.sos_id)  # type: ignore[attr-defined]
        other = await self.service.handle(
            Actor("acc_res2", Role.RESIDENT),
            RaiseSos(command_id=uuid.uuid4(), where=GeoPoint(lat=31.7640, lon=35.2170)),
        )
        self.elsewhere = str(other.events[0].event.sos_id)  # type: ignore[attr-defined]
        await self.service.handle(
            DISPATCHER,
            DeclareDangerArea(
                command_id=uuid.uuid4(),
                area=Circle(lat=self.caller.lat, lon=self.caller.lon, radius_m=150),
                reason=DangerReason.ARMED_ATTACKERS,
            ),
        )

    async def send_cop(self, target_id: str) -> None:
        """The officer is sent to `target_id` and reports arriving (no position with it)."""
        made = await self.service.handle(
            DISPATCHER,
            MakeAssignment(
                command_id=uuid.uuid4(),
                responder_id="acc_cop",
                target=TargetKind.INCIDENT,
                target_id=target_id,
            ),
        )
        job = str(made.events[0].event.assignment_id)  # type: ignore[attr-defined]
        await self.service.handle(
            self.cop, ReportArrival(command_id=uuid.uuid4(), assignment_id=job)
        )

    async def fix(self) -> None:
        """The officer reports standing 30 m from the caller, now."""
        await self.service.handle(
            self.cop, ReportPosition(command_id=uuid.uuid4(), where=self.beside)
        )

    async def status(self, status: ResponderStatus) -> None:
        await self.service.handle(self.cop, ChangeStatus(command_id=uuid.uuid4(), status=status))

    def later(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    def escorted(self) -> frozenset[str]:
        return self.live.board().escorted


def test_a_check_in_place_from_before_the_officer_set_off_is_no_cover() -> None:
    # The review's case: checked in 30 m from the (future) call, sent to another ~0.5 km
    # away, arriving there two hours later with no position: the check-in's place is all the
    # board knows, and the officer is not there.
    async def go() -> None:
        s = _Scene()
        await s.open()
        s.later(2 * 3600)
        await s.send_cop(s.elsewhere)
        board = s.live.planned()
        assert board.plan is not None
        assert not board.escorted
        assert not [r for r in board.plan.recommendations if r.task_id == s.sos and r.enters]

    asyncio.run(go())


def test_a_fix_from_before_arriving_is_no_cover_even_when_fresh() -> None:
    async def go() -> None:
        s = _Scene()
        await s.open()
        await s.fix()  # 30 m from the caller while still available (or on the way) ...
        s.later(10)
        await s.send_cop(s.elsewhere)  # ... then arrived elsewhere, 10 s later
        assert not s.escorted()
        await s.fix()  # reported there since arriving: cover
        assert s.escorted() == {s.sos}

    asyncio.run(go())


def test_cover_lasts_while_the_fix_is_fresh_at_the_boards_time() -> None:
    async def go() -> None:
        s = _Scene()
        await s.open()
        await s.send_cop(s.elsewhere)
        await s.fix()
        max_age = s.live.needs.cover_fix_max_age_s
        assert max_age == 120.0
        s.later(max_age - 20)
        assert s.escorted() == {s.sos}
        board = s.live.planned()
        assert board.plan is not None
        (rec,) = [r for r in board.plan.recommendations if r.task_id == s.sos]
        assert rec.responder_id == "acc_medic"
        assert rec.enters  # a fresh fix on scene still lets the medic in
        s.later(40)  # the last fix is now older than the limit: no longer known to be there
        assert not s.escorted()
        await s.fix()  # reported again
        assert s.escorted() == {s.sos}

    asyncio.run(go())


def test_cover_on_scene_is_only_an_officer_on_scene_or_engaged() -> None:
    async def go() -> None:
        s = _Scene()
        await s.open()
        await s.send_cop(s.elsewhere)
        await s.fix()
        assert s.escorted() == {s.sos}
        await s.status(ResponderStatus.ENGAGED)
        assert s.escorted() == {s.sos}
        await s.status(ResponderStatus.NEEDS_AMMUNITION)
        assert not s.escorted()
        await s.status(ResponderStatus.ON_SCENE)
        assert s.escorted() == {s.sos}
        await s.status(ResponderStatus.OFF_DUTY)
        assert not s.escorted()

    asyncio.run(go())


def test_an_assigned_escort_counts_by_assignment_only_while_on_scene_or_engaged() -> None:
    # Sent to the call itself: counted by the assignment, however old the fix (the check-in's
    # place two hours ago, before arriving), but not once out of ammunition or off duty.
    async def go() -> None:
        s = _Scene()
        await s.open()
        s.later(2 * 3600)
        await s.send_cop(s.sos)
        board = s.live.planned()
        assert board.escorted == {s.sos}
        assert board.plan is not None
        (rec,) = [r for r in board.plan.recommendations if r.task_id == s.sos]
        assert rec.responder_id == "acc_medic"
        assert rec.enters
        await s.status(ResponderStatus.ENGAGED)
        assert s.escorted() == {s.sos}
        await s.status(ResponderStatus.NEEDS_AMMUNITION)
        assert not s.escorted()
        await s.status(ResponderStatus.ON_SCENE)
        assert s.escorted() == {s.sos}
        await s.status(ResponderStatus.OFF_DUTY)
        assert not s.escorted()

    asyncio.run(go())
