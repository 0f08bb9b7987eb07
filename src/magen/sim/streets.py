"""Moving along a town's real streets: walking and driving routes as polylines, and legs on them."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from magen.geo.routing import drive_matrix
from magen.geo.streets import EdgeFlag
from magen.geo.town import Town

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_PRED_CACHE = 512
_NODE_CACHE = 50_000
_LINE_CACHE = 8192


@dataclass
class Leg:
    """A movement along a polyline (local metres) at a constant speed from a start time."""

    xy: FloatArray
    cum: FloatArray
    t0: float
    speed: float

    @classmethod
    def along(cls, xy: FloatArray, t0: float, speed: float) -> Leg:
        """A leg over the given points."""
        pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 1:
            pts = np.vstack([pts, pts])
        steps = np.hypot(*np.diff(pts, axis=0).T) if len(pts) > 1 else np.zeros(0)
        return cls(pts, np.concatenate([[0.0], np.cumsum(steps)]), t0, max(speed, 0.05))

    @property
    def length(self) -> float:
        return float(self.cum[-1])

    @property
    def end(self) -> float:
        return self.t0 + self.length / self.speed

    def at(self, t: float) -> FloatArray:
        """Where the mover is at time t (clamped to the ends)."""
        s = min(max((t - self.t0) * self.speed, 0.0), self.length)
        return np.array(
            [np.interp(s, self.cum, self.xy[:, 0]), np.interp(s, self.cum, self.xy[:, 1])]
        )

    def heading_deg(self, t: float) -> float | None:
        """Compass heading at time t (0 = north), None once arrived."""
        s = (t - self.t0) * self.speed
        if s >= self.length or len(self.xy) < 2:
            return None
        i = int(np.searchsorted(self.cum, max(s, 0.0), side="right")) - 1
        i = min(max(i, 0), len(self.xy) - 2)
        dx, dy = self.xy[i + 1] - self.xy[i]
        return float(np.degrees(np.arctan2(dx, dy)) % 360.0)


class Movers:
    """Many legs at once, keyed by an integer: positions of all of them in one numpy pass.

    Legs are appended in batches and retired by a mask; the arrays are compacted only when
    most of them are retired, so a step costs numpy work, not a Python loop over movers.
    """

    _COMPACT_AT = 256

    def __init__(self) -> None:
        self.legs: dict[int, Leg] = {}
        self._slot: dict[int, int] = {}
        self._pending: list[tuple[int, Leg]] = []
        self._reset()

    def _reset(self) -> None:
        self._keys = np.zeros(0, dtype=np.int64)
        self._live = np.zeros(0, dtype=bool)
        self._cum = np.zeros(0)
        self._xy = np.zeros((0, 2))
        self._first = np.zeros(0, dtype=np.int64)
        self._last = np.zeros(0, dtype=np.int64)
        self._base = np.zeros(0)
        self._length = np.zeros(0)
        self._t0 = np.zeros(0)
        self._speed = np.zeros(0)
        self._next_base = 0.0
        self._slot.clear()

    def __contains__(self, key: object) -> bool:
        return key in self.legs

    def __len__(self) -> int:
        return len(self.legs)

    def __getitem__(self, key: int) -> Leg:
        return self.legs[key]

    def put(self, key: int, leg: Leg) -> None:
        """Start (or replace) a key's leg."""
        self.pop(key)
        self.legs[key] = leg
        self._pending.append((key, leg))

    def pop(self, key: int) -> Leg | None:
        """Retire a key's leg."""
        leg = self.legs.pop(key, None)
        if leg is None:
            return None
        slot = self._slot.pop(key, None)
        if slot is not None:
            self._live[slot] = False
        else:
            self._pending = [(k, g) for k, g in self._pending if k != key]
        return leg

    def _flush(self) -> None:
        dead = int((~self._live).sum())
        if dead > self._COMPACT_AT and dead * 2 > len(self._live):
            survivors = [(int(k), self.legs[int(k)]) for k in self._keys[self._live]]
            self._reset()
            self._pending = survivors + self._pending
        if not self._pending:
            return
        legs = [g for _, g in self._pending]
        sizes = np.array([len(g.cum) for g in legs], dtype=np.int64)
        length = np.array([g.cum[-1] for g in legs], dtype=np.float64)
        # Each leg's distances are shifted past the previous legs': one sorted array for all.
        base = self._next_base + np.concatenate([[0.0], np.cumsum(length + 1.0)[:-1]])
        first = len(self._cum) + np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        n0 = len(self._keys)
        self._keys = np.concatenate([self._keys, [k for k, _ in self._pending]]).astype(np.int64)
        self._live = np.concatenate([self._live, np.ones(len(legs), dtype=bool)])
        self._cum = np.concatenate(
            [self._cum, np.repeat(base, sizes) + np.concatenate([g.cum for g in legs])]
        )
        self._xy = np.concatenate([self._xy, *(g.xy for g in legs)])
        self._first = np.concatenate([self._first, first])
        self._last = np.concatenate([self._last, first + sizes - 2])
        self._base = np.concatenate([self._base, base])
        self._length = np.concatenate([self._length, length])
        self._t0 = np.concatenate([self._t0, [g.t0 for g in legs]])
        self._speed = np.concatenate([self._speed, [g.speed for g in legs]])
        self._next_base = float(base[-1] + length[-1] + 1.0)
        for i, (k, _) in enumerate(self._pending):
            self._slot[k] = n0 + i
        self._pending = []

    def advance(self, t: float) -> tuple[IntArray, FloatArray, npt.NDArray[np.bool_]]:
        """Every mover's key (ascending), position at time t, and whether it has arrived."""
        self._flush()
        live = np.flatnonzero(self._live)
        if not len(live):
            return np.zeros(0, dtype=np.int64), np.zeros((0, 2)), np.zeros(0, dtype=bool)
        order = live[np.argsort(self._keys[live], kind="stable")]
        length, base = self._length[order], self._base[order]
        s = np.clip((t - self._t0[order]) * self._speed[order], 0.0, length)
        i = np.searchsorted(self._cum, s + base, side="right") - 1
        i = np.clip(i, self._first[order], self._last[order])
        span = self._cum[i + 1] - self._cum[i]
        safe = np.where(span > 0, span, 1.0)
        frac = np.clip(np.where(span > 0, (s + base - self._cum[i]) / safe, 0.0), 0.0, 1.0)
        pos = self._xy[i] + frac[:, None] * (self._xy[i + 1] - self._xy[i])
        arrived = t >= self._t0[order] + length / self._speed[order]
        return self._keys[order], pos, arrived


