"""`magen bench dispatch` runs end to end on the Baka clip; its last line is the promised JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BAKA_OSM = ROOT / "data" / "jerusalem_baka_2016.osm"


@pytest.mark.timeout(180)
def test_dispatch_bench_reports_json_beside_greedy(tmp_path: Path) -> None:
    command = [
        sys.executable,
        *("-m", "magen", "bench", "dispatch"),
        *("--osm", str(BAKA_OSM), "--cache", str(tmp_path)),
        *("--responders", "80", "--incidents", "20", "--threats", "5", "--runs", "1"),
        "--phases",
    ]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=170, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for name in (
        "ms",
        "same_picture_ms",
        "total_travel_s",
        "greedy_total_travel_s",
        "objective",
        "greedy_objective",
    ):
        assert result[name] > 0, name
    assert result["mismatches"] == 0
    assert "where a plan's CPU time goes" in done.stdout
    assert result["greedy_assign_cpu_ms"] <= result["greedy_cpu_ms"]
    assert result["objective"] <= result["greedy_objective"] + 1e-6
    assert result["responders"] == 80
    assert result["tasks"] == 25
