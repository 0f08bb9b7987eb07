"""Bad rows of shelter files and bad zone files: a shelter row is left out with its place and
reason, a zone file is refused naming the feature; never a traceback, never a pack written."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from geo.geokit import grid_map, lonlat
from magen.domain.alerts import MAX_SECONDS_TO_SHELTER
from magen.geo.errors import TownImportError
from magen.geo.importer import import_town
from magen.geo.projection import LocalProjection
from magen.geo.shelters import read_shelters
from magen.geo.zones import default_zones, read_zones

GOOD = lonlat(230, 50)


def _point(props: object = None, coords: object = None) -> str:
    return json.dumps(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": list(GOOD) if coords is None else coords},
            "properties": {"name": "Hall"} if props is None else props,
        }
    )


def _collection(*features: str) -> str:
    # Written by hand so a feature may hold what json.dumps never writes (1e400).
    return '{"type": "FeatureCollection", "features": [' + ", ".join(features) + "]}"


@pytest.mark.parametrize(
    ("feature", "reason"),
    [
        (_point({"capacity": "inf"}), "capacity 'inf' is not a finite number of people"),
        # json reads 1e400 as an infinite float: was an OverflowError.
        (
            _point({"capacity": 1}).replace('"capacity": 1', '"capacity": 1e400'),
            "capacity 'inf' is not a finite number of people",
        ),
        (_point({"capacity": "nan"}), "capacity 'nan' is not a finite number of people"),
        (_point({"capacity": 1e300}), "is more than any shelter holds"),
        # Was KeyError: 0.
        (_point(coords={"0": 35.2}), "coordinates {'0': 35.2} are not two numbers"),
        (_point(coords="35.2,31.7"), "are not two numbers"),
        (_point(coords=[True, 31.7]), "are not two numbers"),
        # Was AttributeError: 'list' object has no attribute 'items'.
        (_point([1, 2]), "properties [1, 2] are not an object"),
    ],
)
def test_a_bad_geojson_shelter_is_left_out_with_its_feature_and_reason(
    tmp_path: Path, feature: str, reason: str
) -> None:
    path = tmp_path / "s.geojson"
    path.write_text(_collection(_point({"name": "Hall", "capacity": 40}), feature))
    records, skipped = read_shelters(path)
    assert [(r.name, r.capacity) for r in records] == [("Hall", 40)]
    assert len(skipped) == 1
    assert skipped[0].where == "feature 2"
    assert reason in skipped[0].reason


@pytest.mark.parametrize("capacity", ["inf", "1e999", "-inf", "NaN", "250001"])
def test_a_csv_shelter_with_an_impossible_capacity_is_left_out_with_its_line(
    tmp_path: Path, capacity: str
) -> None:
    lon, lat = GOOD
    path = tmp_path / "s.csv"
    path.write_text(f"name,lat,lon,capacity\nHall,{lat},{lon},40\nPark,{lat},{lon},{capacity}\n")
    records, skipped = read_shelters(path)
    assert [(r.name, r.capacity) for r in records] == [("Hall", 40)]
    assert [s.where for s in skipped] == ["line 3"]
    assert f"capacity {capacity!r} is" in skipped[0].reason


def test_empty_or_unknown_capacities_still_leave_the_shelter_in(tmp_path: Path) -> None:
    lon, lat = GOOD
    path = tmp_path / "s.csv"
    path.write_text(
        f"name,lat,lon,capacity\nA,{lat},{lon},\nB,{lat},{lon},n/a\nC,{lat},{lon},0.5\n"
    )
    records, skipped = read_shelters(path)
    assert [(r.name, r.capacity) for r in records] == [("A", None), ("B", None), ("C", None)]
    assert skipped == []


def test_an_import_with_bad_shelter_rows_names_them_and_keeps_the_rest(tmp_path: Path) -> None:
    osm, geo = grid_map().write(tmp_path)
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        _collection(
            _point({"capacity": "inf"}), _point([1]), _point(coords={"0": 1}), _point({"id": "ok"})
        )
    )
    out = tmp_path / "t.npz"
    report = import_town(osm, [geo, bad], "Tiny", out, progress=False)
    assert report.merge.skipped == {"tiny_shelters.geojson": 0, "bad.geojson": 3}
    assert "bad.geojson feature 1 left out: capacity 'inf' is not a finite number of people" in (
        report.warnings
    )
    assert "bad.geojson feature 2 left out: properties [1] are not an object" in report.warnings
    assert out.exists()


# --- zone files ---------------------------------------------------------------------------


def _zone(props: object, ring: list[tuple[float, float]] | None = None) -> dict[str, object]:
    corners = ring or [lonlat(-100, -100), lonlat(400, -100), lonlat(400, 200), lonlat(-100, 200)]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[*corners, corners[0]]]},
        "properties": props,
    }


def _zones_file(tmp_path: Path, *features: object, raw: str | None = None) -> Path:
    path = tmp_path / "zones.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": list(features)})
    path.write_text(raw if raw is not None else text)
    return path


FAR = [(5.0, 5.0), (5.01, 5.0), (5.01, 5.01), (5.0, 5.01)]


@pytest.mark.parametrize(
    ("second", "problem"),
    [
        ({"id": "b", "seconds_to_shelter": -30}, "feature 2 (id 'b'): seconds_to_shelter -30 is"),
        ({"id": "b", "seconds_to_shelter": 0}, "feature 2 (id 'b'): seconds_to_shelter 0 is not"),
        (
            {"id": "b", "seconds_to_shelter": MAX_SECONDS_TO_SHELTER + 1},
            f"is not from 1 to {MAX_SECONDS_TO_SHELTER} seconds",
        ),
        ({"id": "b", "seconds_to_shelter": 45.5}, "45.5 is not a whole number of seconds"),
        ({"id": "b", "seconds_to_shelter": "soon"}, "'soon' is not a number of seconds"),
        ({"id": "b", "seconds_to_shelter": None}, "None is not a number of seconds"),
        ([1], "feature 2: properties are not an object"),
    ],
)
def test_a_bad_zone_refuses_the_file_naming_the_feature(
    tmp_path: Path, second: object, problem: str
) -> None:
    path = _zones_file(tmp_path, _zone({"id": "a", "seconds_to_shelter": 60}), _zone(second))
    with pytest.raises(TownImportError) as err:
        read_zones(path, 90)
    assert err.value.path == str(path)
    assert problem in err.value.problem


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        # Was OverflowError: cannot convert float infinity to integer.
        (
            json.dumps({"features": [_zone({"id": "a", "seconds_to_shelter": 1})]}).replace(
                '"seconds_to_shelter": 1', '"seconds_to_shelter": 1e400'
            ),
            "feature 1 (id 'a'): seconds_to_shelter inf is not a whole number of seconds",
        ),
        # Was AttributeError: 'list' object has no attribute 'get'.
        ('{"features": [[1, 2]]}', "feature 1: not a GeoJSON Feature object"),
        (
            '{"features": [{"geometry": {"type": "Polygon", "coordinates": {"0": 1}}}]}',
            "feature 1: unreadable geometry",
        ),
        (
            json.dumps({"features": [_zone({}, [(200.0, 0.0), (201.0, 0.0), (201.0, 1.0)])]}),
            "feature 1: coordinates are not places on Earth",
        ),
    ],
)
def test_an_unreadable_zone_file_is_named_with_its_feature(
    tmp_path: Path, raw: str, problem: str
) -> None:
    path = _zones_file(tmp_path, raw=raw)
    with pytest.raises(TownImportError) as err:
        read_zones(path, 90)
    assert problem in err.value.problem


def test_a_zone_off_the_map_refuses_the_import_and_writes_no_pack(tmp_path: Path) -> None:
    osm, geo = grid_map().write(tmp_path)
    path = _zones_file(
        tmp_path,
        _zone({"id": "home", "seconds_to_shelter": 60}),
        _zone({"id": "far", "name": "Far away", "seconds_to_shelter": 60}, FAR),
    )
    out = tmp_path / "t.npz"
    with pytest.raises(TownImportError) as err:
        import_town(osm, [geo], "Tiny", out, progress=False, zones_path=path)
    assert err.value.path == str(path)
    assert "feature 2 (id 'far'): the zone does not touch the map (lon 35.1" in err.value.problem
    assert not out.exists()


def test_zones_that_say_nothing_take_the_default_and_a_good_file_still_reads(
    tmp_path: Path,
) -> None:
    path = _zones_file(
        tmp_path,
        _zone({"id": "a", "seconds_to_shelter": "45"}),
        _zone({"id": "b", "seconds": 30.0}),
        _zone({"id": "c"}),
        _zone(None),
    )
    zones = read_zones(path, 90, bounds=(35.19, 31.74, 35.21, 31.76))
    assert [(z.id, z.seconds_to_shelter) for z in zones] == [
        ("a", 45),
        ("b", 30),
        ("c", 90),
        ("zone-4", 90),
    ]


@pytest.mark.parametrize("cell", [math.nan, math.inf, 0.0, -5.0])
def test_grid_cells_must_be_a_positive_number_of_metres(cell: float) -> None:
    with pytest.raises(ValueError, match="positive number of metres"):
        default_zones((35.2, 31.75, 35.21, 31.76), LocalProjection(35.2, 31.75), "T", cell_m=cell)
