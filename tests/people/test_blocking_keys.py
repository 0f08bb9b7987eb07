"""Cell blocking keys, made as arrays, against the rules written out record by record."""

from __future__ import annotations

import math
import random
from typing import Any

from magen.people.matching.blocking import (
    _AGE_BAND,
    _DESC_AGE_BAND,
    _SEX_CODES,
    _bands,
    _blocking_keys,
    _index_cells,
    _query_cells,
    _Vocabulary,
    _Wanted,
    _wanted,
)
from magen.people.matching.pipeline import _run
from magen.people.synth import generate

_RULES = (
    "one-part query",
    "part index",
    "nameless query",
    "description index",
    "vague query",
    "vague index",
)


def _expected(table: Any, parts: Any, want: _Wanted) -> dict[str, set[Any]]:
    """Each cell rule's keys as (record, word, cell), record by record."""
    part_want, term_want, vague_want = want
    found: dict[str, set[Any]] = {rule: set() for rule in _RULES}
    for i in range(len(table.records)):
        n, row = int(table.nparts[i]), table.parts[i].tolist()
        lo, hi = float(table.age_lo[i]), float(table.age_hi[i])
        known = None if math.isnan(lo) else (lo, hi)
        sex = _SEX_CODES[int(table.sex[i])]
        named = _bands(known, _AGE_BAND, 2.0)
        described = _bands(known, _DESC_AGE_BAND, 3.0)
        terms = table.lookup_terms[i]

        def add(rule: str, words: Any, cells: tuple[str, ...], i: int = i) -> None:
            found[rule].update((i, w, c) for w in words for c in cells)

        if n == 1:
            add("one-part query", parts.keys[row[0]], _query_cells(sex, named))
        wanted = [k for p in row[:n] for k in parts.keys[p] if k in part_want]
        add("part index", wanted, _index_cells(sex, named))
        if not n:
            add("nameless query", terms, _query_cells(sex, described))
        add(
            "description index",
            [t for t in terms if t in term_want],
            _index_cells(sex, described),
        )
        vague = table.vague_terms[i]
        if not n and not terms:
            add("vague query", vague, _query_cells(sex, described))
        add("vague index", [t for t in vague if t in vague_want], _index_cells(sex, described))
    return found


def test_cell_keys_are_each_records_words_in_each_of_its_cells() -> None:
    pop = generate(random.Random(4), missing_reports=1500, records=400)
    run = _run(pop.reports, pop.records, None, workers=1)
    want_a, want_b = _wanted(run.a, run.parts), _wanted(run.b, run.parts)
    want = want_a | want_b
    vocabulary = _Vocabulary()
    seen: set[str] = set()
    for table in (run.a, run.b):
        keys = _blocking_keys(table, run.parts, vocabulary, want)
        words = {v: k for k, v in vocabulary._words.items()}
        cells = {v: k for k, v in vocabulary._cells.items()}
        expected = _expected(table, run.parts, want)
        for rule in _RULES:
            codes, rows = keys.arrays((rule,))
            got = {
                (r, words[k >> 32], cells[k & 0xFFFFFFFF])
                for k, r in zip(codes.tolist(), rows.tolist(), strict=True)
            }
            assert got == expected[rule], rule
            seen.update([rule] if got else [])
    assert seen == set(_RULES)
