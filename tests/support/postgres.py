"""A throwaway PostgreSQL for tests, or the existing server MAGEN_TEST_PG_URL names.

`shared_server()` starts one cluster per test session from the Debian binaries (initdb in a
temporary folder, run as the `postgres` OS user when we are root, since PostgreSQL refuses to
run as root), listening on a free loopback port, and stops it when the session ends. Each test
gets its own schema (`fresh_url()`), so logs never see each other and nothing needs dropping.
`start_private()` gives a test its own server to stop and start (the fault tests).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

ENV_URL = "MAGEN_TEST_PG_URL"
_SEARCH_DIRS = ("/usr/lib/postgresql",)


class PostgresMissing(Exception):
    """No PostgreSQL can be started or reached here; the message says why."""


def bin_dir() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or the newest Debian install."""
    found = shutil.which("pg_ctl")
    if found and Path(found).resolve().with_name("initdb").exists():
        return Path(found).resolve().parent
    versions: list[tuple[int, Path]] = []
    for base in _SEARCH_DIRS:
        for candidate in Path(base).glob("*/bin"):
            if (candidate / "initdb").exists() and candidate.parent.name.isdigit():
                versions.append((int(candidate.parent.name), candidate))
    return max(versions)[1] if versions else None


def tool(name: str) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore, psql)."""
    where = bin_dir()
    if where is not None and (where / name).exists():
        return str(where / name)
    found = shutil.which(name)
    if found is None:
        raise PostgresMissing(f"{name} is not installed (Debian: apt-get install postgresql)")
    return found


def with_schema(url: str, schema: str) -> str:
    """The same server and database, with Magen's tables in `schema`."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-c search_path={schema}')}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PgServer:
    """A PostgreSQL server and one scratch database on it for this session."""

    admin_url: str  # the maintenance database, for CREATE/DROP DATABASE
    url: str  # the scratch database tests use
    database: str
    datadir: Path | None = None  # set when we started the server (and may stop it)
    port: int = 0
    _run_as: list[str] = field(default_factory=list)
    _numbers: Iterator[int] = field(default_factory=itertools.count)
    _databases: list[str] = field(default_factory=list)  # made by fresh_database()
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def owned(self) -> bool:
        return self.datadir is not None

    def fresh_url(self, prefix: str = "log") -> str:
        """The URL of a new, empty schema in the scratch database."""
        with self._lock:
            name = f"{prefix}_{next(self._numbers)}_{secrets.token_hex(3)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        return with_schema(self.url, name)

    def fresh_database(self, prefix: str = "db") -> str:
        """The URL of a new, empty database on the server."""
        with self._lock:
            name = f"{self.database}_{prefix}{next(self._numbers)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._databases.append(name)
        return _replace_database(self.admin_url, name)

    # --- only for a server we started ------------------------------------------------------

    def _pg_ctl(self, *args: str, timeout: float = 60.0) -> None:
        if self.datadir is None:
            raise PostgresMissing("cannot start or stop a server this test did not start")
        done = subprocess.run(
            [*self._run_as, tool("pg_ctl"), "-D", str(self.datadir), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise PostgresMissing(f"pg_ctl {args[0]} failed: {done.stderr.strip() or done.stdout}")

    def start(self) -> None:
        """Start the server (waits until it accepts connections)."""
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1"
            f" -c unix_socket_directories={self.datadir}"
            " -c max_connections=300 -c shared_buffers=256MB -c max_wal_size=2GB"
        )
        log = self.datadir / "server.log" if self.datadir else None
        self._pg_ctl("start", "-w", "-t", "60", "-o", options, "-l", str(log))

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: fast (disconnect everyone, clean) or immediate (like a crash)."""
        self._pg_ctl("stop", "-w", "-t", "60", "-m", mode)

    def running(self) -> bool:
        try:
            with psycopg.connect(self.admin_url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def destroy(self) -> None:
        """Stop the server and remove its files (or drop the scratch database)."""
        if self.datadir is None:
            with (
                contextlib.suppress(psycopg.Error),
                psycopg.connect(self.admin_url, autocommit=True) as conn,
            ):
                for name in [*self._databases, self.database]:
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )
            return
        with contextlib.suppress(PostgresMissing, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _replace_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name)))


def start_private(base: Path | None = None) -> PgServer:
    """A new cluster from the installed binaries, on a free loopback port, running."""
    where = bin_dir()
    if where is None:
        raise PostgresMissing(
            "PostgreSQL is not installed (scripts/setup.sh dev installs it; or set "
            f"{ENV_URL} to an existing server)"
        )
    as_root = os.geteuid() == 0
    run_as: list[str] = []
    if as_root:
        # PostgreSQL will not run as root: the `postgres` user owns and runs the cluster.
        runuser = shutil.which("runuser", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
        if runuser is None:
            raise PostgresMissing("running as root without runuser to become `postgres`")
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise PostgresMissing("running as root and there is no `postgres` user") from exc
        run_as = [runuser, "-u", "postgres", "--"]
    # As root the cluster belongs to `postgres`, who must be able to reach it: not under a
    # private TMPDIR, so the system /tmp unless told otherwise.
    parent = base or ("/tmp" if as_root else None)
    root = Path(tempfile.mkdtemp(prefix="magen-pg-", dir=parent))
    datadir = root / "data"
    if as_root:
        shutil.chown(root, user="postgres", group="postgres")
    done = subprocess.run(
        [
            *run_as,
            str(where / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresMissing(f"initdb failed: {done.stderr.strip()[-500:]}")
    port = _free_port()
    admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    server = PgServer(
        admin_url=admin, url=admin, database="postgres", datadir=datadir, port=port, _run_as=run_as
    )
    try:
        server.start()
    except (PostgresMissing, subprocess.TimeoutExpired):
        log = datadir / "server.log"
        tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresMissing(f"the throwaway PostgreSQL did not start: {tail}") from None
    return server


def existing(url: str) -> PgServer:
    """An existing server, with a scratch database of our own that `destroy()` drops."""
    try:
        return _with_scratch_database(PgServer(admin_url=url, url=url, database=""))
    except psycopg.Error as exc:
        raise PostgresMissing(f"cannot use the PostgreSQL at that URL: {exc}") from exc


def _with_scratch_database(server: PgServer) -> PgServer:
    name = f"magen_test_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(server.admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    server.url = _replace_database(server.admin_url, name)
    server.database = name
    return server


class _Session:
    """The one server of this test session, started on first use."""

    server: PgServer | None = None
    error: str | None = None
    lock = threading.Lock()


def shared_server() -> PgServer:
    """The session's server: MAGEN_TEST_PG_URL, else a throwaway one (raises PostgresMissing)."""
    with _Session.lock:
        if _Session.server is not None:
            return _Session.server
        if _Session.error is not None:
            raise PostgresMissing(_Session.error)
        try:
            url = os.environ.get(ENV_URL)
            if url:
                try:
                    server = existing(url)
                except PostgresMissing as exc:
                    raise PostgresMissing(f"{ENV_URL} is set but unusable: {exc}") from exc
            else:
                server = _with_scratch_database(start_private())
        except PostgresMissing as exc:
            _Session.error = str(exc)
            raise
        _Session.server = server
        atexit.register(stop_shared)
        return server


def stop_shared() -> None:
    """Stop the session's throwaway server (or drop its scratch database)."""
    with _Session.lock:
        server, _Session.server = _Session.server, None
    if server is not None:
        server.destroy()


def wait_until(predicate: object, timeout: float, interval: float = 0.05) -> bool:
    """Poll a zero-argument callable until it returns true or the time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(interval)
    return False
