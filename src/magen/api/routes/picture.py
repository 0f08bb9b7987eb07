"""The live picture and the audit log."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from litestar import Request, Response, Router, get
from litestar.exceptions import ValidationException
from litestar.params import Parameter

from magen.api.deps import ActorDep, ServiceDep
from magen.api.routes._common import fresh_answer
from magen.api.wire import recorded_view
from magen.app import auth
from magen.app.picture_views import (
    AROUND_MAX_M,
    AROUND_MIN_M,
    AROUND_RADIUS_M,
    around_of,
    around_picture,
)
from magen.app.projections import picture
from magen.domain.errors import Forbidden

_VIEW = (
    "full (default): the whole picture this role may see. around: the part of it around a "
    "place, for a phone on a weak link (field roles): my own assignments and the call-ups "
    "that reach me wherever they are, with their targets; tracks whose estimate and "
    "uncertainty reach within radius_m of the place, of my targets or of my routes; danger "
    "areas, incidents and open SOS calls there; my own responder entry; every alert. Its "
    "`scope` says the centre and radius and counts what was left out (`omitted` per list, "
    "`left_out` for whole sections)"
)
_NEAR = (
    "view=around: the centre as <lon>,<lat> (WGS84). Without it, the caller's own last "
    "reported position; a caller with none is refused (422)"
)


def _near(text: str | None) -> tuple[float, float] | None:
    """`near` as (lon, lat), or a 400 that says what is wrong with it."""
    if text is None:
        return None
    try:
        lon, lat = (float(p) for p in text.split(","))
    except ValueError:  # not two parts, or a part that is no number
        raise _bad("near", "is <lon>,<lat>: two numbers, e.g. 35.2160,31.7615") from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise _bad("near", "is <lon>,<lat>: two finite numbers")
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise _bad("near", "is out of range: lon -180 to 180, lat -90 to 90")
    return lon, lat


def _bad(field: str, reason: str) -> ValidationException:
    return ValidationException(
        detail="invalid query parameter", extra=[{"key": field, "message": reason}]
    )


@get("/picture")
async def get_picture(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    *,
    view: Annotated[Literal["full", "around"], Parameter(description=_VIEW)] = "full",
    near: Annotated[str | None, Parameter(description=_NEAR, max_length=64)] = None,
    radius_m: Annotated[
        int | None,
        Parameter(
            ge=AROUND_MIN_M,
            le=AROUND_MAX_M,
            description=f"view=around: how far around, in metres (default {AROUND_RADIUS_M})",
        ),
    ] = None,
) -> Response[bytes]:
    """The picture this actor may see, with the log position it reflects (gzip if taken);
    with view=around, the part of it around a place, saying what it left out."""
    if view == "full" and (near is not None or radius_m is not None):
        raise _bad("view", "near and radius_m apply only to view=around")
    around = around_of(service.state, actor, _near(near), radius_m) if view == "around" else None
    whole = picture(service.state, actor)
    whole["generated_at"] = service.clock.now().isoformat()
    if around is None:
        return fresh_answer(request, whole)
    return fresh_answer(request, around_picture(whole, service.state, actor, around))


@get("/events")
async def get_events(
    service: ServiceDep,
    actor: ActorDep,
    after: Annotated[int, Parameter(ge=0)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=5000)] = 1000,
) -> dict[str, Any]:
    """The log itself, after a position (admins and analysts; secrets redacted)."""
    if not auth.can_read_audit(actor):
        raise Forbidden("only admins and analysts read the audit log")
    events = service.events_after(after, limit)
    return {
        "after": after,
        "head": service.state.position,
        "events": [recorded_view(r) for r in events],
    }


router = Router(path="/api/v1", route_handlers=[get_picture, get_events], tags=["picture"])
