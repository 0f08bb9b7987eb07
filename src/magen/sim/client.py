"""The simulator's side of Magen's public HTTP API: who is asking, and what each call sends.

Every simulated person and operator talks to Magen only through `Api`, over HTTP (a real
socket in the demo, an in-process ASGI transport in headless runs). Command ids come from the
run's seeded generator, so a run's commands, and therefore its event ids, repeat with its
seed. Accounts are provisioned before they are used, as a municipality would provision them
before the day: through the service, with one shared password hash (argon2 costs about a
second per hash on purpose, which would cost minutes for the simulated population) and a
device API key each, which is how the simulated phones then sign their requests.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import numpy as np

from magen.app.security import hash_password, new_api_key
from magen.app.service import Service
from magen.domain.accounts import Accounts, CreateAccount, IssueApiKey, account_id_for
from magen.domain.base import SYSTEM
from magen.domain.values import Role
from magen.store.base import LogUnavailable

SIM_PASSWORD = "magen-demo"  # noqa: S105 - the demo's published password, on purpose
# Account command ids derive from the username in this namespace: stable across runs.
ACCOUNT_NAMESPACE = uuid.UUID("a3c1e9d2-53f4-4b8e-8f6b-0c9a7d5e2b14")


class Ids:
    """Command ids drawn from the run's generator: the same seed gives the same ids."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng

    def __call__(self) -> str:
        raw = bytearray(self._rng.bytes(16))
        raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
        raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
        return str(uuid.UUID(bytes=bytes(raw)))


@dataclass(frozen=True)
class Who:
    """The credentials a request is made with: a device key, or an anonymous device."""

    label: str
    api_key: str | None = None
    device: str | None = None
    account_id: str | None = None

    def headers(self) -> dict[str, str]:
        if self.api_key is not None:
            return {"Authorization": f"Bearer {self.api_key}"}
        return {"X-Device-Id": self.device or self.label}


class ApiError(Exception):
    """Magen refused a request the simulator expected to succeed."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} -> {status}: {body[:300]}")
        self.status = status


# A phone told 503 (the log cannot be written now: another process holds it, the disk is
# full...) waits as long as Retry-After says and sends the same command again (its id makes
# the retry append once); so do the simulated ones, for at most this long in all.
RETRY_FOR_S = 600.0
RETRY_AFTER_S = 5.0  # when the answer gives no Retry-After (and for the in-process service)


def retry_after(response: httpx.Response) -> float:
    """The seconds a 503 asks the client to wait (Retry-After in seconds), else the default."""
    try:
        return max(0.1, float(response.headers.get("retry-after", RETRY_AFTER_S)))
    except ValueError:
        return RETRY_AFTER_S


_DEFAULT_PASSWORD_HASH: list[str] = []


def shared_password_hash() -> str:
    """One argon2 hash of the demo password for every simulated account (computed once)."""
    if not _DEFAULT_PASSWORD_HASH:
        _DEFAULT_PASSWORD_HASH.append(hash_password(SIM_PASSWORD))
    return _DEFAULT_PASSWORD_HASH[0]


class Provisioner:
    """Creates simulated accounts with device keys, through the running service."""

    def __init__(
        self, service: Service, *, retry_for_s: float = RETRY_FOR_S, pause_s: float = RETRY_AFTER_S
    ) -> None:
        self.service = service
        self._keys: dict[str, Who] = {}
        self._retry_for_s = retry_for_s
        self._pause_s = pause_s

    async def _handle(self, command: Any) -> None:
        """Handle a command, waiting out a log that cannot be written now (as the API would
        answer 503 and a phone retry); the same command id appends it once."""
        waited = 0.0
        while True:
            try:
                await self.service.handle(SYSTEM, command)
                return
            except LogUnavailable:
                if waited >= self._retry_for_s:
                    raise
            await asyncio.sleep(self._pause_s)
            waited += self._pause_s

    async def account(self, username: str, role: Role, display_name: str) -> Who:
        """The account (created if missing) and a fresh device key for it."""
        found = self._keys.get(username)
        if found is not None:
            return found
        accounts = self.service.state.slice(Accounts)
        account_id = accounts.by_username.get(username)
        if account_id is None:
            password_hash = await asyncio.to_thread(shared_password_hash)
            command_id = uuid.uuid5(ACCOUNT_NAMESPACE, username)
            await self._handle(
                CreateAccount(
                    command_id=command_id,
                    username=username,
                    role=role,
                    display_name=display_name,
                    password_hash=password_hash,
                )
            )
            account_id = account_id_for(command_id)
        key_id, full, digest = new_api_key()
        await self._handle(
            IssueApiKey(
                command_id=uuid.uuid5(ACCOUNT_NAMESPACE, f"{username}|key|{key_id}"),
                account_id=account_id,
                key_id=key_id,
                secret_hash=digest,
                label="simulated device",
            )
        )
        who = Who(label=username, api_key=full, account_id=account_id)
        self._keys[username] = who
        return who


@dataclass
class CallStats:
    """What the simulator asked and how Magen answered, for the run's summary."""

    calls: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)

    def note(self, key: str, status: int, body: str) -> None:
        self.calls[key] += 1
        if status >= 400:
            tag = f"{key} {status}"
            self.refused[tag] += 1
            self.samples.setdefault(tag, body[:300])


