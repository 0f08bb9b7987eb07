"""Other official hazards (earthquake, tsunami, hazardous materials, radiological, early
warning) meeting a ground threat: one action per building, never an order to go out near
attackers, said in he/ar/en, with whose instruction it is.

The combinations, per hazard, on the real Baka map (ground threat: action, whose):

- none: the hazard's own action (evacuate / protected space / stay near), official;
- open elsewhere in the town: the same action, official, with a warning and the door locked;
- in or near an attackers' area, no lock-in issued: earthquake, tsunami, early warning: stay
  inside (the threat reports'); hazmat, radiological: protected space, door locked (official);
- an operator's lock-in: lock in (the operator's), with the hazard's indoor advice;
- an official infiltration alert in the zone: lock in (official), with the indoor advice.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.test_shelter_guidance import guidance_inputs
from magen.domain.alerts import CATEGORY_INSTRUCTIONS
from magen.domain.alerts import AlertCategory as DomainCategory
from magen.geo.guidance import (
    GuidanceEngine,
    GuidanceInputs,
    GuidanceResult,
    Override,
    ZoneAlert,
    building_guidance,
    point_guidance,
)
from magen.geo.policy import (
    HAZARDS,
    RULES,
    Action,
    AlertCategory,
    IssuedBy,
    OverrideKind,
    Reason,
    texts_for,
)
from magen.geo.routing import DangerArea
from magen.geo.texts import HAZARD_OFFICIAL
from magen.geo.town import Town

HEBREW = re.compile("[\u0590-\u05ff]")
ARABIC = re.compile("[\u0600-\u06ff]")
GO_OUT = (AlertCategory.EARTHQUAKE, AlertCategory.TSUNAMI)
INDOORS = (AlertCategory.HAZARDOUS_MATERIALS, AlertCategory.RADIOLOGICAL_EVENT)
# The action each hazard's own instruction amounts to.
OWN_ACTION = {
    AlertCategory.EARTHQUAKE: Action.EVACUATE,
    AlertCategory.TSUNAMI: Action.EVACUATE,
    AlertCategory.HAZARDOUS_MATERIALS: Action.STAY_IN_PROTECTED_SPACE,
    AlertCategory.RADIOLOGICAL_EVENT: Action.STAY_IN_PROTECTED_SPACE,
    AlertCategory.EARLY_WARNING: Action.STAY_NEAR_PROTECTED_SPACE,
}
# Words that send people out into the street, in English.
GO_OUT_WORDS = ("Get out to an open area", "go out to an open area right by", "Move away from")


@pytest.fixture(scope="module")
def engine(baka: Town) -> GuidanceEngine:
    return GuidanceEngine(baka)


@pytest.fixture(scope="module")
def attackers(baka: Town) -> DangerArea:
    lon, lat = map(float, baka.buildings.lonlat[500])
    return DangerArea("attackers", lon, lat, 60.0)


def _everywhere(town: Town, *cats: AlertCategory) -> dict[str, ZoneAlert]:
    return {str(z): ZoneAlert(frozenset(cats)) for z in town.zones.id}


def _same(result: GuidanceResult, where: np.ndarray, action: Action, reason: Reason, by: IssuedBy):
    assert where.any()
    assert (result.action[where] == action).all(), np.unique(result.action[where])
    assert (result.reason[where] == reason).all(), np.unique(result.reason[where])
    assert (result.issued_by[where] == by).all(), np.unique(result.issued_by[where])


def _three(texts: dict[str, str]) -> None:
    assert set(texts) == {"he", "ar", "en"}
    assert HEBREW.search(texts["he"])
    assert ARABIC.search(texts["ar"])
    assert not HEBREW.search(texts["ar"])
    for text in texts.values():
        assert "{" not in text
        assert "}" not in text


@pytest.mark.parametrize("hazard", list(OWN_ACTION))
def test_a_hazard_alone_gives_its_own_official_action(
    baka: Town, engine: GuidanceEngine, hazard: AlertCategory
) -> None:
    result = engine.compute(GuidanceInputs(alerts=_everywhere(baka, hazard)))
    in_zone = baka.buildings.zone >= 0
    _same(result, in_zone, OWN_ACTION[hazard], Reason.HAZARD_ALERT, IssuedBy.OFFICIAL_ALERT)
    assert (result.shelter[in_zone] == -1).all()
    g = building_guidance(baka, result, int(np.flatnonzero(in_zone)[0]))
    _three(g.texts)
    assert g.texts["en"].endswith(HAZARD_OFFICIAL[hazard.value]["en"])
    assert "attackers" not in g.texts["en"]


@pytest.mark.parametrize("hazard", list(OWN_ACTION))
def test_attackers_elsewhere_in_the_town_keep_the_hazard_s_action_with_a_warning(
    baka: Town, engine: GuidanceEngine, hazard: AlertCategory
) -> None:
    inputs = GuidanceInputs(alerts=_everywhere(baka, hazard), ground_threat_in_town=True)
    result = engine.compute(inputs)
    in_zone = baka.buildings.zone >= 0
    _same(
        result,
        in_zone,
        OWN_ACTION[hazard],
        Reason.HAZARD_AND_GROUND_THREAT_IN_TOWN,
        IssuedBy.OFFICIAL_ALERT,
    )
    assert not (result.action == Action.NO_ALERT).any()
    for outdoors in (False, True):
        b = int(np.flatnonzero(in_zone)[0])
        g = (
            building_guidance(baka, result, b)
            if not outdoors
            else point_guidance(baka, result, *_street_near(baka, b))
        )
        _three(g.texts)
        en = g.texts["en"]
        assert "Armed attackers have been reported in the town" in en
        assert "lock the door" in en.lower() or "door locked" in en
        # Nobody is walked near attackers: past the danger areas, or to a public shelter.
        assert "danger areas" in en or "nearest building" in en or "public shelter" in en


def _street_near(town: Town, b: int) -> tuple[float, float]:
    """A point in the street near building b (outside every building)."""
    lon, lat = map(float, town.buildings.lonlat[b])
    for step in np.linspace(0.0002, 0.002, 40):
        for dlon, dlat in ((step, 0), (-step, 0), (0, step), (0, -step)):
            if town.building_at(lon + dlon, lat + dlat) is None:
                return lon + dlon, lat + dlat
    raise AssertionError("no street point found")


@pytest.mark.parametrize("hazard", list(OWN_ACTION))
def test_near_attackers_nobody_is_sent_out_for_the_hazard(
    baka: Town, engine: GuidanceEngine, attackers: DangerArea, hazard: AlertCategory
) -> None:
    inputs = GuidanceInputs(
        alerts=_everywhere(baka, hazard),
        danger_areas=(attackers,),
        ground_threat_in_town=True,
        ground_threat_areas=frozenset({attackers.id}),
    )
    result = engine.compute(inputs)
    near = np.zeros(len(baka.buildings), dtype=bool)
    near[engine.buildings_near(attackers, engine.policy.lock_in_margin_m)] = True
    near &= baka.buildings.zone >= 0
    far = ~near & (baka.buildings.zone >= 0)
    if hazard in INDOORS:
        # Their own order already keeps people in: still the alert's, with the door locked.
        _same(
            result,
            near,
            Action.STAY_IN_PROTECTED_SPACE,
            Reason.HAZARD_NEAR_GROUND_THREAT,
            IssuedBy.OFFICIAL_ALERT,
        )
    else:
        # The alert said go out (or near a shelter); the reports say not to: theirs to say.
        _same(
            result,
            near,
            Action.STAY_INSIDE,
            Reason.HAZARD_NEAR_GROUND_THREAT,
            IssuedBy.THREAT_REPORTS,
        )
    assert not (result.action[near] == Action.EVACUATE).any()
    _same(
        result,
        far,
        OWN_ACTION[hazard],
        Reason.HAZARD_AND_GROUND_THREAT_IN_TOWN,
        IssuedBy.OFFICIAL_ALERT,
    )
    b = int(np.flatnonzero(near)[0])
    for g in (
        building_guidance(baka, result, b),
        point_guidance(baka, result, *_street_near(baka, b)),
    ):
        assert g.reason is Reason.HAZARD_NEAR_GROUND_THREAT
        _three(g.texts)
        en = g.texts["en"]
        assert "Armed attackers have been reported near you" in en
        assert "lock the door" in en
        assert not any(w in en for w in GO_OUT_WORDS), en
        # The hazard is named, and its indoor advice follows the stay-inside words.
        opener = texts_for(
            Reason.HAZARD_ALERT,
            outdoors=False,
            categories=frozenset({hazard}),
            ground_threat=False,
            values={},
        )["en"].split(".")[0]
        assert en.startswith(opener)


def test_a_danger_area_that_is_not_attackers_does_not_keep_people_in(
    baka: Town, engine: GuidanceEngine, attackers: DangerArea
) -> None:
    fire = DangerArea("fire", attackers.lon, attackers.lat, attackers.radius_m)
    inputs = GuidanceInputs(
        alerts=_everywhere(baka, AlertCategory.EARTHQUAKE),
        danger_areas=(fire,),
        ground_threat_areas=frozenset(),
    )
    result = engine.compute(inputs)
    in_zone = baka.buildings.zone >= 0
    _same(result, in_zone, Action.EVACUATE, Reason.HAZARD_ALERT, IssuedBy.OFFICIAL_ALERT)


@pytest.mark.parametrize("hazard", list(OWN_ACTION))
def test_an_operator_s_lock_in_prevails_and_the_hazard_s_indoor_advice_is_added(
    baka: Town, engine: GuidanceEngine, attackers: DangerArea, hazard: AlertCategory
) -> None:
    lock = Override("lock", OverrideKind.LOCK_IN_NEAR_DANGER, 300.0, danger_area_id=attackers.id)
    inputs = GuidanceInputs(
        alerts=_everywhere(baka, hazard),
        danger_areas=(attackers,),
        overrides=(lock,),
        ground_threat_in_town=True,
        ground_threat_areas=frozenset({attackers.id}),
    )
    result = engine.compute(inputs)
    covered = result.override >= 0
    covered &= baka.buildings.zone >= 0
    _same(
        result, covered, Action.LOCK_IN, Reason.GROUND_THREAT_AND_HAZARD, IssuedBy.OPERATOR_OVERRIDE
    )
    g = building_guidance(baka, result, int(np.flatnonzero(covered)[0]))
    assert g.override_id == "lock"
    _three(g.texts)
    en = g.texts["en"]
    assert "Armed attackers have been reported near you" in en
    assert "Lock the doors and windows" in en
    assert not any(w in en for w in GO_OUT_WORDS), en
    assert g.authority["en"] == "Instruction from the local emergency operator"
    outdoors = point_guidance(baka, result, *_street_near(baka, int(np.flatnonzero(covered)[0])))
    if outdoors.override_id == "lock":
        assert outdoors.action is Action.LOCK_IN
        assert "nearest building" in outdoors.texts["en"]


@pytest.mark.parametrize("hazard", list(OWN_ACTION))
def test_an_official_infiltration_alert_locks_in_with_the_hazard_s_indoor_advice(
    baka: Town, engine: GuidanceEngine, hazard: AlertCategory
) -> None:
    alerts = _everywhere(baka, hazard, AlertCategory.TERRORIST_INFILTRATION)
    result = engine.compute(GuidanceInputs(alerts=alerts, ground_threat_in_town=True))
    in_zone = baka.buildings.zone >= 0
    _same(result, in_zone, Action.LOCK_IN, Reason.INFILTRATION_AND_HAZARD, IssuedBy.OFFICIAL_ALERT)
    g = building_guidance(baka, result, int(np.flatnonzero(in_zone)[0]))
    _three(g.texts)
    en = g.texts["en"]
    assert en.startswith("Alert: terrorist infiltration. ")
    assert "Stay inside. Lock the doors and windows" in en
    assert not any(w in en for w in GO_OUT_WORDS), en


@pytest.mark.parametrize(
    ("hazard", "advice"),
    [
        (AlertCategory.EARTHQUAKE, "leave its door open"),
        (AlertCategory.TSUNAMI, "go up inside your building as high as it goes"),
        (AlertCategory.HAZARDOUS_MATERIALS, "turn off air conditioning and ventilation"),
        (AlertCategory.RADIOLOGICAL_EVENT, "stay in an inner room"),
        (AlertCategory.EARLY_WARNING, "if a rocket alert sounds, go in and lock it"),
    ],
)
def test_each_hazard_s_indoor_advice_is_said_in_every_held_case(
    hazard: AlertCategory, advice: str
) -> None:
    for reason in (
        Reason.INFILTRATION_AND_HAZARD,
        Reason.GROUND_THREAT_AND_HAZARD,
        Reason.HAZARD_NEAR_GROUND_THREAT,
    ):
        texts = texts_for(
            reason,
            outdoors=False,
            categories=frozenset({hazard}),
            ground_threat=reason is Reason.GROUND_THREAT_AND_HAZARD,
            values={},
        )
        _three(texts)
        assert advice in texts["en"], (reason, texts["en"])
        assert texts["en"].count("Armed attackers") <= 1


@pytest.mark.parametrize("outdoors", [False, True])
def test_a_tsunami_where_nobody_may_go_out_is_one_action_up_inside(outdoors: bool) -> None:
    """One action, never two orders: under a lock-in, an infiltration alert or near attackers
    the tsunami is met up inside the building (as high as it goes, the roof of a low one),
    never by sending anyone into the street; an earlier text added "do not stay in it: go now
    to the nearest building of four floors" under "Lock in. Open to no one." """
    for reason in (
        Reason.INFILTRATION_AND_HAZARD,
        Reason.GROUND_THREAT_AND_HAZARD,
        Reason.HAZARD_NEAR_GROUND_THREAT,
    ):
        texts = texts_for(
            reason,
            outdoors=outdoors,
            categories=frozenset({AlertCategory.TSUNAMI}),
            ground_threat=reason is Reason.GROUND_THREAT_AND_HAZARD,
            values={},
        )
        _three(texts)
        en = texts["en"]
        for sent_out in ("do not stay in it", "go now", "shortest way", "high ground"):
            assert sent_out not in en, (reason, en)
        assert "as high as it goes" in en
        if outdoors:
            assert "get into the nearest building" in en
        else:
            assert "to the roof by the stairs" in en
            assert "Do not go out into the street" in en
        he, ar = texts["he"], texts["ar"]
        assert "הכי גבוה שאפשר" in he
        assert "إلى أعلى ما يمكن" in ar
        assert "בדרך הקצרה ביותר" not in he
        assert "بأقصر طريق" not in ar


