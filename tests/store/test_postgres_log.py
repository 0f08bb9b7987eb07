"""What only the PostgreSQL log does: its schema, fan-out by NOTIFY, lock waits, lost
connections, bulk loading, and riding out a server restart."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql
from tests.conftest import require

from magen.store.base import LogError, LogUnavailable, StoredEvent
from magen.store.postgres import PostgresEventLog
from store.eventlog_kit import ev, ids, take
from support.postgres import PgServer, PostgresMissing, shared_server, start_private

pytestmark = pytest.mark.postgres


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def pg() -> PgServer:
    try:
        return shared_server()
    except PostgresMissing as exc:
        require(False, f"PostgreSQL: {exc}")
        raise


@pytest.fixture
def url(pg: PgServer) -> str:
    return pg.fresh_url("pglog")


def _schema(url: str) -> str:
    return url.rsplit("search_path%3D", 1)[1]


@pytest.fixture
def log(url: str) -> Iterator[PostgresEventLog]:
    opened = PostgresEventLog(url)
    yield opened
    opened.close_sync()


# --- the tables ---------------------------------------------------------------------------------


def test_tables_are_made_in_the_urls_schema_and_reopened(url: str) -> None:
    first = PostgresEventLog(url)
    try:
        assert first.schema == _schema(url)
        assert first.append_sync([ev(), ev()]) == [1, 2]
    finally:
        first.close_sync()
    with psycopg.connect(url) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (_schema(url),),
            )
        }
    assert tables == {"magen_meta", "magen_head", "magen_events", "magen_snapshots"}
    again = PostgresEventLog(url)
    try:
        assert again.head() == 2
    finally:
        again.close_sync()


def test_workers_starting_together_on_an_empty_schema_make_one_log(url: str) -> None:
    opened: list[PostgresEventLog] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            opened.append(PostgresEventLog(url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert not errors
        assert [log.append_sync([ev()]) for log in opened] == [[n] for n in range(1, 7)]
    finally:
        for log in opened:
            log.close_sync()


def test_a_schema_holding_part_of_a_log_or_another_version_is_refused(url: str) -> None:
    PostgresEventLog(url).close_sync()
    schema = _schema(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("UPDATE {} SET value = '99'").format(sql.Identifier(schema, "magen_meta"))
        )
    with pytest.raises(LogError, match="schema version 99"):
        PostgresEventLog(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(schema, "magen_head")))
    with pytest.raises(LogError, match="partial Magen event log"):
        PostgresEventLog(url)


def test_a_search_path_naming_no_schema_is_refused_plainly(pg: PgServer) -> None:
    missing = pg.url + "?options=-c%20search_path%3Dno_such_schema"
    with pytest.raises(LogError, match="no schema of the search_path exists"):
        PostgresEventLog(missing)


# --- fan-out between processes -------------------------------------------------------------------


@pytest.mark.anyio
async def test_another_writers_commit_wakes_a_subscriber_by_notify(url: str) -> None:
    # The fallback poll is a minute: only NOTIFY can deliver within the two seconds allowed.
    watcher = PostgresEventLog(url, poll_interval=60.0)
    writer = PostgresEventLog(url)
    try:
        writer.append_sync([ev()])
        follower = asyncio.create_task(take(watcher, 0, 4, within=2.0))
        await asyncio.sleep(0.3)  # subscribed and idle, listening
        batch = [ev(), ev(), ev()]
        await asyncio.to_thread(writer.append_sync, batch)
        got = await follower
        assert [s.position for s in got] == [1, 2, 3, 4]
        assert ids(got)[1:] == [e.event_id for e in batch]
    finally:
        watcher.close_sync()
        writer.close_sync()


# --- lock waits and lost connections ------------------------------------------------------------


def test_an_append_waiting_too_long_for_the_head_lock_is_unavailable_then_works(
    url: str,
) -> None:
    log = PostgresEventLog(url, lock_timeout=0.3)
    try:
        log.append_sync([ev()])
        with psycopg.connect(url) as holder:
            # Another writer's transaction sits on the head row.
            holder.execute(
                sql.SQL("SELECT * FROM {} FOR UPDATE").format(
                    sql.Identifier(_schema(url), "magen_head")
                )
            )
            started = time.monotonic()
            with pytest.raises(LogUnavailable, match="lock"):
                log.append_sync([ev()])
            assert time.monotonic() - started < 3
            holder.rollback()
        assert log.append_sync([ev()]) == [2]
        assert log.unavailable_reason is None
    finally:
        log.close_sync()


def test_a_failed_append_stands_until_a_probe_or_an_append_writes_again(url: str) -> None:
    log = PostgresEventLog(url, lock_timeout=0.3)
    head_row = sql.SQL("SELECT * FROM {} FOR UPDATE").format(
        sql.Identifier(_schema(url), "magen_head")
    )
    try:
        log.append_sync([ev()])
        assert log.write_failure is None
        with psycopg.connect(url) as holder:
            holder.execute(head_row)  # another writer's transaction sits on the head row
            with pytest.raises(LogUnavailable, match="lock"):
                log.append_sync([ev()])
            assert log.write_failure is not None
            assert "lock" in log.write_failure
            log.recheck_writable()  # the probe waits for the same row and gives up too
            assert log.write_failure is not None
            holder.rollback()
        log.recheck_writable()
        assert log.write_failure is None
        assert log.head() == 1  # the probe appended nothing
        assert [s.position for s in log.read()] == [1]

        # Cleared as well by the next append that goes through, with no probe.
        with psycopg.connect(url) as holder:
            holder.execute(head_row)
            with pytest.raises(LogUnavailable):
                log.append_sync([ev()])
            holder.rollback()
        assert log.write_failure is not None
        assert log.append_sync([ev()]) == [2]
        assert log.write_failure is None
    finally:
        log.close_sync()


def test_a_database_turned_read_only_is_not_writable_until_it_takes_writes(pg: PgServer) -> None:
    url = pg.fresh_database("readonly")  # its own database: the setting reaches no other test
    log = PostgresEventLog(url)

    def read_only(admin: psycopg.Connection[Any], on: bool) -> None:
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = {}").format(
                sql.Identifier(database), sql.Literal("on" if on else "off")
            )
        )
        # Sessions take the setting when they start: end the log's writer session.
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND pid <> pg_backend_pid()",
            (log._connect_kwargs["application_name"],),
        )

    try:
        log.append_sync([ev()])
        with psycopg.connect(url, autocommit=True) as admin:
            row = admin.execute("SELECT current_database()").fetchone()
            assert row is not None
            database = row[0]
            read_only(admin, True)
            with pytest.raises(LogError, match="read-only"):
                log.append_sync([ev()])
            assert log.write_failure is not None
            assert "read-only" in log.write_failure
            log.recheck_writable()  # the probe's commit is refused as well
            assert log.write_failure is not None
            read_only(admin, False)
        log.recheck_writable()
        assert log.write_failure is None
        assert log.head() == 1  # the probe appended nothing
        assert log.append_sync([ev()]) == [2]
    finally:
        log.close_sync()


def test_a_killed_writer_connection_is_replaced_without_failing_the_append(
    log: PostgresEventLog, url: str
) -> None:
    log.append_sync([ev()])
    with psycopg.connect(url, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = %s AND pid <> pg_backend_pid()",
            (log._connect_kwargs["application_name"],),
        ).fetchall()
    assert killed
    # The idle writer connection died; nothing was in flight, so the append just goes through.
    assert log.append_sync([ev()]) == [2]
    assert [s.position for s in log.read()] == [1, 2]


@pytest.mark.slow
def test_a_writer_frozen_inside_its_transaction_cannot_stall_the_others(url: str) -> None:
    frozen, other = PostgresEventLog(url), PostgresEventLog(url, lock_timeout=15)
    try:
        frozen.append_sync([ev()])
        # A session set up as Magen's writers are, stopped after taking the head row (as a
        # SIGSTOPped worker would be): the server ends it, and the others carry on.
        stuck = frozen._connect_writer()
        stuck.execute("BEGIN")
        stuck.execute(
            sql.SQL("SELECT * FROM {} FOR UPDATE").format(
                sql.Identifier(_schema(url), "magen_head")
            )
        )
        started = time.monotonic()
        assert other.append_sync([ev()]) == [2]
        assert 4 < time.monotonic() - started < 12
        stuck.close()
    finally:
        frozen.close_sync()
        other.close_sync()


# --- bulk loading -------------------------------------------------------------------------------


def test_bulk_append_continues_the_positions_and_wakes_subscribers(log: PostgresEventLog) -> None:
    log.append_sync([ev()])
    history = [ev() for _ in range(5000)]
    assert log.bulk_append(iter(history)) == 5001
    assert log.head() == 5001
    stored = log.read(1)
    assert [s.position for s in stored] == list(range(2, 5002))
    assert ids(stored) == [e.event_id for e in history]
    assert log.append_sync([history[10]]) == [12]  # idempotency covers bulk-loaded events
    assert log.append_sync([ev()]) == [5002]


def test_bulk_append_with_a_known_id_loads_nothing(log: PostgresEventLog) -> None:
    known = ev()
    log.append_sync([known])
    with pytest.raises(LogError, match="already logged"):
        log.bulk_append([ev(), known, ev()])
    assert log.head() == 1
    assert log.read() == [StoredEvent(1, known.event_id, known.type, known.data)]


# --- a server restart ---------------------------------------------------------------------------


@pytest.fixture
def private_pg() -> Iterator[PgServer]:
    try:
        server = start_private()
    except PostgresMissing as exc:
        require(False, f"PostgreSQL: {exc}")
        raise
    try:
        yield server
    finally:
        server.destroy()


@pytest.mark.slow
@pytest.mark.anyio
async def test_an_outage_fails_fast_with_the_reason_and_heals_by_itself(
    private_pg: PgServer,
) -> None:
    url = private_pg.fresh_url("outage")
    log = PostgresEventLog(url, poll_interval=0.2)
    try:
        await log.append([ev()])
        follower = asyncio.create_task(take(log, 0, 3, within=60))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(private_pg.stop, "fast")

        for attempt in (log.head, lambda: log.append_sync([ev()]), lambda: log.read(0)):
            started = time.monotonic()
            with pytest.raises(LogUnavailable, match="PostgreSQL is unreachable"):
                attempt()
            assert time.monotonic() - started < 2  # refused at once, never hung
        assert log.unavailable_reason is not None
        assert log.write_failure is not None
        assert "PostgreSQL is unreachable" in log.write_failure
        assert not follower.done()  # the subscription waits out the outage

        await asyncio.to_thread(private_pg.start)
        deadline = time.monotonic() + 20
        # Polling is the point: recovery is noticed by the log's own probe thread.
        while log.unavailable_reason is not None and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        assert log.unavailable_reason is None
        # The same log object works again: no reopening, no restart.
        assert log.write_failure is not None  # no commit has been written since
        assert await log.append([ev()]) == [2]
        assert log.write_failure is None
        assert await log.append([ev()]) == [3]
        got = await follower
        assert [s.position for s in got] == [1, 2, 3]
    finally:
        await log.close()


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_read_finding_the_pool_emptied_by_an_outage_fails_fast(
    private_pg: PgServer,
) -> None:
    # The pool drops its dead connections as it notices them; a read arriving then finds
    # nothing to take and must not wait out the pool's timeout for a server that is gone.
    log = PostgresEventLog(private_pg.fresh_url("emptied"), poll_interval=0.2)
    try:
        await log.append([ev()])
        await asyncio.to_thread(private_pg.stop, "fast")
        await asyncio.to_thread(log._pool.check)
        assert log.unavailable_reason is None  # nothing has told the log yet
        started = time.monotonic()
        with pytest.raises(LogUnavailable, match="PostgreSQL is unreachable"):
            await asyncio.to_thread(log.head)
        assert time.monotonic() - started < 2
    finally:
        await log.close()