class Api:
    """Typed calls to Magen's HTTP API; every call is followed by `settle` (headless runs)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        ids: Ids,
        *,
        settle: Callable[[], Awaitable[None]] | None = None,
        retry_for_s: float = RETRY_FOR_S,
    ) -> None:
        self.client = client
        self.ids = ids
        self._settle = settle
        self._retry_for_s = retry_for_s
        self.stats = CallStats()

    async def call(
        self,
        method: str,
        path: str,
        who: Who,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200, 201),
    ) -> httpx.Response:
        """Send one request and settle; statuses outside `expect` are counted, not raised.

        A 503 (the log cannot be written now) is sent again after its Retry-After, as a
        phone does, for up to `retry_for_s` in all; each answer is counted.
        """
        all_headers = {**who.headers(), **(headers or {})}
        key = f"{method} {_template(path)}"
        waited = 0.0
        while True:
            response = await self.client.request(
                method, path, json=body, params=params, headers=all_headers
            )
            if self._settle is not None:
                await self._settle()
            self.stats.note(
                key, response.status_code, response.text if response.status_code >= 400 else ""
            )
            if response.status_code != 503 or waited >= self._retry_for_s:
                return response
            pause = retry_after(response)
            await asyncio.sleep(pause)
            waited += pause

    async def command(
        self, path: str, who: Who, body: dict[str, Any], *, expect: tuple[int, ...] = (200, 201)
    ) -> dict[str, Any] | None:
        """POST a command with a fresh id; the answer's JSON, or None if it was refused."""
        response = await self.call(
            "POST", path, who, body={"command_id": self.ids(), **body}, expect=expect
        )
        if response.status_code in expect:
            data: dict[str, Any] = response.json()
            return data
        return None

    async def get(self, path: str, who: Who, **params: Any) -> Any:
        """GET JSON, or None when refused."""
        response = await self.call("GET", path, who, params=params or None)
        return response.json() if response.status_code == 200 else None


def _template(path: str) -> str:
    """A path with its ids replaced, to count calls by endpoint."""
    parts = []
    for p in path.split("?", maxsplit=1)[0].split("/"):
        digits = sum(c.isdigit() for c in p)
        parts.append("{id}" if ("_" in p and digits >= 4) or digits >= 8 else p)
    return "/".join(parts)


def point(lon: float, lat: float, accuracy_m: float | None = None) -> dict[str, Any]:
    """A GeoPoint body."""
    out: dict[str, Any] = {"lat": round(lat, 7), "lon": round(lon, 7)}
    if accuracy_m is not None:
        out["accuracy_m"] = round(accuracy_m, 1)
    return out


def iso(when: datetime) -> str:
    return when.isoformat()
