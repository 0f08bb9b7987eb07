"""The triage explanation in each language: Hebrew and Arabic lines carry no English."""

from __future__ import annotations

import re
from typing import Any

import pytest

from magen.people.triage import Protocol, TriageCategory, triage

_LATIN = re.compile(r"[A-Za-z]")

CASES: list[tuple[Protocol, dict[str, Any]]] = [
    # START: not walking, breathing 40 a minute: immediate (red).
    (Protocol.START, {"walks": False, "breathes": True, "respiratory_rate": 40}),
    # START: capillary refill over 2 s: immediate, with an action (control bleeding).
    (
        Protocol.START,
        {
            "walks": False,
            "breathes": True,
            "respiratory_rate": 20,
            "radial_pulse": True,
            "capillary_refill": "over_2s",
        },
    ),
    # START: walking: minor (green), with the secondary assessment action.
    (Protocol.START, {"walks": True}),
    # JumpSTART: a walking child.
    (Protocol.JUMPSTART, {"child_walks": "yes"}),
]


@pytest.mark.parametrize(("protocol", "answers"), CASES)
@pytest.mark.parametrize("lang", ["he", "ar"])
def test_hebrew_and_arabic_explanations_have_no_english(
    protocol: Protocol, answers: dict[str, Any], lang: str
) -> None:
    result = triage(protocol, answers)
    said = result.explain(lang)  # type: ignore[arg-type]
    assert said, "the explanation says why"
    assert not _LATIN.search(said), said
    # Nor the category's English name or colour in any case.
    assert result.category.value.upper() not in said
    assert f"({result.category.colour})" not in said


def test_hebrew_explanation_is_the_reason_then_the_actions() -> None:
    result = triage(
        Protocol.START,
        {
            "walks": False,
            "breathes": True,
            "respiratory_rate": 20,
            "radial_pulse": True,
            "capillary_refill": "over_2s",
        },
    )
    assert result.category is TriageCategory.IMMEDIATE
    assert result.explain("he") == "מילוי קפילרי מעל 2 שניות; עצור דימום"


def test_arabic_explanation_of_a_walking_casualty() -> None:
    result = triage(Protocol.START, {"walks": True})
    # The reason, then the secondary assessment action; no "MINOR (green)" before them.
    assert result.explain("ar") == "يمشي بمفرده; وجّه إلى منطقة الإصابات الطفيفة لتقييم ثانوي"


def test_english_keeps_the_category_for_the_log() -> None:
    result = triage(Protocol.START, {"walks": False, "breathes": True, "respiratory_rate": 40})
    assert result.explain("en").startswith("IMMEDIATE (red); ")
    assert result.explain().startswith("IMMEDIATE (red); ")
