"""The town and its zones named in Hebrew, Arabic and English: from OSM, the command line, or
the given name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.conftest import TinyTown
from geo.geokit import BAKA_OSM, FULL_OSM, SHELTERS_09, grid_map
from magen.cli import main
from magen.geo.importer import ImportReport, import_town
from magen.geo.osm import Place, read_osm
from magen.geo.town import load_town
from magen.geo.town_names import find_place, town_names

BOX = (35.0, 31.0, 36.0, 32.0)


def place(
    osm_id: int, kind: str = "suburb", lonlat: tuple[float, float] = (35.5, 31.5), **names: str
) -> Place:
    tags = {k.replace("_", ":"): v for k, v in names.items()}
    return Place("node", osm_id, kind, tags, (*lonlat, *lonlat))


# --- the real Baka clip -------------------------------------------------------------------------


def test_the_2016_baka_clip_names_no_place_baka_so_the_import_says_how_to_name_it(
    baka_pack: tuple[Path, ImportReport],
) -> None:
    """OSM 2016 calls Baka's place node "בקעה (גאולים)" / "Geullim", with no Arabic name: nothing
    there is named "Baka", so every language falls back to it, and the report says so."""
    _, report = baka_pack
    assert report.names is not None
    assert report.names.place is None
    assert report.names.names == {"he": "Baka", "ar": "Baka", "en": "Baka"}
    assert any("--name-he --name-ar" in w for w in report.warnings)
    places = {p.osm_id: p for p in read_osm(BAKA_OSM, progress=False).places}
    assert places[278474182].names == {
        "name": "בקעה (גאולים)",
        "name:he": "בקעה (גאולים)",
        "name:en": "Geullim",
    }


def test_baka_is_named_from_its_osm_place_node_in_hebrew_and_arabic(tmp_path: Path) -> None:
    """The Baka clip with its place node tagged name:en Baka, name:he בקעה, name:ar البقعة (as
    the node is tagged where OSM names Baka): the pack and every grid zone carry those names."""
    xml = BAKA_OSM.read_text(encoding="utf-8")
    old = '    <tag k="name:en" v="Geullim"/>\n    <tag k="name:he" v="בקעה (גאולים)"/>\n'
    assert old in xml
    new = (
        '    <tag k="name:en" v="Baka"/>\n'
        '    <tag k="name:he" v="בקעה"/>\n'
        '    <tag k="name:ar" v="البقعة"/>\n'
    )
    osm = tmp_path / "baka.osm"
    osm.write_text(xml.replace(old, new), encoding="utf-8")
    out = tmp_path / "baka.town"
    report = import_town(osm, [SHELTERS_09], "baka", out, progress=False)
    town = load_town(out)
    assert town.name == "baka"  # as given: ids and `name` stay what they were
    assert town.names == {"he": "בקעה", "ar": "البقعة", "en": "Baka"}
    assert report.names is not None
    assert report.names.place is not None
    assert report.names.place.osm_id == 278474182
    assert report.names.origin == {"he": "osm", "ar": "osm", "en": "osm"}
    assert not any("--name-" in w for w in report.warnings)
    i = town.zone_positions["baka-c3"]
    assert town.zones.name[i] == "baka C3"
    assert town.zones.names()[i] == {"he": "בקעה C3", "ar": "البقعة C3", "en": "Baka C3"}
    assert town.header["report"]["names"]["osm"] == "node/278474182"


def test_names_given_on_import_win_over_osm_and_the_fallback(tmp_path: Path) -> None:
    out = tmp_path / "baka.town"
    report = import_town(
        BAKA_OSM, [SHELTERS_09], "Baka", out, progress=False, name_he="בקעה", name_ar="البقعة"
    )
    town = load_town(out)
    assert town.names == {"he": "בקעה", "ar": "البقعة", "en": "Baka"}
    assert report.names is not None
    assert report.names.origin == {
        "he": "given on import",
        "ar": "given on import",
        "en": "fallback",
    }
    assert not any("--name-" in w for w in report.warnings)
    assert town.zones.names()[0] == {"he": "בקעה A1", "ar": "البقعة A1", "en": "Baka A1"}


@pytest.mark.slow
def test_jerusalem_is_named_from_the_city_node_of_the_full_extract() -> None:
    extract = read_osm(FULL_OSM, progress=False)
    bounds = extract.header_bounds or extract.data_bounds
    names = town_names("Jerusalem", extract.places, bounds)
    assert names.place is not None
    assert names.place.osm_id == 29090735
    assert names.names == {"he": "ירושלים", "ar": "القدس", "en": "Jerusalem"}


# --- the command line ---------------------------------------------------------------------------


def test_the_import_command_takes_the_names_in_hebrew_and_arabic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    osm, geo = grid_map().write(tmp_path)
    out = tmp_path / "tiny.town"
    argv = ["town", "import", "--osm", str(osm), "--shelters", str(geo), "--name", "Tiny"]
    assert (
        main([*argv, "--out", str(out), "--quiet", "--name-he", "זעירה", "--name-ar", "صغيرة"]) == 0
    )
    assert "names: he 'זעירה' (given on import), ar 'صغيرة' (given on import)" in (
        capsys.readouterr().out
    )
    assert main(["town", "info", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["names"] == {"he": "זעירה", "ar": "صغيرة", "en": "Tiny"}


def test_a_tiny_town_without_places_falls_back_to_its_given_name(tiny_town: TinyTown) -> None:
    town, report = tiny_town()
    assert town.names == {"he": "Tiny", "ar": "Tiny", "en": "Tiny"}
    assert set(town.zones.names()[0].values()) == {str(town.zones.name[0])}
    assert any("no OSM place is named 'Tiny'" in w for w in report.warnings)


# --- finding the place --------------------------------------------------------------------------


def test_the_place_is_matched_by_name_or_english_name_ignoring_case() -> None:
    city = place(1, "city", name="ירושלים", name_en="Jerusalem", name_ar="القدس")
    assert find_place("jerusalem", [city], BOX) is city
    assert find_place("ירושלים", [city], BOX) is city
    assert find_place("Jerus", [city], BOX) is None
    assert find_place("القدس", [city], BOX) is None  # name:ar is read, not matched on


def test_a_place_off_the_map_is_not_the_town() -> None:
    far = place(1, "city", lonlat=(34.0, 30.0), name="ירושלים", name_en="Jerusalem")
    assert find_place("Jerusalem", [far], BOX) is None
    relation = Place("relation", 2, "city", {"name": "ירושלים", "name:en": "Jerusalem"}, None)
    assert find_place("Jerusalem", [far, relation], BOX) is relation


def test_the_place_with_most_languages_then_the_biggest_is_taken() -> None:
    suburb = place(1, "suburb", name="Springfield", name_he="ספרינגפילד", name_ar="سبرينغفيلد")
    city = place(2, "city", name="Springfield", name_he="ספרינגפילד", name_ar="سبرينغفيلد")
    bare_city = place(3, "city", name="Springfield")
    assert find_place("Springfield", [suburb, city, bare_city], BOX) is city
    assert find_place("Springfield", [suburb, bare_city], BOX) is suburb


def test_a_hebrew_or_arabic_name_tag_stands_for_its_language() -> None:
    hebrew = town_names("Baka", [place(1, name="בקעה", name_en="Baka")], BOX)
    assert hebrew.names == {"he": "בקעה", "ar": "Baka", "en": "Baka"}
    assert hebrew.origin == {"he": "osm", "ar": "fallback", "en": "osm"}
    arabic = town_names("Beit Safafa", [place(1, name="بيت صفافا", name_en="Beit Safafa")], BOX)
    assert arabic.names == {"he": "Beit Safafa", "ar": "بيت صفافا", "en": "Beit Safafa"}


def test_direction_marks_around_an_osm_name_are_dropped(tmp_path: Path) -> None:
    osm, geo = grid_map().write(tmp_path)
    xml = osm.read_text(encoding="utf-8")
    node = (
        '  <node id="9" lat="31.7501" lon="35.2001" version="1">'
        '<tag k="place" v="village"/><tag k="name" v="شعفاط\u200e"/>'
        '<tag k="name:en" v="Shuafat"/><tag k="name:he" v="\u200fשועפט"/></node>\n'
    )
    osm.write_text(xml.replace("</osm>", node + "</osm>"), encoding="utf-8")
    report = import_town(osm, [geo], "Shuafat", tmp_path / "s.town", progress=False)
    assert report.names is not None
    assert report.names.names == {"he": "שועפט", "ar": "شعفاط", "en": "Shuafat"}
