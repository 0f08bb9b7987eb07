"""PFIF 1.4: round trips, the field rules, hostile XML, and the mapping to Magen's records."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from magen.domain.base import Actor, Command, DecisionContext, Event, Recorded, decide, evolve
from magen.domain.casualties import RecordCasualty
from magen.domain.people import (
    Address,
    AgeRange,
    Build,
    Contact,
    Description,
    PersonName,
    Sex,
)
from magen.domain.persons import (
    AddPersonNote,
    CandidateKind,
    CheckInSurvivor,
    ConfirmMatch,
    MarkPersonSafe,
    NoteStatus,
    Persons,
    ProposeMatch,
    RecordNotification,
    ReportMissingPerson,
    report_id_for,
    survivor_id_for,
)
from magen.domain.state import State
from magen.domain.values import Role
from magen.people.pfif import (
    PFIF_NS,
    PfifDocument,
    PfifError,
    PfifNote,
    PfifPerson,
    check,
    describe,
    dumps,
    export_pfif,
    format_time,
    import_commands,
    parse,
    parse_time,
    validate,
    without_entry_dates,
)

T0 = datetime(2023, 10, 7, 9, 0, tzinfo=UTC)
ADMIN = Actor("acc_admin", Role.ADMIN)
REGISTRAR = Actor("acc_registrar", Role.REGISTRAR)
RESIDENT = Actor("acc_levi", Role.RESIDENT)
RESPONDER = Actor("acc_officer", Role.RESPONDER)

NOTE = PfifNote(
    note_record_id="magen.example.org/note.1",
    person_record_id="magen.example.org/mis.1",
    author_name="דנה לוי",
    source_date=datetime(2023, 10, 7, 8, 5, 30, tzinfo=UTC),
    text="Her phone was last online at 07:10.\nShe was wearing a green dress.",
    entry_date=T0,
    author_email="dana@example.org",
    author_phone="+972 50-123-4567",
    author_made_contact=False,
    status=NoteStatus.INFORMATION_SOUGHT,
    last_known_location="31.3134, 34.6201 (Tamar St)",
)
PERSON = PfifPerson(
    person_record_id="magen.example.org/mis.1",
    source_date=datetime(2023, 10, 7, 8, 0, tzinfo=UTC),
    full_name="נועה לוי\nNoa Levi",
    entry_date=T0,
    author_name="Dana Levi",
    author_email="dana@example.org",
    author_phone="(050) 123 4567",
    source_name="Magen Ofakim",
    source_url="https://magen.example.org/missing/1",
    given_name="Noa",
    family_name="Levi",
    alternate_names=("Noah Levy", "Ноа Леви", "نوعا ليفي", "โนอา เลวี"),
    description="Long red hair.\nGreen dress, silver necklace.",
    sex=Sex.FEMALE,
    date_of_birth="1990-03",
    age="33",
    home_street="Herzl",
    home_neighborhood="Mishor HaGefen",
    home_city="Ofakim",
    home_state="IL-D",
    home_postal_code="8751000",
    home_country="IL",
    photo_url="https://magen.example.org/p/1.jpg",
    profile_urls=("https://example.org/noa", "https://example.net/noa.levi"),
    notes=(NOTE,),
)
LOOSE_NOTE = PfifNote(
    note_record_id="personfinder.google.org/note.77",
    person_record_id="personfinder.google.org/person.12",
    author_name="Ahmad Abu Hamad",
    source_date=T0,
    text="I am safe at my cousin's house in Rahat.",
    status=NoteStatus.IS_NOTE_AUTHOR,
    linked_person_record_id="magen.example.org/mis.9",
)


def _pfif(body: str) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return f'{head}<pfif:pfif xmlns:pfif="{PFIF_NS}">{body}</pfif:pfif>'.encode()


MINIMAL_PERSON = (
    "<pfif:person><pfif:person_record_id>example.org/p1</pfif:person_record_id>"
    "<pfif:source_date>2023-10-07T06:30:00Z</pfif:source_date>"
    "<pfif:full_name>Yosef Cohen</pfif:full_name>{}</pfif:person>"
)
MINIMAL_NOTE = (
    "<pfif:note><pfif:note_record_id>example.org/n1</pfif:note_record_id>{}"
    "<pfif:author_name>Dana</pfif:author_name>"
    "<pfif:source_date>2023-10-07T07:00:00Z</pfif:source_date>"
    "<pfif:text>Seen at the bus station</pfif:text></pfif:note>"
)


# --- round trips --------------------------------------------------------------------------


def test_a_full_document_round_trips() -> None:
    doc = PfifDocument(persons=(PERSON,), notes=(LOOSE_NOTE,))
    data = dumps(doc)
    assert parse(data) == doc
    assert validate(data, canonical_order=True) == []
    root = etree.fromstring(data)
    assert root.tag == f"{{{PFIF_NS}}}pfif"
    assert root.nsmap == {"pfif": PFIF_NS}


def test_times_are_written_in_whole_seconds_utc_and_read_with_a_fraction() -> None:
    # Person Finder's importer takes only yyyy-mm-ddThh:mm:ssZ: the fraction is cut, not rounded.
    assert format_time(datetime(2023, 10, 7, 9, 0, 1, 5, tzinfo=UTC)) == "2023-10-07T09:00:01Z"
    assert (
        format_time(datetime(2023, 10, 7, 9, 0, 59, 999999, tzinfo=UTC)) == "2023-10-07T09:00:59Z"
    )
    assert (
        format_time(datetime(2023, 10, 7, 12, 0, tzinfo=UTC) + timedelta())
        == "2023-10-07T12:00:00Z"
    )
    assert parse_time("2023-10-07T06:30:00.1234567Z") == datetime(
        2023, 10, 7, 6, 30, 0, 123456, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="UTC"):
        parse_time("2023-10-07T06:30:00+03:00")
    with pytest.raises(PfifError, match="timezone-aware"):
        format_time(datetime(2023, 10, 7))


_ascii_id = st.builds(
    "{}.{}/{}".format,
    st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
    st.sampled_from(["org", "net", "il"]),
    st.text("ABCXYZabcxyz0123456789._-", min_size=1, max_size=12),
)
_text = (
    st.text(
        # What an XML document can hold: no controls, surrogates or non-characters (Cn).
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
_line_list = st.lists(_text, max_size=3).map(tuple)
_times = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))  # PFIF times are whole seconds
_opt_text = st.none() | _text
_opt_time = st.none() | _times
_note = st.builds(
    PfifNote,
    note_record_id=_ascii_id,
    author_name=_text,
    source_date=_times,
    text=_text,
    linked_person_record_id=st.none() | _ascii_id,
    entry_date=_opt_time,
    author_email=st.sampled_from([None, "a@b.org", "דנה@example.org"]),
    author_phone=st.sampled_from([None, "+972 50-123-4567", "(08) 6400111", "911"]),
    author_made_contact=st.none() | st.booleans(),
    status=st.none() | st.sampled_from(NoteStatus),
    email_of_found_person=st.sampled_from([None, "found@example.org"]),
    phone_of_found_person=st.sampled_from([None, "050 1234567"]),
    last_known_location=_opt_text,
    photo_url=st.sampled_from([None, "https://example.org/p.jpg"]),
)
_birth = st.dates(min_value=date(1900, 1, 1), max_value=date(2023, 1, 1)).flatmap(
    lambda d: st.sampled_from([d.isoformat(), d.isoformat()[:7], d.isoformat()[:4]])
)
_age = st.integers(0, 100).flatmap(lambda n: st.sampled_from([str(n), f"{n}-{n + 5}"]))


def _person_with(pid: str) -> st.SearchStrategy[PfifPerson]:
    return st.builds(
        PfifPerson,
        person_record_id=st.just(pid),
        source_date=_times,
        full_name=_text,
        entry_date=_opt_time,
        expiry_date=_opt_time,
        author_name=_opt_text,
        source_name=_opt_text,
        given_name=_opt_text,
        family_name=_opt_text,
        alternate_names=_line_list,
        description=_opt_text,
        sex=st.none() | st.sampled_from(Sex),
        date_of_birth=st.none() | _birth,
        age=st.none() | _age,
        home_city=_opt_text,
        home_country=st.sampled_from([None, "IL", "TH", "UA"]),
        profile_urls=st.lists(st.just("https://example.org/x"), max_size=2).map(tuple),
        notes=st.lists(
            _note.map(lambda n: replace(n, person_record_id=pid)),
            max_size=3,
            unique_by=lambda n: n.note_record_id,
        ).map(tuple),
    )


_person = _ascii_id.flatmap(_person_with)


@settings(max_examples=80, deadline=None)
@given(persons=st.lists(_person, min_size=1, max_size=3, unique_by=lambda p: p.person_record_id))
def test_any_valid_document_round_trips(persons: list[PfifPerson]) -> None:
    note_ids = [n.note_record_id for p in persons for n in p.notes]
    if len(set(note_ids)) != len(note_ids):
        return  # note ids must be unique across the document
    doc = PfifDocument(persons=tuple(persons))
    data = dumps(doc)
    assert validate(data, canonical_order=True) == []
    assert parse(data) == doc


def test_a_document_in_any_order_with_empty_fields_is_read() -> None:
    # Fields out of order, empty optional fields and padded values, as Person Finder writes.
    body = """
  <pfif:person>
    <pfif:full_name>  Yosef Cohen
    </pfif:full_name>
    <pfif:note>
      <pfif:text>Seen at the bus station</pfif:text>
      <pfif:email_of_found_person></pfif:email_of_found_person>
      <pfif:source_date>2023-10-07T07:00:00Z</pfif:source_date>
      <pfif:note_record_id>example.org/n1</pfif:note_record_id>
      <pfif:author_name>Dana</pfif:author_name>
      <pfif:author_made_contact>true</pfif:author_made_contact>
      <pfif:status>believed_alive</pfif:status>
    </pfif:note>
    <pfif:alternate_names>Yossi Cohen
