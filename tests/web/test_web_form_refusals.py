"""The web forms' promise, posted as a browser without JavaScript posts them: input the
service cannot take comes back as the page with an inline error in its own language (never a
500, never raw JSON, never English inside a Hebrew or Arabic page) and changes nothing; and
nothing typed is silently cut or dropped.

From an audit: a year-1 "last seen" was a 500; a control character in an SOS's words a raw
JSON 400; a rate limit and too many other names said in English on a Hebrew page; a long
name, long words, a heading of 720 and an accuracy of -5 cut or dropped without a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from magen.domain.persons import Persons
from magen.domain.reports import Reports
from magen.domain.values import Role
from magen.web import forms
from magen.web.i18n import text
from support.apikit import Kit, api_kit, cid, ok
from support.bakapack import baka_pack
from support.pagekit import form_command_id

BAKA = {"lat": "31.761500", "lon": "35.216000"}
# Anything Latin on a Hebrew or Arabic page's error is English leaking through.
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack(), anonymous_per_minute=10_000, anonymous_burst=10_000) as k:
        yield k


def _state(kit: Kit) -> Any:
    return kit.client.app.state["runtime"].service.state


def _error(html: str) -> str:
    """The page's inline error (the whole block, tags dropped)."""
    found = re.search(r'<(p|div) class="error" role="alert" data-error>(.*?)</\1>', html, re.S)
    assert found is not None, "no inline error on the page"
    return re.sub(r"<[^>]+>", " ", found.group(2)).strip()


def _field_error(html: str, name: str) -> str:
    found = re.search(rf'data-field-error="{name}">([^<]*)<', html)
    assert found is not None, f"no error shown beside {name}"
    return found.group(1)


def _no_english(words: str) -> None:
    assert not _LATIN_WORD.search(words), words


# --- the family form ---------------------------------------------------------------------


def _resident(kit: Kit) -> Any:
    kit.client.cookies.clear()
    kit.client.cookies.set("magen_token", kit.tokens[Role.RESIDENT])
    return kit.client


def _report(kit: Kit, lang: str, **fields: str) -> Any:
    client = _resident(kit)
    page = client.get(f"/family?lang={lang}").text
    data = {
        "form": "report",
        "command_id": form_command_id(page, "/family/report"),
        "full_name": "Web Aud",
        "contact_name": "Mom",
        "phone": "050-1234567",
        "relation": "mother",
        **fields,
    }
    return client.post(f"/family/report?lang={lang}", data=data, follow_redirects=False)


def _reports(kit: Kit) -> int:
    return len(_state(kit).slice(Persons).missing)


@pytest.mark.parametrize(
    ("seen_at", "key"),
    [
        ("0001-01-01T00:00", "family_err_when_old"),
        ("9999-12-31T23:59", "family_err_when_future"),
        ("99999-01-01T00:00", "family_err_when"),
    ],
)
@pytest.mark.parametrize("lang", ["he", "ar", "en"])
def test_a_last_seen_time_at_the_calendar_s_edge_is_an_inline_error_not_a_500(
    kit: Kit, seen_at: str, key: str, lang: str
) -> None:
    before = _reports(kit)
    r = _report(kit, lang, seen_at=seen_at)
    assert r.status_code == 422, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    assert _field_error(r.text, "seen_at") == text(key, lang)
    assert _reports(kit) == before


@pytest.mark.parametrize("born", ["99999-01-01", "0000", "0001-01-01", "31.12.9999"])
def test_a_birth_date_at_the_calendar_s_edge_is_an_inline_error(kit: Kit, born: str) -> None:
    before = _reports(kit)
    r = _report(kit, "he", born=born)
    assert r.status_code == 422, r.text[:300]
    _no_english(_field_error(r.text, "born"))
    assert _reports(kit) == before


@pytest.mark.parametrize("lang", ["he", "ar"])
def test_too_many_other_names_are_said_in_the_page_s_language(kit: Kit, lang: str) -> None:
    before = _reports(kit)
    r = _report(kit, lang, alternates="\n".join(f"alt{i}" for i in range(100)))
    assert r.status_code == 422
    said = _field_error(r.text, "alternates")
    assert said == text(
        "err_field_rule",
        lang,
        field=text("fd_field_alternates", lang),
        rule=text("rule_at_most_items", lang, n=20),
    )
    assert "Tuple" not in r.text
    _no_english(_error(r.text))
    assert _reports(kit) == before


