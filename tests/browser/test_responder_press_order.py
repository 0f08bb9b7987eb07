"""The responder's status presses land in the order pressed, and are answered in sight.

- "En route" lost on its way and "engaged" pressed 0.3 s later: engaged stands (the old press
  is never sent again after the newer one).
- A press made offline is said kept beside its buttons, in sight; the connection banner stays
  in sight as the page scrolls; when the connection comes back it is sent and said done.
- A late answer to an earlier press does not put it back on the top line over a later one.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import (
    PageErrors,
    Server,
    add_account,
    responder_phone,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

KEPT = "No connection: kept on this phone"
ORDER, BESIDE, LATE = "resp_status_order", "resp_said_beside", "resp_late_answer"


@pytest.fixture(scope="module")
def accounts(server: Server) -> None:
    for username in (ORDER, BESIDE, LATE):
        add_account(server, username, "responder")


def _my_status(server: Server, username: str) -> str:
    me = server.get(username, "/api/v1/accounts/me").json()["account_id"]
    (mine,) = [r for r in server.picture()["responders"] if r["id"] == me]
    return str(mine["status"])


def test_a_status_lost_on_its_way_does_not_land_after_the_next_one(
    browser: Any, server: Server, accounts: None, page_errors: PageErrors
) -> None:
    context, page = responder_phone(browser, server, ORDER, page_errors)
    try:
        sent: list[str] = []
        lost: list[str] = []

        def first_lost(route: Any) -> None:
            st = route.request.post_data_json["status"]
            sent.append(st)
            if not lost:  # the first one never reaches the server
                lost.append(st)
                route.abort()
            else:
                route.continue_()

        page.route("**/api/v1/responders/status", first_lost)
        page.click("[data-status=en_route]")
        page.wait_for_timeout(300)
        with page.expect_response(lambda r: r.url.endswith("/responders/status")) as engaged:
            page.click("[data-status=engaged]")
        assert engaged.value.ok, engaged.value.text()
        page.wait_for_timeout(3000)  # an old press sent again would have landed by now
        assert lost == ["en_route"]
        assert sent[-1] == "engaged", sent
        assert _my_status(server, ORDER) == "engaged"
        expect(page.locator("[data-status=engaged]")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("[data-current-status]")).to_have_text("Engaged")
    finally:
        context.close()


def test_a_press_offline_is_said_kept_in_sight_and_sent_when_the_connection_returns(
    browser: Any, server: Server, accounts: None, page_errors: PageErrors
) -> None:
    context, page = responder_phone(browser, server, BESIDE, page_errors)
    try:
        answer = page.locator("[data-status-answer]")
        context.set_offline(True)
        banner = page.locator("#banner")
        expect(banner).to_be_visible(timeout=15_000)
        page.locator("[data-status=wounded]").scroll_into_view_if_needed()
        page.click("[data-status=wounded]")
        expect(answer).to_contain_text(KEPT, timeout=20_000)
        expect(answer).to_be_in_viewport()
        # Scrolled down to the sighting, the lost connection is still said over the page.
        page.locator("[data-sighting-form] button[type=submit]").scroll_into_view_if_needed()
        assert page.evaluate("window.scrollY") > 200
        expect(banner).to_be_in_viewport()
        # Back online: the kept press is sent, and said done where "kept" was.
        context.set_offline(False)
        expect(banner).to_be_hidden(timeout=20_000)
        expect(answer).to_have_text("Wounded", timeout=20_000)
        assert KEPT not in page.locator("main").inner_text()
    finally:
        context.close()


def test_a_late_answer_to_an_earlier_press_does_not_overwrite_the_latest(
    browser: Any, server: Server, accounts: None, page_errors: PageErrors
) -> None:
    context, page = responder_phone(browser, server, LATE, page_errors)
    try:
        held: list[tuple[Any, Any]] = []

        def hold(route: Any) -> None:  # answered only when the test says so
            held.append((route, route.fetch()))

        page.route("**/api/v1/sightings", hold)
        page.click("[data-sighting-form] button[type=submit]")
        for _ in range(100):
            if held:
                break
            page.wait_for_timeout(100)
        assert held, "the sighting was never sent"
        with page.expect_response(lambda r: r.url.endswith("/responders/status")) as st:
            page.click("[data-status=available]")
        assert st.value.ok, st.value.text()
        top = page.locator("[data-status-line]")
        expect(top).to_have_text("Available")
        (route, response) = held[0]
        route.fulfill(response=response)
        page.wait_for_timeout(1000)  # the sighting's answer is in
        expect(top).to_have_text("Available")
        expect(page.locator("[data-sighting-answer]")).to_contain_text("Sent (")
    finally:
        context.close()
