"""Request-scoped dependencies: the service and the acting principal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency

from magen.app.security import (
    API_KEY_PREFIX,
    InvalidCredentials,
    TokenIssuer,
    actor_for_api_key,
    actor_for_token,
    anonymous_source_key,
)
from magen.app.service import Service
from magen.config import Settings
from magen.domain.base import Actor
from magen.domain.values import Role


@dataclass(frozen=True)
class Runtime:
    """What the API needs at hand, kept in the Litestar app state."""

    service: Service
    tokens: TokenIssuer
    settings: Settings


def runtime(connection: ASGIConnection[Any, Any, Any, Any]) -> Runtime:
    """The runtime of the app serving this connection."""
    rt: Runtime = connection.app.state["runtime"]
    return rt


def credentials_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The bearer token or API key presented, from headers or (WebSocket) the query."""
    header = connection.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise InvalidCredentials("use 'Authorization: Bearer <token or API key>'")
        return value.strip()
    key = connection.headers.get("x-api-key")
    if key:
        return key.strip()
    token = connection.query_params.get("access_token")
    return token.strip() if token else None


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    """The principal acting: an account, or an anonymous source with a pseudonymous key."""
    rt = runtime(connection)
    credential = credentials_of(connection)
    state = rt.service.state
    if credential:
        if credential.startswith(API_KEY_PREFIX + "_"):
            return actor_for_api_key(state, credential)
        return actor_for_token(state, rt.tokens, credential, rt.service.clock.now())
    client = connection.client.host if connection.client else "unknown"
    device = connection.headers.get("x-device-id")
    return Actor(
        account_id=None,
        role=Role.ANONYMOUS,
        source_key=anonymous_source_key(rt.settings.secret, client, device),
    )


async def provide_actor(request: Request[Any, Any, Any]) -> Actor:
    return actor_of(request)


async def provide_service(request: Request[Any, Any, Any]) -> Service:
    return runtime(request).service


# Route handlers name their dependencies with these, e.g. `actor: ActorDep`.
ActorDep = NamedDependency[Actor]
ServiceDep = NamedDependency[Service]
