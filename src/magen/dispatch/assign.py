"""Dispatch recommendations: which available responder should go where, and why.

The problem. Tasks (open incidents, active threat tracks) each have needs: one responder
per need, some needing a capability (an armed responder for a threat, a medic for the
injured). Each need `j` of a task with priority `p` weighs `w_j = (1 + p / priority_scale)
* further_need_weight ** k` (k: the need's rank within its task, so every task's first
responder comes before another's third). Sending responder `r` saves `w_j * (H - t_rj)`
against the horizon `H` (no one is sent further than that); leaving a need unserved costs
`w_j * H`. The plan maximises the saving, i.e. minimises the priority-weighted travel time
with unserved needs at the horizon: a maximum-weight bipartite matching, solved exactly by
`scipy.optimize.linear_sum_assignment` on the negated savings (a pair saving nothing is no
pair). A responder lacking a need's capability, or who cannot reach the task, saves nothing
and is never recommended.

Travel. Times come from Dijkstra searches out of the tasks over the reversed street graph
(`magen.dispatch.travel`), on foot or, for responders with a vehicle, by car. Danger areas
are closed to everyone, except that an armed responder heading to a task may enter the areas
that contain it or are declared around it (the threat they are sent to). An active threat
with no danger area declared around it yet is a danger area too, until one is
(`undeclared_area_id`; `magen.dispatch.tasks.undeclared_threat_areas`): a recommendation
whose route goes around one says so (`Recommendation.facts`).

Exact, with bounded searches. A search to every node is what costs; most pairs are far and
never matter. Each task's search stops at a limit; beyond it a pair's time is bounded from
below by the limit and by the straight-line distance (no street route is shorter). The
matching is solved with those lower bounds; if it uses only exact pairs it is optimal for
the true times too (each bound is at most the truth, so no other matching can do better),
else the limits of the tasks whose bounded pairs were used grow and the matching is solved
again. Deterministic: inputs are sorted, ties broken by position.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt
import shapely
from scipy.optimize import linear_sum_assignment

from magen.dispatch.travel import (
    BoolArray,
    Closure,
    Contracted,
    Exit,
    FloatArray,
    IntArray,
    Mode,
    ModeGraph,
    Points,
    TravelNetwork,
    _ranges,
    travel_network,
)
from magen.domain.responders import Capability
from magen.geo.routing import DangerArea
from magen.geo.town import MAX_ACCESS_M, Town

_BIT = {c: 1 << i for i, c in enumerate(Capability)}
# The id of the danger area standing for a threat track no area is declared around yet is
# this followed by the track's id (no declared area's id has it: those are `dgr_...`).
UNDECLARED_PREFIX = "undeclared:"
# The fact of a recommendation whose route goes around such threats (n: how many).
AVOIDS_UNDECLARED = "avoids_undeclared_threat"
# Rows per Dijkstra call: each holds a distance for every node of the town.
_BATCH = 48
# A batch searches as far as its farthest row wants; rows wanting much less go in another
# call (a call costs little, a row searched twice as far as it needs costs about four times).
_BATCH_REACH = 1.25


class TaskKind(StrEnum):
    """What a task is."""

    INCIDENT = "incident"
    THREAT = "threat"
    RESPONDER = "responder"  # a responder who reported being wounded


@dataclass(frozen=True, slots=True)
class Unit:
    """An available responder as the engine sees it."""

    responder_id: str
    lon: float
    lat: float
    capabilities: frozenset[Capability]
    label: str = "responder"  # e.g. "officer", "volunteer", "medic"
    kind: str = "other"  # the responder's kind (police_on_duty, volunteer, medic, ...)

    @property
    def mode(self) -> Mode:
        """By car with a vehicle, else on foot."""
        return Mode.BY_CAR if Capability.VEHICLE in self.capabilities else Mode.ON_FOOT

    @property
    def armed(self) -> bool:
        return Capability.ARMED in self.capabilities


@dataclass(frozen=True, slots=True)
class Fact:
    """A fact behind a text, so a client can say it in its own language: a code (the words
    it stands for, e.g. "armed_attackers") and the number it counts, if any (None: unknown or
    nothing to count)."""

    code: str
    n: int | None = None


@dataclass(frozen=True, slots=True)
class Need:
    """One responder a task needs, and the capabilities that responder must have."""

    requires: frozenset[Capability] = frozenset()
    why: str = ""
    fact: Fact | None = None  # `why` as a fact


@dataclass(frozen=True, slots=True)
class Task:
    """Something to send responders to: an incident, a threat or a wounded responder, with
    its needs."""

    task_id: str
    kind: TaskKind
    lon: float
    lat: float
    priority: float
    needs: tuple[Need, ...]
    label: str = ""
    facts: tuple[Fact, ...] = ()  # `label` as facts
    # Danger areas declared around this task: an armed responder sent to it may enter them.
    # (Areas that contain the task's place are open to them too, without being named here.)
    open_areas: frozenset[str] = frozenset()
    # An armed responder is assigned to it (rescue task force, warm zone: medics go in with
    # an armed escort): an unarmed medic sent to it may enter the areas its place lies in,
    # and only those (not the areas declared around it), and only for this task.
    escorted: bool = False


@dataclass(frozen=True)
class DispatchConfig:
    """Speeds, the horizon and the weights of the dispatch objective."""

    # Armed responders and medics hurry: a jog, not the 1.4 m/s walk of residents to shelter.
    on_foot_mps: float = 2.0
    # Emergency driving through town streets, junctions included (36 km/h on average).
    by_car_mps: float = 10.0
    access_mps: float = 1.4  # from a point to its street and back, on foot
    horizon_s: float = 900.0  # nobody is recommended for a trip longer than this
    priority_scale: float = 10.0
    further_need_weight: float = 0.7
    max_access_m: float = MAX_ACCESS_M
    # Bounded searches go this much beyond the lower bound of the pairs a plan uses (street
    # routes run longer than bounds, most of all over short distances), and no shorter than
    # `first_search_m`.
    search_margin: float = 1.5
    search_slack_m: float = 500.0
    first_search_m: float = 250.0
    # In these modes first searches also reach the few nearest responders able to fill a
    # task's needs (as many as it has needs, plus `candidates`). On foot the horizon is
    # short and the bounds tight: the pairs of a plan on bounds alone say enough.
    nearest_first: frozenset[Mode] = frozenset({Mode.BY_CAR})
    candidates: int = 10
    # ... past the nearest with less slack than past the pairs a plan uses: those beyond
    # the needs are fallbacks (500 m cost more searching than the rounds it saved).
    nearest_slack_m: float = 200.0
    column_after: int = 3  # a responder's own search, after its times were short this often
    # Blocks of at least this many tasks search a graph with its chains of two-neighbour
    # nodes and its dead ends contracted; a few rows are not worth contracting it for.
    contract_from: int = 8

    def speed(self, mode: Mode) -> float:
        """Speed along streets in a mode."""
        return self.by_car_mps if mode is Mode.BY_CAR else self.on_foot_mps

    def weight(self, priority: float, rank: int) -> float:
        """The weight of a task's rank-th need."""
        return (1.0 + max(priority, 0.0) / self.priority_scale) * self.further_need_weight**rank


@dataclass(frozen=True, slots=True)
class Recommendation:
    """Send this responder to this task, and why."""

    recommendation_id: str
    responder_id: str
    task_id: str
    task_kind: TaskKind
    need: int  # index into the task's needs
    requires: frozenset[Capability]
    mode: Mode
    travel_s: float
    distance_m: float  # along streets, plus the walks to and from them
    priority: float
    weight: float
    nearest: bool  # no able responder is nearer (in time)
    nearer: int  # able responders known to be nearer: the plan needs them elsewhere
    avoids: tuple[str, ...]  # danger areas the route goes around
    # danger areas an armed responder enters to reach the threat, or an unarmed medic with
    # the armed cover at an escorted task (`Task.escorted`)
    enters: tuple[str, ...]
    reason: str
    leaves: tuple[str, ...] = ()  # danger areas the responder stands in and leaves
    # `reason`'s facts beyond the need's: the route goes around threats no danger area is
    # declared around yet (`AVOIDS_UNDECLARED`, counting them)
    facts: tuple[Fact, ...] = ()


@dataclass(frozen=True, slots=True)
class Unmet:
    """A need no available responder is recommended for, and why."""

    task_id: str
    need: int
    requires: frozenset[Capability]
    why: str
    code: str = ""  # `why` as a code: none, unreachable, all_recommended, needed_elsewhere
    within_s: float | None = None  # unreachable: the horizon nobody able could reach it within


@dataclass(frozen=True)
class Plan:
    """Recommendations (by task priority), unmet needs, the objective and search effort."""

    recommendations: tuple[Recommendation, ...]
    unmet: tuple[Unmet, ...]
    cost: float  # priority-weighted travel seconds, an unserved need counting the horizon
    rounds: int  # matchings solved until every pair used was exact
    searches: int  # Dijkstra rows run
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def total_travel_s(self) -> float:
        return float(sum(r.travel_s for r in self.recommendations))


def undeclared_area_id(track_id: str) -> str:
    """The id of the danger area standing for a threat track with no area declared around it."""
    return UNDECLARED_PREFIX + track_id


def undeclared_track(area_id: str) -> str | None:
    """The track a danger area stands for when none is declared around it (else None)."""
    return area_id.removeprefix(UNDECLARED_PREFIX) if _undeclared(area_id) else None


