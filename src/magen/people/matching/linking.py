"""The linking API: `fit_model`, `link` (`match` between two sets of records,
`find_duplicates` within one) and `best_links`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

import numpy as np

from magen.people.matching.evidence import _evidence, _weight_rows
from magen.people.matching.fitting import _fit, _total_weight, _with_prior
from magen.people.matching.model import DEFAULT_MODEL, Linkage, MatchCandidate, MatchModel
from magen.people.matching.pipeline import _run
from magen.people.matching.records import PersonRecord


@contextmanager
def _no_collection_pauses() -> Iterator[None]:
    """Hold off the cyclic garbage collector while linking.

    Linking builds millions of small tuples and dicts that live until it returns; each
    automatic collection walks all of them again (a third of the time at 100,000 reports).
    Reference counting still frees what is dropped; cycles wait for the collector, which
    runs as usual once linking is done.

    What linking keeps (the links and their evidence, the analyses of words kept for the
    next run) is then all in the youngest generation, for the first collection after to
    walk, and the next to walk again as it ages; one collection of both young generations
    here walks it once and settles it among the old objects.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(1)


@_no_collection_pauses()
def fit_model(
    records_a: Sequence[PersonRecord],
    records_b: Sequence[PersonRecord] | None = None,
    *,
    start: MatchModel = DEFAULT_MODEL,
    as_of: date | None = None,
    workers: int | None = None,
) -> MatchModel:
    """Estimate a model by EM over the candidate pairs (records_b None: within records_a).

    `workers` threads compare pairs (default: the cores this process may use)."""
    return _fit(_run(records_a, records_b, as_of, workers), start)


@_no_collection_pauses()
def link(
    records_a: Sequence[PersonRecord],
    records_b: Sequence[PersonRecord] | None = None,
    *,
    model: MatchModel | None = None,
    min_score: float = 0.5,
    as_of: date | None = None,
    workers: int | None = None,
) -> Linkage:
    """Score every blocked pair and return those at or above `min_score`, best first.

    With `records_b` None the records are compared among themselves (duplicates). Without a
    model, one is fitted on these records by EM when there are enough candidate pairs; a
    model without a prior gets one estimated for these records (`_population_prior`).
    `workers` threads compare pairs (default: the cores this process may use); the result
    does not depend on it.
    """
    run = _run(records_a, records_b, as_of, workers)
    model = _fit(run, DEFAULT_MODEL) if model is None else _with_prior(run, model)
    total = _total_weight(run.levels, model, run.detail.rarity)
    score = 1.0 / (1.0 + np.exp2(-np.clip(total, -60, 60)))
    keep = np.flatnonzero(score >= min_score)
    order = keep[np.lexsort((run.ib[keep], run.ia[keep], -score[keep]))]
    weights = _weight_rows(model)
    candidates = [
        MatchCandidate(
            a_id=run.a.records[int(run.ia[k])].id,
            b_id=run.b.records[int(run.ib[k])].id,
            score=float(score[k]),
            weight=float(total[k]),
            evidence=_evidence(run, int(k), weights),
        )
        for k in order
    ]
    return Linkage(candidates, len(run.ia), run.by_rule, model)


def match(
    records_a: Sequence[PersonRecord],
    records_b: Sequence[PersonRecord],
    *,
    model: MatchModel | None = None,
    min_score: float = 0.5,
    as_of: date | None = None,
) -> list[MatchCandidate]:
    """Candidate links between two sets of records, most likely first."""
    return link(records_a, records_b, model=model, min_score=min_score, as_of=as_of).candidates


def find_duplicates(
    records: Sequence[PersonRecord],
    *,
    model: MatchModel | None = None,
    min_score: float = 0.5,
    as_of: date | None = None,
) -> list[MatchCandidate]:
    """Pairs of records within one set that are likely the same person, most likely first."""
    return link(records, None, model=model, min_score=min_score, as_of=as_of).candidates


def best_links(candidates: Iterable[MatchCandidate]) -> list[MatchCandidate]:
    """Keep each `a_id`'s most likely candidate only (ties go to the smaller `b_id`)."""
    best: dict[str, MatchCandidate] = {}
    for c in candidates:
        held = best.get(c.a_id)
        if held is None or (c.score, held.b_id) > (held.score, c.b_id):
            best[c.a_id] = c
    return sorted(best.values(), key=lambda c: (-c.score, c.a_id))
