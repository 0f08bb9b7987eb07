"""Person names across scripts: romanisation, phonetic keys, particles and nicknames (pure).

Romanisation uses anyascii (ISC licence, pure Python, every script). It was chosen over
unidecode (GPL, and SHOUTS letters such as Hebrew shin as "SH"), `transliterate` (no Hebrew,
Arabic or Thai) and PyICU (needs a native build; its `Any-Latin; Latin-ASCII` chain turns
Щукин into "Sukin" and Юлия into "Ulia", and splits Thai words into syllables). For Hebrew and
Arabic every library yields the same unpointed consonant skeleton, so the matching keys for
those two abjads come straight from the letters: each letter maps to a consonant class, and
letters whose sound the spelling does not fix (vav: v/o/u, kaf: k/kh, shin: sh/s, tha: t/s...)
give alternative keys.

A key keeps consonant classes only and drops vowels and glides (a e i o u y j), because
transliterations disagree mostly on vowels (Yosef, Iosif, Yusuf, Joseph) and because the abjads
write few of them. Equivalent spellings collapse to one class: kh/ch/h, tz/ts/z/s, sh/sch,
w/v/b, ph/f/p, k/q/c, th/t, dh/d, gh/g.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby, product

from anyascii import anyascii

# Each name keeps at most this many alternative keys; abjad ambiguity multiplies them.
_MAX_KEYS = 8

_HEBREW = re.compile(r"[\u0590-\u05ff\ufb1d-\ufb4f]")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
# Niqqud, cantillation, Arabic harakat and tatweel: they carry no letters.
_MARKS = re.compile(r"[\u0591-\u05c7\u064b-\u065f\u0670\u0640]")
_SPLIT = re.compile(r"[\s,;/()\[\]\"“”.]+")
_HYPHEN = re.compile(r"[-\u05be\u2010-\u2015]+")  # ASCII, maqaf and Unicode dashes
_GERESH = "'\u05f3\u2019`´"
# Words of letters only, one space apart: split as they are.
_PLAIN = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)*")

# Hebrew letter -> consonant class alternatives ("" drops the letter).
_HE: dict[str, tuple[str, ...]] = {
    "א": ("",),
    "ב": ("B",),
    "ג": ("G",),
    "ד": ("D",),
    "ה": ("H",),
    "ו": ("B", ""),
    "ז": ("S",),
    "ח": ("H",),
    "ט": ("T",),
    "י": ("",),
    "כ": ("K", "H"),
    "ך": ("H",),
    "ל": ("L",),
    "מ": ("M",),
    "ם": ("M",),
    "נ": ("N",),
    "ן": ("N",),
    "ס": ("S",),
    "ע": ("",),
    "פ": ("P",),
    "ף": ("P",),
    "צ": ("S",),
    "ץ": ("S",),
    "ק": ("K",),
    "ר": ("R",),
    "ש": ("X", "S"),
    "ת": ("T",),
}
# Hebrew letters with geresh, used for sounds Hebrew lacks (Arabic and foreign names).
_HE_GERESH: dict[str, tuple[str, ...]] = {
    "ג": ("", "G"),  # ג׳ = j, a glide like y, or an Egyptian g (ג׳מאל: Jamal, Gamal)
    "ז": ("S",),  # ז׳ = zh
    "צ": ("H",),  # צ׳ = ch
    "ח": ("H",),  # ח׳ = kh
    "ע": ("G",),  # ע׳ = gh
    "ט": ("S", "D"),  # ט׳ = emphatic dh (ظ)
    "ד": ("D", "S"),  # ד׳ = dh (ذ)
    "ת": ("T", "S"),  # ת׳ = th (ث)
}
_AR: dict[str, tuple[str, ...]] = {
    **dict.fromkeys("اأإآٱىءئؤع", ("",)),
    "ب": ("B",),
    "ت": ("T",),
    "ث": ("T", "S"),
    "ج": ("", "G"),  # j, a glide like y; Egyptian Arabic says g (Gamal, Magdi, Higazi)
    "ح": ("H",),
    "خ": ("H",),
    "د": ("D",),
    "ذ": ("D", "S"),
    "ر": ("R",),
    "ز": ("S",),
    "س": ("S",),
    "ش": ("X",),
    "ص": ("S",),
    "ض": ("D",),
    "ط": ("T",),
    "ظ": ("S", "D"),
    "غ": ("G",),
    "ف": ("P",),
    "ق": ("K",),
    "ك": ("K",),
    "ک": ("K",),
    "ل": ("L",),
    "م": ("M",),
    "ن": ("N",),
    "ه": ("H",),
    "ة": ("",),
    "و": ("B", ""),
    "ي": ("",),
    "ی": ("",),
    "پ": ("P",),
    "چ": ("H",),
    "گ": ("G",),
    "ڤ": ("B",),
}
_VAV_LIKE = {"ו", "و"}
# Fallback for keyless names: glides become Y, vowels vanish.
_GLIDES = str.maketrans({**dict.fromkeys("yj", "Y"), **dict.fromkeys("aeiouwhv'", "")})

# Latin spelling -> consonant class; longest first, vowels and glides map to "".
_LATIN_RULES: tuple[tuple[str, str], ...] = (
    ("shch", "X"),
    ("scht", "ST"),  # German and Yiddish st is sht (Stern, Shtern, Штерн): one key
    ("tsch", "H"),
    ("dzh", ""),
    ("sch", "X"),
    ("tch", "H"),
    ("sht", "ST"),
    ("sh", "X"),
    ("zh", "S"),
    ("ch", "H"),
    ("kh", "H"),
    ("cz", "H"),
    ("gh", "G"),
    ("ph", "P"),
    ("th", "T"),
    ("dh", "D"),
    ("dt", "D"),  # German final -dt (Feldt = Feld, פלד)
    ("dj", ""),
    ("ck", "K"),
    ("tz", "S"),
    ("ts", "S"),
    ("ce", "S"),
    ("ci", "S"),
    ("cy", "S"),
    ("x", "KS"),
    ("c", "K"),
    ("q", "K"),
    ("k", "K"),
    ("g", "G"),
    ("w", "B"),
    ("v", "B"),
    ("b", "B"),
    ("f", "P"),
    ("p", "P"),
    ("z", "S"),
    ("s", "S"),
    ("d", "D"),
    ("t", "T"),
    ("h", "H"),
    ("l", "L"),
    ("m", "M"),
    ("n", "N"),
    ("r", "R"),
    *((v, "") for v in "aeiouyj"),
)
_FRENCH_CH = re.compile(r"(?<![st])ch")
_OU_W = re.compile(r"ou(?=[aeiy])")
_S_HEIM = re.compile(r"sh(?=e[iy]m$)")
_LATIN_RE = re.compile("|".join(re.escape(s) for s, _ in _LATIN_RULES))
_LATIN_MAP = dict(_LATIN_RULES)

# Connecting words in names: "son of", "father of", the Arabic article.
_PARTICLES = frozenset(
    {
        "ben",
        "bar",
        "bat",
        "bin",
        "bint",
        "ibn",
        "abu",
        "abou",
        "al",
        "el",
        "ul",
        "בן",
        "בר",
        "בת",
        "אבו",
        "אל",
        "بن",
        "ابن",
        "بنت",
        "أبو",
        "ابو",
        "ال",
    }
)
# Prefixes that Latin spellings glue to the next word (Bendavid, Alhuzail, Abuarar).
_GLUED_PREFIXES = ("abou", "abu", "ben", "bin", "ibn", "al", "el")
# Sun-letter assimilations of the article after "abd" (Abd ar-Rahman, Abd as-Salam).
_ABD_ARTICLES = frozenset(
    {"al", "el", "ul", "il", "ar", "ur", "as", "us", "ad", "ud", "an", "un", "at", "ut", "az"}
)
_ABD_LATIN = re.compile(r"^abd(?:[aeiou]l|[aeiou](?=([bdlnrstz])\1))?(?P<rest>[a-z]{3,})$")
_ABD_NATIVE = ("עבד", "عبد")
_ABD_WORD = re.compile(r"abd(?:[aeiou][lr]?)?")  # Abd, Abdel, Abdul, Abdur as a word


@dataclass(frozen=True, slots=True)
class NameToken:
    """One word of a name with its romanisation, phonetic keys and nickname groups."""

    text: str
    latin: str
    keys: frozenset[str]
    groups: frozenset[int]
    script: str  # "hebrew", "arabic" or "other" (Latin, Cyrillic, Thai... via anyascii)
    spelling: str  # the word with variations that are not different names smoothed out
    shapes: frozenset[str] = frozenset()  # how a short name is written (`written_shapes`)


@lru_cache(maxsize=200_000)
def script_of(text: str) -> str:
    """Name the script a word is written in: hebrew, arabic or other."""
    if _HEBREW.search(text):
        return "hebrew"
    if _ARABIC.search(text):
        return "arabic"
    return "other"


@lru_cache(maxsize=200_000)
def romanize(text: str) -> str:
    """Lower-case ASCII letters and spaces for any script (anyascii)."""
    plain = anyascii(_MARKS.sub("", unicodedata.normalize("NFC", text))).lower()
    return " ".join(re.sub(r"[^a-z ]+", "", plain).split())


@lru_cache(maxsize=200_000)
def _clean(word: str) -> str:
    text = _MARKS.sub("", unicodedata.normalize("NFC", word)).lstrip(_GERESH).casefold()
    # A trailing geresh is part of a Hebrew letter (עג'אג' = Ajaj); elsewhere it is noise.
    return text if _HEBREW.search(text[-2:]) else text.rstrip(_GERESH)


def _abjad_keys(word: str, table: dict[str, tuple[str, ...]], glides: bool = False) -> set[str]:
    letters = list(word)
    if glides:
        table = {**table, **dict.fromkeys("יيىج", ("Y",))}
    classes: list[tuple[str, ...]] = []
    i = 0
    while i < len(letters):
        ch = letters[i]
        geresh = i + 1 < len(letters) and letters[i + 1] in _GERESH
        if geresh and ch in _HE_GERESH:
            classes.append(("Y",) if glides and ch == "ג" else _HE_GERESH[ch])
            i += 2
            continue
        options = table.get(ch)
        if options is None:
            i += 1
            continue
        last = i == len(letters) - 1
        if ch == "כ" and i == 0:
            options = ("K",)  # a word-initial kaf always has its dagesh: k, never kh
        elif ch in _VAV_LIKE:
            # A word-initial or doubled vav is a consonant. Modern Hebrew spelling doubles a
            # consonantal vav inside longer words, so a single one there is a vowel (o, u);
            # short words (דוד, לוי) and Arabic keep both readings.
            doubled = i + 1 < len(letters) and letters[i + 1] == ch
            if i == 0 or doubled:
                options = ("B",)
                i += 1 if doubled else 0
            elif ch == "ו" and len(letters) > 3 and not _between_consonants(letters, i):
                options = ("",)
        elif ch == "ה" and last and i > 0:
            options = ("",)  # final he marks a vowel (Moshe, Sarah)
        elif ch == "ه" and last and i > 0:
            options = ("", "H")  # final ha: a vowel (Fatmeh) or a consonant (Allah)
        classes.append(options)
        i += 1
    keys: set[str] = set()
    for combo in product(*classes):
        keys.update(_both_keys(combo))
        if len(keys) >= _MAX_KEYS:
            break
    return keys


# Hebrew letters that stand for vowels as often as for consonants.
_HE_VOWEL_LETTERS = frozenset("אהויע")


def _between_consonants(letters: list[str], i: int) -> bool:
    """Whether a single vav inside a word sits between two consonant letters.

    Words joined from two (Goldwasser written גולדוסר, the vav of וסר kept single) leave a
    consonantal vav undoubled; between two consonants it may be either, so both are read.
    """
    before, after = letters[i - 1], letters[i + 1] if i + 1 < len(letters) else ""
    return bool(after) and before not in _HE_VOWEL_LETTERS and after not in _HE_VOWEL_LETTERS


def _both_keys(classes: Iterable[str]) -> tuple[str, str]:
    """The key collapsing every repeat, and the strict key keeping repeats split by a vowel.

    Abjads do not write the vowel between two like consonants (ששון, Sasson), so the
    collapsed key is what compares across scripts; the strict key keeps Arar (RR) apart from
    a plain R.
    """
    marked = "".join([c or "_" for c in classes])
    strict = _collapse(marked).replace("_", "")
    return _collapse(marked.replace("_", "")), strict


def _collapse(classes: str) -> str:
    """Squeeze runs of one letter into one (SSN -> SN)."""
    # A letter at a time: keys are a few letters, for which groupby costs three times more.
    out = classes[:1]
    for ch in classes[1:]:
        if ch != out[-1]:
            out += ch
    return out


def latin_keys(latin: str) -> set[str]:
    """The consonant-class keys of a romanised word (a final h may be silent or not)."""
    word = re.sub(r"[^a-z]", "", latin.lower())
    words = {word}
    if re.search(r"[aeiouy]h$", word):
        words.add(word[:-1])  # Sarah = Sara, but Samah keeps its h
    # French spelling writes sh as ch (Chalom, Hicham, Bouchra); German and Hebrew
    # romanisation read it as kh (Chaim, Michal): both are kept.
    words |= {_FRENCH_CH.sub("sh", w) for w in words if "ch" in w}
    # Russian -ov, -ev spelled the older French way (Smirnoff, Lebedeff).
    words |= {w[:-2] + "v" for w in words if len(w) >= 5 and w.endswith(("off", "eff"))}
    # th is Arabic tha or dhal, which others write s or z (Othman, Osman, عثمان), or a t
    # before the h of a joined word (Rotheim, רוטהיים): "|" splits the pair for the rules.
    words |= {w.replace("th", v) for w in words if "th" in w for v in ("s", "t|h")}
    # An s ending one joined word before the h of -heim (Weissheim, Vaisheym, וייסהיים).
    words |= {_S_HEIM.sub("s|h", w) for w in words if "sh" in w}
    # French ou before a vowel is w (Anouar, Oualid: Anwar, Walid).
    words |= {_OU_W.sub("w", w) for w in words if "ou" in w}
    # A final g said k and spelled so (Goldberk, Goldberg, גולדברג).
    words |= {w[:-1] + "g" for w in words if w.endswith("rk")}
    return {k for w in words for k in _both_keys(_LATIN_MAP[m] for m in _LATIN_RE.findall(w))}


@lru_cache(maxsize=200_000)
def keys_of(word: str) -> frozenset[str]:
    """Every phonetic key a single word may have, whatever its script."""
    clean = _clean(word)
    script = script_of(clean)
    if script == "hebrew":
        keys = _abjad_keys(clean, _HE)
        if clean.startswith("אל") and len(clean) > 4:
            # The Arabic article written joined in Hebrew letters (אלהוזייל = al-Huzayel).
            keys |= _abjad_keys(clean[2:], _HE)
    elif script == "arabic":
        keys = _abjad_keys(clean, _AR)
    else:
        latin = romanize(clean).replace(" ", "")
        keys = latin_keys(latin)
        for prefix in _GLUED_PREFIXES:
            rest = latin[len(prefix) :]
            if latin.startswith(prefix) and len(rest) >= 3:
                keys |= latin_keys(rest)
    # A name of vowels and glides only (Ajaj, Aya) has an empty key: keep the glides so it
    # has one, also in an abjad where a letter read another way gives a key (ج as g: GG).
    empty = "" in keys or not keys
    keys.discard("")
    if empty and script in ("hebrew", "arabic"):
        keys |= _abjad_keys(clean, _HE if script == "hebrew" else _AR, glides=True)
    elif empty and not keys:
        keys = {_collapse(romanize(clean).replace(" ", "").translate(_GLIDES))}
    keys = {k for k in keys if k} or {"Y"}
    return frozenset(keys)


def _plain_split(text: str) -> list[str] | None:
    """The words of an NFC text that is only letters and single spaces (`_PLAIN`), else None.

    Words of letters alone (`str.isalpha`, a subset of what `_PLAIN` takes) settle most
    names without the regular expression, which decides the rest: one test per word in C
    instead of the expression's per-letter class test (~0.1 s of a full matching run).
    """
    words = text.split(" ")
    if all(map(str.isalpha, words)):
        return words
    return words if _PLAIN.fullmatch(text) else None


def _words(name: str) -> list[tuple[str, bool]]:
    """Split a name into words, flagging those that were hyphen-joined to the next word."""
    text = unicodedata.normalize("NFC", name)
    plain = _plain_split(text)
    if plain is not None:  # the common case: words and single spaces
        return [(word, False) for word in plain]
    out: list[tuple[str, bool]] = []
    for chunk in _SPLIT.split(text):
        parts = [p for p in _HYPHEN.split(chunk) if p.strip(_GERESH)]
        out.extend((part, i < len(parts) - 1) for i, part in enumerate(parts))
    return out


def _split_native_article(word: str) -> str:
    # Arabic writes the article joined to the noun; Hebrew renderings often do too (אל־/אל).
    if script_of(word) == "arabic" and word.startswith("ال") and len(word) > 4:
        return word[2:]
    return word


def name_words(name: str) -> tuple[str, ...]:
    """Meaningful words of a name: particles dropped, 'Abd al-X' joined into one word."""
    return _meaningful(_words(name))


def _meaningful(raw: Sequence[tuple[str, bool]]) -> tuple[str, ...]:
    """`name_words` of a name split into words (`_words`)."""
    words: list[str] = []
    n = len(raw)
    for i, (word, joined) in enumerate(raw):
        particle, kept = _word_form(word)
        if particle and (joined or n >= 3) and i < n - 1:
            continue
        words.append(kept)
    return tuple(_join_abd(words))


@lru_cache(maxsize=200_000)
def _word_form(word: str) -> tuple[bool, str]:
    """Whether a word is a particle (ben, abu, al), and the word with a joined article split."""
    return _clean(word) in _PARTICLES, _split_native_article(word)


@lru_cache(maxsize=200_000)
def _abd_form(word: str) -> tuple[str | None, str | None, bool]:
    """How a word takes part in 'Abd al-X': the glued form (Abdurrahman -> abdrahman), or
    the head it lends the next word ("abd" or the native עבד/عبد), and whether it is an
    article (al, el) that a head skips."""
    folded = _clean(word)
    latin = romanize(folded).replace(" ", "")
    match = _ABD_LATIN.match(latin) if script_of(folded) == "other" else None
    if match and folded.isascii():
        # Abdurrahman: the doubled letter is the assimilated article, not the name.
        return "abd" + re.sub(r"^(.)\1", r"\1", match.group("rest")), None, False
    head = None
    if folded in _ABD_NATIVE:
        head = word
    elif _ABD_WORD.fullmatch(latin):
        head = "abd"  # Abdel Rahman = Abd Rahman
    return None, head, folded in _ABD_ARTICLES


def _join_abd(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        glued, head, _ = _abd_form(word)
        if glued is not None:
            out.append(glued)
        elif head is not None and i + 1 < len(words):
            nxt = words[i + 1]
            if _abd_form(nxt)[2] and i + 2 < len(words):
                nxt = words[i + 2]
                i += 1
            out.append(head + _split_native_article(nxt))
            i += 1
        else:
            out.append(word)
        i += 1
    return out


@lru_cache(maxsize=200_000)
def token(word: str) -> NameToken:
    """Analyse one name word."""
    clean = _clean(word)
    latin = romanize(clean).replace(" ", "")
    script = script_of(clean)
    keys = keys_of(clean)
    return NameToken(
        text=clean,
        latin=latin,
        keys=keys,
        groups=nickname_groups(clean),
        script=script,
        spelling=spelling(clean, script, latin),
        shapes=written_shapes(clean, script, latin, keys),
    )


# Letters of a short name's shape: the consonant (C), a vav or o/u (V), a yod or i/y (Y),
# and a word-initial vowel (A, as alef or ayin carry it). Other vowels are not written.
_HE_SHAPE = {"ו": "V", "י": "Y", "א": "", "ע": "", "ה": ""}
_AR_SHAPE = {"و": "V", "ي": "Y", **dict.fromkeys("اأإآعءئؤةهى", "")}
_HE_INITIAL = frozenset("אע")
_AR_INITIAL = frozenset("اأإآع")
_ABJAD_SHAPES = {"hebrew": (_HE_INITIAL, _HE_SHAPE), "arabic": (_AR_INITIAL, _AR_SHAPE)}
_LATIN_INITIAL = {"i": "AY", "y": "Y", "o": "AV", "u": "AV", "a": "A", "e": "A"}
_LATIN_VOWELS = {**dict.fromkeys(("ee", "i", "y", "j"), "Y"), **dict.fromkeys("ouw", "V")}
_LATIN_SHAPE = re.compile(r"ee|[aeh]|[iyj]|[ouw]|sh|ch|kh|th|ph|zh|ts|tz|[a-z]")


def written_shapes(clean: str, script: str, latin: str, keys: frozenset[str]) -> frozenset[str]:
    """How a name of one consonant (Roi, Noa, Ali) is written in an abjad: its consonant with
    the vowel letters around it (רועי, Roy: RVY; עלי, Ali: ALY).

    Such names have a one-letter phonetic key, too common to agree on (Ali, Eli, Leah are
    all L); the vowel letters a Hebrew or Arabic writer puts in, and a Latin spelling implies,
    tell them apart and join the renderings of one name across scripts. Empty for longer
    names, and for shapes of one letter (Ella, אלה: just L).
    """
    if not keys or any(len(k) != 1 for k in keys):
        return frozenset()
    abjad = _ABJAD_SHAPES.get(script)
    if abjad is not None:
        initials, letters = abjad
        first = "A" if clean[:1] in initials else ""
        rest = clean[1:] if first else clean
        marks = [letters.get(ch, "C") for ch in rest if ch.isalpha()]
    else:
        word = re.sub(r"[^a-z]", "", latin)
        if not word:
            return frozenset()
        first = _LATIN_INITIAL.get(word[0], "")
        rest = word[1:] if first else word
        marks = []
        for piece in _LATIN_SHAPE.findall(rest):
            if piece not in ("a", "e", "h"):
                marks.append(_LATIN_VOWELS.get(piece, "C"))
    shape = "".join(ch for ch, _ in groupby(first + "".join(marks)))
    if shape.count("C") != 1 or len(shape) < 2:
        return frozenset()
    return frozenset(shape.replace("C", key) for key in keys)


_HE_FINALS = str.maketrans("ךםןףץ\u05f3", "כמנפצ'")
_AR_NORMAL = str.maketrans("أإآٱىةؤئ", "اااايهوي")
_LATIN_SPELLING = (("ph", "f"), ("ou", "u"), ("ee", "i"), ("w", "v"), ("y", "i"), ("j", "i"))


def spelling(word: str, script: str, latin: str) -> str:
    """A word with spelling variation that is not a different name smoothed out.

    Hebrew final letters and Arabic alef, ya and ta-marbuta forms are written either way;
    Latin doubles a letter or adds a silent h at will (Youssef, Yousef; Sarah, Sara).
    """
    if script == "hebrew":
        return word.translate(_HE_FINALS)
    if script == "arabic":
        return word.translate(_AR_NORMAL)
    text = _collapse(latin)
    text = re.sub(r"(?<=[aeiouy])h$", "", text)
    for old, new in _LATIN_SPELLING:
        text = text.replace(old, new)
    return text


def tokens(name: str) -> tuple[NameToken, ...]:
    """Analyse a full name into its meaningful words."""
    words = plain_words(name)
    if words is not None:  # the common case: words and single spaces
        return plain_tokens(words)
    return tuple(token(w) for w in name_words(name))


def plain_tokens(words: Sequence[str]) -> tuple[NameToken, ...]:
    """`tokens` of a plain name from its words (`plain_words`), without splitting it again."""
    found = [plain_token(word) for word in words]
    if None not in found:  # the common case: words that are names as they stand
        return tuple(t for t in found if t is not None)
    return tuple(token(w) for w in _meaningful([(word, False) for word in words]))


def plain_words(name: str) -> list[str] | None:
    """The words of a name that is only letters and single spaces (NFC), None otherwise.

    If each word has a `plain_token`, those are the name's `tokens`."""
    return _plain_split(unicodedata.normalize("NFC", name))


