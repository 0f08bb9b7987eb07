"""The town pack: streets, buildings, shelters and alert zones as flat arrays in one file.

A pack is a compressed `.npz` (zip of `.npy` arrays, never pickle) with a `header`
array holding UTF-8 JSON: format version, name (and `names` by language), projection
parameters, bounds, sources and the import report. Arrays are grouped by prefix (`streets.`,
`buildings.`, `shelters.`, `zones.`). Geometry is stored in the town's local metric projection
(and WGS84 where it is shown), so loading is a matter of reading arrays; derived indices
(segment trees, KD-trees, the routing graph) are built on first use.
"""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree

from magen.geo.errors import TownImportError
from magen.geo.projection import LocalProjection
from magen.geo.snap import Segments, Snapped, segment_tree, snap_points
from magen.geo.streets import EdgeFlag
from magen.geo.zones import ZONE_LANGS, zone_lookup

_M_PER_DEG = 111_320.0  # metres in a degree of latitude (and of longitude at the equator)

FORMAT = "magen-town"
# 2: shelters carry their address in Hebrew and Arabic (address_he, address_ar).
# 3: the town (header `names`) and its zones (name_he, name_ar, name_en) are named per language.
# 4: every named street is named per language (streets.street_name, street_name_he/_ar/_en).
FORMAT_VERSION = 4

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

# How far a person may be from the nearest walkable street and still be routed from it.
MAX_ACCESS_M = 500.0


@dataclass(frozen=True, eq=False)
class Streets:
    """The street graph: nodes, undirected edges with polylines, flags and exposure."""

    node_osm_id: IntArray
    node_xy: FloatArray
    node_lonlat: FloatArray
    edge_u: IntArray
    edge_v: IntArray
    edge_length: FloatArray
    edge_exposure: FloatArray
    edge_flags: npt.NDArray[np.uint8]
    edge_class: npt.NDArray[np.uint8]
    edge_name: StrArray
    edge_way_id: IntArray
    edge_geom_offsets: IntArray
    geom_xy: FloatArray
    # Every named street of the extract (by its OSM `name`, as edge_name and the buildings'
    # street give it) with its names in Hebrew, Arabic and English; "" where OSM has none.
    street_name: StrArray
    street_name_he: StrArray
    street_name_ar: StrArray
    street_name_en: StrArray

    prefix: ClassVar[str] = "streets"

    @property
    def node_count(self) -> int:
        return int(self.node_xy.shape[0])

    @property
    def edge_count(self) -> int:
        return int(self.edge_u.shape[0])

    def edges_with(self, flag: EdgeFlag) -> npt.NDArray[np.bool_]:
        """Mask of edges carrying a flag."""
        return np.asarray((self.edge_flags & np.uint8(flag)) != 0, dtype=bool)


@dataclass(frozen=True, eq=False)
class Buildings:
    """Building footprints with address and street access."""

    osm_id: IntArray
    xy: FloatArray  # centroid, local metres
    lonlat: FloatArray  # centroid
    area_m2: FloatArray
    ring_offsets: IntArray  # (n + 1,) into ring_lonlat
    ring_lonlat: FloatArray  # outer rings, closed
    street: StrArray
    housenumber: StrArray
    name: StrArray
    edge: IntArray  # walking edge the building opens onto, -1 if none within reach
    seg: IntArray
    along: FloatArray  # metres from the edge's u to the access point
    lateral: FloatArray  # metres from the centroid to the access point
    node: IntArray  # the nearer end of the access edge
    zone: IntArray

    prefix: ClassVar[str] = "buildings"

    def __len__(self) -> int:
        return int(self.osm_id.shape[0])


