"""Responder check-in, status and position."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, post
from litestar.params import JSONBody

from magen.api.bodies import validated_first
from magen.api.deps import ActorDep, ServiceDep
from magen.api.routes._common import run_command, run_for_caller
from magen.domain.responders import ChangeStatus, CheckIn, CheckOut, ReportPosition


@post("/responders/check-in")
async def check_in(
    service: ServiceDep, actor: ActorDep, data: JSONBody[CheckIn]
) -> Response[dict[str, Any]]:
    """Report for duty with capabilities, status and (optionally) position."""
    return await run_command(service, actor, data)


@post("/responders/check-out")
async def check_out(
    service: ServiceDep, actor: ActorDep, data: JSONBody[CheckOut]
) -> Response[dict[str, Any]]:
    """Go off duty."""
    return await run_command(service, actor, data)


@post("/responders/status")
async def change_status(
    service: ServiceDep, actor: ActorDep, data: JSONBody[ChangeStatus]
) -> Response[dict[str, Any]]:
    """Report a new status: en route, on scene, engaged, wounded, needs ammunition..."""
    return await run_command(service, actor, data)


@post("/responders/position", before_request=validated_first)
async def report_position(
    request: Request[Any, Any, Any], data: JSONBody[ReportPosition]
) -> Response[dict[str, Any]]:
    """Report where the responder is now."""
    return await run_for_caller(request, data)


router = Router(
    path="/api/v1",
    route_handlers=[check_in, check_out, change_status, report_position],
    tags=["responders"],
)
