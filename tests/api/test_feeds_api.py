"""The picture's standard feeds through the API: CoT for TAK clients (and a device's position
in), GeoJSON for GIS."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from magen.domain.picture import Picture
from magen.domain.values import Role
from support.apikit import BAKA, Kit, baka_kit, cid, ok

NEAR = {"lat": BAKA["lat"] + 0.0005, "lon": BAKA["lon"]}
SQUARE = [
    [35.2150, 31.7600],
    [35.2170, 31.7600],
    [35.2170, 31.7620],
    [35.2150, 31.7620],
    [35.2150, 31.7600],
]


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with baka_kit() as k:
        yield k


@pytest.fixture(scope="module")
def scene(kit: Kit) -> dict[str, str]:
    """A confirmed track, an open SOS, a responder on duty and two danger areas."""
    sighting = {"command_id": cid(), "where": BAKA, "count": 4, "armed": "yes"}
    first = ok(kit.post(Role.DISPATCHER, "/api/v1/sightings", sighting))["id"]
    ok(kit.post(Role.RESPONDER, "/api/v1/sightings", {**sighting, "command_id": cid()}))
    sos = ok(
        kit.post(
            Role.RESIDENT,
            "/api/v1/sos",
            {"command_id": cid(), "where": NEAR, "people": 3, "injured": 1, "silent": True},
        )
    )["id"]
    ok(
        kit.post(
            Role.RESPONDER,
            "/api/v1/responders/check-in",
            {
                "command_id": cid(),
                "kind": "police_off_duty",
                "capabilities": ["armed"],
                "status": "available",
                "where": NEAR,
            },
        )
    )
    circle = {"kind": "circle", "lat": BAKA["lat"], "lon": BAKA["lon"], "radius_m": 250}
    area = {"command_id": cid(), "area": circle, "reason": "armed_attackers"}
    danger = ok(kit.post(Role.ADMIN, "/api/v1/danger-areas", area))["id"]
    square = {"kind": "polygon", "ring": SQUARE}
    area = {"command_id": cid(), "area": square, "reason": "armed_attackers"}
    polygon = ok(kit.post(Role.ADMIN, "/api/v1/danger-areas", area))["id"]
    fuser = kit.client.app.state["runtime"].service.state.slice(Picture).fuser
    return {
        "sighting": first,
        "track": str(fuser.track_of(first)),
        "sos": sos,
        "responder": kit.accounts[Role.RESPONDER],
        "danger": danger,
        "polygon": polygon,
    }


def _cot(kit: Kit, role: Role, query: str = "", **headers: str) -> etree._Element:
    r = kit.client.get(f"/api/v1/cot{query}", headers={**kit.auth(role), **headers})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/xml")
    return etree.fromstring(r.content)


def _by_uid(doc: etree._Element) -> dict[str, etree._Element]:
    return {str(e.get("uid")): e for e in doc.iterfind("event")}


def test_the_dispatcher_sees_the_whole_picture_as_tak_events(
    kit: Kit, scene: dict[str, str]
) -> None:
    events = _by_uid(_cot(kit, Role.DISPATCHER))
    track = events[f"magen-track-{scene['track']}"]
    assert track.get("type", "").startswith(("a-h-G", "a-s-G"))  # hostile, or suspect
    assert track.get("how") == "m-f"
    contact = track.find("detail/contact")
    assert contact is not None
    assert "attackers" in str(contact.get("callsign"))
    sos = events[f"magen-sos-{scene['sos']}"]
    assert sos.get("type") == "b-m-p-s-m"
    remarks = sos.findtext("detail/remarks") or ""
    assert "people 3" in remarks
    assert "approach quietly" in remarks
    responder = events[f"magen-responder-{scene['responder']}"]
    assert responder.get("type") == "a-f-G-U-C-I"
    point = responder.find("point")
    assert point is not None
    assert (float(point.get("lat") or 0), float(point.get("lon") or 0)) == (
        NEAR["lat"],
        NEAR["lon"],
    )
    circle = events[f"magen-danger-{scene['danger']}"]
    assert circle.get("type") == "u-d-c-c"
    assert float(circle.find("detail/shape/ellipse").get("major") or 0) == 250  # type: ignore[union-attr]
    polygon = events[f"magen-danger-{scene['polygon']}"]
    assert polygon.get("type") == "u-d-f"
    links = [p.get("point") for p in polygon.iterfind("detail/link")]
    assert links[0] == links[-1] == "31.76,35.215"
    assert len(links) == 5


def test_every_event_goes_stale_after_the_asked_interval(kit: Kit, scene: dict[str, str]) -> None:
    now = kit.clock.now()
    for query, seconds in (("", 300), ("?stale_s=60", 60)):
        for e in _cot(kit, Role.DISPATCHER, query).iterfind("event"):
            made = datetime.fromisoformat(str(e.get("time")))
            stale = datetime.fromisoformat(str(e.get("stale")))
            start = datetime.fromisoformat(str(e.get("start")))
            assert abs((made - now).total_seconds()) < 0.01
            assert stale - made == timedelta(seconds=seconds)
            assert start <= made


def test_labels_in_the_readers_language(kit: Kit, scene: dict[str, str]) -> None:
    events = _by_uid(_cot(kit, Role.DISPATCHER, "?lang=he"))
    contact = events[f"magen-track-{scene['track']}"].find("detail/contact")
    assert contact is not None
    assert "מחבלים" in str(contact.get("callsign"))
    circle = events[f"magen-danger-{scene['danger']}"].find("detail/contact")
    assert circle is not None
    assert any("\u0590" <= c <= "\u05ff" for c in str(circle.get("callsign")))


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ANONYMOUS] + [Role.ANONYMOUS])
def test_each_role_gets_only_what_its_picture_shows(
    kit: Kit, scene: dict[str, str], role: Role
) -> None:
    """Every thing in the CoT feed is in the role's own picture: the same read rules."""
    picture = kit.get(role, "/api/v1/picture").json()
    shown = {("track", t["id"]) for t in picture.get("tracks") or ()}
    shown |= {("sos", s["id"]) for s in picture.get("sos") or ()}
    shown |= {("responder", r["id"]) for r in picture.get("responders") or ()}
    shown |= {("danger", d["id"]) for d in picture.get("danger_areas") or ()}
    for e in _cot(kit, role).iterfind("event"):
        item = e.find("detail/__magen")
        assert item is not None, e.get("uid")
        name = {"danger_area": "danger"}.get(str(item.get("kind")), str(item.get("kind")))
        assert (name, item.get("id")) in shown, (role, name, item.get("id"))
    uids = set(_by_uid(_cot(kit, role)))
    if role in (Role.ANONYMOUS, Role.RESIDENT, Role.HOSPITAL, Role.REGISTRAR):
        assert f"magen-responder-{scene['responder']}" not in uids
        assert f"magen-track-{scene['track']}" not in uids
    if role is Role.RESIDENT:
        assert f"magen-sos-{scene['sos']}" in uids  # their own call
    if role is Role.ANONYMOUS:
        assert f"magen-sos-{scene['sos']}" not in uids
        assert f"magen-danger-{scene['danger']}" in uids  # the public layer


