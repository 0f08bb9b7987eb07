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
    {"lock_in", "stay_in_protected_space", "take_cover", "stay_near_protected_space"}
)


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

    def when(self, t: float) -> datetime:
        return self.scenario.start + timedelta(seconds=t)

    def lonlat(self, xy: FloatArray | tuple[float, float]) -> tuple[float, float]:
        return self.world.lonlat_of(np.asarray(xy, dtype=np.float64))

    def where(
        self, xy: FloatArray | tuple[float, float], accuracy_m: float | None = None
    ) -> dict[str, Any]:
        lon, lat = self.lonlat(xy)
        return point(lon, lat, accuracy_m)

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
            "text": "attackers in the building"
            if intent.cause == "house"
            else "wounded, need help",
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
class Assignment:
    assignment_id: str
    target: str  # incident | track
    target_id: str
    lon: float
    lat: float
    acked: bool = False
    arrived: bool = False


class Responder:
    """One responder: checks in, reports position and what they see, goes where sent."""

    POSITION_EVERY_S = 30.0
    SIGHTING_EVERY_S = 90.0

    def __init__(
        self, sim: Sim, who: Who, group: ResponderGroup, body: Body, reach_at: float | None
    ) -> None:
        self.sim = sim
        self.who = who
        self.group = group
        self.body = body
        self.reach_at = reach_at
        self.checked_in = False
        self.assignment: Assignment | None = None
        self._last_position = -math.inf
        self._last_sighting: dict[str, float] = {}
        self.status = "available"

    @property
    def responder_id(self) -> str:
        assert self.who.account_id is not None
        return self.who.account_id

    async def check_in(self, t: float) -> None:
        sim = self.sim
        body = {
            "kind": self.group.kind.value,
            "capabilities": [c.value for c in self.group.capabilities],
            "radio_channel": "sim",
            "status": "available",
            "where": sim.where(self.body.xy, 10.0),
        }
        if await sim.api.command("/api/v1/responders/check-in", self.who, body):
            self.checked_in = True
            self.body.present = True
            self._last_position = t

    async def set_status(self, status: str, note: str = "") -> None:
        if status == self.status:
            return
        self.status = status
        await self.sim.api.command(
            "/api/v1/responders/status", self.who, {"status": status, "note": note}
        )

    async def tick(self, t: float) -> None:
        if not self.checked_in:
            return
        sim, w = self.sim, self.sim.world
        body = self.body
        if body.wounded:
            await self.set_status("wounded")
            return
        moving = body.leg is not None
        if moving and t - self._last_position >= self.POSITION_EVERY_S:
            self._last_position = t
            await sim.api.command(
                "/api/v1/responders/position",
                self.who,
                {"where": sim.where(body.xy, 8.0), "observed_at": sim.when(t).isoformat()},
            )
        for team in w.active_teams():
            if not team.visible:
                continue
            if float(np.hypot(*(team.xy - body.xy))) > sim.scenario.reporting.sight_m:
                continue
            if t - self._last_sighting.get(team.team_id, -math.inf) < self.SIGHTING_EVERY_S:
                continue
            self._last_sighting[team.team_id] = t
            noise = sim.streams["responders"].normal(0.0, 15.0, 2)
            heading = team.heading(t)
            answer = await sim.api.command(
                "/api/v1/sightings",
                self.who,
                {
                    "where": sim.where(team.xy + noise, 15.0),
                    "observed_at": sim.when(t).isoformat(),
                    "count": int(team.members),
                    "mobility": team.mobility,
                    "armed": "yes",
                    **({"heading_deg": round(heading, 1) % 360.0} if heading is not None else {}),
                },
            )
            if answer and answer.get("id"):
                sim.sightings[answer["id"]] = team.team_id

    def go_to(self, xy: FloatArray, t: float) -> None:
        """Set off towards a point, by car or on foot."""
        kind = "drive" if self.body.vehicle else "walk"
        path = self.sim.world.map.route(self.body.xy, xy, kind)
        self.body.leg = Leg.along(path, t, self.body.speed)

    @property
    def available(self) -> bool:
        return self.checked_in and not self.body.wounded and self.assignment is None


