"""The hospital desk (/hospital) on a desktop screen, in real headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from browser.browserkit import (
    TZ,
    PageErrors,
    Server,
    casualty_on_its_way,
    casualty_status,
    screenshot,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

DESK = {"width": 1280, "height": 900}
HOSPITAL = "h-desk-test"
HOSTILE = '<img src=x onerror="window.pwned=1">'


@pytest.fixture(scope="module")
def desk(server: Server) -> str:
    """A hospital the admin registers with hospital1 linked to it (once per server)."""
    me = server.get("hospital1", "/api/v1/accounts/me")
    me.raise_for_status()
    body = {
        "hospital_id": HOSPITAL,
        "name": "Desk Test Medical Centre",
        "where": {"lat": 31.7743, "lon": 35.1826},
        "account_id": me.json()["account_id"],
        "trauma_centre": True,
    }
    r = server.post("admin", "/api/v1/hospitals", body)
    assert r.status_code == 201, r.text
    return HOSPITAL


def _casualty_on_its_way(server: Server, tag: str, hospital: str) -> str:
    """A responder records a casualty with a tourniquet and sends it to the hospital."""
    description = {
        "sex": "female",
        "age": {"min_years": 30, "max_years": 40},
        "clothing": "green coat",
        "marks": HOSTILE,  # what a person typed is shown as text, never run
    }
    return casualty_on_its_way(
        server, tag=tag, place="Dubnov 13", description=description, vehicle="MDA 12", to=hospital
    )


def _status_of(server: Server, casualty: str) -> str:
    return casualty_status(server, "hospital1", casualty)


@contextmanager
def _desk_page(
    browser: Any, server: Server, page_errors: PageErrors, locale: str
) -> Iterator[tuple[Any, Any]]:
    """hospital1 signed in at its desk in a browser of that locale, the desk drawn."""
    context = browser.new_context(timezone_id=TZ, viewport=DESK, locale=locale)
    try:
        page = page_errors.watch(sign_in(context, server, "hospital1", "/hospital"))
        assert page.url.endswith("/hospital")
        page.wait_for_selector("body[data-ready]")
        yield context, page
    finally:
        context.close()


def test_the_desk_sees_a_patient_coming_reports_its_status_and_receives_the_patient(
    browser: Any, server: Server, desk: str, page_errors: PageErrors
) -> None:
    with _desk_page(browser, server, page_errors, "en-GB") as (context, page):
        assert page.inner_text("[data-hospital-name]") == "Desk Test Medical Centre"
        assert page.get_attribute("[data-status-age]", "data-age") == "never"
        assert page.locator("#banner").is_hidden()

        # A patient is sent here while the desk watches: it appears without a reload.
        casualty = _casualty_on_its_way(server, "HD-101", desk)
        card = page.locator('[data-list="incoming"] [data-tag="HD-101"]')
        card.wait_for(timeout=15_000)
        # (A number range is isolated left-to-right, for right-to-left pages: drop the marks.)
        text = card.inner_text().replace("\u2066", "").replace("\u2069", "")
        assert "Immediate (red)" in text
        assert "female" in text
        assert "age 30–40" in text
        assert "green coat" in text
        assert "Tourniquet (right leg) since" in text or "Tourniquet since" in text
        assert "left the scene" in text
        assert HOSTILE in text
        assert card.locator("img").count() == 0
        assert page.evaluate("window.pwned") is None
        # A death is recorded of a patient here, never of one on the way.
        assert card.locator("[data-death]").count() == 0

        # A new status through the form: lockdown, beds, patients by colour.
        page.select_option("[data-status-form] select[name=security]", "Lockdown")
        page.fill("[data-status-form] input[name='bed.EmergencyDepartment']", "7")
        page.fill("[data-status-form] input[name='census.red']", "2")
        page.fill("[data-status-form] textarea[name=comments]", "Entry by the north gate only")
        with page.expect_response(lambda r: r.url.endswith(f"/hospitals/{desk}/status")) as sent:
            page.click("[data-send-status]")
        assert sent.value.status == 201
        listed = {h["id"]: h for h in server.get("hospital1", "/api/v1/hospitals").json()}[desk]
        assert listed["status"]["security"] == "Lockdown"
        assert listed["status"]["beds"] == [
            {
                "bed_type": "EmergencyDepartment",
                "available": 7,
                "baseline": None,
                "additional_24h": None,
            }
        ]
        # The colours left blank are not reported, not 0 (EDXL-HAVE exports no TriageCode).
        assert listed["status"]["census"] == {
            "red": 2,
            "yellow": None,
            "green": None,
            "black": None,
        }
        assert listed["status"]["comments"] == ["Entry by the north gate only"]
        page.wait_for_selector("[data-status-age][data-age=fresh]")
        assert "Reported 0 min ago" in page.inner_text("[data-status-age]")
        assert "Lockdown" in page.inner_text("[data-summary]")
        summary = page.locator("[data-summary]")
        assert summary.locator(".cc.c-red[data-colour=reported] b").inner_text() == "2"
        green = summary.locator(".cc.c-green[data-colour=not-reported]")
        assert "not stated" in green.inner_text()
        assert green.locator("b").count() == 0  # no number at all, not a 0
        # The form is filled in from the report just made, for the next one.
        page.wait_for_selector("[data-prefilled]:not([hidden])")
        assert page.input_value("input[name='bed.EmergencyDepartment']") == "7"
        screenshot(page, "hospital-en-incoming")

        # The patient arrives, then is admitted to intensive care.
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/arrival")) as arrived:
            card.locator("[data-arrived]").click()
        assert arrived.value.status == 201
        assert _status_of(server, casualty) == "arrived"
        here = page.locator('[data-list="here"] [data-tag="HD-101"]')
        here.wait_for()
        assert page.locator('[data-list="incoming"] [data-tag="HD-101"]').count() == 0
        here.locator("select[data-ward]").select_option("AdultICU")
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/admit")) as admitted:
            here.locator("[data-admit]").click()
        assert admitted.value.status == 201
        assert _status_of(server, casualty) == "admitted"
        page.wait_for_selector('[data-list="here"] [data-tag="HD-101"][data-status=admitted]')
        screenshot(page, "hospital-en-admitted")

        # The feed goes down: the page says STALE at once, and clears it when it comes back.
        context.set_offline(True)
        page.wait_for_selector("#banner:not([hidden])")
        assert "STALE" in page.inner_text("#banner")
        assert "lost" in (page.get_attribute("body", "class") or "")
        screenshot(page, "hospital-en-stale")
        context.set_offline(False)
        page.wait_for_selector("#banner[hidden]", state="attached", timeout=20_000)


def test_the_desk_in_hebrew_receives_and_discharges_a_patient(
    browser: Any, server: Server, desk: str, page_errors: PageErrors
) -> None:
    with _desk_page(browser, server, page_errors, "he-IL") as (_, page):
        assert page.get_attribute("html", "dir") == "rtl"
        assert "בדרך אלינו" in page.inner_text("main")
        casualty = _casualty_on_its_way(server, "HD-202", desk)
        card = page.locator('[data-list="incoming"] [data-tag="HD-202"]')
        card.wait_for(timeout=15_000)
        assert "דחוף (אדום)" in card.inner_text()
        assert "חוסם עורקים" in card.inner_text()
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/arrival")):
            card.locator("[data-arrived]").click()
        here = page.locator('[data-list="here"] [data-tag="HD-202"]')
        here.wait_for()
        # Discharge asks once more before it is sent.
        here.locator("[data-discharge]").click()
        assert "לחצו שוב לאישור" in here.locator("[data-card-error]").inner_text()
        assert _status_of(server, casualty) == "arrived"
        screenshot(page, "hospital-he")
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/discharge")) as out:
            here.locator("[data-discharge]").click()
        assert out.value.status == 201
        assert _status_of(server, casualty) == "discharged"
        page.wait_for_selector('[data-list="closed"] [data-tag="HD-202"]', state="attached")


# Each visible select's options measured in its own font against the room the select gives its
# text (its width less its padding and the arrow's 18 px): the answers that would be cut.
CUT_CHOICES = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  const cut = [];
  document.querySelectorAll('select').forEach(s => {
    if (!s.offsetParent) return;
    const cs = getComputedStyle(s);
    ctx.font = cs.fontWeight + ' ' + cs.fontSize + ' ' + cs.fontFamily;
    const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 18;
    Array.from(s.options).forEach(o => {
      const w = ctx.measureText(o.textContent).width;
      if (w > room) cut.push((s.name || '') + ': ' + o.textContent);
    });
  });
  return cut;
}"""


