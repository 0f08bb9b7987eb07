"""`GET /api/v1/town` names the town and each zone in every page language beside `name`."""

from __future__ import annotations

from magen.domain.values import Role
from support.apikit import api_kit
from support.bakapack import BAKA_AR, BAKA_HE, baka_pack, baka_town


def test_the_town_and_its_zones_are_named_in_hebrew_arabic_and_english() -> None:
    town = baka_town()
    with api_kit(town=baka_pack()) as kit:
        r = kit.get(Role.ANONYMOUS, "/api/v1/town")
        assert r.status_code == 200
        assert r.headers["cache-control"] == "public, max-age=5"
        info = r.json()
    assert info["name"] == "Baka"
    assert info["names"] == {"he": BAKA_HE, "ar": BAKA_AR, "en": "Baka"}
    assert len(info["zones"]) == len(town.zones) > 1
    for z in info["zones"]:
        label = z["name"].removeprefix("Baka ")
        assert label != z["name"]
        assert z["names"] == {
            "he": f"{BAKA_HE} {label}",
            "ar": f"{BAKA_AR} {label}",
            "en": z["name"],
        }
