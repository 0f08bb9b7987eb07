"""Input the command line refuses in one line naming the problem (and the line, for a file),
with status 2, no traceback and nothing made or changed.

Scenario files with bad bytes or a bad field, a --db in a folder that is not there, a password
on stdin that is no UTF-8, and a report span that holds none of the log's events.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from magen.cli import main
from magen.sim.scenario import SCENARIO_DIR, field_lines

OFAKIM = SCENARIO_DIR / "ofakim_baka.toml"


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("magen: "), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.strip()


def _line_no(lines: list[str], start: int, prefix: str) -> int:
    """The 1-based number of the first line from `start` (0-based) that begins with `prefix`."""
    return next(i for i in range(start, len(lines)) if lines[i].startswith(prefix)) + 1


# --- scenario files ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_scenario_that_is_no_utf8_is_named_with_its_byte_and_line(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was a UnicodeDecodeError traceback (status 1).
    bad = tmp_path / "latin.toml"
    bad.write_bytes(b'[scenario]\nname = "caf\xe9"\n')
    out = tmp_path / "out"
    args = ["sim", command, str(bad)] + (["--out", str(out)] if command == "run" else [])
    assert main(args) == 2
    err = _one_line(capsys)
    assert "latin.toml: not UTF-8 text: byte 0xe9 at offset 22 (line 2, column 12)" in err
    assert not out.exists()


def test_a_misspelt_key_is_named_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Said the field but not the line ("field.toml: alerts[2].seconds_to_shelterr: ...").
    lines = OFAKIM.read_text(encoding="utf-8").splitlines()
    third = [i for i, line in enumerate(lines) if line == "[[alerts]]"][2]
    at = _line_no(lines, third, "seconds_to_shelter =")
    lines[at - 1] = lines[at - 1].replace("seconds_to_shelter", "seconds_to_shelterr")
    field = tmp_path / "field.toml"
    field.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["sim", "check", str(field)]) == 2
    err = _one_line(capsys)
    assert err == (
        "magen: field.toml: alerts[2].seconds_to_shelterr: "
        f"Extra inputs are not permitted (got 45) (at line {at})"
    )


def _scenario_with(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """A copy of the Ofakim scenario with its first line starting `old` made `new`; the file
    and the line's number."""
    lines = OFAKIM.read_text(encoding="utf-8").splitlines()
    at = _line_no(lines, 0, old)
    lines[at - 1] = new
    path = tmp_path / "edited.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, at


def test_a_value_in_an_inline_table_of_the_second_group_is_named_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = OFAKIM.read_text(encoding="utf-8").splitlines()
    second = [i for i, line in enumerate(lines) if line == "[[attackers]]"][1]
    at = _line_no(lines, second, "entry =")
    lines[at - 1] = "entry = { lon = 35.2148, lat = 95.0 }"
    path = tmp_path / "edited.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["sim", "check", str(path)]) == 2
    err = _one_line(capsys)
    assert "edited.toml: attackers[1].entry.lat: Input should be" in err
    assert err.endswith(f"(got 95.0) (at line {at})")


def test_a_missing_field_is_named_with_the_line_of_its_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = OFAKIM.read_text(encoding="utf-8").splitlines()
    header = [i for i, line in enumerate(lines) if line == "[[alerts]]"][1]
    at = _line_no(lines, header, "category =")
    del lines[at - 1]
    path = tmp_path / "edited.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["sim", "check", str(path)]) == 2
    err = _one_line(capsys)
    assert err.endswith(f"edited.toml: alerts[1].category: Field required (at line {header + 1})")


def test_the_line_scan_follows_nested_tables_arrays_and_strings() -> None:
    text = """# a comment [not.a.table]
top = 1
[t]  # a comment
"quoted key" = \"\"\"a string over lines
[not.a.header]
x = 2\"\"\"
b.c = 'a = b'
arr = [
  1, # one [
  { x = 1, y = "]" },
  [2, 3],
]
[[p.q]]
r = 1
[[p.q]]
r = 2
[p.q.s]
u = 3
[[p.q.w]]
v = 1
[[p.q.w]]
v = 2
"""
    lines = field_lines(text)
    assert lines[("top",)] == 2
    assert lines[("t",)] == 3
    assert lines[("t", "quoted key")] == 4
    assert ("not",) not in lines  # inside the string
    assert ("t", "x") not in lines
    assert lines[("t", "b", "c")] == 7
    assert lines[("t", "arr")] == 8
    assert [lines[("t", "arr", i)] for i in range(3)] == [9, 10, 11]
    assert lines[("t", "arr", 1, "y")] == 10
    assert lines[("t", "arr", 2, 1)] == 11
    assert (lines[("p", "q", 0, "r")], lines[("p", "q", 1, "r")]) == (14, 16)
    assert lines[("p", "q", 1, "s", "u")] == 18
    assert lines[("p", "q", 1, "w", 1)] == 21
    assert lines[("p", "q", 1, "w", 1, "v")] == 22


def test_an_element_of_a_list_over_lines_is_named_with_its_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, at = _scenario_with(tmp_path, "teams =", "teams = [\n  3,\n  0,\n  5,\n]")
    assert main(["sim", "check", str(path)]) == 2
    err = _one_line(capsys)
    assert "edited.toml: attackers[0].teams[1]: Input should be" in err
    assert err.endswith(f"(got 0) (at line {at + 2})")


# --- users add ---------------------------------------------------------------------------


