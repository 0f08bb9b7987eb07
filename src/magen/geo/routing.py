"""Walking routes on the town's street graph, around danger areas, with scipy's Dijkstra.

Graph. The walking graph is a CSR matrix whose structure never changes: one slot per ordered
pair of adjacent street nodes (parallel streets folded into the cheapest). A danger picture
only changes the weights: a blocked street's slots become +inf, which csgraph's Dijkstra never
relaxes. So a new picture costs one array copy, not a graph rebuild.

Destinations. Shelters (or any target point) join the graph as virtual source rows with one
slot to each end of the street they open onto, weighted by the walk along that street. One
multi-source `dijkstra(min_only=True)` then gives every street node its cheapest destination;
a building or a person reaches it from either end of their own street, or straight along it
when the destination is on the same street.

Costs and lengths. Costs are metres times the street's exposure factor (see
`magen.geo.streets`); lengths and times are real metres along the chosen route, summed over
the shortest-path tree by pointer doubling. A street, a building's path to the street or a
shelter's entrance path is blocked when any part of it passes within a danger area (exact
segment-to-geometry distance, via shapely's STRtree).

Incremental updates (`WalkNetwork.update`). When weights change, the old tree is repaired
instead of recomputed: (1) slots that got dearer and carry a tree link cut the subtree below
them; only that subtree is searched again, seeded from its intact neighbours; (2) slots that
got cheaper seed a search from the nodes they improve; a node takes the new value only if it
is strictly better (when very many got cheaper, a full search is as fast and is used). Both
steps are exact, so the repaired tree has the same costs as a full search (property-tested).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from magen.geo.snap import Segments
from magen.geo.streets import EdgeFlag
from magen.geo.town import MAX_ACCESS_M, Town

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Walking speed of an adult hurrying to shelter. 1.4 m/s is the customary design speed of an
# able adult pedestrian (traffic engineering uses 1.2 m/s to cover slower walkers); under an
# alert people hurry but also carry children and help the elderly, so 1.4 m/s stands for the
# whole trip. A deployment sets its own (`Policy.walking_speed_mps`).
WALKING_SPEED_MPS = 1.4
# csgraph reads a stored zero as "no edge"; a millimetre of cost is harmless.
_MIN_WEIGHT = 1e-3
# Beyond this many cheaper slots, repairing a tree costs as much as searching afresh.
_MAX_CHEAPER_REPAIR = 256


@dataclass(frozen=True)
class DangerArea:
    """A place to keep away from: a circle, or a polygon grown by a radius (WGS84)."""

    id: str
    lon: float
    lat: float
    radius_m: float
    polygon: tuple[tuple[float, float], ...] | None = None

    def __post_init__(self) -> None:
        if not (np.isfinite(self.radius_m) and self.radius_m >= 0):
            raise ValueError("danger area radius must be a finite, non-negative number")
        if self.polygon is not None and len(self.polygon) < 3:
            raise ValueError("a danger polygon needs at least three corners")
        if self.polygon is None and self.radius_m <= 0:
            raise ValueError("a danger circle needs a positive radius")


@dataclass(frozen=True, eq=False)
class DangerShape:
    """A danger area in the town's metres: a core geometry and a distance around it."""

    core: shapely.Geometry
    radius: float

    @classmethod
    def of(cls, town: Town, area: DangerArea) -> DangerShape:
        """Project a danger area into the town's metres."""
        if area.polygon is None:
            x, y = town.to_xy(area.lon, area.lat)
            return cls(shapely.Point(float(x), float(y)), float(area.radius_m))
        xy = town.projection.points_to_xy(np.asarray(area.polygon, dtype=np.float64))
        poly = shapely.Polygon(xy)
        if not poly.is_valid:
            poly = shapely.convex_hull(shapely.make_valid(poly))
        return cls(poly, float(area.radius_m))

    def hits(self, a: FloatArray, b: FloatArray) -> BoolArray:
        """Which segments (a[i], b[i]) pass within the area."""
        if not a.shape[0]:
            return np.zeros(0, dtype=bool)
        lines = shapely.linestrings(np.stack([a, b], axis=1))
        return np.asarray(shapely.dwithin(lines, self.core, self.radius))

    def distance(self, xy: FloatArray | npt.NDArray[np.object_]) -> FloatArray:
        """Distance from points (xy, or shapely points) to the area (0 inside)."""
        pts = xy if xy.dtype == object else shapely.points(xy)
        d = shapely.distance(pts, self.core)
        return np.asarray(np.maximum(np.asarray(d, dtype=np.float64) - self.radius, 0.0))


