"""The `magen` command line, run as a user would: real processes, bad input named plainly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest


def magen(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "magen", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "magen.db")


def test_users_add_then_list(db: str) -> None:
    r = magen(
        "users",
        "add",
        "--username",
        "dina",
        "--role",
        "dispatcher",
        "--db",
        db,
        "--password-stdin",
        stdin="a long password\n",
    )
    assert r.returncode == 0, r.stderr
    assert "dina (dispatcher)" in r.stdout
    listed = magen("users", "list", "--db", db)
    assert "dina" in listed.stdout
    assert "dispatcher" in listed.stdout


def test_users_add_with_no_terminal_and_no_password_says_how_to_give_one(db: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MAGEN_PASSWORD"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "magen",
            "users",
            "add",
            "--username",
            "x0",
            "--role",
            "resident",
            "--db",
            db,
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        start_new_session=True,  # no controlling terminal to type a password at
        check=False,
    )
    assert result.returncode == 2
    assert "no password given" in result.stderr
    assert "--password-stdin" in result.stderr
    assert "Traceback" not in result.stderr
    # Refused at once, in one line: no GetPassWarning, no "may be echoed", no prompt.
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""


def test_users_add_never_reads_a_password_from_a_pipe_it_was_not_told_to(db: str) -> None:
    """Without --password-stdin, stdin that is no terminal is not where the password is."""
    env = {k: v for k, v in os.environ.items() if k != "MAGEN_PASSWORD"}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "magen",
            "users",
            "add",
            "--username",
            "x9",
            "--role",
            "resident",
            "--db",
            db,
        ],
        input="a long password\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        start_new_session=True,
        check=False,
    )
    assert r.returncode == 2
    assert r.stderr == (
        "magen: no password given and no terminal to type it at: "
        "pass it with --password-stdin or MAGEN_PASSWORD\n"
    )
    assert r.stdout == ""
    assert not Path(db).exists()  # refused before any log was made


def test_users_add_refuses_bad_input_with_one_line(db: str) -> None:
    bad_role = magen(
        "users",
        "add",
        "--username",
        "x1",
        "--role",
        "general",
        "--db",
        db,
        "--password-stdin",
        stdin="a long password\n",
    )
    assert bad_role.returncode == 2
    assert "unknown role 'general'" in bad_role.stderr
    assert "dispatcher" in bad_role.stderr
    assert "anonymous" not in bad_role.stderr  # offered, then refused: no account has it
    assert "Traceback" not in bad_role.stderr
    short = magen(
        "users",
        "add",
        "--username",
        "x2",
        "--role",
        "resident",
        "--db",
        db,
        "--password-stdin",
        stdin="short\n",
    )
    assert short.returncode == 2
    assert "at least 8 characters" in short.stderr
    bad_name = magen(
        "users",
        "add",
        "--username",
        "Not Valid!",
        "--role",
        "resident",
        "--db",
        db,
        "--password-stdin",
        stdin="a long password\n",
    )
    assert bad_name.returncode == 2
    # The rule's own words, naming the field once: no pydantic "Value error," before them.
    assert bad_name.stderr == (
        "magen: username: lowercase letters, digits, '.', '_' or '-', 2-64 long\n"
    )
    magen(
        "users",
        "add",
        "--username",
        "dup",
        "--role",
        "resident",
        "--db",
        db,
        "--password-stdin",
        stdin="a long password\n",
    )
    dup = magen(
        "users",
        "add",
        "--username",
        "dup",
        "--role",
        "resident",
        "--db",
        db,
        "--password-stdin",
        stdin="a long password\n",
    )
    assert dup.returncode == 2
    assert "taken" in dup.stderr


def _fill(db: str) -> list[datetime]:
    """Append reports at known times through the service, returning their times."""
    import asyncio

    from magen.app.service import Service
    from magen.clock import ManualClock
    from magen.domain.base import Actor
    from magen.domain.reports import RaiseSos, ReportSighting
    from magen.domain.values import GeoPoint, Role
    from magen.store.factory import open_log

    async def go() -> list[datetime]:
        clock = ManualClock(datetime(2023, 10, 7, 4, 0, tzinfo=UTC))
        log = open_log(db)
        service = Service(log, clock)
        service.load()
        officer = Actor("acc_x", Role.RESPONDER)
        times = []
        for i in range(4):
            clock.advance(timedelta(minutes=10))
            times.append(clock.now())
            here = GeoPoint(lat=31.76 + i / 1000, lon=35.21)
            await service.handle(
                officer, ReportSighting(command_id=uuid.uuid4(), where=here, count=i + 2)
            )
            await service.handle(
                officer, RaiseSos(command_id=uuid.uuid4(), where=here, people=i + 1)
            )
        await log.close()
        return times

    return asyncio.run(go())


def test_log_export_writes_json_lines(db: str, tmp_path: Path) -> None:
    _fill(db)
    out = tmp_path / "log.jsonl"
    r = magen("log", "export", "--db", db, "--out", str(out))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["position"] for row in rows] == list(range(1, 9))
    assert {row["type"] for row in rows} == {"ThreatSighted", "SosRaised"}
    after = magen("log", "export", "--db", db, "--after", "6")
    assert [json.loads(x)["position"] for x in after.stdout.splitlines()] == [7, 8]


def test_replay_until_shows_the_earlier_picture(db: str) -> None:
    times = _fill(db)
    r = magen("replay", "--db", db, "--until", times[1].isoformat())
    assert r.returncode == 0, r.stderr
    view = json.loads(r.stdout)
    assert view["position"] == 4
    assert len(view["sightings"]) == 2
    assert len(view["sos"]) == 2
    whole = json.loads(magen("replay", "--db", db).stdout)
    assert whole["position"] == 8


def test_replay_as_geojson_for_gis(db: str) -> None:
    times = _fill(db)
    r = magen("replay", "--db", db, "--until", times[1].isoformat(), "--geojson")
    assert r.returncode == 0, r.stderr
    fc = json.loads(r.stdout)
    assert fc["type"] == "FeatureCollection"
    assert (fc["position"], fc["until"]) == (4, times[1].isoformat())
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert (kinds.count("sighting"), kinds.count("sos")) == (2, 2)
    assert "track" in kinds  # the sightings fused as the log is replayed
    assert all(f["geometry"]["type"] == "Point" for f in fc["features"])


def test_replay_until_a_time_without_zone_is_on_the_towns_clock(db: str) -> None:
    times = _fill(db)  # 04:10, 04:20, 04:30, 04:40 UTC: 07:10... in Israel that morning
    israel = magen("replay", "--db", db, "--until", "2023-10-07T07:20", env={"MAGEN_TIMEZONE": ""})
    assert israel.returncode == 0, israel.stderr
    view = json.loads(israel.stdout)
    assert (view["position"], view["until"]) == (4, "2023-10-07T07:20:00+03:00")
    assert datetime.fromisoformat(view["until"]) == times[1]
    # The same words on another town's clock are another moment.
    utc = magen("replay", "--db", db, "--until", "2023-10-07T04:20", env={"MAGEN_TIMEZONE": "UTC"})
    assert json.loads(utc.stdout)["position"] == 4
    later = magen(
        "replay", "--db", db, "--until", "2023-10-07T07:20", env={"MAGEN_TIMEZONE": "UTC"}
    )
    assert json.loads(later.stdout)["position"] == 8


def test_replay_and_report_read_a_time_alike(db: str, tmp_path: Path) -> None:
    _fill(db)
    replay = magen("replay", "--db", db, "--until", "yesterday")
    report = magen("report", "--db", db, "--out", str(tmp_path / "r"), "--from", "yesterday")
    assert replay.returncode == report.returncode == 2
    assert replay.stderr == report.stderr
    assert replay.stderr.startswith("magen: not an ISO 8601 time: 'yesterday' (e.g. ")
    assert replay.stderr.count("\n") == 1


def test_first_error_names_the_field_once() -> None:
    from pydantic import BaseModel, ValidationError, field_validator

    from magen.cli.users import first_error

    class Form(BaseModel):
        name: str
        age: int

        @field_validator("name")
        @classmethod
        def _quiet(cls, v: str) -> str:
            if v.isupper():
                raise ValueError("not in capitals")
            return v

    def said(**fields: object) -> str:
        with pytest.raises(ValidationError) as caught:
            Form.model_validate(fields)
        return first_error(caught.value)

    assert said(name="LOUD", age=3) == "name: not in capitals"
    assert said(name="quiet", age="three").startswith("age: Input should be a valid integer")
    assert first_error(ValueError("plain")) == "plain"


def test_a_time_without_zone_is_on_the_towns_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from magen.cli.common import CliError, town_time
    from magen.town_clock import check_town_zone

    monkeypatch.setenv("MAGEN_TIMEZONE", "Europe/Bucharest")
    try:
        zone = check_town_zone()
        assert town_time("2026-11-25T11:00").tzinfo is zone
        assert town_time(" 2026-11-25T11:00Z ").utcoffset() == timedelta(0)
        with pytest.raises(CliError, match="is a day, not a time"):
            town_time("2026-11-25")  # its start or its end?
        with pytest.raises(CliError, match="not an ISO 8601 time"):
            town_time("11 o'clock")
    finally:
        monkeypatch.delenv("MAGEN_TIMEZONE")
        check_town_zone()


def test_missing_database_is_named(tmp_path: Path) -> None:
    r = magen("log", "export", "--db", str(tmp_path / "nope.db"))
    assert r.returncode == 2
    assert "no event log at" in r.stderr


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--port", "99999", "99999 is not in 1-65535"),
        ("--port", "http", "not a whole number: 'http'"),
        ("--workers", "0", "0 is not in 1-64"),
    ],
)
def test_serve_refuses_a_port_or_worker_count_out_of_range(
    db: str, flag: str, value: str, says: str
) -> None:
    r = magen("serve", "--db", db, flag, value)
    assert r.returncode == 2
    assert says in r.stderr
    assert not Path(db).exists()


def test_unknown_bench_is_named() -> None:
    r = magen("bench", "no-such-bench")
    assert r.returncode == 2
    assert "no benchmark 'no-such-bench'" in r.stderr


def test_replay_fuses_along_the_streets_of_the_town_it_is_given(db: str) -> None:
    """Replayed as the server with that town fused it: near by air, far on foot, two groups."""
    import asyncio

    from magen.app.service import Service
    from magen.clock import ManualClock
    from magen.domain.base import Actor
    from magen.domain.reports import ReportSighting
    from magen.domain.values import GeoPoint, Role
    from magen.store.factory import open_log
    from support.bakapack import baka_pack

    # Two Baka street corners 149 m apart in a straight line and 626 m apart on foot.
    near_by_air = GeoPoint(lon=35.21437, lat=31.75647)
    far_by_street = GeoPoint(lon=35.21575, lat=31.75583)

    async def go() -> None:
        clock = ManualClock(datetime(2023, 10, 7, 4, 0, tzinfo=UTC))
        log = open_log(db)
        service = Service(log, clock)
        service.load()
        officer = Actor("acc_x", Role.RESPONDER)
        for where, wait_s in ((near_by_air, 0), (near_by_air, 60), (far_by_street, 30)):
            clock.advance(timedelta(seconds=wait_s))
            command = ReportSighting(command_id=uuid.uuid4(), where=where, count=2)
            await service.handle(officer, command)
        await log.close()

    asyncio.run(go())
    pack = str(baka_pack())
    straight = json.loads(magen("replay", "--db", db, "--compact").stdout)
    streets = json.loads(magen("replay", "--db", db, "--compact", "--town", pack).stdout)
    from_env = json.loads(magen("replay", "--db", db, env={"MAGEN_TOWN": pack}).stdout)
    assert len(straight["tracks"]) == 1
    assert len(streets["tracks"]) == 2
    assert from_env["tracks"] == streets["tracks"]
    missing = magen("replay", "--db", db, "--town", str(Path(db).parent / "nope.town"))
    assert missing.returncode == 2
    assert "town pack not found" in missing.stderr


def test_a_reader_that_goes_away_stops_the_output_quietly(db: str) -> None:
    """`magen replay | head`: the reader closes the pipe (here before the first line: `true`
    reads nothing); no traceback, as with Unix tools."""
    _fill(db)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = f"{sys.executable} -m magen replay --db {db} | true; exit ${{PIPESTATUS[0]}}"
    r = subprocess.run(
        ["bash", "-c", command], check=False, capture_output=True, text=True, env=env, timeout=120
    )
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode in (0, 141), (r.returncode, r.stderr)