def _undeclared(area_id: str) -> bool:
    return area_id.startswith(UNDECLARED_PREFIX)


def route_facts(avoids: Iterable[str]) -> tuple[Fact, ...]:
    """A route's facts: the threats with no danger area over where they are now it goes around."""
    n = sum(1 for a in avoids if _undeclared(a))
    return (Fact(AVOIDS_UNDECLARED, n),) if n else ()


def recommendation_id(responder_id: str, task_id: str) -> str:
    """A stable id for sending one responder to one task."""
    digest = hashlib.blake2b(f"{responder_id}|{task_id}".encode(), digest_size=8).hexdigest()
    return f"rec_{digest}"


def _mask(caps: Iterable[Capability]) -> int:
    m = 0
    for c in caps:
        m |= _BIT[c]
    return m


# --- travel times, exact where searched -------------------------------------------------------


@dataclass(eq=False)
class _Block:
    """Pairs routed under one closure in one mode: tasks (rows) by units (columns)."""

    mode: Mode
    graph: ModeGraph
    closure: Closure
    key: tuple[int, ...]  # the areas open to it (indices); () for the block closing them all
    tasks: IntArray  # task indices, ascending
    units: IntArray  # unit indices, ascending
    t_points: Points
    u_points: Points
    speed: float
    max_m: float  # searching further is pointless: beyond the horizon
    limit: FloatArray  # per row: searched from the task this far
    col_limit: FloatArray  # per unit: searched from the responder this far
    known: FloatArray  # (rows, units) best street metres found (+inf: none yet)
    bound: FloatArray  # (rows, units) a lower bound on street metres (crow-flies, landmarks)
    direct: FloatArray  # (rows, units) straight along a shared street, else +inf
    walk_s: FloatArray  # (rows, units) the walks to and from the streets
    lateral: FloatArray  # (rows, units) metres of those walks
    blocked: BoolArray  # (rows, units) cannot make this trip at all
    to_u: FloatArray  # per unit, metres to its street's ends (+inf: closed or one-way)
    to_v: FloatArray
    searched: int = 0
    # (rows, units) positions of the pairs in the flattened (tasks, units) matrices; a pair
    # another block routes points past their end, where writes go unread.
    cells: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    index: int = -1  # in the plan's list of blocks
    contract_from: int = 8  # `DispatchConfig.contract_from`
    row_of: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # by task
    col_of: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # by unit
    # Per column of a responder standing in areas the block closes: its ways out.
    exits: dict[int, Exit] = field(default_factory=dict)
    # The contracted graph its rows are searched over (None: the whole graph), and where each
    # unit joins it (two nodes and the metres to each): made on the first search.
    _joins: tuple[Contracted | None, IntArray, FloatArray, IntArray, FloatArray] | None = field(
        default=None, init=False, repr=False
    )
    # Its tasks' `source_arcs` under its closure, sorted by row, and where each row's start.
    _arcs: tuple[IntArray, IntArray, FloatArray, IntArray] | None = field(
        default=None, init=False, repr=False
    )

    def arcs(self, rows: IntArray | None = None) -> tuple[IntArray, IntArray, FloatArray]:
        """The source arcs of these rows' tasks (all by default), as `source_arcs` gives
        them for those tasks alone (rows numbered in the order given)."""
        if self._arcs is None:
            row, node, metres = self.graph.source_arcs(self.t_points, self.closure)
            ptr = np.zeros(self.tasks.shape[0] + 1, dtype=np.int64)
            np.cumsum(np.bincount(row, minlength=self.tasks.shape[0]), out=ptr[1:])
            self._arcs = (row, node, metres, ptr)
        row, node, metres, ptr = self._arcs
        if rows is None:
            return row, node, metres
        count = ptr[rows + 1] - ptr[rows]
        at = _ranges(ptr, rows)
        return np.repeat(np.arange(rows.shape[0], dtype=np.int64), count), node[at], metres[at]

    def joins(self) -> tuple[Contracted | None, IntArray, FloatArray, IntArray, FloatArray]:
        """The graph the block's rows are searched over and where its units join it.

        A block of many tasks is searched over the graph with its chains and dead ends
        contracted (its tasks' own chains whole); the few rows of a small block are not
        worth contracting the graph for."""
        if self._joins is None:
            st = self.graph.town.streets
            e = np.where(self.u_points.ok, self.u_points.edge, 0)
            u, v = st.edge_u[e].astype(np.int64), st.edge_v[e].astype(np.int64)
            if self.tasks.shape[0] < self.contract_from:
                self._joins = (None, u, self.to_u, v, self.to_v)
            else:
                cx = self.graph.contract(self.closure, self.t_points)
                self._joins = (cx, *cx.attach(u, v, self.to_u, self.to_v))
        return self._joins

    @classmethod
    def build(
        cls,
        graph: ModeGraph,
        closure: Closure,
        key: tuple[int, ...],
        rows: IntArray,
        members: IntArray,
        *,
        tp: Points,
        up: Points,
        blocked: BoolArray,
        landmark: FloatArray,
        cfg: DispatchConfig,
        inner: Sequence[tuple[IntArray, Closure, list[Exit]]] = (),
    ) -> _Block:
        """A block over given task and unit points (`landmark`: their graph's bounds).

        `inner`: columns of responders standing in areas the closure shuts, with the closure
        of their ways out (those areas open) and the ways out."""
        to_u, to_v = graph.leave_arcs(up, closure)
        t_off, u_off = ~tp.ok, ~up.ok  # points that join no street: +inf, NaN
        # (Each matrix is built in place: they are tasks x responders large.)
        # (sqrt of the squares, in place: `np.hypot` costs several times as much a pair)
        euclid = np.subtract.outer(tp.foot[:, 0], up.foot[:, 0])
        np.square(euclid, out=euclid)
        dy = np.subtract.outer(tp.foot[:, 1], up.foot[:, 1])
        np.square(dy, out=dy)
        euclid += dy
        np.sqrt(euclid, out=euclid)
        euclid[t_off] = np.inf
        euclid[:, u_off] = np.inf
        lateral = np.add.outer(tp.lateral, up.lateral)
        walk_s = lateral / cfg.access_mps
        walk_s[t_off] = np.inf
        walk_s[:, u_off] = np.inf
        blocked = blocked | t_off[:, None] | u_off[None, :]
        direct = _direct(graph, closure, tp, up)
        lead = np.minimum(to_u, to_v)
        exits: dict[int, Exit] = {}
        task_streets = set(tp.edge[tp.edge >= 0].tolist())
        for cols, out, ways in inner:
            # A way out starts along the responder's own street, as its areas open allow.
            lead[cols] = np.minimum(lead[cols], [ex.start for ex in ways])
            if not task_streets.isdisjoint(up.edge[cols].tolist()):
                direct[:, cols] = np.minimum(
                    direct[:, cols], _direct(graph, out, tp, _take(up, cols))
                )
            exits.update(zip(cols.tolist(), ways, strict=True))
        # Any route leaves the responder's street, crosses the graph and reaches the task's.
        arc_row, arc_node, arc_m = graph.source_arcs(tp, closure)
        first_in = np.full(len(tp), np.inf)
        if arc_row.shape[0]:  # arcs come by row: each row's at once
            first = np.flatnonzero(np.r_[True, arc_row[1:] != arc_row[:-1]])
            first_in[arc_row[first]] = np.minimum.reduceat(arc_m, first)
        bound = np.add.outer(first_in, lead)
        bound += landmark
        np.minimum(bound, direct, out=bound)
        np.maximum(bound, euclid, out=bound)
        block = cls(
            mode=graph.mode,
            graph=graph,
            closure=closure,
            key=key,
            tasks=rows,
            units=members,
            t_points=tp,
            u_points=up,
            speed=cfg.speed(graph.mode),
            max_m=cfg.horizon_s * cfg.speed(graph.mode),
            limit=np.zeros(rows.shape[0]),
            col_limit=np.zeros(members.shape[0]),
            known=np.full((rows.shape[0], members.shape[0]), np.inf),
            bound=bound,
            direct=direct,
            walk_s=walk_s,
            lateral=lateral,
            blocked=np.asarray(blocked, dtype=bool),
            to_u=to_u,
            to_v=to_v,
            exits=exits,
            contract_from=cfg.contract_from,
        )
        ptr = np.zeros(rows.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(arc_row, minlength=rows.shape[0]), out=ptr[1:])
        block._arcs = (arc_row, arc_node, arc_m, ptr)
        return block

    def run(self, rows: IntArray, limit: float) -> None:
        """Search from these rows' tasks up to `limit` metres (one Dijkstra call)."""
        cx, a_node, a_m, b_node, b_m = self.joins()
        dist, _ = self.graph.search(
            _take(self.t_points, rows), self.closure, limit, contracted=cx, arcs=self.arcs(rows)
        )
        found = a_m[None, :] + dist[:, a_node]
        np.minimum(found, b_m[None, :] + dist[:, b_node], out=found)
        np.minimum(found, self.direct[rows], out=found)
        ways = [(j, ex) for j, ex in self.exits.items() if ex.nodes.shape[0]]
        if ways:
            # Each way out's best node, all at once: (rows, nodes) cut per responder.
            nodes = np.concatenate([ex.nodes for _, ex in ways])
            metres = np.concatenate([ex.metres for _, ex in ways])
            cut = np.cumsum([0] + [ex.nodes.shape[0] for _, ex in ways[:-1]])
            at = dist[:, nodes] if cx is None else cx.at(dist, nodes)
            out = np.minimum.reduceat(metres[None, :] + at, cut, axis=1)
            cols = np.array([j for j, _ in ways], dtype=np.int64)
            found[:, cols] = np.minimum(found[:, cols], out)
        # Every value found is a real route: keep the shortest (a responder's own search
        # may have found a route beyond this row's limit).
        self.known[rows] = np.minimum(self.known[rows], found)
        self.limit[rows] = limit
        self.searched += rows.shape[0]

    def run_columns(self, cols: IntArray, limit: float) -> None:
        """Search from these columns' responders up to `limit` metres (one Dijkstra call)."""
        extra = None
        ways = [(r, self.exits[j]) for r, j in enumerate(cols.tolist()) if j in self.exits]
        if ways:
            extra = (
                np.concatenate([np.full(ex.nodes.shape[0], r, dtype=np.int64) for r, ex in ways]),
                np.concatenate([ex.nodes for _, ex in ways]).astype(np.int64),
                np.concatenate([ex.metres for _, ex in ways]),
            )
        dist = self.graph.search_out(_take(self.u_points, cols), self.closure, limit, extra=extra)
        arc_row, arc_node, arc_m = self.arcs()
        reach = dist[:, arc_node] + arc_m[None, :]  # (cols, arcs), arcs sorted by row
        found = np.full((self.tasks.shape[0], cols.shape[0]), np.inf)
        if arc_row.shape[0]:
            starts = np.flatnonzero(np.r_[True, arc_row[1:] != arc_row[:-1]])
            found[arc_row[starts]] = np.minimum.reduceat(reach, starts, axis=1).T
        self.known[:, cols] = np.minimum(
            np.minimum(self.known[:, cols], found), self.direct[:, cols]
        )
        self.col_limit[cols] = limit
        self.searched += cols.shape[0]

    def street_m(
        self, rows: IntArray | slice, cols: IntArray | slice = slice(None)
    ) -> tuple[FloatArray, BoolArray]:
        """Street metres of pairs (a lower bound where not exact), and which are exact.

        Both are new (rows, cols) arrays: the caller may write to them."""
        known = self.known[rows, cols] if isinstance(cols, slice) else self.known[rows][:, cols]
        lim = np.maximum.outer(self.limit[rows], self.col_limit[cols])
        bound = self.bound[rows, cols] if isinstance(cols, slice) else self.bound[rows][:, cols]
        return _street_estimate(known, lim, bound, self.max_m)

    def pair_street_m(self, rows: IntArray, cols: IntArray) -> FloatArray:
        """`street_m` of the pairs (rows[k], cols[k]), plus the walks to and from the streets
        (+inf: the trip cannot be made)."""
        lim = np.maximum(self.limit[rows], self.col_limit[cols])
        street, _ = _street_estimate(
            self.known[rows, cols], lim, self.bound[rows, cols], self.max_m
        )
        street += self.lateral[rows, cols]
        street[self.blocked[rows, cols]] = np.inf
        return street


