"""The guidance service: the town's guidance kept in step with the log, published per zone.

Inputs are derived from the state alone (`derive_inputs`): official alerts per zone, danger
areas, shelter statuses and operator overrides in force at the log's own time, the
`recorded_at` of the latest event applied. Guidance is therefore a function of the log: a
replay to the same position gives the same guidance. Only alert, danger-area, shelter and
override events (or the log's time passing an expiry or a scheduled start) mark it stale;
anything else (sightings, SOS, guidance records) leaves it as it is. A stale guidance is
recomputed when first read and, in the background, published as `GuidanceChanged` events,
one per zone whose counts changed, never one per building.

Whether a ground threat is open anywhere in the town is derived here too, for the engine's
stay-inside rule: an active danger area for armed attackers or a hostage situation, an
operator's lock-in, an infiltration alert in one of the town's zones, or a threat track that is
neither closed nor merged and is confirmed (by an operator, or reported by a verified
responder). A single unconfirmed report never puts the town indoors: reports made a whole town
look overrun in Ofakim. A stale track still counts: attackers who stop being reported are often
hiding in a house. So a lifted danger area leaves its buildings inside with the door locked
while its track is open, never "no alert"; track acts and verified sightings mark guidance
stale as alert events do.

The engine (`magen.geo.guidance`) models rocket, aircraft and infiltration alerts, the other
official hazards (early warning, earthquake, tsunami, hazardous materials, radiological: each
with its own action, reconciled with any ground threat by the rules) and operator lock-ins.
Where a hazard's own instruction holds unchanged, the alert's own words (title and
instruction) are shown; where a ground threat changes it, the engine's reconciled words are.
One thing the engine does not model is laid over its result here: an operator's "stay in your
home's protected space" replaces trips to public shelters where it applies.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from magen.app.service import Service
from magen.domain.alerts import (
    ACTION_HEADLINES,
    CATEGORY_TITLES,
    OVERRIDE_TITLES,
    AlertCategory,
    AlertEnded,
    AlertIssued,
    Alerts,
    AlertUpdated,
    Circle,
    DangerAreaDeclared,
    DangerAreaLifted,
    DangerAreaUpdated,
    DangerReason,
    GuidanceAction,
    GuidanceOverride,
    GuidanceOverrideCleared,
    GuidanceOverrideIssued,
    GuidanceReason,
    Lang,
    LocalText,
    OverrideAction,
    Polygon,
    RecordGuidanceChanges,
    ShelterStatusChanged,
    ZoneGuidanceSummary,
)
from magen.domain.base import SYSTEM, Event, Recorded
from magen.domain.errors import Conflict, DomainError
from magen.domain.picture import (
    Picture,
    TrackConfirmed,
    TrackDismissed,
    TrackNeutralised,
    TrackReopened,
    TracksMerged,
    TrackSplit,
)
from magen.domain.reports import ThreatSighted
from magen.domain.state import State
from magen.domain.values import SourceTier
from magen.geo import policy as gp
from magen.geo.guidance import (
    Guidance,
    GuidanceEngine,
    GuidanceInputs,
    GuidanceResult,
    Override,
    ProposedOverride,
    ZoneAlert,
    building_guidance,
    point_guidance,
)
from magen.geo.routing import DangerArea, DangerShape
from magen.geo.town import Town
from magen.store.base import LogUnavailable

log = logging.getLogger("magen.guidance")

Int8Array = npt.NDArray[np.int8]
IntArray = npt.NDArray[np.int64]

# What makes guidance stale, and the reason recorded with the change.
TRIGGERS: dict[type[Event], GuidanceReason] = {
    AlertIssued: GuidanceReason.OFFICIAL_ALERT,
    AlertUpdated: GuidanceReason.OFFICIAL_ALERT,
    AlertEnded: GuidanceReason.ALL_CLEAR,
    DangerAreaDeclared: GuidanceReason.DANGER_AREA,
    DangerAreaUpdated: GuidanceReason.DANGER_AREA,
    DangerAreaLifted: GuidanceReason.DANGER_AREA_LIFTED,
    ShelterStatusChanged: GuidanceReason.SHELTER_STATUS,
    GuidanceOverrideIssued: GuidanceReason.OPERATOR_OVERRIDE,
    GuidanceOverrideCleared: GuidanceReason.OVERRIDE_CLEARED,
    # Whether a ground threat is open in the town (a verified sighting: see `_on_event`).
    TrackConfirmed: GuidanceReason.THREAT_PICTURE,
    TrackDismissed: GuidanceReason.THREAT_PICTURE,
    TrackNeutralised: GuidanceReason.THREAT_PICTURE,
    TrackReopened: GuidanceReason.THREAT_PICTURE,
    TracksMerged: GuidanceReason.THREAT_PICTURE,
    TrackSplit: GuidanceReason.THREAT_PICTURE,
}
# Danger areas that are ground threats (an impact site or a fire does not keep a town indoors;
# an area declared for a threat track does, whatever its reason).
_GROUND_DANGERS = frozenset({DangerReason.ARMED_ATTACKERS, DangerReason.HOSTAGE_SITUATION})

# Official alert types the engine decides on (an unconventional missile is still rocket fire:
# into the protected space within the zone's time).
_ENGINE_CATEGORY: dict[AlertCategory, gp.AlertCategory] = {
    AlertCategory.MISSILES: gp.AlertCategory.MISSILES,
    AlertCategory.UNCONVENTIONAL_MISSILE: gp.AlertCategory.MISSILES,
    AlertCategory.HOSTILE_AIRCRAFT_INTRUSION: gp.AlertCategory.HOSTILE_AIRCRAFT_INTRUSION,
    AlertCategory.TERRORIST_INFILTRATION: gp.AlertCategory.TERRORIST_INFILTRATION,
    AlertCategory.EARTHQUAKE: gp.AlertCategory.EARTHQUAKE,
    AlertCategory.TSUNAMI: gp.AlertCategory.TSUNAMI,
    AlertCategory.RADIOLOGICAL_EVENT: gp.AlertCategory.RADIOLOGICAL_EVENT,
    AlertCategory.HAZARDOUS_MATERIALS: gp.AlertCategory.HAZARDOUS_MATERIALS,
    AlertCategory.EARLY_WARNING: gp.AlertCategory.EARLY_WARNING,
}
_HAZARD_CATEGORIES = frozenset(gp.HAZARDS)
# Alerts whose own action could send someone out of doors near attackers (to a shelter, to
# open ground): where they hold, where the open tracks are counts.
_SENDS_OUT = _HAZARD_CATEGORIES | gp.FIRE_CATEGORIES
# The other hazards, with the action their own instruction amounts to (the engine's rule for
# each when no ground threat changes it); where several are in force, the engine's order
# (`gp.HAZARDS`) says which decides, and that alert's words are shown.
_OFFICIAL_ONLY: dict[AlertCategory, GuidanceAction] = {
    AlertCategory.EARTHQUAKE: GuidanceAction.EVACUATE,
    AlertCategory.TSUNAMI: GuidanceAction.EVACUATE,
    AlertCategory.RADIOLOGICAL_EVENT: GuidanceAction.STAY_IN_PROTECTED_SPACE,
    AlertCategory.HAZARDOUS_MATERIALS: GuidanceAction.STAY_IN_PROTECTED_SPACE,
    AlertCategory.EARLY_WARNING: GuidanceAction.STAY_NEAR_PROTECTED_SPACE,
}
_HAZARD_RANK = {c: gp.HAZARDS.index(_ENGINE_CATEGORY[c]) for c in _OFFICIAL_ONLY}

ACTIONS: tuple[GuidanceAction, ...] = tuple(GuidanceAction)
_ACTION_CODE = {a: i for i, a in enumerate(ACTIONS)}
_FROM_ENGINE = np.array(
    [
        _ACTION_CODE[
            {
                gp.Action.NO_ALERT: GuidanceAction.ROUTINE,
                gp.Action.GO_TO_SHELTER: GuidanceAction.GO_TO_SHELTER,
                gp.Action.STAY_IN_PROTECTED_SPACE: GuidanceAction.STAY_IN_PROTECTED_SPACE,
                gp.Action.LOCK_IN: GuidanceAction.LOCK_IN,
                gp.Action.STAY_INSIDE: GuidanceAction.STAY_INSIDE,
                gp.Action.EVACUATE: GuidanceAction.EVACUATE,
                gp.Action.STAY_NEAR_PROTECTED_SPACE: GuidanceAction.STAY_NEAR_PROTECTED_SPACE,
            }[a]
        ]
        for a in gp.Action
    ],
    dtype=np.int8,
)
ISSUERS: tuple[str, ...] = tuple(i.key for i in gp.IssuedBy)

# Ids of the engine's proposals and of the pieces an override is split into.
PROPOSAL_PREFIX = "lock-in-near:"
_PART = "#"
# Buildings whose full guidance (route, texts) is kept between requests, per recompute.
_BUILDING_CACHE = 4096
# Answers kept by `view_at` (a few kB each) before the store is emptied.
_VIEW_CACHE = 4096
GUIDANCE_NAMESPACE = uuid.UUID("3f0c2a9e-6b1d-4c7a-9e25-8d4f6a1b0c37")


# --- inputs from state ----------------------------------------------------------------------


@dataclass(frozen=True)
class StayOrder:
    """An operator's order to stay in the home's protected space (not modelled by the engine)."""

    override_id: str
    zone_ids: tuple[str, ...]
    area: DangerArea | None


@dataclass(frozen=True)
class Derived:
    """Everything guidance depends on, derived from the state at one time."""

    inputs: GuidanceInputs
    # zone id -> (action, alert id): the other hazard that decides in the zone, and its alert
    official_only: dict[str, tuple[GuidanceAction, str]] = field(default_factory=dict)
    stay_orders: tuple[StayOrder, ...] = ()
    # When the derivation next changes by time alone (an expiry or a scheduled start), and why.
    next_change: tuple[datetime, GuidanceReason] | None = None


def engine_area(area_id: str, area: Circle | Polygon, grow_m: float = 0.0) -> DangerArea:
    """A domain area (circle or polygon) as the engine's danger area."""
    if isinstance(area, Circle):
        return DangerArea(area_id, area.lon, area.lat, area.radius_m + grow_m)
    lon, lat = area.ring[0]
    return DangerArea(area_id, lon, lat, grow_m, polygon=area.ring)


