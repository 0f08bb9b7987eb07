"""The resident page in real headless Chromium: no JavaScript, no network, three languages."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from browser.browserkit import DUBNOV_13, TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}


def _phone_at_dubnov_13(browser: Any) -> Any:
    """An English phone whose GPS puts it at Dubnov 13 (±15 m)."""
    here = {"latitude": DUBNOV_13["lat"], "longitude": DUBNOV_13["lon"], "accuracy": 15}
    return browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale="en-GB",
        geolocation=here,
        permissions=["geolocation"],
    )


def _sightings(server: Server) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in server.picture()["sightings"]}


def test_an_sos_sent_with_javascript_off_reaches_the_incident_queue(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    resident = browser.new_context(
        timezone_id=TZ, java_script_enabled=False, viewport=PHONE, locale="en-GB"
    )
    try:
        page = resident.new_page()
        page.goto(f"{server.url}/resident?lang=en")
        form = page.locator("#sos form")
        form.locator("input[name=address]").fill("Dubnov 13")
        form.locator("input[name=people]").fill("4")
        form.locator("input[name=injured]").fill("2")
        form.locator("input[name=children]").fill("1")
        text = (
            "door barricaded, second floor " + page.locator("#sos [name=command_id]").input_value()
        )
        form.locator("textarea[name=text]").fill(text)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert "Your SOS was received" in page.locator("[data-done]").inner_text()
        # The page answers with the way out of danger too: "I am safe" for this call.
        assert page.locator("form[data-safe-form]").is_visible()
        # Sending the same form again (reloading the answer re-posts it) is still one call.
        page.reload()
        assert "Your SOS was received" in page.locator("[data-done]").inner_text()
    finally:
        resident.close()
    raised = [s for s in server.picture()["sos"] if text in s["text"]]
    assert len(raised) == 1
    sos = raised[0]
    assert (sos["people"], sos["injured"], sos["children"]) == (4, 2, 1)
    assert sos["text"].startswith("[דובנוב 13]")  # the address as the town pack spells it

    dispatcher = browser.new_context(
        timezone_id=TZ, viewport={"width": 1400, "height": 900}, locale="en-GB"
    )
    try:
        console = page_errors.watch(sign_in(dispatcher, server, "dispatcher", "/console"))
        # In the queue by itself, or merged into the incident of a call from the same place.
        queued = f'[data-panel="incidents"] li[data-id="{sos["id"]}"]'
        merged = f'[data-panel="incidents"] li[data-sos~="{sos["id"]}"]'
        item = console.locator(f"{queued}, {merged}").first
        item.wait_for(timeout=5000)
        # Numbers are isolated in their own direction (U+2066/U+2069) inside the sentence.
        assert "injured 2" in item.inner_text().replace("\u2066", "").replace("\u2069", "")
        console.wait_for_selector(f"path.sos-{sos['id']}")
    finally:
        dispatcher.close()


def test_a_report_made_offline_is_delivered_once_when_the_network_returns(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = browser.new_context(timezone_id=TZ, viewport=PHONE, locale="en-GB")
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident?lang=en")
        form = page.locator("#sighting form")
        command_id = form.locator("[name=command_id]").input_value()
        before = len(_sightings(server))
        context.set_offline(True)
        form.locator("input[name=address]").fill("Bostanai 9")
        form.locator("input[name=count]").fill("3")
        form.locator("input[name=mobility][value=vehicle]").check()
        form.locator("select[name=direction]").select_option("ne")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("[data-done]:has-text('Saved on this phone')")
        outbox = page.evaluate("() => window.magenResident.outbox()")
        assert [item["id"] for item in outbox] == [command_id]
        assert page.locator("#net").is_visible()
        # The form is ready for another report, under a new id.
        assert form.locator("[name=command_id]").input_value() != command_id
        page.wait_for_timeout(300)
        assert len(_sightings(server)) == before  # nothing left the phone

        context.set_offline(False)
        page.wait_for_function("() => window.magenResident.outbox().length === 0", timeout=15_000)
        page.wait_for_selector("[data-done]:has-text('The saved report was sent')")

        # The answer could have been lost on the way back: the phone sends it again.
        page.evaluate(
            "item => localStorage.setItem('magen.outbox', JSON.stringify([item]))", outbox[0]
        )
        page.evaluate("() => window.magenResident.flush()")
        page.wait_for_function("() => window.magenResident.outbox().length === 0")
    finally:
        context.close()
    after = _sightings(server)
    assert len(after) == before + 1, json.dumps(list(after.values())[-3:], ensure_ascii=False)
    delivered = [s for s in after.values() if s["text"].startswith("[בוסתנאי 9]")]
    assert len(delivered) == 1
    assert delivered[0]["count"] == 3
    assert delivered[0]["mobility"] == "vehicle"
    assert delivered[0]["heading_deg"] == 45.0


@pytest.mark.parametrize(
    ("lang", "direction", "sos_words"),
    [
        ("he", "rtl", "SOS – צריך עזרה"),
        ("ar", "rtl", "SOS – أحتاج مساعدة"),
        ("en", "ltr", "SOS – I need help"),
    ],
)
def test_the_resident_page_lays_out_in_the_reader_s_direction(
    browser: Any,
    server: Server,
    page_errors: PageErrors,
    lang: str,
    direction: str,
    sos_words: str,
) -> None:
    # The browser's own language chooses the page's; nothing in the URL.
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, locale={"he": "he-IL", "ar": "ar", "en": "en-GB"}[lang]
    )
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident")
        assert page.get_attribute("html", "lang") == lang
        assert page.get_attribute("html", "dir") == direction
        assert page.evaluate("() => getComputedStyle(document.body).direction") == direction
        assert page.locator(".actions .sos").inner_text() == sos_words
        # Laid out in that direction: the name of the service starts the bar on the reading
        # side, the first action button sits on that side too.
        brand = page.locator(".bar .brand").bounding_box()
        langs = page.locator(".bar .langs").bounding_box()
        sos = page.locator(".actions .sos").bounding_box()
        silent = page.locator(".actions .silent").bounding_box()
        assert brand is not None
        assert langs is not None
        assert sos is not None
        assert silent is not None
        if direction == "rtl":
            assert brand["x"] > langs["x"]
            assert sos["x"] > silent["x"]
        else:
            assert brand["x"] < langs["x"]
            assert sos["x"] < silent["x"]
        screenshot(page, f"resident-{lang}")
        # A person may switch language, and the page remembers it.
        other = "en" if lang != "en" else "he"
        page.click(f".langs a[lang={other}]")
        page.wait_for_load_state()
        assert page.get_attribute("html", "lang") == other
        page.goto(f"{server.url}/resident")
        assert page.get_attribute("html", "lang") == other
    finally:
        context.close()


def test_the_silent_sos_is_dark_and_quiet(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = browser.new_context(timezone_id=TZ, viewport=PHONE, locale="he-IL")
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident/silent")
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(0, 0, 0)"
        assert page.locator("audio, video").count() == 0
        form = page.locator("form[data-silent]")
        form.locator("input[name=address]").fill("דובנוב 13")
        form.locator("input[name=people]").fill("2")
        form.locator("input[name=children]").fill("1")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("[data-done]")
        assert "נשלח" in page.locator("[data-done]").inner_text()
        screenshot(page, "resident-silent-he")
    finally:
        context.close()
    silent = [s for s in server.picture()["sos"] if s["silent"] and s["children"] == 1]
    assert silent


def test_staff_sign_in_keeps_the_token_for_the_page_scripts(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = browser.new_context(timezone_id=TZ, viewport=PHONE, locale="en-GB")
    try:
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        assert page.url.endswith("/responder")
        assert page.evaluate("() => sessionStorage.getItem('magen.role')") == "responder"
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["magen_token"]["httpOnly"] is True
        page.wait_for_selector("[data-current-status]")
        screenshot(page, "responder-en")
    finally:
        context.close()


def test_with_javascript_the_phone_s_position_gives_the_safe_action_and_places_the_sos(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone_at_dubnov_13(browser)
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident")
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url) as guidance:
            page.click("[data-gps]")
        assert guidance.value.ok
        advice = guidance.value.json()
        page.wait_for_function(
            "t => document.querySelector('#now .action')?.textContent === t", arg=advice["text"]
        )
        assert f"act-{advice['action']}" in (page.get_attribute("#now", "class") or "")
        form = page.locator("#sos form")
        assert form.locator("[name=lat]").input_value() == f"{DUBNOV_13['lat']:.6f}"
        assert "±15 m" in form.locator("[data-here]").inner_text()
        form.locator("input[name=people]").fill("2")
        marker = "gps " + form.locator("[name=command_id]").input_value()
        form.locator("textarea[name=text]").fill(marker)
        form.locator("button[type=submit]").click()
        page.wait_for_selector("[data-done]:has-text('Your SOS was received')")
        assert page.locator("form[data-safe-form]").is_visible()
        # "I am safe" closes it again.
        page.locator("form[data-safe-form] button").click()
        page.wait_for_selector("[data-done]:has-text('You are marked safe')")
    finally:
        context.close()
    sos = [
        s for s in server.get("dispatcher", "/api/v1/picture").json()["sos"] if marker in s["text"]
    ]
    assert sos == []  # resolved: no longer open
    picture = server.picture("analyst")
    assert picture["role"] == "analyst"


def test_typing_an_address_offers_places_to_pick(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = browser.new_context(timezone_id=TZ, viewport=PHONE, locale="en-GB")
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident")
        form = page.locator("#sighting form")
        form.locator("[data-address]").fill("Dubnov 1")
        # Offered in the page's words (English here); the pick sends the address book's label.
        choice = form.locator("[data-places] button", has_text=re.compile(r"^Dubnov 1$"))
        choice.wait_for()
        assert form.locator("[data-places] button", has_text="דובנוב").count() == 0
        choice.click()
        assert form.locator("input[type=hidden][name=pick]").input_value().endswith(",דובנוב 1")
        marker = "pick " + form.locator("[name=command_id]").input_value()
        form.locator("textarea[name=text]").fill(marker)
        form.locator("button[type=submit]").click()
        page.wait_for_selector("[data-done]:has-text('Your report was received')")
    finally:
        context.close()
    found = [s for s in _sightings(server).values() if marker in s["text"]]
    assert len(found) == 1
    assert found[0]["text"].startswith("[דובנוב 1]")


def test_the_map_loads_only_when_asked_and_a_tap_places_the_reports(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = browser.new_context(timezone_id=TZ, viewport=PHONE, locale="ar")
    try:
        page = page_errors.watch(context.new_page())
        loaded: list[str] = []
        page.on("request", lambda r: loaded.append(r.url))
        page.goto(f"{server.url}/resident")
        page.wait_for_load_state("networkidle")
        # A weak phone downloads no map until the person asks for one.
        assert not [u for u in loaded if "leaflet" in u or "map.geojson" in u]
        page.click("[data-pickmap]")
        page.wait_for_selector("#map .leaflet-control-attribution")
        assert (
            page.locator("#map .leaflet-control-attribution").inner_text()
            == "© OpenStreetMap contributors (ODbL)"
        )
        page.wait_for_function("() => !!window.L")
        box = page.locator("#map").bounding_box()
        assert box is not None
        # Shown in view, whatever stands above it (an open ground threat's line, the town's
        # alerts, from other tests on the shared server, pushed it below a phone's fold).
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= PHONE["height"] + 1, box  # (sub-pixel)
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url):
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        lat = page.locator("#sos form [name=lat]").input_value()
        assert lat
        assert abs(float(lat) - 31.76) < 0.05
        screenshot(page, "resident-map-ar")
    finally:
        context.close()


def test_the_safe_action_is_kept_current_and_shown_as_stale_when_it_cannot_be(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """Advice is asked again while the page is open; unconfirmed for long, it says so."""
    context = _phone_at_dubnov_13(browser)
    try:
        page = page_errors.watch(context.new_page())
        page.clock.install()
        page.goto(f"{server.url}/resident")
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url) as first:
            page.click("[data-gps]")
        assert first.value.ok
        page.wait_for_selector("#now .action")
        assert page.locator("[data-guidance-stale]").count() == 0
        # Still connected: the page asks again by itself, and the advice stays current.
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url) as again:
            page.clock.run_for(16_000)
        assert again.value.status in (200, 304)
        assert "stale" not in (page.get_attribute("#now", "class") or "")

        context.set_offline(True)  # the network is lost: the last advice must not look current
        page.clock.run_for(50_000)
        stale = page.locator("[data-guidance-stale]")
        stale.wait_for()
        assert "Not updated since" in stale.inner_text()
        assert "stale" in (page.get_attribute("#now", "class") or "")
        assert page.locator("#now .action").inner_text() == first.value.json()["text"]
        screenshot(page, "resident-guidance-stale-en")

        context.set_offline(False)  # back: the next question confirms it again
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url):
            page.clock.run_for(16_000)
        page.wait_for_selector("[data-guidance-stale]", state="detached")
        assert "stale" not in (page.get_attribute("#now", "class") or "")
    finally:
        context.close()
