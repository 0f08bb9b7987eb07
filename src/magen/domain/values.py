"""Value types shared by every part of the domain."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Role(StrEnum):
    """What an account may do; checked only in app/auth.py."""

    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    RESPONDER = "responder"
    MEDIC = "medic"
    HOSPITAL = "hospital"
    REGISTRAR = "registrar"
    ANALYST = "analyst"
    RESIDENT = "resident"
    ANONYMOUS = "anonymous"


class SourceTier(StrEnum):
    """How far a report can be trusted, from who made it (architecture decision 3)."""

    VERIFIED = "verified"  # a checked-in responder, medic, dispatcher or admin
    REGISTERED = "registered"  # a resident with an account
    ANONYMOUS = "anonymous"  # anyone


OPERATOR_ROLES = frozenset({Role.ADMIN, Role.DISPATCHER})
VERIFIED_ROLES = frozenset(
    {Role.ADMIN, Role.DISPATCHER, Role.RESPONDER, Role.MEDIC, Role.HOSPITAL, Role.REGISTRAR}
)


def tier_of(role: Role) -> SourceTier:
    """The source tier of a report made under a role."""
    if role in VERIFIED_ROLES:
        return SourceTier.VERIFIED
    if role is Role.ANONYMOUS:
        return SourceTier.ANONYMOUS
    return SourceTier.REGISTERED


Latitude = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False)]
# Characters XML 1.0 cannot carry (C0 controls but tab, newline and return; surrogates; the
# non-characters U+FFFE and U+FFFF): text holding one could be logged but never exported as
# CAP, PFIF or EDXL, so it is refused at the door.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


# The validation context of what the log already holds (`magen.app.codec.decode`): checks
# added to commands later must not refuse what an earlier version wrote.
STORED: dict[str, bool] = {"stored": True}


def exchangeable(text: str) -> str:
    """The text, if every character can be exchanged (XML 1.0 carries no control characters)."""
    if _NOT_IN_XML.search(text):
        raise ValueError("text holds a control character; remove it")
    return text


FreeText = Annotated[str, Field(max_length=2000), AfterValidator(exchangeable)]
ShortText = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(exchangeable)]


class GeoPoint(BaseModel):
    """A WGS84 position."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lat: Latitude
    lon: Longitude
    accuracy_m: Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)] | None = None
