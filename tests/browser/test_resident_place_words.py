"""The address suggestions on the resident page are said in the page's language.

The town pack names streets in Hebrew, Arabic and English; the suggestions under the address
box showed the Hebrew name on the Arabic and English pages. They are shown in the page's
words now, while the place a pick sends (and a report keeps for the dispatcher) is the
address book's own label, as before.
"""

from __future__ import annotations

from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 640}


@pytest.mark.parametrize(("lang", "street"), [("ar", "دوڨْنوڤ 13"), ("en", "Dubnov 13")])
def test_the_suggestions_are_in_the_page_s_words_and_the_pick_sends_the_label(
    browser: Any, server: Server, page_errors: PageErrors, lang: str, street: str
) -> None:
    context = browser.new_context(timezone_id=TZ, viewport=PHONE, is_mobile=True, locale="en-GB")
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident?lang={lang}")
        form = page.locator("form[action='/resident/sighting']")
        box = form.locator("[data-address]")
        with page.expect_response(lambda r: "/resident/places?" in r.url):
            box.fill("Dubnov 13")
        first = form.locator("[data-places] button").first
        first.wait_for()
        assert first.inner_text() == street
        first.click()
        pick = form.locator("input[type=hidden][name=pick]")
        assert pick.get_attribute("value").endswith(",דובנוב 13")
        # The chosen place is said in the page's words too; the box keeps the label it found.
        assert form.locator("[data-here]").inner_text() == street
        assert box.input_value() == "דובנוב 13"
    finally:
        context.close()
