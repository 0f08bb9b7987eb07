"""Show times in the town's own clock: people read "14:05", not UTC."""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Jerusalem"


@lru_cache(maxsize=1)
def town_zone() -> ZoneInfo:
    """The town's time zone: MAGEN_TIMEZONE, else Israel's."""
    name = os.environ.get("MAGEN_TIMEZONE", DEFAULT_TIMEZONE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_time(at: datetime) -> str:
    """Hours and minutes of a moment on the town's clock."""
    return at.astimezone(town_zone()).strftime("%H:%M")
