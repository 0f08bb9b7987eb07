"""Several workers on one log: what a client makes through one, another knows at once.

Each worker learns of the others' appends by polling the log. A client that creates an
account, signs in or raises an SOS through one worker and then, through another, uses what it
just made must not be told it does not exist: the second worker catches up with the log before
refusing (`Service.caught_up`). Here the second worker's poll is 30 s, so only that catch-up
can explain its answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from magen.domain.accounts import CreateAccount
from magen.domain.base import SYSTEM
from magen.domain.values import Role
from support.apikit import BAKA, PASSWORD, START, cid, password_hash, sign_in, two_workers

SECRET = b"w" * 32


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[tuple[TestClient[Any], TestClient[Any]]]:
    with two_workers(tmp_path / "magen.db", SECRET) as both:
        yield both


def _admin_token(client: TestClient[Any]) -> str:
    runtime = client.app.state["runtime"]
    command = CreateAccount(
        command_id=uuid.uuid4(),
        username="admin",
        role=Role.ADMIN,
        display_name="Admin",
        password_hash=password_hash(),
    )
    outcome = client.blocking_portal.call(runtime.service.handle, SYSTEM, command)  # type: ignore[union-attr]
    return str(runtime.tokens.issue(outcome.events[0].event.account_id, "admin", START)[0])


def _new_account(client: TestClient[Any], admin: dict[str, str], username: str, role: str) -> None:
    body = {
        "command_id": cid(),
        "username": username,
        "password": PASSWORD,
        "role": role,
        "display_name": username.title(),
    }
    assert client.post("/api/v1/accounts", json=body, headers=admin).status_code == 201


def test_a_token_for_an_account_made_on_another_worker_is_honoured(
    workers: tuple[TestClient[Any], TestClient[Any]],
) -> None:
    first, second = workers
    token = _admin_token(first)
    r = second.get("/api/v1/picture", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text


def test_an_account_made_on_one_worker_signs_in_on_another(
    workers: tuple[TestClient[Any], TestClient[Any]],
) -> None:
    first, second = workers
    admin = {"Authorization": f"Bearer {_admin_token(first)}"}
    for n in range(3):
        _new_account(first, admin, f"responder-{n}", "responder")
        assert sign_in(second, f"responder-{n}")
    r = second.post("/api/v1/auth/token", json={"username": "nobody", "password": PASSWORD})
    assert r.status_code == 401
    assert r.json()["reason"] == "wrong username or password"


def _dispatcher_signs_in(made_on: TestClient[Any], signs_in_on: TestClient[Any]) -> Any:
    """Make a dispatcher through one worker; the answer to its sign-in form on another."""
    admin = {"Authorization": f"Bearer {_admin_token(made_on)}"}
    _new_account(made_on, admin, "dispatcher", "dispatcher")
    form = {"username": "dispatcher", "password": PASSWORD, "next": ""}
    signed = signs_in_on.post("/login", data=form, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    return signed


def test_staff_made_on_one_worker_sign_in_on_another_through_the_page(
    workers: tuple[TestClient[Any], TestClient[Any]],
) -> None:
    first, second = workers
    assert _dispatcher_signs_in(first, second).headers["location"] == "/console"


def test_a_staff_page_opened_on_another_worker_right_after_signing_in_is_shown(
    workers: tuple[TestClient[Any], TestClient[Any]],
) -> None:
    first, second = workers
    signed = _dispatcher_signs_in(first, first)
    second.cookies.update({"magen_token": signed.cookies["magen_token"]})
    page = second.get("/console", follow_redirects=False)
    assert page.status_code == 200, page.headers.get("location")
    assert "Dispatcher" in page.text  # the account's name, known to this worker now
    second.cookies.update({"magen_token": "not-a-token"})
    assert second.get("/console", follow_redirects=False).status_code == 303


def test_an_sos_raised_on_one_worker_is_updated_on_another(
    workers: tuple[TestClient[Any], TestClient[Any]],
) -> None:
    first, second = workers
    admin = {"Authorization": f"Bearer {_admin_token(first)}"}
    _new_account(first, admin, "resident", "resident")
    resident = {"Authorization": f"Bearer {sign_in(first, 'resident')}"}
    raised = first.post("/api/v1/sos", json={"command_id": cid(), "where": BAKA}, headers=resident)
    assert raised.status_code == 201, raised.text
    sos_id = raised.json()["id"]
    update = {"command_id": cid(), "people": 3, "children": 1}
    r = second.post(f"/api/v1/sos/{sos_id}/update", json=update, headers=resident)
    assert r.status_code == 201, r.text
    missing = second.post(
        "/api/v1/sos/sos_unknown/update", json={**update, "command_id": cid()}, headers=resident
    )
    assert missing.status_code == 404


def test_a_check_refused_before_the_follower_caught_up_is_made_again(
    workers: tuple[TestClient[Any], TestClient[Any]],
) -> None:
    # The refused check saw position `seen`; if the worker's own follower applied the new
    # events while the check ran (argon2 takes a while), catching up finds nothing more to
    # read, yet the check must still be made again.
    first, second = workers
    service = second.app.state["runtime"].service
    portal = second.blocking_portal
    assert portal is not None
    seen = service.state.position
    assert not portal.call(service.caught_up, seen)  # nothing new anywhere
    _admin_token(first)
    assert portal.call(service.caught_up, seen)  # read and applied now
    assert service.state.position == seen + 1
    assert portal.call(service.caught_up, seen)  # already applied: still past what was seen
    assert not portal.call(service.caught_up, service.state.position)
