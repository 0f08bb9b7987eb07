"""A medic's phone after triage: the casualty's card, from the tag to the hospital's door.

A medic (he, 390x844, touch) checks in (as a medic by default), triages, records the tag
and sees the answer beside the button, puts a tourniquet on, describes the casualty and
sends them to the hospital the server recommends, one tap; the hospital closed to
ambulances is not offered. That hospital's desk then sees the casualty on its way with
the tourniquet. A tag already on another casualty is refused beside the button, in Hebrew.

A police officer (a responder) who drives a casualty in their own car is offered the same
ranked hospitals, each with why in Hebrew words only (from the reasons' codes), and why the
closed one is not offered with what that hospital wrote.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from browser.browserkit import PASSWORD, TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}
SCENE = {"latitude": 31.7652, "longitude": 35.2139, "accuracy": 8}
NEAR = "h-cc-near"  # a trauma centre a few streets away, taking red patients
CLOSED = "h-cc-closed"  # nearer still, closed to ambulances
FAR = "h-cc-far"  # outside the town's streets (the straight line), locked down, short-staffed
MEDIC = "medic_cc"
OFFICER = "officer_cc"
DESK = "hospital_cc"
LATIN = re.compile(r"[A-Za-z]")


def _account(server: Server, username: str, role: str) -> str:
    r = server.post(
        "admin",
        "/api/v1/accounts",
        {"username": username, "password": PASSWORD, "role": role, "display_name": username},
    )
    assert r.status_code == 201, r.text
    return str(server.get(username, "/api/v1/accounts/me").json()["account_id"])


@pytest.fixture(scope="module")
def hospitals(server: Server) -> None:
    """A medic, and two hospitals near the scene: one open (with its own desk account) that
    takes red patients, one nearer that is closed to ambulances."""
    _account(server, MEDIC, "medic")
    _account(server, OFFICER, "responder")
    desk = _account(server, DESK, "hospital")
    for body in (
        {
            "hospital_id": NEAR,
            "name": "Near Trauma Centre",
            "where": {"lat": 31.7630, "lon": 35.2160},
            "account_id": desk,
            "trauma_centre": True,
        },
        {
            "hospital_id": CLOSED,
            "name": "Closed Gate Hospital",
            "where": {"lat": 31.7648, "lon": 35.2142},
            "trauma_centre": True,
        },
        {
            "hospital_id": FAR,
            "name": "Far Hills Hospital",
            "where": {"lat": 31.7737, "lon": 35.1817},
        },
    ):
        r = server.post("admin", "/api/v1/hospitals", body)
        assert r.status_code == 201, r.text
    r = server.post(
        DESK,
        f"/api/v1/hospitals/{NEAR}/status",
        {"status": {"ems_traffic": "Normal", "ems_capacity": {"red": 6}}},
    )
    assert r.status_code == 201, r.text
    r = server.post(
        "admin",
        f"/api/v1/hospitals/{CLOSED}/status",
        {"status": {"ems_traffic": "Closed", "ems_traffic_reason": "shooter at the gate"}},
    )
    assert r.status_code == 201, r.text
    r = server.post(
        "admin",
        f"/api/v1/hospitals/{FAR}/status",
        {
            "status": {
                "ems_traffic": "Advisory",
                "ems_traffic_reason": "CT down",
                "security": "Lockdown",
                "staffing": "Insufficient",
                "offload": {"status": "Delayed", "minutes": 20},
                "beds": [{"bed_type": "EmergencyDepartment", "available": 3}],
            }
        },
    )
    assert r.status_code == 201, r.text


def _triage_red(page: Any) -> None:
    """START: not walking, breathing, 40 a minute: immediate (red)."""
    triage = page.locator("[data-triage]")
    page.click("[data-triage-start]")
    triage.locator("button").nth(1).wait_for()
    first = triage.locator(".action").inner_text()
    triage.locator("button").nth(1).click()  # walks? no
    page.wait_for_function(
        "q => document.querySelector('[data-triage] .action')?.textContent !== q", arg=first
    )
    triage.locator("button").nth(0).click()  # breathes? yes
    triage.locator("input[type=number]").wait_for()
    triage.locator("input[type=number]").fill("40")
    triage.locator("button").click()
    triage.locator(".tag").wait_for()


def test_a_medic_treats_describes_and_sends_a_casualty_to_the_recommended_hospital(
    browser: Any, server: Server, hospitals: None, page_errors: PageErrors
) -> None:
    context = browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale="he-IL",
        has_touch=True,
        is_mobile=True,
        geolocation=SCENE,
        permissions=["geolocation"],
    )
    try:
        page = page_errors.watch(sign_in(context, server, MEDIC, "/responder"))
        assert page.get_attribute("html", "dir") == "rtl"
        page.wait_for_selector("body[data-ready]")
        # A medic checks in as a medic unless they choose otherwise.
        kind = page.locator("[data-checkin-form] select[name=kind]")
        assert kind.input_value() == "medic"
        page.click("[data-checkin-form] button")
        page.locator("[data-checkin]").wait_for(state="hidden")

        _triage_red(page)
        triage = page.locator("[data-triage]")
        assert triage.locator(".tag").inner_text() == "דחוף"
        # The reason is said in Hebrew only: the badge above says the category.
        why = triage.locator(".tag + p").inner_text()
        assert "30" in why
        assert not LATIN.search(why), why

        # Recorded: said beside the button, inside the triage box, with the time.
        triage.locator("input[name=tag]").fill("cc 1")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/casualties")) as recorded:
            triage.locator("[data-record]").tap()
        assert recorded.value.status == 201, recorded.value.text()
        casualty = recorded.value.json()["id"]
        answer = triage.locator("[data-record-answer].done")
        answer.wait_for()
        assert re.fullmatch(r"נרשם: CC 1 · \d\d:\d\d:\d\d", answer.inner_text()), (
            answer.inner_text()
        )
        assert answer.is_visible()

        card = page.locator(f'[data-casualty="{casualty}"]')
        card.wait_for()
        assert "CC 1" in card.locator("h2").inner_text()

        # The tourniquet, one tap on its limb: the answer and the time it went on.
        tq = card.locator("[data-cc-tourniquet]")
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/interventions")) as put:
            tq.locator("[data-tq-site=right_leg]").tap()
        assert put.value.status == 201, put.value.text()
        tq.locator(".cc-answer.done").wait_for()
        assert "חוסם עורקים · רגל ימין" in tq.locator(".cc-answer").inner_text()
        assert re.search(r"מאז \d\d:\d\d:\d\d \(0 דק׳\)", tq.locator("[data-tq-on]").inner_text())
        # The casualty is on my list of those still at the scene, with the tourniquet.
        mine = page.locator(f'[data-mine] [data-open-casualty="{casualty}"]')
        assert "חוסם 0 דק׳" in mine.inner_text()

        # Other care: one tap each, answered under its own buttons.
        treat = card.locator("[data-cc-treat]")
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/interventions")) as sealed:
            treat.locator("[data-care=chest_seal]").tap()
        assert sealed.value.status == 201, sealed.value.text()
        treat.locator(".cc-answer.done").first.wait_for()
        assert treat.locator("[data-care=chest_seal]").get_attribute("aria-pressed") == "true"

        # The description a family can find them by.
        describe = card.locator("[data-cc-describe]")
        describe.locator("summary").tap()
        describe.locator("select[name=sex]").select_option("female")
        describe.locator("select[name=age]").select_option("30-44")
        describe.locator("input[name=hair]").fill("שיער ארוך שחור")
        describe.locator("input[name=clothing]").fill("חולצה אדומה, ג'ינס")
        describe.locator("input[name=marks]").fill("קעקוע פרפר ביד שמאל")
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/describe")) as told:
            describe.locator("button[type=submit]").tap()
        assert told.value.status == 201, told.value.text()
        assert told.value.request.post_data_json["description"]["age"] == {
            "min_years": 30,
            "max_years": 44,
        }
        describe.locator("[data-describe-answer].done").wait_for()

        # The ride: the hospitals as the server ranks them for this casualty; the closed one
        # is named as not offered, never a button.
        evac = card.locator("[data-cc-evacuate]")
        evac.locator("[data-destinations] button").first.wait_for(timeout=15_000)
        q = "/api/v1/hospitals/recommendation?lat=31.765200&lon=35.213900&category=immediate"
        ranked = server.get(MEDIC, q).json()
        assert ranked["ranked"][0]["hospital_id"] == NEAR
        first = evac.locator("[data-destinations] button").first
        assert first.get_attribute("data-destination") == NEAR
        assert "מומלץ" in first.inner_text()
        assert evac.locator(f'[data-destination="{CLOSED}"]').count() == 0
        closed = evac.locator(f'[data-excluded="{CLOSED}"]').inner_text()
        assert "סגור לאמבולנסים" in closed
        assert "לא מוצע" in closed
        screenshot(page, "responder-casualty-card-he")
        # A medic's ride is an ambulance unless they say otherwise.
        assert evac.locator("select[name=vehicle_kind]").input_value() == "ambulance"
        evac.locator("input[name=vehicle]").fill("MDA 77")
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/evacuate")) as sent:
            first.tap()
        assert sent.value.status == 201, sent.value.text()
        assert sent.value.request.post_data_json["destination"] == NEAR
        done = evac.locator("[data-evacuate-answer].done")
        done.wait_for()
        assert "בדרך אל Near Trauma Centre" in done.inner_text()
        # Gone from those still at the scene.
        page.locator(f'[data-mine] [data-open-casualty="{casualty}"]').wait_for(state="detached")

        # The next casualty's tag is the same number by mistake: refused beside the button,
        # in Hebrew, saying why.
        triage.locator("[data-again]").tap()
        _triage_red(page)
        triage.locator("input[name=tag]").fill("CC 1")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/casualties")) as again:
            triage.locator("[data-record]").tap()
        assert again.value.status == 409
        refused = triage.locator("[data-record-answer].error")
        refused.wait_for()
        assert "מספר התג כבר רשום על נפגע אחר" in refused.inner_text()
        assert triage.locator("[data-record]").is_visible()
    finally:
        context.close()

    # The hospital sees the casualty on its way, with the tourniquet and the description.
    board = {c["id"]: c for c in server.get(DESK, "/api/v1/casualties").json()}
    seen = board[casualty]
    assert (seen["status"], seen["destination"], seen["vehicle"]) == ("evacuated", NEAR, "MDA 77")
    assert [(i["kind"], i["site"], i["ended_at"]) for i in seen["interventions"]] == [
        ("tourniquet", "right_leg", None),
        ("chest_seal", None, None),
    ]
    assert seen["description"]["hair"] == "שיער ארוך שחור"
    assert seen["description"]["sex"] == "female"
    desk = browser.new_context(timezone_id=TZ, viewport={"width": 1366, "height": 768})
    try:
        page = page_errors.watch(sign_in(desk, server, DESK, "/hospital?lang=he"))
        page.wait_for_selector("body[data-ready]")
        coming = page.locator('[data-list="incoming"] [data-tag="CC 1"]')
        coming.wait_for(timeout=15_000)
        assert "חוסם עורקים" in coming.inner_text()
    finally:
        desk.close()


def test_a_responder_is_offered_the_ranked_hospitals_with_why_in_hebrew_words_only(
    browser: Any, server: Server, hospitals: None, page_errors: PageErrors
) -> None:
    context = browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale="he-IL",
        has_touch=True,
        is_mobile=True,
        geolocation=SCENE,
        permissions=["geolocation"],
    )
    try:
        page = page_errors.watch(sign_in(context, server, OFFICER, "/responder"))
        page.wait_for_selector("body[data-ready]")
        page.click("[data-checkin-form] button")
        page.locator("[data-checkin]").wait_for(state="hidden")
        _triage_red(page)
        triage = page.locator("[data-triage]")
        triage.locator("input[name=tag]").fill("cc 9")
        # The card asks for the ranking as soon as it opens: listened for before the tap, as
        # its answer can come before the recording's is read here.
        with page.expect_response(lambda r: "/hospitals/recommendation" in r.url) as asked:
            with page.expect_response(lambda r: r.url.endswith("/api/v1/casualties")) as recorded:
                triage.locator("[data-record]").tap()
            assert recorded.value.status == 201, recorded.value.text()
            card = page.locator(f'[data-casualty="{recorded.value.json()["id"]}"]')
            evac = card.locator("[data-cc-evacuate]")
            evac.locator("[data-destinations] button").first.wait_for(timeout=15_000)
        assert asked.value.status == 200, asked.value.text()
        first = evac.locator("[data-destinations] button").first
        assert first.get_attribute("data-destination") == NEAR
        # An officer on duty drives the wounded in the patrol car (as in Ofakim): chosen first.
        assert evac.locator("select[name=vehicle_kind]").input_value() == "police"
        # Why each hospital ranks where it does: Hebrew words only, made from the codes.
        why = {
            b.get_attribute("data-destination"): b.locator(".cc-dest-why").inner_text()
            for b in evac.locator("[data-destinations] button[data-destination]").all()
        }
        # Other tests on this shared server register hospitals of their own: these two are ours.
        assert {NEAR, FAR} <= set(why), why
        for hospital_id, words in why.items():
            assert not LATIN.search(words), (hospital_id, words)
        assert "מומלץ" in why[NEAR]
        assert re.search(r"\d+ דק׳ נסיעה", why[NEAR]), why[NEAR]
        # Six red places, less any casualty already sent there by the test before.
        assert re.search(r"[56] מקומות פנויים", why[NEAR]), why[NEAR]
        far = why[FAR]
        for words in (
            "לפי קו אווירי",
            "3 מיטות פנויות",
            "אזהרה לאמבולנסים",
            "המתנה לפריקה 20 דק׳",
            "בסגר ביטחוני",
            "חוסר בצוות",
            "לא מרכז טראומה",
        ):
            assert words in far, (words, far)
        assert "cc-locked" in (
            evac.locator(f'[data-destination="{FAR}"]').get_attribute("class") or ""
        )
        # The English stays in the title for whoever wants it.
        assert "in lockdown" in (
            evac.locator(f'[data-destination="{FAR}"]').get_attribute("title") or ""
        )
        # Not offered: the hospital's own name and words, the reason in Hebrew.
        closed = evac.locator(f'[data-excluded="{CLOSED}"]').inner_text()
        assert "Closed Gate Hospital" in closed
        assert "סגור לאמבולנסים" in closed
        assert "shooter at the gate" in closed
        assert "לא מוצע" in closed
        screenshot(page, "responder-casualty-card-officer-he")
    finally:
        context.close()
