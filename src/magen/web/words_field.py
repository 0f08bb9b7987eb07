"""Words of the field pages (/resident, /responder, /silent) added after the shared table.

Read on weak phones by people who may be hiding or running: short, calm, one action at a time.
"""

from __future__ import annotations

# key -> (he, ar, en); a key may appear in one words module only.
WORDS: dict[str, tuple[str, str, str]] = {}
