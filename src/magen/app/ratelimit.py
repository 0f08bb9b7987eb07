"""Token buckets that keep one anonymous source from flooding the log."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Allow `burst` commands at once and `per_minute` on average, per source key."""

    def __init__(self, per_minute: float = 12, burst: int = 6, max_sources: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._max_sources = max_sources

    def allow(self, key: str, now: float) -> bool:
        """Take one token for this source if it has one."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(self.burst, now)
            self._buckets[key] = bucket
            if len(self._buckets) > self._max_sources:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False
