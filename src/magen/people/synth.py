"""A seeded synthetic population of missing-person reports, casualties and survivors.

Households of Hebrew-, Arabic- and Russian-speaking residents live around Ofakim. Some are
reported missing, by one to three relatives each; some turn up as casualties (recorded by
medics, often family name first, in Hebrew, sometimes with no name at all) or as survivors
checking in at shelters. Every rendering is noisy the way real forms are: native script or
Hebrew or one of several Latin transliterations, nicknames, swapped order, typos, a missing
family name, ages guessed or off by one, birth dates with swapped day and month, partial and
sometimes wrong descriptions, places and times with error. The ground truth says which
report and which record are the same person.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from anyascii import anyascii

from magen.people import _synth_names as data
from magen.people.matching import PersonRecord, RecordKind

# Ofakim town centre; homes lie within this radius.
_CENTRE = (34.6203, 31.3141)
_TOWN_RADIUS_KM = 2.5
_SOROKA = (34.8011, 31.2585)  # Soroka Medical Center, Beersheba
_ATTACK = datetime(2023, 10, 7, 3, 29, tzinfo=UTC)  # 06:29 local
_KM_PER_DEG_LAT = 110.574
_GROUPS = (("hebrew", 0.55), ("arabic", 0.25), ("russian", 0.20))
_REPORTS_PER_PERSON = ((1, 0.7), (2, 0.2), (3, 0.1))


@dataclass(frozen=True, slots=True)
class _Form:
    """One name in the group's own script, in Hebrew letters, and in Latin spellings."""

    native: str
    hebrew: str
    latin: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Name:
    form: _Form
    nicknames: tuple[_Form, ...]
    declinable: bool = True


@dataclass(frozen=True, slots=True)
class _Lists:
    male: tuple[_Name, ...]
    female: tuple[_Name, ...]
    family: tuple[_Name, ...]  # common names, drawn by rank
    family_tail: tuple[_Name, ...] = ()  # rarer names, drawn uniformly


def _parse_form(fields: list[str], has_hebrew: bool) -> _Form:
    native = fields[0]
    hebrew = fields[1] if has_hebrew else native
    latin = tuple(s.strip() for s in fields[-1].split(","))
    return _Form(native, hebrew, latin)


def _parse(text: str, nick_text: str, has_hebrew: bool) -> _Lists:
    nicks: dict[str, list[_Form]] = {}
    for line in nick_text.strip().splitlines():
        canon, rest = line.split(":", 1)
        nicks.setdefault(canon, []).append(_parse_form(rest.split("|"), has_hebrew))
    sections: dict[str, list[_Name]] = {"male": [], "female": [], "family": []}
    current = "male"
    for raw in text.strip().splitlines():
        if raw.startswith("#"):
            current = raw[1:]
            continue
        declinable = not raw.startswith("=")
        form = _parse_form(raw.lstrip("=").split("|"), has_hebrew)
        found = tuple(nicks.get(form.latin[0], ()))
        sections[current].append(_Name(form, found, declinable))
    return _Lists(*(tuple(sections[k]) for k in ("male", "female", "family")))


_NON_FINAL = str.maketrans("ךםןףץ", "כמנפצ")


def _compounds(cyrillic: bool) -> tuple[_Name, ...]:
    """Ashkenazi compound family names (Goldberg, Rozenblum...) in every script."""
    prefixes = [line.split("|") for line in data.COMPOUND_PREFIXES.splitlines()]
    suffixes = [line.split("|") for line in data.COMPOUND_SUFFIXES.splitlines()]
    out = []
    for p_latin, p_he, p_cy in prefixes:
        for s_latin, s_he, s_cy in suffixes:
            latin = tuple(
                dict.fromkeys(
                    (pl + sl).capitalize()
                    for pl, sl in zip(p_latin.split(","), s_latin.split(","), strict=False)
                )
            )
            he = p_he.translate(_NON_FINAL) + s_he
            native = p_cy + s_cy if cyrillic else he
            out.append(_Name(_Form(native, he, latin), (), declinable=False))
    return tuple(out)


