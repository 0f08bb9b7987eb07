"""Missing persons, survivors, matches, notifications and what a family may see."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

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
    DischargeCasualty,
    IdentificationMethod,
    IdentificationStatus,
    IdentifyCasualty,
    RecordArrival,
    RecordCasualty,
    RecordDeath,
    casualty_by_tag,
)
from magen.domain.errors import Conflict, Forbidden, InvalidCommand, NotFound
from magen.domain.hospitals import RegisterHospital
from magen.domain.people import (
    Address,
    AgeRange,
    Contact,
    Description,
    PersonName,
    Provenance,
    Sex,
    age_from_birth,
)
from magen.domain.persons import (
    AddPersonNote,
    CandidateKind,
    CheckInSurvivor,
    ConfirmMatch,
    MarkPersonSafe,
    MatchStatus,
    NoteStatus,
    Outcome,
    Persons,
    ProposeMatch,
    RecordNotification,
    RejectMatch,
    ReportMissingPerson,
    ReportStatus,
    family_view,
    report_id_for,
)
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role

T0 = datetime(2023, 10, 7, 9, 0, tzinfo=UTC)
ADMIN = Actor("acc_admin", Role.ADMIN)
REGISTRAR = Actor("acc_registrar", Role.REGISTRAR)
MEDIC = Actor("acc_medic", Role.MEDIC)
RESPONDER = Actor("acc_officer", Role.RESPONDER)
HOSPITAL = Actor("acc_soroka", Role.HOSPITAL)
HERE = GeoPoint(lat=31.3134, lon=34.6201)
NOA = PersonName(
    full_name="נועה לוי", given_name="Noa", family_name="Levi", alternates=("Noa Levi", "Noah Levy")
)


class Log:
    """Decide and evolve commands in memory, keeping what was recorded."""

    def __init__(self) -> None:
        self.state = State()
        self.recorded: list[Recorded] = []
        self.now = T0

    def run(self, actor: Actor, cmd: Command) -> list[Event]:
        events = decide(self.state, cmd, DecisionContext(actor, self.now))
        for e in events:
            r = Recorded(
                len(self.recorded) + 1, uuid.uuid4(), self.now, actor, cmd.command_id, None, e
            )
            self.recorded.append(r)
            evolve(self.state, r)
        return events


def _id() -> uuid.UUID:
    return uuid.uuid4()


def _resident(log: Log, username: str) -> Actor:
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


@pytest.fixture
def log() -> Log:
    out = Log()
    created = AccountCreated(
        account_id=HOSPITAL.account_id,
        username="soroka",
        role=Role.HOSPITAL,
        display_name="Soroka",
        password_hash="h" * 40,
    )
    r = Recorded(1, uuid.uuid4(), T0, ADMIN, None, None, created)
    out.recorded.append(r)
    evolve(out.state, r)
    out.run(
        ADMIN,
        RegisterHospital(
            command_id=_id(),
            hospital_id="soroka",
            name="Soroka",
            where=HERE,
            account_id=HOSPITAL.account_id,
        ),
    )
    return out


def _report(log: Log, actor: Actor, name: PersonName = NOA, **kw: object) -> str:
    cmd_id = _id()
    log.run(actor, ReportMissingPerson(command_id=cmd_id, name=name, **kw))  # type: ignore[arg-type]
    return report_id_for(cmd_id)


def _casualty(log: Log, tag: str, **kw: object) -> str:
    log.run(RESPONDER, RecordCasualty(command_id=_id(), tag=tag, **kw))  # type: ignore[arg-type]
    return casualty_by_tag(log.state, tag).casualty_id


def _survivor(log: Log, actor: Actor, name: PersonName = NOA) -> str:
    log.run(actor, CheckInSurvivor(command_id=_id(), name=name, place="Ofakim community centre"))
    return next(reversed(log.state.slice(Persons).survivors))


def _propose(log: Log, report_id: str, kind: CandidateKind, candidate_id: str) -> str:
    log.run(
        ADMIN,
        ProposeMatch(
            command_id=_id(),
            report_id=report_id,
            candidate_kind=kind,
            candidate_id=candidate_id,
            score=0.93,
            explanation="name נועה~Noa (0.95), age 30-35 fits 33, sex female",
        ),
    )
    return next(reversed(log.state.slice(Persons).matches))


def _confirm(log: Log, match_id: str, release: str = "") -> None:
    log.run(REGISTRAR, ConfirmMatch(command_id=_id(), match_id=match_id, release=release))


# --- filing reports -----------------------------------------------------------------------


def test_a_resident_files_for_their_own_account(log: Log) -> None:
    family = _resident(log, "levi-family")
    rid = _report(
        log,
        family,
        date_of_birth="1990-03",
        age=AgeRange(min_years=33, max_years=33),
        description=Description(sex=Sex.FEMALE, hair="long, red", clothing="green dress"),
        last_seen_place="Kibbutz road, near the bus stop",
        last_seen_at=T0 - timedelta(hours=2),
        home=Address(city="Ofakim", country="il"),
        contact=Contact(name="Dana Levi", relation="sister", phone="+972 50-123-4567"),
    )
    report = log.state.slice(Persons).missing[rid]
    assert report.family_account == family.account_id
    assert report.reported_by == family.account_id
    assert report.status is ReportStatus.SEARCHING
    assert report.home == Address(city="Ofakim", country="IL")
    assert report.name.alternates == ("Noa Levi", "Noah Levy")


def test_a_resident_cannot_file_for_another_account(log: Log) -> None:
    family = _resident(log, "levi-family")
    other = _resident(log, "cohen-family")
    with pytest.raises(Forbidden, match="own account"):
        _report(log, family, family_account=other.account_id)
    with pytest.raises(Forbidden, match="sign in"):
        _report(log, Actor(None, Role.RESIDENT))


def test_a_registrar_files_for_a_family(log: Log) -> None:
    family = _resident(log, "levi-family")
    rid = _report(log, REGISTRAR, family_account=family.account_id)
    report = log.state.slice(Persons).missing[rid]
    assert (report.family_account, report.reported_by) == (family.account_id, REGISTRAR.account_id)
    without_account = _report(
        log, REGISTRAR, contact=Contact(name="Dana Levi", phone="050-1234567")
    )
    assert log.state.slice(Persons).missing[without_account].family_account is None
    with pytest.raises(InvalidCommand, match="how to reach the family"):
        _report(log, REGISTRAR)
    medic_cmd = _id()
    log.run(
        ADMIN,
        CreateAccount(
            command_id=medic_cmd,
            username="medic",
            role=Role.MEDIC,
            display_name="medic",
            password_hash="h" * 40,
        ),
    )
    with pytest.raises(InvalidCommand, match="resident account"):
        _report(log, REGISTRAR, family_account=account_id_for(medic_cmd))
    with pytest.raises(NotFound, match="no active account"):
        _report(log, REGISTRAR, family_account="acc_nobody")


def test_age_and_birth_date_must_agree(log: Log) -> None:
    family = _resident(log, "levi-family")
    with pytest.raises(InvalidCommand, match="does not fit the date of birth"):
        _report(log, family, date_of_birth="1990", age=AgeRange.exactly(50))
    with pytest.raises(ValidationError, match="not a date"):
        ReportMissingPerson(command_id=_id(), name=NOA, date_of_birth="1990-02-30")
    with pytest.raises(ValidationError, match="YYYY"):
        ReportMissingPerson(command_id=_id(), name=NOA, date_of_birth="07/10/1990")


def test_a_date_of_birth_after_today_is_refused(log: Log) -> None:
    family = _resident(log, "levi-family")
    today = T0.date()
    for born in (
        "2030",
        f"{today.year}-{today.month + 1:02d}",
        (today + timedelta(days=1)).isoformat(),
    ):
        with pytest.raises(InvalidCommand, match="is after"):
            _report(log, family, date_of_birth=born)
    with pytest.raises(InvalidCommand, match="is after"):
        log.run(
            REGISTRAR,
            CheckInSurvivor(command_id=_id(), name=NOA, date_of_birth="2030-01-01"),
        )
    # This year, this month and today itself are possible (a newborn).
    for born in (str(today.year), f"{today.year}-{today.month:02d}", today.isoformat()):
        _report(log, family, date_of_birth=born)


def test_age_from_a_partial_birth_date() -> None:
    on = T0.date()
    assert age_from_birth("1990-03-15", on) == AgeRange.exactly(33)
    assert age_from_birth("1990-10", on) == AgeRange(min_years=32, max_years=33)
    assert age_from_birth("1990", on) == AgeRange(min_years=32, max_years=33)
    with pytest.raises(ValueError, match="after"):
        age_from_birth("2024", on)


def test_names_in_any_script_are_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë  Ḥadad")
    name = PersonName(full_name=decomposed, alternates=("זואי חדד", " ", "זואי חדד", "Зоя Хадад"))
    assert name.full_name == "Zoë Ḥadad"
    assert name.full_name == unicodedata.normalize("NFC", "Zoë Ḥadad")
    assert name.alternates == ("זואי חדד", "Зоя Хадад")
    assert NOA.all_names() == ("נועה לוי", "Noa Levi", "Noah Levy")
    with pytest.raises(ValidationError):
        PersonName(full_name="   ")
    with pytest.raises(ValidationError, match="phone"):
        Contact(name="x", phone="call me")


def test_an_imported_record_is_recognised_when_it_comes_again(log: Log) -> None:
    source = Provenance(
        record_id="personfinder.google.org/p.1", source_date=T0 - timedelta(days=90)
    )
    _report(log, ADMIN, source=source, last_seen_at=T0 - timedelta(days=80))
    with pytest.raises(Conflict, match="already imported"):
        _report(log, ADMIN, source=source)
    with pytest.raises(InvalidCommand, match="30 days"):
        _report(log, REGISTRAR, contact=Contact(name="x"), last_seen_at=T0 - timedelta(days=80))
    with pytest.raises(ValidationError, match="record id"):
        Provenance(record_id="No Domain Here", source_date=T0)


# --- survivors, safe, notes ---------------------------------------------------------------


def test_survivors_check_in_themselves_or_are_checked_in(log: Log) -> None:
    me = _resident(log, "noa")
    mine = _survivor(log, me)
    theirs = _survivor(log, REGISTRAR, PersonName(full_name="Ahmad Abu Hamad"))
    survivors = log.state.slice(Persons).survivors
    assert (survivors[mine].self_reported, survivors[mine].checked_in_by) == (True, me.account_id)
    assert survivors[theirs].self_reported is False
    with pytest.raises(Forbidden, match="sign in"):
        _survivor(log, Actor(None, Role.RESIDENT))


def test_a_family_marks_its_own_report_safe(log: Log) -> None:
    family = _resident(log, "levi-family")
    stranger = _resident(log, "stranger")
    rid = _report(log, family)
    with pytest.raises(Forbidden, match="reports you filed"):
        log.run(stranger, MarkPersonSafe(command_id=_id(), report_id=rid))
    log.run(family, MarkPersonSafe(command_id=_id(), report_id=rid, note="She called us"))
    report = log.state.slice(Persons).missing[rid]
    assert (report.status, report.outcome, report.release) == (
        ReportStatus.SAFE,
        Outcome.SAFE,
        "She called us",
    )
    with pytest.raises(InvalidCommand, match="already closed"):
        log.run(REGISTRAR, MarkPersonSafe(command_id=_id(), report_id=rid))
    with pytest.raises(NotFound):
        log.run(REGISTRAR, MarkPersonSafe(command_id=_id(), report_id="mis_nope"))


def _identified_dead(log: Log, tag: str) -> str:
    """A casualty recorded dead and formally identified (by dental records): its id."""
    dead = _casualty(log, tag)
    log.run(MEDIC, RecordDeath(command_id=_id(), casualty_id=dead))
    log.run(
        REGISTRAR,
        IdentifyCasualty(
            command_id=_id(),
            casualty_id=dead,
            status=IdentificationStatus.IDENTIFIED,
            name=NOA,
            identified_by="DVI",
            method=IdentificationMethod.DENTAL,
        ),
    )
    return dead


def test_a_family_saying_safe_on_a_report_closed_meanwhile_is_kept_as_a_note(log: Log) -> None:
    # A death confirmed but not yet told in person: the family's page still says "searching".
    # "They are safe" then must not be refused as "already closed" (that tells them), and must
    # reach the registry: it is kept as the family's note, the outcome left as it is.
    family = _resident(log, "levi-family")
    rid = _report(log, family)
    _confirm(log, _propose(log, rid, CandidateKind.CASUALTY, _identified_dead(log, "B1")))
    assert family_view(log.state, family.account_id).reports[0].status == "searching"
    log.run(family, MarkPersonSafe(command_id=_id(), report_id=rid, note="She called us"))
    report = log.state.slice(Persons).missing[rid]
    assert report.status is ReportStatus.FOUND
    [note] = report.notes
    assert (note.text, note.status, note.author_made_contact) == (
        # The family page's stock words, then the family's own (as the page's note).
        "The family: I have seen or spoken to them myself, they are safe. She called us",
        NoteStatus.BELIEVED_ALIVE,
        True,
    )
    with pytest.raises(InvalidCommand, match="already closed"):  # a registrar is told
        log.run(REGISTRAR, MarkPersonSafe(command_id=_id(), report_id=rid))


def test_the_note_for_safe_on_a_closed_report_keeps_the_words_the_family_s_page_gave(
    log: Log,
) -> None:
    family = _resident(log, "levi-family")
    rid = _report(log, family)
    log.run(REGISTRAR, MarkPersonSafe(command_id=_id(), report_id=rid))
    stock = "العائلة: رأيته أو تحدّثت معه بنفسي، إنه بأمان."
    log.run(family, MarkPersonSafe(command_id=_id(), report_id=rid, words_if_closed=stock))
    [note] = log.state.slice(Persons).missing[rid].notes
    assert note.text == stock
    with pytest.raises(ValidationError):  # a page's words, not a letter: bounded
        MarkPersonSafe(command_id=_id(), report_id=rid, words_if_closed="x" * 501)


def test_notes_about_a_reported_person(log: Log) -> None:
    family = _resident(log, "levi-family")
    stranger = _resident(log, "stranger")
    rid = _report(log, family)
    log.run(
        family,
        AddPersonNote(
            command_id=_id(),
            report_id=rid,
            author_name="Dana Levi",
            text="Her phone was last online at 07:10",
            status=NoteStatus.INFORMATION_SOUGHT,
        ),
    )
    with pytest.raises(Forbidden):
        log.run(stranger, AddPersonNote(command_id=_id(), report_id=rid, author_name="x", text="y"))
    imported = AddPersonNote(
        command_id=_id(),
        report_id=rid,
        author_name="Person Finder user",
        text="Seen at the clinic",
        status=NoteStatus.BELIEVED_ALIVE,
        source_record_id="personfinder.google.org/n.7",
        at=T0 - timedelta(days=60),
    )
    log.run(ADMIN, imported)
    with pytest.raises(Conflict, match="already imported"):
        log.run(ADMIN, imported.model_copy(update={"command_id": _id()}))
    notes = log.state.slice(Persons).missing[rid].notes
    assert [(n.status, n.by) for n in notes] == [
        (NoteStatus.INFORMATION_SOUGHT, family.account_id),
        (NoteStatus.BELIEVED_ALIVE, ADMIN.account_id),
    ]
    with pytest.raises(ValidationError, match="record id"):
        AddPersonNote(
            command_id=_id(), report_id=rid, author_name="x", text="y", linked_record_id="no-slash"
        )


# --- matches ------------------------------------------------------------------------------


def test_proposal_refusals(log: Log) -> None:
    family = _resident(log, "levi-family")
    rid = _report(log, family)
    with pytest.raises(NotFound, match="no casualty"):
        _propose(log, rid, CandidateKind.CASUALTY, "cas_nope")
    with pytest.raises(NotFound, match="no survivor"):
        _propose(log, rid, CandidateKind.SURVIVOR, "srv_nope")
    with pytest.raises(InvalidCommand, match="cannot duplicate itself"):
        _propose(log, rid, CandidateKind.MISSING, rid)
    sid = _survivor(log, REGISTRAR)
    mid = _propose(log, rid, CandidateKind.SURVIVOR, sid)
    with pytest.raises(Conflict, match="already proposed"):
        _propose(log, rid, CandidateKind.SURVIVOR, sid)
    log.run(
        REGISTRAR, RejectMatch(command_id=_id(), match_id=mid, reason="different mother's name")
    )
    with pytest.raises(Conflict, match="already rejected"):
        _propose(log, rid, CandidateKind.SURVIVOR, sid)
    log.run(family, MarkPersonSafe(command_id=_id(), report_id=rid))
    with pytest.raises(InvalidCommand, match="already closed"):
        _propose(log, rid, CandidateKind.CASUALTY, _casualty(log, "T1"))
    with pytest.raises(ValidationError):
        ProposeMatch(
            command_id=_id(),
            report_id=rid,
            candidate_kind=CandidateKind.SURVIVOR,
            candidate_id=sid,
            score=1.5,
        )


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.MEDIC, Role.DISPATCHER, Role.RESIDENT, Role.HOSPITAL]
)
def test_only_a_registrar_confirms_rejects_or_notifies(log: Log, role: Role) -> None:
    rid = _report(log, REGISTRAR, contact=Contact(name="Dana"))
    mid = _propose(log, rid, CandidateKind.SURVIVOR, _survivor(log, REGISTRAR))
    actor = Actor("acc_x", role)
    with pytest.raises(Forbidden, match="only a registrar"):
        log.run(actor, ConfirmMatch(command_id=_id(), match_id=mid))
    with pytest.raises(Forbidden, match="only a registrar"):
        log.run(actor, RejectMatch(command_id=_id(), match_id=mid))
    with pytest.raises(Forbidden, match="only a registrar"):
        log.run(actor, RecordNotification(command_id=_id(), report_id=rid))
    assert log.state.slice(Persons).matches[mid].status is MatchStatus.PROPOSED


def test_outcome_follows_the_candidate(log: Log) -> None:
    def outcome_for(kind: CandidateKind, candidate_id: str) -> Outcome | None:
        rid = _report(log, REGISTRAR, contact=Contact(name="Dana"))
        _confirm(log, _propose(log, rid, kind, candidate_id))
        return log.state.slice(Persons).missing[rid].outcome

    assert outcome_for(CandidateKind.SURVIVOR, _survivor(log, REGISTRAR)) is Outcome.SAFE
    in_care = _casualty(log, "T1")
    assert outcome_for(CandidateKind.CASUALTY, in_care) is Outcome.INJURED
    home = _casualty(log, "T2")
    log.run(HOSPITAL, RecordArrival(command_id=_id(), casualty_id=home, hospital_id="soroka"))
    log.run(HOSPITAL, DischargeCasualty(command_id=_id(), casualty_id=home))
    assert outcome_for(CandidateKind.CASUALTY, home) is Outcome.SAFE


def test_a_death_is_confirmed_only_after_formal_identification(log: Log) -> None:
    rid = _report(log, REGISTRAR, contact=Contact(name="Dana"))
    dead = _casualty(log, "B1")
    log.run(MEDIC, RecordDeath(command_id=_id(), casualty_id=dead))
    mid = _propose(log, rid, CandidateKind.CASUALTY, dead)
    with pytest.raises(InvalidCommand, match="not formally identified"):
        _confirm(log, mid)
    log.run(
        REGISTRAR,
        IdentifyCasualty(
            command_id=_id(),
            casualty_id=dead,
            status=IdentificationStatus.IDENTIFIED,
            name=NOA,
            identified_by="National Centre of Forensic Medicine",
            method=IdentificationMethod.DNA,
        ),
    )
    _confirm(log, mid)
    report = log.state.slice(Persons).missing[rid]
    assert (report.status, report.outcome) == (ReportStatus.FOUND, Outcome.DECEASED)
    assert report.release == "A registrar will meet you in person."


def test_confirm_and_reject_refusals(log: Log) -> None:
    rid = _report(log, REGISTRAR, contact=Contact(name="Dana"))
    first = _propose(log, rid, CandidateKind.SURVIVOR, _survivor(log, REGISTRAR))
    second = _propose(log, rid, CandidateKind.CASUALTY, _casualty(log, "T1"))
    _confirm(log, first)
    with pytest.raises(InvalidCommand, match="already confirmed"):
        _confirm(log, first)
    with pytest.raises(InvalidCommand, match="already closed"):
        _confirm(log, second)
    log.run(REGISTRAR, RejectMatch(command_id=_id(), match_id=second))
    with pytest.raises(InvalidCommand, match="already rejected"):
        log.run(REGISTRAR, RejectMatch(command_id=_id(), match_id=second))
    with pytest.raises(NotFound, match="no match"):
        _confirm(log, "mat_nope")


def test_a_duplicate_report_takes_the_outcome_of_the_other(log: Log) -> None:
    mother = _resident(log, "mother")
    brother = _resident(log, "brother")
    first = _report(log, mother)
    second = _report(log, brother, name=PersonName(full_name="Noa Levy"))
    _confirm(log, _propose(log, second, CandidateKind.MISSING, first))
    persons = log.state.slice(Persons)
    assert (persons.missing[second].status, persons.missing[second].duplicate_of) == (
        ReportStatus.DUPLICATE,
        first,
    )
    with pytest.raises(InvalidCommand, match="already a duplicate of this one"):
        _confirm(log, _propose(log, first, CandidateKind.MISSING, second))
    assert family_view(log.state, brother.account_id).reports[0].status == "searching"
    _confirm(
        log,
        _propose(log, first, CandidateKind.SURVIVOR, _survivor(log, REGISTRAR)),
        "At the Ofakim centre",
    )
    [seen] = family_view(log.state, brother.account_id).reports
    assert (seen.status, seen.outcome, seen.message) == (
        "found",
        Outcome.SAFE,
        "At the Ofakim centre",
    )


def test_notification_rules(log: Log) -> None:
    rid = _report(log, REGISTRAR, contact=Contact(name="Dana"))
    other = _report(log, REGISTRAR, contact=Contact(name="Avi"))
    mid = _propose(log, rid, CandidateKind.SURVIVOR, _survivor(log, REGISTRAR))
    with pytest.raises(InvalidCommand, match="only of a confirmed match"):
        log.run(REGISTRAR, RecordNotification(command_id=_id(), report_id=rid, match_id=mid))
    _confirm(log, mid)
    with pytest.raises(InvalidCommand, match="another report"):
        log.run(REGISTRAR, RecordNotification(command_id=_id(), report_id=other, match_id=mid))
    log.run(
        REGISTRAR,
        RecordNotification(command_id=_id(), report_id=rid, match_id=mid, note="called Dana"),
    )
    [told] = log.state.slice(Persons).missing[rid].notifications
    assert (told.match_id, told.by, told.note) == (mid, REGISTRAR.account_id, "called Dana")


# --- the family view ----------------------------------------------------------------------


def test_a_family_sees_only_its_own_reports(log: Log) -> None:
    levi = _resident(log, "levi")
    cohen = _resident(log, "cohen")
    mine = _report(log, levi)
    _report(log, cohen, name=PersonName(full_name="Yosef Cohen"))
    _report(log, REGISTRAR, contact=Contact(name="neighbour"), name=PersonName(full_name="Unknown"))
    view = family_view(log.state, levi.account_id)
    assert [r.report_id for r in view.reports] == [mine]
    assert view.reports[0].name == "נועה לוי"
    assert family_view(log.state, "acc_nobody").reports == ()


def test_proposals_and_casualty_details_never_reach_the_family(log: Log) -> None:
    levi = _resident(log, "levi")
    rid = _report(log, levi)
    before = family_view(log.state, levi.account_id)
    cid = _casualty(
        log,
        "IL-7731",
        place="Tamar St 4, behind the synagogue",
        description=Description(hair="long, red", marks="tattoo of a swallow"),
    )
    log.run(HOSPITAL, RecordArrival(command_id=_id(), casualty_id=cid, hospital_id="soroka"))
    mid = _propose(log, rid, CandidateKind.CASUALTY, cid)
    assert family_view(log.state, levi.account_id) == before
    _confirm(log, mid, "Noa is alive and in surgery. A registrar will call you at 11:00.")
    view = family_view(log.state, levi.account_id)
    [seen] = view.reports
    assert (seen.status, seen.outcome) == ("found", Outcome.INJURED)
    assert seen.message == "Noa is alive and in surgery. A registrar will call you at 11:00."
    shown = repr(view)
    for secret in ("IL-7731", cid, mid, "Soroka", "soroka", "Tamar", "swallow", "0.93", "casualty"):
        assert secret not in shown


def test_a_death_is_shown_only_after_the_family_was_told(log: Log) -> None:
    levi = _resident(log, "levi")
    rid = _report(log, levi)
    dead = _identified_dead(log, "B1")
    mid = _propose(log, rid, CandidateKind.CASUALTY, dead)
    _confirm(log, mid)
    assert family_view(log.state, levi.account_id).reports[0].status == "searching"
    log.now += timedelta(hours=1)
    log.run(REGISTRAR, RecordNotification(command_id=_id(), report_id=rid, match_id=mid))
    [seen] = family_view(log.state, levi.account_id).reports
    assert (seen.status, seen.outcome, seen.told_at) == ("found", Outcome.DECEASED, (log.now,))


def test_a_family_sees_its_own_marked_safe_and_own_check_ins(log: Log) -> None:
    levi = _resident(log, "levi")
    other = _resident(log, "other")
    rid = _report(log, levi)
    log.run(levi, MarkPersonSafe(command_id=_id(), report_id=rid, note="She is with us"))
    mine = _survivor(log, levi, PersonName(full_name="Avi Levi"))
    _survivor(log, other, PersonName(full_name="Someone Else"))
    _survivor(log, REGISTRAR, PersonName(full_name="Checked In By Registrar"))
    view = family_view(log.state, levi.account_id)
    assert (view.reports[0].status, view.reports[0].message) == ("safe", "She is with us")
    assert [c.survivor_id for c in view.check_ins] == [mine]


def test_person_events_survive_json_and_replay(log: Log) -> None:
    levi = _resident(log, "levi")
    rid = _report(
        log,
        levi,
        age=AgeRange(min_years=30, max_years=35),
        home=Address(street="Herzl", city="Ofakim", country="IL"),
        source=None,
    )
    _confirm(log, _propose(log, rid, CandidateKind.SURVIVOR, _survivor(log, REGISTRAR)))
    log.run(
        ADMIN,
        ReportMissingPerson(
            command_id=_id(),
            name=PersonName(full_name="Ahmad Abu Hamad"),
            source=Provenance(record_id="example.org/p1", source_date=T0),
        ),
    )
    replayed = State()
    for r in log.recorded:
        again = event_class(r.event.type).model_validate_json(r.event.model_dump_json())
        assert again == r.event
        evolve(
            replayed,
            Recorded(r.position, r.event_id, r.recorded_at, r.actor, r.command_id, None, again),
        )
    assert replayed == log.state


def test_value_rules() -> None:
    with pytest.raises(ValidationError, match="youngest age"):
        AgeRange(min_years=40, max_years=30)
    with pytest.raises(ValidationError, match="e-mail"):
        Contact(name="x", email="not an address")
    with pytest.raises(ValidationError, match="two-letter"):
        Address(country="Israel")
    assert Address(country=" il ").country == "IL"
    with pytest.raises(ValidationError, match="timezone"):
        Provenance(record_id="example.org/p", source_date=datetime(2023, 10, 7))
