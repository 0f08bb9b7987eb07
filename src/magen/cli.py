"""The `magen` command line: serve, users, log, replay, bench, demo and each part's own commands.

Errors are one clear line on stderr and exit status 2; never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import json
import math
import os
import re
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magen.config import Settings
from magen.geo.errors import TownImportError
from magen.store.base import LogError
from magen.web.times import UnknownTimeZone, check_town_zone

if TYPE_CHECKING:
    from magen.geo.town import Town

# Packages that add their own subcommands through `register(subparsers)`.
_COMMAND_MODULES: list[str] = [
    "magen.geo.commands",
    "magen.store.commands",
    "magen.sim.commands",
    "magen.interop.commands",
]

DEFAULT_DB = os.environ.get("MAGEN_DB", "var/magen.db")


class CliError(Exception):
    """A problem with what the user asked; printed as one line."""


def _fail(message: str) -> int:
    print(f"magen: {message}", file=sys.stderr)
    return 2


# --- serve ----------------------------------------------------------------------------------


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from magen.config import load_secret
    from magen.store.factory import check_url, sqlite_path

    try:
        check_url(args.db)  # before saying it serves anything
    except LogError as exc:
        raise CliError(str(exc)) from None
    path = sqlite_path(args.db)
    # Absolute, so what is served does not depend on the directory it was started from.
    db = str(path.resolve()) if path is not None else args.db
    if args.town:
        town = str(_existing_pack(args.town))
    check_town_zone()  # a mistyped MAGEN_TIMEZONE, in one line before "serving"
    try:  # and the other MAGEN_* settings (the secret is checked below, on its own)
        Settings.from_env(database=db, secret=b"\0" * 32)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    # Opened, read and written once here, so a log that cannot serve is said in one line
    # rather than as a traceback after "serving".
    _check_serveable(db)
    # Every process serving a shared log follows what the others append (a poll every 25 ms
    # on SQLite): a second `magen serve` on the same file, or `magen users add` while it
    # runs, is in every server's picture at once instead of splitting it.
    os.environ["MAGEN_FOLLOW_LOG"] = "0" if db.startswith("memory://") else "1"
    # Checked (and made, on first start) once here. Workers each read the same secret: the
    # file's bytes as they are, or MAGEN_SECRET as the operator set it.
    load_secret(db)
    os.environ["MAGEN_DB"] = db
    if args.town:
        os.environ["MAGEN_TOWN"] = town
    print(f"magen: serving http://{args.host}:{args.port}/ (database {_shown(db)})", flush=True)
    uvicorn.run(
        "magen.api.app:asgi_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,
        # A request through a named proxy comes from the address in its X-Forwarded-For:
        # sign-in limits and anonymous report limits count the client, not the proxy.
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )
    return 0


def _check_serveable(db: str) -> None:
    """Open the log, read it through and write to it once; a CliError saying why it cannot."""
    from magen.store.sqlite import SqliteEventLog

    created = _missing_file(db)
    if not created:
        _require_existing(db)  # a directory is named as one
    log = _open_log(db)
    try:
        if isinstance(log, SqliteEventLog):
            log.check()
            log.check_writable()
        log.head()
    finally:
        asyncio.run(log.close())
    if created:
        _say_created(db)


def _shown(db: str) -> str:
    """A database URL as it may be printed: without its password."""
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", db)


def _missing_file(db: str) -> bool:
    """Whether `db` names an SQLite file that is not there yet (opening it makes a new log)."""
    from magen.store.factory import sqlite_path

    path = sqlite_path(db)
    return path is not None and not path.exists()


def _say_created(db: str) -> None:
    from magen.store.factory import sqlite_path

    path = sqlite_path(db)
    shown = path.resolve() if path is not None else db
    print(f"magen: created a new, empty event log at {shown}", file=sys.stderr, flush=True)


def _open_log(db: str) -> Any:
    from magen.store.factory import open_log

    return open_log(db)


# --- users ----------------------------------------------------------------------------------


def _with_service(db: str, fn: Callable[[Any], Any]) -> Any:
    from magen.api.app import build_service
    from magen.clock import SystemClock

    async def run() -> Any:
        # The server's own secret: snapshots are signed with it (see magen.app.snapshots).
        settings = Settings.from_env(database=db)
        service = build_service(settings, SystemClock())
        try:
            return await fn(service)
        finally:
            await service.log.close()

    return asyncio.run(run())


def _ask_password() -> str:
    """The password typed at the prompt; a clear error when nothing can be typed."""
    try:
        return getpass.getpass("password: ")
    except EOFError:
        raise CliError(
            "no password given: type it at the prompt, or pass it with --password-stdin "
            "or MAGEN_PASSWORD"
        ) from None


def _cmd_users_add(args: argparse.Namespace) -> int:
    from magen.app.security import hash_password
    from magen.domain.accounts import CreateAccount
    from magen.domain.base import SYSTEM
    from magen.domain.errors import DomainError
    from magen.domain.values import Role

    roles = [r.value for r in Role if r is not Role.ANONYMOUS]  # no account has that one
    if args.role not in roles:
        raise CliError(f"unknown role {args.role!r}; one of: {', '.join(roles)}")
    role = Role(args.role)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = os.environ.get("MAGEN_PASSWORD") or _ask_password()
    try:
        digest = hash_password(password)
        command = CreateAccount(
            command_id=uuid.uuid4(),
            username=args.username,
            role=role,
            display_name=args.display_name or args.username,
            password_hash=digest,
        )
    except ValueError as exc:
        raise CliError(_first_error(exc)) from None

    async def add(service: Any) -> Any:
        return await service.handle(SYSTEM, command)

    created = _missing_file(args.db)
    try:
        outcome = _with_service(args.db, add)
    except DomainError as exc:
        raise CliError(exc.reason) from None
    if created:  # a mistyped --db must not pass for the server's log
        _say_created(args.db)
    account_id = outcome.events[0].event.account_id
    print(f"added {args.username} ({role.value}) as {account_id}")
    return 0


def _first_error(exc: Exception) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        e = exc.errors()[0]
        return f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
    return str(exc)


def _cmd_users_list(args: argparse.Namespace) -> int:
    from magen.domain.accounts import Accounts

    async def show(service: Any) -> list[Any]:
        return list(service.state.slice(Accounts).by_id.values())

    # "No accounts" must never be how a mistyped --db looks, and a damaged file is said as
    # one before anything (a token secret) is made beside it.
    asyncio.run(open_existing(args.db).close())
    for acc in _with_service(args.db, show):
        flag = "" if acc.active else "  (deactivated)"
        print(f"{acc.account_id}  {acc.username:<20} {acc.role.value:<11} {acc.display_name}{flag}")
    return 0


# --- log export and replay ---------------------------------------------------------------


def _require_existing(db: str) -> None:
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
    _require_existing(db)
    return _open_log(db)


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


def _parse_time(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise CliError(f"not an ISO 8601 time: {text!r} (e.g. 2023-10-07T06:45:00+03:00)") from None
    if when.tzinfo is None:
        # A date alone needs a time before its zone: "2026-11-25Z" is no ISO 8601 time.
        shown = text if "T" in text or " " in text else f"{text}T23:59:59"
        raise CliError(f"give a time zone with --until, e.g. {shown}+03:00 or {shown}Z")
    return when


def _existing_pack(path: str) -> Path:
    """A town pack path that exists and is one (else a one-line CLI error naming it).

    Only its header is read: `serve` hands the path to its workers, and a file that is no
    pack at all should be named here rather than fail each worker's start-up.
    """
    from magen.geo.town import read_town_header

    if not Path(path).exists():
        raise CliError(f"town pack not found: {path}")
    read_town_header(path)  # TownImportError, said as one line by `main`
    return Path(path)


def _replay_town(path: str | None) -> Town | None:
    """The town whose streets the replay fuses along, as the server did: --town, else MAGEN_TOWN."""
    chosen = path or os.environ.get("MAGEN_TOWN")
    if not chosen:
        return None
    from magen.geo.town import load_town

    return load_town(_existing_pack(chosen))


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

    until = _parse_time(args.until) if args.until else None
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


# --- bench and demo --------------------------------------------------------------------------


def _bench_dir() -> Path:
    here = Path(__file__).resolve().parents[2] / "bench"
    for candidate in (Path.cwd() / "bench", here):
        if candidate.is_dir():
            return candidate
    raise CliError("no bench/ folder here: run from the Magen source tree")


def _cmd_bench(args: argparse.Namespace, rest: list[str]) -> int:
    bench = _bench_dir()
    names = sorted(p.stem for p in bench.glob("*.py") if not p.stem.startswith("_"))
    targets = names if args.name == "all" else [args.name]
    for name in targets:
        if name not in names:
            raise CliError(f"no benchmark {name!r}; one of: {', '.join(names)}")
    sys.path.insert(0, str(bench))
    status = 0
    for name in targets:
        print(f"== bench {name}", flush=True)
        module = importlib.import_module(name)
        status = status or int(module.main(rest) or 0)
    return status


def _cmd_demo(args: argparse.Namespace) -> int:
    from magen.demo import run_demo

    return run_demo(args)


# --- wiring --------------------------------------------------------------------------------


def _int_in(low: int, high: int) -> Callable[[str], int]:
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


def _positive_number(text: str) -> float:
    """An argparse type: a finite number above zero (float() takes 'nan' and 'inf')."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"give a number above zero, not {text!r}")
    return value


