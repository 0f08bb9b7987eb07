"""Cursor on Target (CoT 2.0): the picture for TAK users, and a TAK device's own position in.

A CoT event says what (`type`, a hierarchy such as `a-h-G` for a hostile ground unit), where
(`point`: WGS84 lat/lon, height above the ellipsoid `hae`, circular and linear error `ce`/`le`
in metres, 9999999 for unknown) and when: `time` (made), `start` (valid from) and `stale` (no
longer to be trusted). A TAK client greys or drops an event once it is stale, so a feed that
stops is seen to have stopped: this module never makes an event without a stale time.

Only the format lives here: events in and out of XML, with the attributes the CoT 2.0 schema
(MITRE's Event.xsd) requires and the detail elements TAK clients read (`contact` for the
label, `remarks`, `track` for course and speed, `link` points and `shape/ellipse` for drawn
areas, stroke and fill colours). What Magen puts in them is `app/cot_views.py`'s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from magen.interop import XmlError, parse_untrusted_xml

UNKNOWN = 9_999_999.0  # CoT's "not known" for hae, ce and le
MAX_EVENT_BYTES = 64 * 1024  # a device's position report is a few hundred bytes

# The type tree (MIL-STD-2525 in CoT's letters), for what Magen sends.
HOSTILE, SUSPECT, FRIEND, NEUTRAL = "a-h", "a-s", "a-f", "a-n"
SPOT = "b-m-p-s-m"  # a spot-map marker: a point of interest, shown in its colour
CIRCLE = "u-d-c-c"  # a drawn circle
FREEFORM = "u-d-f"  # a drawn line or polygon through its link points

# `how`: who or what placed the point.
HUMAN = "h-e"  # entered by a person (a report)
FUSED = "m-f"  # machine-fused from several sources (a track)
GPS = "m-g"  # a device's own fix

_TYPE = re.compile(r"^[a-zA-Z0-9]+(-[a-zA-Z0-9.]+)*$")
_HOW = re.compile(r"^[a-z](-[a-z0-9]+)*$")


class CotError(XmlError):
    """A CoT document that is malformed, hostile, or breaks the CoT 2.0 event rules."""


@dataclass(frozen=True)
class Ellipse:
    """A drawn circle or ellipse around the event's point (metres; angle in degrees)."""

    major_m: float
    minor_m: float
    angle_deg: float = 360.0


@dataclass(frozen=True)
class CotEvent:
    """One CoT event. Times are aware datetimes; unknown measures are `UNKNOWN`."""

    uid: str
    type: str
    how: str
    time: datetime
    start: datetime
    stale: datetime
    lat: float
    lon: float
    hae: float = UNKNOWN
    ce: float = UNKNOWN
    le: float = UNKNOWN
    callsign: str | None = None
    remarks: str | None = None
    course_deg: float | None = None
    speed_mps: float | None = None
    ellipse: Ellipse | None = None
    outline: tuple[tuple[float, float], ...] = ()  # (lat, lon) link points of a drawn shape
    stroke_argb: int | None = None  # colours as TAK stores them: signed 32-bit ARGB
    fill_argb: int | None = None
    extra: tuple[tuple[str, str], ...] = ()  # `__magen` detail attributes

    def __post_init__(self) -> None:
        _check(self)


def argb(alpha: int, red: int, green: int, blue: int) -> int:
    """A colour as TAK writes it: the ARGB bytes read as a signed 32-bit integer."""
    value = (alpha << 24) | (red << 16) | (green << 8) | blue
    return value - (1 << 32) if value >= 1 << 31 else value


def _check(e: CotEvent) -> None:
    if not e.uid or not e.uid.isprintable():
        raise CotError("an event's uid must be printable text")
    if not _TYPE.match(e.type):
        raise CotError(f"an event's type must be letters and digits joined by '-', not {e.type!r}")
    if not _HOW.match(e.how):
        raise CotError(f"an event's how must be like 'h-e' or 'm-g', not {e.how!r}")
    for name in ("time", "start", "stale"):
        t: datetime = getattr(e, name)
        if t.tzinfo is None:
            raise CotError(f"an event's {name} must say its time zone")
    if e.stale < e.start:
        raise CotError("an event goes stale before it starts")
    if not (-90 <= e.lat <= 90 and -180 <= e.lon <= 180):
        raise CotError(f"the point ({e.lat}, {e.lon}) is not on the earth")
    for name in ("hae", "ce", "le"):
        v: float = getattr(e, name)
        if not math.isfinite(v) or (name != "hae" and v < 0):
            raise CotError(f"the point's {name} must be a finite number (ce and le not negative)")


