"""The after-action report: read the event log (and the simulator's truth), write HTML and PDF."""

from __future__ import annotations

import asyncio
import html
import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from magen.app.codec import decode
from magen.domain.base import Recorded
from magen.domain.picture import state_fused_along
from magen.geo.town import Town, load_town
from magen.report import figures
from magen.report.replay import Moment, replay
from magen.sim.metrics import NFPA_1225_PROCESSING_S, Metrics, measure
from magen.sim.truth import Truth, read_truth
from magen.store.base import EventLog

_TIMELINE_MAX = 250
_GUIDANCE_MAX = 60


class ReportError(Exception):
    """The report cannot be written (no log, an empty log)."""


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path
    images: tuple[Path, ...]
    metrics: Path


def read_events(log: EventLog) -> list[Recorded]:
    """Every event of a log, decoded, in order."""
    out: list[Recorded] = []
    after = 0
    while True:
        batch = log.read(after, 5000)
        if not batch:
            return out
        out.extend(decode(s) for s in batch)
        after = batch[-1].position


def open_events(database: str) -> list[Recorded]:
    """The events of the log at a database path or URL."""
    from magen.store.factory import open_log, sqlite_path

    path = sqlite_path(database)
    if path is not None and not path.exists():
        raise ReportError(f"no event log at {database}")
    log = open_log(database)
    try:
        return read_events(log)
    finally:
        asyncio.run(log.close())


def _truth_at(
    truth: Truth, at: datetime, start: datetime
) -> tuple[tuple[float, float, float], ...]:
    t = (at - start).total_seconds()
    out = []
    for samples in truth.teams.values():
        before = [s for s in samples if s[0] <= t]
        if before and t - before[-1][0] <= 60.0 and before[-1][3] > 0:
            out.append((before[-1][1], before[-1][2], before[-1][3]))
    return tuple(out)


