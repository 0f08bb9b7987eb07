"""The bulk routes validate their JSON first, straight from the bytes; nothing else changes.

`validated_first` takes a body only when pydantic validates it from the JSON, and lets every
other body through to Litestar's own parsing. So a route with it must answer every body, good
or bad, exactly as the same route without it: held here over a corpus of the mistakes phones
and scripts make, with Magen's own refusal handlers.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from litestar import Litestar, Request, Response, post
from litestar._signature.model import SignatureModel
from litestar.params import JSONBody
from litestar.testing import TestClient

from magen.api import bodies, errors
from magen.domain.reports import RaiseSos, ReportSighting

ID = str(uuid.UUID(int=7))
WHERE = {"lat": 31.7615, "lon": 35.2160}
taken: list[str] = []


async def _kept(route: str, data: Any) -> Response[dict[str, Any]]:
    taken.append(route)
    return Response({"data": data.model_dump(mode="json")}, status_code=201)


@post("/fast/sightings", before_request=bodies.validated_first)
async def fast_sighting(
    request: Request[Any, Any, Any], data: JSONBody[ReportSighting]
) -> Response[dict[str, Any]]:
    return await _kept("fast", data)


@post("/plain/sightings")
async def plain_sighting(
    request: Request[Any, Any, Any], data: JSONBody[ReportSighting]
) -> Response[dict[str, Any]]:
    return await _kept("plain", data)


@post("/fast/sos", before_request=bodies.validated_first)
async def fast_sos(
    request: Request[Any, Any, Any], data: JSONBody[RaiseSos]
) -> Response[dict[str, Any]]:
    return await _kept("fast", data)


@post("/plain/sos")
async def plain_sos(
    request: Request[Any, Any, Any], data: JSONBody[RaiseSos]
) -> Response[dict[str, Any]]:
    return await _kept("plain", data)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


GOOD = {"command_id": ID, "where": WHERE}
BODIES: list[tuple[str, bytes]] = [
    ("minimal", _json(GOOD)),
    (
        "full",
        _json(
            {
                **GOOD,
                "observed_at": "2023-10-07T06:45:00+03:00",
                "count": 15,
                "mobility": "vehicle",
                "armed": "yes",
                "heading_deg": 270.5,
                "text": "two pickups, שני טנדרים",
            }
        ),
    ),
    ("a whole float for an int", _json({**GOOD, "count": 3.0})),
    ("a fraction for an int", _json({**GOOD, "count": 3.5})),
    ("a number as a string", _json({**GOOD, "count": "3"})),
    ("true for an int", _json({**GOOD, "count": True})),
    ("a coordinate as a string", _json({**GOOD, "where": {"lat": "31.7", "lon": 35.2}})),
    ("latitude out of range", _json({**GOOD, "where": {"lat": 91, "lon": 35.2}})),
    ("NaN heading", _json({**GOOD, "heading_deg": float("nan")})),
    (
        "Infinity latitude",
        b'{"command_id": "%s", "where": {"lat": Infinity, "lon": 2}}' % ID.encode(),
    ),
    ("a huge number", b'{"command_id": "%s", "where": {"lat": 1e400, "lon": 2}}' % ID.encode()),
    ("an unknown field", _json({**GOOD, "colour": "red"})),
    ("no command id", _json({"where": WHERE})),
    ("a bad command id", _json({**GOOD, "command_id": "not-a-uuid"})),
    ("a naive time", _json({**GOOD, "observed_at": "2023-10-07T06:45:00"})),
    ("a time as a number", _json({**GOOD, "observed_at": 1696650300})),
    ("an unknown mobility", _json({**GOOD, "mobility": "horse"})),
    ("text too long", _json({**GOOD, "text": "x" * 5000})),
    ("a list", _json([GOOD])),
    ("null", b"null"),
    ("empty", b""),
    ("not JSON", b"{command_id:"),
    (
        "a key twice",
        b'{"command_id": "%s", "where": {"lat": 1, "lon": 2}, "count": 2, "count": 4}'
        % ID.encode(),
    ),
    ("bad UTF-8 in a string", _json(GOOD)[:-1] + b', "text": "\xff\xfe"}'),
]


@pytest.fixture(scope="module")
def client() -> Any:
    app = Litestar(
        [fast_sighting, plain_sighting, fast_sos, plain_sos],
        exception_handlers=errors.HANDLERS,
        before_request=bodies.require_json,
    )
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize("kind", ["sightings", "sos"])
@pytest.mark.parametrize(("name", "body"), BODIES, ids=[n for n, _ in BODIES])
def test_every_body_is_answered_as_without_it(
    client: Any, kind: str, name: str, body: bytes
) -> None:
    headers = {"Content-Type": "application/json"}
    fast = client.post(f"/fast/{kind}", content=body, headers=headers)
    plain = client.post(f"/plain/{kind}", content=body, headers=headers)
    assert fast.status_code == plain.status_code, (fast.text, plain.text)
    # Refusals name the route's own path.
    assert fast.json() == json.loads(plain.text.replace("/plain/", "/fast/"))


def test_the_content_type_is_still_required(client: Any) -> None:
    sent = client.post(
        "/fast/sightings", content=_json(GOOD), headers={"Content-Type": "text/plain"}
    )
    assert sent.status_code == 415


def test_a_valid_body_is_taken_by_the_route_once_without_litestars_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def parsed_by_litestar(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("Litestar parsed a body the route had validated")

    app = Litestar([fast_sighting], exception_handlers=errors.HANDLERS)
    taken.clear()
    with TestClient(app) as c:
        monkeypatch.setattr(
            SignatureModel, "parse_values_from_connection_kwargs", parsed_by_litestar
        )
        sent = c.post("/fast/sightings", json=GOOD)
    assert sent.status_code == 201
    assert sent.json()["data"]["command_id"] == ID
    assert taken == ["fast"]


def test_every_route_that_validates_first_takes_the_request_and_its_data_alone() -> None:
    """`validated_first` calls the route as fn(request=..., data=...): a route that also took
    a path parameter or a dependency would answer every valid body with a 500."""
    from magen.api.app import create_app
    from magen.config import Settings

    app = create_app(Settings(database="memory://", secret=b"s" * 32))
    routes = [
        h
        for route in app.routes
        for h in getattr(route, "route_handlers", ())
        if h.resolve_before_request() is bodies.validated_first
    ]
    assert {"/sightings", "/sos", "/responders/position"} <= {p for h in routes for p in h.paths}
    for handler in routes:
        assert set(handler.parsed_fn_signature.parameters) == {"request", "data"}, handler
