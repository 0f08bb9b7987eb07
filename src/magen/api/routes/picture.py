"""The live picture and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, get
from litestar.params import Parameter

from magen.api.deps import ActorDep, ServiceDep
from magen.api.routes._common import fresh_answer
from magen.api.wire import recorded_view
from magen.app import auth
from magen.app.projections import picture
from magen.domain.errors import Forbidden


@get("/picture")
async def get_picture(
    request: Request[Any, Any, Any], service: ServiceDep, actor: ActorDep
) -> Response[bytes]:
    """The picture this actor may see, with the log position it reflects (gzip if taken)."""
    view = picture(service.state, actor)
    view["generated_at"] = service.clock.now().isoformat()
    return fresh_answer(request, view)


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
