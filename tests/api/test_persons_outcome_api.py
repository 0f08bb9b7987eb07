"""Through the API: a family told "in care" of someone who then dies or is discharged, the
desk's families to tell again, a confirmed match withdrawn, and proposals of closed reports.

The audit's repro: a family reports "שרה לוי"; a medic records "Sara Levy" and evacuates;
the registrar confirms (injured); the hospital records the arrival, then the death.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.app import registry_board
from magen.domain import persons as per
from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, ok

STALE = "Found alive and receiving care. A registrar will call you."


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        where = {"lat": 31.7737, "lon": 35.1817}
        body = {"hospital_id": "hadassah", "name": "Hadassah", "where": where}
        body["account_id"] = k.accounts[Role.HOSPITAL]
        ok(k.post(Role.ADMIN, "/api/v1/hospitals", {"command_id": cid(), **body}))
        yield k


def _post(kit: Kit, role: Role, path: str, **body: Any) -> Any:
    return ok(kit.post(role, path, {"command_id": cid(), **body}))


def _family_report(kit: Kit, full_name: str = "שרה לוי") -> str:
    return str(
        _post(kit, Role.RESIDENT, "/api/v1/persons/missing", name={"full_name": full_name})["id"]
    )


def _casualty_in_hospital(kit: Kit, tag: str) -> str:
    made = _post(
        kit, Role.MEDIC, "/api/v1/casualties", tag=tag, where=BAKA, name={"full_name": "Sara Levy"}
    )
    casualty = str(made["id"])
    _post(kit, Role.MEDIC, f"/api/v1/casualties/{casualty}/evacuate", destination="hadassah")
    _post(kit, Role.HOSPITAL, f"/api/v1/casualties/{casualty}/arrival", hospital_id="hadassah")
    return casualty


def _proposal(kit: Kit, report: str, kind: str, candidate: str) -> str:
    body = {"report_id": report, "candidate_kind": kind, "candidate_id": candidate, "score": 0.9}
    return str(_post(kit, Role.REGISTRAR, "/api/v1/persons/matches", **body)["id"])


def _board(kit: Kit) -> dict[str, Any]:
    board: dict[str, Any] = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    # The followed board is the board computed in one pass.
    state = kit.client.app.state["runtime"].service.state
    computed = registry_board.compute_board(state)
    assert [registry_board.tell_card(t) for t in computed.to_tell] == board["to_tell"]
    # (as a set: proposals of one score and one time are in no fixed order)
    assert {m.match_id for m in computed.matches} == {m["match_id"] for m in board["matches"]}
    return board


def _family(kit: Kit) -> dict[str, Any]:
    [mine] = ok(kit.get(Role.RESIDENT, "/api/v1/persons/family"))["reports"]
    return dict(mine)


def test_a_death_after_the_family_was_told_is_to_tell_again_and_never_said_as_care(
    kit: Kit,
) -> None:
    report = _family_report(kit)
    casualty = _casualty_in_hospital(kit, "B-17")
    ran = ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matching/run", {}))
    assert ran["proposed"] >= 1, ran
    [match] = [m for m in _board(kit)["matches"] if m["report_id"] == report]
    assert _board(kit)["will_be"][match["match_id"]] == "injured"
    _post(kit, Role.REGISTRAR, f"/api/v1/persons/matches/{match['match_id']}/confirm")
    assert (_family(kit)["outcome"], _family(kit)["message"]) == ("injured", STALE)
    _post(
        kit,
        Role.REGISTRAR,
        f"/api/v1/persons/missing/{report}/notified",
        match_id=match["match_id"],
    )
    assert _board(kit)["to_tell"] == []

    _post(kit, Role.HOSPITAL, f"/api/v1/casualties/{casualty}/death")
    mine = _family(kit)
    assert (mine["status"], mine["outcome"], mine["message"]) == ("found", None, per.FOUND_PENDING)
    assert mine["release_key"] == "registry_release_pending"
    board = _board(kit)
    assert board["to_tell"] == [
        {
            "report_id": report,
            "primary_id": report,
            "match_id": match["match_id"],
            "changed_from": "injured",
            "told_before": True,
            "told": "injured",
            "identify_first": True,
            "casualty_id": casualty,
        }
    ]
    assert board["reports"][report]["outcome"] == "deceased"
    assert board["casualties"][casualty]["status"] == "deceased"
    # Not formally identified: the desk's "told" is refused by its rule.
    refused = kit.post(
        Role.REGISTRAR,
        f"/api/v1/persons/missing/{report}/notified",
        {"command_id": cid(), "match_id": match["match_id"]},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "not_formally_identified"


def test_a_discharge_to_other_care_stays_in_care_and_the_card_says_where(kit: Kit) -> None:
    report = _family_report(kit)
    casualty = _casualty_in_hospital(kit, "B-18")
    _post(kit, Role.HOSPITAL, f"/api/v1/casualties/{casualty}/discharge", disposition="other_care",
          note="transferred to Hadassah burns unit")  # fmt: skip
    match = _proposal(kit, report, "casualty", casualty)
    board = _board(kit)
    assert board["casualties"][casualty]["disposition"] == "other_care"
    assert board["will_be"][match] == "injured"
    _post(kit, Role.REGISTRAR, f"/api/v1/persons/matches/{match}/confirm")
    assert _family(kit)["outcome"] == "injured"


def test_a_transfer_after_the_family_was_told_lists_them_with_where_then_and_now(
    kit: Kit,
) -> None:
    where = {"lat": 31.2585, "lon": 34.8011}
    body = {"hospital_id": "soroka", "name": "Soroka", "where": where}
    ok(kit.post(Role.ADMIN, "/api/v1/hospitals", {"command_id": cid(), **body}))
    report = _family_report(kit)
    casualty = _casualty_in_hospital(kit, "B-19")
    match = _proposal(kit, report, "casualty", casualty)
    _post(kit, Role.REGISTRAR, f"/api/v1/persons/matches/{match}/confirm")
    [waiting] = _board(kit)["to_tell"]
    assert (waiting["place"], waiting["casualty_id"]) == ("hospital:hadassah", casualty)
    _post(kit, Role.REGISTRAR, f"/api/v1/persons/missing/{report}/notified", match_id=match)
    assert _board(kit)["to_tell"] == []

    _post(kit, Role.HOSPITAL, f"/api/v1/casualties/{casualty}/evacuate", destination="soroka")
    board = _board(kit)
    [moved] = board["to_tell"]
    assert (moved["moved_from"], moved["place"], moved["told"]) == (
        "hospital:hadassah",
        "hospital:soroka",
        "injured",
    )
    assert {"hadassah", "soroka"} <= set(board["hospitals"])
    # The family's page is unchanged: they are alive and in care.
    assert (_family(kit)["outcome"], _family(kit)["message"]) == ("injured", STALE)


def test_withdrawing_a_confirmed_match_is_the_registrar_s_alone(kit: Kit) -> None:
    report = _family_report(kit)
    casualty = _casualty_in_hospital(kit, "B-19")
    match = _proposal(kit, report, "casualty", casualty)
    _post(kit, Role.REGISTRAR, f"/api/v1/persons/matches/{match}/confirm")
    _post(kit, Role.REGISTRAR, f"/api/v1/persons/missing/{report}/notified", match_id=match)
    path = f"/api/v1/persons/matches/{match}/withdraw"
    for role in (Role.RESIDENT, Role.MEDIC, Role.HOSPITAL, Role.DISPATCHER, Role.ADMIN):
        refused = kit.post(role, path, {"command_id": cid(), "reason": "she called us"})
        assert refused.status_code == 403, (role, refused.text)
    assert kit.post(Role.REGISTRAR, path, {"command_id": cid()}).status_code in (400, 422)
    _post(kit, Role.REGISTRAR, path, reason="she called us herself")

    mine = _family(kit)
    assert (mine["status"], mine["outcome"], mine["message"]) == ("searching", None, "")
    board = _board(kit)
    assert board["to_tell"] == [
        {
            "report_id": report,
            "primary_id": report,
            "match_id": match,
            "told_before": True,
            "told": "injured",
            "withdrawn": True,
            "reason": "she called us herself",
        }
    ]
    assert board["counts"]["matches"]["withdrawn"] == 1
    assert board["reports"][report]["status"] == "searching"
    # Telling them the news was wrong takes the family off the list.
    _post(kit, Role.REGISTRAR, f"/api/v1/persons/missing/{report}/notified", match_id=match)
    assert _board(kit)["to_tell"] == []


def test_proposals_of_a_closed_report_are_not_offered(kit: Kit) -> None:
    report = _family_report(kit)
    first = _proposal(kit, report, "casualty", _casualty_in_hospital(kit, "B-20"))
    second = _proposal(kit, report, "casualty", _casualty_in_hospital(kit, "B-21"))
    assert {m["match_id"] for m in _board(kit)["matches"]} == {first, second}
    _post(kit, Role.REGISTRAR, f"/api/v1/persons/matches/{first}/confirm")
    board = _board(kit)
    assert board["matches"] == []
    assert board["counts"]["proposed_on_closed"] == 1
    # Withdrawn, the report searches again: its other proposal is offered again.
    _post(kit, Role.REGISTRAR, f"/api/v1/persons/matches/{first}/withdraw", reason="not her")
    board = _board(kit)
    assert [m["match_id"] for m in board["matches"]] == [second]
    assert board["counts"]["proposed_on_closed"] == 0
    # Closed by the family: nothing of it is offered.
    _post(kit, Role.RESIDENT, f"/api/v1/persons/missing/{report}/safe", note="she is home")
    board = _board(kit)
    assert (board["matches"], board["counts"]["proposed_on_closed"]) == ([], 1)