def test_rocket_fire_outranks_the_other_hazards_as_before(
    baka: Town, engine: GuidanceEngine
) -> None:
    fire = engine.compute(GuidanceInputs(alerts=_everywhere(baka, AlertCategory.MISSILES)))
    both = engine.compute(
        GuidanceInputs(alerts=_everywhere(baka, AlertCategory.MISSILES, AlertCategory.EARTHQUAKE))
    )
    for name in ("action", "reason", "issued_by", "shelter"):
        assert np.array_equal(getattr(fire, name), getattr(both, name)), name


def test_the_strongest_hazard_decides_and_every_one_is_named(
    baka: Town, engine: GuidanceEngine
) -> None:
    alerts = _everywhere(baka, AlertCategory.HAZARDOUS_MATERIALS, AlertCategory.EARTHQUAKE)
    result = engine.compute(GuidanceInputs(alerts=alerts, ground_threat_in_town=True))
    in_zone = baka.buildings.zone >= 0
    assert (result.action[in_zone] == Action.EVACUATE).all()
    en = building_guidance(baka, result, int(np.flatnonzero(in_zone)[0])).texts["en"]
    assert en.startswith("Alert: earthquake. Alert: hazardous materials incident.")


def test_every_hazard_rule_is_one_action_and_every_combination_has_texts() -> None:
    # Every hazard reason gives texts in three languages, indoors and out, for each hazard,
    # and a rule table with one action per reason-and-issuer.
    for hazard in HAZARDS:
        for reason in (
            Reason.HAZARD_ALERT,
            Reason.INFILTRATION_AND_HAZARD,
            Reason.GROUND_THREAT_AND_HAZARD,
            Reason.HAZARD_NEAR_GROUND_THREAT,
            Reason.HAZARD_AND_GROUND_THREAT_IN_TOWN,
        ):
            for outdoors in (False, True):
                _three(
                    texts_for(
                        reason,
                        outdoors=outdoors,
                        categories=frozenset({hazard}),
                        ground_threat=False,
                        values={},
                    )
                )
    seen: dict[tuple[Reason, IssuedBy, frozenset[str]], Action] = {}
    for rule in RULES:
        key = (rule.reason, rule.issued_by, frozenset(rule.when))
        assert seen.setdefault(key, rule.action) == rule.action