_PORT = _int_in(1, 65535)
_MAX_POSITION = 2**63 - 1  # the largest log position a database stores (a signed 64-bit integer)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="magen", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP API and pages")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_PORT, default=8080)
    serve.add_argument("--db", default=DEFAULT_DB, help="SQLite path or postgresql:// URL")
    serve.add_argument("--town", help="town pack file")
    serve.add_argument("--workers", type=_int_in(1, 64), default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        metavar="ADDRESSES",
        help="reverse proxies whose X-Forwarded-For names the client: comma-separated "
        "addresses or networks, '*' for any (default: FORWARDED_ALLOW_IPS, else 127.0.0.1)",
    )
    serve.set_defaults(run=_cmd_serve)

    users = sub.add_parser("users", help="manage accounts").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add an account (password from MAGEN_PASSWORD or a prompt)")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True)
    add.add_argument("--display-name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--db", default=DEFAULT_DB)
    add.set_defaults(run=_cmd_users_add)
    ls = users.add_parser("list", help="list accounts")
    ls.add_argument("--db", default=DEFAULT_DB)
    ls.set_defaults(run=_cmd_users_list)

    logp = sub.add_parser("log", help="the event log").add_subparsers(
        dest="log_command", required=True
    )
    export = logp.add_parser("export", help="write the log as JSON lines (secrets redacted)")
    export.add_argument("--db", default=DEFAULT_DB)
    export.add_argument("--out", default="-", help="file, or - for stdout")
    export.add_argument(
        "--after", type=_int_in(0, _MAX_POSITION), default=0, help="start after this position"
    )
    export.add_argument(
        "--raw", action="store_true", help="the stored envelopes as they are, secrets included"
    )
    export.set_defaults(run=_cmd_log_export)

    replay = sub.add_parser("replay", help="the picture at a past moment, rebuilt from the log")
    replay.add_argument("--db", default=DEFAULT_DB)
    replay.add_argument("--until", help="ISO 8601 time with zone; default: the whole log")
    replay.add_argument("--compact", action="store_true")
    replay.add_argument(
        "--geojson", action="store_true", help="as a GeoJSON FeatureCollection, for GIS"
    )
    replay.add_argument(
        "--town",
        help="town pack the server ran with (default MAGEN_TOWN): tracks fused along its streets",
    )
    replay.set_defaults(run=_cmd_replay)

    bench = sub.add_parser("bench", help="run a benchmark from bench/ (or 'all')")
    bench.add_argument("name")
    bench.set_defaults(run_rest=_cmd_bench)

    demo = sub.add_parser("demo", help="start Magen with the sample town and demo accounts")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=_PORT, default=8080)
    demo.add_argument("--db", default="var/demo.db")
    demo.add_argument(
        "--speed", type=_positive_number, default=10.0, help="simulation time acceleration"
    )
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--no-sim", action="store_true", help="do not play the scenario")
    demo.set_defaults(run=_cmd_demo)

    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(sub)
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
    except (CliError, LogError, TownImportError, UnknownTimeZone) as exc:  # or a log, pack or zone
        return _fail(str(exc))
    except OSError as exc:
        if exc.filename is None:  # not about a file the user named: a fault, with its traceback
            raise
        return _fail(f"cannot use {exc.filename}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        return 130
    finally:
        os.umask(umask)
