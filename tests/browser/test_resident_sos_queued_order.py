"""An update or cancel pressed while the raise is still kept on the phone (review 16, A3).

The raise met a busy server (503): the page keeps it and names it (sos_of) in the forms. An
update or a cancel pressed then, online, must go after it, in order: sent ahead, the server
did not know the call yet, so an update raised a second call, and a cancel closed nothing
before the kept raise opened the call again.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import TZ, PageErrors, Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 740}


def _phone(browser: Any) -> Any:
    return browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )


def _busy_once(page: Any) -> list[int]:
    """The first SOS sent meets a busy server; the others go through."""
    seen: list[int] = []

    def answer(route: Any) -> None:
        seen.append(len(seen))
        if len(seen) == 1:
            route.fulfill(status=503, content_type="application/json", body="{}")
        else:
            route.continue_()

    page.route("**/resident/sos", answer)
    return seen


def _raise_kept(page: Any, server: Server, marker: str) -> Any:
    page.goto(f"{server.url}/resident?lang=en&address=Dubnov 13")
    form = page.locator("#sos form[data-sos-form]")
    form.locator("input[name=people]").fill("3")
    form.locator("input[name=injured]").fill("1")
    form.locator("textarea[name=text]").fill(marker)
    with page.expect_response(lambda r: r.url.endswith("/resident/sos")) as busy:
        form.locator("button[type=submit]").tap()
    assert busy.value.status == 503
    # Kept on the phone, and named by the forms.
    expect(form.locator("[data-sos-of]")).not_to_have_value("")
    page.wait_for_function("() => window.magenResident.outbox().length === 1")
    return form


def _calls(server: Server, marker: str) -> list[dict[str, Any]]:
    return [s for s in server.picture()["sos"] if marker in s["text"]]


def test_an_update_pressed_while_the_raise_is_kept_changes_that_call(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone(browser)
    try:
        page = page_errors.watch(context.new_page())
        _busy_once(page)
        marker = f"kept then updated {time.time_ns()}"
        form = _raise_kept(page, server, marker)
        form.locator("input[name=injured]").fill("2")
        form.locator("button[type=submit]").tap()
        page.wait_for_function("() => window.magenResident.outbox().length === 0", timeout=25_000)
        expect(form.locator("[data-sos-id]")).not_to_have_value("")
        calls = _calls(server, marker)
        assert [(s["people"], s["injured"], s.get("resolved")) for s in calls] == [(3, 2, None)]
    finally:
        context.close()


def test_a_cancel_pressed_while_the_raise_is_kept_closes_that_call(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone(browser)
    try:
        page = page_errors.watch(context.new_page())
        sent = _busy_once(page)
        marker = f"kept then cancelled {time.time_ns()}"
        _raise_kept(page, server, marker)
        page.locator("form[data-sos-cancel] button[type=submit]").tap()
        page.wait_for_function("() => window.magenResident.outbox().length === 0", timeout=25_000)
        expect(page.locator("form[data-sos-cancel]")).to_be_hidden()
        # The kept raise went (after the busy answer), then the cancel closed it: no call
        # open (the picture shows open calls only).
        assert len(sent) == 2
        assert _calls(server, marker) == []
    finally:
        context.close()
