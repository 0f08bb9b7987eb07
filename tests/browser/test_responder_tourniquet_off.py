"""The casualty card takes a tourniquet off, and a medic records a death, from the phone.

A medic (he, 390x844, touch) puts a tourniquet on; its row says when it went on and offers
"Tourniquet off": the first tap only asks to confirm (nothing is sent), the second takes it
off, answered beside the button, and the casualty's record shows it ended. The medic then
records the casualty's death: the first press says the time that will be recorded, the
second records it at that time; the ride to hospital goes and the casualty leaves the list
of those still at the scene.

A police officer (a responder, in Arabic) may take a tourniquet off (and cancel the
confirmation) but is never offered "Record death": only a medic, a registrar or the
patient's hospital records a death.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from browser.browserkit import PASSWORD, TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}
SCENE = {"latitude": 31.7652, "longitude": 35.2139, "accuracy": 8}
MEDIC = "medic_tq"
OFFICER = "officer_tq"
HHMMSS = r"\d\d:\d\d:\d\d"


@pytest.fixture(scope="module")
def accounts(server: Server) -> None:
    for username, role in ((MEDIC, "medic"), (OFFICER, "responder")):
        body = {"username": username, "password": PASSWORD, "role": role, "display_name": username}
        r = server.post("admin", "/api/v1/accounts", body)
        assert r.status_code == 201, r.text


def _phone(browser: Any, locale: str) -> Any:
    return browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale=locale,
        has_touch=True,
        is_mobile=True,
        geolocation=SCENE,
        permissions=["geolocation"],
    )


def _record(page: Any, tag: str) -> str:
    """Check in, triage (START: not walking, breathing 40 a minute) and record the tag."""
    page.wait_for_selector("body[data-ready]")
    page.click("[data-checkin-form] button")
    page.locator("[data-checkin]").wait_for(state="hidden")
    triage = page.locator("[data-triage]")
    page.click("[data-triage-start]")
    triage.locator("button").nth(1).wait_for()
    first = triage.locator(".action").inner_text()
    triage.locator("button").nth(1).click()  # walks? no
    page.wait_for_function(
        "q => document.querySelector('[data-triage] .action')?.textContent !== q", arg=first
    )
    triage.locator("button").nth(0).click()  # breathes? yes
    triage.locator("input[type=number]").fill("40")
    triage.locator("button").click()
    triage.locator("input[name=tag]").fill(tag)
    with page.expect_response(lambda r: r.url.endswith("/api/v1/casualties")) as recorded:
        triage.locator("[data-record]").tap()
    assert recorded.value.status == 201, recorded.value.text()
    return str(recorded.value.json()["id"])


def _tourniquet_on(page: Any, card: Any, casualty: str, site: str) -> str:
    tq = card.locator("[data-cc-tourniquet]")
    with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/interventions")) as put:
        tq.locator(f"[data-tq-site={site}]").tap()
    assert put.value.status == 201, put.value.text()
    intervention = str(put.value.json()["id"])
    assert intervention.startswith("int_"), intervention  # the tourniquet, not the casualty
    return intervention


def _seen(server: Server, username: str, casualty: str) -> dict[str, Any]:
    board = server.get(username, "/api/v1/casualties")
    assert board.status_code == 200, board.text
    (found,) = [c for c in board.json() if c["id"] == casualty]
    return dict(found)


def test_a_medic_takes_a_tourniquet_off_and_records_a_death(
    browser: Any, server: Server, accounts: None, page_errors: PageErrors
) -> None:
    context = _phone(browser, "he-IL")
    try:
        page = page_errors.watch(sign_in(context, server, MEDIC, "/responder"))
        ended: list[str] = []
        page.on("request", lambda r: ended.append(r.url) if "/interventions/end" in r.url else None)
        casualty = _record(page, "tq off 1")
        card = page.locator(f'[data-casualty="{casualty}"]')
        card.wait_for()
        intervention = _tourniquet_on(page, card, casualty, "left_arm")

        row = card.locator(f'[data-intervention="{intervention}"]')
        row.wait_for()
        assert re.search(rf"יד שמאל · מאז {HHMMSS} \(0 דק׳\)", row.inner_text()), row.inner_text()
        off = row.locator(f'[data-tq-off="{intervention}"]')
        assert off.inner_text() == "הסרת חוסם"
        # The first tap only asks.
        off.tap()
        assert off.inner_text() == "לאשר הסרת חוסם · יד שמאל"
        assert row.locator("[data-cancel]").is_visible()
        # The confirming press is a press of its own, not the second half of a double tap.
        page.wait_for_timeout(700)
        assert ended == []
        # The second takes it off, answered beside the button.
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/interventions/end")) as e:
            off.tap()
        assert e.value.status == 201, e.value.text()
        assert e.value.request.post_data_json["intervention_id"] == intervention
        answer = row.locator(".cc-answer.done")
        answer.wait_for()
        assert re.fullmatch(rf"נרשם: הסרת חוסם · יד שמאל · {HHMMSS}", answer.inner_text()), (
            answer.inner_text()
        )
        assert re.search(rf"הונח {HHMMSS}, הוסר {HHMMSS}", row.inner_text()), row.inner_text()
        assert row.locator("[data-tq-off]").count() == 0
        # No longer counted as on, in my list of those at the scene.
        mine = page.locator(f'[data-mine] [data-open-casualty="{casualty}"]')
        assert "חוסם" not in mine.inner_text()
        ((kind, ended_at),) = [
            (i["kind"], i["ended_at"]) for i in _seen(server, MEDIC, casualty)["interventions"]
        ]
        assert kind == "tourniquet"
        assert ended_at is not None

        # Another tourniquet on: the dead are no longer offered its taking off.
        second = _tourniquet_on(page, card, casualty, "right_leg")
        expect(card.locator(f'[data-tq-off="{second}"]')).to_be_visible()

        # A death: the first press says the time it will record, the second records it.
        death = card.locator("[data-cc-death]")
        assert death.locator("h3").inner_text() == "קביעת מוות"
        button = death.locator("[data-record-death]")
        assert button.inner_text() == "רישום מוות"
        deaths: list[str] = []
        page.on("request", lambda r: deaths.append(r.url) if r.url.endswith("/death") else None)
        # A double tap is one press: it asks, and records nothing.
        button.tap()
        button.tap()
        asked = button.inner_text()
        said = re.fullmatch(rf"לאשר: מוות בשעה ({HHMMSS})", asked)
        assert said, asked
        page.wait_for_timeout(800)
        assert deaths == []
        expect(button).to_have_attribute("data-confirm", "")
        screenshot(page, "responder-record-death-confirm-he")
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/death")) as died:
            button.tap()
        assert died.value.status == 201, died.value.text()
        # Recorded at the time the first press said (the page's clock is the town's).
        at = datetime.fromisoformat(died.value.request.post_data_json["at"])
        assert f"{at.astimezone(ZoneInfo(TZ)):%H:%M:%S}" == said.group(1)
        done = death.locator("[data-death-answer].done")
        done.wait_for()
        assert done.inner_text() == f"נרשם מוות · {said.group(1)}"
        # No ride to hospital, no treatment, no tourniquet on or off for the dead; gone from
        # those still at the scene.
        for offered in ("[data-cc-evacuate]", "[data-cc-treat]", "[data-tq-site]", "[data-tq-off]"):
            expect(card.locator(offered)).to_have_count(0)
        mine.wait_for(state="detached")
    finally:
        context.close()

    assert _seen(server, MEDIC, casualty)["status"] == "deceased"


def test_a_responder_takes_a_tourniquet_off_in_arabic_and_is_not_offered_record_death(
    browser: Any, server: Server, accounts: None, page_errors: PageErrors
) -> None:
    context = _phone(browser, "ar")
    try:
        page = page_errors.watch(sign_in(context, server, OFFICER, "/responder?lang=ar"))
        assert page.get_attribute("html", "lang") == "ar"
        casualty = _record(page, "tq off 2")
        card = page.locator(f'[data-casualty="{casualty}"]')
        card.wait_for()
        intervention = _tourniquet_on(page, card, casualty, "right_leg")
        row = card.locator(f'[data-intervention="{intervention}"]')
        off = row.locator("[data-tq-off]")
        assert off.inner_text() == "إزالة العاصبة"
        # Asked, then cancelled: the button is as it was, nothing is sent.
        off.tap()
        assert off.inner_text() == "تأكيد إزالة العاصبة · الساق اليمنى"
        row.locator("[data-cancel]").tap()
        assert off.inner_text() == "إزالة العاصبة"
        assert row.locator("[data-cancel]").is_hidden()
        off.tap()
        page.wait_for_timeout(700)  # a press of its own, not a double tap
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/interventions/end")) as e:
            off.tap()
        assert e.value.status == 201, e.value.text()
        answer = row.locator(".cc-answer.done")
        answer.wait_for()
        assert answer.inner_text().startswith("سُجّل: إزالة العاصبة · الساق اليمنى · ")
        # The card is whole (the ride is offered) but has no death record for a responder.
        card.locator("[data-cc-evacuate]").wait_for()
        assert card.locator("[data-cc-death], [data-record-death]").count() == 0
        screenshot(page, "responder-tourniquet-off-ar")
    finally:
        context.close()
    assert _seen(server, MEDIC, casualty)["interventions"][0]["ended_at"] is not None
