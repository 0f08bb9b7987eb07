"""Scripts, styles and Leaflet: gzipped when taken, revalidated, never from outside their folder."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

from magen.api.routes.assets import AssetFolder
from magen.web import LEAFLET_DIR, STATIC_DIR
from support.apikit import Kit, api_kit


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def _raw(kit: Kit, path: str, **headers: str) -> tuple[int, bytes, dict[str, str]]:
    # The bytes as sent: httpx would otherwise undo the gzip before the test sees it.
    with kit.client.stream("GET", path, headers=headers) as r:
        return r.status_code, b"".join(r.iter_raw()), dict(r.headers)


def test_a_script_goes_gzipped_to_a_browser_that_takes_it_and_plain_to_one_that_does_not(
    kit: Kit,
) -> None:
    script = (STATIC_DIR / "console.js").read_bytes()
    status, zipped, headers = _raw(kit, "/static/console.js", **{"Accept-Encoding": "gzip, br"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["content-type"].startswith("text/javascript")
    assert "max-age=86400" in headers["cache-control"]
    assert headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped) == script
    assert len(zipped) * 2 < len(script)
    status, plain, headers = _raw(kit, "/static/console.js", **{"Accept-Encoding": "identity"})
    assert (status, plain) == (200, script)
    assert "content-encoding" not in headers


def test_an_unchanged_asset_is_a_304(kit: Kit) -> None:
    _, _, first = _raw(kit, "/static/magen.css", **{"Accept-Encoding": "gzip"})
    status, body, _ = _raw(
        kit, "/static/magen.css", **{"Accept-Encoding": "gzip", "If-None-Match": first["etag"]}
    )
    assert (status, body) == (304, b"")
    # The plain body has an ETag of its own: the gzipped one's does not stand for it.
    status, _, _ = _raw(
        kit, "/static/magen.css", **{"Accept-Encoding": "identity", "If-None-Match": first["etag"]}
    )
    assert status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../api/app.py",
        "/static/%2e%2e/%2e%2e/api/app.py",
        "/static/..%2f..%2fapi%2fapp.py",
        "/static/nothing.js",
        "/static/",
        "/vendor/leaflet/../package.json",
    ],
)
def test_nothing_outside_the_asset_folders_is_served(kit: Kit, path: str) -> None:
    status, body, _ = _raw(kit, path)
    assert status == 404, (path, body[:200])


def test_leaflet_and_its_images_come_from_npm(kit: Kit) -> None:
    if not (LEAFLET_DIR / "leaflet.js").exists():
        pytest.skip("front-end packages are not installed (npm ci in src/magen/web)")
    status, zipped, headers = _raw(kit, "/vendor/leaflet/leaflet.js", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert b"Leaflet" in gzip.decompress(zipped)[:2000]
    status, png, headers = _raw(
        kit, "/vendor/leaflet/images/marker-icon.png", **{"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["content-type"] == "image/png"
    assert "content-encoding" not in headers  # already compressed
    assert png == (LEAFLET_DIR / "images" / "marker-icon.png").read_bytes()


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("var a = 1;" * 200)
    folder = AssetFolder(tmp_path)
    first = folder.find("a.js")
    assert folder.find("a.js") is first  # kept
    (tmp_path / "a.js").write_text("var b = 2;" * 300)
    second = folder.find("a.js")
    assert second.body.startswith(b"var b")
    assert second.etag != first.etag


def test_a_page_goes_gzipped_to_a_browser_that_takes_it(kit: Kit) -> None:
    # The resident's page carries its words: on a weak link its size is the wait.
    status, zipped, headers = _raw(kit, "/resident?lang=ar", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["cache-control"] == "no-store"
    page = gzip.decompress(zipped).decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert len(zipped) * 2 < len(page.encode())
    status, plain, headers = _raw(kit, "/resident?lang=ar", **{"Accept-Encoding": "identity"})
    assert "content-encoding" not in headers
    assert plain.decode().startswith("<!doctype html>")
