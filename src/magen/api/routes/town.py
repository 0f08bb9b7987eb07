"""The town: its zones and shelters (public), and its map as GeoJSON for the offline front end."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from litestar import Request, Response, Router, get

from magen.api.deps import ServiceDep, runtime
from magen.api.routes._common import etag_of, kept_answer
from magen.domain.alerts import Alerts
from magen.domain.errors import NotFound
from magen.geo.streets import EdgeFlag, StreetClass
from magen.geo.town import Town

GEOJSON = "application/geo+json"
# Coordinates to 1e-6 degree (about 0.1 m) keep the map small and exact enough to draw.
_DIGITS = 6


def _town(request: Request[Any, Any, Any]) -> Town:
    town = runtime(request).town
    if town is None:
        raise NotFound("this server has no town map loaded (start it with --town or MAGEN_TOWN)")
    return town


@get("/town")
async def town_info(request: Request[Any, Any, Any], service: ServiceDep) -> Response[Any]:
    """The town: name (and `names` by language: he, ar, en), bounds, centre, alert zones (each
    with its `names` too) and shelters with their status (public)."""
    town = _town(request)
    alerts = service.state.slice(Alerts)
    west, south, east, north = town.bounds
    zones, sh = town.zones, town.shelters
    body = {
        "name": town.name,
        "names": town.names,
        "bbox": [west, south, east, north],
        "centre": {"lon": town.projection.lon_0, "lat": town.projection.lat_0},
        "position": service.state.position,
        "counts": town.summary(),
        "zones": [
            {"id": str(z), "name": str(n), "names": ns, "seconds_to_shelter": int(s)}
            for z, n, ns, s in zip(
                zones.id.tolist(),
                zones.name.tolist(),
                zones.names(),
                zones.seconds_to_shelter.tolist(),
                strict=True,
            )
        ],
        "shelters": [
            {
                "id": sid,
                "name": str(sh.name[i]) or str(sh.ref[i]) or sid,
                "address": str(sh.address[i]),
                "category": str(sh.category[i]),
                "capacity": int(sh.capacity[i]) if sh.capacity[i] > 0 else None,
                "lon": round(float(sh.lonlat[i, 0]), _DIGITS),
                "lat": round(float(sh.lonlat[i, 1]), _DIGITS),
                "status": alerts.shelter_status(sid).value,
            }
            for i, sid in enumerate(sh.id.tolist())
        ],
    }
    return Response(body, headers={"Cache-Control": "public, max-age=5"})


@dataclass(frozen=True)
class _Rendered:
    body: bytes
    gzipped: bytes
    etag: str


def _coords(lonlat: npt.NDArray[np.float64]) -> list[list[float]]:
    return np.round(lonlat, _DIGITS).tolist()  # type: ignore[no-any-return]


def _features(town: Town) -> list[dict[str, Any]]:
    st, b, sh, zones = town.streets, town.buildings, town.shelters, town.zones
    out: list[dict[str, Any]] = []
    geom = town.projection.points_to_lonlat(st.geom_xy)
    offs = st.edge_geom_offsets
    walk = st.edges_with(EdgeFlag.WALK)
    classes = [c.name.lower() for c in StreetClass]
    for e in range(st.edge_count):
        out.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": _coords(geom[offs[e] : offs[e + 1]]),
                },
                "properties": {
                    "kind": "street",
                    "name": str(st.edge_name[e]),
                    "class": classes[int(st.edge_class[e])],
                    "walk": bool(walk[e]),
                },
            }
        )
    rings = b.ring_offsets
    zone_ids = zones.id.tolist()
    for i in range(len(b)):
        address = " ".join(p for p in (str(b.street[i]), str(b.housenumber[i])) if p)
        out.append(
            {
                "type": "Feature",
                "id": i,  # the index the guidance map's per-building arrays use
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [_coords(b.ring_lonlat[rings[i] : rings[i + 1]])],
                },
                "properties": {
                    "kind": "building",
                    "address": address,
                    "name": str(b.name[i]),
                    "zone": zone_ids[b.zone[i]] if b.zone[i] >= 0 else None,
                },
            }
        )
    for i, sid in enumerate(sh.id.tolist()):
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": _coords(sh.lonlat[i])},
                "properties": {
                    "kind": "shelter",
                    "id": sid,
                    "name": str(sh.name[i]) or str(sh.ref[i]) or sid,
                    "address": str(sh.address[i]),
                    "category": str(sh.category[i]),
                    "capacity": int(sh.capacity[i]) if sh.capacity[i] > 0 else None,
                },
            }
        )
    for zid, name, secs, g in zip(
        zone_ids,
        zones.name.tolist(),
        zones.seconds_to_shelter.tolist(),
        zones.geometries().tolist(),
        strict=True,
    ):
        parts = g.geoms if g.geom_type == "MultiPolygon" else [g]
        polygons = [
            [_coords(np.asarray(p.exterior.coords))]
            + [_coords(np.asarray(r.coords)) for r in p.interiors]
            for p in parts
        ]
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                "properties": {
                    "kind": "zone",
                    "id": zid,
                    "name": name,
                    "seconds_to_shelter": int(secs),
                },
            }
        )
    return out


@lru_cache(maxsize=4)
def _rendered(town: Town) -> _Rendered:
    """The town's map as GeoJSON bytes, plain and gzipped (rendered once per town)."""
    collection = {
        "type": "FeatureCollection",
        "name": town.name,
        "bbox": list(town.bounds),
        "features": _features(town),
    }
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
    return _Rendered(body=body, gzipped=gzip.compress(body, 6, mtime=0), etag=etag_of(body))


@get("/town/map.geojson", media_type=GEOJSON)
async def town_map(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Streets, buildings (with the index the guidance map uses), shelters and zones."""
    rendered = _rendered(_town(request))
    return kept_answer(
        request,
        rendered.body,
        etag=rendered.etag,
        gzipped=lambda: rendered.gzipped,
        media_type=GEOJSON,
        cache_control="public, max-age=3600",
        vary="Accept-Encoding",  # the same map for everyone
    )


router = Router(path="/api/v1", route_handlers=[town_info, town_map], tags=["town"])
