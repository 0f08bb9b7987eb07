"""Cursor on Target for TAK clients: the picture out, a device's own position in."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from litestar import Request, Response, Router, get, post
from litestar.params import Parameter

from magen.api.deps import ActorDep, ServiceDep
from magen.api.routes._common import gzipped_if_taken, run_for_caller
from magen.app.cot_views import DEFAULT_STALE_S, picture_events, position_command_id
from magen.domain.errors import InvalidCommand
from magen.domain.responders import ReportPosition
from magen.domain.values import GeoPoint
from magen.interop.cot import FRIEND, UNKNOWN, CotError, encode_events, parse_event
from magen.web.i18n import text
from magen.web.times import town_zone

COT_XML = "application/xml"
_COT_TYPES = frozenset({"application/xml", "text/xml", "application/cot+xml"})
_MAX_ACCURACY_M = 100_000  # what a position's accuracy may say (GeoPoint's bound)


@get("/cot", media_type=COT_XML)
async def get_cot(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    lang: Annotated[
        Literal["he", "ar", "en"], Parameter(description="the labels' language")
    ] = "en",
    stale_s: Annotated[
        int,
        Parameter(
            ge=30,
            le=3600,
            description="seconds until each event is stale: poll more often than this",
        ),
    ] = DEFAULT_STALE_S,
) -> Response[bytes]:
    """The picture this actor may see, as CoT 2.0 events in one `<events>` document.

    Threat tracks (hostile once confirmed, suspect before; the honest count as the label),
    open calls for help, responders with a position and danger areas, each with a stable uid
    and a stale time `stale_s` after now: a TAK client that stops polling sees the picture go
    stale instead of keeping an old one as current.
    """
    events = picture_events(
        service.state,
        actor,
        now=service.clock.now(),
        say=partial(text, lang=lang),
        lang=lang,
        tz=town_zone(),
        stale_s=stale_s,
    )
    headers = {"Vary": "Authorization", "Cache-Control": "private, no-store"}
    body = gzipped_if_taken(request, encode_events(events), 1, headers)
    return Response(body, headers=headers, media_type=COT_XML)


@post("/cot", media_type="application/json")
async def post_cot(request: Request[Any, Any, Any]) -> Response[Any]:
    """A TAK device's own position (its friendly `a-f-...` event) as the responder's position.

    The responder signs in with their device API key (or token) and must be checked in. The
    same event sent again (same uid and time: TAK clients resend on reconnect) is one report.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in _COT_TYPES:
        return Response(
            {
                "error": "unsupported_media_type",
                "reason": f"send the CoT event as {COT_XML} (or text/xml), "
                f"not {kind or 'nothing'!r}",
            },
            status_code=415,
        )
    try:
        event = parse_event(await request.body())
    except CotError as exc:
        return Response({"error": "invalid_cot", "reason": str(exc)}, status_code=400)
    if not event.type.startswith(FRIEND + "-"):
        raise InvalidCommand(
            "only a device's own position (a friendly 'a-f-...' event) is taken, "
            f"not {event.type!r}"
        )
    accuracy = event.ce if event.ce != UNKNOWN and event.ce <= _MAX_ACCURACY_M else None
    command = ReportPosition(
        command_id=position_command_id(event.uid, event.time),
        where=GeoPoint(lat=event.lat, lon=event.lon, accuracy_m=accuracy),
        observed_at=event.time,
    )
    return await run_for_caller(request, command)


router = Router(path="/api/v1", route_handlers=[get_cot, post_cot], tags=["cot"])
