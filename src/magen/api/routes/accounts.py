"""Accounts, sign-in tokens and device API keys."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import MediaType, Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel, ConfigDict, Field

from magen.api.deps import ActorDep, ServiceDep, runtime
from magen.api.routes._common import answer, run_command
from magen.app import security
from magen.app.ratelimit import SignInLimiter
from magen.app.security import TooManySignIns, new_api_key
from magen.domain.accounts import Accounts, IssueApiKey, RevokeApiKey
from magen.domain.base import SYSTEM, Actor
from magen.domain.errors import Forbidden, NotFound
from magen.domain.values import Role


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TokenRequest(_Wire):
    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=200)]


class NewAccount(_Wire):
    command_id: uuid.UUID
    username: Annotated[str, Field(min_length=2, max_length=64)]
    password: Annotated[str, Field(min_length=8, max_length=200)]
    role: Role
    display_name: Annotated[str, Field(min_length=1, max_length=200)]


class Registration(_Wire):
    command_id: uuid.UUID
    username: Annotated[str, Field(min_length=2, max_length=64)]
    password: Annotated[str, Field(min_length=8, max_length=200)]
    display_name: Annotated[str, Field(min_length=1, max_length=200)]


class NewApiKey(_Wire):
    command_id: uuid.UUID
    label: Annotated[str, Field(min_length=1, max_length=200)]


class CommandRef(_Wire):
    command_id: uuid.UUID


def signin_limiter(connection: ASGIConnection[Any, Any, Any, Any]) -> SignInLimiter:
    """The app's sign-in limiter, shared by every sign-in form (made at the first sign-in)."""
    state = connection.app.state
    limiter = state.get("signin_limiter")
    if not isinstance(limiter, SignInLimiter):
        limiter = state["signin_limiter"] = SignInLimiter()
    return limiter


async def sign_in_within_limits(
    connection: ASGIConnection[Any, Any, Any, Any], username: str, password: str
) -> Actor:
    """The account behind a username and password, within the app's sign-in limits
    (`security.limited_sign_in`): raises `TooManySignIns` or `InvalidCredentials`."""
    peer = connection.client.host if connection.client else "unknown"
    return await security.limited_sign_in(
        runtime(connection).service, signin_limiter(connection), username, password, peer=peer
    )


def too_many_sign_ins(exc: TooManySignIns) -> Response[dict[str, Any]]:
    """429 with the seconds to wait, in the body and in Retry-After."""
    return Response(
        {"error": exc.code, "reason": exc.reason, "rule": exc.rule, "retry_after": exc.retry_after},
        status_code=429,
        media_type=MediaType.JSON,
        headers={"Retry-After": str(exc.retry_after)},
    )


@post("/auth/token", status_code=200)
async def sign_in(
    request: Request[Any, Any, Any], data: JSONBody[TokenRequest]
) -> Response[dict[str, Any]]:
    """Exchange a username and password for an expiring bearer token.

    Failed sign-ins are limited (`SignInLimiter`): too many answer 429 with Retry-After.
    """
    rt = runtime(request)
    try:
        actor = await sign_in_within_limits(request, data.username, data.password)
    except TooManySignIns as exc:
        return too_many_sign_ins(exc)
    assert actor.account_id is not None
    token, expires = rt.tokens.issue(actor.account_id, actor.role.value, rt.service.clock.now())
    body = {
        "access_token": token,
        "token_type": "bearer",
        "expires_at": expires.isoformat(),
        "account_id": actor.account_id,
        "role": actor.role.value,
    }
    return Response(body, status_code=200)


async def _create(
    service: ServiceDep, actor: ActorDep, data: JSONBody[NewAccount]
) -> Response[dict[str, Any]]:
    outcome = await security.create_account(
        service,
        actor,
        command_id=data.command_id,
        username=data.username,
        role=data.role,
        display_name=data.display_name,
        password=data.password,
    )
    return answer(service, outcome)


@post("/accounts")
async def create_account(
    service: ServiceDep, actor: ActorDep, data: JSONBody[NewAccount]
) -> Response[dict[str, Any]]:
    """Create an account with a role (admin)."""
    return await _create(service, actor, data)


@post("/accounts/register")
async def register(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    data: JSONBody[Registration],
) -> Response[dict[str, Any]]:
    """A resident creates their own account, when the town allows it."""
    if not runtime(request).settings.open_registration:
        raise Forbidden("self-registration is closed; ask the municipality for an account")
    # Registration is the one command an anonymous person may cause; it can only make residents.
    new = NewAccount(
        command_id=data.command_id,
        username=data.username,
        password=data.password,
        role=Role.RESIDENT,
        display_name=data.display_name,
    )
    if actor.role is not Role.ANONYMOUS and actor.role is not Role.ADMIN:
        raise Forbidden("you already have an account")
    return await _create(service, SYSTEM, new)


@get("/accounts/me")
async def me(service: ServiceDep, actor: ActorDep) -> dict[str, Any]:
    """Who the presented credentials speak for."""
    if actor.account_id is None:
        return {"account_id": None, "role": actor.role.value}
    account = service.state.slice(Accounts).by_id[actor.account_id]
    return {
        "account_id": account.account_id,
        "username": account.username,
        "role": account.role.value,
        "display_name": account.display_name,
    }


@post("/accounts/{account_id:str}/keys")
async def issue_key(
    service: ServiceDep, actor: ActorDep, account_id: FromPath[str], data: JSONBody[NewApiKey]
) -> Response[dict[str, Any]]:
    """Issue a device API key for an account (admin); the key is shown only in this answer."""
    key_id, full, digest = new_api_key()
    response = await run_command(
        service,
        actor,
        IssueApiKey(
            command_id=data.command_id,
            account_id=account_id,
            key_id=key_id,
            secret_hash=digest,
            label=data.label,
        ),
    )
    body = dict(response.content)
    if body.get("replayed"):
        body["api_key"] = None  # a key's secret is never stored, so a retry cannot repeat it
    else:
        body["api_key"] = full
    return Response(body, status_code=response.status_code)


@post("/keys/{key_id:str}/revoke")
async def revoke_key(
    service: ServiceDep, actor: ActorDep, key_id: FromPath[str], data: JSONBody[CommandRef]
) -> Response[dict[str, Any]]:
    """Revoke a device API key (admin)."""
    if key_id not in service.state.slice(Accounts).keys and actor.role is Role.ADMIN:
        raise NotFound(f"no key {key_id}")
    return await run_command(
        service, actor, RevokeApiKey(command_id=data.command_id, key_id=key_id)
    )


router = Router(
    path="/api/v1",
    route_handlers=[sign_in, create_account, register, me, issue_key, revoke_key],
    tags=["accounts"],
)
