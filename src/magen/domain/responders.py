"""Responders: check-in with capabilities, status and position."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, AwareDatetime, Field

from magen.domain.accounts import Accounts
from magen.domain.base import Command, DecisionContext, Event, Recorded, decider, event, evolver
from magen.domain.errors import InvalidCommand, NotFound
from magen.domain.state import State
from magen.domain.values import GeoPoint, exchangeable

# A position older than this is a device clock gone wrong (a number read as 1970), not news.
MAX_POSITION_AGE = timedelta(days=30)
# How far before the status held a press may be and still be a retry that lost the race to it
# (a phone's retries give up within seconds; an offline queue keeps presses for longer).
LATE_RETRY = timedelta(minutes=10)


class ResponderKind(StrEnum):
    POLICE_ON_DUTY = "police_on_duty"
    POLICE_OFF_DUTY = "police_off_duty"
    VOLUNTEER = "volunteer"  # armed civilian response squad (kitat konenut)
    MEDIC = "medic"
    OTHER = "other"


class Capability(StrEnum):
    ARMED = "armed"
    MEDIC = "medic"
    VEHICLE = "vehicle"
    RADIO = "radio"


class ResponderStatus(StrEnum):
    AVAILABLE = "available"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    ENGAGED = "engaged"
    WOUNDED = "wounded"
    NEEDS_AMMUNITION = "needs_ammunition"
    NEEDS_MEDICAL_KIT = "needs_medical_kit"
    OFF_DUTY = "off_duty"


@dataclass
class Responder:
    responder_id: str  # the account id
    kind: ResponderKind
    capabilities: frozenset[Capability]
    radio_channel: str
    status: ResponderStatus
    where: GeoPoint | None
    where_at: datetime | None
    checked_in_at: datetime
    active: bool = True
    callsign: str = ""  # what the dispatcher calls them on the radio
    # The CoT uid of the TAK device that gave the latest position, None when it came from
    # Magen (the app, a check-in): that device draws this responder on TAK maps itself.
    device_uid: str | None = None
    # When the status held was pressed, as the phone said (None if it did not): a press made
    # before it by the same phone, reaching the server later (a retry), does not replace it.
    # Only pressed times are compared, never one against the server's clock.
    status_at: datetime | None = None


@dataclass
class Responders:
    """Slice: responders by account id (latest position only; every update is in the log)."""

    by_id: dict[str, Responder] = field(default_factory=dict)


@event
class ResponderCheckedIn(Event):
    type: Literal["ResponderCheckedIn"] = "ResponderCheckedIn"
    responder_id: str
    kind: ResponderKind
    capabilities: frozenset[Capability]
    radio_channel: str
    status: ResponderStatus
    where: GeoPoint | None
    callsign: str = ""  # empty in events logged before callsigns existed


@event
class ResponderCheckedOut(Event):
    type: Literal["ResponderCheckedOut"] = "ResponderCheckedOut"
    responder_id: str


@event
class ResponderStatusChanged(Event):
    type: Literal["ResponderStatusChanged"] = "ResponderStatusChanged"
    responder_id: str
    status: ResponderStatus
    note: str = ""
    # When it was pressed on the phone (None: not said, and in logs from before it was kept;
    # the time it was recorded then counts).
    observed_at: datetime | None = None


@event
class ResponderMoved(Event):
    type: Literal["ResponderMoved"] = "ResponderMoved"
    responder_id: str
    where: GeoPoint
    observed_at: datetime
    # The CoT uid of the TAK device that sent the position; None for Magen's own app, and in
    # events logged before devices were told apart (read as Magen's: what they were drawn as).
    device_uid: str | None = None


# Said on the radio (a call sign, a channel): short. As FreeText, with its own bound, so a
# refusal says "at most 40 characters" (a bound added on top of FreeText reads as "items").
RadioLabel = Annotated[str, Field(max_length=40), AfterValidator(exchangeable)]
StatusNote = Annotated[str, Field(max_length=500), AfterValidator(exchangeable)]
# A CoT event's uid as TAK devices make them ("ANDROID-358240051111110", a UUID, ...).
DeviceUid = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(exchangeable)]


class CheckIn(Command):
    kind: ResponderKind
    # What the dispatcher calls them on the radio ("Patrol 3"); the account's name if not given.
    callsign: RadioLabel = ""
    capabilities: frozenset[Capability] = frozenset()
    radio_channel: RadioLabel = ""
    status: ResponderStatus = ResponderStatus.AVAILABLE
    where: GeoPoint | None = None

    added_later: ClassVar[tuple[str, ...]] = ("callsign",)


class CheckOut(Command):
    pass


class ChangeStatus(Command):
    status: ResponderStatus
    note: StatusNote = ""
    # When it was pressed: a press older than the status held (a retry that reached the
    # server after a newer press) changes nothing.
    observed_at: AwareDatetime | None = None

    added_later: ClassVar[tuple[str, ...]] = ("observed_at",)


class ReportPosition(Command):
    where: GeoPoint
    observed_at: AwareDatetime | None = None
    # The CoT uid of the TAK device whose own position this is (POST /cot); None from the app.
    device_uid: DeviceUid | None = None

    added_later: ClassVar[tuple[str, ...]] = ("device_uid",)


def _me(ctx: DecisionContext) -> str:
    if ctx.actor.account_id is None:
        raise InvalidCommand("a responder must be signed in")
    return ctx.actor.account_id


def active_responder(state: State, responder_id: str) -> Responder:
    """The checked-in responder with this id."""
    r = state.slice(Responders).by_id.get(responder_id)
    if r is None or not r.active:
        raise NotFound("check in first", rule="not_checked_in")
    return r


@decider(CheckIn)
def _check_in(state: State, cmd: CheckIn, ctx: DecisionContext) -> list[Event]:
    me = _me(ctx)
    callsign = cmd.callsign.strip()
    if not callsign:
        account = state.slice(Accounts).by_id.get(me)
        callsign = account.display_name[:40].strip() if account is not None else ""
    return [
        ResponderCheckedIn(
            responder_id=me,
            callsign=callsign,
            kind=cmd.kind,
            capabilities=cmd.capabilities,
            radio_channel=cmd.radio_channel,
            status=cmd.status,
            where=cmd.where,
        )
    ]


@decider(CheckOut)
def _check_out(state: State, cmd: CheckOut, ctx: DecisionContext) -> list[Event]:
    active_responder(state, _me(ctx))
    return [ResponderCheckedOut(responder_id=_me(ctx))]


@decider(ChangeStatus)
def _status(state: State, cmd: ChangeStatus, ctx: DecisionContext) -> list[Event]:
    r = active_responder(state, _me(ctx))
    # The press time as the phone's clock said it, compared only with the phone's own earlier
    # presses (never with the server's clock: a phone a few seconds fast would otherwise make
    # a stale retry look newer); a wrong date is no time said.
    pressed = cmd.observed_at
    if pressed is not None and abs(pressed - ctx.now) > MAX_POSITION_AGE:
        pressed = None
    # Pressed shortly before the status held: a retry that lost the race, superseded, not
    # applied late. Never "wounded" (a wounded responder unheard is the worse mistake), nor
    # a press long before it (a phone clock set back since).
    held = r.status_at
    late = pressed is not None and held is not None and held - LATE_RETRY <= pressed < held
    if late and cmd.status is not ResponderStatus.WOUNDED:
        return []
    if r.status is cmd.status and not cmd.note:
        return []
    return [
        ResponderStatusChanged(
            responder_id=r.responder_id, status=cmd.status, note=cmd.note, observed_at=pressed
        )
    ]


@decider(ReportPosition)
def _position(state: State, cmd: ReportPosition, ctx: DecisionContext) -> list[Event]:
    r = active_responder(state, _me(ctx))
    observed = cmd.observed_at or ctx.now
    if ctx.now - observed > MAX_POSITION_AGE:
        raise InvalidCommand(
            "the time given is more than 30 days ago; check the device clock", rule="time_too_old"
        )
    # A fast device clock must not make a position look newer than now: kept, at now (a
    # phone sending its place every few seconds is not refused for its clock). A time a
    # month or more ahead is no clock's drift but a wrong date: refused, as CoT's are.
    if observed - ctx.now > MAX_POSITION_AGE:
        raise InvalidCommand(
            "the time given is more than 30 days ahead; check the device clock",
            rule="time_in_future",
        )
    observed = min(observed, ctx.now)
    return [
        ResponderMoved(
            responder_id=r.responder_id,
            where=cmd.where,
            observed_at=observed,
            device_uid=cmd.device_uid,
        )
    ]


@evolver(ResponderCheckedIn)
def _on_in(state: State, e: ResponderCheckedIn, r: Recorded) -> None:
    state.slice(Responders).by_id[e.responder_id] = Responder(
        responder_id=e.responder_id,
        kind=e.kind,
        capabilities=e.capabilities,
        radio_channel=e.radio_channel,
        status=e.status,
        where=e.where,
        where_at=r.recorded_at if e.where is not None else None,
        checked_in_at=r.recorded_at,
        callsign=e.callsign,
    )


@evolver(ResponderCheckedOut)
def _on_out(state: State, e: ResponderCheckedOut, r: Recorded) -> None:
    resp = state.slice(Responders).by_id.get(e.responder_id)
    if resp is not None:
        resp.active = False
        resp.status = ResponderStatus.OFF_DUTY


@evolver(ResponderStatusChanged)
def _on_status(state: State, e: ResponderStatusChanged, r: Recorded) -> None:
    resp = state.slice(Responders).by_id.get(e.responder_id)
    if resp is not None:
        resp.status = e.status
        # Never backwards: a late "wounded" does not reopen the presses between it and now.
        if e.observed_at is not None and (resp.status_at is None or e.observed_at > resp.status_at):
            resp.status_at = e.observed_at


@evolver(ResponderMoved)
def _on_moved(state: State, e: ResponderMoved, r: Recorded) -> None:
    resp = state.slice(Responders).by_id.get(e.responder_id)
    # Positions can arrive out of order from a phone's retry queue: keep the newest observation.
    if resp is not None and (resp.where_at is None or e.observed_at >= resp.where_at):
        resp.where = e.where
        resp.where_at = e.observed_at
        resp.device_uid = e.device_uid
