"""The serving process's garbage-collector settings: applied at start-up, survivors frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from magen.api import app as api_app


@pytest.fixture
def restored_gc() -> Iterator[None]:
    """Put the interpreter's collector back as it was: other tests run in this process."""
    threshold = gc.get_threshold()
    callbacks = list(gc.callbacks)
    try:
        yield
    finally:
        gc.callbacks[:] = callbacks
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _in_a_generation(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects())


def test_the_served_app_settles_the_heap_at_start_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MAGEN_DB", str(tmp_path / "magen.db"))
    app = api_app.asgi_app()
    assert api_app.settle_heap in app.on_startup


@pytest.mark.usefixtures("restored_gc")
def test_settle_heap_raises_thresholds_and_installs_one_freezer() -> None:
    api_app.settle_heap()
    api_app.settle_heap()  # a second app in the same process adds no second callback
    assert gc.get_threshold() == api_app.SERVING_GC_THRESHOLDS
    assert gc.callbacks.count(api_app._freeze_survivors) == 1


@pytest.mark.usefixtures("restored_gc")
def test_survivors_of_a_young_collection_leave_the_collectors_generations() -> None:
    api_app.settle_heap()
    frozen_before = gc.get_freeze_count()
    survivor = {"state": [1, 2, 3]}  # long-lived, like a folded event
    assert _in_a_generation(survivor)
    gc.collect(0)
    # Frozen: no later middle or full collection walks it again.
    assert not _in_a_generation(survivor)
    assert gc.get_freeze_count() > frozen_before


@pytest.mark.usefixtures("restored_gc")
def test_older_collections_freeze_nothing() -> None:
    gc.callbacks.append(api_app._freeze_survivors)
    gc.unfreeze()
    survivor = {"state": [1, 2, 3]}
    gc.collect(1)
    assert _in_a_generation(survivor)
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("restored_gc")
def test_unsettle_heap_puts_the_interpreters_collector_back() -> None:
    before = gc.get_threshold()
    api_app.settle_heap()
    api_app.unsettle_heap()
    assert api_app._freeze_survivors not in gc.callbacks
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
