"""Linking people: duplicate reports pooled, each record one person (`link_people`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from magen.people.matching.arrays import FloatArray, IntArray, Levels, _distinct
from magen.people.matching.evidence import _evidence, _weight_rows, _WeightRows, _weights
from magen.people.matching.fitting import (
    _EM_ITERATIONS,
    _MIN_SESSION_PAIRS,
    _SMOOTHING,
    _fit,
    _log_bayes,
    _log_odds,
    _patterns,
    _prior_of,
    _rows,
    _total_weight,
    _with_prior,
)
from magen.people.matching.levels import _levels
from magen.people.matching.linking import _no_collection_pauses
from magen.people.matching.model import (
    _N_COMPARISONS,
    _NAME,
    _NULL,
    _PLACE,
    _TIME,
    COMPARISONS,
    DEFAULT_MODEL,
    NO_OTHER_REPORT,
    SAME_AS_REPORT,
    Evidence,
    MatchCandidate,
    MatchModel,
)
from magen.people.matching.pipeline import _Run, _run
from magen.people.matching.records import PersonRecord

# Candidate pairs this likely or more are kept for linking people (a report's own evidence
# may be weak while its duplicate's is strong).
_PERSON_MIN_SCORE = 0.01
# Of each record's candidate reports, this many of the likeliest are compared with each
# other to find duplicates (bounds the work where a common name draws many reports).
_DUPLICATE_CANDIDATES = 8
# Reports that could be one record's person are taken as one person at or above this
# posterior log2 odds of being the same person (0: more likely than not).
_DUPLICATE_LOG_ODDS = 3.0
# A report whose likeliest record is already linked to another person's reports joins them
# unless the two are this unlikely to be the same person (log2 odds): a record is one
# person, so a clearly different person (another birth date, a different given name) is a
# namesake and is kept apart.
_SAME_RECORD_LOG_ODDS = -2.0
# A report left out joins the reports linked to one of its candidate records at or above
# these log2 odds of being their person: a lower bar than for grouping reports blind, as
# the record already stands for one person the report could be (chosen on generated
# populations of 20,000 and 100,000 reports).
_JOIN_LOG_ODDS = 1.5
# Without enough competing reports to learn from, duplicates are judged by the linking
# model's weights with this bar (log2 Bayes factor): those weights were fitted for
# report-to-record pairs and overstate what two relatives' reports about namesakes (same
# family and father's name) share, hence the height.
_DUPLICATE_WEIGHT = 18.0


@dataclass(frozen=True, slots=True)
class PersonLink:
    """A record linked to every report about its person, each link explained.

    `candidates` holds one candidate per report, the report with the strongest evidence
    first; all carry the person's pooled score.
    """

    record_id: str
    report_ids: tuple[str, ...]
    score: float
    candidates: tuple[MatchCandidate, ...]


@dataclass(frozen=True, slots=True)
class PersonLinkage:
    """Links person by person, with how many report-record pairs were compared and the model."""

    links: list[PersonLink]
    comparisons: int
    model: MatchModel


class _Groups:
    """Union-find over report indices."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)


_Judge = Callable[[IntArray, IntArray], FloatArray]


