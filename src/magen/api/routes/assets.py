"""The pages' scripts, styles and Leaflet, gzipped for a browser that takes it.

A phone on a weak link waits for bytes: Leaflet is 148 kB as shipped and ~43 kB gzipped, the
console's script a third of its size. Each file is read and compressed once per change (its
size and time), then served from memory with an ETag, a day's caching (links carry a digest of
the assets, `magen.web.render.asset_version`) and `Vary: Accept-Encoding`. Only files below
the asset folders are served: a path that leaves them is a 404.
"""

from __future__ import annotations

import gzip
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from magen.api.routes._common import GZIP_MIN_BYTES, etag_of, kept_answer
from magen.web import LEAFLET_DIR, STATIC_DIR

# Compressing these gains nothing (already compressed) or is not worth a frame.
_STORED_AS_IS = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".woff", ".woff2", ".gz"}
_CACHE_CONTROL = "public, max-age=86400"


@dataclass(frozen=True, slots=True)
class _Asset:
    stamp: tuple[int, int]  # mtime_ns, size: read again when either changes
    body: bytes
    gzipped: bytes | None
    etag: str
    media_type: str


class AssetFolder:
    """The files below one folder, each kept in memory as read and as gzipped."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._kept: dict[Path, _Asset] = {}

    def find(self, relative: str) -> _Asset:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise NotFoundException(f"no asset {relative!r}")
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        kept = self._kept.get(path)
        if kept is None or kept.stamp != stamp:
            body = path.read_bytes()
            zipped = (
                gzip.compress(body, 9, mtime=0)
                if len(body) >= GZIP_MIN_BYTES and path.suffix.lower() not in _STORED_AS_IS
                else None
            )
            media = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if media.startswith("text/") or media.endswith(("javascript", "json")):
                media += "; charset=utf-8"
            kept = self._kept[path] = _Asset(stamp, body, zipped, etag_of(body), media)
        return kept

    def answer(self, request: Request[Any, Any, Any], relative: str) -> Response[bytes]:
        asset = self.find(relative)
        zipped = asset.gzipped
        return kept_answer(
            request,
            asset.body,
            etag=asset.etag,
            gzipped=(lambda: zipped) if zipped is not None else None,
            media_type=asset.media_type,
            cache_control=_CACHE_CONTROL,
            vary="Accept-Encoding",
        )


_STATIC = AssetFolder(STATIC_DIR)
_LEAFLET = AssetFolder(LEAFLET_DIR)


@get("/static/{path:path}", include_in_schema=False, name="static")
async def static_asset(request: Request[Any, Any, Any], path: FromPath[str]) -> Response[bytes]:
    """A page's script or style."""
    return _STATIC.answer(request, path.lstrip("/"))


@get("/vendor/leaflet/{path:path}", include_in_schema=False, name="vendor_leaflet")
async def leaflet_asset(request: Request[Any, Any, Any], path: FromPath[str]) -> Response[bytes]:
    """Leaflet as installed from npm (src/magen/web/node_modules), with its images."""
    return _LEAFLET.answer(request, path.lstrip("/"))


ROUTERS = [Router(path="", route_handlers=[static_asset, leaflet_asset])]
