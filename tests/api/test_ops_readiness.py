"""Readiness tells a load balancer the truth about an SQLite log: not ready while no report
can be written, while the log is behind what this worker shows, or while it does not follow
what other processes append."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from magen.api.app import create_app
from magen.api.routes import ops
from magen.clock import ManualClock
from magen.config import Settings
from magen.domain.accounts import CreateAccount
from magen.domain.base import SYSTEM
from magen.domain.values import Role
from magen.store.sqlite import SqliteEventLog
from support.apikit import START, password_hash

SECRET = b"r" * 32


def _account(username: str) -> CreateAccount:
    return CreateAccount(
        command_id=uuid.uuid4(),
        username=username,
        role=Role.DISPATCHER,
        display_name=username.title(),
        password_hash=password_hash(),
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "magen.db"


def _client(db: Path, log: SqliteEventLog) -> TestClient[Any]:
    settings = Settings(database=str(db), secret=SECRET, follow_log=False)
    return TestClient(create_app(settings, clock=ManualClock(START), log=log))


def _handle(client: TestClient[Any], command: CreateAccount) -> Any:
    service = client.app.state["runtime"].service
    return client.blocking_portal.call(service.handle, SYSTEM, command)  # type: ignore[union-attr]


@pytest.fixture
def client(db: Path) -> Iterator[TestClient[Any]]:
    with _client(db, SqliteEventLog(db, busy_timeout=0.3)) as c:
        yield c


def test_not_ready_while_the_last_append_failed_and_ready_after_the_next_succeeds(
    client: TestClient[Any], db: Path
) -> None:
    _handle(client, _account("dina"))
    assert client.get("/readyz").status_code == 200
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        with pytest.raises(Exception, match="lock"):
            _handle(client, _account("omer"))
        got = client.get("/readyz")
        assert got.status_code == 503
        assert got.headers["retry-after"] == "5"
        body = got.json()
        assert body["status"] == "unavailable"
        assert body["database"] == "not writable"
        assert body["reason"].startswith("the last append failed: another writer held the lock")
        assert client.head("/readyz").status_code == 503
    finally:
        other.execute("ROLLBACK")
        other.close()
    _handle(client, _account("omer"))
    assert client.get("/readyz").status_code == 200


def test_ready_again_once_the_log_takes_writes_with_no_append_to_clear_it(
    client: TestClient[Any], db: Path
) -> None:
    """A load balancer sends a worker it took out on 503 nothing: readiness itself finds out
    the log takes writes again."""
    _handle(client, _account("dina"))
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(Exception, match="lock"):
            _handle(client, _account("omer"))
        assert client.get("/readyz").status_code == 503  # still locked: the probe fails too
    finally:
        other.execute("ROLLBACK")
        other.close()
    got = client.get("/readyz")
    assert got.status_code == 200, got.text
    assert got.json()["log_head"] == 1  # the probe appended nothing


def test_not_ready_when_the_log_ends_before_what_this_worker_applied(
    client: TestClient[Any], db: Path
) -> None:
    for name in ("dina", "omer", "tamar"):
        _handle(client, _account(name))
    assert client.get("/readyz").json()["applied"] == 3
    # The file replaced under the server, as a restore of an older backup would.
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("DELETE FROM events WHERE position > 1")
    other.close()
    got = client.get("/readyz")
    assert got.status_code == 503
    body = got.json()
    assert (body["log_head"], body["applied"]) == (1, 3)
    assert body["database"] == "behind the picture"
    assert "restart the server" in body["reason"]


def test_not_ready_while_it_stays_behind_what_another_process_appended(
    client: TestClient[Any], db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ops, "LAG_GRACE_S", 0.3)
    # Another server on the file (this one does not follow it) records an account.
    with _client(db, SqliteEventLog(db)) as second:
        _handle(second, _account("omer"))
    first = client.get("/readyz")
    assert first.status_code == 200  # within the grace: it may be about to catch up
    assert first.json()["lag"] == 1
    time.sleep(0.4)
    late = client.get("/readyz")
    assert late.status_code == 503
    assert late.json()["database"] == "lagging"
    assert "does not follow the log" in late.json()["reason"]
