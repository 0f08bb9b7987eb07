"""CoT 2.0 events: written as the schema and TAK clients read them, read back, refused when bad."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from magen.interop.cot import (
    CIRCLE,
    FREEFORM,
    UNKNOWN,
    CotError,
    CotEvent,
    Ellipse,
    argb,
    encode_event,
    encode_events,
    parse_event,
)

NOW = datetime(2023, 10, 7, 6, 41, 5, 123456, tzinfo=UTC)
# CoT's xs:dateTime as TAK writes it: UTC, a Z, milliseconds.
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _event(**changes: object) -> CotEvent:
    fields: dict[str, object] = {
        "uid": "magen-track-t1",
        "type": "a-h-G-U-C-I",
        "how": "m-f",
        "time": NOW,
        "start": NOW - timedelta(seconds=40),
        "stale": NOW + timedelta(minutes=5),
        "lat": 31.7541,
        "lon": 35.2201,
        "ce": 35.5,
        "callsign": "~4 attackers (3–5)",
        "remarks": "armed; on foot",
        "course_deg": 92.5,
        "speed_mps": 1.4,
    }
    fields.update(changes)
    return CotEvent(**fields)  # type: ignore[arg-type]


def test_an_event_has_the_schema_attributes_in_their_forms() -> None:
    root = etree.fromstring(encode_event(_event()))
    assert root.tag == "event"
    assert root.get("version") == "2.0"
    for name in ("uid", "type", "how", "time", "start", "stale"):
        assert root.get(name), name
    for name in ("time", "start", "stale"):
        assert STAMP.match(root.get(name) or ""), root.get(name)
    assert root.get("time") == "2023-10-07T06:41:05.123Z"
    point = root.find("point")
    assert point is not None
    assert {k: float(point.get(k) or "nan") for k in ("lat", "lon", "hae", "ce", "le")} == {
        "lat": 31.7541,
        "lon": 35.2201,
        "hae": UNKNOWN,
        "ce": 35.5,
        "le": UNKNOWN,
    }
    # The schema's order: point, then detail.
    assert [c.tag for c in root] == ["point", "detail"]
    detail = root.find("detail")
    assert detail is not None
    contact, remarks, track = detail.find("contact"), detail.find("remarks"), detail.find("track")
    assert contact is not None
    assert contact.get("callsign") == "~4 attackers (3–5)"
    assert remarks is not None
    assert remarks.text == "armed; on foot"
    assert track is not None
    assert (track.get("course"), track.get("speed")) == ("92.5", "1.4")


def test_a_local_time_is_written_in_utc() -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2023, 10, 7, 9, 41, 5, tzinfo=ZoneInfo("Asia/Jerusalem"))
    root = etree.fromstring(encode_event(_event(time=local, start=local)))
    assert root.get("time") == "2023-10-07T06:41:05.000Z"


def test_an_event_reads_back_as_written() -> None:
    sent = _event(extra=())
    got = parse_event(encode_event(sent))
    assert got.time == NOW.replace(microsecond=123000)
    assert got.start == sent.start.replace(microsecond=sent.start.microsecond // 1000 * 1000)
    for name in ("uid", "type", "how", "lat", "lon", "hae", "ce", "le", "callsign", "remarks"):
        assert getattr(got, name) == getattr(sent, name), name
    assert (got.course_deg, got.speed_mps) == (92.5, 1.4)


def test_drawn_shapes_carry_their_geometry_and_colours() -> None:
    circle = etree.fromstring(
        encode_event(_event(type=CIRCLE, how="h-e", ellipse=Ellipse(150, 150), stroke_argb=-65536))
    )
    ellipse = circle.find("detail/shape/ellipse")
    assert ellipse is not None
    assert (ellipse.get("major"), ellipse.get("minor"), ellipse.get("angle")) == (
        "150.0",
        "150.0",
        "360.0",
    )
    stroke = circle.find("detail/strokeColor")
    assert stroke is not None
    assert stroke.get("value") == "-65536"
    ring = ((31.75, 35.22), (31.76, 35.22), (31.76, 35.23), (31.75, 35.22))
    polygon = etree.fromstring(encode_event(_event(type=FREEFORM, how="h-e", outline=ring)))
    links = [link.get("point") for link in polygon.iterfind("detail/link")]
    assert links == ["31.75,35.22", "31.76,35.22", "31.76,35.23", "31.75,35.22"]


def test_colours_are_tak_signed_argb() -> None:
    assert argb(255, 255, 0, 0) == -65536
    assert argb(0, 0, 0, 255) == 255
    assert argb(64, 220, 20, 20) == 0x40DC1414


def test_several_events_in_one_document() -> None:
    doc = etree.fromstring(encode_events([_event(uid="a"), _event(uid="b")]))
    assert doc.tag == "events"
    assert [e.get("uid") for e in doc] == ["a", "b"]
    assert etree.fromstring(encode_events([])).tag == "events"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"lat": 91.0}, "not on the earth"),
        ({"lon": -181.0}, "not on the earth"),
        ({"ce": -1.0}, "ce"),
        ({"ce": float("nan")}, "ce"),
        ({"type": "a h G"}, "type"),
        ({"type": ""}, "type"),
        ({"how": "H E"}, "how"),
        ({"uid": ""}, "uid"),
        ({"uid": "a\nb"}, "uid"),
        ({"stale": NOW - timedelta(hours=1)}, "stale before it starts"),
        ({"time": NOW.replace(tzinfo=None)}, "time zone"),
    ],
)
def test_an_event_that_breaks_the_rules_is_not_made(changes: dict[str, object], says: str) -> None:
    with pytest.raises(CotError, match=says):
        _event(**changes)


POSITION = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<event version="2.0" uid="ANDROID-deadbeef" type="a-f-G-U-C" how="m-g"'
    b' time="2023-10-07T06:41:05.771Z" start="2023-10-07T06:41:05.771Z"'
    b' stale="2023-10-07T06:47:05.771Z">'
    b'<point lat="31.754" lon="35.2202" hae="780.5" ce="9.9" le="9999999.0"/>'
    b'<detail><contact callsign="OFAKIM-3"/><__group name="Cyan" role="Team Member"/>'
    b"</detail></event>"
)


def test_a_tak_devices_position_is_read() -> None:
    e = parse_event(POSITION)
    assert (e.uid, e.type, e.how) == ("ANDROID-deadbeef", "a-f-G-U-C", "m-g")
    assert (e.lat, e.lon, e.hae, e.ce, e.le) == (31.754, 35.2202, 780.5, 9.9, UNKNOWN)
    assert e.time == datetime(2023, 10, 7, 6, 41, 5, 771000, tzinfo=UTC)
    assert e.callsign == "OFAKIM-3"
    assert e.course_deg is None
    assert e.speed_mps is None


def test_a_point_without_errors_has_them_unknown() -> None:
    e = parse_event(POSITION.replace(b' hae="780.5" ce="9.9" le="9999999.0"', b""))
    assert (e.hae, e.ce, e.le) == (UNKNOWN, UNKNOWN, UNKNOWN)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "empty"),
        (b"<event", "not well-formed"),
        (b"<events/>", "one <event>"),
        (POSITION.replace(b'version="2.0"', b'version="1.0"'), "version"),
        (POSITION.replace(b'<point lat="31.754"', b'<place lat="31.754"'), "no <point>"),
        (POSITION.replace(b' lat="31.754"', b""), "no lat"),
        (POSITION.replace(b'lat="31.754"', b'lat="north"'), "not a number"),
        (POSITION.replace(b'lat="31.754"', b'lat="NaN"'), "finite"),
        (POSITION.replace(b'lat="31.754"', b'lat="95"'), "not on the earth"),
        (POSITION.replace(b'time="2023-10-07T06:41:05.771Z"', b'time="yesterday"'), "time"),
        (
            POSITION.replace(b'time="2023-10-07T06:41:05.771Z"', b'time="2023-10-07T06:41:05"'),
            "time zone",
        ),
        (POSITION.replace(b' uid="ANDROID-deadbeef"', b""), "no uid"),
        (
            b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x "y">]>' + POSITION[38:],
            "DTD",
        ),
        (
            POSITION.replace(b"</detail>", b"<remarks>" + b"x" * 70_000 + b"</remarks></detail>"),
            "limit",
        ),
    ],
)
def test_a_bad_or_hostile_event_is_refused_with_a_reason(data: bytes, says: str) -> None:
    with pytest.raises(CotError, match=says):
        parse_event(data)
