"""A Magen API over an in-memory log, with one signed-in client per role (for API tests)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from magen.api.app import create_app
from magen.app.security import hash_password
from magen.clock import ManualClock
from magen.config import Settings
from magen.domain.accounts import CreateAccount
from magen.domain.base import SYSTEM
from magen.domain.values import Role
from magen.store.memory import MemoryEventLog
from magen.store.sqlite import SqliteEventLog

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
PASSWORD = "correct horse battery"
BAKA = {"lat": 31.7615, "lon": 35.2160}


def cid() -> str:
    return str(uuid.uuid4())


def ok(response: Any) -> Any:
    """The JSON of an answer that must have succeeded (200 or 201)."""
    assert response.status_code in (200, 201), response.text
    return response.json()


@dataclass
class Kit:
    client: TestClient[Any]
    clock: ManualClock
    log: MemoryEventLog
    tokens: dict[Role, str] = field(default_factory=dict)
    accounts: dict[Role, str] = field(default_factory=dict)

    def auth(self, role: Role) -> dict[str, str]:
        if role is Role.ANONYMOUS:
            return {}
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def post(self, role: Role, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(path, json=body, headers=self.auth(role))

    def get(self, role: Role, path: str) -> Any:
        return self.client.get(path, headers=self.auth(role))


@functools.cache
def password_hash() -> str:
    """One argon2 hash for every test account: hashing is slow by design."""
    return hash_password(PASSWORD)


@contextmanager
def api_kit(**settings: Any) -> Iterator[Kit]:
    """A running app with one account per role, each with a token."""
    clock = ManualClock(START)
    log = MemoryEventLog()
    app = create_app(
        Settings(database="memory://", secret=b"t" * 32, **settings), clock=clock, log=log
    )
    with TestClient(app) as client:
        kit = Kit(client=client, clock=clock, log=log)
        runtime = client.app.state["runtime"]
        for role in Role:
            if role is Role.ANONYMOUS:
                continue
            command = CreateAccount(
                command_id=uuid.uuid4(),
                username=f"user-{role.value}",
                role=role,
                display_name=role.value.title(),
                password_hash=password_hash(),
            )
            outcome = client.blocking_portal.call(runtime.service.handle, SYSTEM, command)  # type: ignore[union-attr]
            account_id = outcome.events[0].event.account_id
            kit.accounts[role] = account_id
            kit.tokens[role] = runtime.tokens.issue(account_id, role.value, clock.now())[0]
        yield kit


def baka_kit() -> Any:
    """`api_kit` over the Baka town pack for tests of a whole scene: no anonymous rate limit,
    and tokens that outlive a clock the tests move on by hours."""
    from support.bakapack import baka_pack

    return api_kit(
        town=baka_pack(), anonymous_per_minute=10_000, anonymous_burst=10_000, token_hours=24 * 365
    )


def sign_in(client: TestClient[Any], username: str, password: str = PASSWORD) -> str:
    """Sign in through the API and return the bearer token."""
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@contextmanager
def two_workers(
    path: Path, secret: bytes = b"w" * 32
) -> Iterator[tuple[TestClient[Any], TestClient[Any]]]:
    """Two workers on one SQLite log; each polls it every 30 s, so only catching up explains
    what one knows of the other's appends."""
    settings = Settings(database=str(path), secret=secret, follow_log=True)
    with ExitStack() as stack:
        clients = [
            stack.enter_context(
                TestClient(
                    create_app(
                        settings,
                        clock=ManualClock(START),
                        log=SqliteEventLog(path, poll_interval=30.0),
                    )
                )
            )
            for _ in range(2)
        ]
        yield clients[0], clients[1]
