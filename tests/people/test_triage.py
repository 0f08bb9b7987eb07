"""START and JumpSTART: every branch, the question flow, and refusal of bad answers."""

from __future__ import annotations

from typing import Any

import pytest

from magen.people.triage import (
    ACTIONS,
    QUESTIONS,
    REASONS,
    AnswerKind,
    Protocol,
    Question,
    TriageCategory,
    TriageError,
    TriageResult,
    next_step,
    protocol_for,
    questions_of,
    triage,
)

MINOR = TriageCategory.MINOR
DELAYED = TriageCategory.DELAYED
IMMEDIATE = TriageCategory.IMMEDIATE
EXPECTANT = TriageCategory.EXPECTANT

_OK_START = {"walks": False, "breathes": True, "respiratory_rate": 20, "radial_pulse": True}

START_CASES: list[tuple[str, dict[str, Any], TriageCategory, str]] = [
    ("walking", {"walks": True}, MINOR, "ambulatory"),
    (
        "apnoeic, breathes once airway opened",
        {"walks": False, "breathes": False, "breathes_after_airway": True},
        IMMEDIATE,
        "breathes_after_airway",
    ),
    (
        "apnoeic after airway",
        {"walks": False, "breathes": False, "breathes_after_airway": False},
        EXPECTANT,
        "apnoeic_after_airway",
    ),
    (
        "rate 31",
        {"walks": False, "breathes": True, "respiratory_rate": 31},
        IMMEDIATE,
        "respiratory_rate_over_30",
    ),
    (
        "rate 60",
        {"walks": False, "breathes": True, "respiratory_rate": 60},
        IMMEDIATE,
        "respiratory_rate_over_30",
    ),
    (
        "no radial pulse",
        {"walks": False, "breathes": True, "respiratory_rate": 30, "radial_pulse": False},
        IMMEDIATE,
        "no_radial_pulse",
    ),
    (
        "slow capillary refill",
        {**_OK_START, "capillary_refill": "over_2s"},
        IMMEDIATE,
        "capillary_refill_over_2s",
    ),
    (
        "cannot follow commands",
        {**_OK_START, "capillary_refill": "within_2s", "follows_commands": False},
        IMMEDIATE,
        "cannot_follow_commands",
    ),
    (
        "follows commands",
        {**_OK_START, "capillary_refill": "within_2s", "follows_commands": True},
        DELAYED,
        "follows_commands",
    ),
    (
        "refill not assessable, follows commands",
        {**_OK_START, "capillary_refill": "not_assessable", "follows_commands": True},
        DELAYED,
        "follows_commands",
    ),
    (
        "refill not assessable, no commands",
        {**_OK_START, "capillary_refill": "not_assessable", "follows_commands": False},
        IMMEDIATE,
        "cannot_follow_commands",
    ),
    (
        "slowest rate still assessed",
        {
            "walks": False,
            "breathes": True,
            "respiratory_rate": 1,
            "radial_pulse": True,
            "capillary_refill": "within_2s",
            "follows_commands": True,
        },
        DELAYED,
        "follows_commands",
    ),
]


def _child(walks: str, **rest: Any) -> dict[str, Any]:
    return {"child_walks": walks, **rest}


_OK_CHILD = {"breathes": True, "respiratory_rate": 30, "peripheral_pulse": True}

