"""Health, readiness and Prometheus metrics."""

from __future__ import annotations

import os
import time
import weakref
from typing import Any

import anyio
from litestar import MediaType, Request, Response, get, head
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from magen.api.deps import runtime
from magen.app.service import Service


@get("/healthz", media_type=MediaType.JSON)
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@get("/readyz", media_type=MediaType.JSON)
async def readyz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """The process can serve: its event log answers."""
    status, body = await _readiness(request)
    return Response(body, status_code=status, headers=_retry_later(status))


# Uptime monitors often ask with HEAD: the same answer's status, with no body (Litestar's
# HEAD handlers may send none).
@head("/healthz")
async def healthz_head() -> Response[None]:
    """The process is up (HEAD)."""
    return Response(None, media_type=MediaType.TEXT)


@head("/readyz")
async def readyz_head(request: Request[Any, Any, Any]) -> Response[None]:
    """The process can serve (HEAD): 200, or 503 while its event log does not answer."""
    status, _ = await _readiness(request)
    return Response(
        None, status_code=status, headers=_retry_later(status), media_type=MediaType.TEXT
    )


def _retry_later(status: int) -> dict[str, str]:
    return {"Retry-After": "5"} if status == 503 else {}


async def _readiness(request: Request[Any, Any, Any]) -> tuple[int, dict[str, Any]]:
    service = runtime(request).service
    backend = _BACKENDS.get(type(service.log).__name__, type(service.log).__name__)
    try:
        head = await anyio.to_thread.run_sync(service.log.head)
    except Exception as exc:  # any storage failure means not ready; say which
        return 503, {
            "status": "unavailable",
            "database": "unreachable",
            "backend": backend,
            "reason": str(exc)[:300],
            "worker": os.getpid(),
        }
    recheck = getattr(service.log, "recheck_writable", None)
    if recheck is not None and getattr(service.log, "write_failure", None):
        await anyio.to_thread.run_sync(recheck)  # writable again? ready again, with no append
    applied = service.state.position
    body: dict[str, Any] = {
        "status": "ok",
        "database": "ok",
        "backend": backend,
        "log_head": head,
        "applied": applied,
        # Events committed (by any worker) that this one has not applied yet.
        "lag": max(head - applied, 0),
        "resumed_from_snapshot": service.metrics.snapshot_position,
        "replayed_at_start": service.metrics.replayed_at_start,
        "worker": os.getpid(),  # which of several API worker processes answered
    }
    reason = _not_ready(service, head, applied)
    if reason is None:
        return 200, body
    return 503, {**body, "status": "unavailable", "database": reason[0], "reason": reason[1]}


# How long this worker may stay behind a log head it has seen before it is not ready: another
# process's commit is applied within a poll (25 ms) when the log is followed.
LAG_GRACE_S = 5.0
# Per service: the log head first seen ahead of what it had applied, and when.
_behind: weakref.WeakKeyDictionary[Service, tuple[int, float]] = weakref.WeakKeyDictionary()


def _not_ready(service: Service, head: int, applied: int) -> tuple[str, str] | None:
    """Why this worker cannot be trusted to serve, as (database state, reason); None if it can."""
    failure = getattr(service.log, "write_failure", None)
    if failure:
        # Cleared by the next append that succeeds, or a probe that writes: until then no
        # report can be recorded.
        return "not writable", f"the last append failed: {str(failure)[:300]}"
    if applied > head:
        _behind.pop(service, None)
        return "behind the picture", (
            f"the log ends at {head} but this worker has applied {applied}: it was replaced "
            "under the server (restored?); restart the server"
        )
    if head <= applied:
        _behind.pop(service, None)
        return None
    now = time.monotonic()
    seen = _behind.get(service)
    if seen is None or applied >= seen[0]:
        _behind[service] = (head, now)  # caught up with the head seen last: start again
        return None
    if now - seen[1] > LAG_GRACE_S:
        return "lagging", (
            f"the log reached {seen[0]} more than {LAG_GRACE_S:g} s ago and this worker has "
            f"applied only {applied}: it does not follow the log"
        )
    return None


_BACKENDS = {
    "PostgresEventLog": "postgresql",
    "SqliteEventLog": "sqlite",
    "MemoryEventLog": "memory",
}


class _ServiceCollector:
    """This worker's counters and gauges, each labelled with the worker's process id.

    Under `serve --workers N` each scrape reaches one worker at random. Without the label the
    workers' counters would be one series that jumps between them, and Prometheus would read
    every jump down as a reset; with it, each worker is a series of its own (sum them with
    `sum without (worker)`), and a restarted worker is a new one.
    """

    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Any:
        s = self.service
        worker = str(os.getpid())
        commands = CounterMetricFamily(
            "magen_commands",
            "Commands handled, by type and outcome",
            labels=["worker", "command", "outcome"],
        )
        for (name, outcome), n in sorted(s.metrics.commands.items()):
            commands.add_metric([worker, name, outcome], n)
        yield commands
        for family, value in (
            (
                CounterMetricFamily("magen_events_appended", "Events appended", labels=["worker"]),
                s.metrics.appended,
            ),
            (
                GaugeMetricFamily(
                    "magen_log_position", "Last applied log position", labels=["worker"]
                ),
                s.state.position,
            ),
            (
                GaugeMetricFamily(
                    "magen_live_subscribers", "Live feed subscribers", labels=["worker"]
                ),
                s.hub.subscribers,
            ),
            (
                GaugeMetricFamily(
                    "magen_replayed_at_start", "Events replayed at start-up", labels=["worker"]
                ),
                s.metrics.replayed_at_start,
            ),
        ):
            family.add_metric([worker], value)
            yield family


@get("/metrics", media_type="text/plain; version=0.0.4")
async def metrics(request: Request[Any, Any, Any]) -> bytes:
    """Counters and gauges in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ServiceCollector(runtime(request).service))
    return generate_latest(registry)


handlers = [healthz, readyz, healthz_head, readyz_head, metrics]