def _prefixed(
    given: Sequence[_Name], native: str, hebrew: str, latin: Sequence[str]
) -> tuple[_Name, ...]:
    """Family names made of a particle and a man's name (Ben David, Abu Ahmad)."""
    out = []
    for name in given:
        f = name.form
        spellings = tuple(
            dict.fromkeys(
                f"{p}{sep}{lat}" for p in latin for lat in f.latin[:2] for sep in (" ", "-")
            )
        )
        out.append(_Name(_Form(f"{native} {f.native}", f"{hebrew} {f.hebrew}", spellings), ()))
    return tuple(out)


def _lists() -> dict[str, _Lists]:
    he = _parse(data.HEBREW, data.HEBREW_NICKNAMES, has_hebrew=False)
    ar = _parse(data.ARABIC, data.ARABIC_NICKNAMES, has_hebrew=True)
    ru = _parse(data.RUSSIAN, data.RUSSIAN_NICKNAMES, has_hebrew=True)
    return {
        "hebrew": replace(
            he, family_tail=_compounds(cyrillic=False) + _prefixed(he.male, "בן", "בן", ("Ben",))
        ),
        "arabic": replace(ar, family_tail=_prefixed(ar.male, "أبو", "אבו", ("Abu", "Abou"))),
        "russian": replace(ru, family_tail=_compounds(cyrillic=True)),
    }


_LISTS = _lists()
# Share of households whose family name comes from the common list rather than the tail.
_COMMON_FAMILY_SHARE = 0.6

# Canonical description terms and how each writer's language says them.
_HAIR = {
    "black": ("black", "שחור", "أسود"),
    "brown": ("brown", "חום", "بني"),
    "blond": ("blond", "בלונדיני", "أشقر"),
    "red": ("ginger", "ג'ינג'י", "أحمر"),
    "grey": ("grey", "אפור", "رمادي"),
    "bald": ("bald", "קירח", "أصلع"),
}
_HAIR_WEIGHTS = {"black": 40, "brown": 35, "blond": 8, "red": 3, "grey": 10, "bald": 4}
_BUILD = {
    "slim": ("thin", "רזה", "نحيف"),
    "medium": ("average build", "בינוני", "متوسط"),
    "heavy": ("heavy", "מלא", "ممتلئ"),
}
# Hebrew colour forms: masculine, feminine, masculine plural, feminine plural; Arabic m, f.
_COLOUR = {
    "black": ("black", ("שחור", "שחורה", "שחורים", "שחורות"), ("أسود", "سوداء")),
    "white": ("white", ("לבן", "לבנה", "לבנים", "לבנות"), ("أبيض", "بيضاء")),
    "grey": ("grey", ("אפור", "אפורה", "אפורים", "אפורות"), ("رمادي", "رمادية")),
    "blue": ("blue", ("כחול", "כחולה", "כחולים", "כחולות"), ("أزرق", "زرقاء")),
    "red": ("red", ("אדום", "אדומה", "אדומים", "אדומות"), ("أحمر", "حمراء")),
    "green": ("green", ("ירוק", "ירוקה", "ירוקים", "ירוקות"), ("أخضر", "خضراء")),
    "yellow": ("yellow", ("צהוב", "צהובה", "צהובים", "צהובות"), ("أصفر", "صفراء")),
    "brown": ("brown", ("חום", "חומה", "חומים", "חומות"), ("بني", "بنية")),
    "orange": ("orange", ("כתום", "כתומה", "כתומים", "כתומות"), ("برتقالي", "برتقالية")),
    "pink": ("pink", ("ורוד", "ורודה", "ורודים", "ורודות"), ("وردي", "وردية")),
    "purple": ("purple", ("סגול", "סגולה", "סגולים", "סגולות"), ("بنفسجي", "بنفسجية")),
    "beige": ("beige", ("בז'", "בז'", "בז'", "בז'"), ("بيج", "بيج")),
}
# Garment: English, (Hebrew, gender index into the colour forms), (Arabic, gender index).
_GARMENT = {
    "shirt": ("shirt", ("חולצה", 1), ("قميص", 0)),
    "t-shirt": ("t-shirt", ("טישרט", 0), ("تيشيرت", 0)),
    "jacket": ("jacket", ("מעיל", 0), ("جاكيت", 0)),
    "jeans": ("jeans", ("ג'ינס", 0), ("جينز", 0)),
    "trousers": ("trousers", ("מכנסיים", 2), ("بنطال", 0)),
    "skirt": ("skirt", ("חצאית", 1), ("تنورة", 1)),
    "dress": ("dress", ("שמלה", 1), ("فستان", 0)),
    "hoodie": ("hoodie", ("סווטשירט", 0), ("كنزة", 1)),
    "shorts": ("shorts", ("שורטס", 0), ("شورت", 0)),
    "pyjamas": ("pyjamas", ("פיג'מה", 1), ("بيجامة", 1)),
    "cap": ("cap", ("כובע", 0), ("قبعة", 1)),
    "sneakers": ("sneakers", ("נעלי ספורט", 3), ("حذاء رياضي", 0)),
    "sandals": ("sandals", ("סנדלים", 2), ("صندل", 0)),
    "tracksuit": ("tracksuit", ("טרנינג", 0), ("بدلة رياضية", 1)),
}
_TOPS = ("shirt", "t-shirt", "hoodie", "jacket", "pyjamas", "dress")
_BOTTOMS = ("jeans", "trousers", "skirt", "shorts", "tracksuit")
_EXTRAS = ("cap", "sneakers", "sandals")
_MARK = {
    "tattoo": ("tattoo", "קעקוע", "وشم"),
    "scar": ("scar", "צלקת", "ندبة"),
    "birthmark": ("birthmark", "כתם לידה", "وحمة"),
    "piercing": ("piercing", "פירסינג", "ثقب"),
    "mole": ("mole", "שומה", "شامة"),
}
_PART = {
    "face": ("face", "פנים", "الوجه"),
    "neck": ("neck", "צוואר", "الرقبة"),
    "chest": ("chest", "חזה", "الصدر"),
    "back": ("back", "גב", "الظهر"),
    "arm": ("arm", "זרוע", "الذراع"),
    "hand": ("hand", "יד", "اليد"),
    "leg": ("leg", "רגל", "الساق"),
}
_SIDED = frozenset({"arm", "hand", "leg"})
_SIDE = {"left": ("left", "שמאל", "اليسرى"), "right": ("right", "ימין", "اليمنى")}
_LANG_INDEX = {"en": 0, "he": 1, "ar": 2}