# Every path through JumpSTART for a child who cannot walk yet (or not since before the
# incident), written from Romig's algorithm: not breathing -> open the airway (breathing now:
# immediate) -> no palpable peripheral pulse: expectant; pulse: five rescue breaths (breathing
# now: immediate, still apnoeic: expectant). Breathing: fewer than 15 or more than 45 a
# minute is immediate; no palpable peripheral pulse is immediate; AVPU "P" inappropriately or
# "U" is immediate; A, V or P appropriately would be delayed, and for a non-walking child the
# secondary assessment decides: significant external injury delayed, none minor.
_APNOEIC = {"breathes": False, "breathes_after_airway": False}
_INFANT_STABLE = {"breathes": True, "respiratory_rate": 40, "peripheral_pulse": True}
INFANT_PATHS: list[tuple[str, dict[str, Any], TriageCategory, str]] = [
    (
        "breathes once airway opened",
        {"breathes": False, "breathes_after_airway": True},
        IMMEDIATE,
        "breathes_after_airway",
    ),
    (
        "apnoeic without pulse",
        {**_APNOEIC, "peripheral_pulse": False},
        EXPECTANT,
        "apnoeic_without_pulse",
    ),
    (
        "apnoeic with pulse, breathes after rescue breaths",
        {**_APNOEIC, "peripheral_pulse": True, "breathes_after_rescue_breaths": True},
        IMMEDIATE,
        "breathes_after_rescue_breaths",
    ),
    (
        "apnoeic with pulse, apnoeic after rescue breaths",
        {**_APNOEIC, "peripheral_pulse": True, "breathes_after_rescue_breaths": False},
        EXPECTANT,
        "apnoeic_after_rescue_breaths",
    ),
    (
        "rate 14, under 15",
        {"breathes": True, "respiratory_rate": 14},
        IMMEDIATE,
        "respiratory_rate_outside_15_45",
    ),
    (
        "rate 46, over 45",
        {"breathes": True, "respiratory_rate": 46},
        IMMEDIATE,
        "respiratory_rate_outside_15_45",
    ),
    (
        "rate 45, no palpable pulse",
        {"breathes": True, "respiratory_rate": 45, "peripheral_pulse": False},
        IMMEDIATE,
        "no_peripheral_pulse",
    ),
    (
        "responds to pain inappropriately",
        {**_INFANT_STABLE, "avpu": "pain_inappropriate"},
        IMMEDIATE,
        "avpu_pain_inappropriate_or_unresponsive",
    ),
    (
        "unresponsive",
        {**_INFANT_STABLE, "avpu": "unresponsive"},
        IMMEDIATE,
        "avpu_pain_inappropriate_or_unresponsive",
    ),
    (
        "alert, significant injury",
        {**_INFANT_STABLE, "avpu": "alert", "significant_external_injury": True},
        DELAYED,
        "significant_external_injury",
    ),
    (
        "alert, no significant injury",
        {**_INFANT_STABLE, "avpu": "alert", "significant_external_injury": False},
        MINOR,
        "no_significant_external_injury",
    ),
    (
        "responds to voice, significant injury",
        {**_INFANT_STABLE, "avpu": "voice", "significant_external_injury": True},
        DELAYED,
        "significant_external_injury",
    ),
    (
        "responds to voice, no significant injury",
        {**_INFANT_STABLE, "avpu": "voice", "significant_external_injury": False},
        MINOR,
        "no_significant_external_injury",
    ),
    (
        "rate 15, pain appropriately, significant injury",
        {
            "breathes": True,
            "respiratory_rate": 15,
            "peripheral_pulse": True,
            "avpu": "pain_appropriate",
            "significant_external_injury": True,
        },
        DELAYED,
        "significant_external_injury",
    ),
    (
        "pain appropriately, no significant injury",
        {**_INFANT_STABLE, "avpu": "pain_appropriate", "significant_external_injury": False},
        MINOR,
        "no_significant_external_injury",
    ),
]

