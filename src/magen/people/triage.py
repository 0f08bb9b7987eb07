"""START and JumpSTART mass-casualty triage as guided questions (pure).

START (Hoag Hospital / Newport Beach Fire Department, 1983) sorts adults by
ambulation, respirations, perfusion and mental status ("30-2-can do").
JumpSTART (Romig, 1995, revised 2001) adapts it for children: an apnoeic child with a
pulse gets five rescue breaths before being declared expectant, the respiratory window is
15-45 per minute, perfusion is a palpable peripheral pulse and mental status is AVPU.
Children who cannot walk for reasons predating the incident (infants, disability) are
assessed by the algorithm rather than sent to the minor area; if they come out delayed, a
quick look for significant external injury decides between delayed and minor.

The algorithms are data: a tree of question nodes whose branches lead to further questions
or to a category. `next_step` walks the tree with the answers given so far and returns the
next question or the result with the path that led there. Answers that the path cannot
reach (because an earlier answer excludes them) are refused as contradictory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Lang = Literal["he", "ar", "en"]
Answer = bool | int | str

# START's respiratory threshold: over 30 breaths a minute is immediate.
START_MAX_RESPIRATORY_RATE = 30
# JumpSTART's window: under 15 or over 45 breaths a minute is immediate.
JUMPSTART_MIN_RESPIRATORY_RATE = 15
JUMPSTART_MAX_RESPIRATORY_RATE = 45
# JumpSTART is for children who are, or look, under this age; older ones get START.
JUMPSTART_AGE_LIMIT_YEARS = 8.0
# A counted rate above this is a mis-entry, not a finding.
_MAX_PLAUSIBLE_RESPIRATORY_RATE = 150


class TriageError(ValueError):
    """Answers that are unknown, malformed, out of range or contradict each other."""


class Protocol(StrEnum):
    """Which triage algorithm applies."""

    START = "start"
    JUMPSTART = "jumpstart"


class TriageCategory(StrEnum):
    """The four START/JumpSTART categories, by name; `colour` gives the tag colour."""

    MINOR = "minor"
    DELAYED = "delayed"
    IMMEDIATE = "immediate"
    EXPECTANT = "expectant"

    @property
    def colour(self) -> str:
        """The tag colour of this category."""
        return _COLOURS[self]

    @property
    def priority(self) -> int:
        """Treatment order: 1 first (immediate), 4 last (expectant)."""
        return _PRIORITIES[self]


_COLOURS = {
    TriageCategory.MINOR: "green",
    TriageCategory.DELAYED: "yellow",
    TriageCategory.IMMEDIATE: "red",
    TriageCategory.EXPECTANT: "black",
}
_PRIORITIES = {
    TriageCategory.IMMEDIATE: 1,
    TriageCategory.DELAYED: 2,
    TriageCategory.MINOR: 3,
    TriageCategory.EXPECTANT: 4,
}


@dataclass(frozen=True, slots=True)
class Text:
    """One string in the three languages of the town."""

    he: str
    ar: str
    en: str

    def in_(self, lang: Lang) -> str:
        """The string in one language."""
        return str(getattr(self, lang))


class AnswerKind(StrEnum):
    """How a question is answered."""

    YES_NO = "yes_no"
    COUNT = "count"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class Option:
    """One allowed answer to a choice question."""

    id: str
    text: Text


@dataclass(frozen=True, slots=True)
class Question:
    """A question asked at the casualty's side; `id` is stable across versions."""

    id: str
    kind: AnswerKind
    text: Text
    options: tuple[Option, ...] = ()
    unit: Text | None = None

    def validate(self, value: object) -> Answer:
        """Return the answer if it fits this question, or raise TriageError."""
        if self.kind is AnswerKind.YES_NO:
            if not isinstance(value, bool):
                raise TriageError(f"{self.id!r} is answered yes or no (true/false), not {value!r}")
            return value
        if self.kind is AnswerKind.COUNT:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TriageError(f"{self.id!r} is answered with a whole number, not {value!r}")
            if not 1 <= value <= _MAX_PLAUSIBLE_RESPIRATORY_RATE:
                raise TriageError(
                    f"{self.id!r} must be between 1 and {_MAX_PLAUSIBLE_RESPIRATORY_RATE}"
                    f" (a casualty who is not breathing is answered at 'breathes'), not {value}"
                )
            return value
        allowed = [option.id for option in self.options]
        if not isinstance(value, str) or value not in allowed:
            raise TriageError(f"{self.id!r} is answered with one of {allowed}, not {value!r}")
        return value


