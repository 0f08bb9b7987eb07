"""Operators' acts on threat tracks as domain events, and the picture folded from the log."""

from __future__ import annotations

import pickle
import uuid
from datetime import timedelta

import pytest

import magen.domain  # noqa: F401  (registers every part)
from magen.domain.base import (
    Actor,
    Command,
    DecisionContext,
    Event,
    Recorded,
    decide,
    event_class,
    event_id_for,
    evolve,
)
from magen.domain.errors import InvalidCommand, NotFound
from magen.domain.picture import (
    ConfirmTrack,
    DismissTrack,
    MergeTracks,
    NeutraliseTrack,
    Picture,
    ReopenTrack,
    SplitTrack,
    TrackConfirmed,
    TracksMerged,
    TrackSplit,
    configure_picture,
)
from magen.domain.reports import Mobility, ReportSighting
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role
from magen.picture.fusion import FusionConfig, TrackStatus
from magen.picture.metric import CrowFlies
from picture.picturekit import T0, lonlat

DISPATCHER = Actor(account_id="disp", role=Role.DISPATCHER)


def _resident(n: int) -> Actor:
    return Actor(account_id=f"res{n}", role=Role.RESIDENT)


def _anonymous(key: str) -> Actor:
    return Actor(account_id=None, role=Role.ANONYMOUS, source_key=key)


class Log:
    """Decide and evolve commands in memory, keeping the recorded events for replay."""

    def __init__(self) -> None:
        self.state = State()
        self.recorded: list[Recorded] = []
        self.now = T0

    def run(self, actor: Actor, cmd: Command, *, after: float = 0.0) -> list[Event]:
        self.now += timedelta(seconds=after)
        events = decide(self.state, cmd, DecisionContext(actor, self.now))
        for i, e in enumerate(events):
            r = Recorded(
                len(self.recorded) + 1,
                event_id_for(cmd.command_id, i),
                self.now,
                actor,
                cmd.command_id,
                None,
                e,
            )
            self.recorded.append(r)
            evolve(self.state, r)
        return events

    def see(self, actor: Actor, x: float, y: float, *, after: float = 10.0, count: int = 4) -> str:
        lon, lat = lonlat(x, y)
        cmd = ReportSighting(
            command_id=uuid.uuid4(),
            where=GeoPoint(lon=lon, lat=lat),
            count=count,
            mobility=Mobility.ON_FOOT,
        )
        (e,) = self.run(actor, cmd, after=after)
        return e.sighting_id  # type: ignore[attr-defined, no-any-return]

    @property
    def picture(self) -> Picture:
        return self.state.slice(Picture)


def _two_groups() -> tuple[Log, list[str], list[str]]:
    log = Log()
    a = [log.see(_resident(k), 0.0, 10.0 * k) for k in range(3)]
    b = [log.see(_resident(10 + k), 2000.0, 10.0 * k) for k in range(3)]
    return log, a, b


def test_sightings_in_the_log_build_the_picture() -> None:
    log, a, b = _two_groups()
    fuser = log.picture.fuser
    views = fuser.tracks(log.now)
    assert len(views) == 2
    assert {frozenset(v.sighting_ids) for v in views} == {frozenset(a), frozenset(b)}
    assert all(v.confidence.reporters == 3 and v.credible for v in views)


def test_one_anonymous_device_counts_as_one_source() -> None:
    log = Log()
    for _ in range(20):
        log.see(_anonymous("phone-1"), 0.0, 0.0, after=3.0)
    (view,) = log.picture.fuser.tracks(log.now)
    assert view.confidence.reporters == 1
    assert not view.credible


def test_acts_on_tracks_are_checked_and_recorded() -> None:
    log, a, b = _two_groups()
    fuser = log.picture.fuser
    ta, tb = fuser.track_of(a[0]), fuser.track_of(b[0])
    assert ta is not None
    assert tb is not None
    with pytest.raises(NotFound, match="no track trk_nope"):
        log.run(DISPATCHER, ConfirmTrack(command_id=uuid.uuid4(), track_id="trk_nope"))
    (confirmed,) = log.run(DISPATCHER, ConfirmTrack(command_id=uuid.uuid4(), track_id=ta))
    assert confirmed == TrackConfirmed(track_id=ta)
    assert fuser.track(ta, log.now).status is TrackStatus.CONFIRMED
    with pytest.raises(InvalidCommand, match="already confirmed"):
        log.run(DISPATCHER, ConfirmTrack(command_id=uuid.uuid4(), track_id=ta))

    (merged,) = log.run(
        DISPATCHER, MergeTracks(command_id=uuid.uuid4(), into_track_id=ta, track_ids=(tb,))
    )
    assert merged == TracksMerged(into_track_id=ta, track_ids=(tb,))
    assert fuser.track(tb, log.now).status is TrackStatus.MERGED

    cmd = SplitTrack(command_id=uuid.uuid4(), track_id=ta, sighting_ids=tuple(b))
    (split,) = log.run(DISPATCHER, cmd)
    assert isinstance(split, TrackSplit)
    assert split.new_track_id == f"trk_{cmd.command_id.hex[:20]}"
    assert fuser.sighting_ids(split.new_track_id) == tuple(b)
    with pytest.raises(InvalidCommand, match="not sightings of"):
        log.run(
            DISPATCHER,
            SplitTrack(command_id=uuid.uuid4(), track_id=ta, sighting_ids=(b[0],)),
        )

    log.run(DISPATCHER, DismissTrack(command_id=uuid.uuid4(), track_id=split.new_track_id))
    log.run(DISPATCHER, NeutraliseTrack(command_id=uuid.uuid4(), track_id=ta, note="stopped"))
    assert fuser.tracks(log.now) == []
    with pytest.raises(InvalidCommand, match="is closed"):
        log.run(DISPATCHER, ConfirmTrack(command_id=uuid.uuid4(), track_id=ta))
    log.run(DISPATCHER, ReopenTrack(command_id=uuid.uuid4(), track_id=split.new_track_id))
    assert [v.track_id for v in fuser.tracks(log.now)] == [split.new_track_id]


def test_replaying_the_log_rebuilds_the_same_picture_at_every_position() -> None:
    log, a, _ = _two_groups()
    track = log.picture.fuser.track_of(a[0])
    assert track is not None
    log.run(DISPATCHER, ConfirmTrack(command_id=uuid.uuid4(), track_id=track))
    log.see(_resident(20), 5.0, 40.0)
    log.run(
        DISPATCHER,
        SplitTrack(command_id=uuid.uuid4(), track_id=track, sighting_ids=(a[2],)),
    )
    log.see(_anonymous("dev"), 2000.0, 50.0)
    replayed = State()
    for r in log.recorded:
        # Through the wire format, as a real replay reads the log.
        again = event_class(r.event.type).model_validate_json(r.event.model_dump_json())
        evolve(
            replayed, Recorded(r.position, r.event_id, r.recorded_at, r.actor, None, None, again)
        )
    assert replayed == log.state
    assert pickle.loads(pickle.dumps(log.state)) == log.state


def test_the_picture_is_configured_before_the_log_is_replayed() -> None:
    state = State()
    configure_picture(state, config=FusionConfig(stale_after_s=60.0), metric=CrowFlies())
    assert state.slice(Picture).fuser.config.stale_after_s == 60.0
    log = Log()
    log.see(_resident(1), 0.0, 0.0)
    with pytest.raises(ValueError, match="before replaying"):
        configure_picture(log.state)
