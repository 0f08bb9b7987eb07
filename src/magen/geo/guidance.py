"""The guidance engine: what every building, and anyone at any point, should do now. Pure.

Inputs are the official alert per zone, the active danger areas, shelter statuses, the
operator overrides in force and whether a ground threat is open anywhere in the town; the
output is, per building, an action, a shelter, a walking time, a reason and whose instruction
it is (numpy arrays), which `building_guidance` and `point_guidance` expand into a full object
with the route and the texts in Hebrew, Arabic and English. The policy itself is data
(`magen.geo.policy.RULES`).

One computation, whatever the number of buildings:

1. Danger areas -> blocked street segments and access paths (R-tree queries, per area, cached).
2. One multi-source Dijkstra from every usable shelter over the walking graph without the
   blocked streets, with a cost limit derived from the longest time to shelter in force (no
   route can be longer), and one without any danger area (to tell "no shelter in time" from
   "the way is blocked"). Trees are cached by their exact weights (blocked streets + shelter
   availability); a new picture repairs the most recent tree instead of searching from scratch
   (see `magen.geo.routing`), so only what changed is recomputed.
3. Every building reaches the tree from its own street (vectorised), and the rules decide.

Ground threats never silently change an official instruction: buildings near a danger area
keep their official guidance (rerouted away from the area), and the engine returns *proposed*
lock-in overrides; an override changes guidance only once it is among the inputs, i.e. issued
by an authorised operator, and the guidance then says it is the operator's instruction. While a
ground threat is open in the town (the caller decides what counts: `ground_threat_in_town`), a
building with no other instruction stays inside with the door locked, never "no alert".
Other official hazards (earthquake, tsunami, hazardous materials, radiological, early warning)
have their own rules, reconciled with ground threats: no building under a lock-in, or within
the lock-in margin of an attackers' danger area (`ground_threat_areas`), an open track
(`ground_threat_points`) or a zone locked in whole (an infiltration alert, a zone lock-in), is
sent out for one.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely

from magen.geo.policy import (
    FIRE_CATEGORIES,
    GO_OUT_HAZARDS,
    HAZARDS,
    INDOOR_HAZARDS,
    LANGUAGES,
    NEAR_SHELTER_HAZARDS,
    RULES,
    Action,
    AlertCategory,
    Condition,
    IssuedBy,
    OverrideKind,
    Reason,
    Rule,
    ShelterStatus,
    Texts,
    hazard_of,
    issued_by_label,
    texts_for,
)
from magen.geo.routing import (
    WALKING_SPEED_MPS,
    Access,
    AreaHits,
    Blocking,
    DangerArea,
    DangerShape,
    Reach,
    Tree,
    WalkNetwork,
    walk_network,
)
from magen.geo.town import Town

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]

_ACTIVE = frozenset(
    {
        AlertCategory.MISSILES,
        AlertCategory.HOSTILE_AIRCRAFT_INTRUSION,
        AlertCategory.TERRORIST_INFILTRATION,
        *HAZARDS,
    }
)


@dataclass(frozen=True)
class ZoneAlert:
    """The official alert in force in one zone (all clear or none: no categories)."""

    categories: frozenset[AlertCategory]
    # The alert's own time to shelter; None means the zone's.
    seconds_to_shelter: int | None = None

    @property
    def active(self) -> frozenset[AlertCategory]:
        return self.categories & _ACTIVE


@dataclass(frozen=True)
class Override:
    """An operator's instruction that changes guidance (issued, or proposed by the engine)."""

    id: str
    kind: OverrideKind
    radius_m: float = 0.0  # for LOCK_IN_NEAR_DANGER: how far beyond the danger area
    danger_area_id: str | None = None
    zone_id: str | None = None


