"""A responder's sighting and statuses pressed with no connection are kept on the phone.

Pressed offline, they are kept (localStorage, responder.js's outbox) with their command ids and
the time they were pressed, and "waiting to send (n)" is said beside their buttons. They stay
kept across a reload of the page, and once the server can be reached they are sent, in the
order pressed, each recorded once with the time it was pressed (not the time it arrived);
the waiting lines clear. An older status still waiting when a newer one is pressed is dropped
(never "wounded").

The responder page is not kept by the service worker (sw.js keeps the resident pages only):
it cannot be opened with no network. The reload is made with the network back but the
two commands' addresses still failing, so the page opens and what it kept cannot be sent yet.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from browser.browserkit import (
    PageErrors,
    Server,
    add_account,
    checked_in,
    phone_context,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

USER = "resp_outbox"
KEPT = "No connection: kept on this phone"
COMMANDS = ("**/api/v1/responders/status", "**/api/v1/sightings")


@pytest.fixture(scope="module")
def account(server: Server) -> None:
    add_account(server, USER, "responder")


def _head(server: Server) -> int:
    r = server.get("admin", "/api/v1/events?after=0&limit=1")
    r.raise_for_status()
    return int(r.json()["head"])


def _events_after(server: Server, after: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        r = server.get("admin", f"/api/v1/events?after={after}&limit=1000")
        r.raise_for_status()
        batch = r.json()["events"]
        if not batch:
            return out
        out.extend(batch)
        after = batch[-1]["position"]


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def test_presses_offline_survive_a_reload_and_are_sent_once_in_order_with_their_time(
    browser: Any, server: Server, account: None, page_errors: PageErrors
) -> None:
    context = phone_context(browser)
    try:
        page = checked_in(page_errors.watch(sign_in(context, server, USER, "/responder?lang=en")))
        me = server.get(USER, "/api/v1/accounts/me").json()["account_id"]
        start = _head(server)

        posted: list[dict[str, Any]] = []  # every command the phone put on the wire
        context.on(
            "request",
            lambda req: (
                posted.append(req.post_data_json)
                if req.method == "POST" and req.url.endswith(("/responders/status", "/sightings"))
                else None
            ),
        )

        context.set_offline(True)
        expect(page.locator("#banner")).to_be_visible(timeout=15_000)
        pressed_from = datetime.now(UTC)
        page.click("[data-status=en_route]")
        page.fill("[data-sighting-form] [name=count]", "3")
        page.click("[data-sighting-form] button[type=submit]")
        page.click("[data-status=wounded]")
        page.click("[data-status=engaged]")  # drops en_route (still waiting), never wounded
        pressed_to = datetime.now(UTC)

        waiting_status = page.locator("[data-outbox=status]")
        waiting_sighting = page.locator("[data-outbox=sighting]")
        expect(waiting_status).to_have_text("Waiting to send: 2")
        expect(waiting_sighting).to_have_text("Waiting to send: 1")
        expect(waiting_status).to_be_in_viewport()
        expect(page.locator("[data-sighting-answer]")).to_contain_text(KEPT)
        expect(page.locator("[data-status-answer]")).to_contain_text(KEPT)
        kept = page.evaluate("() => JSON.parse(localStorage.getItem('magen.responder.outbox'))")
        assert [(x["kind"], x.get("st")) for x in kept] == [
            ("sighting", None),
            ("status", "wounded"),
            ("status", "engaged"),
        ]
        ids = [x["id"] for x in kept]
        pressed = {x["id"]: _at(x["body"]["observed_at"]) for x in kept}
        for at in pressed.values():
            assert pressed_from - timedelta(seconds=2) <= at <= pressed_to + timedelta(seconds=2)
        assert posted == []  # nothing tried with no network

        # Back on the network, but the commands still fail: the page opens again, keeps them.
        for pattern in COMMANDS:
            context.route(pattern, lambda route: route.abort())
        context.set_offline(False)
        page.reload()
        page.wait_for_selector("body[data-ready]")
        expect(waiting_status).to_have_text("Waiting to send: 2")
        expect(waiting_sighting).to_have_text("Waiting to send: 1")
        for _ in range(50):  # the reloaded page has tried them (and failed)
            if posted:
                break
            page.wait_for_timeout(100)
        assert posted, "the reloaded page never tried to send what it kept"
        kept_after = page.evaluate(
            "() => JSON.parse(localStorage.getItem('magen.responder.outbox'))"
        )
        assert [x["id"] for x in kept_after] == ids
        time.sleep(1.5)  # sent later than pressed: the times recorded must be the presses'

        for pattern in COMMANDS:
            context.unroute(pattern)
        expect(waiting_status).to_be_hidden(timeout=20_000)
        expect(waiting_sighting).to_be_hidden(timeout=20_000)
        expect(page.locator("[data-current-status]")).to_have_text("Engaged", timeout=10_000)
        assert page.evaluate("() => localStorage.getItem('magen.responder.outbox')") == "[]"
        assert KEPT not in page.locator("main").inner_text()

        # Each sent under its own command id with its press time, every time it was tried.
        for body in posted:
            assert body["command_id"] in ids
            assert _at(body["observed_at"]) == pressed[body["command_id"]]
        sent_order = list(dict.fromkeys(b["command_id"] for b in posted))
        assert sent_order == ids, "not sent in the order pressed"

        events = _events_after(server, start)
        sightings = [
            e
            for e in events
            if e["type"] == "ThreatSighted"
            and e["data"]["sighting_id"] == "sig_" + uuid.UUID(ids[0]).hex[:20]
        ]
        assert len(sightings) == 1, sightings
        assert _at(sightings[0]["data"]["observed_at"]) == pressed[ids[0]]
        assert sightings[0]["data"]["count"] == 3
        statuses = [
            e
            for e in events
            if e["type"] == "ResponderStatusChanged" and e["data"]["responder_id"] == me
        ]
        assert [e["data"]["status"] for e in statuses] == ["wounded", "engaged"], statuses
        for e, cid in zip(statuses, ids[1:], strict=True):
            assert _at(e["data"]["observed_at"]) == pressed[cid]
            assert _at(e["recorded_at"]) - pressed[cid] > timedelta(seconds=1)
    finally:
        context.close()
