"""A separate OS process that appends to an event log and reports each acknowledged batch.

Run as `python eventlog_worker.py URL NAME [options]`. It prints `ready` once the log is open,
then (with --wait-go) waits for a line on stdin so several workers start together. Each
acknowledged batch is printed at once as one JSON line: {"task", "seq", "ids", "positions"}.
Event ids are derived from (name, task, seq, index) so the test can recompute them; shared
events (`--shared N`) carry the same id and body in every worker, as a retry from another
process would.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid

from magen.store.base import EventLog, NewEvent
from magen.store.factory import open_log

NAMESPACE = uuid.UUID("7d1c8b0e-4f7a-4a53-9a0c-2f5b3f1f6c11")


def batch_size(task: int, seq: int, largest: int) -> int:
    """How many events batch `seq` of `task` holds (deterministic, 1..largest)."""
    return 1 + (task * 7 + seq * 13) % largest


def own_event(name: str, task: int, seq: int, index: int) -> NewEvent:
    """The index-th event of a worker's own batch."""
    event_id = uuid.uuid5(NAMESPACE, f"{name}/{task}/{seq}/{index}")
    body = json.dumps({"worker": name, "task": task, "seq": seq, "index": index}).encode()
    return NewEvent(event_id, "WorkerAppended", body)


def shared_event(number: int) -> NewEvent:
    """An event every worker appends, identically."""
    event_id = uuid.uuid5(NAMESPACE, f"shared/{number}")
    return NewEvent(event_id, "SharedAppended", json.dumps({"shared": number}).encode())


async def _task(log: EventLog, args: argparse.Namespace, task: int) -> None:
    seq = 0
    while args.forever or seq < args.batches:
        events = [
            own_event(args.name, task, seq, i)
            for i in range(batch_size(task, seq, args.largest_batch))
        ]
        if task == 0 and seq < args.shared:
            events.append(shared_event(seq))
        positions = await log.append(events)
        line = {
            "task": task,
            "seq": seq,
            "ids": [str(ev.event_id) for ev in events],
            "positions": positions,
        }
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()
        seq += 1


async def _main(args: argparse.Namespace) -> None:
    log = open_log(args.url)
    print("ready", flush=True)
    if args.wait_go:
        await asyncio.to_thread(sys.stdin.readline)
    try:
        await asyncio.gather(*(_task(log, args, t) for t in range(args.tasks)))
    finally:
        await log.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("name")
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--largest-batch", type=int, default=4)
    parser.add_argument("--shared", type=int, default=0)
    parser.add_argument("--forever", action="store_true")
    parser.add_argument("--wait-go", action="store_true")
    asyncio.run(_main(parser.parse_args()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
