"""Scale-out: durable ingest on PostgreSQL with 1, 2 and 4 API workers beside SQLite with one,
and the cold start of a large log with and without a snapshot.

Ingest. For each set-up a fresh log, a responder signed in through the real API, and wrk
driving POST /api/v1/sightings (unique command ids and places, `bench/lua/sightings.lua`) for
a fixed time through uvicorn (uvloop, httptools, access log off; with several workers each
follows the others through PostgreSQL, exactly as `magen serve --workers N` runs). Requests
left unanswered when wrk stops are resent as a phone would, then the log is audited: every
acknowledged report in it once, nothing else, no gap.

Cold start. `--events` ThreatSighted events, encoded as the API encodes them, are bulk-loaded
into a fresh PostgreSQL log with COPY. A new process then builds the service the way a worker
does at start-up: once with no snapshot (a full replay; it then saves a snapshot), once more
resuming from that snapshot. Each time is from process spawn until the state is ready.

PostgreSQL is MAGEN_BENCH_PG_URL (or --pg) if given, else a throwaway cluster started from
the installed Debian binaries (fsync and synchronous_commit on, as in production).

    .venv/bin/python bench/scale.py [--seconds 10] [--events 1000000] [--workers 1,2,4]

Prints tables, then one JSON line: sqlite_per_s, pg_per_s (by worker count), pg_per_s_1 ...,
cold_start_replay_s, cold_start_snapshot_s, ...
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent / "tests"))

from _server import (  # noqa: E402 - after the path set-up above
    SIGHTINGS_PATH,
    BenchError,
    WrkRun,
    free_port,
    http_json,
    nonce,
    post_raw,
    run_wrk,
    sighting_body,
    sighting_key,
    table,
    workspace,
)

PASSWORD = "bench-password-1234"
SECRET = "bench-scale-secret-shared-by-all-workers"
GOAL_COLD_START_S = 10.0
START = datetime(2023, 10, 7, 6, 29, tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="magen bench scale", description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="measured load per set-up")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured load first")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", default="1,2,4", help="PostgreSQL worker counts")
    parser.add_argument("--spread", choices=("clustered", "uniform"), default="clustered")
    parser.add_argument("--events", type=int, default=1_000_000, help="events for cold start")
    parser.add_argument("--pg", default=os.environ.get("MAGEN_BENCH_PG_URL"), help="server URL")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--dir", help="where to make temporary files (default: TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep databases and server logs")
    parser.add_argument("--child-load", help=argparse.SUPPRESS)
    parser.add_argument("--child-save", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    # Stopped from outside, still run the clean-up (the throwaway PostgreSQL cluster).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.child_load:
        return _child_load(args.child_load, save=args.child_save)
    try:
        workers = sorted({int(n) for n in args.workers.split(",") if n.strip()})
    except ValueError:
        print(
            f"bench scale: --workers takes numbers like 1,2,4, not {args.workers}", file=sys.stderr
        )
        return 2
    try:
        return _run(args, workers)
    except BenchError as exc:
        print(f"bench scale: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, workers: list[int]) -> int:
    with workspace(args.keep, args.dir) as work, _postgres(args.pg) as pg:
        ingest: list[Ingest] = []
        if not args.skip_ingest:
            ingest.append(_ingest(args, work, "sqlite", str(work / "magen.db"), 1))
            for n in workers:
                ingest.append(_ingest(args, work, "postgresql", pg.fresh_url(f"ingest{n}"), n))
        cold = None if args.skip_cold else _cold_start(pg.fresh_url("cold"), args.events, work)
    return _report(args, ingest, cold)


# --- PostgreSQL ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _postgres(url: str | None) -> Iterator[Any]:
    """The server to measure: the one named, or a throwaway cluster stopped at the end."""
    from support.postgres import PostgresMissing, existing, start_private

    try:
        server = existing(url) if url else start_private()
    except PostgresMissing as exc:
        raise BenchError(f"no PostgreSQL to measure: {exc}") from exc
    try:
        yield server
    finally:
        server.destroy()


# --- ingest --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ingest:
    """One set-up's measured run and its audit."""

    backend: str
    workers: int
    run: WrkRun
    cpu_s: float  # server processes' CPU (PostgreSQL's own not included)
    in_log: int
    lost: int
    duplicated: int
    unexpected: int
    gaps: int
    retried: int
    retry_errors: int

    @property
    def per_s(self) -> float:
        return self.run.created / self.run.seconds if self.run.seconds else 0.0

    @property
    def ok(self) -> bool:
        nothing_wrong = self.lost == self.duplicated == self.unexpected == self.gaps == 0
        return nothing_wrong and self.retry_errors == 0 and self.in_log == sum(self.run.sent)


