"""A confirmed outcome follows the casualty: a death or a discharge after confirmation, what
the family is then shown and told, and a confirmed match withdrawn (domain/persons.py)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from pydantic import ValidationError

from magen.app import registry_board
from magen.app.registry_board import compute_board
from magen.domain.accounts import AccountCreated, CreateAccount, account_id_for
from magen.domain.base import (
    Actor,
    Command,
    DecisionContext,
    Event,
    Recorded,
    decide,
    event_class,
    evolve,
)
from magen.domain.casualties import (
    Casualties,
    DischargeCasualty,
    Disposition,
    EvacuateCasualty,
    IdentificationMethod,
    IdentificationStatus,
    IdentifyCasualty,
    RecordArrival,
    RecordCasualty,
    RecordDeath,
    casualty_by_tag,
)
from magen.domain.errors import Conflict, Forbidden, InvalidCommand
from magen.domain.hospitals import RegisterHospital
from magen.domain.people import PersonName
from magen.domain.persons import (
    COMMAND_ROLES,
    FOUND_PENDING,
    CandidateKind,
    Channel,
    CheckInSurvivor,
    ConfirmMatch,
    MarkPersonSafe,
    MatchStatus,
    NoteStatus,
    NotificationRecorded,
    Outcome,
    Persons,
    ProposeMatch,
    RecordNotification,
    ReportMissingPerson,
    ReportStatus,
    WithdrawMatch,
    family_view,
    report_id_for,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from magen.people import pfif

T0 = datetime(2023, 10, 7, 9, 0, tzinfo=UTC)
ADMIN = Actor("acc_admin", Role.ADMIN)
REGISTRAR = Actor("acc_registrar", Role.REGISTRAR)
MEDIC = Actor("acc_medic", Role.MEDIC)
HOSPITAL = Actor("acc_hadassah", Role.HOSPITAL)
HERE = GeoPoint(lat=31.77, lon=35.2)
SARA = PersonName(full_name="שרה לוי", alternates=("Sara Levy",))
STALE = "Found alive and receiving care. A registrar will call you."


class Log:
    """Decide and evolve commands in memory, a minute apart, keeping what was recorded."""

    def __init__(self) -> None:
        self.state = State()
        self.recorded: list[Recorded] = []
        self.now = T0

    def apply(self, actor: Actor, e: Event, command_id: uuid.UUID | None = None) -> None:
        r = Recorded(len(self.recorded) + 1, uuid.uuid4(), self.now, actor, command_id, None, e)
        self.recorded.append(r)
        evolve(self.state, r)

    def run(self, actor: Actor, cmd: Command) -> list[Event]:
        self.now += timedelta(minutes=1)
        events = decide(self.state, cmd, DecisionContext(actor, self.now))
        for e in events:
            self.apply(actor, e, cmd.command_id)
        return events

    @property
    def persons(self) -> Persons:
        return self.state.slice(Persons)

    def replayed(self) -> State:
        """The state folded afresh from the events as the log stores them (through JSON),
        which must be the state kept live."""
        out = State()
        for r in self.recorded:
            again = event_class(r.event.type).model_validate_json(r.event.model_dump_json())
            assert again == r.event
            evolve(
                out,
                Recorded(r.position, r.event_id, r.recorded_at, r.actor, r.command_id, None, again),
            )
        assert out == self.state
        return out


def _id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def log() -> Log:
    out = Log()
    out.apply(
        ADMIN,
        AccountCreated(
            account_id=HOSPITAL.account_id,
            username="hadassah",
            role=Role.HOSPITAL,
            display_name="Hadassah",
            password_hash="h" * 40,
        ),
    )
    out.run(
        ADMIN,
        RegisterHospital(
            command_id=_id(),
            hospital_id="hadassah",
            name="Hadassah",
            where=HERE,
            account_id=HOSPITAL.account_id,
        ),
    )
    return out


def _family(log: Log, username: str = "levi") -> Actor:
    cmd_id = _id()
    log.run(
        ADMIN,
        CreateAccount(
            command_id=cmd_id,
            username=username,
            role=Role.RESIDENT,
            display_name=username,
            password_hash="h" * 40,
        ),
    )
    return Actor(account_id_for(cmd_id), Role.RESIDENT)


def _report(log: Log, family: Actor, name: PersonName = SARA) -> str:
    cmd_id = _id()
    log.run(family, ReportMissingPerson(command_id=cmd_id, name=name))
    return report_id_for(cmd_id)


def _in_hospital(log: Log, tag: str) -> str:
    """A casualty named at the scene, arrived at Hadassah: its id."""
    log.run(
        MEDIC,
        RecordCasualty(command_id=_id(), tag=tag, name=PersonName(full_name="Sara Levy")),
    )
    casualty_id = casualty_by_tag(log.state, tag).casualty_id
    log.run(
        HOSPITAL, RecordArrival(command_id=_id(), casualty_id=casualty_id, hospital_id="hadassah")
    )
    return casualty_id


def _match(log: Log, report_id: str, kind: CandidateKind, candidate_id: str) -> str:
    log.run(
        REGISTRAR,
        ProposeMatch(
            command_id=_id(),
            report_id=report_id,
            candidate_kind=kind,
            candidate_id=candidate_id,
            score=0.9,
        ),
    )
    return next(reversed(log.persons.matches))


def _confirmed(log: Log, report_id: str, casualty_id: str) -> str:
    match_id = _match(log, report_id, CandidateKind.CASUALTY, casualty_id)
    log.run(REGISTRAR, ConfirmMatch(command_id=_id(), match_id=match_id))
    return match_id


def _tell(log: Log, report_id: str, match_id: str) -> None:
    log.run(REGISTRAR, RecordNotification(command_id=_id(), report_id=report_id, match_id=match_id))


def _identify(log: Log, casualty_id: str) -> None:
    log.run(
        REGISTRAR,
        IdentifyCasualty(
            command_id=_id(),
            casualty_id=casualty_id,
            status=IdentificationStatus.IDENTIFIED,
            name=SARA,
            identified_by="DVI",
            method=IdentificationMethod.DENTAL,
        ),
    )


def _seen(log: Log, family: Actor) -> tuple[str, Outcome | None, str]:
    assert family.account_id is not None
    [r] = family_view(log.state, family.account_id).reports
    return r.status, r.outcome, r.message


def _outcome_notes(log: Log, report_id: str) -> list[NoteStatus | None]:
    """The statuses of the registry's outcome notes a PFIF export gives of the report."""
    doc = pfif.export_pfif(log.state, domain="magen.example.org")
    [person] = [p for p in doc.persons if p.person_record_id.endswith(f"/{report_id}")]
    return [n.status for n in person.notes if "/outcome." in n.note_record_id]


