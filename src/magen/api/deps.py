"""Request-scoped dependencies: the service and the acting principal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency

from magen.app.dispatch import DispatchService
from magen.app.guidance import GuidanceService
from magen.app.readiness import Readiness
from magen.app.security import (
    API_KEY_PREFIX,
    InvalidCredentials,
    TokenIssuer,
    UnknownAccount,
    actor_for_api_key,
    actor_for_token,
    anonymous_source_key,
    recognised,
)
from magen.app.service import Service
from magen.config import Settings
from magen.domain.base import Actor
from magen.domain.values import Role
from magen.geo.town import Town


@dataclass(frozen=True)
class CachingTokenIssuer(TokenIssuer):
    """A token issuer that decodes each token once per process, then trusts what it found.

    A phone sends the same bearer token with every report; decoding and checking its signature
    each time costs more than the rest of authorisation. A token's claims never change, so the
    first successful check is remembered until the token expires; bad tokens are never kept.
    """

    capacity: int = 10_000
    _known: dict[str, tuple[str, str, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def verify(self, token: str, now: datetime) -> tuple[str, str]:
        known = self._known.get(token)
        if known is not None and now.timestamp() < known[2]:
            return known[0], known[1]
        account_id, role = super().verify(token, now)  # raises for a bad or expired token
        # The signature is checked just above; this only reads the expiry it vouched for.
        claims = jwt.decode(token, options={"verify_signature": False, "verify_iat": False})
        self._known.pop(token, None)
        if len(self._known) >= self.capacity:
            del self._known[next(iter(self._known))]  # the oldest entry
        self._known[token] = (account_id, role, float(claims["exp"]))
        return account_id, role


@dataclass(frozen=True)
class Runtime:
    """What the API needs at hand, kept in the Litestar app state."""

    service: Service
    tokens: TokenIssuer
    settings: Settings
    readiness: Readiness  # of this worker's service over its log
    town: Town | None = None  # the town pack, when the server was given one
    guidance: GuidanceService | None = None  # present with the town
    dispatch: DispatchService | None = None  # recommendations need the town


def runtime(connection: ASGIConnection[Any, Any, Any, Any]) -> Runtime:
    """The runtime of the app serving this connection."""
    rt: Runtime = connection.app.state["runtime"]
    return rt


def credentials_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The bearer token or API key presented in the headers (`Authorization: Bearer` or
    `X-API-Key`).

    Never from the URL: an address ends up in proxy and access logs and, for a WebSocket, in
    the browser's console on every failed reconnect. A browser's live feed sends its token in
    its first frame instead (`magen.api.live`).
    """
    header = connection.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise InvalidCredentials("use 'Authorization: Bearer <token or API key>'")
        return value.strip()
    key = connection.headers.get("x-api-key")
    if key:
        return key.strip()
    return None


def actor_of(
    connection: ASGIConnection[Any, Any, Any, Any],
    rt: Runtime | None = None,
    credential: str | None = None,
) -> Actor:
    """The principal acting: an account, or an anonymous source with a pseudonymous key.

    `rt` is the connection's runtime, when the caller has it at hand already. `credential`, when
    given, is judged in place of the headers' (the live feed's auth frame); without one, the
    headers' is, and with none there either the actor is anonymous.
    """
    if rt is None:
        rt = runtime(connection)
    if credential is None:
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


async def current_actor(
    connection: ASGIConnection[Any, Any, Any, Any],
    rt: Runtime | None = None,
    credential: str | None = None,
) -> Actor:
    """`actor_of`, after catching up with the log once if the account is not known yet.

    With several workers, an account or key made through another worker a moment ago is not
    yet in this one's state; refusing its first request would be refusing what was just made.
    """
    try:
        # every report takes this path: no closure, no await
        return actor_of(connection, rt, credential)
    except UnknownAccount:
        service = (rt or runtime(connection)).service

    async def identify() -> Actor:
        return actor_of(connection, rt, credential)

    return await recognised(service, identify)  # asks once more, then catches up


async def provide_service(request: Request[Any, Any, Any]) -> Service:
    return runtime(request).service


# Route handlers name their dependencies with these, e.g. `actor: ActorDep`.
ActorDep = NamedDependency[Actor]
ServiceDep = NamedDependency[Service]


async def provide_actor(request: Request[Any, Any, Any], service: ServiceDep) -> Actor:
    # Taking `service` orders the two dependencies: Litestar resolves independent ones
    # concurrently in an anyio task group, which costs more per request than both together.
    return await current_actor(request)
