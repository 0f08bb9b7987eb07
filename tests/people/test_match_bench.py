"""`magen bench matching --ceiling` runs end to end and its ceiling is consistent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
def test_ceiling_only_links_pairs_that_blocking_found() -> None:
    command = [sys.executable, "-m", "magen", "bench", "matching"]
    command += ["--missing", "2000", "--records", "400", "--no-splink", "--ceiling"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert 0.0 < result["ceiling_f1"] <= 1.0
    assert 0.0 < result["blocked_recall"] <= 1.0
    # The ceiling links candidate pairs only: it cannot find a true pair blocking missed.
    assert result["ceiling_recall"] <= result["blocked_recall"]
