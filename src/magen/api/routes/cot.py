"""Cursor on Target for TAK clients: the picture out, a device's own position in."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.params import Parameter

from magen.api.deps import ActorDep, ServiceDep, current_actor, runtime
from magen.api.routes._common import fresh_answer, run_for_caller, wrong_media
from magen.app.cot_views import DEFAULT_STALE_S, picture_events, position_report
from magen.domain.errors import CommandIdReused
from magen.interop.cot import CotError, encode_events, parse_event
from magen.web.i18n import Lang, text
from magen.web.times import town_zone

COT_XML = "application/xml"
_COT_TYPES = frozenset({"application/xml", "text/xml", "application/cot+xml"})


@get("/cot", media_type=COT_XML)
async def get_cot(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    lang: Annotated[Lang, Parameter(description="the labels' language")] = "en",
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
    stale instead of keeping an old one as current. A responder whose latest position came
    from their own TAK device (POST here) is left out: TAK users already see that device's
    marker, under its own uid.
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
    return fresh_answer(request, encode_events(events), media_type=COT_XML)


@post("/cot", media_type="application/json")
async def post_cot(request: Request[Any, Any, Any]) -> Response[Any]:
    """A TAK device's own position (its friendly `a-f-...` event) as the responder's position.

    The responder signs in with their device API key (or token) and must be checked in. The
    same event sent again (same uid and time: TAK clients resend on reconnect) is one report.
    The device's uid is recorded with the position, its `ce` as the position's accuracy.
    """
    refused = wrong_media(request, _COT_TYPES, f"the CoT event as {COT_XML} (or text/xml)")
    if refused is not None:
        return refused
    try:
        event = parse_event(await request.body())
    except CotError as exc:
        return Response({"error": "invalid_cot", "reason": str(exc)}, status_code=400)
    actor = await current_actor(request, runtime(request))
    report = position_report(event, actor.account_id)
    try:
        return await run_for_caller(request, report, actor)
    except CommandIdReused:
        # A TAK client sends no command id: say it in the terms of what it sent.
        raise CommandIdReused(
            f"an event from device {event.uid} at {event.time.isoformat()} was already taken"
            " with another position: a new fix is sent with a new time"
        ) from None


router = Router(path="/api/v1", route_handlers=[get_cot, post_cot], tags=["cot"])
