"""Generated ground truth for judging fusion: groups moving along streets, noisy reporters.

Used by the evaluation tests and `bench/fusion.py`. Groups of attackers walk (or drive)
shortest paths between random street nodes, pausing at some; residents and responders
report them with realistic noise in place, time and count, repeat themselves, exaggerate,
send duplicates and late reports; some reports are false, and one anonymous source floods a
place where nobody is. All randomness comes from the generator passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from magen.domain.reports import Armed, Mobility
from magen.domain.values import SourceTier
from magen.picture.fusion import Fuser, TrackStatus, TrackView
from magen.picture.metric import LocalFrame, walking_graph
from magen.picture.track import SightingReport

if TYPE_CHECKING:
    from magen.geo.town import Town

FloatArray = NDArray[np.float64]

BAKA_CENTRE = (35.2155, 31.7624)
FLOOD_SOURCE = "anon:flood"


@dataclass(frozen=True)
class Streets:
    """A street graph: node positions and a symmetric CSR matrix of lengths in metres."""

    node_lonlat: FloatArray
    graph: csr_matrix
    frame: LocalFrame

    @property
    def node_xy(self) -> FloatArray:
        """Node positions in the frame, metres."""
        return self.frame.array_to_xy(self.node_lonlat)


def grid_streets(
    rng: np.random.Generator,
    *,
    centre: tuple[float, float] = BAKA_CENTRE,
    blocks: tuple[int, int] = (14, 14),
    block_m: float = 95.0,
    jitter_m: float = 12.0,
    missing_share: float = 0.12,
) -> Streets:
    """An irregular street grid: jittered crossings, some street pieces missing."""
    nx, ny = blocks
    frame = LocalFrame(*centre)
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    xy = np.stack([ix.ravel(), iy.ravel()], axis=1) * block_m
    xy = xy - xy.mean(axis=0) + rng.normal(0.0, jitter_m, size=xy.shape)
    idx = np.arange(nx * ny).reshape(nx, ny)
    pairs = np.concatenate(
        [
            np.stack([idx[:-1, :].ravel(), idx[1:, :].ravel()], axis=1),
            np.stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()], axis=1),
        ]
    )
    pairs = pairs[rng.random(len(pairs)) >= missing_share]
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    n = nx * ny
    graph = coo_matrix(
        (
            np.concatenate([length, length]),
            (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]]),
        ),
        shape=(n, n),
    ).tocsr()
    # Keep the largest connected piece so every node can reach every other.
    _, label = connected_components(graph, directed=False)
    keep = np.flatnonzero(label == np.bincount(label).argmax())
    graph = graph[keep][:, keep].tocsr()
    xy = xy[keep]
    lonlat = np.stack([frame.lon0 + xy[:, 0] / frame.kx, frame.lat0 + xy[:, 1] / frame.ky], axis=1)
    return Streets(node_lonlat=lonlat, graph=graph, frame=frame)


def town_streets(town: Town) -> Streets:
    """The walkable streets of a town pack, for groups to walk."""
    nodes, graph = walking_graph(town)
    _, label = connected_components(graph, directed=False)
    keep = np.flatnonzero(label == np.bincount(label).argmax())
    centre = nodes[keep].mean(axis=0)
    return Streets(
        node_lonlat=nodes[keep],
        graph=graph[keep][:, keep].tocsr(),
        frame=LocalFrame(float(centre[0]), float(centre[1])),
    )


@dataclass(frozen=True)
class ScenarioSpec:
    """The shape of a generated attack and of the reporting about it."""

    groups: int = 5
    duration_s: float = 1800.0
    size_range: tuple[int, int] = (2, 8)
    vehicle_share: float = 0.4  # groups that arrive by car and then go on foot
    drive_s: tuple[float, float] = (60.0, 300.0)
    foot_speed_mps: tuple[float, float] = (0.8, 2.0)
    vehicle_speed_mps: tuple[float, float] = (5.0, 10.0)
    leg_m: tuple[float, float] = (150.0, 600.0)
    pause_share: float = 0.35
    pause_s: tuple[float, float] = (30.0, 240.0)
    start_spread_s: float = 300.0  # groups appear within this long of each other
    min_separation_m: float = 350.0  # between starting points
    report_interval_s: float = 30.0  # mean time between reports of one group
    repeat_share: float = 0.25  # a report from someone who already reported the group
    tier_shares: tuple[float, float, float] = (0.1, 0.6, 0.3)  # verified, registered, anon
    verified_sigma_m: float = 20.0
    registered_sigma_m: float = 40.0
    anonymous_sigma_m: float = 60.0
    gross_error_share: float = 0.05
    gross_error_m: tuple[float, float] = (120.0, 250.0)
    lag_s: tuple[float, float] = (5.0, 60.0)  # sighting to typing it
    late_share: float = 0.05  # reports that arrive minutes later (phone offline)
    late_delay_s: tuple[float, float] = (60.0, 600.0)
    count_missing_share: float = 0.3
    count_under_share: float = 0.25
    count_exaggerate_share: float = 0.2
    exaggeration: tuple[float, float] = (1.5, 3.0)
    heading_share: float = 0.4
    mobility_known_share: float = 0.7
    mobility_wrong_share: float = 0.05
    duplicate_share: float = 0.08
    false_share: float = 0.05  # false reports per true report
    flood_reports: int = 150
    flood_period_s: float = 600.0
    start: datetime = field(default_factory=lambda: datetime(2023, 10, 7, 3, 30, tzinfo=UTC))


@dataclass(frozen=True)
class GroupTruth:
    """One group's true size, mobility and path (piecewise linear in time)."""

    group: int
    size: int
    dismount_s: float  # seconds from the start when it leaves its car (its start if on foot)
    t: FloatArray  # seconds from the scenario start
    x: FloatArray
    y: FloatArray

    def mobility_at(self, t: float) -> Mobility:
        """How the group moves at t."""
        return Mobility.VEHICLE if t < self.dismount_s else Mobility.ON_FOOT

    def at(self, t: float) -> tuple[float, float]:
        """Where the group is at t (seconds from the start)."""
        return float(np.interp(t, self.t, self.x)), float(np.interp(t, self.t, self.y))

    def heading_at(self, t: float) -> float | None:
        """Heading in degrees clockwise from north at t; None while paused."""
        k = int(np.searchsorted(self.t, t, side="right"))
        if k <= 0 or k >= len(self.t):
            return None
        dx = self.x[k] - self.x[k - 1]
        dy = self.y[k] - self.y[k - 1]
        if math.hypot(dx, dy) < 1e-6:
            return None
        return math.degrees(math.atan2(dx, dy)) % 360.0


