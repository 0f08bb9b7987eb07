"""Build the Litestar application around a running service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.datastructures import State as AppState
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from magen import __version__
from magen.api import errors, live
from magen.api.deps import Runtime, provide_actor, provide_service
from magen.api.routes import accounts, ops, picture, reports, responders
from magen.app.ratelimit import RateLimiter
from magen.app.security import TokenIssuer
from magen.app.service import Service
from magen.clock import Clock, SystemClock
from magen.config import Settings
from magen.store.base import EventLog

ROUTERS = [accounts.router, reports.router, responders.router, picture.router]


def build_service(settings: Settings, clock: Clock, log: EventLog | None = None) -> Service:
    """A service over the configured log, with its state folded from it."""
    if log is None:
        from magen.store.factory import open_log

        log = open_log(settings.database)
    service = Service(
        log,
        clock,
        rate_limiter=RateLimiter(settings.anonymous_per_minute, settings.anonymous_burst),
    )
    service.load()
    return service


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    log: EventLog | None = None,
    service: Service | None = None,
) -> Litestar:
    """The HTTP application; the service is built at start-up unless one is given."""
    clock = clock or SystemClock()
    holder: dict[str, Service] = {}

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        svc = service or build_service(settings, clock, log)
        holder["service"] = svc
        app.state["runtime"] = Runtime(
            service=svc,
            tokens=TokenIssuer(settings.secret, timedelta(hours=settings.token_hours)),
            settings=settings,
        )
        if settings.follow_log:
            svc.follow()
        try:
            yield
        finally:
            await svc.close()
            if service is None:
                await svc.log.close()

    return Litestar(
        route_handlers=[*ROUTERS, *ops.handlers, live.live],
        dependencies={"actor": Provide(provide_actor), "service": Provide(provide_service)},
        exception_handlers=errors.HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        lifespan=[lifespan],
        state=AppState({}),
        openapi_config=OpenAPIConfig(
            title="Magen API",
            version=__version__,
            description="Reports in, one live picture out. All times UTC; positions WGS84.",
            path="/api/v1/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=False,
    )


def asgi_app() -> Any:
    """Entry point for `uvicorn --factory magen.api.app:asgi_app` (settings from MAGEN_*)."""
    return create_app(Settings.from_env())
