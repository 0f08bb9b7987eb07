"""Opening an event log from the database URL in the settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from magen.store.base import EventLog, LogError, LogUnavailable
from magen.store.factory import open_log, sqlite_path
from magen.store.memory import MemoryEventLog
from magen.store.sqlite import SqliteEventLog


def _close(log: EventLog) -> None:
    asyncio.run(log.close())


def test_memory_url_opens_a_new_memory_log_each_time() -> None:
    one, two = open_log("memory://"), open_log("memory://")
    assert isinstance(one, MemoryEventLog)
    assert isinstance(two, MemoryEventLog)
    assert one is not two


@pytest.mark.parametrize("form", ["sqlite:///{abs}", "{abs}"])
def test_absolute_sqlite_urls_and_paths(tmp_path: Path, form: str) -> None:
    target = tmp_path / "data" / "magen.db"
    log = open_log(
        form.format(abs=str(target).lstrip("/") if form.startswith("sqlite") else target)
    )
    try:
        assert isinstance(log, SqliteEventLog)
        assert log.path == target
        assert target.exists()
    finally:
        _close(log)


@pytest.mark.parametrize("url", ["sqlite://var/magen.db", "var/magen.db"])
def test_relative_sqlite_urls_and_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    log = open_log(url)
    try:
        assert isinstance(log, SqliteEventLog)
        assert (tmp_path / "var" / "magen.db").exists()
    finally:
        _close(log)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///srv/magen.db", Path("/srv/magen.db")),
        ("sqlite:////srv/magen.db", Path("/srv/magen.db")),
        ("sqlite://magen.db", Path("magen.db")),
        ("var/magen.db", Path("var/magen.db")),
        ("/srv/magen.db", Path("/srv/magen.db")),
        ("memory://", None),
        ("postgresql://u@h/db", None),
        ("sqlite://", None),
    ],
)
def test_sqlite_path_reads_every_form(url: str, path: Path | None) -> None:
    assert sqlite_path(url) == path


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_postgres_urls_open_the_postgres_log_and_say_when_it_is_unreachable(scheme: str) -> None:
    # Nothing listens on port 1: the URL is taken as PostgreSQL's, and the refusal is plain.
    with pytest.raises(LogUnavailable, match="cannot connect to PostgreSQL"):
        open_log(f"{scheme}://magen@127.0.0.1:1/magen?connect_timeout=2")


@pytest.mark.parametrize("url", ["mysql://db/magen", "", "sqlite://"])
def test_an_unknown_url_is_refused_with_the_forms_that_work(url: str) -> None:
    with pytest.raises(LogError, match="memory://"):
        open_log(url)