# --- a death after confirmation -------------------------------------------------------------


def test_a_death_after_the_family_was_told_changes_the_outcome_and_they_are_told_again(
    log: Log,
) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "B1")
    match_id = _confirmed(log, report_id, casualty_id)
    assert _seen(log, family) == ("found", Outcome.INJURED, STALE)
    _tell(log, report_id, match_id)
    assert _outcome_notes(log, report_id) == [NoteStatus.BELIEVED_ALIVE]

    log.run(HOSPITAL, RecordDeath(command_id=_id(), casualty_id=casualty_id))
    report = log.persons.missing[report_id]
    assert (report.status, report.outcome, report.outcome_was) == (
        ReportStatus.FOUND,
        Outcome.DECEASED,
        Outcome.INJURED,
    )
    assert report.outcome_changed_at == log.now
    # What they were told no longer stands: set aside, with the outcome they were told.
    assert report.notifications == []
    assert [(n.match_id, n.outcome) for n in report.told_before] == [(match_id, Outcome.INJURED)]
    # The page says neither the stale "receiving care" nor the death.
    assert _seen(log, family) == ("found", None, FOUND_PENDING)
    assert family.account_id is not None
    [seen] = family_view(log.state, family.account_id).reports
    assert len(seen.told_at) == 1  # they did speak with the registry

    # What is exported says neither the stale "alive" nor the untold death.
    assert _outcome_notes(log, report_id) == []

    # Not formally identified: no family is told of the death yet.
    with pytest.raises(InvalidCommand, match="identify first") as refused:
        _tell(log, report_id, match_id)
    assert refused.value.rule == "not_formally_identified"
    _identify(log, casualty_id)
    _tell(log, report_id, match_id)
    status, outcome, _ = _seen(log, family)
    assert (status, outcome) == ("found", Outcome.DECEASED)
    assert [n.outcome for n in log.persons.missing[report_id].notifications] == [Outcome.DECEASED]
    assert _outcome_notes(log, report_id) == [NoteStatus.BELIEVED_DEAD]


