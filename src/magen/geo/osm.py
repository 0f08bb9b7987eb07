"""Read an OpenStreetMap extract (PBF or XML) with pyosmium: streets, buildings, addresses,
and the names of the places (`place=*`) it holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import osmium
from tqdm import tqdm

from magen.geo.errors import TownImportError, require_readable

# Only these street tags matter for walking, driving and exposure; keeping a subset keeps
# memory flat on a city-sized extract.
STREET_TAGS = (
    "highway",
    "name",
    "name:he",
    "name:ar",
    "int_name",
    "foot",
    "access",
    "motor_vehicle",
    "vehicle",
    "oneway",
    "junction",
    "sidewalk",
    "area",
    "lanes",
    "service",
)


@dataclass(frozen=True)
class StreetWay:
    """One OSM way tagged `highway`, with its node ids and coordinates."""

    way_id: int
    refs: npt.NDArray[np.int64]
    lonlat: npt.NDArray[np.float64]
    tags: dict[str, str]


@dataclass(frozen=True)
class BuildingWay:
    """One closed OSM way tagged `building`, as its outer ring."""

    way_id: int
    ring: npt.NDArray[np.float64]
    street: str
    housenumber: str
    name: str


@dataclass(frozen=True)
class AddressPoint:
    """An OSM node carrying `addr:housenumber` (often an entrance or a building's address)."""

    lon: float
    lat: float
    street: str
    housenumber: str


# The names a place keeps: the local one (`name`) and the three the pages speak.
PLACE_NAME_TAGS = ("name", "name:he", "name:ar", "name:en")


@dataclass(frozen=True)
class Place:
    """An OSM object tagged `place` with a name: a city, a town, a suburb, a neighbourhood.

    `box` is the lon/lat box of its node or way; None for a relation, which an extract only
    holds when one of its members lies in the extract.
    """

    kind: str  # "node", "way" or "relation"
    osm_id: int
    place: str
    names: dict[str, str]
    box: tuple[float, float, float, float] | None


@dataclass
class OsmExtract:
    """What the importer needs from an OSM file."""

    path: Path
    streets: list[StreetWay] = field(default_factory=list)
    buildings: list[BuildingWay] = field(default_factory=list)
    addresses: list[AddressPoint] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    header_bounds: tuple[float, float, float, float] | None = None
    skipped_buildings: int = 0

    @property
    def data_bounds(self) -> tuple[float, float, float, float]:
        """The lon/lat box of every street and building coordinate read."""
        parts = [w.lonlat for w in self.streets] + [b.ring for b in self.buildings]
        if not parts:
            raise TownImportError(self.path, "no streets or buildings in the extract")
        allc = np.concatenate(parts)
        lo = allc.min(axis=0)
        hi = allc.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def read_osm(path: str | Path, *, progress: bool = True) -> OsmExtract:
    """Read streets, buildings, address points and named places from an OSM PBF or XML file."""
    p = require_readable(path)
    out = OsmExtract(path=p)
    try:
        processor = (
            osmium.FileProcessor(str(p), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION)
            .with_locations()
            .with_filter(
                osmium.filter.KeyFilter("highway", "building", "addr:housenumber", "place")
            )
        )
        box = processor.header.box()
        if box.valid():
            out.header_bounds = (
                box.bottom_left.lon,
                box.bottom_left.lat,
                box.top_right.lon,
                box.top_right.lat,
            )
        with tqdm(
            desc=f"reading {p.name}", unit=" objects", disable=not progress, leave=False
        ) as bar:
            for obj in processor:
                bar.update(1)
                if isinstance(obj, osmium.osm.Node | osmium.osm.Way | osmium.osm.Relation) and (
                    "place" in obj.tags
                ):
                    _read_place(obj, out)
                if isinstance(obj, osmium.osm.Node):
                    _read_address(obj, out)
                elif isinstance(obj, osmium.osm.Way):
                    _read_way(obj, out)
    except TownImportError:
        raise
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:
        raise TownImportError(p, f"not a readable OSM file ({exc})") from exc
    if not out.streets:
        raise TownImportError(p, "no streets (ways tagged highway) in the extract")
    return out


def _read_place(
    obj: osmium.osm.Node | osmium.osm.Way | osmium.osm.Relation, out: OsmExtract
) -> None:
    names = {k: v for k in PLACE_NAME_TAGS if (v := _clean(obj.tags.get(k) or ""))}
    if "name" not in names and "name:en" not in names:
        return
    box: tuple[float, float, float, float] | None = None
    if isinstance(obj, osmium.osm.Node):
        if not obj.location.valid():
            return
        kind = "node"
        box = (obj.location.lon, obj.location.lat, obj.location.lon, obj.location.lat)
    elif isinstance(obj, osmium.osm.Way):
        kind = "way"
        coords = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
        if not coords:
            return
        lons, lats = zip(*coords, strict=True)
        box = (min(lons), min(lats), max(lons), max(lats))
    else:
        kind = "relation"
    out.places.append(
        Place(kind=kind, osm_id=obj.id, place=obj.tags.get("place") or "", names=names, box=box)
    )


# Direction marks some OSM names carry at an end (`شعفاط\u200e`): invisible, and in the way of
# comparing and of the page's own direction handling.
_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _clean(text: str) -> str:
    return text.strip().strip(_MARKS).strip()


def _read_address(node: osmium.osm.Node, out: OsmExtract) -> None:
    number = node.tags.get("addr:housenumber")
    if not number or not node.location.valid():
        return
    out.addresses.append(
        AddressPoint(
            lon=node.location.lon,
            lat=node.location.lat,
            street=node.tags.get("addr:street") or "",
            housenumber=number,
        )
    )


def _read_way(way: osmium.osm.Way, out: OsmExtract) -> None:
    tags = way.tags
    nodes = way.nodes
    if "highway" in tags and len(nodes) >= 2:
        refs = np.fromiter((n.ref for n in nodes), dtype=np.int64, count=len(nodes))
        coords = np.array([(n.lon, n.lat) for n in nodes], dtype=np.float64)
        kept = {k: tags[k] for k in STREET_TAGS if k in tags}
        # Every English spelling ("name:en", "name:en1", ...): shelter lists use any of them.
        kept.update({t.k: t.v for t in tags if t.k.startswith("name:en")})
        out.streets.append(StreetWay(way_id=way.id, refs=refs, lonlat=coords, tags=kept))
    building = tags.get("building")
    if building and building != "no":
        if len(nodes) < 4 or not way.is_closed():
            out.skipped_buildings += 1
            return
        ring = np.array([(n.lon, n.lat) for n in nodes], dtype=np.float64)
        out.buildings.append(
            BuildingWay(
                way_id=way.id,
                ring=ring,
                street=tags.get("addr:street") or "",
                housenumber=tags.get("addr:housenumber") or "",
                name=tags.get("name") or "",
            )
        )