_HE_CONFUSABLE = {
    "ה": "ח",
    "ח": "ה",
    "ט": "ת",
    "ת": "ט",
    "כ": "ק",
    "ק": "כ",
    "ס": "ש",
    "ש": "ס",
    "ד": "ר",
    "ר": "ד",
    "ו": "י",
    "י": "ו",
}
_AR_CONFUSABLE = {
    "ت": "ث",
    "ث": "ت",
    "س": "ص",
    "ص": "س",
    "د": "ذ",
    "ذ": "د",
    "ح": "خ",
    "خ": "ح",
    "ة": "ه",
    "ى": "ي",
    "أ": "ا",
    "إ": "ا",
}
_LATIN_LETTERS = "abcdefghiklmnoprstuvyz"
_CYRILLIC_LETTERS = "абвгдеиклмнопрстуфхцшя"


@dataclass(frozen=True, slots=True)
class SynthPerson:
    """The truth about one resident."""

    id: int
    group: str
    sex: str
    given: _Name
    family: _Name
    father: _Name  # Arab names carry it; Russian forms derive a patronymic from it
    birth_date: date
    hair: str
    build: str
    outfit: tuple[tuple[str, str], ...]
    marks: tuple[tuple[str, str, str], ...]
    last_seen: tuple[float, float]
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class SynthPopulation:
    """Reports and records with the ground truth linking them."""

    reports: tuple[PersonRecord, ...]
    records: tuple[PersonRecord, ...]
    truth: frozenset[tuple[str, str]]  # (report id, record id) of the same person
    person_of: dict[str, int]  # record or report id -> person id

    def duplicate_truth(self) -> frozenset[tuple[str, str]]:
        """Pairs of reports (sorted ids) about the same person."""
        by_person: dict[int, list[str]] = {}
        for report in self.reports:
            by_person.setdefault(self.person_of[report.id], []).append(report.id)
        pairs: set[tuple[str, str]] = set()
        for ids in by_person.values():
            ids.sort()
            pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
        return frozenset(pairs)


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def _zipf_choice(rng: random.Random, items: Sequence[_Name]) -> _Name:
    # Mildly skewed: the commonest name is a few times likelier than the rarest.
    weights = [1.0 / (rank + 8) for rank in range(len(items))]
    return rng.choices(items, weights)[0]


