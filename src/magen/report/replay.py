"""Read a run back from its event log: the picture at chosen moments and the day's timeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from magen.domain import State, evolve
from magen.domain.alerts import (
    AlertIssued,
    Alerts,
    Circle,
    DangerAreaDeclared,
    DangerAreaLifted,
    GuidanceChanged,
    GuidanceOverrideIssued,
    Polygon,
)
from magen.domain.base import Recorded
from magen.domain.picture import Picture, TrackConfirmed, TrackNeutralised
from magen.domain.reports import Reports, SosRaised, SosResolved, ThreatSighted
from magen.domain.responders import Responders
from magen.picture.fusion import TrackView

RECENT_SIGHTINGS_S = 300.0


@dataclass(frozen=True)
class Moment:
    """The picture as operators had it at one moment."""

    title: str
    at: datetime
    position: int
    tracks: tuple[TrackView, ...]
    sos: tuple[tuple[float, float, int, bool], ...]  # lon, lat, injured, silent (open ones)
    danger: tuple[Circle | Polygon, ...]
    lock_ins: tuple[Circle | Polygon, ...]
    responders: tuple[tuple[float, float, str], ...]  # lon, lat, status
    sightings: tuple[tuple[float, float], ...]  # reported in the last five minutes
    truth: tuple[tuple[float, float, float], ...] = ()  # lon, lat, attackers (when known)


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: datetime
    position: int
    kind: str
    text: str


@dataclass
class Replay:
    """What the report needs from one fold of the log."""

    moments: list[Moment] = field(default_factory=list)
    timeline: list[Entry] = field(default_factory=list)
    sightings_at: list[datetime] = field(default_factory=list)
    sos_at: list[datetime] = field(default_factory=list)
    alerts_at: list[tuple[datetime, str]] = field(default_factory=list)
    guidance: list[tuple[datetime, str, dict[str, int]]] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    events: int = 0


def _moment(title: str, at: datetime, state: State) -> Moment:
    alerts = state.slice(Alerts)
    reports = state.slice(Reports)
    recent = [
        (s.where.lon, s.where.lat)
        for s in reports.sightings.values()
        if 0.0 <= (at - s.observed_at).total_seconds() <= RECENT_SIGHTINGS_S
    ]
    return Moment(
        title=title,
        at=at,
        position=state.position,
        tracks=tuple(t for t in state.slice(Picture).fuser.tracks(at) if t.open),
        sos=tuple(
            (s.where.lon, s.where.lat, s.injured, s.silent)
            for s in reports.sos.values()
            if s.resolved is None
        ),
        danger=tuple(d.area for d in alerts.active_danger_areas(at)),
        lock_ins=tuple(
            o.area
            for o in alerts.active_overrides(at)
            if o.area is not None and o.action.value == "lock_in"
        ),
        responders=tuple(
            (r.where.lon, r.where.lat, r.status.value)
            for r in state.slice(Responders).by_id.values()
            if r.active and r.where is not None
        ),
        sightings=tuple(recent),
    )


def _entry(r: Recorded) -> Entry | None:
    ev = r.event
    text: str | None = None
    if isinstance(ev, AlertIssued):
        secs = sorted(set(ev.seconds_to_shelter.values()))
        extra = f", {secs[0]} s to shelter" if len(secs) == 1 else ""
        what = ev.category.value.replace("_", " ")
        text = f"Official alert: {what} in {len(ev.zone_ids)} zones{extra}"
    elif isinstance(ev, TrackConfirmed):
        text = f"Track {ev.track_id} confirmed"
    elif isinstance(ev, TrackNeutralised):
        text = f"Track {ev.track_id} neutralised"
    elif isinstance(ev, DangerAreaDeclared):
        text = f"Danger area declared ({ev.reason.value.replace('_', ' ')})"
    elif isinstance(ev, DangerAreaLifted):
        text = "Danger area lifted"
    elif isinstance(ev, GuidanceOverrideIssued):
        text = f"Operator instruction: {ev.action.value.replace('_', ' ')}"
    elif ev.type == "AssignmentMade":
        data = ev.model_dump(mode="json")
        text = f"Responder sent to {data['target']} {data['target_id']}"
    elif ev.type == "CallUpIssued":
        text = "Off-duty responders called up"
    if text is None:
        return None
    return Entry(at=r.recorded_at, position=r.position, kind=ev.type, text=text)


def replay(
    events: Iterable[Recorded],
    moments: Sequence[tuple[str, datetime]],
    *,
    state: State | None = None,
) -> Replay:
    """Fold the log once, keeping the picture at each moment (in time order) and the timeline."""
    state = state or State()
    out = Replay()
    wanted = sorted(moments, key=lambda m: m[1])
    i = 0
    for r in events:
        while i < len(wanted) and wanted[i][1] < r.recorded_at:
            out.moments.append(_moment(wanted[i][0], wanted[i][1], state))
            i += 1
        evolve(state, r)
        out.events += 1
        out.first = out.first or r.recorded_at
        out.last = r.recorded_at
        ev = r.event
        if isinstance(ev, ThreatSighted):
            out.sightings_at.append(ev.observed_at)
            if len(out.sightings_at) == 1:
                out.timeline.append(
                    Entry(r.recorded_at, r.position, ev.type, "First sighting reported")
                )
        elif isinstance(ev, SosRaised):
            out.sos_at.append(r.recorded_at)
            if len(out.sos_at) == 1:
                out.timeline.append(
                    Entry(r.recorded_at, r.position, ev.type, "First call for help (SOS)")
                )
        elif isinstance(ev, SosResolved):
            pass
        elif isinstance(ev, GuidanceChanged):
            counts = {a.value: n for a, n in ev.counts.items() if n}
            out.guidance.append((r.recorded_at, ev.zone_id, counts))
        if isinstance(ev, AlertIssued):
            out.alerts_at.append((r.recorded_at, ev.category.value))
        entry = _entry(r)
        if entry is not None:
            out.timeline.append(entry)
    while i < len(wanted):
        out.moments.append(_moment(wanted[i][0], wanted[i][1], state))
        i += 1
    return out
