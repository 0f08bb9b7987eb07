"""The picture as GeoJSON, for GIS."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get

from magen.api.deps import ActorDep, ServiceDep
from magen.api.routes._common import fresh_answer
from magen.app.projections import picture_parts
from magen.interop.geojson import SECTIONS, picture_collection

GEOJSON = "application/geo+json"


@get("/picture.geojson", media_type=GEOJSON)
async def get_picture_geojson(
    request: Request[Any, Any, Any], service: ServiceDep, actor: ActorDep
) -> Response[bytes]:
    """The picture this actor may see as one GeoJSON FeatureCollection (RFC 7946).

    Open threat tracks, sightings, open calls for help, responders with a position and danger
    areas, each a Feature whose `kind` says which; `position` is the log position it reflects.
    """
    state = service.state
    view = {"position": state.position, "generated_at": service.clock.now().isoformat()}
    collection = picture_collection(view | picture_parts(state, actor, SECTIONS))
    return fresh_answer(request, collection, media_type=GEOJSON)


router = Router(path="/api/v1", route_handlers=[get_picture_geojson], tags=["picture"])
