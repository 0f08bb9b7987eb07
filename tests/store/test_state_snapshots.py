"""Snapshots: resuming equals a full replay; stale, corrupt or foreign ones are discarded."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import require

from magen.app import snapshots as snapshots_module
from magen.app.codec import decode as decode_event
from magen.app.service import Service
from magen.app.snapshots import (
    CommandIndex,
    SnapshotPolicy,
    SnapshotRejected,
    Snapshots,
    decode,
    encode,
    schema_fingerprint,
    signing_key,
)
from magen.clock import ManualClock
from magen.domain import State, evolve
from magen.domain.base import Actor, Command
from magen.domain.errors import Conflict, DomainError
from magen.domain.reports import (
    RaiseSos,
    ReportSighting,
    ResolveSos,
    SosOutcome,
    SosRaised,
    UpdateSos,
)
from magen.domain.responders import CheckIn, ReportPosition, ResponderKind
from magen.domain.values import GeoPoint, Role
from magen.store.base import EventLog
from magen.store.factory import open_log
from magen.store.snapshot import FileSnapshotStore, MemorySnapshotStore, snapshot_store
from support.postgres import PostgresMissing, shared_server

pytestmark = pytest.mark.anyio

SECRET = b"snapshot-test-secret-0123456789ab"
START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
ACTORS = [
    Actor("acc_resident", Role.RESIDENT),
    Actor("acc_officer", Role.RESPONDER),
    Actor("acc_dispatch", Role.DISPATCHER),
    Actor(None, Role.ANONYMOUS, source_key="anon_1"),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sqlite", "postgres"])
def log_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh log of each durable backend (snapshots beside the file, or in a table)."""
    if request.param == "sqlite":
        return str(tmp_path / "magen.db")
    try:
        return shared_server().fresh_url("snap")
    except PostgresMissing as exc:
        require(False, f"PostgreSQL: {exc}")
        raise


@contextlib.asynccontextmanager
async def opened(url: str) -> AsyncIterator[EventLog]:
    log = open_log(url)
    try:
        yield log
    finally:
        await log.close()


def service_over(log: EventLog, *, snapshots: bool = True, secret: bytes = SECRET) -> Service:
    store = snapshot_store(log)
    assert store is not None
    keeper = Snapshots(store, secret) if snapshots else None
    return Service(log, ManualClock(START), snapshots=keeper)


