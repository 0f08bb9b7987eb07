"""What needs responders: open incidents, active threats and wounded responders, each with its
needs and priority.

Threats. An open track that is neither stale (its whereabouts too vague to send anyone to)
nor uncorroborated (an anonymous flood must not pull officers away) needs armed responders:
one per estimated attacker (one when nobody gave a number), at least `min_armed`, at most
`max_armed`: a contact team of four, as active-shooter doctrine (ALERRT; NFPA 3000) forms the
first team that moves to the threat, not one officer per attacker the callers counted (raw
counts run high, and every armed responder held back by a threat is one no call can have).
Its priority is `threat_priority` plus `points_per_attacker` a head, more once an operator
has confirmed it, so the reported size still ranks threats.

Incidents. An open incident needs an armed responder first when a credible threat is within
`escort_within_m` (nobody else can reach people pinned down by attackers), a medic per
`injured_per_medic` injured (at most `max_medics`), and anyone at all when it needs neither.
Its priority is the incident's own (`magen.picture.incidents`).

Wounded responders. A responder who reported being wounded (and is not attended yet: no
assignment to them has completed since) is a casualty under fire with a radio, like an SOS
of one injured person at their last known position: an armed escort first when a credible
threat is within `escort_within_m` (in a straight line), then a medic, or anyone able to get
them out when no medic is available. Its priority is `wounded_priority`, the incidents'
critical band: above a call with one injured and no threat near, below the threats. The
wounded responder is never sent anywhere (only available responders are).

Responders already assigned fill needs first (the most specific need each can fill), so a
task keeps only what is still missing. An armed escort assigned to a call within
`escort_joins_contact_m` of the threat it needs the escort from (by default the escort radius
itself; the calls that wait are from houses the attackers broke into) also counts as one of
that threat's contact team: going to those people, the escort moves to the threat, and the
call has its own assignment (an owner) all along. Danger areas declared
around a task (`threat_id`: the track, the incident or one of its SOS) are open to armed
responders sent there.

Undeclared threats. Until a danger area is declared around it, an active threat (open, not
stale, credible or confirmed) is one for routing (`undeclared_threat_areas`): a circle at its
estimated position as wide as its position error plus `escort_within_m` (within that of the
attackers a call needs an armed responder first: nobody unarmed goes that near them either),
as if declared around it. A dispatcher declares an area seconds after a group is confirmed
in an exercise, minutes later under stress; a medic's route to another call must not pass
through the attackers meanwhile. A call or wounded responder lying in one lies in a danger
area, and the armed responders sent to the track may enter it, as for a declared one. A
track has none only while a declared attackers' area (a ground threat: armed attackers,
hostages, or one declared for a threat) lies over where the group is now, as the app decides
on the town's map, as wide as the operator drew it: a declared area stays where it was drawn
while the group moves on, so an area naming the track elsewhere does not cancel its circle
(both close streets, and the armed sent to the track may enter both), nor does another
reason's area over it (a fire, a suspicious object).

A call or wounded responder in a danger area with armed cover there (an armed responder
assigned to it who has arrived and is on scene or engaged, or any such armed responder on
scene elsewhere whose position reported since arriving, at most `cover_fix_max_age_s` old,
lies within `cover_within_m` of it) is `escorted`: a medic sent to it may go in (rescue task
force).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from magen.dispatch.assign import (
    AVOIDS_UNDECLARED,
    Fact,
    Need,
    Task,
    TaskKind,
    undeclared_area_id,
)
from magen.domain.dispatch import distance_m
from magen.domain.reports import Armed
from magen.domain.responders import Capability
from magen.geo.routing import DangerArea
from magen.picture.fusion import TrackStatus, TrackView
from magen.picture.incidents import Incident

ARMED = frozenset({Capability.ARMED})
MEDIC = frozenset({Capability.MEDIC})


@dataclass(frozen=True)
class NeedsConfig:
    """How many responders of which kind a task needs, and how urgent a threat is."""

    threat_priority: float = 30.0
    points_per_attacker: float = 3.0
    confirmed_points: float = 5.0
    armed_per_attacker: float = 1.0
    min_armed: int = 2
    max_armed: int = 4
    injured_per_medic: int = 3
    max_medics: int = 3
    escort_within_m: float = 250.0
    # An armed escort assigned to a call this close to the threat it needs an escort from
    # counts as one of that threat's contact team too (None: the escort is the call's only).
    escort_joins_contact_m: float | None = 250.0
    # A wounded responder: the incidents' critical band (`IncidentConfig.critical_at`).
    wounded_priority: float = 25.0
    # An armed responder on scene (arrived at any assignment, on scene or engaged: not out of
    # ammunition, off duty or wounded) last reported this close to a call or wounded
    # responder in a danger area is armed cover there: a medic sent to it may go in (None:
    # only an escort assigned to it counts) ...
    cover_within_m: float | None = 50.0
    # ... by a position reported since they arrived and at most this old at the board's time
    # (a check-in's place, or a fix from before they set off, says nothing of where they are).
    cover_fix_max_age_s: float = 120.0


# People in a declared danger area: only an armed responder may go in (to get them out, or
# ahead of the medic), whether or not the threat it was declared for is still fresh.
_IN_DANGER = Need(ARMED, "in a danger area", Fact("in_danger_area"))
# What a medic need of an escorted task says (`escorted`): the medic goes in with the armed
# responder assigned to it.
_WITH_ESCORT = Fact("armed_escort")
# ... or with armed responders on scene beside the place, none of them assigned to it: the
# words must not say an escort was assigned.
_WITH_COVER_ON_SCENE = Fact("armed_cover_on_scene")


@dataclass(frozen=True, slots=True)
class WoundedResponder:
    """A responder who reported being wounded and is not attended yet, where last known."""

    responder_id: str
    lon: float
    lat: float
    callsign: str = ""


@dataclass(frozen=True, slots=True)
class AreaLink:
    """A danger area's id and what it was declared around (a track, an incident, an SOS)."""

    area_id: str
    threat_id: str | None


