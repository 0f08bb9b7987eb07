"""PostgreSQL servers for the operations tests: the session's shared one, or a private one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.conftest import require

from support.postgres import PgServer, PostgresMissing, shared_server, start_private


@pytest.fixture
def pg() -> PgServer:
    """The session's PostgreSQL (MAGEN_TEST_PG_URL, or a throwaway cluster)."""
    try:
        return shared_server()
    except PostgresMissing as exc:
        require(False, f"PostgreSQL: {exc}")
        raise


@pytest.fixture
def private_pg() -> Iterator[PgServer]:
    """A throwaway PostgreSQL of this test's own, which it may stop and start."""
    try:
        server = start_private()
    except PostgresMissing as exc:
        require(False, f"PostgreSQL: {exc}")
        raise
    try:
        yield server
    finally:
        server.destroy()