def _street_estimate(
    known: FloatArray, lim: FloatArray, bound: FloatArray, max_m: float
) -> tuple[FloatArray, BoolArray]:
    """Street metres as far as searched to `lim`: exact where the search found the pair
    within it (or searched everything), else the best lower bound (the searched limit, or
    the pair's straight-line bound if larger). Both results are new arrays; `lim` is used up."""
    exact = known <= lim
    exact |= lim >= max_m
    np.minimum(known, lim, out=lim)
    np.maximum(lim, bound, out=lim)
    return np.where(exact, known, lim), exact


def _take(p: Points, idx: IntArray) -> Points:
    return Points(
        origin=p.origin[idx],
        foot=p.foot[idx],
        edge=p.edge[idx],
        seg=p.seg[idx],
        along=p.along[idx],
        lateral=p.lateral[idx],
    )


def _block_secs(
    b: _Block, rows: IntArray | slice, cols: IntArray | slice
) -> tuple[FloatArray, BoolArray]:
    """Seconds of a block's pairs (+inf where blocked) and which are final (exact or
    blocked): its street metres at its speed plus the walks to and from the streets."""
    street, ok = b.street_m(rows, cols)
    blocked = b.blocked[rows, cols] if isinstance(cols, slice) else b.blocked[rows][:, cols]
    walk = b.walk_s[rows, cols] if isinstance(cols, slice) else b.walk_s[rows][:, cols]
    secs = street / b.speed
    secs += walk
    secs[blocked] = np.inf
    ok |= blocked
    return secs, ok


# The responders an open block is for: armed ones (a task's own areas and those declared
# around it), or unarmed medics (an escorted task's place's areas).
_Role = Literal["armed", "escorted"]


