"""The after-action report: files, images the HTML points at, PDF pages, and the CLI."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from magen.cli import main
from magen.report import ReportError, build_report, write_report
from magen.report.build import read_events
from magen.sim.runner import save_run
from sim.simkit import played
from support.bakapack import baka_town


def _images(html: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', html)


def test_the_report_has_maps_plots_timeline_and_measures(tmp_path: Path) -> None:
    run, baseline = played("magen"), played("alarm_only")
    files = write_report(read_events(run.log), tmp_path, truth=run.truth, baseline=baseline.truth)
    html = files.html.read_text(encoding="utf-8")
    names = _images(html)
    maps = [n for n in names if n.startswith("map-")]
    assert maps == [f"map-{i}.png" for i in range(1, len(maps) + 1)]
    assert 3 <= len(maps) <= 4  # moments closer than a minute share a map
    assert {"reports.png", "count.png", "response.png", "exposure.png"} <= set(names)
    assert sorted(names) == sorted(p.name for p in files.images)
    for name in names:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for words in (
        "Maps at key moments",
        "Timeline",
        "Guidance issued",
        "First sighting reported",
        "Official alert: missiles",
        "Exposure reduction",
        "NFPA 1225",
    ):
        assert words in html, words
    pdf = files.pdf.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1 + len(names)
    measures = json.loads(files.metrics.read_text())
    assert measures["sightings"] > 0
    assert measures["exposure_person_min"] == run.truth.exposure_person_min[-1]


def test_magen_report_reads_a_saved_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = played("magen")
    db = str(tmp_path / "run.db")
    asyncio.run(save_run(run, db))
    out = tmp_path / "report"
    assert main(["report", "--db", db, "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert (out / "report.html").exists()
    assert (out / "report.pdf").exists()
    assert (out / "map-1.png").exists()  # the map comes from the pack the run used


def test_a_log_without_truth_still_gets_maps_from_a_town(tmp_path: Path) -> None:
    run = played("magen")
    events = read_events(run.log)
    files = write_report(events, tmp_path, town=baka_town())
    html = files.html.read_text(encoding="utf-8")
    assert "map-1.png" in html
    assert "attackers truly were" not in html
    assert "exposure.png" not in html


def test_no_log_no_report(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no event log"):
        build_report(str(tmp_path / "missing.db"), tmp_path / "out")
    assert main(["report", "--db", str(tmp_path / "missing.db"), "--out", str(tmp_path)]) == 2