def _ingest(args: argparse.Namespace, work: Path, backend: str, db: str, workers: int) -> Ingest:
    print(f"-- ingest: {backend}, {workers} worker(s), {args.seconds} s", flush=True)
    _magen_cli("users", "add", "--username", "bench-responder", "--role", "responder",
               "--password-stdin", "--db", db, stdin=PASSWORD + "\n")  # fmt: skip
    load = {
        "seconds": args.seconds,
        "threads": args.threads,
        "connections": args.connections,
        "spread": args.spread,
    }
    with _serve(db, workers, work) as (url, process):
        token = _sign_in(url)
        if args.warmup > 0:
            run_wrk(url, run_nonce=nonce(), workdir=work, token=token,
                    **{**load, "seconds": args.warmup})  # fmt: skip
        run_nonce = nonce()
        cpu0 = _tree_cpu_s(process.pid)
        run = run_wrk(url, run_nonce=run_nonce, workdir=work, token=token, **load)
        cpu = _tree_cpu_s(process.pid) - cpu0
        retried = _retry_unanswered(url, run, run_nonce, token, args.spread)
    return _audit(backend, workers, db, run, cpu, run_nonce, retried)


@contextlib.contextmanager
def _serve(db: str, workers: int, work: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """uvicorn with `workers` processes over `db`, configured as `magen serve` configures it."""
    port = free_port()
    env = {**os.environ, "MAGEN_DB": db, "MAGEN_SECRET": SECRET}
    if workers > 1:
        env["MAGEN_FOLLOW_LOG"] = "1"
    cmd = [sys.executable, "-m", "uvicorn", "magen.api.app:asgi_app", "--factory",
           "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
           "--loop", "uvloop", "--http", "httptools", "--no-access-log",
           "--log-level", "warning", "--timeout-graceful-shutdown", "30"]  # fmt: skip
    log_path = work / f"server-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            cmd, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_workers(url, workers, process, log_path)
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=40)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # the group this harness started
        process.wait()


def _wait_workers(url: str, count: int, process: subprocess.Popen[bytes], log: Path) -> None:
    seen: set[int] = set()
    deadline = time.monotonic() + 120
    while len(seen) < count:
        if process.poll() is not None or time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise BenchError(f"server did not start {count} workers:\n{tail}")
        with contextlib.suppress(OSError, ValueError):
            status, body = http_json("GET", url + "/readyz", timeout_s=2.0)
            if status == 200:
                seen.add(body["worker"])
        time.sleep(0.02)


