"""The HTML pages and their form posts, through the app (no browser)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from magen.domain.persons import Persons
from magen.domain.reports import Reports
from magen.domain.values import Role
from magen.web.render import _AssetDigest, asset_version
from support.apikit import PASSWORD, Kit, api_kit
from support.bakapack import baka_pack
from support.pagekit import form_command_id


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack(), anonymous_per_minute=10_000, anonymous_burst=10_000) as k:
        yield k


def _sos_count(kit: Kit) -> int:
    runtime = kit.client.app.state["runtime"]
    return len(runtime.service.state.slice(Reports).sos)


def _fresh_client(kit: Kit) -> Any:
    """A client with its own cookies (another phone)."""
    kit.client.cookies.clear()
    return kit.client


def test_the_resident_page_speaks_the_browser_s_language(kit: Kit) -> None:
    client = _fresh_client(kit)
    r = client.get("/resident", headers={"accept-language": "ar,en;q=0.5"})
    assert r.status_code == 200
    assert '<html lang="ar" dir="rtl">' in r.text
    assert r.headers["cache-control"] == "no-store"  # every load carries fresh command ids
    r = client.get("/", headers={"accept-language": "en-GB"})
    assert '<html lang="en" dir="ltr">' in r.text
    # Chosen in the URL, then remembered.
    r = client.get("/resident?lang=he", headers={"accept-language": "en-GB"})
    assert '<html lang="he" dir="rtl">' in r.text
    assert r.cookies.get("magen_lang") == "he"
    r = client.get("/resident", headers={"accept-language": "en-GB"})
    assert '<html lang="he" dir="rtl">' in r.text


def test_each_form_carries_its_own_fresh_command_id(kit: Kit) -> None:
    client = _fresh_client(kit)
    one = client.get("/resident").text
    two = client.get("/resident").text
    ids = {
        form_command_id(one, "/resident/sos"),
        form_command_id(one, "/resident/sighting"),
        form_command_id(two, "/resident/sos"),
    }
    assert len(ids) == 3


def test_an_address_shows_the_safe_action_there(kit: Kit) -> None:
    client = _fresh_client(kit)
    r = client.get("/resident?lang=en&address=Dubnov 13")
    # Said in the page's language; the place the forms send (and reports keep) as it was.
    assert "Location: Dubnov 13" in r.text
    assert 'name="place" value="דובנוב 13"' in r.text
    assert 'class="now act-' in r.text
    assert "act-unknown" not in r.text  # the guidance service answered for this place
    # Without a script nothing refreshes it: the page says when it was true and to reload.
    assert re.search(r"data-guidance-time>As of \d\d:\d\d<noscript> · Reload the page", r.text)
    assert "min on foot" in r.text  # no siren: the walk in minutes, not seconds
    # The forms below are already placed there.
    assert 'name="lat" value="31.768' in r.text


def test_an_unclear_address_lists_places_to_choose_from(kit: Kit) -> None:
    client = _fresh_client(kit)
    r = client.get("/resident?lang=en&address=Dubnov 999")
    assert "Did you mean:" in r.text
    assert "/resident?pick=" in r.text


def test_an_sos_form_post_raises_one_sos_however_often_it_is_sent(kit: Kit) -> None:
    client = _fresh_client(kit)
    page = client.get("/resident?lang=en").text
    form = {
        "form": "sos",
        "command_id": form_command_id(page, "/resident/sos"),
        "address": "Dubnov 13",
        "people": "3",
        "injured": "1",
        "children": "1",
        "text": "hiding upstairs",
    }
    before = _sos_count(kit)
    first = client.post("/resident/sos", data=form)
    assert first.status_code == 201
    assert "Your SOS was received" in first.text
    assert "data-safe-form hidden" not in first.text  # "I am safe" is offered now
    again = client.post("/resident/sos", data=form)
    assert again.status_code == 200
    assert "Your SOS was received" in again.text
    assert _sos_count(kit) == before + 1
    sos = [
        s
        for s in kit.get(Role.DISPATCHER, "/api/v1/picture").json()["sos"]
        if "hiding upstairs" in s["text"]
    ]
    assert len(sos) == 1
    assert sos[0]["text"] == "[דובנוב 13] hiding upstairs"
    assert sos[0]["tier"] == "anonymous"


def test_a_page_kept_from_before_sends_a_new_report_after_one_more_press(kit: Kit) -> None:
    client = _fresh_client(kit)
    page = client.get("/resident?lang=en").text
    cid = form_command_id(page, "/resident/sos")
    base = {"form": "sos", "command_id": cid, "address": "Dubnov 13"}
    assert client.post("/resident/sos", data={**base, "people": "2"}).status_code == 201
    # The same id, other content: not a retry; the page offers the report again, new id.
    r = client.post("/resident/sos", data={**base, "people": "5"})
    assert r.status_code == 409
    assert "out of date" in r.text
    assert form_command_id(r.text, "/resident/sos") != cid
    assert 'value="5"' in r.text


def test_the_json_answer_for_the_page_script(kit: Kit) -> None:
    client = _fresh_client(kit)
    form = {
        "form": "sighting",
        "command_id": str(uuid.uuid4()),
        "lat": "31.7615",
        "lon": "35.216",
        "count": "2",
        "mobility": "on_foot",
        "direction": "n",
    }
    r = client.post("/resident/sighting", data=form, headers={"accept": "application/json"})
    assert r.status_code == 201
    body = r.json()
    assert body["ok"] is True
    assert body["replayed"] is False
    assert body["id"].startswith("sig_")
    r = client.post("/resident/sighting", data=form, headers={"accept": "application/json"})
    assert (r.status_code, r.json()["replayed"], r.json()["id"]) == (200, True, body["id"])
    bad = client.post(
        "/resident/sighting",
        data={**form, "command_id": str(uuid.uuid4()), "lat": "", "address": "Dubnov 999"},
        headers={"accept": "application/json"},
    )
    assert bad.status_code == 422
    assert bad.json()["ok"] is False
    assert bad.json()["suggestions"][0]["label"] == "דובנוב"


def test_a_cross_site_form_is_refused(kit: Kit) -> None:
    client = _fresh_client(kit)
    form = {"form": "sos", "command_id": str(uuid.uuid4()), "lat": "31.76", "lon": "35.21"}
    before = _sos_count(kit)
    r = client.post("/resident/sos", data=form, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert _sos_count(kit) == before


def test_i_am_safe_closes_only_my_own_calls(kit: Kit) -> None:
    mine = _fresh_client(kit)
    page = mine.get("/resident?lang=en").text
    r = mine.post(
        "/resident/sos",
        data={
            "form": "sos",
            "command_id": form_command_id(page, "/resident/sos"),
            "lat": "31.762",
            "lon": "35.215",
        },
    )
    assert r.status_code == 201
    device = mine.cookies.get("magen_device")
    assert device
    other = kit.post(
        Role.RESIDENT,
        "/api/v1/sos",
        {"command_id": str(uuid.uuid4()), "where": {"lat": 31.763, "lon": 35.216}},
    )
    assert other.status_code == 201
    safe = mine.post(
        "/resident/safe",
        data={"form": "safe", "command_id": form_command_id(r.text, "/resident/safe")},
    )
    assert "You are marked safe" in safe.text
    runtime = kit.client.app.state["runtime"]
    sos = runtime.service.state.slice(Reports).sos
    assert sos[other.json()["id"]].resolved is None
    assert not [
        s
        for s in sos.values()
        if s.resolved is None and s.source_key and s.reporter is None and s.where.lat == 31.762
    ]
    # Pressed again: nothing left to close.
    again = mine.post("/resident/safe", data={"form": "safe", "command_id": str(uuid.uuid4())})
    assert "no open call for help" in again.text


def test_a_signed_in_resident_who_is_safe_checks_in_for_the_registry_once(kit: Kit) -> None:
    client = _fresh_client(kit)
    client.cookies.set("magen_token", kit.tokens[Role.RESIDENT])
    page = client.get("/resident?lang=en").text
    r = client.post(
        "/resident/safe",
        data={"form": "safe", "command_id": form_command_id(page, "/resident/safe")},
    )
    assert "You are marked safe" in r.text
    again = client.post("/resident/safe", data={"form": "safe", "command_id": str(uuid.uuid4())})
    assert again.status_code == 200
    persons = kit.client.app.state["runtime"].service.state.slice(Persons)
    mine = [s for s in persons.survivors.values() if s.checked_in_by == kit.accounts[Role.RESIDENT]]
    assert len(mine) == 1
    assert mine[0].self_reported
    assert mine[0].name.full_name == "Resident"
    client.cookies.clear()


def test_staff_sign_in_sets_an_http_only_cookie_and_goes_to_their_page(kit: Kit) -> None:
    client = _fresh_client(kit)
    r = client.post(
        "/login",
        data={"username": "user-dispatcher", "password": PASSWORD, "next": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"]
    assert "magen_token=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    console = client.get("/console")
    assert console.status_code == 200
    assert 'id="map"' in console.text
    session = client.get("/session").json()
    assert session["role"] == "dispatcher"
    assert (
        client.get(
            "/api/v1/picture", headers={"authorization": f"Bearer {session['access_token']}"}
        ).json()["role"]
        == "dispatcher"
    )
    out = client.post("/logout", follow_redirects=False)
    assert out.status_code == 303
    client.cookies.clear()
    assert client.get("/session").status_code == 401


@pytest.mark.parametrize(
    ("role", "home"),
    [
        (Role.DISPATCHER, "/console"),
        (Role.ANALYST, "/console"),
        (Role.REGISTRAR, "/registry"),
        (Role.HOSPITAL, "/hospital"),
        (Role.MEDIC, "/responder"),
        (Role.RESIDENT, "/resident"),
    ],
)
def test_sign_in_goes_to_the_page_of_the_account_s_work(kit: Kit, role: Role, home: str) -> None:
    client = _fresh_client(kit)
    r = client.post(
        "/login",
        data={"username": f"user-{role.value}", "password": PASSWORD, "next": ""},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, home)
    client.cookies.clear()


def test_a_wrong_password_is_said_plainly(kit: Kit) -> None:
    client = _fresh_client(kit)
    r = client.post(
        "/login",
        data={"username": "user-dispatcher", "password": "nope"},
        headers={"accept-language": "en"},
    )
    assert r.status_code == 401
    assert "wrong" in r.text
    j = client.post(
        "/login", data={"username": "", "password": ""}, headers={"accept": "application/json"}
    )
    assert (j.status_code, j.json()["ok"]) == (401, False)


def test_sign_in_never_redirects_off_site(kit: Kit) -> None:
    client = _fresh_client(kit)
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        r = client.post(
            "/login",
            data={"username": "user-analyst", "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert r.headers["location"] == "/console", target


@pytest.mark.parametrize(
    ("role", "console", "responder"),
    [
        (Role.ADMIN, 200, 403),
        (Role.DISPATCHER, 200, 403),
        (Role.ANALYST, 200, 403),
        (Role.REGISTRAR, 200, 403),
        (Role.RESPONDER, 403, 200),
        (Role.MEDIC, 403, 200),
        (Role.RESIDENT, 403, 403),
        (Role.HOSPITAL, 403, 403),
    ],
)
def test_each_staff_page_is_for_its_roles(
    kit: Kit, role: Role, console: int, responder: int
) -> None:
    client = _fresh_client(kit)
    client.cookies.set("magen_token", kit.tokens[role])
    c = client.get("/console")
    assert c.status_code == console
    if console == 403:
        assert "data-refused" in c.text
        assert role.value in c.text
        assert 'id="map"' not in c.text
    assert client.get("/responder").status_code == responder
    client.cookies.clear()


def test_signed_out_staff_pages_go_to_sign_in(kit: Kit) -> None:
    client = _fresh_client(kit)
    r = client.get("/console", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=/console")
    client.cookies.set("magen_token", "not-a-token")
    assert client.get("/responder", follow_redirects=False).status_code == 303


def test_sign_in_keeps_the_page_s_language_and_query(kit: Kit) -> None:
    # Was: /console?lang=ar signed out went to /login?next=/console, and the console came up
    # in English after signing in.
    client = _fresh_client(kit)
    r = client.get("/console?lang=ar", follow_redirects=False)
    assert r.headers["location"] == "/login?next=/console%3Flang%3Dar&lang=ar"
    login = client.get(r.headers["location"]).text
    assert 'lang="ar"' in login
    assert 'dir="rtl"' in login
    assert 'value="/console?lang=ar"' in login  # where the form sends the user after


def test_places_suggests_addresses(kit: Kit) -> None:
    places = kit.client.get("/resident/places?q=Dubnov 13&lang=en").json()
    assert places[0] == {
        "label": "דובנוב 13",
        "shown": "Dubnov 13",
        "lat": pytest.approx(31.76819, abs=1e-4),
        "lon": pytest.approx(35.21873, abs=1e-4),
        "kind": "address",
    }


def test_assets_are_served_and_leaflet_comes_from_npm(kit: Kit) -> None:
    for path in (
        "/static/magen.css",
        "/static/resident.js",
        "/static/console.js",
        "/static/townmap.js",
    ):
        r = kit.client.get(path)
        assert r.status_code == 200, path
        assert "max-age" in r.headers["cache-control"]
    leaflet = kit.client.get("/vendor/leaflet/leaflet.js")
    if leaflet.status_code == 404:
        pytest.skip("front-end packages are not installed (npm ci in src/magen/web)")
    assert "Leaflet" in leaflet.text[:2000]


def test_asset_links_change_when_an_asset_changes(tmp_path: Path, kit: Kit) -> None:
    # Browsers keep assets a day: the key is the assets' content, not the release number.
    (tmp_path / "a.js").write_text("one")
    digest = _AssetDigest(tmp_path, tmp_path / "absent")
    first = digest()
    assert first == digest()
    (tmp_path / "a.js").write_text("two")
    second = digest()
    assert second != first
    (tmp_path / "b.css").write_text("")
    assert digest() not in {first, second}
    page = _fresh_client(kit).get("/resident?lang=en").text
    assert f"/static/resident.js?v={asset_version()}" in page