def _stretch(
    shapes: npt.NDArray[np.object_], a: FloatArray, b: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """For segment i known to pass within shapes[i]: the fractions [t0, t1] of it inside."""
    n = a.shape[0]
    t0 = np.zeros(n)
    t1 = np.ones(n)
    if not n:
        return t0, t1
    d = b - a
    dd = np.einsum("ij,ij->i", d, d)
    cores = np.array([sh.core for sh in shapes], dtype=object)
    radius = np.array([sh.radius for sh in shapes], dtype=np.float64)
    circle = shapely.get_type_id(cores) == 0
    if circle.any():
        # |a + t d - c| <= r: a quadratic in t.
        i = np.flatnonzero(circle)
        f = a[i] - shapely.get_coordinates(cores[i])
        half_b = np.einsum("ij,ij->i", f, d[i])
        c = np.einsum("ij,ij->i", f, f) - radius[i] ** 2
        root = np.sqrt(np.maximum(half_b**2 - dd[i] * c, 0.0))
        safe = np.where(dd[i] > 0, dd[i], 1.0)
        t0[i] = np.where(dd[i] > 0, (-half_b - root) / safe, 0.0)
        t1[i] = np.where(dd[i] > 0, (-half_b + root) / safe, 1.0)
    # A polygon: cut the segment with the grown polygon (grown a little more so that the
    # polygonal buffer contains the true one) and take the extent of the pieces.
    quad = 16
    for k in np.flatnonzero(~circle).tolist():
        core: shapely.Geometry = cores[k]
        grown = shapely.buffer(core, radius[k] / np.cos(np.pi / (4 * quad)), quad_segs=quad)
        piece = shapely.intersection(shapely.LineString([a[k], b[k]]), grown)
        pts = shapely.get_coordinates(piece)
        if pts.shape[0] and dd[k] > 0:
            t = (pts - a[k]) @ d[k] / dd[k]
            t0[k], t1[k] = float(t.min()), float(t.max())
    return np.clip(t0, 0.0, 1.0), np.clip(t1, 0.0, 1.0)


class SegmentIndex:
    """An R-tree over segments, to find those within a danger area exactly and fast."""

    def __init__(self, a: FloatArray, b: FloatArray) -> None:
        self.a = a
        self.b = b
        lines = shapely.linestrings(np.stack([a, b], axis=1)) if a.shape[0] else []
        self._tree = shapely.STRtree(lines)

    def within(self, shape: DangerShape) -> IntArray:
        """Indices of the segments that pass within the area, ascending."""
        return self.within_each([shape])[0]

    def within_each(self, shapes: list[DangerShape]) -> list[IntArray]:
        """For each area, the segments that pass within it (one R-tree query for all)."""
        if not shapes:
            return []
        cores = np.array([sh.core for sh in shapes], dtype=object)
        radii = np.array([sh.radius for sh in shapes], dtype=np.float64)
        area, item = self._tree.query(cores, predicate="dwithin", distance=radii)
        order = np.lexsort((item, area))
        area, item = area[order], item[order].astype(np.int64)
        cuts = np.searchsorted(area, np.arange(1, len(shapes)))
        return list(np.split(item, cuts))


@dataclass(frozen=True)
class Access:
    """How points join the walking graph: a street, where along it, and the path to it."""

    origin: FloatArray  # (k, 2) the point itself (building centroid, shelter, person)
    foot: FloatArray  # (k, 2) the point on the street
    edge: IntArray  # -1 when no walkable street is within reach
    seg: IntArray
    along: FloatArray  # metres from the street's u end
    lateral: FloatArray  # metres from the point to the street

    def __len__(self) -> int:
        return int(self.edge.shape[0])

    def take(self, idx: IntArray | int) -> Access:
        """A subset of the accesses."""
        i = np.atleast_1d(np.asarray(idx, dtype=np.int64))
        return Access(
            self.origin[i], self.foot[i], self.edge[i], self.seg[i], self.along[i], self.lateral[i]
        )


@dataclass(frozen=True, eq=False)
class AreaHits:
    """What one danger area closes."""

    seg: IntArray  # street segments passing within the area
    lo: FloatArray  # for each, the stretch within the area: metres from the edge's u end
    hi: FloatArray
    building: IntArray  # buildings whose path to the street passes within it
    shelter: IntArray  # shelters whose entrance path passes within it


@dataclass(frozen=True, eq=False)
class Blocking:
    """What the danger areas close: street segments and edges, and access paths."""

    seg: BoolArray
    lo: FloatArray  # (segments,) closed stretch of each segment along its edge; +inf if open
    hi: FloatArray  # -inf if open
    edge: BoolArray
    building: BoolArray  # a building's path to its street
    shelter: BoolArray  # a shelter's path from its street
    prefix: IntArray  # cumulative count of blocked segments (len seg + 1)

    def closed_between(
        self, seg_a: IntArray, along_a: FloatArray, seg_b: IntArray, along_b: FloatArray
    ) -> BoolArray:
        """Whether walking along one edge between two points (segment, along) meets danger."""
        first = np.minimum(seg_a, seg_b)
        last = np.maximum(seg_a, seg_b)
        lo = np.minimum(along_a, along_b)
        hi = np.maximum(along_a, along_b)
        inner = (self.prefix[last] - self.prefix[np.minimum(first + 1, last)]) > 0
        ends = self._meets(first, lo, hi) | self._meets(last, lo, hi)
        return np.asarray(inner | ends)

    def _meets(self, seg: IntArray, lo: FloatArray, hi: FloatArray) -> BoolArray:
        return np.asarray(self.seg[seg] & (self.lo[seg] <= hi) & (self.hi[seg] >= lo))


@dataclass(frozen=True, eq=False)
class Tree:
    """A shortest-path forest from destinations over the walking graph."""

    cost: FloatArray  # (nodes,) cheapest weighted cost to a destination; inf beyond limit
    length: FloatArray  # (nodes,) real metres along that route
    site: IntArray  # (nodes,) the destination reached, -1 if none
    pred: IntArray  # (nodes,) next node toward the destination; -1 at the destination's street
    link_edge: IntArray  # (nodes,) street walked from pred (or the destination's street); -1
    limit: float
    # What the tree was computed from, for incremental updates.
    parent: IntArray  # (nodes,) pred in the full graph (>= nodes: a destination row); -1
    link_slot: IntArray  # (nodes,) CSR slot of the tree link into the node; -1
    weights: FloatArray  # all slot weights (street slots, then destination slots)
    destinations: Destinations


@dataclass(frozen=True, eq=False)
class Weights:
    """Every slot's cost and real length under one blocking (streets, then destinations)."""

    cost: FloatArray
    length: FloatArray
    street_edge: IntArray  # the street each street slot stands for, -1 if all are blocked


@dataclass(frozen=True, eq=False)
class _Ends:
    """What never changes about how a set of access points meets the graph."""

    ok: BoolArray
    edge: IntArray  # 0 where not ok
    seg: IntArray
    u: IntArray
    v: IntArray
    first_seg: IntArray
    end_seg: IntArray
    cost_u: FloatArray  # unblocked cost to each end
    cost_v: FloatArray
    len_u: FloatArray
    len_v: FloatArray


@dataclass(frozen=True)
class Reach:
    """The best destination of each access point."""

    cost: FloatArray
    length: FloatArray
    site: IntArray  # -1 if none within reach
    side: npt.NDArray[np.int8]  # 0 via the street's u end, 1 via v, 2 straight along the street


class Destinations:
    """Points searches run from (shelter sites, or one target), joined to the graph."""

    def __init__(self, net: WalkNetwork, access: Access) -> None:
        self.access = access
        st = net.town.streets
        m = len(access)
        ok = access.edge >= 0
        e = np.where(ok, access.edge, 0)
        u = np.where(ok, st.edge_u[e], -1)
        v = np.where(ok, st.edge_v[e], -1)
        # Slots per destination row: u end, then v end unless the street is a loop.
        has_v = ok & (v != u)
        per_row = ok.astype(np.int64) + has_v.astype(np.int64)
        indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(per_row, out=indptr[1:])
        slot_u = np.where(ok, indptr[:-1], -1)
        slot_v = np.where(has_v, indptr[:-1] + 1, slot_u)
        col = np.empty(int(indptr[-1]), dtype=np.int64)
        col[slot_u[ok]] = u[ok]
        col[slot_v[has_v]] = v[has_v]
        # CSR wants sorted columns within a row.
        swap = has_v & (v < u)
        col[slot_u[swap]], col[slot_v[swap]] = v[swap], u[swap]
        slot_u = np.where(swap, slot_u + 1, slot_u)
        slot_v = np.where(swap, slot_v - 1, slot_v)
        self.indptr = indptr
        self.col = col
        self.row = np.repeat(np.arange(m, dtype=np.int64), per_row)
        self.slot_u = slot_u
        self.slot_v = slot_v

    def __len__(self) -> int:
        return len(self.access)

    def weights(
        self, net: WalkNetwork, blocking: Blocking, closed: BoolArray
    ) -> tuple[FloatArray, FloatArray]:
        """Cost and real length of every destination slot under a blocking."""
        cu, lu, cv, lv = net.sides(self.access, closed, blocking)
        cost = np.full(self.col.shape[0], np.inf)
        length = np.full(self.col.shape[0], np.inf)
        ok = self.slot_u >= 0
        cost[self.slot_u[ok]] = cu[ok]
        length[self.slot_u[ok]] = lu[ok]
        better = ok & (cv < cost[np.where(ok, self.slot_v, 0)])
        cost[self.slot_v[better]] = cv[better]
        length[self.slot_v[better]] = lv[better]
        return cost, length

    def same_street_pairs(self, access: Access) -> tuple[IntArray, IntArray]:
        """Every (access point, destination) pair on the same street."""
        cand = np.flatnonzero(self.access.edge >= 0)
        cand = cand[np.argsort(self.access.edge[cand], kind="stable")]
        edges = self.access.edge[cand]
        lo = np.searchsorted(edges, access.edge, side="left")
        hi = np.searchsorted(edges, access.edge, side="right")
        count = np.where(access.edge >= 0, hi - lo, 0)
        who = np.repeat(np.arange(len(access), dtype=np.int64), count)
        first = np.cumsum(count) - count
        k = np.arange(who.shape[0], dtype=np.int64) - first[who]
        return who, cand[lo[who] + k]


class WalkNetwork:
    """The walking graph of a town, ready for repeated searches."""

    def __init__(self, town: Town, exposure_weight: float = 1.0) -> None:
        self.town = town
        self.exposure_weight = exposure_weight
        st = town.streets
        n = st.node_count
        self.n = n
        self.edge_factor = 1.0 + exposure_weight * (st.edge_exposure - 1.0)
        self.edge_cost = st.edge_length * self.edge_factor
        self.max_factor = float(self.edge_factor.max()) if self.edge_factor.shape[0] else 1.0
        walk = st.edges_with(EdgeFlag.WALK) & (st.edge_u != st.edge_v)
        e = np.flatnonzero(walk).astype(np.int64)
        row = np.concatenate([st.edge_u[e], st.edge_v[e]])
        col = np.concatenate([st.edge_v[e], st.edge_u[e]])
        edge = np.concatenate([e, e])
        cost = self.edge_cost[edge]
        # Entries sorted by (row, col, cost, edge): the first of each (row, col) run is the
        # cheapest of parallel streets and owns the slot.
        order = np.lexsort((edge, cost, col, row))
        row, col, edge, cost = row[order], col[order], edge[order], cost[order]
        first = np.ones(row.shape[0], dtype=bool)
        first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        self.entry_slot = np.cumsum(first) - 1
        self.entry_edge = edge
        self.entry_cost = cost
        self.slot_row = row[first]
        self.slot_col = col[first]
        self.slot_edge = edge[first]
        self.slot_cost = cost[first]
        self.slot_len = st.edge_length[self.slot_edge]
        self.slot_key = self.slot_row * n + self.slot_col
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.slot_row, minlength=n), out=self.indptr[1:])
        self.segments: Segments = town.segments
        self.seg_edge_start = self.segments.edge_offsets[:-1]
        self.seg_edge_end = self.segments.edge_offsets[1:]
        # One destination per site: its first shelter stands for it.
        sh = town.shelters
        rep = np.full(sh.site_count, len(sh), dtype=np.int64)
        np.minimum.at(rep, sh.site, np.arange(len(sh), dtype=np.int64))
        self.site_shelter = rep
        self._ends_cache: dict[int, tuple[Access, _Ends]] = {}

    @property
    def slot_count(self) -> int:
        return int(self.slot_row.shape[0])

    # --- accesses -------------------------------------------------------------------------

    def _foot(self, seg: IntArray, along: FloatArray) -> FloatArray:
        s = self.segments
        ok = seg >= 0
        if not s.a.shape[0]:
            return np.full((seg.shape[0], 2), np.nan)
        i = np.where(ok, seg, 0)
        d = s.b[i] - s.a[i]
        seg_len = np.hypot(*d.T)
        safe = np.where(seg_len > 0, seg_len, 1.0)
        t = np.clip(np.where(seg_len > 0, (along - s.along_start[i]) / safe, 0.0), 0.0, 1.0)
        return np.where(ok[:, None], s.a[i] + d * t[:, None], np.nan)

    @cached_property
    def building_access(self) -> Access:
        """How every building reaches its street."""
        b = self.town.buildings
        return Access(b.xy, self._foot(b.seg, b.along), b.edge, b.seg, b.along, b.lateral)

    @cached_property
    def shelter_access(self) -> Access:
        """How every shelter is reached from its street."""
        s = self.town.shelters
        return Access(s.xy, self._foot(s.seg, s.along), s.edge, s.seg, s.along, s.lateral)

    @cached_property
    def sites(self) -> Destinations:
        """Shelter sites as search destinations."""
        return Destinations(self, self.shelter_access.take(self.site_shelter))

    @cached_property
    def building_kdtree(self) -> cKDTree:
        """A KD-tree of building centroids."""
        return cKDTree(self.town.buildings.xy)

    @cached_property
    def building_points(self) -> npt.NDArray[np.object_]:
        """Building centroids as shapely points."""
        return np.asarray(shapely.points(self.town.buildings.xy), dtype=object)

    @cached_property
    def building_pairs(self) -> tuple[IntArray, IntArray]:
        """(building, site) pairs on the same street."""
        return self.sites.same_street_pairs(self.building_access)

    def point_access(self, lon: float, lat: float, max_distance_m: float = MAX_ACCESS_M) -> Access:
        """How a WGS84 point reaches the nearest walkable street."""
        snapped = self.town.access(lon, lat, max_distance_m)
        x, y = self.town.to_xy(lon, lat)
        origin = np.array([[float(x), float(y)]])
        return Access(origin, snapped.xy, snapped.edge, snapped.seg, snapped.along, snapped.lateral)

    # --- danger ---------------------------------------------------------------------------

    @cached_property
    def street_index(self) -> SegmentIndex:
        return SegmentIndex(self.segments.a, self.segments.b)

    @cached_property
    def building_index(self) -> SegmentIndex:
        acc = self.building_access
        ok = acc.edge >= 0
        return SegmentIndex(acc.origin, np.where(ok[:, None], acc.foot, acc.origin))

    @cached_property
    def shelter_index(self) -> SegmentIndex:
        acc = self.shelter_access
        ok = acc.edge >= 0
        return SegmentIndex(acc.origin, np.where(ok[:, None], acc.foot, acc.origin))

    def blocked_by(self, shape: DangerShape) -> AreaHits:
        """Street segments (and which stretch of each), building and shelter paths in an area."""
        return self.blocked_by_each([shape])[0]

    def blocked_by_each(self, shapes: list[DangerShape]) -> list[AreaHits]:
        """`blocked_by` for several areas at once (one R-tree query per index)."""
        if not shapes:
            return []
        segs = self.street_index.within_each(shapes)
        seg = np.concatenate(segs)
        owner = np.repeat(np.arange(len(shapes)), [x.shape[0] for x in segs])
        a = self.segments.a[seg]
        b = self.segments.b[seg]
        t0, t1 = _stretch(np.array(shapes, dtype=object)[owner], a, b)
        length = np.hypot(*(b - a).T)
        start = self.segments.along_start[seg]
        lo = np.split(start + t0 * length, np.cumsum([x.shape[0] for x in segs])[:-1])
        hi = np.split(start + t1 * length, np.cumsum([x.shape[0] for x in segs])[:-1])
        buildings = self.building_index.within_each(shapes)
        shelters = self.shelter_index.within_each(shapes)
        return [
            AreaHits(seg=segs[i], lo=lo[i], hi=hi[i], building=buildings[i], shelter=shelters[i])
            for i in range(len(shapes))
        ]

    def blocking(self, parts: list[AreaHits]) -> Blocking:
        """Combine per-area results into one blocking."""
        n_seg = self.segments.a.shape[0]
        seg = np.zeros(n_seg, dtype=bool)
        lo = np.full(n_seg, np.inf)
        hi = np.full(n_seg, -np.inf)
        bld = np.zeros(len(self.town.buildings), dtype=bool)
        shl = np.zeros(len(self.town.shelters), dtype=bool)
        for part in parts:
            seg[part.seg] = True
            np.minimum.at(lo, part.seg, part.lo)
            np.maximum.at(hi, part.seg, part.hi)
            bld[part.building] = True
            shl[part.shelter] = True
        edge = np.zeros(self.town.streets.edge_count, dtype=bool)
        edge[self.segments.edge[seg]] = True
        prefix = np.zeros(n_seg + 1, dtype=np.int64)
        np.cumsum(seg, out=prefix[1:])
        return Blocking(seg=seg, lo=lo, hi=hi, edge=edge, building=bld, shelter=shl, prefix=prefix)

    def connector_blocked(self, access: Access, shapes: list[DangerShape]) -> BoolArray:
        """Whether each access path (point to street) passes within any danger area."""
        out = np.zeros(len(access), dtype=bool)
        end = np.where((access.edge >= 0)[:, None], access.foot, access.origin)
        for shape in shapes:
            out |= shape.hits(access.origin, end)
        return out

    def sites_closed(self, blocking: Blocking, site_usable: BoolArray) -> BoolArray:
        """Sites that cannot be a destination: unusable, or their entrance path is in danger."""
        return np.asarray(blocking.shelter[self.site_shelter] | ~site_usable)

    # --- weights --------------------------------------------------------------------------

    def _ends(self, access: Access) -> _Ends:
        """The unchanging part of how access points meet the graph (kept for long-lived sets)."""
        cached = self._ends_cache.get(id(access))
        if cached is not None and cached[0] is access:
            return cached[1]
        st = self.town.streets
        ok = access.edge >= 0
        e = np.where(ok, access.edge, 0)
        factor = self.edge_factor[e]
        to_v = st.edge_length[e] - access.along
        ends = _Ends(
            ok=ok,
            edge=e,
            seg=np.where(ok, access.seg, 0),
            u=st.edge_u[e],
            v=st.edge_v[e],
            first_seg=self.seg_edge_start[e],
            end_seg=self.seg_edge_end[e],
            cost_u=np.where(ok, access.lateral + access.along * factor, np.inf),
            cost_v=np.where(ok, access.lateral + to_v * factor, np.inf),
            len_u=access.lateral + access.along,
            len_v=access.lateral + to_v,
        )
        sites = self.__dict__.get("sites")
        lasting = access is self.__dict__.get("building_access") or (
            sites is not None and access is sites.access
        )
        if lasting:  # the building and shelter sets live as long as the network
            self._ends_cache[id(access)] = (access, ends)
        return ends

    def sides(
        self, access: Access, closed: BoolArray, blocking: Blocking
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """Cost and length from each access point to its street's u and v ends (inf if blocked)."""
        ends = self._ends(access)
        if not blocking.seg.any():
            cost_u = np.where(closed, np.inf, ends.cost_u)
            cost_v = np.where(closed, np.inf, ends.cost_v)
            return cost_u, ends.len_u, cost_v, ends.len_v
        s = ends.seg
        pre = blocking.prefix
        own = blocking.seg[s]
        blocked_u = ((pre[s] - pre[ends.first_seg]) > 0) | (own & (blocking.lo[s] <= access.along))
        blocked_v = ((pre[ends.end_seg] - pre[s + 1]) > 0) | (
            own & (blocking.hi[s] >= access.along)
        )
        cost_u = np.where(closed | blocked_u, np.inf, ends.cost_u)
        cost_v = np.where(closed | blocked_v, np.inf, ends.cost_v)
        return cost_u, ends.len_u, cost_v, ends.len_v

    def street_weights(self, blocking: Blocking) -> tuple[FloatArray, FloatArray, IntArray]:
        """Cost, real length and street of every street slot under a blocking."""
        blocked = blocking.edge[self.entry_edge]
        if not blocked.any():
            return self.slot_cost, self.slot_len, self.slot_edge
        cost = self.slot_cost.copy()
        edge = self.slot_edge.copy()
        hit = np.zeros(self.slot_count, dtype=bool)
        hit[self.entry_slot[blocked]] = True
        cost[hit] = np.inf
        edge[hit] = -1
        # A blocked street may have an open parallel street between the same two nodes.
        spare = hit[self.entry_slot] & ~blocked
        if spare.any():
            slots, first = np.unique(self.entry_slot[spare], return_index=True)
            idx = np.flatnonzero(spare)[first]
            cost[slots] = self.entry_cost[idx]
            edge[slots] = self.entry_edge[idx]
        length = np.where(edge >= 0, self.town.streets.edge_length[np.maximum(edge, 0)], np.inf)
        return cost, length, edge

    def _matrix(self, dests: Destinations, weights: FloatArray) -> csr_matrix:
        """The CSR graph (streets, then destination rows) with given slot weights."""
        size = self.n + len(dests)
        indptr = np.concatenate([self.indptr, self.indptr[-1] + dests.indptr[1:]])
        indices = np.concatenate([self.slot_col, dests.col])
        return csr_matrix((np.maximum(weights, _MIN_WEIGHT), indices, indptr), shape=(size, size))

    # --- search ---------------------------------------------------------------------------

    def weights(self, blocking: Blocking, dests: Destinations, closed: BoolArray) -> Weights:
        """Slot weights for a blocking and a set of closed destinations."""
        s_cost, s_len, s_edge = self.street_weights(blocking)
        d_cost, d_len = dests.weights(self, blocking, closed)
        return Weights(
            cost=np.concatenate([s_cost, d_cost]),
            length=np.concatenate([s_len, d_len]),
            street_edge=s_edge,
        )

    def search(
        self,
        blocking: Blocking,
        dests: Destinations,
        closed: BoolArray,
        limit: float = np.inf,
        weights: Weights | None = None,
    ) -> Tree:
        """Cheapest destination for every street node: one multi-source Dijkstra."""
        w = weights if weights is not None else self.weights(blocking, dests, closed)
        n = self.n
        d_cost = w.cost[self.slot_count :]
        sources = np.unique(dests.row[np.isfinite(d_cost)]) + n
        if not sources.shape[0]:
            return self._finish(np.full(n, np.inf), np.full(n, -1, dtype=np.int64), w, dests, limit)
        dist, pred, _ = dijkstra(
            self._matrix(dests, w.cost),
            directed=True,
            indices=sources,
            return_predecessors=True,
            limit=limit,
            min_only=True,
        )
        cost = np.asarray(dist[:n], dtype=np.float64)
        parent = np.where(np.isfinite(cost), np.asarray(pred[:n], dtype=np.int64), -1)
        return self._finish(cost, parent, w, dests, limit)

    def _link_slots(self, parent: IntArray, x: IntArray) -> IntArray:
        """The street slot of each link parent[x] -> x (rows are short: scan them)."""
        p = parent[x]
        start = self.indptr[p]
        degree = self.indptr[p + 1] - start
        out = np.full(x.shape[0], -1, dtype=np.int64)
        todo = np.arange(x.shape[0])
        j = 0
        while todo.shape[0]:
            pos = start[todo] + j
            hit = self.slot_col[pos] == x[todo]
            out[todo[hit]] = pos[hit]
            todo = todo[~hit & (degree[todo] > j + 1)]
            j += 1
        return out

    def _finish(
        self, cost: FloatArray, parent: IntArray, w: Weights, dests: Destinations, limit: float
    ) -> Tree:
        """Derive links, lengths and destinations of a tree from costs and parents."""
        n = self.n
        reached = parent >= 0
        inner = reached & (parent < n)
        root = reached & (parent >= n)
        link_slot = np.full(n, -1, dtype=np.int64)
        x = np.flatnonzero(inner)
        link_slot[x] = self._link_slots(parent, x)
        r = np.flatnonzero(root)
        d = parent[r] - n
        slot_u = dests.slot_u[d]
        link_slot[r] = self.slot_count + np.where(dests.col[slot_u] == r, slot_u, dests.slot_v[d])
        link_len = np.where(reached, w.length[np.maximum(link_slot, 0)], 0.0)
        link_edge = np.full(n, -1, dtype=np.int64)
        link_edge[x] = w.street_edge[link_slot[x]]
        link_edge[r] = dests.access.edge[d]
        root_site = np.full(n, -1, dtype=np.int64)
        root_site[r] = d
        pred = np.where(inner, parent, -1)
        length, site = _accumulate(pred, link_len, root_site, reached)
        return Tree(
            cost=np.where(reached, cost, np.inf),
            length=np.where(reached, length, np.inf),
            site=site,
            pred=pred,
            link_edge=link_edge,
            limit=float(limit),
            parent=parent,
            link_slot=link_slot,
            weights=w.cost,
            destinations=dests,
        )

    def update(
        self, old: Tree, blocking: Blocking, closed: BoolArray, weights: Weights | None = None
    ) -> Tree:
        """The tree for new blocking and closures, repaired from an old tree of the same kind."""
        dests = old.destinations
        w = weights if weights is not None else self.weights(blocking, dests, closed)
        new = w.cost
        dearer = new > old.weights
        cheaper = new < old.weights
        if cheaper.sum() > _MAX_CHEAPER_REPAIR:
            # Many streets reopened at once: spreading from all of them costs a full search.
            return self.search(blocking, dests, closed, old.limit, w)
        cost = old.cost.copy()
        parent = old.parent.copy()
        if dearer.any():
            self._repair_dearer(cost, parent, old, np.maximum(old.weights, new), dearer)
        if cheaper.any():
            self._repair_cheaper(
                cost, parent, dests=dests, weights=new, cheaper=cheaper, limit=old.limit
            )
        return self._finish(cost, parent, w, dests, old.limit)

    def _slot_rows(self, dests: Destinations) -> tuple[IntArray, IntArray]:
        rows = np.concatenate([self.slot_row, dests.row + self.n])
        cols = np.concatenate([self.slot_col, dests.col])
        return rows, cols

    def _repair_dearer(
        self, cost: FloatArray, parent: IntArray, old: Tree, weights: FloatArray, dearer: BoolArray
    ) -> None:
        """Re-search only the subtrees hanging from tree links that got dearer (in place)."""
        n = self.n
        cut = (old.link_slot >= 0) & dearer[np.maximum(old.link_slot, 0)]
        if not cut.any():
            return
        hit = _descendants(cut, np.where(parent < n, parent, -1))
        idx = np.flatnonzero(hit)
        cost[idx] = np.inf
        parent[idx] = -1
        rows, cols = self._slot_rows(old.destinations)
        row_cost = np.where(rows < n, cost[np.minimum(rows, n - 1)], 0.0)
        row_hit = np.where(rows < n, hit[np.minimum(rows, n - 1)], False)
        col_hit = hit[cols]
        seed = col_hit & ~row_hit & np.isfinite(row_cost + weights)
        inside = col_hit & row_hit & np.isfinite(weights)
        self._seeded_search(
            cost,
            parent,
            nodes=idx,
            rows=rows,
            cols=cols,
            weights=weights,
            seed=seed,
            inside=inside,
            limit=old.limit,
        )

    def _repair_cheaper(
        self,
        cost: FloatArray,
        parent: IntArray,
        *,
        dests: Destinations,
        weights: FloatArray,
        cheaper: BoolArray,
        limit: float,
    ) -> None:
        """Spread improvements from slots that got cheaper (in place)."""
        n = self.n
        rows, cols = self._slot_rows(dests)
        row_cost = np.where(rows < n, cost[np.minimum(rows, n - 1)], 0.0)
        cand = row_cost + weights
        seed = cheaper & (cand < cost[cols]) & (cand <= limit)
        if not seed.any():
            return
        everything = np.arange(n, dtype=np.int64)
        inside = (rows < n) & np.isfinite(weights)
        self._seeded_search(
            cost,
            parent,
            nodes=everything,
            rows=rows,
            cols=cols,
            weights=weights,
            seed=seed,
            inside=inside,
            limit=limit,
            improve=True,
        )

    def _seeded_search(
        self,
        cost: FloatArray,
        parent: IntArray,
        *,
        nodes: IntArray,
        rows: IntArray,
        cols: IntArray,
        weights: FloatArray,
        seed: BoolArray,
        inside: BoolArray,
        limit: float,
        improve: bool = False,
    ) -> None:
        """Dijkstra over `nodes` from a super source whose entries are the seed slots."""
        n = self.n
        k = nodes.shape[0]
        local = np.full(n, -1, dtype=np.int64)
        local[nodes] = np.arange(k, dtype=np.int64)
        s_rows, s_cols = rows[seed], cols[seed]
        s_cost = np.where(s_rows < n, cost[np.minimum(s_rows, n - 1)], 0.0) + weights[seed]
        # Keep the best seed per node, remembering where it comes from.
        order = np.lexsort((s_rows, s_cost, s_cols))
        s_rows, s_cols, s_cost = s_rows[order], s_cols[order], s_cost[order]
        first = np.ones(s_cols.shape[0], dtype=bool)
        first[1:] = s_cols[1:] != s_cols[:-1]
        s_rows, s_cols, s_cost = s_rows[first], s_cols[first], s_cost[first]
        if not s_cols.shape[0]:
            return
        seed_from = np.full(k, -1, dtype=np.int64)
        seed_from[local[s_cols]] = s_rows
        i_rows, i_cols, i_w = local[rows[inside]], local[cols[inside]], weights[inside]
        super_row = np.full(s_cols.shape[0], k, dtype=np.int64)
        mat = coo_matrix(
            (
                np.maximum(np.concatenate([i_w, s_cost]), _MIN_WEIGHT),
                (np.concatenate([i_rows, super_row]), np.concatenate([i_cols, local[s_cols]])),
            ),
            shape=(k + 1, k + 1),
        ).tocsr()
        dist, pred = dijkstra(mat, directed=True, indices=k, return_predecessors=True, limit=limit)
        dist = np.asarray(dist[:k], dtype=np.float64)
        pred = np.asarray(pred[:k], dtype=np.int64)
        inner = nodes[np.clip(pred, 0, k - 1)]
        new_parent = np.where(pred == k, seed_from, np.where(pred >= 0, inner, -1))
        take = dist < cost[nodes] if improve else np.isfinite(dist)
        cost[nodes[take]] = dist[take]
        parent[nodes[take]] = new_parent[take]

    # --- reaching destinations from access points ---------------------------------------------

    def reach(
        self,
        tree: Tree,
        access: Access,
        *,
        connector_blocked: BoolArray,
        blocking: Blocking,
        closed: BoolArray,
        pairs: tuple[IntArray, IntArray] | None = None,
    ) -> Reach:
        """The best destination for each access point: via either end of its street or along it."""
        dests = tree.destinations
        cu, lu, cv, lv = self.sides(access, connector_blocked, blocking)
        ends = self._ends(access)
        e, u, v = ends.edge, ends.u, ends.v
        via_u = cu + tree.cost[u]
        via_v = cv + tree.cost[v]
        cost = np.minimum(via_u, via_v)
        side = np.where(via_v < via_u, 1, 0).astype(np.int8)
        length = np.where(side == 0, lu + tree.length[u], lv + tree.length[v])
        site = np.where(side == 0, tree.site[u], tree.site[v])
        who, dest = pairs if pairs is not None else dests.same_street_pairs(access)
        if who.shape[0]:
            d = dests.access
            gap = np.abs(access.along[who] - d.along[dest])
            way_closed = blocking.closed_between(
                access.seg[who], access.along[who], d.seg[dest], d.along[dest]
            )
            ok = ~connector_blocked[who] & ~closed[dest] & ~way_closed
            c = np.where(
                ok, access.lateral[who] + gap * self.edge_factor[e[who]] + d.lateral[dest], np.inf
            )
            better = c < cost[who]
            if better.any():
                # Several destinations on one street: the cheapest wins (ties: lowest index).
                w, c2, ds = who[better], c[better], dest[better]
                order = np.lexsort((ds, c2, w))
                w, c2, ds = w[order], c2[order], ds[order]
                keep = np.ones(w.shape[0], dtype=bool)
                keep[1:] = w[1:] != w[:-1]
                w, c2, ds = w[keep], c2[keep], ds[keep]
                cost[w] = c2
                length[w] = (
                    access.lateral[w] + np.abs(access.along[w] - d.along[ds]) + d.lateral[ds]
                )
                site[w] = ds
                side[w] = 2
        # Beyond the search limit the tree knows nothing, so neither does the access point.
        none = ~np.isfinite(cost) | (cost > tree.limit)
        return Reach(
            cost=np.where(none, np.inf, cost),
            length=np.where(none, np.inf, length),
            site=np.where(none, -1, site),
            side=side,
        )

    # --- routes ---------------------------------------------------------------------------

    def route_xy(self, tree: Tree, access: Access, i: int, side: int, site: int) -> FloatArray:
        """The polyline (metres) from access point i to the destination it reaches."""
        if site < 0:
            return np.zeros((0, 2))
        st = self.town.streets
        dest = tree.destinations.access.take(site)
        start = access.take(i)
        pts: list[FloatArray] = [start.origin, start.foot]
        e = int(start.edge[0])
        if side == 2:
            pts.append(self._along(e, float(start.along[0]), float(dest.along[0])))
        else:
            node = int(st.edge_u[e] if side == 0 else st.edge_v[e])
            end = 0.0 if side == 0 else float(st.edge_length[e])
            pts.append(self._along(e, float(start.along[0]), end))
            while tree.pred[node] >= 0:
                pts.append(self._edge_from(int(tree.link_edge[node]), node))
                node = int(tree.pred[node])
            de = int(dest.edge[0])
            from_along = 0.0 if int(st.edge_u[de]) == node else float(st.edge_length[de])
            pts.append(self._along(de, from_along, float(dest.along[0])))
        pts += [dest.foot, dest.origin]
        line = np.concatenate(pts)
        keep = np.ones(line.shape[0], dtype=bool)
        keep[1:] = np.any(np.abs(np.diff(line, axis=0)) > 1e-9, axis=1)
        return np.asarray(line[keep])

    def _edge_from(self, edge: int, node: int) -> FloatArray:
        """An edge's polyline, starting from one of its ends."""
        st = self.town.streets
        g = st.geom_xy[st.edge_geom_offsets[edge] : st.edge_geom_offsets[edge + 1]]
        return g if int(st.edge_u[edge]) == node else g[::-1]

    def _along(self, edge: int, a0: float, a1: float) -> FloatArray:
        """The part of an edge's polyline between two distances from its u end."""
        st = self.town.streets
        g = st.geom_xy[st.edge_geom_offsets[edge] : st.edge_geom_offsets[edge + 1]]
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(g, axis=0).T))])
        lo, hi = min(a0, a1), max(a0, a1)
        inner = g[(cum > lo) & (cum < hi)]
        part = np.vstack([_interp(g, cum, lo), inner, _interp(g, cum, hi)])
        return part if a0 <= a1 else part[::-1]


