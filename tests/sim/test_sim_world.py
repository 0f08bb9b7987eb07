"""The simulated world: movement on real streets, residents, exposure, reporting, clocks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from magen.sim.clocks import ScaledClock
from magen.sim.reporting import ReportingModel
from magen.sim.scenario import load_scenario
from magen.sim.streets import Leg, Movers, StreetMap
from magen.sim.world import EXPOSURE_RADIUS_M, WALKING, Phase, World
from support.bakapack import baka_town


def _world(seed: int = 3) -> World:
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]
    return World(
        baka_town(),
        load_scenario("ofakim_baka"),
        residents_rng=rngs[0],
        attackers_rng=rngs[1],
        harm_rng=rngs[2],
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.tuples(st.floats(-500, 500), st.floats(-500, 500)), min_size=1, max_size=6),
            st.floats(0.0, 100.0),
            st.floats(0.3, 10.0),
        ),
        min_size=1,
        max_size=8,
    ),
    st.floats(0.0, 400.0),
)
def test_many_movers_at_once_are_where_each_leg_says(
    legs: list[tuple[list[tuple[float, float]], float, float]], t: float
) -> None:
    movers = Movers()
    made = {}
    for key, (pts, t0, speed) in enumerate(legs):
        made[key] = Leg.along(np.array(pts), t0, speed)
        movers.put(key, made[key])
    movers.pop(0)  # retired legs drop out
    keys, pos, arrived = movers.advance(t)
    assert keys.tolist() == sorted(k for k in made if k != 0)
    for k, p, done in zip(keys.tolist(), pos, arrived, strict=True):
        np.testing.assert_allclose(p, made[k].at(t), atol=1e-6)
        assert bool(done) == (t >= made[k].end)


def test_routes_follow_the_streets_from_door_to_door() -> None:
    streets = StreetMap(baka_town())
    a, b = np.array([-600.0, -400.0]), np.array([500.0, 700.0])
    walk = streets.route(a, b)
    np.testing.assert_allclose(walk[0], a)
    np.testing.assert_allclose(walk[-1], b)
    straight = float(np.hypot(*(b - a)))
    length = float(np.hypot(*np.diff(walk, axis=0).T).sum())
    assert straight < length < 2.0 * straight
    drive = streets.route(a, b, "drive")
    assert len(drive) > 2


def test_residents_live_in_the_buildings_in_proportion_to_their_footprint() -> None:
    w = _world()
    hh = w.households
    area = np.nan_to_num(baka_town().buildings.area_m2)
    expected = area.sum() * w.scenario.residents.per_m2
    assert 0.9 * expected < hh.people < 1.1 * expected
    assert (w.residents_of >= 1).all()  # nobody's home is empty
    assert 0.3 < hh.mamad.mean() < 0.4
    assert (hh.place == 0).all()


def _stand_outside(w: World, h: int) -> None:
    """Put a household in the street where it is, barely moving."""
    here = w.households.xy[h]
    w.households.legs.put(h, Leg.along(np.array([here, here + 1.0]), 0.0, 0.001))
    w.households.place[h] = WALKING
    w.households.building[h] = -1


def test_exposure_counts_people_in_the_open_within_200_m_of_an_attacker() -> None:
    w = _world()
    team = w.teams[0]
    team.phase, team.until = Phase.STOPPED, float("inf")
    team.xy = w.building_xy[0].copy()
    d = np.hypot(*(w.households.xy - team.xy).T)
    far = int(np.argmax(d))
    near = int(np.flatnonzero((d > 130.0) & (d < EXPOSURE_RADIUS_M - 20.0))[0])
    _stand_outside(w, far)
    w.step(5.0, 5.0)
    assert w.exposure_person_s == 0.0  # in the open, but far from the attackers
    _stand_outside(w, near)
    w.step(10.0, 5.0)
    assert w.exposure_person_s == 5.0 * float(w.households.size[near])
    assert w.exposure_by_purpose["none"] == w.exposure_person_s


def test_rumours_start_only_once_the_attack_has_begun() -> None:
    w = _world()
    model = ReportingModel(w, w.scenario.reporting, np.random.default_rng(1))
    assert model.false_reports(0.0, 3600.0) == []
    w.attack_began = 0.0
    rumours = model.false_reports(0.0, 3600.0)
    assert len(rumours) > 3
    assert all(r.team_id is None for r in rumours)


def test_the_scaled_clock_runs_fast_and_slows_down_without_a_jump() -> None:
    wall = [100.0]
    start = datetime(2023, 10, 7, 3, 29, tzinfo=UTC)
    clock = ScaledClock(start, 10.0, monotonic=lambda: wall[0])
    wall[0] += 6.0
    assert (clock.now() - start).total_seconds() == 60.0
    clock.set_rate(1.0)
    wall[0] += 6.0
    assert (clock.now() - start).total_seconds() == 66.0


def test_the_time_rule_sends_only_those_who_can_reach_a_shelter_in_time() -> None:
    from magen.sim.agents import Agenda, AlarmInTime, AlarmOnly, Sim

    def sim() -> Sim:
        w = _world()
        rngs = {n: np.random.default_rng(i) for i, n in enumerate(("households", "persons"))}
        return Sim(
            scenario=w.scenario,
            town=baka_town(),
            world=w,
            api=cast(Any, None),
            agenda=Agenda(),
            provision=cast(Any, None),
            streams=rngs,
        )

    siren = next(a for a in load_scenario("ofakim_baka").alerts if a.seconds_to_shelter == 45)
    everyone = list(range(len(sim().world.households)))
    alarm, in_time = sim(), sim()
    AlarmOnly(alarm).on_siren(everyone, 0.0, siren)
    AlarmInTime(in_time).on_siren(everyone, 0.0, siren)
    assert 0 < len(in_time.agenda) < len(alarm.agenda) / 5
    w = in_time.world
    while len(in_time.agenda):
        t, action = in_time.agenda.pop()
        asyncio.run(action(t))
    sent = [h for h in range(len(w.households)) if w.households.legs.legs.get(h) is not None]
    assert sent
    for h in sent:
        assert 10.0 + w.households.legs[h].length / 1.4 <= 45.0 + 1e-6
