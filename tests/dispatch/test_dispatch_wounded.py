"""A responder who reports being wounded is a need for dispatch: a medic (or, with none
available, anyone to get them out) at their last position, ranked in the critical band,
until their status changes or an assignment to them completes. Tasks, the engine on the
Baka streets, the board from the log, and accepting through the API."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest

from magen.app.dispatch import Board, DispatchService, target_kind
from magen.app.service import Service
from magen.clock import ManualClock
from magen.dispatch.assign import Dispatcher, Fact, TaskKind
from magen.dispatch.tasks import (
    ARMED,
    FACT_CODES,
    MEDIC,
    NeedsConfig,
    WoundedResponder,
    open_tasks,
    wounded_task,
)
from magen.domain.base import Actor
from magen.domain.dispatch import (
    AssignmentStatus,
    CancelAssignment,
    CompleteAssignment,
    Dispatch,
    MakeAssignment,
    TargetKind,
)
from magen.domain.errors import DomainError
from magen.domain.reports import RaiseSos
from magen.domain.responders import (
    Capability,
    ChangeStatus,
    CheckIn,
    ResponderKind,
    ResponderStatus,
)
from magen.domain.values import GeoPoint, Role
from magen.geo.town import Town
from magen.picture.fusion import Fuser
from magen.picture.incidents import IncidentConfig
from magen.store.memory import MemoryEventLog
from support import taskkit as kit
from support.apikit import baka_kit, cid
from support.bakapack import baka_town
from support.dispatchkit import street_points, unit

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
DISPATCHER = Actor("acc_dispatch", Role.DISPATCHER)
HURT = Actor("acc_hurt", Role.RESPONDER)  # the armed responder who gets hit
NEAR_MEDIC = Actor("acc_medic_near", Role.MEDIC)
FAR_MEDIC = Actor("acc_medic_far", Role.MEDIC)
COP = Actor("acc_cop", Role.RESPONDER)
HURT_AT = GeoPoint(lat=31.7600, lon=35.2130)


@pytest.fixture(scope="module")
def town() -> Town:
    return baka_town()


# --- the task -----------------------------------------------------------------------------


def test_a_wounded_responder_needs_a_medic_at_their_last_position_ranked_critical() -> None:
    hurt = WoundedResponder("acc_hurt", 35.2130, 31.7600, "Squad 3")
    task = wounded_task(hurt)
    assert task.kind is TaskKind.RESPONDER
    assert task.task_id == "acc_hurt"
    assert (task.lon, task.lat) == (35.2130, 31.7600)
    assert [n.requires for n in task.needs] == [MEDIC]
    assert task.needs[0].fact == Fact("responder_wounded")
    assert task.facts == (Fact("responder_wounded"), Fact("injured", 1))
    assert task.label == "responder wounded: Squad 3"
    assert {f.code for f in task.facts} <= set(FACT_CODES)
    # The incidents' critical band: the console draws it with the most urgent calls.
    assert task.priority == NeedsConfig().wounded_priority >= IncidentConfig().critical_at


def test_with_no_medic_available_anyone_may_go_to_get_them_out() -> None:
    task = wounded_task(WoundedResponder("acc_hurt", 35.2130, 31.7600), medic_free=False)
    assert [n.requires for n in task.needs] == [frozenset()]
    assert task.needs[0].fact == Fact("responder_wounded")


def test_with_no_medic_free_the_armed_responder_who_goes_first_gets_them_out() -> None:
    """In a danger area only the armed may go in: "anyone" beside the armed need took a second
    armed responder from the contact teams. The one armed responder is the whole need."""
    hurt = WoundedResponder("acc_hurt", 35.2130, 31.7600)
    task = wounded_task(hurt, medic_free=False, in_danger=True)
    assert [n.requires for n in task.needs] == [ARMED]
    assert task.needs[0].fact == Fact("in_danger_area")
    # A medic free: the armed responder first, then the medic, as before.
    both = wounded_task(hurt, medic_free=True, in_danger=True)
    assert [n.requires for n in both.needs] == [ARMED, MEDIC]


def test_a_wounded_responder_near_a_credible_threat_needs_an_armed_escort_first() -> None:
    fuser = Fuser()
    kit.group(fuser, "a", 0, 0, ["acct:cop1", "acct:cop2", "acct:cop3"])
    tracks = kit.tracks(fuser)
    track = next(t for t in tracks if t.open)
    near = WoundedResponder("acc_near", track.lon + 0.001, track.lat)  # ~95 m east
    far = WoundedResponder("acc_far", track.lon + 0.02, track.lat)  # ~1.9 km east
    tasks = {t.task_id: t for t in open_tasks([], tracks, wounded=[near, far])}
    assert [n.requires for n in tasks["acc_near"].needs] == [ARMED, MEDIC]
    escort = tasks["acc_near"].needs[0].fact
    assert escort is not None
    assert escort.code == "threat_m"
    assert escort.n is not None
    assert 80 <= escort.n <= 110
    assert [n.requires for n in tasks["acc_far"].needs] == [MEDIC]


def test_a_medic_assigned_fills_the_need_and_the_wounded_task_ranks_above_a_call() -> None:
    hurt = WoundedResponder("acc_hurt", 35.2130, 31.7600)
    incidents = kit.incidents([kit.sos("sos_a", 0, 0, injured=1, people=1)], [])
    tasks = open_tasks(incidents, [], wounded=[hurt])
    assert [t.task_id for t in tasks] == ["acc_hurt", "sos_a"]
    assert tasks[0].priority > tasks[1].priority
    covered = open_tasks(incidents, [], wounded=[hurt], assigned={"acc_hurt": [MEDIC]})
    assert [t.task_id for t in covered] == ["sos_a"]


# --- the engine ---------------------------------------------------------------------------


def test_the_nearest_free_medic_goes_to_the_wounded_responder(town: Town) -> None:
    spots = street_points(town)
    here = spots[400]
    order = np.argsort(np.hypot(*(spots - here).T))
    near, far = spots[order[40]], spots[order[400]]
    hurt = WoundedResponder("acc_hurt", float(here[0]), float(here[1]), "Squad 3")
    units = [
        unit("far_medic", (float(far[0]), float(far[1])), Capability.MEDIC, label="medic"),
        unit("near_medic", (float(near[0]), float(near[1])), Capability.MEDIC, label="medic"),
        unit("cop", (float(near[0]), float(near[1])), Capability.ARMED),
    ]
    plan = Dispatcher(town).plan(units, open_tasks([], [], wounded=[hurt]))
    (rec,) = plan.recommendations
    assert (rec.responder_id, rec.task_id, rec.task_kind) == (
        "near_medic",
        "acc_hurt",
        TaskKind.RESPONDER,
    )
    assert rec.nearest
    assert rec.reason.startswith("nearest medic, ")
    assert "responder wounded" in rec.reason
    assert not plan.unmet


def test_one_medic_goes_to_the_wounded_responder_before_a_nearer_call_with_one_injured(
    town: Town,
) -> None:
    spots = street_points(town)
    medic_at = spots[400]
    order = np.argsort(np.hypot(*(spots - medic_at).T))
    call_at, hurt_at = spots[order[30]], spots[order[300]]
    # The call: one injured, nobody else there, no threat near (the incidents' own priority).
    calls = [kit.sos("sos_a", 0, 0, injured=1, people=1)]
    incident = replace(kit.incidents(calls, [])[0], lon=float(call_at[0]), lat=float(call_at[1]))
    hurt = WoundedResponder("acc_hurt", float(hurt_at[0]), float(hurt_at[1]))
    tasks = open_tasks([incident], [], wounded=[hurt])
    medic = unit("medic", (float(medic_at[0]), float(medic_at[1])), Capability.MEDIC)
    plan = Dispatcher(town).plan([medic], tasks)
    (rec,) = plan.recommendations
    assert (rec.responder_id, rec.task_id) == ("medic", "acc_hurt")
    assert [u.task_id for u in plan.unmet] == ["sos_a"]
    assert plan.unmet[0].code == "all_recommended"
    # Alone, the call gets the medic, and sooner: the wounded responder won on priority.
    (alone,) = Dispatcher(town).plan([medic], open_tasks([incident], [])).recommendations
    assert alone.task_id == "sos_a"
    assert alone.travel_s < rec.travel_s


# --- the board from the log ---------------------------------------------------------------


async def _check_in(
    service: Service,
    who: Actor,
    kind: ResponderKind,
    caps: set[Capability],
    where: GeoPoint,
    callsign: str = "",
) -> None:
    await service.handle(
        who,
        CheckIn(
            command_id=uuid.uuid4(),
            kind=kind,
            callsign=callsign,
            capabilities=frozenset(caps),
            status=ResponderStatus.AVAILABLE,
            where=where,
        ),
    )


async def _crew(service: Service) -> None:
    """An armed squad member at HURT_AT, a medic ~300 m away, one ~2 km away, and a cop."""
    await _check_in(service, HURT, ResponderKind.VOLUNTEER, {Capability.ARMED}, HURT_AT, "Squad 3")
    near = GeoPoint(lat=31.7620, lon=35.2150)
    far = GeoPoint(lat=31.7450, lon=35.2250)
    await _check_in(service, NEAR_MEDIC, ResponderKind.MEDIC, {Capability.MEDIC}, near)
    await _check_in(service, FAR_MEDIC, ResponderKind.MEDIC, {Capability.MEDIC}, far)
    cop = GeoPoint(lat=31.7605, lon=35.2135)
    await _check_in(service, COP, ResponderKind.POLICE_ON_DUTY, {Capability.ARMED}, cop)


async def _status(service: Service, who: Actor, status: ResponderStatus) -> None:
    await service.handle(who, ChangeStatus(command_id=uuid.uuid4(), status=status))


def _recs(board: Board) -> list[tuple[str, str]]:
    assert board.plan is not None
    return [(r.responder_id, r.task_id) for r in board.plan.recommendations]


async def _accept(service: Service, board: Board, responder_id: str) -> str:
    """The dispatcher accepts the board's recommendation for a responder (as the API does)."""
    assert board.plan is not None
    rec = next(r for r in board.plan.recommendations if r.responder_id == responder_id)
    made = await service.handle(
        DISPATCHER,
        MakeAssignment(
            command_id=uuid.uuid4(),
            responder_id=rec.responder_id,
            target=target_kind(rec.task_kind),
            target_id=rec.task_id,
            recommendation_id=rec.recommendation_id,
        ),
    )
    return str(made.events[0].event.assignment_id)  # type: ignore[attr-defined]


