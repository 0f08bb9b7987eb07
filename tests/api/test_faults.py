"""A fault of the server's own: a 500 that says so, in the page's languages, and a log line
with the traceback (the framework's own answer was bare English JSON, logged nowhere)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from magen.domain.values import Role
from support.apikit import Kit, api_kit


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _boom(*_: object, **__: object) -> None:
    raise RuntimeError("a bug, for this test")


def test_an_api_fault_is_a_logged_500_with_a_reason(
    kit: Kit, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("magen.api.routes.town._town", _boom)
    with caplog.at_level(logging.ERROR, logger="magen.api"):
        r = kit.get(Role.DISPATCHER, "/api/v1/town")
    assert r.status_code == 500
    assert r.json() == {"error": "internal", "reason": "a fault on the server; it was logged"}
    assert "a bug, for this test" not in r.text  # the fault's own words stay in the log
    (record,) = [x for x in caplog.records if x.name == "magen.api"]
    assert record.getMessage() == "fault on GET /api/v1/town"
    assert record.exc_info is not None
    assert "a bug, for this test" in str(record.exc_info[1])


def test_a_page_fault_says_so_in_every_language_with_the_numbers_to_call(
    kit: Kit, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("magen.api.routes.pages.render", _boom)
    with caplog.at_level(logging.ERROR, logger="magen.api"):
        r = kit.client.get("/resident")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("text/html")
    for words in ("תקלה בשרת", "حدث خلل في الخادم", "A fault on the server", "100"):
        assert words in r.text
    assert any(x.getMessage() == "fault on GET /resident" for x in caplog.records)


def test_refusals_are_not_faults(kit: Kit, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="magen.api"):
        assert kit.get(Role.DISPATCHER, "/api/v1/tracks/nope").status_code == 404
        assert kit.client.post("/api/v1/sos", content=b"{").status_code in (400, 415)
    assert not [x for x in caplog.records if x.name == "magen.api"]
