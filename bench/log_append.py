"""Durable append throughput of the SQLite event log under concurrent asyncio callers.

Peers in the same run: the in-memory log (the ceiling: no disk at all) and a plain SQLite
connection committing each append on its own with the same WAL + synchronous=FULL settings
(what durability costs without group commit).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from magen.store.base import EventLog, NewEvent
from magen.store.memory import MemoryEventLog
from magen.store.sqlite import SqliteEventLog


def _event(caller: int, seq: int) -> NewEvent:
    body = json.dumps(
        {
            "type": "ThreatSighted",
            "caller": caller,
            "seq": seq,
            "where": {"lon": 34.5612, "lat": 31.3158},
            "note": "two armed men on foot heading north",
        }
    ).encode()
    return NewEvent(uuid.uuid4(), "ThreatSighted", body)


async def _load(
    log: EventLog, callers: int, per_caller: int, batch: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def caller(index: int) -> None:
        for seq in range(0, per_caller, batch):
            events = [_event(index, seq + k) for k in range(batch)]
            started = time.perf_counter()
            await log.append(events)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(caller(i) for i in range(callers)))
    return time.perf_counter() - started, latencies


def _naive(path: Path, total: int, batch: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, event_id BLOB NOT NULL UNIQUE,"
        " type TEXT NOT NULL, data BLOB NOT NULL) STRICT"
    )
    started = time.perf_counter()
    position = 0
    for seq in range(0, total, batch):
        events = [_event(0, seq + k) for k in range(batch)]
        conn.execute("BEGIN IMMEDIATE")
        rows = []
        for ev in events:
            position += 1
            rows.append((position, ev.event_id.bytes, ev.type, ev.data))
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return total / elapsed


async def _run(args: argparse.Namespace, directory: Path) -> dict[str, float | int]:
    # Whole batches only, so the counts below are exact.
    per_caller = max(args.events // args.callers // args.batch, 1) * args.batch
    warm = max(per_caller // 10 // args.batch, 1) * args.batch
    total = per_caller * args.callers

    log = SqliteEventLog(directory / "bench.db")
    for start in range(0, args.prefill, 5_000):
        await log.append([_event(-1, start + k) for k in range(min(5_000, args.prefill - start))])
    # Warm-up: lets the WAL file reach its working size, so its growth is not timed.
    await _load(log, args.callers, warm, args.batch)
    elapsed, latencies = await _load(log, args.callers, per_caller, args.batch)
    head = log.head()
    await log.close()
    assert head == args.prefill + total + args.callers * warm, head

    memory = MemoryEventLog()
    mem_elapsed, _ = await _load(memory, args.callers, per_caller, args.batch)

    naive_total = min(total, args.naive_events)
    naive_per_s = _naive(directory / "naive.db", naive_total, args.batch)

    latencies.sort()
    per_s = total / elapsed
    return {
        "events_per_s": round(per_s),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        "callers": args.callers,
        "batch": args.batch,
        "events": total,
        "prefill": args.prefill,
        "memory_per_s": round(total / mem_elapsed),
        "naive_per_s": round(naive_per_s),
        "ratio_vs_naive": round(per_s / naive_per_s, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="events in the timed run")
    parser.add_argument("--callers", type=int, default=64, help="concurrent asyncio callers")
    parser.add_argument("--batch", type=int, default=1, help="events per append")
    parser.add_argument("--prefill", type=int, default=0, help="events in the log beforehand")
    parser.add_argument("--naive-events", type=int, default=5_000, help="events for the peer")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the files")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="magen-bench-") as tmp:
        result = asyncio.run(_run(args, Path(tmp)))

    print(f"{'log':<34}{'events/s':>12}")
    print(f"{'sqlite, group commit, fsync':<34}{result['events_per_s']:>12,}")
    print(f"{'sqlite, commit per append, fsync':<34}{result['naive_per_s']:>12,}")
    print(f"{'memory (no disk)':<34}{result['memory_per_s']:>12,}")
    print(
        f"{result['callers']} callers x {result['batch']} event(s) per append, "
        f"{result['events']:,} events onto {result['prefill']:,}; append latency "
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms; "
        f"group commit is {result['ratio_vs_naive']}x per-append commits"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