JUMPSTART_CASES: list[tuple[str, dict[str, Any], TriageCategory, str]] = [
    ("walking", _child("yes"), MINOR, "ambulatory"),
    (
        "breathes once airway opened",
        _child("no", breathes=False, breathes_after_airway=True),
        IMMEDIATE,
        "breathes_after_airway",
    ),
    (
        "apnoeic, no pulse",
        _child("no", breathes=False, breathes_after_airway=False, peripheral_pulse=False),
        EXPECTANT,
        "apnoeic_without_pulse",
    ),
    (
        "apnoeic with pulse, breathes after rescue breaths",
        _child(
            "no",
            breathes=False,
            breathes_after_airway=False,
            peripheral_pulse=True,
            breathes_after_rescue_breaths=True,
        ),
        IMMEDIATE,
        "breathes_after_rescue_breaths",
    ),
    (
        "apnoeic with pulse, still apnoeic after rescue breaths",
        _child(
            "no",
            breathes=False,
            breathes_after_airway=False,
            peripheral_pulse=True,
            breathes_after_rescue_breaths=False,
        ),
        EXPECTANT,
        "apnoeic_after_rescue_breaths",
    ),
    (
        "rate 14",
        _child("no", breathes=True, respiratory_rate=14),
        IMMEDIATE,
        "respiratory_rate_outside_15_45",
    ),
    (
        "rate 46",
        _child("no", breathes=True, respiratory_rate=46),
        IMMEDIATE,
        "respiratory_rate_outside_15_45",
    ),
    (
        "rate 15 and 45 are in range: no pulse",
        _child("no", breathes=True, respiratory_rate=15, peripheral_pulse=False),
        IMMEDIATE,
        "no_peripheral_pulse",
    ),
    (
        "pain inappropriate",
        _child("no", **_OK_CHILD, avpu="pain_inappropriate"),
        IMMEDIATE,
        "avpu_pain_inappropriate_or_unresponsive",
    ),
    (
        "unresponsive",
        _child("no", **_OK_CHILD, avpu="unresponsive"),
        IMMEDIATE,
        "avpu_pain_inappropriate_or_unresponsive",
    ),
    (
        "alert",
        _child("no", **_OK_CHILD, avpu="alert"),
        DELAYED,
        "avpu_alert_voice_or_pain_appropriate",
    ),
    (
        "voice",
        _child("no", **_OK_CHILD, avpu="voice"),
        DELAYED,
        "avpu_alert_voice_or_pain_appropriate",
    ),
    (
        "pain appropriate, rate 45",
        _child(
            "no", breathes=True, respiratory_rate=45, peripheral_pulse=True, avpu="pain_appropriate"
        ),
        DELAYED,
        "avpu_alert_voice_or_pain_appropriate",
    ),
    # Infants and children who could not walk before the incident are not sent to the minor
    # area: they go through the whole assessment, and one who would be delayed gets a quick
    # look for significant external injury (delayed if there is one, minor if not).
    *(
        (f"not yet walking: {name}", _child("not_yet", **answers), category, reason)
        for name, answers, category, reason in INFANT_PATHS
    ),
]


@pytest.mark.parametrize(
    ("answers", "category", "reason"),
    [pytest.param(a, c, r, id=name) for name, a, c, r in START_CASES],
)
def test_start_branch(answers: dict[str, Any], category: TriageCategory, reason: str) -> None:
    result = triage(Protocol.START, answers)
    assert (result.category, result.reason) == (category, reason)
    assert dict(result.path) == answers


@pytest.mark.parametrize(
    ("answers", "category", "reason"),
    [pytest.param(a, c, r, id=name) for name, a, c, r in JUMPSTART_CASES],
)
def test_jumpstart_branch(answers: dict[str, Any], category: TriageCategory, reason: str) -> None:
    result = triage(Protocol.JUMPSTART, answers)
    assert (result.category, result.reason) == (category, reason)
    assert dict(result.path) == answers


def _leaf_reasons(protocol: Protocol) -> set[str]:
    """Every reason the tree can end with, found by exhaustively answering its questions."""
    found: set[str] = set()
    samples: dict[AnswerKind, list[Any]] = {
        AnswerKind.YES_NO: [True, False],
        AnswerKind.COUNT: [1, 14, 15, 30, 31, 45, 46, 150],
    }

    def walk(answers: dict[str, Any]) -> None:
        step = next_step(protocol, answers)
        if isinstance(step, TriageResult):
            found.add(step.reason)
            return
        values = samples.get(step.kind) or [o.id for o in step.options]
        for value in values:
            walk({**answers, step.id: value})

    walk({})
    return found


# The respiratory-rate bands each algorithm tells apart (upper bounds, inclusive), from the
# algorithms' own text: START "over 30"; JumpSTART "under 15 or over 45".
_RATE_BANDS = {Protocol.START: (30,), Protocol.JUMPSTART: (14, 45)}


