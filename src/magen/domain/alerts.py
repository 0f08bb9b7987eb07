"""Official alerts per zone, danger areas, shelter status and operator guidance overrides.

Alert categories follow the Home Front Command's (Pikud HaOref) alert types; the all clear is
its own event, `AlertEnded`, per zone. Danger areas are operator-declared areas around ground
threats; overrides are operator instructions that the guidance engine shows, saying whose they
are, on top of (never silently against) official alerts. `GuidanceChanged` records the
guidance engine's per-zone summary after a recompute, so subscribers learn of changes without
one event per building.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

import shapely
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from shapely.validation import explain_validity

from magen.domain.base import Command, DecisionContext, Event, Recorded, decider, event, evolver
from magen.domain.errors import Conflict, InvalidCommand, NotFound
from magen.domain.state import State
from magen.domain.values import FreeText, Latitude, Longitude

# --- limits -------------------------------------------------------------------------------

# A town pack may have far more than 500 zones (Jerusalem on the 500 m grid has 928), and one
# alert or all clear must be able to name them all.
MAX_ZONES = 5000
MAX_AREAS = 50
# Upstream CAP messages a command may name to find its alert (the first one known finds it).
MAX_REFERENCES = 50
MAX_POLYGON_VERTICES = 1000
# A town-level system: anything wider is a national alert and belongs to zones, not geometry.
MAX_RADIUS_M = 100_000.0
MAX_POLYGON_SPAN_M = 200_000.0
MIN_POLYGON_AREA_M2 = 1.0
# A danger area is drawn around a ground threat; beyond this it is a zone-wide alert.
MAX_DANGER_RADIUS_M = 10_000.0
MAX_DANGER_SPAN_M = 20_000.0
MAX_SECONDS_TO_SHELTER = 600
MAX_FUTURE_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=2)
MAX_SCHEDULE_AHEAD = timedelta(days=1)
_M_PER_DEG = 111_320.0

ZoneId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w.:/-]+$")]
ShelterId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.:/-]+$")]
RefId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.:/-]+$")]
# CAP 1.2 forbids spaces, commas and the restricted characters < and & in identifiers/senders.
CapToken = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\s,<&]+$")]
Seconds = Annotated[int, Field(ge=0, le=MAX_SECONDS_TO_SHELTER)]
Instruction = Annotated[str, Field(max_length=2000)]
Lang = Literal["he", "ar", "en"]
# What XML 1.0 cannot carry, plus lone surrogates; tab, newline and carriage return are text.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LANGS: tuple[Lang, ...] = ("he", "ar", "en")


# --- value types --------------------------------------------------------------------------


class AlertCategory(StrEnum):
    """The Home Front Command's alert types."""

    MISSILES = "missiles"  # ירי רקטות וטילים
    HOSTILE_AIRCRAFT_INTRUSION = "hostile_aircraft_intrusion"  # חדירת כלי טיס עוין
    TERRORIST_INFILTRATION = "terrorist_infiltration"  # חדירת מחבלים
    UNCONVENTIONAL_MISSILE = "unconventional_missile"  # ירי בלתי קונבנציונלי
    EARTHQUAKE = "earthquake"  # רעידת אדמה
    TSUNAMI = "tsunami"  # חשש לצונאמי
    HAZARDOUS_MATERIALS = "hazardous_materials"  # אירוע חומרים מסוכנים
    RADIOLOGICAL_EVENT = "radiological_event"  # חשש לאירוע רדיולוגי
    EARLY_WARNING = "early_warning"  # התרעה מקדימה: alerts expected in the coming minutes


# Alerts whose instruction is "enter the protected space within the zone's time".
SHELTER_CATEGORIES = frozenset(
    {
        AlertCategory.MISSILES,
        AlertCategory.HOSTILE_AIRCRAFT_INTRUSION,
        AlertCategory.UNCONVENTIONAL_MISSILE,
    }
)


class DangerReason(StrEnum):
    ARMED_ATTACKERS = "armed_attackers"
    HOSTAGE_SITUATION = "hostage_situation"
    SUSPICIOUS_OBJECT = "suspicious_object"
    IMPACT_SITE = "impact_site"  # a rocket or interceptor fragment came down here
    FIRE = "fire"
    HAZARDOUS_MATERIALS = "hazardous_materials"
    STRUCTURAL_COLLAPSE = "structural_collapse"
    OTHER = "other"


class ShelterStatus(StrEnum):
    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    COMPROMISED = "compromised"  # attackers at or near it: sending people there is unsafe


class OverrideAction(StrEnum):
    """What an operator may order on top of the official alerts."""

    LOCK_IN = "lock_in"  # lock the doors, away from doors and windows, lights off, silent
    STAY_IN_PROTECTED_SPACE = "stay_in_protected_space"  # the home's own; no outdoor shelter
    AVOID_AREA = "avoid_area"


class GuidanceAction(StrEnum):
    """The action the guidance engine gives a building or a point."""

    ROUTINE = "routine"
    STAY_NEAR_PROTECTED_SPACE = "stay_near_protected_space"
    GO_TO_SHELTER = "go_to_shelter"
    STAY_IN_PROTECTED_SPACE = "stay_in_protected_space"
    LOCK_IN = "lock_in"
    TAKE_COVER = "take_cover"  # no protected space within the time: lie down, cover the head
    EVACUATE = "evacuate"  # earthquake, tsunami: to open or high ground
    AVOID_AREA = "avoid_area"
    # Armed attackers are open in the town, not near enough for a lock-in: inside, the door
    # locked, nobody out (not even to a public shelter) until the police say it is over.
    STAY_INSIDE = "stay_inside"


class GuidanceReason(StrEnum):
    OFFICIAL_ALERT = "official_alert"
    ALL_CLEAR = "all_clear"
    ALERT_EXPIRED = "alert_expired"
    DANGER_AREA = "danger_area"
    DANGER_AREA_LIFTED = "danger_area_lifted"
    OPERATOR_OVERRIDE = "operator_override"
    OVERRIDE_CLEARED = "override_cleared"
    SHELTER_STATUS = "shelter_status"
    TOWN_CHANGED = "town_changed"
    THREAT_PICTURE = "threat_picture"  # a threat track confirmed, verified, closed or reopened


class LocalText(BaseModel):
    """One text in the three languages of the town; an empty string means not given."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    he: Instruction = ""
    ar: Instruction = ""
    en: Instruction = ""

    @field_validator("he", "ar", "en")
    @classmethod
    def _printable(cls, text: str) -> str:
        # The text goes out as XML (CAP) and onto screens: control characters have no place.
        if _CONTROL.search(text):
            raise ValueError("the text contains control characters")
        return text

    def in_(self, lang: Lang) -> str:
        """The text in one language."""
        return str(getattr(self, lang))

    def is_empty(self) -> bool:
        """Whether no language is given."""
        return not (self.he or self.ar or self.en)

    def over(self, default: LocalText) -> LocalText:
        """This text, with every language it lacks taken from the default."""
        return LocalText(
            he=self.he or default.he, ar=self.ar or default.ar, en=self.en or default.en
        )


def _span_m(lats: list[float], lons: list[float]) -> float:
    mid = math.radians((max(lats) + min(lats)) / 2)
    dy = (max(lats) - min(lats)) * _M_PER_DEG
    dx = (max(lons) - min(lons)) * _M_PER_DEG * math.cos(mid)
    return math.hypot(dx, dy)


class Circle(BaseModel):
    """A point and a radius in metres."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["circle"] = "circle"
    lat: Latitude
    lon: Longitude
    radius_m: Annotated[float, Field(gt=0, le=MAX_RADIUS_M, allow_inf_nan=False)]

    def span_m(self) -> float:
        """The diameter in metres."""
        return 2 * self.radius_m


