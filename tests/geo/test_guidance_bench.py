"""`magen bench guidance` runs on the Baka clip, agrees with networkx, and ends with its JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from geo.geokit import BAKA_OSM

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(240)
def test_guidance_bench_agrees_with_networkx_and_reports_json(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "magen",
        "bench",
        "guidance",
        "--osm",
        str(BAKA_OSM),
        "--cache",
        str(tmp_path),
        "--danger-areas",
        "6",
        "--repeat",
        "2",
        "--peer-repeat",
        "1",
    ]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=220, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["buildings"] == 1259
    assert result["danger_areas"] == 6
    assert result["identical"] is True
    assert result["mismatches"] == 0
    for name in ("ms", "networkx_ms", "speedup", "networkx_plain_ms", "speedup_plain"):
        assert result[name] > 0, name
    assert result["go_to_shelter"] > 0
    # The same areas as attackers' under the siren: timed, and people near them kept in.
    assert result["ms_attackers"] > 0
    assert result["kept_in_attackers"] > 0
    assert "speedup (networkx / magen)" in done.stdout
