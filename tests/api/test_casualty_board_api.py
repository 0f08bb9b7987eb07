"""The casualty and hospital boards a console refreshes: filtered, summarised, revalidated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from magen.api.routes import people
from magen.api.routes.people import casualty_summary, casualty_view
from magen.app import casualty_board
from magen.domain import casualties as cas
from magen.domain.base import Actor
from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, ok

RED = {"walks": False, "breathes": True, "respiratory_rate": 36}
GREEN = {"walks": True}
CONSOLE = "/api/v1/casualties?status=open&view=summary"
SUMMARY = {
    "id",
    "tag",
    "status",
    "category",
    "lat",
    "lon",
    "found_at",
    "destination",
    "hospital_id",
    "warnings",
}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _post(kit: Kit, role: Role, path: str, **body: Any) -> Any:
    return ok(kit.post(role, path, {"command_id": cid(), **body}))


def _hospitals(kit: Kit) -> None:
    for hospital, account in (("shaare-zedek", kit.accounts[Role.HOSPITAL]), ("hadassah", None)):
        where = {"lat": 31.7737, "lon": 35.1817}
        _post(kit, Role.ADMIN, "/api/v1/hospitals", hospital_id=hospital, name=hospital,
              where=where, account_id=account)  # fmt: skip


def _casualty(kit: Kit, tag: str, answers: dict[str, Any] = RED) -> str:
    body = {"tag": tag, "where": BAKA, "protocol": "start", "answers": answers}
    return str(_post(kit, Role.MEDIC, "/api/v1/casualties", **body)["id"])


def _to(kit: Kit, casualty: str, action: str, role: Role = Role.MEDIC, **body: Any) -> None:
    _post(kit, role, f"/api/v1/casualties/{casualty}/{action}", **body)


def _every_fate(kit: Kit) -> dict[str, str]:
    """One casualty in each status, by status; shaare-zedek is the hospital account's."""
    _hospitals(kit)
    ids = {s.value: _casualty(kit, f"T-{k}", GREEN if k % 2 else RED) for k, s in
           enumerate(cas.CasualtyStatus)}  # fmt: skip
    for status in ("evacuated", "arrived", "admitted", "discharged", "deceased"):
        _to(kit, ids[status], "evacuate", destination="shaare-zedek")
    for status in ("arrived", "admitted", "discharged", "deceased"):
        _to(kit, ids[status], "arrival", hospital_id="shaare-zedek")
    for status in ("admitted", "discharged", "deceased"):
        _to(kit, ids[status], "admit")
    _to(kit, ids["discharged"], "discharge")
    _to(kit, ids["deceased"], "death")
    return ids


def _etagged(kit: Kit, role: Role, path: str, etag: str | None = None) -> Any:
    headers = {**kit.auth(role), **({"If-None-Match": etag} if etag else {})}
    return kit.client.get(path, headers=headers)


def test_each_status_lists_exactly_those_of_the_full_listing(kit: Kit) -> None:
    ids = _every_fate(kit)
    full = ok(kit.get(Role.DISPATCHER, "/api/v1/casualties"))
    assert {c["status"]: c["id"] for c in full} == ids  # the default lists every casualty
    for status in casualty_board.STATUS_FILTERS:
        for view in ("full", "summary"):
            listed = ok(kit.get(Role.DISPATCHER, f"/api/v1/casualties?status={status}&view={view}"))
            wanted = [
                c
                for c in full
                if status == "all"
                or c["status"] == status
                or (status == "open" and c["status"] not in ("discharged", "deceased"))
            ]
            expect = wanted if view == "full" else [{k: c[k] for k in SUMMARY} for c in wanted]
            assert listed == expect, (status, view)
    opened = [c["status"] for c in ok(kit.get(Role.DISPATCHER, CONSOLE))]
    assert opened == ["at_scene", "evacuated", "arrived", "admitted"]


