"""GET /api/v1/picture?view=around: the part of the picture around a place, for a responder's
phone on a weak link. Bad parameters are refused with a reason; what it holds is always a
subset of the caller's full picture (checked for every role that may ask, at random places
and radii); my task is in it however far away; and it counts what it left out."""

from __future__ import annotations

import gzip
import json
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.accounts import CreateAccount
from magen.domain.base import SYSTEM
from magen.domain.dispatch import distance_m
from magen.domain.values import Role
from support.apikit import Kit, api_kit, cid, password_hash
from support.bakapack import baka_pack

AREA_ROLES = (Role.ADMIN, Role.DISPATCHER, Role.RESPONDER, Role.MEDIC, Role.ANALYST)
NOT_FIELD = (Role.RESIDENT, Role.HOSPITAL, Role.REGISTRAR, Role.ANONYMOUS)

HERE = {"lat": 31.7650, "lon": 35.2120}  # the responder who is sent far
TASK = {"lat": 31.7560, "lon": 35.2200}  # ~1.3 km south-east of HERE
BESIDE = {"lat": 31.7652, "lon": 35.2125}  # an SOS 50 m from HERE
AWAY = {"lat": 31.7680, "lon": 35.2220}  # ~1 km from HERE and from the way to TASK
THREATS = [
    {"lat": 31.7655, "lon": 35.2115},  # beside HERE
    {"lat": 31.7565, "lon": 35.2205},  # beside TASK
    {"lat": 31.7682, "lon": 35.2224},  # beside AWAY
]


def _account(kit: Kit, role: Role) -> tuple[str, dict[str, str]]:
    runtime = kit.client.app.state["runtime"]
    command = CreateAccount(
        command_id=uuid.uuid4(),
        username=f"{role.value}-{uuid.uuid4().hex[:6]}",
        role=role,
        display_name=role.value,
        password_hash=password_hash(),
    )
    outcome = kit.client.blocking_portal.call(runtime.service.handle, SYSTEM, command)
    account_id = str(outcome.events[0].event.account_id)
    token = runtime.tokens.issue(account_id, role.value, kit.clock.now())[0]
    return account_id, {"Authorization": f"Bearer {token}"}


def _ok(r: Any) -> dict[str, Any]:
    assert r.status_code == 201, r.text
    return dict(r.json())


class Scene:
    def __init__(self, kit: Kit) -> None:
        self.kit = kit
        self.sent, self.sent_headers = _account(kit, Role.RESPONDER)
        body = {"kind": "police_on_duty", "capabilities": ["armed"], "where": HERE}
        _ok(
            kit.client.post(
                "/api/v1/responders/check-in",
                json={"command_id": cid(), **body},
                headers=self.sent_headers,
            )
        )
        # The kit's own responder and medic are on duty too, elsewhere.
        for role, where in ((Role.RESPONDER, TASK), (Role.MEDIC, AWAY)):
            kind = "medic" if role is Role.MEDIC else "volunteer"
            _ok(
                kit.post(
                    role,
                    "/api/v1/responders/check-in",
                    {"command_id": cid(), "kind": kind, "where": where},
                )
            )
        self.task_sos = self.sos(TASK, people=2)
        self.beside_sos = self.sos(BESIDE, people=1)
        self.away_sos = self.sos(AWAY, people=4)
        for where in THREATS:
            for role in (Role.DISPATCHER, Role.ADMIN, Role.RESPONDER):
                body = {"command_id": cid(), "where": where, "count": 2, "armed": "yes"}
                _ok(kit.post(role, "/api/v1/sightings", body))
        for where in (TASK, AWAY):
            area = {"kind": "circle", **where, "radius_m": 60}
            body = {"command_id": cid(), "area": area, "reason": "armed_attackers"}
            _ok(kit.post(Role.DISPATCHER, "/api/v1/danger-areas", body))
        body = {"command_id": cid(), "responder_id": self.sent, "incident_id": self.task_sos}
        self.assignment = _ok(kit.post(Role.DISPATCHER, "/api/v1/dispatch/assignments", body))["id"]

    def sos(self, where: dict[str, float], **extra: Any) -> str:
        body = {"command_id": cid(), "where": where, **extra}
        return str(_ok(self.kit.post(Role.RESIDENT, "/api/v1/sos", body))["id"])

    def get(self, who: Role | str, path: str) -> Any:
        headers = self.sent_headers if who == "sent" else self.kit.auth(Role(who))
        return self.kit.client.get(path, headers=headers)


