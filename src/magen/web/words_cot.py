"""Words of the CoT feed for TAK clients (labels and remarks beyond the shared table)."""

from __future__ import annotations

# key -> (he, ar, en); a key may appear in one words module only.
WORDS: dict[str, tuple[str, str, str]] = {
    "cot_unconfirmed": ("לא מאומת", "غير مؤكَّد", "unconfirmed"),
    "cot_last_seen": ("נראו לאחרונה {t}", "شوهدوا آخر مرة {t}", "last seen {t}"),
}
