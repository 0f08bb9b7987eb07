"""Bad input gets a 4xx with a reason and appends nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from magen.domain.accounts import Accounts
from magen.domain.reports import Reports
from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _post_raw(kit: Kit, path: str, content: bytes) -> object:
    return kit.client.post(
        path,
        content=content,
        headers={**kit.auth(Role.RESPONDER), "Content-Type": "application/json"},
    )


BAD_SIGHTINGS = {
    "malformed json": b'{"command_id": ',
    "not an object": b"[1, 2, 3]",
    "unknown field": json.dumps({"command_id": cid(), "where": BAKA, "attackers": 5}).encode(),
    "latitude out of range": json.dumps(
        {"command_id": cid(), "where": {"lat": 95.0, "lon": 35.2}}
    ).encode(),
    "longitude out of range": json.dumps(
        {"command_id": cid(), "where": {"lat": 31.7, "lon": -181}}
    ).encode(),
    "NaN coordinate": b'{"command_id": "%s", "where": {"lat": NaN, "lon": 35.2}}' % cid().encode(),
    "wrong type count": json.dumps({"command_id": cid(), "where": BAKA, "count": "five"}).encode(),
    "negative count": json.dumps({"command_id": cid(), "where": BAKA, "count": -1}).encode(),
    "missing command id": json.dumps({"where": BAKA}).encode(),
    "command id not a uuid": json.dumps({"command_id": "abc", "where": BAKA}).encode(),
    "heading out of range": json.dumps(
        {"command_id": cid(), "where": BAKA, "heading_deg": 400}
    ).encode(),
    "naive observed_at": json.dumps(
        {"command_id": cid(), "where": BAKA, "observed_at": "2023-10-07T06:30:00"}
    ).encode(),
    "observed in the future": json.dumps(
        {"command_id": cid(), "where": BAKA, "observed_at": "2023-10-07T09:00:00Z"}
    ).encode(),
    "huge text": json.dumps({"command_id": cid(), "where": BAKA, "text": "x" * 5000}).encode(),
    "control character in text": json.dumps(
        {"command_id": cid(), "where": BAKA, "text": "seen \u0000 near the school"}
    ).encode(),
    "non-character in text": json.dumps(
        {"command_id": cid(), "where": BAKA, "text": "two men \ufffe"}
    ).encode(),
    "huge body": b'{"command_id": "%s", "where": {"lat": 31.7, "lon": 35.2}, "text": "%s"}'
    % (cid().encode(), b"y" * 200_000),
}


@pytest.mark.parametrize("case", list(BAD_SIGHTINGS))
def test_bad_sighting_is_refused_with_a_reason_and_appends_nothing(kit: Kit, case: str) -> None:
    before = kit.log.head()
    r = _post_raw(kit, "/api/v1/sightings", BAD_SIGHTINGS[case])
    assert 400 <= r.status_code < 500, (case, r.status_code, r.text)  # type: ignore[attr-defined]
    assert r.json()["reason"], case  # type: ignore[attr-defined]
    assert kit.log.head() == before


@pytest.mark.parametrize(
    ("case", "field", "rule", "limit"),
    [
        ("latitude out of range", "where.lat", "less_than_equal", 90),
        ("negative count", "count", "greater_than_equal", 1),
        ("heading out of range", "heading_deg", "less_than", 360),
        ("huge text", "text", "string_too_long", 2000),
        ("unknown field", "attackers", "extra_forbidden", None),
        ("missing command id", "command_id", "missing", None),
    ],
)
def test_a_refused_field_names_its_rule_and_bound(
    kit: Kit, case: str, field: str, rule: str, limit: float | None
) -> None:
    """A page says "at most 2000 characters" in its own language from `rule` and `limit`."""
    r = _post_raw(kit, "/api/v1/sightings", BAD_SIGHTINGS[case])
    detail = r.json()["details"][0]  # type: ignore[attr-defined]
    assert (detail["field"], detail["rule"], detail.get("limit")) == (field, rule, limit)
    assert detail["reason"]


def test_an_enumeration_names_the_values_it_takes(kit: Kit) -> None:
    body = json.dumps({"command_id": cid(), "where": BAKA, "mobility": "boat"}).encode()
    detail = _post_raw(kit, "/api/v1/sightings", body).json()["details"][0]  # type: ignore[attr-defined]
    assert (detail["field"], detail["rule"]) == ("mobility", "enum")
    assert "vehicle" in detail["expected"]


@pytest.mark.parametrize("path", ["/api/v1/sightings", "/api/v1/sos", "/api/v1/triage/step"])
def test_an_empty_body_is_said_to_be_empty(kit: Kit, path: str) -> None:
    """Litestar's own words were "data 'data'" (its KeyError's), on every JSON route."""
    before = kit.log.head()
    r = _post_raw(kit, path, b"")
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["reason"] == "the request has no body: send the fields as a JSON object"
    assert body["details"] == [{"field": "", "reason": "the body is empty", "rule": "missing"}]
    assert kit.log.head() == before


def test_a_number_beyond_any_field_is_said_so(kit: Kit) -> None:
    """msgspec's words hid the field ("Number out of range - at `$[...][...]`")."""
    content = b'{"command_id": "%s", "where": {"lat": 1e400, "lon": 35.2}}' % cid().encode()
    r = _post_raw(kit, "/api/v1/sightings", content)
    assert r.status_code == 400, r.text
    assert "beyond what any field takes" in r.json()["reason"]


