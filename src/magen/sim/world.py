"""The simulated ground truth: residents, attackers and responders moving on the real streets.

Nothing here talks to Magen. The world knows where everyone truly is; the agents
(`magen.sim.agents`) turn what people see into reports and what Magen says into movement.
All randomness comes from generators handed in, one stream per concern, so that the attackers
walk the same way whatever the residents do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from magen.geo.town import Town
from magen.sim.scenario import AttackerGroup, Scenario, Span
from magen.sim.streets import Leg, Movers, StreetMap

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EXPOSURE_RADIUS_M = 200.0  # the measure: in the open within 200 m of an attacker
_HOME_NEAR_M = 60.0  # close enough to home to run back in rather than into another building


def uniform(rng: np.random.Generator, span: Span) -> float:
    """A uniform draw over a span."""
    return float(rng.uniform(span.low, span.high)) if span.high > span.low else span.low


class Place(IntEnum):
    HOME = 0  # inside their own building
    WALKING = 1  # outdoors, on a leg
    SHELTER = 2  # in a public shelter
    INDOORS = 3  # inside another building (an errand, or taking refuge)
    PINNED = 4  # outdoors with wounded, waiting for help


class Purpose(IntEnum):
    NONE = 0
    SHELTER = 1  # going to a public shelter on a siren
    HOME = 2  # going back home
    OUTING = 3  # a walk, synagogue, an errand
    REFUGE = 4  # into the nearest building, away from danger
    PINNED = 5


PURPOSE_NAMES = [p.name.lower() for p in Purpose]
# Plain ints for the hot loops (IntEnum member lookups cost a function call each).
HOME, WALKING, SHELTER, INDOORS, PINNED = (int(p) for p in Place)
TO_NONE, TO_SHELTER, TO_HOME, TO_OUTING, TO_REFUGE, TO_PINNED = (int(p) for p in Purpose)


# --- residents ----------------------------------------------------------------------------


class Households:
    """Every household: where it lives, who is in it, where it is now and why."""

    def __init__(self, town: Town, scenario: Scenario, rng: np.random.Generator) -> None:
        spec = scenario.residents
        area = np.nan_to_num(np.asarray(town.buildings.area_m2, dtype=np.float64), nan=0.0)
        people = np.clip(rng.poisson(area * spec.per_m2), 1, spec.per_building_max)
        homes: list[int] = []
        sizes: list[int] = []
        for b, n in enumerate(people.tolist()):
            left = int(n)
            while left > 0:
                size = min(left, 1 + int(rng.poisson(spec.household_mean - 1.0)))
                homes.append(b)
                sizes.append(size)
                left -= size
        n_h = len(homes)
        self.home = np.asarray(homes, dtype=np.int64)
        self.size = np.asarray(sizes, dtype=np.int64)
        self.mamad = rng.random(n_h) < spec.protected_space_share
        self.registered = rng.random(n_h) < spec.registered_share
        self.speed = rng.uniform(spec.walk_speed_mps.low, spec.walk_speed_mps.high, n_h)
        rate = spec.outings_per_hour / 3600.0
        self.next_outing = (
            rng.exponential(1.0 / rate, n_h) if rate > 0 else np.full(n_h, np.inf)
        ).astype(np.float64)
        self.place = np.zeros(n_h, dtype=np.int8)
        self.purpose = np.zeros(n_h, dtype=np.int8)
        self.building = self.home.copy()  # the building they are in, -1 outside or sheltered
        self.xy = np.asarray(town.buildings.xy, dtype=np.float64)[self.home].copy()
        self.until = np.full(n_h, np.inf)  # when a stay (shelter, errand, refuge) ends
        self.hiding_until = np.full(n_h, -np.inf)  # saw attackers: stays in until then
        self.aware = np.zeros(n_h, dtype=bool)  # knows an attack is under way
        self.locked = np.zeros(n_h, dtype=bool)  # doors locked, away from doors and windows
        self.hurt = np.zeros(n_h, dtype=np.int64)
        self.killed = np.zeros(n_h, dtype=np.int64)
        self.legs = Movers()
        # Where a household on an outing goes, and what its stay there is.
        self.errand = np.full(n_h, -1, dtype=np.int64)
        self.by_building: list[list[int]] = [[] for _ in range(len(town.buildings))]
        for h, b in enumerate(self.home.tolist()):
            self.by_building[b].append(h)

    def __len__(self) -> int:
        return int(self.home.shape[0])

    @property
    def people(self) -> int:
        return int(self.size.sum())

    def outdoors(self) -> IntArray:
        """Households in the open, in order."""
        return np.flatnonzero((self.place == WALKING) | (self.place == PINNED)).astype(np.int64)

    def hiding(self, t: float) -> BoolArray:
        return np.asarray(self.hiding_until > t)

    def able(self, h: int) -> int:
        """People in a household who can still walk."""
        return int(self.size[h] - self.hurt[h] - self.killed[h])


# --- attackers ----------------------------------------------------------------------------


class Phase(IntEnum):
    WAITING = 0  # not in town yet
    DRIVING = 1
    MOVING = 2  # on foot between stops
    STOPPED = 3  # a pause in the street
    INSIDE = 4  # in a house they broke into
    HOLDING = 5  # holding a house until neutralised
    DONE = 6  # neutralised


@dataclass
class Team:
    """Attackers moving together: a vehicle's load, then a team on foot."""

    team_id: str
    group: str
    members: int
    spec: AttackerGroup
    rng: np.random.Generator
    phase: Phase = Phase.WAITING
    xy: FloatArray = field(default_factory=lambda: np.zeros(2))
    leg: Leg | None = None
    until: float = math.inf
    anchor: FloatArray = field(default_factory=lambda: np.zeros(2))
    building: int = -1
    visited: list[int] = field(default_factory=list)
    speed: float = 1.2
    neutralised_at: float | None = None
    entered_at: float | None = None

    @property
    def active(self) -> bool:
        return self.phase not in (Phase.WAITING, Phase.DONE) and self.members > 0

    @property
    def visible(self) -> bool:
        """Seen from the street and the windows (not while inside a house)."""
        return self.active and self.phase in (Phase.DRIVING, Phase.MOVING, Phase.STOPPED)

    @property
    def mobility(self) -> str:
        return "vehicle" if self.phase is Phase.DRIVING else "on_foot"

    def heading(self, t: float) -> float | None:
        return (
            self.leg.heading_deg(t)
            if self.leg is not None
            and self.phase
            in (
                Phase.DRIVING,
                Phase.MOVING,
            )
            else None
        )


