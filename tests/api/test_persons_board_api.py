"""The registrar's board and the name search at a disaster's size, through the API.

The board carries the decision work (proposed matches with what they name, families to tell)
and counts; its size follows that work, not the number of reports. Reports are found by name
with GET /persons/search, a page at a time, in any script.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain import persons as per
from magen.domain.base import Actor
from magen.domain.people import PersonName
from magen.domain.values import Role
from support.apikit import Kit, api_kit, cid, ok


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _report(kit: Kit, full_name: str, **more: Any) -> str:
    body = {"command_id": cid(), "name": {"full_name": full_name}, **more}
    body.setdefault("contact", {"name": "family", "phone": "050-0000000"})
    return str(ok(kit.post(Role.REGISTRAR, "/api/v1/persons/missing", body))["id"])


def _survivor(kit: Kit, full_name: str, **more: Any) -> str:
    body = {"command_id": cid(), "name": {"full_name": full_name}, **more}
    return str(ok(kit.post(Role.REGISTRAR, "/api/v1/persons/survivors", body))["id"])


def _many_reports(kit: Kit, n: int, start: int = 0) -> None:
    """n open reports through the service (the API's own path, without HTTP per report)."""
    runtime = kit.client.app.state["runtime"]
    actor = Actor(account_id=kit.accounts[Role.REGISTRAR], role=Role.REGISTRAR)
    for i in range(start, start + n):
        command = per.ReportMissingPerson(
            command_id=uuid.uuid4(),
            name=PersonName(full_name=f"Person {i:05d} Filler", alternates=(f"פלוני {i:05d}",)),
            contact={"name": "family", "phone": "050-0000000"},
        )
        kit.client.blocking_portal.call(runtime.service.handle, actor, command)


def _search(kit: Kit, query: str, role: Role = Role.REGISTRAR) -> dict[str, Any]:
    return ok(kit.get(role, "/api/v1/persons/search?" + query))


def test_the_board_carries_the_decision_work_and_what_it_names(kit: Kit) -> None:
    report = _report(
        kit,
        "Noa Kohen",
        age={"min_years": 24, "max_years": 24},
        description={"sex": "female"},
        last_seen_place="Baka",
    )
    _report(kit, "Someone Else Entirely")  # open, no match: only counted
    survivor = _survivor(
        kit,
        "Noa Kohen",
        age={"min_years": 23, "max_years": 25},
        description={"sex": "female"},
        place="Shelter 694",
    )
    ran = ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matching/run", {}))
    assert ran["proposed"] == 1, ran
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    (match,) = board["matches"]
    assert (match["report_id"], match["candidate_id"], match["status"]) == (
        report,
        survivor,
        "proposed",
    )
    assert set(board["reports"]) == {report}
    assert board["reports"][report]["name"]["full_name"] == "Noa Kohen"
    assert board["survivors"][survivor]["place"] == "Shelter 694"
    assert board["casualties"] == {}
    assert board["to_tell"] == []
    assert board["counts"] == {
        "reports": {"all": 2, "searching": 2, "found": 0, "safe": 0, "duplicate": 0},
        "survivors": 1,
        "matches": {"proposed": 1, "confirmed": 0, "rejected": 0, "withdrawn": 0},
        "to_tell": 0,
        "noted_after": 0,
        "proposed_on_closed": 0,
    }

    ok(
        kit.post(
            Role.REGISTRAR,
            f"/api/v1/persons/matches/{match['match_id']}/confirm",
            {"command_id": cid(), "release": "Noa is safe."},
        )
    )
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    assert board["matches"] == []
    assert board["survivors"] == {}
    assert board["to_tell"] == [
        {"report_id": report, "primary_id": report, "match_id": match["match_id"]}
    ]
    assert board["reports"][report]["release"] == "Noa is safe."
    assert "release_key" not in board["reports"][report]  # the registrar's own words
    assert board["counts"]["reports"]["found"] == 1
    ok(
        kit.post(
            Role.REGISTRAR,
            f"/api/v1/persons/missing/{report}/notified",
            {"command_id": cid(), "match_id": match["match_id"]},
        )
    )
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    assert board["to_tell"] == []
    assert board["reports"] == {}
    # The report and every match that named it, in full, by id.
    one = ok(kit.get(Role.REGISTRAR, f"/api/v1/persons/missing/{report}"))
    assert one["report"]["notifications"][0]["match_id"] == match["match_id"]
    assert [(m["match_id"], m["status"]) for m in one["matches"]] == [
        (match["match_id"], "confirmed")
    ]
    assert kit.get(Role.REGISTRAR, "/api/v1/persons/missing/nope").status_code == 404


def test_a_casualty_is_on_the_board_only_when_a_proposal_names_it(kit: Kit) -> None:
    ok(
        kit.post(
            Role.ADMIN,
            "/api/v1/hospitals",
            {
                "command_id": cid(),
                "hospital_id": "shaare-zedek",
                "name": "Shaare Zedek",
                "where": {"lat": 31.7737, "lon": 35.1817},
            },
        )
    )
    report = _report(kit, "Miriam Katzenelson", age={"min_years": 70, "max_years": 80})
    named, other = (
        str(
            ok(
                kit.post(
                    Role.MEDIC,
                    "/api/v1/casualties",
                    {"command_id": cid(), "tag": tag, "place": "Derech Hevron 14"},
                )
            )["id"]
        )
        for tag in ("T-1", "T-2")
    )
    ok(
        kit.post(
            Role.MEDIC,
            f"/api/v1/casualties/{named}/evacuate",
            {"command_id": cid(), "destination": "shaare-zedek", "vehicle": "MDA-1"},
        )
    )
    proposed = {
        "command_id": cid(),
        "report_id": report,
        "candidate_kind": "casualty",
        "candidate_id": named,
        "score": 0.7,
        "explanation": "age and place agree",
    }
    ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matches", proposed))
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    assert set(board["casualties"]) == {named}
    assert other not in str(board)
    seen = board["casualties"][named]
    assert (seen["tag"], seen["destination"], seen["identification"]) == (
        "T-1",
        "shaare-zedek",
        "unidentified",
    )
    assert board["hospitals"] == {"shaare-zedek": "Shaare Zedek"}


def _board_bytes(kit: Kit) -> int:
    r = kit.get(Role.REGISTRAR, "/api/v1/persons/board")
    assert r.status_code == 200, r.text
    return len(r.content)


def test_the_board_does_not_grow_with_reports_nobody_has_matched(kit: Kit) -> None:
    report = _report(kit, "Yael Abergil", age={"min_years": 36, "max_years": 36})
    _survivor(kit, "Yael Abergil", age={"min_years": 35, "max_years": 37}, place="Baka school")
    ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matching/run", {}))
    _many_reports(kit, 10)
    small = _board_bytes(kit)
    started = time.perf_counter()
    _many_reports(kit, 2000, start=10)
    print(f"2000 reports through the service in {time.perf_counter() - started:.1f} s")
    large = _board_bytes(kit)
    # The same work waits: only the counts' digits differ.
    assert large - small <= 8, (small, large)
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    assert set(board["reports"]) == {report}
    assert board["counts"]["reports"]["searching"] == 2011
    # …while the reports are all there to be found by name.
    assert _search(kit, "q=filler&limit=1")["total"] == 2010
    found = _search(kit, "q=person 01234")
    assert [r["name"]["full_name"] for r in found["reports"]] == ["Person 01234 Filler"]


def test_the_board_lists_the_first_of_the_work_and_counts_the_rest(kit: Kit) -> None:
    reports = [_report(kit, f"Levi {i}") for i in range(4)]
    survivor = _survivor(kit, "Levi")
    for i, report in enumerate(reports):
        proposal = {
            "command_id": cid(),
            "report_id": report,
            "candidate_kind": "survivor",
            "candidate_id": survivor,
            "score": 0.5 + i / 10,
            "explanation": "the name agrees",
        }
        ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matches", proposal))
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board?limit=2"))
    assert [m["report_id"] for m in board["matches"]] == [reports[3], reports[2]]  # likeliest
    assert set(board["reports"]) == {reports[3], reports[2]}
    assert board["counts"]["matches"]["proposed"] == 4
    full = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    assert [m["report_id"] for m in full["matches"]] == reports[::-1]
    for bad in ("limit=0", "limit=201"):
        assert kit.get(Role.REGISTRAR, f"/api/v1/persons/board?{bad}").status_code == 400


def test_an_unchanged_board_costs_nothing(kit: Kit) -> None:
    _report(kit, "Omar Haddad")
    first = kit.get(Role.REGISTRAR, "/api/v1/persons/board")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    again = kit.client.get(
        "/api/v1/persons/board", headers={**kit.auth(Role.REGISTRAR), "If-None-Match": etag}
    )
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    # An event the board does not show (a hospital registered) leaves it unchanged…
    ok(
        kit.post(
            Role.ADMIN,
            "/api/v1/hospitals",
            {
                "command_id": cid(),
                "hospital_id": "hadassah",
                "name": "Hadassah",
                "where": {"lat": 31.76, "lon": 35.14},
            },
        )
    )
    headers = {**kit.auth(Role.REGISTRAR), "If-None-Match": etag}
    assert kit.client.get("/api/v1/persons/board", headers=headers).status_code == 304
    # …a new report changes it, and the answer says so.
    _report(kit, "Late Report")
    changed = kit.client.get("/api/v1/persons/board", headers=headers)
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["counts"]["reports"]["all"] == 2
    # Another role never gets it, ETag or not.
    other = {**kit.auth(Role.MEDIC), "If-None-Match": changed.headers["etag"]}
    assert kit.client.get("/api/v1/persons/board", headers=other).status_code == 403


def test_names_are_found_in_any_script_case_and_pointing(kit: Kit) -> None:
    hebrew = _report(kit, "יָעֵל אַבֶּרְגִ'יל")  # with points
    arabic = ok(
        kit.post(
            Role.REGISTRAR,
            "/api/v1/persons/missing",
            {
                "command_id": cid(),
                "name": {
                    "full_name": "Omar Haddad",
                    "given_name": "Omar",
                    "family_name": "Al-Haddad",
                    "alternates": ["عُمَر حَدّاد", "עומר חדאד"],
                },
                "contact": {"name": "family"},
            },
        )
    )["id"]

    def ids(query: str) -> list[str]:
        return [r["report_id"] for r in _search(kit, query)["reports"]]

    assert ids("q=יעל") == [hebrew]  # unpointed finds pointed
    assert ids("q=אַבֶּר") == [hebrew]
    assert ids("q=عمر") == [arabic]  # without harakat
    assert ids("q=omar al-haddad") == [arabic]  # given and family name together
    assert ids("q=HADDAD") == [arabic]
    assert ids("q=חדאד") == [arabic]  # an alternate
    assert ids("q=nobody") == []
    assert ids("q=Omar Haddad%00") == [arabic]  # no query spans two names of one report
    assert ids("q=haddad%00%D7%A2") == []
    assert sorted(ids("")) == sorted([hebrew, arabic])


def test_search_pages_newest_first_and_filters_by_status(kit: Kit) -> None:
    made = [_report(kit, f"Levi {i}") for i in range(5)]
    _report(kit, "Cohen")
    ok(
        kit.post(
            Role.REGISTRAR,
            f"/api/v1/persons/missing/{made[1]}/safe",
            {"command_id": cid(), "note": "home"},
        )
    )
    page = _search(kit, "q=levi&limit=2")
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 0)
    assert [r["report_id"] for r in page["reports"]] == [made[4], made[3]]
    page = _search(kit, "q=levi&limit=2&offset=2")
    assert [r["report_id"] for r in page["reports"]] == [made[2], made[1]]
    page = _search(kit, "q=levi&status=safe")
    assert (page["total"], [r["report_id"] for r in page["reports"]]) == (1, [made[1]])
    assert _search(kit, "q=levi&status=searching")["total"] == 4
    assert _search(kit, "status=all")["total"] == 6
    full = _search(kit, "q=levi&limit=1")["reports"][0]
    assert full["contact"]["phone"] == "050-0000000"  # the desk shows how to reach the family
    for bad in ("limit=0", "limit=201", "offset=-1", "status=lost", "q=" + "x" * 201):
        r = kit.get(Role.REGISTRAR, "/api/v1/persons/search?" + bad)
        assert r.status_code == 400, (bad, r.text)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_only_the_registry_reads_the_board_and_searches(kit: Kit, role: Role) -> None:
    report = _report(kit, "Shira Ben-David")
    allowed = role in {Role.REGISTRAR, Role.ADMIN, Role.ANALYST}
    for path in (
        "/api/v1/persons/board",
        "/api/v1/persons/search?q=shira",
        f"/api/v1/persons/missing/{report}",
    ):
        r = kit.get(role, path)
        if allowed:
            assert r.status_code == 200, (path, r.text)
            assert "Shira" in r.text or "board" in path
        else:
            assert r.status_code in (401, 403), (path, r.status_code)
            assert "Shira" not in r.text