def _stamp(t: datetime) -> str:
    """CoT's time: UTC with a Z and milliseconds (the schema's xs:dateTime, as TAK writes it)."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _num(v: float) -> str:
    return repr(round(float(v), 7))


def event_element(e: CotEvent) -> etree._Element:
    """The `<event>` element of one event."""
    root = etree.Element("event")
    for name, value in (
        ("version", "2.0"),
        ("uid", e.uid),
        ("type", e.type),
        ("how", e.how),
        ("time", _stamp(e.time)),
        ("start", _stamp(e.start)),
        ("stale", _stamp(e.stale)),
    ):
        root.set(name, value)
    point = etree.SubElement(root, "point")
    for name, v in (("lat", e.lat), ("lon", e.lon), ("hae", e.hae), ("ce", e.ce), ("le", e.le)):
        point.set(name, _num(v))
    detail = etree.SubElement(root, "detail")
    if e.callsign is not None:
        etree.SubElement(detail, "contact").set("callsign", e.callsign)
    if e.remarks is not None:
        etree.SubElement(detail, "remarks").text = e.remarks
    if e.course_deg is not None or e.speed_mps is not None:
        track = etree.SubElement(detail, "track")
        track.set("course", _num(e.course_deg if e.course_deg is not None else 0.0))
        track.set("speed", _num(e.speed_mps if e.speed_mps is not None else 0.0))
    if e.ellipse is not None:
        shape = etree.SubElement(etree.SubElement(detail, "shape"), "ellipse")
        shape.set("major", _num(e.ellipse.major_m))
        shape.set("minor", _num(e.ellipse.minor_m))
        shape.set("angle", _num(e.ellipse.angle_deg))
    for lat, lon in e.outline:
        etree.SubElement(detail, "link").set("point", f"{_num(lat)},{_num(lon)}")
    if e.stroke_argb is not None:
        etree.SubElement(detail, "strokeColor").set("value", str(e.stroke_argb))
    if e.fill_argb is not None:
        etree.SubElement(detail, "fillColor").set("value", str(e.fill_argb))
    if e.extra:
        magen = etree.SubElement(detail, "__magen")
        for name, value in e.extra:
            magen.set(name, value)
    return root


def encode_event(e: CotEvent) -> bytes:
    """One event as a CoT XML document (what a TAK stream carries, one after another)."""
    return bytes(etree.tostring(event_element(e), xml_declaration=True, encoding="UTF-8"))


def encode_events(events: Iterable[CotEvent]) -> bytes:
    """Several events in one `<events>` document (as TAK servers answer a query)."""
    root = etree.Element("events")
    for e in events:
        root.append(event_element(e))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _time(el: etree._Element, name: str) -> datetime:
    raw = el.get(name)
    if raw is None:
        raise CotError(f"the event has no {name}")
    try:
        t = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise CotError(f"the event's {name} {raw!r} is not a date and time") from None
    if t.tzinfo is None:
        raise CotError(f"the event's {name} {raw!r} does not say its time zone (end it with Z)")
    return t


def _float(el: etree._Element, name: str, *, default: float | None = None) -> float:
    raw = el.get(name)
    if raw is None:
        if default is None:
            raise CotError(f"the <{el.tag}> has no {name}")
        return default
    try:
        v = float(raw)
    except ValueError:
        raise CotError(f"the <{el.tag}>'s {name} {raw!r} is not a number") from None
    if not math.isfinite(v):
        raise CotError(f"the <{el.tag}>'s {name} must be a finite number")
    return v


def _optional(el: etree._Element | None, name: str) -> float | None:
    return None if el is None or el.get(name) is None else _float(el, name)


def parse_event(data: bytes) -> CotEvent:
    """One CoT event from outside (hardened: no DTD, no entities, a size limit).

    Reads what Magen takes in (the envelope, the point, the contact's callsign, remarks and
    track); other detail is a TAK client's own and is left unread.
    """
    root = parse_untrusted_xml(data, what="CoT", error=CotError, max_bytes=MAX_EVENT_BYTES)
    if root.tag != "event":
        raise CotError(f"a CoT document is one <event>, not <{root.tag}>")
    version = root.get("version")
    if version is not None and not version.startswith("2."):
        raise CotError(f"CoT version {version!r} is not 2.x")
    point = root.find("point")
    if point is None:
        raise CotError("the event has no <point>")
    detail = root.find("detail")
    contact = detail.find("contact") if detail is not None else None
    remarks = detail.find("remarks") if detail is not None else None
    track = detail.find("track") if detail is not None else None
    for name in ("uid", "type", "how"):
        if not root.get(name):
            raise CotError(f"the event has no {name}")
    return CotEvent(
        uid=str(root.get("uid")),
        type=str(root.get("type")),
        how=str(root.get("how")),
        time=_time(root, "time"),
        start=_time(root, "start"),
        stale=_time(root, "stale"),
        lat=_float(point, "lat"),
        lon=_float(point, "lon"),
        hae=_float(point, "hae", default=UNKNOWN),
        ce=_float(point, "ce", default=UNKNOWN),
        le=_float(point, "le", default=UNKNOWN),
        callsign=contact.get("callsign") if contact is not None else None,
        remarks=remarks.text if remarks is not None else None,
        course_deg=_optional(track, "course"),
        speed_mps=_optional(track, "speed"),
    )