@dataclass(frozen=True)
class GuidanceInputs:
    """Everything guidance depends on."""

    alerts: Mapping[str, ZoneAlert] = field(default_factory=dict)
    danger_areas: tuple[DangerArea, ...] = ()
    shelter_status: Mapping[str, ShelterStatus] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    # Buildings known to have a protected space (mamad/mamak) for every home; None: unknown.
    protected_space: BoolArray | None = None
    # Armed attackers are open somewhere in the town (confirmed, not yet over): nobody gets
    # "no alert"; what counts as open is the caller's to say.
    ground_threat_in_town: bool = False
    # Which danger areas are attackers' (ids; a lock-in drawn by hand counts): in or near one,
    # no other hazard sends anyone out. None: every danger area counts (as every one gets a
    # proposed lock-in).
    ground_threat_areas: frozenset[str] | None = None
    # Where open attackers were last placed with no danger area drawn yet (lon, lat): near
    # one, likewise.
    ground_threat_points: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Policy:
    """Tunable parameters of the guidance policy (the rules themselves are `RULES`)."""

    walking_speed_mps: float = WALKING_SPEED_MPS
    # Time to get out of a flat and down to the street door before the walk starts.
    egress_s: float = 10.0
    # 0: shortest routes; 1: exposure factors as modelled (see magen.geo.streets).
    exposure_weight: float = 1.0
    # A proposed lock-in covers buildings up to this far beyond a danger area; within it of an
    # attackers' area, an open track or a zone locked in whole nobody is sent out for an
    # earthquake, a tsunami or an early warning.
    lock_in_margin_m: float = 300.0
    # Under rocket or aircraft fire, within this of an attackers' area, an open track or a zone
    # locked in whole nobody goes out to a shelter outside the home (a pickup covers it in a
    # minute or two, the time a walk to a shelter and the wait after take).
    fire_keep_in_m: float = 1500.0
    # Without any alert, the nearest shelter is looked up this far (weighted metres).
    routine_horizon_m: float = 1500.0
    usable_statuses: frozenset[ShelterStatus] = frozenset({ShelterStatus.OPEN})
    rules: tuple[Rule, ...] = RULES


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class ProposedOverride:
    """A lock-in the engine recommends; it takes effect only when an operator issues it."""

    override: Override
    danger_area_id: str
    buildings: int  # buildings it would cover
    would_change: int  # of which not already locked in
    zones: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class _Context:
    net: WalkNetwork
    inputs: GuidanceInputs
    policy: Policy
    shapes: dict[str, DangerShape]
    blocking: Blocking
    clear: Blocking
    closed: BoolArray
    clear_closed: BoolArray
    tree: Tree
    clear_tree: Tree
    site_choice: IntArray  # shelter to name for each site (first usable), -1
    zone_categories: tuple[frozenset[AlertCategory], ...]
    zone_budget: FloatArray  # (zones + 1,) seconds to shelter; last entry: outside all zones
    reach: Reach
    # The outlines (local metres) of the zones locked in whole (an official infiltration alert
    # or an operator's zone lock-in): near one, as near attackers, nobody is sent out.
    locked_zone_shapes: tuple[shapely.Geometry, ...] = ()


@dataclass(frozen=True, eq=False)
class GuidanceResult:
    """Guidance for every building (arrays indexed by building) and what to expand it with."""

    action: Int8Array
    reason: Int8Array
    issued_by: Int8Array
    shelter: IntArray  # shelter index, -1
    seconds: FloatArray  # walking time to that shelter including egress, nan if none
    override: IntArray  # index into active_overrides, -1
    active_overrides: tuple[Override, ...]
    proposals: tuple[ProposedOverride, ...]
    context: _Context = field(repr=False)

    def counts(self) -> dict[str, int]:
        """How many buildings get each action."""
        c = np.bincount(self.action.astype(np.int64), minlength=len(Action))
        return {a.key: int(c[a]) for a in Action}


@dataclass(frozen=True)
class ShelterInfo:
    """A shelter as shown in guidance."""

    id: str
    label: str
    name: str
    address: str  # as the shelter list gives it
    category: str
    capacity: int | None
    lon: float
    lat: float
    # The address with its street's Hebrew and Arabic names, "" when the import was not sure.
    address_he: str = ""
    address_ar: str = ""

    def address_in(self, lang: str) -> str:
        """The address for a reader of `lang`: in their script when known, else as listed."""
        local = {"he": self.address_he, "ar": self.address_ar}.get(lang, "")
        return local or self.address


@dataclass(frozen=True)
class Guidance:
    """The full guidance for one building or one point."""

    action: Action
    reason: Reason
    issued_by: IssuedBy
    zone_id: str | None
    building: int | None
    outdoors: bool
    alerts: tuple[str, ...]
    shelter: ShelterInfo | None
    seconds: float | None
    route: tuple[tuple[float, float], ...]  # (lon, lat) from the person to the shelter
    texts: Texts
    authority: Texts  # whose instruction it is, in every language
    override_id: str | None
    proposed_override_ids: tuple[str, ...]


@dataclass(frozen=True)
class ZoneChange:
    """How guidance changed in one zone between two results (one event per zone)."""

    zone_id: str | None
    zone_name: str | None
    buildings: int
    changed: int
    actions: dict[str, int]  # after the change
    reasons: dict[str, int]
    issued_by: dict[str, int]
    transitions: dict[str, int]  # "go_to_shelter->lock_in": count


def decide(
    conditions: Mapping[Condition, BoolArray], size: int, rules: tuple[Rule, ...] = RULES
) -> tuple[Int8Array, Int8Array, Int8Array]:
    """Apply the rules top-down to per-item conditions: action, reason and issued_by."""
    action = np.zeros(size, dtype=np.int8)
    reason = np.zeros(size, dtype=np.int8)
    by = np.zeros(size, dtype=np.int8)
    left = np.ones(size, dtype=bool)
    for rule in rules:
        hit = left.copy()
        for cond in rule.when:
            hit &= conditions[cond]
        action[hit] = rule.action
        reason[hit] = rule.reason
        by[hit] = rule.issued_by
        left &= ~hit
    return action, reason, by


