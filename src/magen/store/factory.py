"""Open the event log a database URL names."""

from __future__ import annotations

from pathlib import Path

from magen.store.base import EventLog, LogError

_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def sqlite_path(url: str) -> Path | None:
    """The file an SQLite URL or plain path names; None for other backends."""
    if url.startswith("sqlite:///"):
        return Path("/" + url.removeprefix("sqlite:///").lstrip("/"))
    if url.startswith("sqlite://"):
        rest = url.removeprefix("sqlite://")
        return Path(rest) if rest else None
    if "://" in url or not url:
        return None
    return Path(url)


def unknown_url(url: str) -> LogError:
    """The error for a URL no backend takes."""
    return LogError(
        f"unknown event log URL {url!r}: use memory://, sqlite:///absolute/path.db, "
        "sqlite://relative/path.db, a file path, or postgresql://..."
    )


def check_url(url: str) -> None:
    """Raise `unknown_url` unless a backend takes `url` (nothing is opened or made)."""
    if not url.startswith(("memory://", *_POSTGRES_SCHEMES)) and sqlite_path(url) is None:
        raise unknown_url(url)


def open_log(url: str) -> EventLog:
    """The event log at `url`: memory://, sqlite:///abs.db, sqlite://rel.db, a path, postgresql://."""
    if url.startswith("memory://"):
        from magen.store.memory import MemoryEventLog

        return MemoryEventLog()
    if url.startswith(_POSTGRES_SCHEMES):
        from magen.store.postgres import PostgresEventLog

        return PostgresEventLog(url)
    path = sqlite_path(url)
    if path is None:
        raise unknown_url(url)
    from magen.store.sqlite import SqliteEventLog

    return SqliteEventLog(path)
