"""Candidate links between missing-person reports, casualties and survivors (pure).

The method is Fellegi-Sunter record linkage, as in splink, with comparisons built for this
problem: names in any script compared as sets of name parts (so given/family order does not
matter) by shared spelling, phonetic key, nickname or near-miss (`names`), with a
term-frequency adjustment for rare and common names; birth date or age range; sex; hair,
build, clothing and distinguishing marks reduced to a shared vocabulary in Hebrew, Arabic and
English (`descriptions`); how far from where a person was last seen they were found (for a
survivor at a shelter, whether it is one of the shelters nearest there); and how soon after.

Only pairs that share a blocking key are compared: name-part pairs (exact phonetic keys,
one-deletion variants for typos, and one part spelled the same with the other a letter
apart), birth date, name part with sex and age band for one-word names, description
terms with sex and age band for records without a name, and, for a nameless record with
no such term, its hair, build, garments or kinds of mark with sex and age band, in blocks
of bounded size (`_VAGUE_BLOCK`). Blocking runs as sorted-array joins, never over all
pairs.

Each comparison lands on a level; the model holds, per level, the probability of that level
among true matches (m) and between two random records (u), and the probability that two
random records match. `fit_model` estimates them from the records themselves, no labels: u
on random pairs (the rare name levels counted exactly among the candidates), m by EM over the
pairs of one blocking rule at a time leaving out what that rule blocked on, and the prior
from the matches EM finds among records sharing a birth date. A model given without a prior
(`DEFAULT_MODEL`, for events too small to fit) has its prior estimated for the records
linked, by EM with m and u held over all candidate pairs (`_population_prior`). The score of
a pair is the posterior match probability; its explanation lists each piece of evidence with
its weight (log2 of m/u) for or against.
"""

from __future__ import annotations

import gc
import math
import os
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from itertools import chain, islice
from typing import NamedTuple, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

from magen.people.descriptions import (
    BODY_PARTS,
    BUILD_ORDER,
    COLOURS,
    GARMENTS,
    HAIR,
    MARKS,
    SIDES,
    build_term,
    clothing_terms,
    hair_term,
    mark_terms,
)
from magen.people.names import NameToken, plain_token, plain_tokens, plain_words, tokens

IntArray = NDArray[np.int64]
Int8Array = NDArray[np.int8]
# Comparison levels of pairs (pairs x comparisons), -1 where unknown.
Levels = NDArray[np.int8]
_T = TypeVar("_T")
_R = TypeVar("_R")
FloatArray = NDArray[np.float64]


class RecordKind(StrEnum):
    """What a person record is."""

    MISSING = "missing"  # a report that someone is missing
    CASUALTY = "casualty"  # a casualty, named or described only
    SURVIVOR = "survivor"  # someone who checked in as safe


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """What is known of one person in one report or record; None means unknown."""

    id: str
    kind: RecordKind
    names: tuple[str, ...] = ()  # full names in any script; alternates welcome
    sex: str | None = None  # "male" or "female"
    age_min: float | None = None
    age_max: float | None = None
    birth_date: date | None = None
    hair: str | None = None
    build: str | None = None
    clothing: str | None = None
    marks: str | None = None
    lon: float | None = None
    lat: float | None = None
    time: datetime | None = None  # last seen (missing) or found / checked in


# ----------------------------------------------------------------------------------------
# Comparisons and their levels, weakest first. The model is indexed by these.

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


# ----------------------------------------------------------------------------------------
# Name parts: the tokens of all of a record's names, grouped so that the Hebrew, Arabic and
# Latin spellings of one name count once.

_MAX_PARTS = 4
# Jaro-Winkler similarity at which two Latin spellings count as the same name mistyped.
_SPELLING_SIMILAR = 0.88
# Term-frequency adjustments are bounded: a typo-rare spelling is not a rare name.
_TF_CAP = 5.0
# How two name parts compare, for the levels: unrelated, similar (a consonant more or less),
# misspelled (one slip in the same script), agreeing (same sound or nickname), same spelling.
_NONE, _WEAK, _TYPO, _STRONG, _EXACT = 0, 1, 2, 3, 4
_NAME_NONE, _NAME_SIMILAR, _NAME_NICKNAME, _NAME_PHONETIC, _NAME_EXACT = range(5)
_CODE_TEXT = {
    _NAME_SIMILAR: "similar",
    _NAME_NICKNAME: "nickname",
    _NAME_PHONETIC: "sounds the same",
    _NAME_EXACT: "same",
}


def _token_code(a: NameToken, b: NameToken, sets: Callable[[NameToken], _KeySets]) -> int:
    """How two words compare, finest first, for grouping and for explanations (`sets`: a
    word's key sets)."""
    shared = a.keys & b.keys
    if a.text == b.text or a.spelling == b.spelling:
        code = _NAME_EXACT
    elif shared:
        # A one-consonant key (Ali, Eli, Leah) is too common to count as more than similar.
        code = _NAME_PHONETIC if max(len(k) for k in shared) >= 2 else _NAME_SIMILAR
        if code == _NAME_SIMILAR and a.shapes & b.shapes:
            code = _NAME_PHONETIC  # a short name written alike (Roi, רועי)
    elif a.groups & b.groups:
        code = _NAME_NICKNAME
    elif sets(a).code(sets(b)) == _WEAK or (
        a.script == b.script == "other"
        and min(len(a.latin), len(b.latin)) >= 4
        and JaroWinkler.normalized_similarity(a.latin, b.latin) >= _SPELLING_SIMILAR
    ):
        code = _NAME_SIMILAR
    else:
        code = _NAME_NONE
    return code


class _WordCodes:
    """`_token_code` of word pairs, each pair computed once in a run (a word's analysis is
    a function of its text, so words are known by their text).

    It lives for one run, as the part table does: a process-wide cache would keep every
    word of every run, for the garbage collector to walk again after each."""

    def __init__(self) -> None:
        self._codes: dict[tuple[str, str], int] = {}
        self._sets: dict[str, _KeySets] = {}

    def code(self, a: NameToken, b: NameToken) -> int:
        key = (a.text, b.text)
        code = self._codes.get(key)
        if code is None:
            code = self._codes[key] = _token_code(a, b, self._sets_of)
        return code

    def part_code(self, a: tuple[NameToken, ...], b: tuple[NameToken, ...]) -> int:
        """The closest of the words of two parts."""
        best = _NAME_NONE
        for ta in a:
            for tb in b:
                best = max(best, self.code(ta, tb))
                if best == _NAME_EXACT:
                    return best
        return best

    def _sets_of(self, t: NameToken) -> _KeySets:
        found = self._sets.get(t.text)
        if found is None:
            found = self._sets[t.text] = _KeySets.of(t.keys, ())
        return found


def _group_parts(names: tuple[str, ...], words: _WordCodes) -> tuple[tuple[NameToken, ...], ...]:
    """Name parts of a record: each word of the first name, joined by its other spellings.

    Words of one written name are distinct parts even when they sound alike (in Hebrew
    שרה and צור share a skeleton); a word of another rendering joins the part it matches
    best, or starts a new one.
    """
    groups: list[list[NameToken]] = []
    seen: set[str] = set()
    code = words.code
    for name in names:
        taken: set[int] = set()
        for tok in tokens(name):
            if tok.text in seen:
                continue
            seen.add(tok.text)
            # The group the word is closest to, the first of equals (a group is as close
            # as its closest word; none is closer than the same word, `_NAME_EXACT`).
            best, best_g = _NAME_NONE - 1, 0
            for g, group in enumerate(groups):
                if g in taken:
                    continue
                closest = _NAME_NONE
                for other in group:
                    c = code(tok, other)
                    if c > closest:
                        closest = c
                        if c == _NAME_EXACT:
                            break
                if closest > best:
                    best, best_g = closest, g
                    if best == _NAME_EXACT:
                        break
            # Renderings of one name line up word for word, so any likeness places a word.
            if best >= _NAME_SIMILAR:
                g = best_g
                groups[g].append(tok)
            else:
                g = len(groups)
                groups.append([tok])
            taken.add(g)
    return tuple(tuple(g) for g in groups[:_MAX_PARTS])


@lru_cache(maxsize=100_000)
def _deleted(key: str) -> tuple[str, ...]:
    """One-deletion variants of a key (a two-consonant key keeps its first); a key is a
    key of many parts, its variants are made once."""
    if len(key) == 2:
        return (key[0],)
    return tuple(key[:i] + key[i + 1 :] for i in range(len(key))) if len(key) >= 3 else ()


@dataclass(frozen=True, slots=True)
class _KeySets:
    """What decides whether two name parts agree or are similar.

    They agree exactly when they share a spelling (`exact`: the same letters, or the same
    romanisation of an alphabetic script); they agree when `agree` sets meet (keys of two or
    more consonants, nickname groups, spellings).
    They are similar when one key is another with a consonant more (`keys` meets `dels`), or,
    for keys of four or more consonants, one consonant differs (`subs` meet): a substitution
    in a three-consonant key changes too much of it (Shmuel, Yisrael: SML, SRL).
    """

    exact: frozenset[str]
    agree: frozenset[str]
    keys: frozenset[str]
    dels: frozenset[str]
    subs: frozenset[str]

    @classmethod
    def of(
        cls,
        keys: Iterable[str],
        groups: Iterable[int],
        texts: Iterable[str] = (),
        shapes: Iterable[str] = (),
    ) -> _KeySets:
        ks = frozenset(k for k in keys if k)
        exact = frozenset(f"t:{t}" for t in texts)
        # The same spelling agrees even when its key is a single consonant (Yael, Ali), and
        # so does the same written shape of such a name (Roi, Roee, רועי).
        agree = (
            {k for k in ks if len(k) >= 2}
            | {f"g{g}" for g in groups}
            | exact
            | {f"w:{w}" for w in shapes}
        )
        return cls(
            exact=exact,
            agree=frozenset(agree),
            keys=ks,
            dels=frozenset(chain.from_iterable(map(_deleted, ks))),
            subs=frozenset(
                chain.from_iterable(_deleted(k) for k in ks if len(k) >= 4 or len(k) == 2)
            ),
        )

    def code(self, other: _KeySets) -> int:
        """3 if the parts share a spelling, 2 if they agree, 1 if similar, 0 otherwise."""
        if not self.exact.isdisjoint(other.exact):
            return _EXACT
        if not self.agree.isdisjoint(other.agree):
            return _STRONG
        if not (
            self.keys.isdisjoint(other.keys)
            and self.keys.isdisjoint(other.dels)
            and self.dels.isdisjoint(other.keys)
            and self.subs.isdisjoint(other.subs)
        ):
            return _WEAK
        return _NONE


_KINDS = ("exact", "agree", "keys", "dels", "subs")


@dataclass(frozen=True, slots=True)
class _KeyIds:
    """Every key of the name parts, numbered once per run for blocking and comparing alike.

    Each part's blocking keys come first, then their typo variants (ids below `blocking`,
    what `_NameKeyIndex` needs), then the keys of each kind of key set (`_KeySets`). Per
    kind ("block" for blocking keys), part p's key ids are
    ids[kind][starts[kind][p] : starts[kind][p + 1]].
    """

    vocab: dict[str, int]
    blocking: int
    variants: list[list[int]]  # per blocking key, the ids of its typo variants
    starts: dict[str, IntArray]
    ids: dict[str, IntArray]

    @classmethod
    def of(cls, part_keys: Sequence[tuple[str, ...]], sets: Sequence[_KeySets]) -> _KeyIds:
        vocab: dict[str, int] = {}
        number = vocab.setdefault

        def numbered(of_part: Sequence[Collection[str]]) -> tuple[IntArray, IntArray]:
            """Number keys new to the vocabulary as they first come (each distinct key once),
            and return the parts' key ids as CSR arrays (starts, ids)."""
            keys = list(chain.from_iterable(of_part))
            for k in dict.fromkeys(keys):
                number(k, len(vocab))
            starts = np.cumsum([0, *map(len, of_part)], dtype=np.int64)
            return starts, np.fromiter(map(vocab.__getitem__, keys), np.int64, len(keys))

        starts, ids = {}, {}
        starts["block"], ids["block"] = numbered(part_keys)
        # Typo variants of the parts' keys join the vocabulary after them (and have none).
        variants = [[number(d, len(vocab)) for d in _typo_keys(k)] for k in list(vocab)]
        variants += [[]] * (len(vocab) - len(variants))
        blocking = len(vocab)
        for kind in _KINDS:
            starts[kind], ids[kind] = numbered([getattr(s, kind) for s in sets])
        return cls(vocab, blocking, variants, starts, ids)


