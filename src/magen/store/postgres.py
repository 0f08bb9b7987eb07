"""The scale-out event log: PostgreSQL through psycopg 3, shared by every API worker.

Positions. The log's head lives in a one-row table. An append transaction first locks that row
(`SELECT ... FOR UPDATE`), numbers its events from the head, inserts them and moves the head,
then commits. Why a locked counter and not a sequence or `max(position) + 1`: those let two
transactions number events at once, and the one holding the higher positions may commit
first; a reader then sees N+1 before N exists, moves past N, and never sees N when it commits
(a sequence also leaves holes when a transaction rolls back). With the row lock, appenders take
turns: the next one reads the head only once the previous commit is visible to every new
snapshot (PostgreSQL makes a commit visible before it releases the commit's row locks), so
positions follow commit order with no gap, and a rolled-back append hands its numbers back.
The lock is taken once per group commit, not per event.

Group commit. One writer thread owns the write connection; appends wait in a queue and the
writer commits every batch waiting in one transaction, so concurrent callers share a commit.

Idempotency. A unique index on event ids; inside the lock the writer looks the batch's ids up,
so a retried event returns its first position and the same id with other content is refused.

Fan-out. The append transaction calls `pg_notify` with the new head; it is delivered at commit.
Each process listens on its own connection and wakes its subscribers, which then read the new
rows from the table. A subscriber also re-reads every `poll_interval` seconds, in case a
notification is lost while the listening connection is re-established.

Outages. A connection failure (server down or restarting) is `LogUnavailable`: the API answers
503 with the reason. A probe reconnects with growing pauses; meanwhile every call fails at once
with that reason instead of waiting, and everything works again once a probe gets through.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import queue
import select
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from magen.store._groupcommit import (
    STOP,
    Append,
    Outcome,
    Then,
    answer,
    groups,
    place,
    submit,
    submit_sync,
    submit_then,
    wake,
)
from magen.store.base import LogError, LogUnavailable, NewEvent, ProbedWrites, StoredEvent

log = logging.getLogger("magen.store.postgres")

SCHEMA_VERSION: Final = 1
TABLES: Final = ("magen_meta", "magen_head", "magen_events", "magen_snapshots")

_SUBSCRIBE_CHUNK: Final = 1_000
_SNAPSHOT_CHUNK: Final = 32 * 1024 * 1024
# Serialises creating the tables when several workers start at once on an empty database.
_SETUP_LOCK: Final = 0x6D6167656E  # "magen"

_T = TypeVar("_T")

# How long a read waits for a pooled connection before checking that the server is there.
_FIRST_POOL_WAIT: Final = 0.5

_Known = dict[uuid.UUID, tuple[int, str, bytes]]


def _ddl(schema: str) -> list[sql.Composed]:
    def t(name: str) -> sql.Identifier:
        return sql.Identifier(schema, name)

    return [
        sql.SQL("CREATE TABLE {} (key text PRIMARY KEY, value text NOT NULL)").format(
            t("magen_meta")
        ),
        sql.SQL(
            "CREATE TABLE {} (only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),"
            " position bigint NOT NULL)"
        ).format(t("magen_head")),
        sql.SQL(
            "CREATE TABLE {} (position bigint PRIMARY KEY, event_id uuid NOT NULL UNIQUE,"
            " type text NOT NULL, data bytea NOT NULL)"
        ).format(t("magen_events")),
        sql.SQL(
            "CREATE TABLE {} (position bigint NOT NULL, chunk integer NOT NULL,"
            " data bytea NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),"
            " PRIMARY KEY (position, chunk))"
        ).format(t("magen_snapshots")),
        # Snapshots arrive compressed; PostgreSQL compressing them again only costs time.
        sql.SQL("ALTER TABLE {} ALTER COLUMN data SET STORAGE EXTERNAL").format(
            t("magen_snapshots")
        ),
        sql.SQL("INSERT INTO {} (position) VALUES (0)").format(t("magen_head")),
        sql.SQL("INSERT INTO {} (key, value) VALUES ('schema_version', {})").format(
            t("magen_meta"), sql.Literal(str(SCHEMA_VERSION))
        ),
    ]


@dataclass(frozen=True, slots=True)
class _Statements:
    """Every statement, with the log's tables named in full (search_path cannot redirect them)."""

    lock_head: sql.Composed
    head: sql.Composed
    find: sql.Composed
    write: sql.Composed
    read: sql.Composed
    copy: sql.Composed
    move_head: sql.Composed
    touch_head: sql.Composed
    snapshot_positions: sql.Composed
    snapshot_read: sql.Composed
    snapshot_write: sql.Composed
    snapshot_prune: sql.Composed
    snapshot_clear: sql.Composed

    @classmethod
    def for_schema(cls, schema: str) -> _Statements:
        events = sql.Identifier(schema, "magen_events")
        head = sql.Identifier(schema, "magen_head")
        snaps = sql.Identifier(schema, "magen_snapshots")
        return cls(
            lock_head=sql.SQL("SELECT position FROM {} FOR UPDATE").format(head),
            head=sql.SQL("SELECT position FROM {}").format(head),
            find=sql.SQL(
                "SELECT event_id, position, type, data FROM {} WHERE event_id = ANY(%b)"
            ).format(events),
            # Data-modifying CTEs always run to completion, so one round trip inserts the rows,
            # moves the head and queues the notification (sent at commit).
            write=sql.SQL(
                "WITH inserted AS (INSERT INTO {} (position, event_id, type, data)"
                " SELECT * FROM unnest(%b::bigint[], %b::uuid[], %b::text[], %b::bytea[])),"
                " moved AS (UPDATE {} SET position = %b)"
                " SELECT pg_notify(%s, %s)"
            ).format(events, head),
            read=sql.SQL(
                "SELECT position, event_id, type, data FROM {}"
                " WHERE position > %b ORDER BY position LIMIT %b"
            ).format(events),
            copy=sql.SQL(
                "COPY {} (position, event_id, type, data) FROM STDIN (FORMAT BINARY)"
            ).format(events),
            move_head=sql.SQL(
                "WITH moved AS (UPDATE {} SET position = %b) SELECT pg_notify(%s, %s)"
            ).format(head),
            touch_head=sql.SQL("UPDATE {} SET position = position").format(head),
            snapshot_positions=sql.SQL(
                "SELECT DISTINCT position FROM {} ORDER BY position DESC"
            ).format(snaps),
            snapshot_read=sql.SQL(
                "SELECT chunk, data FROM {} WHERE position = %b ORDER BY chunk"
            ).format(snaps),
            snapshot_write=sql.SQL(
                "INSERT INTO {} (position, chunk, data) VALUES (%b, %b, %b)"
            ).format(snaps),
            snapshot_prune=sql.SQL(
                "DELETE FROM {0} WHERE position NOT IN"
                " (SELECT DISTINCT position FROM {0} ORDER BY position DESC LIMIT %b)"
            ).format(snaps),
            snapshot_clear=sql.SQL("DELETE FROM {}").format(snaps),
        )


