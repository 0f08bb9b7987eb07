"""Comparisons and their levels, weakest first, and the model indexed by them.

`COMPARISONS` names each comparison's levels; `MatchModel` holds m and u per level and the
prior (`DEFAULT_MODEL` for events too small to fit). What linking returns is here too: a
`MatchCandidate` with its `Evidence` (a `NamePair` per name part matched), a `Linkage`, and
the fixed words findings are told in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from magen.people.matching.arrays import FloatArray

COMPARISONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "name",
        (
            "no part agrees",
            "one part similar",
            "one part agrees, the others differ",
            "two parts similar",
            "one part agrees, the other is not given",
            "one part agrees, another is similar",
            "one part agrees, another is misspelled",
            "two parts agree, a third differs",
            "two parts sound the same",
            "two parts spelled the same",
            "three parts agree",
        ),
    ),
    ("sex", ("differs", "agrees")),
    ("birth date", ("over 2 years apart", "differs", "nearly agrees", "agrees")),
    (
        "age",
        (
            "stated ages over 3 years apart",
            "far apart, even for an estimate",
            "further apart than an estimate usually errs",
            "stated ages 2-3 years apart",
            "a few years apart",
            "ranges overlap",
            "stated ages a year apart",
            "agrees",
        ),
    ),
    ("hair", ("differs", "agrees")),
    ("build", ("differs", "close", "agrees")),
    ("clothing", ("nothing shared", "some terms shared", "one item agrees", "several items agree")),
    ("marks", ("none shared", "same kind of mark", "same mark in the same place")),
    (
        "place",
        (
            "over 10 km apart",
            "3-10 km apart",
            "2-3 km apart",
            "1.5-2 km apart",
            "at a shelter farther than the four nearest",
            "1-1.5 km apart",
            "at the fourth-nearest shelter",
            "0.5-1 km apart",
            "at one of the three shelters nearest",
            "within 500 m",
            "at the shelter nearest",
            "within 200 m",
        ),
    ),
    (
        "time",
        (
            "implausible",
            "found over 6 hours after last seen",
            "plausible",
            "found within 6 hours of last seen",
        ),
    ),
)
_NAME, _SEX, _DOB, _AGE, _HAIR, _BUILD, _CLOTHING, _MARKS, _PLACE, _TIME = range(10)
_N_COMPARISONS = len(COMPARISONS)
_MAX_LEVELS = max(len(levels) for _, levels in COMPARISONS)
_NULL = -1


@dataclass(frozen=True, slots=True)
class MatchModel:
    """Fellegi-Sunter parameters over all pairs, as in splink.

    `m` is how often each level occurs when both records are the same person, `u` how often
    between two records taken at random, and `prior` the probability that two random records
    are the same person (Fellegi-Sunter's lambda: the expected matches over all pairs). m and
    u describe a kind of record and carry from one population to another; the prior depends
    on how many records there are, so a model for any population leaves it None, and each
    linkage estimates it for its own records (`_population_prior`). Blocking only decides
    which pairs are scored.
    """

    m: tuple[tuple[float, ...], ...]
    u: tuple[tuple[float, ...], ...]
    prior: float | None = None

    def weights(self) -> FloatArray:
        """log2(m/u) per comparison (rows) and level (columns); padding is zero."""
        out = np.zeros((_N_COMPARISONS, _MAX_LEVELS))
        for c, (m, u) in enumerate(zip(self.m, self.u, strict=True)):
            out[c, : len(m)] = np.log2(np.asarray(m) / np.asarray(u))
        return out


# Starting values for estimation, smoothing towards them, and the model for sets too small to
# fit: m and u rounded from fits on generated populations (`magen.people.synth`). The prior
# is left to each linkage: a fixed one (it was 1e-4) is right for one population size only,
# ~50-100 times too small for a hundred reports and records, ~9 times too large at
# 100,000 x 20,000.
DEFAULT_MODEL = MatchModel(
    m=(
        (0.001, 0.013, 0.024, 0.005, 0.057, 0.078, 0.019, 0.004, 0.348, 0.39, 0.061),
        (0.02, 0.98),
        (0.002, 0.005, 0.05, 0.943),
        (0.002, 0.008, 0.036, 0.062, 0.077, 0.27, 0.11, 0.435),
        (0.12, 0.88),
        (0.03, 0.2, 0.77),
        (0.15, 0.25, 0.3, 0.3),
        (0.1, 0.2, 0.7),
        (0.04, 0.0005, 0.0016, 0.0098, 0.016, 0.046, 0.034, 0.14, 0.35, 0.13, 0.2, 0.033),
        (0.001, 0.01, 0.77, 0.22),
    ),
    u=(
        (0.87, 0.11, 0.018, 0.0022, 0.001, 5e-4, 1e-5, 5e-5, 7e-5, 1.5e-5, 1e-8),
        (0.5, 0.5),
        (0.95, 0.046, 0.00397, 3e-5),
        (0.53, 0.29, 0.04, 0.024, 0.037, 0.053, 0.015, 0.011),
        (0.75, 0.25),
        (0.2, 0.45, 0.35),
        (0.55, 0.4, 0.04, 0.01),
        (0.8, 0.17, 0.03),
        (0.059, 0.16, 0.13, 0.065, 0.35, 0.054, 0.032, 0.037, 0.069, 0.011, 0.035, 0.0021),
        (0.02, 0.042, 0.65, 0.29),
    ),
)


# How two name parts compare, in `NamePair.how` (and in the English finding).
NAME_HOWS = ("similar", "nickname", "sounds the same", "same", "misspelled")
# Findings that are no comparison's level, as `Evidence.level`.
NO_OTHER_REPORT = "no other report is a likely match for this record"
SAME_AS_REPORT = "the same person as report"
FIXED_FINDINGS = {"record": (NO_OTHER_REPORT,), "duplicate report": (SAME_AS_REPORT,)}
# What term frequencies said of an agreeing name, as `Evidence.rarity`.
RARITIES = ("a rarer name", "a common name")
SWAPPED = "given and family name in swapped order"


class NamePair(NamedTuple):
    """Two name parts the name finding rests on, as written, and how they compare."""

    a: str
    b: str
    how: str  # one of NAME_HOWS


class Evidence(NamedTuple):
    """One comparison's finding and its weight: positive for a match, negative against.

    `finding` is the English text; the other fields are what it is made from, for saying it
    in another language: `level` is the level's label in COMPARISONS (or, for `field`
    "record" and "duplicate report", the fixed finding in FIXED_FINDINGS), and the details
    are set for the fields they belong to. A named tuple, not a frozen dataclass: a run
    explains every link it keeps (~20,000 at full size, ~8 findings each), and a frozen
    dataclass sets its 13 fields one by one in Python (measured: ~0.2 s more per run).
    """

    field: str
    finding: str
    weight: float
    level: str = ""
    names: tuple[NamePair, ...] = ()  # name: the part pairs, best first
    swapped: bool = False  # name: given and family name in swapped order
    rarity: str = ""  # name: one of RARITIES, or "" when the names' frequency said little
    ages: tuple[tuple[float, float], tuple[float, float]] | None = None  # age: each side's range
    km: float | None = None  # place: the distance
    # hair, build: each side's term; clothing, marks: the terms both share (descriptions.py's
    # canonical English: "red shirt", "tattoo left arm", or single terms "red", "tattoo").
    terms: tuple[str, ...] = ()
    source: str = ""  # the report the finding is taken from, when another report's
    other: str = ""  # duplicate report: the report this one is the same person as


@dataclass(frozen=True, slots=True)
class MatchCandidate:
    """A possible link for a registrar to confirm or reject."""

    a_id: str
    b_id: str
    score: float  # posterior probability that both are the same person
    weight: float  # total log2 Bayes factor, prior included
    evidence: tuple[Evidence, ...]

    def explain(self) -> str:
        """The evidence for and against, strongest first, as one readable paragraph."""
        ranked = sorted(self.evidence, key=lambda e: -abs(e.weight))
        pro = [f"{e.field}: {e.finding} ({e.weight:+.1f})" for e in ranked if e.weight > 0]
        con = [f"{e.field}: {e.finding} ({e.weight:+.1f})" for e in ranked if e.weight <= 0]
        # Near certainty is shown as 99.9%, never a rounded-up 100%.
        shown = f"{self.score:.0%}" if self.score < 0.99 else f"{min(self.score, 0.999):.1%}"
        text = f"{shown} likely the same person."
        if pro:
            text += " For: " + "; ".join(pro) + "."
        if con:
            text += " Against: " + "; ".join(con) + "."
        return text


@dataclass(frozen=True, slots=True)
class Linkage:
    """Candidates with how many pairs blocking let through, per rule, and the model used."""

    candidates: list[MatchCandidate]
    comparisons: int
    comparisons_by_rule: dict[str, int]
    model: MatchModel
