"""A command's fingerprint is the same in every process, so retries are recognised anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

from magen.app.security import TokenIssuer
from magen.domain.base import Actor
from magen.domain.responders import Capability, CheckIn, ResponderKind
from magen.domain.values import Role

_PRINT = (
    "import uuid;"
    "from magen.domain.responders import CheckIn, Capability, ResponderKind;"
    "from magen.domain.base import Actor;"
    "from magen.domain.values import Role;"
    "c = CheckIn(command_id=uuid.UUID(int=1), kind=ResponderKind.VOLUNTEER,"
    " capabilities=frozenset(Capability));"
    "print(c.fingerprint(Actor('acc_1', Role.RESPONDER)))"
)


def test_fingerprint_of_a_set_field_does_not_depend_on_the_hash_seed() -> None:
    prints = {
        subprocess.run(
            [sys.executable, "-c", _PRINT],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in (1, 2, 3, 4)
    }
    assert len(prints) == 1


def test_fingerprint_tells_different_requests_apart() -> None:
    actor = Actor("acc_1", Role.RESPONDER)
    a = CheckIn(command_id=uuid.uuid4(), kind=ResponderKind.VOLUNTEER)
    b = CheckIn(command_id=a.command_id, kind=ResponderKind.MEDIC)
    armed = CheckIn(
        command_id=a.command_id,
        kind=ResponderKind.VOLUNTEER,
        capabilities=frozenset({Capability.ARMED}),
    )
    assert len({a.fingerprint(actor), b.fingerprint(actor), armed.fingerprint(actor)}) == 3
    assert a.fingerprint(actor) != a.fingerprint(Actor("acc_2", Role.RESPONDER))


def test_a_token_issued_by_a_clock_ahead_of_the_wall_is_accepted_on_that_clock() -> None:
    issuer = TokenIssuer(b"s" * 32)
    ahead = datetime.now(UTC) + timedelta(hours=3)
    token, _ = issuer.issue("acc_1", "dispatcher", ahead)
    assert issuer.verify(token, ahead + timedelta(minutes=1)) == ("acc_1", "dispatcher")