class _NotCommitted(Exception):
    """The connection failed before COMMIT was sent: nothing of the group was written."""


class PostgresEventLog(ProbedWrites):
    """An `EventLog` in PostgreSQL tables, shared by every process that opens the same URL.

    The tables live in the first schema of the connection's search_path (`public` unless the
    URL says otherwise, e.g. `?options=-c%20search_path%3Dmagen`).
    """

    def __init__(
        self,
        url: str,
        *,
        lock_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        poll_interval: float = 1.0,
        pool_size: int = 8,
    ) -> None:
        self.url = url
        self._poll_interval = poll_interval
        self._connect_kwargs: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": max(1, round(connect_timeout)),
            "application_name": f"magen[{os.getpid()}]",
            # Notice a server that vanished without closing the connection (a network cut).
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 5,
            "keepalives_count": 3,
        }
        self._session_settings = {
            "lock_timeout": f"{round(lock_timeout * 1000)}ms",
            # A server that accepts but never answers fails the append instead of hanging it.
            "statement_timeout": "30s",
            # A writer frozen mid-transaction (a stopped process) would hold the head row and
            # stall every worker; the server ends its transaction instead.
            "idle_in_transaction_session_timeout": "5s",
            # Acknowledge only what is flushed to disk, whatever the server's default.
            "synchronous_commit": "on",
        }
        self._lock = threading.Lock()
        self._closed = False
        self._generation = 0
        self._waiters: dict[asyncio.Future[None], asyncio.AbstractEventLoop] = {}
        self._outage = _Outage(self._probe, self._recovered)
        # Why the last group commit failed (None once one succeeds): readiness reports it.
        self.write_failure: str | None = None
        self._writer: psycopg.Connection[TupleRow] | None = self._connect_writer(first=True)
        self._queue: queue.SimpleQueue[Append | object] = queue.SimpleQueue()
        self._pool = ConnectionPool(
            url,
            kwargs=self._connect_kwargs,
            min_size=1,
            max_size=pool_size,
            open=False,
            timeout=max(connect_timeout, 2.0),
            name=f"magen-read:{self.schema}",
        )
        self._pool.open(wait=False)
        self._listener: _Listener | None = None
        self._thread = threading.Thread(
            target=self._write_loop, name=f"magen-pg-writer:{self.schema}", daemon=True
        )
        self._thread.start()

    # --- connecting ----------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[TupleRow]:
        try:
            return psycopg.connect(self.url, **self._connect_kwargs)
        except psycopg.OperationalError as exc:
            raise LogUnavailable(f"cannot connect to PostgreSQL: {_reason(exc)}") from exc
        except psycopg.Error as exc:
            raise LogError(f"cannot open the PostgreSQL event log: {_reason(exc)}") from exc

    def _connect_writer(self, *, first: bool = False) -> psycopg.Connection[TupleRow]:
        conn = self._connect()
        try:
            for name, value in self._session_settings.items():
                conn.execute("SELECT set_config(%s, %s, false)", (name, value))
            if first:
                self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: psycopg.Connection[TupleRow]) -> None:
        """Create the tables in an empty schema, or check an existing log's version."""
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SETUP_LOCK,))
                row = conn.execute("SELECT current_schema()").fetchone()
                schema = row[0] if row else None
                if schema is None:
                    path = conn.execute("SHOW search_path").fetchone()
                    raise LogError(
                        "no schema of the search_path exists in this database "
                        f"(search_path is {path[0] if path else '?'}); create it first"
                    )
                present = {
                    name
                    for (name,) in conn.execute(
                        "SELECT table_name FROM information_schema.tables"
                        " WHERE table_schema = %s AND table_name = ANY(%s)",
                        (schema, list(TABLES)),
                    )
                }
                if not present:
                    for statement in _ddl(schema):
                        conn.execute(statement)
                elif present != set(TABLES):
                    missing = ", ".join(sorted(set(TABLES) - present))
                    raise LogError(
                        f"schema {schema} holds a partial Magen event log (missing {missing})"
                    )
                else:
                    version = conn.execute(
                        sql.SQL("SELECT value FROM {} WHERE key = 'schema_version'").format(
                            sql.Identifier(schema, "magen_meta")
                        )
                    ).fetchone()
                    if version is None or version[0] != str(SCHEMA_VERSION):
                        raise LogError(
                            f"the event log in schema {schema} has schema version "
                            f"{version[0] if version else '?'}; this Magen reads {SCHEMA_VERSION}"
                        )
        except psycopg.OperationalError as exc:
            raise LogUnavailable(f"cannot open the event log: {_reason(exc)}") from exc
        except psycopg.Error as exc:
            raise LogError(f"cannot open the PostgreSQL event log: {_reason(exc)}") from exc
        self.schema: str = schema
        self._sql = _Statements.for_schema(schema)
        digest = hashlib.sha1(schema.encode(), usedforsecurity=False).hexdigest()[:12]
        self.channel = f"magen_log_{digest}"

    def _probe(self) -> None:
        """Connect and ask the server something (raises while it is unreachable)."""
        with psycopg.connect(self.url, **self._connect_kwargs) as conn:
            conn.execute("SELECT 1")

    def _reachable(self) -> bool:
        try:
            self._probe()
        except psycopg.Error:
            return False
        return True

    def _recovered(self) -> None:
        log.warning("PostgreSQL is reachable again")
        # Pooled connections from before the outage are dead: replace them now, not on use.
        with contextlib.suppress(psycopg.Error, PoolClosed):
            self._pool.check()
        self._notify()

    # --- reading -------------------------------------------------------------------------

    def read(self, after: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """The events after a position, oldest first, at most `limit` of them."""
        if limit is not None and limit <= 0:
            return []
        rows = self._query(self._sql.read, (max(after, 0), limit))
        return [StoredEvent(p, i, t, d) for p, i, t, d in rows]

    def head(self) -> int:
        """The position of the last committed event (0 when empty)."""
        rows = self._query(self._sql.head, ())
        return int(rows[0][0]) if rows else 0

    def _query(self, statement: sql.Composed, params: tuple[Any, ...]) -> list[TupleRow]:
        def run(conn: psycopg.Connection[TupleRow]) -> list[TupleRow]:
            return conn.cursor(binary=True).execute(statement, params).fetchall()

        return self._run(run)

    async def subscribe(self, after: int = 0) -> AsyncIterator[StoredEvent]:
        """Every event after `after`, then each new one as it is committed, until cancelled.

        While PostgreSQL is unreachable the subscription waits and resumes where it was.
        """
        self._ensure_listener()
        seen = after
        while True:
            generation = self._generation
            try:
                batch = await asyncio.to_thread(self.read, seen, _SUBSCRIBE_CHUNK)
            except LogUnavailable:
                batch = []
            for stored in batch:
                seen = stored.position
                yield stored
            if not batch:
                await self._wait_for_commit(generation)

    async def _wait_for_commit(self, generation: int) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._generation != generation:
                return
            self._waiters[waiter] = loop
        try:
            await asyncio.wait_for(waiter, self._poll_interval)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.pop(waiter, None)

    def _ensure_listener(self) -> None:
        with self._lock:
            self._check_open_locked()
            if self._listener is None:
                self._listener = _Listener(self)

    def _notify(self) -> None:
        """Wake every subscriber of this process: the log may have grown."""
        with self._lock:
            self._generation += 1
            waiters = list(self._waiters.items())
            self._waiters.clear()
        loops: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for waiter, loop in waiters:
            loops.setdefault(loop, []).append(waiter)
        for loop, futures in loops.items():
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits there
                loop.call_soon_threadsafe(wake, futures)

    # --- appending -----------------------------------------------------------------------

    def append(self, events: Sequence[NewEvent]) -> asyncio.Future[list[int]]:
        """Append a batch atomically; the future resolves once it is committed, one position
        per event."""
        return submit(events, self._submit)

    def append_then(self, events: Sequence[NewEvent], then: Then) -> None:
        """Append a batch atomically; `then(positions)` is called on this loop once it is
        committed (`then(exception)` if it fails): see `AppendsThen`."""
        submit_then(events, self._submit, then)

    def append_sync(self, events: Sequence[NewEvent]) -> list[int]:
        """Append a batch from code without an event loop (blocks until committed)."""
        return submit_sync(events, self._submit)

    def _submit(self, request: Append) -> None:
        with self._lock:
            self._check_open_locked()
            self._queue.put(request)

    def _write_loop(self) -> None:
        for group in groups(self._queue):
            self._commit_group(group)
        if self._writer is not None:
            self._writer.close()

    def _commit_group(self, group: list[Append]) -> None:
        try:
            outcomes, appended = self._write_with_reconnect(group)
        except LogError as exc:
            outcomes = [exc for _ in group]
            appended = False
            self.write_failure = str(exc)
        except Exception as exc:
            log.exception("group commit of %d batches failed", len(group))
            outcomes = [LogError(f"cannot append to the event log: {exc}") for _ in group]
            appended = False
            self.write_failure = str(exc)
        else:
            self.write_failure = None
        answer(group, outcomes)
        if appended:
            self._notify()

    def _write_with_reconnect(self, group: list[Append]) -> tuple[list[Outcome], bool]:
        for attempt in (1, 2):
            self._outage.check()
            reused = self._writer is not None
            if self._writer is None:
                try:
                    self._writer = self._connect_writer()
                except LogUnavailable as exc:
                    raise self._outage.failed(exc) from exc
            try:
                return self._write(self._writer, group)
            except _NotCommitted as exc:
                self._drop_writer()
                cause = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
                # A connection left idle may have died with a server restart; one fresh try
                # is safe because nothing was committed.
                if attempt == 1 and reused:
                    continue
                raise self._outage.failed(cause) from exc
            except _Ambiguous as exc:
                self._drop_writer()
                self._outage.failed(exc.__cause__ if isinstance(exc.__cause__, Exception) else exc)
                raise LogUnavailable(
                    "the connection to PostgreSQL failed while committing; the append may or "
                    "may not have been stored: retry it with the same ids"
                ) from exc
        raise AssertionError("unreachable")

    def check_writable(self) -> None:
        """Raise LogError unless a commit can be written now (read-only server, full disk, a
        head row held too long, the server unreachable).

        On a connection set up as the writer's, commits a transaction that rewrites the head
        row with its own value: it waits for the row lock and is flushed like an append, but
        changes nothing and notifies no one.
        """
        self._check_open()
        self._outage.check()
        conn = self._connect_writer()
        try:
            with conn.transaction():
                conn.execute(self._sql.touch_head)
        except psycopg.OperationalError as exc:
            raise LogUnavailable(f"cannot write to the event log now: {_reason(exc)}") from exc
        except psycopg.Error as exc:
            raise LogError(f"cannot write to the event log: {_reason(exc)}") from exc
        finally:
            conn.close()

    def _drop_writer(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(psycopg.Error):
                self._writer.close()
            self._writer = None

    def _write(
        self, conn: psycopg.Connection[TupleRow], group: list[Append]
    ) -> tuple[list[Outcome], bool]:
        """Write every batch of the group in one transaction; a conflicting batch alone fails."""
        committing = False
        try:
            with conn.transaction():
                head = _scalar(conn.execute(self._sql.lock_head))
                keys = list({ev.event_id for req in group for ev in req.events})
                known: _Known = {
                    event_id: (position, type_, bytes(data))
                    for event_id, position, type_, data in conn.execute(self._sql.find, (keys,))
                }
                rows: list[tuple[int, uuid.UUID, str, bytes]] = []
                outcomes = [
                    place(req.events, known, head + len(rows) + 1, rows, _id_of) for req in group
                ]
                if rows:
                    new_head = head + len(rows)
                    conn.execute(
                        self._sql.write,
                        (
                            [r[0] for r in rows],
                            [r[1] for r in rows],
                            [r[2] for r in rows],
                            [r[3] for r in rows],
                            new_head,
                            self.channel,
                            str(new_head),
                        ),
                    )
                committing = True
        except psycopg.OperationalError as exc:
            if conn.broken or conn.closed:
                raise (_Ambiguous if committing else _NotCommitted)() from exc
            # The server refused (lock wait too long, cancelled): rolled back, connection fine.
            raise LogUnavailable(f"cannot append to the event log now: {_reason(exc)}") from exc
        except psycopg.Error as exc:
            if conn.broken or conn.closed:
                raise (_Ambiguous if committing else _NotCommitted)() from exc
            raise LogError(f"cannot append to the event log: {_reason(exc)}") from exc
        return outcomes, bool(rows)

    def bulk_append(self, events: Iterable[NewEvent]) -> int:
        """Append many new events in one transaction through COPY; returns the new head.

        For loading large histories (benchmarks, migrations): ids must be new (an id already in
        the log fails the whole load) and it does not wait behind the writer's queue.
        """
        self._check_open()
        self._outage.check()
        conn = self._connect_writer()
        try:
            conn.execute("SET statement_timeout = 0")  # one COPY of millions of rows is slow
            with conn.transaction():
                head = _scalar(conn.execute(self._sql.lock_head))
                count = 0
                with conn.cursor().copy(self._sql.copy) as copy:
                    copy.set_types(["int8", "uuid", "text", "bytea"])
                    for count, ev in enumerate(events, start=1):
                        copy.write_row((head + count, ev.event_id, ev.type, ev.data))
                new_head = head + count
                conn.execute(self._sql.move_head, (new_head, self.channel, str(new_head)))
        except psycopg.errors.UniqueViolation as exc:
            raise LogError(f"bulk load refused, an event id is already logged: {exc}") from exc
        except psycopg.OperationalError as exc:
            raise LogUnavailable(f"bulk load failed: {_reason(exc)}") from exc
        except psycopg.Error as exc:
            raise LogError(f"bulk load failed: {_reason(exc)}") from exc
        finally:
            conn.close()
        self._notify()
        return new_head

    # --- snapshots -----------------------------------------------------------------------

    def snapshot_store(self) -> PostgresSnapshotStore:
        """The snapshots kept in this log's schema."""
        return PostgresSnapshotStore(self)

    def _run(self, fn: Callable[[psycopg.Connection[TupleRow]], _T]) -> _T:
        """Run `fn` on a pooled connection; connection failures become `LogUnavailable`.

        A pooled connection may have died with a server restart while idle: if the server
        answers a fresh connection, the pool drops its dead ones and `fn` runs once more.
        Otherwise the outage is recorded and every call fails at once until a probe gets through.
        """
        self._check_open()
        self._outage.check()
        for attempt in (1, 2):
            try:
                with self._pooled() as conn:
                    return fn(conn)
            except PoolClosed as exc:
                raise LogError("the PostgreSQL event log is closed") from exc
            except PoolTimeout as exc:
                raise self._outage.failed(exc) from exc
            except psycopg.OperationalError as exc:
                if attempt == 1 and self._reachable():
                    with contextlib.suppress(psycopg.Error):
                        self._pool.check()
                    continue
                raise self._outage.failed(exc) from exc
            except psycopg.Error as exc:
                raise LogError(f"cannot read the event log: {_reason(exc)}") from exc
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _pooled(self) -> Iterator[psycopg.Connection[TupleRow]]:
        """A pooled connection; a pool left empty by a server that went away fails at once.

        Waiting the pool's whole timeout is right when every connection is busy, not when
        the server is gone (the pool then only retries connecting in the background): after
        a short wait, one direct connection attempt tells the two apart.
        """
        stack = contextlib.ExitStack()
        try:
            conn = stack.enter_context(self._pool.connection(timeout=_FIRST_POOL_WAIT))
        except PoolTimeout:
            if not self._reachable():
                raise
            conn = stack.enter_context(self._pool.connection())
        with stack:
            yield conn

    # --- closing -------------------------------------------------------------------------

    def _check_open(self) -> None:
        with self._lock:
            self._check_open_locked()

    def _check_open_locked(self) -> None:
        if self._closed:
            raise LogError("the PostgreSQL event log is closed")

    async def close(self) -> None:
        """Commit what is queued, stop the threads and close every connection."""
        await asyncio.to_thread(self.close_sync)

    def close_sync(self) -> None:
        """Commit what is queued, stop the threads and close every connection (blocking)."""
        with self._lock:
            first = not self._closed
            self._closed = True
            if first:
                self._queue.put(STOP)
            listener = self._listener
        self._thread.join()
        if not first:
            return
        if listener is not None:
            listener.stop()
        self._outage.stop()
        self._pool.close()
        # Subscribers waiting now find the log closed at once instead of at their next poll.
        self._notify()

    @property
    def unavailable_reason(self) -> str | None:
        """Why PostgreSQL is considered unreachable right now, or None."""
        return self._outage.reason

    def __repr__(self) -> str:
        return f"PostgresEventLog(schema={getattr(self, 'schema', '?')!r})"


class _Ambiguous(Exception):
    """The connection failed during COMMIT: the group may or may not be stored."""


# --- the snapshot table ---------------------------------------------------------------------


class PostgresSnapshotStore:
    """Snapshots as rows of the log's schema, cut into chunks (bytea holds at most 1 GB)."""

    def __init__(self, log: PostgresEventLog, keep: int = 2) -> None:
        self._log = log
        self._keep = keep

    def positions(self) -> list[int]:
        statement = self._log._sql.snapshot_positions
        return self._log._run(lambda conn: [int(r[0]) for r in conn.execute(statement)])

    def load(self, position: int) -> bytes | None:
        statement = self._log._sql.snapshot_read

        def fetch(conn: psycopg.Connection[TupleRow]) -> bytes | None:
            cur = conn.cursor(binary=True)
            chunks = cur.execute(statement, (position,)).fetchall()
            if not chunks or [c for c, _ in chunks] != list(range(len(chunks))):
                return None
            return b"".join(bytes(data) for _, data in chunks)

        return self._log._run(fetch)

    def save(self, position: int, blob: bytes) -> None:
        sqls = self._log._sql
        pieces = [blob[i : i + _SNAPSHOT_CHUNK] for i in range(0, len(blob), _SNAPSHOT_CHUNK)]

        def store(conn: psycopg.Connection[TupleRow]) -> None:
            with conn.transaction():
                conn.execute(
                    sql.SQL("DELETE FROM {} WHERE position = %b").format(
                        sql.Identifier(self._log.schema, "magen_snapshots")
                    ),
                    (position,),
                )
                for number, piece in enumerate(pieces or [b""]):
                    conn.execute(sqls.snapshot_write, (position, number, piece))
                conn.execute(sqls.snapshot_prune, (self._keep,))

        self._log._run(store)

    def clear(self) -> None:
        statement = self._log._sql.snapshot_clear
        self._log._run(lambda conn: conn.execute(statement))


# --- listening for other processes' commits ---------------------------------------------------


class _Listener:
    """A thread holding a LISTEN connection; every notification wakes this process's subscribers."""

    def __init__(self, owner: PostgresEventLog) -> None:
        self._owner = owner
        self._stop_read, self._stop_write = os.pipe()
        self._stopping = False
        self._thread = threading.Thread(
            target=self._run, name=f"magen-pg-listen:{owner.schema}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        pause = _Pause()
        while not self._stopping:
            try:
                conn = psycopg.connect(self._owner.url, **self._owner._connect_kwargs)
            except psycopg.Error as exc:
                # The server is gone (not just this connection): say so at once, to everyone.
                self._owner._outage.failed(exc)
                if self._sleep(pause.next()):
                    return
                continue
            try:
                with conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._owner.channel)))
                    pause.reset()
                    # Anything committed while we were not listening is read now.
                    self._owner._notify()
                    if self._listen(conn):
                        return
            except psycopg.Error as exc:
                log.info("the LISTEN connection failed (%s); reconnecting", _reason(exc))
            if self._sleep(pause.next()):
                return

    def _listen(self, conn: psycopg.Connection[TupleRow]) -> bool:
        """Relay notifications until the connection fails (False) or we are stopped (True)."""
        pgconn = conn.pgconn
        socket_fd = pgconn.socket
        while True:
            ready, _, _ = select.select([socket_fd, self._stop_read], [], [])
            if self._stop_read in ready:
                return True
            pgconn.consume_input()
            if pgconn.status != psycopg.pq.ConnStatus.OK:
                raise psycopg.OperationalError("the LISTEN connection was closed by the server")
            woken = False
            while pgconn.notifies() is not None:
                woken = True
            if woken:
                self._owner._notify()

    def _sleep(self, seconds: float) -> bool:
        """Pause, returning True at once if asked to stop meanwhile."""
        ready, _, _ = select.select([self._stop_read], [], [], seconds)
        return bool(ready) or self._stopping

    def stop(self) -> None:
        self._stopping = True
        os.write(self._stop_write, b"x")
        self._thread.join()
        os.close(self._stop_read)
        os.close(self._stop_write)


