"""Withdraw on a duplicate family's row withdraws that family's link, not the other report's
match (real server, headless Chromium).

From a review: the row of a family whose report duplicates another passed the other report's
confirmed casualty match to Withdraw: pressing it reopened the other report and moved every
family linked to it, while the warning said the report on this family's person would search
again (it stayed a duplicate).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

WAIT_MS = 15_000
SCENE = {"lat": 31.7652, "lon": 35.2139}


@pytest.fixture
def desk(browser: Any, server: Server, page_errors: PageErrors) -> Iterator[Any]:
    context = browser.new_context(
        timezone_id=TZ, viewport={"width": 1440, "height": 1000}, locale="en-GB"
    )
    try:
        page = page_errors.watch(sign_in(context, server, "registrar", "/registry?lang=en"))
        page.wait_for_selector("body[data-ready='1']")
        page.wait_for_selector("#mode[data-mode=live]")
        yield page
    finally:
        context.close()


def _ok(r: Any) -> dict[str, Any]:
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


def _report(server: Server, full_name: str) -> str:
    body = {"name": {"full_name": full_name}}
    return str(_ok(server.post("family1", "/api/v1/persons/missing", body))["id"])


def _confirmed(server: Server, report_id: str, kind: str, candidate: str) -> str:
    body = {"report_id": report_id, "candidate_kind": kind, "candidate_id": candidate, "score": 0.9}
    match_id = str(_ok(server.post("registrar", "/api/v1/persons/matches", body))["id"])
    _ok(server.post("registrar", f"/api/v1/persons/matches/{match_id}/confirm", {}))
    return match_id


def _status(server: Server, report_id: str) -> str:
    """The report's status as its family sees it."""
    reports = _ok(server.get("family1", "/api/v1/persons/family"))["reports"]
    (mine,) = [x for x in reports if x["report_id"] == report_id]
    return str(mine["status"])


def test_withdraw_on_a_duplicates_row_undoes_its_own_link_and_names_its_report(
    desk: Any, server: Server
) -> None:
    tag = uuid.uuid4().hex[:6]
    primary_name, dup_name = f"Miriam Azulay {tag}", f"Miri Azoulay {tag}"
    primary = _report(server, primary_name)
    body = {"tag": f"WD-{tag}", "where": SCENE, "place": "Dubnov 13"}
    casualty = str(_ok(server.post("officer1", "/api/v1/casualties", body))["id"])
    found = _confirmed(server, primary, "casualty", casualty)
    dup = _report(server, dup_name)
    link = _confirmed(server, dup, "missing", primary)  # the second report duplicates it

    # The duplicate's family waits to hear the other report's outcome: its own row.
    row = desk.locator(f'[data-tell-list] li[data-id="{dup}|{found}"]')
    row.wait_for(timeout=WAIT_MS)
    assert f"Duplicate report; the outcome of {primary_name}" in row.inner_text()
    row.locator("[data-withdraw]").click()
    box = row.locator(".withdraw-box")
    box.locator("textarea[name=withdraw_reason]").fill("a different woman, the family says")
    box.locator("[data-withdraw-next]").click()
    sure = box.locator("[data-withdraw-sure]").inner_text()
    assert f"The report on {dup_name} will search again" in sure
    screenshot(desk, "registry-withdraw-duplicate-row-en")
    with desk.expect_response(lambda r: "/withdraw" in r.url) as sent:
        box.locator("[data-withdraw-yes]").click()
    assert sent.value.status == 201, sent.value.text()
    assert sent.value.url.endswith(f"/matches/{link}/withdraw")  # not the other's {found}

    assert _status(server, dup) == "searching"
    assert _status(server, primary) == "found"  # the other report's match stays
    done = desk.locator("[data-withdraw-done]")
    done.wait_for(timeout=WAIT_MS)
    assert dup_name in done.inner_text()