def test_the_feed_is_gzipped_for_a_client_that_takes_it(kit: Kit, scene: dict[str, str]) -> None:
    r = kit.client.get(
        "/api/v1/cot", headers={**kit.auth(Role.DISPATCHER), "Accept-Encoding": "gzip"}
    )
    assert r.status_code == 200
    assert etree.fromstring(r.content).tag == "events"  # the client undid the gzip
    raw = kit.client.get(
        "/api/v1/cot", headers={**kit.auth(Role.DISPATCHER), "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content)


@pytest.mark.parametrize("query", ["?lang=fr", "?stale_s=5", "?stale_s=99999", "?stale_s=x"])
def test_bad_parameters_are_refused_with_a_reason(kit: Kit, query: str) -> None:
    r = kit.get(Role.DISPATCHER, f"/api/v1/cot{query}")
    assert r.status_code == 400, r.text
    assert r.json()["reason"]


def _position(
    lat: float = 31.7620,
    lon: float = 35.2170,
    *,
    uid: str = "ANDROID-1",
    t: str = "",
    kind: str = "a-f-G-U-C",
) -> bytes:
    return (
        f'<event version="2.0" uid="{uid}" type="{kind}" how="m-g" time="{t}" start="{t}"'
        f' stale="{t}"><point lat="{lat}" lon="{lon}" hae="780" ce="8" le="9999999.0"/>'
        f'<detail><contact callsign="OFAKIM-3"/></detail></event>'
    ).encode()


def _post(kit: Kit, role: Role, body: bytes, kind: str = "application/xml") -> Any:
    return kit.client.post(
        "/api/v1/cot", content=body, headers={**kit.auth(role), "Content-Type": kind}
    )


def _stamp(kit: Kit, seconds_ago: float = 5) -> str:
    t = kit.clock.now() - timedelta(seconds=seconds_ago)
    return t.isoformat().replace("+00:00", "Z")


def _where(kit: Kit, responder: str) -> dict[str, Any]:
    picture = kit.get(Role.DISPATCHER, "/api/v1/picture").json()
    (me,) = [r for r in picture["responders"] if r["id"] == responder]
    return dict(me)


def test_a_tak_devices_position_moves_its_responder(kit: Kit, scene: dict[str, str]) -> None:
    kit.clock.advance(timedelta(seconds=30))  # a fix newer than the check-in's position
    t = _stamp(kit)
    body = _position(uid="ANDROID-move", t=t)
    head = kit.log.head()
    r = _post(kit, Role.RESPONDER, body)
    assert r.status_code == 201, r.text
    assert kit.log.head() == head + 1
    me = _where(kit, scene["responder"])
    assert (me["lat"], me["lon"]) == (31.7620, 35.2170)
    # The same event again (a TAK client resends on reconnect) is the same report.
    again = _post(kit, Role.RESPONDER, body)
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert kit.log.head() == head + 1
    # The same uid and time at another place is not a retry: refused, nothing appended.
    other = _post(kit, Role.RESPONDER, _position(31.7, 35.2, uid="ANDROID-move", t=t))
    assert other.status_code == 409, other.text
    assert kit.log.head() == head + 1


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("hostile", 422),
        ("a month old", 422),
        ("malformed", 400),
        ("dtd", 400),
        ("json", 415),
        ("resident", 403),
        ("anonymous", 403),
    ],
)
def test_a_bad_position_report_is_refused_and_appends_nothing(
    kit: Kit, scene: dict[str, str], case: str, status: int
) -> None:
    t = _stamp(kit)
    role, body, kind = Role.RESPONDER, _position(uid=f"ANDROID-{case}", t=t), "application/xml"
    if case == "hostile":
        body = _position(uid="A-h", t=t, kind="a-h-G")
    elif case == "a month old":  # a device clock far off: refused (a fast one is taken as now)
        body = _position(uid="A-old", t=_stamp(kit, 31 * 86400))
    elif case == "malformed":
        body = body[:-10]
    elif case == "dtd":
        body = b'<!DOCTYPE event [<!ENTITY x "y">]>' + body
    elif case == "json":
        kind = "application/json"
    elif case == "resident":
        role = Role.RESIDENT
    elif case == "anonymous":
        role = Role.ANONYMOUS
    head = kit.log.head()
    r = _post(kit, role, body, kind)
    assert r.status_code == status, r.text
    assert r.json()["reason"]
    assert kit.log.head() == head


