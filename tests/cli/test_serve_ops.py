"""What a sysadmin meets running `magen serve` on an SQLite log, as real processes.

Restoring under a running server, a second server on the same file, a damaged or read-only
log, a mistyped --db, the token secret across worker counts, and who may read the files.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

PASSWORD = "a long password"


def magen(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "magen", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**_clean_env(), **(env or {})},
        check=False,
    )


def _clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("MAGEN_SECRET", "MAGEN_DB", "MAGEN_FOLLOW_LOG", "MAGEN_PASSWORD")
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(port: int, path: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _post(port: int, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@contextlib.contextmanager
def serving(db: Path | str, *extra: str) -> Iterator[int]:
    """A `magen serve` process on a free port, ready; stopped (SIGINT) at the end."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "magen", "serve", "--db", str(db), "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_clean_env(),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"serve ended: {proc.stdout.read() if proc.stdout else ''}")
            with contextlib.suppress(OSError):
                if _get(port, "/readyz")[0] == 200:
                    break
            assert time.monotonic() < deadline, "serve did not become ready"
            time.sleep(0.2)
        yield port
    finally:
        proc.send_signal(2)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _add_user(db: Path | str, username: str = "dina", role: str = "dispatcher") -> Any:
    return magen(
        "users",
        "add",
        "--username",
        username,
        "--role",
        role,
        "--db",
        str(db),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "magen.db"
    assert _add_user(path).returncode == 0
    return path


def _wait_for(check: Any, seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        got = check()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


# --- #1: restore under a running server -----------------------------------------------------


def test_restore_refuses_while_a_server_has_the_log_open_and_works_once_it_stopped(
    db: Path, tmp_path: Path
) -> None:
    backup = tmp_path / "before.db"
    assert magen("backup", "--db", str(db), "--out", str(backup)).returncode == 0
    assert _add_user(db, "omer").returncode == 0  # the log moves on past the backup
    with serving(db):
        r = magen("restore", "--db", str(db), "--from", str(backup), "--force")
        assert r.returncode == 2
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "is open in a running Magen (process " in r.stderr
        assert "stop" in r.stderr
        # Untouched: both accounts are still in the log.
        assert "omer" in magen("users", "list", "--db", str(db)).stdout
    r = magen("restore", "--db", str(db), "--from", str(backup), "--force")
    assert r.returncode == 0, r.stderr
    assert "omer" not in magen("users", "list", "--db", str(db)).stdout


# --- #2: a second server on the same file ---------------------------------------------------


def test_two_single_worker_servers_on_one_file_show_each_others_reports(db: Path) -> None:
    with serving(db) as first, serving(db) as second:
        status, token = _post(
            second, "/api/v1/auth/token", {"username": "dina", "password": PASSWORD}
        )
        assert status == 200, token
        # The sign-in made no event; an account made through the CLI (a third process) does.
        assert _add_user(db, "omer").returncode == 0
        head = _get(second, "/readyz")[1]["log_head"]
        for port in (first, second):
            applied = _wait_for(lambda p=port: _get(p, "/readyz")[1]["applied"] >= head)
            assert applied, f"the server on {port} never applied position {head}"
            assert _get(port, "/readyz")[0] == 200


# --- #7: a damaged log ----------------------------------------------------------------------


def _damage(db: Path, tmp_path: Path) -> Path:
    # Enough events that the table spans many pages, then pages overwritten in the middle.
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.executemany(
        "INSERT INTO events (position, event_id, type, data) VALUES (?, ?, 'Filler', ?)",
        [(1000 + i, os.urandom(16), b"x" * 2000) for i in range(200)],
    )
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    broken = tmp_path / "broken.db"
    shutil.copy(db, broken)
    with open(broken, "r+b") as fh:
        fh.seek(40_000)
        fh.write(os.urandom(200_000))
    return broken


def test_a_damaged_log_is_one_line_naming_it_from_every_command(db: Path, tmp_path: Path) -> None:
    broken = _damage(db, tmp_path)
    for args in (
        ["users", "list"],
        ["log", "export"],
        ["replay"],
        ["snapshot"],
        ["serve", "--port", str(_free_port())],
    ):
        r = magen(*args, "--db", str(broken))
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, (args, r.stderr)
        assert f"the event log at {broken} is damaged" in lines[0]
        assert lines[0].endswith("restore it from a backup")
        assert "serving" not in r.stdout


def test_a_file_that_is_no_database_is_said_before_a_secret_is_made_for_it(
    tmp_path: Path,
) -> None:
    junk = tmp_path / "notes.db"
    junk.write_bytes(os.urandom(5000))
    for args in (["users", "list"], ["snapshot"], ["log", "export"], ["replay"]):
        r = magen(*args, "--db", str(junk))
        assert r.returncode == 2, (args, r.stderr)
        assert "is damaged" in r.stderr, (args, r.stderr)
    assert not junk.with_name(junk.name + ".secret").exists()


# --- #6: a log that cannot be written -------------------------------------------------------


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0, reason="no setpriv")
def test_serve_refuses_a_log_it_cannot_write(db: Path) -> None:
    db.chmod(0o444)
    argv = [sys.executable, "-m", "magen", "serve", "--db", str(db), "--port", str(_free_port())]
    if os.geteuid() == 0:  # root writes read-only files: drop that power
        caps = "-dac_override,-dac_read_search"
        argv = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *argv]
    r = subprocess.run(
        argv, capture_output=True, text=True, timeout=60, env=_clean_env(), check=False
    )
    assert r.returncode == 2
    assert r.stderr.strip() == (
        f"magen: cannot write to the event log at {db}: attempt to write a readonly database"
    )
    assert "serving" not in r.stdout


