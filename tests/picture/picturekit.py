"""Helpers for the picture tests: sightings placed in metres around a fixed point."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from magen.domain.reports import Armed, Mobility, Sos, SosOutcome
from magen.domain.values import GeoPoint, SourceTier
from magen.picture.fusion import SightingReport
from magen.picture.metric import LocalFrame

ORIGIN = (35.2155, 31.7624)  # Baka, Jerusalem
FRAME = LocalFrame(*ORIGIN)
T0 = datetime(2023, 10, 7, 3, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """WGS84 of a point x metres east and y metres north of ORIGIN."""
    return FRAME.to_lonlat(x, y)


def sighting(
    sid: str,
    x: float,
    y: float,
    t: float,
    reporter: str,
    *,
    tier: SourceTier = SourceTier.REGISTERED,
    count: int | None = None,
    mobility: Mobility = Mobility.ON_FOOT,
    armed: Armed = Armed.UNKNOWN,
    heading: float | None = None,
) -> SightingReport:
    """A sighting x, y metres from ORIGIN, t seconds after T0."""
    lon, lat = lonlat(x, y)
    return SightingReport(
        sighting_id=sid,
        lon=lon,
        lat=lat,
        observed_at=at(t),
        tier=tier,
        reporter=reporter,
        count=count,
        mobility=mobility,
        armed=armed,
        heading_deg=heading,
    )


def walk(
    prefix: str,
    start: tuple[float, float],
    velocity: tuple[float, float],
    times: list[float],
    reporters: list[str],
    *,
    counts: list[int | None] | None = None,
    tier: SourceTier = SourceTier.REGISTERED,
    mobility: Mobility = Mobility.ON_FOOT,
) -> list[SightingReport]:
    """Noise-free sightings of a group moving in a straight line, one per time."""
    out = []
    for k, t in enumerate(times):
        out.append(
            sighting(
                f"{prefix}{k:03d}",
                start[0] + velocity[0] * t,
                start[1] + velocity[1] * t,
                t,
                reporters[k % len(reporters)],
                tier=tier,
                count=None if counts is None else counts[k % len(counts)],
                mobility=mobility,
            )
        )
    return out


_position = iter(range(1, 10_000))


def sos(
    sid: str,
    x: float,
    y: float,
    t: float,
    *,
    reporter: str | None = None,
    people: int = 1,
    injured: int = 0,
    children: int = 0,
    silent: bool = False,
    resolved: SosOutcome | None = None,
    resolved_t: float | None = None,
) -> Sos:
    """An SOS x, y metres from ORIGIN raised t seconds after T0 (log order = creation order)."""
    lon, lat = lonlat(x, y)
    return Sos(
        sos_id=sid,
        where=GeoPoint(lon=lon, lat=lat),
        raised_at=at(t),
        updated_at=at(t if resolved_t is None else resolved_t),
        people=people,
        injured=injured,
        children=children,
        silent=silent,
        text="",
        tier=SourceTier.REGISTERED if reporter else SourceTier.ANONYMOUS,
        reporter=reporter,
        source_key=None if reporter else f"dev-{sid}",
        resolved=resolved,
        resolved_at=None if resolved_t is None else at(resolved_t),
        history=[next(_position)],
    )
