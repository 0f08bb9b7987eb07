"""Finding a place in the Baka pack from what a person types."""

from __future__ import annotations

import pytest

from magen.web.addresses import AddressBook, address_book, normalise, skeleton
from support.bakapack import baka_town


@pytest.fixture(scope="module")
def book() -> AddressBook:
    return address_book(baka_town())


def test_a_hebrew_street_and_number_is_that_building(book: AddressBook) -> None:
    best = book.search("דובנוב 13")[0]
    assert (best.label, best.kind) == ("דובנוב 13", "address")
    assert best.score >= 99
    # The building's own centroid in the pack.
    town = baka_town()
    i = town.building_at(best.lon, best.lat)
    assert i is not None
    assert str(town.buildings.street[i]) == "דובנוב"
    assert str(town.buildings.housenumber[i]) == "13"


def test_latin_spelling_of_a_hebrew_street_finds_it(book: AddressBook) -> None:
    assert book.search("Dubnov 13")[0].label == "דובנוב 13"
    assert book.search("Ben Avi 7")[0].label == 'בן אב"י 7'
    assert book.search("bostanai 9")[0].label == "בוסתנאי 9"


def test_a_street_without_a_number_is_the_street(book: AddressBook) -> None:
    first = book.search("דובנוב")[0]
    assert (first.label, first.kind) == ("דובנוב", "street")


def test_an_unknown_number_falls_back_to_the_street_ranked_lower(book: AddressBook) -> None:
    found = book.search("דובנוב 999")
    assert found[0].kind == "street"
    assert found[0].label == "דובנוב"
    assert found[0].score < 95


def test_shelters_are_found_by_their_names_and_addresses(book: AddressBook) -> None:
    found = book.search("HaPalmach 22")
    assert found[0].kind == "shelter"
    assert "22 HaPalmach" in found[0].label


def test_nothing_close_gives_nothing(book: AddressBook) -> None:
    assert book.search("") == []
    assert book.search("13") == []
    assert book.search("zzqxw") == []


def test_normalising_drops_points_quotes_and_street_words() -> None:
    assert normalise('רחוב בן אב"י') == "בן אבי"
    assert normalise("Emek Refaim St.") == "emek refaim"
    assert skeleton("דובנוב") == skeleton("Dubnov")