@pytest.fixture(scope="module")
def scene() -> Iterator[Scene]:
    with api_kit(town=baka_pack()) as kit:
        yield Scene(kit)


def _ids(view: dict[str, Any], name: str) -> set[str]:
    return {x["id"] for x in view.get(name, [])}


def _refused(scene: Scene, who: Role | str, query: str, status: int, says: str) -> None:
    head = scene.kit.log.head()
    r = scene.get(who, "/api/v1/picture?" + query)
    assert r.status_code == status, (query, r.text)
    assert says in r.json()["reason"], (query, r.json())
    assert scene.kit.log.head() == head


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("view=sideways", "view"),
        ("view=around&near=35.2", "<lon>,<lat>"),
        ("view=around&near=35.2,31.7,5", "<lon>,<lat>"),
        ("view=around&near=east,north", "<lon>,<lat>"),
        ("view=around&near=nan,31.7", "finite"),
        ("view=around&near=35.2,inf", "finite"),
        ("view=around&near=181,31.7", "out of range"),
        ("view=around&near=35.2,-90.5", "out of range"),
        ("view=around&near=35.2,31.7&radius_m=99", "radius_m"),
        ("view=around&near=35.2,31.7&radius_m=20001", "radius_m"),
        ("view=around&near=35.2,31.7&radius_m=wide", "radius_m"),
        ("near=35.2,31.7", "only to view=around"),
        ("view=full&radius_m=500", "only to view=around"),
    ],
)
def test_bad_parameters_are_refused_with_a_reason(scene: Scene, query: str, says: str) -> None:
    _refused(scene, Role.RESPONDER, query, 400, says)


def test_who_may_not_or_cannot_have_an_area_view_is_told_why(scene: Scene) -> None:
    for role in NOT_FIELD:
        _refused(scene, role, "view=around&near=35.2,31.7", 403, "field roles")
    # No position named and none of theirs known (a dispatcher never checks in).
    _refused(scene, Role.DISPATCHER, "view=around", 422, "no position of yours")


def test_the_openapi_document_names_the_parameters(scene: Scene) -> None:
    doc = scene.kit.client.get("/api/v1/schema/openapi.json").json()
    params = {p["name"]: p for p in doc["paths"]["/api/v1/picture"]["get"]["parameters"]}
    assert set(params) >= {"view", "near", "radius_m"}
    assert params["view"]["schema"]["enum"] == ["full", "around"]
    radius = params["radius_m"]["schema"]
    assert (radius["minimum"], radius["maximum"]) == (100, 20000)
    assert "<lon>,<lat>" in params["near"]["description"]


def test_my_far_task_is_in_my_view_around_my_own_position(scene: Scene) -> None:
    full = scene.get("sent", "/api/v1/picture").json()
    view = scene.get("sent", "/api/v1/picture?view=around&radius_m=300").json()
    scope = view["scope"]
    assert scope["near_from"] == "my_position"
    assert scope["near"] == [HERE["lon"], HERE["lat"]]
    assert scope["radius_m"] == 300
    # My assignment, routed, with its target's incident and SOS, 1.3 km away.
    [mine] = view["assignments"]
    assert mine["id"] == scene.assignment
    assert mine["route"] is not None
    [incident] = [i for i in view["incidents"] if scene.task_sos in i["sos_ids"]]
    assert scene.task_sos in _ids(view, "sos")
    assert distance_m(HERE["lon"], HERE["lat"], incident["lon"], incident["lat"]) > 1000
    # Near me and near my task: the SOS beside me, the threats and the danger area by the task.
    assert scene.beside_sos in _ids(view, "sos")
    kept = [(t["lat"], t["lon"]) for t in view["tracks"]]
    for where in THREATS[:2]:
        assert any(distance_m(lon, lat, where["lon"], where["lat"]) < 100 for lat, lon in kept)
    assert any(d["area"]["lat"] == TASK["lat"] for d in view["danger_areas"])
    # Not near me, my task or my way there: left out, and counted.
    assert scene.away_sos not in _ids(view, "sos")
    far = THREATS[2]
    assert not any(distance_m(lon, lat, far["lon"], far["lat"]) < 100 for lat, lon in kept)
    assert all(d["area"]["lat"] != AWAY["lat"] for d in view["danger_areas"])
    assert _ids(view, "responders") == {scene.sent}
    omitted = scope["omitted"]
    for name in ("sos", "tracks", "danger_areas", "responders", "incidents", "sightings"):
        assert omitted[name] == len(full[name]) - len(view.get(name, [])) > 0, name
    assert "recommendations" in scope["left_out"]
    assert "sightings" not in view