# --- outages ----------------------------------------------------------------------------------


class _Pause:
    """Growing pauses between reconnection attempts: 0.05 s doubling up to 1 s."""

    def __init__(self, first: float = 0.05, most: float = 1.0) -> None:
        self._first = first
        self._most = most
        self._current = first

    def next(self) -> float:
        pause = self._current
        self._current = min(self._current * 2, self._most)
        return pause

    def reset(self) -> None:
        self._current = self._first


class _Outage:
    """Whether PostgreSQL is reachable; while it is not, calls fail at once and a probe retries."""

    def __init__(self, probe: Callable[[], None], recovered: Callable[[], None]) -> None:
        self._probe = probe
        self._recovered = recovered
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._since: datetime | None = None
        self._prober: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def reason(self) -> str | None:
        return self._reason

    def check(self) -> None:
        """Raise LogUnavailable while the server is known to be unreachable."""
        reason = self._reason
        if reason is not None:
            raise LogUnavailable(reason)

    def failed(self, exc: BaseException) -> LogUnavailable:
        """Record a connection failure; the error to raise. A probe starts reconnecting."""
        with self._lock:
            if self._reason is None:
                self._since = datetime.now(UTC)
                log.warning("PostgreSQL is unreachable: %s", _reason(exc))
            since = self._since.strftime("%H:%M:%S") if self._since else "?"
            self._reason = f"PostgreSQL is unreachable (since {since} UTC): {_reason(exc)}"
            if (self._prober is None or not self._prober.is_alive()) and not self._stop.is_set():
                self._prober = threading.Thread(
                    target=self._run_probe, name="magen-pg-probe", daemon=True
                )
                self._prober.start()
            return LogUnavailable(self._reason)

    def _run_probe(self) -> None:
        pause = _Pause()
        while not self._stop.is_set():
            try:
                self._probe()
            except psycopg.Error as exc:
                with self._lock:
                    since = self._since.strftime("%H:%M:%S") if self._since else "?"
                    self._reason = f"PostgreSQL is unreachable (since {since} UTC): {_reason(exc)}"
                self._stop.wait(pause.next())
                continue
            with self._lock:
                self._reason = None
                self._since = None
            self._recovered()
            return

    def stop(self) -> None:
        self._stop.set()
        prober = self._prober
        if prober is not None:
            prober.join(timeout=10)


# --- the group commit's bookkeeping ---------------------------------------------------------


def _scalar(cursor: psycopg.Cursor[TupleRow]) -> int:
    row = cursor.fetchone()
    if row is None:
        raise LogError("the event log's head row is missing")
    return int(row[0])


def _reason(exc: BaseException) -> str:
    """The first line of a driver error, without its SQL context."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _id_of(ev: NewEvent) -> uuid.UUID:
    return ev.event_id
