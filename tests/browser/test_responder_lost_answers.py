"""The responder's phone when an answer is lost: pressed again, it is the same command.

A lost answer is simulated as a weak link makes it: the request reaches the server (Playwright
fetches it) and its answer never reaches the page (aborted). Pressed again, the same command is
sent again (its id, its content): the server answers it once more and records nothing twice.

- A casualty recorded whose answer was lost: the second press opens its card (it was not
  refused as "the tag is already on another casualty").
- A tourniquet tapped again after a lost answer is one tourniquet on the record.
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

NOT_SENT = "No connection: not sent."
READER = "medic_lost_reader"  # reads the casualties board (a responder may not)
RECORD, TQ = "resp_lost_record", "resp_lost_tq"


@pytest.fixture(scope="module")
def accounts(server: Server) -> None:
    for username in (RECORD, TQ):
        add_account(server, username, "responder")
    add_account(server, READER, "medic")


def _lose_answer(route: Any) -> None:
    """The request reaches the server; its answer never reaches the page."""
    route.fetch()
    route.abort()


def _triage_red(page: Any, tag: str) -> Any:
    """START (not walking, breathing 40 a minute: red) up to the tag typed; the triage box."""
    triage = page.locator("[data-triage]")
    page.click("[data-triage-start]")
    triage.locator("button").nth(1).wait_for()
    first = triage.locator(".action").inner_text()
    triage.locator("button").nth(1).click()  # walks? no
    page.wait_for_function(
        "q => document.querySelector('[data-triage] .action')?.textContent !== q", arg=first
    )
    triage.locator("button").nth(0).click()  # breathes? yes
    triage.locator("input[type=number]").fill("40")
    triage.locator("button").click()
    triage.locator("input[name=tag]").fill(tag)
    return triage


def _casualties(server: Server, tag: str) -> list[dict[str, Any]]:
    board = server.get(READER, "/api/v1/casualties")
    assert board.status_code == 200, board.text
    return [c for c in board.json() if c["tag"].upper() == tag.upper()]


def test_a_casualty_whose_answer_was_lost_opens_its_card_when_pressed_again(
    browser: Any, server: Server, accounts: None, page_errors: PageErrors
) -> None:
    context, page = responder_phone(browser, server, RECORD, page_errors)
    try:
        triage = _triage_red(page, "LOST-REC-1")
        page.route("**/api/v1/casualties", _lose_answer)
        triage.locator("[data-record]").click()
        line = triage.locator("[data-record-answer]")
        expect(line).to_contain_text(NOT_SENT, timeout=20_000)
        assert len(_casualties(server, "LOST-REC-1")) == 1  # recorded all the same
        page.unroute("**/api/v1/casualties", _lose_answer)
        with page.expect_response(lambda r: r.url.endswith("/api/v1/casualties")) as again:
            triage.locator("[data-record]").click()
        assert again.value.ok, again.value.text()  # the same command, answered again
        (casualty,) = _casualties(server, "LOST-REC-1")
        assert again.value.json()["id"] == casualty["id"]
        page.locator(f'[data-casualty="{casualty["id"]}"]').wait_for()
        expect(line).to_contain_text("LOST-REC-1")
    finally:
        context.close()


def test_a_tourniquet_tapped_again_after_a_lost_answer_is_one_tourniquet(
    browser: Any, server: Server, accounts: None, page_errors: PageErrors
) -> None:
    context, page = responder_phone(browser, server, TQ, page_errors)
    try:
        triage = _triage_red(page, "LOST-TQ-1")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/casualties")) as recorded:
            triage.locator("[data-record]").click()
        casualty = recorded.value.json()["id"]
        block = page.locator(f'[data-casualty="{casualty}"] [data-cc-tourniquet]')
        page.route("**/interventions", _lose_answer)
        block.locator("[data-tq-site=left_leg]").click()
        expect(block.locator(".cc-answer")).to_contain_text(NOT_SENT, timeout=20_000)
        page.unroute("**/interventions", _lose_answer)
        with page.expect_response(lambda r: r.url.endswith("/interventions")) as again:
            block.locator("[data-tq-site=left_leg]").click()
        assert again.value.ok, again.value.text()
        expect(block.locator(".cc-answer.done")).to_be_visible()
        (seen,) = _casualties(server, "LOST-TQ-1")
        assert [(i["kind"], i["site"]) for i in seen["interventions"]] == [
            ("tourniquet", "left_leg")
        ]
    finally:
        context.close()