@pytest.mark.parametrize(
    ("field", "limit", "label"),
    [
        ("full_name", 200, "family_full_name"),
        ("hair", 200, "family_hair"),
        ("clothing", 2000, "family_clothing"),
        ("place", 300, "family_place"),
        ("relation", 100, "family_relation"),
    ],
)
def test_a_family_field_typed_too_long_is_refused_naming_its_limit_not_cut(
    kit: Kit, field: str, limit: int, label: str
) -> None:
    before = _reports(kit)
    r = _report(kit, "en", **{field: "x" * (limit + 1)})
    assert r.status_code == 422
    assert _field_error(r.text, field) == f"{text(label, 'en')}: at most {limit} characters"
    assert _reports(kit) == before
    # What was typed comes back whole, for the family to shorten.
    assert "x" * (limit + 1) in r.text
    # Exactly at the limit it is taken whole.
    r = _report(kit, "en", **{field: "y" * limit})
    assert r.status_code == 303, r.text[:300]
    kept = [m for m in _state(kit).slice(Persons).missing.values() if "y" * limit in repr(m)]
    assert kept


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("born", "1800-01-01", "refused_date_of_birth_too_early"),
        ("born", "1" * 30, "family_err_born"),
        ("age", "9" * 23, "family_err_age"),
        ("height", "1" * 5000, "family_err_height"),
        ("seen_at", "2026-01-01T10:00" + "0" * 50, "family_err_when"),
    ],
)
def test_a_family_value_typed_wrong_gets_that_field_s_own_advice(
    kit: Kit, field: str, value: str, key: str
) -> None:
    before = _reports(kit)
    r = _report(kit, "he", **{field: value})
    assert r.status_code == 422, r.text[:300]
    assert _field_error(r.text, field) == text(key, "he")
    assert _reports(kit) == before


def test_a_control_character_in_the_name_is_said_as_such(kit: Kit) -> None:
    r = _report(kit, "ar", full_name="a\x00b")
    assert r.status_code == 422
    said = text(
        "err_field_rule",
        "ar",
        field=text("family_full_name", "ar"),
        rule=text("fd_rule_control_chars", "ar"),
    )
    assert _field_error(r.text, "full_name") == said


@pytest.mark.parametrize(("field", "value"), [("sex", "alien"), ("build", "huge")])
def test_a_family_choice_the_form_does_not_offer_is_refused_not_dropped(
    kit: Kit, field: str, value: str
) -> None:
    before = _reports(kit)
    r = _report(kit, "ar", **{field: value})
    assert r.status_code == 422
    said = text(
        "err_field_rule",
        "ar",
        field=text(f"family_{field}", "ar"),
        rule=text("rule_choice", "ar"),
    )
    assert said in _error(r.text)
    assert _reports(kit) == before


def test_a_family_note_too_long_is_refused_not_cut(kit: Kit) -> None:
    r = _report(kit, "en", full_name="Noted Person")
    assert r.status_code == 303
    report_id = r.headers["location"].split("filed=")[1].split("&")[0].split("#")[0]
    client = _resident(kit)
    page = client.get("/family?lang=he").text
    form = f"note-{report_id}"
    command_id = re.search(
        rf'name="command_id" value="([^"]+)">\s*<input type="hidden" name="form" value="{form}"',
        page,
    )
    data = {
        "form": "note",
        "report_id": report_id,
        "command_id": command_id.group(1) if command_id else cid(),
        "text": "z" * 2001,
    }
    r = client.post("/family/note?lang=he", data=data)
    assert r.status_code == 422
    said = _field_error(r.text, "text")
    assert "2000" in said
    _no_english(said)
    notes = _state(kit).slice(Persons).missing[report_id].notes
    assert not any("z" * 100 in n.text for n in notes)


# --- the resident forms ------------------------------------------------------------------