def test_the_board_sends_the_nearest_medic_until_the_wounded_responder_recovers(
    town: Town,
) -> None:
    async def go() -> None:
        clock = ManualClock(START)
        service = Service(MemoryEventLog(), clock)
        live = DispatchService.attach(service, town)
        await _crew(service)
        assert live.planned().tasks == ()
        await _status(service, HURT, ResponderStatus.WOUNDED)
        board = live.planned()
        (task,) = board.tasks
        assert (task.task_id, task.kind) == ("acc_hurt", TaskKind.RESPONDER)
        assert (task.lon, task.lat) == (HURT_AT.lon, HURT_AT.lat)
        assert task.label == "responder wounded: Squad 3"
        assert _recs(board) == [("acc_medic_near", "acc_hurt")]
        assert "acc_hurt" not in board.units  # the wounded one is sent nowhere
        # Their status changes (back in the fight, or off duty): the need is gone.
        await _status(service, HURT, ResponderStatus.AVAILABLE)
        board = live.planned()
        assert board.tasks == ()
        assert "acc_hurt" in board.units

    asyncio.run(go())


def test_accepted_the_need_is_filled_cancelled_it_returns_completed_it_ends(town: Town) -> None:
    async def go() -> None:
        clock = ManualClock(START)
        service = Service(MemoryEventLog(), clock)
        live = DispatchService.attach(service, town)
        await _crew(service)
        await _status(service, HURT, ResponderStatus.WOUNDED)
        first = await _accept(service, live.planned(), "acc_medic_near")
        d = service.state.slice(Dispatch)
        made = d.assignments[first]
        assert (made.target, made.target_id) == (TargetKind.RESPONDER, "acc_hurt")
        board = live.planned()
        assert board.tasks == ()
        # On the way, the medic is shown the route to where the wounded one last reported.
        route = live.assignment_route(board, made)
        assert route is not None
        assert route.lonlat[-1] == pytest.approx((HURT_AT.lon, HURT_AT.lat), abs=1e-3)
        # Called off: the wounded one needs someone again (the far medic now).
        await service.handle(
            DISPATCHER, CancelAssignment(command_id=uuid.uuid4(), assignment_id=first)
        )
        board = live.planned()
        assert [t.task_id for t in board.tasks] == ["acc_hurt"]
        assert ("acc_hurt", "acc_hurt") not in _recs(board)
        second = await _accept(service, board, _recs(board)[0][0])
        await service.handle(
            DISPATCHER, CompleteAssignment(command_id=uuid.uuid4(), assignment_id=second)
        )
        assert d.assignments[second].status is AssignmentStatus.COMPLETED
        # Attended (taken out, driven to hospital): still wounded, needing nobody more.
        board = live.planned()
        assert board.tasks == ()
        assert board.target(d.assignments[second]) is None
        # Back in the fight and hit again: a new casualty, a new need.
        await _status(service, HURT, ResponderStatus.ENGAGED)
        await _status(service, HURT, ResponderStatus.WOUNDED)
        assert [t.task_id for t in live.planned().tasks] == ["acc_hurt"]

    asyncio.run(go())


