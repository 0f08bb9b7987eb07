"""`already_over`: the domain says when an end or all clear asks for what is already true.

The CAP import asks it (an upstream Cancel of an alert already over is answered 200, nothing
appended); it decides by the `now` it is given, the service's clock, never the wall's.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from alerts.alertlog import NOW, Log
from magen.domain.alerts import (
    AlertCategory,
    AlertIssued,
    CapRef,
    CapSource,
    DeclareAllClear,
    EndAlert,
    IssueAlert,
    UpdateAlert,
    already_over,
)

UPSTREAM = CapSource(sender="hfc@oref.example", identifier="hfc-1", sent=NOW)


def _issued(log: Log, *zones: str, **kw: object) -> str:
    command = IssueAlert(
        command_id=uuid.uuid4(),
        category=AlertCategory.MISSILES,
        zone_ids=zones,
        **kw,  # type: ignore[arg-type]
    )
    (rec,) = log.run(command)
    assert isinstance(rec.event, AlertIssued)
    return rec.event.alert_id


def _end(alert_id: str | None = None, *zones: str, **kw: object) -> EndAlert:
    return EndAlert(command_id=uuid.uuid4(), alert_id=alert_id, zone_ids=zones, **kw)  # type: ignore[arg-type]


def _clear(*zones: str, **kw: object) -> DeclareAllClear:
    return DeclareAllClear(command_id=uuid.uuid4(), zone_ids=zones, **kw)  # type: ignore[arg-type]


def test_an_end_of_a_holding_alert_is_not_over(log: Log) -> None:
    alert_id = _issued(log, "z1", "z2", expires_at=NOW + timedelta(minutes=10))
    assert already_over(log.state, _end(alert_id), NOW) is None
    assert already_over(log.state, _end(alert_id, "z1"), NOW) is None
    assert already_over(log.state, _clear("z2"), NOW) is None


def test_an_expired_alert_is_over_by_the_clock_given(log: Log) -> None:
    expires = NOW + timedelta(minutes=10)
    alert_id = _issued(log, "z1", expires_at=expires)
    assert already_over(log.state, _end(alert_id), expires - timedelta(seconds=1)) is None
    assert already_over(log.state, _end(alert_id), expires) == (
        f"alert {alert_id} is already over (expired {expires.isoformat()})"
    )
    assert already_over(log.state, _clear("z1"), expires) == (
        "no alert is in force in z1: already over"
    )


def test_an_ended_alert_or_ended_zones_are_over(log: Log) -> None:
    alert_id = _issued(log, "z1", "z2")
    log.run(_end(alert_id, "z1"), at=NOW + timedelta(minutes=1))
    assert already_over(log.state, _end(alert_id, "z1"), NOW) == (
        f"alert {alert_id} is already over in z1"
    )
    assert already_over(log.state, _end(alert_id, "z1", "z2"), NOW) is None  # z2 still holds
    assert already_over(log.state, _clear("z1"), NOW) == "no alert is in force in z1: already over"
    log.run(_end(alert_id), at=NOW + timedelta(minutes=2))
    ended = (NOW + timedelta(minutes=2)).isoformat()
    assert already_over(log.state, _end(alert_id), NOW + timedelta(minutes=3)) == (
        f"alert {alert_id} is already over (ended {ended})"
    )


def test_an_upstream_cancel_is_over_through_its_references(log: Log) -> None:
    alert_id = _issued(log, "z1", source=UPSTREAM)
    cancel = _end(references=(CapRef(sender=UPSTREAM.sender, identifier="hfc-1"),))
    assert already_over(log.state, cancel, NOW) is None
    log.run(_end(alert_id), at=NOW + timedelta(minutes=1))
    over = already_over(log.state, cancel, NOW + timedelta(minutes=2))
    assert over is not None
    assert over.startswith(f"alert {alert_id} is already over (ended")
    # A cancel of messages never imported here is not "over": the decider names them.
    unknown = _end(references=(CapRef(sender="x@example", identifier="nope"),))
    assert already_over(log.state, unknown, NOW) is None


def test_an_all_clear_counts_only_its_categories(log: Log) -> None:
    _issued(log, "z1")
    assert already_over(log.state, _clear("z1", categories=(AlertCategory.MISSILES,)), NOW) is None
    assert already_over(
        log.state, _clear("z1", categories=(AlertCategory.HOSTILE_AIRCRAFT_INTRUSION,)), NOW
    ) == ("no alert is in force in z1: already over")


def test_other_commands_are_never_over(log: Log) -> None:
    alert_id = _issued(log, "z1", expires_at=NOW + timedelta(minutes=1))
    update = UpdateAlert(command_id=uuid.uuid4(), alert_id=alert_id)
    assert already_over(log.state, update, NOW + timedelta(hours=1)) is None
