"""Tracks and SOS reports for the dispatch needs tests: groups of sightings, calls, incidents."""

from __future__ import annotations

from magen.domain.reports import Armed, Sos, SosOutcome
from magen.domain.values import SourceTier
from magen.picture.fusion import Fuser, TrackView
from magen.picture.incidents import Incident, build_incidents
from picture import picturekit
from picture.picturekit import at, sighting


def group(
    fuser: Fuser,
    prefix: str,
    x: float,
    y: float,
    reporters: list[str],
    *,
    count: int | None = 4,
    tier: SourceTier = SourceTier.VERIFIED,
) -> str:
    track = ""
    for k, who in enumerate(reporters):
        track = fuser.ingest(
            sighting(f"{prefix}{k}", x, y, 10.0 * k, who, tier=tier, count=count, armed=Armed.YES)
        )
    return track


def tracks(fuser: Fuser, seconds: float = 40.0) -> list[TrackView]:
    return fuser.tracks(at(seconds), include_closed=True)


def sos(
    sos_id: str,
    x: float,
    y: float,
    *,
    injured: int = 0,
    people: int = 2,
    t: float = 0.0,
    resolved: SosOutcome | None = None,
) -> Sos:
    """A registered caller's SOS x, y metres from ORIGIN, t seconds after T0."""
    return picturekit.sos(
        sos_id,
        x,
        y,
        t,
        reporter=f"acc_{sos_id}",
        people=people,
        injured=injured,
        resolved=resolved,
        resolved_t=t + 1 if resolved else None,
    )


def incidents(reports: list[Sos], tracks: list[TrackView]) -> list[Incident]:
    return build_incidents(reports, at(60.0), [t for t in tracks if t.open])