def test_the_target_of_an_assignment_to_a_wounded_responder_is_the_task_accepted(
    town: Town,
) -> None:
    async def go() -> None:
        clock = ManualClock(START)
        service = Service(MemoryEventLog(), clock)
        # A service judging needs its own way: the wounded rank above every call.
        needs = NeedsConfig(wounded_priority=60.0)
        live = DispatchService(service, town, needs=needs)
        live.reuse_slow_plans = False  # a loaded machine must not keep the first plan
        # No medic on duty: anyone may go to get the wounded squad member out.
        await _check_in(
            service, HURT, ResponderKind.VOLUNTEER, {Capability.ARMED}, HURT_AT, "Squad 3"
        )
        cop = GeoPoint(lat=31.7605, lon=35.2135)
        await _check_in(service, COP, ResponderKind.POLICE_ON_DUTY, {Capability.ARMED}, cop)
        await _status(service, HURT, ResponderStatus.WOUNDED)
        board = live.planned()
        (accepted,) = board.tasks
        assert [n.requires for n in accepted.needs] == [frozenset()]
        assert accepted.priority == 60.0
        made = await _accept(service, board, "acc_cop")
        board = live.planned()
        assert board.tasks == ()  # the cop fills it
        target = board.target(service.state.slice(Dispatch).assignments[made])
        # What was recommended and accepted (its needs, its priority), not a task rebuilt
        # with the default settings (a medic's need, priority 25).
        assert target == accepted

    asyncio.run(go())


