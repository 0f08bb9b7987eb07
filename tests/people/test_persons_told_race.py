"""What a family was told is what the registrar's desk saw when deciding, and a death is told
only in person, whatever reached the log (domain/persons.py, `NotificationRecorded.outcome`).

`Service.handle` does not order a decision against the events applied after the state it read:
a telling decided on "receiving care" can reach the log after the casualty's death."""

from __future__ import annotations

import json
import uuid

from tests.people.test_persons_outcome_changes import (
    HOSPITAL,
    REGISTRAR,
    Log,
    _confirmed,
    _family,
    _id,
    _identify,
    _in_hospital,
    _outcome_notes,
    _report,
    _seen,
    _tell,
    log,
)

from magen.app.registry_board import compute_board, tell_card
from magen.domain.base import DecisionContext, Event, Recorded, decide, event_class, evolve
from magen.domain.casualties import DischargeCasualty, Disposition, RecordDeath
from magen.domain.persons import (
    FOUND_PENDING,
    Channel,
    NotificationRecorded,
    Outcome,
    RecordNotification,
    WithdrawMatch,
)
from magen.domain.state import State

__all__ = ["log"]  # the fixture, used by name


def _decided(log: Log, report_id: str, match_id: str, channel: Channel) -> list[Event]:
    """A telling decided on the state as it stands, not yet in the log."""
    cmd = RecordNotification(
        command_id=_id(), report_id=report_id, match_id=match_id, channel=channel
    )
    return decide(log.state, cmd, DecisionContext(REGISTRAR, log.now))


def _append(log: Log, events: list[Event]) -> None:
    for e in events:
        log.apply(REGISTRAR, e, uuid.uuid4())


def test_a_phone_call_decided_before_a_death_is_not_a_death_told(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "T1")
    match_id = _confirmed(log, report_id, casualty_id)
    call = _decided(log, report_id, match_id, Channel.PHONE)
    log.run(HOSPITAL, RecordDeath(command_id=_id(), casualty_id=casualty_id))
    _append(log, call)  # the call reaches the log after the death

    # Neither "receiving care" nor the death (not formally identified, and not told in person).
    assert _seen(log, family) == ("found", None, FOUND_PENDING)
    assert [e.outcome for e in call if isinstance(e, NotificationRecorded)] == [Outcome.INJURED]

    report = log.persons.missing[report_id]
    assert report.notifications == []
    assert [(n.match_id, n.outcome, n.channel) for n in report.told_before] == [
        (match_id, Outcome.INJURED, Channel.PHONE)
    ]
    assert _outcome_notes(log, report_id) == []
    [card] = [tell_card(t) for t in compute_board(log.state).to_tell]
    assert card == {
        "report_id": report_id,
        "primary_id": report_id,
        "match_id": match_id,
        "changed_from": "injured",
        "told_before": True,
        "told": "injured",
        "identify_first": True,
        "casualty_id": casualty_id,
    }

    # The same log replayed from its JSON gives the same state.
    replayed = State()
    for r in log.recorded:
        again = event_class(r.event.type).model_validate_json(r.event.model_dump_json())
        assert again == r.event
        evolve(
            replayed,
            Recorded(r.position, r.event_id, r.recorded_at, r.actor, r.command_id, None, again),
        )
    assert replayed == log.state

    # Told in person once identified, the family sees the death.
    _identify(log, casualty_id)
    _tell(log, report_id, match_id)
    assert _seen(log, family)[:2] == ("found", Outcome.DECEASED)


def test_a_call_decided_before_a_discharge_is_told_again(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "T2")
    match_id = _confirmed(log, report_id, casualty_id)
    call = _decided(log, report_id, match_id, Channel.PHONE)
    log.run(
        HOSPITAL,
        DischargeCasualty(command_id=_id(), casualty_id=casualty_id, disposition=Disposition.HOME),
    )
    _append(log, call)
    report = log.persons.missing[report_id]
    assert [n.outcome for n in report.told_before] == [Outcome.INJURED]
    assert _seen(log, family) == ("found", None, FOUND_PENDING)
    assert [t.report_id for t in compute_board(log.state).to_tell] == [report_id]


