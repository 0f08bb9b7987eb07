"""Shelter addresses in the reader's language: an English address matched to the OSM street.

Municipal shelter lists give addresses in English ("25 Yoel St.", "King George 44"); the OSM
extract names streets in Hebrew (`name`, `name:he`) with English (`name:en`, `name:en1`...)
and sometimes Arabic (`name:ar`) spellings. At import each address is split into street and
house number, the street compared with the English names of the OSM streets near the shelter
(`MAX_STREET_M` from the shelter's coordinates), and when one street's names match well
enough, and no other nearby street matches about as well, the address is rewritten with that
street's Hebrew and Arabic names and the same house number ("יואל 25").

Wrong is worse than English: an address that does not parse, a street not found near the
shelter, two near streets that match alike, or a weak likeness leave the address in English.
Spellings are compared after folding what transliterations disagree on (St./Street/Rd,
hyphens, apostrophes, "HaX"/"Ha-X", ch/kh/h, tz/ts/z, doubled letters) with rapidfuzz.

Every named street of the extract is named per language too (`street_name_table`): what OSM
tags in Hebrew, Arabic and English, for the pages to say a street (the silent page's "near
...") in the reader's language rather than in OSM's spelling.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from rapidfuzz import fuzz

# Only streets this close to the shelter (metres, to the street's line) are candidates: the
# address names the street the shelter's door is on, never a namesake across town.
MAX_STREET_M = 200.0
# The least likeness (0-100, rapidfuzz ratio of the folded names) taken for the same street.
MIN_SCORE = 88.0
# A second nearby street (another Hebrew name) this close in likeness makes the match unsure.
UNSURE_MARGIN = 6.0

_TYPE_WORDS = frozenset(
    {"st", "str", "street", "rd", "road", "ave", "av", "avenue", "blvd", "boulevard", "ln"}
)
# Titles a list may give or leave out ("HaRav Kook" and "Kook" are one street).
_TITLES = frozenset({"harav", "rav", "rabbi", "rabbeinu", "rabenu", "rabbenu"})
_CITY_TAIL = re.compile(r"(,\s*(jerusalem|israel|ירושלים))+\s*$", re.IGNORECASE)
_NUMBER = r"\d{1,4}\s?[A-Za-z\u05d0-\u05ea]?"
_NUMBER_FIRST = re.compile(rf"^({_NUMBER})\s+(.+)$")
_NUMBER_LAST = re.compile(rf"^(.+?)\s+({_NUMBER})$")
# A place given relative to a street ("X Corner Jaffa", "West of Y"): not one street's address.
_RELATIVE = re.compile(
    r"\b(corner|cnr|junction|west|east|north|south|of|near|between|opposite|behind|and)\b|&",
    re.IGNORECASE,
)
_HEBREW = re.compile(r"[\u05d0-\u05ea]")
_ARABIC = re.compile(r"[\u0620-\u064a]")
_LATIN = re.compile(r"[A-Za-z]")
# Transliteration variants folded to one spelling, longest first.
_FOLDS = (
    ("tch", "ch"),
    ("sch", "sh"),
    ("kh", "h"),
    ("ch", "h"),
    ("ck", "k"),
    ("tz", "z"),
    ("ts", "z"),
    ("ph", "f"),
    ("q", "k"),
    ("w", "v"),
    ("ei", "e"),
    ("ey", "e"),
    ("y", "i"),
)


@dataclass(frozen=True)
class StreetNames:
    """One OSM street's names: Hebrew, Arabic, and every English spelling it carries."""

    he: str
    ar: str
    en: tuple[str, ...]


@dataclass(frozen=True)
class LocalAddress:
    """An address rewritten in Hebrew and Arabic ("" where the street has no such name)."""

    he: str
    ar: str
    street_he: str  # the matched street, for the report
    score: float
    distance_m: float


