"""The demo links its hospital desk account to the scenario's first hospital; runs link none."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

from magen.demo import DEMO_HOSPITAL_DESK, demo_hospital_accounts
from magen.domain.accounts import Accounts
from magen.sim.client import Who
from magen.sim.runner import Simulation
from sim.simkit import small_scenario
from support.bakapack import baka_town


class _Recorder:
    """Stands in for the sim's API client: records each command and accepts it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def command(self, path: str, who: Who, body: dict[str, Any]) -> dict[str, Any]:
        self.sent.append((path, body))
        return {}


def _registered(links: dict[int, str] | None) -> list[dict[str, Any]]:
    api = _Recorder()
    extra = {} if links is None else {"hospital_accounts": links}
    simulation = Simulation(
        small_scenario(),
        baka_town(),
        11,
        "magen",
        cast("Any", api),
        cast("Any", None),
        cast("Any", None),
        **extra,
    )
    asyncio.run(simulation._hospitals(Who("admin")))
    return [body for path, body in api.sent if path == "/api/v1/hospitals"]


def test_a_run_registers_its_hospitals_with_no_account_linked() -> None:
    bodies = _registered(None)
    assert [b["name"] for b in bodies] == [
        "Shaare Zedek",
        "Hadassah Ein Kerem",
        "Hadassah Mount Scopus",
    ]
    assert all("account_id" not in b for b in bodies)  # the same commands as before


def test_a_linked_hospital_is_registered_with_its_desk_account() -> None:
    bodies = _registered({0: "acc-desk"})
    assert bodies[0]["hospital_id"] == "h1-shaare-zedek"
    assert bodies[0]["account_id"] == "acc-desk"
    assert all("account_id" not in b for b in bodies[1:])


def test_the_demo_links_hospital1_to_the_first_hospital_when_both_exist() -> None:
    def service(usernames: dict[str, str]) -> Any:
        accounts = Accounts(by_username=usernames)
        return SimpleNamespace(state=SimpleNamespace(slice=lambda _: accounts))

    scenario = small_scenario()
    assert DEMO_HOSPITAL_DESK == "hospital1"
    assert demo_hospital_accounts(service({"hospital1": "acc-9"}), scenario) == {0: "acc-9"}
    assert demo_hospital_accounts(service({}), scenario) == {}
    empty = scenario.model_copy(update={"hospitals": []})
    assert demo_hospital_accounts(service({"hospital1": "acc-9"}), empty) == {}


def test_the_scenario_s_hospitals_are_registered_with_their_hebrew_and_arabic_names() -> None:
    bodies = _registered(None)
    assert [b["names"] for b in bodies] == [
        {"he": "שערי צדק", "ar": "مستشفى شعاري تسيديك"},
        {"he": "הדסה עין כרם", "ar": "هداسا عين كارم"},
        {"he": "הדסה הר הצופים", "ar": "هداسا جبل المشارف"},
    ]


def test_a_scenario_hospital_with_no_names_is_registered_as_before() -> None:
    api = _Recorder()
    scenario = small_scenario()
    plain = [h.model_copy(update={"names": {}}) for h in scenario.hospitals]
    simulation = Simulation(
        scenario.model_copy(update={"hospitals": plain}),
        baka_town(),
        11,
        "magen",
        cast("Any", api),
        cast("Any", None),
        cast("Any", None),
    )
    asyncio.run(simulation._hospitals(Who("admin")))
    bodies = [body for path, body in api.sent if path == "/api/v1/hospitals"]
    assert len(bodies) == 3
    assert all("names" not in b for b in bodies)
