"""Reading the resident page's plain HTML forms into commands."""

from __future__ import annotations

import uuid

import pytest

from magen.domain.reports import Mobility
from magen.web import forms
from magen.web.addresses import address_book
from support.bakapack import baka_town

CID = str(uuid.uuid4())


def _book():  # type: ignore[no-untyped-def]
    return address_book(baka_town())


def test_a_picked_suggestion_wins_over_everything_else() -> None:
    where = forms.location(
        {"pick": "31.76,35.21,Somewhere", "address": "דובנוב 13", "lat": "1", "lon": "2"}, None
    )
    assert (where.lat, where.lon, where.label) == (31.76, 35.21, "Somewhere")


def test_a_typed_address_wins_over_an_earlier_position() -> None:
    where = forms.location({"address": "Dubnov 13", "lat": "31.0", "lon": "35.0"}, _book())
    assert where.label == "דובנוב 13"
    assert where.lat != 31.0


def test_coordinates_from_gps_or_the_map() -> None:
    where = forms.location({"lat": "31.7615", "lon": "35.216", "accuracy": "12"}, None)
    assert (where.lat, where.lon, where.accuracy_m, where.label) == (31.7615, 35.216, 12.0, "")


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"lat": "", "lon": ""},
        {"lat": "nan", "lon": "35"},
        {"lat": "91", "lon": "35"},
        {"lat": "31.7"},
    ],
)
def test_no_usable_location_is_refused_plainly(form: dict[str, str]) -> None:
    with pytest.raises(forms.FormError) as err:
        forms.location(form, None)
    assert err.value.key == "location_needed"


def test_an_unclear_address_offers_choices_instead_of_guessing() -> None:
    with pytest.raises(forms.FormError) as err:
        forms.location({"address": "דובנוב 999"}, _book())
    assert err.value.key == "no_address"
    assert err.value.suggestions
    assert err.value.suggestions[0].label == "דובנוב"


def test_an_address_without_a_town_pack_cannot_be_placed() -> None:
    with pytest.raises(forms.FormError):
        forms.location({"address": "דובנוב 13"}, None)


def test_an_sos_form_becomes_a_raise_sos_command() -> None:
    where = forms.Location(31.76, 35.21, "דובנוב 13")
    form = {
        "command_id": CID,
        "people": "4",
        "injured": "2",
        "children": "",
        "silent": "1",
        "text": "second floor",
    }
    cmd = forms.sos(form, where)
    assert str(cmd.command_id) == CID
    assert (cmd.people, cmd.injured, cmd.children, cmd.silent) == (4, 2, 0, True)
    assert cmd.text == "[דובנוב 13] second floor"
    assert (cmd.where.lat, cmd.where.lon) == (31.76, 35.21)


def test_an_sos_form_s_words_lose_their_control_characters() -> None:
    form = {"command_id": CID, "text": "\x00second\x0b floor\ufffe \x7f", "people": "2"}
    cmd = forms.sos(form, forms.Location(31.76, 35.21, "דובנוב 13"))
    assert cmd.text == "[דובנוב 13] second floor \x7f"


def test_a_sighting_form_s_control_character_is_still_refused() -> None:
    with pytest.raises(forms.FormError) as err:
        forms.sighting({"command_id": CID, "text": "a\x00b"}, forms.Location(31.76, 35.21, ""))
    assert err.value.key == "err_field_rule"


@pytest.mark.parametrize(
    ("form", "key"),
    [
        ({"people": "0"}, "err_field_rule"),
        ({"people": "two"}, "err_field_rule"),
        ({"people": "-1"}, "err_field_rule"),
        ({"people": "1" + "0" * 5000}, "err_field_rule"),
        ({"command_id": "not-a-uuid"}, "form_stale"),
    ],
)
def test_bad_sos_forms_are_refused_with_a_reason(form: dict[str, str], key: str) -> None:
    form = {"command_id": CID, **form}
    with pytest.raises(forms.FormError) as err:
        forms.sos(form, forms.Location(31.76, 35.21, ""))
    assert err.value.key == key


@pytest.mark.parametrize(
    ("name", "label"),
    [("people", "How many people, you included"), ("injured", "How many injured")],
)
def test_a_bad_number_names_its_field(name: str, label: str) -> None:
    with pytest.raises(forms.FormError) as err:
        forms.sos({"command_id": CID, name: "-1"}, forms.Location(31.76, 35.21, ""))
    assert err.value.said("en") == f"{label}: Write a whole number from 0 to 1000.".replace(
        "from 0", "from 1" if name == "people" else "from 0"
    )


def test_a_sighting_form_becomes_a_report_sighting_command() -> None:
    cmd = forms.sighting(
        {"command_id": CID, "count": "3", "mobility": "vehicle", "direction": "sw"},
        forms.Location(31.76, 35.21, ""),
    )
    assert (cmd.count, cmd.mobility, cmd.heading_deg, cmd.text) == (3, Mobility.VEHICLE, 225.0, "")
    blank = forms.sighting(
        {"command_id": CID, "mobility": "", "direction": ""}, forms.Location(31.76, 35.21, "")
    )
    assert (blank.count, blank.mobility, blank.heading_deg) == (None, Mobility.UNKNOWN, None)


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("mobility", "helicopter", "How they move: not one of the choices"),
        ("direction", "up", "Which way they are going: not one of the choices"),
        ("direction", "720", "Which way they are going: less than 360"),
        ("direction", "-1", "Which way they are going: at least 0"),
        ("direction", "NaN", "Which way they are going: not one of the choices"),
    ],
)
def test_a_sighting_s_value_the_form_cannot_take_is_refused_not_dropped(
    field: str, value: str, said: str
) -> None:
    with pytest.raises(forms.FormError) as err:
        forms.sighting({"command_id": CID, field: value}, forms.Location(31.76, 35.21, ""))
    assert err.value.said("en") == said
