"""A responder's position with a wrong date is refused with a rule; a fast clock is kept.

A phone's clock a minute or two fast is drift, and its position is kept at the server's now.
A time a month or more away is a wrong date (2099, 1970): refused, as CoT's are, with the
rule a page says in its own language, and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        r = k.post(
            Role.RESPONDER,
            "/api/v1/responders/check-in",
            {"command_id": cid(), "kind": "volunteer"},
        )
        assert r.status_code == 201, r.text
        yield k


def _send(kit: Kit, at: datetime) -> object:
    body = {"command_id": cid(), "where": BAKA, "observed_at": at.isoformat()}
    return kit.post(Role.RESPONDER, "/api/v1/responders/position", body)


@pytest.mark.parametrize(
    ("offset", "rule"),
    [(timedelta(days=31), "time_in_future"), (timedelta(days=-31), "time_too_old")],
)
def test_a_position_dated_a_month_away_is_refused_and_changes_nothing(
    kit: Kit, offset: timedelta, rule: str
) -> None:
    r = _send(kit, kit.clock.now() + offset)
    assert r.status_code == 422, r.text
    assert r.json()["rule"] == rule
    (me,) = kit.get(Role.DISPATCHER, "/api/v1/picture").json()["responders"]
    assert me["lat"] is None


def test_a_fast_clock_is_kept_at_the_servers_now(kit: Kit) -> None:
    r = _send(kit, kit.clock.now() + timedelta(minutes=2))
    assert r.status_code == 201, r.text
    (me,) = kit.get(Role.DISPATCHER, "/api/v1/picture").json()["responders"]
    assert (me["lat"], me["lon"]) == (BAKA["lat"], BAKA["lon"])
