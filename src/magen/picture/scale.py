"""The console's estimate of scale: groups, attackers with an interval, streets and area.

In Ofakim raw reports made the whole town look overrun while the attack held three streets.
The estimate counts what the fused picture stands behind: open, non-stale tracks that an
operator confirmed or that independent reporters corroborate. The rest is reported beside it
(unverified and stale groups), never added in. The area is the union of each group's recent
ground (convex hull of its recent positions, buffered), not one hull around all groups,
which would paint the streets between separate sites as overrun.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import shapely
from numpy.typing import NDArray

from magen.picture.fusion import TrackStatus, TrackView
from magen.picture.metric import LocalFrame

if TYPE_CHECKING:
    from magen.geo.town import Town

FloatArray = NDArray[np.float64]


class StreetNamer(Protocol):
    """Names of the streets near points (the town map knows them)."""

    def street_names(self, lonlat: FloatArray, within_m: float) -> list[str]:
        """The distinct street names within `within_m` of any (lon, lat) row."""
        ...


class TownStreets:
    """Street names from a town pack: the named street each point snaps to."""

    def __init__(self, town: Town) -> None:
        self._town = town

    def street_names(self, lonlat: FloatArray, within_m: float) -> list[str]:
        """The distinct street names within `within_m` of any (lon, lat) row."""
        pts = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
        if not len(pts):
            return []
        snapped = self._town.access(pts[:, 0], pts[:, 1], max_distance_m=within_m)
        edges = snapped.edge[snapped.edge >= 0]
        names = self._town.streets.edge_name[edges]
        return sorted({str(n) for n in names if str(n)})


@dataclass(frozen=True, slots=True)
class ScaleEstimate:
    """How big the attack is, as far as the fused picture can say."""

    groups: int  # open, not stale, confirmed or corroborated
    attackers: int
    attackers_low: int
    attackers_high: int
    uncounted_groups: int  # groups nobody gave a number for: one attacker each, at least
    unverified_groups: int  # open, not stale, not (yet) credible: shown, not counted
    stale_groups: int
    area_km2: float
    streets: tuple[str, ...]  # most groups first


def estimate_scale(
    tracks: Iterable[TrackView],
    *,
    namer: StreetNamer | None = None,
    buffer_m: float = 75.0,
    street_radius_m: float = 40.0,
) -> ScaleEstimate:
    """The scale of the attack from the open tracks."""
    counted: list[TrackView] = []
    unverified = stale = 0
    for t in tracks:
        if not t.open:
            continue
        if t.status is TrackStatus.STALE:
            stale += 1
        elif t.credible:
            counted.append(t)
        else:
            unverified += 1
    attackers = low = high = uncounted = 0
    for t in counted:
        size = t.size
        if size.estimate is None or size.low is None or size.high is None:
            uncounted += 1
            attackers += 1
            low += 1
            high += 1
        else:
            attackers += size.estimate
            low += size.low
            high += size.high
    grounds = [_ground(t) for t in counted]
    streets: Counter[str] = Counter()
    if namer is not None:
        for ground in grounds:
            streets.update(namer.street_names(ground, street_radius_m))
    return ScaleEstimate(
        groups=len(counted),
        attackers=attackers,
        attackers_low=low,
        attackers_high=high,
        uncounted_groups=uncounted,
        unverified_groups=unverified,
        stale_groups=stale,
        area_km2=_area_km2(grounds, buffer_m),
        streets=tuple(name for name, _ in sorted(streets.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _ground(t: TrackView) -> FloatArray:
    """A group's recent positions and its current estimate, (n, 2) lon/lat."""
    return np.array([*t.recent, (t.lon, t.lat)], dtype=np.float64)


def _area_km2(grounds: Sequence[FloatArray], buffer_m: float) -> float:
    if not grounds:
        return 0.0
    everything = np.concatenate(grounds)
    centre = everything.mean(axis=0)
    frame = LocalFrame(float(centre[0]), float(centre[1]))
    shapes = [
        shapely.multipoints(frame.array_to_xy(g)).convex_hull.buffer(buffer_m) for g in grounds
    ]
    return float(shapely.union_all(shapes).area) / 1e6
