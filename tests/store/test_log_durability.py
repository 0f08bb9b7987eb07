"""Durable backends: several OS processes on one log, SIGKILL under load, reopening."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from magen.store.base import EventConflict, EventLog, StoredEvent
from store.eventlog_kit import LogBackend, ev, ids, same, take

WORKER = Path(__file__).with_name("eventlog_worker.py")


def start_worker(url: str, name: str, *options: str) -> subprocess.Popen[str]:
    """A worker process appending to the log at `url` (see eventlog_worker.py)."""
    return subprocess.Popen(
        [sys.executable, str(WORKER), url, name, *options],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def await_ready(worker: subprocess.Popen[str]) -> None:
    assert worker.stdout is not None
    line = worker.stdout.readline()
    if line.strip() != "ready":
        _, err = worker.communicate(timeout=10)
        pytest.fail(f"worker did not start: {line!r} {err}")


def parse_acks(text: str) -> list[dict[str, Any]]:
    """The acknowledged batches a worker printed (a line cut short by a kill is not one)."""
    acks = []
    for line in text.splitlines():
        try:
            acks.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return acks


def assert_consistent(stored: list[StoredEvent]) -> dict[int, uuid.UUID]:
    """Positions 1..n with no gap, every id once; returns position -> id."""
    assert [s.position for s in stored] == list(range(1, len(stored) + 1))
    assert len({s.event_id for s in stored}) == len(stored)
    return {s.position: s.event_id for s in stored}


def read_all(backend: LogBackend, url: str) -> list[StoredEvent]:
    log = backend.open(url)
    try:
        return log.read()
    finally:
        asyncio.run(log.close())


# --- reopening -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_reopening_after_close_preserves_everything(durable_backend: LogBackend) -> None:
    url = durable_backend.fresh_url()
    log = durable_backend.open(url)
    first, second = [ev(), ev(), ev()], [ev(), ev()]
    await log.append(first)
    await log.append(second)
    before = log.read()
    await log.close()

    log = durable_backend.open(url)
    try:
        assert log.head() == 5
        assert log.read() == before
        # Idempotency survives the restart: retries and conflicts are recognised.
        assert await log.append(second) == [4, 5]
        with pytest.raises(EventConflict):
            await log.append([same(first[0], data=b'{"other":1}')])
        assert await log.append([ev()]) == [6]
        assert [s.position for s in await take(log, 0, 6)] == [1, 2, 3, 4, 5, 6]
    finally:
        await log.close()


@pytest.mark.anyio
async def test_writers_on_one_log_share_positions_and_idempotency(
    durable_backend: LogBackend,
) -> None:
    url = durable_backend.fresh_url()
    one, two = durable_backend.open(url), durable_backend.open(url)
    try:
        a, b = ev(), ev()
        assert await one.append([a]) == [1]
        assert await two.append([b, a]) == [2, 1]
        assert await one.append([b]) == [2]
        with pytest.raises(EventConflict):
            await one.append([ev(), same(b, type_="SosRaised")])
        batches = [[ev(), ev()] for _ in range(40)]
        results = await asyncio.gather(
            *((one if i % 2 else two).append(batch) for i, batch in enumerate(batches))
        )
        for batch, positions in zip(batches, results, strict=True):
            assert positions == [positions[0], positions[0] + 1]
            assert ids(one.read(positions[0] - 1, 2)) == [e.event_id for e in batch]
        assert_consistent(two.read())
        assert one.head() == two.head() == 82
    finally:
        await one.close()
        await two.close()


# --- several OS processes ------------------------------------------------------------------


def test_two_processes_appending_at_once_stay_gap_free_and_in_order(
    durable_backend: LogBackend,
) -> None:
    url = durable_backend.fresh_url()
    shared = 30
    workers = {
        name: start_worker(
            url, name, "--tasks", "4", "--batches", "150", "--shared", str(shared), "--wait-go"
        )
        for name in ("A", "B")
    }
    for worker in workers.values():
        await_ready(worker)
    # Both have the log open; release them together.
    for worker in workers.values():
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    acks: dict[str, list[dict[str, Any]]] = {}
    for name, worker in workers.items():
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        acks[name] = parse_acks(out)
        assert len(acks[name]) == 4 * 150

    stored = read_all(durable_backend, url)
    at = assert_consistent(stored)
    logged = set(at.values())
    printed = {uuid.UUID(i) for batches in acks.values() for a in batches for i in a["ids"]}
    assert printed == logged  # every event present, exactly once, nothing else

    shared_positions: dict[str, set[int]] = defaultdict(set)
    owner: dict[int, str] = {}
    for name, batches in acks.items():
        last_by_task: dict[int, int] = defaultdict(int)
        for ack in sorted(batches, key=lambda a: (a["task"], a["seq"])):
            pairs = list(zip(ack["ids"], ack["positions"], strict=True))
            for event_id, position in pairs:
                assert at[position] == uuid.UUID(event_id)
            own = [p for (_, p) in pairs if _is_own(stored, p)]
            shared_part = [(i, p) for (i, p) in pairs if not _is_own(stored, p)]
            # A process's own events: contiguous per batch, in the order it appended them.
            assert own == list(range(own[0], own[0] + len(own)))
            assert own[0] > last_by_task[ack["task"]]
            last_by_task[ack["task"]] = own[-1]
            for p in own:
                owner[p] = name
            for event_id, position in shared_part:
                shared_positions[event_id].add(position)
    # The same shared event from both processes landed once, at one position.
    assert len(shared_positions) == shared
    assert all(len(positions) == 1 for positions in shared_positions.values())
    # The two really wrote at the same time: their events interleave in the log.
    sequence = [owner[p] for p in sorted(owner)]
    switches = sum(1 for x, y in itertools.pairwise(sequence) if x != y)
    assert switches >= 2, "the processes did not overlap; the test proved nothing"


def _is_own(stored: list[StoredEvent], position: int) -> bool:
    return stored[position - 1].type == "WorkerAppended"


def test_sigkill_under_load_loses_no_acknowledged_event(durable_backend: LogBackend) -> None:
    url = durable_backend.fresh_url()
    acknowledged: dict[uuid.UUID, int] = {}
    for round_ in range(3):
        worker = start_worker(url, f"K{round_}", "--tasks", "16", "--forever", "--wait-go")
        await_ready(worker)
        assert worker.stdin is not None
        assert worker.stdout is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
        seen = 0
        lines = []
        while seen < 250:
            line = worker.stdout.readline()
            assert line, worker.communicate(timeout=10)[1]
            lines.append(line)
            seen += 1
        # Killed with appends in flight: some committed and answered, some half done.
        os.kill(worker.pid, signal.SIGKILL)
        rest, _ = worker.communicate(timeout=30)
        assert worker.returncode == -signal.SIGKILL
        for ack in parse_acks("".join(lines) + rest):
            for event_id, position in zip(ack["ids"], ack["positions"], strict=True):
                acknowledged[uuid.UUID(event_id)] = position

        at = assert_consistent(read_all(durable_backend, url))
        missing = [(i, p) for i, p in acknowledged.items() if at.get(p) != i]
        assert not missing, f"acknowledged but lost or moved: {missing[:5]}"
    assert len(acknowledged) > 3 * 250


@pytest.mark.anyio
async def test_subscriber_sees_events_another_process_appends(
    durable_backend: LogBackend,
) -> None:
    url = durable_backend.fresh_url()
    log: EventLog = durable_backend.open(url)
    try:
        await log.append([ev()])
        follower = asyncio.create_task(take(log, 1, 10, within=60))
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            url,
            "P",
            "--tasks",
            "2",
            "--batches",
            "5",
            "--largest-batch",
            "1",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await worker.communicate()
        assert worker.returncode == 0, err
        got = await follower
        printed = [uuid.UUID(i) for a in parse_acks(out.decode()) for i in a["ids"]]
        assert [s.position for s in got] == list(range(2, 12))
        assert set(ids(got)) == set(printed)
    finally:
        await log.close()