def test_users_add_refuses_a_db_in_a_folder_that_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was: the folders and a new log made, the account added there, status 0.
    monkeypatch.setenv("MAGEN_PASSWORD", "a long password")
    db = tmp_path / "typo" / "dir" / "magen.db"
    args = ["users", "add", "--username", "dina", "--role", "admin", "--db", str(db)]
    assert main(args) == 2
    err = _one_line(capsys)
    assert f"no folder {db.parent} for the event log at {db}" in err
    assert list(tmp_path.iterdir()) == []


def test_users_add_makes_a_new_log_in_a_folder_that_is_there_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAGEN_PASSWORD", "a long password")
    db = tmp_path / "magen.db"
    assert main(["users", "add", "--username", "dina", "--role", "admin", "--db", str(db)]) == 0
    assert f"created a new, empty event log at {db}" in capsys.readouterr().err
    assert db.exists()


def test_users_add_with_the_default_log_makes_its_folder_on_a_new_install(tmp_path: Path) -> None:
    # The first account of a new install goes into the server's default log, var/magen.db.
    env = {k: v for k, v in os.environ.items() if k != "MAGEN_DB"}
    env["MAGEN_PASSWORD"] = "a long password"
    r = subprocess.run(
        [sys.executable, "-m", "magen", "users", "add", "--username", "dina", "--role", "admin"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "var" / "magen.db").exists()


@pytest.mark.parametrize("stdin_encoding", ["", "utf-8:strict"])
def test_a_password_on_stdin_that_is_no_utf8_is_said_to_be_the_password(
    stdin_encoding: str, tmp_path: Path
) -> None:
    # Was "'utf-8' codec can't encode characters ..." (or, on a strict locale, a traceback).
    env = {**os.environ, "PYTHONIOENCODING": stdin_encoding}
    db = tmp_path / "magen.db"
    args = ["users", "add", "--username", "dina", "--role", "admin", "--password-stdin"]
    r = subprocess.run(
        [sys.executable, "-m", "magen", *args, "--db", str(db)],
        input=b"caf\xe9 au lait 123\n",
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2
    assert r.stderr == b"magen: the password read from standard input is not UTF-8 text\n"
    assert list(tmp_path.iterdir()) == []


# --- report spans --------------------------------------------------------------------------


@pytest.fixture
def filled(tmp_path: Path) -> str:
    """A log with a sighting and an SOS at 07:10, 07:20, 07:30 and 07:40 in Israel, 7 Oct 2023."""
    from magen.app.service import Service
    from magen.clock import ManualClock
    from magen.domain.base import Actor
    from magen.domain.reports import RaiseSos, ReportSighting
    from magen.domain.values import GeoPoint, Role
    from magen.store.factory import open_log

    db = str(tmp_path / "magen.db")

    async def go() -> None:
        clock = ManualClock(datetime(2023, 10, 7, 4, 0, tzinfo=UTC))
        log = open_log(db)
        service = Service(log, clock)
        service.load()
        officer = Actor("acc_x", Role.RESPONDER)
        for i in range(4):
            clock.advance(timedelta(minutes=10))
            here = GeoPoint(lat=31.76 + i / 1000, lon=35.21)
            await service.handle(
                officer, ReportSighting(command_id=uuid.uuid4(), where=here, count=2)
            )
            await service.handle(officer, RaiseSos(command_id=uuid.uuid4(), where=here, people=1))
        await log.close()

    asyncio.run(go())
    return db


_HELD = "the log's events run from 2023-10-07T07:10:00+03:00 to 2023-10-07T07:40:00+03:00"


@pytest.fixture(autouse=True)
def _israel(monkeypatch: pytest.MonkeyPatch) -> None:
    from magen.town_clock import town_zone

    monkeypatch.setenv("MAGEN_TIMEZONE", "Asia/Jerusalem")
    town_zone.cache_clear()


@pytest.mark.parametrize(
    ("span", "said"),
    [
        (
            ["--from", "1900-01-01T00:00", "--until", "1900-01-01T01:00"],
            "no event of the log falls in the report's span (from 1900-01-01T00:00:00+02:20",
        ),
        (
            ["--from", "2023-10-07T07:15", "--until", "2023-10-07T07:18"],
            "no event of the log falls in the report's span (from 2023-10-07T07:15:00+03:00 "
            "to 2023-10-07T07:18:00+03:00)",
        ),
        (
            ["--from", "2099-01-01T00:00"],
            "the report's start (2099-01-01T00:00) is not before the log's last event",
        ),
        (
            ["--until", "2000-01-01T00:00"],
            "the report's end (2000-01-01T00:00) is not after the log's first event",
        ),
    ],
)
def test_a_report_span_with_no_events_is_refused_naming_the_logs_times(
    span: list[str], said: str, filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was: an empty report written, status 0; --from alone quoted an end never given.
    out = tmp_path / "report"
    assert main(["report", "--db", filled, "--out", str(out), *span]) == 2
    err = _one_line(capsys)
    assert said in err
    assert _HELD in err
    assert "--allow-empty" in err
    assert not out.exists()


def test_an_empty_span_is_written_when_asked_for_with_a_warning(
    filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    span = ["--from", "2023-10-07T07:15", "--until", "2023-10-07T07:18", "--allow-empty"]
    assert main(["report", "--db", filled, "--out", str(out), *span]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("magen: warning: no event of the log falls in")
    assert (out / "report.html").exists()


def test_a_span_holding_events_is_written_without_a_warning(
    filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    span = ["--from", "2023-10-07T07:15", "--until", "2023-10-07T07:25"]
    assert main(["report", "--db", filled, "--out", str(out), *span]) == 0
    assert capsys.readouterr().err == ""
    assert (out / "report.html").exists()