_YES = Text(he="כן", ar="نعم", en="Yes")
_NO = Text(he="לא", ar="لا", en="No")
_PER_MINUTE = Text(he="נשימות לדקה", ar="نفس في الدقيقة", en="breaths per minute")


def _yes_no(qid: str, text: Text) -> Question:
    return Question(qid, AnswerKind.YES_NO, text, (Option("yes", _YES), Option("no", _NO)))


QUESTIONS: Mapping[str, Question] = {
    q.id: q
    for q in (
        _yes_no(
            "walks",
            Text(
                he="האם הנפגע מסוגל ללכת?",
                ar="هل يستطيع المصاب المشي؟",
                en="Can the casualty walk?",
            ),
        ),
        Question(
            "child_walks",
            AnswerKind.CHOICE,
            Text(
                he="האם הילד מסוגל ללכת?",
                ar="هل يستطيع الطفل المشي؟",
                en="Can the child walk?",
            ),
            (
                Option("yes", _YES),
                Option("no", _NO),
                Option(
                    "not_yet",
                    Text(
                        he="לא הולך עדיין או בגלל מוגבלות קודמת (תינוק, נכות)",
                        ar="لا يمشي بعد أو بسبب إعاقة سابقة (رضيع، إعاقة)",
                        en="Not yet, or not since before the incident (infant, disability)",
                    ),
                ),
            ),
        ),
        _yes_no(
            "breathes",
            Text(he="האם הנפגע נושם?", ar="هل يتنفس المصاب؟", en="Is the casualty breathing?"),
        ),
        _yes_no(
            "breathes_after_airway",
            Text(
                he="פתח את נתיב האוויר (הטיית ראש, הרמת סנטר). האם הנפגע נושם עכשיו?",
                ar="افتح مجرى الهواء (إمالة الرأس ورفع الذقن). هل يتنفس المصاب الآن؟",
                en="Open the airway (head tilt, chin lift). Is the casualty breathing now?",
            ),
        ),
        _yes_no(
            "breathes_after_rescue_breaths",
            Text(
                he="תן 5 הנשמות (כ-15 שניות). האם הילד נושם עכשיו?",
                ar="أعطِ 5 أنفاس إنقاذية (نحو 15 ثانية). هل يتنفس الطفل الآن؟",
                en="Give 5 rescue breaths (about 15 seconds). Is the child breathing now?",
            ),
        ),
        Question(
            "respiratory_rate",
            AnswerKind.COUNT,
            Text(
                he="ספור נשימות במשך 15 שניות והכפל ב-4. כמה נשימות בדקה?",
                ar="عُدّ الأنفاس لمدة 15 ثانية واضربها في 4. كم نفسًا في الدقيقة؟",
                en="Count breaths for 15 seconds and multiply by 4. Breaths per minute?",
            ),
            unit=_PER_MINUTE,
        ),
        _yes_no(
            "radial_pulse",
            Text(
                he="האם יש דופק רדיאלי (בשורש כף היד)?",
                ar="هل يوجد نبض كعبري (في الرسغ)؟",
                en="Is there a radial pulse (at the wrist)?",
            ),
        ),
        Question(
            "capillary_refill",
            AnswerKind.CHOICE,
            Text(
                he="לחץ על ציפורן 2 שניות ושחרר. תוך כמה זמן חוזר הצבע?",
                ar="اضغط على الظفر لمدة ثانيتين ثم اترك. متى يعود اللون؟",
                en="Press a nail bed for 2 seconds and release. When does the colour return?",
            ),
            (
                Option("within_2s", Text(he="עד 2 שניות", ar="خلال ثانيتين", en="Within 2 s")),
                Option(
                    "over_2s",
                    Text(he="יותר מ-2 שניות", ar="بعد أكثر من ثانيتين", en="After more than 2 s"),
                ),
                Option(
                    "not_assessable",
                    Text(
                        he="לא ניתן לבדוק (קור, חושך)",
                        ar="لا يمكن التقييم (برد، ظلام)",
                        en="Cannot be assessed (cold, dark)",
                    ),
                ),
            ),
        ),
        _yes_no(
            "follows_commands",
            Text(
                he="האם הנפגע מבצע הוראות פשוטות (למשל 'לחץ לי את היד')?",
                ar="هل ينفذ المصاب أوامر بسيطة (مثل 'اضغط على يدي')؟",
                en="Does the casualty follow simple commands (e.g. 'squeeze my hand')?",
            ),
        ),
        _yes_no(
            "peripheral_pulse",
            Text(
                he="האם יש דופק היקפי נמוש?",
                ar="هل يوجد نبض محيطي مجسوس؟",
                en="Is there a palpable peripheral pulse?",
            ),
        ),
        Question(
            "avpu",
            AnswerKind.CHOICE,
            Text(he="רמת תגובה (AVPU)?", ar="مستوى الاستجابة (AVPU)؟", en="Responsiveness (AVPU)?"),
            (
                Option("alert", Text(he="ער", ar="واعٍ", en="Alert")),
                Option("voice", Text(he="מגיב לקול", ar="يستجيب للصوت", en="Responds to voice")),
                Option(
                    "pain_appropriate",
                    Text(
                        he="מגיב לכאב באופן תקין (מאתר, נרתע)",
                        ar="يستجيب للألم بشكل مناسب (يحدد مكانه، يسحب طرفه)",
                        en="Responds to pain appropriately (localises, withdraws)",
                    ),
                ),
                Option(
                    "pain_inappropriate",
                    Text(
                        he="מגיב לכאב באופן לא תקין (גניחה, תנוחה פתולוגית)",
                        ar="يستجيب للألم بشكل غير مناسب (أنين، وضعية شاذة)",
                        en="Responds to pain inappropriately (moans, posturing)",
                    ),
                ),
                Option("unresponsive", Text(he="אינו מגיב", ar="لا يستجيب", en="Unresponsive")),
            ),
        ),
        _yes_no(
            "significant_external_injury",
            Text(
                he="האם יש פגיעה חיצונית משמעותית (פצע חודר עמוק, דימום חמור, כוויות קשות,"
                " קטיעה, בטן תפוחה ורגישה)?",
                ar="هل توجد إصابة خارجية كبيرة (جرح نافذ عميق، نزيف شديد، حروق شديدة، بتر،"
                " بطن منتفخ ومؤلم)؟",
                en="Any significant external injury (deep penetrating wound, severe bleeding,"
                " severe burns, amputation, distended tender abdomen)?",
            ),
        ),
    )
}


