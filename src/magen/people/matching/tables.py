"""Records as arrays: one side's records as columns (`_Table`).

Names as rows of part ids; sex, age range and birth date; hair, build, clothing and marks
reduced to codes and bit sets of the shared vocabulary (`magen.people.descriptions`); place
and time; and the shared places (shelters, hospitals) found records are at (`_mark_sites`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
from numpy.typing import NDArray

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
from magen.people.matching.arrays import _R, _T, FloatArray, IntArray
from magen.people.matching.model import _NULL
from magen.people.matching.name_parts import _MAX_PARTS, _PartTable
from magen.people.matching.records import PersonRecord, RecordKind

_KM_PER_DEG_LON = 111.32  # at the equator
_KM_PER_DEG_LAT = 110.574


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
