"""SOS reports merged into incidents, each with a priority and the reasons for it.

Merging. SOS reports are taken in log order. One joins the incident whose anchor (where
its first SOS is) lies within `merge_radius_m`, if that incident is still open when the SOS
is raised or its last SOS was raised within `merge_window_s`; the nearest such incident
wins, else the SOS opens a new incident. Every reporter is kept. People, injured and
children are the largest any open member reports (callers from one flat describe the same
people; adding them up would count them twice): the least there are. Beside each, its
`_high`: the reports of the different callers added up, each caller's largest once
(neighbours in other flats of one building describe other people; taking the largest alone
would count them once): the most the callers say there are. The two differ only for an
incident with several callers, and are shown as a range.

Priority. A sum of published terms, each capped, each with its reason: injured people,
children, people, a silent SOS (hiding, cannot talk), the nearest threat track (decaying
with distance, full weight for a credible active track, half for an unverified or stale
one), time waiting, and several independent callers. An incident stays on the board until
every member is resolved, however long a barricade or hostage situation lasts.

The result is a deterministic function of the SOS records, the threat tracks and `now`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np

from magen.domain.reports import Sos, SosOutcome
from magen.picture.fusion import TrackStatus, TrackView
from magen.picture.metric import LocalFrame, Metric
from magen.picture.track import reporter_key


class Urgency(StrEnum):
    """The priority band the dispatcher sees first."""

    CRITICAL = "critical"
    HIGH = "high"
    NORMAL = "normal"


@dataclass(frozen=True, slots=True)
class IncidentConfig:
    """How SOS reports merge and how incidents are ranked."""

    merge_radius_m: float = 60.0
    merge_window_s: float = 600.0
    long_running_s: float = 1800.0
    injured_points: float = 4.0
    injured_cap: int = 5
    child_points: float = 2.0
    child_cap: int = 5
    person_points: float = 0.5
    person_cap: int = 20
    silent_points: float = 3.0
    threat_points: float = 15.0
    threat_scale_m: float = 150.0  # the threat term falls by e every this many metres
    threat_max_m: float = 1000.0
    waiting_points_per_min: float = 0.5
    waiting_cap: float = 15.0
    caller_points: float = 0.5  # per independent caller after the first
    caller_cap: int = 4
    critical_at: float = 25.0
    high_at: float = 12.0


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for an incident's priority as a fact (its words in `Incident.reasons`): a
    code (REASON_CODES) and its number (injured, children, metres, minutes, callers)."""

    code: str
    n: int | None = None


# The codes of an incident's reasons, for a client to say in its language.
REASON_CODES = (
    "injured",
    "children",
    "silent_sos",
    "threat_m",
    "unverified_threat_m",
    "waiting_min",
    "callers",
)


@dataclass(frozen=True, slots=True)
class Incident:
    """People in danger at one place: every SOS about them, and how urgent they are."""

    incident_id: str  # the id of its first SOS
    sos_ids: tuple[str, ...]
    reporters: tuple[str, ...]
    lon: float
    lat: float
    first_raised: datetime
    last_raised: datetime
    updated_at: datetime
    people: int
    injured: int
    children: int
    people_high: int  # the callers' reports added up, each caller once (module docstring)
    injured_high: int
    children_high: int
    silent: bool
    open: bool
    outcome: SosOutcome | None
    resolved_at: datetime | None
    waiting_s: float
    long_running: bool
    nearest_threat_id: str | None
    nearest_threat_m: float | None
    priority: float
    urgency: Urgency
    reasons: tuple[str, ...]
    reason_facts: tuple[Reason, ...] = ()  # `reasons` as facts, one each


class _Gathering:
    """An incident while SOS reports are being merged into it."""

    __slots__ = ("anchor", "members", "open_until", "seq")

    def __init__(self, seq: int, first: Sos, anchor: tuple[float, float]) -> None:
        self.seq = seq
        self.anchor = anchor
        self.members: list[Sos] = []
        self.open_until = -math.inf
        self.add(first)

    def add(self, sos: Sos) -> None:
        self.members.append(sos)
        until = math.inf if sos.resolved_at is None else sos.resolved_at.timestamp()
        self.open_until = max(self.open_until, until)

    def takes(self, sos: Sos, window_s: float) -> bool:
        """Whether the SOS, by its time, can be about this incident."""
        t = sos.raised_at.timestamp()
        if t <= self.open_until:
            return True
        return any(abs(t - m.raised_at.timestamp()) <= window_s for m in self.members)


