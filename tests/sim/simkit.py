"""A small, fast version of the Ofakim-like scenario on the real Baka map, for the sim tests."""

from __future__ import annotations

import asyncio
import functools

from magen.sim.runner import Policy, RunResult, run_headless
from magen.sim.scenario import Scenario, load_scenario
from support.bakapack import baka_pack, baka_town

MINUTES = 16.0


def small_scenario(minutes: float = MINUTES) -> Scenario:
    """The shipped scenario, cut short and with a sparser population (same map, same attack)."""
    full = load_scenario("ofakim_baka").shortened(minutes)
    residents = full.residents.model_copy(update={"per_m2": 0.006})
    return full.model_copy(update={"residents": residents})


def play(policy: Policy, seed: int = 11, minutes: float = MINUTES) -> RunResult:
    """One headless run of the small scenario."""
    return asyncio.run(
        run_headless(
            small_scenario(minutes), seed=seed, policy=policy, pack=baka_pack(), town=baka_town()
        )
    )


@functools.cache
def played(policy: Policy, seed: int = 11) -> RunResult:
    """A run shared by the tests of one session (treat as read-only)."""
    return play(policy, seed)
