"""The after-action report: read the event log (and the simulator's truth), write HTML and PDF."""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from magen.app.codec import decode
from magen.domain.alerts import AlertIssued
from magen.domain.base import Recorded
from magen.domain.picture import state_fused_along
from magen.domain.reports import SosRaised, ThreatSighted
from magen.geo.town import Town, load_town
from magen.report import figures
from magen.report.replay import Moment, replay
from magen.sim.metrics import NFPA_1225_PROCESSING_S, Metrics, measure
from magen.sim.truth import Truth, read_truth
from magen.store.base import EventLog
from magen.town_clock import NotATime, parse_town_time, town_zone

_TIMELINE_MAX = 250
_GUIDANCE_MAX = 60
# What starts the day on a log with no simulator's truth: the first of these (accounts, keys
# and hospitals are set up days before and say nothing of when the event began).
_OPERATIONAL: dict[type, str] = {
    AlertIssued: "the first official alert",
    ThreatSighted: "the first sighting",
    SosRaised: "the first SOS",
}


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


@dataclass(frozen=True)
class Window:
    """The span a report measures, and the clock its times are read on."""

    start: datetime  # in `zone`
    end: datetime
    start_is: str  # what the start is, for the reader ("the first official alert")
    zone_name: str  # "Asia/Jerusalem", or "UTC+3" for a simulated run's place


def report_time(text: str) -> datetime:
    """A time given for the report's span: `parse_town_time`'s (the town's clock if no zone)."""
    try:
        return parse_town_time(text)
    except NotATime as exc:
        raise ReportError(str(exc)) from None


def first_operational(events: Sequence[Recorded]) -> tuple[datetime, str] | None:
    """When the event began: the first official alert, sighting or SOS, and which it was."""
    for r in events:
        what = _OPERATIONAL.get(type(r.event))
        if what is not None:
            return r.recorded_at, what
    return None


def report_window(
    events: Sequence[Recorded],
    truth: Truth | None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    zone: tzinfo | None = None,
) -> Window:
    """The span to measure and its clock.

    A simulated run (with its truth) covers the run, on its place's clock. Otherwise the
    report starts at `start`, else at the first official alert, sighting or SOS, and ends at
    `end`, else at the last event; its times are on `zone`, else the town's clock
    (MAGEN_TIMEZONE), as the pages people used during the event showed them.
    """
    for name, when in (("start", start), ("end", end)):
        if when is not None and when.tzinfo is None:
            raise ReportError(f"give the report's {name} with its time zone")
    if truth is not None:
        if start is not None or end is not None:
            raise ReportError(
                "a simulated run's report covers the whole run: it is measured against the "
                "simulator's truth, from the scenario's start"
            )
        begin = datetime.fromisoformat(truth.start)
        clock = begin.tzinfo or zone or town_zone()
        return Window(
            start=begin,
            end=begin + timedelta(seconds=truth.duration_s),
            start_is="the scenario's start",
            zone_name=figures.zone_name(clock, begin),
        )
    clock = zone or town_zone()
    if start is not None:
        begin, start_is = start, "the report's chosen start"
    else:
        found = first_operational(events)
        begin, start_is = found or (events[0].recorded_at, "the first event in the log")
    finish = end if end is not None else max(events[-1].recorded_at, begin)
    if finish < begin or (finish == begin and (start is not None or end is not None)):
        raise ReportError(
            f"the report's end ({finish.isoformat()}) is not after its start ({begin.isoformat()})"
        )
    return Window(
        start=begin.astimezone(clock),
        end=finish.astimezone(clock),
        start_is=start_is,
        zone_name=figures.zone_name(clock, begin),
    )


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


