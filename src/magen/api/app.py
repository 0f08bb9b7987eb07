"""Build the Litestar application around a running service."""

from __future__ import annotations

import gc
import logging
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.datastructures import State as AppState
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin

from magen import __version__
from magen.api import bodies, errors, live
from magen.api.deps import CachingTokenIssuer, Runtime, provide_actor, provide_service
from magen.api.routes import (
    accounts,
    alerts,
    assets,
    cot,
    dispatch,
    geojson,
    guidance,
    history,
    ops,
    pages,
    pages_family,
    pages_hospital,
    pages_registry,
    people,
    picture,
    picture_ops,
    reports,
    responders,
    town,
)
from magen.app.dispatch import DispatchService
from magen.app.guidance import GuidanceService
from magen.app.ratelimit import RateLimiter
from magen.app.readiness import Readiness
from magen.app.service import Service
from magen.clock import Clock, SystemClock
from magen.config import Settings, db_wait_seconds
from magen.domain.picture import Picture, configure_picture
from magen.geo.town import Town, load_town
from magen.picture.fusion import FusionConfig
from magen.picture.metric import StreetGraphMetric, metric_key, town_metric
from magen.store.base import EventLog, LogUnavailable
from magen.web.times import check_town_zone

_log = logging.getLogger("magen.api")

ROUTERS = [
    accounts.router,
    reports.router,
    responders.router,
    picture.router,
    alerts.router,
    guidance.router,
    town.router,
    history.router,
    people.router,
    picture_ops.router,
    dispatch.router,
    cot.router,
    geojson.router,
    *pages.ROUTERS,
    *assets.ROUTERS,
    *pages_hospital.ROUTERS,
    *pages_family.ROUTERS,
    *pages_registry.ROUTERS,
]

# A server's heap is mostly long-lived: imported modules, the folded state, the live buffer.
# With CPython's default thresholds (700, 10, 10) the collector runs every few requests and each
# full pass walks all of it, stalling every request in flight. Measured with bench/ingest.py:
# these thresholds, after freezing what start-up built, halve the CPU per report and bring p99
# from over 100 ms to under 30 ms. Cyclic garbage waits longer to be freed; nothing else changes.
# The young generation's threshold sets how long each of its collections stalls the loop, not
# what they cost in all: every report leaves ~13 tracked objects (its event, record, ids; the
# live buffer's copy) that one young collection walks once before `_freeze_survivors` freezes
# them. At 50,000 a collection walked ~46,000 objects in ~24 ms, every ~3,700 reports, and
# ~100 requests queued behind each: p99 51-56 ms (worst rounds 59-67). At 10,000 (bench/ingest.py,
# old and new alternated, 2 rounds each, four times) p99 was 22-33 ms, worst 34 ms, with CPU per
# report within the runs' noise.
SERVING_GC_THRESHOLDS = (10_000, 20, 20)
_PYTHON_GC_THRESHOLDS = gc.get_threshold()  # as the interpreter started


def load_settings_town(settings: Settings) -> Town | None:
    """The town pack the settings name, loaded; None when they name none."""
    return load_town(settings.town) if settings.town is not None else None


