"""What the SQLite log adds to the contract: opening errors, sync use, close, backup, busy."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from magen.store._groupcommit import Append, answer
from magen.store.base import EventConflict, LogError, LogUnavailable, NewEvent
from magen.store.sqlite import SqliteEventLog
from store.eventlog_kit import ev, ids, same, take

pytestmark = pytest.mark.anyio


# --- opening -------------------------------------------------------------------------------


async def test_parent_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "var" / "magen" / "log.db"
    log = SqliteEventLog(path)
    try:
        assert await log.append([ev()]) == [1]
    finally:
        await log.close()
    assert path.is_file()


def _not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are not the pages of an SQLite database" * 100)
    return path


def _under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "plain").write_text("x")
    return tmp_path / "plain" / "log.db"


def _foreign_schema(tmp_path: Path) -> Path:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT)")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    return path


def _newer_schema(tmp_path: Path) -> Path:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda tmp: tmp, "unable to open"),
        (_not_a_database, "not a database"),
        (_under_a_file, "cannot create the directory"),
        (_foreign_schema, "not a Magen event log"),
        (_newer_schema, "schema version 99"),
    ],
    ids=["a-directory", "not-a-database", "under-a-file", "foreign-schema", "newer-schema"],
)
def test_a_file_that_cannot_be_the_log_is_refused_by_name(tmp_path: Path, make, reason) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    with pytest.raises(LogError) as raised:
        SqliteEventLog(path)
    assert str(path) in str(raised.value)
    assert reason in str(raised.value)


# --- use from code without an event loop -------------------------------------------------------


def test_append_sync_from_threads_is_gap_free_and_durable(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    log = SqliteEventLog(path)
    sent: dict[int, list[tuple[list[NewEvent], list[int]]]] = {}

    def work(thread: int) -> None:
        done = []
        for _ in range(30):
            batch = [ev(), ev()]
            done.append((batch, log.append_sync(batch)))
        sent[thread] = done

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert log.append_sync([]) == []
    log.close_sync()
    log.close_sync()  # closing twice is harmless

    reopened = SqliteEventLog(path)
    try:
        stored = reopened.read()
        assert [s.position for s in stored] == list(range(1, 241))
        for done in sent.values():
            for batch, positions in done:
                assert [stored[p - 1].event_id for p in positions] == [e.event_id for e in batch]
        assert reopened.append_sync(done[0][0]) == done[0][1]
    finally:
        reopened.close_sync()


def test_append_refuses_what_is_not_a_new_event(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.db")
    try:
        with pytest.raises(TypeError):
            log.append_sync([NewEvent(uuid.uuid4(), "ThreatSighted", "text, not bytes")])  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            log.append_sync([("not", "an", "event")])  # type: ignore[list-item]
        assert log.head() == 0
    finally:
        log.close_sync()


# --- closing ---------------------------------------------------------------------------------


async def test_close_commits_every_append_already_made(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    log = SqliteEventLog(path)
    pending = [asyncio.ensure_future(log.append([ev()])) for _ in range(200)]
    await asyncio.sleep(0)  # every append has reached the writer's queue
    await log.close()
    positions = sorted(p for f in pending for p in f.result())
    assert positions == list(range(1, 201))
    reopened = SqliteEventLog(path)
    try:
        assert reopened.head() == 200
    finally:
        await reopened.close()


async def test_a_closed_log_refuses_work(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.db")
    await log.append([ev()])
    await log.close()
    with pytest.raises(LogError, match="closed"):
        await log.append([ev()])
    with pytest.raises(LogError, match="closed"):
        log.read()
    with pytest.raises(LogError, match="closed"):
        log.head()


async def test_a_subscriber_is_told_when_the_log_closes(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.db", poll_interval=10.0)
    await log.append([ev()])
    follower = asyncio.create_task(take(log, 0, 2))
    await asyncio.sleep(0.05)
    await log.close()
    with pytest.raises(LogError, match="closed"):
        async with asyncio.timeout(2):  # well inside the 10 s poll: close wakes it
            await follower


async def test_a_retry_after_a_lost_answer_appends_nothing(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.db")
    try:
        batch = [ev(), ev()]
        caller = asyncio.ensure_future(log.append(batch))
        await asyncio.sleep(0)
        caller.cancel()  # the caller gave up (a phone lost its connection)
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert await log.append(batch) == [1, 2]
        assert await log.append([ev()]) == [3]
    finally:
        await log.close()


# --- backup --------------------------------------------------------------------------------


async def test_backup_is_a_consistent_copy_taken_while_appends_go_on(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.db")
    try:
        for _ in range(20):
            await log.append([ev(), ev(), ev()])
        busy = [asyncio.ensure_future(log.append([ev(), ev()])) for _ in range(100)]
        dest = tmp_path / "backups" / "copy.db"
        head = await asyncio.to_thread(log.backup, dest)
        await asyncio.gather(*busy)
        assert 60 <= head <= log.head()
        assert not dest.with_name("copy.db.partial").exists()
        with pytest.raises(LogError, match="onto itself"):
            log.backup(tmp_path / "log.db")
        source = log.read(0, head)
    finally:
        await log.close()

    copy = SqliteEventLog(dest)
    try:
        assert copy.read() == source
        assert await copy.append([ev()]) == [head + 1]
    finally:
        await copy.close()


# --- other writers -----------------------------------------------------------------------


async def test_a_writer_held_off_too_long_gets_unavailable_then_recovers(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    log = SqliteEventLog(path, busy_timeout=0.2)
    squatter = sqlite3.connect(path, isolation_level=None)
    try:
        squatter.execute("BEGIN IMMEDIATE")  # someone else holds the write lock
        batch = [ev(), ev()]
        with pytest.raises(LogUnavailable):
            await log.append(batch)
        squatter.execute("ROLLBACK")
        assert await log.append(batch) == [1, 2]
        assert log.head() == 2
    finally:
        squatter.close()
        await log.close()


@pytest.mark.parametrize(
    ("failure", "told", "says", "traceback"),
    [
        (sqlite3.OperationalError("disk is full"), LogUnavailable, "now: disk is full", False),
        (TimeoutError("another writer held the gate"), LogUnavailable, "now: another", False),
        (sqlite3.DatabaseError("malformed"), LogError, r"is damaged \(malformed\)", False),
        (ValueError("a bug"), LogError, r"cannot append to .*log\.db: a bug", True),
    ],
)
async def test_a_failed_group_commit_tells_every_caller_and_stands_until_one_succeeds(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
    told: type[LogError],
    says: str,
    traceback: bool,
) -> None:
    log = SqliteEventLog(tmp_path / "log.db")
    try:
        await log.append([ev()])

        def fail(group: list[Append]) -> object:
            raise failure

        monkeypatch.setattr(log, "_write", fail)
        answers = await asyncio.gather(
            *(log.append([ev()]) for _ in range(3)), return_exceptions=True
        )
        assert all(type(a) is told for a in answers), answers
        assert len({id(a) for a in answers}) == len(answers)  # an error of its own each
        for got in answers:
            assert isinstance(got, LogError)
            with pytest.raises(LogError, match=says):
                raise got
        assert log.write_failure == str(failure)
        records = [r for r in caplog.records if r.name == "magen.store.sqlite"]
        assert records  # one per group commit (the writer may take the three in one or more)
        for record in records:
            assert record.levelname == "ERROR"
            assert str(failure) in record.getMessage()
            assert bool(record.exc_info) is traceback

        monkeypatch.undo()
        assert await log.append([ev()]) == [2]
        assert log.write_failure is None
    finally:
        await log.close()


async def test_a_lone_writer_commits_each_group_in_one_statement(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.db")
    try:
        answers = await asyncio.gather(*(log.append([ev(), ev()]) for _ in range(50)))
        assert sorted(p for pair in answers for p in pair) == list(range(1, 101))
        assert log.commits_alone >= 1
        assert log.commits_in_turn == 0
        assert len(log.read()) == 100
    finally:
        await log.close()


async def test_a_commit_by_another_writer_is_seen_before_the_next_group(tmp_path: Path) -> None:
    # Another process appends between this writer's groups: the one-statement insert must
    # find the head moved, write nothing, and leave the group to the careful path, which
    # numbers after the other's events and knows their ids.
    path = tmp_path / "log.db"
    mine, other = SqliteEventLog(path), SqliteEventLog(path)
    try:
        assert await mine.append([ev()]) == [1]
        theirs = [ev(), ev()]
        assert await other.append(theirs) == [2, 3]
        alone_before = mine.commits_alone
        late = ev()
        assert await mine.append([late, theirs[1]]) == [4, 3]
        assert mine.commits_in_turn == 1
        assert mine.commits_alone == alone_before
        with pytest.raises(EventConflict):
            await mine.append([same(theirs[0], data=b"other")])
        assert await mine.append([ev()]) == [5]  # alone again: nobody wrote meanwhile
        assert mine.commits_alone == alone_before + 1
        assert ids(mine.read()) == [
            *ids(mine.read(0, 1)),
            *(e.event_id for e in theirs),
            late.event_id,
            *ids(mine.read(4)),
        ]
        assert mine.head() == other.head() == 5
    finally:
        await mine.close()
        await other.close()


async def test_a_log_shortened_under_the_writer_is_indexed_afresh(tmp_path: Path) -> None:
    # A restore that replaces the log's content with an earlier copy: the head is behind
    # what the writer indexed, so numbering from its memory would leave a gap.
    path = tmp_path / "log.db"
    log = SqliteEventLog(path)
    try:
        for _ in range(3):
            await log.append([ev()])
        early = tmp_path / "early.db"
        log.backup(early)
        await log.append([ev(), ev()])
        restore = sqlite3.connect(early)
        target = sqlite3.connect(path)
        try:
            restore.backup(target)  # overwrite the live file's pages with the earlier copy
        finally:
            restore.close()
            target.close()
        assert log.head() == 3
        assert await log.append([ev()]) == [4]
        assert [s.position for s in log.read()] == [1, 2, 3, 4]
    finally:
        await log.close()


async def test_ids_that_share_their_high_half_are_told_apart(tmp_path: Path) -> None:
    # The id index searches on the high 64 bits first; equal highs must still be distinguished,
    # including once enough ids have arrived to be merged into its sorted arrays.
    high = uuid.uuid4().bytes[:8]
    twins = [
        NewEvent(uuid.UUID(bytes=high + n.to_bytes(8, "big")), "T", b"%d" % n) for n in range(5)
    ]
    many = [ev() for _ in range(6000)]
    log = SqliteEventLog(tmp_path / "log.db")
    try:
        assert await log.append(twins[:3]) == [1, 2, 3]
        for start in range(0, len(many), 1000):
            await log.append(many[start : start + 1000])
        assert await log.append(twins) == [1, 2, 3, 6004, 6005]
        assert await log.append([many[4321], twins[1], many[0]]) == [4325, 2, 4]
        with pytest.raises(EventConflict) as raised:
            await log.append([same(twins[2], data=b"other")])
        assert raised.value.event_id == twins[2].event_id
        with pytest.raises(EventConflict):
            await log.append([same(many[5999], type_="Other")])
        assert log.head() == 6005
        assert ids(log.read(6003)) == [twins[3].event_id, twins[4].event_id]
    finally:
        await log.close()


# --- callbacks instead of futures ----------------------------------------------------------


async def test_append_then_calls_back_on_the_loop_in_commit_order_once_durable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "log.db"
    log = SqliteEventLog(path)
    loop = asyncio.get_running_loop()
    told: list[tuple[int, list[int] | BaseException, bool]] = []
    done = asyncio.Event()
    first = ev()
    try:
        await log.append([first])
        batches = [[ev(), ev()], [same(first, data=b'{"other":1}')], [ev()], [same(first)]]

        def then_for(i: int) -> Callable[[list[int] | BaseException], None]:
            def then(outcome: list[int] | BaseException) -> None:
                on_loop = asyncio.get_running_loop() is loop
                told.append((i, outcome, on_loop))
                # Durable before the call: another connection already sees the batch.
                if isinstance(outcome, list) and outcome:
                    with sqlite3.connect(path) as other:
                        head = other.execute("SELECT max(position) FROM events").fetchone()[0]
                    assert head >= max(outcome)
                if len(told) == len(batches):
                    done.set()

            return then

        for i, batch in enumerate(batches):
            log.append_then(batch, then_for(i))
        async with asyncio.timeout(10):
            await done.wait()
    finally:
        await log.close()
    assert [i for i, _, _ in told] == [0, 1, 2, 3]
    assert all(on_loop for _, _, on_loop in told)
    assert told[0][1] == [2, 3]
    assert isinstance(told[1][1], EventConflict)  # refused alone, nothing appended for it
    assert told[2][1] == [4]
    assert told[3][1] == [1]  # a retry of what is stored: its original position


async def test_append_then_tells_of_a_closed_log_or_a_bad_batch_at_once(tmp_path: Path) -> None:
    log = SqliteEventLog(tmp_path / "log.db")
    told: list[list[int] | BaseException] = []
    log.append_then([], told.append)
    log.append_then(["not an event"], told.append)  # type: ignore[list-item]
    await log.close()
    log.append_then([ev()], told.append)
    assert told[0] == []
    assert isinstance(told[1], TypeError)
    assert isinstance(told[2], LogError)
    assert "closed" in str(told[2])


async def test_a_failing_callback_leaves_the_rest_of_its_group_answered() -> None:
    loop = asyncio.get_running_loop()
    told: list[list[int] | BaseException] = []
    done = asyncio.Event()

    def broken(outcome: list[int] | BaseException) -> None:
        raise RuntimeError("a caller's bug")

    def last(outcome: list[int] | BaseException) -> None:
        told.append(outcome)
        done.set()

    future: asyncio.Future[list[int]] = loop.create_future()
    group = [
        Append((ev(),), loop, None, broken),
        Append((ev(),), loop, future),
        Append((ev(),), loop, None, last),
    ]
    answer(group, [[1], [2], [3]])  # as the writer thread does, after its commit
    async with asyncio.timeout(10):
        await done.wait()
    assert await future == [2]
    assert told == [[3]]