class GuidanceEngine:
    """Computes guidance for a town, caching what does not change between calls."""

    def __init__(self, town: Town, policy: Policy = DEFAULT_POLICY, cache_size: int = 8) -> None:
        self.town = town
        self.policy = policy
        self.net = walk_network(town, policy.exposure_weight)
        self._cache_size = cache_size
        self._trees: OrderedDict[bytes, Tree] = OrderedDict()
        self._areas: OrderedDict[DangerArea, tuple[DangerShape, AreaHits]] = OrderedDict()
        self._near: OrderedDict[tuple[DangerArea, float], IntArray] = OrderedDict()
        self._zone_near: dict[tuple[int, float], IntArray] = {}
        self._zone_xy: tuple[shapely.Geometry, ...] | None = None
        self.stats = {"tree_hits": 0, "tree_updates": 0, "tree_searches": 0}

    # --- cached pieces --------------------------------------------------------------------

    def _area(self, area: DangerArea) -> tuple[DangerShape, AreaHits]:
        hit = self._areas.get(area)
        if hit is None:
            shape = DangerShape.of(self.town, area)
            hit = (shape, self.net.blocked_by(shape))
            self._areas[area] = hit
            while len(self._areas) > 64 * self._cache_size:
                self._areas.popitem(last=False)
        else:
            self._areas.move_to_end(area)
        return hit

    def _areas_of(self, areas: tuple[DangerArea, ...]) -> dict[str, tuple[DangerShape, AreaHits]]:
        """Every area's shape and hits: cached ones looked up, new ones queried together."""
        fresh = [a for a in dict.fromkeys(areas) if a not in self._areas]
        if fresh:
            shapes = [DangerShape.of(self.town, a) for a in fresh]
            for area, shape, hits in zip(
                fresh, shapes, self.net.blocked_by_each(shapes), strict=True
            ):
                self._areas[area] = (shape, hits)
        out = {}
        for a in areas:
            self._areas.move_to_end(a)
            out[a.id] = self._areas[a]
        while len(self._areas) > max(64 * self._cache_size, len(areas)):
            self._areas.popitem(last=False)
        return out

    def _tree(self, blocking: Blocking, closed: BoolArray, limit: float) -> Tree:
        net = self.net
        w = net.weights(blocking, net.sites, closed)
        # The tree depends on the slot weights and the limit only: that is the cache key.
        key = hashlib.blake2b(
            np.float64(limit).tobytes() + w.cost.tobytes(), digest_size=16
        ).digest()
        tree = self._trees.get(key)
        if tree is not None:
            self._trees.move_to_end(key)
            self.stats["tree_hits"] += 1
            return tree
        base = next((t for t in reversed(self._trees.values()) if t.limit == limit), None)
        if base is not None:
            tree = net.update(base, blocking, closed, w)
            self.stats["tree_updates"] += 1
        else:
            tree = net.search(blocking, net.sites, closed, limit, w)
            self.stats["tree_searches"] += 1
        self._trees[key] = tree
        while len(self._trees) > self._cache_size:
            self._trees.popitem(last=False)
        return tree

    def buildings_near(self, area: DangerArea, distance_m: float) -> IntArray:
        """Buildings whose centroid lies within distance_m of a danger area (or inside it)."""
        return self.buildings_near_each([area], distance_m)[0]

    def buildings_near_each(self, areas: list[DangerArea], distance_m: float) -> list[IntArray]:
        """`buildings_near` for several areas (one KD-tree query for the new ones)."""
        fresh = [a for a in dict.fromkeys(areas) if (a, float(distance_m)) not in self._near]
        if fresh:
            shapes = [self._area(a)[0] for a in fresh]
            centres = np.array([[c.x, c.y] for c in (sh.core.centroid for sh in shapes)])
            reach = np.array(
                [
                    float(np.hypot(*(shapely.get_coordinates(sh.core) - centre).T).max())
                    + sh.radius
                    + distance_m
                    for sh, centre in zip(shapes, centres, strict=True)
                ]
            )
            found = self.net.building_kdtree.query_ball_point(centres, reach)
            owner = np.repeat(np.arange(len(fresh)), [len(f) for f in found])
            cand = np.concatenate([np.asarray(f, dtype=np.int64) for f in found])
            cores = np.array([sh.core for sh in shapes], dtype=object)[owner]
            radii = np.array([sh.radius for sh in shapes])[owner]
            gap = shapely.distance(self.net.building_points[cand], cores) - radii
            keep = gap <= distance_m
            for k, area in enumerate(fresh):
                self._near[(area, float(distance_m))] = np.sort(cand[keep & (owner == k)])
            while len(self._near) > max(64 * self._cache_size, len(areas)):
                self._near.popitem(last=False)
        return [self._near[(a, float(distance_m))] for a in areas]

    def zone_shapes(self) -> tuple[shapely.Geometry, ...]:
        """Every zone's outline in the town's local metres (built on first use)."""
        if self._zone_xy is None:
            town = self.town

            def to_xy(c: FloatArray) -> FloatArray:
                return np.column_stack(town.to_xy(c[:, 0], c[:, 1]))

            shapes = tuple(shapely.transform(g, to_xy) for g in town.zones.geometries())
            for g in shapes:
                shapely.prepare(g)
            self._zone_xy = shapes
        return self._zone_xy

    def buildings_near_zone(self, zone: int, distance_m: float) -> IntArray:
        """Buildings whose centroid lies in a zone or within distance_m of its outline."""
        key = (int(zone), float(distance_m))
        hit = self._zone_near.get(key)
        if hit is None:
            shape = self.zone_shapes()[zone]
            x0, y0, x1, y1 = shapely.bounds(shape)
            xy = self.town.buildings.xy
            cand = np.flatnonzero(
                (xy[:, 0] >= x0 - distance_m)
                & (xy[:, 0] <= x1 + distance_m)
                & (xy[:, 1] >= y0 - distance_m)
                & (xy[:, 1] <= y1 + distance_m)
            )
            keep = shapely.dwithin(self.net.building_points[cand], shape, distance_m)
            hit = cand[np.asarray(keep, dtype=bool)]
            self._zone_near[key] = hit
        return hit

    # --- the computation -------------------------------------------------------------------

    def compute(self, inputs: GuidanceInputs) -> GuidanceResult:
        """Guidance for every building of the town."""
        town, net, policy = self.town, self.net, self.policy
        n_zones = len(town.zones)
        categories, budget = self._zones(inputs)
        fire_z = np.array([bool(c & FIRE_CATEGORIES) for c in categories], dtype=bool)
        infil_z = np.array(
            [AlertCategory.TERRORIST_INFILTRATION in c for c in categories], dtype=bool
        )
        hazard_z = _hazard_flags(categories)
        site_usable, site_choice = self._sites(inputs)
        areas = self._areas_of(inputs.danger_areas)
        if len(areas) != len(inputs.danger_areas):
            raise ValueError("danger area ids must be unique")
        shapes = {k: v[0] for k, v in areas.items()}
        blocking = net.blocking([areas[k][1] for k in sorted(areas)])
        clear = net.blocking([])
        closed = net.sites_closed(blocking, site_usable)
        clear_closed = net.sites_closed(clear, site_usable)
        # No route longer than the longest time to shelter in force can matter, so the
        # search stops there; zones without an alert then learn only of shelters that close.
        if fire_z.any():
            fire_budget = float(budget[:n_zones][fire_z[:n_zones]].max())
            limit = fire_budget * policy.walking_speed_mps * net.max_factor
        else:
            limit = policy.routine_horizon_m * net.max_factor
        tree = self._tree(blocking, closed, limit)
        clear_tree = self._tree(clear, clear_closed, limit) if areas else tree
        acc = net.building_access
        reach = net.reach(
            tree,
            acc,
            connector_blocked=blocking.building,
            blocking=blocking,
            closed=closed,
            pairs=net.building_pairs,
        )
        if areas:
            clear_reach = net.reach(
                clear_tree,
                acc,
                connector_blocked=clear.building,
                blocking=clear,
                closed=clear_closed,
                pairs=net.building_pairs,
            )
        else:
            clear_reach = reach
        zb = np.where(town.buildings.zone >= 0, town.buildings.zone, n_zones)
        b_budget = budget[zb]
        seconds = policy.egress_s + reach.length / policy.walking_speed_mps
        clear_seconds = policy.egress_s + clear_reach.length / policy.walking_speed_mps
        active, covered, override_idx = self._overrides(inputs, areas)
        locked_zones = _locked_zones(town, inputs, infil_z[:n_zones])
        size = len(town.buildings)
        protected = (
            np.zeros(size, dtype=bool)
            if inputs.protected_space is None
            else np.asarray(inputs.protected_space, dtype=bool)
        )
        if protected.shape != (size,):
            raise ValueError("protected_space needs one flag per building")
        conditions = {
            Condition.FIRE: fire_z[zb],
            Condition.INFILTRATION: infil_z[zb],
            Condition.OPERATOR_LOCK_IN: covered,
            Condition.PROTECTED_SPACE_AT_HOME: protected,
            Condition.SHELTER_IN_TIME: (reach.site >= 0) & (seconds <= b_budget),
            Condition.SHELTER_IN_TIME_IGNORING_DANGER: (clear_reach.site >= 0)
            & (clear_seconds <= b_budget),
            Condition.GROUND_THREAT_IN_TOWN: np.full(size, inputs.ground_threat_in_town),
            # Only another hazard asks whether attackers are near (no cost without one)...
            Condition.NEAR_GROUND_THREAT: self._near_ground_threat(
                inputs, locked_zones, policy.lock_in_margin_m
            )
            if hazard_z[Condition.HAZARD].any()
            else np.zeros(size, dtype=bool),
            # ... and only fire whether they are within reach.
            Condition.GROUND_THREAT_WITHIN_REACH: self._near_ground_threat(
                inputs, locked_zones, policy.fire_keep_in_m
            )
            if fire_z.any() and inputs.ground_threat_in_town
            else np.zeros(size, dtype=bool),
            **{cond: flags[zb] for cond, flags in hazard_z.items()},
        }
        action, reason, by = decide(conditions, size, policy.rules)
        shows_shelter = (action == Action.GO_TO_SHELTER) | (
            (action == Action.NO_ALERT) & (reach.site >= 0)
        )
        shelter = np.where(shows_shelter, site_choice[np.maximum(reach.site, 0)], -1)
        context = _Context(
            net=net,
            inputs=inputs,
            policy=policy,
            shapes=shapes,
            blocking=blocking,
            clear=clear,
            closed=closed,
            clear_closed=clear_closed,
            tree=tree,
            clear_tree=clear_tree,
            site_choice=site_choice,
            zone_categories=tuple(categories),
            zone_budget=budget,
            reach=reach,
            locked_zone_shapes=tuple(self.zone_shapes()[z] for z in locked_zones)
            if hazard_z[Condition.HAZARD].any() or (fire_z.any() and inputs.ground_threat_in_town)
            else (),
        )
        proposals = self._proposals(inputs, active, action)
        return GuidanceResult(
            action=action,
            reason=reason,
            issued_by=by,
            shelter=shelter.astype(np.int64),
            seconds=np.where(shelter >= 0, seconds, np.nan),
            override=np.where(covered, override_idx, -1).astype(np.int64),
            active_overrides=active,
            proposals=proposals,
            context=context,
        )

    def _ground_areas(self, inputs: GuidanceInputs) -> list[DangerArea]:
        keep = inputs.ground_threat_areas
        return [a for a in inputs.danger_areas if keep is None or a.id in keep]

    def _near_ground_threat(
        self, inputs: GuidanceInputs, locked_zones: list[int], distance_m: float
    ) -> BoolArray:
        """Buildings in, or within `distance_m` of, an attackers' danger area, an open track, or
        a zone locked in whole (its edge is a line on a map, not where attackers stop)."""
        near = np.zeros(len(self.town.buildings), dtype=bool)
        areas = self._ground_areas(inputs)
        for hit in self.buildings_near_each(areas, distance_m):
            near[hit] = True
        for z in locked_zones:
            near[self.buildings_near_zone(z, distance_m)] = True
        if inputs.ground_threat_points:
            lon, lat = np.asarray(inputs.ground_threat_points, dtype=np.float64).T
            xy = np.column_stack(self.town.to_xy(lon, lat))
            found = self.net.building_kdtree.query_ball_point(xy, distance_m)
            for hit in found:
                near[np.asarray(hit, dtype=np.int64)] = True
        return near

    def _zones(self, inputs: GuidanceInputs) -> tuple[list[frozenset[AlertCategory]], FloatArray]:
        zones = self.town.zones
        n = len(zones)
        categories: list[frozenset[AlertCategory]] = [frozenset()] * (n + 1)
        budget = np.append(zones.seconds_to_shelter.astype(np.float64), 0.0)
        for zone_id, alert in inputs.alerts.items():
            z = self.town.zone_positions.get(zone_id)
            if z is None:
                raise ValueError(f"alert for unknown zone {zone_id!r}")
            categories[z] = alert.active
            if alert.seconds_to_shelter is not None and alert.active:
                budget[z] = float(alert.seconds_to_shelter)
        return categories, budget

    def _sites(self, inputs: GuidanceInputs) -> tuple[BoolArray, IntArray]:
        sh = self.town.shelters
        usable = np.ones(len(sh), dtype=bool)
        for sid, status in inputs.shelter_status.items():
            i = self.town.shelter_positions.get(sid)
            if i is None:
                raise ValueError(f"status for unknown shelter {sid!r}")
            usable[i] = status in self.policy.usable_statuses
        m = sh.site_count
        choice = np.full(m, len(sh), dtype=np.int64)
        idx = np.flatnonzero(usable)
        np.minimum.at(choice, sh.site[idx], idx)
        site_usable = choice < len(sh)
        return site_usable, np.where(site_usable, choice, -1)

    def _overrides(
        self,
        inputs: GuidanceInputs,
        areas: Mapping[str, tuple[DangerShape, AreaHits]],
    ) -> tuple[tuple[Override, ...], BoolArray, IntArray]:
        size = len(self.town.buildings)
        covered = np.zeros(size, dtype=bool)
        which = np.full(size, -1, dtype=np.int64)
        by_id = {a.id: a for a in inputs.danger_areas}
        active: list[Override] = []
        for ov in sorted(inputs.overrides, key=lambda o: o.id):
            if ov.kind is OverrideKind.LOCK_IN_NEAR_DANGER:
                area = by_id.get(ov.danger_area_id or "")
                if area is None:
                    continue  # the danger area was lifted: its lock-in lapses with it
                hit = self.buildings_near(area, ov.radius_m)
            else:
                z = self.town.zone_positions.get(ov.zone_id or "")
                if z is None:
                    raise ValueError(f"override {ov.id!r} names unknown zone {ov.zone_id!r}")
                hit = np.flatnonzero(self.town.buildings.zone == z)
            fresh = hit[~covered[hit]]
            which[fresh] = len(active)
            covered[hit] = True
            active.append(ov)
        return tuple(active), covered, which

    def _proposals(
        self, inputs: GuidanceInputs, active: tuple[Override, ...], action: Int8Array
    ) -> tuple[ProposedOverride, ...]:
        issued = {(o.kind, o.danger_area_id) for o in active}
        out: list[ProposedOverride] = []
        zone_ids = self.town.zones.id
        pending = [
            a
            for a in sorted(inputs.danger_areas, key=lambda a: a.id)
            if (OverrideKind.LOCK_IN_NEAR_DANGER, a.id) not in issued
        ]
        nearby = self.buildings_near_each(pending, self.policy.lock_in_margin_m)
        for area, near in zip(pending, nearby, strict=True):
            change = int((action[near] != Action.LOCK_IN).sum())
            if not change:
                continue
            zs = np.unique(self.town.buildings.zone[near])
            out.append(
                ProposedOverride(
                    override=Override(
                        id=f"lock-in-near:{area.id}",
                        kind=OverrideKind.LOCK_IN_NEAR_DANGER,
                        radius_m=self.policy.lock_in_margin_m,
                        danger_area_id=area.id,
                    ),
                    danger_area_id=area.id,
                    buildings=int(near.shape[0]),
                    would_change=change,
                    zones=tuple(str(zone_ids[z]) for z in zs if z >= 0),
                )
            )
        return tuple(out)


