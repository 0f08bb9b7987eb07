"""A cancel or update pressed while the raise is still on its way to the server (review 17).

On a weak link the answer to an SOS can take many seconds. Before, the page offered no way to
cancel the call meanwhile, and a cancel sent then went on its own: it could reach the server
before the raise, close nothing, and leave the call the raise then opened. Now the call can be
cancelled or changed from the moment it is pressed, and what is pressed waits on the phone for
the raise's answer, then names the call it opened.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import expect

from browser.browserkit import TZ, PageErrors, Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 740}


def _phone(browser: Any) -> Any:
    return browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )


def _held_raise(page: Any) -> tuple[list[Any], list[str]]:
    """The first SOS is held by the network until the test lets it go; every request to the
    SOS addresses is noted in the order the page sent it."""
    held: list[Any] = []
    sent: list[str] = []

    def sos(route: Any) -> None:
        sent.append("sos")
        if not held:
            held.append(route)  # answered when the test lets it go
        else:
            route.continue_()

    def cancel(route: Any) -> None:
        sent.append("cancel")
        route.continue_()

    page.route("**/resident/sos", sos)
    page.route("**/resident/sos/cancel", cancel)
    return held, sent


def _press_sos(page: Any, server: Server, marker: str) -> Any:
    page.goto(f"{server.url}/resident?lang=en&address=Dubnov 13")
    form = page.locator("#sos form[data-sos-form]")
    form.locator("input[name=people]").fill("4")
    form.locator("textarea[name=text]").fill(marker)
    form.locator("button[type=submit]").tap()
    return form


def _calls(server: Server, marker: str) -> list[dict[str, Any]]:
    return [s for s in server.picture()["sos"] if marker in s["text"]]


def test_a_cancel_pressed_while_the_raise_is_on_its_way_closes_that_call(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone(browser)
    try:
        page = page_errors.watch(context.new_page())
        held, sent = _held_raise(page)
        marker = f"cancelled in flight {time.time_ns()}"
        _press_sos(page, server, marker)
        expect(page.locator("form[data-sos-cancel]")).to_be_visible()
        assert len(held) == 1
        # Said to be on its way, never taken for received while unanswered.
        expect(page.locator("[data-sending]")).to_have_text("Sending…")
        assert page.locator("[data-done]").count() == 0
        # Nothing on the page says there is no call while its cancel is offered.
        expect(page.locator("[data-safe-none]")).to_be_hidden()
        expect(page.locator("form[data-safe-form]")).to_be_visible()
        page.locator("form[data-sos-cancel] button[type=submit]").tap()
        # Kept on the phone (a page closed now still sends it), not sent ahead of the raise.
        page.wait_for_function("() => window.magenResident.outbox().length === 1")
        page.wait_for_timeout(1500)
        assert sent == ["sos"]
        with page.expect_response(lambda r: r.url.endswith("/resident/sos/cancel")) as answer:
            held[0].continue_()
        assert answer.value.ok
        # It named the call the raise opened (its id, learnt from the raise's answer).
        named = parse_qs(answer.value.request.post_data or "").get("sos_id", [""])[0]
        assert named, answer.value.request.post_data
        page.wait_for_function("() => window.magenResident.outbox().length === 0")
        assert sent == ["sos", "cancel"]
        expect(page.locator("form[data-sos-cancel]")).to_be_hidden()
        # The raise opened the call, the cancel closed it: no call open (the picture lists
        # open calls only), and none was left behind.
        assert _calls(server, marker) == []
    finally:
        context.close()


def test_an_update_pressed_while_the_raise_is_on_its_way_changes_that_call(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone(browser)
    try:
        page = page_errors.watch(context.new_page())
        held, _ = _held_raise(page)
        marker = f"updated in flight {time.time_ns()}"
        _press_sos(page, server, marker)
        page.wait_for_function("() => document.querySelector('[data-sos-of]').value !== ''")
        assert len(held) == 1
        # The form's own button waits for the answer; the form is sent again by script here,
        # as another of the page's forms (or the silent page in a second tab) can send one.
        page.evaluate(
            """() => {
                 const f = document.querySelector('#sos form[data-sos-form]');
                 f.querySelector('button[type=submit]').disabled = false;
                 f.querySelector('input[name=injured]').value = '3';
                 f.requestSubmit();
               }"""
        )
        page.wait_for_function("() => window.magenResident.outbox().length === 1")
        held[0].continue_()
        page.wait_for_function("() => window.magenResident.outbox().length === 0")
        calls = _calls(server, marker)
        assert [(s["people"], s["injured"]) for s in calls] == [(4, 3)], calls
    finally:
        context.close()