def test_every_status_can_be_asked_for() -> None:
    assert set(casualty_board.STATUS_FILTERS) == {"all", "open"} | {
        s.value for s in cas.CasualtyStatus
    }


@pytest.mark.parametrize(
    "query",
    ["status=lost", "status=OPEN", "status=", "view=compact", "view=", "status=open&view=x"],
)
def test_a_bad_filter_is_refused_with_a_reason_and_changes_nothing(kit: Kit, query: str) -> None:
    _every_fate(kit)
    state = kit.client.app.state["runtime"].service.state
    before = state.position
    r = kit.get(Role.DISPATCHER, f"/api/v1/casualties?{query}")
    assert r.status_code == 400, r.text
    problem = r.json()
    assert problem["error"] == "http_400", problem
    field = query.split("=", maxsplit=1)[0] if "&" not in query else "view"
    assert field in problem["reason"], problem
    assert state.position == before


def test_an_unchanged_board_is_a_304_until_a_casualty_changes(kit: Kit) -> None:
    ids = _every_fate(kit)
    first = _etagged(kit, Role.DISPATCHER, CONSOLE)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    again = _etagged(kit, Role.DISPATCHER, CONSOLE, etag)
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    # Another role that reads every casualty gets the same board, and the same ETag.
    assert _etagged(kit, Role.MEDIC, CONSOLE, etag).status_code == 304
    # What the board does not show moves the log on, not the board.
    _post(kit, Role.REGISTRAR, "/api/v1/persons/missing", name={"full_name": "Dana Levi"},
          contact={"name": "family"})  # fmt: skip
    assert _etagged(kit, Role.DISPATCHER, CONSOLE, etag).status_code == 304

    _to(kit, ids["admitted"], "discharge")
    changed = _etagged(kit, Role.DISPATCHER, CONSOLE, etag)
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert ids["admitted"] not in {c["id"] for c in changed.json()}
    assert [c["status"] for c in changed.json()] == ["at_scene", "evacuated", "arrived"]
    # The full listing still has the discharged casualty, under its own ETag.
    full = _etagged(kit, Role.DISPATCHER, "/api/v1/casualties", changed.headers["etag"])
    assert full.status_code == 200
    assert {c["id"]: c["status"] for c in full.json()}[ids["admitted"]] == "discharged"


def test_a_hospital_never_shares_the_board_of_a_reader_of_every_casualty(kit: Kit) -> None:
    ids = _every_fate(kit)
    _to(kit, _casualty(kit, "T-HAD"), "evacuate", destination="hadassah")
    everyone = _etagged(kit, Role.DISPATCHER, CONSOLE)
    theirs = _etagged(kit, Role.HOSPITAL, CONSOLE, everyone.headers["etag"])
    assert theirs.status_code == 200  # the dispatcher's ETag is not the hospital's board
    assert theirs.headers["etag"] != everyone.headers["etag"]
    assert [c["id"] for c in theirs.json()] == [
        ids[s] for s in ("evacuated", "arrived", "admitted")
    ]
    assert _etagged(kit, Role.HOSPITAL, CONSOLE, theirs.headers["etag"]).status_code == 304
    # Roles that may not read casualties are refused, ETag or not.
    for role in (Role.RESPONDER, Role.RESIDENT, Role.ANONYMOUS):
        assert _etagged(kit, role, CONSOLE, everyone.headers["etag"]).status_code in (401, 403)