@dataclass(frozen=True)
class LabelledSighting:
    """A generated report, what really caused it, and when it reached the server."""

    report: SightingReport
    group: int | None  # None: a false report or the flood
    arrival_s: float


@dataclass(frozen=True)
class Scenario:
    """A generated attack: the truth and the reports about it, in arrival (log) order."""

    spec: ScenarioSpec
    frame: LocalFrame
    groups: tuple[GroupTruth, ...]
    sightings: tuple[LabelledSighting, ...]
    flood_xy: tuple[float, float] | None

    def at(self, t: float) -> datetime:
        """The datetime t seconds from the start."""
        return self.spec.start + timedelta(seconds=t)


@dataclass(frozen=True)
class _Walker:
    """One group's way of moving: where it may go and how fast."""

    start: int
    sector: NDArray[np.bool_]  # the nodes it heads for (it may pass through others)
    t0: float
    dismount_s: float
    drive_mps: float
    walk_mps: float


def _walk(
    rng: np.random.Generator,
    streets: Streets,
    xy: FloatArray,
    walker: _Walker,
    spec: ScenarioSpec,
) -> tuple[list[float], list[float], list[float]]:
    start, t = walker.start, walker.t0
    ts, xs, ys = [t], [float(xy[start, 0])], [float(xy[start, 1])]
    node = start
    while t < spec.duration_s:
        dist, pred = dijkstra(
            streets.graph, indices=node, limit=spec.leg_m[1], return_predecessors=True
        )
        reachable = np.isfinite(dist) & (dist > 0)
        choices = np.flatnonzero(reachable & (dist >= spec.leg_m[0]) & walker.sector)
        if len(choices) == 0:
            choices = np.flatnonzero(reachable & walker.sector)
        if len(choices) == 0:
            choices = np.flatnonzero(reachable)
        if len(choices) == 0:
            # Every street on from here is longer than a leg (a city's arterial roads): go
            # to the nearest node it leads to.
            dist, pred = dijkstra(streets.graph, indices=node, return_predecessors=True)
            onward = np.where(dist > 0, dist, np.inf)
            choices = np.array([int(np.argmin(onward))])
        target = int(rng.choice(choices))
        path = [target]
        while path[-1] != node:
            path.append(int(pred[path[-1]]))
        for a, b in zip(path[::-1][:-1], path[::-1][1:], strict=True):
            speed = walker.drive_mps if t < walker.dismount_s else walker.walk_mps
            t += float(np.hypot(*(xy[b] - xy[a]))) / speed
            ts.append(t)
            xs.append(float(xy[b, 0]))
            ys.append(float(xy[b, 1]))
        node = target
        if rng.random() < spec.pause_share:
            t += float(rng.uniform(*spec.pause_s))
            ts.append(t)
            xs.append(xs[-1])
            ys.append(ys[-1])
    return ts, xs, ys


