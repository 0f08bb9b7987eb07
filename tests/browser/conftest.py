"""A real Magen server (subprocess, SQLite, the Baka town) and real headless Chromium.

Chromium is Debian's (`/usr/bin/chromium`), driven by Playwright for Python; Playwright's own
browser download is never used. Each `launch` runs on a fresh temporary profile.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser.browserkit import CHROMIUM_ARGS, PASSWORD, PageErrors, Server, free_port
from conftest import require
from magen.domain.values import Role

CHROMIUM = os.environ.get("MAGEN_CHROMIUM", "/usr/bin/chromium")


ACCOUNTS = {
    "dispatcher": Role.DISPATCHER,
    "analyst": Role.ANALYST,
    "officer1": Role.RESPONDER,
    "volunteer1": Role.RESPONDER,
    # Each sent on an assignment by one test, so that no other test finds them busy.
    "officer2": Role.RESPONDER,
    "officer3": Role.RESPONDER,
    "officer4": Role.RESPONDER,  # checks in with a call sign of its own
    "officer5": Role.RESPONDER,  # presses a status before ever checking in
    "resident1": Role.RESIDENT,
    "registrar": Role.REGISTRAR,
    "admin": Role.ADMIN,
    "hospital1": Role.HOSPITAL,
    "family1": Role.RESIDENT,
}


async def _accounts(db: str) -> None:
    """The accounts the tests sign in with (one argon2 hash for all: hashing is slow)."""
    from magen.api.app import build_service
    from magen.app.security import hash_password
    from magen.clock import SystemClock
    from magen.config import Settings
    from magen.domain.accounts import CreateAccount
    from magen.domain.base import SYSTEM

    service = build_service(Settings(database=db, secret=b"accounts"), SystemClock())
    digest = hash_password(PASSWORD)
    try:
        for username, role in ACCOUNTS.items():
            await service.handle(
                SYSTEM,
                CreateAccount(
                    command_id=uuid.uuid4(),
                    username=username,
                    role=role,
                    display_name=f"{username} (test)",
                    password_hash=digest,
                ),
            )
    finally:
        await service.log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`magen serve` on a free loopback port over a fresh SQLite log with the Baka town."""
    from support.bakapack import baka_pack

    folder = tmp_path_factory.mktemp("server")
    db = folder / "magen.db"
    # Playwright's sync API may already run an event loop in this thread: use another one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _accounts(str(db))).result()
    port = free_port()
    env = {**os.environ, "MAGEN_SECRET": "browser-tests-" + uuid.uuid4().hex}
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "magen",
            "serve",
            "--db",
            str(db),
            "--town",
            str(baka_pack()),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError((folder / "server.log").read_text()[-3000:])
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("the server did not become ready in 60 s")
        time.sleep(0.1)
    try:
        yield Server(url=url, db=db, process=process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright.

    Module-scoped: Playwright's sync API keeps an event loop running in the main thread while
    it is open, which would break every later test in the session that runs asyncio itself.
    """
    require(
        Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None,
        f"Chromium not found at {CHROMIUM} (apt-get install chromium)",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        require(False, "Playwright for Python is not installed (pip install -e '.[dev]')")
        raise
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    watcher = PageErrors()
    yield watcher
    assert watcher.errors == [], watcher.errors
