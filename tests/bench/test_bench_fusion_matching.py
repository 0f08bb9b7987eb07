"""`magen bench fusion` and `magen bench matching` run end to end and end with their JSON.

The issues promise these keys on the last line; small sizes keep each run to seconds. The
matching run includes splink (the `bench` extra `make test` installs), so its keys are checked
too: a run without the peer would not be the comparison the issue asks for.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def _bench(*args: str) -> tuple[str, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "magen", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return done.stdout, result


def _fraction(value: object) -> float:
    assert isinstance(value, float | int)
    assert 0.0 <= value <= 1.0
    return float(value)


@pytest.mark.timeout(120)
def test_fusion_bench_reports_throughput_and_accuracy() -> None:
    _, result = _bench("fusion", "--sightings", "4000", "--groups", "20", "--blocks", "20")
    assert result["sightings"] >= 3000
    assert result["sightings_per_s"] > 0
    for name in ("precision", "recall", "count_error"):
        _fraction(result[name])
    # The fused count is the honest one: never the sum of every claim, as raw clustering gives.
    assert result["fused_attackers"] < result["naive_attackers"]


@pytest.mark.timeout(120)
def test_matching_bench_runs_splink_beside_magen_on_the_same_data() -> None:
    require(
        importlib.util.find_spec("splink") is not None,
        "splink is not installed (the bench extra; make test installs it)",
    )
    stdout, result = _bench("matching", "--missing", "2000", "--records", "400")
    for side in ("", "splink_"):
        f1 = _fraction(result[f"{side}f1"])
        precision = _fraction(result[f"{side}precision"])
        recall = _fraction(result[f"{side}recall"])
        assert result[f"{side}s"] > 0
        if precision + recall:
            assert f1 == pytest.approx(2 * precision * recall / (precision + recall), abs=2e-3)
    assert result["true_links"] > 0
    assert "splink" in stdout