def test_a_tourniquet_past_two_hours_changes_the_board_with_no_event(kit: Kit) -> None:
    casualty = _casualty(kit, "T-TQ")
    _to(kit, casualty, "interventions", kind="tourniquet", site="left_leg")
    first = _etagged(kit, Role.DISPATCHER, CONSOLE)
    assert first.json()[0]["warnings"] == []
    kit.clock.advance(timedelta(hours=2, minutes=1))
    late = _etagged(kit, Role.DISPATCHER, CONSOLE, first.headers["etag"])
    assert late.status_code == 200
    (warning,) = late.json()[0]["warnings"]
    assert "2 h 01 min" in warning["message"]
    # A minute on, the warning says so: the board is not the one of a minute ago.
    kit.clock.advance(timedelta(minutes=1))
    later = _etagged(kit, Role.DISPATCHER, CONSOLE, late.headers["etag"])
    assert later.status_code == 200
    assert "2 h 02 min" in later.json()[0]["warnings"][0]["message"]
    kit.clock.advance(timedelta(seconds=10))  # within the same minute: the same board
    assert _etagged(kit, Role.DISPATCHER, CONSOLE, later.headers["etag"]).status_code == 304


def test_hospitals_are_revalidated_and_change_with_their_load(kit: Kit) -> None:
    _hospitals(kit)
    first = _etagged(kit, Role.DISPATCHER, "/api/v1/hospitals")
    etag = first.headers["etag"]
    assert _etagged(kit, Role.HOSPITAL, "/api/v1/hospitals", etag).status_code == 304
    _to(kit, _casualty(kit, "T-1"), "evacuate", destination="hadassah")
    moved = _etagged(kit, Role.DISPATCHER, "/api/v1/hospitals", etag)
    assert moved.status_code == 200
    assert {h["id"]: h["incoming"] for h in moved.json()}["hadassah"] == 1
    etag = moved.headers["etag"]
    status = {"ems_traffic": "Normal", "ems_capacity": {"red": 0, "yellow": 3}}
    _post(kit, Role.HOSPITAL, "/api/v1/hospitals/shaare-zedek/status", status=status)
    reported = _etagged(kit, Role.DISPATCHER, "/api/v1/hospitals", etag)
    assert reported.status_code == 200
    capacity = {h["id"]: h["status"] for h in reported.json()}["shaare-zedek"]["ems_capacity"]
    assert (capacity["red"], capacity["yellow"]) == (0, 3)
    assert _etagged(kit, Role.RESIDENT, "/api/v1/hospitals", etag).status_code == 403


def test_the_kept_board_is_the_board_made_afresh_after_every_change(kit: Kit) -> None:
    runtime = kit.client.app.state["runtime"]
    dispatcher = Actor(account_id=kit.accounts[Role.DISPATCHER], role=Role.DISPATCHER)

    def afresh(view: Any = casualty_summary, status: Any = "open") -> list[dict[str, Any]]:
        state, now = runtime.service.state, kit.clock.now()
        return [
            json.loads(json.dumps(view(c, now)))
            for c in casualty_board.select(dispatcher, state, status)
        ]

    def check() -> None:
        assert ok(kit.get(Role.DISPATCHER, CONSOLE)) == afresh()
        full = ok(kit.get(Role.DISPATCHER, "/api/v1/casualties"))
        assert full == afresh(casualty_view, "all")

    _hospitals(kit)
    steps = [
        lambda: _casualty(kit, "T-1"),
        lambda: _casualty(kit, "T-2", GREEN),
        lambda: _to(kit, casualty_id("T-1"), "evacuate", destination="hadassah"),
        lambda: _to(kit, casualty_id("T-2"), "triage", answers=RED),
        lambda: _to(kit, casualty_id("T-2"), "interventions", kind="tourniquet", site="right_arm"),
        lambda: kit.clock.advance(timedelta(hours=2, seconds=30)),
        lambda: kit.clock.advance(timedelta(seconds=30)),
        lambda: _to(kit, casualty_id("T-1"), "arrival", hospital_id="hadassah"),
        lambda: _to(kit, casualty_id("T-2"), "death"),
        lambda: _to(kit, casualty_id("T-1"), "discharge"),
    ]

    def casualty_id(tag: str) -> str:
        return runtime.service.state.slice(cas.Casualties).by_tag[tag]

    for step in steps:
        step()
        check()
        check()  # the second time from what was kept
    assert afresh() == []


