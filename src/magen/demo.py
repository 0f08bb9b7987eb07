"""`make demo`: Magen on the embedded database with the sample town, playing an attack.

The demo builds the Baka town pack from `data/` on first run, creates the demo accounts,
serves Magen on a clock that runs `--speed` times faster than the wall, and plays the
Ofakim-like scenario against it through the public API, so the console, the responder view
and the resident page come alive. When the scenario ends the clock runs on at normal speed
and Magen keeps serving until Ctrl-C. Each playing starts from a fresh demo database; the
previous one is kept as `<db>.previous`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magen.domain.values import Role

if TYPE_CHECKING:
    from magen.app.service import Service
    from magen.sim.runner import Simulation


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    display_name: str


# Demo passwords are printed on purpose: this database is for rehearsal, never for a real day.
DEMO_PASSWORD = "magen-demo"  # noqa: S105 - printed for the demo on purpose
DEMO_ACCOUNTS = (
    DemoAccount("admin", Role.ADMIN, "Demo administrator"),
    DemoAccount("dispatcher", Role.DISPATCHER, "Security coordinator (demo)"),
    DemoAccount("officer1", Role.RESPONDER, "Police officer (demo)"),
    DemoAccount("volunteer1", Role.RESPONDER, "Response squad volunteer (demo)"),
    DemoAccount("medic1", Role.MEDIC, "Paramedic (demo)"),
    DemoAccount("hospital1", Role.HOSPITAL, "Hospital desk (demo)"),
    DemoAccount("registrar", Role.REGISTRAR, "Registrar (demo)"),
    DemoAccount("analyst", Role.ANALYST, "Analyst (demo)"),
    DemoAccount("resident1", Role.RESIDENT, "Resident (demo)"),
)
DEFAULT_SCENARIO = "ofakim_baka"
# The demo's hospital desk reports for the scenario's first hospital (Shaare Zedek in the
# shipped scenario), so signing in as it shows the casualties the attack sends there.
DEMO_HOSPITAL_DESK = "hospital1"
# Simulated seconds between the demo opening and the scenario's first moment: time to open
# the console before the first siren (at least this many real seconds).
_LEAD_REAL_S = 20.0
_PROGRESS_EVERY_S = 300.0
_BEHIND_MARGIN_S = 60.0


async def create_demo_accounts(service: Service) -> list[DemoAccount]:
    """Create any demo account that is missing (one password hash for all); those created."""
    from magen.domain.accounts import Accounts, CreateAccount
    from magen.domain.base import SYSTEM
    from magen.sim.client import shared_password_hash

    existing = service.state.slice(Accounts).by_username
    missing = [acc for acc in DEMO_ACCOUNTS if acc.username not in existing]
    if not missing:
        return []
    digest = await asyncio.to_thread(shared_password_hash)
    for acc in missing:
        await service.handle(
            SYSTEM,
            CreateAccount(
                command_id=uuid.uuid5(uuid.NAMESPACE_URL, f"magen-demo:{acc.username}"),
                username=acc.username,
                role=acc.role,
                display_name=acc.display_name,
                password_hash=digest,
            ),
        )
    return missing


async def ensure_demo_accounts(db: str) -> list[DemoAccount]:
    """Create any demo account that is missing in a database; returns those created."""
    from magen.api.app import build_service
    from magen.clock import SystemClock
    from magen.config import Settings

    service = build_service(Settings.from_env(database=db), SystemClock())
    try:
        return await create_demo_accounts(service)
    finally:
        await service.log.close()


def demo_hospital_accounts(service: Service, scenario: Any) -> dict[int, str]:
    """The demo's hospital desk account linked to the scenario's first hospital, if both exist."""
    from magen.domain.accounts import Accounts

    account_id = service.state.slice(Accounts).by_username.get(DEMO_HOSPITAL_DESK)
    if account_id is None or not scenario.hospitals:
        return {}
    return {0: account_id}


def _fresh_database(db: str) -> Path | None:
    """Move an earlier demo database aside; the previous copy, if any."""
    path = Path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        return None
    previous = path.with_name(path.name + ".previous")
    for suffix in ("", "-wal", "-shm", ".truth.json"):
        Path(str(previous) + suffix).unlink(missing_ok=True)
        source = Path(str(path) + suffix)
        if source.exists():
            shutil.move(source, Path(str(previous) + suffix))
    return previous


def _banner(base: str, town: str, speed: float | None, scenario: str | None) -> None:
    print("\nMagen demo", flush=True)
    print(f"  console      {base}/console       (sign in as dispatcher)")
    print(f"  responder    {base}/responder     (sign in as officer1 or medic1)")
    print(f"  hospital     {base}/hospital      (sign in as {DEMO_HOSPITAL_DESK})")
    print(f"  registry     {base}/registry      (sign in as registrar)")
    print(f"  family       {base}/family        (sign in as resident1)")
    print(f"  resident     {base}/              (no account needed)")
    print(f"  API docs     {base}/api/v1/schema/swagger")
    print(f"  health       {base}/healthz")
    print(f"  town         {town}")
    print(f"  accounts     password for all: {DEMO_PASSWORD}")
    for acc in DEMO_ACCOUNTS:
        print(f"    {acc.username:<12} {acc.role.value}")
    if scenario is not None and speed is not None:
        print(f"  playing      {scenario} at {speed:g}x")
        print(f"               the first siren sounds in about {_LEAD_REAL_S:.0f} s")
    print("  Ctrl-C stops the demo.\n", flush=True)


def _progress(step_s: float) -> Any:
    seen = {"next": step_s}

    def report(t: float, sim: Simulation) -> None:
        if t < seen["next"]:
            return
        seen["next"] += step_s
        w = sim.sim.world
        stats = sim.api.stats.calls
        confirmed = len(sim.operators.confirmed) if sim.operators else 0
        print(
            f"  +{t / 60:5.1f} min  attackers active {w.attackers_active():2d}  "
            f"sightings {stats.get('POST /api/v1/sightings', 0):4d}  "
            f"SOS {stats.get('POST /api/v1/sos', 0):3d}  tracks confirmed {confirmed:2d}  "
            f"exposure {w.exposure_person_s / 60:7.0f} person-min",
            flush=True,
        )

    return report


def _clock_for(args: argparse.Namespace, scenario: Any) -> tuple[Any, Any]:
    """The server's clock, and the scenario moved onto it.

    The clock runs `--speed` times the wall but starts far enough in the past that it never
    runs ahead of the wall: signed tokens carry their issue time, and a token issued "in the
    future" would be refused by browsers' sessions. The morning therefore ends about now.
    """
    from magen.clock import SystemClock
    from magen.sim.clocks import ScaledClock
    from magen.sim.runner import SETUP_LEAD_S
    from magen.town_clock import town_zone

    if scenario is None:
        return SystemClock(), None
    opened = datetime.now(UTC).replace(microsecond=0)
    lead = max(SETUP_LEAD_S, _LEAD_REAL_S * args.speed)
    span = lead + scenario.duration_s
    behind = max(0.0, span * (1.0 - 1.0 / args.speed)) + _BEHIND_MARGIN_S
    start = opened - timedelta(seconds=behind)
    # The morning starts on the town's clock, so its after-action report is told on it too
    # (the same instant; written in UTC, the report's times were two or three hours off the
    # times the console showed).
    morning = (start + timedelta(seconds=lead)).astimezone(town_zone())
    return ScaledClock(start, args.speed), scenario.starting_at(morning)


async def _play(
    args: argparse.Namespace, pack: Path, scenario: Any, *, service: Service, clock: Any, base: str
) -> None:
    """Play the scenario against the served Magen, then let its clock run at normal speed."""
    from magen.geo.town import load_town
    from magen.sim.client import Provisioner
    from magen.sim.runner import run_live
    from magen.sim.truth import write_truth

    sim = await run_live(
        scenario,
        seed=args.seed,
        base_url=base,
        provision=Provisioner(service),
        town=load_town(pack),
        clock=clock,
        progress=_progress(_PROGRESS_EVERY_S),
        hospital_accounts=demo_hospital_accounts(service, scenario),
    )
    sim.truth.pack = str(pack)
    write_truth(sim.truth, args.db)
    clock.set_rate(1.0)
    w = sim.sim.world
    print(
        f"\nThe scenario is over: {w.attackers_neutralised()} of {scenario.true_attackers} "
        f"attackers neutralised, {len(w.casualties)} people hurt, "
        f"{w.exposure_person_s / 60:.0f} person-minutes of exposure.\n"
        "The clock now runs at normal speed; Magen keeps serving.\n"
        f"  After-action report: .venv/bin/magen report --db {args.db} --out var/report\n",
        flush=True,
    )


async def _serve_and_play(args: argparse.Namespace, pack: Path, scenario: Any) -> None:
    import httpx
    import uvicorn

    from magen.api.app import create_app
    from magen.config import Settings

    clock, scenario = _clock_for(args, scenario)
    app = create_app(Settings.from_env(database=args.db, town=pack), clock=clock)
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving  # start-up failed (the port is taken...): uvicorn says why
            raise SystemExit(f"magen: could not serve on {args.host}:{args.port}")
        await asyncio.sleep(0.05)
    service = app.state["runtime"].service
    created = await create_demo_accounts(service)
    base = f"http://{args.host}:{args.port}"
    name = scenario.scenario.name if scenario is not None else None
    _banner(base, str(pack), args.speed if scenario is not None else None, name)
    if created:
        print(f"  (created {len(created)} demo accounts)", flush=True)
    if scenario is None:
        await serving
        return

    async def play() -> None:
        try:
            await _play(args, pack, scenario, service=service, clock=clock, base=base)
        except httpx.TransportError:
            if not server.should_exit:
                raise  # the server went away while still meant to serve: a real failure

    playing = asyncio.create_task(play())
    playing.add_done_callback(_say_if_failed)
    try:
        await serving
    finally:
        # A scenario that stopped long ago said why when it did (`_say_if_failed`): stopping
        # the demo must not raise that stale error again as if it were the reason now.
        playing.cancel()
        await asyncio.wait([playing])


def _say_if_failed(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        print(f"magen demo: the scenario stopped: {task.exception()!r}", flush=True)


def run_demo(args: argparse.Namespace) -> int:
    """Build the sample town if needed, then serve Magen and play the scenario until Ctrl-C."""
    from magen.geo.errors import TownImportError
    from magen.sim.scenario import ScenarioError, load_scenario
    from magen.sim.town import town_pack

    if args.speed <= 0:
        print(f"magen: --speed must be positive (got {args.speed:g})")
        return 2
    try:
        scenario = load_scenario(getattr(args, "scenario", None) or DEFAULT_SCENARIO)
        print(
            "magen demo: preparing the town pack (built from data/ on the first run)...", flush=True
        )
        pack = town_pack(scenario)
    except (ScenarioError, TownImportError) as exc:
        print(f"magen: {exc}")
        return 2
    play = not args.no_sim
    if play:
        previous = _fresh_database(args.db)
        if previous is not None:
            print(f"magen demo: the previous demo database is kept as {previous}", flush=True)
    else:
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    os.environ["MAGEN_DB"] = args.db
    os.environ["MAGEN_TOWN"] = str(pack)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_and_play(args, pack, scenario if play else None))
    print("magen demo: stopped.", flush=True)
    return 0