def metric_rows(
    m: Metrics, baseline: Truth | None, *, start_is: str = "the start"
) -> list[tuple[str, str, str]]:
    """The measures as (what, value, note) rows (`start_is`: what the times count from)."""
    own = own_assignments(m)
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
        (f"First sighting (from {start_is})", _fmt(m.first_sighting_s, " s"), ""),
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
            f"{_fmt(own.median_s, ' s')} ({_fmt(own.p90_s, ' s')})",
            _own_note(own),
        ),
        (
            "SOS calls already covered as they came in",
            f"{own.joined} of {m.sos_assigned}" if m.sos_assigned else "none",
            "joined an incident a responder was already sent to; not in the times above",
        ),
        (
            "Incident to its first assignment, median (p90)",
            f"{_fmt(m.incident_to_assign_median_s, ' s')} "
            f"({_fmt(m.incident_to_assign_p90_s, ' s')})",
            f"{m.incidents_assigned} of {m.incidents} incidents; its first SOS to the first "
            f"responder sent; NFPA 1225: {NFPA_1225_PROCESSING_S:.0f} s",
        ),
        (
            f"SOS assigned within {NFPA_1225_PROCESSING_S:.0f} s",
            _fmt(None if own.within_share is None else 100 * own.within_share, " %"),
            "of the calls that needed a responder of their own",
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
        (
            "Events measured",
            f"{m.events:,}",
            f"and {m.events_before_start:,} earlier (accounts, keys, set-up) read for the state"
            if m.events_before_start
            else "",
        ),
    ]
    return rows


@dataclass(frozen=True)
class OwnAssignments:
    """SOS to assignment over the calls that needed a responder of their own.

    A call that joins an incident a responder is already sent to is covered as it arrives,
    and the measure counts it as 0 s: in the shipped scenario most calls are such, and a
    median over all calls said 0 s while every call that needed a responder waited for one.
    Those calls are counted apart (`joined`), not in the times.
    """

    times_s: tuple[float, ...]
    joined: int

    @property
    def median_s(self) -> float | None:
        return float(np.median(self.times_s)) if self.times_s else None

    @property
    def p90_s(self) -> float | None:
        return float(np.percentile(self.times_s, 90)) if self.times_s else None

    @property
    def within_share(self) -> float | None:
        if not self.times_s:
            return None
        return sum(1 for t in self.times_s if t <= NFPA_1225_PROCESSING_S) / len(self.times_s)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sos_own_assigned": len(self.times_s),
            "sos_own_to_assign_median_s": self.median_s,
            "sos_own_to_assign_p90_s": self.p90_s,
            "sos_own_within_nfpa_share": self.within_share,
        }


def own_assignments(m: Metrics) -> OwnAssignments:
    """The calls' times to assignment without those that joined attended people (each 0 s),
    as the metrics measure them (`Metrics.sos_own_to_assign_s`)."""
    return OwnAssignments(times_s=tuple(m.sos_own_to_assign_s), joined=m.sos_joined_attended)


def _own_note(own: OwnAssignments) -> str:
    nfpa = f"NFPA 1225: {NFPA_1225_PROCESSING_S:.0f} s"
    if not own.times_s:
        return nfpa
    return f"over the {len(own.times_s)} calls that needed a responder of their own; {nfpa}"


def _save(fig: Figure, path: Path, pdf: PdfPages) -> Path:
    fig.savefig(path, format="png")
    pdf.savefig(fig)  # type: ignore[no-untyped-call]
    return path


def _summary_page(title: str, span: str, rows: list[tuple[str, str, str]]) -> Figure:
    fig = Figure(figsize=(8.27, 11.69), dpi=100)
    fig.text(0.06, 0.95, title, fontsize=15, weight="bold")
    fig.text(0.06, 0.93, span, fontsize=8, color="#444444", wrap=True)
    y = 0.89
    for what, value, note in rows:
        fig.text(0.06, y, what, fontsize=8.5, wrap=True)
        fig.text(0.66, y, value, fontsize=8.5, weight="bold")
        if note:  # wrapped downwards, at the page's edge; a long one gets the room it needs
            fig.text(0.66, y - 0.006, note, fontsize=7, color="#666666", va="top", wrap=True)
        y -= 0.035 + (0.012 if len(note) > 50 else 0.0)
    return fig


def _span_text(w: Window) -> str:
    """The report's span for its reader, on its clock."""
    return (
        f"From {_stamp(w.start)} ({w.start_is}) to {_stamp(w.end)}. "
        f"Times are on the clock of {w.zone_name}."
    )


def _stamp(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S} {figures.offset_label(at)}"