def key_moments(m: Metrics, start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """Four moments worth a map: first reports, the picture forming, the height, the end."""
    if m.first_sighting_s is None:
        span = (end - start).total_seconds()
        return [("Start", start + timedelta(seconds=span * f)) for f in (0.25, 0.5, 0.75)] + [
            ("End", end)
        ]
    first = start + timedelta(seconds=m.first_sighting_s + 240.0)
    forming_s = (m.first_confirmed_s or m.first_sighting_s) + 600.0
    peak_s = m.count_t_s[int(np.argmax(m.count_raw))] if m.count_raw else forming_s + 600.0
    if abs(peak_s - forming_s) < 300.0:
        peak_s = forming_s + 900.0
    picks = [
        ("First reports", first),
        ("The picture forms", start + timedelta(seconds=forming_s)),
        ("Most reports", start + timedelta(seconds=peak_s)),
        ("End", end),
    ]
    chosen: list[tuple[str, datetime]] = []
    for title, when in sorted(((t, min(w, end)) for t, w in picks), key=lambda p: p[1]):
        if chosen and (when - chosen[-1][1]).total_seconds() < 60.0:
            chosen[-1] = (title, when)  # one map per moment: the later title says more
        else:
            chosen.append((title, when))
    return chosen


def _fmt(value: float | None, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "not measured"
    return f"{value:,.{digits}f}{unit}"


def _percent(share: float | None, *, signed: bool = True) -> str:
    if share is None:
        return "not measured"
    return f"{100.0 * share:+.0f} %" if signed else f"{100.0 * share:.0f} %"


def metric_rows(m: Metrics, baseline: Truth | None) -> list[tuple[str, str, str]]:
    """The measures as (what, value, note) rows."""
    rows: list[tuple[str, str, str]] = []
    if m.exposure_person_min is not None:
        rows.append(
            (
                "Exposure (person-minutes in the open within 200 m of an attacker)",
                _fmt(m.exposure_person_min, digits=1),
                "simulator's truth",
            )
        )
    if baseline is not None and baseline.exposure_person_min:
        base = baseline.exposure_person_min[-1]
        rows.append(
            (
                f"Exposure with the alarm only ({baseline.policy.replace('_', ' ')}, same seed)",
                _fmt(base, digits=1),
                "",
            )
        )
        if base > 0 and m.exposure_person_min is not None:
            rows.append(
                (
                    "Exposure reduction",
                    f"{100.0 * (1.0 - m.exposure_person_min / base):.1f} %",
                    "goal: at least 80 %",
                )
            )
    rows += [
        ("First sighting (from the start)", _fmt(m.first_sighting_s, " s"), ""),
        (
            "First sighting to first confirmed track",
            _fmt(m.first_track_s, " s"),
            "goal: at most 60 s",
        ),
        (
            "Sightings reported",
            f"{m.sightings:,}",
            "" if m.sightings_false is None else f"{m.sightings_false} described nothing real",
        ),
        ("Tracks (confirmed / all)", f"{m.tracks_confirmed} / {m.tracks_total}", ""),
    ]
    if m.true_attackers is not None:
        most = max(m.count_true, default=0)
        rows.append(
            (
                "Attackers at once: most in truth / the console's largest estimate",
                f"{most} / {max(m.count_estimated, default=0)}",
                f"error {_percent(m.count_error_final)}; mean error while active "
                f"{_percent(m.count_error_mean, signed=False)}",
            )
        )
        rows.append(
            (
                "Attackers in all: true / summed over every confirmed track of the day",
                f"{m.true_attackers} / {m.attackers_claimed_final}",
                "a group seen again after hiding becomes a new track",
            )
        )
    if m.raw_overstatement_peak is not None:
        rows.append(
            (
                "Raw reports' claim at its peak, times the most attackers active",
                f"{m.raw_overstatement_peak:.1f}x",
                f"{m.raw_places_peak} places named; attackers held {m.true_places_peak} at most",
            )
        )
    rows += [
        ("SOS calls / assigned", f"{m.sos_raised} / {m.sos_assigned}", ""),
        (
            "SOS to assignment, median (p90)",
            f"{_fmt(m.sos_to_assign_median_s, ' s')} ({_fmt(m.sos_to_assign_p90_s, ' s')})",
            f"NFPA 1225: {NFPA_1225_PROCESSING_S:.0f} s",
        ),
        (
            "SOS assigned within 60 s",
            _fmt(None if m.sos_within_nfpa_share is None else 100 * m.sos_within_nfpa_share, " %"),
            "",
        ),
        (
            "Assignment to arrival, median",
            _fmt(m.assign_to_arrival_median_s, " s"),
            f"{m.arrivals} arrivals",
        ),
    ]
    if m.casualty_api:
        rows.append(
            (
                "Casualties recorded / with a destination / arrived",
                f"{m.casualties_recorded} / {m.casualties_with_destination} "
                f"/ {m.casualties_arrived}",
                "" if m.casualties_true is None else f"{m.casualties_true} hurt in truth",
            )
        )
    else:
        rows.append(
            (
                "Casualties tracked to a destination",
                "not in this log",
                "" if m.casualties_true is None else f"{m.casualties_true} hurt in truth",
            )
        )
    rows.append(
        (
            "Missing-person reports resolved",
            f"{m.missing_resolved} / {m.missing_reported}" if m.persons_api else "not in this log",
            "",
        )
    )
    rows += [
        (
            "Official alerts / guidance records / danger areas / operator instructions",
            f"{m.alerts_issued} / {m.guidance_records} / {m.danger_areas} / {m.overrides}",
            "",
        ),
        ("Events in the log", f"{m.events:,}", ""),
    ]
    return rows


def _save(fig: Figure, path: Path, pdf: PdfPages) -> Path:
    fig.savefig(path, format="png")
    pdf.savefig(fig)  # type: ignore[no-untyped-call]
    return path


def _summary_page(title: str, rows: list[tuple[str, str, str]]) -> Figure:
    fig = Figure(figsize=(8.27, 11.69), dpi=100)
    fig.text(0.06, 0.95, title, fontsize=15, weight="bold")
    y = 0.9
    for what, value, note in rows:
        fig.text(0.06, y, what, fontsize=8.5, wrap=True)
        fig.text(0.66, y, value, fontsize=8.5, weight="bold")
        if note:
            fig.text(0.66, y - 0.013, note, fontsize=7, color="#666666")
        y -= 0.035
    return fig


def build_report(
    database: str,
    out_dir: str | Path,
    *,
    town: Town | None = None,
    truth: Truth | None = None,
    baseline: Truth | None = None,
    title: str | None = None,
) -> ReportFiles:
    """Write report.html, report.pdf, images and metrics.json for the run logged in `database`."""
    events = open_events(database)
    if not events:
        raise ReportError(f"the event log at {database} is empty")
    truth = truth if truth is not None else read_truth(database)
    return write_report(
        events, out_dir, town=town, truth=truth, baseline=baseline, title=title, source=database
    )


def write_report(
    events: list[Recorded],
    out_dir: str | Path,
    *,
    town: Town | None = None,
    truth: Truth | None = None,
    baseline: Truth | None = None,
    title: str | None = None,
    source: str = "",
) -> ReportFiles:
    """The report for a list of events (see `build_report`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if town is None and truth is not None and truth.pack and Path(truth.pack).exists():
        town = load_town(truth.pack)
    start = datetime.fromisoformat(truth.start) if truth is not None else events[0].recorded_at
    end = (
        start + timedelta(seconds=truth.duration_s) if truth is not None else events[-1].recorded_at
    )
    m = measure(events, start, truth, town=town)
    moments = key_moments(m, start, end)
    rp = replay(events, moments, state=state_fused_along(town))
    if truth is not None:
        rp.moments = [replace(mo, truth=_truth_at(truth, mo.at, start)) for mo in rp.moments]
    heading = title or (truth.scenario if truth is not None else "Magen after-action report")
    rows = metric_rows(m, baseline)
    images: list[Path] = []
    minutes = (end - start).total_seconds() / 60.0
    with PdfPages(out / "report.pdf") as pdf:
        pdf.savefig(_summary_page(heading, rows))
        if town is not None:
            canvas = figures.TownCanvas(town)
            for i, mo in enumerate(rp.moments):
                images.append(
                    _save(figures.map_figure(canvas, mo, start), out / f"map-{i + 1}.png", pdf)
                )
        images.append(
            _save(
                figures.reports_figure(rp.sightings_at, rp.sos_at, rp.alerts_at, start, minutes),
                out / "reports.png",
                pdf,
            )
        )
        images.append(_save(figures.count_figure(m), out / "count.png", pdf))
        images.append(_save(figures.response_figure(m), out / "response.png", pdf))
        if truth is not None:
            series = {truth.policy: (truth.sample_s, truth.exposure_person_min)}
            if baseline is not None:
                series[baseline.policy] = (baseline.sample_s, baseline.exposure_person_min)
            images.append(_save(figures.exposure_figure(series), out / "exposure.png", pdf))
    metrics_path = out / "metrics.json"
    metrics_path.write_text(json.dumps(m.as_dict(), indent=1, default=str), encoding="utf-8")
    page = _render_html(
        heading=heading,
        source=source,
        start=start,
        end=end,
        truth=truth,
        rows=rows,
        moments=rp.moments,
        images=images,
        timeline=[(e.at, e.text) for e in rp.timeline][:_TIMELINE_MAX],
        guidance=rp.guidance,
        start_events=len(events),
    )
    html_path = out / "report.html"
    html_path.write_text(page, encoding="utf-8")
    return ReportFiles(
        html=html_path, pdf=out / "report.pdf", images=tuple(images), metrics=metrics_path
    )


def _render_html(
    *,
    heading: str,
    source: str,
    start: datetime,
    end: datetime,
    truth: Truth | None,
    rows: list[tuple[str, str, str]],
    moments: list[Moment],
    images: list[Path],
    timeline: list[tuple[datetime, str]],
    guidance: list[tuple[datetime, str, dict[str, int]]],
    start_events: int,
) -> str:
    env = Environment(
        loader=PackageLoader("magen.report", "templates"), autoescape=select_autoescape()
    )
    names = [p.name for p in images]
    maps = [
        (mo, n) for mo, n in zip(moments, [n for n in names if n.startswith("map-")], strict=False)
    ]
    plots = [n for n in names if not n.startswith("map-")]

    def rel(at: datetime) -> str:
        return f"+{(at - start).total_seconds() / 60.0:.1f} min"

    guidance_rows = [
        (
            rel(at),
            zone,
            ", ".join(
                f"{k.replace('_', ' ')} {v}"
                for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
            ),
        )
        for at, zone, counts in guidance[:_GUIDANCE_MAX]
    ]
    context: dict[str, Any] = {
        "heading": heading,
        "source": source,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "truth": truth,
        "rows": rows,
        "maps": [(mo.title, rel(mo.at), n) for mo, n in maps],
        "plots": plots,
        "timeline": [(rel(at), figures.clock_time(at, start), text) for at, text in timeline],
        "guidance": guidance_rows,
        "guidance_more": max(0, len(guidance) - _GUIDANCE_MAX),
        "events": start_events,
        "escape": html.escape,
    }
    return env.get_template("report.html").render(**context)
