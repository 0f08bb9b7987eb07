"""Nearest points on street segments: how a building, shelter or person reaches the street."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Segments:
    """Every straight piece of every edge polyline, with the edge it belongs to."""

    a: FloatArray  # (n, 2) start, local metres
    b: FloatArray  # (n, 2) end
    edge: IntArray  # (n,) edge index
    edge_offsets: IntArray  # (edges + 1,) first segment of each edge
    along_start: FloatArray  # (n,) metres from the edge's u to the segment start

    @property
    def length(self) -> FloatArray:
        return np.asarray(np.hypot(*(self.b - self.a).T))

    @classmethod
    def from_polylines(cls, geom_xy: FloatArray, offsets: IntArray) -> Segments:
        """Cut flat polylines (points + offsets) into segments."""
        n_edges = offsets.shape[0] - 1
        a = np.delete(geom_xy, offsets[1:] - 1, axis=0)
        b = np.delete(geom_xy, offsets[:-1], axis=0)
        per_edge = np.diff(offsets) - 1
        edge = np.repeat(np.arange(n_edges, dtype=np.int64), per_edge)
        seg_offsets = np.zeros(n_edges + 1, dtype=np.int64)
        seg_offsets[1:] = np.cumsum(per_edge)
        length = np.hypot(*(b - a).T)
        cum = np.cumsum(length) - length
        along_start = cum - cum[seg_offsets[:-1]][edge] if edge.shape[0] else cum
        return cls(a=a, b=b, edge=edge, edge_offsets=seg_offsets, along_start=along_start)


@dataclass(frozen=True)
class Snapped:
    """Where points meet the street: segment, position along the edge, and distance."""

    seg: IntArray  # -1 when nothing within reach
    edge: IntArray
    along: FloatArray  # metres from the edge's u
    lateral: FloatArray  # metres from the point to the street
    xy: FloatArray  # the point on the street


def segment_tree(
    segments: Segments, subset: npt.NDArray[np.bool_]
) -> tuple[shapely.STRtree, IntArray]:
    """An R-tree over a subset of segments, and the segment index of each tree item."""
    idx = np.flatnonzero(subset).astype(np.int64)
    lines = shapely.linestrings(np.stack([segments.a[idx], segments.b[idx]], axis=1))
    return shapely.STRtree(lines), idx


def snap_points(
    segments: Segments,
    tree: shapely.STRtree,
    tree_seg: IntArray,
    points_xy: FloatArray,
    max_distance: float,
) -> Snapped:
    """Snap points to their nearest segment in the tree, within max_distance metres."""
    pts = np.asarray(points_xy, dtype=np.float64).reshape(-1, 2)
    n = pts.shape[0]
    seg = np.full(n, -1, dtype=np.int64)
    if n and len(tree):
        # The nearest segment overall, then dropped when too far: GEOS finds it about twice as
        # fast as the nearest within a distance. all_matches=False gives one hit per point,
        # in input order.
        pairs = tree.query_nearest(shapely.points(pts), all_matches=False)
        seg[pairs[0]] = tree_seg[pairs[1]]
    hit = seg >= 0
    s = np.where(hit, seg, 0)
    a = segments.a[s] if segments.a.shape[0] else np.zeros((n, 2))
    d = (segments.b[s] - a) if segments.a.shape[0] else np.zeros((n, 2))
    dd = np.einsum("ij,ij->i", d, d)
    t = np.clip(np.einsum("ij,ij->i", pts - a, d) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
    foot = a + d * t[:, None]
    lateral = np.hypot(*(pts - foot).T)
    hit &= lateral <= max_distance
    seg = np.where(hit, seg, -1)
    along = (segments.along_start[s] if segments.a.shape[0] else np.zeros(n)) + t * np.sqrt(dd)
    edge = np.where(hit, segments.edge[s] if segments.a.shape[0] else -1, -1)
    return Snapped(
        seg=seg,
        edge=edge.astype(np.int64),
        along=np.where(hit, along, np.nan),
        lateral=np.where(hit, lateral, np.nan),
        xy=np.where(hit[:, None], foot, np.nan),
    )
