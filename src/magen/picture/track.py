"""One threat track: its sightings, its motion filter and its evidence, folded in log order.

Motion is a Kalman filter in a local metric frame with an integrated Ornstein-Uhlenbeck
velocity (the Singer model): a group's velocity drifts back towards zero with time
constant `tau_s`, so over a long silence its position spreads like a random walk at its
mobility's typical speed, rather than being extrapolated in a straight line it cannot keep
in a street grid. The x and y axes share dynamics and an isotropic measurement noise, so
one 2x2 covariance serves both and an update is a handful of float operations.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from operator import itemgetter
from typing import Any, Final

from magen.domain.reports import Armed, Mobility
from magen.domain.values import SourceTier
from magen.picture.evidence import (
    RANK,
    Confidence,
    GroupSize,
    TrustModel,
    confidence,
    credibility_score,
    group_size,
)


@dataclass(frozen=True, slots=True)
class Motion:
    """How a group with one mobility moves: top speed, typical speed and turn time."""

    max_speed_mps: float
    speed_sigma_mps: float  # per axis, in steady state
    tau_s: float


@dataclass(frozen=True, slots=True)
class FusionConfig:
    """The fusion model's constants; the defaults suit a town on foot and by car."""

    # Top speed (for the movement gate), steady-state speed per axis and turn time.
    on_foot: Motion = Motion(max_speed_mps=2.5, speed_sigma_mps=1.0, tau_s=120.0)
    vehicle: Motion = Motion(max_speed_mps=15.0, speed_sigma_mps=6.0, tau_s=60.0)
    unknown: Motion = Motion(max_speed_mps=8.0, speed_sigma_mps=2.0, tau_s=120.0)
    # Reporter position noise (1 sigma per axis): how far from the group people place it.
    verified_sigma_m: float = 25.0
    registered_sigma_m: float = 50.0
    anonymous_sigma_m: float = 80.0
    # Reports are typed after the fact: this much delay, times the group's speed, is noise.
    time_noise_s: float = 20.0
    # However many report a group, where they stand is not where it is: gates and likeness
    # tests add this much (1 sigma) to the filter's own position error, so a track that many
    # people report does not grow too sure of itself to take the next sighting.
    model_sigma_m: float = 30.0
    gate_sigmas: float = 3.0  # slack on the movement gate for position noise
    gate_chi2: float = 13.82  # 2 degrees of freedom, 99.9 %
    # The cost (negative log-likelihood, less the log of the track's existence probability)
    # above which a sighting starts a new track rather than join the best one.
    new_track_cost: float = 14.5
    heading_weight: float = 2.0  # cost of a reported heading opposite to the track's
    mobility_mismatch_cost: float = 2.0  # cost of "by car" for a group on foot, or back
    same_reporter_bonus: float = 1.0  # someone reporting again still watches their group
    # Tracks without a sighting for this long stop attracting new ones ...
    association_horizon_s: float = 600.0
    tentative_horizon_s: float = 180.0  # ... or this long, when only one source reported it
    # A track is stale once this long without a sighting, or sooner once its predicted
    # whereabouts have spread beyond this (a car unseen for two minutes could be anywhere).
    stale_after_s: float = 300.0
    stale_spread_m: float = 300.0
    # A source's reports within about this long of each other form a burst; each of its
    # votes (mobility, armed) weighs one report divided by the burst's size.
    burst_window_s: float = 60.0
    burst_cap: float = 50.0
    # One source moves a track's estimate at most this often, by tier.
    verified_interval_s: float = 5.0
    registered_interval_s: float = 15.0
    anonymous_interval_s: float = 60.0
    mobility_memory_s: float = 120.0  # how fast mobility votes fade
    # Two corroborated tracks within `coalesce_max_m` and alike (chi-square, 2 dof, in
    # position and velocity), updated within `coalesce_window_s` of each other and alike for
    # `coalesce_after_s`, follow one group: fusion merges them (never two an operator split).
    coalesce_chi2: float = 5.99
    coalesce_break_chi2: float = 13.82  # a clear parting restarts the clock
    coalesce_min_sightings: int = 3
    coalesce_max_m: float = 400.0
    coalesce_window_s: float = 300.0
    coalesce_after_s: float = 90.0
    coalesce_every_s: float = 60.0  # how often a track looks for a twin
    recent_window_s: float = 600.0  # reported positions kept for the console's area
    count_window_s: float = 1800.0  # reporters whose claims make the group's size
    cell_m: float = 600.0  # spatial index cell
    trust: TrustModel = field(default_factory=TrustModel)

    @property
    def model_var(self) -> float:
        """`model_sigma_m` squared."""
        return self.model_sigma_m * self.model_sigma_m

    def sigma_m(self, tier: SourceTier) -> float:
        """Position noise of one report from this tier."""
        if tier is SourceTier.VERIFIED:
            return self.verified_sigma_m
        if tier is SourceTier.REGISTERED:
            return self.registered_sigma_m
        return self.anonymous_sigma_m

    def source_interval_s(self, tier: SourceTier) -> float:
        """How often one source of this tier may move a track's estimate."""
        if tier is SourceTier.VERIFIED:
            return self.verified_interval_s
        if tier is SourceTier.REGISTERED:
            return self.registered_interval_s
        return self.anonymous_interval_s

    def motion(self, mobility: Mobility) -> Motion:
        """How a group with this mobility moves."""
        if mobility is Mobility.ON_FOOT:
            return self.on_foot
        if mobility is Mobility.VEHICLE:
            return self.vehicle
        return self.unknown