def _signature(protocol: Protocol, path: Any) -> frozenset[tuple[str, Any]]:
    """A path as its questions and answers, a rate standing for its band."""
    bands = _RATE_BANDS[protocol]
    return frozenset(
        (q, sum(a > b for b in bands) if q == "respiratory_rate" else a) for q, a in path
    )


def _paths(protocol: Protocol) -> set[frozenset[tuple[str, Any]]]:
    """Every path through the tree, found by exhaustively answering its questions."""
    found: set[frozenset[tuple[str, Any]]] = set()
    samples: dict[AnswerKind, list[Any]] = {
        AnswerKind.YES_NO: [True, False],
        AnswerKind.COUNT: [1, 14, 15, 30, 31, 45, 46, 150],
    }

    def walk(answers: dict[str, Any]) -> None:
        step = next_step(protocol, answers)
        if isinstance(step, TriageResult):
            found.add(_signature(protocol, step.path))
            return
        values = samples.get(step.kind) or [o.id for o in step.options]
        for value in values:
            walk({**answers, step.id: value})

    walk({})
    return found


@pytest.mark.parametrize(
    ("protocol", "cases", "count"),
    [(Protocol.START, START_CASES, 10), (Protocol.JUMPSTART, JUMPSTART_CASES, 28)],
)
def test_tables_have_a_case_for_every_path(
    protocol: Protocol, cases: list[tuple[str, dict[str, Any], TriageCategory, str]], count: int
) -> None:
    paths = _paths(protocol)
    assert len(paths) == count
    assert {_signature(protocol, answers.items()) for _, answers, *_ in cases} == paths


def test_every_not_yet_walking_path_has_a_case() -> None:
    not_yet = {p for p in _paths(Protocol.JUMPSTART) if ("child_walks", "not_yet") in p}
    cases = {
        _signature(Protocol.JUMPSTART, [("child_walks", "not_yet"), *a.items()])
        for _, a, *_ in INFANT_PATHS
    }
    assert len(not_yet) == 15
    assert cases == not_yet


@pytest.mark.parametrize(
    ("protocol", "cases"), [(Protocol.START, START_CASES), (Protocol.JUMPSTART, JUMPSTART_CASES)]
)
def test_tables_cover_every_leaf(
    protocol: Protocol, cases: list[tuple[str, dict[str, Any], TriageCategory, str]]
) -> None:
    assert _leaf_reasons(protocol) == {reason for *_, reason in cases}


def test_guided_flow_asks_one_question_at_a_time() -> None:
    answers: dict[str, Any] = {}
    asked = []
    script = {
        "walks": False,
        "breathes": True,
        "respiratory_rate": 24,
        "radial_pulse": True,
        "capillary_refill": "within_2s",
        "follows_commands": True,
    }
    while True:
        step = next_step(Protocol.START, answers)
        if isinstance(step, TriageResult):
            break
        asked.append(step.id)
        answers[step.id] = script[step.id]
    assert asked == list(script)
    assert step.category is DELAYED
    assert step.category.colour == "yellow"


def test_questions_and_reasons_are_trilingual() -> None:
    texts = [q.text for q in QUESTIONS.values()]
    texts += [o.text for q in QUESTIONS.values() for o in q.options]
    texts += [*REASONS.values(), *ACTIONS.values()]
    for text in texts:
        assert any("\u0590" <= ch <= "\u05ff" for ch in text.he), text
        assert any("\u0600" <= ch <= "\u06ff" for ch in text.ar), text
        assert text.en.isascii(), text


def test_explanation_names_category_reason_and_action() -> None:
    result = triage(Protocol.START, {**_OK_START, "capillary_refill": "over_2s"})
    assert (
        result.explain("en") == "IMMEDIATE (red); capillary refill over 2 seconds; control bleeding"
    )
    assert "מילוי קפילרי" in result.explain("he")
    assert "نزيف" in result.explain("ar")


def test_walking_child_gets_secondary_assessment_note() -> None:
    result = triage(Protocol.JUMPSTART, {"child_walks": "yes"})
    assert result.actions == ("secondary_assessment",)


