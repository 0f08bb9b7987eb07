"""PFIF 1.4 (People Finder Interchange Format): persons and notes in and out, with its rules.

PFIF 1.4 (http://zesty.ca/pfif/1.4, 29 May 2012) is specified by a RELAX NG schema embedded in
its specification; no XSD exists. `check` applies that schema's rules and the data model's
prose: the required fields (person: person_record_id, source_date, full_name; note:
note_record_id, author_name, source_date, text; a note outside a person also needs
person_record_id, and inside one it must match it), each field at most once, no unknown
elements, and the formats: record ids "lowercase.domain/local-id", times
"YYYY-MM-DDThh:mm:ssZ" in UTC (a fraction of a second is read, never written), dates of
birth YYYY, YYYY-MM or YYYY-MM-DD, ages "N" or "N-M", sex female/male/other, two-letter
upper-case country codes, e-mail and phone shapes, author_made_contact true/false, and the
five note statuses. PFIF says the order of fields
is not significant; `check(..., canonical_order=True)` also requires the specification's
order, which is how `dumps` writes. Empty optional fields are read as absent, as Person Finder
(the reference implementation) writes them.

`parse` reads untrusted XML safely (no DTD, no entities, no network, size limit) and raises
`PfifError` listing every rule broken. `export_pfif` maps Magen's reports and survivors to
PFIF (casualties never leave: their details are released only by registrars), and
`import_commands` maps a PFIF document to domain commands with stable ids, so importing the
same document twice adds nothing: every person becomes a missing-person report, never a
survivor check-in, and every note is kept with its id and author (who said what). A record
in Magen's own domain is never imported: Magen's export sent back adds nothing, and a note
from elsewhere on one of Magen's persons joins that report.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Final, Literal

from lxml import etree
from pydantic import ValidationError

from magen.domain.base import Command
from magen.domain.people import (
    MAX_PROVENANCE_AHEAD,
    RECORD_ID,
    Address,
    AgeRange,
    Contact,
    Description,
    PersonName,
    Provenance,
    Sex,
)
from magen.domain.persons import (
    AddPersonNote,
    CandidateKind,
    Match,
    MatchStatus,
    MissingReport,
    NoteStatus,
    Outcome,
    Persons,
    ReportMissingPerson,
    ReportStatus,
    Survivor,
    report_id_for,
)
from magen.domain.state import State
from magen.interop import XmlError, parse_untrusted_xml, plain_errors

PFIF_NS: Final = "http://zesty.ca/pfif/1.4"
MIME_TYPE: Final = "application/pfif+xml"
_OLD_VERSIONS = {f"http://zesty.ca/pfif/1.{n}": f"1.{n}" for n in (1, 2, 3)}
_COMMAND_NAMESPACE = uuid.UUID("3c1f5f0e-2b8a-4f0e-a5a4-7d0f8c6e9b21")
MAX_PROBLEMS_SHOWN = 20
# The largest document `parse` reads (a feed or a whole repository's export is megabytes).
MAX_PFIF_BYTES: Final = 50 * 1024 * 1024

Kind = Literal[
    "record_id", "time", "text", "email", "phone", "url", "sex", "approx_date", "approx_age",
    "country", "boolean", "status",
]  # fmt: skip

# (field, kind, required), in the order of the specification.
PERSON_FIELDS: Final[tuple[tuple[str, Kind, bool], ...]] = (
    ("person_record_id", "record_id", True),
    ("entry_date", "time", False),
    ("expiry_date", "time", False),
    ("author_name", "text", False),
    ("author_email", "email", False),
    ("author_phone", "phone", False),
    ("source_name", "text", False),
    ("source_date", "time", True),
    ("source_url", "url", False),
    ("full_name", "text", True),
    ("given_name", "text", False),
    ("family_name", "text", False),
    ("alternate_names", "text", False),
    ("description", "text", False),
    ("sex", "sex", False),
    ("date_of_birth", "approx_date", False),
    ("age", "approx_age", False),
    ("home_street", "text", False),
    ("home_neighborhood", "text", False),
    ("home_city", "text", False),
    ("home_state", "text", False),
    ("home_postal_code", "text", False),
    ("home_country", "country", False),
    ("photo_url", "url", False),
    ("profile_urls", "text", False),
)
NOTE_FIELDS: Final[tuple[tuple[str, Kind, bool], ...]] = (
    ("note_record_id", "record_id", True),
    ("person_record_id", "record_id", False),
    ("linked_person_record_id", "record_id", False),
    ("entry_date", "time", False),
    ("author_name", "text", True),
    ("author_email", "email", False),
    ("author_phone", "phone", False),
    ("source_date", "time", True),
    ("author_made_contact", "boolean", False),
    ("status", "status", False),
    ("email_of_found_person", "email", False),
    ("phone_of_found_person", "phone", False),
    ("last_known_location", "text", False),
    ("text", "text", True),
    ("photo_url", "url", False),
)
_MULTILINE = frozenset({"alternate_names", "profile_urls"})

_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$")
_EMAIL = re.compile(r"^.+@.+$", re.DOTALL)
_PHONE = re.compile(r"^[-+()\d ]+$")
_APPROX_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_APPROX_AGE = re.compile(r"^(\d+)(?:-(\d+))?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# XML 1.0 cannot carry these characters at all, escaped or not.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class PfifError(XmlError):
    """A PFIF document that breaks the format's rules; `problems` lists each one."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(self.problems[:MAX_PROBLEMS_SHOWN])
        more = len(self.problems) - MAX_PROBLEMS_SHOWN
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))


# --- the model ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PfifNote:
    """A PFIF note record: what someone learnt about a person, and when."""

    note_record_id: str
    author_name: str
    source_date: datetime
    text: str
    person_record_id: str | None = None
    linked_person_record_id: str | None = None
    entry_date: datetime | None = None
    author_email: str | None = None
    author_phone: str | None = None
    author_made_contact: bool | None = None
    status: NoteStatus | None = None
    email_of_found_person: str | None = None
    phone_of_found_person: str | None = None
    last_known_location: str | None = None
    photo_url: str | None = None


