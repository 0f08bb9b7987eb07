"""Litestar against FastAPI on the same bare validated insert endpoint, under the same load.

Both apps (bench/_bare.py) validate Magen's `ReportSighting` with pydantic, insert it into an
in-memory dict and answer 201; both run under uvicorn with one worker, uvloop, httptools and no
access log, driven by the same wrk script. Rounds alternate which framework goes first, so drift
in the machine's load does not favour either; the summary is the median of the rounds, and the
server's own CPU time per request is shown beside throughput because it is the figure that
other work on a shared machine disturbs least.

    .venv/bin/python bench/framework.py [--seconds 10] [--connections 64] [--rounds 2] [--pin]

Prints a table, then one JSON line: litestar_per_s, fastapi_per_s, ratio, p99s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import BenchError, WrkRun, cpu_split, nonce, run_wrk, serve, table, workspace

APPS = {"litestar": "_bare:litestar_app", "fastapi": "_bare:fastapi_app"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="magen bench framework", description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="measured load per run")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured load first")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3, help="runs per framework, alternating")
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="pin the server to one CPU and wrk to another (taskset)",
    )
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except BenchError as exc:
        print(f"bench framework: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    server_cpus, client_cpus = cpu_split(args.pin)
    load = {"threads": args.threads, "connections": args.connections, "cpus": client_cpus}
    runs: dict[str, list[tuple[WrkRun, float]]] = {name: [] for name in APPS}
    with workspace(keep=False) as work:
        for r in range(args.rounds):
            order = list(APPS) if r % 2 == 0 else list(reversed(APPS))
            for name in order:
                with serve(APPS[name], cpus=server_cpus, workdir=work) as server:
                    if args.warmup > 0:
                        run_wrk(server.url, run_nonce=nonce(), workdir=work,
                                seconds=args.warmup, **load)  # fmt: skip
                    cpu0 = server.cpu_seconds()
                    run = run_wrk(
                        server.url, run_nonce=nonce(), workdir=work, seconds=args.seconds, **load
                    )
                    cpu_us = 1e6 * (server.cpu_seconds() - cpu0) / max(run.requests, 1)
                    runs[name].append((run, cpu_us))

    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s x {args.rounds} rounds, "
        f"server cpus={server_cpus or 'any'}, wrk cpus={client_cpus or 'any'}"
    )
    rows = [
        [name, i + 1, run.created / run.seconds, run.ms("p50"), run.ms("p99"), cpu, run.non_2xx]
        for name, name_runs in runs.items()
        for i, (run, cpu) in enumerate(name_runs)
    ]
    header = ["framework", "round", "201/s", "p50 ms", "p99 ms", "cpu us/req", "non-2xx"]
    print(table(rows, header))
    summary = {name: _summary(name_runs) for name, name_runs in runs.items()}
    ratio = summary["litestar"]["per_s"] / summary["fastapi"]["per_s"]
    cpu_ratio = summary["fastapi"]["cpu_us_per_req"] / summary["litestar"]["cpu_us_per_req"]
    print(
        f"litestar / fastapi: {ratio:.2f}x the requests per second, "
        f"{cpu_ratio:.2f}x fewer CPU microseconds per request (medians of {args.rounds} rounds)"
    )
    errors = sum(run.errors for name_runs in runs.values() for run, _ in name_runs)
    result: dict[str, Any] = {
        "litestar_per_s": summary["litestar"]["per_s"],
        "litestar_p50_ms": summary["litestar"]["p50_ms"],
        "litestar_p99_ms": summary["litestar"]["p99_ms"],
        "litestar_cpu_us_per_req": summary["litestar"]["cpu_us_per_req"],
        "fastapi_per_s": summary["fastapi"]["per_s"],
        "fastapi_p50_ms": summary["fastapi"]["p50_ms"],
        "fastapi_p99_ms": summary["fastapi"]["p99_ms"],
        "fastapi_cpu_us_per_req": summary["fastapi"]["cpu_us_per_req"],
        "ratio": round(ratio, 3),
        "cpu_ratio": round(cpu_ratio, 3),
        "errors": errors,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": args.connections,
        "pinned": server_cpus is not None,
    }
    print(json.dumps(result))
    return 0 if errors == 0 else 1


def _summary(runs: list[tuple[WrkRun, float]]) -> dict[str, float]:
    return {
        "per_s": round(statistics.median(r.created / r.seconds for r, _ in runs), 1),
        "p50_ms": round(statistics.median(r.ms("p50") for r, _ in runs), 2),
        "p99_ms": round(statistics.median(r.ms("p99") for r, _ in runs), 2),
        "cpu_us_per_req": round(statistics.median(cpu for _, cpu in runs), 1),
    }


if __name__ == "__main__":
    raise SystemExit(main())