class _Travel:
    """Travel times from units to tasks: exact where searched, lower bounds elsewhere.

    `secs` and `exact` are (tasks, units) and follow every search; `pair_metres` reads the
    metres of given pairs (only a plan's own pairs' are ever needed).
    """

    def __init__(
        self,
        net: TravelNetwork,
        units: Sequence[Unit],
        tasks: Sequence[Task],
        areas: Sequence[DangerArea],
        cfg: DispatchConfig,
    ) -> None:
        self.net = net
        self.cfg = cfg
        self.units = units
        self.tasks = tasks
        self.areas = list(areas)
        town = net.town
        self.unit_xy = _xy(town, [(u.lon, u.lat) for u in units])
        self.task_xy = _xy(town, [(t.lon, t.lat) for t in tasks])
        n_t, n_u, n_a = len(tasks), len(units), len(self.areas)
        # Flat buffers with one spare cell at the end (see `_Block.cells`).
        self._secs = np.full(n_t * n_u + 1, np.inf)
        self._exact = np.ones(n_t * n_u + 1, dtype=bool)
        self.secs = self._secs[:-1].reshape(n_t, n_u)
        self.exact = self._exact[:-1].reshape(n_t, n_u)
        # Tasks whose times changed since the caller last asked (`changed`).
        self._changed: set[int] = set(range(n_t))
        self.armed = np.array([u.armed for u in units], dtype=bool)
        # Unarmed medics: those an escorted task opens the areas its place lies in to.
        self.medic = np.array(
            [Capability.MEDIC in u.capabilities and not u.armed for u in units], dtype=bool
        )
        self.by_car = np.array([u.mode is Mode.BY_CAR for u in units], dtype=bool)
        # (tasks, areas) and (units, areas): who is inside; a responder may always leave.
        self.inside, self.unit_in = (
            net.inside(xy, self.areas) for xy in (self.task_xy, self.unit_xy)
        )
        named = np.array(
            [[a.id in t.open_areas for a in self.areas] for t in tasks], dtype=bool
        ).reshape(n_t, n_a)
        self._task_reach()
        # Per task, the areas an armed responder sent there may enter.
        self.open_sets = self.lies_in | named
        self.open_key = [tuple(np.flatnonzero(row).tolist()) for row in self.open_sets]
        self.has_open = self.open_sets.any(axis=1)
        # Per task, the areas an unarmed medic sent there may enter: with an armed escort
        # assigned, those its place lies in.
        escort_sets = self.lies_in & np.array([t.escorted for t in tasks], dtype=bool)[:, None]
        self.escort_key = [tuple(np.flatnonzero(row).tolist()) for row in escort_sets]
        self.has_escort = escort_sets.any(axis=1)
        self.unit_legs = np.zeros((n_u, n_a), dtype=bool)
        self.blocks: list[_Block] = []
        self.block_of: dict[tuple[Mode, _Role | None, tuple[int, ...]], _Block] = {}
        self._widened: set[tuple[int, int]] = set()
        self._loose_units: dict[int, int] = {}
        self._closures: dict[tuple[int | str, ...], Closure] = {}
        self._exits: dict[tuple[Mode, tuple[int, ...]], dict[int, Exit]] = {}
        groups, role_of = self._open_groups(), {"armed": self.armed, "escorted": self.medic}
        for mode in Mode:
            members = np.flatnonzero(self.by_car == (mode is Mode.BY_CAR)).astype(np.int64)
            if not members.shape[0] or not n_t:
                continue
            graph = net.graphs[mode]
            up = graph.points(self.unit_xy[members], cfg.max_access_m)
            tp = self.task_points[mode]
            legs_u = net.legs_in(up, self.areas)
            self.unit_legs[members] = legs_u
            legs_t = self.task_legs[mode]
            everything = np.arange(n_t, dtype=np.int64)
            # Landmark bounds hold under any closure: one matrix serves every block of a mode.
            landmark = graph.bounds(up, tp)
            self._add(
                graph,
                (),
                everything,
                members,
                tp=tp,
                up=up,
                legs_t=legs_t,
                legs_u=legs_u,
                landmark=landmark,
            )
            for (role, key), rows in sorted(groups.items()):
                who = np.flatnonzero(role_of[role][members])
                if who.shape[0]:
                    idx = np.array(rows, dtype=np.int64)
                    self._add(
                        graph,
                        key,
                        idx,
                        members[who],
                        tp=_take(tp, idx),
                        up=_take(up, who),
                        legs_t=legs_t[idx],
                        legs_u=legs_u[who],
                        landmark=landmark[np.ix_(idx, who)],
                        role=role,
                    )

    def _task_reach(self) -> None:
        """Where each task joins the streets in each mode, whether that walk passes within
        each area, and so the areas each task lies in as far as reaching it goes (`lies_in`:
        its place's, and those its way in crosses; just outside an area's edge, nobody at
        all could reach it otherwise)."""
        self.task_points: dict[Mode, Points] = {}
        self.task_legs: dict[Mode, BoolArray] = {}
        self.lies_in = self.inside.copy()
        if not len(self.tasks):
            return
        for mode in Mode:
            graph = self.net.graphs[mode]
            tp = self.task_points[mode] = graph.points(self.task_xy, self.cfg.max_access_m)
            self.task_legs[mode] = self.net.legs_in(tp, self.areas)
            self.lies_in |= self.task_legs[mode]

    def _add(
        self,
        graph: ModeGraph,
        key: tuple[int, ...],
        rows: IntArray,
        members: IntArray,
        *,
        tp: Points,
        up: Points,
        legs_t: BoolArray,
        legs_u: BoolArray,
        landmark: FloatArray,
        role: _Role | None = None,
    ) -> None:
        shut = np.ones(len(self.areas), dtype=bool)
        shut[list(key)] = False
        closure = self._closures.get(key)
        if closure is None:  # both modes route under the same closure
            closure = self._closures[key] = self.net.closure(
                [a for k, a in enumerate(self.areas) if shut[k]]
            )
        # A walk to or from the street through a closed area rules the trip out, but for the
        # responder's walk out of an area it stands in.
        own = self.unit_in[members] & shut
        blocked = (
            np.any(legs_t & shut, axis=1)[:, None] | np.any(legs_u & shut & ~own, axis=1)[None, :]
        )
        inner: dict[tuple[int, ...], list[int]] = {}
        for c in np.flatnonzero(self.unit_in_any[members]).tolist():
            mine = tuple(k for k in self.unit_sets[int(members[c])] if shut[k])
            if mine:
                inner.setdefault(mine, []).append(c)
        groups = {m: np.array(c, dtype=np.int64) for m, c in inner.items()}
        found = self._ways_out(graph, groups, members, up)
        ways = [(groups[m], *found[m]) for m in sorted(groups)]
        block = _Block.build(
            graph,
            closure,
            key,
            rows,
            members,
            tp=tp,
            up=up,
            blocked=blocked,
            landmark=landmark,
            cfg=self.cfg,
            inner=ways,
        )
        n_u = len(self.units)
        cells = rows[:, None] * n_u + members[None, :]
        if not key:
            # A closed block also holds armed responders' pairs with tasks they may route to
            # through the task's own areas, and unarmed medics' with escorted tasks in areas:
            # those pairs belong to the task's open block.
            elsewhere = (self.armed[members][None, :] & self.has_open[rows][:, None]) | (
                self.medic[members][None, :] & self.has_escort[rows][:, None]
            )
            cells = np.where(elsewhere, len(self.tasks) * n_u, cells)
        block.cells = cells
        block.index = len(self.blocks)
        block.row_of = np.full(len(self.tasks), -1, dtype=np.int64)
        block.row_of[rows] = np.arange(rows.shape[0])
        block.col_of = np.full(n_u, -1, dtype=np.int64)
        block.col_of[members] = np.arange(members.shape[0])
        self.blocks.append(block)
        self.block_of[(graph.mode, role, key)] = block
        self._refresh(block, np.arange(rows.shape[0], dtype=np.int64))

    def _open_groups(self) -> dict[tuple[_Role, tuple[int, ...]], list[int]]:
        """Per kind of responder an open block is for (armed, unarmed medics) and the areas
        open to it, the tasks."""
        groups: dict[tuple[_Role, tuple[int, ...]], list[int]] = {}
        roles: tuple[tuple[_Role, list[tuple[int, ...]]], ...] = (
            ("armed", self.open_key),
            ("escorted", self.escort_key),
        )
        for role, keys in roles:
            for t, key in enumerate(keys):
                if key:
                    groups.setdefault((role, key), []).append(t)
        return groups

    @cached_property
    def unit_in_any(self) -> BoolArray:
        """Per unit, whether it stands in any area."""
        return np.asarray(self.unit_in.any(axis=1))

    @cached_property
    def unit_sets(self) -> dict[int, tuple[int, ...]]:
        """The areas each unit standing in any stands in."""
        return {
            u: tuple(np.flatnonzero(self.unit_in[u]).tolist())
            for u in np.flatnonzero(self.unit_in_any).tolist()
        }

    def _ways_out(
        self,
        graph: ModeGraph,
        groups: dict[tuple[int, ...], IntArray],
        members: IntArray,
        up: Points,
    ) -> dict[tuple[int, ...], tuple[Closure, list[Exit]]]:
        """Responders' ways out of the areas they stand in: per set of those areas, the
        columns (of `members`) standing in just those; kept for every block.

        A way out follows only streets those areas close and no other: whichever areas a
        block opens, it is the same, and it is searched once per responder and set."""
        inners: dict[tuple[int, ...], Closure] = {}
        for mine in groups:
            inner = self._closures.get(("out", *mine))
            if inner is None:
                inner = self._closures[("out", *mine)] = self.net.closure(
                    [a for k, a in enumerate(self.areas) if k not in mine]
                )
            inners[mine] = inner
        todo = []
        for mine, cols in sorted(groups.items()):
            known = self._exits.setdefault((graph.mode, mine), {})
            missing = cols[[int(u) not in known for u in members[cols].tolist()]]
            if missing.shape[0]:
                todo.append((mine, missing))
        if todo:
            every = self._closures[()]  # the block shutting them all comes first
            found = iter(graph.exits([(_take(up, c), inners[m]) for m, c in todo], every))
            for mine, missing in todo:
                known = self._exits[(graph.mode, mine)]
                for u in members[missing].tolist():
                    known[u] = next(found)
        return {
            mine: (
                inners[mine],
                [self._exits[(graph.mode, mine)][u] for u in members[cols].tolist()],
            )
            for mine, cols in groups.items()
        }

    def _refresh(self, b: _Block, rows: IntArray) -> None:
        """Copy rows of a block into the (tasks, units) matrices, where the block routes."""
        # Every row (often so) is a slice: no copies of the block's matrices.
        at: IntArray | slice = slice(None) if rows.shape[0] == b.tasks.shape[0] else rows
        secs, ok = _block_secs(b, at, slice(None))
        cells = b.cells[at].ravel()
        self._secs[cells] = secs.ravel()
        self._exact[cells] = ok.ravel()
        self._changed.update(b.tasks[rows].tolist())

    def _refresh_columns(self, b: _Block, cols: IntArray) -> None:
        """Copy columns of a block into the (tasks, units) matrices; only the tasks whose
        times changed count as changed."""
        secs, ok = _block_secs(b, slice(None), cols)
        cells = b.cells[:, cols]
        moved = np.any((self._secs[cells] != secs) | (self._exact[cells] != ok), axis=1)
        self._secs[cells] = secs
        self._exact[cells] = ok
        self._changed.update(b.tasks[moved].tolist())

    def pair_metres(self, tasks: IntArray, units: IntArray) -> FloatArray:
        """Metres of given pairs as far as searched (a lower bound where not exact): along
        the streets, plus the walks to and from them (+inf: the trip cannot be made)."""
        out = np.full(tasks.shape[0], np.inf)
        blocks = self.pair_blocks(tasks, units)
        for k in np.unique(blocks).tolist():
            b, mine = self.blocks[k], np.flatnonzero(blocks == k)
            out[mine] = b.pair_street_m(b.row_of[tasks[mine]], b.col_of[units[mine]])
        return out

    def changed(self) -> IntArray:
        """The tasks whose times changed since the last call, ascending."""
        out = np.array(sorted(self._changed), dtype=np.int64)
        self._changed.clear()
        return out

    def key_of(self, task: int, unit: int) -> tuple[int, ...]:
        """The areas open to a pair: an armed responder's task's, an unarmed medic's
        escorted task's place's, else none."""
        if self.armed[unit]:
            return self.open_key[task]
        return self.escort_key[task] if self.medic[unit] else ()

    def pair_block(self, task: int, unit: int) -> _Block:
        """The block a pair is routed in."""
        k = int(self.pair_blocks(np.array([task]), np.array([unit]))[0])
        return self.blocks[k]

    @cached_property
    def _block_index(self) -> IntArray:
        """(by car, role, task): the index of the block such pairs are routed in (-1: none);
        roles: 0 anyone else, 1 armed, 2 unarmed medic."""
        out = np.full((2, 3, len(self.tasks)), -1, dtype=np.int64)
        for (mode, _, key), b in self.block_of.items():  # everyone: the closed block
            if not key:
                out[int(mode is Mode.BY_CAR), :, :] = b.index
        for (mode, role, key), b in self.block_of.items():  # those a task opens areas to
            if key:
                out[int(mode is Mode.BY_CAR), 1 if role == "armed" else 2, b.tasks] = b.index
        return out

    @cached_property
    def _role(self) -> IntArray:
        """Per unit, its row in `_block_index`."""
        return np.where(self.armed, 1, np.where(self.medic, 2, 0)).astype(np.int64)

    def pair_blocks(self, tasks: IntArray, units: IntArray) -> IntArray:
        """The index of the block each pair is routed in (`pair_block`, all at once)."""
        car = self.by_car[units].astype(np.int64)
        return np.asarray(self._block_index[car, self._role[units], tasks])

    def pair_row(self, task: int, unit: int) -> tuple[_Block, int, int]:
        """The block of a pair and its row and column there."""
        b = self.pair_block(task, unit)
        return b, int(b.row_of[task]), int(b.col_of[unit])

    def search(
        self,
        wants: dict[tuple[int, int], float],
        columns: dict[tuple[int, int], float] | None = None,
    ) -> None:
        """Search block rows ((block, row) -> metres) and columns at least that far.

        Rows are searched in batches of similar reach, each as far as its farthest row wants.
        """
        todo: dict[int, list[tuple[float, int]]] = {}
        for (k, i), metres in wants.items():
            b = self.blocks[k]
            new = min(max(metres, self.cfg.first_search_m), b.max_m)
            if new > b.limit[i]:
                todo.setdefault(k, []).append((new, i))
        cols: dict[int, list[tuple[float, int]]] = {}
        for (k, j), metres in (columns or {}).items():
            b = self.blocks[k]
            new = min(metres, b.max_m)
            if new > b.col_limit[j]:
                cols.setdefault(k, []).append((new, j))
        for k in sorted(set(todo) | set(cols)):
            b = self.blocks[k]
            rows = sorted(todo.get(k, []))
            for part in _batches(rows):
                b.run(np.array([i for _, i in part], dtype=np.int64), part[-1][0])
            units = sorted(cols.get(k, []))
            for part in _batches(units):
                b.run_columns(np.array([j for _, j in part], dtype=np.int64), part[-1][0])
            if rows:
                self._refresh(b, np.array(sorted(i for _, i in rows), dtype=np.int64))
            if units:
                self._refresh_columns(b, np.array(sorted(j for _, j in units), dtype=np.int64))

    def first_wants(
        self, pairs: list[tuple[int, int]], able: BoolArray
    ) -> dict[tuple[int, int], float]:
        """How far to search first, per block row.

        Beyond the bound of each pair a bound-only plan uses and, in the `nearest_first`
        modes, of the few nearest responders able to do something the task needs (its needs,
        plus `candidates`).
        """
        cfg = self.cfg
        wants: dict[tuple[int, int], float] = {}
        for k, b in enumerate(self.blocks):
            n_rows, n_cols = b.tasks.shape[0], b.units.shape[0]
            if not n_rows or not n_cols or b.mode not in cfg.nearest_first:
                continue
            # Pairs another block routes (armed responders to a task with open areas) are
            # searched there.
            mine = b.cells < self.secs.size
            # A pair whose bound is already past the horizon is never sent: no search finds
            # it, and it does not count among the nearest.
            within = b.walk_s + b.bound / b.speed < cfg.horizon_s
            d = np.where(
                able[np.ix_(b.tasks, b.units)] & ~b.blocked & mine & within, b.bound, np.inf
            )
            count = np.array([len(self.tasks[t].needs) for t in b.tasks.tolist()])
            count = np.minimum(count + cfg.candidates, np.isfinite(d).sum(axis=1))
            kmax = int(count.max())
            if not kmax:
                continue
            near = np.sort(np.partition(d, kmax - 1, axis=1)[:, :kmax], axis=1)
            reach = near[np.arange(n_rows), np.maximum(count - 1, 0)]
            reach = reach * cfg.search_margin + cfg.nearest_slack_m
            for i in np.flatnonzero(count > 0).tolist():
                wants[(k, i)] = float(reach[i])
        if not pairs:
            return wants
        p_task = np.array([t for t, _ in pairs], dtype=np.int64)
        p_unit = np.array([u for _, u in pairs], dtype=np.int64)
        p_block = self.pair_blocks(p_task, p_unit)
        for k in np.unique(p_block).tolist():
            b = self.blocks[k]
            mine = p_block == k
            i, j = b.row_of[p_task[mine]], b.col_of[p_unit[mine]]
            reach = np.zeros(b.tasks.shape[0])
            np.maximum.at(reach, i, b.bound[i, j] * cfg.search_margin + cfg.search_slack_m)
            for r in np.unique(i).tolist():
                wants[(k, r)] = max(wants.get((k, r), 0.0), float(reach[r]))
        return wants

    def widen(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Search further for pairs whose time is only a lower bound.

        A pair's task row is searched further (to the horizon if it was widened before); a
        responder who turns up in such pairs again is searched from, once, to the horizon:
        a far responder in demand would otherwise move from task to task round after round.
        """
        wants: dict[tuple[int, int], float] = {}
        columns: dict[tuple[int, int], float] = {}
        for t, u in pairs:
            b, i, j = self.pair_row(t, u)
            k = b.index
            if self._loose_units.get(u, 0) >= self.cfg.column_after:
                columns[(k, j)] = b.max_m
                continue
            self._loose_units[u] = self._loose_units.get(u, 0) + 1
            street = max(float(b.bound[i, j]), min(float(b.known[i, j]), float(b.limit[i])))
            grown = max(
                1.5 * float(b.limit[i]), self.cfg.search_margin * street + self.cfg.search_slack_m
            )
            metres = b.max_m if (k, i) in self._widened else grown
            self._widened.add((k, i))
            wants[(k, i)] = max(wants.get((k, i), 0.0), metres)
        self.search(wants, columns)

    def search_all(self) -> None:
        """Search every pair exactly, as far as the horizon."""
        self.search(
            {(k, i): b.max_m for k, b in enumerate(self.blocks) for i in range(b.tasks.shape[0])}
        )

    @property
    def searches(self) -> int:
        return sum(b.searched for b in self.blocks)


def _batches(wants: list[tuple[float, int]]) -> list[list[tuple[float, int]]]:
    """Sorted (reach, row) wants cut into Dijkstra calls of similar reach, at most _BATCH each."""
    out: list[list[tuple[float, int]]] = []
    for want in wants:
        if out and len(out[-1]) < _BATCH and want[0] <= out[-1][0][0] * _BATCH_REACH:
            out[-1].append(want)
        else:
            out.append([want])
    return out


def _xy(town: Town, lonlat: list[tuple[float, float]]) -> FloatArray:
    if not lonlat:
        return np.zeros((0, 2))
    arr = np.asarray(lonlat, dtype=np.float64)
    x, y = town.to_xy(arr[:, 0], arr[:, 1])
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def _direct(graph: ModeGraph, closure: Closure, tp: Points, up: Points) -> FloatArray:
    """Metres straight along a street both points are on (+inf elsewhere)."""
    out = np.full((len(tp), len(up)), np.inf)
    # Pairs on one street, by sorting responders' streets (not a tasks x responders compare).
    by_edge = np.argsort(up.edge, kind="stable")
    u_edge = up.edge[by_edge]
    first = np.searchsorted(u_edge, tp.edge, side="left")
    count = np.where(tp.edge >= 0, np.searchsorted(u_edge, tp.edge, side="right") - first, 0)
    if not count.any():
        return out
    ti = np.repeat(np.arange(len(tp)), count)
    ui = by_edge[np.repeat(first - (np.cumsum(count) - count), count) + np.arange(count.sum())]
    e = tp.edge[ti]
    a_t, a_u = tp.along[ti], up.along[ui]
    # The responder goes from its `along` to the task's: forwards (u -> v) or backwards.
    allowed = np.where(a_u <= a_t, graph.forward_ok[e], graph.backward_ok[e])
    open_ = closure.between_open(e, a_u, a_t)
    out[ti, ui] = np.where(allowed & open_, np.abs(a_t - a_u), np.inf)
    return out


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slots:
    task: IntArray
    need: IntArray
    weight: FloatArray
    mask: npt.NDArray[np.int64]


def _slots(tasks: Sequence[Task], cfg: DispatchConfig) -> _Slots:
    task, need, weight, mask = [], [], [], []
    for i, t in enumerate(tasks):
        for k, n in enumerate(t.needs):
            task.append(i)
            need.append(k)
            weight.append(cfg.weight(t.priority, k))
            mask.append(_mask(n.requires))
    return _Slots(
        task=np.array(task, dtype=np.int64),
        need=np.array(need, dtype=np.int64),
        weight=np.array(weight, dtype=np.float64),
        mask=np.array(mask, dtype=np.int64),
    )


def _pick(slots: _Slots, idx: IntArray) -> _Slots:
    return _Slots(
        task=slots.task[idx], need=slots.need[idx], weight=slots.weight[idx], mask=slots.mask[idx]
    )


def _able(slots: _Slots, unit_masks: npt.NDArray[np.int64]) -> BoolArray:
    """(slots, units): whether the unit has every capability the need requires."""
    return np.asarray((unit_masks[None, :] & slots.mask[:, None]) == slots.mask[:, None])


def _savings(slots: _Slots, able: BoolArray, secs: FloatArray, horizon: float) -> FloatArray:
    """(slots, units) priority-weighted seconds saved against the horizon (0: no pair)."""
    out = secs[slots.task]
    # In place: the matrix is large and weights are positive, so a pair saves time exactly
    # when it arrives within the horizon.
    np.subtract(horizon, out, out=out)
    out *= slots.weight[:, None]
    np.maximum(out, 0.0, out=out)  # (times are never NaN: +inf is out of reach)
    out *= able
    return out


def _match(savings: FloatArray) -> list[tuple[int, int]]:
    """(slot, unit) pairs of a maximum-saving matching."""
    if not savings.size:
        return []
    rows, cols = linear_sum_assignment(savings, maximize=True)
    keep = savings[rows, cols] > 0.0
    return list(zip(rows[keep].tolist(), cols[keep].tolist(), strict=True))


def _order(units: Sequence[Unit], tasks: Sequence[Task]) -> tuple[list[Unit], list[Task]]:
    return (
        sorted(units, key=lambda u: u.responder_id),
        sorted(tasks, key=lambda t: (-t.priority, t.task_id)),
    )


class Dispatcher:
    """Recommends who goes where on one town's streets."""

    def __init__(self, town: Town, config: DispatchConfig | None = None) -> None:
        self.town = town
        self.config = config or DispatchConfig()
        self.net = travel_network(town)

    def plan(
        self, units: Sequence[Unit], tasks: Sequence[Task], areas: Sequence[DangerArea] = ()
    ) -> Plan:
        """The optimal recommendations for these responders, tasks and danger areas."""
        cfg = self.config
        units, tasks = _order(units, tasks)
        areas = sorted(dict.fromkeys(areas), key=lambda a: a.id)
        slots = _slots(tasks, cfg)
        unit_masks = np.array([_mask(u.capabilities) for u in units], dtype=np.int64)
        if not units or not slots.task.shape[0]:
            return self._finish(
                units, tasks, slots=slots, unit_masks=unit_masks, travel=None, pairs=[], rounds=0
            )
        travel = _Travel(self.net, units, tasks, areas, cfg)
        # Round 0 matches on lower bounds alone; its pairs say how far to search.
        rounds = 0
        able_slot = _able(slots, unit_masks)
        savings = _savings(slots, able_slot, travel.secs, cfg.horizon_s)
        travel.changed()
        pairs = _match(savings)
        # (tasks, units): able to fill at least one of the task's needs
        able_task = np.zeros((len(tasks), len(units)), dtype=bool)
        # (slots run task by task: each task's rows at once, not `logical_or.at` cell by cell)
        has, first_slot = np.unique(slots.task, return_index=True)
        able_task[has] = np.logical_or.reduceat(able_slot, first_slot, axis=0)
        first = [(int(slots.task[j]), u) for j, u in pairs]
        travel.search(travel.first_wants(first, able_task))
        while True:
            rounds += 1
            # Only the slots of tasks whose times changed need their savings again.
            redo = np.flatnonzero(np.isin(slots.task, travel.changed()))
            redone = _savings(_pick(slots, redo), able_slot[redo], travel.secs, cfg.horizon_s)
            savings[redo] = redone
            pairs = _match(savings)
            loose = [
                (int(slots.task[j]), u) for j, u in pairs if not travel.exact[slots.task[j], u]
            ]
            if not loose:
                return self._finish(
                    units,
                    tasks,
                    slots=slots,
                    unit_masks=unit_masks,
                    travel=travel,
                    pairs=pairs,
                    rounds=rounds,
                    able=able_slot,
                )
            travel.widen(loose)

    def travel_times(
        self, units: Sequence[Unit], tasks: Sequence[Task], areas: Sequence[DangerArea] = ()
    ) -> FloatArray:
        """Exact (tasks, units) travel seconds within the horizon (+inf beyond), in input order."""
        cfg = self.config
        if not units or not tasks:
            return np.full((len(tasks), len(units)), np.inf)
        areas = sorted(dict.fromkeys(areas), key=lambda a: a.id)
        travel = _Travel(self.net, units, tasks, areas, cfg)
        travel.search_all()
        return np.where(travel.secs < cfg.horizon_s, travel.secs, np.inf)

    # --- explaining -----------------------------------------------------------------------

    def _finish(
        self,
        units: list[Unit],
        tasks: list[Task],
        *,
        slots: _Slots,
        unit_masks: npt.NDArray[np.int64],
        travel: _Travel | None,
        pairs: list[tuple[int, int]],
        rounds: int,
        able: BoolArray | None = None,
    ) -> Plan:
        """The plan of a matching: recommendations with reasons, and the needs left unmet.

        `able`: (slots, units) whether each unit can fill each need, when known already."""
        cfg = self.config
        served = dict(pairs)
        recs: list[Recommendation] = []
        cost = 0.0
        secs: FloatArray | None = None
        if travel is not None:
            secs, exact = travel.secs, travel.exact
            if able is None:
                able = _able(slots, unit_masks)
            p_slot = np.array([j for j, _ in pairs], dtype=np.int64)
            p_task = slots.task[p_slot]
            p_unit = np.array([u for _, u in pairs], dtype=np.int64)
            metres = travel.pair_metres(p_task, p_unit)
            areas_of = _Explainer(travel).explain(
                [(int(slots.task[j]), u) for j, u in pairs], metres
            )
            # Nearest for sure when no able responder's time, even a lower bound, is less;
            # nearer ones are only counted where their time is known exactly.
            quicker = able[p_slot] & (secs[p_task] < secs[p_task, p_unit][:, None])
            nearest_of = np.asarray(~quicker.any(axis=1))
            nearer_of = np.sum(quicker & exact[p_task], axis=1)
            for n, (j, u) in enumerate(pairs):
                t = int(slots.task[j])
                task, unit = tasks[t], units[u]
                nearest = bool(nearest_of[n])
                nearer = int(nearer_of[n])
                avoids, enters, leaves = areas_of[(t, u)]
                escort = bool(travel.medic[u]) and task.escorted and bool(enters)
                need = task.needs[int(slots.need[j])]
                recs.append(
                    Recommendation(
                        recommendation_id=recommendation_id(unit.responder_id, task.task_id),
                        responder_id=unit.responder_id,
                        task_id=task.task_id,
                        task_kind=task.kind,
                        need=int(slots.need[j]),
                        requires=need.requires,
                        mode=unit.mode,
                        travel_s=round(float(secs[t, u]), 1),
                        distance_m=round(float(metres[n]), 1),
                        priority=task.priority,
                        weight=float(slots.weight[j]),
                        nearest=nearest,
                        nearer=nearer,
                        avoids=avoids,
                        enters=enters,
                        leaves=leaves,
                        facts=route_facts(avoids),
                        reason=_reason(
                            unit,
                            need,
                            float(secs[t, u]),
                            nearest=nearest,
                            nearer=nearer,
                            avoids=avoids,
                            enters=enters,
                            leaves=leaves,
                            escorted=escort,
                        ),
                    )
                )
                cost += float(slots.weight[j]) * float(secs[t, u])
        unmet = []
        used = np.zeros(len(units), dtype=bool)
        used[[u for _, u in pairs]] = True
        for j in range(slots.task.shape[0]):
            if j in served:
                continue
            t = int(slots.task[j])
            need = tasks[t].needs[int(slots.need[j])]
            cost += float(slots.weight[j]) * cfg.horizon_s
            why, code = _why_unmet(
                need,
                (unit_masks & slots.mask[j]) == slots.mask[j],
                secs=secs,
                task=t,
                used=used,
                cfg=cfg,
            )
            unmet.append(
                Unmet(
                    tasks[t].task_id,
                    int(slots.need[j]),
                    need.requires,
                    why,
                    code,
                    cfg.horizon_s if code == "unreachable" else None,
                )
            )
        order = {t.task_id: i for i, t in enumerate(tasks)}
        recs.sort(key=lambda r: (order[r.task_id], r.need))
        return Plan(
            recommendations=tuple(recs),
            unmet=tuple(unmet),
            cost=cost,
            rounds=rounds,
            searches=travel.searches if travel is not None else 0,
        )

    def route(self, unit: Unit, task: Task, areas: Sequence[DangerArea] = ()) -> Route | None:
        """The street route a responder would take to a task (None when it cannot go)."""
        areas = sorted(dict.fromkeys(areas), key=lambda a: a.id)
        travel = _Travel(self.net, [unit], [task], areas, self.config)
        if not travel.blocks:
            return None
        b = travel.pair_block(0, 0)
        travel.search({(b.index, 0): b.max_m})
        one = np.zeros(1, dtype=np.int64)
        secs, metres = float(travel.secs[0, 0]), float(travel.pair_metres(one, one)[0])
        if not secs < self.config.horizon_s:
            return None
        found = _routes(b, {(0, 0): metres}).get((0, 0))
        if found is None:
            return None
        return _as_route(self.town, b, found[1], secs=secs, metres=metres)


@dataclass(frozen=True)
class Route:
    """A responder's route: WGS84 polyline, the street stretches walked or driven, time."""

    lonlat: list[tuple[float, float]]
    pieces: tuple[tuple[int, float, float], ...]  # (street, from metre, to metre) in order
    origin_xy: tuple[float, float]  # the responder, local metres
    target_xy: tuple[float, float]  # the task
    start_foot_xy: tuple[float, float]  # where the responder reaches the street
    end_foot_xy: tuple[float, float]  # where the task is reached from the street
    mode: Mode
    distance_m: float
    travel_s: float


Pieces = list[tuple[int, float, float]]
# Danger areas a route avoids, enters (to reach the threat) and leaves (standing in them).
_Areas = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


def _routes(
    b: _Block,
    wants: dict[tuple[int, int], float],
    *,
    shorter: bool = False,
) -> dict[tuple[int, int], tuple[float, Pieces]]:
    """Street metres (and stretches, responder first) of block cells' routes.

    `wants` maps cells (row, column) to how far to search; rows are searched in batches of
    similar reach. Cells with no route within reach are left out, and with `shorter` those
    whose route is not at least a metre shorter than that.
    """
    graph = b.graph
    tp = b.t_points
    reach: dict[int, float] = {}
    for (i, _), metres in wants.items():
        if tp.ok[i]:
            reach[i] = max(reach.get(i, 0.0), min(metres + 1.0, b.max_m))
    out: dict[tuple[int, int], tuple[float, Pieces]] = {}
    for batch in _batches(sorted((m, i) for i, m in reach.items())):
        part = np.array(sorted(i for _, i in batch), dtype=np.int64)
        limit = batch[-1][0]
        dist, pred = graph.search(_take(tp, part), b.closure, limit, predecessors=True)
        mine = set(part.tolist())
        cells = [(i, j) for i, j in wants if i in mine]
        out.update(_trace(b, part, cells, dist, pred, below=wants if shorter else None))
    return out


def _trace(
    b: _Block,
    rows: IntArray,
    cells: list[tuple[int, int]],
    dist: FloatArray,
    pred: npt.NDArray[np.int32] | None,
    *,
    below: dict[tuple[int, int], float] | None = None,
) -> dict[tuple[int, int], tuple[float, Pieces]]:
    """Each cell's street metres and, given predecessors, its route back to the task.

    With `below`, only cells whose route is a metre shorter than given are returned (and
    traced)."""
    graph = b.graph
    st = graph.town.streets
    tp, up = b.t_points, b.u_points
    out: dict[tuple[int, int], tuple[float, Pieces]] = {}
    for i, j in cells:
        if not (tp.ok[i] and up.ok[j]):
            continue
        r = int(np.searchsorted(rows, i))
        e_u, a_u = int(up.edge[j]), float(up.along[j])
        e_t, a_t = int(tp.edge[i]), float(tp.along[i])
        ends = (
            (float(b.to_u[j]) + float(dist[r, st.edge_u[e_u]]), int(st.edge_u[e_u]), 0.0),
            (
                float(b.to_v[j]) + float(dist[r, st.edge_v[e_u]]),
                int(st.edge_v[e_u]),
                float(st.edge_length[e_u]),
            ),
        )
        via, x, at = min(ends, key=lambda c: c[0])
        way_out: Pieces = [(e_u, a_u, at)]
        ex = b.exits.get(j)
        if ex is not None and ex.nodes.shape[0]:
            out_m = ex.metres + dist[r, ex.nodes]
            k = int(np.argmin(out_m))
            if float(out_m[k]) < via:
                via, x = float(out_m[k]), int(ex.nodes[k])
                way_out = _way_out(b, j, ex, x)
        if below is not None and min(via, float(b.direct[i, j])) >= below[(i, j)] - 1.0:
            continue
        if float(b.direct[i, j]) <= via:
            if np.isfinite(b.direct[i, j]):
                out[(i, j)] = (float(b.direct[i, j]), [(e_u, a_u, a_t)])
            continue
        if not np.isfinite(via):
            continue
        if pred is None:
            out[(i, j)] = (via, [])
            continue
        pieces: Pieces = list(way_out)
        for _ in range(graph.n):
            y = int(pred[r, x])
            if not 0 <= y < graph.n:  # the search's source: the task's own street is next
                break
            e = graph.slot_edge(b.closure, y, x)
            length = float(st.edge_length[e])
            pieces.append((e, 0.0, length) if int(st.edge_u[e]) == x else (e, length, 0.0))
            x = y
        start = 0.0 if int(st.edge_u[e_t]) == x else float(st.edge_length[e_t])
        pieces.append((e_t, start, a_t))
        out[(i, j)] = (via, pieces)
    return out


def _way_out(b: _Block, j: int, ex: Exit, x: int) -> Pieces:
    """The street stretches from a responder out of the areas it stands in, to node `x`."""
    graph = b.graph
    st = graph.town.streets
    chain = ex.path(x)
    e_u, a_u = int(b.u_points.edge[j]), float(b.u_points.along[j])
    at = 0.0 if int(st.edge_u[e_u]) == chain[0] else float(st.edge_length[e_u])
    pieces: Pieces = [(e_u, a_u, at)]
    for a, c in itertools.pairwise(chain):
        e = graph.slot_edge(ex.inner, c, a)
        length = float(st.edge_length[e])
        pieces.append((e, 0.0, length) if int(st.edge_u[e]) == a else (e, length, 0.0))
    return pieces


class _Explainer:
    """Routes of chosen pairs, to name the danger areas they avoid or enter."""

    def __init__(self, travel: _Travel) -> None:
        self.travel = travel
        net = travel.net
        n_a = len(travel.areas)
        self.dist_u = np.zeros((len(travel.units), n_a))
        self.dist_t = np.zeros((len(travel.tasks), n_a))
        for k, a in enumerate(travel.areas):
            shape = net.shape(a)
            if shapely.get_type_id(shape.core) == 0:  # a circle: no need for GEOS
                centre = shapely.get_coordinates(shape.core)[0]
                for xy, out in ((travel.unit_xy, self.dist_u), (travel.task_xy, self.dist_t)):
                    out[:, k] = np.maximum(np.hypot(*(xy - centre).T) - shape.radius, 0.0)
            else:
                self.dist_u[:, k] = shape.distance(travel.unit_xy)
                self.dist_t[:, k] = shape.distance(travel.task_xy)
        self._none = net.closure(())

    def explain(
        self, pairs: list[tuple[int, int]], metres: FloatArray
    ) -> dict[tuple[int, int], _Areas]:
        """For each chosen (task, unit), `metres` long: the areas its route avoids, enters
        and leaves."""
        travel = self.travel
        out: dict[tuple[int, int], _Areas] = {}
        if not travel.areas:
            return dict.fromkeys(pairs, ((), (), ()))
        long = dict(zip(pairs, metres.tolist(), strict=True))
        enters, leaves, look_enter, look_avoid = self._sort(pairs, metres)
        blocks = {id(b): b for b in travel.blocks}
        for bid, cells in look_enter.items():
            b = blocks[bid]
            # The route is known to be this long: its search need go no further.
            found = _routes(
                b,
                {
                    (i, j): long[(int(b.tasks[i]), int(b.units[j]))] - float(b.lateral[i, j])
                    for i, j, _ in cells
                },
            )
            for i, j, cand in cells:
                route = found.get((i, j))
                if route is not None:
                    t, u = int(b.tasks[i]), int(b.units[j])
                    enters[(t, u)] += self._on(route[1], cand)
        avoids: dict[tuple[int, int], list[int]] = {}
        for bid, cells in look_avoid.items():
            b = blocks[bid]
            free = self._free(b, sorted({i for i, _, _ in cells}))
            # How much street a detour-free route would have to save: none if even its lower
            # bound is as long as the route taken.
            street = {
                (i, j): long[(int(b.tasks[i]), int(b.units[j]))] - float(b.lateral[i, j])
                for i, j, _ in cells
            }
            idx = np.array([[i, j] for i, j, _ in cells], dtype=np.int64)
            lower = free.graph.pair_bounds(
                _take(free.u_points, idx[:, 1]), _take(free.t_points, idx[:, 0]), free.closure
            )
            short = {
                (i, j): street[(i, j)]
                for (i, j, _), lb in zip(cells, lower.tolist(), strict=True)
                if lb < street[(i, j)] - 1.0
            }
            found = _routes(free, short, shorter=True)
            for i, j, cand in cells:
                route = found.get((i, j))
                if route is not None:
                    t, u = int(b.tasks[i]), int(b.units[j])
                    avoids[(t, u)] = self._on(route[1], cand) + [
                        k for k in cand if travel.unit_legs[u, k] or travel.task_legs[b.mode][t, k]
                    ]
        for t, u in pairs:
            names = travel.areas
            out[(t, u)] = (
                tuple(names[k].id for k in sorted(set(avoids.get((t, u), [])))),
                tuple(names[k].id for k in sorted(set(enters[(t, u)]))),
                tuple(names[k].id for k in leaves[(t, u)]),
            )
        return out

    def _sort(
        self, pairs: list[tuple[int, int]], metres: FloatArray
    ) -> tuple[
        dict[tuple[int, int], list[int]],
        dict[tuple[int, int], list[int]],
        dict[int, list[tuple[int, int, list[int]]]],
        dict[int, list[tuple[int, int, list[int]]]],
    ]:
        """Per pair (`metres` long), the areas it surely enters and those it leaves; per
        block, the cells whose route must be looked at for areas it may enter or may have
        avoided."""
        travel = self.travel
        enters: dict[tuple[int, int], list[int]] = {}
        leaves: dict[tuple[int, int], list[int]] = {}
        look_enter: dict[int, list[tuple[int, int, list[int]]]] = {}
        look_avoid: dict[int, list[tuple[int, int, list[int]]]] = {}
        # Only an area within the ellipse every route no longer than a pair's stays in
        # (|responder, p| + |p, task| <= its length) can have been avoided.
        p_task = np.array([t for t, _ in pairs], dtype=np.int64)
        p_unit = np.array([u for _, u in pairs], dtype=np.int64)
        within = self.dist_u[p_unit] + self.dist_t[p_task] <= (metres[:, None] + 1.0)
        near_of: dict[int, list[int]] = {}
        for n, k in zip(*(a.tolist() for a in np.nonzero(within)), strict=True):
            near_of.setdefault(n, []).append(k)
        stands_in = travel.unit_sets
        for n, (t, u) in enumerate(pairs):
            key = travel.key_of(t, u)
            # Areas the responder stands in and the task's block closes: it leaves them.
            leaves[(t, u)] = [k for k in stands_in.get(u, ()) if k not in key]
            near = [k for k in near_of.get(n, ()) if k not in key and k not in leaves[(t, u)]]
            if not key and not near:
                enters[(t, u)] = []
                continue
            b, i, j = travel.pair_row(t, u)
            # Entering is certain when the task lies inside the area or a walk crosses it.
            sure = [
                k
                for k in key
                if travel.inside[t, k] or travel.unit_legs[u, k] or travel.task_legs[b.mode][t, k]
            ]
            enters[(t, u)] = sure
            unsure = [k for k in key if k not in sure]
            if unsure:
                look_enter.setdefault(id(b), []).append((i, j, unsure))
            if near:
                look_avoid.setdefault(id(b), []).append((i, j, near))
        return enters, leaves, look_enter, look_avoid

    def _free(self, b: _Block, rows: list[int]) -> _Block:
        """The block's pairs with no area closed (only the rows asked for are filled)."""
        graph = b.graph
        to_u, to_v = graph.leave_arcs(b.u_points, self._none)
        direct = np.full(b.known.shape, np.inf)
        idx = np.array(rows, dtype=np.int64)
        direct[idx] = _direct(graph, self._none, _take(b.t_points, idx), b.u_points)
        return replace(b, closure=self._none, direct=direct, to_u=to_u, to_v=to_v, exits={})

    def _on(self, pieces: Pieces, candidates: list[int]) -> list[int]:
        """The candidate areas whose closed stretches a route's street pieces pass."""
        travel = self.travel
        segs = travel.net.town.segments
        out = []
        for k, h in zip(
            candidates, travel.net.hits([travel.areas[k] for k in candidates]), strict=True
        ):
            edge_of = segs.edge[h.seg]
            for e, a0, a1 in pieces:
                m = edge_of == e
                lo, hi = min(a0, a1), max(a0, a1)
                if m.any() and bool(np.any((h.lo[m] <= hi) & (h.hi[m] >= lo))):
                    out.append(k)
                    break
        return out


def _as_route(town: Town, b: _Block, pieces: Pieces, *, secs: float, metres: float) -> Route:
    xy: list[FloatArray] = [b.u_points.origin[0:1], b.u_points.foot[0:1]]
    for e, a0, a1 in pieces:
        xy.append(_cut(town, e, a0, a1))
    xy += [b.t_points.foot[0:1], b.t_points.origin[0:1]]
    line = np.concatenate(xy)
    keep = np.ones(line.shape[0], dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(line, axis=0)) > 1e-9, axis=1)
    line = line[keep]
    lon, lat = town.to_lonlat(line[:, 0], line[:, 1])
    return Route(
        lonlat=list(zip(np.atleast_1d(lon).tolist(), np.atleast_1d(lat).tolist(), strict=True)),
        pieces=tuple(pieces),
        origin_xy=(float(b.u_points.origin[0, 0]), float(b.u_points.origin[0, 1])),
        target_xy=(float(b.t_points.origin[0, 0]), float(b.t_points.origin[0, 1])),
        start_foot_xy=(float(b.u_points.foot[0, 0]), float(b.u_points.foot[0, 1])),
        end_foot_xy=(float(b.t_points.foot[0, 0]), float(b.t_points.foot[0, 1])),
        mode=b.mode,
        distance_m=metres,
        travel_s=secs,
    )


