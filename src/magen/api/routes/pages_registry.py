"""The HTML of the registrar's desk (/registry).

The desk is an HTML shell; its script works over the JSON API (the reunification board,
casualties, hospitals, matching, and the persons commands) and the live feed. The page
carries the log position it was drawn at, so the feed starts from there and not from the
log's beginning.

One small read lives here because the API has none a registrar may use: the family account
behind a username (to file a report for a family that has an account) and the names of the
family accounts the board refers to by id. Only resident accounts are named, only to the
desk's roles.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get
from litestar.params import FromQuery

from magen.api.deps import runtime
from magen.api.routes.pages import _NO_STORE, _signed_in, _staff_page
from magen.domain.accounts import Accounts
from magen.domain.values import Role

REGISTRY_ROLES = frozenset({Role.REGISTRAR, Role.ADMIN})
# Confirming, rejecting and recording a notification are registrar acts (domain/persons.py).
DECIDING_ROLES = frozenset({Role.REGISTRAR})
MAX_IDS = 200


@get("/registry", include_in_schema=False)
async def registry_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """The registrar's desk: matches to decide, families to tell, reports and check-ins."""
    actor = await _signed_in(request)
    decides = actor is not None and actor.role in DECIDING_ROLES
    return await _staff_page(
        request,
        REGISTRY_ROLES,
        "registry_refused",
        "registry.html",
        decides=decides,
        position=runtime(request).service.state.position,
        # The server's clock when the page was drawn: the times the desk writes itself (a
        # matching run's) agree with those the server recorded, whatever the machine's says.
        now=runtime(request).service.clock.now().isoformat(),
    )


@get("/registry/families", include_in_schema=False)
async def families(
    request: Request[Any, Any, Any],
    username: FromQuery[str | None] = None,
    ids: FromQuery[str | None] = None,
) -> Response[Any]:
    """Resident accounts by username (one) or by id (comma-separated): id, username, name."""
    actor = await _signed_in(request)
    if actor is None:
        return Response({"ok": False}, status_code=401, headers=_NO_STORE)
    if actor.role not in REGISTRY_ROLES:
        return Response({"ok": False}, status_code=403, headers=_NO_STORE)
    accounts = runtime(request).service.state.slice(Accounts)
    wanted: list[str] = []
    if username:
        found = accounts.by_username.get(username.strip()[:64])
        if found is not None:
            wanted.append(found)
    if ids:
        wanted.extend(i for i in ids.split(",")[:MAX_IDS] if i)
    out = []
    for account_id in dict.fromkeys(wanted):
        account = accounts.by_id.get(account_id)
        if account is None or account.role is not Role.RESIDENT:
            continue
        out.append(
            {
                "id": account.account_id,
                "username": account.username,
                "name": account.display_name,
                "active": account.active,
            }
        )
    return Response({"ok": True, "accounts": out}, headers=_NO_STORE)


ROUTERS: list[Router] = [
    Router(path="", route_handlers=[registry_page, families], include_in_schema=False)
]
