"""Incremental fusion throughput and accuracy on a generated city-wide attack.

Hundreds of groups walk (some first drive) a large street grid for an hour while residents
and responders report them with noise in place, time and count, duplicates, late and false
reports and one flooding anonymous source (`magen.picture.synthetic`). Every sighting goes
through `Fuser.ingest` in log order; only that is timed. Precision, recall and the
attacker-count error are judged at checkpoints against the truth.

Peer in the same run: what a map of raw reports shows, the Ofakim failure mode: reports
clustered by place (150 m, 5 minutes) with each cluster's attackers the sum of its claims.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time

import numpy as np

from magen.picture.fusion import Fuser, TrackStatus
from magen.picture.synthetic import (
    Evaluation,
    Scenario,
    ScenarioSpec,
    evaluate,
    generate,
    grid_streets,
)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sightings", type=int, default=200_000, help="about this many")
    parser.add_argument("--groups", type=int, default=400)
    parser.add_argument("--minutes", type=float, default=240.0)
    parser.add_argument("--blocks", type=int, default=110, help="street grid side, in blocks")
    parser.add_argument("--checkpoints", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    streets = grid_streets(rng, blocks=(args.blocks, args.blocks), block_m=100.0)
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

    fuser = Fuser()
    sightings = scenario.sightings
    spent = 0.0
    cpu = 0.0
    k = 0
    judged: list[Evaluation] = []
    scale: list[tuple[float, int, int, int, int, int, int]] = []
    marks = [duration * (i + 1) / args.checkpoints for i in range(args.checkpoints)]
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

    rate = k / spent
    late = judged[len(judged) // 3 :]  # once the picture has had time to form
    precision = float(np.mean([e.precision for e in late]))
    recall = float(np.mean([e.recall for e in late]))
    count_error = float(np.mean([e.count_error for e in late]))
    print(
        f"{'minute':>6}{'groups':>8}{'fused':>7}{'naive':>7}{'attackers':>11}{'fused':>7}"
        f"{'naive':>8}{'precision':>11}{'recall':>8}{'count err':>11}"
    )
    for (mark, tg, ta, fg, fa, ng, na), ev in zip(scale, judged, strict=True):
        print(
            f"{mark / 60:>6.0f}{tg:>8}{fg:>7}{ng:>7}{ta:>11}{fa:>7}{na:>8}"
            f"{ev.precision:>11.3f}{ev.recall:>8.3f}{ev.count_error:>11.3f}"
        )
    print(
        f"{k:,} sightings of {args.groups} groups in {args.minutes:.0f} min on a "
        f"{args.blocks}x{args.blocks} block grid (generated in {generated:.1f} s); "
        f"fusion {rate:,.0f} sightings/s ({k / cpu:,.0f} per CPU second), {spent:.2f} s in ingest"
    )
    result = {
        "sightings": k,
        "groups": args.groups,
        "sightings_per_s": round(rate),
        "sightings_per_cpu_s": round(k / cpu),
        "ingest_s": round(spent, 3),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "count_error": round(count_error, 4),
        "position_error_m": round(float(np.median([e.position_error_m for e in late])), 1),
        "flood_credible_tracks": sum(e.flood_credible for e in judged),
        "true_attackers": scale[-1][2],
        "fused_attackers": scale[-1][4],
        "naive_attackers": scale[-1][6],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