@dataclass(frozen=True, eq=False)
class Shelters:
    """Public shelters inside the map, merged from every source list."""

    id: StrArray
    ref: StrArray
    name: StrArray
    address: StrArray  # as the source list gives it (English in Jerusalem's)
    address_he: StrArray  # the same address with the OSM street's Hebrew name, "" if unsure
    address_ar: StrArray  # with its Arabic name, "" if unsure or OSM has none
    category: StrArray
    capacity: IntArray  # persons, -1 when unknown
    area_m2: FloatArray  # nan when unknown
    lonlat: FloatArray
    xy: FloatArray
    sources: StrArray  # file names joined by "|"
    edge: IntArray
    seg: IntArray
    along: FloatArray
    lateral: FloatArray
    node: IntArray
    zone: IntArray
    site: IntArray  # shelters at the same spot share a site (one routing destination)

    prefix: ClassVar[str] = "shelters"

    def __len__(self) -> int:
        return int(self.id.shape[0])

    @property
    def site_count(self) -> int:
        return int(self.site.max()) + 1 if self.site.shape[0] else 0


@dataclass(frozen=True, eq=False)
class Zones:
    """Alert zones with their time to reach shelter; geometry as WKB (WGS84)."""

    id: StrArray
    name: StrArray
    name_he: StrArray
    name_ar: StrArray
    name_en: StrArray
    seconds_to_shelter: IntArray
    wkb: npt.NDArray[np.uint8]
    wkb_offsets: IntArray

    prefix: ClassVar[str] = "zones"

    def __len__(self) -> int:
        return int(self.id.shape[0])

    def names(self) -> list[dict[str, str]]:
        """Each zone's name by language (he, ar, en)."""
        by_lang = [self.name_he.tolist(), self.name_ar.tolist(), self.name_en.tolist()]
        return [dict(zip(ZONE_LANGS, row, strict=True)) for row in zip(*by_lang, strict=True)]

    def geometries(self) -> npt.NDArray[np.object_]:
        """The zone polygons as shapely geometries."""
        raw = self.wkb.tobytes()
        offs = self.wkb_offsets
        blobs = [raw[offs[i] : offs[i + 1]] for i in range(len(self))]
        return np.asarray(shapely.from_wkb(blobs), dtype=object)


_GROUPS: tuple[type[Any], ...] = (Streets, Buildings, Shelters, Zones)


