"""`magen serve --workers N` on PostgreSQL: workers follow each other through the database."""

from __future__ import annotations

import http.client
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from ops.opskit import add_user, magen_serve, request
from support.postgres import PgServer

pytestmark = pytest.mark.postgres


def _bound_connections(url: str, count: int, within: float = 30.0) -> dict[int, Any]:
    """Keep-alive connections, one to each of `count` workers: worker pid -> connection."""
    host, port = url.removeprefix("http://").split(":")
    bound: dict[int, http.client.HTTPConnection] = {}
    deadline = time.monotonic() + within
    while len(bound) < count and time.monotonic() < deadline:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/readyz")
        answer = conn.getresponse()
        worker = json.loads(answer.read())["worker"]
        if worker in bound:
            conn.close()
        else:
            bound[worker] = conn
    assert len(bound) == count, f"reached workers {sorted(bound)} only"
    return bound


def _post(conn: http.client.HTTPConnection, path: str, body: Any, token: str) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    conn.request("POST", path, json.dumps(body), headers)
    answer = conn.getresponse()
    return answer.status, json.loads(answer.read())


def test_a_live_subscriber_on_one_worker_sees_reports_taken_by_every_worker(
    pg: PgServer, tmp_path: Path
) -> None:
    db = pg.fresh_url("workers")
    add_user(db, "ops-admin", "admin")
    with magen_serve(db, workers=2, workdir=tmp_path) as served:
        token = served.sign_in("ops-admin")
        ready = served.workers(2)
        assert {body["backend"] for body in ready.values()} == {"postgresql"}
        head = max(body["log_head"] for body in ready.values())
        live_url = served.url.replace("http://", "ws://")
        with connect(f"{live_url}/api/v1/live?after={head}") as feed:
            feed.send(json.dumps({"kind": "auth", "token": token}))  # as a browser does
            bound = _bound_connections(served.url, 2)
            sent: dict[str, int] = {}
            for i in range(20):
                worker = sorted(bound)[i % 2]
                command = {
                    "command_id": str(uuid.uuid4()),
                    "where": {"lat": 31.76 + i / 1000, "lon": 35.21},
                    "count": 1 + i,
                }
                status, body = _post(bound[worker], "/api/v1/sightings", command, token)
                assert status == 201, body
                sent[body["id"]] = worker
            seen: set[str] = set()
            deadline = time.monotonic() + 15
            while not set(sent) <= seen and time.monotonic() < deadline:
                frame = json.loads(feed.recv(timeout=max(deadline - time.monotonic(), 0.1)))
                if frame["kind"] == "event" and frame["type"] == "ThreatSighted":
                    seen.add(frame["data"]["sighting_id"])
            # Half the reports were taken by the worker that does not hold this feed.
            assert set(sent) <= seen, f"missing {set(sent) - seen}"
            for conn in bound.values():
                conn.close()
        # Every worker has applied everything: no lag on either.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            lags = {pid: body["lag"] for pid, body in served.workers(2).items()}
            if not any(lags.values()):
                break
            time.sleep(0.1)
        assert not any(lags.values()), lags


def test_readiness_reports_the_database_and_resumption(pg: PgServer, tmp_path: Path) -> None:
    db = pg.fresh_url("ready")
    add_user(db, "ops-admin", "admin")
    with magen_serve(db, workers=1, workdir=tmp_path) as served:
        status, body = served.readyz()
        assert status == 200
        assert body["database"] == "ok"
        assert body["backend"] == "postgresql"
        assert body["log_head"] == body["applied"] == 1
        assert body["replayed_at_start"] == 1
        assert body["resumed_from_snapshot"] is None
        status, health = request(served.url, "GET", "/healthz")
        assert (status, health) == (200, {"status": "ok"})
