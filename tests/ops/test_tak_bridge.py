"""`magen cot push` against a served Magen: its picture reaches a TAK listener, bad use is named."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from lxml import etree

from ops.opskit import SECRET, add_user, magen_serve, request

CIRCLE = {"kind": "circle", "lat": 31.7615, "lon": 35.2160, "radius_m": 200}


def _push(*args: str, key: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MAGEN_API_KEY"}
    if key is not None:
        env["MAGEN_API_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "magen", "cot", "push", "--once", *args],
        capture_output=True,
        text=True,
        env={**env, "MAGEN_SECRET": SECRET},
        timeout=60,
        check=False,
    )


def test_the_picture_reaches_a_tak_listener_and_bad_use_is_named(tmp_path: Path) -> None:
    db = str(tmp_path / "magen.db")
    add_user(db, "admin", "admin")
    add_user(db, "bridge", "dispatcher")
    with magen_serve(db, workers=1, workdir=tmp_path) as served:
        admin = served.sign_in("admin")
        status, bridge = request(
            served.url, "GET", "/api/v1/accounts/me", token=served.sign_in("bridge")
        )
        assert status == 200, bridge
        status, issued = request(
            served.url,
            "POST",
            f"/api/v1/accounts/{bridge['account_id']}/keys",
            {"command_id": str(uuid.uuid4()), "label": "TAK bridge"},
            token=admin,
        )
        assert status == 201, issued
        status, area = request(
            served.url,
            "POST",
            "/api/v1/danger-areas",
            {"command_id": str(uuid.uuid4()), "area": CIRCLE, "reason": "armed_attackers"},
            token=admin,
        )
        assert status == 201, area

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
            listener.bind(("127.0.0.1", 0))
            listener.settimeout(10)
            to = f"udp://127.0.0.1:{listener.getsockname()[1]}"
            done = _push("--server", served.url, "--to", to, key=issued["api_key"])
            assert done.returncode == 0, done.stderr
            event = etree.fromstring(listener.recvfrom(65536)[0])
        assert event.get("uid") == f"magen-danger-{area['id']}"
        assert event.get("type") == "u-d-c-c"

        refused = _push("--server", served.url, "--to", to, key="mk_not_a_key")
        assert refused.returncode == 2
        assert "refused the feed (401)" in refused.stderr
        assert "Traceback" not in refused.stderr


@pytest.mark.parametrize(
    ("args", "key", "says"),
    [
        (["--to", "http://tak:8087"], "k", "tcp://host:port or udp://host:port"),
        (["--to", "tcp://tak"], "k", "must name a host and a port"),
        (["--server", "tak:8080"], "k", "--server must be an http"),
        ([], None, "set MAGEN_API_KEY"),
        (["--every", "0"], "k", "give 1 to 600 seconds"),
        (["--server", "http://127.0.0.1:9"], "k", "nothing was sent"),
    ],
)
def test_bad_use_of_the_bridge_is_one_line(args: list[str], key: str | None, says: str) -> None:
    done = _push(*args, key=key)
    assert done.returncode == 2, done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stderr
