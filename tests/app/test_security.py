"""Authentication's actors."""

from __future__ import annotations

from magen.app.security import account_actor
from magen.domain.base import Actor
from magen.domain.values import Role


def test_an_account_acts_as_one_actor_until_its_role_changes() -> None:
    first = account_actor("acc_codec_test", Role.RESPONDER)
    assert account_actor("acc_codec_test", Role.RESPONDER) is first
    changed = account_actor("acc_codec_test", Role.DISPATCHER)
    assert changed == Actor("acc_codec_test", Role.DISPATCHER)
    assert account_actor("acc_codec_test", Role.DISPATCHER) is changed
    assert first == Actor("acc_codec_test", Role.RESPONDER)  # the old one is left as it was
