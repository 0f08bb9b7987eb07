"""One run of the matcher over two sets of records (or one, for duplicates): the records read
into tables, blocked into candidate pairs and compared (`_run`), kept for fitting, scoring
and explaining (`_Run`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

from magen.people.matching.arrays import IntArray, Levels, _threads
from magen.people.matching.blocking import (
    _NAME_RULES,
    _blocking_keys,
    _candidate_pairs,
    _name_keys_ahead,
    _Vocabulary,
    _wanted,
)
from magen.people.matching.levels import _levels, _NameDetail
from magen.people.matching.name_parts import _PartTable
from magen.people.matching.records import PersonRecord
from magen.people.matching.tables import _mark_sites, _name_rows, _reference_date, _Table, _table


@dataclass(slots=True)
class _Run:
    a: _Table
    b: _Table
    ia: IntArray
    ib: IntArray
    found_by: IntArray  # bit per blocking rule that found the pair
    levels: Levels
    detail: _NameDetail
    parts: _PartTable
    by_rule: dict[str, int]
    workers: int  # threads that may compare chunks of pairs at once


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _run(
    records_a: Sequence[PersonRecord],
    records_b: Sequence[PersonRecord] | None,
    as_of: date | None,
    workers: int | None = None,
) -> _Run:
    workers = _cores() if workers is None else max(1, workers)
    parts = _PartTable()
    if as_of is None:
        as_of = _reference_date((*records_a, *(records_b or ())))
    names_a = _name_rows(records_a, parts)
    side_b = None if records_b is None else (records_b, _name_rows(records_b, parts))
    sides = [names_a[0]] if side_b is None else [names_a[0], side_b[1][0]]
    vocabulary = _Vocabulary()
    # The names' key frequencies and name-pair keys (mostly array work, on a thread if
    # there are two cores) while this thread reads the rest of the records, which reads no
    # part of the part table that those write.
    with ThreadPoolExecutor(1, "magen-matching") as aside:
        ahead = aside.submit(_name_keys_ahead, sides, parts) if workers > 1 else None
        a = _table(records_a, names_a, as_of)
        b = a if side_b is None else _table(*side_b, as_of)
        _mark_sites([a] if b is a else [a, b])
        want_a, want_b = _wanted(a, parts), _wanted(b, parts)
        want = want_a | want_b
        ka = _blocking_keys(a, parts, vocabulary, want)
        kb = ka if b is a else _blocking_keys(b, parts, vocabulary, want)
        name_keys = ahead.result() if ahead else _name_keys_ahead(sides, parts)
    for keys, found in zip((ka, kb), name_keys, strict=False):
        for rule, (k, rows) in zip(_NAME_RULES, found, strict=True):
            keys.put(rule, k, rows)
    with _threads(min(workers, 2)) as each:
        ia, ib, found_by, by_rule = _candidate_pairs(ka, kb, max(1, len(b.records)), b is a, each)
    levels, detail = _levels(a, b, ia, ib, parts, workers=workers)
    return _Run(a, b, ia, ib, found_by, levels, detail, parts, by_rule, workers)
