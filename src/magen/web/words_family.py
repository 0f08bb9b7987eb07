"""Words of the family page (/family): Hebrew, Arabic, English."""

from __future__ import annotations

# key -> (he, ar, en); a key may appear in one words module only.
WORDS: dict[str, tuple[str, str, str]] = {}