def build_report(
    database: str,
    out_dir: str | Path,
    *,
    town: Town | None = None,
    truth: Truth | None = None,
    baseline: Truth | None = None,
    title: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    zone: tzinfo | None = None,
) -> ReportFiles:
    """Write report.html, report.pdf, images and metrics.json for the run logged in `database`.

    A log with no simulator's truth is measured from `start`, else from its first official
    alert, sighting or SOS, up to `end`, else its last event, with times on `zone`, else the
    town's clock (MAGEN_TIMEZONE); see `report_window`.
    """
    events = open_events(database)
    if not events:
        raise ReportError(f"the event log at {database} is empty")
    truth = truth if truth is not None else read_truth(database)
    return write_report(
        events,
        out_dir,
        town=town,
        truth=truth,
        baseline=baseline,
        title=title,
        source=database,
        start=start,
        end=end,
        zone=zone,
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
    start: datetime | None = None,
    end: datetime | None = None,
    zone: tzinfo | None = None,
) -> ReportFiles:
    """The report for a list of events (see `build_report`)."""
    if not events:
        raise ReportError("there are no events to report")
    window = report_window(events, truth, start=start, end=end, zone=zone)
    start, end = window.start, window.end
    events = [r for r in events if r.recorded_at <= end]  # the state as it stood at the end
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if town is None and truth is not None and truth.pack and Path(truth.pack).exists():
        town = load_town(truth.pack)
    m = measure(events, start, truth, town=town)
    moments = key_moments(m, start, end)
    rp = replay(events, moments, state=state_fused_along(town), town=town)
    if truth is not None:
        rp.moments = [replace(mo, truth=_truth_at(truth, mo.at, start)) for mo in rp.moments]
    heading = title or (truth.scenario if truth is not None else "Magen after-action report")
    rows = metric_rows(m, baseline, start_is=window.start_is)
    images: list[Path] = []
    minutes = (end - start).total_seconds() / 60.0
    since = figures.clock_time(start, start)
    with PdfPages(out / "report.pdf") as pdf:
        pdf.savefig(_summary_page(heading, _span_text(window), rows))
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
        images.append(_save(figures.count_figure(m, since=since), out / "count.png", pdf))
        images.append(_save(figures.response_figure(m), out / "response.png", pdf))
        if truth is not None:
            series = {truth.policy: (truth.sample_s, truth.exposure_person_min)}
            if baseline is not None:
                series[baseline.policy] = (baseline.sample_s, baseline.exposure_person_min)
            images.append(
                _save(figures.exposure_figure(series, since=since), out / "exposure.png", pdf)
            )
    metrics_path = out / "metrics.json"
    measured = {**m.as_dict(), **own_assignments(m).as_dict()}
    metrics_path.write_text(json.dumps(measured, indent=1, default=str), encoding="utf-8")
    page = _render_html(
        heading=heading,
        source=source,
        window=window,
        truth=truth,
        rows=rows,
        moments=rp.moments,
        images=images,
        timeline=[(e.at, e.text) for e in rp.timeline if e.at >= start][:_TIMELINE_MAX],
        guidance=[g for g in rp.guidance if g[0] >= start],
        events=m.events,
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
    window: Window,
    truth: Truth | None,
    rows: list[tuple[str, str, str]],
    moments: list[Moment],
    images: list[Path],
    timeline: list[tuple[datetime, str]],
    guidance: list[tuple[datetime, str, dict[str, int]]],
    events: int,
) -> str:
    env = Environment(
        loader=PackageLoader("magen.report", "templates"), autoescape=select_autoescape()
    )
    start = window.start
    names = [p.name for p in images]
    maps = [
        (mo, n) for mo, n in zip(moments, [n for n in names if n.startswith("map-")], strict=False)
    ]
    plots = [n for n in names if not n.startswith("map-")]

    def rel(at: datetime) -> str:
        return f"+{(at - start).total_seconds() / 60.0:.1f} min"

    def when(at: datetime) -> str:
        return f"{rel(at)} ({figures.clock_time(at, start)})"

    guidance_rows = [
        (
            rel(at),
            figures.clock_time(at, start),
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
        "start": _stamp(window.start),
        "end": _stamp(window.end),
        "start_is": window.start_is,
        "zone": window.zone_name,
        "truth": truth,
        "rows": rows,
        "maps": [(mo.title, when(mo.at), n) for mo, n in maps],
        "plots": plots,
        "timeline": [(rel(at), figures.clock_time(at, start), text) for at, text in timeline],
        "guidance": guidance_rows,
        "guidance_more": max(0, len(guidance) - _GUIDANCE_MAX),
        "events": events,
        "escape": html.escape,
    }
    return env.get_template("report.html").render(**context)
