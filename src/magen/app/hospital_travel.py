"""Ambulance travel times from a casualty's place to each hospital (destination recommendation).

With the town pack loaded, a time is the shortest drive over the pack's streets, on the car
graph dispatch routes responders on (`magen.dispatch.travel`: drivable streets, one-way
streets one way), avoiding the streets the active danger areas close, except those of an area
the casualty is in (the ambulance that fetches them must drive out of it). A hospital that no
drive reaches around the danger areas has no time and is ruled out. The path between a point
and its street (a hospital's driveway, the carry to the kerb) counts as driven.

Straight-line fallback: with no town loaded, or for a hospital (or a casualty) farther than
`MAX_ACCESS_M` from the town's drivable streets, as a regional hospital outside the pack is,
the time is the straight-line distance times `DETOUR`, and the reason says so. Both run at
`AMBULANCE_KMH`, a speed that allows for blocked streets: a guide for ranking, not a promise
of arrival time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from magen.app.guidance import engine_area
from magen.dispatch.travel import Mode, travel_network
from magen.domain.alerts import Alerts
from magen.domain.hospitals import Hospital, TravelTime
from magen.domain.state import State
from magen.domain.values import GeoPoint
from magen.geo.routing import DangerArea
from magen.geo.town import Town

AMBULANCE_KMH = 35.0
DETOUR = 1.4
_EARTH_KM = 6371.0

BY_STREET = "by street"
NO_TOWN = f"straight line x{DETOUR} at {AMBULANCE_KMH:.0f} km/h: no town loaded"
OFF_STREETS = f"straight line x{DETOUR} at {AMBULANCE_KMH:.0f} km/h: off the town's streets"
PLACE_OFF_STREETS = (
    f"straight line x{DETOUR} at {AMBULANCE_KMH:.0f} km/h: the casualty is off the town's streets"
)


def straight_line_minutes(origin: GeoPoint, to: GeoPoint) -> float:
    """Minutes for the straight-line distance times `DETOUR` at `AMBULANCE_KMH`."""
    dlat = math.radians(to.lat - origin.lat)
    dlon = math.radians(to.lon - origin.lon) * math.cos(math.radians(origin.lat))
    km = _EARTH_KM * math.hypot(dlat, dlon) * DETOUR
    return km / AMBULANCE_KMH * 60.0


def active_danger_areas(state: State, now: datetime) -> list[DangerArea]:
    """The danger areas in force now, as the street engines take them."""
    areas = state.slice(Alerts).active_danger_areas(now)
    return [engine_area(d.area_id, d.area) for d in sorted(areas, key=lambda d: d.area_id)]


def travel_times(
    origin: GeoPoint,
    hospitals: Sequence[Hospital],
    town: Town | None,
    areas: Sequence[DangerArea] = (),
) -> dict[str, TravelTime | None]:
    """Minutes from `origin` to each hospital (None: no drive reaches it), with their basis."""
    if town is None or not hospitals:
        return {h.hospital_id: _straight(origin, h, NO_TOWN) for h in hospitals}
    metres = _street_metres(town, origin, [h.where for h in hospitals], areas)
    if metres is None:
        return {h.hospital_id: _straight(origin, h, PLACE_OFF_STREETS) for h in hospitals}
    out: dict[str, TravelTime | None] = {}
    for h, m in zip(hospitals, metres.tolist(), strict=True):
        if math.isnan(m):
            out[h.hospital_id] = _straight(origin, h, OFF_STREETS)
        elif math.isinf(m):
            out[h.hospital_id] = None
        else:
            out[h.hospital_id] = TravelTime(
                m / 1000.0 / AMBULANCE_KMH * 60.0, BY_STREET, basis_code="by_street"
            )
    return out


def _straight(origin: GeoPoint, h: Hospital, basis: str) -> TravelTime:
    return TravelTime(straight_line_minutes(origin, h.where), basis, basis_code="straight_line")


def _street_metres(
    town: Town, origin: GeoPoint, to: Sequence[GeoPoint], areas: Sequence[DangerArea]
) -> np.ndarray | None:
    """Driving metres to each point: +inf where no drive reaches, NaN off the streets.

    None when the origin itself is off the streets.
    """
    net = travel_network(town)
    graph = net.graphs[Mode.BY_CAR]
    x, y = town.to_xy([origin.lon, *(p.lon for p in to)], [origin.lat, *(p.lat for p in to)])
    xy = np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])
    start = graph.points(xy[:1])
    if not bool(start.ok[0]):
        return None
    # The ambulance must leave the areas the casualty is in; every other one it drives around.
    inside = net.inside(xy[:1], list(areas))[0] if areas else np.zeros(0, dtype=bool)
    closure = net.closure([a for a, here in zip(areas, inside.tolist(), strict=True) if not here])
    targets = graph.points(xy[1:])
    from_start = graph.search_out(start, closure, np.inf)[0]
    rows, nodes, arc = graph.source_arcs(targets, closure)
    metres = np.full(len(targets), np.inf)
    np.minimum.at(metres, rows, from_start[nodes] + arc)
    # A hospital on the casualty's own street is also reached straight along it.
    same = np.flatnonzero(targets.ok & (targets.edge == start.edge[0]))
    if same.shape[0]:
        edge = targets.edge[same]
        a0 = np.full(same.shape[0], start.along[0])
        a1 = targets.along[same]
        ahead = a1 >= a0
        allowed = np.where(ahead, graph.forward_ok[edge], graph.backward_ok[edge])
        allowed &= closure.between_open(edge, a0, a1)
        metres[same] = np.where(allowed, np.minimum(metres[same], np.abs(a1 - a0)), metres[same])
    metres += start.lateral[0] + np.where(targets.ok, targets.lateral, 0.0)
    metres[~targets.ok] = np.nan
    return metres