REASONS: Mapping[str, Text] = {
    "ambulatory": Text(
        he="הולך בכוחות עצמו",
        ar="يمشي بمفرده",
        en="walks on their own",
    ),
    "apnoeic_after_airway": Text(
        he="אינו נושם גם לאחר פתיחת נתיב אוויר",
        ar="لا يتنفس حتى بعد فتح مجرى الهواء",
        en="not breathing after the airway was opened",
    ),
    "breathes_after_airway": Text(
        he="החל לנשום לאחר פתיחת נתיב אוויר",
        ar="بدأ يتنفس بعد فتح مجرى الهواء",
        en="started breathing once the airway was opened",
    ),
    "respiratory_rate_over_30": Text(
        he="קצב נשימה מעל 30 לדקה",
        ar="معدل التنفس أكثر من 30 في الدقيقة",
        en="breathing faster than 30 a minute",
    ),
    "no_radial_pulse": Text(
        he="אין דופק רדיאלי",
        ar="لا يوجد نبض كعبري",
        en="no radial pulse",
    ),
    "capillary_refill_over_2s": Text(
        he="מילוי קפילרי מעל 2 שניות",
        ar="امتلاء شعري أكثر من ثانيتين",
        en="capillary refill over 2 seconds",
    ),
    "cannot_follow_commands": Text(
        he="אינו מבצע הוראות פשוטות",
        ar="لا ينفذ أوامر بسيطة",
        en="cannot follow simple commands",
    ),
    "follows_commands": Text(
        he="נושם עד 30 לדקה, דופק תקין ומבצע הוראות",
        ar="يتنفس حتى 30 في الدقيقة، نبض جيد وينفذ الأوامر",
        en="breathing 30 a minute or less, perfusing and following commands",
    ),
    "apnoeic_without_pulse": Text(
        he="אינו נושם ואין דופק היקפי",
        ar="لا يتنفس ولا يوجد نبض محيطي",
        en="not breathing and no peripheral pulse",
    ),
    "breathes_after_rescue_breaths": Text(
        he="החל לנשום לאחר 5 הנשמות",
        ar="بدأ يتنفس بعد 5 أنفاس إنقاذية",
        en="started breathing after 5 rescue breaths",
    ),
    "apnoeic_after_rescue_breaths": Text(
        he="אינו נושם גם לאחר 5 הנשמות",
        ar="لا يتنفس حتى بعد 5 أنفاس إنقاذية",
        en="not breathing after 5 rescue breaths",
    ),
    "respiratory_rate_outside_15_45": Text(
        he="קצב נשימה מתחת ל-15 או מעל 45 לדקה",
        ar="معدل التنفس أقل من 15 أو أكثر من 45 في الدقيقة",
        en="breathing slower than 15 or faster than 45 a minute",
    ),
    "no_peripheral_pulse": Text(
        he="אין דופק היקפי נמוש",
        ar="لا يوجد نبض محيطي مجسوس",
        en="no palpable peripheral pulse",
    ),
    "avpu_pain_inappropriate_or_unresponsive": Text(
        he="מגיב לכאב באופן לא תקין או אינו מגיב",
        ar="يستجيب للألم بشكل غير مناسب أو لا يستجيب",
        en="responds inappropriately to pain, or is unresponsive",
    ),
    "avpu_alert_voice_or_pain_appropriate": Text(
        he="נושם 15-45 לדקה, דופק היקפי, ער או מגיב לקול או לכאב באופן תקין",
        ar="يتنفس 15-45 في الدقيقة، نبض محيطي، واعٍ أو يستجيب للصوت أو للألم بشكل مناسب",
        en="breathing 15-45 a minute, peripheral pulse, alert or responding to voice"
        " or appropriately to pain",
    ),
    "significant_external_injury": Text(
        he="אינו הולך ויש פגיעה חיצונית משמעותית",
        ar="لا يمشي ولديه إصابة خارجية كبيرة",
        en="cannot walk and has a significant external injury",
    ),
    "no_significant_external_injury": Text(
        he="אינו הולך (תינוק או מוגבלות קודמת) ללא פגיעה חיצונית משמעותית",
        ar="لا يمشي (رضيع أو إعاقة سابقة) ولا توجد إصابة خارجية كبيرة",
        en="cannot walk (infant or prior disability) with no significant external injury",
    ),
}

