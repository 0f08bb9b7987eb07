"""Folding a sighting: the evolvers build their records positionally, so each field must land
in its own place (a swap of two fields of one type, lat and lon, would pass a type check)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from magen.domain.base import Actor, Recorded, evolve
from magen.domain.picture import Picture
from magen.domain.reports import Armed, Mobility, Reports, Sighting, ThreatSighted
from magen.domain.state import State
from magen.domain.values import GeoPoint, Role, SourceTier
from magen.picture.fusion import SightingReport, reporter_key

OBSERVED = datetime(2023, 10, 7, 6, 31, 5, tzinfo=UTC)
RECORDED = datetime(2023, 10, 7, 6, 32, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "actor",
    [
        Actor("acc_resident", Role.RESIDENT),
        Actor(None, Role.ANONYMOUS, source_key="anon_0123456789abcdef"),
        Actor(None, Role.ANONYMOUS),
    ],
)
@pytest.mark.parametrize(("count", "heading", "accuracy"), [(7, 123.5, 35.0), (None, None, None)])
def test_a_sighting_is_folded_field_by_field(
    actor: Actor, count: int | None, heading: float | None, accuracy: float | None
) -> None:
    # The fields the record carries over from the event as they are (a distinct value each,
    # where the case allows, so a swap shows).
    carried = {
        "observed_at": OBSERVED,
        "count": count,
        "mobility": Mobility.VEHICLE,
        "armed": Armed.YES,
        "heading_deg": heading,
        "text": "two men near the school",
        "tier": SourceTier.REGISTERED,
    }
    event = ThreatSighted(
        sighting_id="sig_0123456789abcdef0123",
        where=GeoPoint(lat=31.7615, lon=35.216, accuracy_m=accuracy),
        **carried,
    )
    recorded = Recorded(
        position=42,
        event_id=uuid.uuid4(),
        recorded_at=RECORDED,
        actor=actor,
        command_id=uuid.uuid4(),
        command_hash="ab" * 32,
        event=event,
    )
    state = evolve(State(), recorded)

    assert state.slice(Reports).sightings == {
        event.sighting_id: Sighting(
            sighting_id=event.sighting_id,
            where=event.where,
            recorded_at=RECORDED,
            **carried,
            reporter=actor.account_id,
            source_key=actor.source_key,
            position=42,
        )
    }
    # What the picture queued for fusion (read before any fusing folds it in).
    assert state.slice(Picture)._pending == [
        SightingReport(
            sighting_id=event.sighting_id,
            lon=35.216,
            lat=31.7615,
            observed_at=OBSERVED,
            tier=SourceTier.REGISTERED,
            reporter=reporter_key(actor.account_id, actor.source_key, event.sighting_id),
            count=count,
            mobility=Mobility.VEHICLE,
            armed=Armed.YES,
            heading_deg=heading,
            accuracy_m=accuracy,
        )
    ]