def test_a_wounded_responder_is_not_assigned_and_their_own_call_is_sent_again(
    town: Town,
) -> None:
    async def go() -> None:
        clock = ManualClock(START)
        service = Service(MemoryEventLog(), clock)
        live = DispatchService.attach(service, town)
        await _crew(service)
        raised = await service.handle(
            Actor("acc_res", Role.RESIDENT),
            RaiseSos(command_id=uuid.uuid4(), where=GeoPoint(lat=31.7590, lon=35.2120)),
        )
        sos = str(raised.events[0].event.sos_id)  # type: ignore[attr-defined]
        await service.handle(
            DISPATCHER,
            MakeAssignment(
                command_id=uuid.uuid4(),
                responder_id="acc_hurt",
                target=TargetKind.INCIDENT,
                target_id=sos,
            ),
        )
        assert live.planned().tasks == ()  # the squad member covers the call
        await _status(service, HURT, ResponderStatus.WOUNDED)
        board = live.planned()
        # Hit on the way: the call is someone else's now, and the squad member a need.
        assert {t.task_id for t in board.tasks} == {sos, "acc_hurt"}
        assert all(rid != "acc_hurt" for rid, _ in _recs(board))
        assert ("acc_medic_near", "acc_hurt") in _recs(board)
        with pytest.raises(DomainError, match="wounded") as refused:
            await service.handle(
                DISPATCHER,
                MakeAssignment(
                    command_id=uuid.uuid4(),
                    responder_id="acc_hurt",
                    target=TargetKind.RESPONDER,
                    target_id="acc_hurt",
                ),
            )
        assert refused.value.rule == "responder_wounded"
        # Nobody is sent to a responder who has not reported being wounded.
        with pytest.raises(DomainError) as refused:
            await service.handle(
                DISPATCHER,
                MakeAssignment(
                    command_id=uuid.uuid4(),
                    responder_id="acc_medic_far",
                    target=TargetKind.RESPONDER,
                    target_id="acc_cop",
                ),
            )
        assert refused.value.rule == "responder_not_wounded"

    asyncio.run(go())