def test_questions_of_lists_each_protocols_questions() -> None:
    start = [q.id for q in questions_of(Protocol.START)]
    jump = [q.id for q in questions_of(Protocol.JUMPSTART)]
    assert start[0] == "walks"
    assert jump[0] == "child_walks"
    assert "avpu" not in start
    assert "follows_commands" not in jump
    assert all(isinstance(q, Question) for q in questions_of(Protocol.START))


def test_priorities_order_categories() -> None:
    order = sorted(TriageCategory, key=lambda c: c.priority)
    assert order == [IMMEDIATE, DELAYED, MINOR, EXPECTANT]


@pytest.mark.parametrize(
    ("age", "looks_like_child", "expected"),
    [
        (0.5, None, Protocol.JUMPSTART),
        (7.9, None, Protocol.JUMPSTART),
        (8, None, Protocol.START),
        (40, True, Protocol.START),  # a known age wins over appearance
        (None, True, Protocol.JUMPSTART),
        (None, False, Protocol.START),
        (None, None, Protocol.START),
    ],
)
def test_protocol_for(age: float | None, looks_like_child: bool | None, expected: Protocol) -> None:
    assert protocol_for(age, looks_like_child=looks_like_child) is expected


@pytest.mark.parametrize(
    ("protocol", "answers", "message"),
    [
        (Protocol.START, {"pulse_ox": 90}, "unknown triage question"),
        (Protocol.START, {"walks": "yes"}, "yes or no"),
        (Protocol.START, {"walks": 1}, "yes or no"),
        (Protocol.START, {"walks": False, "breathes": True, "respiratory_rate": 0}, "between 1"),
        (Protocol.START, {"walks": False, "breathes": True, "respiratory_rate": 400}, "between 1"),
        (Protocol.START, {"walks": False, "breathes": True, "respiratory_rate": 22.5}, "whole"),
        (Protocol.START, {"walks": False, "breathes": True, "respiratory_rate": True}, "whole"),
        (Protocol.JUMPSTART, {"child_walks": "maybe"}, "one of"),
        (Protocol.JUMPSTART, {"child_walks": "no", "breathes": True, "avpu": "V"}, "one of"),
        # A walking casualty was never asked about breathing.
        (Protocol.START, {"walks": True, "breathes": True}, "contradict"),
        # Breathing casualties are not airway-positioned.
        (
            Protocol.START,
            {"walks": False, "breathes": True, "breathes_after_airway": True},
            "contradict",
        ),
        # Still incomplete, but the rate can never be asked once apnoea is recorded.
        (Protocol.START, {"walks": False, "breathes": False, "respiratory_rate": 20}, "contradict"),
        # Expectant at the airway, yet commands recorded.
        (
            Protocol.START,
            {
                "walks": False,
                "breathes": False,
                "breathes_after_airway": False,
                "follows_commands": True,
            },
            "contradict",
        ),
        # Questions of the other protocol.
        (Protocol.START, {"walks": False, "avpu": "alert"}, "other protocol"),
        (Protocol.JUMPSTART, {"walks": True}, "other protocol"),
        # Significant-injury check is only for children who could not walk before.
        (
            Protocol.JUMPSTART,
            _child("no", **_OK_CHILD, avpu="alert", significant_external_injury=False),
            "contradict",
        ),
        # Rescue breaths are for apnoeic children only.
        (
            Protocol.JUMPSTART,
            _child("no", breathes=True, breathes_after_rescue_breaths=True),
            "contradict",
        ),
    ],
)
def test_bad_answers_are_refused(protocol: Protocol, answers: dict[str, Any], message: str) -> None:
    with pytest.raises(TriageError, match=message):
        next_step(protocol, answers)


def test_incomplete_answers_name_the_next_question() -> None:
    with pytest.raises(TriageError, match="next is 'radial_pulse'"):
        triage(Protocol.START, {"walks": False, "breathes": True, "respiratory_rate": 12})


def test_out_of_order_answers_wait_for_their_turn() -> None:
    step = next_step(Protocol.START, {"walks": False, "follows_commands": True})
    assert isinstance(step, Question)
    assert step.id == "breathes"


def test_negative_age_is_refused() -> None:
    with pytest.raises(TriageError, match="negative"):
        protocol_for(-1)
