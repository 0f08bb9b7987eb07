"""What the simulation's people type into free-text fields, in the language each one types in.

Notes and messages are what a person wrote, so pages show them as written, whatever the
reader's language. A simulated town where everyone typed English would show a Hebrew console
English notes no real dispatcher or resident there would write. So staff (dispatchers,
responders, medics) type in the scenario's staff language, and each household in one of the
residents' languages, drawn by the shares the scenario gives: a Hebrew console then shows
mostly Hebrew notes with some Arabic and English ones, as typed text among its own words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal, get_args

Lang = Literal["he", "ar", "en"]
LANGS: tuple[Lang, ...] = get_args(Lang)

# key -> (he, ar, en): short, as someone types on a phone under stress.
PHRASES: dict[str, tuple[str, str, str]] = {
    # residents
    "sos_house": ("מחבלים בבניין", "مسلحون في المبنى", "attackers in the building"),
    "sos_wounded": ("יש פצועים, צריך עזרה", "يوجد جرحى، نحتاج مساعدة", "wounded, need help"),
    "home_safe": ("בבית ובטוחים", "في البيت وبأمان", "home and safe"),
    # responders and medics
    "coming_in": ("בדרך", "في الطريق", "coming in"),
    "cannot_come": ("לא יכול להגיע", "لا أستطيع الحضور", "cannot come"),
    "busy": ("עסוק", "مشغول", "busy"),
    "hit": ("נפגעתי", "أُصبت", "hit"),
    "wounded": ("פצוע", "مصاب", "wounded"),
    "contact": ("במגע", "اشتباك", "contact"),
    "no_attackers": ("אין כאן מחבלים כרגע", "لا مسلحين هنا الآن", "no attackers here now"),
    "wounded_wait": ("פצועים מחכים לחובש", "جرحى ينتظرون مسعفًا", "wounded waiting for a medic"),
    "reached": ("הגענו אליהם", "وصلنا إليهم", "reached"),
    "done": ("בוצע", "تم", "done"),
    "attackers_down": ("המחבלים נוטרלו", "تم تحييد المسلحين", "attackers down"),
    # dispatchers
    "corroborated": ("אומת בכמה דיווחים", "تأكّد من عدة بلاغات", "corroborated"),
    "callup": ("מחבלים חמושים בעיר", "مسلحون في المدينة", "armed attackers in town"),
    "danger_around": ("סביב מסלול מאומת", "حول مسار مؤكد", "around a confirmed track"),
    "track_closed": ("המסלול נסגר", "أُغلق المسار", "the track is closed"),
    "attackers_near": ("מחבלים חמושים בקרבת מקום", "مسلحون على مقربة", "armed attackers nearby"),
    "reported_down": ("דווח שנוטרלו", "أُبلغ عن تحييدهم", "reported down"),
}
_INDEX = {lang: i for i, lang in enumerate(LANGS)}
# The golden ratio's fraction spreads consecutive households evenly over [0, 1).
_SPREAD = (math.sqrt(5.0) - 1.0) / 2.0


def typed(key: str, lang: Lang) -> str:
    """What a person typing in `lang` writes for `key`."""
    return PHRASES[key][_INDEX[lang]]


def household_language(household: int, shares: Mapping[Lang, float]) -> Lang:
    """The language a household types in, so that the households' languages follow `shares`.

    Fixed by the household's number rather than drawn from the run's random stream: adding
    languages to a scenario changes no one's movements, reports or fate.
    """
    u = (household * _SPREAD) % 1.0
    total = sum(shares.values())
    running = 0.0
    last: Lang = "he"
    for lang in LANGS:
        share = shares.get(lang, 0.0)
        if share <= 0.0:
            continue
        running += share / total
        last = lang
        if u < running:
            return lang
    return last
