"""`magen bench scale` runs end to end on small figures and its last line is the promised JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require

from support.postgres import ENV_URL, bin_dir

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [
    *("-m", "magen", "bench", "scale", "--seconds", "1", "--warmup", "0"),
    *("--connections", "8", "--workers", "1,2", "--events", "3000"),
]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_scale_bench_audits_every_set_up_and_reports_json() -> None:
    require(shutil.which("wrk") is not None, "wrk is not installed (apt-get install wrk)")
    existing = os.environ.get(ENV_URL)
    require(existing is not None or bin_dir() is not None, "PostgreSQL is not installed")
    extra = ["--pg", existing] if existing else []
    done = subprocess.run(
        [sys.executable, *COMMAND, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["sqlite_per_s"] > 0
    assert set(result["pg_per_s"]) == {"1", "2"}
    assert result["pg_per_s_1"] == result["pg_per_s"]["1"] > 0
    assert result["pg_per_s_2"] == result["pg_per_s"]["2"] > 0
    # Every set-up's log held each acknowledged report once, and nothing else.
    assert result["log_ok"] is True
    assert result["events"] == 3000
    assert result["cold_start_replay_s"] > 0
    assert result["cold_start_snapshot_s"] > 0
    assert result["snapshot_mb"] > 0
    for name in ("sqlite x1", "postgresql x1", "postgresql x2", "full replay", "from snapshot"):
        assert name in done.stdout
