"""The event log backends the contract suite runs against.

A backend is one entry in `BACKENDS`: whether it is durable (shared by processes, survives a
restart) and a context manager that yields a `LogBackend` for one test. PostgreSQL is the
session's server (`support.postgres`: MAGEN_TEST_PG_URL, else a throwaway cluster); each fresh
log is a new schema in its scratch database.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from tests.conftest import require

from magen.store.base import EventLog
from store.eventlog_kit import LogBackend
from support.postgres import PostgresMissing, shared_server

BackendFactory = Callable[[Path], contextlib.AbstractContextManager[LogBackend]]


@contextlib.contextmanager
def _memory(_tmp: Path) -> Iterator[LogBackend]:
    # Every open of memory:// is a new, separate log.
    yield LogBackend("memory", durable=False, fresh_url=lambda: "memory://")


@contextlib.contextmanager
def _sqlite(tmp: Path) -> Iterator[LogBackend]:
    numbers = itertools.count()
    yield LogBackend(
        "sqlite", durable=True, fresh_url=lambda: f"sqlite:///{tmp}/log-{next(numbers)}.db"
    )


@contextlib.contextmanager
def _postgres(_tmp: Path) -> Iterator[LogBackend]:
    try:
        server = shared_server()
    except PostgresMissing as exc:
        require(False, f"PostgreSQL: {exc}")
        raise
    yield LogBackend("postgres", durable=True, fresh_url=server.fresh_url)


BACKENDS: dict[str, tuple[bool, BackendFactory]] = {
    "memory": (False, _memory),
    "sqlite": (True, _sqlite),
    "postgres": (True, _postgres),
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=list(BACKENDS))
def log_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LogBackend]:
    """Each backend in turn."""
    _, factory = BACKENDS[request.param]
    with factory(tmp_path) as backend:
        yield backend


@pytest.fixture(params=[name for name, (durable, _) in BACKENDS.items() if durable])
def durable_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LogBackend]:
    """Each durable backend in turn."""
    _, factory = BACKENDS[request.param]
    with factory(tmp_path) as backend:
        yield backend


@pytest.fixture
async def log(log_backend: LogBackend, anyio_backend: str) -> AsyncIterator[EventLog]:
    """A fresh, empty log of each backend, closed after the test."""
    opened = log_backend.open_fresh()
    yield opened
    await opened.close()