def test_an_area_view_is_gzipped_for_a_client_that_takes_it(scene: Scene) -> None:
    headers = {**scene.sent_headers, "Accept-Encoding": "gzip"}
    path = "/api/v1/picture?view=around&radius_m=2000"
    with scene.kit.client.stream("GET", path, headers=headers) as r:
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        body = json.loads(gzip.decompress(b"".join(r.iter_raw())))
    assert body["scope"]["view"] == "around"
    assert body["position"] == scene.kit.log.head()


def _check_subset(full: dict[str, Any], view: dict[str, Any]) -> None:
    """Everything in the view is in the full picture, as it is there; the scope counts the rest."""
    scope = view["scope"]
    assert set(view) - {"scope"} <= set(full)
    for name, value in full.items():
        if name in {"position", "role", "generated_at"}:
            assert view[name] == value
        elif name not in view:
            if isinstance(value, list):
                assert scope["omitted"][name] == len(value), name
            else:
                assert name in scope["left_out"], name
        else:
            assert isinstance(value, list), name
            assert all(item in value for item in view[name]), name
            assert len({json.dumps(x, sort_keys=True) for x in view[name]}) == len(view[name])
            assert scope["omitted"][name] == len(value) - len(view[name]), name


def _within(item: dict[str, Any], lon: float, lat: float, radius: float) -> bool:
    return distance_m(lon, lat, item["lon"], item["lat"]) <= radius - 1.0  # 1 m: the projection


@pytest.mark.parametrize("role", AREA_ROLES)
def test_an_area_view_is_only_ever_part_of_the_full_picture(scene: Scene, role: Role) -> None:
    rng = random.Random(f"around-{role.value}")
    full = scene.get(role, "/api/v1/picture").json()
    assert all(full[name] for name in ("tracks", "sos", "danger_areas"))
    for _ in range(15):
        lon = 35.2160 + rng.uniform(-0.02, 0.02)
        lat = 31.7615 + rng.uniform(-0.02, 0.02)
        radius = rng.choice([100, rng.randint(100, 20000), rng.randint(100, 1500)])
        r = scene.get(role, f"/api/v1/picture?view=around&near={lon},{lat}&radius_m={radius}")
        assert r.status_code == 200, r.text
        view = r.json()
        assert view["position"] == full["position"]
        _check_subset(full, view)
        # What is within the radius by its centre is never left out.
        for name in ("tracks", "incidents", "sos"):
            inside = {x["id"] for x in full[name] if _within(x, lon, lat, radius)}
            assert inside <= _ids(view, name), name
        circles = [d for d in full["danger_areas"] if d["area"]["kind"] == "circle"]
        inside = {d["id"] for d in circles if _within(d["area"], lon, lat, radius)}
        assert inside <= _ids(view, "danger_areas")
        # Mine, wherever it is.
        me = scene.kit.accounts.get(role)
        assert _ids(view, "assignments") == {
            a["id"] for a in full.get("assignments", []) if a["responder_id"] == me
        }
    if role in (Role.RESPONDER, Role.MEDIC):  # around my own last position, when I name none
        view = scene.get(role, "/api/v1/picture?view=around").json()
        assert view["scope"]["near_from"] == "my_position"
        assert view["scope"]["radius_m"] == 2000
        _check_subset(full, view)
        assert _ids(view, "responders") == {scene.kit.accounts[role]}


def test_the_sent_responders_view_is_part_of_theirs(scene: Scene) -> None:
    full = scene.get("sent", "/api/v1/picture").json()
    for radius in (100, 1000, 20000):
        view = scene.get("sent", f"/api/v1/picture?view=around&radius_m={radius}").json()
        _check_subset(full, view)
        assert _ids(view, "assignments") == {scene.assignment}
    # 20 km around me covers the whole town: every threat, call and danger area is in it.
    for name in ("tracks", "incidents", "sos", "danger_areas"):
        assert view[name] == full[name], name
        assert view["scope"]["omitted"][name] == 0
