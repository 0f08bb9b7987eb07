"""What to do under each alert, as data: the Home Front Command's instructions, encoded.

Sources (Home Front Command / Pikud HaOref public instructions, as published by the IDF and
relayed by municipalities):

- Rocket and missile fire: enter the most protected space you can reach within your zone's
  time to shelter, in this order: the home's protected room (mamad) or the floor's protected
  space (mamak); a building shelter reachable by an inner staircase; a public shelter (miklat)
  *only if it can be reached in time*; an inner stairwell (not the top two floors or the ground
  floor of a building over three floors; the middle floor of a three-floor building); an inner
  room with as few outer walls, windows and openings as possible. Close the door and windows,
  sit on the floor below window level, and stay 10 minutes unless told otherwise. Outdoors in
  a built-up area enter the nearest building; in the open lie down and protect your head.
- Hostile aircraft intrusion: enter a protected space as for rocket fire, and stay until the
  Home Front Command announces the event is over.
- Terrorist infiltration: get inside a building at once, lock doors and windows, turn off the
  lights, keep away from doors and windows, stay quiet, open to no one, and stay until the end
  of the event is announced.
- Infiltration and rocket fire together: do not go out to a protected space outside the home,
  including the stairwell and public shelters; enter the mamad or an inner room and lock it
  (do not remove the mamad door handle: jam it with something heavy).
- Earthquake: go out to an open area if you can do so quickly; if not, the protected room with
  its door left open, or the stairwell; failing that, under heavy furniture or against an inner
  wall. Outdoors: stay in the open, away from buildings, walls and power lines.
- Tsunami: away from the shore to high ground, or up to the fourth floor or higher of a
  nearby building.
- Hazardous materials (and a radiological event): get indoors (an inner room), close the doors
  and windows, turn off air conditioning and ventilation, wait for instructions.
- Early warning: alerts are expected within minutes; get close to a protected space.

Magen adds two rules of its own, from Ofakim: a ground threat declared by an operator near a
building does not silently change an official instruction. The engine *proposes* a lock-in
override; it becomes guidance only once an authorised operator issues it, and the guidance then
says it is the operator's instruction. And while a ground threat is open anywhere in the town
(a confirmed attackers' track, an operator's danger area for attackers, an operator's lock-in,
an infiltration alert), nobody is told "no alert": a building with no other instruction is
told to stay inside with the door locked, not to go out, not even to a public shelter, until
the police announce the event is over. People who are not "near" went outside in Ofakim and
met the attackers, and attackers who stop being reported are often hiding in a house nearby.

When one of those other hazards meets a ground threat, the engine gives one action, never
two orders (Magen's reconciliation, in the style of infiltration with rocket fire):

- under a lock-in (an official infiltration alert in the zone, or an operator's lock-in), the
  lock-in holds and the hazard's own indoor advice is added (an earthquake: the protected room
  with its door open, or under heavy furniture, the home's door staying locked; a tsunami: up
  inside the building if it has four floors or more, else to the nearest such building by the
  shortest way, clear of the danger areas; hazardous materials: windows shut and ventilation
  off); whose instruction it is stays the lock-in's;
- in or within the lock-in margin of an attackers' danger area, of a lock-in an operator drew
  by hand, or of a zone locked in whole (an official infiltration alert, an operator's zone
  lock-in: a zone's edge is a line on a map, not where attackers stop), with no lock-in over
  the building, nobody is sent out for the hazard: an earthquake, tsunami or early warning
  becomes "stay inside, door locked" with the hazard's indoor advice, said as the threat
  reports' (the alert said go out; it is the reports that say not to); hazardous materials
  keep their own indoor action, official, with the door locked;
- elsewhere, with a ground threat open in the town, the hazard's own action holds (official),
  with a warning about the attackers, to keep clear of the danger areas and to lock the door
  once inside again;
- rocket and aircraft fire outrank these hazards, as the Home Front Command's alert does.

Rocket or aircraft fire within reach of an open ground threat (an attackers' danger area, an
open track, a zone locked in whole: `Policy.fire_keep_in_m`, 1.5 km) is taken as the Home
Front Command takes fire with an infiltration: the protected room (mamad) or an inner room,
the door locked, never out to a public shelter or the stairwell, and inside until the police
announce the end (not "10 minutes"). In Ofakim the siren sent people out of their homes into
the gunfire, and shelters outside homes made anyone running to them a target; attackers
reported three streets away can be in the next one by the time the walk ends. Outdoors: the
nearest building, an inner room, the door locked. Farther away the fire's own action holds,
said after the attackers reported in the town, and its "10 minutes" becomes "until the police
announce the event is over".

`RULES` is evaluated top-down; the first rule whose conditions all hold decides the action.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from magen.geo.texts import (
    BODIES,
    CLOSING_THREAT_IN_TOWN,
    CLOSINGS,
    GROUND_THREAT_IN_TOWN_OPENER,
    HAZARD_INDOORS_ADVICE,
    HAZARD_OPENERS,
    ISSUED_BY_LABELS,
    OPENERS,
    ROUTINE_NEAREST,
    hazard_in_town,
    hazard_official,
    threat_distance,
    walk_minutes,
)


class AlertCategory(StrEnum):
    """Official alert categories (Home Front Command), as they arrive per zone."""

    MISSILES = "missiles"
    HOSTILE_AIRCRAFT_INTRUSION = "hostile_aircraft_intrusion"
    TERRORIST_INFILTRATION = "terrorist_infiltration"
    EARTHQUAKE = "earthquake"
    TSUNAMI = "tsunami"
    RADIOLOGICAL_EVENT = "radiological_event"
    HAZARDOUS_MATERIALS = "hazardous_materials"
    EARLY_WARNING = "early_warning"
    ALL_CLEAR = "all_clear"
    NONE = "none"


FIRE_CATEGORIES = frozenset({AlertCategory.MISSILES, AlertCategory.HOSTILE_AIRCRAFT_INTRUSION})
# The other hazards, strongest first: where several are in force, the first one decides.
HAZARDS: tuple[AlertCategory, ...] = (
    AlertCategory.EARTHQUAKE,
    AlertCategory.TSUNAMI,
    AlertCategory.RADIOLOGICAL_EVENT,
    AlertCategory.HAZARDOUS_MATERIALS,
    AlertCategory.EARLY_WARNING,
)
# Hazards whose own instruction sends people out (to open or high ground) ...
GO_OUT_HAZARDS = frozenset({AlertCategory.EARTHQUAKE, AlertCategory.TSUNAMI})
# ... keeps them in with the windows shut ...
INDOOR_HAZARDS = frozenset({AlertCategory.RADIOLOGICAL_EVENT, AlertCategory.HAZARDOUS_MATERIALS})
# ... or near a protected space (early warning).
NEAR_SHELTER_HAZARDS = frozenset({AlertCategory.EARLY_WARNING})


def hazard_of(categories: frozenset[AlertCategory]) -> AlertCategory | None:
    """The hazard that decides among those in force (None: none)."""
    return next((h for h in HAZARDS if h in categories), None)


class ShelterStatus(StrEnum):
    """Whether a public shelter can take people now."""

    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    COMPROMISED = "compromised"  # attackers at or near it: never send anyone there


class OverrideKind(StrEnum):
    """What an operator override orders."""

    LOCK_IN_NEAR_DANGER = "lock_in_near_danger"  # everyone within radius of a danger area
    LOCK_IN_ZONE = "lock_in_zone"  # everyone in an alert zone


class Action(IntEnum):
    """What a person should do now (stored as int8 per building)."""

    NO_ALERT = 0
    GO_TO_SHELTER = 1
    STAY_IN_PROTECTED_SPACE = 2
    LOCK_IN = 3
    STAY_INSIDE = 4  # a ground threat is open in the town: inside, door locked, nobody out
    EVACUATE = 5  # an earthquake or tsunami: to an open area or high ground
    STAY_NEAR_PROTECTED_SPACE = 6  # early warning: alerts expected within minutes

    @property
    def key(self) -> str:
        return self.name.lower()


class IssuedBy(IntEnum):
    """Whose instruction the guidance is."""

    NONE = 0  # routine information, nobody's instruction
    OFFICIAL_ALERT = 1
    OPERATOR_OVERRIDE = 2
    # Reports of armed attackers in the town that an operator confirmed or a responder made:
    # nobody's order, and not to be said as one (no operator may have acted yet).
    THREAT_REPORTS = 3

    @property
    def key(self) -> str:
        return self.name.lower()


class Reason(IntEnum):
    """Why the guidance is what it is (stored as int8 per building)."""

    ROUTINE = 0
    SHELTER_IN_TIME = 1
    PROTECTED_SPACE_AT_HOME = 2
    NO_SHELTER_IN_TIME = 3
    ROUTE_BLOCKED_BY_DANGER = 4
    INFILTRATION = 5
    INFILTRATION_AND_FIRE = 6
    GROUND_THREAT_NEARBY = 7
    GROUND_THREAT_AND_FIRE = 8
    GROUND_THREAT_IN_TOWN = 9
    # Another official hazard (earthquake, tsunami, hazardous materials, radiological, early
    # warning): its own instruction ...
    HAZARD_ALERT = 10
    # ... under an official infiltration alert's lock-in, with the hazard's indoor advice;
    INFILTRATION_AND_HAZARD = 11
    # ... under an operator's lock-in, likewise;
    GROUND_THREAT_AND_HAZARD = 12
    # ... in or near an attackers' danger area (no lock-in issued): nobody out for it;
    HAZARD_NEAR_GROUND_THREAT = 13
    # ... with a ground threat elsewhere in the town: its own action, with a warning.
    HAZARD_AND_GROUND_THREAT_IN_TOWN = 14
    # Rocket or aircraft fire with attackers open elsewhere in the town: the protected room or
    # an inner room, door locked; nobody out to a public shelter or the stairwell.
    FIRE_AND_GROUND_THREAT_IN_TOWN = 15

    @property
    def key(self) -> str:
        return self.name.lower()


class Condition(StrEnum):
    """Facts the rules test, computed per building (or point)."""

    FIRE = "fire"  # official missiles or hostile aircraft alert in the zone
    INFILTRATION = "infiltration"  # official terrorist infiltration alert in the zone
    OPERATOR_LOCK_IN = "operator_lock_in"  # an issued operator lock-in covers it
    PROTECTED_SPACE_AT_HOME = "protected_space_at_home"  # known to have a mamad/mamak
    SHELTER_IN_TIME = "shelter_in_time"  # an open shelter by a safe route within the time
    SHELTER_IN_TIME_IGNORING_DANGER = "shelter_in_time_ignoring_danger"
    GROUND_THREAT_IN_TOWN = "ground_threat_in_town"  # attackers open anywhere in the town
    # In, or within the lock-in margin of, an attackers' danger area, an open track, or a zone
    # locked in whole (an official infiltration alert or an operator's zone lock-in).
    NEAR_GROUND_THREAT = "near_ground_threat"
    # Within reach of an open ground threat under fire (`Policy.fire_keep_in_m`): too near to
    # walk to a shelter outside the home while attackers may be moving in the streets.
    GROUND_THREAT_WITHIN_REACH = "ground_threat_within_reach"
    HAZARD = "hazard"  # another official hazard in the zone (earthquake ... early warning)
    HAZARD_GO_OUT = "hazard_go_out"  # the deciding hazard sends people out (earthquake, tsunami)
    HAZARD_INDOORS = "hazard_indoors"  # ... keeps them in (hazardous materials, radiological)
    HAZARD_NEAR_SHELTER = "hazard_near_shelter"  # ... near a protected space (early warning)


@dataclass(frozen=True)
class Rule:
    """If every condition holds: this action, for this reason, on whose authority."""

    when: frozenset[Condition]
    action: Action
    reason: Reason
    issued_by: IssuedBy


def _rule(conds: set[Condition], action: Action, reason: Reason, by: IssuedBy) -> Rule:
    return Rule(frozenset(conds), action, reason, by)


C = Condition
A = Action
R = Reason
OFFICIAL = IssuedBy.OFFICIAL_ALERT
OPERATOR = IssuedBy.OPERATOR_OVERRIDE
REPORTS = IssuedBy.THREAT_REPORTS
RULES: tuple[Rule, ...] = (
    _rule({C.INFILTRATION, C.FIRE}, A.LOCK_IN, R.INFILTRATION_AND_FIRE, OFFICIAL),
    _rule({C.INFILTRATION, C.HAZARD}, A.LOCK_IN, R.INFILTRATION_AND_HAZARD, OFFICIAL),
    _rule({C.INFILTRATION}, A.LOCK_IN, R.INFILTRATION, OFFICIAL),
    _rule({C.OPERATOR_LOCK_IN, C.FIRE}, A.LOCK_IN, R.GROUND_THREAT_AND_FIRE, OPERATOR),
    _rule({C.OPERATOR_LOCK_IN, C.HAZARD}, A.LOCK_IN, R.GROUND_THREAT_AND_HAZARD, OPERATOR),
    _rule({C.OPERATOR_LOCK_IN}, A.LOCK_IN, R.GROUND_THREAT_NEARBY, OPERATOR),
    # Fire with attackers within reach: as the Home Front Command says for fire with an
    # infiltration, nobody goes out to a shelter outside the home (Ofakim: the siren sent
    # people out into the gunfire, and a public shelter made those running to it a target).
    # Official, as a route blocked by a danger area is: the alert's own most protected space
    # one can reach (a ground threat turns "go" into "stay", never into an order of its own).
    _rule(
        {C.FIRE, C.GROUND_THREAT_WITHIN_REACH},
        A.STAY_IN_PROTECTED_SPACE,
        R.FIRE_AND_GROUND_THREAT_IN_TOWN,
        OFFICIAL,
    ),
    _rule(
        {C.FIRE, C.PROTECTED_SPACE_AT_HOME},
        A.STAY_IN_PROTECTED_SPACE,
        R.PROTECTED_SPACE_AT_HOME,
        OFFICIAL,
    ),
    _rule({C.FIRE, C.SHELTER_IN_TIME}, A.GO_TO_SHELTER, R.SHELTER_IN_TIME, OFFICIAL),
    _rule(
        {C.FIRE, C.SHELTER_IN_TIME_IGNORING_DANGER},
        A.STAY_IN_PROTECTED_SPACE,
        R.ROUTE_BLOCKED_BY_DANGER,
        OFFICIAL,
    ),
    _rule({C.FIRE}, A.STAY_IN_PROTECTED_SPACE, R.NO_SHELTER_IN_TIME, OFFICIAL),
    # Another hazard near attackers: nobody out for it. Hazardous materials already keep
    # people in (their own order, the door locked too); an earthquake's, a tsunami's or an
    # early warning's way out is what the threat reports rule out.
    _rule(
        {C.HAZARD_INDOORS, C.NEAR_GROUND_THREAT},
        A.STAY_IN_PROTECTED_SPACE,
        R.HAZARD_NEAR_GROUND_THREAT,
        OFFICIAL,
    ),
    _rule({C.HAZARD, C.NEAR_GROUND_THREAT}, A.STAY_INSIDE, R.HAZARD_NEAR_GROUND_THREAT, REPORTS),
    # Attackers elsewhere in the town: the hazard's own action, with a warning.
    _rule(
        {C.HAZARD_GO_OUT, C.GROUND_THREAT_IN_TOWN},
        A.EVACUATE,
        R.HAZARD_AND_GROUND_THREAT_IN_TOWN,
        OFFICIAL,
    ),
    _rule(
        {C.HAZARD_INDOORS, C.GROUND_THREAT_IN_TOWN},
        A.STAY_IN_PROTECTED_SPACE,
        R.HAZARD_AND_GROUND_THREAT_IN_TOWN,
        OFFICIAL,
    ),
    _rule(
        {C.HAZARD_NEAR_SHELTER, C.GROUND_THREAT_IN_TOWN},
        A.STAY_NEAR_PROTECTED_SPACE,
        R.HAZARD_AND_GROUND_THREAT_IN_TOWN,
        OFFICIAL,
    ),
    _rule({C.HAZARD_GO_OUT}, A.EVACUATE, R.HAZARD_ALERT, OFFICIAL),
    _rule({C.HAZARD_INDOORS}, A.STAY_IN_PROTECTED_SPACE, R.HAZARD_ALERT, OFFICIAL),
    _rule({C.HAZARD_NEAR_SHELTER}, A.STAY_NEAR_PROTECTED_SPACE, R.HAZARD_ALERT, OFFICIAL),
    # Never "no alert" while attackers are open in the town: only what an official alert
    # or an operator's lock-in says outranks this.
    _rule({C.GROUND_THREAT_IN_TOWN}, A.STAY_INSIDE, R.GROUND_THREAT_IN_TOWN, REPORTS),
    _rule(set(), A.NO_ALERT, R.ROUTINE, IssuedBy.NONE),
)


LANGUAGES = ("he", "ar", "en")
Texts = dict[str, str]

# Reasons whose body is shared with another reason, and settings that fall back.
_BODY_OF = {
    Reason.GROUND_THREAT_NEARBY: Reason.INFILTRATION,
    Reason.GROUND_THREAT_AND_FIRE: Reason.INFILTRATION_AND_FIRE,
}
# Reasons that speak of another hazard, and those of them where nobody may go out for it
# (the body is the lock-in's or the stay-inside's, then the hazard's indoor advice).
HAZARD_REASONS = frozenset(
    {
        Reason.HAZARD_ALERT,
        Reason.INFILTRATION_AND_HAZARD,
        Reason.GROUND_THREAT_AND_HAZARD,
        Reason.HAZARD_NEAR_GROUND_THREAT,
        Reason.HAZARD_AND_GROUND_THREAT_IN_TOWN,
    }
)
_HELD_FOR_HAZARD = {
    Reason.INFILTRATION_AND_HAZARD: Reason.INFILTRATION,
    Reason.GROUND_THREAT_AND_HAZARD: Reason.GROUND_THREAT_NEARBY,
    Reason.HAZARD_NEAR_GROUND_THREAT: Reason.HAZARD_NEAR_GROUND_THREAT,
}
_SHELTERING = frozenset(
    {
        Reason.SHELTER_IN_TIME,
        Reason.PROTECTED_SPACE_AT_HOME,
        Reason.NO_SHELTER_IN_TIME,
        Reason.ROUTE_BLOCKED_BY_DANGER,
    }
)


def issued_by_label(by: IssuedBy) -> Texts:
    """Whose instruction it is, in every language."""
    return ISSUED_BY_LABELS[by.key]


def _body(reason: Reason, setting: str) -> Texts:
    held = _HELD_FOR_HAZARD.get(reason, reason)
    key = _BODY_OF.get(held, held).key
    if (key, setting) in BODIES:
        return BODIES[(key, setting)]
    if reason is Reason.PROTECTED_SPACE_AT_HOME:
        # Someone outdoors has no home protected room at hand: the outdoor instruction holds.
        return BODIES[(Reason.NO_SHELTER_IN_TIME.key, setting)]
    return BODIES[(key, "building")]


def _openers(
    reason: Reason, categories: frozenset[AlertCategory], ground_threat: bool
) -> list[Texts]:
    """What is in force, first: the alerts, then the attackers reported."""
    parts = [
        OPENERS[cat.value]
        for cat in (
            AlertCategory.TERRORIST_INFILTRATION,
            AlertCategory.MISSILES,
            AlertCategory.HOSTILE_AIRCRAFT_INTRUSION,
        )
        if cat in categories
    ]
    if reason in HAZARD_REASONS:
        # Every other hazard in force is named; the first decides what is said.
        parts += [HAZARD_OPENERS[h.value] for h in HAZARDS if h in categories]
    if ground_threat or reason is Reason.HAZARD_NEAR_GROUND_THREAT:
        parts.append(OPENERS["ground_threat"])
    if reason is Reason.HAZARD_AND_GROUND_THREAT_IN_TOWN:
        parts.append(GROUND_THREAT_IN_TOWN_OPENER)
    return parts


def texts_for(
    reason: Reason,
    *,
    outdoors: bool,
    categories: frozenset[AlertCategory],
    ground_threat: bool,
    values: dict[str, str],
    values_in: Mapping[str, dict[str, str]] | None = None,
    threat_in_town: bool = False,
) -> Texts:
    """The message in every language: opener(s), what to do, and for how long.

    `values` fill its placeholders in every language; `values_in` those that differ by
    language (a shelter's street in the reader's script), by language. `threat_in_town`:
    attackers are open somewhere in the town, which a shelter's message says first, and for
    how long to stay is then until the police say it is over."""
    setting = "outdoors" if outdoors else "building"
    parts = _openers(reason, categories, ground_threat)
    sheltering_among_attackers = threat_in_town and reason in _SHELTERING
    if sheltering_among_attackers:
        parts.append(GROUND_THREAT_IN_TOWN_OPENER)
    hazard = hazard_of(categories)
    if reason is Reason.HAZARD_ALERT:
        parts.append(hazard_official(hazard and hazard.value))
    elif reason is Reason.HAZARD_AND_GROUND_THREAT_IN_TOWN:
        parts.append(hazard_in_town(hazard and hazard.value, setting))
    else:
        parts.append(_body(reason, setting))
    if reason in _HELD_FOR_HAZARD and hazard is not None:
        parts.append(HAZARD_INDOORS_ADVICE[(hazard.value, setting)])
    if reason is Reason.ROUTINE and values.get("shelter"):
        parts.append(ROUTINE_NEAREST)
    if sheltering_among_attackers:
        parts.append(CLOSING_THREAT_IN_TOWN)
    elif reason in _SHELTERING:
        # An aircraft may loiter: its "until the end is announced" outranks the 10 minutes.
        for cat in (AlertCategory.HOSTILE_AIRCRAFT_INTRUSION, AlertCategory.MISSILES):
            if cat in categories:
                parts.append(CLOSINGS[cat.value])
                break
    own = {lang: dict(v) for lang, v in (values_in or {}).items()}
    minutes = values.get("minutes", "")
    if minutes.isdigit():
        for lang in LANGUAGES:
            own.setdefault(lang, {}).setdefault("walk", walk_minutes(lang, int(minutes)))
    base = {"walk": "", "near": "", **values}
    return {
        lang: " ".join(p[lang] for p in parts).format(**_isolated({**base, **own.get(lang, {})}))
        for lang in LANGUAGES
    }


def stay_inside_texts(
    *,
    outdoors: bool,
    distance_m: float | None,
    reason: Reason = Reason.GROUND_THREAT_IN_TOWN,
    categories: frozenset[AlertCategory] = frozenset(),
) -> Texts:
    """The stay-inside message (or a hazard's with attackers elsewhere in the town), saying how
    far the nearest open threat is when it is known."""
    near = {lang: {"near": threat_distance(lang, distance_m)} for lang in LANGUAGES}
    return texts_for(
        reason,
        outdoors=outdoors,
        categories=categories,
        ground_threat=False,
        values={},
        values_in=near,
    )


# A shelter's name and address are in their own script whatever the sentence's: each is set
# apart for the bidi algorithm (FSI ... PDI), or an English street inside an Arabic sentence
# carries the sentence's brackets and full stop off to the wrong side.
_OWN_SCRIPT = ("shelter", "address")


def _isolated(values: dict[str, str]) -> dict[str, str]:
    return {k: f"\u2068{v}\u2069" if k in _OWN_SCRIPT and v else v for k, v in values.items()}