# Hebrew and Arabic letters by the sound they write, folded into one class where the two
# scripts (or transliterations between them) disagree; vowel letters, the article and
# marks are left out. Used to check that OSM's Arabic name writes the Hebrew one.
_SOUND_HE = dict(zip("בגדזחטכךלמםנןסעפףצץקרשת", "bgdzktkklmmnns-bbzzkrst", strict=True))
_SOUND_AR = dict(zip("بپتثجچگغحخدذضرزظسشصطعفڤقكلمن", "bbttggggkkdddrzzsszt-bbkklmn", strict=True))


def _sounds(text: str, table: dict[str, str], article: str) -> str:
    out = []
    for word in text.split():
        bare = word[len(article) :] if word.startswith(article) and len(word) > 2 else word
        out.append("".join(table.get(c, "") for c in bare).replace("-", ""))
    return "".join(out)


def arabic_agrees(he: str, ar: str) -> bool:
    """Whether an Arabic street name writes the sounds of the Hebrew one.

    OSM's Arabic street names are sometimes another street's, or a word that merely looks
    alike ("التعابير" on HaNevi'im); such a name must not send a reader elsewhere. A
    translation ("طريق الخليل" for Hebron Road) fails this check too and is not used.
    """
    a = _sounds(he, _SOUND_HE, "ה")
    b = _sounds(ar.replace("تس", "ص"), _SOUND_AR, "ال")
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= 85)


def street_names(tags: Mapping[str, str]) -> StreetNames | None:
    """The names of an OSM way from its tags; None without a Hebrew and an English name."""
    name = tags.get("name", "").strip()
    he = tags.get("name:he", "").strip() or (name if _HEBREW.search(name) else "")
    ar = tags.get("name:ar", "").strip() or (name if _ARABIC.search(name) else "")
    if ar and not arabic_agrees(he, ar):
        ar = ""
    en = [v.strip() for k, v in sorted(tags.items()) if k.startswith("name:en") and v.strip()]
    en += [tags[k].strip() for k in ("int_name", "name") if _LATIN.search(tags.get(k, ""))]
    en = list(dict.fromkeys(en))
    if not he or not en:
        return None
    return StreetNames(he=he, ar=ar, en=tuple(en))


def split_address(text: str) -> list[tuple[str, str]] | None:
    """An address as (street, house number) parts; None when it is not that plain.

    "25 Yoel St." -> [("Yoel St.", "25")]; "Jaffa 97 /Agripas 42" -> two parts; a street
    without a number keeps "" as its number; anything with a place name or a comma left
    after the city ("The Technological Park, Hapoel ... Road") is not plain: None.
    """
    # Lists carry stray invisible marks (zero-width spaces, direction marks) and NBSPs.
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf")
    cleaned = " ".join(visible.replace("\xa0", " ").split())
    cleaned = _CITY_TAIL.sub("", cleaned).strip()
    if not cleaned or "," in cleaned or _RELATIVE.search(cleaned):
        return None
    parts: list[tuple[str, str]] = []
    for raw in cleaned.split("/"):
        part = raw.strip()
        if not part:
            return None
        m = _NUMBER_FIRST.match(part)
        if m:
            street, number = m.group(2), m.group(1)
        else:
            m = _NUMBER_LAST.match(part)
            street, number = (m.group(1), m.group(2)) if m else (part, "")
        if any(ch.isdigit() for ch in street) or not _LATIN.search(street):
            return None
        parts.append((street.strip(), number.replace(" ", "")))
    return parts


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    plain = re.sub(r"[\u2019\u2018'`\u00b4\"\u05f3\u05f4]", "", plain)
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    # "Ha Sanhedrin", "Ha-Sanhedrin" and "HaSanhedrin" are one name; so are "El"/"Al" forms.
    out: list[str] = []
    for w in words:
        if out and out[-1] in {"ha", "he", "al", "el"}:
            out[-1] = out[-1] + w
        else:
            out.append(w)
    return [w for w in out if w not in _TYPE_WORDS]


def _fold(word: str) -> str:
    for a, b in _FOLDS:
        word = word.replace(a, b)
    return re.sub(r"(.)\1+", r"\1", word)


