"""Compile an OSM extract and shelter lists into a town pack (`magen town import`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from tqdm import tqdm

from magen.geo.errors import TownImportError
from magen.geo.osm import OsmExtract, read_osm
from magen.geo.projection import LocalProjection
from magen.geo.shelters import (
    MergedShelter,
    MergeStats,
    SkippedRow,
    merge_shelters,
    read_shelters,
)
from magen.geo.snap import Segments, Snapped, segment_tree, snap_points
from magen.geo.street_names import (
    LocalAddress,
    StreetMatcher,
    street_name_table,
    street_names,
)
from magen.geo.streets import EdgeFlag, StreetNetwork, build_network, edge_exposure
from magen.geo.town import Buildings, Shelters, Streets, Zones, save_town
from magen.geo.town_names import TownNames, town_names
from magen.geo.zones import (
    DEFAULT_CELL_M,
    DEFAULT_SECONDS_TO_SHELTER,
    ZoneSpec,
    default_zones,
    read_zones,
    zone_lookup,
)

# A building farther than this from any walkable street has no street access in the pack.
MAX_BUILDING_ACCESS_M = 500.0
# A shelter farther than this from a walkable street is outside the map (listed, not packed).
MAX_SHELTER_ACCESS_M = 150.0
# A house number is attached to the nearest named street within this distance.
MAX_ADDRESS_STREET_M = 100.0
# Shelters closer than this are the same destination (two rooms at one address).
SAME_SITE_M = 1.0


@dataclass(frozen=True)
class _Map:
    """The street network being imported and the means to snap points onto it."""

    net: StreetNetwork
    projection: LocalProjection
    segments: Segments
    tree: shapely.STRtree
    tree_seg: npt.NDArray[np.int64]
    zone_tree: shapely.STRtree
    bounds: tuple[float, float, float, float]

    def snap(self, xy: npt.NDArray[np.float64], max_distance: float) -> Snapped:
        return snap_points(self.segments, self.tree, self.tree_seg, xy, max_distance)


@dataclass(frozen=True)
class OutsideShelter:
    """A shelter from a source list that is not on the imported map, and why."""

    id: str
    name: str
    address: str
    lon: float
    lat: float
    reason: str


@dataclass
class ImportReport:
    """What an import produced, and what it left out."""

    pack: Path
    name: str
    counts: dict[str, int]
    merge: MergeStats
    shelters_outside: list[OutsideShelter] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    names: TownNames | None = None

    def lines(self) -> list[str]:
        """The report as human-readable lines."""
        out = [f"town pack {self.pack} ({self.name})"]
        if self.names is not None:
            out.append(f"  names: {self.names.describe()}")
        out += [f"  {k}: {v}" for k, v in self.counts.items()]
        for src, n in self.merge.read.items():
            out.append(
                f"  shelters from {src}: {n} read, {self.merge.matched.get(src, 0)} matched "
                f"an earlier file, {self.merge.duplicates.get(src, 0)} duplicates, "
                f"{self.merge.skipped.get(src, 0)} unusable rows"
            )
        out.append(f"  shelters outside the map: {len(self.shelters_outside)}")
        out += [
            f"    {s.id} {s.name} {s.address} ({s.lon:.5f}, {s.lat:.5f}): {s.reason}"
            for s in self.shelters_outside
        ]
        out += [f"  warning: {w}" for w in self.warnings]
        return out

    def to_header(self) -> dict[str, Any]:
        """The report as stored in the pack header."""
        return {
            "counts": self.counts,
            "names": (
                {
                    "origin": self.names.origin,
                    "osm": (
                        f"{self.names.place.kind}/{self.names.place.osm_id}"
                        if self.names.place is not None
                        else None
                    ),
                }
                if self.names is not None
                else None
            ),
            "shelter_sources": {
                "read": self.merge.read,
                "matched": self.merge.matched,
                "duplicates": self.merge.duplicates,
                "skipped": self.merge.skipped,
            },
            "shelters_outside": [s.__dict__ for s in self.shelters_outside],
            "warnings": self.warnings,
        }


def import_town(
    osm_path: str | Path,
    shelter_paths: Sequence[str | Path],
    name: str,
    out_path: str | Path,
    progress: bool = True,
    *,
    zones_path: str | Path | None = None,
    zone_seconds: int = DEFAULT_SECONDS_TO_SHELTER,
    zone_cell_m: float = DEFAULT_CELL_M,
    name_he: str | None = None,
    name_ar: str | None = None,
) -> ImportReport:
    """Compile an OSM extract (PBF or XML) and shelter files into a town pack file.

    The town and its grid zones are named in Hebrew, Arabic and English: `name_he`/`name_ar`
    when given, else the names of the OSM place called `name`, else `name` itself.
    """
    if not name.strip():
        raise TownImportError(out_path, "the town needs a name")
    if not shelter_paths:
        raise TownImportError(osm_path, "at least one shelter file is needed")
    steps = tqdm(total=6, desc=f"importing {name}", unit=" step", disable=not progress)
    with steps:
        extract = read_osm(osm_path, progress=progress)
        shelter_files = []
        skipped: dict[str, int] = {}
        left_out: list[str] = []
        for sp in shelter_paths:
            records, bad = read_shelters(sp)
            shelter_files.append(records)
            skipped[Path(sp).name] = len(bad)
            left_out += _left_out(Path(sp).name, bad)
        steps.update(1)

        bounds = extract.header_bounds or extract.data_bounds
        data_bounds = extract.data_bounds
        projection = LocalProjection(
            lon_0=round((data_bounds[0] + data_bounds[2]) / 2, 6),
            lat_0=round((data_bounds[1] + data_bounds[3]) / 2, 6),
        )
        net = build_network(extract.streets, projection)
        if not (net.edge_flags & np.uint8(EdgeFlag.WALK)).any():
            raise TownImportError(osm_path, "no walkable streets in the extract")
        segments = Segments.from_polylines(net.geom_xy, net.edge_geom_offsets)
        snappable = (net.edge_flags & np.uint8(EdgeFlag.SNAPPABLE)) != 0
        tree, tree_seg = segment_tree(segments, snappable[segments.edge])
        names = town_names(name, extract.places, bounds, {"he": name_he, "ar": name_ar})
        steps.update(1)

        zone_specs = (
            read_zones(zones_path, zone_seconds, bounds=data_bounds)
            if zones_path is not None
            else default_zones(
                data_bounds,
                projection,
                name,
                cell_m=zone_cell_m,
                seconds=zone_seconds,
                town_names=names.names,
            )
        )
        zones = _zones(zone_specs)
        town_map = _Map(
            net=net,
            projection=projection,
            segments=segments,
            tree=tree,
            tree_seg=tree_seg,
            zone_tree=shapely.STRtree([z.geometry for z in zone_specs]),
            bounds=data_bounds,
        )
        steps.update(1)

        buildings, vertices_xy = _buildings(extract, town_map)
        exposure = edge_exposure(net, vertices_xy)
        steps.update(1)

        merged, stats = merge_shelters(shelter_files, projection)
        stats.skipped = skipped
        shelters, outside = _shelters(merged, town_map, street_matcher(extract, projection))
        steps.update(1)

        streets = _streets(
            net, exposure, projection, street_name_table(w.tags for w in extract.streets)
        )
        report = ImportReport(
            pack=Path(out_path),
            name=name,
            counts={},
            merge=stats,
            shelters_outside=outside,
            warnings=left_out + _warnings(extract, buildings, shelters) + _name_warnings(names),
            names=names,
        )
        header = {
            "name": name,
            "names": names.names,
            "projection": projection.to_header(),
            "bounds": list(bounds),
            "data_bounds": list(data_bounds),
            "sources": {
                "osm": Path(osm_path).name,
                "shelters": [Path(s).name for s in shelter_paths],
                "zones": Path(zones_path).name if zones_path is not None else None,
            },
            "zoning": {
                "kind": "file" if zones_path is not None else "grid",
                "cell_m": zone_cell_m,
                "default_seconds_to_shelter": zone_seconds,
            },
            "exposure_model": "class factor x (1 + 0.25 x openness); see magen.geo.streets",
        }
        groups = {"streets": streets, "buildings": buildings, "shelters": shelters, "zones": zones}
        report.counts = _counts(streets, buildings, shelters, zones)
        header["report"] = report.to_header()
        save_town(out_path, header, groups)
        steps.update(1)
    return report


# Rows left out that the report names one by one; the rest are counted.
_NAMED_ROWS = 20


def _left_out(source: str, rows: Sequence[SkippedRow]) -> list[str]:
    """A warning per shelter row left out (the first few), naming the file, the row and why."""
    out = [f"{source} {r.where} left out: {r.reason}" for r in rows[:_NAMED_ROWS]]
    if len(rows) > _NAMED_ROWS:
        out.append(f"{source}: {len(rows) - _NAMED_ROWS} more rows left out")
    return out


def _warnings(extract: OsmExtract, buildings: Buildings, shelters: Shelters) -> list[str]:
    warnings: list[str] = []
    if extract.skipped_buildings:
        warnings.append(
            f"{extract.skipped_buildings} building ways are not closed rings and were skipped"
        )
    no_access = int((buildings.edge < 0).sum())
    if no_access:
        warnings.append(
            f"{no_access} buildings are more than {MAX_BUILDING_ACCESS_M:.0f} m from a "
            "walkable street and get no route"
        )
    if not len(shelters):
        warnings.append("no shelter lies on the map: guidance can only say stay inside")
    return warnings


def _name_warnings(names: TownNames) -> list[str]:
    """A warning per page language the town has no name in (the given name stands in)."""
    missing = [lang for lang in ("he", "ar") if names.origin[lang] == "fallback"]
    if not missing:
        return []
    flags = " ".join(f"--name-{lang}" for lang in missing)
    where = (
        f"the OSM place {names.place.kind}/{names.place.osm_id} has none"
        if names.place is not None
        else f"no OSM place is named {names.given!r}"
    )
    return [
        f"the town has no name in {', '.join(missing)} ({where}): pages in it say "
        f"{names.given!r}; give {flags} to name it"
    ]


def _counts(
    streets: Streets, buildings: Buildings, shelters: Shelters, zones: Zones
) -> dict[str, int]:
    walk = streets.edges_with(EdgeFlag.WALK)
    return {
        "street_nodes": streets.node_count,
        "street_edges": streets.edge_count,
        "walking_edges": int(walk.sum()),
        "driving_edges": int(streets.edges_with(EdgeFlag.DRIVE).sum()),
        "buildings": len(buildings),
        "buildings_with_address": int((buildings.housenumber != "").sum()),
        "shelters": len(shelters),
        "shelters_with_capacity": int((shelters.capacity > 0).sum()),
        "shelter_addresses_in_hebrew": int((shelters.address_he != "").sum()),
        "shelter_addresses_in_arabic": int((shelters.address_ar != "").sum()),
        # Streets named in each language besides OSM's own `name` (the pages fall back to it).
        "named_streets": int(streets.street_name.shape[0]),
        "streets_named_in_hebrew": int((streets.street_name_he != "").sum()),
        "streets_named_in_arabic": int((streets.street_name_ar != "").sum()),
        "streets_named_in_english": int((streets.street_name_en != "").sum()),
        "zones": len(zones),
    }


def _streets(
    net: StreetNetwork,
    exposure: npt.NDArray[np.float64],
    projection: LocalProjection,
    names: dict[str, tuple[str, str, str]],
) -> Streets:
    named = sorted(names)
    return Streets(
        street_name=np.array(named, dtype=np.str_),
        street_name_he=np.array([names[n][0] for n in named], dtype=np.str_),
        street_name_ar=np.array([names[n][1] for n in named], dtype=np.str_),
        street_name_en=np.array([names[n][2] for n in named], dtype=np.str_),
        node_osm_id=net.node_osm_id,
        node_xy=net.node_xy,
        node_lonlat=projection.points_to_lonlat(net.node_xy),
        edge_u=net.edge_u,
        edge_v=net.edge_v,
        edge_length=net.edge_length,
        edge_exposure=exposure,
        edge_flags=net.edge_flags,
        edge_class=net.edge_class,
        edge_name=net.edge_name,
        edge_way_id=net.edge_way_id,
        edge_geom_offsets=net.edge_geom_offsets,
        geom_xy=net.geom_xy,
    )


def _zones(specs: list[ZoneSpec]) -> Zones:
    blobs = [shapely.to_wkb(z.geometry) for z in specs]
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in blobs])
    return Zones(
        id=np.array([z.id for z in specs], dtype=np.str_),
        name=np.array([z.name for z in specs], dtype=np.str_),
        name_he=np.array([z.name_in("he") for z in specs], dtype=np.str_),
        name_ar=np.array([z.name_in("ar") for z in specs], dtype=np.str_),
        name_en=np.array([z.name_in("en") for z in specs], dtype=np.str_),
        seconds_to_shelter=np.array([z.seconds_to_shelter for z in specs], dtype=np.int64),
        wkb=np.frombuffer(b"".join(blobs), dtype=np.uint8).copy(),
        wkb_offsets=offsets,
    )


def _near_end(
    net: StreetNetwork, edge: npt.NDArray[np.int64], along: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    safe = np.where(edge >= 0, edge, 0)
    nearer_u = along <= net.edge_length[safe] / 2
    node = np.where(nearer_u, net.edge_u[safe], net.edge_v[safe])
    return np.where(edge >= 0, node, -1).astype(np.int64)


def _buildings(extract: OsmExtract, town_map: _Map) -> tuple[Buildings, npt.NDArray[np.float64]]:
    projection, net = town_map.projection, town_map.net
    blds = extract.buildings
    n = len(blds)
    counts = np.array([b.ring.shape[0] for b in blds], dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    ring_lonlat = np.concatenate([b.ring for b in blds]) if n else np.zeros((0, 2))
    ring_xy = projection.points_to_xy(ring_lonlat)
    ring_idx = np.repeat(np.arange(n), counts)
    polys = shapely.polygons(shapely.linearrings(ring_xy, indices=ring_idx)) if n else np.zeros(0)
    # A self-intersecting outline has no meaningful centroid; fall back to a point inside.
    centroid = shapely.centroid(polys)
    bad = ~shapely.is_valid(polys) if n else np.zeros(0, dtype=bool)
    if bad.any():
        centroid[bad] = shapely.point_on_surface(shapely.make_valid(polys[bad]))
    xy = shapely.get_coordinates(centroid) if n else np.zeros((0, 2))
    area = np.abs(shapely.area(polys)) if n else np.zeros(0)
    # Object arrays while filling in: a fixed-width str array would truncate longer names.
    street = np.array([b.street for b in blds], dtype=object)
    number = np.array([b.housenumber for b in blds], dtype=object)
    _addresses_from_points(extract, projection, polys, street, number)
    _streets_from_nearest(net, town_map.segments, xy, street, number)
    snapped = town_map.snap(xy, MAX_BUILDING_ACCESS_M)
    lonlat = projection.points_to_lonlat(xy)
    zone = zone_lookup(town_map.zone_tree, lonlat[:, 0], lonlat[:, 1])
    return (
        Buildings(
            osm_id=np.array([b.way_id for b in blds], dtype=np.int64),
            xy=xy,
            lonlat=lonlat,
            area_m2=area,
            ring_offsets=offsets,
            ring_lonlat=ring_lonlat,
            street=street.astype(np.str_),
            housenumber=number.astype(np.str_),
            name=np.array([b.name for b in blds], dtype=np.str_),
            edge=snapped.edge,
            seg=snapped.seg,
            along=snapped.along,
            lateral=snapped.lateral,
            node=_near_end(net, snapped.edge, snapped.along),
            zone=zone,
        ),
        ring_xy,
    )


def _addresses_from_points(
    extract: OsmExtract,
    projection: LocalProjection,
    polys: npt.NDArray[Any],
    street: npt.NDArray[np.object_],
    number: npt.NDArray[np.object_],
) -> None:
    """Give buildings without an address tag the address of a node inside their outline."""
    if not extract.addresses or not polys.shape[0]:
        return
    pts_xy = projection.points_to_xy([(a.lon, a.lat) for a in extract.addresses])
    # Address nodes are usually vertices of the outline (entrances), so touching counts.
    pt_idx, bld_idx = shapely.STRtree(polys).query(shapely.points(pts_xy), predicate="intersects")
    order = np.lexsort((pt_idx, bld_idx))
    seen: set[int] = set()
    for k in order:
        b = int(bld_idx[k])
        if b in seen or number[b]:
            continue
        seen.add(b)
        addr = extract.addresses[int(pt_idx[k])]
        number[b] = addr.housenumber
        if not street[b]:
            street[b] = addr.street


def _streets_from_nearest(
    net: StreetNetwork,
    segments: Segments,
    xy: npt.NDArray[np.float64],
    street: npt.NDArray[np.object_],
    number: npt.NDArray[np.object_],
) -> None:
    """Name the street of a numbered address without one: the nearest named street.

    Israeli OSM addresses are mostly `addr:housenumber` on entrance nodes with the street left
    to the nearest named way (the rule Nominatim applies), so the pack does the same.
    """
    missing = np.flatnonzero((number != "") & (street == ""))
    if not missing.shape[0]:
        return
    named = net.edge_name[segments.edge] != ""
    if not named.any():
        return
    tree, tree_seg = segment_tree(segments, named)
    snapped = snap_points(segments, tree, tree_seg, xy[missing], MAX_ADDRESS_STREET_M)
    hit = snapped.edge >= 0
    street[missing[hit]] = net.edge_name[snapped.edge[hit]]


def street_matcher(extract: OsmExtract, projection: LocalProjection) -> StreetMatcher:
    """The extract's named streets (with Hebrew and English names), for shelter addresses."""
    names = []
    lines = []
    for way in extract.streets:
        n = street_names(way.tags)
        if n is not None:
            names.append(n)
            lines.append(projection.points_to_xy(way.lonlat))
    return StreetMatcher(names, lines)


