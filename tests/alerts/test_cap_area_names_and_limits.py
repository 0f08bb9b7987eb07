"""CAP areas given only by name, and towns with many zones: nothing is dropped unsaid.

The Home Front Command names its areas ("ירושלים - דרום"); an `<area>` with only an
`areaDesc` is the town's zone of that name (compared without niqqud, case or the spacing of
hyphens), and one that names no zone is said to. A message over more of the town than an
alert keeps outlines for still alerts every zone it covers and says what it did not keep;
Jerusalem's 928 zones fit in one alert; and an export too large with every zone's outline
goes out without them, saying so, valid against the CAP 1.2 schema and importable by a peer.
"""

from __future__ import annotations

import math
import uuid

import pytest

from alerts.alertlog import NOW, Log
from magen.alerts.cap import (
    CapConfig,
    ZoneArea,
    area_name_key,
    export_event,
    read_cap,
)
from magen.alerts.capxml import (
    MAX_CAP_BYTES,
    CapArea,
    CapInfo,
    CapMessage,
    CapRef,
    decode_cap,
    encode_cap,
    validate_cap,
)
from magen.domain.alerts import (
    MAX_AREAS,
    MAX_REFERENCES,
    AlertCategory,
    Circle,
    IssueAlert,
    LocalText,
    Polygon,
    UpdateAlert,
)
from magen.geo.zones import zone_names

SENT = "2024-05-01T12:29:50+03:00"
NAMES = {
    "jlm-south": ("Jerusalem - South", "ירושלים - דרום", "القدس - جنوب"),
    "jlm-north": ("Jerusalem - North", "ירושלים - צפון", "القدس - شمال"),
    "jlm-centre": ("Jerusalem - Centre", "ירושלים - מרכז", "القدس - مركز"),
}


def nowhere(area: Circle | Polygon) -> list[str]:
    return []


def cap(*areas: str, identifier: str = "HFC-2024-0001") -> bytes:
    xml = "".join(f"<area>{a}</area>" for a in areas)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>hfc@oref.example</sender>
  <sent>{SENT}</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>he-IL</language>
    <category>Security</category>
    <event>ירי רקטות וטילים</event>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <instruction>היכנסו למרחב המוגן</instruction>
    {xml}
  </info>
