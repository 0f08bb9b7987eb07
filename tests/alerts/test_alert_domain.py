"""Alert domain: deciders (every refusal), evolvers, per-zone index, expiry and replay."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from pydantic import ValidationError

from alerts.alertlog import NOW, Log
from magen.domain.alerts import (
    CATEGORY_INSTRUCTIONS,
    OVERRIDE_INSTRUCTIONS,
    AlertCategory,
    AlertEnded,
    AlertIssued,
    CapRef,
    CapSource,
    ChangeShelterStatus,
    Circle,
    ClearGuidanceOverride,
    DangerReason,
    DeclareAllClear,
    DeclareDangerArea,
    EndAlert,
    GuidanceAction,
    GuidanceChanged,
    GuidanceReason,
    IssueAlert,
    IssueGuidanceOverride,
    LiftDangerArea,
    LocalText,
    OverrideAction,
    Polygon,
    RecordGuidanceChanges,
    ShelterStatus,
    ShelterStatusChanged,
    UpdateAlert,
    UpdateDangerArea,
    ZoneGuidanceSummary,
    already_over,
)
from magen.domain.base import Actor
from magen.domain.errors import Conflict, InvalidCommand, NotFound
from magen.domain.picture import Picture
from magen.domain.reports import ReportSighting
from magen.domain.values import GeoPoint, Role


def cid() -> uuid.UUID:
    return uuid.uuid4()


SQUARE = ((35.21, 31.76), (35.22, 31.76), (35.22, 31.77), (35.21, 31.77))
UPSTREAM = CapSource(sender="hfc@oref.example", identifier="hfc-1", sent=NOW)


def missiles(*zones: str, **kw: object) -> IssueAlert:
    return IssueAlert(command_id=cid(), category=AlertCategory.MISSILES, zone_ids=zones, **kw)  # type: ignore[arg-type]


def issued(log: Log, *zones: str, **kw: object) -> str:
    (rec,) = log.run(missiles(*zones, **kw))
    assert isinstance(rec.event, AlertIssued)
    return rec.event.alert_id


# --- geometry -----------------------------------------------------------------------------


def test_polygon_is_closed_automatically_and_kept_closed() -> None:
    p = Polygon(ring=SQUARE)
    assert p.ring[0] == p.ring[-1]
    assert len(p.ring) == 5
    assert Polygon(ring=p.ring).ring == p.ring


@pytest.mark.parametrize(
    ("ring", "reason"),
    [
        (((35.2, 31.7), (35.3, 31.7)), "at least 3 distinct points"),
        (((35.2, 31.7), (35.3, 31.7), (35.2, 31.7), (35.3, 31.7)), "at least 3 distinct points"),
        (((35.2, 31.7), (35.3, 31.8), (35.4, 31.9)), "no area"),
        (((35.2, 31.7), (35.3, 31.8), (35.3, 31.7), (35.2, 31.8)), "crosses itself near lon"),
        (((35.2, 31.7), (35.3, 31.7), (35.3, 95.0)), "less than or equal to 90"),
        (((185.0, 31.7), (35.3, 31.7), (35.3, 31.8)), "less than or equal to 180"),
        (((34.0, 31.0), (37.0, 31.0), (37.0, 33.0)), "span at most 200 km"),
        (((35.2, 31.7), (35.3, float("nan")), (35.3, 31.8)), "finite number"),
    ],
)
def test_invalid_polygons_are_refused_with_the_reason(
    ring: tuple[tuple[float, float], ...], reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        Polygon(ring=ring)


def test_polygon_vertex_count_is_bounded() -> None:
    import math

    ring = tuple(
        (
            35.2 + 0.01 * math.cos(2 * math.pi * i / 1200),
            31.7 + 0.01 * math.sin(2 * math.pi * i / 1200),
        )
        for i in range(1200)
    )
    with pytest.raises(ValidationError, match="at most 1000 points"):
        Polygon(ring=ring)


@pytest.mark.parametrize(
    ("radius", "reason"),
    [(0, "greater than 0"), (-5, "greater than 0"), (100_001, "less than or equal to 100000")],
)
def test_circle_radius_is_positive_and_bounded(radius: float, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        Circle(lat=31.76, lon=35.21, radius_m=radius)


def test_local_text_refuses_control_characters_and_fills_missing_languages() -> None:
    with pytest.raises(ValidationError, match="control characters"):
        LocalText(en="stay\x07inside")
    text = LocalText(he="הישארו בבית").over(CATEGORY_INSTRUCTIONS[AlertCategory.MISSILES])
    assert text.he == "הישארו בבית"
    assert text.en == CATEGORY_INSTRUCTIONS[AlertCategory.MISSILES].en


# --- alerts -------------------------------------------------------------------------------


def test_issue_records_the_alert_per_zone_with_the_standard_instruction(log: Log) -> None:
    alert_id = issued(log, "z1", "z2", seconds_to_shelter={"z1": 90})
    alert = log.alerts.alerts[alert_id]
    assert alert.category is AlertCategory.MISSILES
    assert alert.active_zones == ("z1", "z2")
    assert alert.seconds_to_shelter == {"z1": 90}
    assert alert.instruction == CATEGORY_INSTRUCTIONS[AlertCategory.MISSILES]
    assert alert.issued_by == "op-1"
    assert alert.issued_at == NOW
    assert [a.alert_id for a in log.alerts.alerts_in_zone("z1", NOW)] == [alert_id]
    assert log.alerts.alerts_in_zone("z3", NOW) == []


def test_issue_keeps_given_texts_and_fills_the_other_languages(log: Log) -> None:
    alert_id = issued(log, "z1", instruction=LocalText(ar="ادخلوا إلى الملجأ"))
    text = log.alerts.alerts[alert_id].instruction
    assert text.ar == "ادخلوا إلى الملجأ"
    assert text.he == CATEGORY_INSTRUCTIONS[AlertCategory.MISSILES].he


def test_alert_ids_derive_from_the_command_id(log: Log) -> None:
    command = missiles("z1")
    again = Log()
    assert log.run(command)[0].event == again.run(command)[0].event


@pytest.mark.parametrize(
    ("kwargs", "error", "reason"),
    [
        ({"zone_ids": ("z1", "z1")}, InvalidCommand, "zone z1 is listed twice"),
        (
            {"category": AlertCategory.TERRORIST_INFILTRATION, "seconds_to_shelter": {"z1": 30}},
            InvalidCommand,
            "seconds to shelter apply to rocket",
        ),
        ({"seconds_to_shelter": {"z9": 30}}, InvalidCommand, "name zone z9, which the alert omits"),
        ({"issued_at": NOW + timedelta(minutes=10)}, InvalidCommand, "in the future"),
        ({"issued_at": NOW - timedelta(days=3)}, InvalidCommand, "more than two days ago"),
        (
            {"issued_at": NOW - timedelta(minutes=5), "expires_at": NOW - timedelta(minutes=6)},
            InvalidCommand,
            "expire after it is issued",
        ),
        (
            {"issued_at": NOW - timedelta(minutes=5), "expires_at": NOW - timedelta(minutes=1)},
            InvalidCommand,
            "already expired",
        ),
        (
            {
                "areas": (
                    Circle(lat=31.7, lon=35.2, radius_m=50),
                    Circle(lat=31.7, lon=35.2, radius_m=50),
                )
            },
            InvalidCommand,
            "same area is listed twice",
        ),
    ],
)
def test_issue_refusals(log: Log, kwargs: dict[str, object], error: type, reason: str) -> None:
    fields: dict[str, object] = {"category": AlertCategory.MISSILES, "zone_ids": ("z1",)}
    fields.update(kwargs)
    log.refuse(IssueAlert(command_id=cid(), **fields), error, reason)  # type: ignore[arg-type]


def test_issue_refuses_an_upstream_message_imported_twice(log: Log) -> None:
    first = issued(log, "z1", source=UPSTREAM)
    log.refuse(missiles("z1", source=UPSTREAM), Conflict, f"already imported \\(alert {first}\\)")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"zone_ids": ()}, "at least 1 item"),
        ({"zone_ids": ("zone one",)}, "should match pattern"),
        ({"zone_ids": ("z1",), "seconds_to_shelter": {"z1": 601}}, "less than or equal to 600"),
        ({"zone_ids": ("z1",), "expires_at": NOW.replace(tzinfo=None)}, "timezone"),
    ],
)
def test_malformed_alert_commands_do_not_parse(kwargs: dict[str, object], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        IssueAlert(command_id=cid(), category=AlertCategory.MISSILES, **kwargs)  # type: ignore[arg-type]


def test_cap_source_tokens_follow_cap_rules() -> None:
    with pytest.raises(ValidationError, match="should match pattern"):
        CapSource(sender="hfc", identifier="a,b", sent=NOW)


def test_partial_end_keeps_the_alert_elsewhere_and_full_end_closes_it(log: Log) -> None:
    alert_id = issued(log, "z1", "z2")
    (rec,) = log.run(EndAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z1",)))
    assert isinstance(rec.event, AlertEnded)
    assert rec.event.remaining_zone_ids == ("z2",)
    alert = log.alerts.alerts[alert_id]
    assert alert.active_zones == ("z2",)
    assert alert.is_active(NOW)
    assert log.alerts.alerts_in_zone("z1", NOW) == []
    assert "z1" not in log.alerts.by_zone
    log.run(EndAlert(command_id=cid(), alert_id=alert_id))
    assert alert.ended_at == NOW
    assert not alert.is_active(NOW)
    assert log.alerts.by_zone == {}


def test_end_refusals(log: Log) -> None:
    alert_id = issued(log, "z1", "z2", expires_at=NOW + timedelta(minutes=10))
    log.refuse(EndAlert(command_id=cid(), alert_id="alr_nope"), NotFound, "no alert alr_nope")
    log.refuse(
        EndAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z3",)),
        InvalidCommand,
        "does not cover zone z3",
    )
    log.refuse(
        EndAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z1", "z1")),
        InvalidCommand,
        "listed twice",
    )
    log.refuse(
        EndAlert(command_id=cid(), alert_id=alert_id),
        InvalidCommand,
        "expired at",
        at=NOW + timedelta(minutes=11),
    )
    log.run(EndAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z1",)))
    log.refuse(
        EndAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z1",)),
        InvalidCommand,
        "zone z1 already has the all clear",
    )
    log.run(EndAlert(command_id=cid(), alert_id=alert_id))
    log.refuse(EndAlert(command_id=cid(), alert_id=alert_id), InvalidCommand, "already ended")


def test_an_alert_is_named_by_id_or_by_references_never_both() -> None:
    with pytest.raises(ValidationError, match="either by alert_id or by CAP references"):
        EndAlert(command_id=cid())
    with pytest.raises(ValidationError, match="either by alert_id or by CAP references"):
        EndAlert(
            command_id=cid(),
            alert_id="alr_1",
            references=(CapRef(sender="s", identifier="i"),),
        )


def test_end_by_upstream_reference(log: Log) -> None:
    alert_id = issued(log, "z1", source=UPSTREAM)
    ref = CapRef(sender=UPSTREAM.sender, identifier=UPSTREAM.identifier)
    unknown = CapRef(sender="x", identifier="y")
    log.refuse(
        EndAlert(command_id=cid(), references=(unknown,)), NotFound, "none of the referenced"
    )
    clear = CapSource(sender=UPSTREAM.sender, identifier="hfc-2", sent=NOW)
    log.run(EndAlert(command_id=cid(), references=(unknown, ref), source=clear))
    assert log.alerts.alerts[alert_id].ended_at == NOW
    assert log.alerts.by_upstream[(UPSTREAM.sender, "hfc-2")] == alert_id


def test_expired_alerts_stop_holding_without_an_event(log: Log) -> None:
    alert_id = issued(log, "z1", expires_at=NOW + timedelta(minutes=10))
    assert [a.alert_id for a in log.alerts.active_alerts(NOW)] == [alert_id]
    later = NOW + timedelta(minutes=10)
    assert log.alerts.active_alerts(later) == []
    assert log.alerts.alerts_in_zone("z1", later) == []


def test_update_replaces_the_definition_and_can_reopen_an_ended_zone(log: Log) -> None:
    alert_id = issued(log, "z1", "z2", seconds_to_shelter={"z1": 90, "z2": 60})
    log.run(EndAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z1",)))
    log.run(UpdateAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z1", "z3")))
    alert = log.alerts.alerts[alert_id]
    assert alert.active_zones == ("z1", "z3")
    assert alert.seconds_to_shelter == {"z1": 90}  # z2 left the alert, z3 takes its zone's time
    assert set(log.alerts.by_zone) == {"z1", "z3"}
    log.run(
        UpdateAlert(command_id=cid(), alert_id=alert_id, instruction=LocalText(en="Go in now."))
    )
    assert alert.instruction.en == "Go in now."
    assert alert.instruction.he == CATEGORY_INSTRUCTIONS[AlertCategory.MISSILES].he


def test_update_refusals(log: Log) -> None:
    alert_id = issued(log, "z1", expires_at=NOW + timedelta(minutes=10))
    log.refuse(UpdateAlert(command_id=cid(), alert_id="alr_x"), NotFound, "no alert alr_x")
    log.refuse(UpdateAlert(command_id=cid(), alert_id=alert_id), InvalidCommand, "changes nothing")
    log.refuse(
        UpdateAlert(command_id=cid(), alert_id=alert_id, seconds_to_shelter={"z2": 30}),
        InvalidCommand,
        "name zone z2",
    )
    log.refuse(
        UpdateAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z2", "z2")),
        InvalidCommand,
        "listed twice",
    )
    log.refuse(
        UpdateAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z2",)),
        InvalidCommand,
        "expired",
        at=NOW + timedelta(minutes=11),
    )
    log.refuse(
        UpdateAlert(command_id=cid(), alert_id=alert_id, expires_at=NOW - timedelta(minutes=1)),
        InvalidCommand,
        "already passed",
    )
    log.run(EndAlert(command_id=cid(), alert_id=alert_id))
    log.refuse(
        UpdateAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z2",)),
        InvalidCommand,
        "already ended",
    )


def test_all_clear_ends_every_active_alert_in_the_zones(log: Log) -> None:
    rockets = issued(log, "z1", "z2")
    (rec,) = log.run(
        IssueAlert(
            command_id=cid(),
            category=AlertCategory.TERRORIST_INFILTRATION,
            zone_ids=("z1",),
        )
    )
    infiltration = rec.event.alert_id  # type: ignore[attr-defined]
    recs = log.run(
        DeclareAllClear(command_id=cid(), zone_ids=("z1",), categories=(AlertCategory.MISSILES,))
    )
    assert [r.event.alert_id for r in recs] == [rockets]  # type: ignore[attr-defined]
    assert log.alerts.alerts[infiltration].is_active(NOW)
    recs = log.run(DeclareAllClear(command_id=cid(), zone_ids=("z1", "z2")))
    assert {r.event.alert_id for r in recs} == {rockets, infiltration}  # type: ignore[attr-defined]
    assert log.alerts.active_alerts(NOW) == []
    log.refuse(
        DeclareAllClear(command_id=cid(), zone_ids=("z1",)), InvalidCommand, "nothing to clear"
    )
    log.refuse(DeclareAllClear(command_id=cid(), zone_ids=("z1", "z1")), InvalidCommand, "twice")


def test_an_imported_all_clear_ends_only_what_its_sender_issued(log: Log) -> None:
    """An upstream "the event has ended" after a barrage ends the barrage's alerts, never the
    town's own lock-in against attackers, nor the sender's own infiltration alert unless it
    names that category."""
    upstream_rockets = issued(log, "z1", source=UPSTREAM)
    town_rockets = issued(log, "z1")
    infiltration = IssueAlert(
        command_id=cid(), category=AlertCategory.TERRORIST_INFILTRATION, zone_ids=("z1",)
    )
    (rec,) = log.run(infiltration)
    town_lock_in = rec.event.alert_id  # type: ignore[attr-defined]
    theirs = CapSource(sender=UPSTREAM.sender, identifier="hfc-inf", sent=NOW)
    (rec,) = log.run(infiltration.model_copy(update={"command_id": cid(), "source": theirs}))
    upstream_lock_in = rec.event.alert_id  # type: ignore[attr-defined]

    def clear(n: int, *categories: AlertCategory) -> DeclareAllClear:
        source = CapSource(sender=UPSTREAM.sender, identifier=f"hfc-clear-{n}", sent=NOW)
        return DeclareAllClear(
            command_id=cid(), zone_ids=("z1",), categories=categories, source=source
        )

    recs = log.run(clear(1))
    assert [r.event.alert_id for r in recs] == [upstream_rockets]  # type: ignore[attr-defined]
    for kept in (town_rockets, town_lock_in, upstream_lock_in):
        assert log.alerts.alerts[kept].is_active(NOW)
    # Nothing more of theirs ends without naming it: already over, as an import says it.
    assert already_over(log.state, clear(2), NOW) == (
        f"no alert from {UPSTREAM.sender} is in force in z1: already over"
    )
    recs = log.run(clear(3, AlertCategory.TERRORIST_INFILTRATION))
    assert [r.event.alert_id for r in recs] == [upstream_lock_in]  # type: ignore[attr-defined]
    assert log.alerts.alerts[town_lock_in].is_active(NOW)
    # The town's own all clear still ends its own alerts.
    recs = log.run(DeclareAllClear(command_id=cid(), zone_ids=("z1",)))
    assert {r.event.alert_id for r in recs} == {town_rockets, town_lock_in}  # type: ignore[attr-defined]


# --- danger areas -------------------------------------------------------------------------


def test_danger_area_lifecycle_records_who_and_when(log: Log) -> None:
    resident = Actor(account_id="res-1", role=Role.RESIDENT)
    log.run(ReportSighting(command_id=cid(), where=GeoPoint(lat=31.76, lon=35.21)), actor=resident)
    track = log.state.slice(Picture).fuser.tracks(NOW)[-1].track_id
    (rec,) = log.run(
        DeclareDangerArea(
            command_id=cid(),
            area=Circle(lat=31.76, lon=35.21, radius_m=150),
            reason=DangerReason.ARMED_ATTACKERS,
            threat_id=track,
            starts_at=NOW + timedelta(minutes=2),
        )
    )
    area_id = rec.event.area_id  # type: ignore[attr-defined]
    area = log.alerts.danger_areas[area_id]
    assert area.declared_by == "op-1"
    assert not area.is_active(NOW)
    assert area.is_active(NOW + timedelta(minutes=2))
    log.run(UpdateDangerArea(command_id=cid(), area_id=area_id, area=Polygon(ring=SQUARE)))
    assert isinstance(area.area, Polygon)
    assert area.reason is DangerReason.ARMED_ATTACKERS
    log.run(LiftDangerArea(command_id=cid(), area_id=area_id, note="neutralised"))
    assert area.lifted_at == NOW
    assert log.alerts.active_danger_areas(NOW + timedelta(hours=1)) == []


def test_danger_area_refusals(log: Log) -> None:
    wide = Circle(lat=31.76, lon=35.21, radius_m=10_001)
    log.refuse(
        DeclareDangerArea(command_id=cid(), area=wide, reason=DangerReason.FIRE),
        InvalidCommand,
        "radius may be at most 10 km",
    )
    big = Polygon(ring=((35.0, 31.6), (35.3, 31.6), (35.3, 31.8)))
    log.refuse(
        DeclareDangerArea(command_id=cid(), area=big, reason=DangerReason.FIRE),
        InvalidCommand,
        "span at most 20 km",
    )
    small = Circle(lat=31.76, lon=35.21, radius_m=100)
    log.refuse(
        DeclareDangerArea(
            command_id=cid(),
            area=small,
            reason=DangerReason.FIRE,
            starts_at=NOW + timedelta(days=2),
        ),
        InvalidCommand,
        "at most a day ahead",
    )
    log.refuse(
        DeclareDangerArea(
            command_id=cid(),
            area=small,
            reason=DangerReason.FIRE,
            starts_at=NOW - timedelta(days=3),
        ),
        InvalidCommand,
        "two days ago",
    )
    log.refuse(UpdateDangerArea(command_id=cid(), area_id="dgr_x"), NotFound, "no danger area")
    log.refuse(LiftDangerArea(command_id=cid(), area_id="dgr_x"), NotFound, "no danger area")
    (rec,) = log.run(DeclareDangerArea(command_id=cid(), area=small, reason=DangerReason.FIRE))
    area_id = rec.event.area_id  # type: ignore[attr-defined]
    log.refuse(
        UpdateDangerArea(command_id=cid(), area_id=area_id, reason=DangerReason.FIRE),
        InvalidCommand,
        "changes nothing",
    )
    log.refuse(
        UpdateDangerArea(command_id=cid(), area_id=area_id, area=wide),
        InvalidCommand,
        "radius may be at most",
    )
    log.run(LiftDangerArea(command_id=cid(), area_id=area_id))
    log.refuse(LiftDangerArea(command_id=cid(), area_id=area_id), InvalidCommand, "already lifted")
    log.refuse(
        UpdateDangerArea(command_id=cid(), area_id=area_id, note="x"),
        InvalidCommand,
        "already lifted",
    )


# --- shelters -----------------------------------------------------------------------------


def test_shelter_status_defaults_to_open_and_records_changes(log: Log) -> None:
    assert log.alerts.shelter_status("sh_12") is ShelterStatus.OPEN
    log.refuse(
        ChangeShelterStatus(command_id=cid(), shelter_id="sh_12", status=ShelterStatus.OPEN),
        InvalidCommand,
        "already open",
    )
    (rec,) = log.run(
        ChangeShelterStatus(
            command_id=cid(),
            shelter_id="sh_12",
            status=ShelterStatus.COMPROMISED,
            note="gunmen at the entrance",
        )
    )
    assert isinstance(rec.event, ShelterStatusChanged)
    assert rec.event.previous is ShelterStatus.OPEN
    assert log.alerts.shelter_status("sh_12") is ShelterStatus.COMPROMISED
    assert log.alerts.shelters["sh_12"].changed_by == "op-1"
    log.refuse(
        ChangeShelterStatus(
            command_id=cid(),
            shelter_id="sh_12",
            status=ShelterStatus.COMPROMISED,
            note="gunmen at the entrance",
        ),
        InvalidCommand,
        "already compromised",
    )
    # Same status with new information is a change worth recording.
    log.run(
        ChangeShelterStatus(
            command_id=cid(), shelter_id="sh_12", status=ShelterStatus.COMPROMISED, note="gone"
        )
    )


# --- overrides ----------------------------------------------------------------------------


def test_override_lifecycle(log: Log) -> None:
    (rec,) = log.run(
        IssueGuidanceOverride(
            command_id=cid(),
            action=OverrideAction.LOCK_IN,
            zone_ids=("z1",),
            proposal_id="prp_7",
            reason="gunmen reported near shelter 12",
        )
    )
    override_id = rec.event.override_id  # type: ignore[attr-defined]
    found = log.alerts.overrides[override_id]
    assert found.issued_by == "op-1"
    assert found.instruction == OVERRIDE_INSTRUCTIONS[OverrideAction.LOCK_IN]
    assert [o.override_id for o in log.alerts.active_overrides(NOW)] == [override_id]
    log.refuse(
        IssueGuidanceOverride(
            command_id=cid(), action=OverrideAction.LOCK_IN, zone_ids=("z2",), proposal_id="prp_7"
        ),
        Conflict,
        f"already confirmed by override {override_id}",
    )
    log.run(ClearGuidanceOverride(command_id=cid(), override_id=override_id))
    assert found.cleared_at == NOW
    assert log.alerts.active_overrides(NOW) == []
    # Once cleared, the same proposal may be confirmed again.
    log.run(
        IssueGuidanceOverride(
            command_id=cid(), action=OverrideAction.LOCK_IN, zone_ids=("z2",), proposal_id="prp_7"
        )
    )


def test_override_refusals(log: Log) -> None:
    log.refuse(
        IssueGuidanceOverride(command_id=cid(), action=OverrideAction.LOCK_IN),
        InvalidCommand,
        "needs zones or an area",
    )
    log.refuse(
        IssueGuidanceOverride(command_id=cid(), action=OverrideAction.AVOID_AREA, zone_ids=("z1",)),
        InvalidCommand,
        "needs the area",
    )
    log.refuse(
        IssueGuidanceOverride(
            command_id=cid(), action=OverrideAction.LOCK_IN, zone_ids=("z1", "z1")
        ),
        InvalidCommand,
        "twice",
    )
    log.refuse(
        IssueGuidanceOverride(
            command_id=cid(),
            action=OverrideAction.AVOID_AREA,
            area=Circle(lat=31.7, lon=35.2, radius_m=20_000),
        ),
        InvalidCommand,
        "radius may be at most",
    )
    log.refuse(
        IssueGuidanceOverride(
            command_id=cid(),
            action=OverrideAction.LOCK_IN,
            zone_ids=("z1",),
            expires_at=NOW - timedelta(seconds=1),
        ),
        InvalidCommand,
        "expire before it starts",
    )
    log.refuse(
        ClearGuidanceOverride(command_id=cid(), override_id="ovr_x"), NotFound, "no override"
    )
    (rec,) = log.run(
        IssueGuidanceOverride(
            command_id=cid(),
            action=OverrideAction.STAY_IN_PROTECTED_SPACE,
            zone_ids=("z1",),
            expires_at=NOW + timedelta(minutes=5),
        )
    )
    override_id = rec.event.override_id  # type: ignore[attr-defined]
    log.refuse(
        ClearGuidanceOverride(command_id=cid(), override_id=override_id),
        InvalidCommand,
        "already expired",
        at=NOW + timedelta(minutes=6),
    )
    log.run(ClearGuidanceOverride(command_id=cid(), override_id=override_id))
    log.refuse(
        ClearGuidanceOverride(command_id=cid(), override_id=override_id),
        InvalidCommand,
        "already cleared",
    )


# --- guidance changes ---------------------------------------------------------------------


def summary(
    zone: str, reason: GuidanceReason = GuidanceReason.OFFICIAL_ALERT, **counts: int
) -> ZoneGuidanceSummary:
    return ZoneGuidanceSummary(
        zone_id=zone, counts={GuidanceAction(k): v for k, v in counts.items()}, reason=reason
    )


def test_guidance_changes_are_recorded_per_zone_and_only_when_they_change(log: Log) -> None:
    issued(log, "z1", "z2")
    recs = log.run(
        RecordGuidanceChanges(
            command_id=cid(),
            derived_from=1,
            zones=(
                summary("z1", go_to_shelter=40, routine=0),
                summary("z2", stay_in_protected_space=7),
            ),
        )
    )
    assert [r.event.zone_id for r in recs] == ["z1", "z2"]  # type: ignore[attr-defined]
    first = recs[0].event
    assert isinstance(first, GuidanceChanged)
    assert first.counts == {GuidanceAction.GO_TO_SHELTER: 40}  # zero counts are dropped
    recs = log.run(
        RecordGuidanceChanges(
            command_id=cid(),
            derived_from=2,
            zones=(summary("z1", go_to_shelter=40), summary("z2", lock_in=7)),
        )
    )
    assert [r.event.zone_id for r in recs] == ["z2"]  # type: ignore[attr-defined]
    assert log.alerts.guidance["z2"].counts == {GuidanceAction.LOCK_IN: 7}
    assert log.alerts.guidance["z2"].derived_from == 2
    assert (
        log.run(
            RecordGuidanceChanges(
                command_id=cid(), derived_from=3, zones=(summary("z1", go_to_shelter=40),)
            )
        )
        == []
    )


def test_guidance_change_refusals(log: Log) -> None:
    issued(log, "z1")
    log.refuse(
        RecordGuidanceChanges(command_id=cid(), derived_from=5, zones=(summary("z1", lock_in=1),)),
        InvalidCommand,
        "the log is at 1",
    )
    log.refuse(
        RecordGuidanceChanges(
            command_id=cid(),
            derived_from=1,
            zones=(summary("z1", lock_in=1), summary("z1", lock_in=2)),
        ),
        InvalidCommand,
        "twice",
    )
    log.run(
        RecordGuidanceChanges(command_id=cid(), derived_from=1, zones=(summary("z1", lock_in=1),))
    )
    log.refuse(
        RecordGuidanceChanges(command_id=cid(), derived_from=0, zones=(summary("z1", lock_in=3),)),
        Conflict,
        "newer than 0; recompute",
    )
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        summary("z1", lock_in=-1)


# --- replay -------------------------------------------------------------------------------


def test_replaying_the_log_reproduces_the_live_state(log: Log) -> None:
    alert_id = issued(log, "z1", "z2", source=UPSTREAM, seconds_to_shelter={"z2": 45})
    log.run(UpdateAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z1", "z2", "z3")))
    log.run(EndAlert(command_id=cid(), alert_id=alert_id, zone_ids=("z2",)))
    log.run(
        DeclareDangerArea(
            command_id=cid(), area=Polygon(ring=SQUARE), reason=DangerReason.HOSTAGE_SITUATION
        )
    )
    log.run(ChangeShelterStatus(command_id=cid(), shelter_id="sh_1", status=ShelterStatus.FULL))
    log.run(
        IssueGuidanceOverride(
            command_id=cid(), action=OverrideAction.AVOID_AREA, area=Polygon(ring=SQUARE)
        )
    )
    log.run(
        RecordGuidanceChanges(command_id=cid(), derived_from=6, zones=(summary("z1", lock_in=3),))
    )
    assert log.replayed() == log.state
    assert log.state.position == 7
