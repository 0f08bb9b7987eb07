"""The bulk routes' lean answer says what Litestar's own Response would have said."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Response, post
from litestar.testing import TestClient

from magen.api.routes._common import BulkAnswer

CONTENT = {"position": 7, "replayed": False, "id": "sig_ab", "events": [{"t": "ü", "n": None}]}


@post("/lean")
async def lean() -> Response[dict[str, Any]]:
    return BulkAnswer(CONTENT, status_code=201)


@post("/general")
async def general() -> Response[dict[str, Any]]:
    return Response(CONTENT, status_code=201)


@post("/retry")
async def retry() -> Response[dict[str, Any]]:
    return BulkAnswer(CONTENT, status_code=200)


@post("/headed")
async def headed() -> Response[dict[str, Any]]:
    answer = BulkAnswer(CONTENT, status_code=201)
    answer.headers["X-Outside"] = "yes"
    return answer


def _client() -> TestClient[Litestar]:
    return TestClient(Litestar([lean, general, retry, headed]))


def test_the_lean_answer_is_the_general_answer_byte_for_byte() -> None:
    with _client() as client:
        mine, theirs = client.post("/lean"), client.post("/general")
    assert mine.status_code == theirs.status_code == 201
    assert mine.content == theirs.content
    for name in ("content-type", "content-length"):
        assert mine.headers[name] == theirs.headers[name]


def test_the_status_is_the_answers_own() -> None:
    with _client() as client:
        assert client.post("/retry").status_code == 200


def test_an_answer_given_headers_takes_the_general_path_and_keeps_them() -> None:
    with _client() as client:
        sent = client.post("/headed")
    assert sent.status_code == 201
    assert sent.headers["x-outside"] == "yes"
    assert sent.json() == CONTENT


def test_it_is_the_response_litestar_would_have_made() -> None:
    """Every field Litestar's own constructor sets is set alike (a new one fails here)."""
    mine, theirs = BulkAnswer(CONTENT, status_code=201), Response(CONTENT, status_code=201)
    fields = [name for cls in type(theirs).__mro__ for name in getattr(cls, "__slots__", ())]
    assert fields
    for name in fields:
        assert getattr(mine, name) == getattr(theirs, name), name