</alert>""".encode()


def named(desc: str) -> str:
    return f"<areaDesc>{desc}</areaDesc>"


# --- areas given only by name ---------------------------------------------------------------


@pytest.mark.parametrize(
    "desc",
    [
        "ירושלים - דרום",
        "ירושלים-דרום",
        "ירושלים  –  דרום",
        "ירושלים־דרום",  # maqaf
        "יְרוּשָׁלַיִם - דָּרוֹם",  # niqqud
        "jerusalem south",
        "JERUSALEM — SOUTH",
        "القُدْس - جَنُوب",  # harakat
        "القـدس-جنوب",  # tatweel
        "jlm-south",  # the zone's id
    ],
)
def test_an_area_named_as_a_zone_is_that_zone(desc: str) -> None:
    found = read_cap(cap(named(desc)), nowhere, town_zones=set(NAMES), zone_names=NAMES)
    (command,) = found.commands
    assert isinstance(command, IssueAlert)
    assert command.zone_ids == ("jlm-south",)
    assert command.areas == ()
    assert found.unplaced == ()


def test_an_area_naming_no_zone_is_said_plainly() -> None:
    found = read_cap(cap(named("תל אביב - מרכז העיר")), nowhere, zone_names=NAMES)
    assert found.commands == ()
    assert found.unplaced == ("תל אביב - מרכז העיר",)
    assert found.reason == (
        "Magen cannot place the message's areas: they have no polygon, circle or magen:zone "
        "geocode, and no zone of this town has their name: תל אביב - מרכז העיר"
    )
    # A part of a name is not the name: "Jerusalem" is none of Jerusalem's zones.
    assert read_cap(cap(named("ירושלים")), nowhere, zone_names=NAMES).unplaced == ("ירושלים",)


def test_named_areas_that_match_are_alerted_and_the_others_are_named() -> None:
    found = read_cap(
        cap(named("ירושלים - צפון"), named("בית שמש"), named("Jerusalem - Centre")),
        nowhere,
        zone_names=NAMES,
    )
    (command,) = found.commands
    assert isinstance(command, IssueAlert)
    assert command.zone_ids == ("jlm-north", "jlm-centre")
    assert found.unplaced == ("בית שמש",)


def test_a_name_two_zones_share_is_not_guessed() -> None:
    twins = {**NAMES, "jlm-south-2": ("ירושלים דרום",)}
    found = read_cap(cap(named("ירושלים - דרום")), nowhere, zone_names=twins)
    assert found.commands == ()
    assert found.unplaced == ("ירושלים - דרום",)
    # The name is not said to match no zone: it matches several, and says which.
    assert found.reason == (
        "Magen cannot place the message's areas: they have no polygon, circle or magen:zone "
        "geocode, and the name matches several zones: ירושלים - דרום (jlm-south, jlm-south-2)"
    )
    assert "no zone of this town has their name" not in found.reason


def test_a_shared_name_and_an_unknown_name_are_each_said_as_what_they_are() -> None:
    twins = {**NAMES, "jlm-south-2": ("ירושלים דרום",)}
    found = read_cap(cap(named("ירושלים - דרום"), named("בית שמש")), nowhere, zone_names=twins)
    assert found.commands == ()
    assert found.unplaced == ("ירושלים - דרום", "בית שמש")
    assert found.reason == (
        "Magen cannot place the message's areas: they have no polygon, circle or magen:zone "
        "geocode, and no zone of this town has their name: בית שמש; and the name matches "
        "several zones: ירושלים - דרום (jlm-south, jlm-south-2)"
    )


def test_names_are_compared_as_the_town_pack_gives_them() -> None:
    table = zone_names(
        ["baka-c3", "baka-c4"],
        ["Baka C3", "Baka C4"],
        [
            {"he": "בקעה C3", "ar": "البقعة C3", "en": "Baka C3"},
            {"he": "בקעה C4", "ar": "البقعة C4", "en": "Baka C4"},
        ],
    )
    assert table["baka-c3"] == ("Baka C3", "בקעה C3", "البقعة C3")
    (command,) = read_cap(cap(named("בקעה-c4")), nowhere, zone_names=table).commands
    assert isinstance(command, IssueAlert)
    assert command.zone_ids == ("baka-c4",)
    assert area_name_key("Baka  C4") == area_name_key("baka-c4") == "baka c4"


# --- many zones, many areas -----------------------------------------------------------------


def _square(n: int) -> str:
    lat, lon = 31.70 + n * 0.001, 35.20
    ring = [(lat, lon), (lat, lon + 0.0005), (lat + 0.0005, lon + 0.0005), (lat, lon)]
    return "<polygon>" + " ".join(f"{a:.4f},{b:.4f}" for a, b in ring) + "</polygon>"


def _each_its_zone(area: Circle | Polygon) -> list[str]:
    assert isinstance(area, Polygon)
    return [f"z{round((area.ring[0][1] - 31.70) / 0.001)}"]


def test_more_outlines_over_the_town_than_an_alert_keeps_still_alert_every_zone() -> None:
    count = MAX_AREAS + 10
    message = cap(*(named(f"area {n}") + _square(n) for n in range(count)))
    found = read_cap(message, _each_its_zone)
    (command,) = found.commands
    assert isinstance(command, IssueAlert)
    assert command.zone_ids == tuple(f"z{n}" for n in range(count))
    assert command.areas == ()
    (note,) = found.notes
    assert f"{count} of the message's outlines" in note
    assert f"all {count} zones" in note


def test_a_city_wide_alert_names_every_one_of_jerusalem_s_928_zones() -> None:
    zones = [f"jerusalem-{n}" for n in range(928)]
    found = read_cap(cap(named("ירושלים") + _square(0)), lambda area: zones)
    (command,) = found.commands
    assert isinstance(command, IssueAlert)
    assert command.zone_ids == tuple(zones)
    assert found.notes == ()
    log = Log()
    log.run(command)
    (alert,) = log.alerts.alerts.values()
    assert len(alert.active_zones) == 928


def _ring(n: int, points: int) -> tuple[tuple[float, float], ...]:
    lon, lat = 35.1 + (n % 40) * 0.005, 31.7 + (n // 40) * 0.005
    ring = tuple(
        (
            round(lon + 0.002 * math.cos(2 * math.pi * k / points), 6),
            round(lat + 0.002 * math.sin(2 * math.pi * k / points), 6),
        )
        for k in range(points)
    )
    return (*ring, ring[0])


def _config(zones: list[str], points: int) -> CapConfig:
    areas = {
        z: ZoneArea(
            name=LocalText(he=f"ירושלים {n}", ar=f"القدس {n}", en=f"Jerusalem {n}"),
            ring=_ring(n, points),
        )
        for n, z in enumerate(zones)
    }
    return CapConfig(sender="magen@jerusalem.example", zone_area=areas.get)


def _exported(zones: list[str], config: CapConfig) -> bytes:
    log = Log()
    (recorded,) = log.run(
        IssueAlert(command_id=uuid.uuid4(), category=AlertCategory.MISSILES, zone_ids=tuple(zones))
    )
    data = export_event(recorded, log.state, config)
    assert data is not None
    validate_cap(data)  # the OASIS CAP 1.2 schema
    return data


def test_an_alert_over_more_than_fifty_zones_exports_every_zone_with_its_outline() -> None:
    zones = [f"jlm-{n}" for n in range(60)]
    message = decode_cap(_exported(zones, _config(zones, 8)))
    assert message.note is None
    for info in message.infos:
        assert [dict(a.geocodes)["magen:zone"] for a in info.areas] == zones
        assert all(len(a.polygons) == 1 for a in info.areas)


def test_an_export_too_large_with_every_outline_goes_out_without_them_and_says_so() -> None:
    zones = [f"jlm-{n}" for n in range(928)]
    config = _config(zones, 40)
    data = _exported(zones, config)
    assert len(data) <= MAX_CAP_BYTES
    message = decode_cap(data)
    assert message.note is not None
    assert "outlines of this message's 928 zones are left out" in message.note
    assert "Even so" not in message.note
    for info in message.infos:
        assert [dict(a.geocodes)["magen:zone"] for a in info.areas] == zones
        assert not any(a.polygons for a in info.areas)
        assert info.areas[5].desc  # each zone still named
    # A peer with the same zones takes every one of them.
    (command,) = read_cap(data, nowhere, town_zones=set(zones)).commands
    assert isinstance(command, IssueAlert)
    assert command.zone_ids == tuple(zones)


# --- a long alert's references ----------------------------------------------------------------


def _upstream(identifier: str, msg_type: str, refs: list[str]) -> bytes:
    ring = ((31.755, 35.21), (31.755, 35.222), (31.768, 35.222), (31.755, 35.21))
    return encode_cap(
        CapMessage(
            identifier=identifier,
            sender="hfc@oref.example",
            sent=NOW,
            status="Actual",
            msg_type=msg_type,  # type: ignore[arg-type]
            references=tuple(
                CapRef(sender="hfc@oref.example", identifier=r, sent=NOW) for r in refs
            ),
            infos=(
                CapInfo(
                    language="en-US",
                    categories=("Security",),
                    event="Rocket and missile fire",
                    urgency="Immediate",
                    severity="Extreme",
                    certainty="Observed",
                    instruction="Enter the protected space now.",
                    areas=(CapArea(desc="Baka", polygons=(ring,)),),
                ),
            ),
        )
    )


def baka(area: Circle | Polygon) -> list[str]:
    return ["baka"]


def test_an_update_naming_more_earlier_messages_than_a_command_keeps_still_finds_its_alert() -> (
    None
):
    log = Log()
    (first,) = read_cap(_upstream("HFC-1", "Alert", []), baka).commands
    log.run(first)
    earlier = [f"HFC-{n}" for n in range(1, 61)]  # the alert and 59 updates this server missed
    found = read_cap(_upstream("HFC-61", "Update", earlier), baka)
    (update,) = found.commands
    assert isinstance(update, UpdateAlert)
    assert len(update.references) == MAX_REFERENCES
    assert update.references[0].identifier == "HFC-1"
    assert update.references[-1].identifier == "HFC-60"
    (note,) = found.notes
    assert "references 60 earlier messages" in note
    log.run(update)  # found through the first: the alert it updates
    (alert,) = log.alerts.alerts.values()
    assert len(alert.messages) == 2


def test_a_zone_in_several_pieces_goes_out_with_every_piece() -> None:
    zones = ["island"]
    west = ((35.20, 31.75), (35.21, 31.75), (35.21, 31.76))  # left open: closed on entry
    east = ((35.23, 31.75), (35.24, 31.75), (35.24, 31.76), (35.23, 31.75))
    area = ZoneArea(name=LocalText(en="Island"), ring=west, parts=(east,))
    assert area.rings == ((*west, west[0]), east)
    config = CapConfig(sender="magen@jerusalem.example", zone_area={"island": area}.get)
    message = decode_cap(_exported(zones, config))
    for info in message.infos:
        (only,) = info.areas
        assert len(only.polygons) == 2
        assert only.polygons[1] == tuple((lat, lon) for lon, lat in east)