def merge_order(sos: Sos) -> tuple[int, str]:
    """The order `build_incidents` merges calls in: as raised in the log."""
    return (sos.history[0] if sos.history else 0, sos.sos_id)


def build_incidents(
    reports: Iterable[Sos],
    now: datetime,
    threats: Sequence[TrackView] = (),
    *,
    config: IncidentConfig | None = None,
    metric: Metric | None = None,
) -> list[Incident]:
    """Merge SOS reports into incidents: open ones by priority, then resolved ones."""
    cfg = config or IncidentConfig()
    ordered = sorted(reports, key=merge_order)
    if not ordered:
        return []
    frame = LocalFrame(ordered[0].where.lon, ordered[0].where.lat)
    cell = cfg.merge_radius_m
    grid: dict[tuple[int, int], list[_Gathering]] = {}
    gatherings: list[_Gathering] = []
    for sos in ordered:
        x, y = frame.to_xy(sos.where.lon, sos.where.lat)
        cx, cy = math.floor(x / cell), math.floor(y / cell)
        best: _Gathering | None = None
        best_d = cfg.merge_radius_m
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for g in grid.get((gx, gy), ()):
                    d = math.hypot(x - g.anchor[0], y - g.anchor[1])
                    better = d < best_d or (d == best_d and best is not None and g.seq < best.seq)
                    if better and g.takes(sos, cfg.merge_window_s):
                        best, best_d = g, d
        if best is None:
            best = _Gathering(len(gatherings), sos, (x, y))
            gatherings.append(best)
            grid.setdefault((cx, cy), []).append(best)
        else:
            best.add(sos)
    live = [t for t in threats if t.open]
    incidents = [_incident(g.members, now, live, cfg, metric) for g in gatherings]
    open_first = sorted(
        (i for i in incidents if i.open),
        key=lambda i: (-i.priority, i.first_raised, i.incident_id),
    )
    closed = sorted(
        (i for i in incidents if not i.open),
        key=lambda i: (-(i.resolved_at or i.updated_at).timestamp(), i.incident_id),
    )
    return open_first + closed


def _incident(
    members: list[Sos],
    now: datetime,
    threats: Sequence[TrackView],
    cfg: IncidentConfig,
    metric: Metric | None,
) -> Incident:
    active = [m for m in members if m.resolved is None]
    is_open = bool(active)
    counted = active or members
    lon = float(np.mean([m.where.lon for m in counted]))
    lat = float(np.mean([m.where.lat for m in counted]))
    first_raised = min(m.raised_at for m in members)
    resolved_at: datetime | None = None
    outcome: SosOutcome | None = None
    if not is_open:
        last = max(members, key=lambda m: (m.resolved_at or m.updated_at, m.sos_id))
        resolved_at = last.resolved_at
        real = [m for m in members if m.resolved is not SosOutcome.DUPLICATE]
        outcome = (
            max(real, key=lambda m: (m.resolved_at or m.updated_at, m.sos_id)).resolved
            if real
            else SosOutcome.DUPLICATE
        )
    waited_until = now if is_open else (resolved_at or now)
    waiting_s = max((waited_until - first_raised).total_seconds(), 0.0)
    reporters = tuple(
        dict.fromkeys(reporter_key(m.reporter, m.source_key, m.sos_id) for m in members)
    )
    people = max(m.people for m in counted)
    injured = max(m.injured for m in counted)
    children = max(m.children for m in counted)
    by_caller: dict[str, tuple[int, int, int]] = {}
    for m in counted:
        key = reporter_key(m.reporter, m.source_key, m.sos_id)
        had = by_caller.get(key, (0, 0, 0))
        by_caller[key] = (max(had[0], m.people), max(had[1], m.injured), max(had[2], m.children))
    people_high = sum(c[0] for c in by_caller.values())
    injured_high = sum(c[1] for c in by_caller.values())
    children_high = sum(c[2] for c in by_caller.values())
    silent = any(m.silent for m in counted)
    threat_id, threat_m, threat_w = _nearest_threat(lon, lat, threats, metric, cfg.threat_scale_m)
    priority, reasons, facts = _priority(
        cfg,
        injured=injured,
        children=children,
        people=people,
        silent=silent,
        threat=(threat_m, threat_w),
        waiting_s=waiting_s if is_open else 0.0,
        callers=len(reporters),
    )
    if priority >= cfg.critical_at:
        urgency = Urgency.CRITICAL
    elif priority >= cfg.high_at:
        urgency = Urgency.HIGH
    else:
        urgency = Urgency.NORMAL
    return Incident(
        incident_id=members[0].sos_id,
        sos_ids=tuple(m.sos_id for m in members),
        reporters=reporters,
        lon=lon,
        lat=lat,
        first_raised=first_raised,
        last_raised=max(m.raised_at for m in members),
        updated_at=max(m.updated_at for m in members),
        people=people,
        injured=injured,
        children=children,
        people_high=people_high,
        injured_high=injured_high,
        children_high=children_high,
        silent=silent,
        open=is_open,
        outcome=outcome,
        resolved_at=resolved_at,
        waiting_s=waiting_s,
        long_running=is_open and waiting_s >= cfg.long_running_s,
        nearest_threat_id=threat_id,
        nearest_threat_m=threat_m,
        priority=round(priority, 3),
        urgency=urgency,
        reasons=tuple(reasons),
        reason_facts=tuple(facts),
    )


