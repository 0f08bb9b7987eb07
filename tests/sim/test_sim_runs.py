"""Headless runs: deterministic per seed, driven through the API, and measured."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from magen.app.codec import decode
from magen.domain import evolve
from magen.domain.alerts import DangerAreaDeclared, DangerAreaLifted
from magen.domain.dispatch import (
    AssignmentCancelled,
    AssignmentCompleted,
    AssignmentMade,
    TargetKind,
)
from magen.domain.picture import Picture, state_fused_along
from magen.picture.fusion import TrackStatus
from magen.picture.metric import town_metric
from magen.sim.metrics import measure
from magen.sim.runner import RunResult, run_headless
from magen.sim.scenario import load_scenario
from sim.simkit import play, played, small_scenario
from support.bakapack import baka_pack, baka_town

# What may differ between two runs with one seed: device keys are real random secrets (the
# key's id and hash, and so the id of the command and event that issue it), and the argon2
# hash of the shared password carries a random salt (and so does the digest of the command
# that creates an account).
_SECRET_FIELDS = {"ApiKeyIssued": {"key_id", "secret_hash"}, "AccountCreated": {"password_hash"}}


def comparable(result: RunResult) -> list[tuple[Any, ...]]:
    """A run's log without the fields documented as differing between runs."""
    rows = []
    for stored in result.log.read(0):
        r = decode(stored)
        data = r.event.model_dump(mode="json", exclude=_SECRET_FIELDS.get(r.event.type, set()))
        keyed = r.event.type == "ApiKeyIssued"
        rows.append(
            (
                r.position,
                r.event.type,
                r.recorded_at,
                r.actor,
                None if keyed else r.event_id,
                None if keyed else r.command_id,
                None if r.event.type in _SECRET_FIELDS else r.command_hash,
                data,
            )
        )
    return rows


def test_two_runs_with_one_seed_log_the_same_events_and_measure_the_same() -> None:
    first, second = played("magen"), play("magen")
    a, b = comparable(first), comparable(second)
    assert len(a) == len(b) > 300
    assert a == b
    start = small_scenario().start
    ma = measure((decode(s) for s in first.log.read(0)), start, first.truth)
    mb = measure((decode(s) for s in second.log.read(0)), start, second.truth)
    assert ma.as_dict() == mb.as_dict()
    assert first.truth.deterministic() == second.truth.deterministic()


def test_another_seed_plays_another_morning() -> None:
    assert comparable(play("alarm_only", seed=12)) != comparable(played("alarm_only"))


def test_a_run_uses_the_public_api_for_everything_that_happens() -> None:
    result = played("magen")
    kinds = {decode(s).event.type for s in result.log.read(0)}
    for expected in (
        "AlertIssued",
        "ThreatSighted",
        "TrackConfirmed",
        "DangerAreaDeclared",
        "GuidanceOverrideIssued",
        "GuidanceChanged",
        "ResponderCheckedIn",
        "ResponderMoved",
        "CallUpIssued",
        "AssignmentMade",
        "ResponderArrived",
    ):
        assert expected in kinds, expected
    calls = result.truth.calls
    assert calls["GET /api/v1/guidance"] > 100
    assert calls["POST /api/v1/sightings"] == sum(
        1 for s in result.log.read(0) if decode(s).event.type == "ThreatSighted"
    )
    # Stale recommendations (409) are the only refusal a run expects, and a lock-in proposal
    # withdrawn (its danger area lifted) before the operator's confirmation came (404).
    expected = {"POST /api/v1/guidance/overrides 404"}
    assert {k for k in result.truth.refused if not k.endswith(" 409")} - expected == set()
    tiers = {decode(s).event.model_dump().get("tier") for s in result.log.read(0)}
    assert {"anonymous", "registered", "verified"} <= tiers


def test_every_recorded_time_is_simulated_time() -> None:
    result = played("magen")
    scenario = small_scenario()
    times = [decode(s).recorded_at for s in result.log.read(0)]
    assert min(times) >= scenario.start - timedelta(minutes=5)
    assert max(times) <= scenario.end
    assert times == sorted(times)


def test_following_magen_keeps_residents_out_of_the_open_near_attackers() -> None:
    magen, alarm = played("magen"), played("alarm_only")
    assert magen.truth.exposure_person_min[-1] < 0.5 * alarm.truth.exposure_person_min[-1]
    # Both runs meet the same attack: the attackers come in the same way whatever the
    # residents do (later, responders sent to different calls meet them differently).
    for vehicle in ("pickup-south", "pickup-west"):
        assert magen.truth.teams[vehicle] == alarm.truth.teams[vehicle]
        assert len(magen.truth.teams[vehicle]) >= 2


def test_raw_reports_overstate_the_attack() -> None:
    result = played("magen")
    m = measure((decode(s) for s in result.log.read(0)), small_scenario().start, result.truth)
    assert m.raw_overstatement_peak is not None
    assert m.raw_overstatement_peak > 2.0
    assert m.first_track_s is not None
    assert 0 < m.first_track_s < 300
    assert m.sightings_true is not None
    assert m.sightings_true > 0


def test_the_run_and_its_measurement_fuse_along_the_towns_streets() -> None:
    result = played("magen")
    streets = town_metric(baka_town()).key
    assert result.stats["picture_metric"] == streets
    # Measured as the server saw it: the run's town (named in its truth) by default.
    start = small_scenario().start
    events = [decode(s) for s in result.log.read(0)]
    by_truth = measure(events, start, result.truth)
    assert by_truth.as_dict() == measure(events, start, result.truth, town=baka_town()).as_dict()


def test_the_dispatcher_lifts_a_danger_area_only_once_its_track_is_closed() -> None:
    """A track that goes stale is not over (attackers holding a house stop being reported):
    its danger area stays until the track is neutralised, dismissed or merged."""
    result = played("magen")
    state = state_fused_along(baka_town())
    threat_of: dict[str, str] = {}
    for stored in result.log.read(0):
        r = decode(stored)
        e = r.event
        if isinstance(e, DangerAreaDeclared) and e.threat_id:
            threat_of[e.area_id] = e.threat_id
        elif isinstance(e, DangerAreaLifted) and e.area_id in threat_of:
            track = state.slice(Picture).fuser.track(threat_of[e.area_id], r.recorded_at)
            assert track.status in _CLOSED, (e.area_id, track.status)
        evolve(state, r)
    assert threat_of  # the run declared areas around its tracks


_CLOSED = {TrackStatus.NEUTRALISED, TrackStatus.FALSE_ALARM, TrackStatus.MERGED}


def test_a_medic_sent_to_a_wounded_colleague_gets_there_and_finishes() -> None:
    """An assignment to a wounded responder ends (completed, or cancelled and sent again);
    none is left open for the rest of the run with its medic stuck on it. The whole morning:
    responders are hit later than the small scenario runs."""
    result = asyncio.run(
        run_headless(
            load_scenario("ofakim_baka"), seed=7, policy="magen", pack=baka_pack(), town=baka_town()
        )
    )
    made: dict[str, str] = {}
    ended: set[str] = set()
    completed: set[str] = set()
    for stored in result.log.read(0):
        e = decode(stored).event
        if isinstance(e, AssignmentMade) and e.target is TargetKind.RESPONDER:
            made[e.assignment_id] = e.target_id
        elif isinstance(e, AssignmentCompleted | AssignmentCancelled):
            ended.add(e.assignment_id)
            if isinstance(e, AssignmentCompleted):
                completed.add(e.assignment_id)
    assert made  # the run's wounded responders were sent help
    assert set(made) <= ended, set(made) - ended
    assert set(made) & completed