Иосиф Коэн
    </pfif:alternate_names>
    <pfif:source_date>2023-10-07T06:30:00Z</pfif:source_date>
    <pfif:sex></pfif:sex>
    <pfif:person_record_id>example.org/p1</pfif:person_record_id>
  </pfif:person>"""
    data = _pfif(body)
    assert validate(data) == []
    assert "fields are not in the order" in " ".join(validate(data, canonical_order=True))
    [person] = parse(data).persons
    assert person.full_name == "Yosef Cohen"
    assert person.alternate_names == ("Yossi Cohen", "Иосиф Коэн")
    assert person.sex is None
    [note] = person.notes
    assert (note.person_record_id, note.author_made_contact, note.status) == (
        "example.org/p1",
        True,
        NoteStatus.BELIEVED_ALIVE,
    )
    assert note.email_of_found_person is None


# --- the field rules ----------------------------------------------------------------------

P = MINIMAL_PERSON.format
N = MINIMAL_NOTE.format
PID = "<pfif:person_record_id>example.org/p1</pfif:person_record_id>"
NO_SOURCE_DATE = MINIMAL_PERSON.replace(
    "<pfif:source_date>2023-10-07T06:30:00Z</pfif:source_date>", ""
)
NO_TEXT = MINIMAL_NOTE.replace("<pfif:text>Seen at the bus station</pfif:text>", "")
NO_AUTHOR = MINIMAL_NOTE.replace("<pfif:author_name>Dana</pfif:author_name>", "")
RULE_CASES = [
    ("missing person id", MINIMAL_PERSON.replace(PID, ""), "field person_record_id is missing"),
    (
        "missing source_date",
        NO_SOURCE_DATE,
        "person 1 (example.org/p1): required field source_date is missing",
    ),
    ("empty full_name", MINIMAL_PERSON.replace("Yosef Cohen", " "), "field full_name is empty"),
    ("twice", P("<pfif:sex>male</pfif:sex>" * 2), "field sex appears more than once"),
    ("unknown field", P("<pfif:first_name>Yosef</pfif:first_name>"), "unknown field <first_name>"),
    (
        "foreign element",
        P("<x:extra xmlns:x='urn:x'>1</x:extra>"),
        "element {urn:x}extra is not part of PFIF 1.4",
    ),
    (
        "nested element",
        P("<pfif:description><pfif:b>x</pfif:b></pfif:description>"),
        "field description must hold text only",
    ),
    (
        "upper-case domain",
        MINIMAL_PERSON.replace("example.org/p1", "Example.org/p1"),
        "person_record_id 'Example.org/p1' is not a record id",
    ),
    ("no slash", MINIMAL_PERSON.replace("example.org/p1", "p1"), "is not a record id"),
    ("time zone", MINIMAL_PERSON.replace("06:30:00Z", "06:30:00+03:00"), "is not a UTC time"),
    (
        "no such day",
        MINIMAL_PERSON.replace("2023-10-07T06", "2023-02-30T06"),
        "source_date '2023-02-30T06:30:00Z'",
    ),
    (
        "birth date shape",
        P("<pfif:date_of_birth>7/10/1990</pfif:date_of_birth>"),
        "is not a date of birth YYYY, YYYY-MM or YYYY-MM-DD",
    ),
    (
        "birth date",
        P("<pfif:date_of_birth>1990-13</pfif:date_of_birth>"),
        "date_of_birth '1990-13' is not a real date",
    ),
    ("age words", P("<pfif:age>about 30</pfif:age>"), "is not an age 'N' or a range 'N-M'"),
    ("age range", P("<pfif:age>40-30</pfif:age>"), "lower end is above its upper end"),
    ("sex", P("<pfif:sex>f</pfif:sex>"), "sex 'f' is not one of female, male, other"),
    (
        "country",
        P("<pfif:home_country>il</pfif:home_country>"),
        "is not a two-letter upper-case ISO 3166-1 country code",
    ),
    (
        "email",
        P("<pfif:author_email>dana.example.org</pfif:author_email>"),
        "is not an e-mail address",
    ),
    ("phone", P("<pfif:author_phone>call Dana</pfif:author_phone>"), "is not a phone number"),
    (
        "boolean",
        P(N("<pfif:author_made_contact>yes</pfif:author_made_contact>")),
        "author_made_contact 'yes' is not one of true, false",
    ),
    (
        "status",
        P(N("<pfif:status>found</pfif:status>")),
        "status 'found' is not one of information_sought",
    ),
    (
        "note text",
        P(NO_TEXT.format("")),
        "person 1 (example.org/p1), note 1 (example.org/n1): required field text is missing",
    ),
    (
        "note author",
        NO_AUTHOR.format(PID),
        "note 1 (example.org/n1): required field author_name is missing",
    ),
    ("loose note owner", N(""), "a note outside a person needs person_record_id"),
    (
        "other owner",
        P(N(PID.replace("p1", "p2"))),
        "person_record_id example.org/p2 is not the enclosing person's",
    ),
    ("person twice", P("") * 2, "person 2 (example.org/p1): person_record_id appears twice"),
    ("note twice", P(N("") * 2), "note_record_id example.org/n1 appears twice"),
    (
        "stray element",
        "<pfif:record/>",
        "unexpected element {http://zesty.ca/pfif/1.4}record in <pfif:pfif>",
    ),
    ("nothing", "", "at least one person or note"),
]


@pytest.mark.parametrize(("case", "body", "problem"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_each_rule_is_enforced_with_a_clear_problem(case: str, body: str, problem: str) -> None:
    data = _pfif(body)
    problems = validate(data)
    assert any(problem in p for p in problems), problems
    with pytest.raises(PfifError) as raised:
        parse(data)
    assert problem in str(raised.value)


def test_the_minimal_records_are_valid() -> None:
    loose = MINIMAL_NOTE.format("<pfif:person_record_id>example.org/p1</pfif:person_record_id>")
    assert validate(_pfif(MINIMAL_PERSON.format("") + loose), canonical_order=True) == []
    assert validate(_pfif(MINIMAL_PERSON.format(MINIMAL_NOTE.format("")))) == []


def test_order_rules_apply_only_when_asked() -> None:
    note_first = _pfif(
        MINIMAL_NOTE.format("<pfif:person_record_id>example.org/p1</pfif:person_record_id>")
        + MINIMAL_PERSON.format("")
    )
    assert validate(note_first) == []
    assert validate(note_first, canonical_order=True) == [
        "person 2 (example.org/p1): persons come before notes that stand alone"
    ]
    field_after_note = _pfif(
        MINIMAL_PERSON.format(MINIMAL_NOTE.format("") + "<pfif:sex>male</pfif:sex>")
    )
    assert validate(field_after_note) == []
    assert validate(field_after_note, canonical_order=True) == [
        "person 1 (example.org/p1): field sex comes after a note; fields come first"
    ]


def test_every_problem_is_listed() -> None:
    bad = MINIMAL_PERSON.format("<pfif:sex>f</pfif:sex><pfif:age>x</pfif:age>")
    with pytest.raises(PfifError) as raised:
        parse(_pfif(bad.replace("Yosef Cohen", "")))
    assert len(raised.value.problems) == 3


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            b"<pfif:pfif xmlns:pfif='http://zesty.ca/pfif/1.2'/>",
            "this is PFIF 1.2; Magen reads PFIF 1.4",
        ),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "expected a PFIF 1.4 document"),
        (b"<pfif:pfif xmlns:pfif='http://zesty.ca/pfif/1.4'>", "not well-formed"),
        (b"   ", "empty"),
    ],
)
def test_other_documents_are_refused(data: bytes, problem: str) -> None:
    with pytest.raises(PfifError, match=problem):
        parse(data)


def test_check_works_on_a_parsed_tree() -> None:
    root = etree.fromstring(dumps(PfifDocument(persons=(PERSON,))))
    assert check(root, canonical_order=True) == []


# --- hostile input ------------------------------------------------------------------------


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE pfif [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>
<pfif:person_record_id>example.org/p1</pfif:person_record_id>
<pfif:source_date>2023-10-07T06:30:00Z</pfif:source_date>
<pfif:full_name>&f;</pfif:full_name></pfif:person></pfif:pfif>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE pfif [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"><pfif:person>
<pfif:person_record_id>example.org/p1</pfif:person_record_id>
<pfif:source_date>2023-10-07T06:30:00Z</pfif:source_date>
<pfif:full_name>&secret;</pfif:full_name></pfif:person></pfif:pfif>"""

