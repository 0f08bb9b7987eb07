"""A bridge from Magen's CoT feed to TAK: a TAK server's TCP input, or a LAN's mesh SA.

TAK clients do not poll HTTP: they take CoT from a TAK server they are connected to, or, with
no server at all, from the "mesh SA" multicast group every ATAK on the same network listens
to (239.2.3.1:6969 by default). `magen cot push` reads `GET /api/v1/cot` every few seconds
with an account's API key and writes each event there, so TAK users see the picture without
anything new on their devices. Every event goes stale a few refreshes after it was sent: if
Magen or the bridge stops, TAK users see the picture go stale, never a quiet map.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from magen.interop import parse_untrusted_xml
from magen.interop.cot import CotError

_log = logging.getLogger("magen.tak")

MESH_SA = "udp://239.2.3.1:6969"
MAX_DATAGRAM = 60_000  # a UDP datagram's payload stays under 64 KiB; events are ~0.5 kB


@dataclass(frozen=True)
class Target:
    """Where events go: `tcp://host:port` (a TAK server's streaming input) or
    `udp://host:port` (a multicast group such as mesh SA, or one device)."""

    scheme: str
    host: str
    port: int

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in ("tcp", "udp"):
            raise ValueError(f"send to tcp://host:port or udp://host:port, not {url!r}")
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None or port == 0:
            raise ValueError(f"{url!r} must name a host and a port (e.g. {MESH_SA})")
        return cls(parts.scheme, parts.hostname, port)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def split_events(document: bytes) -> list[bytes]:
    """Each `<event>` of an `<events>` document, as a CoT document of its own."""
    root = parse_untrusted_xml(document, what="CoT", error=CotError)
    if root.tag != "events":
        raise CotError(f"expected an <events> document, not <{root.tag}>")
    return [
        bytes(etree.tostring(e, xml_declaration=True, encoding="UTF-8"))
        for e in root.iterfind("event")
    ]


class Sender:
    """Writes CoT documents to one target, connecting (again) when it needs to."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._writer: asyncio.StreamWriter | None = None
        self._udp: socket.socket | None = None

    async def send(self, events: list[bytes]) -> None:
        if self.target.scheme == "udp":
            self._send_udp(events)
            return
        if self._writer is None or self._writer.is_closing():
            _, self._writer = await asyncio.open_connection(self.target.host, self.target.port)
        try:
            # A TAK server's streaming input reads one event after another on the connection.
            self._writer.write(b"".join(events))
            await self._writer.drain()
        except OSError:
            await self.close()
            raise

    def _send_udp(self, events: list[bytes]) -> None:
        if self._udp is None:
            self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
            # Mesh SA stays on the local network: one hop, as ATAK sends it.
            self._udp.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        for event in events:
            if len(event) > MAX_DATAGRAM:
                _log.warning("an event of %d bytes is too large for UDP; skipped", len(event))
                continue
            self._udp.sendto(event, (self.target.host, self.target.port))

    async def close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        if self._udp is not None:
            self._udp.close()
            self._udp = None


class FeedUnavailable(Exception):
    """The feed could not be read this round; `lasting` when retrying cannot help (a refused
    key, a server that has no CoT feed)."""

    def __init__(self, reason: str, *, lasting: bool = False) -> None:
        super().__init__(reason)
        self.lasting = lasting


Fetch = Callable[[], Awaitable[bytes]]  # the `<events>` document, or FeedUnavailable


async def push_once(fetch: Fetch, sender: Sender) -> int:
    """Read the feed once and send every event in it; how many were sent."""
    events = split_events(await fetch())
    await sender.send(events)
    return len(events)


async def push_forever(
    fetch: Fetch, sender: Sender, every_s: float, *, rounds: int | None = None
) -> int:
    """Push every `every_s` seconds (`rounds` times, or until stopped); how many rounds were
    sent. A failed round is logged and the next one tried: it leaves TAK users with what they
    had, which goes stale on its own."""
    done = sent = 0
    try:
        while rounds is None or done < rounds:
            try:
                n = await push_once(fetch, sender)
                sent += 1
                _log.info("sent %d events to %s", n, sender.target)
            except FeedUnavailable as exc:
                if exc.lasting:
                    raise
                _log.warning("this round was not sent to %s: %s", sender.target, exc)
            except (OSError, CotError) as exc:
                _log.warning("this round was not sent to %s: %s", sender.target, exc)
            done += 1
            if rounds is None or done < rounds:
                await asyncio.sleep(every_s)
    finally:
        await sender.close()
    return sent
