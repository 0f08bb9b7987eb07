"""`magen town import` with bad shelter rows, zone files and options, and `magen sim check` with
a byte-order mark or a problem found after reading: a clear message naming the file (and the
feature, row or line), never a traceback, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.geokit import grid_map, lonlat
from magen.cli import main
from magen.sim.scenario import SCENARIO_DIR, load_scenario

OFAKIM = SCENARIO_DIR / "ofakim_baka.toml"


def _import(tmp_path: Path, *extra: str, shelters: Path | None = None) -> tuple[list[str], Path]:
    osm, geo = grid_map().write(tmp_path)
    out = tmp_path / "x.town.npz"
    argv = ["town", "import", "--osm", str(osm), "--shelters", str(shelters or geo)]
    return [*argv, "--name", "T", "--out", str(out), "--quiet", *extra], out


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("magen: "), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.strip()


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--zone-cell", "nan", "'nan' is not from 50 to 5000 metres"),  # was ValueError
        ("--zone-cell", "0.001", "'0.001' is not from 50 to 5000 metres"),  # was 36 TiB asked
        ("--zone-cell", "1e9", "'1e9' is not from 50 to 5000 metres"),
        ("--zone-cell", "wide", "'wide' is not a number of metres"),
        ("--zone-seconds", "0", "'0' is not from 1 to 600 seconds"),
        ("--zone-seconds", "601", "'601' is not from 1 to 600 seconds"),
        ("--zone-seconds", "-30", "'-30' is not from 1 to 600 seconds"),
        ("--zone-seconds", "soon", "'soon' is not a number of seconds"),
    ],
)
def test_grid_options_out_of_range_are_refused_before_anything_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, said: str
) -> None:
    argv, out = _import(tmp_path, f"{option}={value}")
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: {said}" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_grid_options_in_range_still_import(tmp_path: Path) -> None:
    argv, out = _import(tmp_path, "--zone-cell", "50", "--zone-seconds", "600")
    assert main(argv) == 0
    assert out.exists()


def test_bad_shelter_rows_are_named_and_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lon, lat = lonlat(230, 50)
    good = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}}
    features = [
        {**good, "properties": {"capacity": "inf"}},
        {**good, "properties": [1, 2]},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": {"0": 35.2}}},
        {**good, "properties": {"capacity": 1}},
    ]
    shelters = tmp_path / "bad.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": features})
    shelters.write_text(text.replace('"capacity": 1}', '"capacity": 1e400}'))
    argv, out = _import(tmp_path, shelters=shelters)
    assert main(argv) == 2  # every row is bad: refused, naming the first
    err = _one_line(capsys)
    assert err == (
        f"magen: {shelters}: no shelter in the file could be read "
        "(first: feature 1: capacity 'inf' is not a finite number of people)"
    )
    assert not out.exists()

    shelters.write_text(json.dumps({"type": "FeatureCollection", "features": [*features, good]}))
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "bad.geojson feature 1 left out: capacity 'inf' is not a finite number" in printed
    assert "bad.geojson feature 2 left out: properties [1, 2] are not an object" in printed
    assert "bad.geojson feature 3 left out: coordinates {'0': 35.2} are not two numbers" in printed


def test_a_csv_capacity_of_infinity_is_named_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lon, lat = lonlat(230, 50)
    shelters = tmp_path / "list.csv"
    shelters.write_text(
        f"name,lat,lon,capacity\nA,{lat},{lon},1e999\nB,{lat},{lon},inf\nC,{lat},{lon},9\n"
    )
    argv, _ = _import(tmp_path, shelters=shelters)
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "list.csv line 2 left out: capacity '1e999' is not a finite number" in printed
    assert "list.csv line 3 left out: capacity 'inf' is not a finite number" in printed


def _zone(props: object, corners: list[tuple[float, float]]) -> dict[str, object]:
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[*corners, corners[0]]]},
        "properties": props,
    }


HOME = [lonlat(-100, -100), lonlat(400, -100), lonlat(400, 200), lonlat(-100, 200)]


@pytest.mark.parametrize(
    ("second", "said"),
    [
        (
            _zone({"id": "b", "seconds_to_shelter": -30}, HOME),
            "feature 2 (id 'b'): seconds_to_shelter -30 is not from 1 to 600 seconds",
        ),
        (
            _zone({"id": "b", "seconds_to_shelter": 0}, HOME),
            "feature 2 (id 'b'): seconds_to_shelter 0 is not from 1 to 600 seconds",
        ),
        (_zone([1], HOME), "feature 2: properties are not an object"),
        ([1, 2], "feature 2: not a GeoJSON Feature object"),
        (
            _zone({"id": "far"}, [(5.0, 5.0), (5.01, 5.0), (5.01, 5.01)]),
            "feature 2 (id 'far'): the zone does not touch the map",
        ),
        ("INF", "feature 2 (id 'b'): seconds_to_shelter inf is not a whole number of seconds"),
    ],
)
def test_a_bad_zone_file_is_refused_naming_the_feature(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], second: object, said: str
) -> None:
    zones = tmp_path / "zones.geojson"
    first = _zone({"id": "a", "seconds_to_shelter": 60}, HOME)
    if second == "INF":
        text = json.dumps({"features": [first, _zone({"id": "b", "seconds_to_shelter": 7}, HOME)]})
        zones.write_text(text.replace('"seconds_to_shelter": 7', '"seconds_to_shelter": 1e400'))
    else:
        zones.write_text(json.dumps({"type": "FeatureCollection", "features": [first, second]}))
    argv, out = _import(tmp_path, "--zones", str(zones))
    assert main(argv) == 2
    err = _one_line(capsys)
    assert err.startswith(f"magen: {zones}: {said}"), err
    assert not out.exists()


# --- magen sim check ----------------------------------------------------------------------


def test_a_scenario_saved_with_a_byte_order_mark_reads_as_without(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was "not valid TOML: Invalid statement (at line 1, column 1)".
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + OFAKIM.read_bytes())
    assert load_scenario(bom) == load_scenario(OFAKIM)
    broken = tmp_path / "broken.toml"
    text = OFAKIM.read_text(encoding="utf-8").replace("size = 8\n", "size = -3\n", 1)
    broken.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert main(["sim", "check", str(broken), "--towns", str(tmp_path / "towns")]) == 2
    lines = text.splitlines()
    at = lines.index("size = -3") + 1
    assert _one_line(capsys) == (
        "magen: broken.toml: attackers[0].size: Input should be greater than or equal to 1 "
        f"(got -3) (at line {at})"
    )


def _edited(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    lines = OFAKIM.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(old)) + 1
    lines[at - 1] = new
    path = tmp_path / "edited.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, at


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_missing_town_source_is_named_in_the_scenario_file_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # Was "magen: town.osm: file not found: ...", naming no scenario file.
    path, at = _edited(tmp_path, "osm = ", f'osm = "{tmp_path / "gone.osm"}"')
    out = tmp_path / "out"
    extra = ["--out", str(out)] if command == "run" else []
    assert main(["sim", command, str(path), "--towns", str(tmp_path / "towns"), *extra]) == 2
    assert _one_line(capsys) == (
        f"magen: edited.toml: town.osm: file not found: {tmp_path / 'gone.osm'} (at line {at})"
    )
    assert not out.exists()


def test_a_point_off_the_map_is_named_in_the_scenario_file_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, at = _edited(tmp_path, "entry = ", "entry = { lon = 35.1, lat = 31.76 }")
    assert main(["sim", "check", str(path), "--towns", str(tmp_path / "towns")]) == 2
    err = _one_line(capsys)
    assert err.startswith("magen: edited.toml: attackers[0].entry: (35.1, 31.76) is outside")
    assert err.endswith(f"(at line {at})")