def _offset(rng: random.Random, point: tuple[float, float], sigma_km: float) -> tuple[float, float]:
    lon, lat = point
    dx, dy = rng.gauss(0, sigma_km), rng.gauss(0, sigma_km)
    km_per_deg_lon = _KM_PER_DEG_LAT * math.cos(math.radians(lat))
    return (lon + dx / km_per_deg_lon, lat + dy / _KM_PER_DEG_LAT)


def _home(rng: random.Random) -> tuple[float, float]:
    r = _TOWN_RADIUS_KM * math.sqrt(rng.random())
    theta = rng.uniform(0, 2 * math.pi)
    lon, lat = _CENTRE
    km_per_deg_lon = _KM_PER_DEG_LAT * math.cos(math.radians(lat))
    return (lon + r * math.cos(theta) / km_per_deg_lon, lat + r * math.sin(theta) / _KM_PER_DEG_LAT)


def _birth(rng: random.Random, age: int) -> date:
    start = date(_ATTACK.year - age - 1, _ATTACK.month, _ATTACK.day) + timedelta(days=1)
    return start + timedelta(days=rng.randrange(365))


def _age_at(birth: date) -> int:
    today = _ATTACK.date()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _outfit(rng: random.Random, sex: str) -> tuple[tuple[str, str], ...]:
    tops = [t for t in _TOPS if sex == "female" or t != "dress"]
    bottoms = [b for b in _BOTTOMS if sex == "female" or b != "skirt"]
    top = rng.choice(tops)
    items = [top] if top == "dress" else [top, rng.choice(bottoms)]
    if rng.random() < 0.5:
        items.append(rng.choice(_EXTRAS))
    colours = list(_COLOUR)
    return tuple((rng.choice(colours), item) for item in items)


def _marks(rng: random.Random) -> tuple[tuple[str, str, str], ...]:
    if rng.random() > 0.3:
        return ()
    found = []
    for _ in range(1 if rng.random() < 0.8 else 2):
        part = rng.choice(list(_PART))
        side = rng.choice(list(_SIDE)) if part in _SIDED else ""
        found.append((rng.choice(list(_MARK)), side, part))
    return tuple(found)


def _household(rng: random.Random, next_id: int) -> list[SynthPerson]:
    group = _weighted(rng, _GROUPS)
    lists = _LISTS[group]
    if rng.random() < _COMMON_FAMILY_SHARE or not lists.family_tail:
        family = _zipf_choice(rng, lists.family)
    else:
        family = rng.choice(lists.family_tail)
    home = _home(rng)
    head_age = rng.randint(22, 85)
    members: list[tuple[str, int]] = [(rng.choice(("male", "female")), head_age)]
    if rng.random() < 0.7:
        partner = "female" if members[0][0] == "male" else "male"
        members.append((partner, max(18, head_age + rng.randint(-6, 6))))
    if 24 < head_age < 62:
        for _ in range(rng.choice((0, 1, 2, 2, 3, 4))):
            members.append((rng.choice(("male", "female")), rng.randint(0, min(25, head_age - 20))))
    people = []
    head_father = _zipf_choice(rng, lists.male)
    parent_men = [i for i, (sex, age) in enumerate(members[:2]) if sex == "male"]
    givens = [
        _zipf_choice(rng, lists.male if sex == "male" else lists.female) for sex, _ in members
    ]
    for offset, (sex, age) in enumerate(members):
        given = givens[offset]
        if offset >= 2 and parent_men:
            father = givens[parent_men[0]]  # the children's father is the household's man
        else:
            father = head_father if offset == 0 else _zipf_choice(rng, lists.male)
        birth = _birth(rng, age)
        last_seen = home if rng.random() < 0.6 else _offset(rng, home, 0.8)
        seen_at = _ATTACK + timedelta(minutes=rng.uniform(-30, 210))
        people.append(
            SynthPerson(
                id=next_id + offset,
                group=group,
                sex=sex,
                given=given,
                family=family,
                father=father,
                birth_date=birth,
                hair="grey" if age > 65 and rng.random() < 0.7 else _hair(rng),
                build=rng.choice(("slim", "medium", "medium", "heavy")),
                outfit=_outfit(rng, sex),
                marks=_marks(rng),
                last_seen=last_seen,
                last_seen_at=seen_at,
            )
        )
    return people


