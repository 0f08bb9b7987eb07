"""Calls and wounded responders where only armed responders may go, and escorts to a wounded
colleague beside the attackers.

A declared danger area is closed to the unarmed (`magen.dispatch.assign`): a call inside one
whose threat is no longer fresh (its track stale, the area kept: attackers who stop being
reported are often holding a house there) needed only a medic or anyone, whom no available
responder could reach, and waited for the area to be lifted. It needs an armed responder
first, as a call beside a fresh threat does. An armed responder sent to a wounded colleague
beside a threat is at the threat, as an escort sent to a call there is: one of its team.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from magen.app.dispatch import DispatchService
from magen.app.service import Service
from magen.clock import ManualClock
from magen.dispatch.assign import Fact, TaskKind
from magen.dispatch.tasks import ARMED, MEDIC, WoundedResponder, open_tasks
from magen.domain.alerts import Circle, DangerReason, DeclareDangerArea
from magen.domain.base import Actor
from magen.domain.reports import RaiseSos
from magen.domain.responders import Capability, CheckIn, ResponderKind, ResponderStatus
from magen.domain.values import GeoPoint, Role
from magen.geo.town import Town
from magen.picture.fusion import Fuser
from magen.store.memory import MemoryEventLog
from support import taskkit as kit
from support.bakapack import baka_town

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
DISPATCHER = Actor("acc_dispatch", Role.DISPATCHER)


def test_a_call_in_a_danger_area_needs_an_armed_responder_first() -> None:
    calls = [kit.sos("sos_a", 0, 0, injured=1, people=1), kit.sos("sos_b", 3000, 0, injured=1)]
    tasks = {t.task_id: t for t in open_tasks(kit.incidents(calls, []), [], in_danger={"sos_a"})}
    assert [n.requires for n in tasks["sos_a"].needs] == [ARMED, MEDIC]
    assert tasks["sos_a"].needs[0].fact == Fact("in_danger_area")
    assert [n.requires for n in tasks["sos_b"].needs] == [MEDIC]
    # Nobody hurt: the armed responder is the call's only need (not "anyone").
    (quiet,) = open_tasks(kit.incidents([kit.sos("sos_c", 0, 0)], []), [], in_danger={"sos_c"})
    assert [n.requires for n in quiet.needs] == [ARMED]
    # An armed responder assigned fills it; the medic is still to come.
    (left,) = open_tasks(
        kit.incidents(calls[:1], []), [], in_danger={"sos_a"}, assigned={"sos_a": [ARMED]}
    )
    assert [n.requires for n in left.needs] == [MEDIC]


def test_beside_a_fresh_threat_the_call_needs_one_armed_escort_not_two() -> None:
    fuser = Fuser()
    kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2", "acct:cop3"])
    tracks = kit.tracks(fuser)
    calls = [kit.sos("sos_a", 100, 0, injured=1)]
    tasks = open_tasks(kit.incidents(calls, tracks), tracks, in_danger={"sos_a"})
    call = next(t for t in tasks if t.task_id == "sos_a")
    assert [n.requires for n in call.needs] == [ARMED, MEDIC]
    assert call.needs[0].fact is not None
    assert call.needs[0].fact.code == "threat_m"


def test_a_wounded_responder_in_a_danger_area_needs_an_armed_responder_first() -> None:
    hurt = WoundedResponder("acc_hurt", 35.2130, 31.7600)
    (task,) = open_tasks([], [], wounded=[hurt], in_danger={"acc_hurt"})
    assert [n.requires for n in task.needs] == [ARMED, MEDIC]
    (alone,) = open_tasks([], [], wounded=[hurt])
    assert [n.requires for n in alone.needs] == [MEDIC]


def test_an_armed_escort_to_a_wounded_colleague_beside_the_threat_is_one_of_its_team() -> None:
    fuser = Fuser()
    kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2", "acct:cop3"])
    tracks = kit.tracks(fuser)
    track = next(t for t in tracks if t.open)
    near = WoundedResponder("acc_near", track.lon + 0.001, track.lat)  # ~95 m east
    far = WoundedResponder("acc_far", track.lon + 0.02, track.lat)  # ~1.9 km east

    def team_left(assigned: dict[str, list[frozenset[Capability]]]) -> int:
        tasks = open_tasks([], tracks, wounded=[near, far], assigned=assigned)
        threat = next(t for t in tasks if t.kind is TaskKind.THREAT)
        return len(threat.needs)

    alone = team_left({})
    assert alone >= 2
    # The escort going to get the colleague out beside the attackers joins the contact team,
    assert team_left({"acc_near": [ARMED]}) == alone - 1
    # a medic going there does not, nor does an armed responder sent to one far away.
    assert team_left({"acc_near": [MEDIC]}) == alone
    assert team_left({"acc_far": [ARMED]}) == alone


def test_the_board_sends_an_armed_responder_to_a_call_inside_a_kept_danger_area() -> None:
    town: Town = baka_town()

    async def go() -> None:
        service = Service(MemoryEventLog(), ManualClock(START))
        live = DispatchService(service, town)
        live.reuse_slow_plans = False  # a loaded machine must not keep the first plan
        caller = GeoPoint(lat=31.7600, lon=35.2130)
        for who, kind, caps, where in (
            ("acc_medic", ResponderKind.MEDIC, {Capability.MEDIC}, (31.7620, 35.2150)),
            ("acc_cop", ResponderKind.POLICE_ON_DUTY, {Capability.ARMED}, (31.7640, 35.2170)),
        ):
            await service.handle(
                Actor(who, Role.MEDIC if kind is ResponderKind.MEDIC else Role.RESPONDER),
                CheckIn(
                    command_id=uuid.uuid4(),
                    kind=kind,
                    capabilities=frozenset(caps),
                    status=ResponderStatus.AVAILABLE,
                    where=GeoPoint(lat=where[0], lon=where[1]),
                ),
            )
        raised = await service.handle(
            Actor("acc_res", Role.RESIDENT),
            RaiseSos(command_id=uuid.uuid4(), where=caller, injured=1),
        )
        sos = str(raised.events[0].event.sos_id)  # type: ignore[attr-defined]
        board = live.planned()
        assert board.plan is not None
        # Outside any area: the medic goes.
        assert [(r.responder_id, r.task_id) for r in board.plan.recommendations] == [
            ("acc_medic", sos)
        ]
        # A danger area kept around the place (its threat's track gone stale: no fresh
        # threat near): the medic may not enter, the armed responder may, and is sent.
        await service.handle(
            DISPATCHER,
            DeclareDangerArea(
                command_id=uuid.uuid4(),
                area=Circle(lat=caller.lat, lon=caller.lon, radius_m=150),
                reason=DangerReason.ARMED_ATTACKERS,
            ),
        )
        board = live.planned()
        assert board.plan is not None
        (task,) = board.tasks
        assert [n.requires for n in task.needs] == [ARMED, MEDIC]
        assert [(r.responder_id, r.task_id) for r in board.plan.recommendations] == [
            ("acc_cop", sos)
        ]
        (unmet,) = board.plan.unmet
        assert (unmet.task_id, unmet.code) == (sos, "unreachable")

    asyncio.run(go())
