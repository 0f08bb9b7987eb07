"""Show times in the town's own clock: people read "14:05", not UTC."""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Jerusalem"


class UnknownTimeZone(ValueError):
    """MAGEN_TIMEZONE names no time zone: every page would show another place's clock."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"MAGEN_TIMEZONE: no time zone {name!r}"
            " (give an IANA name such as Asia/Jerusalem or Europe/Bucharest)"
        )
        self.name = name


@lru_cache(maxsize=1)
def town_zone() -> ZoneInfo:
    """The town's time zone: MAGEN_TIMEZONE, else (unset or blank) Israel's.

    Raises `UnknownTimeZone` for a name that is no time zone, rather than show another
    place's clock; call `check_town_zone` at start-up so a server with a mistyped zone does
    not start.
    """
    name = os.environ.get("MAGEN_TIMEZONE", "").strip() or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(name) from None


def check_town_zone() -> ZoneInfo:
    """The town's time zone, read afresh from MAGEN_TIMEZONE; `UnknownTimeZone` if none."""
    town_zone.cache_clear()
    return town_zone()


def local_time(at: datetime) -> str:
    """Hours and minutes of a moment on the town's clock."""
    return at.astimezone(town_zone()).strftime("%H:%M")
