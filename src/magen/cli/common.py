"""What the `magen` subcommands share: the one-line error, the default log, opening a log."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from magen.config import SettingError, Settings, check_env
from magen.store.base import LogError
from magen.town_clock import NotATime, parse_town_time

DEFAULT_DB = os.environ.get("MAGEN_DB", "var/magen.db")


class CliError(Exception):
    """A problem with what the user asked; printed as one line."""


def fail(message: str) -> int:
    """Say `message` as `magen: ...` on stderr; the exit status for bad input."""
    print(f"magen: {message}", file=sys.stderr)
    return 2


def town_time(text: str) -> datetime:
    """A time given on the command line: ISO 8601, on the town's clock if it names no zone."""
    try:
        return parse_town_time(text)
    except NotATime as exc:
        raise CliError(str(exc)) from None


# --- the event log -------------------------------------------------------------------------


def shown(db: str) -> str:
    """A database URL as it may be printed: without its password."""
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", db)


def missing_file(db: str) -> bool:
    """Whether `db` names an SQLite file that is not there yet (opening it makes a new log)."""
    from magen.store.factory import sqlite_path

    path = sqlite_path(db)
    return path is not None and not path.exists()


def say_created(db: str) -> None:
    from magen.store.factory import sqlite_path

    path = sqlite_path(db)
    where = path.resolve() if path is not None else db
    print(f"magen: created a new, empty event log at {where}", file=sys.stderr, flush=True)


def open_log(db: str) -> Any:
    from magen.store.factory import open_log as open_url

    return open_url(db)


def require_existing(db: str) -> None:
    """A CliError unless `db` names a log that is there (a file path must exist as a file)."""
    from magen.store.factory import check_url, sqlite_path

    try:
        check_url(db)
    except LogError as exc:
        raise CliError(str(exc)) from None
    path = sqlite_path(db)
    if path is not None and not path.exists():
        raise CliError(f"no event log at {db}")
    if path is not None and path.is_dir():
        raise CliError(f"{db} is a directory, not an event log; give the database's file name")


def open_existing(db: str) -> Any:
    """The log at `db`, opened; a CliError naming it when it is not there or is damaged."""
    require_existing(db)
    return open_log(db)


def check_settings() -> None:
    """Every MAGEN_* setting checked before anything is opened or made: a CliError naming
    the first bad one and what it may be (a typo must not start a server or change a log)."""
    try:
        check_env()
    except SettingError as exc:
        raise CliError(str(exc)) from None


def with_service(db: str, fn: Callable[[Any], Any]) -> Any:
    """`fn(service)` on the app's service over the log at `db`, as a starting server builds it."""
    from magen.api.app import build_service
    from magen.clock import SystemClock

    check_settings()

    async def run() -> Any:
        # The server's own secret: snapshots are signed with it (see magen.app.snapshots).
        settings = Settings.from_env(database=db)
        service = build_service(settings, SystemClock())
        try:
            return await fn(service)
        finally:
            await service.log.close()

    return asyncio.run(run())


def existing_pack(path: str) -> Path:
    """A town pack path that exists and is one (else a one-line CLI error naming it).

    Only its header is read: `serve` hands the path to its workers, and a file that is no
    pack at all should be named here rather than fail each worker's start-up.
    """
    from magen.geo.town import read_town_header

    if not Path(path).exists():
        raise CliError(f"town pack not found: {path}")
    read_town_header(path)  # TownImportError, said as one line by `main`
    return Path(path)


# --- argument types ------------------------------------------------------------------------


def int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from low to high, else a message naming the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not in {low}-{high}")
        return value

    return parse


def positive_number(text: str) -> float:
    """An argparse type: a finite number above zero (float() takes 'nan' and 'inf')."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"give a number above zero, not {text!r}")
    return value


PORT = int_in(1, 65535)
