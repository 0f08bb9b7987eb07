"""`magen demo`: serves the sample town, plays the scenario through the API, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not within {seconds} s")


@pytest.mark.slow
def test_the_demo_plays_the_scenario_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    out = (tmp_path / "demo.out").open("w+b")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "magen",
            "demo",
            "--port",
            str(port),
            "--speed",
            "300",
            "--db",
            str(tmp_path / "demo.db"),
        ],
        cwd=tmp_path,
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait(lambda: httpx.get(f"{base}/healthz", timeout=5).status_code == 200, 90)
        # The first siren comes about 20 s after start; then the attack.
        _wait(lambda: httpx.get(f"{base}/api/v1/alerts", timeout=5).json()["alerts"], 60)
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            json={"username": "dispatcher", "password": "magen-demo"},
            timeout=30,
        )
        assert token.status_code == 200  # a token issued on the demo's clock is accepted
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        _wait(
            lambda: httpx.get(f"{base}/api/v1/tracks", headers=headers, timeout=5).json()["tracks"],
            60,
        )
        assert httpx.get(f"{base}/console", headers=headers, timeout=5).status_code in (200, 303)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    out.seek(0)
    text = out.read().decode()
    assert code == 0, text
    for words in (
        f"{base}/console",
        f"{base}/api/v1/schema/swagger",
        "dispatcher",
        "magen-demo",
        "magen demo: stopped.",
    ):
        assert words in text
    assert "Traceback" not in text
    assert (tmp_path / "var" / "towns").is_dir()  # the pack was built from data/
