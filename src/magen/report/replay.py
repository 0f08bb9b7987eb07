"""Read a run back from its event log: the picture at chosen moments and the day's timeline."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from magen.domain import State, evolve
from magen.domain.accounts import Accounts
from magen.domain.alerts import (
    AlertIssued,
    Alerts,
    Circle,
    DangerAreaDeclared,
    DangerAreaLifted,
    GuidanceChanged,
    GuidanceOverrideIssued,
    Polygon,
)
from magen.domain.base import Event, Recorded
from magen.domain.dispatch import AssignmentMade, TargetKind
from magen.domain.picture import Picture, TrackConfirmed, TrackNeutralised
from magen.domain.reports import Reports, Sos, SosRaised, SosResolved, SosUpdated, ThreatSighted
from magen.domain.responders import ResponderKind, Responders
from magen.geo.town import Town
from magen.picture.fusion import TrackView
from magen.picture.incidents import Incident, IncidentConfig, build_incidents, merge_order
from magen.picture.metric import LocalFrame
from magen.picture.scale import TownStreets

RECENT_SIGHTINGS_S = 300.0


@dataclass(frozen=True)
class Moment:
    """The picture as operators had it at one moment."""

    title: str
    at: datetime
    position: int
    tracks: tuple[TrackView, ...]
    sos: tuple[tuple[float, float, int, bool], ...]  # lon, lat, injured, silent (open ones)
    danger: tuple[Circle | Polygon, ...]
    lock_ins: tuple[Circle | Polygon, ...]
    responders: tuple[tuple[float, float, str], ...]  # lon, lat, status
    sightings: tuple[tuple[float, float], ...]  # reported in the last five minutes
    truth: tuple[tuple[float, float, float], ...] = ()  # lon, lat, attackers (when known)


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: datetime
    position: int
    kind: str
    text: str


@dataclass
class Replay:
    """What the report needs from one fold of the log."""

    moments: list[Moment] = field(default_factory=list)
    timeline: list[Entry] = field(default_factory=list)
    sightings_at: list[datetime] = field(default_factory=list)
    sos_at: list[datetime] = field(default_factory=list)
    alerts_at: list[tuple[datetime, str]] = field(default_factory=list)
    guidance: list[tuple[datetime, str, dict[str, int]]] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None
    events: int = 0


def _moment(title: str, at: datetime, state: State) -> Moment:
    alerts = state.slice(Alerts)
    reports = state.slice(Reports)
    recent = [
        (s.where.lon, s.where.lat)
        for s in reports.sightings.values()
        if 0.0 <= (at - s.observed_at).total_seconds() <= RECENT_SIGHTINGS_S
    ]
    return Moment(
        title=title,
        at=at,
        position=state.position,
        tracks=tuple(t for t in state.slice(Picture).fuser.tracks(at) if t.open),
        sos=tuple(
            (s.where.lon, s.where.lat, s.injured, s.silent)
            for s in reports.sos.values()
            if s.resolved is None
        ),
        danger=tuple(d.area for d in alerts.active_danger_areas(at)),
        lock_ins=tuple(
            o.area
            for o in alerts.active_overrides(at)
            if o.area is not None and o.action.value == "lock_in"
        ),
        responders=tuple(
            (r.where.lon, r.where.lat, r.status.value)
            for r in state.slice(Responders).by_id.values()
            if r.active and r.where is not None
        ),
        sightings=tuple(recent),
    )


_KIND_WORDS = {
    ResponderKind.POLICE_ON_DUTY: "police",
    ResponderKind.POLICE_OFF_DUTY: "off-duty police",
    ResponderKind.VOLUNTEER: "volunteer",
    ResponderKind.MEDIC: "medic",
    ResponderKind.OTHER: "responder",
}
# A street is named for a point only within this distance of it; farther, its coordinates.
STREET_REACH_M = 250.0
_NOTE_MAX = 80


_PLURAL = {"attacker": "attackers", "person": "people"}


def _count(low: int, high: int, noun: str) -> str:
    """'1 person', '4 people', '4-9 people': the least one report gives and the most all
    reports add up to (`noun` in the singular; 'injured' stays as it is)."""
    said = f"{low}" if high <= low else f"{low}\u2013{high}"
    return f"{said} {noun if high == 1 else _PLURAL.get(noun, noun)}"


class _CallChains:
    """Calls chained by steps shorter than the incidents' merge radius, kept as the log is
    read: the calls that can share an incident with a call, all of them.

    `build_incidents` lets a call join only an incident whose first call lies within the
    merge radius of it, so a call's incident is decided by the calls of its chain alone, and
    merging the chain (with the first call of the log, which fixes the projection the
    distances are measured in) groups it exactly as merging every call does. A chain is
    never split: a call moved away (`SosUpdated`) keeps its old links, which can only make a
    chain longer than it needs to be, never shorter; if the first call of the log moves, or
    a call is raised again under its id, the chains are made again from the calls.
    """

    def __init__(self, reports: Reports, radius_m: float) -> None:
        self.reports = reports
        self.radius_m = radius_m
        self.stale = True
        self.first: Sos | None = None
        self._frame: LocalFrame | None = None
        self._xy: dict[str, tuple[float, float]] = {}
        self._cells: dict[tuple[int, int], set[str]] = {}
        self._root: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}

    def _rebuild(self) -> None:
        self.stale = False
        self._xy, self._cells, self._root, self._members = {}, {}, {}, {}
        calls = sorted(self.reports.sos.values(), key=merge_order)
        self.first = calls[0] if calls else None
        self._frame = LocalFrame(calls[0].where.lon, calls[0].where.lat) if calls else None
        for sos in calls:
            self._place(sos)

    def _find(self, sos_id: str) -> str:
        root = sos_id
        while self._root[root] != root:
            root = self._root[root]
        while self._root[sos_id] != root:  # shorten the path for the next look
            self._root[sos_id], sos_id = root, self._root[sos_id]
        return root

    def _link(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return
        if len(self._members[ra]) < len(self._members[rb]):
            ra, rb = rb, ra
        self._root[rb] = ra
        self._members[ra] += self._members.pop(rb)

    def _place(self, sos: Sos) -> None:
        """Put a call where it is now and link it to every call within the radius of it."""
        assert self._frame is not None
        sid = sos.sos_id
        if sid in self._xy:  # moved: out of its old cell, its links kept
            x, y = self._xy[sid]
            self._cells[self._cell(x, y)].discard(sid)
        else:
            self._root[sid] = sid
            self._members[sid] = [sid]
        # As `build_incidents` measures: its projection, its arithmetic.
        x, y = self._frame.to_xy(sos.where.lon, sos.where.lat)
        self._xy[sid] = (x, y)
        cx, cy = self._cell(x, y)
        for gx in (cx - 1, cx, cx + 1):
            for gy in (cy - 1, cy, cy + 1):
                for other in self._cells.get((gx, gy), ()):
                    ox, oy = self._xy[other]
                    if math.hypot(x - ox, y - oy) <= self.radius_m:
                        self._link(sid, other)
        self._cells.setdefault((cx, cy), set()).add(sid)

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        return math.floor(x / self.radius_m), math.floor(y / self.radius_m)

    def saw(self, event: Event) -> None:
        """Follow a call raised or moved (after the event is folded into the reports)."""
        if self.stale:
            return  # made again from the calls when next asked
        if isinstance(event, SosRaised):
            sos = self.reports.sos.get(event.sos_id)
            if sos is None or event.sos_id in self._xy or self.first is None:
                self.stale = True
            else:
                self._place(sos)
        elif isinstance(event, SosUpdated) and event.where is not None:
            sos = self.reports.sos.get(event.sos_id)
            if sos is None or sos is self.first or event.sos_id not in self._xy:
                self.stale = True
            else:
                self._place(sos)

    def chain(self, sos_id: str) -> tuple[list[Sos], Sos | None]:
        """The calls chained to this one (none if there is no such call), and the log's
        first call if it is not among them."""
        if self.stale:
            self._rebuild()
        if sos_id not in self._root or self.first is None:
            return [], None
        calls = [self.reports.sos[s] for s in self._members[self._find(sos_id)]]
        first = self.first if all(c is not self.first for c in calls) else None
        return calls, first


class Names:
    """What the timeline calls the people, groups and places the log knows by id.

    The report is read by people: a responder is their callsign (their account's name if
    they gave none) and kind, a group of attackers its size and street, a call for help its
    people and street, a danger area its reason, size and street; never an id.

    `saw` must be given every event as it is folded into `state` (`replay` does).
    """

    def __init__(self, state: State, town: Town | None = None) -> None:
        self.state = state
        self.town = town
        self._streets = TownStreets(town) if town is not None else None
        self._declared_around: dict[str, str] = {}  # danger area -> its centre when declared
        self._chains = _CallChains(state.slice(Reports), IncidentConfig().merge_radius_m)
        # Incidents as merged since the calls last changed, by each of their calls.
        self._incident_of: dict[str, Incident] = {}

    def saw(self, event: Event) -> None:
        """Note an event just folded into the state: calls raised, moved or resolved."""
        if isinstance(event, (SosRaised, SosUpdated, SosResolved)):
            self._incident_of = {}
            self._chains.saw(event)

    def _incident(self, sos_id: str, at: datetime) -> Incident | None:
        """The incident the picture had the call in at `at`, merged as dispatch merges them
        (`build_incidents` with the open tracks and fusion's metric, the town's streets if
        loaded), from the call's chain alone (`_CallChains`): the same incident, at a cost
        in proportion to the chain, not to every call of the log. Kept until a call
        changes: what the timeline says of it (its calls, people, injured, place) is of the
        calls alone, not of the time or the tracks."""
        known = self._incident_of.get(sos_id)
        if known is not None:
            return known
        chain, first = self._chains.chain(sos_id)
        if not chain:
            return None
        fuser = self.state.slice(Picture).fuser
        tracks = fuser.tracks(at) if fuser.sightings else []
        live = [t for t in tracks if t.open]
        calls = chain if first is None else [*chain, first]
        found: Incident | None = None
        for inc in build_incidents(calls, at, live, metric=fuser.metric):
            if first is not None and inc.sos_ids == (first.sos_id,):
                continue  # there for the projection; its own incident is of its own chain
            self._incident_of.update(dict.fromkeys(inc.sos_ids, inc))
            if sos_id in inc.sos_ids:
                found = inc
        return found

    def _street(self, lon: float, lat: float) -> str | None:
        """The street a point is on, in English where OSM names it so (None: no town, or no
        named street within STREET_REACH_M). `TownStreets`, as the console's scale names
        the streets under attack."""
        town = self.town
        if self._streets is None or town is None:
            return None
        names = self._streets.street_names(np.array([[lon, lat]]), STREET_REACH_M)
        if not names:
            # The nearest path has no name (a footway, a yard): the street of the building
            # there, or of the nearest one, as its address gives it.
            i = town.building_at(lon, lat, STREET_REACH_M)
            street = str(town.buildings.street[i]) if i is not None else ""
            names = [street] if street else []
        return " / ".join(town.street_in(n, "en") for n in names) or None

    def where(self, lon: float, lat: float) -> str:
        """'Emek Refaim', else the point's coordinates, '31.76120 N, 35.21540 E'."""
        street = self._street(lon, lat)
        if street is not None:
            return street
        ns, ew = "N" if lat >= 0 else "S", "E" if lon >= 0 else "W"
        return f"{abs(lat):.5f} {ns}, {abs(lon):.5f} {ew}"

    def place(self, lon: float, lat: float) -> str:
        """'on Emek Refaim', else 'at 31.76120 N, 35.21540 E'."""
        street = self._street(lon, lat)
        return f"on {street}" if street is not None else f"at {self.where(lon, lat)}"

    def responder(self, responder_id: str) -> str:
        """'Dana (volunteer)': the callsign the dispatcher used on the radio, and their kind."""
        r = self.state.slice(Responders).by_id.get(responder_id)
        account = self.state.slice(Accounts).by_id.get(responder_id)
        name = (r.callsign if r is not None else "") or (
            account.display_name if account is not None else ""
        )
        kind = _KIND_WORDS[r.kind] if r is not None else "responder"
        return f"{name} ({kind})" if name else f"a {kind} with no name on record"

    def track(self, track_id: str, at: datetime) -> str:
        """'a group of 3 attackers (2-5) on Hebron Road', as the fused picture had it."""
        fuser = self.state.slice(Picture).fuser
        if track_id not in fuser:
            return "a group of attackers no longer in the picture"
        t = fuser.track(track_id, at)
        size = t.size
        if size.estimate is None:
            count = "a group of attackers, nobody gave their number,"
        elif size.low is not None and size.high is not None and size.low != size.high:
            count = f"a group of {_count(size.estimate, size.estimate, 'attacker')} "
            count += f"({size.low}\u2013{size.high})"
        else:
            count = f"a group of {_count(size.estimate, size.estimate, 'attacker')}"
        return f"{count} {self.place(t.lon, t.lat)}"

    def incident(self, sos_id: str, at: datetime) -> str:
        """'4 people, 1 injured, on Emek Refaim (3 calls)': the incident a call belongs to."""
        inc = self._incident(sos_id, at)
        if inc is not None:
            said = [_count(inc.people, inc.people_high, "person")]
            if inc.injured or inc.injured_high:
                said.append(_count(inc.injured, inc.injured_high, "injured"))
            calls = f" ({len(inc.sos_ids)} calls)" if len(inc.sos_ids) > 1 else ""
            return f"{', '.join(said)} {self.place(inc.lon, inc.lat)}{calls}"
        sos = self.state.slice(Reports).sos.get(sos_id)
        if sos is None:
            return "a call for help no longer in the log"
        return (
            f"{_count(sos.people, sos.people, 'person')} {self.place(sos.where.lon, sos.where.lat)}"
        )

    def wounded(self, responder_id: str) -> str:
        """'wounded responder Rafi (police) on Derech Hevron'."""
        r = self.state.slice(Responders).by_id.get(responder_id)
        where = f" {self.place(r.where.lon, r.where.lat)}" if r and r.where is not None else ""
        return f"wounded responder {self.responder(responder_id)}{where}"

    def danger_area(self, area_id: str) -> str:
        """'armed attackers, 150 m around Emek Refaim ("the school")': what and where; an area
        moved since it was declared (it follows its track) also says where it was declared."""
        d = self.state.slice(Alerts).danger_areas.get(area_id)
        if d is None:
            return "an area no longer on record"
        what = d.reason.value.replace("_", " ")
        if isinstance(d.area, Circle):
            centre = self.where(d.area.lon, d.area.lat)
            where = f"{d.area.radius_m:,.0f} m around {centre}"
        else:
            corners = d.area.ring[:-1] or d.area.ring
            lon = sum(p[0] for p in corners) / len(corners)
            lat = sum(p[1] for p in corners) / len(corners)
            centre = self.where(lon, lat)
            where = f"an area around {centre}"
        first = self._declared_around.setdefault(area_id, centre)
        if first != centre:
            where += f", declared around {first}"
        note = " ".join(d.note.split())
        if len(note) > _NOTE_MAX:
            note = note[: _NOTE_MAX - 1].rstrip() + "\u2026"
        return f"{what}, {where}" + (f' ("{note}")' if note else "")