NETWORK_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE pfif SYSTEM "http://attacker.example/pfif.dtd">
<pfif:pfif xmlns:pfif="http://zesty.ca/pfif/1.4"/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, NETWORK_DTD])
def test_hostile_xml_is_refused(data: bytes) -> None:
    with pytest.raises(PfifError, match="declares a DTD, which is not allowed"):
        parse(data)
    assert validate(data) == ["the PFIF document declares a DTD, which is not allowed"]


def test_oversize_input_is_refused() -> None:
    with pytest.raises(PfifError, match="limit is 100"):
        parse(_pfif(MINIMAL_PERSON.format("")), max_bytes=100)


# --- writing refuses what PFIF cannot carry -----------------------------------------------


def test_dumps_refuses_records_that_break_the_rules() -> None:
    with pytest.raises(PfifError, match="is not a record id"):
        dumps(PfifDocument(persons=(PfifPerson("Not An Id", T0, "Name"),)))
    with pytest.raises(PfifError, match="required field full_name is empty"):
        dumps(PfifDocument(persons=(PfifPerson("example.org/p", T0, "  "),)))
    with pytest.raises(PfifError, match="at least one person or note"):
        dumps(PfifDocument())


def test_characters_xml_cannot_carry_are_dropped() -> None:
    person = PfifPerson("example.org/p", T0, "Noa\x00 Levi\x1b")
    [back] = parse(dumps(PfifDocument(persons=(person,)))).persons
    assert back.full_name == "Noa Levi"


