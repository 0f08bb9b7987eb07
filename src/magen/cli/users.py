"""`magen users add` and `magen users list`: accounts, straight into the log through the app."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
import unicodedata
import uuid
from typing import Any

from magen.cli.common import (
    DEFAULT_DB,
    CliError,
    check_settings,
    missing_file,
    open_existing,
    say_created,
    with_service,
)

_HOW_TO_GIVE_ONE = "pass it with --password-stdin or MAGEN_PASSWORD"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `magen users` and its subcommands."""
    users = sub.add_parser("users", help="manage accounts").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add an account (password from MAGEN_PASSWORD or a prompt)")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True)
    add.add_argument("--display-name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument(
        "--db",
        help="SQLite path or database URL (default: MAGEN_DB, else var/magen.db); a new log "
        "is made only in a folder that is there",
    )
    add.set_defaults(run=_cmd_users_add)
    ls = users.add_parser("list", help="list accounts")
    ls.add_argument("--db", default=DEFAULT_DB)
    ls.set_defaults(run=_cmd_users_list)


def _ask_password() -> str:
    """The password typed at the prompt; a clear error when nothing can be typed.

    With no terminal on stdin (a script, a pipe, `</dev/null`) there is no prompt at all:
    `getpass` would warn that the password may be echoed and read it from stdin anyway.
    """
    if not sys.stdin.isatty():
        raise CliError(f"no password given and no terminal to type it at: {_HOW_TO_GIVE_ONE}")
    try:
        return getpass.getpass("password: ")
    except EOFError:
        raise CliError(f"no password given: type it at the prompt, or {_HOW_TO_GIVE_ONE}") from None


def _password_from_stdin() -> str:
    """The first line of standard input, as UTF-8 text (else a CliError saying it is not).

    Read as bytes: a text stdin decodes by the locale, which may fail (a traceback) or keep
    the bad bytes as surrogates that no password hash can take. The line's end ("\n", or a
    Windows file's "\r\n") and a leading byte-order mark are not the password; spaces are
    kept as typed. Any other control character is refused, named: no sign-in form can type it.
    """
    stream = sys.stdin
    if stream is None:
        raise CliError("--password-stdin: there is no standard input to read the password from")
    raw: bytes | str = stream.buffer.readline() if hasattr(stream, "buffer") else stream.readline()
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        text.encode("utf-8")  # a text stream's undecodable bytes, kept as surrogates
    except (UnicodeDecodeError, UnicodeEncodeError):
        raise CliError("the password read from standard input is not UTF-8 text") from None
    text = text.removeprefix("\ufeff")
    text = text.removesuffix("\n").removesuffix("\r") if text.endswith("\n") else text
    for at, char in enumerate(text, start=1):
        if unicodedata.category(char) == "Cc":
            raise CliError(
                f"the password read from standard input holds a control character "
                f"(U+{ord(char):04X}, character {at}); give it without one"
            )
    return text


def _folder_is_there(db: str) -> None:
    """A CliError unless the folder an SQLite `db` is (or would be) made in exists.

    A mistyped --db must not make a new folder and a new log beside the server's and add the
    account there. A missing log in a folder that is there is made (and said): the first
    account of a new install is added before the server first starts.
    """
    from magen.store.factory import sqlite_path

    path = sqlite_path(db)
    if path is not None and not path.exists() and not path.parent.is_dir():
        raise CliError(
            f"no folder {path.parent} for the event log at {db}: check --db, or make the "
            "folder first"
        )


def _cmd_users_add(args: argparse.Namespace) -> int:
    from magen.app.security import hash_password
    from magen.domain.accounts import CreateAccount
    from magen.domain.base import SYSTEM
    from magen.domain.errors import DomainError
    from magen.domain.values import Role

    check_settings()  # a bad MAGEN_* value, before a password is asked for or a log made
    roles = [r.value for r in Role if r is not Role.ANONYMOUS]  # no account has that one
    if args.role not in roles:
        raise CliError(f"unknown role {args.role!r}; one of: {', '.join(roles)}")
    role = Role(args.role)
    if args.db is not None:  # the default (MAGEN_DB, else var/magen.db) is the server's own
        _folder_is_there(args.db)
    db = DEFAULT_DB if args.db is None else args.db
    if args.password_stdin:
        password = _password_from_stdin()
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
        raise CliError(first_error(exc)) from None

    async def add(service: Any) -> Any:
        return await service.handle(SYSTEM, command)

    created = missing_file(db)
    try:
        outcome = with_service(db, add)
    except DomainError as exc:
        raise CliError(exc.reason) from None
    if created:  # a mistyped --db must not pass for the server's log
        say_created(db)
    account_id = outcome.events[0].event.account_id
    print(f"added {args.username} ({role.value}) as {account_id}")
    return 0


def first_error(exc: Exception) -> str:
    """The first thing wrong with an input, as one line naming its field once.

    Pydantic words a validator's ValueError as "Value error, <its message>"; the message is
    the validator's own, which may already name the field ("username: lowercase letters...").
    """
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return str(exc)
    e = exc.errors()[0]
    field = ".".join(str(p) for p in e["loc"])
    cause = (e.get("ctx") or {}).get("error")
    message = str(cause) if e["type"] == "value_error" and cause is not None else e["msg"]
    if not field or message.startswith(f"{field}:"):
        return message
    return f"{field}: {message}"


def _cmd_users_list(args: argparse.Namespace) -> int:
    from magen.domain.accounts import Accounts

    async def show(service: Any) -> list[Any]:
        return list(service.state.slice(Accounts).by_id.values())

    check_settings()
    # "No accounts" must never be how a mistyped --db looks, and a damaged file is said as
    # one before anything (a token secret) is made beside it.
    asyncio.run(open_existing(args.db).close())
    for acc in with_service(args.db, show):
        flag = "" if acc.active else "  (deactivated)"
        print(f"{acc.account_id}  {acc.username:<20} {acc.role.value:<11} {acc.display_name}{flag}")
    return 0