def _interp(g: FloatArray, cum: FloatArray, at: float) -> FloatArray:
    return np.array([[np.interp(at, cum, g[:, 0]), np.interp(at, cum, g[:, 1])]])


def _descendants(marked: BoolArray, pred: IntArray) -> BoolArray:
    """Nodes that are marked or have a marked ancestor in the forest given by pred."""
    n = pred.shape[0]
    parent = np.where(pred >= 0, pred, np.arange(n, dtype=np.int64))
    flag = marked.copy()
    while True:
        flag = flag | flag[parent]
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return flag
        parent = grand


def _accumulate(
    pred: IntArray, link_len: FloatArray, root_site: IntArray, reached: BoolArray
) -> tuple[FloatArray, IntArray]:
    """Real length to the destination and the destination of every node, by pointer doubling.

    `acc[x]` is the length from x up to its current `parent` (exclusive of the parent's own
    link); each round doubles how far `parent` points, so depth d takes log2(d) rounds.
    """
    n = pred.shape[0]
    total = np.zeros(n)
    site = np.full(n, -1, dtype=np.int64)
    # Only reached nodes matter (a limited search reaches a fraction): work on those alone.
    idx = np.flatnonzero(reached)
    local = np.full(n, -1, dtype=np.int64)
    local[idx] = np.arange(idx.shape[0], dtype=np.int64)
    up = pred[idx]
    has_parent = up >= 0
    parent = np.where(has_parent, local[np.maximum(up, 0)], np.arange(idx.shape[0]))
    own = link_len[idx]
    acc = np.where(has_parent, own, 0.0)
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            break
        acc = acc + acc[parent]
        parent = grand
    # parent is now the root (the node entered from the destination): add its own link.
    total[idx] = acc + own[parent]
    site[idx] = root_site[idx[parent]]
    return total, site


