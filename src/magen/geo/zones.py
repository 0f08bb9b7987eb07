"""Alert zones of a town: polygons with a time to reach shelter.

The Home Front Command divides the country into alert zones, each with its own time to reach a
protected space (90 seconds in Jerusalem). When no zone file is given, the town is cut into a
grid of square cells (default 500 m) over its map, each with the same default time, so that
alerts and guidance changes can still be addressed and published per zone.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry

from magen.domain.alerts import MAX_SECONDS_TO_SHELTER
from magen.geo.errors import TownImportError, require_readable
from magen.geo.projection import LocalProjection

DEFAULT_CELL_M = 500.0
DEFAULT_SECONDS_TO_SHELTER = 90
# The languages a zone is named in (the pages' languages).
ZONE_LANGS = ("he", "ar", "en")


@dataclass(frozen=True)
class ZoneSpec:
    """One alert zone: id, display name (and per language), seconds to shelter and WGS84
    (multi)polygon."""

    id: str
    name: str
    seconds_to_shelter: int
    geometry: BaseGeometry
    names: Mapping[str, str] | None = None  # he, ar, en; None: `name` in every language

    def name_in(self, lang: str) -> str:
        """The zone's name in a language, else its name."""
        return (self.names or {}).get(lang) or self.name


def slug(text: str) -> str:
    """A lowercase ASCII identifier made from a name."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "zone"


def _row_label(row: int) -> str:
    label = ""
    row += 1
    while row:
        row, rem = divmod(row - 1, 26)
        label = chr(65 + rem) + label
    return label


def default_zones(
    bounds: tuple[float, float, float, float],
    projection: LocalProjection,
    town_name: str,
    *,
    cell_m: float = DEFAULT_CELL_M,
    seconds: int = DEFAULT_SECONDS_TO_SHELTER,
    town_names: Mapping[str, str] | None = None,
) -> list[ZoneSpec]:
    """A grid of square cells covering the bounds; rows A, B... from the north, columns from 1.

    Each is named "{town} {label}" ("Baka C3"), and in each language with the town's name in
    it (`town_names`, by language); ids are made from `town_name` alone.
    """
    if not (math.isfinite(cell_m) and cell_m > 0):
        raise ValueError("zone cell size must be a positive number of metres")
    lon0, lat0, lon1, lat1 = bounds
    corners_x, corners_y = projection.to_xy([lon0, lon1, lon0, lon1], [lat0, lat0, lat1, lat1])
    x0, x1 = float(corners_x.min()), float(corners_x.max())
    y0, y1 = float(corners_y.min()), float(corners_y.max())
    nx = max(1, int(np.ceil((x1 - x0) / cell_m)))
    ny = max(1, int(np.ceil((y1 - y0) / cell_m)))
    # Centre the grid on the map so border cells are trimmed evenly.
    gx0 = (x0 + x1) / 2 - nx * cell_m / 2
    gy1 = (y0 + y1) / 2 + ny * cell_m / 2
    xs = gx0 + cell_m * np.arange(nx + 1)
    ys = gy1 - cell_m * np.arange(ny + 1)
    grid_x, grid_y = np.meshgrid(xs, ys)
    glon, glat = projection.to_lonlat(grid_x.ravel(), grid_y.ravel())
    glon = glon.reshape(grid_x.shape)
    glat = glat.reshape(grid_x.shape)
    prefix = slug(town_name)
    zones: list[ZoneSpec] = []
    for r in range(ny):
        for c in range(nx):
            ring = [
                (glon[r, c], glat[r, c]),
                (glon[r, c + 1], glat[r, c + 1]),
                (glon[r + 1, c + 1], glat[r + 1, c + 1]),
                (glon[r + 1, c], glat[r + 1, c]),
                (glon[r, c], glat[r, c]),
            ]
            label = f"{_row_label(r)}{c + 1}"
            zones.append(
                ZoneSpec(
                    id=f"{prefix}-{label.lower()}",
                    name=f"{town_name} {label}",
                    seconds_to_shelter=seconds,
                    geometry=shapely.Polygon(ring),
                    names={
                        lang: f"{(town_names or {}).get(lang) or town_name} {label}"
                        for lang in ZONE_LANGS
                    },
                )
            )
    return zones


def read_zones(
    path: str | Path,
    default_seconds: int,
    *,
    bounds: tuple[float, float, float, float] | None = None,
) -> list[ZoneSpec]:
    """Read alert zones from a GeoJSON file of (multi)polygons with id, name and seconds
    (and the name per language as `name:he`, `name:ar`, `name:en` where the file has them).

    A zone file is small and made by hand: a feature that is not a readable zone (or, given
    the map's `bounds` as lon0, lat0, lon1, lat1, one that does not touch the map) refuses the
    whole file, naming the feature (from 1, with its id when it has one).
    """
    p = require_readable(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TownImportError(p, f"not valid GeoJSON ({exc})") from exc
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list) or not features:
        raise TownImportError(p, "no zone features in the file")
    area = shapely.box(*bounds) if bounds is not None else None
    zones: list[ZoneSpec] = []
    for i, feature in enumerate(features):
        zone = _read_zone(p, i, feature, default_seconds)
        if area is not None and not zone.geometry.intersects(area):
            raise TownImportError(
                p, f"{_feature_label(i, zone.id)}: the zone does not touch the map {_box(bounds)}"
            )
        zones.append(zone)
    if len({z.id for z in zones}) != len(zones):
        raise TownImportError(p, "zone ids are not unique")
    return zones


def _feature_label(i: int, ident: object = None) -> str:
    return f"feature {i + 1}" + (f" (id {str(ident)!r})" if ident else "")


def _box(bounds: tuple[float, float, float, float] | None) -> str:
    if bounds is None:
        return ""
    lon0, lat0, lon1, lat1 = bounds
    return f"(lon {lon0:.5f}..{lon1:.5f}, lat {lat0:.5f}..{lat1:.5f})"


def check_seconds_to_shelter(value: object) -> int:
    """Seconds to reach shelter as a whole number from 1 to the most an alert may give
    (`MAX_SECONDS_TO_SHELTER`); ValueError says what is wrong with `value`."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a number of seconds")
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number of seconds") from None
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"{value!r} is not a whole number of seconds")
    if not 0 < number <= MAX_SECONDS_TO_SHELTER:
        raise ValueError(
            f"{value!r} is not from 1 to {MAX_SECONDS_TO_SHELTER} seconds (the most an alert gives)"
        )
    return int(number)


