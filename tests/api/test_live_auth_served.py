"""The live feed's refusals as a real client sees them, through `magen serve` (uvicorn).

The test client reports a close's code whether it came before or after the handshake; a real
server turns a close before the accept into a bare HTTP 403, and a browser then sees 1006, not
the 4401 that sends it to sign in again. So the codes are checked here on the wire.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from ops.opskit import add_user, magen_serve


def _close(feed: ClientConnection) -> tuple[int, str]:
    """The code and reason the server closed with, asserting it sent nothing before."""
    with pytest.raises(ConnectionClosed) as closed:
        feed.recv(timeout=10)  # a frame here fails the test: nothing may come first
    frame = closed.value.rcvd
    assert frame is not None, "closed with no close frame"
    return frame.code, frame.reason


def test_the_feed_on_a_real_server_takes_the_token_from_the_first_frame(tmp_path: Path) -> None:
    db = str(tmp_path / "magen.db")
    add_user(db, "desk", "dispatcher")
    with magen_serve(db, workers=1, workdir=tmp_path) as served:
        token = served.sign_in("desk")
        url = served.url.replace("http://", "ws://") + "/api/v1/live?after=0"
        with connect(url) as feed:
            feed.send(json.dumps({"kind": "auth", "token": token}))
            assert json.loads(feed.recv(timeout=10))["kind"] == "heartbeat"
        with connect(url) as feed:
            feed.send(json.dumps({"kind": "auth", "token": "bogus"}))
            assert _close(feed) == (4401, "invalid token")
        with connect(url, additional_headers={"Authorization": "Bearer bogus"}) as feed:
            assert _close(feed) == (4401, "invalid token")
        with connect(url) as feed:
            feed.send("hello")
            assert _close(feed) == (4400, "the first frame is not JSON")
        with connect(url.replace("after=0", "after=x")) as feed:
            assert _close(feed)[0] == 4400
        began = time.monotonic()
        with connect(url + f"&access_token={token}") as feed:  # no frame; the query is no excuse
            assert _close(feed) == (4408, "no auth frame within 5 s; reconnect")
        assert 4.5 < time.monotonic() - began < 9
