"""A danger area's threat_id names something the picture has.

From an audit: `threat_id` was never checked, so "trk_nope" or "sos_x" made a danger area
that guidance took for a ground danger and dispatch linked to nothing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from alerts.alertlog import NOW, Log
from magen.domain.alerts import (
    Circle,
    DangerReason,
    DeclareDangerArea,
    UpdateDangerArea,
)
from magen.domain.base import Actor
from magen.domain.errors import InvalidCommand, NotFound
from magen.domain.picture import DismissTrack, MergeTracks, NeutraliseTrack, Picture, ReopenTrack
from magen.domain.reports import RaiseSos, ReportSighting
from magen.domain.responders import CheckIn, ResponderKind
from magen.domain.values import GeoPoint, Role

RESIDENT = Actor(account_id="res-1", role=Role.RESIDENT)
MEDIC = Actor(account_id="medic-1", role=Role.MEDIC)
HERE = GeoPoint(lat=31.7600, lon=35.2100)
FAR = GeoPoint(lat=31.7700, lon=35.2300)
AREA = Circle(lat=31.76, lon=35.21, radius_m=100)


def cid() -> uuid.UUID:
    return uuid.uuid4()


def _declare(threat_id: str | None) -> DeclareDangerArea:
    return DeclareDangerArea(
        command_id=cid(), area=AREA, reason=DangerReason.ARMED_ATTACKERS, threat_id=threat_id
    )


def _track(log: Log, where: GeoPoint = HERE) -> str:
    log.run(ReportSighting(command_id=cid(), where=where), actor=RESIDENT)
    return log.state.slice(Picture).fuser.tracks(NOW)[-1].track_id


def _area(log: Log, threat_id: str | None) -> str:
    (rec,) = log.run(_declare(threat_id))
    return str(rec.event.area_id)  # type: ignore[attr-defined]


@pytest.mark.parametrize("threat_id", ["trk_nope", "sos_x", "medic-1"])
def test_an_area_around_nothing_the_picture_has_is_refused_404(log: Log, threat_id: str) -> None:
    _track(log)
    error = log.refuse(_declare(threat_id), NotFound, f"no threat track, SOS or .* {threat_id}")
    assert error.rule == "threat_not_found"
    assert log.alerts.danger_areas == {}


def test_an_area_around_an_open_track_an_sos_or_a_responder_is_declared(log: Log) -> None:
    track = _track(log)
    (sos,) = log.run(RaiseSos(command_id=cid(), where=HERE), actor=RESIDENT)
    log.run(CheckIn(command_id=cid(), kind=ResponderKind.MEDIC, where=HERE), actor=MEDIC)
    sos_id = str(sos.event.sos_id)  # type: ignore[attr-defined]
    for threat_id in (track, sos_id, "medic-1", None):
        area_id = _area(log, threat_id)
        assert log.alerts.danger_areas[area_id].threat_id == threat_id


def test_a_stale_track_may_be_named_attackers_gone_quiet_are_not_gone(log: Log) -> None:
    track = _track(log)
    later = NOW + timedelta(hours=3)
    assert log.state.slice(Picture).fuser.track(track, later).status.value == "stale"
    (rec,) = log.run(_declare(track), at=later)
    assert rec.event.threat_id == track  # type: ignore[attr-defined]


@pytest.mark.parametrize("close", [DismissTrack, NeutraliseTrack])
def test_a_closed_track_is_refused_until_it_is_reopened(
    log: Log, close: type[DismissTrack | NeutraliseTrack]
) -> None:
    track = _track(log)
    log.run(close(command_id=cid(), track_id=track))
    error = log.refuse(_declare(track), InvalidCommand, f"track {track} is closed .*reopen it")
    assert error.rule == "track_closed"
    log.run(ReopenTrack(command_id=cid(), track_id=track))
    _area(log, track)


def test_a_merged_track_is_refused_naming_the_track_it_went_into(log: Log) -> None:
    first, second = _track(log, HERE), _track(log, FAR)
    assert first != second
    log.run(MergeTracks(command_id=cid(), into_track_id=first, track_ids=(second,)))
    error = log.refuse(_declare(second), InvalidCommand, f"merged into {first}; name that track")
    assert error.rule == "track_closed"


def test_an_update_naming_a_new_threat_is_checked_and_the_old_one_kept(log: Log) -> None:
    track = _track(log)
    area_id = _area(log, track)
    error = log.refuse(
        UpdateDangerArea(command_id=cid(), area_id=area_id, threat_id="trk_nope"),
        NotFound,
        "trk_nope",
    )
    assert error.rule == "threat_not_found"
    # The track the area was drawn around has closed since: the area may still be moved.
    log.run(NeutraliseTrack(command_id=cid(), track_id=track))
    log.run(UpdateDangerArea(command_id=cid(), area_id=area_id, note="moved"))
    assert log.alerts.danger_areas[area_id].threat_id == track
    # Naming another, open, track is taken.
    other = _track(log, FAR)
    log.run(UpdateDangerArea(command_id=cid(), area_id=area_id, threat_id=other))
    assert log.alerts.danger_areas[area_id].threat_id == other