def _locked_zones(town: Town, inputs: GuidanceInputs, infiltration: BoolArray) -> list[int]:
    """The zones locked in whole: under an official infiltration alert or an operator's zone
    lock-in (indices, sorted)."""
    zones = set(np.flatnonzero(infiltration).tolist())
    for ov in inputs.overrides:
        if ov.kind is OverrideKind.LOCK_IN_ZONE:
            z = town.zone_positions.get(ov.zone_id or "")
            if z is not None:
                zones.add(z)
    return sorted(zones)


def _hazard_flags(categories: list[frozenset[AlertCategory]]) -> dict[Condition, BoolArray]:
    """Per zone (and outside all zones, last): which kind of other hazard decides there."""
    deciding = [hazard_of(c) for c in categories]
    return {
        cond: np.array([h is not None and h in kinds for h in deciding], dtype=bool)
        for cond, kinds in (
            (Condition.HAZARD, frozenset(HAZARDS)),
            (Condition.HAZARD_GO_OUT, GO_OUT_HAZARDS),
            (Condition.HAZARD_INDOORS, INDOOR_HAZARDS),
            (Condition.HAZARD_NEAR_SHELTER, NEAR_SHELTER_HAZARDS),
        )
    }


def compute_guidance(
    town: Town, inputs: GuidanceInputs, policy: Policy = DEFAULT_POLICY
) -> GuidanceResult:
    """Guidance for every building of a town (no cache kept between calls)."""
    return GuidanceEngine(town, policy).compute(inputs)