def _starts(rng: np.random.Generator, xy: FloatArray, n: int, separation: float) -> list[int]:
    chosen: list[int] = []
    for _ in range(200 * n):
        if len(chosen) == n:
            break
        cand = int(rng.integers(len(xy)))
        if all(np.hypot(*(xy[cand] - xy[c])) >= separation for c in chosen):
            chosen.append(cand)
    if len(chosen) < n:
        raise ValueError("the street graph is too small for that many separated groups")
    return chosen


class _Reports:
    """Accumulates generated reports with unique ids and reporter keys."""

    def __init__(self, rng: np.random.Generator, spec: ScenarioSpec, frame: LocalFrame) -> None:
        self.rng = rng
        self.spec = spec
        self.frame = frame
        self.out: list[LabelledSighting] = []
        self._people = 0

    def new_reporter(
        self, shares: tuple[float, float, float] | None = None
    ) -> tuple[str, SourceTier]:
        self._people += 1
        p = np.array(shares or self.spec.tier_shares, dtype=np.float64)
        tier = self.rng.choice(
            [SourceTier.VERIFIED, SourceTier.REGISTERED, SourceTier.ANONYMOUS], p=p / p.sum()
        )
        tier = SourceTier(tier)
        prefix = "anon:src" if tier is SourceTier.ANONYMOUS else "acct:person"
        return f"{prefix}{self._people}", tier

    def sigma(self, tier: SourceTier) -> float:
        if tier is SourceTier.VERIFIED:
            return self.spec.verified_sigma_m
        if tier is SourceTier.REGISTERED:
            return self.spec.registered_sigma_m
        return self.spec.anonymous_sigma_m

    def add(
        self,
        *,
        x: float,
        y: float,
        observed_s: float,
        arrival_s: float,
        reporter: str,
        tier: SourceTier,
        group: int | None,
        count: int | None,
        mobility: Mobility,
        armed: Armed,
        heading: float | None,
    ) -> None:
        lon, lat = self.frame.to_lonlat(x, y)
        report = SightingReport(
            sighting_id=f"sig_{len(self.out):08d}",
            lon=lon,
            lat=lat,
            observed_at=self.spec.start + timedelta(seconds=observed_s),
            tier=tier,
            reporter=reporter,
            count=count,
            mobility=mobility,
            armed=armed,
            heading_deg=heading,
        )
        self.out.append(LabelledSighting(report=report, group=group, arrival_s=arrival_s))


