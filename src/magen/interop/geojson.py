"""The picture as GeoJSON (RFC 7946), for GIS: a municipality's QGIS, an analyst's notebook.

Made from a role-filtered picture (`GET /picture`, or `magen replay` at a past moment), so a
file shows what its reader may see. One Feature per thing, its `kind` in the properties:
threat tracks (open, and not merged into another) and the sightings they were fused from,
open calls for help, responders with a position, danger areas. Positions are [lon, lat] in
WGS84 as the RFC has it; a danger area drawn as a circle is a polygon of `CIRCLE_SIDES` sides
around it (GeoJSON has no circle), with its centre and radius kept in the properties. Rings
run counter-clockwise, as the RFC's right-hand rule asks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any

CIRCLE_SIDES = 64
_EARTH_M = 6_371_008.8  # the mean radius (IUGG), as the rest of Magen's distances

# The picture's sections a GeoJSON file carries, in the order its features are written.
SECTIONS = ("tracks", "sightings", "sos", "responders", "danger_areas")


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def circle_ring(
    lat: float, lon: float, radius_m: float, sides: int = CIRCLE_SIDES
) -> list[list[float]]:
    """A closed counter-clockwise ring of `sides` points on a circle (small-circle geometry)."""
    ring = []
    phi, lam = math.radians(lat), math.radians(lon)
    d = radius_m / _EARTH_M
    for i in range(sides):
        bearing = -2 * math.pi * i / sides  # clockwise bearings, counter-clockwise on the map
        p = math.asin(math.sin(phi) * math.cos(d) + math.cos(phi) * math.sin(d) * math.cos(bearing))
        q = lam + math.atan2(
            math.sin(bearing) * math.sin(d) * math.cos(phi),
            math.cos(d) - math.sin(phi) * math.sin(p),
        )
        ring.append([round(math.degrees(q), 7), round(math.degrees(p), 7)])
    ring.append(ring[0])
    return ring


def _signed_area(ring: list[list[float]]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


def _ccw(ring: list[list[float]]) -> list[list[float]]:
    return ring if _signed_area(ring) >= 0 else ring[::-1]


def _feature(
    kind: str, geometry: dict[str, Any], item: Mapping[str, Any], **extra: Any
) -> dict[str, Any]:
    skip = {"lat", "lon", "area", "last_reported"}
    # `kind` says what the feature is; a thing's own kind (a responder's: police, medic...)
    # is kept under its own name.
    own = {f"{kind}_kind" if k == "kind" else k: v for k, v in item.items() if k not in skip}
    properties = {**own, **extra, "kind": kind}
    return {
        "type": "Feature",
        "id": f"{kind}-{item['id']}",
        "geometry": geometry,
        "properties": properties,
    }


def _features(picture: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for t in picture.get("tracks") or ():
        if t.get("open") and not t.get("merged_into"):
            yield _feature("track", _point(t["lon"], t["lat"]), t)
    for s in picture.get("sightings") or ():
        yield _feature("sighting", _point(s["lon"], s["lat"]), s)
    for s in picture.get("sos") or ():
        if not s.get("resolved"):
            yield _feature("sos", _point(s["lon"], s["lat"]), s)
    for r in picture.get("responders") or ():
        if r.get("lat") is not None and r.get("lon") is not None:
            yield _feature("responder", _point(r["lon"], r["lat"]), r)
    for d in picture.get("danger_areas") or ():
        area = d["area"]
        if area["kind"] == "circle":
            ring = circle_ring(area["lat"], area["lon"], area["radius_m"])
            drawn = {"center": [area["lon"], area["lat"]], "radius_m": area["radius_m"]}
        else:
            ring, drawn = _ccw([list(p) for p in area["ring"]]), {}
        yield _feature("danger_area", {"type": "Polygon", "coordinates": [ring]}, d, **drawn)


def picture_collection(picture: Mapping[str, Any]) -> dict[str, Any]:
    """A picture (as `GET /picture` gives it) as one FeatureCollection, with its log position."""
    features = list(_features(picture))
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    coordinates = [c for f in features for c in _coordinates(f["geometry"])]
    if coordinates:
        lons, lats = [c[0] for c in coordinates], [c[1] for c in coordinates]
        collection["bbox"] = [min(lons), min(lats), max(lons), max(lats)]
    # Foreign members (RFC 7946 section 6.1): where in the log, and when, this picture stands.
    for key in ("position", "generated_at", "until"):
        if key in picture:
            collection[key] = picture[key]
    return collection


def _coordinates(geometry: Mapping[str, Any]) -> list[list[float]]:
    if geometry["type"] == "Point":
        return [geometry["coordinates"]]
    return [c for ring in geometry["coordinates"] for c in ring]
