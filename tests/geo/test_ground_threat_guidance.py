"""The engine's stay-inside rule: with a ground threat open in the town, "no alert" becomes
"stay inside, door locked" and nothing else changes; the walk in minutes in each language."""

from __future__ import annotations

import numpy as np
import pytest

from magen.geo.guidance import (
    GuidanceInputs,
    ZoneAlert,
    building_guidance,
    compute_guidance,
    point_guidance,
)
from magen.geo.policy import (
    Action,
    AlertCategory,
    IssuedBy,
    Reason,
    stay_inside_texts,
    texts_for,
)
from magen.geo.texts import threat_distance, walk_minutes
from magen.geo.town import Town


def test_stay_inside_for_a_building_and_a_point(baka: Town) -> None:
    zones = [str(z) for z in baka.zones.id]
    alerts = {zones[0]: ZoneAlert(frozenset({AlertCategory.MISSILES}))}
    result = compute_guidance(baka, GuidanceInputs(alerts=alerts, ground_threat_in_town=True))
    inside = np.flatnonzero(result.action == Action.STAY_INSIDE)
    assert inside.size
    assert (baka.buildings.zone[inside] != 0).all()
    g = building_guidance(baka, result, int(inside[0]))
    assert g.action is Action.STAY_INSIDE
    assert g.shelter is None
    assert g.route == ()
    assert g.issued_by is IssuedBy.THREAT_REPORTS  # reports, not an order nobody gave
    assert g.texts["en"].startswith("Armed attackers have been reported in the town. Stay inside")
    # A point in the street, outside the siren's zone: into the nearest building.
    lon, lat = map(float, baka.buildings.lonlat[int(inside[0])])
    p = point_guidance(baka, result, lon + 0.0004, lat + 0.0004)
    if p.building is None and p.zone_id != zones[0]:
        assert p.action is Action.STAY_INSIDE
        assert "nearest building" in p.texts["en"]


@pytest.mark.parametrize(
    ("minutes", "he", "ar", "en"),
    [
        (1, "כדקה", "نحو دقيقة", "about a minute"),
        (2, "כשתי דקות", "نحو دقيقتين", "about 2 min"),
        (5, "כ־5 דקות", "نحو 5 دقائق", "about 5 min"),
        (12, "כ־12 דקות", "نحو 12 دقيقة", "about 12 min"),
    ],
)
def test_the_walk_in_minutes_says_one_and_two_as_each_language_does(
    minutes: int, he: str, ar: str, en: str
) -> None:
    assert (walk_minutes("he", minutes), walk_minutes("ar", minutes)) == (he, ar)
    assert walk_minutes("en", minutes) == en
    said = texts_for(
        Reason.ROUTINE,
        outdoors=False,
        categories=frozenset(),
        ground_threat=False,
        values={"shelter": "682", "address": "x", "minutes": str(minutes)},
    )
    assert f"{he} הליכה." in said["he"]
    assert f"{ar} مشيًا." in said["ar"]
    assert f"{en} on foot." in said["en"]
    assert "1 דקות" not in said["he"]
    assert "1 دقائق" not in said["ar"]


def test_how_far_the_threat_is_in_each_language() -> None:
    assert threat_distance("en", None) == ""
    assert threat_distance("en", 40.0) == ", near you"
    assert threat_distance("en", 420.0) == ", about 400 m from you"
    assert threat_distance("he", 420.0) == ", כ־400 מטר מכם"
    assert threat_distance("ar", 1260.0) == "، على بُعد نحو 1.3 كم منكم"
    assert threat_distance("en", 2000.0) == ", about 2 km from you"
    texts = stay_inside_texts(outdoors=False, distance_m=420.0)
    assert texts["en"].startswith("Armed attackers have been reported in the town, about 400 m")
    assert texts["he"].startswith("דווח על מחבלים חמושים ביישוב, כ־400 מטר מכם.")
    for lang, text in texts.items():
        assert "{" not in text, lang
        assert "}" not in text, lang
        assert len(text.split()) <= 45, (lang, len(text.split()))