# --- expanding one building or point ---------------------------------------------------------


def _shelter_info(town: Town, i: int) -> ShelterInfo:
    sh = town.shelters
    ref = str(sh.ref[i])
    name = str(sh.name[i])
    cap = int(sh.capacity[i])
    return ShelterInfo(
        id=str(sh.id[i]),
        label=ref or name or str(sh.id[i]),
        name=name,
        address=str(sh.address[i]),
        category=str(sh.category[i]),
        capacity=cap if cap > 0 else None,
        lon=float(sh.lonlat[i, 0]),
        lat=float(sh.lonlat[i, 1]),
        address_he=str(sh.address_he[i]),
        address_ar=str(sh.address_ar[i]),
    )


def _assemble(
    town: Town,
    result: GuidanceResult,
    *,
    action: int,
    reason: int,
    by: int,
    zone: int,
    building: int | None,
    outdoors: bool,
    shelter: int,
    seconds: float,
    route_xy: FloatArray,
    override: int,
    proposals: tuple[str, ...],
) -> Guidance:
    ctx = result.context
    cats = ctx.zone_categories[zone] if zone >= 0 else frozenset()
    info = _shelter_info(town, shelter) if shelter >= 0 else None
    r = Reason(reason)
    ground = r in {
        Reason.GROUND_THREAT_NEARBY,
        Reason.GROUND_THREAT_AND_FIRE,
        Reason.GROUND_THREAT_AND_HAZARD,
    }
    values = {"shelter": "", "address": "", "seconds": "", "minutes": ""}
    # Each language names the shelter's street in its own script where the pack knows it.
    addresses: dict[str, dict[str, str]] = {}
    if info is not None:
        values = {
            "shelter": info.label,
            "address": info.name or info.id,
            "seconds": str(math.ceil(seconds)),
            "minutes": str(max(1, math.ceil(seconds / 60))),
        }
        addresses = {
            lang: {"address": info.address_in(lang) or values["address"]} for lang in LANGUAGES
        }
    texts = texts_for(
        r,
        outdoors=outdoors,
        categories=cats,
        ground_threat=ground,
        values=values,
        values_in=addresses,
        threat_in_town=ctx.inputs.ground_threat_in_town,
    )
    route: tuple[tuple[float, float], ...] = ()
    if route_xy.shape[0]:
        lon, lat = town.to_lonlat(route_xy[:, 0], route_xy[:, 1])
        route = tuple(zip(lon.tolist(), lat.tolist(), strict=True))
    return Guidance(
        action=Action(action),
        reason=r,
        issued_by=IssuedBy(by),
        zone_id=str(town.zones.id[zone]) if zone >= 0 else None,
        building=building,
        outdoors=outdoors,
        alerts=tuple(sorted(c.value for c in cats)),
        shelter=info,
        seconds=float(seconds) if info is not None else None,
        route=route,
        texts=texts,
        authority=issued_by_label(IssuedBy(by)),
        override_id=result.active_overrides[override].id if override >= 0 else None,
        proposed_override_ids=proposals,
    )


