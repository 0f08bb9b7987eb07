"""The simulated people: the authorities, residents, reporters, responders and operators.

Each agent acts on the world it can see and talks to Magen only through the HTTP API
(`magen.sim.client.Api`). Residents follow one of two rules, the only difference between a
Magen run and its baseline: `FollowMagen` asks Magen's guidance where they stand and does
what it says; `AlarmOnly` goes to the nearest public shelter on every siren, as the alarm
alone tells them. Everything else (attackers, reporting, responders, operators) is the same.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from magen.domain.alerts import SHELTER_CATEGORIES, AlertCategory
from magen.domain.values import Role
from magen.geo.town import Town
from magen.sim.client import Api, Provisioner, Who, point
from magen.sim.phrases import Lang, household_language, typed
from magen.sim.reporting import Relook, ReportingModel, SightingIntent, SosIntent
from magen.sim.scenario import AlertSpec, ResponderGroup, Scenario, Span
from magen.sim.streets import Leg
from magen.sim.world import (
    HOME,
    INDOORS,
    PINNED,
    SHELTER,
    TO_REFUGE,
    TO_SHELTER,
    WALKING,
    Body,
    World,
)

FloatArray = npt.NDArray[np.float64]
Action = Callable[[float], Awaitable[None]]

_STAY_ACTIONS = frozenset(
    {
        "lock_in",
        "stay_in_protected_space",
        "take_cover",
        "stay_near_protected_space",
        "stay_inside",
    }
)
# Track statuses that end a threat (its danger area is lifted then, never on staleness).
_CLOSED_TRACK = frozenset({"neutralised", "false_alarm", "merged"})


def draw(rng: np.random.Generator, span: Span) -> float:
    return float(rng.uniform(span.low, span.high)) if span.high > span.low else span.low


class Agenda:
    """Actions due at simulated times, run in time order (ties in the order they were set)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Action]] = []
        self._seq = itertools.count()

    def at(self, t: float, action: Action) -> None:
        heapq.heappush(self._heap, (t, next(self._seq), action))

    def every(self, start: float, period: float, action: Action, until: float) -> None:
        """Run an action periodically from `start` until `until`."""

        async def tick(t: float) -> None:
            await action(t)
            if t + period <= until:
                self.at(t + period, tick)

        self.at(start, tick)

    def next_time(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def pop(self) -> tuple[float, Action]:
        t, _, action = heapq.heappop(self._heap)
        return t, action

    def __len__(self) -> int:
        return len(self._heap)


@dataclass
class Sim:
    """What every agent shares: the scenario, the world, the API and the agenda."""

    scenario: Scenario
    town: Town
    world: World
    api: Api
    agenda: Agenda
    provision: Provisioner
    streams: dict[str, np.random.Generator]
    sightings: dict[str, str | None] = field(default_factory=dict)  # truth of each report
    sos: dict[str, dict[str, Any]] = field(default_factory=dict)
    casualty_ids: dict[str, str] = field(default_factory=dict)  # world casualty -> Magen id

    @property
    def start(self) -> datetime:
        return self.scenario.start

    def resident_language(self, household: int) -> Lang:
        """The language a household types its messages in."""
        return household_language(household, self.scenario.typing.residents)

    def staff_typed(self, key: str) -> str:
        """What a dispatcher, responder or medic types for `key`."""
        return typed(key, self.scenario.typing.staff)

    def when(self, t: float) -> datetime:
        return self.scenario.start + timedelta(seconds=t)

    def lonlat(self, xy: FloatArray | tuple[float, float]) -> tuple[float, float]:
        return self.world.lonlat_of(np.asarray(xy, dtype=np.float64))

    def where(
        self, xy: FloatArray | tuple[float, float], accuracy_m: float | None = None
    ) -> dict[str, Any]:
        lon, lat = self.lonlat(xy)
        return point(lon, lat, accuracy_m)

    def sos_households(self) -> dict[int, str]:
        """Households with an open SOS, and the first one's id."""
        out: dict[int, str] = {}
        for sos_id, info in self.sos.items():
            if "resolved" not in info:
                out.setdefault(int(info["household"]), sos_id)
        return out

    def open_sos_of(self, household: int) -> list[str]:
        """Every open SOS raised about a household (duplicates too)."""
        return [
            sos_id
            for sos_id, info in self.sos.items()
            if int(info["household"]) == household and "resolved" not in info
        ]

    def zone_ids(self, spec: AlertSpec) -> list[str]:
        if spec.zones == "all":
            return [str(z) for z in self.town.zones.id.tolist()]
        return list(spec.zones)


# --- the authorities ----------------------------------------------------------------------


class Authority:
    """The Home Front Command: issues the scenario's official alerts on time."""

    def __init__(self, sim: Sim, who: Who, residents: Residents) -> None:
        self.sim = sim
        self.who = who
        self.residents = residents
        self.issued: list[dict[str, Any]] = []

    def schedule(self) -> None:
        for spec in sorted(self.sim.scenario.alerts, key=lambda a: a.at_min):
            self.sim.agenda.at(spec.at_min * 60.0, self._issuer(spec))

    def _issuer(self, spec: AlertSpec) -> Action:
        async def issue(t: float) -> None:
            await self.issue(spec, t)

        return issue

    async def issue(self, spec: AlertSpec, t: float) -> None:
        sim = self.sim
        zones = sim.zone_ids(spec)
        body: dict[str, Any] = {
            "category": spec.category.value,
            "zone_ids": zones,
            "issued_at": sim.when(t).isoformat(),
            "expires_at": sim.when(t + spec.duration_min * 60.0).isoformat(),
        }
        if spec.seconds_to_shelter is not None:
            body["seconds_to_shelter"] = dict.fromkeys(zones, spec.seconds_to_shelter)
        answer = await sim.api.command("/api/v1/alerts", self.who, body)
        self.issued.append(
            {
                "t": t,
                "category": spec.category.value,
                "zones": len(zones),
                "seconds_to_shelter": spec.seconds_to_shelter,
                "id": answer.get("id") if answer else None,
            }
        )
        self.residents.on_alert(spec, set(zones), t)


# --- residents ----------------------------------------------------------------------------


class Residents:
    """How households react to alerts and decide to go out: shared parts of both rules."""

    name = "base"

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.rng = sim.streams["households"]
        town = sim.town
        self._zone_names = [str(z) for z in town.zones.id.tolist()]
        self._building_zone = np.asarray(town.buildings.zone, dtype=np.int64)

    def zone_of(self, households: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The alert zone each household is in now (index, -1 off the zones)."""
        hh = self.sim.world.households
        out = np.full(len(households), -1, dtype=np.int64)
        inside = hh.building[households] >= 0
        out[inside] = self._building_zone[hh.building[households[inside]]]
        rest = households[~inside]
        if len(rest):
            lon, lat = self.sim.town.to_lonlat(hh.xy[rest, 0], hh.xy[rest, 1])
            out[~inside] = self.sim.town.zone_index(lon, lat)
        return out

    def affected(self, zones: set[str]) -> list[int]:
        hh = self.sim.world.households
        every = np.arange(len(hh), dtype=np.int64)
        wanted = np.array([z in zones for z in self._zone_names] + [False])
        idx = self.zone_of(every)
        return [int(h) for h in every[wanted[idx]]]

    def on_alert(self, spec: AlertSpec, zones: set[str], t: float) -> None:
        if spec.category is AlertCategory.TERRORIST_INFILTRATION:
            self._lock_down(zones, t, spec)
        elif spec.category in SHELTER_CATEGORIES:
            self.on_siren(self.affected(zones), t, spec)

    def _lock_down(self, zones: set[str], t: float, spec: AlertSpec) -> None:
        """An official infiltration alert: everyone in, doors locked (both rules alike)."""
        w = self.sim.world
        hh = w.households
        until = t + spec.duration_min * 60.0
        for h in self.affected(zones):
            hh.aware[h] = True
            hh.locked[h] = True
            if hh.place[h] == WALKING:
                delay = draw(self.rng, self.sim.scenario.residents.react_s)
                self.sim.agenda.at(t + delay, self._refuge(h, until))
            elif hh.place[h] in (SHELTER, INDOORS):
                w.stay(h, until)

    def _refuge(self, h: int, until: float) -> Action:
        async def go(t: float) -> None:
            if self.sim.world.households.place[h] == WALKING:
                self.sim.world.take_refuge(h, t, until)

        return go

    def eligible_for_shelter(self, h: int, t: float) -> bool:
        """Whether a household would leave where it is for a public shelter on a siren."""
        w = self.sim.world
        hh = w.households
        if hh.able(h) <= 0 or hh.hiding_until[h] > t:
            return False
        place = int(hh.place[h])
        if place == PINNED:
            return False
        if place == HOME:
            return not bool(hh.mamad[h])
        if place == INDOORS:
            return not bool(w.building_protected[int(hh.building[h])])
        return True

    def on_siren(self, households: list[int], t: float, spec: AlertSpec) -> None:
        raise NotImplementedError

    async def tick(self, t: float) -> None:
        raise NotImplementedError


class AlarmOnly(Residents):
    """The baseline: on a siren, to the nearest public shelter; home after ten minutes."""

    name = "alarm_only"

    def on_siren(self, households: list[int], t: float, spec: AlertSpec) -> None:
        w = self.sim.world
        stay = t + 60.0 * self.sim.scenario.residents.stay_after_siren_min
        for h in households:
            if w.households.place[h] == SHELTER:
                w.stay(h, max(stay, float(w.households.until[h])))
                continue
            if not self.eligible_for_shelter(h, t):
                continue
            delay = draw(self.rng, self.sim.scenario.residents.react_s)
            self.sim.agenda.at(t + delay, self._go(h, stay))

    def _go(self, h: int, stay: float) -> Action:
        async def go(t: float) -> None:
            w = self.sim.world
            if w.households.place[h] == SHELTER or w.households.purpose[h] == TO_SHELTER:
                w.households.until[h] = max(float(w.households.until[h]), stay)
                return
            if self.eligible_for_shelter(h, t):
                w.go_to_shelter(h, t, stay)

        return go

    async def tick(self, t: float) -> None:
        w = self.sim.world
        for h in w.due_to_leave(t):
            w.go_home(h, t)
        for h in w.due_outings(t):
            w.start_outing(h, t)


class AlarmInTime(AlarmOnly):
    """The Home Front Command's own rule, without Magen: a shelter only if reachable in time.

    On a siren, a household without a protected space goes to the nearest public shelter only
    if it can get there within the zone's seconds (10 s to get out, then 1.4 m/s, as the
    guidance engine assumes); otherwise it stays in (inner room, stairwell). Outside alerts it
    behaves as `AlarmOnly`. A reference that separates what the time rule alone gives from
    what Magen's picture of the ground threat adds.
    """

    name = "alarm_in_time"
    EXIT_S = 10.0
    WALK_MPS = 1.4

    def on_siren(self, households: list[int], t: float, spec: AlertSpec) -> None:
        w = self.sim.world
        budget = float(spec.seconds_to_shelter if spec.seconds_to_shelter is not None else 90)
        reachable = []
        for h in households:
            if w.households.place[h] == SHELTER:
                reachable.append(h)
                continue
            _, path = w.shelter_path(h)
            metres = float(np.hypot(*np.diff(path, axis=0).T).sum())
            if self.EXIT_S + metres / self.WALK_MPS <= budget:
                reachable.append(h)
        super().on_siren(reachable, t, spec)


class FollowMagen(Residents):
    """Residents with Magen: they ask the guidance where they stand and do what it says."""

    name = "magen"

    def __init__(self, sim: Sim) -> None:
        super().__init__(sim)
        self.anyone = Who(label="guidance-probe", device="sim-guidance-probe")
        self.etag: str | None = None
        self._answers: dict[tuple[str, int, int], tuple[str | None, dict[str, Any]]] = {}
        self._overrides: set[str] = set()
        self.asked = 0
        self.changes = 0
        self._last_asked = np.full(len(sim.world.households), -np.inf)

    # asking

    def _place(self, h: int) -> tuple[str, int, int]:
        w = self.sim.world
        hh = w.households
        if hh.building[h] >= 0:
            return ("b", int(hh.building[h]), 0)
        if hh.place[h] == SHELTER:
            return ("s", int(h), 0)
        x, y = hh.xy[h]
        return ("p", round(float(x)), round(float(y)))

    async def ask(self, h: int) -> dict[str, Any] | None:
        """The guidance for where a household stands (one request per place and version)."""
        sim, w = self.sim, self.sim.world
        key = self._place(h)
        cached = self._answers.get(key)
        if cached is not None and cached[0] == self.etag and key[0] == "b":
            return cached[1]
        hh = w.households
        xy = w.building_xy[key[1]] if key[0] == "b" else hh.xy[h]
        lon, lat = sim.lonlat(xy)
        who = Who(label=f"h{h}", device=f"sim-h{h}")
        response = await sim.api.call(
            "GET",
            "/api/v1/guidance",
            who,
            params={"lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "lang": "en"},
        )
        self.asked += 1
        self._last_asked[h] = 0.0
        if response.status_code != 200:
            return None
        answer: dict[str, Any] = response.json()
        if key[0] == "b":
            self._answers[key] = (response.headers.get("etag"), answer)
        return answer

    def follow(self, h: int, answer: dict[str, Any], t: float, *, siren_stay: float | None) -> None:
        """Do what the guidance says."""
        w = self.sim.world
        hh = w.households
        action = answer.get("action")
        place = int(hh.place[h])
        if action == "lock_in":
            hh.locked[h] = True
        if action == "go_to_shelter" and siren_stay is not None:
            if (
                place in (SHELTER,)
                or hh.purpose[h] == TO_SHELTER
                or not self.eligible_for_shelter(h, t)
            ):
                if place == SHELTER:
                    w.stay(h, max(siren_stay, float(hh.until[h])))
                return
            route = answer.get("route") or []
            shelter = answer.get("shelter")
            if shelter is None:
                return
            pts = [w.xy_of(lon, lat) for lon, lat in route]
            pts.append(w.xy_of(shelter["lon"], shelter["lat"]))
            w.go_to_shelter(h, t, siren_stay, np.array(pts))
            return
        if action in _STAY_ACTIONS:
            hold = t + self.sim.scenario.residents.recheck_s
            if place in (WALKING, PINNED):
                if place == WALKING and hh.purpose[h] != TO_REFUGE:
                    w.take_refuge(h, t, hold)
            elif place in (SHELTER, INDOORS):
                w.stay(h, max(hold, float(hh.until[h])))
            return

    # reacting

    def on_siren(self, households: list[int], t: float, spec: AlertSpec) -> None:
        w = self.sim.world
        hh = w.households
        stay = t + 60.0 * self.sim.scenario.residents.stay_after_siren_min
        groups: dict[tuple[str, int, int], list[int]] = {}
        for h in households:
            if hh.place[h] == SHELTER:
                w.stay(h, max(stay, float(hh.until[h])))
                continue
            if not self.eligible_for_shelter(h, t) and hh.place[h] != WALKING:
                continue
            groups.setdefault(self._place(h), []).append(h)
        for members in groups.values():
            delay = draw(self.rng, self.sim.scenario.residents.react_s)
            self.sim.agenda.at(t + delay, self._check(members, stay))

    def _check(self, members: list[int], siren_stay: float | None) -> Action:
        async def check(t: float) -> None:
            answer = await self.ask(members[0])
            if answer is None:
                return
            for h in members:
                self.follow(h, answer, t, siren_stay=siren_stay)

        return check

    async def tick(self, t: float) -> None:
        sim, w = self.sim, self.sim.world
        hh = w.households
        await self._watch(t)
        for h in w.due_to_leave(t):
            answer = await self.ask(h)
            action = answer.get("action") if answer else None
            if action in _STAY_ACTIONS or action == "go_to_shelter":
                w.stay(h, t + sim.scenario.residents.recheck_s)
            else:
                w.go_home(h, t)
        for h in w.due_outings(t):
            answer = await self.ask(h)
            if answer is not None and answer.get("action") == "routine":
                w.start_outing(h, t)
        del hh

    async def _watch(self, t: float) -> None:
        """Learn that guidance changed (the app's notification), and who should look again."""
        sim = self.sim
        headers = {"If-None-Match": self.etag} if self.etag else None
        lon, lat = sim.town.projection.lon_0, sim.town.projection.lat_0
        response = await sim.api.call(
            "GET",
            "/api/v1/guidance",
            self.anyone,
            params={"lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "lang": "en"},
            headers=headers,
            expect=(200, 304),
        )
        if response.status_code != 200:
            return
        self.etag = response.headers.get("etag")
        self.changes += 1
        await self._notify(t)

    async def _notify(self, t: float) -> None:
        sim, w = self.sim, self.sim.world
        hh = w.households
        spec = sim.scenario.residents
        walking = np.flatnonzero((hh.place == WALKING) & (hh.purpose != TO_REFUGE)).tolist()
        for h in walking:
            delay = draw(self.rng, spec.notify_s)
            sim.agenda.at(t + delay, self._check([h], None))
        overrides = await sim.api.get("/api/v1/guidance/overrides", self.anyone)
        if not overrides:
            return
        fresh = [o for o in overrides.get("overrides", []) if o["id"] not in self._overrides]
        for o in fresh:
            self._overrides.add(o["id"])
            area = o.get("area")
            if not area or area.get("kind") != "circle":
                continue
            centre = w.xy_of(area["lon"], area["lat"])
            for b in w.buildings_within(centre, float(area["radius_m"])).tolist():
                members = [h for h in hh.by_building[b] if hh.place[h] == HOME and not hh.locked[h]]
                if members:
                    delay = draw(self.rng, spec.notify_s)
                    sim.agenda.at(t + delay, self._check(members, None))


# --- reporters ----------------------------------------------------------------------------


class Reporters:
    """Residents' phones: sightings and calls for help, registered or anonymous."""

    def __init__(self, sim: Sim, model: ReportingModel) -> None:
        self.sim = sim
        self.model = model
        self._who: dict[int, Who] = {}
        self.sent_sightings = 0
        self.sent_sos = 0
        self.open_sos: dict[int, str] = {}  # household -> its open SOS id

    async def who(self, h: int) -> Who:
        found = self._who.get(h)
        if found is not None:
            return found
        hh = self.sim.world.households
        if hh.registered[h]:
            who = await self.sim.provision.account(
                f"sim-res-{h:05d}", Role.RESIDENT, f"Resident {h}"
            )
        else:
            who = Who(label=f"h{h}", device=f"sim-h{h}")
        self._who[h] = who
        return who

    def schedule_sighting(self, intent: SightingIntent) -> None:
        async def send(t: float) -> None:
            await self.send_sighting(intent)

        self.sim.agenda.at(intent.send_at, send)

    def schedule_relook(self, relook: Relook) -> None:
        async def look(t: float) -> None:
            intents, relooks = self.model.on_relook(relook)
            for i in intents:
                self.schedule_sighting(i)
            for r in relooks:
                self.schedule_relook(r)

        self.sim.agenda.at(relook.at, look)

    async def send_sighting(self, intent: SightingIntent) -> None:
        sim = self.sim
        h = int(intent.reporter[1:])
        who = await self.who(h)
        body: dict[str, Any] = {
            "where": sim.where(intent.xy, 15.0),
            "observed_at": sim.when(intent.observed_at).isoformat(),
            "mobility": intent.mobility,
            "armed": "yes",
        }
        if intent.count is not None:
            body["count"] = intent.count
        if intent.heading_deg is not None:
            body["heading_deg"] = round(intent.heading_deg, 1) % 360.0
        answer = await sim.api.command("/api/v1/sightings", who, body)
        if answer and answer.get("id"):
            sim.sightings[answer["id"]] = intent.team_id
            self.sent_sightings += 1

    def schedule_sos(self, intent: SosIntent) -> None:
        async def send(t: float) -> None:
            await self.send_sos(intent, t)

        self.sim.agenda.at(intent.send_at, send)

    async def send_sos(self, intent: SosIntent, t: float) -> None:
        sim, w = self.sim, self.sim.world
        hh = w.households
        h = intent.household
        if intent.caller == h and h in self.open_sos:
            return
        who = await self.who(intent.caller)
        people = int(max(1, hh.size[h] - hh.killed[h]))
        injured = int(min(hh.hurt[h] + hh.killed[h], people))
        children = int(min(self.model.rng.binomial(people, 0.25), people))
        near = any(float(np.hypot(*(tm.xy - hh.xy[h]))) < 80.0 for tm in w.active_teams())
        body = {
            "where": sim.where(hh.xy[h], 10.0),
            "observed_at": sim.when(t).isoformat(),
            "people": people,
            "injured": injured,
            "children": children,
            "silent": near,
            "text": typed(
                "sos_house" if intent.cause == "house" else "sos_wounded",
                sim.resident_language(intent.caller),
            ),
        }
        answer = await sim.api.command("/api/v1/sos", who, body)
        if answer and answer.get("id"):
            sos_id = answer["id"]
            self.sent_sos += 1
            sim.sos[sos_id] = {
                "household": h,
                "caller": intent.caller,
                "cause": intent.cause,
                "t": t,
                "injured": injured,
                "duplicate": h in self.open_sos,
            }
            self.open_sos.setdefault(h, sos_id)


# --- responders ---------------------------------------------------------------------------


@dataclass
class Job:
    """An assignment a responder has taken: where to, and what happened on the way."""

    assignment_id: str
    kind: str  # incident | track | responder (a wounded colleague)
    target_id: str
    xy: FloatArray
    arrived_at: float | None = None
    done: bool = False
    searched_until: float = math.inf


@dataclass(frozen=True)
class Hospitals:
    """The hospitals casualties are taken to, as registered in Magen."""

    ids: tuple[str, ...]
    xy: tuple[FloatArray, ...]

    def distance(self, hospital_id: str, xy: FloatArray) -> float:
        """The straight-line distance from `xy` to one of these hospitals, in metres."""
        return float(np.hypot(*(self.xy[self.ids.index(hospital_id)] - xy)))


class Responder:
    """One responder: checks in, reports position and what they see, goes where sent."""

    POSITION_EVERY_S = 30.0
    SIGHTING_EVERY_S = 90.0
    SEARCH_S = 180.0  # looking for a track's attackers where they were reported
    HUNT_M = 250.0
    ON_SCENE_S = (90.0, 300.0)

    def __init__(
        self, sim: Sim, who: Who, group: ResponderGroup, body: Body, reach_at: float | None
    ) -> None:
        self.sim = sim
        self.who = who
        self.group = group
        self.body = body
        self.reach_at = reach_at  # when they can come (None: cannot be reached today)
        self.home_xy = body.xy.copy()
        self.checked_in = False
        self.available_at: float | None = None  # when they went on duty
        self.job: Job | None = None
        self.engaging: str | None = None  # the team this responder is closing with
        self.status = "off_duty"
        self._last_position = -math.inf
        self._last_sighting: dict[str, float] = {}
        self.rng = sim.streams["responders"]

    @property
    def responder_id(self) -> str:
        return self.who.account_id or self.who.label

    @property
    def on_duty(self) -> bool:
        return self.checked_in and self.available_at is not None

    async def check_in(self, t: float) -> None:
        """Open the app: on duty for those on duty, off duty (reachable by call-up) otherwise."""
        sim = self.sim
        status = "available" if self.group.on_duty else "off_duty"
        body = {
            "kind": self.group.kind.value,
            "capabilities": [c.value for c in self.group.capabilities],
            "radio_channel": "sim",
            "status": status,
            "where": sim.where(self.body.xy, 10.0),
        }
        if await sim.api.command("/api/v1/responders/check-in", self.who, body):
            self.checked_in = True
            self.status = status
            self.body.present = self.group.on_duty
            self._last_position = t
            if self.group.on_duty:
                self.available_at = t

    async def come(self, t: float, callup_id: str | None = None) -> None:
        """Off duty, reached (by a call-up or by word of mouth): on the way, available."""
        if not self.checked_in or self.on_duty or self.body.wounded:
            return
        sim = self.sim
        if callup_id is not None:
            eta = round(self.rng.uniform(2.0, 10.0))
            await sim.api.command(
                f"/api/v1/callups/{callup_id}/ack", self.who, {"coming": True, "eta_min": eta}
            )
        await self.set_status("available", self.sim.staff_typed("coming_in"))
        self.available_at = t
        self.body.present = True

    async def decline(self, callup_id: str) -> None:
        await self.sim.api.command(
            f"/api/v1/callups/{callup_id}/ack",
            self.who,
            {"coming": False, "note": self.sim.staff_typed("cannot_come")},
        )

    async def set_status(self, status: str, note: str = "") -> None:
        if status == self.status:
            return
        self.status = status
        await self.sim.api.command(
            "/api/v1/responders/status", self.who, {"status": status, "note": note}
        )

    # --- assignments ------------------------------------------------------------------------

    def notify(self, assignment_id: str, kind: str, target_id: str, at: float) -> None:
        """The app shows a new assignment; the responder reads it a little later."""

        async def read(t: float) -> None:
            await self.take(assignment_id, kind, target_id, t)

        self.sim.agenda.at(at, read)

    async def take(self, assignment_id: str, kind: str, target_id: str, t: float) -> None:
        sim = self.sim
        if self.job is not None or self.body.wounded:
            await sim.api.command(
                f"/api/v1/dispatch/assignments/{assignment_id}/cancel",
                self.who,
                {"note": self.sim.staff_typed("busy")},
            )
            return
        target = await self._target_of(kind, target_id)
        if target is None:
            await sim.api.command(
                f"/api/v1/dispatch/assignments/{assignment_id}/cancel",
                self.who,
                {"note": self.sim.staff_typed("busy")},
            )
            return
        if not await sim.api.command(
            f"/api/v1/dispatch/assignments/{assignment_id}/ack", self.who, {}
        ):
            return
        xy = sim.world.xy_of(float(target["lon"]), float(target["lat"]))
        self.job = Job(assignment_id, kind, target_id, xy)
        self.status = "en_route"  # acknowledging puts the responder en route
        self.go_to(xy, t)
        await self._report_position(t)

    async def _target_of(self, kind: str, target_id: str) -> dict[str, Any] | None:
        """Where the assignment sends this responder, as their phone reads it: the incident,
        the track, or a wounded responder's last position in the picture."""
        if kind == "responder":
            picture = await self.sim.api.get("/api/v1/picture", self.who)
            for r in (picture or {}).get("responders") or []:
                if r.get("id") == target_id and r.get("lat") is not None:
                    return {"lat": r["lat"], "lon": r["lon"]}
            return None
        path = f"/api/v1/{'incidents' if kind == 'incident' else 'tracks'}/{target_id}"
        found: dict[str, Any] | None = await self.sim.api.get(path, self.who)
        return found

    def go_to(self, xy: FloatArray, t: float) -> None:
        """Set off towards a point, by car or on foot."""
        kind = "drive" if self.body.vehicle else "walk"
        path = self.sim.world.map.route(self.body.xy, xy, kind)
        self.body.leg = Leg.along(path, t, self.body.speed)

    async def _report_position(self, t: float) -> None:
        self._last_position = t
        await self.sim.api.command(
            "/api/v1/responders/position",
            self.who,
            {
                "where": self.sim.where(self.body.xy, 8.0),
                "observed_at": self.sim.when(t).isoformat(),
            },
        )

    # --- every step --------------------------------------------------------------------------

    async def tick(self, t: float, medics: Medics | None = None) -> None:
        if not self.on_duty:
            return
        body = self.body
        if body.wounded:
            if self.status != "wounded":
                await self.set_status("wounded", self.sim.staff_typed("hit"))
                await self._drop_job(self.sim.staff_typed("wounded"))
            return
        # Every 30 s on duty, moving or standing (the responder page sends a fix every 15 s
        # while its GPS reports one): a responder standing on scene is where they say.
        if t - self._last_position >= self.POSITION_EVERY_S:
            await self._report_position(t)
        await self._see(t)
        job = self.job
        if job is None:
            return
        if job.arrived_at is None and body.leg is None:
            job.arrived_at = t
            await self._report_position(t)
            await self.sim.api.command(
                f"/api/v1/dispatch/assignments/{job.assignment_id}/arrived", self.who, {}
            )
            self.status = "on_scene"
            if job.kind == "incident":
                await self._at_incident(job, t, medics)
            elif job.kind == "responder":
                await self._at_wounded_responder(job, t)
            else:
                job.searched_until = t + self.SEARCH_S
        if job.kind == "track" and job.arrived_at is not None and not job.done:
            await self._hunt(job, t)

    async def _see(self, t: float) -> None:
        sim, body = self.sim, self.body
        for team in sim.world.active_teams():
            if not team.visible:
                continue
            if float(np.hypot(*(team.xy - body.xy))) > sim.scenario.reporting.sight_m:
                continue
            if t - self._last_sighting.get(team.team_id, -math.inf) < self.SIGHTING_EVERY_S:
                continue
            self._last_sighting[team.team_id] = t
            noise = self.rng.normal(0.0, 15.0, 2)
            heading = team.heading(t)
            body_json: dict[str, Any] = {
                "where": sim.where(team.xy + noise, 15.0),
                "observed_at": sim.when(t).isoformat(),
                "count": int(team.members),
                "mobility": team.mobility,
                "armed": "yes",
            }
            if heading is not None:
                body_json["heading_deg"] = round(heading, 1) % 360.0
            answer = await sim.api.command("/api/v1/sightings", self.who, body_json)
            if answer and answer.get("id"):
                sim.sightings[answer["id"]] = team.team_id

    async def _hunt(self, job: Job, t: float) -> None:
        """At a track: close with the nearest attackers; done when they are down or gone."""
        w = self.sim.world
        near = [
            tm
            for tm in w.active_teams()
            if tm.phase.name != "DRIVING"
            and float(np.hypot(*(tm.xy - self.body.xy))) <= self.HUNT_M
        ]
        if near:
            target = min(near, key=lambda tm: float(np.hypot(*(tm.xy - self.body.xy))))
            self.engaging = target.team_id
            if self.body.leg is None or float(np.hypot(*(self.body.leg.xy[-1] - target.xy))) > 20.0:
                self.go_to(target.xy, t)
            if self.status != "engaged":
                await self.set_status("engaged", self.sim.staff_typed("contact"))
            job.searched_until = t + self.SEARCH_S
            return
        if t >= job.searched_until:
            await self.finish(t, self.sim.staff_typed("no_attackers"))

    async def _at_incident(self, job: Job, t: float, medics: Medics | None) -> None:
        """At people calling for help: reach them, record the hurt, treat or leave for a medic."""
        await self._attend(job, t, medics, set())

    async def _at_wounded_responder(self, job: Job, t: float) -> None:
        """At a wounded colleague: first aid on the spot, then the assignment is done (which
        records them attended; their evacuation is the casualty path's, as for anyone hurt)."""
        stay = float(self.rng.uniform(*self.ON_SCENE_S))

        async def wrap_up(t2: float) -> None:
            if not job.done and self.job is job:
                await self.finish(t2, self.sim.staff_typed("done"))

        self.sim.agenda.at(t + stay, wrap_up)

    def _calling_nearby(self, seen: set[int]) -> list[int]:
        """Households within earshot with an open SOS this responder has not attended yet."""
        w = self.sim.world
        return [
            h
            for h in self.sim.sos_households()
            if h not in seen and float(np.hypot(*(w.households.xy[h] - self.body.xy))) <= 90.0
        ]

    async def _attend(self, job: Job, t: float, medics: Medics | None, seen: set[int]) -> None:
        """Reach the callers here; before leaving, attend whoever nearby called meanwhile."""
        sim, w = self.sim, self.sim.world
        here = self._calling_nearby(seen)
        for h in here:
            w.reach(h, t)
        seen |= set(here)
        hurt = [c for h in here for c in w.untreated(h)]
        stay = float(self.rng.uniform(*self.ON_SCENE_S))
        if medics is not None:
            await medics.record(self, hurt, t)
            if self.body.medic:
                stay = max(stay, await medics.treat(self, hurt, t))

        async def wrap_up(t2: float) -> None:
            if job.done or self.job is not job:
                return
            if self._calling_nearby(seen):
                # A neighbour called while this responder was here: they go to them too.
                await self._attend(job, t2, medics, seen)
                return
            waiting = {h for h in seen if any(not c.killed for c in w.untreated(h))}
            for h in sorted(seen):
                for sos_id in sim.open_sos_of(h):
                    if h in waiting:
                        # Wounded still here: the call stays open so a medic is sent.
                        injured = len([c for c in w.untreated(h) if not c.killed])
                        await sim.api.command(
                            f"/api/v1/sos/{sos_id}/update",
                            self.who,
                            {"injured": injured, "text": self.sim.staff_typed("wounded_wait")},
                        )
                        continue
                    await sim.api.command(
                        f"/api/v1/sos/{sos_id}/resolve",
                        self.who,
                        {"outcome": "rescued", "note": self.sim.staff_typed("reached")},
                    )
                    sim.sos[sos_id]["resolved"] = t2
            await self.finish(t2, self.sim.staff_typed("wounded_wait" if waiting else "done"))

        sim.agenda.at(t + stay, wrap_up)

    async def _drop_job(self, note: str) -> None:
        """Give up the assignment (hit, say): the task is shown unstaffed and sent again.

        Left active, the assignment would go on counting against its task's needs, so the
        board would never recommend anyone in the wounded responder's place.
        """
        job, self.job = self.job, None
        self.engaging = None
        if job is None or job.done:
            return
        job.done = True
        await self.sim.api.command(
            f"/api/v1/dispatch/assignments/{job.assignment_id}/cancel", self.who, {"note": note}
        )

    async def finish(self, t: float, note: str) -> None:
        job = self.job
        if job is None or job.done:
            return
        job.done = True
        self.engaging = None
        await self.sim.api.command(
            f"/api/v1/dispatch/assignments/{job.assignment_id}/complete", self.who, {"note": note}
        )
        self.job = None
        self.status = "available"

    @property
    def available(self) -> bool:
        return self.on_duty and not self.body.wounded and self.job is None


class Medics:
    """Casualties through Magen's casualty records: found, evacuated, at hospital or dead."""

    def __init__(self, sim: Sim, hospitals: Hospitals) -> None:
        self.sim = sim
        self.hospitals = hospitals
        self.tags = itertools.count(1)
        self.recorded = 0

    async def record(self, who: Responder, casualties: list[Any], t: float) -> None:
        """Record the casualties nobody has recorded yet, under fresh tag numbers."""
        sim = self.sim
        for c in casualties:
            if c.casualty_id in sim.casualty_ids:
                continue
            tag = f"SIM-{next(self.tags):04d}"
            answer = await sim.api.command(
                "/api/v1/casualties",
                who.who,
                {"tag": tag, "where": sim.where(c.xy, 10.0), "found_at": sim.when(t).isoformat()},
            )
            if answer and answer.get("id"):
                sim.casualty_ids[c.casualty_id] = answer["id"]
                self.recorded += 1

    async def treat(self, medic: Responder, casualties: list[Any], t: float) -> float:
        """A medic certifies the dead and takes the wounded to hospital; the time on scene."""
        sim = self.sim
        load = 60.0 * draw(medic.rng, sim.scenario.transport.load_min)
        for c in casualties:
            cid = sim.casualty_ids.get(c.casualty_id)
            if cid is None:
                continue
            if c.killed:
                await sim.api.command(
                    f"/api/v1/casualties/{cid}/death",
                    medic.who,
                    {"place": "at the scene", "at": sim.when(t).isoformat()},
                )
                c.hospital = "deceased"
                continue
            hid = await self.destination(medic, c.xy)
            if hid is None:
                continue  # nowhere to take them now: they wait at the scene
            metres = self.hospitals.distance(hid, c.xy)
            c.hospital = hid  # taken: no longer waiting at the scene
            leave = t + load
            drive = 1.4 * metres / sim.scenario.transport.drive_speed_mps
            sim.agenda.at(leave, self._evacuate(medic, cid, hid, c))
            sim.agenda.at(leave + drive, self._arrive(medic, cid, hid, c))
        return load

    async def destination(self, medic: Responder, xy: FloatArray) -> str | None:
        """Where the server recommends taking a wounded casualty from `xy` (as a medic's phone
        asks): its best-ranked hospital that is not in lockdown. A hospital closed (to
        ambulances, or its building) is never ranked; None when the server has nowhere, or
        does not answer."""
        lon, lat = self.sim.lonlat(xy)
        ranking = await self.sim.api.get(
            "/api/v1/hospitals/recommendation",
            medic.who,
            lat=f"{lat:.6f}",
            lon=f"{lon:.6f}",
            category="immediate",  # the wounded of an attack: a trauma centre's, as before
        )
        for d in (ranking or {}).get("ranked", []):
            locked = any(f.get("code") == "lockdown" for f in d.get("reason_facts", []))
            if not locked and d.get("hospital_id") in self.hospitals.ids:
                return str(d["hospital_id"])
        return None

    def _evacuate(self, medic: Responder, cid: str, hid: str, c: Any) -> Action:
        async def go(t: float) -> None:
            await self.sim.api.command(
                f"/api/v1/casualties/{cid}/evacuate",
                medic.who,
                {
                    "vehicle": medic.responder_id[-8:],
                    "vehicle_kind": "ambulance",
                    "destination": hid,
                    "at": self.sim.when(t).isoformat(),
                },
            )

        return go

    def _arrive(self, medic: Responder, cid: str, hid: str, c: Any) -> Action:
        async def there(t: float) -> None:
            answer = await self.sim.api.command(
                f"/api/v1/casualties/{cid}/arrival",
                medic.who,
                {"hospital_id": hid, "at": self.sim.when(t).isoformat()},
            )
            if answer is not None:
                c.hospital_at = t

        return there


# --- families -----------------------------------------------------------------------------

_GIVEN = (
    "Noa",
    "Yosef",
    "Tamar",
    "David",
    "Maya",
    "Avi",
    "Rachel",
    "Moshe",
    "Shira",
    "Eitan",
    "Yael",
    "Omer",
    "Miriam",
    "Ari",
    "Dana",
    "Itai",
    "Lea",
    "Nir",
    "Hila",
    "Amir",
)
_FAMILY = (
    "Levi",
    "Cohen",
    "Mizrahi",
    "Peretz",
    "Biton",
    "Dahan",
    "Avraham",
    "Friedman",
    "Azulay",
    "Malka",
    "Edri",
    "Katz",
    "Amar",
    "Ohana",
    "Shapiro",
    "Ben David",
)


class Relatives:
    """Families who cannot reach their own: missing-person reports, and saying they are safe.

    A relative (a resident with an account) reports a household that was away from home when
    the attack began, or a person who was hurt, as missing; when the household is home again
    the relative marks the report safe. The hurt are found through the registry's matching of
    casualty records, which the simulator does not play: their reports stay open.
    """

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.rng = sim.streams["persons"]
        self.reports: dict[str, int] = {}  # report id -> the household it is about
        self.filers: dict[str, Who] = {}
        self.resolved: set[str] = set()
        self._seen_casualties = 0
        self._worried = False

    def _name(self, h: int, k: int) -> dict[str, str]:
        given = _GIVEN[(h * 7 + k * 3) % len(_GIVEN)]
        family = _FAMILY[h % len(_FAMILY)]
        return {"full_name": f"{given} {family}", "given_name": given, "family_name": family}

    async def tick(self, t: float) -> None:
        w, spec = self.sim.world, self.sim.scenario.persons
        if w.attack_began is not None and not self._worried:
            self._worried = True
            delay = 60.0 * draw(self.rng, spec.report_delay_min)
            self.sim.agenda.at(t + delay, self._away)
        for c in w.casualties[self._seen_casualties :]:
            if c.household is not None and self.rng.random() < spec.missing_probability:
                delay = 60.0 * draw(self.rng, spec.report_delay_min)
                self.sim.agenda.at(t + delay, self._filer(c.household, 1, c.t, "hurt"))
        self._seen_casualties = len(w.casualties)

    async def _away(self, t: float) -> None:
        w = self.sim.world
        began = w.attack_began if w.attack_began is not None else t
        for h in np.flatnonzero(w.households.place != HOME).tolist():
            if self.rng.random() < self.sim.scenario.persons.missing_probability:
                await self.report(int(h), 0, began, "away")

    def _filer(self, h: int, k: int, seen: float, why: str) -> Action:
        async def file(t: float) -> None:
            await self.report(h, k, seen, why)

        return file

    async def report(self, h: int, k: int, seen: float, why: str) -> None:
        sim = self.sim
        who = self.filers.get(f"{h}")
        if who is None:
            who = await sim.provision.account(f"sim-family-{h:05d}", Role.RESIDENT, f"Family {h}")
            self.filers[f"{h}"] = who
        answer = await sim.api.command(
            "/api/v1/persons/missing",
            who,
            {
                "name": self._name(h, k),
                "last_seen_where": sim.where(sim.world.households.xy[h], 100.0),
                "last_seen_at": sim.when(seen).isoformat(),
                "last_seen_place": "out when the attack began" if why == "away" else "hurt",
            },
        )
        if answer and answer.get("id") and why == "away":
            self.reports[answer["id"]] = h

    async def check(self, t: float) -> None:
        """Families whose people are home again say so (after a while)."""
        hh = self.sim.world.households
        spec = self.sim.scenario.persons
        for report_id, h in self.reports.items():
            if report_id in self.resolved or hh.place[h] != HOME:
                continue
            self.resolved.add(report_id)
            delay = 60.0 * draw(self.rng, spec.found_delay_min)
            self.sim.agenda.at(t + delay, self._safe(report_id, h))

    def _safe(self, report_id: str, h: int) -> Action:
        async def safe(t: float) -> None:
            await self.sim.api.command(
                f"/api/v1/persons/missing/{report_id}/safe",
                self.filers[f"{h}"],
                {"note": typed("home_safe", self.sim.resident_language(h))},
            )

        return safe


# --- operators ----------------------------------------------------------------------------


class Operators:
    """The console: confirm tracks, draw danger areas, confirm lock-ins, call up, dispatch."""

    CALLUP_RADIUS_M = 5000.0

    def __init__(self, sim: Sim, staff: list[Who], responders: dict[str, Responder]) -> None:
        self.sim = sim
        self.staff = staff
        self.responders = responders
        self.rng = sim.streams["operators"]
        self._turn = 0
        self.pending: set[str] = set()  # acts already scheduled, by key
        self.danger: dict[str, dict[str, Any]] = {}  # track id -> {area_id, lon, lat}
        self.confirmed: list[str] = []
        self.proposals_confirmed = 0
        self.assigned = 0
        self.refused = 0  # accepts refused because the recommendation had changed
        self.reconfirmed = 0  # refused calls sent on at once with the board's new choice
        self.callup_id: str | None = None
        # When a target was first on the console, first had a recommendation, and when
        # someone was first sent there: the dispatcher's processing time, apart from waiting
        # for a free responder.
        self.first_shown: dict[str, float] = {}
        self.first_recommended: dict[str, float] = {}
        self.read_at: dict[str, float] = {}  # when a dispatcher has processed each call
        self.first_assigned: dict[str, float] = {}

    def who(self) -> Who:
        self._turn = (self._turn + 1) % len(self.staff)
        return self.staff[self._turn]

    async def poll(self, t: float) -> None:
        sim = self.sim
        spec = sim.scenario.operators
        lead = self.staff[0]
        tracks = await sim.api.get("/api/v1/tracks", lead, include_closed="true")
        if tracks is not None:
            await self._tracks(tracks.get("tracks", []), t)
        proposals = await sim.api.get("/api/v1/guidance/proposals", lead)
        for p in (proposals or {}).get("proposals", []):
            key = f"proposal:{p['id']}"
            if key not in self.pending:
                self.pending.add(key)
                sim.agenda.at(
                    t + draw(self.rng, spec.proposal_delay_s), self._confirm_proposal(p["id"])
                )
        recs = await sim.api.get("/api/v1/dispatch/recommendations", lead)
        for need in (recs or {}).get("unmet", []):
            self._shown(need["target"]["id"], t)
        for rec in (recs or {}).get("recommendations", []):
            target = rec["target"]["id"]
            self._shown(target, t)
            self.first_recommended.setdefault(target, t)
            self._queue(rec, t)

    def _queue(self, rec: dict[str, Any], t: float) -> bool:
        """Put a recommendation in a dispatcher's hands, once per responder and call."""
        target = rec["target"]["id"]
        key = f"rec:{rec['responder_id']}:{target}"
        if key in self.pending:
            return False
        self.pending.add(key)
        self.sim.agenda.at(self._accept_at(target, t), self._assign(rec, key))
        return True

    def _shown(self, target: str, t: float) -> None:
        """A call (or threat) on the board: a dispatcher starts processing it now."""
        if target not in self.first_shown:
            self.first_shown[target] = t
            self.read_at[target] = t + draw(self.rng, self.sim.scenario.operators.assign_delay_s)

    def _accept_at(self, target: str, t: float) -> float:
        """When a recommendation shown at `t` is accepted: once its call is processed (from
        when it was first shown, NFPA 1225's clock, waiting for a responder or not) and the
        dispatcher has read whom the board sends."""
        click = t + draw(self.rng, self.sim.scenario.operators.accept_s)
        return max(self.read_at.get(target, click), click)

    async def _tracks(self, tracks: list[dict[str, Any]], t: float) -> None:
        sim = self.sim
        spec = sim.scenario.operators
        for tr in tracks:
            tid, status = tr["id"], tr["status"]
            corroborated = (
                bool(tr.get("credible"))
                or int(tr.get("sightings", 0)) >= spec.confirm_min_sightings
            )
            if status == "new" and corroborated and f"confirm:{tid}" not in self.pending:
                self.pending.add(f"confirm:{tid}")
                sim.agenda.at(t + draw(self.rng, spec.confirm_delay_s), self._confirm(tid))
            if status == "confirmed":
                await self._keep_danger_area(tid, tr)
            elif tid in self.danger and status in _CLOSED_TRACK:
                # Only a closed track lifts its area. A stale one is not over: attackers who
                # stop being reported are often holding a house there (Ofakim).
                await self._lift(tid)

    def _confirm(self, track_id: str) -> Action:
        async def confirm(t: float) -> None:
            answer = await self.sim.api.command(
                f"/api/v1/tracks/{track_id}/confirm",
                self.who(),
                {"note": self.sim.staff_typed("corroborated")},
            )
            if answer is not None:
                self.confirmed.append(track_id)
                if self.callup_id is None:
                    await self._call_up(track_id, t)

        return confirm

    async def _call_up(self, track_id: str, t: float) -> None:
        """The first confirmed track: call every off-duty responder in the town to come."""
        sim = self.sim
        lon, lat = sim.town.projection.lon_0, sim.town.projection.lat_0
        answer = await sim.api.command(
            "/api/v1/callups",
            self.who(),
            {
                "centre": point(lon, lat),
                "radius_m": self.CALLUP_RADIUS_M,
                "note": self.sim.staff_typed("callup"),
            },
        )
        if not answer or not answer.get("id"):
            return
        self.callup_id = answer["id"]
        for r in self.responders.values():
            if r.on_duty or not r.checked_in:
                continue
            if r.reach_at is None:
                delay = float(r.rng.uniform(120.0, 600.0))
                sim.agenda.at(t + delay, _decliner(r, self.callup_id))
            else:
                when = min(r.reach_at, t + float(r.rng.uniform(60.0, 240.0)))
                sim.agenda.at(max(when, t + 30.0), _comer(r, self.callup_id))

    async def _keep_danger_area(self, track_id: str, tr: dict[str, Any]) -> None:
        sim = self.sim
        spec = sim.scenario.operators
        lon, lat = float(tr["lon"]), float(tr["lat"])
        area = {
            "kind": "circle",
            "lat": round(lat, 7),
            "lon": round(lon, 7),
            "radius_m": spec.danger_radius_m,
        }
        known = self.danger.get(track_id)
        if known is None:
            answer = await sim.api.command(
                "/api/v1/danger-areas",
                self.who(),
                {
                    "area": area,
                    "reason": "armed_attackers",
                    "threat_id": track_id,
                    "note": self.sim.staff_typed("danger_around"),
                },
            )
            if answer and answer.get("id"):
                self.danger[track_id] = {"area_id": answer["id"], "lon": lon, "lat": lat}
            return
        moved = float(
            np.hypot(*(sim.world.xy_of(lon, lat) - sim.world.xy_of(known["lon"], known["lat"])))
        )
        if moved >= spec.danger_move_m:
            answer = await sim.api.command(
                f"/api/v1/danger-areas/{known['area_id']}/update", self.who(), {"area": area}
            )
            if answer is not None:
                known.update(lon=lon, lat=lat)

    async def _lift(self, track_id: str) -> None:
        known = self.danger.pop(track_id)
        await self.sim.api.command(
            f"/api/v1/danger-areas/{known['area_id']}/lift",
            self.who(),
            {"note": self.sim.staff_typed("track_closed")},
        )

    def _confirm_proposal(self, proposal_id: str) -> Action:
        async def confirm(t: float) -> None:
            answer = await self.sim.api.command(
                "/api/v1/guidance/overrides",
                self.who(),
                {"proposal_id": proposal_id, "reason": self.sim.staff_typed("attackers_near")},
            )
            if answer is not None:
                self.proposals_confirmed += 1

        return confirm

    def _assign(self, rec: dict[str, Any], key: str) -> Action:
        async def assign(t: float) -> None:
            responder = self.responders.get(rec["responder_id"])
            body: dict[str, Any] = {
                "responder_id": rec["responder_id"],
                "recommendation_id": rec["id"],
            }
            answer = await self.sim.api.command(
                "/api/v1/dispatch/assignments", self.who(), body, expect=(200, 201)
            )
            self.pending.discard(key)  # a later recommendation for the same pair may come
            if not answer or not answer.get("id"):
                await self._refreshed(rec, t)
                return
            if responder is None:
                return
            self.assigned += 1
            self.first_assigned.setdefault(rec["target"]["id"], t)
            delay = float(self.rng.uniform(3.0, 15.0))
            responder.notify(answer["id"], rec["target"]["kind"], rec["target"]["id"], t + delay)

        return assign

    async def _refreshed(self, rec: dict[str, Any], t: float) -> None:
        """An accept refused (the plan moved on): the console refreshes, and the call, already
        processed, is sent on with whoever the board now recommends for it."""
        self.refused += 1
        recs = await self.sim.api.get("/api/v1/dispatch/recommendations", self.staff[0])
        target = rec["target"]["id"]
        for fresh in (recs or {}).get("recommendations", []):
            if fresh["target"]["id"] == target and self._queue(fresh, t):
                self.reconfirmed += 1

    def report_neutralised(self, track_id: str, at: float) -> None:
        """A responder radios that the attackers of a track are down."""

        async def act(t: float) -> None:
            track = await self.sim.api.get(f"/api/v1/tracks/{track_id}", self.staff[0])
            if track is None or track.get("status") not in ("new", "confirmed", "stale"):
                return  # merged or closed meanwhile: nothing to neutralise
            await self.sim.api.command(
                f"/api/v1/tracks/{track_id}/neutralise",
                self.who(),
                {"note": self.sim.staff_typed("reported_down")},
            )

        if f"neutralise:{track_id}" not in self.pending:
            self.pending.add(f"neutralise:{track_id}")
            self.sim.agenda.at(at, act)


def _comer(r: Responder, callup_id: str) -> Action:
    async def come(t: float) -> None:
        await r.come(t, callup_id)

    return come


def _decliner(r: Responder, callup_id: str) -> Action:
    async def decline(t: float) -> None:
        await r.decline(callup_id)

    return decline


def responder_groups(
    sim: Sim,
) -> list[tuple[ResponderGroup, int, FloatArray, float | None]]:
    """Each responder's group, index, start point and when they can come (None: unreachable)."""
    rng = sim.streams["responders"]
    w = sim.world
    out = []
    first = min((g.enter_at_min for g in sim.scenario.attackers), default=0.0)
    for group in sim.scenario.responders:
        for i in range(group.count):
            if group.start == "homes":
                weights = w.residents_of / w.residents_of.sum()
                b = int(rng.choice(len(weights), p=weights))
                xy = w.building_xy[b].copy()
            else:
                xy = w.xy_of(group.start.lon, group.start.lat) + rng.normal(0.0, group.spread_m, 2)
            reachable = rng.random() < group.reachable_share
            at: float | None
            if group.on_duty:
                at = 0.0
            elif reachable:
                at = 60.0 * (first + draw(rng, group.reach_delay_min))
            else:
                at = None
            out.append((group, i, xy, at))
    return out
