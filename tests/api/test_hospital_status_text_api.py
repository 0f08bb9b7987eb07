"""A hospital's status text holds no control character, and the EDXL-HAVE export never fails.

A status whose traffic reason or comment held a control character used to be recorded, and
from then on the EDXL-HAVE export answered 500 for everyone (XML cannot carry the character).
It is refused at the door now (400, nothing appended), and a status already in a log with
one is exported with the character replaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree

from magen.domain.hospitals import Hospital, HospitalStatus, HospitalStatusReported
from magen.domain.values import STORED, GeoPoint, Role
from magen.interop.edxl_have import HAVE_NS, export_have, import_have, schema
from support.apikit import Kit, api_kit, cid, ok

WHERE = {"lat": 31.7737, "lon": 35.1817}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        body = {
            "command_id": cid(),
            "hospital_id": "shaare-zedek",
            "name": "Shaare Zedek",
            "where": WHERE,
            "account_id": k.accounts[Role.HOSPITAL],
        }
        ok(k.post(Role.ADMIN, "/api/v1/hospitals", body))
        yield k


def _report(kit: Kit, status: dict[str, Any]) -> Any:
    body = {"command_id": cid(), "status": status}
    return kit.post(Role.HOSPITAL, "/api/v1/hospitals/shaare-zedek/status", body)


@pytest.mark.parametrize(
    "status",
    [
        {"ems_traffic": "Normal", "ems_traffic_reason": "a\u0007b"},
        {"ems_traffic": "Advisory", "ems_traffic_reason": "generator \u0000 down"},
        {"comments": ["a\u0007b"]},
        {"comments": ["fine", "two \ufffe"]},
    ],
)
def test_a_control_character_in_status_text_is_refused_and_appends_nothing(
    kit: Kit, status: dict[str, Any]
) -> None:
    before = kit.log.head()
    r = _report(kit, status)
    assert r.status_code == 400, r.text
    assert "control character" in r.json()["reason"]
    assert kit.log.head() == before
    exported = kit.get(Role.DISPATCHER, "/api/v1/hospitals/edxl-have")
    assert exported.status_code == 200, exported.text


def test_plain_status_text_is_still_taken_and_exported(kit: Kit) -> None:
    ok(_report(kit, {"ems_traffic": "Advisory", "ems_traffic_reason": "CT down\tsince 09:00"}))
    ok(_report(kit, {"comments": ["line one\nline two", "שער צדק"]}))
    r = kit.get(Role.DISPATCHER, "/api/v1/hospitals/edxl-have")
    assert r.status_code == 200, r.text
    (read,) = import_have(r.content)
    assert read.status.ems_traffic_reason == "CT down\tsince 09:00"
    assert read.status.comments == ("line one\nline two", "שער צדק")


def test_a_status_logged_with_a_control_character_still_reads_and_exports() -> None:
    # What an earlier version logged: read back as written (the log stays readable) ...
    stored = HospitalStatusReported.model_validate(
        {
            "hospital_id": "shaare-zedek",
            "observed_at": "2023-10-07T06:30:00Z",
            "status": {
                "ems_traffic": "Closed",
                "ems_traffic_reason": "a\u0007b",
                "comments": ["c\u0000d", "ok"],
            },
        },
        context=STORED,
    )
    assert stored.status.ems_traffic_reason == "a\u0007b"
    # ... and exported with the characters XML cannot carry replaced, valid against the schema.
    h = Hospital(
        hospital_id="shaare-zedek",
        name="Shaare\u0001 Zedek",
        where=GeoPoint(**WHERE),
        account_id=None,
        trauma_centre=True,
        paediatric=False,
        registered_at=datetime(2023, 10, 7, 6, 0, tzinfo=UTC),
        status=HospitalStatus().merged(stored.status),
        status_at=stored.observed_at,
    )
    data = export_have([h])
    doc = etree.fromstring(data)
    assert schema().validate(doc), schema().error_log
    reason = doc.find(f".//{{{HAVE_NS}}}EMSTrafficReason")
    assert reason is not None
    assert reason.text == "a\ufffdb"
    comments = [c.text for c in doc.iterfind(f".//{{{HAVE_NS}}}CommentText")]
    assert comments == ["c\ufffdd", "ok"]
    assert b"Shaare\xef\xbf\xbd Zedek" in data
