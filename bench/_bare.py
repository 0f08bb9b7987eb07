"""Bare validated-insert endpoints: the framework alone, for benchmarks to compare against.

Each app has one route, POST /api/v1/sightings, that validates the body with Magen's own
`ReportSighting` model, records its command id in an in-memory dict (nothing on disk, no auth,
no domain rules, the model itself not kept) and answers 201 with a body shaped like Magen's
real answer. All run with Magen's serving GC settings (`settle_heap`), so a comparison with
Magen measures what Magen adds to the framework, not a difference in interpreter tuning.
Serve with `uvicorn --app-dir bench --factory _bare:litestar_app` (or `_bare:fastapi_app`,
`_bare:litestar_shortcut_app`).

`litestar_app` is the endpoint as Litestar documents it: the framework's own validated insert.
Magen's bulk routes (sightings, SOS, positions) take two shortcuts past Litestar's machinery:
the body validated by pydantic straight from its bytes (`magen.api.bodies.validated_first`) and
the answer sent as JSON bytes (`magen.api.routes._common.BulkAnswer`). `litestar_shortcut_app`
is the bare endpoint with the same two, to measure what Magen adds without its shortcuts'
advantage (`magen bench ingest --bare shortcuts`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi import Response as FastAPIResponse
from litestar import Litestar, Response, get, post

from magen.api.app import settle_heap
from magen.domain.reports import ReportSighting

PATH = "/api/v1/sightings"


class _Inbox:
    """The position given to each command id, in arrival order."""

    def __init__(self) -> None:
        # Strings and ints only: a growing dict of them gives the collector nothing to walk.
        self.positions: dict[str, int] = {}

    def insert(self, command: ReportSighting) -> tuple[dict[str, Any], bool]:
        """Record a sighting's id once; the answer and whether it was new."""
        key = command.command_id.hex
        position = self.positions.get(key)
        fresh = position is None
        if position is None:
            position = self.positions[key] = len(self.positions) + 1
        sighting_id = f"sig_{key[:20]}"
        body = {
            "position": position,
            "replayed": not fresh,
            "id": sighting_id,
            "events": [{"position": position, "type": "ThreatSighted", "id": sighting_id}],
        }
        return body, fresh


def litestar_app() -> Any:
    """The bare endpoint in Litestar, declared the way Magen declares its routes."""
    inbox = _Inbox()

    @post(PATH)
    async def report_sighting(data: ReportSighting) -> Response[dict[str, Any]]:
        body, fresh = inbox.insert(data)
        return Response(body, status_code=201 if fresh else 200)

    @get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(
        route_handlers=[report_sighting, healthz], on_startup=[settle_heap], debug=False
    )


def litestar_shortcut_app() -> Any:
    """The bare endpoint in Litestar with Magen's two bulk-route shortcuts."""
    from litestar import Request
    from litestar.params import JSONBody

    from magen.api.bodies import require_json, validated_first
    from magen.api.routes._common import BulkAnswer

    inbox = _Inbox()

    @post(PATH, before_request=validated_first)
    async def report_sighting(
        request: Request[Any, Any, Any], data: JSONBody[ReportSighting]
    ) -> Response[dict[str, Any]]:
        body, fresh = inbox.insert(data)
        return BulkAnswer(body, status_code=201 if fresh else 200)

    @get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(
        route_handlers=[report_sighting, healthz],
        before_request=require_json,
        on_startup=[settle_heap],
        debug=False,
    )


def fastapi_app() -> Any:
    """The same bare endpoint in FastAPI, declared the way FastAPI documents it."""
    inbox = _Inbox()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settle_heap()
        yield

    app = FastAPI(lifespan=lifespan)

    @app.post(PATH, status_code=201)
    async def report_sighting(data: ReportSighting, response: FastAPIResponse) -> dict[str, Any]:
        body, fresh = inbox.insert(data)
        if not fresh:
            response.status_code = 200
        return body

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