def test_a_death_before_the_family_was_told_is_never_shown_as_care(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "B2")
    _confirmed(log, report_id, casualty_id)
    log.run(REGISTRAR, RecordDeath(command_id=_id(), casualty_id=casualty_id))
    assert _seen(log, family) == ("found", None, FOUND_PENDING)
    assert log.persons.missing[report_id].told_before == []


def test_the_family_of_a_duplicate_report_is_told_again_too(log: Log) -> None:
    mother, brother = _family(log, "mother"), _family(log, "brother")
    first = _report(log, mother)
    second = _report(log, brother, PersonName(full_name="Sara Levy"))
    dup = _match(log, second, CandidateKind.MISSING, first)
    log.run(REGISTRAR, ConfirmMatch(command_id=_id(), match_id=dup))
    casualty_id = _in_hospital(log, "B3")
    match_id = _confirmed(log, first, casualty_id)
    _tell(log, first, match_id)
    _tell(log, second, match_id)
    log.run(HOSPITAL, RecordDeath(command_id=_id(), casualty_id=casualty_id))
    assert _seen(log, brother) == ("found", None, FOUND_PENDING)
    assert [n.outcome for n in log.persons.missing[second].told_before] == [Outcome.INJURED]


# --- discharges -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("disposition", "outcome"),
    [
        (Disposition.HOME, Outcome.SAFE),
        (Disposition.SHELTER, Outcome.SAFE),
        (Disposition.OTHER_CARE, Outcome.INJURED),
        (Disposition.LEFT_AGAINST_ADVICE, Outcome.LEFT_CARE),
    ],
)
def test_a_discharge_is_safe_only_home_or_to_a_shelter(
    log: Log, disposition: Disposition, outcome: Outcome
) -> None:
    family = _family(log)
    # Discharged before the match is confirmed: the outcome confirmed.
    before = _report(log, family)
    early = _in_hospital(log, "D1")
    log.run(
        HOSPITAL,
        DischargeCasualty(command_id=_id(), casualty_id=early, disposition=disposition),
    )
    _confirmed(log, before, early)
    assert log.persons.missing[before].outcome is outcome

    # Discharged after: the outcome changes (or stays, for other care).
    after = _report(log, family, PersonName(full_name="Sara Levy"))
    late = _in_hospital(log, "D2")
    match_id = _confirmed(log, after, late)
    _tell(log, after, match_id)
    log.run(
        HOSPITAL,
        DischargeCasualty(command_id=_id(), casualty_id=late, disposition=disposition),
    )
    report = log.persons.missing[after]
    assert report.outcome is outcome
    if outcome is Outcome.INJURED:  # still in care: nothing they were told changed
        assert (report.outcome_was, report.outcome_changed_at) == (None, None)
        assert [n.match_id for n in report.notifications] == [match_id]
    else:
        assert report.outcome_was is Outcome.INJURED
        assert report.notifications == []


# --- withdrawing a confirmed match ----------------------------------------------------------


def test_a_registrar_withdraws_a_wrong_match_and_the_family_is_to_be_told(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "W1")
    match_id = _confirmed(log, report_id, casualty_id)
    _tell(log, report_id, match_id)

    withdraw = WithdrawMatch(command_id=_id(), match_id=match_id, reason="she called us")
    for actor in (family, ADMIN, MEDIC, HOSPITAL):
        with pytest.raises(Forbidden):
            log.run(actor, withdraw)
    assert COMMAND_ROLES[WithdrawMatch] == frozenset({Role.REGISTRAR})
    log.run(REGISTRAR, withdraw)

    m = log.persons.matches[match_id]
    assert (m.status, m.reason, m.decided_by) == (
        MatchStatus.WITHDRAWN,
        "she called us",
        REGISTRAR.account_id,
    )
    report = log.persons.missing[report_id]
    assert (report.status, report.outcome, report.outcome_match, report.closed_at) == (
        ReportStatus.SEARCHING,
        None,
        None,
        None,
    )
    assert _seen(log, family) == ("searching", None, "")
    assert log.persons.to_tell_again == {report_id: match_id}
    assert log.persons.confirmed_casualty[casualty_id] == []

    # The same pair is not proposed again; the report can be matched with someone else.
    with pytest.raises(Conflict, match="withdrawn"):
        _match(log, report_id, CandidateKind.CASUALTY, casualty_id)
    with pytest.raises(InvalidCommand, match="only a confirmed match"):
        log.run(REGISTRAR, WithdrawMatch(command_id=_id(), match_id=match_id, reason="again"))

    # Telling them the earlier news was wrong is recorded against the withdrawn match.
    _tell(log, report_id, match_id)
    assert log.persons.to_tell_again == {}
    log.run(REGISTRAR, CheckInSurvivor(command_id=_id(), name=SARA))
    survivor = next(reversed(log.persons.survivors))
    other = _match(log, report_id, CandidateKind.SURVIVOR, survivor)
    log.run(REGISTRAR, ConfirmMatch(command_id=_id(), match_id=other))
    assert _seen(log, family)[:2] == ("found", Outcome.SAFE)


