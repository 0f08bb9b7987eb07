"""The scenario's town: find or build its pack, and check the scenario against the map."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from magen.geo.town import FORMAT_VERSION, Town, load_town
from magen.sim.scenario import Point, Scenario, ScenarioError

# Relative paths in a scenario are looked up here, in order: as given (the working
# directory), then the source tree's root (where `data/` lives in a clone).
SOURCE_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_CACHE = Path("var/towns")


def resolve(path: str) -> Path:
    """A scenario's file path: absolute, relative to here, or to the source tree."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    return SOURCE_ROOT / p


def town_pack(scenario: Scenario, cache_dir: Path = DEFAULT_CACHE) -> Path:
    """The pack the scenario plays on, built from its sources into `cache_dir` if needed."""
    src = scenario.town
    if src.pack is not None:
        pack = resolve(src.pack)
        if not pack.exists():
            raise ScenarioError(f"town.pack: no town pack at {pack}")
        return pack
    assert src.osm is not None  # the model insists on one of the two
    sources = [resolve(src.osm), *(resolve(s) for s in src.shelters)]
    for field, p in zip(
        ["town.osm", *(f"town.shelters[{i}]" for i in range(len(src.shelters)))],
        sources,
        strict=True,
    ):
        if not p.exists():
            raise ScenarioError(f"{field}: file not found: {p}")
    digest = hashlib.sha256()
    for p in sources:
        digest.update(p.name.encode())
        digest.update(hashlib.sha256(p.read_bytes()).digest())
    # The pack format too: a pack cached by an older Magen is built again, not refused.
    digest.update(
        f"{src.name}|{src.name_he}|{src.name_ar}|{src.zone_seconds}|v{FORMAT_VERSION}".encode()
    )
    slug = "".join(c if c.isalnum() else "-" for c in src.name.lower()).strip("-") or "town"
    pack = cache_dir / f"{slug}-{digest.hexdigest()[:12]}.town"
    if not pack.exists():
        from magen.geo.importer import import_town

        import_town(
            sources[0],
            sources[1:],
            src.name,
            pack,
            progress=False,
            zone_seconds=src.zone_seconds,
            name_he=src.name_he,
            name_ar=src.name_ar,
        )
    return pack


def check_against_town(scenario: Scenario, town: Town) -> None:
    """Refuse what the map cannot hold: unknown zones, points off the map."""
    zones = set(town.zones.id.tolist())
    for i, alert in enumerate(scenario.alerts):
        if alert.zones == "all":
            continue
        for j, z in enumerate(alert.zones):
            if z not in zones:
                listed = ", ".join(sorted(zones)[:8]) + (", ..." if len(zones) > 8 else "")
                raise ScenarioError(
                    f"alerts[{i}].zones[{j}]: no zone {z!r} in {town.name} (zones: {listed})"
                )
    west, south, east, north = town.bounds

    def inside(field: str, p: Point) -> None:
        if not (west <= p.lon <= east and south <= p.lat <= north):
            raise ScenarioError(
                f"{field}: ({p.lon}, {p.lat}) is outside the map of {town.name} "
                f"(lon {west:.4f} to {east:.4f}, lat {south:.4f} to {north:.4f})"
            )

    for i, g in enumerate(scenario.attackers):
        inside(f"attackers[{i}].entry", g.entry)
        if g.dismount is not None:
            inside(f"attackers[{i}].dismount", g.dismount)
    for i, r in enumerate(scenario.responders):
        if isinstance(r.start, Point):
            inside(f"responders[{i}].start", r.start)
    if len(town.buildings) == 0 or not np.isfinite(town.buildings.area_m2).any():
        raise ScenarioError(f"town: {town.name} has no buildings for residents to live in")


def scenario_town(scenario: Scenario, cache_dir: Path = DEFAULT_CACHE) -> tuple[Path, Town]:
    """The pack path and the loaded town, checked against the scenario."""
    pack = town_pack(scenario, cache_dir)
    town = load_town(pack)
    check_against_town(scenario, town)
    return pack, town