def _hair(rng: random.Random) -> str:
    return rng.choices(list(_HAIR_WEIGHTS), list(_HAIR_WEIGHTS.values()))[0]


def _typo(rng: random.Random, word: str) -> str:
    """One slip of the keyboard or of spelling somewhere after the first letter."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    ch = word[i]
    roll = rng.random()
    hebrew, arabic = "\u0590" <= ch <= "\u05ff", "\u0600" <= ch <= "\u06ff"
    if hebrew and roll < 0.5 and ch in _HE_CONFUSABLE:
        edit = word[:i] + _HE_CONFUSABLE[ch] + word[i + 1 :]
    elif hebrew and roll < 0.8:  # plene/defective spelling: add or drop a vav or yod
        edit = word[:i] + word[i + 1 :] if ch in "וי" else word[:i] + rng.choice("וי") + word[i:]
    elif arabic and roll < 0.6 and ch in _AR_CONFUSABLE:
        edit = word[:i] + _AR_CONFUSABLE[ch] + word[i + 1 :]
    elif roll < 0.3:
        edit = word[:i] + word[i + 1 :]
    elif roll < 0.55 and i < len(word) - 1:
        edit = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    else:
        alphabet = _CYRILLIC_LETTERS if "\u0400" <= ch <= "\u04ff" else _LATIN_LETTERS
        if hebrew or arabic:
            alphabet = word
        insert = roll < 0.75
        edit = word[:i] + rng.choice(alphabet) + word[i if insert else i + 1 :]
    return edit


_FEMININE_LATIN = (
    ("off", "ova"),
    ("ov", "ova"),
    ("ev", "eva"),
    ("ow", "owa"),
    ("ew", "ewa"),
    ("ine", "ina"),
    ("in", "ina"),
    ("yn", "yna"),
)


def _feminine(name: _Name, script: str, text: str) -> str:
    """A Russian family name in its feminine form (Ivanov -> Ivanova)."""
    if not name.declinable:
        return text
    if script == "native":
        return text + "а" if text.endswith(("ов", "ев", "ёв", "ин", "ын")) else text
    if script == "hebrew":
        if text.endswith("ב"):
            return text + "ה"
        return text[:-1] + "נה" if text.endswith("ין") else text
    for end, fem in _FEMININE_LATIN:
        if text.endswith(end):
            return text[: -len(end)] + fem
    return text


def _render_part(rng: random.Random, form: _Form, script: str) -> str:
    if script == "native":
        return form.native
    if script == "hebrew":
        return form.hebrew
    return rng.choice(form.latin)


@dataclass(frozen=True, slots=True)
class _Style:
    """How one kind of writer fills in a form."""

    scripts: dict[str, tuple[tuple[str, float], ...]]
    nickname: float
    family_first: float
    typo: float
    no_family: float
    second_name: float
    father: float  # chance an Arab name carries the father's name
    patronymic: float  # chance a Russian name in Cyrillic or Latin carries a patronymic


_REPORT_STYLE = _Style(
    scripts={
        "hebrew": (("hebrew", 0.75), ("latin", 0.25)),
        "arabic": (("native", 0.45), ("hebrew", 0.25), ("latin", 0.30)),
        "russian": (("native", 0.40), ("hebrew", 0.30), ("latin", 0.30)),
    },
    nickname=0.12,
    family_first=0.15,
    typo=0.05,
    no_family=0.04,
    second_name=0.2,
    father=0.5,
    patronymic=0.3,
)
_CASUALTY_STYLE = _Style(
    scripts={
        "hebrew": (("hebrew", 0.9), ("latin", 0.1)),
        "arabic": (("hebrew", 0.7), ("native", 0.1), ("latin", 0.2)),
        "russian": (("hebrew", 0.8), ("latin", 0.2)),
    },
    nickname=0.05,
    family_first=0.5,
    typo=0.05,
    no_family=0.05,
    second_name=0.1,
    father=0.3,
    patronymic=0.0,
)
_SURVIVOR_STYLE = _Style(
    scripts={
        "hebrew": (("hebrew", 0.8), ("latin", 0.2)),
        "arabic": (("native", 0.5), ("hebrew", 0.2), ("latin", 0.3)),
        "russian": (("native", 0.5), ("hebrew", 0.2), ("latin", 0.3)),
    },
    nickname=0.1,
    family_first=0.2,
    typo=0.04,
    no_family=0.08,
    second_name=0.15,
    father=0.5,
    patronymic=0.3,
)


def _render_name(rng: random.Random, person: SynthPerson, style: _Style, script: str) -> str:
    given = person.given.form
    if person.given.nicknames and rng.random() < style.nickname:
        given = rng.choice(person.given.nicknames)
    parts = [_render_part(rng, given, script)]
    if person.group == "arabic" and rng.random() < style.father:
        parts.append(_render_part(rng, person.father.form, script))
    elif person.group == "russian" and script != "hebrew" and rng.random() < style.patronymic:
        patronymic = _patronymic(person.father.form.native, person.sex == "female")
        parts.append(patronymic if script == "native" else anyascii(patronymic))
    family_part = None
    if rng.random() >= style.no_family:
        family = _render_part(rng, person.family.form, script)
        if person.sex == "female" and person.group == "russian":
            family = _feminine(person.family, script, family)
        family_part = family.split()
    words = [w for part in parts for w in part.split()]
    if family_part is not None:
        first = rng.random() < style.family_first
        words = family_part + words if first else words + family_part
    return " ".join(_typo(rng, w) if rng.random() < style.typo else w for w in words)


def _patronymic(father: str, female: bool) -> str:
    """Russian patronymic from the father's name in Cyrillic (Иван -> Иванович, Ивановна)."""
    if father.endswith(("а", "я")):
        return father[:-1] + ("ична" if female else "ич")
    if father.endswith("ий"):
        stem = father[:-2] + "ь"
    elif father.endswith(("й", "ь")):
        stem = father[:-1]
    else:
        return father.replace("ё", "е") + ("овна" if female else "ович")
    return stem + ("евна" if female else "евич")


