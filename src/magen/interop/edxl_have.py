"""EDXL-HAVE 1.0 (OASIS Hospital AVailability Exchange): export and import of hospital status.

Export writes one `HospitalStatus` document for any number of hospitals, valid against the
official schema (`magen/standards/edxl-have-1.0/`). A hospital is named with a CIQ xNL
`OrganisationName` whose `OrganisationID` is Magen's hospital id, located with a GML point
("lat lon", WGS84), and carries the sections of its latest status.

Import parses untrusted XML safely, validates it against the same schema, and maps each
hospital back to a `HospitalStatus`; `status_commands` turns that into commands for the
hospitals Magen knows. Parts of EDXL-HAVE that Magen does not track (service coverage,
decontamination, EOC, 24-hour activity, sub-category beds) are accepted and ignored.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from lxml import etree
from pydantic import ValidationError

from magen.domain.hospitals import (
    AmbulanceOffload,
    BedCapacity,
    BedType,
    ClinicalStatus,
    EmsTraffic,
    FacilityStatus,
    Hospital,
    HospitalStatus,
    MorgueCapacity,
    MorgueStatus,
    OffloadStatus,
    ReportHospitalStatus,
    SecurityStatus,
    Staffing,
    TriageCensus,
)
from magen.domain.people import MAX_CLAIMED_AGE, MAX_FUTURE_SKEW
from magen.domain.values import GeoPoint
from magen.interop import XmlError, parse_untrusted_xml, plain_errors

HAVE_NS = "urn:oasis:names:tc:emergency:EDXL:HAVE:1.0"
GEO_NS = "urn:oasis:names:tc:emergency:EDXL:HAVE:1.0:geo-oasis"
GML_NS = "http://www.opengis.net/gml"
XNL_NS = "urn:oasis:names:tc:ciq:xnl:3"
XPIL_NS = "urn:oasis:names:tc:ciq:xpil:3"
DEFAULT_TRIAGE_LIST = "urn:oasis:names:tc:emergency:have:1.0:triagecolorcode"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "standards" / "edxl-have-1.0"
# Magen's hospital ids, named in xNL's OrganisationIDType so importers know what they are.
ID_TYPE = "MagenHospitalId"
# Commands made from an imported report get stable ids, so importing it twice is harmless.
_COMMAND_NAMESPACE = uuid.UUID("0b8f2a52-6f63-4c27-9f1e-3f2bd0c6a8a1")

_NSMAP = {None: HAVE_NS, "geo-oasis": GEO_NS, "gml": GML_NS, "xnl": XNL_NS, "xpil": XPIL_NS}
_COLOURS = (("red", "Red"), ("yellow", "Yellow"), ("green", "Green"), ("black", "Black"))


class EdxlError(XmlError):
    """An EDXL-HAVE document that cannot be read or written, with the reason."""


def _h(name: str) -> str:
    return f"{{{HAVE_NS}}}{name}"


@cache
def schema() -> etree.XMLSchema:
    """The EDXL-HAVE 1.0 schema with its imports, loaded from the package (no network)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "edxl-have.xsd"), parser))


