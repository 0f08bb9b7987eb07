"""What a run achieved, measured from Magen's event log and, where the log cannot know, the truth.

- Exposure: resident-minutes in the open within 200 m of an attacker (the simulator's truth).
- Picture: first sighting to first confirmed track; estimated attackers (the console's
  estimate, `magen.picture.scale`) against the true number, minute by minute; the attack's
  size claimed in the end by the tracks operators stood behind against the true size; and how
  far the raw reports overstated it (what a radio net heard: the counts of the last ten
  minutes' reports added up, and the distinct 150 m places they named).
- Dispatch: each SOS to the moment a responder is assigned to the incident it belongs to
  (at once if it joins an incident a responder is already assigned to); each incident's first
  SOS to its first assignment, which is what NFPA 1225's 60-second call-processing target
  measures (call answered to the first unit dispatched); that time split into the console
  showing the incident, waiting for a free responder able to go, and the dispatcher accepting
  the recommendation; and assignment to arrival.
- Casualties tracked to a destination, and missing-person reports resolved, where the log
  has them.

Everything is computed by folding the log once, in order, as Magen itself would: with the
run's town, fusion measures movement along its streets, as the server that ran it did.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from magen.domain import State, evolve
from magen.domain.alerts import (
    AlertIssued,
    DangerAreaDeclared,
    GuidanceChanged,
    GuidanceOverrideIssued,
)
from magen.domain.base import Recorded
from magen.domain.dispatch import Dispatch, TargetKind
from magen.domain.picture import Picture, TrackConfirmed, configure_picture
from magen.domain.reports import Reports, SosRaised, ThreatSighted
from magen.picture.fusion import TrackStatus, TrackView
from magen.picture.incidents import Incident, build_incidents
from magen.picture.metric import LocalFrame, Metric, town_metric
from magen.picture.scale import estimate_scale
from magen.sim.truth import Truth

if TYPE_CHECKING:
    from magen.geo.town import Town

NFPA_1225_PROCESSING_S = 60.0
RAW_WINDOW_S = 300.0
RAW_PLACE_M = 150.0
SAMPLE_S = 60.0


def _median(xs: list[float]) -> float | None:
    return float(np.median(xs)) if xs else None


def _p90(xs: list[float]) -> float | None:
    return float(np.percentile(xs, 90)) if xs else None


@dataclass
class Metrics:
    """A run's measures (times in seconds, exposure in person-minutes)."""

    exposure_person_min: float | None = None
    exposure_by_purpose_min: dict[str, float] = field(default_factory=dict)
    first_sighting_s: float | None = None  # from the scenario's start
    first_confirmed_s: float | None = None
    first_track_s: float | None = None  # first sighting to first confirmed track
    sightings: int = 0
    sightings_true: int | None = None
    sightings_false: int | None = None
    tracks_confirmed: int = 0
    tracks_total: int = 0
    count_t_s: list[float] = field(default_factory=list)
    count_estimated: list[int] = field(default_factory=list)
    count_low: list[int] = field(default_factory=list)
    count_high: list[int] = field(default_factory=list)
    count_unverified_groups: list[int] = field(default_factory=list)
    count_true: list[int] = field(default_factory=list)
    count_raw: list[int] = field(default_factory=list)  # raw reports' claim (see `_places`)
    raw_places: list[int] = field(default_factory=list)  # distinct places in those reports
    true_attackers: int | None = None
    attackers_claimed_final: int | None = None  # the attack's size by confirmed tracks
    attackers_credible_final: int | None = None  # ... and tracks reporters corroborated
    count_error_final: float | None = None  # (largest estimate - most active) / most active
    count_error_mean: float | None = None  # mean |estimate - true| / true while any active
    raw_overstatement_peak: float | None = None  # peak raw claim / most attackers ever active
    raw_places_peak: int = 0
    true_places_peak: int | None = None
    sos_raised: int = 0
    sos_assigned: int = 0
    sos_joined_attended: int = 0  # raised into an incident a responder was already assigned to
    sos_to_assign_s: list[float] = field(default_factory=list)
    sos_to_assign_median_s: float | None = None
    sos_to_assign_p90_s: float | None = None
    sos_within_nfpa_share: float | None = None
    # The same over the calls that needed an assignment of their own (not covered on arrival,
    # whose 0 s flatter the figure above).
    sos_own_to_assign_s: list[float] = field(default_factory=list)
    sos_own_to_assign_median_s: float | None = None
    sos_own_to_assign_p90_s: float | None = None
    # Per incident (NFPA 1225's unit): its first SOS to its first assignment, and the parts.
    incidents: int = 0
    incidents_assigned: int = 0
    incident_to_assign_s: list[float] = field(default_factory=list)
    incident_to_assign_median_s: float | None = None
    incident_to_assign_p90_s: float | None = None
    incident_within_nfpa_share: float | None = None
    incident_shown_s: list[float] = field(default_factory=list)  # raised -> on the console
    incident_shown_median_s: float | None = None
    incident_waiting_s: list[float] = field(default_factory=list)  # -> recommended
    incident_waiting_median_s: float | None = None
    incident_processing_s: list[float] = field(default_factory=list)  # -> assigned
    incident_processing_median_s: float | None = None
    processing_s: list[float] = field(default_factory=list)  # recommended -> assigned
    processing_median_s: float | None = None
    assign_to_arrival_s: list[float] = field(default_factory=list)
    assign_to_arrival_median_s: float | None = None
    assignments: int = 0
    arrivals: int = 0
    casualties_true: int | None = None
    casualties_recorded: int = 0
    casualties_with_destination: int = 0
    casualties_arrived: int = 0
    casualty_api: bool = False
    missing_reported: int = 0
    missing_resolved: int = 0
    persons_api: bool = False
    alerts_issued: int = 0
    guidance_records: int = 0
    danger_areas: int = 0
    overrides: int = 0
    events: int = 0  # from the start on
    events_before_start: int = 0  # accounts, keys, set-up: folded into the state, not measured

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Sampler:
    """The console's scale estimate at regular moments while the log is folded."""

    def __init__(self, start: datetime, m: Metrics, truth: Truth | None) -> None:
        self.start = start
        self.next = start
        self.m = m
        self.truth = truth
        self.raw: list[tuple[datetime, int | None, float, float]] = []

    def until(self, when: datetime, state: State) -> None:
        while self.next <= when:
            self.sample(self.next, state)
            self.next += timedelta(seconds=SAMPLE_S)

    def sample(self, at: datetime, state: State) -> None:
        m = self.m
        fuser = state.slice(Picture).fuser
        est = estimate_scale(fuser.tracks(at))
        t = (at - self.start).total_seconds()
        m.count_t_s.append(t)
        m.count_estimated.append(est.attackers)
        m.count_low.append(est.attackers_low)
        m.count_high.append(est.attackers_high)
        m.count_unverified_groups.append(est.unverified_groups)
        if self.truth is not None:
            m.count_true.append(_true_at(self.truth, t))
        recent = [r for r in self.raw if (at - r[0]).total_seconds() <= RAW_WINDOW_S and r[0] <= at]
        places = _places([(r[2], r[3]) for r in recent], [r[1] or 1 for r in recent])
        m.count_raw.append(sum(places))
        m.raw_places.append(len(places))


