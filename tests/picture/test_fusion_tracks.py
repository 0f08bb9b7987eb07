"""Fusion of threat sightings into tracks: association, size, credibility, life cycle, acts."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from magen.domain.reports import Armed, Mobility
from magen.domain.values import SourceTier
from magen.picture.acts import (
    ConfirmAct,
    DismissAct,
    MergeAct,
    NeutraliseAct,
    ReopenAct,
    SplitAct,
    UnknownTrack,
)
from magen.picture.evidence import Credibility
from magen.picture.fusion import Fuser, FusionConfig, TrackStatus
from magen.picture.metric import LocalFrame
from picture.picturekit import FRAME, at, sighting, walk

VERIFIED = SourceTier.VERIFIED
REGISTERED = SourceTier.REGISTERED
ANONYMOUS = SourceTier.ANONYMOUS


def _fuser(**config: object) -> Fuser:
    return Fuser(dataclasses.replace(FusionConfig(), **config), frame=FRAME)  # type: ignore[arg-type]


def _open(f: Fuser, t: float) -> list[str]:
    return [v.track_id for v in f.tracks(at(t))]


def test_forty_people_reporting_five_attackers_report_five() -> None:
    f = _fuser()
    # Forty residents around one group: most say five, some saw four, some panic.
    claims = [5] * 22 + [4] * 8 + [20] * 6 + [3] * 4
    for k, count in enumerate(claims):
        dx, dy = (k % 5 - 2) * 12.0, (k % 7 - 3) * 10.0
        f.ingest(sighting(f"s{k}", dx, dy, 6.0 * k, f"acct:r{k}", count=count))
    (view,) = f.tracks(at(240))
    assert view.size.estimate == 5
    assert view.size.low is not None
    assert view.size.high is not None
    assert view.size.low <= 5 <= view.size.high < 20
    assert view.size.claims == 40
    assert view.confidence.reporters == 40


def test_one_reporter_sending_many_counts_once() -> None:
    f = _fuser()
    for k in range(30):
        f.ingest(sighting(f"s{k}", 0.0, 0.0, 5.0 * k, "acct:same", count=3 + k))
    (view,) = f.tracks(at(150))
    assert view.confidence.reporters == 1
    # Their largest claim, once: not thirty claims outvoting anyone else.
    assert view.size.estimate == 32
    assert view.size.claims == 1


def test_groups_far_apart_are_two_tracks() -> None:
    f = _fuser()
    a = walk("a", (0.0, 0.0), (1.0, 0.0), [0, 30, 60, 90], ["acct:a1", "acct:a2"])
    b = walk("b", (900.0, 0.0), (-1.0, 0.0), [10, 40, 70, 100], ["acct:b1", "acct:b2"])
    for report in sorted(a + b, key=lambda r: r.observed_at):
        f.ingest(report)
    views = f.tracks(at(100))
    assert len(views) == 2
    assert {frozenset(v.sighting_ids) for v in views} == {
        frozenset(r.sighting_id for r in a),
        frozenset(r.sighting_id for r in b),
    }


def test_a_group_on_foot_cannot_be_600_m_away_half_a_minute_later() -> None:
    f = _fuser()
    for r in walk("a", (0.0, 0.0), (0.0, 0.0), [0, 20, 40], ["acct:a", "acct:b", "acct:c"]):
        f.ingest(r)
    far = f.ingest(sighting("far", 600.0, 0.0, 70.0, "acct:d"))
    near = f.ingest(sighting("near", 40.0, 0.0, 80.0, "acct:e"))
    assert far != f.track_of("a000")
    assert near == f.track_of("a000")


def test_a_car_can_be_300_m_away_half_a_minute_later() -> None:
    f = _fuser()
    reports = walk(
        "car",
        (0.0, 0.0),
        (10.0, 0.0),
        [0, 10, 20],
        ["acct:a", "acct:b", "acct:c"],
        mobility=Mobility.VEHICLE,
    )
    for r in reports:
        f.ingest(r)
    joined = f.ingest(sighting("later", 500.0, 0.0, 50.0, "acct:d", mobility=Mobility.VEHICLE))
    assert joined == f.track_of("car000")
    (view,) = f.tracks(at(50))
    assert view.mobility is Mobility.VEHICLE
    assert view.speed_mps > 5.0


def test_a_late_report_joins_the_track_it_describes() -> None:
    f = _fuser()
    times = [0.0, 30.0, 60.0, 90.0, 120.0, 150.0, 180.0]
    for r in walk("g", (0.0, 0.0), (1.5, 0.0), times, ["acct:a", "acct:b", "acct:c"]):
        f.ingest(r)
    # A phone that was offline sends what it saw at t=75 s only now.
    joined = f.ingest(sighting("late", 1.5 * 75.0, 0.0, 75.0, "acct:z"))
    assert joined == f.track_of("g000")
    (view,) = f.tracks(at(180))
    assert view.last_seen == at(180)
    assert view.first_seen == at(0)


def test_heading_and_speed_come_from_the_movement() -> None:
    f = _fuser()
    times = [10.0 * k for k in range(19)]
    reporters = [f"acct:v{k}" for k in range(6)]
    for r in walk("g", (0.0, 0.0), (0.0, 2.0), times, reporters, tier=VERIFIED):
        f.ingest(r)
    (view,) = f.tracks(at(180))
    assert view.heading_deg is not None
    assert min(view.heading_deg, 360.0 - view.heading_deg) < 15.0
    assert view.speed_mps == pytest.approx(2.0, abs=0.6)
    x, y = FRAME.to_xy(view.lon, view.lat)
    assert abs(x) < 30.0
    assert y == pytest.approx(360.0, abs=40.0)


def test_anonymous_reports_alone_never_make_a_track_credible() -> None:
    f = _fuser()
    # One source flooding, then thirty distinct anonymous sources at the same place.
    for k in range(200):
        f.ingest(sighting(f"f{k}", (k % 9) * 5.0, 0.0, 2.0 * k, "anon:bot", tier=ANONYMOUS))
    for k in range(30):
        f.ingest(sighting(f"a{k}", 10.0, 10.0, 400.0 + k, f"anon:n{k}", tier=ANONYMOUS))
    (view,) = f.tracks(at(430))
    assert view.confidence.reporters == 31
    assert view.confidence.level is Credibility.UNCORROBORATED
    assert not view.credible


def test_one_flooding_source_is_one_reporter_and_cannot_move_the_count() -> None:
    f = _fuser()
    for k in range(4):
        f.ingest(sighting(f"r{k}", 0.0, 10.0 * k, 20.0 * k, f"acct:r{k}", count=5))
    for k in range(150):
        f.ingest(sighting(f"f{k}", 15.0, 0.0, 80.0 + k, "anon:bot", tier=ANONYMOUS, count=40))
    (view,) = f.tracks(at(230))
    assert view.confidence.reporters == 5
    assert view.size.estimate == 5
    assert view.credible


@pytest.mark.parametrize(
    ("tiers", "level"),
    [
        ([REGISTERED], Credibility.UNCORROBORATED),
        ([REGISTERED, ANONYMOUS, ANONYMOUS], Credibility.UNCORROBORATED),
        ([REGISTERED, REGISTERED], Credibility.CORROBORATED),
        ([VERIFIED], Credibility.VERIFIED),
    ],
)
def test_credibility_comes_from_independent_tiers(
    tiers: list[SourceTier], level: Credibility
) -> None:
    f = _fuser()
    for k, tier in enumerate(tiers):
        f.ingest(sighting(f"s{k}", 5.0 * k, 0.0, 10.0 * k, f"src{k}", tier=tier))
    (view,) = f.tracks(at(60))
    assert view.confidence.level is level


def test_armed_when_a_third_of_the_weighted_reports_say_so() -> None:
    f = _fuser()
    armed = [Armed.YES, Armed.NO, Armed.NO, Armed.UNKNOWN]
    for k, a in enumerate(armed):
        f.ingest(
            dataclasses.replace(sighting(f"s{k}", 0.0, 5.0 * k, 10.0 * k, f"acct:{k}"), armed=a)
        )
    (view,) = f.tracks(at(40))
    assert view.armed is Armed.YES


def test_a_silent_track_goes_stale_and_stays_on_the_board() -> None:
    f = _fuser(stale_after_s=120.0)
    for r in walk("g", (0.0, 0.0), (0.0, 0.0), [0, 10, 20], ["acct:a", "acct:b"]):
        f.ingest(r)
    assert f.tracks(at(60))[0].status is TrackStatus.NEW
    later = f.tracks(at(3600))
    assert [v.status for v in later] == [TrackStatus.STALE]
    assert later[0].open


def test_a_car_unseen_for_long_is_stale_before_a_walker_is() -> None:
    f = _fuser()
    on_foot = walk("w", (0.0, 0.0), (1.0, 0.0), [0, 10, 20], ["acct:a", "acct:b"])
    by_car = walk(
        "c",
        (3000.0, 0.0),
        (10.0, 0.0),
        [0, 10, 20],
        ["acct:c", "acct:d"],
        mobility=Mobility.VEHICLE,
    )
    for r in on_foot + by_car:
        f.ingest(r)
    status = {v.track_id: v.status for v in f.tracks(at(200))}
    assert status[f.track_of("w000")] is TrackStatus.NEW  # type: ignore[index]
    assert status[f.track_of("c000")] is TrackStatus.STALE  # type: ignore[index]


def test_a_neutralised_track_takes_only_reports_of_before() -> None:
    f = _fuser()
    for r in walk("g", (0.0, 0.0), (0.0, 0.0), [0, 30, 60, 90], ["acct:a", "acct:b"]):
        f.ingest(r)
    track = f.track_of("g000")
    assert track is not None
    assert f.apply(NeutraliseAct(track, at(120)))
    assert f.ingest(sighting("late", 5.0, 0.0, 100.0, "acct:c")) == track
    fresh = f.ingest(sighting("new", 5.0, 0.0, 150.0, "acct:d"))
    assert fresh != track
    assert f.track(track, at(160)).status is TrackStatus.NEUTRALISED
    assert _open(f, 160) == [fresh]


def test_a_dismissed_false_alarm_keeps_swallowing_its_sources() -> None:
    f = _fuser()
    for k in range(20):
        f.ingest(sighting(f"f{k}", 0.0, 0.0, 5.0 * k, "anon:bot", tier=ANONYMOUS, count=30))
    track = f.track_of("f0")
    assert track is not None
    assert f.apply(DismissAct(track, at(100)))
    # The same source again: absorbed, the board stays clear.
    assert f.ingest(sighting("again", 5.0, 5.0, 130.0, "anon:bot", tier=ANONYMOUS)) == track
    assert _open(f, 130) == []
    # Someone new at the same place: a new track, to be judged on its own.
    other = f.ingest(sighting("someone", 5.0, 5.0, 140.0, "acct:x"))
    assert other != track
    assert _open(f, 140) == [other]


def test_operators_acts_are_refused_plainly_when_they_cannot_apply() -> None:
    f = _fuser()
    a = walk("a", (0.0, 0.0), (0.0, 0.0), [0, 10], ["acct:a", "acct:b"])
    b = walk("b", (2000.0, 0.0), (0.0, 0.0), [0, 10], ["acct:c", "acct:d"])
    for r in a + b:
        f.ingest(r)
    ta, tb = f.track_of("a000"), f.track_of("b000")
    assert ta is not None
    assert tb is not None
    with pytest.raises(UnknownTrack):
        f.refusal(ConfirmAct("trk_nope", at(20)))
    assert f.refusal(ReopenAct(ta, at(20))) == f"track {ta} is open"
    assert f.refusal(MergeAct(ta, (ta,), at(20))) == "each track may be named only once"
    assert f.refusal(MergeAct(ta, (), at(20))) == "name at least one track to merge"
    assert "not sightings of" in (f.refusal(SplitAct(ta, ("b000",), "trk_x", at(20))) or "")
    assert "at least one sighting" in (
        f.refusal(SplitAct(ta, ("a000", "a001"), "trk_x", at(20))) or ""
    )
    assert f.refusal(SplitAct(ta, ("a000",), tb, at(20))) == f"track {tb} already exists"
    assert f.apply(ConfirmAct(ta, at(20)))
    assert f.refusal(ConfirmAct(ta, at(21))) == f"track {ta} is already confirmed"
    assert f.apply(DismissAct(tb, at(22)))
    assert f.refusal(MergeAct(ta, (tb,), at(23))) == f"track {tb} is closed (false_alarm)"
    before = f.state()
    assert not f.apply(MergeAct(ta, (tb,), at(23)))
    assert not f.apply(ConfirmAct("trk_nope", at(23)))
    assert f.state() == before
    assert f.apply(ReopenAct(tb, at(24)))
    assert f.track(tb, at(24)).status is TrackStatus.NEW


def test_merge_folds_tracks_into_one_and_split_takes_them_apart_for_good() -> None:
    f = _fuser()
    a = walk("a", (0.0, 0.0), (0.5, 0.0), [0, 20, 40, 60], ["acct:a", "acct:b"], counts=[4])
    b = walk("b", (1500.0, 0.0), (0.5, 0.0), [5, 25, 45, 65], ["acct:c", "acct:d"], counts=[2])
    for r in sorted(a + b, key=lambda r: r.observed_at):
        f.ingest(r)
    ta, tb = f.track_of("a000"), f.track_of("b000")
    assert ta is not None
    assert tb is not None
    assert f.apply(ConfirmAct(tb, at(70)))
    assert f.apply(MergeAct(ta, (tb,), at(70)))
    merged = f.track(ta, at(70))
    assert merged.sightings == 8
    assert merged.confirmed  # one of them was
    gone = f.track(tb, at(70))
    assert gone.status is TrackStatus.MERGED
    assert gone.merged_into == ta
    assert f.refusal(ReopenAct(tb, at(71))) is not None
    assert f.apply(SplitAct(ta, tuple(r.sighting_id for r in b), "trk_back", at(80)))
    assert f.sighting_ids("trk_back") == tuple(r.sighting_id for r in b)
    assert f.sighting_ids(ta) == tuple(r.sighting_id for r in a)
    assert f.track("trk_back", at(80)).size.estimate == 2
    assert f.track(ta, at(80)).size.estimate == 4


def _side_by_side(f: Fuser, start: int, stop: int) -> None:
    """One group reported by two sets of people whose reports land 150 m apart."""
    for k in range(start, stop):
        t = 10.0 * k
        f.ingest(sighting(f"l{k}", 1.0 * t, 0.0, t, f"acct:l{k % 3}"))
        f.ingest(sighting(f"r{k}", 150.0 + 1.0 * t, 0.0, t + 2.0, f"acct:r{k % 3}"))


# A strict new-track cost keeps the two sets of reports apart; a loose likeness test then
# lets fusion see that the two tracks move as one.
TWO_VIEWS = {"new_track_cost": 10.5, "coalesce_chi2": 30.0, "coalesce_break_chi2": 60.0}


def test_two_tracks_that_follow_one_group_become_one() -> None:
    f = _fuser(**TWO_VIEWS)
    _side_by_side(f, 0, 5)
    assert len(f.tracks(at(50))) == 2
    _side_by_side(f, 5, 24)
    views = f.tracks(at(240))
    assert len(views) == 1
    assert views[0].sightings == 48
    closed = [v for v in f.tracks(at(240), include_closed=True) if v.status is TrackStatus.MERGED]
    assert len(closed) == 1


def test_fusion_does_not_undo_an_operators_split() -> None:
    f = _fuser(**TWO_VIEWS)
    _side_by_side(f, 0, 5)
    left, right = f.track_of("l0"), f.track_of("r0")
    assert left is not None
    assert right is not None
    assert left != right
    assert f.apply(MergeAct(left, (right,), at(50)))
    moved = tuple(f"r{k}" for k in range(5))
    assert f.apply(SplitAct(left, moved, "trk_apart", at(51)))
    _side_by_side(f, 5, 24)
    assert sorted(_open(f, 240)) == sorted([left, "trk_apart"])


def test_ingesting_a_sighting_twice_changes_nothing() -> None:
    f = _fuser()
    r = sighting("s", 0.0, 0.0, 0.0, "acct:a")
    first = f.ingest(r)
    state = f.state()
    assert f.ingest(r) == first
    assert f.state() == state
    assert f.sightings == 1


def test_naive_times_are_refused() -> None:
    f = _fuser()
    r = sighting("s", 0.0, 0.0, 0.0, "acct:a")
    with pytest.raises(ValueError, match="timezone"):
        f.ingest(dataclasses.replace(r, observed_at=r.observed_at.replace(tzinfo=None)))


def test_a_fuser_survives_pickling() -> None:
    f = _fuser()
    for r in walk("g", (0.0, 0.0), (1.0, 0.0), [0, 30, 60], ["acct:a", "acct:b"]):
        f.ingest(r)
    copy = pickle.loads(pickle.dumps(f))
    assert copy == f
    r = sighting("next", 95.0, 0.0, 90.0, "acct:c")
    assert copy.ingest(r) == f.ingest(r)
    assert copy == f


def test_the_frame_defaults_to_the_first_sighting() -> None:
    f = Fuser()
    r = sighting("s", 120.0, -40.0, 0.0, "acct:a")
    f.ingest(r)
    assert f.frame == LocalFrame(r.lon, r.lat)


def test_merging_from_a_saved_state_equals_folding_everything_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def run() -> Fuser:
        f = _fuser()
        long = walk(
            "a",
            (0.0, 0.0),
            (0.5, 0.0),
            [10.0 * k for k in range(150)],
            ["acct:a1", "acct:a2", "acct:a3"],
            counts=[4, 5],
        )
        young = walk(
            "b",
            (900.0, 0.0),
            (0.0, 0.5),
            [1200.0 + 10.0 * k for k in range(8)],
            ["acct:b1", "acct:b2"],
            counts=[2],
        )
        for r in sorted(long + young, key=lambda r: r.observed_at):
            f.ingest(r)
        ta, tb = f.track_of("a000"), f.track_of("b000")
        assert ta is not None
        assert tb is not None
        assert f.apply(MergeAct(ta, (tb,), at(1300)))
        assert f.apply(SplitAct(ta, tuple(f"a{k:03d}" for k in range(100, 150)), "trk_s", at(1301)))
        return f

    saved = run()
    monkeypatch.setattr("magen.picture.track.MARK_EVERY", 10**9)
    assert run() == saved
