"""Distances for fusion: a local metric frame, crow-flies and street-graph metrics.

Fusion asks one question of the map: how far must a group move, along the ways it can
use, to get from one point to others. `Metric` is that question; `CrowFlies` answers it
without a map and `StreetGraphMetric` answers it over a town's walking graph (CSR arrays).
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

# WGS84. The frame uses the ellipsoid's radii of curvature at its origin, so distances are
# right to about 1e-4 over a few kilometres.
_A = 6_378_137.0
_E2 = 6.694379990141e-3
_DEG = math.pi / 180.0

if TYPE_CHECKING:
    from magen.geo.town import Town

try:  # fusion's street search, compiled (setup.py); scipy's dijkstra does without it
    from magen.picture import _streets
except ImportError:  # pragma: no cover - a tree set up without a C compiler
    _streets = None  # type: ignore[assignment]
_nearest = None if _streets is None else _streets.nearest

FloatArray = NDArray[np.float64]


class LocalFrame:
    """An equirectangular metric frame (metres east, north) around an origin."""

    __slots__ = ("kx", "ky", "lat0", "lon0")

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = lon0
        self.lat0 = lat0
        sin2 = math.sin(lat0 * _DEG) ** 2
        meridian = _A * (1.0 - _E2) / (1.0 - _E2 * sin2) ** 1.5
        normal = _A / math.sqrt(1.0 - _E2 * sin2)
        self.ky = meridian * _DEG
        self.kx = normal * math.cos(lat0 * _DEG) * _DEG

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Project one WGS84 point to metres."""
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        """Unproject metres to WGS84."""
        return self.lon0 + x / self.kx, self.lat0 + y / self.ky

    def array_to_xy(self, lonlat: FloatArray) -> FloatArray:
        """Project an (n, 2) lon/lat array to metres."""
        out = np.empty_like(lonlat, dtype=np.float64)
        out[:, 0] = (lonlat[:, 0] - self.lon0) * self.kx
        out[:, 1] = (lonlat[:, 1] - self.lat0) * self.ky
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LocalFrame):
            return NotImplemented
        return (self.lon0, self.lat0) == (other.lon0, other.lat0)

    def __hash__(self) -> int:
        return hash((self.lon0, self.lat0))

    def __repr__(self) -> str:
        return f"LocalFrame(lon0={self.lon0}, lat0={self.lat0})"


class Metric(Protocol):
    """How far a group must move from one lon/lat point to each of several others.

    `key` names the metric and the map it measures on, so a picture saved under one metric
    is never taken for one folded under another (see `metric_key`).
    """

    @property
    def key(self) -> str:
        """A short name that equals another metric's only if they measure alike."""
        ...

    def distance_m(
        self, origin: tuple[float, float], targets: FloatArray, limit: float = math.inf
    ) -> FloatArray:
        """Metres from `origin` (lon, lat) to each row of `targets`; may be inf beyond `limit`."""
        ...


class CrowFlies:
    """Straight-line distance times a detour factor (1.0 is a lower bound on any street path)."""

    def __init__(self, detour_factor: float = 1.0) -> None:
        if detour_factor < 1.0:
            raise ValueError("a detour factor below 1 would claim paths shorter than a line")
        self.detour_factor = detour_factor

    @property
    def key(self) -> str:
        """The metric's name with its detour factor."""
        return f"crow-flies x{self.detour_factor!r}"

    def distance_m(
        self, origin: tuple[float, float], targets: FloatArray, limit: float = math.inf
    ) -> FloatArray:
        """Metres from `origin` to each target, in a frame centred on the origin."""
        frame = LocalFrame(origin[0], origin[1])
        xy = frame.array_to_xy(np.asarray(targets, dtype=np.float64).reshape(-1, 2))
        return np.hypot(xy[:, 0], xy[:, 1]) * self.detour_factor