def _true_at(truth: Truth, t: float) -> int:
    i = int(np.searchsorted(np.asarray(truth.sample_s), t, side="right")) - 1
    return int(truth.attackers_active[i]) if i >= 0 else 0


def _places(points: list[tuple[float, float]], counts: list[int] | None = None) -> list[int]:
    """Distinct places among points (greedy clusters of RAW_PLACE_M), each with its top count.

    This is the picture raw reports paint for someone who adds them up: so many places, each
    with as many attackers as the largest number anyone reported there.
    """
    if not points:
        return []
    arr = np.asarray(points, dtype=np.float64)
    frame = LocalFrame(float(arr[:, 0].mean()), float(arr[:, 1].mean()))
    xy = frame.array_to_xy(arr)
    centres: list[np.ndarray] = []
    top: list[int] = []
    for i, p in enumerate(xy):
        n = counts[i] if counts is not None else 1
        for k, c in enumerate(centres):
            if float(np.hypot(*(p - c))) <= RAW_PLACE_M:
                top[k] = max(top[k], n)
                break
        else:
            centres.append(p)
            top.append(n)
    return top


def _stood_behind(tracks: list[TrackView], *, confirmed_only: bool) -> int:
    """The attack's size by the tracks operators confirmed (or that reporters corroborated)."""
    total = 0
    for t in tracks:
        if t.status in (TrackStatus.FALSE_ALARM, TrackStatus.MERGED):
            continue
        if not (t.confirmed or (t.credible and not confirmed_only)):
            continue
        total += t.size.estimate if t.size.estimate is not None else 1
    return total


