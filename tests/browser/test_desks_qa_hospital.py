"""The hospital desk's status form in Arabic: what cannot be sent is said, beside the field.

A dispatcher relays the status of a hospital phoned in (the same form a hospital's own desk
uses), on a 1366x768 screen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from browser.browserkit import PASSWORD, TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

DESK = {"width": 1366, "height": 768}
HOSPITAL = "h-desks-qa"
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def hospital(server: Server) -> str:
    body = {
        "hospital_id": HOSPITAL,
        "name": "مستشفى الاختبار",
        "where": {"lat": 31.77, "lon": 35.2},
    }
    r = server.post("admin", "/api/v1/hospitals", body)
    assert r.status_code == 201, r.text
    return HOSPITAL


@pytest.fixture
def form_ar(
    browser: Any, server: Server, hospital: str, page_errors: PageErrors
) -> Iterator[tuple[Any, Any]]:
    """The relayed desk in Arabic, drawn; the page and its status form."""
    context = browser.new_context(timezone_id=TZ, viewport=DESK, locale="ar")
    try:
        page = page_errors.watch(
            sign_in(context, server, "dispatcher", f"/hospital?id={hospital}&lang=ar")
        )
        page.wait_for_selector("body[data-ready]")
        yield page, page.locator("form[data-status-form]")
    finally:
        context.close()


def _sends(page: Any) -> list[str]:
    sent: list[str] = []
    page.on(
        "request",
        lambda r: sent.append(r.url) if r.method == "POST" and "/status" in r.url else None,
    )
    return sent


def test_a_bed_count_that_is_not_a_count_is_named_in_arabic(form_ar: tuple[Any, Any]) -> None:
    page, form = form_ar
    sent = _sends(page)
    field = form.locator("input[name='bed.EmergencyDepartment']")
    field.fill("-3")
    form.locator("[data-send-status]").click()
    error = form.locator("[data-form-error]")
    error.wait_for(state="visible")
    said = error.inner_text()
    # Was "لم ننجح: -3" ("that did not work: -3"): which field, and what is wrong with it?
    assert "لم ننجح" not in said
    assert "«أسرّة متاحة — الطوارئ»" in said
    assert "عددًا صحيحًا" in said
    assert field.get_attribute("aria-invalid") == "true"
    assert sent == []
    screenshot(page, "desks-qa-hospital-ar-bad-number")


def test_a_wait_without_its_offload_status_is_not_dropped_unseen(
    form_ar: tuple[Any, Any],
) -> None:
    page, form = form_ar
    sent = _sends(page)
    form.locator("input[name='bed.AdultICU']").fill("4")
    form.locator("input[name=offload_minutes]").fill("20")
    form.locator("[data-send-status]").click()
    error = form.locator("[data-form-error]")
    # Was: sent without the 20 minutes, and the form then showed no wait at all.
    error.wait_for(state="visible")
    assert "«تسليم المرضى من الإسعاف»" in error.inner_text()
    assert form.locator("select[name=offload]").get_attribute("aria-invalid") == "true"
    assert sent == []
    form.locator("select[name=offload]").select_option("Delayed")
    with page.expect_response(lambda r: r.url.endswith(f"/{HOSPITAL}/status")) as answer:
        form.locator("[data-send-status]").click()
    assert answer.value.status == 201
    assert json.loads(answer.value.request.post_data)["status"]["offload"] == {
        "status": "Delayed",
        "minutes": 20,
    }
    # The wait reads in minutes in the desk's words (was "20′").
    page.locator("[data-summary]", has_text="متأخر").wait_for()
    assert "20 د" in page.locator("[data-summary]").inner_text()
    assert "′" not in page.locator("[data-summary]").inner_text()
    # The desk is told beside the button it pressed (the top of the page is out of sight).
    done = form.locator("[data-form-done]")
    done.wait_for(state="visible")
    assert done.inner_text().startswith("أُرسلت الحالة الساعة")
    assert done.is_visible()
    box = done.bounding_box()
    assert box is not None
    assert 0 <= box["y"] <= DESK["height"], box


def test_a_refused_status_is_said_in_arabic(form_ar: tuple[Any, Any]) -> None:
    page, form = form_ar
    refused = {"error": "invalid", "reason": "status.beds.0.available: Input should be ≤ 100000"}
    page.route(
        f"**/api/v1/hospitals/{HOSPITAL}/status",
        lambda route: route.fulfill(
            status=400, content_type="application/json", body=json.dumps(refused)
        ),
    )
    form.locator("input[name='bed.Burn']").fill("2")
    form.locator("[data-send-status]").click()
    error = form.locator("[data-form-error]")
    error.wait_for(state="visible")
    said = error.inner_text()
    assert not LATIN.search(said), said  # was "لم ننجح: status.beds.0.available: ..."
    assert "لم يقبل الخادم" in said


def test_a_tourniquet_warning_and_typed_values_read_in_the_desk_s_language(
    form_ar: tuple[Any, Any], server: Server
) -> None:
    page, _ = form_ar
    scene = {"lat": 31.7575, "lon": 35.2215}
    body = {"tag": "QA-TQ1", "where": scene, "place": "Derech Hevron 14"}
    recorded = server.post("officer1", "/api/v1/casualties", {**body, "description": {}})
    assert recorded.status_code == 201, recorded.text
    casualty = recorded.json()["id"]
    on = (datetime.now(UTC) - timedelta(minutes=135)).isoformat()
    treated = server.post(
        "officer1",
        f"/api/v1/casualties/{casualty}/interventions",
        {"kind": "tourniquet", "site": "right_leg", "at": on},
    )
    assert treated.status_code == 201, treated.text
    ride = {"vehicle": "MDA 12", "vehicle_kind": "ambulance", "destination": HOSPITAL}
    sent = server.post("officer1", f"/api/v1/casualties/{casualty}/evacuate", ride)
    assert sent.status_code == 201, sent.text
    card = page.locator('[data-list="incoming"] [data-tag="QA-TQ1"]')
    card.wait_for(timeout=15_000)
    warning = card.locator(".warn").inner_text()
    # Was the server's English sentence, its time in UTC: "tag QA-TQ1: tourniquet on the
    # right leg since 07:15 UTC (2 h 15 min); reassess, convert if possible, tell the surgeon".
    assert not LATIN.search(warning), warning
    assert "عاصبة (الساق اليمنى) موضوعة منذ" in warning
    assert re.search(r"2 س 1[56] د", warning), warning
    # A typed place and call sign keep their own direction inside the Arabic line.
    when = card.locator(".when")
    assert when.locator("bdi", has_text="Derech Hevron 14").count() == 1
    assert when.locator("bdi", has_text="MDA 12").count() == 1
    screenshot(page, "desks-qa-hospital-ar-tourniquet")


@pytest.fixture(scope="module")
def own_desk(server: Server) -> str:
    """A hospital of its own with its own hospital account (the other tests' is taken)."""
    account = {"username": "hospital-qa", "password": PASSWORD, "role": "hospital"}
    r = server.post("admin", "/api/v1/accounts", {**account, "display_name": "QA desk"})
    assert r.status_code == 201, r.text
    me = server.get("hospital-qa", "/api/v1/accounts/me")
    me.raise_for_status()
    where = {"lat": 31.765, "lon": 35.21}
    body = {"hospital_id": "h-desks-qa-own", "name": "QA", "where": where}
    r = server.post("admin", "/api/v1/hospitals", {**body, "account_id": me.json()["account_id"]})
    assert r.status_code == 201, r.text
    return "h-desks-qa-own"


def test_a_patient_marked_arrived_cannot_be_marked_again_while_the_desk_reloads(
    browser: Any, server: Server, own_desk: str, page_errors: PageErrors
) -> None:
    body = {"tag": "QA-AR1", "where": {"lat": 31.7575, "lon": 35.2215}, "description": {}}
    recorded = server.post("officer1", "/api/v1/casualties", body)
    assert recorded.status_code == 201, recorded.text
    casualty = recorded.json()["id"]
    ride = {"vehicle": "MDA 7", "vehicle_kind": "ambulance", "destination": own_desk}
    sent = server.post("officer1", f"/api/v1/casualties/{casualty}/evacuate", ride)
    assert sent.status_code == 201, sent.text
    context = browser.new_context(timezone_id=TZ, viewport=DESK, locale="he-IL")
    try:
        page = page_errors.watch(sign_in(context, server, "hospital-qa", "/hospital?lang=he"))
        page.wait_for_selector("body[data-ready]")
        card = page.locator('[data-list="incoming"] [data-tag="QA-AR1"]')
        card.wait_for()
        held: list[Any] = []

        def hold(route: Any) -> None:
            held.append(route)

        page.route("**/api/v1/casualties", hold)  # the desk's next read answers slowly
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/arrival")) as done:
            card.locator("[data-arrived]").click()
        assert done.value.status == 201
        page.locator("[data-said]").wait_for(state="visible")
        # Was enabled again at once: a second press sent a second arrival, refused.
        assert card.locator("[data-arrived]").is_disabled()
        for route in held:
            route.continue_()
        page.unroute("**/api/v1/casualties")
        page.locator('[data-list="here"] [data-tag="QA-AR1"]').wait_for()
    finally:
        context.close()


def test_a_discharge_is_confirmed_with_where_to_and_a_new_choice_asks_again(
    browser: Any, server: Server, own_desk: str, page_errors: PageErrors
) -> None:
    body = {"tag": "QA-DC1", "where": {"lat": 31.7575, "lon": 35.2215}, "description": {}}
    recorded = server.post("officer1", "/api/v1/casualties", body)
    assert recorded.status_code == 201, recorded.text
    casualty = recorded.json()["id"]
    ride = {"vehicle": "MDA 8", "vehicle_kind": "ambulance", "destination": own_desk}
    assert server.post("officer1", f"/api/v1/casualties/{casualty}/evacuate", ride).is_success
    arrival = {"hospital_id": own_desk}
    r = server.post("hospital-qa", f"/api/v1/casualties/{casualty}/arrival", arrival)
    assert r.status_code == 201, r.text
    context = browser.new_context(timezone_id=TZ, viewport=DESK, locale="ar")
    try:
        page = page_errors.watch(sign_in(context, server, "hospital-qa", "/hospital?lang=ar"))
        page.wait_for_selector("body[data-ready]")
        card = page.locator('[data-list="here"] [data-tag="QA-DC1"]')
        card.wait_for()
        # Arrived: when it left the scene, not a count of minutes that no longer matters.
        assert "غادر الموقع" in card.inner_text()
        assert card.locator("[data-left]").count() == 0
        card.locator("[data-discharge]").click()
        asked = card.locator("[data-card-error]")
        # Was "تخريج البطاقة QA-DC1؟": the list had "home" chosen, unseen in the question.
        assert "إلى البيت" in asked.inner_text()
        card.locator("[data-disposition]").select_option("shelter")
        assert asked.is_hidden()  # the first press no longer counts
        card.locator("[data-discharge]").click()
        assert "إلى ملجأ / مركز استقبال" in asked.inner_text()
        with page.expect_response(lambda r: r.url.endswith(f"/{casualty}/discharge")) as done:
            card.locator("[data-discharge]").click()
        assert done.value.status == 201
        assert json.loads(done.value.request.post_data)["disposition"] == "shelter"
    finally:
        context.close()
