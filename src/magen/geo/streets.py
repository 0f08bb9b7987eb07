"""Turn OSM street ways into a compact street network: who may use it, and how exposed it is.

Graph nodes are the OSM nodes where streets meet or end; every edge is the stretch of one OSM
way between two such nodes and keeps its full polyline, so blocking and drawing are exact while
the graph that Dijkstra walks stays small (about a third of the raw node count).

Exposure model (used to prefer covered streets when walking under fire; see `exposure_of`):
a street's exposure factor multiplies its length in the routing cost. It has two parts.

1. Street class (how wide and busy, i.e. how long you stay visible and in the open):
   footway, path, steps, corridor, alley, living street, narrow pedestrian way: 1.0;
   residential, service, cycleway, unclassified: 1.1; track: 1.2; tertiary: 1.25;
   pedestrian plaza (`area=yes`) and secondary: 1.4; primary and trunk (with a sidewalk),
   or any street with 4+ lanes: 1.5.
2. Openness: the share of the street (sampled every 10 m) with no building within 25 m,
   i.e. open ground, parks, parking lots, wide junctions. It adds up to 25 %:
   factor = class_factor * (1 + 0.25 * openness).

So the worst street costs at most 1.875 times its length, and a shortest route is never
traded for a covered one that is more than that much longer.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from magen.geo.osm import StreetWay
from magen.geo.projection import LocalProjection

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class EdgeFlag(IntFlag):
    """What an edge may be used for."""

    WALK = 1
    DRIVE = 2
    ONEWAY_FORWARD = 4  # vehicles only from u to v
    ONEWAY_BACKWARD = 8  # vehicles only from v to u
    SNAPPABLE = 16  # part of a walking component large enough to attach buildings to


class StreetClass(IntEnum):
    """The `highway` value, links folded into their road."""

    OTHER = 0
    FOOTWAY = 1
    PATH = 2
    STEPS = 3
    PEDESTRIAN = 4
    LIVING_STREET = 5
    SERVICE = 6
    RESIDENTIAL = 7
    UNCLASSIFIED = 8
    TERTIARY = 9
    SECONDARY = 10
    PRIMARY = 11
    TRUNK = 12
    MOTORWAY = 13
    TRACK = 14
    CYCLEWAY = 15
    BRIDLEWAY = 16
    CORRIDOR = 17
    ROAD = 18


_CLASS_OF = {
    "footway": StreetClass.FOOTWAY,
    "path": StreetClass.PATH,
    "steps": StreetClass.STEPS,
    "pedestrian": StreetClass.PEDESTRIAN,
    "living_street": StreetClass.LIVING_STREET,
    "service": StreetClass.SERVICE,
    "residential": StreetClass.RESIDENTIAL,
    "unclassified": StreetClass.UNCLASSIFIED,
    "tertiary": StreetClass.TERTIARY,
    "tertiary_link": StreetClass.TERTIARY,
    "secondary": StreetClass.SECONDARY,
    "secondary_link": StreetClass.SECONDARY,
    "primary": StreetClass.PRIMARY,
    "primary_link": StreetClass.PRIMARY,
    "trunk": StreetClass.TRUNK,
    "trunk_link": StreetClass.TRUNK,
    "motorway": StreetClass.MOTORWAY,
    "motorway_link": StreetClass.MOTORWAY,
    "track": StreetClass.TRACK,
    "cycleway": StreetClass.CYCLEWAY,
    "bridleway": StreetClass.BRIDLEWAY,
    "corridor": StreetClass.CORRIDOR,
    "road": StreetClass.ROAD,
}

_FAST_ROADS = frozenset({StreetClass.MOTORWAY, StreetClass.TRUNK})
_DRIVABLE = frozenset(
    {
        StreetClass.MOTORWAY,
        StreetClass.TRUNK,
        StreetClass.PRIMARY,
        StreetClass.SECONDARY,
        StreetClass.TERTIARY,
        StreetClass.UNCLASSIFIED,
        StreetClass.RESIDENTIAL,
        StreetClass.LIVING_STREET,
        StreetClass.SERVICE,
        StreetClass.ROAD,
    }
)
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})
_SIDEWALK_PRESENT = frozenset({"both", "left", "right", "yes"})
_CLASS_EXPOSURE = {
    StreetClass.FOOTWAY: 1.0,
    StreetClass.PATH: 1.0,
    StreetClass.STEPS: 1.0,
    StreetClass.CORRIDOR: 1.0,
    StreetClass.LIVING_STREET: 1.0,
    StreetClass.PEDESTRIAN: 1.0,
    StreetClass.SERVICE: 1.1,
    StreetClass.RESIDENTIAL: 1.1,
    StreetClass.UNCLASSIFIED: 1.1,
    StreetClass.ROAD: 1.1,
    StreetClass.CYCLEWAY: 1.1,
    StreetClass.BRIDLEWAY: 1.1,
    StreetClass.TRACK: 1.2,
    StreetClass.TERTIARY: 1.25,
    StreetClass.SECONDARY: 1.4,
    StreetClass.PRIMARY: 1.5,
    StreetClass.TRUNK: 1.5,
    StreetClass.MOTORWAY: 1.5,
    StreetClass.OTHER: 1.1,
}
OPENNESS_WEIGHT = 0.25
OPEN_SAMPLE_STEP_M = 10.0
OPEN_CLEARANCE_M = 25.0
MAX_EXPOSURE = 1.5 * (1.0 + OPENNESS_WEIGHT)
# A walking component shorter than this (and not the largest) is a fragment of the extract:
# attaching a building to it would strand its residents.
MIN_SNAPPABLE_COMPONENT_M = 300.0


def street_class(tags: dict[str, str]) -> StreetClass:
    """The street class of a way's tags."""
    return _CLASS_OF.get(tags.get("highway", ""), StreetClass.OTHER)