def test_a_match_nobody_was_told_of_is_withdrawn_with_nobody_to_tell(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    match_id = _confirmed(log, report_id, _in_hospital(log, "W2"))
    log.run(REGISTRAR, WithdrawMatch(command_id=_id(), match_id=match_id, reason="not her"))
    assert log.persons.to_tell_again == {}
    # A withdrawn match nobody must hear of cannot be "told".
    with pytest.raises(InvalidCommand, match="confirmed match"):
        _tell(log, report_id, match_id)


def test_a_wrong_duplicate_link_is_withdrawn(log: Log) -> None:
    mother, brother = _family(log, "mother"), _family(log, "brother")
    first = _report(log, mother)
    second = _report(log, brother, PersonName(full_name="Sara Levy"))
    dup = _match(log, second, CandidateKind.MISSING, first)
    log.run(REGISTRAR, ConfirmMatch(command_id=_id(), match_id=dup))
    match_id = _confirmed(log, first, _in_hospital(log, "W3"))
    _tell(log, second, match_id)
    log.run(REGISTRAR, WithdrawMatch(command_id=_id(), match_id=dup, reason="another Sara"))
    report = log.persons.missing[second]
    assert (report.status, report.duplicate_of) == (ReportStatus.SEARCHING, None)
    assert _seen(log, brother) == ("searching", None, "")
    assert _seen(log, mother)[:2] == ("found", Outcome.INJURED)
    assert log.persons.to_tell_again == {second: dup}
    assert log.persons.duplicates[first] == []


def test_a_reason_is_required() -> None:
    for blank in ("", "   "):
        with pytest.raises(ValidationError):
            WithdrawMatch(command_id=_id(), match_id="mat_x", reason=blank)


def test_changed_outcomes_and_withdrawals_survive_json_and_replay(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "R1")
    match_id = _confirmed(log, report_id, casualty_id)
    _tell(log, report_id, match_id)
    log.run(HOSPITAL, RecordDeath(command_id=_id(), casualty_id=casualty_id))
    other = _report(log, family, PersonName(full_name="Sara Levy"))
    wrong = _confirmed(log, other, _in_hospital(log, "R2"))
    _tell(log, other, wrong)
    log.run(REGISTRAR, WithdrawMatch(command_id=_id(), match_id=wrong, reason="not her"))
    replayed = log.replayed()
    assert replayed.slice(Persons).missing[report_id].outcome is Outcome.DECEASED


# --- withdrawn news after the outcome changed; told of the new outcome ----------------------


def _death(log: Log, casualty_id: str) -> None:
    log.run(HOSPITAL, RecordDeath(command_id=_id(), casualty_id=casualty_id))


def _discharge(log: Log, casualty_id: str) -> None:
    log.run(
        HOSPITAL,
        DischargeCasualty(command_id=_id(), casualty_id=casualty_id, disposition=Disposition.HOME),
    )


@pytest.mark.parametrize("change", [_death, _discharge], ids=["death", "discharge"])
def test_a_match_withdrawn_after_the_outcome_changed_is_still_to_be_put_right(
    log: Log, change: Callable[[Log, str], None]
) -> None:
    """Told "receiving care", then a death or a discharge set that aside before the match
    proved wrong: the family must still hear it was wrong."""
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "X1")
    match_id = _confirmed(log, report_id, casualty_id)
    _tell(log, report_id, match_id)
    change(log, casualty_id)
    assert log.persons.missing[report_id].notifications == []
    log.run(REGISTRAR, WithdrawMatch(command_id=_id(), match_id=match_id, reason="not her"))

    assert log.persons.to_tell_again == {report_id: match_id}
    [row] = [t for t in compute_board(log.state).to_tell if t.report_id == report_id]
    assert (row.match_id, row.withdrawn, row.told) == (match_id, True, Outcome.INJURED)
    _tell(log, report_id, match_id)
    assert log.persons.to_tell_again == {}


