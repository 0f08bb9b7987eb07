"""The `magen` command line: serve, users, log, replay, bench, demo and each part's own commands.

Errors are one clear line on stderr and exit status 2; never a traceback for bad input.
"""

# The command line sits at the top of the layers, beside `api/`, `web/` and `sim/`: each module
# of this package adds the subcommands it is named for (`register(subparsers)`) and calls down
# into the app, the store and the engines; nothing below imports it (tests/test_layers.py).

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from magen.cli import bench, cot, log, serve, sim, store, town, users
from magen.cli.common import DEFAULT_DB, CliError, fail, open_existing
from magen.config import SettingError
from magen.geo.errors import TownImportError
from magen.store.base import LogError
from magen.town_clock import UnknownTimeZone

__all__ = ["DEFAULT_DB", "CliError", "build_parser", "main", "open_existing"]

# Each adds its subcommands, in the order `magen --help` lists them.
_COMMAND_MODULES = (serve, users, log, bench, town, store, sim, cot)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="magen", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for module in _COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    # What Magen writes (the log, its -wal/-shm, backups, exports, reports) is its owner's
    # only: it holds password hashes and the places of people in hiding.
    umask = os.umask(0o077)
    try:
        if hasattr(args, "run_rest"):
            return int(args.run_rest(args, rest))
        if rest:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        return int(args.run(args))
    except BrokenPipeError:
        # The reader went away (`magen log export | head`): stop quietly, as Unix tools do. The
        # output is pointed at nothing so the interpreter's last flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a pipe's writer cut off
    # Or a log, pack, zone or MAGEN_* setting (each checked up front; this is the last net).
    except (CliError, LogError, TownImportError, UnknownTimeZone, SettingError) as exc:
        return fail(str(exc))
    except OSError as exc:
        if exc.filename is None:  # not about a file the user named: a fault, with its traceback
            raise
        return fail(f"cannot use {exc.filename}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        return 130
    finally:
        os.umask(umask)
