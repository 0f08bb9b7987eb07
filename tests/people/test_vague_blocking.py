"""A nameless record described only vaguely (hair, build, a garment of no colour, a mark
of no place) is blocked with the records that could be it, in blocks of bounded size."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest

from magen.people.matching import DEFAULT_MODEL, PersonRecord, RecordKind, link_people, match
from magen.people.matching.blocking import (
    _BLOCK_LIMITS,
    _DESC_AGE_BAND,
    _SEX_CODES,
    _VAGUE_BLOCK,
    _bands,
    _blocking_keys,
    _index_cells,
    _join,
    _query_cells,
    _Vocabulary,
    _wanted,
)
from magen.people.matching.fitting import _found_by
from magen.people.matching.pipeline import _run
from magen.people.synth import generate

T0 = datetime(2023, 10, 7, 4, 0, tzinfo=UTC)
OFAKIM = (34.6203, 31.3141)


@pytest.fixture(scope="module")
def crowd() -> list[PersonRecord]:
    """Unrelated reports, so the model has a population to estimate from."""
    return list(generate(random.Random(11), missing_reports=1500, records=10).reports)


def _report(rid: str, sex: str, age: tuple[int, int], **kw: str) -> PersonRecord:
    return PersonRecord(
        id=rid,
        kind=RecordKind.MISSING,
        names=("Avi Ben-Haim",),
        sex=sex,
        age_min=age[0],
        age_max=age[1],
        lon=OFAKIM[0],
        lat=OFAKIM[1],
        time=T0,
        **kw,
    )


@pytest.mark.parametrize(
    ("casualty", "report"),
    [
        ({"hair": "שיער חום"}, {"hair": "brown hair"}),
        ({"clothing": "ג'ינס"}, {"clothing": "blue jeans, white sneakers"}),
        ({"marks": "scar"}, {"marks": "scar on the left hand"}),
        ({"build": "heavy"}, {"build": "stocky"}),
    ],
    ids=["hair", "garment of no colour", "mark of no place", "build"],
)
def test_a_vaguely_described_casualty_is_a_candidate_for_the_reports_it_could_be(
    crowd: list[PersonRecord], casualty: dict[str, str], report: dict[str, str]
) -> None:
    # "Brown hair, 30-40, male": the same sex and age is a candidate; the other sex, or
    # seventy years old, is not.
    reports = [
        *crowd,
        _report("same", "male", (30, 40), **report),
        _report("other sex", "female", (30, 40), **report),
        _report("far age", "male", (70, 72), **report),
    ]
    found = PersonRecord(
        id="c1",
        kind=RecordKind.CASUALTY,
        sex="male",
        age_min=30,
        age_max=40,
        lon=OFAKIM[0] + 0.003,
        lat=OFAKIM[1],
        time=T0 + timedelta(hours=2),
        **casualty,
    )
    candidates = {c.a_id for c in match(reports, [found], min_score=0.0)}
    assert "same" in candidates
    assert not {"other sex", "far age"} & candidates


def _blocked_by_hand(run: Any, limit: int) -> set[tuple[int, int]]:
    """The pairs the vague rule should find, record by record: a nameless record with no
    description term and any record of the other side sharing a vague term in a sex/age
    cell, where that block holds at most `limit` records of the other side."""

    def cells(table: Any, i: int, query: bool) -> tuple[str, ...]:
        lo, hi = float(table.age_lo[i]), float(table.age_hi[i])
        bands = _bands(None if math.isnan(lo) else (lo, hi), _DESC_AGE_BAND, 3.0)
        sex = _SEX_CODES[int(table.sex[i])]
        return _query_cells(sex, bands) if query else _index_cells(sex, bands)

    def queries(table: Any) -> list[int]:
        return [
            i
            for i in range(len(table.records))
            if not table.nparts[i] and not table.lookup_terms[i] and table.vague_terms[i]
        ]

    pairs: set[tuple[int, int]] = set()
    for query, index, flip in ((run.a, run.b, False), (run.b, run.a, True)):
        blocks: dict[tuple[str, str], set[int]] = {}
        for j in range(len(index.records)):
            for term in index.vague_terms[j]:
                for cell in cells(index, j, query=False):
                    blocks.setdefault((term, cell), set()).add(j)
        for i in queries(query):
            for term in query.vague_terms[i]:
                for cell in cells(query, i, query=True):
                    block = blocks.get((term, cell), set())
                    if len(block) <= limit:
                        pairs.update((j, i) if flip else (i, j) for j in block)
    return pairs


def test_vague_blocks_over_the_limit_are_left_out_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    pop = generate(random.Random(6), missing_reports=1500, records=600)
    counts = []
    for limit in (3, 40, 10**9):
        monkeypatch.setitem(_BLOCK_LIMITS, ("vague index",), limit)
        run = _run(pop.reports, pop.records, None, workers=1)
        expected = _blocked_by_hand(run, limit)
        found = _found_by(run, "vague description")
        got = set(zip(run.ia[found].tolist(), run.ib[found].tolist(), strict=True))
        assert got == expected
        assert run.by_rule["vague description"] == len(expected)
        counts.append(len(expected))
    # Each limit leaves out blocks the next one keeps.
    assert 0 < counts[0] < counts[1] < counts[2]


def test_vague_candidates_stay_bounded_as_the_population_grows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each vague key a record looks up by brings at most the limit, however many reports
    # share its hair colour; without the limit a town's reports would come.
    pop = generate(random.Random(8), missing_reports=40_000, records=8_000)
    run = _run(pop.reports, pop.records, None)
    want = _wanted(run.a, run.parts) | _wanted(run.b, run.parts)
    keys = _blocking_keys(run.b, run.parts, _Vocabulary(), want)
    query_keys, queried = keys.arrays(("vague query",))
    per_record = np.bincount(queried, minlength=len(run.b.records))
    found = _found_by(run, "vague description")
    met = np.bincount(run.ib[found], minlength=len(run.b.records))
    assert np.all(met <= per_record * _VAGUE_BLOCK)
    assert 0 < run.by_rule["vague description"] <= len(query_keys) * _VAGUE_BLOCK
    # Nearly every vaguely described record still meets some reports.
    assert np.count_nonzero(met) >= 0.9 * len(np.unique(queried)) > 0
    monkeypatch.setitem(_BLOCK_LIMITS, ("vague index",), 10**9)
    unlimited = _run(pop.reports, pop.records, None).by_rule["vague description"]
    assert unlimited > 1.2 * run.by_rule["vague description"]


def test_a_join_leaves_out_keys_held_by_more_rows_than_the_most() -> None:
    a_keys = np.asarray([1, 2, 3, 3], dtype=np.int64)
    b_keys = np.asarray([1, 1, 1, 2, 2, 3], dtype=np.int64)
    pairs = _join(a_keys, np.arange(4), b_keys, np.arange(6), most=2)
    assert set(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True)) == {
        (1, 3),
        (1, 4),
        (2, 5),
        (3, 5),
    }
    assert _join(a_keys, np.arange(4), b_keys, np.arange(6), most=0).shape == (2, 0)


def test_in_a_small_event_a_casualty_known_by_hair_alone_is_proposed() -> None:
    # Ofakim's dead were remembered "by their body structure, their hair color, or what
    # they wore": a family's "brown hair, 35, male", last seen where the casualty was found
    # two hours later, is proposed; a woman's or a seventy-year-old's report is not.
    event = generate(random.Random(3), missing_reports=60, records=20)
    reports = [
        *event.reports,
        _report("fits", "male", (35, 35), hair="brown hair"),
        _report("a woman", "female", (35, 35), hair="brown hair"),
        _report("seventy", "male", (70, 70), hair="brown hair"),
    ]
    dead = PersonRecord(
        id="dead1",
        kind=RecordKind.CASUALTY,
        sex="male",
        age_min=30,
        age_max=40,
        hair="שיער חום",
        lon=OFAKIM[0] + 0.003,
        lat=OFAKIM[1],
        time=T0 + timedelta(hours=2),
    )
    people = link_people(reports, [*event.records, dead], model=DEFAULT_MODEL)
    proposed = {c.a_id for p in people.links for c in p.candidates if c.b_id == "dead1"}
    assert proposed == {"fits"}
