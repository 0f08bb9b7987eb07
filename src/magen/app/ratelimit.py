"""Token buckets that keep one source from flooding the log or guessing passwords."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allow `burst` commands at once and `per_minute` on average, per source key.

    The `max_sources` least recently used keys are kept; a forgotten key starts full again.
    """

    def __init__(self, per_minute: float = 12, burst: int = 6, max_sources: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._max_sources = max_sources

    def _refilled(self, key: str, now: float) -> _Bucket | None:
        bucket = self._buckets.get(key)
        if bucket is not None:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def allow(self, key: str, now: float) -> bool:
        """Take one token for this source if it has one (every anonymous report asks: one
        look-up and one refill)."""
        bucket = self._refilled(key, now)
        if bucket is None:
            bucket = self._new(key, now)
        elif bucket.tokens < 1.0:
            return False
        bucket.tokens = max(0.0, bucket.tokens - 1.0)
        return True

    def wait(self, key: str, now: float) -> float:
        """Seconds until this source has a token (0 when it has one now); takes nothing."""
        bucket = self._refilled(key, now)
        if bucket is None or bucket.tokens >= 1.0:
            return 0.0
        return (1.0 - bucket.tokens) / self.rate if self.rate > 0 else math.inf

    def take(self, key: str, now: float) -> None:
        """Take one token for this source, whether or not it has one (never below none)."""
        bucket = self._refilled(key, now) or self._new(key, now)
        bucket.tokens = max(0.0, bucket.tokens - 1.0)

    def _new(self, key: str, now: float) -> _Bucket:
        """A full bucket for a source not seen (or forgotten), the least recent one dropped."""
        bucket = self._buckets[key] = _Bucket(self.burst, now)
        if len(self._buckets) > self._max_sources:
            self._buckets.popitem(last=False)
        return bucket

    def give_back(self, key: str, now: float) -> None:
        """Return one token taken for a source (up to a full bucket)."""
        bucket = self._refilled(key, now)
        if bucket is not None:
            bucket.tokens = min(self.burst, bucket.tokens + 1.0)

    def forget(self, key: str) -> None:
        """Start this source afresh, with a full bucket."""
        self._buckets.pop(key, None)


Scope = Literal["account_address", "address", "account"]


@dataclass(frozen=True)
class SignInPass:
    """Leave to check one password: the tokens it took, given back if the password is right."""

    username: str
    address: str
    keys: tuple[tuple[Scope, str], ...]


@dataclass(frozen=True)
class SignInRefusal:
    """No password is checked: `scope` has had too many failures; try again in `retry_after` s."""

    scope: Scope
    retry_after: int
    first: bool  # the first refusal since this scope last let an attempt through


class SignInLimiter:
    """How many wrong passwords are checked, so that passwords cannot be guessed at speed.

    Every attempt takes a token from each bucket that applies before its password is checked
    (so attempts sent at once cannot all slip past a limit while argon2 runs); a right
    password gives them back, so only failures use the buckets up, and a successful sign-in
    is never slowed. With no token, the attempt is refused (429) without checking anything.

    - One username from one address (`account_address`): 5 failures at once, then one a
      minute. A user who mistypes twice (or four times) is not stopped; the sixth failure in
      a row waits up to a minute. A right password starts this pair afresh.
    - One address, any username (`address`): 30 failures at once, then 10 a minute. An
      attacker cycling usernames from one address gets 30 guesses, then one every 6 s.
    - One username, any address (`account`): 50 failures at once, then 10 a minute, so a
      spread-out guess at one account is still slow. An address that signed in to that
      account within the last 30 days is exempt from it and from the address limit, so
      an attacker elsewhere cannot lock its user out of a device they already use. (From a
      device never used before, the user may be refused, 6 s at a time, for as long as
      such an attack goes on.)

    A username is counted case-blind. The buckets are per process: `serve --workers N`
    allows N times as many guesses. Behind a proxy every client has the proxy's address.
    """

    PAIR_BURST, PAIR_PER_MINUTE = 5, 1.0
    ADDRESS_BURST, ADDRESS_PER_MINUTE = 30, 10.0
    ACCOUNT_BURST, ACCOUNT_PER_MINUTE = 50, 10.0
    KNOWN_FOR_S = 30 * 24 * 3600.0

    def __init__(
        self, max_sources: int = 100_000, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.monotonic = monotonic  # the clock `limited_sign_in` reads (seconds)
        self._limits: dict[Scope, RateLimiter] = {
            "account_address": RateLimiter(self.PAIR_PER_MINUTE, self.PAIR_BURST, max_sources),
            "address": RateLimiter(self.ADDRESS_PER_MINUTE, self.ADDRESS_BURST, max_sources),
            "account": RateLimiter(self.ACCOUNT_PER_MINUTE, self.ACCOUNT_BURST, max_sources),
        }
        self._known: OrderedDict[str, float] = OrderedDict()  # pair -> last successful sign-in
        self._refused: OrderedDict[str, None] = OrderedDict()  # keys refused since last allowed
        self._max_sources = max_sources

    @staticmethod
    def _pair(username: str, address: str) -> str:
        return f"{username}\x00{address}"

    def _is_known(self, pair: str, now: float) -> bool:
        seen = self._known.get(pair)
        return seen is not None and now - seen < self.KNOWN_FOR_S

    def attempt(self, username: str, address: str, now: float) -> SignInPass | SignInRefusal:
        """Leave to check a password for `username` from `address`, or why not."""
        username = username.casefold()
        pair = self._pair(username, address)
        keys: list[tuple[Scope, str]] = [("account_address", pair)]
        if not self._is_known(pair, now):
            keys += [("address", address), ("account", username)]
        waits = [(self._limits[scope].wait(key, now), scope, key) for scope, key in keys]
        longest, scope, key = max(waits)
        if longest > 0:
            noted = f"{scope}\x00{key}"
            first = noted not in self._refused
            if first:
                self._refused[noted] = None
                if len(self._refused) > self._max_sources:
                    self._refused.popitem(last=False)
            return SignInRefusal(scope, max(1, math.ceil(longest)), first)
        for scope, key in keys:
            self._limits[scope].take(key, now)
            self._refused.pop(f"{scope}\x00{key}", None)
        return SignInPass(username, address, tuple(keys))

    def release(self, granted: SignInPass, now: float) -> None:
        """The attempt was no failure (the check itself failed): give back what it took."""
        for scope, key in granted.keys:
            self._limits[scope].give_back(key, now)

    def succeeded(self, granted: SignInPass, now: float) -> None:
        """The password was right: give back what the attempt took; remember the address."""
        self.release(granted, now)
        self._limits["account_address"].forget(self._pair(granted.username, granted.address))
        pair = self._pair(granted.username, granted.address)
        self._known.pop(pair, None)
        self._known[pair] = now
        if len(self._known) > self._max_sources:
            self._known.popitem(last=False)