# --- Magen's records in and out -----------------------------------------------------------


class Log:
    """Decide and evolve commands in memory."""

    def __init__(self) -> None:
        self.state = State()
        self.now = T0

    def run(self, actor: Actor, cmd: Command) -> list[Event]:
        events = decide(self.state, cmd, DecisionContext(actor, self.now))
        for e in events:
            r = Recorded(
                self.state.position + 1, uuid.uuid4(), self.now, actor, cmd.command_id, None, e
            )
            evolve(self.state, r)
        return events


def _magen() -> tuple[Log, dict[str, str]]:
    log = Log()
    ids: dict[str, str] = {}
    report = ReportMissingPerson(
        command_id=uuid.uuid4(),
        name=PersonName(
            full_name="נועה לוי", given_name="Noa", family_name="Levi", alternates=("Noa Levi",)
        ),
        date_of_birth="1990-03",
        description=Description(
            sex=Sex.FEMALE, build=Build.SLIGHT, hair="long, red", clothing="green dress"
        ),
        home=Address(street="Herzl", city="Ofakim", country="IL"),
        contact=Contact(name="Dana Levi", phone="050-1234567", email="dana@example.org"),
        last_seen_place="Tamar St",
    )
    log.run(REGISTRAR, report)
    ids["noa"] = report_id_for(report.command_id)
    log.now += timedelta(minutes=5)
    log.run(
        REGISTRAR,
        AddPersonNote(
            command_id=uuid.uuid4(),
            report_id=ids["noa"],
            author_name="Dana Levi",
            text="Her phone was last online at 07:10",
            status=NoteStatus.INFORMATION_SOUGHT,
        ),
    )
    survivor = CheckInSurvivor(
        command_id=uuid.uuid4(),
        name=PersonName(full_name="أحمد أبو حماد", alternates=("Ahmad Abu Hamad",)),
        age=AgeRange(min_years=40, max_years=45),
        place="Ofakim community centre",
    )
    log.now += timedelta(minutes=5)
    log.run(REGISTRAR, survivor)
    ids["ahmad"] = survivor_id_for(survivor.command_id)
    log.run(RESPONDER, RecordCasualty(command_id=uuid.uuid4(), tag="IL-0001", place="Secret St 1"))
    return log, ids


