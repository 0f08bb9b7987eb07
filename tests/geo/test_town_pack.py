"""Importing real and hand-made towns into packs, loading them back, and import errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from geo.geokit import BAKA_BOX, SHELTERS_06, SHELTERS_09, TinyMap, grid_map, lonlat
from magen.cli import main as magen_main
from magen.geo.errors import TownImportError
from magen.geo.importer import ImportReport, import_town
from magen.geo.shelters import normalise_ref, read_shelters
from magen.geo.streets import EdgeFlag
from magen.geo.town import Town, load_town

TinyTown = Callable[..., tuple[Town, ImportReport]]


def _in_box(lon: float, lat: float) -> bool:
    return BAKA_BOX[0] <= lon <= BAKA_BOX[2] and BAKA_BOX[1] <= lat <= BAKA_BOX[3]


def test_baka_pack_has_the_clip_buildings_streets_and_zones(baka: Town) -> None:
    s = baka.summary()
    assert s["buildings"] == 1259
    assert s["buildings_without_access"] == 0
    # Most house numbers sit on entrance nodes; the pack attaches them to their building.
    assert s["buildings_with_address"] > 1000
    assert 500 < s["nodes"] < 800
    assert 50 < s["walking_km"] < 60
    walk = baka.streets.edges_with(EdgeFlag.WALK)
    assert walk.sum() == s["walking_edges"]
    assert baka.streets.edges_with(EdgeFlag.DRIVE).sum() < walk.sum()
    # A default grid of 500 m cells with Jerusalem's 90 seconds to shelter.
    assert 16 <= s["zones"] <= 36
    assert set(baka.zones.seconds_to_shelter.tolist()) == {90}
    assert (baka.buildings.zone >= 0).all()
    assert np.all(baka.buildings.area_m2 > 0)
    assert np.all(baka.streets.edge_exposure >= 1.0)


def test_every_shelter_in_the_clip_is_packed_with_merged_fields(
    baka: Town, baka_pack: tuple[Path, ImportReport]
) -> None:
    _, report = baka_pack
    packed = {(round(lon, 6), round(lat, 6)) for lon, lat in baka.shelters.lonlat.tolist()}
    for path in (SHELTERS_09, SHELTERS_06):
        records, _ = read_shelters(path)
        in_clip = [r for r in records if _in_box(r.lon, r.lat)]
        assert in_clip
        missing = [r for r in in_clip if (round(r.lon, 6), round(r.lat, 6)) not in packed]
        assert not missing, missing
    # Nothing is silently dropped: every merged shelter is packed or listed as outside.
    assert len(baka.shelters) + len(report.shelters_outside) == 148 + 257 - 147
    assert all(s.reason for s in report.shelters_outside)
    both = (
        baka.shelters.sources
        == "shelters_jerusalem_2025-09.geojson|shelters_jerusalem_2025-06.geojson"
    )
    assert both.sum() >= 25
    # Capacities come from the 2025-09 list; the extra places (schools, parking) from 2025-06.
    assert np.all(baka.shelters.capacity[both] > 0)
    assert {"public_shelter", "school_shelter", "protected_parking"} <= set(
        baka.shelters.category.tolist()
    )
    assert len(set(baka.shelters.id.tolist())) == len(baka.shelters)


def test_pack_round_trips(baka_pack: tuple[Path, ImportReport]) -> None:
    path, report = baka_pack
    town = load_town(path)
    again = load_town(path)
    for group in ("streets", "buildings", "shelters", "zones"):
        a, b = getattr(town, group), getattr(again, group)
        for name in a.__dataclass_fields__:
            assert np.array_equal(
                getattr(a, name),
                getattr(b, name),
                equal_nan=a.__dataclass_fields__[name].type == "FloatArray",
            ), (group, name)
    assert town.header["report"]["counts"] == report.counts
    assert not town.buildings.xy.flags.writeable


def test_town_lookups(baka: Town) -> None:
    # A centroid lies inside its own building unless the outline is concave around it.
    found = [baka.building_at(float(lon), float(lat)) for lon, lat in baka.buildings.lonlat[:200]]
    assert sum(f == i for i, f in enumerate(found)) > 180
    lon, lat = (float(v) for v in baka.buildings.lonlat[100])
    x, y = baka.to_xy(lon, lat)
    back = baka.to_lonlat(x, y)
    assert abs(float(back[0]) - lon) < 1e-9
    assert abs(float(back[1]) - lat) < 1e-9
    node = baka.snap(lon, lat)
    d = np.hypot(*(baka.streets.node_xy[node] - np.array([float(x), float(y)])))
    assert d < 300
    assert baka.zone_of(lon, lat) == baka.zones.id[baka.buildings.zone[100]]
    assert baka.zone_of(35.0, 31.0) is None


def test_metres_beyond_the_pack_are_zero_inside_and_grow_outside(baka: Town) -> None:
    west, south, east, north = baka.bounds
    assert baka.metres_beyond((west + east) / 2, (south + north) / 2) == 0.0
    assert baka.metres_beyond(west, north) == 0.0  # on the edge
    assert baka.metres_beyond((west + east) / 2, north + 0.1) == pytest.approx(11_132, rel=1e-3)
    east_of = baka.metres_beyond(east + 0.1, (south + north) / 2)
    assert east_of == pytest.approx(11_132 * np.cos(np.radians((south + north) / 2)), rel=1e-3)
    assert baka.metres_beyond(0.0, 0.0) > 3_000_000  # a phone with no fix


def test_grid_town_imports_exactly(tiny_town: TinyTown) -> None:
    town, report = tiny_town()
    assert town.summary()["buildings"] == 1
    # Six junctions; the south street has a bend node that is not a junction.
    assert town.streets.node_count == 6
    assert town.streets.edge_count == 7
    assert report.counts["shelters"] == 1
    assert town.shelters.ref.tolist() == ["7"]
    assert town.shelters.capacity.tolist() == [60]
    assert town.buildings.lateral[0] == pytest.approx(30.0, abs=0.05)
    assert town.building_at(*lonlat(-30, 50)) == 0
    assert town.building_at(*lonlat(-60, 50)) is None
    assert town.building_at(*lonlat(-60, 50), max_distance_m=40) == 0


def test_shelters_off_the_map_are_listed_not_dropped(tiny_town: TinyTown) -> None:
    m = grid_map()
    m.shelter(5000, 5000, shelter_no="99")
    m.shelter(100, 400, shelter_no="98")  # inside the bounds' reach? no: 300 m from any street
    town, report = tiny_town(m)
    assert town.shelters.ref.tolist() == ["7"]
    listed = {s.id: s.reason for s in report.shelters_outside}
    assert set(listed) == {"99", "98"}
    assert "outside" in listed["99"]
    assert town.header["report"]["shelters_outside"]


def test_shelter_rooms_at_one_spot_share_a_site_and_files_merge(
    tiny_town: TinyTown, tmp_path: Path
) -> None:
    m = grid_map()
    m.shelter(230, 50, shelter_no="7 A", capacity="40")
    town, _ = tiny_town(m)
    assert sorted(town.shelters.ref.tolist()) == ["7", "7A"]
    assert town.shelters.site.tolist() == [0, 0]

    # A second list naming the same shelter adds its category, keeps the capacity.
    osm, geo = grid_map().write(tmp_path)
    x, y = lonlat(230, 50)
    extra = tmp_path / "more.geojson"
    extra.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [x, y + 0.00005]},
                        "properties": {"name": "7", "category": "Public shelters", "id": 12},
                    },
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [x, y - 0.0004]},
                        "properties": {
                            "name": "Garage",
                            "category": "Protected underground parking lots",
                            "id": 13,
                        },
                    },
                ],
            }
        )
    )
    out = tmp_path / "merged.npz"
    report = import_town(osm, [geo, extra], "Tiny", out, progress=False)
    merged = load_town(out)
    assert report.merge.matched["more.geojson"] == 1
    assert sorted(merged.shelters.id.tolist()) == ["7", "protected_parking-13"]
    seven = merged.shelters.id.tolist().index("7")
    assert merged.shelters.capacity[seven] == 60
    assert merged.shelters.sources[seven] == "tiny_shelters.geojson|more.geojson"


def test_csv_shelters_with_coordinates_and_capacity(tmp_path: Path, tiny_town: TinyTown) -> None:
    osm, _ = grid_map().write(tmp_path)
    lon, lat = lonlat(230, 50)
    csv_path = tmp_path / "shelters.csv"
    csv_path.write_text(
        f"\ufeffname,Latitude,Longitude,capacity\nCommunity hall,{lat},{lon},120\nbad,x,y,3\n",
        encoding="utf-8",
    )
    out = tmp_path / "csv.npz"
    report = import_town(osm, [csv_path], "Tiny", out, progress=False)
    town = load_town(out)
    assert town.shelters.name.tolist() == ["Community hall"]
    assert town.shelters.capacity.tolist() == [120]
    assert report.merge.skipped == {"shelters.csv": 1}
    assert "shelters.csv line 3 left out: Latitude 'x', Longitude 'y': not numbers" in (
        report.warnings
    )


def test_each_shelter_row_left_out_is_named_with_its_line_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    osm, _ = grid_map().write(tmp_path)
    lon, lat = lonlat(230, 50)
    csv_path = tmp_path / "list.csv"
    # A quoted name over two lines: the next row is on line 5, not 4.
    csv_path.write_text(
        f'name,lat,lon\nHall,{lat},{lon}\n"Old\nschool",{lat},{lon}\nPark,abc,{lon}\n'
        f"Far,95,{lon}\n",
        encoding="utf-8",
    )
    geo = tmp_path / "more.geojson"
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0]]}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": ["a", lat]}},
    ]
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    argv = [
        "town",
        "import",
        "--osm",
        str(osm),
        "--shelters",
        str(csv_path),
        "--shelters",
        str(geo),
    ]
    out = tmp_path / "named.npz"
    assert magen_main([*argv, "--name", "Tiny", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "list.csv line 5 left out: lat 'abc', lon" in printed
    assert "list.csv line 6 left out: (" in printed
    assert "is not a place on Earth" in printed
    assert "more.geojson feature 2 left out: not a Point (geometry LineString)" in printed
    assert "more.geojson feature 3 left out: coordinates ['a'," in printed


def test_zones_from_a_file(tmp_path: Path, tiny_town: TinyTown) -> None:
    ring = [lonlat(-100, -100), lonlat(100, -100), lonlat(100, 200), lonlat(-100, 200)]
    ring2 = [lonlat(100, -100), lonlat(300, -100), lonlat(300, 200), lonlat(100, 200)]
    zones = tmp_path / "zones.geojson"
    zones.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                        "properties": {"id": "west", "name": "West", "seconds_to_shelter": 45},
                    },
                    {
                        "type": "Feature",
                        "geometry": {"type": "Polygon", "coordinates": [[*ring2, ring2[0]]]},
                        "properties": {"id": "east", "name": "East"},
                    },
                ],
            }
        )
    )
    town, _ = tiny_town(zones_path=zones, zone_seconds=60)
    assert town.zones.id.tolist() == ["west", "east"]
    assert town.zones.seconds_to_shelter.tolist() == [45, 60]
    assert town.zone_of(*lonlat(-30, 50)) == "west"
    assert town.zone_of(*lonlat(230, 50)) == "east"
    assert town.shelters.zone.tolist() == [1]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "file not found"),
        (b"", "file is empty"),
        (b"<osm><node id='1' lat='x'", "not a readable OSM file"),
        (b"<?xml version='1.0'?><osm version='0.6'></osm>", "no streets"),
    ],
)
def test_bad_osm_files_are_named_in_a_clear_error(
    tmp_path: Path, content: bytes | None, problem: str
) -> None:
    osm = tmp_path / "town.osm"
    if content is not None:
        osm.write_bytes(content)
    _, geo = grid_map().write(tmp_path / "..")
    with pytest.raises(TownImportError) as err:
        import_town(osm, [geo], "X", tmp_path / "x.npz", progress=False)
    assert err.value.path == str(osm)
    assert problem in str(err.value)
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("s.geojson", "{not json", "not valid GeoJSON"),
        ("s.geojson", '{"type": "FeatureCollection", "features": []}', "no shelter"),
        ("s.geojson", '["a list"]', "not a GeoJSON FeatureCollection"),
        ("s.csv", "name,x,y\na,1,2\n", "lat and lon"),
    ],
)
def test_bad_shelter_files_are_named_in_a_clear_error(
    tmp_path: Path, name: str, content: str, problem: str
) -> None:
    osm, _ = grid_map().write(tmp_path)
    bad = tmp_path / name
    bad.write_text(content)
    with pytest.raises(TownImportError) as err:
        import_town(osm, [bad], "X", tmp_path / "x.npz", progress=False)
    assert err.value.path == str(bad)
    assert problem in str(err.value)


def test_not_a_pack_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.npz"
    junk.write_text("hello")
    with pytest.raises(TownImportError, match="not a town pack"):
        load_town(junk)
    with pytest.raises(TownImportError, match="not found"):
        load_town(tmp_path / "missing.npz")
    other = tmp_path / "other.npz"
    np.savez(other, a=np.arange(3))
    with pytest.raises(TownImportError, match="no header"):
        load_town(other)


def test_shelter_numbers_normalise() -> None:
    assert normalise_ref("Public Shelter No. 734 A") == "734A"
    assert normalise_ref("Public Shelter No.602") == "602"
    assert normalise_ref("814 A") == "814A"
    assert normalise_ref("Beit Avichai") == ""


def test_cli_import_and_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    osm, geo = grid_map().write(tmp_path)
    out = tmp_path / "cli.town.npz"
    argv = ["town", "import", "--osm", str(osm), "--shelters", str(geo), "--name", "Tiny"]
    assert magen_main([*argv, "--out", str(out), "--quiet"]) == 0
    assert "buildings: 1" in capsys.readouterr().out
    assert magen_main(["town", "info", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"]["shelters"] == 1
    assert doc["name"] == "Tiny"


def test_cli_errors_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, geo = grid_map().write(tmp_path)
    missing = tmp_path / "missing.osm.pbf"
    argv = ["town", "import", "--osm", str(missing), "--shelters", str(geo), "--name", "X"]
    assert magen_main([*argv, "--out", str(tmp_path / "x.npz")]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"magen: {missing}: file not found"
    assert magen_main(["town", "info", str(missing)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_unclosed_building_ways_are_reported(tiny_town: TinyTown) -> None:
    m: TinyMap = grid_map()
    m.ways.append((77, [1000, 1001, 1002], {"building": "yes"}))
    _, report = tiny_town(m)
    assert any("not closed" in w for w in report.warnings)
