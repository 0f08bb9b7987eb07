"""Blocking: the candidate pairs, those that share a blocking key.

Only pairs that share a blocking key are compared: name-part pairs (exact phonetic keys,
one-deletion variants for typos, and one part spelled the same with the other a letter
apart), birth date, name part with sex and age band for one-word names, description
terms with sex and age band for records without a name, and, for a nameless record with
no such term, its hair, build, garments or kinds of mark with sex and age band, in blocks
of bounded size (`_VAGUE_BLOCK`). Blocking runs as sorted-array joins, never over all
pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, islice
from typing import NamedTuple

import numpy as np

from magen.people.matching.arrays import IntArray, _distinct, _hash_table, _hashed, _Map, _spread
from magen.people.matching.name_parts import _MAX_PARTS, _SCRIPTS, _KeyIds, _PartTable
from magen.people.matching.tables import _each_distinct, _Table
from magen.people.names import NameToken

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


_RULES = tuple(dict.fromkeys(rule for rule, _, _ in _JOINS))


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
