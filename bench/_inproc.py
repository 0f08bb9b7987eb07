"""A real Magen app in this process, for benchmarks of what a staff page asks of it.

Over an in-memory log with a clock the benchmark moves, and one staff account signed in:
what a page costs the server is measured without sockets or another process in the way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from litestar.testing import TestClient

from magen.api.app import create_app
from magen.app.security import hash_password
from magen.clock import ManualClock
from magen.config import Settings
from magen.domain.accounts import CreateAccount
from magen.domain.base import SYSTEM, Actor, Command
from magen.domain.values import Role
from magen.store.memory import MemoryEventLog

Handle = Callable[[Actor, Command], Any]


@contextmanager
def staff_app(
    clock: ManualClock, username: str, role: Role, *, handlers: Sequence[Any] = ()
) -> Iterator[tuple[TestClient[Any], Handle, str]]:
    """The app's test client, a way to send the service commands as anyone, and a bearer
    token of a new `role` account (`handlers`: extra routes, such as an old version's)."""
    app = create_app(
        Settings(database="memory://", secret=b"b" * 32), clock=clock, log=MemoryEventLog()
    )
    for handler in handlers:
        app.register(handler)
    with TestClient(app) as client:
        runtime = client.app.state["runtime"]

        def handle(actor: Actor, command: Command) -> Any:
            return client.blocking_portal.call(runtime.service.handle, actor, command)

        made = handle(
            SYSTEM,
            CreateAccount(
                command_id=uuid.uuid4(),
                username=username,
                role=role,
                display_name=username.capitalize(),
                password_hash=hash_password("correct horse battery"),
            ),
        )
        account = made.events[0].event.account_id
        token = runtime.tokens.issue(account, role.value, clock.now())[0]
        yield client, handle, token