def test_a_duplicate_link_withdrawn_after_a_death_is_still_to_be_put_right(log: Log) -> None:
    mother, brother = _family(log, "mother"), _family(log, "brother")
    first = _report(log, mother)
    second = _report(log, brother, PersonName(full_name="Sara Levy"))
    dup = _match(log, second, CandidateKind.MISSING, first)
    log.run(REGISTRAR, ConfirmMatch(command_id=_id(), match_id=dup))
    casualty_id = _in_hospital(log, "X2")
    match_id = _confirmed(log, first, casualty_id)
    _tell(log, second, match_id)  # the brother heard "receiving care"
    _death(log, casualty_id)
    log.run(REGISTRAR, WithdrawMatch(command_id=_id(), match_id=dup, reason="another Sara"))
    assert log.persons.to_tell_again == {second: dup}
    assert _seen(log, brother) == ("searching", None, "")


def test_telling_the_family_the_new_outcome_puts_the_withdrawn_news_right(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    wrong = _confirmed(log, report_id, _in_hospital(log, "X3"))
    _tell(log, report_id, wrong)
    log.run(REGISTRAR, WithdrawMatch(command_id=_id(), match_id=wrong, reason="wrong person"))
    right = _confirmed(log, report_id, _in_hospital(log, "X4"))
    assert log.persons.to_tell_again == {report_id: wrong}  # not told anything since

    _tell(log, report_id, right)
    assert log.persons.to_tell_again == {}
    assert [t for t in compute_board(log.state).to_tell if t.report_id == report_id] == []
    assert _seen(log, family)[:2] == ("found", Outcome.INJURED)


# --- a death is told in person ----------------------------------------------------------------


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.MESSAGE])
def test_a_death_is_told_only_in_person(log: Log, channel: Channel) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "D1")
    _death(log, casualty_id)
    _identify(log, casualty_id)
    match_id = _confirmed(log, report_id, casualty_id)
    by = RecordNotification(
        command_id=_id(), report_id=report_id, match_id=match_id, channel=channel
    )
    with pytest.raises(InvalidCommand, match="in person") as refused:
        log.run(REGISTRAR, by)
    assert refused.value.rule == "death_told_in_person"
    assert _seen(log, family) == ("searching", None, "")  # a death untold is never shown
    _tell(log, report_id, match_id)  # in person, the default
    assert _seen(log, family)[:2] == ("found", Outcome.DECEASED)


def test_a_death_after_the_family_was_told_is_told_again_in_person(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "D2")
    match_id = _confirmed(log, report_id, casualty_id)
    log.run(
        REGISTRAR,
        RecordNotification(
            command_id=_id(), report_id=report_id, match_id=match_id, channel=Channel.PHONE
        ),
    )  # "receiving care" may be said by phone
    _death(log, casualty_id)
    _identify(log, casualty_id)
    with pytest.raises(InvalidCommand, match="in person"):
        log.run(
            REGISTRAR,
            RecordNotification(
                command_id=_id(), report_id=report_id, match_id=match_id, channel=Channel.PHONE
            ),
        )
    assert _seen(log, family) == ("found", None, FOUND_PENDING)


# --- a safe-mark retried from before words_if_closed existed -------------------------------


def test_a_safe_mark_without_words_keeps_its_fingerprint() -> None:
    """The digest a safe-mark was stored under before `words_if_closed` existed: a retry of
    it with the same command id is the same command, not a conflict."""
    family = Actor("acc_levi", Role.RESIDENT)
    plain = MarkPersonSafe(
        command_id=uuid.UUID("00000000-0000-4000-8000-000000000002"),
        report_id="mis_0123456789abcdef0123",
        note="She called us",
    )
    before = hashlib.sha256(
        b"MarkPersonSafe|acc_levi|"
        + msgspec.json.Encoder(order="deterministic", enc_hook=str).encode(
            {"report_id": "mis_0123456789abcdef0123", "note": "She called us"}
        )
    ).hexdigest()
    assert plain.fingerprint(family) == before
    worded = plain.model_copy(update={"words_if_closed": "נמצאה בשלום"})
    assert worded.fingerprint(family) != before


# --- a living patient identified, then dead -----------------------------------------------


