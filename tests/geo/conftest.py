"""Shared fixtures for the geo tests: the real Baka pack (built once) and tiny hand-made towns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from geo.geokit import BAKA_OSM, SHELTERS_06, SHELTERS_09, TinyMap, grid_map
from magen.geo.importer import ImportReport, import_town
from magen.geo.town import Town, load_town

TinyTown = Callable[..., tuple[Town, ImportReport]]


@pytest.fixture
def tiny_town(tmp_path: Path) -> TinyTown:
    """Build a town pack from a TinyMap (default: the grid map)."""

    def build(m: TinyMap | None = None, **kwargs: object) -> tuple[Town, ImportReport]:
        osm, geo = (m or grid_map()).write(tmp_path)
        out = tmp_path / "tiny.town.npz"
        report = import_town(osm, [geo], "Tiny", out, progress=False, **kwargs)  # type: ignore[arg-type]
        return load_town(out), report

    return build


@pytest.fixture(scope="session")
def baka_pack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportReport]:
    """The real Baka clip with both shelter lists, imported once per test session."""
    out = tmp_path_factory.mktemp("towns") / "baka.town.npz"
    report = import_town(BAKA_OSM, [SHELTERS_09, SHELTERS_06], "Baka", out, progress=False)
    return out, report


@pytest.fixture(scope="session")
def baka(baka_pack: tuple[Path, ImportReport]) -> Town:
    return load_town(baka_pack[0])
