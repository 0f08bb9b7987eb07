"""The registrar's desk refreshing at a disaster's size: bytes and server time per refresh.

A seeded synthetic population (`magen.people.synth`, as bench/matching.py) is filed through
the service of a real app over an in-memory log: missing-person reports, casualties and
survivor check-ins, then proposed matches waiting for a registrar (true pairs) and confirmed
ones whose families are still to be told. Then each refresh of the desk, as the live feed
triggers it (one new report filed before each), is timed in process CPU seconds (the app runs
in this process) and its answers counted in bytes:

- before: what the desk loaded until now: the whole board (every report, survivor and match,
  the route as it was, mounted at /bench/old-board), every casualty and every hospital;
- after: GET /persons/board (the work and counts) and GET /persons/search (the newest page
  of open reports, as the desk opens), and the same two revalidated by ETag when nothing
  they show changed (304, no body);
- a name search as the registrar types it.

    .venv/bin/python bench/registry_board.py                      # 100,000 x 20,000
    .venv/bin/python bench/registry_board.py --missing 5000 --records 1000
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import get
from litestar.testing import TestClient

from _inproc import staff_app
from magen.api.deps import ActorDep, ServiceDep
from magen.app.auth import Audience, sees
from magen.clock import ManualClock
from magen.domain import casualties as cas
from magen.domain import persons as per
from magen.domain.base import Actor, Command
from magen.domain.errors import Forbidden, InvalidCommand
from magen.domain.people import AgeRange, Description, PersonName
from magen.domain.values import GeoPoint, Role
from magen.people.matching import PersonRecord, RecordKind
from magen.people.synth import generate

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)


@get("/bench/old-board")
async def old_board(service: ServiceDep, actor: ActorDep) -> dict[str, Any]:
    """GET /persons/board as it was: every report, survivor and match."""
    if not sees(actor, Audience.REGISTRY):
        raise Forbidden("registry only")
    persons = service.state.slice(per.Persons)
    return {
        "missing": list(persons.missing.values()),
        "survivors": list(persons.survivors.values()),
        "matches": list(persons.matches.values()),
    }


def _name(record: PersonRecord) -> PersonName:
    return PersonName(full_name=record.names[0], alternates=record.names[1:4])


def _age(record: PersonRecord) -> AgeRange | None:
    if record.age_min is None or record.age_max is None:
        return None
    low = max(0, min(int(record.age_min), 120))
    return AgeRange(min_years=low, max_years=max(low, min(int(record.age_max), 120)))


def _description(record: PersonRecord) -> Description:
    sex = record.sex if record.sex in ("male", "female") else None
    return Description.model_validate(
        {
            "sex": sex,
            "hair": (record.hair or "")[:200],
            "clothing": (record.clothing or "")[:1000],
            "marks": (record.marks or "")[:1000],
        }
    )


def _where(record: PersonRecord) -> GeoPoint | None:
    if record.lat is None or record.lon is None:
        return None
    return GeoPoint(lat=record.lat, lon=record.lon)


def _command(record: PersonRecord, i: int) -> Command | None:
    cid = uuid.uuid4()
    if record.kind is RecordKind.MISSING:
        if not record.names:
            return None
        return per.ReportMissingPerson(
            command_id=cid,
            name=_name(record),
            date_of_birth=record.birth_date.isoformat() if record.birth_date else None,
            age=None if record.birth_date else _age(record),
            description=_description(record),
            last_seen_place="near home",
            last_seen_where=_where(record),
            last_seen_at=record.time,
            contact={"name": "family", "relation": "parent", "phone": "050-0000000"},
        )
    if record.kind is RecordKind.SURVIVOR:
        if not record.names:
            return None
        return per.CheckInSurvivor(
            command_id=cid,
            name=_name(record),
            age=_age(record),
            description=_description(record),
            place="community centre shelter",
            where=_where(record),
        )
    return cas.RecordCasualty(
        command_id=cid,
        tag=f"T-{i:06d}",
        where=_where(record),
        place="scene",
        description=_description(record).model_copy(update={"age": _age(record)}),
        name=_name(record) if record.names else None,
    )


@contextmanager
def _desk(
    start: datetime,
) -> Iterator[tuple[TestClient[Any], Callable[[Actor, Command], Any], str]]:
    with staff_app(ManualClock(start), "registrar", Role.REGISTRAR, handlers=[old_board]) as desk:
        yield desk


def _timed(client: TestClient[Any], path: str, headers: dict[str, str]) -> tuple[int, float, Any]:
    cpu = time.process_time()
    r = client.get(path, headers=headers)
    spent = time.process_time() - cpu
    assert r.status_code in (200, 304), (path, r.status_code, r.text[:200])
    return len(r.content), spent, r


def main(argv: list[str] | None = None) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--missing", type=int, default=100_000)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--pending", type=int, default=300, help="proposed matches waiting")
    ap.add_argument("--to-tell", type=int, default=50, help="families waiting to be told")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    pop = generate(random.Random(args.seed), missing_reports=args.missing, records=args.records)
    seen = [r.time for r in (*pop.reports, *pop.records) if r.time is not None]
    start = max([START, *seen]) + timedelta(hours=1)  # every report is of the past
    with _desk(start) as (client, handle, token):
        registrar = Actor(account_id=None, role=Role.REGISTRAR)
        medic = Actor(account_id=None, role=Role.MEDIC)
        auth = {"Authorization": f"Bearer {token}"}
        ids: dict[str, tuple[str, str]] = {}  # synth id -> (kind, magen id)
        refused = 0  # records the rules refuse as filed (a garbled birth date after the day)
        started = time.perf_counter()
        for i, record in enumerate((*pop.reports, *pop.records)):
            command = _command(record, i)
            if command is None:
                continue
            try:
                done = handle(
                    medic if isinstance(command, cas.RecordCasualty) else registrar, command
                )
            except InvalidCommand:
                refused += 1
                continue
            kind = {
                RecordKind.MISSING: "missing",
                RecordKind.SURVIVOR: "survivor",
                RecordKind.CASUALTY: "casualty",
            }[record.kind]
            field = {"missing": "report_id", "survivor": "survivor_id", "casualty": "casualty_id"}
            ids[record.id] = (kind, str(getattr(done.events[0].event, field[kind])))
        truth = sorted(pop.truth)
        random.Random(args.seed).shuffle(truth)
        proposed: list[str] = []
        for report, other in truth[: args.pending + args.to_tell]:
            if report not in ids or other not in ids:
                continue
            kind, candidate = ids[other]
            done = handle(
                registrar,
                per.ProposeMatch(
                    command_id=uuid.uuid4(),
                    report_id=ids[report][1],
                    candidate_kind=per.CandidateKind(kind),
                    candidate_id=candidate,
                    score=0.93,
                    explanation="likely the same person: name, birth date, sex and hair agree",
                ),
            )
            proposed.append(str(done.events[0].event.match_id))
        officer = Actor(account_id="bench-registrar", role=Role.REGISTRAR)
        for match_id in proposed[: args.to_tell]:
            handle(officer, per.ConfirmMatch(command_id=uuid.uuid4(), match_id=match_id))
        persons = client.app.state["runtime"].service.state.slice(per.Persons)
        print(
            f"filed {len(persons.missing):,} reports, {len(persons.survivors):,} survivors, "
            f"{len(ids) - len(persons.missing) - len(persons.survivors):,} casualties, "
            f"{len(persons.matches):,} matches in {time.perf_counter() - started:.0f} s "
            f"({refused} records refused by the rules as generated)"
        )

        def one_more(n: int) -> None:  # what the live feed reports before each refresh
            handle(
                registrar,
                per.ReportMissingPerson(
                    command_id=uuid.uuid4(),
                    name=PersonName(full_name=f"Late Report {n}"),
                    contact={"name": "family"},
                ),
            )

        results: dict[str, list[tuple[int, float]]] = {}

        def note(name: str, size: int, spent: float) -> None:
            results.setdefault(name, []).append((size, spent))

        search = "/api/v1/persons/search?limit=50&status=searching&q="
        for n in range(args.rounds):
            one_more(n)
            sizes = [_timed(client, p, auth) for p in ("/bench/old-board",)]
            sizes += [_timed(client, p, auth) for p in ("/api/v1/casualties", "/api/v1/hospitals")]
            note("before: desk refresh", sum(s for s, _, _ in sizes), sum(t for _, t, _ in sizes))
            note("before: board only", sizes[0][0], sizes[0][1])
            board = _timed(client, "/api/v1/persons/board", auth)
            page = _timed(client, search, auth)
            note("after: desk refresh", board[0] + page[0], board[1] + page[1])
            note("after: board only", board[0], board[1])
            note("after: search page", page[0], page[1])
            # The same refresh once more: nothing changed, each answer revalidated by ETag.
            same = [
                _timed(client, p, {**auth, "If-None-Match": r.headers["etag"]})
                for p, r in (("/api/v1/persons/board", board[2]), (search, page[2]))
            ]
            assert all(r.status_code == 304 for _, _, r in same)
            note("after: unchanged (304)", sum(s for s, _, _ in same), sum(t for _, t, _ in same))
            for q in ("cohen", "כהן", "a"):
                found = _timed(client, f"/api/v1/persons/search?limit=50&q={q}", auth)
                note(f"search q={q!r}", found[0], found[1])
        counts = json.loads(board[2].content)["counts"]
        print(f"board counts: {json.dumps(counts)}")
        print(f"{'refresh':28} {'bytes':>12} {'CPU ms (median)':>16}")
        for name, rows in results.items():
            size = rows[-1][0]
            ms = statistics.median(t for _, t in rows) * 1000
            print(f"{name:28} {size:>12,} {ms:>16.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