def _proposals_covering(result: GuidanceResult, xy: FloatArray) -> tuple[str, ...]:
    ctx = result.context
    out = []
    for p in result.proposals:
        shape = ctx.shapes[p.danger_area_id]
        if float(shape.distance(xy)[0]) <= p.override.radius_m:
            out.append(p.override.id)
    return tuple(out)


def building_guidance(town: Town, result: GuidanceResult, building: int) -> Guidance:
    """The full guidance for one building: action, shelter, route and texts."""
    ctx = result.context
    b = int(building)
    shelter = int(result.shelter[b])
    route = np.zeros((0, 2))
    if shelter >= 0:
        reach = ctx.reach
        route = ctx.net.route_xy(
            ctx.tree, ctx.net.building_access, b, int(reach.side[b]), int(reach.site[b])
        )
    return _assemble(
        town,
        result,
        action=int(result.action[b]),
        reason=int(result.reason[b]),
        by=int(result.issued_by[b]),
        zone=int(town.buildings.zone[b]),
        building=b,
        outdoors=False,
        shelter=shelter,
        seconds=float(result.seconds[b]),
        route_xy=route,
        override=int(result.override[b]),
        proposals=_proposals_covering(result, town.buildings.xy[b : b + 1]),
    )


def _point_near_threat(town: Town, ctx: _Context, xy: FloatArray, distance_m: float) -> bool:
    """Whether a point (local metres) is in, or within `distance_m` of, an attackers' danger
    area, an open track or a zone locked in whole (as `_near_ground_threat` for buildings)."""
    inputs = ctx.inputs
    return (
        any(
            float(ctx.shapes[a.id].distance(xy)[0]) <= distance_m
            for a in inputs.danger_areas
            if inputs.ground_threat_areas is None or a.id in inputs.ground_threat_areas
        )
        or any(
            math.hypot(float(px) - float(xy[0, 0]), float(py) - float(xy[0, 1])) <= distance_m
            for px, py in (town.to_xy(lon_, lat_) for lon_, lat_ in inputs.ground_threat_points)
        )
        or any(
            bool(shapely.dwithin(shape, shapely.points(xy[0]), distance_m))
            for shape in ctx.locked_zone_shapes
        )
    )


