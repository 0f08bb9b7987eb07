"""Helpers for the dispatch tests: places on the Baka streets, responders, tasks, an oracle."""

from __future__ import annotations

import numpy as np
import shapely
import shapely.ops
from scipy.optimize import linear_sum_assignment

from magen.dispatch.assign import DispatchConfig, Need, Route, Task, TaskKind, Unit
from magen.domain.responders import Capability
from magen.geo.routing import DangerArea, DangerShape
from magen.geo.streets import EdgeFlag
from magen.geo.town import Town

ARMED, MEDIC, VEHICLE = Capability.ARMED, Capability.MEDIC, Capability.VEHICLE


def street_points(town: Town) -> np.ndarray:
    """(n, 2) lon/lat of street nodes reachable both on foot and by car."""
    st = town.streets
    both = st.edges_with(EdgeFlag.SNAPPABLE) & st.edges_with(EdgeFlag.DRIVE)
    nodes = np.unique(np.concatenate([st.edge_u[both], st.edge_v[both]]))
    return np.asarray(st.node_lonlat[nodes])


def unit(rid: str, lonlat: tuple[float, float], *caps: Capability, label: str = "officer") -> Unit:
    return Unit(rid, float(lonlat[0]), float(lonlat[1]), frozenset(caps), label)


def task(
    tid: str,
    lonlat: tuple[float, float],
    *needs: frozenset[Capability],
    priority: float = 10.0,
    kind: TaskKind = TaskKind.INCIDENT,
    open_areas: frozenset[str] = frozenset(),
) -> Task:
    return Task(
        tid,
        kind,
        float(lonlat[0]),
        float(lonlat[1]),
        priority,
        tuple(Need(n) for n in needs) or (Need(),),
        open_areas=open_areas,
    )


def optimum(units: list[Unit], tasks: list[Task], secs: np.ndarray, cfg: DispatchConfig) -> float:
    """The best objective from a full travel-time matrix, by brute-force LSA (the oracle)."""
    rows, weights, masks = [], [], []
    for t, tk in enumerate(tasks):
        for k, n in enumerate(tk.needs):
            rows.append(t)
            weights.append(cfg.weight(tk.priority, k))
            masks.append(n.requires)
    able = np.array([[m <= u.capabilities for u in units] for m in masks], dtype=bool)
    t = secs[rows] if rows else np.zeros((0, len(units)))
    w = np.array(weights)
    saving = np.where(able & (t < cfg.horizon_s), w[:, None] * (cfg.horizon_s - t), 0.0)
    if not saving.size:
        return float(w.sum() * cfg.horizon_s)
    r, c = linear_sum_assignment(saving, maximize=True)
    return float(w.sum() * cfg.horizon_s - saving[r, c].sum())


def route_enters(town: Town, route: Route, area: DangerArea, tolerance_m: float = 0.01) -> bool:
    """Whether any part of a route (its walks to and from the street included) meets an area."""
    shape = DangerShape.of(town, area)
    st = town.streets
    pieces = [np.array([route.origin_xy, route.start_foot_xy])]
    for e, a0, a1 in route.pieces:
        g = st.geom_xy[st.edge_geom_offsets[e] : st.edge_geom_offsets[e + 1]]
        line = shapely.LineString(g)
        lo, hi = min(a0, a1), max(a0, a1)
        if hi - lo > 1e-9:
            pieces.append(np.asarray(shapely.get_coordinates(shapely.ops.substring(line, lo, hi))))
    pieces.append(np.array([route.end_foot_xy, route.target_xy]))
    for coords in pieces:
        distinct = np.unique(coords, axis=0)
        geom = shapely.LineString(coords) if distinct.shape[0] > 1 else shapely.Point(distinct[0])
        if shapely.dwithin(geom, shape.core, shape.radius - tolerance_m):
            return True
    return False
