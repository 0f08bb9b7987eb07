"""CAP 1.2 from upstream through the API: whose message Magen sends, barrage alerts with many
areas, valid messages about other places, areas Magen cannot place, ends of what is over."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from lxml import etree

from magen.alerts.capxml import decode_cap, validate_cap
from magen.config import Settings
from magen.domain.values import Role
from support.apikit import START, Kit, api_kit, baka_kit, cid, ok
from support.bakapack import baka_pack

ATOM = "{http://www.w3.org/2005/Atom}"
HFC = "pikud-haoref@idf.il"
SENT = "2023-10-07T09:29:50+03:00"  # START less ten seconds, in Israel's time
EXPIRES = "2023-10-07T09:40:00+03:00"  # ten minutes after START
# A square over the middle of Baka and one over Be'er Sheva, as CAP writes them (lat,lon).
BAKA_SQUARE = "31.7590,35.2140 31.7640,35.2140 31.7640,35.2200 31.7590,35.2200 31.7590,35.2140"
NEGEV = "31.25,34.79 31.26,34.79 31.26,34.80 31.25,34.80 31.25,34.79"


@pytest.fixture
def kit() -> Iterator[Kit]:
    with baka_kit() as k:
        yield k


def area(desc: str, shape: str = "") -> str:
    return f"<area><areaDesc>{desc}</areaDesc>{shape}</area>"


def hfc(
    identifier: str,
    *areas: str,
    event: str = "ירי רקטות וטילים",
    msg_type: str = "Alert",
    references: str = "",
    sender: str = HFC,
    category: str = "Security",
    expires: str = EXPIRES,
    response: str = "",
) -> bytes:
    """A message shaped as the Home Front Command's: one Hebrew info, no response type."""
    refs = f"<references>{references}</references>" if references else ""
    response_xml = f"<responseType>{response}</responseType>" if response else ""
    body = "".join(areas) or area("ירושלים - דרום", f"<polygon>{BAKA_SQUARE}</polygon>")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{sender}</sender>
  <sent>{SENT}</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {refs}
  <info>
    <language>he-IL</language>
    <category>{category}</category>
    <event>{event}</event>
    {response_xml}
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <expires>{expires}</expires>
    <senderName>פיקוד העורף</senderName>
    <headline>{event}</headline>
    <instruction>היכנסו למרחב המוגן ושהו בו 10 דקות</instruction>
    {body}
  </info>
</alert>""".encode()


def settle(kit: Kit) -> int:
    """The log's head once the guidance has caught up with it."""
    guidance = kit.client.app.state["runtime"].guidance
    kit.client.blocking_portal.call(guidance.settled)
    return kit.log.head()


def post_cap(kit: Kit, data: bytes) -> Any:
    headers = {**kit.auth(Role.DISPATCHER), "Content-Type": "application/cap+xml"}
    return kit.client.post("/api/v1/cap/import", content=data, headers=headers)


def feed_messages(kit: Kit) -> list[bytes]:
    root = etree.fromstring(kit.client.get("/api/v1/cap/feed").content)
    out = []
    for entry in root.findall(f"{ATOM}entry"):
        [alert] = entry.find(f"{ATOM}content")  # type: ignore[union-attr]
        out.append(etree.tostring(alert, xml_declaration=True, encoding="UTF-8"))
    return out


def ref(identifier: str) -> str:
    return f"{HFC},{identifier},{SENT}"


# --- #1: Magen's messages about an upstream alert are Magen's own ---------------------------


def test_an_imported_alert_is_republished_under_magens_identity_naming_the_upstream(
    kit: Kit,
) -> None:
    r = post_cap(kit, hfc("1334"))
    assert r.status_code == 201, r.text
    alert_id = r.json()["id"]
    r = post_cap(kit, hfc("1335", msg_type="Update", references=ref("1334")))
    assert r.status_code == 201, r.text
    r = post_cap(
        kit,
        hfc("1336", msg_type="Cancel", references=f"{ref('1334')} {ref('1335')}"),
    )
    assert r.status_code == 201, r.text

    messages = [decode_cap(x) for x in feed_messages(kit)]
    for xml in feed_messages(kit):
        validate_cap(xml)
    # No message in the feed claims the Home Front Command's identity...
    assert all(m.sender != HFC for m in messages)
    assert not {m.identifier for m in messages} & {"1334", "1335", "1336"}
    assert kit.client.get("/api/v1/cap/alerts/1334.xml").status_code == 404
    # ...and Magen's own three messages name the upstream ones they relay, and chain.
    ours = sorted((m for m in messages if alert_id in m.identifier), key=lambda m: m.identifier)
    first = next(m for m in ours if m.msg_type == "Alert")
    later = [m for m in ours if m is not first]
    assert len(later) == 2
    assert [(r.sender, r.identifier) for r in first.references] == [(HFC, "1334")]
    assert first.identifier == f"magen-{alert_id}"
    for m in later:
        assert m.msg_type == "Update"
        named = {(r.sender, r.identifier) for r in m.references}
        assert (first.sender, first.identifier) in named
        assert (HFC, "1334") in named
    last = max(later, key=lambda m: len(m.references))
    assert {r.identifier for r in last.references} >= {"1334", "1335", "1336"}
    assert all(i.response_types == ("AllClear",) for i in last.infos)
    single = kit.client.get(f"/api/v1/cap/alerts/magen-{alert_id}.xml")
    assert single.status_code == 200
    assert decode_cap(single.content) == first