def active_threat(track: TrackView) -> bool:
    """Whether a track is something to send armed responders to now."""
    return track.open and track.status is not TrackStatus.STALE and track.credible


def undeclared_threat_areas(
    tracks: Iterable[TrackView], *, config: NeedsConfig | None = None
) -> list[tuple[DangerArea, AreaLink]]:
    """The circles of the active threats, each with its link to the track (so the armed
    sent to it may enter), by track id: those with no declared attackers' area over where
    they are stand for the threats none is declared around yet (the app decides, on the
    town's map)."""
    cfg = config or NeedsConfig()
    out = []
    for track in sorted(tracks, key=lambda t: t.track_id):
        if not active_threat(track):
            continue
        radius = max(track.position_error_m, 0.0) + cfg.escort_within_m
        if not (math.isfinite(radius) and radius > 0):
            continue
        area = DangerArea(undeclared_area_id(track.track_id), track.lon, track.lat, radius)
        out.append((area, AreaLink(area.id, track.track_id)))
    return out


def threat_task(track: TrackView, config: NeedsConfig | None = None) -> Task:
    """The task of an active threat track."""
    cfg = config or NeedsConfig()
    size = track.size.estimate
    attackers = size if size is not None else 1
    armed = min(max(math.ceil(attackers * cfg.armed_per_attacker), cfg.min_armed), cfg.max_armed)
    priority = cfg.threat_priority + cfg.points_per_attacker * attackers
    if track.confirmed:
        priority += cfg.confirmed_points
    if size is None:
        why = "armed attackers, number unknown"
    else:
        why = f"{size} armed attacker{'s' if size != 1 else ''}"
    if track.armed is Armed.NO:
        why = why.replace("armed attacker", "attacker")
    label = f"threat: {why}" + (", confirmed" if track.confirmed else "")
    fact = Fact("attackers" if track.armed is Armed.NO else "armed_attackers", size)
    return Task(
        task_id=track.track_id,
        kind=TaskKind.THREAT,
        lon=track.lon,
        lat=track.lat,
        priority=round(priority, 3),
        needs=tuple(Need(ARMED, why, fact) for _ in range(armed)),
        label=label,
        facts=(fact, Fact("confirmed")) if track.confirmed else (fact,),
    )


