"""An EDXL-HAVE document the log would refuse part of is refused whole, before anything is kept.

Each hospital's newer status is one command; the log refuses a status time more than 5 minutes
ahead or 30 days behind. A document whose second hospital had such a time recorded the first
and answered 422: an error over a change made. `status_commands(..., now=...)` refuses such a
document before any command is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain import hospitals as hos
from magen.domain.values import Role
from magen.interop.edxl_have import EdxlError, import_have, status_commands
from support.apikit import START, Kit, api_kit, cid

SOUTH = {"lat": 31.7510, "lon": 35.2080}
NORTH = {"lat": 31.7690, "lon": 35.2200}
STATUS = {"ems_traffic": "Advisory", "ems_traffic_reason": "mass casualty incident"}


def _register(kit: Kit, hospital_id: str, where: dict[str, float]) -> None:
    body = {"command_id": cid(), "hospital_id": hospital_id, "name": hospital_id.title()}
    r = kit.post(Role.ADMIN, "/api/v1/hospitals", {**body, "where": where})
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def document() -> str:
    """South and north, each with a status, as another server exports them."""
    with api_kit() as source:
        for hospital_id, where in (("south", SOUTH), ("north", NORTH)):
            _register(source, hospital_id, where)
            r = source.post(
                Role.DISPATCHER,
                f"/api/v1/hospitals/{hospital_id}/status",
                {"command_id": cid(), "status": STATUS},
            )
            assert r.status_code == 201, r.text
        return str(source.get(Role.DISPATCHER, "/api/v1/hospitals/edxl-have").text)


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        _register(k, "south", SOUTH)
        _register(k, "north", NORTH)
        yield k


def _north_at(document: str, when: str) -> str:
    """The document with north's LastUpdateTime changed (south's kept)."""
    head, north = document.split('xnl:OrganisationID="north"')
    north = re.sub(r"<LastUpdateTime>[^<]*<", f"<LastUpdateTime>{when}<", north, count=1)
    return head + 'xnl:OrganisationID="north"' + north


def _known(kit: Kit) -> Any:
    return kit.client.app.state["runtime"].service.state.slice(hos.Hospitals).by_id


@pytest.mark.parametrize(
    ("when", "said"),
    [("2099-01-01T00:00:00Z", "is in the future"), ("2023-08-01T00:00:00Z", "30 days ago")],
)
def test_a_time_the_log_refuses_refuses_the_whole_document_naming_the_hospital(
    kit: Kit, document: str, when: str, said: str
) -> None:
    parsed = import_have(_north_at(document, when).encode())
    with pytest.raises(EdxlError, match=f"LastUpdateTime of north .*{said}"):
        status_commands(parsed, _known(kit), now=START)
    # Without `now`, as before: both become commands (the log refuses north's later).
    assert len(status_commands(parsed, _known(kit)).commands) == 2


def test_one_hospital_with_two_newer_statuses_is_refused(kit: Kit, document: str) -> None:
    south = document[document.index("<Hospital>") : document.index("</Hospital>") + 11]
    later = re.sub(r"<LastUpdateTime>[^<]*<", "<LastUpdateTime>2023-10-07T06:31:00Z<", south)
    twice = document.replace("</HospitalStatus>", later + "</HospitalStatus>")
    parsed = import_have(twice.encode())
    with pytest.raises(EdxlError, match="south is reported twice"):
        status_commands(parsed, _known(kit), now=START)


def test_a_document_the_log_takes_whole_still_makes_its_commands(kit: Kit, document: str) -> None:
    plan = status_commands(import_have(document.encode()), _known(kit), now=START)
    assert sorted(c.hospital_id for c in plan.commands) == ["north", "south"]


def test_through_the_api_the_document_changes_nothing(kit: Kit, document: str) -> None:
    head = kit.log.head()
    r = kit.client.post(
        "/api/v1/hospitals/edxl-have",
        content=_north_at(document, "2099-01-01T00:00:00Z").encode(),
        headers={**kit.auth(Role.DISPATCHER), "Content-Type": "application/xml"},
    )
    assert r.status_code == 400, r.text
    assert "LastUpdateTime of north" in r.json()["reason"]
    assert kit.log.head() == head