# --- #5: a barrage alert names many places; Magen keeps those over the town ------------------


@pytest.mark.parametrize("others", [60, 400])
def test_an_alert_with_hundreds_of_other_areas_imports_with_the_towns_area(
    kit: Kit, others: int
) -> None:
    elsewhere = [
        area(f"Negev {n}", f"<circle>{31.0 + n / 1000:.3f},34.8 1</circle>") for n in range(others)
    ]
    data = hfc(
        f"barrage-{others}",
        *elsewhere[:3],
        area("ירושלים - דרום", f"<polygon>{BAKA_SQUARE}</polygon>"),
        *elsewhere[3:],
    )
    r = post_cap(kit, data)
    assert r.status_code == 201, r.text
    alert = next(
        a
        for a in ok(kit.get(Role.ANONYMOUS, "/api/v1/alerts"))["alerts"]
        if a["id"] == r.json()["id"]
    )
    assert alert["zones"]
    # Only the area over the town is kept: the other places are not this town's business.
    assert [a["kind"] for a in alert["areas"]] == ["polygon"]
    assert alert["areas"][0]["ring"][0] == [35.214, 31.759]


# --- #8: valid messages about other places, or about an event Magen cannot map --------------


def test_a_valid_message_about_another_place_with_a_foreign_event_is_not_an_error(
    kit: Kit,
) -> None:
    head = settle(kit)
    tornado = hfc(
        "urn:oid:2.49.0.1.840.0.1",
        area(
            "Cleveland, OK",
            "<polygon>35.31,-97.56 35.38,-97.41 35.30,-97.38 35.25,-97.52 35.31,-97.56</polygon>",
        ),
        sender="w-nws.webmaster@noaa.gov",
        event="Tornado Warning",
        category="Met",
    )
    r = post_cap(kit, tornado)
    assert r.status_code == 200, r.text
    assert r.json()["imported"] is False
    assert "none of this town's zones" in r.json()["reason"]
    # The same, naming another town's zone, is not this town's either.
    r = post_cap(
        kit,
        hfc(
            "x-2",
            area(
                "Tel Aviv 7",
                "<geocode><valueName>magen:zone</valueName><value>tel-aviv-7</value></geocode>",
            ),
            event="Tornado Warning",
            category="Met",
        ),
    )
    assert r.status_code == 200, r.text
    assert r.json()["imported"] is False
    assert settle(kit) == head


def test_an_event_magen_cannot_map_inside_the_town_is_422_naming_it(kit: Kit) -> None:
    head = settle(kit)
    r = post_cap(kit, hfc("met-1", event="Tornado Warning", category="Met"))
    assert r.status_code == 422, r.text
    assert r.json()["error"] != "invalid_cap"
    assert "'Tornado Warning'" in r.json()["reason"]
    assert "this town" in r.json()["reason"]
    assert settle(kit) == head


# --- #9: areas given only by name --------------------------------------------------------------


def test_areas_magen_cannot_place_are_named_not_called_another_area(kit: Kit) -> None:
    named = area(
        "ירושלים - דרום",
        "<geocode><valueName>HFC-area</valueName><value>ירושלים - דרום</value></geocode>",
    )
    r = post_cap(kit, hfc("name-1", named, area("בית שמש")))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["imported"] is False
    assert body["reason"].startswith("Magen cannot place the message's areas")
    assert "ירושלים - דרום; בית שמש" in body["reason"]
    assert "another area" not in body["reason"]


# --- #13: an end of what has already ended -----------------------------------------------------