def _entry(r: Recorded, names: Names) -> Entry | None:
    """The timeline's line for an event (after it is folded into `names.state`), if any."""
    ev = r.event
    at = r.recorded_at
    text: str | None = None
    if isinstance(ev, AlertIssued):
        secs = sorted(set(ev.seconds_to_shelter.values()))
        extra = f", {secs[0]} s to shelter" if len(secs) == 1 else ""
        what = ev.category.value.replace("_", " ")
        text = f"Official alert: {what} in {len(ev.zone_ids)} zones{extra}"
    elif isinstance(ev, TrackConfirmed):
        text = f"Confirmed: {names.track(ev.track_id, at)}"
    elif isinstance(ev, TrackNeutralised):
        text = f"Neutralised: {names.track(ev.track_id, at)}"
    elif isinstance(ev, DangerAreaDeclared):
        text = f"Danger area declared: {names.danger_area(ev.area_id)}"
    elif isinstance(ev, DangerAreaLifted):
        text = f"Danger area lifted: {names.danger_area(ev.area_id)}"
    elif isinstance(ev, GuidanceOverrideIssued):
        text = f"Operator instruction: {ev.action.value.replace('_', ' ')}"
    elif isinstance(ev, AssignmentMade):
        if ev.target is TargetKind.TRACK:
            target = names.track(ev.target_id, at)
        elif ev.target is TargetKind.RESPONDER:
            target = names.wounded(ev.target_id)
        else:
            target = names.incident(ev.target_id, at)
        text = f"{names.responder(ev.responder_id)} sent to {target}"
    elif ev.type == "CallUpIssued":
        text = "Off-duty responders called up"
    if text is None:
        return None
    return Entry(at=at, position=r.position, kind=ev.type, text=text)


