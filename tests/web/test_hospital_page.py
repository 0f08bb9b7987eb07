"""The hospital desk page (/hospital), through the app (no browser)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.accounts import CreateAccount
from magen.domain.base import SYSTEM
from magen.domain.values import Role
from support.apikit import BAKA, Kit, api_kit, cid, password_hash


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _hospital_account(kit: Kit, username: str) -> tuple[str, str]:
    """A new hospital account: its id and a bearer token."""
    runtime = kit.client.app.state["runtime"]
    command = CreateAccount(
        command_id=uuid.uuid4(),
        username=username,
        role=Role.HOSPITAL,
        display_name=f"{username} desk",
        password_hash=password_hash(),
    )
    outcome = kit.client.blocking_portal.call(runtime.service.handle, SYSTEM, command)  # type: ignore[union-attr]
    account_id = str(outcome.events[0].event.account_id)
    token = runtime.tokens.issue(account_id, "hospital", kit.clock.now())[0]
    return account_id, str(token)


def _register(
    kit: Kit,
    hospital_id: str,
    name: str,
    account_id: str | None = None,
    names: dict[str, str] | None = None,
) -> None:
    body: dict[str, Any] = {
        "command_id": cid(),
        "hospital_id": hospital_id,
        "name": name,
        "where": BAKA,
        "trauma_centre": True,
    }
    if account_id is not None:
        body["account_id"] = account_id
    if names is not None:
        body["names"] = names
    r = kit.post(Role.ADMIN, "/api/v1/hospitals", body)
    assert r.status_code == 201, r.text


def _page(kit: Kit, token: str | None, path: str = "/hospital?lang=en") -> Any:
    kit.client.cookies.clear()
    if token is not None:
        kit.client.cookies.set("magen_token", token)
    try:
        return kit.client.get(path, follow_redirects=False)
    finally:
        kit.client.cookies.clear()


def test_signed_out_the_desk_asks_to_sign_in_and_comes_back(kit: Kit) -> None:
    r = _page(kit, None, "/hospital")
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=/hospital")
    r = _page(kit, None, "/hospital?id=h-west")
    assert r.headers["location"] == "/login?next=/hospital%3Fid%3Dh-west"
    assert _page(kit, "not-a-token", "/hospital").status_code == 303


@pytest.mark.parametrize(
    "role", [Role.RESIDENT, Role.RESPONDER, Role.MEDIC, Role.ANALYST, Role.REGISTRAR]
)
def test_other_roles_are_refused(kit: Kit, role: Role) -> None:
    r = _page(kit, kit.tokens[role])
    assert r.status_code == 403
    assert "data-refused" in r.text
    assert "The hospital desk is for hospital staff" in r.text
    assert "hospital.js" not in r.text


def test_an_unlinked_hospital_account_is_told_whom_to_ask(kit: Kit) -> None:
    _, token = _hospital_account(kit, "desk-unlinked")
    _register(kit, "h-other", "Other Hospital")  # a hospital exists, just not this account's
    r = _page(kit, token)
    assert r.status_code == 200
    assert "data-unlinked" in r.text
    assert "not linked to any registered hospital" in r.text
    assert "desk-unlinked desk" in r.text  # which account, so the admin links the right one
    assert "Ask the Magen administrator" in r.text
    assert "Other Hospital" not in r.text  # another hospital's desk is not offered
    assert "hospital.js" not in r.text  # no empty page driven by a script that would fail
    he = _page(kit, token, "/hospital?lang=he")
    assert '<html lang="he" dir="rtl">' in he.text
    assert "אינו מקושר לאף בית חולים רשום" in he.text


def test_a_linked_hospital_account_sees_its_own_hospital(kit: Kit) -> None:
    account_id, token = _hospital_account(kit, "desk-east")
    _register(kit, "h-east", "East Medical Centre", account_id)
    _register(kit, "h-south", "South Hospital")
    r = _page(kit, token)
    assert r.status_code == 200
    assert "<h1 data-hospital-name><bdi>East Medical Centre</bdi></h1>" in r.text
    assert "South Hospital" not in r.text
    config = re.search(r'<script id="config" type="application/json">(.*?)</script>', r.text)
    assert config is not None
    assert '"id":"h-east"' in config.group(1)
    assert '"role":"hospital"' in config.group(1)
    # The report form offers EDXL-HAVE's values, and the steps the desk records.
    assert 'value="Lockdown"' in r.text
    assert 'name="bed.EmergencyDepartment"' in r.text
    assert 'name="census.red"' in r.text
    assert "/static/hospital.js" in r.text
    assert "/static/hospital.css" in r.text
    # Another hospital's id in the URL does not change whose desk this is.
    other = _page(kit, token, "/hospital?lang=en&id=h-south")
    assert "<h1 data-hospital-name><bdi>East Medical Centre</bdi></h1>" in other.text


def test_an_admin_or_dispatcher_chooses_a_hospital_then_relays_for_it(kit: Kit) -> None:
    _register(kit, "h-west", "West General")
    for role in (Role.ADMIN, Role.DISPATCHER):
        choose = _page(kit, kit.tokens[role])
        assert choose.status_code == 200
        assert "data-choose" in choose.text
        assert 'href="/hospital?id=h-west"' in choose.text
        assert "hospital.js" not in choose.text
        r = _page(kit, kit.tokens[role], "/hospital?lang=en&id=h-west")
        assert r.status_code == 200
        assert "<h1 data-hospital-name><bdi>West General</bdi></h1>" in r.text
        assert "data-relaying" in r.text
        assert f'"role":"{role.value}"' in r.text


def test_the_desk_says_the_hospital_in_the_page_s_language(kit: Kit) -> None:
    """Its name in Hebrew or Arabic where it has one; else its name of record."""
    names = {"he": "שערי צדק", "ar": "مستشفى شعاري تسيديك"}
    _register(kit, "h-sz", "Shaare Zedek", names=names)
    token = kit.tokens[Role.ADMIN]
    for lang, said in (("he", names["he"]), ("ar", names["ar"]), ("en", "Shaare Zedek")):
        r = _page(kit, token, f"/hospital?lang={lang}&id=h-sz")
        assert r.status_code == 200
        assert f"<h1 data-hospital-name><bdi>{said}</bdi></h1>" in r.text
        assert f"<title>{said} · " in r.text
    # A hospital with no Hebrew name is said by its name of record on a Hebrew page, and the
    # list to relay for says each in the page's language.
    _register(kit, "h-plain", "Plain Hospital")
    r = _page(kit, token, "/hospital?lang=he&id=h-plain")
    assert "<h1 data-hospital-name><bdi>Plain Hospital</bdi></h1>" in r.text
    choose = _page(kit, token, "/hospital?lang=he")
    assert 'href="/hospital?id=h-sz"><bdi>שערי צדק</bdi></a>' in choose.text
    assert 'href="/hospital?id=h-plain"><bdi>Plain Hospital</bdi></a>' in choose.text


def test_an_unknown_hospital_id_is_a_clear_404(kit: Kit) -> None:
    _register(kit, "h-north", "North Clinic")
    r = _page(kit, kit.tokens[Role.ADMIN], "/hospital?lang=en&id=no-such-place")
    assert r.status_code == 404
    assert "No hospital no-such-place is registered." in r.text
    assert 'href="/hospital?id=h-north"' in r.text  # the registered ones, to choose from
    assert "hospital.js" not in r.text


def test_the_desk_s_assets_are_served(kit: Kit) -> None:
    for path in ("/static/hospital.js", "/static/hospital.css"):
        assert kit.client.get(path).status_code == 200, path


def test_the_desk_script_builds_its_cards_from_text_not_html() -> None:
    # Server data (tags, descriptions, comments typed anywhere) reaches the page only as text.
    from magen.web import STATIC_DIR

    script = (STATIC_DIR / "hospital.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script
    assert "insertAdjacentHTML" not in script
