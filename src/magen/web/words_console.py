"""Words of the dispatcher's console (/console) beyond the shared table: he, ar, en.

Read by a coordinator running a defence: short, exact, the count and the age of what is known.
"""

from __future__ import annotations

# key -> (he, ar, en); a key may appear in one words module only.
WORDS: dict[str, tuple[str, str, str]] = {}
