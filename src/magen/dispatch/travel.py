"""Travel over the street graph for dispatch: on foot or by car, around danger areas.

Graphs. One CSR matrix per mode with a fixed structure, stored *reversed* (a slot per arc
head -> tail), so a search from an incident gives every node its distance *to* the incident.
Walking uses every walkable street both ways; driving uses drivable streets and their one-way
flags. Parallel streets share a slot whose weight is the shortest street not closed. A danger
picture changes weights only (closed slots become +inf, which csgraph's Dijkstra never
relaxes), so a new picture costs one `minimum.reduceat`, not a rebuild.

Points. Responders and incidents join their mode's graph at the nearest point on a street of
its main component (the largest connected, for cars strongly connected, part): a
responder leaves towards either end of that street, an incident is reached from either end,
each only where the one-way flags allow and the stretch walked is open. Two points on the same
street may also go straight along it. The path from the point to the street (`lateral`) is
walked; a point whose path to the street passes within a danger area cannot use it.

Bounds. Distances to and from a dozen landmarks around the town's edge give, by the
triangle inequality, lower bounds on the street distance between any two nodes (ALT). Closing
streets only lengthens routes, so bounds from the open graph hold under any closure.

Contraction. Most of a search's nodes lead nowhere new: a node with two neighbours only
passes a route on, and a dead end only comes back. Searches for many targets run over the
graph with those chains and dead ends contracted (`Chains`, `Contracted`): a chain is crossed
by one shortcut per direction (the sum of its slots' weights under the closure, +inf when a
closed or one-way street is in the way) and a dead end is never entered; the chains the
targets lie on are kept whole, so a search starts from their own streets' ends. Any other
node's metres, and a point's on a contracted chain, are the shorter of the ways through its
chain's two ends, exactly as the whole graph's search would find them.

Closures. A danger area closes the streets it touches (exactly which stretch, from
`magen.geo.routing`): whole streets for through traffic, and the closed stretch for points on
them. The areas are those declared, and one around each active threat none is declared
around yet (`magen.dispatch.tasks.undeclared_threat_areas`: it moves with the threat, so
what is kept per area is bounded). Closures are built (and kept) per set of areas, so an
armed responder heading to a threat can be routed with that threat's own areas open and every
other one closed; a closure touches only the slots of the streets it closes.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from magen.geo.routing import AreaHits, DangerArea, DangerShape, walk_network
from magen.geo.snap import Segments, segment_tree, snap_points
from magen.geo.streets import EdgeFlag
from magen.geo.town import MAX_ACCESS_M, Town

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# csgraph reads a stored zero as "no edge"; a millimetre is harmless on a street, as long as
# every search counts it alike.
_MIN_WEIGHT = 1e-3
# A search's virtual arcs (from a point to its street's ends, or from its ways out) may be
# zero long, and clamping them would add a millimetre one way of searching adds and another
# does not (a row's search counts a responder's walk to its street outside Dijkstra, its own
# search inside). Every path from a virtual source takes exactly one of its arcs, so they all
# carry this lead, taken off again: the metres are exact and no arc is zero.
_LEAD_M = 1.0
# ... and a search's limit carries it too, with room for the rounding of the sums.
_LEAD_LIMIT_M = _LEAD_M + 1e-6
# Landmarks per mode: each adds two searches at start-up and a term to every bound.
_LANDMARKS = 12
# Landmark bounds run in single precision: a distance no street route reaches, and the most
# rounding can add over a town's metres.
_FAR = 1e12
_F32_SLACK_M = 0.05
# Snapping: segments are sampled every so many metres at most, and each point looks at the
# segments of its nearest samples first.
_SAMPLE_M = 10.0
_SNAP_CANDIDATES = 12
# Positions whose segment is kept (`ModeGraph.points`): a city's responders and calls many
# times over; past it the cache starts again.
_SNAP_CACHE = 50_000
# Room kept after a contracted graph's arcs for a search's virtual arcs (grown when short).
_VIRTUAL_ROOM = 64
# Closures kept per set of danger areas: the picture's current sets, with room to spare.
_CLOSURE_CACHE = 256


class Mode(StrEnum):
    """How a responder travels."""

    ON_FOOT = "on_foot"
    BY_CAR = "by_car"


@dataclass(frozen=True, eq=False)
class Points:
    """Where points join one mode's graph; `edge` is -1 for a point too far from any street."""

    origin: FloatArray  # (k, 2) the points, local metres
    foot: FloatArray  # (k, 2) where they meet the street
    edge: IntArray
    seg: IntArray
    along: FloatArray  # metres from the edge's u end
    lateral: FloatArray  # metres from the point to the street

    def __len__(self) -> int:
        return int(self.edge.shape[0])

    @property
    def ok(self) -> BoolArray:
        return np.asarray(self.edge >= 0)


@dataclass(eq=False)
class Closure:
    """What a set of danger areas closes: streets to through travel, stretches to points."""

    area_ids: frozenset[str]
    edge: BoolArray  # streets closed to through travel
    lo: FloatArray  # per street, the first closed metre from u (+inf when open)
    hi: FloatArray  # ... and the last (-inf when open)
    # Every closed stretch, sorted by street: (street, from metre, to metre).
    stretch_edge: IntArray
    stretch_lo: FloatArray
    stretch_hi: FloatArray
    closed: IntArray  # the streets `edge` closes, ascending
    weights: dict[Mode, FloatArray] = field(default_factory=dict)  # per mode, built on use
    # Per mode and direction, CSR data and indices with room after the streets for a search's
    # virtual arcs (`ModeGraph._graph`).
    buffers: dict[tuple[Mode, bool], tuple[FloatArray, npt.NDArray[np.int32]]] = field(
        default_factory=dict
    )
    chain_weights: dict[Mode, ChainWeights] = field(default_factory=dict)  # built on use

    def to_u_open(self, edge: IntArray, along: FloatArray) -> BoolArray:
        """Whether the stretch from each point back to its street's u end is open."""
        return np.asarray(~(self.lo[edge] <= along))

    def to_v_open(self, edge: IntArray, along: FloatArray) -> BoolArray:
        """Whether the stretch from each point on to its street's v end is open."""
        return np.asarray(~(self.hi[edge] >= along))

    def between_open(self, edge: IntArray, along_a: FloatArray, along_b: FloatArray) -> BoolArray:
        """Whether the stretch between two points on the same street is open."""
        out = np.ones(edge.shape[0], dtype=bool)
        if not self.stretch_edge.shape[0] or not edge.shape[0]:
            return out
        first = np.searchsorted(self.stretch_edge, edge, side="left")
        last = np.searchsorted(self.stretch_edge, edge, side="right")
        lo = np.minimum(along_a, along_b)
        hi = np.maximum(along_a, along_b)
        for i in np.flatnonzero(last > first).tolist():
            k = slice(int(first[i]), int(last[i]))
            meets = (self.stretch_lo[k] <= hi[i]) & (self.stretch_hi[k] >= lo[i])
            out[i] = not bool(meets.any())
        return out


@dataclass(frozen=True, eq=False)
class Exit:
    """A point's ways out of the danger areas it stands in (`ModeGraph.exits`)."""

    inner: Closure  # every area shut but the point's own
    nodes: IntArray  # nodes reached on the way out, ascending
    metres: FloatArray  # ... and how far each is from the point
    back: IntArray  # ... and the node before each on the way (-1: the point's own street)
    start: float  # metres to the nearer end of its own street, its areas open

    def path(self, node: int) -> list[int]:
        """The nodes of the way out to `node`, from the first."""
        chain = [node]
        for _ in range(self.nodes.shape[0]):
            prev = int(self.back[int(np.searchsorted(self.nodes, chain[-1]))])
            if prev < 0:
                break
            chain.append(prev)
        return chain[::-1]


