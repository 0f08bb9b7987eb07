"""A responder who allows location after the page opened is placed without reloading.

A volunteer opens the responder page with location not allowed: the phone's watch is refused
and ends. They allow it in the browser's settings: the page starts watching again, sends
its position, and the map shows where they are.
"""

from __future__ import annotations

from typing import Any

import pytest

from browser.browserkit import PASSWORD, TZ, PageErrors, Server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}
HERE = {"latitude": 31.7652, "longitude": 35.2139, "accuracy": 8}
USER = "volunteer_late_gps"

# How many watches the page started, and how many were refused.
COUNT_WATCHES = """(() => {
  const g = navigator.geolocation;
  if (!g) return;
  const watch = g.watchPosition.bind(g);
  window.watches = 0;
  window.refused = 0;
  g.watchPosition = (ok, fail, options) => {
    window.watches += 1;
    return watch(ok, (err) => { if (err.code === 1) window.refused += 1; fail(err); }, options);
  };
})()"""


def test_location_allowed_later_is_used_without_reloading(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    body = {"username": USER, "password": PASSWORD, "role": "responder", "display_name": USER}
    r = server.post("admin", "/api/v1/accounts", body)
    assert r.status_code == 201, r.text
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, locale="en-GB", has_touch=True, is_mobile=True
    )
    try:
        context.add_init_script(COUNT_WATCHES)
        page = page_errors.watch(sign_in(context, server, USER, "/responder?lang=en"))
        page.wait_for_selector("body[data-ready]")
        page.click("[data-checkin-form] button")
        page.locator("[data-checkin]").wait_for(state="hidden")
        page.wait_for_function("() => window.refused >= 1")
        assert page.evaluate("() => window.watches") == 1

        context.set_geolocation(HERE)
        with page.expect_request(lambda q: q.url.endswith("/api/v1/responders/position")) as sent:
            context.grant_permissions(["geolocation"])
        assert page.evaluate("() => window.watches") == 2
        where = sent.value.post_data_json["where"]
        assert (round(where["lat"], 4), round(where["lon"], 4)) == (31.7652, 35.2139)
    finally:
        context.close()
