"""CAP import through the API: an area given only by name alerts the town's zone of that name,
and the answer names the areas that match none of the town's zones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.alerts.capxml import CapArea, CapInfo, CapMessage, encode_cap
from magen.app.alerts_policy import TownZones
from magen.domain.values import Role
from support.apikit import START, Kit, api_kit, ok
from support.bakapack import baka_pack, baka_town


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def _named(identifier: str, *names: str) -> bytes:
    return encode_cap(
        CapMessage(
            identifier=identifier,
            sender="alerts@oref.example",
            sent=START,
            status="Actual",
            msg_type="Alert",
            infos=(
                CapInfo(
                    language="he-IL",
                    categories=("Security",),
                    event="ירי רקטות וטילים",
                    urgency="Immediate",
                    severity="Extreme",
                    certainty="Observed",
                    instruction="היכנסו למרחב המוגן",
                    areas=tuple(CapArea(desc=n) for n in names),
                ),
            ),
        )
    )


def _post(kit: Kit, data: bytes) -> Any:
    return kit.client.post(
        "/api/v1/cap/import",
        content=data,
        headers={**kit.auth(Role.DISPATCHER), "Content-Type": "application/cap+xml"},
    )


def test_an_area_named_as_a_zone_is_imported_and_the_others_are_named(kit: Kit) -> None:
    r = _post(kit, _named("HFC-NAME-1", "בַּקְעָה - C3", "תל אביב - מרכז העיר"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["imported"] is True
    assert body["unplaced"] == ["תל אביב - מרכז העיר"]
    assert body["notes"] == []
    alerts = ok(kit.get(Role.DISPATCHER, "/api/v1/alerts"))["alerts"]
    [alert] = [a for a in alerts if (a["upstream"] or {}).get("identifier") == "HFC-NAME-1"]
    assert alert["category"] == "missiles"
    assert alert["zones"] == ["baka-c3"]


def test_a_message_whose_named_areas_match_no_zone_says_so(kit: Kit) -> None:
    r = _post(kit, _named("HFC-NAME-2", "תל אביב - מרכז העיר"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["imported"] is False
    assert "no zone of this town has their name: תל אביב - מרכז העיר" in body["reason"]


def test_the_town_s_zones_go_out_named_in_each_language_and_are_read_back_so() -> None:
    zones = TownZones(baka_town())
    area = zones.zone_area("baka-c3")
    assert area is not None
    assert (area.name.he, area.name.ar, area.name.en) == ("בקעה C3", "البقعة C3", "Baka C3")
    assert zones.zone_names["baka-c3"] == ("Baka C3", "בקעה C3", "البقعة C3")
