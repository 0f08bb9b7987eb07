"""`magen sim ...` (check and run scenarios) and `magen report` (the after-action report)."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from magen.cli.common import fail, town_time
from magen.sim.scenario import SCENARIO_DIR, ScenarioError

DEFAULT_SCENARIO = "ofakim_baka"


def _cmd_check(args: argparse.Namespace) -> int:
    from magen.sim.scenario import load_scenario

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        return fail(str(exc))
    found = _town_of(scenario, args)
    if isinstance(found, str):
        return fail(found)
    pack, town = found
    print(
        f"{scenario.scenario.name}: {scenario.scenario.duration_min:g} min from "
        f"{scenario.start.isoformat()} on {town.name} ({pack}); {len(scenario.alerts)} alerts, "
        f"{scenario.true_attackers} attackers in {len(scenario.attackers)} groups, "
        f"{sum(r.count for r in scenario.responders)} responders"
    )
    return 0


def _town_of(scenario: Any, args: argparse.Namespace) -> tuple[Path, Any] | str:
    """The scenario's town pack and town, or what is wrong, named in the scenario file (a
    source it names that is missing, a point off the map, a shelter file the import refuses)."""
    from magen.geo.errors import TownImportError
    from magen.sim.scenario import in_file
    from magen.sim.town import scenario_town

    try:
        return scenario_town(scenario, Path(args.towns))
    except ScenarioError as exc:
        return in_file(str(exc), args.scenario)
    except TownImportError as exc:
        return in_file(f"town: {exc}", args.scenario)


def _cmd_list(args: argparse.Namespace) -> int:
    from magen.sim.scenario import load_scenario

    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        try:
            s = load_scenario(path)
            print(f"{path.stem:<20} {s.scenario.name} ({s.scenario.duration_min:g} min)")
        except ScenarioError as exc:
            print(f"{path.stem:<20} INVALID: {exc}")
    return 0


def _summary(m: Any, truth: Any) -> dict[str, Any]:
    return {
        "policy": truth.policy,
        "exposure_person_min": m.exposure_person_min,
        "first_track_s": m.first_track_s,
        "sos_to_assign_median_s": m.sos_to_assign_median_s,
        "sos_own_to_assign_median_s": m.sos_own_to_assign_median_s,
        "assign_to_arrival_median_s": m.assign_to_arrival_median_s,
        "count_error_final": m.count_error_final,
        "raw_overstatement_peak": m.raw_overstatement_peak,
        "casualties_true": m.casualties_true,
        "sightings": m.sightings,
        "events": m.events,
        "wall_s": truth.wall_s,
    }


def _cmd_run(args: argparse.Namespace) -> int:
    from magen.report import build_report
    from magen.report.build import read_events
    from magen.sim.metrics import measure
    from magen.sim.runner import POLICIES, Policy, run_headless, save_run
    from magen.sim.scenario import load_scenario

    if args.minutes is not None and not (0 < args.minutes < math.inf):
        return fail(f"--minutes: give a number of minutes above zero, not {args.minutes}")
    try:
        scenario = load_scenario(args.scenario)
        if args.minutes is not None:
            scenario = scenario.shortened(args.minutes)
    except ScenarioError as exc:
        return fail(str(exc))
    found = _town_of(scenario, args)
    if isinstance(found, str):
        return fail(found)
    pack, town = found
    policies: list[Policy] = list(POLICIES) if args.policy == "both" else [args.policy]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    truths = {}
    for policy in policies:
        print(
            f"playing {scenario.scenario.name} (seed {args.seed}), residents: {policy}...",
            flush=True,
        )
        result = asyncio.run(
            run_headless(scenario, seed=args.seed, policy=policy, pack=pack, town=town)
        )
        db = str(out / f"{policy}.db")
        asyncio.run(save_run(result, db))
        m = measure(read_events(result.log), scenario.start, result.truth, town=town)
        truths[policy] = result.truth
        print(json.dumps(_summary(m, result.truth)), flush=True)
        print(f"  log: {db}  truth: {db}.truth.json", flush=True)
    if args.report:
        for policy in policies:
            baseline = truths.get("alarm_only") if policy == "magen" else None
            files = build_report(
                str(out / f"{policy}.db"), out / f"report-{policy}", town=town, baseline=baseline
            )
            print(f"  report: {files.html}", flush=True)
    return 0


def _moment(at: datetime) -> str:
    """A time as the report's messages say it: on the town's clock, to the second."""
    from magen.town_clock import town_zone

    return at.astimezone(town_zone()).isoformat(timespec="seconds")


def _empty_window(
    events: list[Any], start: datetime | None, end: datetime | None, args: argparse.Namespace
) -> str | None:
    """What is wrong with a --from/--until span that holds none of the log's events, if so.

    None when the span holds some, when neither was given, or when it is no span at all
    (`report_window` says that one, naming the start and end it was given).
    """
    from magen.report.build import first_operational

    if start is None and end is None:
        return None
    first, last = events[0].recorded_at, events[-1].recorded_at
    held = f"the log's events run from {_moment(first)} to {_moment(last)}"
    if end is None and start is not None and start >= last:
        return f"the report's start ({args.start}) is not before the log's last event: {held}"
    if start is None and end is not None and end <= first:
        return f"the report's end ({args.end}) is not after the log's first event: {held}"
    found = first_operational(events)
    begin = start if start is not None else (found[0] if found else first)
    finish = end if end is not None else last
    if finish <= begin or any(begin <= r.recorded_at <= finish for r in events):
        return None
    span = f"from {_moment(begin)} to {_moment(finish)}"
    return f"no event of the log falls in the report's span ({span}): {held}"


def _cmd_report(args: argparse.Namespace) -> int:
    from magen.geo.errors import TownImportError
    from magen.geo.town import load_town
    from magen.report import ReportError, write_report
    from magen.report.build import open_events
    from magen.sim.truth import read_truth

    try:
        # The maps' town: the one named, else the server's (MAGEN_TOWN), as for a real day's log.
        pack = args.town or os.environ.get("MAGEN_TOWN") or None
        town = load_town(pack) if pack else None
        baseline = read_truth(args.baseline) if args.baseline else None
        if args.baseline and baseline is None:
            return fail(f"no simulation truth beside {args.baseline}")
        start = town_time(args.start) if args.start else None
        end = town_time(args.end) if args.end else None
        events = open_events(args.db)
        if not events:
            return fail(f"the event log at {args.db} is empty")
        truth = read_truth(args.db)
        # A span with none of the log's events in it is most often a mistyped date, year or
        # zone: its report would look like a quiet day. Refused unless asked for by name.
        problem = None if truth is not None else _empty_window(events, start, end, args)
        if problem is not None and not args.allow_empty:
            return fail(f"{problem}; check --from/--until, or pass --allow-empty to write it")
        if problem is not None:
            print(f"magen: warning: {problem}", file=sys.stderr, flush=True)
        files = write_report(
            events,
            args.out,
            town=town,
            truth=truth,
            baseline=baseline,
            source=args.db,
            start=start,
            end=end,
        )
    except (ReportError, TownImportError) as exc:
        return fail(str(exc))
    print(f"wrote {files.html} and {files.pdf} ({len(files.images)} images)")
    return 0


def register(sub: Any) -> None:
    """Add `magen sim` and `magen report` to the command line."""
    sim = sub.add_parser("sim", help="the attack simulator").add_subparsers(
        dest="sim_command", required=True
    )
    ls = sim.add_parser("list", help="the scenarios shipped with Magen")
    ls.set_defaults(run=_cmd_list)
    check = sim.add_parser("check", help="validate a scenario file against its town")
    check.add_argument(
        "scenario", nargs="?", default=DEFAULT_SCENARIO, help="a .toml file or a shipped name"
    )
    check.add_argument("--towns", default="var/towns", help="where built town packs are kept")
    check.set_defaults(run=_cmd_check)
    run = sim.add_parser("run", help="play a scenario headless against an in-process Magen")
    run.add_argument(
        "scenario", nargs="?", default=DEFAULT_SCENARIO, help="a .toml file or a shipped name"
    )
    run.add_argument("--seed", type=int, default=7)
    run.add_argument(
        "--policy",
        choices=["magen", "alarm_only", "alarm_in_time", "both"],
        default="both",
        help="the residents' rule; both = magen and alarm_only",
    )
    run.add_argument("--minutes", type=float, help="play only the first minutes")
    run.add_argument("--out", default="var/sim", help="folder for the logs, truths and reports")
    run.add_argument("--report", action="store_true", help="also write the after-action reports")
    run.add_argument("--towns", default="var/towns", help="where built town packs are kept")
    run.set_defaults(run=_cmd_run)

    report = sub.add_parser("report", help="write the after-action report of an event log")
    report.add_argument("--db", default="var/demo.db", help="SQLite path or database URL")
    report.add_argument(
        "--out", default="var/report", help="folder to write report.html and report.pdf"
    )
    report.add_argument(
        "--town", help="town pack for the maps (default: the one the run used, else MAGEN_TOWN)"
    )
    report.add_argument("--baseline", help="a baseline run's database, to compare exposure")
    report.add_argument(
        "--from",
        dest="start",
        metavar="TIME",
        help="start of the span to measure (ISO 8601; no zone: the town's clock, "
        "MAGEN_TIMEZONE); default: the first official alert, sighting or SOS",
    )
    report.add_argument(
        "--until",
        dest="end",
        metavar="TIME",
        help="end of the span (ISO 8601, as --from); default: the last event in the log",
    )
    report.add_argument(
        "--allow-empty",
        action="store_true",
        help="write the report even when --from/--until hold none of the log's events "
        "(else refused, naming the log's first and last event times)",
    )
    report.set_defaults(run=_cmd_report)
