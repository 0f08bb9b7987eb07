"""A responder's task whose call has closed says so, and where it last was.

The API sends such a task with `target_open: false` and no route, and the call leaves the
picture: the phone says the call has closed and to ask dispatch, and marks its last known
place on the map when it saw one.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import (
    PageErrors,
    Server,
    add_account,
    phone_context,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

CLOSED = "resp_task_closed"


@pytest.fixture(scope="module")
def accounts(server: Server) -> None:
    for username in (CLOSED,):
        add_account(server, username, "responder")


def test_a_task_whose_call_closed_says_so_and_where_it_last_was(
    browser: Any, server: Server, accounts: None, page_errors: PageErrors
) -> None:
    me = server.get(CLOSED, "/api/v1/accounts/me").json()["account_id"]
    place = {"lat": 31.7571, "lon": 35.2125}
    served = [0]

    def picture(route: Any) -> None:
        """The first picture has my task's call open; the next ones have it closed and gone."""
        real = route.fetch().json()
        served[0] += 1
        open_ = served[0] == 1
        real["assignments"] = [
            {
                "id": "asg_closed_1",
                "responder_id": me,
                "target": {"kind": "incident", "id": "inc_closed_1"},
                "target_open": open_,
                "route": None,
                "status": "acknowledged",
                "active": True,
                "note": "",
            }
        ]
        if open_:
            real["incidents"] = [*real.get("incidents", []), {"id": "inc_closed_1", **place}]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(real))

    context = phone_context(browser)
    try:
        context.route(re.compile(r".*/api/v1/picture(\?.*)?$"), picture)
        page = page_errors.watch(sign_in(context, server, CLOSED, "/responder?lang=en"))
        page.wait_for_selector("body[data-ready]")
        task = page.locator("[data-assignment]")
        expect(task.locator("[data-task=acknowledged]")).to_be_visible()
        expect(task.locator("[data-task-closed]")).to_have_count(0)
        # Anything on the live feed asks for the picture again: now the call has closed.
        far = {"lat": 31.7701, "lon": 35.2301}
        r = server.post(None, "/api/v1/sos", {"where": far, "people": 1, "injured": 0})
        assert r.status_code == 201, r.text
        closed = task.locator("[data-task-closed]")
        expect(closed).to_have_text(
            "This call has closed and is no longer on the map: ask dispatch."
            " Its last known place is marked on the map.",
            timeout=15_000,
        )
        assert served[0] >= 2
        # Its last known place is on the map, marked as a task's target is.
        page.wait_for_function("() => window.magenResponder.map")
        assert page.locator("#map path[stroke='#b00020'][stroke-width='4']").count() == 1
    finally:
        context.close()
