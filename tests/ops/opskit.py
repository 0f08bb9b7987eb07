"""Real Magen servers on PostgreSQL for the operations tests, and a load client that retries.

`magen_serve` runs `magen serve --workers N` exactly as an operator would (uvicorn workers, each
with its own service following the others through the database). `Load` is a crowd of phones:
threads posting sightings, each with a fresh command id, resending the *same* request after a
timeout, a dropped connection or a 503 until it is acknowledged, and remembering every
acknowledgement, so the log can be audited afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from magen.app.codec import decode
from magen.domain.reports import ThreatSighted
from magen.store.factory import open_log

PASSWORD = "ops-test-password-1234"
SECRET = "ops-test-secret-shared-by-every-worker"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def request(
    base: str,
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any]:
    """One request on a fresh connection; the status and the decoded JSON answer."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        answer = conn.getresponse()
        raw = answer.read()
        return answer.status, json.loads(raw) if raw else None
    finally:
        conn.close()


def magen(*args: str, stdin: str | None = None, timeout: float = 120) -> str:
    """Run the `magen` command line; its stdout (fails the test on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, "-m", "magen", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "MAGEN_SECRET": SECRET},
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"magen {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def add_user(db: str, username: str, role: str) -> None:
    magen(
        "users",
        "add",
        "--username",
        username,
        "--role",
        role,
        "--password-stdin",
        "--db",
        db,
        stdin=PASSWORD + "\n",
    )


@dataclass
class Served:
    """A running `magen serve`."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def readyz(self, timeout: float = 5.0) -> tuple[int, Any]:
        return request(self.url, "GET", "/readyz", timeout=timeout)

    def sign_in(self, username: str) -> str:
        status, body = request(
            self.url, "POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD}
        )
        assert status == 200, body
        token: str = body["access_token"]
        return token

    def workers(self, count: int, within: float = 60.0) -> dict[int, dict[str, Any]]:
        """Readiness of `count` distinct worker processes (fresh connections spread over them)."""
        seen: dict[int, dict[str, Any]] = {}
        deadline = time.monotonic() + within
        while len(seen) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"saw workers {sorted(seen)} only:\n{self.log_tail()}")
            if self.process.poll() is not None:
                raise AssertionError(f"magen serve exited:\n{self.log_tail()}")
            with contextlib.suppress(OSError, ValueError):
                status, body = self.readyz(timeout=2.0)
                if status == 200:
                    seen[body["worker"]] = body
            time.sleep(0.02)
        return seen


@contextlib.contextmanager
def magen_serve(
    db: str, *, workers: int, workdir: Path, env: dict[str, str] | None = None
) -> Iterator[Served]:
    """`magen serve --db db --workers N` on a free port, until the block ends."""
    port = free_port()
    log_path = workdir / f"serve-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "magen",
                "serve",
                "--db",
                db,
                "--workers",
                str(workers),
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env={**os.environ, "MAGEN_SECRET": SECRET, **(env or {})},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers are stopped with it
        )
    served = Served(f"http://127.0.0.1:{port}", process, log_path)
    try:
        served.workers(workers)
        yield served
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # uvicorn's graceful stop, workers included
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    # Whatever is left of the group this test started (a worker it orphaned) goes too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@dataclass
class Load:
    """Threads reporting sightings; every request is resent with its id until acknowledged."""

    url: str
    token: str
    threads: int = 6
    give_up_s: float = 90.0
    acked: dict[str, int] = field(default_factory=dict)  # sighting id -> status (201/200)
    statuses: Counter[int | str] = field(default_factory=Counter)
    reasons: list[str] = field(default_factory=list)  # the 503 reasons seen (a sample)
    pending: set[str] = field(default_factory=set)
    _stop_new: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        for n in range(self.threads):
            thread = threading.Thread(target=self._run, args=(n,), daemon=True)
            thread.start()
            self._workers.append(thread)

    def acked_count(self) -> int:
        with self._lock:
            return len(self.acked)

    def wait_for_acks(self, count: int, within: float) -> None:
        deadline = time.monotonic() + within
        while self.acked_count() < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {self.acked_count()} acks; {self.statuses}")
            time.sleep(0.02)

    def finish(self) -> None:
        """Stop sending new reports and wait until every one sent is acknowledged."""
        self._stop_new.set()
        for thread in self._workers:
            thread.join(self.give_up_s + 30)

    def _run(self, number: int) -> None:
        rng = random.Random(number)
        host, port = self.url.removeprefix("http://").split(":")
        conn: http.client.HTTPConnection | None = None
        while not self._stop_new.is_set():
            command_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            key = "sig_" + command_id.hex[:20]
            body = json.dumps(
                {
                    "command_id": str(command_id),
                    "where": {"lat": 31.74 + rng.random() / 20, "lon": 35.18 + rng.random() / 20},
                    "count": rng.randint(1, 12),
                    "text": f"load {number}",
                }
            )
            with self._lock:
                self.pending.add(key)
            deadline = time.monotonic() + self.give_up_s
            while time.monotonic() < deadline:
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection(host, int(port), timeout=10)
                    conn.request(
                        "POST",
                        "/api/v1/sightings",
                        body,
                        {
                            "Content-Type": "application/json",
                            "Authorization": f"Bearer {self.token}",
                        },
                    )
                    answer = conn.getresponse()
                    raw = answer.read()
                except (OSError, http.client.HTTPException) as exc:
                    with self._lock:
                        self.statuses[type(exc).__name__] += 1
                    if conn is not None:
                        conn.close()
                    conn = None
                    time.sleep(0.05)
                    continue
                with self._lock:
                    self.statuses[answer.status] += 1
                if answer.status in (200, 201):
                    got = json.loads(raw)["id"]
                    assert got == key, (got, key)
                    with self._lock:
                        self.acked[key] = answer.status
                        self.pending.discard(key)
                    break
                if answer.status == 503 and len(self.reasons) < 50:
                    with self._lock:
                        self.reasons.append(json.loads(raw).get("reason", ""))
                if answer.status not in (500, 502, 503):
                    raise AssertionError(f"unexpected answer {answer.status}: {raw[:300]!r}")
                time.sleep(0.05)
        if conn is not None:
            conn.close()


def logged_sightings(db: str) -> tuple[Counter[str], list[int]]:
    """How often each sighting id is in the log, and the log's positions."""
    log = open_log(db)
    try:
        stored = log.read(0)
    finally:
        asyncio.run(log.close())
    counts: Counter[str] = Counter()
    for s in stored:
        if s.type == "ThreatSighted":
            event = decode(s).event
            assert isinstance(event, ThreatSighted)
            counts[event.sighting_id] += 1
    return counts, [s.position for s in stored]


def audit(load: Load, db: str) -> Counter[str]:
    """Every acknowledged report is in the log exactly once; the log has no gap."""
    counts, positions = logged_sightings(db)
    assert positions == list(range(1, len(positions) + 1)), "the log has a gap"
    lost = [key for key in load.acked if counts[key] == 0]
    duplicated = [key for key, n in counts.items() if n > 1]
    assert not lost, f"acknowledged but not in the log: {lost[:5]} ({len(lost)})"
    assert not duplicated, f"in the log more than once: {duplicated[:5]}"
    assert not load.pending, f"never acknowledged: {sorted(load.pending)[:5]}"
    return counts
