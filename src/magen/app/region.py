"""Places too far from the town this server serves to be what their sender meant.

A phone with no fix sends (0, 0); a typed coordinate loses its minus sign or swaps latitude
and longitude. Taken as sent, a sighting would be a threat track on every map and feed, and a
hospital a destination "11,649 min away". Such a place is refused with rule `outside_region`
before anything is recorded; how far is too far depends on what is placed.
"""

from __future__ import annotations

from magen.domain.errors import InvalidCommand
from magen.domain.values import GeoPoint
from magen.geo.town import Town

# Attackers are reported in and around the town: beyond its alert zones but within this
# (the roads in), a sighting is taken.
SIGHTING_REACH_M = 50_000.0


def refuse_beyond(
    town: Town | None, where: GeoPoint, what: str, reach_m: float, *, check: str = "the place"
) -> None:
    """Refuse (422, rule `outside_region`) `what` placed over `reach_m` beyond the town's map
    (no check without a town: nothing says where the server is)."""
    if town is None or town.metres_beyond(where.lon, where.lat) <= reach_m:
        return
    raise InvalidCommand(
        f"{what} at {where.lat:.5f}, {where.lon:.5f} is over {reach_m / 1000:.0f} km from"
        f" {town.name}, the town this server serves: check {check}",
        rule="outside_region",
    )
