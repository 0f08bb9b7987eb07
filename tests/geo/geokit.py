"""Helpers for the geo tests: data paths and tiny hand-drawn towns (OSM XML written on the fly)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyproj import Transformer

DATA = Path(__file__).resolve().parents[2] / "data"
BAKA_OSM = DATA / "jerusalem_baka_2016.osm"
FULL_OSM = DATA / "jerusalem_2016.osm.pbf"
SHELTERS_09 = DATA / "shelters_jerusalem_2025-09.geojson"
SHELTERS_06 = DATA / "shelters_jerusalem_2025-06.geojson"
# The box the Baka clip was cut with (osmium extract -b).
BAKA_BOX = (35.20875, 31.7565, 35.22225, 31.7682)

# Tiny towns are drawn in metres around this point.
ORIGIN = (35.2, 31.75)
_TO_LONLAT = Transformer.from_crs(
    f"+proj=tmerc +lat_0={ORIGIN[1]} +lon_0={ORIGIN[0]} +k=1 +x_0=0 +y_0=0 +ellps=WGS84",
    "EPSG:4326",
    always_xy=True,
)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """WGS84 of a point given in metres east/north of ORIGIN."""
    lon, lat = _TO_LONLAT.transform(x, y)
    return float(lon), float(lat)


@dataclass
class TinyMap:
    """A hand-drawn OSM extract in metres: nodes, ways, buildings and shelters."""

    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)
    ways: list[tuple[int, list[int], dict[str, str]]] = field(default_factory=list)
    shelters: list[tuple[float, float, dict[str, object]]] = field(default_factory=list)

    def street(self, way_id: int, xy: Sequence[tuple[float, float]], **tags: str) -> None:
        """Add a way through points (reusing node ids of points already placed)."""
        refs = [self._node(p) for p in xy]
        self.ways.append((way_id, refs, {"highway": "footway", **tags}))

    def building(self, way_id: int, cx: float, cy: float, half: float = 5.0) -> None:
        """Add a square building centred on (cx, cy)."""
        corners = [
            (cx - half, cy - half),
            (cx + half, cy - half),
            (cx + half, cy + half),
            (cx - half, cy + half),
        ]
        refs = [self._node(p) for p in corners]
        self.ways.append((way_id, [*refs, refs[0]], {"building": "yes"}))

    def shelter(self, x: float, y: float, **props: object) -> None:
        self.shelters.append((x, y, props))

    def _node(self, p: tuple[float, float]) -> int:
        for nid, q in self.nodes.items():
            if abs(q[0] - p[0]) < 1e-6 and abs(q[1] - p[1]) < 1e-6:
                return nid
        nid = 1000 + len(self.nodes)
        self.nodes[nid] = p
        return nid

    def write(self, folder: Path) -> tuple[Path, Path]:
        """Write the map as OSM XML and the shelters as GeoJSON."""
        lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6">']
        for nid, (x, y) in self.nodes.items():
            lon, lat = lonlat(x, y)
            lines.append(f'  <node id="{nid}" lat="{lat:.9f}" lon="{lon:.9f}" version="1"/>')
        for wid, refs, tags in self.ways:
            lines.append(f'  <way id="{wid}" version="1">')
            lines += [f'    <nd ref="{r}"/>' for r in refs]
            lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
            lines.append("  </way>")
        lines.append("</osm>")
        osm = folder / "tiny.osm"
        osm.write_text("\n".join(lines), encoding="utf-8")
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(lonlat(x, y))},
                "properties": props,
            }
            for x, y, props in self.shelters
        ]
        geo = folder / "tiny_shelters.geojson"
        geo.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        return osm, geo


def grid_map() -> TinyMap:
    """Two parallel streets 100 m apart joined by three cross streets, a house, a shelter.

    ```
    n4 ---- n5 ---- n6        y = 100   (north street)
    |       |       |  S      S: shelter at (230, 50)
    B       |       |         B: house centred at (-30, 50)
    |       |       |
    n1 ---- n2 ---- n3        y = 0     (south street; n2 sits 10 m lower)
    ```
    """
    m = TinyMap()
    m.street(1, [(0, 0), (100, -10), (200, 0)])
    m.street(2, [(0, 100), (100, 100), (200, 100)])
    # The west and east streets bend nowhere but have inner nodes (3 segments each).
    m.street(3, [(0, 0), (0, 30), (0, 70), (0, 100)])
    m.street(4, [(100, -10), (100, 100)])
    m.street(5, [(200, 0), (200, 30), (200, 70), (200, 100)])
    m.building(10, -30, 50)
    m.shelter(230, 50, shelter_no="Public Shelter No. 7", capacity="60", address_label="7 Test St.")
    return m
