"""The matcher's reasons for a proposed match, said in the registrar's language (pure).

A proposal stores its evidence as data (`magen.domain.persons.MatchEvidence`, made from the
matcher's `Evidence`): the field, the level's label as `magen.people.matching.COMPARISONS`
names it (or a fixed finding's key), and the details: name parts as written with how they
compare, ages, a distance, description terms in descriptions.py's canonical English. Here
each is said in Hebrew, Arabic or English. The English is the matcher's own finding, word for
word; the Hebrew and Arabic description words are forms descriptions.py reads back to the
same terms. Names and report ids are shown as written; in Hebrew and Arabic each is isolated
(FSI ... PDI) so a Latin or Arabic name keeps its own direction inside the sentence.

Pure and cheap: nothing here loads the matching engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, Protocol

Lang = Literal["he", "ar", "en"]
_AT = {"he": 0, "ar": 1, "en": 2}


class _Names(Protocol):
    @property
    def a(self) -> str: ...
    @property
    def b(self) -> str: ...
    @property
    def how(self) -> str: ...


class EvidenceData(Protocol):
    """What a finding is made from: `magen.domain.persons.MatchEvidence` or the matcher's
    `Evidence` (whose `finding` is the English this renders)."""

    @property
    def field(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def weight(self) -> float: ...
    @property
    def names(self) -> Sequence[_Names]: ...
    @property
    def swapped(self) -> bool: ...
    @property
    def rarity(self) -> str: ...
    @property
    def ages(self) -> tuple[tuple[float, float], tuple[float, float]] | None: ...
    @property
    def km(self) -> float | None: ...
    @property
    def terms(self) -> Sequence[str]: ...
    @property
    def source(self) -> str: ...
    @property
    def other(self) -> str: ...


# --- words: (he, ar, en) ------------------------------------------------------------------

FIELDS: dict[str, tuple[str, str, str]] = {
    "name": ("שם", "الاسم", "name"),
    "sex": ("מין", "الجنس", "sex"),
    "birth date": ("תאריך לידה", "تاريخ الميلاد", "birth date"),
    "age": ("גיל", "العمر", "age"),
    "hair": ("שיער", "الشعر", "hair"),
    "build": ("מבנה גוף", "البنية", "build"),
    "clothing": ("לבוש", "الملابس", "clothing"),
    "marks": ("סימנים מזהים", "علامات مميزة", "marks"),
    "place": ("מקום", "المكان", "place"),
    "time": ("זמן", "الوقت", "time"),
    "record": ("רשומה", "السجل", "record"),
    "duplicate report": ("דיווח כפול", "بلاغ مكرر", "duplicate report"),
}

_AGREES = ("תואם", "متطابق", "agrees")
_DIFFERS = ("שונה", "مختلف", "differs")

# Each field's levels, by their label in COMPARISONS (and the fixed findings).
LEVELS: dict[str, dict[str, tuple[str, str, str]]] = {
    "name": {
        "no part agrees": ("אף חלק בשם אינו תואם", "لا يتطابق أي جزء من الاسم", ""),
        "one part similar": ("חלק אחד דומה", "جزء واحد مشابه", ""),
        "one part agrees, the others differ": (
            "חלק אחד תואם, האחרים שונים",
            "جزء واحد متطابق، والباقي مختلف",
            "",
        ),
        "two parts similar": ("שני חלקים דומים", "جزآن متشابهان", ""),
        "one part agrees, the other is not given": (
            "חלק אחד תואם, השני לא נמסר",
            "جزء واحد متطابق، والآخر غير مذكور",
            "",
        ),
        "one part agrees, another is similar": (
            "חלק אחד תואם, חלק נוסף דומה",
            "جزء متطابق، وجزء آخر مشابه",
            "",
        ),
        "one part agrees, another is misspelled": (
            "חלק אחד תואם, בחלק נוסף שגיאת כתיב",
            "جزء متطابق، وفي جزء آخر خطأ إملائي",
            "",
        ),
        "two parts agree, a third differs": (
            "שני חלקים תואמים, השלישי שונה",
            "جزآن متطابقان، والثالث مختلف",
            "",
        ),
        "two parts sound the same": ("שני חלקים נשמעים אותו דבר", "جزآن يُلفظان بالشكل نفسه", ""),
        "two parts spelled the same": ("שני חלקים זהים בכתיב", "جزآن بالتهجئة نفسها", ""),
        "three parts agree": ("שלושה חלקים תואמים", "ثلاثة أجزاء متطابقة", ""),
    },
    "sex": {"differs": _DIFFERS, "agrees": _AGREES},
    "birth date": {
        "over 2 years apart": ("הפרש של יותר משנתיים", "فرق أكثر من سنتين", ""),
        "differs": _DIFFERS,
        "nearly agrees": ("כמעט תואם", "متطابق تقريبًا", ""),
        "agrees": _AGREES,
    },
    "age": {
        "stated ages over 3 years apart": (
            "הפרש של יותר מ-3 שנים בין הגילים שנמסרו",
            "فرق أكثر من 3 سنوات بين العمرين المذكورين",
            "",
        ),
        "far apart, even for an estimate": (
            "רחוקים מדי, גם בהערכה",
            "متباعدان جدًا حتى بالتقدير",
            "",
        ),
        "further apart than an estimate usually errs": (
            "רחוקים יותר ממה שהערכה טועה בדרך כלל",
            "متباعدان أكثر مما يخطئ التقدير عادةً",
            "",
        ),
        "stated ages 2-3 years apart": (
            "הפרש של 2-3 שנים בין הגילים שנמסרו",
            "فرق 2-3 سنوات بين العمرين المذكورين",
            "",
        ),
        "a few years apart": ("הפרש של כמה שנים", "فرق بضع سنوات", ""),
        "ranges overlap": ("הטווחים חופפים", "النطاقان متداخلان", ""),
        "stated ages a year apart": (
            "הפרש של שנה בין הגילים שנמסרו",
            "فرق سنة بين العمرين المذكورين",
            "",
        ),
        "agrees": _AGREES,
    },
    "hair": {"differs": _DIFFERS, "agrees": _AGREES},
    "build": {
        "differs": ("שונה", "مختلفة", ""),
        "close": ("קרוב", "قريبة", ""),
        "agrees": ("תואם", "متطابقة", ""),
    },
    "clothing": {
        "nothing shared": ("אין פריט משותף", "لا شيء مشترك", ""),
        "some terms shared": ("כמה פרטים משותפים", "بعض التفاصيل مشتركة", ""),
        "one item agrees": ("פריט אחד תואם", "قطعة واحدة متطابقة", ""),
        "several items agree": ("כמה פריטים תואמים", "عدة قطع متطابقة", ""),
    },
    "marks": {
        "none shared": ("אין סימן משותף", "لا علامة مشتركة", ""),
        "same kind of mark": ("אותו סוג סימן", "نوع العلامة نفسه", ""),
        "same mark in the same place": (
            "אותו סימן באותו מקום",
            "العلامة نفسها في المكان نفسه",
            "",
        ),
    },
    "place": {
        "over 10 km apart": ("במרחק של יותר מ-10 ק״מ", "على بعد أكثر من 10 كم", ""),
        "3-10 km apart": ("במרחק 3-10 ק״מ", "على بعد 3-10 كم", ""),
        "2-3 km apart": ("במרחק 2-3 ק״מ", "على بعد 2-3 كم", ""),
        "1.5-2 km apart": ("במרחק 1.5-2 ק״מ", "على بعد 1.5-2 كم", ""),
        "at a shelter farther than the four nearest": (
            "במקלט רחוק יותר מארבעת הקרובים",
            "في ملجأ أبعد من الملاجئ الأربعة الأقرب",
            "",
        ),
        "1-1.5 km apart": ("במרחק 1-1.5 ק״מ", "على بعد 1-1.5 كم", ""),
        "at the fourth-nearest shelter": (
            "במקלט הרביעי הקרוב ביותר",
            "في رابع أقرب ملجأ",
            "",
        ),
        "0.5-1 km apart": ("במרחק 0.5-1 ק״מ", "على بعد 0.5-1 كم", ""),
        "at one of the three shelters nearest": (
            "באחד משלושת המקלטים הקרובים ביותר",
            "في أحد أقرب ثلاثة ملاجئ",
            "",
        ),
        "within 500 m": ("עד 500 מ׳", "ضمن 500 م", ""),
        "at the shelter nearest": ("במקלט הקרוב ביותר", "في أقرب ملجأ", ""),
        "within 200 m": ("עד 200 מ׳", "ضمن 200 م", ""),
    },
    "time": {
        "implausible": ("לא סביר", "غير معقول", ""),
        "found over 6 hours after last seen": (
            "נמצא יותר מ-6 שעות אחרי שנראה לאחרונה",
            "وُجد بعد أكثر من 6 ساعات من آخر مرة شوهد فيها",
            "",
        ),
        "plausible": ("סביר", "معقول", ""),
        "found within 6 hours of last seen": (
            "נמצא תוך 6 שעות משנראה לאחרונה",
            "وُجد خلال 6 ساعات من آخر مرة شوهد فيها",
            "",
        ),
    },
    "record": {
        "no other report is a likely match for this record": (
            "אין דיווח אחר שסביר שמתאים לרשומה הזו",
            "لا يوجد بلاغ آخر يُرجَّح أنه يطابق هذا السجل",
            "",
        ),
    },
    "duplicate report": {
        "the same person as report": (
            "אותו אדם כמו בדיווח {id}",
            "الشخص نفسه كما في البلاغ {id}",
            "the same person as report {id}",
        ),
    },
}

# How two name parts compare (NAME_HOWS), what the names' frequency said (RARITIES), and the
# other fixed phrases.
PHRASES: dict[str, tuple[str, str, str]] = {
    "same": ("זהה", "مطابق", ""),
    "sounds the same": ("נשמע זהה", "يُلفظ بالشكل نفسه", ""),
    "nickname": ("כינוי", "اسم دلع", ""),
    "similar": ("דומה", "مشابه", ""),
    "misspelled": ("שגיאת כתיב", "خطأ إملائي", ""),
    "a rarer name": ("שם נדיר יחסית", "اسم نادر نسبيًا", ""),
    "a common name": ("שם נפוץ", "اسم شائع", ""),
    "given and family name in swapped order": (
        "שם פרטי ושם משפחה בסדר הפוך",
        "الاسم الشخصي واسم العائلة بترتيب معكوس",
        "",
    ),
    "(in report X)": ("(בדיווח {id})", "(في البلاغ {id})", "(in report {id})"),
    "X vs Y": ("{a} מול {b}", "{a} مقابل {b}", "{a} vs {b}"),
    "km": ("{km} ק״מ", "{km} كم", "{km} km"),
}

# Description terms (descriptions.py's canonical English) in Hebrew and Arabic: forms from
# descriptions.py's own vocabularies, so each reads back to the same term.
HAIR: dict[str, tuple[str, str]] = {
    "black": ("שחור", "أسود"),
    "brown": ("חום", "بني"),
    "blond": ("בלונדיני", "أشقر"),
    "red": ("ג'ינג'י", "أحمر"),
    "grey": ("אפור", "رمادي"),
    "bald": ("קירח", "أصلع"),
}
BUILD: dict[str, tuple[str, str]] = {
    "slim": ("רזה", "نحيف"),
    "medium": ("ממוצע", "متوسط"),
    "heavy": ("מלא", "ممتلئ"),
}
# Colours: Hebrew masculine, feminine, masculine plural, feminine plural; Arabic masculine,
# feminine (a thing's plural takes the feminine).
COLOURS: dict[str, tuple[tuple[str, str, str, str], tuple[str, str]]] = {
    "black": (("שחור", "שחורה", "שחורים", "שחורות"), ("أسود", "سوداء")),
    "white": (("לבן", "לבנה", "לבנים", "לבנות"), ("أبيض", "بيضاء")),
    "grey": (("אפור", "אפורה", "אפורים", "אפורות"), ("رمادي", "رمادية")),
    "blue": (("כחול", "כחולה", "כחולים", "כחולות"), ("أزرق", "زرقاء")),
    "red": (("אדום", "אדומה", "אדומים", "אדומות"), ("أحمر", "حمراء")),
    "green": (("ירוק", "ירוקה", "ירוקים", "ירוקות"), ("أخضر", "خضراء")),
    "yellow": (("צהוב", "צהובה", "צהובים", "צהובות"), ("أصفر", "صفراء")),
    "brown": (("חום", "חומה", "חומים", "חומות"), ("بني", "بنية")),
    "orange": (("כתום", "כתומה", "כתומים", "כתומות"), ("برتقالي", "برتقالية")),
    "pink": (("ורוד", "ורודה", "ורודים", "ורודות"), ("وردي", "وردية")),
    "purple": (("סגול", "סגולה", "סגולים", "סגולות"), ("بنفسجي", "بنفسجية")),
    "beige": (("בז'", "בז'", "בז'", "בז'"), ("بيج", "بيج")),
}
# Garments: the Hebrew word and its gender and number (index into a colour's Hebrew forms),
# the Arabic word and its gender (index into a colour's Arabic forms).
_M, _F, _MP, _FP = 0, 1, 2, 3
GARMENTS: dict[str, tuple[str, int, str, int]] = {
    "shirt": ("חולצה", _F, "قميص", 0),
    "jacket": ("מעיל", _M, "جاكيت", 0),
    "coat": ("מעילון", _M, "معطف", 0),
    "sweater": ("סוודר", _M, "كنزة", 1),
    "jeans": ("ג'ינס", _M, "جينز", 0),
    "trousers": ("מכנסיים", _MP, "بنطال", 0),
    "shorts": ("שורטס", _MP, "شورت", 0),
    "skirt": ("חצאית", _F, "تنورة", 1),
    "dress": ("שמלה", _F, "فستان", 0),
    "tracksuit": ("טרנינג", _M, "بدلة رياضية", 1),
    "uniform": ("מדים", _MP, "زي", 0),
    "pyjamas": ("פיג'מה", _F, "بيجامة", 1),
    "hijab": ("חיג'אב", _M, "حجاب", 0),
    "kippah": ("כיפה", _F, "كيباه", 1),
    "cap": ("כובע", _M, "قبعة", 1),
    "scarf": ("צעיף", _M, "وشاح", 0),
    "sandals": ("סנדלים", _MP, "صندل", 0),
    "sneakers": ("נעלי ספורט", _FP, "حذاء رياضي", 0),
    "shoes": ("נעליים", _FP, "حذاء", 0),
    "boots": ("מגפיים", _MP, "بوط", 0),
    "vest": ("אפוד", _M, "صدرية", 1),
    "glasses": ("משקפיים", _MP, "نظارة", 1),
}
MARKS: dict[str, tuple[str, str]] = {
    "tattoo": ("קעקוע", "وشم"),
    "scar": ("צלקת", "ندبة"),
    "birthmark": ("כתם לידה", "وحمة"),
    "piercing": ("פירסינג", "ثقب"),
    "mole": ("שומה", "شامة"),
    "beard": ("זקן", "لحية"),
    "moustache": ("שפם", "شارب"),
    "amputation": ("קטיעה", "بتر"),
}
# Body parts: Hebrew, Arabic with its article, and the Arabic gender (for the side).
BODY_PARTS: dict[str, tuple[str, str, int]] = {
    "face": ("פנים", "الوجه", 0),
    "neck": ("צוואר", "الرقبة", 1),
    "chest": ("חזה", "الصدر", 0),
    "back": ("גב", "الظهر", 0),
    "arm": ("זרוע", "الذراع", 1),
    "hand": ("יד", "اليد", 1),
    "leg": ("רגל", "الساق", 1),
}
# Sides: Hebrew (after the part, as in יד שמאל), Arabic masculine and feminine.
SIDES: dict[str, tuple[str, tuple[str, str]]] = {
    "left": ("שמאל", ("الأيسر", "اليسرى")),
    "right": ("ימין", ("الأيمن", "اليمنى")),
}

WORDS: dict[str, tuple[str, str, str]] = {
    "evidence_for": ("בעד", "لصالح التطابق", "For"),
    "evidence_against": ("נגד", "ضد التطابق", "Against"),
}

_FSI, _PDI = "\u2068", "\u2069"
_COMMA = {"he": ", ", "ar": "، ", "en": ", "}


def _as_written(text: str, lang: Lang) -> str:
    """A name or id as written; isolated in a right-to-left sentence."""
    return text if lang == "en" else _FSI + text + _PDI


def _words(row: tuple[str, str, str], lang: Lang, english: str) -> str:
    return row[_AT[lang]] or english


def _phrase(key: str, lang: Lang, **values: str) -> str:
    text = _words(PHRASES[key], lang, key)
    return text.format(**values) if values else text


def _age(lo: float, hi: float) -> str:
    return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"


def term(field: str, value: str, lang: Lang) -> str:
    """A description term (descriptions.py's canonical English) in a language; a term it
    does not know, as written."""
    if lang == "en":
        return value
    he = lang == "he"
    if field == "hair" and value in HAIR:
        return HAIR[value][0 if he else 1]
    if field == "build" and value in BUILD:
        return BUILD[value][0 if he else 1]
    if field == "clothing":
        return _clothing_term(value, he) or value
    if field == "marks":
        return _mark_term(value, he) or value
    return value


def _clothing_term(value: str, he: bool) -> str | None:
    colour, _, garment = value.partition(" ")
    if not garment:
        if value in GARMENTS:
            g = GARMENTS[value]
            return g[0] if he else g[2]
        if value in COLOURS:
            return COLOURS[value][0][0] if he else COLOURS[value][1][0]
        return None
    if colour not in COLOURS or garment not in GARMENTS:
        return None
    he_word, he_form, ar_word, ar_form = GARMENTS[garment]
    he_colours, ar_colours = COLOURS[colour]
    return f"{he_word} {he_colours[he_form]}" if he else f"{ar_word} {ar_colours[ar_form]}"


def _mark_term(value: str, he: bool) -> str | None:
    words = value.split(" ")
    if words[0] not in MARKS or len(words) > 3:
        return None
    mark = MARKS[words[0]][0 if he else 1]
    if len(words) == 1:
        return mark
    part, side = words[-1], words[1] if len(words) == 3 else None
    if part not in BODY_PARTS or (side is not None and side not in SIDES):
        return None
    he_part, ar_part, ar_gender = BODY_PARTS[part]
    if he:
        return f"{mark} על {he_part} {SIDES[side][0]}" if side else f"{mark} על ה{he_part}"
    where = f"{ar_part} {SIDES[side][1][ar_gender]}" if side else ar_part
    return f"{mark} على {where}"


def _detail(e: EvidenceData, lang: Lang) -> str:
    """What follows the level: names, ages, distance, terms."""
    if e.field == "name":
        bits = [
            f"'{_as_written(n.a, lang)}' ~ '{_as_written(n.b, lang)}' ({_phrase(n.how, lang)})"
            if n.how in PHRASES
            else f"'{_as_written(n.a, lang)}' ~ '{_as_written(n.b, lang)}' ({n.how})"
            for n in e.names
        ]
        if e.swapped:
            bits.append(_phrase("given and family name in swapped order", lang))
        comma = _COMMA[lang]
        text = ": " + comma.join(bits) if bits else ""
        if e.rarity:
            text += comma + (_phrase(e.rarity, lang) if e.rarity in PHRASES else e.rarity)
        return text
    if e.field == "age" and e.ages is not None:
        (alo, ahi), (blo, bhi) = e.ages
        return f" ({_phrase('X vs Y', lang, a=_age(alo, ahi), b=_age(blo, bhi))})"
    if e.field == "place" and e.km is not None:
        return f" ({_phrase('km', lang, km=f'{e.km:.1f}')})"
    if e.field in ("hair", "build") and len(e.terms) == 2:
        a, b = (term(e.field, t, lang) for t in e.terms)
        return f" ({_phrase('X vs Y', lang, a=a, b=b)})"
    if e.field in ("clothing", "marks") and e.terms:
        return f" ({_COMMA[lang].join(term(e.field, t, lang) for t in e.terms)})"
    return ""


def finding(e: EvidenceData, lang: Lang) -> str:
    """One finding in a language, without its field: in English, the matcher's own words."""
    levels = LEVELS.get(e.field, {})
    if e.field == "duplicate report" and e.level in levels:
        text = _words(levels[e.level], lang, "").format(id=_as_written(e.other, lang))
    else:
        text = _words(levels[e.level], lang, e.level) if e.level in levels else e.level
        text += _detail(e, lang)
    if e.source:
        text += " " + _phrase("(in report X)", lang, id=_as_written(e.source, lang))
    return text


def reason(e: EvidenceData, lang: Lang) -> str:
    """One finding with its field, as the explanation writes it ("age: agrees (46 vs 46)")."""
    field = _words(FIELDS[e.field], lang, e.field) if e.field in FIELDS else e.field
    return f"{field}: {finding(e, lang)}"


def reasons(evidence: Iterable[EvidenceData], lang: Lang) -> list[dict[str, object]]:
    """A match's reasons in a language, as `explain()` orders them: for, then against, each
    strongest first. Each is {"text", "weight" (log2 Bayes factor, to a tenth), "for"}."""
    ranked = sorted(evidence, key=lambda e: -abs(e.weight))
    out: list[dict[str, object]] = []
    for pro in (True, False):
        out += [
            {"text": reason(e, lang), "weight": round(e.weight, 1), "for": pro}
            for e in ranked
            if (e.weight > 0) is pro
        ]
    return out