def _competing_reports(run: _Run, keep: IntArray, score: FloatArray) -> tuple[IntArray, IntArray]:
    """Pairs (i < j, in order) of reports among the likeliest few of one record."""
    # Each record's reports, likeliest first (ties to the smaller report).
    order = keep[np.lexsort((run.ia[keep], -score[keep], run.ib[keep]))]
    records, reports = run.ib[order], run.ia[order]
    starts = np.flatnonzero(np.r_[True, records[1:] != records[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    rank = np.arange(len(order)) - np.repeat(starts, sizes)
    top = np.repeat(np.minimum(sizes, _DUPLICATE_CANDIDATES), sizes)
    # Each report with every one ranked `step` places below it, both among the top few.
    partners = [np.flatnonzero(rank + step < top) for step in range(1, _DUPLICATE_CANDIDATES)]
    at = np.concatenate(partners)
    step = np.repeat(np.arange(1, _DUPLICATE_CANDIDATES), [len(p) for p in partners])
    x, y = reports[at], reports[at + step]
    n = max(len(run.a.records), 1)
    pairs = _distinct(np.minimum(x, y) * n + np.maximum(x, y))
    return pairs // n, pairs % n


def _duplicate_pairs(
    run: _Run, keep: IntArray, score: FloatArray, model: MatchModel
) -> tuple[IntArray, IntArray, FloatArray, _Judge]:
    """Reports that are candidates for one record, compared with each other.

    Returns the pairs (i, j), the posterior log2 odds that each is one person, and the
    judge that gave them, for other pairs of reports. These
    pairs are a mixture of one person's several reports and of namesakes competing for a
    record, so u is fitted by EM on them: it must describe the namesakes, who share a name
    far more often than random reports do.
    """
    pi, pj = _competing_reports(run, keep, score)
    if len(pi) < _MIN_SESSION_PAIRS:

        def judge(xs: IntArray, ys: IntArray) -> FloatArray:
            found, found_detail = _levels(run.a, run.a, xs, ys, run.parts, workers=run.workers)
            return _log_bayes(found, model.weights()) + found_detail.rarity - _DUPLICATE_WEIGHT

        return pi, pj, judge(pi, pj), judge
    levels, _ = _levels(run.a, run.a, pi, pj, run.parts, workers=run.workers)
    duplicates = _em_namesakes(levels, model, 0.1)

    def judge_fitted(xs: IntArray, ys: IntArray) -> FloatArray:
        found, _ = _levels(run.a, run.a, xs, ys, run.parts, workers=run.workers)
        return _total_weight(found, duplicates)

    return pi, pj, _total_weight(levels, duplicates), judge_fitted


def _em_namesakes(levels: Levels, start: MatchModel, prior: float) -> MatchModel:
    """EM for u and the match share among pairs that are not random, m held at `start`.

    Left free, m and u of a two-class mixture wander off to another split of these pairs
    (households, ages); held, m anchors the class of one person's reports.
    """
    pat, count = _patterns(levels)
    alpha = max(1.0, _SMOOTHING * float(count.sum()))
    m, u = start.m, start.u
    weights = MatchModel(m, u, prior).weights()
    for _ in range(_EM_ITERATIONS):
        log_odds = _log_odds(prior) + _log_bayes(pat, weights)
        p = 1.0 / (1.0 + np.exp2(-np.clip(log_odds, -60, 60)))
        new_prior = float(np.clip(np.sum(count * p) / count.sum(), 1e-6, 1 - 1e-6))
        u = _rows(pat, count * (1 - p), start.u, alpha)
        m = _rows(pat, count * p, start.m, alpha, _OWN_M)
        new_weights = MatchModel(m, u, new_prior).weights()
        shift = max(float(np.abs(new_weights - weights).max()), abs(new_prior - prior))
        prior, weights = new_prior, new_weights
        if shift < 1e-6:
            break
    return MatchModel(m, u, prior)


# Comparisons whose m for two reports of one person is not a report and record's: where and
# when a person was last seen, told twice, against where and when they were found.
_OWN_M = (_PLACE, _TIME)


# The share of records with a matching report is taken as at most this (a bound on the
# estimate, which divides out one person's several reports only as far as their
# probabilities tell).
_MAX_RECORD_MATCHED = 0.9
# Smaller log2 adjustments are left out of a link's explanation.
_SHOWN_WEIGHT = 0.05


def _lone_candidates(run: _Run, total: FloatArray, model: MatchModel) -> FloatArray:
    """Each pair's log2 odds, raised where the record has no other likely candidate.

    A record is one person, who has a report with probability rho. If report i is the
    record's match, no other is, so its posterior odds are odds_i / (1 - rho + the sum of the
    other candidates' odds) rather than odds_i: a lone candidate's odds rise by up to
    1 / (1 - rho). Odds are never lowered here: the other candidates may be the same person's
    duplicate reports, and a record that several persons compete for is settled when persons
    are paired with records.

    The fitted prior times the number of reports is how many reports a record matches on
    average: a person with a report has one to a few, so rho is that over how many reports
    a matched record has, estimated as its candidates' summed probability over the likeliest
    one's (`_reports_per_match`). On a generated population of 100,000 x 20,000 that puts rho
    at 0.73, where it is 0.80; taking reports to come one per person (a Poisson share of the
    prior times the reports) had put it at 0.68, and F1 was 0.0003-0.0005 lower.
    """
    if len(total) == 0:
        return total
    odds = np.exp2(np.clip(total, -60, 60))
    expected = _prior_of(model) * len(run.a.records)
    rho = min(_MAX_RECORD_MATCHED, expected / _reports_per_match(run.ib, odds, len(run.b.records)))
    if rho <= 0:
        return total
    others = np.bincount(run.ib, weights=odds, minlength=len(run.b.records))[run.ib] - odds
    alone = np.log2(odds / (1.0 - rho + np.maximum(others, 0.0)))
    return np.maximum(total, alone)


def _reports_per_match(records: IntArray, odds: FloatArray, n: int) -> float:
    """How many reports a record with a matching person has, estimated from its candidates
    (pairs' records and odds): their summed probability over the likeliest one's, over all
    records (1 when nothing is likely)."""
    p = odds / (1.0 + odds)
    best = np.zeros(n)
    np.maximum.at(best, records, p)
    likeliest = float(best.sum())
    return max(1.0, float(p.sum()) / likeliest) if likeliest > 0 else 1.0


@_no_collection_pauses()
def link_people(
    reports: Sequence[PersonRecord],
    records: Sequence[PersonRecord],
    *,
    model: MatchModel | None = None,
    min_score: float = 0.5,
    as_of: date | None = None,
    workers: int | None = None,
) -> PersonLinkage:
    """Link reports to records person by person, most likely first.

    Reports that are likely duplicates of each other (among those that could be the same
    record) are taken as one person, whose evidence is pooled: the best report's comparisons,
    with what it leaves unknown (a birth date, a description) taken from the others. A record
    is one person and a report is about one person, so persons and records are paired one to
    one, the likeliest pair first: a namesake's report does not take a record already better
    explained by another person's reports. Each link carries the comparisons it rests on.
    `workers` threads compare pairs (default: the cores this process may use); the result
    does not depend on it.
    """
    run = _run(reports, records, as_of, workers)
    model = _fit(run, DEFAULT_MODEL) if model is None else _with_prior(run, model)
    raw = _total_weight(run.levels, model, run.detail.rarity)
    total = _lone_candidates(run, raw, model)
    alone = total - raw
    score = 1.0 / (1.0 + np.exp2(-np.clip(total, -60, 60)))
    keep = np.flatnonzero(score >= min(min_score, _PERSON_MIN_SCORE))
    persons = _persons(run, keep, score, model)
    pooled = _pooled(run, keep, total, persons.find, model)
    weights = _weight_rows(model)
    out = [
        _person_link(
            run,
            weights,
            [i for p in held for i in persons.members[p[1]]],
            j,
            held[0],
            duplicates=persons.duplicates,
            alone=alone,
        )
        for j, held in _join_duplicates(pooled, persons, _assign(pooled, persons, min_score))
    ]
    out.sort(key=lambda link: (-link.score, link.record_id))
    return PersonLinkage(out, len(run.ia), model)


@dataclass(slots=True)
class _Persons:
    """Reports grouped into persons, with how likely reports and persons are one."""

    person_of: dict[int, int]  # report -> person (its first report), if not alone
    members: dict[int, list[int]]  # person -> its reports
    duplicates: dict[tuple[int, int], float]  # report pair -> log2 odds of one person
    between: dict[tuple[int, int], float]  # person pair (sorted) -> the likeliest report pair
    judge: _Judge  # log2 odds that reports are one person, for pairs not yet compared

    def find(self, report: int) -> int:
        return self.person_of.get(report, report)

    def apart(self, x: int, y: int) -> float:
        return self.between.get((min(x, y), max(x, y)), -math.inf)


def _persons(run: _Run, keep: IntArray, score: FloatArray, model: MatchModel) -> _Persons:
    groups = _Groups()
    pi, pj, dup, judge = _duplicate_pairs(run, keep, score, model)
    duplicates: dict[tuple[int, int], float] = {}
    for i, j, w in zip(pi.tolist(), pj.tolist(), dup.tolist(), strict=True):
        duplicates[i, j] = duplicates[j, i] = w
        if w >= _DUPLICATE_LOG_ODDS:
            groups.union(i, j)
    person_of = {i: groups.find(i) for i in groups.parent}
    members: dict[int, list[int]] = {}
    for i in np.unique(run.ia[keep]).tolist():
        members.setdefault(person_of.get(i, i), []).append(i)
    between: dict[tuple[int, int], float] = {}
    find, known, inf = person_of.get, between.get, -math.inf
    for i, j, w in zip(pi.tolist(), pj.tolist(), dup.tolist(), strict=True):
        x, y = find(i, i), find(j, j)
        if x != y:
            key = (x, y) if x < y else (y, x)
            prev = known(key, inf)
            between[key] = w if w > prev else prev  # max(prev, w), without the call
    return _Persons(person_of, members, duplicates, between, judge)


# A person's pooled pair with a record: log2 odds, person, record, and the person's candidate
# pairs (indices into the run) with the record, likeliest first (`_sources` reads which
# comparison is taken from which).
_Pooled = tuple[float, int, int, list[int]]


def _sources(run: _Run, ks: list[int]) -> list[tuple[int, int]]:
    """Each comparison a person's pairs with a record know, with the pair it is taken from:
    the likeliest pair that knows it."""
    if len(ks) == 1:
        k = ks[0]
        return [(c, k) for c, level in enumerate(run.levels[k].tolist()) if level != _NULL]
    rows = run.levels[ks].tolist()
    sources = []
    for c in range(_N_COMPARISONS):
        n = next((n for n, row in enumerate(rows) if row[c] != _NULL), -1)
        if n >= 0:
            sources.append((c, ks[n]))
    return sources


def _pooled(
    run: _Run, keep: IntArray, total: FloatArray, person_of: Callable[[int], int], model: MatchModel
) -> list[_Pooled]:
    """Each person's evidence about each record: the best report's comparisons, and each one
    it lacks from the best report that has it; likeliest first."""
    weights = _weights(model)
    order = keep[np.argsort(-total[keep], kind="stable")]
    pairs: dict[tuple[int, int], list[int]] = {}
    for k, i, j in zip(order.tolist(), run.ia[order].tolist(), run.ib[order].tolist(), strict=True):
        pairs.setdefault((person_of(i), j), []).append(k)
    pooled: list[_Pooled] = []
    for (person, j), ks in pairs.items():
        if len(ks) == 1:  # one report: its own comparisons and score
            pooled.append((float(total[ks[0]]), person, j, ks))
            continue
        rarity = run.detail.rarity
        w = _log_odds(_prior_of(model)) + sum(
            float(weights[c, run.levels[k, c]]) + (float(rarity[k]) if c == _NAME else 0.0)
            for c, k in _sources(run, ks)
        )
        pooled.append((w, person, j, ks))
    pooled.sort(key=lambda p: (-p[0], p[1], p[2]))
    return pooled


def _assign(pooled: list[_Pooled], persons: _Persons, min_score: float) -> dict[int, list[_Pooled]]:
    """Records and the persons linked to them, likeliest pair first: a person takes one record;
    a record already taken admits another person only if not clearly someone else."""
    linked: set[int] = set()
    holders: dict[int, list[_Pooled]] = {}
    for entry in pooled:
        w, person, j, _ = entry
        if 1.0 / (1.0 + 2.0 ** -min(max(w, -60.0), 60.0)) < min_score:
            break
        if person in linked:
            continue
        held = holders.get(j, [])
        if any(persons.apart(person, h[1]) < _SAME_RECORD_LOG_ODDS for h in held):
            continue  # a namesake of the person already linked to this record
        linked.add(person)
        holders.setdefault(j, []).append(entry)
    return holders


def _join_duplicates(
    pooled: list[_Pooled], persons: _Persons, holders: dict[int, list[_Pooled]]
) -> list[tuple[int, list[_Pooled]]]:
    """Persons left out who are duplicates of a person linked to a record they could be.

    Finding duplicates compares only the likeliest reports of each record, and a report
    whose own evidence is weak (a given name only) is not linked on it; here each such
    report is compared with the reports already linked to its candidate records, and joins
    them when likely enough their person.
    """
    linked = {entry[1] for held in holders.values() for entry in held}
    reports_of = {
        j: [i for entry in held for i in persons.members[entry[1]]] for j, held in holders.items()
    }
    wanted: dict[tuple[int, int], None] = {}
    for _, person, j, _ in pooled:
        if person not in linked and j in holders:
            for i in persons.members[person]:
                for h in reports_of[j]:
                    if (i, h) not in persons.duplicates:
                        wanted[i, h] = None
    if wanted:
        xs = np.fromiter((i for i, _ in wanted), np.int64, len(wanted))
        ys = np.fromiter((h for _, h in wanted), np.int64, len(wanted))
        for i, h, w in zip(xs.tolist(), ys.tolist(), persons.judge(xs, ys).tolist(), strict=True):
            persons.duplicates[i, h] = persons.duplicates[h, i] = w
    for entry in pooled:
        _, person, j, _ = entry
        if person in linked or j not in holders:
            continue
        if any(
            persons.duplicates.get((i, h), -math.inf) >= _JOIN_LOG_ODDS
            for i in persons.members[person]
            for h in reports_of[j]
        ):
            linked.add(person)
            holders[j].append(entry)
    return list(holders.items())


def _person_link(
    run: _Run,
    weights: _WeightRows,
    people: list[int],
    j: int,
    best_pair: _Pooled,
    *,
    duplicates: dict[tuple[int, int], float],
    alone: FloatArray,
) -> PersonLink:
    """The link of a record to a person's reports, explained by the pooled evidence; each
    report but the first also says which report it duplicates."""
    weight, _, _, ks = best_pair
    sources = _sources(run, ks)
    score = 1.0 / (1.0 + 2.0 ** -min(max(weight, -60.0), 60.0))
    best = int(run.ia[sources[0][1]]) if sources else people[0]
    found: list[tuple[Evidence, int]] = []  # each comparison's evidence and its report
    explained: dict[int, dict[str, Evidence]] = {}  # per pair, its findings by field
    for c, k in sources:
        if k not in explained:
            explained[k] = {e.field: e for e in _evidence(run, k, weights)}
        found.append((explained[k][COMPARISONS[c][0]], int(run.ia[k])))
    pairs_used = {k for _, k in sources}
    if len(pairs_used) == 1:  # one report's own pair: its weight includes `_lone_candidates`
        k = pairs_used.pop()
        if alone[k] > _SHOWN_WEIGHT:
            lone = Evidence("record", NO_OTHER_REPORT, float(alone[k]), NO_OTHER_REPORT)
            found.append((lone, int(run.ia[k])))
    ordered = [best, *(i for i in people if i != best)]
    record_id = run.b.records[j].id
    candidates = []
    for i in ordered:
        # Each report's link shows which of the evidence comes from the person's other reports.
        evidence = [
            e if source == i else _in_report(e, run.a.records[source].id) for e, source in found
        ]
        pairs = [(duplicates[i, o], o) for o in ordered if o != i and (i, o) in duplicates]
        if i != best and pairs:
            w, other = max(pairs)
            other_id = run.a.records[other].id
            finding = f"{SAME_AS_REPORT} {other_id}"
            evidence.append(
                Evidence("duplicate report", finding, w, SAME_AS_REPORT, other=other_id)
            )
        candidates.append(
            MatchCandidate(run.a.records[i].id, record_id, score, weight, tuple(evidence))
        )
    return PersonLink(
        record_id, tuple(run.a.records[i].id for i in ordered), score, tuple(candidates)
    )


def _in_report(e: Evidence, report_id: str) -> Evidence:
    """Evidence taken from another report of the person, saying which."""
    return e._replace(finding=f"{e.finding} (in report {report_id})", source=report_id)
