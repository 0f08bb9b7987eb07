"""The family page on a phone after a report with a long unbroken name (real Chromium)."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("js", [True, False])
def test_a_200_letter_name_leaves_the_page_phone_wide_and_every_button_tappable(
    browser: Any, server: Server, page_errors: PageErrors, js: bool
) -> None:
    """One pasted name made the page 3,046 px wide: the phone opened on a blank strip of
    it, and the form's choices and its send button could no longer be tapped."""
    name = "".join(random.choice(string.ascii_lowercase) for _ in range(8)) + "א" * 192
    context = browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale="he-IL",
        has_touch=True,
        is_mobile=True,
        java_script_enabled=js,
    )
    try:
        page = page_errors.watch(sign_in(context, server, "family1", "/family?lang=he"))
        form = page.locator("form[data-report-form]")
        form.locator("[name=full_name]").fill(name)
        form.locator("[name=phone]").fill("050-1234567")
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        page.goto(f"{server.url}/family?lang=he")
        item = page.locator("li[data-report]", has_text=name[:30])
        item.wait_for()
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], width
        box = item.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"] + 0.5, box
        status = item.locator("[data-status-word]").bounding_box()
        assert status is not None
        assert status["x"] >= 0
        assert status["x"] + status["width"] <= PHONE["width"] + 0.5, status
        screenshot(page, f"family-he-phone-long-name-{'js' if js else 'nojs'}")
        # Every choice and the send button can be tapped (nothing lies over them).
        again = page.locator("form[data-report-form]")
        again.locator("input[name=sex][value=female]").tap(trial=True)
        again.locator("button[type=submit]").scroll_into_view_if_needed()
        again.locator("button[type=submit]").tap(trial=True)
    finally:
        context.close()