def _undirected(town: Town, mask: npt.NDArray[np.bool_]) -> csr_matrix:
    st = town.streets
    u, v, w = st.edge_u[mask], st.edge_v[mask], np.maximum(st.edge_length[mask], 1e-3)
    rows, cols, vals = np.r_[u, v], np.r_[v, u], np.r_[w, w]
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    n = st.node_count
    return coo_matrix((vals[first], (rows[first], cols[first])), shape=(n, n)).tocsr()


class StreetMap:
    """A town's walking and driving graphs, with each route drawn along the real streets."""

    def __init__(self, town: Town) -> None:
        self.town = town
        st = town.streets
        self.node_xy: FloatArray = np.asarray(st.node_xy, dtype=np.float64)
        real = st.edge_u != st.edge_v
        walk = st.edges_with(EdgeFlag.WALK) & real
        drive = st.edges_with(EdgeFlag.DRIVE) & real
        self.graphs: dict[str, csr_matrix] = {
            "walk": _undirected(town, walk),
            "drive": drive_matrix(town),
        }
        # The polyline between two nodes is the shortest edge joining them.
        self._edge: dict[tuple[int, int], int] = {}
        for e in np.argsort(-st.edge_length, kind="stable").tolist():
            u, v = int(st.edge_u[e]), int(st.edge_v[e])
            self._edge[(u, v)] = e
            self._edge[(v, u)] = e
        self._nodes: dict[str, IntArray] = {}
        self._trees: dict[str, cKDTree] = {}
        for kind, mask in (("walk", walk), ("drive", drive)):
            nodes = np.unique(np.r_[st.edge_u[mask], st.edge_v[mask]]).astype(np.int64)
            self._nodes[kind] = nodes
            self._trees[kind] = cKDTree(self.node_xy[nodes])
        self._pred: OrderedDict[tuple[str, int], IntArray] = OrderedDict()
        self._near: dict[tuple[str, float, float], int] = {}
        self._lines: OrderedDict[tuple[str, int, int], FloatArray | None] = OrderedDict()

    def nearest_node(self, xy: FloatArray, kind: str = "walk") -> int:
        """The street node of a graph nearest to a point."""
        key = (kind, round(float(xy[0]), 1), round(float(xy[1]), 1))
        found = self._near.get(key)
        if found is None:
            _, i = self._trees[kind].query(np.asarray(xy, dtype=np.float64))
            found = int(self._nodes[kind][int(i)])
            if len(self._near) > _NODE_CACHE:
                self._near.clear()
            self._near[key] = found
        return found

    def nodes_within(self, xy: FloatArray, radius_m: float, kind: str = "walk") -> IntArray:
        """Street nodes of a graph within a radius of a point."""
        idx = self._trees[kind].query_ball_point(np.asarray(xy, dtype=np.float64), radius_m)
        return np.sort(self._nodes[kind][np.asarray(idx, dtype=np.int64)])

    def _predecessors(self, kind: str, source: int) -> IntArray:
        key = (kind, source)
        found = self._pred.get(key)
        if found is not None:
            self._pred.move_to_end(key)
            return found
        _, pred = dijkstra(self.graphs[kind], indices=source, return_predecessors=True)
        pred = np.asarray(pred, dtype=np.int64)
        self._pred[key] = pred
        if len(self._pred) > _PRED_CACHE:
            self._pred.popitem(last=False)
        return pred

    def route_nodes(self, a: int, b: int, kind: str = "walk") -> list[int] | None:
        """The shortest node sequence from a to b, or None when b cannot be reached."""
        if a == b:
            return [a]
        pred = self._predecessors(kind, a)
        if pred[b] < 0:
            return None
        path = [b]
        while path[-1] != a:
            path.append(int(pred[path[-1]]))
        path.reverse()
        return path

    def polyline(self, nodes: list[int]) -> FloatArray:
        """The street geometry along a node sequence, local metres."""
        st = self.town.streets
        parts: list[FloatArray] = [self.node_xy[nodes[:1]]]
        for u, v in itertools.pairwise(nodes):
            e = self._edge[(u, v)]
            g = st.geom_xy[st.edge_geom_offsets[e] : st.edge_geom_offsets[e + 1]]
            if int(st.edge_u[e]) != u:
                g = g[::-1]
            parts.append(np.asarray(g[1:], dtype=np.float64))
        return np.concatenate(parts)

    def route(self, start: FloatArray, end: FloatArray, kind: str = "walk") -> FloatArray:
        """A polyline from a point to a point along the streets (straight if no route)."""
        a, b = self.nearest_node(start, kind), self.nearest_node(end, kind)
        key = (kind, a, b)
        if key in self._lines:
            self._lines.move_to_end(key)
            middle = self._lines[key]
        else:
            nodes = self.route_nodes(a, b, kind)
            middle = self.polyline(nodes) if nodes is not None else None
            self._lines[key] = middle
            if len(self._lines) > _LINE_CACHE:
                self._lines.popitem(last=False)
        if middle is None:
            if kind == "drive":
                return self.route(start, end, "walk")
            middle = np.zeros((0, 2))
        return np.vstack(
            [np.asarray(start, dtype=np.float64), middle, np.asarray(end, dtype=np.float64)]
        )

    def distances_from(self, xy: FloatArray, kind: str = "walk") -> FloatArray:
        """Street distance from a point's nearest node to every node."""
        a = self.nearest_node(xy, kind)
        dist = dijkstra(self.graphs[kind], indices=a)
        return np.asarray(dist, dtype=np.float64)
