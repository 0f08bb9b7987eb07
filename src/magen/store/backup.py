"""Back up an event log to a file and restore it, with each engine's own tools.

SQLite: the online backup API (a consistent copy while servers keep writing), restored through
the same API into the target file. PostgreSQL: `pg_dump --format=custom` of Magen's tables
(snapshots excluded: they are rebuilt) and `pg_restore --clean --single-transaction`, so a
restore either replaces the whole log or changes nothing. Stop Magen before restoring: on SQLite
a restore refuses while any process has the log open (see `magen.store.sqlite.held_alone`).
A backup replaces an existing file only when asked to (`force`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from magen.store.base import LogError
from magen.store.factory import sqlite_path
from magen.store.snapshot import FileSnapshotStore, snapshots_beside
from magen.store.sqlite import held_alone, private_file

_POSTGRES: Final = ("postgresql://", "postgres://")
_TABLES: Final = ("magen_meta", "magen_head", "magen_events", "magen_snapshots")
_TOC_TABLE: Final = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) magen_events ")
_SQLITE_COLUMNS: Final = ("position", "event_id", "type", "data")
_Done = subprocess.CompletedProcess[str]


class BackupError(LogError):
    """A backup or restore that cannot be done; the message is one plain line."""


@dataclass(frozen=True)
class BackupResult:
    """What a backup or restore did."""

    backend: str
    head: int  # the log's head when the backup started, or after the restore
    path: Path


def backup(url: str, out: Path, *, force: bool = False) -> BackupResult:
    """Write a consistent copy of the log at `url` to `out` (replaced only once complete).

    An existing `out` is replaced only if `force`: it may be the one good backup there is.
    """
    if out.exists() and out.is_dir():
        raise BackupError(f"{out} is a directory; give a file name for the backup")
    if out.exists() and not force:
        raise BackupError(f"{out} already exists; add --force to replace that backup")
    if url.startswith(_POSTGRES):
        return _pg_backup(url, out)
    path = _sqlite_file(url)
    if not path.exists():
        raise BackupError(f"no event log at {path}")
    from magen.store.sqlite import SqliteEventLog

    _check_sqlite_log(path)
    log = SqliteEventLog(path)
    try:
        head = log.backup(out)
    finally:
        log.close_sync()
    return BackupResult("sqlite", head, out)


def restore(url: str, source: Path, *, force: bool = False) -> BackupResult:
    """Replace the log at `url` with the backup in `source` (a non-empty one only if forced)."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    if url.startswith(_POSTGRES):
        return _pg_restore(url, source, force=force)
    return _sqlite_restore(_sqlite_file(url), source, force=force)


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path:
    path = sqlite_path(url)
    if path is None:
        raise BackupError(
            f"cannot back up {url!r}: give an SQLite path or a postgresql:// URL (memory:// "
            "logs are not kept)"
        )
    return path


def _check_sqlite_log(path: Path) -> int:
    """The head of the Magen SQLite log at `path` (raises BackupError if it is not one)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from exc
    try:
        columns = tuple(row[1] for row in conn.execute("PRAGMA table_info(events)"))
        if columns != _SQLITE_COLUMNS:
            raise BackupError(f"{path} is not a Magen event log")
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is damaged (PRAGMA quick_check failed)")
        head: int = conn.execute("SELECT coalesce(max(position), 0) FROM events").fetchone()[0]
        return head
    except sqlite3.OperationalError as exc:
        if _sqlite_header(path) and not os.access(path.parent, os.W_OK):
            # A log in WAL mode is read with its -shm file beside it: a folder that cannot be
            # written (evidence media, a mounted backup) cannot open it, however sound it is.
            raise BackupError(
                f"cannot open {path} ({exc}): it is an SQLite file, but its folder cannot be "
                "written; copy the log (with its -wal file, if any) to a folder that can"
            ) from exc
        raise BackupError(f"{path} is not a Magen event log ({exc})") from exc
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a Magen event log ({exc})") from exc
    finally:
        conn.close()


def _sqlite_header(path: Path) -> bool:
    """Whether the file starts as every SQLite database does."""
    try:
        with path.open("rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _sqlite_restore(target: Path, source: Path, *, force: bool) -> BackupResult:
    head = _check_sqlite_log(source)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot restore into {target}: {exc}") from exc
    # Held until the copy is done: a running server would go on serving the old log's picture
    # and acknowledge reports it never shows; a server starting meanwhile waits its turn.
    with held_alone(target):
        if target.exists() and _check_sqlite_log(target) > 0 and not force:
            raise BackupError(
                f"the event log at {target} is not empty; add --force to replace it with {source}"
            )
        _sqlite_copy(target, source)
        FileSnapshotStore(snapshots_beside(target)).clear()
    return BackupResult("sqlite", head, target)


def _sqlite_copy(target: Path, source: Path) -> None:
    try:
        with contextlib.suppress(FileExistsError):
            private_file(target)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(target, isolation_level=None)
            try:
                # Written through the target's own connection and locks, so its WAL and any
                # reader stay consistent (copying the file over it would not).
                src.backup(dst)
                dst.execute("PRAGMA journal_mode = WAL")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore {source} into {target}: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"cannot restore into {target}: {exc}") from exc


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    # Debian keeps each major version's programs apart; the newest reads every older server.
    installed = Path("/usr/lib/postgresql").glob(f"*/bin/{name}")
    versions = [(int(p.parents[1].name), p) for p in installed if p.parents[1].name.isdigit()]
    if versions:
        return str(max(versions)[1])
    raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")


def _run_tool(
    args: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL client program: an absolute path and arguments we built, no shell."""
    return subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603