def test_export_maps_reports_and_survivors_but_never_casualties() -> None:
    log, ids = _magen()
    doc = export_pfif(log.state, domain="magen.example.org")
    data = dumps(doc)
    assert validate(data, canonical_order=True) == []
    assert b"IL-0001" not in data
    assert b"Secret St" not in data
    noa, ahmad = doc.persons
    assert noa.person_record_id == f"magen.example.org/{ids['noa']}"
    assert (noa.full_name, noa.given_name, noa.alternate_names) == (
        "נועה לוי",
        "Noa",
        ("Noa Levi",),
    )
    assert (noa.sex, noa.date_of_birth, noa.home_city, noa.home_country) == (
        Sex.FEMALE,
        "1990-03",
        "Ofakim",
        "IL",
    )
    assert noa.description == "Build: slight\nHair: long, red\nClothing: green dress"
    assert (noa.author_name, noa.author_phone, noa.author_email) == ("Dana Levi", None, None)
    assert noa.source_name == "Magen"
    [note] = noa.notes
    assert (note.status, note.author_name, note.person_record_id) == (
        NoteStatus.INFORMATION_SOUGHT,
        "Dana Levi",
        noa.person_record_id,
    )
    assert ahmad.age == "40-45"
    [checkin] = ahmad.notes
    assert (checkin.status, checkin.last_known_location) == (
        NoteStatus.BELIEVED_ALIVE,
        "Ofakim community centre",
    )
    with_contacts = export_pfif(log.state, domain="magen.example.org", include_contacts=True)
    assert with_contacts.persons[0].author_phone == "050-1234567"
    with pytest.raises(ValueError, match="lowercase domain"):
        export_pfif(log.state, domain="Magen Example")


