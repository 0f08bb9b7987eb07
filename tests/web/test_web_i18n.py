"""Choosing the page language and the words in it."""

from __future__ import annotations

import re

import pytest

from magen.web import i18n
from magen.web.i18n import choose, direction, from_accept_language, text

PLACEHOLDER = re.compile(r"{(\w+)}")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("he-IL,he;q=0.9,en;q=0.8", "he"),
        ("ar-EG", "ar"),
        ("en-GB,en;q=0.9", "en"),
        ("fr-FR,ar;q=0.5,he;q=0.7", "he"),  # by preference, not by order
        ("iw", "he"),  # Hebrew's old code
        ("fr,de;q=0.9", None),
        ("en;q=0", None),  # "not English"
        ("", None),
        (None, None),
        ("he;q=abc,ar", "ar"),  # a broken q-value counts for nothing
    ],
)
def test_the_browser_s_languages_choose_the_page_s(
    header: str | None, expected: str | None
) -> None:
    assert from_accept_language(header) == expected


def test_the_url_beats_the_cookie_which_beats_the_browser() -> None:
    assert choose("ar", "en", "he") == "ar"
    assert choose(None, "en", "he") == "en"
    assert choose(None, None, "ar") == "ar"
    assert choose("xx", "zz", "fr") == i18n.DEFAULT_LANG
    assert choose(None, None, None) == "he"


def test_hebrew_and_arabic_read_right_to_left() -> None:
    assert direction("he") == "rtl"
    assert direction("ar") == "rtl"
    assert direction("en") == "ltr"


def test_every_string_exists_in_all_three_languages_with_the_same_blanks() -> None:
    for key, row in i18n._T.items():
        assert len(row) == 3, key
        assert all(words.strip() for words in row), key
        blanks = {frozenset(PLACEHOLDER.findall(words)) for words in row}
        assert len(blanks) == 1, (key, blanks)


def test_text_fills_its_blanks() -> None:
    assert text("queued", "en", n=3) == "Waiting to send: 3"
    assert "3" in text("queued", "he", n=3)
    assert text("sos", "ar").startswith("SOS")


def test_the_console_has_words_for_every_capability_and_assignment_status() -> None:
    from magen.domain.dispatch import AssignmentStatus
    from magen.domain.responders import Capability

    for lang in ("he", "ar", "en"):
        for capability in Capability:
            assert text(f"cap_{capability.value}", lang) != f"cap_{capability.value}"
        for status in AssignmentStatus:
            assert text(f"asg_{status.value}", lang) != f"asg_{status.value}"


def test_the_console_says_every_dispatch_fact_and_unmet_need_in_each_language() -> None:
    """Every code dispatch gives beside its English sentences has words in he/ar/en, and
    Hebrew and Arabic ones have no Latin letters of their own."""
    from magen.dispatch.assign import UNMET_CODES, Mode
    from magen.dispatch.tasks import FACT_CODES
    from magen.domain.responders import ResponderKind

    keys = [f"fact_{code}" for code in FACT_CODES]
    keys += ["fact_armed_attackers_unknown", "fact_attackers_unknown"]
    keys += [f"unmet_{code}" for code in UNMET_CODES]
    keys += [f"kind_{kind.value}" for kind in ResponderKind]
    keys += [f"dx_{mode.value}" for mode in Mode]
    keys += ["need_armed_medic", "need_armed", "need_medic", "need_any", "dx_task_sos"]
    keys += ["dx_nearest", "dx_nearer_one", "dx_nearer_n", "dx_leaves", "dx_avoids", "dx_enters"]
    keys += ["dx_enters_escorted"]
    keys += ["dx_dur_s", "dx_dur_min", "dx_dur_min_s", "target_track"]
    keys += ["danger_around_track", "danger_around_confirmed_track", "danger_around_incident"]
    for key in keys:
        assert key in i18n._T, key
        he, ar, en = i18n._T[key]
        for words in (he, ar):
            assert not re.search("[A-Za-z]", PLACEHOLDER.sub("", words)), (key, words)
        assert he != en, key
        assert ar != en, key


def test_every_rule_the_pages_name_has_words_in_each_language() -> None:
    """The rules common.js says a refused field broke (RULE_WORDS) are in the catalogue in
    he/ar/en, Hebrew and Arabic without Latin letters; every bound goes in as {n}."""
    from pathlib import Path

    import magen.web

    script = (Path(magen.web.__file__).parent / "static" / "common.js").read_text("utf-8")
    table = re.search(r"var RULE_WORDS = \{(.*?)\};", script, re.S)
    assert table is not None
    keys = set(re.findall(r'"(rule_\w+)"', table.group(1)))
    assert len(keys) >= 12, keys
    for key in [*sorted(keys), "err_field_rule", "err_field"]:
        assert key in i18n._T, key
        he, ar, en = i18n._T[key]
        for words in (he, ar):
            assert not re.search("[A-Za-z]", PLACEHOLDER.sub("", words)), (key, words)
        bounded = key.startswith(("rule_at_", "rule_below", "rule_above"))
        assert ("{n}" in en) is bounded, key


def test_every_rule_the_domain_names_has_words_in_each_language() -> None:
    """A refusal's `rule` (DomainError(..., rule=...)) is what a page says in its language
    (common.js refusedFor): each has words in he/ar/en, Hebrew and Arabic without Latin."""
    from pathlib import Path

    import magen.domain

    rules: set[str] = set()
    for source in Path(magen.domain.__file__).parent.glob("*.py"):
        rules.update(re.findall(r'rule="(\w+)"', source.read_text("utf-8")))
    assert {"not_checked_in", "sos_resolved", "assignment_moved_on"} <= rules
    for rule in sorted(rules):
        key = f"refused_{rule}"
        assert key in i18n._T, key
        he, ar, en = i18n._T[key]
        for words in (he, ar):
            assert not re.search("[A-Za-z]", words), (key, words)
        assert en, key
        assert he != en, key
        assert ar != en, key


def test_the_phone_says_every_hospital_reason_and_exclusion_in_each_language() -> None:
    """Every code a hospital recommendation gives beside its English (reason_facts,
    excluded[].code) has words for responder.js in he/ar/en, Hebrew and Arabic without Latin
    letters, and the same blanks as the facts it says."""
    from magen.domain.hospitals import DESTINATION_REASON_CODES, EXCLUSION_CODES, TRAVEL_BASES

    keys = [f"fd_cc_r_{code}" for code in DESTINATION_REASON_CODES]
    keys += [f"fd_cc_r_away_{basis}" for basis in TRAVEL_BASES if basis != "by_street"]
    keys += [f"fd_cc_x_{code}" for code in EXCLUSION_CODES]
    keys += ["fd_cc_x_other"]
    blanks = {"away": {"m"}, "stale_status": {"m"}, "offload": {"m"}, "slots_left": {"n"}}
    blanks |= {"beds_free": {"n"}, "over_capacity": {"n", "w"}, "away_straight_line": {"m"}}
    for key in keys:
        assert key in i18n._T, key
        he, ar, en = i18n._T[key]
        for words in (he, ar):
            assert not re.search("[A-Za-z]", PLACEHOLDER.sub("", words)), (key, words)
        assert he != en, key
        assert ar != en, key
        code = key.removeprefix("fd_cc_r_").removeprefix("fd_cc_x_")
        assert set(PLACEHOLDER.findall(en)) == blanks.get(code, set()), key
