"""A picture whose recommendations lag it is asked for again, with no event to prompt it.

The server reuses a slow plan for a while (app/dispatch.py SLOW_PLAN_S): a picture can show a
call before the recommendations for it. The console asked for the next picture only on the
next event, so in a quiet moment a call could stay on the screen without its recommendation.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from browser.browserkit import PageErrors, Server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

VIEWPORT = {"width": 1366, "height": 768}


@pytest.mark.parametrize("behind", [True, False])
def test_a_picture_with_recommendations_behind_it_is_asked_for_again(
    browser: Any, server: Server, page_errors: PageErrors, behind: bool
) -> None:
    asked: list[float] = []

    def serve(route: Any) -> None:
        asked.append(time.monotonic())
        answer = route.fetch()
        picture = answer.json()
        recs = picture.get("recommendations")
        if isinstance(recs, dict):
            recs["position"] = picture["position"] - (1 if behind else 0)
        route.fulfill(response=answer, body=json.dumps(picture))

    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    try:
        context.route(re.compile(r".*/api/v1/picture$"), serve)
        page = page_errors.watch(sign_in(context, server, "dispatcher", "/console?lang=en"))
        page.wait_for_selector("#mode[data-mode=live]")
        page.wait_for_timeout(1500)  # the first pictures (boards, proposals) settle
        start = len(asked)
        page.wait_for_timeout(3500)
        again = len(asked) - start
    finally:
        context.close()
    if behind:
        assert again >= 2, asked  # about one a second, capped, while they lag
    else:
        assert again <= 1, asked  # nothing lags and nothing happens: no more asking


def test_a_medic_sent_in_with_an_armed_escort_is_said_to_reach_the_wounded(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    """The route of a medic the escort rule lets into a danger area enters it to reach the
    wounded, not "to reach the threat" (the words of an armed responder's route)."""
    medic = {
        "id": "rec_escorted",
        "responder_id": "rsp_medic",
        "responder_kind": "medic",
        "target": {"kind": "incident", "id": "inc_x"},
        "task_facts": [{"code": "people", "n": 2}, {"code": "injured", "n": 1}],
        "need": {"index": 1, "requires": ["medic"], "fact": {"code": "armed_escort", "n": None}},
        "travel_s": 240.0,
        "priority": 20.0,
        "mode": "by_car",
        "nearest": True,
        "nearer_needed_elsewhere": 0,
        "leaves": [],
        "avoids": [],
        "enters": ["da_escort"],
    }

    def serve(route: Any) -> None:
        answer = route.fetch()
        picture = answer.json()
        recs = picture.get("recommendations") or {}
        recs["recommendations"] = [medic]
        recs["unmet"] = []
        recs["position"] = picture["position"]
        picture["recommendations"] = recs
        route.fulfill(response=answer, body=json.dumps(picture))

    context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    try:
        context.route(re.compile(r".*/api/v1/picture$"), serve)
        page = page_errors.watch(sign_in(context, server, "dispatcher", "/console?lang=en"))
        row = page.locator('[data-panel="recommendations"] li[data-id="rec_escorted"]')
        row.wait_for()
        said = row.inner_text()
        assert "with the armed escort assigned" in said, said
        assert "to reach the wounded" in said, said
        assert "to reach the threat" not in said, said
    finally:
        context.close()
