"""What the resident page polls says what the page says: attackers in the town, and the time.

`GET /api/v1/alerts` (polled before a place is given) carries `ground_threat_in_town`, computed
by the one function the page's own line is made by; `GET /api/v1/guidance` (polled once a
place is given) carries the server's `now`, in its tag too: a 304 never hands back an old one.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from magen.domain.values import Role
from support.apikit import Kit, api_kit, cid, ok
from support.bakapack import baka_pack

HERE = {"lat": 31.7615, "lon": 35.2160}
LINE = "data-ground-threat"  # the page's line: attackers in the town, stay inside


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def _alerts(kit: Kit) -> dict[str, object]:
    return dict(ok(kit.client.get("/api/v1/alerts")))


def _page_says_it(kit: Kit) -> bool:
    r = kit.client.get("/resident?lang=en")
    assert r.status_code == 200, r.text
    return LINE in r.text


def test_the_alerts_answer_says_attackers_are_in_the_town_as_the_page_does(kit: Kit) -> None:
    quiet = _alerts(kit)
    assert quiet["ground_threat_in_town"] is False
    assert _page_says_it(kit) is False
    # The answer's other fields are as they were.
    assert set(quiet) == {"position", "now", "alerts", "ground_threat_in_town"}
    area = {"kind": "circle", "lat": HERE["lat"], "lon": HERE["lon"], "radius_m": 60}
    declared = ok(
        kit.post(
            Role.DISPATCHER,
            "/api/v1/danger-areas",
            {"command_id": cid(), "area": area, "reason": "armed_attackers"},
        )
    )
    assert _alerts(kit)["ground_threat_in_town"] is True
    assert _page_says_it(kit) is True
    ok(
        kit.post(
            Role.DISPATCHER, f"/api/v1/danger-areas/{declared['id']}/lift", {"command_id": cid()}
        )
    )
    assert _alerts(kit)["ground_threat_in_town"] is False
    assert _page_says_it(kit) is False
    # An infiltration alert is attackers in the town too, official alert and all.
    zones = [z["id"] for z in ok(kit.client.get("/api/v1/town"))["zones"]]
    ok(
        kit.post(
            Role.DISPATCHER,
            "/api/v1/alerts",
            {"command_id": cid(), "category": "terrorist_infiltration", "zone_ids": zones[:1]},
        )
    )
    answer = _alerts(kit)
    assert answer["ground_threat_in_town"] is True
    assert [a["category"] for a in answer["alerts"]] == ["terrorist_infiltration"]  # type: ignore[union-attr]
    assert _page_says_it(kit) is True


def test_without_a_town_nothing_is_said_either_way() -> None:
    with api_kit() as kit:
        answer = _alerts(kit)
        assert answer["ground_threat_in_town"] is False
        assert answer["alerts"] == []


def test_the_guidance_answer_states_the_servers_now(kit: Kit) -> None:
    """In a header, to the millisecond: a 304 carries a fresh one, so an unchanged advice is
    still a 304 of no body while the clock moves on (every 5 s from a weak phone)."""
    q = f"/api/v1/guidance?lat={HERE['lat']}&lon={HERE['lon']}&lang=en"
    first = kit.client.get(q)
    assert first.status_code == 200, first.text
    assert "now" not in first.json()
    said = datetime.fromisoformat(first.headers["magen-now"])
    assert said == kit.clock.now()
    # The clock moved on with nothing new in the log: still a 304, with the new now.
    kit.clock.advance(timedelta(seconds=7, milliseconds=250))
    later = kit.client.get(q, headers={"If-None-Match": first.headers["etag"]})
    assert later.status_code == 304
    assert datetime.fromisoformat(later.headers["magen-now"]) == kit.clock.now()
