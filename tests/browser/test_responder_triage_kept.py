"""A medic's triage in progress is never lost (audit 6).

A medic (he and en, 390x844, touch) answers START: not walking, breathing, and types 200
breaths a minute by mistake. The phone says beside the field, in the page's language, that
the count is a whole number from 1 to 150, and sends nothing; the question and the number
stay. Corrected, the step is refused by the server (busy, 503) and then lost to the network:
each time the question and the answers before it stay on screen, the reason is said beside
them with a button to try again, and trying again takes the triage on to the tag.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from browser.browserkit import PASSWORD, TZ, PageErrors, Server, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 390, "height": 844}
MEDIC = "medic_kept"
STEP = "/api/v1/triage/step"
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def medic(server: Server) -> None:
    r = server.post(
        "admin",
        "/api/v1/accounts",
        {"username": MEDIC, "password": PASSWORD, "role": "medic", "display_name": MEDIC},
    )
    assert r.status_code == 201, r.text


def _to_the_count(page: Any) -> Any:
    """START: walks? no; breathes? yes; the count's field is on screen."""
    triage = page.locator("[data-triage]")
    with page.expect_response(lambda r: r.url.endswith(STEP)) as first:
        page.click("[data-triage-start]")
    assert first.value.status == 200
    triage.locator("button").nth(1).wait_for()
    walks = triage.locator(".action").inner_text()
    with page.expect_response(lambda r: r.url.endswith(STEP)) as answered:
        triage.locator("button").nth(1).tap()  # no
    assert answered.value.status == 200
    page.wait_for_function(
        "q => document.querySelector('[data-triage] .action')?.textContent !== q", arg=walks
    )
    with page.expect_response(lambda r: r.url.endswith(STEP)) as answered:
        triage.locator("button").nth(0).tap()  # yes
    assert answered.value.status == 200
    count = triage.locator("input[type=number]")
    count.wait_for()
    return count


@pytest.mark.parametrize("lang", ["he", "en"])
def test_a_mistyped_count_a_refusal_and_no_network_keep_the_triage_in_progress(
    browser: Any, server: Server, medic: None, page_errors: PageErrors, lang: str
) -> None:
    context = browser.new_context(
        timezone_id=TZ,
        viewport=PHONE,
        locale="he-IL" if lang == "he" else "en-GB",
        has_touch=True,
        is_mobile=True,
    )
    try:
        page = page_errors.watch(sign_in(context, server, MEDIC, f"/responder?lang={lang}"))
        page.wait_for_selector("body[data-ready]")
        triage = page.locator("[data-triage]")
        count = _to_the_count(page)
        question = triage.locator(".action").inner_text()
        sent: list[str] = []
        page.on("request", lambda r: sent.append(r.url) if r.url.endswith(STEP) else None)

        # 200 a minute: nothing is sent, the question stays, and why is said beside the
        # field in the page's language.
        count.fill("200")
        triage.locator("button").tap()
        page.wait_for_timeout(300)
        assert sent == []
        assert triage.locator(".action").inner_text() == question
        wrong = triage.locator("[data-count-error]")
        wrong.wait_for()
        said = wrong.inner_text()
        assert "1" in said, said
        assert "150" in said, said
        if lang == "he":
            assert not LATIN.search(said), said
            assert "מספר שלם" in said
        else:
            assert said == "A whole number from 1 to 150."
        assert count.get_attribute("aria-invalid") == "true"
        assert count.input_value() == "200"
        # The error stands beside the field, on the screen the medic is looking at.
        box = wrong.bounding_box()
        field = count.bounding_box()
        assert box is not None
        assert field is not None
        assert 0 <= box["y"] - field["y"] < 200, (box, field)
        screenshot(page, f"responder-triage-count-range-{lang}")
        # Not a whole number: the same.
        count.fill("3.5")
        triage.locator("button").tap()
        assert wrong.is_visible()
        assert sent == []

        # Corrected, but the server is busy: the question, the number and the answers before
        # them stay; why is said beside them with a button to try again.
        count.fill("40")
        page.route(
            f"**{STEP}",
            lambda route: route.fulfill(
                status=503, content_type="application/json", body='{"reason": "busy"}'
            ),
        )
        with page.expect_response(lambda r: r.url.endswith(STEP)) as busy:
            triage.locator("button").tap()
        assert busy.value.status == 503
        assert busy.value.request.post_data_json["answers"] == {
            "walks": False,
            "breathes": True,
            "respiratory_rate": 40,
        }
        refused = triage.locator("[data-step-answer].error")
        refused.wait_for()
        assert wrong.is_hidden()
        assert triage.locator(".action").inner_text() == question
        assert count.input_value() == "40"
        retry = refused.locator("[data-step-retry]")
        assert retry.is_visible()
        if lang == "he":
            assert not LATIN.search(refused.inner_text()), refused.inner_text()
        assert page.locator("[data-error]").is_hidden()
        screenshot(page, f"responder-triage-refused-{lang}")
        page.unroute(f"**{STEP}")

        # No network: the same, said as no connection.
        context.set_offline(True)
        retry.tap()
        no_net = "אין חיבור" if lang == "he" else "No connection"
        page.wait_for_function(
            "t => document.querySelector('[data-step-answer]')?.textContent.includes(t)",
            arg=no_net,
        )
        assert triage.locator(".action").inner_text() == question
        assert count.input_value() == "40"
        context.set_offline(False)

        # Trying again takes the triage on: red, from the answers kept.
        with page.expect_response(lambda r: r.url.endswith(STEP)) as done:
            triage.locator("[data-step-retry]").tap()
        assert done.value.status == 200, done.value.text()
        assert done.value.request.post_data_json["answers"]["respiratory_rate"] == 40
        triage.locator(".tag.red").wait_for()
        assert triage.locator("[data-step-answer]").count() == 0
    finally:
        context.close()


def test_a_refused_start_keeps_the_start_button_and_says_why_beside_it(
    browser: Any, server: Server, medic: None, page_errors: PageErrors
) -> None:
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, locale="he-IL", has_touch=True, is_mobile=True
    )
    try:
        page = page_errors.watch(sign_in(context, server, MEDIC, "/responder?lang=he"))
        page.wait_for_selector("body[data-ready]")
        triage = page.locator("[data-triage]")
        page.route(
            f"**{STEP}",
            lambda route: route.fulfill(
                status=429, content_type="application/json", body='{"reason": "slow down"}'
            ),
        )
        with page.expect_response(lambda r: r.url.endswith(STEP)) as busy:
            page.click("[data-triage-start]")
        assert busy.value.status == 429
        triage.locator("[data-step-answer].error").wait_for()
        assert triage.locator("[data-triage-start]").is_visible()
        page.unroute(f"**{STEP}")
        with page.expect_response(lambda r: r.url.endswith(STEP)) as asked:
            triage.locator("[data-step-retry]").tap()
        assert asked.value.status == 200
        triage.locator("[data-question=walks]").wait_for()
    finally:
        context.close()
