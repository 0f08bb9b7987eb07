"""Tracks, operators' acts on them, incidents and the scale estimate through the API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from magen.domain.picture import Picture
from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, baka_kit, cid
from support.bakapack import baka_pack

ALL = set(Role)
OPERATORS = {Role.ADMIN, Role.DISPATCHER}
FIELD = {Role.ADMIN, Role.DISPATCHER, Role.RESPONDER, Role.MEDIC}
READ_ALL = {Role.ADMIN, Role.ANALYST}
NORTH = {"lat": BAKA["lat"] + 0.004, "lon": BAKA["lon"]}
SOUTH = {"lat": BAKA["lat"] - 0.006, "lon": BAKA["lon"] + 0.002}


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    # Tokens outlive the clock moved on by the tests (tracks need time between them).
    with baka_kit() as k:
        yield k


def _sighting(kit: Kit, role: Role, where: dict[str, float], **extra: Any) -> str:
    body = {"command_id": cid(), "where": where, "count": 3, "armed": "yes", **extra}
    r = kit.post(role, "/api/v1/sightings", body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _track_of(kit: Kit, sighting_id: str) -> str:
    fuser = kit.client.app.state["runtime"].service.state.slice(Picture).fuser
    found = fuser.track_of(sighting_id)
    assert found is not None
    return str(found)


def _fresh_track(kit: Kit, where: dict[str, float] = BAKA) -> str:
    """A new corroborated track: time moves on so that no earlier track takes the sightings."""
    kit.clock.advance(timedelta(minutes=25))
    first = _sighting(kit, Role.DISPATCHER, where)
    _sighting(kit, Role.RESPONDER, where)
    return _track_of(kit, first)


def _closed_track(kit: Kit) -> str:
    track = _fresh_track(kit)
    r = kit.post(Role.ADMIN, f"/api/v1/tracks/{track}/dismiss", {"command_id": cid()})
    assert r.status_code == 201, r.text
    return track


def _act(path: str, make: Callable[[Kit], str]) -> Callable[[Kit, Role], Any]:
    return lambda k, r: k.post(r, path.format(make(k)), {"command_id": cid()})


def _sos(kit: Kit, where: dict[str, float] = BAKA, **extra: Any) -> str:
    r = kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": where, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _split(kit: Kit, role: Role) -> Any:
    track = _fresh_track(kit)
    kit.clock.advance(20)
    moved = _sighting(kit, Role.DISPATCHER, BAKA)
    assert _track_of(kit, moved) == track
    return kit.post(
        role, f"/api/v1/tracks/{track}/split", {"command_id": cid(), "sighting_ids": [moved]}
    )


Call = Callable[[Kit, Role], Any]

ENDPOINTS: dict[str, tuple[Call, set[Role]]] = {
    "GET /tracks": (lambda k, r: k.get(r, "/api/v1/tracks"), FIELD | READ_ALL),
    "GET /tracks/{id}": (
        lambda k, r: k.get(r, f"/api/v1/tracks/{_fresh_track(k)}"),
        FIELD | READ_ALL,
    ),
    "POST /tracks/{id}/confirm": (_act("/api/v1/tracks/{}/confirm", _fresh_track), OPERATORS),
    "POST /tracks/{id}/dismiss": (_act("/api/v1/tracks/{}/dismiss", _fresh_track), OPERATORS),
    "POST /tracks/{id}/neutralise": (
        _act("/api/v1/tracks/{}/neutralise", _fresh_track),
        OPERATORS,
    ),
    "POST /tracks/{id}/reopen": (_act("/api/v1/tracks/{}/reopen", _closed_track), OPERATORS),
    "POST /tracks/merge": (
        lambda k, r: k.post(
            r,
            "/api/v1/tracks/merge",
            {
                "command_id": cid(),
                "into_track_id": _fresh_track(k),
                "track_ids": [_fresh_track(k, NORTH)],
            },
        ),
        OPERATORS,
    ),
    "POST /tracks/{id}/split": (
        _split,
        OPERATORS,
    ),
    "GET /incidents": (lambda k, r: k.get(r, "/api/v1/incidents"), FIELD | READ_ALL),
    "GET /incidents/{id}": (
        lambda k, r: k.get(r, f"/api/v1/incidents/{_sos(k)}"),
        FIELD | READ_ALL,
    ),
    "GET /picture/scale": (lambda k, r: k.get(r, "/api/v1/picture/scale"), FIELD | READ_ALL),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(kit: Kit, endpoint: str, role: Role) -> None:
    call, allowed = ENDPOINTS[endpoint]
    response = call(kit, role)
    if role in allowed:
        assert response.status_code in (200, 201), (endpoint, role, response.text)
    else:
        assert response.status_code in (401, 403), (endpoint, role, response.text)


def test_a_track_shows_status_count_interval_heading_speed_confidence_age(kit: Kit) -> None:
    track = _fresh_track(kit)
    kit.clock.advance(30)
    view = kit.get(Role.RESPONDER, f"/api/v1/tracks/{track}").json()
    assert view["status"] == "new"
    assert view["open"] is True
    assert view["count"]["estimate"] == 3
    assert view["count"]["low"] <= 3 <= view["count"]["high"]
    assert view["confidence"]["reporters"] == 2
    assert view["confidence"]["verified"] == 2
    assert view["age_s"] >= 30
    assert view["since_seen_s"] >= 30
    assert {"heading_deg", "speed_mps", "last_seen", "first_seen", "armed"} <= set(view)
    assert len(view["sighting_ids"]) == 2
    # Left alone long enough, it is shown as stale, never dropped.
    kit.clock.advance(timedelta(minutes=10))
    listed = kit.get(Role.DISPATCHER, "/api/v1/tracks").json()["tracks"]
    assert next(t for t in listed if t["id"] == track)["status"] == "stale"


def test_operator_acts_change_the_track_and_closed_ones_leave_the_list(kit: Kit) -> None:
    track = _fresh_track(kit)
    r = kit.post(Role.DISPATCHER, f"/api/v1/tracks/{track}/confirm", {"command_id": cid()})
    assert r.status_code == 201, r.text
    assert kit.get(Role.MEDIC, f"/api/v1/tracks/{track}").json()["status"] == "confirmed"
    r = kit.post(
        Role.DISPATCHER,
        f"/api/v1/tracks/{track}/neutralise",
        {"command_id": cid(), "note": "two down"},
    )
    assert r.status_code == 201, r.text
    open_ids = [t["id"] for t in kit.get(Role.DISPATCHER, "/api/v1/tracks").json()["tracks"]]
    assert track not in open_ids
    every = kit.get(Role.DISPATCHER, "/api/v1/tracks?include_closed=true").json()["tracks"]
    assert next(t for t in every if t["id"] == track)["status"] == "neutralised"
    r = kit.post(Role.DISPATCHER, f"/api/v1/tracks/{track}/reopen", {"command_id": cid()})
    assert r.status_code == 201, r.text
    assert kit.get(Role.DISPATCHER, f"/api/v1/tracks/{track}").json()["open"] is True


def test_merge_then_split_through_the_api(kit: Kit) -> None:
    a = _fresh_track(kit)
    b = _fresh_track(kit, NORTH)
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/tracks/merge",
        {"command_id": cid(), "into_track_id": a, "track_ids": [b]},
    )
    assert r.status_code == 201, r.text
    merged = kit.get(Role.DISPATCHER, f"/api/v1/tracks/{a}").json()
    assert len(merged["sighting_ids"]) == 4
    north = merged["sighting_ids"][2:]
    r = kit.post(
        Role.DISPATCHER,
        f"/api/v1/tracks/{a}/split",
        {"command_id": cid(), "sighting_ids": north},
    )
    assert r.status_code == 201, r.text
    new = r.json()["new_track_id"]
    assert sorted(kit.get(Role.DISPATCHER, f"/api/v1/tracks/{new}").json()["sighting_ids"]) == (
        sorted(north)
    )


def test_incidents_come_by_priority_with_every_caller(kit: Kit) -> None:
    kit.clock.advance(timedelta(hours=1))
    minor = _sos(kit, SOUTH, people=1)
    r = kit.post(
        Role.ANONYMOUS,
        "/api/v1/sos",
        {"command_id": cid(), "where": NORTH, "people": 4, "injured": 3, "children": 2},
    )
    grave = r.json()["id"]
    r = kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": NORTH, "people": 4})
    again = r.json()["id"]
    listed = kit.get(Role.DISPATCHER, "/api/v1/incidents").json()["incidents"]
    ids = [i["id"] for i in listed]
    assert ids.index(grave) < ids.index(minor)
    top = next(i for i in listed if i["id"] == grave)
    assert set(top["sos_ids"]) == {grave, again}
    assert top["callers"] == 2
    assert "3 injured" in top["reasons"]
    assert kit.get(Role.MEDIC, f"/api/v1/incidents/{again}").json()["id"] == grave


def test_the_scale_counts_corroborated_groups_only(kit: Kit) -> None:
    kit.clock.advance(timedelta(hours=1))
    before = kit.get(Role.DISPATCHER, "/api/v1/picture/scale").json()
    assert before["groups"] == 0  # everything earlier is stale by now
    _fresh_track(kit)
    for k in range(4):  # one anonymous device, reporting again and again
        r = kit.client.post(
            "/api/v1/sightings",
            json={"command_id": cid(), "where": NORTH, "count": 30},
            headers={"X-Device-Id": "flooder"},
        )
        assert r.status_code == 201, (k, r.text)
    scale = kit.get(Role.DISPATCHER, "/api/v1/picture/scale").json()
    assert scale["groups"] == 1
    assert scale["attackers"]["estimate"] == 3
    assert scale["unverified_groups"] == 1
    assert scale["area_km2"] > 0
    assert scale["streets"]


def test_the_picture_holds_the_threat_sections_for_the_field_only(kit: Kit) -> None:
    _fresh_track(kit)
    _sos(kit, injured=1)
    for role in (Role.DISPATCHER, Role.RESPONDER, Role.MEDIC, Role.ANALYST):
        view = kit.get(role, "/api/v1/picture").json()
        assert {"tracks", "incidents", "scale", "recommendations"} <= set(view), role
        assert view["tracks"]
    for role in (Role.RESIDENT, Role.ANONYMOUS, Role.HOSPITAL, Role.REGISTRAR):
        view = kit.get(role, "/api/v1/picture").json()
        assert not {"tracks", "incidents", "scale", "recommendations"} & set(view), role


def _head(kit: Kit) -> int:
    return kit.log.head()


@pytest.mark.parametrize(
    ("path", "body", "status", "reason"),
    [
        ("/api/v1/tracks/trk_nope/confirm", {}, 404, "trk_nope"),
        ("/api/v1/tracks/trk_nope/split", {"sighting_ids": ["sig_x"]}, 404, "trk_nope"),
        ("/api/v1/tracks/merge", {"into_track_id": "trk_nope", "track_ids": ["trk_x"]}, 404, ""),
        ("/api/v1/tracks/merge", {"into_track_id": "trk_nope", "track_ids": []}, 400, ""),
        ("/api/v1/tracks/trk_nope/confirm", {"note": "x" * 3000}, 400, "note"),
    ],
)
def test_bad_track_acts_are_refused_and_append_nothing(
    kit: Kit, path: str, body: dict[str, Any], status: int, reason: str
) -> None:
    head = _head(kit)
    r = kit.post(Role.DISPATCHER, path, {"command_id": cid(), **body})
    assert r.status_code == status, r.text
    assert reason in r.json()["reason"]
    assert _head(kit) == head


def test_acts_the_picture_refuses_say_why_and_append_nothing(kit: Kit) -> None:
    track = _fresh_track(kit)
    first = kit.post(Role.ADMIN, f"/api/v1/tracks/{track}/confirm", {"command_id": cid()})
    assert first.status_code == 201, first.text
    head = _head(kit)
    again = kit.post(Role.ADMIN, f"/api/v1/tracks/{track}/confirm", {"command_id": cid()})
    assert again.status_code == 422
    assert "already confirmed" in again.json()["reason"]
    reopen = kit.post(Role.ADMIN, f"/api/v1/tracks/{track}/reopen", {"command_id": cid()})
    assert reopen.status_code == 422
    assert "is open" in reopen.json()["reason"]
    assert kit.get(Role.RESIDENT, f"/api/v1/tracks/{track}").status_code == 403
    assert kit.get(Role.DISPATCHER, "/api/v1/tracks/trk_nope").status_code == 404
    assert kit.get(Role.DISPATCHER, "/api/v1/incidents/sos_nope").status_code == 404
    assert _head(kit) == head


@pytest.mark.parametrize(("stale_s", "shown"), [(60.0, "stale"), (300.0, "new")])
def test_how_long_a_track_may_go_unseen_is_the_servers_setting(stale_s: float, shown: str) -> None:
    with api_kit(town=baka_pack(), track_stale_s=stale_s) as k:
        _sighting(k, Role.RESPONDER, BAKA)
        k.clock.advance(timedelta(seconds=90))
        r = k.get(Role.DISPATCHER, "/api/v1/picture")
        assert r.status_code == 200, r.text
        assert [t["status"] for t in r.json()["tracks"]] == [shown]


def test_a_stale_time_out_of_range_is_refused_by_name() -> None:
    from magen.config import Settings

    with pytest.raises(ValueError, match="MAGEN_TRACK_STALE_S"):
        Settings(track_stale_s=0.0)
