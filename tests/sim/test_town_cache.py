"""A scenario's town pack is cached per source and per pack format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from magen.geo import importer
from magen.sim import town as sim_town
from magen.sim.scenario import load_scenario


def test_a_pack_cached_by_an_older_format_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Path] = []

    def fake_import(osm: Path, shelters: Any, name: str, pack: Path, **_: Any) -> None:
        pack.write_bytes(b"a pack")
        built.append(pack)

    monkeypatch.setattr(importer, "import_town", fake_import)
    scenario = load_scenario("ofakim_baka")
    first = sim_town.town_pack(scenario, tmp_path)
    assert sim_town.town_pack(scenario, tmp_path) == first  # cached: not built again
    monkeypatch.setattr(sim_town, "FORMAT_VERSION", sim_town.FORMAT_VERSION + 1)
    newer = sim_town.town_pack(scenario, tmp_path)
    assert newer != first
    assert built == [first, newer]