def _override_owner(engine_id: str) -> str:
    return engine_id.split(_PART, 1)[0]


def _alert_inputs(
    alerts: Alerts, zone_ids: set[str], now: datetime
) -> tuple[dict[str, ZoneAlert], dict[str, tuple[GuidanceAction, str]], list[datetime]]:
    categories: dict[str, set[gp.AlertCategory]] = {}
    seconds: dict[str, int] = {}
    official_only: dict[str, tuple[GuidanceAction, str]] = {}
    expiries: list[datetime] = []
    for alert in sorted(alerts.active_alerts(now), key=lambda a: a.messages[0].position):
        if alert.expires_at is not None:
            expiries.append(alert.expires_at)
        for z in alert.active_zones:
            if z not in zone_ids:
                continue  # another town's zone
            cat = _ENGINE_CATEGORY[alert.category]
            action = _OFFICIAL_ONLY.get(alert.category)
            if action is not None:
                held = official_only.get(z)
                rank = _HAZARD_RANK[alert.category]
                if held is None or rank < _HAZARD_RANK[alerts.alerts[held[1]].category]:
                    official_only[z] = (action, alert.alert_id)
            categories.setdefault(z, set()).add(cat)
            s = alert.seconds_to_shelter.get(z)
            if s is not None and cat in gp.FIRE_CATEGORIES:
                seconds[z] = min(s, seconds.get(z, s))
    zone_alerts = {
        z: ZoneAlert(frozenset(cats), seconds.get(z)) for z, cats in sorted(categories.items())
    }
    return zone_alerts, official_only, expiries


