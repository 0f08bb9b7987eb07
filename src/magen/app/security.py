"""Credentials: password hashing, signed expiring tokens, device API keys."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from magen.app.ratelimit import SignInLimiter, SignInPass, SignInRefusal
from magen.domain.accounts import Accounts, CreateAccount, account_id_for
from magen.domain.base import Actor
from magen.domain.errors import RateLimited
from magen.domain.state import State
from magen.domain.values import Role

if TYPE_CHECKING:
    import uuid

    from magen.app.service import Outcome, Service

log = logging.getLogger("magen.signin")
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
TOKEN_ALGORITHM = "HS256"  # noqa: S105 - an algorithm name, not a secret
API_KEY_PREFIX = "mgk"
_T = TypeVar("_T")


class InvalidCredentials(Exception):
    """The credentials are wrong, expired or revoked."""


class UnknownAccount(InvalidCredentials):
    """The credentials name an account this worker's state does not hold.

    With several workers on one log, the account may have been made through another worker
    a moment ago: the caller may catch up with the log and ask again (`Service.caught_up`).
    """


_SCOPE_SAID = {
    "account_address": "for this username from this address",
    "address": "from this address",
    "account": "for this username",
}


class TooManySignIns(RateLimited):
    """Too many failed sign-ins: no password is checked until `retry_after` seconds pass."""

    def __init__(self, refusal: SignInRefusal) -> None:
        self.retry_after = refusal.retry_after
        self.scope = refusal.scope
        super().__init__(
            f"too many failed sign-ins {_SCOPE_SAID[refusal.scope]};"
            f" try again in {refusal.retry_after} s",
            rule="too_many_sign_ins",
        )


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether a password matches its hash (slow by design)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class TokenIssuer:
    """Issues and checks HMAC-signed bearer tokens; the secret is shared by all workers."""

    secret: bytes
    lifetime: timedelta = timedelta(hours=12)

    def issue(self, account_id: str, role: str, now: datetime) -> tuple[str, datetime]:
        expires = now + self.lifetime
        claims = {"sub": account_id, "role": role, "iat": now, "exp": expires}
        return jwt.encode(claims, self.secret, algorithm=TOKEN_ALGORITHM), expires

    def verify(self, token: str, now: datetime) -> tuple[str, str]:
        """The (account id, role) a valid token speaks for."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[TOKEN_ALGORITHM],
                # Expiry is checked against the injected clock below; PyJWT would check `exp`
                # and `iat` against the wall clock, which a simulation's clock is not.
                options={
                    "require": ["sub", "exp", "role"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidCredentials("invalid token") from exc
        if int(claims["exp"]) <= now.timestamp():
            raise InvalidCredentials("token expired; sign in again")
        return str(claims["sub"]), str(claims["role"])


def new_api_key() -> tuple[str, str, str]:
    """A fresh device key: (key id, the full key to hand out once, the hash to store)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    full = f"{API_KEY_PREFIX}_{key_id}_{secret}"
    return key_id, full, hashlib.sha256(secret.encode()).hexdigest()


def actor_for_api_key(state: State, key: str) -> Actor:
    """The actor a device key speaks for."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        raise InvalidCredentials("malformed API key")
    accounts = state.slice(Accounts)
    stored = accounts.keys.get(parts[1])
    if stored is None:
        raise UnknownAccount("unknown or revoked API key")
    if stored.revoked:
        raise InvalidCredentials("unknown or revoked API key")
    digest = hashlib.sha256(parts[2].encode()).hexdigest()
    if not hmac.compare_digest(digest, stored.secret_hash):
        raise InvalidCredentials("unknown or revoked API key")
    account = accounts.by_id.get(stored.account_id)
    if account is None or not account.active:
        raise InvalidCredentials("the key's account is deactivated")
    return account_actor(account.account_id, account.role)


def actor_for_token(state: State, issuer: TokenIssuer, token: str, now: datetime) -> Actor:
    """The actor a bearer token speaks for; a deactivated account's tokens stop working."""
    account_id, _ = issuer.verify(token, now)
    account = state.slice(Accounts).by_id.get(account_id)
    if account is None:
        raise UnknownAccount("account unknown or deactivated")
    if not account.active:
        raise InvalidCredentials("account unknown or deactivated")
    # The role comes from the current account, so a role change takes effect at once.
    return account_actor(account_id, account.role)


# One Actor per account, made again only when its role changes: every report a phone sends
# would otherwise build an equal one, and each is kept (with its recorded event) for good.
_ACTORS: dict[str, Actor] = {}


def account_actor(account_id: str, role: Role) -> Actor:
    """The actor for an account under its current role (the same object while it holds)."""
    actor = _ACTORS.get(account_id)
    if actor is None or actor.role is not role:
        actor = _ACTORS[account_id] = Actor(account_id=account_id, role=role)
    return actor


def anonymous_source_key(secret: bytes, client: str, device: str | None) -> str:
    """A pseudonymous, non-reversible key for an anonymous source (network and device)."""
    raw = f"{client}|{device or ''}".encode()
    return "anon_" + hmac.new(secret, raw, hashlib.sha256).hexdigest()[:16]


def authenticate(state: State, username: str, password: str) -> Actor:
    """The actor behind a username and password."""
    accounts = state.slice(Accounts)
    account_id = accounts.by_username.get(username)
    account = accounts.by_id.get(account_id) if account_id else None
    if account is None:
        # Spend the same time as a real check so usernames cannot be probed by timing.
        verify_password(_DUMMY_HASH, password)
        raise UnknownAccount("wrong username or password")
    if not verify_password(account.password_hash, password) or not account.active:
        raise InvalidCredentials("wrong username or password")
    return account_actor(account.account_id, account.role)


async def recognised(service: Service, identify: Callable[[], Awaitable[_T]]) -> _T:
    """`await identify()`, asked once more after catching up with the log if it names an
    account or key this worker does not know yet.

    With several workers, an account, key or session made through another worker a moment
    ago is not yet in this one's state; refusing it would be refusing what was just made.
    The position is read before asking: while a slow check runs (argon2, off the loop), this
    worker's follower may apply the new events, and the check is still worth making again.
    A lone worker does nothing more (`Service.caught_up`).
    """
    seen = service.state.position
    try:
        return await identify()
    except UnknownAccount:
        if not await service.caught_up(seen):
            raise
    return await identify()


async def sign_in(service: Service, username: str, password: str) -> Actor:
    """`authenticate` off the event loop (argon2 is slow by design), for every sign-in form,
    `recognised` across workers."""
    return await recognised(
        service, lambda: asyncio.to_thread(authenticate, service.state, username, password)
    )


async def limited_sign_in(
    service: Service,
    limiter: SignInLimiter,
    username: str,
    password: str,
    *,
    peer: str,
) -> Actor:
    """`sign_in` within the limiter's bounds (`SignInLimiter`), for a sign-in form.

    Each failure is logged at WARNING with the username and the peer's address (never the
    password) and counted in /metrics as `magen_commands_total{command="SignIn"}` with
    outcome `refused`; a refused attempt is counted as `rate_limited` (and logged once per
    run of refusals), a right password as `ok`. Raises `TooManySignIns` (429) or
    `InvalidCredentials` (401).
    """
    leave = limiter.attempt(username, peer, limiter.monotonic())
    if not isinstance(leave, SignInPass):
        service.metrics.count("SignIn", "rate_limited")
        if leave.first:
            log.warning(
                "sign-in refused for username %r from %s: too many failures %s; retry in %d s",
                username,
                peer,
                _SCOPE_SAID[leave.scope],
                leave.retry_after,
            )
        raise TooManySignIns(leave)
    try:
        actor = await sign_in(service, username, password)
    except InvalidCredentials as exc:
        service.metrics.count("SignIn", "refused")
        log.warning("sign-in failed for username %r from %s: %s", username, peer, exc)
        raise
    except BaseException:
        limiter.release(leave, limiter.monotonic())
        raise
    limiter.succeeded(leave, limiter.monotonic())
    service.metrics.count("SignIn", "ok")
    return actor


async def create_account(
    service: Service,
    actor: Actor,
    *,
    command_id: uuid.UUID,
    username: str,
    role: Role,
    display_name: str,
    password: str,
) -> Outcome:
    """Create an account with a password hashed off the event loop.

    A hash is salted, so hashing a resent form again would make it a different command and
    the resend a conflict. The account its command id already made is asked instead: same
    username and password, and its hash is reused, so the resend is answered as a retry.
    """
    made = service.state.slice(Accounts).by_id.get(account_id_for(command_id))
    if (
        made is not None
        and made.username == username
        and await asyncio.to_thread(verify_password, made.password_hash, password)
    ):
        digest = made.password_hash
    else:
        digest = await asyncio.to_thread(hash_password, password)
    command = CreateAccount(
        command_id=command_id,
        username=username,
        role=role,
        display_name=display_name,
        password_hash=digest,
    )
    return await service.handle(actor, command)


_DUMMY_HASH = _hasher.hash("not-a-real-password")