def test_huge_body_is_413(kit: Kit) -> None:
    r = _post_raw(kit, "/api/v1/sightings", BAD_SIGHTINGS["huge body"])
    assert r.status_code == 413  # type: ignore[attr-defined]


def test_replayed_id_returns_the_original_result_and_appends_nothing(kit: Kit) -> None:
    body = {"command_id": cid(), "where": BAKA, "count": 4, "mobility": "vehicle"}
    first = kit.post(Role.RESPONDER, "/api/v1/sightings", body)
    assert first.status_code == 201
    head = kit.log.head()
    again = kit.post(Role.RESPONDER, "/api/v1/sightings", body)
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["position"] == first.json()["position"]
    assert kit.log.head() == head


def test_replayed_id_with_other_content_is_a_conflict(kit: Kit) -> None:
    command_id = cid()
    first = kit.post(Role.RESPONDER, "/api/v1/sightings", {"command_id": command_id, "where": BAKA})
    assert first.status_code == 201
    head = kit.log.head()
    other = kit.post(
        Role.RESPONDER, "/api/v1/sightings", {"command_id": command_id, "where": BAKA, "count": 9}
    )
    assert other.status_code == 409
    assert "different request" in other.json()["reason"]
    assert kit.log.head() == head


def test_same_id_from_another_account_is_a_conflict(kit: Kit) -> None:
    body = {"command_id": cid(), "where": BAKA}
    assert kit.post(Role.RESPONDER, "/api/v1/sightings", body).status_code == 201
    head = kit.log.head()
    assert kit.post(Role.MEDIC, "/api/v1/sightings", body).status_code == 409
    assert kit.log.head() == head


def test_sos_with_more_injured_than_people_is_raised(kit: Kit) -> None:
    """No bad input: a call for help is never refused over its numbers; the people are
    counted as at least the injured."""
    head = kit.log.head()
    r = kit.post(
        Role.RESIDENT,
        "/api/v1/sos",
        {"command_id": cid(), "where": BAKA, "people": 2, "injured": 3},
    )
    assert r.status_code == 201, r.text
    assert kit.log.head() == head + 1
    call = kit.client.app.state["runtime"].service.state.slice(Reports).sos[r.json()["id"]]
    assert (call.people, call.injured) == (3, 3)


def test_unknown_sos_is_404(kit: Kit) -> None:
    r = kit.post(
        Role.DISPATCHER, "/api/v1/sos/sos_nothing/resolve", {"command_id": cid(), "outcome": "safe"}
    )
    assert r.status_code == 404


def test_resolving_twice_is_refused(kit: Kit) -> None:
    sos = kit.post(Role.RESIDENT, "/api/v1/sos", {"command_id": cid(), "where": BAKA}).json()["id"]
    path = f"/api/v1/sos/{sos}/resolve"
    assert (
        kit.post(Role.RESIDENT, path, {"command_id": cid(), "outcome": "safe"}).status_code == 201
    )
    again = kit.post(Role.RESIDENT, path, {"command_id": cid(), "outcome": "safe"})
    assert again.status_code == 422
    assert "already resolved" in again.json()["reason"]


def test_anonymous_flood_is_rate_limited() -> None:
    with api_kit(anonymous_per_minute=6, anonymous_burst=3) as kit:
        codes = [
            kit.client.post(
                "/api/v1/sightings",
                json={"command_id": cid(), "where": BAKA},
                headers={"X-Device-Id": "flooder"},
            ).status_code
            for _ in range(6)
        ]
        assert codes[:3] == [201, 201, 201]
        assert set(codes[3:]) == {429}
        # Another device is not punished for the flooder.
        other = kit.client.post(
            "/api/v1/sightings",
            json={"command_id": cid(), "where": BAKA},
            headers={"X-Device-Id": "someone-else"},
        )
        assert other.status_code == 201


def test_closed_registration_is_refused() -> None:
    with api_kit(open_registration=False) as kit:
        r = kit.client.post(
            "/api/v1/accounts/register",
            json={
                "command_id": cid(),
                "username": "x1",
                "password": "long-enough",
                "display_name": "X",
            },
        )
        assert r.status_code == 403


def test_a_resent_registration_is_one_account_and_another_password_is_a_conflict() -> None:
    """A phone that never saw the answer sends the same form again: a salted hash must not
    turn that resend into a different request."""
    with api_kit(open_registration=True) as kit:
        form = {
            "command_id": cid(),
            "username": "resent1",
            "password": "long-enough",
            "display_name": "Resent",
        }
        first = kit.client.post("/api/v1/accounts/register", json=form)
        assert first.status_code == 201, first.text
        again = kit.client.post("/api/v1/accounts/register", json=form)
        assert again.status_code == 200, again.text
        assert again.json()["replayed"] is True
        assert again.json()["position"] == first.json()["position"]
        other = kit.client.post(
            "/api/v1/accounts/register", json={**form, "password": "another-one-entirely"}
        )
        assert other.status_code == 409
        accounts = kit.client.app.state["runtime"].service.state.slice(Accounts)
        assert list(accounts.by_username).count("resent1") == 1
