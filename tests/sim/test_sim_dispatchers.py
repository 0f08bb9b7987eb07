"""The simulated responders and dispatchers around an assignment, against a scripted API."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import numpy as np

from magen.domain.responders import Capability, ResponderKind
from magen.sim.agents import Agenda, Job, Operators, Responder, Sim
from magen.sim.client import Who
from magen.sim.phrases import typed
from magen.sim.scenario import ResponderGroup, load_scenario
from magen.sim.world import Body


class ScriptedApi:
    """Records every command; refuses the paths it is told to; answers GETs from a table."""

    def __init__(self, refuse: set[str] | None = None, gets: dict[str, Any] | None = None):
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.refuse = refuse or set()
        self.gets = gets or {}

    async def command(
        self, path: str, who: Who, body: dict[str, Any], *, expect: tuple[int, ...] = (200, 201)
    ) -> dict[str, Any] | None:
        self.sent.append((path, body))
        return None if path in self.refuse else {"id": f"a{len(self.sent)}"}

    async def get(self, path: str, who: Who, **params: Any) -> Any:
        return self.gets.get(path)


def _sim(api: ScriptedApi) -> Sim:
    return cast(
        Sim,
        SimpleNamespace(
            api=api,
            agenda=Agenda(),
            scenario=load_scenario("ofakim_baka"),
            streams={"responders": np.random.default_rng(1), "operators": np.random.default_rng(2)},
            world=SimpleNamespace(active_teams=list),
            staff_typed=lambda key: typed(key, "he"),
        ),
    )


def _officer(sim: Sim) -> Responder:
    group = ResponderGroup(
        kind=ResponderKind.POLICE_ON_DUTY, count=1, capabilities=[Capability.ARMED], on_duty=True
    )
    body = Body(
        responder_id="r1",
        kind="police_on_duty",
        xy=np.zeros(2),
        armed=True,
        medic=False,
        speed=9.0,
        vehicle=True,
        present=True,
    )
    r = Responder(sim, Who(label="r1", account_id="r1"), group, body, 0.0)
    r.checked_in, r.available_at, r.status = True, 0.0, "on_scene"
    return r


def test_a_wounded_responder_gives_up_the_assignment_so_the_task_is_staffed_again() -> None:
    api = ScriptedApi()
    sim = _sim(api)
    officer = _officer(sim)
    officer.job = Job("as-1", "track", "tr-1", np.zeros(2), arrived_at=0.0)
    officer.body.wounded = True
    asyncio.run(officer.tick(30.0))
    paths = [p for p, _ in api.sent]
    assert paths == ["/api/v1/responders/status", "/api/v1/dispatch/assignments/as-1/cancel"]
    assert api.sent[1][1] == {"note": typed("wounded", "he")}
    assert officer.job is None
    assert officer.status == "wounded"
    asyncio.run(officer.tick(35.0))
    assert len(api.sent) == 2  # said once


def _rec(responder: str, target: str) -> dict[str, Any]:
    return {
        "id": f"rec-{responder}-{target}",
        "responder_id": responder,
        "target": {"kind": "incident", "id": target},
    }


def test_a_refused_accept_sends_the_call_on_with_the_boards_new_choice_for_it() -> None:
    board = {"recommendations": [_rec("r2", "inc-1"), _rec("r1", "inc-9")]}
    api = ScriptedApi(
        refuse={"/api/v1/dispatch/assignments"},
        gets={"/api/v1/dispatch/recommendations": board},
    )
    sim = _sim(api)
    ops = Operators(sim, [Who(label="d1", account_id="d1")], {})
    asyncio.run(ops._assign(_rec("r1", "inc-1"), "rec:r1:inc-1")(100.0))
    assert ops.refused == 1
    assert ops.reconfirmed == 1
    assert ops.pending == {"rec:r2:inc-1"}  # the same call with the new responder, not inc-9
    when = sim.agenda.next_time()
    spec = sim.scenario.operators.accept_s
    assert when is not None
    assert 100.0 + spec.low <= when <= 100.0 + spec.high
    api.refuse.clear()
    _, action = sim.agenda.pop()
    asyncio.run(action(when))
    assert api.sent[-1][1]["responder_id"] == "r2"
    assert api.sent[-1][1]["recommendation_id"] == "rec-r2-inc-1"
    assert ops.pending == set()
    assert len(sim.agenda) == 0


def test_a_call_that_waited_for_a_responder_is_sent_as_soon_as_one_is_recommended() -> None:
    waiting = {
        "recommendations": [],
        "unmet": [{"target": {"kind": "incident", "id": "inc-1"}}],
    }
    api = ScriptedApi(gets={"/api/v1/dispatch/recommendations": waiting})
    sim = _sim(api)
    ops = Operators(sim, [Who(label="d1", account_id="d1")], {})
    asyncio.run(ops.poll(100.0))  # on the board, nobody free: the dispatcher reads the call
    assert len(sim.agenda) == 0
    spec = sim.scenario.operators
    processed = ops.read_at["inc-1"]
    assert 100.0 + spec.assign_delay_s.low <= processed <= 100.0 + spec.assign_delay_s.high
    api.gets["/api/v1/dispatch/recommendations"] = {
        "recommendations": [_rec("r1", "inc-1"), _rec("r2", "inc-2")],
        "unmet": [],
    }
    asyncio.run(ops.poll(400.0))  # a responder came free; a new call came in as well
    due = sorted([sim.agenda.pop()[0], sim.agenda.pop()[0]])
    waited, fresh = due[0], due[1]
    assert 400.0 + spec.accept_s.low <= waited <= 400.0 + spec.accept_s.high
    assert 400.0 + spec.assign_delay_s.low <= fresh <= 400.0 + spec.assign_delay_s.high
    assert ops.first_shown == {"inc-1": 100.0, "inc-2": 400.0}
