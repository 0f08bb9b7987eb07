"""The responder page on a 360 px phone on a slow network: one picture at a time, the task
said as what it is, the threats the route avoids on the map.

Each test here failed on the page before its fix (see the field QA report of session 12).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import TZ, PageErrors, Server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 640}


def test_the_responder_page_downloads_the_picture_once_at_start(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """Was: two full pictures at start (the second only for its position): on 400 kbit/s a
    picture of a busy night is 90 kB, two seconds each."""
    asked: list[str] = []
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    try:
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        page.on("request", lambda r: asked.append(r.url) if "/api/v1/picture" in r.url else None)
        page.reload()
        page.wait_for_selector("body[data-ready]")
        page.wait_for_timeout(1500)
    finally:
        context.close()
    assert len(asked) == 1, asked


def test_a_silent_sos_task_says_so_and_the_threats_are_on_the_map(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """Was: the task read "Open SOS calls · assigned to you" (a console panel's title), said
    nothing of the caller hiding, and the map showed neither attackers nor danger areas."""
    me = server.get("officer1", "/api/v1/accounts/me").json()["account_id"]
    hiding = {"lat": 31.7601, "lon": 35.2121}

    def picture(route: Any) -> None:
        real = server.picture("officer1")
        real["incidents"] = [
            {
                "id": "sos_qa_1",
                "sos_ids": ["sos_qa_1"],
                "open": True,
                "silent": True,
                "people": 3,
                "injured": 0,
                "children": 1,
                **hiding,
            }
        ]
        real["tracks"] = [
            {
                "id": "trk_qa_1",
                "status": "active",
                "open": True,
                "merged_into": None,
                "lat": 31.7606,
                "lon": 35.2130,
            }
        ]
        real["danger_areas"] = [
            {
                "id": "dng_qa_1",
                "area": {"kind": "circle", "lat": 31.7606, "lon": 35.2130, "radius_m": 120},
            }
        ]
        real["assignments"] = [
            {
                "id": "asg_qa_1",
                "responder_id": me,
                "target": {"kind": "incident", "id": "sos_qa_1"},
                "status": "assigned",
                "active": True,
                "note": "",
            }
        ]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(real))

    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    try:
        context.route(re.compile(r".*/api/v1/picture(\?.*)?$"), picture)
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        task = page.locator("[data-assignment] [data-task]").inner_text()
        assert task.startswith("SOS call · assigned to you"), task
        assert "Open SOS calls" not in task
        assert "do not call" in page.locator("[data-silent-task]").inner_text()
        assert page.locator("#map path.mk-track").count() == 1
        assert page.locator("#map path.mk-danger").count() == 1
    finally:
        context.close()


def test_a_status_tapped_offline_is_said_kept_and_waiting(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """Was: "No connection. Reports are kept on this phone..." while the responder page kept
    nothing (the status was lost). Then: "not sent" (true, and the status still lost). Now the
    page keeps it (responder.js's outbox), says so, and counts it beside the buttons."""
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    try:
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        context.set_offline(True)
        page.locator("[data-status=needs_medical_kit]").tap()
        error = page.locator("[data-error]")
        error.wait_for(timeout=10_000)
        assert "kept on this phone" in error.inner_text()
        assert "not sent" not in error.inner_text()
        expect(page.locator("[data-outbox=status]")).to_have_text("Waiting to send: 1")
    finally:
        context.close()


def test_my_task_is_asked_before_the_town_s_background(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """Was: the town's streets and buildings (70 kB) were asked first and shared the slow
    link with the picture that holds my task: the task came seconds later."""
    asked: list[str] = []
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    try:
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        page.on("request", lambda r: asked.append(r.url.split("?")[0].rsplit("/", 1)[-1]))
        page.reload()
        page.wait_for_selector("body[data-ready]")
        page.wait_for_function("() => document.querySelector('#map canvas')", timeout=10_000)
    finally:
        context.close()
    assert asked.index("picture") < asked.index("map.geojson"), asked


def test_a_refusal_and_a_triage_tag_are_said_in_the_page_s_language(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """Was: "לא הצלחנו: <the server's English reason>", and the tag read "IMMEDIATE" on a
    Hebrew page."""
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="he-IL"
    )
    try:
        context.route(
            "**/api/v1/responders/status",
            lambda route: route.fulfill(
                status=409,
                content_type="application/json",
                body=json.dumps({"reason": "the responder changed meanwhile"}),
            ),
        )
        context.route(
            "**/api/v1/triage/step",
            lambda route: route.fulfill(
                status=200,
                content_type="application/json",
                body=json.dumps(
                    {"done": True, "category": "immediate", "explain": {"he": "נשימה 40"}}
                ),
            ),
        )
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        page.locator("[data-status=engaged]").tap()
        error = page.locator("[data-error]")
        error.wait_for()
        assert "מישהו אחר שינה" in error.inner_text()
        assert "responder" not in error.inner_text()
        page.locator("[data-triage-start]").tap()
        assert page.locator("[data-triage] .tag").inner_text() == "דחוף"
    finally:
        context.close()


def test_status_works_and_the_task_is_read_before_the_map_arrives(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """Was: Leaflet (150 kB, 3 s at 400 kbit/s) was loaded before the page's script: until
    it came, the status buttons did nothing and no task was shown."""
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    # On duty (a no-op refused if already): the status is then shown from the picture.
    server.post("officer1", "/api/v1/responders/check-in", {"kind": "police_on_duty"})
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    try:
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        context.route("**/vendor/leaflet/leaflet.js*", hold)
        page.reload()
        page.wait_for_function(
            "() => document.querySelector('[data-current-status]').textContent !== '—'",
            timeout=10_000,
        )
        with page.expect_response(lambda r: r.url.endswith("/api/v1/responders/status")) as done:
            page.locator("[data-status=on_scene]").tap()
        assert done.value.status == 201
        page.wait_for_selector("[data-status=on_scene][aria-pressed=true]")
        assert held  # the map was still on its way all along
        assert page.evaluate("() => typeof window.L") == "undefined"
    finally:
        context.close()
    server.post("officer1", "/api/v1/responders/status", {"status": "available"})


def test_the_map_s_buttons_are_named_in_the_page_s_language(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """Was: "Zoom in" / "Zoom out" (Leaflet's English) on an Arabic page."""
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="ar"
    )
    try:
        page = page_errors.watch(sign_in(context, server, "officer1", "/responder"))
        page.wait_for_selector("body[data-ready]")
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == "تكبير"
        assert page.get_attribute(".leaflet-control-zoom-out", "aria-label") == "تصغير"
    finally:
        context.close()
