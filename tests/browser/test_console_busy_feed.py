"""The console while the feed is busy, and the order of what it lists.

The console is served a real picture with recommendations, tracks, incidents and responders
added in the shape of the picture's own views (app/picture_views.py); real events (a
responder's position reports posted through the API about ten times a second) make it ask for
the next picture again and again, as during an attack. The acts it sends are answered by the
test (routed), so nothing is assigned or confirmed on the shared server.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

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

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

VIEWPORT = {"width": 1366, "height": 768}


def _ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def _responder(rid: str, callsign: str, status: str, lat: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "callsign": callsign,
        "kind": extra.pop("kind", "police_on_duty"),
        "capabilities": extra.pop("capabilities", ["armed", "radio"]),
        "radio_channel": "2",
        "status": status,
        "lat": lat,
        "lon": 35.2150,
        "where_at": _ago(1),
        **extra,
    }


def _incident(iid: str, lat: float, priority: float) -> dict[str, Any]:
    return {
        "id": iid,
        "sos_ids": [f"sos_{iid}"],
        "lat": lat,
        "lon": 35.2150,
        "people": 2,
        "injured": 1,
        "children": 0,
        "silent": False,
        "open": True,
        "priority": priority,
        "urgency": "high",
        "reasons": ["1 injured"],
    }


def _recommendation(rid: str, responder: str, incident: str, travel_s: float) -> dict[str, Any]:
    return {
        "id": rid,
        "responder_id": responder,
        "responder_kind": "police_on_duty",
        "target": {"kind": "incident", "id": incident},
        "task_facts": [{"code": "people", "n": 2}, {"code": "injured", "n": 1}],
        "need": {"index": 0, "requires": ["armed"], "fact": None},
        "travel_s": travel_s,
        "priority": 20.0,
        "mode": "by_car",
        "nearest": True,
        "nearer_needed_elsewhere": 0,
        "leaves": [],
        "avoids": [],
        "enters": [],
    }


def _track(tid: str, lat: float, minutes_ago: float) -> dict[str, Any]:
    return fake_track(tid, lat, minutes_ago, count=(12, 6, 18))


def _picture(server: Server) -> dict[str, Any]:
    real = server.picture()
    real["responders"] = [
        _responder("rsp_avail_far", "Squad 8", "available", 31.7700),
        _responder("rsp_off", "Officer 6", "off_duty", 31.7612),
        _responder("rsp_busy", "Patrol 2", "on_scene", 31.7614),
        _responder("rsp_wounded", "Squad 3", "wounded", 31.7611),
        _responder("rsp_avail_near", "Squad 5", "available", 31.7630),
        _responder("rsp_engaged", "Patrol 4", "engaged", 31.7640),
        _responder(
            "rsp_unarmed", "Medic 2", "available", 31.7620, kind="medic", capabilities=["medic"]
        ),
        _responder("rsp_rec", "Squad 1", "available", 31.7650),
    ]
    real["assignments"] = [
        {
            "id": "asg_busy",
            "responder_id": "rsp_busy",
            "target": {"kind": "incident", "id": "inc_b"},
            "status": "on_scene",
            "active": True,
        }
    ]
    real["incidents"] = [_incident("inc_a", 31.7610, 20.0), _incident("inc_b", 31.7580, 10.0)]
    real["tracks"] = [_track(f"trk_{n}", 31.7560 + n * 0.0008, 1 + n) for n in range(4)]
    real["recommendations"] = {
        "recommendations": [
            _recommendation("rec_a", "rsp_rec", "inc_a", 140.0),
            _recommendation("rec_b", "rsp_avail_far", "inc_b", 200.0),
        ],
        "unmet": [],
    }
    return real


@contextmanager
def _console(
    browser: Any, server: Server, page_errors: PageErrors, real: dict[str, Any]
) -> Iterator[tuple[Any, list[Any]]]:
    """The console served `real` (its travel times changed on every fetch, so each picture
    draws the recommendations differently), with the acts it sends kept in a list."""
    sent: list[Any] = []
    fetches = [0]

    def picture(route: Any) -> None:
        fetches[0] += 1
        real["generated_at"] = datetime.now(UTC).isoformat()
        for n, rec in enumerate(real["recommendations"]["recommendations"]):
            rec["travel_s"] = 120.0 + n * 60 + fetches[0] % 50
        route.fulfill(status=200, content_type="application/json", body=json.dumps(real))

    def act(route: Any) -> None:
        sent.append(route.request)
        route.fulfill(status=201, content_type="application/json", body='{"replayed": false}')

    context = browser.new_context(timezone_id=TZ, viewport=VIEWPORT, locale="en-GB")
    try:
        context.route(re.compile(r".*/api/v1/picture$"), picture)
        context.route(re.compile(r".*/api/v1/tracks/.*"), act)
        context.route(re.compile(r".*/api/v1/dispatch/assignments$"), act)
        page = page_errors.watch(sign_in(context, server, "dispatcher", "/console"))
        page.wait_for_selector('[data-panel="recommendations"] li[data-id="rec_a"]')
        page.wait_for_selector("#mode[data-mode=live]")
        yield page, sent
    finally:
        context.close()


def _press(page: Any, selector: str, hold_s: float = 0.12) -> None:
    """A normal mouse press on what `selector` finds: down, held, up."""
    # Found and measured in one go: a row drawn anew between finding a button and measuring
    # it leaves a detached one, measured as nothing (eval_on_selector takes two steps).
    box = page.evaluate(
        "s => { const e = document.querySelector(s);"
        " return e && e.getBoundingClientRect().toJSON(); }",
        selector,
    )
    assert box, selector
    assert box["width"], (selector, box)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    time.sleep(hold_s)
    page.mouse.up()


def test_a_press_on_accept_or_confirm_lands_while_the_feed_is_busy(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    real = _picture(server)
    with _console(browser, server, page_errors, real) as (page, sent), busy_feed(server) as posted:
        page.evaluate(
            """() => { window.__added = 0;
            new MutationObserver(ms => ms.forEach(m => { window.__added += m.addedNodes.length; }))
              .observe(document.getElementById('panels'), {childList: true, subtree: true}); }"""
        )
        page.evaluate("""() => { window.__log = [];
          ['pointerdown', 'pointerup', 'click'].forEach(k => document.addEventListener(k, e => {
            const t = e.target;
            window.__log.push([k, t.tagName, t.textContent.slice(0, 20), t.isConnected]);
          }, true)); }""")
        time.sleep(1.0)
        start, began = posted[0], time.monotonic()
        landed = 0
        for n in range(10):
            kind = "accept" if n % 2 == 0 else "confirm"
            before = len(sent)
            if kind == "accept":
                _press(
                    page, '[data-panel="recommendations"] li[data-id="rec_a"] button[data-key="a"]'
                )
            else:
                _press(page, '[data-panel="tracks"] li[data-id="trk_0"] button[data-key="c"]')
            deadline = time.monotonic() + 2
            while len(sent) == before and time.monotonic() < deadline:
                page.wait_for_timeout(50)
            if len(sent) == before:
                print(f"press {n} ({kind}) did not land", page.evaluate("window.__log"))
                continue
            landed += 1
            url = sent[-1].url
            assert url.endswith(
                "/dispatch/assignments" if kind == "accept" else "/tracks/trk_0/confirm"
            ), url
            page.wait_for_timeout(150)  # the row drawn again before the next press
        rate = (posted[0] - start) / (time.monotonic() - began)
        added = page.evaluate("window.__added")
        print(f"{landed}/10 presses landed; ~{rate:.0f} reports/s; {added} rows/nodes added")
        assert posted[0] - start >= 20, "the feed was not busy"
        assert landed == 10


def test_the_responders_list_puts_who_needs_help_first(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    real = _picture(server)
    with _console(browser, server, page_errors, real) as (page, _sent):
        page.wait_for_selector('[data-panel="responders"] li[data-id="rsp_wounded"]')
        ids = page.eval_on_selector_all(
            '[data-panel="responders"] li[data-id^="rsp_"]', "els => els.map(e => e.dataset.id)"
        )
        # Wounded, engaged; the available by call sign (Medic 2, Squad 1, Squad 5, Squad 8);
        # the busy (on scene, on a task); off duty last.
        assert ids == [
            "rsp_wounded",
            "rsp_engaged",
            "rsp_unarmed",
            "rsp_rec",
            "rsp_avail_near",
            "rsp_avail_far",
            "rsp_busy",
            "rsp_off",
        ], ids
        # Call signs kept as the radio names them.
        first = page.locator('[data-panel="responders"] li[data-id="rsp_wounded"]').inner_text()
        assert first.startswith("\u2068Squad 3\u2069 · Wounded"), first


def test_the_override_picker_offers_who_can_be_sent_first(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    real = _picture(server)
    with _console(browser, server, page_errors, real) as (page, sent):
        row = '[data-panel="recommendations"] li[data-id="rec_a"]'
        page.locator(f"{row} button:not([data-key])").click()
        options = page.eval_on_selector_all(
            f"{row} select option",
            "os => os.map(o => ({v: o.value, off: o.disabled, t: o.textContent}))",
        )
        # Nothing chosen at first; the fit by distance from the incident (at 31.7610); then
        # the wounded, off duty and busy, each disabled and saying why.
        assert options[0]["v"] == ""
        assert page.eval_on_selector(f"{row} select", "s => s.value") == ""
        fit = [o["v"] for o in options[1:] if not o["off"]]
        unfit = {o["v"]: o["t"] for o in options[1:] if o["off"]}
        # Available first by distance; under fire after them, warned ("under fire now").
        assert fit == ["rsp_unarmed", "rsp_avail_near", "rsp_avail_far", "rsp_engaged"], options
        assert "under fire now" in next(o["t"] for o in options if o["v"] == "rsp_engaged")
        assert set(unfit) == {"rsp_wounded", "rsp_off", "rsp_busy"}, options
        assert "wounded, cannot be sent" in unfit["rsp_wounded"]
        assert "off duty, cannot be sent" in unfit["rsp_off"]
        assert "on another task" in unfit["rsp_busy"]
        # The nearest one, the wounded squad, is not first (as it was).
        assert options[1]["v"] != "rsp_wounded"
        screenshot(page, "console-override-picker")
        # Sent with the one chosen.
        page.select_option(f"{row} select", "rsp_avail_near")
        page.fill(f"{row} input", "closer to the door")
        with page.expect_request(re.compile(r".*/api/v1/dispatch/assignments$")) as request:
            page.locator(f"{row} button", has_text="Override").last.click()
        body = request.value.post_data_json
        assert body["responder_id"] == "rsp_avail_near", body
        assert body["incident_id"] == "inc_a", body
        # The route's handler runs after the request is seen: waited for, not raced.
        for _ in range(50):
            if sent:
                break
            page.wait_for_timeout(100)
        assert sent


def test_a_new_call_is_marked_and_counted_in_the_title_until_seen(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    real = _picture(server)
    with _console(browser, server, page_errors, real) as (page, _sent):
        title = page.title()
        assert not title.startswith("(")
        # The calls there when the console opened are not new.
        assert page.locator('[data-panel="incidents"] li.cue').count() == 0
        real["incidents"].append(_incident("inc_new", 31.7600, 30.0))
        real["incidents"].append(_incident("inc_new2", 31.7590, 5.0))
        server.post(
            POSTER, "/api/v1/responders/position", {"where": {"lat": 31.7601, "lon": 35.2100}}
        )
        page.wait_for_selector('[data-panel="incidents"] li.cue[data-id="inc_new"]')
        assert page.locator('[data-panel="incidents"] li.cue').count() == 2
        assert (
            page.locator('[data-panel="incidents"] li[data-id="inc_new"] .cue-tag').inner_text()
            == "new"
        )
        assert page.title().startswith("(2) new SOS · "), page.title()
        screenshot(page, "console-new-call-cue")
        # The outline goes after a few seconds; the count stays until the operator acts.
        page.wait_for_selector('[data-panel="incidents"] li.cue', state="detached", timeout=15000)
        assert page.title().startswith("(2) ")
        page.keyboard.press("j")
        assert page.title() == title
