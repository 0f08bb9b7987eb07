"""Dispatch recommendations for 1,000 responders and 300 tasks on the whole Jerusalem graph.

Magen's engine (`magen.dispatch.assign.Dispatcher.plan`): bounded Dijkstra searches out of
every task over the reversed street graph (on foot and by car, danger areas closed except to
armed responders heading into their own threat's area), then an exact maximum-saving matching
with `scipy.optimize.linear_sum_assignment`, widening only the searches whose bounds the
matching used. Its reasons (nearest, time, areas avoided or entered) are included in the time.

Peer in the same run: greedy nearest-available, the rule a dispatcher applies by hand and most
CAD systems automate: needs in priority order, each takes the nearest able responder still
free, on the same exact travel times (computed for every pair within the horizon, which is
what greedy needs and is timed on its side). Both answers are scored on the same objective
and on total travel time.

Scenario (seeded): responders at random buildings (police cars, off-duty officers and armed
volunteers on foot, ambulances, medics on foot); 250 SOS incidents with injured and
children, 50 threat tracks needing 2-4 armed responders each, 20 danger areas around the
threats and a few elsewhere. The full pack is compiled once into `var/bench/` (or `--cache`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from magen.dispatch import assign
from magen.dispatch.assign import (
    DispatchConfig,
    Dispatcher,
    Need,
    Plan,
    Task,
    TaskKind,
    Unit,
    greedy,
    plan_cost,
)
from magen.domain.responders import Capability
from magen.geo.importer import import_town
from magen.geo.routing import DangerArea
from magen.geo.town import FORMAT_VERSION, Town, load_town

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FULL_OSM = DATA / "jerusalem_2016.osm.pbf"
SHELTERS = [
    DATA / "shelters_jerusalem_2025-09.geojson",
    DATA / "shelters_jerusalem_2025-06.geojson",
]
ARMED, MEDIC, VEHICLE = Capability.ARMED, Capability.MEDIC, Capability.VEHICLE
# (label, capabilities, share of responders)
FORCE = (
    ("officer", frozenset({ARMED, VEHICLE, Capability.RADIO}), 0.35),
    ("off-duty officer", frozenset({ARMED}), 0.20),
    ("volunteer", frozenset({ARMED}), 0.15),
    ("medic", frozenset({MEDIC, VEHICLE}), 0.15),
    ("medic", frozenset({MEDIC}), 0.10),
    ("volunteer", frozenset(), 0.05),
)


def ensure_pack(osm: Path, cache: Path) -> tuple[Path, float | None]:
    """The pack for an OSM file in the cache folder, compiled if missing or stale."""
    pack = cache / f"{osm.name.split('.')[0]}.town.npz"
    sources = [osm, *SHELTERS]
    if pack.exists() and pack.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        try:
            if load_town(pack).header.get("version") == FORMAT_VERSION:
                return pack, None
        except Exception:  # a broken cache is rebuilt, whatever broke it
            pass
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    import_town(osm, SHELTERS, osm.name.split(".")[0], pack, progress=False)
    return pack, time.perf_counter() - started


def _lonlat(town: Town, idx: np.ndarray) -> list[tuple[float, float]]:
    xy = town.buildings.xy[idx]
    lon, lat = town.to_lonlat(xy[:, 0], xy[:, 1])
    return list(zip(lon.tolist(), lat.tolist(), strict=True))


def scenario(
    town: Town, responders: int, incidents: int, threats: int, seed: int
) -> tuple[list[Unit], list[Task], list[DangerArea]]:
    """Responders, tasks and danger areas at random buildings of the town."""
    rng = np.random.default_rng(seed)
    n_b = len(town.buildings)
    shares = np.array([s for _, _, s in FORCE])
    kinds = rng.choice(len(FORCE), size=responders, p=shares / shares.sum())
    units = [
        Unit(f"r{i:04d}", lon, lat, FORCE[k][1], FORCE[k][0])
        for i, ((lon, lat), k) in enumerate(
            zip(_lonlat(town, rng.integers(0, n_b, responders)), kinds.tolist(), strict=True)
        )
    ]
    tasks: list[Task] = []
    areas: list[DangerArea] = []
    for i, (lon, lat) in enumerate(_lonlat(town, rng.integers(0, n_b, threats))):
        armed = int(rng.integers(2, 5))
        tasks.append(
            Task(
                f"trk{i:03d}",
                TaskKind.THREAT,
                lon,
                lat,
                float(rng.uniform(30, 50)),
                (Need(frozenset({ARMED}), "armed attackers"),) * armed,
            )
        )
        if i < 15:
            areas.append(DangerArea(f"DA-{i + 1}", lon, lat, float(rng.uniform(100, 250))))
    for i, (lon, lat) in enumerate(_lonlat(town, rng.integers(0, n_b, incidents))):
        injured = int(rng.choice([0, 0, 1, 2, 4]))
        needs: list[Need] = []
        if rng.random() < 0.2:
            needs.append(Need(frozenset({ARMED}), "threat nearby"))
        needs += [Need(frozenset({MEDIC}), f"{injured} injured")] * min((injured + 2) // 3, 2)
        if not needs:
            needs.append(Need())
        tasks.append(
            Task(
                f"sos{i:03d}", TaskKind.INCIDENT, lon, lat, float(rng.uniform(2, 40)), tuple(needs)
            )
        )
    for k, (lon, lat) in enumerate(_lonlat(town, rng.integers(0, n_b, 5))):
        areas.append(DangerArea(f"DA-{16 + k}", lon, lat, float(rng.uniform(50, 200))))
    return units, tasks, areas


def _greedy(
    d: Dispatcher, units: list[Unit], tasks: list[Task], areas: list[DangerArea]
) -> tuple[float, float, float, float, float, int]:
    """Greedy's wall and CPU ms, the CPU ms of its assignment alone, cost, travel, served."""
    d.net.forget()
    started, started_cpu = time.perf_counter(), time.process_time()
    secs = d.travel_times(units, tasks, areas)
    assign_cpu = time.process_time()
    pairs = greedy(units, tasks, secs, d.config)
    ms = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - started_cpu) * 1000
    assign_ms = (time.process_time() - assign_cpu) * 1000
    served = [(t, k, float(secs[t, u])) for t, k, u in pairs]
    travel = sum(s for _, _, s in served)
    return ms, cpu, assign_ms, plan_cost(tasks, served, d.config), travel, len(pairs)