def _time(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise EdxlError("times must be timezone-aware")
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- export -------------------------------------------------------------------------------


# Characters XML 1.0 cannot carry: C0 controls but tab, newline and return; lone surrogates;
# U+FFFE and U+FFFF. Text is refused with one at the door (`values.exchangeable`), but a log
# written before a field was checked may hold one.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """The text with each character XML cannot carry replaced by U+FFFD, so a value already in
    the log never breaks the export (the rest of what the hospital wrote still goes out)."""
    return _NOT_IN_XML.sub("\ufffd", text)


def _sub(parent: etree._Element, name: str, text: object = None) -> etree._Element:
    el = etree.SubElement(parent, _h(name))
    if text is not None:
        el.text = xml_text(str(text))
    return el


def _triage_count(parent: etree._Element, name: str, census: TriageCensus) -> None:
    """The colours the hospital reported; a colour it did not report has no TriageCode.

    EDXL-HAVE makes every TriageCode optional, and a consumer reads a TriageCountQuantity of
    0 as "none" (no room for green patients), which is not what an unreported colour says.
    A 0 in a report recorded before unreported colours were told apart is written as 0.
    """
    el = _sub(parent, name)
    _sub(el, "TriageCodeListURN", DEFAULT_TRIAGE_LIST)
    for field, code in _COLOURS:
        count = census.of(field)
        if count is None:
            continue
        entry = _sub(el, "TriageCode")
        _sub(entry, "TriageCodeValue", code)
        _sub(entry, "TriageCountQuantity", count)


def _organization(parent: etree._Element, h: Hospital) -> None:
    org = _sub(parent, "Organization")
    info = _sub(org, "OrganizationInformation")
    name = etree.SubElement(info, f"{{{XNL_NS}}}OrganisationName")
    name.set(f"{{{XNL_NS}}}OrganisationID", xml_text(h.hospital_id))
    name.set(f"{{{XNL_NS}}}OrganisationIDType", ID_TYPE)
    etree.SubElement(name, f"{{{XNL_NS}}}NameElement").text = xml_text(h.name)
    geo = _sub(org, "OrganizationGeoLocation")
    point = etree.SubElement(geo, f"{{{GML_NS}}}Point")
    etree.SubElement(point, f"{{{GML_NS}}}pos").text = f"{h.where.lat!r} {h.where.lon!r}"


def _emergency_department(parent: etree._Element, s: HospitalStatus) -> None:
    if s.ems_traffic is None and s.ems_capacity is None and s.census is None and not s.offload:
        return
    ed = _sub(parent, "EmergencyDepartmentStatus")
    if s.ems_traffic is not None:
        traffic = _sub(ed, "EMSTraffic")
        _sub(traffic, "EMSTrafficStatus", s.ems_traffic.value)
        if s.ems_traffic_reason:
            _sub(traffic, "EMSTrafficReason", s.ems_traffic_reason)
    if s.ems_capacity is not None:
        _triage_count(ed, "EMSCapacity", s.ems_capacity)
    if s.census is not None:
        _triage_count(ed, "EMSCensus", s.census)
    if s.offload is not None:
        offload = _sub(ed, "EMSAmbulanceStatus")
        _sub(offload, "EMSOffloadStatus", s.offload.status.value)
        if s.offload.minutes is not None:
            _sub(offload, "EMSOffloadMinutes", s.offload.minutes)


def _beds(parent: etree._Element, s: HospitalStatus) -> None:
    if not s.beds:
        return
    status = _sub(parent, "HospitalBedCapacityStatus")
    for bed in s.beds:
        entry = _sub(status, "BedCapacity")
        _sub(entry, "BedType", bed.bed_type.value)
        capacity = _sub(entry, "Capacity")
        _sub(capacity, "CapacityStatus", "Vacant/Available" if bed.available else "NotAvailable")
        _sub(capacity, "AvailableCount", bed.available)
        if bed.baseline is not None:
            _sub(capacity, "BaselineCount", bed.baseline)
        if bed.additional_24h is not None:
            _sub(capacity, "AdditionalCapacityCount24Hr", bed.additional_24h)


def _facility(parent: etree._Element, s: HospitalStatus) -> None:
    parts = (s.clinical, s.morgue, s.facility, s.security)
    if all(p is None for p in parts) and not s.comments:
        return
    facility = _sub(parent, "HospitalFacilityStatus")
    if s.clinical is not None:
        _sub(facility, "ClinicalStatus", s.clinical.value)
    if s.morgue is not None:
        morgue = _sub(facility, "MorgueCapacity")
        if s.morgue.status is not None:
            _sub(morgue, "MorgueCapacityStatus", s.morgue.status.value)
        if s.morgue.units is not None:
            _sub(morgue, "MorgueCapacityUnits", s.morgue.units)
    if s.facility is not None:
        _sub(facility, "FacilityStatus", s.facility.value)
    if s.security is not None:
        _sub(facility, "SecurityStatus", s.security.value)
    for comment in s.comments:
        _sub(facility, "CommentText", comment)


def export_have(hospitals: Iterable[Hospital]) -> bytes:
    """An EDXL-HAVE 1.0 `HospitalStatus` document for these hospitals (at least one)."""
    root = etree.Element(_h("HospitalStatus"), nsmap=_NSMAP)  # type: ignore[arg-type]
    for h in hospitals:
        entry = _sub(root, "Hospital")
        _organization(entry, h)
        _emergency_department(entry, h.status)
        _beds(entry, h.status)
        _facility(entry, h.status)
        if h.status.staffing is not None:
            _sub(_sub(entry, "HospitalResourcesStatus"), "Staffing", h.status.staffing.value)
        _sub(entry, "LastUpdateTime", _time(h.status_at or h.registered_at))
    if len(root) == 0:
        raise EdxlError("an EDXL-HAVE document reports at least one hospital")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# --- import -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HaveHospital:
    """One hospital read from an EDXL-HAVE document."""

    hospital_id: str | None  # the OrganisationID, when the sender gave one
    name: str
    where: GeoPoint | None
    status: HospitalStatus
    last_update: datetime


def _child(el: etree._Element, *path: str) -> etree._Element | None:
    for name in path:
        found = el.find(_h(name))
        if found is None:
            return None
        el = found
    return el


def _text(el: etree._Element, *path: str) -> str | None:
    found = _child(el, *path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _count(el: etree._Element, *path: str) -> int | None:
    text = _text(el, *path)
    if text is None:
        return None
    value = int(text)  # the schema has already checked it is an integer
    if value < 0:
        raise EdxlError(f"{'/'.join(path)} is negative ({value})")
    return value


def _read_triage(el: etree._Element | None, where: str) -> TriageCensus | None:
    """The counts by colour; a colour with no TriageCode is not reported (None, not 0)."""
    if el is None:
        return None
    listed = _text(el, "TriageCodeListURN")
    if listed not in (None, DEFAULT_TRIAGE_LIST):
        raise EdxlError(f"{where} uses the triage list {listed}; only the default colours are read")
    counts: dict[str, int] = {}
    names = {code: field for field, code in _COLOURS}
    for entry in el.iterfind(_h("TriageCode")):
        codes = [c.text.strip() for c in entry.iterfind(_h("TriageCodeValue")) if c.text]
        quantities = [q.text for q in entry.iterfind(_h("TriageCountQuantity"))]
        if len(codes) != len(quantities):
            raise EdxlError(f"{where}: every TriageCodeValue needs its TriageCountQuantity")
        for code, quantity in zip(codes, quantities, strict=True):
            value = int(str(quantity).strip())
            if value < 0:
                raise EdxlError(f"{where}: the {code} count is negative ({value})")
            counts[names[code]] = counts.get(names[code], 0) + value
    return TriageCensus(**counts) if counts else None


def _read_beds(el: etree._Element | None) -> tuple[BedCapacity, ...]:
    if el is None:
        return ()
    beds: dict[BedType, BedCapacity] = {}
    for entry in el.iterfind(_h("BedCapacity")):
        types = [t.text.strip() for t in entry.iterfind(_h("BedType")) if t.text]
        capacities = list(entry.iterfind(_h("Capacity")))
        for bed_type, capacity in zip(types, capacities, strict=False):
            available = _count(capacity, "AvailableCount")
            if available is None:
                not_available = _text(capacity, "CapacityStatus") == "NotAvailable"
                if not not_available:
                    continue  # neither a count nor "not available": nothing to record
                available = 0
            kind = BedType(bed_type)
            if kind in beds:
                raise EdxlError(f"bed type {bed_type} is reported twice for one hospital")
            beds[kind] = BedCapacity(
                bed_type=kind,
                available=available,
                baseline=_count(capacity, "BaselineCount"),
                additional_24h=_count(capacity, "AdditionalCapacityCount24Hr"),
            )
    return tuple(beds.values())


def _enum_text(el: etree._Element | None, *path: str) -> str | None:
    return _text(el, *path) or None if el is not None else None


def _read_offload(ed: etree._Element | None) -> AmbulanceOffload | None:
    status = _enum_text(ed, "EMSAmbulanceStatus", "EMSOffloadStatus")
    if ed is None or status is None:
        return None
    minutes = _count(ed, "EMSAmbulanceStatus", "EMSOffloadMinutes")
    return AmbulanceOffload(status=OffloadStatus(status), minutes=minutes)


def _read_morgue(facility: etree._Element | None) -> MorgueCapacity | None:
    morgue = _child(facility, "MorgueCapacity") if facility is not None else None
    if morgue is None:
        return None
    status = _enum_text(morgue, "MorgueCapacityStatus")
    return MorgueCapacity(
        status=MorgueStatus(status) if status else None,
        units=_count(morgue, "MorgueCapacityUnits"),
    )


def _read_status(h: etree._Element) -> HospitalStatus:
    ed = _child(h, "EmergencyDepartmentStatus")
    facility = _child(h, "HospitalFacilityStatus")
    traffic = _enum_text(ed, "EMSTraffic", "EMSTrafficStatus")
    clinical = _enum_text(facility, "ClinicalStatus")
    facility_status = _enum_text(facility, "FacilityStatus")
    security = _enum_text(facility, "SecurityStatus")
    staffing = _text(h, "HospitalResourcesStatus", "Staffing")
    comments = facility.iterfind(_h("CommentText")) if facility is not None else iter(())
    return HospitalStatus(
        ems_traffic=EmsTraffic(traffic) if traffic else None,
        ems_traffic_reason=(_enum_text(ed, "EMSTraffic", "EMSTrafficReason") or "")
        if traffic
        else "",
        ems_capacity=_read_triage(
            _child(ed, "EMSCapacity") if ed is not None else None, "EMSCapacity"
        ),
        census=_read_triage(_child(ed, "EMSCensus") if ed is not None else None, "EMSCensus"),
        offload=_read_offload(ed),
        beds=_read_beds(_child(h, "HospitalBedCapacityStatus")),
        clinical=ClinicalStatus(clinical) if clinical else None,
        morgue=_read_morgue(facility),
        facility=FacilityStatus(facility_status) if facility_status else None,
        security=SecurityStatus(security) if security else None,
        staffing=Staffing(staffing) if staffing else None,
        comments=tuple(c.text.strip() for c in comments if c.text and c.text.strip()),
    )


def _read_where(org: etree._Element) -> GeoPoint | None:
    pos = org.find(f"{_h('OrganizationGeoLocation')}/{{{GML_NS}}}Point/{{{GML_NS}}}pos")
    if pos is None or not pos.text:
        return None
    parts = pos.text.split()
    if len(parts) != 2:
        raise EdxlError(f"a hospital position is 'lat lon', not {pos.text!r}")
    return GeoPoint(lat=float(parts[0]), lon=float(parts[1]))


def _read_hospital(h: etree._Element) -> HaveHospital:
    org = _child(h, "Organization")
    assert org is not None  # the schema requires it
    name_el = org.find(f"{_h('OrganizationInformation')}/{{{XNL_NS}}}OrganisationName")
    assert name_el is not None  # the schema requires at least one
    parts = [e.text.strip() for e in name_el.iterfind(f"{{{XNL_NS}}}NameElement") if e.text]
    name = " ".join(p for p in parts if p)
    hospital_id = name_el.get(f"{{{XNL_NS}}}OrganisationID")
    updated = datetime.fromisoformat(str(_text(h, "LastUpdateTime")).replace("Z", "+00:00"))
    if updated.tzinfo is None:
        raise EdxlError(f"LastUpdateTime of {name or hospital_id} has no time zone")
    return HaveHospital(
        hospital_id=hospital_id.strip() if hospital_id else None,
        name=name,
        where=_read_where(org),
        status=_read_status(h),
        last_update=updated.astimezone(UTC),
    )


def import_have(data: bytes, *, max_bytes: int = 5 * 1024 * 1024) -> list[HaveHospital]:
    """Read an EDXL-HAVE 1.0 document from outside: safely parsed and schema-validated."""
    root = parse_untrusted_xml(data, what="EDXL-HAVE", error=EdxlError, max_bytes=max_bytes)
    if root.tag != _h("HospitalStatus"):
        raise EdxlError(f"expected an EDXL-HAVE 1.0 HospitalStatus, found {root.tag}")
    try:
        schema().assertValid(root)
    except etree.DocumentInvalid as exc:
        raise EdxlError(f"not valid EDXL-HAVE 1.0: {exc}") from None
    out: list[HaveHospital] = []
    for index, h in enumerate(root.iterfind(_h("Hospital")), start=1):
        try:
            out.append(_read_hospital(h))
        except ValidationError as exc:
            raise EdxlError(f"hospital {index}: {plain_errors(exc)}") from None
        except ValueError as exc:  # EdxlError is a ValueError too
            raise EdxlError(f"hospital {index}: {exc}") from None
    return out


@dataclass(frozen=True, slots=True)
class StatusImport:
    """What an imported document asks of the log, hospital by hospital."""

    commands: list[ReportHospitalStatus]  # a newer status for a known hospital
    unknown: list[str]  # hospitals this server does not know (by id, else by name)
    current: list[str]  # known hospitals whose status at that time, or a later one, is recorded
    # Known hospitals with a different status at the very time already recorded: a correction
    # sent without a newer LastUpdateTime, which "current" would silently drop.
    conflicting: list[str] = dataclasses.field(default_factory=list)


def status_commands(
    hospitals: Iterable[HaveHospital],
    known: Mapping[str, Hospital],
    *,
    now: datetime | None = None,
) -> StatusImport:
    """Commands reporting each imported status that is newer than the one recorded.

    A hospital is recognised by its OrganisationID, else by its exact name. A status whose
    LastUpdateTime is not after the one already recorded (the same document imported again,
    by anyone, or an older one) is `current`, not a command, so a second import changes
    nothing and is not a conflict; one at the very time recorded that would change what is
    recorded is `conflicting` (a correction needs a newer LastUpdateTime). Command ids derive
    from the hospital and its LastUpdateTime, so two imports racing each other still report
    once.

    With `now`, a document the log would refuse part of is refused whole, before anything is
    reported (else the hospitals before the refused one were recorded under an error): a
    LastUpdateTime the domain does not take (more than 5 minutes ahead of now, or more than
    30 days before it), or two newer statuses for one hospital.
    """
    by_name = {h.name: h.hospital_id for h in known.values()}
    out = StatusImport(commands=[], unknown=[], current=[])
    reported: dict[str, datetime] = {}
    for h in hospitals:
        hospital_id = h.hospital_id if h.hospital_id in known else by_name.get(h.name)
        if hospital_id is None:
            out.unknown.append(h.hospital_id or h.name)
            continue
        if h.status.is_empty():
            continue
        recorded = known[hospital_id].status_at
        if recorded is not None and h.last_update <= recorded:
            held = known[hospital_id].status
            if h.last_update == recorded and held.merged(h.status) != held:
                out.conflicting.append(hospital_id)
            else:
                out.current.append(hospital_id)
            continue
        if now is not None:
            _check_time(h, now)
            if hospital_id in reported:
                raise EdxlError(
                    f"{hospital_id} is reported twice, at {_time(reported[hospital_id])} and "
                    f"{_time(h.last_update)}: report each hospital once"
                )
            reported[hospital_id] = h.last_update
        key = f"{hospital_id}|{_time(h.last_update)}"
        out.commands.append(
            ReportHospitalStatus(
                command_id=uuid.uuid5(_COMMAND_NAMESPACE, key),
                hospital_id=hospital_id,
                status=h.status,
                observed_at=h.last_update,
            )
        )
    return out


def _check_time(h: HaveHospital, now: datetime) -> None:
    who = h.hospital_id or h.name
    if h.last_update - now > MAX_FUTURE_SKEW:  # as the domain's observed_time
        raise EdxlError(
            f"the LastUpdateTime of {who} ({_time(h.last_update)}) is in the future; "
            "check the sender's clock"
        )
    if now - h.last_update > MAX_CLAIMED_AGE:
        raise EdxlError(
            f"the LastUpdateTime of {who} ({_time(h.last_update)}) is more than 30 days ago"
        )