def test_an_outcome_is_published_only_after_the_family_was_told() -> None:
    log, ids = _magen()
    log.run(
        ADMIN,
        ProposeMatch(
            command_id=uuid.uuid4(),
            report_id=ids["noa"],
            candidate_kind=CandidateKind.SURVIVOR,
            candidate_id=ids["ahmad"],
            score=0.5,
        ),
    )
    match_id = next(iter(log.state.slice(Persons).matches))
    log.run(
        REGISTRAR,
        ConfirmMatch(command_id=uuid.uuid4(), match_id=match_id, release="At the Soroka ward 7"),
    )
    assert len(export_pfif(log.state, domain="magen.example.org").persons[0].notes) == 1
    log.now += timedelta(minutes=30)
    log.run(
        REGISTRAR,
        RecordNotification(command_id=uuid.uuid4(), report_id=ids["noa"], match_id=match_id),
    )
    doc = export_pfif(log.state, domain="magen.example.org")
    outcome = doc.persons[0].notes[-1]
    assert (outcome.status, outcome.source_date) == (NoteStatus.BELIEVED_ALIVE, log.now)
    assert b"Soroka" not in dumps(doc)  # the registrar's words are for the family only


def test_import_brings_records_in_once_and_export_gives_them_back() -> None:
    source, _ = _magen()
    first = export_pfif(source.state, domain="magen.example.org")
    data = dumps(first)

    target = Log()
    target.now = T0 + timedelta(days=1)
    plan = import_commands(parse(data), target.state, now=target.now)
    assert plan.skipped == ()
    # The survivor checked in at the other desk is a report here, with that desk's note.
    assert [type(c).__name__ for c in plan.commands] == [
        "ReportMissingPerson",
        "ReportMissingPerson",
        "AddPersonNote",
        "AddPersonNote",
    ]
    for cmd in plan.commands:
        target.run(ADMIN, cmd)
    again = import_commands(parse(data), target.state, now=target.now)
    assert again.commands == ()
    assert {why for _, why in again.skipped} == {"already imported"}
    assert len(again.skipped) == 4

    second = export_pfif(target.state, domain="other.example.org")
    noa_before, _ = first.persons
    after = {p.person_record_id: p for p in second.persons}  # both filed at the same time
    noa_after = after[noa_before.person_record_id]
    ahmad_after = after[first.persons[1].person_record_id]
    # The report keeps its identity, provenance, name, details and notes.
    assert without_entry_dates(PfifDocument(persons=(noa_after,))) == without_entry_dates(
        PfifDocument(persons=(noa_before,))
    )
    [checkin] = ahmad_after.notes  # the other desk's note, as it wrote it
    assert checkin == replace(first.persons[1].notes[0], entry_date=None)
    assert (checkin.author_name, checkin.author_made_contact) == ("Magen registrar", True)
    assert checkin.last_known_location == "Ofakim community centre"
    assert describe(Description(other=noa_after.description or "")) == noa_after.description


