"""Shortest walking routes: exact on hand-made maps, around danger areas, and incremental."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from geo.geokit import TinyMap, grid_map, lonlat
from magen.geo.importer import ImportReport
from magen.geo.routing import (
    DangerArea,
    DangerShape,
    Tree,
    WalkNetwork,
    drive_matrix,
    shortest_route,
    walk_network,
    walking_seconds,
)
from magen.geo.town import Town

TinyTown = Callable[..., tuple[Town, ImportReport]]
HOUSE = lonlat(-30, 50)
SHELTER = lonlat(230, 50)


def _xy(town: Town, route: list[tuple[float, float]]) -> np.ndarray:
    return town.projection.points_to_xy(np.asarray(route))


def test_shortest_route_on_the_grid_is_exact(tiny_town: TinyTown) -> None:
    town, _ = tiny_town()
    route = shortest_route(town, HOUSE, SHELTER, exposure_weight=0.0)
    assert route is not None
    # 30 m to the street, 50 m up, 200 m along the north street, 50 m down, 30 m across.
    assert route.length_m == pytest.approx(360.0, abs=0.05)
    assert route.seconds == pytest.approx(360.0 / 1.4, abs=0.05)
    xy = _xy(town, route.lonlat)
    hx, hy = town.to_xy(*HOUSE)
    sx, sy = town.to_xy(*SHELTER)
    assert np.hypot(xy[0, 0] - hx, xy[0, 1] - hy) < 1e-6
    assert np.hypot(xy[-1, 0] - sx, xy[-1, 1] - sy) < 1e-6
    # The polyline's own length is the reported length.
    assert np.hypot(*np.diff(xy, axis=0).T).sum() == pytest.approx(route.length_m, abs=1e-6)
    nx, ny = town.to_xy(*lonlat(100, 100))
    assert np.min(np.hypot(xy[:, 0] - nx, xy[:, 1] - ny)) < 0.01


def test_a_danger_area_sends_the_route_the_other_way(tiny_town: TinyTown) -> None:
    town, _ = tiny_town()
    danger = DangerArea("d", *lonlat(100, 100), radius_m=15.0)
    route = shortest_route(town, HOUSE, SHELTER, (danger,), exposure_weight=0.0)
    assert route is not None
    # The south street, with its 10 m dip at n2: 2 x sqrt(100^2 + 10^2) instead of 200.
    assert route.length_m == pytest.approx(160.0 + 2 * np.hypot(100, 10), abs=0.05)
    line = shapely.LineString(_xy(town, route.lonlat))
    centre = shapely.Point(town.to_xy(*lonlat(100, 100)))
    assert line.distance(centre) > 15.0


def test_no_route_when_every_way_is_blocked(tiny_town: TinyTown) -> None:
    town, _ = tiny_town()
    north = DangerArea("n", *lonlat(100, 100), radius_m=15.0)
    south = DangerArea("s", *lonlat(100, -10), radius_m=15.0)
    assert shortest_route(town, HOUSE, SHELTER, (north, south)) is None
    # A polygon across both streets at x = 100 blocks just the same.
    wall = tuple(lonlat(x, y) for x, y in [(90, -50), (110, -50), (110, 150), (90, 150)])
    assert shortest_route(town, HOUSE, SHELTER, (DangerArea("w", *wall[0], 0.0, wall),)) is None


# From the house to a shelter at (230, y): 30 m to the street and 30 m from it at the end, plus
# 50 m down, the south street and y up; or 50 m up, the north street and 100 - y down.
def _south(y: float) -> float:
    return 110.0 + 2 * float(np.hypot(100, 10)) + y


def _north(y: float) -> float:
    return 310.0 + 100.0 - y


@pytest.mark.parametrize(
    ("shelter_y", "danger", "radius", "expected"),
    [
        # On the house's street, south of it: another segment, then its own segment.
        (10.0, (0.0, 20.0), 5.0, _north(10.0)),
        (10.0, (0.0, 40.0), 5.0, _north(10.0)),
        # ... north of it.
        (90.0, (0.0, 80.0), 5.0, _south(90.0)),
        (90.0, (0.0, 60.0), 5.0, _south(90.0)),
        # On the shelter's street, north of its entrance: another segment, then its own.
        (50.0, (200.0, 90.0), 5.0, _south(50.0)),
        (50.0, (200.0, 60.0), 5.0, _south(50.0)),
        # A danger on the far end of the house's own segment leaves the near end open.
        (90.0, (0.0, 32.0), 5.0, _north(90.0)),
    ],
)
def test_a_danger_on_part_of_a_street_closes_that_part_only(
    tiny_town: TinyTown,
    shelter_y: float,
    danger: tuple[float, float],
    radius: float,
    expected: float,
) -> None:
    m = grid_map()
    m.shelters = []
    m.shelter(230, shelter_y, shelter_no="7")
    town, _ = tiny_town(m)
    area = DangerArea("d", *lonlat(*danger), radius_m=radius)
    route = shortest_route(town, HOUSE, lonlat(230, shelter_y), (area,), exposure_weight=0.0)
    assert route is not None
    assert route.length_m == pytest.approx(expected, abs=0.05)
    line = shapely.LineString(_xy(town, route.lonlat))
    assert line.distance(shapely.Point(town.to_xy(*lonlat(*danger)))) > radius


def test_less_exposed_streets_are_preferred(tiny_town: TinyTown) -> None:
    m = TinyMap()
    m.street(1, [(0, 0), (100, -10), (200, 0)])
    m.street(2, [(0, 100), (100, 100), (200, 100)], highway="primary")
    m.street(3, [(0, 0), (0, 100)])
    m.street(4, [(100, -10), (100, 100)])
    m.street(5, [(200, 0), (200, 100)])
    m.building(10, -30, 50)
    m.shelter(230, 50, shelter_no="7")
    town, _ = tiny_town(m)
    shortest = shortest_route(town, HOUSE, SHELTER, exposure_weight=0.0)
    covered = shortest_route(town, HOUSE, SHELTER, exposure_weight=1.0)
    assert shortest is not None
    assert covered is not None
    assert shortest.length_m == pytest.approx(360.0, abs=0.05)  # along the main road
    assert covered.length_m == pytest.approx(160.0 + 2 * np.hypot(100, 10), abs=0.05)
    assert covered.cost < 1.5 * 200 + 1.25 * 160  # it did avoid the primary road's cost


def test_walking_straight_along_a_shared_street(tiny_town: TinyTown) -> None:
    m = TinyMap()
    m.street(1, [(0, 0), (150, 0), (300, 0)])
    m.building(10, 50, 20)
    m.shelter(250, -20, shelter_no="1")
    town, _ = tiny_town(m)
    route = shortest_route(town, lonlat(50, 20), lonlat(250, -20), exposure_weight=0.0)
    assert route is not None
    assert route.length_m == pytest.approx(240.0, abs=0.05)
    # The street is the only way; a danger on it between the two closes it...
    danger = DangerArea("d", *lonlat(150, 0), radius_m=10.0)
    assert shortest_route(town, lonlat(50, 20), lonlat(250, -20), (danger,)) is None
    between = DangerArea("b", *lonlat(200, 0), radius_m=10.0)
    assert shortest_route(town, lonlat(50, 20), lonlat(250, -20), (between,)) is None
    # ... but not one beyond the shelter, even on the same segment.
    beyond = DangerArea("e", *lonlat(280, 0), radius_m=10.0)
    route = shortest_route(town, lonlat(50, 20), lonlat(250, -20), (beyond,), exposure_weight=0.0)
    assert route is not None
    assert route.length_m == pytest.approx(240.0, abs=0.05)


def test_driving_graph_keeps_one_way_streets_one_way(tiny_town: TinyTown) -> None:
    m = TinyMap()
    m.street(1, [(0, 0), (100, 0)], highway="residential", oneway="yes")
    m.street(2, [(100, 0), (100, 100), (0, 100), (0, 0)], highway="residential")
    m.street(3, [(0, 0), (-100, 0)], highway="footway")
    m.building(10, 50, 20)
    m.shelter(50, -20, shelter_no="1")
    town, _ = tiny_town(m)
    graph = drive_matrix(town)
    a = town.snap(*lonlat(0, 0))
    b = town.snap(*lonlat(100, 0))
    dist = dijkstra(graph, indices=[a, b])
    assert dist[0, b] == pytest.approx(100.0, abs=0.05)  # along the one-way street
    assert dist[1, a] == pytest.approx(300.0, abs=0.05)  # the long way round
    footway_end = town.snap(*lonlat(-100, 0))
    assert np.isinf(dist[0, footway_end])  # no driving on a footway
    walk = shortest_route(town, lonlat(100, 0), lonlat(0, 0), exposure_weight=0.0)
    assert walk is not None
    assert walk.length_m == pytest.approx(100.0, abs=0.05)  # people walk both ways


def test_walking_time_at_a_given_speed() -> None:
    assert float(walking_seconds(140.0)) == pytest.approx(100.0)
    assert walking_seconds(np.array([0.0, 70.0]), speed_mps=1.0).tolist() == [0.0, 70.0]


def test_danger_area_validation() -> None:
    with pytest.raises(ValueError, match="positive radius"):
        DangerArea("x", 35.2, 31.7, 0.0)
    with pytest.raises(ValueError, match="three corners"):
        DangerArea("x", 35.2, 31.7, 10.0, ((35.2, 31.7), (35.3, 31.7)))
    with pytest.raises(ValueError, match="finite"):
        DangerArea("x", 35.2, 31.7, float("nan"))


def _full_tree(net: WalkNetwork, areas: list[DangerArea], closed: np.ndarray, limit: float) -> Tree:
    blocking = net.blocking([net.blocked_by(DangerShape.of(net.town, a)) for a in areas])
    return net.search(blocking, net.sites, net.sites_closed(blocking, ~closed), limit)


def _same(a: Tree, b: Tree) -> None:
    inf = np.isinf(a.cost)
    assert np.array_equal(inf, np.isinf(b.cost))
    assert np.allclose(a.cost[~inf], b.cost[~inf], rtol=1e-12, atol=1e-9)
    assert np.allclose(a.length[~inf], b.length[~inf], rtol=1e-9, atol=1e-6)


def test_tree_links_add_up(baka: Town) -> None:
    net = walk_network(baka)
    rng = np.random.default_rng(3)
    spots = baka.buildings.lonlat[rng.choice(len(baka.buildings), 3, replace=False)]
    areas = [DangerArea(f"a{i}", float(x), float(y), 80.0) for i, (x, y) in enumerate(spots)]
    tree = _full_tree(net, areas, np.zeros(len(net.sites), dtype=bool), np.inf)
    inner = np.flatnonzero(tree.pred >= 0)
    assert inner.shape[0] > 300
    edge = tree.link_edge[inner]
    blocking = net.blocking([net.blocked_by(DangerShape.of(baka, a)) for a in areas])
    assert not blocking.edge[edge].any()
    assert np.allclose(tree.cost[inner], tree.cost[tree.pred[inner]] + net.edge_cost[edge])
    length = baka.streets.edge_length[edge]
    assert np.allclose(tree.length[inner], tree.length[tree.pred[inner]] + length)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_incremental_update_equals_a_full_search(baka: Town, data: st.DataObject) -> None:
    net = walk_network(baka)
    m = len(net.sites)
    pool_idx = data.draw(
        st.lists(st.integers(0, len(baka.buildings) - 1), min_size=1, max_size=8, unique=True)
    )
    radii = data.draw(
        st.lists(st.floats(20.0, 250.0), min_size=len(pool_idx), max_size=len(pool_idx))
    )
    pool = [
        DangerArea(f"p{i}", *map(float, baka.buildings.lonlat[b]), radius_m=r)
        for i, (b, r) in enumerate(zip(pool_idx, radii, strict=True))
    ]
    limit = data.draw(st.sampled_from([np.inf, 250.0, 600.0]))
    tree = _full_tree(net, [], np.zeros(m, dtype=bool), limit)
    for _ in range(data.draw(st.integers(1, 4))):
        chosen = data.draw(
            st.lists(st.sampled_from(pool), max_size=len(pool), unique_by=lambda a: a.id)
        )
        closed = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)))
        blocking = net.blocking([net.blocked_by(DangerShape.of(baka, a)) for a in chosen])
        tree = net.update(tree, blocking, net.sites_closed(blocking, ~closed))
        _same(tree, _full_tree(net, chosen, closed, limit))
