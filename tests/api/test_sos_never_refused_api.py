"""A call for help is raised, never refused, for what a person in a hurry gets wrong (an
as-user audit of the resident side):

- more injured or children than people (the page's "people" is 1 until changed): raised, the
  people counted as the most of the three; an update likewise;
- a phone's clock more than 5 minutes fast: raised, at the server's now (a sighting so timed
  is still refused).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from magen.domain.reports import Reports
from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, ok
from support.pagekit import form_command_id


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit(anonymous_per_minute=10_000, anonymous_burst=10_000) as k:
        yield k


def _call(kit: Kit, sos_id: str) -> Any:
    return kit.client.app.state["runtime"].service.state.slice(Reports).sos[sos_id]


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.ANONYMOUS])
def test_an_sos_with_more_injured_than_people_is_raised(kit: Kit, role: Role) -> None:
    r = kit.post(role, "/api/v1/sos", {"command_id": cid(), "where": BAKA, "injured": 3})
    assert r.status_code == 201, r.text
    call = _call(kit, r.json()["id"])
    assert (call.people, call.injured, call.children) == (3, 3, 0)


def test_an_sos_with_more_children_than_people_is_raised(kit: Kit) -> None:
    body = {"command_id": cid(), "where": BAKA, "people": 2, "injured": 1, "children": 4}
    r = kit.post(Role.RESIDENT, "/api/v1/sos", body)
    assert r.status_code == 201, r.text
    call = _call(kit, r.json()["id"])
    assert (call.people, call.injured, call.children) == (4, 1, 4)


def test_an_sos_update_with_more_injured_than_people_is_made(kit: Kit) -> None:
    sos = ok(kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": BAKA}))["id"]
    change = {"command_id": cid(), "injured": 2, "children": 5}
    r = kit.post(Role.RESIDENT, f"/api/v1/sos/{sos}/update", change)
    assert r.status_code == 201, r.text
    call = _call(kit, sos)
    assert (call.people, call.injured, call.children) == (5, 2, 5)


def test_the_resident_page_raises_an_sos_with_more_injured_than_people(kit: Kit) -> None:
    """The page's form left at 1 person, 3 injured typed: the call is raised (it was a 422
    "There are more injured or children than people")."""
    html = kit.client.get(f"/resident?lang=en&lat={BAKA['lat']}&lon={BAKA['lon']}").text
    data = {
        "form": "sos",
        "command_id": form_command_id(html, "/resident/sos"),
        "lat": str(BAKA["lat"]),
        "lon": str(BAKA["lon"]),
        "people": "1",
        "injured": "3",
    }
    r = kit.client.post("/resident/sos?lang=en", data=data)
    assert r.status_code == 201, r.text
    (call,) = kit.client.app.state["runtime"].service.state.slice(Reports).sos.values()
    assert (call.people, call.injured, call.children) == (3, 3, 0)


@pytest.mark.parametrize("ahead", [timedelta(minutes=7), timedelta(days=3)])
def test_an_sos_from_a_phone_with_a_fast_clock_is_raised_at_the_server_s_now(
    kit: Kit, ahead: timedelta
) -> None:
    at = (kit.clock.now() + ahead).isoformat()
    r = kit.post(
        Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": BAKA, "observed_at": at}
    )
    assert r.status_code == 201, r.text
    assert _call(kit, r.json()["id"]).raised_at == kit.clock.now()


def test_a_sighting_from_a_phone_with_a_fast_clock_is_still_refused(kit: Kit) -> None:
    at = (kit.clock.now() + timedelta(minutes=7)).isoformat()
    head = kit.log.head()
    body = {"command_id": cid(), "where": BAKA, "observed_at": at}
    r = kit.post(Role.RESIDENT, "/api/v1/sightings", body)
    assert r.status_code == 422, r.text
    assert "future" in r.json()["reason"]
    assert kit.log.head() == head


def test_the_api_still_refuses_an_sos_with_a_control_character(kit: Kit) -> None:
    """Only the resident page's form takes the invisible characters out; a client of the API
    is told its input is bad."""
    head = kit.log.head()
    body = {"command_id": cid(), "where": BAKA, "text": "seen \u0000 here"}
    r = kit.post(Role.RESIDENT, "/api/v1/sos", body)
    assert 400 <= r.status_code < 500, r.text
    assert "control character" in r.text
    assert kit.log.head() == head
