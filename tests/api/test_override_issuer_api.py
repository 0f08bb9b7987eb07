"""Who gave an operator's order: named in the picture to operators, never to anyone else.

The console's lock-in rows say "by <name> (<role>), 10:32"; the picture's overrides carry
the issuer's account, display name and role for operators (admins, dispatchers) and the
analysts who read everything (app/auth.py), for no one else. The
public views of orders (GET /guidance/overrides, the picture of every other role) leave them
out: the public layer is safe to fall into an attacker's hands.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import Kit, api_kit, cid
from support.bakapack import baka_pack

CIRCLE = {"kind": "circle", "lat": 31.7600, "lon": 35.2170, "radius_m": 80}


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def _order(kit: Kit, who: Role) -> str:
    body = {"command_id": cid(), "action": "lock_in", "area": CIRCLE, "reason": "shots"}
    r = kit.post(who, "/api/v1/guidance/overrides", body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _seen(kit: Kit, who: Role, oid: str) -> dict[str, Any] | None:
    r = kit.get(who, "/api/v1/picture")
    if r.status_code != 200:
        return None
    return next((o for o in r.json().get("overrides", []) if o["id"] == oid), None)


def test_operators_see_who_gave_an_order_by_name_and_role(kit: Kit) -> None:
    by_dispatcher, by_admin = _order(kit, Role.DISPATCHER), _order(kit, Role.ADMIN)
    for reader in (Role.DISPATCHER, Role.ADMIN, Role.ANALYST):
        seen = _seen(kit, reader, by_dispatcher)
        assert seen is not None
        assert seen["issued_by"] == {
            "account_id": kit.accounts[Role.DISPATCHER],
            "name": "Dispatcher",
            "role": "dispatcher",
        }
        other = _seen(kit, reader, by_admin)
        assert other is not None
        assert other["issued_by"]["role"] == "admin"


def test_nobody_else_is_told_who_gave_an_order(kit: Kit) -> None:
    oid = _order(kit, Role.DISPATCHER)
    others = [r for r in Role if r not in (Role.DISPATCHER, Role.ADMIN, Role.ANALYST)]
    shown = 0
    for reader in others:
        seen = _seen(kit, reader, oid)
        if seen is not None:
            shown += 1
            assert "issued_by" not in seen, reader
    assert shown, "no other role sees orders in the picture: nothing was checked"
    public = kit.get(Role.ANONYMOUS, "/api/v1/guidance/overrides").json()["overrides"]
    assert all("issued_by" not in o for o in public)
    assert any(o["id"] == oid for o in public)
