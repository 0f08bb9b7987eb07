"""Every street named in Hebrew, Arabic and English where OSM names it so (review 17).

The pack named only shelters' streets per language; the silent page's "near ..." said any
other street in its OSM spelling (Hebrew) on the Arabic and English pages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import magen.geo.town as town_module
from geo.conftest import TinyTown
from geo.geokit import grid_map
from magen.geo.errors import TownImportError
from magen.geo.importer import ImportReport
from magen.geo.street_names import names_by_language, street_name_table
from magen.geo.town import Town, load_town


def test_a_streets_names_are_read_per_language_from_its_tags() -> None:
    assert names_by_language({"name": "דובנוב", "name:ar": "دوبنوف", "name:en": "Dubnov"}) == (
        "דובנוב",
        "دوبنوف",
        "Dubnov",
    )
    # An East Jerusalem street named in Arabic (`name`) with an English name only as int_name.
    assert names_by_language({"name": "شارع البستان", "int_name": "Al-Bustan"}) == (
        "",
        "شارع البستان",
        "Al-Bustan",
    )
    # A `name` in Latin letters is the English one; none in Hebrew or Arabic is made up.
    assert names_by_language({"name": "Cramisan Street"}) == ("", "", "Cramisan Street")


def test_the_table_keeps_translations_and_drops_an_arabic_name_copied_between_streets() -> None:
    ways = [
        {"name": "שכם", "name:ar": "شارع نابلس", "name:en": "Shechem"},
        # The same Arabic on two streets of different names: copied, and it writes neither's
        # sounds (the one street it does write would keep it).
        {"name": "מחלקי המים", "name:ar": "هَلامِد هي", "name:en": "Mehalkei HaMayim"},
        {"name": "יואל", "name:ar": "هَلامِد هي"},
        # A street in two pieces spelled two ways in English: the spelling most pieces carry.
        {"name": "הלל", "name:en": "Hillel"},
        {"name": "הלל", "name:en": "Hillel"},
        {"name": "הלל", "name:en": "Hilel"},
        {"highway": "footway"},  # unnamed: not a street one can be told
    ]
    table = street_name_table(ways)
    assert table == {
        "שכם": ("שכם", "شارع نابلس", "Shechem"),
        "מחלקי המים": ("מחלקי המים", "", "Mehalkei HaMayim"),
        "יואל": ("יואל", "", ""),
        "הלל": ("הלל", "", "Hillel"),
    }


def test_the_pack_says_each_street_in_each_language_else_as_osm_has_it(
    tiny_town: TinyTown,
) -> None:
    m = grid_map()
    m.street(90, [(0, 500), (200, 500)], name="הלל", **{"name:ar": "هيليل", "name:en": "Hillel"})
    m.street(91, [(0, 600), (200, 600)], name="יואל")
    town, report = tiny_town(m)
    assert town.street_in("הלל", "ar") == "هيليل"
    assert town.street_in("הלל", "en") == "Hillel"
    assert town.street_in("הלל", "he") == "הלל"
    assert town.street_in("יואל", "ar") == "יואל"  # OSM has no Arabic name: as OSM has it
    assert town.street_in("no such street", "en") == "no such street"
    assert report.counts["streets_named_in_arabic"] == 1
    assert report.counts["streets_named_in_english"] >= 1
    assert report.counts["named_streets"] == town.summary()["named_streets"]


def test_baka_streets_are_named_in_arabic_and_english(
    baka: Town, baka_pack: tuple[object, ImportReport]
) -> None:
    assert [baka.street_in("דובנוב", lang) for lang in ("he", "ar", "en")] == [
        "דובנוב",
        "دوڨْنوڤ",
        "Dubnov",
    ]
    assert baka.street_in('הפלמ"ח', "ar") == "البلماح"
    # "هَلامِد هي" is on two streets in the 2016 extract: neither keeps it.
    assert baka.street_in("מחלקי המים", "ar") == "מחלקי המים"
    counts = baka_pack[1].counts
    # Measured on the 2016 Baka clip: 131 named streets, 29 named in Arabic, 128 in English.
    assert counts["named_streets"] == 131
    assert counts["streets_named_in_arabic"] == 29
    assert counts["streets_named_in_english"] == 128


def test_a_pack_of_the_format_before_street_names_is_refused_for_re_import(
    tiny_town: TinyTown, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Written (and read) by a Magen of format 3: no street names in it.
    monkeypatch.setattr(town_module, "FORMAT_VERSION", 3)
    tiny_town()
    monkeypatch.undo()
    with pytest.raises(TownImportError, match="version 3, this Magen reads 4: re-import it"):
        load_town(tmp_path / "tiny.town.npz")