def _tree_cpu_s(pid: int) -> float:
    """CPU seconds used so far by a process and its descendants still alive."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(c) for c in children)
    return total


def _magen_cli(*args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "magen", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "MAGEN_SECRET": SECRET},
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"magen {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def _sign_in(url: str) -> str:
    status, body = http_json(
        "POST", url + "/api/v1/auth/token", {"username": "bench-responder", "password": PASSWORD}
    )
    if status != 200:
        raise BenchError(f"sign-in answered {status}: {body}")
    token: str = body["access_token"]
    return token


def _retry_unanswered(
    url: str, run: WrkRun, run_nonce: str, token: str, spread: str
) -> dict[str, int]:
    """Resend every request wrk sent but saw no answer to; status by sighting key."""
    acked = set(run.acked)
    outcomes: dict[str, int] = {}
    for thread, sent in enumerate(run.sent, start=1):
        for n in range(1, sent + 1):
            key = sighting_key(run_nonce, thread, n)
            if key not in acked:
                body = sighting_body(run_nonce, thread, n, spread)
                outcomes[key], _ = post_raw(url + SIGHTINGS_PATH, body, token)
    return outcomes


def _audit(
    backend: str,
    workers: int,
    db: str,
    run: WrkRun,
    cpu: float,
    run_nonce: str,
    retried: dict[str, int],
) -> Ingest:
    from magen.app.codec import decode
    from magen.domain.reports import ThreatSighted
    from magen.store.factory import open_log

    log = open_log(db)
    try:
        stored = log.read(0)
    finally:
        asyncio.run(log.close())
    keys: Counter[str] = Counter()
    for s in stored:
        if s.type == "ThreatSighted":
            event = decode(s).event
            assert isinstance(event, ThreatSighted)
            if event.sighting_id.startswith("sig_" + run_nonce):
                keys[event.sighting_id.removeprefix("sig_")] += 1
    generated = {
        sighting_key(run_nonce, thread, n)
        for thread, sent in enumerate(run.sent, start=1)
        for n in range(1, sent + 1)
    }
    acknowledged = set(run.acked) | {k for k, status in retried.items() if status == 201}
    positions = [s.position for s in stored]
    return Ingest(
        backend=backend,
        workers=workers,
        run=run,
        cpu_s=cpu,
        in_log=len(keys),
        lost=len(acknowledged - keys.keys()),
        duplicated=sum(n - 1 for n in keys.values()),
        unexpected=len(keys.keys() - generated),
        gaps=0 if positions == list(range(1, len(positions) + 1)) else 1,
        retried=len(retried),
        retry_errors=sum(1 for status in retried.values() if status not in (200, 201)),
    )


# --- cold start ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColdStart:
    events: int
    generate_s: float
    copy_per_s: float
    replay: dict[str, Any]
    snapshot: dict[str, Any]


def _cold_start(url: str, events: int, work: Path) -> ColdStart:
    from magen.store.postgres import PostgresEventLog

    print(f"-- cold start: loading {events:,} events into PostgreSQL with COPY", flush=True)
    log = PostgresEventLog(url)
    try:
        started = time.perf_counter()
        head = log.bulk_append(_history(events))
        load_s = time.perf_counter() - started
    finally:
        log.close_sync()
    if head != events:
        raise BenchError(f"bulk load left head {head}, expected {events}")
    print(f"   {events:,} events encoded and copied in {load_s:.1f} s", flush=True)
    code = _frozen_code(work)
    print("-- cold start: full replay (no snapshot yet), then save a snapshot", flush=True)
    replay = _spawn_load(url, code, save=True)
    print("-- cold start: resume from that snapshot", flush=True)
    snapshot = _spawn_load(url, code, save=False)
    if snapshot.get("snapshot_position") != events:
        raise BenchError(f"the second start did not resume from the snapshot: {snapshot}")
    return ColdStart(events, load_s, events / load_s, replay, snapshot)


def _frozen_code(work: Path) -> Path:
    """A copy of Magen's source for the start-up processes.

    A snapshot is trusted only by the code that made it (its fingerprint hashes the source):
    both starts must run the same code even if someone edits the tree meanwhile.
    """
    import magen

    source = Path(magen.__file__).resolve().parent
    target = work / "code" / "magen"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    return target.parent


def _history(count: int) -> Iterator[Any]:
    """`count` events as the API would have logged them over six hours of a city-wide attack.

    A realistic mix: responders check in, then most traffic is their position pings; a quarter
    are threat sightings around two dozen places; the rest SOS calls, their updates and
    responders' status changes.
    """
    from magen.app.codec import encode
    from magen.domain.base import Actor, Event, event_id_for
    from magen.domain.reports import Armed, Mobility, SosRaised, SosUpdated, ThreatSighted
    from magen.domain.responders import (
        ResponderCheckedIn,
        ResponderKind,
        ResponderMoved,
        ResponderStatus,
        ResponderStatusChanged,
    )
    from magen.domain.values import GeoPoint, Role, tier_of

    rng = random.Random(20231007)
    responders = [Actor(f"acc_resp{n:04d}", Role.RESPONDER) for n in range(min(1500, count))]
    public = [Actor(f"acc_res{n:04d}", Role.RESIDENT) for n in range(5000)]
    public += [Actor(None, Role.ANONYMOUS, source_key=f"anon_{n:04x}") for n in range(5000)]
    sites = [(rng.uniform(31.742, 31.797), rng.uniform(35.182, 35.237)) for _ in range(24)]
    sos: list[str] = []
    step = timedelta(hours=6) / max(count, 1)

    def near(lat: float, lon: float, spread: float) -> GeoPoint:
        return GeoPoint(
            lat=lat + rng.uniform(-spread, spread), lon=lon + rng.uniform(-spread, spread)
        )

    def anywhere() -> GeoPoint:
        return GeoPoint(lat=rng.uniform(31.742, 31.797), lon=rng.uniform(35.182, 35.237))

    for n in range(count):
        command_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        at = START + step * n
        roll = rng.random()
        event: Event
        if n < len(responders):
            actor = responders[n]
            event = ResponderCheckedIn(
                responder_id=str(actor.account_id), kind=ResponderKind.POLICE_ON_DUTY,
                capabilities=frozenset(), radio_channel=f"ch{n % 16}",
                status=ResponderStatus.AVAILABLE, where=anywhere(),
            )  # fmt: skip
        elif roll < 0.60:
            actor = responders[rng.randrange(len(responders))]
            event = ResponderMoved(
                responder_id=str(actor.account_id), where=anywhere(), observed_at=at
            )
        elif roll < 0.85:
            actor = public[rng.randrange(len(public))]
            lat, lon = sites[rng.randrange(len(sites))]
            event = ThreatSighted(
                sighting_id=f"sig_{command_id.hex[:20]}", where=near(lat, lon, 1.5e-3),
                observed_at=at, count=1 + n % 12,
                mobility=(Mobility.ON_FOOT, Mobility.VEHICLE, Mobility.UNKNOWN)[n % 3],
                armed=(Armed.YES, Armed.UNKNOWN)[n % 2], heading_deg=float(n % 360),
                text="seen near the school", tier=tier_of(actor.role),
            )  # fmt: skip
        elif roll < 0.93 or not sos:
            actor = public[rng.randrange(len(public))]
            sos.append(f"sos_{command_id.hex[:20]}")
            event = SosRaised(
                sos_id=sos[-1], where=anywhere(), observed_at=at, people=1 + n % 6,
                injured=n % 3, children=n % 2, silent=n % 5 == 0, text="we are hiding",
                tier=tier_of(actor.role),
            )  # fmt: skip
        elif roll < 0.97:
            actor = public[rng.randrange(len(public))]
            event = SosUpdated(sos_id=sos[rng.randrange(len(sos))], people=1 + n % 7)
        else:
            actor = responders[rng.randrange(len(responders))]
            event = ResponderStatusChanged(
                responder_id=str(actor.account_id),
                status=(ResponderStatus.AVAILABLE, ResponderStatus.EN_ROUTE)[n % 2],
            )
        yield encode(
            event,
            event_id=event_id_for(command_id, 0),
            recorded_at=at,
            actor=actor,
            command_id=command_id,
            command_hash=f"{rng.getrandbits(256):064x}",
        )


def _spawn_load(url: str, code: Path, *, save: bool) -> dict[str, Any]:
    """Start a fresh process that builds the service over `url`; what it measured."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-load", url]
    if save:
        cmd.append("--child-save")
    started = time.perf_counter()
    done = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env={**os.environ, "MAGEN_SECRET": SECRET, "PYTHONPATH": str(code)},
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"the start-up process failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if not result["code"].startswith(str(code)):
        raise BenchError(f"the start-up process ran {result['code']}, not the frozen copy")
    result["wall_s"] = time.perf_counter() - started
    return result


