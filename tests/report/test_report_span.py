"""The span a report measures and the clock it reads: a real log, not a simulated run.

On a real deployment the accounts, keys and hospitals are set up days before anything
happens. The report measures from the first official alert, sighting or SOS (or the span the
analyst asks for), and shows its times on the town's clock, as the pages people worked from
showed them, never on UTC.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from magen.cli import main
from magen.domain.alerts import AlertIssued
from magen.domain.base import Recorded
from magen.domain.reports import ThreatSighted
from magen.report import ReportError, write_report
from magen.report.build import first_operational, metric_rows, read_events, report_time
from magen.sim.metrics import Metrics
from magen.sim.runner import copy_log
from magen.web.times import town_zone
from sim.simkit import played
from support.bakapack import baka_pack

JERUSALEM = ZoneInfo("Asia/Jerusalem")
MONTH = timedelta(days=30)


def _events() -> list[Recorded]:
    return read_events(played("magen").log)


def _set_up_a_month_before(events: list[Recorded]) -> list[Recorded]:
    """The log as on a real deployment: what precedes the event recorded a month earlier."""
    found = first_operational(events)
    assert found is not None
    began = found[0]
    return [
        replace(r, recorded_at=r.recorded_at - MONTH) if r.recorded_at < began else r
        for r in events
    ]


def _metrics(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "metrics.json").read_text(encoding="utf-8")))


def test_a_log_set_up_a_month_before_is_measured_from_its_first_alert(tmp_path: Path) -> None:
    events = _events()
    real = _set_up_a_month_before(events)
    assert (real[-1].recorded_at - real[0].recorded_at) > MONTH
    write_report(events, tmp_path / "as-played", zone=JERUSALEM)
    write_report(real, tmp_path / "real", zone=JERUSALEM)
    as_played, measured = _metrics(tmp_path / "as-played"), _metrics(tmp_path / "real")
    # When the accounts were made changes nothing that is measured.
    assert measured == as_played
    assert measured["events_before_start"] > 0
    assert measured["events"] + measured["events_before_start"] == len(events)
    first_alert = next(r for r in events if isinstance(r.event, AlertIssued)).recorded_at
    first_seen = next(r for r in events if isinstance(r.event, ThreatSighted)).recorded_at
    assert measured["first_sighting_s"] == (first_seen - first_alert).total_seconds()
    # One sample a minute from the first alert to the last event: the morning, not a month.
    minutes = (events[-1].recorded_at - first_alert).total_seconds() / 60.0
    assert len(measured["count_t_s"]) <= minutes + 1
    html = (tmp_path / "real" / "report.html").read_text(encoding="utf-8")
    assert "First sighting (from the first official alert)" in html
    assert "earlier (accounts, keys, set-up) read for the state" in html


def test_times_are_on_the_towns_clock_and_say_which(tmp_path: Path) -> None:
    events = _set_up_a_month_before(_events())
    files = write_report(events, tmp_path, zone=JERUSALEM)
    html = files.html.read_text(encoding="utf-8")
    alert = next(r for r in events if isinstance(r.event, AlertIssued)).recorded_at
    local = alert.astimezone(JERUSALEM)
    hours = int((local.utcoffset() or timedelta(0)).total_seconds() // 3600)
    assert hours in (2, 3)
    stamp = f"{local:%H:%M} UTC+{hours}"
    assert re.search(rf"<td>\+0\.0 min</td><td>{re.escape(stamp)}</td><td>Official alert", html), (
        stamp
    )
    assert f"{local:%Y-%m-%d %H:%M:%S} UTC+{hours} (the first official alert)" in html
    assert "clock (Asia/Jerusalem)" in html
    assert " UTC</td>" not in html  # no line left on UTC
    # With no zone given, the town's clock (MAGEN_TIMEZONE) is the report's.
    again = write_report(events, tmp_path / "default")
    assert f"clock ({town_zone().key})" in again.html.read_text(encoding="utf-8")


def test_an_analyst_chooses_the_span(tmp_path: Path) -> None:
    events = _events()
    alert = next(r for r in events if isinstance(r.event, AlertIssued)).recorded_at
    start, end = alert + timedelta(minutes=5), alert + timedelta(minutes=10)
    files = write_report(events, tmp_path, start=start, end=end, zone=JERUSALEM)
    m = _metrics(tmp_path)
    within = [r for r in events if start <= r.recorded_at <= end]
    assert m["events"] == len(within)
    assert m["sightings"] == sum(isinstance(r.event, ThreatSighted) for r in within)
    assert m["events_before_start"] == sum(r.recorded_at < start for r in events)
    assert len(m["count_t_s"]) == 6  # minutes 0 to 5
    html = files.html.read_text(encoding="utf-8")
    assert "(the report&#39;s chosen start)" in html
    for rel in re.findall(r"<td>\+(-?[\d.]+) min</td>", html):
        assert 0.0 <= float(rel) <= 5.0
    with pytest.raises(ReportError, match="not after its start"):
        write_report(events, tmp_path / "x", start=end, end=start)


def test_a_simulated_run_is_reported_whole(tmp_path: Path) -> None:
    run = played("magen")
    with pytest.raises(ReportError, match="covers the whole run"):
        write_report(
            read_events(run.log),
            tmp_path,
            truth=run.truth,
            start=datetime.fromisoformat(run.truth.start),
        )


def test_times_without_a_zone_are_the_towns() -> None:
    assert report_time("2026-11-25T11:00").tzinfo is town_zone()
    assert report_time("2026-11-25T11:00Z").utcoffset() == timedelta(0)
    with pytest.raises(ReportError, match="not an ISO 8601 time"):
        report_time("yesterday")


def test_magen_report_from_until(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = _events()
    db = str(tmp_path / "real.db")
    asyncio.run(copy_log(played("magen").log, db))  # a log with no simulator's truth beside it
    alert = next(r for r in events if isinstance(r.event, AlertIssued)).recorded_at
    out = tmp_path / "report"
    span = ["--from", (alert + timedelta(minutes=2)).isoformat(), "--until"]
    assert main(["report", "--db", db, "--out", str(out), *span, alert.isoformat()]) == 2
    assert "not after its start" in capsys.readouterr().err
    until = (alert + timedelta(minutes=8)).isoformat()
    assert main(["report", "--db", db, "--out", str(out), *span, until]) == 0
    assert len(_metrics(out)["count_t_s"]) == 7
    assert main(["report", "--db", db, "--out", str(out), "--from", "noon"]) == 2
    assert "not an ISO 8601 time" in capsys.readouterr().err


def test_a_median_of_calls_that_joined_attended_people_says_so() -> None:
    m = Metrics(sos_raised=34, sos_assigned=34, sos_joined_attended=20)
    m.sos_to_assign_s = [0.0] * 20 + [10.0 + i for i in range(14)]
    m.sos_own_to_assign_s = [10.0 + i for i in range(14)]
    m.sos_to_assign_median_s = 0.0
    m.incidents, m.incidents_assigned, m.incident_to_assign_median_s = 14, 14, 29.0
    rows = {what: (value, note) for what, value, note in metric_rows(m, None)}
    value, note = rows["SOS to assignment, median (p90)"]
    assert value.startswith("16 s")  # 10..23 s: the 20 joined calls' 0 s left out
    assert "over the 14 calls that needed a responder of their own" in note
    value, note = rows["SOS calls already covered as they came in"]
    assert value == "20 of 34"
    assert "joined an incident a responder was already sent to" in note
    value, note = rows["Incident to its first assignment, median (p90)"]
    assert value.startswith("29 s")
    assert "14 of 14 incidents" in note
    plain = {w: n for w, _, n in metric_rows(Metrics(), None)}
    assert plain["SOS to assignment, median (p90)"] == "NFPA 1225: 60 s"


def test_a_real_days_report_draws_its_maps_on_the_servers_town(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log with no simulator's truth names no town: the server's (MAGEN_TOWN) draws the maps."""
    import magen.report
    import magen.report.build

    seen: dict[str, Any] = {}

    def write(events: list[Any], out: str, **kw: Any) -> Any:
        seen.update(kw)
        raise ReportError("stopped here: the town is what this test looks at")

    # `magen report` reads the log once (open_events) and writes from its events: a log of one
    # event stands in for a real day's, which has no simulator's truth beside it.
    monkeypatch.setattr(magen.report.build, "open_events", lambda db: [object()])
    monkeypatch.setattr(magen.report, "write_report", write)
    monkeypatch.setenv("MAGEN_TOWN", str(baka_pack()))
    assert main(["report", "--db", str(tmp_path / "x.db"), "--out", str(tmp_path / "r")]) == 2
    assert seen["town"] is not None
    assert "Baka" in seen["town"].name
    # A pack that is not there is said in one line, as the server would.
    monkeypatch.setenv("MAGEN_TOWN", str(tmp_path / "no-such.town"))
    seen.clear()
    assert main(["report", "--db", str(tmp_path / "x.db"), "--out", str(tmp_path / "r")]) == 2
    assert not seen