class Town:
    """A compiled town: the map every engine computes on. Treat as immutable."""

    def __init__(
        self,
        header: dict[str, Any],
        streets: Streets,
        buildings: Buildings,
        shelters: Shelters,
        zones: Zones,
    ) -> None:
        self.header = header
        self.name: str = header["name"]
        # The town's name by language (he, ar, en), each falling back to `name`.
        given = header.get("names") or {}
        self.names: dict[str, str] = {
            lang: str(given.get(lang) or self.name) for lang in ZONE_LANGS
        }
        self.projection = LocalProjection.from_header(header["projection"])
        b = header["bounds"]
        self.bounds: tuple[float, float, float, float] = (b[0], b[1], b[2], b[3])
        self.streets = streets
        self.buildings = buildings
        self.shelters = shelters
        self.zones = zones
        for group in (streets, buildings, shelters, zones):
            for f in fields(group):
                getattr(group, f.name).flags.writeable = False

    def __repr__(self) -> str:
        return f"Town({self.name!r}, {self.summary()})"

    # --- coordinates ---------------------------------------------------------------------

    def to_xy(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """WGS84 lon/lat to the town's local metres."""
        return self.projection.to_xy(lon, lat)

    def to_lonlat(self, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Local metres to WGS84 lon/lat."""
        return self.projection.to_lonlat(x, y)

    # --- derived indices (built on first use) ---------------------------------------------

    @cached_property
    def segments(self) -> Segments:
        """Every straight piece of every street polyline."""
        return Segments.from_polylines(self.streets.geom_xy, self.streets.edge_geom_offsets)

    @cached_property
    def _access_tree(self) -> tuple[shapely.STRtree, IntArray]:
        snappable = self.streets.edges_with(EdgeFlag.SNAPPABLE)
        return segment_tree(self.segments, snappable[self.segments.edge])

    @cached_property
    def _node_tree(self) -> tuple[cKDTree, IntArray]:
        walk = self.streets.edges_with(EdgeFlag.SNAPPABLE)
        nodes = np.unique(
            np.concatenate([self.streets.edge_u[walk], self.streets.edge_v[walk]])
        ).astype(np.int64)
        return cKDTree(self.streets.node_xy[nodes]), nodes

    @cached_property
    def building_polygons(self) -> npt.NDArray[np.object_]:
        """Building outlines as shapely polygons in local metres."""
        b = self.buildings
        xy = self.projection.points_to_xy(b.ring_lonlat)
        ring_idx = np.repeat(np.arange(len(b)), np.diff(b.ring_offsets))
        rings = shapely.linearrings(xy, indices=ring_idx)
        return np.asarray(shapely.polygons(rings), dtype=object)

    @cached_property
    def _building_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.building_polygons)

    @cached_property
    def _street_names(self) -> dict[str, dict[str, str]]:
        s = self.streets
        rows = zip(
            s.street_name.tolist(),
            s.street_name_he.tolist(),
            s.street_name_ar.tolist(),
            s.street_name_en.tolist(),
            strict=True,
        )
        return {
            str(name): {lang: str(v) for lang, v in zip(ZONE_LANGS, (he, ar, en), strict=True) if v}
            for name, he, ar, en in rows
        }

    def street_in(self, name: str, lang: str) -> str:
        """A street (its OSM `name`) in a language: its name in it where OSM has one, else
        the OSM name as it is."""
        return self._street_names.get(name, {}).get(lang) or name

    @cached_property
    def zone_positions(self) -> dict[str, int]:
        """The index of each alert zone by id."""
        return {z: i for i, z in enumerate(self.zones.id.tolist())}

    @cached_property
    def shelter_positions(self) -> dict[str, int]:
        """The index of each shelter by id."""
        return {s: i for i, s in enumerate(self.shelters.id.tolist())}

    @cached_property
    def _zone_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.zones.geometries())

    # --- lookups --------------------------------------------------------------------------

    def snap(self, lon: float, lat: float) -> int:
        """The nearest walkable street node to a WGS84 point."""
        tree, nodes = self._node_tree
        x, y = self.to_xy(lon, lat)
        _, i = tree.query([float(x), float(y)])
        return int(nodes[int(i)])

    def access(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike, max_distance_m: float = MAX_ACCESS_M
    ) -> Snapped:
        """Where WGS84 points meet the walkable street network (nearest point on a street)."""
        x, y = self.to_xy(lon, lat)
        tree, tree_seg = self._access_tree
        pts = np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])
        return snap_points(self.segments, tree, tree_seg, pts, max_distance_m)

    def building_at(self, lon: float, lat: float, max_distance_m: float = 0.0) -> int | None:
        """The building containing a WGS84 point, else the nearest within max_distance_m."""
        x, y = self.to_xy(lon, lat)
        pt = shapely.Point(float(x), float(y))
        inside = self._building_tree.query(pt, predicate="within")
        if inside.shape[0]:
            return int(inside.min())
        if max_distance_m <= 0:
            return None
        hit = self._building_tree.query_nearest(pt, max_distance=max_distance_m)
        return int(hit.min()) if hit.shape[0] else None

    def zone_index(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> IntArray:
        """The index of the alert zone containing each WGS84 point, or -1."""
        return zone_lookup(self._zone_tree, lon, lat)

    def zone_of(self, lon: float, lat: float) -> str | None:
        """The id of the alert zone containing a WGS84 point."""
        i = int(self.zone_index(lon, lat)[0])
        return str(self.zones.id[i]) if i >= 0 else None

    def metres_beyond(self, lon: float, lat: float) -> float:
        """How far a WGS84 point lies outside the pack's bounds, in metres (0 inside them)."""
        west, south, east, north = self.bounds
        cos = math.cos(math.radians(min(max(lat, south), north)))
        dx = max(west - lon, 0.0, lon - east) * _M_PER_DEG * cos
        dy = max(south - lat, 0.0, lat - north) * _M_PER_DEG
        return math.hypot(dx, dy)

    def summary(self) -> dict[str, float]:
        """Counts of what the pack holds."""
        walk = self.streets.edges_with(EdgeFlag.WALK)
        drive = self.streets.edges_with(EdgeFlag.DRIVE)
        return {
            "nodes": self.streets.node_count,
            "edges": self.streets.edge_count,
            "walking_edges": int(walk.sum()),
            "driving_edges": int(drive.sum()),
            "walking_km": round(float(self.streets.edge_length[walk].sum()) / 1000.0, 1),
            "buildings": len(self.buildings),
            "buildings_with_address": int((self.buildings.housenumber != "").sum()),
            "buildings_without_access": int((self.buildings.edge < 0).sum()),
            "shelters": len(self.shelters),
            "shelters_with_capacity": int((self.shelters.capacity > 0).sum()),
            "shelter_sites": self.shelters.site_count,
            "named_streets": int(self.streets.street_name.shape[0]),
            "zones": len(self.zones),
        }


def save_town(path: str | Path, header: dict[str, Any], groups: dict[str, Any]) -> Path:
    """Write a pack file from its header and its four array groups."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, npt.NDArray[Any]] = {
        "header": np.frombuffer(
            json.dumps({"format": FORMAT, "version": FORMAT_VERSION, **header}).encode(),
            dtype=np.uint8,
        )
    }
    for cls in _GROUPS:
        group = groups[cls.prefix]
        for f in fields(group):
            arrays[f"{cls.prefix}.{f.name}"] = np.asarray(getattr(group, f.name))
    tmp = p.with_name(p.name + ".tmp")
    with tmp.open("wb") as fh:
        payload: dict[str, Any] = arrays
        np.savez_compressed(fh, **payload)
    tmp.replace(p)
    return p


def read_town_header(path: str | Path) -> dict[str, Any]:
    """A town pack's header, read without its arrays: a glance that the file is a pack this
    Magen reads (TownImportError naming what is wrong, else)."""
    header, _ = _open_pack(Path(path), arrays=False)
    return header


def load_town(path: str | Path) -> Town:
    """Load a town pack written by `import_town`."""
    p = Path(path)
    header, data = _open_pack(p, arrays=True)
    built: dict[str, Any] = {}
    for cls in _GROUPS:
        try:
            built[cls.prefix] = cls(**{f.name: data[f"{cls.prefix}.{f.name}"] for f in fields(cls)})
        except KeyError as exc:
            raise TownImportError(p, f"town pack is missing {exc.args[0]}") from exc
    return Town(
        header,
        streets=built["streets"],
        buildings=built["buildings"],
        shelters=built["shelters"],
        zones=built["zones"],
    )


def _open_pack(p: Path, *, arrays: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pack's checked header and (when asked) every array, by name."""
    if not p.is_file():
        raise TownImportError(p, "town pack not found")
    if not zipfile.is_zipfile(p):
        raise TownImportError(p, "not a town pack (not an .npz archive)")
    try:
        with np.load(p, allow_pickle=False) as npz:
            if "header" not in npz.files:
                raise TownImportError(p, "not a town pack (no header)")
            names = npz.files if arrays else ["header"]
            data = {k: npz[k] for k in names}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise TownImportError(p, f"not a town pack ({exc})") from exc
    try:
        header = json.loads(data["header"].tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TownImportError(p, "town pack header is unreadable") from exc
    if header.get("format") != FORMAT:
        raise TownImportError(p, "not a town pack (wrong format tag)")
    if header.get("version") != FORMAT_VERSION:
        found = header.get("version")
        raise TownImportError(
            p, f"town pack version {found}, this Magen reads {FORMAT_VERSION}: re-import it"
        )
    return header, data