def test_a_call_decided_before_the_match_was_withdrawn_is_put_right(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    match_id = _confirmed(log, report_id, _in_hospital(log, "T6"))
    call = _decided(log, report_id, match_id, Channel.PHONE)
    log.run(REGISTRAR, WithdrawMatch(command_id=_id(), match_id=match_id, reason="not her"))
    assert not compute_board(log.state).to_tell  # nobody was told of it yet
    _append(log, call)  # "receiving care", of the match since withdrawn
    assert log.persons.to_tell_again == {report_id: match_id}
    assert _seen(log, family)[:2] == ("searching", None)
    [card] = [tell_card(t) for t in compute_board(log.state).to_tell]
    assert card == {
        "report_id": report_id,
        "primary_id": report_id,
        "match_id": match_id,
        "told_before": True,
        "told": "injured",
        "withdrawn": True,
        "reason": "not her",
    }
    _tell(log, report_id, match_id)  # told it was wrong
    assert log.persons.to_tell_again == {}
    assert not compute_board(log.state).to_tell


def test_a_call_applied_on_the_state_it_was_decided_on_is_told(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "T3")
    match_id = _confirmed(log, report_id, casualty_id)
    _append(log, _decided(log, report_id, match_id, Channel.PHONE))
    report = log.persons.missing[report_id]
    assert [n.outcome for n in report.notifications] == [Outcome.INJURED]
    assert report.told_before == []
    assert _seen(log, family)[:2] == ("found", Outcome.INJURED)
    assert not compute_board(log.state).to_tell


def test_a_death_told_by_phone_in_an_old_log_is_never_shown(log: Log) -> None:
    """A notification recorded before it carried its outcome, by phone, of a death: the
    family's page does not show the death, and they are to be told in person."""
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "T4")
    log.run(HOSPITAL, RecordDeath(command_id=_id(), casualty_id=casualty_id))
    _identify(log, casualty_id)
    match_id = _confirmed(log, report_id, casualty_id)
    for channel in (Channel.PHONE, Channel.MESSAGE):
        stored = {
            "type": "NotificationRecorded",
            "report_id": report_id,
            "match_id": match_id,
            "at": "2023-10-07T10:00:00Z",
            "channel": channel.value,
            "note": "",
        }  # as stored before notifications carried their outcome
        old = NotificationRecorded.model_validate_json(json.dumps(stored))
        assert old.outcome is None
        log.apply(REGISTRAR, old)
    report = log.persons.missing[report_id]
    assert report.notifications == []
    assert [(n.outcome, n.channel) for n in report.told_before] == [
        (None, Channel.PHONE),  # what was said is not known to be the death
        (None, Channel.MESSAGE),
    ]
    assert _seen(log, family) == ("searching", None, "")
    assert _outcome_notes(log, report_id) == []
    assert [t.report_id for t in compute_board(log.state).to_tell] == [report_id]
    _tell(log, report_id, match_id)  # in person
    assert _seen(log, family)[:2] == ("found", Outcome.DECEASED)


def test_an_old_notification_is_of_the_outcome_as_it_stands(log: Log) -> None:
    family = _family(log)
    report_id = _report(log, family)
    casualty_id = _in_hospital(log, "T5")
    match_id = _confirmed(log, report_id, casualty_id)
    log.apply(
        REGISTRAR,
        NotificationRecorded(
            report_id=report_id, match_id=match_id, at=log.now, channel=Channel.PHONE, note=""
        ),
    )
    assert [n.outcome for n in log.persons.missing[report_id].notifications] == [Outcome.INJURED]
    assert _seen(log, family)[:2] == ("found", Outcome.INJURED)


def test_an_old_in_person_telling_that_lands_after_an_unidentified_death_tells_no_death(
    log: Log,
) -> None:
    # A log from before tellings said what the desk saw: decided while the casualty lived, in
    # person, it reached the log after a death not formally identified.
    family = _family(log)
    rid = _report(log, family)
    cid = _in_hospital(log, "O1")
    mid = _confirmed(log, rid, cid)
    log.run(HOSPITAL, RecordDeath(command_id=_id(), casualty_id=cid))
    log.apply(
        REGISTRAR,
        NotificationRecorded(
            report_id=rid, match_id=mid, at=log.now, channel=Channel.IN_PERSON, note=""
        ),
    )
    assert _seen(log, family) == ("found", None, FOUND_PENDING)
    _identify(log, cid)
    _tell(log, rid, mid)  # told in person once identified: now the family's page says it
    assert _seen(log, family)[1] is Outcome.DECEASED