def _names(rng: random.Random, person: SynthPerson, style: _Style) -> tuple[str, ...]:
    first = _weighted(rng, style.scripts[person.group])
    names = [_render_name(rng, person, style, first)]
    if rng.random() < style.second_name:
        others = [s for s, _ in style.scripts[person.group] if s != first]
        if others:
            names.append(_render_name(rng, person, style, rng.choice(others)))
    return tuple(names)


def _lang_for(rng: random.Random, person: SynthPerson, writer: str) -> str:
    if writer == "medic":
        return "he" if rng.random() < 0.85 else "en"
    if person.group == "arabic":
        return rng.choice(("ar", "ar", "he", "en"))
    return "he" if rng.random() < 0.7 else "en"


def _clothing_text(
    rng: random.Random, outfit: Sequence[tuple[str, str]], lang: str, colour_error: float
) -> str | None:
    items = [item for item in outfit if rng.random() < 0.75] or [rng.choice(list(outfit))]
    phrases = []
    for worn, garment in items:
        colour = rng.choice(list(_COLOUR)) if rng.random() < colour_error else worn
        en, (he, he_gender), (ar, ar_gender) = _GARMENT[garment]
        c_en, c_he, c_ar = _COLOUR[colour]
        if rng.random() < 0.2:  # colour not remembered
            phrases.append({"en": en, "he": he, "ar": ar}[lang])
        elif lang == "en":
            phrases.append(f"{c_en} {en}")
        elif lang == "he":
            phrases.append(f"{he} {c_he[he_gender]}")
        else:
            phrases.append(f"{ar} {c_ar[ar_gender]}")
    sep = {"en": ", ", "he": ", ", "ar": "، "}[lang]
    return sep.join(phrases)


def _marks_text(marks: Sequence[tuple[str, str, str]], lang: str) -> str:
    i = _LANG_INDEX[lang]
    phrases = []
    for mark, side, part in marks:
        m, p = _MARK[mark][i], _PART[part][i]
        s = _SIDE[side][i] if side else ""
        if lang == "en":
            phrases.append(f"{m} on {s + ' ' if s else ''}{p}")
        elif lang == "he":
            phrases.append(f"{m} ב{p}{' ' + s if s else ''}")
        else:
            phrases.append(f"{m} على {p}{' ' + s if s else ''}")
    return {"en": "; ", "he": "; ", "ar": "؛ "}[lang].join(phrases)