def ou_transition(motion: Motion, dt: float) -> tuple[float, float, float, float, float]:
    """(f12, f22, q11, q12, q22) of the integrated OU velocity model over `dt` seconds."""
    beta = 1.0 / motion.tau_s
    e = math.exp(-beta * dt)
    one_e = 1.0 - e
    s2 = motion.speed_sigma_mps * motion.speed_sigma_mps
    f12 = one_e / beta
    q22 = s2 * (1.0 - e * e)
    q12 = s2 / beta * one_e * one_e
    q11 = 2.0 * s2 / beta * (dt - 2.0 * one_e / beta + (1.0 - e * e) / (2.0 * beta))
    return f12, e, q11, q12, q22


MOBILITY_QUORUM = 0.75  # weighted votes; a registered reporter's vote weighs 0.5


# Saved states of a track, to refold from: after every MARK_EVERY sightings, thinned with age
# so that a state is kept every MARK_EVERY * 4**k sightings for the last MARKS_KEPT such
# spans. A merge then refolds little more than the sightings it reorders, however old the
# younger track, and a track keeps a few dozen states at most.
MARK_EVERY = 32
MARKS_KEPT = 8
_MARK_LEVELS = 5


def _mark_kept(saved: int, now: int) -> bool:
    """Whether the state saved after `saved` sightings is still kept after `now`."""
    span = MARK_EVERY
    for _ in range(_MARK_LEVELS):
        if saved % span:
            return False
        if now - saved < MARKS_KEPT * span:
            return True
        span *= 4
    return saved % span == 0


class Closure(StrEnum):
    """Why a track was closed."""

    NEUTRALISED = "neutralised"
    FALSE_ALARM = "false_alarm"
    MERGED = "merged"


@dataclass(frozen=True, slots=True)
class SightingReport:
    """One threat sighting as fusion sees it; `reporter` keys the independent source."""

    sighting_id: str
    lon: float
    lat: float
    observed_at: datetime
    tier: SourceTier
    reporter: str
    count: int | None = None
    mobility: Mobility = Mobility.UNKNOWN
    armed: Armed = Armed.UNKNOWN
    heading_deg: float | None = None
    accuracy_m: float | None = None


