"""Values that describe a person, shared by casualties and missing-person reports.

Names are kept in whatever script they were given (Hebrew, Arabic, Latin, Cyrillic, Thai...)
and normalised to Unicode NFC so that the same name typed on two keyboards compares equal.
Descriptions follow what people remember of a stranger: sex, age range, build, hair,
clothing and distinguishing marks; every part is optional.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from magen.domain.base import DecisionContext
from magen.domain.errors import InvalidCommand
from magen.domain.values import STORED, exchangeable

# A device's clock may be off; beyond this a claimed time is refused rather than trusted.
MAX_FUTURE_SKEW = timedelta(minutes=5)
# Another repository's dates of its own records (PFIF source_date, entry_date): its clock and
# its time zone, not this device's. A local time written as UTC puts Israel's records two or
# three hours ahead; a day ahead is taken as written, beyond that the date is wrong.
MAX_PROVENANCE_AHEAD = timedelta(days=1)
# People report what they saw days later (a missing person last seen on the first morning).
MAX_CLAIMED_AGE = timedelta(days=30)
MAX_AGE_YEARS = 130
MAX_ALTERNATE_NAMES = 20

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# PFIF record ids: a lowercase domain naming the home repository, "/", a local id.
RECORD_ID = re.compile(r"^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?/[\x21-\x7e]+$")
_PHONE = re.compile(r"^[-+()\d ]{3,40}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")

Name = Annotated[str, Field(min_length=1, max_length=200)]
Line = Annotated[str, Field(max_length=200)]
Note = Annotated[str, Field(max_length=2000)]


def clean_text(value: str) -> str:
    """Normalise to NFC and collapse runs of whitespace, so equal names compare equal."""
    return " ".join(unicodedata.normalize("NFC", value).split())


# Bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI,
# PDI): typed into a name or a note they reverse or reorder what every later reader is shown
# ("\u202eevil" reads "live"), and no keyboard types them. The marks a right-to-left name
# needs (LRM, RLM, ALM) and the joiners Persian and Arabic need (ZWJ, ZWNJ) are not these.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Letters that show nothing (Hangul fillers, the blank braille pattern): not a name.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def typed(text: str) -> str:
    """The text, if a person may have typed it: no control character (`exchangeable`) and no
    bidirectional embedding, override or isolate (a validator's, for commands only)."""
    exchangeable(text)
    if _BIDI_CONTROL.search(text):
        raise ValueError(
            "text holds a bidirectional control character (U+202A-U+202E, U+2066-U+2069), "
            "which reorders what is shown; remove it"
        )
    return text


def shows_a_letter(text: str) -> bool:
    """Whether the text shows a letter (of any script), not only spaces, format characters (a
    zero-width space, direction marks), combining marks, digits or punctuation."""
    return any(unicodedata.category(c)[0] == "L" and c not in _BLANK_LETTERS for c in text)


def shows_something(text: str) -> bool:
    """Whether the text shows anything: a character that is not a space, a format character
    (a zero-width space, a direction mark) or a mark combining with nothing."""
    return any(not c.isspace() and unicodedata.category(c) not in _UNSEEN for c in text)


_UNSEEN = frozenset({"Cf", "Mn", "Me", "Cc"})


def given_text(value: str, info: ValidationInfo) -> str:
    """`clean_text` of what a person typed, refusing control characters (a validator's).

    What the log already holds is read as it was written (`STORED`): a name taken before
    control characters were refused must not make the log unreadable.
    """
    if info.context is STORED:
        return clean_text(value)
    return clean_text(typed(value))


def given_exchangeable(value: str, info: ValidationInfo) -> str:
    """`typed` for what a person typed (a validator's), the text kept as it is.

    What the log already holds is read as it was written (`STORED`), as `given_text`.
    """
    return value if info.context is STORED else typed(value)


# Free text a person gives, refused when it holds a control character (XML cannot carry one).
Given = AfterValidator(given_exchangeable)


def exchangeable_part(text: str) -> str:
    """The text without the characters `typed` refuses: for text made from what the log
    holds (a record written before they were refused), never for what a person gives."""
    try:
        return typed(text)
    except ValueError:
        return "".join(c for c in text if _exchangeable_char(c))


def _exchangeable_char(c: str) -> bool:
    try:
        typed(c)
    except ValueError:
        return False
    return True


def observed_time(
    claimed: datetime | None, ctx: DecisionContext, *, historical: bool = False
) -> datetime:
    """The time a command claims something happened, or now; refuse implausible claims.

    `historical` admits old times (records imported from another repository keep their own
    dates); a time in the future is refused either way.
    """
    if claimed is None:
        return ctx.now
    if claimed - ctx.now > MAX_FUTURE_SKEW:
        raise InvalidCommand(
            "the time given is in the future; check the device clock", rule="time_in_future"
        )
    if not historical and ctx.now - claimed > MAX_CLAIMED_AGE:
        raise InvalidCommand("the time given is more than 30 days ago", rule="time_too_old")
    return claimed


class Sex(StrEnum):
    """Physical sex as PFIF records it; unknown is left out."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Build(StrEnum):
    """Body build as a witness would put it."""

    SLIGHT = "slight"
    MEDIUM = "medium"
    HEAVY = "heavy"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PersonName(_Value):
    """A person's name as given, in any script, with alternates (transliterations, nicknames)."""

    full_name: Name
    given_name: Name | None = None
    family_name: Name | None = None
    alternates: tuple[Name, ...] = Field(default=(), max_length=MAX_ALTERNATE_NAMES)

    @field_validator("full_name", "given_name", "family_name")
    @classmethod
    def _clean(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return None
        cleaned = given_text(v, info)
        # Invisible characters alone (a zero-width space, a direction mark) are no name; a
        # name the log already holds is read as written.
        if not cleaned or (info.context is not STORED and not shows_a_letter(cleaned)):
            raise ValueError("a name cannot be blank (it shows no letter)")
        return cleaned

    @field_validator("alternates")
    @classmethod
    def _clean_alternates(cls, v: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for name in v:
            cleaned = given_text(name, info)
            if cleaned and (info.context is STORED or shows_a_letter(cleaned)):
                seen.setdefault(cleaned, None)
        return tuple(seen)

    def all_names(self) -> tuple[str, ...]:
        """The full name, the given/family split when it adds something, and alternates."""
        names = [self.full_name]
        if self.given_name and self.family_name:
            names.append(f"{self.given_name} {self.family_name}")
        names.extend(self.alternates)
        return tuple(dict.fromkeys(names))


class AgeRange(_Value):
    """An age in whole years, exact (min == max) or as a range a witness would give."""

    min_years: Annotated[int, Field(ge=0, le=MAX_AGE_YEARS)]
    max_years: Annotated[int, Field(ge=0, le=MAX_AGE_YEARS)]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min_years > self.max_years:
            raise ValueError("the youngest age cannot be above the oldest")
        return self

    @classmethod
    def exactly(cls, years: int) -> AgeRange:
        """An exact age."""
        return cls(min_years=years, max_years=years)


class Description(_Value):
    """What can be seen of a person; every part optional."""

    sex: Sex | None = None
    age: AgeRange | None = None
    build: Build | None = None
    height_cm: Annotated[int, Field(ge=30, le=250)] | None = None
    hair: Annotated[str, Field(max_length=200)] = ""
    eyes: Annotated[str, Field(max_length=100)] = ""
    clothing: Note = ""
    marks: Note = ""  # scars, tattoos, birthmarks, piercings, jewellery
    other: Note = ""

    @field_validator("hair", "eyes", "clothing", "marks", "other")
    @classmethod
    def _clean(cls, v: str, info: ValidationInfo) -> str:
        return given_exchangeable(unicodedata.normalize("NFC", v).strip(), info)

    def merged(self, newer: Description) -> Description:
        """This description with every part the newer one states replacing the old."""
        given = newer.model_dump(exclude_defaults=True)
        return self.model_copy(update={k: getattr(newer, k) for k in given})

    def is_empty(self) -> bool:
        """Whether nothing at all is described."""
        return self == Description()


class Contact(_Value):
    """How to reach the person who filed a report (a relative, a shelter desk)."""

    name: Name
    relation: Annotated[str, Field(max_length=100), Given] = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    email: Annotated[str, Field(max_length=200), Given] = ""

    @field_validator("name")
    @classmethod
    def _clean_name(cls, v: str, info: ValidationInfo) -> str:
        return given_text(v, info)

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str) -> str:
        v = v.strip()
        if v and not _PHONE.match(v):
            raise ValueError("a phone number has digits, spaces, '+', '-' and brackets only")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        v = v.strip()
        if v and not _EMAIL.match(v):
            raise ValueError("an e-mail address looks like name@example.org")
        return v


def check_partial_date(value: str) -> str:
    """Return a YYYY, YYYY-MM or YYYY-MM-DD date if it is a real (possibly partial) date."""
    if not _PARTIAL_DATE.match(value):
        raise ValueError(f"a date of birth is YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
    parts = [int(p) for p in value.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise ValueError(f"{value!r} is not a date") from None
    return value


PartialDate = Annotated[str, Field(min_length=4, max_length=10)]


class BirthAfterDay(ValueError):
    """A date of birth after the day it is read on (even its earliest day)."""


class BirthTooLongAgo(ValueError):
    """A date of birth that makes the person older than anyone lives (`MAX_AGE_YEARS`)."""


def age_from_birth(born: str, on: date) -> AgeRange:
    """The age range implied by a (possibly partial) date of birth on a given day.

    Raises `BirthAfterDay` for a birth after `on`, `BirthTooLongAgo` for one that makes
    even its youngest age above `MAX_AGE_YEARS` (both are ValueErrors).
    """
    parts = [int(p) for p in check_partial_date(born).split("-")]
    year = parts[0]
    month_range = (parts[1], parts[1]) if len(parts) > 1 else (1, 12)
    day_range = (parts[2], parts[2]) if len(parts) > 2 else (1, 31)

    def age(month: int, day: int) -> int:
        return on.year - year - ((on.month, on.day) < (month, day))

    # The earliest possible birthday gives the oldest age, the latest the youngest.
    oldest = age(month_range[0], day_range[0])
    youngest = age(month_range[1], day_range[1])
    if oldest < 0:
        raise BirthAfterDay(f"date of birth {born} is after {on.isoformat()}")
    if youngest > MAX_AGE_YEARS:
        raise BirthTooLongAgo(
            f"date of birth {born} makes an age of {youngest} on {on.isoformat()},"
            f" above {MAX_AGE_YEARS}"
        )
    return AgeRange(min_years=max(youngest, 0), max_years=min(oldest, MAX_AGE_YEARS))


class Address(_Value):
    """A home address in PFIF's parts; the street without its number, for privacy."""

    street: Line = ""
    neighborhood: Line = ""
    city: Line = ""
    state: Line = ""
    postal_code: Annotated[str, Field(max_length=20)] = ""
    country: Annotated[str, Field(max_length=10)] = ""  # ISO 3166-1 alpha-2

    @field_validator("street", "neighborhood", "city", "state", "postal_code")
    @classmethod
    def _clean(cls, v: str, info: ValidationInfo) -> str:
        return given_text(v, info)

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        v = v.strip().upper()
        if v and not _COUNTRY.match(v):
            raise ValueError("a country is a two-letter ISO 3166-1 code such as IL")
        return v

    def is_empty(self) -> bool:
        """Whether no part is known."""
        return self == Address()


class Provenance(_Value):
    """Where an imported record came from (PFIF: data must stay traceable to its source)."""

    record_id: Annotated[str, Field(min_length=3, max_length=500)]
    source_date: datetime
    source_name: Annotated[Line, Given] = ""
    source_url: Annotated[str, Field(max_length=2000), Given] = ""
    author_name: Annotated[Line, Given] = ""

    @field_validator("record_id")
    @classmethod
    def _record_id(cls, v: str) -> str:
        if not RECORD_ID.match(v):
            raise ValueError("a record id is a lowercase domain, '/', and a local id")
        return v

    @field_validator("source_date")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("source_date needs a timezone")
        return v
