"""The embedded event log: SQLite in WAL mode, fsync on every commit, appends share commits.

One writer thread owns the write connection. Appends wait in a queue; the writer takes every
batch waiting, writes them all in one transaction and fsyncs once (group commit), then answers
each caller. Concurrent callers therefore pay for one fsync between them, not one each.

Several processes may open the same file: each transaction takes SQLite's write lock
(`BEGIN IMMEDIATE`, waiting up to `busy_timeout`) and numbers its events from the current
maximum inside that lock, so positions stay gap-free and in commit order across processes.
Writers take turns through a gate file beside the database (`<db>-gate`): without it a busy
writer re-takes SQLite's lock microseconds after each commit and starves the others.

Idempotency needs each new id checked against every id in the log. A UNIQUE index would do it,
but ids are random, so each insert would dirty a different B-tree page and every commit would
write and fsync about one 4 KiB page per event: several times the cost of the append itself.
Each writer instead keeps the log's ids in memory (`_IdIndex`, 24 bytes per event), built on
its first append and brought up to date inside the write lock from whatever other writers
committed meanwhile.

Every process that has the log open holds a shared flock on `<db>-lock` for as long as it
does; `magen restore` takes it exclusively, so it refuses to replace a log under a running
server (whose picture would then silently disagree with the file), and a server cannot open
a log while it is being restored. The files are made readable by their owner only: the log
holds password hashes and the places of people in hiding.

Reads use one connection per thread and never wait for the writer (WAL readers see the last
commit). Subscribers are woken at once by this process's commits and poll for other
processes' commits every `poll_interval` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import functools
import itertools
import logging
import os
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

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

log = logging.getLogger("magen.store.sqlite")

SCHEMA_VERSION: Final = 1

_SCHEMA: Final = """
CREATE TABLE events (
    position INTEGER PRIMARY KEY,
    event_id BLOB NOT NULL,
    type     TEXT NOT NULL,
    data     BLOB NOT NULL
) STRICT
"""
_COLUMNS: Final = ("position", "event_id", "type", "data")
_HEAD: Final = "SELECT coalesce(max(position), 0) FROM events"
_IDS: Final = (
    "SELECT position, event_id FROM events WHERE position > ? AND position <= ?"
    " ORDER BY position LIMIT ?"
)
_READ: Final = (
    "SELECT position, event_id, type, data FROM events WHERE position > ? ORDER BY position LIMIT ?"
)
_INSERT: Final = "INSERT INTO events (position, event_id, type, data) VALUES (?, ?, ?, ?)"
# SQLite's default limit on bound parameters is 32766 since 3.32; stay far below it.
_LOOKUP_CHUNK: Final = 500
_INSERT_CHUNK: Final = 250
_INDEX_CHUNK: Final = 65_536
# Ids added in bulk at least this many at a time go straight into the sorted arrays.
_MERGE_MIN: Final = 4_096
_SUBSCRIBE_CHUNK: Final = 500

_T = TypeVar("_T")
_Row = tuple[int, bytes, str, bytes]


class SqliteEventLog(ProbedWrites):
    """An `EventLog` in one SQLite file, durable on acknowledgement, shared by processes."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = 10.0,
        poll_interval: float = 0.025,
    ) -> None:
        self.path = Path(path)
        self._busy_timeout = busy_timeout
        self._poll_interval = poll_interval
        self._lock = threading.Lock()
        self._closed = False
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._generation = 0
        self._waiters: dict[asyncio.Future[None], asyncio.AbstractEventLoop] = {}
        self._queue: queue.SimpleQueue[Append | object] = queue.SimpleQueue()
        # Why the last group commit failed (None once one succeeds): readiness reports it.
        self.write_failure: str | None = None
        self._make_directory()
        self._open_lock = hold_open(self.path)
        try:
            self._writer = self._open_writer()
        except BaseException:
            os.close(self._open_lock)
            raise
        try:
            self._gate = _Gate(Path(f"{self.path}-gate"))
        except LogError:
            self._writer.close()
            os.close(self._open_lock)
            raise
        # Owned by the writer thread: ids of events up to position `_indexed`.
        self._ids = _IdIndex()
        self._indexed = 0
        self._others_wrote = False
        # How many groups went in one statement (`_write_alone`), how many in turn with others.
        self.commits_alone = 0
        self.commits_in_turn = 0
        self._thread = threading.Thread(
            target=self._write_loop, name=f"magen-log-writer:{self.path.name}", daemon=True
        )
        self._thread.start()

    # --- opening -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
                cached_statements=128,
            )
        except sqlite3.Error as exc:
            raise LogError(f"cannot open the event log at {self.path}: {exc}") from exc
        return conn

    def _make_directory(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"cannot create the directory for the event log at {self.path}: {exc}"
            raise LogError(msg) from exc

    def _open_writer(self) -> sqlite3.Connection:
        created = not self.path.exists()
        if created:
            # Owner-only from the start; SQLite gives its -wal and -shm files the same mode.
            with contextlib.suppress(FileExistsError):
                private_file(self.path)
        conn = self._connect()
        try:
            self._prepare(conn)
        except sqlite3.OperationalError as exc:
            conn.close()
            raise LogError(f"cannot open the event log at {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise damaged(self.path, exc) from exc
        except LogError:
            conn.close()
            raise
        if created:
            _fsync_directory(self.path.parent)
        # From here on the writer waits for the lock itself, in turn with the others (_begin).
        conn.execute("PRAGMA busy_timeout = 0")
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        mode = _retry_busy(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        if str(mode).lower() != "wal":
            raise LogError(f"the event log at {self.path} cannot use WAL mode (it is in {mode})")
        # FULL: in WAL mode NORMAL would acknowledge commits that a power cut can still undo.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                conn.execute(_SCHEMA)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version != SCHEMA_VERSION:
                raise LogError(
                    f"the event log at {self.path} has schema version {version}; "
                    f"this Magen reads version {SCHEMA_VERSION}"
                )
            columns = tuple(row[1] for row in conn.execute("PRAGMA table_info(events)"))
            if columns != _COLUMNS:
                raise LogError(f"{self.path} is an SQLite database but not a Magen event log")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        with self._lock:
            if self._closed:
                raise LogError(f"the event log at {self.path} is closed")
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            # Kept until close(): a pool's threads live as long as the log, so this stays small.
            self._readers.append(conn)
        self._local.conn = conn
        return conn

    # --- reading -------------------------------------------------------------------------

    def read(self, after: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """The events after a position, oldest first, at most `limit` of them."""
        rows = self._query(_READ, (after, -1 if limit is None else max(limit, 0)))
        return [StoredEvent(p, uuid.UUID(bytes=i), t, d) for p, i, t, d in rows]

    def head(self) -> int:
        """The position of the last committed event (0 when empty)."""
        head: int = self._query(_HEAD, ())[0][0]
        return head

    def _query(self, sql: str, params: tuple[int, ...]) -> list[_Row]:
        conn = self._reader()
        try:
            rows: list[_Row] = conn.execute(sql, params).fetchall()
        except sqlite3.ProgrammingError as exc:
            # The connection was closed under this thread by close().
            raise LogError(f"the event log at {self.path} is closed") from exc
        except sqlite3.OperationalError as exc:
            raise LogUnavailable(f"cannot read the event log at {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:  # "database disk image is malformed", ...
            raise damaged(self.path, exc) from exc
        return rows

    def check(self) -> None:
        """Raise LogError unless every page of the log reads back sound (PRAGMA quick_check)."""
        try:
            verdict = self._reader().execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise LogUnavailable(f"cannot read the event log at {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, exc) from exc
        if verdict != "ok":
            # The first finding that names a page or row, not the "*** in database main ***" title.
            lines = [ln for ln in str(verdict).splitlines() if ln and not ln.startswith("***")]
            raise damaged(self.path, f"quick_check: {lines[0] if lines else verdict}")

    def check_writable(self) -> None:
        """Raise LogError unless a commit can be written now (read-only file, full disk, lock).

        Commits a transaction that changes nothing but is written and synced like an append.
        """
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise LogError(f"cannot write to the event log at {self.path}: {exc}") from exc
        finally:
            conn.close()

    async def subscribe(self, after: int = 0) -> AsyncIterator[StoredEvent]:
        """Every event after `after`, then each new one as it is committed, until cancelled."""
        seen = after
        while True:
            generation = self._generation
            batch = self.read(seen, _SUBSCRIBE_CHUNK)
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
            # The timeout is the poll for commits made by other processes.
            await asyncio.wait_for(waiter, self._poll_interval)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiters.pop(waiter, None)

    # --- appending -----------------------------------------------------------------------

    def append(self, events: Sequence[NewEvent]) -> asyncio.Future[list[int]]:
        """Append a batch atomically; the future resolves once it is on disk, one position
        per event."""
        return submit(events, self._submit)

    def append_then(self, events: Sequence[NewEvent], then: Then) -> None:
        """Append a batch atomically; `then(positions)` is called on this loop once it is
        on disk (`then(exception)` if it fails): see `AppendsThen`."""
        submit_then(events, self._submit, then)

    def append_sync(self, events: Sequence[NewEvent]) -> list[int]:
        """Append a batch from code without an event loop (blocks until it is on disk)."""
        return submit_sync(events, self._submit)

    def _submit(self, request: Append) -> None:
        with self._lock:
            if self._closed:
                raise LogError(f"the event log at {self.path} is closed")
            self._queue.put(request)

    def _write_loop(self) -> None:
        for group in groups(self._queue):
            self._commit_group(group)

    def _commit_group(self, group: list[Append]) -> None:
        try:
            outcomes, appended = self._write(group)
        except Exception as exc:
            # SQLite's own errors and lock waits are told in one line; anything else is a bug,
            # told with its traceback.
            expected = isinstance(exc, (sqlite3.DatabaseError, TimeoutError))
            log.error(
                "group commit of %d batches failed: %s", len(group), exc, exc_info=not expected
            )
            outcomes = [_append_failed(self.path, exc) for _ in group]  # one error per caller
            appended = False
            self.write_failure = str(exc)
        else:
            self.write_failure = None
        answer(group, outcomes)
        if appended:
            self._notify()

    def _write(self, group: list[Append]) -> tuple[list[Outcome], bool]:
        """Write every batch of the group in one transaction; a conflicting batch alone fails."""
        conn = self._writer
        if self._indexed == 0 or self._others_wrote:
            # Most of the catching up happens before taking the lock, so a writer that opens a
            # large log does not hold the others off while it indexes it.
            self._catch_up(conn, conn.execute(_HEAD).fetchone()[0])
        if not self._others_wrote:
            written = self._write_alone(conn, group)
            if written is not None:
                self.commits_alone += 1
                return written
        self.commits_in_turn += 1
        return self._write_in_turn(conn, group)

    def _write_alone(
        self, conn: sqlite3.Connection, group: list[Append]
    ) -> tuple[list[Outcome], bool] | None:
        """The group in one statement, if no other writer has committed since this one looked.

        One autocommit `INSERT ... SELECT ... WHERE head = ?` takes SQLite's lock, checks
        that the log still ends where this writer indexed it, inserts and fsyncs, all in one
        call: the writer thread lets go of the GIL once per group and takes it back once. The
        careful path (`_write_in_turn`) makes six calls (gate, BEGIN, gate, head, insert,
        commit), and each time this thread takes the GIL back it waits for the event loop's
        thread to yield it, up to the switch interval (5 ms): under load those waits, not
        the fsync, were most of a commit's time (median 6-7 ms against 2-3 ms this way).

        None hands the group to the careful path: an id already in the log (a retry, whose
        content is compared under the lock), a group too large for one statement, another
        writer's commit (nothing inserted: the head check failed) or any SQLite error (busy
        included). A failed statement wrote nothing, and if a failure leaves it unclear, the
        careful path finds the rows when it catches up and answers them as the retries they are.
        """
        keys = {ev.event_id.bytes for req in group for ev in req.events}
        if self._ids.find(keys):
            return None
        head = self._indexed
        known: dict[bytes, tuple[int, str, bytes]] = {}
        rows: list[_Row] = []
        outcomes = [
            place(req.events, known, head + len(rows) + 1, rows, _id_bytes) for req in group
        ]
        if not rows:  # every batch refused for a conflict inside itself: nothing to write
            return outcomes, False
        if len(rows) > _INSERT_CHUNK:
            return None
        try:
            inserted = conn.execute(
                _insert_at_head_sql(len(rows)), [*(v for row in rows for v in row), head]
            ).rowcount
        except sqlite3.Error as exc:
            log.debug("one-statement commit fell back to the careful path: %s", exc)
            return None
        if inserted == 0:  # another writer committed first: nothing was written
            return None
        if inserted != len(rows):  # one statement is atomic: this cannot happen
            raise LogError(f"{self.path}: {inserted} of {len(rows)} rows written by one statement")
        self._ids.add([row[1] for row in rows], [row[0] for row in rows])
        self._indexed = head + len(rows)
        return outcomes, True

    def _write_in_turn(
        self, conn: sqlite3.Connection, group: list[Append]
    ) -> tuple[list[Outcome], bool]:
        """The group in an explicit transaction, taken in turn with other writers (the gate)."""
        self._begin(conn)
        try:
            # Numbered inside the write lock: no other process can commit between here and COMMIT.
            head: int = conn.execute(_HEAD).fetchone()[0]
            self._catch_up(conn, head)
            keys = {ev.event_id.bytes for req in group for ev in req.events}
            known = _stored(conn, self._ids.find(keys))
            rows: list[_Row] = []
            outcomes: list[Outcome] = []
            for req in group:
                outcome = place(req.events, known, head + len(rows) + 1, rows, _id_bytes)
                outcomes.append(outcome)
            _insert(conn, rows)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._ids.add([row[1] for row in rows], [row[0] for row in rows])
        self._indexed = head + len(rows)
        return outcomes, bool(rows)

    def _begin(self, conn: sqlite3.Connection) -> None:
        """Take SQLite's write lock, in turn with the other writers on this file.

        Turnstile: a writer holds the gate while it waits for the lock, so the writer that
        just committed queues at the gate instead of snatching the lock straight back.
        """
        deadline = time.monotonic() + self._busy_timeout
        with self._gate.held(deadline):
            for pause in _pauses(deadline):
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc):
                        raise
                    if pause is None:
                        raise TimeoutError(
                            f"another writer held the lock for {self._busy_timeout} s"
                        ) from exc
                    time.sleep(pause)
                else:
                    return

    def _catch_up(self, conn: sqlite3.Connection, head: int) -> None:
        """Index the ids of events committed since this writer last looked (by any process)."""
        if head < self._indexed:
            # The file was replaced under us (restored from a backup): index it afresh.
            self._ids = _IdIndex()
            self._indexed = 0
        self._others_wrote = head > self._indexed
        while self._indexed < head:
            rows = conn.execute(_IDS, (self._indexed, head, _INDEX_CHUNK)).fetchall()
            if not rows:
                break
            self._ids.add([key for _, key in rows], [position for position, _ in rows])
            self._indexed = rows[-1][0]

    def _notify(self) -> None:
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

    # --- maintenance ---------------------------------------------------------------------

    def backup(self, dest: str | Path) -> int:
        """Copy a consistent snapshot of the log to `dest`; return the head it holds."""
        dest = Path(dest)
        if dest.resolve() == self.path.resolve():
            raise LogError(f"cannot back up the event log at {self.path} onto itself")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LogError(f"cannot create the directory for the backup {dest}: {exc}") from exc
        partial = dest.with_name(dest.name + ".partial")
        partial.unlink(missing_ok=True)
        source = self._connect()
        try:
            private_file(partial)  # the copy holds what the log does: its owner's only
            target = sqlite3.connect(partial, isolation_level=None)
            try:
                # One step (pages=-1) copies a single consistent snapshot; writers go on meanwhile.
                source.backup(target)
                head: int = target.execute(_HEAD).fetchone()[0]
            finally:
                target.close()
        except (sqlite3.Error, OSError) as exc:
            partial.unlink(missing_ok=True)
            raise LogError(f"cannot back up the event log at {self.path} to {dest}: {exc}") from exc
        finally:
            source.close()
        os.replace(partial, dest)
        _fsync_directory(dest.parent)
        return head

    async def close(self) -> None:
        """Commit what is queued, stop the writer and close every connection."""
        await asyncio.to_thread(self.close_sync)

    def close_sync(self) -> None:
        """Commit what is queued, stop the writer and close every connection (blocking)."""
        with self._lock:
            first = not self._closed
            self._closed = True
            if first:
                self._queue.put(STOP)
        self._thread.join()
        if not first:
            return
        self._writer.close()
        self._gate.close()
        os.close(self._open_lock)
        with self._lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()
        # Subscribers waiting now find the log closed at once instead of at their next poll.
        self._notify()

    def __repr__(self) -> str:
        return f"SqliteEventLog({str(self.path)!r})"


# --- taking turns with other writers ------------------------------------------------------


class _Gate:
    """An exclusive flock on a file beside the database, shared by every writer of it."""

    def __init__(self, path: Path) -> None:
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise LogError(f"cannot create the writers' gate file {path}: {exc}") from exc

    @contextlib.contextmanager
    def held(self, deadline: float) -> Iterator[None]:
        """Hold the gate (polling, so a stuck holder cannot block past `deadline`)."""
        for pause in _pauses(deadline):
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if pause is None:
                    raise TimeoutError("another writer held the gate too long") from None
                time.sleep(pause)
            else:
                break
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


# --- who has the log open -------------------------------------------------------------------


def lock_path(path: Path) -> Path:
    """The file every process with the log open holds a shared flock on (`<db>-lock`)."""
    return Path(f"{path}-lock")


def _open_lock_file(path: Path) -> int:
    lock = lock_path(path)
    try:
        return os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        hint = ""
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            # A log on evidence media or a mounted backup: every process that opens a log
            # holds this file, so it is read from a copy.
            hint = (
                "; the folder cannot be written: copy the log (with its -wal file, if any) "
                "to a folder that can, and read the copy"
            )
        raise LogError(f"cannot create the lock file {lock}: {exc.strerror or exc}{hint}") from exc


def hold_open(path: Path) -> int:
    """A descriptor holding `<db>-lock` shared for as long as it is open.

    Refused (LogError) while `magen restore` holds it exclusively.
    """
    fd = _open_lock_file(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise LogError(
            f"the event log at {path} is being restored; start again once the restore is done"
        ) from None
    return fd


@contextlib.contextmanager
def held_alone(path: Path) -> Iterator[None]:
    """Hold `<db>-lock` exclusively: no process has the log open (else LogError naming them)."""
    fd = _open_lock_file(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pids = _lock_holders(fd)
            who = f" (process {', '.join(map(str, pids))})" if pids else ""
            raise LogError(
                f"the event log at {path} is open in a running Magen{who}; "
                "stop every `magen serve` using it first"
            ) from None
        yield
    finally:
        os.close(fd)


def _lock_holders(fd: int) -> list[int]:
    """The processes holding a flock on the file open as `fd` (Linux: /proc/locks), if known."""
    st = os.fstat(fd)
    inode = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    pids: set[int] = set()
    try:
        with open("/proc/locks", encoding="ascii") as fh:
            for line in fh:
                fields = line.split()
                # "1: FLOCK  ADVISORY  READ  1234 08:01:5678 0 EOF" (blocked waiters have "->")
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5] == inode:
                    with contextlib.suppress(ValueError):
                        pids.add(int(fields[4]))
    except OSError:
        return []
    pids.discard(os.getpid())
    return sorted(pids)


def private_file(path: Path) -> None:
    """Create `path` empty, readable and writable by its owner only (FileExistsError if it is)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))


def damaged(path: Path, cause: object) -> LogError:
    """The error for a log whose file SQLite finds corrupt."""
    return LogError(f"the event log at {path} is damaged ({cause}); restore it from a backup")


def _pauses(deadline: float) -> Iterator[float | None]:
    """Pauses between attempts, growing from 0.1 ms to 2 ms; None once past the deadline."""
    pause = 0.0001
    while time.monotonic() < deadline:
        yield pause
        pause = min(pause * 2, 0.002)
    yield None


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    primary = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # extended codes keep it in the low byte
    return primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


# --- the id index ---------------------------------------------------------------------------


class _IdIndex:
    """The position of every event id, in 24 bytes per event, searched in bulk.

    Why not a UNIQUE index in SQLite: ids are random, so at scale every insert dirties a
    different B-tree page and each commit writes (and fsyncs) about one 4 KiB page per event;
    that cost several times the whole append. Instead each writer keeps this index and brings
    it up to date inside the write lock, from the positions other writers have committed.
    Older ids sit in arrays sorted by their high 64 bits; recent ones in a dict, merged into
    the arrays once it outgrows an eighth of them (amortised O(1) per id).
    """

    def __init__(self) -> None:
        self._hi = np.empty(0, np.uint64)
        self._lo = np.empty(0, np.uint64)
        self._positions = np.empty(0, np.int64)
        self._recent: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self._hi) + len(self._recent)

    def find(self, keys: Iterable[bytes]) -> dict[bytes, int]:
        """The positions of those ids that are indexed."""
        found: dict[bytes, int] = {}
        rest: list[bytes] = []
        for key in keys:
            position = self._recent.get(key)
            if position is None:
                rest.append(key)
            else:
                found[key] = position
        if not rest or not len(self._hi):
            return found
        hi, lo = _halves(rest)
        left = np.searchsorted(self._hi, hi, "left")
        right = np.searchsorted(self._hi, hi, "right")
        for i in np.flatnonzero(right > left).tolist():
            for j in range(int(left[i]), int(right[i])):
                if self._lo[j] == lo[i]:
                    found[rest[i]] = int(self._positions[j])
                    break
        return found

    def add(self, keys: list[bytes], positions: list[int]) -> None:
        """Index ids not indexed yet, at their positions."""
        if len(keys) >= _MERGE_MIN:
            self._merge(keys, positions)
            return
        self._recent.update(zip(keys, positions, strict=True))
        if len(self._recent) >= max(_MERGE_MIN, len(self._hi) // 8):
            self._merge(list(self._recent), list(self._recent.values()))
            self._recent = {}

    def _merge(self, keys: list[bytes], positions: list[int]) -> None:
        hi, lo = _halves(keys)
        order = np.argsort(hi, kind="stable")
        hi, lo = hi[order], lo[order]
        pos = np.asarray(positions, np.int64)[order]
        at = np.searchsorted(self._hi, hi)
        self._hi = np.insert(self._hi, at, hi)
        self._lo = np.insert(self._lo, at, lo)
        self._positions = np.insert(self._positions, at, pos)


def _halves(keys: list[bytes]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """The high and low 64 bits of 16-byte ids."""
    both = np.frombuffer(b"".join(keys), dtype=">u8").reshape(-1, 2).astype(np.uint64)
    return both[:, 0].copy(), both[:, 1].copy()


# --- the group commit's bookkeeping ---------------------------------------------------------


def _stored(
    conn: sqlite3.Connection, found: dict[bytes, int]
) -> dict[bytes, tuple[int, str, bytes]]:
    """The stored type and body of events already in the log, by id."""
    by_position = {position: key for key, position in found.items()}
    known: dict[bytes, tuple[int, str, bytes]] = {}
    ordered = list(by_position)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start : start + _LOOKUP_CHUNK]
        for position, type_, data in conn.execute(_stored_sql(len(chunk)), chunk):
            known[by_position[position]] = (position, type_, data)
    return known


@functools.cache
def _stored_sql(count: int) -> str:
    marks = ",".join("?" * count)
    # Only "?" placeholders are spliced in.
    return f"SELECT position, type, data FROM events WHERE position IN ({marks})"  # noqa: S608


def _insert(conn: sqlite3.Connection, rows: list[_Row]) -> None:
    """Insert rows with one statement per chunk (one step each, not one per row)."""
    for start in range(0, len(rows), _INSERT_CHUNK):
        chunk = rows[start : start + _INSERT_CHUNK]
        conn.execute(_insert_sql(len(chunk)), [value for row in chunk for value in row])


@functools.cache
def _insert_sql(count: int) -> str:
    return _INSERT + ", (?, ?, ?, ?)" * (count - 1)


@functools.cache
def _insert_at_head_sql(count: int) -> str:
    """Insert `count` rows only while the log's head is the last parameter (else none)."""
    values = ", ".join(["(?, ?, ?, ?)"] * count)
    # Only "?" placeholders are spliced in.
    return (
        "INSERT INTO events (position, event_id, type, data)"  # noqa: S608
        f" SELECT column1, column2, column3, column4 FROM (VALUES {values})"
        f" WHERE ({_HEAD}) = ?"
    )


def _append_failed(path: Path, exc: Exception) -> LogError:
    """What a caller is told when its group commit failed with `exc`."""
    if isinstance(exc, (sqlite3.OperationalError, TimeoutError)):  # locked, full, read-only
        return LogUnavailable(f"cannot append to the event log at {path} now: {exc}")
    if isinstance(exc, sqlite3.DatabaseError):  # "database disk image is malformed", ...
        return damaged(path, exc)
    return LogError(f"cannot append to {path}: {exc}")


def _retry_busy(action: Callable[[], _T], attempts: int = 200) -> _T:
    """Run `action`, retrying while another process holds a lock SQLite will not wait on."""
    for attempt in itertools.count():
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt >= attempts:
                raise
            time.sleep(0.01)
    raise AssertionError("unreachable")


def _fsync_directory(directory: Path) -> None:
    """Make a newly created file's directory entry durable."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a directory; the data itself is synced by SQLite
    finally:
        os.close(fd)


def _id_bytes(ev: NewEvent) -> bytes:
    return ev.event_id.bytes