def reporter_key(account_id: str | None, source_key: str | None, sighting_id: str) -> str:
    """The independent-source key of a report: its account, its anonymous source, or itself."""
    if account_id is not None:
        return f"acct:{account_id}"
    if source_key is not None:
        return f"anon:{source_key}"
    # Nothing ties it to other reports: it stands alone (and, being anonymous, counts little).
    return f"once:{sighting_id}"


# A sighting in the local frame, with its log sequence and measurement variance: a plain
# tuple of numbers and strings, one per sighting, kept for good in its track. The collector
# stops tracking such a tuple after its first look, so a long log does not make every full
# collection walk hundreds of thousands of sightings (an object with slots it walks always).
# Mobility, armed and tier are held as small ints (see MOBILITIES, ARMED, TIERS).
Observation = tuple[
    int,  # O_SEQ: place in the log
    str,  # O_ID: sighting id
    float,  # O_X
    float,  # O_Y
    float,  # O_LON
    float,  # O_LAT
    datetime,  # O_AT: observed at
    float,  # O_T: observed at, as a timestamp
    int | None,  # O_COUNT
    int,  # O_MOBILITY: index in MOBILITIES
    int,  # O_ARMED: index in ARMED
    float | None,  # O_HEADING: radians clockwise from north
    int,  # O_RANK: the tier's rank (see evidence.RANK)
    str,  # O_REPORTER
    float,  # O_VAR: measurement variance per axis
    float,  # O_VMAX: top speed of the mobility it reports; 0 when it does not say
]
O_SEQ: Final = 0
O_ID: Final = 1
O_X: Final = 2
O_Y: Final = 3
O_LON: Final = 4
O_LAT: Final = 5
O_AT: Final = 6
O_T: Final = 7
O_COUNT: Final = 8
O_MOBILITY: Final = 9
O_ARMED: Final = 10
O_HEADING: Final = 11
O_RANK: Final = 12
O_REPORTER: Final = 13
O_VAR: Final = 14
O_VMAX: Final = 15

MOBILITIES: Final = (Mobility.UNKNOWN, Mobility.ON_FOOT, Mobility.VEHICLE)
MOBILITY_CODE: Final = {m: i for i, m in enumerate(MOBILITIES)}
MOBILITY_UNKNOWN: Final = 0
ON_FOOT: Final = 1
VEHICLE: Final = 2
ARMED: Final = (Armed.UNKNOWN, Armed.YES, Armed.NO)
ARMED_CODE: Final = {a: i for i, a in enumerate(ARMED)}
ARMED_YES: Final = 1
ARMED_NO: Final = 2


def observation(
    seq: int, r: SightingReport, x: float, y: float, var: float, *, vmax: float
) -> Observation:
    """A sighting as fusion folds it (see Observation)."""
    return (
        seq,
        r.sighting_id,
        x,
        y,
        r.lon,
        r.lat,
        r.observed_at,
        r.observed_at.timestamp(),
        r.count,
        MOBILITY_CODE[r.mobility],
        ARMED_CODE[r.armed],
        None if r.heading_deg is None else math.radians(r.heading_deg),
        RANK[r.tier],
        r.reporter,
        var,
        vmax,
    )


# What one independent source has told a track, replaced (never changed) on news:
# (rank of its strongest tier, reports, largest count claimed or None, last report's time,
# when it last moved the track's estimate, its decaying count of recent reports). A plain
# tuple of numbers, one per sighting: the collector stops tracking those, not named tuples.
Reporter = tuple[int, int, int | None, float, float, float]
RANK_: Final = 0
REPORTS: Final = 1
MAX_COUNT: Final = 2
LAST_T: Final = 3
PLACED_T: Final = 4
BURST: Final = 5
TIERS = tuple(sorted(RANK, key=RANK.__getitem__))  # by rank

_by_seq = itemgetter(O_SEQ)  # an observation's place in the log