def _claim(rng: np.random.Generator, spec: ScenarioSpec, size: int) -> int | None:
    u = rng.random()
    if u < spec.count_missing_share:
        return None
    u = rng.random()
    if u < spec.count_under_share:
        return max(1, round(size * rng.uniform(0.4, 0.9)))
    if u < spec.count_under_share + spec.count_exaggerate_share:
        return max(size + 1, round(size * rng.uniform(*spec.exaggeration)))
    return size


def _group_reports(
    rng: np.random.Generator, spec: ScenarioSpec, g: GroupTruth, reports: _Reports
) -> None:
    t = float(g.t[0])
    people: list[tuple[str, SourceTier]] = []
    while True:
        t += float(rng.exponential(spec.report_interval_s))
        if t >= g.t[-1] or t >= spec.duration_s:
            return
        if people and rng.random() < spec.repeat_share:
            reporter, tier = people[int(rng.integers(len(people)))]
        else:
            reporter, tier = reports.new_reporter()
            people.append((reporter, tier))
        x, y = g.at(t)
        sigma = reports.sigma(tier)
        x += float(rng.normal(0.0, sigma))
        y += float(rng.normal(0.0, sigma))
        if rng.random() < spec.gross_error_share:
            angle = rng.uniform(0, 2 * math.pi)
            off = rng.uniform(*spec.gross_error_m)
            x += off * math.cos(angle)
            y += off * math.sin(angle)
        observed = t + float(rng.uniform(*spec.lag_s))
        delay = float(rng.uniform(0.5, 5.0))
        if rng.random() < spec.late_share:
            delay = float(rng.uniform(*spec.late_delay_s))
        heading = g.heading_at(t) if rng.random() < spec.heading_share else None
        if heading is not None:
            heading = float((heading + rng.normal(0.0, 30.0)) % 360.0)
        u = rng.random()
        true_mobility = g.mobility_at(t)
        if u < spec.mobility_wrong_share:
            mobility = Mobility.VEHICLE if true_mobility is Mobility.ON_FOOT else Mobility.ON_FOOT
        elif u < spec.mobility_known_share:
            mobility = true_mobility
        else:
            mobility = Mobility.UNKNOWN
        count = _claim(rng, spec, g.size)
        armed = Armed.YES if rng.random() < 0.6 else Armed.UNKNOWN
        # A double tap sends the same report twice, seconds apart, under two ids.
        copies = 2 if rng.random() < spec.duplicate_share else 1
        for copy in range(copies):
            reports.add(
                x=x,
                y=y,
                observed_s=observed,
                arrival_s=observed + delay + (float(rng.uniform(1.0, 20.0)) if copy else 0.0),
                reporter=reporter,
                tier=tier,
                group=g.group,
                count=count,
                mobility=mobility,
                armed=armed,
                heading=heading,
            )


