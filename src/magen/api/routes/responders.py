"""Responder check-in, status and position."""

from __future__ import annotations

from typing import Any

from litestar import Response, Router, post

from magen.api.routes._common import run_command
from magen.app.service import Service
from magen.domain.base import Actor
from magen.domain.responders import ChangeStatus, CheckIn, CheckOut, ReportPosition


@post("/responders/check-in")
async def check_in(service: Service, actor: Actor, data: CheckIn) -> Response[dict[str, Any]]:
    """Report for duty with capabilities, status and (optionally) position."""
    return await run_command(service, actor, data)


@post("/responders/check-out")
async def check_out(service: Service, actor: Actor, data: CheckOut) -> Response[dict[str, Any]]:
    """Go off duty."""
    return await run_command(service, actor, data)


@post("/responders/status")
async def change_status(
    service: Service, actor: Actor, data: ChangeStatus
) -> Response[dict[str, Any]]:
    """Report a new status: en route, on scene, engaged, wounded, needs ammunition..."""
    return await run_command(service, actor, data)


@post("/responders/position")
async def report_position(
    service: Service, actor: Actor, data: ReportPosition
) -> Response[dict[str, Any]]:
    """Report where the responder is now."""
    return await run_command(service, actor, data)


router = Router(
    path="/api/v1",
    route_handlers=[check_in, check_out, change_status, report_position],
    tags=["responders"],
)