# Where a plan's time goes: (label, owner, name of the engine function timed).
PHASES = (
    ("set-up: snapping, closures, bounds", assign._Travel, "__init__"),
    ("street searches (first and widening)", assign._Travel, "search"),
    ("savings matrices", assign, "_savings"),
    ("matchings (linear_sum_assignment)", assign, "_match"),
    ("reasons: nearest, areas avoided/entered", assign.Dispatcher, "_finish"),
)


def _phases(
    d: Dispatcher, units: list[Unit], tasks: list[Task], areas: list[DangerArea], runs: int
) -> tuple[float, dict[str, float]]:
    """Median CPU ms of cold plans, and of each phase (the engine's functions wrapped)."""
    spent: dict[str, list[float]] = {label: [] for label, _, _ in PHASES}
    saved = [(owner, name, getattr(owner, name)) for _, owner, name in PHASES]

    def timed(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label][-1] += (time.process_time() - started) * 1000

        return run

    totals = []
    try:
        for (label, owner, name), (_, _, fn) in zip(PHASES, saved, strict=True):
            setattr(owner, name, timed(label, fn))
        for _ in range(runs):
            for times in spent.values():
                times.append(0.0)
            d.net.forget()
            started = time.process_time()
            d.plan(units, tasks, areas)
            totals.append((time.process_time() - started) * 1000)
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)
    return statistics.median(totals), {k: statistics.median(v) for k, v in spent.items()}