class _Tables:
    """Per-configuration lookups the fold makes on every sighting."""

    __slots__ = ("anonymous_cap", "cfg", "existence", "interval", "weight")

    def __init__(self, cfg: FusionConfig) -> None:
        self.cfg = cfg
        self.interval = tuple(cfg.source_interval_s(tier) for tier in TIERS)  # by rank
        self.weight = tuple(cfg.trust.weight(tier) for tier in TIERS)  # by rank
        # (existence, its log) by (verified, registered, anonymous) reporters.
        self.existence: dict[tuple[int, int, int], tuple[float, float]] = {}
        # All anonymous sources together are worth no more than this many: past it, more do
        # not change the chance (`credibility_score` caps them), so they share an entry.
        trust = cfg.trust
        self.anonymous_cap = 0
        while 1.0 - (1.0 - trust.anonymous_p) ** self.anonymous_cap < trust.anonymous_cap_p:
            self.anonymous_cap += 1
            if self.anonymous_cap > 10_000:  # they never reach the cap: no sharing
                self.anonymous_cap = sys.maxsize
                break


_EXISTENCE_KEPT = 1 << 17
_TABLES: dict[int, _Tables] = {}


def _tables(cfg: FusionConfig) -> _Tables:
    # Keyed by identity: hashing a config on every sighting would cost more than it saves.
    # The entry holds the config, so its id cannot be reused while the entry lives.
    tables = _TABLES.get(id(cfg))
    if tables is None or tables.cfg is not cfg:
        if len(_TABLES) >= 64:
            _TABLES.clear()
        tables = _TABLES[id(cfg)] = _Tables(cfg)
    return tables


