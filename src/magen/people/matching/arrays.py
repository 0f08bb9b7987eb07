"""Array types and primitives every stage of matching uses.

The array aliases (`IntArray`, `Int8Array`, `FloatArray`, `Levels`); sorted distinct values,
hash tables of integer keys and spread CSR lists; and how work is split: pairs compared in
chunks (`_CHUNK`), chunks mapped over threads (`_threads`, `_Map`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
Int8Array = NDArray[np.int8]
# Comparison levels of pairs (pairs x comparisons), -1 where unknown.
Levels = NDArray[np.int8]
_T = TypeVar("_T")
_R = TypeVar("_R")
FloatArray = NDArray[np.float64]


class _Map(Protocol):
    """`map`, or a thread pool's: each item through a function, results in order."""

    def __call__(self, fn: Callable[[_T], _R], items: Iterable[_T], /) -> Iterator[_R]: ...


def _spread(
    starts: IntArray, flat: IntArray, of: IntArray, *carried: IntArray
) -> tuple[IntArray, ...]:
    """Each entry of `of` once per item of its CSR row, with the item and the carried
    columns repeated alongside."""
    counts = starts[of + 1] - starts[of]
    first = np.repeat(starts[of] - np.cumsum(counts) + counts, counts)
    items = flat[first + np.arange(int(counts.sum()))]
    return (items, *(np.repeat(c, counts) for c in carried))


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
