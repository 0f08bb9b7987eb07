"""Run a scenario against Magen: headless and deterministic, or live against a served Magen.

Time. The simulator owns the clock. A headless run serves Magen in-process on a
`ManualClock` (`create_app(settings, clock=...)`) and sets it to each action's moment before
the action runs, so every `recorded_at` is a simulated time and nothing waits. After every
request it lets the guidance service publish what the request changed (`tick` + `settled`),
so background work lands at the same log position on every run: a run is a function of its
scenario, seed and resident rule. The demo serves Magen on a `ScaledClock` and the simulator
sleeps until each action's moment comes round at the chosen speed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
import numpy as np
from litestar import Litestar

from magen.api.app import build_service, create_app
from magen.app.guidance import GuidanceService
from magen.app.service import Service
from magen.clock import ManualClock
from magen.config import Settings
from magen.domain.picture import Picture
from magen.domain.values import Role
from magen.geo.town import Town
from magen.picture.metric import metric_key
from magen.sim.agents import (
    Agenda,
    AlarmInTime,
    AlarmOnly,
    Authority,
    FollowMagen,
    Hospitals,
    Medics,
    Operators,
    Relatives,
    Reporters,
    Residents,
    Responder,
    Sim,
    responder_groups,
)
from magen.sim.client import Api, Ids, Provisioner, Who
from magen.sim.clocks import ScaledClock
from magen.sim.reporting import ReportingModel
from magen.sim.scenario import Scenario
from magen.sim.town import scenario_town
from magen.sim.truth import Truth, write_truth
from magen.sim.world import Body, World
from magen.store.base import EventLog, NewEvent
from magen.store.memory import MemoryEventLog

# httpx logs every request at INFO: thousands of lines per simulated minute.
logging.getLogger("httpx").setLevel(logging.WARNING)

Policy = Literal["magen", "alarm_only", "alarm_in_time"]
POLICIES: tuple[Policy, ...] = ("magen", "alarm_only")  # the comparison the issue asks for
STREAMS = (
    "residents",
    "attackers",
    "harm",
    "reports",
    "responders",
    "operators",
    "ids",
    "households",
    "persons",  # appended: a child stream's seed depends only on its place in this list
)
# Accounts and responders on duty are provisioned this long before the scenario begins.
SETUP_LEAD_S = 120.0
SAMPLE_S = 60.0
RELATIVES_S = 300.0  # how often families try to reach their own again
TEAM_SAMPLE_S = 30.0
# A simulated responder's name, as a dispatcher calls a unit on the radio ("Patrol 3"); the
# accounts are the sim's own ("sim-" user names), so the names need not say so.
_UNIT = {
    "police_on_duty": "Patrol",
    "police_off_duty": "Officer",
    "volunteer": "Squad",
    "medic": "Medic",
    "other": "Unit",
}


def streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per concern, all from the seed."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(STREAMS, children, strict=True)}


class Driver:
    """How simulated time reaches Magen's clock."""

    async def advance_to(self, when: datetime) -> None:
        raise NotImplementedError

    async def settle(self) -> None:
        """Let Magen's background work catch up (headless runs only)."""


class SteppedDriver(Driver):
    """Headless: set the manual clock, then let guidance publish what is due."""

    def __init__(self, clock: ManualClock, guidance: GuidanceService | None) -> None:
        self.clock = clock
        self.guidance = guidance

    async def advance_to(self, when: datetime) -> None:
        if when > self.clock.now():
            self.clock.set(when)
        await self.settle()

    async def settle(self) -> None:
        if self.guidance is not None:
            self.guidance.tick(self.clock.now())
            await self.guidance.settled()


class PacedDriver(Driver):
    """Live: wait for the scaled clock to reach each moment."""

    def __init__(self, clock: ScaledClock) -> None:
        self.clock = clock
        self.lag_s = 0.0

    async def advance_to(self, when: datetime) -> None:
        wait = self.clock.wall_seconds_until(when)
        if wait > 0:
            await asyncio.sleep(wait)
        else:
            self.lag_s = max(self.lag_s, (self.clock.now() - when).total_seconds())


