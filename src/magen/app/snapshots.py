"""Snapshots of the folded state, so a cold start replays only the events after the newest one.

A snapshot is the service's state and command index at a log position, pickled, compressed
with zstd and signed:

    MAGIC | header length (4 bytes) | header (JSON) | body | HMAC-SHA256(key, all before)

The header names the log position, the id of the event at that position, a *schema
fingerprint* and the *picture metric*. A snapshot is used only if its signature verifies (the
key derives from the server secret, so nobody who can merely write to the database can make
the server unpickle their bytes), its fingerprint equals this code's, its picture metric is
the one this server fuses with, and its last event is the log's event at that position;
otherwise it is discarded with a warning and the state is rebuilt from the log.

The picture metric is configuration, not log content: the same log fused along a town's
streets and in straight lines gives different tracks. The street graph is not pickled: the
snapshot holds a reference to it by key (`metric_key`), and restoring re-attaches the metric
the server loaded from its town, so a restored state is the state a full replay would build.
A snapshot made under another metric (another town, another pack build, or none) is refused
rather than restored into a server that would then fuse new sightings under a different rule
than the tracks it holds; the server replays the log with its own metric and saves afresh.

The fingerprint hashes a manual `SNAPSHOT_VERSION`, the JSON schema and version of every
registered event type, and the source of every module that can shape state: the domain (slice
classes, evolvers) and the engines that slices hold (`magen.picture`, `magen.geo`, ...), i.e.
every package except the outer layers in `_OUTER_LAYERS`. Any change there makes the next
start replay the log once and save a fresh snapshot; a stale snapshot is never trusted.

The serving process saves one every `every_events` events or `every_seconds` seconds. It
forks: the child inherits a copy-on-write image of the state as it stands between two events,
encodes and sends it through a pipe, so the event loop pauses only for the fork itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import hashlib
import hmac
import io
import json
import logging
import os
import pickle
import signal
import struct
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, overload

import numpy as np
import numpy.typing as npt
import zstandard
from pydantic import BaseModel

from magen.config import SnapshotSettings
from magen.domain.base import event_types
from magen.domain.picture import Picture
from magen.domain.state import State
from magen.picture.metric import Metric, metric_key
from magen.store.base import EventLog, LogError
from magen.store.snapshot import SnapshotStore

if TYPE_CHECKING:
    from magen.app.service import Service

log = logging.getLogger("magen.snapshots")

# Bump by hand when what a snapshot holds changes in a way the fingerprint cannot see.
SNAPSHOT_VERSION: Final = 1
MAGIC: Final = b"MAGENSN1"
_MAC_BYTES: Final = 32
_HEADER_LEN: Final = struct.Struct(">I")
_RAW_LEN: Final = struct.Struct(">Q")  # before the body a forked child sends
_CODEC: Final = "pickle5+zstd"
# Packages that read state but never shape it; everything else in magen can.
_OUTER_LAYERS: Final = frozenset(
    {"api", "app", "cli", "web", "sim", "report", "store", "demo", "config", "clock"}
)
_DIGEST_HEX: Final = 64

_Entry = tuple[str, tuple[int, ...]]  # a command's request digest and its events' positions


# --- the command index -------------------------------------------------------------------------


class CommandIndex:
    """Each handled command's request digest and log positions, by command id.

    Recent commands sit in a dict; `compacted()` moves them into sorted numpy arrays (about 70
    bytes a command instead of several hundred), which is also the form that snapshots hold,
    so a million commands load in milliseconds.
    """

    __slots__ = ("_digests", "_ids", "_positions", "_recent", "_starts")

    def __init__(self) -> None:
        # Ids as 16-byte strings (big-endian, so byte order is UUID order), sorted.
        self._ids: npt.NDArray[np.bytes_] = np.empty(0, "S16")
        self._digests: npt.NDArray[np.uint8] = np.empty((0, 32), np.uint8)
        # Command i's positions are _positions[_starts[i]:_starts[i + 1]].
        self._starts: npt.NDArray[np.int64] = np.zeros(1, np.int64)
        self._positions: npt.NDArray[np.int64] = np.empty(0, np.int64)
        self._recent: dict[uuid.UUID, _Entry] = {}

    def __len__(self) -> int:
        shadowed = sum(1 for key in self._recent if self._find(key) is not None)
        return len(self._ids) + len(self._recent) - shadowed

    @overload
    def get(self, key: uuid.UUID) -> _Entry | None: ...

    @overload
    def get(self, key: uuid.UUID, default: _Entry) -> _Entry: ...

    def get(self, key: uuid.UUID, default: _Entry | None = None) -> _Entry | None:
        """The digest and positions recorded for a command id, or `default`."""
        found = self._recent.get(key)
        if found is not None:
            return found
        at = self._find(key)
        if at is None:
            return default
        start, end = int(self._starts[at]), int(self._starts[at + 1])
        digest = self._digests[at].tobytes().hex()
        return digest, tuple(int(p) for p in self._positions[start:end])

    def __setitem__(self, key: uuid.UUID, value: _Entry) -> None:
        self._recent[key] = value

    def _find(self, key: uuid.UUID) -> int | None:
        if not len(self._ids):
            return None
        at = int(np.searchsorted(self._ids, key.bytes))
        if at < len(self._ids) and self._ids[at : at + 1].tobytes() == key.bytes:
            return at
        return None

    def items(self) -> Iterator[tuple[uuid.UUID, _Entry]]:
        """Every command id with its digest and positions."""
        raw = self._ids.tobytes()
        for at in range(len(self._ids)):
            key = uuid.UUID(bytes=raw[16 * at : 16 * at + 16])
            if key not in self._recent:
                found = self.get(key)
                assert found is not None
                yield key, found
        yield from self._recent.items()

    def compacted(self) -> CommandIndex:
        """A copy with every command whose digest is a SHA-256 hex string in the arrays."""
        movable = {
            key: value
            for key, value in self._recent.items()
            if len(value[0]) == _DIGEST_HEX and _is_hex(value[0])
        }
        out = CommandIndex()
        out._recent = {k: v for k, v in self._recent.items() if k not in movable}
        out._ids, out._digests = self._ids, self._digests
        out._starts, out._positions = self._starts, self._positions
        if not movable:
            return out
        keys = list(movable)
        new_ids = np.frombuffer(b"".join(k.bytes for k in keys), "S16")
        new_digests = np.frombuffer(
            b"".join(bytes.fromhex(movable[k][0]) for k in keys), np.uint8
        ).reshape(-1, 32)
        new_counts = np.fromiter((len(movable[k][1]) for k in keys), np.int64, len(keys))
        new_positions = np.fromiter(
            (p for k in keys for p in movable[k][1]), np.int64, int(new_counts.sum())
        )
        # Old entries a recent one supersedes (a command that gained events) are dropped.
        old_counts = np.diff(self._starts)
        keep = np.ones(len(self._ids), bool)
        if len(self._ids):
            at = np.minimum(np.searchsorted(self._ids, new_ids), len(self._ids) - 1)
            keep[at[self._ids[at] == new_ids]] = False
        ids = np.concatenate([self._ids[keep], new_ids])
        digests = np.concatenate([self._digests[keep], new_digests])
        counts = np.concatenate([old_counts[keep], new_counts])
        positions = np.concatenate([self._positions[np.repeat(keep, old_counts)], new_positions])
        starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        order = np.argsort(ids, kind="stable")
        sorted_counts = counts[order]
        out._ids, out._digests = ids[order], digests[order]
        out._starts = np.concatenate([[0], np.cumsum(sorted_counts)]).astype(np.int64)
        # Each command's run of positions moves with it: output slot j of command k reads
        # from that command's old start plus j's offset within its new run.
        shift = np.repeat(starts[:-1][order] - out._starts[:-1], sorted_counts)
        out._positions = positions[np.arange(len(positions)) + shift]
        return out

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __setstate__(self, data: dict[str, Any]) -> None:
        for name in self.__slots__:
            setattr(self, name, data[name])


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return text == text.lower()


# --- the fingerprint -----------------------------------------------------------------------------


@functools.cache
def schema_fingerprint() -> str:
    """A digest of everything that decides what state a log folds into (see the module doc)."""
    digest = hashlib.sha256(f"magen snapshot v{SNAPSHOT_VERSION}\n".encode())
    for tag, cls in sorted(event_types().items()):
        schema = json.dumps(cls.model_json_schema(), sort_keys=True)
        digest.update(f"event {tag} v{cls.version} {schema}\n".encode())
    for path in _shaping_sources():
        digest.update(f"source {path.relative_to(_package_root()).as_posix()}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _package_root() -> Path:
    return Path(__file__).resolve().parents[1]


def _shaping_sources() -> list[Path]:
    root = _package_root()
    found = [
        path
        for path in root.rglob("*.py")
        if path.relative_to(root).parts[0].removesuffix(".py") not in _OUTER_LAYERS
    ]
    # The command index is part of every snapshot.
    found.append(Path(__file__).resolve())
    return sorted(found)


# --- encoding and decoding ---------------------------------------------------------------------


class SnapshotRejected(Exception):
    """A snapshot that must not be used; the message says why."""


@dataclass(frozen=True, slots=True)
class SnapshotHeader:
    """What a snapshot says about itself."""

    position: int
    last_event_id: str | None
    fingerprint: str
    created_at: str
    codec: str
    raw_bytes: int
    metric: str  # what the picture measured movement with (`metric_key`)


def signing_key(secret: bytes) -> bytes:
    """The snapshot signing key, derived from the server secret."""
    return hmac.new(secret, b"magen snapshot signing key v1", hashlib.sha256).digest()


def picture_metric(state: State) -> Metric | None:
    """The metric a state's picture measures movement with.

    Read without folding the queued sightings: the parent of a background snapshot must not
    pay for fusing them on its event loop (a burst of 50,000 unread sightings took a second).
    """
    return state.slice(Picture).metric


def encode(
    state: State, commands: CommandIndex, last_event_id: uuid.UUID | None, key: bytes
) -> bytes:
    """A signed snapshot of a state and its command index."""
    raw_bytes, body = encode_body(state, commands)
    metric = metric_key(picture_metric(state))
    return seal(state.position, last_event_id, raw_bytes, body, key, metric=metric)


def encode_body(state: State, commands: CommandIndex) -> tuple[int, bytes]:
    """The compressed body of a snapshot, and its size before compression."""
    out = io.BytesIO()
    with paused_gc():
        _Pickler(out, pickle.HIGHEST_PROTOCOL, picture_metric(state)).dump(
            {"state": state, "commands": commands.compacted()}
        )
    raw = out.getbuffer()
    return len(raw), zstandard.ZstdCompressor(level=3).compress(raw)


class _Pickler(pickle.Pickler):
    """Pickles frozen pydantic models (a place, a value) in a form that loads faster, and the
    picture's metric as a reference by key.

    Pydantic's own `__setstate__` is a Python call per model; `_frozen_model` sets the same
    attributes with less work, and models with the same set fields share one set object
    (a frozen model never changes it; `model_copy` copies it before updating).

    The metric (a town's street graph, its search index and cache) is the server's, loaded
    from its town: it is written as `_attached_metric(key)`, which `_Unpickler` resolves to
    the metric of the server restoring the snapshot (`persistent_id` would do the same at
    the cost of a second Python call per pickled object).
    """

    def __init__(self, file: io.BytesIO, protocol: int, metric: Metric | None = None) -> None:
        super().__init__(file, protocol=protocol)
        self._fields_sets: dict[frozenset[str], set[str]] = {}
        self._metric = metric

    def reducer_override(self, obj: Any) -> Any:
        if obj is self._metric and obj is not None:
            return _attached_metric, (obj.key,)
        if (
            isinstance(obj, BaseModel)
            and obj.model_config.get("frozen")
            and obj.__pydantic_extra__ is None
            and obj.__pydantic_private__ is None
        ):
            fields = obj.__pydantic_fields_set__
            key = frozenset(fields)
            shared = self._fields_sets.get(key)
            if shared is None:
                shared = self._fields_sets[key] = set(fields)
            return _frozen_model, (type(obj), obj.__dict__, shared)
        return NotImplemented


def _frozen_model(cls: type[BaseModel], values: dict[str, Any], fields: set[str]) -> BaseModel:
    """A frozen pydantic model rebuilt from its fields, as pydantic's `__setstate__` does."""
    model = _new_object(cls)
    _set_attribute(model, "__dict__", values)
    _set_attribute(model, "__pydantic_fields_set__", fields)
    _set_attribute(model, "__pydantic_extra__", None)
    _set_attribute(model, "__pydantic_private__", None)
    return model


_new_object = object.__new__
_set_attribute = object.__setattr__


def _attached_metric(key: str) -> Metric:
    """Stands in a snapshot for the metric it was made with; `_Unpickler` resolves it."""
    raise SnapshotRejected(f"the snapshot refers to a picture metric ({key}) to re-attach")


class _Unpickler(pickle.Unpickler):
    """Loads a snapshot body, re-attaching the picture metric the server fuses with."""

    def __init__(self, file: io.BytesIO, metric: Metric | None) -> None:
        super().__init__(file)
        self._metric = metric

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == _attached_metric.__name__:
            return self._attach
        return super().find_class(module, name)

    def _attach(self, key: str) -> Metric:
        if self._metric is None or self._metric.key != key:
            raise SnapshotRejected(
                f"it was fused with {key!r}, this server with {metric_key(self._metric)!r}"
            )
        return self._metric


def seal(
    position: int,
    last_event_id: uuid.UUID | None,
    raw_bytes: int,
    body: bytes,
    key: bytes,
    *,
    metric: str,
) -> bytes:
    """A snapshot: header, body and signature (`metric`: the picture's `metric_key`)."""
    header = json.dumps(
        {
            "position": position,
            "last_event_id": str(last_event_id) if last_event_id else None,
            "fingerprint": schema_fingerprint(),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "codec": _CODEC,
            "raw_bytes": raw_bytes,
            "metric": metric,
        },
        sort_keys=True,
    ).encode()
    signed = MAGIC + _HEADER_LEN.pack(len(header)) + header + body
    return signed + hmac.new(key, signed, hashlib.sha256).digest()


def read_header(blob: bytes, key: bytes) -> SnapshotHeader:
    """The header of a snapshot whose signature verifies (else SnapshotRejected)."""
    if len(blob) < len(MAGIC) + _HEADER_LEN.size + _MAC_BYTES or not blob.startswith(MAGIC):
        raise SnapshotRejected("not a Magen snapshot (bad magic)")
    signed, mac = memoryview(blob)[:-_MAC_BYTES], blob[-_MAC_BYTES:]
    if not hmac.compare_digest(mac, hmac.new(key, signed, hashlib.sha256).digest()):
        raise SnapshotRejected("its signature does not verify (corrupt, or another secret)")
    (length,) = _HEADER_LEN.unpack_from(blob, len(MAGIC))
    start = len(MAGIC) + _HEADER_LEN.size
    try:
        fields = json.loads(blob[start : start + length])
        return SnapshotHeader(**fields)
    except (ValueError, TypeError) as exc:
        raise SnapshotRejected(f"its header is unreadable: {exc}") from exc


def decode(
    blob: bytes,
    key: bytes,
    verified: SnapshotHeader | None = None,
    *,
    metric: Metric | None = None,
) -> tuple[SnapshotHeader, State, CommandIndex]:
    """The state and command index in a snapshot made by this code (else SnapshotRejected).

    `verified` is the header `read_header` already returned for this blob (skips a second
    pass of the signature over it). `metric` is what this process fuses with: the snapshot
    must have been made with the same (by `metric_key`), and its picture gets this one.
    """
    header = verified or read_header(blob, key)
    if header.codec != _CODEC:
        raise SnapshotRejected(f"unknown codec {header.codec!r}")
    if header.fingerprint != schema_fingerprint():
        raise SnapshotRejected("it was made by an older (or other) schema; rebuilding")
    if header.metric != metric_key(metric):
        raise SnapshotRejected(
            f"its picture was fused with {header.metric!r}, this server fuses with "
            f"{metric_key(metric)!r}; rebuilding"
        )
    (length,) = _HEADER_LEN.unpack_from(blob, len(MAGIC))
    body = memoryview(blob)[len(MAGIC) + _HEADER_LEN.size + length : -_MAC_BYTES]
    try:
        raw = zstandard.ZstdDecompressor().decompress(body, max_output_size=header.raw_bytes)
        with paused_gc():
            content = _Unpickler(io.BytesIO(raw), metric).load()
    except SnapshotRejected:
        raise
    except Exception as exc:
        raise SnapshotRejected(f"its body cannot be read: {exc}") from exc
    state, commands = content.get("state"), content.get("commands")
    if not isinstance(state, State) or not isinstance(commands, CommandIndex):
        raise SnapshotRejected("it does not hold a state and a command index")
    if state.position != header.position:
        raise SnapshotRejected("its state is not at the position its header names")
    if metric_key(picture_metric(state)) != header.metric:
        raise SnapshotRejected("its picture does not hold the metric its header names")
    return header, state, commands


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector: building millions of objects otherwise triggers it constantly."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- saving and restoring for a service --------------------------------------------------------


@dataclass(frozen=True)
class SnapshotPolicy:
    """When the serving process saves a snapshot."""

    enabled: bool = True
    every_events: int = 50_000  # events applied since the newest snapshot
    every_seconds: float = 600.0  # or this long, if anything was applied at all
    check_seconds: float = 5.0

    @classmethod
    def from_env(cls) -> SnapshotPolicy:
        """MAGEN_SNAPSHOTS=0 turns saving off; MAGEN_SNAPSHOT_EVERY / _SECONDS tune it.

        Read and checked by `magen.config` (a bad value: a SettingError naming it).
        """
        env = SnapshotSettings.from_env(cls.every_events, cls.every_seconds)
        return cls(
            enabled=env.enabled, every_events=env.every_events, every_seconds=env.every_seconds
        )


@dataclass
class RestoreReport:
    """What start-up found in the snapshot store."""

    position: int | None = None
    seconds: float = 0.0
    discarded: list[str] | None = None


class Snapshots:
    """A service's snapshots: restore at start, save now, or keep saving in the background."""

    def __init__(
        self, store: SnapshotStore, secret: bytes, policy: SnapshotPolicy | None = None
    ) -> None:
        self.store = store
        self.policy = policy or SnapshotPolicy()
        self._key = signing_key(secret)
        self._saved_position = 0
        self._saved_at = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self._child: int | None = None
        self.last_restore = RestoreReport()

    # --- restoring ---

    def restore(self, service: Service) -> int | None:
        """Load the newest usable snapshot into the service; its position, or None."""
        started = time.perf_counter()
        discarded: list[str] = []
        self.last_restore = RestoreReport(discarded=discarded)
        try:
            positions = self.store.positions()
        except LogError as exc:
            log.warning("cannot list snapshots (%s); replaying the whole log", exc)
            return None
        head: int | None = None
        # How the server was configured to fuse, before any event was folded: a restored
        # picture must be the one a replay under the same configuration would build.
        configured = service.state.slice(Picture).fuser
        for position in positions:
            try:
                blob = self.store.load(position)
                if blob is None:
                    continue
                head = service.log.head() if head is None else head
                header, state, commands = self._check(
                    blob, position, head, service.log, configured.metric
                )
                if state.slice(Picture).fuser.config != configured.config:
                    raise SnapshotRejected("its picture was fused under another fusion model")
            except SnapshotRejected as exc:
                discarded.append(f"{position}: {exc}")
                log.warning("discarding the snapshot at position %d: %s", position, exc)
                continue
            service.state = state
            service._commands = commands
            self._saved_position = header.position
            self._saved_at = time.monotonic()
            self.last_restore = RestoreReport(
                position=header.position,
                seconds=time.perf_counter() - started,
                discarded=discarded,
            )
            return header.position
        return None

    def _check(
        self, blob: bytes, position: int, head: int, events: EventLog, metric: Metric | None
    ) -> tuple[SnapshotHeader, State, CommandIndex]:
        header = read_header(blob, self._key)
        if header.position != position:
            raise SnapshotRejected(f"it is stored at {position} but says {header.position}")
        if header.position > head:
            raise SnapshotRejected(f"it is ahead of the log (head {head}): the log was replaced")
        if header.position:
            at = events.read(header.position - 1, 1)
            if not at or str(at[0].event_id) != header.last_event_id:
                raise SnapshotRejected("the log holds another event at its position")
        return decode(blob, self._key, verified=header, metric=metric)

    # --- saving ---

    def encode(self, service: Service) -> bytes:
        """A signed snapshot of the service as it stands (blocks while it pickles)."""
        last_event_id = _event_id_at(service.log, service.state.position)
        return encode(service.state, service._commands, last_event_id, self._key)

    def save_now(self, service: Service) -> int:
        """Save a snapshot of the service in this thread; its position."""
        position = service.state.position
        self.store.save(position, self.encode(service))
        self._saved_position = position
        self._saved_at = time.monotonic()
        return position

    def keep(self, service: Service) -> None:
        """Save in the background, as the policy says, until `stop()`."""
        if self.policy.enabled and self._task is None:
            schema_fingerprint()  # now, at start-up, rather than on the loop at the first save
            self._task = asyncio.get_running_loop().create_task(self._keep(service))

    async def stop(self) -> None:
        """Stop saving; a snapshot being written is abandoned (the older ones stay)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        child = self._child
        if child is not None:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(child, signal.SIGKILL)

    async def _keep(self, service: Service) -> None:
        while True:
            await asyncio.sleep(self.policy.check_seconds)
            try:
                if await asyncio.to_thread(self._due, service.state.position):
                    await self.save_in_background(service)
            except LogError as exc:
                log.warning("snapshot not saved: %s", exc)
            except Exception:
                log.exception("snapshot not saved")

    def _due(self, position: int) -> bool:
        newest = max([*self.store.positions()[:1], self._saved_position])
        if position - newest >= self.policy.every_events:
            return True
        waited = time.monotonic() - self._saved_at
        return position > newest and waited >= self.policy.every_seconds

    async def save_in_background(self, service: Service) -> int | None:
        """Save a snapshot from a forked copy of this process; its position, or None."""
        if not hasattr(os, "fork"):
            # No copy-on-write image to encode from: encode here, pausing the loop, rather
            # than in a thread while events change the state under the pickler.
            position = service.state.position
            blob = self.encode(service)
            await asyncio.to_thread(self.store.save, position, blob)
            self._saved_position, self._saved_at = position, time.monotonic()
            return position
        started = time.perf_counter()
        # Forked from the event loop, between two events: the child holds the state at this
        # position however many events the parent applies while the child encodes.
        position = service.state.position
        pid, reader = _fork_encoder(service)
        self._child = pid
        try:
            encoded = await asyncio.to_thread(_collect, pid, reader)
        finally:
            self._child = None
        if encoded is None:
            log.warning("the snapshot process failed; keeping the older snapshots")
            return None
        last_event_id = await asyncio.to_thread(_event_id_at, service.log, position)
        blob = seal(
            position,
            last_event_id,
            *encoded,
            self._key,
            metric=metric_key(picture_metric(service.state)),
        )
        await asyncio.to_thread(self.store.save, position, blob)
        self._saved_position = position
        self._saved_at = time.monotonic()
        log.info(
            "snapshot at position %d saved (%.1f MB, %.1f s)",
            position,
            len(blob) / 1e6,
            time.perf_counter() - started,
        )
        return position


def _event_id_at(events: EventLog, position: int) -> uuid.UUID | None:
    """The id of the event at a log position (None at position 0)."""
    if position == 0:
        return None
    at = events.read(position - 1, 1)
    if not at:
        raise LogError(f"the log has no event at position {position}")
    return at[0].event_id


def _fork_encoder(service: Service) -> tuple[int, int]:
    """Fork a child that writes the service's snapshot body to a pipe; (pid, read end)."""
    reader, writer = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12 warns about forking with threads; the child only pickles and exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child leaves through os._exit
        status = 1
        try:
            os.close(reader)
            # The parent's event loop owns the signal wake-up fd; the child must not touch it.
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            raw_bytes, body = encode_body(service.state, service._commands)
            with os.fdopen(writer, "wb") as out:
                out.write(_RAW_LEN.pack(raw_bytes))
                out.write(body)
            status = 0
        except BaseException:  # noqa: S110 - nothing can be reported from here but the status
            pass
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os._exit(status)
    os.close(writer)
    return pid, reader


def _collect(pid: int, reader: int) -> tuple[int, bytes] | None:
    """Read the child's body to the end and reap it: (raw size, body), or None if it failed."""
    chunks: list[bytes] = []
    with os.fdopen(reader, "rb") as pipe:
        while chunk := pipe.read(1 << 20):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or len(data) < _RAW_LEN.size:
        return None
    (raw_bytes,) = _RAW_LEN.unpack_from(data)
    return raw_bytes, data[_RAW_LEN.size :]
