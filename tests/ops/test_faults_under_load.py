"""Faults against real processes under load: nothing acknowledged is lost or duplicated.

A crowd of phones (`ops.opskit.Load`) reports sightings to `magen serve --workers 2` on
PostgreSQL, resending each unanswered request with the same command id. Meanwhile a worker is
SIGKILLed, or PostgreSQL is stopped and started again. Afterwards every acknowledged report is
in the log exactly once, the log has no gap, and the API serves again without a restart.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest

from magen.app.snapshots import read_header, signing_key
from magen.store.factory import open_log
from magen.store.snapshot import snapshot_store
from ops.opskit import SECRET, Load, add_user, audit, magen_serve, request
from support.postgres import PgServer

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_sigkill_of_a_worker_under_load_loses_and_duplicates_nothing(
    pg: PgServer, tmp_path: Path
) -> None:
    db = pg.fresh_url("kill")
    add_user(db, "ops-responder", "responder")
    # Snapshots are saved (from forked children) while the load runs and a worker dies.
    env = {"MAGEN_SNAPSHOT_EVERY": "200", "MAGEN_SNAPSHOT_SECONDS": "2"}
    with magen_serve(db, workers=2, workdir=tmp_path, env=env) as served:
        before = served.workers(2)
        load = Load(served.url, served.sign_in("ops-responder"), threads=6)
        load.start()
        load.wait_for_acks(150, within=60)
        victim = sorted(before)[0]
        os.kill(victim, signal.SIGKILL)  # a worker this test's server started
        killed_at = load.acked_count()
        # The other worker keeps taking reports while uvicorn replaces the dead one.
        load.wait_for_acks(killed_at + 300, within=60)
        after = served.workers(2)
        assert victim not in after
        load.wait_for_acks(load.acked_count() + 100, within=60)
        load.finish()
        counts = audit(load, db)
        assert len(load.acked) >= killed_at + 400
        assert set(counts) == set(load.acked)  # and nothing unacknowledged slipped in
        # Both workers (the replacement included) are in step with the log.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            lags = [body["lag"] for body in served.workers(2).values()]
            if not any(lags):
                break
            time.sleep(0.1)
        assert not any(lags), lags
        # The serving processes keep snapshots (checked every 5 s): one exists, whole and signed.
        log = open_log(db)
        try:
            store = snapshot_store(log)
            assert store is not None
            deadline = time.monotonic() + 30
            while not store.positions() and time.monotonic() < deadline:
                time.sleep(0.2)
            positions = store.positions()
            assert positions, "the serving processes saved no snapshot"
            blob = store.load(positions[0])
            assert blob is not None
            header = read_header(blob, signing_key(SECRET.encode()))
            assert header.position == positions[0]
        finally:
            log.close_sync()  # type: ignore[attr-defined]


def test_postgres_restart_under_load_answers_503_then_recovers_by_itself(
    private_pg: PgServer, tmp_path: Path
) -> None:
    db = private_pg.fresh_url("restart")
    add_user(db, "ops-responder", "responder")
    with magen_serve(db, workers=2, workdir=tmp_path) as served:
        load = Load(served.url, served.sign_in("ops-responder"), threads=6)
        load.start()
        load.wait_for_acks(150, within=60)

        private_pg.stop("fast")
        stopped = load.acked_count()
        # While the database is down, every worker says so plainly, and fast.
        started = time.monotonic()
        status, body = served.readyz()
        assert time.monotonic() - started < 3
        assert status == 503, body
        assert body["database"] == "unreachable"
        assert "PostgreSQL is unreachable" in body["reason"]
        token = served.sign_in("ops-responder")
        report = {"command_id": str(uuid.uuid4()), "where": {"lat": 31.76, "lon": 35.21}}
        status, body = request(served.url, "POST", "/api/v1/sightings", report, token)
        assert status == 503, body
        assert body["error"] == "unavailable"
        assert "PostgreSQL is unreachable" in body["reason"]
        time.sleep(1.0)
        assert load.acked_count() <= stopped + 6 * 2  # at most the requests already committing
        assert any("unreachable" in reason for reason in load.reasons), load.reasons[:3]

        private_pg.start()
        # No restart of Magen: the workers reconnect and the retried reports go through.
        load.wait_for_acks(load.acked_count() + 300, within=60)
        status, body = served.readyz()
        assert status == 200, body
        status, body = request(served.url, "POST", "/api/v1/sightings", report, token)
        assert status == 201, body
        status, again = request(served.url, "POST", "/api/v1/sightings", report, token)
        assert (status, again["id"]) == (200, body["id"])  # recognised, not stored twice
        load.finish()
        assert load.statuses[503] > 0
        counts = audit(load, db)
        assert set(counts) == set(load.acked) | {body["id"]}
        assert len(load.acked) >= stopped + 300