@pytest.mark.parametrize(
    "method", [IdentificationMethod.NEXT_OF_KIN, IdentificationMethod.FINGERPRINTS]
)
def test_a_medic_s_formal_identification_is_provisional_once_the_patient_dies(
    log: Log, method: IdentificationMethod
) -> None:
    """Only the desk formally identifies the dead: a medic's identification of a living
    patient, even by a primary identifier, is lowered at death, and the death is not told
    until a registrar identifies formally."""
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "M1")
    log.run(
        MEDIC,
        IdentifyCasualty(
            command_id=_id(),
            casualty_id=casualty_id,
            status=IdentificationStatus.IDENTIFIED,
            name=SARA,
            identified_by="a cousin",
            method=method,
        ),
    )
    _death(log, casualty_id)
    c = log.state.slice(Casualties).by_id[casualty_id]
    assert (c.identification, c.identification_method, c.identified_by) == (
        IdentificationStatus.PROVISIONAL,
        method,
        "a cousin",
    )
    # Still the medic's identification, not the hospital's that recorded the death.
    assert c.identification_recorded_by == MEDIC.account_id
    match_id = _match(log, report_id, CandidateKind.CASUALTY, casualty_id)
    with pytest.raises(InvalidCommand, match="identify first"):
        log.run(REGISTRAR, ConfirmMatch(command_id=_id(), match_id=match_id))
    _identify(log, casualty_id)
    c = log.state.slice(Casualties).by_id[casualty_id]
    assert (c.identification, c.identification_recorded_by) == (
        IdentificationStatus.IDENTIFIED,
        REGISTRAR.account_id,
    )
    log.run(REGISTRAR, ConfirmMatch(command_id=_id(), match_id=match_id))
    _tell(log, report_id, match_id)
    assert _seen(log, family)[:2] == ("found", Outcome.DECEASED)


def test_the_desk_s_formal_identification_of_a_living_patient_stands_at_death(log: Log) -> None:
    casualty_id = _in_hospital(log, "M2")
    _identify(log, casualty_id)  # a registrar, by dental records
    events = log.run(HOSPITAL, RecordDeath(command_id=_id(), casualty_id=casualty_id))
    assert [type(e).__name__ for e in events] == ["DeathRecorded"]
    c = log.state.slice(Casualties).by_id[casualty_id]
    assert (c.identification, c.identification_recorded_by) == (
        IdentificationStatus.IDENTIFIED,
        REGISTRAR.account_id,
    )


def test_documents_lowered_at_death_keep_who_recorded_them(log: Log) -> None:
    casualty_id = _in_hospital(log, "M3")
    log.run(
        MEDIC,
        IdentifyCasualty(
            command_id=_id(),
            casualty_id=casualty_id,
            status=IdentificationStatus.IDENTIFIED,
            name=SARA,
            identified_by="ID card",
            method=IdentificationMethod.DOCUMENTS,
        ),
    )
    _death(log, casualty_id)
    c = log.state.slice(Casualties).by_id[casualty_id]
    assert (c.identification, c.identification_recorded_by) == (
        IdentificationStatus.PROVISIONAL,
        MEDIC.account_id,
    )


# --- a living casualty moved after the family was told where ------------------------------


def _soroka(log: Log) -> None:
    log.run(
        ADMIN,
        RegisterHospital(command_id=_id(), hospital_id="soroka", name="Soroka", where=HERE),
    )


def _waiting(log: Log, report_id: str) -> list[tuple[str | None, str | None, Outcome | None]]:
    """The board's families to tell of this report: (moved from, where now, told)."""
    return [
        (t.moved_from, t.place, t.told)
        for t in compute_board(log.state).to_tell
        if t.report_id == report_id
    ]


