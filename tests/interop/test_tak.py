"""The TAK bridge: CoT events written to a TAK server's TCP input or a UDP group, end to end."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from magen.interop.cot import CotError, CotEvent, encode_events
from magen.interop.tak import (
    FeedUnavailable,
    Sender,
    Target,
    push_forever,
    push_once,
    split_events,
)

NOW = datetime(2023, 10, 7, 6, 41, tzinfo=UTC)


def _events(*uids: str) -> bytes:
    return encode_events(
        CotEvent(
            uid=uid,
            type="a-h-G",
            how="m-f",
            time=NOW,
            start=NOW,
            stale=NOW + timedelta(minutes=1),
            lat=31.76,
            lon=35.21,
        )
        for uid in uids
    )


def _uids(stream: bytes) -> list[str]:
    """The uids of CoT events written one after another (as a TAK server reads them)."""
    wrapped = b"<s>" + stream.replace(b"<?xml version='1.0' encoding='UTF-8'?>", b"") + b"</s>"
    return [str(e.get("uid")) for e in etree.fromstring(wrapped)]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://tak:8087", "tcp://host:port"),
        ("tak:8087", "tcp://host:port"),
        ("tcp://tak", "host and a port"),
        ("tcp://:8087", "host and a port"),
        ("udp://239.2.3.1:99999", "host and a port"),
        ("udp://239.2.3.1:0", "host and a port"),
    ],
)
def test_a_target_that_is_not_tcp_or_udp_with_a_port_is_refused(url: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Target.parse(url)


def test_targets_read_as_given() -> None:
    assert Target.parse("udp://239.2.3.1:6969") == Target("udp", "239.2.3.1", 6969)
    assert str(Target.parse("tcp://tak.example:8087")) == "tcp://tak.example:8087"


def test_a_feed_document_splits_into_whole_events() -> None:
    parts = split_events(_events("a", "b", "c"))
    assert [etree.fromstring(p).get("uid") for p in parts] == ["a", "b", "c"]
    assert split_events(_events()) == []
    with pytest.raises(CotError, match="<events>"):
        split_events(b"<event/>")


def test_events_reach_a_tak_servers_tcp_input() -> None:
    async def run() -> bytes:
        got = bytearray()
        done = asyncio.Event()

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while chunk := await reader.read(65536):
                got.extend(chunk)
            done.set()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        sender = Sender(Target("tcp", "127.0.0.1", port))

        async def fetch() -> bytes:
            return _events("t1", "t2")

        assert await push_once(fetch, sender) == 2
        assert await push_once(fetch, sender) == 2  # the same connection, kept
        await sender.close()
        await asyncio.wait_for(done.wait(), 5)
        server.close()
        return bytes(got)

    assert _uids(asyncio.run(run())) == ["t1", "t2", "t1", "t2"]


def _udp_listener() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    return s


def test_events_reach_a_udp_listener_one_datagram_each() -> None:
    listener = _udp_listener()
    port = listener.getsockname()[1]

    async def fetch() -> bytes:
        return _events("u1", "u2", "u3")

    assert (
        asyncio.run(push_forever(fetch, Sender(Target("udp", "127.0.0.1", port)), 1, rounds=1)) == 1
    )
    got = [etree.fromstring(listener.recvfrom(65536)[0]).get("uid") for _ in range(3)]
    listener.close()
    assert got == ["u1", "u2", "u3"]


def test_a_round_that_fails_is_skipped_and_a_refused_key_stops_the_bridge() -> None:
    listener = _udp_listener()
    target = Target("udp", "127.0.0.1", listener.getsockname()[1])
    answers: list[bytes | Exception] = [FeedUnavailable("down for a moment"), _events("late")]

    async def fetch() -> bytes:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert asyncio.run(push_forever(fetch, Sender(target), 0.01, rounds=2)) == 1
    assert etree.fromstring(listener.recvfrom(65536)[0]).get("uid") == "late"
    listener.close()

    async def refused() -> bytes:
        raise FeedUnavailable("401: the key is not known", lasting=True)

    with pytest.raises(FeedUnavailable, match="401"):
        asyncio.run(push_forever(refused, Sender(target), 0.01, rounds=3))