@dataclass(frozen=True, slots=True)
class PfifPerson:
    """A PFIF person record with the notes nested in it."""

    person_record_id: str
    source_date: datetime
    full_name: str  # several full names are separated by newlines, most used first
    entry_date: datetime | None = None
    expiry_date: datetime | None = None
    author_name: str | None = None
    author_email: str | None = None
    author_phone: str | None = None
    source_name: str | None = None
    source_url: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    alternate_names: tuple[str, ...] = ()
    description: str | None = None
    sex: Sex | None = None
    date_of_birth: str | None = None
    age: str | None = None  # "N" or "N-M" years, as of source_date
    home_street: str | None = None
    home_neighborhood: str | None = None
    home_city: str | None = None
    home_state: str | None = None
    home_postal_code: str | None = None
    home_country: str | None = None
    photo_url: str | None = None
    profile_urls: tuple[str, ...] = ()
    notes: tuple[PfifNote, ...] = ()


@dataclass(frozen=True, slots=True)
class PfifDocument:
    """Persons (with their notes) and notes that stand outside any person."""

    persons: tuple[PfifPerson, ...] = ()
    notes: tuple[PfifNote, ...] = ()


# --- the rules ----------------------------------------------------------------------------


def format_time(dt: datetime) -> str:
    """A PFIF time: UTC, 'YYYY-MM-DDThh:mm:ssZ', the fraction of a second cut off.

    PFIF 1.4 writes whole seconds, and Person Finder's importer refuses anything else
    ("Bad datetime": the record is skipped), so Magen's microseconds never go out.
    """
    if dt.tzinfo is None:
        raise PfifError(["PFIF times must be timezone-aware"])
    return f"{dt.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"


def parse_time(text: str) -> datetime:
    """A PFIF time as an aware datetime; fractions beyond microseconds are dropped."""
    match = _TIME.match(text)
    if match is None:
        raise ValueError("is not a UTC time like 2023-10-07T06:30:00Z")
    whole = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S")
    micro = int((match.group(2) or "0")[:6].ljust(6, "0"))
    return whole.replace(microsecond=micro, tzinfo=UTC)


def _time_rule(text: str) -> None:
    parse_time(text)


def _any_text(text: str) -> None:
    """Free text and URLs: PFIF puts no rule on them beyond being present."""