def test_search_answers_are_json_the_desk_reads(kit: Kit) -> None:
    _report(kit, "Dana", last_seen_place="Emek Refaim 40")
    body = kit.get(Role.REGISTRAR, "/api/v1/persons/search?q=dana")
    (report,) = json.loads(body.content)["reports"]
    assert report["last_seen_place"] == "Emek Refaim 40"
    assert report["status"] == "searching"


def test_the_board_kept_by_following_the_service_is_the_board_computed_afresh(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Followed event by event, the board equals the one computed in one pass over the state."""
    from magen.app import registry_board

    starts: list[int] = []
    reset = registry_board._Follower.reset

    def counted(self: Any, state: Any) -> None:
        starts.append(state.position)
        reset(self, state)

    monkeypatch.setattr(registry_board._Follower, "reset", counted)

    runtime = kit.client.app.state["runtime"]
    service = runtime.service
    actor = Actor(account_id=kit.accounts[Role.REGISTRAR], role=Role.REGISTRAR)
    rng = random.Random(5)

    def run(command: Any) -> Any:
        return kit.client.blocking_portal.call(service.handle, actor, command)

    def check() -> None:
        followed = registry_board.board(service.state, service)
        assert followed == registry_board.compute_board(service.state)

    check()  # starts following here
    reports: list[str] = []
    survivors: list[str] = []
    matches: list[str] = []
    for step in range(160):
        choice = rng.random()
        if choice < 0.3 or len(reports) < 3:
            done = run(
                per.ReportMissingPerson(
                    command_id=uuid.uuid4(),
                    name=PersonName(full_name=f"Person {step}"),
                    contact={"name": "family"},
                )
            )
            reports.append(done.events[0].event.report_id)
        elif choice < 0.4:
            done = run(per.CheckInSurvivor(command_id=uuid.uuid4(), name=PersonName(full_name="S")))
            survivors.append(done.events[0].event.survivor_id)
        elif choice < 0.6:
            report, other = rng.sample(reports, 2)
            duplicate = not survivors or rng.random() < 0.4
            command = per.ProposeMatch(
                command_id=uuid.uuid4(),
                report_id=report,
                candidate_kind="missing" if duplicate else "survivor",
                candidate_id=other if duplicate else rng.choice(survivors),
                score=round(rng.random(), 2),
                explanation="",
            )
            try:
                matches.append(run(command).events[0].event.match_id)
            except Exception:
                continue
        elif choice < 0.85 and matches:
            match_id = rng.choice(matches)
            decide = per.ConfirmMatch if rng.random() < 0.6 else per.RejectMatch
            try:
                run(decide(command_id=uuid.uuid4(), match_id=match_id))
            except Exception:
                continue
        elif choice < 0.92:
            try:
                run(per.MarkPersonSafe(command_id=uuid.uuid4(), report_id=rng.choice(reports)))
            except Exception:
                continue
        else:
            waiting = registry_board.compute_board(service.state).to_tell
            if waiting:
                t = rng.choice(waiting)
                run(
                    per.RecordNotification(
                        command_id=uuid.uuid4(), report_id=t.report_id, match_id=t.match_id
                    )
                )
        check()
    assert len(starts) == 1  # one pass at the start, then only the events
    board = registry_board.board(service.state, service)
    assert board.to_tell
    assert board.matches
    assert board.reports_by_status["duplicate"]
    assert board.matches_by_status["rejected"]


def _notes(kit: Kit, report: str, n: int) -> None:
    for i in range(n):
        note = {
            "command_id": cid(),
            "author_name": "PFIF volunteer",
            "text": f"Seen near the market on the second day ({i}). " * 30,
            "status": "believed_alive",
            "last_known_location": "the market",
        }
        ok(kit.post(Role.REGISTRAR, f"/api/v1/persons/missing/{report}/notes", note))


def test_the_board_sends_cards_that_do_not_grow_with_notes(kit: Kit) -> None:
    """What the desk shows for a decision is on the board; a report's notes are not."""
    report = _report(
        kit,
        "Noa Kohen",
        age={"min_years": 24, "max_years": 24},
        description={"sex": "female", "hair": "black"},
        last_seen_place="Baka",
        last_seen_where={"lat": 31.76, "lon": 35.22},
    )
    survivor = _survivor(
        kit,
        "Noa Kohen",
        age={"min_years": 23, "max_years": 25},
        description={"sex": "female"},
        place="Shelter 694",
        where={"lat": 31.75, "lon": 35.21},
    )
    assert ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matching/run", {}))["proposed"] == 1
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    (match,) = board["matches"]
    # What the desk and the console read of a proposal, and nothing of its decision yet.
    assert set(match) == {
        "match_id",
        "report_id",
        "candidate_kind",
        "candidate_id",
        "score",
        "explanation",
        "status",
        "evidence",
    }
    assert board["reasons"][match["match_id"]]
    card = board["reports"][report]
    assert card == {
        "report_id": report,
        "name": {"full_name": "Noa Kohen"},
        "age": {"min_years": 24, "max_years": 24},
        "description": {"sex": "female", "hair": "black"},
        "last_seen_place": "Baka",
        "contact": {"name": "family", "phone": "050-0000000"},
        "reported_at": card["reported_at"],
        "status": "searching",
    }
    assert board["survivors"][survivor] == {
        "survivor_id": survivor,
        "name": {"full_name": "Noa Kohen"},
        "age": {"min_years": 23, "max_years": 25},
        "description": {"sex": "female"},
        "place": "Shelter 694",
        "checked_in_at": board["survivors"][survivor]["checked_in_at"],
    }
    before = _board_bytes(kit)
    _notes(kit, report, 20)
    after = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    assert after["reports"][report] == {**card, "note_count": 20}
    assert "the market" not in json.dumps(after)
    assert _board_bytes(kit) - before == len(',"note_count":20'), (before, _board_bytes(kit))
    # The report in full, notes and all, when the desk asks for it.
    full = ok(kit.get(Role.REGISTRAR, f"/api/v1/persons/missing/{report}"))
    assert len(full["report"]["notes"]) == 20
    # The search lists the same cards.
    (found,) = _search(kit, "q=noa")["reports"]
    assert found == after["reports"][report]


def test_a_named_casualty_is_a_card_without_its_empty_fields(kit: Kit) -> None:
    report = _report(kit, "Miriam Katzenelson")
    casualty = str(
        ok(
            kit.post(
                Role.MEDIC,
                "/api/v1/casualties",
                {"command_id": cid(), "tag": "T-9", "place": "Derech Hevron 14"},
            )
        )["id"]
    )
    proposed = {
        "command_id": cid(),
        "report_id": report,
        "candidate_kind": "casualty",
        "candidate_id": casualty,
        "score": 0.6,
        "explanation": "",
    }
    ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matches", proposed))
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    seen = board["casualties"][casualty]
    assert seen == {
        "id": casualty,
        "tag": "T-9",
        "status": "at_scene",
        "place": "Derech Hevron 14",
        "found_at": seen["found_at"],
        "identification": "unidentified",
    }
    assert board["matches"][0]["explanation"] == ""  # the console reads it, empty or not


def test_a_family_writing_after_its_report_was_closed_is_on_the_board(kit: Kit) -> None:
    # The family (a resident) files; the registry confirms a survivor match; the family then
    # says "they are safe": kept as its note (the report is closed), and put before the desk.
    body = {"command_id": cid(), "name": {"full_name": "Dana Noted"}}
    report = str(ok(kit.post(Role.RESIDENT, "/api/v1/persons/missing", body))["id"])
    survivor = _survivor(kit, "Dana Noted")
    match = {
        "command_id": cid(),
        "report_id": report,
        "candidate_kind": "survivor",
        "candidate_id": survivor,
        "score": 0.9,
    }
    match_id = ok(kit.post(Role.REGISTRAR, "/api/v1/persons/matches", match))["id"]
    ok(
        kit.post(
            Role.REGISTRAR, f"/api/v1/persons/matches/{match_id}/confirm", {"command_id": cid()}
        )
    )
    said = {"command_id": cid(), "note": "She is with her aunt in Haifa"}
    answer = ok(kit.post(Role.RESIDENT, f"/api/v1/persons/missing/{report}/safe", said))
    assert [e["type"] for e in answer["events"]] == ["PersonNoteAdded"]
    board = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board"))
    assert board["noted_after"] == [report]
    assert board["counts"]["noted_after"] == 1
    assert board["reports"][report]["note_count"] == 1


def test_stock_words_to_a_family_are_named_for_the_desk_to_say_in_its_language(kit: Kit) -> None:
    report = _report(kit, "Ayelet Hazan", description={"sex": "female"})
    survivor = _survivor(kit, "Ayelet Hazan", description={"sex": "female"}, place="Shelter 7")
    match_id = ok(
        kit.post(
            Role.REGISTRAR,
            "/api/v1/persons/matches",
            {
                "command_id": cid(),
                "report_id": report,
                "candidate_kind": "survivor",
                "candidate_id": survivor,
                "score": 0.9,
            },
        )
    )["id"]
    ok(  # no words given: the service writes its English default
        kit.post(
            Role.REGISTRAR, f"/api/v1/persons/matches/{match_id}/confirm", {"command_id": cid()}
        )
    )
    card = ok(kit.get(Role.REGISTRAR, "/api/v1/persons/board?lang=he"))["reports"][report]
    assert card["release"] == "Found safe."
    assert card["release_key"] == "registry_release_safe_f"
