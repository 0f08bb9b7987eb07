"""`magen log export` (the log as JSON lines) and `magen replay` (the picture at a past moment)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from magen.cli.common import DEFAULT_DB, CliError, existing_pack, int_in, open_existing, town_time

if TYPE_CHECKING:
    from magen.geo.town import Town

_MAX_POSITION = 2**63 - 1  # the largest log position a database stores (a signed 64-bit integer)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `magen log export` and `magen replay`."""
    logp = sub.add_parser("log", help="the event log").add_subparsers(
        dest="log_command", required=True
    )
    export = logp.add_parser("export", help="write the log as JSON lines (secrets redacted)")
    export.add_argument("--db", default=DEFAULT_DB)
    export.add_argument("--out", default="-", help="file, or - for stdout")
    export.add_argument(
        "--after", type=int_in(0, _MAX_POSITION), default=0, help="start after this position"
    )
    export.add_argument(
        "--raw", action="store_true", help="the stored envelopes as they are, secrets included"
    )
    export.set_defaults(run=_cmd_log_export)

    replay = sub.add_parser("replay", help="the picture at a past moment, rebuilt from the log")
    replay.add_argument("--db", default=DEFAULT_DB)
    replay.add_argument(
        "--until",
        metavar="TIME",
        help="ISO 8601 (no zone: the town's clock, MAGEN_TIMEZONE); default: the whole log",
    )
    replay.add_argument("--compact", action="store_true")
    replay.add_argument(
        "--geojson", action="store_true", help="as a GeoJSON FeatureCollection, for GIS"
    )
    replay.add_argument(
        "--town",
        help="town pack the server ran with (default MAGEN_TOWN): tracks fused along its streets",
    )
    replay.set_defaults(run=_cmd_replay)


def _private_output(path: str) -> Any:
    """A new or emptied file readable by its owner only, open for text (what the log holds is
    personal: places of people in hiding, casualties)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    return open(fd, "w", encoding="utf-8")


def _cmd_log_export(args: argparse.Namespace) -> int:
    from magen.api.wire import recorded_view
    from magen.app.codec import decode

    log = open_existing(args.db)
    try:
        out = _private_output(args.out) if args.out != "-" else sys.stdout
    except OSError as exc:
        asyncio.run(log.close())
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    count = 0
    try:
        after = args.after
        while True:
            batch = log.read(after, 5000)
            if not batch:
                break
            for stored in batch:
                if args.raw:
                    line = stored.data.decode()
                    row = json.loads(line)
                    row["position"] = stored.position
                    row["id"] = str(stored.event_id)
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                else:
                    view = recorded_view(decode(stored))
                    out.write(json.dumps(view, ensure_ascii=False) + "\n")
                count += 1
                after = stored.position
    finally:
        if out is not sys.stdout:
            out.close()
        asyncio.run(log.close())
    print(f"exported {count} events", file=sys.stderr)
    return 0


def _replay_town(path: str | None) -> Town | None:
    """The town whose streets the replay fuses along, as the server did: --town, else MAGEN_TOWN."""
    chosen = path or os.environ.get("MAGEN_TOWN")
    if not chosen:
        return None
    from magen.geo.town import load_town

    return load_town(existing_pack(chosen))


def _cmd_replay(args: argparse.Namespace) -> int:
    from magen.app import picture_views  # noqa: F401  (adds tracks, incidents... to the picture)
    from magen.app.codec import decode
    from magen.app.dispatch import DispatchService
    from magen.app.projections import picture
    from magen.app.service import Service
    from magen.clock import SystemClock
    from magen.domain import evolve
    from magen.domain.base import SYSTEM
    from magen.domain.picture import state_fused_along

    until = town_time(args.until) if args.until else None
    town = _replay_town(args.town)
    log = open_existing(args.db)
    state = state_fused_along(town)
    as_of: datetime | None = None
    try:
        after = 0
        done = False
        while not done:
            batch = log.read(after, 5000)
            if not batch:
                break
            for stored in batch:
                recorded = decode(stored)
                if until is not None and recorded.recorded_at > until:
                    done = True
                    break
                evolve(state, recorded)
                after = stored.position
                as_of = recorded.recorded_at
        # The tracks, incidents and plan come from the dispatch board as it stood at the last
        # event replayed, as the console's time slider shows them.
        idle = Service(log, SystemClock())  # never loaded: it only hosts the dispatch rules
        boards = DispatchService(idle, town).replay(state, as_of)  # found while referenced
        view = picture(state, SYSTEM)
        del boards
    finally:
        asyncio.run(log.close())
    view["until"] = until.isoformat() if until else None
    if args.geojson:
        from magen.interop.geojson import picture_collection

        view = picture_collection(view)
    print(json.dumps(view, ensure_ascii=False, indent=None if args.compact else 2))
    return 0