def incident_task(
    incident: Incident,
    threats: Mapping[str, TrackView],
    config: NeedsConfig | None = None,
    *,
    in_danger: bool = False,
) -> Task:
    """The task of an open incident (`threats`: tracks by id, to judge the nearest one;
    `in_danger`: whether its place lies in an active danger area)."""
    cfg = config or NeedsConfig()
    needs: list[Need] = []
    near = threats.get(incident.nearest_threat_id or "")
    if (
        near is not None
        and active_threat(near)
        and incident.nearest_threat_m is not None
        and incident.nearest_threat_m <= cfg.escort_within_m
    ):
        needs.append(
            Need(
                ARMED,
                f"threat {incident.nearest_threat_m:.0f} m away",
                Fact("threat_m", round(incident.nearest_threat_m)),
            )
        )
    elif in_danger:
        needs.append(_IN_DANGER)
    if incident.injured:
        medics = min(math.ceil(incident.injured / cfg.injured_per_medic), cfg.max_medics)
        hurt = Need(MEDIC, f"{incident.injured} injured", Fact("injured", incident.injured))
        needs += [hurt] * medics
    if not needs:
        needs.append(Need(frozenset(), "people calling for help", Fact("calling_for_help")))
    parts = [f"{incident.people} {'person' if incident.people == 1 else 'people'}"]
    facts = [Fact("people", incident.people)]
    if incident.injured:
        parts.append(f"{incident.injured} injured")
        facts.append(Fact("injured", incident.injured))
    if incident.children:
        parts.append(f"{incident.children} {'child' if incident.children == 1 else 'children'}")
        facts.append(Fact("children", incident.children))
    if incident.silent:
        parts.append("silent")
        facts.append(Fact("silent"))
    return Task(
        task_id=incident.incident_id,
        kind=TaskKind.INCIDENT,
        lon=incident.lon,
        lat=incident.lat,
        priority=incident.priority,
        needs=tuple(needs),
        label="SOS: " + ", ".join(parts),
        facts=tuple(facts),
    )


def wounded_task(
    wounded: WoundedResponder,
    threats: Iterable[TrackView] = (),
    *,
    medic_free: bool = True,
    config: NeedsConfig | None = None,
    in_danger: bool = False,
) -> Task:
    """The task of a wounded responder (`medic_free`: whether any medic is available; if
    not, anyone may go to get them out; `in_danger`: whether they lie in an active danger
    area)."""
    cfg = config or NeedsConfig()
    needs: list[Need] = []
    near = [distance_m(wounded.lon, wounded.lat, t.lon, t.lat) for t in threats if active_threat(t)]
    if near and min(near) <= cfg.escort_within_m:
        m = min(near)
        needs.append(Need(ARMED, f"threat {m:.0f} m away", Fact("threat_m", round(m))))
    elif in_danger:
        needs.append(_IN_DANGER)
    if medic_free:
        needs.append(Need(MEDIC, "responder wounded", Fact("responder_wounded")))
    elif not needs:
        why = "responder wounded, no medic available"
        needs.append(Need(frozenset(), why, Fact("responder_wounded")))
    # With no medic free the armed responder who must go first (a threat near, or a danger
    # area only the armed may enter) is the one who gets them out: "anyone" beside it took a
    # second armed responder from the contact teams (only the armed can go in).
    name = wounded.callsign or wounded.responder_id
    return Task(
        task_id=wounded.responder_id,
        kind=TaskKind.RESPONDER,
        lon=wounded.lon,
        lat=wounded.lat,
        priority=cfg.wounded_priority,
        needs=tuple(needs),
        label=f"responder wounded: {name}",
        facts=(Fact("responder_wounded"), Fact("injured", 1)),
    )


# The codes of the facts behind tasks' labels, needs' whys and recommendations' routes
# (`Fact.code`), for words.
FACT_CODES = (
    "armed_attackers",
    "attackers",
    "confirmed",
    "threat_m",
    "in_danger_area",
    "armed_escort",
    "armed_cover_on_scene",
    "injured",
    "calling_for_help",
    "people",
    "children",
    "silent",
    "responder_wounded",
    AVOIDS_UNDECLARED,
)


def still_needed(
    needs: Sequence[Need], assigned: Iterable[frozenset[Capability]]
) -> tuple[Need, ...]:
    """The needs left once assigned responders (their capabilities) fill what they can."""
    left = list(needs)
    # The most capable responders first, each filling the most specific need it can.
    for caps in sorted(assigned, key=lambda c: (-len(c), sorted(c))):
        fits = [i for i, n in enumerate(left) if n.requires <= caps]
        if fits:
            del left[max(fits, key=lambda i: (len(left[i].requires), -i))]
    return tuple(left)


