"""Casualty records: triage, interventions, the tourniquet warning, status and identification."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from magen.domain import accounts
from magen.domain.base import (
    Actor,
    Command,
    DecisionContext,
    Event,
    Recorded,
    decide,
    event_class,
    event_id_for,
    evolve,
)
from magen.domain.casualties import (
    AdmitCasualty,
    BodySite,
    Casualties,
    Casualty,
    CasualtyStatus,
    DescribeCasualty,
    DischargeCasualty,
    EndIntervention,
    EvacuateCasualty,
    IdentificationMethod,
    IdentificationStatus,
    IdentifyCasualty,
    InterventionKind,
    RecordArrival,
    RecordCasualty,
    RecordDeath,
    RecordIntervention,
    TriageCasualty,
    VehicleKind,
    casualty_by_tag,
    hospital_loads,
    warnings,
)
from magen.domain.errors import Conflict, Forbidden, InvalidCommand, NotFound
from magen.domain.hospitals import BedType, RegisterHospital
from magen.domain.people import AgeRange, Build, Description, PersonName, Sex
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from magen.people.triage import Protocol, TriageCategory

T0 = datetime(2023, 10, 7, 6, 40, tzinfo=UTC)
ADMIN = Actor("acc_admin", Role.ADMIN)
MEDIC = Actor("acc_medic", Role.MEDIC)
RESPONDER = Actor("acc_officer", Role.RESPONDER)
REGISTRAR = Actor("acc_registrar", Role.REGISTRAR)
HOSPITAL = Actor("acc_soroka", Role.HOSPITAL)
HERE = GeoPoint(lat=31.3134, lon=34.6201)

IMMEDIATE_ANSWERS = {"walks": False, "breathes": True, "respiratory_rate": 36}
DELAYED_ANSWERS = {
    "walks": False,
    "breathes": True,
    "respiratory_rate": 20,
    "radial_pulse": True,
    "capillary_refill": "within_2s",
    "follows_commands": True,
}


class Log:
    """Decide and evolve commands in memory, keeping the recorded events for replay."""

    def __init__(self) -> None:
        self.state = State()
        self.recorded: list[Recorded] = []
        self.now = T0

    def run(self, actor: Actor, cmd: Command, *, after: timedelta | None = None) -> list[Event]:
        if after is not None:
            self.now += after
        events = decide(self.state, cmd, DecisionContext(actor, self.now))
        for i, e in enumerate(events):
            r = Recorded(
                len(self.recorded) + 1,
                event_id_for(cmd.command_id, i),
                self.now,
                actor,
                cmd.command_id,
                None,
                e,
            )
            self.recorded.append(r)
            evolve(self.state, r)
        return events


def _id() -> uuid.UUID:
    return uuid.uuid4()


def _hospitals(log: Log) -> None:
    # The hospital account is put straight into the log so that its id is HOSPITAL's.
    created = accounts.AccountCreated(
        account_id="acc_soroka",
        username="soroka",
        role=Role.HOSPITAL,
        display_name="Soroka",
        password_hash="h" * 40,
    )
    r = Recorded(len(log.recorded) + 1, uuid.uuid4(), log.now, ADMIN, None, None, created)
    log.recorded.append(r)
    evolve(log.state, r)
    log.run(
        ADMIN,
        RegisterHospital(
            command_id=_id(),
            hospital_id="soroka",
            name="Soroka",
            where=HERE,
            trauma_centre=True,
            account_id="acc_soroka",
        ),
    )
    log.run(
        ADMIN,
        RegisterHospital(command_id=_id(), hospital_id="barzilai", name="Barzilai", where=HERE),
    )


@pytest.fixture
def log() -> Log:
    out = Log()
    _hospitals(out)
    return out


def _record(log: Log, tag: str = "IL-0001", **kw: object) -> Casualty:
    log.run(RESPONDER, RecordCasualty(command_id=_id(), tag=tag, where=HERE, **kw))  # type: ignore[arg-type]
    return casualty_by_tag(log.state, tag)


# --- recording and triage -----------------------------------------------------------------


def test_record_with_triage_keeps_the_answers_that_led_to_the_category(log: Log) -> None:
    events = log.run(
        RESPONDER,
        RecordCasualty(
            command_id=_id(),
            tag=" il-0001 ",
            where=HERE,
            place="Herzl St, in a car",
            answers=IMMEDIATE_ANSWERS,
        ),
    )
    assert [e.type for e in events] == ["CasualtyRecorded", "CasualtyTriaged"]
    c = casualty_by_tag(log.state, "IL-0001")
    assert c.tag == "IL-0001"
    assert c.status is CasualtyStatus.AT_SCENE
    assert c.category is TriageCategory.IMMEDIATE
    assert c.triage[0].protocol is Protocol.START
    assert c.triage[0].reason == "respiratory_rate_over_30"
    assert dict(c.triage[0].answers) == IMMEDIATE_ANSWERS
    assert c.triage[0].by == RESPONDER.account_id
    assert c.recorded_by == RESPONDER.account_id


def test_a_tag_number_is_unique_whatever_its_spacing_or_case(log: Log) -> None:
    _record(log, "IL-0001")
    with pytest.raises(Conflict, match="already on another casualty") as refused:
        log.run(RESPONDER, RecordCasualty(command_id=_id(), tag="il-0001"))
    assert refused.value.rule == "tag_in_use"  # the pages say it in their language
    with pytest.raises(ValidationError):
        RecordCasualty(command_id=_id(), tag="   ")


def test_a_young_child_is_triaged_by_jumpstart(log: Log) -> None:
    c = _record(
        log,
        description=Description(age=AgeRange(min_years=3, max_years=5)),
        answers={"child_walks": "not_yet", "breathes": True, "respiratory_rate": 30,
                 "peripheral_pulse": True, "avpu": "alert",
                 "significant_external_injury": False},
    )  # fmt: skip
    assert c.triage[0].protocol is Protocol.JUMPSTART
    assert c.category is TriageCategory.MINOR


def test_start_answers_for_a_child_are_refused_with_the_reason(log: Log) -> None:
    with pytest.raises(InvalidCommand, match="jumpstart"):
        _record(log, description=Description(age=AgeRange.exactly(4)), answers=IMMEDIATE_ANSWERS)
    assert not log.state.slice(Casualties).by_id


def test_looks_like_child_chooses_jumpstart_when_the_age_is_unknown(log: Log) -> None:
    c = _record(log, looks_like_child=True, answers={"child_walks": "yes"})
    assert c.triage[0].protocol is Protocol.JUMPSTART
    older = _record(
        log, "IL-0002", description=Description(age=AgeRange(min_years=30, max_years=40)),
        looks_like_child=True, answers={"walks": True},
    )  # fmt: skip
    assert older.triage[0].protocol is Protocol.START


def test_incomplete_answers_name_the_next_question(log: Log) -> None:
    with pytest.raises(InvalidCommand, match="next is 'respiratory_rate'"):
        _record(log, answers={"walks": False, "breathes": True})


def test_a_protocol_without_answers_is_refused(log: Log) -> None:
    with pytest.raises(InvalidCommand, match="no triage answers"):
        _record(log, protocol=Protocol.START)


def test_retriage_is_kept_as_history_and_must_move_forward_in_time(log: Log) -> None:
    c = _record(log, answers=DELAYED_ANSWERS)
    log.run(
        MEDIC,
        TriageCasualty(command_id=_id(), casualty_id=c.casualty_id, answers=IMMEDIATE_ANSWERS),
        after=timedelta(minutes=20),
    )
    assert [t.category for t in c.triage] == [TriageCategory.DELAYED, TriageCategory.IMMEDIATE]
    assert c.triage[1].by == MEDIC.account_id
    with pytest.raises(InvalidCommand, match="before the latest triage"):
        log.run(
            MEDIC,
            TriageCasualty(
                command_id=_id(),
                casualty_id=c.casualty_id,
                answers=DELAYED_ANSWERS,
                at=T0 + timedelta(minutes=5),
            ),
        )


def test_triage_is_refused_after_death_and_after_discharge(log: Log) -> None:
    dead = _record(log, "IL-0001")
    log.run(MEDIC, RecordDeath(command_id=_id(), casualty_id=dead.casualty_id))
    with pytest.raises(InvalidCommand, match="recorded dead"):
        log.run(
            MEDIC,
            TriageCasualty(command_id=_id(), casualty_id=dead.casualty_id, answers={"walks": True}),
        )
    out = _record(log, "IL-0002")
    log.run(
        HOSPITAL, RecordArrival(command_id=_id(), casualty_id=out.casualty_id, hospital_id="soroka")
    )
    log.run(HOSPITAL, DischargeCasualty(command_id=_id(), casualty_id=out.casualty_id))
    with pytest.raises(InvalidCommand, match="discharged"):
        log.run(
            MEDIC,
            TriageCasualty(command_id=_id(), casualty_id=out.casualty_id, answers={"walks": True}),
        )


def test_unknown_casualty_is_not_found(log: Log) -> None:
    for cmd in (
        TriageCasualty(command_id=_id(), casualty_id="cas_x", answers={"walks": True}),
        RecordIntervention(command_id=_id(), casualty_id="cas_x", kind=InterventionKind.CPR),
        EvacuateCasualty(command_id=_id(), casualty_id="cas_x"),
        RecordDeath(command_id=_id(), casualty_id="cas_x"),
    ):
        with pytest.raises(NotFound, match="no casualty cas_x"):
            log.run(MEDIC, cmd)
    with pytest.raises(NotFound):
        casualty_by_tag(log.state, "NOPE")


def test_a_time_in_the_future_is_refused(log: Log) -> None:
    with pytest.raises(InvalidCommand, match="future"):
        _record(log, found_at=T0 + timedelta(minutes=30))


# --- interventions and the tourniquet warning ---------------------------------------------


def _tourniquet(log: Log, c: Casualty, site: BodySite, at: datetime) -> str:
    log.run(
        RESPONDER,
        RecordIntervention(
            command_id=_id(),
            casualty_id=c.casualty_id,
            kind=InterventionKind.TOURNIQUET,
            site=site,
            at=at,
        ),
    )
    return c.interventions[-1].intervention_id


def test_tourniquet_warning_after_two_hours_and_not_before(log: Log) -> None:
    c = _record(log)
    _tourniquet(log, c, BodySite.LEFT_LEG, T0)
    assert warnings(c, T0 + timedelta(hours=2)) == []
    assert warnings(c, T0 + timedelta(hours=1, minutes=59)) == []
    [w] = warnings(c, T0 + timedelta(hours=2, minutes=15))
    assert w.kind == "tourniquet_over_2h"
    assert w.since == T0
    assert "left leg" in w.message
    assert "06:40 UTC" in w.message
    assert "2 h 15 min" in w.message


def test_each_tourniquet_warns_and_an_ended_one_stops(log: Log) -> None:
    c = _record(log)
    first = _tourniquet(log, c, BodySite.RIGHT_ARM, T0)
    _tourniquet(log, c, BodySite.RIGHT_ARM, T0)  # a second one above a failing first is care
    later = T0 + timedelta(hours=3)
    assert len(warnings(c, later)) == 2
    log.run(
        MEDIC,
        EndIntervention(
            command_id=_id(),
            casualty_id=c.casualty_id,
            intervention_id=first,
            at=T0 + timedelta(minutes=50),
            note="converted to pressure dressing",
        ),
        after=timedelta(hours=1),
    )
    assert [w.intervention_id for w in warnings(c, later)] == [c.interventions[1].intervention_id]


def test_no_warning_for_the_dead_or_discharged(log: Log) -> None:
    c = _record(log)
    _tourniquet(log, c, BodySite.LEFT_LEG, T0)
    log.run(MEDIC, RecordDeath(command_id=_id(), casualty_id=c.casualty_id))
    assert warnings(c, T0 + timedelta(hours=5)) == []


def test_intervention_rules(log: Log) -> None:
    c = _record(log)
    with pytest.raises(InvalidCommand, match="which limb"):
        log.run(
            RESPONDER,
            RecordIntervention(
                command_id=_id(), casualty_id=c.casualty_id, kind=InterventionKind.TOURNIQUET
            ),
        )
    with pytest.raises(InvalidCommand, match="which limb"):
        _tourniquet(log, c, BodySite.CHEST, T0)
    log.run(
        RESPONDER,
        RecordIntervention(
            command_id=_id(),
            casualty_id=c.casualty_id,
            kind=InterventionKind.CHEST_SEAL,
            site=BodySite.CHEST,
        ),
    )
    seal = c.interventions[-1].intervention_id
    with pytest.raises(InvalidCommand, match="chest seal is not something that ends"):
        log.run(
            MEDIC,
            EndIntervention(command_id=_id(), casualty_id=c.casualty_id, intervention_id=seal),
        )
    with pytest.raises(NotFound, match="no intervention"):
        log.run(
            MEDIC, EndIntervention(command_id=_id(), casualty_id=c.casualty_id, intervention_id="x")
        )
    tq = _tourniquet(log, c, BodySite.LEFT_ARM, T0)
    with pytest.raises(InvalidCommand, match="before the intervention"):
        log.run(
            MEDIC,
            EndIntervention(
                command_id=_id(),
                casualty_id=c.casualty_id,
                intervention_id=tq,
                at=T0 - timedelta(minutes=1),
            ),
        )
    log.run(MEDIC, EndIntervention(command_id=_id(), casualty_id=c.casualty_id, intervention_id=tq))
    with pytest.raises(InvalidCommand, match="already ended"):
        log.run(
            MEDIC, EndIntervention(command_id=_id(), casualty_id=c.casualty_id, intervention_id=tq)
        )


def test_care_before_death_may_be_entered_later_but_not_after(log: Log) -> None:
    c = _record(log)
    log.run(
        MEDIC, RecordDeath(command_id=_id(), casualty_id=c.casualty_id), after=timedelta(hours=1)
    )
    _tourniquet(log, c, BodySite.LEFT_LEG, T0 + timedelta(minutes=10))
    log.now += timedelta(minutes=5)
    with pytest.raises(InvalidCommand, match="recorded dead before"):
        _tourniquet(log, c, BodySite.RIGHT_LEG, log.now)


# --- description --------------------------------------------------------------------------


def test_descriptions_merge_and_a_name_can_be_added(log: Log) -> None:
    c = _record(log, description=Description(sex=Sex.MALE, hair="black, short"))
    log.run(
        MEDIC,
        DescribeCasualty(
            command_id=_id(),
            casualty_id=c.casualty_id,
            description=Description(build=Build.HEAVY, clothing="blue jeans, white shirt"),
            name=PersonName(full_name="Moshe Cohen", alternates=("משה כהן",)),
        ),
    )
    assert c.description.sex is Sex.MALE
    assert c.description.hair == "black, short"
    assert c.description.build is Build.HEAVY
    assert c.name is not None
    assert c.name.alternates == ("משה כהן",)
    same = DescribeCasualty(
        command_id=_id(), casualty_id=c.casualty_id, description=Description(build=Build.HEAVY)
    )
    assert log.run(MEDIC, same) == []
    with pytest.raises(InvalidCommand, match="must say something"):
        log.run(MEDIC, DescribeCasualty(command_id=_id(), casualty_id=c.casualty_id))


# --- status transitions -------------------------------------------------------------------


def test_scene_to_evacuation_to_arrival_to_admission_to_discharge(log: Log) -> None:
    c = _record(log, answers=IMMEDIATE_ANSWERS)
    log.run(
        MEDIC,
        EvacuateCasualty(
            command_id=_id(),
            casualty_id=c.casualty_id,
            vehicle="MDA 4-12",
            vehicle_kind=VehicleKind.INTENSIVE_CARE_AMBULANCE,
            destination="soroka",
        ),
        after=timedelta(minutes=10),
    )
    assert (c.status, c.destination, c.vehicle) == (CasualtyStatus.EVACUATED, "soroka", "MDA 4-12")
    log.run(
        HOSPITAL,
        RecordArrival(command_id=_id(), casualty_id=c.casualty_id, hospital_id="soroka"),
        after=timedelta(minutes=25),
    )
    assert (c.status, c.hospital_id, c.destination) == (CasualtyStatus.ARRIVED, "soroka", None)
    log.run(
        HOSPITAL, AdmitCasualty(command_id=_id(), casualty_id=c.casualty_id, ward=BedType.ADULT_ICU)
    )
    assert (c.status, c.ward) == (CasualtyStatus.ADMITTED, BedType.ADULT_ICU)
    log.run(
        HOSPITAL,
        DischargeCasualty(command_id=_id(), casualty_id=c.casualty_id),
        after=timedelta(days=1),
    )
    assert c.status is CasualtyStatus.DISCHARGED
    assert c.discharged_at == log.now


def test_a_casualty_driven_by_private_car_arrives_without_an_evacuation(log: Log) -> None:
    c = _record(log)
    log.run(
        MEDIC, RecordArrival(command_id=_id(), casualty_id=c.casualty_id, hospital_id="barzilai")
    )
    assert c.status is CasualtyStatus.ARRIVED
    assert c.evacuated_at is None


def test_transfer_between_hospitals(log: Log) -> None:
    c = _record(log)
    log.run(
        MEDIC, RecordArrival(command_id=_id(), casualty_id=c.casualty_id, hospital_id="barzilai")
    )
    log.run(MEDIC, AdmitCasualty(command_id=_id(), casualty_id=c.casualty_id))
    with pytest.raises(InvalidCommand, match="already in"):
        log.run(
            MEDIC,
            EvacuateCasualty(command_id=_id(), casualty_id=c.casualty_id, destination="barzilai"),
        )
    log.run(
        MEDIC, EvacuateCasualty(command_id=_id(), casualty_id=c.casualty_id, destination="soroka")
    )
    assert (c.status, c.destination, c.hospital_id) == (
        CasualtyStatus.EVACUATED,
        "soroka",
        "barzilai",
    )
    log.run(
        HOSPITAL, RecordArrival(command_id=_id(), casualty_id=c.casualty_id, hospital_id="soroka")
    )
    assert (c.status, c.hospital_id, c.admitted_at, c.ward) == (
        CasualtyStatus.ARRIVED,
        "soroka",
        None,
        None,
    )


def test_invalid_transitions_are_refused_with_plain_reasons(log: Log) -> None:
    c = _record(log)
    cid = c.casualty_id
    with pytest.raises(InvalidCommand, match="has not arrived"):
        log.run(HOSPITAL, AdmitCasualty(command_id=_id(), casualty_id=cid))
    with pytest.raises(InvalidCommand, match="only a hospital discharges"):
        log.run(HOSPITAL, DischargeCasualty(command_id=_id(), casualty_id=cid))
    with pytest.raises(NotFound, match="no hospital 'ichilov'"):
        log.run(MEDIC, EvacuateCasualty(command_id=_id(), casualty_id=cid, destination="ichilov"))
    log.run(
        MEDIC,
        EvacuateCasualty(command_id=_id(), casualty_id=cid, destination="soroka"),
        after=timedelta(minutes=5),
    )
    with pytest.raises(InvalidCommand, match="already on the way"):
        log.run(MEDIC, EvacuateCasualty(command_id=_id(), casualty_id=cid, destination="soroka"))
    with pytest.raises(InvalidCommand, match="before the evacuation"):
        log.run(
            HOSPITAL, RecordArrival(command_id=_id(), casualty_id=cid, hospital_id="soroka", at=T0)
        )
    with pytest.raises(NotFound, match="no hospital"):
        log.run(HOSPITAL, RecordArrival(command_id=_id(), casualty_id=cid, hospital_id="nowhere"))
    log.run(MEDIC, RecordArrival(command_id=_id(), casualty_id=cid, hospital_id="barzilai"))
    assert c.hospital_id == "barzilai"  # diverted: it arrives where it arrives
    with pytest.raises(InvalidCommand, match="already in hospital"):
        log.run(HOSPITAL, RecordArrival(command_id=_id(), casualty_id=cid, hospital_id="soroka"))
    log.run(MEDIC, AdmitCasualty(command_id=_id(), casualty_id=cid))
    with pytest.raises(InvalidCommand, match="already admitted"):
        log.run(MEDIC, AdmitCasualty(command_id=_id(), casualty_id=cid))
    log.run(MEDIC, DischargeCasualty(command_id=_id(), casualty_id=cid))
    for cmd in (
        EvacuateCasualty(command_id=_id(), casualty_id=cid),
        RecordArrival(command_id=_id(), casualty_id=cid, hospital_id="soroka"),
        AdmitCasualty(command_id=_id(), casualty_id=cid),
        DischargeCasualty(command_id=_id(), casualty_id=cid),
        RecordDeath(command_id=_id(), casualty_id=cid),
    ):
        with pytest.raises(InvalidCommand, match="has been discharged"):
            log.run(MEDIC, cmd)


# --- death and identification -------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.RESPONDER, Role.DISPATCHER, Role.ADMIN])
def test_only_a_medic_registrar_or_hospital_records_a_death(log: Log, role: Role) -> None:
    c = _record(log)
    with pytest.raises(Forbidden, match="only a medic, a registrar or the patient's hospital"):
        log.run(
            Actor("acc_someone", role), RecordDeath(command_id=_id(), casualty_id=c.casualty_id)
        )
    assert c.status is CasualtyStatus.AT_SCENE


def test_a_hospital_records_the_death_of_its_own_patient(log: Log) -> None:
    c = _record(log)
    log.run(
        HOSPITAL, RecordArrival(command_id=_id(), casualty_id=c.casualty_id, hospital_id="soroka")
    )
    log.run(HOSPITAL, AdmitCasualty(command_id=_id(), casualty_id=c.casualty_id))
    log.run(
        HOSPITAL,
        RecordDeath(command_id=_id(), casualty_id=c.casualty_id),
        after=timedelta(hours=1),
    )
    assert (c.status, c.pronounced_by, c.death_place) == (
        CasualtyStatus.DECEASED,
        HOSPITAL.account_id,
        "Soroka",
    )


def test_a_hospital_does_not_record_a_death_outside_its_walls(log: Log) -> None:
    at_scene = _record(log)
    with pytest.raises(Forbidden, match="not a patient in a hospital") as refused:
        log.run(HOSPITAL, RecordDeath(command_id=_id(), casualty_id=at_scene.casualty_id))
    assert refused.value.rule == "not_our_patient"
    elsewhere = _record(log, tag="IL-0002")
    log.run(
        MEDIC,
        RecordArrival(command_id=_id(), casualty_id=elsewhere.casualty_id, hospital_id="barzilai"),
    )
    with pytest.raises(Forbidden, match="does not act for Barzilai"):
        log.run(HOSPITAL, RecordDeath(command_id=_id(), casualty_id=elsewhere.casualty_id))
    assert (at_scene.status, elsewhere.status) == (CasualtyStatus.AT_SCENE, CasualtyStatus.ARRIVED)


@pytest.mark.parametrize("actor", [MEDIC, REGISTRAR])
def test_a_medic_or_registrar_records_a_death(log: Log, actor: Actor) -> None:
    c = _record(log, place="Tamar St 4")
    log.run(
        actor, RecordDeath(command_id=_id(), casualty_id=c.casualty_id), after=timedelta(minutes=3)
    )
    assert (c.status, c.died_at, c.pronounced_by) == (
        CasualtyStatus.DECEASED,
        log.now,
        actor.account_id,
    )
    assert c.death_place == "Tamar St 4"
    with pytest.raises(InvalidCommand, match="recorded dead"):
        log.run(actor, RecordDeath(command_id=_id(), casualty_id=c.casualty_id))


def test_death_needs_a_signed_in_actor_and_defaults_its_place(log: Log) -> None:
    c = _record(log)
    with pytest.raises(Forbidden, match="signed-in"):
        log.run(Actor(None, Role.MEDIC), RecordDeath(command_id=_id(), casualty_id=c.casualty_id))
    log.run(MEDIC, EvacuateCasualty(command_id=_id(), casualty_id=c.casualty_id, vehicle="MDA 7"))
    log.run(MEDIC, RecordDeath(command_id=_id(), casualty_id=c.casualty_id))
    assert c.death_place == "in transit (MDA 7)"
    other = _record(log, "IL-0002")
    log.run(
        HOSPITAL,
        RecordArrival(command_id=_id(), casualty_id=other.casualty_id, hospital_id="soroka"),
    )
    log.run(MEDIC, RecordDeath(command_id=_id(), casualty_id=other.casualty_id))
    assert other.death_place == "Soroka"


def test_identification_of_the_dead(log: Log) -> None:
    c = _record(log, description=Description(sex=Sex.FEMALE, hair="long, dark"))
    log.run(MEDIC, RecordDeath(command_id=_id(), casualty_id=c.casualty_id))
    assert c.identification is IdentificationStatus.UNIDENTIFIED
    name = PersonName(full_name="Rachel Edri", alternates=("רחל אדרי",))

    def identify(actor: Actor, status: IdentificationStatus, method: IdentificationMethod) -> None:
        log.run(
            actor,
            IdentifyCasualty(
                command_id=_id(),
                casualty_id=c.casualty_id,
                status=status,  # type: ignore[arg-type]
                name=name,
                identified_by="Neighbour, Mrs Levi",
                method=method,
            ),
        )

    with pytest.raises(Forbidden, match="only a medic or a registrar"):
        identify(RESPONDER, IdentificationStatus.PROVISIONAL, IdentificationMethod.VISUAL)
    with pytest.raises(InvalidCommand, match="provisional"):
        identify(REGISTRAR, IdentificationStatus.IDENTIFIED, IdentificationMethod.VISUAL)
    identify(REGISTRAR, IdentificationStatus.PROVISIONAL, IdentificationMethod.VISUAL)
    assert c.identification is IdentificationStatus.PROVISIONAL
    assert c.identified_by == "Neighbour, Mrs Levi"
    assert c.identification_recorded_by == REGISTRAR.account_id
    identify(REGISTRAR, IdentificationStatus.IDENTIFIED, IdentificationMethod.DNA)
    assert c.identification is IdentificationStatus.IDENTIFIED
    assert c.known_name == name
    with pytest.raises(InvalidCommand, match="already identified"):
        identify(MEDIC, IdentificationStatus.IDENTIFIED, IdentificationMethod.DENTAL)
    with pytest.raises(ValidationError):
        IdentifyCasualty(
            command_id=_id(),
            casualty_id=c.casualty_id,
            status=IdentificationStatus.UNIDENTIFIED,  # type: ignore[arg-type]
            name=name,
            identified_by="x",
            method=IdentificationMethod.DNA,
        )


# --- derived views, serialisation and replay ----------------------------------------------


def test_hospital_loads_count_incoming_by_category_most_urgent_first(log: Log) -> None:
    red = _record(log, "R1", answers=IMMEDIATE_ANSWERS)
    yellow = _record(log, "Y1", answers=DELAYED_ANSWERS)
    untriaged = _record(log, "U1")
    there = _record(log, "A1")
    for c in (yellow, red, untriaged):
        log.run(
            MEDIC,
            EvacuateCasualty(command_id=_id(), casualty_id=c.casualty_id, destination="soroka"),
        )
    log.run(
        HOSPITAL,
        RecordArrival(command_id=_id(), casualty_id=there.casualty_id, hospital_id="soroka"),
    )
    _record(log, "S1")  # still at the scene: counts nowhere
    loads = hospital_loads(log.state.slice(Casualties).by_id.values())
    assert set(loads) == {"soroka"}
    soroka = loads["soroka"]
    assert soroka.en_route == (red.casualty_id, yellow.casualty_id, untriaged.casualty_id)
    assert soroka.en_route_by_category == {"immediate": 1, "delayed": 1, "untriaged": 1}
    assert (soroka.arrived, soroka.admitted) == (1, 0)


def test_events_survive_json_and_replay_rebuilds_the_same_state(log: Log) -> None:
    c = _record(log, answers=DELAYED_ANSWERS, description=Description(age=AgeRange.exactly(40)))
    _tourniquet(log, c, BodySite.LEFT_LEG, T0)
    log.run(
        MEDIC, EvacuateCasualty(command_id=_id(), casualty_id=c.casualty_id, destination="soroka")
    )
    log.run(MEDIC, RecordDeath(command_id=_id(), casualty_id=c.casualty_id))
    log.run(
        REGISTRAR,
        IdentifyCasualty(
            command_id=_id(),
            casualty_id=c.casualty_id,
            status=IdentificationStatus.IDENTIFIED,
            name=PersonName(full_name="Иван Петров"),
            identified_by="DVI team",
            method=IdentificationMethod.FINGERPRINTS,
        ),
    )
    replayed = State()
    for r in log.recorded:
        body = r.event.model_dump_json()
        again = event_class(r.event.type).model_validate_json(body)
        assert again == r.event
        evolve(
            replayed,
            Recorded(r.position, r.event_id, r.recorded_at, r.actor, r.command_id, None, again),
        )
    assert replayed == log.state


def test_an_account_can_be_created_in_the_same_log() -> None:
    # Sanity for the fixtures other tests rely on: accounts and casualties share a state.
    log = Log()
    log.run(
        ADMIN,
        accounts.CreateAccount(
            command_id=_id(), username="soroka", role=Role.HOSPITAL, display_name="Soroka",
            password_hash="x" * 40,
        ),
    )  # fmt: skip
    assert len(log.state.slice(accounts.Accounts).by_id) == 1


def test_care_after_discharge_is_refused(log: Log) -> None:
    c = _record(log)
    log.run(
        HOSPITAL, RecordArrival(command_id=_id(), casualty_id=c.casualty_id, hospital_id="soroka")
    )
    log.run(HOSPITAL, DischargeCasualty(command_id=_id(), casualty_id=c.casualty_id))
    log.now += timedelta(minutes=5)
    with pytest.raises(InvalidCommand, match="discharged before the time given"):
        _tourniquet(log, c, BodySite.LEFT_ARM, log.now)
    assert hospital_loads(log.state.slice(Casualties).by_id.values()) == {}


def test_admitted_casualties_count_in_the_hospital_load(log: Log) -> None:
    c = _record(log)
    log.run(
        HOSPITAL, RecordArrival(command_id=_id(), casualty_id=c.casualty_id, hospital_id="soroka")
    )
    log.run(HOSPITAL, AdmitCasualty(command_id=_id(), casualty_id=c.casualty_id))
    load = hospital_loads(log.state.slice(Casualties).by_id.values())["soroka"]
    assert (load.en_route, load.arrived, load.admitted) == ((), 0, 1)


def test_an_explicit_protocol_wins_over_the_age(log: Log) -> None:
    c = _record(
        log,
        description=Description(age=AgeRange.exactly(9)),
        protocol=Protocol.JUMPSTART,
        answers={"child_walks": "yes"},
    )
    assert c.triage[0].protocol is Protocol.JUMPSTART


def test_a_hospital_account_acts_only_for_its_own_hospital(log: Log) -> None:
    c = _record(log)
    cid = c.casualty_id
    with pytest.raises(Forbidden, match="does not act for Barzilai"):
        log.run(HOSPITAL, RecordArrival(command_id=_id(), casualty_id=cid, hospital_id="barzilai"))
    log.run(MEDIC, RecordArrival(command_id=_id(), casualty_id=cid, hospital_id="barzilai"))
    with pytest.raises(Forbidden, match="does not act for Barzilai"):
        log.run(HOSPITAL, AdmitCasualty(command_id=_id(), casualty_id=cid))
    with pytest.raises(Forbidden, match="does not act for Barzilai"):
        log.run(HOSPITAL, DischargeCasualty(command_id=_id(), casualty_id=cid))
    assert c.status is CasualtyStatus.ARRIVED
