"""Distances for fusion: the local frame, straight lines and street graphs."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from magen.domain.values import SourceTier
from magen.picture.fusion import Fuser
from magen.picture.metric import (
    CrowFlies,
    LocalFrame,
    StreetGraphMetric,
    metric_key,
    town_metric,
    walking_graph,
)
from picture.picturekit import FRAME, lonlat, sighting
from support.bakapack import baka_town

GEOD = Geod(ellps="WGS84")


def test_the_local_frame_is_metric_over_a_town() -> None:
    frame = LocalFrame(35.2155, 31.7624)
    rng = np.random.default_rng(1)
    for _ in range(50):
        x, y = rng.uniform(-3000.0, 3000.0, size=2)
        lon, lat = frame.to_lonlat(x, y)
        assert frame.to_xy(lon, lat) == pytest.approx((x, y), abs=1e-6)
        _, _, true = GEOD.inv(frame.lon0, frame.lat0, lon, lat)
        assert np.hypot(x, y) == pytest.approx(true, rel=3e-4)


def test_crow_flies_scales_by_its_detour_factor() -> None:
    targets = np.array([lonlat(300.0, 400.0), lonlat(0.0, 0.0)])
    origin = lonlat(0.0, 0.0)
    assert CrowFlies().distance_m(origin, targets) == pytest.approx([500.0, 0.0], abs=1.0)
    assert CrowFlies(1.3).distance_m(origin, targets)[0] == pytest.approx(650.0, abs=1.5)
    with pytest.raises(ValueError, match="detour"):
        CrowFlies(0.9)


def _two_streets(gap: float) -> StreetGraphMetric:
    """Two parallel streets `gap` m apart, 1 km long, joined only by a 2 km loop at one end."""
    xs = np.arange(0.0, 1001.0, 50.0)
    a = [(x, 0.0) for x in xs]
    b = [(x, gap) for x in xs]
    loop = [(1000.0 + 500.0 * k, gap / 2.0) for k in (1, 2)]
    nodes = a + b + loop
    n = len(xs)
    edges = [(i, i + 1) for i in range(n - 1)] + [(n + i, n + i + 1) for i in range(n - 1)]
    edges += [(n - 1, 2 * n), (2 * n, 2 * n + 1), (2 * n + 1, 2 * n - 1)]
    xy = np.array(nodes)
    u, v = np.array(edges).T
    w = np.hypot(*(xy[u] - xy[v]).T)
    graph = coo_matrix((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(len(xy),) * 2)
    return StreetGraphMetric(np.array([lonlat(x, y) for x, y in nodes]), graph.tocsr())


def test_street_distance_goes_round_by_the_streets() -> None:
    metric = _two_streets(180.0)
    origin = lonlat(500.0, 0.0)
    targets = np.array([lonlat(500.0, 180.0), lonlat(700.0, 0.0)])
    along = metric.distance_m(origin, targets)
    assert along[1] == pytest.approx(200.0, abs=1.0)
    assert along[0] > 2000.0
    fresh = _two_streets(180.0)
    near = fresh.distance_m(origin, targets, limit=600.0)
    assert np.isinf(near[0])
    assert near[1] == pytest.approx(200.0, abs=1.0)
    # A longer limit later is searched again, not served from the short cached search.
    assert fresh.distance_m(origin, targets, limit=10_000.0)[0] == pytest.approx(along[0])


def test_a_point_far_from_any_street_stands_for_its_nearest_node() -> None:
    metric = _two_streets(180.0)
    # 200 m south of street a and 220 m north of street b: nothing within the snap radius.
    origin, target = lonlat(500.0, -200.0), lonlat(500.0, 400.0)
    assert metric.near(np.array([origin, target])) == [(10,), (31,)]
    along = metric.distance_m(origin, np.array([target, lonlat(700.0, 0.0)]))
    # From street a's node to street b's, round by the loop; beside, never under the line.
    assert along[0] > 2000.0
    assert along[1] == pytest.approx(np.hypot(200.0, 200.0), abs=1.0)
    bounded = _two_streets(180.0).distance_m(origin, np.array([target]), limit=1500.0)
    assert np.isinf(bounded[0])


def test_a_street_metric_keeps_apart_groups_that_no_street_joins() -> None:
    def run(fuser: Fuser) -> bool:
        for k in range(5):
            fuser.ingest(
                sighting(f"a{k}", 500.0, 0.0, 10.0 * k, f"acct:v{k}", tier=SourceTier.VERIFIED)
            )
        joined = fuser.ingest(
            sighting("b", 500.0, 180.0, 100.0, "acct:w", tier=SourceTier.VERIFIED)
        )
        return joined == fuser.track_of("a0")

    assert run(Fuser(frame=FRAME))  # in a straight line it is close enough
    assert not run(Fuser(frame=FRAME, metric=_two_streets(180.0)))


def test_street_distances_in_baka_are_never_shorter_than_straight_lines() -> None:
    town = baka_town()
    metric = town_metric(town)
    rng = np.random.default_rng(3)
    nodes = town.streets.node_lonlat
    for i in rng.choice(len(nodes), size=20, replace=False):
        origin = (float(nodes[i, 0]), float(nodes[i, 1]))
        targets = nodes[rng.choice(len(nodes), size=30, replace=False)]
        street = metric.distance_m(origin, targets)
        straight = CrowFlies().distance_m(origin, targets)
        finite = np.isfinite(street)
        assert finite.mean() > 0.8
        assert np.all(street[finite] >= straight[finite] - 1.0)


def test_street_distances_are_the_shortest_walk_between_the_points_snapped_nodes() -> None:
    # The reference: every node within the snap radius of each point (its nearest if none),
    # searched on the graph as given (undirected), against the metric's own cached searches.
    town = baka_town()
    metric = town_metric(town)
    nodes, graph = walking_graph(town)
    xy = metric.frame.array_to_xy(nodes)
    rng = np.random.default_rng(5)
    for _ in range(15):
        origin = nodes[rng.integers(len(nodes))] + rng.normal(0.0, 3e-4, size=2)
        targets = nodes[rng.choice(len(nodes), size=12)] + rng.normal(0.0, 3e-4, size=(12, 2))

        def snapped(p: np.ndarray) -> list[int]:
            px, py = metric.frame.to_xy(float(p[0]), float(p[1]))
            d = np.hypot(xy[:, 0] - px, xy[:, 1] - py)
            near = np.flatnonzero(d <= metric.snap_m)
            return near.tolist() if len(near) else [int(np.argmin(d))]

        walk = dijkstra(graph, directed=False, indices=snapped(origin), min_only=True)
        want = np.array([walk[snapped(t)].min() for t in targets])
        want = np.maximum(want, CrowFlies().distance_m(tuple(origin), targets))
        got = metric.distance_m((float(origin[0]), float(origin[1])), targets)
        assert got == pytest.approx(want, rel=1e-9)
        # A bounded search agrees within its bound and says nothing beyond it.
        bounded = metric.distance_m((float(origin[0]), float(origin[1])), targets, limit=400.0)
        inside = want <= 400.0
        assert bounded[inside] == pytest.approx(want[inside], rel=1e-9)


def test_a_street_metric_has_a_key_of_its_graph_and_snap() -> None:
    town = baka_town()
    assert town_metric(town).key == town_metric(town).key
    assert town_metric(town).key != town_metric(town, snap_m=30.0).key
    assert town_metric(town).key.startswith("streets ")
    assert CrowFlies().key != CrowFlies(1.3).key
    assert metric_key(None) == "straight-line"