@dataclass
class Simulation:
    """One play of a scenario: the world, the people, and the loop that runs them."""

    scenario: Scenario
    town: Town
    seed: int
    policy: Policy
    api: Api
    provision: Provisioner
    driver: Driver
    progress: Callable[[float, Simulation], None] | None = None
    # Scenario hospital (by its place in the list) -> the hospital account that reports for it
    # (the demo links its `hospital1` desk); headless runs link none.
    hospital_accounts: Mapping[int, str] = field(default_factory=dict)
    sim: Sim = field(init=False)
    truth: Truth = field(init=False)

    def __post_init__(self) -> None:
        rngs = streams(self.seed)
        self.rngs = rngs
        world = World(
            self.town,
            self.scenario,
            residents_rng=rngs["residents"],
            attackers_rng=rngs["attackers"],
            harm_rng=rngs["harm"],
        )
        self.sim = Sim(
            scenario=self.scenario,
            town=self.town,
            world=world,
            api=self.api,
            agenda=Agenda(),
            provision=self.provision,
            streams=rngs,
        )
        self.model = ReportingModel(world, self.scenario.reporting, rngs["reports"])
        self.reporters = Reporters(self.sim, self.model)
        rules: dict[str, type[Residents]] = {
            "magen": FollowMagen,
            "alarm_only": AlarmOnly,
            "alarm_in_time": AlarmInTime,
        }
        self.residents = rules[self.policy](self.sim)
        self.responders: list[Responder] = []
        self.relatives = Relatives(self.sim)
        self.medics: Medics | None = None
        self.operators: Operators | None = None
        self.authority: Authority | None = None
        hh = world.households
        self.truth = Truth(
            scenario=self.scenario.scenario.name,
            seed=self.seed,
            policy=self.policy,
            start=self.scenario.start.isoformat(),
            tick_s=self.scenario.scenario.tick_s,
            duration_s=self.scenario.duration_s,
            true_attackers=self.scenario.true_attackers,
            households=len(hh),
            people=hh.people,
        )

    # --- set-up ---------------------------------------------------------------------------

    async def setup(self) -> None:
        """Accounts for the authorities, operators and responders; hospitals; bodies."""
        sim = self.sim
        admin = await self.provision.account("sim-admin", Role.ADMIN, "Simulation administrator")
        hfc = await self.provision.account("sim-hfc", Role.DISPATCHER, "Home Front Command (sim)")
        staff = [
            await self.provision.account(
                f"sim-dispatcher-{i + 1}", Role.DISPATCHER, f"Dispatcher {i + 1} (sim)"
            )
            for i in range(self.scenario.operators.count)
        ]
        self.medics = Medics(sim, await self._hospitals(admin))
        for group, i, xy, at in responder_groups(sim):
            role = Role.MEDIC if group.kind.value == "medic" else Role.RESPONDER
            name = f"sim-{group.kind.value.replace('_', '-')}-{i + 1:02d}"
            who = await self.provision.account(name, role, f"{_UNIT[group.kind.value]} {i + 1}")
            caps = {c.value for c in group.capabilities}
            body = Body(
                responder_id=who.account_id or name,
                kind=group.kind.value,
                xy=xy,
                armed="armed" in caps,
                medic="medic" in caps or group.kind.value == "medic",
                speed=group.speed_mps,
                vehicle=group.vehicle,
            )
            sim.world.bodies[body.responder_id] = body
            self.responders.append(Responder(sim, who, group, body, at))
        by_id = {r.responder_id: r for r in self.responders}
        self.operators = Operators(sim, staff, by_id)
        self.authority = Authority(sim, hfc, self.residents)

    async def _hospitals(self, admin: Who) -> Hospitals:
        ids, xys = [], []
        for i, h in enumerate(self.scenario.hospitals):
            slug = "".join(c if c.isalnum() else "-" for c in h.name.lower()).strip("-")
            hid = f"h{i + 1}-{slug}"[:64]
            body: dict[str, Any] = {
                "hospital_id": hid,
                "name": h.name,
                "where": {"lon": h.where.lon, "lat": h.where.lat},
                "trauma_centre": h.trauma,
            }
            if h.names:
                body["names"] = dict(h.names)
            if i in self.hospital_accounts:
                body["account_id"] = self.hospital_accounts[i]
            answer = await self.api.command("/api/v1/hospitals", admin, body)
            if answer is None:
                continue
            ids.append(hid)
            xys.append(self.sim.world.xy_of(h.where.lon, h.where.lat))
        return Hospitals(tuple(ids), tuple(xys))

    def schedule(self) -> None:
        sim = self.sim
        end = self.scenario.duration_s
        dt = self.scenario.scenario.tick_s
        assert self.authority is not None
        assert self.operators is not None
        self.authority.schedule()
        for r in self.responders:
            sim.agenda.at(0.0, r.check_in)
            if not r.group.on_duty and r.reach_at is not None and r.reach_at <= end:
                # Word of mouth reaches them even without a call-up.
                sim.agenda.at(r.reach_at, r.come)
        sim.agenda.every(dt, dt, self.tick, end)
        poll = self.scenario.operators.poll_s
        sim.agenda.every(poll, poll, self.operators.poll, end)
        sim.agenda.every(0.0, SAMPLE_S, self.sample, end)
        sim.agenda.every(RELATIVES_S, RELATIVES_S, self.relatives.check, end)

    # --- the loop ---------------------------------------------------------------------------

    async def run(self) -> Truth:
        """Play the scenario to its end; the ground truth of the run."""
        started = time.perf_counter()
        await self.driver.advance_to(self.scenario.start - timedelta(seconds=SETUP_LEAD_S))
        await self.setup()
        self.schedule()
        agenda = self.sim.agenda
        end = self.scenario.duration_s
        while len(agenda):
            t = agenda.next_time()
            assert t is not None
            if t > end:
                break
            t, action = agenda.pop()
            await self.driver.advance_to(self.sim.when(t))
            await action(t)
        await self.driver.advance_to(self.sim.when(end))
        self.finish(time.perf_counter() - started)
        return self.truth

    async def tick(self, t: float) -> None:
        sim, model = self.sim, self.model
        dt = self.scenario.scenario.tick_s
        out = sim.world.step(t, dt)
        for s in out.sights:
            intents, relooks = model.on_sight(s)
            for i in intents:
                self.reporters.schedule_sighting(i)
            for r in relooks:
                self.reporters.schedule_relook(r)
        for i in model.false_reports(t, dt):
            self.reporters.schedule_sighting(i)
        for need in out.needs:
            for sos in model.on_need(need):
                self.reporters.schedule_sos(sos)
        await self.residents.tick(t)
        await self.relatives.tick(t)
        for responder in self.responders:
            await responder.tick(t, self.medics)
        for team_id in out.neutralised:
            self._neutralised(team_id, t)
        if int(t / TEAM_SAMPLE_S) != int((t - dt) / TEAM_SAMPLE_S):
            self._sample_teams(t)
        if self.progress is not None:
            self.progress(t, self)

    def _neutralised(self, team_id: str, t: float) -> None:
        """Responders on a track whose attackers went down say so, and are done there."""
        assert self.operators is not None
        for r in self.responders:
            job = r.job
            if r.engaging == team_id and job is not None and job.kind == "track":
                self.operators.report_neutralised(
                    job.target_id, t + float(r.rng.uniform(20.0, 90.0))
                )
                self.sim.agenda.at(t + 30.0, _finisher(r, self.sim.staff_typed("attackers_down")))

    async def sample(self, t: float) -> None:
        w, tr = self.sim.world, self.truth
        tr.sample_s.append(t)
        tr.attackers_active.append(w.attackers_active())
        tr.exposure_person_min.append(round(w.exposure_person_s / 60.0, 3))
        out = w.households.outdoors()
        tr.outdoors_people.append(int(w.households.size[out].sum()))

    def _sample_teams(self, t: float) -> None:
        for team in self.sim.world.teams:
            if not team.active:
                continue
            lon, lat = self.sim.lonlat(team.xy)
            self.truth.teams.setdefault(team.team_id, []).append(
                [round(t, 1), round(lon, 6), round(lat, 6), float(team.members)]
            )

    def finish(self, wall_s: float) -> None:
        sim, w, tr = self.sim, self.sim.world, self.truth
        tr.exposure_by_purpose_min = {
            k: round(v / 60.0, 3) for k, v in w.exposure_by_purpose.items() if v > 0
        }
        tr.sightings = dict(sim.sightings)
        tr.sos = {k: dict(v) for k, v in sim.sos.items()}
        tr.casualties = [
            {
                "id": c.casualty_id,
                "t": round(c.t, 1),
                "lon": round(sim.lonlat(c.xy)[0], 6),
                "lat": round(sim.lonlat(c.xy)[1], 6),
                "killed": c.killed,
                "cause": c.cause,
                "household": c.household,
                "responder": c.responder_id,
                "reached_at": c.reached_at,
                "hospital": c.hospital,
                "hospital_at": c.hospital_at,
                "magen_id": sim.casualty_ids.get(c.casualty_id),
            }
            for c in w.casualties
        ]
        assert self.authority is not None
        assert self.operators is not None
        tr.alerts = list(self.authority.issued)
        tr.shown_at = dict(self.operators.first_shown)
        tr.recommended_at = dict(self.operators.first_recommended)
        tr.assigned_at = dict(self.operators.first_assigned)
        tr.calls = dict(sorted(self.api.stats.calls.items()))
        tr.refused = dict(sorted(self.api.stats.refused.items()))
        tr.wall_s = round(wall_s, 3)
        tr.exposure_person_min.append(round(w.exposure_person_s / 60.0, 3))
        tr.sample_s.append(self.scenario.duration_s)
        tr.attackers_active.append(w.attackers_active())
        out = w.households.outdoors()
        tr.outdoors_people.append(int(w.households.size[out].sum()))


