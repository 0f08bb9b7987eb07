"""EDXL-HAVE: a triage colour a hospital did not report stays unreported, never a count of 0.

EDXL-HAVE 1.0 makes each `TriageCode` optional; a consumer reads `TriageCountQuantity` 0 as
"none" (no room for green patients), which is not what a hospital that said nothing said.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from lxml import etree

from magen.app.codec import decode
from magen.domain.base import Actor, Recorded, evolve
from magen.domain.hospitals import (
    BedCapacity,
    BedType,
    Hospital,
    HospitalRegistered,
    Hospitals,
    HospitalStatus,
    HospitalStatusReported,
    TriageCensus,
    recommend_destination,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from magen.interop.edxl_have import HAVE_NS, export_have, import_have, schema
from magen.store.base import StoredEvent

T0 = datetime(2026, 11, 25, 12, 29, 35, tzinfo=UTC)
NS = {"h": HAVE_NS}

# The audit's document (defect 10): EMSCapacity gives Red 6 and Yellow 12, nothing else.
RED_AND_YELLOW = b"""<?xml version="1.0" encoding="UTF-8"?>
<HospitalStatus xmlns="urn:oasis:names:tc:emergency:EDXL:HAVE:1.0"
    xmlns:gml="http://www.opengis.net/gml" xmlns:xnl="urn:oasis:names:tc:ciq:xnl:3">
  <Hospital>
    <Organization>
      <OrganizationInformation>
        <xnl:OrganisationName xnl:OrganisationID="shaare-zedek"
            xnl:OrganisationIDType="MagenHospitalId">
          <xnl:NameElement>Shaare Zedek</xnl:NameElement>
        </xnl:OrganisationName>
      </OrganizationInformation>
      <OrganizationGeoLocation><gml:Point><gml:pos>31.7743 35.1826</gml:pos></gml:Point>
      </OrganizationGeoLocation>
    </Organization>
    <EmergencyDepartmentStatus>
      <EMSCapacity>
        <TriageCodeListURN>urn:oasis:names:tc:emergency:have:1.0:triagecolorcode</TriageCodeListURN>
        <TriageCode><TriageCodeValue>Red</TriageCodeValue>
          <TriageCountQuantity>6</TriageCountQuantity></TriageCode>
        <TriageCode><TriageCodeValue>Yellow</TriageCodeValue>
          <TriageCountQuantity>12</TriageCountQuantity></TriageCode>
      </EMSCapacity>
    </EmergencyDepartmentStatus>
    <LastUpdateTime>2026-11-25T12:29:35Z</LastUpdateTime>
  </Hospital>