def is_walkable(tags: dict[str, str]) -> bool:
    """Whether people on foot may use the way."""
    highway = tags.get("highway", "")
    cls = street_class(tags)
    if cls is StreetClass.OTHER and highway not in {"road", "unclassified"}:
        return False
    foot = tags.get("foot", "")
    if foot in {"no", "use_sidepath"}:
        return False
    if cls in _FAST_ROADS:
        return foot in _FOOT_ALLOWED or tags.get("sidewalk", "") in _SIDEWALK_PRESENT
    # access=private stays walkable: it is mostly the driveway of a residential compound,
    # which is exactly how its residents reach the street.
    return not (tags.get("access") == "no" and foot not in _FOOT_ALLOWED)


def is_drivable(tags: dict[str, str]) -> bool:
    """Whether motor vehicles may use the way."""
    if street_class(tags) not in _DRIVABLE:
        return False
    barred = {"no"}
    return not any(tags.get(k, "") in barred for k in ("access", "motor_vehicle", "vehicle"))


def oneway_flags(tags: dict[str, str]) -> EdgeFlag:
    """The vehicle one-way direction of a way, as edge flags."""
    oneway = tags.get("oneway", "")
    if oneway in {"-1", "reverse"}:
        return EdgeFlag.ONEWAY_BACKWARD
    if oneway in {"yes", "1", "true"}:
        return EdgeFlag.ONEWAY_FORWARD
    if oneway == "no":
        return EdgeFlag(0)
    implied = tags.get("junction", "") in {"roundabout", "circular"} or tags.get("highway", "") in {
        "motorway",
        "motorway_link",
    }
    return EdgeFlag.ONEWAY_FORWARD if implied else EdgeFlag(0)


def class_exposure(tags: dict[str, str]) -> float:
    """The exposure factor a street's class and width give it."""
    cls = street_class(tags)
    factor = _CLASS_EXPOSURE.get(cls, 1.1)
    if cls is StreetClass.PEDESTRIAN and tags.get("area") == "yes":
        factor = 1.4
    if cls is StreetClass.SERVICE and tags.get("service") == "alley":
        factor = 1.0
    try:
        lanes = int(tags.get("lanes", "0").split(";")[0])
    except ValueError:
        lanes = 0
    if lanes >= 4:
        factor = max(factor, 1.5)
    return factor


