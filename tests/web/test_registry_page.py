"""The registrar's desk (/registry) through the app: who may open it, what it carries."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from magen.web.i18n import LANGS, text
from magen.web.words_registry import WORDS
from support.apikit import Kit, api_kit, cid


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _as(kit: Kit, role: Role | None) -> Any:
    client = kit.client
    client.cookies.clear()
    if role is not None:
        client.cookies.set("magen_token", kit.tokens[role])
    return client


def _config(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="config" type="application/json">(.*?)</script>', html)
    assert found is not None
    return dict(json.loads(found.group(1)))


def test_signed_out_the_desk_sends_to_sign_in(kit: Kit) -> None:
    r = _as(kit, None).get("/registry", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login?next=/registry")
    client = _as(kit, None)
    client.cookies.set("magen_token", "not-a-token")
    assert client.get("/registry", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "role", [Role.RESIDENT, Role.RESPONDER, Role.MEDIC, Role.HOSPITAL, Role.DISPATCHER]
)
def test_other_roles_are_refused_with_a_reason(kit: Kit, role: Role) -> None:
    r = _as(kit, role).get("/registry?lang=en")
    assert r.status_code == 403
    assert "data-refused" in r.text
    assert "for registrars and administrators" in r.text
    assert role.value in r.text
    assert "data-match-list" not in r.text
    assert "registry.js" not in r.text


def test_a_registrar_gets_the_desk_that_decides(kit: Kit) -> None:
    r = _as(kit, Role.REGISTRAR).get("/registry?lang=en")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    for hook in ("data-match-list", "data-tell-list", "data-report-list", "data-run"):
        assert hook in r.text
    assert "data-report-form" in r.text
    assert "data-check-in-form" in r.text
    assert "/static/registry.js" in r.text
    assert "/static/registry.css" in r.text
    assert "data-only-registrar" not in r.text
    config = _config(r.text)
    assert config["role"] == "registrar"
    assert config["decides"] is True
    runtime = kit.client.app.state["runtime"]
    assert config["position"] == runtime.service.state.position > 0


def test_an_admin_sees_the_desk_but_is_told_only_registrars_decide(kit: Kit) -> None:
    r = _as(kit, Role.ADMIN).get("/registry?lang=en")
    assert r.status_code == 200
    assert "data-only-registrar" in r.text
    assert _config(r.text)["decides"] is False


def test_the_desk_speaks_hebrew_and_arabic_right_to_left(kit: Kit) -> None:
    client = _as(kit, Role.REGISTRAR)
    he = client.get("/registry?lang=he").text
    assert '<html lang="he" dir="rtl">' in he
    assert "עמדת הרישום" in he
    assert "התאמות להכרעה" in he
    ar = client.get("/registry?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in ar
    assert "مكتب التسجيل" in ar


def test_every_desk_word_is_written_in_each_language() -> None:
    for key, row in WORDS.items():
        assert key.startswith("registry_"), key
        assert all(row), key
        if any(ch.isalpha() for ch in row[2]):  # punctuation may be shared (Hebrew's comma)
            assert row[0] != row[2], key  # not English in disguise
            assert row[1] != row[2], key
        for lang in LANGS:
            text(key, lang, **dict.fromkeys(re.findall(r"\{(\w+)\}", row[2]), "x"))


def test_family_accounts_are_found_for_the_desk_only(kit: Kit) -> None:
    resident = kit.accounts[Role.RESIDENT]
    got = _as(kit, Role.REGISTRAR).get("/registry/families?username=user-resident").json()
    assert got["accounts"] == [
        {"id": resident, "username": "user-resident", "name": "Resident", "active": True}
    ]
    # Staff accounts are never named; an unknown name finds nothing.
    client = _as(kit, Role.REGISTRAR)
    assert client.get("/registry/families?username=user-admin").json()["accounts"] == []
    assert client.get("/registry/families?username=nobody").json()["accounts"] == []
    by_id = client.get(f"/registry/families?ids={resident},{kit.accounts[Role.ADMIN]}").json()
    assert [a["id"] for a in by_id["accounts"]] == [resident]
    assert _as(kit, Role.RESIDENT).get("/registry/families?username=x").status_code == 403
    assert _as(kit, None).get("/registry/families?username=x").status_code == 401


def test_a_report_filed_with_the_found_account_reaches_that_family(kit: Kit) -> None:
    """What the desk's form sends: the account found by username becomes the family's."""
    client = _as(kit, Role.REGISTRAR)
    account = client.get("/registry/families?username=user-resident").json()["accounts"][0]
    r = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/missing",
        {"command_id": cid(), "name": {"full_name": "Desk Filed"}, "family_account": account["id"]},
    )
    assert r.status_code == 201, r.text
    family = kit.get(Role.RESIDENT, "/api/v1/persons/family").json()
    assert [x["name"] for x in family["reports"]] == ["Desk Filed"]


def test_the_desk_script_builds_its_lists_from_text_not_html() -> None:
    # Names, descriptions and messages typed by families and staff reach the desk only as text.
    from magen.web import STATIC_DIR

    script = (STATIC_DIR / "registry.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script
    assert "insertAdjacentHTML" not in script


def test_the_desk_reads_the_board_and_the_search_not_every_record() -> None:
    # At a disaster's size the desk must not download every casualty and report on each
    # refresh: the board names what the work needs, the search pages the reports.
    from magen.web import STATIC_DIR

    script = (STATIC_DIR / "registry.js").read_text(encoding="utf-8")
    assert '"/api/v1/persons/board"' in script
    assert '"/api/v1/persons/search?limit="' in script
    assert '"/api/v1/casualties"' not in script
    assert '"/api/v1/hospitals"' not in script


def test_the_desk_narrows_names_as_the_server_searches_them() -> None:
    # While the server answers, the desk narrows what it shows with the same folding.
    from magen.app import registry_board
    from magen.web import STATIC_DIR

    script = (STATIC_DIR / "registry.js").read_text(encoding="utf-8")
    found = re.search(r"\.replace\(/\[(.*?)\]/g, \"\"\)", script)
    assert found is not None
    js_class = found.group(1).encode().decode("unicode_escape").lower()
    assert js_class == registry_board._MARKS.pattern.strip("[]")
    assert registry_board.fold("יָעֵל ABERGIL عُمَر") == "יעל abergil عمر"