class Polygon(BaseModel):
    """A simple polygon of WGS84 (lon, lat) vertices, stored closed (first == last)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["polygon"] = "polygon"
    ring: tuple[tuple[Longitude, Latitude], ...]

    @field_validator("ring")
    @classmethod
    def _simple_ring(cls, ring: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        if len(set(ring)) < 3:
            raise ValueError("a polygon needs at least 3 distinct points")
        if ring[0] != ring[-1]:
            ring = (*ring, ring[0])
        if len(ring) > MAX_POLYGON_VERTICES + 1:
            raise ValueError(f"a polygon may have at most {MAX_POLYGON_VERTICES} points")
        lons = [p[0] for p in ring]
        lats = [p[1] for p in ring]
        if _span_m(lats, lons) > MAX_POLYGON_SPAN_M:
            raise ValueError(f"a polygon may span at most {MAX_POLYGON_SPAN_M / 1000:g} km")
        shape = shapely.Polygon(ring)
        m2_per_deg2 = _M_PER_DEG**2 * math.cos(math.radians(sum(lats) / len(lats)))
        if shape.convex_hull.area * m2_per_deg2 < MIN_POLYGON_AREA_M2:
            raise ValueError("the polygon has no area: its points lie on one line")
        if not shape.is_valid:
            raise ValueError(_why_invalid(explain_validity(shape)))
        return ring

    def span_m(self) -> float:
        """The diagonal of the bounding box in metres."""
        return _span_m([p[1] for p in self.ring], [p[0] for p in self.ring])


def _why_invalid(explanation: str) -> str:
    # shapely says e.g. "Self-intersection[35.21 31.76]"; say it with lon/lat named.
    kind, _, where = explanation.partition("[")
    coords = where.rstrip("]").split()
    near = f" near lon {coords[0]}, lat {coords[1]}" if len(coords) == 2 else ""
    if kind.strip().lower().startswith(("self-intersection", "ring self-intersection")):
        return f"the polygon crosses itself{near}"
    return f"the polygon is not valid ({kind.strip().lower()}){near}"


Area = Annotated[Circle | Polygon, Field(discriminator="kind")]


class OperatorSource(BaseModel):
    """Entered by an operator of this system (who: the log envelope's actor)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["operator"] = "operator"


class CapSource(BaseModel):
    """Imported from an upstream CAP 1.2 message."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["cap"] = "cap"
    sender: CapToken
    identifier: CapToken
    sent: AwareDatetime


AlertSource = Annotated[OperatorSource | CapSource, Field(discriminator="kind")]


class CapRef(BaseModel):
    """An upstream CAP message named in another's `references`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sender: CapToken
    identifier: CapToken


# --- the phrase book ----------------------------------------------------------------------
# Worded as the Home Front Command words its alerts and instructions, in Hebrew, Arabic and
# English; the combined-event rule (rockets during an infiltration: the home's own protected
# room, never the stairwell or an outdoor shelter) is the Command's published instruction.

_ENTER_PROTECTED_SPACE = LocalText(
    he="היכנסו מיד למרחב המוגן ושהו בו עד לקבלת הודעה על סיום האירוע.",
    ar="ادخلوا فورًا إلى الحيّز المحمي وابقوا فيه حتى تلقي بلاغ بانتهاء الحدث.",
    en="Enter the protected space immediately and stay there until you are told the event "
    "has ended.",
)

CATEGORY_TITLES: dict[AlertCategory, LocalText] = {
    AlertCategory.MISSILES: LocalText(
        he="ירי רקטות וטילים", ar="إطلاق قذائف صاروخية وصواريخ", en="Rocket and missile fire"
    ),
    AlertCategory.HOSTILE_AIRCRAFT_INTRUSION: LocalText(
        he="חדירת כלי טיס עוין", ar="تسلل طائرة معادية", en="Hostile aircraft intrusion"
    ),
    AlertCategory.TERRORIST_INFILTRATION: LocalText(
        he="חדירת מחבלים", ar="تسلل مخربين", en="Terrorist infiltration"
    ),
    AlertCategory.UNCONVENTIONAL_MISSILE: LocalText(
        he="ירי בלתי קונבנציונלי", ar="إطلاق صواريخ غير تقليدية", en="Non-conventional missile fire"
    ),
    AlertCategory.EARTHQUAKE: LocalText(he="רעידת אדמה", ar="هزة أرضية", en="Earthquake"),
    AlertCategory.TSUNAMI: LocalText(he="חשש לצונאמי", ar="خشية من تسونامي", en="Tsunami threat"),
    AlertCategory.HAZARDOUS_MATERIALS: LocalText(
        he="אירוע חומרים מסוכנים", ar="حدث مواد خطرة", en="Hazardous materials incident"
    ),
    AlertCategory.RADIOLOGICAL_EVENT: LocalText(
        he="חשש לאירוע רדיולוגי", ar="خشية من حدث إشعاعي", en="Radiological event"
    ),
    AlertCategory.EARLY_WARNING: LocalText(he="התרעה מקדימה", ar="إنذار مبكر", en="Early warning"),
}

CATEGORY_INSTRUCTIONS: dict[AlertCategory, LocalText] = {
    AlertCategory.MISSILES: _ENTER_PROTECTED_SPACE,
    AlertCategory.HOSTILE_AIRCRAFT_INTRUSION: _ENTER_PROTECTED_SPACE,
    AlertCategory.TERRORIST_INFILTRATION: LocalText(
        he="היכנסו מיד למבנה, נעלו את הדלתות והחלונות, כבו את האורות ושהו בפנים עד לקבלת הודעה "
        "על סיום האירוע. אם תתקבל התרעה על ירי רקטות – היכנסו לממ״ד או לחדר פנימי בבית; אל "
        "תצאו לחדר המדרגות או למקלט.",
        ar="ادخلوا فورًا إلى مبنى، أقفلوا الأبواب والنوافذ، أطفئوا الأضواء وابقوا في الداخل حتى "
        "تلقي بلاغ بانتهاء الحدث. إذا صدر إنذار بإطلاق صواريخ، ادخلوا إلى الغرفة المحصّنة أو إلى "
        "غرفة داخلية في البيت، ولا تخرجوا إلى بيت الدرج أو إلى الملجأ.",
        en="Get inside a building immediately, lock the doors and windows, turn off the lights "
        "and stay inside until you are told the event has ended. If a rocket alert sounds, go "
        "to the protected room (mamad) or an inner room of your home; do not go out to the "
        "stairwell or a shelter.",
    ),
    AlertCategory.UNCONVENTIONAL_MISSILE: LocalText(
        he="היכנסו מיד למרחב המוגן, סגרו היטב את הדלת והחלון ושהו בו עד לקבלת הנחיה אחרת.",
        ar="ادخلوا فورًا إلى الحيّز المحمي، أغلقوا الباب والنافذة بإحكام وابقوا فيه حتى تلقي "
        "تعليمات أخرى.",
        en="Enter the protected space immediately, seal the door and the window, and stay "
        "there until further instructions.",
    ),
    AlertCategory.EARTHQUAKE: LocalText(
        he="צאו מיד לשטח פתוח. אם אין באפשרותכם לצאת – היכנסו לממ״ד והשאירו את הדלת פתוחה, או "
        "לחדר המדרגות; אם גם זה אינו אפשרי – היכנסו מתחת לרהיט כבד או שבו צמוד לקיר פנימי.",
        ar="اخرجوا فورًا إلى منطقة مفتوحة. إذا لم تتمكنوا من الخروج، ادخلوا إلى الغرفة المحصّنة "
        "واتركوا بابها مفتوحًا، أو إلى بيت الدرج؛ وإن لم يكن ذلك ممكنًا، احتموا تحت قطعة أثاث "
        "ثقيلة أو اجلسوا ملاصقين لجدار داخلي.",
        en="Get out to an open area immediately. If you cannot, go into the protected room and "
        "leave its door open, or into the stairwell; if that is not possible either, take "
        "cover under heavy furniture or sit against an inner wall.",
    ),
    AlertCategory.TSUNAMI: LocalText(
        he="התרחקו מיד מחוף הים אל שטח גבוה, או עלו לקומה הרביעית ומעלה בבניין קרוב.",
        ar="ابتعدوا فورًا عن شاطئ البحر إلى منطقة مرتفعة، أو اصعدوا إلى الطابق الرابع أو أعلى في "
        "مبنى قريب.",
        en="Move away from the shore immediately to high ground, or go up to the fourth floor "
        "or higher of a nearby building.",
    ),
    AlertCategory.HAZARDOUS_MATERIALS: LocalText(
        he="היכנסו למבנה, סגרו את הדלתות והחלונות, כבו מזגנים ומערכות אוורור והמתינו להנחיות "
        "נוספות.",
        ar="ادخلوا إلى مبنى، أغلقوا الأبواب والنوافذ، أطفئوا المكيّفات وأجهزة التهوية وانتظروا "
        "تعليمات إضافية.",
        en="Go indoors, close the doors and windows, turn off air conditioning and ventilation, "
        "and wait for further instructions.",
    ),
    AlertCategory.RADIOLOGICAL_EVENT: LocalText(
        he="היכנסו למבנה, רצוי לחדר פנימי, סגרו את הדלתות והחלונות ושהו בו עד לקבלת הנחיה אחרת.",
        ar="ادخلوا إلى مبنى، ويُفضَّل إلى غرفة داخلية، أغلقوا الأبواب والنوافذ وابقوا فيه حتى تلقي "
        "تعليمات أخرى.",
        en="Go indoors, preferably into an inner room, close the doors and windows and stay "
        "there until further instructions.",
    ),
    AlertCategory.EARLY_WARNING: LocalText(
        he="בדקות הקרובות צפויות להתקבל התרעות באזורך. התקרבו למרחב המוגן הקרוב; עם קבלת "
        "התרעה היכנסו אליו מיד.",
        ar="من المتوقع أن تصدر إنذارات في منطقتكم خلال الدقائق القريبة. اقتربوا من أقرب حيّز "
        "محمي، وعند صدور الإنذار ادخلوا إليه فورًا.",
        en="Alerts are expected in your area in the next few minutes. Move close to the nearest "
        "protected space; when an alert sounds, go in immediately.",
    ),
}

ALL_CLEAR_TITLE = LocalText(he="האירוע הסתיים", ar="انتهى الحدث", en="The event has ended")

_CLEAR_PROTECTED_SPACE = LocalText(
    he="האירוע הסתיים. ניתן לצאת מהמרחב המוגן.",
    ar="انتهى الحدث. يمكن الخروج من الحيّز المحمي.",
    en="The event has ended. You may leave the protected space.",
)
_CLEAR_ROUTINE = LocalText(
    he="האירוע הסתיים. ניתן לחזור לשגרה.",
    ar="انتهى الحدث. يمكن العودة إلى الحياة الاعتيادية.",
    en="The event has ended. You may return to your routine.",
)
# What an infiltration all clear said before its words were kept with it (session 19): an
# export of an old log says what was said then (`said_at_end`).
_INFILTRATION_CLEAR_BEFORE = LocalText(
    he="האירוע הסתיים. ניתן לצאת מהבתים ולנוע באזור.",
    ar="انتهى الحدث. يمكن الخروج من البيوت والتنقّل في المنطقة.",
    en="The event has ended. You may leave your homes and move about the area.",
)
ALL_CLEAR_INSTRUCTIONS: dict[AlertCategory, LocalText] = {
    **dict.fromkeys(SHELTER_CATEGORIES, _CLEAR_PROTECTED_SPACE),
    # Never "you may leave your homes": an infiltration alert often ends a zone at a time while
    # attackers are still reported in the next streets, and a feed reader shows this alone.
    AlertCategory.TERRORIST_INFILTRATION: LocalText(
        he="התרעת חדירת המחבלים הסתיימה באזורים אלה. אל תצאו במקום שבו עדיין בתוקף התרעה "
        "אחרת או שעדיין מדווח בו על מחבלים; פעלו לפי הנחיות כוחות הביטחון.",
        ar="انتهى إنذار تسلّل المسلّحين في هذه المناطق. لا تخرجوا حيث لا يزال إنذار آخر ساريًا "
        "أو حيث لا يزال يُبلَّغ عن مسلّحين؛ اتّبعوا تعليمات قوات الأمن.",
        en="The infiltration alert has ended in these areas. Do not go out where another alert "
        "is still in force or attackers are still reported; follow the security forces' "
        "instructions.",
    ),
    AlertCategory.EARTHQUAKE: _CLEAR_ROUTINE,
    AlertCategory.TSUNAMI: _CLEAR_ROUTINE,
    AlertCategory.HAZARDOUS_MATERIALS: _CLEAR_ROUTINE,
    AlertCategory.RADIOLOGICAL_EVENT: _CLEAR_ROUTINE,
    AlertCategory.EARLY_WARNING: _CLEAR_ROUTINE,
}


def said_at_end(ended: AlertEnded, category: AlertCategory) -> LocalText:
    """What an all clear told the public: its own words, or, in a log from before they were
    kept with it, the words of then (an old export must not say what was never said)."""
    if ended.instruction is not None:
        return ended.instruction
    if category is AlertCategory.TERRORIST_INFILTRATION:
        return _INFILTRATION_CLEAR_BEFORE
    return ALL_CLEAR_INSTRUCTIONS[category]


# The action in a few words, for the top of a resident's screen (the full text follows it).
ACTION_HEADLINES: dict[GuidanceAction, LocalText] = {
    GuidanceAction.ROUTINE: LocalText(
        he="אין התרעה באזורכם", ar="لا يوجد إنذار في منطقتكم", en="No alert in your area"
    ),
    GuidanceAction.STAY_NEAR_PROTECTED_SPACE: LocalText(
        he="הישארו קרוב למרחב מוגן", ar="ابقوا قرب حيّز محمي", en="Stay near a protected space"
    ),
    GuidanceAction.GO_TO_SHELTER: LocalText(
        he="לכו למקלט עכשיו", ar="توجّهوا إلى الملجأ الآن", en="Go to the shelter now"
    ),
    GuidanceAction.STAY_IN_PROTECTED_SPACE: LocalText(
        he="היכנסו למרחב מוגן עכשיו", ar="ادخلوا الحيّز المحمي الآن", en="Into a protected space now"
    ),
    GuidanceAction.LOCK_IN: LocalText(
        he="הסתגרו ונעלו. אל תפתחו לאיש.",
        ar="تحصّنوا وأقفلوا. لا تفتحوا لأحد.",
        en="Lock in. Open to no one.",
    ),
    GuidanceAction.TAKE_COVER: LocalText(
        he="תפסו מחסה עכשיו", ar="احتموا الآن", en="Take cover now"
    ),
    GuidanceAction.EVACUATE: LocalText(
        he="התפנו עכשיו לפי ההנחיה",
        ar="أخلوا المكان الآن حسب التعليمات",
        en="Evacuate now, as instructed",
    ),
    GuidanceAction.AVOID_AREA: LocalText(
        he="התרחקו מהאזור המסוכן",
        ar="ابتعدوا عن المنطقة الخطرة",
        en="Keep away from the danger area",
    ),
    GuidanceAction.STAY_INSIDE: LocalText(
        he="הישארו בבית, הדלת נעולה", ar="ابقوا في البيت والباب مقفل", en="Stay inside, door locked"
    ),
}

OVERRIDE_TITLES: dict[OverrideAction, LocalText] = {
    OverrideAction.LOCK_IN: LocalText(he="הסתגרות", ar="التحصّن داخل المبنى", en="Lock in"),
    OverrideAction.STAY_IN_PROTECTED_SPACE: LocalText(
        he="הישארות במרחב המוגן שבבית",
        ar="البقاء في الحيّز المحمي داخل البيت",
        en="Stay in your home's protected space",
    ),
    OverrideAction.AVOID_AREA: LocalText(
        he="התרחקות מהאזור", ar="الابتعاد عن المنطقة", en="Keep away from the area"
    ),
}

OVERRIDE_INSTRUCTIONS: dict[OverrideAction, LocalText] = {
    OverrideAction.LOCK_IN: LocalText(
        he="הישארו בתוך המבנה, נעלו את הדלתות והחלונות, התרחקו מהדלתות ומהחלונות, כבו את "
        "האורות ושמרו על שקט. אל תצאו עד להודעה חדשה.",
        ar="ابقوا داخل المبنى، أقفلوا الأبواب والنوافذ، ابتعدوا عن الأبواب والنوافذ، أطفئوا "
        "الأضواء والتزموا الهدوء. لا تخرجوا حتى إشعار آخر.",
        en="Stay inside, lock the doors and windows, keep away from doors and windows, turn off "
        "the lights and keep silent. Do not go out until further notice.",
    ),
    OverrideAction.STAY_IN_PROTECTED_SPACE: LocalText(
        he="הישארו בממ״ד או בחדר פנימי בתוך הבית. אל תצאו לחדר המדרגות או למקלט ציבורי עד "
        "להודעה חדשה.",
        ar="ابقوا في الغرفة المحصّنة أو في غرفة داخلية داخل البيت. لا تخرجوا إلى بيت الدرج أو إلى "
        "ملجأ عام حتى إشعار آخر.",
        en="Stay in the protected room (mamad) or an inner room of your home. Do not go out to "
        "the stairwell or a public shelter until further notice.",
    ),
    OverrideAction.AVOID_AREA: LocalText(
        he="התרחקו מהאזור המסומן ואל תתקרבו אליו עד להודעה חדשה.",
        ar="ابتعدوا عن المنطقة المحدّدة ولا تقتربوا منها حتى إشعار آخر.",
        en="Keep away from the marked area and do not approach it until further notice.",
    ),
}

OVERRIDE_WITHDRAWN = LocalText(
    he="ההנחיה בוטלה. פעלו לפי הנחיות פיקוד העורף.",
    ar="أُلغيت التعليمات. اعملوا وفق تعليمات قيادة الجبهة الداخلية.",
    en="This instruction is withdrawn. Follow the Home Front Command's instructions.",
)

DANGER_TITLES: dict[DangerReason, LocalText] = {
    DangerReason.ARMED_ATTACKERS: LocalText(
        he="אזור סכנה: מחבלים חמושים", ar="منطقة خطر: مسلّحون", en="Danger area: armed attackers"
    ),
    DangerReason.HOSTAGE_SITUATION: LocalText(
        he="אזור סכנה: אירוע בני ערובה",
        ar="منطقة خطر: حادثة احتجاز رهائن",
        en="Danger area: hostage situation",
    ),
    DangerReason.SUSPICIOUS_OBJECT: LocalText(
        he="אזור סכנה: חפץ חשוד", ar="منطقة خطر: جسم مشبوه", en="Danger area: suspicious object"
    ),
    DangerReason.IMPACT_SITE: LocalText(
        he="אזור סכנה: זירת נפילה", ar="منطقة خطر: موقع سقوط", en="Danger area: impact site"
    ),
    DangerReason.FIRE: LocalText(
        he="אזור סכנה: שריפה", ar="منطقة خطر: حريق", en="Danger area: fire"
    ),
    DangerReason.HAZARDOUS_MATERIALS: LocalText(
        he="אזור סכנה: חומרים מסוכנים",
        ar="منطقة خطر: مواد خطرة",
        en="Danger area: hazardous materials",
    ),
    DangerReason.STRUCTURAL_COLLAPSE: LocalText(
        he="אזור סכנה: קריסת מבנה", ar="منطقة خطر: انهيار مبنى", en="Danger area: building collapse"
    ),
    DangerReason.OTHER: LocalText(he="אזור סכנה", ar="منطقة خطر", en="Danger area"),
}

DANGER_LIFTED = LocalText(
    he="אזור הסכנה בוטל. ניתן לנוע באזור, בכפוף להנחיות פיקוד העורף.",
    ar="أُلغيت منطقة الخطر. يمكن التنقّل في المنطقة وفق تعليمات قيادة الجبهة الداخلية.",
    en="The danger area is lifted. You may move about the area, following the Home Front "
    "Command's instructions.",
)


# --- slice --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Logged:
    """One event of a thing's life as the log holds it: what CAP export turns into a message."""

    position: int
    recorded_at: datetime
    by: str | None  # account id of the actor
    event: Event


@dataclass
class OfficialAlert:
    alert_id: str
    category: AlertCategory
    zone_ids: tuple[str, ...]  # every zone the alert covers now, ended or not
    seconds_to_shelter: dict[str, int]  # zones without a value take the zone's own time
    areas: tuple[Circle | Polygon, ...]
    instruction: LocalText
    source: CapSource | OperatorSource  # of the latest message
    drill: bool
    issued_at: datetime
    expires_at: datetime | None
    issued_by: str | None
    ended_zones: dict[str, datetime] = field(default_factory=dict)
    ended_at: datetime | None = None  # when the last zone was given the all clear
    messages: list[Logged] = field(default_factory=list)

    @property
    def active_zones(self) -> tuple[str, ...]:
        """The zones still under the alert (ignoring expiry)."""
        return tuple(z for z in self.zone_ids if z not in self.ended_zones)

    def is_active(self, now: datetime) -> bool:
        """Whether the alert still holds somewhere at `now`."""
        return self.ended_at is None and (self.expires_at is None or now < self.expires_at)

    def closed_at(self) -> datetime | None:
        """When the alert stopped holding anywhere, if it has (end or expiry)."""
        return self.ended_at if self.ended_at is not None else self.expires_at


@dataclass
class DangerArea:
    area_id: str
    area: Circle | Polygon
    reason: DangerReason
    note: str
    threat_id: str | None
    starts_at: datetime
    declared_by: str | None
    declared_at: datetime
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    messages: list[Logged] = field(default_factory=list)

    def is_active(self, now: datetime) -> bool:
        """Whether the area is to be avoided at `now`."""
        return self.lifted_at is None and self.starts_at <= now


@dataclass
class ShelterState:
    shelter_id: str
    status: ShelterStatus
    note: str
    changed_at: datetime
    changed_by: str | None
    position: int


@dataclass
class GuidanceOverride:
    override_id: str
    action: OverrideAction
    zone_ids: tuple[str, ...]
    area: Circle | Polygon | None
    instruction: LocalText
    reason: str
    proposal_id: str | None
    expires_at: datetime | None
    issued_by: str | None
    issued_at: datetime
    cleared_at: datetime | None = None
    cleared_by: str | None = None
    messages: list[Logged] = field(default_factory=list)

    def is_active(self, now: datetime) -> bool:
        """Whether the override holds at `now`."""
        return self.cleared_at is None and (self.expires_at is None or now < self.expires_at)

    def closed_at(self) -> datetime | None:
        """When the override stopped holding, if it has."""
        return self.cleared_at if self.cleared_at is not None else self.expires_at


@dataclass
class ZoneGuidance:
    counts: dict[GuidanceAction, int]
    reason: GuidanceReason
    derived_from: int
    position: int


@dataclass
class Alerts:
    """Slice: official alerts (and which zones they hold), danger areas, shelters, overrides."""

    alerts: dict[str, OfficialAlert] = field(default_factory=dict)
    # zone id -> ids of alerts not yet ended there (expiry is a matter of `now`, checked on read)
    by_zone: dict[str, set[str]] = field(default_factory=dict)
    # (sender, identifier) of every imported CAP message -> the alert it shaped
    by_upstream: dict[tuple[str, str], str] = field(default_factory=dict)
    danger_areas: dict[str, DangerArea] = field(default_factory=dict)
    shelters: dict[str, ShelterState] = field(default_factory=dict)
    overrides: dict[str, GuidanceOverride] = field(default_factory=dict)
    guidance: dict[str, ZoneGuidance] = field(default_factory=dict)

    def active_alerts(self, now: datetime) -> list[OfficialAlert]:
        """Alerts holding somewhere at `now`, oldest first."""
        return [a for a in self.alerts.values() if a.is_active(now)]

    def alerts_in_zone(self, zone_id: str, now: datetime) -> list[OfficialAlert]:
        """Alerts holding in one zone at `now`, oldest first."""
        found = (self.alerts[i] for i in self.by_zone.get(zone_id, ()))
        live = [a for a in found if a.is_active(now)]
        return sorted(live, key=lambda a: a.messages[0].position)

    def active_danger_areas(self, now: datetime) -> list[DangerArea]:
        """Danger areas to avoid at `now`."""
        return [d for d in self.danger_areas.values() if d.is_active(now)]

    def active_overrides(self, now: datetime) -> list[GuidanceOverride]:
        """Operator overrides holding at `now`."""
        return [o for o in self.overrides.values() if o.is_active(now)]

    def shelter_status(self, shelter_id: str) -> ShelterStatus:
        """A shelter's status; a shelter nobody reported on is open."""
        known = self.shelters.get(shelter_id)
        return ShelterStatus.OPEN if known is None else known.status


# --- events -------------------------------------------------------------------------------


@event
class AlertIssued(Event):
    type: Literal["AlertIssued"] = "AlertIssued"
    alert_id: str
    category: AlertCategory
    zone_ids: tuple[str, ...]
    seconds_to_shelter: dict[str, int]
    areas: tuple[Area, ...]
    instruction: LocalText
    source: AlertSource
    drill: bool
    issued_at: datetime
    expires_at: datetime | None


@event
class AlertUpdated(Event):
    """The alert's full new definition (CAP `Update` semantics: it replaces the previous)."""

    type: Literal["AlertUpdated"] = "AlertUpdated"
    alert_id: str
    zone_ids: tuple[str, ...]
    seconds_to_shelter: dict[str, int]
    areas: tuple[Area, ...]
    instruction: LocalText
    source: AlertSource
    expires_at: datetime | None


@event
class AlertEnded(Event):
    """The all clear for some or all of an alert's zones."""

    type: Literal["AlertEnded"] = "AlertEnded"
    alert_id: str
    zone_ids: tuple[str, ...]
    remaining_zone_ids: tuple[str, ...]
    source: AlertSource
    # What the all clear told the public (`ALL_CLEAR_INSTRUCTIONS` when decided), kept so an
    # export says what was said then; None in logs from before it was kept (`said_at_end`).
    instruction: LocalText | None = None


@event
class DangerAreaDeclared(Event):
    type: Literal["DangerAreaDeclared"] = "DangerAreaDeclared"
    area_id: str
    area: Area
    reason: DangerReason
    note: str
    threat_id: str | None
    starts_at: datetime


@event
class DangerAreaUpdated(Event):
    """The danger area's full new definition."""

    type: Literal["DangerAreaUpdated"] = "DangerAreaUpdated"
    area_id: str
    area: Area
    reason: DangerReason
    note: str
    threat_id: str | None


@event
class DangerAreaLifted(Event):
    type: Literal["DangerAreaLifted"] = "DangerAreaLifted"
    area_id: str
    note: str = ""


@event
class ShelterStatusChanged(Event):
    type: Literal["ShelterStatusChanged"] = "ShelterStatusChanged"
    shelter_id: str
    status: ShelterStatus
    previous: ShelterStatus
    note: str = ""


@event
class GuidanceOverrideIssued(Event):
    type: Literal["GuidanceOverrideIssued"] = "GuidanceOverrideIssued"
    override_id: str
    action: OverrideAction
    zone_ids: tuple[str, ...]
    area: Area | None
    instruction: LocalText
    reason: str
    proposal_id: str | None
    expires_at: datetime | None


@event
class GuidanceOverrideCleared(Event):
    type: Literal["GuidanceOverrideCleared"] = "GuidanceOverrideCleared"
    override_id: str
    note: str = ""


@event
class GuidanceChanged(Event):
    """The guidance engine's summary for one zone: buildings per action, and why it changed."""

    type: Literal["GuidanceChanged"] = "GuidanceChanged"
    zone_id: str
    counts: dict[GuidanceAction, int]
    reason: GuidanceReason
    derived_from: int  # the log position the guidance was computed at


# --- commands -----------------------------------------------------------------------------

Zones = Annotated[tuple[ZoneId, ...], Field(max_length=MAX_ZONES)]
Areas = Annotated[tuple[Area, ...], Field(max_length=MAX_AREAS)]
SecondsByZone = Annotated[dict[ZoneId, Seconds], Field(max_length=MAX_ZONES)]
References = Annotated[tuple[CapRef, ...], Field(max_length=MAX_REFERENCES)]


class IssueAlert(Command):
    category: AlertCategory
    zone_ids: Annotated[tuple[ZoneId, ...], Field(min_length=1, max_length=MAX_ZONES)]
    seconds_to_shelter: SecondsByZone = Field(default_factory=dict)
    areas: Areas = ()
    instruction: LocalText | None = None  # languages left out get the Command's standard text
    source: AlertSource = OperatorSource()
    drill: bool = False
    issued_at: AwareDatetime | None = None  # upstream time; defaults to now
    expires_at: AwareDatetime | None = None


class _NamesAlert(Command):
    """A command about an existing alert, named by id or by the upstream messages it shaped."""

    alert_id: RefId | None = None
    references: References = ()

    @model_validator(mode="after")
    def _one_name(self) -> _NamesAlert:
        if (self.alert_id is None) == (not self.references):
            raise ValueError("name the alert either by alert_id or by CAP references")
        return self


class UpdateAlert(_NamesAlert):
    zone_ids: Annotated[tuple[ZoneId, ...], Field(min_length=1, max_length=MAX_ZONES)] | None = None
    seconds_to_shelter: SecondsByZone | None = None
    areas: Areas | None = None
    instruction: LocalText | None = None
    expires_at: AwareDatetime | None = None
    source: AlertSource = OperatorSource()


class EndAlert(_NamesAlert):
    zone_ids: Zones = ()  # none: every zone still under the alert
    source: AlertSource = OperatorSource()


class DeclareAllClear(Command):
    """End every active alert (of the given categories, or all) in the given zones."""

    zone_ids: Annotated[tuple[ZoneId, ...], Field(min_length=1, max_length=MAX_ZONES)]
    categories: Annotated[tuple[AlertCategory, ...], Field(max_length=20)] = ()
    source: AlertSource = OperatorSource()


class DeclareDangerArea(Command):
    area: Area
    reason: DangerReason
    note: FreeText = ""
    threat_id: RefId | None = None  # the picture's track or incident it is drawn around
    starts_at: AwareDatetime | None = None


class UpdateDangerArea(Command):
    area_id: RefId
    area: Area | None = None
    reason: DangerReason | None = None
    note: FreeText | None = None
    threat_id: RefId | None = None


class LiftDangerArea(Command):
    area_id: RefId
    note: FreeText = ""


class ChangeShelterStatus(Command):
    shelter_id: ShelterId
    status: ShelterStatus
    note: FreeText = ""


class IssueGuidanceOverride(Command):
    action: OverrideAction
    zone_ids: Zones = ()
    area: Area | None = None
    instruction: LocalText | None = None  # languages left out get the standard text
    reason: FreeText = ""
    proposal_id: RefId | None = None  # the system proposal this confirms
    expires_at: AwareDatetime | None = None


class ClearGuidanceOverride(Command):
    override_id: RefId
    note: FreeText = ""


GuidanceCounts = dict[GuidanceAction, Annotated[int, Field(ge=0, le=10_000_000)]]


class ZoneGuidanceSummary(BaseModel):
    """One zone's guidance after a recompute."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zone_id: ZoneId
    counts: GuidanceCounts
    reason: GuidanceReason

    @field_validator("counts")
    @classmethod
    def _drop_zero(cls, counts: dict[GuidanceAction, int]) -> dict[GuidanceAction, int]:
        # Zero counts carry nothing and would make equal summaries compare unequal.
        return {a: n for a, n in sorted(counts.items()) if n}


class RecordGuidanceChanges(Command):
    """Record the zones whose guidance changed after a recompute at `derived_from`."""

    derived_from: Annotated[int, Field(ge=0)]
    zones: Annotated[tuple[ZoneGuidanceSummary, ...], Field(min_length=1, max_length=20_000)]


# --- deciders -----------------------------------------------------------------------------


def _new_id(prefix: str, command_id: uuid.UUID) -> str:
    return f"{prefix}_{command_id.hex[:20]}"


def _slice(state: State) -> Alerts:
    return state.slice(Alerts)


def _unique(zone_ids: tuple[str, ...]) -> None:
    seen: set[str] = set()
    for z in zone_ids:
        if z in seen:
            raise InvalidCommand(f"zone {z} is listed twice")
        seen.add(z)


def _check_seconds(
    category: AlertCategory, zone_ids: tuple[str, ...], seconds: dict[str, int]
) -> None:
    if seconds and category not in SHELTER_CATEGORIES:
        raise InvalidCommand(
            f"seconds to shelter apply to rocket, missile and aircraft alerts, not {category}"
        )
    stray = sorted(set(seconds) - set(zone_ids))
    if stray:
        raise InvalidCommand(f"seconds to shelter name zone {stray[0]}, which the alert omits")


def _check_times(issued_at: datetime, expires_at: datetime | None, ctx: DecisionContext) -> None:
    if issued_at - ctx.now > MAX_FUTURE_SKEW:
        raise InvalidCommand("the alert's issue time is in the future; check the sender's clock")
    if ctx.now - issued_at > MAX_AGE:
        raise InvalidCommand("the alert was issued more than two days ago")
    if expires_at is not None:
        if expires_at <= issued_at:
            raise InvalidCommand("an alert must expire after it is issued")
        if expires_at <= ctx.now:
            raise InvalidCommand("the alert has already expired")


def _check_areas(areas: tuple[Circle | Polygon, ...]) -> None:
    if len(set(areas)) != len(areas):
        raise InvalidCommand("the same area is listed twice")


def _check_upstream(alerts: Alerts, source: CapSource | OperatorSource) -> None:
    if isinstance(source, CapSource):
        known = alerts.by_upstream.get((source.sender, source.identifier))
        if known is not None:
            raise Conflict(
                f"CAP message {source.identifier} from {source.sender} was already imported "
                f"(alert {known})"
            )


@decider(IssueAlert)
def _issue(state: State, cmd: IssueAlert, ctx: DecisionContext) -> list[Event]:
    alerts = _slice(state)
    _unique(cmd.zone_ids)
    _check_seconds(cmd.category, cmd.zone_ids, cmd.seconds_to_shelter)
    _check_areas(cmd.areas)
    issued_at = cmd.issued_at if cmd.issued_at is not None else ctx.now
    _check_times(issued_at, cmd.expires_at, ctx)
    _check_upstream(alerts, cmd.source)
    standard = CATEGORY_INSTRUCTIONS[cmd.category]
    return [
        AlertIssued(
            alert_id=_new_id("alr", cmd.command_id),
            category=cmd.category,
            zone_ids=cmd.zone_ids,
            seconds_to_shelter=dict(sorted(cmd.seconds_to_shelter.items())),
            areas=cmd.areas,
            instruction=(cmd.instruction or standard).over(standard),
            source=cmd.source,
            drill=cmd.drill,
            issued_at=issued_at,
            expires_at=cmd.expires_at,
        )
    ]


def named_alert(
    state: State, alert_id: str | None, references: tuple[CapRef, ...]
) -> OfficialAlert:
    """The alert a command names, by id or through the upstream CAP messages it references."""
    alerts = _slice(state)
    if alert_id is not None:
        found = alerts.alerts.get(alert_id)
        if found is None:
            raise NotFound(f"no alert {alert_id}")
        return found
    for ref in references:
        known = alerts.by_upstream.get((ref.sender, ref.identifier))
        if known is not None:
            return alerts.alerts[known]
    names = ", ".join(f"{r.identifier} from {r.sender}" for r in references)
    raise NotFound(f"none of the referenced CAP messages ({names}) was imported here")


def _live(alert: OfficialAlert, ctx: DecisionContext) -> OfficialAlert:
    if alert.ended_at is not None:
        raise InvalidCommand(f"alert {alert.alert_id} already ended")
    if alert.expires_at is not None and alert.expires_at <= ctx.now:
        raise InvalidCommand(f"alert {alert.alert_id} expired at {alert.expires_at.isoformat()}")
    return alert


@decider(UpdateAlert)
def _update(state: State, cmd: UpdateAlert, ctx: DecisionContext) -> list[Event]:
    alert = _live(named_alert(state, cmd.alert_id, cmd.references), ctx)
    _check_upstream(_slice(state), cmd.source)
    zone_ids = cmd.zone_ids if cmd.zone_ids is not None else alert.active_zones
    _unique(zone_ids)
    if cmd.seconds_to_shelter is not None:
        seconds = dict(cmd.seconds_to_shelter)
    else:  # keep the times of the zones that stay
        seconds = {z: s for z, s in alert.seconds_to_shelter.items() if z in zone_ids}
    _check_seconds(alert.category, zone_ids, seconds)
    areas = cmd.areas if cmd.areas is not None else alert.areas
    _check_areas(areas)
    instruction = alert.instruction
    if cmd.instruction is not None:
        instruction = cmd.instruction.over(CATEGORY_INSTRUCTIONS[alert.category])
    expires_at = cmd.expires_at if cmd.expires_at is not None else alert.expires_at
    if expires_at is not None and expires_at <= ctx.now:
        raise InvalidCommand("the new expiry time has already passed")
    seconds = dict(sorted(seconds.items()))
    unchanged = (
        zone_ids == alert.active_zones
        and seconds == alert.seconds_to_shelter
        and areas == alert.areas
        and instruction == alert.instruction
        and expires_at == alert.expires_at
    )
    if unchanged and isinstance(cmd.source, OperatorSource):
        raise InvalidCommand("the update changes nothing")
    return [
        AlertUpdated(
            alert_id=alert.alert_id,
            zone_ids=zone_ids,
            seconds_to_shelter=seconds,
            areas=areas,
            instruction=instruction,
            source=cmd.source,
            expires_at=expires_at,
        )
    ]


@decider(EndAlert)
def _end(state: State, cmd: EndAlert, ctx: DecisionContext) -> list[Event]:
    alert = _live(named_alert(state, cmd.alert_id, cmd.references), ctx)
    _check_upstream(_slice(state), cmd.source)
    _unique(cmd.zone_ids)
    remaining = alert.active_zones
    for z in cmd.zone_ids:
        if z not in alert.zone_ids:
            raise InvalidCommand(f"alert {alert.alert_id} does not cover zone {z}")
        if z in alert.ended_zones:
            raise InvalidCommand(f"zone {z} already has the all clear for alert {alert.alert_id}")
    ending = cmd.zone_ids or remaining
    return [
        AlertEnded(
            alert_id=alert.alert_id,
            zone_ids=ending,
            remaining_zone_ids=tuple(z for z in remaining if z not in ending),
            source=cmd.source,
            instruction=ALL_CLEAR_INSTRUCTIONS[alert.category],
        )
    ]


@decider(DeclareAllClear)
def _all_clear(state: State, cmd: DeclareAllClear, ctx: DecisionContext) -> list[Event]:
    _unique(cmd.zone_ids)
    alerts = _slice(state)
    _check_upstream(alerts, cmd.source)
    wanted = set(cmd.zone_ids)
    out: list[Event] = [
        AlertEnded(
            alert_id=alert.alert_id,
            zone_ids=tuple(z for z in alert.active_zones if z in wanted),
            remaining_zone_ids=tuple(z for z in alert.active_zones if z not in wanted),
            source=cmd.source,
            instruction=ALL_CLEAR_INSTRUCTIONS[alert.category],
        )
        for alert in _cleared_by(alerts, cmd, ctx.now)
    ]
    if not out:
        raise InvalidCommand("no active alert holds in these zones; there is nothing to clear")
    return out


def _cleared_by(alerts: Alerts, cmd: DeclareAllClear, now: datetime) -> list[OfficialAlert]:
    """The alerts (of the all clear's categories) still holding at `now` in one of its zones.

    An all clear imported from upstream ends only what that sender issued: never the town's
    own alerts (an upstream "the event has ended" after a barrage must not lift a lock-in the
    town declared against attackers in its streets), and an infiltration alert only when it
    names that category (ending a lock-in is never implied)."""
    wanted = set(cmd.zone_ids)
    sender = cmd.source.sender if isinstance(cmd.source, CapSource) else None
    return [
        a
        for a in alerts.active_alerts(now)
        if (a.category in cmd.categories if cmd.categories else _implied(a, sender))
        and wanted.intersection(a.active_zones)
        and (sender is None or _issued_by_sender(a, sender))
    ]


def _implied(alert: OfficialAlert, sender: str | None) -> bool:
    """Whether an all clear naming no category ends this alert: the operator's ends any; an
    imported one, any but an infiltration alert."""
    return sender is None or alert.category is not AlertCategory.TERRORIST_INFILTRATION


def _issued_by_sender(alert: OfficialAlert, sender: str) -> bool:
    """Whether a message of the alert came from this upstream sender."""
    return any(
        isinstance(source := getattr(m.event, "source", None), CapSource)
        and source.sender == sender
        for m in alert.messages
    )


def already_over(state: State, command: Command, now: datetime) -> str | None:
    """Why an end or all clear has nothing left to end at `now`; None if it has (or if the
    command is neither).

    An end of an alert that has ended or expired, or of zones that all have the all clear
    already, and an all clear for zones where no alert (of its categories) holds, ask for what
    is already true. A CAP import answers so without appending anything (an upstream Cancel of
    what is over is not an error); the deciders refuse them. An end naming no alert known here
    is not "over": the decider's refusal names what is missing.
    """
    if isinstance(command, EndAlert):
        return _ended_already(state, command, now)
    if isinstance(command, DeclareAllClear) and not _cleared_by(_slice(state), command, now):
        source = command.source
        whose = f" from {source.sender}" if isinstance(source, CapSource) else ""
        return f"no alert{whose} is in force in {', '.join(command.zone_ids)}: already over"
    return None


def _ended_already(state: State, cmd: EndAlert, now: datetime) -> str | None:
    try:
        alert = named_alert(state, cmd.alert_id, cmd.references)
    except NotFound:
        return None
    over = f"alert {alert.alert_id} is already over"
    if alert.ended_at is not None:
        return f"{over} (ended {alert.ended_at.isoformat()})"
    if alert.expires_at is not None and alert.expires_at <= now:
        return f"{over} (expired {alert.expires_at.isoformat()})"
    if cmd.zone_ids and all(z in alert.ended_zones for z in cmd.zone_ids):
        return f"{over} in {', '.join(cmd.zone_ids)}"
    return None


def _check_danger_size(area: Circle | Polygon) -> None:
    if isinstance(area, Circle) and area.radius_m > MAX_DANGER_RADIUS_M:
        raise InvalidCommand(
            f"a danger area's radius may be at most {MAX_DANGER_RADIUS_M / 1000:g} km; "
            "for a wider area issue a zone alert"
        )
    if isinstance(area, Polygon) and area.span_m() > MAX_DANGER_SPAN_M:
        raise InvalidCommand(
            f"a danger area may span at most {MAX_DANGER_SPAN_M / 1000:g} km; "
            "for a wider area issue a zone alert"
        )


def _check_threat(state: State, threat_id: str, now: datetime) -> None:
    """Refuse a danger area drawn around what the picture does not have.

    Guidance takes an area with a threat as a ground danger, and dispatch opens it to those
    sent to that threat, so the id must name one: a threat track, open (a stale one too:
    attackers who stop being reported may be hiding in a house), an SOS (an incident is
    named by its first), or a responder (a wounded one's task). A track closed as a false
    alarm or neutralised is refused: reopen it if the group is back. A merged one is refused
    naming the track it went into."""
    from magen.domain.picture import Picture
    from magen.domain.reports import Reports
    from magen.domain.responders import Responders
    from magen.picture.acts import UnknownTrack
    from magen.picture.fusion import TrackStatus

    if threat_id in state.slice(Reports).sos or threat_id in state.slice(Responders).by_id:
        return
    try:
        track = state.slice(Picture).fuser.track(threat_id, now)
    except UnknownTrack:
        raise NotFound(
            f"no threat track, SOS or responder {threat_id} to draw the danger area around",
            rule="threat_not_found",
        ) from None
    if track.status is TrackStatus.MERGED:
        raise InvalidCommand(
            f"track {threat_id} was merged into {track.merged_into}; name that track",
            rule="track_closed",
        )
    if not track.open:
        raise InvalidCommand(
            f"track {threat_id} is closed ({track.status.value}); reopen it if the group is back",
            rule="track_closed",
        )


@decider(DeclareDangerArea)
def _declare(state: State, cmd: DeclareDangerArea, ctx: DecisionContext) -> list[Event]:
    _check_danger_size(cmd.area)
    if cmd.threat_id is not None:
        _check_threat(state, cmd.threat_id, ctx.now)
    starts_at = cmd.starts_at if cmd.starts_at is not None else ctx.now
    if starts_at - ctx.now > MAX_SCHEDULE_AHEAD:
        raise InvalidCommand("a danger area may start at most a day ahead")
    if ctx.now - starts_at > MAX_AGE:
        raise InvalidCommand("a danger area may not start more than two days ago")
    return [
        DangerAreaDeclared(
            area_id=_new_id("dgr", cmd.command_id),
            area=cmd.area,
            reason=cmd.reason,
            note=cmd.note,
            threat_id=cmd.threat_id,
            starts_at=starts_at,
        )
    ]


def standing_danger_area(state: State, area_id: str) -> DangerArea:
    """The danger area with this id, if it is not lifted."""
    area = _slice(state).danger_areas.get(area_id)
    if area is None:
        raise NotFound(f"no danger area {area_id}")
    if area.lifted_at is not None:
        raise InvalidCommand(f"danger area {area_id} was already lifted")
    return area


@decider(UpdateDangerArea)
def _update_danger(state: State, cmd: UpdateDangerArea, ctx: DecisionContext) -> list[Event]:
    current = standing_danger_area(state, cmd.area_id)
    area = cmd.area if cmd.area is not None else current.area
    _check_danger_size(area)
    if cmd.threat_id is not None and cmd.threat_id != current.threat_id:
        _check_threat(state, cmd.threat_id, ctx.now)
    updated = DangerAreaUpdated(
        area_id=cmd.area_id,
        area=area,
        reason=cmd.reason if cmd.reason is not None else current.reason,
        note=cmd.note if cmd.note is not None else current.note,
        threat_id=cmd.threat_id if cmd.threat_id is not None else current.threat_id,
    )
    if (updated.area, updated.reason, updated.note, updated.threat_id) == (
        current.area,
        current.reason,
        current.note,
        current.threat_id,
    ):
        raise InvalidCommand("the update changes nothing")
    return [updated]


@decider(LiftDangerArea)
def _lift(state: State, cmd: LiftDangerArea, ctx: DecisionContext) -> list[Event]:
    standing_danger_area(state, cmd.area_id)
    return [DangerAreaLifted(area_id=cmd.area_id, note=cmd.note)]


@decider(ChangeShelterStatus)
def _shelter(state: State, cmd: ChangeShelterStatus, ctx: DecisionContext) -> list[Event]:
    alerts = _slice(state)
    previous = alerts.shelter_status(cmd.shelter_id)
    known = alerts.shelters.get(cmd.shelter_id)
    note = known.note if known is not None else ""
    if previous is cmd.status and note == cmd.note:
        raise InvalidCommand(f"shelter {cmd.shelter_id} is already {cmd.status.value}")
    return [
        ShelterStatusChanged(
            shelter_id=cmd.shelter_id, status=cmd.status, previous=previous, note=cmd.note
        )
    ]


@decider(IssueGuidanceOverride)
def _override(state: State, cmd: IssueGuidanceOverride, ctx: DecisionContext) -> list[Event]:
    if not cmd.zone_ids and cmd.area is None:
        raise InvalidCommand("an override needs zones or an area to apply to")
    if cmd.action is OverrideAction.AVOID_AREA and cmd.area is None:
        raise InvalidCommand("an order to avoid an area needs the area")
    _unique(cmd.zone_ids)
    if cmd.area is not None:
        _check_danger_size(cmd.area)
    if cmd.expires_at is not None and cmd.expires_at <= ctx.now:
        raise InvalidCommand("the override would expire before it starts")
    if cmd.proposal_id is not None:
        for other in _slice(state).active_overrides(ctx.now):
            if other.proposal_id == cmd.proposal_id:
                raise Conflict(
                    f"proposal {cmd.proposal_id} is already confirmed by override "
                    f"{other.override_id}"
                )
    standard = OVERRIDE_INSTRUCTIONS[cmd.action]
    return [
        GuidanceOverrideIssued(
            override_id=_new_id("ovr", cmd.command_id),
            action=cmd.action,
            zone_ids=cmd.zone_ids,
            area=cmd.area,
            instruction=(cmd.instruction or standard).over(standard),
            reason=cmd.reason,
            proposal_id=cmd.proposal_id,
            expires_at=cmd.expires_at,
        )
    ]


@decider(ClearGuidanceOverride)
def _clear_override(state: State, cmd: ClearGuidanceOverride, ctx: DecisionContext) -> list[Event]:
    found = _slice(state).overrides.get(cmd.override_id)
    if found is None:
        raise NotFound(f"no override {cmd.override_id}")
    if found.cleared_at is not None:
        raise InvalidCommand(f"override {cmd.override_id} was already cleared")
    if found.expires_at is not None and found.expires_at <= ctx.now:
        raise InvalidCommand(f"override {cmd.override_id} already expired")
    return [GuidanceOverrideCleared(override_id=cmd.override_id, note=cmd.note)]


@decider(RecordGuidanceChanges)
def _guidance(state: State, cmd: RecordGuidanceChanges, ctx: DecisionContext) -> list[Event]:
    if cmd.derived_from > state.position:
        raise InvalidCommand(
            f"guidance cannot derive from log position {cmd.derived_from}; "
            f"the log is at {state.position}"
        )
    recorded = _slice(state).guidance
    _unique(tuple(z.zone_id for z in cmd.zones))
    out: list[Event] = []
    for z in cmd.zones:
        before = recorded.get(z.zone_id)
        if before is not None and before.derived_from > cmd.derived_from:
            raise Conflict(
                f"zone {z.zone_id} already has guidance from position {before.derived_from}, "
                f"newer than {cmd.derived_from}; recompute"
            )
        if before is not None and before.counts == z.counts:
            continue
        out.append(
            GuidanceChanged(
                zone_id=z.zone_id, counts=z.counts, reason=z.reason, derived_from=cmd.derived_from
            )
        )
    return out


# --- evolvers -----------------------------------------------------------------------------


def _logged(r: Recorded) -> Logged:
    return Logged(
        position=r.position, recorded_at=r.recorded_at, by=r.actor.account_id, event=r.event
    )


def _note_upstream(alerts: Alerts, source: CapSource | OperatorSource, alert_id: str) -> None:
    if isinstance(source, CapSource):
        alerts.by_upstream[(source.sender, source.identifier)] = alert_id


@evolver(AlertIssued)
def _on_issued(state: State, e: AlertIssued, r: Recorded) -> None:
    alerts = _slice(state)
    alerts.alerts[e.alert_id] = OfficialAlert(
        alert_id=e.alert_id,
        category=e.category,
        zone_ids=e.zone_ids,
        seconds_to_shelter=dict(e.seconds_to_shelter),
        areas=e.areas,
        instruction=e.instruction,
        source=e.source,
        drill=e.drill,
        issued_at=e.issued_at,
        expires_at=e.expires_at,
        issued_by=r.actor.account_id,
        messages=[_logged(r)],
    )
    for z in e.zone_ids:
        alerts.by_zone.setdefault(z, set()).add(e.alert_id)
    _note_upstream(alerts, e.source, e.alert_id)


def _unindex(alerts: Alerts, zone_id: str, alert_id: str) -> None:
    held = alerts.by_zone.get(zone_id)
    if held is not None:
        held.discard(alert_id)
        if not held:
            del alerts.by_zone[zone_id]


@evolver(AlertUpdated)
def _on_updated(state: State, e: AlertUpdated, r: Recorded) -> None:
    alerts = _slice(state)
    alert = alerts.alerts.get(e.alert_id)
    if alert is None:
        return
    for z in alert.active_zones:
        _unindex(alerts, z, e.alert_id)
    # An update is a full new definition: zones it lists are under the alert again.
    alert.zone_ids = e.zone_ids
    alert.ended_zones = {z: t for z, t in alert.ended_zones.items() if z not in e.zone_ids}
    alert.seconds_to_shelter = dict(e.seconds_to_shelter)
    alert.areas = e.areas
    alert.instruction = e.instruction
    alert.source = e.source
    alert.expires_at = e.expires_at
    alert.messages.append(_logged(r))
    for z in e.zone_ids:
        alerts.by_zone.setdefault(z, set()).add(e.alert_id)
    _note_upstream(alerts, e.source, e.alert_id)


@evolver(AlertEnded)
def _on_ended(state: State, e: AlertEnded, r: Recorded) -> None:
    alerts = _slice(state)
    alert = alerts.alerts.get(e.alert_id)
    if alert is None:
        return
    for z in e.zone_ids:
        alert.ended_zones[z] = r.recorded_at
        _unindex(alerts, z, e.alert_id)
    if not alert.active_zones:
        alert.ended_at = r.recorded_at
    alert.source = e.source
    alert.messages.append(_logged(r))
    _note_upstream(alerts, e.source, e.alert_id)


@evolver(DangerAreaDeclared)
def _on_declared(state: State, e: DangerAreaDeclared, r: Recorded) -> None:
    _slice(state).danger_areas[e.area_id] = DangerArea(
        area_id=e.area_id,
        area=e.area,
        reason=e.reason,
        note=e.note,
        threat_id=e.threat_id,
        starts_at=e.starts_at,
        declared_by=r.actor.account_id,
        declared_at=r.recorded_at,
        messages=[_logged(r)],
    )


@evolver(DangerAreaUpdated)
def _on_danger_updated(state: State, e: DangerAreaUpdated, r: Recorded) -> None:
    area = _slice(state).danger_areas.get(e.area_id)
    if area is None:
        return
    area.area = e.area
    area.reason = e.reason
    area.note = e.note
    area.threat_id = e.threat_id
    area.messages.append(_logged(r))


@evolver(DangerAreaLifted)
def _on_lifted(state: State, e: DangerAreaLifted, r: Recorded) -> None:
    area = _slice(state).danger_areas.get(e.area_id)
    if area is None:
        return
    area.lifted_at = r.recorded_at
    area.lifted_by = r.actor.account_id
    area.messages.append(_logged(r))


@evolver(ShelterStatusChanged)
def _on_shelter(state: State, e: ShelterStatusChanged, r: Recorded) -> None:
    _slice(state).shelters[e.shelter_id] = ShelterState(
        shelter_id=e.shelter_id,
        status=e.status,
        note=e.note,
        changed_at=r.recorded_at,
        changed_by=r.actor.account_id,
        position=r.position,
    )


@evolver(GuidanceOverrideIssued)
def _on_override(state: State, e: GuidanceOverrideIssued, r: Recorded) -> None:
    _slice(state).overrides[e.override_id] = GuidanceOverride(
        override_id=e.override_id,
        action=e.action,
        zone_ids=e.zone_ids,
        area=e.area,
        instruction=e.instruction,
        reason=e.reason,
        proposal_id=e.proposal_id,
        expires_at=e.expires_at,
        issued_by=r.actor.account_id,
        issued_at=r.recorded_at,
        messages=[_logged(r)],
    )


@evolver(GuidanceOverrideCleared)
def _on_override_cleared(state: State, e: GuidanceOverrideCleared, r: Recorded) -> None:
    found = _slice(state).overrides.get(e.override_id)
    if found is None:
        return
    found.cleared_at = r.recorded_at
    found.cleared_by = r.actor.account_id
    found.messages.append(_logged(r))


@evolver(GuidanceChanged)
def _on_guidance(state: State, e: GuidanceChanged, r: Recorded) -> None:
    _slice(state).guidance[e.zone_id] = ZoneGuidance(
        counts=dict(e.counts), reason=e.reason, derived_from=e.derived_from, position=r.position
    )