</HospitalStatus>"""


def _hospital(status: HospitalStatus) -> Hospital:
    return Hospital(
        hospital_id="shaare-zedek",
        name="Shaare Zedek",
        where=GeoPoint(lat=31.7743, lon=35.1826),
        account_id=None,
        trauma_centre=True,
        paediatric=False,
        registered_at=T0,
        status=status,
        status_at=T0,
    )


def _counts(document: bytes, section: str) -> dict[str, int]:
    root = etree.fromstring(document)
    path = f"h:Hospital/h:EmergencyDepartmentStatus/h:{section}/h:TriageCode"
    return {
        str(code.findtext("h:TriageCodeValue", namespaces=NS)): int(
            str(code.findtext("h:TriageCountQuantity", namespaces=NS))
        )
        for code in root.iterfind(path, NS)
    }


def test_a_census_names_only_the_colours_given() -> None:
    census = TriageCensus(red=6, yellow=0)
    assert (census.of("red"), census.of("yellow"), census.of("green"), census.of("black")) == (
        6,
        0,
        None,
        None,
    )
    assert census.model_dump() == {"red": 6, "yellow": 0, "green": None, "black": None}
    assert not census.is_empty()
    assert TriageCensus().is_empty()


def test_a_census_naming_no_colour_is_a_section_left_out() -> None:
    assert HospitalStatus(ems_capacity=TriageCensus(), census=TriageCensus()).is_empty()
    old = HospitalStatus(ems_capacity=TriageCensus(red=3))
    assert old.merged(HospitalStatus(ems_capacity=TriageCensus())).ems_capacity == (
        TriageCensus(red=3)
    )


def test_imported_colours_the_hospital_left_out_are_not_reported() -> None:
    [h] = import_have(RED_AND_YELLOW)
    assert h.status.ems_capacity == TriageCensus(red=6, yellow=12)
    assert h.status.ems_capacity is not None
    assert h.status.ems_capacity.green is None
    assert h.status.ems_capacity.black is None


def test_the_export_writes_no_triage_code_for_an_unreported_colour() -> None:
    [h] = import_have(RED_AND_YELLOW)
    document = export_have([_hospital(h.status)])
    schema().assertValid(etree.fromstring(document))
    assert _counts(document, "EMSCapacity") == {"Red": 6, "Yellow": 12}
    # And it reads back the same: no colour turned into a 0 on the way.
    [again] = import_have(document)
    assert again.status.ems_capacity == TriageCensus(red=6, yellow=12)


def test_a_reported_zero_is_exported_as_zero() -> None:
    status = HospitalStatus(census=TriageCensus(green=0, black=4))
    document = export_have([_hospital(status)])
    schema().assertValid(etree.fromstring(document))
    assert _counts(document, "EMSCensus") == {"Green": 0, "Black": 4}


def test_an_emscapacity_with_no_triage_code_reports_nothing() -> None:
    empty = RED_AND_YELLOW.replace(b"<TriageCode>", b"<!--").replace(b"</TriageCode>", b"-->")
    [h] = import_have(empty)
    assert h.status.ems_capacity is None
    assert h.status.is_empty()


def test_an_event_recorded_with_zeros_still_reads_as_those_zeros() -> None:
    """Before unreported colours were told apart, every colour not given was stored as 0."""
    state = State()
    registered = HospitalRegistered(
        hospital_id="shaare-zedek",
        name="Shaare Zedek",
        where=GeoPoint(lat=31.7743, lon=35.1826),
        account_id=None,
        trauma_centre=True,
        paediatric=False,
    )
    admin = Actor("acc_admin", Role.ADMIN)
    evolve(state, Recorded(1, uuid.uuid4(), T0, admin, None, None, registered))
    body = (
        b'{"type":"HospitalStatusReported","v":1,"at":"2026-11-25T12:30:00Z",'
        b'"actor":{"id":"acc_admin","role":"admin","src":null},"cmd":null,"ch":null,'
        b'"data":{"type":"HospitalStatusReported","hospital_id":"shaare-zedek",'
        b'"observed_at":"2026-11-25T12:29:35Z","status":{"ems_traffic":null,'
        b'"ems_traffic_reason":"","ems_capacity":{"red":6,"yellow":12,"green":0,"black":0},'
        b'"census":null,"offload":null,"beds":[],"clinical":null,"morgue":null,'
        b'"facility":null,"security":null,"staffing":null,"comments":[]}}}'
    )
    recorded = decode(StoredEvent(2, uuid.uuid4(), "HospitalStatusReported", body))
    assert isinstance(recorded.event, HospitalStatusReported)
    evolve(state, recorded)
    found = state.slice(Hospitals).by_id["shaare-zedek"]
    assert found.status.ems_capacity == TriageCensus(red=6, yellow=12, green=0, black=0)
    document = export_have([found])
    assert _counts(document, "EMSCapacity") == {"Red": 6, "Yellow": 12, "Green": 0, "Black": 0}


@pytest.mark.parametrize(
    ("category", "capacity_left", "reason"),
    [
        ("immediate", 6, "6 red slots left"),
        # Green was not reported: the beds decide, not "0 green slots".
        ("minor", 9, "9 beds free"),
    ],
)
def test_an_unreported_colour_is_not_zero_capacity_for_a_destination(
    category: str, capacity_left: int, reason: str
) -> None:
    status = HospitalStatus(
        ems_capacity=TriageCensus(red=6, yellow=12),
        beds=(BedCapacity(bed_type=BedType.EMERGENCY_DEPARTMENT, available=9),),
    )
    rec = recommend_destination([_hospital(status)], {"shaare-zedek": 10}, category=category)
    assert rec.best is not None
    assert rec.best.capacity_left == capacity_left
    assert reason in rec.best.reasons
    assert not any("over capacity" in r for r in rec.best.reasons)