@dataclass(frozen=True, slots=True)
class _Noise:
    hair: float
    hair_error: float
    build: float
    build_error: float
    clothing: float
    colour_error: float
    marks: float


_REPORT_NOISE = _Noise(0.55, 0.05, 0.4, 0.1, 0.55, 0.08, 0.7)
_CASUALTY_NOISE = _Noise(0.65, 0.1, 0.45, 0.15, 0.65, 0.1, 0.6)
_SURVIVOR_NOISE = _Noise(0.1, 0.05, 0.05, 0.1, 0.1, 0.05, 0.1)


def _describe(
    rng: random.Random, person: SynthPerson, lang: str, noise: _Noise
) -> dict[str, str | None]:
    i = _LANG_INDEX[lang]
    hair = build = clothing = marks = None
    if rng.random() < noise.hair:
        value = _hair(rng) if rng.random() < noise.hair_error else person.hair
        hair = _HAIR[value][i]
    if rng.random() < noise.build:
        value = person.build
        if rng.random() < noise.build_error:
            value = "medium" if value != "medium" else rng.choice(("slim", "heavy"))
        build = _BUILD[value][i]
    if rng.random() < noise.clothing:
        clothing = _clothing_text(rng, person.outfit, lang, noise.colour_error)
    if person.marks and rng.random() < noise.marks:
        marks = _marks_text(person.marks, lang)
    return {"hair": hair, "build": build, "clothing": clothing, "marks": marks}


def _sex(rng: random.Random, person: SynthPerson, present: float, error: float) -> str | None:
    if rng.random() >= present:
        return None
    if rng.random() < error:
        return "female" if person.sex == "male" else "male"
    return person.sex


def _garbled_birth(rng: random.Random, birth: date) -> date:
    if birth.day <= 12 and birth.day != birth.month and rng.random() < 0.5:
        return birth.replace(day=birth.month, month=birth.day)
    try:
        return birth.replace(year=birth.year + rng.choice((-1, 1)))
    except ValueError:  # 29 February
        return birth - timedelta(days=1)


def _report(rng: random.Random, person: SynthPerson, rid: str) -> PersonRecord:
    age = _age_at(person.birth_date)
    birth = None
    age_min = age_max = None
    roll = rng.random()
    if roll < 0.55:
        birth = person.birth_date if rng.random() > 0.03 else _garbled_birth(rng, person.birth_date)
    elif roll < 0.98:
        told = age + rng.choices((0, -1, 1, -2, 2, -3, 3), (70, 8, 12, 3, 3, 2, 2))[0]
        told = max(0, told)
        if rng.random() < 0.1:
            age_min, age_max = max(0, told - 3), told + 2
        else:
            age_min = age_max = told
    place = None if rng.random() < 0.1 else _offset(rng, person.last_seen, 0.1)
    seen = None
    if rng.random() > 0.15:
        seen = person.last_seen_at + timedelta(minutes=rng.gauss(0, 30))
    lang = _lang_for(rng, person, "family")
    return PersonRecord(
        id=rid,
        kind=RecordKind.MISSING,
        names=_names(rng, person, _REPORT_STYLE),
        sex=_sex(rng, person, 0.97, 0.005),
        age_min=age_min,
        age_max=age_max,
        birth_date=birth,
        lon=place[0] if place else None,
        lat=place[1] if place else None,
        time=seen,
        **_describe(rng, person, lang, _REPORT_NOISE),
    )


def _casualty(rng: random.Random, person: SynthPerson, rid: str) -> PersonRecord:
    age = _age_at(person.birth_date)
    named = rng.random() >= 0.1
    birth = person.birth_date if named and rng.random() < 0.4 else None
    age_min = age_max = None
    if birth is None and rng.random() < 0.9:
        guess = age + rng.gauss(0, 0.12 * age + 2)
        age_min, age_max = max(0, round(guess) - 5), max(1, round(guess) + 5)
    at_hospital = rng.random() < 0.15
    place = _SOROKA if at_hospital else _offset(rng, person.last_seen, 0.6)
    found = person.last_seen_at + timedelta(minutes=rng.uniform(0, 360 if not at_hospital else 600))
    return PersonRecord(
        id=rid,
        kind=RecordKind.CASUALTY,
        names=_names(rng, person, _CASUALTY_STYLE) if named else (),
        sex=_sex(rng, person, 0.95, 0.01),
        age_min=age_min,
        age_max=age_max,
        birth_date=birth,
        lon=place[0],
        lat=place[1],
        time=found,
        **_describe(rng, person, _lang_for(rng, person, "medic"), _CASUALTY_NOISE),
    )


