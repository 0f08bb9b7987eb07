"""The real Baka town pack, compiled once per test session from the project's data/."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from magen.geo.importer import import_town
from magen.geo.town import Town, load_town

DATA = Path(__file__).resolve().parents[2] / "data"
OSM = DATA / "jerusalem_baka_2016.osm"
SHELTERS = (
    DATA / "shelters_jerusalem_2025-06.geojson",
    DATA / "shelters_jerusalem_2025-09.geojson",
)
BAKA_HE = "בקעה"
BAKA_AR = "البقعة"


@functools.cache
def baka_pack() -> Path:
    """The path of a Baka pack built for this session (about a second)."""
    folder = Path(tempfile.mkdtemp(prefix="magen-baka-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    # OSM 2016 names no place "Baka" (its node is "בקעה (גאולים)" / "Geullim", no Arabic): the
    # names in Hebrew and Arabic are given as `magen town import --name-he --name-ar` would.
    report = import_town(
        OSM,
        SHELTERS,
        "Baka",
        folder / "baka.town",
        progress=False,
        name_he=BAKA_HE,
        name_ar=BAKA_AR,
    )
    return report.pack


@functools.cache
def baka_town() -> Town:
    """The Baka pack, loaded once (treat as read-only)."""
    return load_town(baka_pack())