def _check(plan: Plan, units: list[Unit], tasks: list[Task], secs: np.ndarray) -> int:
    """Mismatches between the plan's times and the exact ones (there should be none)."""
    ui = {u.responder_id: i for i, u in enumerate(units)}
    ti = {t.task_id: i for i, t in enumerate(tasks)}
    bad = 0
    for r in plan.recommendations:
        exact = float(secs[ti[r.task_id], ui[r.responder_id]])
        need = tasks[ti[r.task_id]].needs[r.need].requires
        if abs(exact - r.travel_s) > 0.1 or not need <= units[ui[r.responder_id]].capabilities:
            bad += 1
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=FULL_OSM)
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--responders", type=int, default=1000)
    parser.add_argument("--incidents", type=int, default=250)
    parser.add_argument("--threats", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--phases", action="store_true", help="also time the phases of a plan (CPU)"
    )
    args = parser.parse_args(argv)

    pack, built = ensure_pack(args.osm, args.cache)
    town = load_town(pack)
    started = time.perf_counter()
    d = Dispatcher(town, DispatchConfig())
    for graph in d.net.graphs.values():  # what a server builds once at start-up
        _ = graph.landmarks
        graph.points(town.streets.node_xy[:1])
    setup_s = time.perf_counter() - started
    units, tasks, areas = scenario(town, args.responders, args.incidents, args.threats, args.seed)
    needs = sum(len(t.needs) for t in tasks)

    started = time.perf_counter()
    plan = d.plan(units, tasks, areas)
    first_ms = (time.perf_counter() - started) * 1000
    times, cpu = [], []
    for _ in range(args.runs):
        d.net.forget()  # each run pays for what the danger areas close, as a new picture would
        started, started_cpu = time.perf_counter(), time.process_time()
        plan = d.plan(units, tasks, areas)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    ms = statistics.median(times)
    cpu_ms = statistics.median(cpu)
    # The same plan again on an unchanged danger picture, as the live board recomputes it
    # when responders move or report: what the areas close is kept (`TravelNetwork.closure`),
    # everything else (snapping, bounds, searches, matchings, reasons) is done anew.
    warm, warm_cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        d.plan(units, tasks, areas)
        warm.append((time.perf_counter() - started) * 1000)
        warm_cpu.append((time.process_time() - started_cpu) * 1000)
    g_ms, g_cpu, g_assign, g_cost, g_travel, g_served = _greedy(d, units, tasks, areas)
    bad = _check(plan, units, tasks, d.travel_times(units, tasks, areas))
    avoiding = sum(1 for r in plan.recommendations if r.avoids)
    entering = sum(1 for r in plan.recommendations if r.enters)
    leaving = sum(1 for r in plan.recommendations if r.leaves)

    print(f"town pack {pack} ({f'compiled in {built:.1f} s' if built else 'cached'})")
    print(
        f"{town.streets.node_count:,} nodes, {town.streets.edge_count:,} streets; "
        f"network set-up {setup_s * 1000:.0f} ms (once per town: graphs, landmarks, R-trees)"
    )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: wall times are shared")
    print(
        f"{len(units)} responders, {len(tasks)} tasks ({args.threats} threats) with {needs} "
        f"needs, {len(areas)} danger areas"
    )
    print()
    print(f"{'':28}{'Magen (LSA)':>14}{'greedy':>14}")
    print(f"{'time, median ms':28}{ms:>14.1f}{g_ms:>14.1f}")
    print(f"{'CPU time, median ms':28}{cpu_ms:>14.1f}{g_cpu:>14.1f}")
    print(f"{'  same danger picture':28}{statistics.median(warm_cpu):>14.1f}")
    print(f"{'  of which assignment':28}{'':>14}{g_assign:>14.1f}")
    print(f"{'needs served':28}{len(plan.recommendations):>14}{g_served:>14}")
    print(f"{'total travel, s':28}{plan.total_travel_s:>14.0f}{g_travel:>14.0f}")
    print(f"{'objective (lower is better)':28}{plan.cost:>14.0f}{g_cost:>14.0f}")
    print(f"{'Dijkstra rows':28}{plan.searches:>14}{'':>14}")
    print(f"{'matching rounds':28}{plan.rounds:>14}{'':>14}")
    print(f"first run {first_ms:.0f} ms; runs (ms): {', '.join(f'{t:.0f}' for t in times)}")
    print(f"runs (CPU ms): {', '.join(f'{t:.0f}' for t in cpu)}")
    print(f"runs on the same danger picture (CPU ms): {', '.join(f'{t:.0f}' for t in warm_cpu)}")
    print(
        f"routes avoiding a danger area: {avoiding}; armed routes entering one: {entering}; "
        f"routes leaving the one they start in: {leaving}"
    )
    print(f"plan times differing from exact ones, or capability misses: {bad}")
    print(f"example: {plan.recommendations[0].reason}")
    if args.phases:
        total, phases = _phases(d, units, tasks, areas, args.runs)
        print(f"\nwhere a plan's CPU time goes (medians of {args.runs} runs): {total:.0f} ms")
        for label, spent in phases.items():
            print(f"  {label:42}{spent:>8.1f} ms")
        print(f"  {'the rest':42}{total - sum(phases.values()):>8.1f} ms")
    result = {
        "ms": round(ms, 1),
        "cpu_ms": round(cpu_ms, 1),
        "same_picture_ms": round(statistics.median(warm), 1),
        "same_picture_cpu_ms": round(statistics.median(warm_cpu), 1),
        "total_travel_s": round(plan.total_travel_s, 1),
        "greedy_total_travel_s": round(g_travel, 1),
        "greedy_ms": round(g_ms, 1),
        "greedy_cpu_ms": round(g_cpu, 1),
        "greedy_assign_cpu_ms": round(g_assign, 1),
        "objective": round(plan.cost, 1),
        "greedy_objective": round(g_cost, 1),
        "served": len(plan.recommendations),
        "greedy_served": g_served,
        "needs": needs,
        "responders": len(units),
        "tasks": len(tasks),
        "danger_areas": len(areas),
        "searches": plan.searches,
        "rounds": plan.rounds,
        "mismatches": bad,
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(result))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