def test_a_transfer_after_the_family_was_told_lists_them_to_be_told_where(log: Log) -> None:
    _soroka(log)
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "M1")
    match_id = _confirmed(log, report_id, casualty_id)
    # Never told: waiting, with where the casualty is now.
    assert _waiting(log, report_id) == [(None, "hospital:hadassah", None)]
    _tell(log, report_id, match_id)
    assert log.persons.missing[report_id].notifications[-1].place == "hospital:hadassah"
    assert _waiting(log, report_id) == []

    log.run(
        HOSPITAL,
        EvacuateCasualty(command_id=_id(), casualty_id=casualty_id, destination="soroka"),
    )
    # Still alive and in care: the outcome and the family's page are unchanged...
    report = log.persons.missing[report_id]
    assert (report.outcome, report.outcome_was) == (Outcome.INJURED, None)
    assert _seen(log, family) == ("found", Outcome.INJURED, STALE)
    # ...but the desk lists them: they were told Hadassah, and are on the way to Soroka.
    assert _waiting(log, report_id) == [("hospital:hadassah", "hospital:soroka", Outcome.INJURED)]
    board = compute_board(log.state)
    [tell] = [t for t in board.to_tell if t.report_id == report_id]
    assert tell.casualty_id == casualty_id
    assert tell.told_before
    assert {"hadassah", "soroka"} <= set(
        registry_board.named(log.state, (), board.to_tell).hospitals
    )

    _tell(log, report_id, match_id)  # told where they are going
    assert _waiting(log, report_id) == []
    # Arriving where the family was told they were going is no news.
    log.run(ADMIN, RecordArrival(command_id=_id(), casualty_id=casualty_id, hospital_id="soroka"))
    assert _waiting(log, report_id) == []


def test_a_transfer_with_no_destination_said_is_on_the_way_not_out_of_hospital(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "M7")
    match_id = _confirmed(log, report_id, casualty_id)
    _tell(log, report_id, match_id)
    log.run(HOSPITAL, EvacuateCasualty(command_id=_id(), casualty_id=casualty_id))
    assert _waiting(log, report_id) == [("hospital:hadassah", "on_the_way", Outcome.INJURED)]


def test_a_discharge_to_other_care_lists_the_family_to_be_told_where(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "M2")
    match_id = _confirmed(log, report_id, casualty_id)
    _tell(log, report_id, match_id)
    log.run(
        HOSPITAL,
        DischargeCasualty(
            command_id=_id(), casualty_id=casualty_id, disposition=Disposition.OTHER_CARE
        ),
    )
    assert _waiting(log, report_id) == [("hospital:hadassah", "other_care", Outcome.INJURED)]


def test_a_family_told_before_the_casualty_reached_a_hospital_hears_which(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    log.run(MEDIC, RecordCasualty(command_id=_id(), tag="M3", name=SARA))
    casualty_id = casualty_by_tag(log.state, "M3").casualty_id
    match_id = _confirmed(log, report_id, casualty_id)
    _tell(log, report_id, match_id)
    assert _waiting(log, report_id) == []
    # On the way with no destination said: still nowhere a family could go.
    log.run(MEDIC, EvacuateCasualty(command_id=_id(), casualty_id=casualty_id))
    assert _waiting(log, report_id) == []
    log.run(
        HOSPITAL,
        RecordArrival(command_id=_id(), casualty_id=casualty_id, hospital_id="hadassah"),
    )
    assert _waiting(log, report_id) == [("none", "hospital:hadassah", Outcome.INJURED)]


def test_the_place_told_is_the_one_the_desk_saw_and_older_tellings_are_not_relisted(
    log: Log,
) -> None:
    _soroka(log)
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "M4")
    match_id = _confirmed(log, report_id, casualty_id)
    [told] = decide(
        log.state,
        RecordNotification(command_id=_id(), report_id=report_id, match_id=match_id),
        DecisionContext(REGISTRAR, log.now),
    )
    # A transfer lands between the desk deciding and the telling reaching the log.
    log.run(
        HOSPITAL,
        EvacuateCasualty(command_id=_id(), casualty_id=casualty_id, destination="soroka"),
    )
    log.apply(REGISTRAR, told)
    assert _waiting(log, report_id) == [("hospital:hadassah", "hospital:soroka", Outcome.INJURED)]

    # A telling from a log written before tellings said where (no place): not listed again.
    other = _report(log, family, PersonName(full_name="Sara Levy"))
    second = _in_hospital(log, "M5")
    second_match = _confirmed(log, other, second)
    assert isinstance(told, NotificationRecorded)
    log.apply(
        REGISTRAR,
        told.model_copy(update={"report_id": other, "match_id": second_match, "place": None}),
    )
    log.run(HOSPITAL, EvacuateCasualty(command_id=_id(), casualty_id=second, destination="soroka"))
    assert _waiting(log, other) == []


def test_the_place_told_survives_json_and_replay(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "M6")
    _tell(log, report_id, _confirmed(log, report_id, casualty_id))
    replayed = log.replayed()
    [n] = replayed.slice(Persons).missing[report_id].notifications
    assert n.place == "hospital:hadassah"
