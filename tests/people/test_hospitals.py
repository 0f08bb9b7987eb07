"""Hospitals: registration, status reports (EDXL-HAVE terms) and destination recommendation."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from magen.domain.accounts import CreateAccount, account_id_for
from magen.domain.base import Actor, Command, DecisionContext, Event, Recorded, decide, evolve
from magen.domain.errors import Conflict, Forbidden, InvalidCommand, NotFound
from magen.domain.hospitals import (
    DESTINATION_REASON_CODES,
    EXCLUSION_CODES,
    AmbulanceOffload,
    BedCapacity,
    BedType,
    ClinicalStatus,
    EmsTraffic,
    FacilityStatus,
    Hospital,
    Hospitals,
    HospitalStatus,
    OffloadStatus,
    Reason,
    Recommendation,
    RegisterHospital,
    ReportHospitalStatus,
    SecurityStatus,
    Staffing,
    TravelTime,
    TriageCensus,
    recommend_destination,
    unranked_destinations,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role

T0 = datetime(2023, 10, 7, 7, 0, tzinfo=UTC)
ADMIN = Actor("acc_admin", Role.ADMIN)
DISPATCHER = Actor("acc_dispatch", Role.DISPATCHER)
HERE = GeoPoint(lat=31.25, lon=34.79)


class Log:
    """Decide and evolve commands in memory."""

    def __init__(self) -> None:
        self.state = State()
        self.position = 0
        self.now = T0

    def run(self, actor: Actor, cmd: Command) -> list[Event]:
        events = decide(self.state, cmd, DecisionContext(actor, self.now))
        for e in events:
            self.position += 1
            evolve(
                self.state,
                Recorded(self.position, uuid.uuid4(), self.now, actor, cmd.command_id, None, e),
            )
        return events


def _account(log: Log, username: str, role: Role) -> Actor:
    cmd_id = uuid.uuid4()
    log.run(
        ADMIN,
        CreateAccount(
            command_id=cmd_id,
            username=username,
            role=role,
            display_name=username,
            password_hash="h" * 40,
        ),
    )
    return Actor(account_id_for(cmd_id), role)


def _register(log: Log, hospital_id: str, account: Actor | None = None, **kw: object) -> Hospital:
    log.run(
        ADMIN,
        RegisterHospital(
            command_id=uuid.uuid4(),
            hospital_id=hospital_id,
            name=hospital_id.title(),
            where=HERE,
            account_id=account.account_id if account else None,
            **kw,  # type: ignore[arg-type]
        ),
    )
    return log.state.slice(Hospitals).by_id[hospital_id]


def _status(log: Log, actor: Actor, hospital_id: str, **kw: object) -> None:
    log.run(
        actor,
        ReportHospitalStatus(
            command_id=uuid.uuid4(),
            hospital_id=hospital_id,
            status=HospitalStatus(**kw),  # type: ignore[arg-type]
        ),
    )


# --- registration -------------------------------------------------------------------------


def test_register_links_a_hospital_account() -> None:
    log = Log()
    soroka = _account(log, "soroka", Role.HOSPITAL)
    h = _register(log, "soroka", soroka, trauma_centre=True)
    assert (h.name, h.account_id, h.trauma_centre, h.paediatric) == (
        "Soroka",
        soroka.account_id,
        True,
        False,
    )
    assert h.status.is_empty()
    assert h.status_at is None


def test_registration_refusals() -> None:
    log = Log()
    soroka = _account(log, "soroka", Role.HOSPITAL)
    medic = _account(log, "medic", Role.MEDIC)
    _register(log, "soroka", soroka)
    with pytest.raises(Conflict, match="already registered"):
        _register(log, "soroka")
    with pytest.raises(Conflict, match="already reports for Soroka"):
        _register(log, "barzilai", soroka)
    with pytest.raises(InvalidCommand, match="hospital role"):
        _register(log, "barzilai", medic)
    with pytest.raises(NotFound, match="no active account"):
        _register(log, "barzilai", Actor("acc_nobody", Role.HOSPITAL))
    with pytest.raises(ValidationError, match="hospital id"):
        RegisterHospital(
            command_id=uuid.uuid4(), hospital_id="Soroka Hospital", name="S", where=HERE
        )


# --- status reports -----------------------------------------------------------------------


def test_a_hospital_reports_only_for_itself_and_operators_may_relay() -> None:
    log = Log()
    soroka = _account(log, "soroka", Role.HOSPITAL)
    barzilai = _account(log, "barzilai", Role.HOSPITAL)
    _register(log, "soroka", soroka)
    _register(log, "barzilai", barzilai)
    _status(log, soroka, "soroka", security=SecurityStatus.LOCKDOWN)
    with pytest.raises(Forbidden, match="does not report for Soroka"):
        _status(log, barzilai, "soroka", ems_traffic=EmsTraffic.CLOSED)
    _status(log, DISPATCHER, "soroka", ems_traffic=EmsTraffic.ADVISORY)
    h = log.state.slice(Hospitals).by_id["soroka"]
    assert (h.status.security, h.status.ems_traffic, h.reports) == (
        SecurityStatus.LOCKDOWN,
        EmsTraffic.ADVISORY,
        2,
    )
    with pytest.raises(NotFound, match="no hospital 'ichilov'"):
        _status(log, DISPATCHER, "ichilov", facility=FacilityStatus.NORMAL)


def test_status_reports_merge_section_by_section() -> None:
    log = Log()
    h = _register(log, "soroka")
    _status(
        log,
        DISPATCHER,
        "soroka",
        ems_traffic=EmsTraffic.ADVISORY,
        ems_traffic_reason="mass casualty event",
        census=TriageCensus(red=12, yellow=20, green=31, black=4),
        beds=(
            BedCapacity(bed_type=BedType.ADULT_ICU, available=3, baseline=24),
            BedCapacity(bed_type=BedType.OPERATING_ROOMS, available=2, baseline=16),
        ),
        comments=("all elective surgery cancelled",),
    )
    log.now += timedelta(minutes=30)
    _status(
        log,
        DISPATCHER,
        "soroka",
        beds=(BedCapacity(bed_type=BedType.ADULT_ICU, available=0, baseline=24),),
        ems_traffic=EmsTraffic.NORMAL,
    )
    s = h.status
    assert s.census == TriageCensus(red=12, yellow=20, green=31, black=4)
    assert s.ems_traffic is EmsTraffic.NORMAL
    assert s.ems_traffic_reason == ""  # the reason belonged to the old traffic status
    assert [(b.bed_type, b.available) for b in s.beds] == [
        (BedType.ADULT_ICU, 0),
        (BedType.OPERATING_ROOMS, 2),
    ]
    assert s.comments == ("all elective surgery cancelled",)
    assert h.status_at == log.now


def test_status_report_refusals() -> None:
    log = Log()
    _register(log, "soroka")
    with pytest.raises(InvalidCommand, match="must say something"):
        _status(log, DISPATCHER, "soroka")
    _status(log, DISPATCHER, "soroka", clinical=ClinicalStatus.FULL)
    with pytest.raises(InvalidCommand, match="newer status"):
        log.run(
            DISPATCHER,
            ReportHospitalStatus(
                command_id=uuid.uuid4(),
                hospital_id="soroka",
                status=HospitalStatus(clinical=ClinicalStatus.NORMAL),
                observed_at=T0 - timedelta(minutes=10),
            ),
        )
    with pytest.raises(ValidationError, match="once"):
        HospitalStatus(
            beds=(
                BedCapacity(bed_type=BedType.BURN, available=1),
                BedCapacity(bed_type=BedType.BURN, available=2),
            )
        )
    with pytest.raises(ValidationError, match="traffic reason"):
        HospitalStatus(ems_traffic_reason="no reason to give")
    with pytest.raises(ValidationError):
        TriageCensus(red=-1)


# --- destination recommendation -----------------------------------------------------------


def _hospital(
    hospital_id: str,
    *,
    trauma: bool = True,
    paediatric: bool = False,
    at: datetime | None = T0,
    **status: object,
) -> Hospital:
    return Hospital(
        hospital_id=hospital_id,
        name=hospital_id.title(),
        where=HERE,
        account_id=None,
        trauma_centre=trauma,
        paediatric=paediatric,
        registered_at=T0,
        status=HospitalStatus(**status),  # type: ignore[arg-type]
        status_at=at,
    )


def _icu(n: int) -> tuple[BedCapacity, ...]:
    return (BedCapacity(bed_type=BedType.EMERGENCY_DEPARTMENT, available=n),)


def _out(rec: Recommendation) -> list[tuple[str, str]]:
    """The hospitals ruled out, with why in English."""
    return [(x.hospital_id, x.reason) for x in rec.excluded]


def test_the_nearest_hospital_with_room_wins() -> None:
    near = _hospital("barzilai", beds=_icu(5))
    far = _hospital("soroka", beds=_icu(20))
    rec = recommend_destination([far, near], {"barzilai": 15, "soroka": 35}, category="immediate")
    assert [d.hospital_id for d in rec.ranked] == ["barzilai", "soroka"]
    assert rec.best is not None
    assert rec.best.capacity_left == 5
    assert rec.best.reasons[:2] == ("15 min away", "5 beds free")
    assert rec.best.reason_facts[:2] == (Reason("away", minutes=15), Reason("beds_free", n=5))


def test_patients_already_on_the_way_use_up_capacity() -> None:
    near = _hospital("barzilai", beds=_icu(2))
    far = _hospital("soroka", beds=_icu(20))
    travel = {"barzilai": 15, "soroka": 35}
    en_route = {"barzilai": {"immediate": 2, "delayed": 1}}
    rec = recommend_destination([near, far], travel, category="immediate", en_route=en_route)
    assert rec.best is not None
    assert rec.best.hospital_id == "soroka"
    barzilai = rec.ranked[1]
    assert barzilai.capacity_left == -1
    assert "over capacity (2 slots, 3 on the way)" in barzilai.reasons
    assert barzilai.reason_facts[1] == Reason("over_capacity", n=2, on_way=3)
    assert barzilai.cost_minutes == 15 + 2 * 20


def test_capacity_by_triage_colour_counts_only_that_colour() -> None:
    h = _hospital("soroka", ems_capacity=TriageCensus(red=1, yellow=10, green=50))
    en_route = {"soroka": {"immediate": 1, "delayed": 3}}
    red = recommend_destination([h], {"soroka": 10}, category="immediate", en_route=en_route)
    yellow = recommend_destination([h], {"soroka": 10}, category="delayed", en_route=en_route)
    assert red.ranked[0].capacity_left == 0
    assert yellow.ranked[0].capacity_left == 7
    assert "7 yellow slots left" in yellow.ranked[0].reasons
    assert yellow.ranked[0].reason_facts[1] == Reason("slots_left", n=7, colour="yellow")
    assert yellow.ranked[0].reason_facts[1].facts() == {
        "code": "slots_left",
        "n": 7,
        "colour": "yellow",
    }
    untriaged = recommend_destination([h], {"soroka": 10}, en_route=en_route)
    assert untriaged.ranked[0].capacity_left == 7  # untriaged is treated as delayed


@pytest.mark.parametrize(
    ("status", "reason", "fact"),
    [
        ({"facility": FacilityStatus.CLOSED}, "facility closed", Reason("facility_closed")),
        (
            {"facility": FacilityStatus.EVACUATING},
            "facility evacuating",
            Reason("facility_evacuating"),
        ),
        (
            {"ems_traffic": EmsTraffic.CLOSED},
            "closed to ambulances",
            Reason("closed_to_ambulances"),
        ),
        (
            {"ems_traffic": EmsTraffic.CLOSED, "ems_traffic_reason": "shooter at the gate"},
            "closed to ambulances: shooter at the gate",
            Reason("closed_to_ambulances", note="shooter at the gate"),
        ),
        (
            {"ems_traffic": EmsTraffic.NOT_APPLICABLE},
            "no emergency department",
            Reason("no_emergency_department"),
        ),
        ({"security": SecurityStatus.QUARANTINE}, "under quarantine", Reason("quarantine")),
    ],
)
def test_hospitals_that_cannot_receive_are_excluded(
    status: dict[str, object], reason: str, fact: Reason
) -> None:
    shut = _hospital("barzilai", beds=_icu(10), **status)
    open_ = _hospital("soroka", beds=_icu(10))
    rec = recommend_destination([shut, open_], {"barzilai": 5, "soroka": 40})
    assert [d.hospital_id for d in rec.ranked] == ["soroka"]
    assert _out(rec) == [("barzilai", reason)]
    [x] = rec.excluded
    assert (x.name, x.fact) == ("Barzilai", fact)
    assert x.fact.code in EXCLUSION_CODES


@pytest.mark.parametrize("minutes", [None, math.inf, -3.0])
def test_unreachable_hospitals_are_excluded(minutes: float | None) -> None:
    h = _hospital("soroka", beds=_icu(10))
    rec = recommend_destination([h], lambda _h: minutes)
    assert rec.best is None
    assert _out(rec) == [("soroka", "no route or travel time")]
    assert rec.excluded[0].fact == Reason("no_route")
    assert _out(recommend_destination([h], {})) == [("soroka", "no route or travel time")]


def test_a_travel_times_basis_is_given_with_the_minutes() -> None:
    near = _hospital("barzilai", beds=_icu(5))
    far = _hospital("soroka", beds=_icu(5))
    travel = {
        "barzilai": TravelTime(12.4, "by street", "by_street"),
        "soroka": TravelTime(30.0, "straight line: off the town's streets", "straight_line"),
    }
    rec = recommend_destination([far, near], travel)
    assert [d.reasons[0] for d in rec.ranked] == [
        "12 min away (by street)",
        "30 min away (straight line: off the town's streets)",
    ]
    assert [d.reason_facts[0].facts() for d in rec.ranked] == [
        {"code": "away", "minutes": 12, "basis": "by_street"},
        {"code": "away", "minutes": 30, "basis": "straight_line"},
    ]
    assert rec.ranked[0].travel_minutes == 12.4
    unreachable = recommend_destination([near], {"barzilai": TravelTime(math.inf, "by street")})
    assert _out(unreachable) == [("barzilai", "no route or travel time")]


def test_red_casualties_prefer_a_trauma_centre_and_children_a_paediatric_one() -> None:
    general = _hospital("general", trauma=False, paediatric=False, beds=_icu(10))
    trauma = _hospital("trauma", trauma=True, paediatric=False, beds=_icu(10))
    children = _hospital("children", trauma=False, paediatric=True, beds=_icu(10))
    travel = {"general": 10, "trauma": 20, "children": 20}
    hospitals = [general, trauma, children]
    assert (
        recommend_destination(hospitals, travel, category="immediate").ranked[0].hospital_id
        == "trauma"
    )
    assert (
        recommend_destination(hospitals, travel, category="minor").ranked[0].hospital_id
        == "general"
    )
    kid = recommend_destination(hospitals, travel, category="delayed", child=True)
    assert kid.ranked[0].hospital_id == "children"
    assert "no paediatric service" in kid.ranked[1].reasons
    assert Reason("not_paediatric") in kid.ranked[1].reason_facts
    red = recommend_destination(hospitals, travel, category="immediate")
    general_for_red = next(d for d in red.ranked if d.hospital_id == "general")
    assert "not a trauma centre" in general_for_red.reasons
    assert Reason("not_trauma_centre") in general_for_red.reason_facts


def test_drawbacks_add_minutes_and_say_why() -> None:
    h = _hospital(
        "soroka",
        at=T0 - timedelta(hours=2),
        beds=_icu(4),
        ems_traffic=EmsTraffic.ADVISORY,
        ems_traffic_reason="CT down",
        offload=AmbulanceOffload(status=OffloadStatus.DELAYED, minutes=25),
        facility=FacilityStatus.COMPROMISED,
        security=SecurityStatus.LOCKDOWN,
        staffing=Staffing.INSUFFICIENT,
    )
    [d] = recommend_destination([h], {"soroka": 10.0}, category="delayed", now=T0).ranked
    assert d.cost_minutes == 10 + 10 + 10 + 25 + 20 + 5 + 10
    assert d.reasons == (
        "10 min away",
        "4 beds free",
        "status 120 min old",
        "EMS advisory: CT down",
        "ambulance offload 25 min",
        "facility compromised",
        "in lockdown",
        "staffing insufficient",
    )
    assert d.reason_facts == (
        Reason("away", minutes=10),
        Reason("beds_free", n=4),
        Reason("stale_status", minutes=120),
        Reason("ems_advisory", note="CT down"),
        Reason("offload", minutes=25),
        Reason("facility_compromised"),
        Reason("lockdown"),
        Reason("short_staffed"),
    )


def test_unknown_or_full_capacity_costs_minutes() -> None:
    unknown = _hospital("unknown", at=None)
    full = _hospital("full", clinical=ClinicalStatus.FULL)
    rec = recommend_destination([unknown, full], {"unknown": 10, "full": 10})
    by_id = {d.hospital_id: d for d in rec.ranked}
    assert by_id["unknown"].reasons == (
        "10 min away",
        "capacity not reported",
        "no status report yet",
    )
    assert by_id["unknown"].reason_facts == (
        Reason("away", minutes=10),
        Reason("capacity_unknown"),
        Reason("no_status"),
    )
    assert by_id["full"].reason_facts[1] == Reason("clinical_full")
    assert by_id["unknown"].cost_minutes == 25
    assert by_id["full"].cost_minutes == 30
    assert [d.hospital_id for d in rec.ranked] == ["unknown", "full"]


def test_every_reason_has_a_fact_and_the_code_lists_are_exactly_those_given() -> None:
    """One fact per English reason; the codes a client needs words for
    (DESTINATION_REASON_CODES, EXCLUSION_CODES) are exactly those these hospitals give."""
    old = T0 - timedelta(hours=2)
    hospitals = [
        _hospital(
            "drawbacks",
            at=old,
            trauma=False,
            ems_capacity=TriageCensus(red=1),
            ems_traffic=EmsTraffic.ADVISORY,
            offload=AmbulanceOffload(status=OffloadStatus.DELAYED, minutes=5),
            facility=FacilityStatus.COMPROMISED,
            security=SecurityStatus.LOCKDOWN,
            staffing=Staffing.INSUFFICIENT,
        ),
        _hospital("beds", beds=_icu(3)),
        _hospital("over", beds=_icu(1)),
        _hospital("full", at=None, clinical=ClinicalStatus.FULL),
        _hospital("unknown"),
        _hospital("closed", facility=FacilityStatus.CLOSED),
        _hospital("evacuating", facility=FacilityStatus.EVACUATING),
        _hospital("no-ambulances", ems_traffic=EmsTraffic.CLOSED),
        _hospital("no-ed", ems_traffic=EmsTraffic.NOT_APPLICABLE),
        _hospital("quarantine", security=SecurityStatus.QUARANTINE),
        _hospital("far"),
    ]
    travel = {h.hospital_id: 3.0 for h in hospitals if h.hospital_id != "far"}
    rec = recommend_destination(
        hospitals,
        travel,
        category="immediate",
        child=True,
        en_route={"over": {"delayed": 2}},
        now=T0,
    )
    for d in rec.ranked:
        assert len(d.reason_facts) == len(d.reasons), d
    given = [f.code for d in rec.ranked for f in d.reason_facts]
    assert set(given) == set(DESTINATION_REASON_CODES)
    assert len(set(DESTINATION_REASON_CODES)) == len(DESTINATION_REASON_CODES)
    assert {x.fact.code for x in rec.excluded} == set(EXCLUSION_CODES)
    assert len(rec.excluded) == len(EXCLUSION_CODES)
    drawbacks = next(d for d in rec.ranked if d.hospital_id == "drawbacks")
    assert drawbacks.reason_facts[1] == Reason("slots_left", n=1, colour="red")
    assert Reason("ems_advisory") in drawbacks.reason_facts  # nothing written: no note


def test_unknown_category_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown triage category"):
        recommend_destination([], {}, category="purple")


def test_unranked_destinations_say_what_each_status_says_and_rule_out_as_ranked_do() -> None:
    fresh = _hospital("zion", at=T0, security=SecurityStatus.LOCKDOWN)
    never = _hospital("alef", at=None)
    old = _hospital("moriah", at=T0 - timedelta(hours=2))
    shut = _hospital("shut", ems_traffic=EmsTraffic.CLOSED)
    offered, excluded = unranked_destinations([fresh, shut, old, never], now=T0)
    said = {h.hospital_id: [fact for _, fact in s] for h, s in offered}
    assert list(said) == ["alef", "moriah", "zion"]  # by name, whatever their distance
    assert said == {
        "alef": [Reason("no_status")],
        "moriah": [Reason("stale_status", minutes=120)],
        "zion": [Reason("lockdown")],
    }
    ranked = recommend_destination([shut], {"shut": 5})
    assert [(x.hospital_id, x.fact) for x in excluded] == [
        (x.hospital_id, x.fact) for x in ranked.excluded
    ]
