"""A TAK device's own CoT position as a responder's report: its uid and accuracy kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from magen.app.cot_views import position_report
from magen.interop.cot import UNKNOWN, CotEvent

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _fix(uid: str = "ANDROID-358240051111110", ce: float = 4.9) -> CotEvent:
    return CotEvent(
        uid=uid,
        type="a-f-G-U-C",
        how="m-g",
        time=T0,
        start=T0,
        stale=T0 + timedelta(minutes=2),
        lat=31.7601,
        lon=35.212,
        hae=780.5,
        ce=ce,
    )


def test_the_report_names_the_device_and_keeps_the_accuracy() -> None:
    report = position_report(_fix(), "acc_1")
    assert report.device_uid == "ANDROID-358240051111110"
    assert report.where.accuracy_m == 4.9
    assert report.observed_at == T0


def test_an_unknown_ce_is_no_accuracy() -> None:
    assert position_report(_fix(ce=UNKNOWN), "acc_1").where.accuracy_m is None


def test_another_device_or_fix_is_another_report_the_same_one_is_one() -> None:
    first = position_report(_fix(), "acc_1").command_id
    assert position_report(_fix(), "acc_1").command_id == first
    assert position_report(_fix(uid="ANDROID-other"), "acc_1").command_id != first
    # The same event from another account is that account's own command.
    assert position_report(_fix(), "acc_2").command_id != first
