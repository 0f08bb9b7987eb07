"""The guidance engine on the real Baka map: properties, scenarios, texts and zone changes."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magen.geo.guidance import (
    DEFAULT_POLICY,
    GuidanceEngine,
    GuidanceInputs,
    GuidanceResult,
    Override,
    Policy,
    ZoneAlert,
    building_guidance,
    compute_guidance,
    diff_by_zone,
    point_guidance,
)
from magen.geo.policy import (
    BODIES,
    CLOSINGS,
    OPENERS,
    Action,
    AlertCategory,
    IssuedBy,
    OverrideKind,
    Reason,
    ShelterStatus,
    texts_for,
)
from magen.geo.routing import DangerArea, DangerShape, shortest_route
from magen.geo.town import Town

MISSILES = frozenset({AlertCategory.MISSILES})
SLOW = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _everywhere(town: Town, categories: frozenset[AlertCategory]) -> dict[str, ZoneAlert]:
    return {str(z): ZoneAlert(categories) for z in town.zones.id}


def _arrays_equal(a: GuidanceResult, b: GuidanceResult) -> None:
    for name in ("action", "reason", "issued_by", "shelter", "override"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.allclose(a.seconds, b.seconds, equal_nan=True)
    assert a.proposals == b.proposals


def _route_clear_of(
    town: Town, route: tuple[tuple[float, float], ...], areas: list[DangerArea]
) -> bool:
    line = shapely.LineString(town.projection.points_to_xy(np.asarray(route)))
    return not any(
        shapely.dwithin(line, (s := DangerShape.of(town, a)).core, s.radius) for a in areas
    )


# --- input strategies ---------------------------------------------------------------------

_ALERT_SETS = [
    frozenset(),
    MISSILES,
    frozenset({AlertCategory.HOSTILE_AIRCRAFT_INTRUSION}),
    frozenset({AlertCategory.TERRORIST_INFILTRATION}),
    frozenset({AlertCategory.MISSILES, AlertCategory.TERRORIST_INFILTRATION}),
    frozenset({AlertCategory.ALL_CLEAR}),
]


@st.composite
def guidance_inputs(draw: st.DrawFn, town: Town) -> GuidanceInputs:
    zones = [str(z) for z in town.zones.id]
    alerts = {
        z: ZoneAlert(draw(st.sampled_from(_ALERT_SETS)), draw(st.sampled_from([None, 45, 90, 120])))
        for z in draw(st.lists(st.sampled_from(zones), unique=True))
    }
    lon0, lat0, lon1, lat1 = town.header["data_bounds"]
    areas = []
    for i in range(draw(st.integers(0, 4))):
        if draw(st.booleans()):
            lon, lat = map(
                float, town.buildings.lonlat[draw(st.integers(0, len(town.buildings) - 1))]
            )
        else:
            lon, lat = draw(st.floats(lon0, lon1)), draw(st.floats(lat0, lat1))
        radius = draw(st.floats(20.0, 250.0))
        polygon = None
        if draw(st.booleans()):
            d = 0.0008
            polygon = ((lon - d, lat - d), (lon + d, lat - d), (lon, lat + d))
            radius = draw(st.floats(0.0, 60.0))
        areas.append(DangerArea(f"area-{i}", lon, lat, radius, polygon))
    shelter_ids = [str(s) for s in town.shelters.id]
    status = {
        s: draw(st.sampled_from(list(ShelterStatus)))
        for s in draw(st.lists(st.sampled_from(shelter_ids), unique=True, max_size=20))
    }
    overrides: list[Override] = []
    for a in areas:
        if draw(st.booleans()):
            radius = draw(st.floats(0.0, 400.0))
            overrides.append(
                Override(
                    f"lock-{a.id}", OverrideKind.LOCK_IN_NEAR_DANGER, radius, danger_area_id=a.id
                )
            )
    if draw(st.booleans()):
        overrides.append(
            Override("zone-lock", OverrideKind.LOCK_IN_ZONE, zone_id=draw(st.sampled_from(zones)))
        )
    protected = None
    if draw(st.booleans()):
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        protected = rng.random(len(town.buildings)) < 0.3
    return GuidanceInputs(
        alerts=alerts,
        danger_areas=tuple(areas),
        shelter_status=status,
        overrides=tuple(overrides),
        protected_space=protected,
        ground_threat_in_town=draw(st.booleans()),
    )


# --- properties ---------------------------------------------------------------------------


@SLOW
@given(data=st.data())
def test_no_recommended_route_enters_a_danger_area(baka: Town, data: st.DataObject) -> None:
    inputs = data.draw(guidance_inputs(baka))
    result = compute_guidance(baka, inputs)
    usable = {s for s, v in inputs.shelter_status.items() if v is not ShelterStatus.OPEN}
    shown = np.flatnonzero(result.shelter >= 0)
    # Every building near a danger area (where a route could stray into it), a sample of others.
    engine = GuidanceEngine(baka)
    near = np.zeros(len(baka.buildings), dtype=bool)
    for area in inputs.danger_areas:
        near[engine.buildings_near(area, 400.0)] = True
    check = np.union1d(shown[near[shown]], shown[:: max(1, shown.shape[0] // 40)])
    for b in check:
        g = building_guidance(baka, result, int(b))
        assert g.shelter is not None
        assert g.shelter.id not in usable
        assert len(g.route) >= 2
        assert _route_clear_of(baka, g.route, list(inputs.danger_areas))
        if g.action is Action.GO_TO_SHELTER:
            zone = baka.zones.id.tolist().index(g.zone_id)
            alert = inputs.alerts[g.zone_id]
            budget = alert.seconds_to_shelter or int(baka.zones.seconds_to_shelter[zone])
            assert g.seconds is not None
            assert g.seconds <= budget
            assert g.issued_by is IssuedBy.OFFICIAL_ALERT


@SLOW
@given(data=st.data())
def test_guidance_is_deterministic_whatever_came_before(baka: Town, data: st.DataObject) -> None:
    first = data.draw(guidance_inputs(baka))
    inputs = data.draw(guidance_inputs(baka))
    fresh = compute_guidance(baka, inputs)
    again = compute_guidance(baka, inputs)
    warm = GuidanceEngine(baka)
    warm.compute(first)  # a different history: the tree is repaired, not searched afresh
    _arrays_equal(fresh, again)
    _arrays_equal(fresh, warm.compute(inputs))


@SLOW
@given(data=st.data())
def test_after_all_clear_the_default_guidance_returns(baka: Town, data: st.DataObject) -> None:
    inputs = data.draw(guidance_inputs(baka))
    engine = GuidanceEngine(baka)
    before = engine.compute(dataclasses.replace(inputs, alerts={}))
    engine.compute(inputs)
    cleared = {z: ZoneAlert(frozenset({AlertCategory.ALL_CLEAR})) for z in inputs.alerts}
    after = engine.compute(dataclasses.replace(inputs, alerts=cleared))
    _arrays_equal(before, after)
    if not inputs.overrides and not inputs.ground_threat_in_town:
        assert (after.action == Action.NO_ALERT).all()
        assert (after.issued_by == IssuedBy.NONE).all()


# --- scenarios on the real map ----------------------------------------------------------------


@SLOW
@given(data=st.data())
def test_a_ground_threat_turns_no_alert_into_stay_inside_and_sends_nobody_out_under_fire(
    baka: Town, data: st.DataObject
) -> None:
    """Attackers open in the town: no building is told "no alert", and under fire nobody within
    reach of them (`Policy.fire_keep_in_m`) is sent out to a shelter. Nothing else changes."""
    inputs = dataclasses.replace(data.draw(guidance_inputs(baka)), ground_threat_in_town=False)
    quiet = compute_guidance(baka, inputs)
    threat = compute_guidance(baka, dataclasses.replace(inputs, ground_threat_in_town=True))
    was_routine = quiet.action == Action.NO_ALERT
    assert (threat.action[was_routine] == Action.STAY_INSIDE).all()
    assert (threat.reason[was_routine] == Reason.GROUND_THREAT_IN_TOWN).all()
    assert (threat.shelter[was_routine] == -1).all()  # no walk to a shelter is suggested
    assert not (threat.action == Action.NO_ALERT).any()
    kept_in = threat.reason == Reason.FIRE_AND_GROUND_THREAT_IN_TOWN
    assert (threat.action[kept_in] == Action.STAY_IN_PROTECTED_SPACE).all()
    assert (threat.shelter[kept_in] == -1).all()
    # Official, as a route blocked by a danger area: "go" turned into "stay".
    assert (threat.issued_by[kept_in] == IssuedBy.OFFICIAL_ALERT).all()
    assert set(quiet.reason[kept_in].tolist()) <= set(map(int, _FIRE_REASONS))
    # Every building under fire, sheltering, within reach of an attackers' area is kept in.
    sheltering = np.isin(quiet.reason, np.array(_FIRE_REASONS, dtype=quiet.reason.dtype))
    for area in inputs.danger_areas:
        cx, cy = baka.to_xy(np.array([area.lon]), np.array([area.lat]))
        away = np.hypot(baka.buildings.xy[:, 0] - cx[0], baka.buildings.xy[:, 1] - cy[0])
        reach = DEFAULT_POLICY.fire_keep_in_m + area.radius_m
        assert kept_in[sheltering & (away <= reach)].all()
    rest = ~was_routine & ~kept_in
    for name in ("action", "reason", "issued_by", "shelter"):
        assert np.array_equal(getattr(threat, name)[rest], getattr(quiet, name)[rest]), name
    assert threat.proposals == quiet.proposals


def test_under_fire_attackers_within_reach_keep_people_in_and_farther_ones_change_the_words(
    baka: Town,
) -> None:
    """Rocket fire with attackers at one corner of the map (reach 300 m here, to have both
    sides on a small map): within reach, the protected room or an inner room, nobody out to a
    shelter; farther, the shelter as before, said after the attackers, and not "10 minutes"."""
    policy = dataclasses.replace(DEFAULT_POLICY, fire_keep_in_m=300.0)
    lon, lat = map(float, baka.buildings.lonlat[0])
    area = DangerArea("attackers", lon, lat, 60.0)
    inputs = GuidanceInputs(
        alerts=_everywhere(baka, MISSILES), danger_areas=(area,), ground_threat_in_town=True
    )
    result = compute_guidance(baka, inputs, policy)
    cx, cy = baka.to_xy(np.array([lon]), np.array([lat]))
    away = np.hypot(baka.buildings.xy[:, 0] - cx[0], baka.buildings.xy[:, 1] - cy[0])
    kept_in = result.reason == Reason.FIRE_AND_GROUND_THREAT_IN_TOWN
    assert kept_in[away <= 300.0 + 60.0].all()
    assert not kept_in[away > 300.0 + 60.0 + 150.0].any()  # (a shape's edge, not its centre)
    g = building_guidance(baka, result, int(np.flatnonzero(kept_in)[0]))
    assert g.action is Action.STAY_IN_PROTECTED_SPACE
    assert g.shelter is None
    assert g.route == ()
    assert "Do not go out to a public shelter or the stairwell" in g.texts["en"]
    assert "until the police announce the event is over" in g.texts["en"]
    assert "10 minutes" not in g.texts["en"]
    assert "אל תצאו למקלט ציבורי" in g.texts["he"]
    assert "لا تخرجوا إلى ملجأ عام" in g.texts["ar"]

    far = np.flatnonzero(result.action == Action.GO_TO_SHELTER)
    assert far.shape[0] > 0
    assert (away[far] > 300.0).all()
    g = building_guidance(baka, result, int(far[0]))
    assert g.shelter is not None
    assert "Armed attackers have been reported in the town." in g.texts["en"]
    assert "Do not go out after 10 minutes" in g.texts["en"]
    assert "unless told otherwise" not in g.texts["en"]
    assert "גם אחרי 10 דקות אל תצאו" in g.texts["he"]

    # Someone in the street within reach: the nearest building, not the shelter.
    out_lon, out_lat = baka.to_lonlat(cx + np.arange(80.0, 300.0, 5.0), np.full(44, cy[0]))
    outside = [
        (float(x), float(y))
        for x, y in zip(out_lon, out_lat, strict=True)
        if baka.building_at(float(x), float(y)) is None
    ]
    street = point_guidance(baka, result, *outside[0])
    assert street.outdoors
    assert street.reason is Reason.FIRE_AND_GROUND_THREAT_IN_TOWN
    assert street.shelter is None
    assert "Do not head for a public shelter" in street.texts["en"]
    # No attackers: the same fire sends people to the shelters again.
    quiet = compute_guidance(baka, dataclasses.replace(inputs, ground_threat_in_town=False), policy)
    assert not (quiet.reason == Reason.FIRE_AND_GROUND_THREAT_IN_TOWN).any()


_FIRE_REASONS = (
    Reason.SHELTER_IN_TIME,
    Reason.PROTECTED_SPACE_AT_HOME,
    Reason.NO_SHELTER_IN_TIME,
    Reason.ROUTE_BLOCKED_BY_DANGER,
)


@pytest.fixture(scope="module")
def missiles(baka: Town) -> GuidanceResult:
    return compute_guidance(baka, GuidanceInputs(alerts=_everywhere(baka, MISSILES)))


def test_routine_guidance_names_the_nearest_shelter(baka: Town) -> None:
    result = compute_guidance(baka, GuidanceInputs())
    assert (result.action == Action.NO_ALERT).all()
    assert (result.reason == Reason.ROUTINE).all()
    assert (result.shelter >= 0).mean() > 0.95
    g = building_guidance(baka, result, int(np.flatnonzero(result.shelter >= 0)[0]))
    assert g.issued_by is IssuedBy.NONE
    assert "Nearest public shelter" in g.texts["en"]


def test_a_missile_alert_alone_sends_residents_to_the_nearest_reachable_shelter(
    baka: Town, missiles: GuidanceResult
) -> None:
    go = np.flatnonzero(missiles.action == Action.GO_TO_SHELTER)
    stay = np.flatnonzero(missiles.action == Action.STAY_IN_PROTECTED_SPACE)
    assert go.shape[0] > 150
    assert go.shape[0] + stay.shape[0] == len(baka.buildings)
    assert (missiles.issued_by == IssuedBy.OFFICIAL_ALERT).all()
    assert np.all(missiles.seconds[go] <= 90.0)
    assert set(missiles.reason[stay].tolist()) == {Reason.NO_SHELTER_IN_TIME}
    assert not missiles.proposals
    # Check the choice against independent point-to-point searches to every shelter.
    rng = np.random.default_rng(11)
    for b in rng.choice(go, 6, replace=False):
        start = tuple(map(float, baka.buildings.lonlat[b]))
        costs = []
        for s in range(len(baka.shelters)):
            route = shortest_route(baka, start, tuple(map(float, baka.shelters.lonlat[s])))
            costs.append(route.cost if route is not None else np.inf)
        assert int(np.argmin(costs)) == int(missiles.shelter[b])
        g = building_guidance(baka, missiles, int(b))
        expected = shortest_route(baka, start, (g.shelter.lon, g.shelter.lat))  # type: ignore[union-attr]
        assert expected is not None
        assert g.seconds == pytest.approx(10.0 + expected.length_m / 1.4, abs=1e-6)
        assert np.allclose(np.asarray(g.route), np.asarray(expected.lonlat), atol=1e-9)
    # Those told to stay: the least exposed way to the cheapest shelter takes too long.
    for b in rng.choice(stay, 4, replace=False):
        start = tuple(map(float, baka.buildings.lonlat[b]))
        routes = [
            shortest_route(baka, start, tuple(map(float, baka.shelters.lonlat[s])))
            for s in range(len(baka.shelters))
        ]
        best = min((r for r in routes if r is not None), key=lambda r: r.cost, default=None)
        assert best is None or 10.0 + best.seconds > 90.0


def _busiest_shelter(missiles: GuidanceResult) -> int:
    counts = np.bincount(missiles.shelter[missiles.shelter >= 0])
    return int(np.argmax(counts))


def test_infiltration_near_a_shelter_keeps_neighbours_in_and_reroutes_the_others(
    baka: Town, missiles: GuidanceResult
) -> None:
    s = _busiest_shelter(missiles)
    lon, lat = map(float, baka.shelters.lonlat[s])
    gunmen = DangerArea("gunmen-1", lon, lat, 50.0)
    alerts = _everywhere(baka, MISSILES)
    engine = GuidanceEngine(baka)

    # Reported by an operator, not yet acted on: official guidance stands, rerouted.
    pending = engine.compute(GuidanceInputs(alerts=alerts, danger_areas=(gunmen,)))
    assert not (pending.action == Action.LOCK_IN).any()
    assert not (pending.shelter == s).any()
    (proposal,) = pending.proposals
    assert proposal.override.kind is OverrideKind.LOCK_IN_NEAR_DANGER
    assert proposal.danger_area_id == "gunmen-1"
    assert proposal.would_change > 0
    was_going = np.flatnonzero(missiles.shelter == s)
    assert was_going.shape[0] >= 5
    moved = pending.action[was_going]
    assert set(moved.tolist()) <= {Action.GO_TO_SHELTER, Action.STAY_IN_PROTECTED_SPACE}
    assert Reason.ROUTE_BLOCKED_BY_DANGER in pending.reason[was_going].tolist()

    # Issued by the operator: everyone around the shelter locks in; the others go elsewhere.
    issued = engine.compute(
        GuidanceInputs(alerts=alerts, danger_areas=(gunmen,), overrides=(proposal.override,))
    )
    near = engine.buildings_near(gunmen, proposal.override.radius_m)
    assert near.shape[0] == proposal.buildings
    assert (issued.action[near] == Action.LOCK_IN).all()
    assert (issued.reason[near] == Reason.GROUND_THREAT_AND_FIRE).all()
    assert (issued.issued_by[near] == IssuedBy.OPERATOR_OVERRIDE).all()
    assert not issued.proposals
    far = np.setdiff1d(np.arange(len(baka.buildings)), near)
    assert not (issued.action[far] == Action.LOCK_IN).any()
    assert (issued.issued_by[far] == IssuedBy.OFFICIAL_ALERT).all()
    assert not (issued.shelter == s).any()
    for b in np.flatnonzero(issued.action == Action.GO_TO_SHELTER)[::10]:
        g = building_guidance(baka, issued, int(b))
        assert _route_clear_of(baka, g.route, [gunmen])
    locked = building_guidance(baka, issued, int(near[0]))
    assert locked.override_id == proposal.override.id
    assert locked.shelter is None
    assert locked.route == ()
    assert "Do not go out to a public shelter" in locked.texts["en"]
    assert "אל תצאו למקלט ציבורי" in locked.texts["he"]

    changes = diff_by_zone(baka, missiles, issued)
    changed = (
        (missiles.action != issued.action)
        | (missiles.reason != issued.reason)
        | (missiles.issued_by != issued.issued_by)
        | (missiles.shelter != issued.shelter)
    )
    assert sum(c.changed for c in changes) == int(changed.sum())
    assert all(c.changed > 0 for c in changes)
    assert sum(c.transitions.get("go_to_shelter->lock_in", 0) for c in changes) > 0
    assert {c.zone_id for c in changes} >= set(proposal.zones)
    assert diff_by_zone(baka, issued, issued) == []


def test_official_infiltration_with_missiles_locks_the_zone_in(
    baka: Town, missiles: GuidanceResult
) -> None:
    zone = str(baka.zones.id[baka.buildings.zone[0]])
    alerts = _everywhere(baka, MISSILES)
    alerts[zone] = ZoneAlert(
        frozenset({AlertCategory.MISSILES, AlertCategory.TERRORIST_INFILTRATION})
    )
    result = compute_guidance(baka, GuidanceInputs(alerts=alerts))
    in_zone = baka.buildings.zone == baka.buildings.zone[0]
    assert (result.action[in_zone] == Action.LOCK_IN).all()
    assert (result.reason[in_zone] == Reason.INFILTRATION_AND_FIRE).all()
    assert (result.issued_by[in_zone] == IssuedBy.OFFICIAL_ALERT).all()
    assert np.array_equal(result.action[~in_zone], missiles.action[~in_zone])
    g = building_guidance(baka, result, 0)
    assert g.alerts == ("missiles", "terrorist_infiltration")
    assert g.texts["en"].startswith(
        "Alert: terrorist infiltration. Alert: rocket and missile fire."
    )
    only = compute_guidance(
        baka,
        GuidanceInputs(alerts={zone: ZoneAlert(frozenset({AlertCategory.TERRORIST_INFILTRATION}))}),
    )
    assert (only.reason[in_zone] == Reason.INFILTRATION).all()
    assert (only.action[~in_zone] == Action.NO_ALERT).all()


def test_known_protected_space_and_shelter_status(baka: Town, missiles: GuidanceResult) -> None:
    alerts = _everywhere(baka, MISSILES)
    protected = np.zeros(len(baka.buildings), dtype=bool)
    protected[::2] = True
    result = compute_guidance(baka, GuidanceInputs(alerts=alerts, protected_space=protected))
    assert (result.reason[protected] == Reason.PROTECTED_SPACE_AT_HOME).all()
    assert (result.action[protected] == Action.STAY_IN_PROTECTED_SPACE).all()
    assert np.array_equal(result.action[~protected], missiles.action[~protected])
    s = _busiest_shelter(missiles)
    sid = str(baka.shelters.id[s])
    for status in (ShelterStatus.FULL, ShelterStatus.CLOSED, ShelterStatus.COMPROMISED):
        shut = compute_guidance(baka, GuidanceInputs(alerts=alerts, shelter_status={sid: status}))
        assert not (shut.shelter == s).any()
    reopened = compute_guidance(
        baka, GuidanceInputs(alerts=alerts, shelter_status={sid: ShelterStatus.OPEN})
    )
    _arrays_equal(reopened, missiles)


def test_hostile_aircraft_and_alert_time(baka: Town, missiles: GuidanceResult) -> None:
    aircraft = _everywhere(baka, frozenset({AlertCategory.HOSTILE_AIRCRAFT_INTRUSION}))
    result = compute_guidance(baka, GuidanceInputs(alerts=aircraft))
    assert np.array_equal(result.action, missiles.action)
    b = int(np.flatnonzero(result.action == Action.GO_TO_SHELTER)[0])
    assert (
        "until the Home Front Command announces" in building_guidance(baka, result, b).texts["en"]
    )
    short = {z: ZoneAlert(MISSILES, seconds_to_shelter=30) for z in aircraft}
    quick = compute_guidance(baka, GuidanceInputs(alerts=short))
    go = quick.action == Action.GO_TO_SHELTER
    assert go.sum() < (missiles.action == Action.GO_TO_SHELTER).sum()
    assert np.all(quick.seconds[go] <= 30.0)


def test_point_guidance_outdoors_and_inside(baka: Town, missiles: GuidanceResult) -> None:
    b = int(np.flatnonzero(missiles.action == Action.GO_TO_SHELTER)[0])
    inside = point_guidance(baka, missiles, *map(float, baka.buildings.lonlat[b]))
    assert inside.building == b
    assert not inside.outdoors
    node = int(baka.streets.edge_u[baka.buildings.edge[b]])
    lon, lat = map(float, baka.streets.node_lonlat[node])
    out = point_guidance(baka, missiles, lon, lat)
    assert out.outdoors
    assert out.building is None
    assert out.action in {Action.GO_TO_SHELTER, Action.STAY_IN_PROTECTED_SPACE}
    if out.action is Action.GO_TO_SHELTER:
        assert out.route[0] == pytest.approx((lon, lat))
        assert "If you cannot make it in time" in out.texts["en"]
    else:
        assert "lie on the ground" in out.texts["en"]
    far = point_guidance(baka, missiles, 35.0, 31.0)  # far off the map, in no zone
    assert far.action is Action.NO_ALERT
    assert far.zone_id is None
    assert far.shelter is None
    gunmen = DangerArea("g", lon, lat, 30.0)
    result = compute_guidance(
        baka,
        GuidanceInputs(
            alerts=_everywhere(baka, MISSILES),
            danger_areas=(gunmen,),
            overrides=(Override("o", OverrideKind.LOCK_IN_NEAR_DANGER, 100.0, danger_area_id="g"),),
        ),
    )
    locked = point_guidance(baka, result, lon, lat)
    assert locked.action is Action.LOCK_IN
    assert locked.issued_by is IssuedBy.OPERATOR_OVERRIDE
    assert locked.texts["en"].startswith("Alert: rocket and missile fire. Armed attackers")
    assert "nearest building" in locked.texts["en"]


def test_lapsed_and_invalid_inputs(baka: Town) -> None:
    alerts = _everywhere(baka, MISSILES)
    lapsed = Override("o", OverrideKind.LOCK_IN_NEAR_DANGER, 300.0, danger_area_id="gone")
    result = compute_guidance(baka, GuidanceInputs(alerts=alerts, overrides=(lapsed,)))
    assert not (result.action == Action.LOCK_IN).any()
    assert result.active_overrides == ()
    with pytest.raises(ValueError, match="unknown zone"):
        compute_guidance(baka, GuidanceInputs(alerts={"nowhere": ZoneAlert(MISSILES)}))
    with pytest.raises(ValueError, match="unknown shelter"):
        compute_guidance(baka, GuidanceInputs(shelter_status={"x": ShelterStatus.OPEN}))
    twice = (DangerArea("a", 35.21, 31.76, 50.0), DangerArea("a", 35.215, 31.76, 50.0))
    with pytest.raises(ValueError, match="unique"):
        compute_guidance(baka, GuidanceInputs(danger_areas=twice))
    with pytest.raises(ValueError, match="one flag per building"):
        compute_guidance(baka, GuidanceInputs(protected_space=np.zeros(3, dtype=bool)))


def test_engine_reuses_what_did_not_change(baka: Town) -> None:
    engine = GuidanceEngine(baka, Policy())
    alerts = _everywhere(baka, MISSILES)
    a = DangerArea("a", *map(float, baka.buildings.lonlat[10]), 80.0)
    b = DangerArea("b", *map(float, baka.buildings.lonlat[900]), 80.0)
    engine.compute(GuidanceInputs(alerts=alerts))
    engine.compute(GuidanceInputs(alerts=alerts, danger_areas=(a,)))
    engine.compute(GuidanceInputs(alerts=alerts, danger_areas=(a, b)))
    again = engine.compute(GuidanceInputs(alerts=alerts, danger_areas=(a,)))
    assert engine.stats["tree_searches"] == 1
    assert engine.stats["tree_updates"] == 2
    assert engine.stats["tree_hits"] >= 3
    _arrays_equal(again, compute_guidance(baka, GuidanceInputs(alerts=alerts, danger_areas=(a,))))


def test_texts_are_complete_in_three_languages(baka: Town, missiles: GuidanceResult) -> None:
    hebrew = re.compile("[\u0590-\u05ff]")
    arabic = re.compile("[\u0600-\u06ff]")
    values = {"shelter": "841", "address": "25 Yoel St.", "seconds": "60", "minutes": "1"}
    for reason in Reason:
        for outdoors in (False, True):
            for cats in _ALERT_SETS:
                texts = texts_for(
                    reason, outdoors=outdoors, categories=cats, ground_threat=True, values=values
                )
                assert set(texts) == {"he", "ar", "en"}
                for _lang, text in texts.items():
                    assert "{" not in text
                    assert "}" not in text
                    assert text.strip() == text
                assert hebrew.search(texts["he"])
                assert arabic.search(texts["ar"])
                assert not hebrew.search(texts["ar"])
    for table in (OPENERS, CLOSINGS):
        for entry in table.values():
            assert set(entry) == {"he", "ar", "en"}
    assert all(set(v) == {"he", "ar", "en"} for v in BODIES.values())
    b = int(np.flatnonzero(missiles.action == Action.GO_TO_SHELTER)[0])
    g = building_guidance(baka, missiles, b)
    assert g.shelter is not None
    assert g.shelter.label in g.texts["he"]
    assert str(int(np.ceil(g.seconds))) in g.texts["ar"]  # type: ignore[arg-type]
    assert g.authority["en"] == "Home Front Command alert"


def test_a_shelter_s_name_and_address_are_set_apart_in_every_language(baka: Town) -> None:
    """An English street inside an Arabic sentence took the sentence's brackets and full stop
    with it ("704A (5 :أقرب ملجأ عام"): the name and address are isolated (FSI ... PDI)."""
    said = texts_for(
        Reason.ROUTINE,
        outdoors=False,
        categories=frozenset(),
        ground_threat=False,
        values={"shelter": "704A", "address": "Yohanan ben Zakai St", "minutes": "5"},
        values_in={"he": {"address": "יוחנן בן זכאי"}},
    )
    assert "\u2068704A\u2069 (\u2068Yohanan ben Zakai St\u2069)، نحو 5" in said["ar"]
    assert "(\u2068יוחנן בן זכאי\u2069)" in said["he"]
    assert "\u2068704A\u2069 (\u2068Yohanan ben Zakai St\u2069), about 5 min" in said["en"]