# --- operators ----------------------------------------------------------------------------


class Operators:
    """The console: confirm tracks, draw danger areas, confirm lock-ins, dispatch."""

    def __init__(self, sim: Sim, staff: list[Who]) -> None:
        self.sim = sim
        self.staff = staff
        self.rng = sim.streams["operators"]
        self._turn = 0
        self.pending: set[str] = set()  # ids already scheduled for an act
        self.danger: dict[str, dict[str, Any]] = {}  # track id -> {area_id, lon, lat}
        self.confirmed: list[str] = []
        self.proposals_confirmed = 0

    def who(self) -> Who:
        self._turn = (self._turn + 1) % len(self.staff)
        return self.staff[self._turn]

    async def poll(self, t: float) -> None:
        sim = self.sim
        spec = sim.scenario.operators
        picture = await sim.api.get("/api/v1/picture", self.staff[0])
        if picture is None:
            return
        await self._tracks(picture.get("tracks") or [], t)
        proposals = await sim.api.get("/api/v1/guidance/proposals", self.staff[0])
        for p in (proposals or {}).get("proposals", []):
            key = f"proposal:{p['id']}"
            if key in self.pending:
                continue
            self.pending.add(key)
            delay = draw(self.rng, spec.proposal_delay_s)
            sim.agenda.at(t + delay, self._confirm_proposal(p["id"]))

    async def _tracks(self, tracks: list[dict[str, Any]], t: float) -> None:
        sim = self.sim
        spec = sim.scenario.operators
        for tr in tracks:
            tid = tr.get("id") or tr.get("track_id")
            status = tr.get("status")
            if tid is None:
                continue
            if status == "new" and f"confirm:{tid}" not in self.pending:
                credible = bool((tr.get("confidence") or {}).get("credible"))
                if credible or int(tr.get("sightings", 0)) >= spec.confirm_min_sightings:
                    self.pending.add(f"confirm:{tid}")
                    delay = draw(self.rng, spec.confirm_delay_s)
                    sim.agenda.at(t + delay, self._confirm(tid))
            if status == "confirmed":
                await self._keep_danger_area(tid, tr, t)
            elif tid in self.danger and status in ("stale", "neutralised", "false_alarm", "merged"):
                await self._lift(tid)

    def _confirm(self, track_id: str) -> Action:
        async def confirm(t: float) -> None:
            answer = await self.sim.api.command(
                f"/api/v1/tracks/{track_id}/confirm",
                self.who(),
                {"note": "confirmed by the sim operator"},
            )
            if answer is not None:
                self.confirmed.append(track_id)

        return confirm

    async def _keep_danger_area(self, track_id: str, tr: dict[str, Any], t: float) -> None:
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
                    "note": "around a confirmed track",
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
            {"note": "the track is closed"},
        )

    def _confirm_proposal(self, proposal_id: str) -> Action:
        async def confirm(t: float) -> None:
            answer = await self.sim.api.command(
                "/api/v1/guidance/overrides",
                self.who(),
                {"proposal_id": proposal_id, "reason": "armed attackers nearby"},
            )
            if answer is not None:
                self.proposals_confirmed += 1

        return confirm


def responder_groups(
    sim: Sim,
) -> list[tuple[ResponderGroup, int, FloatArray, float | None]]:
    """Each responder's group, index, start point and check-in time (None: not reachable)."""
    rng = sim.streams["responders"]
    w = sim.world
    out = []
    for group in sim.scenario.responders:
        for i in range(group.count):
            if group.start == "homes":
                weights = w.residents_of / w.residents_of.sum()
                b = int(rng.choice(len(weights), p=weights))
                xy = w.building_xy[b].copy()
            else:
                xy = w.xy_of(group.start.lon, group.start.lat) + rng.normal(0.0, group.spread_m, 2)
            reachable = rng.random() < group.reachable_share
            if group.on_duty:
                at: float | None = 0.0
            elif reachable:
                first = min((g.enter_at_min for g in sim.scenario.attackers), default=0.0)
                at = 60.0 * (first + draw(rng, group.reach_delay_min))
            else:
                at = None
            out.append((group, i, xy, at))
    return out
