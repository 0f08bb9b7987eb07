"""Shared harness for HTTP benchmarks: a real uvicorn server, wrk as the load, and a report.

Every server runs the same way Magen is deployed: one uvicorn worker, uvloop and httptools,
access log off, on a loopback port. The load is wrk with `bench/lua/sightings.lua`, whose
`done()` prints one JSON line that `run_wrk` parses.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
LUA_SIGHTINGS = BENCH_DIR / "lua" / "sightings.lua"
SIGHTINGS_PATH = "/api/v1/sightings"


class BenchError(Exception):
    """The benchmark could not run as set up; printed as one line."""


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_split(pin: bool) -> tuple[str | None, str | None]:
    """The CPUs for the server and for wrk: one core each when pinning and possible."""
    if not pin or shutil.which("taskset") is None:
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return str(cpus[0]), str(cpus[1])


def _pinned(cmd: list[str], cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus, *cmd] if cpus else cmd


def nonce() -> str:
    """Eight hex digits that set this run's command ids apart from any other run's."""
    return secrets.token_hex(4)


# --- the server -------------------------------------------------------------------------------


@dataclass
class Server:
    """A running uvicorn process."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def cpu_seconds(self) -> float:
        """User plus system CPU time the server process has used so far (Linux)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


@contextlib.contextmanager
def serve(
    app: str,
    *,
    env: Mapping[str, str] | None = None,
    cpus: str | None = None,
    health: str = "/healthz",
    workdir: Path,
    start_timeout_s: float = 30.0,
) -> Iterator[Server]:
    """Run `uvicorn --factory app` on a free loopback port until the block ends (SIGINT)."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--app-dir",
        str(BENCH_DIR),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "--timeout-graceful-shutdown",
        "30",
    ]
    log_path = workdir / f"server-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            _pinned(cmd, cpus),
            env={**os.environ, **(env or {})},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        _wait_ready(server, health, start_timeout_s)
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server, health: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(f"server exited at start-up:\n{server.log_tail()}")
        with contextlib.suppress(OSError):
            status, _ = http_json("GET", server.url + health, timeout_s=1.0)
            if status == 200:
                return
        time.sleep(0.05)
    raise BenchError(f"server not ready after {timeout_s:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # SIGINT is uvicorn's graceful stop: it finishes in-flight requests and runs the lifespan
    # shutdown, which closes the event log.
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def http_json(
    method: str,
    url: str,
    body: Any = None,
    *,
    token: str | None = None,
    timeout_s: float = 30.0,
) -> tuple[int, Any]:
    """One HTTP request with a JSON body; the status and the decoded JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


# --- the load ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkRun:
    """What one wrk run measured, from the Lua script's `done()` line."""

    seconds: float
    requests: int
    statuses: dict[int, int]
    sent: tuple[int, ...]  # requests generated per wrk thread (thread ids start at 1)
    socket_errors: dict[str, int]
    latency_us: dict[str, float]
    acked: tuple[str, ...] = field(repr=False)  # sighting ids answered with 201

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def created(self) -> int:
        return self.statuses.get(201, 0)

    @property
    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    @property
    def errors(self) -> int:
        """Non-2xx answers plus connections that failed (wrk's own status count included)."""
        sockets = sum(n for kind, n in self.socket_errors.items() if kind != "status")
        return self.non_2xx + sockets

    def ms(self, name: str) -> float:
        return self.latency_us[name] / 1000.0


def run_wrk(
    url: str,
    *,
    run_nonce: str,
    seconds: float,
    threads: int,
    connections: int,
    workdir: Path,
    token: str | None = None,
    cpus: str | None = None,
    path: str = SIGHTINGS_PATH,
    spread: str = "clustered",
) -> WrkRun:
    """Drive `path` with unique sightings for a fixed time; what wrk measured."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed (Debian: apt-get install wrk)")
    acks = workdir / f"acks-{run_nonce}.txt"
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(round(seconds), 1)}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_SIGHTINGS),
    ]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    cmd += [url + path, "--", run_nonce, path, spread]
    done = subprocess.run(
        _pinned(cmd, cpus),
        capture_output=True,
        text=True,
        env={**os.environ, "MAGEN_BENCH_ACKS": str(acks)},
        timeout=seconds + 60,
        check=False,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    raw = json.loads(lines[-1])
    acked = tuple(acks.read_text().split()) if acks.exists() else ()
    return WrkRun(
        seconds=raw["duration_us"] / 1e6,
        requests=raw["requests"],
        statuses={int(k): v for k, v in raw["statuses"].items()},
        sent=tuple(raw["sent"]),
        socket_errors=raw["errors"],
        latency_us=raw["latency_us"],
        acked=acked,
    )


SPREADS = ("clustered", "uniform")


def sighting_body(run_nonce: str, thread: int, n: int, spread: str = "clustered") -> bytes:
    """The exact body `sightings.lua` sends as request `n` of wrk thread `thread`."""
    command_id = f"{run_nonce}-{thread:04x}-4{(n // 4096) % 4096:03x}-8{n % 4096:03x}-{n:012x}"
    if spread == "uniform":
        k = (n * 7919 + thread * 104729) % 36_000_000
        lat, lon = k % 6000, (k // 6000) % 6000
    else:
        site = (n * 31 + thread * 17) % 24
        lat = 150 + (site * 2459) % 5700 + (n * 104729 + thread * 7) % 301 - 150
        lon = 150 + (site * 3733) % 5700 + (n * 7919 + thread * 13) % 301 - 150
    mobility = ("on_foot", "vehicle", "unknown")[n % 3]
    armed = ("yes", "unknown")[n % 2]
    return (
        f'{{"command_id":"{command_id}","where":{{"lat":31.{74000 + lat:05d},'
        f'"lon":35.{18000 + lon:05d}}},"count":{1 + n % 12},'
        f'"mobility":"{mobility}","armed":"{armed}","heading_deg":{n % 360},'
        f'"text":"seen near the school"}}'
    ).encode()


def sighting_key(run_nonce: str, thread: int, n: int) -> str:
    """The 20 hex digits of the sighting id the server derives from that request's command."""
    return f"{run_nonce}{thread:04x}4{(n // 4096) % 4096:03x}8{n % 4096:03x}"


def post_raw(url: str, body: bytes, token: str | None, timeout_s: float = 30.0) -> tuple[int, Any]:
    """POST a body exactly as given; the status and decoded JSON answer."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


# --- output -----------------------------------------------------------------------------------


def table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """A plain fixed-width table."""
    cells = [[str(c) for c in header], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@contextlib.contextmanager
def workspace(keep: bool, base: str | None = None) -> Iterator[Path]:
    """A fresh temporary folder for databases, logs and ack files; removed unless kept."""
    path = Path(tempfile.mkdtemp(prefix="magen-bench-", dir=base))
    try:
        yield path
    finally:
        if keep:
            print(f"kept {path}", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)
