"""A log that cannot be written for a while (another process holds the SQLite lock) does not
end the simulation: its clients wait as Retry-After says and send the same command again, as
real phones do; and a demo whose scenario stopped does not repeat that error when stopped."""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from magen import demo
from magen.domain.base import Actor
from magen.domain.state import State
from magen.domain.values import Role
from magen.sim.client import Api, Ids, Provisioner, Who
from magen.store.base import LogUnavailable
from sim.simkit import small_scenario
from support.bakapack import baka_pack


def test_a_503_is_sent_again_after_its_retry_after_with_the_same_command() -> None:
    sent: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        if len(sent) <= 2:
            return httpx.Response(
                503, headers={"Retry-After": "0.1"}, json={"error": "unavailable"}
            )
        return httpx.Response(201, json={"position": 7})

    async def go() -> tuple[dict[str, Any] | None, Api]:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport, base_url="http://magen") as client:
            api = Api(client, Ids(np.random.default_rng(1)))
            return await api.command("/api/v1/sos", Who("p"), {"people": 1}), api

    result, api = asyncio.run(go())
    assert result == {"position": 7}
    assert len(sent) == 3
    assert len({s["command_id"] for s in sent}) == 1  # the same command: appended once
    assert api.stats.calls["POST /api/v1/sos"] == 3
    assert api.stats.refused["POST /api/v1/sos 503"] == 2


def test_a_log_unavailable_for_good_is_given_up_on_in_the_end() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": "0.1"}, json={})

    async def go() -> dict[str, Any] | None:
        transport = httpx.MockTransport(answer)
        async with httpx.AsyncClient(transport=transport, base_url="http://magen") as client:
            api = Api(client, Ids(np.random.default_rng(1)), retry_for_s=0.3)
            return await api.command("/api/v1/sos", Who("p"), {"people": 1})

    assert asyncio.run(go()) is None


class _BusyService:
    """A service whose log refuses the first appends, as SQLite does while locked."""

    def __init__(self, refusals: int) -> None:
        self.state = State()
        self.refusals = refusals
        self.handled: list[Any] = []

    async def handle(self, actor: Actor, command: Any) -> None:
        if self.refusals:
            self.refusals -= 1
            raise LogUnavailable("another writer held the lock for 10.0 s")
        self.handled.append(command)


def test_provisioning_waits_out_a_locked_log() -> None:
    service = _BusyService(refusals=3)
    provision = Provisioner(service, pause_s=0.01)  # type: ignore[arg-type]
    who = asyncio.run(provision.account("sim-medic-1", Role.MEDIC, "Medic 1"))
    assert who.api_key is not None
    assert [type(c).__name__ for c in service.handled] == ["CreateAccount", "IssueApiKey"]


def test_provisioning_gives_up_on_a_log_that_stays_locked() -> None:
    provision = Provisioner(_BusyService(refusals=100), retry_for_s=0.05, pause_s=0.01)  # type: ignore[arg-type]
    with pytest.raises(LogUnavailable):
        asyncio.run(provision.account("sim-medic-1", Role.MEDIC, "Medic 1"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_stopping_the_demo_does_not_repeat_an_old_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def fails(*args: Any, **kwargs: Any) -> None:
        raise LogUnavailable("another writer held the lock for 10.0 s")

    monkeypatch.setattr(demo, "_play", fails)
    args = argparse.Namespace(
        host="127.0.0.1", port=_free_port(), speed=50.0, seed=1, db=str(tmp_path / "demo.db")
    )

    async def run_then_stop() -> BaseException | None:
        task = asyncio.create_task(demo._serve_and_play(args, baka_pack(), small_scenario(2.0)))
        for _ in range(600):
            await asyncio.sleep(0.1)
            if "the scenario stopped" in capsys.readouterr().out:
                break
        else:
            raise AssertionError("the failing scenario was never reported")
        await asyncio.sleep(0.2)
        task.cancel()  # what Ctrl-C does to asyncio.run's task
        try:
            await task
        except BaseException as exc:
            return exc
        return None

    ended = asyncio.run(run_then_stop())
    assert isinstance(ended, asyncio.CancelledError), repr(ended)
