"""Through the API: a colour a hospital leaves out is shown and exported as not reported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lxml import etree

from magen.domain.values import Role
from magen.interop.edxl_have import HAVE_NS
from support.apikit import Kit, api_kit, cid, ok

NS = {"h": HAVE_NS}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        body = {"command_id": cid(), "hospital_id": "soroka", "name": "Soroka"}
        where = {"lat": 31.258, "lon": 34.8}
        extra = {"account_id": k.accounts[Role.HOSPITAL]}
        ok(k.post(Role.ADMIN, "/api/v1/hospitals", {**body, "where": where, **extra}))
        yield k


def test_a_desk_report_of_two_colours_leaves_the_others_unreported(kit: Kit) -> None:
    status = {"ems_capacity": {"red": 6, "yellow": 12}, "census": {"black": 0}}
    ok(
        kit.post(
            Role.HOSPITAL,
            "/api/v1/hospitals/soroka/status",
            {"command_id": cid(), "status": status},
        )
    )
    [listed] = ok(kit.get(Role.DISPATCHER, "/api/v1/hospitals"))
    assert listed["status"]["ems_capacity"] == {
        "red": 6,
        "yellow": 12,
        "green": None,
        "black": None,
    }
    assert listed["status"]["census"] == {"red": None, "yellow": None, "green": None, "black": 0}
    document = kit.get(Role.DISPATCHER, "/api/v1/hospitals/edxl-have").content
    root = etree.fromstring(document)
    ed = "h:Hospital/h:EmergencyDepartmentStatus"
    capacity = root.xpath(
        f"{ed}/h:EMSCapacity/h:TriageCode/h:TriageCodeValue/text()", namespaces=NS
    )
    census = root.xpath(f"{ed}/h:EMSCensus/h:TriageCode/h:TriageCodeValue/text()", namespaces=NS)
    assert (capacity, census) == (["Red", "Yellow"], ["Black"])


def test_a_report_with_an_empty_census_says_nothing(kit: Kit) -> None:
    status = {"ems_capacity": {}}
    r = kit.post(
        Role.HOSPITAL, "/api/v1/hospitals/soroka/status", {"command_id": cid(), "status": status}
    )
    assert r.status_code == 422
    assert "must say something" in r.json()["reason"]
