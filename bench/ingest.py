"""Durable sighting ingest over real HTTP, beside a bare validated endpoint of the same framework.

Starts Magen (uvicorn, one worker, uvloop + httptools, access log off) on a fresh SQLite
database, signs in a responder through the real API, and drives POST /api/v1/sightings with
wrk: several connections, a unique command id and place per request, for a fixed time. Then it
retries every request still unanswered when wrk stopped (as a phone would) and checks the log:
every acknowledged report is in it once, nothing else is. The same load hits a bare Litestar
endpoint validating the same model without auth, rules or storage (bench/_bare.py), both
servers taking turns for `--rounds` runs each so a change in the machine's other load does not
favour either. The server's CPU time per request is reported too: on a shared machine it is the
figure least disturbed by other work.

    .venv/bin/python bench/ingest.py [--seconds 10] [--rounds 2] [--connections 64] [--pin]

Prints a table, then one JSON line: reports_per_s, p50_ms, p99_ms, bare_per_s, ratio, ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import (
    SIGHTINGS_PATH,
    SPREADS,
    BenchError,
    Server,
    WrkRun,
    cpu_split,
    http_json,
    nonce,
    post_raw,
    run_wrk,
    serve,
    sighting_body,
    sighting_key,
    table,
    workspace,
)

GOAL_PER_S = 4000.0
GOAL_P99_MS = 50.0
GOAL_RATIO = 0.6
PASSWORD = "bench-password-1234"


@dataclass(frozen=True)
class Audit:
    """What the log holds after a run, against what the load generator was told."""

    events_in_log: int  # sightings of the measured run in the log
    generated: int  # requests wrk generated (every one is stored once after retries)
    unanswered_at_stop: int  # generated but unanswered when wrk stopped: retried
    retried_created: int  # of those, stored only by the retry
    retried_replayed: int  # of those, already stored: the retry was answered 200, no new event
    lost: int  # acknowledged but not in the log
    duplicated: int  # the same sighting more than once in the log
    unexpected: int  # in the log, but never generated
    gaps: int  # positions missing from 1..head
    retry_errors: int
    journal_mode: str

    @property
    def ok(self) -> bool:
        return (
            self.lost == self.duplicated == self.unexpected == self.gaps == self.retry_errors == 0
            and self.events_in_log == self.generated
        )


# The bare endpoints (bench/_bare.py): as Litestar documents it, or with Magen's shortcuts.
BARE_APPS = {"plain": "_bare:litestar_app", "shortcuts": "_bare:litestar_shortcut_app"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="magen bench ingest", description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="measured load per run")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured load first")
    parser.add_argument(
        "--rounds", type=int, default=2, help="measured runs per server, taking turns"
    )
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="pin the server to one CPU and wrk to another (taskset)",
    )
    parser.add_argument("--auth", choices=("token", "key"), default="token")
    parser.add_argument(
        "--spread",
        choices=SPREADS,
        default="clustered",
        help="places: near 24 sites across town, or uniform over 6 x 6 km (fusion's worst case)",
    )
    parser.add_argument(
        "--bare",
        choices=tuple(BARE_APPS),
        default="plain",
        help="the bare endpoint: Litestar's own validated insert (plain), or with Magen's two "
        "bulk-route shortcuts (shortcuts: what Magen adds without their advantage)",
    )
    parser.add_argument("--dir", help="where to make the temporary database (default: TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the database and server logs")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except BenchError as exc:
        print(f"bench ingest: {exc}", file=sys.stderr)
        return 2


@dataclass(frozen=True)
class Measured:
    """One measured wrk run against one server, with the CPU time the server spent on it."""

    run: WrkRun
    cpu_s: float
    nonce: str
    retried: dict[str, int] = field(default_factory=dict)  # unanswered requests resent: status


def _run(args: argparse.Namespace) -> int:
    server_cpus, client_cpus = cpu_split(args.pin)
    load = {
        "seconds": args.seconds,
        "threads": args.threads,
        "connections": args.connections,
        "cpus": client_cpus,
        "spread": args.spread,
    }
    warm = {**load, "seconds": args.warmup}
    with workspace(args.keep, args.dir) as work:
        db = work / "magen.db"
        _add_admin(db)
        env = {"MAGEN_DB": str(db)}
        magen: list[Measured] = []
        bare: list[Measured] = []
        with (
            serve("magen.api.app:asgi_app", env=env, cpus=server_cpus, workdir=work) as server,
            serve(BARE_APPS[args.bare], cpus=server_cpus, workdir=work) as bare_server,
        ):
            token = _responder_credential(server, args.auth)
            if args.warmup > 0:
                run_wrk(server.url, run_nonce=nonce(), workdir=work, token=token, **warm)
                run_wrk(bare_server.url, run_nonce=nonce(), workdir=work, **warm)
            # Both servers stay up (the idle one costs nothing) and take turns, each round in
            # the other order, so a change in the machine's other load hits both alike.
            for r in range(args.rounds):
                for which in ("magen", "bare") if r % 2 == 0 else ("bare", "magen"):
                    if which == "magen":
                        magen.append(_measure(server, work, load, token, args.spread))
                    else:
                        bare.append(_measure(bare_server, work, load, None, args.spread))
        audit = _audit(db, magen)

    return _report(args, server_cpus, client_cpus, magen, bare, audit)


def _measure(
    server: Server, work: Path, load: dict[str, Any], token: str | None, spread: str
) -> Measured:
    """Drive one server for the set time; then resend what it left unanswered (if it stores)."""
    run_nonce = nonce()
    cpu0 = server.cpu_seconds()
    run = run_wrk(server.url, run_nonce=run_nonce, workdir=work, token=token, **load)
    cpu_s = server.cpu_seconds() - cpu0
    retried = _retry_unanswered(server, run, run_nonce, token, spread) if token else {}
    return Measured(run, cpu_s, run_nonce, retried)


# --- set-up through the real CLI and API ------------------------------------------------------


def _add_admin(db: Path) -> None:
    cli = [sys.executable, "-m", "magen", "users", "add", "--username", "bench-admin"]
    done = subprocess.run(
        [*cli, "--role", "admin", "--password-stdin", "--db", str(db)],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if done.returncode != 0:
        raise BenchError(f"magen users add failed: {done.stderr.strip() or done.stdout.strip()}")


def _sign_in(server: Server, username: str) -> str:
    status, body = http_json(
        "POST",
        server.url + "/api/v1/auth/token",
        {"username": username, "password": PASSWORD},
    )
    if status != 200:
        raise BenchError(f"sign-in as {username} answered {status}: {body}")
    token: str = body["access_token"]
    return token


def _responder_credential(server: Server, kind: str) -> str:
    """A bearer token (or device API key) for a fresh responder account."""
    admin = _sign_in(server, "bench-admin")
    status, body = http_json(
        "POST",
        server.url + "/api/v1/accounts",
        {
            "command_id": str(uuid.uuid4()),
            "username": "bench-responder",
            "password": PASSWORD,
            "role": "responder",
            "display_name": "Bench responder",
        },
        token=admin,
    )
    if status != 201:
        raise BenchError(f"creating the responder answered {status}: {body}")
    if kind == "token":
        return _sign_in(server, "bench-responder")
    status, key = http_json(
        "POST",
        f"{server.url}/api/v1/accounts/{body['id']}/keys",
        {"command_id": str(uuid.uuid4()), "label": "bench phone"},
        token=admin,
    )
    if status != 201 or not key.get("api_key"):
        raise BenchError(f"issuing an API key answered {status}: {key}")
    api_key: str = key["api_key"]
    return api_key


# --- checking the log -------------------------------------------------------------------------


def _retry_unanswered(
    server: Server, run: WrkRun, run_nonce: str, token: str | None, spread: str
) -> dict[str, int]:
    """Resend, as a phone would, every request wrk sent but saw no answer to; statuses by key."""
    acked = set(run.acked)
    outcomes: dict[str, int] = {}
    for thread, sent in enumerate(run.sent, start=1):
        for n in range(1, sent + 1):
            key = sighting_key(run_nonce, thread, n)
            if key in acked:
                continue
            status, _ = post_raw(
                server.url + SIGHTINGS_PATH, sighting_body(run_nonce, thread, n, spread), token
            )
            outcomes[key] = status
    return outcomes


def _audit(db: Path, runs: list[Measured]) -> Audit:
    from magen.app.codec import decode
    from magen.domain.reports import ThreatSighted
    from magen.store.factory import open_log

    log = open_log(str(db))
    try:
        stored = log.read(0)
    finally:
        asyncio.run(log.close())
    positions = [s.position for s in stored]
    measured = tuple("sig_" + m.nonce for m in runs)
    keys = Counter[str]()
    for s in stored:
        event = decode(s).event
        if isinstance(event, ThreatSighted) and event.sighting_id.startswith(measured):
            keys[event.sighting_id.removeprefix("sig_")] += 1
    generated = {
        sighting_key(m.nonce, thread, n)
        for m in runs
        for thread, sent in enumerate(m.run.sent, start=1)
        for n in range(1, sent + 1)
    }
    retried = {k: status for m in runs for k, status in m.retried.items()}
    acked = {k for m in runs for k in m.run.acked}
    acknowledged = acked | {k for k, status in retried.items() if status == 201}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        journal_mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    return Audit(
        events_in_log=len(keys),
        generated=len(generated),
        unanswered_at_stop=len(retried),
        retried_created=sum(1 for s in retried.values() if s == 201),
        retried_replayed=sum(1 for s in retried.values() if s == 200),
        lost=len(acknowledged - keys.keys()),
        duplicated=sum(n - 1 for n in keys.values()),
        unexpected=len(keys.keys() - generated),
        gaps=len(positions) - len(set(positions) & set(range(1, len(positions) + 1))),
        retry_errors=sum(1 for s in retried.values() if s not in (200, 201)),
        journal_mode=journal_mode,
    )


# --- report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Several rounds against one server, taken together."""

    per_s: float  # 201 answers over the total measured time
    p50_ms: float  # the median over rounds of each round's percentile
    p90_ms: float
    p99_ms: float
    worst_p99_ms: float
    created: int
    requests: int
    errors: int
    cpu_us_per_req: float

    @classmethod
    def of(cls, runs: list[Measured]) -> Summary:
        seconds = sum(m.run.seconds for m in runs)
        requests = sum(m.run.requests for m in runs)
        return cls(
            per_s=sum(m.run.created for m in runs) / seconds if seconds else 0.0,
            p50_ms=statistics.median(m.run.ms("p50") for m in runs),
            p90_ms=statistics.median(m.run.ms("p90") for m in runs),
            p99_ms=statistics.median(m.run.ms("p99") for m in runs),
            worst_p99_ms=max(m.run.ms("p99") for m in runs),
            created=sum(m.run.created for m in runs),
            requests=requests,
            errors=sum(m.run.errors for m in runs),
            cpu_us_per_req=1e6 * sum(m.cpu_s for m in runs) / max(requests, 1),
        )


