"""The family page (/family) and its form posts, through the app (no browser, no JavaScript)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.accounts import Accounts
from magen.domain.persons import FamilyView, Persons, family_view
from magen.domain.values import Role
from magen.web.i18n import text
from support.apikit import Kit, api_kit, cid
from support.bakapack import baka_pack
from support.pagekit import form_command_id


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def _client(kit: Kit, token: str | None = None) -> Any:
    """The kit's client as one person: no cookies but their session's."""
    kit.client.cookies.clear()
    if token is not None:
        kit.client.cookies.set("magen_token", token)
    return kit.client


def _resident(kit: Kit) -> Any:
    return _client(kit, kit.tokens[Role.RESIDENT])


def _view(kit: Kit, account_id: str) -> FamilyView:
    return family_view(kit.client.app.state["runtime"].service.state, account_id)


def _report_form(html: str, **fields: str) -> dict[str, str]:
    return {"form": "report", "command_id": form_command_id(html, "/family/report"), **fields}


def _file(kit: Kit, client: Any, name: str, **fields: str) -> str:
    """File a report through the form; the id of the new report."""
    page = client.get("/family?lang=en").text
    form = _report_form(page, full_name=name, **fields)
    r = client.post("/family/report", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    account = kit.accounts[Role.RESIDENT]
    report_id = next(x.report_id for x in _view(kit, account).reports if x.name == name)
    assert r.headers["location"] == f"/family?filed={report_id}#r-{report_id}"
    return report_id


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'data-field-error="{name}">([^<]*)<', html)
    assert found is not None, f"no error shown beside {name}"
    return found.group(1)


def test_signed_out_the_page_says_why_an_account_and_where_to_sign_in(kit: Kit) -> None:
    client = _client(kit)
    r = client.get("/family?lang=en")
    assert r.status_code == 200
    assert "only you see your reports" in r.text
    assert 'href="/login?next=/family"' in r.text
    assert 'action="/family/signup"' in r.text  # this town lets residents register
    assert 'action="/family/report"' not in r.text
    assert r.headers["cache-control"] == "no-store"
    he = client.get("/family?lang=he")
    assert '<html lang="he" dir="rtl">' in he.text
    assert "חיפוש בן או בת משפחה" in he.text
    ar = client.get("/family?lang=ar")
    assert '<html lang="ar" dir="rtl">' in ar.text
    assert "البحث عن قريب" in ar.text


def test_signing_up_makes_a_resident_signed_in_and_a_resend_makes_no_second(kit: Kit) -> None:
    client = _client(kit)
    page = client.get("/family?lang=en").text
    form = {
        "form": "signup",
        "command_id": form_command_id(page, "/family/signup"),
        "display_name": "Miriam Levi",
        "username": "miriam.levi",
        "password": "a long password",
    }
    r = client.post("/family/signup", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/family"
    assert r.cookies.get("magen_token")
    page = client.get("/family?lang=en").text
    assert 'Signed in: <bdi class="name">Miriam Levi</bdi>' in page
    assert 'action="/family/report"' in page
    accounts = kit.client.app.state["runtime"].service.state.slice(Accounts)
    made = accounts.by_id[accounts.by_username["miriam.levi"]]
    assert made.role is Role.RESIDENT
    count = len(accounts.by_id)
    # The same form again (a reload of the answer) signs in with the same account.
    again = _client(kit).post("/family/signup", data=form, follow_redirects=False)
    assert again.status_code == 303
    assert again.cookies.get("magen_token")
    assert len(accounts.by_id) == count
    # Another form with that username: taken, said beside it, the name kept, no password echoed.
    page = _client(kit).get("/family?lang=en").text
    taken = {**form, "command_id": form_command_id(page, "/family/signup")}
    r = _client(kit).post("/family/signup?lang=en", data=taken)
    assert r.status_code == 409
    assert _field_error(r.text, "username") == "That username is taken. Choose another."
    assert 'value="Miriam Levi"' in r.text
    assert "a long password" not in r.text


def test_a_sign_up_form_that_cannot_be_taken_says_why_beside_each_field(kit: Kit) -> None:
    client = _client(kit)
    page = client.get("/family?lang=en").text
    form = {
        "form": "signup",
        "command_id": form_command_id(page, "/family/signup"),
        "display_name": "Yosef",
        "username": "Yosef K",
        "password": "short",
    }
    r = client.post("/family/signup?lang=en", data=form)
    assert r.status_code == 422
    assert "small English letters" in _field_error(r.text, "username")
    assert "8 characters" in _field_error(r.text, "password")
    assert 'value="Yosef K"' in r.text
    assert "magen_token" not in r.cookies


def test_signing_up_when_the_town_does_not_allow_it_is_refused_with_the_reason() -> None:
    with api_kit(town=baka_pack(), open_registration=False) as closed:
        client = _client(closed)
        page = client.get("/family?lang=en").text
        assert "Go to the municipality&#39;s registry desk" in page
        assert 'action="/family/signup"' not in page
        accounts = closed.client.app.state["runtime"].service.state.slice(Accounts)
        before = len(accounts.by_id)
        form = {
            "form": "signup",
            "command_id": cid(),
            "display_name": "Ahmad",
            "username": "ahmad",
            "password": "a long password",
        }
        r = client.post("/family/signup?lang=en", data=form, follow_redirects=False)
        assert r.status_code == 403
        assert "Go to the municipality&#39;s registry desk" in r.text
        assert "magen_token" not in r.cookies
        assert len(accounts.by_id) == before


def test_a_resident_files_a_report_by_form_and_the_family_view_has_it(kit: Kit) -> None:
    client = _resident(kit)
    page = client.get("/family?lang=en").text
    form = _report_form(
        page,
        full_name="נועה אברהם",
        alternates="Noa Avraham\nنوعا أبراهام, Ноа Авраам",
        sex="female",
        born="14.05.2015",
        hair="long, brown",
        build="slight",
        height="135",
        clothing="yellow raincoat",
        marks="scar on the left knee",
        place="Dubnov 13",
        seen_at="2023-10-07T08:10",
        phone="+972 50-123-4567",
        relation="mother",
    )
    posted = client.post("/family/report?lang=en", data=form, follow_redirects=False)
    account = kit.accounts[Role.RESIDENT]
    (mine,) = [x for x in _view(kit, account).reports if x.name == "נועה אברהם"]
    assert mine.status == "searching"
    # Answered by another address (303), so that a reload does not offer to send it again;
    # the page there says it was filed, and shows it.
    assert posted.status_code == 303
    where = f"/family?filed={mine.report_id}&lang=en#r-{mine.report_id}"
    assert posted.headers["location"] == where
    r = client.get(where)
    assert r.status_code == 200
    assert "The report on נועה אברהם is filed" in r.text
    report = kit.client.app.state["runtime"].service.state.slice(Persons).missing[mine.report_id]
    assert report.name.alternates == ("Noa Avraham", "نوعا أبراهام", "Ноа Авраам")
    assert report.date_of_birth == "2015-05-14"
    d = report.description
    assert (d.sex, d.hair, d.build, d.height_cm) == ("female", "long, brown", "slight", 135)
    assert (d.clothing, d.marks) == ("yellow raincoat", "scar on the left knee")
    assert report.last_seen_place == "Dubnov 13"
    assert report.last_seen_where is not None  # the town's address book knew the place
    assert report.last_seen_at is not None
    assert report.last_seen_at.isoformat() == "2023-10-07T05:10:00+00:00"  # 08:10 in Israel
    assert report.contact is not None
    assert (report.contact.phone, report.contact.relation) == ("+972 50-123-4567", "mother")
    # The answer lists it, searching, with its other names; the form is empty again.
    assert f'data-report="{mine.report_id}" data-status="searching"' in r.text
    also = re.search(r"data-alternates>(.*?)</p>", r.text)
    assert also is not None
    assert re.findall(r"<bdi>([^<]*)</bdi>", also.group(1)) == [
        "Noa Avraham",
        "نوعا أبراهام",
        "Ноа Авраам",
    ]
    assert form_command_id(r.text, "/family/report") != form["command_id"]
    # When they were last seen is on the card too (the town's clock, as the family gave it).
    seen = re.search(r"data-seen-when>([^<]*)<", r.text)
    assert seen is not None
    assert seen.group(1) == "at 08:10"  # the same day (else "at 07.10 08:10")
    he = client.get("/family?lang=he").text
    block = he[he.index(f'data-report="{mine.report_id}"') :]
    block = block[: block.index("</li>")]
    assert "נראתה לאחרונה: <bdi>Dubnov 13</bdi> <span data-seen-when>ב-08:10</span>" in block


def test_the_same_form_sent_again_files_one_report(kit: Kit) -> None:
    client = _resident(kit)
    form = _report_form(client.get("/family").text, full_name="Eli Peretz", age="70-75")
    first = client.post("/family/report", data=form, follow_redirects=False)
    assert first.status_code == 303
    again = client.post("/family/report?lang=en", data=form, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].split("&")[0] == first.headers["location"].split("#")[0]
    again = client.post("/family/report?lang=en", data=form)  # the browser follows
    assert again.status_code == 200
    assert "The report on Eli Peretz is filed" in again.text
    account = kit.accounts[Role.RESIDENT]
    assert [x.name for x in _view(kit, account).reports].count("Eli Peretz") == 1
    # The same id with other content is a page kept from before: offered again, fresh id.
    stale = client.post("/family/report?lang=en", data={**form, "full_name": "Eli Peretz Jr"})
    assert stale.status_code == 409
    assert "out of date" in stale.text
    assert 'value="Eli Peretz Jr"' in stale.text
    assert form_command_id(stale.text, "/family/report") != form["command_id"]


def test_a_bad_date_of_birth_comes_back_with_the_reason_and_what_was_typed(kit: Kit) -> None:
    client = _resident(kit)
    account = kit.accounts[Role.RESIDENT]
    before = len(_view(kit, account).reports)
    form = _report_form(
        client.get("/family").text,
        full_name="Avi Mizrahi",
        alternates="אבי מזרחי",
        born="31.02.1980",
        clothing="blue shirt",
        phone="050 7654321",
    )
    r = client.post("/family/report?lang=en", data=form)
    assert r.status_code == 422
    assert _field_error(r.text, "born").startswith("Write a date of birth like 14.05.1990")
    assert 'aria-invalid="true"' in r.text
    for typed in ('value="Avi Mizrahi"', 'value="31.02.1980"', ">אבי מזרחי</textarea>"):
        assert typed in r.text
    assert ">blue shirt</textarea>" in r.text
    assert form_command_id(r.text, "/family/report") == form["command_id"]  # still the same report
    assert len(_view(kit, account).reports) == before
    # Other fields the domain refuses are said beside them too, in the reader's language.
    bad = {**form, "born": "1980", "age": "12", "phone": "call me", "height": "9"}
    r = client.post("/family/report?lang=he", data=bad)
    assert r.status_code == 422
    assert "הגיל לא מתאים לתאריך הלידה" in _field_error(r.text, "age")
    assert "מספר טלפון" in _field_error(r.text, "phone")
    assert "גובה" in _field_error(r.text, "height")
    assert len(_view(kit, account).reports) == before


def test_a_resident_never_sees_nor_touches_another_resident_s_reports(kit: Kit) -> None:
    report_id = _file(kit, _resident(kit), "Shira Golan", marks="tattoo of a bird")
    client = _client(kit)
    page = client.get("/family").text
    form = {
        "form": "signup",
        "command_id": form_command_id(page, "/family/signup"),
        "display_name": "Other Family",
        "username": "other.family",
        "password": "another long password",
    }
    assert client.post("/family/signup", data=form, follow_redirects=False).status_code == 303
    theirs = client.get("/family?lang=en").text
    assert "Shira Golan" not in theirs
    assert report_id not in theirs
    for action, extra in (("/family/safe", {"confirm": "1"}), ("/family/note", {"text": "hi"})):
        r = client.post(
            f"{action}?lang=en", data={"command_id": cid(), "report_id": report_id, **extra}
        )
        assert r.status_code == 404
        assert "That report is not one of yours." in r.text
        assert "Shira Golan" not in r.text
    (mine,) = [
        x for x in _view(kit, kit.accounts[Role.RESIDENT]).reports if x.report_id == report_id
    ]
    assert mine.status == "searching"
    persons = kit.client.app.state["runtime"].service.state.slice(Persons)
    assert persons.missing[report_id].notes == []


def test_they_are_safe_closes_the_report_once_it_is_confirmed(kit: Kit) -> None:
    client = _resident(kit)
    report_id = _file(kit, client, "Moshe Biton")
    page = client.get("/family?lang=en").text
    form = {
        "form": f"safe-{report_id}",
        "command_id": form_command_id(page, "/family/safe"),
        "report_id": report_id,
        "note": "with his cousin in Beersheba",
    }
    forms_for = re.findall(r'name="report_id" value="([^"]+)"', page)
    assert report_id in forms_for
    # Without the box ticked nothing changes: a slip of the thumb closes no search.
    r = client.post("/family/safe?lang=en", data=form)
    assert r.status_code == 422
    assert _field_error(r.text, "confirm") == "Tick the box to confirm they are safe."
    assert 'value="with his cousin in Beersheba"' in r.text
    account = kit.accounts[Role.RESIDENT]
    assert next(x for x in _view(kit, account).reports if x.report_id == report_id).status == (
        "searching"
    )
    r = client.post("/family/safe?lang=en", data={**form, "confirm": "1"})
    assert r.status_code == 201
    assert "Moshe Biton is marked safe" in r.text
    mine = next(x for x in _view(kit, account).reports if x.report_id == report_id)
    assert mine.status == "safe"
    assert f'data-report="{report_id}" data-status="safe"' in r.text
    assert "with his cousin in Beersheba" in r.text
    # The report is closed: no more "they are safe" or notes for it.
    block = r.text[r.text.index(f'data-report="{report_id}"') :]
    block = block[: block.index("</li>")]
    assert "/family/safe" not in block
    assert "/family/note" not in block


def test_they_are_safe_on_a_report_closed_meanwhile_is_passed_on_in_the_page_s_words(
    kit: Kit,
) -> None:
    # The registry closed the report after the family's page was drawn (a death is told in
    # person): "they are safe" is answered as a word passed on, never "the report is closed",
    # and the registrar reads the stock words as the family's page said them, in Hebrew.
    client = _resident(kit)
    report_id = _file(kit, client, "Tamar Ochana")
    page = client.get("/family?lang=he").text
    closed = kit.post(
        Role.REGISTRAR, f"/api/v1/persons/missing/{report_id}/safe", {"command_id": cid()}
    )
    assert closed.status_code == 201, closed.text
    client = _resident(kit)
    form = {
        "form": f"safe-{report_id}",
        "command_id": form_command_id(page, "/family/safe"),
        "report_id": report_id,
        "note": "היא התקשרה אלינו",
        "confirm": "1",
    }
    r = client.post("/family/safe?lang=he", data=form)
    assert r.status_code == 201, r.text
    assert "הועבר לצוות הרישום" in r.text
    assert client.post("/family/safe?lang=he", data=form).status_code == 200  # a resend
    persons = kit.client.app.state["runtime"].service.state.slice(Persons)
    [note] = persons.missing[report_id].notes
    assert note.text == "המשפחה: ראיתי אותם או דיברתי איתם בעצמי, הם בשלום. היא התקשרה אלינו"


def test_new_information_is_added_to_the_report_as_a_note(kit: Kit) -> None:
    client = _resident(kit)
    report_id = _file(kit, client, "Yael Dahan")
    page = client.get("/family?lang=en").text
    block = page[page.index(f'data-report="{report_id}"') :]
    form = {
        "form": f"note-{report_id}",
        "command_id": form_command_id(block, "/family/note"),
        "report_id": report_id,
        "text": "",
    }
    r = client.post("/family/note?lang=en", data=form)
    assert r.status_code == 422
    assert _field_error(r.text, "text") == "Write what you have learnt."
    form["text"] = "A neighbour saw her at 9 by the shelter on Dubnov."
    r = client.post("/family/note?lang=en", data=form)
    assert r.status_code == 201
    assert client.post("/family/note?lang=en", data=form).status_code == 200  # a resend
    persons = kit.client.app.state["runtime"].service.state.slice(Persons)
    assert [n.text for n in persons.missing[report_id].notes] == [form["text"]]
    assert form["text"] in client.get("/family?lang=en").text


def test_a_note_filled_to_its_box_s_limit_in_lines_is_taken(kit: Kit) -> None:
    # maxlength="2000" counts a line break as one; the browser sends it as CRLF (two).
    client = _resident(kit)
    report_id = _file(kit, client, "Eti Mizrahi")
    page = client.get("/family?lang=en").text
    block = page[page.index(f'data-report="{report_id}"') :]
    typed = ("n" * 9 + "\n") * 200
    form = {
        "form": f"note-{report_id}",
        "command_id": form_command_id(block, "/family/note"),
        "report_id": report_id,
        "text": typed.replace("\n", "\r\n"),
    }
    r = client.post("/family/note?lang=en", data=form)
    assert r.status_code == 201, _field_error(r.text, "text")
    persons = kit.client.app.state["runtime"].service.state.slice(Persons)
    assert [n.text for n in persons.missing[report_id].notes] == [typed.strip()]


def test_the_registry_s_confirmed_match_is_shown_in_its_words_and_nothing_more(kit: Kit) -> None:
    client = _resident(kit)
    report_id = _file(kit, client, "Rivka Azulay", age="80")
    survivor = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/survivors",
        {"command_id": cid(), "name": {"full_name": "Rivka Azulay"}, "place": "Shelter 7 bed 12"},
    )
    assert survivor.status_code == 201, survivor.text
    survivor_id = survivor.json()["id"]
    match = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/matches",
        {
            "command_id": cid(),
            "report_id": report_id,
            "candidate_kind": "survivor",
            "candidate_id": survivor_id,
            "score": 0.93,
            "explanation": "name and age agree",
        },
    )
    assert match.status_code == 201, match.text
    match_id = match.json()["id"]
    # Proposed only: the family is told nothing yet.
    page = client.get("/family?lang=en").text
    assert f'data-report="{report_id}" data-status="searching"' in page
    assert "Shelter 7" not in page
    confirm = kit.post(
        Role.REGISTRAR,
        f"/api/v1/persons/matches/{match_id}/confirm",
        {"command_id": cid(), "release": "Rivka is safe at the community centre. Call 106."},
    )
    assert confirm.status_code in {200, 201}, confirm.text
    page = client.get("/family?lang=en").text
    assert f'data-report="{report_id}" data-status="found"' in page
    block = page[page.index(f'data-report="{report_id}"') :]
    block = block[: block.index("</li>")]
    assert "Found safe" in block
    assert "Rivka is safe at the community centre. Call 106." in block
    for hidden in ("Shelter 7", "0.93", "name and age agree", survivor_id, match_id):
        assert hidden not in page
    for lang in ("he", "ar", "en"):
        page = client.get(f"/family?lang={lang}").text
        words = re.sub(r"<script>.*?</script>", "", page, flags=re.S)  # the page's own code
        assert "{" not in words, lang  # every placeholder was filled
        assert "}" not in words, lang


def _ok(kit: Kit, role: Role, path: str, **body: Any) -> Any:
    r = kit.post(role, path, {"command_id": cid(), **body})
    assert r.status_code in {200, 201}, r.text
    return r.json()


def _card(page: str, report_id: str) -> str:
    block = page[page.index(f'data-report="{report_id}"') :]
    return block[: block.index("</li>")]


def test_a_death_after_the_family_was_told_never_leaves_in_care_on_the_page(kit: Kit) -> None:
    """Told "alive and receiving care", then the casualty dies: no language keeps saying care,
    and none says the death before a registrar has told them of it."""
    client = _resident(kit)
    report_id = _file(kit, client, "Sara Levy Page")
    made = _ok(kit, Role.MEDIC, "/api/v1/casualties", tag="FP-1", name={"full_name": "Sara Levy"})
    casualty = made["id"]
    match_id = _ok(
        kit,
        Role.REGISTRAR,
        "/api/v1/persons/matches",
        report_id=report_id,
        candidate_kind="casualty",
        candidate_id=casualty,
        score=0.9,
    )["id"]
    _ok(kit, Role.REGISTRAR, f"/api/v1/persons/matches/{match_id}/confirm")
    for lang in ("he", "ar", "en"):
        card = _card(client.get(f"/family?lang={lang}").text, report_id)
        assert text("registry_release_injured", lang) in card, lang
    _ok(kit, Role.REGISTRAR, f"/api/v1/persons/missing/{report_id}/notified", match_id=match_id)

    _ok(kit, Role.MEDIC, f"/api/v1/casualties/{casualty}/death")
    for lang in ("he", "ar", "en"):
        card = _card(client.get(f"/family?lang={lang}").text, report_id)
        assert 'data-status="found"' in card, lang
        assert text("registry_release_pending", lang) in card, lang
        for stale in ("registry_release_injured", "registry_release_deceased", "family_st_news"):
            assert text(stale, lang) not in card, (lang, stale)
        assert "st-news" not in card, lang


@pytest.mark.parametrize(
    "role", [Role.REGISTRAR, Role.ADMIN, Role.ANALYST, Role.RESPONDER, Role.HOSPITAL]
)
def test_the_page_is_refused_to_other_roles(kit: Kit, role: Role) -> None:
    client = _client(kit, kit.tokens[role])
    r = client.get("/family?lang=en")
    assert r.status_code == 403
    assert "This page is for residents looking for a relative" in r.text
    assert 'action="/family/report"' not in r.text
    r = client.post("/family/report?lang=en", data={"command_id": cid(), "full_name": "X Y"})
    assert r.status_code == 403
    r = client.post(
        "/family/signup",
        data={"command_id": cid(), "username": "zz", "password": "x" * 10, "display_name": "Z"},
    )
    assert r.status_code == 403


def test_a_cross_site_form_is_refused(kit: Kit) -> None:
    client = _resident(kit)
    for action in ("/family/report", "/family/safe", "/family/note", "/family/signup"):
        r = client.post(
            action,
            data={"command_id": str(uuid.uuid4()), "full_name": "Forged"},
            headers={"origin": "https://evil.example"},
        )
        assert r.status_code == 403, action
    assert "Forged" not in [x.name for x in _view(kit, kit.accounts[Role.RESIDENT]).reports]


def test_a_form_post_after_the_session_ended_goes_to_sign_in(kit: Kit) -> None:
    client = _client(kit)
    r = client.post(
        "/family/report", data={"command_id": cid(), "full_name": "X"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/family"
