"""The console under a busy feed, the tracks to confirm, lifting a danger area, who gave an order.

A busy feed (a responder's position reports posted about ten times a second) draws the
console about once a second, never on every event; an SOS and an act of the dispatcher's own
are drawn at once. Stale tracks sink under a heading of their own below the fresh ones.
Lifting a danger area whose group is not closed says so and asks a second, deliberate press.
A lock-in's row names who gave it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from browser.browserkit import (
    POSTER,
    TZ,
    PageErrors,
    Server,
    busy_feed,
    fake_track,
    screenshot,
    sign_in,
)
from magen.web.words_console import WORDS

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

VIEWPORT = {"width": 1366, "height": 768}
DRAWS = "() => window.magenConsole.draws()"
ZONE = ZoneInfo(TZ)


def _ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def _track(tid: str, lat: float, minutes_ago: float, **extra: Any) -> dict[str, Any]:
    return fake_track(tid, lat, minutes_ago, **extra)


def _danger(did: str, threat_id: str | None, lat: float) -> dict[str, Any]:
    title = {"he": "אזור סכנה", "ar": "منطقة خطر", "en": "Danger area " + did}
    return {
        "id": did,
        "title": title,
        "reason": "armed_attackers",
        "area": {"kind": "circle", "lat": lat, "lon": 35.2120, "radius_m": 150},
        "note": "",
        "threat_id": threat_id,
        "declared_at": _ago(20),
    }


@contextmanager
def _served(
    browser: Any,
    server: Server,
    page_errors: PageErrors,
    real: dict[str, Any] | None,
    lang: str = "en",
    on_act: Callable[[Any], None] | None = None,
) -> Iterator[tuple[Any, list[Any]]]:
    """The console (served `real` as its picture when given), with the acts it sends kept in
    a list and answered by the test (`on_act` first): nothing is confirmed or lifted on the
    shared server."""
    sent: list[Any] = []

    def picture(route: Any) -> None:
        assert real is not None
        real["generated_at"] = datetime.now(UTC).isoformat()
        route.fulfill(status=200, content_type="application/json", body=json.dumps(real))

    def act(route: Any) -> None:
        sent.append(route.request)
        if on_act is not None:
            on_act(route.request)
        route.fulfill(status=201, content_type="application/json", body='{"replayed": false}')

    context = browser.new_context(timezone_id=TZ, viewport=VIEWPORT, locale="en-GB")
    try:
        if real is not None:
            context.route(re.compile(r".*/api/v1/picture$"), picture)
            context.route(re.compile(r".*/api/v1/tracks/.*"), act)
            context.route(re.compile(r".*/api/v1/danger-areas/.*/lift$"), act)
        page = page_errors.watch(sign_in(context, server, "dispatcher", f"/console?lang={lang}"))
        page.wait_for_selector("#mode[data-mode=live]")
        yield page, sent
    finally:
        context.close()


def test_a_busy_feed_draws_about_once_a_second_and_a_new_sos_at_once(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    with _served(browser, server, page_errors, None) as (page, _sent), busy_feed(server) as posted:
        time.sleep(1.5)
        start, before, began = posted[0], page.evaluate(DRAWS), time.monotonic()
        time.sleep(6.0)
        after, took = page.evaluate(DRAWS), time.monotonic() - began
        events = posted[0] - start
        drawn = after["pictures"] - before["pictures"]
        panels = {k: n - before["panels"].get(k, 0) for k, n in after["panels"].items()}
        print(f"{events} events, {drawn} pictures drawn in {took:.1f} s; panels {panels}")
        assert events >= 30, "the feed was not busy"
        assert drawn >= 2, "the busy feed drew nothing"
        assert drawn <= took * 1.0 + 1.5, (drawn, took)  # about once a second, not per event
        assert max(panels.values(), default=0) <= took * 1.0 + 1.5, panels

        # A call for help while the feed is busy, sent just as a picture came (the next one
        # the cap allows is a second away): on the console at once.
        with page.expect_response(re.compile(r".*/api/v1/picture$")):
            pass
        began = time.monotonic()
        r = server.post(None, "/api/v1/sos", {"where": {"lat": 31.7583, "lon": 35.2139}})
        assert r.status_code == 201, r.text
        page.wait_for_selector(f'[data-panel="incidents"] li[data-sos~="{r.json()["id"]}"]')
        waited = time.monotonic() - began
        print(f"the SOS was on the console {waited:.2f} s after it was sent")
        assert waited < 0.8, waited


def test_what_the_dispatcher_just_did_is_drawn_at_once_on_abusy_feed(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    real = server.picture()
    real["tracks"] = [_track("trk_cap_a", 31.7560, 1), _track("trk_cap_b", 31.7570, 2)]

    def confirmed(request: Any) -> None:  # the next picture has it confirmed
        real["tracks"][0] = {**real["tracks"][0], "status": "confirmed", "confirmed": True}

    with (
        _served(browser, server, page_errors, real, on_act=confirmed) as (page, sent),
        busy_feed(server),
    ):
        row = '[data-panel="tracks"] li[data-id="trk_cap_a"]'
        page.wait_for_selector(row)
        page.wait_for_timeout(1500)  # the cap at work (routes are answered while waiting)
        # Pressed just as a picture came: the next one the cap allows is a second away.
        with page.expect_response(re.compile(r".*/api/v1/picture$")):
            pass
        began = time.monotonic()
        page.locator(f"{row} button[data-key=c]").click()
        page.wait_for_selector(row, state="detached")
        waited = time.monotonic() - began
        print(f"confirmed, and off the list {waited:.2f} s after the press")
        assert [r.url for r in sent][-1].endswith("/tracks/trk_cap_a/confirm")
        assert waited < 0.6, waited


def test_stale_tracks_sink_under_their_own_heading_below_the_fresh_ones(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    real = server.picture()
    real["tracks"] = [
        _track("trk_old_1", 31.7550, 40),
        _track("trk_new_1", 31.7556, 3),
        _track("trk_old_2", 31.7562, 12),
        _track("trk_new_2", 31.7568, 1),
        _track("trk_old_3", 31.7574, 90),
    ]
    with _served(browser, server, page_errors, real) as (page, _sent):
        panel = page.locator('[data-panel="tracks"]')
        page.wait_for_selector('[data-panel="tracks"] li.subhead')
        rows = panel.locator("li").evaluate_all(
            "ls => ls.map(l => l.dataset.id || (l.className + ':' + l.textContent))"
        )
        # Fresh ones first, latest seen first; then the heading; then the stale, latest first.
        assert rows == [
            "trk_new_2",
            "trk_new_1",
            "subhead:Stale, not seen lately: \u20663\u2069",
            "trk_old_2",
            "trk_old_1",
            "trk_old_3",
        ], rows
        assert panel.locator("[data-count]").inner_text() == "\u20662\u2069 + \u20663\u2069 stale"
        # A stale one still says how old it is, and can still be confirmed or dismissed.
        old = panel.locator('li[data-id="trk_old_1"]')
        assert old.inner_text().startswith("last seen \u206640\u2069 min ago"), old.inner_text()
        assert old.locator("button[data-key=d]").count() == 1
        # The keys walk the rows, never the heading.
        page.keyboard.press("Escape")
        ids = page.eval_on_selector_all(
            '#panels section:not([hidden]) li[data-id][data-kind="tracks"]',
            "ls => ls.map(l => l.dataset.id)",
        )
        assert "stale-heading" not in ids, ids
        assert len(ids) == 5, ids
        screenshot(page, "console-tracks-stale-heading")
        # No stale one left: no heading, and the count is the plain number.
        real["tracks"] = [t for t in real["tracks"] if t["status"] != "stale"]
        page.evaluate("() => window.magenConsole.redraw()")
        server.post(POSTER, "/api/v1/responders/position", {"where": {"lat": 31.76, "lon": 35.21}})
        page.wait_for_selector('[data-panel="tracks"] li.subhead', state="detached")
        assert panel.locator("[data-count]").inner_text() == "2"


@pytest.mark.parametrize("lang", ["en", "he", "ar"])
def test_lifting_an_area_whose_group_only_went_quiet_is_warned_and_asked_twice(
    browser: Any, server: Server, page_errors: PageErrors, lang: str
) -> None:
    real = server.picture()
    real["tracks"] = [
        _track("trk_quiet", 31.7550, 40),
        _track("trk_gone", 31.7580, 60, status="neutralised", open=False),
    ]
    real["danger_areas"] = [
        _danger("dgr_quiet", "trk_quiet", 31.7550),
        _danger("dgr_gone", "trk_gone", 31.7580),
    ]
    k = {"he": 0, "ar": 1, "en": 2}[lang]
    with _served(browser, server, page_errors, real, lang) as (page, sent):
        quiet = '[data-panel="danger"] li[data-id="dgr_quiet"]'
        page.wait_for_selector(quiet)
        lift = f"{quiet} .acts button"
        # A double click on "Lift" lifts nothing: it opens the warning, and the second press
        # lands on the same, now disabled, button.
        page.locator(lift).dblclick()
        warning = page.locator(f"{quiet} .lift-warn")
        warning.wait_for()
        assert sent == []
        words = warning.locator("p").inner_text()
        said = WORDS["cx_lift_warn_stale"][k].replace("{m}", "\u206640\u2069")
        assert words == "⚠ " + said, words
        assert page.locator(lift).is_disabled()
        # It stays open while the feed draws the console again.
        page.evaluate("() => window.magenConsole.redraw()")
        assert page.locator(f"{quiet} .lift-warn").count() == 1
        if lang == "en":
            screenshot(page, "console-lift-warning")
        # "Keep the area" closes it; asked again, "Lift anyway" lifts.
        page.locator(f"{quiet} .lift-warn button", has_text=WORDS["cx_lift_keep"][k]).click()
        page.wait_for_selector(f"{quiet} .lift-warn", state="detached")
        assert sent == []
        assert page.locator(lift).is_enabled()
        page.locator(lift).click()
        with page.expect_request(re.compile(r".*/danger-areas/dgr_quiet/lift$")):
            page.locator(f"{quiet} [data-lift-anyway]", has_text=WORDS["cx_lift_anyway"][k]).click()
        # An area whose group is closed lifts at one press, as before.
        gone = '[data-panel="danger"] li[data-id="dgr_gone"]'
        with page.expect_request(re.compile(r".*/danger-areas/dgr_gone/lift$")):
            page.locator(f"{gone} .acts button").click()
        assert page.locator(f"{gone} .lift-warn").count() == 0
        assert [r.url.rsplit("/", 2)[-2] for r in sent] == ["dgr_quiet", "dgr_gone"]


def test_a_lock_in_row_says_who_gave_it_and_when(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    area = {"kind": "circle", "lat": 31.7540, "lon": 35.2110, "radius_m": 40}
    r = server.post(
        "dispatcher",
        "/api/v1/guidance/overrides",
        {"action": "lock_in", "area": area, "reason": "issuer test"},
    )
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    try:
        view = next(o for o in server.picture()["overrides"] if o["id"] == oid)
        assert view["issued_by"]["name"] == "dispatcher (test)"
        assert view["issued_by"]["role"] == "dispatcher"
        with _served(browser, server, page_errors, None) as (page, _sent):
            row = page.locator(f'[data-panel="overrides"] li[data-id="{oid}"] .t')
            row.wait_for()
            at = datetime.fromisoformat(view["issued_at"]).astimezone(ZONE).strftime("%H:%M")
            said = f"by \u2068dispatcher (test)\u2069 (dispatcher), \u2066{at}\u2069"
            assert said in row.inner_text(), row.inner_text()
            screenshot(page, "console-lock-in-issuer")
    finally:
        server.post("dispatcher", f"/api/v1/guidance/overrides/{oid}/clear", {})


def test_an_incident_with_several_callers_says_its_counts_as_a_range(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    real = server.picture()
    one = {
        "sos_ids": ["sos_x"],
        "callers": 1,
        "lat": 31.7600,
        "lon": 35.2150,
        "open": True,
        "priority": 20.0,
        "urgency": "high",
        "reasons": [],
        "silent": False,
    }
    real["incidents"] = [
        # Three flats of one building called: 4, 3 and 2 people, two of them with one injured.
        {**one, "id": "inc_flats", "callers": 3, "people": 4, "people_high": 9, "injured": 1}
        | {"injured_high": 2, "children": 0, "children_high": 0},
        {**one, "id": "inc_one", "people": 2, "people_high": 2, "injured": 0}
        | {"injured_high": 0, "children": 1, "children_high": 1},
    ]
    with _served(browser, server, page_errors, real) as (page, _sent):
        flats = page.locator('[data-panel="incidents"] li[data-id="inc_flats"]')
        flats.wait_for()
        assert "people \u20664–9\u2069 · injured \u20661–2\u2069 · children \u20660\u2069" in (
            flats.inner_text()
        )
        assert WORDS["cx_counts_range"][2] in (flats.get_attribute("title") or "")
        single = page.locator('[data-panel="incidents"] li[data-id="inc_one"]')
        assert "people \u20662\u2069 · injured \u20660\u2069 · children \u20661\u2069" in (
            single.inner_text()
        )
        assert WORDS["cx_counts_range"][2] not in (single.get_attribute("title") or "")