def _anonymous(kit: Kit) -> Any:
    kit.client.cookies.clear()
    return kit.client


def _resident_form(kit: Kit, lang: str, action: str, **fields: str) -> dict[str, str]:
    page = _anonymous(kit).get(f"/resident?lang={lang}").text
    form = "sos" if action == "/resident/sos" else "sighting"
    return {"form": form, "command_id": form_command_id(page, action), **BAKA, **fields}


_JSON = {"Accept": "application/json"}  # the page's script: the answer names the call


def _counts(kit: Kit) -> tuple[int, int]:
    reports = _state(kit).slice(Reports)
    return len(reports.sos), len(reports.sightings)


@pytest.mark.parametrize(
    ("action", "fields", "label", "rule"),
    [
        ("/resident/sighting", {"text": "a\x07b"}, "fd_field_text", ("fd_rule_control_chars", {})),
        (
            "/resident/sos",
            {"text": "x" * 5000},
            "fd_field_text",
            ("rule_at_most_chars", {"n": forms.MAX_TYPED}),
        ),
        (
            "/resident/sighting",
            {"text": "x" * 5000},
            "fd_field_text",
            ("rule_at_most_chars", {"n": forms.MAX_TYPED}),
        ),
        ("/resident/sighting", {"direction": "720"}, "direction", ("rule_below", {"n": 360})),
        ("/resident/sighting", {"direction": "north-ish"}, "direction", ("rule_choice", {})),
        ("/resident/sighting", {"mobility": "rocket"}, "moving", ("rule_choice", {})),
        ("/resident/sos", {"accuracy": "-5"}, "fd_field_accuracy", ("rule_at_least", {"n": 0})),
        ("/resident/sos", {"accuracy": "NaN"}, "fd_field_accuracy", ("rule_number", {})),
        ("/resident/sighting", {"accuracy": "abc"}, "fd_field_accuracy", ("rule_number", {})),
        (
            "/resident/sos",
            {"place": "p" * 201},
            "fd_field_place",
            ("rule_at_most_chars", {"n": 200}),
        ),
    ],
)
@pytest.mark.parametrize("lang", ["he", "ar", "en"])
def test_a_resident_field_the_service_cannot_take_is_an_inline_error_in_the_page_s_words(
    kit: Kit,
    action: str,
    fields: dict[str, str],
    label: str,
    rule: tuple[str, dict[str, object]],
    lang: str,
) -> None:
    before = _counts(kit)
    data = _resident_form(kit, lang, action, **fields)
    r = _anonymous(kit).post(f"{action}?lang={lang}", data=data)
    assert r.status_code == 422, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    said = text(
        "err_field_rule", lang, field=text(label, lang), rule=text(rule[0], lang, **rule[1])
    )
    assert _error(r.text) == said
    if lang != "en":
        _no_english(said)
    assert _counts(kit) == before
    # The page's script gets the same words as JSON.
    js = _anonymous(kit).post(
        f"{action}?lang={lang}", data=data, headers={"Accept": "application/json"}
    )
    assert js.status_code == 422
    assert js.json()["reason"] == said
    assert _counts(kit) == before


@pytest.mark.parametrize("accept", [{}, _JSON])
def test_an_sos_with_a_control_character_in_its_words_is_raised_without_it(
    kit: Kit, accept: dict[str, str]
) -> None:
    """Pasted words holding a NUL or a bell: the call is raised, the invisible characters
    taken out (it was refused, "remove the invisible character", which no caller can see)."""
    mark = cid()
    pasted = f"\x00 two of us\x07 in the\x1b shelter {mark}"
    data = _resident_form(kit, "he", "/resident/sos", text=pasted)
    r = _anonymous(kit).post("/resident/sos?lang=he", data=data, headers=accept)
    assert r.status_code == 201, r.text[:300]
    (call,) = [s for s in _state(kit).slice(Reports).sos.values() if mark in s.text]
    assert call.text == f"two of us in the shelter {mark}"


