"""Health, readiness and Prometheus metrics."""

from __future__ import annotations

import os
from typing import Any

from litestar import MediaType, Request, Response, get, head
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from magen.api.deps import runtime
from magen.app.readiness import LAG_GRACE_S
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
    rt = runtime(request)
    service = rt.service
    backend = _BACKENDS.get(type(service.log).__name__, type(service.log).__name__)
    # The grace is read here on each request (a module global), so a test may shorten it.
    verdict = await rt.readiness.check(service.state.position, lag_grace_s=LAG_GRACE_S)
    if verdict.head is None:
        return 503, {
            "status": "unavailable",
            "database": "unreachable",
            "backend": backend,
            "reason": verdict.reason,
            "worker": os.getpid(),
        }
    body: dict[str, Any] = {
        "status": "ok",
        "database": "ok",
        "backend": backend,
        "log_head": verdict.head,
        "applied": verdict.applied,
        # Events committed (by any worker) that this one has not applied yet.
        "lag": verdict.lag,
        "resumed_from_snapshot": service.metrics.snapshot_position,
        "replayed_at_start": service.metrics.replayed_at_start,
        "worker": os.getpid(),  # which of several API worker processes answered
    }
    if verdict.ready:
        return 200, body
    return 503, {
        **body,
        "status": "unavailable",
        "database": verdict.problem,
        "reason": verdict.reason,
    }


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