_NETWORKS: weakref.WeakKeyDictionary[Town, dict[float, WalkNetwork]] = weakref.WeakKeyDictionary()


def walk_network(town: Town, exposure_weight: float = 1.0) -> WalkNetwork:
    """The (cached) walking network of a town."""
    per_town = _NETWORKS.setdefault(town, {})
    net = per_town.get(exposure_weight)
    if net is None:
        net = WalkNetwork(town, exposure_weight)
        per_town[exposure_weight] = net
    return net


def drive_matrix(town: Town) -> csr_matrix:
    """The driving graph as a CSR matrix of street lengths (m); one-way streets one way only."""
    st = town.streets
    drive = st.edges_with(EdgeFlag.DRIVE) & (st.edge_u != st.edge_v)
    forward = drive & ~st.edges_with(EdgeFlag.ONEWAY_BACKWARD)
    backward = drive & ~st.edges_with(EdgeFlag.ONEWAY_FORWARD)
    row = np.concatenate([st.edge_u[forward], st.edge_v[backward]])
    col = np.concatenate([st.edge_v[forward], st.edge_u[backward]])
    length = np.concatenate([st.edge_length[forward], st.edge_length[backward]])
    # Parallel streets: keep the shortest (a COO -> CSR conversion would add them up).
    order = np.lexsort((length, col, row))
    row, col, length = row[order], col[order], length[order]
    first = np.ones(row.shape[0], dtype=bool)
    first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
    n = st.node_count
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(row[first], minlength=n), out=indptr[1:])
    data = np.maximum(length[first], _MIN_WEIGHT)
    return csr_matrix((data, col[first], indptr), shape=(n, n))