@dataclass(frozen=True, slots=True)
class _Members:
    """Every part's key sets (`_KeySets`) as integer key ids, to test many pairs at once.

    Per kind of set, `starts`/`ids` list each part's key ids (part p's are
    ids[starts[p]:starts[p + 1]]), and `held` is every (part, key) as one sorted integer,
    part * size + key, to search, with a table of their hashes (`_hash_table`). Per key,
    `tf` is its share of records and `rarity` its term-frequency adjustment (0 where the
    share is unknown).
    """

    parts: int
    size: int
    starts: dict[str, IntArray]
    ids: dict[str, IntArray]
    held: dict[str, IntArray]
    tables: dict[str, tuple[int, NDArray[np.bool_]]]
    tf: FloatArray
    rarity: FloatArray

    @classmethod
    def of(cls, numbered: _KeyIds, tf: FloatArray, tf_mean: tuple[float, float]) -> _Members:
        size = max(len(numbered.vocab), 1)
        held = {}
        for kind in _KINDS:
            bounds = numbered.starts[kind]
            part = np.repeat(np.arange(len(bounds) - 1, dtype=np.int64), np.diff(bounds))
            held[kind] = np.sort(part * size + numbered.ids[kind])
        shares = np.zeros(size)
        shares[: len(tf)] = tf
        # A shared spelling is rarer or commoner than spellings, a looser key than keys.
        spelled = np.zeros(size, dtype=np.bool_)
        spelled[numbered.ids["exact"]] = True
        mean = np.where(spelled, tf_mean[0], tf_mean[1])
        rated = (shares > 0) & (mean > 0)
        rarity = np.zeros(size)
        # math.log2, not numpy's: the two may differ in the last bit.
        rarity[rated] = [
            max(-_TF_CAP, min(_TF_CAP, math.log2(m / f)))
            for m, f in zip(mean[rated].tolist(), shares[rated].tolist(), strict=True)
        ]
        starts = {kind: numbered.starts[kind] for kind in _KINDS}
        ids = {kind: numbered.ids[kind] for kind in _KINDS}
        tables = {kind: _hash_table(held[kind]) for kind in _KINDS}
        return cls(
            len(numbered.starts["exact"]) - 1, size, starts, ids, held, tables, shares, rarity
        )

    def meet(
        self, xs: IntArray, ys: IntArray, left: str, right: str
    ) -> tuple[NDArray[np.bool_], IntArray, IntArray]:
        """Whether each x's `left` set meets its y's `right` set, and the keys they share
        as (pair index, key id), by pair index."""
        key, pair = _spread(
            self.starts[left], self.ids[left], xs, np.arange(len(xs), dtype=np.int64)
        )
        held = self.held[right]
        probe = ys[pair] * self.size + key
        # Most probes miss: their hashes rule most of them out before the search.
        bits, table = self.tables[right]
        may = np.flatnonzero(table[_hashed(probe, bits)])
        probe, pair, key = probe[may], pair[may], key[may]
        at = np.minimum(np.searchsorted(held, probe), max(len(held) - 1, 0))
        shared = held[at] == probe if len(held) else np.zeros(len(probe), dtype=np.bool_)
        pair, key = pair[shared], key[shared]
        return np.bincount(pair, minlength=len(xs)) > 0, pair, key

    def codes(self, xs: IntArray, ys: IntArray) -> tuple[IntArray, FloatArray]:
        """`_KeySets.code` of each pair (x, y), and for each that agrees the log2 weight
        for agreeing on a rarer (positive) or commoner (negative) name: log2 of the mean
        share of records agreeing on a name over this name's share, capped (0 for the
        others)."""
        codes = np.zeros(len(xs), dtype=np.int64)
        adjust = np.zeros(len(xs))
        # The most specific agreement decides: a shared spelling, its rarest one (none if
        # any is of unknown frequency); else the commonest shared key of known frequency.
        exact, pair, key = self.meet(xs, ys, "exact", "exact")
        codes[exact] = _EXACT
        rarest = _reduce_runs(np.maximum, pair, self.rarity[key], len(xs), -np.inf)
        unknown = np.bincount(pair[self.tf[key] <= 0], minlength=len(xs)) > 0
        adjust[exact] = np.where(unknown, 0.0, rarest)[exact]
        rest = np.flatnonzero(~exact)
        agree, pair, key = self.meet(xs[rest], ys[rest], "agree", "agree")
        codes[rest[agree]] = _STRONG
        known = self.tf[key] > 0
        commonest = _reduce_runs(
            np.minimum, pair[known], self.rarity[key[known]], len(rest), np.inf
        )
        adjust[rest[agree]] = np.where(np.isinf(commonest), 0.0, commonest)[agree]
        rest = rest[~agree]
        x, y = xs[rest], ys[rest]
        similar = (
            self.meet(x, y, "keys", "keys")[0]
            | self.meet(x, y, "keys", "dels")[0]
            | self.meet(x, y, "dels", "keys")[0]
            | self.meet(x, y, "subs", "subs")[0]
        )
        codes[rest[similar]] = _WEAK
        return codes, adjust


def _reduce_runs(
    ufunc: np.ufunc, index: IntArray, values: FloatArray, size: int, empty: float
) -> FloatArray:
    """`ufunc` over each run of a sorted index's values, `empty` where an index has none."""
    out = np.full(size, empty)
    if len(index):
        starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
        out[index[starts]] = ufunc.reduceat(values, starts)
    return out


_SCRIPTS = ("hebrew", "arabic", "other")
# A slip of one letter in a shorter word may well be another name (Dan, Dana; Rut, Ron).
_MIN_TYPO_LENGTH = 4


