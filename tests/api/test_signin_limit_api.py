"""Sign-in is limited per username and address, failures are logged and counted (audit 15 #9)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from magen.app.ratelimit import SignInLimiter
from support.apikit import PASSWORD, Kit, api_kit

TOKEN = "/api/v1/auth/token"
WRONG = "not-the-password"


@pytest.fixture
def kit() -> Iterator[Kit]:
    """An app whose sign-in limiter's clock stands still (argon2 takes real time)."""
    with api_kit() as k:
        k.client.app.state["signin_limiter"] = SignInLimiter(monotonic=lambda: 1000.0)
        yield k


def _token(client: TestClient[Any], username: str, password: str) -> httpx.Response:
    return client.post(TOKEN, json={"username": username, "password": password})


def _from(kit: Kit, address: str, username: str, password: str) -> httpx.Response:
    """A sign-in sent from another client address (the test client is always "testclient")."""
    app = kit.client.app

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://magen.test") as c:
            return await c.post(TOKEN, json={"username": username, "password": password})

    return kit.client.blocking_portal.call(send)  # type: ignore[union-attr]


def _sign_ins(client: TestClient[Any]) -> dict[str, float]:
    text = client.get("/metrics").text
    return {
        s.labels["outcome"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if family.name == "magen_commands" and s.labels.get("command") == "SignIn"
    }


def test_guessing_an_admin_password_is_refused_after_five_and_each_failure_logged(
    kit: Kit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="magen.signin")
    answers = [_token(kit.client, "user-admin", f"{WRONG}-{i}") for i in range(48)]
    assert [a.status_code for a in answers] == [401] * 5 + [429] * 43
    refused = answers[5]
    assert refused.headers["retry-after"] == "60"
    body = refused.json()
    assert body["error"] == "rate_limited"
    assert body["rule"] == "too_many_sign_ins"
    assert body["retry_after"] == 60
    assert "too many failed sign-ins for this username from this address" in body["reason"]
    # The right password is not even checked while the limit holds.
    assert _token(kit.client, "user-admin", PASSWORD).status_code == 429

    failed = [r for r in caplog.records if r.getMessage().startswith("sign-in failed")]
    assert len(failed) == 5
    assert all(r.levelno == logging.WARNING for r in failed)
    assert "'user-admin'" in failed[0].getMessage()
    assert "testclient" in failed[0].getMessage()
    limited = [r for r in caplog.records if r.getMessage().startswith("sign-in refused")]
    assert len(limited) == 1  # once per run of refusals, not once per request
    assert "retry in 60 s" in limited[0].getMessage()
    assert not any(WRONG in r.getMessage() for r in caplog.records)  # never a password

    assert _sign_ins(kit.client) == {"refused": 5.0, "rate_limited": 44.0}


def test_two_typos_then_the_right_password_signs_in(kit: Kit) -> None:
    assert _token(kit.client, "user-dispatcher", WRONG).status_code == 401
    assert _token(kit.client, "user-dispatcher", WRONG).status_code == 401
    assert _token(kit.client, "user-dispatcher", PASSWORD).status_code == 200
    assert _sign_ins(kit.client) == {"refused": 2.0, "ok": 1.0}


def test_right_passwords_are_never_held_back(kit: Kit) -> None:
    for _ in range(8):
        assert _token(kit.client, "user-analyst", PASSWORD).status_code == 200
    assert all(_token(kit.client, f"nobody{i}", WRONG).status_code == 401 for i in range(4))
    for _ in range(8):
        assert _token(kit.client, "user-analyst", PASSWORD).status_code == 200


def test_one_address_cycling_usernames_is_stopped_by_address(kit: Kit) -> None:
    codes = [_token(kit.client, f"guess{i}", WRONG).status_code for i in range(31)]
    assert codes == [401] * 30 + [429]
    last = _token(kit.client, "guess99", WRONG)
    assert last.headers["retry-after"] == "6"
    assert "from this address" in last.json()["reason"]
    # Another address is not held back by this one.
    assert _from(kit, "192.0.2.44", "guess0", WRONG).status_code == 401


def test_guesses_from_elsewhere_do_not_lock_the_user_out_of_their_own_device(kit: Kit) -> None:
    assert _from(kit, "10.0.0.2", "user-admin", PASSWORD).status_code == 200  # the admin's desk
    codes = [_from(kit, f"203.0.113.{i}", "user-admin", WRONG).status_code for i in range(51)]
    assert codes == [401] * 50 + [429]
    assert "for this username" in _from(kit, "203.0.113.99", "user-admin", WRONG).json()["reason"]
    assert _from(kit, "10.0.0.2", "user-admin", PASSWORD).status_code == 200


def test_the_sign_in_page_says_the_wait_in_the_reader_s_language(kit: Kit) -> None:
    client = kit.client
    for _ in range(3):
        assert _token(client, "user-registrar", WRONG).status_code == 401
    for _ in range(2):  # the page and the API share the limit
        form = {"username": "user-registrar", "password": WRONG}
        assert client.post("/login", data=form).status_code == 401
    form = {"username": "user-registrar", "password": PASSWORD}
    page = client.post("/login", data=form, headers={"accept-language": "he"})
    assert page.status_code == 429
    assert page.headers["retry-after"] == "60"
    assert "יותר מדי ניסיונות כניסה שגויים. נסו שוב בעוד 60 שניות." in page.text
    script = client.post(
        "/login", data=form, headers={"accept": "application/json", "accept-language": "ar"}
    )
    assert script.status_code == 429
    assert script.headers["retry-after"] == "60"
    assert script.json() == {
        "ok": False,
        "reason": "محاولات دخول خاطئة كثيرة جدًا. حاولوا مرة أخرى بعد 60 ثانية.",
    }
    english = client.post(
        "/login", data=form, headers={"accept": "application/json", "accept-language": "en"}
    )
    assert english.json()["reason"] == "Too many wrong sign-in attempts. Try again in 60 seconds."


def test_every_app_limits_sign_in_on_its_own_clock() -> None:
    with api_kit() as plain:  # the limiter made at the first sign-in, on the real clock
        codes = [_token(plain.client, "user-medic", WRONG).status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]
    with api_kit() as other:  # another app knows nothing of the first one's failures
        assert _token(other.client, "user-medic", PASSWORD).status_code == 200
