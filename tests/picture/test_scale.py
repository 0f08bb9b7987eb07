"""The console's estimate of scale: what is counted, what is shown beside it, and the area."""

from __future__ import annotations

import numpy as np
import pytest

from magen.domain.values import SourceTier
from magen.picture.fusion import Fuser, SightingReport
from magen.picture.scale import TownStreets, estimate_scale
from picture.picturekit import FRAME, at, sighting, walk
from support.bakapack import baka_town


def _picture() -> Fuser:
    f = Fuser(frame=FRAME)
    # Two credible groups 1.5 km apart, five and three attackers.
    for r in walk(
        "a", (0.0, 0.0), (1.0, 0.0), [0, 60, 120, 180], ["acct:a1", "acct:a2"], counts=[5]
    ):
        f.ingest(r)
    for r in walk(
        "b", (1500.0, 0.0), (0.0, 1.0), [0, 60, 120, 180], ["acct:b1", "acct:b2"], counts=[3]
    ):
        f.ingest(r)
    # One anonymous claim of forty far from both: shown, not counted.
    f.ingest(sighting("x", 700.0, 900.0, 150.0, "anon:x", tier=SourceTier.ANONYMOUS, count=40))
    return f


def test_only_credible_active_groups_are_counted() -> None:
    scale = estimate_scale(_picture().tracks(at(200)))
    assert scale.groups == 2
    assert scale.attackers == 8
    assert scale.attackers_low <= 8 <= scale.attackers_high
    assert scale.unverified_groups == 1
    assert scale.stale_groups == 0
    assert scale.uncounted_groups == 0


def test_stale_groups_are_reported_beside_the_count() -> None:
    scale = estimate_scale(_picture().tracks(at(5000)))
    assert (scale.groups, scale.attackers, scale.stale_groups) == (0, 0, 3)
    assert scale.area_km2 == 0.0


def test_a_group_nobody_counted_counts_as_one() -> None:
    f = Fuser(frame=FRAME)
    for r in walk("a", (0.0, 0.0), (0.0, 0.0), [0, 30], ["acct:a1", "acct:a2"]):
        f.ingest(r)
    scale = estimate_scale(f.tracks(at(40)))
    assert (scale.groups, scale.attackers, scale.uncounted_groups) == (1, 1, 1)


def test_the_area_is_each_groups_ground_not_the_hull_of_all() -> None:
    views = _picture().tracks(at(200))
    both = estimate_scale(views, buffer_m=100.0).area_km2
    each = sum(estimate_scale([v], buffer_m=100.0).area_km2 for v in views if v.credible)
    assert both == pytest.approx(each, rel=1e-4)
    # A 180 m walk buffered by 100 m: about 0.2 x 0.2 km plus the round ends.
    assert 0.04 < both / 2 < 0.1


def test_streets_are_named_from_the_town_map() -> None:
    town = baka_town()
    streets = town.streets
    named = np.flatnonzero(streets.edge_name != "")
    edge = int(named[len(named) // 2])
    a, b = streets.node_lonlat[streets.edge_u[edge]], streets.node_lonlat[streets.edge_v[edge]]
    mid = (a + b) / 2.0
    f = Fuser()
    for k in range(3):
        f.ingest(
            SightingReport(
                sighting_id=f"s{k}",
                lon=float(mid[0]),
                lat=float(mid[1]),
                observed_at=at(10.0 * k),
                tier=SourceTier.REGISTERED,
                reporter=f"acct:{k}",
            )
        )
    scale = estimate_scale(f.tracks(at(30)), namer=TownStreets(town), street_radius_m=20.0)
    assert str(streets.edge_name[edge]) in scale.streets