ACTIONS: Mapping[str, Text] = {
    "secondary_assessment": Text(
        he="הפנה לאזור הקלים להערכה משנית",
        ar="وجّه إلى منطقة الإصابات الطفيفة لتقييم ثانوي",
        en="send to the minor area for secondary assessment",
    ),
    "keep_airway_open": Text(
        he="שמור על נתיב אוויר פתוח",
        ar="حافظ على مجرى الهواء مفتوحًا",
        en="keep the airway open",
    ),
    "control_bleeding": Text(
        he="עצור דימום",
        ar="أوقف النزيف",
        en="control bleeding",
    ),
}


@dataclass(frozen=True, slots=True)
class TriageResult:
    """The category with the answers and the reason that led to it."""

    protocol: Protocol
    category: TriageCategory
    reason: str
    path: tuple[tuple[str, Answer], ...]
    actions: tuple[str, ...] = ()

    def explain(self, lang: Lang = "en") -> str:
        """A one-line account of the decision for the tag and the log.

        In English it opens with the category and its colour ("IMMEDIATE (red); ..."), as the
        log keeps it. In Hebrew and Arabic it says only why and what to do: the page shows the
        category in its own words beside it, and an English word inside a right-to-left line
        is misread under stress."""
        parts = [f"{self.category.value.upper()} ({self.category.colour})"] if lang == "en" else []
        parts.append(REASONS[self.reason].in_(lang))
        parts.extend(ACTIONS[action].in_(lang) for action in self.actions)
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class _Leaf:
    category: TriageCategory
    reason: str
    actions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Below:
    """A count branch taken when the answer is below `limit`."""

    limit: int