@lru_cache(maxsize=200_000)
def plain_token(word: str) -> NameToken | None:
    """A word's token if `name_words` keeps it as it is wherever it stands (no particle, no
    joined article, no part of 'Abd al-X'); None otherwise."""
    if _word_form(word) != (False, word) or _abd_form(word) != (None, None, False):
        return None
    return token(word)


# Diminutives, nicknames and cross-language forms of the same given name. Each line is one
# group; forms may be written in any script. Not exhaustive: common names in the town.
NICKNAMES: tuple[tuple[str, ...], ...] = (
    ("avraham", "abraham", "avi", "avrum", "avrumi", "abe", "ibrahim", "אברהם", "אבי", "אברמי"),
    (
        "moshe",
        "moses",
        "moishe",
        "moshiko",
        "musa",
        "moussa",
        "moisei",
        "משה",
        "מוישה",
        "מושיקו",
        "موسى",
    ),
    (
        "yosef",
        "joseph",
        "yossi",
        "yosi",
        "joe",
        "yusuf",
        "youssef",
        "iosif",
        "osip",
        "יוסף",
        "יוסי",
        "يوسف",
        "иосиф",
    ),
    (
        "yaakov",
        "jacob",
        "yakov",
        "kobi",
        "koby",
        "yanki",
        "yakub",
        "yaqub",
        "iakov",
        "יעקב",
        "קובי",
        "яков",
        "يعقوب",
    ),
    ("yitzhak", "isaac", "itzik", "izik", "ishak", "ishaq", "isaak", "יצחק", "איציק", "إسحاق"),
    ("shmuel", "samuel", "shmulik", "samuil", "shmuli", "שמואל", "שמוליק", "самуил"),
    ("david", "dudi", "dave", "davud", "daoud", "dawood", "dudu", "דוד", "דודי", "داود"),
    ("binyamin", "benjamin", "beni", "benny", "ben", "veniamin", "בנימין", "בני", "вениамин"),
    ("yehuda", "judah", "yudi", "yehudah", "יהודה", "יודה"),
    (
        "eliyahu",
        "elijah",
        "eli",
        "elias",
        "ilyas",
        "ilya",
        "ilia",
        "elie",
        "אליהו",
        "אלי",
        "איליה",
        "илья",
        "إلياس",
    ),
    (
        "shlomo",
        "solomon",
        "sulaiman",
        "suleiman",
        "sulayman",
        "momo",
        "shlomi",
        "שלמה",
        "שלומי",
        "سليمان",
    ),
    ("mordechai", "moti", "motti", "mordekhai", "מרדכי", "מוטי"),
    ("menachem", "meni", "mendel", "מנחם", "מני"),
    ("shimon", "simon", "semyon", "semen", "shimi", "שמעון", "שימי", "семён", "семен"),
    ("aharon", "aaron", "harun", "haroun", "aron", "אהרן", "אהרון", "هارون"),
    ("gavriel", "gabriel", "gabi", "gaby", "jibril", "gavri", "גבריאל", "גבי", "جبريل"),
    ("refael", "raphael", "rafi", "rafael", "רפאל", "רפי"),
    ("daniel", "dani", "danny", "daniil", "דניאל", "דני", "даниил"),
    ("yonatan", "jonathan", "yoni", "יונתן", "יוני"),
    ("yehoshua", "joshua", "shuki", "יהושע", "שוקי"),
    (
        "michael",
        "mikhail",
        "misha",
        "mikhael",
        "michel",
        "mika",
        "miki",
        "מיכאל",
        "מישה",
        "מיקי",
        "михаил",
        "миша",
        "ميخائيل",
    ),
    (
        "alexander",
        "aleksandr",
        "sasha",
        "sacha",
        "sanya",
        "shura",
        "alex",
        "iskander",
        "אלכסנדר",
        "סשה",
        "александр",
        "саша",
        "إسكندر",
    ),
    ("dmitry", "dmitri", "dima", "mitya", "דמיטרי", "דימה", "дмитрий", "дима"),
    ("vladimir", "volodya", "vova", "volodymyr", "ולדימיר", "וובה", "владимир", "вова", "володя"),
    (
        "yevgeny",
        "evgeny",
        "evgenii",
        "zhenya",
        "jenia",
        "eugene",
        "יבגני",
        "ז'ניה",
        "евгений",
        "женя",
    ),
    ("nikolai", "kolya", "nikolay", "nicholas", "ניקולאי", "קוליה", "николай", "коля"),
    ("pavel", "pasha", "paul", "פאבל", "פשה", "павел", "паша"),
    ("sergei", "sergey", "seryozha", "serezha", "סרגיי", "סריוז'ה", "сергей", "серёжа", "сережа"),
    ("boris", "borya", "בוריס", "בוריה", "борис", "боря"),
    ("aleksei", "alexey", "alyosha", "lyosha", "אלכסיי", "ליושה", "алексей", "алёша", "лёша"),
    ("artyom", "artem", "tyoma", "ארטיום", "טיומה", "артём", "артем", "тёма"),
    ("daria", "darya", "dasha", "דריה", "דאשה", "дарья", "даша"),
    ("galina", "galya", "גלינה", "גליה", "галина", "галя"),
    ("ksenia", "kseniya", "ksyusha", "קסניה", "קסיושה", "ксения", "ксюша"),
    ("maksim", "maks", "מקסים", "מקס", "максим", "макс"),
    ("nadezhda", "nadya", "nadia", "נדז'דה", "נדיה", "надежда", "надя"),
    ("valentina", "valya", "ולנטינה", "וליה", "валентина", "валя"),
    ("vladislav", "vlad", "ולדיסלב", "ולאד", "владислав", "влад"),
    ("yuri", "yura", "yury", "יורי", "יורה", "юрий", "юра"),
    ("konstantin", "kostya", "קונסטנטין", "קוסטיה", "константин", "костя"),
    ("andrei", "andrey", "andrew", "andryusha", "אנדריי", "אנדריושה", "андрей", "андрюша"),
    ("ivan", "vanya", "איוון", "ואניה", "иван", "ваня"),
    ("maria", "masha", "mariya", "mary", "marie", "מריה", "מאשה", "мария", "маша"),
    ("ekaterina", "katya", "katerina", "catherine", "kate", "יקטרינה", "קטיה", "екатерина", "катя"),
    ("elena", "lena", "yelena", "helen", "alena", "ילנה", "לנה", "елена", "лена"),
    ("olga", "olya", "olha", "אולגה", "אוליה", "ольга", "оля"),
    ("natalia", "natasha", "natalya", "nataliya", "נטליה", "נטשה", "наталья", "наташа"),
    ("tatiana", "tanya", "tatyana", "טטיאנה", "טניה", "татьяна", "таня"),
    ("svetlana", "sveta", "סבטלנה", "סבטה", "светлана", "света"),
    ("anastasia", "nastya", "nastia", "אנסטסיה", "נסטיה", "анастасия", "настя"),
    ("irina", "ira", "אירינה", "אירה", "ирина", "ира"),
    ("yulia", "julia", "yuliya", "yulya", "julie", "יוליה", "юлия", "юля"),
    ("victoria", "viktoria", "vika", "ויקטוריה", "ויקה", "виктория", "вика"),
    ("ludmila", "lyudmila", "luda", "lyuda", "mila", "לודמילה", "לודה", "людмила", "люда"),
    ("anna", "anya", "hana", "hannah", "chana", "channah", "אנה", "חנה", "אניה", "анна", "аня"),
    ("miriam", "maryam", "miri", "mira", "מרים", "מירי", "مريم"),
    ("michal", "miki", "מיכל", "מיקי"),
    ("yael", "yaeli", "יעל", "יעלי"),
    ("yehudit", "judith", "judy", "yehudith", "יהודית", "ג'ודי"),
    ("tamar", "tami", "תמר", "תמי"),
    ("shoshana", "shoshi", "שושנה", "שושי"),
    ("tzipora", "zipora", "tzipi", "zipi", "ציפורה", "ציפי"),
    ("rachel", "rahel", "rochel", "racheli", "rachelle", "רחל", "רחלי"),
    ("rivka", "rebecca", "riki", "rivki", "רבקה", "ריקי"),
    ("sarah", "sara", "sarale", "sari", "שרה", "سارة"),
    ("leah", "lea", "lia", "לאה"),
    (
        "elisheva",
        "elisabeth",
        "elizabeth",
        "liza",
        "eliza",
        "elisaveta",
        "אלישבע",
        "ליזה",
        "елизавета",
    ),
    ("esther", "ester", "esti", "אסתר", "אסתי"),
    (
        "mohammed",
        "muhammad",
        "mohamed",
        "mohammad",
        "muhamad",
        "hamoudi",
        "hamuda",
        "محمد",
        "מוחמד",
        "חמודי",
        "حمودي",
    ),
    ("ahmed", "ahmad", "achmed", "akhmed", "hamada", "أحمد", "אחמד", "حمادة"),
    ("mahmoud", "mahmud", "mahmood", "محمود", "מחמוד"),
    (
        "abdallah",
        "abdullah",
        "abdalla",
        "abed",
        "abboud",
        "عبد الله",
        "عبود",
        "עבדאללה",
        "עבוד",
    ),
    ("khaled", "khalid", "chaled", "halid", "خالد", "ח'אלד"),
    ("hussein", "husayn", "hussain", "husein", "hussien", "حسين", "חוסיין"),
    ("hassan", "hasan", "hassen", "حسن", "חסן"),
    ("fatima", "fatma", "fatmeh", "fatimah", "fatme", "فاطمة", "פאטמה"),
    ("aisha", "ayesha", "aysha", "aicha", "عائشة", "עאישה"),
    ("khadija", "khadijah", "hadija", "khadeeja", "خديجة", "ח'דיג'ה"),
    ("nur", "noor", "nour", "نور", "נור"),
    ("yasmin", "jasmine", "yasmine", "yasmina", "jasmin", "ياسمين", "יאסמין"),
    ("issa", "isa", "eisa", "عيسى", "עיסא"),
    ("zakaria", "zakariya", "zacharia", "zechariah", "zachary", "زكريا", "זכריה"),
)


