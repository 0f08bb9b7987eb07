"""The town's clock: its time zone (MAGEN_TIMEZONE) and times people give on it.

Below every layer that shows or reads a time: the pages show "14:05" on this clock, the
after-action report measures on it, and the command line reads a time given without a zone on it.
"""

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


class NotATime(ValueError):
    """A time someone gave that is no ISO 8601 time; the message shows one that is."""

    def __init__(self, text: str, *, date: str | None = None) -> None:
        if date is not None:  # a day alone: its start or its end? Say both ways to write it
            message = (
                f"{text!r} is a day, not a time: say which time of it, e.g. {date}T00:00 or "
                f"{date}T23:59:59 on the town's clock"
            )
        else:
            message = (
                f"not an ISO 8601 time: {text!r} (e.g. 2023-10-07T06:45 on the town's clock, "
                "or 2023-10-07T06:45+03:00)"
            )
        super().__init__(message)
        self.text = text


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


def parse_town_time(text: str) -> datetime:
    """A time someone gave: ISO 8601, read on the town's clock when it names no zone.

    "2023-10-07T07:00" is seven in the morning in the town (MAGEN_TIMEZONE), as its people
    and its pages tell the time; "2023-10-07T07:00+03:00" and "...Z" say their own zone. A date
    alone is refused: "until the 25th" may mean its start or its end. Raises `NotATime`, whose
    message gives an example, for anything else.
    """
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise NotATime(text) from None
    if len(text.strip()) <= len("2023-10-07"):  # a date with no time of day
        raise NotATime(text, date=when.date().isoformat())
    return when if when.tzinfo is not None else when.replace(tzinfo=town_zone())
