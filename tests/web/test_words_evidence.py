"""The matcher's reasons in Hebrew, Arabic and English (`magen.web.words_evidence`)."""

from __future__ import annotations

import random
import re
from functools import cache

import pytest

from magen.domain.persons import match_evidence
from magen.people import descriptions as voc
from magen.people.descriptions import describe
from magen.people.matching import (
    COMPARISONS,
    FIXED_FINDINGS,
    NAME_HOWS,
    RARITIES,
    SWAPPED,
    MatchCandidate,
    link,
    link_people,
)
from magen.people.synth import generate
from magen.web import i18n
from magen.web.words_evidence import (
    FIELDS,
    LEVELS,
    PHRASES,
    Lang,
    finding,
    reason,
    reasons,
    term,
)


@cache
def _candidates() -> tuple[MatchCandidate, ...]:
    pop = generate(random.Random(7), missing_reports=700, records=220)
    found = [*link(pop.reports, pop.records, min_score=0.2).candidates]
    found += [c for pl in link_people(pop.reports, pop.records).links for c in pl.candidates]
    return tuple(found)


def _every_level() -> list[tuple[str, str]]:
    fixed = [(f, level) for f, levels in FIXED_FINDINGS.items() for level in levels]
    return [(f, level) for f, levels in COMPARISONS for level in levels] + fixed


@pytest.mark.parametrize(("field", "level"), _every_level())
def test_every_level_has_words_in_every_language(field: str, level: str) -> None:
    he, ar, en = LEVELS[field][level]
    assert he.strip()
    assert ar.strip()
    assert not re.search("[A-Za-z]", (he + ar).replace("{id}", ""))
    assert re.search("[\u0590-\u05ff]", he)
    assert re.search("[\u0600-\u06ff]", ar)
    assert en in ("", level, level + " {id}")  # English is the label itself
    assert FIELDS[field][0]
    assert FIELDS[field][1]


def test_the_tables_hold_exactly_the_matchers_levels() -> None:
    # A level added to (or renamed in) COMPARISONS fails above; one dropped fails here.
    assert {(f, level) for f, levels in LEVELS.items() for level in levels} == set(_every_level())
    assert set(FIELDS) == {f for f, _ in _every_level()}


@pytest.mark.parametrize(
    "phrase", [*NAME_HOWS, *RARITIES, SWAPPED, "(in report X)", "X vs Y", "km"]
)
def test_every_fixed_phrase_has_words(phrase: str) -> None:
    he, ar, _ = PHRASES[phrase]
    assert re.search("[\u0590-\u05ff]", he)
    assert re.search("[\u0600-\u06ff]", ar)


def test_english_is_the_matchers_own_finding() -> None:
    seen = set()
    for c in _candidates():
        stored = match_evidence(c.evidence)
        for e, s in zip(c.evidence, stored, strict=True):
            assert finding(e, "en") == e.finding
            assert reason(s, "en") == f"{e.field}: {e.finding}"  # from what the log stores
            seen.add(e.field)
        # In explain()'s order, for then against.
        said = reasons(stored, "en")
        pro = [f"{r['text']} ({r['weight']:+.1f})" for r in said if r["for"]]
        con = [f"{r['text']} ({r['weight']:+.1f})" for r in said if not r["for"]]
        text = c.explain()
        assert ("For: " + "; ".join(pro) + ".") in text if pro else "For:" not in text
        assert ("Against: " + "; ".join(con) + ".") in text if con else "Against:" not in text
    assert seen == set(FIELDS)


_LATIN = re.compile("[A-Za-z]")
_ISOLATED = re.compile("\u2068[^\u2069]*\u2069")


@pytest.mark.parametrize("lang", ["he", "ar"])
def test_a_generated_link_reads_in_the_registrars_language(lang: Lang) -> None:
    script = "[\u0590-\u05ff]" if lang == "he" else "[\u0600-\u06ff]"
    shown = 0
    for c in _candidates():
        for r in reasons(match_evidence(c.evidence), lang):
            text = str(r["text"])
            # Only names and report ids, as written, are in another script.
            assert not _LATIN.search(_ISOLATED.sub("", text)), text
            assert re.search(script, text)
            shown += 1
    assert shown > 1000


def test_one_link_in_each_language() -> None:
    c = next(
        c
        for c in _candidates()
        if {"name", "age", "place", "clothing"} <= {e.field for e in c.evidence}
        and any(e.names for e in c.evidence)
    )
    stored = match_evidence(c.evidence)
    he = [str(r["text"]) for r in reasons(stored, "he")]
    ar = [str(r["text"]) for r in reasons(stored, "ar")]
    en = [str(r["text"]) for r in reasons(stored, "en")]
    assert len(he) == len(ar) == len(en) == len(c.evidence)
    name = next(e for e in c.evidence if e.field == "name")
    first = name.names[0]
    for said in (he, ar):
        [line] = [t for t in said if f"\u2068{first.a}\u2069" in t]
        assert f"\u2068{first.b}\u2069" in line
    assert any(t.startswith("גיל: ") for t in he)
    assert any(t.startswith("العمر: ") for t in ar)
    km = next(e for e in c.evidence if e.field == "place").km
    assert any(f"{km:.1f} ק״מ" in t for t in he)
    assert any(f"{km:.1f} كم" in t for t in ar)


def _readback(field: str, text: str) -> set[str]:
    if field == "hair":
        return {describe(hair=text).hair or ""}
    if field == "build":
        return {describe(build=text).build or ""}
    if field == "clothing":
        d = describe(clothing=text)
        return set(d.outfits) | set(d.clothing)
    d = describe(marks=text)
    return set(d.mark_places) | set(d.marks)


def _every_term() -> list[tuple[str, str]]:
    out = [("hair", h) for h in voc.HAIR] + [("build", b) for b in voc.BUILD]
    out += [("clothing", g) for g in voc.GARMENTS] + [("clothing", c) for c in voc.COLOURS]
    out += [("clothing", f"{c} {g}") for c in voc.COLOURS for g in voc.GARMENTS]
    out += [("marks", m) for m in voc.MARKS]
    out += [("marks", f"{m} {p}") for m in voc.MARKS for p in voc.BODY_PARTS]
    out += [("marks", f"{m} {s} {p}") for m in voc.MARKS for s in voc.SIDES for p in voc.BODY_PARTS]
    return out


@pytest.mark.parametrize("lang", ["he", "ar"])
def test_description_words_read_back_to_the_same_terms(lang: Lang) -> None:
    """Every term the matcher can name is said in words descriptions.py reads as that term."""
    for field, value in _every_term():
        said = term(field, value, lang)
        assert said != value, (field, value)
        assert value in _readback(field, said), (lang, field, value, said)


def test_unknown_words_are_shown_as_written() -> None:
    from magen.domain.persons import MatchEvidence

    e = MatchEvidence(field="scent", level="strong", weight=-1.0, terms=("lavender",))
    assert reason(e, "he") == "scent: strong"
    assert term("clothing", "lavender coat", "ar") == "lavender coat"
    assert reasons([e], "ar") == [{"text": "scent: strong", "weight": -1.0, "for": False}]


def test_the_headings_are_registered() -> None:
    assert i18n.text("evidence_for", "he") == "בעד"
    assert i18n.text("evidence_against", "en") == "Against"
