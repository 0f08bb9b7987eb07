"""The dispatch engine on the Baka streets: capabilities, danger areas, priorities, reasons."""

from __future__ import annotations

import random

import numpy as np
import pytest
import shapely

from magen.dispatch.assign import (
    DispatchConfig,
    Dispatcher,
    TaskKind,
    duration,
    greedy,
    plan_cost,
)
from magen.domain.responders import Capability
from magen.geo.routing import DangerArea, DangerShape
from magen.geo.town import Town
from support.boardkit import near
from support.dispatchkit import (
    ARMED,
    MEDIC,
    VEHICLE,
    optimum,
    route_enters,
    task,
    unit,
)


def test_armed_go_to_the_threat_medics_to_the_injured(
    dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    threat = task(
        "trk",
        tuple(spots[10]),
        frozenset({ARMED}),
        frozenset({ARMED}),
        priority=40,
        kind=TaskKind.THREAT,
    )
    sos = task("sos", tuple(spots[200]), frozenset({MEDIC}), priority=12)
    units = [
        unit("cop", tuple(spots[15]), ARMED, VEHICLE),
        unit("vol", tuple(spots[30]), ARMED, label="volunteer"),
        unit("medic", tuple(spots[190]), MEDIC, label="medic"),
        unit("walker", tuple(spots[11]), label="volunteer"),  # nearest to the threat, unarmed
    ]
    plan = dispatcher.plan(units, [threat, sos])
    sent = {(r.responder_id, r.task_id) for r in plan.recommendations}
    assert sent == {("cop", "trk"), ("vol", "trk"), ("medic", "sos")}
    assert not plan.unmet
    medic = next(r for r in plan.recommendations if r.responder_id == "medic")
    assert medic.reason.startswith("nearest medic, ")
    assert "on foot" in medic.reason
    cop = next(r for r in plan.recommendations if r.responder_id == "cop")
    assert "armed officer" in cop.reason
    assert "by car" in cop.reason


def test_an_unarmed_route_goes_around_a_danger_area_and_says_so(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    rng = random.Random(4)
    for _ in range(40):
        a, b = rng.sample(range(len(spots)), 2)
        medic = unit("medic", tuple(spots[a]), MEDIC, label="medic")
        sos = task("sos", tuple(spots[b]), frozenset({MEDIC}))
        free = dispatcher.route(medic, sos)
        if free is None or not 300 < free.distance_m < 900:
            continue
        # A danger area on the middle of the direct route.
        mid = free.lonlat[len(free.lonlat) // 2]
        area = DangerArea("DA-3", mid[0], mid[1], 25.0)
        plan = dispatcher.plan([medic], [sos], [area])
        if not plan.recommendations:
            continue  # the area cut the only way; covered elsewhere
        rec = plan.recommendations[0]
        around = dispatcher.route(medic, sos, [area])
        assert around is not None
        assert not route_enters(town, around, area)
        assert around.distance_m > free.distance_m
        assert rec.travel_s == pytest.approx(around.travel_s, abs=0.1)
        assert rec.avoids == ("DA-3",)
        assert rec.reason.endswith("avoids danger area DA-3")
        return
    pytest.fail("no route of the right length found on Baka")


def test_an_armed_responder_enters_the_threats_own_area_and_no_one_else_does(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    here = tuple(spots[120])
    area = DangerArea("DA-1", here[0], here[1], 120.0)
    threat = task("trk", here, frozenset({ARMED}), priority=40, kind=TaskKind.THREAT)
    hiding = task("sos", near(spots, here, 1), frozenset({MEDIC}), priority=20)
    units = [
        unit("cop", near(spots, here, 40), ARMED, VEHICLE),
        unit("medic", near(spots, here, 45), MEDIC, label="medic"),
    ]
    plan = dispatcher.plan(units, [threat, hiding], [area])
    (rec,) = plan.recommendations
    assert (rec.responder_id, rec.task_id) == ("cop", "trk")
    assert rec.enters == ("DA-1",)
    assert "enters danger area DA-1 to reach the threat" in rec.reason
    (left,) = plan.unmet
    assert left.task_id == "sos"
    assert "can reach it safely" in left.why
    route = dispatcher.route(units[0], threat, [area])
    assert route is not None
    assert route_enters(town, route, area)


def test_an_armed_medic_may_go_into_the_area_around_people_hiding(
    dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    here = tuple(spots[120])
    area = DangerArea("DA-1", here[0], here[1], 120.0)
    hiding = task("sos", here, frozenset({MEDIC}), priority=20)
    armed_medic = unit("armed-medic", near(spots, here, 45), MEDIC, ARMED, label="medic")
    (rec,) = dispatcher.plan([armed_medic], [hiding], [area]).recommendations
    assert rec.enters == ("DA-1",)


def test_when_responders_are_scarce_the_urgent_task_gets_them(
    dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    here = tuple(spots[50])
    urgent = task("urgent", near(spots, here, 30), priority=40)
    minor = task("minor", near(spots, here, 2), priority=2)
    only = unit("only", here, label="volunteer")
    plan = dispatcher.plan([only], [urgent, minor])
    assert [r.task_id for r in plan.recommendations] == ["urgent"]
    assert [u.task_id for u in plan.unmet] == ["minor"]
    assert "recommended already" in plan.unmet[0].why
    assert plan.unmet[0].code == "all_recommended"


def test_every_task_gets_its_first_responder_before_any_gets_a_second(
    dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    here = tuple(spots[60])
    two = task("two", near(spots, here, 3), frozenset(), frozenset(), priority=10)
    one = task("one", near(spots, here, 6), priority=10)
    units = [unit("a", near(spots, here, 1)), unit("b", near(spots, here, 2))]
    plan = dispatcher.plan(units, [two, one])
    assert sorted(r.task_id for r in plan.recommendations) == ["one", "two"]


def test_a_need_no_one_has_the_capability_for_is_reported(
    dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    plan = dispatcher.plan(
        [unit("vol", tuple(spots[5]))], [task("sos", tuple(spots[9]), frozenset({MEDIC}))]
    )
    assert not plan.recommendations
    assert plan.unmet[0].why == "no available medic"
    assert plan.unmet[0].code == "none"
    assert plan.unmet[0].within_s is None


def test_the_plan_does_not_depend_on_input_order(dispatcher: Dispatcher, spots: np.ndarray) -> None:
    rng = np.random.default_rng(8)
    pick = rng.choice(len(spots), 30, replace=False)
    caps = [(), (ARMED,), (ARMED, VEHICLE), (MEDIC,), (MEDIC, VEHICLE)]
    units = [unit(f"u{i}", tuple(spots[p]), *caps[i % 5]) for i, p in enumerate(pick[:20])]
    tasks = [
        task(f"t{i}", tuple(spots[p]), frozenset({MEDIC}), frozenset(), priority=float(i))
        for i, p in enumerate(pick[20:])
    ]
    areas = [DangerArea("DA-1", *spots[pick[0]], 80.0)]
    first = dispatcher.plan(units, tasks, areas)
    again = dispatcher.plan(units[::-1], tasks[::-1], areas)
    assert first.recommendations == again.recommendations
    assert first.unmet == again.unmet


def test_bounded_searches_find_the_same_optimum_as_full_ones(
    dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    rng = np.random.default_rng(2)
    cfg = dispatcher.config
    pick = rng.choice(len(spots), 60, replace=False)
    caps = [(), (ARMED,), (ARMED, VEHICLE), (MEDIC,), (MEDIC, VEHICLE)]
    units = [unit(f"u{i:02d}", tuple(spots[p]), *caps[i % 5]) for i, p in enumerate(pick[:40])]
    tasks = [
        task(
            f"t{i:02d}",
            tuple(spots[p]),
            frozenset({MEDIC}),
            frozenset({ARMED}),
            priority=float(rng.uniform(0, 40)),
        )
        for i, p in enumerate(pick[40:])
    ]
    areas = [DangerArea("DA-1", *spots[pick[41]], 60.0), DangerArea("DA-2", *spots[pick[3]], 90.0)]
    plan = dispatcher.plan(units, tasks, areas)
    secs = dispatcher.travel_times(units, tasks, areas)
    assert plan.cost == pytest.approx(optimum(units, tasks, secs, cfg), rel=1e-9)
    pairs = greedy(units, tasks, secs, cfg)
    worse = plan_cost(tasks, [(t, k, float(secs[t, u])) for t, k, u in pairs], cfg)
    assert plan.cost <= worse + 1e-6
    ids = {u.responder_id: i for i, u in enumerate(units)}
    tix = {t.task_id: i for i, t in enumerate(tasks)}
    for r in plan.recommendations:
        assert r.travel_s == pytest.approx(
            float(secs[tix[r.task_id], ids[r.responder_id]]), abs=0.1
        )


def test_nobody_is_sent_past_the_horizon(town: Town, spots: np.ndarray) -> None:
    quick = Dispatcher(town, DispatchConfig(horizon_s=60.0))
    far = np.argmax(np.hypot(*(spots - spots[0]).T))
    plan = quick.plan([unit("walker", tuple(spots[0]))], [task("sos", tuple(spots[far]))])
    assert not plan.recommendations
    assert "within 1 min" in plan.unmet[0].why
    assert plan.unmet[0].code == "unreachable"
    assert plan.unmet[0].within_s == 60.0


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(0, "0 s"), (45.4, "45 s"), (130, "2 min 10 s"), (600, "10 min"), (725, "12 min")],
)
def test_durations_read_as_people_say_them(seconds: float, said: str) -> None:
    assert duration(seconds) == said


def _at_distance(town: Town, spots: np.ndarray, here: tuple[float, float], m: float) -> int:
    """The street point whose distance from a place is closest to `m` metres."""
    x, y = town.to_xy(spots[:, 0], spots[:, 1])
    x0, y0 = town.to_xy(np.array([here[0]]), np.array([here[1]]))
    return int(np.argmin(np.abs(np.hypot(x - x0[0], y - y0[0]) - m)))


@pytest.mark.parametrize(
    "caps", [(ARMED,), (), (ARMED, VEHICLE)], ids=["armed on foot", "unarmed", "armed by car"]
)
def test_a_responder_standing_in_a_danger_area_leaves_it_for_a_task_outside(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray, caps: tuple[Capability, ...]
) -> None:
    here = tuple(spots[120])
    area = DangerArea("DA-3", here[0], here[1], 150.0)
    there = tuple(spots[_at_distance(town, spots, here, 300.0)])
    needs = frozenset({ARMED}) if ARMED in caps else frozenset()
    sos = task("sos", there, needs, priority=20)
    responder = unit("vol", here, *caps, label="volunteer")
    plan = dispatcher.plan([responder], [sos], [area])
    assert not plan.unmet, plan.unmet
    (rec,) = plan.recommendations
    assert rec.leaves == ("DA-3",)
    assert rec.enters == ()
    assert rec.avoids == ()
    assert "leaves danger area DA-3" in rec.reason
    route = dispatcher.route(responder, sos, [area])
    assert route is not None
    assert rec.travel_s == pytest.approx(route.travel_s, abs=0.1)
    # No area, no detour: leaving costs nothing when the way out is the way there.
    free = dispatcher.plan([responder], [sos]).recommendations[0]
    assert rec.travel_s >= free.travel_s - 0.1
    # The route is in the area only on its way out: once out, it stays out.
    x, y = town.to_xy(
        np.array([p[0] for p in route.lonlat]), np.array([p[1] for p in route.lonlat])
    )
    shape = DangerShape.of(town, area)
    zone = shapely.buffer(shape.core, shape.radius - 0.01)
    inside = shapely.intersection(shapely.LineString(np.column_stack([x, y])), zone)
    assert shapely.get_type_id(inside) == 1  # one LineString: a single stretch ...
    start = shapely.points(np.array(route.origin_xy))
    assert shapely.distance(start, inside) < 0.5  # ... from where the responder stands


def test_a_responder_standing_in_a_danger_area_is_not_sent_deeper_into_another(
    town: Town, dispatcher: Dispatcher, spots: np.ndarray
) -> None:
    here = tuple(spots[120])
    there = tuple(spots[_at_distance(town, spots, here, 300.0)])
    mine = DangerArea("DA-3", here[0], here[1], 150.0)
    theirs = DangerArea("DA-4", there[0], there[1], 60.0)
    sos = task("sos", there, priority=20)
    responder = unit("vol", here, label="volunteer")
    plan = dispatcher.plan([responder], [sos], [mine, theirs])
    assert not plan.recommendations
    (left,) = plan.unmet
    assert "can reach it safely" in left.why
    # Nor back into its own area: a task inside it is out of reach for the unarmed.
    inside = task("near", near(spots, here, 1), priority=20)
    assert not dispatcher.plan([responder], [inside], [mine]).recommendations
