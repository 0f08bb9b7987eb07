"""Comparison levels, vectorised over candidate pairs: each pair's level of every comparison
(`COMPARISONS`), -1 where unknown, with the detail of how the names matched (`_NameDetail`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from magen.people.matching.arrays import (
    _CHUNK,
    _MIN_CHUNK,
    FloatArray,
    Int8Array,
    IntArray,
    Levels,
    _threads,
)
from magen.people.matching.model import (
    _AGE,
    _BUILD,
    _CLOTHING,
    _DOB,
    _HAIR,
    _MARKS,
    _N_COMPARISONS,
    _NAME,
    _NULL,
    _PLACE,
    _SEX,
    _TIME,
)
from magen.people.matching.name_parts import (
    _EXACT,
    _MAX_PARTS,
    _STRONG,
    _TYPO,
    _WEAK,
    _Cells,
    _PartTable,
)
from magen.people.matching.tables import (
    _KM_PER_DEG_LAT,
    _KM_PER_DEG_LON,
    _NEAR_SITES,
    _SITE_REACH_KM,
    _Table,
)


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
