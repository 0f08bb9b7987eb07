"""Helpers shared by the routers."""

from __future__ import annotations

from typing import Any

from litestar import Response

from magen.api.wire import outcome_view
from magen.app.service import Service
from magen.domain.base import Actor, Command


async def run_command(service: Service, actor: Actor, command: Command) -> Response[dict[str, Any]]:
    """Handle a command and answer 201 with its positions (200 for an idempotent retry)."""
    outcome = await service.handle(actor, command)
    body = outcome_view(outcome, service.state.position)
    return Response(body, status_code=200 if outcome.replayed else 201)