# Words too common to identify a street alone ("Ben", "Beit", "Derech"...).
_GENERIC = frozenset(
    {
        "ben",
        "bar",
        "bat",
        "bet",
        "bnei",
        "derh",
        "kikar",
        "sderot",
        "simtat",
        "mevo",
        "male",
        "ramat",
        "har",
        "givat",
        "en",
        "neve",
        "kiriat",
        "shikun",
        "gan",
        "the",
        "of",
        "de",
        "la",
        "square",
        "circle",
        "a",
        "b",
        "d",
    }
)


def _key_words(words: list[str]) -> tuple[str, ...]:
    return tuple(_fold(w) for w in words)


def street_keys(text: str) -> tuple[tuple[str, ...], ...]:
    """The comparable spellings of a street name (folded words), with and without a title."""
    words = _words(text)
    keys = [_key_words(words)]
    untitled = [w for w in words if w not in _TITLES]
    if untitled and untitled != words:
        keys.append(_key_words(untitled))
    return tuple(k for k in dict.fromkeys(keys) if k)


def _skeleton(word: str) -> str:
    """A word's consonants (its first letter kept): transliterations differ most in vowels."""
    return word[:1] + re.sub(r"[aeiou]", "", word[1:])


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) >= 4 and len(b) >= 4 and len(_skeleton(a)) >= 3 and _skeleton(a) == _skeleton(b):
        return True
    return min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= 88


# Scores of word-by-word agreement: every word alike; the shorter name's words all in the
# longer one, in order ("Shimoni" in "David Shimoni").
ALL_WORDS = 96.0
SOME_WORDS = 90.0