def _approx_date(text: str) -> None:
    if not _APPROX_DATE.match(text):
        raise ValueError("is not a date of birth YYYY, YYYY-MM or YYYY-MM-DD")
    parts = [int(p) for p in text.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise ValueError("is not a real date") from None


def _approx_age(text: str) -> None:
    match = _APPROX_AGE.match(text)
    if match is None:
        raise ValueError("is not an age 'N' or a range 'N-M'")
    if match.group(2) is not None and int(match.group(1)) > int(match.group(2)):
        raise ValueError("is a range whose lower end is above its upper end")


def _record_id(text: str) -> None:
    if not RECORD_ID.match(text):
        raise ValueError("is not a record id 'lowercase.domain/local-id' in ASCII")


def _pattern(regex: re.Pattern[str], what: str) -> Callable[[str], None]:
    def check(text: str) -> None:
        if not regex.match(text):
            raise ValueError(f"is not {what}")

    return check


def _one_of(allowed: Iterable[str]) -> Callable[[str], None]:
    values = tuple(allowed)

    def check(text: str) -> None:
        if text not in values:
            raise ValueError(f"is not one of {', '.join(values)}")

    return check


_CHECKS: Mapping[Kind, Callable[[str], None]] = {
    "record_id": _record_id,
    "time": _time_rule,
    "text": _any_text,
    "url": _any_text,
    "email": _pattern(_EMAIL, "an e-mail address"),
    "phone": _pattern(_PHONE, "a phone number (digits, spaces, '+', '-', brackets)"),
    "sex": _one_of(s.value for s in Sex),
    "approx_date": _approx_date,
    "approx_age": _approx_age,
    "country": _pattern(_COUNTRY, "a two-letter upper-case ISO 3166-1 country code"),
    "boolean": _one_of(("true", "false")),
    "status": _one_of(s.value for s in NoteStatus),
}


def _p(name: str) -> str:
    return f"{{{PFIF_NS}}}{name}"


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _values(
    el: etree._Element,
    rules: tuple[tuple[str, Kind, bool], ...],
    label: str,
    problems: list[str],
    *,
    canonical_order: bool,
    holds_notes: bool = False,
) -> tuple[dict[str, str], set[str]]:
    """Check one record's fields: the present fields' stripped text, and the fields found bad."""
    order = {name: i for i, (name, _, _) in enumerate(rules)}
    kinds = {name: kind for name, kind, _ in rules}
    values: dict[str, str] = {}
    bad: set[str] = set()
    seen: list[str] = []
    after_note = False
    for child in el:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        if qname.namespace != PFIF_NS:
            problems.append(f"{label}: element {child.tag} is not part of PFIF 1.4")
            continue
        name = qname.localname
        if holds_notes and name == "note":
            after_note = True
            continue
        if name not in kinds:
            problems.append(f"{label}: unknown field <{name}>")
            continue
        if name in seen:
            problems.append(f"{label}: field {name} appears more than once")
            continue
        seen.append(name)
        if canonical_order and after_note:
            problems.append(f"{label}: field {name} comes after a note; fields come first")
        if len(child):
            problems.append(f"{label}: field {name} must hold text only")
            bad.add(name)
            continue
        text = (child.text or "").strip()
        if not text:
            continue  # empty optional fields mean "not given"; required ones are caught below
        try:
            _CHECKS[kinds[name]](text)
        except ValueError as exc:
            problems.append(f"{label}: {name} {text[:60]!r} {exc}")
            bad.add(name)
            continue
        values[name] = text
    _missing_required(rules, values, bad=bad, seen=seen, label=label, problems=problems)
    if canonical_order and [order[n] for n in seen] != sorted(order[n] for n in seen):
        problems.append(f"{label}: fields are not in the order of the PFIF 1.4 specification")
    return values, bad


def _missing_required(
    rules: tuple[tuple[str, Kind, bool], ...],
    values: Mapping[str, str],
    *,
    bad: set[str],
    seen: list[str],
    label: str,
    problems: list[str],
) -> None:
    for name, _, required in rules:
        if not required or name in values or name in bad:
            continue
        state = "is empty" if name in seen else "is missing"
        problems.append(f"{label}: required field {name} {state}")


def _check_note(
    note: etree._Element,
    label: str,
    problems: list[str],
    *,
    parent_id: str | None,
    in_person: bool,
    canonical_order: bool,
) -> dict[str, str]:
    values, bad = _values(note, NOTE_FIELDS, label, problems, canonical_order=canonical_order)
    owner = values.get("person_record_id")
    if not in_person and owner is None and "person_record_id" not in bad:
        problems.append(f"{label}: a note outside a person needs person_record_id")
    if in_person and owner is not None and parent_id is not None and owner != parent_id:
        problems.append(f"{label}: person_record_id {owner} is not the enclosing person's")
    return values


def _check(root: etree._Element, *, canonical_order: bool) -> list[str]:
    problems: list[str] = []
    if root.tag != _p("pfif"):
        namespace = etree.QName(root).namespace or ""
        if namespace in _OLD_VERSIONS and _local(root) == "pfif":
            return [f"this is PFIF {_OLD_VERSIONS[namespace]}; Magen reads PFIF 1.4 ({PFIF_NS})"]
        return [f"expected a PFIF 1.4 document (<pfif:pfif> in {PFIF_NS}), found {root.tag}"]
    person_ids: set[str] = set()
    note_ids: set[str] = set()
    records = 0
    loose_notes = False
    for child in root:
        if not isinstance(child.tag, str):
            continue
        records += 1
        if child.tag == _p("person"):
            label = _label(f"person {records}", child, "person_record_id")
            if canonical_order and loose_notes:
                problems.append(f"{label}: persons come before notes that stand alone")
            values, _ = _values(
                child, PERSON_FIELDS, label, problems,
                canonical_order=canonical_order, holds_notes=True,
            )  # fmt: skip
            pid = values.get("person_record_id")
            if pid is not None:
                if pid in person_ids:
                    problems.append(f"{label}: person_record_id appears twice in the document")
                person_ids.add(pid)
            nested = (n for n in child if n.tag == _p("note"))
            for n, note in enumerate(nested, start=1):
                note_label = _label(f"{label}, note {n}", note, "note_record_id")
                note_values = _check_note(
                    note, note_label, problems, parent_id=pid, in_person=True,
                    canonical_order=canonical_order,
                )  # fmt: skip
                _unique_note(note_values, note_ids, note_label, problems)
        elif child.tag == _p("note"):
            loose_notes = True
            label = _label(f"note {records}", child, "note_record_id")
            note_values = _check_note(
                child, label, problems, parent_id=None, in_person=False,
                canonical_order=canonical_order,
            )  # fmt: skip
            _unique_note(note_values, note_ids, label, problems)
        else:
            problems.append(f"unexpected element {child.tag} in <pfif:pfif>")
    if records == 0:
        problems.append("a PFIF document holds at least one person or note")
    return problems


def _label(base: str, el: etree._Element, id_field: str) -> str:
    """Name a record in problems by its position and, when it has one, its id."""
    record_id = (el.findtext(_p(id_field)) or "").strip()
    return f"{base} ({record_id[:80]})" if record_id else base


def _unique_note(values: dict[str, str], seen: set[str], label: str, problems: list[str]) -> None:
    nid = values.get("note_record_id")
    if nid is None:
        return
    if nid in seen:
        problems.append(f"{label}: note_record_id {nid} appears twice in the document")
    seen.add(nid)


def check(root: etree._Element, *, canonical_order: bool = False) -> list[str]:
    """Every PFIF 1.4 rule the document breaks, in plain words (empty when valid)."""
    return _check(root, canonical_order=canonical_order)


def validate(data: bytes, *, canonical_order: bool = False) -> list[str]:
    """Parse untrusted bytes safely and list every PFIF 1.4 rule they break."""
    try:
        root = parse_untrusted_xml(data, what="PFIF", error=XmlError)
    except XmlError as exc:
        return [str(exc)]
    return check(root, canonical_order=canonical_order)


# --- reading ------------------------------------------------------------------------------


def _lines(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    return tuple(line.strip() for line in text.split("\n") if line.strip())


def _note_from(values: Mapping[str, str], parent_id: str | None) -> PfifNote:
    made_contact = values.get("author_made_contact")
    status = values.get("status")
    entry = values.get("entry_date")
    return PfifNote(
        note_record_id=values["note_record_id"],
        author_name=values["author_name"],
        source_date=parse_time(values["source_date"]),
        text=values["text"],
        person_record_id=values.get("person_record_id") or parent_id,
        linked_person_record_id=values.get("linked_person_record_id"),
        entry_date=parse_time(entry) if entry else None,
        author_email=values.get("author_email"),
        author_phone=values.get("author_phone"),
        author_made_contact=None if made_contact is None else made_contact == "true",
        status=NoteStatus(status) if status else None,
        email_of_found_person=values.get("email_of_found_person"),
        phone_of_found_person=values.get("phone_of_found_person"),
        last_known_location=values.get("last_known_location"),
        photo_url=values.get("photo_url"),
    )


def _person_from(values: Mapping[str, str], notes: tuple[PfifNote, ...]) -> PfifPerson:
    simple = {
        name: values.get(name)
        for name, kind, _ in PERSON_FIELDS
        if kind not in {"time", "sex"} and name not in _MULTILINE
    }
    entry, expiry, sex = values.get("entry_date"), values.get("expiry_date"), values.get("sex")
    return PfifPerson(
        **{k: v for k, v in simple.items() if k not in {"person_record_id", "full_name"}},
        person_record_id=values["person_record_id"],
        full_name=values["full_name"],
        source_date=parse_time(values["source_date"]),
        entry_date=parse_time(entry) if entry else None,
        expiry_date=parse_time(expiry) if expiry else None,
        sex=Sex(sex) if sex else None,
        alternate_names=_lines(values.get("alternate_names")),
        profile_urls=_lines(values.get("profile_urls")),
        notes=notes,
    )


def _field_values(el: etree._Element) -> dict[str, str]:
    return {
        _local(c): (c.text or "").strip()
        for c in el
        if isinstance(c.tag, str) and etree.QName(c).namespace == PFIF_NS and (c.text or "").strip()
    }


def parse(data: bytes, *, max_bytes: int = MAX_PFIF_BYTES) -> PfifDocument:
    """Read a PFIF 1.4 document from outside; raise PfifError naming every rule it breaks."""
    try:
        root = parse_untrusted_xml(data, what="PFIF", error=XmlError, max_bytes=max_bytes)
    except XmlError as exc:
        raise PfifError([str(exc)]) from None
    problems = check(root)
    if problems:
        raise PfifError(problems)
    persons: list[PfifPerson] = []
    notes: list[PfifNote] = []
    for child in root:
        if child.tag == _p("person"):
            values = _field_values(child)
            pid = values["person_record_id"]
            nested = tuple(_note_from(_field_values(n), pid) for n in child if n.tag == _p("note"))
            persons.append(_person_from(values, nested))
        elif child.tag == _p("note"):
            notes.append(_note_from(_field_values(child), None))
    return PfifDocument(tuple(persons), tuple(notes))


# --- writing ------------------------------------------------------------------------------


def _text_of(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "\n".join(value) if value else None
    if isinstance(value, Sex | NoteStatus):
        return value.value
    return str(value)


def _write_fields(
    parent: etree._Element, record: object, rules: tuple[tuple[str, Kind, bool], ...]
) -> None:
    for name, _, required in rules:
        text = _text_of(getattr(record, name))
        if text is None and not required:
            continue
        etree.SubElement(parent, _p(name)).text = _NOT_XML.sub("", text or "")


def _write_note(parent: etree._Element, note: PfifNote) -> None:
    _write_fields(etree.SubElement(parent, _p("note")), note, NOTE_FIELDS)


def dumps(doc: PfifDocument) -> bytes:
    """The PFIF 1.4 XML of a document, fields in the specification's order; refuses bad data."""
    root = etree.Element(_p("pfif"), nsmap={"pfif": PFIF_NS})
    for person in doc.persons:
        el = etree.SubElement(root, _p("person"))
        _write_fields(el, person, PERSON_FIELDS)
        for note in person.notes:
            _write_note(el, note)
    for note in doc.notes:
        _write_note(root, note)
    problems = check(root, canonical_order=True)
    if problems:
        raise PfifError(problems)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@dataclass(frozen=True, slots=True)
class Written:
    """A document as `dumps_writable` wrote it, and the records it left out."""

    data: bytes | None  # None when no record could be written (PFIF has no empty document)
    left_out: tuple[tuple[str, str], ...]  # (record id, the rules it breaks), in order


def _person_problems(person: PfifPerson) -> list[str]:
    el = etree.Element(_p("person"))
    _write_fields(el, person, PERSON_FIELDS)
    problems: list[str] = []
    label = f"person {person.person_record_id[:80]}"
    _values(el, PERSON_FIELDS, label, problems, canonical_order=True, holds_notes=True)
    return problems


def _note_problems(note: PfifNote, parent_id: str | None) -> list[str]:
    el = etree.Element(_p("note"))
    _write_fields(el, note, NOTE_FIELDS)
    problems: list[str] = []
    _check_note(
        el, f"note {note.note_record_id[:80]}", problems,
        parent_id=parent_id, in_person=parent_id is not None, canonical_order=True,
    )  # fmt: skip
    return problems


def _writable_notes(
    notes: Iterable[PfifNote],
    parent_id: str | None,
    note_ids: set[str],
    left_out: list[tuple[str, str]],
) -> tuple[PfifNote, ...]:
    kept = []
    for note in notes:
        nid = note.note_record_id
        problems = _note_problems(note, parent_id)
        if not problems and nid in note_ids:
            problems = [f"note {nid[:80]}: note_record_id appears twice in the document"]
        if problems:
            left_out.append((nid, "; ".join(problems)))
            continue
        note_ids.add(nid)
        kept.append(note)
    return tuple(kept)


def dumps_writable(doc: PfifDocument) -> Written:
    """`dumps` of every record that can be written validly; each other one is left out and
    named with the rules it breaks (a person with its notes), so that one bad record (a note
    written before PFIF's required fields were asked for) never stops the rest."""
    left_out: list[tuple[str, str]] = []
    person_ids: set[str] = set()
    note_ids: set[str] = set()
    persons = []
    for person in doc.persons:
        pid = person.person_record_id
        problems = _person_problems(person)
        if not problems and pid in person_ids:
            problems = [f"person {pid[:80]}: person_record_id appears twice in the document"]
        if problems:
            left_out.append((pid, "; ".join(problems)))
            left_out.extend(
                (n.note_record_id, f"its person {pid} was left out") for n in person.notes
            )
            continue
        person_ids.add(pid)
        notes = _writable_notes(person.notes, pid, note_ids, left_out)
        persons.append(replace(person, notes=notes))
    loose = _writable_notes(doc.notes, None, note_ids, left_out)
    if not persons and not loose:
        return Written(None, tuple(left_out))
    return Written(dumps(PfifDocument(tuple(persons), loose)), tuple(left_out))


# --- from Magen's state -------------------------------------------------------------------

_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$")
REGISTRAR_AUTHOR = "Magen registrar"


def describe(d: Description) -> str:
    """A description as free text, the way PFIF carries it (sex and age have own fields)."""
    parts = []
    if d.build is not None:
        parts.append(f"Build: {d.build.value}")
    if d.height_cm is not None:
        parts.append(f"Height: about {d.height_cm} cm")
    for label, value in (
        ("Hair", d.hair),
        ("Eyes", d.eyes),
        ("Clothing", d.clothing),
        ("Distinguishing marks", d.marks),
    ):
        if value:
            parts.append(f"{label}: {value}")
    if d.other:
        parts.append(d.other)
    return "\n".join(parts)


def _age_text(age: AgeRange | None) -> str | None:
    if age is None:
        return None
    if age.min_years == age.max_years:
        return str(age.min_years)
    return f"{age.min_years}-{age.max_years}"


def _or_none(text: str) -> str | None:
    return text or None


def check_domain(domain: str) -> str:
    """`domain` when it can name this repository's records (a lowercase domain name), else
    ValueError: what an export names its records with, and an import recognises as its own."""
    if not _DOMAIN.match(domain):
        raise ValueError(f"{domain!r} is not a lowercase domain name")
    return domain


def _record_id_of(domain: str, local: str, source: Provenance | None) -> str:
    return source.record_id if source is not None else f"{domain}/{local}"


def _withdrawn_links(persons: Persons) -> dict[str, list[Match]]:
    """Report id -> its confirmed duplicate links since withdrawn (not the same person) whose
    correction may be exported: none while a family told through the link waits to be told
    it was wrong (`_correction_due`)."""
    out: dict[str, list[Match]] = {}
    for m in persons.matches.values():
        if (
            m.candidate_kind is CandidateKind.MISSING
            and m.status is MatchStatus.WITHDRAWN
            and _correction_due(persons, m.match_id)
        ):
            out.setdefault(m.report_id, []).append(m)
    return out


def _correction_due(persons: Persons, match_id: str) -> bool:
    """Whether the correction of a withdrawn match may be public: no family told of it (or of
    an outcome through it) is still waiting to be told it was wrong. A family reads that from a
    registrar first, never on a partner's public page; with no family told, at once."""
    return match_id not in persons.to_tell_again.values()


def _duplicate_links(persons: Persons) -> dict[str, list[Match]]:
    """Per report, its duplicate links ever confirmed (standing or withdrawn), first confirmed
    first, from one pass over the matches. A report stands on one link at a time, and a
    link's `decided_at` is when it was confirmed or, once withdrawn, when it was withdrawn,
    before the next could be confirmed: ordering by it (a withdrawn one first at the same
    instant) is confirmation order."""
    out: dict[str, list[Match]] = {}
    for m in persons.matches.values():
        if m.candidate_kind is CandidateKind.MISSING and m.status in (
            MatchStatus.CONFIRMED,
            MatchStatus.WITHDRAWN,
        ):
            out.setdefault(m.report_id, []).append(m)
    for links in out.values():
        links.sort(key=lambda m: (m.decided_at or m.proposed_at, m.status is MatchStatus.CONFIRMED))
    return out


def _duplicate_note_id(report: MissingReport, links: Sequence[Match], domain: str) -> str:
    """The id of the note of the report's standing link (`links`: the report's, as
    `_duplicate_links` gives them): `duplicate.<report>` for its first link,
    `duplicate.<report>.<match>` for a later one (after a link withdrawn), so an id once
    exported never comes to say "same person as" another report."""
    if len(links) <= 1:
        return f"{domain}/duplicate.{report.report_id}"
    return f"{domain}/duplicate.{report.report_id}.{links[-1].match_id}"


def _unlinked_note(persons: Persons, m: Match, domain: str, record_id: str) -> PfifNote:
    """The correction of a duplicate link withdrawn: its `duplicate.<report>` note (or
    `duplicate.<report>.<match>`), exported while it stood, left the export, and a registry
    that imported it still has it."""
    other = persons.missing.get(m.candidate_id)
    other_id = (
        _record_id_of(domain, other.report_id, other.source)
        if other is not None
        else f"{domain}/{m.candidate_id}"
    )
    at = m.decided_at or m.proposed_at
    return PfifNote(
        note_record_id=f"{domain}/withdrawn.{m.match_id}",
        person_record_id=record_id,
        author_name=REGISTRAR_AUTHOR,
        source_date=at,
        status=NoteStatus.INFORMATION_SOUGHT,
        text=(
            f"A registrar withdrew the finding that this is the same person as {other_id} "
            f"at {format_time(at)}: not the same person; the search goes on."
        ),
    )


def _report_notes(
    persons: Persons,
    report: MissingReport,
    domain: str,
    record_id: str,
    *,
    unlinked: Iterable[Match] = (),
    links: Sequence[Match] = (),
) -> tuple[PfifNote, ...]:
    notes = [
        PfifNote(
            note_record_id=n.source_record_id or f"{domain}/{n.note_id}",
            person_record_id=record_id,
            linked_person_record_id=n.linked_record_id,
            author_name=n.author_name,
            source_date=n.at,
            author_made_contact=n.author_made_contact,
            status=n.status,
            last_known_location=_or_none(n.last_known_location),
            text=n.text,
        )
        for n in report.notes
    ]
    if report.status is ReportStatus.DUPLICATE and report.duplicate_of in persons.missing:
        primary = persons.missing[report.duplicate_of]
        primary_id = _record_id_of(domain, primary.report_id, primary.source)
        notes.append(
            PfifNote(
                note_record_id=_duplicate_note_id(report, links, domain),
                person_record_id=record_id,
                linked_person_record_id=primary_id,
                author_name=REGISTRAR_AUTHOR,
                source_date=report.closed_at or report.reported_at,
                text=f"A registrar confirmed this is the same person as {primary_id}.",
            )
        )
    notes.extend(_unlinked_note(persons, m, domain, record_id) for m in unlinked)
    notes.extend(_outcome_notes(persons, report, domain, record_id))
    return tuple(notes)


def _told_outcomes(persons: Persons, report: MissingReport) -> list[tuple[str, Outcome, datetime]]:
    """Each outcome of this report's own confirmed matches its family was told of, first
    told first in the log's order: (match id, outcome, when that first telling says it was),
    whether it still stands, has since changed (a death, a discharge) or its match was
    withdrawn.

    The order is the log's (each telling's `position`), never the time a telling claims
    (`at`, which a registrar may set back): a telling recorded later, however dated, never
    takes the place (the id) or changes the date of one exported before, even one that lost a
    race and went to `told_before` after newer tellings were in `notifications`."""
    first: dict[tuple[str, Outcome], datetime] = {}
    tellings = sorted((*report.told_before, *report.notifications), key=lambda n: n.position)
    for n in tellings:
        if n.match_id is None or n.outcome is None:
            continue
        m = persons.matches.get(n.match_id)
        if m is None or m.report_id != report.report_id:
            continue  # a duplicate's family told of its primary's outcome: that report's note
        first.setdefault((n.match_id, n.outcome), n.at)
    return [(mid, o, at) for (mid, o), at in first.items()]


def _outcome_notes(
    persons: Persons,
    report: MissingReport,
    domain: str,
    record_id: str,
    *,
    every: bool = False,
) -> list[PfifNote]:
    """The public status of a report: the outcome as it stands once its family has been told
    of it (never before), a correction for each match the family was told of and that has
    since been withdrawn, and the family's own word that the person is safe. With `every`,
    also the notes of outcomes told and since changed (what earlier exports held).

    Each told outcome is a note of its own, so a partner registry that imported an earlier
    one also gets a later death or discharge: the first told keeps `outcome.<report>` (as in
    exports made before an outcome could change), a later one is
    `outcome.<report>.<match>.<outcome>` ("first" in the order the tellings were recorded).
    A withdrawn match the family had been told of is `withdrawn.<match>`, seeking information
    again, dated when it was withdrawn, once no family is waiting to be told it was wrong."""
    notes: list[PfifNote] = []
    told = _told_outcomes(persons, report)
    withdrawn: dict[str, datetime] = {}
    for i, (match_id, outcome, at) in enumerate(told):
        m = persons.matches[match_id]
        if (
            m.status is MatchStatus.WITHDRAWN
            and m.decided_at is not None
            and (every or _correction_due(persons, match_id))
        ):
            withdrawn[match_id] = m.decided_at
        stands = (
            report.status is ReportStatus.FOUND
            and report.outcome_match == match_id
            and report.outcome is outcome
        )
        if not (stands or every):
            continue
        notes.append(
            PfifNote(
                note_record_id=(
                    f"{domain}/outcome.{report.report_id}"
                    if i == 0
                    else f"{domain}/outcome.{report.report_id}.{match_id}.{outcome.value}"
                ),
                person_record_id=record_id,
                author_name=REGISTRAR_AUTHOR,
                source_date=at,
                status=(
                    NoteStatus.BELIEVED_DEAD
                    if outcome is Outcome.DECEASED
                    else NoteStatus.BELIEVED_ALIVE
                ),
                text=(
                    "A registrar confirmed this and informed the family."
                    if i == 0
                    else "The person's condition changed after it was confirmed; "
                    "a registrar informed the family."
                ),
            )
        )
    for match_id, at in withdrawn.items():
        notes.append(
            PfifNote(
                note_record_id=f"{domain}/withdrawn.{match_id}",
                person_record_id=record_id,
                author_name=REGISTRAR_AUTHOR,
                source_date=at,
                status=NoteStatus.INFORMATION_SOUGHT,
                text=(
                    "A registrar withdrew the outcome given earlier for this person at "
                    f"{format_time(at)} (it was a wrong identification); the search goes on."
                ),
            )
        )
    notes.sort(key=lambda n: n.source_date)
    if report.status is ReportStatus.SAFE and report.closed_at is not None:
        notes.append(
            PfifNote(
                # `outcome.<report>` unless a told outcome (since withdrawn) had it.
                note_record_id=f"{domain}/outcome.{report.report_id}" + (".safe" if told else ""),
                person_record_id=record_id,
                author_name="Family",
                source_date=report.closed_at,
                status=NoteStatus.BELIEVED_ALIVE,
                text="The family reported this person safe.",
            )
        )
    return notes


def _report_person(
    persons: Persons,
    report: MissingReport,
    *,
    domain: str,
    source_name: str,
    include_contacts: bool,
    unlinked: Iterable[Match] = (),
    links: Sequence[Match] = (),
) -> PfifPerson:
    src = report.source
    record_id = _record_id_of(domain, report.report_id, src)
    contact = report.contact
    home = report.home or Address()
    description = describe(report.description)
    return PfifPerson(
        person_record_id=record_id,
        entry_date=report.reported_at,
        author_name=contact.name if contact else (_or_none(src.author_name) if src else None),
        author_email=_or_none(contact.email) if contact and include_contacts else None,
        author_phone=_or_none(contact.phone) if contact and include_contacts else None,
        source_name=(src.source_name or None) if src else source_name,
        source_date=src.source_date if src else report.reported_at,
        source_url=_or_none(src.source_url) if src else None,
        full_name=report.name.full_name,
        given_name=report.name.given_name,
        family_name=report.name.family_name,
        alternate_names=report.name.alternates,
        description=description or None,
        sex=report.description.sex,
        date_of_birth=report.date_of_birth,
        age=_age_text(report.age),
        home_street=_or_none(home.street),
        home_neighborhood=_or_none(home.neighborhood),
        home_city=_or_none(home.city),
        home_state=_or_none(home.state),
        home_postal_code=_or_none(home.postal_code),
        home_country=_or_none(home.country),
        notes=_report_notes(persons, report, domain, record_id, unlinked=unlinked, links=links),
    )


def _check_in_note(s: Survivor, domain: str, record_id: str) -> PfifNote | None:
    """The note a check-in at Magen makes: the person's own word, or the desk's first-hand
    contact. None for a survivor record that came from another repository (PFIF imports
    before every person became a report): nobody here saw that person, and the notes it
    came with were not kept, so there is no note Magen could truthfully write."""
    if s.source is not None:
        return None
    where = f" at {s.place}" if s.place else ""
    return PfifNote(
        note_record_id=f"{domain}/checkin.{s.survivor_id}",
        person_record_id=record_id,
        author_name=s.name.full_name if s.self_reported else REGISTRAR_AUTHOR,
        source_date=s.checked_in_at,
        status=NoteStatus.IS_NOTE_AUTHOR if s.self_reported else NoteStatus.BELIEVED_ALIVE,
        author_made_contact=None if s.self_reported else True,
        # A shelter is named, never given as coordinates (people there may be hiding).
        last_known_location=s.place or None,
        text=f"Checked in safe{where}.",
    )


def _survivor_person(s: Survivor, *, domain: str, source_name: str) -> PfifPerson:
    src = s.source
    record_id = _record_id_of(domain, s.survivor_id, src)
    note = _check_in_note(s, domain, record_id)
    description = describe(s.description)
    return PfifPerson(
        person_record_id=record_id,
        entry_date=s.checked_in_at,
        author_name=_or_none(src.author_name) if src else None,
        source_name=(src.source_name or None) if src else source_name,
        source_date=src.source_date if src else s.checked_in_at,
        source_url=_or_none(src.source_url) if src else None,
        full_name=s.name.full_name,
        given_name=s.name.given_name,
        family_name=s.name.family_name,
        alternate_names=s.name.alternates,
        description=description or None,
        sex=s.description.sex,
        date_of_birth=s.date_of_birth,
        age=_age_text(s.age),
        notes=() if note is None else (note,),
    )


def export_pfif(
    state: State, *, domain: str, source_name: str = "Magen", include_contacts: bool = False
) -> PfifDocument:
    """Missing-person reports and survivors as PFIF persons with notes.

    `domain` names this repository in new record ids. Contacts' phone numbers and e-mail
    addresses stay out unless `include_contacts`. Outcomes appear only once a registrar has
    recorded telling the family. Casualties are not exported.
    """
    check_domain(domain)
    persons = state.slice(Persons)
    reports = sorted(persons.missing.values(), key=lambda r: (r.reported_at, r.report_id))
    survivors = sorted(persons.survivors.values(), key=lambda s: (s.checked_in_at, s.survivor_id))
    unlinked = _withdrawn_links(persons)
    links = _duplicate_links(persons)
    out = [
        _report_person(
            persons,
            r,
            domain=domain,
            source_name=source_name,
            include_contacts=include_contacts,
            unlinked=unlinked.get(r.report_id, ()),
            links=links.get(r.report_id, ()),
        )
        for r in reports
    ]
    out.extend(_survivor_person(s, domain=domain, source_name=source_name) for s in survivors)
    return PfifDocument(persons=tuple(out))


# --- into Magen's state -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportStep:
    """The command that brings in one PFIF record.

    `person` names the person record whose report a note joins when that report is made by
    this same plan: if the person is refused, the note cannot be recorded either.
    """

    record_id: str
    command: Command
    person: str | None = None


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """The commands that bring a PFIF document into Magen, and what was left out and why."""

    steps: tuple[ImportStep, ...]
    skipped: tuple[tuple[str, str], ...]  # (record id, reason)

    @property
    def commands(self) -> tuple[Command, ...]:
        return tuple(step.command for step in self.steps)


ALREADY_IMPORTED = "already imported"
# A record in Magen's own domain that names one of its records: Magen wrote it (an export
# sent back, a feed that echoes it), so it is already here and is never imported again.
ALREADY_HERE = "already here: Magen's own record"
# The domain Magen names its own records with when the export is not told another one.
DEFAULT_DOMAIN: Final = "magen.local"


def command_id_for(record_id: str) -> uuid.UUID:
    """The stable id of the command that imports a PFIF record."""
    return uuid.uuid5(_COMMAND_NAMESPACE, record_id)


def _name(p: PfifPerson) -> PersonName:
    full = _lines(p.full_name)
    return PersonName(
        full_name=full[0] if full else p.full_name,
        given_name=p.given_name,
        family_name=p.family_name,
        alternates=full[1:] + p.alternate_names,
    )


def _age(text: str | None) -> AgeRange | None:
    if text is None:
        return None
    low, _, high = text.partition("-")
    return AgeRange(min_years=int(low), max_years=int(high or low))


def _person_command(p: PfifPerson) -> ReportMissingPerson:
    """Every PFIF person becomes a missing-person report, whatever its notes say.

    In Magen a survivor is someone checked in first-hand: by themselves from their own
    account, or by a registrar or shelter who saw them. A PFIF record is what its authors
    wrote elsewhere; even a believed_alive or is_note_author note is a claim this desk has
    not checked (PFIF's own author_made_contact is often false: a neighbour's hearsay). So
    the person is a report whose notes say who said what, and the registrar decides, by a
    match or by marking the report safe, as with a family's own "they are safe".
    """
    source = Provenance(
        record_id=p.person_record_id,
        source_date=p.source_date,
        source_name=p.source_name or "",
        source_url=p.source_url or "",
        author_name=p.author_name or "",
    )
    contact = None
    if p.author_name:
        contact = Contact(
            name=p.author_name, phone=p.author_phone or "", email=p.author_email or ""
        )
    home = Address(
        street=p.home_street or "",
        neighborhood=p.home_neighborhood or "",
        city=p.home_city or "",
        state=p.home_state or "",
        postal_code=p.home_postal_code or "",
        country=p.home_country or "",
    )
    return ReportMissingPerson(
        command_id=command_id_for(p.person_record_id),
        name=_name(p),
        date_of_birth=p.date_of_birth,
        age=_age(p.age),
        description=Description(sex=p.sex, other=p.description or ""),
        source=source,
        contact=contact,
        home=None if home.is_empty() else home,
    )


def _note_command(note: PfifNote, report_id: str) -> AddPersonNote:
    return AddPersonNote(
        command_id=command_id_for(note.note_record_id),
        report_id=report_id,
        author_name=note.author_name,
        text=note.text,
        status=note.status,
        last_known_location=note.last_known_location or "",
        linked_record_id=note.linked_person_record_id,
        author_made_contact=note.author_made_contact,
        at=note.source_date,
        source_record_id=note.note_record_id,
    )


# Why a note whose person is not a report here is not imported, by what the person is.
_SURVIVOR_NOTE = (
    "its person {} is a survivor check-in here (imported by an earlier Magen), "
    "which keeps no notes: a registrar should look at it"
)
_OWN_SURVIVOR_NOTE = (
    "its person {} is a survivor checked in here, which keeps no notes: "
    "a registrar should look at it"
)


@dataclass(frozen=True, slots=True)
class _Own:
    """The record ids Magen writes in its own `domain` (see `export_pfif`) for what it holds:
    person ids to the report (None for a survivor) and every note id it writes."""

    domain: str
    persons: dict[str, str | None]
    notes: frozenset[str]

    def claims(self, record_id: str | None) -> bool:
        """Whether the id is in Magen's own domain (only Magen writes such ids)."""
        return record_id is not None and record_id.startswith(f"{self.domain}/")

    @property
    def unknown(self) -> str:
        """Why a record in Magen's domain that names nothing held here is not imported."""
        return (
            f"its id is in Magen's own domain {self.domain} but names no record here "
            "(Magen wrote no such record, so it is not imported)"
        )


def _own_records(persons: Persons, domain: str) -> _Own:
    """Magen's own record ids in `domain`, as `export_pfif` writes them, for what is held now."""
    ids: dict[str, str | None] = {f"{domain}/{rid}": rid for rid in persons.missing}
    ids.update({f"{domain}/{sid}": None for sid in persons.survivors})
    notes = {
        f"{domain}/{n.note_id}"
        for r in persons.missing.values()
        for n in r.notes
        if n.source_record_id is None
    }
    for rid, report in persons.missing.items():
        notes.update((f"{domain}/duplicate.{rid}", f"{domain}/outcome.{rid}"))
        notes.update(
            n.note_record_id for n in _outcome_notes(persons, report, domain, rid, every=True)
        )
    notes.update(f"{domain}/checkin.{sid}" for sid in persons.survivors)
    notes.update(
        f"{domain}/withdrawn.{mid}"
        for mid, m in persons.matches.items()
        if m.status is MatchStatus.WITHDRAWN
    )
    notes.update(
        f"{domain}/duplicate.{m.report_id}.{mid}"
        for mid, m in persons.matches.items()
        if m.candidate_kind is CandidateKind.MISSING
        and m.status in (MatchStatus.CONFIRMED, MatchStatus.WITHDRAWN)
    )
    return _Own(domain, ids, frozenset(notes))


def _future_entry(entry_date: datetime | None, now: datetime) -> str | None:
    """Why a record entered in its repository over a day after `now` (MAX_PROVENANCE_AHEAD:
    its clock and time zone, not ours) is not imported; None for any other."""
    if entry_date is None or entry_date - now <= MAX_PROVENANCE_AHEAD:
        return None
    return f"its entry_date {format_time(entry_date)} is in the future"


def _not_now(p: PfifPerson, now: datetime) -> str | None:
    """Why a person is not imported at `now` (expired, or entered in the future), or None."""
    if p.expiry_date is not None and p.expiry_date <= now:
        return "expired"
    return _future_entry(p.entry_date, now)


def _note_left_out(
    owner: str | None,
    note: PfifNote,
    left_out: set[str],
    reports: Mapping[str, str | None],
    now: datetime,
) -> str | None:
    """Why a new note is not imported for want of its person, or for its entry date."""
    if owner in left_out:
        return f"its person {owner} was skipped"
    if (future := _future_entry(note.entry_date, now)) is not None:
        return future
    if owner is None or owner not in reports:
        return f"its person {owner} is not known here"
    return None


def import_commands(
    doc: PfifDocument, state: State, *, now: datetime, domain: str = DEFAULT_DOMAIN
) -> ImportPlan:
    """Commands that bring a PFIF document into Magen, and every record left out, with why.

    Each new person becomes a missing-person report (see `_person_command`) and each new note
    a note on its person's report, keeping its note_record_id, author, status and
    author_made_contact: PFIF notes are records of who said what. A note may come inside its
    person or on its own, in this document or a later one. Left out, each named in
    `skipped`: records already imported, expired persons (PFIF requires they are no longer
    shown) and their notes, records entered in the future (an entry_date beyond the clock
    skew the domain allows) and a person's notes with it, records that do not fit Magen's
    fields, and notes whose person is not a report here.

    `domain` is Magen's own, as its export names records (`export_pfif`): a record with an id
    in it is Magen's and is never imported. One that names a report, survivor or note held
    here is skipped as `ALREADY_HERE` (an export sent back adds nothing) and a note on such a
    person joins that report itself (a Person Finder note on a Magen record); one that names
    nothing held here is skipped as unknown, with its person's notes.
    """
    check_domain(domain)
    persons = state.slice(Persons)
    planning = _Planning(
        own=_own_records(persons, domain),
        now=now,
        imported_notes={
            n.source_record_id
            for r in persons.missing.values()
            for n in r.notes
            if n.source_record_id
        },
        reports={
            record_id: (local if local in persons.missing else None)
            for record_id, local in persons.by_source.items()
        },
    )
    # Magen's own ids come first: a copy an earlier import made of one of them is not it.
    planning.reports.update(planning.own.persons)
    for p in doc.persons:
        planning.person(p)
    nested = [(p.person_record_id, n) for p in doc.persons for n in p.notes]
    loose = [(n.person_record_id, n) for n in doc.notes]
    for owner, note in nested + loose:
        planning.note(owner, note)
    return ImportPlan(tuple(planning.steps), tuple(planning.skipped))


@dataclass(slots=True)
class _Planning:
    """One `import_commands` under way: what it plans and leaves out, record by record."""

    own: _Own
    now: datetime
    imported_notes: set[str]  # note record ids held here (imported) or planned
    # person record id -> its report id, or None when it is a survivor here
    reports: dict[str, str | None]
    steps: list[ImportStep] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    new_persons: set[str] = field(default_factory=set)
    left_out: set[str] = field(default_factory=set)  # persons whose notes stay out too

    def _skip(self, record_id: str, why: str, *, with_notes: bool = False) -> None:
        self.skipped.append((record_id, why))
        if with_notes:
            self.left_out.add(record_id)

    def person(self, p: PfifPerson) -> None:
        pid = p.person_record_id
        if (not_now := _not_now(p, self.now)) is not None:
            self._skip(pid, not_now, with_notes=True)
        elif pid in self.own.persons:
            self._skip(pid, ALREADY_HERE)
        elif self.own.claims(pid):
            self._skip(pid, self.own.unknown, with_notes=True)
        elif pid in self.reports:
            self._skip(pid, ALREADY_IMPORTED)
        else:
            try:
                cmd = _person_command(p)
            except ValidationError as exc:
                self._skip(pid, plain_errors(exc), with_notes=True)
                return
            self.steps.append(ImportStep(pid, cmd))
            self.reports[pid] = report_id_for(cmd.command_id)
            self.new_persons.add(pid)

    def _held(self, nid: str) -> str | None:
        """Why a note is not imported for being held here already (or claiming to be)."""
        if nid in self.own.notes:
            return ALREADY_HERE
        if nid in self.imported_notes:
            return ALREADY_IMPORTED
        return self.own.unknown if self.own.claims(nid) else None

    def note(self, owner: str | None, note: PfifNote) -> None:
        nid = note.note_record_id
        why = self._held(nid) or _note_left_out(owner, note, self.left_out, self.reports, self.now)
        if why is not None:
            self._skip(nid, why)
            return
        report_id = self.reports.get(owner or "")
        if report_id is None:
            survivor = _OWN_SURVIVOR_NOTE if owner in self.own.persons else _SURVIVOR_NOTE
            self._skip(nid, survivor.format(owner))
            return
        try:
            cmd = _note_command(note, report_id)
        except ValidationError as exc:
            self._skip(nid, plain_errors(exc))
            return
        self.steps.append(ImportStep(nid, cmd, owner if owner in self.new_persons else None))
        self.imported_notes.add(nid)


def without_entry_dates(doc: PfifDocument) -> PfifDocument:
    """The document with every entry_date cleared (they are local to each repository)."""
    return PfifDocument(
        persons=tuple(
            replace(
                p,
                entry_date=None,
                notes=tuple(replace(n, entry_date=None) for n in p.notes),
            )
            for p in doc.persons
        ),
        notes=tuple(replace(n, entry_date=None) for n in doc.notes),
    )