@dataclass(frozen=True, slots=True)
class _Node:
    question: str
    # Choice/yes-no answers map directly; counts go to the first `_Below` they are under,
    # else to the `None` branch.
    branches: tuple[tuple[Answer | _Below | None, _Node | _Leaf], ...]
    reachable: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        ids = {self.question}
        for _, target in self.branches:
            if isinstance(target, _Node):
                ids |= target.reachable
        object.__setattr__(self, "reachable", frozenset(ids))

    def follow(self, answer: Answer) -> _Node | _Leaf:
        for key, target in self.branches:
            if isinstance(key, _Below):
                if isinstance(answer, int) and answer < key.limit:
                    return target
            elif key is None or (key == answer and type(key) is type(answer)):
                return target
        raise AssertionError(f"no branch of {self.question} for {answer!r}")  # pragma: no cover


_IMMEDIATE = TriageCategory.IMMEDIATE


def _start_tree() -> _Node:
    mental = _Node(
        "follows_commands",
        (
            (True, _Leaf(TriageCategory.DELAYED, "follows_commands")),
            (False, _Leaf(_IMMEDIATE, "cannot_follow_commands")),
        ),
    )
    bleeding = ("control_bleeding",)
    refill = _Node(
        "capillary_refill",
        (
            ("over_2s", _Leaf(_IMMEDIATE, "capillary_refill_over_2s", bleeding)),
            ("within_2s", mental),
            # In cold or dark the radial pulse alone decides perfusion (START 1997 revision).
            ("not_assessable", mental),
        ),
    )
    perfusion = _Node(
        "radial_pulse",
        ((True, refill), (False, _Leaf(_IMMEDIATE, "no_radial_pulse", bleeding))),
    )
    rate = _Node(
        "respiratory_rate",
        (
            (_Below(START_MAX_RESPIRATORY_RATE + 1), perfusion),
            (None, _Leaf(_IMMEDIATE, "respiratory_rate_over_30")),
        ),
    )
    airway = _Node(
        "breathes_after_airway",
        (
            (True, _Leaf(_IMMEDIATE, "breathes_after_airway", ("keep_airway_open",))),
            (False, _Leaf(TriageCategory.EXPECTANT, "apnoeic_after_airway")),
        ),
    )
    breathing = _Node("breathes", ((True, rate), (False, airway)))
    return _Node(
        "walks",
        (
            (True, _Leaf(TriageCategory.MINOR, "ambulatory", ("secondary_assessment",))),
            (False, breathing),
        ),
    )


def _jumpstart_assessment(stable: _Node | _Leaf) -> _Node:
    """Breathing, rate, pulse and AVPU, ending at `stable` when nothing is immediate."""
    avpu = _Node(
        "avpu",
        (
            ("alert", stable),
            ("voice", stable),
            ("pain_appropriate", stable),
            ("pain_inappropriate", _Leaf(_IMMEDIATE, "avpu_pain_inappropriate_or_unresponsive")),
            ("unresponsive", _Leaf(_IMMEDIATE, "avpu_pain_inappropriate_or_unresponsive")),
        ),
    )
    perfusion = _Node(
        "peripheral_pulse",
        ((True, avpu), (False, _Leaf(_IMMEDIATE, "no_peripheral_pulse", ("control_bleeding",)))),
    )
    out_of_range = _Leaf(_IMMEDIATE, "respiratory_rate_outside_15_45")
    rate = _Node(
        "respiratory_rate",
        (
            (_Below(JUMPSTART_MIN_RESPIRATORY_RATE), out_of_range),
            (_Below(JUMPSTART_MAX_RESPIRATORY_RATE + 1), perfusion),
            (None, out_of_range),
        ),
    )
    rescue = _Node(
        "breathes_after_rescue_breaths",
        (
            (True, _Leaf(_IMMEDIATE, "breathes_after_rescue_breaths", ("keep_airway_open",))),
            (False, _Leaf(TriageCategory.EXPECTANT, "apnoeic_after_rescue_breaths")),
        ),
    )
    apnoeic_pulse = _Node(
        "peripheral_pulse",
        ((True, rescue), (False, _Leaf(TriageCategory.EXPECTANT, "apnoeic_without_pulse"))),
    )
    airway = _Node(
        "breathes_after_airway",
        (
            (True, _Leaf(_IMMEDIATE, "breathes_after_airway", ("keep_airway_open",))),
            (False, apnoeic_pulse),
        ),
    )
    return _Node("breathes", ((True, rate), (False, airway)))


