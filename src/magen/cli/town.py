"""`magen town import` and `magen town info`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from magen.cli.common import fail
from magen.geo.errors import TownImportError
from magen.geo.zones import (
    DEFAULT_CELL_M,
    DEFAULT_SECONDS_TO_SHELTER,
    check_seconds_to_shelter,
    slug,
)

# Grid zones: from a few blocks to a district; smaller cells would make millions of zones.
MIN_CELL_M = 50.0
MAX_CELL_M = 5000.0


def _zone_seconds(text: str) -> int:
    try:
        return check_seconds_to_shelter(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _zone_cell(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of metres") from None
    if not MIN_CELL_M <= value <= MAX_CELL_M:  # NaN fails it too
        raise argparse.ArgumentTypeError(
            f"{text!r} is not from {MIN_CELL_M:g} to {MAX_CELL_M:g} metres"
        )
    return value


def register(subparsers: Any) -> None:
    """Add the `town` command and its subcommands."""
    town = subparsers.add_parser("town", help="compile and inspect town packs")
    sub = town.add_subparsers(dest="town_command", required=True)

    imp = sub.add_parser("import", help="compile an OSM extract and shelter lists into a town pack")
    imp.add_argument("--osm", required=True, help="OSM extract (.osm.pbf or .osm XML)")
    imp.add_argument(
        "--shelters",
        action="append",
        required=True,
        help="shelter list (GeoJSON points, or CSV with lat/lon); repeat to merge several",
    )
    imp.add_argument("--name", required=True, help="the town's name")
    imp.add_argument(
        "--name-he", help="the town's name in Hebrew (default: the OSM place's, else --name)"
    )
    imp.add_argument(
        "--name-ar", help="the town's name in Arabic (default: the OSM place's, else --name)"
    )
    imp.add_argument("--out", help="pack file to write (default var/towns/<name>.town.npz)")
    imp.add_argument("--zones", help="alert zones (GeoJSON polygons); default: a grid")
    imp.add_argument(
        "--zone-seconds",
        type=_zone_seconds,
        default=DEFAULT_SECONDS_TO_SHELTER,
        help="seconds to shelter of grid zones (and of zones that do not say), "
        "from 1 to the most an alert gives",
    )
    imp.add_argument(
        "--zone-cell",
        type=_zone_cell,
        default=DEFAULT_CELL_M,
        help=f"grid zone size in metres ({MIN_CELL_M:g} to {MAX_CELL_M:g})",
    )
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(run=_cmd_import)

    info = sub.add_parser("info", help="what a town pack holds")
    info.add_argument("pack")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(run=_cmd_info)


def _cmd_import(args: argparse.Namespace) -> int:
    from magen.geo.importer import import_town

    out = Path(args.out) if args.out else Path("var/towns") / f"{slug(args.name)}.town.npz"
    try:
        report = import_town(
            args.osm,
            args.shelters,
            args.name,
            out,
            progress=not args.quiet and sys.stderr.isatty(),
            zones_path=args.zones,
            zone_seconds=args.zone_seconds,
            zone_cell_m=args.zone_cell,
            name_he=args.name_he,
            name_ar=args.name_ar,
        )
    except TownImportError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{exc.filename or out}: {exc.strerror or exc}")
    print("\n".join(report.lines()))
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from magen.geo.town import load_town

    try:
        town = load_town(args.pack)
    except TownImportError as exc:
        return fail(str(exc))
    summary = town.summary()
    report = town.header.get("report", {})
    outside = report.get("shelters_outside", [])
    if args.json:
        doc = {
            "name": town.name,
            "names": town.names,
            "bounds": list(town.bounds),
            "projection": town.header["projection"],
            "sources": town.header.get("sources", {}),
            "counts": summary,
            "shelters_outside": len(outside),
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    lon0, lat0, lon1, lat1 = town.bounds
    print(f"{town.name}: {args.pack}")
    print("  names: " + ", ".join(f"{lang} {n}" for lang, n in town.names.items()))
    print(f"  bounds: lon {lon0:.5f}..{lon1:.5f}, lat {lat0:.5f}..{lat1:.5f}")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    print(f"  shelters outside the map at import: {len(outside)}")
    return 0