def _override_inputs(
    alerts: Alerts, zone_ids: set[str], now: datetime, margin_m: float
) -> tuple[list[Override], list[StayOrder], list[DangerArea], list[datetime], list[str]]:
    """The overrides in force as the engine takes them: its overrides, the stay orders, the
    areas they draw (danger areas to the engine), when one ends, and which of those areas are
    hand-drawn lock-ins (ground threats: nobody is sent out near one for another hazard)."""
    overrides: list[Override] = []
    stays: list[StayOrder] = []
    dangers: list[DangerArea] = []
    expiries: list[datetime] = []
    locked: list[str] = []
    for o in sorted(alerts.active_overrides(now), key=lambda o: o.override_id):
        if o.expires_at is not None:
            expiries.append(o.expires_at)
        zones = tuple(z for z in o.zone_ids if z in zone_ids)
        if o.action is OverrideAction.STAY_IN_PROTECTED_SPACE:
            area = engine_area(f"{o.override_id}{_PART}area", o.area) if o.area else None
            stays.append(StayOrder(o.override_id, zones, area))
        elif o.action is OverrideAction.AVOID_AREA:
            # Keeping people away is what a danger area does to routes.
            if o.area is not None:
                dangers.append(engine_area(f"{o.override_id}{_PART}avoid", o.area))
        elif (o.proposal_id or "").startswith(PROPOSAL_PREFIX):
            # A confirmed proposal: the engine's own lock-in around that danger area, which
            # lapses with the area (its area on the wire is the same circle, for CAP).
            overrides.append(
                Override(
                    id=o.override_id,
                    kind=gp.OverrideKind.LOCK_IN_NEAR_DANGER,
                    radius_m=margin_m,
                    danger_area_id=(o.proposal_id or "").removeprefix(PROPOSAL_PREFIX),
                )
            )
        else:
            overrides += [
                Override(f"{o.override_id}{_PART}{z}", gp.OverrideKind.LOCK_IN_ZONE, zone_id=z)
                for z in zones
            ]
            if o.area is not None:
                # A lock-in drawn by hand is the engine's lock-in around the area itself
                # (within 0 m), and, like a danger area, nobody is routed through it.
                area_id = f"{o.override_id}{_PART}area"
                dangers.append(engine_area(area_id, o.area))
                locked.append(area_id)
                overrides.append(
                    Override(area_id, gp.OverrideKind.LOCK_IN_NEAR_DANGER, danger_area_id=area_id)
                )
    return overrides, stays, dangers, expiries, locked


def open_threat_tracks(state: State, now: datetime) -> list[tuple[float, float]]:
    """Where the town's open, confirmed threat tracks are (lon, lat): neither closed nor
    merged (stale ones included: attackers who stop being reported may be hiding in a house),
    and confirmed by an operator or reported by a verified responder. A track of unconfirmed
    reports alone is left out, however many there are."""
    picture = state.slice(Picture)
    if not picture.sightings_seen:
        return []
    return [
        (t.lon, t.lat)
        for t in picture.fuser.tracks(now)
        if t.open and (t.confirmed or t.confidence.verified > 0)
    ]


def ground_dangers(alerts: Alerts, now: datetime) -> list[tuple[str, Circle | Polygon]]:
    """The active danger areas that are ground threats (id, area), by id."""
    return [
        (d.area_id, d.area)
        for d in sorted(alerts.danger_areas.values(), key=lambda d: d.area_id)
        if d.is_active(now) and (d.reason in _GROUND_DANGERS or d.threat_id is not None)
    ]


def _locks_in(o: GuidanceOverride, alerts: Alerts, now: datetime) -> bool:
    """Whether an override in force is a lock-in that still holds (a confirmed proposal's
    lapses with its danger area)."""
    if o.action is not OverrideAction.LOCK_IN:
        return False
    if not (o.proposal_id or "").startswith(PROPOSAL_PREFIX):
        return True
    area = alerts.danger_areas.get((o.proposal_id or "").removeprefix(PROPOSAL_PREFIX))
    return area is not None and area.is_active(now)


