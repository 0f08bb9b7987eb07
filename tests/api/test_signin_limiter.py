"""The sign-in limiter's rules, on a clock the tests move (see `SignInLimiter`)."""

from __future__ import annotations

from magen.app.ratelimit import SignInLimiter, SignInPass, SignInRefusal


def _fail(limiter: SignInLimiter, username: str, address: str, now: float = 0.0) -> bool:
    """One wrong password; whether it was checked at all."""
    return isinstance(limiter.attempt(username, address, now), SignInPass)


def _right(limiter: SignInLimiter, username: str, address: str, now: float = 0.0) -> bool:
    leave = limiter.attempt(username, address, now)
    if not isinstance(leave, SignInPass):
        return False
    limiter.succeeded(leave, now)
    return True


def _refusal(limiter: SignInLimiter, username: str, address: str, now: float) -> SignInRefusal:
    answer = limiter.attempt(username, address, now)
    assert isinstance(answer, SignInRefusal), answer
    return answer


def test_a_user_who_mistypes_a_few_times_is_not_stopped() -> None:
    limiter = SignInLimiter()
    assert all(_fail(limiter, "dispatcher", "10.0.0.5") for _ in range(4))
    assert _right(limiter, "dispatcher", "10.0.0.5")
    # The right password starts the pair afresh: five more mistakes are checked.
    assert all(_fail(limiter, "dispatcher", "10.0.0.5", 1.0) for _ in range(5))


def test_one_username_from_one_address_five_failures_then_one_a_minute() -> None:
    limiter = SignInLimiter()
    assert all(_fail(limiter, "admin", "10.0.0.9") for _ in range(5))
    refused = _refusal(limiter, "admin", "10.0.0.9", 0.0)
    assert (refused.scope, refused.retry_after) == ("account_address", 60)
    assert _refusal(limiter, "admin", "10.0.0.9", 30.0).retry_after == 30
    assert _fail(limiter, "admin", "10.0.0.9", 60.0)
    assert _refusal(limiter, "ADMIN", "10.0.0.9", 60.0).scope == "account_address"  # case-blind
    # The right password is not checked either while the pair is refused.
    assert not _right(limiter, "admin", "10.0.0.9", 61.0)
    # Nor is another address held back by this one.
    assert _right(limiter, "admin", "10.0.0.10", 61.0)


def test_an_address_cycling_usernames_is_limited_by_address() -> None:
    limiter = SignInLimiter()
    assert all(_fail(limiter, f"guess{i}", "198.51.100.7") for i in range(30))
    refused = _refusal(limiter, "guess30", "198.51.100.7", 0.0)
    assert (refused.scope, refused.retry_after) == ("address", 6)
    assert _fail(limiter, "guess31", "198.51.100.7", 6.0)  # then one every 6 s
    assert not _fail(limiter, "guess32", "198.51.100.7", 6.0)
    assert _fail(limiter, "guess0", "198.51.100.8", 6.0)  # another address is its own


def test_a_spread_out_guess_at_one_account_is_slowed_but_not_its_users_known_address() -> None:
    limiter = SignInLimiter()
    assert _right(limiter, "admin", "10.0.0.2")  # the admin's own desk, yesterday
    assert all(_fail(limiter, "admin", f"203.0.113.{i}", 10.0) for i in range(50))
    refused = _refusal(limiter, "admin", "203.0.113.200", 10.0)
    assert (refused.scope, refused.retry_after) == ("account", 6)
    # From the desk it has signed in from, the admin is not held back by what others sent.
    assert _right(limiter, "admin", "10.0.0.2", 11.0)
    assert _fail(limiter, "admin", "10.0.0.2", 12.0)
    # From a new device, the admin waits only for the next turn.
    assert _right(limiter, "admin", "192.0.2.1", 16.0)


def test_a_known_address_is_forgotten_after_thirty_days() -> None:
    limiter = SignInLimiter()
    assert _right(limiter, "admin", "10.0.0.2")
    month = SignInLimiter.KNOWN_FOR_S
    assert all(_fail(limiter, "admin", f"203.0.113.{i}", month) for i in range(50))
    assert _refusal(limiter, "admin", "10.0.0.2", month).scope == "account"


def test_attempts_in_flight_count_before_their_passwords_are_checked() -> None:
    limiter = SignInLimiter()
    held = [limiter.attempt("admin", "10.0.0.9", 0.0) for _ in range(5)]
    assert all(isinstance(h, SignInPass) for h in held)
    assert isinstance(limiter.attempt("admin", "10.0.0.9", 0.0), SignInRefusal)


def test_right_passwords_use_nothing_up() -> None:
    limiter = SignInLimiter()
    for i in range(200):  # a whole office behind one address signing in at a shift change
        assert _right(limiter, f"officer{i}", "10.1.1.1")
    for _ in range(200):
        assert _right(limiter, "dispatcher", "10.1.1.1")
    assert all(_fail(limiter, f"guess{i}", "10.1.1.1") for i in range(30))


def test_a_check_that_did_not_happen_gives_its_tokens_back() -> None:
    limiter = SignInLimiter()
    for _ in range(10):
        leave = limiter.attempt("admin", "10.0.0.9", 0.0)
        assert isinstance(leave, SignInPass)
        limiter.release(leave, 0.0)


def test_only_the_first_refusal_of_a_run_is_noted() -> None:
    limiter = SignInLimiter()
    assert all(_fail(limiter, "admin", "10.0.0.9") for _ in range(5))
    assert _refusal(limiter, "admin", "10.0.0.9", 0.0).first
    assert not _refusal(limiter, "admin", "10.0.0.9", 1.0).first
    assert _fail(limiter, "admin", "10.0.0.9", 60.0)
    assert _refusal(limiter, "admin", "10.0.0.9", 60.0).first