def test_a_position_before_check_in_is_refused(kit: Kit) -> None:
    head = kit.log.head()
    r = _post(kit, Role.MEDIC, _position(uid="ANDROID-medic", t=_stamp(kit)))
    assert r.status_code == 404, r.text
    assert "check in" in r.json()["reason"]
    assert kit.log.head() == head


def test_the_picture_as_geojson_for_gis(kit: Kit, scene: dict[str, str]) -> None:
    r = kit.client.get("/api/v1/picture.geojson", headers=kit.auth(Role.DISPATCHER))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    ids = {f["id"] for f in fc["features"]}
    for kind, key in (("track", "track"), ("sos", "sos"), ("responder", "responder")):
        assert f"{kind}-{scene[key]}" in ids
    assert f"sighting-{scene['sighting']}" in ids
    circle = next(f for f in fc["features"] if f["id"] == f"danger_area-{scene['danger']}")
    assert circle["geometry"]["type"] == "Polygon"
    assert circle["properties"]["radius_m"] == 250
    assert fc["position"] == kit.log.head()


@pytest.mark.parametrize("role", list(Role))
def test_geojson_shows_a_role_only_its_own_picture(
    kit: Kit, scene: dict[str, str], role: Role
) -> None:
    picture = kit.get(role, "/api/v1/picture").json()
    allowed = {
        f"{kind}-{item['id']}"
        for section, kind in (
            ("tracks", "track"),
            ("sightings", "sighting"),
            ("sos", "sos"),
            ("responders", "responder"),
            ("danger_areas", "danger_area"),
        )
        for item in picture.get(section) or ()
    }
    fc = kit.get(role, "/api/v1/picture.geojson").json()
    assert {f["id"] for f in fc["features"]} <= allowed