@pytest.mark.parametrize("lang", ["he", "ar", "en"])
def test_a_sighting_far_beyond_the_town_is_refused_on_the_page_as_in_the_api(
    kit: Kit, lang: str
) -> None:
    """A phone with no fix sends (0, 0); the API refused such a sighting, the form took it."""
    before = _counts(kit)
    data = {**_resident_form(kit, lang, "/resident/sighting"), "lat": "0.0", "lon": "0.0"}
    r = _anonymous(kit).post(f"/resident/sighting?lang={lang}", data=data)
    assert r.status_code == 422, r.text[:300]
    assert _error(r.text) == text("refused_outside_region", lang)
    assert _counts(kit) == before


def test_a_rough_fix_asks_a_report_for_a_place_rather_than_dropping_its_accuracy(
    kit: Kit,
) -> None:
    before = _counts(kit)
    data = _resident_form(kit, "he", "/resident/sighting", accuracy="250000")
    r = _anonymous(kit).post("/resident/sighting?lang=he", data=data)
    assert r.status_code == 422
    assert _error(r.text) == text("fd_location_too_rough", "he", km=100)
    assert _counts(kit) == before


def test_a_call_for_help_with_a_rough_fix_is_kept_said_as_rough(kit: Kit) -> None:
    """A call for help is never refused for its fix (it was, for a while, asked for a place
    instead): kept at the roughest accuracy a point is taken at, never as exact."""
    sos_before, sightings_before = _counts(kit)
    data = _resident_form(kit, "he", "/resident/sos", accuracy="250000")
    r = _anonymous(kit).post("/resident/sos?lang=he", data=data, headers=_JSON)
    assert r.status_code == 201, r.text[:300]
    assert _counts(kit) == (sos_before + 1, sightings_before)
    kept = _state(kit).slice(Reports).sos[r.json()["id"]]
    assert kept.where.accuracy_m == forms.MAX_ACCURACY_M


@pytest.mark.parametrize("raw", ["\u00b2", "\u2460"])
def test_a_digit_that_is_no_number_is_refused_never_a_500(kit: Kit, raw: str) -> None:
    before = _counts(kit)
    data = _resident_form(kit, "en", "/resident/sighting", count=raw)
    r = _anonymous(kit).post("/resident/sighting?lang=en", data=data)
    assert r.status_code == 422, r.text[:300]
    assert _counts(kit) == before


def test_arabic_indic_digits_are_read_as_the_number_they_are(kit: Kit) -> None:
    data = _resident_form(kit, "ar", "/resident/sos", people="\u0663")  # ٣
    r = _anonymous(kit).post("/resident/sos?lang=ar", data=data, headers=_JSON)
    assert r.status_code == 201, r.text[:300]
    assert _state(kit).slice(Reports).sos[r.json()["id"]].people == 3


def test_words_and_accuracy_within_the_limits_are_kept_whole(kit: Kit) -> None:
    words = "w" * forms.MAX_TYPED
    data = _resident_form(
        kit, "en", "/resident/sos", text=words, accuracy="100000", place="p" * 200
    )
    r = _anonymous(kit).post("/resident/sos?lang=en", data=data)
    assert r.status_code == 201, r.text[:300]
    sos = next(s for s in _state(kit).slice(Reports).sos.values() if words in s.text)
    assert sos.text == f"[{'p' * 200}] {words}"
    assert sos.where.accuracy_m == 100000
    data = _resident_form(kit, "en", "/resident/sighting", direction="sw", text="heading")
    assert _anonymous(kit).post("/resident/sighting", data=data).status_code == 201
    seen = [s for s in _state(kit).slice(Reports).sightings.values() if s.text == "heading"]
    assert seen[0].heading_deg == 225.0