def point_guidance(town: Town, result: GuidanceResult, lon: float, lat: float) -> Guidance:
    """The full guidance for someone at a WGS84 point (inside a building: that building's)."""
    b = town.building_at(lon, lat)
    if b is not None:
        return building_guidance(town, result, b)
    ctx = result.context
    net, policy = ctx.net, ctx.policy
    acc: Access = net.point_access(lon, lat)
    shapes = [ctx.shapes[k] for k in sorted(ctx.shapes)]
    cb = net.connector_blocked(acc, shapes)
    reach = net.reach(ctx.tree, acc, connector_blocked=cb, blocking=ctx.blocking, closed=ctx.closed)
    clear_reach = net.reach(
        ctx.clear_tree,
        acc,
        connector_blocked=np.zeros(1, dtype=bool),
        blocking=ctx.clear,
        closed=ctx.clear_closed,
    )
    zone = int(town.zone_index(lon, lat)[0])
    cats = ctx.zone_categories[zone] if zone >= 0 else frozenset()
    budget = float(ctx.zone_budget[zone]) if zone >= 0 else 0.0
    seconds = float(reach.length[0]) / policy.walking_speed_mps
    clear_seconds = float(clear_reach.length[0]) / policy.walking_speed_mps
    xy = acc.origin
    override = -1
    for i, ov in enumerate(result.active_overrides):
        if ov.kind is OverrideKind.LOCK_IN_NEAR_DANGER:
            shape = ctx.shapes.get(ov.danger_area_id or "")
            hit = shape is not None and float(shape.distance(xy)[0]) <= ov.radius_m
        else:
            hit = zone >= 0 and str(town.zones.id[zone]) == ov.zone_id
        if hit:
            override = i
            break

    def flag(value: bool) -> BoolArray:
        return np.array([value])

    hazards = {cond: flags[0] for cond, flags in _hazard_flags([cats]).items()}
    fire = bool(cats & FIRE_CATEGORIES)
    near_threat = bool(hazards[Condition.HAZARD]) and _point_near_threat(
        town, ctx, xy, policy.lock_in_margin_m
    )
    within_reach = (
        fire
        and ctx.inputs.ground_threat_in_town
        and _point_near_threat(town, ctx, xy, policy.fire_keep_in_m)
    )

    conditions = {
        Condition.FIRE: flag(fire),
        Condition.INFILTRATION: flag(AlertCategory.TERRORIST_INFILTRATION in cats),
        Condition.OPERATOR_LOCK_IN: flag(override >= 0),
        Condition.PROTECTED_SPACE_AT_HOME: flag(False),
        Condition.SHELTER_IN_TIME: flag(bool(reach.site[0] >= 0 and seconds <= budget)),
        Condition.SHELTER_IN_TIME_IGNORING_DANGER: flag(
            bool(clear_reach.site[0] >= 0 and clear_seconds <= budget)
        ),
        Condition.GROUND_THREAT_IN_TOWN: flag(ctx.inputs.ground_threat_in_town),
        Condition.NEAR_GROUND_THREAT: flag(near_threat),
        Condition.GROUND_THREAT_WITHIN_REACH: flag(within_reach),
        **{cond: flag(bool(v)) for cond, v in hazards.items()},
    }
    action, reason, by = decide(conditions, 1, policy.rules)
    site = int(reach.site[0])
    shows = action[0] == Action.GO_TO_SHELTER or (action[0] == Action.NO_ALERT and site >= 0)
    shelter = int(ctx.site_choice[site]) if shows else -1
    route = (
        net.route_xy(ctx.tree, acc, 0, int(reach.side[0]), site)
        if shelter >= 0
        else np.zeros((0, 2))
    )
    return _assemble(
        town,
        result,
        action=int(action[0]),
        reason=int(reason[0]),
        by=int(by[0]),
        zone=zone,
        building=None,
        outdoors=True,
        shelter=shelter,
        seconds=seconds,
        route_xy=route,
        override=override,
        proposals=_proposals_covering(result, xy),
    )


