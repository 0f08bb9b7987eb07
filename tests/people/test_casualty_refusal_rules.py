"""Each rule casualties.py names is raised where it is claimed: the refusal a hospital clerk, a
registrar or a medic meets, which the pages say in their own language (common.js refusedFor),
while the English reason stays as it was."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from magen.domain import accounts, casualties
from magen.domain.base import Actor, Command, DecisionContext, Event, Recorded, decide, evolve
from magen.domain.casualties import (
    AdmitCasualty,
    BodySite,
    DischargeCasualty,
    EndIntervention,
    EvacuateCasualty,
    IdentificationMethod,
    IdentificationStatus,
    IdentifyCasualty,
    InterventionKind,
    InterventionRecorded,
    RecordArrival,
    RecordCasualty,
    RecordDeath,
    RecordIntervention,
    TriageCasualty,
    casualty_by_tag,
)
from magen.domain.errors import Conflict, DomainError, Forbidden, InvalidCommand, NotFound
from magen.domain.hospitals import RegisterHospital
from magen.domain.people import PersonName
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from support.rulekit import rules_named_in

T0 = datetime(2023, 10, 7, 6, 40, tzinfo=UTC)
ADMIN = Actor("acc_admin", Role.ADMIN)
MEDIC = Actor("acc_medic", Role.MEDIC)
RESPONDER = Actor("acc_officer", Role.RESPONDER)
REGISTRAR = Actor("acc_registrar", Role.REGISTRAR)
SOROKA = Actor("acc_soroka", Role.HOSPITAL)
HERE = GeoPoint(lat=31.3134, lon=34.6201)
ANSWERS = {"walks": False, "breathes": True, "respiratory_rate": 36}
NAME = PersonName(full_name="Dana Cohen")


class Log:
    """Decide and evolve in memory; the clock moves a minute before each command."""

    def __init__(self) -> None:
        self.state = State()
        self.now = T0
        self.position = 0
        self.intervention = ""  # the last intervention recorded

    def run(self, actor: Actor, cmd: Command) -> list[Event]:
        self.now += timedelta(minutes=1)
        events = decide(self.state, cmd, DecisionContext(actor, self.now))
        for e in events:
            self.position += 1
            evolve(
                self.state,
                Recorded(self.position, uuid.uuid4(), self.now, actor, cmd.command_id, None, e),
            )
        return events


def _id() -> uuid.UUID:
    return uuid.uuid4()


def _log() -> Log:
    """Soroka (its own hospital account) and Barzilai (none), and one casualty, tag T1."""
    log = Log()
    created = accounts.AccountCreated(
        account_id=SOROKA.account_id,
        username="soroka",
        role=Role.HOSPITAL,
        display_name="Soroka",
        password_hash="h" * 40,
    )
    log.position += 1
    evolve(log.state, Recorded(log.position, uuid.uuid4(), log.now, ADMIN, None, None, created))
    for hid, name, account in (("soroka", "Soroka", SOROKA.account_id), ("barzilai", "B", None)):
        log.run(
            ADMIN,
            RegisterHospital(
                command_id=_id(), hospital_id=hid, name=name, where=HERE, account_id=account
            ),
        )
    log.run(RESPONDER, RecordCasualty(command_id=_id(), tag="T1", where=HERE, answers=ANSWERS))
    return log


def _cid(log: Log) -> str:
    return casualty_by_tag(log.state, "T1").casualty_id


def _arrive(log: Log, hospital_id: str = "soroka") -> None:
    log.run(MEDIC, RecordArrival(command_id=_id(), casualty_id=_cid(log), hospital_id=hospital_id))


def _dead(log: Log) -> None:
    log.run(MEDIC, RecordDeath(command_id=_id(), casualty_id=_cid(log)))


def _discharged(log: Log) -> None:
    _arrive(log)
    log.run(SOROKA, DischargeCasualty(command_id=_id(), casualty_id=_cid(log)))


def _identify(log: Log, method: IdentificationMethod) -> IdentifyCasualty:
    return IdentifyCasualty(
        command_id=_id(),
        casualty_id=_cid(log),
        status=IdentificationStatus.IDENTIFIED,
        name=NAME,
        identified_by="Dr. Levi",
        method=method,
    )


# Each case: the rule, the refusal's class, words of its English reason (unchanged), what
# happened before, and the refused command (actor, command) on that log.
Setup = Callable[[Log], None]
Refused = Callable[[Log], tuple[Actor, Command]]


def _nothing(log: Log) -> None:
    pass


def _tourniquet_ended(log: Log) -> None:
    events = log.run(
        MEDIC,
        RecordIntervention(
            command_id=_id(),
            casualty_id=_cid(log),
            kind=InterventionKind.TOURNIQUET,
            site=BodySite.LEFT_ARM,
        ),
    )
    applied = events[0]
    assert isinstance(applied, InterventionRecorded)
    log.intervention = applied.intervention_id
    log.run(
        MEDIC,
        EndIntervention(command_id=_id(), casualty_id=_cid(log), intervention_id=log.intervention),
    )


def _arrived_then_dead(log: Log) -> None:
    _arrive(log)
    _dead(log)


def _evacuated(log: Log) -> None:
    log.run(MEDIC, EvacuateCasualty(command_id=_id(), casualty_id=_cid(log)))


def _admitted(log: Log) -> None:
    _arrive(log)
    log.run(SOROKA, AdmitCasualty(command_id=_id(), casualty_id=_cid(log)))


def _identified(log: Log) -> None:
    log.run(REGISTRAR, _identify(log, IdentificationMethod.DOCUMENTS))


CASES: list[tuple[str, type[DomainError], str, Setup, Refused]] = [
    (
        "casualty_not_found",
        NotFound,
        "no casualty cas_gone",
        _nothing,
        lambda log: (
            MEDIC,
            TriageCasualty(command_id=_id(), casualty_id="cas_gone", answers=ANSWERS),
        ),
    ),
    (
        "tag_in_use",
        Conflict,
        "already on another casualty",
        _nothing,
        lambda log: (RESPONDER, RecordCasualty(command_id=_id(), tag="t1")),
    ),
    (
        # A hospital desk acting on a patient now in another hospital.
        "not_our_patient",
        Forbidden,
        "this account does not act for B",
        lambda log: _arrive(log, "barzilai"),
        lambda log: (SOROKA, AdmitCasualty(command_id=_id(), casualty_id=_cid(log))),
    ),
    (
        # A hospital recording the death of someone still at the scene.
        "not_our_patient",
        Forbidden,
        "a hospital records the death of its own patients",
        _nothing,
        lambda log: (SOROKA, RecordDeath(command_id=_id(), casualty_id=_cid(log))),
    ),
    (
        "casualty_dead",
        InvalidCommand,
        "cannot admit: tag T1 has been recorded dead",
        _arrived_then_dead,
        lambda log: (SOROKA, AdmitCasualty(command_id=_id(), casualty_id=_cid(log))),
    ),
    (
        "casualty_dead",
        InvalidCommand,
        "tag T1 was recorded dead before the time given",
        _dead,
        lambda log: (
            MEDIC,
            RecordIntervention(command_id=_id(), casualty_id=_cid(log), kind=InterventionKind.CPR),
        ),
    ),
    (
        "casualty_discharged",
        InvalidCommand,
        "cannot record a death: tag T1 has been discharged",
        _discharged,
        lambda log: (SOROKA, RecordDeath(command_id=_id(), casualty_id=_cid(log))),
    ),
    (
        "casualty_discharged",
        InvalidCommand,
        "tag T1 was discharged before the time given",
        _discharged,
        lambda log: (
            MEDIC,
            RecordIntervention(
                command_id=_id(), casualty_id=_cid(log), kind=InterventionKind.OXYGEN
            ),
        ),
    ),
    (
        # The hospital desk's death form, its time before the casualty was found.
        "time_too_early",
        InvalidCommand,
        "the time given is before the time the casualty was found",
        _arrive,
        lambda log: (SOROKA, RecordDeath(command_id=_id(), casualty_id=_cid(log), at=T0)),
    ),
    (
        "time_too_early",
        InvalidCommand,
        "the time given is before the arrival or admission",
        _arrive,
        lambda log: (SOROKA, DischargeCasualty(command_id=_id(), casualty_id=_cid(log), at=T0)),
    ),
    (
        "intervention_ended",
        InvalidCommand,
        "that intervention has already ended",
        _tourniquet_ended,
        lambda log: (
            MEDIC,
            EndIntervention(
                command_id=_id(), casualty_id=_cid(log), intervention_id=log.intervention
            ),
        ),
    ),
    (
        "already_evacuated",
        InvalidCommand,
        "tag T1 is already on the way; record the arrival first",
        _evacuated,
        lambda log: (MEDIC, EvacuateCasualty(command_id=_id(), casualty_id=_cid(log))),
    ),
    (
        "already_in_that_hospital",
        InvalidCommand,
        "the destination is the hospital the casualty is already in",
        _arrive,
        lambda log: (
            SOROKA,
            EvacuateCasualty(command_id=_id(), casualty_id=_cid(log), destination="soroka"),
        ),
    ),
    (
        "already_in_hospital",
        InvalidCommand,
        "tag T1 is already in hospital; record an evacuation to transfer it",
        _arrive,
        lambda log: (
            SOROKA,
            RecordArrival(command_id=_id(), casualty_id=_cid(log), hospital_id="soroka"),
        ),
    ),
    (
        "already_admitted",
        InvalidCommand,
        "tag T1 is already admitted",
        _admitted,
        lambda log: (SOROKA, AdmitCasualty(command_id=_id(), casualty_id=_cid(log))),
    ),
    (
        "not_arrived",
        InvalidCommand,
        "tag T1 has not arrived at a hospital yet",
        _evacuated,
        lambda log: (SOROKA, AdmitCasualty(command_id=_id(), casualty_id=_cid(log))),
    ),
    (
        "not_in_hospital",
        InvalidCommand,
        "tag T1 is not in a hospital; only a hospital discharges",
        _evacuated,
        lambda log: (MEDIC, DischargeCasualty(command_id=_id(), casualty_id=_cid(log))),
    ),
    (
        "already_identified",
        InvalidCommand,
        "tag T1 is already identified as Dana Cohen",
        _identified,
        lambda log: (REGISTRAR, _identify(log, IdentificationMethod.DNA)),
    ),
    (
        "visual_id_of_dead",
        InvalidCommand,
        "visual recognition of the dead is a provisional identification",
        _dead,
        lambda log: (REGISTRAR, _identify(log, IdentificationMethod.VISUAL)),
    ),
    (
        "secondary_id_of_dead",
        InvalidCommand,
        "identifying the dead by documents is provisional only",
        _dead,
        lambda log: (REGISTRAR, _identify(log, IdentificationMethod.DOCUMENTS)),
    ),
    (
        "formal_id_of_dead_by_registrar",
        Forbidden,
        "only a registrar records a formal identification of the dead",
        _dead,
        lambda log: (MEDIC, _identify(log, IdentificationMethod.DNA)),
    ),
]


@pytest.mark.parametrize(
    ("rule", "kind", "reason", "before", "refused"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_the_refusal_names_its_rule_and_keeps_its_english(
    rule: str, kind: type[DomainError], reason: str, before: Setup, refused: Refused
) -> None:
    log = _log()
    before(log)
    actor, cmd = refused(log)
    position = log.position
    with pytest.raises(kind) as raised:
        log.run(actor, cmd)
    assert raised.value.rule == rule
    assert reason in raised.value.reason
    assert log.position == position  # nothing was appended


def test_every_rule_casualties_names_is_held_here() -> None:
    """A rule added to casualties.py without a case here fails (and one dropped there)."""
    assert rules_named_in(casualties) == {c[0] for c in CASES}