def _child_load(url: str, *, save: bool) -> int:
    """In a fresh process, start as a worker does; print what each step took (JSON).

    Ready means: the service is built (snapshot restored and/or log replayed), the parts of
    state that fold lazily are folded (the picture fuses queued sightings on first read, which
    a worker's first console request would otherwise pay), and the heap is settled as
    `asgi_app` settles it before serving.
    """
    spawned = _process_start_s()
    import magen
    from magen.api.app import build_service, settle_heap
    from magen.clock import SystemClock
    from magen.config import Settings
    from magen.domain.picture import Picture

    imported = time.time()
    service = build_service(Settings(database=url, secret=SECRET.encode()), SystemClock())
    built = time.time()
    _ = service.state.slice(Picture).fuser
    folded = time.time()
    settle_heap()
    ready = time.time()
    keeper = service.snapshots
    result: dict[str, Any] = {
        "code": str(Path(magen.__file__).resolve().parent),
        "imports_s": round(imported - spawned, 3),
        "build_s": round(built - imported, 3),
        "lazy_fold_s": round(folded - built, 3),
        "settle_s": round(ready - folded, 3),
        "ready_s": round(ready - spawned, 3),
        "replayed": service.metrics.replayed_at_start,
        "snapshot_position": service.metrics.snapshot_position,
        "restore_s": round(keeper.last_restore.seconds, 3) if keeper else 0.0,
        "discarded": keeper.last_restore.discarded if keeper else None,
        "head": service.state.position,
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if save and keeper is not None:
        started = time.perf_counter()
        keeper.save_now(service)
        result["save_s"] = round(time.perf_counter() - started, 3)
        blob = keeper.store.load(keeper.store.positions()[0])
        result["snapshot_mb"] = round(len(blob or b"") / 1e6, 1)
    asyncio.run(service.log.close())
    print(json.dumps(result))
    return 0


def _process_start_s() -> float:
    """When this process was started (epoch seconds), from /proc."""
    ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    boot = next(
        float(line.split()[1])
        for line in Path("/proc/stat").read_text().splitlines()
        if line.startswith("btime")
    )
    return boot + ticks / os.sysconf("SC_CLK_TCK")


# --- report ---------------------------------------------------------------------------------------


def _report(args: argparse.Namespace, ingest: list[Ingest], cold: ColdStart | None) -> int:
    cores = len(os.sched_getaffinity(0))
    if ingest:
        print()
        print(
            f"ingest: wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, "
            f"spread={args.spread}, {cores} CPU cores shared by wrk, PostgreSQL and every worker"
        )
        rows = [
            [
                f"{i.backend} x{i.workers}",
                i.per_s,
                i.run.ms("p50"),
                i.run.ms("p99"),
                i.run.non_2xx,
                100 * i.cpu_s / i.run.seconds,
                i.in_log,
                i.lost,
                i.duplicated,
                "ok" if i.ok else "FAILED",
            ]
            for i in ingest
        ]
        header = ["set-up", "201/s", "p50 ms", "p99 ms", "non-2xx", "magen cpu %", "in log",
                  "lost", "dup", "audit"]  # fmt: skip
        print(table(rows, header))
    result: dict[str, Any] = {"cores": cores, "seconds": args.seconds,
                              "connections": args.connections}  # fmt: skip
    sqlite = [i for i in ingest if i.backend == "sqlite"]
    pg = {i.workers: i for i in ingest if i.backend == "postgresql"}
    if sqlite:
        result["sqlite_per_s"] = round(sqlite[0].per_s, 1)
        result["sqlite_p99_ms"] = round(sqlite[0].run.ms("p99"), 2)
    result["pg_per_s"] = {str(n): round(i.per_s, 1) for n, i in pg.items()}
    for n, i in pg.items():
        result[f"pg_per_s_{n}"] = round(i.per_s, 1)
        result[f"pg_p99_ms_{n}"] = round(i.run.ms("p99"), 2)
    result["log_ok"] = all(i.ok for i in ingest)
    if cold is not None:
        replay, snap = cold.replay, cold.snapshot
        print()
        print(
            f"cold start of {cold.events:,} events (PostgreSQL; bulk load {cold.generate_s:.1f} s)"
        )
        steps = ["ready_s", "imports_s", "build_s", "lazy_fold_s", "settle_s", "replayed", "rss_mb"]
        rows = [
            ["full replay", *(replay[k] for k in steps)],
            ["from snapshot", *(snap[k] for k in steps)],
        ]
        header = ["start", "ready s", "imports s", "restore+replay s", "lazy folds s",
                  "heap settle s", "replayed", "max rss MB"]  # fmt: skip
        print(table(rows, header))
        print(
            f"snapshot: {replay.get('snapshot_mb', 0):.1f} MB compressed, saved in "
            f"{replay.get('save_s', 0):.1f} s; restored in {snap['restore_s']:.1f} s"
        )
        result.update(
            {
                "events": cold.events,
                "cold_start_replay_s": replay["ready_s"],
                "cold_start_snapshot_s": snap["ready_s"],
                "cold_start_replay_load_s": replay["build_s"],
                "cold_start_snapshot_load_s": snap["build_s"],
                "cold_start_imports_s": snap["imports_s"],
                "snapshot_restore_s": snap["restore_s"],
                "snapshot_save_s": replay.get("save_s"),
                "snapshot_mb": replay.get("snapshot_mb"),
                "speedup": round(replay["ready_s"] / snap["ready_s"], 1),
                "bulk_load_per_s": round(cold.copy_per_s, 1),
            }
        )
        result["goals_met"] = {"cold_start_snapshot_s": snap["ready_s"] <= GOAL_COLD_START_S}
    print(json.dumps(result))
    return 0 if result["log_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