def _nearest_threat(
    lon: float,
    lat: float,
    threats: Sequence[TrackView],
    metric: Metric | None,
    scale_m: float,
) -> tuple[str | None, float | None, float]:
    """The threat that weighs most on this place: (track id, metres, weight)."""
    if not threats:
        return None, None, 0.0
    where = np.array([(t.lon, t.lat) for t in threats], dtype=np.float64)
    if metric is None:
        frame = LocalFrame(lon, lat)
        xy = frame.array_to_xy(where)
        dist = np.hypot(xy[:, 0], xy[:, 1])
    else:
        dist = np.asarray(metric.distance_m((lon, lat), where), dtype=np.float64)
    weights = np.array(
        [1.0 if t.credible and t.status is not TrackStatus.STALE else 0.5 for t in threats]
    )
    # The nearest by weighted closeness; ties go to the earlier track.
    pull = weights * np.exp(-np.minimum(dist, 1e9) / scale_m)
    k = int(np.argmax(pull))
    if not math.isfinite(float(dist[k])):
        return None, None, 0.0
    return threats[k].track_id, float(dist[k]), float(weights[k])


def _priority(
    cfg: IncidentConfig,
    *,
    injured: int,
    children: int,
    people: int,
    silent: bool,
    threat: tuple[float | None, float],
    waiting_s: float,
    callers: int,
) -> tuple[float, list[str], list[Reason]]:
    score = 0.0
    reasons: list[str] = []
    facts: list[Reason] = []
    if injured:
        score += cfg.injured_points * min(injured, cfg.injured_cap)
        reasons.append(f"{injured} injured")
        facts.append(Reason("injured", injured))
    if children:
        score += cfg.child_points * min(children, cfg.child_cap)
        reasons.append(f"{children} {'child' if children == 1 else 'children'}")
        facts.append(Reason("children", children))
    score += cfg.person_points * min(people, cfg.person_cap)
    if silent:
        score += cfg.silent_points
        reasons.append("silent SOS: hiding, cannot talk")
        facts.append(Reason("silent_sos"))
    distance, weight = threat
    if distance is not None and distance <= cfg.threat_max_m:
        score += cfg.threat_points * weight * math.exp(-distance / cfg.threat_scale_m)
        kind = "threat" if weight >= 1.0 else "unverified or stale threat"
        reasons.append(f"{kind} {distance:.0f} m away")
        code = "threat_m" if weight >= 1.0 else "unverified_threat_m"
        facts.append(Reason(code, int(f"{distance:.0f}")))
    if waiting_s >= 60.0:
        score += min(cfg.waiting_points_per_min * waiting_s / 60.0, cfg.waiting_cap)
        reasons.append(f"waiting {waiting_s / 60.0:.0f} min")
        facts.append(Reason("waiting_min", int(f"{waiting_s / 60.0:.0f}")))
    if callers > 1:
        score += cfg.caller_points * min(callers - 1, cfg.caller_cap)
        reasons.append(f"{callers} callers")
        facts.append(Reason("callers", callers))
    return score, reasons, facts
