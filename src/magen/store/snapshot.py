"""Where snapshots of the folded state are kept: opaque, signed blobs at a log position.

The store knows nothing of what a snapshot holds (`magen.app.snapshots` makes and checks
them); it keeps the newest few, durably, beside the log they were folded from: a folder next to
an SQLite file, a table in PostgreSQL (`PostgresEventLog.snapshot_store()`).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

from magen.store.base import EventLog, LogError

KEEP: Final = 2
_NAME = re.compile(r"^snapshot-(\d{12})\.bin$")


@runtime_checkable
class SnapshotStore(Protocol):
    """Snapshots by log position; the newest `KEEP` are kept."""

    def positions(self) -> list[int]:
        """Positions of the snapshots held, newest first."""
        ...

    def load(self, position: int) -> bytes | None:
        """The snapshot at a position, or None if it is gone."""
        ...

    def save(self, position: int, blob: bytes) -> None:
        """Store a snapshot durably and drop all but the newest few."""
        ...

    def clear(self) -> None:
        """Drop every snapshot (the log was replaced)."""
        ...


class FileSnapshotStore:
    """Snapshots as files in one folder, each written whole before it is named."""

    def __init__(self, directory: str | Path, keep: int = KEEP) -> None:
        self.directory = Path(directory)
        self._keep = keep
        self._lock = threading.Lock()

    def positions(self) -> list[int]:
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise LogError(f"cannot list snapshots in {self.directory}: {exc}") from exc
        found = (_NAME.match(name) for name in names)
        return sorted((int(m.group(1)) for m in found if m), reverse=True)

    def load(self, position: int) -> bytes | None:
        try:
            return self._path(position).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise LogError(f"cannot read snapshot {self._path(position)}: {exc}") from exc

    def save(self, position: int, blob: bytes) -> None:
        path = self._path(position)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
            _fsync_directory(self.directory)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise LogError(f"cannot write snapshot {path}: {exc}") from exc
        with self._lock:
            for old in self.positions()[self._keep :]:
                self._path(old).unlink(missing_ok=True)

    def clear(self) -> None:
        for position in self.positions():
            self._path(position).unlink(missing_ok=True)

    def _path(self, position: int) -> Path:
        return self.directory / f"snapshot-{position:012d}.bin"

    def __repr__(self) -> str:
        return f"FileSnapshotStore({str(self.directory)!r})"


class MemorySnapshotStore:
    """Snapshots in a dict: for tests and the in-memory log."""

    def __init__(self, keep: int = KEEP) -> None:
        self._blobs: dict[int, bytes] = {}
        self._keep = keep

    def positions(self) -> list[int]:
        return sorted(self._blobs, reverse=True)

    def load(self, position: int) -> bytes | None:
        return self._blobs.get(position)

    def save(self, position: int, blob: bytes) -> None:
        self._blobs[position] = blob
        for old in self.positions()[self._keep :]:
            del self._blobs[old]

    def clear(self) -> None:
        self._blobs.clear()


def snapshot_store(log: EventLog) -> SnapshotStore | None:
    """The snapshot store that belongs with a log; None for a log that keeps nothing."""
    own = getattr(log, "snapshot_store", None)
    if callable(own):
        store = own()
        if isinstance(store, SnapshotStore):
            return store
    from magen.store.sqlite import SqliteEventLog

    if isinstance(log, SqliteEventLog):
        return FileSnapshotStore(snapshots_beside(log.path))
    return None


def snapshots_beside(db: Path) -> Path:
    """The folder of snapshots kept next to an SQLite event log file."""
    return db.with_name(db.name + ".snapshots")


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
