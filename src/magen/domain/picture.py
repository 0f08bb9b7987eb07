"""The threat picture: fused tracks, and the operators' acts on them as events.

The slice holds fusion's live state, fed by every `ThreatSighted` and every operator act in
log order, so the picture at any log position is the fold of the log up to it. Deciders
check an act against that picture before it is recorded; evolvers apply it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from magen.domain.base import Command, DecisionContext, Event, Recorded, decider, event, evolver
from magen.domain.errors import InvalidCommand, NotFound
from magen.domain.reports import ThreatSighted
from magen.domain.state import State
from magen.domain.values import FreeText
from magen.picture.acts import (
    ConfirmAct,
    DismissAct,
    MergeAct,
    NeutraliseAct,
    ReopenAct,
    SplitAct,
    TrackAct,
    UnknownTrack,
)

if TYPE_CHECKING:
    from magen.geo.town import Town
    from magen.picture.fusion import Fuser, FusionConfig, SightingReport
    from magen.picture.metric import LocalFrame, Metric

# Fusion imports the domain's value types, so the domain imports it lazily (acts need nothing).


def _new_fuser() -> Fuser:
    from magen.picture.fusion import Fuser

    return Fuser()


class Picture:
    """Slice: fusion's live state (tracks, their sightings, operators' acts).

    Sightings are queued as they are applied and folded into the fuser, in log order, the
    first time anyone reads it. A report is acknowledged as soon as it is durable and in the
    queue; fusing it is paid once by the next reader (the console, a decider, dispatch)
    rather than inside every report's request, and a burst of reports is fused in one go.
    The picture read at any position is the same either way.
    """

    __slots__ = ("_fuser", "_pending")

    def __init__(self, fuser: Fuser | None = None) -> None:
        self._fuser = fuser if fuser is not None else _new_fuser()
        self._pending: list[SightingReport] = []

    @property
    def fuser(self) -> Fuser:
        """The fuser with every applied sighting folded in."""
        if self._pending:
            pending, self._pending = self._pending, []
            for report in pending:
                self._fuser.ingest(report)
        return self._fuser

    @fuser.setter
    def fuser(self, value: Fuser) -> None:
        self._fuser = value
        self._pending = []

    @property
    def metric(self) -> Metric | None:
        """The metric the picture measures movement with (reading it folds nothing in)."""
        return self._fuser.metric

    @property
    def sightings_seen(self) -> int:
        """How many sightings were applied, fused or still queued."""
        return self._fuser.sightings + len(self._pending)

    def queue(self, report: SightingReport) -> None:
        """Take a sighting to fuse on the next read."""
        self._pending.append(report)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Picture):
            return NotImplemented
        return self.fuser == other.fuser

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict[str, object]:
        return {"fuser": self.fuser}

    def __setstate__(self, data: dict[str, object]) -> None:
        self._fuser = data["fuser"]  # type: ignore[assignment]
        self._pending = []


def configure_picture(
    state: State,
    *,
    config: FusionConfig | None = None,
    metric: Metric | None = None,
    frame: LocalFrame | None = None,
) -> None:
    """Set the fusion model and town metric of a state before any event is folded into it."""
    from magen.picture.fusion import Fuser

    if state.slice(Picture).sightings_seen:
        raise ValueError("configure the picture before replaying the log")
    state.slice(Picture).fuser = Fuser(config, metric=metric, frame=frame)


def state_fused_along(town: Town | None) -> State:
    """A fresh state whose picture measures along `town`'s streets (in straight lines if None).

    For folding a log outside the server (replay, reports) as a server with that town did.
    """
    state = State()
    if town is not None:
        from magen.picture.metric import town_metric

        configure_picture(state, metric=town_metric(town))
    return state


TrackIds = Annotated[tuple[str, ...], Field(min_length=1, max_length=50)]
SightingIds = Annotated[tuple[str, ...], Field(min_length=1, max_length=10_000)]


# --- events -------------------------------------------------------------------------------


@event
class TrackConfirmed(Event):
    type: Literal["TrackConfirmed"] = "TrackConfirmed"
    track_id: str
    note: str = ""


@event
class TracksMerged(Event):
    type: Literal["TracksMerged"] = "TracksMerged"
    into_track_id: str
    track_ids: tuple[str, ...]
    note: str = ""


@event
class TrackSplit(Event):
    type: Literal["TrackSplit"] = "TrackSplit"
    track_id: str
    sighting_ids: tuple[str, ...]
    new_track_id: str
    note: str = ""


@event
class TrackDismissed(Event):
    """Closed as a false alarm."""

    type: Literal["TrackDismissed"] = "TrackDismissed"
    track_id: str
    note: str = ""


@event
class TrackNeutralised(Event):
    type: Literal["TrackNeutralised"] = "TrackNeutralised"
    track_id: str
    note: str = ""


@event
class TrackReopened(Event):
    type: Literal["TrackReopened"] = "TrackReopened"
    track_id: str
    note: str = ""


# --- commands -----------------------------------------------------------------------------


class ConfirmTrack(Command):
    track_id: str
    note: FreeText = ""


class MergeTracks(Command):
    into_track_id: str
    track_ids: TrackIds
    note: FreeText = ""


class SplitTrack(Command):
    track_id: str
    sighting_ids: SightingIds
    note: FreeText = ""


class DismissTrack(Command):
    track_id: str
    note: FreeText = ""


class NeutraliseTrack(Command):
    track_id: str
    note: FreeText = ""


class ReopenTrack(Command):
    track_id: str
    note: FreeText = ""


def _check(state: State, act: TrackAct) -> None:
    try:
        reason = state.slice(Picture).fuser.refusal(act)
    except UnknownTrack as e:
        raise NotFound(str(e)) from None
    if reason is not None:
        raise InvalidCommand(reason)


@decider(ConfirmTrack)
def _confirm(state: State, cmd: ConfirmTrack, ctx: DecisionContext) -> list[Event]:
    _check(state, ConfirmAct(cmd.track_id, ctx.now))
    return [TrackConfirmed(track_id=cmd.track_id, note=cmd.note)]


@decider(MergeTracks)
def _merge(state: State, cmd: MergeTracks, ctx: DecisionContext) -> list[Event]:
    _check(state, MergeAct(cmd.into_track_id, cmd.track_ids, ctx.now))
    return [TracksMerged(into_track_id=cmd.into_track_id, track_ids=cmd.track_ids, note=cmd.note)]


@decider(SplitTrack)
def _split(state: State, cmd: SplitTrack, ctx: DecisionContext) -> list[Event]:
    new_track_id = f"trk_{cmd.command_id.hex[:20]}"
    _check(state, SplitAct(cmd.track_id, cmd.sighting_ids, new_track_id, ctx.now))
    return [
        TrackSplit(
            track_id=cmd.track_id,
            sighting_ids=cmd.sighting_ids,
            new_track_id=new_track_id,
            note=cmd.note,
        )
    ]


@decider(DismissTrack)
def _dismiss(state: State, cmd: DismissTrack, ctx: DecisionContext) -> list[Event]:
    _check(state, DismissAct(cmd.track_id, ctx.now))
    return [TrackDismissed(track_id=cmd.track_id, note=cmd.note)]


@decider(NeutraliseTrack)
def _neutralise(state: State, cmd: NeutraliseTrack, ctx: DecisionContext) -> list[Event]:
    _check(state, NeutraliseAct(cmd.track_id, ctx.now))
    return [TrackNeutralised(track_id=cmd.track_id, note=cmd.note)]


@decider(ReopenTrack)
def _reopen(state: State, cmd: ReopenTrack, ctx: DecisionContext) -> list[Event]:
    _check(state, ReopenAct(cmd.track_id, ctx.now))
    return [TrackReopened(track_id=cmd.track_id, note=cmd.note)]


# --- evolvers -----------------------------------------------------------------------------


@functools.cache
def _fusion_inputs() -> tuple[type[SightingReport], Callable[[str | None, str | None, str], str]]:
    """Fusion's report class and reporter key, imported once (an import statement in the
    evolver would run the import machinery on every sighting applied)."""
    from magen.picture.fusion import SightingReport, reporter_key

    return SightingReport, reporter_key


@evolver(ThreatSighted)
def _on_sighting(state: State, e: ThreatSighted, r: Recorded) -> None:
    report, reporter_key = _fusion_inputs()
    where = e.where
    actor = r.actor
    # Positional, in SightingReport's field order: keywords cost a third more per sighting.
    state.slice(Picture).queue(
        report(
            e.sighting_id,  # sighting_id
            where.lon,  # lon
            where.lat,  # lat
            e.observed_at,  # observed_at
            e.tier,  # tier
            reporter_key(actor.account_id, actor.source_key, e.sighting_id),  # reporter
            e.count,  # count
            e.mobility,  # mobility
            e.armed,  # armed
            e.heading_deg,  # heading_deg
            where.accuracy_m,  # accuracy_m
        )
    )


# An act the picture cannot take (only possible when the log is replayed under another fusion
# model) changes nothing: evolvers never refuse.


@evolver(TrackConfirmed)
def _on_confirmed(state: State, e: TrackConfirmed, r: Recorded) -> None:
    state.slice(Picture).fuser.apply(ConfirmAct(e.track_id, r.recorded_at))


@evolver(TracksMerged)
def _on_merged(state: State, e: TracksMerged, r: Recorded) -> None:
    state.slice(Picture).fuser.apply(MergeAct(e.into_track_id, e.track_ids, r.recorded_at))


@evolver(TrackSplit)
def _on_split(state: State, e: TrackSplit, r: Recorded) -> None:
    state.slice(Picture).fuser.apply(
        SplitAct(e.track_id, e.sighting_ids, e.new_track_id, r.recorded_at)
    )


@evolver(TrackDismissed)
def _on_dismissed(state: State, e: TrackDismissed, r: Recorded) -> None:
    state.slice(Picture).fuser.apply(DismissAct(e.track_id, r.recorded_at))


@evolver(TrackNeutralised)
def _on_neutralised(state: State, e: TrackNeutralised, r: Recorded) -> None:
    state.slice(Picture).fuser.apply(NeutraliseAct(e.track_id, r.recorded_at))


@evolver(TrackReopened)
def _on_reopened(state: State, e: TrackReopened, r: Recorded) -> None:
    state.slice(Picture).fuser.apply(ReopenAct(e.track_id, r.recorded_at))
