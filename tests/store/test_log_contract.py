"""The EventLog contract, run against every backend (see conftest.BACKENDS)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magen.store.base import EventConflict, EventLog, NewEvent, StoredEvent
from store.eventlog_kit import LogBackend, ev, ids, same, take

pytestmark = pytest.mark.anyio


# --- appending and reading ---------------------------------------------------------------


async def test_empty_log_has_nothing(log: EventLog) -> None:
    assert log.head() == 0
    assert log.read() == []
    assert await log.append([]) == []
    assert log.head() == 0


async def test_positions_are_gap_free_from_one_in_batch_order(log: EventLog) -> None:
    first = [ev(), ev(), ev()]
    second = [ev()]
    third = [ev(b"{}", "SosRaised"), ev()]
    assert await log.append(first) == [1, 2, 3]
    assert await log.append(second) == [4]
    assert await log.append(third) == [5, 6]
    assert log.head() == 6
    stored = log.read()
    assert [s.position for s in stored] == [1, 2, 3, 4, 5, 6]
    for s, sent in zip(stored, first + second + third, strict=True):
        assert (s.event_id, s.type, s.data) == (sent.event_id, sent.type, sent.data)
        assert isinstance(s.event_id, uuid.UUID)
        assert isinstance(s.data, bytes)


async def test_read_from_a_position_with_a_limit(log: EventLog) -> None:
    sent = [ev() for _ in range(10)]
    await log.append(sent[:4])
    await log.append(sent[4:])
    assert ids(log.read(3)) == [e.event_id for e in sent[3:]]
    assert ids(log.read(3, 4)) == [e.event_id for e in sent[3:7]]
    assert [s.position for s in log.read(8, 100)] == [9, 10]
    assert log.read(10) == []
    assert log.read(50) == []
    assert log.read(0, 0) == []
    assert ids(log.read(0, 1)) == [sent[0].event_id]


async def test_body_bytes_round_trip_exactly(log: EventLog) -> None:
    odd = bytes(range(256)) + "שלום عالم".encode()
    await log.append([ev(odd), ev(b"")])
    assert [s.data for s in log.read()] == [odd, b""]


# --- idempotency -------------------------------------------------------------------------


async def test_a_retried_batch_returns_its_positions_and_appends_nothing(log: EventLog) -> None:
    batch = [ev(), ev(), ev()]
    await log.append([ev()])
    assert await log.append(batch) == [2, 3, 4]
    assert await log.append(batch) == [2, 3, 4]
    assert await log.append([batch[1]]) == [3]
    assert log.head() == 4


async def test_duplicates_inside_one_batch_share_one_position(log: EventLog) -> None:
    a, b = ev(), ev()
    assert await log.append([a, b, a, a, b]) == [1, 2, 1, 1, 2]
    assert log.head() == 2
    assert ids(log.read()) == [a.event_id, b.event_id]


async def test_a_retry_mixed_with_new_events_appends_only_the_new(log: EventLog) -> None:
    old = ev()
    await log.append([old, ev()])
    new = ev()
    assert await log.append([new, old]) == [3, 1]
    assert ids(log.read(2)) == [new.event_id]


@pytest.mark.parametrize(
    "change", [{"data": b'{"other":1}'}, {"type_": "SosRaised"}], ids=["body", "type"]
)
async def test_same_id_other_content_is_a_conflict_that_appends_nothing(
    log: EventLog, change: dict[str, object]
) -> None:
    original = ev()
    await log.append([ev(), original])
    fresh_before, fresh_after = ev(), ev()
    with pytest.raises(EventConflict) as raised:
        await log.append([fresh_before, same(original, **change), fresh_after])  # type: ignore[arg-type]
    assert raised.value.event_id == original.event_id
    assert raised.value.position == 2
    assert log.head() == 2
    # Nothing of the refused batch was kept: its new events append as new now.
    assert await log.append([fresh_before, fresh_after]) == [3, 4]


async def test_a_conflict_inside_one_batch_appends_nothing(log: EventLog) -> None:
    a = ev()
    with pytest.raises(EventConflict) as raised:
        await log.append([ev(), a, same(a, data=b"{}")])
    assert raised.value.event_id == a.event_id
    assert log.head() == 0


async def test_a_conflicting_batch_fails_alone_among_concurrent_ones(log: EventLog) -> None:
    originals = [ev() for _ in range(8)]
    await log.append(originals)
    batches: list[list[NewEvent]] = []
    for i in range(40):
        batch = [ev(), ev()]
        if i % 5 == 0:
            batch.insert(1, same(originals[i // 5], data=b'{"changed":true}'))
        batches.append(batch)
    results = await asyncio.gather(*(log.append(b) for b in batches), return_exceptions=True)
    kept: set[uuid.UUID] = set()
    for i, (batch, result) in enumerate(zip(batches, results, strict=True)):
        if i % 5 == 0:
            assert isinstance(result, EventConflict), result
            assert result.event_id == originals[i // 5].event_id
        else:
            assert isinstance(result, list), result
            assert [s.event_id for p in result for s in log.read(p - 1, 1)] == [
                e.event_id for e in batch
            ]
            kept.update(e.event_id for e in batch)
    logged = ids(log.read(8))
    assert set(logged) == kept
    assert len(logged) == len(kept) == 32 * 2
    assert [s.position for s in log.read()] == list(range(1, 8 + 64 + 1))


# --- ordering under concurrency ----------------------------------------------------------


async def test_concurrent_appends_are_gap_free_and_each_batch_is_contiguous(
    log: EventLog,
) -> None:
    async def writer(task: int) -> list[tuple[list[NewEvent], list[int]]]:
        done = []
        for seq in range(15):
            batch = [ev() for _ in range(1 + (task + seq) % 4)]
            done.append((batch, await log.append(batch)))
        return done

    per_task = await asyncio.gather(*(writer(t) for t in range(32)))
    total = sum(len(batch) for done in per_task for batch, _ in done)
    stored = log.read()
    assert [s.position for s in stored] == list(range(1, total + 1))
    assert log.head() == total
    at = {s.position: s.event_id for s in stored}
    for done in per_task:
        previous = 0
        for batch, positions in done:
            # Contiguous, in batch order, after the task's previous batch.
            assert positions == list(range(positions[0], positions[0] + len(batch)))
            assert positions[0] > previous
            previous = positions[-1]
            assert [at[p] for p in positions] == [e.event_id for e in batch]


async def test_concurrent_retries_of_one_batch_get_the_same_positions(log: EventLog) -> None:
    await log.append([ev()])
    batch = [ev(), ev()]
    results = await asyncio.gather(*(log.append(batch) for _ in range(20)))
    assert results == [[2, 3]] * 20
    assert log.head() == 3


# --- a model: random batches with retries and conflicts ----------------------------------

_POOL = [uuid.UUID(int=n * 0x9E3779B97F4A7C15 + 1) for n in range(6)]


def _content(slot: int, variant: int) -> tuple[str, bytes]:
    # Variant 0 is the usual content; 1 changes the type, 2 the body, 3 both.
    return (f"Type{variant & 1}", f'{{"slot":{slot},"v":{variant >> 1}}}'.encode())


class _ModelLog:
    """The contract, written as plainly as possible."""

    def __init__(self) -> None:
        self.rows: list[tuple[uuid.UUID, str, bytes]] = []

    def append(self, batch: list[NewEvent]) -> list[int] | uuid.UUID:
        rows = list(self.rows)
        positions = []
        for e in batch:
            match = [i for i, row in enumerate(rows) if row[0] == e.event_id]
            if match:
                if rows[match[0]][1:] != (e.type, e.data):
                    return e.event_id  # a conflict: the batch leaves no trace
                positions.append(match[0] + 1)
            else:
                rows.append((e.event_id, e.type, e.data))
                positions.append(len(rows))
        self.rows = rows
        return positions


_event_specs = st.tuples(
    st.integers(0, len(_POOL) - 1), st.sampled_from([0, 0, 0, 0, 0, 0, 1, 2, 3])
)
_batches = st.lists(st.lists(_event_specs, max_size=5), min_size=1, max_size=8)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batches=_batches)
async def test_random_batches_behave_like_the_model(
    log_backend: LogBackend, batches: list[list[tuple[int, int]]]
) -> None:
    model = _ModelLog()
    log = log_backend.open_fresh()
    try:
        for spec in batches:
            batch = [NewEvent(_POOL[slot], *_content(slot, v)) for slot, v in spec]
            expected = model.append(batch)
            if isinstance(expected, uuid.UUID):
                with pytest.raises(EventConflict) as raised:
                    await log.append(batch)
                assert raised.value.event_id == expected
            else:
                assert await log.append(batch) == expected
            assert log.head() == len(model.rows)
        assert [(s.event_id, s.type, s.data) for s in log.read()] == model.rows
        assert [s.position for s in log.read()] == list(range(1, len(model.rows) + 1))
    finally:
        await log.close()


# --- subscriptions -----------------------------------------------------------------------


async def test_subscribe_delivers_past_events_then_live_ones(log: EventLog) -> None:
    past = [ev(), ev(), ev()]
    await log.append(past)
    got: list[StoredEvent] = []
    caught_up = asyncio.Event()

    async def follow() -> None:
        async with contextlib.aclosing(log.subscribe(0)) as stream:  # type: ignore[type-var]
            async for stored in stream:
                got.append(stored)
                if len(got) == 3:
                    caught_up.set()
                if len(got) == 6:
                    return

    async with asyncio.timeout(5):
        follower = asyncio.create_task(follow())
        await caught_up.wait()
        live = [ev(), ev(), ev()]
        await log.append(live[:1])
        await log.append(live[1:])
        await follower
    assert [s.position for s in got] == [1, 2, 3, 4, 5, 6]
    assert ids(got) == [e.event_id for e in past + live]


async def test_subscribe_delivers_a_live_event_promptly(log: EventLog) -> None:
    await log.append([ev()])
    follower = asyncio.create_task(take(log, 1, 1))
    await asyncio.sleep(0.05)  # the subscriber is now waiting for a commit
    assert not follower.done()
    fresh = ev()
    loop = asyncio.get_running_loop()
    appended_at = loop.time()
    await log.append([fresh])
    [got] = await follower
    assert got.event_id == fresh.event_id
    assert got.position == 2
    # Own appends wake subscribers at once, well inside any polling interval.
    assert loop.time() - appended_at < 1.0


async def test_subscribe_resumes_exactly_after_the_position_given(log: EventLog) -> None:
    sent = [ev() for _ in range(10)]
    await log.append(sent[:6])
    await log.append(sent[6:])
    resumed = await take(log, 4, 6)
    assert [s.position for s in resumed] == [5, 6, 7, 8, 9, 10]
    assert ids(resumed) == [e.event_id for e in sent[4:]]
    # From the head, nothing comes until something new is appended.
    waiting = asyncio.create_task(take(log, 10, 1))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    newest = ev()
    await log.append([newest])
    [got] = await waiting
    assert (got.position, got.event_id) == (11, newest.event_id)


async def test_subscribers_see_concurrent_appends_in_log_order(log: EventLog) -> None:
    followers = [asyncio.create_task(take(log, 0, 60)) for _ in range(3)]
    await asyncio.sleep(0.01)
    await asyncio.gather(*(log.append([ev(), ev()]) for _ in range(30)))
    seen = await asyncio.gather(*followers)
    for stream in seen:
        assert [s.position for s in stream] == list(range(1, 61))
        assert ids(stream) == ids(log.read())


async def test_a_retry_wakes_no_subscriber_with_a_duplicate(log: EventLog) -> None:
    batch = [ev()]
    await log.append(batch)
    follower = asyncio.create_task(take(log, 0, 2))
    await asyncio.sleep(0.02)
    await log.append(batch)
    newest = ev()
    await log.append([newest])
    stream = await follower
    assert ids(stream) == [batch[0].event_id, newest.event_id]
