"""Shelter addresses in Hebrew and Arabic: parsing, name folding, the near-street matcher, the
pack and the guidance texts."""

from __future__ import annotations

import numpy as np
import pytest

from geo.conftest import TinyTown
from geo.geokit import TinyMap
from magen.geo.guidance import (
    GuidanceInputs,
    ZoneAlert,
    building_guidance,
    compute_guidance,
)
from magen.geo.policy import Action, AlertCategory
from magen.geo.street_names import (
    MAX_STREET_M,
    StreetMatcher,
    StreetNames,
    arabic_agrees,
    likeness,
    split_address,
    street_keys,
    street_names,
)
from magen.geo.town import Town


def _line(*xy: tuple[float, float]) -> np.ndarray:
    return np.asarray(xy, dtype=np.float64)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("25 Yoel St.", [("Yoel St.", "25")]),
        ("King George 44", [("King George", "44")]),
        ("Zmora 1, Jerusalem", [("Zmora", "1")]),
        ("Avraham Sharon\xa0 2, Jerusalem", [("Avraham Sharon", "2")]),
        ("Jaffa 97 /Agripas 42", [("Jaffa", "97"), ("Agripas", "42")]),
        ("Prof. Yaakov Shaskin", [("Prof. Yaakov Shaskin", "")]),
        ("12 A Yoel St.", [("Yoel St.", "12A")]),
        ("22 \u200bRivka St.", [("Rivka St.", "22")]),
    ],
)
def test_plain_addresses_split_into_street_and_number(
    text: str, parts: list[tuple[str, str]]
) -> None:
    assert split_address(text) == parts


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Ki''h Corner Jaffa",
        "Golda Meir Blvd. West of Shlomo Halevi St.",
        "The Technological Park, Hapoel Sports Association 2 Road, Jerusalem",
        "November 29 St. 15",
        "יואל 25",
    ],
)
def test_addresses_that_are_not_one_street_do_not_split(text: str) -> None:
    assert split_address(text) is None


def test_spellings_of_one_street_fold_together() -> None:
    same = [
        ("HaSanhedrin St.", "Ha-Sanhedrin Street"),
        ("Ha Sanhedrin", "Ha'Sanhedrin Rd."),
        ("Zichron Ya'akov St.", "Zichron Yaakov"),
        ("Yisrael Zangvill St.", "Yisrael Zangwil"),
        ("Yochanan Ben Zakkai", "Yohanan ben Zakai"),
        ("HaAmora'ïm St.", "HaAmoraim"),
        ("Tsfat St.", "Tzfat"),
    ]
    for a, b in same:
        assert street_keys(a) == street_keys(b), (a, b)
    # A title the list gives and OSM leaves out (or the other way round).
    assert likeness(street_keys("HaRav Brodi St."), street_keys("Brodi")) == 100.0


def test_likeness_tells_other_streets_apart() -> None:
    assert likeness(street_keys("Yoel St."), street_keys("Yoav")) < 88
    assert likeness(street_keys("Colombia St."), street_keys("Costa Rica")) < 88
    # One name inside the other counts, below a full agreement.
    part = likeness(street_keys("David Shimoni St."), street_keys("Shimoni"))
    assert 88 <= part < likeness(street_keys("Shimoni St."), street_keys("Shimoni"))
    # A lone common word ("Ben") is no evidence of the street.
    assert likeness(street_keys("Ben St."), street_keys("Ben Yehuda")) < 88


def test_osm_arabic_that_writes_another_name_is_not_kept() -> None:
    assert arabic_agrees('הפלמ"ח', "البلماح")
    assert arabic_agrees("ארלוזורוב", "أرلوزوروڤ")
    assert not arabic_agrees("הנביאים", "التعابير")  # "the expressions", on HaNevi'im
    assert not arabic_agrees('רש"י', "راشد")  # Rashid, on Rashi
    names = street_names({"name": "הנביאים", "name:en": "HaNevi'im", "name:ar": "التعابير"})
    assert names == StreetNames(he="הנביאים", ar="", en=("HaNevi'im",))
    names = street_names({"name": "Almabar St.", "name:en": "Almabar St."})
    assert names is None  # no Hebrew name: nothing to say in Hebrew
    names = street_names({"name": "יואל", "name:en": "Yoel", "name:en1": "Yo'el"})
    assert names is not None
    assert names.en == ("Yoel", "Yo'el")


def _matcher() -> StreetMatcher:
    return StreetMatcher(
        [
            StreetNames("יואב", "", ("Yoav",)),
            StreetNames("הלל", "هيليل", ("Hillel",)),
            StreetNames("יואל", "", ("Yoel",)),  # across town
            StreetNames("באר שבע", "", ("Beer Sheva",)),
            StreetNames("תקוע", "", ("Tekoa", "Beer Sheva")),  # an OSM mistake, near the first
        ],
        [
            _line((0, 0), (200, 0)),
            _line((0, 0), (0, 200)),
            _line((3000, 0), (3000, 300)),
            _line((5000, 0), (5200, 0)),
            _line((5000, 10), (5200, 10)),
        ],
    )


