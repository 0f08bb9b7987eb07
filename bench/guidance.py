"""Shelter guidance for every building of Jerusalem under a missile alert with 20 danger areas
(not attackers': under fire, nobody within reach of attackers is sent out to a shelter).

Magen's engine (`magen.geo.guidance`): one multi-source `scipy.sparse.csgraph.dijkstra` from
every open shelter over the CSR walking graph with blocked streets at +inf, one more without
danger areas (to tell "blocked" from "too far"), then a vectorised decision per building.

Peer in the same run: the same policy written the way an osmnx user would, on a networkx
MultiGraph of the same streets: `nx.multi_source_dijkstra` from the shelters (same cutoff),
danger areas closing edges through the weight function, and a Python loop over buildings
applying the same rules. The geometric danger test (which street stretches lie within an area)
is the same shapely code on both sides and is timed on both sides. Outputs are compared
building by building: action, reason, authority, shelter and walking time.

The full pack is compiled once into `var/bench/` (or `--cache`) from `data/`.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely

from magen.geo.guidance import (
    DEFAULT_POLICY,
    GuidanceEngine,
    GuidanceInputs,
    GuidanceResult,
    Policy,
    ZoneAlert,
)
from magen.geo.importer import import_town
from magen.geo.policy import RULES, Action, AlertCategory, Condition, Reason
from magen.geo.routing import DangerArea, DangerShape, WalkNetwork, walk_network
from magen.geo.streets import EdgeFlag
from magen.geo.town import FORMAT_VERSION, Town, load_town

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FULL_OSM = DATA / "jerusalem_2016.osm.pbf"
SHELTERS = [
    DATA / "shelters_jerusalem_2025-09.geojson",
    DATA / "shelters_jerusalem_2025-06.geojson",
]
MIN_WEIGHT = 1e-3  # the floor csgraph needs; the peer applies it too so costs agree exactly


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
    started = time.perf_counter()
    import_town(osm, SHELTERS, osm.name.split(".")[0], pack, progress=False)
    return pack, time.perf_counter() - started


def danger_areas(town: Town, count: int, seed: int) -> tuple[DangerArea, ...]:
    """Circles of 50-200 m around buildings picked near shelters (where they matter)."""
    rng = np.random.default_rng(seed)
    near = np.flatnonzero(
        np.min(
            np.hypot(
                town.buildings.xy[:, None, 0] - town.shelters.xy[None, :, 0],
                town.buildings.xy[:, None, 1] - town.shelters.xy[None, :, 1],
            ),
            axis=1,
        )
        < 300.0
    )
    picks = rng.choice(near, size=count, replace=False)
    radii = rng.uniform(50.0, 200.0, size=count)
    return tuple(
        DangerArea(f"danger-{i}", *map(float, town.buildings.lonlat[b]), radius_m=float(r))
        for i, (b, r) in enumerate(zip(picks, radii, strict=True))
    )


# --- the peer -----------------------------------------------------------------------------


@dataclass
class PeerResult:
    action: np.ndarray
    reason: np.ndarray
    issued_by: np.ndarray
    shelter: np.ndarray
    seconds: np.ndarray
    proposals: list[tuple[str, int]]


class NetworkxPeer:
    """The guidance policy on a networkx MultiGraph, as an osmnx user would write it."""

    def __init__(self, town: Town, net: WalkNetwork, policy: Policy) -> None:
        self.town, self.net, self.policy = town, net, policy
        st = town.streets
        g = nx.MultiGraph()
        g.add_nodes_from(range(st.node_count))
        walk = st.edges_with(EdgeFlag.WALK) & (st.edge_u != st.edge_v)
        for e in np.flatnonzero(walk).tolist():
            g.add_edge(
                int(st.edge_u[e]),
                int(st.edge_v[e]),
                key=e,
                cost=float(net.edge_cost[e]),
                length=float(st.edge_length[e]),
            )
        sh = town.shelters
        self.site_shelter = net.site_shelter.tolist()
        for k, s in enumerate(self.site_shelter):
            e = int(sh.edge[s])
            g.add_edge(("site", k), int(st.edge_u[e]), key=("u", k))
            g.add_edge(("site", k), int(st.edge_v[e]), key=("v", k))
        self.graph = g
        self.on_edge: dict[int, list[int]] = {}
        for k, s in enumerate(self.site_shelter):
            self.on_edge.setdefault(int(sh.edge[s]), []).append(k)
        self.zone_ids = [str(z) for z in town.zones.id]
        self.zone_seconds = town.zones.seconds_to_shelter.tolist()

    def _sides(
        self, edge: int, seg: int, along: float, lateral: float, closed: bool, b: Any
    ) -> tuple[float, float, float, float]:
        st, net = self.town.streets, self.net
        length = float(st.edge_length[edge])
        start, end = int(net.seg_edge_start[edge]), int(net.seg_edge_end[edge])
        pre = b.prefix
        own = bool(b.seg[seg])
        blocked_u = pre[seg] - pre[start] > 0 or (own and b.lo[seg] <= along)
        blocked_v = pre[end] - pre[seg + 1] > 0 or (own and b.hi[seg] >= along)
        f = float(net.edge_factor[edge])
        cu = math.inf if closed or blocked_u else lateral + along * f
        cv = math.inf if closed or blocked_v else lateral + (length - along) * f
        return cu, lateral + along, cv, lateral + (length - along)

    def _search(
        self, blocking: Any, site_closed: list[bool], limit: float | None
    ) -> tuple[dict[Any, float], dict[Any, float], dict[Any, int]]:
        st, sh = self.town.streets, self.town.shelters
        blocked = set(np.flatnonzero(blocking.edge).tolist())
        slot: dict[tuple[str, int], tuple[float, float]] = {}
        ends: dict[int, tuple[int, int]] = {}
        for k, s in enumerate(self.site_shelter):
            e = int(sh.edge[s])
            u, v = int(st.edge_u[e]), int(st.edge_v[e])
            ends[k] = (u, v)
            cu, lu, cv, lv = self._sides(
                e,
                int(sh.seg[s]),
                float(sh.along[s]),
                float(sh.lateral[s]),
                site_closed[k],
                blocking,
            )
            if u == v and cv < cu:  # a loop street: one way in, the cheaper way round
                cu, lu = cv, lv
            slot[("u", k)] = (cu, lu)
            slot[("v", k)] = (cv, lv) if u != v else (cu, lu)

        def weight(u: Any, v: Any, d: dict[Any, dict[str, float]]) -> float | None:
            best = math.inf
            for key, attr in d.items():
                if isinstance(key, tuple):
                    c = slot[key][0]
                elif key in blocked:
                    continue
                else:
                    c = attr["cost"]
                best = min(best, c)
            return max(best, MIN_WEIGHT) if best < math.inf else None

        sources = [
            ("site", k)
            for k in range(len(self.site_shelter))
            if min(slot[("u", k)][0], slot[("v", k)][0]) < math.inf
        ]
        if not sources:
            return {}, {}, {}
        dist, paths = nx.multi_source_dijkstra(self.graph, sources, cutoff=limit, weight=weight)
        length: dict[Any, float] = {}
        site: dict[Any, int] = {}
        for node, path in paths.items():
            if isinstance(node, tuple):
                continue
            k = path[0][1]
            total = 0.0
            for a, c in itertools.pairwise(path):
                if isinstance(a, tuple):
                    total += slot[("u", k) if c == ends[k][0] else ("v", k)][1]
                    continue
                best_key, best_cost = None, math.inf
                for key, attr in self.graph[a][c].items():
                    if isinstance(key, tuple) or key in blocked:
                        continue
                    if attr["cost"] < best_cost or (attr["cost"] == best_cost and key < best_key):
                        best_key, best_cost = key, attr["cost"]
                total += self.graph[a][c][best_key]["length"]
            length[node] = total
            site[node] = k
        return dist, length, site

    def compute(self, inputs: GuidanceInputs, *, cutoff: bool = True) -> PeerResult:
        """Guidance per building; without cutoff the searches cover the whole graph."""
        town, net, policy = self.town, self.net, self.policy
        st, bl, sh = town.streets, town.buildings, town.shelters
        shapes = {a.id: DangerShape.of(town, a) for a in inputs.danger_areas}
        blocking = net.blocking([net.blocked_by(shapes[k]) for k in sorted(shapes)])
        clear = net.blocking([])
        usable = [True] * len(sh)
        for sid, status in inputs.shelter_status.items():
            usable[sh.id.tolist().index(sid)] = status in policy.usable_statuses
        choice: dict[int, int] = {}
        for s in range(len(sh)):
            if usable[s]:
                choice.setdefault(int(sh.site[s]), s)
        site_ok = [k in choice for k in range(len(self.site_shelter))]
        fire_zone = {}
        budget = {}
        for z, zid in enumerate(self.zone_ids):
            alert = inputs.alerts.get(zid)
            cats = alert.active if alert else frozenset()
            fire_zone[z] = bool(
                cats & {AlertCategory.MISSILES, AlertCategory.HOSTILE_AIRCRAFT_INTRUSION}
            )
            budget[z] = float(
                alert.seconds_to_shelter
                if alert and alert.seconds_to_shelter and cats
                else self.zone_seconds[z]
            )
        fire_budgets = [budget[z] for z in fire_zone if fire_zone[z]]
        limit = (
            max(fire_budgets) * policy.walking_speed_mps
            if fire_budgets
            else policy.routine_horizon_m
        ) * net.max_factor
        closed = [
            bool(blocking.shelter[self.site_shelter[k]]) or not site_ok[k]
            for k in range(len(site_ok))
        ]
        clear_closed = [not ok for ok in site_ok]
        horizon = limit if cutoff else None
        searches = [(blocking, closed, self._search(blocking, closed, horizon))]
        if inputs.danger_areas:
            searches.append((clear, clear_closed, self._search(clear, clear_closed, horizon)))
        else:
            searches.append(searches[0])
        n = len(bl)
        action = np.zeros(n, dtype=np.int8)
        reason = np.zeros(n, dtype=np.int8)
        issued = np.zeros(n, dtype=np.int8)
        shelter = np.full(n, -1, dtype=np.int64)
        seconds = np.full(n, np.nan)
        for b in range(n):
            found = []
            for block, shut, (dist, length, site) in searches:
                e = int(bl.edge[b])
                if e < 0:
                    found.append((math.inf, math.inf, -1))
                    continue
                u, v = int(st.edge_u[e]), int(st.edge_v[e])
                cb = bool(block.building[b])
                cu, lu, cv, lv = self._sides(
                    e, int(bl.seg[b]), float(bl.along[b]), float(bl.lateral[b]), cb, block
                )
                via_u = cu + dist.get(u, math.inf)
                via_v = cv + dist.get(v, math.inf)
                if via_v < via_u:
                    cost, total, k = via_v, lv + length.get(v, math.inf), site.get(v, -1)
                else:
                    cost, total, k = via_u, lu + length.get(u, math.inf), site.get(u, -1)
                best_direct = None
                for d in self.on_edge.get(e, []):
                    s = self.site_shelter[d]
                    if cb or shut[d]:
                        continue
                    if block.closed_between(
                        np.array([bl.seg[b]]),
                        np.array([bl.along[b]]),
                        np.array([sh.seg[s]]),
                        np.array([sh.along[s]]),
                    )[0]:
                        continue
                    gap = abs(float(bl.along[b]) - float(sh.along[s]))
                    c = (
                        float(bl.lateral[b])
                        + gap * float(net.edge_factor[e])
                        + float(sh.lateral[s])
                    )
                    if c < cost and (best_direct is None or c < best_direct[0]):
                        best_direct = (c, float(bl.lateral[b]) + gap + float(sh.lateral[s]), d)
                if best_direct is not None:
                    cost, total, k = best_direct
                if not math.isfinite(cost) or cost > limit:
                    found.append((math.inf, math.inf, -1))
                else:
                    found.append((cost, total, k))
            z = int(bl.zone[b])
            facts = {
                **dict.fromkeys(Condition, False),  # no other hazard in the benchmark's alerts
                Condition.FIRE: z >= 0 and fire_zone[z],
                Condition.INFILTRATION: False,
                Condition.OPERATOR_LOCK_IN: False,
                Condition.PROTECTED_SPACE_AT_HOME: False,
                Condition.GROUND_THREAT_IN_TOWN: inputs.ground_threat_in_town,
            }
            for cond, (_, total, k) in zip(
                (Condition.SHELTER_IN_TIME, Condition.SHELTER_IN_TIME_IGNORING_DANGER),
                found,
                strict=True,
            ):
                secs = policy.egress_s + total / policy.walking_speed_mps
                facts[cond] = k >= 0 and z >= 0 and secs <= budget[z]
            rule = next(r for r in RULES if all(facts[c] for c in r.when))
            action[b], reason[b], issued[b] = rule.action, rule.reason, rule.issued_by
            _, total, k = found[0]
            if rule.action == Action.GO_TO_SHELTER or (rule.action == Action.NO_ALERT and k >= 0):
                shelter[b] = choice[k]
                seconds[b] = policy.egress_s + total / policy.walking_speed_mps
        points = shapely.points(bl.xy)
        proposals = []
        for area in sorted(inputs.danger_areas, key=lambda a: a.id):
            shape = shapes[area.id]
            near = np.flatnonzero(
                shapely.dwithin(points, shape.core, shape.radius + policy.lock_in_margin_m)
            )
            change = int((action[near] != Action.LOCK_IN).sum())
            if change:
                proposals.append((area.id, change))
        return PeerResult(action, reason, issued, shelter, seconds, proposals)


# --- the run ------------------------------------------------------------------------------


def _mismatches(ours: GuidanceResult, peer: PeerResult) -> int:
    bad = (
        (ours.action != peer.action)
        | (ours.reason != peer.reason)
        | (ours.issued_by != peer.issued_by)
        | (ours.shelter != peer.shelter)
        | ~np.isclose(ours.seconds, peer.seconds, rtol=1e-9, atol=1e-6, equal_nan=True)
    )
    return int(bad.sum())


@contextmanager
def _timed(samples: list[float]) -> Iterator[None]:
    """Time a block into samples, as timeit does: collected first, no collector inside."""
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    try:
        yield
    finally:
        samples.append(time.perf_counter() - started)
        gc.enable()


def _ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000.0, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=FULL_OSM, help="OSM extract to compile")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--danger-areas", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=15, help="timed runs of the engine")
    parser.add_argument("--peer-repeat", type=int, default=5, help="timed runs of networkx")
    parser.add_argument(
        "--no-plain-peer", action="store_true", help="skip networkx without a search cutoff"
    )
    args = parser.parse_args(argv)

    pack, built = ensure_pack(args.osm, args.cache)
    started = time.perf_counter()
    town = load_town(pack)
    load_s = time.perf_counter() - started
    policy = DEFAULT_POLICY
    started = time.perf_counter()
    net = walk_network(town, policy.exposure_weight)
    _ = (net.sites, net.building_pairs, net.street_index, net.building_index, net.shelter_index)
    prep_s = time.perf_counter() - started

    areas = danger_areas(town, args.danger_areas, args.seed)
    alerts = {str(z): ZoneAlert(frozenset({AlertCategory.MISSILES})) for z in town.zones.id}
    # The danger areas are not attackers' (a fire, a suspicious object, a collapse): routes go
    # around them. Under fire with attackers within 1.5 km nobody is sent out to a shelter at
    # all (`Policy.fire_keep_in_m`), and 20 attackers' areas would leave no route to time.
    inputs = GuidanceInputs(
        alerts=alerts,
        danger_areas=areas,
        ground_threat_in_town=False,
        ground_threat_areas=frozenset(),
    )

    started = time.perf_counter()
    peer = NetworkxPeer(town, net, policy)
    peer_setup_s = time.perf_counter() - started

    # Engine and peer runs are interleaved so that both see the same machine load.
    full: list[float] = []
    peer_times: list[float] = []
    result: GuidanceResult | None = None
    theirs: PeerResult | None = None
    for i in range(max(args.repeat, args.peer_repeat, 1)):
        engine = GuidanceEngine(town, policy)  # no cache: every run computes everything
        with _timed(full):
            result = engine.compute(inputs)
        if i < args.peer_repeat:
            with _timed(peer_times):
                theirs = peer.compute(inputs)
    assert result is not None
    assert theirs is not None
    warm = GuidanceEngine(town, policy)
    incremental: list[float] = []
    for i in range(max(args.repeat, 1)):
        # The picture before: one danger area fewer (a different one each time).
        fewer = tuple(a for j, a in enumerate(areas) if j != i % len(areas))
        warm.compute(GuidanceInputs(alerts=alerts, danger_areas=fewer))
        with _timed(incremental):
            again = warm.compute(inputs)
    # The same areas as attackers' (`--danger-areas` groups seen in the town under the siren):
    # the search for every building within `Policy.fire_keep_in_m` of one is timed too (no
    # peer: nobody is sent to a shelter near them, so there is no route to compare).
    attackers = GuidanceInputs(
        alerts=alerts, danger_areas=areas, ground_threat_in_town=True, ground_threat_areas=None
    )
    under_attack: list[float] = []
    for _ in range(max(args.repeat, 1)):
        engine = GuidanceEngine(town, policy)
        with _timed(under_attack):
            kept = engine.compute(attackers)
    kept_in = int((kept.reason == Reason.FIRE_AND_GROUND_THREAT_IN_TOWN).sum())
    same = PeerResult(
        result.action, result.reason, result.issued_by, result.shelter, result.seconds, []
    )
    assert _mismatches(again, same) == 0, "the warm engine disagrees with a fresh one"
    mismatches = _mismatches(result, theirs)
    plain_ms: float | None = None
    if not args.no_plain_peer:
        # What a plain osmnx user writes: nearest shelter over the whole graph, then the rules.
        plain_times: list[float] = []
        with _timed(plain_times):
            plain = peer.compute(inputs, cutoff=False)
        plain_ms = _ms(plain_times)
        mismatches += _mismatches(result, plain)
    ours_proposals = [(p.danger_area_id, p.would_change) for p in result.proposals]
    same_proposals = ours_proposals == theirs.proposals

    counts = result.counts()
    ms, nx_ms = _ms(full), _ms(peer_times)
    row = "{:<44} {:>12}"
    print(f"town pack {pack} ({f'compiled in {built:.1f} s' if built else 'cached'})")
    print(row.format("buildings", len(town.buildings)))
    print(
        row.format(
            "walking graph nodes / edges",
            f"{net.n} / {int(town.streets.edges_with(EdgeFlag.WALK).sum())}",
        )
    )
    print(row.format("shelters (sites)", f"{len(town.shelters)} ({len(net.sites)})"))
    print(row.format("danger areas", len(areas)))
    print(row.format("pack load (ms)", round(load_s * 1000, 1)))
    print(row.format("one-time indices (ms)", round(prep_s * 1000, 1)))
    print(row.format("magen full recompute, median (ms)", ms))
    print(row.format("magen, one danger area added (ms)", _ms(incremental)))
    print(row.format("networkx peer, median (ms)", nx_ms))
    print(row.format("networkx graph build, once (ms)", round(peer_setup_s * 1000, 1)))
    print(row.format("speedup (networkx / magen)", f"{nx_ms / ms:.1f}x"))
    if plain_ms is not None:
        print(row.format("networkx, no search cutoff, one run (ms)", plain_ms))
        print(row.format("speedup against it", f"{plain_ms / ms:.1f}x"))
    print(
        row.format(
            "go to shelter / stay inside",
            f"{counts['go_to_shelter']} / {counts['stay_in_protected_space']}",
        )
    )
    print(row.format("magen, the areas as attackers', median (ms)", _ms(under_attack)))
    print(row.format("  kept in within reach of them", kept_in))
    print(row.format("lock-in proposals", len(result.proposals)))
    print(row.format("buildings differing from networkx", mismatches))
    print(row.format("proposals identical", str(same_proposals)))
    doc: dict[str, Any] = {
        "bench": "guidance",
        "buildings": len(town.buildings),
        "danger_areas": len(areas),
        "ms": ms,
        "ms_incremental": _ms(incremental),
        "networkx_ms": nx_ms,
        "speedup": round(nx_ms / ms, 1),
        "networkx_plain_ms": plain_ms,
        "speedup_plain": round(plain_ms / ms, 1) if plain_ms is not None else None,
        "identical": mismatches == 0 and same_proposals,
        "mismatches": mismatches,
        "load_ms": round(load_s * 1000, 1),
        "prep_ms": round(prep_s * 1000, 1),
        "go_to_shelter": counts["go_to_shelter"],
        "stay_in_protected_space": counts["stay_in_protected_space"],
        "proposals": len(result.proposals),
        "ms_attackers": _ms(under_attack),
        "kept_in_attackers": kept_in,
    }
    print(json.dumps(doc))
    return 0 if doc["identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
