"""Explanations: the evidence of a candidate pair, one finding per comparison known, in words,
with its weight (log2 of m/u) for or against.
"""

from __future__ import annotations

from functools import lru_cache

from magen.people.descriptions import build_term, clothing_terms, hair_term, mark_terms
from magen.people.matching.arrays import FloatArray
from magen.people.matching.levels import _distance_km
from magen.people.matching.model import (
    _AGE,
    _BUILD,
    _CLOTHING,
    _HAIR,
    _MARKS,
    _NAME,
    _NULL,
    _PLACE,
    COMPARISONS,
    RARITIES,
    SWAPPED,
    Evidence,
    MatchModel,
    NamePair,
)
from magen.people.matching.name_parts import (
    _CODE_TEXT,
    _MAX_PARTS,
    _NAME_NONE,
    _NAME_PHONETIC,
    _NAME_SIMILAR,
    _TYPO,
    _WEAK,
)
from magen.people.matching.pipeline import _Run


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
