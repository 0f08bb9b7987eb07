"""Dispatch searches: how rows are batched, that landmark bounds stay below the truth, and that
searching from either side finds the same metres.

The engine is exact only if every bound it matches on is at most the street distance it
stands for, and only cheap if each Dijkstra call searches about as far as its rows want.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from magen.dispatch.assign import (
    _BATCH,
    _BATCH_REACH,
    DispatchConfig,
    Need,
    Task,
    TaskKind,
    Unit,
    _batches,
    _Travel,
)
from magen.dispatch.travel import Mode, _joined, travel_network
from magen.geo.routing import DangerArea
from magen.geo.snap import snap_points
from magen.geo.town import MAX_ACCESS_M, Town
from support.bakapack import baka_town
from support.dispatchkit import VEHICLE, street_points

TOWN: Town = baka_town()

wants = st.lists(
    st.tuples(st.floats(0.0, 20_000.0, allow_nan=False), st.integers(0, 10_000)),
    max_size=300,
    unique_by=lambda w: w[1],
).map(sorted)


@settings(max_examples=200, deadline=None)
@given(wants)
def test_batches_keep_every_row_once_and_search_each_about_as_far_as_it_wants(
    rows: list[tuple[float, int]],
) -> None:
    batches = _batches(rows)
    assert [w for batch in batches for w in batch] == rows
    for batch in batches:
        assert 1 <= len(batch) <= _BATCH
        # The call searches as far as its last (farthest) row: no row wants much less.
        assert batch[-1][0] <= batch[0][0] * _BATCH_REACH or len(batch) == 1
        assert batch == sorted(batch)


def test_batches_of_equal_reach_fill_up() -> None:
    rows = [(500.0, i) for i in range(2 * _BATCH + 1)]
    assert [len(b) for b in _batches(rows)] == [_BATCH, _BATCH, 1]


@pytest.mark.parametrize("mode", list(Mode))
def test_landmark_bounds_never_exceed_the_street_distance(mode: Mode) -> None:
    net = travel_network(TOWN)
    graph = net.graphs[mode]
    st_ = TOWN.streets
    rng = np.random.default_rng(5)
    xy = TOWN.buildings.xy[rng.choice(len(TOWN.buildings), 120, replace=False)]
    starts, targets = graph.points(xy[:70]), graph.points(xy[70:])
    assert starts.ok.all()
    assert targets.ok.all()
    bound = graph.bounds(starts, targets)  # (targets, starts)
    reverse = csr_matrix((graph.open_weights, graph.slot_col, graph.indptr), shape=(graph.n,) * 2)
    ends_t = np.stack([st_.edge_u[targets.edge], st_.edge_v[targets.edge]], axis=1)
    ends_s = np.stack([st_.edge_u[starts.edge], st_.edge_v[starts.edge]], axis=1)
    # Over the reversed graph, a search from a node gives every node's distance *to* it.
    to_node = dijkstra(reverse, directed=True, indices=ends_t.ravel()).reshape(
        len(targets), 2, graph.n
    )
    # The street metres between the nearest ends of the two points' streets.
    truth = np.min(to_node[:, :, ends_s], axis=(1, 3))  # (targets, starts)
    assert bound.shape == truth.shape
    assert np.all(bound <= truth + 1e-9)
    # ...and they are bounds worth having: most are far above zero.
    assert np.median(bound[np.isfinite(truth)] / np.maximum(truth[np.isfinite(truth)], 1)) > 0.5


@pytest.mark.parametrize("mode", list(Mode))
def test_a_task_s_search_and_a_responder_s_find_the_same_metres(mode: Mode) -> None:
    """Exact times are exact whichever side searches: the plan mixes both (a responder in
    demand is searched from), the optimum it is held to reads the tasks' searches.

    Everyone stands at a street's end, where the way onto the street is zero metres long."""
    spots = street_points(TOWN)
    rng = np.random.default_rng(11)
    picks = spots[rng.choice(len(spots), 24, replace=False)]
    caps = frozenset({VEHICLE}) if mode is Mode.BY_CAR else frozenset()
    units = [Unit(f"u{i:02d}", float(x), float(y), caps) for i, (x, y) in enumerate(picks[:16])]
    tasks = [
        Task(f"t{i}", TaskKind.INCIDENT, float(x), float(y), 0.0, (Need(frozenset()),))
        for i, (x, y) in enumerate(picks[16:])
    ]
    by_rows = _Travel(travel_network(TOWN), units, tasks, [], DispatchConfig())
    by_cols = _Travel(travel_network(TOWN), units, tasks, [], DispatchConfig())
    (rows,) = [b for b in by_rows.blocks if b.mode is mode]
    (cols,) = [b for b in by_cols.blocks if b.mode is mode]
    rows.run(np.arange(len(tasks), dtype=np.int64), rows.max_m)
    cols.run_columns(np.arange(len(units), dtype=np.int64), cols.max_m)
    # Each side may also find a few routes past the horizon (its last stretch beyond the
    # search's limit): those never count.
    within = np.minimum(rows.known, cols.known) <= rows.max_m
    assert within.mean() > 0.5
    np.testing.assert_allclose(rows.known[within], cols.known[within], rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("mode", list(Mode))
def test_points_kept_per_position_join_where_a_fresh_snap_does(mode: Mode) -> None:
    """Positions snapped before are read back, new ones snapped: the same either way."""
    graph = travel_network(TOWN).graphs[mode]
    rng = np.random.default_rng(11)
    xy = TOWN.buildings.xy[rng.integers(0, len(TOWN.buildings), 400)] + rng.normal(0, 3, (400, 2))
    graph.points(xy[:300])
    # Half of those again, in another order, and new ones among them.
    again = np.concatenate([xy[150:300][::-1], xy[300:], xy[:10]])
    got = graph.points(again)
    want = _joined(TOWN.segments, again, graph._snap(again), MAX_ACCESS_M)
    assert np.array_equal(got.seg, want.seg)
    for name in ("edge", "along", "lateral", "foot"):
        assert np.array_equal(getattr(got, name), getattr(want, name), equal_nan=True), name


@pytest.mark.parametrize("mode", list(Mode))
def test_points_join_the_nearest_street_as_the_r_tree_finds_it(mode: Mode) -> None:
    """The k-d tree of segment samples finds a segment as near as GEOS's nearest, and the
    same one unless two are equally near (points at a shared end)."""
    graph = travel_network(TOWN).graphs[mode]
    rng = np.random.default_rng(5)
    nodes = TOWN.streets.node_xy
    lo, hi = nodes.min(axis=0), nodes.max(axis=0)
    # Buildings' kind of places, places far out of town (the R-tree's share) and nodes.
    xy = np.concatenate(
        [
            TOWN.buildings.xy[rng.integers(0, len(TOWN.buildings), 1500)],
            rng.uniform(lo - 2_000.0, hi + 2_000.0, (300, 2)),
            nodes[rng.integers(0, nodes.shape[0], 200)],
        ]
    )
    got = graph.points(xy, max_distance_m=np.inf)
    tree, tree_seg = graph._tree
    want = snap_points(TOWN.segments, tree, tree_seg, xy, np.inf)
    assert np.all(got.ok)
    np.testing.assert_allclose(got.lateral, want.lateral, rtol=0, atol=1e-9)
    same = got.edge == want.edge
    assert same.mean() > 0.8
    np.testing.assert_allclose(got.along[same], want.along[same], rtol=0, atol=1e-9)
    near = graph.points(xy)  # the default reach leaves the far ones out
    assert np.array_equal(near.ok, got.lateral <= MAX_ACCESS_M)
    assert np.array_equal(near.edge[near.ok], got.edge[near.ok])


@pytest.mark.parametrize("mode", list(Mode))
def test_chains_pass_through_two_neighbour_nodes_and_dead_ends(mode: Mode) -> None:
    graph = travel_network(TOWN).graphs[mode]
    c = graph.chains
    assert c.count > 0
    ends = np.concatenate([graph.slot_row, graph.slot_col])
    other = np.concatenate([graph.slot_col, graph.slot_row])
    neighbours = [set() for _ in range(graph.n)]
    for x, y in zip(ends.tolist(), other.tolist(), strict=True):
        neighbours[x].add(y)
    inner = np.flatnonzero(c.node_chain >= 0)
    # Each inner node is in one chain, next to its neighbours there; dead ends end in a node
    # with one neighbour.
    assert np.unique(c.node_flat[inner]).shape[0] == inner.shape[0]
    for x in inner.tolist():
        f = int(c.node_flat[x])
        assert len(neighbours[x]) in (1, 2)
        assert int(c.node[f - 1]) in neighbours[x]
        if len(neighbours[x]) == 1:
            assert c.pendant[c.node_chain[x]]
            assert f == c.ptr[c.node_chain[x] + 1] - 1
        else:
            assert int(c.node[f + 1]) in neighbours[x]


@pytest.mark.parametrize("mode", list(Mode))
def test_a_contracted_search_finds_the_whole_graph_s_metres_at_every_node_and_point(
    mode: Mode,
) -> None:
    """Danger areas close streets inside chains; targets on chains keep theirs whole."""
    net = travel_network(TOWN)
    graph = net.graphs[mode]
    rng = np.random.default_rng(3)
    xy = TOWN.buildings.xy[rng.choice(len(TOWN.buildings), 140, replace=False)]
    targets, starts = graph.points(xy[:40]), graph.points(xy[40:])
    lon, lat = TOWN.to_lonlat(xy[100:106, 0], xy[100:106, 1])
    areas = [
        DangerArea(f"DA-{i}", float(x), float(y), 80.0)
        for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True))
    ]
    closure = net.closure(areas)
    assert closure.edge.any()
    # Some closed streets are inside chains: their chains are searched around, not through.
    inside = graph.chains.slot_chain[np.isinf(graph.weights(closure))]
    assert (inside >= 0).any()
    cx = graph.contract(closure, targets)
    assert cx.whole.any()
    assert not cx.whole.all()
    whole, _ = graph.search(targets, closure, 5_000.0)
    part, _ = graph.search(targets, closure, 5_000.0, contracted=cx)
    # Only the contracted graph's own nodes are searched (a column each)...
    cut = (graph.chains.node_chain >= 0) & ~cx.whole[np.maximum(graph.chains.node_chain, 0)]
    assert part.shape == (len(targets), cx.nodes.shape[0])
    assert not cut[cx.nodes].any()
    assert np.isfinite(whole[:, cut]).any()
    # (A shortcut adds a chain's metres up before the search adds them on: equal to the
    # last few bits.)
    settled = whole[:, cx.nodes] <= 5_000.0
    np.testing.assert_allclose(part[settled], whole[:, cx.nodes][settled], rtol=1e-12, atol=1e-9)
    assert np.all(part[~settled] > 5_000.0)
    # ... and every node's metres follow from them (exact within the limit).
    nodes = np.arange(graph.n)
    at = cx.at(part, nodes)
    near = whole <= 5_000.0
    np.testing.assert_allclose(at[near], whole[near], rtol=1e-12, atol=1e-9)
    assert np.all(at[~near] > 5_000.0)
    # Points join through their chain's ends.
    st_ = TOWN.streets
    to_u, to_v = graph.leave_arcs(starts, closure)
    e = np.where(starts.ok, starts.edge, 0)
    u, v = st_.edge_u[e].astype(np.int64), st_.edge_v[e].astype(np.int64)
    truth = np.minimum(to_u + whole[:, u], to_v + whole[:, v])
    a, a_m, b, b_m = cx.attach(u, v, to_u, to_v)
    found = np.minimum(a_m + part[:, a], b_m + part[:, b])
    near = truth <= 5_000.0
    assert near.mean() > 0.3
    np.testing.assert_allclose(found[near], truth[near], rtol=1e-12, atol=1e-9)
    assert np.all(found[~near] > 5_000.0)
