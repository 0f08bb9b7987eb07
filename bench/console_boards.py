"""The dispatcher's console refreshing its casualty and hospital boards at a disaster's size.

Casualties are filed through the service of a real app over an in-memory log (seeded): most
triaged at the scene, some on their way to one of the hospitals, some arrived or admitted,
a share discharged or dead, a few with a tourniquet on. Then each refresh of the console's
boards, as the live feed triggers it (one casualty changes before each), is timed in process
CPU seconds (the app runs in this process: the client's share is in it too) and its answers
counted in bytes as sent (the client takes gzip, as a browser does):

- what the console loaded until now: every casualty in full and every hospital (run with
  `--before-only` against the code before the console's read, to measure it as it was);
- what it loads now: the open casualties with the fields the console lists
  (`?status=open&view=summary`) and the hospitals, and the same two revalidated by ETag when
  nothing changed (304), and a second console asking at the same change.

    .venv/bin/python bench/console_boards.py                    # 5,000 casualties
    .venv/bin/python bench/console_boards.py --casualties 2000 --rounds 5
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from _inproc import staff_app
from magen.clock import ManualClock
from magen.domain import casualties as cas
from magen.domain import hospitals as hos
from magen.domain.base import SYSTEM, Actor
from magen.domain.people import AgeRange, Description, PersonName
from magen.domain.values import GeoPoint, Role

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
HOSPITALS = 8
RED = {"walks": False, "breathes": True, "respiratory_rate": 36}
YELLOW = {
    "walks": False,
    "breathes": True,
    "respiratory_rate": 20,
    "radial_pulse": True,
    "capillary_refill": "within_2s",
    "follows_commands": True,
}
GREEN = {"walks": True}
OLD = ("/api/v1/casualties", "/api/v1/hospitals")
NEW = ("/api/v1/casualties?status=open&view=summary", "/api/v1/hospitals")


# The server's own CPU: the app's thread's time while it answers (the client's decoding and
# parsing, in the same process, is left out).
_SERVER = [0.0]
_CALL = Litestar.__call__


async def _server_timed(self: Litestar, scope: Any, receive: Any, send: Any) -> None:
    began = time.thread_time()
    try:
        await _CALL(self, scope, receive, send)
    finally:
        _SERVER[0] += time.thread_time() - began


Litestar.__call__ = _server_timed  # type: ignore[method-assign]


def _timed(
    client: TestClient[Any], path: str, headers: dict[str, str]
) -> tuple[int, float, Any, float]:
    cpu, server = time.process_time(), _SERVER[0]
    r = client.get(path, headers=headers)
    spent = time.process_time() - cpu
    assert r.status_code in (200, 304), (path, r.status_code, r.text[:200])
    return r.num_bytes_downloaded, spent, r, _SERVER[0] - server  # bytes as sent


def _population(rng: random.Random, n: int) -> list[cas.RecordCasualty]:
    """The commands filing `n` casualties, each triaged at the scene."""
    out: list[cas.RecordCasualty] = []
    for i in range(n):
        at = START + timedelta(seconds=i * 2)
        out.append(
            cas.RecordCasualty(
                command_id=uuid.uuid4(),
                tag=f"T-{i:06d}",
                where=GeoPoint(lat=31.76 + rng.random() * 0.03, lon=35.20 + rng.random() * 0.03),
                place=rng.choice(("market", "bus station", "school gate", "main street")),
                found_at=at,
                description=Description(
                    sex=rng.choice(("male", "female")),
                    age=AgeRange(min_years=20, max_years=40),
                    clothing="dark trousers, white shirt, sandals",
                    marks="scar on the left forearm",
                ),
                name=PersonName(full_name=f"Person {i}") if rng.random() < 0.3 else None,
                protocol=cas.Protocol.START,
                answers=rng.choice((RED, YELLOW, GREEN, GREEN)),
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--casualties", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--before-only", action="store_true", help="the old console's calls only")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)

    clock = ManualClock(START)
    with staff_app(clock, "dispatcher", Role.DISPATCHER) as (client, handle, token):
        runtime = client.app.state["runtime"]
        auth = {"Authorization": f"Bearer {token}"}
        medic = Actor(account_id="bench-medic", role=Role.MEDIC)
        hospitals = [f"hospital-{k}" for k in range(HOSPITALS)]
        for k, h in enumerate(hospitals):
            handle(
                SYSTEM,
                hos.RegisterHospital(
                    command_id=uuid.uuid4(),
                    hospital_id=h,
                    name=f"Hospital {k}",
                    where=GeoPoint(lat=31.75 + k * 0.005, lon=35.18 + k * 0.005),
                    trauma_centre=k < 2,
                ),
            )
        started = time.perf_counter()
        ids: list[str] = []
        for command in _population(rng, args.casualties):
            clock.set(command.found_at or START)
            ids.append(str(handle(medic, command).events[0].event.casualty_id))
        # Three hours on: the tourniquets still on are past two hours, and say so.
        clock.set(START + timedelta(seconds=args.casualties * 2, hours=3))
        for c in ids:
            fate = rng.random()
            if fate < 0.05:
                handle(
                    medic,
                    cas.RecordIntervention(
                        command_id=uuid.uuid4(),
                        casualty_id=c,
                        kind=cas.InterventionKind.TOURNIQUET,
                        site=cas.BodySite.LEFT_LEG,
                    ),
                )
            if fate < 0.35:
                continue  # still at the scene
            h = rng.choice(hospitals)
            ride = cas.EvacuateCasualty(command_id=uuid.uuid4(), casualty_id=c, destination=h)
            handle(medic, ride)
            if fate < 0.5:
                continue
            handle(medic, cas.RecordArrival(command_id=uuid.uuid4(), casualty_id=c, hospital_id=h))
            if fate < 0.55:
                continue
            handle(medic, cas.AdmitCasualty(command_id=uuid.uuid4(), casualty_id=c))
            if fate < 0.65:
                continue
            if fate < 0.7:
                handle(medic, cas.RecordDeath(command_id=uuid.uuid4(), casualty_id=c))
            else:
                handle(medic, cas.DischargeCasualty(command_id=uuid.uuid4(), casualty_id=c))
        board = runtime.service.state.slice(cas.Casualties).by_id.values()
        by_status: dict[str, int] = {}
        for c in board:
            by_status[c.status.value] = by_status.get(c.status.value, 0) + 1
        print(
            f"{len(ids):,} casualties ({by_status}) and {HOSPITALS} hospitals filed in "
            f"{time.perf_counter() - started:.0f} s"
        )

        waiting = [
            c
            for c in ids
            if runtime.service.state.slice(cas.Casualties).by_id[c].status
            is cas.CasualtyStatus.AT_SCENE
        ]

        def one_change(n: int) -> None:  # what the live feed reports before each refresh
            handle(
                medic,
                cas.EvacuateCasualty(
                    command_id=uuid.uuid4(), casualty_id=waiting[n], destination=hospitals[0]
                ),
            )

        results: dict[str, list[tuple[int, float, float]]] = {}

        def note(name: str, answers: list[tuple[int, float, Any, float]]) -> None:
            size = sum(a[0] for a in answers)
            results.setdefault(name, []).append(
                (size, sum(a[1] for a in answers), sum(a[3] for a in answers))
            )

        for n in range(args.rounds):
            # Each refresh measured follows a change, as on the live feed: nothing kept holds.
            one_change(2 * n)
            old = [_timed(client, p, auth) for p in OLD]
            note("every casualty + hospitals", old)
            note("  every casualty", old[:1])
            if args.before_only:
                continue
            one_change(2 * n + 1)
            new = [_timed(client, p, auth) for p in NEW]
            note("open summary + hospitals", new)
            note("  open summary", new[:1])
            note("  hospitals", new[1:])
            again = [
                _timed(client, p, {**auth, "If-None-Match": a[2].headers["etag"]})
                for p, a in zip(NEW, new, strict=True)
            ]
            assert all(a[2].status_code == 304 for a in again)
            note("unchanged: both 304", again)
            # A second console at the same change (its first load): answered from what is kept.
            note("2nd console, same change", [_timed(client, p, auth) for p in NEW])
        print(f"{'refresh':28} {'bytes sent':>11} {'CPU ms':>7} {'server CPU ms':>14}  (medians)")
        for name, rows in results.items():
            cpu = statistics.median(r[1] for r in rows) * 1000
            server = statistics.median(r[2] for r in rows) * 1000
            print(f"{name:28} {rows[-1][0]:>11,} {cpu:>7.1f} {server:>14.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