@dataclass(frozen=True)
class Route:
    """A walking route: WGS84 polyline, real length, time at a speed, and weighted cost."""

    lonlat: list[tuple[float, float]]
    length_m: float
    seconds: float
    cost: float


def walking_seconds(
    length_m: FloatArray | float, speed_mps: float = WALKING_SPEED_MPS
) -> FloatArray:
    """Walking time in seconds for lengths in metres."""
    return np.asarray(np.asarray(length_m, dtype=np.float64) / speed_mps)


def shortest_route(
    town: Town,
    origin: tuple[float, float],
    destination: tuple[float, float],
    danger_areas: tuple[DangerArea, ...] = (),
    *,
    speed_mps: float = WALKING_SPEED_MPS,
    exposure_weight: float = 1.0,
    limit_m: float = np.inf,
) -> Route | None:
    """The cheapest walking route between two WGS84 points (lon, lat) around danger areas."""
    net = walk_network(town, exposure_weight)
    target = net.point_access(*destination)
    start = net.point_access(*origin)
    if target.edge[0] < 0 or start.edge[0] < 0:
        return None
    shapes = [DangerShape.of(town, a) for a in danger_areas]
    blocking = net.blocking([net.blocked_by(s) for s in shapes])
    dests = Destinations(net, target)
    closed = net.connector_blocked(target, shapes)
    tree = net.search(blocking, dests, closed, limit_m)
    reach = net.reach(
        tree,
        start,
        connector_blocked=net.connector_blocked(start, shapes),
        blocking=blocking,
        closed=closed,
    )
    if reach.site[0] < 0:
        return None
    xy = net.route_xy(tree, start, 0, int(reach.side[0]), 0)
    lon, lat = town.to_lonlat(xy[:, 0], xy[:, 1])
    length = float(reach.length[0])
    return Route(
        lonlat=list(zip(lon.tolist(), lat.tolist(), strict=True)),
        length_m=length,
        seconds=float(walking_seconds(length, speed_mps)),
        cost=float(reach.cost[0]),
    )