def test_the_near_street_is_named_in_hebrew_and_arabic() -> None:
    got = _matcher().localise("Hillel 33", 20.0, 100.0)
    assert got is not None
    assert (got.he, got.ar, got.street_he) == ("הלל 33", "هيليل 33", "הלל")
    assert got.distance_m == pytest.approx(20.0)


def test_a_namesake_across_town_is_never_taken_for_the_near_street() -> None:
    m = _matcher()
    # Next to Yoav, with Yoel 3 km away: no guess.
    assert m.localise("25 Yoel St.", 10.0, 20.0) is None
    # Beside that Yoel, it is that Yoel.
    got = m.localise("5 Yoel St.", 2990.0, 100.0)
    assert got is not None
    assert got.he == "יואל 5"
    # Just beyond the bound, even a perfect name is not taken.
    assert m.localise("5 Yoel St.", 3000.0 + MAX_STREET_M + 5, 100.0) is None


def test_no_match_and_unsure_matches_keep_english() -> None:
    m = _matcher()
    assert m.localise("16 Colombia St.", 10.0, 20.0) is None  # no such street near
    # Two near streets carry the English name: which one is not known.
    assert m.localise("28 Be'er Sheva St.", 5100.0, 5.0) is None
    # Every part of a two-street address must be known, or none is said.
    assert m.localise("Hillel 3 / Yoel 4", 20.0, 100.0) is None


def _named_town() -> TinyMap:
    m = TinyMap()
    m.street(1, [(0, 0), (200, 0)], name="יואב", **{"name:en": "Yoav"})
    m.street(2, [(0, 0), (0, 200)], name="הלל", **{"name:en": "Hillel", "name:ar": "هيليل"})
    m.street(3, [(200, 0), (3000, 0)])
    m.street(4, [(3000, 0), (3000, 300)], name="יואל", **{"name:en": "Yoel", "name:en1": "Yo'el"})
    m.building(10, 40, 40)
    m.shelter(10, 20, shelter_no="1", address_label="25 Yoel St.")
    m.shelter(20, 100, shelter_no="2", address_label="Hillel 33")
    m.shelter(2990, 100, shelter_no="3", address_label="5 Yo'el St.")
    return m


def test_the_pack_keeps_localised_addresses(tiny_town: TinyTown) -> None:
    town, report = tiny_town(_named_town())
    by_ref = {str(r): i for i, r in enumerate(town.shelters.ref)}
    sh = town.shelters
    assert str(sh.address[by_ref["1"]]) == "25 Yoel St."
    assert str(sh.address_he[by_ref["1"]]) == ""  # the Yoel 3 km away is not its street
    assert str(sh.address_he[by_ref["2"]]) == "הלל 33"
    assert str(sh.address_ar[by_ref["2"]]) == "هيليل 33"
    assert str(sh.address_he[by_ref["3"]]) == "יואל 5"
    assert str(sh.address_ar[by_ref["3"]]) == ""  # OSM has no Arabic name for it
    assert report.counts["shelter_addresses_in_hebrew"] == 2
    assert report.counts["shelter_addresses_in_arabic"] == 1


def test_baka_pack_names_real_streets(baka: Town) -> None:
    sh = baka.shelters
    local = {
        str(a): (str(h), str(r))
        for a, h, r in zip(sh.address, sh.address_he, sh.address_ar, strict=True)
    }
    assert local["22 HaPalmach St."] == ('הפלמ"ח 22', "البلماح 22")
    assert local["Emek Refaim 3"] == ("עמק רפאים 3", "")
    assert local["15 November 29 St."] == ("", "")  # a number in the street: not plain
    assert (sh.address_he != "").mean() > 0.7


def test_hebrew_guidance_names_the_shelter_street_in_hebrew(baka: Town) -> None:
    alerts = {str(z): ZoneAlert(frozenset({AlertCategory.MISSILES})) for z in baka.zones.id}
    result = compute_guidance(baka, GuidanceInputs(alerts=alerts))
    go = np.flatnonzero(result.action == Action.GO_TO_SHELTER)
    localised = [b for b in go if baka.shelters.address_he[result.shelter[b]] != ""]
    assert localised
    g = building_guidance(baka, result, int(localised[0]))
    assert g.shelter is not None
    assert g.shelter.address_he
    assert g.shelter.address_he in g.texts["he"]
    assert g.shelter.address not in g.texts["he"]
    assert g.shelter.address in g.texts["en"]
    assert g.shelter.address_in("ar") in g.texts["ar"]
    assert g.shelter.address_in("ar") == (g.shelter.address_ar or g.shelter.address)
