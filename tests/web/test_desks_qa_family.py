"""The family page when the registry decided before the family's page knew (desks QA)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.persons import Persons, family_view
from magen.domain.values import Role
from support.apikit import Kit, api_kit, cid
from support.bakapack import baka_pack
from support.pagekit import form_command_id


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def _resident(kit: Kit) -> Any:
    kit.client.cookies.clear()
    kit.client.cookies.set("magen_token", kit.tokens[Role.RESIDENT])
    return kit.client


def _file(kit: Kit, name: str, sex: str = "") -> str:
    client = _resident(kit)
    page = client.get("/family?lang=ar").text
    form = {"form": "report", "command_id": form_command_id(page, "/family/report")}
    fields = {"full_name": name, "age": "70", "sex": sex}
    r = client.post("/family/report", data={**form, **fields}, follow_redirects=False)
    assert r.status_code == 303, r.text
    mine = family_view(kit.client.app.state["runtime"].service.state, kit.accounts[Role.RESIDENT])
    return next(x.report_id for x in mine.reports if x.name == name)


def _confirm_death(kit: Kit, report_id: str, name: str, release: str = "") -> str:
    """A casualty dead and formally identified, matched to the report and confirmed; the match."""
    body = {"tag": f"T-{report_id[-4:]}", "place": "Derech Hevron 14"}
    cas = kit.post(Role.MEDIC, "/api/v1/casualties", {"command_id": cid(), **body})
    assert cas.status_code == 201, cas.text
    path = f"/api/v1/casualties/{cas.json()['id']}"
    assert kit.post(Role.REGISTRAR, f"{path}/death", {"command_id": cid()}).status_code == 201
    who = {
        "name": {"full_name": name},
        "identified_by": "forensic team",
        "method": "dental",
        "status": "identified",
    }
    r = kit.post(Role.REGISTRAR, f"{path}/identify", {"command_id": cid(), **who})
    assert r.status_code == 201, r.text
    proposal = {"report_id": report_id, "candidate_kind": "casualty", "score": 0.95}
    m = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/matches",
        {"command_id": cid(), **proposal, "candidate_id": cas.json()["id"], "explanation": "-"},
    )
    assert m.status_code == 201, m.text
    r = kit.post(
        Role.REGISTRAR,
        f"/api/v1/persons/matches/{m.json()['id']}/confirm",
        {"command_id": cid(), "release": release or "A registrar will meet you in person."},
    )
    assert r.status_code in {200, 201}, r.text
    return str(m.json()["id"])


def test_they_are_safe_after_a_death_not_yet_told_tells_the_family_nothing_of_it(
    kit: Kit,
) -> None:
    name = "سلمى خوري"
    report_id = _file(kit, name)
    client = _resident(kit)
    page = client.get("/family?lang=ar").text  # the page the family has open
    _confirm_death(kit, report_id, name)
    # Until a registrar has met them, the family's page still says "searching" ...
    assert f'data-report="{report_id}" data-status="searching"' in client.get("/family").text
    block = page[page.index(f'data-report="{report_id}"') :]
    form = {
        "form": f"safe-{report_id}",
        "command_id": form_command_id(block, "/family/safe"),
        "report_id": report_id,
        "note": "عند ابنها في بئر السبع",
        "confirm": "1",
    }
    r = client.post("/family/safe?lang=ar", data=form)
    # ... and "they are safe" pressed on it must not say otherwise: the domain's refusal
    # ("this report is already closed (found)", in English) told a family of a death.
    assert "closed" not in r.text
    assert "this report" not in r.text
    assert "data-error" not in r.text
    assert r.status_code == 201
    done = re.search(r"data-done>([^<]*)<", r.text)
    assert done is not None
    assert done.group(1).startswith(f"نُقل ما كتبته عن {name} إلى فريق التسجيل")
    assert f'data-report="{report_id}" data-status="searching"' in r.text
    # The registrar reads what the family said, once however often the form is sent.
    assert client.post("/family/safe?lang=ar", data=form).status_code == 200
    persons = kit.client.app.state["runtime"].service.state.slice(Persons)
    notes = [n.text for n in persons.missing[report_id].notes]
    assert notes == ["العائلة: رأيته أو تحدّثت معه بنفسي، إنه بأمان. عند ابنها في بئر السبع"]


def test_they_are_safe_on_a_report_found_meanwhile_is_passed_on_in_the_family_s_words(
    kit: Kit,
) -> None:
    name = "Avi Peretz"
    report_id = _file(kit, name)
    client = _resident(kit)
    page = client.get("/family?lang=he").text
    survivor = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/survivors",
        {"command_id": cid(), "name": {"full_name": name}, "place": "Shelter 7"},
    )
    assert survivor.status_code == 201, survivor.text
    proposal = {"report_id": report_id, "candidate_kind": "survivor", "score": 0.95}
    m = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/matches",
        {
            "command_id": cid(),
            **proposal,
            "candidate_id": survivor.json()["id"],
            "explanation": "-",
        },
    )
    assert m.status_code == 201, m.text
    release = {"command_id": cid(), "release": "Safe at the community centre."}
    r = kit.post(Role.REGISTRAR, f"/api/v1/persons/matches/{m.json()['id']}/confirm", release)
    assert r.status_code in {200, 201}, r.text
    block = page[page.index(f'data-report="{report_id}"') :]
    form = {
        "form": f"safe-{report_id}",
        "command_id": form_command_id(block, "/family/safe"),
        "report_id": report_id,
        "confirm": "1",
    }
    r = client.post("/family/safe?lang=he", data=form)
    assert "this report" not in r.text  # was "לא הצלחנו: this report is already closed (found)"
    assert r.status_code == 201
    assert f"מה שכתבת על {name} הועבר לצוות הרישום" in r.text
    # The page the answer draws is current: the registry's news is there.
    assert f'data-report="{report_id}" data-status="found"' in r.text
    assert "Safe at the community centre." in r.text


def test_an_arabic_page_says_her_of_a_woman_and_him_of_a_man(kit: Kit) -> None:
    client = _resident(kit)
    page = client.get("/family?lang=ar").text
    form = {"form": "report", "command_id": form_command_id(page, "/family/report")}
    r = client.post("/family/report", data={**form, "full_name": "هدى سليمان", "sex": "female"})
    assert r.status_code == 200, r.text  # the page the answer sends the browser to
    mine = family_view(kit.client.app.state["runtime"].service.state, kit.accounts[Role.RESIDENT])
    report_id = next(x.report_id for x in mine.reports if x.name == "هدى سليمان")
    block = r.text[r.text.index(f'data-report="{report_id}"') :]
    block = block[: block.index("</li>")]
    # Was "هل وجدته؟" ("have you found him?") and "وجدته، إنه بأمان" of a woman.
    assert "هل وجدتها؟" in block
    assert "وجدتها، إنها بأمان" in block
    assert "رأيتها أو تحدّثت معها بنفسي" in block
    assert "وجدته؟" not in block
    assert "وجدته،" not in block
    survivor = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/survivors",
        {"command_id": cid(), "name": {"full_name": "هدى سليمان"}, "place": "مدرسة"},
    )
    assert survivor.status_code == 201, survivor.text
    proposal = {"report_id": report_id, "candidate_kind": "survivor", "score": 0.95}
    m = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/matches",
        {**proposal, "command_id": cid(), "candidate_id": survivor.json()["id"], "explanation": ""},
    )
    assert m.status_code == 201, m.text
    release = {"command_id": cid(), "release": "هدى بأمان في المركز الجماهيري."}
    r = kit.post(Role.REGISTRAR, f"/api/v1/persons/matches/{m.json()['id']}/confirm", release)
    assert r.status_code in {200, 201}, r.text
    after = _resident(kit).get("/family?lang=ar").text
    block = after[after.index(f'data-report="{report_id}"') :]
    status = re.search(r"data-status-word>([^<]*)<", block)
    assert status is not None
    assert status.group(1) == "عُثر عليها سالمة"  # was "عُثر عليه سالمًا"


def test_a_death_told_in_person_is_not_shown_as_found_and_is_said_in_the_family_s_language(
    kit: Kit,
) -> None:
    name = "רחל ביטון"
    report_id = _file(kit, name)
    # The registrar's desk was in Arabic: its proposed words went out in Arabic.
    match_id = _confirm_death(kit, report_id, name, release="سيلتقي بكم مسجّل شخصيًا.")
    told = {"command_id": cid(), "match_id": match_id, "channel": "in_person"}
    r = kit.post(Role.REGISTRAR, f"/api/v1/persons/missing/{report_id}/notified", told)
    assert r.status_code == 201, r.text
    page = _resident(kit).get("/family?lang=he").text
    block = page[page.index(f'data-report="{report_id}"') :]
    block = block[: block.index("</li>")]
    status = re.search(r"data-status-word>([^<]*)<", block)
    assert status is not None
    # Was "נמצא/ה" ("found") on a green card, and the message in Arabic.
    assert status.group(1) == "הודעה מצוות הרישום"
    assert "st-found" not in block
    # The stock words said a registrar "will meet" them: past by now, a line that stays true.
    assert "לכל שאלה אפשר לפנות לצוות הרישום." in block
    assert "ייפגש" not in block
    assert "سيلتقي" not in block
    assert re.search(r"צוות הרישום דיבר איתך ב-\d\d:\d\d\.", block)


def test_the_desk_s_stock_words_reach_the_family_in_its_language(kit: Kit) -> None:
    name = "Noa Cohen"
    report_id = _file(kit, name)
    survivor = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/survivors",
        {"command_id": cid(), "name": {"full_name": name}, "place": "Shelter 7"},
    )
    assert survivor.status_code == 201, survivor.text
    proposal = {"report_id": report_id, "candidate_kind": "survivor", "score": 0.95}
    m = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/matches",
        {**proposal, "command_id": cid(), "candidate_id": survivor.json()["id"], "explanation": ""},
    )
    assert m.status_code == 201, m.text
    # No words given: the service's own default, in English.
    r = kit.post(
        Role.REGISTRAR, f"/api/v1/persons/matches/{m.json()['id']}/confirm", {"command_id": cid()}
    )
    assert r.status_code in {200, 201}, r.text
    page = _resident(kit).get("/family?lang=ar").text
    block = page[page.index(f'data-report="{report_id}"') :]
    block = block[: block.index("</li>")]
    assert "Found safe." not in block
    assert "وُجد/ت بأمان." in block
