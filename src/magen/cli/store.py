"""`magen backup`, `magen restore` and `magen snapshot`: keep a log safe and quick to start."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from magen.cli.common import DEFAULT_DB, CliError, check_settings, open_existing
from magen.store.base import LogError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the store's subcommands to the `magen` parser."""
    backup = sub.add_parser(
        "backup", help="copy the event log to a file (SQLite backup API, or pg_dump)"
    )
    backup.add_argument("--db", default=DEFAULT_DB, help="SQLite path or postgresql:// URL")
    backup.add_argument("--out", required=True, help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace an existing backup file")
    backup.set_defaults(run=_cmd_backup)

    restore = sub.add_parser(
        "restore",
        help="replace the event log with a backup (refused while a server has it open)",
    )
    restore.add_argument("--db", default=DEFAULT_DB, help="SQLite path or postgresql:// URL")
    restore.add_argument("--from", dest="source", required=True, help="the backup file")
    restore.add_argument(
        "--force", action="store_true", help="replace a log that already holds events"
    )
    restore.set_defaults(run=_cmd_restore)

    snapshot = sub.add_parser(
        "snapshot", help="fold the log and save a snapshot now, for a fast next start"
    )
    snapshot.add_argument("--db", default=DEFAULT_DB, help="SQLite path or postgresql:// URL")
    snapshot.set_defaults(run=_cmd_snapshot)


def _cmd_backup(args: argparse.Namespace) -> int:
    from magen.store.backup import backup

    started = time.perf_counter()
    try:
        done = backup(args.db, Path(args.out), force=args.force)
    except LogError as exc:
        raise CliError(str(exc)) from None
    size = done.path.stat().st_size
    print(
        f"backed up {done.head} events ({done.backend}) to {done.path} "
        f"({size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s)"
    )
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    from magen.store.backup import restore

    try:
        done = restore(args.db, Path(args.source), force=args.force)
    except LogError as exc:
        raise CliError(str(exc)) from None
    print(f"restored {done.head} events ({done.backend}) from {args.source} into {args.db}")
    return 0


def _cmd_snapshot(args: argparse.Namespace) -> int:
    # It folds the log through the app like a starting server.
    from magen.api.app import build_service
    from magen.clock import SystemClock
    from magen.config import Settings

    check_settings()  # a bad MAGEN_* value, before the log is even opened
    # A log that is not there, or damaged, is said before anything (a secret) is made for it.
    asyncio.run(open_existing(args.db).close())

    async def run() -> Any:
        started = time.perf_counter()
        service = build_service(Settings.from_env(database=args.db), SystemClock())
        try:
            if service.snapshots is None:
                raise CliError(f"the log at {args.db} keeps no snapshots")
            loaded = time.perf_counter() - started
            saved_at = time.perf_counter()
            position = await asyncio.to_thread(service.snapshots.save_now, service)
            return position, loaded, time.perf_counter() - saved_at, service
        finally:
            await service.log.close()

    try:
        position, loaded, saving, service = asyncio.run(run())
    except LogError as exc:
        raise CliError(str(exc)) from None
    resumed = service.metrics.snapshot_position
    print(
        f"snapshot at position {position} saved in {saving:.1f} s "
        f"(loaded in {loaded:.1f} s: "
        + (f"resumed from {resumed}, " if resumed is not None else "")
        + f"replayed {service.metrics.replayed_at_start} events)"
    )
    return 0
