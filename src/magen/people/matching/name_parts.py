"""Name parts: the tokens of all of a record's names, grouped so that the Hebrew, Arabic and
Latin spellings of one name count once.

How two parts compare (unrelated, similar, misspelled, agreeing, same spelling) is decided by
their key sets (`_KeySets`) with a term-frequency adjustment for rare and common names; the
part table (`_PartTable`) interns the parts of every record and codes part pairs as arrays,
over the cells of pairs of records (`_Cells`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

from magen.people.matching.arrays import (
    _CHUNK,
    _MIN_CHUNK,
    FloatArray,
    Int8Array,
    IntArray,
    _distinct,
    _hash_table,
    _hashed,
    _Map,
    _spread,
)
from magen.people.matching.model import _NULL
from magen.people.names import NameToken, plain_token, plain_tokens, plain_words, tokens

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


def _deletions(key: str) -> Iterator[str]:
    if len(key) >= 2 and not key.startswith("g"):
        for i in range(len(key)):
            yield key[:i] + key[i + 1 :]


@lru_cache(maxsize=100_000)
def _typo_keys(key: str) -> tuple[str, ...]:
    """One-consonant deletions of a key that keep at least two consonants."""
    return tuple(d for d in dict.fromkeys(_deletions(key)) if len(d) >= 2)
