"""The family page's words of the person, its form's time and checks (audit 16: a family on a
phone, in Hebrew and Arabic), and the stock release as the API gives it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from magen.domain.persons import family_view
from magen.domain.values import Role
from magen.web.times import town_zone
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


def _file(kit: Kit, name: str, sex: str = "", lang: str = "he") -> str:
    client = _resident(kit)
    page = client.get(f"/family?lang={lang}").text
    form = {"form": "report", "command_id": form_command_id(page, "/family/report")}
    r = client.post("/family/report", data={**form, "full_name": name, "sex": sex})
    assert r.status_code == 200, r.text
    mine = family_view(kit.client.app.state["runtime"].service.state, kit.accounts[Role.RESIDENT])
    return next(x.report_id for x in mine.reports if x.name == name)


def _card(kit: Kit, report_id: str, lang: str) -> str:
    page = _resident(kit).get(f"/family?lang={lang}").text
    block = page[page.index(f'data-report="{report_id}"') :]
    return block[: block.index("</li>")]


def _status(card: str) -> str:
    found = re.search(r"data-status-word>([^<]*)<", card)
    assert found is not None
    return found.group(1)


def _said(card: str) -> str:
    found = re.search(r'<p class="said" dir="auto">([^<]*)<', card)
    assert found is not None
    return found.group(1)


def _confirm(kit: Kit, report_id: str, kind: str, candidate_id: str, release: str | None) -> str:
    proposal = {"report_id": report_id, "candidate_kind": kind, "score": 0.95}
    m = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/matches",
        {**proposal, "command_id": cid(), "candidate_id": candidate_id, "explanation": "-"},
    )
    assert m.status_code == 201, m.text
    body = {"command_id": cid()} | ({} if release is None else {"release": release})
    r = kit.post(Role.REGISTRAR, f"/api/v1/persons/matches/{m.json()['id']}/confirm", body)
    assert r.status_code in {200, 201}, r.text
    return str(m.json()["id"])


def _survivor(kit: Kit, name: str) -> str:
    r = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/survivors",
        {"command_id": cid(), "name": {"full_name": name}, "place": "Shelter 7"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _casualty(kit: Kit, tag: str) -> str:
    body = {"command_id": cid(), "tag": tag, "place": "Derech Hevron 14"}
    r = kit.post(Role.MEDIC, "/api/v1/casualties", body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _api_report(kit: Kit, report_id: str) -> dict[str, Any]:
    r = kit.get(Role.RESIDENT, "/api/v1/persons/family")
    assert r.status_code == 200, r.text
    (mine,) = [x for x in r.json()["reports"] if x["report_id"] == report_id]
    return dict(mine)


def test_a_hebrew_page_says_her_of_a_woman_and_him_of_a_man(kit: Kit) -> None:
    daughter = _file(kit, "נועה כהן", "female")
    son = _file(kit, "יונתן כהן", "male")
    unsaid = _file(kit, "דנה כהן")
    her = _card(kit, daughter, "he")
    # Was "מצאתם אותם?" / "ראיתי אותם…" / "מצאתי אותם, הם בשלום" of a daughter.
    for words in (
        "מצאתם אותה?",
        "איפה היא עכשיו (לא חובה)",
        "ראיתי אותה או דיברתי איתה בעצמי",
        "מצאתי אותה, היא בשלום",
    ):
        assert words in her, words
    assert "אותם" not in her
    him = _card(kit, son, "he")
    for words in ("מצאתם אותו?", "ראיתי אותו או דיברתי איתו בעצמי", "מצאתי אותו, הוא בשלום"):
        assert words in him, words
    assert "מצאתם אותם?" in _card(kit, unsaid, "he")  # the family did not say: for both
    # The desk (in Hebrew) proposed its stock words, in its forms for both sexes.
    for report_id, name in ((daughter, "נועה כהן"), (son, "יונתן כהן"), (unsaid, "דנה כהן")):
        _confirm(kit, report_id, "survivor", _survivor(kit, name), "נמצא/ה בשלום.")
    her = _card(kit, daughter, "he")
    assert (_status(her), _said(her)) == ("נמצאה בשלום", "נמצאה בשלום.")  # was "נמצא/ה"
    him = _card(kit, son, "he")
    assert (_status(him), _said(him)) == ("נמצא בשלום", "נמצא בשלום.")
    both = _card(kit, unsaid, "he")
    assert (_status(both), _said(both)) == ("נמצא/ה בשלום", "נמצא/ה בשלום.")
    her = _card(kit, daughter, "ar")
    assert (_status(her), _said(her)) == ("عُثر عليها سالمة", "وُجدت بأمان.")  # was "وُجد/ت"
    # An app is told the words are the desk's stock sentence, and which, to say in its own.
    api = _api_report(kit, daughter)
    assert api["message"] == "נמצא/ה בשלום."  # kept as the registrar sent it
    assert (api["release_is_default"], api["release_key"]) == (True, "registry_release_safe_f")
    assert _api_report(kit, unsaid)["release_key"] == "registry_release_safe"


def test_the_stock_words_for_the_injured_are_said_of_him_in_hebrew_from_an_arabic_desk(
    kit: Kit,
) -> None:
    son = _file(kit, "עומר לוי", "male", lang="ar")
    arabic_desk = "وُجد/ت على قيد الحياة ويتلقّى/تتلقّى العلاج. سيتصل بكم مسجّل."
    _confirm(kit, son, "casualty", _casualty(kit, "T-INJ-1"), arabic_desk)
    him = _card(kit, son, "he")
    assert _said(him) == "נמצא בחיים ומקבל טיפול. צוות הרישום יתקשר אליכם."
    assert _status(him) == "נמצא"
    assert "/" not in _said(_card(kit, son, "ar"))
    assert _api_report(kit, son)["release_key"] == "registry_release_injured_m"


def test_the_service_s_english_default_is_the_stock_sentence_too(kit: Kit) -> None:
    daughter = _file(kit, "מיכל אזולאי", "female")
    _confirm(kit, daughter, "survivor", _survivor(kit, "מיכל אזולאי"), None)
    api = _api_report(kit, daughter)
    assert api["message"] == "Found safe."  # the domain's default, when no words were given
    assert (api["release_is_default"], api["release_key"]) == (True, "registry_release_safe_f")
    assert _said(_card(kit, daughter, "he")) == "נמצאה בשלום."


def test_the_registrar_s_own_words_are_said_as_written_and_not_marked_stock(kit: Kit) -> None:
    son = _file(kit, "אבי מלכה", "male")
    words = "אבי בשלום במתנ״ס. התקשרו ל-106."
    _confirm(kit, son, "survivor", _survivor(kit, "אבי מלכה"), words)
    assert _said(_card(kit, son, "ar")) == words
    api = _api_report(kit, son)
    assert (api["message"], api["release_is_default"], api["release_key"]) == (words, False, None)
    searching = _file(kit, "עדיין מחפשים")
    api = _api_report(kit, searching)
    assert (api["status"], api["release_is_default"], api["release_key"]) == (
        "searching",
        False,
        None,
    )


def _death(kit: Kit, report_id: str, name: str, release: str) -> None:
    """A death formally identified, confirmed with `release` and told to the family."""
    casualty = _casualty(kit, f"T-{report_id[-5:]}")
    path = f"/api/v1/casualties/{casualty}"
    assert kit.post(Role.REGISTRAR, f"{path}/death", {"command_id": cid()}).status_code == 201
    who = {
        "name": {"full_name": name},
        "identified_by": "forensic team",
        "method": "dental",
        "status": "identified",
    }
    assert kit.post(Role.REGISTRAR, f"{path}/identify", {"command_id": cid(), **who}).is_success
    match_id = _confirm(kit, report_id, "casualty", casualty, release)
    told = {"command_id": cid(), "match_id": match_id, "channel": "in_person"}
    r = kit.post(Role.REGISTRAR, f"/api/v1/persons/missing/{report_id}/notified", told)
    assert r.status_code == 201, r.text


def test_a_death_told_says_no_more_that_a_registrar_will_meet_them(kit: Kit) -> None:
    father = _file(kit, "שמעון דהן", "male")
    _death(kit, father, "שמעון דהן", "רשם/ת ייפגש/תיפגש אתכם באופן אישי.")
    card = _card(kit, father, "he")
    assert _said(card) == "לכל שאלה אפשר לפנות לצוות הרישום."
    assert "ייפגש" not in card
    assert "צוות הרישום דיבר איתך ב-" in card
    assert _said(_card(kit, father, "ar")) == "لأي سؤال يمكنكم التوجّه إلى فريق التسجيل."
    assert _api_report(kit, father)["release_key"] == "registry_release_deceased_m"
    # Words the registrar wrote are theirs to choose: kept as written.
    mother = _file(kit, "אסתר דהן", "female")
    _death(kit, mother, "אסתר דהן", "נשמח לעמוד לרשותכם בכל שאלה: 106.")
    assert _said(_card(kit, mother, "he")) == "נשמח לעמוד לרשותכם בכל שאלה: 106."


def test_the_page_a_report_was_sent_on_to_says_it_only_of_the_family_s_own(kit: Kit) -> None:
    mine = _file(kit, "רון שמש")
    page = _resident(kit).get(f"/family?filed={mine}&lang=en").text
    done = re.search(r"data-done>([^<]*)<", page)
    assert done is not None
    assert done.group(1).startswith("The report on רון שמש is filed (")
    # Another family's report (filed by the registry for nobody here) says nothing.
    theirs = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/missing",
        {
            "command_id": cid(),
            "name": {"full_name": "Not Yours"},
            "contact": {"name": "Other", "phone": "050 1111111"},
        },
    )
    assert theirs.status_code == 201, theirs.text
    page = _resident(kit).get(f"/family?filed={theirs.json()['id']}&lang=en").text
    assert "data-done" not in page
    assert "Not Yours" not in page
    assert "data-done" not in _resident(kit).get("/family?filed=nonsense").text


def test_when_starts_empty_and_may_not_pass_the_server_s_now(kit: Kit) -> None:
    # Empty, not now: a time nobody chose would be matched as if the family had given it.
    client = _resident(kit)
    now = kit.clock.now().astimezone(town_zone())
    page = client.get("/family?lang=he").text
    field = re.search(r'<input id="f-seen_at"[^>]*>', page)
    assert field is not None
    local = now.strftime("%Y-%m-%dT%H:%M")
    assert 'value=""' in field.group(0)
    assert f'max="{local}"' in field.group(0)
    assert 'data-invalid-over="הזמן שנבחר עוד לא הגיע."' in field.group(0)
    hint = re.search(r"data-when-now>([^<]*)<", page)
    assert hint is not None
    assert hint.group(1).startswith(f"השעה עכשיו: {now:%H:%M}.")
    # A time the family typed (or cleared) comes back as typed, not as the server's now.
    form = {"form": "report", "command_id": form_command_id(page, "/family/report")}
    later = (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    r = client.post("/family/report?lang=he", data={**form, "full_name": "", "seen_at": later})
    assert r.status_code == 422
    assert f'value="{later}"' in r.text
    r = client.post("/family/report?lang=he", data={**form, "full_name": "", "seen_at": ""})
    field = re.search(r'<input id="f-seen_at"[^>]*>', r.text)
    assert field is not None
    assert 'value=""' in field.group(0)


def test_the_sign_up_form_says_the_underscore_and_carries_the_page_s_words_for_its_checks(
    kit: Kit,
) -> None:
    kit.client.cookies.clear()
    page = kit.client.get("/family?lang=ar").text
    assert "وشرطة سفلية (_)" in page
    assert "underscore (_)" in kit.client.get("/family?lang=en").text
    he = kit.client.get("/family?lang=he").text
    assert "קו תחתון (_)" in he
    username = re.search(r'<input id="f-username"[^>]*>', he)
    assert username is not None
    assert 'data-invalid="שם משתמש: 2 עד 64 אותיות אנגליות קטנות' in username.group(0)
    password = re.search(r'<input id="f-password"[^>]*>', he)
    assert password is not None
    assert 'data-invalid="הסיסמה צריכה לפחות 8 תווים."' in password.group(0)
    assert "setCustomValidity" in he
