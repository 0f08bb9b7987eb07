"""Render the pages' templates with the reader's language and direction."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from magen.web import LEAFLET_DIR, STATIC_DIR, TEMPLATES_DIR
from magen.web.i18n import LANG_NAMES, LANGS, Lang, direction, text, texts
from magen.web.times import town_zone

_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(("html",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _script_json(value: Any) -> Markup:
    """JSON safe to place inside a <script> element (no way to close it early)."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    safe = raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(safe)  # noqa: S704 - every character that could end the script is escaped


_env.filters["script_json"] = _script_json


class _AssetDigest:
    """A digest of the assets pages link to with `?v=`, made again only when a file changed.

    Browsers keep those assets a day, so the key must change whenever any of them does (a
    release number would leave phones a day on an old script after an upgrade).
    """

    def __init__(self, *dirs: Path) -> None:
        self.dirs = dirs
        self._stamps: tuple[tuple[str, int, int], ...] = ()
        self._digest = ""

    def __call__(self) -> str:
        files = sorted(p for d in self.dirs if d.is_dir() for p in d.iterdir() if p.is_file())
        stamps = tuple((p.name, (st := p.stat()).st_mtime_ns, st.st_size) for p in files)
        if stamps != self._stamps:
            digest = hashlib.sha256()
            for p in files:
                digest.update(p.name.encode() + b"\0" + p.read_bytes())
            self._stamps, self._digest = stamps, digest.hexdigest()[:12]
        return self._digest


asset_version = _AssetDigest(STATIC_DIR, LEAFLET_DIR)


def render(
    name: str,
    lang: Lang,
    *,
    path: str,
    script_keys: list[str] | None = None,
    all_strings: bool = False,
    **ctx: Any,
) -> str:
    """A page in a language: `t(key, **values)` gives its words; `path` builds language links.

    The strings its script needs are embedded: `script_keys`, or every string.
    """

    def t(key: str, **values: object) -> str:
        return text(key, lang, **values)

    other_langs = [(code, LANG_NAMES[code], f"{path}?lang={code}") for code in LANGS]
    return _env.get_template(name).render(
        lang=lang,
        dir=direction(lang),
        t=t,
        langs=other_langs,
        version=asset_version(),
        town_tz=town_zone().key,
        strings=texts(lang) if all_strings else texts(lang, script_keys or []),
        have_leaflet=(LEAFLET_DIR / "leaflet.js").exists(),
        **ctx,
    )