def open_tasks(
    incidents: Iterable[Incident],
    tracks: Iterable[TrackView],
    *,
    assigned: Mapping[str, Sequence[frozenset[Capability]]] | None = None,
    areas: Iterable[AreaLink] = (),
    config: NeedsConfig | None = None,
    wounded: Iterable[WoundedResponder] = (),
    medic_free: bool = True,
    in_danger: Collection[str] = (),
    on_scene: Mapping[str, Sequence[frozenset[Capability]]] | None = None,
    armed_at: Sequence[tuple[float, float]] = (),
) -> list[Task]:
    """Every task with needs left: active threats, open incidents and wounded responders
    (`medic_free`: whether any medic is available for them; `in_danger`: the incidents and
    wounded responders, by task id, whose place lies in an active danger area; `on_scene`:
    the assigned who have arrived, by task id; `armed_at`: where the armed responders on
    scene anywhere last reported, lon/lat), by priority."""
    incident_list, track_list = list(incidents), list(tracks)
    every = every_task(
        incident_list,
        track_list,
        areas=areas,
        config=config,
        wounded=wounded,
        medic_free=medic_free,
        in_danger=in_danger,
    )
    return staffed(
        every,
        incident_list,
        track_list,
        assigned=assigned,
        config=config,
        in_danger=in_danger,
        on_scene=on_scene,
        armed_at=armed_at,
    )


def every_task(
    incidents: Iterable[Incident],
    tracks: Iterable[TrackView],
    *,
    areas: Iterable[AreaLink] = (),
    config: NeedsConfig | None = None,
    wounded: Iterable[WoundedResponder] = (),
    medic_free: bool = True,
    in_danger: Collection[str] = (),
) -> list[Task]:
    """Every task with all its needs, before anyone assigned fills them (what a responder
    is sent to when a recommendation for it is accepted), by priority."""
    cfg = config or NeedsConfig()
    track_list = list(tracks)
    by_id = {t.track_id: t for t in track_list}
    around: dict[str, set[str]] = {}
    for link in areas:
        if link.threat_id is not None:
            around.setdefault(link.threat_id, set()).add(link.area_id)
    out: list[Task] = []
    for track in track_list:
        if active_threat(track):
            out.append(_opening(threat_task(track, cfg), around.get(track.track_id, set())))
    for incident in incidents:
        if not incident.open:
            continue
        names = {incident.incident_id, *incident.sos_ids}
        linked = set().union(*(around.get(n, set()) for n in names))
        task = incident_task(incident, by_id, cfg, in_danger=incident.incident_id in in_danger)
        out.append(_opening(task, linked))
    for hurt in wounded:
        task = wounded_task(
            hurt,
            track_list,
            medic_free=medic_free,
            config=cfg,
            in_danger=hurt.responder_id in in_danger,
        )
        out.append(_opening(task, around.get(hurt.responder_id, set())))
    return sorted(out, key=lambda t: (-t.priority, t.task_id))


def staffed(
    tasks: Iterable[Task],
    incidents: Iterable[Incident],
    tracks: Iterable[TrackView],
    *,
    assigned: Mapping[str, Sequence[frozenset[Capability]]] | None = None,
    config: NeedsConfig | None = None,
    in_danger: Collection[str] = (),
    on_scene: Mapping[str, Sequence[frozenset[Capability]]] | None = None,
    armed_at: Sequence[tuple[float, float]] = (),
) -> list[Task]:
    """The tasks (`every_task`) with needs left once the responders assigned to them (their
    capabilities, by task id) fill what they can, by priority; those `escorted` (`in_danger`:
    the incidents and wounded responders whose place lies in an active danger area; `on_scene`:
    the assigned who have arrived there, by task id; `armed_at`: where the armed responders
    on scene anywhere last reported) say so."""
    cfg = config or NeedsConfig()
    assigned = assigned or {}
    task_list = list(tasks)
    escorts = escorted(
        task_list, on_scene or {}, in_danger, armed_at=armed_at, within_m=cfg.cover_within_m
    )
    # Those whose cover is an armed responder on scene beside them, none assigned to them.
    beside = escorts - escorted(task_list, on_scene or {}, in_danger)
    by_id = {t.track_id: t for t in tracks}
    joining = _escorts_joining([i for i in incidents if i.open], by_id, assigned, cfg)
    for threat_id, n in _escorts_to_wounded(task_list, by_id, assigned, cfg).items():
        joining[threat_id] = joining.get(threat_id, 0) + n
    out = []
    for task in task_list:
        team = [*assigned.get(task.task_id, ())]
        if task.kind is TaskKind.THREAT:
            team += [ARMED] * joining.get(task.task_id, 0)
        needs = still_needed(task.needs, team)
        escort = task.task_id in escorts
        if escort:
            needs = tuple(_escorted_need(n, beside=task.task_id in beside) for n in needs)
        if needs:
            out.append(replace(task, needs=needs, escorted=escort or task.escorted))
    return sorted(out, key=lambda t: (-t.priority, t.task_id))