class _Fold:
    """One pass over the log: the state as Magen had it, and the moments that matter."""

    def __init__(self, start: datetime, truth: Truth | None, metric: Metric | None) -> None:
        self.m = Metrics()
        self.state = State()
        configure_picture(self.state, metric=metric)
        self.start = start
        self.truth = truth
        self.sampler = _Sampler(start, self.m, truth)
        self.sos_raised_at: dict[str, datetime] = {}
        self.sos_assigned: dict[str, datetime] = {}
        self.sos_covered: set[str] = set()  # covered on arrival by an assignment already made
        self.incident_raised: dict[str, datetime] = {}  # incident id -> its first SOS
        self.incident_assigned: dict[str, datetime] = {}
        self.assigned_at: dict[str, datetime] = {}
        self.first_sighting: datetime | None = None
        self.first_confirm: datetime | None = None
        self.casualties: dict[str, dict[str, Any]] = {}
        self.missing: dict[str, bool] = {}
        self.last = start
        self._by_type: dict[str, Any] = {
            "AssignmentMade": self._assignment,
            "ResponderArrived": self._arrival,
            "CasualtyRecorded": self._casualty,
            "CasualtyEvacuated": self._evacuated,
            "CasualtyArrived": self._hospital,
            "MissingPersonReported": self._missing,
            "PersonMarkedSafe": self._found,
            "MatchConfirmed": self._found,
        }

    def add(self, r: Recorded) -> None:
        m = self.m
        if r.recorded_at < self.start:
            # Before the measured span (accounts created days earlier, or before the
            # analyst's chosen start): part of the state, not of what is measured.
            evolve(self.state, r)
            m.events_before_start += 1
            return
        self.sampler.until(r.recorded_at, self.state)
        evolve(self.state, r)
        self.last = max(self.last, r.recorded_at)
        m.events += 1
        ev = r.event
        if isinstance(ev, ThreatSighted):
            m.sightings += 1
            self.first_sighting = self.first_sighting or r.recorded_at
            self.sampler.raw.append((ev.observed_at, ev.count, ev.where.lon, ev.where.lat))
        elif isinstance(ev, TrackConfirmed):
            m.tracks_confirmed += 1
            self.first_confirm = self.first_confirm or r.recorded_at
        elif isinstance(ev, SosRaised):
            m.sos_raised += 1
            self.sos_raised_at[ev.sos_id] = r.recorded_at
            self._sos(ev.sos_id, r.recorded_at)
        elif isinstance(ev, AlertIssued):
            m.alerts_issued += 1
        elif isinstance(ev, GuidanceChanged):
            m.guidance_records += 1
        elif isinstance(ev, DangerAreaDeclared):
            m.danger_areas += 1
        elif isinstance(ev, GuidanceOverrideIssued):
            m.overrides += 1
        else:
            handler = self._by_type.get(ev.type)
            if handler is not None:
                # Parts of the domain read only by their published fields.
                handler(ev.model_dump(mode="json"), r.recorded_at)

    # --- dispatch, casualties, persons ----------------------------------------------------

    def _incident_of(self, sos_id: str, at: datetime) -> Incident | None:
        """The incident an SOS belongs to at a moment, as the dispatch board merges them."""
        for inc in build_incidents(self.state.slice(Reports).sos.values(), at):
            if sos_id in inc.sos_ids:
                return inc
        return None

    def _first_raised(self, inc: Incident) -> datetime:
        """When the log recorded an incident's first SOS (its id is that SOS's)."""
        return self.sos_raised_at.get(inc.incident_id, inc.first_raised)

    def _sos(self, sos_id: str, at: datetime) -> None:
        """A new SOS: a new incident, or one more call about an incident already known."""
        inc = self._incident_of(sos_id, at)
        if inc is None:
            return
        self.incident_raised.setdefault(inc.incident_id, self._first_raised(inc))
        members = set(inc.sos_ids)
        attended = any(
            a.active and a.target is TargetKind.INCIDENT and a.target_id in members
            for a in self.state.slice(Dispatch).assignments.values()
        )
        if attended:
            # A responder is already assigned to these people: the call is covered as it
            # arrives (the board counts that responder against the incident's needs).
            self.sos_assigned[sos_id] = at
            self.sos_covered.add(sos_id)
            self.m.sos_joined_attended += 1

    def _assignment(self, data: dict[str, Any], at: datetime) -> None:
        self.m.assignments += 1
        self.assigned_at[data["assignment_id"]] = at
        if data["target"] != "incident":
            return
        target = data["target_id"]
        covered = {target}
        inc = self._incident_of(target, at)
        if inc is not None:
            covered |= set(inc.sos_ids)
            self.incident_raised.setdefault(inc.incident_id, self._first_raised(inc))
            self.incident_assigned.setdefault(inc.incident_id, at)
        for sid in sorted(covered):
            if sid in self.sos_raised_at and sid not in self.sos_assigned:
                self.sos_assigned[sid] = at

    def _arrival(self, data: dict[str, Any], at: datetime) -> None:
        self.m.arrivals += 1
        made = self.assigned_at.get(data["assignment_id"])
        if made is not None:
            self.m.assign_to_arrival_s.append((at - made).total_seconds())

    def _casualty(self, data: dict[str, Any], at: datetime) -> None:
        self.casualties[data["casualty_id"]] = {"destination": None, "arrived": False}

    def _evacuated(self, data: dict[str, Any], at: datetime) -> None:
        c = self.casualties.get(data["casualty_id"])
        if c is not None:
            c["destination"] = data.get("destination") or "evacuated"

    def _hospital(self, data: dict[str, Any], at: datetime) -> None:
        c = self.casualties.get(data["casualty_id"])
        if c is not None:
            c["arrived"] = True
            c["destination"] = c["destination"] or data["hospital_id"]

    def _missing(self, data: dict[str, Any], at: datetime) -> None:
        self.missing[data["report_id"]] = False

    def _found(self, data: dict[str, Any], at: datetime) -> None:
        if data.get("report_id") in self.missing:
            self.missing[data["report_id"]] = True

    # --- the summary --------------------------------------------------------------------

    def finish(self) -> Metrics:
        m, truth, start = self.m, self.truth, self.start
        end = start + timedelta(seconds=truth.duration_s) if truth is not None else self.last
        self.sampler.until(end, self.state)
        everything = self.state.slice(Picture).fuser.tracks(end, include_closed=True)
        m.tracks_total = len(everything)
        m.attackers_claimed_final = _stood_behind(everything, confirmed_only=True)
        m.attackers_credible_final = _stood_behind(everything, confirmed_only=False)
        if self.first_sighting is not None:
            m.first_sighting_s = (self.first_sighting - start).total_seconds()
        if self.first_confirm is not None:
            m.first_confirmed_s = (self.first_confirm - start).total_seconds()
        if self.first_sighting is not None and self.first_confirm is not None:
            m.first_track_s = (self.first_confirm - self.first_sighting).total_seconds()
        self._dispatch_summary()
        c = self.casualties
        m.casualty_api = bool(c)
        m.casualties_recorded = len(c)
        m.casualties_with_destination = sum(1 for x in c.values() if x["destination"])
        m.casualties_arrived = sum(1 for x in c.values() if x["arrived"])
        m.persons_api = bool(self.missing)
        m.missing_reported = len(self.missing)
        m.missing_resolved = sum(self.missing.values())
        if m.raw_places:
            m.raw_places_peak = max(m.raw_places)
        if truth is not None:
            _against_truth(m, truth)
            self._incident_parts(truth)
        return m

    def _incident_parts(self, truth: Truth) -> None:
        """Each assigned incident's wait, split where the dispatcher's console saw it change.

        Shown: its first SOS to the first time the console listed it (a recommendation or a
        need nobody available can meet); waiting: to its first recommendation (no free
        responder able to go until then); processing: to its first assignment. Incidents the
        console never saw apart from another incident's recommendation are left out.
        """
        m = self.m
        for inc_id in sorted(self.incident_assigned):
            raised = (self.incident_raised[inc_id] - self.start).total_seconds()
            shown = truth.shown_at.get(inc_id)
            recommended = truth.recommended_at.get(inc_id)
            assigned = truth.assigned_at.get(inc_id)
            if shown is None or recommended is None or assigned is None:
                continue
            shown = max(shown, raised)
            recommended = max(recommended, shown)
            m.incident_shown_s.append(shown - raised)
            m.incident_waiting_s.append(recommended - shown)
            m.incident_processing_s.append(max(assigned - recommended, 0.0))
        m.incident_shown_median_s = _median(m.incident_shown_s)
        m.incident_waiting_median_s = _median(m.incident_waiting_s)
        m.incident_processing_median_s = _median(m.incident_processing_s)

    def _dispatch_summary(self) -> None:
        m = self.m
        m.sos_to_assign_s = sorted(
            (at - self.sos_raised_at[s]).total_seconds() for s, at in self.sos_assigned.items()
        )
        m.sos_assigned = len(self.sos_assigned)
        m.sos_to_assign_median_s = _median(m.sos_to_assign_s)
        m.sos_to_assign_p90_s = _p90(m.sos_to_assign_s)
        if m.sos_to_assign_s:
            within = sum(1 for x in m.sos_to_assign_s if x <= NFPA_1225_PROCESSING_S)
            m.sos_within_nfpa_share = within / len(m.sos_to_assign_s)
        m.sos_own_to_assign_s = sorted(
            (at - self.sos_raised_at[s]).total_seconds()
            for s, at in self.sos_assigned.items()
            if s not in self.sos_covered
        )
        m.sos_own_to_assign_median_s = _median(m.sos_own_to_assign_s)
        m.sos_own_to_assign_p90_s = _p90(m.sos_own_to_assign_s)
        m.incidents = len(self.incident_raised)
        m.incidents_assigned = len(self.incident_assigned)
        m.incident_to_assign_s = sorted(
            (at - self.incident_raised[i]).total_seconds()
            for i, at in self.incident_assigned.items()
        )
        m.incident_to_assign_median_s = _median(m.incident_to_assign_s)
        m.incident_to_assign_p90_s = _p90(m.incident_to_assign_s)
        if m.incident_to_assign_s:
            within = sum(1 for x in m.incident_to_assign_s if x <= NFPA_1225_PROCESSING_S)
            m.incident_within_nfpa_share = within / len(m.incident_to_assign_s)
        m.assign_to_arrival_median_s = _median(m.assign_to_arrival_s)