@dataclass(frozen=True)
class StreetNetwork:
    """The street graph as flat arrays (undirected edges with polylines, in local metres)."""

    node_osm_id: IntArray
    node_xy: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    edge_length: FloatArray
    edge_flags: npt.NDArray[np.uint8]
    edge_class: npt.NDArray[np.uint8]
    edge_class_exposure: FloatArray
    edge_name: npt.NDArray[np.str_]
    edge_way_id: IntArray
    edge_geom_offsets: IntArray
    geom_xy: FloatArray

    @property
    def edge_count(self) -> int:
        return int(self.edge_u.shape[0])


@dataclass
class _Pieces:
    """Edges cut from ways, accumulated before they become arrays."""

    u: list[int] = field(default_factory=list)
    v: list[int] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)
    cls: list[int] = field(default_factory=list)
    exposure: list[float] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    way: list[int] = field(default_factory=list)
    geoms: list[FloatArray] = field(default_factory=list)

    def cut(
        self, way: StreetWay, flags: int, exposure: float, xy: FloatArray, pos: IntArray
    ) -> None:
        """Add the stretches of a way between consecutive graph nodes."""
        cls = int(street_class(way.tags))
        for a, b in itertools.pairwise(pos):
            pts = xy[a : b + 1]
            keep = np.ones(pts.shape[0], dtype=bool)
            keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
            pts = pts[keep]
            if pts.shape[0] < 2:
                continue
            self.u.append(int(way.refs[a]))
            self.v.append(int(way.refs[b]))
            self.flags.append(flags)
            self.cls.append(cls)
            self.exposure.append(exposure)
            self.name.append(way.tags.get("name", ""))
            self.way.append(way.way_id)
            self.geoms.append(pts)