def test_import_skips_expired_records_and_notes_of_unknown_people() -> None:
    expired = PfifPerson("example.org/gone", T0, "Gone Person", expiry_date=T0)
    alive = PfifPerson(
        "example.org/safe",
        T0,
        "Safe Person",
        notes=(
            PfifNote(
                "example.org/n1",
                "x",
                T0 - timedelta(hours=1),
                "missing",
                status=NoteStatus.BELIEVED_MISSING,
            ),
            PfifNote(
                "example.org/n2",
                "x",
                T0,
                "found her",
                status=NoteStatus.BELIEVED_ALIVE,
                last_known_location="Rahat",
            ),
        ),
    )
    orphan = PfifNote("example.org/n3", "x", T0, "seen", person_record_id="example.org/unknown")
    doc = PfifDocument(persons=(expired, alive), notes=(orphan,))
    plan = import_commands(doc, State(), now=T0 + timedelta(minutes=1))
    # Found by its latest note, yet a report: the notes say who said so.
    assert [type(c).__name__ for c in plan.commands] == [
        "ReportMissingPerson",
        "AddPersonNote",
        "AddPersonNote",
    ]
    assert plan.skipped == (
        ("example.org/gone", "expired"),
        ("example.org/n3", "its person example.org/unknown is not known here"),
    )