class StreetGraphMetric:
    """How far apart two points are along a street graph, forgiving where pins are dropped.

    The graph is a symmetric CSR matrix of edge lengths in metres over `node_lonlat`. A
    reported position is rarely on the street the group walks: people pin their own window
    or a yard. So a point stands for every node within `snap_m` of it (its nearest node if
    none), and the distance is the shortest street path between any node of one point and
    any node of the other, never less than the straight line. That makes it a gate that
    rejects what no street allows, not one that punishes a pin on the parallel street.
    Each search is bounded by the limit asked for. Compiled (`_streets.c`, built by
    setup.py), it also stops once every target has a node settled and touches only the
    nodes it settles, where scipy's dijkstra costs ~120 us a call on a town of 23,000 nodes
    whatever it settles. Without it, scipy's searches are kept in a small LRU cache for a
    point asked about again (an incident's place). Both give the same floats within the
    limit (beyond it, inf or a distance past the limit), and the metric is safe to share
    between threads: the live picture and the time slider's replays measure on one metric.
    """

    def __init__(
        self,
        node_lonlat: FloatArray,
        graph: csr_matrix,
        *,
        snap_m: float = 60.0,
        cache_size: int = 512,
    ) -> None:
        nodes = np.asarray(node_lonlat, dtype=np.float64)
        if nodes.ndim != 2 or nodes.shape[1] != 2 or len(nodes) == 0:
            raise ValueError("node_lonlat must be a non-empty (n, 2) array")
        if graph.shape != (len(nodes), len(nodes)):
            raise ValueError("graph must be n x n over the nodes")
        centre = nodes.mean(axis=0)
        self.frame = LocalFrame(float(centre[0]), float(centre[1]))
        self.snap_m = snap_m
        # Searched as a directed graph (scipy would otherwise transpose it on every search),
        # so each street is stored both ways, the shorter of the two where they differ.
        self._graph = _symmetric(csr_matrix(graph, dtype=np.float64))
        self._tree = cKDTree(self.frame.array_to_xy(nodes))
        self._cache: OrderedDict[tuple[int, ...], tuple[float, FloatArray]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        # The compiled search's view of the graph, and its scratch (see `_scratch`).
        self._indptr = np.ascontiguousarray(self._graph.indptr, dtype=np.int32)
        self._indices = np.ascontiguousarray(self._graph.indices, dtype=np.int32)
        self._weights = np.ascontiguousarray(self._graph.data, dtype=np.float64)
        self._scratch()
        self.queries = 0  # distance_m calls, for benchmarks and tests
        self.searches = 0  # graph searches run (the rest came from the cache)
        digest = hashlib.sha256(f"streets snap {snap_m!r}\n".encode())
        for part in (nodes, self._graph.indptr, self._graph.indices, self._graph.data):
            digest.update(np.ascontiguousarray(part).tobytes())
        self._key = f"streets {len(nodes)} nodes {digest.hexdigest()[:24]}"

    @property
    def key(self) -> str:
        """The graph's size and a digest of its nodes, edges, lengths and snap radius."""
        return self._key

    def _scratch(self) -> None:
        # Over every node: +inf distances and no target marks, as the compiled search finds
        # them and leaves them (it holds the GIL, so threads never share them mid-search).
        n = self._graph.shape[0]
        self._dist = np.full(n, math.inf, dtype=np.float64)
        self._mark = np.zeros(n, dtype=np.int32)

    def __getstate__(self) -> dict[str, Any]:
        # The lock cannot be pickled; the cache is only a cache and the scratch only scratch.
        state = dict(self.__dict__)
        del state["_lock"], state["_dist"], state["_mark"]
        state["_cache"] = OrderedDict()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._scratch()

    def near(self, lonlat: FloatArray) -> list[tuple[int, ...]]:
        """The nodes each (lon, lat) row stands for: those within `snap_m`, else the nearest."""
        xy = self.frame.array_to_xy(np.asarray(lonlat, dtype=np.float64).reshape(-1, 2))
        return [tuple(nodes) for nodes in self._snap(xy)]

    def _from(self, sources: tuple[int, ...], limit: float) -> FloatArray:
        with self._lock:
            cached = self._cache.get(sources)
            if cached is not None and cached[0] >= limit:
                self._cache.move_to_end(sources)
                return cached[1]
        self.searches += 1
        dist = np.asarray(
            dijkstra(self._graph, directed=True, indices=list(sources), limit=limit, min_only=True),
            dtype=np.float64,
        )
        with self._lock:
            self._cache[sources] = (limit, dist)
            self._cache.move_to_end(sources)
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return dist

    def distance_m(
        self, origin: tuple[float, float], targets: FloatArray, limit: float = math.inf
    ) -> FloatArray:
        """Metres along streets from `origin` to each target; may be inf beyond `limit`."""
        self.queries += 1
        points = np.asarray(targets, dtype=np.float64).reshape(-1, 2)
        # CrowFlies().distance_m, inlined (the same floats): most calls are fusion's checks.
        here = LocalFrame(origin[0], origin[1])
        straight: FloatArray = np.hypot(
            (points[:, 0] - here.lon0) * here.kx, (points[:, 1] - here.lat0) * here.ky
        )
        # A fusion check asks of one to a few targets: lists beat arrays this small.
        frame = self.frame
        xy = np.empty((len(points) + 1, 2), dtype=np.float64)
        xy[0] = frame.to_xy(origin[0], origin[1])
        xy[1:, 0] = (points[:, 0] - frame.lon0) * frame.kx
        xy[1:, 1] = (points[:, 1] - frame.lat0) * frame.ky
        if _nearest is not None:
            # One search from the origin's nodes that stops once every target has a node
            # settled: the first settled is its nearest, the same float scipy finds.
            self.searches += 1
            snapped = self._snap(xy, ordered=False)
            found = _nearest(
                self._indptr,
                self._indices,
                self._weights,
                self._dist,
                self._mark,
                snapped[0],
                snapped[1:],
                limit,
            )
            return np.maximum(np.array(found, dtype=np.float64), straight)
        # Streets seldom wind to twice the straight line: search that far first, and as far
        # as the limit only when a target is not reached. The answer is the same (a node
        # reached is reached by its shortest path, and one beyond a search's bound is
        # beyond the limit or searched for again), and a vehicle's long reach seldom costs
        # a search of half the town.
        far = max(straight.tolist(), default=0.0)
        first = min(limit, 2.0 * far + 2.0 * self.snap_m)
        snapped = self._snap(xy)
        sources = tuple(snapped[0])
        ends = snapped[1:]
        dist = self._from(sources, first)
        along = [min(dist[nodes].tolist()) for nodes in ends]
        if first < limit and math.inf in along:
            dist = self._from(sources, limit)
            along = [min(dist[nodes].tolist()) for nodes in ends]
        return np.maximum(np.array(along, dtype=np.float64), straight)

    def _snap(self, xy: FloatArray, *, ordered: bool = True) -> list[list[int]]:
        """Each point's snapped nodes (sorted if `ordered`): within `snap_m`, else the nearest."""
        tree = self._tree
        balls: list[list[int]] = tree.query_ball_point(
            xy, self.snap_m, return_sorted=ordered
        ).tolist()
        for row, ball in enumerate(balls):
            if not ball:
                _, nearest = tree.query(xy[row])
                balls[row] = [int(nearest)]
        return balls


def _symmetric(graph: csr_matrix) -> csr_matrix:
    """The graph with every edge both ways, the shorter length where both ways are given."""
    coo = graph.tocoo()
    rows = np.r_[coo.row, coo.col]
    cols = np.r_[coo.col, coo.row]
    w = np.r_[coo.data, coo.data]
    keep = w > 0.0  # csgraph reads a stored zero as no edge
    rows, cols, w = rows[keep], cols[keep], w[keep]
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    n = graph.shape[0]
    return coo_matrix((w[first], (rows[first], cols[first])), shape=(n, n)).tocsr()


def metric_key(metric: Metric | None) -> str:
    """What a fuser measures movement with: "straight-line" without a metric, else its key."""
    return "straight-line" if metric is None else metric.key


def walking_graph(town: Town) -> tuple[FloatArray, csr_matrix]:
    """A town's walkable streets as node positions and a symmetric CSR matrix of metres."""
    from magen.geo.streets import EdgeFlag

    streets = town.streets
    walk = streets.edges_with(EdgeFlag.WALK)
    u = streets.edge_u[walk]
    v = streets.edge_v[walk]
    used, inverse = np.unique(np.concatenate([u, v]), return_inverse=True)
    a, b = inverse[: len(u)], inverse[len(u) :]
    # csgraph reads a stored zero as "no street"; parallel streets keep the shortest.
    length = np.maximum(streets.edge_length[walk], 1e-3)
    rows, cols, w = np.r_[a, b], np.r_[b, a], np.r_[length, length]
    order = np.lexsort((w, cols, rows))
    rows, cols, w = rows[order], cols[order], w[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    n = len(used)
    graph = coo_matrix((w[first], (rows[first], cols[first])), shape=(n, n)).tocsr()
    return np.asarray(streets.node_lonlat[used], dtype=np.float64), graph


def town_metric(town: Town, *, snap_m: float = 60.0, cache_size: int = 512) -> StreetGraphMetric:
    """Walking distances over a town pack's streets."""
    nodes, graph = walking_graph(town)
    return StreetGraphMetric(nodes, graph, snap_m=snap_m, cache_size=cache_size)