class _PartTable:
    """Interned name parts with the key sets that decide how two parts compare."""

    def __init__(self) -> None:
        self._by_names: dict[tuple[str, ...], tuple[int, ...]] = {}
        self.ids: dict[tuple[str, ...], int] = {}
        self._of_word: dict[str, int] = {}  # the part of one word, by its text
        self._of_written: dict[str, int] = {}  # ... and by the word as written, if plain
        self.words = _WordCodes()
        self.parts: list[tuple[NameToken, ...]] = []
        self.keys: list[tuple[str, ...]] = []  # blocking keys: phonetic keys and groups
        self.sets: list[_KeySets] = []
        # Everything two parts could share; disjoint means the parts are unrelated.
        self.near: list[frozenset[str]] = []
        # The near set as bits (a key's hash picks its bit): disjoint bits, disjoint sets.
        self._near_array = np.zeros((0, _NEAR_WORDS), dtype=np.uint64)
        # The Latin/Cyrillic spelling of a part, if it has one, for string similarity.
        self.latin: list[str] = []
        # A spelling of the part per script ("" if none, or too short to tell a slip).
        self.spelled: dict[str, list[str]] = {script: [] for script in _SCRIPTS}
        # Per script, each spelling's length and first and last letters (`_word_ends`).
        self._ends: dict[str, tuple[IntArray, IntArray, IntArray]] = {}
        # Each Latin spelling's length, and the spellings as an array, for `_spelling`.
        self._latin_lengths = np.zeros(0, dtype=np.int64)
        self._latin_array = np.zeros(0, dtype=object)
        self.numbered = _KeyIds.of((), ())
        self.tf = np.zeros(0)  # share of records carrying each key, by key id
        self.tf_mean = (0.0, 0.0)
        # Part pairs compared so far (sorted), with their codes and rarity adjustments.
        self._known = np.empty(0, dtype=np.int64)
        self._codes = np.empty(0, dtype=np.int8)
        self._adjust = np.empty(0)
        self._members: _Members | None = None

    def of_names(self, names: tuple[str, ...]) -> tuple[int, ...]:
        """The part ids of a record's names."""
        pids = self._by_names.get(names)
        if pids is None:
            if len(names) == 1:  # most records: one written name, each word its own part
                pids = tuple(dict.fromkeys(self._word_parts(names[0])))[:_MAX_PARTS]
            else:
                pids = tuple(self.intern(p) for p in _group_parts(names, self.words))
            self._by_names[names] = pids
        return pids

    def _word_parts(self, name: str) -> list[int]:
        """The part of each word of a name; a word that is a name as it stands (most) is
        looked up as written, without analysing the name again."""
        written = plain_words(name)
        if written is not None:
            of_written = self._of_written
            found = [of_written.get(w, -1) for w in written]
            if -1 not in found:
                return found
            plain = [plain_token(w) for w in written]
            if None not in plain:
                found = [self.intern((t,)) for t in plain if t is not None]
                of_written.update(zip(written, found, strict=True))
                return found
        # Otherwise (a particle, a joined article, a hyphen): its words as `tokens` reads them.
        words = tokens(name) if written is None else plain_tokens(written)
        of_word = self._of_word
        found = [of_word.get(t.text, -1) for t in words]
        if -1 in found:
            found = [self.intern((t,)) for t in words]
        return found

    def intern(self, part: tuple[NameToken, ...]) -> int:
        signature = (part[0].text,) if len(part) == 1 else tuple(sorted(t.text for t in part))
        pid = self.ids.get(signature)
        if pid is None:
            pid = len(self.parts)
            self.ids[signature] = pid
            if len(part) == 1:
                self._of_word[part[0].text] = pid
            self.parts.append(part)
            keys = {k for t in part for k in t.keys if k}
            groups = {g for t in part for g in t.groups}
            self.keys.append(tuple(sorted(keys | {f"g{g}" for g in groups})))
            spellings = {t.spelling for t in part}
            shapes = {w for t in part for w in t.shapes}
            sets = _KeySets.of(keys, groups, spellings, shapes)
            self.sets.append(sets)
            near = sets.agree | sets.keys | sets.dels | sets.subs
            self.near.append(near)
            self.latin.append(next((t.latin for t in part if t.script == "other"), ""))
            for script in _SCRIPTS:
                word = next((t.spelling for t in part if t.script == script), "")
                self.spelled[script].append(word if len(word) >= _MIN_TYPO_LENGTH else "")
        return pid

    def count_frequencies(self, sides: Iterable[IntArray]) -> None:
        """Number every part's keys (`_KeyIds`, all parts are known by now) and count the
        share of records carrying each agreement key, for term-frequency adjustment
        (`sides`: each side's part rows, `_name_rows`)."""
        numbered = self.numbered = _KeyIds.of(self.keys, self.sets)
        starts, ids = numbered.starts["agree"], numbered.ids["agree"]
        keys_l, records_l = [], []
        n = 0
        for part_rows in sides:
            rows, slots = np.nonzero(part_rows >= 0)
            keys, records = _spread(starts, ids, part_rows[rows, slots], rows + n)
            keys_l.append(keys)
            records_l.append(records)
            n += len(part_rows)
        # A key counts once per record, however many of its parts carry it.
        size = max(len(numbered.vocab), 1)
        coded = np.concatenate(records_l) * size + np.concatenate(keys_l)
        held = _distinct(coded) % size
        self.tf = np.bincount(held, minlength=size) / max(n, 1)
        # The average frequency of the value two random records agree on, for spellings
        # and for the looser keys: the reference a specific value is rarer or commoner than.
        spelled = np.zeros(size, dtype=np.bool_)
        spelled[numbered.ids["exact"]] = True
        carried = self.tf > 0
        self.tf_mean = (
            _mean_agreeing(self.tf[carried & spelled].tolist()),
            _mean_agreeing(self.tf[carried & ~spelled].tolist()),
        )
        self._members = None  # their rarity changed

    def learn(self, found: Sequence[IntArray], each: _Map = map) -> None:
        """Compare the part pairs of `found` (sorted distinct arrays) not compared before.

        The comparisons are split in pieces that `each` may run on threads: a pair's code
        depends on the pair alone, so the pieces do not depend on each other."""
        pairs = _distinct(np.concatenate([self._known[:0], *found]))
        at = np.searchsorted(self._known, pairs)
        hit = at < len(self._known)
        hit[hit] = self._known[at[hit]] == pairs[hit]
        new, at = pairs[~hit], at[~hit]
        if not len(new):
            return
        self.members()
        step = max(_MIN_CHUNK, -(-len(new) // _PIECES))
        pieces = list(each(self._compute, [new[i : i + step] for i in range(0, len(new), step)]))
        codes = np.concatenate([self._codes[:0], *(c for c, _ in pieces)])
        adjust = np.concatenate([self._adjust[:0], *(r for _, r in pieces)])
        if not len(self._known):  # the first pairs compared: nothing to merge them with
            self._known, self._codes, self._adjust = new, codes, adjust
            return
        # Both are sorted: merge them by where each new pair goes, without sorting.
        size = len(self._known) + len(new)
        to_new = at + np.arange(len(new))
        to_old = np.ones(size, dtype=np.bool_)
        to_old[to_new] = False
        known = np.empty(size, dtype=np.int64)
        known[to_new], known[to_old] = new, self._known
        merged_codes = np.empty(size, dtype=np.int8)
        merged_codes[to_new], merged_codes[to_old] = codes, self._codes
        merged_adjust = np.empty(size)
        merged_adjust[to_new], merged_adjust[to_old] = adjust, self._adjust
        self._known, self._codes, self._adjust = known, merged_codes, merged_adjust

    def members(self) -> _Members:
        """The parts' key sets (and near sets' bits) as arrays, built once all parts and
        frequencies are known."""
        members = self._members
        if members is None or members.parts != len(self.sets):
            if len(self.numbered.starts["exact"]) - 1 != len(self.sets):
                self._renumber()
            members = self._members = _Members.of(self.numbered, self.tf, self.tf_mean)
            self._near_array = _near_bits(self.near)
            self._ends = {script: _word_ends(self.spelled[script]) for script in _SCRIPTS}
            self._latin_lengths = np.fromiter(map(len, self.latin), np.int64, len(self.latin))
            self._latin_array = np.asarray(self.latin, dtype=object)
        return members

    def _renumber(self) -> None:
        """Number the keys again for parts interned after the count, keeping the shares
        counted (a new part's keys count as of unknown share)."""
        before, shares = self.numbered.vocab, self.tf
        self.numbered = _KeyIds.of(self.keys, self.sets)
        self.tf = np.zeros(len(self.numbered.vocab))
        for key, k in before.items():
            if k < len(shares):
                self.tf[self.numbered.vocab[key]] = shares[k]

    def looked_up(self, cells: _Cells) -> tuple[Int8Array, FloatArray]:
        """The code of every part of one record with every part of the other, pair by pair
        (`cells.valid`'s shape, -1 where either part is missing), and the rarity adjustment
        of each distinct part pair (`cells.unique`'s; 0 unless the parts agree), for part
        pairs already compared (`learn`). It only reads, so chunks may be looked up on
        several threads at once.

        Adjustments stay one per distinct part pair: a pair's level reads at most three of
        its cells' (`_name_levels`), and spreading them to every cell as float64 cost more
        than the codes themselves."""
        codes = np.full(cells.valid.shape, _NULL, dtype=np.int8)
        adjust = np.zeros(0)
        if len(cells.unique):
            # Each distinct pair's code first, then spread to the cells: gathers from the
            # chunk's distinct pairs, not from every pair compared so far.
            at = np.searchsorted(self._known, cells.unique)
            codes[cells.valid] = self._codes[at][cells.inverse]
            adjust = self._adjust[at]
        return codes, adjust

    def _compute(self, pairs: IntArray) -> tuple[Int8Array, FloatArray]:
        members = self._members
        assert members is not None  # built by `learn`
        xs, ys = pairs >> _PAIR_SHIFT, pairs & _PAIR_MASK
        codes = np.zeros(len(pairs), dtype=np.int64)
        adjust = np.zeros(len(pairs))
        # Most pairs share nothing at all: their bits settle them without a set test.
        related = np.flatnonzero(self._may_share(xs, ys))
        codes[related], adjust[related] = members.codes(xs[related], ys[related])
        # Spelling alone makes parts similar or misspelled, never agreeing: no adjustment.
        self._spelling(xs, ys, codes)
        self._misspelled(xs, ys, codes)
        return codes.astype(np.int8), adjust

    def _may_share(self, pa: IntArray, pb: IntArray) -> NDArray[np.bool_]:
        """False where two parts' near sets are surely disjoint (no bit in common)."""
        bits = self._near_array  # made by `members`, before pieces run on threads
        out = np.zeros(len(pa), dtype=np.bool_)
        for start in range(0, len(pa), _CHUNK):
            x, y = pa[start : start + _CHUNK], pb[start : start + _CHUNK]
            out[start : start + _CHUNK] = (bits[x] & bits[y]).any(axis=1)
        return out

    def _spelling(self, pa: IntArray, pb: IntArray, codes: IntArray) -> None:
        """Count near-identical Latin spellings as similar: typos that change a consonant."""
        lengths = self._latin_lengths  # made by `members`, before pieces run on threads
        la, lb = lengths[pa], lengths[pb]
        todo = np.flatnonzero((codes == _NONE) & (la >= 4) & (lb >= 4) & (np.abs(la - lb) <= 2))
        if not len(todo):
            return
        latin = self._latin_array
        scores = process.cpdist(
            latin[pa[todo]].tolist(),
            latin[pb[todo]].tolist(),
            scorer=JaroWinkler.normalized_similarity,
            score_cutoff=_SPELLING_SIMILAR,
        )
        codes[todo[np.asarray(scores) >= _SPELLING_SIMILAR]] = _WEAK

    def _misspelled(self, pa: IntArray, pb: IntArray, codes: IntArray) -> None:
        """Two spellings in one script a single slip apart (a letter dropped, added, changed
        or two swapped) are one name misspelled, unless the word is too short to tell.

        A slip changes the length by one at most and, in a word of four letters or more
        (`_MIN_TYPO_LENGTH`), never both its first and its last letter: only the pairs that
        keep these are measured (a fifth of those spelled in one script)."""
        todo = np.flatnonzero(codes < _STRONG)
        if not len(todo):
            return
        xs, ys = pa[todo], pb[todo]
        for script in _SCRIPTS:
            spelled = self.spelled[script]
            length, first, last = self._ends[script]  # made by `members`, before threads
            lx, ly = length[xs], length[ys]
            rows = np.flatnonzero(
                (lx > 0)
                & (ly > 0)
                & (np.abs(lx - ly) <= 1)
                & ((first[xs] == first[ys]) | (last[xs] == last[ys]))
            )
            if not len(rows):
                continue
            dist = process.cpdist(
                [spelled[x] for x in xs[rows].tolist()],
                [spelled[y] for y in ys[rows].tolist()],
                scorer=OSA.distance,
                score_cutoff=1,
            )
            codes[todo[rows[np.asarray(dist) <= 1]]] = _TYPO


def _word_ends(words: Sequence[str]) -> tuple[IntArray, IntArray, IntArray]:
    """Each word's length, and its first and last letters as code points (0 for "")."""
    n = len(words)
    return (
        np.fromiter(map(len, words), np.int64, n),
        np.fromiter((ord(w[0]) if w else 0 for w in words), np.int64, n),
        np.fromiter((ord(w[-1]) if w else 0 for w in words), np.int64, n),
    )


# Bits for a part's near set: with a handful of keys a part, two unrelated parts rarely
# share one by chance.
_NEAR_WORDS = 8
_NEAR_BITS = 64 * _NEAR_WORDS


def _near_bits(near: Sequence[frozenset[str]]) -> NDArray[np.uint64]:
    """Each near set as bits, (sets, _NEAR_WORDS): a key's hash picks its bit."""
    counts = np.fromiter(map(len, near), np.int64, len(near))
    hashes = np.fromiter(map(hash, chain.from_iterable(near)), np.int64, int(counts.sum()))
    bit = hashes % _NEAR_BITS
    out = np.zeros((len(near), _NEAR_WORDS), dtype=np.uint64)
    row = np.repeat(np.arange(len(near)), counts)
    np.bitwise_or.at(
        out, (row, bit // 64), np.left_shift(np.uint64(1), (bit % 64).astype(np.uint64))
    )
    return out


# Part pairs are cached as one integer: the first part's id shifted above the second's.
_PAIR_SHIFT = 32
_PAIR_MASK = (1 << _PAIR_SHIFT) - 1
# Newly seen part pairs are compared in up to this many pieces (for threads).
_PIECES = 4


class _Map(Protocol):
    """`map`, or a thread pool's: each item through a function, results in order."""

    def __call__(self, fn: Callable[[_T], _R], items: Iterable[_T], /) -> Iterator[_R]: ...


@dataclass(frozen=True, slots=True)
class _Cells:
    """The part pairs of pairs of records: which cells (a part of one, a part of the other)
    hold two parts, the distinct part pairs among them (sorted, coded as a << 32 | b), and
    each held cell's index into those."""

    valid: NDArray[np.bool_]  # (n, parts a, parts b)
    unique: IntArray
    inverse: IntArray

    @classmethod
    def of(cls, rows_a: IntArray, rows_b: IntArray) -> _Cells:
        valid = (rows_a >= 0)[:, :, None] & (rows_b >= 0)[:, None, :]
        size = int(max(rows_a.max(initial=-1), rows_b.max(initial=-1))) + 1
        held = int(np.count_nonzero(valid))
        index_bits = max(held - 1, 1).bit_length()
        if (size * size).bit_length() + index_bits > 63:
            pairs = ((rows_a << _PAIR_SHIFT)[:, :, None] | rows_b[:, None, :])[valid]
            unique, inverse = np.unique(pairs, return_inverse=True)
            return cls(valid, unique, inverse.ravel())
        # np.unique's inverse takes an argsort; a plain sort of each pair with its cell's
        # index below it is faster. The packed values are distinct, so any sort orders them
        # alike: numpy's quicksort (vectorised on x86) took a sixth of its merging sort's
        # time on these (0.05 s against 0.31 s at 100,000 x 20,000).
        pairs = ((rows_a * size)[:, :, None] + rows_b[:, None, :])[valid]
        packed = (pairs << index_bits) | np.arange(held)
        packed.sort()
        ordered = packed >> index_bits
        first = np.ones(held, dtype=np.bool_)
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        inverse = np.empty(held, dtype=np.int64)
        inverse[packed & ((1 << index_bits) - 1)] = np.cumsum(first) - 1
        distinct = ordered[first]
        return cls(valid, (distinct // size) << _PAIR_SHIFT | distinct % size, inverse)


def _mean_agreeing(frequencies: Sequence[float]) -> float:
    """Chance two random records agree on a value, per value share (as splink: sum f^2).

    Records carry several keys each, so frequencies are first made shares of their sum.
    Sums are exact (fsum), so the result does not depend on the order keys come in (which
    follows string hashing, different in every process).
    """
    total = math.fsum(frequencies)
    return math.fsum(f * f for f in frequencies) / total if total else 0.0


# ----------------------------------------------------------------------------------------
# Records as arrays.

_HAIRS = {h: i for i, h in enumerate(HAIR)}
_BUILDS = {b: i for i, b in enumerate(BUILD_ORDER)}
_TERMS = {t: i for i, t in enumerate((*COLOURS, *GARMENTS))}
_MARK_KINDS = {m: i for i, m in enumerate(MARKS)}
_N_BODY = len(BODY_PARTS) * (len(SIDES) + 1)
_WORDS = 4  # 256-bit sets for outfits and mark places


_COLOUR_INDEX = {c: i for i, c in enumerate(COLOURS)}
_GARMENT_INDEX = {g: i for i, g in enumerate(GARMENTS)}
_SIDE_INDEX = {s: i for i, s in enumerate(SIDES)}
_BODY_INDEX = {b: i for i, b in enumerate(BODY_PARTS)}


def _outfit_bit(outfit: str) -> int:
    colour, garment = outfit.split(" ", 1)
    return (_COLOUR_INDEX[colour] * len(GARMENTS) + _GARMENT_INDEX[garment]) % 256


def _place_bit(place: str) -> int:
    words = place.split(" ")
    mark, part = words[0], words[-1]
    side = 1 + _SIDE_INDEX[words[1]] if len(words) == 3 else 0
    body = _BODY_INDEX[part] * (len(SIDES) + 1) + side
    return (_MARK_KINDS[mark] * _N_BODY + body) % 256


def _mask(bits: Iterable[int], words: int = 1) -> list[int]:
    out = [0] * words
    for bit in bits:
        out[bit // 64] |= 1 << (bit % 64)
    return out


def _hours(t: datetime) -> float:
    aware = t if t.tzinfo is not None else t.replace(tzinfo=UTC)
    return aware.timestamp() / 3600.0


def _age_range(record: PersonRecord, as_of: date | None) -> tuple[float, float]:
    if record.age_min is not None or record.age_max is not None:
        lo = record.age_min if record.age_min is not None else record.age_max
        hi = record.age_max if record.age_max is not None else record.age_min
        return (min(lo or 0.0, hi or 0.0), max(lo or 0.0, hi or 0.0))
    if record.birth_date is not None:
        ref = record.time.date() if record.time is not None else as_of
        if ref is not None:
            b = record.birth_date
            age = ref.year - b.year - ((ref.month, ref.day) < (b.month, b.day))
            return (float(age), float(age))
    return (math.nan, math.nan)


def _reference_date(records: Iterable[PersonRecord]) -> date | None:
    """The incident's day, for ages from birth dates on records with no time: the median
    day of the records that have one."""
    days = sorted(r.time.date().toordinal() for r in records if r.time is not None)
    return date.fromordinal(days[len(days) // 2]) if days else None


@dataclass(slots=True)
class _Table:
    """Column arrays of one side's records."""

    records: Sequence[PersonRecord]
    parts: IntArray  # (n, _MAX_PARTS) part ids, -1 padding
    nparts: IntArray
    sex: IntArray  # 0 unknown, 1 male, 2 female
    age_lo: FloatArray
    age_hi: FloatArray
    dob: IntArray  # proleptic ordinal, -1 unknown
    dob_ymd: IntArray  # (n, 3)
    hair: IntArray
    build: IntArray
    terms: NDArray[np.uint64]
    outfits: NDArray[np.uint64]  # (n, _WORDS)
    mark_kinds: NDArray[np.uint64]
    mark_places: NDArray[np.uint64]  # (n, _WORDS)
    lon: FloatArray
    lat: FloatArray
    hours: FloatArray
    found: NDArray[np.bool_]
    casualty: NDArray[np.bool_]
    # What a nameless record is looked up by (`_descriptions`), and by what else when
    # that is nothing (`_vague_terms`).
    lookup_terms: list[tuple[str, ...]] = field(default_factory=list)
    vague_terms: list[tuple[str, ...]] = field(default_factory=list)
    # The shared place (`_mark_sites`) a found record is at, -1 if none, and the shared
    # places nearest each record's place, nearest first (-1 padding).
    site: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    near: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    sited: bool = False  # any record at a shared place
    # Places in km on a plane about the records' middle latitude (`_mark_sites`), NaN if
    # unknown: exact enough within a region of a few tens of kilometres.
    x: FloatArray = field(default_factory=lambda: np.zeros(0))
    y: FloatArray = field(default_factory=lambda: np.zeros(0))


_SEXES = {"male": 1, "m": 1, "female": 2, "f": 2}


@dataclass(frozen=True, slots=True)
class _Described:
    """Description columns of one side's records (`_Table`'s), and the terms a nameless
    record is looked up by."""

    hair: IntArray
    build: IntArray
    terms: NDArray[np.uint64]
    outfits: NDArray[np.uint64]
    mark_kinds: NDArray[np.uint64]
    mark_places: NDArray[np.uint64]
    lookup_terms: list[tuple[str, ...]]
    vague_terms: list[tuple[str, ...]]


def _worn(text: str | None) -> tuple[int, tuple[int, ...], tuple[str, ...], tuple[str, ...]]:
    """Clothing columns: term bits, outfit bits, the outfits a record is looked up by, and
    the garments (whatever their colour) it is looked up by when it has nothing better."""
    worn, outfits = clothing_terms(text)
    return (
        _mask(_TERMS[t] for t in worn)[0],
        tuple(_mask((_outfit_bit(o) for o in outfits), _WORDS)),
        tuple(f"o:{o}" for o in sorted(outfits)),
        tuple(f"g:{g}" for g in sorted(worn) if g in GARMENTS),
    )


def _marked(text: str | None) -> tuple[int, tuple[int, ...], tuple[str, ...], tuple[str, ...]]:
    """Mark columns: kind bits, place bits, the marks (with where) a record is looked up
    by, and the kinds of mark (wherever they are) it is looked up by when it has nothing
    better."""
    kinds, places = mark_terms(text)
    return (
        _mask(_MARK_KINDS[m] for m in kinds)[0],
        tuple(_mask((_place_bit(p) for p in places), _WORDS)),
        tuple(f"m:{p}" for p in sorted(places)),
        tuple(f"k:{k}" for k in sorted(kinds)),
    )


# The vague terms (`_vague_terms`) of a hair or build code.
_HAIR_WORDS = {code: (f"h:{hair}",) for hair, code in _HAIRS.items()}
_BUILD_WORDS = {code: (f"b:{build}",) for build, code in _BUILDS.items()}


def _hair_code(text: str | None) -> int:
    hair = hair_term(text)
    return _HAIRS[hair] if hair is not None else _NULL


def _build_code(text: str | None) -> int:
    build = build_term(text)
    return _BUILDS[build] if build is not None else _NULL


def _each_distinct(texts: Sequence[_T], reduce: Callable[[_T], _R]) -> tuple[list[_R], IntArray]:
    """`reduce` of each distinct text (or other value), once, and each one's index among them."""
    distinct = list(dict.fromkeys(texts))
    index = dict(zip(distinct, range(len(distinct)), strict=True))
    at = np.fromiter(map(index.__getitem__, texts), np.int64, len(texts))
    return [reduce(t) for t in distinct], at


def _descriptions(records: Sequence[PersonRecord]) -> _Described:
    """The records' description columns, field by field, each distinct text reduced once
    (most records share their hair, build and marks texts with thousands of others).

    What a nameless record is looked up by: garments with their colour, and marks with
    where they are. Hair with build, or a garment with the hair colour, fits thousands in a
    town: on generated populations those blocks were a tenth of all pairs and found no link
    the specific terms missed. A record with none of those is looked up by its vague terms
    instead (`_vague_terms`), in blocks of bounded size.
    """
    hair, hair_at = _each_distinct([r.hair for r in records], _hair_code)
    build, build_at = _each_distinct([r.build for r in records], _build_code)
    worn, worn_at = _each_distinct([r.clothing for r in records], _worn)
    marked, marked_at = _each_distinct([r.marks for r in records], _marked)
    outfits = np.asarray([w[1] for w in worn], dtype=np.uint64).reshape(len(worn), _WORDS)
    places = np.asarray([m[1] for m in marked], dtype=np.uint64).reshape(len(marked), _WORDS)
    by_clothing, by_marks = [w[2] for w in worn], [m[2] for m in marked]
    hair_codes = np.asarray(hair, dtype=np.int64)[hair_at]
    build_codes = np.asarray(build, dtype=np.int64)[build_at]
    return _Described(
        hair=hair_codes,
        build=build_codes,
        terms=np.fromiter((w[0] for w in worn), np.uint64, len(worn))[worn_at],
        outfits=outfits[worn_at],
        mark_kinds=np.fromiter((m[0] for m in marked), np.uint64, len(marked))[marked_at],
        mark_places=places[marked_at],
        lookup_terms=[
            by_clothing[w] + by_marks[m]
            for w, m in zip(worn_at.tolist(), marked_at.tolist(), strict=True)
        ],
        vague_terms=_vague_terms(
            hair_codes,
            build_codes,
            ([w[3] for w in worn], worn_at),
            ([m[3] for m in marked], marked_at),
        ),
    )


def _vague_terms(
    hair: IntArray,
    build: IntArray,
    garments: tuple[list[tuple[str, ...]], IntArray],
    marks: tuple[list[tuple[str, ...]], IntArray],
) -> list[tuple[str, ...]]:
    """Each record's vague terms: hair colour, build, each garment whatever its colour and
    each kind of mark wherever it is. The dead are remembered "by their body structure,
    their hair color, or what they wore"; a nameless record with no garment of a known
    colour and no mark in a known place is looked up by these (`_VAGUE_BLOCK`)."""
    combined, at = _each_distinct(
        list(
            zip(hair.tolist(), build.tolist(), garments[1].tolist(), marks[1].tolist(), strict=True)
        ),
        lambda k: (
            _HAIR_WORDS.get(k[0], ())
            + _BUILD_WORDS.get(k[1], ())
            + garments[0][k[2]]
            + marks[0][k[3]]
        ),
    )
    return [combined[i] for i in at.tolist()]


def _name_rows(records: Sequence[PersonRecord], parts: _PartTable) -> tuple[IntArray, IntArray]:
    """Each record's part ids ((n, _MAX_PARTS), -1 padding) and how many it has."""
    n = len(records)
    pad = (-1,) * _MAX_PARTS
    pids = [parts.of_names(tuple(r.names)) for r in records]
    rows = np.asarray([(p + pad)[:_MAX_PARTS] for p in pids], dtype=np.int64)
    return rows.reshape(n, _MAX_PARTS), np.fromiter(map(len, pids), np.int64, n)


def _table(
    records: Sequence[PersonRecord], names: tuple[IntArray, IntArray], as_of: date | None
) -> _Table:
    """The columns of one side's records; `names`, their part rows (`_name_rows`)."""
    n = len(records)
    births = [r.birth_date for r in records]
    described = _descriptions(records)
    ages = np.asarray([_age_range(r, as_of) for r in records], dtype=np.float64).reshape(n, 2)
    lon = np.asarray([r.lon for r in records], dtype=np.float64)
    lat = np.asarray([r.lat for r in records], dtype=np.float64)
    unplaced = np.isnan(lon) | np.isnan(lat)  # None reads as NaN
    return _Table(
        records=records,
        parts=names[0],
        nparts=names[1],
        sex=np.fromiter((_SEXES.get((r.sex or "").lower(), 0) for r in records), np.int64, n),
        age_lo=ages[:, 0].copy(),
        age_hi=ages[:, 1].copy(),
        dob=np.fromiter((b.toordinal() if b is not None else -1 for b in births), np.int64, n),
        dob_ymd=np.asarray(
            [(b.year, b.month, b.day) if b is not None else (-1, -1, -1) for b in births],
            dtype=np.int64,
        ).reshape(n, 3),
        hair=described.hair,
        build=described.build,
        terms=described.terms,
        outfits=described.outfits,
        mark_kinds=described.mark_kinds,
        mark_places=described.mark_places,
        lon=np.where(unplaced, math.nan, lon),
        lat=np.where(unplaced, math.nan, lat),
        hours=np.fromiter(
            (_hours(r.time) if r.time is not None else math.nan for r in records), np.float64, n
        ),
        found=np.fromiter((r.kind is not RecordKind.MISSING for r in records), np.bool_, n),
        casualty=np.fromiter((r.kind is RecordKind.CASUALTY for r in records), np.bool_, n),
        lookup_terms=described.lookup_terms,
        vague_terms=described.vague_terms,
    )


# Found records at exactly one place, this many or more, mark a shared place: a shelter or a
# hospital where people check in or are brought.
_SITE_RECORDS = 5
# People walk to one of the shelters nearest where they were; each record's nearest few.
_NEAR_SITES = 4
# A shared place further than this from where a person was last seen is judged by distance
# (a hospital casualties are taken to).
_SITE_REACH_KM = 10.0
_SITE_ROWS = 8192


def _mark_sites(tables: Sequence[_Table]) -> None:
    """Find the places many found records share and, for each record, the nearest of them.

    Survivors check in at shelters, mostly one of the few nearest where they were; that a
    survivor's shelter is the nearest to where a person was last seen says more than the
    distance to it, which depends on where the shelters happen to be.
    """
    lats = np.concatenate([t.lat for t in tables])
    placed = lats[~np.isnan(lats)]
    middle = math.radians(float(np.median(placed))) if len(placed) else 0.0
    km_per_lon = _KM_PER_DEG_LON * math.cos(middle)
    for t in tables:
        t.x, t.y = t.lon * km_per_lon, t.lat * _KM_PER_DEG_LAT
    found = [np.flatnonzero(t.found & ~np.isnan(t.lon)) for t in tables]
    coords = np.concatenate(
        [np.column_stack((t.lon[f], t.lat[f])) for t, f in zip(tables, found, strict=True)]
    ).reshape(-1, 2)
    sites, inverse, counts = np.unique(coords, axis=0, return_inverse=True, return_counts=True)
    shared = counts >= _SITE_RECORDS
    number = np.where(shared, np.cumsum(shared) - 1, -1)
    sites = sites[shared]
    site_x, site_y = sites[None, :, 0] * km_per_lon, sites[None, :, 1] * _KM_PER_DEG_LAT
    at = number[inverse.ravel()]
    start = 0
    for t, f in zip(tables, found, strict=True):
        t.site = np.full(len(t.records), -1, dtype=np.int64)
        t.site[f] = at[start : start + len(f)]
        t.sited = bool((t.site >= 0).any())
        start += len(f)
        t.near = np.full((len(t.records), min(_NEAR_SITES, len(sites))), -1, dtype=np.int64)
        if not len(sites):
            continue
        for i in range(0, len(t.records), _SITE_ROWS):
            x, y = t.x[i : i + _SITE_ROWS, None], t.y[i : i + _SITE_ROWS, None]
            squared = (x - site_x) ** 2 + (y - site_y) ** 2
            order = np.argsort(np.where(np.isnan(squared), np.inf, squared), axis=1, kind="stable")
            near = order[:, : t.near.shape[1]]
            t.near[i : i + _SITE_ROWS] = np.where(np.isnan(x), -1, near)


# ----------------------------------------------------------------------------------------
# Blocking.

_AGE_BAND = 5
_DESC_AGE_BAND = 10


@lru_cache(maxsize=4096)
def _bands(age: tuple[float, float] | None, width: int, slack: float) -> tuple[str, ...]:
    """Age bands an age range (None: unknown) falls in, give or take `slack` years."""
    if age is None:
        return ("?",)
    lo, hi = age
    first = int(max(0.0, lo - slack) // width)
    last = int((hi + slack) // width)
    return tuple(str(b) for b in range(first, last + 1))


def _deletions(key: str) -> Iterator[str]:
    if len(key) >= 2 and not key.startswith("g"):
        for i in range(len(key)):
            yield key[:i] + key[i + 1 :]


class _Keys:
    """Blocking keys of one side, by rule, as (key, record index) arrays.

    Keys are numbers, equal exactly when the keys are: name-pair keys code two name keys
    (`_NameKeyIndex`), cell keys a word and a sex/age cell (`_Vocabulary`), birth dates are
    their day.
    """

    def __init__(self) -> None:
        self._arrays: dict[str, tuple[IntArray, IntArray]] = {}

    def put(self, rule: str, keys: IntArray, rows: IntArray) -> None:
        self._arrays[rule] = (keys, rows)

    def arrays(self, rules: tuple[str, ...]) -> tuple[IntArray, IntArray]:
        """Keys and record indices of some rules' keys."""
        empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
        found = [self._arrays.get(rule, empty) for rule in rules]
        return np.concatenate([k for k, _ in found]), np.concatenate([r for _, r in found])


class _Vocabulary:
    """Numbers for the words (name keys, description terms) and the sex/age cells that cell
    keys are made of, shared by both sides so that equal keys get equal numbers."""

    def __init__(self) -> None:
        self._words: dict[str, int] = {}
        self._cells: dict[str, int] = {}
        self._numbered: dict[tuple[bool, tuple[str, ...]], tuple[int, ...]] = {}

    def words(self, words: tuple[str, ...]) -> tuple[int, ...]:
        return self._number(words, self._words, cells=False)

    def cells(self, cells: tuple[str, ...]) -> tuple[int, ...]:
        return self._number(cells, self._cells, cells=True)

    def _number(self, items: tuple[str, ...], ids: dict[str, int], cells: bool) -> tuple[int, ...]:
        found = self._numbered.get((cells, items))
        if found is None:
            found = tuple(ids.setdefault(item, len(ids)) for item in items)
            self._numbered[cells, items] = found
        return found


# Lists of numbers as CSR arrays (`_ragged`).
_Lists = tuple[IntArray, IntArray]


def _ragged(lists: Sequence[tuple[int, ...]]) -> _Lists:
    """CSR arrays (starts, flat) of lists of numbers: list i is flat[starts[i]:starts[i + 1]]."""
    starts = np.cumsum([0, *map(len, lists)], dtype=np.int64)
    return starts, np.fromiter(chain.from_iterable(lists), np.int64, int(starts[-1]))


def _cell_keys(
    rows: IntArray,
    words: _Lists,
    word_list: IntArray,
    cells: _Lists,
    cell_list: IntArray,
) -> tuple[IntArray, IntArray]:
    """Keys of records `rows`, each word of its list (`words`' list `word_list`) in each cell
    of its list (`cells`' list `cell_list`): a key is its word's number times 2^32 plus its
    cell's number; and each key's record."""
    word, row, cell_at = _spread(*words, word_list, rows, cell_list)
    cell, word, row = _spread(*cells, cell_at, word, row)
    return (word << 32) | cell, row


# Join a rule of one side with a rule of the other: (query side rule, index side rule).
_JOINS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # Same consonants, or one side has a consonant more (a typo adds or drops one) ...
    ("name pair", ("name exact", "name typo"), ("name exact",)),
    ("name pair", ("name exact",), ("name typo",)),
    # ... or, in longer names, one consonant differs on both.
    ("name pair", ("name typo long",), ("name typo long",)),
    # ... or one part is spelled the same and the other a letter apart (in one script).
    ("name pair", ("name slip",), ("name slip",)),
    ("birth date", ("birth date",), ("birth date",)),
    ("single name part", ("one-part query",), ("part index",)),
    ("single name part", ("part index",), ("one-part query",)),
    ("description", ("nameless query",), ("description index",)),
    ("description", ("description index",), ("nameless query",)),
    ("vague description", ("vague query",), ("vague index",)),
    ("vague description", ("vague index",), ("vague query",)),
)

# A vague block (one vague term in one sex/age cell: `_vague_terms`) holding more records
# of the other side than this is left out whole, for every record that would look in it: a
# record known by nothing sharper than "black hair, male, 30-40" is one of thousands in a
# town's reports, and agreeing with one of them says next to nothing. Such a record still
# meets the records of its smaller blocks (a rarer hair colour or garment, unknown sex or
# age); in a small event no block is that large and it meets every report that fits. At
# 100,000 reports x 20,000 records (`magen bench matching`, seed 7) 230 nameless records
# have only vague terms: with no limit they bring 1,132,182 pairs (62% more candidates)
# and not one more link at 0.5; at 1,000, 223,335 pairs, 229 of the 230 meet some reports,
# and 46 of their 259 true pairs are among them (15 at 500, 5 at 250).
_VAGUE_BLOCK = 1_000
# Rules whose keys make blocks of bounded size, and the bound: a key of these rules held
# by more records of its side than this meets none of the other side.
_BLOCK_LIMITS: dict[tuple[str, ...], int] = {("vague index",): _VAGUE_BLOCK}


class _Wanted(NamedTuple):
    """What the other side must index for the rules that query it."""

    part_keys: set[str]  # part keys of one-part names
    terms: set[str]  # description terms of nameless records
    vague: set[str]  # vague terms of nameless records with no description term

    def __or__(self, other: _Wanted) -> _Wanted:
        return _Wanted(
            self.part_keys | other.part_keys, self.terms | other.terms, self.vague | other.vague
        )


def _wanted(table: _Table, parts: _PartTable) -> _Wanted:
    """Part keys of one-part names, description terms of nameless records and vague terms
    of nameless records with no description term: what the other side must index."""
    out = _Wanted(set(), set(), set())
    for i in range(len(table.records)):
        n = int(table.nparts[i])
        if n == 1:
            out.part_keys.update(parts.keys[int(table.parts[i, 0])])
        elif n == 0:
            terms = table.lookup_terms[i]
            out.terms.update(terms)
            if not terms:
                out.vague.update(table.vague_terms[i])
    return out


_SEX_CODES = ("?", "m", "f")


@lru_cache(maxsize=1024)
def _query_cells(sex: str, bands: tuple[str, ...]) -> tuple[str, ...]:
    """Sex/age cells a query looks in: its own and the unknown cells, or all when unknown."""
    sexes = ("*",) if sex == "?" else (sex, "?")
    ages = ("*",) if bands == ("?",) else (*bands, "?")
    return tuple(f"{s}|{b}" for s in sexes for b in ages)


@lru_cache(maxsize=1024)
def _index_cells(sex: str, bands: tuple[str, ...]) -> tuple[str, ...]:
    """Sex/age cells a record is indexed under: its own (or unknown) and the wildcard."""
    return tuple(f"{s}|{b}" for s in (sex, "*") for b in (*bands, "*"))


@lru_cache(maxsize=100_000)
def _typo_keys(key: str) -> tuple[str, ...]:
    """One-consonant deletions of a key that keep at least two consonants."""
    return tuple(d for d in dict.fromkeys(_deletions(key)) if len(d) >= 2)


@dataclass(frozen=True, slots=True)
class _NameKeyIndex:
    """The blocking keys of every name part as integer ids (CSR arrays), with each key's
    length and typo variants, so that name-pair keys are built as arrays.

    Two keys are equal exactly when their ids are, so a pair of ids stands for the pair of
    keys; an unordered pair is coded as smaller id x size + larger id.
    """

    size: int  # number of distinct keys and variants
    part_start: IntArray  # keys of part p: ids[part_start[p] : part_start[p + 1]]
    ids: IntArray
    length: IntArray  # per key id: its length in letters
    typo_start: IntArray  # typo variants of key k: typos[typo_start[k] : typo_start[k + 1]]
    typos: IntArray

    @classmethod
    def of(cls, numbered: _KeyIds) -> _NameKeyIndex:
        texts = list(islice(numbered.vocab, numbered.blocking))  # ids are insertion order
        variants = numbered.variants
        return cls(
            size=numbered.blocking,
            part_start=numbered.starts["block"],
            ids=numbered.ids["block"],
            length=np.fromiter(map(len, texts), np.int64, len(texts)),
            typo_start=np.cumsum([0, *map(len, variants)], dtype=np.int64),
            typos=np.fromiter(chain.from_iterable(variants), np.int64, sum(map(len, variants))),
        )

    def pair(self, x: IntArray, y: IntArray) -> IntArray:
        return np.minimum(x, y) * self.size + np.maximum(x, y)


@dataclass(frozen=True, slots=True)
class _Slips:
    """Each name part's spellings, and its spellings give or take a letter (`_slips`), script
    by script, numbered: per script, CSR arrays of each part's ids (part p's are
    ids[starts[p] : starts[p + 1]]).

    A part's spellings are those of its words in that script; its slips are made from the
    spelling that `_PartTable.spelled` keeps (none where a word is too short to tell a slip),
    so that two parts share a slip where `_PartTable._misspelled` may find a misspelling.
    Only the slips that can meet are kept (`_meeting_slips`).
    """

    size: int  # number of distinct slips
    spellings: tuple[tuple[IntArray, IntArray], ...]  # per script: (starts, ids)
    slips: tuple[tuple[IntArray, IntArray], ...]  # per script: (starts, ids)

    @classmethod
    def of(cls, parts: Sequence[tuple[NameToken, ...]], spelled: dict[str, list[str]]) -> _Slips:
        spelling_ids: dict[str, int] = {}
        number = spelling_ids.setdefault
        of_script: dict[str, tuple[list[int], list[int]]] = {s: ([], []) for s in _SCRIPTS}
        for p, part in enumerate(parts):
            for t in part:  # (a part of several words may repeat a spelling: no matter)
                at, ids = of_script[t.script]
                at.append(p)
                ids.append(number(t.spelling, len(spelling_ids)))
        spellings = tuple(_csr(*of_script[s], len(parts)) for s in _SCRIPTS)
        # Many parts keep one spelling: each distinct word's slips are made once.
        word_ids: dict[str, int] = {"": -1}
        of_word = word_ids.setdefault
        words = [
            np.fromiter((of_word(w, len(word_ids) - 1) for w in spelled[s]), np.int64, len(parts))
            for s in _SCRIPTS
        ]
        size, word_start, word_slips = _meeting_slips(list(word_ids)[1:])
        slips = []
        for word in words:
            has = word >= 0
            counts = np.zeros(len(word), dtype=np.int64)
            counts[has] = word_start[word[has] + 1] - word_start[word[has]]
            starts = np.r_[0, np.cumsum(counts)].astype(np.int64)
            slips.append((starts, _spread(word_start, word_slips, word[has])[0]))
        return cls(size, spellings, tuple(slips))


def _meeting_slips(words: Sequence[str]) -> tuple[int, IntArray, IntArray]:
    """Each word's slips (`_slips`) that may be another's too, numbered: their number, and
    CSR arrays (word w's are ids[starts[w] : starts[w + 1]]).

    Two words share a slip when they are equal (the word itself) or when a slip comes from
    both: a word keeps itself and those of its slips that more than one word gives, and
    any two words still share one of the slips they kept exactly when they shared one of all
    their slips. (Most slips of a word are its own alone: on the bench a quarter as many
    distinct slips are kept, and 60% as many slip keys are joined.)
    """
    of_word = [dict.fromkeys(_slips(w)) for w in words]
    given = Counter(chain.from_iterable(of_word))
    kept = [
        [w, *(d for d in slips if given[d] > 1 and d != w)]
        for w, slips in zip(words, of_word, strict=True)
    ]
    vocab: dict[str, int] = {}
    slip_id = vocab.setdefault
    flat = chain.from_iterable(kept)
    total = sum(map(len, kept))
    ids = np.fromiter((slip_id(d, len(vocab)) for d in flat), np.int64, total)
    starts = np.cumsum([0, *map(len, kept)], dtype=np.int64)
    return len(vocab), starts, ids


def _csr(at: list[int], ids: list[int], n: int) -> tuple[IntArray, IntArray]:
    """CSR arrays (starts, ids) of `n` parts from each id's part (`at`, in order)."""
    counts = np.bincount(np.asarray(at, dtype=np.int64), minlength=n)
    return np.r_[0, np.cumsum(counts)].astype(np.int64), np.asarray(ids, dtype=np.int64)


def _slips(word: str) -> list[str]:
    """A spelling and the spellings of one letter less: two spellings a slip apart (a letter
    dropped, added, changed, or two swapped) share one of these. (A doubled letter gives one
    twice: its pairs are made distinct after the join.)"""
    return [word, *(word[:i] + word[i + 1 :] for i in range(len(word)))]


def _spread(
    starts: IntArray, flat: IntArray, of: IntArray, *carried: IntArray
) -> tuple[IntArray, ...]:
    """Each entry of `of` once per item of its CSR row, with the item and the carried
    columns repeated alongside."""
    counts = starts[of + 1] - starts[of]
    first = np.repeat(starts[of] - np.cumsum(counts) + counts, counts)
    items = flat[first + np.arange(int(counts.sum()))]
    return (items, *(np.repeat(c, counts) for c in carried))


# Name-pair keys of one side, as (keys, rows) per rule of _NAME_RULES.
_NameKeys = tuple[tuple[IntArray, IntArray], ...]


def _name_pair_keys(part_rows: IntArray, index: _NameKeyIndex, slips: _Slips) -> _NameKeys:
    """Keys for every two parts of each record's name, as (keys, rows) per rule: exact, with
    one consonant deleted (not repeating an exact key), the deletions from keys of four
    or more consonants (to meet a substitution), and one part's spelling with the other's
    give or take a letter (`_slip_keys`).

    A typo variant must keep two consonants on each side, or the block would hold every
    name with an L and an S. A slip in a short name changes much of its consonant key
    (Ihor, Igor; מאיר, מאיד: Meir, Meid) but one letter of its spelling; with the other
    part spelled the same, it picks out few records, and one part agreeing with another
    misspelled is strong evidence.
    """
    rows_l, xs_l, ys_l = [], [], []
    for x in range(_MAX_PARTS):
        for y in range(x + 1, _MAX_PARTS):
            rows = np.flatnonzero((part_rows[:, x] >= 0) & (part_rows[:, y] >= 0))
            rows_l.append(rows)
            xs_l.append(part_rows[rows, x])
            ys_l.append(part_rows[rows, y])
    rows_p, xs_p, ys_p = (np.concatenate(v) for v in (rows_l, xs_l, ys_l))
    ka, rows, ys = _spread(index.part_start, index.ids, xs_p, rows_p, ys_p)
    kb, rows, ka = _spread(index.part_start, index.ids, ys, rows, ka)
    exact = _record_keys(rows, index.pair(ka, kb), index.size)
    typo_l, typo_rows_l, long_l, long_rows_l = [], [], [], []
    for one, other in ((ka, kb), (kb, ka)):
        keep = index.length[other] >= 2
        deleted, r, o, o_one = _spread(
            index.typo_start, index.typos, one[keep], rows[keep], other[keep], one[keep]
        )
        keys = index.pair(deleted, o)
        typo_l.append(keys)
        typo_rows_l.append(r)
        longer = index.length[o_one] >= 4
        long_l.append(keys[longer])
        long_rows_l.append(r[longer])
    typo = _record_keys(np.concatenate(typo_rows_l), np.concatenate(typo_l), index.size)
    typo = _without(typo, exact, index.size)
    long = _record_keys(np.concatenate(long_rows_l), np.concatenate(long_l), index.size)
    return exact, typo, long, _slip_keys(rows_p, xs_p, ys_p, slips)


def _slip_keys(
    rows: IntArray, xs: IntArray, ys: IntArray, slips: _Slips
) -> tuple[IntArray, IntArray]:
    """Each spelling of one part of a pair (`xs`, `ys`: parts of record `rows`) with each
    slip of the other in the same script, both ways round, as spelling id x slips.size +
    slip id."""
    keys_l, rows_l = [], []
    for (spelled_start, spelled), (slip_start, slip) in zip(
        slips.spellings, slips.slips, strict=True
    ):
        for one, other in ((xs, ys), (ys, xs)):
            has = (spelled_start[one + 1] > spelled_start[one]) & (
                slip_start[other + 1] > slip_start[other]
            )
            spelling, r, o = _spread(spelled_start, spelled, one[has], rows[has], other[has])
            slipped, r, spelling = _spread(slip_start, slip, o, r, spelling)
            keys_l.append(spelling * slips.size + slipped)
            rows_l.append(r)
    # Not made distinct per record: a record repeats one of these only when two of its
    # parts are spelled alike, and its pairs are made distinct after the join.
    return np.concatenate(keys_l), np.concatenate(rows_l)


def _record_keys(rows: IntArray, keys: IntArray, size: int) -> tuple[IntArray, IntArray]:
    """Each record's distinct keys, ordered by record then key.

    A key repeated within a record would only make the join find its pairs twice, so when
    record and key do not fit one 64-bit number together they are left as they are.
    """
    if not _codable(rows, size):
        return keys, rows
    code = _distinct(rows * (size * size) + keys)
    return code % (size * size), code // (size * size)


def _codable(rows: IntArray, size: int) -> bool:
    """Whether a record index and a key pair fit one 64-bit number."""
    return len(rows) == 0 or (int(rows.max()) + 1) * size * size < 2**62


def _without(
    found: tuple[IntArray, IntArray], drop: tuple[IntArray, IntArray], size: int
) -> tuple[IntArray, IntArray]:
    """A record's keys that are not among its keys of another rule (both from
    `_record_keys`; where those could not be ordered, nothing is taken out)."""
    if not len(drop[1]) or not (_codable(found[1], size) and _codable(drop[1], size)):
        return found
    a = found[1] * (size * size) + found[0]
    b = drop[1] * (size * size) + drop[0]
    keep = b[np.minimum(np.searchsorted(b, a), len(b) - 1)] != a
    return found[0][keep], found[1][keep]


_NAME_RULES = ("name exact", "name typo", "name typo long", "name slip")


def _blocking_keys(
    table: _Table, parts: _PartTable, vocabulary: _Vocabulary, want: _Wanted
) -> _Keys:
    """Blocking keys of every rule but the name-pair rules (`_name_pair_keys`).

    A cell key is a word (a name key, a description term) in a sex/age cell. Words are
    numbered per distinct part or description, cells per distinct sex and age range, and
    spread to the records as arrays (a loop over the records took ~0.4 s at 100,000).
    """
    out = _Keys()
    dated = np.flatnonzero(table.dob >= 0)
    out.put("birth date", table.dob[dated], dated)
    part_want, term_want, vague_want = want
    name_query, name_index, term_query, term_index, cell_list = _cells(table, vocabulary)
    n = len(table.records)

    def part_words(wanted: IntArray, keys: Callable[[int], tuple[str, ...]]) -> _Lists:
        """The numbers of `keys(p)` for parts p in `wanted`, as lists by part id."""
        needed = np.zeros(len(parts.keys), dtype=np.bool_)
        needed[wanted] = True
        return _ragged(
            [vocabulary.words(keys(p)) if w else () for p, w in enumerate(needed.tolist())]
        )

    # Single-part names query, and every named record is indexed, by part, sex and age band.
    single = np.flatnonzero(table.nparts == 1)
    alone = table.parts[single, 0]
    words = part_words(alone, parts.keys.__getitem__)
    out.put("one-part query", *_cell_keys(single, words, alone, name_query, cell_list[single]))
    rows, slots = np.nonzero(table.parts >= 0)
    held = table.parts[rows, slots]
    words = part_words(held, lambda p: tuple(k for k in parts.keys[p] if k in part_want))
    out.put("part index", *_cell_keys(rows, words, held, name_index, cell_list[rows]))
    # Nameless records query, and every record is indexed, by description terms.
    nameless = np.flatnonzero(table.nparts == 0)
    words = _ragged([vocabulary.words(table.lookup_terms[i]) for i in nameless.tolist()])
    at = np.arange(len(nameless))
    out.put("nameless query", *_cell_keys(nameless, words, at, term_query, cell_list[nameless]))
    indexed, at = _each_distinct(
        table.lookup_terms,
        lambda terms: vocabulary.words(tuple(t for t in terms if t in term_want)),
    )
    words = _ragged(indexed)
    out.put("description index", *_cell_keys(np.arange(n), words, at, term_index, cell_list))
    # Nameless records with no description term query, and every record is indexed, by
    # vague terms, in the cells of description terms.
    vague = np.asarray(
        [i for i in nameless.tolist() if not table.lookup_terms[i] and table.vague_terms[i]],
        dtype=np.int64,
    )
    words = _ragged([vocabulary.words(table.vague_terms[i]) for i in vague.tolist()])
    at = np.arange(len(vague))
    out.put("vague query", *_cell_keys(vague, words, at, term_query, cell_list[vague]))
    if vague_want:
        indexed, at = _each_distinct(
            table.vague_terms,
            lambda terms: vocabulary.words(tuple(t for t in terms if t in vague_want)),
        )
        words = _ragged(indexed)
        out.put("vague index", *_cell_keys(np.arange(n), words, at, term_index, cell_list))
    return out


def _cells(
    table: _Table, vocabulary: _Vocabulary
) -> tuple[_Lists, _Lists, _Lists, _Lists, IntArray]:
    """The sex/age cells names query and are indexed under, and those of descriptions, as
    lists by distinct sex and age range; and each record's list."""
    unknown = np.isnan(table.age_lo)
    # Each distinct (sex, age range) as one integer, from each age's place among the ages
    # (np.unique of rows sorts them as records, several times slower).
    lo = np.unique(table.age_lo[~unknown], return_inverse=True)[1]
    hi = np.unique(table.age_hi[~unknown], return_inverse=True)[1]
    ages = np.full(len(unknown), -1, dtype=np.int64)
    ages[~unknown] = lo * (int(hi.max(initial=0)) + 1) + hi
    _, first, at = np.unique(
        ages * len(_SEX_CODES) + table.sex, return_index=True, return_inverse=True
    )
    lists: tuple[list[tuple[int, ...]], ...] = ([], [], [], [])
    for sex_code, nan, low, high in zip(
        table.sex[first].tolist(),
        unknown[first].tolist(),
        table.age_lo[first].tolist(),
        table.age_hi[first].tolist(),
        strict=True,
    ):
        known = None if nan else (low, high)
        sex = _SEX_CODES[int(sex_code)]
        named, described = _bands(known, _AGE_BAND, 2.0), _bands(known, _DESC_AGE_BAND, 3.0)
        cells = (
            _query_cells(sex, named),
            _index_cells(sex, named),
            _query_cells(sex, described),
            _index_cells(sex, described),
        )
        for of_kind, of_range in zip(lists, cells, strict=True):
            of_kind.append(vocabulary.cells(of_range))
    name_query, name_index, term_query, term_index = map(_ragged, lists)
    return name_query, name_index, term_query, term_index, at.ravel()


def _join(
    a_keys: IntArray,
    a_rows: IntArray,
    b_keys: IntArray,
    b_rows: IntArray,
    most: int | None = None,
) -> IntArray:
    """Pairs (as a*nb + b codes are made by the caller) of rows sharing a key: (2, k).

    A key that more than `most` rows of b hold (if given) meets none."""
    if len(a_keys) == 0 or len(b_keys) == 0:
        return np.empty((2, 0), dtype=np.int64)
    order = np.argsort(b_keys)  # the pairs are made distinct (and sorted) after
    b_keys, b_rows = b_keys[order], b_rows[order]
    # Each distinct key of b once, where its rows start and how many: one search per a key.
    first = np.flatnonzero(np.r_[True, b_keys[1:] != b_keys[:-1]])
    keys, sizes = b_keys[first], np.diff(np.r_[first, len(b_keys)])
    if most is not None:
        small = sizes <= most
        first, keys, sizes = first[small], keys[small], sizes[small]
        if len(keys) == 0:
            return np.empty((2, 0), dtype=np.int64)
    if len(a_keys) > 2 * len(keys):
        # Most keys of a meet none of b: a table of b's keys' hashes (an eighth full) rules
        # out most of those at one look each, before the (slower) search.
        bits, table = _hash_table(keys)
        may = np.flatnonzero(table[_hashed(a_keys, bits)])
        a_keys, a_rows = a_keys[may], a_rows[may]
    at = np.minimum(np.searchsorted(keys, a_keys), len(keys) - 1)
    counts = np.where(keys[at] == a_keys, sizes[at], 0)
    start = first[at]
    total = int(counts.sum())
    a_out = np.repeat(a_rows, counts)
    # Offsets into b for each repeated a entry: start + (0..count-1).
    offsets = np.repeat(start - np.cumsum(counts) + counts, counts)
    b_out = b_rows[offsets + np.arange(total)]
    return np.vstack((a_out, b_out))


def _hash_table(keys: IntArray) -> tuple[int, NDArray[np.bool_]]:
    """A table of the hashes (`_hashed`) of some keys, an eighth full or less, and its bits:
    a key whose hash is not in it is not among them."""
    bits = max(16, (8 * len(keys)).bit_length())
    table = np.zeros(1 << bits, dtype=np.bool_)
    table[_hashed(keys, bits)] = True
    return bits, table


def _hashed(keys: IntArray, bits: int) -> NDArray[np.uint64]:
    """Each key's hash of `bits` bits (Fibonacci hashing: the top bits of key x an odd
    constant)."""
    unsigned = keys.astype(np.uint64, copy=False)
    return (unsigned * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits)


_RULES = tuple(dict.fromkeys(rule for rule, _, _ in _JOINS))


def _distinct(values: IntArray) -> IntArray:
    """Sorted distinct values (numpy's hash-based unique is many times slower on these).

    Equal integers are alike, so the sort need not be stable: numpy's quicksort (vectorised
    on x86) took half the time of its merging sort even where values come in sorted runs
    (record by record, rule by rule): 0.08 s against 0.16 s at 100,000 x 20,000.
    """
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=np.bool_)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _name_keys_ahead(sides: Sequence[IntArray], parts: _PartTable) -> list[_NameKeys]:
    """The names' key frequencies (`count_frequencies`) and each side's name-pair keys
    (`sides`: each side's part rows), made from the names alone."""
    parts.count_frequencies(sides)
    index = _NameKeyIndex.of(parts.numbered)
    slips = _Slips.of(parts.parts, parts.spelled)
    return [_name_pair_keys(rows, index, slips) for rows in sides]


def _candidate_pairs(
    ka: _Keys, kb: _Keys, nb: int, same_side: bool, each: _Map = map
) -> tuple[IntArray, IntArray, IntArray, dict[str, int]]:
    """Pairs sharing a key under any rule, with a bit set per rule that found each pair.

    The joins are independent sorts and searches, run by `each` (on threads)."""

    def joined(join: tuple[str, tuple[str, ...], tuple[str, ...]]) -> IntArray:
        _, qa, qb = join
        if qa in _BLOCK_LIMITS:  # the bounded side is b in `_join`
            pairs = _join(*kb.arrays(qb), *ka.arrays(qa), most=_BLOCK_LIMITS[qa])[::-1]
        else:
            pairs = _join(*ka.arrays(qa), *kb.arrays(qb), most=_BLOCK_LIMITS.get(qb))
        if same_side:
            lo, hi = np.minimum(pairs[0], pairs[1]), np.maximum(pairs[0], pairs[1])
            pairs = np.vstack((lo, hi))[:, lo < hi]
        codes: IntArray = pairs[0] * nb + pairs[1]
        return codes

    by_rule: dict[str, list[IntArray]] = {}
    for (rule, _, _), codes in zip(_JOINS, each(joined, _JOINS), strict=True):
        by_rule.setdefault(rule, []).append(codes)
    distinct = each(lambda found: _distinct(np.concatenate(found)), by_rule.values())
    rule_codes = dict(zip(by_rule, distinct, strict=True))
    allc = _distinct(np.concatenate(list(rule_codes.values())))
    found_by = np.zeros(len(allc), dtype=np.int64)
    for bit, rule in enumerate(_RULES):
        found_by[np.searchsorted(allc, rule_codes[rule])] |= 1 << bit
    counts = {rule: len(codes) for rule, codes in rule_codes.items()}
    return allc // nb, allc % nb, found_by, counts


# ----------------------------------------------------------------------------------------
# Comparison levels, vectorised over candidate pairs.


@dataclass(slots=True)
class _NameDetail:
    first: IntArray  # flat index (a part * _MAX_PARTS + b part) of the best part pair
    second: IntArray  # flat index of the best disjoint part pair, -1 if none
    third: IntArray
    rarity: FloatArray  # term-frequency adjustment (log2) of the agreeing parts
    codes: NDArray[np.int8]  # (pairs, 3): how the first, second and third part pairs compare


# For each cell (a part of one name, a part of the other), the cells in its row or column:
# once a part pair is taken, neither part pairs again.
_CELLS = np.arange(_MAX_PARTS * _MAX_PARTS)
_CROSSING = (_CELLS[:, None] // _MAX_PARTS == _CELLS[None, :] // _MAX_PARTS) | (
    _CELLS[:, None] % _MAX_PARTS == _CELLS[None, :] % _MAX_PARTS
)


def _name_levels(
    a: _Table,
    b: _Table,
    ia: IntArray,
    ib: IntArray,
    parts: _PartTable,
    *,
    cells: _Cells,
) -> tuple[IntArray, _NameDetail]:
    """Name levels of pairs; `cells`, their part pairs, already compared (`learn`)."""
    codes, adjust = parts.looked_up(cells)
    # Codes run from -1 to 4: small integers keep the (pairs x 16) arrays small.
    rest = codes.reshape(len(ia), _MAX_PARTS * _MAX_PARTS)
    picks, strengths = [], []
    # Greedy assignment: the best part pair, then the best among the remaining rows/columns.
    for step in range(3):
        pick = np.argmax(rest, axis=1)
        strength = np.take_along_axis(rest, pick[:, None], axis=1)[:, 0].astype(np.int64)
        picks.append(np.where(strength > 0, pick, -1))
        strengths.append(np.where(strength < 0, -1, strength))
        if step < 2:  # nothing is picked after the third
            np.putmask(rest, _CROSSING[pick], -2)  # in place, without indexing by a mask
    s2 = strengths[1]
    na, nb = a.nparts[ia], b.nparts[ib]
    used = sum((s > 0).astype(np.int64) for s in strengths)
    conflict = (na - used > 0) & (nb - used > 0)
    agree1, agree2, agree3 = (s >= _STRONG for s in strengths)
    similar1, similar2 = ((s == _WEAK) | (s == _TYPO) for s in strengths[:2])
    two = agree1 & agree2
    level = np.select(
        [
            two & agree3,
            two & ~conflict & (s2 == _EXACT),
            two & ~conflict,
            two,
            agree1 & (s2 == _TYPO),
            agree1 & (s2 == _WEAK),
            agree1 & ~conflict,
            similar1 & similar2,
            agree1,
            similar1,
        ],
        [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
        default=0,
    )
    level = np.where((na == 0) | (nb == 0), _NULL, level)
    first, second = picks[0], picks[1]
    # Where each pair's cells start among the held ones (`cells.inverse` is in their
    # order): a record's parts fill its row from the start (`_name_rows`), so a pair's held
    # cells are its first na x nb, a part of one with each part of the other in turn.
    start = np.cumsum(na * nb) - na * nb
    rarity = np.zeros(len(ia))
    for flat, strength in zip(picks, strengths, strict=True):
        agree = np.flatnonzero(strength >= _STRONG)
        held = start[agree] + flat[agree] // _MAX_PARTS * nb[agree] + flat[agree] % _MAX_PARTS
        cell = np.zeros(len(ia))
        cell[agree] = adjust[cells.inverse[held]]
        rarity += cell
    rarity = np.where(level == _NULL, 0.0, rarity)
    picked = np.column_stack(strengths).astype(np.int8)
    return level, _NameDetail(first, second, picks[2], rarity, picked)


def _dob_levels(a: _Table, b: _Table, ia: IntArray, ib: IntArray) -> IntArray:
    da, db = a.dob[ia], b.dob[ib]
    ya, yb = a.dob_ymd[ia], b.dob_ymd[ib]
    same = (ya == yb).sum(axis=1)
    swapped = (ya[:, 0] == yb[:, 0]) & (ya[:, 1] == yb[:, 2]) & (ya[:, 2] == yb[:, 1])
    level = np.select(
        [da == db, (same == 2) | swapped, np.abs(da - db) <= 730], [3, 2, 1], default=0
    )
    return np.where((da < 0) | (db < 0), _NULL, level)


# How far a described person's age may lie outside an estimated range: a few years, plus a
# share of the age (a toddler's age is judged to a year or two, an old man's to a decade).
_ESTIMATE_ERROR_YEARS = 2.0
_ESTIMATE_ERROR_SHARE = 0.1


def _age_levels(a: _Table, b: _Table, ia: IntArray, ib: IntArray, dob: Int8Array) -> IntArray:
    lo_a, hi_a, lo_b, hi_b = a.age_lo[ia], a.age_hi[ia], b.age_lo[ib], b.age_hi[ib]
    gap = np.maximum(np.maximum(lo_a - hi_b, lo_b - hi_a), 0.0)
    # Two stated ages (not a medic's estimate) should be within a birthday of each other.
    narrow = np.maximum(hi_a - lo_a, hi_b - lo_b) <= 2.0
    # A relative's stated age is rarely more than a year or two off. A medic's estimate errs
    # more, and more so the older the person: a child's age is judged within a few years.
    err = _ESTIMATE_ERROR_YEARS + _ESTIMATE_ERROR_SHARE * np.maximum(np.minimum(hi_a, hi_b), 0.0)
    level = np.select(
        [
            narrow & (gap > 3),
            gap > 2 * err,
            gap > err,
            narrow & (gap > 1),
            narrow & (gap > 0),
            narrow,
            gap > 0,
        ],
        [0, 1, 2, 3, 6, 7, 4],
        default=5,
    )
    unknown = np.isnan(lo_a) | np.isnan(lo_b) | (dob != _NULL)
    return np.where(unknown, _NULL, level)


def _popcount(x: NDArray[np.uint64]) -> IntArray:
    counts = np.bitwise_count(x)
    if counts.ndim == 2:
        counts = counts.sum(axis=1)
    return counts.astype(np.int64)


def _levels(
    a: _Table,
    b: _Table,
    ia: IntArray,
    ib: IntArray,
    parts: _PartTable,
    *,
    names: bool = True,
    workers: int = 1,
) -> tuple[Levels, _NameDetail]:
    """Comparison levels of pairs, in chunks so memory stays flat however many there are.

    With more than one chunk and more than one worker, chunks are compared on threads. That
    pays because nearly all of a chunk's time is numpy work on plain integer and float
    arrays, which runs without the GIL: the sorts (`np.unique`, `searchsorted`), the
    gathers of table columns by pair (`take`), the ufuncs and reductions over the
    (pairs x 16) part-pair cells (`argmax`, comparisons, `where`/`select`, popcounts). It
    runs in three steps: each chunk's distinct part pairs (threads); the first comparison
    of the part pairs no chunk saw before (key-set tests on arrays, and rapidfuzz's
    spelling distances), in pieces on the threads, added to the part table by this thread
    alone; then each chunk's levels, reading the part table (threads). Each chunk's result
    depends on its pairs only and the chunks are joined in order, so the output is the same
    however the threads are scheduled.
    """
    # Chunks of at most _CHUNK pairs, as many for each worker when there are enough.
    workers = max(workers, 1)
    count = -(-max(-(-len(ia) // _CHUNK), 1) // workers) * workers
    size = max(_MIN_CHUNK, -(-len(ia) // count))
    starts = range(0, max(len(ia), 1), size)  # one empty chunk for no pairs
    threads = min(workers, len(starts))
    with _threads(threads) as each:
        cells: list[_Cells | None] = [None] * len(starts)
        if names:

            def part_pairs(i: int) -> _Cells:
                return _Cells.of(a.parts[ia[i : i + size]], b.parts[ib[i : i + size]])

            found = each(part_pairs, starts)  # on threads, started at once ...
            parts.members()  # ... while this thread numbers the parts' keys
            cells = list(found)
            parts.learn([c.unique for c in cells if c is not None], each)

        def chunk(n: int) -> tuple[Levels, _NameDetail]:
            i = starts[n]
            return _levels_chunk(a, b, ia[i : i + size], ib[i : i + size], parts, cells=cells[n])

        chunks = list(each(chunk, range(len(starts))))
    if len(chunks) == 1:
        return chunks[0]
    levels = np.concatenate([c[0] for c in chunks])
    detail = _NameDetail(
        *(np.concatenate([getattr(c[1], f) for c in chunks]) for f in _NameDetail.__slots__)
    )
    return levels, detail


@contextmanager
def _threads(workers: int) -> Iterator[_Map]:
    """A `map` over this many threads (items start at once, results come in order), or the
    builtin `map` for one."""
    if workers <= 1:
        yield map
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="magen-matching") as pool:
        yield pool.map


# Pairs compared at once: bounds the temporary arrays (16 part pairs per pair).
_CHUNK = 200_000
# Fewer pairs than this are not worth a thread of their own.
_MIN_CHUNK = 20_000


def _levels_chunk(
    a: _Table, b: _Table, ia: IntArray, ib: IntArray, parts: _PartTable, *, cells: _Cells | None
) -> tuple[Levels, _NameDetail]:
    out = np.full((len(ia), _N_COMPARISONS), _NULL, dtype=np.int8)
    none = np.full(len(ia), -1, dtype=np.int64)
    detail = _NameDetail(
        none, none, none, np.zeros(len(ia)), np.full((len(ia), 3), _NULL, dtype=np.int8)
    )
    if cells is not None:  # names are compared: their part pairs, already compared
        out[:, _NAME], detail = _name_levels(a, b, ia, ib, parts, cells=cells)
    sa, sb = a.sex[ia], b.sex[ib]
    out[:, _SEX] = np.where((sa == 0) | (sb == 0), _NULL, (sa == sb).astype(np.int64))
    out[:, _DOB] = _dob_levels(a, b, ia, ib)
    out[:, _AGE] = _age_levels(a, b, ia, ib, out[:, _DOB])
    ha, hb = a.hair[ia], b.hair[ib]
    out[:, _HAIR] = np.where((ha < 0) | (hb < 0), _NULL, (ha == hb).astype(np.int64))
    ba, bb = a.build[ia], b.build[ib]
    out[:, _BUILD] = np.where((ba < 0) | (bb < 0), _NULL, 2 - np.minimum(np.abs(ba - bb), 2))
    ta, tb = a.terms[ia], b.terms[ib]
    shared_outfits = _popcount(a.outfits[ia] & b.outfits[ib])
    clothing = np.select(
        [shared_outfits >= 2, shared_outfits == 1, _popcount(ta & tb) > 0], [3, 2, 1], default=0
    )
    out[:, _CLOTHING] = np.where((ta == 0) | (tb == 0), _NULL, clothing)
    ka, kb = a.mark_kinds[ia], b.mark_kinds[ib]
    marks = np.select(
        [_popcount(a.mark_places[ia] & b.mark_places[ib]) > 0, _popcount(ka & kb) > 0],
        [2, 1],
        default=0,
    )
    out[:, _MARKS] = np.where((ka == 0) | (kb == 0), _NULL, marks)
    out[:, _PLACE] = _place_levels(a, b, ia, ib)
    out[:, _TIME] = _time_levels(a, b, ia, ib, out[:, _PLACE])
    return out, detail


_KM_PER_DEG_LON = 111.32  # at the equator
_KM_PER_DEG_LAT = 110.574


def _distance_km(
    lon_a: FloatArray, lat_a: FloatArray, lon_b: FloatArray, lat_b: FloatArray
) -> FloatArray:
    # Equirectangular is exact enough within a region of a few tens of kilometres.
    mean_lat = np.radians((lat_a + lat_b) / 2)
    dx = (lon_a - lon_b) * _KM_PER_DEG_LON * np.cos(mean_lat)
    dy = (lat_a - lat_b) * _KM_PER_DEG_LAT
    return np.asarray(np.hypot(dx, dy), dtype=np.float64)


# Upper bounds (km) of the distance levels, and the level of each band, nearest last.
# A NaN distance (a place unknown) sorts past infinity, to the unknown level.
_PLACE_BOUNDS = np.asarray([0.2, 0.5, 1.0, 1.5, 2.0, 3.0, 10.0, math.inf])
_PLACE_BOUNDS_SQUARED = _PLACE_BOUNDS**2
_PLACE_BANDS = np.asarray([11, 9, 7, 5, 3, 2, 1, 0, _NULL], dtype=np.int8)
_CARRIED = 0  # the place level of a casualty found over 10 km away
# At a shared place by its rank among those nearest where the person was last seen (the
# nearest, the second or third, the fourth, further).
_SITE_LEVELS = np.asarray([10, 8, 8, 6, 4], dtype=np.int8)


def _place_levels(a: _Table, b: _Table, ia: IntArray, ib: IntArray) -> Int8Array:
    """How far apart two places are, or, for a record found at a shared place (a shelter)
    and a person last seen somewhere, whether it is a shelter nearest where they were."""
    dx, dy = a.x[ia] - b.x[ib], a.y[ia] - b.y[ib]
    squared = dx * dx + dy * dy  # km², NaN where either place is unknown
    place = _PLACE_BANDS[np.searchsorted(_PLACE_BOUNDS_SQUARED, squared)]
    for seen, found, i, j in ((a, b, ia, ib), (b, a, ib, ia)):
        if seen.near.shape[1] == 0 or not found.sited:
            continue
        site = found.site[j]
        at = np.flatnonzero((site >= 0) & (squared <= _SITE_REACH_KM**2) & ~seen.found[i])
        hit = seen.near[i[at]] == site[at, None]
        rank = np.where(hit.any(axis=1), hit.argmax(axis=1), _NEAR_SITES)
        place[at] = _SITE_LEVELS[rank]
    return place


def _time_levels(a: _Table, b: _Table, ia: IntArray, ib: IntArray, place: Int8Array) -> IntArray:
    ta, tb = a.hours[ia], b.hours[ib]
    fa, fb = a.found[ia], b.found[ib]
    # Found more than an hour before being last seen cannot be the same person; two records of
    # the same kind should be close in time. A casualty is found within hours of being last
    # seen; how soon is evidence too, unless they were carried far (to a hospital), which
    # takes hours more.
    missing_found = ~fa & fb
    found_missing = fa & ~fb
    after = np.where(missing_found, tb - ta, np.where(found_missing, ta - tb, 0.0))
    plausible = np.where(missing_found | found_missing, after >= -1.0, np.abs(ta - tb) <= 3.0)
    casualty = (missing_found & b.casualty[ib]) | (found_missing & a.casualty[ia])
    casualty &= place != _CARRIED
    soon = np.where(after > 6.0, 1, 3)
    level = np.where(plausible, np.where(casualty, soon, 2), 0)
    return np.where(np.isnan(ta) | np.isnan(tb), _NULL, level)


# ----------------------------------------------------------------------------------------
# Model fitting and scoring.


def _log_bayes(levels: Levels, weights: FloatArray) -> FloatArray:
    """Each pair's evidence: the sum of its levels' weights, an unknown level (-1) adding 0.

    Comparison by comparison, one column of levels at a time: each a gather from a row of a
    dozen weights (a zero appended, where -1 reads), not a (pairs x comparisons) array."""
    rows = np.column_stack((weights, np.zeros(_N_COMPARISONS)))
    total = np.zeros(len(levels))
    for c in range(_N_COMPARISONS):
        total += rows[c].take(levels[:, c], mode="wrap")
    return total


def _log_odds(p: float) -> float:
    return math.log2(p / (1 - p))


def _prior_of(model: MatchModel) -> float:
    if model.prior is None:
        raise ValueError("the model's prior is estimated for each linkage (_with_prior)")
    return model.prior


def _total_weight(
    levels: Levels, model: MatchModel, rarity: FloatArray | None = None
) -> FloatArray:
    """Posterior log2 odds of each pair: prior plus evidence (plus name rarity)."""
    total = _log_odds(_prior_of(model)) + _log_bayes(levels, model.weights())
    return total if rarity is None else total + rarity


def _patterns(levels: Levels) -> tuple[Levels, FloatArray]:
    """Distinct rows of the level matrix and how often each occurs."""
    radix = _MAX_LEVELS + 1
    codes = np.zeros(len(levels), dtype=np.int64)
    for c in range(_N_COMPARISONS):
        codes = codes * radix + (levels[:, c] + 1)
    unique, counts = np.unique(codes, return_counts=True)
    pat = np.zeros((len(unique), _N_COMPARISONS), dtype=np.int8)
    for c in reversed(range(_N_COMPARISONS)):
        pat[:, c] = unique % radix - 1
        unique = unique // radix
    return pat, counts.astype(np.float64)


Rows = tuple[tuple[float, ...], ...]


def _rows(
    pat: Levels, w: FloatArray, start: Rows, alpha: float, only: Iterable[int] | None = None
) -> Rows:
    """Level frequencies per comparison, weighted, smoothed towards `start` (`only`: these
    comparisons, the others as in `start`)."""
    out = list(start)
    for c in range(_N_COMPARISONS) if only is None else only:
        labels = COMPARISONS[c][1]
        # Weights summed per level in one pass (an unknown level, -1, counts at 0).
        sums = np.bincount(pat[:, c] + 1, weights=w, minlength=len(labels) + 1)
        total = math.fsum(sums[1:].tolist()) + alpha
        out[c] = tuple(
            float((sums[level + 1] + alpha * start[c][level]) / total)
            for level in range(len(labels))
        )
    return tuple(out)


def _em(
    levels: Levels,
    m: Rows,
    u: Rows,
    prior: float,
    *,
    fit_m: bool,
    iterations: int = 100,
    tol: float = 1e-6,
) -> tuple[Rows, float]:
    """Estimate the match rate among these pairs and, if `fit_m`, m; u stays fixed."""
    pat, count = _patterns(levels)
    alpha = max(1.0, _SMOOTHING * float(count.sum()))
    m0 = m
    weights = MatchModel(m, u, prior).weights()
    for _ in range(iterations):
        log_odds = _log_odds(prior) + _log_bayes(pat, weights)
        p = 1.0 / (1.0 + np.exp2(-np.clip(log_odds, -60, 60)))
        new_prior = float(np.clip(np.sum(count * p) / count.sum(), 1e-9, 1 - 1e-9))
        new_m = _held(_rows(pat, count * p, m0, alpha), m0) if fit_m else m
        new_weights = MatchModel(new_m, u, new_prior).weights()
        shift = max(float(np.abs(new_weights - weights).max()), abs(new_prior - prior))
        m, prior, weights = new_m, new_prior, new_weights
        if shift < tol:
            break
    return m, prior


# Levels whose m EM is not given to learn, held at the starting model's: (comparison,
# level). Names sharing no part at all: among pairs blocked on a birth date, chance
# birthday twins found near where the other was last seen pass for matches to EM, which then
# takes two records of one person to share no name part some 3% of the time (0.028 on a
# generated population of 100,000 x 20,000, where it is 0.0004), and a birthday twin with
# another name outweighed the name.
_HELD_M = ((_NAME, 0),)


def _held(m: Rows, start: Rows) -> Rows:
    """`m` with the levels of `_HELD_M` at `start`'s, the others of their comparison scaled
    to fill the rest."""
    out = list(m)
    for c, level in _HELD_M:
        row, held = m[c], start[c][level]
        rest = math.fsum(row) - row[level]
        scale = (1.0 - held) / rest if rest > 0 else 0.0
        out[c] = tuple(held if i == level else x * scale for i, x in enumerate(row))
    return tuple(out)


def _random_levels(run: _Run, size: int, name_size: int) -> Levels:
    """Comparison levels of pairs drawn at random (all pairs when there are few).

    Names, the costly comparison, are compared on the first `name_size` pairs only (the
    other pairs carry a null name level); their rare levels are counted among the
    candidates instead (`_name_u_from_blocks`).
    """
    na, nb = len(run.a.records), len(run.b.records)
    if na * nb <= size:
        ia, ib = np.divmod(np.arange(na * nb, dtype=np.int64), nb)
    else:
        # A fixed seed keeps the engine deterministic: same records, same model.
        rng = np.random.default_rng(_U_SEED)
        ia, ib = rng.integers(0, na, size), rng.integers(0, nb, size)
    if run.a is run.b:
        keep = ia != ib
        ia, ib = ia[keep], ib[keep]
    levels, _ = _levels(run.a, run.b, ia, ib, run.parts, names=False, workers=run.workers)
    k = min(name_size, len(ia))
    named, _ = _levels(run.a, run.b, ia[:k], ib[:k], run.parts, workers=run.workers)
    levels[:k, _NAME] = named[:, _NAME]
    return levels


# EM sessions, as in splink: pairs found by a rule, learning m for every comparison but the
# ones the rule blocked on (their agreement there says nothing about matching).
_SESSIONS = (("birth date", (_DOB, _AGE)), ("name pair", (_NAME,)))


def _fit(run: _Run, start: MatchModel) -> MatchModel:
    """Estimate u on random pairs, m by EM sessions, and the prior from a session."""
    random_levels = _random_levels(run, _U_SAMPLE, _U_NAME_SAMPLE)
    u = _rows(*_patterns(random_levels), start.u, 1.0) if len(random_levels) else start.u
    learned: dict[int, list[tuple[float, ...]]] = {}
    for rule, excluded in _SESSIONS:
        mask = _found_by(run, rule)
        if mask.sum() < _MIN_SESSION_PAIRS:
            continue
        levels = run.levels[mask].copy()
        levels[:, list(excluded)] = _NULL
        m_session, _ = _em(levels, start.m, u, 0.3, fit_m=True)
        for c in range(_N_COMPARISONS):
            if c not in excluded:
                learned.setdefault(c, []).append(m_session[c])
    m = tuple(
        tuple(float(x) for x in np.mean(learned[c], axis=0)) if c in learned else start.m[c]
        for c in range(_N_COMPARISONS)
    )
    prior = _estimate_prior(run, m, u, start.prior)
    if prior is None:  # too few pairs to count matches by a rule: count them among all
        prior = _population_prior(run, MatchModel(m, u))
    sampled = random_levels[: min(_U_NAME_SAMPLE, len(random_levels)), _NAME]
    named_share = float(np.mean(sampled != _NULL)) if len(sampled) else 0.0
    u = _correct_u(u, m, prior)
    u = (_name_u_from_blocks(run, u[_NAME], m[_NAME], prior, named_share), *u[1:])
    return MatchModel(m, u, _estimate_prior(run, m, u, prior))


def _all_pairs(run: _Run) -> int:
    na, nb = len(run.a.records), len(run.b.records)
    return na * (na - 1) // 2 if run.a is run.b else na * nb


# The prior of a population is held off zero by this many matches' worth of belief (a
# Beta prior's pseudo-count, as in `_population_prior`): with no pair more alike than chance
# makes them, the estimate is half a match among all pairs, not none.
_PRIOR_PSEUDO_MATCHES = 0.5


def _population_prior(run: _Run, model: MatchModel) -> float:
    """Fellegi-Sunter's lambda for these records: the expected matches over all pairs.

    Estimated as `_estimate_prior` does for a fitted model, by EM with m and u held, but
    over every candidate pair and with the evidence of each pair's own name rarity (a small
    event has too few pairs for one rule's): each EM step counts the matches expected among
    the candidates at the current prior, and divides by all pairs; pairs no blocking rule
    found are counted as non-matches. A half match's pseudo-count (and as many pairs as the
    larger side has records) keeps it off zero where nothing is more alike than chance.

    On generated populations of 10 x 6 to 190 x 190 records (6 seeds each) it came within
    7% of the true share of matching pairs (0.005-0.13), linking with it scored the same F1
    as with the true share, and recall was 2-9 points above a fixed 1e-4's (precision 0.99-1
    either way); reports and records of different people got no more false links than
    with 1e-4.
    """
    total = _all_pairs(run)
    if total == 0:
        return 0.5
    evidence = np.clip(_log_bayes(run.levels, model.weights()) + run.detail.rarity, -60, 60)
    factor = np.exp2(evidence)
    pseudo_pairs = float(max(len(run.a.records), len(run.b.records)))
    prior = _PRIOR_PSEUDO_MATCHES / (total + pseudo_pairs)
    for _ in range(_EM_ITERATIONS):
        matches = float(np.sum(prior * factor / (prior * factor + 1.0 - prior)))
        new = (matches + _PRIOR_PSEUDO_MATCHES) / (total + pseudo_pairs)
        new = min(new, 0.5)
        if abs(new - prior) <= 1e-6 * prior:
            return new
        prior = new
    return prior


def _with_prior(run: _Run, model: MatchModel) -> MatchModel:
    """The model with its prior estimated for these records, if it has none."""
    if model.prior is not None:
        return model
    return MatchModel(model.m, model.u, _population_prior(run, model))


def _correct_u(u: Rows, m: Rows, prior: float) -> Rows:
    """Take the few true matches out of the random-pair frequencies.

    Where records are dense (a large incident) they are a visible share of the random pairs
    that agree on everything.
    """
    return tuple(
        tuple(
            max((f - prior * mm) / (1 - prior), 0.05 * f, 1e-9)
            for f, mm in zip(u_row, m_row, strict=True)
        )
        for u_row, m_row in zip(u, m, strict=True)
    )


# Name levels from here up (two parts agreeing, or one agreeing and one similar) are always
# found by the name-pair rule, so the candidates hold every such pair.
_BLOCKED_NAME_LEVEL = 5


def _name_u_from_blocks(
    run: _Run, u: tuple[float, ...], m: tuple[float, ...], prior: float, named_share: float
) -> tuple[float, ...]:
    """u of the rare name levels counted exactly among the candidates, not sampled.

    Random pairs that share two name parts are too rare to count in a sample of a few
    hundred thousand; the blocked candidates contain all of them.
    """
    na, nb = len(run.a.records), len(run.b.records)
    pairs = na * (na - 1) // 2 if run.a is run.b else na * nb
    total = pairs * named_share
    if pairs <= _U_NAME_SAMPLE or total <= 0:
        return u  # every pair was compared: the sample is exact
    names = run.levels[:, _NAME]
    counts = np.bincount(names[names >= 0], minlength=len(u))
    out = list(u)
    for level in range(_BLOCKED_NAME_LEVEL, len(u)):
        matches = prior * total * m[level]
        out[level] = max(float(counts[level]) - matches, 0.5) / (total * (1 - prior))
    low = sum(out[:_BLOCKED_NAME_LEVEL])
    rest = 1.0 - sum(out[_BLOCKED_NAME_LEVEL:])
    if rest <= 0 or low <= 0:
        return u
    for level in range(_BLOCKED_NAME_LEVEL):
        out[level] *= rest / low
    return tuple(out)


def _found_by(run: _Run, rule: str) -> NDArray[np.bool_]:
    return np.asarray((run.found_by & (1 << _RULES.index(rule))) != 0)


def _estimate_prior(run: _Run, m: Rows, u: Rows, fallback: float | None) -> float | None:
    """P(two random records match), from the matches found by one rule.

    EM over the pairs of a rule, with the rule's own comparisons left out, counts the matches
    among them; dividing by how often a match is found by that rule (from m, and from how
    often both records carry the field) gives all matches. The birth-date rule is preferred:
    its non-matches are chance coincidences, unlike name blocks full of namesakes.
    """
    total = _all_pairs(run)
    if total == 0:
        return fallback
    estimates = (
        ("birth date", (_DOB, _AGE), _share(run.a.dob >= 0) * _share(run.b.dob >= 0), m[_DOB][3]),
        (
            "name pair",
            (_NAME,),
            _share(run.a.nparts >= 2) * _share(run.b.nparts >= 2),
            sum(m[_NAME][5:]),
        ),
    )
    for rule, excluded, both_present, m_found in estimates:
        mask = _found_by(run, rule)
        if mask.sum() < _MIN_SESSION_PAIRS or both_present * m_found <= 0:
            continue
        levels = run.levels[mask].copy()
        levels[:, list(excluded)] = _NULL
        _, rate = _em(levels, m, u, 0.5, fit_m=False)
        matches = rate * float(mask.sum()) / (both_present * m_found)
        return float(np.clip(matches / total, 1e-12, 0.5))
    return fallback


def _share(flags: NDArray[np.bool_]) -> float:
    return float(flags.mean()) if len(flags) else 0.0


# ----------------------------------------------------------------------------------------
# Public API.

# Fewer pairs than this in a session leave EM too little to learn m from.
_MIN_SESSION_PAIRS = 100
# EM smooths m towards the starting model with this share of the data as pseudo-counts.
_SMOOTHING = 0.01
_U_SAMPLE = 300_000
_U_NAME_SAMPLE = 50_000
_U_SEED = 20231007


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


# ----------------------------------------------------------------------------------------
# Explanations.


@lru_cache(maxsize=16)
def _weights(model: MatchModel) -> FloatArray:
    """A model's weights, computed once for the many explanations of one run."""
    weights = model.weights()
    weights.flags.writeable = False
    return weights


# A model's weights, per comparison and level (`_weight_rows`).
_WeightRows = tuple[tuple[float, ...], ...]


@lru_cache(maxsize=16)
def _weight_rows(model: MatchModel) -> _WeightRows:
    """A model's weights as plain numbers, for the explanations' one-by-one reads (looked up
    once per run: a model's hash, over all its numbers, costs ~2.5 µs a look-up)."""
    return tuple(tuple(row) for row in _weights(model).tolist())


def _evidence(run: _Run, k: int, weights: _WeightRows) -> tuple[Evidence, ...]:
    """The findings of pair k, one per comparison known, under `weights` (`_weight_rows`)."""
    found: list[Evidence] = []
    for c, level in enumerate(run.levels[k].tolist()):
        if level == _NULL:
            continue
        name, labels = COMPARISONS[c]
        label = labels[level]
        if c == _NAME:
            finding, pairs, swapped = _name_finding(run, k, label)
            rarity = float(run.detail.rarity[k])
            said = ""
            if abs(rarity) >= 0.5:
                said = RARITIES[0] if rarity > 0 else RARITIES[1]
                finding += ", " + said
            weight = weights[c][level] + rarity
            found.append(Evidence(name, finding, weight, label, pairs, swapped, said))
            continue
        if c == _AGE:
            ages = _ages(run, k)
            found.append(
                Evidence(name, label + _age_text(ages), weights[c][level], label, ages=ages)
            )
            continue
        if c == _PLACE:
            a, b = int(run.ia[k]), int(run.ib[k])
            km = _distance_km(
                run.a.lon[a : a + 1],
                run.a.lat[a : a + 1],
                run.b.lon[b : b + 1],
                run.b.lat[b : b + 1],
            )
            d = float(km[0])
            found.append(Evidence(name, f"{label} ({d:.1f} km)", weights[c][level], label, km=d))
            continue
        if c in (_HAIR, _BUILD, _CLOTHING, _MARKS):
            terms = _description_terms(run, k, c)
            finding = label + _description_text(c, terms)
            found.append(Evidence(name, finding, weights[c][level], label, terms=terms))
            continue
        found.append(Evidence(name, label, weights[c][level], label))
    return tuple(found)


def _name_finding(run: _Run, k: int, label: str) -> tuple[str, tuple[NamePair, ...], bool]:
    """The name finding's text, the part pairs it names, and whether the order is swapped."""
    detail = run.detail
    first, second = int(detail.first[k]), int(detail.second[k])
    parts_a: list[int] = run.a.parts[int(run.ia[k])].tolist()  # one row read, not one per part
    parts_b: list[int] = run.b.parts[int(run.ib[k])].tolist()
    all_parts, part_code = run.parts.parts, run.parts.words.part_code
    pairs: list[NamePair] = []
    for flat, compared in zip(
        (first, second, int(detail.third[k])), detail.codes[k].tolist(), strict=True
    ):
        if flat < 0:
            continue
        pid_a, pid_b = parts_a[flat // _MAX_PARTS], parts_b[flat % _MAX_PARTS]
        if pid_a < 0 or pid_b < 0:
            continue
        pa, pb = all_parts[pid_a], all_parts[pid_b]
        code = part_code(pa, pb)
        if compared == _TYPO and code < _NAME_PHONETIC:
            pairs.append(NamePair(pa[0].text, pb[0].text, "misspelled"))
            continue
        if code == _NAME_NONE and compared == _WEAK:
            code = _NAME_SIMILAR
        if code > _NAME_NONE:
            pairs.append(NamePair(pa[0].text, pb[0].text, _CODE_TEXT[code]))
    bits = [f"'{p.a}' ~ '{p.b}' ({p.how})" for p in pairs]
    swapped = False
    if first >= 0 and second >= 0:
        order_a = first // _MAX_PARTS < second // _MAX_PARTS
        order_b = first % _MAX_PARTS < second % _MAX_PARTS
        if order_a != order_b:
            swapped = True
            bits.append(SWAPPED)
    return label + (": " + ", ".join(bits) if bits else ""), tuple(pairs), swapped


def _ages(run: _Run, k: int) -> tuple[tuple[float, float], tuple[float, float]]:
    ia, ib = int(run.ia[k]), int(run.ib[k])
    a, b = run.a, run.b
    return (
        (float(a.age_lo[ia]), float(a.age_hi[ia])),
        (float(b.age_lo[ib]), float(b.age_hi[ib])),
    )


def age_text(lo: float, hi: float) -> str:
    """An age or an age range as the findings write it: 46, 30-40."""
    return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"


def _age_text(ages: tuple[tuple[float, float], tuple[float, float]]) -> str:
    return f" ({age_text(*ages[0])} vs {age_text(*ages[1])})"


def _description_terms(run: _Run, k: int, c: int) -> tuple[str, ...]:
    """Hair or build: each side's term; clothing or marks: the terms both share, sorted (as
    `describe` reads them; only the field compared is read)."""
    ra, rb = run.a.records[int(run.ia[k])], run.b.records[int(run.ib[k])]
    if c == _HAIR:
        return (str(hair_term(ra.hair)), str(hair_term(rb.hair)))
    if c == _BUILD:
        return (str(build_term(ra.build)), str(build_term(rb.build)))
    if c == _CLOTHING:
        worn_a, outfits_a = clothing_terms(ra.clothing)
        worn_b, outfits_b = clothing_terms(rb.clothing)
        return tuple(sorted(outfits_a & outfits_b) or sorted(worn_a & worn_b))
    (kinds_a, places_a), (kinds_b, places_b) = mark_terms(ra.marks), mark_terms(rb.marks)
    return tuple(sorted(places_a & places_b) or sorted(kinds_a & kinds_b))


def _description_text(c: int, terms: tuple[str, ...]) -> str:
    if c in (_HAIR, _BUILD):
        return f" ({terms[0]} vs {terms[1]})"
    return f" ({', '.join(terms)})" if terms else ""


# ----------------------------------------------------------------------------------------
# Linking people: duplicate reports pooled, each record one person.

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


_EM_ITERATIONS = 200


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
