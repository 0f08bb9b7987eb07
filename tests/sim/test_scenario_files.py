"""Scenario files: the shipped ones load and fit their map; mistakes are named by field."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from magen.cli import main
from magen.sim.scenario import (
    SCENARIO_DIR,
    ScenarioError,
    load_scenario,
    parse_scenario,
    scenario_from,
)
from magen.sim.town import check_against_town
from support.bakapack import baka_town

OFAKIM = SCENARIO_DIR / "ofakim_baka.toml"


def _raw() -> dict[str, Any]:
    return tomllib.loads(OFAKIM.read_text(encoding="utf-8"))


def _edited(path: str, **changes: Any) -> dict[str, Any]:
    """The Ofakim scenario with one table's values changed (None removes a key)."""
    raw = copy.deepcopy(_raw())
    node: Any = raw
    for part in path.split("."):
        node = node[int(part)] if part.isdigit() else node[part]
    for key, value in changes.items():
        if value is None:
            node.pop(key, None)
        else:
            node[key] = value
    return raw


def test_the_ofakim_scenario_loads_and_fits_the_baka_map() -> None:
    s = load_scenario("ofakim_baka")
    assert s.true_attackers == 15
    assert [g.mobility for g in s.attackers] == ["vehicle", "vehicle"]
    assert {a.seconds_to_shelter for a in s.alerts if a.category.value == "missiles"} == {45}
    first_barrage = min(a.at_min for a in s.alerts)
    assert 0 < min(g.enter_at_min for g in s.attackers) - first_barrage <= 15
    check_against_town(s, baka_town())


def test_every_shipped_scenario_is_valid() -> None:
    names = [p.stem for p in SCENARIO_DIR.glob("*.toml")]
    assert "ofakim_baka" in names
    for name in names:
        load_scenario(name)


@pytest.mark.parametrize(
    ("path", "changes", "message"),
    [
        (
            "attackers.0",
            {"size": 0},
            "attackers[0].size: Input should be greater than or equal to 1 (got 0)",
        ),
        (
            "attackers.1",
            {"teams": [4, 4]},
            "attackers[1]: Value error, teams [4, 4] add up to 8, not size 7",
        ),
        (
            "attackers.0",
            {"mobility": "tank"},
            "attackers[0].mobility: Input should be 'vehicle' or 'on_foot' (got 'tank')",
        ),
        (
            "attackers.0",
            {"entry": {"lon": 35.2, "lat": 95.0}},
            "attackers[0].entry.lat: Input should be less than or equal to 90",
        ),
        (
            "residents",
            {"outing_min": [40, 10]},
            "residents.outing_min: Value error, high (10.0) is below low (40.0)",
        ),
        (
            "residents",
            {"protected_space_share": 1.5},
            "residents.protected_space_share: Input should be less than or equal to 1",
        ),
        (
            "reporting",
            {"delay_s": {"median": -1}},
            "reporting.delay_s.median: Input should be greater than 0",
        ),
        ("alerts.0", {"category": "locusts"}, "alerts[0].category: Input should be"),
        ("scenario", {"start": "yesterday"}, "scenario.start: Input should be a valid datetime"),
        ("scenario", {"colour": "red"}, "scenario.colour: Extra inputs are not permitted"),
        (
            "town",
            {"osm": None},
            "town: Value error, give `pack` (a built town pack) or `osm` with `shelters`",
        ),
    ],
)
def test_a_mistake_is_reported_with_its_field(
    path: str, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        scenario_from(_edited(path, **changes), "bad.toml")
    assert f"bad.toml: {message}" in str(err.value)


def test_an_unedited_copy_is_accepted() -> None:
    assert scenario_from(_edited("scenario"), "copy.toml") == load_scenario(OFAKIM)


def test_bad_toml_says_where() -> None:
    with pytest.raises(ScenarioError, match=r"bad\.toml: not valid TOML: .*line 2"):
        parse_scenario('[scenario]\nname = "x\n', "bad.toml")


def test_the_map_refuses_unknown_zones_and_points_off_the_map() -> None:
    town = baka_town()
    s = scenario_from(_edited("alerts.2", zones=["baka-a1", "baka-z9"]), "zones.toml")
    with pytest.raises(ScenarioError, match=r"alerts\[2\]\.zones\[1\]: no zone 'baka-z9' in Baka"):
        check_against_town(s, town)
    s = scenario_from(_edited("attackers.1", entry={"lon": 35.1, "lat": 31.76}), "far.toml")
    with pytest.raises(
        ScenarioError, match=r"attackers\[1\]\.entry: .* is outside the map of Baka"
    ):
        check_against_town(s, town)


def test_an_unknown_scenario_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ScenarioError, match="ofakim_baka"):
        load_scenario("no_such_scenario")


def test_magen_sim_check_prints_one_line_for_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = OFAKIM.read_text(encoding="utf-8")
    assert "size = 8\n" in text
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("size = 8\n", "size = -3\n"), encoding="utf-8")
    assert main(["sim", "check", str(bad), "--towns", str(tmp_path / "towns")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: attackers[0].size: Input should be greater than or equal to 1 (got -3)" in err
