"""Properties of fusion: replaying any prefix gives the live picture; merge then split restores."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magen.domain.reports import Mobility
from magen.domain.values import SourceTier
from magen.picture.acts import (
    ConfirmAct,
    DismissAct,
    MergeAct,
    NeutraliseAct,
    ReopenAct,
    SplitAct,
    TrackAct,
    UnknownTrack,
)
from magen.picture.fusion import Fuser, SightingReport, TrackView
from picture.picturekit import FRAME, at, sighting

# Three groups a few hundred metres apart, walking; reports scatter around them.
GROUPS = ((0.0, 0.0, 1.2, 0.3), (450.0, 120.0, -0.8, 0.9), (150.0, 500.0, 0.0, -1.5))
TIERS = (SourceTier.VERIFIED, SourceTier.REGISTERED, SourceTier.REGISTERED, SourceTier.ANONYMOUS)


@dataclass(frozen=True)
class See:
    group: int
    dx: float
    dy: float
    step_s: float
    late_s: float
    reporter: int
    count: int | None
    mobility: Mobility


@dataclass(frozen=True)
class Act:
    kind: str
    first: int
    second: int
    share: float


sees = st.builds(
    See,
    group=st.integers(0, len(GROUPS) - 1),
    dx=st.floats(-150.0, 150.0),
    dy=st.floats(-150.0, 150.0),
    step_s=st.floats(0.0, 40.0),
    late_s=st.sampled_from([0.0, 0.0, 0.0, 45.0, 300.0]),
    reporter=st.integers(0, 9),
    count=st.one_of(st.none(), st.integers(1, 30)),
    mobility=st.sampled_from([Mobility.ON_FOOT, Mobility.ON_FOOT, Mobility.UNKNOWN]),
)
acts = st.builds(
    Act,
    kind=st.sampled_from(["confirm", "merge", "split", "dismiss", "neutralise", "reopen"]),
    first=st.integers(0, 50),
    second=st.integers(0, 50),
    share=st.floats(0.0, 1.0),
)
steps = st.lists(st.one_of(sees, sees, sees, acts), min_size=1, max_size=45)

Entry = SightingReport | TrackAct


def _concrete(fuser: Fuser, step: See | Act, n: int, clock: list[float]) -> Entry | None:
    """Turn a generated step into a log entry against the picture as it stands."""
    if isinstance(step, See):
        clock[0] += step.step_s
        t = clock[0] - step.late_s
        x0, y0, vx, vy = GROUPS[step.group]
        return sighting(
            f"s{n:03d}",
            x0 + vx * t + step.dx,
            y0 + vy * t + step.dy,
            t,
            f"src{step.reporter}",
            tier=TIERS[step.reporter % len(TIERS)],
            count=step.count,
            mobility=step.mobility,
        )
    when = at(clock[0])
    views = fuser.tracks(when, include_closed=True)
    if not views:
        return None
    a = views[step.first % len(views)]
    b = views[step.second % len(views)]
    act: TrackAct
    if step.kind == "confirm":
        act = ConfirmAct(a.track_id, when)
    elif step.kind == "merge":
        act = MergeAct(a.track_id, (b.track_id,), when)
    elif step.kind == "split":
        ids = a.sighting_ids[: max(1, int(len(a.sighting_ids) * step.share))]
        act = SplitAct(a.track_id, ids, f"trk_split{n:03d}", when)
    elif step.kind == "dismiss":
        act = DismissAct(a.track_id, when)
    elif step.kind == "neutralise":
        act = NeutraliseAct(a.track_id, when)
    else:
        act = ReopenAct(a.track_id, when)
    try:
        refused = fuser.refusal(act)
    except UnknownTrack:
        return None
    # The domain refuses these; only acts that were decided reach the log.
    return None if refused is not None else act


def _feed(fuser: Fuser, entry: Entry) -> None:
    if isinstance(entry, SightingReport):
        fuser.ingest(entry)
    else:
        assert fuser.apply(entry)


def _live(plan: list[See | Act]) -> tuple[list[Entry], list[tuple[Any, ...]], Fuser]:
    live = Fuser(frame=FRAME)
    log: list[Entry] = []
    states = [live.state()]
    clock = [0.0]
    for n, step in enumerate(plan):
        entry = _concrete(live, step, n, clock)
        if entry is None:
            continue
        _feed(live, entry)
        log.append(entry)
        states.append(live.state())
    return log, states, live


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_replaying_any_prefix_of_the_log_gives_the_live_picture_there(
    plan: list[See | Act],
) -> None:
    log, states, live = _live(plan)
    for k in range(len(log) + 1):
        replay = Fuser(frame=FRAME)
        for entry in log[:k]:
            _feed(replay, entry)
        assert replay.state() == states[k]
    assert pickle.loads(pickle.dumps(live)) == live


def _content(v: TrackView) -> tuple[Any, ...]:
    """Everything a track says about its group, not what it is called."""
    return (
        tuple(sorted(v.sighting_ids)),
        v.status,
        v.lon,
        v.lat,
        v.position_error_m,
        v.last_reported_lon,
        v.last_reported_lat,
        v.first_seen,
        v.last_seen,
        v.heading_deg,
        v.speed_mps,
        v.mobility,
        v.armed,
        v.size,
        v.confidence,
        v.sightings,
        v.recent,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sees, min_size=2, max_size=40), st.integers(0, 50), st.integers(1, 50))
def test_merging_then_splitting_restores_the_tracks(
    plan: list[See], first: int, offset: int
) -> None:
    _, _, fuser = _live(list(plan))
    when = at(10_000)
    views = fuser.tracks(when)
    if len(views) < 2:
        return
    a = views[first % len(views)]
    b = views[(first + offset % (len(views) - 1) + 1) % len(views)]
    assert a.track_id != b.track_id
    before = sorted(_content(v) for v in views)
    assert fuser.apply(MergeAct(a.track_id, (b.track_id,), when))
    assert fuser.apply(SplitAct(a.track_id, b.sighting_ids, "trk_split", when))
    after = sorted(_content(v) for v in fuser.tracks(when))
    assert after == before


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_the_same_log_gives_the_same_picture(plan: list[See | Act]) -> None:
    log, _, live = _live(plan)
    again = Fuser(frame=FRAME)
    for entry in log:
        _feed(again, entry)
    when = at(10_000)
    assert again == live
    assert again.tracks(when, include_closed=True) == live.tracks(when, include_closed=True)
