"""Show times in the town's own clock: people read "14:05", not UTC.

The town's zone itself is `magen.town_clock`'s (below the layers that show it); it is named
here too so the pages keep one place to import their times from.
"""

from __future__ import annotations

from datetime import datetime

from magen.town_clock import DEFAULT_TIMEZONE, UnknownTimeZone, check_town_zone, town_zone

__all__ = ["DEFAULT_TIMEZONE", "UnknownTimeZone", "check_town_zone", "local_time", "town_zone"]


def local_time(at: datetime) -> str:
    """Hours and minutes of a moment on the town's clock."""
    return at.astimezone(town_zone()).strftime("%H:%M")