def replay(
    events: Iterable[Recorded],
    moments: Sequence[tuple[str, datetime]],
    *,
    state: State | None = None,
    town: Town | None = None,
) -> Replay:
    """Fold the log once, keeping the picture at each moment (in time order) and the timeline.

    The timeline names what the log knows by id from the state as folded so far, with
    streets from `town` (coordinates without one).
    """
    state = state or State()
    names = Names(state, town)
    out = Replay()
    wanted = sorted(moments, key=lambda m: m[1])
    i = 0
    for r in events:
        while i < len(wanted) and wanted[i][1] < r.recorded_at:
            out.moments.append(_moment(wanted[i][0], wanted[i][1], state))
            i += 1
        evolve(state, r)
        names.saw(r.event)
        out.events += 1
        out.first = out.first or r.recorded_at
        out.last = r.recorded_at
        ev = r.event
        if isinstance(ev, ThreatSighted):
            out.sightings_at.append(ev.observed_at)
            if len(out.sightings_at) == 1:
                out.timeline.append(
                    Entry(r.recorded_at, r.position, ev.type, "First sighting reported")
                )
        elif isinstance(ev, SosRaised):
            out.sos_at.append(r.recorded_at)
            if len(out.sos_at) == 1:
                out.timeline.append(
                    Entry(r.recorded_at, r.position, ev.type, "First call for help (SOS)")
                )
        elif isinstance(ev, SosResolved):
            pass
        elif isinstance(ev, GuidanceChanged):
            counts = {a.value: n for a, n in ev.counts.items() if n}
            out.guidance.append((r.recorded_at, ev.zone_id, counts))
        if isinstance(ev, AlertIssued):
            out.alerts_at.append((r.recorded_at, ev.category.value))
        entry = _entry(r, names)
        if entry is not None:
            out.timeline.append(entry)
    while i < len(wanted):
        out.moments.append(_moment(wanted[i][0], wanted[i][1], state))
        i += 1
    return out