@dataclass(frozen=True, eq=False)
class Chains:
    """A mode graph's chains: maximal paths through nodes with exactly two neighbours, and
    dead ends (a chain from a junction to a node with one neighbour).

    Chain `c` runs over flat positions `ptr[c]` to `ptr[c + 1] - 1`: its end nodes (`A` first,
    `B` last; the same node for a loop) and, between them, its inner nodes; a dead end's
    last node counts as inner. A search over the contracted graph crosses a chain by one
    shortcut arc per direction and never enters it (nor a dead end); a point on one of its
    streets reaches the chain's ends (`to_a`, `to_b`: +inf to a dead end's)."""

    ptr: IntArray
    pendant: BoolArray  # per chain: its B end is a dead end (never searched, never left by)
    node: IntArray  # per flat position
    slot_a: IntArray  # the slot of the arc from this position's node to the previous (-1)
    slot_b: IntArray  # ... and to the next
    node_chain: IntArray  # per node: its chain if it is an inner node, else -1
    node_flat: IntArray  # per node: its flat position if it is an inner node, else -1
    slot_chain: IntArray  # per slot: the chain whose inner node it touches, else -1
    chain_slots: IntArray  # slots by chain: chain c's are chain_slots[slot_ptr[c]:slot_ptr[c + 1]]
    slot_ptr: IntArray
    # The contracted graph's fixed structure: the slots, then two shortcuts per chain
    # (A -> B, then B -> A, forward), in reversed-graph CSR order.
    perm: IntArray  # CSR position -> entry (slot, or slot count + 2 * chain + direction)
    where: IntArray  # entry -> CSR position
    index: npt.NDArray[np.int32]
    indptr: npt.NDArray[np.int32]

    @property
    def count(self) -> int:
        return int(self.ptr.shape[0] - 1)


@dataclass(frozen=True, eq=False)
class ChainWeights:
    """Metres along every chain under a closure: from each position to `A` and to `B`
    (+inf where a closed or one-way street is in the way), and the contracted graph's
    weights in CSR order, inner slots shut."""

    to_a: FloatArray
    to_b: FloatArray
    data: FloatArray


@dataclass(eq=False)
class Contracted:
    """A closure's contracted graph for searches from given targets: every chain is crossed
    by its shortcuts only, but those with a target on them are kept whole (`whole`), so that
    a search starts from a target's own street ends and nothing between two points of one
    chain is missed. Every other node's metres follow from its chain's ends (`ends`)."""

    chains: Chains
    weights: ChainWeights
    whole: BoolArray  # per chain
    # The nodes a search can settle, numbered in order (a search's result has a column for
    # each): `nodes` per column, `ids` per node (-1: never settled).
    nodes: IntArray
    ids: IntArray
    data: FloatArray  # CSR data over those nodes, with room after it for virtual arcs
    index: npt.NDArray[np.int32]
    indptr: npt.NDArray[np.int32]
    size: int  # arcs before the room

    def _column(self, nodes: IntArray, metres: FloatArray) -> tuple[IntArray, FloatArray]:
        """Nodes as columns of a search's result; a node never settled is never reached."""
        col = self.ids[nodes]
        return np.maximum(col, 0), np.where(col >= 0, metres, np.inf)

    def ends(self, nodes: IntArray) -> tuple[IntArray, FloatArray, IntArray, FloatArray]:
        """Per node, the two nodes the contracted search settles for it (as columns of its
        result) and the metres from it to each: its chain's ends, or itself (twice, at 0 m)
        where the search reaches it."""
        c = self.chains
        chain = c.node_chain[nodes]
        cut = chain >= 0
        cut[cut] = ~self.whole[chain[cut]]
        f = c.node_flat[nodes]
        ch = np.where(cut, chain, 0)
        a_node = np.where(cut, c.node[c.ptr[ch]], nodes)
        b_node = np.where(cut, c.node[c.ptr[ch + 1] - 1], nodes)
        a_m = np.where(cut, self.weights.to_a[np.where(cut, f, 0)], 0.0)
        b_m = np.where(cut, self.weights.to_b[np.where(cut, f, 0)], 0.0)
        return (*self._column(a_node, a_m), *self._column(b_node, b_m))

    def at(self, dist: FloatArray, nodes: IntArray) -> FloatArray:
        """(rows, nodes) metres from given nodes, from a contracted search's (rows, all)."""
        a_node, a_m, b_node, b_m = self.ends(nodes)
        out = dist[:, a_node] + a_m[None, :]
        np.minimum(out, dist[:, b_node] + b_m[None, :], out=out)
        return np.asarray(out)

    def attach(
        self, u: IntArray, v: IntArray, to_u: FloatArray, to_v: FloatArray
    ) -> tuple[IntArray, FloatArray, IntArray, FloatArray]:
        """For points on streets from `u` to `v`, and their metres to those ends: two nodes
        the contracted search settles (as columns of its result) and the metres to each."""
        c = self.chains
        chain = np.maximum(c.node_chain[u], c.node_chain[v])
        cut = chain >= 0
        cut[cut] = ~self.whole[chain[cut]]
        if not cut.any():
            return (*self._column(u, to_u), *self._column(v, to_v))
        ch = np.where(cut, chain, 0)
        fu, fv = c.node_flat[u], c.node_flat[v]
        # A street of a chain has an inner node; an end of the chain sits next to it.
        x = np.where(cut, np.where(fu >= 0, fu, fv), 1)
        before = c.node[x - 1]
        fu = np.where(fu >= 0, fu, np.where(before == u, x - 1, x + 1))
        fv = np.where(fv >= 0, fv, np.where(before == v, x - 1, x + 1))
        fu, fv = np.where(cut, fu, 0), np.where(cut, fv, 0)
        w = self.weights
        a_node = np.where(cut, c.node[c.ptr[ch]], u)
        b_node = np.where(cut, c.node[c.ptr[ch + 1] - 1], v)
        a_m = np.where(cut, np.minimum(to_u + w.to_a[fu], to_v + w.to_a[fv]), to_u)
        b_m = np.where(cut, np.minimum(to_u + w.to_b[fu], to_v + w.to_b[fv]), to_v)
        return (*self._column(a_node, a_m), *self._column(b_node, b_m))


def _chain_sums(
    w: FloatArray, c: Chains, chains: IntArray, to_a: FloatArray, to_b: FloatArray
) -> None:
    """Metres from each position of the given chains to their first (A) and last (B) node,
    written into `to_a` and `to_b`; added up position by position from the ends, as a
    search would (so a chain's sums are the same under any closure leaving it open)."""
    lo, hi = c.ptr[chains], c.ptr[chains + 1]
    to_a[lo] = 0.0
    to_b[hi - 1] = 0.0
    for k in range(1, int((hi - lo).max(initial=0))):
        on = hi - lo > k
        at = lo[on] + k
        s = c.slot_a[at]
        to_a[at] = np.where(s >= 0, w[s], np.inf) + to_a[at - 1]
        at = hi[on] - 1 - k
        s = c.slot_b[at]
        to_b[at] = np.where(s >= 0, w[s], np.inf) + to_b[at + 1]
    dead = chains[c.pendant[chains]]
    to_b[_ranges(c.ptr, dead)] = np.inf


