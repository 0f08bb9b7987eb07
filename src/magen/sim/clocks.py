"""Clocks for simulated time: stepped by the simulator, or running faster than the wall."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class ScaledClock:
    """Time that runs `rate` times faster than the wall clock from a chosen start.

    The demo serves Magen on this clock and plays the scenario against it, so a two-hour
    morning passes in twelve minutes at rate 10; `set_rate(1)` then lets it run on normally.
    """

    def __init__(
        self, start: datetime, rate: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("ScaledClock needs a timezone-aware start")
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self._mono = monotonic
        self._lock = threading.Lock()
        self._origin = start.astimezone(UTC)
        self._m0 = monotonic()
        self._rate = rate

    @property
    def rate(self) -> float:
        return self._rate

    def now(self) -> datetime:
        with self._lock:
            return self._origin + timedelta(seconds=(self._mono() - self._m0) * self._rate)

    def set_rate(self, rate: float) -> None:
        """Run at another rate from now on, without a jump."""
        if rate <= 0:
            raise ValueError("the rate must be positive")
        with self._lock:
            m = self._mono()
            self._origin += timedelta(seconds=(m - self._m0) * self._rate)
            self._m0 = m
            self._rate = rate

    def wall_seconds_until(self, when: datetime) -> float:
        """Real seconds until the clock shows `when` (0 if it already has)."""
        ahead = (when - self.now()).total_seconds()
        return max(ahead, 0.0) / self._rate
