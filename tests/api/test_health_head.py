"""Health and readiness by HEAD, as uptime monitors ask: the status, no body."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.apikit import Kit, api_kit


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_head_answers_as_get_does_without_a_body(kit: Kit, path: str) -> None:
    r = kit.client.head(path)
    assert r.status_code == 200 == kit.client.get(path).status_code
    assert r.content == b""


def test_head_readyz_says_503_while_the_log_does_not_answer(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> int:
        raise OSError("the database is gone")

    monkeypatch.setattr(kit.log, "head", unreachable)
    r = kit.client.head("/readyz")
    assert r.status_code == 503
    assert r.headers["retry-after"] == "5"
    got = kit.client.get("/readyz")
    assert got.status_code == 503
    assert got.json()["database"] == "unreachable"
    assert kit.client.head("/healthz").status_code == 200  # up, though not ready