# --- through the API ----------------------------------------------------------------------


def test_the_console_accepts_a_recommendation_for_a_wounded_responder() -> None:
    with baka_kit() as k:
        medic = k.post(
            Role.MEDIC,
            "/api/v1/responders/check-in",
            {
                "command_id": cid(),
                "kind": "medic",
                "callsign": "Medic 2",
                "capabilities": ["medic", "vehicle"],
                "where": {"lat": 31.7620, "lon": 35.2150},
            },
        )
        assert medic.status_code == 201, medic.text
        for body in (
            {"kind": "volunteer", "callsign": "Squad 3", "capabilities": ["armed"]},
            {"status": "wounded", "note": "hit"},
        ):
            path = "check-in" if "kind" in body else "status"
            extra: dict[str, Any] = {"where": {"lat": 31.7600, "lon": 35.2130}}
            r = k.post(
                Role.RESPONDER,
                f"/api/v1/responders/{path}",
                {"command_id": cid(), **body, **(extra if path == "check-in" else {})},
            )
            assert r.status_code in (200, 201), r.text
        r = k.get(Role.DISPATCHER, "/api/v1/dispatch/recommendations")
        assert r.status_code == 200, r.text
        (rec,) = r.json()["recommendations"]
        assert rec["target"]["kind"] == "responder"
        assert rec["task_facts"] == [
            {"code": "responder_wounded", "n": None},
            {"code": "injured", "n": 1},
        ]
        assert rec["need"]["fact"] == {"code": "responder_wounded", "n": None}
        made = k.post(
            Role.DISPATCHER,
            "/api/v1/dispatch/assignments",
            {
                "command_id": cid(),
                "responder_id": rec["responder_id"],
                "recommendation_id": rec["id"],
            },
        )
        assert made.status_code == 201, made.text
        mine = k.get(Role.MEDIC, "/api/v1/dispatch/assignments")
        (a,) = mine.json()["assignments"]
        assert a["target"] == {"kind": "responder", "id": rec["target"]["id"]}
        assert a["target_open"] is True
        assert a["route"] is not None
        after = k.get(Role.DISPATCHER, "/api/v1/dispatch/recommendations")
        assert after.json()["recommendations"] == []
        assert after.json()["unmet"] == []
