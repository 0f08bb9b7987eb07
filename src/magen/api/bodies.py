"""A JSON body must say it is JSON (else 415) and be UTF-8 (else 400), before it is parsed.

Litestar parses a JSON route's body as JSON whatever its Content-Type says, so a report sent
as `text/plain` (or with no type at all) was taken. Such a POST is what any web page can make a
visitor's browser send to another site without asking it first (no CORS preflight): requiring
`application/json` means a hostile page cannot make its visitors' browsers file reports here.
"""

from __future__ import annotations

import weakref
from typing import Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from pydantic import BaseModel, ValidationError

# Whether each route handler reads a JSON body, worked out once per handler.
_TAKES_JSON: weakref.WeakKeyDictionary[HTTPRouteHandler, bool] = weakref.WeakKeyDictionary()


def takes_json(handler: HTTPRouteHandler) -> bool:
    """Whether the handler's `data` is a JSON body."""
    known = _TAKES_JSON.get(handler)
    if known is None:
        data = handler.parsed_fn_signature.parameters.get("data")
        kind = getattr(data.kwarg_definition, "media_type", None) if data is not None else None
        known = _TAKES_JSON[handler] = kind == RequestEncodingType.JSON
    return known


def media_type_of(content_type: str) -> str:
    """The media type a Content-Type header names, without its parameters, in lower case."""
    return content_type.partition(";")[0].strip().lower()


def is_json(content_type: str) -> bool:
    """Whether a Content-Type header names JSON (`application/json`, or a `+json` type)."""
    media = media_type_of(content_type)
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def require_json(request: Request[Any, Any, Any]) -> None:
    """Refuse a request to a JSON route whose body is not labelled as JSON (before_request)."""
    handler = request.route_handler
    if not isinstance(handler, HTTPRouteHandler) or not takes_json(handler):
        return
    sent = request.headers.get("content-type", "")
    if not is_json(sent):
        said = f"'{sent}'" if sent else "no Content-Type"
        raise HTTPException(
            status_code=415,
            detail=f"send the body as JSON with 'Content-Type: application/json' (got {said})",
        )
    # JSON is UTF-8. msgspec raises UnicodeDecodeError for bytes that are not, inside a string,
    # and Litestar lets that out as a 500; the body is read once and kept for the handler.
    body = await request.body()
    try:
        body.decode()
    except UnicodeDecodeError as exc:
        bad = exc.object[exc.start]
        raise HTTPException(
            status_code=400, detail=f"the body is not UTF-8: byte {bad:#04x} at offset {exc.start}"
        ) from None


# The body model of each route that validates its JSON first, worked out once per handler.
_BODY_MODELS: weakref.WeakKeyDictionary[HTTPRouteHandler, type[BaseModel]] = (
    weakref.WeakKeyDictionary()
)


async def validated_first(request: Request[Any, Any, Any]) -> Any:
    """before_request of the routes phones send to in bulk: the route's `data` validated by
    pydantic straight from the JSON bytes, and the route's own function called with it.

    Litestar would decode the JSON into Python objects, fill its signature model and then
    validate those objects with the same pydantic model: a sixth of a sighting's server time,
    measured in-process. The route is declared as usual (its OpenAPI body is its `data`), and
    a body this check does not take falls through to Litestar's own parsing (None), which
    refuses it in its usual words: only the valid are taken this way, and they are exactly
    the bodies Litestar takes (pydantic's lax JSON mode accepts what its lax Python mode does
    for every type JSON can carry).
    """
    await require_json(request)
    handler = request.route_handler
    model = _BODY_MODELS.get(handler)
    if model is None:
        model = _BODY_MODELS[handler] = handler.parsed_fn_signature.parameters["data"].annotation
    try:
        data = model.model_validate_json(await request.body())
    except ValidationError:
        return None
    return await handler.fn(request=request, data=data)