def build_network(streets: Sequence[StreetWay], projection: LocalProjection) -> StreetNetwork:
    """Split street ways at junctions into a compact undirected graph."""
    kept: list[tuple[StreetWay, int, float]] = []
    for way in streets:
        use = EdgeFlag(0)
        if is_walkable(way.tags):
            use |= EdgeFlag.WALK
        if is_drivable(way.tags):
            use |= EdgeFlag.DRIVE | oneway_flags(way.tags)
        if use:
            kept.append((way, int(use), class_exposure(way.tags)))
    if not kept:
        return _empty_network()
    all_refs = np.concatenate([w.refs for w, _, _ in kept])
    all_xy = projection.points_to_xy(np.concatenate([w.lonlat for w, _, _ in kept]))
    uniq, counts = np.unique(all_refs, return_counts=True)
    # A node is a graph node if two ways share it, a way passes it twice, or a way ends there.
    ends = np.concatenate([w.refs[[0, -1]] for w, _, _ in kept])
    is_split = np.isin(all_refs, np.union1d(uniq[counts >= 2], ends))
    pieces = _Pieces()
    start = 0
    for way, flags, exposure in kept:
        n = way.refs.shape[0]
        pos = np.flatnonzero(is_split[start : start + n])
        pieces.cut(way, flags, exposure, all_xy[start : start + n], pos)
        start += n
    used = np.unique(np.array(pieces.u + pieces.v, dtype=np.int64))
    # A node has the same coordinates wherever it appears: take its first occurrence.
    order = np.argsort(all_refs, kind="stable")
    first_seen = order[np.searchsorted(all_refs[order], used)]
    geoms = pieces.geoms
    offsets = np.zeros(len(geoms) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([g.shape[0] for g in geoms])
    net = StreetNetwork(
        node_osm_id=used,
        node_xy=all_xy[first_seen],
        edge_u=np.searchsorted(used, np.array(pieces.u, dtype=np.int64)).astype(np.int64),
        edge_v=np.searchsorted(used, np.array(pieces.v, dtype=np.int64)).astype(np.int64),
        edge_length=np.array([float(np.hypot(*np.diff(g, axis=0).T).sum()) for g in geoms]),
        edge_flags=np.array(pieces.flags, dtype=np.uint8),
        edge_class=np.array(pieces.cls, dtype=np.uint8),
        edge_class_exposure=np.array(pieces.exposure, dtype=np.float64),
        edge_name=np.array(pieces.name, dtype=np.str_),
        edge_way_id=np.array(pieces.way, dtype=np.int64),
        edge_geom_offsets=offsets,
        geom_xy=np.concatenate(geoms),
    )
    _mark_snappable(net)
    return net


def _empty_network() -> StreetNetwork:
    z = np.zeros(0, dtype=np.int64)
    return StreetNetwork(
        node_osm_id=z,
        node_xy=np.zeros((0, 2)),
        edge_u=z,
        edge_v=z,
        edge_length=np.zeros(0),
        edge_flags=np.zeros(0, dtype=np.uint8),
        edge_class=np.zeros(0, dtype=np.uint8),
        edge_class_exposure=np.zeros(0),
        edge_name=np.zeros(0, dtype=np.str_),
        edge_way_id=z,
        edge_geom_offsets=np.zeros(1, dtype=np.int64),
        geom_xy=np.zeros((0, 2)),
    )


def _mark_snappable(net: StreetNetwork) -> None:
    """Flag walking edges in components big enough to attach buildings and shelters to."""
    walk = (net.edge_flags & EdgeFlag.WALK) != 0
    n = net.node_xy.shape[0]
    if not walk.any():
        return
    u = net.edge_u[walk]
    v = net.edge_v[walk]
    adj = coo_matrix((np.ones(u.shape[0]), (u, v)), shape=(n, n)).tocsr()
    _, label = connected_components(adj, directed=False)
    comp_len = np.bincount(label[u], weights=net.edge_length[walk], minlength=label.max() + 1)
    big = (comp_len >= MIN_SNAPPABLE_COMPONENT_M) | (comp_len == comp_len.max())
    snappable = np.zeros(net.edge_count, dtype=bool)
    snappable[np.flatnonzero(walk)] = big[label[u]]
    net.edge_flags[snappable] |= np.uint8(EdgeFlag.SNAPPABLE)


def edge_exposure(net: StreetNetwork, building_xy: FloatArray) -> FloatArray:
    """The exposure factor of every edge: its class factor raised by how open its sides are."""
    geom = net.geom_xy
    offsets = net.edge_geom_offsets
    seg_a = np.delete(geom, offsets[1:] - 1, axis=0)
    seg_b = np.delete(geom, offsets[:-1], axis=0)
    seg_edge = np.repeat(np.arange(net.edge_count), np.diff(offsets) - 1)
    seg_len = np.hypot(*(seg_b - seg_a).T)
    # Sample every segment every OPEN_SAMPLE_STEP_M (at least its midpoint).
    n_samples = np.maximum(1, np.ceil(seg_len / OPEN_SAMPLE_STEP_M).astype(np.int64))
    seg_of_sample = np.repeat(np.arange(seg_len.shape[0]), n_samples)
    first = np.cumsum(n_samples) - n_samples
    k = np.arange(seg_of_sample.shape[0]) - first[seg_of_sample]
    t = (k + 0.5) / n_samples[seg_of_sample]
    samples = seg_a[seg_of_sample] + (seg_b - seg_a)[seg_of_sample] * t[:, None]
    if building_xy.shape[0]:
        dist, _ = cKDTree(building_xy).query(samples, distance_upper_bound=OPEN_CLEARANCE_M)
        is_open = ~np.isfinite(dist)
    else:
        is_open = np.ones(samples.shape[0], dtype=bool)
    sample_edge = seg_edge[seg_of_sample]
    total = np.bincount(sample_edge, minlength=net.edge_count)
    opened = np.bincount(sample_edge, weights=is_open, minlength=net.edge_count)
    openness = np.divide(opened, total, out=np.zeros(net.edge_count), where=total > 0)
    return np.asarray(net.edge_class_exposure * (1.0 + OPENNESS_WEIGHT * openness))