def build_service(
    settings: Settings, clock: Clock, log: EventLog | None = None, *, town: Town | None = None
) -> Service:
    """A service over the configured log, resumed from its newest snapshot and folded to the head.

    With a town (`town`, else the pack the settings name) fusion measures how far a group
    could have moved along the town's streets, from the first event folded: the metric is
    set before the log is replayed or a snapshot restored (one made under another metric is
    refused, and the log replayed instead).

    While the database is unreachable this waits (MAGEN_DB_WAIT_S, default 60 s) rather than
    fail: a worker restarted during a database restart then comes up once it is back.
    """
    from magen.app.snapshots import SnapshotPolicy, Snapshots
    from magen.store.snapshot import snapshot_store

    if town is None:
        town = load_settings_town(settings)
    deadline = time.monotonic() + db_wait_seconds()
    pause = 0.25
    while True:
        try:
            if log is None:
                from magen.store.factory import open_log

                log = open_log(settings.database)
            store = snapshot_store(log)
            snapshots = (
                Snapshots(store, settings.secret, SnapshotPolicy.from_env()) if store else None
            )
            service = Service(
                log,
                clock,
                rate_limiter=RateLimiter(settings.anonymous_per_minute, settings.anonymous_burst),
                snapshots=snapshots,
            )
            configure_picture(
                service.state,
                config=FusionConfig(stale_after_s=settings.track_stale_s),
                metric=_street_metric(town) if town is not None else None,
            )
            service.load()
            return service
        except LogUnavailable as exc:
            if time.monotonic() + pause > deadline:
                raise
            _log.warning("waiting for the event log: %s", exc)
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    log: EventLog | None = None,
    service: Service | None = None,
    town: Town | None = None,
) -> Litestar:
    """The HTTP application; the service is built at start-up unless one is given.

    The town is `town`, else the pack the settings name. A given service must have been built
    with the same town (`build_service(..., town=town)`): its picture measures along streets.
    """
    check_town_zone()  # a mistyped MAGEN_TIMEZONE stops the server, not every page's clock
    clock = clock or SystemClock()
    holder: dict[str, Service] = {}

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # The town first: the service folds the log with the town's street metric.
        pack = town if town is not None else load_settings_town(settings)
        if service is not None:
            check_picture_metric(service, pack)
        svc = service or build_service(settings, clock, log, town=pack)
        holder["service"] = svc
        guide = GuidanceService.attach(svc, pack) if pack is not None else None
        app.state["runtime"] = Runtime(
            service=svc,
            tokens=CachingTokenIssuer(settings.secret, timedelta(hours=settings.token_hours)),
            settings=settings,
            readiness=Readiness(svc.log),
            town=pack,
            guidance=guide,
            dispatch=DispatchService.attach(svc, pack),
        )
        if settings.follow_log:
            svc.follow()
        if service is None:
            svc.keep_snapshots()
        if guide is not None:
            guide.start()
        try:
            yield
        finally:
            if guide is not None:
                await guide.close()
            await svc.close()
            if service is None:
                await svc.log.close()

    return Litestar(
        route_handlers=[*ROUTERS, *ops.handlers, live.live],
        dependencies={"actor": Provide(provide_actor), "service": Provide(provide_service)},
        exception_handlers=errors.HANDLERS,
        before_request=bodies.require_json,
        request_max_body_size=settings.max_body_bytes,
        lifespan=[lifespan],
        state=AppState({}),
        openapi_config=OpenAPIConfig(
            title="Magen API",
            version=__version__,
            description="Reports in, one live picture out. All times UTC; positions WGS84.",
            path="/api/v1/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=False,
    )


def check_picture_metric(service: Service, town: Town | None) -> None:
    """Refuse a service whose picture does not measure along the town's streets."""
    if town is None:
        return
    have = metric_key(service.state.slice(Picture).metric)
    want = _STREET_KEYS.get(town)
    if want is None:  # a town object no service was built with here: measure it once
        want = _STREET_KEYS[town] = town_metric(town).key
    if have != want:
        raise ValueError(
            f"the service's picture measures {have!r}, not the streets of {town.name} "
            f"({want!r}): build it with build_service(..., town=town)"
        )


# The key of each town's street metric, by town object: `build_service` notes it as it builds
# the metric, so checking a service built here against its town builds no second metric (a
# graph of Jerusalem's size takes seconds). Each service still gets a metric of its own.
_STREET_KEYS: weakref.WeakKeyDictionary[Town, str] = weakref.WeakKeyDictionary()


def _street_metric(town: Town) -> StreetGraphMetric:
    metric = town_metric(town)
    _STREET_KEYS[town] = metric.key
    return metric


def settle_heap() -> None:
    """Freeze what start-up built and collect young objects less often (serving processes).

    From then on, what survives a young-generation collection is frozen too
    (`_freeze_survivors`): the state grows by ~8 long-lived objects per report, and left to
    age they pile up in the middle generation, whose next collection walks all of them at
    once. Measured with bench/ingest.py (MAGEN_SNAPSHOTS=0, 3 rounds): at ~95,000 reports one
    such collection walked a million objects for 549 ms on the event loop (that round's p99
    was 459 ms, the stall blamed on the second snapshot); with survivors frozen the worst
    round's p99 was 58 ms, and collections cost the same ~7 us per report as before. The
    price: a reference cycle still reachable at a young collection and dropped later is never
    freed (measured: 13 objects left over after 114,000 reports; reference counting frees
    everything else as before).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_GC_THRESHOLDS)
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def unsettle_heap() -> None:
    """Undo `settle_heap`: the collector back to CPython's settings, nothing frozen (benches)."""
    if _freeze_survivors in gc.callbacks:
        gc.callbacks.remove(_freeze_survivors)
    gc.unfreeze()
    gc.set_threshold(*_PYTHON_GC_THRESHOLDS)


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    """After each young-generation collection, move its survivors out of the collector's way."""
    if phase == "stop" and info["generation"] == 0:
        gc.freeze()


def asgi_app() -> Any:
    """Entry point for `uvicorn --factory magen.api.app:asgi_app` (settings from MAGEN_*)."""
    app = create_app(Settings.from_env())
    # After the lifespan has folded the log into state; only here, because tests build many
    # apps in one process and should keep the interpreter's defaults.
    app.on_startup.append(settle_heap)
    return app
