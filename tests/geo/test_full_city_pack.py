"""The full Jerusalem extract compiles into a pack that loads fast and carries guidance."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from geo.geokit import FULL_OSM, SHELTERS_06, SHELTERS_09
from magen.geo.guidance import GuidanceInputs, ZoneAlert, compute_guidance
from magen.geo.importer import import_town
from magen.geo.policy import Action, AlertCategory
from magen.geo.town import load_town


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_full_city_pack(tmp_path: Path) -> None:
    out = tmp_path / "jerusalem.town.npz"
    report = import_town(FULL_OSM, [SHELTERS_09, SHELTERS_06], "Jerusalem", out, progress=False)
    # Every building way of the extract that is a closed ring (6 of 28,040 are not).
    assert report.counts["buildings"] == 28_034
    assert any("6 building ways" in w for w in report.warnings)
    # Every shelter of both lists lies in the city: all packed, none outside.
    assert report.counts["shelters"] == 148 + 257 - 147
    assert report.shelters_outside == []
    assert report.counts["shelters_with_capacity"] == 147
    started = time.perf_counter()
    town = load_town(out)
    assert time.perf_counter() - started < 1.0
    assert town.summary()["buildings_without_access"] == 0
    alerts = {str(z): ZoneAlert(frozenset({AlertCategory.MISSILES})) for z in town.zones.id}
    result = compute_guidance(town, GuidanceInputs(alerts=alerts))
    go = result.action == Action.GO_TO_SHELTER
    assert go.sum() > 1000
    assert np.all(result.seconds[go] <= 90.0)