def _survivor(
    rng: random.Random, person: SynthPerson, rid: str, shelters: Sequence[tuple[float, float]]
) -> PersonRecord:
    age = _age_at(person.birth_date)
    birth = None
    age_min = age_max = None
    roll = rng.random()
    if roll < 0.75:
        birth = person.birth_date if rng.random() > 0.03 else _garbled_birth(rng, person.birth_date)
    elif roll < 0.95:
        age_min = age_max = age
    if rng.random() < 0.8:
        # People walk to one of the shelters nearest where they were.
        lon, lat = person.last_seen
        nearest = sorted(shelters, key=lambda s: (s[0] - lon) ** 2 + (s[1] - lat) ** 2)[:3]
        place = rng.choice(nearest)
    else:
        place = _offset(rng, person.last_seen, 0.3)
    seen = person.last_seen_at + timedelta(minutes=rng.uniform(60, 48 * 60))
    return PersonRecord(
        id=rid,
        kind=RecordKind.SURVIVOR,
        names=_names(rng, person, _SURVIVOR_STYLE),
        sex=_sex(rng, person, 0.98, 0.005),
        age_min=age_min,
        age_max=age_max,
        birth_date=birth,
        lon=place[0],
        lat=place[1],
        time=seen,
        **_describe(rng, person, _lang_for(rng, person, "family"), _SURVIVOR_NOISE),
    )


def generate(
    rng: random.Random,
    *,
    missing_reports: int,
    records: int,
    found_share: float = 0.8,
    casualty_share: float = 0.4,
) -> SynthPopulation:
    """Generate reports and casualty/survivor records with the truth linking them."""
    mean_reports = sum(n * p for n, p in _REPORTS_PER_PERSON)
    missing_people = max(1, round(missing_reports / mean_reports))
    found = min(records, round(records * found_share), missing_people)
    total = missing_people + (records - found)
    people: list[SynthPerson] = []
    while len(people) < total:
        people.extend(_household(rng, len(people)))
    people = people[:total]
    order = list(range(total))
    rng.shuffle(order)
    missing_ids = order[:missing_people]
    record_ids = order[:found] + order[missing_people:]
    counts = [
        rng.choices([n for n, _ in _REPORTS_PER_PERSON], [p for _, p in _REPORTS_PER_PERSON])[0]
        for _ in missing_ids
    ]
    # Trim or pad so the number of reports is exactly what was asked for.
    i = 0
    while sum(counts) != missing_reports:
        step = 1 if sum(counts) < missing_reports else -1
        j = i % len(counts)
        if step > 0 or counts[j] > 1:
            counts[j] += step
        i += 1
    shelters = [_offset(rng, _CENTRE, 1.2) for _ in range(15)]
    person_of: dict[str, int] = {}
    reports: list[PersonRecord] = []
    for pid, count in zip(missing_ids, counts, strict=True):
        for _ in range(count):
            rid = f"r{len(reports)}"
            reports.append(_report(rng, people[pid], rid))
            person_of[rid] = pid
    rng.shuffle(reports)
    found_records: list[PersonRecord] = []
    for pid in record_ids:
        rid = (
            f"c{len(found_records)}" if rng.random() < casualty_share else f"s{len(found_records)}"
        )
        person = people[pid]
        if rid.startswith("c"):
            found_records.append(_casualty(rng, person, rid))
        else:
            found_records.append(_survivor(rng, person, rid, shelters))
        person_of[rid] = pid
    rng.shuffle(found_records)
    by_person: dict[int, list[str]] = {}
    for report in reports:
        by_person.setdefault(person_of[report.id], []).append(report.id)
    truth = frozenset(
        (report_id, rec.id)
        for rec in found_records
        for report_id in by_person.get(person_of[rec.id], ())
    )
    return SynthPopulation(tuple(reports), tuple(found_records), truth, person_of)