def _against_truth(m: Metrics, truth: Truth) -> None:
    m.exposure_person_min = truth.exposure_person_min[-1] if truth.exposure_person_min else 0.0
    m.exposure_by_purpose_min = dict(truth.exposure_by_purpose_min)
    m.true_attackers = truth.true_attackers
    # How big the attack was, as the console finally put it (its largest estimate), against
    # the truth (the most attackers active at once).
    most = max(m.count_true, default=0)
    if most:
        m.count_error_final = (max(m.count_estimated, default=0) - most) / most
    errors = [
        abs(est - true) / true
        for est, true in zip(m.count_estimated, m.count_true, strict=True)
        if true > 0
    ]
    m.count_error_mean = sum(errors) / len(errors) if errors else None
    m.sightings_true = sum(1 for v in truth.sightings.values() if v is not None)
    m.sightings_false = sum(1 for v in truth.sightings.values() if v is None)
    m.casualties_true = len(truth.casualties)
    # At their peak, the raw reports claimed this many times the most attackers ever active.
    most = max(m.count_true, default=0)
    m.raw_overstatement_peak = max(m.count_raw, default=0) / most if most else None
    m.true_places_peak = _true_places_peak(truth)
    m.processing_s = sorted(
        at - truth.recommended_at[target]
        for target, at in truth.assigned_at.items()
        if target in truth.recommended_at
    )
    m.processing_median_s = _median(m.processing_s)


def measure(
    events: Iterable[Recorded],
    start: datetime,
    truth: Truth | None = None,
    *,
    town: Town | None = None,
) -> Metrics:
    """Fold a run's log and say how it went.

    The picture is fused along the streets of `town`, else of the pack the truth names (when
    it is there to load), as the server that played the run fused it.
    """
    if town is None and truth is not None and truth.pack and Path(truth.pack).exists():
        from magen.geo.town import load_town

        town = load_town(truth.pack)
    fold = _Fold(start, truth, town_metric(town) if town is not None else None)
    for r in events:
        fold.add(r)
    return fold.finish()


def _true_places_peak(truth: Truth) -> int:
    """The most distinct places attackers truly held at one moment (teams 150 m apart)."""
    by_time: dict[float, list[tuple[float, float]]] = {}
    for samples in truth.teams.values():
        for t, lon, lat, members in samples:
            if members > 0:
                by_time.setdefault(t, []).append((lon, lat))
    return max((len(_places(p)) for p in by_time.values()), default=0)