def test_every_choice_is_read_whole_on_a_laptop_in_each_language(
    browser: Any, server: Server, desk: str, page_errors: PageErrors
) -> None:
    """At 1366 x 768 no answer of the status form or of a patient's card is cut short, and
    the desk needs no sideways scrolling (he, ar, en)."""
    context = browser.new_context(timezone_id=TZ, viewport={"width": 1366, "height": 768})
    try:
        page = page_errors.watch(sign_in(context, server, "hospital1", "/hospital"))
        page.wait_for_selector("body[data-ready]")
        casualty = _casualty_on_its_way(server, "HD-303", desk)
        card = page.locator('[data-list="incoming"] [data-tag="HD-303"]')
        card.wait_for(timeout=15_000)
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/arrival")):
            card.locator("[data-arrived]").click()
        for lang in ("he", "ar", "en"):
            page.goto(f"{server.url}/hospital?lang={lang}")
            here = page.locator('[data-list="here"] [data-tag="HD-303"]')
            here.wait_for()
            assert page.evaluate(CUT_CHOICES) == [], lang
            width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            assert width[0] <= width[1], (lang, width)
            # Each choice on one line with the button that acts on it.
            for choice, act in (
                ("[data-ward]", "[data-admit]"),
                ("[data-disposition]", "[data-discharge]"),
            ):
                a = here.locator(choice).bounding_box()
                b = here.locator(act).bounding_box()
                assert a is not None
                assert b is not None
                assert abs(a["y"] - b["y"]) < 8, (lang, choice, a, b)
            screenshot(page, f"hospital-laptop-{lang}")
    finally:
        context.close()


