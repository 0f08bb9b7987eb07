"""Hypothesis strategies for alerts: polygons, circles, trilingual texts, alert commands."""

from __future__ import annotations

import math
import uuid

from hypothesis import assume
from hypothesis import strategies as st
from pydantic import ValidationError

from magen.domain.alerts import (
    SHELTER_CATEGORIES,
    AlertCategory,
    Circle,
    IssueAlert,
    LocalText,
    Polygon,
)

HEBREW = "".join(chr(c) for c in range(0x05D0, 0x05EB)) + "״׳"
ARABIC = "".join(chr(c) for c in range(0x0621, 0x064B)) + "ًٌٍَُِّْ،؛؟"
OTHER = "abcXYZ019 .,;:!?-–()\"'<>&/\n\t\r🚀"

texts = st.text(alphabet=HEBREW + ARABIC + OTHER, min_size=1, max_size=120)
local_texts = st.builds(LocalText, he=texts, ar=texts, en=texts)
zone_ids = st.lists(
    st.from_regex(r"[a-z]{1,4}[0-9]{0,3}", fullmatch=True), min_size=1, max_size=6, unique=True
)


@st.composite
def polygons(draw: st.DrawFn, max_radius_m: float = 5_000) -> Polygon:
    """Star-shaped simple polygons: vertices sorted by angle around a centre in Israel."""
    lat = draw(st.floats(29.6, 33.2))
    lon = draw(st.floats(34.3, 35.8))
    n = draw(st.integers(3, 14))
    angles = sorted(
        draw(st.lists(st.floats(0, 2 * math.pi - 0.01), min_size=n, max_size=n, unique=True))
    )
    radii = draw(st.lists(st.floats(20, max_radius_m), min_size=n, max_size=n))
    ring = tuple(
        (
            lon + r * math.cos(a) / (111_320 * math.cos(math.radians(lat))),
            lat + r * math.sin(a) / 111_320,
        )
        for a, r in zip(angles, radii, strict=True)
    )
    try:
        return Polygon(ring=ring)
    except ValidationError:
        assume(False)
        raise


def circles(max_radius_m: float = 100_000) -> st.SearchStrategy[Circle]:
    return st.builds(
        Circle,
        lat=st.floats(29.6, 33.2),
        lon=st.floats(34.3, 35.8),
        radius_m=st.floats(0.5, max_radius_m),
    )


areas = st.lists(st.one_of(polygons(), circles()), max_size=3, unique=True)


@st.composite
def alert_commands(draw: st.DrawFn) -> IssueAlert:
    category = draw(st.sampled_from(AlertCategory))
    zones = tuple(draw(zone_ids)) + draw(st.sampled_from([(), ("baka",)]))
    seconds = {}
    if category in SHELTER_CATEGORIES:
        seconds = {
            z: draw(st.sampled_from([0, 15, 30, 45, 60, 90, 180]))
            for z in zones
            if draw(st.booleans())
        }
    return IssueAlert(
        command_id=uuid.UUID(int=draw(st.integers(0, 2**128 - 1))),
        category=category,
        zone_ids=zones,
        seconds_to_shelter=seconds,
        areas=tuple(draw(areas)),
        instruction=draw(st.one_of(st.none(), local_texts)),
        drill=draw(st.booleans()),
    )