def _jumpstart_tree() -> _Node:
    delayed = _Leaf(TriageCategory.DELAYED, "avpu_alert_voice_or_pain_appropriate")
    infant_check = _Node(
        "significant_external_injury",
        (
            (True, _Leaf(TriageCategory.DELAYED, "significant_external_injury")),
            (False, _Leaf(TriageCategory.MINOR, "no_significant_external_injury")),
        ),
    )
    return _Node(
        "child_walks",
        (
            ("yes", _Leaf(TriageCategory.MINOR, "ambulatory", ("secondary_assessment",))),
            ("no", _jumpstart_assessment(delayed)),
            ("not_yet", _jumpstart_assessment(infant_check)),
        ),
    )


_TREES = {Protocol.START: _start_tree(), Protocol.JUMPSTART: _jumpstart_tree()}


def protocol_for(
    age_years: float | None = None, *, looks_like_child: bool | None = None
) -> Protocol:
    """Choose JumpSTART for a child under 8 or, age unknown, one who looks like a child."""
    if age_years is not None:
        if age_years < 0:
            raise TriageError(f"age cannot be negative: {age_years}")
        return Protocol.JUMPSTART if age_years < JUMPSTART_AGE_LIMIT_YEARS else Protocol.START
    return Protocol.JUMPSTART if looks_like_child else Protocol.START


def questions_of(protocol: Protocol) -> tuple[Question, ...]:
    """Every question a protocol may ask, in the order they can first come up."""
    seen: dict[str, Question] = {}
    stack: list[_Node | _Leaf] = [_TREES[protocol]]
    while stack:
        node = stack.pop(0)
        if isinstance(node, _Node):
            seen.setdefault(node.question, QUESTIONS[node.question])
            stack.extend(target for _, target in node.branches)
    return tuple(seen.values())


def next_step(protocol: Protocol, answers: Mapping[str, object]) -> Question | TriageResult:
    """Return the next question to ask, or the result once the answers decide it."""
    for qid, value in answers.items():
        if qid not in QUESTIONS:
            raise TriageError(f"unknown triage question {qid!r}")
        QUESTIONS[qid].validate(value)
    node: _Node | _Leaf = _TREES[protocol]
    path: list[tuple[str, Answer]] = []
    while isinstance(node, _Node):
        if node.question not in answers:
            stray = sorted(set(answers) - {qid for qid, _ in path} - node.reachable)
            if stray:
                raise _contradiction(protocol, stray, path)
            return QUESTIONS[node.question]
        value = QUESTIONS[node.question].validate(answers[node.question])
        path.append((node.question, value))
        node = node.follow(value)
    stray = sorted(set(answers) - {qid for qid, _ in path})
    if stray:
        raise _contradiction(protocol, stray, path)
    return TriageResult(protocol, node.category, node.reason, tuple(path), node.actions)


def triage(protocol: Protocol, answers: Mapping[str, object]) -> TriageResult:
    """Return the result of a complete set of answers, or raise TriageError naming the gap."""
    step = next_step(protocol, answers)
    if isinstance(step, Question):
        raise TriageError(f"{protocol.value}: answers are incomplete, next is {step.id!r}")
    return step


def _contradiction(
    protocol: Protocol, stray: list[str], path: list[tuple[str, Answer]]
) -> TriageError:
    where = ", ".join(f"{qid}={value!r}" for qid, value in path) or "the start"
    return TriageError(
        f"{protocol.value}: answers to {stray} do not apply after {where};"
        " they contradict an earlier answer or belong to the other protocol"
    )