def derive_inputs(state: State, town: Town, now: datetime, margin_m: float) -> Derived:
    """The guidance inputs the state asks for at `now` (pure)."""
    alerts = state.slice(Alerts)
    zone_ids = {str(z) for z in town.zones.id}
    shelter_ids = {str(s) for s in town.shelters.id}
    zone_alerts, official_only, alert_ends = _alert_inputs(alerts, zone_ids, now)
    dangers: list[DangerArea] = []
    starts: list[datetime] = []
    for d in sorted(alerts.danger_areas.values(), key=lambda d: d.area_id):
        if d.lifted_at is None and d.starts_at > now:
            starts.append(d.starts_at)
        elif d.lifted_at is None:
            dangers.append(engine_area(d.area_id, d.area))
    overrides, stays, drawn, override_ends, locked = _override_inputs(
        alerts, zone_ids, now, margin_m
    )
    tracks = open_threat_tracks(state, now)
    ground_threat = (
        bool(ground_dangers(alerts, now))
        or any(_locks_in(o, alerts, now) for o in alerts.active_overrides(now))
        or any(
            gp.AlertCategory.TERRORIST_INFILTRATION in a.categories for a in zone_alerts.values()
        )
        or bool(tracks)
    )
    statuses = {
        sid: gp.ShelterStatus(s.status.value)
        for sid, s in sorted(alerts.shelters.items())
        if sid in shelter_ids
    }
    inputs = GuidanceInputs(
        alerts=zone_alerts,
        danger_areas=(*dangers, *drawn),
        shelter_status=statuses,
        overrides=tuple(overrides),
        ground_threat_in_town=ground_threat,
        # Attackers' danger areas, and the areas of lock-ins an operator drew by hand: the
        # lock-in stops at its edge, the attackers need not (Ofakim), so nobody just outside it
        # is sent out for an earthquake, a tsunami or an early warning either.
        ground_threat_areas=frozenset(
            [*(area_id for area_id, _ in ground_dangers(alerts, now)), *locked]
        ),
        # Where the open tracks are, only where fire or another hazard could send people out
        # near one (elsewhere their moving positions would recompute guidance for nothing).
        # Under fire an attackers' group seen but not yet drawn round is what keeps people in.
        ground_threat_points=tuple((round(lon, 6), round(lat, 6)) for lon, lat in tracks)
        if any(_SENDS_OUT & a.categories for a in zone_alerts.values())
        else (),
    )
    return Derived(
        inputs=inputs,
        official_only=official_only,
        stay_orders=tuple(stays),
        next_change=min(
            (
                (t, why)
                for times, why in (
                    (alert_ends, GuidanceReason.ALERT_EXPIRED),
                    (starts, GuidanceReason.DANGER_AREA),
                    (override_ends, GuidanceReason.OVERRIDE_CLEARED),
                )
                for t in times
                if t > now
            ),
            default=None,
        ),
    )


# --- one computed guidance --------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GuidanceSnapshot:
    """The guidance of every building at one log position, with what it was computed from."""

    position: int  # the log position the inputs were derived at
    as_of: datetime  # the log's time there
    version: int  # grows whenever guidance is recomputed
    derived: Derived
    result: GuidanceResult
    action: Int8Array  # index into ACTIONS, per building
    issued_by: Int8Array  # index into ISSUERS
    shelter: IntArray  # shelter index shown (the route's end, or the nearest when routine), -1
    override: IntArray  # index into override_ids, -1
    override_ids: tuple[str, ...]
    official: IntArray  # index into official_ids (alerts the engine does not model), -1
    official_ids: tuple[str, ...]

    def zone_counts(self, town: Town) -> dict[str, dict[GuidanceAction, int]]:
        """Buildings per action in each zone."""
        n_zones = len(town.zones)
        zone = town.buildings.zone
        inside = zone >= 0
        table = np.zeros((n_zones, len(ACTIONS)), dtype=np.int64)
        np.add.at(table, (zone[inside], self.action[inside].astype(np.int64)), 1)
        return {
            str(town.zones.id[z]): {ACTIONS[a]: int(table[z, a]) for a in np.flatnonzero(table[z])}
            for z in range(n_zones)
        }


@dataclass(frozen=True, eq=False)
class _Overlaid:
    action: Int8Array
    issued_by: Int8Array
    shelter: IntArray
    override: IntArray
    override_ids: tuple[str, ...]
    official: IntArray
    official_ids: tuple[str, ...]


def _overlay(
    town: Town, engine: GuidanceEngine, derived: Derived, result: GuidanceResult
) -> _Overlaid:
    size = len(town.buildings)
    action = _FROM_ENGINE[result.action.astype(np.int64)]
    issued_by = result.issued_by.astype(np.int8)
    override_ids = tuple(dict.fromkeys(_override_owner(o.id) for o in result.active_overrides))
    index = {oid: i for i, oid in enumerate(override_ids)}
    engine_to_owner = np.array(
        [index[_override_owner(o.id)] for o in result.active_overrides] + [-1], dtype=np.int64
    )
    override = engine_to_owner[result.override]
    routine = _ACTION_CODE[GuidanceAction.ROUTINE]
    inside = _ACTION_CODE[GuidanceAction.STAY_INSIDE]
    official = np.full(size, -1, dtype=np.int64)
    official_ids = tuple(dict.fromkeys(a for _, a in derived.official_only.values()))
    if derived.official_only:
        # Which hazard alert each building's guidance speaks of (the engine decided the action,
        # reconciling it with any ground threat).
        zone_of = {str(z): i for i, z in enumerate(town.zones.id)}
        hazard = np.isin(result.reason, [r.value for r in gp.HAZARD_REASONS])
        for zid, (_, alert_id) in derived.official_only.items():
            hit = (town.buildings.zone == zone_of[zid]) & hazard
            official[hit] = official_ids.index(alert_id)
    if derived.stay_orders:
        movable = (
            (action == routine)
            | (action == inside)
            | (action == _ACTION_CODE[GuidanceAction.GO_TO_SHELTER])
        )
        for order in derived.stay_orders:
            hit = _stay_cover(town, engine, order) & movable
            if order.override_id not in index:
                index[order.override_id] = len(override_ids)
                override_ids = (*override_ids, order.override_id)
            action[hit] = _ACTION_CODE[GuidanceAction.STAY_IN_PROTECTED_SPACE]
            issued_by[hit] = gp.IssuedBy.OPERATOR_OVERRIDE
            override[hit] = index[order.override_id]
            movable &= ~hit
    shown = (action == routine) | (action == _ACTION_CODE[GuidanceAction.GO_TO_SHELTER])
    shelter = np.where(shown, result.shelter, -1).astype(np.int64)
    return _Overlaid(action, issued_by, shelter, override, override_ids, official, official_ids)