@pytest.mark.skipif(shutil.which("setpriv") is None and os.geteuid() == 0, reason="no setpriv")
def test_a_log_in_a_folder_that_cannot_be_written_is_read_from_a_copy_and_says_so(
    db: Path, tmp_path: Path
) -> None:
    """A log on evidence media or a mounted backup: every command says to read a copy, and
    `backup` no longer calls a sound log "not a Magen event log"."""
    for leftover in db.parent.glob(f"{db.name}-*"):
        if leftover.name.endswith(("-lock", "-gate")):
            leftover.unlink()
    folder = db.parent
    out = tmp_path.parent / f"{tmp_path.name}-copy.bak"
    folder.chmod(0o555)
    try:
        prefix: list[str] = []
        if os.geteuid() == 0:  # root writes read-only folders: drop that power
            caps = "-dac_override,-dac_read_search"
            prefix = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]
        for args in (
            ["users", "list", "--db", str(db)],
            ["backup", "--db", str(db), "--out", str(out)],
        ):
            r = subprocess.run(
                [*prefix, sys.executable, "-m", "magen", *args],
                capture_output=True,
                text=True,
                timeout=60,
                env=_clean_env(),
                check=False,
            )
            assert r.returncode == 2, (args, r.stderr)
            assert "copy the log" in r.stderr, (args, r.stderr)
            assert "not a Magen event log" not in r.stderr, r.stderr
    finally:
        folder.chmod(0o755)
        out.unlink(missing_ok=True)


# --- #8: a mistyped --db ----------------------------------------------------------------------


def test_listing_users_of_a_missing_log_says_so_and_makes_nothing(tmp_path: Path) -> None:
    r = magen("users", "list", "--db", str(tmp_path / "typo" / "magne.db"))
    assert r.returncode == 2
    assert r.stderr.strip() == f"magen: no event log at {tmp_path / 'typo' / 'magne.db'}"
    assert list(tmp_path.iterdir()) == []


def test_a_directory_given_as_the_log_is_named_and_leaves_nothing_behind(tmp_path: Path) -> None:
    folder = tmp_path / "adir"
    folder.mkdir()
    for args in (["users", "list"], ["snapshot"], ["serve", "--port", str(_free_port())]):
        r = magen(*args, "--db", str(folder))
        assert r.returncode == 2, r.stderr
        assert "is a directory" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]


def test_making_a_log_by_adding_a_user_says_a_new_log_was_made(tmp_path: Path) -> None:
    fresh = tmp_path / "new.db"
    r = _add_user(fresh)
    assert r.returncode == 0
    assert r.stderr.strip() == f"magen: created a new, empty event log at {fresh}"
    again = _add_user(fresh, "omer")
    assert again.returncode == 0
    assert again.stderr == ""


def test_serve_prints_the_absolute_database_and_says_when_it_made_one(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "magen", "serve", "--db", "rel/magen.db", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    )
    try:
        assert proc.stdout is not None
        assert proc.stderr is not None
        said = proc.stderr.readline().strip()
        serving_line = proc.stdout.readline().strip()
    finally:
        proc.send_signal(2)
        proc.wait(20)
    where = tmp_path / "rel" / "magen.db"
    assert said == f"magen: created a new, empty event log at {where}"
    assert serving_line == f"magen: serving http://127.0.0.1:{port}/ (database {where})"


# --- #3 and #11: the token secret ---------------------------------------------------------------


def test_workers_sign_with_the_secret_files_own_bytes(db: Path) -> None:
    secret_file = db.with_name(db.name + ".secret")
    secret = bytes(range(128, 160))  # every byte above 0x7f: no text encoding may touch them
    secret_file.write_bytes(secret)
    with serving(db, "--workers", "2") as port:
        status, body = _post(port, "/api/v1/auth/token", {"username": "dina", "password": PASSWORD})
    assert status == 200, body
    # The token checks out with the file's bytes, as a one-worker server checks it.
    claims = jwt.decode(body["access_token"], secret, algorithms=["HS256"])
    assert claims["sub"] == body["account_id"]