@pytest.mark.parametrize("hazard", list(HAZARD_OFFICIAL))
def test_the_engine_s_hazard_instructions_are_the_domain_s(hazard: str) -> None:
    domain = CATEGORY_INSTRUCTIONS[DomainCategory(hazard)]
    assert HAZARD_OFFICIAL[hazard] == {"he": domain.he, "ar": domain.ar, "en": domain.en}


_HAZARD_SETS = [frozenset({h}) for h in OWN_ACTION] + [
    frozenset({AlertCategory.EARTHQUAKE, AlertCategory.HAZARDOUS_MATERIALS}),
    frozenset({AlertCategory.TSUNAMI, AlertCategory.MISSILES}),
    frozenset({AlertCategory.EARLY_WARNING, AlertCategory.TERRORIST_INFILTRATION}),
]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_whatever_the_inputs_nobody_near_attackers_or_locked_in_is_sent_out(
    baka: Town, engine: GuidanceEngine, data: st.DataObject
) -> None:
    drawn = data.draw(guidance_inputs(baka))
    zones = [str(z) for z in baka.zones.id]
    alerts = dict(drawn.alerts)
    for z in data.draw(st.lists(st.sampled_from(zones), unique=True, min_size=1)):
        alerts[z] = ZoneAlert(data.draw(st.sampled_from(_HAZARD_SETS)))
    inputs = dataclasses.replace(drawn, alerts=alerts)
    result = engine.compute(inputs)
    near = np.zeros(len(baka.buildings), dtype=bool)
    for hit in engine.buildings_near_each(list(inputs.danger_areas), 300.0):
        near[hit] = True
    held = near | (result.override >= 0)
    out = (result.action == Action.EVACUATE) | (result.action == Action.STAY_NEAR_PROTECTED_SPACE)
    assert not (out & held).any()
    if inputs.ground_threat_in_town:
        assert not (result.action == Action.NO_ALERT).any()
    # One action each, and whose it is follows from it.
    assert ((result.action == Action.LOCK_IN) <= (result.issued_by != IssuedBy.NONE)).all()
    assert ((result.issued_by == IssuedBy.NONE) == (result.action == Action.NO_ALERT)).all()