def test_import_reports_records_that_do_not_fit_magen() -> None:
    too_long = PfifPerson("example.org/long", T0, "x" * 300)
    plan = import_commands(PfifDocument(persons=(too_long,)), State(), now=T0)
    assert plan.commands == ()
    [(record, reason)] = plan.skipped
    assert record == "example.org/long"
    assert reason == "full_name: String should have at most 200 characters"


def test_duplicates_and_safe_reports_publish_a_note_and_descriptions_read_well() -> None:
    log, ids = _magen()
    family_safe = ReportMissingPerson(
        command_id=uuid.uuid4(),
        name=PersonName(full_name="Avi Levi"),
        contact=Contact(name="Dana Levi"),
        age=AgeRange.exactly(12),
        description=Description(height_cm=150, marks="scar on the left cheek"),
    )
    log.run(REGISTRAR, family_safe)
    safe_id = report_id_for(family_safe.command_id)
    log.run(REGISTRAR, MarkPersonSafe(command_id=uuid.uuid4(), report_id=safe_id))
    dup = ReportMissingPerson(
        command_id=uuid.uuid4(), name=PersonName(full_name="Noa Levy"), contact=Contact(name="Avi")
    )
    log.run(REGISTRAR, dup)
    dup_id = report_id_for(dup.command_id)
    log.run(
        ADMIN,
        ProposeMatch(
            command_id=uuid.uuid4(),
            report_id=dup_id,
            candidate_kind=CandidateKind.MISSING,
            candidate_id=ids["noa"],
            score=0.9,
        ),
    )
    match_id = next(reversed(log.state.slice(Persons).matches))
    log.run(REGISTRAR, ConfirmMatch(command_id=uuid.uuid4(), match_id=match_id))
    doc = export_pfif(log.state, domain="magen.example.org")
    assert validate(dumps(doc), canonical_order=True) == []
    by_id = {p.person_record_id: p for p in doc.persons}
    avi = by_id[f"magen.example.org/{safe_id}"]
    assert (avi.age, avi.description) == (
        "12",
        "Height: about 150 cm\nDistinguishing marks: scar on the left cheek",
    )
    assert (avi.notes[-1].status, avi.notes[-1].author_name) == (
        NoteStatus.BELIEVED_ALIVE,
        "Family",
    )
    duplicate = by_id[f"magen.example.org/{dup_id}"].notes[-1]
    assert duplicate.linked_person_record_id == f"magen.example.org/{ids['noa']}"
    assert duplicate.status is None


def test_import_of_a_person_without_status_notes_is_a_report_and_bad_notes_are_skipped() -> None:
    person = PfifPerson(
        "example.org/p",
        T0,
        "Yosef Cohen",
        notes=(
            PfifNote("example.org/n1", "x", T0, "no status"),
            PfifNote("example.org/n2", "y" * 300, T0, "an author name too long for Magen"),
        ),
    )
    plan = import_commands(PfifDocument(persons=(person,)), State(), now=T0)
    assert [type(c).__name__ for c in plan.commands] == ["ReportMissingPerson", "AddPersonNote"]
    [(record, reason)] = plan.skipped
    assert (record, reason) == (
        "example.org/n2",
        "author_name: String should have at most 200 characters",
    )
