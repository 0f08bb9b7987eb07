"""Guards around an SQLite log's file: who has it open, what it is made as, what SQLite says."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from magen.config import load_secret
from magen.store.backup import restore
from magen.store.base import LogError
from magen.store.sqlite import SqliteEventLog, held_alone
from store.eventlog_kit import ev


def _log_with(path: Path, count: int) -> None:
    log = SqliteEventLog(path)
    try:
        log.append_sync([ev() for _ in range(count)])
    finally:
        log.close_sync()


def test_a_restore_is_refused_while_the_log_is_open_and_a_log_cannot_open_during_one(
    tmp_path: Path,
) -> None:
    live, backup = tmp_path / "live.db", tmp_path / "backup.db"
    _log_with(backup, 2)
    _log_with(live, 5)
    log = SqliteEventLog(live)
    try:
        with pytest.raises(LogError, match="is open in a running Magen; stop every"):
            restore(str(live), backup, force=True)
        assert log.head() == 5
    finally:
        log.close_sync()
    with held_alone(live), pytest.raises(LogError, match="is being restored"):
        SqliteEventLog(live)
    assert restore(str(live), backup, force=True).head == 2


def test_the_log_and_the_files_beside_it_are_made_for_their_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "magen.db"
    log = SqliteEventLog(path)
    try:
        log.append_sync([ev()])
        log.backup(tmp_path / "copy.db")
        for name in ("magen.db", "magen.db-wal", "magen.db-shm", "magen.db-gate", "magen.db-lock"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
        assert stat.S_IMODE((tmp_path / "copy.db").stat().st_mode) == 0o600
    finally:
        log.close_sync()


def test_a_damaged_file_is_a_log_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "magen.db"
    log = SqliteEventLog(path)
    log.append_sync([ev(b"x" * 3000) for _ in range(100)])
    log.close_sync()
    with open(path, "r+b") as fh:
        fh.seek(3 * 4096)
        fh.write(os.urandom(40 * 4096))
    log = SqliteEventLog(path)
    try:
        with pytest.raises(LogError, match=r"is damaged \(.*\); restore it from a backup$"):
            log.read(0)
        with pytest.raises(LogError, match="is damaged"):
            log.check()
    finally:
        asyncio.run(log.close())


def test_a_fresh_secret_is_written_whole_and_a_short_one_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAGEN_SECRET", raising=False)
    db = tmp_path / "magen.db"
    secret = load_secret(str(db))
    assert len(secret) == 32
    assert sorted(p.name for p in tmp_path.iterdir()) == ["magen.db.secret"]
    assert load_secret(str(db)) == secret
    (tmp_path / "magen.db.secret").write_bytes(b"short")
    with pytest.raises(LogError, match=r"magen\.db\.secret is 5 bytes; it needs at least 32"):
        load_secret(str(db))
    monkeypatch.setenv("MAGEN_SECRET", "é" * 16)  # 32 bytes in UTF-8, as documented
    assert load_secret(str(db)) == ("é" * 16).encode()