def generate(rng: np.random.Generator, streets: Streets, spec: ScenarioSpec) -> Scenario:
    """An attack on `streets` and its reports, in arrival order."""
    xy = streets.node_xy
    reports = _Reports(rng, spec, streets.frame)
    groups: list[GroupTruth] = []
    starts = _starts(rng, xy, spec.groups, spec.min_separation_m)
    # Each group works its own part of town (the nodes nearest its start), as attack groups
    # that split up to hit different streets do; paths still cross others' parts.
    _, nearest = cKDTree(xy[starts]).query(xy)
    for k, node in enumerate(starts):
        t0 = float(rng.uniform(0.0, spec.start_spread_s))
        drive = float(rng.uniform(*spec.drive_s)) if rng.random() < spec.vehicle_share else 0.0
        walker = _Walker(
            start=node,
            sector=nearest == k,
            t0=t0,
            dismount_s=t0 + drive,
            drive_mps=float(rng.uniform(*spec.vehicle_speed_mps)),
            walk_mps=float(rng.uniform(*spec.foot_speed_mps)),
        )
        ts, xs, ys = _walk(rng, streets, xy, walker, spec)
        size = int(rng.integers(spec.size_range[0], spec.size_range[1] + 1))
        g = GroupTruth(k, size, walker.dismount_s, np.array(ts), np.array(xs), np.array(ys))
        groups.append(g)
        _group_reports(rng, spec, g, reports)
    true_reports = len(reports.out)
    for _ in range(round(true_reports * spec.false_share)):
        node = int(rng.integers(len(xy)))
        # Responders do not invent threats; panicked or mistaken residents do.
        reporter, tier = reports.new_reporter((0.0, spec.tier_shares[1], spec.tier_shares[2]))
        observed = float(rng.uniform(0.0, spec.duration_s))
        reports.add(
            x=float(xy[node, 0] + rng.normal(0.0, 40.0)),
            y=float(xy[node, 1] + rng.normal(0.0, 40.0)),
            observed_s=observed,
            arrival_s=observed + float(rng.uniform(0.5, 5.0)),
            reporter=reporter,
            tier=tier,
            group=None,
            count=int(rng.integers(1, 11)) if rng.random() < 0.7 else None,
            mobility=Mobility(rng.choice([m.value for m in Mobility])),
            armed=Armed.YES,
            heading=None,
        )
    flood_xy = _flood(rng, spec, groups, xy, reports)
    ordered = sorted(reports.out, key=lambda s: (s.arrival_s, s.report.sighting_id))
    return Scenario(
        spec=spec,
        frame=streets.frame,
        groups=tuple(groups),
        sightings=tuple(ordered),
        flood_xy=flood_xy,
    )


def _flood(
    rng: np.random.Generator,
    spec: ScenarioSpec,
    groups: list[GroupTruth],
    xy: FloatArray,
    reports: _Reports,
) -> tuple[float, float] | None:
    """One anonymous source reports a big group, over and over, where there is none."""
    if spec.flood_reports <= 0:
        return None
    t0 = float(rng.uniform(0.0, max(spec.duration_s - spec.flood_period_s, 1.0)))
    # Where no group comes near while the flood lasts (and a while around it).
    times = np.arange(t0 - 300.0, t0 + spec.flood_period_s + 300.0, 15.0)
    where = np.array([g.at(float(t)) for g in groups for t in times])
    far, _ = cKDTree(where).query(xy)
    node = int(np.argmax(far))
    for k in range(spec.flood_reports):
        observed = t0 + spec.flood_period_s * k / spec.flood_reports
        reports.add(
            x=float(xy[node, 0] + rng.normal(0.0, 30.0)),
            y=float(xy[node, 1] + rng.normal(0.0, 30.0)),
            observed_s=observed,
            arrival_s=observed + 1.0,
            reporter=FLOOD_SOURCE,
            tier=SourceTier.ANONYMOUS,
            group=None,
            count=int(rng.integers(20, 41)),
            mobility=Mobility.UNKNOWN,
            armed=Armed.YES,
            heading=None,
        )
    return float(xy[node, 0]), float(xy[node, 1])


# --- judging ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    """How well the fused tracks match the truth, over groups and tracks with >= k reporters."""

    groups: int  # groups reported by at least `min_reporters` people
    tracks: int  # open tracks, stale included, with at least `min_reporters` reporters
    active_tracks: int  # ... of which not stale
    matched: int
    precision: float  # over the credible active tracks: what the console counts as groups
    precision_active: float  # over every active track, credible or not
    precision_with_stale: float  # over every open track
    recall: float
    count_error: float  # mean |estimate - truth| / truth over matched groups
    count_error_max: float
    position_error_m: float  # median distance of a matched active estimate from the truth
    flood_tracks: int  # tracks made only of the flooding source's reports
    flood_credible: int  # ... of which credible without an operator


