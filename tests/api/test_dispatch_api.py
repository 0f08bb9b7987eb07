"""Dispatch through the API on the Baka map: recommendations, assignments, call-ups.

A scenario: two SOS calls and a confirmed armed group with a danger area around it, five
responders. Recommendations respect capabilities and danger areas; a dispatcher accepts one,
the responder acknowledges, arrives and completes; bad requests are refused with a reason
and append nothing. Then who may do and see what, call-ups and the live feed.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from magen.domain.accounts import CreateAccount
from magen.domain.base import SYSTEM
from magen.domain.dispatch import Dispatch
from magen.domain.picture import Picture
from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, baka_kit, cid, password_hash

ALL = set(Role)
OPERATORS = {Role.ADMIN, Role.DISPATCHER}
FIELD = {Role.ADMIN, Role.DISPATCHER, Role.RESPONDER, Role.MEDIC}
READ_ALL = {Role.ADMIN, Role.ANALYST}

THREAT = {"lat": 31.7600, "lon": 35.2170}
AREA_M = 80.0
SOS_INJURED = {"lat": 31.7650, "lon": 35.2120}
SOS_PEOPLE = {"lat": 31.7560, "lon": 35.2100}
# name -> (role, kind, capabilities, where)
CREW: dict[str, tuple[Role, str, list[str], dict[str, float]]] = {
    "cop": (
        Role.RESPONDER,
        "police_on_duty",
        ["armed", "vehicle"],
        {"lat": 31.7580, "lon": 35.2140},
    ),
    "vol": (Role.RESPONDER, "volunteer", ["armed"], {"lat": 31.7620, "lon": 35.2190}),
    "medic": (Role.MEDIC, "medic", ["medic", "vehicle"], {"lat": 31.7640, "lon": 35.2150}),
    "medic2": (Role.MEDIC, "medic", ["medic"], {"lat": 31.7570, "lon": 35.2110}),
    # Unarmed, across the danger area from the second call.
    "walker": (Role.RESPONDER, "other", [], {"lat": 31.7630, "lon": 35.2220}),
}


@dataclass
class Crew:
    kit: Kit
    ids: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def post(self, who: str, path: str, body: dict[str, Any]) -> Any:
        return self.kit.client.post(
            path, json={"command_id": cid(), **body}, headers=self.headers[who]
        )

    def get(self, who: str, path: str) -> Any:
        return self.kit.client.get(path, headers=self.headers[who])

    def name_of(self, account_id: str) -> str:
        return next(n for n, a in self.ids.items() if a == account_id)


def account(kit: Kit, role: Role, name: str) -> tuple[str, dict[str, str]]:
    """Another signed-in account (the kit has one per role)."""
    runtime = kit.client.app.state["runtime"]
    command = CreateAccount(
        command_id=uuid.uuid4(),
        username=name,
        role=role,
        display_name=name,
        password_hash=password_hash(),
    )
    outcome = kit.client.blocking_portal.call(runtime.service.handle, SYSTEM, command)
    account_id = str(outcome.events[0].event.account_id)
    token = runtime.tokens.issue(account_id, role.value, kit.clock.now())[0]
    return account_id, {"Authorization": f"Bearer {token}"}


def check_in(crew: Crew, name: str, *, status: str = "available", where: Any = None) -> None:
    role, kind, caps, here = CREW.get(name, (Role.RESPONDER, "police_off_duty", ["armed"], BAKA))
    if name not in crew.ids:
        crew.ids[name], crew.headers[name] = account(
            crew.kit, role, f"{name}-{uuid.uuid4().hex[:6]}"
        )
    r = crew.post(
        name,
        "/api/v1/responders/check-in",
        {"kind": kind, "capabilities": caps, "status": status, "where": where or here},
    )
    assert r.status_code == 201, r.text


def confirmed_track(kit: Kit, where: dict[str, float] = THREAT) -> str:
    first = None
    for role in (Role.DISPATCHER, Role.ADMIN, Role.RESPONDER):
        r = kit.post(
            role,
            "/api/v1/sightings",
            {
                "command_id": cid(),
                "where": where,
                "count": 3,
                "armed": "yes",
                "mobility": "on_foot",
            },
        )
        assert r.status_code == 201, r.text
        first = first or r.json()["id"]
    fuser = kit.client.app.state["runtime"].service.state.slice(Picture).fuser
    track = str(fuser.track_of(first))
    r = kit.post(Role.DISPATCHER, f"/api/v1/tracks/{track}/confirm", {"command_id": cid()})
    assert r.status_code == 201, r.text
    return track


def sos(kit: Kit, where: dict[str, float], **extra: Any) -> str:
    r = kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": where, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@dataclass
class Scene:
    crew: Crew
    track: str
    area: str
    injured: str
    people: str


def _kit() -> Any:
    # Tokens outlive the clock moved on by the tests.
    return baka_kit()


@pytest.fixture
def scene() -> Iterator[Scene]:
    with _kit() as kit:
        crew = Crew(kit)
        track = confirmed_track(kit)
        r = kit.post(
            Role.DISPATCHER,
            "/api/v1/danger-areas",
            {
                "command_id": cid(),
                "area": {"kind": "circle", **THREAT, "radius_m": AREA_M},
                "reason": "armed_attackers",
                "threat_id": track,
            },
        )
        assert r.status_code == 201, r.text
        injured = sos(kit, SOS_INJURED, people=3, injured=2)
        people = sos(kit, SOS_PEOPLE, people=3)
        for name in CREW:
            check_in(crew, name)
        yield Scene(crew, track, str(r.json()["id"]), injured, people)


def _metres(a: tuple[float, float], b: dict[str, float]) -> float:
    """Metres between a (lon, lat) and a {lat, lon} (equirectangular: a few hundred metres)."""
    dy = (a[1] - b["lat"]) * 111_320.0
    dx = (a[0] - b["lon"]) * 111_320.0 * math.cos(math.radians(b["lat"]))
    return math.hypot(dx, dy)


def _closest_m(line: list[list[float]], centre: dict[str, float]) -> float:
    """The least distance from a polyline to a point, sampling each segment every metre."""
    best = math.inf
    for (x0, y0), (x1, y1) in itertools.pairwise(line):
        steps = max(1, int(_metres((x0, y0), {"lon": x1, "lat": y1})))
        for k in range(steps + 1):
            f = k / steps
            best = min(best, _metres((x0 + f * (x1 - x0), y0 + f * (y1 - y0)), centre))
    return best


def recommendations(crew: Crew) -> dict[str, Any]:
    r = crew.kit.get(Role.DISPATCHER, "/api/v1/dispatch/recommendations")
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_recommendations_respect_capabilities_and_danger_areas(scene: Scene) -> None:
    crew = scene.crew
    plan = recommendations(crew)
    sent = {crew.name_of(r["responder_id"]): r for r in plan["recommendations"]}
    # The armed group needs three armed responders: both armed ones go, one need is unmet.
    assert {n for n, r in sent.items() if r["target"]["id"] == scene.track} == {"cop", "vol"}
    assert [u["target"]["id"] for u in plan["unmet"]] == [scene.track]
    assert "armed responder" in plan["unmet"][0]["why"]
    # ... and the facts behind the English, for a console in another language to say.
    unmet = plan["unmet"][0]
    assert unmet["code"] == "all_recommended"
    assert unmet["task_facts"] == [
        {"code": "armed_attackers", "n": 3},
        {"code": "confirmed", "n": None},
    ]
    # Two injured need a medic; a medic goes there.
    to_injured = [n for n, r in sent.items() if r["target"]["id"] == scene.injured]
    assert to_injured
    assert set(to_injured) <= {"medic", "medic2"}
    assert any(sent[n]["need"]["requires"] == ["medic"] for n in to_injured)
    # The other call needs anyone: someone unarmed goes.
    assert {n for n, r in sent.items() if r["target"]["id"] == scene.people} <= {
        "walker",
        "medic",
        "medic2",
    }
    for name, rec in sent.items():
        caps = set(CREW[name][2])
        assert set(rec["need"]["requires"]) <= caps
        assert rec["reason"]
        assert rec["mode"] == ("by_car" if "vehicle" in caps else "on_foot")
        assert rec["responder_kind"] == CREW[name][1]
        assert rec["leaves"] == []
        facts = {f["code"]: f["n"] for f in rec["task_facts"]}
        if rec["target"]["id"] == scene.track:
            assert facts == {"armed_attackers": 3, "confirmed": None}
            assert rec["need"]["fact"] == {"code": "armed_attackers", "n": 3}
            assert rec["need"]["why"] == "3 armed attackers"
        elif rec["target"]["id"] == scene.injured:
            assert facts == {"people": 3, "injured": 2}
            assert rec["need"]["fact"] == {"code": "injured", "n": 2}
        else:
            assert facts == {"people": 3}
            assert rec["need"]["fact"] == {"code": "calling_for_help", "n": None}
        # The head of the English reason says what the facts say.
        nearer = rec["nearer_needed_elsewhere"]
        assert rec["reason"].startswith("nearest " if rec["nearest"] else "")
        assert ("nearer" in rec["reason"].split(";")[0]) == (not rec["nearest"] and nearer > 0)
        detail = crew.kit.get(
            Role.DISPATCHER, f"/api/v1/dispatch/recommendations/{rec['id']}"
        ).json()
        gap = _closest_m(_line(detail["route"]), THREAT)
        if "armed" in caps:
            assert rec["enters"] == [scene.area]
            assert "to reach the threat" in rec["reason"]
            assert gap < AREA_M
        else:
            assert rec["enters"] == []
            assert gap > AREA_M - 1.0, (name, gap)


def test_incidents_carry_their_reasons_as_facts_beside_the_words(scene: Scene) -> None:
    picture = scene.crew.kit.get(Role.DISPATCHER, "/api/v1/picture").json()
    incidents = {i["id"]: i for i in picture["incidents"]}
    hurt = incidents[scene.injured]
    assert len(hurt["reason_facts"]) == len(hurt["reasons"])
    assert hurt["reason_facts"][0] == {"code": "injured", "n": 2}
    assert hurt["reasons"][0] == "2 injured"
    for incident in incidents.values():
        for words, fact in zip(incident["reasons"], incident["reason_facts"], strict=True):
            if fact["code"] in ("threat_m", "unverified_threat_m"):
                assert words.endswith(f" {fact['n']} m away")
                assert abs(fact["n"] - incident["nearest_threat"]["distance_m"]) <= 0.55


def test_the_unarmed_walker_is_routed_around_the_area(scene: Scene) -> None:
    crew = scene.crew
    # Only the walker is free for the second call: the medics are busy elsewhere.
    for name in ("medic", "medic2"):
        assert (
            crew.post(name, "/api/v1/responders/status", {"status": "engaged"}).status_code == 201
        )
    rec = next(
        r
        for r in recommendations(crew)["recommendations"]
        if crew.name_of(r["responder_id"]) == "walker"
    )
    assert rec["target"]["id"] == scene.people
    assert rec["avoids"] == [scene.area]
    assert rec["reason"].endswith(f"avoids danger area {scene.area}")
    assert rec["responder_kind"] == "other"
    detail = crew.kit.get(Role.DISPATCHER, f"/api/v1/dispatch/recommendations/{rec['id']}").json()
    assert _closest_m(_line(detail["route"]), THREAT) > AREA_M - 1.0


def test_a_responder_standing_in_the_danger_area_is_sent_out_of_it(scene: Scene) -> None:
    crew = scene.crew
    for name in ("medic", "medic2"):
        assert (
            crew.post(name, "/api/v1/responders/status", {"status": "engaged"}).status_code == 201
        )
    inside = {"lat": THREAT["lat"] + 0.0002, "lon": THREAT["lon"]}
    r = crew.post("walker", "/api/v1/responders/position", {"where": inside})
    assert r.status_code == 201, r.text
    rec = next(
        r
        for r in recommendations(crew)["recommendations"]
        if crew.name_of(r["responder_id"]) == "walker"
    )
    assert rec["target"]["id"] == scene.people
    assert f"leaves danger area {scene.area}" in rec["reason"]
    assert rec["leaves"] == [scene.area]
    assert rec["enters"] == []
    detail = crew.kit.get(Role.DISPATCHER, f"/api/v1/dispatch/recommendations/{rec['id']}").json()
    line = _line(detail["route"])
    assert _metres((line[0][0], line[0][1]), THREAT) < AREA_M
    assert _metres((line[-1][0], line[-1][1]), THREAT) > AREA_M


def _line(route: dict[str, Any]) -> list[list[float]]:
    """The coordinates of a route given as a GeoJSON LineString Feature."""
    assert route["type"] == "Feature"
    assert route["geometry"]["type"] == "LineString"
    coordinates: list[list[float]] = route["geometry"]["coordinates"]
    assert len(coordinates) >= 2
    assert all(len(c) == 2 for c in coordinates)
    return coordinates


def _assign(crew: Crew, name: str, **target: str) -> str:
    r = crew.kit.post(
        Role.DISPATCHER,
        "/api/v1/dispatch/assignments",
        {"command_id": cid(), "responder_id": crew.ids[name], **target},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _mine(crew: Crew, name: str) -> dict[str, Any]:
    (a,) = crew.get(name, "/api/v1/dispatch/assignments").json()["assignments"]
    return dict(a)


def test_an_assignment_carries_its_street_route_until_the_responder_arrives(
    scene: Scene,
) -> None:
    crew = scene.crew
    assignment = _assign(crew, "medic2", incident_id=scene.people)
    a = _mine(crew, "medic2")
    line = _line(a["route"])
    props = a["route"]["properties"]
    assert props["mode"] == "on_foot"
    assert props["travel_s"] > 0
    # From the responder to the call, along the streets (longer than the crow flies).
    start, end = CREW["medic2"][3], SOS_PEOPLE
    assert _metres(tuple(line[0]), start) < 60  # type: ignore[arg-type]
    assert _metres(tuple(line[-1]), end) < 60  # type: ignore[arg-type]
    crow = _metres((start["lon"], start["lat"]), end)
    assert props["distance_m"] >= crow
    # The same route in the picture, for the responder and for the dispatcher.
    for who in ("medic2", "dispatcher"):
        view = (
            crew.get(who, "/api/v1/picture")
            if who != "dispatcher"
            else crew.kit.get(Role.DISPATCHER, "/api/v1/picture")
        )
        shown = {x["id"]: x for x in view.json()["assignments"]}
        assert shown[assignment]["route"] == a["route"]
    # It follows the responder: from where they report being now.
    here = {"lat": 31.7575, "lon": 35.2095}
    r = crew.post("medic2", "/api/v1/responders/position", {"where": here})
    assert r.status_code == 201, r.text
    moved = _line(_mine(crew, "medic2")["route"])
    assert _metres(tuple(moved[0]), here) < 60  # type: ignore[arg-type]
    assert moved != line
    # On scene, no more route.
    r = crew.post("medic2", f"/api/v1/dispatch/assignments/{assignment}/arrived", {})
    assert r.status_code == 201, r.text
    assert _mine(crew, "medic2")["route"] is None


def test_an_assignment_route_keeps_out_of_danger_areas_but_an_armed_one_goes_in(
    scene: Scene,
) -> None:
    crew = scene.crew
    # The unarmed walker, sent across the danger area to the second call, goes round it.
    _assign(crew, "walker", incident_id=scene.people)
    walker = _mine(crew, "walker")["route"]
    assert _closest_m(_line(walker), THREAT) > AREA_M - 1.0
    # The armed volunteer sent to the armed group enters the area declared around it.
    _assign(crew, "vol", track_id=scene.track)
    vol = _line(_mine(crew, "vol")["route"])
    assert _closest_m(vol, THREAT) < AREA_M
    # The route of an accepted recommendation is the one the recommendation showed.
    rec = next(
        r
        for r in recommendations(crew)["recommendations"]
        if crew.name_of(r["responder_id"]) == "cop"
    )
    shown = crew.kit.get(Role.DISPATCHER, f"/api/v1/dispatch/recommendations/{rec['id']}")
    r = crew.kit.post(
        Role.DISPATCHER,
        "/api/v1/dispatch/assignments",
        {"command_id": cid(), "responder_id": rec["responder_id"], "recommendation_id": rec["id"]},
    )
    assert r.status_code == 201, r.text
    assert _mine(crew, "cop")["route"] == shown.json()["route"]


def test_once_the_target_is_closed_there_is_no_route(
    scene: Scene,
) -> None:
    crew = scene.crew
    assignment = _assign(crew, "cop", track_id=scene.track)
    assert _mine(crew, "cop")["route"] is not None
    r = crew.kit.post(
        Role.DISPATCHER, f"/api/v1/tracks/{scene.track}/neutralise", {"command_id": cid()}
    )
    assert r.status_code == 201, r.text
    a = _mine(crew, "cop")
    assert a["id"] == assignment
    assert (a["target_open"], a["route"]) == (False, None)


def test_accept_acknowledge_arrive_complete(scene: Scene) -> None:
    crew = scene.crew
    kit = crew.kit
    rec = next(
        r
        for r in recommendations(crew)["recommendations"]
        if crew.name_of(r["responder_id"]) == "cop"
    )
    body = {
        "command_id": cid(),
        "responder_id": rec["responder_id"],
        "recommendation_id": rec["id"],
    }
    made = kit.post(Role.DISPATCHER, "/api/v1/dispatch/assignments", body)
    assert made.status_code == 201, made.text
    assignment = made.json()["id"]
    # A retry of the same request is answered from the log, not repeated.
    again = kit.post(Role.DISPATCHER, "/api/v1/dispatch/assignments", body)
    assert again.status_code == 200
    assert again.json()["id"] == assignment
    # The cop is no longer free; the armed group still needs the other armed responders.
    now = recommendations(crew)["recommendations"]
    assert all(crew.name_of(r["responder_id"]) != "cop" for r in now)
    assert any(
        crew.name_of(r["responder_id"]) == "vol" and r["target"]["id"] == scene.track for r in now
    )
    mine = crew.get("cop", "/api/v1/dispatch/assignments").json()["assignments"]
    assert [a["id"] for a in mine] == [assignment]
    assert mine[0]["accepted_recommendation"] is True
    assert mine[0]["target"] == {"kind": "track", "id": scene.track}
    assert mine[0]["status"] == "assigned"
    assert crew.get("vol", "/api/v1/dispatch/assignments").json()["assignments"] == []
    # Someone else cannot take it for them.
    head = kit.log.head()
    r = crew.post("vol", f"/api/v1/dispatch/assignments/{assignment}/ack", {})
    assert r.status_code == 403
    assert kit.log.head() == head

    def status(name: str) -> str:
        view = kit.get(Role.DISPATCHER, "/api/v1/picture").json()
        return str(next(r for r in view["responders"] if r["id"] == crew.ids[name])["status"])

    r = crew.post("cop", f"/api/v1/dispatch/assignments/{assignment}/ack", {})
    assert r.status_code == 201, r.text
    assert status("cop") == "en_route"
    kit.clock.advance(90)
    r = crew.post(
        "cop", f"/api/v1/dispatch/assignments/{assignment}/arrived", {"note": "on Reuven"}
    )
    assert r.status_code == 201, r.text
    assert status("cop") == "on_scene"
    seen = crew.get("cop", "/api/v1/picture").json()["assignments"]
    assert seen[0]["status"] == "arrived"
    assert seen[0]["arrived_at"] is not None
    r = kit.post(
        Role.DISPATCHER,
        f"/api/v1/dispatch/assignments/{assignment}/complete",
        {"command_id": cid(), "note": "group neutralised"},
    )
    assert r.status_code == 201, r.text
    assert status("cop") == "available"
    done = kit.get(Role.DISPATCHER, "/api/v1/dispatch/assignments?include_closed=true").json()
    assert next(a for a in done["assignments"] if a["id"] == assignment)["status"] == "completed"
    assert crew.get("cop", "/api/v1/dispatch/assignments").json()["assignments"] == []


def test_a_dispatcher_may_override_the_recommendations(scene: Scene) -> None:
    crew = scene.crew
    r = crew.kit.post(
        Role.DISPATCHER,
        "/api/v1/dispatch/assignments",
        {"command_id": cid(), "responder_id": crew.ids["walker"], "incident_id": scene.injured},
    )
    assert r.status_code == 201, r.text
    (made,) = crew.get("walker", "/api/v1/dispatch/assignments").json()["assignments"]
    assert made["accepted_recommendation"] is False
    assert made["target_open"] is True
    # The walker now fills the injured call's first need only if able: a medic is still wanted.
    left = recommendations(crew)
    assert any(r["target"]["id"] == scene.injured for r in left["recommendations"])


def _refused(kit: Kit, body: dict[str, Any], status: int, reason: str) -> None:
    head = kit.log.head()
    r = kit.post(Role.DISPATCHER, "/api/v1/dispatch/assignments", {"command_id": cid(), **body})
    assert r.status_code == status, r.text
    assert reason in r.json()["reason"], r.json()
    assert kit.log.head() == head


def test_bad_assignments_are_refused_with_a_reason_and_append_nothing(scene: Scene) -> None:
    crew = scene.crew
    kit = crew.kit
    idle, _ = account(kit, Role.RESPONDER, "never-checked-in")
    cop, walker, medic = crew.ids["cop"], crew.ids["walker"], crew.ids["medic"]
    _refused(
        kit, {"responder_id": "acc_nobody", "incident_id": scene.injured}, 404, "not checked in"
    )
    _refused(kit, {"responder_id": idle, "incident_id": scene.injured}, 404, "not checked in")
    _refused(kit, {"responder_id": cop, "incident_id": "sos_nope"}, 404, "no incident sos_nope")
    _refused(kit, {"responder_id": cop, "track_id": "trk_nope"}, 404, "no track trk_nope")
    _refused(kit, {"responder_id": walker, "track_id": scene.track}, 422, "not armed")
    _refused(kit, {"responder_id": cop}, 422, "exactly one of incident_id and track_id")
    _refused(
        kit,
        {"responder_id": cop, "incident_id": scene.injured, "track_id": scene.track},
        422,
        "exactly one",
    )
    _refused(kit, {"responder_id": cop, "recommendation_id": "rec_nope"}, 409, "no longer current")
    rec = next(r for r in recommendations(crew)["recommendations"] if r["responder_id"] == cop)
    _refused(kit, {"responder_id": medic, "recommendation_id": rec["id"]}, 422, "sends")
    _refused(
        kit,
        {"responder_id": cop, "recommendation_id": rec["id"], "incident_id": scene.people},
        422,
        "sends",
    )
    _refused(kit, {"responder_id": "", "incident_id": scene.injured}, 400, "responder_id")
    # Double accept: the recommendation is gone once taken, and the responder is busy.
    first = kit.post(
        Role.DISPATCHER,
        "/api/v1/dispatch/assignments",
        {"command_id": cid(), "responder_id": cop, "recommendation_id": rec["id"]},
    )
    assert first.status_code == 201, first.text
    _refused(kit, {"responder_id": cop, "recommendation_id": rec["id"]}, 409, "no longer current")
    _refused(kit, {"responder_id": cop, "incident_id": scene.people}, 409, "already assigned")
    # A resolved call takes no one.
    r = kit.post(
        Role.RESIDENT,
        f"/api/v1/sos/{scene.people}/resolve",
        {"command_id": cid(), "outcome": "safe"},
    )
    assert r.status_code == 201, r.text
    _refused(kit, {"responder_id": walker, "incident_id": scene.people}, 422, "closed")
    # Steps of assignments: unknown, and out of order.
    assignment = first.json()["id"]
    head = kit.log.head()
    assert crew.post("cop", "/api/v1/dispatch/assignments/asg_nope/ack", {}).status_code == 404
    assert crew.post("cop", f"/api/v1/dispatch/assignments/{assignment}/ack", {}).status_code == 201
    twice = crew.post("cop", f"/api/v1/dispatch/assignments/{assignment}/ack", {})
    assert twice.status_code == 422
    assert "already acknowledged" in twice.json()["reason"]
    assert (
        crew.post("cop", f"/api/v1/dispatch/assignments/{assignment}/cancel", {}).status_code == 201
    )
    late = crew.post("cop", f"/api/v1/dispatch/assignments/{assignment}/arrived", {})
    assert late.status_code == 422
    assert "cancelled" in late.json()["reason"]
    assert kit.log.head() == head + 4  # ack and its status change, cancel and its status change


def test_an_off_duty_responder_is_called_up_answers_and_becomes_available(scene: Scene) -> None:
    crew = scene.crew
    kit = crew.kit
    check_in(crew, "off-near", status="off_duty", where={"lat": 31.7610, "lon": 35.2150})
    check_in(crew, "off-far", status="off_duty", where={"lat": 31.7500, "lon": 35.2050})
    near, far = crew.ids["off-near"], crew.ids["off-far"]
    assert all(r["responder_id"] != near for r in recommendations(crew)["recommendations"])
    _refused(kit, {"responder_id": near, "track_id": scene.track}, 422, "off duty")
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/callups",
        {
            "command_id": cid(),
            "centre": THREAT,
            "radius_m": 600,
            "capabilities": ["armed"],
            "note": "armed group on Reuven",
        },
    )
    assert r.status_code == 201, r.text
    callup = r.json()["id"]
    ops = kit.get(Role.DISPATCHER, "/api/v1/callups").json()["callups"]
    (view,) = ops
    assert near in view["called_ids"]
    assert far not in view["called_ids"]
    assert crew.ids["cop"] in view["called_ids"]  # available, armed and near: called too
    assert crew.ids["medic"] not in view["called_ids"]  # not armed
    assert [c["id"] for c in crew.get("off-near", "/api/v1/callups").json()["callups"]] == [callup]
    assert crew.get("off-far", "/api/v1/callups").json()["callups"] == []
    assert "called_ids" not in crew.get("off-near", "/api/v1/picture").json()["callups"][0]
    assert crew.get("off-far", "/api/v1/picture").json()["callups"] == []
    # The far one hears it on the radio and answers anyway: cannot come.
    r = crew.post("off-far", f"/api/v1/callups/{callup}/ack", {"coming": False, "note": "no car"})
    assert r.status_code == 201, r.text
    r = crew.post("off-near", f"/api/v1/callups/{callup}/ack", {"coming": True, "eta_min": 3})
    assert r.status_code == 201, r.text
    assert [e["type"] for e in r.json()["events"]] == [
        "CallUpAcknowledged",
        "ResponderStatusChanged",
    ]
    answers = kit.get(Role.DISPATCHER, "/api/v1/callups").json()["callups"][0]
    assert answers["coming"] == 1
    assert {a["responder_id"]: a["coming"] for a in answers["answers"]} == {near: True, far: False}
    mine = crew.get("off-near", "/api/v1/callups").json()["callups"][0]["answers"]
    assert [a["responder_id"] for a in mine] == [near]
    # Now available and armed: recommended for the group.
    plan = recommendations(crew)["recommendations"]
    assert any(r["responder_id"] == near and r["target"]["id"] == scene.track for r in plan)
    r = kit.post(Role.DISPATCHER, f"/api/v1/callups/{callup}/close", {"command_id": cid()})
    assert r.status_code == 201, r.text
    head = kit.log.head()
    late = crew.post("off-far", f"/api/v1/callups/{callup}/ack", {"coming": True})
    assert late.status_code == 422
    assert "closed" in late.json()["reason"]
    bad = kit.post(
        Role.DISPATCHER,
        "/api/v1/callups",
        {"command_id": cid(), "centre": THREAT, "radius_m": -5},
    )
    assert bad.status_code == 400
    assert (
        kit.post(
            Role.DISPATCHER, "/api/v1/callups/cu_nope/close", {"command_id": cid()}
        ).status_code
        == 404
    )
    assert kit.log.head() == head


def _frames_until_heartbeat(ws: Any) -> list[dict[str, Any]]:
    frames = []
    while True:
        frame = ws.receive_json()
        if frame["kind"] == "heartbeat":
            return frames
        frames.append(frame)


def test_the_live_feed_shows_assignments_and_call_ups_to_whom_they_concern(scene: Scene) -> None:
    crew = scene.crew
    kit = crew.kit
    check_in(crew, "off-near", status="off_duty", where={"lat": 31.7610, "lon": 35.2150})
    start = kit.log.head()
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/dispatch/assignments",
        {"command_id": cid(), "responder_id": crew.ids["cop"], "track_id": scene.track},
    )
    assert r.status_code == 201, r.text
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/callups",
        {"command_id": cid(), "centre": THREAT, "radius_m": 400, "capabilities": ["armed"]},
    )
    assert r.status_code == 201, r.text

    def seen(headers: dict[str, str]) -> list[str]:
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        with kit.client.websocket_connect(f"/api/v1/live?after={start}") as ws:
            ws.send_json({"kind": "auth", "token": token or None})  # null: anonymous
            return [f["type"] for f in _frames_until_heartbeat(ws)]

    assert seen(crew.headers["cop"]) == ["AssignmentMade"]  # not called: already assigned
    assert seen(crew.headers["off-near"]) == ["CallUpIssued"]
    assert seen(crew.headers["walker"]) == []
    assert seen(kit.auth(Role.DISPATCHER)) == ["AssignmentMade", "CallUpIssued"]
    assert seen(kit.auth(Role.ANALYST)) == ["AssignmentMade", "CallUpIssued"]
    assert seen(kit.auth(Role.RESIDENT)) == []
    assert seen({}) == []


# --- who may do what -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with _kit() as k:
        yield k


def _checked_in(kit: Kit, role: Role, status: str = "available") -> None:
    if role in (Role.RESPONDER, Role.MEDIC):
        caps = ["armed"] if role is Role.RESPONDER else ["medic"]
        r = kit.post(
            role,
            "/api/v1/responders/check-in",
            {
                "command_id": cid(),
                "kind": "volunteer",
                "capabilities": caps,
                "status": status,
                "where": BAKA,
            },
        )
        assert r.status_code == 201, r.text


def _free(kit: Kit, role: Role) -> str:
    """The kit's account for a role, checked in and with no active assignment."""
    account_id = kit.accounts[role]
    current = kit.client.app.state["runtime"].service.state.slice(Dispatch)
    found = current.active_assignment(account_id)
    if found is not None:
        r = kit.post(
            Role.ADMIN,
            f"/api/v1/dispatch/assignments/{found.assignment_id}/cancel",
            {"command_id": cid()},
        )
        assert r.status_code == 201, r.text
    _checked_in(kit, role)
    return account_id


