"""The resident pages' service worker as served (/sw.js) and the pages' side of it.

What the worker does in a browser (keeping the page, opening it with no network, saying so)
is checked in real Chromium: tests/browser/test_resident_offline_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from magen.api.routes.pages import SW_VERSION_MARK
from magen.web import STATIC_DIR, TEMPLATES_DIR
from magen.web.render import asset_version
from support.apikit import Kit, api_kit
from support.bakapack import baka_pack


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit(town=baka_pack()) as k:
        yield k


def _client(kit: Kit) -> Any:
    kit.client.cookies.clear()
    return kit.client


def _sw_constant(name: str) -> str:
    source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    found = re.search(rf'^var {name} = "([^"]*)";$', source, re.M)
    assert found is not None, name
    return found.group(1)


def test_the_worker_is_served_at_the_root_with_its_scope_and_never_kept_stale(kit: Kit) -> None:
    r = _client(kit).get("/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    # At the root its default scope is the whole site; the header allows "/" besides.
    assert r.headers["service-worker-allowed"] == "/"
    # Asked again each time the browser checks for a new worker (a 304 while unchanged).
    assert r.headers["cache-control"] == "no-cache"
    again = _client(kit).get("/sw.js", headers={"If-None-Match": r.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["cache-control"] == "no-cache"


def test_the_worker_served_is_its_source_with_the_assets_digest_in(kit: Kit) -> None:
    served = _client(kit).get("/sw.js").text
    source = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    assert SW_VERSION_MARK in source
    version = asset_version()
    assert served == source.replace(SW_VERSION_MARK, version)
    assert SW_VERSION_MARK not in served
    assert f'var VERSION = "{version}";' in served
    # The same digest as the pages' links: the worker keeps the very assets a page names.
    page = _client(kit).get("/resident").text
    assert f"/static/resident.js?v={version}" in page
    assert f"/static/magen.css?v={version}" in page


def test_only_the_resident_pages_register_the_worker(kit: Kit) -> None:
    def registers(text: str) -> bool:
        return 'register("/sw.js"' in text

    assert [p.name for p in sorted(STATIC_DIR.iterdir()) if registers(p.read_text())] == []
    templates = sorted(TEMPLATES_DIR.iterdir())
    assert [p.name for p in templates if registers(p.read_text())] == ["_resident_sw.html"]
    including = [p.name for p in templates if '"_resident_sw.html"' in p.read_text()]
    assert including == ["resident.html", "silent.html"]
    for path in ("/", "/resident", "/resident/silent"):
        assert registers(_client(kit).get(path).text), path
    assert not registers(_client(kit).get("/login").text)
    assert not registers(_client(kit).get("/family").text)


@pytest.mark.parametrize(
    ("path", "words"),
    [
        # With a place: the advice, and the same time as the advice's own "As of".
        ("/resident?lang=en&address=Dubnov 13", "Offline: this is the advice from {t},"),
        ("/resident?lang=en", "Offline: this is the page from {t},"),
        ("/resident/silent?lang=en", "Offline: this is the page from {t},"),
        ("/?lang=he&address=Dubnov 13", "אין חיבור: זו ההנחיה מהשעה {t}"),
    ],
)
def test_each_resident_page_carries_its_offline_line_hidden_for_the_worker_to_show(
    kit: Kit, path: str, words: str
) -> None:
    html = _client(kit).get(path).text
    mark = _sw_constant("OFFLINE_MARK")
    assert html.count(mark) == 1  # the worker shows the first it finds: there is only one
    line = re.search(rf'<p [^>]*data-page-time="(\d\d:\d\d)" {mark}>([^<]*)</p>', html)
    assert line is not None
    at, said = line.groups()
    assert said.startswith(words.format(t=at))
    if "advice" in words or "ההנחיה" in words:
        assert re.search(rf"data-guidance-time>[^<]*{at}<noscript>", html)


def test_staff_pages_carry_no_offline_line_and_no_worker(kit: Kit) -> None:
    html = _client(kit).get("/login").text
    assert "data-offline-copy" not in html
    assert "sw.js" not in html
