"""What simulated people type: in their own language, as a real town's people would."""

from __future__ import annotations

import asyncio
import re
from collections import Counter

import pytest

from magen.app.codec import decode
from magen.domain.values import Role
from magen.sim.phrases import LANGS, PHRASES, household_language, typed
from magen.sim.runner import run_headless
from magen.sim.scenario import ScenarioError, Typing, parse_scenario, scenario_path
from sim.simkit import small_scenario
from support.bakapack import baka_pack, baka_town

HEBREW = re.compile(r"[\u0590-\u05ff]")
ARABIC = re.compile(r"[\u0600-\u06ff]")
LATIN = re.compile(r"[A-Za-z]")
REFERENCE = re.compile(r"[a-z]+_[0-9a-f]{20}")


def script_of(text: str) -> str:
    if HEBREW.search(text):
        return "he"
    if ARABIC.search(text):
        return "ar"
    return "en" if LATIN.search(text) else "?"


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_every_phrase_is_written_in_each_language_in_its_own_script(key: str) -> None:
    for lang in LANGS:
        assert script_of(typed(key, lang)) == lang, (key, lang)


def test_households_type_in_the_languages_the_scenario_gives_in_its_shares() -> None:
    shares = {"he": 0.7, "ar": 0.2, "en": 0.1}
    counts = Counter(household_language(h, shares) for h in range(10_000))
    for lang, share in shares.items():
        assert abs(counts[lang] / 10_000 - share) < 0.01, counts
    assert {household_language(h, {"ar": 1.0}) for h in range(500)} == {"ar"}
    assert "en" not in {
        household_language(h, {"he": 0.5, "ar": 0.5, "en": 0.0}) for h in range(500)
    }


def test_shares_that_do_not_add_up_are_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"add up to 0\.9,"):
        Typing(residents={"he": 0.6, "ar": 0.3})
    text = scenario_path("ofakim_baka").read_text(encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"typing\.residents"):
        parse_scenario(text + "\n[typing]\nresidents = { he = 0.5 }\n", "s.toml")
    kept = parse_scenario(text + '\n[typing]\nstaff = "ar"\nresidents = { en = 1.0 }\n')
    assert kept.typing.staff == "ar"
    assert kept.typing.residents == {"en": 1.0}


def test_a_run_has_staff_type_the_staff_language_and_households_their_own() -> None:
    scenario = small_scenario(40.0)
    typing = Typing(staff="ar", residents={"he": 0.5, "en": 0.5})
    result = asyncio.run(
        run_headless(
            scenario.model_copy(update={"typing": typing}),
            seed=11,
            policy="magen",
            pack=baka_pack(),
            town=baka_town(),
        )
    )
    staff: Counter[str] = Counter()
    residents: Counter[str] = Counter()
    for stored in result.log.read(0):
        rec = decode(stored)
        body = rec.event.model_dump()
        for field in ("note", "text", "reason"):
            value = body.get(field)
            # Enums are str too; a status change names its assignment or call-up by id.
            if type(value) is not str or not value or REFERENCE.fullmatch(value):
                continue
            by_resident = rec.actor.role in (Role.RESIDENT, Role.ANONYMOUS)
            (residents if by_resident else staff)[script_of(value)] += 1
    assert staff["ar"] > 10, staff
    assert set(staff) == {"ar"}, staff
    assert set(residents) == {"he", "en"}, residents
