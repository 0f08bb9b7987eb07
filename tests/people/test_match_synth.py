"""The synthetic population: seeded, with consistent ground truth and realistic variety."""

from __future__ import annotations

import random
from collections import Counter

from magen.people.matching import RecordKind
from magen.people.names import script_of
from magen.people.synth import generate


def test_same_seed_same_population() -> None:
    one = generate(random.Random(5), missing_reports=300, records=80)
    two = generate(random.Random(5), missing_reports=300, records=80)
    assert one == two
    assert one != generate(random.Random(6), missing_reports=300, records=80)


def test_sizes_and_truth_are_consistent() -> None:
    pop = generate(random.Random(1), missing_reports=500, records=120)
    assert len(pop.reports) == 500
    assert len(pop.records) == 120
    ids = {r.id for r in pop.reports} | {r.id for r in pop.records}
    assert len(ids) == 620
    for report_id, record_id in pop.truth:
        assert pop.person_of[report_id] == pop.person_of[record_id]
    for a, b in pop.duplicate_truth():
        assert a < b
        assert pop.person_of[a] == pop.person_of[b]
    found = {pop.person_of[r.id] for r in pop.records}
    reported = {pop.person_of[r.id] for r in pop.reports}
    assert 0.6 < len(found & reported) / len(found) < 0.95  # most found were reported


def test_names_come_in_many_scripts_and_forms() -> None:
    pop = generate(random.Random(3), missing_reports=2000, records=400)
    words = [w for r in (*pop.reports, *pop.records) for n in r.names for w in n.split()]
    scripts = Counter(script_of(w) for w in words)
    assert scripts["hebrew"] > scripts["arabic"] > 0
    assert any("\u0400" <= w[0] <= "\u04ff" for w in words)  # Cyrillic
    assert any(w.isascii() for w in words)  # Latin
    kinds = Counter(r.kind for r in pop.records)
    assert kinds[RecordKind.CASUALTY]
    assert kinds[RecordKind.SURVIVOR]
    assert any(not r.names for r in pop.records)  # casualties described only
    assert any(len(r.names) > 1 for r in pop.reports)  # alternate spellings
    assert any(r.birth_date for r in pop.reports)
    assert any(r.age_min for r in pop.reports)
