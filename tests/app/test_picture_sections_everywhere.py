"""Every consumer of the picture gets every section of it, whatever else it imported.

`magen replay` runs in a fresh process that imports only what it needs; the API imports
nearly everything. The sections are registered by the modules that define them, so a
section its module's importer forgot would vanish from one and not the other (alerts,
danger areas and operator orders were once missing from `magen replay`). The replay of a
log on the command line must have the same sections, and the same GeoJSON kinds, as
GET /picture/at and GET /picture.geojson of that log.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import magen.app
from magen.app.projections import SECTION_MODULES
from magen.domain.values import Role
from magen.sim.runner import copy_log
from support.apikit import BAKA, Kit, api_kit, cid, ok
from support.bakapack import baka_pack

# What only one side says about itself, not a section of the picture.
CLI_ONLY = {"until"}
API_ONLY = {"as_of", "head", "replay"}


def _magen(*args: str) -> Any:
    r = subprocess.run(
        [sys.executable, "-m", "magen", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "MAGEN_TOWN"},
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Kit, str, Path]]:
    """A morning with something in every section, served, and copied to an SQLite file."""
    pack = baka_pack()
    with api_kit(town=pack, anonymous_per_minute=10_000, anonymous_burst=10_000) as kit:
        zones = [z["id"] for z in kit.get(Role.ANONYMOUS, "/api/v1/town").json()["zones"]]
        shelters = kit.get(Role.ANONYMOUS, "/api/v1/town").json()["shelters"]
        ok(kit.post(Role.RESIDENT, "/api/v1/sightings", {"command_id": cid(), "where": BAKA}))
        ok(kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": BAKA}))
        ok(
            kit.post(
                Role.DISPATCHER,
                "/api/v1/alerts",
                {"command_id": cid(), "category": "terrorist_infiltration", "zone_ids": zones},
            )
        )
        circle = {"kind": "circle", "radius_m": 80, **BAKA}
        ok(
            kit.post(
                Role.DISPATCHER,
                "/api/v1/danger-areas",
                {"command_id": cid(), "area": circle, "reason": "armed_attackers"},
            )
        )
        ok(
            kit.post(
                Role.DISPATCHER,
                "/api/v1/guidance/overrides",
                {"command_id": cid(), "action": "lock_in", "area": circle, "reason": "gunmen"},
            )
        )
        ok(
            kit.post(
                Role.DISPATCHER,
                f"/api/v1/shelters/{shelters[0]['id']}/status",
                {"command_id": cid(), "status": "full"},
            )
        )
        guidance = kit.client.app.state["runtime"].guidance
        kit.client.blocking_portal.call(guidance.settled)
        db = str(tmp_path_factory.mktemp("sections") / "magen.db")
        asyncio.run(copy_log(kit.log, db))
        yield kit, db, pack


def test_replay_has_every_section_of_the_picture_at(scene: tuple[Kit, str, Path]) -> None:
    kit, db, pack = scene
    cli = _magen("replay", "--db", db, "--compact", "--town", str(pack))
    api = kit.get(Role.ANALYST, f"/api/v1/picture/at?position={kit.log.head()}").json()
    assert cli["position"] == api["position"] == kit.log.head()
    assert set(cli) - CLI_ONLY == set(api) - API_ONLY
    for name in ("alerts", "danger_areas", "overrides", "shelters", "recommendations"):
        assert name in cli, name
    assert len(cli["alerts"]) == len(api["alerts"]) == 1
    assert len(cli["danger_areas"]) == len(api["danger_areas"]) == 1
    assert len(cli["overrides"]) == len(api["overrides"]) == 1
    assert len(cli["shelters"]) == len(api["shelters"]) == 1


def test_replay_geojson_has_every_kind_the_api_serves(scene: tuple[Kit, str, Path]) -> None:
    kit, db, pack = scene
    cli = _magen("replay", "--db", db, "--compact", "--geojson", "--town", str(pack))
    api = kit.get(Role.ANALYST, "/api/v1/picture.geojson").json()
    kinds = {f["properties"]["kind"] for f in cli["features"]}
    assert kinds == {f["properties"]["kind"] for f in api["features"]}
    assert "danger_area" in kinds


def test_every_module_that_registers_a_section_is_loaded_with_the_picture() -> None:
    folder = Path(magen.app.__file__).parent
    registering = {
        f"magen.app.{p.stem}"
        for p in folder.glob("*.py")
        if re.search(r"^@section\(", p.read_text(encoding="utf-8"), re.MULTILINE)
    }
    assert registering - {"magen.app.projections"} == set(SECTION_MODULES)
