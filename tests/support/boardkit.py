"""Helpers for the dispatch tests on the Baka streets: places near a point, responders
checking in and recommendations accepted on a live service."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import numpy as np

from magen.app.dispatch import target_kind
from magen.app.service import Service
from magen.dispatch.assign import Recommendation
from magen.domain.base import Actor
from magen.domain.dispatch import MakeAssignment
from magen.domain.responders import Capability, CheckIn, ResponderKind, ResponderStatus
from magen.domain.values import GeoPoint, Role

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
DISPATCHER = Actor("acc_dispatch", Role.DISPATCHER)


def near(spots: np.ndarray, lonlat: tuple[float, float], k: int) -> tuple[float, float]:
    """The k-th street point nearest to a place."""
    d = np.hypot(*(spots - np.asarray(lonlat)).T)
    p = spots[np.argsort(d)[k]]
    return float(p[0]), float(p[1])


async def check_in(
    service: Service,
    who: str,
    kind: ResponderKind,
    caps: set[Capability],
    where: tuple[float, float],
) -> None:
    """A responder checks in available at `where` (lat, lon)."""
    await service.handle(
        Actor(who, Role.MEDIC if kind is ResponderKind.MEDIC else Role.RESPONDER),
        CheckIn(
            command_id=uuid.uuid4(),
            kind=kind,
            capabilities=frozenset(caps),
            status=ResponderStatus.AVAILABLE,
            where=GeoPoint(lat=where[0], lon=where[1]),
        ),
    )


async def accept(service: Service, rec: Recommendation) -> str:
    """The dispatcher accepts a recommendation; the assignment's id."""
    made = await service.handle(
        DISPATCHER,
        MakeAssignment(
            command_id=uuid.uuid4(),
            responder_id=rec.responder_id,
            target=target_kind(rec.task_kind),
            target_id=rec.task_id,
            recommendation_id=rec.recommendation_id,
        ),
    )
    return str(made.events[0].event.assignment_id)  # type: ignore[attr-defined]
