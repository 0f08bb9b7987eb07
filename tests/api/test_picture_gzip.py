"""The picture goes gzipped to a client that takes it: on a weak link its size is the wait."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import pytest

from magen.domain.values import Role
from support.apikit import Kit, api_kit, cid
from support.bakapack import baka_pack


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        for i in range(30):  # a picture worth compressing
            where = {"lat": 31.7550 + i * 0.0005, "lon": 35.2150}
            body = {"command_id": cid(), "where": where, "count": 2, "text": f"sighting {i}"}
            r = k.post(Role.RESPONDER, "/api/v1/sightings", body)
            assert r.status_code == 201, r.text
        yield k


def _picture(
    kit: Kit, encoding: str, path: str = "/api/v1/picture"
) -> tuple[bytes, dict[str, str]]:
    headers = {**kit.auth(Role.DISPATCHER), "Accept-Encoding": encoding}
    # Read the bytes as sent: httpx would otherwise undo the gzip before the test sees it.
    with kit.client.stream("GET", path, headers=headers) as r:
        assert r.status_code == 200
        return b"".join(r.iter_raw()), dict(r.headers)


def test_a_client_that_takes_gzip_gets_the_picture_gzipped(kit: Kit) -> None:
    zipped, headers = _picture(kit, "gzip, deflate, br")
    assert headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    view = json.loads(gzip.decompress(zipped))
    assert len(view["sightings"]) == 30
    plain, plain_headers = _picture(kit, "identity")
    assert "content-encoding" not in plain_headers
    assert len(zipped) * 3 < len(plain)
    assert json.loads(plain)["position"] == view["position"]


def test_a_replayed_picture_is_gzipped_too(kit: Kit) -> None:
    zipped, headers = _picture(kit, "gzip", "/api/v1/picture/at?position=20")
    assert headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped))["replay"] is True
