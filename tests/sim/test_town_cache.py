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


def test_the_scenario_names_its_town_in_hebrew_and_arabic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OSM's 2016 map has no place named Baka: the scenario gives the names the demo's Hebrew
    and Arabic pages say ("כל בקעה", not "כל Baka"), and a changed name is another pack."""
    asked: list[dict[str, Any]] = []

    def fake_import(osm: Path, shelters: Any, name: str, pack: Path, **kw: Any) -> None:
        pack.write_bytes(b"a pack")
        asked.append({"name": name, "he": kw.get("name_he"), "ar": kw.get("name_ar")})

    monkeypatch.setattr(importer, "import_town", fake_import)
    scenario = load_scenario("ofakim_baka")
    first = sim_town.town_pack(scenario, tmp_path)
    assert asked == [{"name": "Baka", "he": "בקעה", "ar": "البقعة"}]
    renamed = scenario.model_copy(
        update={"town": scenario.town.model_copy(update={"name_ar": "بقعة"})}
    )
    assert sim_town.town_pack(renamed, tmp_path) != first