def _child_arrived(server: Server, tag: str, hospital: str, *, aged: bool = True) -> str:
    """A boy of about six (`aged`: with his age written down), triaged with JumpSTART, sent
    to the hospital and arrived there."""
    description: dict[str, Any] = {
        "sex": "male",
        "hair": "blond curly",
        "clothing": "blue pyjamas with stars",
    }
    if aged:
        description["age"] = {"min_years": 5, "max_years": 7}
    body = {
        "tag": tag,
        "where": {"lat": 31.7652, "lon": 35.2139},
        "place": "Dubnov 13",
        "description": description,
        "protocol": "jumpstart",
        "looks_like_child": True,
        "answers": {"child_walks": "no", "breathes": True, "respiratory_rate": 50},
    }
    recorded = server.post("officer1", "/api/v1/casualties", body)
    assert recorded.status_code == 201, recorded.text
    casualty = str(recorded.json()["id"])
    ride = {"vehicle": "MDA 5", "vehicle_kind": "ambulance", "destination": hospital}
    sent = server.post("officer1", f"/api/v1/casualties/{casualty}/evacuate", ride)
    assert sent.status_code == 201, sent.text
    arrived = server.post(
        "hospital1", f"/api/v1/casualties/{casualty}/arrival", {"hospital_id": hospital}
    )
    assert arrived.status_code == 201, arrived.text
    return casualty


@pytest.mark.parametrize(
    ("locale", "lang", "boy", "child", "man"),
    [
        ("he-IL", "he", "ילד", "ילד/ה", "גבר"),
        ("ar", "ar", "طفل", "طفل/ة", "رجل"),
        ("en-GB", "en", "boy", "Child", "man"),
    ],
)
def test_a_child_is_called_a_child_and_the_heading_has_no_internal_id(
    browser: Any,
    server: Server,
    desk: str,
    page_errors: PageErrors,
    locale: str,
    lang: str,
    boy: str,
    child: str,
    man: str,
) -> None:
    """A six-year-old boy was shown as "גבר" (an adult man) and never as a child; the
    heading showed the hospital's internal id."""
    tag = f"HD-KID-{lang.upper()}"
    _child_arrived(server, tag, desk)
    with _desk_page(browser, server, page_errors, locale) as (_, page):
        page.goto(f"{server.url}/hospital?lang={lang}")
        card = page.locator(f'[data-list="here"] [data-tag="{tag}"]')
        card.wait_for(timeout=15_000)
        badge = card.locator(".top [data-child]")
        assert badge.inner_text() == child
        description = card.locator(".desc").inner_text()
        assert description.split(" · ")[0] == boy
        assert man not in description
        assert desk not in page.inner_text(".hhead")
        assert "Desk Test Medical Centre" in page.inner_text("[data-hospital-name]")
        screenshot(page, f"hospital-{lang}-child")


