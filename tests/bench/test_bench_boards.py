"""`magen bench console_boards` and `registry_board` run end to end on small figures, and what
they print holds what the staff pages were made to save: less sent than before, 304s empty."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^(?P<name>\S.*?)\s{2,}(?P<bytes>[\d,]+)\s+(?P<rest>[\d.\s]+)$")


def _bench(*args: str) -> dict[str, int]:
    """Run a bench through the real CLI; the bytes of each row of its table, by row name."""
    done = subprocess.run(
        [sys.executable, "-m", "magen", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = {}
    for line in done.stdout.splitlines():
        if m := ROW.match(line.strip()):
            rows[m["name"].strip()] = int(m["bytes"].replace(",", ""))
    return rows


@pytest.mark.timeout(300)
def test_console_boards_bench_sends_less_and_nothing_when_unchanged() -> None:
    rows = _bench("console_boards", "--casualties", "300", "--rounds", "1")
    assert rows["unchanged: both 304"] == 0
    assert 0 < rows["open summary"] < rows["every casualty"]
    assert rows["open summary + hospitals"] < rows["every casualty + hospitals"]
    assert rows["2nd console, same change"] == rows["open summary + hospitals"]


@pytest.mark.timeout(300)
def test_registry_board_bench_sends_less_and_nothing_when_unchanged() -> None:
    rows = _bench(
        *("registry_board", "--missing", "2000", "--records", "400"),
        *("--pending", "20", "--to-tell", "5", "--rounds", "1"),
    )
    assert rows["after: unchanged (304)"] == 0
    assert 0 < rows["after: desk refresh"] < rows["before: desk refresh"] / 10
    assert 0 < rows["after: board only"] < rows["before: board only"]
