"""The hospital desk's time of death reads left to right in Hebrew.

An empty time box on a right-to-left page showed its placeholder mirrored ("-- --:"): the
box is written left to right whatever the page's language, as a clock is. (Debian's Chromium
already draws a time box left to right; the box says so itself for the engines that do not.)
"""

from __future__ import annotations

from typing import Any

import pytest

from browser.browserkit import PASSWORD, TZ, PageErrors, Server, casualty_on_its_way, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

HOSPITAL = "h-death-ltr"
DESK = "hospital_ltr"  # the hospital's own desk account (only it records a death there)


@pytest.fixture(scope="module")
def hospital(server: Server) -> str:
    desk = {"username": DESK, "password": PASSWORD, "role": "hospital", "display_name": DESK}
    r = server.post("admin", "/api/v1/accounts", desk)
    assert r.status_code == 201, r.text
    body = {
        "hospital_id": HOSPITAL,
        "name": "בית חולים שעון",
        "where": {"lat": 31.77, "lon": 35.2},
        "account_id": server.get(DESK, "/api/v1/accounts/me").json()["account_id"],
    }
    r = server.post("admin", "/api/v1/hospitals", body)
    assert r.status_code == 201, r.text
    return HOSPITAL


def test_the_time_of_death_box_is_left_to_right_on_a_hebrew_desk(
    browser: Any, server: Server, hospital: str, page_errors: PageErrors
) -> None:
    casualty = casualty_on_its_way(
        server, tag="HD-LTR", place="Dubnov 13", description={}, vehicle="MDA 7", to=hospital
    )
    arrived = server.post(DESK, f"/api/v1/casualties/{casualty}/arrival", {"hospital_id": hospital})
    assert arrived.status_code == 201, arrived.text
    context = browser.new_context(timezone_id=TZ, viewport={"width": 1280, "height": 900})
    try:
        page = page_errors.watch(sign_in(context, server, DESK, "/hospital?lang=he"))
        page.wait_for_selector("body[data-ready]")
        assert page.get_attribute("html", "dir") == "rtl"
        box = page.locator('[data-list="here"] [data-tag="HD-LTR"] [data-death-time]')
        box.wait_for(timeout=15_000)
        assert box.input_value() == ""
        # Said on the box itself, which every engine obeys (Chromium already draws a time box
        # left to right; Firefox and Safari follow the page's direction without it).
        assert box.get_attribute("dir") == "ltr"
        assert box.evaluate("e => getComputedStyle(e).direction") == "ltr"
    finally:
        context.close()