def _pg_args(url: str) -> tuple[str, dict[str, str]]:
    """A conninfo for the tools without the password, which goes in the environment instead."""
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise BackupError(f"not a valid PostgreSQL URL: {exc}") from exc
    env = dict(os.environ)
    password = info.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = str(password)  # not on the command line, where `ps` shows it
    return make_conninfo("", **{k: v for k, v in info.items() if v is not None}), env


def _pg_schema(url: str) -> tuple[str, int | None]:
    """The schema Magen's tables live in at `url`, and the log's head (None if there is none)."""
    try:
        with psycopg.connect(url, connect_timeout=10, autocommit=True) as conn:
            row = conn.execute("SELECT current_schema()").fetchone()
            if row is None or row[0] is None:
                raise BackupError("no schema of the URL's search_path exists in that database")
            schema: str = row[0]
            present = conn.execute(
                "SELECT count(*) FROM information_schema.tables"
                " WHERE table_schema = %s AND table_name = ANY(%s)",
                (schema, list(_TABLES)),
            ).fetchone()
            if not present or present[0] < len(_TABLES):
                return schema, None
            head = conn.execute(
                sql.SQL("SELECT position FROM {}").format(sql.Identifier(schema, "magen_head"))
            ).fetchone()
            return schema, int(head[0]) if head else 0
    except psycopg.OperationalError as exc:
        raise BackupError(f"cannot connect to PostgreSQL: {_first_line(exc)}") from exc
    except psycopg.Error as exc:
        raise BackupError(f"cannot read the event log: {_first_line(exc)}") from exc


def _pg_backup(url: str, out: Path) -> BackupResult:
    schema, head = _pg_schema(url)
    if head is None:
        raise BackupError(f"no Magen event log in schema {schema} of that database")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot create {out.parent}: {exc}") from exc
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    private_file(partial)  # owner-only before pg_dump writes the log's contents into it
    conninfo, env = _pg_args(url)
    tables = [f"--table={_quoted(schema)}.{name}" for name in _TABLES]
    done = _run_tool(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            *tables,
            # Snapshots are derived: their table is kept, their rows are rebuilt after a restore.
            f"--exclude-table-data={_quoted(schema)}.magen_snapshots",
            f"--file={partial}",
            f"--dbname={conninfo}",
        ],
        env,
    )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {_first_line(done.stderr)}")
    os.replace(partial, out)
    # pg_dump copies one consistent snapshot, taken just after `head` was read: it holds at
    # least those events (and any committed in between).
    return BackupResult("postgresql", head, out)


def _dump_schema(source: Path) -> str:
    """The schema of the Magen tables in a pg_dump custom-format file."""
    done = _run_tool([_pg_tool("pg_restore"), "--list", str(source)])
    if done.returncode != 0:
        raise BackupError(f"{source} is not a PostgreSQL backup: {_first_line(done.stderr)}")
    for line in done.stdout.splitlines():
        found = _TOC_TABLE.match(line)
        if found:
            return found.group(1)
    raise BackupError(f"{source} is a PostgreSQL backup but holds no Magen event log")


def _pg_restore(url: str, source: Path, *, force: bool) -> BackupResult:
    dumped = _dump_schema(source)
    schema, head = _pg_schema(url)
    if schema != dumped:
        raise BackupError(
            f"the backup holds schema {dumped} but the URL's tables live in schema {schema}; "
            f"restore into a database whose search_path starts with {dumped}"
        )
    if head and not force:
        raise BackupError(
            f"the event log in schema {schema} holds {head} events; add --force to replace it"
        )
    conninfo, env = _pg_args(url)
    done = _run_tool(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            "--no-privileges",
            f"--dbname={conninfo}",
            str(source),
        ],
        env,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {_first_line(done.stderr)}")
    _, restored = _pg_schema(url)
    return BackupResult("postgresql", restored or 0, source)


def _quoted(name: str) -> str:
    """An identifier as pg_dump's patterns take it (quoted, so case and dots survive)."""
    return '"' + name.replace('"', '""') + '"'


def _first_line(error: object) -> str:
    lines = [ln.strip() for ln in str(error).splitlines() if ln.strip()]
    return lines[0] if lines else "no details"