def test_a_cancel_for_an_alert_that_expired_or_ended_is_already_over(kit: Kit) -> None:
    assert post_cap(kit, hfc("exp-1")).status_code == 201
    kit.clock.advance(timedelta(minutes=15))  # past its expiry
    head = settle(kit)
    cancel = hfc("exp-2", msg_type="Cancel", references=ref("exp-1"))
    r = post_cap(kit, cancel)
    assert r.status_code == 200, r.text
    assert r.json()["imported"] is False
    assert "already over" in r.json()["reason"]
    assert "expired" in r.json()["reason"]
    all_clear = hfc(
        "exp-3",
        msg_type="Update",
        references=ref("exp-1"),
        event="האירוע הסתיים",
        response="AllClear",
    )
    r = post_cap(kit, all_clear)
    assert r.status_code == 200, r.text
    assert "already over" in r.json()["reason"]
    assert settle(kit) == head

    # Ended by an earlier cancel: a second cancel is already over too.
    later = (START + timedelta(minutes=30)).astimezone()
    expires = later.replace(microsecond=0) + timedelta(minutes=10)
    assert post_cap(kit, hfc("end-1", expires=expires.isoformat())).status_code == 201
    assert (
        post_cap(kit, hfc("end-2", msg_type="Cancel", references=ref("end-1"))).status_code == 201
    )
    head = settle(kit)
    r = post_cap(kit, hfc("end-3", msg_type="Cancel", references=ref("end-1")))
    assert r.status_code == 200, r.text
    assert "already over (ended" in r.json()["reason"]
    # An all clear with no reference, for zones where nothing holds, is already over as well.
    r = post_cap(kit, hfc("end-4", event="האירוע הסתיים", response="AllClear"))
    assert r.status_code == 200, r.text
    assert "already over" in r.json()["reason"]
    assert settle(kit) == head


def test_a_cancel_for_something_never_imported_is_still_refused(kit: Kit) -> None:
    r = post_cap(kit, hfc(f"c-{cid()}", msg_type="Cancel", references=ref("never")))
    assert r.status_code == 404, r.text
    assert "none of the referenced" in r.json()["reason"]


def test_another_magens_relay_of_an_alert_already_here_is_not_a_second_alert(kit: Kit) -> None:
    with baka_kit() as peer:
        r = post_cap(peer, hfc("relay-1"))
        assert r.status_code == 201, r.text
        relay = peer.client.get(f"/api/v1/cap/alerts/magen-{r.json()['id']}.xml").content
        assert post_cap(kit, hfc("relay-1")).status_code == 201
        head = settle(kit)
        r = post_cap(kit, relay)
        assert r.status_code == 200, r.text
        assert r.json()["imported"] is False
        assert "relays CAP message relay-1 from pikud-haoref@idf.il" in r.json()["reason"]
        assert settle(kit) == head

        # Our own alert, relayed back by a peer, is not a new alert either.
        mine = ok(
            kit.post(
                Role.DISPATCHER,
                "/api/v1/alerts",
                {"command_id": cid(), "category": "earthquake", "zone_ids": ["baka-c3"]},
            )
        )["id"]
        ours = kit.client.get(f"/api/v1/cap/alerts/magen-{mine}.xml").content
        r = post_cap(peer, ours)
        assert r.status_code == 201, r.text
        back = peer.client.get(f"/api/v1/cap/alerts/magen-{r.json()['id']}.xml").content
        head = settle(kit)
        r = post_cap(kit, back)
        assert r.status_code == 200, r.text
        assert f"relays this server's own message magen-{mine}" in r.json()["reason"]
        assert settle(kit) == head


# --- the deployment's own sender -------------------------------------------------------------


def test_the_sender_is_the_deployments_own_when_set() -> None:
    """Two servers for one town would otherwise both be magen@baka.invalid (CAP 1.2 3.2.1:
    the sender identifies the originator)."""
    with api_kit(town=baka_pack(), cap_sender="magen@baka.muni.example") as k:
        r = post_cap(k, hfc("1701"))
        assert r.status_code == 201, r.text
        messages = [decode_cap(x) for x in feed_messages(k)]
        assert messages
        assert {m.sender for m in messages} == {"magen@baka.muni.example"}
        # Its own message coming back (a peer relaying it) is known as its own.
        again = post_cap(k, feed_messages(k)[0])
        assert again.status_code == 200, again.text
        assert again.json()["imported"] is False


@pytest.mark.parametrize("bad", ["magen at baka", "magen@baka,il", "a<b@x", "a&b@x"])
def test_a_sender_cap_cannot_carry_is_refused_at_start(bad: str) -> None:
    with pytest.raises(ValueError, match="MAGEN_CAP_SENDER"):
        Settings(database="memory://", secret=b"s" * 32, cap_sender=bad)