def _finisher(r: Responder, note: str) -> Callable[[float], Awaitable[None]]:
    async def finish(t: float) -> None:
        await r.finish(t, note)

    return finish


# --- serving Magen in-process -------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    """Run an ASGI app's start-up and shut-down around a block, in this event loop."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def receive() -> dict[str, Any]:
        return await inbox.get()

    async def send(message: dict[str, Any]) -> None:
        await outbox.put(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, receive, send))  # type: ignore[arg-type]
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        task.cancel()
        raise RuntimeError(f"Magen did not start: {started.get('message', started)}")
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


def sim_settings(pack: Path, seed: int, database: str = "memory://") -> Settings:
    """Settings for an in-process Magen: the secret follows the seed, so logs repeat."""
    secret = hashlib.sha256(f"magen-sim|{seed}".encode()).digest()
    return Settings(database=database, town=pack, secret=secret, anonymous_per_minute=12.0)


@dataclass
class RunResult:
    """A headless run: its ground truth and its event log."""

    truth: Truth
    log: EventLog
    policy: Policy
    seed: int
    stats: dict[str, Any] = field(default_factory=dict)


async def run_headless(
    scenario: Scenario,
    *,
    seed: int,
    policy: Policy,
    pack: Path | None = None,
    town: Town | None = None,
    progress: Callable[[float, Simulation], None] | None = None,
) -> RunResult:
    """Play a scenario against an in-process Magen as fast as it goes; deterministic per seed."""
    if pack is None or town is None:
        pack, town = scenario_town(scenario)
    settings = sim_settings(pack, seed)
    clock = ManualClock(scenario.start - timedelta(seconds=SETUP_LEAD_S + 60.0))
    log = MemoryEventLog()
    # Built with the town: fusion measures along its streets, as a served Magen's does.
    service = build_service(settings, clock, log, town=town)
    app = create_app(settings, clock=clock, service=service, town=town)
    async with lifespan(app):
        guidance: GuidanceService | None = app.state["runtime"].guidance
        dispatch = getattr(app.state["runtime"], "dispatch", None)
        if dispatch is not None:
            # Every plan is made afresh, so the run does not depend on the machine's load.
            dispatch.reuse_slow_plans = False
        driver = SteppedDriver(clock, guidance)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40123))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://magen.sim") as client:
            rngs = streams(seed)
            api = Api(client, Ids(rngs["ids"]), settle=driver.settle)
            simulation = Simulation(
                scenario, town, seed, policy, api, Provisioner(service), driver, progress
            )
            truth = await simulation.run()
            plan_ms = list(getattr(dispatch, "compute_ms", []))
    truth.pack = str(pack)
    stats = _run_stats(simulation, service)
    # The slowest plan, for the stats (slow plans are not reused here: see above).
    stats["dispatch_plan_ms_max"] = round(max(plan_ms), 1) if plan_ms else None
    return RunResult(truth=truth, log=log, policy=policy, seed=seed, stats=stats)