def _stay_cover(town: Town, engine: GuidanceEngine, order: StayOrder) -> npt.NDArray[np.bool_]:
    zone_of = {str(z): i for i, z in enumerate(town.zones.id)}
    cover = np.isin(town.buildings.zone, [zone_of[z] for z in order.zone_ids])
    if order.area is not None:
        cover[engine.buildings_near(order.area, 0.0)] = True
    return cover


# --- the service -------------------------------------------------------------------------


class GuidanceService:
    """Holds a town's guidance, recomputes it when the log asks, and publishes it per zone."""

    def __init__(
        self,
        service: Service,
        town: Town,
        *,
        engine: GuidanceEngine | None = None,
        publish: bool = True,
    ) -> None:
        self.service = service
        self.town = town
        self.engine = engine or GuidanceEngine(town)
        self.publish = publish
        self.recomputes = 0
        self.recompute_ms: list[float] = []
        self._as_of = self._log_time()
        self._snapshot: GuidanceSnapshot | None = None
        self._stale: GuidanceReason | None = GuidanceReason.TOWN_CHANGED
        self._next_change: tuple[datetime, GuidanceReason] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._again = False
        self._ticker: asyncio.Task[None] | None = None
        self._building_cache: dict[tuple[int, int], Guidance] = {}
        # Answers at a point, by everything they read (`view_at`).
        self._views: dict[tuple[Any, ...], dict[str, Any]] = {}
        # The open ground threats' shapes and track points, at (log position, log time).
        self._threats: (
            tuple[tuple[int, datetime], list[DangerShape], npt.NDArray[np.float64]] | None
        ) = None

    @classmethod
    def attach(cls, service: Service, town: Town, *, publish: bool = True) -> GuidanceService:
        """A guidance service following `service` from its current position."""
        guidance = cls(service, town, publish=publish)
        service.add_listener(guidance._on_event)
        guidance.warm()
        guidance.current()
        if publish:
            # Whatever the log holds that no guidance record reflects yet (a changed town
            # pack, alerts entered while no server ran) is published once at start.
            guidance._mark_stale(GuidanceReason.TOWN_CHANGED)
        return guidance

    def warm(self) -> None:
        """Build the map's search indices now, not on the first danger area or request."""
        # On the full Jerusalem pack these take about 0.3 s; during an attack that is the
        # first danger area's recompute, so it is paid at start-up instead.
        net = self.engine.net
        _ = (net.street_index, net.building_index, net.shelter_index)
        lon, lat = self.town.projection.lon_0, self.town.projection.lat_0
        self.town.building_at(lon, lat)
        self.town.access(lon, lat)

    def _log_time(self) -> datetime:
        pos = self.service.state.position
        last = next(self.service.read_positions((pos,)), None) if pos else None
        return last.recorded_at if last is not None else self.service.clock.now()

    # --- following the log ----------------------------------------------------------------

    def _on_event(self, recorded: Recorded, state: State) -> None:
        self._as_of = max(self._as_of, recorded.recorded_at)
        event = recorded.event
        reason = TRIGGERS.get(type(event))
        if (
            reason is None
            and isinstance(event, ThreatSighted)
            and event.tier is SourceTier.VERIFIED
            and not self._ground_threat_known()
        ):
            # A responder's sighting confirms a threat (once one is known, more cannot add).
            reason = GuidanceReason.THREAT_PICTURE
        due = self._next_change
        if reason is None and due is not None and recorded.recorded_at >= due[0]:
            reason = due[1]
        if reason is not None:
            self._mark_stale(reason)

    def _ground_threat_known(self) -> bool:
        snap = self._snapshot
        return snap is not None and snap.derived.inputs.ground_threat_in_town

    def nearest_threat_m(self, lon: float, lat: float) -> float | None:
        """How far the nearest open ground threat is from a point (metres; 0 inside a danger
        area), or None with none known. Read from the state at its current position."""
        state = self.service.state
        key = (state.position, self._as_of)
        if self._threats is None or self._threats[0] != key:
            alerts = state.slice(Alerts)
            shapes = [
                DangerShape.of(self.town, engine_area(area_id, area))
                for area_id, area in ground_dangers(alerts, self._as_of)
            ]
            points = open_threat_tracks(state, self._as_of)
            xy = (
                np.column_stack(self.town.to_xy(*np.asarray(points, dtype=np.float64).T))
                if points
                else np.zeros((0, 2))
            )
            self._threats = (key, shapes, xy)
        _, shapes, xy = self._threats
        x, y = self.town.to_xy(lon, lat)
        here = np.array([[float(x), float(y)]])
        found = [float(sh.distance(here)[0]) for sh in shapes]
        if xy.shape[0]:
            found.append(float(np.hypot(*(xy - here).T).min()))
        return max(0.0, min(found)) if found else None

    def _mark_stale(self, reason: GuidanceReason) -> None:
        self._stale = reason
        if not self.publish:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # replaying at start-up: `current()` recomputes when first asked
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush())
        else:
            self._again = True

    def tick(self, now: datetime) -> None:
        """Let the clock pass: recompute if an alert or override expired, or an area started."""
        due = self._next_change
        if due is not None and now >= due[0]:
            self._as_of = max(self._as_of, now)
            self._mark_stale(due[1])

    async def run_ticker(self, every_s: float = 1.0) -> None:
        """Call `tick` with the service's clock forever (a background task)."""
        while True:
            self.tick(self.service.clock.now())
            await asyncio.sleep(every_s)

    def start(self) -> None:
        """Start the background ticker on the running loop."""
        if self._ticker is None:
            self._ticker = asyncio.get_running_loop().create_task(self.run_ticker())

    async def close(self) -> None:
        """Stop background work."""
        for task in (self._ticker, self._flusher):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def settled(self) -> None:
        """Wait until every change so far is recomputed and published."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)

    # --- computing ------------------------------------------------------------------------

    def current(self) -> GuidanceSnapshot:
        """The guidance now, recomputed first if the log changed what it depends on, or if the
        service's clock (the town's) has passed an expiry or a scheduled start: a reader is
        never told to stay sheltered for an alert that expired while the ticker slept (a
        second, or `--speed` seconds of a demo's town)."""
        self.tick(self.service.clock.now())
        snap = self._snapshot
        if snap is not None and self._stale is None:
            return snap
        self._stale = None
        state = self.service.state
        derived = derive_inputs(state, self.town, self._as_of, self.engine.policy.lock_in_margin_m)
        self._next_change = derived.next_change
        if snap is not None and derived == snap.derived:
            # The engine's inputs are as they were (an alert for another town, a new wording):
            # no recompute, but what is shown (alert texts) reflects the newer position.
            self._snapshot = replace(snap, position=state.position, as_of=self._as_of)
            return self._snapshot
        started = time.perf_counter()
        result = self.engine.compute(derived.inputs)
        laid = _overlay(self.town, self.engine, derived, result)
        self.recompute_ms.append((time.perf_counter() - started) * 1000)
        self.recomputes += 1
        self._building_cache.clear()
        self._snapshot = GuidanceSnapshot(
            position=state.position,
            as_of=self._as_of,
            version=self.recomputes,
            derived=derived,
            result=result,
            action=laid.action,
            issued_by=laid.issued_by,
            shelter=laid.shelter,
            override=laid.override,
            override_ids=laid.override_ids,
            official=laid.official,
            official_ids=laid.official_ids,
        )
        return self._snapshot

    # --- publishing -----------------------------------------------------------------------

    def changes(self, reason: GuidanceReason) -> RecordGuidanceChanges | None:
        """The command recording every zone whose counts differ from what the log holds."""
        snap = self.current()
        recorded = self.service.state.slice(Alerts).guidance
        zones: list[ZoneGuidanceSummary] = []
        for zid, counts in snap.zone_counts(self.town).items():
            if not counts:
                continue  # a zone without buildings has no guidance to speak of
            before = recorded.get(zid)
            if before is not None and before.derived_from > snap.position:
                continue  # another worker recorded newer guidance
            # A zone never recorded is routine everywhere: a fresh town publishes nothing.
            was = before.counts if before is not None else self._routine(zid)
            if was != counts:
                zones.append(ZoneGuidanceSummary(zone_id=zid, counts=counts, reason=reason))
        if not zones:
            return None
        body = json.dumps(
            [z.model_dump(mode="json") for z in zones], sort_keys=True, separators=(",", ":")
        )
        digest = hashlib.sha256(body.encode()).hexdigest()[:32]
        # The same change at the same position has the same id, so workers sharing the log
        # record it once.
        command_id = uuid.uuid5(GUIDANCE_NAMESPACE, f"{snap.position}|{digest}")
        return RecordGuidanceChanges(
            command_id=command_id, derived_from=snap.position, zones=tuple(zones)
        )

    @cached_property
    def _zone_sizes(self) -> dict[str, int]:
        counts = np.bincount(
            self.town.buildings.zone[self.town.buildings.zone >= 0], minlength=len(self.town.zones)
        )
        return {str(z): int(counts[i]) for i, z in enumerate(self.town.zones.id)}

    def _routine(self, zone_id: str) -> dict[GuidanceAction, int]:
        n = self._zone_sizes.get(zone_id, 0)
        return {GuidanceAction.ROUTINE: n} if n else {}

    async def _flush(self) -> None:
        while True:
            self._again = False
            reason = self._stale or GuidanceReason.TOWN_CHANGED
            command = self.changes(reason)
            if command is not None:
                try:
                    await self.service.handle(SYSTEM, command)
                except Conflict as exc:
                    log.info("guidance not recorded: %s", exc.reason)
                except DomainError as exc:
                    log.warning("guidance not recorded: %s", exc.reason)
                except LogUnavailable as exc:
                    # Busy or full for now (the callers saw 503s): the next change publishes
                    # the counts anew, so a line says it, not a traceback.
                    log.warning("guidance not recorded for now: %s", exc)
                except Exception:
                    log.exception("guidance not recorded")
            if not self._again and self._stale is None:
                return

    async def publish_now(self) -> None:
        """Record the current guidance's changes at once (start-up, tests)."""
        command = self.changes(self._stale or GuidanceReason.TOWN_CHANGED)
        if command is not None:
            await self.service.handle(SYSTEM, command)

    # --- reading --------------------------------------------------------------------------

    def at(self, lon: float, lat: float) -> Guidance:
        """The engine's guidance for a WGS84 point (inside a building: the building's)."""
        snap = self.current()
        b = self.town.building_at(lon, lat)
        if b is None:
            return point_guidance(self.town, snap.result, lon, lat)
        key = (snap.version, b)
        found = self._building_cache.get(key)
        if found is None:
            found = building_guidance(self.town, snap.result, b)
            if len(self._building_cache) >= _BUILDING_CACHE:
                self._building_cache.clear()
            self._building_cache[key] = found
        return found

    def view_at(self, lon: float, lat: float, lang: Lang) -> dict[str, Any]:
        """`guidance_view` at a point, kept while nothing it reads has changed: the snapshot
        (its version and time), the log (its position: alerts, tracks) and the town's clock.

        Every phone asks again every 5-15 s, mostly from where it asked before, and an answer
        costs ~0.25 ms to build: the same question is answered once per change. The answer is
        shared: callers must not change it."""
        snap = self.current()
        key = (snap.version, snap.as_of, self.service.state.position, self._as_of, lon, lat, lang)
        found = self._views.get(key)
        if found is None:
            found = guidance_view(self, lon, lat, lang)
            if len(self._views) >= _VIEW_CACHE:
                self._views.clear()
            self._views[key] = found
        return found

    def proposals(self) -> tuple[ProposedOverride, ...]:
        """The lock-ins the engine proposes around declared danger areas (not overrides')."""
        return tuple(p for p in self.current().result.proposals if _PART not in p.danger_area_id)

    def proposal(self, proposal_id: str) -> ProposedOverride | None:
        """One proposal by id, if the engine proposes it now."""
        return next((p for p in self.proposals() if p.override.id == proposal_id), None)

    def proposal_area(self, proposal: ProposedOverride) -> Circle | Polygon:
        """The area a proposed lock-in covers, as a domain area (for the override and CAP)."""
        danger = self.service.state.slice(Alerts).danger_areas[proposal.danger_area_id]
        margin = proposal.override.radius_m
        if isinstance(danger.area, Circle):
            return Circle(
                lat=danger.area.lat, lon=danger.area.lon, radius_m=danger.area.radius_m + margin
            )
        proj = self.town.projection
        core = shapely.Polygon(proj.points_to_xy(np.asarray(danger.area.ring)))
        grown = core.buffer(margin, quad_segs=8).simplify(1.0)
        ring = proj.points_to_lonlat(np.asarray(grown.exterior.coords))
        return Polygon(ring=tuple((round(x, 7), round(y, 7)) for x, y in ring.tolist()))


# --- how a point's guidance is shown -----------------------------------------------------


def ground_threat_in_town(guidance: GuidanceService | None) -> bool:
    """Whether a ground threat is open anywhere in the town (attackers: a danger area, a
    lock-in, an infiltration alert or an open threat track), as the guidance knows it now: the
    condition under which everyone in the town is told to stay inside
    (`Condition.GROUND_THREAT_IN_TOWN`). The resident page says it before a place is known, and
    `GET /api/v1/alerts` carries it for that page to keep the line current. False when no
    guidance is kept (no town): then nothing is said either way, never "all clear"."""
    if guidance is None:
        return False
    return bool(guidance.current().derived.inputs.ground_threat_in_town)


def _text(t: LocalText | dict[str, str], lang: Lang) -> str:
    if isinstance(t, LocalText):
        return t.in_(lang) or t.en
    return t.get(lang) or t.get("en", "")


def guidance_view(guidance: GuidanceService, lon: float, lat: float, lang: Lang) -> dict[str, Any]:
    """What anyone at a point should do now: public, nothing private in it."""
    snap = guidance.current()
    town = guidance.town
    g = guidance.at(lon, lat)
    alerts = guidance.service.state.slice(Alerts)
    zone_id = g.zone_id
    action = ACTIONS[int(_FROM_ENGINE[int(g.action)])]
    issued_by = g.issued_by.key
    reason = g.reason.key
    texts: dict[str, str] = dict(g.texts)
    override_id = _override_owner(g.override_id) if g.override_id else None
    shelter = g.shelter
    route = g.route
    seconds = g.seconds
    official = _official_in(snap, zone_id)
    stay = _stay_at(guidance, snap=snap, zone_id=zone_id, building=g.building, lon=lon, lat=lat)
    if g.reason in _SAYS_HOW_NEAR:
        # Where the nearest threat was reported, read now (its track moves between recomputes).
        texts = gp.stay_inside_texts(
            outdoors=g.outdoors,
            distance_m=guidance.nearest_threat_m(lon, lat),
            reason=g.reason,
            categories=frozenset(gp.AlertCategory(c) for c in g.alerts),
        )
    if official is not None and g.reason is gp.Reason.HAZARD_ALERT:
        # The hazard's own instruction holds unchanged: in the alert's own words.
        alert = alerts.alerts[official[1]]
        issued_by, reason = gp.IssuedBy.OFFICIAL_ALERT.key, "official_alert"
        texts = _joined(CATEGORY_TITLES[alert.category], alert.instruction)
        shelter, route, seconds = None, (), None
    if stay is not None and action in (
        GuidanceAction.ROUTINE,
        GuidanceAction.STAY_INSIDE,
        GuidanceAction.GO_TO_SHELTER,
    ):
        order = alerts.overrides[stay]
        action, issued_by, reason = (
            GuidanceAction.STAY_IN_PROTECTED_SPACE,
            gp.IssuedBy.OPERATOR_OVERRIDE.key,
            "operator_override",
        )
        texts = _joined(OVERRIDE_TITLES[order.action], order.instruction)
        override_id = stay
        shelter, route, seconds = None, (), None
    zone_name = None
    budget = None
    if zone_id is not None:
        z = int(np.flatnonzero(town.zones.id == zone_id)[0])
        zone_name = str(town.zones.name[z])
        budget = int(snap.result.context.zone_budget[z])
    override = None
    if override_id is not None and override_id in alerts.overrides:
        o = alerts.overrides[override_id]
        override = {
            "id": o.override_id,
            "action": o.action.value,
            "title": _text(OVERRIDE_TITLES[o.action], lang),
            "instruction": _text(o.instruction, lang),
            "proposal_id": o.proposal_id,
        }
    here_alerts = alerts.alerts_in_zone(zone_id, snap.as_of) if zone_id else []
    # An alert's end is said only where nothing on the ground holds people in: with attackers
    # anywhere in the town (a lock-in, a threat the engine weighs or proposes a lock-in for, an
    # infiltration alert) or an operator's order, an expiry must never read as "you may go out
    # then".
    held_in = (
        snap.derived.inputs.ground_threat_in_town
        or action in (GuidanceAction.LOCK_IN, GuidanceAction.STAY_INSIDE)
        or reason in _HELD_IN_REASONS
        or override_id is not None
        or bool(g.proposed_override_ids)
        or any(a.category in _GROUND_CATEGORIES for a in here_alerts)
    )
    in_force = [
        {
            "id": a.alert_id,
            "category": a.category.value,
            "title": _text(CATEGORY_TITLES[a.category], lang),
            "instruction": _text(a.instruction, lang),
            "drill": a.drill,
            "since": a.issued_at.isoformat(),
            "until": None if held_in or a.expires_at is None else a.expires_at.isoformat(),
        }
        for a in here_alerts
    ]
    return {
        "position": snap.position,
        "as_of": snap.as_of.isoformat(),
        "lat": lat,
        "lon": lon,
        "lang": lang,
        "action": action.value,
        # The action in a few words for the top of the screen; `text` says it in full.
        "headline": _text(ACTION_HEADLINES[action], lang),
        "reason": reason,
        "issued_by": issued_by,
        "issued_by_label": _text(gp.issued_by_label(gp.IssuedBy[issued_by.upper()]), lang),
        "text": _text(texts, lang),
        "texts": texts,
        "zone": None if zone_id is None else {"id": zone_id, "name": zone_name},
        "seconds_to_shelter": budget,
        "in_building": g.building is not None,
        "alerts": in_force,
        "override": override,
        "proposed": bool(g.proposed_override_ids),
        "shelter": None
        if shelter is None
        else {
            "id": shelter.id,
            "name": shelter.label,
            # In the reader's script where the town pack knows the street's name, else as the
            # shelter list gives it (the listed spelling stays under address_listed).
            "address": shelter.address_in(lang),
            "address_listed": shelter.address,
            "category": shelter.category,
            "capacity": shelter.capacity,
            "lon": shelter.lon,
            "lat": shelter.lat,
        },
        "walking_seconds": None if seconds is None else math.ceil(seconds),
        "route": [[round(x, 6), round(y, 6)] for x, y in route],
    }


# Reasons whose message says how far the nearest open threat is (read at each view).
_SAYS_HOW_NEAR = frozenset(
    {
        gp.Reason.GROUND_THREAT_IN_TOWN,
        gp.Reason.HAZARD_AND_GROUND_THREAT_IN_TOWN,
        gp.Reason.FIRE_AND_GROUND_THREAT_IN_TOWN,
    }
)
_HELD_IN_REASONS = frozenset(
    {
        gp.Reason.ROUTE_BLOCKED_BY_DANGER.key,
        gp.Reason.INFILTRATION.key,
        gp.Reason.INFILTRATION_AND_FIRE.key,
        gp.Reason.GROUND_THREAT_NEARBY.key,
        gp.Reason.GROUND_THREAT_AND_FIRE.key,
        gp.Reason.GROUND_THREAT_IN_TOWN.key,
        gp.Reason.INFILTRATION_AND_HAZARD.key,
        gp.Reason.GROUND_THREAT_AND_HAZARD.key,
        gp.Reason.HAZARD_NEAR_GROUND_THREAT.key,
        gp.Reason.HAZARD_AND_GROUND_THREAT_IN_TOWN.key,
        gp.Reason.FIRE_AND_GROUND_THREAT_IN_TOWN.key,
    }  # an operator's order holds people in through its override id
)
_GROUND_CATEGORIES = frozenset({AlertCategory.TERRORIST_INFILTRATION})


def _joined(title: LocalText, instruction: LocalText) -> dict[str, str]:
    return {
        lang: " ".join(p for p in (title.in_(lang), instruction.in_(lang)) if p)
        for lang in ("he", "ar", "en")
    }


def _official_in(snap: GuidanceSnapshot, zone_id: str | None) -> tuple[GuidanceAction, str] | None:
    if zone_id is None:
        return None
    return snap.derived.official_only.get(zone_id)


def _stay_at(
    guidance: GuidanceService,
    *,
    snap: GuidanceSnapshot,
    zone_id: str | None,
    building: int | None,
    lon: float,
    lat: float,
) -> str | None:
    if not snap.derived.stay_orders:
        return None
    if building is not None:
        i = int(snap.override[building])
        oid = snap.override_ids[i] if i >= 0 else None
        orders = {o.override_id for o in snap.derived.stay_orders}
        return oid if oid in orders else None
    x, y = guidance.town.to_xy(lon, lat)
    here = np.array([[float(x), float(y)]])
    for order in snap.derived.stay_orders:
        if zone_id is not None and zone_id in order.zone_ids:
            return order.override_id
        if (
            order.area is not None
            and DangerShape.of(guidance.town, order.area).distance(here)[0] <= 0
        ):
            return order.override_id
    return None


def building_map(snap: GuidanceSnapshot) -> dict[str, Any]:
    """Per-building action codes for the console (indices match the town map's buildings)."""
    seconds = np.where(snap.shelter >= 0, snap.result.seconds, np.nan)
    return {
        "position": snap.position,
        "as_of": snap.as_of.isoformat(),
        "buildings": int(snap.action.shape[0]),
        "legend": {
            "action": [a.value for a in ACTIONS],
            "issued_by": list(ISSUERS),
        },
        "action": snap.action.tolist(),
        "issued_by": snap.issued_by.tolist(),
        "shelter": snap.shelter.tolist(),
        "seconds": np.where(np.isfinite(seconds), np.ceil(seconds), -1).astype(np.int64).tolist(),
        "override": [snap.override_ids[i] if i >= 0 else None for i in snap.override.tolist()],
    }
