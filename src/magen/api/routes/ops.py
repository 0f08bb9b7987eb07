"""Health, readiness and Prometheus metrics."""

from __future__ import annotations

import os
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
    applied = service.state.position
    return 200, {
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


_BACKENDS = {
    "PostgresEventLog": "postgresql",
    "SqliteEventLog": "sqlite",
    "MemoryEventLog": "memory",
}


class _ServiceCollector:
    def __init__(self, service: Service) -> None:
        self.service = service

    def collect(self) -> Any:
        s = self.service
        commands = CounterMetricFamily(
            "magen_commands", "Commands handled, by type and outcome", labels=["command", "outcome"]
        )
        for (name, outcome), n in sorted(s.metrics.commands.items()):
            commands.add_metric([name, outcome], n)
        yield commands
        yield CounterMetricFamily(
            "magen_events_appended", "Events appended", value=s.metrics.appended
        )
        yield GaugeMetricFamily(
            "magen_log_position", "Last applied log position", value=s.state.position
        )
        yield GaugeMetricFamily(
            "magen_live_subscribers", "Live feed subscribers", value=s.hub.subscribers
        )
        yield GaugeMetricFamily(
            "magen_replayed_at_start",
            "Events replayed at start-up",
            value=s.metrics.replayed_at_start,
        )


@get("/metrics", media_type="text/plain; version=0.0.4")
async def metrics(request: Request[Any, Any, Any]) -> bytes:
    """Counters and gauges in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ServiceCollector(runtime(request).service))
    return generate_latest(registry)


handlers = [healthz, readyz, healthz_head, readyz_head, metrics]
