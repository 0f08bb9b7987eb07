"""CAP 1.2 for alerts: export every alert, override and danger area; a feed; import upstream.

Export turns each logged event of an alert, an operator override or a danger area into one
CAP message: the first is an `Alert`, later changes an `Update` referencing the earlier
messages, an all clear an `Update` with response type `AllClear`, a withdrawn override a
`Cancel`. Each message has one `info` block per language (he-IL, ar, en-US). Zones become
`area` blocks carrying the zone id as a `magen:zone` geocode (and the zone's polygon when the
caller supplies it), so a peer can import them exactly. Every message is sent under this
system's own sender and identifier, also for an alert imported from upstream: its messages
name the upstream messages that shaped it in `references` (CAP 1.2 §3.2.1 gives identifier
and sender to the originator, and Magen's zones, languages and instructions are its own).

Import (`parse_cap`) turns one upstream CAP message into alert commands for the app to
decide: it never changes anything itself, and a message it cannot read raises `CapError`.
An area given only by name (`areaDesc`, as the Home Front Command names its areas) is the
town's zone of exactly that name; one that names no zone is reported (`CapImport.unplaced`).
Nothing is dropped unsaid: outlines beyond what an alert keeps (`MAX_AREAS`) leave their zones
alerted and are named in `CapImport.notes`, and an export whose zone outlines would make it
larger than CAP import accepts (`MAX_CAP_BYTES`) goes out without them, with a `note` saying so.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Literal, cast
from urllib.parse import quote

from lxml import etree
from pydantic import ValidationError

from magen.alerts.capxml import (
    MAX_CAP_BYTES,
    CapArea,
    CapCircle,
    CapError,
    CapInfo,
    CapMessage,
    CapRef,
    cap_element,
    cap_time,
    decode_cap,
    encode_cap,
    validate_cap,
)
from magen.domain.alerts import (
    ALL_CLEAR_TITLE,
    CATEGORY_TITLES,
    DANGER_LIFTED,
    DANGER_TITLES,
    LANGS,
    MAX_AREAS,
    MAX_REFERENCES,
    MAX_ZONES,
    OVERRIDE_INSTRUCTIONS,
    OVERRIDE_TITLES,
    OVERRIDE_WITHDRAWN,
    AlertCategory,
    AlertEnded,
    AlertIssued,
    Alerts,
    AlertUpdated,
    CapSource,
    Circle,
    DangerArea,
    DangerAreaDeclared,
    DangerAreaLifted,
    DangerAreaUpdated,
    DangerReason,
    DeclareAllClear,
    EndAlert,
    GuidanceOverride,
    GuidanceOverrideCleared,
    GuidanceOverrideIssued,
    IssueAlert,
    Lang,
    LocalText,
    Logged,
    OfficialAlert,
    OverrideAction,
    Polygon,
    UpdateAlert,
    said_at_end,
)
from magen.domain.alerts import CapRef as DomainCapRef
from magen.domain.base import Recorded
from magen.domain.state import State

__all__ = [
    "CapConfig",
    "CapError",
    "CapImport",
    "CapMessage",
    "CapUnknownEvent",
    "ZoneArea",
    "alert_messages",
    "cap_feed",
    "current_messages",
    "danger_area_messages",
    "decode_cap",
    "encode_cap",
    "export_event",
    "message_for_event",
    "override_messages",
    "parse_cap",
    "read_cap",
    "validate_cap",
]

ZONE_GEOCODE = "magen:zone"
CODE_KIND = "magen:kind"
CODE_CATEGORY = "magen:category"
CODE_ACTION = "magen:action"
CODE_REASON = "magen:danger_reason"
PARAM_SECONDS = "magen:seconds_to_shelter"
PARAM_PROPOSAL = "magen:proposal"
PARAM_THREAT = "magen:threat"

LANGUAGE_TAGS: dict[Lang, str] = {"he": "he-IL", "ar": "ar", "en": "en-US"}
# Re-importing the same upstream message yields the same command ids, so the app's
# idempotency returns the first result instead of appending twice.
CAP_IMPORT_NAMESPACE = uuid.UUID("0b7e3f52-3c1d-4f0e-8a43-5f2d9c1e7a64")

Geometry = Circle | Polygon
ImportedCommand = IssueAlert | UpdateAlert | EndAlert | DeclareAllClear


@dataclass(frozen=True, slots=True)
class ZoneArea:
    """What export knows of a zone: its name per language and, if known, its outline."""

    name: LocalText
    ring: tuple[tuple[float, float], ...] | None = None  # ring of (lon, lat), closed on entry
    # A zone in several pieces: the outlines of the others (each its own CAP polygon).
    parts: tuple[tuple[tuple[float, float], ...], ...] = ()

    def __post_init__(self) -> None:
        if self.ring is not None:
            object.__setattr__(self, "ring", _closed(self.ring))
        object.__setattr__(self, "parts", tuple(_closed(p) for p in self.parts))

    @property
    def rings(self) -> tuple[tuple[tuple[float, float], ...], ...]:
        """Every outline of the zone, (lon, lat)."""
        return ((self.ring,) if self.ring is not None else ()) + self.parts


def _closed(ring: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    if len(set(ring)) < 3:
        raise ValueError("a zone outline needs at least 3 distinct points")
    # CAP polygons must be closed; a zone file may leave the closing point implicit.
    return ring if ring[0] == ring[-1] else (*ring, ring[0])


def _unknown_zone(zone_id: str) -> ZoneArea | None:
    return None


@dataclass(frozen=True, slots=True)
class CapConfig:
    """Who this system is as a CAP sender, and how it writes messages."""

    sender: str  # e.g. "magen@baka.jerusalem.example"
    sender_name: LocalText = field(
        default_factory=lambda: LocalText(he="מגן", ar="ماجن", en="Magen")
    )
    status: Literal["Actual", "Exercise", "Test"] = "Actual"
    tz: tzinfo = UTC
    identifier_prefix: str = "magen-"
    zone_area: Callable[[str], ZoneArea | None] = _unknown_zone
    web: str | None = None
    languages: tuple[Lang, ...] = LANGS

    def __post_init__(self) -> None:
        for name, value in (("sender", self.sender), ("identifier_prefix", self.identifier_prefix)):
            if re.search(r"[\s,<&]", value):
                raise ValueError(f"CAP {name} may not contain spaces, commas, < or &")
        if not self.sender:
            raise ValueError("CAP sender must not be empty")
        if not self.languages or any(lang not in LANGS for lang in self.languages):
            raise ValueError(f"languages must be among {LANGS}")


# --- export -------------------------------------------------------------------------------

_Profile = tuple[tuple[str, ...], tuple[str, ...], str, str, str]
# category, responseType, urgency, severity, certainty per Home Front Command alert type.
_ALERT_PROFILE: dict[AlertCategory, _Profile] = {
    AlertCategory.MISSILES: (("Security",), ("Shelter",), "Immediate", "Extreme", "Observed"),
    AlertCategory.HOSTILE_AIRCRAFT_INTRUSION: (
        ("Security",),
        ("Shelter",),
        "Immediate",
        "Extreme",
        "Observed",
    ),
    AlertCategory.TERRORIST_INFILTRATION: (
        ("Security",),
        ("Shelter",),
        "Immediate",
        "Extreme",
        "Likely",
    ),
    AlertCategory.UNCONVENTIONAL_MISSILE: (
        ("Security", "CBRNE"),
        ("Shelter",),
        "Immediate",
        "Extreme",
        "Observed",
    ),
    AlertCategory.EARTHQUAKE: (("Geo",), ("Evacuate",), "Immediate", "Severe", "Observed"),
    AlertCategory.TSUNAMI: (("Geo",), ("Evacuate",), "Immediate", "Extreme", "Likely"),
    AlertCategory.HAZARDOUS_MATERIALS: (
        ("CBRNE",),
        ("Shelter",),
        "Immediate",
        "Severe",
        "Observed",
    ),
    AlertCategory.RADIOLOGICAL_EVENT: (("CBRNE",), ("Shelter",), "Immediate", "Extreme", "Likely"),
    AlertCategory.EARLY_WARNING: (("Security",), ("Prepare",), "Expected", "Severe", "Likely"),
}
_DANGER_CATEGORY: dict[DangerReason, str] = {
    DangerReason.ARMED_ATTACKERS: "Security",
    DangerReason.HOSTAGE_SITUATION: "Security",
    DangerReason.SUSPICIOUS_OBJECT: "Security",
    DangerReason.IMPACT_SITE: "Security",
    DangerReason.FIRE: "Fire",
    DangerReason.HAZARDOUS_MATERIALS: "CBRNE",
    DangerReason.STRUCTURAL_COLLAPSE: "Rescue",
    DangerReason.OTHER: "Safety",
}
_ALERT_AREA = LocalText(he="אזור ההתרעה", ar="منطقة الإنذار", en="Alert area")
_DANGER_AREA = LocalText(he="אזור הסכנה", ar="منطقة الخطر", en="Danger area")
_OVERRIDE_AREA = LocalText(he="אזור ההנחיה", ar="منطقة التعليمات", en="Area of this instruction")


def _cap_geometry(area: Geometry, desc: str) -> CapArea:
    if isinstance(area, Circle):
        radius_km = Decimal(repr(area.radius_m)).scaleb(-3)
        return CapArea(
            desc=desc, circles=(CapCircle(lat=area.lat, lon=area.lon, radius_km=radius_km),)
        )
    return CapArea(desc=desc, polygons=(tuple((lat, lon) for lon, lat in area.ring),))


def _zone_areas(
    zone_ids: Iterable[str], lang: Lang, config: CapConfig, *, outlines: bool = True
) -> list[CapArea]:
    out = []
    for z in zone_ids:
        known = config.zone_area(z)
        name = (known.name.in_(lang) or known.name.en or z) if known is not None else z
        polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
        if outlines and known is not None:
            polygons = tuple(tuple((lat, lon) for lon, lat in r) for r in known.rings)
        out.append(CapArea(desc=name, polygons=polygons, geocodes=((ZONE_GEOCODE, z),)))
    return out


def _areas(
    zone_ids: Iterable[str],
    geometry: Iterable[Geometry],
    desc: LocalText,
    lang: Lang,
    config: CapConfig,
    *,
    outlines: bool = True,
) -> tuple[CapArea, ...]:
    zones = _zone_areas(zone_ids, lang, config, outlines=outlines)
    return (*zones, *(_cap_geometry(g, desc.in_(lang)) for g in geometry))


def _identity(
    thing_id: str, index: int, logged: Logged, config: CapConfig
) -> tuple[str, str, datetime]:
    # Always this system's own: CAP 1.2 §3.2.1 gives identifier and sender to the
    # originator, and what Magen sends (its zones, languages, instructions) is its own
    # message even when an upstream one caused it. That one is named in `references`.
    identifier = f"{config.identifier_prefix}{thing_id}"
    if index:
        identifier += f"-{logged.position}"
    return config.sender, identifier, logged.recorded_at


def _status(config: CapConfig, drill: bool) -> Literal["Actual", "Exercise", "Test"]:
    return "Exercise" if drill and config.status == "Actual" else config.status


@dataclass(frozen=True, slots=True)
class _Body:
    """What one message says, before it is written out per language."""

    msg_type: Literal["Alert", "Update", "Cancel"]
    categories: tuple[str, ...]
    response_types: tuple[str, ...]
    urgency: str
    severity: str
    certainty: str
    title: LocalText
    instruction: LocalText
    codes: tuple[tuple[str, str], ...]
    zone_ids: tuple[str, ...] = ()
    geometry: tuple[Geometry, ...] = ()
    area_desc: LocalText = _ALERT_AREA
    description: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    effective: datetime | None = None
    expires: datetime | None = None


def _message(
    body: _Body,
    identity: tuple[str, str, datetime],
    references: Sequence[CapRef],
    status: Literal["Actual", "Exercise", "Test"],
    config: CapConfig,
) -> CapMessage:
    message = _message_with(body, identity, references, status, config, outlines=True)
    if not _too_large(message, config):
        return message
    # Every zone's outline would make the message larger than a CAP peer (Magen among them)
    # takes: each zone goes out by name and id (its `magen:zone` geocode) without its outline,
    # and the message says so. Drawn areas (the alert's own geometry) keep theirs.
    smaller = _message_with(body, identity, references, status, config, outlines=False)
    note = (
        f"The outlines of this message's {len(body.zone_ids)} zones are left out: with them it "
        f"would be larger than {MAX_CAP_BYTES} bytes. Each zone is named, with its id as a "
        f"{ZONE_GEOCODE} geocode."
    )
    if _too_large(smaller, config):
        note += (
            f" Even so the message is larger than {MAX_CAP_BYTES} bytes, which a Magen peer "
            "refuses: ask for its zones in smaller alerts."
        )
    return replace(smaller, note=note)


def _too_large(message: CapMessage, config: CapConfig) -> bool:
    """Whether the message, written out, exceeds what CAP import accepts (`MAX_CAP_BYTES`)."""
    points = sum(len(r) for i in message.infos for a in i.areas for r in a.polygons)
    areas = sum(len(i.areas) for i in message.infos)
    if points * 40 + areas * 400 < MAX_CAP_BYTES // 2:
        return False  # far below the limit: no need to write it out to know
    return len(encode_cap(message, config.tz)) > MAX_CAP_BYTES


def _message_with(
    body: _Body,
    identity: tuple[str, str, datetime],
    references: Sequence[CapRef],
    status: Literal["Actual", "Exercise", "Test"],
    config: CapConfig,
    *,
    outlines: bool,
) -> CapMessage:
    sender, identifier, sent = identity
    infos = tuple(
        CapInfo(
            language=LANGUAGE_TAGS[lang],
            categories=body.categories,
            event=body.title.in_(lang),
            response_types=body.response_types,
            urgency=body.urgency,
            severity=body.severity,
            certainty=body.certainty,
            event_codes=body.codes,
            effective=body.effective,
            expires=body.expires,
            sender_name=config.sender_name.in_(lang) or None,
            headline=body.title.in_(lang),
            description=body.description or None,
            instruction=body.instruction.in_(lang),
            web=config.web,
            parameters=body.parameters,
            areas=_areas(
                body.zone_ids, body.geometry, body.area_desc, lang, config, outlines=outlines
            ),
        )
        for lang in config.languages
        if body.instruction.in_(lang)
    )
    return CapMessage(
        identifier=identifier,
        sender=sender,
        sent=sent,
        status=status,
        msg_type=body.msg_type,
        references=tuple(references),
        infos=infos,
    )


def _chain(
    thing_id: str,
    logs: Sequence[Logged],
    *,
    body_of: Callable[[Logged], _Body],
    source_of: Callable[[Logged], CapSource | None],
    status: Literal["Actual", "Exercise", "Test"],
    config: CapConfig,
) -> list[tuple[int, CapMessage]]:
    out: list[tuple[int, CapMessage]] = []
    refs: list[CapRef] = []  # this system's earlier messages of the thing
    upstream: list[CapRef] = []  # the upstream messages that shaped it, once each
    for i, logged in enumerate(logs):
        identity = _identity(thing_id, i, logged, config)
        source = source_of(logged)
        if source is not None and all(
            (r.sender, r.identifier) != (source.sender, source.identifier) for r in upstream
        ):
            upstream.append(
                CapRef(sender=source.sender, identifier=source.identifier, sent=source.sent)
            )
        # Our earlier messages, then every upstream message so far: an aggregator holding
        # the upstream alert can tell this one relays it (and what each update answers).
        message = _message(body_of(logged), identity, [*refs, *upstream], status, config)
        out.append((logged.position, message))
        refs.append(CapRef(sender=identity[0], identifier=identity[1], sent=identity[2]))
    return out


def _seconds_params(seconds: dict[str, int]) -> tuple[tuple[str, str], ...]:
    return tuple((PARAM_SECONDS, f"{z}={s}") for z, s in sorted(seconds.items()))


def _alert_body(alert: OfficialAlert, logged: Logged) -> _Body:
    cats, responses, urgency, severity, certainty = _ALERT_PROFILE[alert.category]
    codes = ((CODE_KIND, "alert"), (CODE_CATEGORY, alert.category.value))
    e = logged.event
    if isinstance(e, AlertEnded):
        return _Body(
            msg_type="Update",
            categories=cats,
            response_types=("AllClear",),
            urgency="Past",
            severity="Minor",
            certainty="Observed",
            title=ALL_CLEAR_TITLE,
            instruction=said_at_end(e, alert.category),
            codes=codes,
            zone_ids=e.zone_ids,
        )
    assert isinstance(e, AlertIssued | AlertUpdated)
    return _Body(
        msg_type="Alert" if isinstance(e, AlertIssued) else "Update",
        categories=cats,
        response_types=responses,
        urgency=urgency,
        severity=severity,
        certainty=certainty,
        title=CATEGORY_TITLES[alert.category],
        instruction=e.instruction,
        codes=codes,
        zone_ids=e.zone_ids,
        geometry=e.areas,
        parameters=_seconds_params(e.seconds_to_shelter),
        effective=alert.issued_at,
        expires=e.expires_at,
    )


def _alert_source(logged: Logged) -> CapSource | None:
    source = getattr(logged.event, "source", None)
    return source if isinstance(source, CapSource) else None


def alert_messages(alert: OfficialAlert, config: CapConfig) -> list[CapMessage]:
    """Every CAP message of an alert so far, in log order."""
    return [m for _, m in _alert_chain(alert, config)]


def _alert_chain(alert: OfficialAlert, config: CapConfig) -> list[tuple[int, CapMessage]]:
    return _chain(
        alert.alert_id,
        alert.messages,
        body_of=lambda logged: _alert_body(alert, logged),
        source_of=_alert_source,
        status=_status(config, alert.drill),
        config=config,
    )


def _override_body(o: GuidanceOverride, logged: Logged) -> _Body:
    codes = ((CODE_KIND, "override"), (CODE_ACTION, o.action.value))
    params = ((PARAM_PROPOSAL, o.proposal_id),) if o.proposal_id else ()
    geometry = (o.area,) if o.area is not None else ()
    body = _Body(
        msg_type="Alert",
        categories=("Security",),
        response_types=("Avoid" if o.action is OverrideAction.AVOID_AREA else "Shelter",),
        urgency="Immediate",
        severity="Severe",
        certainty="Likely",
        title=OVERRIDE_TITLES[o.action],
        instruction=o.instruction,
        codes=codes,
        zone_ids=o.zone_ids,
        geometry=geometry,
        area_desc=_OVERRIDE_AREA,
        description=o.reason or None,
        parameters=params,
        effective=o.issued_at,
        expires=o.expires_at,
    )
    if isinstance(logged.event, GuidanceOverrideCleared):
        return replace(
            body,
            msg_type="Cancel",
            response_types=("AllClear",),
            urgency="Past",
            severity="Minor",
            certainty="Observed",
            instruction=OVERRIDE_WITHDRAWN,
            description=logged.event.note or None,
            effective=None,
            expires=None,
        )
    return body


def override_messages(override: GuidanceOverride, config: CapConfig) -> list[CapMessage]:
    """Every CAP message of an operator override so far, in log order."""
    return [m for _, m in _override_chain(override, config)]


def _override_chain(o: GuidanceOverride, config: CapConfig) -> list[tuple[int, CapMessage]]:
    return _chain(
        o.override_id,
        o.messages,
        body_of=lambda logged: _override_body(o, logged),
        source_of=lambda _: None,
        status=_status(config, drill=False),
        config=config,
    )


def _danger_body(d: DangerArea, logged: Logged) -> _Body:
    e = logged.event
    codes_kind = (CODE_KIND, "danger_area")
    if isinstance(e, DangerAreaLifted):
        return _Body(
            msg_type="Update",
            categories=(_DANGER_CATEGORY[d.reason],),
            response_types=("AllClear",),
            urgency="Past",
            severity="Minor",
            certainty="Observed",
            title=DANGER_TITLES[d.reason],
            instruction=DANGER_LIFTED,
            codes=(codes_kind, (CODE_REASON, d.reason.value)),
            geometry=(d.area,),
            area_desc=_DANGER_AREA,
            description=e.note or None,
        )
    assert isinstance(e, DangerAreaDeclared | DangerAreaUpdated)
    return _Body(
        msg_type="Alert" if isinstance(e, DangerAreaDeclared) else "Update",
        categories=(_DANGER_CATEGORY[e.reason],),
        response_types=("Avoid",),
        urgency="Immediate",
        severity="Severe",
        certainty="Observed",
        title=DANGER_TITLES[e.reason],
        instruction=OVERRIDE_INSTRUCTIONS[OverrideAction.AVOID_AREA],
        codes=(codes_kind, (CODE_REASON, e.reason.value)),
        geometry=(e.area,),
        area_desc=_DANGER_AREA,
        description=e.note or None,
        parameters=((PARAM_THREAT, e.threat_id),) if e.threat_id else (),
        effective=d.starts_at,
    )


def danger_area_messages(area: DangerArea, config: CapConfig) -> list[CapMessage]:
    """Every CAP message of a danger area so far, in log order."""
    return [m for _, m in _danger_chain(area, config)]


def _danger_chain(d: DangerArea, config: CapConfig) -> list[tuple[int, CapMessage]]:
    return _chain(
        d.area_id,
        d.messages,
        body_of=lambda logged: _danger_body(d, logged),
        source_of=lambda _: None,
        status=_status(config, drill=False),
        config=config,
    )


def message_for_event(recorded: Recorded, state: State, config: CapConfig) -> CapMessage | None:
    """The CAP message of one recorded event (state at or after it); None if it has none."""
    alerts = state.slice(Alerts)
    e = recorded.event
    chain: list[tuple[int, CapMessage]] = []
    if isinstance(e, AlertIssued | AlertUpdated | AlertEnded) and e.alert_id in alerts.alerts:
        chain = _alert_chain(alerts.alerts[e.alert_id], config)
    elif (
        isinstance(e, GuidanceOverrideIssued | GuidanceOverrideCleared)
        and e.override_id in alerts.overrides
    ):
        chain = _override_chain(alerts.overrides[e.override_id], config)
    elif (
        isinstance(e, DangerAreaDeclared | DangerAreaUpdated | DangerAreaLifted)
        and e.area_id in alerts.danger_areas
    ):
        chain = _danger_chain(alerts.danger_areas[e.area_id], config)
    return next((m for p, m in chain if p == recorded.position), None)


def export_event(recorded: Recorded, state: State, config: CapConfig) -> bytes | None:
    """One recorded event as CAP 1.2 XML; None for events that are not alerts or orders."""
    message = message_for_event(recorded, state, config)
    return None if message is None else encode_cap(message, config.tz)


def current_messages(
    state: State,
    config: CapConfig,
    now: datetime,
    keep_ended: timedelta = timedelta(hours=1),
) -> list[CapMessage]:
    """Every message of the alerts, overrides and danger areas in force or closed lately."""
    # Things closed within `keep_ended` stay, so a subscriber sees their all clear.
    alerts = state.slice(Alerts)
    horizon = now - keep_ended
    chains: list[list[tuple[int, CapMessage]]] = []
    for a in alerts.alerts.values():
        closed = a.closed_at()
        if closed is None or closed > horizon:
            chains.append(_alert_chain(a, config))
    for o in alerts.overrides.values():
        closed = o.closed_at()
        if closed is None or closed > horizon:
            chains.append(_override_chain(o, config))
    for d in alerts.danger_areas.values():
        if d.lifted_at is None or d.lifted_at > horizon:
            chains.append(_danger_chain(d, config))
    return [m for _, m in sorted((pm for c in chains for pm in c), key=lambda pm: pm[0])]


_ATOM_NS = "http://www.w3.org/2005/Atom"


def _atom(
    parent: etree._Element, tag: str, text: str | None = None, **attrib: str
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{_ATOM_NS}}}{tag}", attrib)
    if text is not None:
        el.text = text
    return el


def cap_feed(
    state: State,
    config: CapConfig,
    now: datetime,
    *,
    feed_id: str,
    title: str = "Magen alerts",
    self_url: str | None = None,
    entry_url: Callable[[CapMessage], str] | None = None,
    keep_ended: timedelta = timedelta(hours=1),
) -> bytes:
    """An Atom feed of the current CAP messages, newest first, each embedded whole."""
    messages = current_messages(state, config, now, keep_ended)
    feed = etree.Element(f"{{{_ATOM_NS}}}feed", nsmap=cast(dict[str, str], {None: _ATOM_NS}))
    _atom(feed, "id", feed_id)
    _atom(feed, "title", title)
    _atom(feed, "updated", cap_time(max((m.sent for m in messages), default=now), config.tz))
    _atom(_atom(feed, "author"), "name", config.sender_name.en or config.sender)
    if self_url is not None:
        _atom(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    for m in reversed(messages):
        _entry(feed, m, feed_id, config, entry_url)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _entry(
    feed: etree._Element,
    m: CapMessage,
    feed_id: str,
    config: CapConfig,
    entry_url: Callable[[CapMessage], str] | None,
) -> None:
    english = [i for i in m.infos if i.language.startswith("en")]
    first = next(iter(english or m.infos), None)
    entry = _atom(feed, "entry")
    _atom(entry, "id", f"{feed_id}/{quote(m.sender, safe='')}/{quote(m.identifier, safe='')}")
    _atom(entry, "title", (first.headline or first.event) if first is not None else m.identifier)
    _atom(entry, "updated", cap_time(m.sent, config.tz))
    _atom(entry, "category", term=m.msg_type)
    if first is not None and first.instruction:
        _atom(entry, "summary", first.instruction)
    if entry_url is not None:
        _atom(entry, "link", rel="alternate", type="application/cap+xml", href=entry_url(m))
    _atom(entry, "content", type="application/cap+xml").append(cap_element(m, config.tz))


# --- import -------------------------------------------------------------------------------


def _words(*phrases: str) -> re.Pattern[str]:
    # Latin words must stand alone ("uav" is not in "yuava"); Hebrew and Arabic phrases are
    # matched as written, since prefixes (ו, ה, ال) attach to words.
    parts = [rf"\b{re.escape(p)}\b" if p.isascii() else re.escape(p) for p in phrases]
    return re.compile("|".join(parts), re.IGNORECASE)


_ALL_CLEAR_WORDS = _words(
    "all clear", "event ended", "event has ended", "האירוע הסתיים", "סיום אירוע", "انتهى الحدث"
)
# Order matters: the more specific alert types are tried first.
_CATEGORY_WORDS: tuple[tuple[AlertCategory, re.Pattern[str]], ...] = (
    (
        AlertCategory.UNCONVENTIONAL_MISSILE,
        _words("unconventional", "non-conventional", "בלתי קונבנציונלי", "غير تقليدي"),
    ),
    (
        AlertCategory.EARLY_WARNING,
        _words(
            "early warning",
            "pre-alert",
            "התרעה מקדימה",
            "הנחיה מקדימה",
            "צפויות להתקבל התרעות",
            "إنذار مبكر",
            "بلاغ مسبق",
        ),
    ),
    (
        AlertCategory.HOSTILE_AIRCRAFT_INTRUSION,
        _words(
            "hostile aircraft",
            "aircraft intrusion",
            "uav",
            "drone",
            "כלי טיס",
            'כטב"ם',
            "כטב״ם",
            "طائرة معادية",
            "تسلل طائرة",
        ),
    ),
    (
        AlertCategory.TERRORIST_INFILTRATION,
        _words("infiltration", "terrorist", "מחבלים", "تسلل مخربين", "تسلل"),
    ),
    (
        AlertCategory.MISSILES,
        _words(
            "rocket",
            "rockets",
            "missile",
            "missiles",
            "red alert",
            "צבע אדום",
            "רקטות",
            "טילים",
            "صواريخ",
            "قذائف",
        ),
    ),
    (AlertCategory.EARTHQUAKE, _words("earthquake", "רעידת אדמה", "زلزال", "هزة أرضية")),
    (AlertCategory.TSUNAMI, _words("tsunami", "צונאמי", "تسونامي")),
    (
        AlertCategory.HAZARDOUS_MATERIALS,
        _words("hazardous materials", "hazmat", "חומרים מסוכנים", 'חומ"ס', "חומ״ס", "مواد خطرة"),
    ),
    (AlertCategory.RADIOLOGICAL_EVENT, _words("radiological", "radiation", "רדיולוגי", "إشعاعي")),
)
_LANG_OF_TAG = {"he": "he", "iw": "he", "ar": "ar", "en": "en"}


def _category_of(info: CapInfo) -> AlertCategory | None:
    code = info.event_code(CODE_CATEGORY)
    if code is not None:
        try:
            return AlertCategory(code.strip())
        except ValueError:
            raise CapError(f"unknown {CODE_CATEGORY} event code {code!r}") from None
    text = f"{info.event} {info.headline or ''}"
    return next((c for c, words in _CATEGORY_WORDS if words.search(text)), None)


def _is_all_clear(info: CapInfo) -> bool:
    return "AllClear" in info.response_types or bool(
        _ALL_CLEAR_WORDS.search(f"{info.event} {info.headline or ''}")
    )


@dataclass
class _Group:
    """The info blocks (one per language) about one alert type in one message."""

    infos: list[CapInfo] = field(default_factory=list)


# Hebrew points and cantillation (not the maqaf, a hyphen), Arabic harakat, Quranic marks and
# the tatweel: marks a name may or may not be written with.
_MARKS = re.compile(
    r"[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    r"\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06ed]"
)
# Spaces, and hyphens and dashes of every kind (Hebrew's maqaf too), as one separator.
_DASHES = re.compile(r"[\s\-_\u05be\u2010-\u2015\u2212\ufe58\ufe63\uff0d]+")


def area_name_key(text: str) -> str:
    """A zone or area name as compared: without niqqud or harakat, case folded, and with
    spaces and hyphens (of any kind, Hebrew's maqaf too) as one space.

    "ירושלים - דרום", "ירושלים-דרום" and "יְרוּשָׁלַיִם דרום" are the same name."""
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", text))
    return _DASHES.sub(" ", unicodedata.normalize("NFKC", folded).casefold()).strip()


def zone_name_index(names: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """Zone ids by each of their names (and the id itself) as compared (`area_name_key`)."""
    index: dict[str, dict[str, None]] = {}
    for zone_id, zone_names in names.items():
        for name in (zone_id, *zone_names):
            key = area_name_key(name)
            if key:
                index.setdefault(key, {})[zone_id] = None
    return {k: tuple(v) for k, v in index.items()}


def _geometry(area: CapArea, where: str) -> list[Geometry]:
    out: list[Geometry] = []
    try:
        for ring in area.polygons:
            out.append(Polygon(ring=tuple((lon, lat) for lat, lon in ring)))
        for c in area.circles:
            out.append(Circle(lat=c.lat, lon=c.lon, radius_m=float(c.radius_km.scaleb(3))))
    except ValidationError as exc:
        reasons = "; ".join(str(err["msg"]).removeprefix("Value error, ") for err in exc.errors())
        raise CapError(f"{where}: {reasons}") from None
    return out


@dataclass(frozen=True, slots=True)
class _Placed:
    """Where a message's areas fall in this town."""

    zones: tuple[str, ...]  # the town's zones the areas name or touch
    areas: tuple[Geometry, ...]  # the geometries that touch one of them (no others)
    unplaced: tuple[str, ...]  # areaDesc of areas with nothing Magen can place
    elsewhere: tuple[str, ...] = ()  # zones named outright that are not this town's
    # Areas whose name is several of the town's zones alike: (areaDesc, those zones).
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()
    notes: tuple[str, ...] = ()  # what was not kept, and why


def _zones_and_areas(
    infos: Sequence[CapInfo],
    zones_for_area: Callable[[Geometry], Sequence[str]],
    zone_geocode: str,
    town_zones: Container[str] | None,
    names: Mapping[str, tuple[str, ...]] | None = None,
) -> _Placed:
    zones: dict[str, None] = {}
    elsewhere: dict[str, None] = {}
    geometries: dict[Geometry, None] = {}
    unplaced: dict[str, None] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    for info in infos:
        for n, area in enumerate(info.areas, 1):
            named = [v.strip() for k, v in area.geocodes if k == zone_geocode and v.strip()]
            if named:
                # A zone named outright: its outline, if given, is the zone's own.
                for z in named:
                    (zones if town_zones is None or z in town_zones else elsewhere)[z] = None
                continue
            found = _geometry(area, f"{info.language} area {n}")
            desc = area.desc.strip()
            if not found and desc and names is not None:
                # Only a name (as the Home Front Command's areas are): one of the town's zones
                # if it is exactly that zone's name in some language, else said to match none.
                hits = names.get(area_name_key(desc), ())
                if len(hits) == 1:
                    zones[hits[0]] = None
                    continue
                if hits:
                    ambiguous[desc] = tuple(hits)
            if not found:
                unplaced[desc or f"{info.language} area {n}"] = None
            geometries.update(dict.fromkeys(found))
    kept: list[Geometry] = []
    for g in geometries:
        # A barrage alert names a hundred places; only those over this town's zones matter.
        touched = zones_for_area(g)
        if touched:
            kept.append(g)
            zones.update(dict.fromkeys(touched))
    notes: tuple[str, ...] = ()
    if len(kept) > MAX_AREAS:
        # More outlines over the town than an alert keeps: the alert holds every zone they
        # touch (and each zone's own outline goes out with it); the outlines are not kept,
        # and the import says so.
        notes = (
            f"{len(kept)} of the message's outlines lie over this town's zones, more than the "
            f"{MAX_AREAS} an alert keeps: the alert holds all {len(zones)} zones they touch, "
            "without those outlines",
        )
        kept = []
    if len(zones) > MAX_ZONES:
        raise CapError(
            f"the message's areas cover {len(zones)} of this town's zones; an alert holds at "
            f"most {MAX_ZONES}"
        )
    return _Placed(
        zones=tuple(zones),
        areas=tuple(kept),
        unplaced=tuple(unplaced),
        elsewhere=tuple(elsewhere),
        ambiguous=tuple(ambiguous.items()),
        notes=notes,
    )


def _instruction(infos: Sequence[CapInfo]) -> LocalText | None:
    texts: dict[str, str] = {}
    for info in infos:
        lang = _LANG_OF_TAG.get(info.language.split("-")[0].lower())
        if lang is not None and info.instruction and lang not in texts:
            texts[lang] = info.instruction
    return LocalText(**texts) if texts else None


def _seconds(infos: Sequence[CapInfo]) -> dict[str, int]:
    out: dict[str, int] = {}
    for info in infos:
        for name, value in info.parameters:
            if name != PARAM_SECONDS:
                continue
            zone, _, secs = value.rpartition("=")
            if not zone or not secs.strip().isdigit():
                raise CapError(f"{PARAM_SECONDS} {value!r} is not 'zone=seconds'")
            out[zone.strip()] = int(secs)
    return out


def _expires(infos: Sequence[CapInfo]) -> datetime | None:
    return next((i.expires for i in infos if i.expires is not None), None)


class CapUnknownEvent(CapError):
    """A valid message about this town whose event is none of the alerts Magen knows."""

    def __init__(self, events: Sequence[str], categories: Sequence[str]) -> None:
        self.events = tuple(dict.fromkeys(events))
        names = ", ".join(repr(e) for e in self.events)
        super().__init__(
            f"the message is about this town, but Magen cannot tell which Home Front Command "
            f"alert {names} is (CAP category {', '.join(dict.fromkeys(categories))})"
        )


NOT_HERE = "the message's areas touch none of this town's zones"


@dataclass(frozen=True, slots=True)
class CapImport:
    """What one upstream message asks of this town: commands, or why it asks nothing."""

    commands: tuple[ImportedCommand, ...]
    reason: str = ""  # when there is no command
    unplaced: tuple[str, ...] = ()  # areaDesc of areas Magen could not place
    references: tuple[DomainCapRef, ...] = ()  # the earlier messages the message names
    notes: tuple[str, ...] = ()  # what of the message the commands do not keep, and why


def _cannot_place(
    unplaced: Sequence[str],
    *,
    by_name: bool = False,
    ambiguous: Sequence[tuple[str, tuple[str, ...]]] = (),
) -> str:
    if not by_name:
        return (
            "Magen cannot place the message's areas (they have no polygon, circle or "
            f"{ZONE_GEOCODE} geocode): {'; '.join(unplaced)}"
        )
    # A name several zones share is not a name no zone has: each is said as what it is.
    several = dict(ambiguous)
    nameless = [d for d in unplaced if d not in several]
    said = []
    if nameless:
        said.append(f"no zone of this town has their name: {'; '.join(nameless)}")
    if several:
        listed = "; ".join(f"{d} ({', '.join(zs)})" for d, zs in several.items())
        said.append(f"the name matches several zones: {listed}")
    return (
        "Magen cannot place the message's areas: they have no polygon, circle or "
        f"{ZONE_GEOCODE} geocode, and " + "; and ".join(said)
    )


def _command(
    msg: CapMessage,
    *,
    source: CapSource,
    refs: tuple[DomainCapRef, ...],
    cid: uuid.UUID,
    category: AlertCategory,
    group: _Group,
    placed: _Placed,
) -> ImportedCommand | None:
    """The command a group of info blocks (not an all clear) asks for; None if none here."""
    zones = placed.zones
    if msg.msg_type == "Update" and not zones:
        # The new definition leaves this town: the alert ends here.
        return EndAlert(command_id=cid, references=refs, source=source)
    if not zones:
        return None
    # A message that names other towns' zones gives their seconds to shelter too: not ours.
    seconds = {z: s for z, s in _seconds(group.infos).items() if z not in placed.elsewhere}
    common: dict[str, Any] = {
        "command_id": cid,
        "zone_ids": zones,
        "seconds_to_shelter": seconds,
        "areas": placed.areas,
        "instruction": _instruction(group.infos),
        "expires_at": _expires(group.infos),
        "source": source,
    }
    if msg.msg_type == "Update":
        return UpdateAlert(references=refs, **common)
    return IssueAlert(
        category=category,
        drill=msg.status == "Exercise",
        issued_at=group.infos[0].effective or msg.sent,
        **common,
    )


def _clear_command(
    *,
    source: CapSource,
    refs: tuple[DomainCapRef, ...],
    cid: uuid.UUID,
    category: AlertCategory | None,
    zones: tuple[str, ...],
) -> ImportedCommand | None:
    """The command an all clear asks for: end the alerts it references, or its zones'."""
    if refs:
        return EndAlert(command_id=cid, references=refs, zone_ids=zones, source=source)
    if not zones:
        return None
    cats = (category,) if category is not None else ()
    return DeclareAllClear(command_id=cid, zone_ids=zones, categories=cats, source=source)


def parse_cap(
    data: bytes,
    zones_for_area: Callable[[Circle | Polygon], Sequence[str]],
    *,
    zone_geocode: str = ZONE_GEOCODE,
    town_zones: Container[str] | None = None,
    zone_names: Mapping[str, Iterable[str]] | None = None,
) -> list[ImportedCommand]:
    """Turn one upstream CAP 1.2 message into the alert commands it asks for.

    The commands of `read_cap` (which also says why a message asks nothing).
    """
    found = read_cap(
        data,
        zones_for_area,
        zone_geocode=zone_geocode,
        town_zones=town_zones,
        zone_names=zone_names,
    )
    return list(found.commands)


def read_cap(
    data: bytes,
    zones_for_area: Callable[[Circle | Polygon], Sequence[str]],
    *,
    zone_geocode: str = ZONE_GEOCODE,
    town_zones: Container[str] | None = None,
    zone_names: Mapping[str, Iterable[str]] | None = None,
) -> CapImport:
    """Read one upstream CAP 1.2 message: the alert commands it asks of this town.

    `zones_for_area` maps an area's geometry to the ids of the town's zones it touches; areas
    that name a zone by the `zone_geocode` geocode are taken as that zone (if `town_zones`
    is given, only the zones in it). Only the geometries that touch a zone are kept. An area
    with only a name (`areaDesc`, as the Home Front Command's "ירושלים - דרום") is the zone
    of that name when `zone_names` (zone id -> its names, in he/ar/en) gives exactly one zone
    so named, compared without niqqud or harakat, case, or the spacing of hyphens
    (`area_name_key`); one that names no zone (or several alike) is unplaced, and said. A message
    about another place, a test, a draft, or an operator order of another system yields no
    command, and the reason says which. A message whose event Magen cannot map raises
    CapUnknownEvent only if it touches the town. Anything unreadable, hostile or invalid
    raises CapError, and no command is returned.
    """
    msg = decode_cap(data)
    if msg.status not in {"Actual", "Exercise"}:
        return CapImport((), f"a {msg.status} message asks nothing of this town")
    if msg.msg_type in {"Ack", "Error"}:
        return CapImport((), f"an {msg.msg_type} message changes no alert")
    source = CapSource(sender=msg.sender, identifier=msg.identifier, sent=msg.sent)
    refs, notes = _bounded_references(msg.references)
    seed = f"{msg.sender}|{msg.identifier}|{msg.sent.isoformat()}"

    def command_id(n: int) -> uuid.UUID:
        return uuid.uuid5(CAP_IMPORT_NAMESPACE, f"{seed}|{n}")

    try:
        if msg.msg_type == "Cancel":
            end = EndAlert(command_id=command_id(0), references=refs, source=source)
            return CapImport((end,), references=refs, notes=notes)
        found = _commands(
            msg,
            source,
            refs,
            command_id=command_id,
            zones_for_area=zones_for_area,
            zone_geocode=zone_geocode,
            town_zones=town_zones,
            names=None if zone_names is None else zone_name_index(zone_names),
        )
        return replace(found, notes=(*notes, *found.notes)) if notes else found
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise CapError(f"the message cannot become an alert: {reasons}") from None


def _bounded_references(
    references: Sequence[CapRef],
) -> tuple[tuple[DomainCapRef, ...], tuple[str, ...]]:
    """The references a command keeps to find its alert, and a note if some are left out.

    A long alert's updates name every earlier message (Magen's own do): past
    `MAX_REFERENCES` the first (the alert itself) and the latest are kept, as any one the
    server knows finds the alert, and the import says how many were left out."""
    refs = tuple(
        dict.fromkeys(DomainCapRef(sender=r.sender, identifier=r.identifier) for r in references)
    )
    if len(refs) <= MAX_REFERENCES:
        return refs, ()
    kept = (refs[0], *refs[len(refs) - MAX_REFERENCES + 1 :])
    note = (
        f"the message references {len(refs)} earlier messages; the first and the latest "
        f"{MAX_REFERENCES - 1} are used to find its alert"
    )
    return kept, (note,)


def _commands(
    msg: CapMessage,
    source: CapSource,
    refs: tuple[DomainCapRef, ...],
    *,
    command_id: Callable[[int], uuid.UUID],
    zones_for_area: Callable[[Geometry], Sequence[str]],
    zone_geocode: str,
    town_zones: Container[str] | None,
    names: Mapping[str, tuple[str, ...]] | None,
) -> CapImport:
    groups: dict[tuple[bool, AlertCategory | None], _Group] = {}
    for info in msg.infos:
        if info.event_code(CODE_KIND) in {"override", "danger_area"}:
            continue  # another system's operator orders are not official alerts
        clear = _is_all_clear(info)
        groups.setdefault((clear, _category_of(info)), _Group()).infos.append(info)
    if not groups:
        reason = "another system's operator orders are not official alerts"
        return CapImport((), reason if msg.infos else "the message has no info block")

    # Where first, what second: a valid message about another place is not Magen's to read.
    placed = {
        key: _zones_and_areas(group.infos, zones_for_area, zone_geocode, town_zones, names)
        for key, group in groups.items()
    }
    unknown = groups.get((False, None))
    if unknown is not None and placed[(False, None)].zones:
        raise CapUnknownEvent(
            [i.event for i in unknown.infos], [c for i in unknown.infos for c in i.categories]
        )
    unplaced = tuple(dict.fromkeys(d for p in placed.values() for d in p.unplaced))

    out: list[ImportedCommand] = []
    for (clear, category), group in groups.items():
        cid, where = command_id(len(out)), placed[clear, category]
        command: ImportedCommand | None = None
        if clear:
            command = _clear_command(
                source=source, refs=refs, cid=cid, category=category, zones=where.zones
            )
        elif category is not None:  # else an event Magen cannot map, about another place
            command = _command(
                msg,
                source=source,
                refs=refs,
                cid=cid,
                category=category,
                group=group,
                placed=where,
            )
        if command is not None:
            out.append(command)
    if out:
        notes = tuple(dict.fromkeys(n for p in placed.values() for n in p.notes))
        return CapImport(tuple(out), unplaced=unplaced, references=refs, notes=notes)
    ambiguous = tuple(dict.fromkeys(d for p in placed.values() for d in p.ambiguous))
    reason = (
        _cannot_place(unplaced, by_name=names is not None, ambiguous=ambiguous)
        if unplaced
        else NOT_HERE
    )
    return CapImport((), reason, unplaced, refs)
