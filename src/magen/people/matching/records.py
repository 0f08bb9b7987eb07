"""The records linked: what is known of one person in one report or record (`PersonRecord`),
and which kind of record it is (`RecordKind`: a missing-person report, a casualty, a survivor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class RecordKind(StrEnum):
    """What a person record is."""

    MISSING = "missing"  # a report that someone is missing
    CASUALTY = "casualty"  # a casualty, named or described only
    SURVIVOR = "survivor"  # someone who checked in as safe


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """What is known of one person in one report or record; None means unknown."""

    id: str
    kind: RecordKind
    names: tuple[str, ...] = ()  # full names in any script; alternates welcome
    sex: str | None = None  # "male" or "female"
    age_min: float | None = None
    age_max: float | None = None
    birth_date: date | None = None
    hair: str | None = None
    build: str | None = None
    clothing: str | None = None
    marks: str | None = None
    lon: float | None = None
    lat: float | None = None
    time: datetime | None = None  # last seen (missing) or found / checked in
