"""One rule for which hospitals are not destinations: the recommendation that leaves a hospital
out and the warning told to a crew already heading there cannot drift apart."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from magen.app.hospital_desk import destination_warnings
from magen.domain.hospitals import (
    EXCLUSION_CODES,
    EmsTraffic,
    FacilityStatus,
    Hospital,
    HospitalStatus,
    SecurityStatus,
    recommend_destination,
    status_limits,
)
from magen.domain.values import GeoPoint

T0 = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)


def _hospital(status: HospitalStatus) -> Hospital:
    return Hospital(
        hospital_id="h",
        name="Hospital",
        where=GeoPoint(lat=31.76, lon=35.21),
        account_id=None,
        trauma_centre=True,
        paediatric=False,
        registered_at=T0,
        status=status,
        status_at=T0,
    )


def _every_status() -> list[HospitalStatus]:
    out = []
    for traffic, facility, security in itertools.product(
        [None, *EmsTraffic], [None, *FacilityStatus], [None, *SecurityStatus]
    ):
        reason = "shooter at the gate" if traffic is EmsTraffic.CLOSED else ""
        out.append(
            HospitalStatus(
                ems_traffic=traffic,
                ems_traffic_reason=reason,
                facility=facility,
                security=security,
            )
        )
    return out


def test_a_crew_is_warned_of_exactly_what_keeps_a_hospital_out_of_the_recommendation() -> None:
    for status in _every_status():
        h = _hospital(status)
        warned = [w.kind for w in destination_warnings(h)]
        assert len(set(warned)) == len(warned), (status, warned)
        rec = recommend_destination([h], {"h": 5.0}, now=T0)
        if rec.excluded:
            # Left out: the reason is among what a crew heading there is told, and every
            # warning but a lockdown would have left it out on its own.
            (out,) = rec.excluded
            assert out.fact.code in warned, (status, out.fact.code, warned)
            assert set(warned) - {"lockdown"} <= set(EXCLUSION_CODES), (status, warned)
        else:
            # Offered: the only warning a crew may get is the lockdown it was ranked lower for.
            (ranked,) = rec.ranked
            codes = {f.code for f in ranked.reason_facts}
            assert set(warned) <= {"lockdown"}, (status, warned)
            assert ("lockdown" in warned) == ("lockdown" in codes), (status, warned, codes)
        # What each warning is about is the domain's: its codes, in its order.
        assert warned == [limit.fact.code for limit in status_limits(status)], status


def test_every_warning_is_said_in_a_sentence_naming_the_hospital() -> None:
    status = HospitalStatus(
        ems_traffic=EmsTraffic.CLOSED,
        ems_traffic_reason="shooter at the gate",
        facility=FacilityStatus.EVACUATING,
        security=SecurityStatus.LOCKDOWN,
    )
    said = {w.kind: w.message for w in destination_warnings(_hospital(status))}
    assert said == {
        "facility_evacuating": "Hospital is being evacuated, as reported at 2023-10-07T06:30+00:00",
        "closed_to_ambulances": "Hospital is closed to ambulances (shooter at the gate): divert,"
        " as reported at 2023-10-07T06:30+00:00",
        "lockdown": "Hospital is in lockdown: authorised entry only,"
        " as reported at 2023-10-07T06:30+00:00",
    }
    no_ed = destination_warnings(_hospital(HospitalStatus(ems_traffic=EmsTraffic.NOT_APPLICABLE)))
    assert [(w.kind, w.reason) for w in no_ed] == [("no_emergency_department", "")]
    assert destination_warnings(_hospital(HospitalStatus())) == []
