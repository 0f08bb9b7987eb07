"""Durable sighting ingest over real HTTP, beside a bare validated endpoint of the same framework.

Starts Magen (uvicorn, one worker, uvloop + httptools, access log off) on a fresh SQLite
database, signs in a responder through the real API, and drives POST /api/v1/sightings with
wrk: several connections, a unique command id and place per request, for a fixed time. Then it
retries every request still unanswered when wrk stopped (as a phone would) and checks the log:
every acknowledged report is in it once, nothing else is. The same load then hits a bare
Litestar endpoint validating the same model without auth, rules or storage.

    .venv/bin/python bench/ingest.py [--seconds 10] [--connections 64] [--pin]

Prints a table, then one JSON line: reports_per_s, p50_ms, p99_ms, bare_per_s, ratio, ...
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="magen bench ingest", description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="measured load per server")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured load first")
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
    parser.add_argument("--dir", help="where to make the temporary database (default: TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the database and server logs")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except BenchError as exc:
        print(f"bench ingest: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    server_cpus, client_cpus = cpu_split(args.pin)
    load = {
        "seconds": args.seconds,
        "threads": args.threads,
        "connections": args.connections,
        "cpus": client_cpus,
        "spread": args.spread,
    }
    with workspace(args.keep, args.dir) as work:
        db = work / "magen.db"
        _add_admin(db)
        env = {"MAGEN_DB": str(db)}
        with serve("magen.api.app:asgi_app", env=env, cpus=server_cpus, workdir=work) as server:
            token = _responder_credential(server, args.auth)
            if args.warmup > 0:
                warm = {**load, "seconds": args.warmup}
                run_wrk(server.url, run_nonce=nonce(), workdir=work, token=token, **warm)
            run_nonce = nonce()
            cpu0 = server.cpu_seconds()
            magen = run_wrk(server.url, run_nonce=run_nonce, workdir=work, token=token, **load)
            magen_cpu = server.cpu_seconds() - cpu0
            retried = _retry_unanswered(server, magen, run_nonce, token, args.spread)
        audit = _audit(db, magen, run_nonce, retried)

        with serve("_bare:litestar_app", cpus=server_cpus, workdir=work) as bare_server:
            if args.warmup > 0:
                warm = {**load, "seconds": args.warmup}
                run_wrk(bare_server.url, run_nonce=nonce(), workdir=work, **warm)
            cpu0 = bare_server.cpu_seconds()
            bare = run_wrk(bare_server.url, run_nonce=nonce(), workdir=work, **load)
            bare_cpu = bare_server.cpu_seconds() - cpu0

    return _report(args, server_cpus, client_cpus, magen, magen_cpu, bare, bare_cpu, audit)


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
    server: Server, run: WrkRun, run_nonce: str, token: str, spread: str
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


def _audit(db: Path, run: WrkRun, run_nonce: str, retried: dict[str, int]) -> Audit:
    from magen.app.codec import decode
    from magen.domain.reports import ThreatSighted
    from magen.store.factory import open_log

    log = open_log(str(db))
    try:
        stored = log.read(0)
    finally:
        asyncio.run(log.close())
    positions = [s.position for s in stored]
    keys = Counter[str]()
    for s in stored:
        event = decode(s).event
        if isinstance(event, ThreatSighted) and event.sighting_id.startswith("sig_" + run_nonce):
            keys[event.sighting_id.removeprefix("sig_")] += 1
    generated = {
        sighting_key(run_nonce, thread, n)
        for thread, sent in enumerate(run.sent, start=1)
        for n in range(1, sent + 1)
    }
    acknowledged = set(run.acked) | {k for k, status in retried.items() if status == 201}
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


def _report(
    args: argparse.Namespace,
    server_cpus: str | None,
    client_cpus: str | None,
    magen: WrkRun,
    magen_cpu: float,
    bare: WrkRun,
    bare_cpu: float,
    audit: Audit,
) -> int:
    reports_per_s = magen.created / magen.seconds
    bare_per_s = bare.created / bare.seconds
    ratio = reports_per_s / bare_per_s if bare_per_s else 0.0
    magen_cpu_us = 1e6 * magen_cpu / max(magen.requests, 1)
    bare_cpu_us = 1e6 * bare_cpu / max(bare.requests, 1)
    rows = [
        _row("magen (durable)", magen, magen_cpu),
        _row("bare litestar", bare, bare_cpu),
    ]
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, auth={args.auth}, "
        f"spread={args.spread}, server cpus={server_cpus or 'any'}, "
        f"wrk cpus={client_cpus or 'any'}"
    )
    header = ["endpoint", "201/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "non-2xx", "cpu %"]
    print(table(rows, [*header, "cpu us/req"]))
    print(
        f"log: {audit.events_in_log:,} sightings for {audit.generated:,} requests generated; "
        f"{audit.unanswered_at_stop} unanswered at stop (retried: {audit.retried_replayed} "
        f"already stored, {audit.retried_created} stored by the retry); lost {audit.lost}, "
        f"duplicated {audit.duplicated}, unexpected {audit.unexpected}, gaps {audit.gaps}; "
        f"journal_mode={audit.journal_mode}"
    )
    print(
        f"ratio magen/bare = {ratio:.2f} in requests per second, "
        f"{bare_cpu_us / magen_cpu_us if magen_cpu_us else 0:.2f} in CPU time per request"
    )
    errors = magen.errors + bare.errors + audit.retry_errors
    goals = {
        "reports_per_s": reports_per_s >= GOAL_PER_S,
        "p99_ms": magen.ms("p99") <= GOAL_P99_MS,
        "ratio": ratio >= GOAL_RATIO,
    }
    result: dict[str, Any] = {
        "reports_per_s": round(reports_per_s, 1),
        "p50_ms": round(magen.ms("p50"), 2),
        "p90_ms": round(magen.ms("p90"), 2),
        "p99_ms": round(magen.ms("p99"), 2),
        "bare_per_s": round(bare_per_s, 1),
        "bare_p50_ms": round(bare.ms("p50"), 2),
        "bare_p99_ms": round(bare.ms("p99"), 2),
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
        "cpu_us_per_req": round(magen_cpu_us, 1),
        "bare_cpu_us_per_req": round(bare_cpu_us, 1),
        "reports_per_cpu_s": round(1e6 / magen_cpu_us) if magen_cpu_us else None,
        "bare_per_cpu_s": round(1e6 / bare_cpu_us) if bare_cpu_us else None,
        "seconds": args.seconds,
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


def _row(name: str, run: WrkRun, cpu_s: float) -> list[object]:
    return [
        name,
        run.created / run.seconds,
        run.ms("p50"),
        run.ms("p90"),
        run.ms("p99"),
        run.ms("max"),
        run.non_2xx,
        100 * cpu_s / run.seconds,
        1e6 * cpu_s / max(run.requests, 1),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
