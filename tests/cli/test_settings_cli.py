"""MAGEN_* settings and a password on stdin, as the command line takes them.

A bad MAGEN_* value is one line naming the variable and what it may be (status 2), said before
anything is opened, made or served; a switch takes only 1/0, true/false, yes/no or on/off.
A password piped from a file saved on Windows (CRLF, a byte-order mark) is the password typed.

Run in-process (`main`), so a traceback that escaped would fail the test rather than print.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from magen.app.security import verify_password
from magen.app.snapshots import SnapshotPolicy
from magen.cli import main
from magen.cli.common import with_service
from magen.config import Settings

# Each bad value, and what its line must say after the variable's name.
BAD = [
    ("MAGEN_DB_WAIT_S", "junk", "must be between 0 and 86400 seconds, not 'junk'"),
    ("MAGEN_DB_WAIT_S", "-1", "must be between 0 and 86400 seconds, not '-1'"),
    ("MAGEN_SNAPSHOT_EVERY", "junk", "must be a whole number between 1 and 1000000000"),
    ("MAGEN_SNAPSHOT_EVERY", "0", "must be a whole number between 1 and 1000000000, not '0'"),
    ("MAGEN_SNAPSHOT_SECONDS", "junk", "must be between 1 and 86400 seconds, not 'junk'"),
    ("MAGEN_SNAPSHOT_SECONDS", "nan", "must be between 1 and 86400 seconds, not 'nan'"),
    ("MAGEN_TRACK_STALE_S", "5", "must be between 10 and 86400 seconds, not '5'"),
    ("MAGEN_TRACK_STALE_S", "junk", "must be between 10 and 86400 seconds, not 'junk'"),
    ("MAGEN_CAP_SENDER", "a,b", "'a,b' is not a CAP sender"),
    ("MAGEN_SNAPSHOTS", "maybe", "must be 1/0, true/false, yes/no or on/off, not 'maybe'"),
    ("MAGEN_OPEN_REGISTRATION", "maybe", "must be 1/0, true/false, yes/no or on/off"),
    ("MAGEN_FOLLOW_LOG", "sometimes", "must be 1/0, true/false, yes/no or on/off"),
]
IDS = [f"{name}={value}" for name, value, _ in BAD]


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("magen: "), err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.strip()


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.fixture
def log_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real event log holding one account, made with good settings."""
    db = str(tmp_path / "magen.db")
    monkeypatch.setenv("MAGEN_PASSWORD", "a long password")
    assert main(["users", "add", "--username", "dina", "--role", "admin", "--db", db]) == 0
    return db


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- a bad MAGEN_* value -------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value", "said"), BAD, ids=IDS)
def test_users_add_with_a_bad_setting_is_one_line_and_makes_nothing(
    name: str,
    value: str,
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Was a ValueError traceback (status 1), or for a switch no word at all.
    monkeypatch.setenv(name, value)
    _stdin(monkeypatch, b"pass1234567\n")
    db = tmp_path / "a.db"
    args = ["users", "add", "--username", "crl", "--role", "admin", "--password-stdin"]
    assert main([*args, "--db", str(db)]) == 2
    line = _one_line(capsys)
    assert line.startswith(f"magen: {name} {said}"), line
    assert _files(tmp_path) == []  # no log, no secret


@pytest.mark.parametrize(("name", "value", "said"), BAD, ids=IDS)
@pytest.mark.parametrize("command", [["users", "list"], ["snapshot"]])
def test_a_command_over_the_service_with_a_bad_setting_is_one_line(
    command: list[str],
    name: str,
    value: str,
    said: str,
    log_db: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _files(Path(log_db).parent)
    capsys.readouterr()
    monkeypatch.setenv(name, value)
    assert main([*command, "--db", log_db]) == 2
    line = _one_line(capsys)
    assert line.startswith(f"magen: {name} "), line
    assert said in line
    assert _files(Path(log_db).parent) == before  # no snapshot saved


@pytest.mark.parametrize(("name", "value", "said"), BAD, ids=IDS)
def test_serve_with_a_bad_setting_is_one_line_before_serving(
    name: str,
    value: str,
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    monkeypatch.setattr(os, "environ", dict(os.environ))  # serve writes MAGEN_* into it
    os.environ[name] = value
    db = tmp_path / "s.db"
    assert main(["serve", "--db", str(db), "--port", "8793"]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"magen: {name} "), err
    assert said in err
    assert err.count("\n") == 1, err
    assert "serving" not in out
    assert started == []
    assert _files(tmp_path) == []


def test_serve_with_a_bad_wait_says_one_line_as_a_process(tmp_path: Path) -> None:
    # The audit's case as run: "serving ..." and then a 45-line exception group, status 3.
    env = {k: v for k, v in os.environ.items() if k not in ("MAGEN_SECRET", "MAGEN_DB")}
    done = subprocess.run(
        [sys.executable, "-m", "magen", "serve", "--db", str(tmp_path / "a.db"), "--port", "1"],
        env={**env, "MAGEN_DB_WAIT_S": "junk"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "magen: MAGEN_DB_WAIT_S must be between 0 and 86400 seconds, not 'junk'\n"
    )
    assert "serving" not in done.stdout
    assert _files(tmp_path) == []


# --- switches take known words only --------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "meant"),
    [
        ("1", True),
        ("TRUE", True),
        ("yes", True),
        (" On ", True),
        ("0", False),
        ("False", False),
        ("NO", False),
        ("off", False),
    ],
)
def test_a_switch_takes_the_known_words_in_any_case(
    word: str, meant: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAGEN_OPEN_REGISTRATION", word)
    monkeypatch.setenv("MAGEN_SNAPSHOTS", word)
    assert Settings.from_env(secret=b"s" * 32).open_registration is meant
    # "off" (and "OFF", "Off") left snapshots on before: only 0/false/no turned them off.
    assert SnapshotPolicy.from_env().enabled is meant


def test_an_empty_setting_is_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MAGEN_OPEN_REGISTRATION", "MAGEN_SNAPSHOTS", "MAGEN_SNAPSHOT_EVERY"):
        monkeypatch.setenv(name, " ")
    monkeypatch.setenv("MAGEN_DB_WAIT_S", "")
    assert Settings.from_env(secret=b"s" * 32).open_registration is True
    assert SnapshotPolicy.from_env() == SnapshotPolicy()


def test_snapshot_tuning_is_read_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGEN_SNAPSHOT_EVERY", "200")
    monkeypatch.setenv("MAGEN_SNAPSHOT_SECONDS", "2.5")
    policy = SnapshotPolicy.from_env()
    assert (policy.every_events, policy.every_seconds) == (200, 2.5)


# --- a password on stdin -------------------------------------------------------------------


def _password_of(db: str, username: str, password: str) -> bool:
    from magen.domain.accounts import Accounts

    async def find(service: Any) -> Any:
        accounts = service.state.slice(Accounts).by_id.values()
        return next(a for a in accounts if a.username == username)

    account = with_service(db, find)
    return verify_password(account.password_hash, password)


@pytest.mark.parametrize(
    ("sent", "password"),
    [
        (b"pass1234567\r\n", "pass1234567"),  # a file saved on Windows
        (b"\xef\xbb\xbfpass1234567\n", "pass1234567"),  # ... by Notepad, with a BOM
        (b"\xef\xbb\xbfpass1234567\r\n", "pass1234567"),
        (b"pass1234567", "pass1234567"),  # printf with no line end
        (b"  my pass phrase \n", "  my pass phrase "),  # spaces are as typed
    ],
    ids=["crlf", "bom", "bom-crlf", "no-line-end", "spaces"],
)
def test_a_password_on_stdin_is_the_line_without_its_end(
    sent: bytes,
    password: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Was: "pass1234567\r" (or "\ufeffpass1234567") kept as the password: the admin locked out.
    db = str(tmp_path / "a.db")
    _stdin(monkeypatch, sent)
    args = ["users", "add", "--username", "crl", "--role", "admin", "--password-stdin"]
    assert main([*args, "--db", db]) == 0
    assert _password_of(db, "crl", password)
    assert not _password_of(db, "crl", password + "\r")


@pytest.mark.parametrize(
    ("sent", "said"),
    [
        (b"pass\t1234567\n", "U+0009, character 5"),
        (b"pass1234567\r", "U+000D, character 12"),  # a lone CR is no line end
        (b"pass1234567\r\r\n", "U+000D, character 12"),
        (b"pass\x1b[A1234567\n", "U+001B, character 5"),
    ],
    ids=["tab", "lone-cr", "two-crs", "escape"],
)
def test_a_password_on_stdin_with_a_control_character_is_refused(
    sent: bytes,
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _stdin(monkeypatch, sent)
    args = ["users", "add", "--username", "crl", "--role", "admin", "--password-stdin"]
    assert main([*args, "--db", str(tmp_path / "a.db")]) == 2
    assert _one_line(capsys) == (
        f"magen: the password read from standard input holds a control character ({said}); "
        "give it without one"
    )
    assert _files(tmp_path) == []


@pytest.mark.parametrize(("pack", "said"), [("gone.town", "town pack not found"), ("x", "")])
def test_serve_with_a_missing_or_bad_town_in_the_environment_names_it(
    pack: str,
    said: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Was: "serving ...", then each worker's start-up failed with a traceback (status 3).
    import uvicorn

    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    monkeypatch.setattr(os, "environ", dict(os.environ))
    path = tmp_path / pack
    if pack == "x":
        path.write_text("not a town pack")
    os.environ["MAGEN_TOWN"] = str(path)
    assert main(["serve", "--db", str(tmp_path / "s.db"), "--port", "8793"]) == 2
    line = _one_line(capsys)
    assert line.startswith(f"magen: MAGEN_TOWN: {said}"), line
    assert str(path) in line
    assert started == []
