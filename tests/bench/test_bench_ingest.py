"""`magen bench ingest` runs end to end for a second and its last line is the promised JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
BENCH = ["-m", "magen", "bench", "ingest"]
COMMAND = [*BENCH, "--seconds", "1", "--rounds", "1", "--warmup", "0", "--connections", "8"]


def _last_json(stdout: str) -> dict[str, Any]:
    last = stdout.strip().splitlines()[-1]
    result: dict[str, Any] = json.loads(last)
    return result


@pytest.mark.timeout(120)
def test_ingest_bench_stores_every_acknowledged_report_and_reports_json() -> None:
    require(shutil.which("wrk") is not None, "wrk is not installed (apt-get install wrk)")
    done = subprocess.run(
        [sys.executable, *COMMAND],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = _last_json(done.stdout)

    for name in ("reports_per_s", "p50_ms", "p99_ms", "bare_per_s", "ratio", "cpu_us_per_req"):
        assert isinstance(result[name], float | int), name
        assert result[name] > 0, name
    assert result["p50_ms"] <= result["p99_ms"]
    assert result["ratio"] == pytest.approx(
        result["reports_per_s"] / result["bare_per_s"], rel=0.01
    )
    # Every report acknowledged during the load is in the log exactly once, and the requests
    # left unanswered when wrk stopped (one per connection, plus one wrk had generated but not
    # yet written) were stored once too, by wrk before it stopped or by the harness's retry.
    acknowledged = result["acknowledged_201"]
    assert isinstance(acknowledged, int)
    assert acknowledged > 0
    assert result["events_in_log"] == acknowledged + result["unanswered_at_stop"]
    assert 0 <= result["unanswered_at_stop"] <= 8 + 1  # -c8, -t1
    assert result["lost"] == result["duplicated"] == result["errors"] == 0
    assert result["log_ok"] is True
    assert result["journal_mode"] == "wal"
    assert "magen (durable)" in done.stdout
    assert "bare litestar" in done.stdout
    assert result["bare"] == "plain"


@pytest.mark.timeout(120)
def test_the_bare_endpoint_with_magens_shortcuts_is_measured_on_request() -> None:
    require(shutil.which("wrk") is not None, "wrk is not installed (apt-get install wrk)")
    done = subprocess.run(
        [sys.executable, *COMMAND, "--bare", "shortcuts"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = _last_json(done.stdout)
    assert result["bare"] == "shortcuts"
    assert result["bare_per_s"] > 0
    assert result["errors"] == 0  # the bare endpoint answered every request with 201
    assert "bare + shortcuts" in done.stdout
