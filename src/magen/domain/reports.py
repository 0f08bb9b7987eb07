"""Reports from residents and responders: threat sightings and SOS calls."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BeforeValidator, Field

from magen.domain.base import Command, DecisionContext, Event, Recorded, decider, event, evolver
from magen.domain.errors import InvalidCommand, NotFound
from magen.domain.state import State
from magen.domain.values import FreeText, GeoPoint, SourceTier

Count = Annotated[int, Field(ge=0, le=10_000)]
# A report's own clock may be off; beyond this a sighting is refused rather than silently
# trusted (a call for help is kept, at the server's now).
MAX_FUTURE_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=2)


class Mobility(StrEnum):
    ON_FOOT = "on_foot"
    VEHICLE = "vehicle"
    UNKNOWN = "unknown"


class Armed(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class SosOutcome(StrEnum):
    RESCUED = "rescued"
    SAFE = "safe"  # the people are out of danger by themselves
    FALSE_ALARM = "false_alarm"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"  # cancelled by the person who raised it


# --- slice --------------------------------------------------------------------------------


@dataclass
class Sighting:
    sighting_id: str
    where: GeoPoint
    observed_at: datetime
    recorded_at: datetime
    count: int | None
    mobility: Mobility
    armed: Armed
    heading_deg: float | None
    text: str
    tier: SourceTier
    reporter: str | None  # account id; None for anonymous
    source_key: str | None  # pseudonymous key of an anonymous source
    position: int


@dataclass
class Sos:
    sos_id: str
    where: GeoPoint
    raised_at: datetime
    updated_at: datetime
    people: int
    injured: int
    children: int
    silent: bool
    text: str
    tier: SourceTier
    reporter: str | None
    source_key: str | None
    resolved: SosOutcome | None = None
    resolved_at: datetime | None = None
    history: list[int] = field(default_factory=list)  # log positions that shaped it


@dataclass
class Reports:
    """Slice: every sighting and SOS, by id."""

    sightings: dict[str, Sighting] = field(default_factory=dict)
    sos: dict[str, Sos] = field(default_factory=dict)


# --- events -------------------------------------------------------------------------------


@event
class ThreatSighted(Event):
    type: Literal["ThreatSighted"] = "ThreatSighted"
    sighting_id: str
    where: GeoPoint
    observed_at: datetime
    count: int | None
    mobility: Mobility
    armed: Armed
    heading_deg: float | None
    text: str
    tier: SourceTier


@event
class SosRaised(Event):
    type: Literal["SosRaised"] = "SosRaised"
    sos_id: str
    where: GeoPoint
    observed_at: datetime
    people: int
    injured: int
    children: int
    silent: bool
    text: str
    tier: SourceTier


@event
class SosUpdated(Event):
    type: Literal["SosUpdated"] = "SosUpdated"
    sos_id: str
    where: GeoPoint | None = None
    people: int | None = None
    injured: int | None = None
    children: int | None = None
    silent: bool | None = None
    text: str | None = None


@event
class SosResolved(Event):
    type: Literal["SosResolved"] = "SosResolved"
    sos_id: str
    outcome: SosOutcome
    note: str = ""


# --- commands -----------------------------------------------------------------------------


class ReportSighting(Command):
    where: GeoPoint
    observed_at: AwareDatetime | None = None
    count: Annotated[int, Field(ge=1, le=500)] | None = None
    mobility: Mobility = Mobility.UNKNOWN
    armed: Armed = Armed.UNKNOWN
    heading_deg: Annotated[float, Field(ge=0, lt=360, allow_inf_nan=False)] | None = None
    text: FreeText = ""


def _a_time_not_a_number(value: object) -> object:
    """A time given as a number is refused (it is no clock's reading: pydantic would read 5
    as 1970), before a call's time from a wrong clock is taken as now (`_sos_time`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("observed_at must be an ISO 8601 time, not a number")
    return value


class RaiseSos(Command):
    where: GeoPoint
    observed_at: Annotated[AwareDatetime | None, BeforeValidator(_a_time_not_a_number)] = None
    people: Annotated[int, Field(ge=1, le=1000)] = 1
    injured: Count = 0
    children: Count = 0
    silent: bool = False
    text: FreeText = ""


class UpdateSos(Command):
    sos_id: str
    where: GeoPoint | None = None
    people: Annotated[int, Field(ge=1, le=1000)] | None = None
    injured: Count | None = None
    children: Count | None = None
    silent: bool | None = None
    text: FreeText | None = None


class ResolveSos(Command):
    sos_id: str
    outcome: SosOutcome
    note: FreeText = ""


def _report_id(prefix: str, command_id: uuid.UUID) -> str:
    return f"{prefix}_{command_id.hex[:20]}"


def _observed(claimed: datetime | None, ctx: DecisionContext) -> datetime:
    if claimed is None:
        return ctx.now
    if claimed - ctx.now > MAX_FUTURE_SKEW:
        raise InvalidCommand("observed_at is in the future; check the device clock")
    if ctx.now - claimed > MAX_AGE:
        raise InvalidCommand("observed_at is more than two days old")
    return claimed


