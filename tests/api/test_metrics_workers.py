"""/metrics: valid Prometheus text, each series labelled with the worker that answered."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from support.apikit import Kit, api_kit


@pytest.fixture
def kit() -> Iterator[Kit]:
    with api_kit() as k:
        yield k


def test_every_series_names_its_worker(kit: Kit) -> None:
    r = kit.client.get("/metrics")
    assert r.status_code == 200
    families: dict[str, Any] = {f.name: f for f in text_string_to_metric_families(r.text)}
    assert {"magen_commands", "magen_events_appended", "magen_log_position"} <= set(families)
    samples = [s for f in families.values() for s in f.samples]
    assert samples
    # One worker's counters are a series of their own: a scrape that reaches another worker
    # is another series, never a drop Prometheus would read as a reset.
    assert {s.labels.get("worker") for s in samples} == {str(os.getpid())}
