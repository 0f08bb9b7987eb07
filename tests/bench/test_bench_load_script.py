"""wrk's sighting script and the harness's Python twin write the very same bodies.

The ingest benchmark resends, byte for byte, the requests wrk left unanswered; if the twin
drifted from the Lua script, the server would answer those retries 409 (same id, other content).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from tests.conftest import require

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from _server import LUA_SIGHTINGS, SPREADS, sighting_body, sighting_key  # noqa: E402

NONCE = "abcdef01"
ID = re.compile(rb'"command_id":"abcdef01-([0-9a-f]{4})-4[0-9a-f]{3}-8[0-9a-f]{3}-([0-9a-f]{12})"')


async def _capture(spread: str) -> list[bytes]:
    """Bodies wrk sends in a second to a loopback server that answers 201 to everything."""
    bodies: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                assert length is not None
                bodies.append(await reader.readexactly(int(length[1])))
                writer.write(b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        wrk = await asyncio.create_subprocess_exec(
            *["wrk", "-t2", "-c4", "-d1s", "-s", str(LUA_SIGHTINGS)],
            *[f"http://127.0.0.1:{port}/api/v1/sightings", "--", NONCE, "/x", spread],
            stdout=asyncio.subprocess.DEVNULL,
        )
        await wrk.wait()
    return bodies


@pytest.mark.parametrize("spread", SPREADS)
def test_python_twin_rebuilds_every_body_wrk_sent(spread: str) -> None:
    require(shutil.which("wrk") is not None, "wrk is not installed (apt-get install wrk)")
    bodies = asyncio.run(_capture(spread))
    assert len(bodies) > 100
    seen: set[str] = set()
    for body in bodies:
        match = ID.search(body)
        assert match is not None, body
        thread, n = int(match[1], 16), int(match[2], 16)
        assert body == sighting_body(NONCE, thread, n, spread)
        seen.add(sighting_key(NONCE, thread, n))
        where = json.loads(body)["where"]
        assert 31.74 <= where["lat"] < 31.80
        assert 35.18 <= where["lon"] < 35.24
    assert len(seen) == len(bodies), "every request carries its own command id"
