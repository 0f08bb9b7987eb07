"""The report opens in headless Chromium with every map and plot drawn; a screenshot is kept."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import require
from magen.report import write_report
from magen.report.build import read_events
from sim.simkit import played

CHROMIUM = os.environ.get("MAGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "report.png"


@pytest.mark.browser
def test_the_report_shows_maps_and_plots_in_chromium(tmp_path: Path) -> None:
    require(
        Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None, f"no Chromium at {CHROMIUM}"
    )
    playwright = pytest.importorskip("playwright.sync_api")
    run, baseline = played("magen"), played("alarm_only")
    files = write_report(read_events(run.log), tmp_path, truth=run.truth, baseline=baseline.truth)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(files.html.as_uri())
            page.wait_for_load_state("load")
            loaded = page.evaluate(
                "Array.from(document.images)"
                ".map(i => [i.getAttribute('src'), i.complete && i.naturalWidth])"
            )
            assert len(loaded) == len(files.images)
            assert all(width and width > 300 for _, width in loaded), loaded
            maps = page.locator(".maps figure img")
            assert maps.count() >= 3
            assert maps.first.bounding_box()["width"] > 400
            assert page.locator("h2", has_text="Plots").count() == 1
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            assert not errors
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 50_000
