"""Helpers shared by the routers."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import MediaType, Request, Response, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody
from litestar.serialization import encode_json, get_serializer
from pydantic import BaseModel, ConfigDict, create_model

from magen.api.bodies import media_type_of
from magen.api.deps import ActorDep, ServiceDep, current_actor, runtime
from magen.api.wire import outcome_view
from magen.app.service import Outcome, Service
from magen.domain.base import Actor, Command


async def run_command(service: Service, actor: Actor, command: Command) -> Response[dict[str, Any]]:
    """Handle a command and answer 201 with its positions (200 for an idempotent retry)."""
    return answer(service, await service.handle(actor, command))


def answer(service: Service, outcome: Outcome) -> Response[dict[str, Any]]:
    """201 with the command's positions, 200 for an idempotent retry."""
    body = outcome_view(outcome, service.state.position)
    return Response(body, status_code=200 if outcome.replayed else 201)


class BulkAnswer(Response[dict[str, Any]]):
    """The answer to a report every phone sends in bulk, sent as it is: JSON and its length.

    A `Response` to everything that handles one (a route may still change its content or
    status), but turned into ASGI messages directly rather than through Litestar's general
    `ASGIResponse` (header merging, cookies, a mutable header list, the serializer's lookup):
    measured in-process, that machinery was a tenth of a sighting's server time. A route that
    adds headers, cookies or a background task to it gets the general path.
    """

    __slots__ = ()

    def __init__(self, content: dict[str, Any], *, status_code: int) -> None:
        # Response.__init__'s fields, set as it would for no headers, cookies or encoders,
        # without its conversions of them (a third of the answer's cost).
        self.content = content
        self.status_code = status_code
        self.background = None
        self.cookies = []
        self.encoding = "utf-8"
        self.headers = {}
        self.media_type = None
        self.response_type_encoders = {}

    def to_asgi_response(
        self,
        app: Any,
        request: Request[Any, Any, Any],
        *,
        background: Any = None,
        cookies: Any = None,
        headers: dict[str, str] | None = None,
        **rest: Any,
    ) -> Any:
        if headers or cookies or background or self.headers or self.cookies or self.background:
            return super().to_asgi_response(
                app, request, background=background, cookies=cookies, headers=headers, **rest
            )
        return _SentJson(self.status_code or 200, _json(self.content))