def localise_addresses(
    matcher: StreetMatcher, addresses: Sequence[str], xy: npt.NDArray[np.float64]
) -> list[LocalAddress | None]:
    """Each shelter address in Hebrew and Arabic when its street is surely known, else None."""
    return [
        matcher.localise(a, float(p[0]), float(p[1])) if a else None
        for a, p in zip(addresses, xy.reshape(-1, 2), strict=True)
    ]


def _shelters(
    merged: list[MergedShelter], town_map: _Map, matcher: StreetMatcher
) -> tuple[Shelters, list[OutsideShelter]]:
    net = town_map.net
    lonlat = np.array([(s.lon, s.lat) for s in merged], dtype=np.float64).reshape(-1, 2)
    xy = town_map.projection.points_to_xy(lonlat)
    snapped = town_map.snap(xy, MAX_SHELTER_ACCESS_M)
    # On the map means near enough to a walkable street to be walked to; the reason given for
    # the others says whether they are off the extract altogether or just far from a street.
    lon0, lat0, lon1, lat1 = town_map.bounds
    margin = MAX_SHELTER_ACCESS_M / 111_000.0
    cos_lat = max(np.cos(np.radians((lat0 + lat1) / 2)), 0.1)
    in_box = (
        (lonlat[:, 0] >= lon0 - margin / cos_lat)
        & (lonlat[:, 0] <= lon1 + margin / cos_lat)
        & (lonlat[:, 1] >= lat0 - margin)
        & (lonlat[:, 1] <= lat1 + margin)
    )
    keep = snapped.edge >= 0
    outside = [
        OutsideShelter(
            id=s.id,
            name=s.name,
            address=s.address,
            lon=s.lon,
            lat=s.lat,
            reason=(
                "outside the map's bounds"
                if not in_box[i]
                else f"no walkable street within {MAX_SHELTER_ACCESS_M:.0f} m"
            ),
        )
        for i, s in enumerate(merged)
        if not keep[i]
    ]
    idx = np.flatnonzero(keep)
    kept = [merged[i] for i in idx]
    kxy = xy[idx]
    # Shelters at one spot (rooms "814" and "814 A") share a routing destination.
    key = np.round(kxy / SAME_SITE_M).astype(np.int64)
    _, site = np.unique(key, axis=0, return_inverse=True)
    # Number sites in shelter order so that site ids are stable for the same input.
    first = np.full(site.max() + 1 if site.shape[0] else 0, len(site), dtype=np.int64)
    np.minimum.at(first, site, np.arange(site.shape[0]))
    rank = np.empty_like(first)
    rank[np.argsort(first, kind="stable")] = np.arange(first.shape[0])
    site = rank[site] if site.shape[0] else site
    klonlat = lonlat[idx]
    local = localise_addresses(matcher, [s.address for s in kept], kxy)
    return (
        Shelters(
            id=np.array([s.id for s in kept], dtype=np.str_),
            ref=np.array([s.ref for s in kept], dtype=np.str_),
            name=np.array([s.name for s in kept], dtype=np.str_),
            address=np.array([s.address for s in kept], dtype=np.str_),
            address_he=np.array([a.he if a else "" for a in local], dtype=np.str_),
            address_ar=np.array([a.ar if a else "" for a in local], dtype=np.str_),
            category=np.array([s.category for s in kept], dtype=np.str_),
            capacity=np.array([s.capacity or -1 for s in kept], dtype=np.int64),
            area_m2=np.array(
                [s.area_m2 if s.area_m2 is not None else np.nan for s in kept], dtype=np.float64
            ),
            lonlat=klonlat.reshape(-1, 2),
            xy=kxy.reshape(-1, 2),
            sources=np.array(["|".join(s.sources) for s in kept], dtype=np.str_),
            edge=snapped.edge[idx],
            seg=snapped.seg[idx],
            along=snapped.along[idx],
            lateral=snapped.lateral[idx],
            node=_near_end(net, snapped.edge[idx], snapped.along[idx]),
            zone=zone_lookup(town_map.zone_tree, klonlat[:, 0], klonlat[:, 1]),
            site=site.astype(np.int64),
        ),
        outside,
    )