class Town:
    """A seeded stream of residents' and responders' commands, some of them refused."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sos_ids: list[str] = []
        self.handled: list[tuple[Actor, Command]] = []

    def command(self) -> tuple[Actor, Command]:
        rng = self.rng
        cid = uuid.UUID(int=rng.getrandbits(128), version=4)
        where = GeoPoint(lat=31.75 + rng.random() / 50, lon=35.20 + rng.random() / 30)
        kind = rng.choice(["sighting", "sighting", "sos", "update", "resolve", "checkin", "move"])
        actor = ACTORS[rng.randrange(len(ACTORS))]
        n = rng.randint(1, 9)
        command: Command
        if kind == "sos" or (kind in {"update", "resolve"} and not self.sos_ids):
            command = RaiseSos(command_id=cid, where=where, people=n, injured=n // 3)
        elif kind == "update":
            command = UpdateSos(command_id=cid, sos_id=rng.choice(self.sos_ids), people=n + 1)
        elif kind == "resolve":
            sos = rng.choice(self.sos_ids)
            command = ResolveSos(command_id=cid, sos_id=sos, outcome=SosOutcome.SAFE)
        elif kind == "checkin":
            actor = ACTORS[1]
            command = CheckIn(command_id=cid, kind=ResponderKind.POLICE_ON_DUTY, where=where)
        elif kind == "move":
            actor = ACTORS[1]
            command = ReportPosition(command_id=cid, where=where)
        else:
            command = ReportSighting(command_id=cid, where=where, count=n)
        return actor, command

    async def play(self, service: Service, steps: int) -> None:
        clock = service.clock
        assert isinstance(clock, ManualClock)
        for _ in range(steps):
            clock.advance(self.rng.randint(0, 20))
            actor, command = self.command()
            try:
                outcome = await service.handle(actor, command)
            except DomainError:
                continue
            self.handled.append((actor, command))
            if isinstance(command, RaiseSos):
                self.sos_ids.append(outcome.events[0].event.sos_id)  # type: ignore[attr-defined]


def full_replay(log: EventLog) -> Service:
    service = Service(log, ManualClock(START))
    service.load()
    return service


# --- resuming -----------------------------------------------------------------------------------


async def test_resuming_from_a_snapshot_equals_a_full_replay(log_url: str) -> None:
    town = Town(seed=7)
    async with opened(log_url) as log:
        live = service_over(log)
        live.load()
        await town.play(live, 60)
        assert live.snapshots is not None
        at = await asyncio.to_thread(live.snapshots.save_now, live)
        await town.play(live, 40)
        assert log.head() > at > 10

    async with opened(log_url) as log:
        resumed = service_over(log)
        replayed = resumed.load()
        assert resumed.metrics.snapshot_position == at
        assert replayed == log.head() - at  # only the events after the snapshot
        full = full_replay(log)
        assert resumed.state == full.state == live.state
        for _, command in town.handled:
            assert resumed._commands.get(command.command_id) == full._commands.get(
                command.command_id
            )
        # A retry of a command from before the snapshot is recognised: nothing is appended.
        actor, first = next((a, c) for a, c in town.handled if isinstance(c, ReportSighting))
        head = log.head()
        again = await resumed.handle(actor, first)
        assert again.replayed
        assert again.positions == full._commands.get(first.command_id)[1]  # type: ignore[index]
        with pytest.raises(Conflict):
            await resumed.handle(actor, first.model_copy(update={"count": 99}))
        assert log.head() == head


async def test_a_snapshot_at_the_head_replays_nothing_and_keeps_serving(log_url: str) -> None:
    town = Town(seed=11)
    async with opened(log_url) as log:
        live = service_over(log)
        live.load()
        await town.play(live, 30)
        assert live.snapshots is not None
        live.snapshots.save_now(live)
    async with opened(log_url) as log:
        resumed = service_over(log)
        assert resumed.load() == 0
        assert resumed.state == live.state
        await town.play(resumed, 10)  # new commands apply on top of the restored state
        assert resumed.state == full_replay(log).state


# --- discarding --------------------------------------------------------------------------------


async def test_a_snapshot_from_an_older_schema_is_discarded_and_rebuilt(
    log_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with opened(log_url) as log:
        live = service_over(log)
        live.load()
        await Town(seed=3).play(live, 30)
        # Made by code whose events or slices differed from today's.
        monkeypatch.setattr(snapshots_module, "schema_fingerprint", lambda: "0" * 64)
        assert live.snapshots is not None
        live.snapshots.save_now(live)
        monkeypatch.undo()

    async with opened(log_url) as log:
        resumed = service_over(log)
        with caplog.at_level(logging.WARNING, "magen.snapshots"):
            replayed = resumed.load()
        assert resumed.metrics.snapshot_position is None
        assert replayed == log.head()
        assert resumed.state == live.state
        assert "older (or other) schema" in caplog.text


async def test_a_corrupt_snapshot_is_discarded_for_the_older_one(
    log_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with opened(log_url) as log:
        live = service_over(log)
        live.load()
        town = Town(seed=5)
        await town.play(live, 20)
        assert live.snapshots is not None
        older = live.snapshots.save_now(live)
        await town.play(live, 20)
        newest = live.snapshots.save_now(live)
        await town.play(live, 5)
        store = live.snapshots.store
        blob = bytearray(store.load(newest) or b"")
        blob[len(blob) // 2] ^= 0x55  # one flipped byte in the compressed body
        store.save(newest, bytes(blob))

    async with opened(log_url) as log:
        resumed = service_over(log)
        with caplog.at_level(logging.WARNING, "magen.snapshots"):
            resumed.load()
        assert f"discarding the snapshot at position {newest}" in caplog.text
        assert "signature does not verify" in caplog.text
        assert resumed.metrics.snapshot_position == older
        assert resumed.state == live.state


async def test_a_snapshot_signed_with_another_secret_is_not_unpickled(log_url: str) -> None:
    async with opened(log_url) as log:
        live = service_over(log)
        live.load()
        await Town(seed=9).play(live, 15)
        assert live.snapshots is not None
        live.snapshots.save_now(live)
        stranger = service_over(log, secret=b"another-secret-entirely-0000000")
        stranger.load()
        assert stranger.metrics.snapshot_position is None
        assert stranger.snapshots is not None
        assert "signature" in (stranger.snapshots.last_restore.discarded or [""])[0]
        assert stranger.state == live.state


async def test_a_snapshot_of_another_log_is_discarded(log_url: str, tmp_path: Path) -> None:
    async with opened(log_url) as log:
        live = service_over(log)
        live.load()
        await Town(seed=1).play(live, 25)
        assert live.snapshots is not None
        foreign = live.snapshots.encode(live)
    other_url = str(tmp_path / "other.db")
    async with opened(other_url) as other:
        # Another log with as many events: same length, different history.
        fresh = service_over(other)
        fresh.load()
        town = Town(seed=2)
        while other.head() < live.state.position:
            await town.play(fresh, 1)
        store = snapshot_store(other)
        assert store is not None
        store.save(live.state.position, foreign)
        resumed = service_over(other)
        resumed.load()
        assert resumed.metrics.snapshot_position is None
        assert resumed.snapshots is not None
        assert "another event" in (resumed.snapshots.last_restore.discarded or [""])[0]
        assert resumed.state == full_replay(other).state


async def test_a_snapshot_ahead_of_the_log_is_discarded(tmp_path: Path) -> None:
    url = str(tmp_path / "magen.db")
    async with opened(url) as log:
        live = service_over(log)
        live.load()
        await Town(seed=4).play(live, 20)
        assert live.snapshots is not None
        blob = live.snapshots.encode(live)
    # The log was restored from an older backup; the snapshot beside it is newer.
    async with opened(str(tmp_path / "restored.db")) as log:
        store = snapshot_store(log)
        assert store is not None
        store.save(live.state.position, blob)
        resumed = service_over(log)
        assert resumed.load() == 0
        assert resumed.metrics.snapshot_position is None
        assert resumed.snapshots is not None
        assert "ahead of the log" in (resumed.snapshots.last_restore.discarded or [""])[0]


def test_the_fingerprint_follows_the_event_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    today = schema_fingerprint()
    assert today == schema_fingerprint()
    real = snapshots_module.event_types()
    changed = dict(real)
    changed["ThreatSighted"] = SosRaised  # as if ThreatSighted's fields had changed
    schema_fingerprint.cache_clear()
    try:
        monkeypatch.setattr(snapshots_module, "event_types", lambda: changed)
        assert schema_fingerprint() != today
    finally:
        monkeypatch.undo()
        schema_fingerprint.cache_clear()
    assert schema_fingerprint() == today


def test_decode_refuses_bad_magic_and_truncation() -> None:
    key = signing_key(SECRET)
    blob = encode(
        Service(open_log("memory://"), ManualClock(START)).state, CommandIndex(), None, key
    )
    assert decode(blob, key)[0].position == 0
    for bad in (b"", b"NOTMAGEN" + blob[8:], blob[:-1], blob[:40]):
        with pytest.raises(SnapshotRejected):
            decode(bad, key)


def test_restored_pydantic_values_behave_as_the_originals() -> None:
    key = signing_key(SECRET)
    state = State()
    state.position = 0
    places = [GeoPoint(lat=31.76, lon=35.21), GeoPoint(lat=31.77, lon=35.22, accuracy_m=5)]
    commands = CommandIndex()
    # A slice-like holder for the values (any picklable object works).
    state._slices[dict] = {"places": places}
    _, restored, _ = decode(encode(state, commands, None, key), key)
    again = restored.slice(dict)["places"]
    assert again == places
    assert [p.model_fields_set for p in again] == [p.model_fields_set for p in places]
    moved = again[0].model_copy(update={"accuracy_m": 3.0})
    assert moved.accuracy_m == 3.0
    assert again[0].model_fields_set == {"lat", "lon"}  # the shared set was not touched
    with pytest.raises(ValueError, match="frozen"):
        again[0].lat = 0.0  # type: ignore[misc]
    assert again[1].model_dump(exclude_unset=True) == {"lat": 31.77, "lon": 35.22, "accuracy_m": 5}


# --- saving in the background --------------------------------------------------------------------


async def test_the_serving_process_saves_snapshots_as_the_policy_says(tmp_path: Path) -> None:
    async with opened(str(tmp_path / "magen.db")) as log:
        store = snapshot_store(log)
        assert store is not None
        policy = SnapshotPolicy(every_events=10, every_seconds=3600, check_seconds=0.05)
        service = Service(log, ManualClock(START), snapshots=Snapshots(store, SECRET, policy))
        service.load()
        service.keep_snapshots()
        try:
            town = Town(seed=21)
            await town.play(service, 8)
            await asyncio.sleep(0.3)
            assert store.positions() == []  # fewer than ten events: nothing due yet
            await town.play(service, 30)
            # Polling the store is the point: the snapshot is written by another process.
            async with asyncio.timeout(20):
                while not store.positions() or store.positions()[0] < 10:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        finally:
            await service.close()
        newest = store.positions()[0]
        resumed = service_over(log)
        resumed.load()
        assert resumed.metrics.snapshot_position == newest
        assert resumed.state == full_replay(log).state


async def test_a_forked_snapshot_matches_the_state_at_its_position(tmp_path: Path) -> None:
    async with opened(str(tmp_path / "magen.db")) as log:
        service = service_over(log)
        service.load()
        await Town(seed=8).play(service, 40)
        assert service.snapshots is not None
        position = await service.snapshots.save_in_background(service)
        assert position == service.state.position
        blob = service.snapshots.store.load(position)
        assert blob is not None
        _, state, commands = decode(blob, signing_key(SECRET))
        assert state == service.state
        assert dict(commands.items()) == dict(service._commands.items())


async def test_a_forked_snapshot_holds_its_position_while_commands_keep_coming(
    tmp_path: Path,
) -> None:
    async with opened(str(tmp_path / "magen.db")) as log:
        service = service_over(log)
        service.load()
        town = Town(seed=13)
        await town.play(service, 30)
        assert service.snapshots is not None
        before = service.state.position
        saving = asyncio.create_task(service.snapshots.save_in_background(service))
        await town.play(service, 30)  # applied while the child encodes
        position = await saving
        assert position is not None
        assert before <= position < service.state.position
        blob = service.snapshots.store.load(position)
        assert blob is not None
        header, state, _ = decode(blob, signing_key(SECRET))
        assert header.last_event_id == str(log.read(position - 1, 1)[0].event_id)
        replayed = State()
        for stored in log.read(0, position):
            evolve(replayed, decode_event(stored))
        assert state == replayed


# --- the command index ---------------------------------------------------------------------------

_ids = st.one_of(
    st.uuids(),
    # Ids that share long prefixes and end in zero bytes, as crafted client ids do.
    st.builds(lambda n: uuid.UUID(int=(0xABCD << 112) | (n << 16)), st.integers(0, 50)),
)
_entries = st.lists(
    st.tuples(
        _ids,
        st.one_of(st.binary(min_size=32, max_size=32).map(bytes.hex), st.just("not-a-digest")),
        st.integers(1, 10_000),
    ),
    max_size=60,
)


@settings(max_examples=80, deadline=None)
@given(first=_entries, second=_entries)
def test_the_command_index_answers_like_a_dict_through_compactions(
    first: list[tuple[uuid.UUID, str, int]], second: list[tuple[uuid.UUID, str, int]]
) -> None:
    index, model = CommandIndex(), {}

    def record(entries: list[tuple[uuid.UUID, str, int]]) -> None:
        for key, digest, position in entries:
            old_digest, positions = index.get(key, (digest, ()))
            index[key] = (old_digest, (*positions, position))
            m_digest, m_positions = model.get(key, (digest, ()))
            model[key] = (m_digest, (*m_positions, position))

    record(first)
    index = index.compacted()
    record(second)
    for key, value in model.items():
        assert index.get(key) == value
    compacted = index.compacted()
    for key, value in model.items():
        assert compacted.get(key) == value
    assert dict(compacted.items()) == model
    assert len(compacted) == len(model)
    assert compacted.get(uuid.UUID(int=12345)) is None


# --- the stores --------------------------------------------------------------------------------


@pytest.fixture(params=["file", "memory", "postgres"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.contextmanager
def a_store(kind: str, tmp_path: Path) -> Iterator[object]:
    if kind == "file":
        yield FileSnapshotStore(tmp_path / "snaps")
    elif kind == "memory":
        yield MemorySnapshotStore()
    else:
        try:
            url = shared_server().fresh_url("snapstore")
        except PostgresMissing as exc:
            require(False, f"PostgreSQL: {exc}")
            raise
        log = open_log(url)
        try:
            yield snapshot_store(log)
        finally:
            asyncio.run(log.close())


def test_stores_keep_the_newest_two_whole(store_kind: str, tmp_path: Path) -> None:
    with a_store(store_kind, tmp_path) as store:
        assert isinstance(store, (FileSnapshotStore, MemorySnapshotStore)) or store is not None
        assert store.positions() == []  # type: ignore[attr-defined]
        big = bytes(range(256)) * 300_000  # 76.8 MB: several chunks in PostgreSQL
        for position, blob in [(5, b"five"), (9, big), (7, b"seven")]:
            store.save(position, blob)  # type: ignore[attr-defined]
        assert store.positions() == [9, 7]  # type: ignore[attr-defined]
        assert store.load(9) == big  # type: ignore[attr-defined]
        assert store.load(7) == b"seven"  # type: ignore[attr-defined]
        assert store.load(5) is None  # type: ignore[attr-defined]
        store.save(9, b"again")  # type: ignore[attr-defined]
        assert store.load(9) == b"again"  # type: ignore[attr-defined]
        store.clear()  # type: ignore[attr-defined]
        assert store.positions() == []  # type: ignore[attr-defined]
