"""The API's token issuer remembers verified tokens without ever accepting one it should refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from magen.api.deps import CachingTokenIssuer
from magen.app.security import InvalidCredentials, TokenIssuer

NOW = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
SECRET = b"s" * 32


def test_a_cached_token_speaks_for_the_same_account_as_a_fresh_check() -> None:
    issuer = CachingTokenIssuer(SECRET, timedelta(hours=1))
    token, _ = issuer.issue("acc_1", "responder", NOW)
    first = issuer.verify(token, NOW)
    again = issuer.verify(token, NOW + timedelta(minutes=30))
    assert first == again == TokenIssuer(SECRET).verify(token, NOW) == ("acc_1", "responder")


def test_a_cached_token_still_expires() -> None:
    issuer = CachingTokenIssuer(SECRET, timedelta(hours=1))
    token, expires = issuer.issue("acc_1", "responder", NOW)
    issuer.verify(token, NOW)
    with pytest.raises(InvalidCredentials, match="expired"):
        issuer.verify(token, expires)
    with pytest.raises(InvalidCredentials, match="expired"):
        issuer.verify(token, expires + timedelta(seconds=1))


def test_a_token_signed_with_another_secret_is_refused_every_time() -> None:
    forged, _ = TokenIssuer(b"x" * 32).issue("acc_1", "admin", NOW)
    issuer = CachingTokenIssuer(SECRET)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            issuer.verify(forged, NOW)


def test_a_tampered_copy_of_a_cached_token_is_refused() -> None:
    issuer = CachingTokenIssuer(SECRET)
    token, _ = issuer.issue("acc_1", "responder", NOW)
    issuer.verify(token, NOW)
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    with pytest.raises(InvalidCredentials):
        issuer.verify(tampered, NOW)


def test_the_cache_holds_at_most_its_capacity_and_forgets_the_oldest_first() -> None:
    issuer = CachingTokenIssuer(SECRET, capacity=3)
    tokens = [issuer.issue(f"acc_{i}", "resident", NOW)[0] for i in range(5)]
    for token in tokens:
        issuer.verify(token, NOW)
    assert list(issuer._known) == tokens[2:]
    # A forgotten token is simply checked again.
    assert issuer.verify(tokens[0], NOW) == ("acc_0", "resident")
    assert list(issuer._known) == [*tokens[3:], tokens[0]]
