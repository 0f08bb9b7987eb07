"""`magen backup` and `magen restore` on SQLite and PostgreSQL, and their refusals."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from tests.conftest import require

from magen.cli import main
from magen.store.base import EventLog, NewEvent, StoredEvent
from magen.store.factory import open_log
from magen.store.snapshot import snapshot_store
from store.eventlog_kit import ev
from support.postgres import PgServer, PostgresMissing, shared_server, with_schema


def _fill(url: str, batches: int) -> list[StoredEvent]:
    log = open_log(url)
    try:
        for _ in range(batches):
            log.append_sync([ev(), ev(), ev()])  # type: ignore[attr-defined]
        store = snapshot_store(log)
        assert store is not None
        store.save(log.head(), b"a snapshot of the old log")
        return log.read()
    finally:
        asyncio.run(log.close())


def _read(url: str) -> tuple[list[StoredEvent], list[int]]:
    log: EventLog = open_log(url)
    try:
        store = snapshot_store(log)
        assert store is not None
        return log.read(), store.positions()
    finally:
        asyncio.run(log.close())


def _magen(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


# --- SQLite -------------------------------------------------------------------------------------


def test_sqlite_backup_and_restore_round_trip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live, copy = tmp_path / "live.db", tmp_path / "restored" / "magen.db"
    events = _fill(str(live), 4)
    status, out, _ = _magen(capsys, "backup", "--db", str(live), "--out", str(tmp_path / "b.db"))
    assert status == 0
    assert "backed up 12 events (sqlite)" in out
    status, out, _ = _magen(capsys, "restore", "--db", str(copy), "--from", str(tmp_path / "b.db"))
    assert status == 0, out
    assert _read(str(copy)) == (events, [])


def test_sqlite_restore_refuses_a_log_with_events_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, current = tmp_path / "old.db", tmp_path / "current.db"
    kept = _fill(str(old), 2)
    _fill(str(current), 5)
    assert main(["backup", "--db", str(old), "--out", str(tmp_path / "old.bak")]) == 0
    status, _, err = _magen(
        capsys, "restore", "--db", str(current), "--from", str(tmp_path / "old.bak")
    )
    assert status == 2
    assert err.strip().endswith("add --force to replace it with " + str(tmp_path / "old.bak"))
    assert len(err.strip().splitlines()) == 1
    assert len(_read(str(current))[0]) == 15  # untouched
    status, _, _ = _magen(
        capsys, "restore", "--db", str(current), "--from", str(tmp_path / "old.bak"), "--force"
    )
    assert status == 0
    # The older history is back, and the snapshot of the replaced log is gone with it.
    assert _read(str(current)) == (kept, [])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["backup", "--db", "{tmp}/missing.db", "--out", "{tmp}/b.db"], "no event log at"),
        (["backup", "--db", "{tmp}/live.db", "--out", "{tmp}"], "is a directory"),
        (["backup", "--db", "mysql://db/magen", "--out", "{tmp}/b.db"], "give an SQLite path"),
        (["backup", "--db", "{tmp}/not-a-log.db", "--out", "{tmp}/b.db"], "not a Magen"),
        (["restore", "--db", "{tmp}/new.db", "--from", "{tmp}/missing.bak"], "no backup file"),
        (["restore", "--db", "{tmp}/new.db", "--from", "{tmp}/not-a-log.db"], "not a Magen"),
        (["restore", "--db", "memory://", "--from", "{tmp}/live.db"], "give an SQLite path"),
        (["snapshot", "--db", "{tmp}/missing.db"], "no event log at"),
    ],
)
def test_bad_paths_and_urls_are_one_line_errors_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    _fill(str(tmp_path / "live.db"), 1)
    (tmp_path / "not-a-log.db").write_text("just some text, not a database\n" * 10)
    status, out, err = _magen(capsys, *[a.format(tmp=tmp_path) for a in args])
    assert status == 2
    assert out == ""
    assert err.startswith("magen: ")
    assert message in err
    assert len(err.strip().splitlines()) == 1


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture
def pg() -> PgServer:
    try:
        return shared_server()
    except PostgresMissing as exc:
        require(False, f"PostgreSQL: {exc}")
        raise


def _database_with_schema(pg: PgServer, schema: str) -> str:
    """A new database holding an empty schema of that name; its URL, searching that schema."""
    url = pg.fresh_database("restore")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return with_schema(url, schema)


@pytest.mark.postgres
def test_postgres_backup_restores_into_another_database(
    pg: PgServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = pg.fresh_url("bak")
    events = _fill(source, 5)
    dump = tmp_path / "magen.dump"
    status, out, _ = _magen(capsys, "backup", "--db", source, "--out", str(dump))
    assert status == 0, out
    assert "backed up 15 events (postgresql)" in out
    schema = source.rsplit("search_path%3D", 1)[1]
    target = _database_with_schema(pg, schema)
    status, out, _ = _magen(capsys, "restore", "--db", target, "--from", str(dump))
    assert status == 0, out
    assert "restored 15 events" in out
    # Everything but the snapshots (they are rebuilt by the first start).
    assert _read(target) == (events, [])
    log = open_log(target)
    try:
        first = events[0]
        again = NewEvent(first.event_id, first.type, first.data)
        assert log.append_sync([again]) == [1]  # type: ignore[attr-defined]
        assert log.append_sync([ev()]) == [16]  # type: ignore[attr-defined]
    finally:
        asyncio.run(log.close())


@pytest.mark.postgres
def test_postgres_restore_refuses_a_log_with_events_unless_forced(
    pg: PgServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg.fresh_url("force")
    kept = _fill(url, 2)
    dump = tmp_path / "magen.dump"
    assert main(["backup", "--db", url, "--out", str(dump)]) == 0
    _fill(url, 3)  # the log moves on after the backup
    status, _, err = _magen(capsys, "restore", "--db", url, "--from", str(dump))
    assert status == 2
    assert "holds 15 events; add --force" in err
    assert len(_read(url)[0]) == 15
    assert main(["restore", "--db", url, "--from", str(dump), "--force"]) == 0
    assert _read(url) == (kept, [])


@pytest.mark.postgres
def test_postgres_restore_refusals(
    pg: PgServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = pg.fresh_url("src")
    _fill(source, 1)
    dump = tmp_path / "magen.dump"
    assert main(["backup", "--db", source, "--out", str(dump)]) == 0
    capsys.readouterr()
    other_schema = pg.fresh_url("other")
    for args, message in [
        (["restore", "--db", other_schema, "--from", str(dump)], "restore into a database whose"),
        (["restore", "--db", other_schema, "--from", str(tmp_path)], "no backup file"),
        (["backup", "--db", other_schema, "--out", str(tmp_path / "x.dump")], "no Magen event log"),
        (["backup", "--db", "postgresql://u@127.0.0.1:1/x", "--out", "x.dump"], "cannot connect"),
    ]:
        status, _, err = _magen(capsys, *args)
        assert status == 2, args
        assert message in err, err
        assert len(err.strip().splitlines()) == 1, err
    text = tmp_path / "text.dump"
    text.write_text("not a dump\n")
    status, _, err = _magen(capsys, "restore", "--db", other_schema, "--from", str(text))
    assert (status, "is not a PostgreSQL backup" in err) == (2, True)