def _assignment_for(kit: Kit) -> str:
    """A fresh assignment of the kit's responder account."""
    r = kit.post(
        Role.ADMIN,
        "/api/v1/dispatch/assignments",
        {
            "command_id": cid(),
            "responder_id": _free(kit, Role.RESPONDER),
            "incident_id": sos(kit, BAKA),
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _callup(kit: Kit) -> str:
    r = kit.post(
        Role.ADMIN, "/api/v1/callups", {"command_id": cid(), "centre": BAKA, "radius_m": 500}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _step(step: str) -> Callable[[Kit, Role], Any]:
    return lambda k, r: k.post(
        r, f"/api/v1/dispatch/assignments/{_assignment_for(k)}/{step}", {"command_id": cid()}
    )


Call = Callable[[Kit, Role], Any]

ENDPOINTS: dict[str, tuple[Call, set[Role]]] = {
    "GET /dispatch/recommendations": (
        lambda k, r: k.get(r, "/api/v1/dispatch/recommendations"),
        FIELD | READ_ALL,
    ),
    "GET /dispatch/assignments": (
        lambda k, r: k.get(r, "/api/v1/dispatch/assignments"),
        FIELD | READ_ALL,
    ),
    "POST /dispatch/assignments": (
        lambda k, r: k.post(
            r,
            "/api/v1/dispatch/assignments",
            {
                "command_id": cid(),
                "responder_id": _free(k, Role.MEDIC),
                "incident_id": sos(k, BAKA),
            },
        ),
        OPERATORS,
    ),
    # The responder acts on their own assignment; a medic on someone else's may not.
    "POST /dispatch/assignments/{id}/ack": (_step("ack"), OPERATORS | {Role.RESPONDER}),
    "POST /dispatch/assignments/{id}/arrived": (_step("arrived"), OPERATORS | {Role.RESPONDER}),
    "POST /dispatch/assignments/{id}/complete": (_step("complete"), OPERATORS | {Role.RESPONDER}),
    "POST /dispatch/assignments/{id}/cancel": (_step("cancel"), OPERATORS | {Role.RESPONDER}),
    "GET /callups": (lambda k, r: k.get(r, "/api/v1/callups"), FIELD | READ_ALL),
    "POST /callups": (
        lambda k, r: k.post(
            r, "/api/v1/callups", {"command_id": cid(), "centre": BAKA, "radius_m": 300}
        ),
        OPERATORS,
    ),
    "POST /callups/{id}/ack": (
        lambda k, r: (
            _checked_in(k, r, "off_duty"),
            k.post(r, f"/api/v1/callups/{_callup(k)}/ack", {"command_id": cid(), "coming": True}),
        )[1],
        {Role.RESPONDER, Role.MEDIC},
    ),
    "POST /callups/{id}/close": (
        lambda k, r: k.post(r, f"/api/v1/callups/{_callup(k)}/close", {"command_id": cid()}),
        OPERATORS,
    ),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_role_matrix(kit: Kit, endpoint: str, role: Role) -> None:
    call, allowed = ENDPOINTS[endpoint]
    head = kit.log.head()
    response = call(kit, role)
    if role in allowed:
        assert response.status_code in (200, 201), (endpoint, role, response.text)
    else:
        assert response.status_code in (401, 403), (endpoint, role, response.text)
        assert response.json()["reason"]
    assert head <= kit.log.head()


def test_recommendations_need_the_town_map() -> None:
    with api_kit() as kit:
        r = kit.get(Role.DISPATCHER, "/api/v1/dispatch/recommendations")
        assert r.status_code == 503
        assert "town map" in r.json()["reason"]
        assert "recommendations" not in kit.get(Role.DISPATCHER, "/api/v1/picture").json()
        assert kit.get(Role.DISPATCHER, "/api/v1/tracks").status_code == 200


def test_the_board_follows_the_clock_as_well_as_the_log(scene: Scene) -> None:
    kit = scene.crew.kit
    before = {i["id"]: i for i in kit.get(Role.DISPATCHER, "/api/v1/incidents").json()["incidents"]}
    kit.clock.advance(timedelta(minutes=10))
    after = {i["id"]: i for i in kit.get(Role.DISPATCHER, "/api/v1/incidents").json()["incidents"]}
    assert after[scene.injured]["waiting_s"] >= before[scene.injured]["waiting_s"] + 600
    assert after[scene.injured]["priority"] > before[scene.injured]["priority"]
