"""Incremental fusion throughput and accuracy on a generated city-wide attack.

Hundreds of groups walk (some first drive) a large street grid for an hour while residents
and responders report them with noise in place, time and count, duplicates, late and false
reports and one flooding anonymous source (`magen.picture.synthetic`). Every sighting goes
through `Fuser.ingest` in log order; only that is timed. Precision, recall and the
attacker-count error are judged at checkpoints against the truth.

Peer in the same run: what a map of raw reports shows, the Ofakim failure mode: reports
clustered by place (150 m, 5 minutes) with each cluster's attackers the sum of its claims.

The same sightings are fused twice: measuring how far a group could have moved in straight
lines, and along the streets (`StreetGraphMetric`, what a server with a town pack does). The
street gate runs only for a sighting farther from a track than its noise allows, so its cost
is the street searches those few need (counted in the output, with which search ran them:
"compiled", stopping at its targets, or scipy's dijkstra where the extension is not built).
`--town` plays the attack on a real town pack's streets instead of the generated grid:

    .venv/bin/python bench/fusion.py --town jerusalem --groups 150
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import hashlib
import json
import math
import time
from pathlib import Path

import numpy as np

from magen.api.app import settle_heap, unsettle_heap
from magen.picture.fusion import Fuser, TrackStatus
from magen.picture.metric import StreetGraphMetric, town_metric
from magen.picture.synthetic import (
    Evaluation,
    Scenario,
    ScenarioSpec,
    Streets,
    evaluate,
    generate,
    grid_streets,
    town_streets,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PACKS = ROOT / "var" / "bench"
SHELTERS = [
    DATA / "shelters_jerusalem_2025-09.geojson",
    DATA / "shelters_jerusalem_2025-06.geojson",
]
TOWNS = {"baka": DATA / "jerusalem_baka_2016.osm", "jerusalem": DATA / "jerusalem_2016.osm.pbf"}


def _naive(scenario: Scenario, upto: int, now_s: float) -> tuple[int, int]:
    """Clusters of raw reports with >= 3 reporters seen in the last 5 minutes; summed claims."""
    radius, window = 150.0, 300.0
    cell: dict[tuple[int, int], list[int]] = {}
    centres: list[tuple[float, float, float]] = []  # x, y, last seen
    members: list[list[int]] = []
    start = scenario.spec.start
    reports = scenario.sightings[:upto]
    for k, s in enumerate(reports):
        x, y = scenario.frame.to_xy(s.report.lon, s.report.lat)
        t = (s.report.observed_at - start).total_seconds()
        cx, cy = math.floor(x / radius), math.floor(y / radius)
        best, best_d = -1, radius
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for c in cell.get((gx, gy), ()):
                    px, py, seen = centres[c]
                    d = math.hypot(x - px, y - py)
                    if d <= best_d and abs(t - seen) <= window:
                        best, best_d = c, d
        if best < 0:
            best = len(centres)
            centres.append((x, y, t))
            members.append([])
            cell.setdefault((cx, cy), []).append(best)
        else:
            px, py, seen = centres[best]
            centres[best] = (px, py, max(seen, t))
        members[best].append(k)
    groups = attackers = 0
    for c, ks in enumerate(members):
        if now_s - centres[c][2] > window:
            continue
        if len({reports[k].report.reporter for k in ks}) < 3:
            continue
        groups += 1
        attackers += sum(reports[k].report.count or 0 for k in ks)
    return groups, attackers


def _true_scale(scenario: Scenario, upto: int, now_s: float) -> tuple[int, int]:
    """Groups reported in the last 5 minutes by >= 3 people, and their attackers."""
    people: dict[int, set[str]] = {}
    recent: set[int] = set()
    for s in scenario.sightings[:upto]:
        if s.group is None:
            continue
        people.setdefault(s.group, set()).add(s.report.reporter)
        if now_s - (s.report.observed_at - scenario.spec.start).total_seconds() <= 300:
            recent.add(s.group)
    shown = [g for g in recent if len(people[g]) >= 3]
    return len(shown), sum(scenario.groups[g].size for g in shown)


@dataclasses.dataclass
class _Run:
    """One fusion of the scenario's sightings under one metric."""

    name: str
    sightings: int
    spent: float  # seconds in ingest, wall
    cpu: float  # and CPU
    judged: list[Evaluation]
    scale: list[tuple[float, int, int, int, int, int, int]]
    street_queries: int = 0
    street_searches: int = 0
    state_sha: str = ""  # of the whole fuser's state at the end (`Fuser.state`)

    def summary(self) -> dict[str, object]:
        late = self.judged[len(self.judged) // 3 :]  # once the picture has had time to form
        out: dict[str, object] = {
            "sightings_per_s": round(self.sightings / self.spent),
            "sightings_per_cpu_s": round(self.sightings / self.cpu),
            "ingest_s": round(self.spent, 3),
            "precision": round(float(np.mean([e.precision for e in late])), 4),
            "recall": round(float(np.mean([e.recall for e in late])), 4),
            "count_error": round(float(np.mean([e.count_error for e in late])), 4),
            "position_error_m": round(float(np.median([e.position_error_m for e in late])), 1),
            "flood_credible_tracks": sum(e.flood_credible for e in self.judged),
            "fused_attackers": self.scale[-1][4],
            "state_sha256": self.state_sha,
        }
        if self.name == "streets":
            out["street_queries"] = self.street_queries
            out["street_searches"] = self.street_searches
            out["street_search"] = _search_kind()
        return out


def _fuse(
    scenario: Scenario,
    marks: list[float],
    name: str,
    metric: StreetGraphMetric | None,
    collector: str = "serving",
) -> _Run:
    """Every sighting through `Fuser.ingest` in log order (only that is timed), judged at marks.

    `collector` "serving" runs the garbage collector as a server does while it folds live
    reports (`settle_heap`: what outlives a young collection is frozen, so the full passes
    over the growing picture that CPython's defaults make never happen); "default" leaves
    CPython's settings.
    """
    # The previous run's fuser is cyclic garbage until a full collection: left in the heap,
    # the collector's passes over it were charged to this run (14.4k sightings/s measured
    # second against 18.8k alone, on Jerusalem's streets).
    unsettle_heap()
    gc.collect()
    if collector == "serving":
        settle_heap()
    fuser = Fuser(metric=metric)
    sightings = scenario.sightings
    spent = 0.0
    cpu = 0.0
    k = 0
    judged: list[Evaluation] = []
    scale: list[tuple[float, int, int, int, int, int, int]] = []
    for mark in marks:
        upto = k
        while upto < len(sightings) and sightings[upto].arrival_s <= mark:
            upto += 1
        batch = [s.report for s in sightings[k:upto]]
        started, started_cpu = time.perf_counter(), time.process_time()
        for report in batch:
            fuser.ingest(report)
        spent += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        k = upto
        now = scenario.at(mark)
        ev = evaluate(scenario, fuser, k, now)
        judged.append(ev)
        views = fuser.tracks(now)
        shown = [v for v in views if v.credible and v.status is not TrackStatus.STALE]
        fused_attackers = sum(v.size.estimate or 1 for v in shown)
        true_groups, true_attackers = _true_scale(scenario, k, mark)
        naive_groups, naive_attackers = _naive(scenario, k, mark)
        scale.append(
            (
                mark,
                true_groups,
                true_attackers,
                len(shown),
                fused_attackers,
                naive_groups,
                naive_attackers,
            )
        )
    # The state's repr spells every float exactly, so equal digests mean equal pictures: how
    # a change to fusion's speed shows it changed no track.
    # (The pairs kept apart are a set of sets: sorted, found by type rather than by place in
    # `Fuser.state`, so the digest hangs neither on string hashing nor on that tuple's layout.)
    state = [
        sorted(sorted(pair) for pair in part) if isinstance(part, frozenset) else part
        for part in fuser.state()
    ]
    digest = hashlib.sha256(repr(state).encode()).hexdigest()[:16]
    run = _Run(name, k, spent, cpu, judged, scale, state_sha=digest)
    if metric is not None:
        run.street_queries, run.street_searches = metric.queries, metric.searches
    return run


def _search_kind() -> str:
    """Which street search the metric runs: the compiled one, or scipy's without it."""
    from magen.picture import metric as metric_module

    # (getattr: the bench also measures trees from before the compiled search.)
    return "scipy" if getattr(metric_module, "_nearest", None) is None else "compiled"


def _table(run: _Run) -> None:
    print(f"fusion measuring {'along streets' if run.name == 'streets' else 'in straight lines'}:")
    print(
        f"{'minute':>6}{'groups':>8}{'fused':>7}{'naive':>7}{'attackers':>11}{'fused':>7}"
        f"{'naive':>8}{'precision':>11}{'recall':>8}{'count err':>11}"
    )
    for (mark, tg, ta, fg, fa, ng, na), ev in zip(run.scale, run.judged, strict=True):
        print(
            f"{mark / 60:>6.0f}{tg:>8}{fg:>7}{ng:>7}{ta:>11}{fa:>7}{na:>8}"
            f"{ev.precision:>11.3f}{ev.recall:>8.3f}{ev.count_error:>11.3f}"
        )


def _town_streets(name: str) -> tuple[Streets, StreetGraphMetric, str]:
    """A town pack's walking streets and its street metric: a pack path, or a town in data/."""
    from magen.geo.errors import TownImportError
    from magen.geo.importer import import_town
    from magen.geo.town import load_town, read_town_header

    sources = TOWNS.get(name)
    if sources is None:
        pack = Path(name)
    else:
        # The name bench/dispatch.py compiles the full Jerusalem pack under: shared.
        pack = PACKS / f"{sources.name.split('.')[0]}.town.npz"
        # A pack of an older format (the shared cache outlives releases) is compiled again.
        try:
            read_town_header(pack)
        except TownImportError:
            PACKS.mkdir(parents=True, exist_ok=True)
            print(f"compiling the {name} town pack into {pack}...", flush=True)
            import_town(sources, SHELTERS, name.title(), pack, progress=False)
    town = load_town(pack)
    return town_streets(town), town_metric(town), town.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sightings", type=int, default=200_000, help="about this many")
    parser.add_argument("--groups", type=int, default=400)
    parser.add_argument("--minutes", type=float, default=240.0)
    parser.add_argument("--blocks", type=int, default=110, help="street grid side, in blocks")
    parser.add_argument(
        "--town",
        help="walk a town pack's streets instead of a generated grid: a pack's path, or "
        f"{' / '.join(TOWNS)} (compiled from data/ into {PACKS} on first use)",
    )
    parser.add_argument(
        "--metric",
        choices=("straight", "streets", "both"),
        default="both",
        help="fuse measuring movement in straight lines, along the streets, or both in turn",
    )
    parser.add_argument(
        "--collector",
        choices=("serving", "default"),
        default="serving",
        help="the garbage collector as a Magen server runs it (young survivors frozen, "
        "`magen.api.app.settle_heap`), or CPython's defaults",
    )
    parser.add_argument("--checkpoints", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    if args.town:
        streets, metric, where = _town_streets(args.town)
        where = f"the streets of {where} ({len(streets.node_lonlat):,} nodes)"
    else:
        streets = grid_streets(rng, blocks=(args.blocks, args.blocks), block_m=100.0)
        metric = StreetGraphMetric(streets.node_lonlat, streets.graph)
        where = f"a {args.blocks}x{args.blocks} block grid"
    duration = args.minutes * 60.0
    # Report rate per group so that true, duplicate, false and flood reports add up.
    per_group = args.sightings / (args.groups * 0.98)
    spec = dataclasses.replace(
        ScenarioSpec(),
        groups=args.groups,
        duration_s=duration,
        start_spread_s=duration / 4,
        report_interval_s=duration / per_group,
        flood_reports=max(args.sightings // 200, 1),
    )
    generated = time.perf_counter()
    scenario = generate(rng, streets, spec)
    generated = time.perf_counter() - generated

    marks = [duration * (i + 1) / args.checkpoints for i in range(args.checkpoints)]
    runs: list[_Run] = []
    if args.metric in ("straight", "both"):
        runs.append(_fuse(scenario, marks, "straight", None, args.collector))
    if args.metric in ("streets", "both"):
        runs.append(_fuse(scenario, marks, "streets", metric, args.collector))
    for run in runs:
        _table(run)
    k = runs[0].sightings
    print(
        f"{k:,} sightings of {args.groups} groups in {args.minutes:.0f} min on {where} "
        f"(generated in {generated:.1f} s)"
    )
    for run in runs:
        print(
            f"  {'along streets' if run.name == 'streets' else 'straight lines'}: fusion "
            f"{run.sightings / run.spent:,.0f} sightings/s "
            f"({run.sightings / run.cpu:,.0f} per CPU second), {run.spent:.2f} s in ingest"
            + (
                f"; {run.street_queries:,} street checks, {run.street_searches:,} graph searches"
                f" ({_search_kind()})"
                if run.name == "streets"
                else ""
            )
            + f"; state {run.state_sha}"
        )
    # The first run's figures at the top level (straight lines unless only streets were
    # asked for), the street run's under "streets".
    main_run = runs[0]
    result: dict[str, object] = {
        "sightings": k,
        "groups": args.groups,
        "metric": main_run.name,
        "town": args.town or f"grid {args.blocks}x{args.blocks}",
        "collector": args.collector,
        **main_run.summary(),
        "true_attackers": main_run.scale[-1][2],
        "naive_attackers": main_run.scale[-1][6],
    }
    if main_run.name != "streets" and len(runs) > 1:
        result["streets"] = runs[1].summary()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