def test_a_child_triaged_with_jumpstart_is_a_child_with_no_age_written_down(
    browser: Any, server: Server, desk: str, page_errors: PageErrors
) -> None:
    """In the field nobody wrote the age of an unconscious child; the children's triage
    (JumpSTART) says it all the same."""
    _child_arrived(server, "HD-KID-NOAGE", desk, aged=False)
    with _desk_page(browser, server, page_errors, "he-IL") as (_, page):
        page.goto(f"{server.url}/hospital?lang=he")
        card = page.locator('[data-list="here"] [data-tag="HD-KID-NOAGE"]')
        card.wait_for(timeout=15_000)
        assert card.locator(".top [data-child]").inner_text() == "ילד/ה"
        assert card.locator(".desc").inner_text().split(" · ")[0] == "ילד"


def test_an_adult_s_sex_is_not_said_as_man_or_woman(
    browser: Any, server: Server, desk: str, page_errors: PageErrors
) -> None:
    _casualty_on_its_way(server, "HD-ADULT", desk)
    with _desk_page(browser, server, page_errors, "he-IL") as (_, page):
        page.goto(f"{server.url}/hospital?lang=he")
        card = page.locator('[data-list="incoming"] [data-tag="HD-ADULT"]')
        card.wait_for(timeout=15_000)
        assert card.locator("[data-child]").count() == 0
        assert card.locator(".desc").inner_text().split(" · ")[0] == "נקבה"
        assert "אישה" not in card.inner_text()


def test_a_patient_who_dies_here_is_recorded_with_two_presses_and_leaves_the_list(
    browser: Any, server: Server, desk: str, page_errors: PageErrors
) -> None:
    casualty = _casualty_on_its_way(server, "HD-404", desk)
    arrived = server.post(
        "hospital1", f"/api/v1/casualties/{casualty}/arrival", {"hospital_id": desk}
    )
    assert arrived.status_code == 201, arrived.text
    with _desk_page(browser, server, page_errors, "he-IL") as (_, page):
        page.goto(f"{server.url}/hospital?lang=he")
        here = page.locator('[data-list="here"] [data-tag="HD-404"]')
        here.wait_for(timeout=15_000)
        before = int(page.inner_text('[data-count="here"]'))
        deaths: list[str] = []
        page.on(
            "request",
            lambda r: deaths.append(r.post_data or "") if r.url.endswith("/death") else None,
        )
        # The first press only asks, naming the tag and the time (filled in: now).
        here.locator("[data-death]").click()
        said = here.locator("[data-card-error]").inner_text()
        assert "HD-404" in said
        assert "לחצו שוב לאישור" in said
        now = here.locator("[data-death-time]").input_value()
        assert len(now) == 5
        assert now[2] == ":"
        assert deaths == []
        assert _status_of(server, casualty) == "arrived"
        # Another time disarms the press; the next asks again with that time.
        here.locator("[data-death-time]").fill("00:00")
        here.locator("[data-death-time]").fill(now)
        here.locator("[data-death]").click()
        assert deaths == []
        screenshot(page, "hospital-he-death-asks")
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/death")) as died:
            here.locator("[data-death]").click()
        assert died.value.status == 201, died.value.text()
        assert len(deaths) == 1
        assert _status_of(server, casualty) == "deceased"
        page.wait_for_selector('[data-list="closed"] [data-tag="HD-404"]', state="attached")
        assert page.locator('[data-list="here"] [data-tag="HD-404"]').count() == 0
        assert int(page.inner_text('[data-count="here"]')) == before - 1
        assert "HD-404" in page.inner_text("[data-said]")
        screenshot(page, "hospital-he-death-recorded")
