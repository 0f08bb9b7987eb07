"""Every refusal becomes a 4xx (or a 503) with a plain reason; nothing is appended.

A fault of the server's own is a 500 that is logged with its traceback (the framework's own
answer said nothing, in English, and logged nothing outside debug mode).
"""

from __future__ import annotations

import functools
import logging
from html import escape
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from pydantic import ValidationError

from magen.app.security import InvalidCredentials
from magen.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidCommand,
    NotFound,
    RateLimited,
)
from magen.store.base import EventConflict, LogUnavailable
from magen.web.i18n import LANGS, direction, text

_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    InvalidCommand: 422,
    RateLimited: 429,
}


def _problem(status: int, code: str, reason: str, **extra: Any) -> Response[dict[str, Any]]:
    headers = {"Retry-After": "5"} if status in {429, 503} else None
    return Response(
        {"error": code, "reason": reason, **extra},
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def status_of(exc: DomainError) -> int:
    """The HTTP status of a refusal: its own kind's, or the nearest kind it is a case of."""
    return next((_STATUS[k] for k in type(exc).__mro__ if k in _STATUS), 422)


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    extra = {"rule": exc.rule} if exc.rule else {}
    return _problem(status_of(exc), exc.code, exc.reason, **extra)


def credentials_error(
    _: Request[Any, Any, Any], exc: InvalidCredentials
) -> Response[dict[str, Any]]:
    return _problem(401, "unauthorized", str(exc))


# The bounds a rule names, by the key pydantic gives it in an error's context.
_LIMITS = ("le", "ge", "lt", "gt", "max_length", "min_length")


def _detail(error: Any) -> dict[str, Any]:
    """One refused field, as a client can say it in its own language.

    `rule` is pydantic's error type (https://errors.pydantic.dev: `less_than_equal`,
    `string_too_long`, `missing`, `extra_forbidden`...), `limit` the bound it names and
    `expected` the values an enumeration takes, beside the English `reason`.
    """
    detail: dict[str, Any] = {
        "field": ".".join(str(p) for p in error["loc"]),
        "reason": error["msg"],
        "rule": error["type"],
    }
    ctx = error.get("ctx") or {}
    limit = next((ctx[k] for k in _LIMITS if k in ctx), None)
    if isinstance(limit, int | float) and not isinstance(limit, bool):
        detail["limit"] = limit
    if isinstance(ctx.get("expected"), str):
        detail["expected"] = ctx["expected"]
    return detail


def _pydantic_cause(exc: BaseException) -> ValidationError | None:
    """The pydantic error behind a framework's validation failure, when there is one."""
    seen = exc.__cause__ or exc.__context__
    for _ in range(4):  # the framework wraps it once or twice
        if seen is None or isinstance(seen, ValidationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def validation_error(_: Request[Any, Any, Any], exc: ValidationError) -> Response[dict[str, Any]]:
    details = [_detail(e) for e in exc.errors()]
    first = details[0] if details else {"field": "", "reason": "invalid"}
    return _problem(400, "invalid", f"{first['field']}: {first['reason']}", details=details)


def conflict_error(_: Request[Any, Any, Any], exc: EventConflict) -> Response[dict[str, Any]]:
    return _problem(409, "conflict", "this id was already used for a different request")


def unavailable_error(_: Request[Any, Any, Any], exc: LogUnavailable) -> Response[dict[str, Any]]:
    return _problem(503, "unavailable", f"the event log is unreachable: {exc}")


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if exc.status_code == 413:  # Litestar says only "Request Entity Too Large"
        return _problem(413, "http_413", _too_large(request))
    extra: dict[str, Any] = {}
    cause = _pydantic_cause(exc) if exc.status_code == 400 else None
    if cause is not None:
        # The body's model refused it: the rule and its bound, not only Litestar's sentence.
        # Litestar names a body's fields without the "data." of its own signature.
        extra["details"] = [_detail(e) for e in cause.errors()]
    elif _no_body(exc):
        # Litestar says "Validation failed for POST /x: data 'data'" (its KeyError's words).
        why = "the request has no body: send the fields as a JSON object"
        missing = {"field": "", "reason": "the body is empty", "rule": "missing"}
        return _problem(400, "http_400", why, details=[missing])
    elif isinstance(exc.extra, list) and exc.extra:
        extra["details"] = [
            {"field": str(e.get("key", "")), "reason": str(e.get("message", ""))}
            if isinstance(e, dict)
            else {"field": "", "reason": str(e)}
            for e in exc.extra
        ]
    elif exc.status_code == 400 and exc.detail.startswith("Number out of range"):
        # msgspec's words, with the field's place hidden ("at `$[...][...]`").
        why = "a number in the body is beyond what any field takes (e.g. 1e400): check the numbers"
        return _problem(400, "http_400", why)
    reason = exc.detail
    if extra.get("details"):
        first = extra["details"][0]
        reason = f"{exc.detail}: {first['field']} {first['reason']}".strip()
    return _problem(exc.status_code, "http_" + str(exc.status_code), reason, **extra)


def _no_body(exc: HTTPException) -> bool:
    """Litestar's refusal of a route's `data` when the request carried no body at all."""
    return (
        exc.status_code == 400
        and isinstance(exc.extra, list)
        and len(exc.extra) == 1
        and isinstance(exc.extra[0], dict)
        and exc.extra[0].get("key") == "data"
        and exc.extra[0].get("message") == "'data'"
    )


def _too_large(request: Request[Any, Any, Any]) -> str:
    """The 413's reason, naming the limit of the route that refused (some take more)."""
    handler = request.scope.get("route_handler")
    limit = (
        handler.resolve_request_max_body_size() if isinstance(handler, HTTPRouteHandler) else None
    )
    if not isinstance(limit, int):
        return "the body is too large for this server"
    return f"the body is larger than {limit} bytes, the most this address takes in one request"


_log = logging.getLogger("magen.api")


@functools.cache
def _fault_page() -> str:
    """A page's answer to a fault: in every language, as the page cannot know which one
    failed, and never without the numbers to call."""
    lines = "".join(
        f'<p lang="{lang}" dir="{direction(lang)}">{escape(text("fault_page", lang))}<br>'
        f"{escape(text('emergency_numbers', lang))}</p>"
        for lang in LANGS
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Magen</title>'
        '</head><body style="font: 1.1rem/1.5 system-ui, sans-serif; max-width: 36rem; '
        f'margin: 2rem auto; padding: 0 1rem;">{lines}</body></html>'
    )


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A fault of the server's own: logged with its traceback, and a 500 that says so."""
    _log.error("fault on %s %s", request.method, request.url.path, exc_info=exc)
    if request.url.path.startswith("/api/"):
        return _problem(500, "internal", "a fault on the server; it was logged")
    return Response(_fault_page(), status_code=500, media_type=MediaType.HTML)


HANDLERS: dict[int | type[Exception], Any] = {
    DomainError: domain_error,
    InvalidCredentials: credentials_error,
    ValidationError: validation_error,
    EventConflict: conflict_error,
    LogUnavailable: unavailable_error,
    HTTPException: http_error,
    Exception: internal_error,
}
