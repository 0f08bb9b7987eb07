"""Operators' acts on tracks, as fusion applies them (the domain records them as events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ConfirmAct:
    """An operator confirms that a track is a real threat."""

    track_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MergeAct:
    """An operator folds other tracks into one."""

    into: str
    others: tuple[str, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class SplitAct:
    """An operator moves some sightings of a track into a new track."""

    track_id: str
    sighting_ids: tuple[str, ...]
    new_track_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class DismissAct:
    """An operator closes a track as a false alarm."""

    track_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class NeutraliseAct:
    """An operator closes a track because the group was neutralised."""

    track_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReopenAct:
    """An operator reopens a closed track (not a merged one)."""

    track_id: str
    at: datetime


TrackAct = ConfirmAct | MergeAct | SplitAct | DismissAct | NeutraliseAct | ReopenAct


class UnknownTrack(LookupError):
    """The act names a track that fusion does not have."""
