"""A name of invisible characters, or one that reverses itself, is refused where it is typed:
the API and the family page's form (from an as-user audit: "The report on  is filed")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.values import Role
from support.apikit import Kit, api_kit, cid, ok
from support.bakapack import baka_pack
from support.pagekit import form_command_id


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def _report(kit: Kit, full_name: str, **extra: Any) -> Any:
    body = {
        "command_id": cid(),
        "name": {"full_name": full_name},
        "contact": {"name": "Rivka Levi", "phone": "050-0000000"},
        **extra,
    }
    return kit.post(Role.REGISTRAR, "/api/v1/persons/missing", body)


def test_the_api_refuses_a_blank_or_reversing_name_and_free_text(kit: Kit) -> None:
    before = kit.log.head()
    blank = _report(kit, "\u200b\u200f")
    assert blank.status_code == 400, blank.text
    assert "cannot be blank" in blank.json()["reason"]
    for reversing in ("\u202eevil\u202c", "\u2067Noa\u2069"):
        r = _report(kit, reversing)
        assert r.status_code == 400, r.text
        assert "bidirectional control character" in r.json()["reason"]
    r = _report(kit, "Noa Levi", last_seen_place="\u202eHerzl 4")
    assert r.status_code == 400, r.text
    c = ok(kit.post(Role.MEDIC, "/api/v1/casualties", {"command_id": cid(), "tag": "T-B1"}))
    r = kit.post(
        Role.MEDIC,
        f"/api/v1/casualties/{c['id']}/death",
        {"command_id": cid(), "note": "found \u202eby the gate"},
    )
    assert r.status_code == 400, r.text
    assert "bidirectional control character" in r.json()["reason"]
    assert kit.log.head() == before + 1  # only the casualty
    ok(_report(kit, "\u200fנועה לוי\u200f"))  # direction marks around a name are kept


def _family_form(kit: Kit, full_name: str) -> Any:
    client = kit.client
    client.cookies.clear()
    client.cookies.set("magen_token", kit.tokens[Role.RESIDENT])
    page = client.get("/family?lang=en").text
    form = {
        "form": "report",
        "command_id": form_command_id(page, "/family/report"),
        "full_name": full_name,
        "phone": "+972 50-123-4567",
    }
    return client.post("/family/report?lang=en", data=form, follow_redirects=False)


def test_the_family_page_files_no_report_on_a_name_of_invisible_characters(kit: Kit) -> None:
    before = kit.log.head()
    for name in ("\u200b\u200f", "\u202eevil\u202c"):
        r = _family_form(kit, name)
        assert r.status_code != 303, r.text  # not filed
        assert "is filed" not in r.text
        assert 'data-field-error="full_name"' in r.text  # said beside the name
    assert kit.log.head() == before
    assert _family_form(kit, "מרים\u200f כהן").status_code == 303
