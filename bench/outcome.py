"""Outcome: the Ofakim-like scenario with Magen's guidance against the alarm-only baseline.

Both runs play the same scenario with the same seed headless against an in-process Magen,
through its HTTP API; the only difference is the residents' rule: ask Magen's guidance where
they stand and follow it, or go to the nearest public shelter on every siren. The attackers'
paths, the reporting, the responders and the operators follow the same seeded streams.

Goals (issue 7): exposure reduced by at least 80 %, the first confirmed track at most 60 s
after the first sighting, and a median SOS-to-assignment of at most 60 s (NFPA 1225's call
processing target). Two readings of the last are printed: per SOS (a call that joins an
incident someone is already assigned to counts as covered on arrival) and per incident (its
first SOS to its first assignment, NFPA 1225's own unit: call answered to the first unit
dispatched), with the incident's time split into the console showing it, waiting for a free
responder able to go, and the dispatcher accepting the recommendation.

    .venv/bin/python bench/outcome.py [--seed 7] [--seeds 1] [--minutes 120] [--scenario NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

from magen.report.build import read_events
from magen.sim.metrics import Metrics, measure
from magen.sim.runner import run_headless
from magen.sim.scenario import load_scenario
from magen.sim.town import scenario_town

# The third rule is a reference: shelter only if reachable in time, as the Home Front Command
# instructs, but without Magen's picture of the ground threat.
POLICIES_ALL = ("magen", "alarm_only", "alarm_in_time")
GOAL_REDUCTION = 0.80
GOAL_FIRST_TRACK_S = 60.0
GOAL_SOS_TO_ASSIGN_S = 60.0


def _run(scenario: Any, pack: Path, town: Any, seed: int, policy: str) -> tuple[Metrics, float]:
    started = time.perf_counter()
    result = asyncio.run(run_headless(scenario, seed=seed, policy=policy, pack=pack, town=town))  # type: ignore[arg-type]
    wall = time.perf_counter() - started
    return measure(read_events(result.log), scenario.start, result.truth, town=town), wall


def _fmt(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/outcome.py", description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="ofakim_baka")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--seeds", type=int, default=1, help="run this many seeds from --seed")
    parser.add_argument("--minutes", type=float, help="play only the first minutes")
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="skip the third run (the official time rule without Magen)",
    )
    args = parser.parse_args(argv)

    scenario = load_scenario(args.scenario)
    if args.minutes:
        scenario = scenario.shortened(args.minutes)
    pack, town = scenario_town(scenario)
    rows = []
    print(f"{scenario.scenario.name}: {scenario.scenario.duration_min:g} min, {args.seeds} seed(s)")
    header = (
        f"{'seed':>5} {'policy':<13} {'exposure':>10} {'hurt':>5} {'first track':>12} "
        f"{'SOS->assign':>12} {'inc->assign':>12} {'assign->arr':>12} {'count err':>10} "
        f"{'raw x':>6} {'wall s':>7}"
    )
    print(header)
    for seed in range(args.seed, args.seed + args.seeds):
        pair: dict[str, Metrics] = {}
        policies = ("magen", "alarm_only") if args.no_reference else POLICIES_ALL
        for policy in policies:
            m, wall = _run(scenario, pack, town, seed, policy)
            pair[policy] = m
            cells = [
                f"{seed:>5} {policy:<13} {_fmt(m.exposure_person_min):>10}",
                f"{m.casualties_true or 0:>5} {_fmt(m.first_track_s, 0):>12}",
                f"{_fmt(m.sos_to_assign_median_s, 0):>12}",
                f"{_fmt(m.incident_to_assign_median_s, 0):>12}",
                f"{_fmt(m.assign_to_arrival_median_s, 0):>12}",
                f"{_fmt(m.count_error_final, 2):>10} {_fmt(m.raw_overstatement_peak):>6}",
                f"{wall:>7.1f}",
            ]
            print(" ".join(cells), flush=True)
        rows.append(pair)

    def mean(key: str, policy: str = "magen") -> float | None:
        values = [getattr(p[policy], key) for p in rows if getattr(p[policy], key) is not None]
        return statistics.fmean(values) if values else None

    exposure_magen = mean("exposure_person_min") or 0.0
    exposure_baseline = mean("exposure_person_min", "alarm_only") or 0.0
    reduction = 1.0 - exposure_magen / exposure_baseline if exposure_baseline > 0 else None
    exposure_in_time = (
        mean("exposure_person_min", "alarm_in_time") if not args.no_reference else None
    )
    first_track = mean("first_track_s")
    sos_median = mean("sos_to_assign_median_s")
    incident_median = mean("incident_to_assign_median_s")
    summary = {
        "scenario": args.scenario,
        "seeds": list(range(args.seed, args.seed + args.seeds)),
        "minutes": scenario.scenario.duration_min,
        "exposure_magen": round(exposure_magen, 1),
        "exposure_baseline": round(exposure_baseline, 1),
        "exposure_reduction": None if reduction is None else round(reduction, 4),
        "exposure_in_time_rule": _round(exposure_in_time),
        "exposure_reduction_vs_in_time_rule": (
            round(1.0 - exposure_magen / exposure_in_time, 4) if exposure_in_time else None
        ),
        "first_track_s": None if first_track is None else round(first_track, 1),
        "sos_to_assign_median_s": None if sos_median is None else round(sos_median, 1),
        "sos_within_60s_share": _round(mean("sos_within_nfpa_share"), 3),
        "sos_joined_attended": _round(mean("sos_joined_attended")),
        # Over the calls that needed an assignment of their own (the median above counts a call
        # covered on arrival as 0 s).
        "sos_own_to_assign_median_s": _round(mean("sos_own_to_assign_median_s")),
        "incident_to_assign_median_s": _round(incident_median),
        "incident_within_60s_share": _round(mean("incident_within_nfpa_share"), 3),
        "incident_shown_median_s": _round(mean("incident_shown_median_s")),
        "incident_waiting_median_s": _round(mean("incident_waiting_median_s")),
        "incident_processing_median_s": _round(mean("incident_processing_median_s")),
        "dispatch_processing_median_s": _round(mean("processing_median_s")),
        "assign_to_arrival_median_s": _round(mean("assign_to_arrival_median_s")),
        "count_error_final": _round(mean("count_error_final"), 3),
        "count_error_mean": _round(mean("count_error_mean"), 3),
        "raw_overstatement_peak": _round(mean("raw_overstatement_peak")),
        "casualties_magen": _round(mean("casualties_true")),
        "casualties_baseline": _round(mean("casualties_true", "alarm_only")),
        "casualties_in_time_rule": (
            None if args.no_reference else _round(mean("casualties_true", "alarm_in_time"))
        ),
        "goals": {
            "exposure_reduction_ge_0.8": reduction is not None and reduction >= GOAL_REDUCTION,
            "first_track_le_60s": first_track is not None and first_track <= GOAL_FIRST_TRACK_S,
            "sos_to_assign_median_le_60s": sos_median is not None
            and sos_median <= GOAL_SOS_TO_ASSIGN_S,
            "incident_to_assign_median_le_60s": incident_median is not None
            and incident_median <= GOAL_SOS_TO_ASSIGN_S,
        },
    }
    print(
        f"exposure {exposure_magen:,.0f} vs {exposure_baseline:,.0f} person-minutes: "
        f"{'-' if reduction is None else f'{100 * reduction:.1f} %'} less with Magen"
    )
    print(json.dumps(summary))
    return 0


def _round(x: float | None, digits: int = 1) -> float | None:
    return None if x is None else round(x, digits)


if __name__ == "__main__":
    raise SystemExit(main())