def escorted(
    tasks: Iterable[Task],
    on_scene: Mapping[str, Sequence[frozenset[Capability]]],
    in_danger: Collection[str],
    *,
    armed_at: Sequence[tuple[float, float]] = (),
    within_m: float | None = None,
) -> set[str]:
    """The incidents and wounded responders (by task id) lying in an active danger area
    (`in_danger`) with armed cover there: an armed responder assigned to them who has
    reported arriving (`on_scene`: on scene or engaged, not out of ammunition, off duty or
    wounded), or any such armed responder on scene (arrived at whatever they were sent to)
    last reported within `within_m` of the place (`armed_at`, lon/lat, by a position reported
    since arriving and fresh: a contact team at the attackers' house is beside the wounded
    lying there). An unarmed medic sent to one may enter the areas its
    place lies in, to that cover (rescue task force, warm zone). An escort still on the way,
    or one who has not acknowledged, is not one: the medic would arrive alone."""

    def beside(t: Task) -> bool:
        return within_m is not None and any(
            distance_m(t.lon, t.lat, lon, lat) <= within_m for lon, lat in armed_at
        )

    return {
        t.task_id
        for t in tasks
        if t.kind is not TaskKind.THREAT
        and t.task_id in in_danger
        and (any(Capability.ARMED in caps for caps in on_scene.get(t.task_id, ())) or beside(t))
    }


def _escorted_need(need: Need, *, beside: bool = False) -> Need:
    """A medic need of an escorted task: the medic goes in with the armed escort (`beside`:
    the cover is an armed responder on scene beside the place, none assigned to it)."""
    if need.requires != MEDIC:
        return need
    if beside:
        return Need(
            MEDIC, f"{need.why}, with armed responders on scene beside it", _WITH_COVER_ON_SCENE
        )
    return Need(MEDIC, f"{need.why}, with the armed escort assigned", _WITH_ESCORT)


def _escorts_joining(
    incidents: Iterable[Incident],
    threats: Mapping[str, TrackView],
    assigned: Mapping[str, Sequence[frozenset[Capability]]],
    cfg: NeedsConfig,
) -> dict[str, int]:
    """Per threat, the armed escorts assigned to calls close enough to join its team."""
    out: dict[str, int] = {}
    if cfg.escort_joins_contact_m is None:
        return out
    for incident in incidents:
        threat_id = incident.nearest_threat_id
        near = threats.get(threat_id or "")
        if (
            threat_id is None
            or near is None
            or not active_threat(near)
            or incident.nearest_threat_m is None
            or incident.nearest_threat_m > min(cfg.escort_joins_contact_m, cfg.escort_within_m)
        ):
            continue
        if any(caps >= ARMED for caps in assigned.get(incident.incident_id, ())):
            out[threat_id] = out.get(threat_id, 0) + 1
    return out


def _escorts_to_wounded(
    tasks: Iterable[Task],
    threats: Mapping[str, TrackView],
    assigned: Mapping[str, Sequence[frozenset[Capability]]],
    cfg: NeedsConfig,
) -> dict[str, int]:
    """Per threat, the armed responders assigned to wounded responders close enough to join
    its team, as an escort to a call does: going to get a colleague out beside the
    attackers, they are at the threat (measured as the wounded task's escort is, in a
    straight line to the nearest active threat)."""
    out: dict[str, int] = {}
    if cfg.escort_joins_contact_m is None:
        return out
    limit = min(cfg.escort_joins_contact_m, cfg.escort_within_m)
    active = [t for t in threats.values() if active_threat(t)]
    for task in tasks:
        if task.kind is not TaskKind.RESPONDER or not active:
            continue
        if not any(caps >= ARMED for caps in assigned.get(task.task_id, ())):
            continue
        m, threat_id = min(
            (distance_m(task.lon, task.lat, t.lon, t.lat), t.track_id) for t in active
        )
        if m <= limit:
            out[threat_id] = out.get(threat_id, 0) + 1
    return out


def _opening(task: Task, areas: set[str]) -> Task:
    """A task with the danger areas declared around it (open to its armed responders)."""
    return replace(task, open_areas=frozenset(areas))
