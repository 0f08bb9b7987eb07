"""Opening the live feed in API tests as a browser does: no secret in the address, the token
in the first frame."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from litestar.testing import TestClient
from litestar.testing.websocket_test_session import WebSocketTestSession


@contextmanager
def live_feed(
    client: TestClient[Any], after: int | str, token: str | None
) -> Iterator[WebSocketTestSession]:
    """The feed from `after`, authenticated by its first frame (`token` None: anonymous)."""
    with client.websocket_connect(f"/api/v1/live?after={after}") as ws:
        ws.send_json({"kind": "auth", "token": token} if token else {"kind": "auth"})
        yield ws
