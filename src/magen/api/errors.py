"""Every refusal becomes a 4xx (or a 503) with a plain reason; nothing is appended."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
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
    return _problem(status_of(exc), exc.code, exc.reason)


def credentials_error(
    _: Request[Any, Any, Any], exc: InvalidCredentials
) -> Response[dict[str, Any]]:
    return _problem(401, "unauthorized", str(exc))


def validation_error(_: Request[Any, Any, Any], exc: ValidationError) -> Response[dict[str, Any]]:
    details = [
        {"field": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
    ]
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
    if isinstance(exc.extra, list) and exc.extra:
        extra["details"] = [
            {"field": str(e.get("key", "")), "reason": str(e.get("message", ""))}
            if isinstance(e, dict)
            else {"field": "", "reason": str(e)}
            for e in exc.extra
        ]
    reason = exc.detail
    if extra.get("details"):
        first = extra["details"][0]
        reason = f"{exc.detail}: {first['field']} {first['reason']}".strip()
    return _problem(exc.status_code, "http_" + str(exc.status_code), reason, **extra)


def _too_large(request: Request[Any, Any, Any]) -> str:
    runtime = request.app.state.get("runtime")
    limit = getattr(getattr(runtime, "settings", None), "max_body_bytes", None)
    if not isinstance(limit, int):
        return "the body is too large for this server"
    return f"the body is larger than {limit} bytes, the most this server takes in one request"


HANDLERS: dict[int | type[Exception], Any] = {
    DomainError: domain_error,
    InvalidCredentials: credentials_error,
    ValidationError: validation_error,
    EventConflict: conflict_error,
    LogUnavailable: unavailable_error,
    HTTPException: http_error,
}