def evaluate(
    scenario: Scenario,
    fuser: Fuser,
    upto: int,
    now: datetime,
    *,
    min_reporters: int = 3,
    recent_s: float = 600.0,
) -> Evaluation:
    """Judge the fused picture after the first `upto` sightings against the truth.

    Eligible tracks are open ones with at least `min_reporters` independent reporters;
    eligible groups are those that many people have reported. Tracks and groups are paired
    one to one (maximum shared sightings), and a pair counts only if most of the track's
    sightings are that group's. A group is found if its track is on the console, stale or
    not; precision is over the tracks the console counts as groups: active (not stale)
    and credible (corroborated, verified or confirmed).
    """
    seen = scenario.sightings[:upto]
    label = {s.report.sighting_id: s.group for s in seen}
    flood = {s.report.sighting_id for s in seen if s.report.reporter == FLOOD_SOURCE}
    people: dict[int, set[str]] = {}
    for s in seen:
        if s.group is not None:
            people.setdefault(s.group, set()).add(s.report.reporter)
    eligible_groups = {g for g, who in people.items() if len(who) >= min_reporters}
    views = fuser.tracks(now)
    eligible = [v for v in views if v.confidence.reporters >= min_reporters]
    observed = {s.report.sighting_id: s.report.observed_at for s in seen}
    overlap = np.zeros((len(eligible), len(scenario.groups)))
    weight = np.zeros(len(eligible))
    for i, v in enumerate(eligible):
        # Who a track follows now: its sightings of the last `recent_s`, or its last few.
        recent = [s for s in v.sighting_ids if observed[s] >= now - timedelta(seconds=recent_s)]
        for sid in recent or v.sighting_ids[-10:]:
            weight[i] += 1
            g = label.get(sid)
            if g is not None:
                overlap[i, g] += 1
    pairs: list[tuple[TrackView, int]] = []
    if eligible:
        rows, cols = linear_sum_assignment(overlap, maximize=True)
        for i, g in zip(rows.tolist(), cols.tolist(), strict=True):
            if overlap[i, g] > 0.5 * weight[i]:
                pairs.append((eligible[i], g))
    active = [v for v in eligible if v.status is not TrackStatus.STALE]
    active_pairs = [(v, g) for v, g in pairs if v.status is not TrackStatus.STALE]
    shown = [v for v in active if v.credible]
    shown_pairs = [(v, g) for v, g in active_pairs if v.credible]
    t_now = (now - scenario.spec.start).total_seconds()
    errors: list[float] = []
    distances: list[float] = []
    for v, g in pairs:
        truth = scenario.groups[g]
        est = v.size.estimate
        errors.append(1.0 if est is None else abs(est - truth.size) / truth.size)
    for v, g in active_pairs:
        t_seen = min((v.last_seen - scenario.spec.start).total_seconds(), t_now)
        tx, ty = scenario.groups[g].at(t_seen)
        x, y = scenario.frame.to_xy(v.lon, v.lat)
        distances.append(math.hypot(x - tx, y - ty))
    flood_views = [v for v in views if v.sightings and all(s in flood for s in v.sighting_ids)]
    found = {g for _, g in pairs} & eligible_groups
    return Evaluation(
        groups=len(eligible_groups),
        tracks=len(eligible),
        active_tracks=len(active),
        matched=len(pairs),
        precision=len(shown_pairs) / len(shown) if shown else 1.0,
        precision_active=len(active_pairs) / len(active) if active else 1.0,
        precision_with_stale=len(pairs) / len(eligible) if eligible else 1.0,
        recall=len(found) / len(eligible_groups) if eligible_groups else 1.0,
        count_error=float(np.mean(errors)) if errors else 0.0,
        count_error_max=max(errors, default=0.0),
        position_error_m=float(np.median(distances)) if distances else 0.0,
        flood_tracks=len(flood_views),
        flood_credible=sum(1 for v in flood_views if v.credible),
    )
