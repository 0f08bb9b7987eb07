"""Dispatch searches: how rows are batched, and that landmark bounds stay below the truth.

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

from magen.dispatch.assign import _BATCH, _BATCH_REACH, _batches
from magen.dispatch.travel import Mode, travel_network
from magen.geo.town import Town
from support.bakapack import baka_town

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