def _run_stats(simulation: Simulation, service: Service) -> dict[str, Any]:
    res = simulation.residents
    return {
        "events": service.state.position,
        # What the live picture measured movement with (the town's streets).
        "picture_metric": metric_key(service.state.slice(Picture).fuser.metric),
        "sightings_sent": simulation.reporters.sent_sightings,
        "sos_sent": simulation.reporters.sent_sos,
        "guidance_asked": getattr(res, "asked", 0),
        "guidance_changes_seen": getattr(res, "changes", 0),
        "tracks_confirmed": len(simulation.operators.confirmed) if simulation.operators else 0,
        "lock_ins_confirmed": simulation.operators.proposals_confirmed
        if simulation.operators
        else 0,
    }


def _fresh_file(path: Path) -> None:
    """Make room for a new SQLite database at `path` (an older one is replaced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


async def copy_log(source: EventLog, database: str) -> int:
    """Write every event of a log into a new database (the report reads it from there)."""
    from magen.store.factory import open_log, sqlite_path

    path = sqlite_path(database)
    if path is not None:
        _fresh_file(path)
    target = open_log(database)
    try:
        if target.head() != 0:
            raise ValueError(f"{database} is not empty")
        after = 0
        while True:
            batch = source.read(after, 5000)
            if not batch:
                break
            await target.append([NewEvent(s.event_id, s.type, s.data) for s in batch])
            after = batch[-1].position
        return after
    finally:
        await target.close()


async def save_run(result: RunResult, database: str) -> Path:
    """Keep a headless run: its log in `database` and its truth beside it."""
    await copy_log(result.log, database)
    return write_truth(result.truth, database)


async def run_live(
    scenario: Scenario,
    *,
    seed: int,
    base_url: str,
    provision: Provisioner,
    town: Town,
    clock: ScaledClock,
    policy: Policy = "magen",
    progress: Callable[[float, Simulation], None] | None = None,
    hospital_accounts: Mapping[int, str] | None = None,
) -> Simulation:
    """Play a scenario against a served Magen (the demo), paced by its scaled clock.

    `hospital_accounts` links hospital accounts to the scenario's hospitals (by their place
    in the scenario), so a hospital desk sees the casualties sent to its hospital.
    """
    driver = PacedDriver(clock)
    rngs = streams(seed)
    async with httpx.AsyncClient(base_url=base_url, timeout=60.0) as client:
        api = Api(client, Ids(rngs["ids"]))
        simulation = Simulation(
            scenario,
            town,
            seed,
            policy,
            api,
            provision,
            driver,
            progress,
            hospital_accounts=dict(hospital_accounts or {}),
        )
        await simulation.run()
        return simulation