def _word_score(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    content = [w for w in short if w not in _GENERIC]
    if not content or sum(len(w) for w in content) < 4:
        return 0.0
    j = 0
    for w in short:
        while j < len(long_) and not _same_word(w, long_[j]):
            j += 1
        if j == len(long_):
            return 0.0
        j += 1
    return ALL_WORDS if len(short) == len(long_) else SOME_WORDS


def likeness(a: tuple[tuple[str, ...], ...], b: tuple[tuple[str, ...], ...]) -> float:
    """How alike two names' keys are, 0-100 (the best pair): whole-name likeness or
    word-by-word agreement, whichever is higher."""
    best = 0.0
    for x in a:
        for y in b:
            if x == y:
                return 100.0
            whole = float(fuzz.ratio("".join(x), "".join(y)))
            best = max(best, whole, _word_score(x, y))
    return best


def _localised(street: str, number: str) -> str:
    return f"{street} {number}" if number else street


class StreetMatcher:
    """The named streets of a town, to match shelter addresses against."""

    def __init__(
        self,
        names: Sequence[StreetNames],
        lines_xy: Sequence[npt.NDArray[np.float64]],
        *,
        max_distance_m: float = MAX_STREET_M,
    ) -> None:
        if len(names) != len(lines_xy):
            raise ValueError("one line per street name")
        self.names = list(names)
        self.keys = [tuple(k for en in n.en for k in street_keys(en)) for n in names]
        self.lines = np.array([shapely.LineString(xy) for xy in lines_xy], dtype=object)
        self.tree = shapely.STRtree(self.lines)
        self.max_distance_m = max_distance_m

    def street(self, street: str, x: float, y: float) -> tuple[StreetNames, float, float] | None:
        """The street a name means near a point: (names, likeness, metres), or None."""
        want = street_keys(street)
        if not want:
            return None
        here = shapely.Point(x, y)
        near = self.tree.query(here, predicate="dwithin", distance=self.max_distance_m)
        # A street comes in pieces (several ways): its best likeness, its nearest piece, and
        # an Arabic name if any piece has one.
        by_he: dict[str, tuple[float, float, StreetNames]] = {}
        for i in near.tolist():
            n = self.names[i]
            score = likeness(want, self.keys[i])
            dist = float(shapely.distance(here, self.lines[i]))
            held = by_he.get(n.he)
            if held is not None:
                score, dist = max(score, held[0]), min(dist, held[1])
                n = n if n.ar else held[2]
            by_he[n.he] = (score, dist, n)
        if not by_he:
            return None
        ranked = sorted(by_he.values(), key=lambda t: (-t[0], t[1]))
        score, dist, names = ranked[0]
        if score < MIN_SCORE:
            return None
        if len(ranked) > 1 and ranked[1][0] >= score - UNSURE_MARGIN:
            return None  # two near streets alike: not sure which
        return names, score, dist

    def localise(self, address: str, x: float, y: float) -> LocalAddress | None:
        """An English address in Hebrew and Arabic, or None when it cannot be sure."""
        parts = split_address(address)
        if not parts:
            return None
        he: list[str] = []
        ar: list[str] = []
        found: list[tuple[StreetNames, float, float]] = []
        for street, number in parts:
            hit = self.street(street, x, y)
            if hit is None:
                return None
            found.append(hit)
            he.append(_localised(hit[0].he, number))
            ar.append(_localised(hit[0].ar, number) if hit[0].ar else "")
        return LocalAddress(
            he=" / ".join(he),
            ar=" / ".join(ar) if all(ar) else "",
            street_he=" / ".join(f[0].he for f in found),
            score=min(f[1] for f in found),
            distance_m=max(f[2] for f in found),
        )


# The languages a street is named in for the pages, in the order the pack keeps them.
STREET_LANGS = ("he", "ar", "en")


def names_by_language(tags: Mapping[str, str]) -> tuple[str, str, str]:
    """An OSM street's names in Hebrew, Arabic and English ("" where OSM has none): the
    `name:<lang>` tag, else `name` when it is written in that language's script (for
    English, `int_name` or a `name` in Latin letters)."""
    name = tags.get("name", "").strip()
    he = tags.get("name:he", "").strip() or (name if _HEBREW.search(name) else "")
    ar = tags.get("name:ar", "").strip() or (name if _ARABIC.search(name) else "")
    en = tags.get("name:en", "").strip()
    for k in ("int_name", "name"):
        value = tags.get(k, "").strip()
        if not en and _LATIN.search(value) and not (_HEBREW.search(value) or _ARABIC.search(value)):
            en = value
    return he, ar, en


def street_name_table(
    tagged: Iterable[Mapping[str, str]],
) -> dict[str, tuple[str, str, str]]:
    """Every named street (by its OSM `name`) with its names in Hebrew, Arabic and English,
    "" where OSM has none: for each language the spelling most of its ways carry.

    An Arabic name that OSM gives to two differently named streets is most likely copied
    from one to the other ("هَلامِد هي" on both הל"ה and מחלקי המים): such a name is kept only
    where it writes the sounds of the street's Hebrew name. Any other is kept as OSM has it,
    translations too (شارع نابلس for שכם): the name a reader of Arabic knows the street by.
    """
    seen: dict[str, list[Counter[str]]] = {}
    for tags in tagged:
        name = tags.get("name", "").strip()
        if not name:
            continue
        counts = seen.setdefault(name, [Counter(), Counter(), Counter()])
        for c, value in zip(counts, names_by_language(tags), strict=True):
            if value:
                c[value] += 1
    table = {
        name: (
            _most(counts[0]),
            _most(counts[1]),
            _most(counts[2]),
        )
        for name, counts in seen.items()
    }
    streets_of: dict[str, set[str]] = {}
    for name, (_, ar, _) in table.items():
        if ar:
            streets_of.setdefault(ar, set()).add(name)
    for name, (he, ar, en) in table.items():
        if ar and ar != name and len(streets_of[ar]) > 1 and not arabic_agrees(he or name, ar):
            table[name] = (he, "", en)
    return table


def _most(counts: Counter[str]) -> str:
    """The spelling most ways carry (the first in sorted order between equals), or ""."""
    if not counts:
        return ""
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