def _walk_chains(
    n: int, slot_row: IntArray, slot_col: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Every chain's nodes, end to end, concatenated, where each chain starts, and each
    node's number of neighbours."""
    a = np.minimum(slot_row, slot_col)
    b = np.maximum(slot_row, slot_col)
    pairs = np.unique(a * n + b)
    ends = np.concatenate([pairs // n, pairs % n])
    order = np.argsort(ends, kind="stable")
    nb = np.concatenate([pairs % n, pairs // n])[order].tolist()
    nb_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=nb_ptr[1:])
    degree = np.diff(nb_ptr)
    inner = degree == 2
    ptr = [0]
    flat: list[int] = []
    seen = np.zeros(n, dtype=bool)
    # From junctions first, so that a dead end's chain starts at its junction.
    starts = np.concatenate([np.flatnonzero(degree >= 3), np.flatnonzero(degree == 1)])
    for s in starts.tolist():
        for y in nb[nb_ptr[s] : nb_ptr[s + 1]]:
            if inner[y] and not seen[y]:
                path = [s, y]
                while inner[path[-1]]:
                    x, p = path[-1], path[-2]
                    k = int(nb_ptr[x])
                    path.append(nb[k] if nb[k] != p else nb[k + 1])
                seen[path[1:-1]] = True
            elif degree[y] == 1 and degree[s] >= 3:
                path = [s, y]  # a dead-end street
            else:
                continue
            flat += path
            ptr.append(len(flat))
    # Rings of inner nodes only (no end) are left out: their nodes are searched as any.
    return np.array(flat, dtype=np.int64), np.array(ptr, dtype=np.int64), degree


def build_chains(n: int, slot_row: IntArray, slot_col: IntArray) -> Chains:
    """The chains of a reversed-graph slot structure (`ModeGraph`)."""
    node, ptr, degree = _walk_chains(n, slot_row, slot_col)
    count = ptr.shape[0] - 1
    # A dead end's chain: its last node leads nowhere else, so a search need not go there.
    pendant = (degree[node[ptr[1:] - 1]] == 1) & (degree[node[ptr[:-1]]] >= 3)
    first = np.zeros(node.shape[0], dtype=bool)
    first[ptr[:-1]] = True
    last = np.zeros(node.shape[0], dtype=bool)
    last[ptr[1:] - 1] = True
    # The slot of each forward arc tail -> head (a reversed slot: row head, column tail).
    key = slot_col * n + slot_row
    by_key = np.argsort(key)
    sorted_key = key[by_key]

    def slot_of(tail: IntArray, head: IntArray, none: BoolArray) -> IntArray:
        want = tail * n + head
        at = np.minimum(np.searchsorted(sorted_key, want), max(sorted_key.shape[0] - 1, 0))
        hit = ~none & (sorted_key[at] == want) if sorted_key.shape[0] else np.zeros_like(none)
        return np.where(hit, by_key[at] if sorted_key.shape[0] else 0, -1).astype(np.int64)

    slot_a = slot_of(node, np.roll(node, 1), first)
    slot_b = slot_of(node, np.roll(node, -1), last)
    of_flat = np.repeat(np.arange(count, dtype=np.int64), np.diff(ptr))
    mid = ~first & ~last
    mid[ptr[1:][pendant] - 1] = True
    node_chain = np.full(n, -1, dtype=np.int64)
    node_flat = np.full(n, -1, dtype=np.int64)
    node_chain[node[mid]] = of_flat[mid]
    node_flat[node[mid]] = np.flatnonzero(mid)
    slot_chain = np.full(slot_row.shape[0], -1, dtype=np.int64)
    touch = np.maximum(node_chain[slot_row], node_chain[slot_col])
    slot_chain[:] = touch
    inside = np.flatnonzero(touch >= 0)
    chain_slots = inside[np.argsort(touch[inside], kind="stable")]
    slot_ptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(touch[inside], minlength=count), out=slot_ptr[1:])
    # The contracted structure: slots, then the shortcuts (reversed: row = head).
    a_end, b_end = node[ptr[:-1]], node[ptr[1:] - 1]
    rows = np.concatenate([slot_row, np.column_stack([b_end, a_end]).ravel()])
    cols = np.concatenate([slot_col, np.column_stack([a_end, b_end]).ravel()])
    perm = np.lexsort((cols, rows))
    where = np.empty_like(perm)
    where[perm] = np.arange(perm.shape[0])
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return Chains(
        ptr=ptr,
        pendant=pendant,
        node=node,
        slot_a=slot_a,
        slot_b=slot_b,
        node_chain=node_chain,
        node_flat=node_flat,
        slot_chain=slot_chain,
        chain_slots=chain_slots.astype(np.int64),
        slot_ptr=slot_ptr,
        perm=perm.astype(np.int64),
        where=where.astype(np.int64),
        index=cols[perm].astype(np.int32),
        indptr=indptr.astype(np.int32),
    )


@dataclass(frozen=True, eq=False)
class Landmarks:
    """Street metres to (`to`) and from (`frm`) each landmark node, with no area closed."""

    nodes: IntArray
    to: FloatArray  # (landmarks, nodes)
    frm: FloatArray


class ModeGraph:
    """One mode's reversed street graph, with its slots' streets and its snapping index."""

    def __init__(self, town: Town, mode: Mode) -> None:
        st = town.streets
        self.town = town
        self.mode = mode
        self.n = st.node_count
        loop = st.edge_u == st.edge_v
        if mode is Mode.ON_FOOT:
            usable = st.edges_with(EdgeFlag.WALK) & ~loop
            self.forward_ok = usable.copy()
            self.backward_ok = usable.copy()
        else:
            usable = st.edges_with(EdgeFlag.DRIVE) & ~loop
            self.forward_ok = usable & ~st.edges_with(EdgeFlag.ONEWAY_BACKWARD)
            self.backward_ok = usable & ~st.edges_with(EdgeFlag.ONEWAY_FORWARD)
        fwd = np.flatnonzero(self.forward_ok)
        bwd = np.flatnonzero(self.backward_ok)
        # Forward arcs tail -> head; the reversed graph has head -> tail.
        tail = np.concatenate([st.edge_u[fwd], st.edge_v[bwd]])
        head = np.concatenate([st.edge_v[fwd], st.edge_u[bwd]])
        edge = np.concatenate([fwd, bwd]).astype(np.int64)
        length = st.edge_length[edge]
        order = np.lexsort((edge, length, tail, head))
        head, tail, edge, length = head[order], tail[order], edge[order], length[order]
        first = np.ones(head.shape[0], dtype=bool)
        first[1:] = (head[1:] != head[:-1]) | (tail[1:] != tail[:-1])
        self.entry_edge = edge
        self.entry_len = np.maximum(length, _MIN_WEIGHT)
        self.run_start = np.flatnonzero(first)
        self.entry_slot = np.cumsum(first) - 1
        # Entries by street, to find the slots a closure touches without scanning them all.
        by_edge = np.argsort(edge, kind="stable")
        self.edge_entries = by_edge.astype(np.int64)
        self.edge_entry_ptr = np.zeros(st.edge_count + 1, dtype=np.int64)
        np.cumsum(np.bincount(edge, minlength=st.edge_count), out=self.edge_entry_ptr[1:])
        self.run_len = np.diff(np.append(self.run_start, edge.shape[0]))
        self.run_ptr = np.append(self.run_start, edge.shape[0]).astype(np.int64)
        self.slot_row = head[first].astype(np.int64)
        self.slot_col = tail[first].astype(np.int64)
        self.indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.slot_row, minlength=self.n), out=self.indptr[1:])
        self.open_weights = self.entry_len[self.run_start]
        # The forward graph: the same slots ordered by tail, for searches out of a responder.
        self.fwd_perm = np.lexsort((self.slot_row, self.slot_col))
        self.fwd_col = self.slot_row[self.fwd_perm]
        self.fwd_indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.slot_col, minlength=self.n), out=self.fwd_indptr[1:])
        # Points join the largest part of the graph one can leave and come back to.
        connection = "weak" if mode is Mode.ON_FOOT else "strong"
        graph = csr_matrix((self.open_weights, self.slot_col, self.indptr), shape=(self.n, self.n))
        _, label = connected_components(graph, directed=True, connection=connection)
        counts = np.bincount(label[np.concatenate([st.edge_u[usable], st.edge_v[usable]])])
        main = int(np.argmax(counts)) if counts.shape[0] else -1
        in_main = label == main
        self.snappable = usable & in_main[st.edge_u] & in_main[st.edge_v]
        self._lock = threading.Lock()  # one search at a time writes its arcs (`_graph`)

    @cached_property
    def landmarks(self) -> Landmarks:
        """Street distances to and from a few far-apart nodes, for lower bounds (ALT)."""
        st = self.town.streets
        nodes = np.unique(
            np.concatenate([st.edge_u[self.snappable], st.edge_v[self.snappable]])
        ).astype(np.int64)
        picks: list[int] = []
        if nodes.shape[0]:
            xy = st.node_xy[nodes]
            # Farthest-point selection: the first is the farthest from the centre, each next
            # the farthest from those chosen: landmarks ring the town, where bounds are best.
            gap = np.hypot(*(xy - xy.mean(axis=0)).T)
            for _ in range(min(_LANDMARKS, nodes.shape[0])):
                k = int(np.argmax(gap))
                picks.append(int(nodes[k]))
                gap = np.minimum(gap, np.hypot(*(xy - xy[k]).T))
        idx = np.array(picks, dtype=np.int64)
        reverse = csr_matrix(
            (self.open_weights, self.slot_col, self.indptr), shape=(self.n, self.n)
        )
        to = np.asarray(dijkstra(reverse, directed=True, indices=idx)).reshape(len(picks), self.n)
        frm = np.asarray(dijkstra(reverse.T.tocsr(), directed=True, indices=idx)).reshape(
            len(picks), self.n
        )
        return Landmarks(nodes=idx, to=to, frm=frm)

    @cached_property
    def chains(self) -> Chains:
        """The graph's chains through two-neighbour nodes, for contracted searches."""
        return build_chains(self.n, self.slot_row, self.slot_col)

    @cached_property
    def _open_chain_weights(self) -> ChainWeights:
        return self._chain_weights(self.open_weights, None)

    def _chain_weights(self, w: FloatArray, base: ChainWeights | None) -> ChainWeights:
        """Chain metres under slot weights `w`: every chain's, or from `base` (the open
        graph's) those of the chains whose slots `w` changes."""
        c = self.chains
        ptr = c.ptr
        n_s = self.slot_col.shape[0]
        if base is None:
            to_a, to_b = np.empty(c.node.shape[0]), np.empty(c.node.shape[0])
            todo = np.arange(c.count, dtype=np.int64)
            _chain_sums(w, c, todo, to_a, to_b)
            # A dead end is never entered: neither of its shortcuts is taken.
            back = np.where(c.pendant, np.inf, to_a[ptr[1:] - 1])
            shortcuts = np.column_stack([to_b[ptr[:-1]], back]).ravel()
            data = np.concatenate([np.where(c.slot_chain >= 0, np.inf, w), shortcuts])[c.perm]
            return ChainWeights(to_a=to_a, to_b=to_b, data=data)
        changed = np.flatnonzero(w != self.open_weights)
        chain = c.slot_chain[changed]
        todo = np.unique(chain[chain >= 0])
        to_a, to_b = base.to_a.copy(), base.to_b.copy()
        _chain_sums(w, c, todo, to_a, to_b)
        data = base.data.copy()
        free = changed[chain < 0]
        data[c.where[free]] = w[free]
        data[c.where[n_s + 2 * todo]] = to_b[ptr[todo]]
        data[c.where[n_s + 2 * todo + 1]] = np.where(
            c.pendant[todo], np.inf, to_a[ptr[todo + 1] - 1]
        )
        return ChainWeights(to_a=to_a, to_b=to_b, data=data)

    def contract(self, closure: Closure, targets: Points) -> Contracted:
        """The contracted graph under a closure for searches from these targets."""
        c = self.chains
        with self._lock:
            cw = closure.chain_weights.get(self.mode)
            if cw is None:
                w = self.weights(closure)
                base = None if w is self.open_weights else self._open_chain_weights
                cw = closure.chain_weights[self.mode] = (
                    self._open_chain_weights if base is None else self._chain_weights(w, base)
                )
        st = self.town.streets
        e = targets.edge[targets.ok]
        on = np.maximum(c.node_chain[st.edge_u[e]], c.node_chain[st.edge_v[e]])
        whole = np.zeros(c.count, dtype=bool)
        whole[on[on >= 0]] = True
        full = cw.data.copy()
        slots = c.chain_slots[_ranges(c.slot_ptr, np.flatnonzero(whole))]
        full[c.where[slots]] = self.weights(closure)[slots]
        # The nodes a search can settle: those on some street of the mode, but the inner
        # nodes of contracted chains; numbered in order, so that the arcs stay in order.
        keep = (np.diff(self.indptr) > 0) | (np.diff(self.fwd_indptr) > 0)
        keep &= (c.node_chain < 0) | whole[np.maximum(c.node_chain, 0)]
        nodes = np.flatnonzero(keep).astype(np.int64)
        ids = np.full(self.n, -1, dtype=np.int64)
        ids[nodes] = np.arange(nodes.shape[0])
        ptr = c.indptr.astype(np.int64)
        sel = _ranges(ptr, nodes)
        row = np.repeat(np.arange(nodes.shape[0]), ptr[nodes + 1] - ptr[nodes])
        into = keep[c.index[sel]]
        sel, row = sel[into], row[into]
        size = sel.shape[0]
        data = np.empty(size + 2 * _VIRTUAL_ROOM)
        data[:size] = full[sel]
        index = np.empty(size + 2 * _VIRTUAL_ROOM, dtype=np.int32)
        index[:size] = ids[c.index[sel]]
        indptr = np.zeros(nodes.shape[0] + 1, dtype=np.int32)
        np.cumsum(np.bincount(row, minlength=nodes.shape[0]), out=indptr[1:])
        return Contracted(
            chains=c,
            weights=cw,
            whole=whole,
            nodes=nodes,
            ids=ids,
            data=data,
            index=index,
            indptr=indptr,
            size=size,
        )

    def bounds(self, starts: Points, targets: Points) -> FloatArray:
        """(targets, starts) lower bounds on the street metres between their streets' ends."""
        lm = self.landmarks
        st = self.town.streets
        if not lm.nodes.shape[0] or not len(targets) or not len(starts):
            return np.zeros((len(targets), len(starts)))
        su = st.edge_u[np.where(starts.ok, starts.edge, 0)]
        sv = st.edge_v[np.where(starts.ok, starts.edge, 0)]
        tu = st.edge_u[np.where(targets.ok, targets.edge, 0)]
        tv = st.edge_v[np.where(targets.ok, targets.edge, 0)]
        frm, to = lm.frm, lm.to
        # d(x, y) >= d(L, y) - d(L, x) and >= d(x, L) - d(y, L); x and y may be either end:
        # per landmark term, a target side minus a start side.
        t_side = np.concatenate(
            [np.minimum(frm[:, tu], frm[:, tv]), -np.maximum(to[:, tu], to[:, tv])]
        )
        s_side = np.concatenate(
            [np.maximum(frm[:, su], frm[:, sv]), -np.minimum(to[:, su], to[:, sv])]
        )
        # A landmark that cannot reach a node bounds nothing for it. Single precision halves
        # the memory traffic of this (targets, starts) loop; its rounding (millimetres over a
        # town) is taken off so that the bound stays below the truth.
        t32 = np.where(np.isfinite(t_side), t_side, -_FAR).astype(np.float32)
        s32 = np.where(np.isfinite(s_side), s_side, _FAR).astype(np.float32)
        out = np.zeros((len(targets), len(starts)), dtype=np.float32)
        term = np.empty_like(out)
        for k in range(t32.shape[0]):
            np.subtract(t32[k][:, None], s32[k][None, :], out=term)
            np.maximum(out, term, out=out)
        bound = out.astype(np.float64)
        bound -= _F32_SLACK_M
        return np.maximum(bound, 0.0, out=bound)

    def search_out(
        self,
        starts: Points,
        closure: Closure,
        limit: float,
        *,
        extra: tuple[IntArray, IntArray, FloatArray] | None = None,
    ) -> FloatArray:
        """Metres from each start (rows) to every node, exact up to `limit`, else +inf.

        `extra` adds ways to leave: (row, node, metres) arcs from a start to a node."""
        d, _ = _search_out(self, starts, closure, limit, extra=extra)
        return d

    def _opened(
        self, w_all: FloatArray, closure: Closure, inner: Closure
    ) -> tuple[IntArray, FloatArray]:
        """The slots `closure` shuts and `inner` opens, and their weights under `inner`."""
        edges = closure.closed[~inner.edge[closure.closed]]
        slots = np.unique(self.entry_slot[self.edge_entries[_ranges(self.edge_entry_ptr, edges)]])
        slots = slots[np.isinf(w_all[slots])]
        ents = _ranges(self.run_ptr, slots)
        length = np.where(inner.edge[self.entry_edge[ents]], np.inf, self.entry_len[ents])
        cut = np.concatenate([[0], np.cumsum(self.run_len[slots])[:-1]]).astype(np.int64)
        w_in = np.minimum.reduceat(length, cut) if slots.shape[0] else np.zeros(0)
        return slots[np.isfinite(w_in)], w_in[np.isfinite(w_in)]

    def exits(self, groups: Sequence[tuple[Points, Closure]], closure: Closure) -> list[Exit]:
        """The ways out of the danger areas points stand in, for groups of points.

        `closure` shuts every area; each group's closure the same but the areas its points
        stand in. A way out leaves along the point's own street as its group's closure
        allows, then follows only streets `closure` shuts and the group's does not (those of
        its own areas); every node it reaches is a place from which it goes on as the areas
        allow. One search over those few streets, each group on its own copy of them.
        """
        st = self.town.streets
        w_all = self.weights(closure)
        arcs: list[tuple[IntArray, IntArray, FloatArray]] = []  # node to node
        leave: list[tuple[IntArray, FloatArray]] = []  # start to node, per start (u, v ends)
        leads: list[FloatArray] = []
        node_sets: list[IntArray] = []
        base = 0
        for points, inner in groups:
            slots, w_in = self._opened(w_all, closure, inner)
            to_u, to_v = self.leave_arcs(points, inner)
            e = np.where(points.ok, points.edge, 0)
            ends_u, ends_v = st.edge_u[e].astype(np.int64), st.edge_v[e].astype(np.int64)
            nodes = np.unique(
                np.concatenate([self.slot_col[slots], self.slot_row[slots], ends_u, ends_v])
            )
            # Forward arcs tail (slot_col) -> head (slot_row).
            arcs.append(
                (
                    base + np.searchsorted(nodes, self.slot_col[slots]),
                    base + np.searchsorted(nodes, self.slot_row[slots]),
                    w_in,
                )
            )
            leads.append(np.minimum(to_u, to_v))
            leave.append((base + np.searchsorted(nodes, ends_u), to_u))
            leave.append((base + np.searchsorted(nodes, ends_v), to_v))
            node_sets.append(nodes)
            base += nodes.shape[0]
        n_starts = sum(len(p) for p, _ in groups)
        if not n_starts:
            return []
        # Starts are numbered after every group's nodes.
        start_ids = base + np.arange(n_starts, dtype=np.int64)
        k_of = np.concatenate([np.full(len(p), g) for g, (p, _) in enumerate(groups)])
        pairs = [leave[2 * g : 2 * g + 2] for g in range(len(groups))]
        offsets = np.concatenate([[0], np.cumsum([len(p) for p, _ in groups])])
        rows = [a[0] for a in arcs]
        cols = [a[1] for a in arcs]
        dist = [a[2] for a in arcs]
        for g, ((u_node, u_m), (v_node, v_m)) in enumerate(pairs):
            ids = start_ids[offsets[g] : offsets[g + 1]]
            rows += [ids, ids]
            cols += [u_node, v_node]
            dist += [u_m + _LEAD_M, v_m + _LEAD_M]  # the starts' arcs (see `_LEAD_M`)
        r, c, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(dist)
        keep = np.isfinite(w)
        size = base + n_starts
        graph = csr_matrix(
            (np.maximum(w[keep], _MIN_WEIGHT), (r[keep], c[keep])), shape=(size, size)
        )
        d, p = dijkstra(graph, directed=True, indices=start_ids, return_predecessors=True)
        d = d - _LEAD_M
        out = []
        lead = np.concatenate(leads)
        firsts = np.concatenate([[0], np.cumsum([n.shape[0] for n in node_sets])])
        for s_idx in range(n_starts):
            g = int(k_of[s_idx])
            lo, hi = int(firsts[g]), int(firsts[g + 1])
            reached = np.flatnonzero(np.isfinite(d[s_idx, lo:hi]))
            back = p[s_idx, lo + reached]
            own = (back >= lo) & (back < hi)
            out.append(
                Exit(
                    inner=groups[g][1],
                    nodes=node_sets[g][reached],
                    metres=d[s_idx, lo + reached],
                    back=np.where(own, node_sets[g][np.clip(back - lo, 0, hi - lo - 1)], -1),
                    start=float(lead[s_idx]),
                )
            )
        return out

    def pair_bounds(self, starts: Points, targets: Points, closure: Closure) -> FloatArray:
        """Lower bounds on street metres from starts[i] to targets[i], pair by pair."""
        st = self.town.streets
        lm = self.landmarks
        e_s = np.where(starts.ok, starts.edge, 0)
        e_t = np.where(targets.ok, targets.edge, 0)
        su, sv, tu, tv = st.edge_u[e_s], st.edge_v[e_s], st.edge_u[e_t], st.edge_v[e_t]
        node = np.zeros(len(starts))
        for k in range(lm.nodes.shape[0]):
            frm, to = lm.frm[k], lm.to[k]
            a = np.minimum(frm[tu], frm[tv]) - np.maximum(frm[su], frm[sv])
            b = np.minimum(to[su], to[sv]) - np.maximum(to[tu], to[tv])
            node = np.maximum(node, np.where(np.isfinite(a), a, 0.0))
            node = np.maximum(node, np.where(np.isfinite(b), b, 0.0))
        to_u, to_v = self.leave_arcs(starts, closure)
        rows, _, arrive = self.source_arcs(targets, closure)
        first_in = np.full(len(targets), np.inf)
        np.minimum.at(first_in, rows, arrive)
        crow = np.hypot(*(targets.foot - starts.foot).T)
        same = starts.edge == targets.edge
        via = np.minimum(to_u, to_v) + node + first_in
        # Two points on one street may go straight along it: the crow flies no shorter.
        return np.asarray(np.where(same, crow, np.maximum(crow, via)))

    @cached_property
    def _tree(self) -> tuple[shapely.STRtree, IntArray]:
        segs = self.town.segments
        return segment_tree(segs, self.snappable[segs.edge])

    @cached_property
    def _snapped(self) -> dict[tuple[float, float], int]:
        """Position -> the segment it joins (`points`)."""
        return {}

    @cached_property
    def _samples(self) -> tuple[cKDTree, IntArray]:
        """A k-d tree of points along the snappable segments (the centres of pieces of at
        most `_SAMPLE_M`), and the segment of each: every point of a segment lies within
        half a piece of one of its samples."""
        segs = self.town.segments
        idx = np.flatnonzero(self.snappable[segs.edge]).astype(np.int64)
        a, b = segs.a[idx], segs.b[idx]
        pieces = np.maximum(np.ceil(np.hypot(*(b - a).T) / _SAMPLE_M), 1).astype(np.int64)
        of = np.repeat(np.arange(idx.shape[0]), pieces)
        k = np.arange(of.shape[0]) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        t = (k + 0.5) / pieces[of]
        xy = a[of] + (b - a)[of] * t[:, None]
        return cKDTree(xy if xy.shape[0] else np.zeros((0, 2))), idx[of]

    def points(self, xy: FloatArray, max_distance_m: float = MAX_ACCESS_M) -> Points:
        """Join points (local metres) to the graph: each to its nearest street segment.

        The k-d tree of segment samples names a few candidates per point; the nearest
        sample is at most half a piece farther than its segment, so when the last candidate
        is more than that beyond the nearest segment found, no segment was missed. Other
        points (few: crowded or far from any street) ask the R-tree. Equidistant segments
        go to the lowest index."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        segs = self.town.segments
        # Where a point joins does not depend on the danger picture: kept per position, so
        # that a plan snaps only the points that moved since the last.
        known = self._snapped
        if len(known) > _SNAP_CACHE:
            known.clear()
        keys = list(zip(xy[:, 0].tolist(), xy[:, 1].tolist(), strict=True))
        seg = np.array([known.get(key, -2) for key in keys], dtype=np.int64)
        new = np.flatnonzero(seg == -2)
        if new.shape[0]:
            seg[new] = self._snap(xy[new])
            known.update(zip([keys[i] for i in new.tolist()], seg[new].tolist(), strict=True))
        return _joined(segs, xy, seg, max_distance_m)

    def _snap(self, xy: FloatArray) -> IntArray:
        """The nearest snappable segment of each point (-1: none), see `points`."""
        segs = self.town.segments
        tree, sample_seg = self._samples
        n = xy.shape[0]
        seg = np.full(n, -1, dtype=np.int64)
        k = min(_SNAP_CANDIDATES, tree.n)
        if n and k:
            sample_d, sample_i = tree.query(xy, k=k)
            sample_d = sample_d.reshape(n, k)
            cand = sample_seg[sample_i.reshape(n, k)]
            dist = _segment_distance(segs, cand, xy[:, None, :])
            best = np.min(dist, axis=1)
            # The lowest segment index among the nearest.
            pick = np.min(np.where(dist == best[:, None], cand, np.iinfo(np.int64).max), axis=1)
            sure = (sample_d[:, -1] > best + _SAMPLE_M / 2) | (k == tree.n)
            seg[sure] = pick[sure]
            rest = np.flatnonzero(~sure)
            if rest.shape[0]:
                r_tree, r_seg = self._tree
                seg[rest] = snap_points(segs, r_tree, r_seg, xy[rest], np.inf).seg
        return seg

    def weights(self, closure: Closure) -> FloatArray:
        """Slot weights with the closure's streets closed (+inf where every street is)."""
        found = closure.weights.get(self.mode)
        if found is not None:
            return found
        w = self.open_weights
        closed = closure.closed
        if closed.shape[0]:
            entries = self.edge_entries[_ranges(self.edge_entry_ptr, closed)]
            slots = self.entry_slot[entries]
            w = w.copy()
            w[slots] = np.inf
            # A slot of parallel streets stays open through the shortest one not closed.
            multi = np.unique(slots[self.run_len[slots] > 1])
            for k in multi.tolist():
                run = slice(int(self.run_start[k]), int(self.run_start[k] + self.run_len[k]))
                open_ = ~closure.edge[self.entry_edge[run]]
                if open_.any():
                    w[k] = float(self.entry_len[run][open_].min())
        closure.weights[self.mode] = w
        return w

    @cached_property
    def _indptr32(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """Row pointers of the reversed and forward graphs, in scipy's own index type."""
        return self.indptr.astype(np.int32), self.fwd_indptr.astype(np.int32)

    @contextmanager
    def _graph(
        self,
        closure: Closure,
        rows: IntArray,
        nodes: IntArray,
        metres: FloatArray,
        k: int,
        *,
        forward: bool,
        contracted: Contracted | None = None,
    ) -> Iterator[csr_matrix]:
        """The graph under a closure (reversed, or `forward`), with `k` virtual nodes after
        the town's whose arcs are (row, node, metres), sorted by row; for one search.

        The streets' part is built once per closure and kept, with room after it: a search
        writes its virtual arcs there instead of copying the streets (one search at a time).
        Indices are 32-bit, as csgraph works in, so that scipy need not scan them.
        With `contracted` (reversed only), its arcs and room serve instead."""
        m = rows.shape[0]
        if contracted is not None:
            cx = contracted
            n_e, n_c = cx.size, cx.nodes.shape[0]
            if cx.data.shape[0] < n_e + m:
                cx.data = np.concatenate([cx.data[:n_e], np.empty(2 * m)])
                cx.index = np.concatenate([cx.index[:n_e], np.empty(2 * m, dtype=np.int32)])
            cx.data[n_e : n_e + m] = metres
            cx.index[n_e : n_e + m] = cx.ids[nodes]
            indptr = np.empty(n_c + k + 1, dtype=np.int32)
            indptr[: n_c + 1] = cx.indptr
            indptr[n_c + 1 :] = n_e + np.cumsum(np.bincount(rows, minlength=k))
            size = n_c + k
            yield csr_matrix((cx.data[: n_e + m], cx.index[: n_e + m], indptr), shape=(size, size))
            return
        n_e = self.slot_col.shape[0]
        with self._lock:
            buf = closure.buffers.get((self.mode, forward))
            if buf is None or buf[0].shape[0] < n_e + m:
                w = self.weights(closure)
                room = max(2 * m, 128)
                data = np.empty(n_e + room)
                data[:n_e] = w[self.fwd_perm] if forward else w
                index = np.empty(n_e + room, dtype=np.int32)
                index[:n_e] = self.fwd_col if forward else self.slot_col
                buf = closure.buffers[(self.mode, forward)] = (data, index)
            data, index = buf
            data[n_e : n_e + m] = metres
            index[n_e : n_e + m] = nodes
            indptr = np.empty(self.n + k + 1, dtype=np.int32)
            indptr[: self.n + 1] = self._indptr32[1 if forward else 0]
            indptr[self.n + 1 :] = n_e + np.cumsum(np.bincount(rows, minlength=k))
            size = self.n + k
            yield csr_matrix((data[: n_e + m], index[: n_e + m], indptr), shape=(size, size))

    def slot_edge(self, closure: Closure, head: int, tail: int) -> int:
        """The open street a route takes from `tail` to `head` (forward), or -1."""
        lo, hi = self.indptr[head], self.indptr[head + 1]
        k = lo + int(np.searchsorted(self.slot_col[lo:hi], tail))
        if k >= hi or self.slot_col[k] != tail:
            return -1
        start = self.run_start[k]
        stop = (
            self.run_start[k + 1] if k + 1 < self.run_start.shape[0] else self.entry_edge.shape[0]
        )
        for i in range(start, stop):
            e = int(self.entry_edge[i])
            if not closure.edge[e]:
                return e
        return -1

    # --- reaching points ------------------------------------------------------------------

    def source_arcs(
        self, targets: Points, closure: Closure
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Virtual rows for targets: (row index, node, metres), reversed-graph arcs.

        The metres are exact (zero for a target at a street's end): a search adds `_LEAD_M`."""
        st = self.town.streets
        ok = targets.ok
        e = np.where(ok, targets.edge, 0)
        a = np.where(ok, targets.along, 0.0)
        # Reaching the point from u drives u -> v along its street, from v drives v -> u.
        from_u = ok & self.forward_ok[e] & closure.to_u_open(e, a)
        from_v = ok & self.backward_ok[e] & closure.to_v_open(e, a)
        idx = np.arange(len(targets), dtype=np.int64)
        rows = np.concatenate([idx[from_u], idx[from_v]])
        nodes = np.concatenate([st.edge_u[e][from_u], st.edge_v[e][from_v]]).astype(np.int64)
        dist = np.concatenate([a[from_u], (st.edge_length[e] - a)[from_v]])
        order = np.lexsort((nodes, rows))
        return rows[order], nodes[order], dist[order]

    def leave_arcs(self, starts: Points, closure: Closure) -> tuple[FloatArray, FloatArray]:
        """Metres from each start to its street's u and v ends (+inf where it cannot go)."""
        st = self.town.streets
        ok = starts.ok
        e = np.where(ok, starts.edge, 0)
        a = np.where(ok, starts.along, 0.0)
        to_u = ok & self.backward_ok[e] & closure.to_u_open(e, a)
        to_v = ok & self.forward_ok[e] & closure.to_v_open(e, a)
        return (
            np.where(to_u, a, np.inf),
            np.where(to_v, st.edge_length[e] - a, np.inf),
        )

    def search(
        self,
        targets: Points,
        closure: Closure,
        limit: float,
        *,
        predecessors: bool = False,
        contracted: Contracted | None = None,
        arcs: tuple[IntArray, IntArray, FloatArray] | None = None,
    ) -> tuple[FloatArray, npt.NDArray[np.int32] | None]:
        """Metres from every node to each target (rows), exact up to `limit`, else +inf.

        One Dijkstra call for all rows: callers keep `targets` to a few dozen, since the
        result holds a row of every node per target. Over a `contracted` graph (made for
        these targets' chains, `contract`), a row holds the nodes it can settle
        (`Contracted.nodes`): read any node through `Contracted.at`. `arcs`: the targets'
        `source_arcs` under this closure, when the caller has them.
        """
        if predecessors and contracted is not None:
            raise ValueError("routes are traced over the whole graph, not a contracted one")
        k = len(targets)
        rows, nodes, dist = self.source_arcs(targets, closure) if arcs is None else arcs
        n = self.n if contracted is None else contracted.nodes.shape[0]
        src = np.arange(n, n + k)
        reach = limit + _LEAD_LIMIT_M
        # The lead comes off in place: a copy of (rows, nodes) costs more than the subtraction.
        with self._graph(
            closure, rows, nodes, dist + _LEAD_M, k, forward=False, contracted=contracted
        ) as graph:
            if predecessors:
                d, p = dijkstra(
                    graph, directed=True, indices=src, limit=reach, return_predecessors=True
                )
                d -= _LEAD_M
                return d[:, : self.n], p[:, : self.n]
            d = dijkstra(graph, directed=True, indices=src, limit=reach)
        d -= _LEAD_M
        return d[:, :n], None


def _search_out(
    graph: ModeGraph,
    starts: Points,
    closure: Closure,
    limit: float,
    *,
    extra: tuple[IntArray, IntArray, FloatArray] | None = None,
    predecessors: bool = False,
) -> tuple[FloatArray, npt.NDArray[np.int32] | None]:
    """Metres from each start (rows) to every node, exact up to `limit`, else +inf."""
    k = len(starts)
    to_u, to_v = graph.leave_arcs(starts, closure)
    st = graph.town.streets
    e = np.where(starts.ok, starts.edge, 0)
    idx = np.arange(k, dtype=np.int64)
    rows = np.concatenate([idx, idx])
    nodes = np.concatenate([st.edge_u[e], st.edge_v[e]]).astype(np.int64)
    dist = np.concatenate([to_u, to_v])
    if extra is not None:
        rows = np.concatenate([rows, extra[0]])
        nodes = np.concatenate([nodes, extra[1]])
        dist = np.concatenate([dist, extra[2]])
    keep = np.isfinite(dist)
    rows, nodes, dist = rows[keep], nodes[keep], dist[keep] + _LEAD_M  # see `_LEAD_M`
    order = np.lexsort((nodes, rows))
    rows, nodes, dist = rows[order], nodes[order], dist[order]
    size = graph.n + k
    src = np.arange(graph.n, size)
    reach = limit + _LEAD_LIMIT_M
    with graph._graph(closure, rows, nodes, dist, k, forward=True) as matrix:
        if predecessors:
            d, p = dijkstra(
                matrix, directed=True, indices=src, limit=reach, return_predecessors=True
            )
            d -= _LEAD_M
            return np.asarray(d[:, : graph.n]), np.asarray(p[:, : graph.n])
        d = dijkstra(matrix, directed=True, indices=src, limit=reach)
    d -= _LEAD_M
    return np.asarray(d[:, : graph.n]), None


def _ranges(ptr: IntArray, rows: IntArray) -> IntArray:
    """The positions ptr[r]:ptr[r + 1] of every row r, concatenated."""
    lo, hi = ptr[rows], ptr[rows + 1]
    count = hi - lo
    starts = np.repeat(lo - (np.cumsum(count) - count), count)
    return np.asarray(starts + np.arange(int(count.sum())), dtype=np.int64)


def _segment_distance(segs: Segments, seg: IntArray, xy: FloatArray) -> FloatArray:
    """Distance from points to segments (broadcast)."""
    a = segs.a[seg]
    d = segs.b[seg] - a
    dd = np.sum(d * d, axis=-1)
    t = np.clip(np.sum((xy - a) * d, axis=-1) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
    return np.asarray(np.hypot(*np.moveaxis(xy - (a + d * t[..., None]), -1, 0)))


def _joined(segs: Segments, xy: FloatArray, seg: IntArray, max_distance: float) -> Points:
    """Points joined to given segments (-1: none), within `max_distance` of them."""
    n = xy.shape[0]
    hit = seg >= 0
    s = np.where(hit, seg, 0)
    if not segs.a.shape[0]:
        s = np.zeros(n, dtype=np.int64)
        hit[:] = False
        a = d = np.zeros((n, 2))
        along_start = np.zeros(n)
        edge = np.full(n, -1, dtype=np.int64)
    else:
        a, d = segs.a[s], segs.b[s] - segs.a[s]
        along_start = segs.along_start[s]
        edge = segs.edge[s].astype(np.int64)
    dd = np.einsum("ij,ij->i", d, d)
    t = np.clip(np.einsum("ij,ij->i", xy - a, d) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
    foot = a + d * t[:, None]
    lateral = np.hypot(*(xy - foot).T)
    hit &= lateral <= max_distance
    return Points(
        origin=xy,
        foot=np.where(hit[:, None], foot, np.nan),
        edge=np.where(hit, edge, -1).astype(np.int64),
        seg=np.where(hit, seg, -1).astype(np.int64),
        along=np.where(hit, along_start + t * np.sqrt(dd), np.nan),
        lateral=np.where(hit, lateral, np.nan),
    )


class TravelNetwork:
    """Both modes' graphs of a town and its danger geometry, cached per town."""

    def __init__(self, town: Town) -> None:
        self.town = town
        self.walk = walk_network(town)  # its segment R-tree finds what an area closes
        self.graphs = {m: ModeGraph(town, m) for m in Mode}
        self._hits: dict[DangerArea, AreaHits] = {}
        self._shapes: dict[DangerArea, DangerShape] = {}
        self._closures: dict[frozenset[DangerArea], Closure] = {}

    def shape(self, area: DangerArea) -> DangerShape:
        """A danger area in the town's metres (cached)."""
        found = self._shapes.get(area)
        if found is None:
            if len(self._shapes) > 1024:  # areas come and go (and threats' move): keep it small
                self._shapes.clear()
            found = self._shapes[area] = DangerShape.of(self.town, area)
        return found

    def hits(self, areas: Sequence[DangerArea]) -> list[AreaHits]:
        """What each area closes (cached per area)."""
        if len(self._hits) > 1024:  # areas come and go over an attack; keep the cache small
            self._hits.clear()
        todo = [a for a in dict.fromkeys(areas) if a not in self._hits]
        if todo:
            for a, h in zip(
                todo, self.walk.blocked_by_each([self.shape(a) for a in todo]), strict=True
            ):
                self._hits[a] = h
        return [self._hits[a] for a in areas]

    def closure(self, areas: Sequence[DangerArea]) -> Closure:
        """What these areas close together (cached per set of areas)."""
        key = frozenset(areas)
        found = self._closures.get(key)
        if found is not None:
            return found
        n_edges = self.town.streets.edge_count
        hits = self.hits(sorted(key, key=lambda a: a.id))
        seg_edge = self.town.segments.edge
        s_edge = np.concatenate([seg_edge[h.seg] for h in hits]) if hits else np.zeros(0, int)
        s_lo = np.concatenate([h.lo for h in hits]) if hits else np.zeros(0)
        s_hi = np.concatenate([h.hi for h in hits]) if hits else np.zeros(0)
        # By street (a street's own stretches in any order: they are only ever all read).
        order = np.argsort(s_edge, kind="stable")
        s_edge = s_edge.astype(np.int64)[order]
        s_lo, s_hi = s_lo[order], s_hi[order]
        edge = np.zeros(n_edges, dtype=bool)
        edge[s_edge] = True
        lo = np.full(n_edges, np.inf)
        hi = np.full(n_edges, -np.inf)
        closed = np.zeros(0, dtype=np.int64)
        if s_edge.shape[0]:  # each street's stretches at once
            first = np.flatnonzero(np.r_[True, s_edge[1:] != s_edge[:-1]])
            closed = s_edge[first]
            lo[closed] = np.minimum.reduceat(s_lo, first)
            hi[closed] = np.maximum.reduceat(s_hi, first)
        found = Closure(
            area_ids=frozenset(a.id for a in key),
            edge=edge,
            lo=lo,
            hi=hi,
            stretch_edge=s_edge,
            stretch_lo=s_lo,
            stretch_hi=s_hi,
            closed=closed,
        )
        if len(self._closures) >= _CLOSURE_CACHE:
            del self._closures[next(iter(self._closures))]
        self._closures[key] = found
        return found

    def forget(self) -> None:
        """Drop what was computed for danger areas (a benchmark's cold start)."""
        self._hits.clear()
        self._closures.clear()

    def legs_in(self, points: Points, areas: Sequence[DangerArea]) -> BoolArray:
        """(points, areas): whether a point's path to its street passes within each area."""
        out = np.zeros((len(points), len(areas)), dtype=bool)
        end = np.where(points.ok[:, None], points.foot, points.origin)
        lo = np.minimum(points.origin, end)
        hi = np.maximum(points.origin, end)
        for j, area in enumerate(areas):
            shape = self.shape(area)
            # Only a path whose box meets the area's grown box can pass within it.
            x0, y0, x1, y1 = shapely.bounds(shape.core).tolist()
            r = shape.radius
            near = np.flatnonzero(
                (hi[:, 0] >= x0 - r)
                & (lo[:, 0] <= x1 + r)
                & (hi[:, 1] >= y0 - r)
                & (lo[:, 1] <= y1 + r)
            )
            if near.shape[0]:
                out[near, j] = shape.hits(points.origin[near], end[near])
        return out

    def lies_in(
        self, xy: FloatArray, areas: Sequence[DangerArea], max_access_m: float = MAX_ACCESS_M
    ) -> BoolArray:
        """(points, areas): whether each point lies within each area as far as reaching it
        goes: within it, or its walk to its street (on foot or by car) passes within it."""
        out = self.inside(xy, areas)
        if xy.shape[0] and areas:
            for graph in self.graphs.values():
                out |= self.legs_in(graph.points(xy, max_access_m), areas)
        return out

    def inside(self, xy: FloatArray, areas: Sequence[DangerArea]) -> BoolArray:
        """(points, areas): whether each point lies within each area."""
        out = np.zeros((xy.shape[0], len(areas)), dtype=bool)
        for j, area in enumerate(areas):
            shape = self.shape(area)
            # Only a point within the area's box grown by its radius can lie within it.
            x0, y0, x1, y1 = shapely.bounds(shape.core).tolist()
            r = shape.radius
            near = np.flatnonzero(
                (xy[:, 0] >= x0 - r)
                & (xy[:, 0] <= x1 + r)
                & (xy[:, 1] >= y0 - r)
                & (xy[:, 1] <= y1 + r)
            )
            if near.shape[0]:
                out[near, j] = shape.distance(xy[near]) <= 0.0
        return out


_NETWORKS: weakref.WeakKeyDictionary[Town, TravelNetwork] = weakref.WeakKeyDictionary()


def travel_network(town: Town) -> TravelNetwork:
    """The (cached) dispatch travel network of a town."""
    net = _NETWORKS.get(town)
    if net is None:
        net = _NETWORKS[town] = TravelNetwork(town)
    return net
