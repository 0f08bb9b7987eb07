"""The picture at a past log position: the console's time slider and after-action review."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from litestar import Request, Response, Router, get
from litestar.params import Parameter

from magen.api.deps import ActorDep, ServiceDep, runtime
from magen.api.routes._common import fresh_answer
from magen.app.history import History, can_replay
from magen.app.projections import picture
from magen.app.service import Service
from magen.domain.errors import Forbidden, NotFound

_KEY = "picture_history"


def history_of(request: Request[Any, Any, Any], service: Service) -> History:
    """The app's history cache for this service (created on first use)."""
    found = request.app.state.get(_KEY)
    if not isinstance(found, History) or found.log is not service.log:
        found = History(service.log, service.state, dispatch=runtime(request).dispatch)
        request.app.state[_KEY] = found
    return found


@get("/picture/at")
async def picture_at(
    request: Request[Any, Any, Any],
    service: ServiceDep,
    actor: ActorDep,
    position: Annotated[int, Parameter(ge=0, description="log position to replay up to")],
) -> Response[bytes]:
    """The picture as it stood just after the event at a log position (operators, analysts).

    Tracks, incidents, the scale and the recommendations are judged at the time of that
    event: a track seen long before it is stale, as it was then.
    """
    if not can_replay(actor):
        raise Forbidden("only admins, dispatchers and analysts replay the picture")
    head = service.state.position
    if position > head:
        raise NotFound(f"the log has {head} events; position {position} is in the future")
    past = await anyio.to_thread.run_sync(history_of(request, service).at, position)
    view = picture(past.state, actor)
    view["as_of"] = past.as_of.isoformat() if past.as_of else None
    view["head"] = head
    view["replay"] = True
    return fresh_answer(request, view)


router = Router(path="/api/v1", route_handlers=[picture_at], tags=["picture"])
