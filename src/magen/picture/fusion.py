"""Fuse threat sightings into tracks, one sighting at a time, and apply operators' acts.

Association, for each sighting in log order:

- Candidates are the tracks in a grid index near the sighting that had a sighting within
  `association_horizon_s` (`tentative_horizon_s` for a track only one source reported).
- Gate 1, movement: the group could have got there. The distance from the track's estimate
  is at most the faster mobility's top speed times the time between them, plus three sigmas
  of position noise. With a street metric that distance is measured along streets.
- Gate 2, statistics: the Mahalanobis distance to the track's prediction is inside 99.9 %,
  and the prediction is not so vague (`stale_spread_m`) that anything would fit it.
- Among the tracks that pass, the lowest cost wins: the negative log-likelihood of the
  sighting under the prediction, less the log of the chance the track's group exists (its
  reporters' credibility), less a bonus when the same source already reports the track,
  plus penalties when the reported heading or mobility disagrees. A sighting starts a new
  track when no track passes or the best costs more than `new_track_cost`.
- A closed track takes only late reports observed before it was closed; one dismissed as a
  false alarm also keeps absorbing the sources that raised it, so they cannot raise it
  again, while a new independent reporter starts a new track.
- Twins: one group followed by two tracks (an outlier started a second, which others then
  fed) shows as two corroborated tracks that stay alike in position and velocity; after
  `coalesce_after_s` fusion merges the younger into the older. Operators' splits are never
  undone, and tracks only anonymous sources vouch for never merge this way.

Everything is a fold in log order: a track's state is its sightings folded in log order
(merging and splitting refold tracks exactly, from a saved state when one is shared), and
the whole picture is a deterministic function of (sightings, operator acts) in log order,
so replaying any prefix of the log gives the picture as it stood at that position.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np

from magen.domain.reports import Armed, Mobility
from magen.picture.acts import (
    ConfirmAct,
    MergeAct,
    NeutraliseAct,
    ReopenAct,
    SplitAct,
    TrackAct,
    UnknownTrack,
)
from magen.picture.evidence import Confidence, GroupSize
from magen.picture.metric import LocalFrame, Metric, metric_key
from magen.picture.track import (
    MOBILITY_CODE,
    MOBILITY_UNKNOWN,
    O_AT,
    O_HEADING,
    O_ID,
    O_LAT,
    O_LON,
    O_MOBILITY,
    O_RANK,
    O_REPORTER,
    O_T,
    O_VAR,
    O_VMAX,
    O_X,
    O_Y,
    TIERS,
    Closure,
    FusionConfig,
    Observation,
    SightingReport,
    Track,
    observation,
    reporter_key,
)

__all__ = [
    "Closure",
    "Fuser",
    "FusionConfig",
    "SightingReport",
    "TrackStatus",
    "TrackView",
    "reporter_key",
]


class TrackStatus(StrEnum):
    """Where a track stands in its life cycle, as the console shows it."""

    NEW = "new"
    CONFIRMED = "confirmed"  # by an operator
    STALE = "stale"  # not seen for a while, or whereabouts too vague; shown, never dropped
    NEUTRALISED = "neutralised"
    FALSE_ALARM = "false_alarm"
    MERGED = "merged"  # folded into another track by an operator


@dataclass(frozen=True, slots=True)
class TrackView:
    """A track as the console shows it at one moment."""

    track_id: str
    status: TrackStatus
    confirmed: bool
    closed_at: datetime | None
    merged_into: str | None
    lon: float  # the estimate at `last_seen`
    lat: float
    position_error_m: float  # 1 sigma of the estimate
    last_reported_lon: float
    last_reported_lat: float
    first_seen: datetime
    last_seen: datetime
    heading_deg: float | None
    speed_mps: float
    mobility: Mobility
    armed: Armed
    size: GroupSize
    confidence: Confidence
    sightings: int
    sighting_ids: tuple[str, ...]
    recent: tuple[tuple[float, float], ...]  # reported lon/lat within `recent_window_s`

    @property
    def open(self) -> bool:
        """Whether the track is neither closed nor merged."""
        return self.status in (TrackStatus.NEW, TrackStatus.CONFIRMED, TrackStatus.STALE)

    @property
    def credible(self) -> bool:
        """Confirmed by an operator, or corroborated by its reporters."""
        return self.confirmed or self.confidence.credible


def _default_track_id(sighting_id: str) -> str:
    return "trk_" + sighting_id.removeprefix("sig_")


# The spatial index keys a cell (cx, cy) by one int, so a neighbour is a key plus an offset.
_STRIDE = 1 << 32
_HALF = _STRIDE >> 1


def _cell_key(cx: int, cy: int) -> int:
    return cx * _STRIDE + cy


def cell_of(key: int) -> tuple[int, int]:
    """The (cx, cy) grid cell of a spatial index key."""
    cy = (key + _HALF) % _STRIDE - _HALF
    return (key - cy) // _STRIDE, cy


class Fuser:
    """The live set of threat tracks, built incrementally from sightings and operator acts."""

    def __init__(
        self,
        config: FusionConfig | None = None,
        *,
        metric: Metric | None = None,
        frame: LocalFrame | None = None,
    ) -> None:
        self.config = config or FusionConfig()
        self.metric = metric
        self.frame = frame
        self._tracks: dict[str, Track] = {}
        self._track_of: dict[str, str] = {}
        self._apart: set[frozenset[str]] = set()
        self._alike: dict[frozenset[str], float] = {}
        # The indexed tracks by cell, in the order they entered it (a list reads faster than
        # a dict's values, and a cell holds a handful).
        self._grid: dict[int, list[Track]] = {}
        self._expiry: list[tuple[float, int, str]] = []
        self._blocks: dict[int, tuple[int, ...]] = {}
        # `_reach_m` and the cells within it, by a sighting's variance.
        self._reaches: dict[float, tuple[float, tuple[int, ...]]] = {}
        self._clock = -math.inf
        self._sightings = 0
        self._track_seq = 0

    # --- sightings ---------------------------------------------------------------------------

    def ingest(self, report: SightingReport) -> str:
        """Associate one sighting (the next in log order) and return its track's id."""
        known = self._track_of.get(report.sighting_id)
        if known is not None:
            return known
        if report.observed_at.tzinfo is None:
            raise ValueError("observed_at must be timezone-aware")
        if self.frame is None:
            self.frame = LocalFrame(report.lon, report.lat)
        cfg = self.config
        x, y = self.frame.to_xy(report.lon, report.lat)
        sigma = cfg.sigma_m(report.tier)
        var = sigma * sigma
        if report.accuracy_m is not None:
            var += report.accuracy_m * report.accuracy_m
        self._sightings += 1
        mobility = report.mobility
        vmax = 0.0 if mobility is Mobility.UNKNOWN else cfg.motion(mobility).max_speed_mps
        o = observation(self._sightings, report, x, y, var, vmax=vmax)
        t = o[O_T]
        if t > self._clock:
            self._clock = t
            self._expire()
        track = self._associate(o)
        if track is None:
            track = self._new_track(_default_track_id(report.sighting_id))
        track.absorb(o, cfg)
        self._track_of[report.sighting_id] = track.track_id
        self._place(track)
        return self._coalesce(track).track_id

    def _coalesce(self, track: Track) -> Track:
        """Merge tracks that have turned out to follow one group; return the survivor."""
        # Twins take a minute and more to show: looking now and then is enough.
        if track.t - track.coalesce_at < self.config.coalesce_every_s:
            return track
        track.coalesce_at = track.t
        while track.cell is not None and self._may_coalesce(track):
            twin = self._twin(track)
            if twin is None:
                return track
            # The older track lives on: the console has shown it longest, and refolding the
            # younger into it starts from the older's state saved before the younger began.
            into, other = (track, twin) if track.seq < twin.seq else (twin, track)
            self._merge(into, [other], track.last[O_AT] if track.last else None)
            track = into
        return track

    def _alike_m2(self, a: Track, b: Track) -> tuple[float, float]:
        """Chi-square distances of two tracks in position and velocity, at the later time."""
        early, late = (a, b) if a.t <= b.t else (b, a)
        # early.predict_ahead(late.t, early.motion), inlined: likeness is tested often.
        motion = early.motion
        dt = max(late.t - early.t, 0.0)
        beta = 1.0 / motion.tau_s
        e = math.exp(-beta * dt)
        one_e = 1.0 - e
        f12 = one_e / beta
        dx = early.x + f12 * early.vx - late.x
        dy = early.y + f12 * early.vy - late.y
        cfg = self.config
        if dx * dx + dy * dy > cfg.coalesce_max_m**2:
            # However vague an old track has grown, it is not near enough to be the same.
            return math.inf, math.inf
        s2 = motion.speed_sigma_mps * motion.speed_sigma_mps
        q22 = s2 * (1.0 - e * e)
        q11 = 2.0 * s2 / beta * (dt - 2.0 * one_e / beta + (1.0 - e * e) / (2.0 * beta))
        pp = early.pp + 2.0 * f12 * early.pv + f12 * f12 * early.vv + q11
        vv = e * e * early.vv + q22
        dvx = e * early.vx - late.vx
        dvy = e * early.vy - late.vy
        return (
            (dx * dx + dy * dy) / (pp + late.pp + 2.0 * cfg.model_var),
            (dvx * dvx + dvy * dvy) / (vv + late.vv + 1e-9),
        )

    def _may_coalesce(self, track: Track) -> bool:
        """Whether fusion may merge this track on its own: established and corroborated."""
        # Never a track only anonymous sources vouch for: a flood must not swallow a group.
        cfg = self.config
        return (
            len(track.obs) >= cfg.coalesce_min_sightings
            and track.existence >= cfg.trust.corroborated_at
        )

    def _twin(self, track: Track) -> Track | None:
        """The open track most like this one, if they are alike enough to be one group."""
        cfg = self.config
        assert track.cell is not None
        key = track.cell
        best: Track | None = None
        best_m2 = cfg.coalesce_chi2
        get = self._grid.get
        x, y = track.x, track.y
        # A prediction carries an estimate at most tau * speed ahead. A twin that moves
        # faster than this track is found when it looks itself, its reach being the longer.
        shift = track.motion.tau_s * math.hypot(track.vx, track.vy)
        near = cfg.coalesce_max_m + 2.0 * shift
        t = track.t
        window = cfg.coalesce_window_s
        min_sightings = cfg.coalesce_min_sightings
        corroborated = cfg.trust.corroborated_at
        near_m = cfg.coalesce_max_m + shift
        alike_chi2 = cfg.coalesce_chi2
        break_chi2 = cfg.coalesce_break_chi2
        apart = self._apart
        alike = self._alike
        hypot = math.hypot
        for offset in self._block(math.ceil(near / cfg.cell_m)):
            bucket = get(key + offset)
            if bucket is None:
                continue
            for other in bucket:
                if (
                    other is track
                    or other.closure is not None
                    or abs(other.t - t) > window
                    or other.existence < corroborated
                    or len(other.obs) < min_sightings
                ):
                    continue
                reach = near_m + other.motion.tau_s * hypot(other.vx, other.vy)
                if (other.x - x) ** 2 + (other.y - y) ** 2 > reach * reach:
                    continue
                m2, v2 = self._alike_m2(track, other)
                apart_now = m2 > break_chi2 or v2 > break_chi2
                if apart_now and not alike:
                    continue
                pair = frozenset((track.track_id, other.track_id))
                if pair in apart:
                    continue
                if m2 > alike_chi2 or v2 > alike_chi2:
                    # Noise makes two views of one group drift apart now and then; only a
                    # clear parting restarts the clock.
                    if apart_now:
                        alike.pop(pair, None)
                    continue
                # Groups cross paths; only tracks alike for a while are one group.
                since = alike.setdefault(pair, t)
                if t - since >= cfg.coalesce_after_s and m2 <= best_m2:
                    best, best_m2 = other, m2
        return best

    def _block(self, reach: int) -> tuple[int, ...]:
        """Key offsets of the cells within `reach` cells, nearest first (cached)."""
        block = self._blocks.get(reach)
        if block is None:
            cells = [(gx, gy) for gx in range(-reach, reach + 1) for gy in range(-reach, reach + 1)]
            cells.sort(key=lambda c: (max(abs(c[0]), abs(c[1])), c))
            block = tuple(_cell_key(gx, gy) for gx, gy in cells)
            self._blocks[reach] = block
        return block

    def _reach_m(self, var: float) -> float:
        """The farthest a track this sighting could join can be (see `_score`)."""
        cfg = self.config
        # The sighting's noise plus the vaguest prediction a track may have and still take
        # sightings; the cost limit then bounds the distance (the chi-square gate also does).
        s_max = (
            cfg.stale_spread_m * cfg.stale_spread_m
            + cfg.model_var
            + var
            + (cfg.vehicle.max_speed_mps * cfg.time_noise_s) ** 2
        )
        budget = cfg.new_track_cost + cfg.same_reporter_bonus
        m2 = min(2.0 * (budget - math.log(s_max)), cfg.gate_chi2)
        if m2 <= 0.0:
            return math.sqrt(2.0 * math.exp(budget - 1.0))
        return math.sqrt(m2 * s_max)

    def _associate(self, o: Observation) -> Track | None:
        """The track the sighting joins, or None when it starts a new one.

        Among the tracks that pass every gate the lowest cost wins, ties going to the older.
        """
        cfg = self.config
        ox, oy, ot, ovar, ovmax = o[O_X], o[O_Y], o[O_T], o[O_VAR], o[O_VMAX]
        reach = self._reaches.get(ovar)
        if reach is None:
            reach_m = self._reach_m(ovar)
            reach = self._reaches[ovar] = (reach_m, self._block(math.ceil(reach_m / cfg.cell_m)))
        reach_m, block = reach
        reach2 = reach_m * reach_m
        key = _cell_key(math.floor(ox / cfg.cell_m), math.floor(oy / cfg.cell_m))
        get = self._grid.get
        sqrt = math.sqrt
        score = self._score
        sigmas = cfg.gate_sigmas
        model = cfg.model_var
        unknown = Mobility.UNKNOWN
        best: Track | None = None
        best_cost = cfg.new_track_cost
        street: list[tuple[float, Track, float]] = []
        for offset in block:
            bucket = get(key + offset)
            if bucket is None:
                continue
            for track in bucket:
                dx = ox - track.x
                dy = oy - track.y
                d2 = dx * dx + dy * dy
                if d2 > reach2:
                    continue
                # The movement gate, before the full score: the group could have got there at
                # its top speed, or at the sighting's when the track does not know how it moves
                # (they may have changed to the faster way the sighting reports).
                vmax = (
                    ovmax
                    if ovmax > 0.0 and track.mobility is unknown
                    else (track.vmax if track.vmax > ovmax else ovmax)
                )
                dt = ot - track.t
                slack = sigmas * sqrt(ovar + track.pp + model)
                limit = vmax * (dt if dt >= 0.0 else -dt) + slack
                if d2 > limit * limit:
                    continue
                scored = score(track, o, d2, slack, vmax)
                if scored is None:
                    continue
                cost, street_reach = scored
                if street_reach > 0.0:
                    street.append((cost, track, street_reach))
                elif cost < best_cost or (
                    cost == best_cost and best is not None and track.seq < best.seq
                ):
                    best, best_cost = track, cost
        # Only a track that would beat the best so far is worth a search along the streets.
        contenders = [
            c
            for c in street
            if c[0] < best_cost or (c[0] == best_cost and best is not None and c[1].seq < best.seq)
        ]
        if contenders:
            for cost, track in self._street_gate(o, contenders):
                if cost < best_cost or (
                    cost == best_cost and best is not None and track.seq < best.seq
                ):
                    best, best_cost = track, cost
        return best

    def _score(
        self, track: Track, o: Observation, dist2: float, slack: float, vmax: float
    ) -> tuple[float, float] | None:
        """(cost, street reach to check or 0) for a sighting that passed the movement gate.

        The gate (see `_associate`) allowed `vmax` times the time between them, plus `slack`
        for position noise, 3 sigmas of both.
        """
        cfg = self.config
        ot = o[O_T]
        reporter = o[O_REPORTER]
        # Closed tracks take late reports of before the closure and, when dismissed, keep
        # absorbing the sources that raised the false alarm.
        if (
            track.closure is not None
            and ot > track.closed_at
            and (track.closure is not Closure.FALSE_ALARM or reporter not in track.reporters)
        ):
            return None
        mobility = track.mobility
        motion = track.motion
        dt = ot - track.t
        adt = dt if dt >= 0.0 else -dt
        # The track's prediction at the sighting's time (see Track.predict), inlined: this is
        # the hottest line of fusion.
        beta = 1.0 / motion.tau_s
        e = math.exp(-beta * adt)
        one_e = 1.0 - e
        f12 = one_e / beta
        s2 = motion.speed_sigma_mps * motion.speed_sigma_mps
        q11 = 2.0 * s2 / beta * (adt - 2.0 * one_e / beta + (1.0 - e * e) / (2.0 * beta))
        if dt >= 0.0:
            pvar = track.pp + 2.0 * f12 * track.pv + f12 * f12 * track.vv + q11
            px = track.x + f12 * track.vx
            py = track.y + f12 * track.vy
        else:
            pvar = track.pp + f12 * f12 * track.vv + q11
            px = track.x - f12 * track.vx
            py = track.y - f12 * track.vy
        if pvar > cfg.stale_spread_m * cfg.stale_spread_m:
            # Where the group is now is anyone's guess: a sighting starts a new track.
            return None
        speed2 = track.vx * track.vx + track.vy * track.vy
        s = pvar + cfg.model_var + o[O_VAR] + speed2 * cfg.time_noise_s * cfg.time_noise_s
        ex = o[O_X] - px
        ey = o[O_Y] - py
        m2 = (ex * ex + ey * ey) / s
        if m2 > cfg.gate_chi2:
            return None
        # A track few and weak sources vouch for is less likely to be what was seen.
        cost = 0.5 * m2 + math.log(s) - track.log_existence
        if reporter in track.reporters:
            # Someone reporting again most likely still watches the group they reported.
            cost -= cfg.same_reporter_bonus
        heading = o[O_HEADING]
        if heading is not None and speed2 > 0.25 and speed2 > 4.0 * track.vv:
            # Heading is clockwise from north: east is sin, north is cos.
            along = (track.vx * math.sin(heading) + track.vy * math.cos(heading)) / math.sqrt(
                speed2
            )
            cost += cfg.heading_weight * (1.0 - along) / 2.0
        o_mobility = o[O_MOBILITY]
        if (
            mobility is not Mobility.UNKNOWN
            and o_mobility != MOBILITY_UNKNOWN
            and o_mobility != MOBILITY_CODE[mobility]
        ):
            cost += cfg.mobility_mismatch_cost
        if self.metric is not None and dist2 > slack * slack:
            return cost, vmax * adt + slack
        return cost, 0.0

    def _street_gate(
        self, o: Observation, candidates: list[tuple[float, Track, float]]
    ) -> Iterator[tuple[float, Track]]:
        """The candidates a group could reach along streets in time."""
        assert self.metric is not None
        assert self.frame is not None
        frame = self.frame
        targets = np.array(
            [frame.to_lonlat(track.x, track.y) for _, track, _ in candidates], dtype=np.float64
        )
        limit = max(reach for _, _, reach in candidates)
        along = self.metric.distance_m((o[O_LON], o[O_LAT]), targets, limit)
        for (cost, track, reach), d in zip(candidates, along.tolist(), strict=True):
            if d <= reach:
                yield cost, track

    def _new_track(self, track_id: str) -> Track:
        base, n = track_id, 1
        while track_id in self._tracks:
            n += 1
            track_id = f"{base}_{n}"
        self._track_seq += 1
        track = Track(track_id, self._track_seq, self.config)
        self._tracks[track_id] = track
        return track

    # --- the spatial index -------------------------------------------------------------------

    def _place(self, track: Track) -> None:
        """Keep a track's grid cell and expiry in step with its state."""
        cfg = self.config
        # A track only one source has reported is tentative: it stops attracting sightings
        # sooner, so stray and false reports do not gather into phantom groups over time.
        horizon = cfg.association_horizon_s if len(track.reporters) > 1 else cfg.tentative_horizon_s
        expires = track.t + horizon
        if track.closure is Closure.MERGED or not track.obs or expires < self._clock:
            self._unindex(track)
            return
        cell = _cell_key(math.floor(track.x / cfg.cell_m), math.floor(track.y / cfg.cell_m))
        if cell != track.cell:
            self._unindex(track)
            bucket = self._grid.get(cell)
            if bucket is None:
                self._grid[cell] = [track]
            else:
                bucket.append(track)
            track.cell = cell
        if expires != track.expires:
            track.expires = expires
            heapq.heappush(self._expiry, (expires, track.seq, track.track_id))

    def _unindex(self, track: Track) -> None:
        if track.cell is None:
            return
        bucket = self._grid[track.cell]
        bucket.remove(track)
        if not bucket:
            del self._grid[track.cell]
        track.cell = None
        track.expires = -math.inf

    def _expire(self) -> None:
        heap = self._expiry
        while heap and heap[0][0] < self._clock:
            expires, _, track_id = heapq.heappop(heap)
            track = self._tracks[track_id]
            if track.expires <= expires:
                self._unindex(track)

    # --- operator acts -----------------------------------------------------------------------

    def refusal(self, act: TrackAct) -> str | None:
        """Why an act cannot apply to the picture as it stands, or None when it can.

        Raises UnknownTrack when the act names a track that does not exist.
        """
        if isinstance(act, MergeAct):
            return self._merge_refusal(act)
        track = self._get(act.track_id)
        if isinstance(act, ReopenAct):
            return self._reopen_refusal(track)
        if track.closure is not None:
            return f"track {track.track_id} is closed ({track.closure.value})"
        if isinstance(act, SplitAct):
            return self._split_refusal(track, act)
        if isinstance(act, ConfirmAct) and track.confirmed:
            return f"track {track.track_id} is already confirmed"
        return None

    @staticmethod
    def _reopen_refusal(track: Track) -> str | None:
        if track.closure is None:
            return f"track {track.track_id} is open"
        if track.closure is Closure.MERGED:
            return f"track {track.track_id} was merged into {track.merged_into}; split it out"
        return None

    def _merge_refusal(self, act: MergeAct) -> str | None:
        tracks = [self._get(act.into), *(self._get(t) for t in act.others)]
        if not act.others:
            return "name at least one track to merge"
        if len({t.track_id for t in tracks}) != len(tracks):
            return "each track may be named only once"
        closed = next((t for t in tracks if t.closure is not None), None)
        if closed is not None and closed.closure is not None:
            return f"track {closed.track_id} is closed ({closed.closure.value})"
        return None

    def _split_refusal(self, track: Track, act: SplitAct) -> str | None:
        wanted = set(act.sighting_ids)
        if not wanted:
            return "name the sightings that form the new track"
        if len(wanted) != len(act.sighting_ids):
            return "each sighting may be named only once"
        if act.new_track_id in self._tracks:
            return f"track {act.new_track_id} already exists"
        stray = sorted(s for s in wanted if self._track_of.get(s) != track.track_id)
        if stray:
            return f"not sightings of track {track.track_id}: {', '.join(stray[:5])}"
        if len(wanted) == len(track.obs):
            return "a split must leave at least one sighting in the track"
        return None

    def _get(self, track_id: str) -> Track:
        track = self._tracks.get(track_id)
        if track is None:
            raise UnknownTrack(f"no track {track_id}")
        return track

    def apply(self, act: TrackAct) -> bool:
        """Apply an operator act; False, changing nothing, when it cannot apply."""
        try:
            if self.refusal(act) is not None:
                return False
        except UnknownTrack:
            return False
        if isinstance(act, ConfirmAct):
            self._tracks[act.track_id].confirmed = True
        elif isinstance(act, MergeAct):
            self._merge(self._tracks[act.into], [self._tracks[t] for t in act.others], act.at)
        elif isinstance(act, SplitAct):
            self._split(act)
        elif isinstance(act, ReopenAct):
            track = self._tracks[act.track_id]
            track.closure = None
            track.closed_at = math.inf
            track.closed_at_dt = None
            self._place(track)
        else:
            track = self._tracks[act.track_id]
            track.closure = (
                Closure.NEUTRALISED if isinstance(act, NeutraliseAct) else Closure.FALSE_ALARM
            )
            track.closed_at = act.at.timestamp()
            track.closed_at_dt = act.at
        return True

    def _merge(self, into: Track, others: list[Track], at: datetime | None) -> None:
        union = list(into.obs)
        for other in others:
            union.extend(other.obs)
            into.confirmed = into.confirmed or other.confirmed
            for o in other.obs:
                self._track_of[o[O_ID]] = into.track_id
            # The merged track keeps its last estimate for the record, but no sightings.
            other.obs = []
            other.reporters = {}
            other.summary = None
            other.closure = Closure.MERGED
            other.closed_at = -math.inf if at is None else at.timestamp()
            other.closed_at_dt = at
            other.merged_into = into.track_id
            self._unindex(other)
        into.refold(union, self.config)
        self._place(into)

    def _split(self, act: SplitAct) -> None:
        track = self._tracks[act.track_id]
        wanted = set(act.sighting_ids)
        self._track_seq += 1
        new = Track(act.new_track_id, self._track_seq, self.config)
        self._tracks[new.track_id] = new
        moved = [o for o in track.obs if o[O_ID] in wanted]
        track.refold([o for o in track.obs if o[O_ID] not in wanted], self.config)
        new.refold(moved, self.config)
        for o in moved:
            self._track_of[o[O_ID]] = new.track_id
        # The operator said these are two groups: fusion must not merge them again.
        self._apart.add(frozenset((track.track_id, new.track_id)))
        for t in (track, new):
            self._place(t)

    # --- reading -----------------------------------------------------------------------------

    @property
    def sightings(self) -> int:
        """How many sightings have been ingested."""
        return self._sightings

    def __contains__(self, track_id: object) -> bool:
        return track_id in self._tracks

    def track_of(self, sighting_id: str) -> str | None:
        """The track a sighting belongs to now."""
        return self._track_of.get(sighting_id)

    def sighting_ids(self, track_id: str) -> tuple[str, ...]:
        """A track's sightings in log order."""
        return tuple(o[O_ID] for o in self._get(track_id).obs)

    def track(self, track_id: str, now: datetime) -> TrackView:
        """One track as it stands at `now`."""
        return self._view(self._get(track_id), now.timestamp())

    def tracks(self, now: datetime, *, include_closed: bool = False) -> list[TrackView]:
        """Tracks in creation order: open ones (stale included), and closed ones if asked."""
        t_now = now.timestamp()
        return [
            self._view(track, t_now)
            for track in self._tracks.values()
            if include_closed or track.closure is None
        ]

    def _view(self, track: Track, now: float) -> TrackView:
        cfg = self.config
        assert self.frame is not None
        assert track.first is not None
        assert track.last is not None
        conf, size = track.evidence(cfg)
        if track.closure is not None:
            status = TrackStatus(track.closure.value)
        elif self._stale(track, now):
            status = TrackStatus.STALE
        elif track.confirmed:
            status = TrackStatus.CONFIRMED
        else:
            status = TrackStatus.NEW
        lon, lat = self.frame.to_lonlat(track.x, track.y)
        speed = math.hypot(track.vx, track.vy)
        recent = tuple(
            (o[O_LON], o[O_LAT])
            for o in track.obs
            if o[O_T] >= track.last[O_T] - cfg.recent_window_s
        )
        total_armed = track.armed_yes + track.armed_no
        if track.armed_yes > 0.0 and 3.0 * track.armed_yes >= total_armed:
            # A third of the weighted votes is enough: missing a weapon costs more.
            armed = Armed.YES
        elif track.armed_no > 0.0:
            armed = Armed.NO
        else:
            armed = Armed.UNKNOWN
        return TrackView(
            track_id=track.track_id,
            status=status,
            confirmed=track.confirmed,
            closed_at=track.closed_at_dt,
            merged_into=track.merged_into,
            lon=lon,
            lat=lat,
            position_error_m=math.sqrt(max(track.pp, 0.0) + cfg.model_var),
            last_reported_lon=track.last[O_LON],
            last_reported_lat=track.last[O_LAT],
            first_seen=track.first[O_AT],
            last_seen=track.last[O_AT],
            heading_deg=self._heading(track, speed),
            speed_mps=speed,
            mobility=track.mobility,
            armed=armed,
            size=size,
            confidence=conf,
            sightings=len(track.obs),
            sighting_ids=tuple(o[O_ID] for o in track.obs),
            recent=recent,
        )

    def _stale(self, track: Track, now: float) -> bool:
        assert track.last is not None
        if now - track.last[O_T] > self.config.stale_after_s:
            return True
        _, _, var = track.predict(max(now, track.t), track.motion)
        return var > self.config.stale_spread_m * self.config.stale_spread_m

    def _heading(self, track: Track, speed: float) -> float | None:
        if speed > 0.5 and speed * speed > 4.0 * track.vv:
            return math.degrees(math.atan2(track.vx, track.vy)) % 360.0
        # The filter cannot tell yet: fall back on what recent reporters said.
        assert track.last is not None
        since = track.last[O_T] - 120.0
        east = north = 0.0
        for o in track.obs:
            heading = o[O_HEADING]
            if heading is not None and o[O_T] >= since:
                w = self.config.trust.weight(TIERS[o[O_RANK]])
                east += w * math.sin(heading)
                north += w * math.cos(heading)
        if math.hypot(east, north) < 1e-9:
            return None
        return math.degrees(math.atan2(east, north)) % 360.0

    # --- equality ----------------------------------------------------------------------------

    def state(self) -> tuple[Any, ...]:
        """Everything that defines the picture, for equality and replay checks."""
        return (
            self.config,
            metric_key(self.metric),
            self.frame,
            self._sightings,
            self._track_seq,
            self._clock,
            tuple(t.state() for t in self._tracks.values()),
            tuple(self._track_of.items()),
            frozenset(self._apart),
            tuple(sorted((tuple(sorted(k)), v) for k, v in self._alike.items())),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fuser):
            return NotImplemented
        return self.state() == other.state()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        open_tracks = sum(1 for t in self._tracks.values() if t.closure is None)
        return f"Fuser(sightings={self._sightings}, open_tracks={open_tracks})"
