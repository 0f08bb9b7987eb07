"""The compiled street search (`magen.picture._streets`) against scipy's dijkstra."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from magen.picture import metric as metric_module
from magen.picture.metric import StreetGraphMetric, town_metric, walking_graph
from support.bakapack import baka_town


def test_the_compiled_street_search_is_built() -> None:
    # Without it fusion along streets falls back on scipy: the same tracks, 15% slower.
    assert metric_module._nearest is not None, "build it: pip install -e . (needs gcc)"


def _queries(
    metric: StreetGraphMetric, seed: int, spread_m: float = 400.0
) -> list[tuple[tuple[float, float], np.ndarray]]:
    nodes = metric._tree.data
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(40):
        centre = nodes[rng.integers(len(nodes))]
        k = int(rng.integers(1, 6))
        xy = np.vstack([centre, centre + rng.normal(0.0, spread_m, size=(k, 2))])
        lonlat = np.array([metric.frame.to_lonlat(float(x), float(y)) for x, y in xy])
        out.append(((float(lonlat[0, 0]), float(lonlat[0, 1])), lonlat[1:]))
    return out


@pytest.mark.parametrize("limit", [150.0, 600.0, 2500.0, math.inf])
def test_the_compiled_search_gives_scipys_distances_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch, limit: float
) -> None:
    compiled = town_metric(baka_town())
    spread = min(limit, 1500.0) / 2.0
    queries = _queries(compiled, seed=int(min(limit, 1e6)) % 97, spread_m=spread)
    got = [compiled.distance_m(origin, targets, limit) for origin, targets in queries]
    monkeypatch.setattr(metric_module, "_nearest", None)
    fallback = town_metric(baka_town())
    want = [fallback.distance_m(origin, targets, limit) for origin, targets in queries]
    reached = 0
    for g, w in zip(got, want, strict=True):
        # Within the limit the very same floats; beyond it each may say inf or more.
        inside = w <= limit
        assert np.array_equal(g[inside], w[inside])
        assert np.all(g[~inside] > limit)
        reached += int(inside.sum())
    assert reached > 20


def test_the_search_stops_at_its_targets_and_leaves_its_scratch_clean() -> None:
    metric = town_metric(baka_town())
    nodes, graph = walking_graph(baka_town())
    full = dijkstra(graph, directed=False, indices=[0], min_only=True)
    order = np.argsort(full)
    near, mid, far = (int(order[k]) for k in (5, 60, 400))
    found = metric_module._nearest
    assert found is not None
    args = (metric._indptr, metric._indices, metric._weights, metric._dist, metric._mark)
    # A target is several nodes; its distance is the nearest of them.
    got = found(*args, [0], [[far, mid], [near], [far]], math.inf)
    assert got == [full[mid], full[near], full[far]]
    # Beyond the limit: inf; at it exactly: reached.
    assert found(*args, [0], [[far]], float(full[mid]))[0] == math.inf
    assert found(*args, [0], [[mid]], float(full[mid])) == [full[mid]]
    assert np.all(np.isinf(metric._dist))
    assert not metric._mark.any()
    # A bad node id changes nothing and says so.
    with pytest.raises(IndexError):
        found(*args, [0], [[near], [len(nodes)]], math.inf)
    with pytest.raises(TypeError):
        found(*args, [0], [["x"]], math.inf)
    assert np.all(np.isinf(metric._dist))
    assert not metric._mark.any()
    # Targets may be any sequence of ints (tuples, ranges, arrays), or empty.
    shapes = [(far, mid), range(near, near + 1), np.array([far]), ()]
    assert found(*args, [0], shapes, math.inf) == [full[mid], full[near], full[far], math.inf]
    assert np.all(np.isinf(metric._dist))
    assert not metric._mark.any()


def test_a_pickled_street_metric_searches_alike() -> None:
    metric = town_metric(baka_town())
    copy = pickle.loads(pickle.dumps(metric))
    for origin, targets in _queries(metric, seed=3)[:10]:
        assert np.array_equal(
            copy.distance_m(origin, targets, 800.0), metric.distance_m(origin, targets, 800.0)
        )
