"""`magen serve` (the HTTP API and pages over a log) and `magen demo` (with the sample town)."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from magen.cli.common import (
    DEFAULT_DB,
    PORT,
    CliError,
    check_settings,
    existing_pack,
    int_in,
    missing_file,
    open_log,
    positive_number,
    require_existing,
    say_created,
    shown,
)
from magen.geo.errors import TownImportError
from magen.store.base import LogError
from magen.town_clock import check_town_zone


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `magen serve` and `magen demo`."""
    serve = sub.add_parser("serve", help="run the HTTP API and pages")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=PORT, default=8080)
    serve.add_argument("--db", default=DEFAULT_DB, help="SQLite path or postgresql:// URL")
    serve.add_argument("--town", help="town pack file")
    serve.add_argument("--workers", type=int_in(1, 64), default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        metavar="ADDRESSES",
        help="reverse proxies whose X-Forwarded-For names the client: comma-separated "
        "addresses or networks, '*' for any (default: FORWARDED_ALLOW_IPS, else 127.0.0.1)",
    )
    serve.set_defaults(run=_cmd_serve)

    demo = sub.add_parser("demo", help="start Magen with the sample town and demo accounts")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=PORT, default=8080)
    demo.add_argument("--db", default="var/demo.db")
    demo.add_argument(
        "--speed", type=positive_number, default=10.0, help="simulation time acceleration"
    )
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--no-sim", action="store_true", help="do not play the scenario")
    demo.set_defaults(run=_cmd_demo)


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
        town = str(existing_pack(args.town))
    elif os.environ.get("MAGEN_TOWN"):  # each worker loads it: named here, not as tracebacks
        try:
            existing_pack(os.environ["MAGEN_TOWN"])
        except (CliError, TownImportError) as exc:
            raise CliError(f"MAGEN_TOWN: {exc}") from None
    check_town_zone()  # a mistyped MAGEN_TIMEZONE, in one line before "serving"
    check_settings()  # and the other MAGEN_* settings (the secret is checked below, on its own)
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
    print(f"magen: serving http://{args.host}:{args.port}/ (database {shown(db)})", flush=True)
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

    created = missing_file(db)
    if not created:
        require_existing(db)  # a directory is named as one
    log: Any = open_log(db)
    try:
        if isinstance(log, SqliteEventLog):
            log.check()
            log.check_writable()
        log.head()
    finally:
        asyncio.run(log.close())
    if created:
        say_created(db)


def _cmd_demo(args: argparse.Namespace) -> int:
    from magen.demo import run_demo

    check_settings()  # a bad MAGEN_* value, before the demo makes its log
    return run_demo(args)
