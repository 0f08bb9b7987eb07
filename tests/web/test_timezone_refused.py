"""A mistyped MAGEN_TIMEZONE is refused, never shown as Israel's clock (audit 15 #14)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from magen.api.app import create_app
from magen.config import Settings
from magen.web.times import UnknownTimeZone, check_town_zone, local_time, town_zone


@pytest.fixture(autouse=True)
def _fresh_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test reads MAGEN_TIMEZONE afresh, and leaves the default behind it."""
    monkeypatch.delenv("MAGEN_TIMEZONE", raising=False)
    town_zone.cache_clear()
    yield
    monkeypatch.undo()
    town_zone.cache_clear()


@pytest.mark.parametrize("name", ["Europe/Bucharset", "Israel Time", "../../etc/passwd", "+03:00"])
def test_a_name_that_is_no_time_zone_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("MAGEN_TIMEZONE", name)
    with pytest.raises(UnknownTimeZone) as refused:
        check_town_zone()
    said = str(refused.value)
    assert said.startswith(f"MAGEN_TIMEZONE: no time zone {name!r}")
    assert "\n" not in said
    with pytest.raises(UnknownTimeZone):  # nor is any page's clock read in Israel's time
        town_zone()


def test_the_server_does_not_start_with_an_unknown_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGEN_TIMEZONE", "Europe/Bucharset")
    with pytest.raises(UnknownTimeZone, match="MAGEN_TIMEZONE: no time zone 'Europe/Bucharset'"):
        create_app(Settings(database="memory://", secret=b"t" * 32))


def test_a_real_zone_is_the_town_s_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGEN_TIMEZONE", "Europe/Bucharest")
    assert check_town_zone().key == "Europe/Bucharest"
    assert local_time(datetime(2026, 1, 15, 12, 0, tzinfo=UTC)) == "14:00"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_no_zone_given_is_israel_s(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is not None:
        monkeypatch.setenv("MAGEN_TIMEZONE", value)
    assert check_town_zone().key == "Asia/Jerusalem"


def test_a_zone_set_after_a_first_read_is_read_again_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert town_zone().key == "Asia/Jerusalem"
    monkeypatch.setenv("MAGEN_TIMEZONE", "Europe/Bucharset")
    with pytest.raises(UnknownTimeZone):
        check_town_zone()
