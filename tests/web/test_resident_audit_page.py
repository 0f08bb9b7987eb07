"""The resident page as a resident met it (an as-user audit), without JavaScript.

- An SOS from outside the town was answered "the forces know where you are".
- During a town-wide alert the page without a location showed no alert at all.
- "I am safe" with no open call led to a section with nothing to press.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.persons import Persons
from magen.domain.reports import Reports
from magen.domain.values import Role
from magen.web.i18n import text
from magen.web.times import local_time
from support.apikit import Kit, api_kit, cid
from support.bakapack import baka_pack
from support.pagekit import form_command_id

TEL_AVIV = {"lat": "32.0853", "lon": "34.7818"}
BAKA = {"lat": "31.761500", "lon": "35.216000"}


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack(), anonymous_per_minute=10_000, anonymous_burst=10_000) as k:
        yield k


def _sos(client: Any, where: dict[str, str], lang: str, **extra: str) -> Any:
    page = client.get(f"/resident?lang={lang}&lat={where['lat']}&lon={where['lon']}").text
    data = {
        "form": "sos",
        "command_id": form_command_id(page, "/resident/sos"),
        "people": "1",
        **where,
    }
    return client.post(f"/resident/sos?lang={lang}", data={**data, **extra})


def _text(html: str, mark: str) -> str:
    found = re.search(rf"<p [^>]*{mark}[^>]*>([^<]*)</p>", html)
    assert found is not None, mark
    return found.group(1)


# --- 1. an SOS from outside the town ---------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "words", "town", "police"),
    [
        ("en", "outside the area this service covers", "(Baka)", "Police 100"),
        ("he", "מחוץ לאזור שהשירות הזה מכסה", "(בקעה)", "משטרה 100"),
        ("ar", "خارج المنطقة التي تغطيها هذه الخدمة", "(البقعة)", "الشرطة 100"),
    ],
)
def test_an_sos_from_outside_the_town_is_recorded_and_says_to_call_the_police(
    kit: Kit, lang: str, words: str, town: str, police: str
) -> None:
    r = _sos(kit.client, TEL_AVIV, lang)
    assert r.status_code == 201
    said = _text(r.text, "data-sos-outside")
    assert words in said
    assert town in said
    assert police in said
    assert "data-done" not in r.text  # never "received, help knows where you are"
    sos = kit.client.app.state["runtime"].service.state.slice(Reports).sos.values()
    assert [(round(s.where.lat, 4), round(s.where.lon, 4)) for s in sos] == [(32.0853, 34.7818)]


def test_the_page_s_script_is_told_the_sos_is_outside_the_town(kit: Kit) -> None:
    page = kit.client.get("/resident?lang=en").text
    data = {
        "form": "sos",
        "command_id": form_command_id(page, "/resident/sos"),
        "people": "2",
        **TEL_AVIV,
    }
    r = kit.client.post("/resident/sos?lang=en", data=data, headers={"accept": "application/json"})
    assert r.status_code == 201
    assert r.json()["outside_town"] == "Baka"
    assert "Call the police now: Police 100" in r.json()["message"]


def test_a_silent_sos_from_outside_the_town_says_so_on_the_silent_page(kit: Kit) -> None:
    page = kit.client.get("/resident/silent?lang=en").text
    data = {
        "form": "sos",
        "command_id": form_command_id(page, "/resident/sos"),
        "people": "1",
        "silent": "1",
        "silent_page": "1",
        **TEL_AVIV,
    }
    r = kit.client.post("/resident/sos?lang=en", data=data)
    assert r.status_code == 201
    assert "outside the area this service covers (Baka)" in _text(r.text, "data-sos-outside")


def test_an_sos_in_the_town_is_still_received_as_before(kit: Kit) -> None:
    r = _sos(kit.client, BAKA, "en")
    assert r.status_code == 201
    assert "Help knows where you are" in _text(r.text, "data-done")
    assert "data-sos-outside" not in r.text


# --- 2. the alerts in the town before a location is given ------------------------------------


def _issue(kit: Kit, zones: list[str], **extra: Any) -> dict[str, Any]:
    body = {"command_id": cid(), "category": "missiles", "zone_ids": zones, **extra}
    r = kit.post(Role.DISPATCHER, "/api/v1/alerts", body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _zones(kit: Kit) -> list[dict[str, Any]]:
    return list(kit.get(Role.ANONYMOUS, "/api/v1/town").json()["zones"])


@pytest.mark.parametrize(
    ("lang", "head", "title", "since"),
    [
        ("he", "התרעות בתוקף באזור בקעה", "ירי רקטות וטילים", "מהשעה"),
        ("ar", "إنذارات سارية في منطقة البقعة", "إطلاق قذائف صاروخية وصواريخ", "منذ الساعة"),
        ("en", "Alerts in force in Baka", "Rocket and missile fire", "since"),
    ],
)
def test_a_town_wide_alert_is_shown_before_any_location_with_the_prompt_kept(
    kit: Kit, lang: str, head: str, title: str, since: str
) -> None:
    before = kit.client.get(f"/resident?lang={lang}").text
    assert "data-town-alert" not in before
    _issue(kit, [z["id"] for z in _zones(kit)])
    html = kit.client.get(f"/resident?lang={lang}").text
    assert 'class="now act-town_alert"' in html
    assert head in html
    line = _text(html, "data-town-alert")
    now = local_time(kit.client.app.state["runtime"].service.clock.now())
    assert line.startswith(title)
    assert f"{since} {now}" in line
    town = kit.client.app.state["runtime"].town.names[lang]
    assert text("zones_all", lang, town=town, n=25) in line  # said once, not 25 names
    # The prompt is still there, and nothing claims the alert applies "here".
    assert "data-location-prompt" in html
    assert "data-guidance-time" not in html
    assert "data-alert-since" not in html


def test_an_alert_in_some_zones_names_them_and_how_many_more(kit: Kit) -> None:
    zones = _zones(kit)
    _issue(kit, [z["id"] for z in zones[:5]])
    line = _text(kit.client.get("/resident?lang=he").text, "data-town-alert")
    names = [z["names"]["he"] for z in zones[:3]]
    assert ", ".join(names) + " ועוד 2" in line


def test_a_drill_in_the_town_is_said_to_be_a_drill(kit: Kit) -> None:
    _issue(kit, [z["id"] for z in _zones(kit)], drill=True)
    assert _text(kit.client.get("/resident?lang=en").text, "data-town-alert").startswith("Drill: ")


def test_the_town_s_alerts_give_way_to_the_advice_once_a_place_is_known(kit: Kit) -> None:
    _issue(kit, [z["id"] for z in _zones(kit)])
    html = kit.client.get(f"/resident?lang=en&lat={BAKA['lat']}&lon={BAKA['lon']}").text
    assert "data-town-alert" not in html
    assert "data-alert-since" in html  # the alert in force there, as the advice says it


def test_the_page_marks_the_town_s_alerts_as_the_api_lists_them(kit: Kit) -> None:
    """The script compares these marks with GET /api/v1/alerts to know they changed."""
    zones = _zones(kit)
    one = _issue(kit, [z["id"] for z in zones[:4]])
    two = _issue(kit, [z["id"] for z in zones])
    html = kit.client.get("/resident?lang=en").text
    found = re.search(r'data-town-marks="([^"]*)"', html)
    assert found is not None
    # The script marks the API's list by the page's own template (one source: the server's).
    template = re.search(r'data-town-mark="([^"]*)"', html)
    assert template is not None
    assert template.group(1) == "{id}@{zones}"
    listed = kit.get(Role.ANONYMOUS, "/api/v1/alerts").json()["alerts"]
    mark = template.group(1)
    marks = sorted(
        mark.replace("{id}", a["id"]).replace("{zones}", str(len(a["zones"]))) for a in listed
    )
    assert found.group(1) == " ".join(marks)
    assert {one["id"], two["id"]} <= {a["id"] for a in listed}


def test_an_ended_alert_is_no_longer_shown(kit: Kit) -> None:
    alert = _issue(kit, [z["id"] for z in _zones(kit)])
    assert "data-town-alert" in kit.client.get("/resident?lang=en").text
    r = kit.post(Role.DISPATCHER, f"/api/v1/alerts/{alert['id']}/end", {"command_id": cid()})
    assert r.status_code == 201, r.text
    html = kit.client.get("/resident?lang=en").text
    assert "data-town-alert" not in html
    assert "act-unknown" in html


# --- 4. "I am safe" with no open call ---------------------------------------------------------


def test_a_signed_in_resident_with_no_open_call_has_a_safe_button_for_the_registry(
    kit: Kit,
) -> None:
    client = kit.client
    client.cookies.set("magen_token", kit.tokens[Role.RESIDENT])
    page = client.get("/resident?lang=en").text
    section = page[page.index('<section id="safe">') :]
    form = re.search(r"<form [^>]*data-safe-form[^>]*>", section)
    assert form is not None
    assert "hidden" not in form.group(0)
    assert "tells the missing-persons registry that you are safe" in section
    r = client.post(
        "/resident/safe?lang=en",
        data={"form": "safe", "command_id": form_command_id(page, "/resident/safe")},
    )
    assert "You are marked safe" in r.text
    persons = client.app.state["runtime"].service.state.slice(Persons)
    assert [s.self_reported for s in persons.survivors.values()] == [True]
    # Told once: the page then says so, with nothing more to press.
    again = r.text[r.text.index('<section id="safe">') :]
    assert "already told the missing-persons registry" in again
    form = re.search(r"<form [^>]*data-safe-form[^>]*>", again)
    assert form is not None
    assert "hidden" in form.group(0)
    client.cookies.clear()


def test_an_anonymous_resident_is_told_what_i_am_safe_does_and_how_to_sign_in(kit: Kit) -> None:
    kit.client.cookies.clear()
    page = kit.client.get("/resident?lang=he").text
    section = page[page.index('<section id="safe">') :]
    assert "אין לכם קריאה פתוחה" in section  # nothing to close
    assert "כדי לרשום במאגר הנעדרים שאתם בטוחים" in section  # what it would do, and how
    assert 'href="/login?next=/resident%23safe"' in section
    form = re.search(r"<form [^>]*data-safe-form[^>]*>", section)
    assert form is not None
    assert "hidden" in form.group(0)
    login = kit.client.get("/login?next=/resident%23safe").text
    assert 'value="/resident#safe"' in login


def test_an_anonymous_resident_with_an_open_call_closes_it_as_before(kit: Kit) -> None:
    kit.client.cookies.clear()
    _sos(kit.client, BAKA, "en")
    page = kit.client.get("/resident?lang=en").text
    section = page[page.index('<section id="safe">') :]
    form = re.search(r"<form [^>]*data-safe-form[^>]*>", section)
    assert form is not None
    assert "hidden" not in form.group(0)
    assert "Close your call for help" in section
    r = kit.client.post(
        "/resident/safe?lang=en",
        data={"form": "safe", "command_id": str(uuid.uuid4())},
    )
    assert "You are marked safe" in r.text
