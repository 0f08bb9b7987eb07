"""An SOS pressed on the resident page is raised, never refused, for what a caller in a hurry
gets wrong (an as-user audit): "how many people" left at its 1 with 3 injured typed was a 422
"There are more injured or children than people"; words pasted with an invisible character
(a NUL) were a 422 "remove the invisible character". Both calls were lost.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import TZ, PageErrors, Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 740}


def test_an_sos_with_more_injured_than_people_and_a_pasted_nul_is_raised(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident?lang=en&address=Dubnov 13")
        form = page.locator("#sos form[data-sos-form]")
        assert form.locator("input[name=people]").input_value() == "1"  # left as it is
        form.locator("input[name=injured]").fill("3")
        marker = f"pasted {time.time_ns()}"
        # Pasted words with a NUL in them (a keyboard cannot type one).
        form.locator("textarea[name=text]").evaluate(
            "(el, m) => { el.value = 'we are \\u0000three ' + m; }", marker
        )
        with page.expect_response(lambda r: r.url.endswith("/resident/sos")) as answer:
            form.locator("button[type=submit]").tap()
        assert answer.value.status == 201, answer.value.text()
        expect(page.locator("[data-done]")).to_be_visible()
        assert page.locator("#sos .error").count() == 0
        (call,) = [s for s in server.picture()["sos"] if marker in s["text"]]
        assert (call["people"], call["injured"], call["children"]) == (3, 3, 0)
        assert "\x00" not in call["text"]
        assert call["text"].endswith(f"we are three {marker}")
    finally:
        context.close()
