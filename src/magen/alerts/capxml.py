"""CAP 1.2 messages: a typed model, XML encoding with lxml, and hardened decoding.

Decoding refuses DTDs and entity declarations outright (the XML bomb and external entity
attacks), then validates against the official OASIS schema and the rules of the CAP 1.2
specification that the schema cannot express (polygon closure, circle syntax, references,
restricted characters). Every refusal is a `CapError` listing what is wrong, in plain words.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Literal, cast

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from lxml import etree

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
# CAP messages are a few kilobytes; refusing large input bounds the work a sender can cause.
MAX_CAP_BYTES = 1_000_000

Status = Literal["Actual", "Exercise", "System", "Test", "Draft"]
MsgType = Literal["Alert", "Update", "Cancel", "Ack", "Error"]
Scope = Literal["Public", "Restricted", "Private"]

_NS = {"cap": CAP_NS}
# lxml takes None as the default-namespace prefix; its stubs only admit str keys.
_DEFAULT_NS = cast(dict[str, str], {None: CAP_NS})
# Characters XML 1.0 cannot carry at all; dropped on export rather than failing the message.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RESTRICTED = re.compile(r"[\s,<&]")


class CapError(ValueError):
    """A CAP message that is malformed, hostile or not CAP 1.2; `problems` says why."""

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True, slots=True)
class CapRef:
    """One message named in `references`: sender, identifier and sent time."""

    sender: str
    identifier: str
    sent: datetime


@dataclass(frozen=True, slots=True)
class CapCircle:
    """A CAP circle: WGS84 centre and a radius in kilometres (kept exact as a decimal)."""

    lat: float
    lon: float
    radius_km: Decimal


@dataclass(frozen=True, slots=True)
class CapArea:
    """A CAP area; polygons are closed rings of (lat, lon) pairs in CAP's order."""

    desc: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[CapCircle, ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CapInfo:
    """One `info` block: the message in one language."""

    language: str
    categories: tuple[str, ...]
    event: str
    urgency: str
    severity: str
    certainty: str
    response_types: tuple[str, ...] = ()
    event_codes: tuple[tuple[str, str], ...] = ()
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    sender_name: str | None = None
    headline: str | None = None
    description: str | None = None
    instruction: str | None = None
    web: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    areas: tuple[CapArea, ...] = ()

    def event_code(self, name: str) -> str | None:
        """The value of the first eventCode with this name."""
        return next((v for n, v in self.event_codes if n == name), None)


@dataclass(frozen=True, slots=True)
class CapMessage:
    """A CAP 1.2 alert message."""

    identifier: str
    sender: str
    sent: datetime
    status: Status
    msg_type: MsgType
    scope: Scope = "Public"
    source: str | None = None
    restriction: str | None = None
    addresses: str | None = None
    note: str | None = None
    references: tuple[CapRef, ...] = ()
    incidents: str | None = None
    infos: tuple[CapInfo, ...] = ()


# --- encoding -----------------------------------------------------------------------------


def cap_time(when: datetime, tz: tzinfo = UTC) -> str:
    """A time in CAP's format: seconds, an explicit offset, no fraction and no `Z`."""
    if when.tzinfo is None:
        raise ValueError("CAP times must be timezone-aware")
    local = when.astimezone(tz)
    offset = local.utcoffset() or timedelta(0)
    if offset % timedelta(minutes=1):
        local = when.astimezone(UTC)  # CAP offsets are whole minutes
    return local.replace(microsecond=0).isoformat()


def cap_number(x: float | Decimal) -> str:
    """A number as plain decimal digits that read back to exactly the same value."""
    d = x if isinstance(x, Decimal) else Decimal(repr(float(x)))
    text = format(d, "f")
    return text if text not in {"-0", "-0.0"} else text[1:]


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = _text(text)
    return el


def _add_opt(parent: etree._Element, tag: str, text: str | None) -> None:
    if text is not None:
        _add(parent, tag, text)


def _add_pair(parent: etree._Element, tag: str, name: str, value: str) -> None:
    el = _add(parent, tag)
    _add(el, "valueName", name)
    _add(el, "value", value)


def _add_area(parent: etree._Element, area: CapArea) -> None:
    el = _add(parent, "area")
    _add(el, "areaDesc", area.desc)
    for ring in area.polygons:
        _add(el, "polygon", " ".join(f"{cap_number(lat)},{cap_number(lon)}" for lat, lon in ring))
    for c in area.circles:
        _add(el, "circle", f"{cap_number(c.lat)},{cap_number(c.lon)} {cap_number(c.radius_km)}")
    for n, v in area.geocodes:
        _add_pair(el, "geocode", n, v)


def _add_info(parent: etree._Element, info: CapInfo, tz: tzinfo) -> None:
    el = _add(parent, "info")
    _add(el, "language", info.language)
    for c in info.categories:
        _add(el, "category", c)
    _add(el, "event", info.event)
    for r in info.response_types:
        _add(el, "responseType", r)
    _add(el, "urgency", info.urgency)
    _add(el, "severity", info.severity)
    _add(el, "certainty", info.certainty)
    for n, v in info.event_codes:
        _add_pair(el, "eventCode", n, v)
    for tag, when in (("effective", info.effective), ("onset", info.onset)):
        _add_opt(el, tag, None if when is None else cap_time(when, tz))
    _add_opt(el, "expires", None if info.expires is None else cap_time(info.expires, tz))
    _add_opt(el, "senderName", info.sender_name)
    _add_opt(el, "headline", info.headline)
    _add_opt(el, "description", info.description)
    _add_opt(el, "instruction", info.instruction)
    _add_opt(el, "web", info.web)
    for n, v in info.parameters:
        _add_pair(el, "parameter", n, v)
    for a in info.areas:
        _add_area(el, a)


def cap_element(message: CapMessage, tz: tzinfo = UTC) -> etree._Element:
    """The message as an lxml element (for embedding, e.g. in a feed)."""
    m = message
    root = etree.Element(f"{{{CAP_NS}}}alert", nsmap=_DEFAULT_NS)
    _add(root, "identifier", m.identifier)
    _add(root, "sender", m.sender)
    _add(root, "sent", cap_time(m.sent, tz))
    _add(root, "status", m.status)
    _add(root, "msgType", m.msg_type)
    _add_opt(root, "source", m.source)
    _add(root, "scope", m.scope)
    _add_opt(root, "restriction", m.restriction)
    _add_opt(root, "addresses", m.addresses)
    _add_opt(root, "note", m.note)
    if m.references:
        refs = " ".join(f"{r.sender},{r.identifier},{cap_time(r.sent, tz)}" for r in m.references)
        _add(root, "references", refs)
    _add_opt(root, "incidents", m.incidents)
    for info in m.infos:
        _add_info(root, info, tz)
    return root


def encode_cap(message: CapMessage, tz: tzinfo = UTC) -> bytes:
    """The message as a UTF-8 CAP 1.2 XML document."""
    return etree.tostring(
        cap_element(message, tz), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


# --- decoding -----------------------------------------------------------------------------


@cache
def cap_schema() -> etree.XMLSchema:
    """The official OASIS CAP 1.2 schema, shipped in magen/standards/cap-1.2."""
    xsd = resources.files("magen").joinpath("standards", "cap-1.2", "CAP-v1.2.xsd")
    doc = etree.fromstring(xsd.read_bytes(), _hardened_parser())
    return etree.XMLSchema(doc)


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
    )


def _refuse_hostile(data: bytes) -> None:
    # expat stops at the DOCTYPE itself, before any entity is declared, let alone expanded;
    # libxml2 would first read the whole internal subset.
    try:
        SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        raise CapError(
            "the document declares a DTD; CAP messages may not (entity expansion and external "
            "entities are refused)"
        ) from None
    except EntitiesForbidden:
        raise CapError("the document declares entities; CAP messages may not") from None
    except DefusedXmlException as exc:
        raise CapError(f"the document is refused as unsafe XML ({type(exc).__name__})") from None
    except SafeET.ParseError as exc:
        raise CapError(f"malformed XML: {exc}") from None
    except (LookupError, ValueError):
        # expat reads only the encodings Python has a one-byte codec for (an unknown name is
        # a LookupError, Shift_JIS or UTF-7 a ValueError); libxml2 reads more. Leave the
        # document to the parse below, which refuses a DTD and names an unknown encoding,
        # as every other importer does (`magen.interop.parse_untrusted_xml`).
        return


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML safely: no DTD, no entities, no network, bounded size."""
    if not isinstance(data, bytes | bytearray):
        raise CapError("a CAP message must be given as bytes")
    if len(data) > MAX_CAP_BYTES:
        raise CapError(f"the document is larger than {MAX_CAP_BYTES} bytes")
    if not data.strip():
        raise CapError("the document is empty")
    _refuse_hostile(bytes(data))
    try:
        root = etree.fromstring(bytes(data), _hardened_parser())
    except etree.XMLSyntaxError as exc:
        # exc.msg, not str(exc): that adds "(<string>, line N)", which names no file
        raise CapError(f"malformed XML: {exc.msg}") from None
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise CapError("the document declares a DTD; CAP messages may not")
    return root


def _check_schema(root: etree._Element) -> None:
    if root.tag != f"{{{CAP_NS}}}alert":
        ns, _, local = root.tag.lstrip("{").rpartition("}")
        found = f"<{local}> in namespace {ns!r}" if ns else f"<{local}> without a namespace"
        raise CapError(f"not a CAP 1.2 alert: the root element is {found}, not <alert> in {CAP_NS}")
    schema = cap_schema()
    if not schema.validate(root):
        problems = [
            f"line {e.line}: {e.message}" for e in cast(list[etree._LogEntry], schema.error_log)
        ]
        raise CapError(["invalid CAP 1.2 (does not match the OASIS schema)", *problems[:10]])


def _t(el: etree._Element, path: str) -> str | None:
    found = el.find(path, _NS)
    if found is None:
        return None
    return found.text or ""


def _all(el: etree._Element, path: str) -> list[str]:
    return [x.text or "" for x in el.findall(path, _NS)]


def _pairs(el: etree._Element, path: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (_t(x, "cap:valueName") or "", _t(x, "cap:value") or "") for x in el.findall(path, _NS)
    )


def _time(text: str | None) -> datetime | None:
    # The schema's pattern already guarantees "YYYY-MM-DDThh:mm:ss+hh:mm".
    return None if text is None else datetime.fromisoformat(text.strip())


def _coordinate(text: str, where: str, problems: list[str]) -> tuple[float, float] | None:
    parts = text.split(",")
    if len(parts) != 2:
        problems.append(f"{where}: {text!r} is not a 'lat,lon' pair")
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        problems.append(f"{where}: {text!r} is not a pair of numbers")
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        problems.append(f"{where}: {text!r} is outside WGS84 latitude/longitude ranges")
        return None
    return lat, lon


def _polygon(text: str, where: str, problems: list[str]) -> tuple[tuple[float, float], ...]:
    points = [_coordinate(p, where, problems) for p in text.split()]
    ring = tuple(p for p in points if p is not None)
    if len(ring) != len(points):
        return ()
    if len(ring) < 4:
        problems.append(f"{where}: a CAP polygon needs at least 4 points, first and last equal")
    elif ring[0] != ring[-1]:
        problems.append(f"{where}: a CAP polygon must be closed (first and last points equal)")
    return ring


def _circle(text: str, where: str, problems: list[str]) -> CapCircle | None:
    parts = text.split()
    if len(parts) != 2:
        problems.append(f"{where}: {text!r} is not 'lat,lon radius'")
        return None
    centre = _coordinate(parts[0], where, problems)
    try:
        radius = Decimal(parts[1])
    except InvalidOperation:
        problems.append(f"{where}: the radius {parts[1]!r} is not a number")
        return None
    if not radius.is_finite() or radius < 0:
        problems.append(f"{where}: the radius {parts[1]!r} must be a distance in km, >= 0")
        return None
    return None if centre is None else CapCircle(lat=centre[0], lon=centre[1], radius_km=radius)


def _area(el: etree._Element, where: str, problems: list[str]) -> CapArea:
    polygons = tuple(
        _polygon(t, f"{where} polygon {i + 1}", problems)
        for i, t in enumerate(_all(el, "cap:polygon"))
    )
    circles = [
        _circle(t, f"{where} circle {i + 1}", problems)
        for i, t in enumerate(_all(el, "cap:circle"))
    ]
    return CapArea(
        desc=_t(el, "cap:areaDesc") or "",
        polygons=polygons,
        circles=tuple(c for c in circles if c is not None),
        geocodes=_pairs(el, "cap:geocode"),
    )


def _info(el: etree._Element, n: int, problems: list[str]) -> CapInfo:
    areas = tuple(
        _area(a, f"info {n} area {i + 1}", problems)
        for i, a in enumerate(el.findall("cap:area", _NS))
    )
    return CapInfo(
        language=(_t(el, "cap:language") or "en-US").strip(),
        categories=tuple(c.strip() for c in _all(el, "cap:category")),
        event=_t(el, "cap:event") or "",
        urgency=(_t(el, "cap:urgency") or "").strip(),
        severity=(_t(el, "cap:severity") or "").strip(),
        certainty=(_t(el, "cap:certainty") or "").strip(),
        response_types=tuple(r.strip() for r in _all(el, "cap:responseType")),
        event_codes=_pairs(el, "cap:eventCode"),
        effective=_time(_t(el, "cap:effective")),
        onset=_time(_t(el, "cap:onset")),
        expires=_time(_t(el, "cap:expires")),
        sender_name=_t(el, "cap:senderName"),
        headline=_t(el, "cap:headline"),
        description=_t(el, "cap:description"),
        instruction=_t(el, "cap:instruction"),
        web=_t(el, "cap:web"),
        parameters=_pairs(el, "cap:parameter"),
        areas=areas,
    )


def _references(text: str | None, problems: list[str]) -> tuple[CapRef, ...]:
    if text is None:
        return ()
    refs: list[CapRef] = []
    for item in text.split():
        parts = item.split(",")
        if len(parts) != 3:
            problems.append(f"reference {item!r} is not 'sender,identifier,sent'")
            continue
        try:
            sent = datetime.fromisoformat(parts[2])
        except ValueError:
            problems.append(f"reference {item!r} has no valid sent time")
            continue
        if sent.tzinfo is None:
            problems.append(f"reference {item!r} has a sent time without an offset")
            continue
        refs.append(CapRef(sender=parts[0], identifier=parts[1], sent=sent))
    return tuple(refs)


def decode_cap(data: bytes) -> CapMessage:
    """Parse, validate and read one CAP 1.2 message; raise CapError on anything wrong."""
    root = parse_xml(data)
    _check_schema(root)
    problems: list[str] = []
    # Pretty-printed upstream documents may wrap tokens in whitespace; inside them none is allowed.
    identifier = (_t(root, "cap:identifier") or "").strip()
    sender = (_t(root, "cap:sender") or "").strip()
    for name, value in (("identifier", identifier), ("sender", sender)):
        if not value or _RESTRICTED.search(value):
            problems.append(f"{name} {value!r} must be non-empty, without spaces, commas, < or &")
    status = cast(Status, (_t(root, "cap:status") or "").strip())
    msg_type = cast(MsgType, (_t(root, "cap:msgType") or "").strip())
    scope = cast(Scope, (_t(root, "cap:scope") or "").strip())
    restriction = _t(root, "cap:restriction")
    addresses = _t(root, "cap:addresses")
    if scope == "Restricted" and not restriction:
        problems.append("a Restricted message must say its restriction")
    if scope == "Private" and not addresses:
        problems.append("a Private message must list its addresses")
    references = _references(_t(root, "cap:references"), problems)
    if msg_type in {"Update", "Cancel", "Ack", "Error"} and not references:
        problems.append(f"a {msg_type} message must reference the message(s) it concerns")
    infos = tuple(_info(el, i + 1, problems) for i, el in enumerate(root.findall("cap:info", _NS)))
    if problems:
        raise CapError(problems)
    sent = _time(_t(root, "cap:sent"))
    assert sent is not None  # required by the schema
    return CapMessage(
        identifier=identifier,
        sender=sender,
        sent=sent,
        status=status,
        msg_type=msg_type,
        scope=scope,
        source=_t(root, "cap:source"),
        restriction=restriction,
        addresses=addresses,
        note=_t(root, "cap:note"),
        references=references,
        incidents=_t(root, "cap:incidents"),
        infos=infos,
    )


def validate_cap(data: bytes) -> None:
    """Raise CapError unless the bytes are one safe, valid CAP 1.2 message."""
    decode_cap(data)
