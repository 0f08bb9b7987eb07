"""Physical descriptions in Hebrew, Arabic or English reduced to a shared vocabulary (pure).

A medic writes "חולצה אדומה, ג'ינס", a family writes "red shirt and jeans", a registrar
writes "قميص أحمر": all become the clothing terms {red, shirt, jeans} and the pair
{red shirt}. Hair, build, clothing and distinguishing marks are compared on these terms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

HAIR: Mapping[str, tuple[str, ...]] = {
    "black": ("black", "dark", "שחור", "שחורה", "שחורים", "כהה", "أسود", "سوداء", "اسود"),
    "brown": ("brown", "brunette", "chestnut", "חום", "חומה", "חומים", "بني", "بنية"),
    "blond": (
        "blond",
        "blonde",
        "fair",
        "בלונדיני",
        "בלונדינית",
        "בהיר",
        "בהירה",
        "أشقر",
        "شقراء",
        "اشقر",
    ),
    "red": ("red", "ginger", "auburn", "ג'ינג'י", "ג'ינג'ית", "אדמוני", "أحمر", "حمراء"),
    "grey": ("grey", "gray", "white", "silver", "אפור", "אפורה", "שיבה", "לבן", "رمادي", "أشيب"),
    "bald": ("bald", "shaved", "קירח", "קרח", "מגולח", "أصلع", "اصلع", "محلوق"),
}
BUILD: Mapping[str, tuple[str, ...]] = {
    "slim": ("slim", "thin", "slender", "skinny", "petite", "רזה", "צנום", "نحيف", "نحيفة"),
    "medium": ("medium", "average", "normal", "ממוצע", "ממוצעת", "בינוני", "בינונית", "متوسط"),
    "heavy": (
        "heavy",
        "large",
        "stocky",
        "overweight",
        "fat",
        "muscular",
        "מלא",
        "מלאה",
        "שמן",
        "שמנה",
        "כבד",
        "שרירי",
        "ممتلئ",
        "سمين",
        "ضخم",
        "ممتلئة",
    ),
}
# Adjacent builds are a near miss, not a contradiction.
BUILD_ORDER = ("slim", "medium", "heavy")

COLOURS: Mapping[str, tuple[str, ...]] = {
    "black": ("black", "שחור", "שחורה", "שחורים", "שחורות", "أسود", "سوداء", "اسود"),
    "white": ("white", "לבן", "לבנה", "לבנים", "לבנות", "أبيض", "بيضاء", "ابيض"),
    "grey": ("grey", "gray", "אפור", "אפורה", "אפורים", "אפורות", "رمادي", "رمادية"),
    "blue": ("blue", "navy", "כחול", "כחולה", "כחולים", "כחולות", "أزرق", "زرقاء", "ازرق", "كحلي"),
    "red": ("red", "maroon", "אדום", "אדומה", "אדומים", "אדומות", "أحمر", "حمراء", "احمر"),
    "green": ("green", "olive", "ירוק", "ירוקה", "ירוקים", "ירוקות", "أخضر", "خضراء", "اخضر"),
    "yellow": ("yellow", "צהוב", "צהובה", "צהובים", "צהובות", "أصفر", "صفراء", "اصفر"),
    "brown": ("brown", "חום", "חומה", "חומים", "חומות", "بني", "بنية"),
    "orange": ("orange", "כתום", "כתומה", "כתומים", "כתומות", "برتقالي", "برتقالية"),
    "pink": ("pink", "ורוד", "ורודה", "ורודים", "ורודות", "وردي", "وردية", "زهري"),
    "purple": ("purple", "violet", "סגול", "סגולה", "סגולים", "סגולות", "بنفسجي", "بنفسجية"),
    "beige": ("beige", "khaki", "tan", "בז'", "חאקי", "بيج", "خاكي"),
}
GARMENTS: Mapping[str, tuple[str, ...]] = {
    "shirt": (
        "shirt",
        "tshirt",
        "t-shirt",
        "tee",
        "blouse",
        "top",
        "חולצה",
        "חולצת",
        "טישרט",
        "قميص",
        "بلوزة",
        "تيشيرت",
    ),
    "jacket": ("jacket", "windbreaker", "ז'קט", "ג'קט", "מעיל", "جاكيت", "سترة", "جاكيت"),
    "coat": ("coat", "parka", "overcoat", "מעיל-גשם", "מעילון", "معطف", "جبة"),
    "sweater": (
        "sweater",
        "jumper",
        "hoodie",
        "sweatshirt",
        "fleece",
        "סוודר",
        "סווטשירט",
        "קפוצ'ון",
        "كنزة",
        "هودي",
    ),
    "jeans": ("jeans", "denim", "ג'ינס", "جينز"),
    "trousers": ("trousers", "pants", "slacks", "מכנסיים", "מכנסי", "بنطال", "بنطلون", "سروال"),
    "shorts": ("shorts", "שורטס", "ברמודה", "شورت"),
    "skirt": ("skirt", "חצאית", "تنورة"),
    "dress": ("dress", "gown", "שמלה", "שמלת", "فستان", "ثوب"),
    "tracksuit": ("tracksuit", "sweatpants", "טרנינג", "بدلة رياضية", "تريننغ"),
    "uniform": ("uniform", "fatigues", "מדים", "زي", "بدلة"),
    "pyjamas": ("pyjamas", "pajamas", "nightgown", "פיג'מה", "כותונת", "بيجامة"),
    "hijab": ("hijab", "headscarf", "מטפחת", "חיג'אב", "حجاب", "منديل"),
    "kippah": ("kippah", "kippa", "yarmulke", "כיפה", "كيباه"),
    "cap": ("cap", "hat", "beanie", "כובע", "قبعة", "طاقية"),
    "scarf": ("scarf", "shawl", "צעיף", "وشاح", "شال"),
    "sandals": ("sandals", "flipflops", "slippers", "סנדלים", "כפכפים", "صندل", "شبشب"),
    "sneakers": ("sneakers", "trainers", "נעלי-ספורט", "סניקרס", "حذاء رياضي", "كوتشي"),
    "shoes": ("shoes", "נעליים", "נעלי", "حذاء", "جزمة"),
    "boots": ("boots", "מגפיים", "מגפים", "بوط", "جزمة طويلة"),
    "vest": ("vest", "אפוד", "سترة واقية", "صدرية"),
    "glasses": ("glasses", "spectacles", "משקפיים", "نظارة", "نظارات"),
}
MARKS: Mapping[str, tuple[str, ...]] = {
    "tattoo": ("tattoo", "tattooed", "קעקוע", "מקועקע", "وشم"),
    "scar": ("scar", "צלקת", "ندبة", "ندبه"),
    "birthmark": ("birthmark", "כתם-לידה", "כתם", "وحمة"),
    "piercing": ("piercing", "pierced", "earring", "פירסינג", "עגיל", "עגילים", "ثقب", "حلق"),
    "mole": ("mole", "שומה", "נקודת-חן", "شامة"),
    "beard": ("beard", "זקן", "لحية"),
    "moustache": ("moustache", "mustache", "שפם", "شارب", "شوارب"),
    "amputation": ("amputation", "amputee", "קטיעה", "בתור", "بتر"),
}
BODY_PARTS: Mapping[str, tuple[str, ...]] = {
    "face": ("face", "cheek", "forehead", "פנים", "לחי", "מצח", "وجه", "خد", "جبين"),
    "neck": ("neck", "צוואר", "رقبة"),
    "chest": ("chest", "חזה", "صدر"),
    "back": ("back", "גב", "ظهر"),
    "arm": ("arm", "forearm", "shoulder", "זרוע", "אמה", "כתף", "ذراع", "كتف", "ساعد"),
    "hand": ("hand", "wrist", "finger", "יד", "כף-יד", "שורש-כף", "אצבע", "يد", "معصم", "إصبع"),
    "leg": (
        "leg",
        "thigh",
        "ankle",
        "knee",
        "רגל",
        "ירך",
        "קרסול",
        "ברך",
        "ساق",
        "رجل",
        "فخذ",
        "كاحل",
        "ركبة",
    ),
}
SIDES: Mapping[str, tuple[str, ...]] = {
    "left": ("left", "שמאל", "שמאלית", "שמאלי", "يسار", "اليسرى", "الأيسر", "يسرى", "أيسر"),
    "right": ("right", "ימין", "ימנית", "ימני", "يمين", "اليمنى", "الأيمن", "يمنى", "أيمن"),
}

_CLAUSE = re.compile(r"[,;.\n\u060c\u061b]|\band\b|\bwith\b|\bעם\b|\bو\b|\bمع\b")
_WORD = re.compile(r"[\w'\u05f3\u05be-]+")
_RTL = re.compile(r"[\u0590-\u06ff]")
_HE_PREFIXES = ("וה", "וב", "ה", "ו", "ב", "ל", "מ", "ש", "כ")
_AR_PREFIXES = ("وال", "بال", "لل", "ال", "و", "ب")


def _index(
    vocab: Mapping[str, tuple[str, ...]],
) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    words: dict[str, str] = {}
    bigrams: dict[tuple[str, str], str] = {}
    for canon, forms in vocab.items():
        for form in (canon, *forms):
            folded = _fold(form)
            parts = folded.replace("-", " ").split()
            if len(parts) == 2:
                bigrams[(parts[0], parts[1])] = canon
            # A hyphenated form (נעלי-ספורט) also stands as one written word.
            words.setdefault(folded, canon)
            # Words are read without a geresh at their ends: בז׳ (beige) is looked up as בז.
            words.setdefault(folded.strip("'-"), canon)
    return words, bigrams


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold().replace("\u05f3", "'")
    return re.sub(r"[\u0591-\u05c7\u064b-\u065f\u0670\u0640]", "", text)


_VOCABS = {
    "hair": _index(HAIR),
    "build": _index(BUILD),
    "colour": _index(COLOURS),
    "garment": _index(GARMENTS),
    "mark": _index(MARKS),
    "part": _index(BODY_PARTS),
    "side": _index(SIDES),
}


def _strip_prefix(word: str, known: Mapping[str, str] | set[str]) -> str:
    if word in known:
        return word
    # Hebrew and Arabic glue conjunctions, prepositions and the article to the word.
    for prefix in (*_HE_PREFIXES, *_AR_PREFIXES):
        if word.startswith(prefix) and word[len(prefix) :] in known:
            return word[len(prefix) :]
    return word


@lru_cache(maxsize=100_000)
def _terms(clause: str, kind: str) -> tuple[tuple[int, str], ...]:
    """Vocabulary terms of one kind in a clause, with their word positions."""
    words = [w.strip("'-") for w in _WORD.findall(_fold(clause))]
    vocab, bigrams = _VOCABS[kind]
    firsts = {first for first, _ in bigrams}
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words):
            pair = (_strip_prefix(words[i], firsts), words[i + 1])
            if pair in bigrams:
                found.append((i, bigrams[pair]))
                i += 2
                continue
        word = _strip_prefix(words[i], vocab)
        if word in vocab:
            found.append((i, vocab[word]))
        i += 1
    return tuple(found)


def _bind(
    colours: Sequence[tuple[int, str]], garments: Sequence[tuple[int, str]], rtl: bool
) -> set[str]:
    """Pair each colour with its garment: the one before it in Hebrew/Arabic, after in English."""
    outfits: set[str] = set()
    for pos, colour in colours:
        before = [g for g in garments if g[0] < pos]
        after = [g for g in garments if g[0] > pos]
        ordered = (before[-1:], after[:1]) if rtl else (after[:1], before[-1:])
        for candidates in ordered:
            if candidates:
                outfits.add(f"{colour} {candidates[0][1]}")
                break
    return outfits


@dataclass(frozen=True, slots=True)
class Description:
    """A description reduced to shared terms; empty fields mean 'not described'."""

    hair: str | None = None
    build: str | None = None
    clothing: frozenset[str] = frozenset()
    outfits: frozenset[str] = frozenset()  # "red shirt": colour bound to garment
    marks: frozenset[str] = frozenset()
    mark_places: frozenset[str] = frozenset()  # "tattoo arm", "tattoo left arm"


def _first(text: str | None, kind: str) -> str | None:
    if not text:
        return None
    terms = _terms(text, kind)
    return terms[0][1] if terms else None


def describe(
    hair: str | None = None,
    build: str | None = None,
    clothing: str | None = None,
    marks: str | None = None,
) -> Description:
    """Reduce free-text description fields to shared terms."""
    worn, outfits = clothing_terms(clothing)
    kinds, places = mark_terms(marks)
    return Description(
        hair=hair_term(hair),
        build=build_term(build),
        clothing=worn,
        outfits=outfits,
        marks=kinds,
        mark_places=places,
    )


# Each field reduced on its own, as `describe` does: for reading many records a field at a
# time, each distinct text once.


def hair_term(text: str | None) -> str | None:
    """The hair colour a text names, if any (`Description.hair`)."""
    return _first(text, "hair")


def build_term(text: str | None) -> str | None:
    """The build a text names, if any (`Description.build`)."""
    return _first(text, "build")


def clothing_terms(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """Garments and colours worn, and the outfits (`Description.clothing`, `.outfits`)."""
    return _clothing(text or "")


def mark_terms(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """Kinds of mark, and each with where it is (`Description.marks`, `.mark_places`)."""
    return _marks(text or "")


# A text's terms are the union of its clauses' (each clause is read on its own), and texts
# share clauses far more than they are alike as a whole (at 120,000 generated records:
# 26,078 distinct clothing texts of 857 distinct clauses): each clause is read once.


@lru_cache(maxsize=100_000)
def _clothing(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """Garments and colours worn, and the outfits (colour bound to garment)."""
    return _union(map(_clothing_clause, _CLAUSE.split(text)))


@lru_cache(maxsize=100_000)
def _clothing_clause(clause: str) -> tuple[frozenset[str], frozenset[str]]:
    colours = _terms(clause, "colour")
    garments = _terms(clause, "garment")
    worn = frozenset(term for _, term in (*colours, *garments))
    return worn, frozenset(_bind(colours, garments, rtl=bool(_RTL.search(clause))))


@lru_cache(maxsize=100_000)
def _marks(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """Kinds of mark, and each kind with where it is."""
    return _union(map(_marks_clause, _CLAUSE.split(text)))


@lru_cache(maxsize=100_000)
def _marks_clause(clause: str) -> tuple[frozenset[str], frozenset[str]]:
    found = [term for _, term in _terms(clause, "mark")]
    parts = [term for _, term in _terms(clause, "part")]
    sides = [term for _, term in _terms(clause, "side")]
    places: set[str] = set()
    for mark in found:
        for part in parts:
            places.add(f"{mark} {part}")
            places.update(f"{mark} {side} {part}" for side in sides)
    return frozenset(found), frozenset(places)


def _union(
    clauses: Iterable[tuple[frozenset[str], frozenset[str]]],
) -> tuple[frozenset[str], frozenset[str]]:
    """The union of clauses' two sets of terms, each."""
    first: set[str] = set()
    second: set[str] = set()
    for a, b in clauses:
        first |= a
        second |= b
    return frozenset(first), frozenset(second)
