"""Hospitals said in the page's language: the Hebrew console and the Hebrew hospital desk say
"שערי צדק", not "Shaare Zedek", each isolated in its own direction."""

from __future__ import annotations

from typing import Any

import pytest

from browser.browserkit import TZ, PageErrors, Server, casualty_on_its_way, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real server and a real browser

VIEWPORT = {"width": 1366, "height": 768}
SZ = "h-names-sz"
HE, AR = "שערי צדק", "مستشفى شعاري تسيديك"
TAG = "NAMES-SZ-1"


@pytest.fixture(scope="module")
def shaare_zedek(server: Server) -> str:
    """Shaare Zedek registered with its Hebrew and Arabic names, a casualty on its way there."""
    known = {h["id"] for h in server.get("admin", "/api/v1/hospitals").json()}
    if SZ not in known:
        body = {
            "hospital_id": SZ,
            "name": "Shaare Zedek",
            "names": {"he": HE, "ar": AR},
            "where": {"lat": 31.7743, "lon": 35.1826},
            "trauma_centre": True,
        }
        r = server.post("admin", "/api/v1/hospitals", body)
        assert r.status_code == 201, r.text
        casualty_on_its_way(
            server, tag=TAG, place="Dubnov 13", description={}, vehicle="A-9", to=SZ
        )
    return SZ


def test_the_hebrew_console_and_desk_say_shaare_zedek_in_hebrew(
    browser: Any, server: Server, page_errors: PageErrors, shaare_zedek: str
) -> None:
    context = browser.new_context(timezone_id=TZ, viewport=VIEWPORT, locale="en-GB")
    try:
        page = page_errors.watch(sign_in(context, server, "dispatcher", "/console?lang=he"))
        page.wait_for_selector("#mode[data-mode=live]")
        # The hospitals panel.
        row = page.locator(f'[data-panel="hospitals"] li[data-id="{shaare_zedek}"]')
        row.wait_for()
        assert row.locator("b > bdi").inner_text() == HE
        assert "Shaare Zedek" not in row.inner_text()
        # The casualty row's destination.
        casualty = page.locator('[data-panel="casualties"] li[data-id]', has_text=TAG)
        casualty.wait_for()
        assert HE in casualty.locator("bdi").all_inner_texts()
        assert "Shaare Zedek" not in casualty.inner_text()
        # The marker's tooltip.
        row.click()
        tip = page.locator(".leaflet-tooltip", has_text=HE)
        tip.wait_for()
        assert tip.locator("bdi").first.inner_text() == HE

        # The hospital desk, relayed by the dispatcher, in Hebrew and in Arabic.
        page.goto(f"{server.url}/hospital?lang=he&id={shaare_zedek}")
        page.wait_for_selector("body[data-ready]")
        assert page.inner_text("[data-hospital-name]") == HE
        assert page.locator("[data-hospital-name] bdi").count() == 1
        assert page.title().startswith(HE)
        page.goto(f"{server.url}/hospital?lang=ar&id={shaare_zedek}")
        page.wait_for_selector("body[data-ready]")
        assert page.inner_text("[data-hospital-name]") == AR
        page.goto(f"{server.url}/hospital?lang=en&id={shaare_zedek}")
        page.wait_for_selector("body[data-ready]")
        assert page.inner_text("[data-hospital-name]") == "Shaare Zedek"
    finally:
        context.close()