@dataclass(frozen=True)
class HouseEntry:
    team_id: str
    building: int
    t: float


# --- responders' bodies --------------------------------------------------------------------


@dataclass
class Body:
    """Where a responder physically is and whether they can fight or treat."""

    responder_id: str
    kind: str
    xy: FloatArray
    armed: bool
    medic: bool
    speed: float
    vehicle: bool
    present: bool = False  # checked in and out on the streets
    leg: Leg | None = None
    wounded: bool = False
    busy_until: float = -math.inf  # treating or transporting


# --- harm -------------------------------------------------------------------------------


@dataclass
class Casualty:
    """One person hurt: where, when, how, and what became of them."""

    casualty_id: str
    t: float
    xy: FloatArray
    killed: bool
    cause: str  # open | house | responder
    household: int | None = None
    responder_id: str | None = None
    reached_at: float | None = None  # first responder or medic with them
    hospital: str | None = None
    hospital_at: float | None = None


@dataclass(frozen=True)
class Sight:
    """Someone saw a team at a moment (the reporting model decides what they say)."""

    observer: int  # household index
    team_id: str
    t: float


@dataclass(frozen=True)
class Need:
    """A household that needs help: hurt, or attackers in its building."""

    household: int
    t: float
    cause: str  # hurt | house


@dataclass
class StepOutcome:
    """What happened in one step that the agents must act on."""

    entries: list[HouseEntry] = field(default_factory=list)
    sights: list[Sight] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    arrived_shelter: list[int] = field(default_factory=list)
    responder_hits: list[str] = field(default_factory=list)
    neutralised: list[str] = field(default_factory=list)  # teams neutralised this step