def test_a_short_secret_file_or_variable_is_refused_at_start(db: Path) -> None:
    secret_file = db.with_name(db.name + ".secret")
    secret_file.write_bytes(b"")
    r = magen("serve", "--db", str(db), "--port", str(_free_port()))
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"magen: the token secret in {secret_file} is 0 bytes")
    assert len(r.stderr.strip().splitlines()) == 1
    assert "serving" not in r.stdout
    secret_file.unlink()
    r = magen("users", "list", "--db", str(db), env={"MAGEN_SECRET": "x"})
    assert r.returncode == 2
    assert r.stderr.strip().startswith("magen: MAGEN_SECRET is 1 bytes; it needs at least 32")


# --- #10: who may read the files ---------------------------------------------------------------


def test_the_log_its_companions_backups_and_exports_are_the_owners_only(
    tmp_path: Path,
) -> None:
    db = tmp_path / "magen.db"
    assert _add_user(db).returncode == 0
    backup = tmp_path / "b.db"
    assert magen("backup", "--db", str(db), "--out", str(backup)).returncode == 0
    raw = tmp_path / "raw.jsonl"
    assert magen("log", "export", "--raw", "--db", str(db), "--out", str(raw)).returncode == 0
    restored = tmp_path / "restored.db"
    assert magen("restore", "--db", str(restored), "--from", str(backup)).returncode == 0
    conn = sqlite3.connect(db)  # keeps -wal and -shm in place while we look
    conn.execute("SELECT 1 FROM events").fetchall()
    try:
        names = ["magen.db", "magen.db-wal", "magen.db-shm", "magen.db-gate", "magen.db-lock"]
        names += ["magen.db.secret", "b.db", "raw.jsonl", "restored.db"]
        for name in names:
            mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
            assert mode == 0o600, f"{name} is {oct(mode)}"
    finally:
        conn.close()


# --- #13 and #17 --------------------------------------------------------------------------------


def test_backup_does_not_replace_an_earlier_backup_unless_forced(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.db"
    out.write_bytes(b"the only good backup")
    r = magen("backup", "--db", str(db), "--out", str(out))
    assert r.returncode == 2
    assert r.stderr.strip() == f"magen: {out} already exists; add --force to replace that backup"
    assert out.read_bytes() == b"the only good backup"
    assert magen("backup", "--db", str(db), "--out", str(out), "--force").returncode == 0
    assert out.read_bytes() != b"the only good backup"


def test_a_day_alone_is_answered_with_forms_that_work(db: Path) -> None:
    # "Until the 25th": its start or its end? Refused, with both written as times.
    r = magen("replay", "--db", str(db), "--until", "2026-11-25")
    assert r.returncode == 2
    suggested = (
        r.stderr.strip().split("e.g. ")[1].removesuffix(" on the town's clock").split(" or ")
    )
    assert suggested == ["2026-11-25T00:00", "2026-11-25T23:59:59"]
    for form in suggested:
        done = magen("replay", "--db", str(db), "--until", form, "--compact")
        assert done.returncode == 0, done.stderr


def test_a_mistyped_time_zone_is_one_line_before_serving(tmp_path: Path) -> None:
    db = tmp_path / "tz.db"
    done = magen(
        "serve", "--db", str(db), "--port", "1", env={"MAGEN_TIMEZONE": "Europe/Bucharset"}
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "magen: MAGEN_TIMEZONE: no time zone 'Europe/Bucharset' (give an IANA name such as "
        "Asia/Jerusalem or Europe/Bucharest)"
    ]
    assert "serving" not in done.stdout
    assert not db.exists()  # refused before anything was made


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("MAGEN_CAP_SENDER", "magen at baka", "is not a CAP sender"),
        ("MAGEN_TRACK_STALE_S", "5", "must be between 10 and 86400 seconds"),
    ],
)
def test_a_bad_setting_is_one_line_before_serving(
    tmp_path: Path, name: str, value: str, said: str
) -> None:
    done = magen("serve", "--db", str(tmp_path / "s.db"), "--port", "1", env={name: value})
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"magen: {name}")
    assert said in line
    assert "serving" not in done.stdout


# --- sign-in limits behind a reverse proxy ---------------------------------------------------


def _wrong_sign_ins(port: int, count: int, forwarded: bool) -> list[int]:
    """Statuses of `count` wrong passwords for one user, each through a proxy that names
    another client address in X-Forwarded-For (when `forwarded`)."""
    statuses = []
    for i in range(count):
        headers = {"Content-Type": "application/json"}
        if forwarded:
            headers["X-Forwarded-For"] = f"198.51.100.{i + 1}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/token",
            data=json.dumps({"username": "dina", "password": "not it"}).encode(),
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                statuses.append(r.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
    return statuses


def test_behind_a_trusted_proxy_sign_in_limits_count_the_client_not_the_proxy(
    db: Path,
) -> None:
    # The proxy here is this machine (trusted by default): six clients, one guess each.
    with serving(db) as port:
        assert _wrong_sign_ins(port, 6, forwarded=True) == [401] * 6
    # A proxy not named: its header is not believed, the six guesses are one address's.
    with serving(db, "--forwarded-allow-ips", "192.0.2.7") as port:
        assert _wrong_sign_ins(port, 6, forwarded=True)[-1] == 429
