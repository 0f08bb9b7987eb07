"""The picture at a past log position: the time slider's endpoint and its fold."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from magen.app.codec import decode
from magen.app.history import History
from magen.app.projections import picture
from magen.domain import State, evolve
from magen.domain.base import Actor
from magen.domain.reports import Reports
from magen.domain.values import Role
from support.apikit import Kit, api_kit

VOLATILE = {"generated_at", "as_of", "head", "replay"}


def _fold(kit: Kit, position: int) -> State:
    state = State()
    for stored in kit.log.read(0, position):
        evolve(state, decode(stored))
    return state


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(anonymous_per_minute=10_000, anonymous_burst=10_000) as k:
        for i in range(6):
            k.clock.advance(timedelta(minutes=1))
            where = {"lat": 31.76 + i * 1e-3, "lon": 35.21 + i * 1e-3}
            r = k.post(
                Role.DISPATCHER,
                "/api/v1/sightings",
                {"command_id": str(uuid.uuid4()), "where": where, "count": i + 1},
            )
            assert r.status_code == 201, r.text
            if i % 2:
                r = k.post(
                    Role.RESIDENT,
                    "/api/v1/sos",
                    {"command_id": str(uuid.uuid4()), "where": where, "people": i},
                )
                assert r.status_code == 201, r.text
        yield k


def _at(kit: Kit, role: Role, position: int) -> Any:
    return kit.get(role, f"/api/v1/picture/at?position={position}")


def test_every_past_position_shows_exactly_the_fold_of_the_log_up_to_it(kit: Kit) -> None:
    head = kit.log.head()
    dispatcher = Actor(account_id=kit.accounts[Role.DISPATCHER], role=Role.DISPATCHER)
    for position in range(head + 1):
        r = _at(kit, Role.DISPATCHER, position)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["position"] == position
        assert body["replay"] is True
        assert body["head"] == head
        expected = picture(_fold(kit, position), dispatcher)
        assert {k: v for k, v in body.items() if k not in VOLATILE} == expected


def test_the_replayed_picture_says_when_it_was(kit: Kit) -> None:
    head = kit.log.head()
    last = decode(kit.log.read(head - 1, 1)[0])
    assert _at(kit, Role.ANALYST, head).json()["as_of"] == last.recorded_at.isoformat()
    assert _at(kit, Role.ANALYST, 0).json()["as_of"] is None


# Sections derived by the dispatch service, which finds its service by the live state's
# identity (app/picture_views.py): a folded past state has none yet.
DISPATCH_SECTIONS = {"tracks", "incidents", "scale", "recommendations", "assignments", "callups"}


def test_at_the_head_the_replay_is_the_live_picture(kit: Kit) -> None:
    head = kit.log.head()
    live = kit.get(Role.ADMIN, "/api/v1/picture").json()
    past = _at(kit, Role.ADMIN, head).json()
    shown = set(past) - VOLATILE
    assert {k: past[k] for k in shown} == {k: live[k] for k in shown}
    missing = set(live) - set(past) - VOLATILE
    assert missing <= DISPATCH_SECTIONS, missing
    if missing:
        pytest.xfail(
            f"the replay lacks {sorted(missing)}: those sections are computed only for the live "
            "state (DispatchService.for_state), not for a state folded to a past position"
        )


def test_earlier_means_fewer_reports(kit: Kit) -> None:
    live = kit.get(Role.DISPATCHER, "/api/v1/picture").json()
    first = live["sightings"][0]
    past = _at(kit, Role.DISPATCHER, first["position"]).json()
    assert [s["id"] for s in past["sightings"]] == [first["id"]]
    assert past["sos"] == []


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.ADMIN, 200),
        (Role.DISPATCHER, 200),
        (Role.ANALYST, 200),
        (Role.RESPONDER, 403),
        (Role.MEDIC, 403),
        (Role.REGISTRAR, 403),
        (Role.HOSPITAL, 403),
        (Role.RESIDENT, 403),
        (Role.ANONYMOUS, 403),
    ],
)
def test_only_those_who_run_and_review_the_response_replay_it(
    kit: Kit, role: Role, status: int
) -> None:
    assert _at(kit, role, 1).status_code == status


def test_positions_outside_the_log_are_refused(kit: Kit) -> None:
    head = kit.log.head()
    assert _at(kit, Role.ADMIN, head + 1).status_code == 404
    assert kit.get(Role.ADMIN, "/api/v1/picture/at?position=-1").status_code == 400
    assert kit.get(Role.ADMIN, "/api/v1/picture/at?position=x").status_code == 400
    assert kit.get(Role.ADMIN, "/api/v1/picture/at").status_code == 400


def test_a_fold_continues_from_the_nearest_cached_state_without_changing_it(kit: Kit) -> None:
    live = kit.client.app.state["runtime"].service.state
    history = History(kit.log, live, capacity=2)
    head = kit.log.head()
    a = history.at(head - 4)
    assert history.folded == head - 4
    sightings_at_a = len(a.state.slice(Reports).sightings)
    b = history.at(head - 1)
    assert history.folded == head - 1  # only the three steps between them
    assert history.at(head - 4) is a  # from the cache, untouched by the later fold
    assert a.state.position == head - 4
    assert len(a.state.slice(Reports).sightings) == sightings_at_a
    assert b.state.position == head - 1
    history.at(head)
    history.at(1)  # older than everything cached: folded from the start
    assert history.folded == head - 1 + 1 + 1
    assert history.at(head - 4) is not a  # evicted (capacity 2), folded again
    with pytest.raises(ValueError, match="negative"):
        history.at(-1)
