"""The matcher's evidence: its English text pinned, and the structure it is made from.

The explanations of a generated population are hashed: `explain()` and each finding are
what the registrar reads and what the log stores (`MatchProposed.explanation`), so they
must not change by accident. A deliberate change to the matcher's levels or texts updates
the digest here, with the reason in the commit.
"""

from __future__ import annotations

import hashlib
import random
from functools import cache

from magen.people.matching import MatchCandidate, find_duplicates, link, link_people
from magen.people.synth import generate

# sha256 of the explanations below, joined by newlines, as the matcher writes them (last
# changed when a record's chance of having a report stopped taking reports to come one per
# person, which raised the weight of "no other report is a likely match").
EXPLANATIONS_DIGEST = "bc4ca5435e1e050955d479adb46bad3cf780c6eb0125415c4df984440a14df33"


@cache
def candidates() -> tuple[MatchCandidate, ...]:
    """Links of every kind the matcher explains: report to record, duplicate reports, and
    person links (pooled evidence, duplicates, a record no other report fits)."""
    pop = generate(random.Random(7), missing_reports=700, records=220)
    found = [*link(pop.reports, pop.records, min_score=0.2).candidates]
    found += find_duplicates(pop.reports, min_score=0.5)
    found += [c for pl in link_people(pop.reports, pop.records).links for c in pl.candidates]
    return tuple(found)


def test_explanations_are_unchanged() -> None:
    texts = [c.explain() for c in candidates()]
    assert len(texts) > 300
    for phrase in (
        "(in report ",
        "the same person as report ",
        "no other report is a likely match for this record",
        "given and family name in swapped order",
        "(misspelled)",
        "(nickname)",
        "(sounds the same)",
        "a rarer name",
        "a common name",
        " km)",
        "clothing: ",
        "marks: ",
    ):
        assert any(phrase in t for t in texts), phrase
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    assert digest == EXPLANATIONS_DIGEST
