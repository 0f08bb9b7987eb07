"""Fusion judged against generated ground truth: attackers walking the real streets of Baka.

Five groups (some arrive by car, then go on foot) work their own parts of the Baka clip for
half an hour; residents and responders report them with noise in place (20-60 m by tier, 5 %
off by 120-250 m), time (typed 5-60 s later, 5 % arrive minutes late) and count (under-
counts, exaggeration, no number), duplicates and repeat reporters; 5 % of reports are false
and one anonymous source floods a place where nobody is with 150 reports of 20-40 attackers.
The picture is judged every five minutes from minute 15 over eight seeds.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest

from magen.picture.fusion import Fuser, FusionConfig
from magen.picture.metric import Metric, town_metric
from magen.picture.synthetic import Evaluation, ScenarioSpec, evaluate, generate, town_streets
from support.bakapack import baka_town

SEEDS = range(8)
CHECKPOINTS = (900.0, 1200.0, 1500.0, 1800.0)


@cache
def _scenarios() -> tuple[object, ...]:
    streets = town_streets(baka_town())
    return tuple(generate(np.random.default_rng(seed), streets, ScenarioSpec()) for seed in SEEDS)


def _judge(config: FusionConfig, metric: Metric | None) -> list[Evaluation]:
    out = []
    for scenario in _scenarios():
        fuser = Fuser(config, metric=metric)
        k = 0
        sightings = scenario.sightings  # type: ignore[attr-defined]
        for mark in CHECKPOINTS:
            while k < len(sightings) and sightings[k].arrival_s <= mark:
                fuser.ingest(sightings[k].report)
                k += 1
            out.append(evaluate(scenario, fuser, k, scenario.at(mark)))  # type: ignore[arg-type, attr-defined]
    return out


@pytest.mark.parametrize("streets", [False, True], ids=["straight-line", "street-distance"])
def test_fusion_finds_the_groups_and_counts_them(streets: bool) -> None:
    metric = town_metric(baka_town()) if streets else None
    judged = _judge(FusionConfig(), metric)
    precision = float(np.mean([e.precision for e in judged]))
    recall = float(np.mean([e.recall for e in judged]))
    count_error = float(np.mean([e.count_error for e in judged]))
    assert all(e.groups >= 4 for e in judged)  # the groups were reported by three or more
    assert precision >= 0.9, precision
    assert recall >= 0.9, recall
    assert count_error <= 0.2, count_error


def test_the_flooding_source_never_makes_a_credible_track() -> None:
    judged = _judge(FusionConfig(), None)
    assert sum(e.flood_tracks for e in judged) > 0  # the flood did make tracks
    assert sum(e.flood_credible for e in judged) == 0


@pytest.mark.parametrize(
    ("change", "worse"),
    [
        # Every sighting its own track: nobody's group is ever found.
        ({"new_track_cost": 6.0}, "recall"),
        # Quick to start tracks and never merging twins: one group shows as several.
        ({"new_track_cost": 10.0, "coalesce_chi2": 0.0}, "precision"),
        # Everything within reach joins whatever track is near: groups vanish into others.
        ({"new_track_cost": 40.0, "gate_chi2": 1e6, "on_foot": FusionConfig().vehicle}, "recall"),
    ],
)
def test_the_judgement_tells_a_bad_fusion_from_a_good_one(
    change: dict[str, object], worse: str
) -> None:
    bad = _judge(dataclasses.replace(FusionConfig(), **change), None)  # type: ignore[arg-type]
    assert float(np.mean([getattr(e, worse) for e in bad])) < 0.9
