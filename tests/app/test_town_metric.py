"""A server with a town fuses along its streets: live, replayed, restored and ranked.

Fusion's movement gate is "measured along streets" (issue 4). The metric is configuration,
not log content, so every place that folds the log must fold it under the same one: the live
service from the first event, the time slider's replays, a state restored from a snapshot
(which must not carry the street graph, and must not be restored into a server measuring
another way), and the dispatch board's nearest threat to each incident.

The streets of Baka give the test case: two points 149 m apart in a straight line whose
shortest walk is over 600 m. A group seen at one cannot have been at the other 30 s later on
foot; a straight-line gate would say it could.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zstandard

from magen.api.app import build_service, check_picture_metric
from magen.app.history import History
from magen.app.service import Service
from magen.app.snapshots import (
    CommandIndex,
    SnapshotRejected,
    decode,
    encode,
    encode_body,
    signing_key,
)
from magen.clock import ManualClock
from magen.config import Settings
from magen.domain.base import Actor, Command
from magen.domain.picture import Picture, configure_picture
from magen.domain.reports import Mobility, RaiseSos, ReportSighting
from magen.domain.values import GeoPoint, Role
from magen.picture.fusion import Fuser
from magen.picture.metric import CrowFlies, StreetGraphMetric, metric_key, town_metric
from magen.store.base import EventLog
from magen.store.factory import open_log
from support.apikit import Kit, api_kit, cid
from support.bakapack import baka_pack, baka_town

SECRET = b"town-metric-test-secret-0123456789"
START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
# Two Baka street corners 149 m apart in a straight line and 626 m apart on foot.
NEAR_BY_AIR = {"lon": 35.21437, "lat": 31.75647}
FAR_BY_STREET = {"lon": 35.21575, "lat": 31.75583}
OFFICER = Actor("acc_officer", Role.RESPONDER)
DISPATCHER = Actor("acc_dispatcher", Role.DISPATCHER)
RESIDENT = Actor("acc_resident", Role.RESIDENT)


def _point(p: dict[str, float]) -> tuple[float, float]:
    return p["lon"], p["lat"]


def test_the_two_corners_are_near_by_air_and_far_by_street() -> None:
    metric = town_metric(baka_town())
    target = np.array([_point(FAR_BY_STREET)])
    straight = float(CrowFlies().distance_m(_point(NEAR_BY_AIR), target)[0])
    street = float(metric.distance_m(_point(NEAR_BY_AIR), target)[0])
    assert 140.0 < straight < 160.0
    assert street > 600.0


# --- the live server --------------------------------------------------------------------------


def _report_pair(kit: Kit) -> None:
    """An officer watches a group for two minutes; a dispatcher reports one 30 s later."""
    for k in range(3):
        if k:
            kit.clock.advance(60)
        body = {"command_id": cid(), "where": NEAR_BY_AIR, "count": 2}
        r = kit.post(Role.RESPONDER, "/api/v1/sightings", body)
        assert r.status_code == 201, r.text
    kit.clock.advance(30)
    body = {"command_id": cid(), "where": FAR_BY_STREET, "count": 2}
    r = kit.post(Role.DISPATCHER, "/api/v1/sightings", body)
    assert r.status_code == 201, r.text


def _fuser(kit: Kit) -> Fuser:
    runtime = kit.client.app.state["runtime"]
    return runtime.service.state.slice(Picture).fuser  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def town_kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as kit:
        _report_pair(kit)
        yield kit


def test_the_live_picture_of_a_server_with_a_town_measures_along_its_streets(
    town_kit: Kit,
) -> None:
    fuser = _fuser(town_kit)
    assert isinstance(fuser.metric, StreetGraphMetric)
    assert fuser.metric.key == town_metric(baka_town()).key


def test_sightings_near_by_air_but_far_by_street_are_two_groups_in_the_live_server(
    town_kit: Kit,
) -> None:
    tracks = _fuser(town_kit).tracks(town_kit.clock.now())
    assert len(tracks) == 2
    assert sorted(t.sightings for t in tracks) == [1, 3]


def test_without_a_town_the_same_reports_are_one_group() -> None:
    # The reference: what the server did before it measured along streets.
    with api_kit() as kit:
        _report_pair(kit)
        fuser = _fuser(kit)
        assert fuser.metric is None
        tracks = fuser.tracks(kit.clock.now())
        assert [t.sightings for t in tracks] == [4]


def test_the_time_slider_replays_with_the_live_metric(town_kit: Kit) -> None:
    runtime = town_kit.client.app.state["runtime"]
    history = History(town_kit.log, runtime.service.state, dispatch=runtime.dispatch)
    past = history.at(town_kit.log.head())
    assert past.state.slice(Picture).fuser.metric is _fuser(town_kit).metric
    assert past.state == runtime.service.state
    assert len(past.state.slice(Picture).fuser.tracks(town_kit.clock.now())) == 2


def test_an_incident_is_as_far_from_a_threat_as_the_walk_to_it() -> None:
    with api_kit(town=baka_pack()) as kit:
        for _ in range(3):
            kit.clock.advance(20)
            body = {"command_id": cid(), "where": NEAR_BY_AIR, "count": 2}
            assert kit.post(Role.RESPONDER, "/api/v1/sightings", body).status_code == 201
        body = {"command_id": cid(), "where": FAR_BY_STREET, "people": 2, "injured": 1}
        assert kit.post(Role.RESIDENT, "/api/v1/sos", body).status_code == 201
        board = kit.client.app.state["runtime"].dispatch.board()
        (incident,) = board.incidents
        assert incident.nearest_threat_id is not None
        assert incident.nearest_threat_m is not None
        assert incident.nearest_threat_m > 550.0  # not the 149 m a straight line would say


def test_a_server_refuses_a_service_built_without_its_town() -> None:
    clock = ManualClock(START)
    plain = build_service(Settings(database="memory://", secret=SECRET), clock)
    with pytest.raises(ValueError, match="streets of Baka"):
        check_picture_metric(plain, baka_town())
    built = build_service(Settings(database="memory://", secret=SECRET), clock, town=baka_town())
    check_picture_metric(built, baka_town())
    check_picture_metric(plain, None)  # without a town, any picture will do


def test_checking_a_service_against_its_own_town_builds_no_second_metric(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from magen.api import app as api_app
    from magen.geo.town import load_town

    clock = ManualClock(START)
    built = build_service(Settings(database="memory://", secret=SECRET), clock, town=baka_town())
    made: list[str] = []

    def counted(town: Any) -> StreetGraphMetric:
        metric = town_metric(town)
        made.append(metric.key)
        return metric

    monkeypatch.setattr(api_app, "town_metric", counted)
    check_picture_metric(built, baka_town())
    assert made == []  # the key noted when the service was built
    # Another object of the same pack is measured once, and agrees.
    again = load_town(baka_pack())
    check_picture_metric(built, again)
    check_picture_metric(built, again)
    assert made == [metric_key(built.state.slice(Picture).metric)]


# --- snapshots --------------------------------------------------------------------------------


def _settings(db: Path, *, town: bool) -> Settings:
    return Settings(database=str(db), secret=SECRET, town=baka_pack() if town else None)


def _id(part: int, k: int) -> uuid.UUID:
    # Ids of events and sightings are drawn from the command id's leading digits.
    return uuid.UUID(int=(1_000 * part + k) << 96, version=4)


def _sighting(cmd: uuid.UUID, where: dict[str, float], **fields: Any) -> ReportSighting:
    return ReportSighting(command_id=cmd, where=GeoPoint(**where), count=2, **fields)


def _morning(part: int) -> list[tuple[float, Actor, Command]]:
    """(seconds to wait, actor, command): the pair of corners, then more of the same group."""
    on_foot = Mobility.ON_FOOT
    if part == 1:
        steps: list[tuple[float, Actor, Command]] = [
            (60.0, OFFICER, _sighting(_id(1, k), NEAR_BY_AIR, mobility=on_foot)) for k in range(3)
        ]
        steps.append((30.0, DISPATCHER, _sighting(_id(1, 3), FAR_BY_STREET)))
        return steps
    sos = RaiseSos(command_id=_id(2, 2), where=GeoPoint(**FAR_BY_STREET), people=3, injured=1)
    return [
        (20.0, DISPATCHER, _sighting(_id(2, 0), FAR_BY_STREET)),
        (20.0, OFFICER, _sighting(_id(2, 1), NEAR_BY_AIR, mobility=on_foot)),
        (10.0, RESIDENT, sos),
        (20.0, DISPATCHER, _sighting(_id(2, 3), FAR_BY_STREET)),
    ]


def _play(service: Service, steps: list[tuple[float, Actor, Command]]) -> None:
    clock = service.clock
    assert isinstance(clock, ManualClock)

    async def run() -> None:
        for wait, actor, command in steps:
            clock.advance(wait)
            await service.handle(actor, command)

    asyncio.run(run())


def _replay(log: EventLog, *, streets: bool) -> Service:
    """The log folded from the start, without snapshots."""
    service = Service(log, ManualClock(START))
    if streets:
        configure_picture(service.state, metric=town_metric(baka_town()))
    service.load()
    return service


def _tracks(service: Service) -> int:
    return len(service.state.slice(Picture).fuser.tracks(service.clock.now()))


def _close(*services: Service) -> None:
    async def run() -> None:
        for s in services:
            await s.log.close()

    asyncio.run(run())


def test_a_restored_street_picture_is_the_full_replay_and_holds_no_street_graph(
    tmp_path: Path,
) -> None:
    db = tmp_path / "magen.db"
    live = build_service(_settings(db, town=True), ManualClock(START))
    _play(live, _morning(1))
    assert live.snapshots is not None
    at = live.snapshots.save_now(live)
    _play(live, _morning(2))

    resumed = build_service(_settings(db, town=True), ManualClock(START))
    assert resumed.metrics.snapshot_position == at
    assert resumed.metrics.replayed_at_start == live.state.position - at
    full = _replay(resumed.log, streets=True)
    assert resumed.state == full.state == live.state
    metric = resumed.state.slice(Picture).fuser.metric
    assert isinstance(metric, StreetGraphMetric)
    assert metric.key == town_metric(baka_town()).key
    # The street metric mattered: in straight lines the same log is fewer groups.
    assert _tracks(_replay(resumed.log, streets=False)) < _tracks(full) == 2

    _, body = encode_body(live.state, live._commands)
    raw = zstandard.ZstdDecompressor().decompress(body)
    assert b"StreetGraphMetric" not in raw
    assert b"_attached_metric" in raw
    _close(live, resumed)


def test_a_snapshot_made_under_another_metric_is_refused_and_the_log_replayed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "magen.db"
    live = build_service(_settings(db, town=True), ManualClock(START))
    _play(live, _morning(1))
    assert live.snapshots is not None
    streets_at = live.snapshots.save_now(live)
    _play(live, _morning(2))

    # A process without the town (a CLI command, a misconfigured worker) replays in straight
    # lines and must not take the street picture as its own...
    plain = build_service(_settings(db, town=False), ManualClock(START))
    assert plain.metrics.snapshot_position is None
    assert plain.snapshots is not None
    assert any("fused with" in d for d in plain.snapshots.last_restore.discarded or [])
    assert plain.state == _replay(plain.log, streets=False).state
    plain_at = plain.snapshots.save_now(plain)
    assert plain_at > streets_at

    # ...nor the server with the town the newer straight-line snapshot: it falls back to the
    # older street one and replays the rest.
    resumed = build_service(_settings(db, town=True), ManualClock(START))
    assert resumed.metrics.snapshot_position == streets_at
    assert resumed.state == _replay(resumed.log, streets=True).state == live.state
    _close(live, plain, resumed)


def test_decoding_re_attaches_only_the_metric_a_snapshot_was_made_with() -> None:
    key = signing_key(SECRET)
    town = baka_town()
    state = _replay_state(town_metric(town))
    blob = encode(state, _commands(), None, key)
    mine = town_metric(town)
    _, restored, _ = decode(blob, key, metric=mine)
    assert restored.slice(Picture).fuser.metric is mine
    assert restored == state
    with pytest.raises(SnapshotRejected, match="straight-line"):
        decode(blob, key)
    other = town_metric(town, snap_m=30.0)
    assert other.key != mine.key
    with pytest.raises(SnapshotRejected, match="fused with"):
        decode(blob, key, metric=other)
    assert metric_key(None) == "straight-line"


def _replay_state(metric: StreetGraphMetric) -> Any:
    """A state with the pair of corners folded in, measured with `metric`."""
    log = open_log("memory://")
    service = Service(log, ManualClock(START))
    configure_picture(service.state, metric=metric)
    _play(service, _morning(1))
    _ = service.state.slice(Picture).fuser
    return service.state


def _commands() -> CommandIndex:
    return CommandIndex()


def test_a_warm_search_cache_does_not_change_the_picture() -> None:
    # The same log folded twice under one shared metric (its search cache warm the second
    # time) and under a fresh one gives the same picture: the cache never changes an answer.
    shared = town_metric(baka_town())
    first = _replay_state(shared)
    again = _replay_state(shared)
    fresh = _replay_state(town_metric(baka_town()))
    assert first == again == fresh
    assert first.slice(Picture).fuser.tracks(START + timedelta(minutes=5))


def test_reading_the_pictures_metric_folds_no_queued_sighting() -> None:
    # A background snapshot reads the metric on the event loop; fusing a burst of unread
    # sightings there stalled every request for a second.
    from magen.app.snapshots import picture_metric
    from magen.store.memory import MemoryEventLog

    metric = CrowFlies()
    service = Service(MemoryEventLog(), ManualClock(START))
    configure_picture(service.state, metric=metric)

    async def report() -> None:
        for k in range(3):
            where = GeoPoint(lon=35.21 + k / 100, lat=31.75)
            await service.handle(OFFICER, ReportSighting(command_id=uuid.uuid4(), where=where))

    asyncio.run(report())
    picture = service.state.slice(Picture)
    assert picture_metric(service.state) is metric
    assert picture.metric is metric
    assert picture.sightings_seen == 3
    assert picture._fuser.sightings == 0  # still queued, for the next reader
    assert picture.fuser.sightings == 3