# --- changes by zone --------------------------------------------------------------------------


def _tally(keys: IntArray, names: list[str]) -> dict[str, int]:
    c = np.bincount(keys, minlength=len(names))
    return {names[i]: int(c[i]) for i in range(len(names)) if c[i]}


def diff_by_zone(
    town: Town, before: GuidanceResult | None, after: GuidanceResult
) -> list[ZoneChange]:
    """Per-zone summaries of what changed from one result to the next (before None: all new).

    A building changed if its action, reason, authority or shelter changed; a new walking time
    to the same shelter is not a change of guidance.
    """
    size = len(town.buildings)
    if before is None:
        changed = np.ones(size, dtype=bool)
        prev = np.full(size, -1, dtype=np.int64)
    else:
        changed = (
            (before.action != after.action)
            | (before.reason != after.reason)
            | (before.issued_by != after.issued_by)
            | (before.shelter != after.shelter)
        )
        prev = before.action.astype(np.int64)
    n_zones = len(town.zones)
    zb = np.where(town.buildings.zone >= 0, town.buildings.zone, n_zones)
    per_zone = np.bincount(zb, minlength=n_zones + 1)
    n_changed = np.bincount(zb[changed], minlength=n_zones + 1)
    actions = [a.key for a in Action]
    reasons = [r.key for r in Reason]
    issuers = [i.key for i in IssuedBy]
    out: list[ZoneChange] = []
    for z in np.flatnonzero(n_changed):
        in_zone = zb == z
        moved = in_zone & changed
        trans: dict[str, int] = {}
        pairs, counts = np.unique(
            np.stack([prev[moved], after.action[moved].astype(np.int64)]),
            axis=1,
            return_counts=True,
        )
        for (a, b), k in zip(pairs.T.tolist(), counts.tolist(), strict=True):
            src = actions[a] if a >= 0 else "none"
            trans[f"{src}->{actions[b]}"] = int(k)
        out.append(
            ZoneChange(
                zone_id=str(town.zones.id[z]) if z < n_zones else None,
                zone_name=str(town.zones.name[z]) if z < n_zones else None,
                buildings=int(per_zone[z]),
                changed=int(n_changed[z]),
                actions=_tally(after.action[in_zone].astype(np.int64), actions),
                reasons=_tally(after.reason[in_zone].astype(np.int64), reasons),
                issued_by=_tally(after.issued_by[in_zone].astype(np.int64), issuers),
                transitions=trans,
            )
        )
    return out