def test_attackers_placed_with_no_danger_area_drawn_count_as_near_too(
    baka: Town, engine: GuidanceEngine
) -> None:
    lon, lat = map(float, baka.buildings.lonlat[500])
    inputs = GuidanceInputs(
        alerts=_everywhere(baka, AlertCategory.EARTHQUAKE),
        ground_threat_in_town=True,
        ground_threat_points=((lon, lat),),
    )
    result = engine.compute(inputs)
    x, y = baka.to_xy(lon, lat)
    gap = np.hypot(*(baka.buildings.xy - np.array([float(x), float(y)])).T)
    near = (gap <= engine.policy.lock_in_margin_m) & (baka.buildings.zone >= 0)
    far = (gap > engine.policy.lock_in_margin_m) & (baka.buildings.zone >= 0)
    _same(
        result, near, Action.STAY_INSIDE, Reason.HAZARD_NEAR_GROUND_THREAT, IssuedBy.THREAT_REPORTS
    )
    _same(
        result,
        far,
        Action.EVACUATE,
        Reason.HAZARD_AND_GROUND_THREAT_IN_TOWN,
        IssuedBy.OFFICIAL_ALERT,
    )
    p = point_guidance(baka, result, *_street_near(baka, 500))
    assert p.action is Action.STAY_INSIDE