_NICK_SPELLING = (("sch", "sh"), ("ck", "k"), ("x", "ks"), ("tz", "ts"))


def _form(word: str) -> str:
    """A written form for looking a nickname up: Hebrew and Arabic by their letters (finals
    and alef forms smoothed), other scripts by a romanised spelling with what transliterations
    vary in smoothed out (Yossi, Yosi; Katya, Katia, Катя; Mischa, Misha; Micky, Miki)."""
    clean = _clean(word)
    script = script_of(clean)
    if script != "other":
        return spelling(clean, script, "")
    text = romanize(clean).replace(" ", "")
    for old, new in _NICK_SPELLING:
        text = text.replace(old, new)
    return spelling(text, script, text)


def _group_index() -> tuple[dict[str, frozenset[int]], dict[str, frozenset[int]]]:
    by_form: dict[str, set[int]] = {}
    by_key: dict[str, set[int]] = {}
    for gid, forms in enumerate(NICKNAMES):
        for form in forms:
            by_form.setdefault(_form(form), set()).add(gid)
            if script_of(form) != "other":
                continue
            for key in keys_of(form):
                # Short keys (Avi -> "B") would pull unrelated names into the group.
                if len(key) >= 3:
                    by_key.setdefault(key, set()).add(gid)
    return (
        {k: frozenset(v) for k, v in by_form.items()},
        {k: frozenset(v) for k, v in by_key.items()},
    )


_BY_FORM, _BY_KEY = _group_index()


def nickname_groups(word: str) -> frozenset[int]:
    """The nickname groups a word belongs to, by spelling or by phonetic key."""
    clean = _clean(word)
    groups: set[int] = set(_BY_FORM.get(_form(clean), ()))
    if script_of(clean) == "other":
        # Abjad keys are ambiguous (יגור reads GBR like Gavri); only alphabets go by key.
        for key in keys_of(clean):
            groups.update(_BY_KEY.get(key, ()))
    return frozenset(groups)


def same_name_forms(a: str, b: str) -> bool:
    """Whether two words are known forms of the same name (nickname or phonetic key)."""
    ta, tb = token(a), token(b)
    return bool(ta.groups & tb.groups) or bool(ta.keys & tb.keys)