# --- the world ----------------------------------------------------------------------------


class World:
    """The town's ground truth, advanced step by step."""

    def __init__(
        self,
        town: Town,
        scenario: Scenario,
        *,
        residents_rng: np.random.Generator,
        attackers_rng: np.random.Generator,
        harm_rng: np.random.Generator,
    ) -> None:
        self.town = town
        self.scenario = scenario
        self.map = StreetMap(town)
        self.rng = residents_rng
        self.harm_rng = harm_rng
        self.households = Households(town, scenario, residents_rng)
        self.building_xy = np.asarray(town.buildings.xy, dtype=np.float64)
        self._building_tree = cKDTree(self.building_xy)
        self.residents_of = np.bincount(
            self.households.home, weights=self.households.size, minlength=len(town.buildings)
        )
        has_mamad = np.zeros(len(town.buildings), dtype=bool)
        has_mamad[self.households.home[self.households.mamad]] = True
        self.building_protected = has_mamad
        self.shelter_xy = np.asarray(town.shelters.xy, dtype=np.float64)
        self._shelter_nodes = np.array(
            [self.map.nearest_node(p) for p in self.shelter_xy], dtype=np.int64
        )
        self._to_shelter = _nearest_source_tree(self.map, self._shelter_nodes)
        self.teams: list[Team] = []
        streams = attackers_rng.spawn(max(len(scenario.attackers), 1))
        for g, stream in zip(scenario.attackers, streams, strict=False):
            team = Team(
                team_id=g.name,
                group=g.name,
                members=g.size,
                spec=g,
                rng=stream,
                xy=self.xy_of(g.entry.lon, g.entry.lat),
            )
            self.teams.append(team)
        self.bodies: dict[str, Body] = {}
        self.casualties: list[Casualty] = []
        self.exposure_person_s = 0.0
        self.exposure_by_purpose: dict[str, float] = {p.name.lower(): 0.0 for p in Purpose}
        self.attack_began: float | None = None
        self._seen: dict[tuple[int, str], float] = {}
        self._casualty_seq = 0

    # --- geometry ---------------------------------------------------------------------

    def xy_of(self, lon: float, lat: float) -> FloatArray:
        x, y = self.town.to_xy(lon, lat)
        return np.array([float(x), float(y)])

    def lonlat_of(self, xy: FloatArray) -> tuple[float, float]:
        lon, lat = self.town.to_lonlat(float(xy[0]), float(xy[1]))
        return float(lon), float(lat)

    def nearest_building(self, xy: FloatArray) -> int:
        _, i = self._building_tree.query(np.asarray(xy, dtype=np.float64))
        return int(i)

    def buildings_within(self, xy: FloatArray, radius_m: float) -> IntArray:
        idx = self._building_tree.query_ball_point(np.asarray(xy, dtype=np.float64), radius_m)
        return np.sort(np.asarray(idx, dtype=np.int64))

    # --- what is true now ---------------------------------------------------------------

    def active_teams(self) -> list[Team]:
        return [tm for tm in self.teams if tm.active]

    def attackers_active(self) -> int:
        return sum(tm.members for tm in self.teams if tm.active)

    def attackers_neutralised(self) -> int:
        return sum(tm.spec.size for tm in self.teams if tm.group == tm.team_id) - sum(
            tm.members for tm in self.teams if tm.phase is not Phase.DONE
        )

    def team(self, team_id: str) -> Team:
        return next(tm for tm in self.teams if tm.team_id == team_id)

    # --- households: moves the agents ask for -----------------------------------------

    def _walk(self, h: int, path: FloatArray, t: float, purpose: int) -> None:
        hh = self.households
        hh.legs.put(h, Leg.along(path, t, float(hh.speed[h])))
        hh.place[h] = WALKING
        hh.purpose[h] = purpose
        hh.building[h] = -1
        hh.until[h] = math.inf

    def shelter_path(self, h: int) -> tuple[int, FloatArray]:
        """The nearest public shelter by street and the way there (as people know it)."""
        xy = self.households.xy[h]
        node = self.map.nearest_node(xy)
        nodes, site = self._to_shelter(node)
        shelter = int(np.flatnonzero(self._shelter_nodes == site)[0]) if site >= 0 else 0
        middle = self.map.polyline(nodes) if nodes else np.zeros((0, 2))
        return shelter, np.vstack([xy, middle, self.shelter_xy[shelter]])

    def go_to_shelter(
        self, h: int, t: float, stay_until: float, path: FloatArray | None = None
    ) -> None:
        """Send a household to a public shelter: the nearest, or along a given route."""
        if self.households.able(h) <= 0:
            return
        if path is None:
            _, path = self.shelter_path(h)
        else:
            path = np.vstack([self.households.xy[h], path])
        self._walk(h, path, t, TO_SHELTER)
        self.households.until[h] = stay_until

    def go_home(self, h: int, t: float) -> None:
        hh = self.households
        if hh.able(h) <= 0:
            return
        if hh.place[h] == HOME:
            return
        home = self.building_xy[hh.home[h]]
        self._walk(h, self.map.route(hh.xy[h], home), t, TO_HOME)

    def take_refuge(self, h: int, t: float, until: float) -> None:
        """Get inside the nearest building (home if it is that close)."""
        hh = self.households
        if hh.place[h] in (HOME, SHELTER, INDOORS) or hh.able(h) <= 0:
            hh.until[h] = max(float(hh.until[h]), until) if hh.place[h] != HOME else hh.until[h]
            return
        home = self.building_xy[hh.home[h]]
        if float(np.hypot(*(hh.xy[h] - home))) <= _HOME_NEAR_M:
            target, purpose = home, TO_HOME
        else:
            b = self.nearest_building(hh.xy[h])
            target, purpose = self.building_xy[b], TO_REFUGE
            hh.errand[h] = b
        self._walk(h, np.vstack([hh.xy[h], target]), t, purpose)
        hh.until[h] = until

    def start_outing(self, h: int, t: float) -> bool:
        """A household leaves home for a walk or an errand to a building nearby."""
        hh, spec = self.households, self.scenario.residents
        near = self.buildings_within(hh.xy[h], spec.outing_m.high)
        far = np.hypot(*(self.building_xy[near] - hh.xy[h]).T)
        near = near[(far >= spec.outing_m.low) & (near != hh.home[h])]
        if not len(near):
            return False
        b = int(near[int(self.rng.integers(len(near)))])
        hh.errand[h] = b
        self._walk(h, self.map.route(hh.xy[h], self.building_xy[b]), t, TO_OUTING)
        hh.until[h] = math.inf
        return True

    def stay(self, h: int, until: float) -> None:
        """Keep a household where it is (in a shelter or a building) until a moment."""
        self.households.until[h] = until

    # --- advancing --------------------------------------------------------------------

    def step(self, t: float, dt: float) -> StepOutcome:
        """Advance everything to time t (from t - dt) and say what happened."""
        out = StepOutcome()
        self._advance_attackers(t, out)
        self._advance_bodies(t)
        self._advance_households(t, out)
        self._expose(dt)
        self._harm_in_open(t, dt, out)
        for entry in out.entries:
            self._harm_in_house(entry, out)
        self._notice(t)
        self._sights(t, out)
        self._engage(t, dt, out)
        self._word_of_mouth(t, dt)
        return out

    # attackers

    def _advance_attackers(self, t: float, out: StepOutcome) -> None:
        for team in list(self.teams):
            if team.phase is Phase.DONE or team.members <= 0:
                continue
            if team.phase is Phase.WAITING:
                if t < team.spec.enter_at_min * 60.0:
                    continue
                self._enter(team, t)
            if team.phase is Phase.DRIVING:
                assert team.leg is not None
                team.xy = team.leg.at(t)
                if t >= team.leg.end:
                    self._dismount(team, t)
            elif team.phase is Phase.MOVING:
                assert team.leg is not None
                team.xy = team.leg.at(t)
                if t >= team.leg.end:
                    self._arrive(team, t, out)
            elif team.phase in (Phase.STOPPED, Phase.INSIDE) and t >= team.until:
                self._next_stop(team, t)
            # HOLDING: stays until neutralised.

    def _enter(self, team: Team, t: float) -> None:
        """A group comes into town, by car or on foot, towards where it will spread out."""
        g = team.spec
        team.entered_at = t
        if self.attack_began is None:
            self.attack_began = t
        if g.dismount is not None:
            target = self.xy_of(g.dismount.lon, g.dismount.lat)
        else:
            target = self._populated_corner(team.xy, g.roam_m)
        if g.mobility == "vehicle":
            path = self.map.route(team.xy, target, "drive")
            team.leg = Leg.along(path, t, g.vehicle_speed_mps)
            team.phase = Phase.DRIVING
        else:
            team.speed = uniform(team.rng, g.foot_speed_mps)
            team.leg = Leg.along(self.map.route(team.xy, target), t, team.speed)
            team.phase = Phase.MOVING
        team.anchor = target

    def _populated_corner(self, xy: FloatArray, radius_m: float) -> FloatArray:
        near = self.buildings_within(xy, radius_m)
        if not len(near):
            return xy
        b = int(near[int(np.argmax(self.residents_of[near]))])
        return np.array(self.building_xy[b], dtype=np.float64)

    def _dismount(self, team: Team, t: float) -> None:
        """The vehicle stops: the group splits into teams on foot."""
        g = team.spec
        sizes = g.team_sizes()
        streams = team.rng.spawn(len(sizes))
        team.phase = Phase.DONE  # the vehicle's load is now its teams
        team.members = 0
        for k, (size, stream) in enumerate(zip(sizes, streams, strict=True)):
            sub = Team(
                team_id=f"{g.name}/{k + 1}",
                group=g.name,
                members=size,
                spec=g,
                rng=stream,
                phase=Phase.STOPPED,
                xy=team.xy.copy(),
                anchor=team.xy.copy(),
                speed=uniform(stream, g.foot_speed_mps),
                until=t + 5.0 * k,  # they fan out one after another
                entered_at=team.entered_at,
            )
            self.teams.append(sub)

    def _next_stop(self, team: Team, t: float) -> None:
        g = team.spec
        near = self.buildings_within(team.anchor, g.roam_m)
        if team.visited:
            near = near[~np.isin(near, np.asarray(team.visited, dtype=np.int64))]
        if not len(near):
            team.visited.clear()
            near = self.buildings_within(team.anchor, g.roam_m)
        if not len(near):
            team.phase, team.until = Phase.STOPPED, t + 60.0
            return
        d = np.hypot(*(self.building_xy[near] - team.xy).T)
        w = np.sqrt(self.residents_of[near] + 1.0) * np.exp(-d / 120.0)
        b = int(near[int(team.rng.choice(len(near), p=w / w.sum()))])
        team.visited.append(b)
        team.building = b
        team.leg = Leg.along(self.map.route(team.xy, self.building_xy[b]), t, team.speed)
        team.phase = Phase.MOVING

    def _arrive(self, team: Team, t: float, out: StepOutcome) -> None:
        g = team.spec
        if team.building >= 0 and team.rng.random() < g.house_entry_share:
            out.entries.append(HouseEntry(team.team_id, team.building, t))
            if team.rng.random() < g.hold_share:
                team.phase, team.until = Phase.HOLDING, math.inf
            else:
                team.phase = Phase.INSIDE
                team.until = t + 60.0 * uniform(team.rng, g.dwell_min)
        else:
            team.phase = Phase.STOPPED
            team.until = t + uniform(team.rng, g.stop_s)

    # responders

    def _advance_bodies(self, t: float) -> None:
        for body in self.bodies.values():
            if body.leg is not None:
                body.xy = body.leg.at(t)
                if t >= body.leg.end:
                    body.leg = None

    # households

    def _advance_households(self, t: float, out: StepOutcome) -> None:
        hh = self.households
        keys, pos, arrived = hh.legs.advance(t)
        if not len(keys):
            return
        hh.xy[keys] = pos
        for h in keys[arrived].tolist():
            hh.legs.pop(h)
            purpose = int(hh.purpose[h])
            if purpose == TO_SHELTER:
                hh.place[h] = SHELTER
                out.arrived_shelter.append(h)
            elif purpose == TO_HOME:
                hh.place[h] = HOME
                hh.building[h] = hh.home[h]
                hh.until[h] = math.inf
            elif purpose == TO_OUTING:
                hh.place[h] = INDOORS
                hh.building[h] = hh.errand[h]
                hh.until[h] = t + 60.0 * uniform(self.rng, self.scenario.residents.outing_min)
            elif purpose == TO_REFUGE:
                hh.place[h] = INDOORS
                hh.building[h] = hh.errand[h]
            hh.purpose[h] = TO_NONE

    def due_outings(self, t: float) -> list[int]:
        """Households at home whose wish to go out has come (the policy decides)."""
        hh = self.households
        due = (hh.next_outing <= t) & (hh.place == HOME) & ~hh.aware & (hh.hiding_until <= t)
        idx = np.flatnonzero(due)
        rate = self.scenario.residents.outings_per_hour / 3600.0
        if len(idx):
            gap = self.rng.exponential(1.0 / rate, len(idx)) if rate > 0 else np.inf
            hh.next_outing[idx] = t + gap
        return [int(h) for h in idx if hh.able(int(h)) > 0]

    def due_to_leave(self, t: float) -> list[int]:
        """Households in a shelter or another building whose stay is over (the policy decides)."""
        hh = self.households
        mask = (
            ((hh.place == SHELTER) | (hh.place == INDOORS))
            & (hh.until <= t)
            & (hh.hiding_until <= t)
        )
        return [int(h) for h in np.flatnonzero(mask) if hh.able(int(h)) > 0]

    # exposure and harm

    def _attacker_points(self) -> tuple[FloatArray, IntArray, list[Team]]:
        teams = self.active_teams()
        if not teams:
            return np.zeros((0, 2)), np.zeros(0, dtype=np.int64), []
        xy = np.array([tm.xy for tm in teams])
        members = np.array([tm.members for tm in teams], dtype=np.int64)
        return xy, members, teams

    def _expose(self, dt: float) -> None:
        hh = self.households
        out = hh.outdoors()
        axy, _, _ = self._attacker_points()
        if not len(out) or not len(axy):
            return
        d = np.min(np.hypot(*(hh.xy[out][:, None, :] - axy[None, :, :]).transpose(2, 0, 1)), axis=1)
        near = out[d <= EXPOSURE_RADIUS_M]
        for h in near.tolist():
            people = float(hh.size[h] - hh.killed[h])
            self.exposure_person_s += people * dt
            key = PURPOSE_NAMES[int(hh.purpose[h])]
            self.exposure_by_purpose[key] = self.exposure_by_purpose.get(key, 0.0) + people * dt

    def _hurt(self, h: int, n: int, t: float, cause: str) -> None:
        hh, spec = self.households, self.scenario.casualties
        for _ in range(n):
            killed = bool(self.harm_rng.random() < spec.killed_share)
            self._casualty_seq += 1
            self.casualties.append(
                Casualty(
                    casualty_id=f"c{self._casualty_seq:04d}",
                    t=t,
                    xy=hh.xy[h].copy(),
                    killed=killed,
                    cause=cause,
                    household=h,
                )
            )
            if killed:
                hh.killed[h] += 1
            else:
                hh.hurt[h] += 1

    def _harm_in_open(self, t: float, dt: float, out: StepOutcome) -> None:
        hh, spec = self.households, self.scenario.casualties
        outside = hh.outdoors()
        axy, members, teams = self._attacker_points()
        if not len(outside) or not len(axy):
            return
        vis = np.array([tm.visible for tm in teams])
        if not vis.any():
            return
        axy, members = axy[vis], members[vis]
        d = np.hypot(*(hh.xy[outside][:, None, :] - axy[None, :, :]).transpose(2, 0, 1))
        pressure = ((d <= spec.lethal_m) * members[None, :]).sum(axis=1)
        for h, k in zip(outside.tolist(), pressure.tolist(), strict=True):
            if k <= 0:
                continue
            people = hh.size[h] - hh.killed[h] - hh.hurt[h]
            p = 1.0 - math.exp(-spec.hazard_per_min * k * dt / 60.0)
            n = int(self.harm_rng.binomial(int(people), p)) if people > 0 else 0
            if n:
                self._hurt(h, n, t, "open")
                self._pin(h)
                out.needs.append(Need(h, t, "hurt"))

    def _pin(self, h: int) -> None:
        hh = self.households
        if hh.place[h] == WALKING:
            hh.legs.pop(h)
            hh.place[h] = PINNED
            hh.purpose[h] = TO_PINNED

    def _harm_in_house(self, entry: HouseEntry, out: StepOutcome) -> None:
        hh, spec = self.households, self.scenario.casualties
        for h in self._in_building(entry.building):
            p = spec.house_hazard * (spec.locked_factor if hh.locked[h] else 1.0)
            people = hh.size[h] - hh.killed[h] - hh.hurt[h]
            n = int(self.harm_rng.binomial(int(people), p)) if people > 0 else 0
            if n:
                self._hurt(h, n, entry.t, "house")
            out.needs.append(Need(h, entry.t, "house"))
            hh.aware[h] = True
            hh.locked[h] = True
            hh.hiding_until[h] = max(
                float(hh.hiding_until[h]), entry.t + 60.0 * self.scenario.residents.hide_min
            )

    def _in_building(self, b: int) -> list[int]:
        """Households inside a building now (its residents at home, and visitors)."""
        return np.flatnonzero(self.households.building == b).astype(np.int64).tolist()

    def _notice(self, t: float) -> None:
        """People who see attackers or hear gunfire close by take cover and stay in."""
        hh, spec = self.households, self.scenario.residents
        if spec.notice_m <= 0:
            return
        teams = self.active_teams()
        if not teams:
            return
        flag = np.zeros(len(self.building_xy) + 1, dtype=bool)  # slot 0: not in a building
        for team in teams:
            flag[self.buildings_within(team.xy, spec.notice_m) + 1] = True
        close = flag[hh.building + 1]
        outside = hh.outdoors()
        if len(outside):
            txy = np.array([tm.xy for tm in teams])
            d = np.hypot(*(hh.xy[outside][:, None, :] - txy[None, :, :]).transpose(2, 0, 1))
            close[outside[d.min(axis=1) <= spec.notice_m]] = True
        if not close.any():
            return
        until = t + 60.0 * spec.hide_min
        hh.aware[close] = True
        hh.locked[close] = True
        hh.hiding_until[close] = until
        home_xy = self.building_xy[hh.home]
        at_door = (hh.purpose == TO_HOME) & (np.hypot(*(hh.xy - home_xy).T) <= _HOME_NEAR_M)
        fleeing = close & (hh.place == WALKING) & (hh.purpose != TO_REFUGE) & ~at_door
        for h in np.flatnonzero(fleeing).tolist():
            self.take_refuge(h, t, until)

    def _sights(self, t: float, out: StepOutcome) -> None:
        hh = self.households
        sight = self.scenario.reporting.sight_m
        window = min(self.scenario.reporting.window_m, sight)
        if sight <= 0:
            return
        for team in self.teams:
            if not team.visible:
                continue
            flag = np.zeros(len(self.building_xy) + 1, dtype=bool)
            flag[self.buildings_within(team.xy, window) + 1] = True
            watch = flag[hh.building + 1]
            outside = hh.outdoors()
            if len(outside):
                watch[outside[np.hypot(*(hh.xy[outside] - team.xy).T) <= sight]] = True
            for h in np.flatnonzero(watch).tolist():
                key = (h, team.team_id)
                if key in self._seen:
                    continue
                self._seen[key] = t
                out.sights.append(Sight(h, team.team_id, t))

    def in_sight(self, h: int, team_id: str) -> bool:
        """Whether a household can still see a team."""
        team = self.team(team_id)
        if not team.visible:
            return False
        return (
            float(np.hypot(*(self.households.xy[h] - team.xy))) <= self.scenario.reporting.sight_m
        )

    def _engage(self, t: float, dt: float, out: StepOutcome) -> None:
        spec = self.scenario.engagement
        fighters = [b for b in self.bodies.values() if b.present and b.armed and not b.wounded]
        if not fighters:
            return
        fxy = np.array([b.xy for b in fighters])
        for team in self.active_teams():
            if team.phase is Phase.DRIVING:
                continue
            d = np.hypot(*(fxy - team.xy).T)
            close = [fighters[i] for i in np.flatnonzero(d <= spec.range_m).tolist()]
            if not close:
                continue
            rate = spec.neutralise_per_min * len(close)
            if team.phase in (Phase.INSIDE, Phase.HOLDING):
                rate *= spec.barricade_factor
            p_kill = 1.0 - math.exp(-rate * dt / 60.0)
            killed = int(self.harm_rng.binomial(team.members, p_kill))
            p_hit = 1.0 - math.exp(-spec.wounded_per_min * team.members * dt / 60.0)
            for body in close:
                if self.harm_rng.random() < p_hit:
                    body.wounded = True
                    body.leg = None
                    self._casualty_seq += 1
                    self.casualties.append(
                        Casualty(
                            casualty_id=f"c{self._casualty_seq:04d}",
                            t=t,
                            xy=body.xy.copy(),
                            killed=bool(self.harm_rng.random() < 0.2),
                            cause="responder",
                            responder_id=body.responder_id,
                        )
                    )
                    out.responder_hits.append(body.responder_id)
            team.members -= killed
            if team.members <= 0:
                team.members = 0
                team.phase = Phase.DONE
                team.neutralised_at = t
                team.leg = None
                out.neutralised.append(team.team_id)

    def _word_of_mouth(self, t: float, dt: float) -> None:
        rate = self.scenario.residents.word_of_mouth_per_hour
        if self.attack_began is None or rate <= 0:
            return
        hh = self.households
        p = 1.0 - math.exp(-rate * dt / 3600.0)
        hh.aware |= self.rng.random(len(hh)) < p

    # --- rescue ---------------------------------------------------------------------------

    def casualties_at(self, h: int) -> list[Casualty]:
        return [c for c in self.casualties if c.household == h and c.reached_at is None]

    def untreated(self, h: int) -> list[Casualty]:
        """A household's reached casualties still at the scene (not taken, not certified)."""
        return [
            c
            for c in self.casualties
            if c.household == h and c.reached_at is not None and c.hospital is None
        ]

    def reach(self, h: int, t: float) -> list[Casualty]:
        """Help reaches a household: its casualties are attended, the rest may move again."""
        found = self.casualties_at(h)
        for c in found:
            c.reached_at = t
        hh = self.households
        if hh.place[h] == PINNED:
            hh.place[h] = WALKING
            hh.purpose[h] = TO_REFUGE
            b = self.nearest_building(hh.xy[h])
            hh.errand[h] = b
            hh.legs.put(
                h, Leg.along(np.vstack([hh.xy[h], self.building_xy[b]]), t, float(hh.speed[h]))
            )
        return found


def _nearest_source_tree(streets: StreetMap, sources: IntArray) -> _ShelterPaths:
    _, pred, src = dijkstra(
        streets.graphs["walk"],
        indices=np.unique(sources),
        min_only=True,
        return_predecessors=True,
    )
    return _ShelterPaths(np.asarray(pred, dtype=np.int64), np.asarray(src, dtype=np.int64))


@dataclass(frozen=True)
class _ShelterPaths:
    pred: IntArray
    source: IntArray

    def __call__(self, node: int) -> tuple[list[int], int]:
        """The nodes from `node` to its nearest shelter's node, and that node."""
        site = int(self.source[node])
        if site < 0:
            return [], -1
        path = [node]
        while path[-1] != site:
            path.append(int(self.pred[path[-1]]))
        return path, site
