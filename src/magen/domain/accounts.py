"""Accounts, roles and device API keys."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Literal

from pydantic import Field, field_validator

from magen.domain.base import Command, DecisionContext, Event, Recorded, decider, event, evolver
from magen.domain.errors import Conflict, InvalidCommand, NotFound
from magen.domain.state import State
from magen.domain.values import Role, ShortText

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
Username = Annotated[str, Field(min_length=2, max_length=64)]


@dataclass
class Account:
    account_id: str
    username: str
    role: Role
    display_name: str
    password_hash: str
    active: bool = True
    languages: tuple[str, ...] = ()


@dataclass
class ApiKey:
    key_id: str
    account_id: str
    secret_hash: str
    label: str
    revoked: bool = False


@dataclass
class Accounts:
    """Slice: every account and device key."""

    by_id: dict[str, Account] = field(default_factory=dict)
    by_username: dict[str, str] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)


# --- events -------------------------------------------------------------------------------


@event
class AccountCreated(Event):
    type: Literal["AccountCreated"] = "AccountCreated"
    account_id: str
    username: str
    role: Role
    display_name: str
    # An argon2 hash, never a password; redacted from exports and the audit feed.
    password_hash: str


@event
class AccountDeactivated(Event):
    type: Literal["AccountDeactivated"] = "AccountDeactivated"
    account_id: str


@event
class ApiKeyIssued(Event):
    type: Literal["ApiKeyIssued"] = "ApiKeyIssued"
    key_id: str
    account_id: str
    # sha256 of a 256-bit random secret: a KDF adds nothing for keys that cannot be guessed.
    secret_hash: str
    label: str


@event
class ApiKeyRevoked(Event):
    type: Literal["ApiKeyRevoked"] = "ApiKeyRevoked"
    key_id: str


SECRET_FIELDS = frozenset({"password_hash", "secret_hash"})

# --- commands -----------------------------------------------------------------------------


class CreateAccount(Command):
    username: Username
    role: Role
    display_name: ShortText
    password_hash: str = Field(min_length=20, max_length=500)

    @field_validator("username")
    @classmethod
    def _username_shape(cls, v: str) -> str:
        if not _USERNAME.match(v):
            raise ValueError("username: lowercase letters, digits, '.', '_' or '-', 2-64 long")
        return v


class DeactivateAccount(Command):
    account_id: str


class IssueApiKey(Command):
    account_id: str
    key_id: str = Field(min_length=8, max_length=64)
    secret_hash: str = Field(min_length=64, max_length=64)
    label: ShortText


class RevokeApiKey(Command):
    key_id: str


def account_id_for(command_id: uuid.UUID) -> str:
    """A new account's id, stable across retries of the command that creates it."""
    return f"acc_{uuid.uuid5(uuid.NAMESPACE_OID, str(command_id)).hex[:16]}"


@decider(CreateAccount)
def _create(state: State, cmd: CreateAccount, ctx: DecisionContext) -> list[Event]:
    accounts = state.slice(Accounts)
    if cmd.username in accounts.by_username:
        raise Conflict(f"username {cmd.username!r} is taken")
    if cmd.role is Role.ANONYMOUS:
        raise InvalidCommand("an account cannot have the anonymous role")
    return [
        AccountCreated(
            account_id=account_id_for(cmd.command_id),
            username=cmd.username,
            role=cmd.role,
            display_name=cmd.display_name,
            password_hash=cmd.password_hash,
        )
    ]


@decider(DeactivateAccount)
def _deactivate(state: State, cmd: DeactivateAccount, ctx: DecisionContext) -> list[Event]:
    acc = state.slice(Accounts).by_id.get(cmd.account_id)
    if acc is None:
        raise NotFound(f"no account {cmd.account_id}")
    if not acc.active:
        return []
    return [AccountDeactivated(account_id=cmd.account_id)]


@decider(IssueApiKey)
def _issue_key(state: State, cmd: IssueApiKey, ctx: DecisionContext) -> list[Event]:
    accounts = state.slice(Accounts)
    acc = accounts.by_id.get(cmd.account_id)
    if acc is None or not acc.active:
        raise NotFound(f"no active account {cmd.account_id}")
    if cmd.key_id in accounts.keys:
        raise Conflict("key id already used")
    return [
        ApiKeyIssued(
            key_id=cmd.key_id,
            account_id=cmd.account_id,
            secret_hash=cmd.secret_hash,
            label=cmd.label,
        )
    ]


@decider(RevokeApiKey)
def _revoke_key(state: State, cmd: RevokeApiKey, ctx: DecisionContext) -> list[Event]:
    key = state.slice(Accounts).keys.get(cmd.key_id)
    if key is None:
        raise NotFound(f"no key {cmd.key_id}")
    return [] if key.revoked else [ApiKeyRevoked(key_id=cmd.key_id)]


@evolver(AccountCreated)
def _on_created(state: State, e: AccountCreated, r: Recorded) -> None:
    accounts = state.slice(Accounts)
    accounts.by_id[e.account_id] = Account(
        account_id=e.account_id,
        username=e.username,
        role=e.role,
        display_name=e.display_name,
        password_hash=e.password_hash,
    )
    accounts.by_username[e.username] = e.account_id


@evolver(AccountDeactivated)
def _on_deactivated(state: State, e: AccountDeactivated, r: Recorded) -> None:
    acc = state.slice(Accounts).by_id.get(e.account_id)
    if acc is not None:
        acc.active = False


@evolver(ApiKeyIssued)
def _on_key(state: State, e: ApiKeyIssued, r: Recorded) -> None:
    state.slice(Accounts).keys[e.key_id] = ApiKey(
        key_id=e.key_id, account_id=e.account_id, secret_hash=e.secret_hash, label=e.label
    )


@evolver(ApiKeyRevoked)
def _on_revoked(state: State, e: ApiKeyRevoked, r: Recorded) -> None:
    key = state.slice(Accounts).keys.get(e.key_id)
    if key is not None:
        key.revoked = True