def test_a_box_filled_to_its_limit_in_lines_is_taken_as_the_browser_counted_it(
    kit: Kit,
) -> None:
    # The box's maxlength counts a line break as one character; the browser sends it as CRLF.
    typed = ("w" * 9 + "\n") * (forms.MAX_TYPED // 10)
    assert len(typed) <= forms.MAX_TYPED < len(typed.replace("\n", "\r\n"))
    data = _resident_form(kit, "en", "/resident/sos", text=typed.replace("\n", "\r\n"))
    r = _anonymous(kit).post("/resident/sos?lang=en", data=data)
    assert r.status_code == 201, r.text[:300]
    assert any(s.text == typed.strip() for s in _state(kit).slice(Reports).sos.values())


def test_the_forms_tell_the_browser_their_limits_first(kit: Kit) -> None:
    page = _anonymous(kit).get("/resident?lang=en").text
    assert page.count(f'<textarea name="text" rows="2" maxlength="{forms.MAX_TYPED}">') == 2
    assert 'name="count" min="1" max="500"' in page
    assert re.search(r'<input name="address" value="" [^>]*maxlength="200"', page)


def test_an_open_call_updated_with_a_control_character_takes_the_words_without_it(
    kit: Kit,
) -> None:
    client = _anonymous(kit)
    data = _resident_form(kit, "he", "/resident/sos")
    assert client.post("/resident/sos?lang=he", data=data).status_code == 201
    page = client.get("/resident?lang=he").text
    sos_id = re.search(r'name="sos_id" value="(sos_[^"]+)"', page)
    assert sos_id is not None
    update = {
        "form": "sos",
        "command_id": form_command_id(page, "/resident/sos"),
        **BAKA,
        "sos_id": sos_id.group(1),
    }
    before = _counts(kit)
    r = client.post("/resident/sos?lang=he", data={**update, "text": "a\x00b"})
    assert r.status_code == 200, r.text[:300]
    assert _counts(kit) == before  # the open call changed, none raised
    assert _state(kit).slice(Reports).sos[sos_id.group(1)].text == "ab"
    # Nothing but invisible characters is no words: the call's are left as they were.
    again = client.get("/resident?lang=he").text
    blank = {**update, "command_id": form_command_id(again, "/resident/sos"), "text": "\x00"}
    assert client.post("/resident/sos?lang=he", data=blank).status_code == 200
    assert _state(kit).slice(Reports).sos[sos_id.group(1)].text == "ab"


# --- a refusal of the service, in the page's words ----------------------------------------


def test_a_rate_limited_report_is_said_in_the_page_s_language() -> None:
    with api_kit(town=baka_pack(), anonymous_per_minute=1, anonymous_burst=1) as small:
        client = small.client  # one phone: its device cookie kept between reports
        sent = []
        for _ in range(4):
            page = client.get("/resident?lang=he").text
            data = {
                "form": "sighting",
                "command_id": form_command_id(page, "/resident/sighting"),
                "count": "2",
                **BAKA,
            }
            sent.append(client.post("/resident/sighting?lang=he", data=data))
        limited = [r for r in sent if r.status_code == 429]
        assert limited, [r.status_code for r in sent]
        said = _error(limited[0].text)
        numbers = text("emergency_numbers", "he")
        assert said == text("fd_rate_limited", "he", numbers=numbers)
        assert "too many" not in limited[0].text
        _no_english(said)


# --- the place in the page's language -------------------------------------------------------


@pytest.mark.parametrize(("lang", "street"), [("ar", "دوڨْنوڤ"), ("en", "Dubnov"), ("he", "דובנוב")])
def test_a_chosen_place_is_shown_in_the_page_s_language_and_sent_as_before(
    kit: Kit, lang: str, street: str
) -> None:
    town = kit.client.app.state["runtime"].town
    assert town.street_in("דובנוב", lang) == street  # the pack names it so
    client = _anonymous(kit)
    page = client.get(f"/resident?lang={lang}&address=דובנוב 13").text
    assert text("location_set", lang, place=f"{street} 13") in page
    assert 'name="place" value="דובנוב 13"' in page  # what the forms send, as before
    # The suggestions for an unclear address: shown in the page's words, picked as before.
    unclear = client.get(f"/resident?lang={lang}&address=דובנוב 999").text
    assert f">{street}</a>" in unclear
    assert "pick=" in unclear
    # A report sent with the place keeps it as the address book names it, for the dispatcher.
    data = _resident_form(kit, lang, "/resident/sos", place="דובנוב 13", text=f"p-{lang}")
    r = client.post(f"/resident/sos?lang={lang}", data=data)
    assert r.status_code == 201
    assert text("location_set", lang, place=f"{street} 13") in r.text
    sos = next(s for s in _state(kit).slice(Reports).sos.values() if s.text.endswith(f"p-{lang}"))
    assert sos.text == f"[דובנוב 13] p-{lang}"


def test_the_place_suggestions_carry_the_page_s_words_beside_the_label(kit: Kit) -> None:
    found = _anonymous(kit).get("/resident/places?q=Dubnov&lang=ar").json()
    assert found[0]["label"] == "דובנוב"
    assert found[0]["shown"] == "دوڨْنوڤ"


def test_a_shelter_s_address_is_shown_with_its_street_in_the_page_s_language(kit: Kit) -> None:
    town = kit.client.app.state["runtime"].town
    assert forms.shown_label(town, "Some shelter · דובנוב 13", "en") == "Some shelter · Dubnov 13"
    assert forms.shown_label(town, "Nowhere 5", "en") == "Nowhere 5"
    assert forms.shown_label(None, "דובנוב 13", "en") == "דובנוב 13"


# --- attackers in the town, before a place is known -----------------------------------------


@pytest.mark.parametrize("lang", ["he", "ar", "en"])
def test_attackers_in_the_town_are_said_before_any_place_is_known(kit: Kit, lang: str) -> None:
    said = text("fd_ground_threat_town", lang)
    before = _anonymous(kit).get(f"/resident?lang={lang}").text
    assert said not in before
    assert "data-ground-threat" not in before
    area = {"kind": "circle", **{k: float(v) for k, v in BAKA.items()}, "radius_m": 150}
    body = {"command_id": cid(), "area": area, "reason": "armed_attackers"}
    area_id = ok(kit.post(Role.DISPATCHER, "/api/v1/danger-areas", body))["id"]
    try:
        html = _anonymous(kit).get(f"/resident?lang={lang}").text
        assert f"data-ground-threat>{said}</p>" in html
        assert 'class="now act-stay_inside"' in html
        # Above the location prompt, which stays.
        assert html.index("data-ground-threat") < html.index("data-location-prompt")
        # With a place given, the advice for it is said instead (not this line).
        placed = _anonymous(kit).get(f"/resident?lang={lang}&lat=31.7615&lon=35.216").text
        assert "data-ground-threat" not in placed
    finally:
        lift = {"command_id": cid()}
        ok(kit.post(Role.DISPATCHER, f"/api/v1/danger-areas/{area_id}/lift", lift))
    after = _anonymous(kit).get(f"/resident?lang={lang}").text
    assert "data-ground-threat" not in after
    # Never "all clear": the prompt for a place, as before any threat.
    assert "data-location-prompt" in after
    assert 'class="now act-unknown"' in after


def test_they_are_safe_on_a_closed_report_keeps_the_family_s_whole_note(kit: Kit) -> None:
    """Passed on as a note after the stock words, the family's 2000 characters are all kept
    (the note was cut at 2000 with the stock words before it)."""
    r = _report(kit, "en", full_name="Dana Whole")
    report_id = r.headers["location"].split("filed=")[1].split("&")[0].split("#")[0]
    survivor = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/survivors",
        {"command_id": cid(), "name": {"full_name": "Dana Whole"}, "place": "Shelter 7"},
    )
    proposal = {"report_id": report_id, "candidate_kind": "survivor", "score": 0.95}
    match = kit.post(
        Role.REGISTRAR,
        "/api/v1/persons/matches",
        {"command_id": cid(), **proposal, "candidate_id": ok(survivor)["id"], "explanation": "-"},
    )
    release = {"command_id": cid(), "release": "Safe at the community centre."}
    ok(kit.post(Role.REGISTRAR, f"/api/v1/persons/matches/{ok(match)['id']}/confirm", release))
    note = "n" * 1999 + "D"
    form = {"form": f"safe-{report_id}", "command_id": cid(), "report_id": report_id}
    r = _resident(kit).post("/family/safe?lang=he", data={**form, "confirm": "1", "note": note})
    assert r.status_code == 201, r.text[:300]
    notes = _state(kit).slice(Persons).missing[report_id].notes
    assert notes[-1].text.endswith(note)