def _read_zone(p: Path, i: int, feature: object, default_seconds: int) -> ZoneSpec:
    if not isinstance(feature, dict):
        raise TownImportError(p, f"{_feature_label(i)}: not a GeoJSON Feature object")
    props = feature.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raise TownImportError(p, f"{_feature_label(i)}: properties are not an object")
    label = _feature_label(i, props.get("id"))
    try:
        geom = shapely.geometry.shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ShapelyError) as exc:
        raise TownImportError(p, f"{label}: unreadable geometry ({exc})") from exc
    if geom.geom_type not in {"Polygon", "MultiPolygon"} or geom.is_empty:
        raise TownImportError(p, f"{label}: geometry must be a Polygon or MultiPolygon")
    lon0, lat0, lon1, lat1 = geom.bounds
    if not (-180 <= lon0 <= lon1 <= 180 and -90 <= lat0 <= lat1 <= 90):
        raise TownImportError(p, f"{label}: coordinates are not places on Earth (lon, lat)")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    seconds = props.get("seconds_to_shelter", props.get("seconds", default_seconds))
    try:
        seconds_int = check_seconds_to_shelter(seconds)
    except ValueError as exc:
        raise TownImportError(p, f"{label}: seconds_to_shelter {exc}") from None
    ident = str(props.get("id") or f"zone-{i + 1}")
    name = str(props.get("name") or ident)
    return ZoneSpec(
        id=ident,
        name=name,
        seconds_to_shelter=seconds_int,
        geometry=geom,
        names={lang: str(props.get(f"name:{lang}") or name) for lang in ZONE_LANGS},
    )


def zone_lookup(
    tree: shapely.STRtree, lon: npt.ArrayLike, lat: npt.ArrayLike
) -> npt.NDArray[np.int64]:
    """The index of the zone containing each point (the first by index on a border), or -1."""
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    out = np.full(lon_a.shape[0], -1, dtype=np.int64)
    if not len(tree) or not lon_a.shape[0]:
        return out
    pts, zone = tree.query(shapely.points(lon_a, lat_a), predicate="intersects")
    order = np.lexsort((zone, pts))
    pts, zone = pts[order], zone[order]
    first = np.ones(pts.shape[0], dtype=bool)
    first[1:] = pts[1:] != pts[:-1]
    out[pts[first]] = zone[first]
    return out


def zone_names(
    ids: Sequence[str], names: Sequence[str], by_lang: Sequence[Mapping[str, str]]
) -> dict[str, tuple[str, ...]]:
    """Each zone's names (its name, then he/ar/en where they differ), by zone id: what an
    upstream alert's area may call it (`magen.alerts.cap.read_cap`'s `zone_names`)."""
    return {
        str(z): tuple(dict.fromkeys(n for n in (str(name), *langs.values()) if n))
        for z, name, langs in zip(ids, names, by_lang, strict=True)
    }
