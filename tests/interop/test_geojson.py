"""The picture as GeoJSON (RFC 7946): positions as [lon, lat], circles as rings, right-hand rule."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from magen.interop.geojson import CIRCLE_SIDES, circle_ring, picture_collection

PICTURE: dict[str, Any] = {
    "position": 42,
    "generated_at": "2023-10-07T06:45:00+00:00",
    "tracks": [
        {"id": "t1", "open": True, "merged_into": None, "lat": 31.76, "lon": 35.21, "count": {}},
        {"id": "t2", "open": False, "merged_into": None, "lat": 31.7, "lon": 35.2},
        {"id": "t3", "open": True, "merged_into": "t1", "lat": 31.7, "lon": 35.2},
    ],
    "sightings": [{"id": "s1", "lat": 31.761, "lon": 35.211, "count": 3}],
    "sos": [
        {"id": "c1", "lat": 31.762, "lon": 35.212, "resolved": None, "people": 2},
        {"id": "c2", "lat": 31.762, "lon": 35.212, "resolved": "safe", "people": 1},
    ],
    "responders": [
        {"id": "r1", "lat": 31.75, "lon": 35.22, "status": "available", "kind": "medic"},
        {"id": "r2", "lat": None, "lon": None, "status": "available"},
    ],
    "danger_areas": [
        {"id": "d1", "area": {"kind": "circle", "lat": 31.76, "lon": 35.21, "radius_m": 300}},
        {
            "id": "d2",
            "area": {
                "kind": "polygon",
                # clockwise as drawn: the file must give it counter-clockwise
                "ring": [[35.2, 31.7], [35.2, 31.71], [35.21, 31.71], [35.21, 31.7], [35.2, 31.7]],
            },
        },
    ],
}


def _area(ring: list[list[float]]) -> float:
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(ring)) / 2


def _metres(a: list[float], b: list[float]) -> float:
    (lon1, lat1), (lon2, lat2) = ((math.radians(p[0]), math.radians(p[1])) for p in (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_only_what_is_open_and_placed_becomes_a_feature() -> None:
    fc = picture_collection(PICTURE)
    assert fc["type"] == "FeatureCollection"
    assert [f["id"] for f in fc["features"]] == [
        "track-t1",
        "sighting-s1",
        "sos-c1",
        "responder-r1",
        "danger_area-d1",
        "danger_area-d2",
    ]
    track = fc["features"][0]
    assert track["geometry"] == {"type": "Point", "coordinates": [35.21, 31.76]}  # lon, lat
    assert track["properties"]["kind"] == "track"
    assert "lat" not in track["properties"]
    assert (fc["position"], fc["generated_at"]) == (42, PICTURE["generated_at"])
    responder = fc["features"][3]["properties"]
    assert (responder["kind"], responder["responder_kind"]) == ("responder", "medic")


def test_the_bbox_holds_every_coordinate() -> None:
    fc = picture_collection(PICTURE)
    west, south, east, north = fc["bbox"]
    for f in fc["features"]:
        g = f["geometry"]
        points = [g["coordinates"]] if g["type"] == "Point" else g["coordinates"][0]
        for lon, lat in points:
            assert west <= lon <= east
            assert south <= lat <= north
    assert "bbox" not in picture_collection({"position": 0})


def test_a_circle_is_a_closed_counter_clockwise_ring_at_its_radius() -> None:
    ring = circle_ring(31.76, 35.21, 300)
    assert len(ring) == CIRCLE_SIDES + 1
    assert ring[0] == ring[-1]
    assert _area(ring) > 0  # counter-clockwise
    for p in ring:
        assert _metres(p, [35.21, 31.76]) == pytest.approx(300, abs=0.5)
    feature = picture_collection(PICTURE)["features"][4]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["radius_m"] == 300
    assert feature["properties"]["center"] == [35.21, 31.76]


def test_a_clockwise_polygon_is_turned_to_the_right_hand_rule() -> None:
    feature = picture_collection(PICTURE)["features"][5]
    (ring,) = feature["geometry"]["coordinates"]
    assert _area(ring) > 0
    assert sorted(map(tuple, ring)) == sorted(
        map(tuple, PICTURE["danger_areas"][1]["area"]["ring"])
    )