def _report(
    args: argparse.Namespace,
    server_cpus: str | None,
    client_cpus: str | None,
    magen_runs: list[Measured],
    bare_runs: list[Measured],
    audit: Audit,
) -> int:
    magen, bare = Summary.of(magen_runs), Summary.of(bare_runs)
    ratio = magen.per_s / bare.per_s if bare.per_s else 0.0
    cpu_ratio = bare.cpu_us_per_req / magen.cpu_us_per_req if magen.cpu_us_per_req else 0.0
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s x {args.rounds} rounds, "
        f"auth={args.auth}, spread={args.spread}, server cpus={server_cpus or 'any'}, "
        f"wrk cpus={client_cpus or 'any'}"
    )
    rows = [
        _row(name, i + 1, m)
        for name, runs in (
            ("magen (durable)", magen_runs),
            ("bare litestar" if args.bare == "plain" else "bare + shortcuts", bare_runs),
        )
        for i, m in enumerate(runs)
    ]
    header = ["endpoint", "round", "201/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "non-2xx"]
    print(table(rows, [*header, "cpu %", "cpu us/req"]))
    print(
        f"log: {audit.events_in_log:,} sightings for {audit.generated:,} requests generated; "
        f"{audit.unanswered_at_stop} unanswered at stop (retried: {audit.retried_replayed} "
        f"already stored, {audit.retried_created} stored by the retry); lost {audit.lost}, "
        f"duplicated {audit.duplicated}, unexpected {audit.unexpected}, gaps {audit.gaps}; "
        f"journal_mode={audit.journal_mode}"
    )
    print(
        f"magen {magen.per_s:,.0f} reports/s, p50 {magen.p50_ms:.1f} ms, p99 {magen.p99_ms:.1f} ms"
        f" (median of rounds); bare {bare.per_s:,.0f}/s; ratio {ratio:.2f} in requests per "
        f"second, {cpu_ratio:.2f} in CPU time per request"
    )
    errors = magen.errors + bare.errors + audit.retry_errors
    goals = {
        "reports_per_s": magen.per_s >= GOAL_PER_S,
        "p99_ms": magen.p99_ms <= GOAL_P99_MS,
        "ratio": ratio >= GOAL_RATIO,
    }
    result: dict[str, Any] = {
        "reports_per_s": round(magen.per_s, 1),
        "p50_ms": round(magen.p50_ms, 2),
        "p90_ms": round(magen.p90_ms, 2),
        "p99_ms": round(magen.p99_ms, 2),
        "worst_round_p99_ms": round(magen.worst_p99_ms, 2),
        "bare": args.bare,
        "bare_per_s": round(bare.per_s, 1),
        "bare_p50_ms": round(bare.p50_ms, 2),
        "bare_p99_ms": round(bare.p99_ms, 2),
        "ratio": round(ratio, 3),
        "events_in_log": audit.events_in_log,
        "acknowledged_201": magen.created,
        "unanswered_at_stop": audit.unanswered_at_stop,
        "lost": audit.lost,
        "duplicated": audit.duplicated,
        "errors": errors,
        "log_ok": audit.ok,
        # CPU time per request is what other load on a shared machine disturbs least; its
        # inverse is what one dedicated core could sustain.
        "cpu_us_per_req": round(magen.cpu_us_per_req, 1),
        "bare_cpu_us_per_req": round(bare.cpu_us_per_req, 1),
        "reports_per_cpu_s": round(1e6 / magen.cpu_us_per_req) if magen.cpu_us_per_req else None,
        "bare_per_cpu_s": round(1e6 / bare.cpu_us_per_req) if bare.cpu_us_per_req else None,
        "cpu_ratio": round(cpu_ratio, 3),
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": args.connections,
        "wrk_threads": args.threads,
        "auth": args.auth,
        "spread": args.spread,
        "pinned": server_cpus is not None,
        "journal_mode": audit.journal_mode,
        "goals_met": goals,
    }
    print(json.dumps(result))
    return 0 if audit.ok and errors == 0 else 1


def _row(name: str, round_: int, m: Measured) -> list[object]:
    run = m.run
    return [
        name,
        round_,
        run.created / run.seconds,
        run.ms("p50"),
        run.ms("p90"),
        run.ms("p99"),
        run.ms("max"),
        run.non_2xx,
        100 * m.cpu_s / run.seconds,
        1e6 * m.cpu_s / max(run.requests, 1),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