def _cut(town: Town, edge: int, a0: float, a1: float) -> FloatArray:
    """The stretch of a street's polyline from metre a0 to metre a1 (either way)."""
    st = town.streets
    g = st.geom_xy[st.edge_geom_offsets[edge] : st.edge_geom_offsets[edge + 1]]
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(g, axis=0).T))])
    lo, hi = min(a0, a1), max(a0, a1)
    inner = (cum > lo) & (cum < hi)
    at = np.array([lo, *cum[inner].tolist(), hi])
    pts = np.column_stack([np.interp(at, cum, g[:, 0]), np.interp(at, cum, g[:, 1])])
    return pts if a0 <= a1 else pts[::-1]


# --- reasons ----------------------------------------------------------------------------------


def _why_unmet(
    need: Need,
    able: BoolArray,
    *,
    secs: FloatArray | None,
    task: int,
    used: BoolArray,
    cfg: DispatchConfig,
) -> tuple[str, str]:
    """Why nobody fills a need, in words and as a code (UNMET_CODES)."""
    who = _describe_need(need)
    if not able.any():
        return f"no available {who}", "none"
    reach = able & (secs[task] < cfg.horizon_s) if secs is not None else able
    if not reach.any():
        return (
            f"no available {who} can reach it safely within {duration(cfg.horizon_s)}",
            "unreachable",
        )
    if used[reach].all():
        return f"every available {who} who can reach it is recommended already", "all_recommended"
    return f"the available {who}s who can reach it are needed more elsewhere", "needed_elsewhere"