class _SentJson:
    """An ASGI response of JSON bytes with its status (content type and length, no more)."""

    __slots__ = ("body", "status")

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = self.body
        await send(
            {
                "type": "http.response.start",
                "status": self.status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", b"%d" % len(body)),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})


_json = msgspec.json.Encoder().encode


async def run_for_caller(
    request: Request[Any, Any, Any], command: Command, actor: Actor | None = None
) -> BulkAnswer:
    """`run_command` as the caller of `request`, resolved here rather than by injection.

    For the routes every phone sends to in bulk (sightings, SOS, positions): Litestar's
    dependency injection of the service and the actor costs about a tenth of a report's
    server time (measured in-process: 187-208 us per report with it, 163-172 us without).
    It awaits `handle` itself rather than `run_command`: one coroutine less to make and resume.
    A route that already resolved its caller (to build the command) passes it as `actor`.
    """
    rt = runtime(request)
    service = rt.service
    caller = actor if actor is not None else await current_actor(request, rt)
    outcome = await service.handle(caller, command)
    return BulkAnswer(
        outcome_view(outcome, service.state.position), status_code=200 if outcome.replayed else 201
    )


def etag_of(body: bytes) -> str:
    """A strong ETag of the content: equal bodies share it, whoever asked and wherever."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def client_has(request: Request[Any, Any, Any], etag: str) -> bool:
    """Whether the request's If-None-Match names this ETag (the client's copy is current).

    As RFC 9110 has it for If-None-Match: compared weakly (a `W/` a proxy put on is
    ignored), and `*` matches any current answer."""
    tags = {
        t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")
    }
    return etag.removeprefix("W/") in tags or "*" in tags


def takes_gzip(request: Request[Any, Any, Any]) -> bool:
    """Whether the request's Accept-Encoding takes gzip: named (else `*`), not with q=0."""
    weights: dict[str, float] = {}
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = part.partition(";")
        q = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            weights[coding.strip()] = float(q)
        except ValueError:
            weights[coding.strip()] = 0.0  # a weight that is no number takes nothing
    return weights.get("gzip", weights.get("*", 0.0)) > 0


def kept_answer(
    request: Request[Any, Any, Any],
    body: bytes,
    *,
    etag: str | None = None,
    gzipped: Callable[[], bytes] | None = None,
    media_type: str = MediaType.JSON,
    cache_control: str = "private, no-cache",
    vary: str = "Accept-Encoding, Authorization",
) -> Response[bytes]:
    """An answer a client keeps and revalidates: 304 and no body while its copy is current.

    `etag` is the body's (`etag_of` by default). With `gzipped` (made only when sent), a
    client that takes gzip gets it, under an ETag of its own: a strong ETag names one
    representation, and gzip is another. What a role may read differs by account, so a
    private answer varies by Authorization as well as by encoding.
    """
    tag = etag or etag_of(body)
    zipped = gzipped is not None and takes_gzip(request)
    if zipped:
        tag = tag[:-1] + '-gzip"'
    headers = {"ETag": tag, "Cache-Control": cache_control, "Vary": vary}
    if client_has(request, tag):
        return Response(b"", status_code=304, headers=headers, media_type=media_type)
    if zipped and gzipped is not None:
        headers["Content-Encoding"] = "gzip"
        return Response(gzipped(), headers=headers, media_type=media_type)
    return Response(body, headers=headers, media_type=media_type)


# Below this a gzip frame and the CPU cost more than the bytes saved.
GZIP_MIN_BYTES = 1024


def encoded(request: Request[Any, Any, Any], content: Any) -> bytes:
    """JSON as the route would have answered it (the app's encoders: pydantic models too)."""
    return encode_json(content, get_serializer(request.route_handler.resolve_type_encoders()))


def gzipped_if_taken(
    request: Request[Any, Any, Any], body: bytes, level: int, headers: dict[str, str]
) -> bytes:
    """The body gzipped (and `headers` saying so) when the client takes gzip and it is large;
    else as it is. `Vary: Accept-Encoding` either way: the answer depends on it."""
    vary = headers.get("Vary")
    headers["Vary"] = f"Accept-Encoding, {vary}" if vary else "Accept-Encoding"
    if len(body) < GZIP_MIN_BYTES or not takes_gzip(request):
        return body
    headers["Content-Encoding"] = "gzip"
    return gzip.compress(body, level, mtime=0)


def fresh_answer(
    request: Request[Any, Any, Any], content: Any, *, media_type: str = MediaType.JSON
) -> Response[bytes]:
    """An answer made for this request (never the same twice: no ETag), gzipped when the
    client takes gzip and it is large: a picture of 100-250 kB is 5 s at 400 kbit/s, a fifth
    of that gzipped. Level 1: most of the saving for a fraction of the CPU of higher levels.
    `content` is bytes as they are (an XML feed), or anything the app encodes as JSON."""
    headers = {"Vary": "Authorization", "Cache-Control": "private, no-store"}
    raw = content if isinstance(content, bytes) else encoded(request, content)
    body = gzipped_if_taken(request, raw, 1, headers)
    return Response(body, headers=headers, media_type=media_type)


def wrong_media(
    request: Request[Any, Any, Any], accepted: frozenset[str], what: str
) -> Response[dict[str, Any]] | None:
    """A 415 naming what to send, when the body's Content-Type is none of `accepted` (an XML
    import: Litestar's JSON check does not cover a body read as bytes); else None."""
    kind = media_type_of(request.headers.get("content-type", ""))
    if kind in accepted:
        return None
    return Response(
        {"error": "unsupported_media_type", "reason": f"send {what}, not {kind or 'nothing'!r}"},
        status_code=415,
    )


def body_model(command: type[Command], id_field: str) -> type[BaseModel]:
    """The wire body of a command whose `id_field` comes from the path instead."""
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in command.model_fields.items()
        if name != id_field
    }
    return create_model(
        f"{command.__name__}Body",
        __config__=ConfigDict(frozen=True, extra="forbid"),
        __doc__=command.__doc__,
        **fields,
    )


def command_on_item(
    path: str, command: type[Command], id_field: str, summary: str
) -> HTTPRouteHandler:
    """A POST route that sends `command` about the item named by `{item_id}` in the path.

    Many commands differ only in what they do to one record; one table of such routes reads
    better than a page of handlers that are the same but for their names.
    """
    body = body_model(command, id_field)

    async def handler(
        service: ServiceDep, actor: ActorDep, item_id: FromPath[str], data: Any
    ) -> Response[dict[str, Any]]:
        values = {name: getattr(data, name) for name in type(data).model_fields}
        return await run_command(service, actor, command(**{id_field: item_id}, **values))

    handler.__annotations__ = {**handler.__annotations__, "data": JSONBody[body]}  # type: ignore[valid-type,misc]
    handler.__name__ = f"{command.__name__[0].lower()}{command.__name__[1:]}"
    handler.__doc__ = summary
    return post(path, summary=summary, operation_id=command.__name__)(handler)


def command_route(path: str, command: type[Command], summary: str) -> HTTPRouteHandler:
    """A POST route whose body is the command itself."""

    async def handler(service: ServiceDep, actor: ActorDep, data: Any) -> Response[dict[str, Any]]:
        return await run_command(service, actor, data)

    handler.__annotations__ = {**handler.__annotations__, "data": JSONBody[command]}  # type: ignore[valid-type,misc]
    handler.__name__ = f"{command.__name__[0].lower()}{command.__name__[1:]}"
    handler.__doc__ = summary
    return post(path, summary=summary, operation_id=command.__name__)(handler)