@pytest.mark.parametrize(
    ("accepted", "gzipped"),
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("identity", False),
        ("gzip;q=0", False),
        ("*;q=0, gzip", True),
        ("gzip;q=0, *", False),
        ("gzip;q=x", False),
        ("", False),
    ],
)
def test_a_board_is_gzipped_for_a_client_that_takes_it(
    kit: Kit, accepted: str, gzipped: bool
) -> None:
    _every_fate(kit)
    plain = kit.client.get(
        CONSOLE, headers={**kit.auth(Role.DISPATCHER), "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    r = kit.client.get(CONSOLE, headers={**kit.auth(Role.DISPATCHER), "Accept-Encoding": accepted})
    assert r.status_code == 200
    assert r.headers.get("content-encoding") == ("gzip" if gzipped else None)
    # Private: what is read depends on who asks, and how it is encoded on what they take.
    assert r.headers["vary"] == "Accept-Encoding, Authorization"
    assert r.json() == plain.json()  # the same board, decoded
    # A strong ETag names one representation: the gzipped one has its own, and each is
    # revalidated as itself.
    assert (r.headers["etag"] == plain.headers["etag"]) is not gzipped
    again = kit.client.get(
        CONSOLE,
        headers={
            **kit.auth(Role.DISPATCHER),
            "Accept-Encoding": accepted,
            "If-None-Match": r.headers["etag"],
        },
    )
    assert again.status_code == 304
    if gzipped:
        assert r.num_bytes_downloaded < len(plain.content) / 2


def test_an_answer_is_made_once_per_change_and_a_row_once_per_change_of_its_casualty(
    kit: Kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the kept answers are for: an unchanged board is not made again, whoever asks and
    whatever else the log records; a change makes again only the row of the casualty it names."""
    ids = _every_fate(kit)
    made: list[str] = []
    selected: list[str] = []

    def counted_row(c: cas.Casualty, now: Any) -> dict[str, Any]:
        made.append(c.casualty_id)
        return casualty_summary(c, now)

    select = casualty_board.select

    def counted_select(actor: Actor, state: Any, status: Any) -> list[cas.Casualty]:
        selected.append(status)
        return select(actor, state, status)

    monkeypatch.setitem(people._VIEWS, "summary", counted_row)
    monkeypatch.setattr(casualty_board, "select", counted_select)

    first = ok(_etagged(kit, Role.DISPATCHER, CONSOLE))
    assert sorted(made) == sorted(c["id"] for c in first)
    made.clear()
    assert len(selected) == 1
    for role in (Role.DISPATCHER, Role.MEDIC, Role.DISPATCHER):
        assert ok(_etagged(kit, role, CONSOLE)) == first
    _post(kit, Role.REGISTRAR, "/api/v1/persons/missing", name={"full_name": "Dana Levi"},
          contact={"name": "family"})  # fmt: skip
    assert ok(_etagged(kit, Role.DISPATCHER, CONSOLE)) == first
    assert (made, len(selected)) == ([], 1)

    _to(kit, ids["arrived"], "admit")
    after = ok(_etagged(kit, Role.DISPATCHER, CONSOLE))
    assert made == [ids["arrived"]]  # the one casualty the event named, and no other
    assert len(selected) == 2
    assert {c["id"]: c["status"] for c in after}[ids["arrived"]] == "admitted"


def test_a_weakened_etag_and_a_star_are_answered_304(kit: Kit) -> None:
    _every_fate(kit)
    etag = _etagged(kit, Role.DISPATCHER, CONSOLE).headers["etag"]
    for named in (f"W/{etag}", '"other", ' + etag, "*"):
        assert _etagged(kit, Role.DISPATCHER, CONSOLE, named).status_code == 304, named
    assert _etagged(kit, Role.DISPATCHER, CONSOLE, '"other"').status_code == 200