# The codes of why a need is unmet (`Unmet.code`).
UNMET_CODES = ("none", "unreachable", "all_recommended", "needed_elsewhere")


def _describe_need(need: Need) -> str:
    if Capability.ARMED in need.requires and Capability.MEDIC in need.requires:
        return "armed medic"
    if Capability.ARMED in need.requires:
        return "armed responder"
    if Capability.MEDIC in need.requires:
        return "medic"
    return "responder"


def _who(unit: Unit, need: Need) -> str:
    words = []
    if Capability.ARMED in need.requires:
        words.append("armed")
    if Capability.MEDIC in need.requires and unit.label != "medic":
        words.append("medic-trained")
    words.append(unit.label)
    return " ".join(words)


def duration(seconds: float) -> str:
    """Seconds as people say them: '45 s', '2 min 10 s', '12 min'."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    minutes, rest = divmod(s, 60)
    if minutes >= 10 or rest == 0:
        return f"{round(s / 60)} min"
    return f"{minutes} min {rest} s"


def _reason(
    unit: Unit,
    need: Need,
    secs: float,
    *,
    nearest: bool,
    nearer: int,
    avoids: tuple[str, ...],
    enters: tuple[str, ...],
    leaves: tuple[str, ...] = (),
    escorted: bool = False,
) -> str:
    who = _who(unit, need)
    how = "by car" if unit.mode is Mode.BY_CAR else "on foot"
    if nearest:
        head = f"nearest {who}, {duration(secs)} {how}"
    elif nearer == 1:
        head = f"{who}, {duration(secs)} {how} (a nearer one is needed elsewhere)"
    elif nearer:
        head = f"{who}, {duration(secs)} {how} ({nearer} nearer are needed elsewhere)"
    else:
        head = f"{who}, {duration(secs)} {how}"
    parts = [head]
    if need.why:
        parts.append(need.why)
    if leaves:
        parts.append(f"leaves {_areas(leaves)}")
    if avoids:
        parts.append(f"avoids {_areas(avoids)}")
    if enters:
        parts.append(
            f"enters {_areas(enters)} "
            + ("with the armed cover there" if escorted else "to reach the threat")
        )
    return "; ".join(parts)


def _areas(ids: tuple[str, ...]) -> str:
    """Danger areas by id in words: the declared ones, then the threats none is declared
    around yet (by track id)."""
    declared = [a for a in ids if not _undeclared(a)]
    tracks = [a.removeprefix(UNDECLARED_PREFIX) for a in ids if _undeclared(a)]
    said = []
    if declared:
        said.append(f"danger area{'s' if len(declared) > 1 else ''} {', '.join(declared)}")
    if tracks:
        said.append(
            f"threat{'s' if len(tracks) > 1 else ''} {', '.join(tracks)} "
            "(no danger area over where they are now)"
        )
    return " and ".join(said)


# --- the peer: greedy nearest-available -------------------------------------------------------


def greedy(
    units: Sequence[Unit],
    tasks: Sequence[Task],
    secs: FloatArray,
    config: DispatchConfig | None = None,
) -> list[tuple[int, int, int]]:
    """Needs in priority order, each given the nearest able responder still free.

    `secs` is (tasks, units) in the order given; returns (task, need, unit) indices.
    """
    cfg = config or DispatchConfig()
    free = np.ones(len(units), dtype=bool)
    masks = np.array([_mask(u.capabilities) for u in units], dtype=np.int64)
    order = sorted(range(len(tasks)), key=lambda i: (-tasks[i].priority, tasks[i].task_id))
    out = []
    for t in order:
        for k, need in enumerate(tasks[t].needs):
            m = _mask(need.requires)
            cand = np.where(free & ((masks & m) == m) & (secs[t] < cfg.horizon_s), secs[t], np.inf)
            if not cand.shape[0]:
                continue
            u = int(np.argmin(cand))
            if np.isfinite(cand[u]):
                free[u] = False
                out.append((t, k, u))
    return out


def plan_cost(
    tasks: Sequence[Task],
    served: Iterable[tuple[int, int, float]],
    config: DispatchConfig | None = None,
) -> float:
    """The objective of a set of (task, need, seconds) assignments (lower is better)."""
    cfg = config or DispatchConfig()
    got = {(t, k): s for t, k, s in served}
    total = 0.0
    for t, task in enumerate(tasks):
        for k in range(len(task.needs)):
            w = cfg.weight(task.priority, k)
            total += w * got.get((t, k), cfg.horizon_s)
    return total