class Track:
    """A group of attackers as fusion believes it: a fold of its sightings in log order."""

    __slots__ = (
        "_unknown_motion",
        "armed_no",
        "armed_yes",
        "cell",
        "closed_at",
        "closed_at_dt",
        "closure",
        "coalesce_at",
        "confirmed",
        "existence",
        "expires",
        "first",
        "foot",
        "last",
        "log_existence",
        "marks",
        "merged_into",
        "mobility",
        "motion",
        "obs",
        "pp",
        "pv",
        "reporters",
        "seq",
        "summary",
        "t",
        "tiers",
        "track_id",
        "vehicle",
        "vmax",
        "vote_t",
        "vv",
        "vx",
        "vy",
        "x",
        "y",
    )

    def __init__(self, track_id: str, seq: int, cfg: FusionConfig) -> None:
        self._unknown_motion = cfg.unknown
        self.coalesce_at = -math.inf  # track time of its last look for a twin
        self.track_id = track_id
        self.seq = seq
        self.obs: list[Observation] = []
        self.confirmed = False
        self.closure: Closure | None = None
        self.closed_at = math.inf
        self.closed_at_dt: datetime | None = None
        self.merged_into: str | None = None
        self.cell: int | None = None  # the spatial index key of its cell
        self.expires = -math.inf  # when it leaves the association index
        self.first: Observation | None = None
        self.last: Observation | None = None
        self.reporters: dict[str, Reporter] = {}
        self.summary: tuple[Confidence, GroupSize] | None = None
        # Saved states after every MARK_EVERY sightings: (how many sightings, the state).
        self.marks: list[tuple[int, tuple[Any, ...]]] = []
        self.reset()

    def reset(self) -> None:
        """Forget every sighting's effect (the list of sightings is kept)."""
        self.x = self.y = self.vx = self.vy = 0.0
        self.pp = self.pv = self.vv = 0.0
        self.t = -math.inf
        self.first = None
        self.last = None
        self.reporters = {}
        # Independent reporters by tier rank: anonymous, registered, verified.
        self.tiers = [0, 0, 0]
        self.foot = self.vehicle = 0.0
        self.mobility = Mobility.UNKNOWN
        self.motion = self._unknown_motion
        self.vmax = self.motion.max_speed_mps
        self.existence = 0.0
        self.log_existence = -math.inf
        self.vote_t = -math.inf
        self.armed_yes = self.armed_no = 0.0
        self.summary = None

    def absorb(  # noqa: PLR0912, PLR0915 - the fold's hot path, inlined on purpose
        self, o: Observation, cfg: FusionConfig
    ) -> None:
        """Fold one sighting into the track (sightings arrive in log order).

        Booking the report under its source, its votes and the motion update, inlined: the
        fold runs once per sighting and again over the sightings a merge or split reorders.
        """
        tables = _tables(cfg)
        t = o[O_T]
        source = o[O_REPORTER]
        o_rank = o[O_RANK]
        o_count = o[O_COUNT]
        rep = self.reporters.get(source)
        if rep is None:
            places = True
            burst = 1.0
            rank = o_rank
            self.reporters[source] = (rank, 1, o_count, t, t, 1.0)
            self.tiers[rank] += 1
            self._weigh(tables)
        else:
            # One source moves the estimate at most once per interval of its tier: repeats
            # add little news, and an anonymous flood must not anchor a track.
            places = abs(t - rep[PLACED_T]) >= tables.interval[rep[RANK_]]
            # A decaying count of this source's recent reports: steady reporting every
            # interval d settles at 1 / (1 - exp(-d / window)), a flood at far more.
            burst = rep[BURST] * math.exp(-abs(t - rep[LAST_T]) / cfg.burst_window_s) + 1.0
            rank = max(o_rank, rep[RANK_])
            count = rep[MAX_COUNT]
            if o_count is not None and (count is None or o_count > count):
                count = o_count
            self.reporters[source] = (
                rank,
                rep[REPORTS] + 1,
                count,
                max(rep[LAST_T], t),
                t if places else rep[PLACED_T],
                burst,
            )
            if rank != rep[RANK_]:
                self.tiers[rep[RANK_]] -= 1
                self.tiers[rank] += 1
                self._weigh(tables)
        cap = cfg.burst_cap
        vote = tables.weight[o_rank] / (cap if cap < burst else burst)
        # Mobility votes fade so a group that leaves its car is soon tracked on foot.
        if t >= self.vote_t:
            fade = math.exp((self.vote_t - t) / cfg.mobility_memory_s)
            self.foot *= fade
            self.vehicle *= fade
            self.vote_t = t
            mobility_vote = vote
        else:
            mobility_vote = vote * math.exp((t - self.vote_t) / cfg.mobility_memory_s)
        o_mobility = o[O_MOBILITY]
        if o_mobility == ON_FOOT:
            self.foot += mobility_vote
        elif o_mobility == VEHICLE:
            self.vehicle += mobility_vote
        # One resident's "by car" must not widen the gates of a track: it takes more than one
        # registered reporter, or a verified one, to settle how a group moves.
        foot, vehicle = self.foot, self.vehicle
        if foot > vehicle and foot >= MOBILITY_QUORUM:
            mobility = Mobility.ON_FOOT
        elif vehicle > foot and vehicle >= MOBILITY_QUORUM:
            mobility = Mobility.VEHICLE
        else:
            mobility = Mobility.UNKNOWN
        if mobility is not self.mobility:
            self.mobility = mobility
            self.motion = cfg.motion(mobility)
            self.vmax = self.motion.max_speed_mps
        o_armed = o[O_ARMED]
        if o_armed == ARMED_YES:
            self.armed_yes += vote
        elif o_armed == ARMED_NO:
            self.armed_no += vote
        motion = self.motion
        if self.first is None:
            self.x, self.y, self.t = o[O_X], o[O_Y], t
            self.vx = self.vy = self.pv = 0.0
            self.pp = o[O_VAR]
            self.vv = motion.speed_sigma_mps * motion.speed_sigma_mps
        elif places:
            speed2 = self.vx * self.vx + self.vy * self.vy
            r = o[O_VAR] + speed2 * cfg.time_noise_s * cfg.time_noise_s
            self._update(o, r, motion)
            # A filter fed noisy positions can imagine speeds no group reaches.
            speed = math.sqrt(self.vx * self.vx + self.vy * self.vy)
            if speed > motion.max_speed_mps:
                self.vx *= motion.max_speed_mps / speed
                self.vy *= motion.max_speed_mps / speed
        self.obs.append(o)
        if self.first is None or t < self.first[O_T]:
            self.first = o
        if self.last is None or t >= self.last[O_T]:
            self.last = o
        self.summary = None
        n = len(self.obs)
        if n % MARK_EVERY == 0:
            self.marks.append((n, self._save()))
            self.marks = [m for m in self.marks if _mark_kept(m[0], n)]

    def _weigh(self, tables: _Tables) -> None:
        """Recompute the chance the group exists from its independent reporters (noisy-or)."""
        anonymous, registered, verified = self.tiers
        anonymous = min(anonymous, tables.anonymous_cap)
        key = (verified, registered, anonymous)
        known = tables.existence.get(key)
        if known is None:
            existence = credibility_score(verified, registered, anonymous, tables.cfg.trust)
            known = (existence, math.log(existence) if existence > 0.0 else -math.inf)
            if len(tables.existence) >= _EXISTENCE_KEPT:
                tables.existence.clear()
            tables.existence[key] = known
        self.existence, self.log_existence = known

    def predict(self, t: float, motion: Motion) -> tuple[float, float, float]:
        """Predicted (x, y, position variance) at time t, before any measurement there."""
        dt = t - self.t
        if dt >= 0.0:
            f12, _, q11, _, _ = ou_transition(motion, dt)
            var = self.pp + 2.0 * f12 * self.pv + f12 * f12 * self.vv + q11
            return self.x + f12 * self.vx, self.y + f12 * self.vy, var
        f12, _, q11, _, _ = ou_transition(motion, -dt)
        var = self.pp + f12 * f12 * self.vv + q11
        return self.x - f12 * self.vx, self.y - f12 * self.vy, var

    def predict_ahead(
        self, t: float, motion: Motion
    ) -> tuple[float, float, float, float, float, float]:
        """Predicted (x, y, vx, vy, position variance, velocity variance) at t >= self.t."""
        dt = max(t - self.t, 0.0)
        f12, e, q11, _, q22 = ou_transition(motion, dt)
        pp = self.pp + 2.0 * f12 * self.pv + f12 * f12 * self.vv + q11
        return (
            self.x + f12 * self.vx,
            self.y + f12 * self.vy,
            e * self.vx,
            e * self.vy,
            pp,
            e * e * self.vv + q22,
        )

    def _update(self, o: Observation, r: float, motion: Motion) -> None:
        dt = o[O_T] - self.t
        if dt >= 0.0:
            # ou_transition(motion, dt), inlined: the update runs once per placed sighting.
            beta = 1.0 / motion.tau_s
            e = math.exp(-beta * dt)
            one_e = 1.0 - e
            s2 = motion.speed_sigma_mps * motion.speed_sigma_mps
            f12 = one_e / beta
            q22 = s2 * (1.0 - e * e)
            q12 = s2 / beta * one_e * one_e
            q11 = 2.0 * s2 / beta * (dt - 2.0 * one_e / beta + (1.0 - e * e) / (2.0 * beta))
            pp = self.pp + 2.0 * f12 * self.pv + f12 * f12 * self.vv + q11
            pv = e * (self.pv + f12 * self.vv) + q12
            vv = e * e * self.vv + q22
            x = self.x + f12 * self.vx
            y = self.y + f12 * self.vy
            self.vx *= e
            self.vy *= e
            zx, zy = o[O_X], o[O_Y]
            self.t = o[O_T]
        else:
            # A late report: carry it forward along the velocity to the track's time, paying
            # for the carry in variance, and update there.
            f12, _, q11, _, _ = ou_transition(motion, -dt)
            pp, pv, vv = self.pp, self.pv, self.vv
            x, y = self.x, self.y
            zx = o[O_X] + f12 * self.vx
            zy = o[O_Y] + f12 * self.vy
            r += f12 * f12 * self.vv + q11
        s = pp + r
        k1 = pp / s
        k2 = pv / s
        ix = zx - x
        iy = zy - y
        self.x = x + k1 * ix
        self.y = y + k1 * iy
        self.vx += k2 * ix
        self.vy += k2 * iy
        self.pp = (1.0 - k1) * pp
        self.pv = (1.0 - k1) * pv
        self.vv = vv - k2 * pv

    def refold(self, sightings: list[Observation], cfg: FusionConfig) -> None:
        """Become the fold of these sightings in log order, from a saved state where possible.

        The fold of a list is the fold of its first n sightings, then the rest; a state saved
        after n sightings that the new list shares saves folding them again. Merging a young
        track into a long one thus costs the young track's length, not the long one's.
        """
        new = sorted(sightings, key=_by_seq)
        common = 0
        limit = min(len(new), len(self.obs))
        while common < limit and new[common] is self.obs[common]:
            common += 1
        start, saved = 0, None
        for n, state in reversed(self.marks):
            if n <= common:
                start, saved = n, state
                break
        self.marks = [m for m in self.marks if m[0] <= start]
        if saved is None:
            self.reset()
        else:
            self._restore(saved)
        self.obs = new[:start]
        for o in new[start:]:
            self.absorb(o, cfg)
        self.summary = None

    def _save(self) -> tuple[Any, ...]:
        return (
            (self.x, self.y, self.vx, self.vy, self.pp, self.pv, self.vv, self.t),
            (self.first, self.last),
            dict(self.reporters),
            list(self.tiers),
            (self.foot, self.vehicle, self.vote_t, self.armed_yes, self.armed_no),
            (self.mobility, self.motion, self.vmax, self.existence, self.log_existence),
        )

    def _restore(self, saved: tuple[Any, ...]) -> None:
        kinematics, ends, reporters, tiers, votes, derived = saved
        self.x, self.y, self.vx, self.vy, self.pp, self.pv, self.vv, self.t = kinematics
        self.first, self.last = ends
        self.reporters = dict(reporters)
        self.tiers = list(tiers)
        self.foot, self.vehicle, self.vote_t, self.armed_yes, self.armed_no = votes
        self.mobility, self.motion, self.vmax, self.existence, self.log_existence = derived

    def evidence(self, cfg: FusionConfig) -> tuple[Confidence, GroupSize]:
        """Credibility from every reporter; size from those of the last `count_window_s`."""
        if self.summary is None:
            reps = self.reporters.values()
            # A group changes over hours, and a track that crossed another's path for a while
            # should not carry those claims for good.
            since = (self.last[O_T] if self.last is not None else 0.0) - cfg.count_window_s
            self.summary = (
                confidence((TIERS[r[RANK_]] for r in reps), cfg.trust),
                group_size(
                    (
                        (TIERS[r[RANK_]], r[MAX_COUNT])
                        for r in reps
                        if r[MAX_COUNT] is not None and r[LAST_T] >= since
                    ),
                    cfg.trust,
                ),
            )
        return self.summary

    def state(self) -> tuple[Any, ...]:
        """Everything that defines the track, for equality and tests."""
        return (
            self.track_id,
            self.seq,
            tuple(o[O_SEQ] for o in self.obs),
            (self.x, self.y, self.vx, self.vy, self.pp, self.pv, self.vv, self.t),
            tuple(self.reporters.items()),
            (self.foot, self.vehicle, self.vote_t, self.armed_yes, self.armed_no),
            (self.confirmed, self.closure, self.closed_at, self.merged_into, self.cell),
            self.coalesce_at,
        )
