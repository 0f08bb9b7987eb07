"""Render the pages' templates with the reader's language and direction."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from magen import __version__
from magen.web import LEAFLET_DIR, TEMPLATES_DIR
from magen.web.i18n import LANG_NAMES, LANGS, Lang, direction, text, texts

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
        version=__version__,
        strings=texts(lang) if all_strings else texts(lang, script_keys or []),
        have_leaflet=(LEAFLET_DIR / "leaflet.js").exists(),
        **ctx,
    )
