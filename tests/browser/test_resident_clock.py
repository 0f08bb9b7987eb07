"""The resident pages reckon the server's clock as the staff pages do: common.js's one
Magen.serverNow (review 17).

Before, resident.js kept an offset of its own and took it from every answer's Date header
(whole seconds, and an answer a cache or proxy kept says an old time): the resident's "now"
and a dispatcher's could disagree, and a report's time with them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

import pytest

from browser.browserkit import TZ, Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 740}
FAST = timedelta(hours=3)  # the phone's clock is this far ahead of the server's


def _phone_fast(browser: Any) -> Any:
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    context.clock.set_system_time(datetime.now(UTC) + FAST)
    return context


def _off_ms(page: Any) -> float:
    """How far the page's reckoning of the server's now is from the real now (ms)."""
    said = page.evaluate("() => window.Magen ? Magen.serverNow() : Date.now()")
    return float(said) - datetime.now(UTC).timestamp() * 1000


@pytest.mark.parametrize("path", ["/resident?lang=en", "/resident/silent?lang=ar"])
def test_a_phone_whose_clock_is_wrong_times_its_report_on_the_servers_clock(
    browser: Any, server: Server, path: str
) -> None:
    context = _phone_fast(browser)
    try:
        page = context.new_page()
        page.goto(f"{server.url}{path}")
        page.wait_for_function("() => window.magenResident")
        assert abs(_off_ms(page)) < 60_000
        # Kept for a copy of the page opened offline (its own time is then old).
        kept = float(page.evaluate("() => localStorage.getItem('magen.clock')"))
        assert abs(kept + FAST.total_seconds() * 1000) < 60_000, kept
        # A report is timed on the server's clock when pressed.
        form = page.locator("form[data-sos-form]")
        form.locator("[data-where] [name=lat]").evaluate("el => el.value = '31.768189'")
        form.locator("[data-where] [name=lon]").evaluate("el => el.value = '35.218725'")
        page.route("**/resident/sos", lambda route: route.fulfill(status=503, body="{}"))
        with page.expect_request(lambda r: r.url.endswith("/resident/sos")) as sent:
            form.locator("button[type=submit]").tap()
        body = parse_qs(sent.value.post_data or "")
        observed = datetime.fromisoformat(body["observed_at"][0])
        assert abs((observed - datetime.now(UTC)).total_seconds()) < 60, observed
    finally:
        context.close()


def test_an_answers_date_header_does_not_move_the_resident_pages_clock(
    browser: Any, server: Server
) -> None:
    # An advice answer with a Date an hour old (a cache's, a proxy's): before, the page took
    # the server to be an hour behind from then on.
    context = _phone_fast(browser)
    old = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    seen: list[str] = []

    def stale_date(route: Any) -> None:
        answer = route.fetch()
        seen.append(old)
        route.fulfill(response=answer, headers={**answer.headers, "date": old})

    try:
        page = context.new_page()
        page.route("**/api/v1/guidance?*", stale_date)
        page.goto(f"{server.url}/resident?lang=en&address=Dubnov 13")
        page.wait_for_function("() => window.magenResident")
        for _ in range(100):  # the advice is asked for at once, then every few seconds
            if seen:
                break
            page.wait_for_timeout(200)
        assert seen
        page.wait_for_timeout(500)  # the answer read
        assert abs(_off_ms(page)) < 60_000
        # The staff pages' reckoning and the resident page's are one: common.js's.
        assert page.evaluate("() => typeof Magen.serverNow === 'function'")
    finally:
        context.close()


def test_a_phone_clock_moved_after_the_page_loaded_is_noticed_once_a_place_is_set(
    browser: Any, server: Server
) -> None:
    # With a place set the page asks only for the advice there (the town's alerts, its other
    # source of the server's clock, are asked for only before a place is given). Before, it
    # learnt the server's clock only when the page loaded: a phone clock moved on after that
    # (set by hand, a network's wrong time) timed every report three hours late.
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    try:
        page = context.new_page()
        page.goto(f"{server.url}/resident?lang=en&address=Dubnov 13")
        page.wait_for_function("() => window.magenResident")
        assert page.locator("[data-where] [name=lat]").first.input_value()  # a place is set
        assert abs(_off_ms(page)) < 60_000
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url, timeout=30_000) as got:
            page.clock.set_system_time(datetime.now(UTC) + FAST)  # asked again at once
        assert got.value.status in (200, 304)  # an unchanged advice may be revalidated
        assert got.value.headers["magen-now"]  # the server's now, fresh on a 304 too
        page.wait_for_timeout(300)  # the answer read
        assert abs(_off_ms(page)) < 60_000, _off_ms(page)
        # A report pressed now is timed on the server's clock, not the phone's.
        form = page.locator("form[data-sos-form]")
        page.route("**/resident/sos", lambda route: route.fulfill(status=503, body="{}"))
        with page.expect_request(lambda r: r.url.endswith("/resident/sos")) as sent:
            form.locator("button[type=submit]").tap()
        body = parse_qs(sent.value.post_data or "")
        observed = datetime.fromisoformat(body["observed_at"][0])
        assert abs((observed - datetime.now(UTC)).total_seconds()) < 60, observed
    finally:
        context.close()


def test_a_phone_clock_moved_back_after_the_page_loaded_stops_neither_the_advice_nor_its_clock(
    browser: Any, server: Server
) -> None:
    # How often to ask was measured on the phone's wall clock: moved back three hours, the
    # advice was not asked for again for three hours (nor ever called stale meanwhile).
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    try:
        page = context.new_page()
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url):
            page.goto(f"{server.url}/resident?lang=en&address=Dubnov 13")
        page.wait_for_function("() => window.magenResident")
        page.clock.set_system_time(datetime.now(UTC) - FAST)
        # Asked again within its usual while (every 15 s at most), the phone's clock aside.
        with page.expect_response(lambda r: "/api/v1/guidance?" in r.url, timeout=25_000) as got:
            pass
        assert got.value.status == 200
        page.wait_for_timeout(300)  # the answer read
        assert abs(_off_ms(page)) < 60_000, _off_ms(page)
    finally:
        context.close()