@decider(ReportSighting)
def _sighting(state: State, cmd: ReportSighting, ctx: DecisionContext) -> list[Event]:
    return [
        ThreatSighted(
            sighting_id=_report_id("sig", cmd.command_id),
            where=cmd.where,
            observed_at=_observed(cmd.observed_at, ctx),
            count=cmd.count,
            mobility=cmd.mobility,
            armed=cmd.armed,
            heading_deg=cmd.heading_deg,
            text=cmd.text,
            tier=ctx.actor.tier,
        )
    ]


def sos_people(people: int, injured: int, children: int) -> int:
    """How many people a call is for: never fewer than its injured or its children. A call
    for help is never refused over its numbers (the form's "people" is 1 until changed, and
    someone typing "3 injured" in a hurry has not changed it): the people are at least the
    injured and at least the children, as they were typed."""
    return max(people, injured, children)


def _sos_time(claimed: datetime | None, ctx: DecisionContext) -> datetime:
    """When a call for help was pressed: never refused over the phone's clock. A fast clock
    is taken as the server's now (as a responder's position is), and one more than two days
    behind (a phone reset to 1970 or 2000 after a flat battery) as now too: a call queued
    offline for hours keeps its real time. A sighting keeps its rule (`_observed`)."""
    if claimed is None or claimed > ctx.now or ctx.now - claimed > MAX_AGE:
        return ctx.now
    return claimed


@decider(RaiseSos)
def _raise(state: State, cmd: RaiseSos, ctx: DecisionContext) -> list[Event]:
    return [
        SosRaised(
            sos_id=_report_id("sos", cmd.command_id),
            where=cmd.where,
            observed_at=_sos_time(cmd.observed_at, ctx),
            people=sos_people(cmd.people, cmd.injured, cmd.children),
            injured=cmd.injured,
            children=cmd.children,
            silent=cmd.silent,
            text=cmd.text,
            tier=ctx.actor.tier,
        )
    ]


def open_sos(state: State, sos_id: str) -> Sos:
    """The SOS with this id, if it is still open."""
    sos = state.slice(Reports).sos.get(sos_id)
    if sos is None:
        raise NotFound(f"no SOS {sos_id}")
    if sos.resolved is not None:
        raise InvalidCommand(
            f"SOS {sos_id} is already resolved ({sos.resolved.value})", rule="sos_resolved"
        )
    return sos


@decider(UpdateSos)
def _update(state: State, cmd: UpdateSos, ctx: DecisionContext) -> list[Event]:
    sos = open_sos(state, cmd.sos_id)
    changes = cmd.model_dump(exclude={"command_id", "sos_id"}, exclude_none=True)
    if not changes:
        raise InvalidCommand("an update must change something")
    injured = cmd.injured if cmd.injured is not None else sos.injured
    children = cmd.children if cmd.children is not None else sos.children
    people = sos_people(cmd.people if cmd.people is not None else sos.people, injured, children)
    if people != sos.people or cmd.people is not None:
        changes["people"] = people
    return [SosUpdated(sos_id=cmd.sos_id, **changes)]


@decider(ResolveSos)
def _resolve(state: State, cmd: ResolveSos, ctx: DecisionContext) -> list[Event]:
    open_sos(state, cmd.sos_id)
    return [SosResolved(sos_id=cmd.sos_id, outcome=cmd.outcome, note=cmd.note)]


# --- evolvers -----------------------------------------------------------------------------


@evolver(ThreatSighted)
def _on_sighting(state: State, e: ThreatSighted, r: Recorded) -> None:
    actor = r.actor
    # Positional, in Sighting's field order: keywords cost a third more per report.
    state.slice(Reports).sightings[e.sighting_id] = Sighting(
        e.sighting_id,  # sighting_id
        e.where,  # where
        e.observed_at,  # observed_at
        r.recorded_at,  # recorded_at
        e.count,  # count
        e.mobility,  # mobility
        e.armed,  # armed
        e.heading_deg,  # heading_deg
        e.text,  # text
        e.tier,  # tier
        actor.account_id,  # reporter
        actor.source_key,  # source_key
        r.position,  # position
    )


@evolver(SosRaised)
def _on_raised(state: State, e: SosRaised, r: Recorded) -> None:
    state.slice(Reports).sos[e.sos_id] = Sos(
        sos_id=e.sos_id,
        where=e.where,
        raised_at=e.observed_at,
        updated_at=r.recorded_at,
        people=e.people,
        injured=e.injured,
        children=e.children,
        silent=e.silent,
        text=e.text,
        tier=e.tier,
        reporter=r.actor.account_id,
        source_key=r.actor.source_key,
        history=[r.position],
    )


@evolver(SosUpdated)
def _on_updated(state: State, e: SosUpdated, r: Recorded) -> None:
    sos = state.slice(Reports).sos.get(e.sos_id)
    if sos is None:
        return
    for name in ("where", "people", "injured", "children", "silent", "text"):
        value = getattr(e, name)
        if value is not None:
            setattr(sos, name, value)
    sos.updated_at = r.recorded_at
    sos.history.append(r.position)


@evolver(SosResolved)
def _on_resolved(state: State, e: SosResolved, r: Recorded) -> None:
    sos = state.slice(Reports).sos.get(e.sos_id)
    if sos is None:
        return
    sos.resolved = e.outcome
    sos.resolved_at = r.recorded_at
    sos.updated_at = r.recorded_at
    sos.history.append(r.position)
