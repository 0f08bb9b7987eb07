"""The resident page opened with no network, from the copy its service worker kept (sw.js).

A resident closes the tab; the network goes; they open the page again. It must open, say at
the top that it is the advice from HH:MM (the advice's own time), and still take an SOS into
the phone's outbox, which sends it once the network is back.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

PHONE = {"width": 360, "height": 640}
# A cache an older worker left: the new one deletes it when it takes over.
OLD_CACHE = "magen-resident-000000000000"


def _phone(browser: Any, locale: str) -> Any:
    context = browser.new_context(
        timezone_id=TZ, viewport=PHONE, is_mobile=True, has_touch=True, locale=locale
    )
    context.add_init_script(
        f"if (window.caches) caches.open('{OLD_CACHE}').then(c => c.put('/x', new Response('x')))"
    )
    return context


def _kept(page: Any, url: str, timeout_s: float = 20) -> str:
    """The page as the service worker kept it for `url`, once it has (its HTML)."""
    deadline = time.monotonic() + timeout_s
    while True:
        html = page.evaluate(
            "async url => { const r = await caches.match(url); return r ? r.text() : null; }", url
        )
        if html:
            return str(html)
        assert time.monotonic() < deadline, f"{url} was not kept"
        page.wait_for_timeout(200)


def _controlled(page: Any) -> None:
    """Wait until the page's service worker has taken it over (after install and activate)."""
    page.wait_for_function("() => !!navigator.serviceWorker.controller", timeout=20_000)


def _cache_names(page: Any) -> list[str]:
    return list(page.evaluate("() => caches.keys()"))


def _kept_paths(page: Any) -> list[str]:
    return list(
        page.evaluate(
            """async () => {
            const out = [];
            for (const name of await caches.keys()) {
                for (const r of await (await caches.open(name)).keys()) {
                    out.push(new URL(r.url).pathname);
                }
            }
            return out;
        }"""
        )
    )


def _sos_with(server: Server, text: str) -> list[dict[str, Any]]:
    return [s for s in server.picture()["sos"] if text in s["text"]]


def test_the_page_opens_offline_says_it_is_the_advice_from_then_and_keeps_an_sos(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone(browser, "he-IL")
    try:
        page = page_errors.watch(context.new_page())
        url = f"{server.url}/resident?lang=he&address=דובנוב 13"
        page.goto(url)
        assert page.locator("[data-offline-copy]").is_hidden()  # a page as served: current
        assert page.evaluate("() => window.magenResident.keptCopy") is False
        _controlled(page)
        version = page.evaluate(
            "() => document.querySelector('script[src*=\"resident.js\"]').src.split('v=')[1]"
        )
        kept = _kept(page, page.url)
        kept_at = re.search(r'data-page-time="(\d\d:\d\d)"', kept)
        assert kept_at is not None
        kept_ids = set(re.findall(r'name="command_id" value="([0-9a-f-]{36})"', kept))
        assert len(kept_ids) == 4  # sos, its cancel (shown once a call is open), sighting, safe
        # Its version's cache only: the older one was deleted when this worker took over.
        assert _cache_names(page) == [f"magen-resident-{version}"]

        context.set_offline(True)
        page.reload()
        line = page.locator("[data-offline-copy]")
        line.wait_for()
        assert page.evaluate("() => window.magenResident.keptCopy") is True
        assert line.inner_text().startswith(f"אין חיבור: זו ההנחיה מהשעה {kept_at.group(1)}")
        # The advice below names the same time, and says it is not being confirmed.
        assert kept_at.group(1) in page.locator("[data-guidance-time]").inner_text()
        assert page.locator("#now .action").inner_text().strip() != ""
        stale = page.locator("[data-guidance-stale]")
        stale.wait_for(timeout=5000)
        assert kept_at.group(1) in stale.inner_text()
        assert "stale" in (page.get_attribute("#now", "class") or "")
        assert page.locator("#net").is_visible()  # "no connection: reports kept on the phone"
        screenshot(page, "resident-offline-copy-he-360")

        # An SOS typed on the kept copy: into the outbox, under a fresh id (not the copy's).
        form = page.locator("#sos form")
        marker = f"offline copy {time.time_ns()}"
        form.locator("input[name=people]").fill("2")
        form.locator("textarea[name=text]").fill(marker)
        form.locator("button[type=submit]").tap()
        page.wait_for_selector("[data-done][data-js]")
        outbox = page.evaluate("() => window.magenResident.outbox()")
        assert len(outbox) == 1
        assert outbox[0]["url"] == "/resident/sos"
        assert outbox[0]["id"] not in kept_ids
        page.wait_for_timeout(300)
        assert _sos_with(server, marker) == []  # nothing left the phone

        context.set_offline(False)
        page.wait_for_function("() => window.magenResident.outbox().length === 0", timeout=20_000)
        raised = _sos_with(server, marker)
        assert len(raised) == 1
        assert raised[0]["people"] == 2
        # The server answers again: the kept copy's line offers the current page.
        back = page.locator("[data-offline-copy-back]")
        back.wait_for(timeout=15_000)
        assert kept_at.group(1) in back.inner_text()
        with page.expect_navigation():
            back.tap()
        assert page.locator("[data-offline-copy]").is_hidden()
        assert page.evaluate("() => window.magenResident.keptCopy") is False

        # Staff pages and the API's answers are never kept (the town's map only, when used).
        page.goto(f"{server.url}/login")
        page.goto(f"{server.url}/resident/silent?lang=he")
        _kept(page, page.url)
        paths = _kept_paths(page)
        assert "/login" not in paths
        assert not [p for p in paths if p.startswith("/api/")], paths
        assert not [p for p in paths if p.startswith("/resident/s") and p != "/resident/silent"]
    finally:
        context.close()
    assert len(_sos_with(server, marker)) == 1


def test_the_silent_page_opens_offline_and_keeps_a_silent_sos(
    browser: Any, server: Server, page_errors: PageErrors
) -> None:
    context = _phone(browser, "en-GB")
    try:
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident/silent?lang=en")
        _controlled(page)
        kept = _kept(page, page.url)
        kept_at = re.search(r'data-page-time="(\d\d:\d\d)"', kept)
        assert kept_at is not None
        context.set_offline(True)
        page.close()
        # Opened anew (the tab was closed), at the silent page's bare address, never kept
        # itself: the newest silent page kept answers for it.
        page = page_errors.watch(context.new_page())
        page.goto(f"{server.url}/resident/silent")
        line = page.locator("[data-offline-copy]")
        line.wait_for()
        assert line.inner_text().startswith(f"Offline: this is the page from {kept_at.group(1)}")
        form = page.locator("form[data-silent]")
        form.locator("input[name=address]").fill("Dubnov 13")
        form.locator("button[type=submit]").tap()
        page.wait_for_selector("[data-done]:has-text('Saved on this phone')")
        outbox = page.evaluate("() => window.magenResident.outbox()")
        assert [item["url"] for item in outbox] == ["/resident/sos"]
        assert "silent=1" in outbox[0]["body"]
        context.set_offline(False)
        page.wait_for_function("() => window.magenResident.outbox().length === 0", timeout=20_000)
    finally:
        context.close()
