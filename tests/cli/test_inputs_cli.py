"""Bad files and options given to the command line: one line naming the problem, status 2.

Run in-process (`main`), so a traceback that escaped would fail the test rather than print.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from magen.cli import main
from magen.config import load_secret
from magen.store.base import LogError


@pytest.fixture
def garbage(tmp_path: Path) -> Path:
    path = tmp_path / "garbage.db"
    path.write_text("not a database at all\n")
    return path


@pytest.fixture
def log_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real event log holding one account."""
    db = str(tmp_path / "magen.db")
    monkeypatch.setenv("MAGEN_PASSWORD", "a long password")
    assert main(["users", "add", "--username", "dina", "--role", "admin", "--db", db]) == 0
    return db


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("magen: "), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "command",
    [
        ["log", "export"],
        ["replay"],
        ["users", "list"],
        ["report", "--out", "{tmp}/report"],
    ],
)
def test_a_file_that_is_no_event_log_is_named(
    command: list[str], garbage: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was a LogError traceback (status 1).
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    assert main([*args, "--db", str(garbage)]) == 2
    err = _one_line(capsys)
    assert str(garbage) in err
    assert "not a database" in err


def test_a_folder_given_as_the_event_log_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAGEN_PASSWORD", "a long password")
    folder = tmp_path / "folder"
    folder.mkdir()
    args = ["users", "add", "--username", "dina", "--role", "admin", "--db", str(folder)]
    assert main(args) == 2
    assert str(folder) in _one_line(capsys)


def test_an_unknown_database_url_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["users", "list", "--db", "badscheme://x"]) == 2
    assert "unknown event log URL 'badscheme://x'" in _one_line(capsys)
    monkeypatch.delenv("MAGEN_SECRET", raising=False)
    with pytest.raises(LogError, match="unknown event log URL 'badscheme://x'"):
        load_secret("badscheme://x")
    assert list(tmp_path.iterdir()) == []  # no secret, no folder made for the mistyped URL


def test_the_secret_of_an_absolute_sqlite_url_is_kept_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("MAGEN_SECRET", raising=False)
    db = tmp_path / "data" / "magen.db"
    first = load_secret(f"sqlite:///{db}")
    assert (tmp_path / "data" / "magen.db.secret").read_bytes() == first
    assert load_secret(str(db)) == first  # the same database by its path: the same secret
    assert list(elsewhere.iterdir()) == []  # was made relative to the working directory


@pytest.mark.parametrize("where", ["missing/folder/out.jsonl", "."])
def test_log_export_to_a_place_it_cannot_write_says_so(
    log_db: str, tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was a FileNotFoundError / IsADirectoryError traceback.
    out = str(tmp_path / where)
    assert main(["log", "export", "--db", log_db, "--out", out]) == 2
    assert f"cannot write {out}" in _one_line(capsys)


@pytest.mark.parametrize("after", ["-1", "99999999999999999999999"])
def test_log_export_after_a_position_no_log_has_is_refused(
    log_db: str, after: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # -1 exported everything; a position past 64 bits was an OverflowError traceback.
    with pytest.raises(SystemExit) as exit_:
        main(["log", "export", "--db", log_db, "--after", after])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "argument --after" in err
    assert "Traceback" not in err


def test_log_export_after_zero_still_exports(
    log_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["log", "export", "--db", log_db, "--after", "0"]) == 0
    assert "exported 1 events" in capsys.readouterr().err


def test_replay_with_a_file_that_is_no_town_pack_names_it(
    log_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was a TownImportError traceback.
    pack = tmp_path / "notown.town"
    pack.write_text("x")
    assert main(["replay", "--db", log_db, "--town", str(pack)]) == 2
    assert f"{pack}: not a town pack" in _one_line(capsys)


def test_serve_with_a_file_that_is_no_town_pack_names_it_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Was: uvicorn started, its worker failed start-up with a traceback (status 3).
    pack = tmp_path / "notown.town"
    pack.write_text("x")
    monkeypatch.setattr(os, "environ", dict(os.environ))  # serve writes MAGEN_* into it
    args = ["serve", "--db", str(tmp_path / "x.db"), "--town", str(pack), "--port", "8614"]
    assert main(args) == 2
    assert f"{pack}: not a town pack" in _one_line(capsys)


def test_a_folder_that_cannot_be_made_is_named_not_a_traceback(
    log_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Was a FileNotFoundError traceback from deep in the report writer (any command's OSError
    # about a path the user gave is now one line naming it).
    assert main(["report", "--db", log_db, "--out", "/proc/no-such-folder"]) == 2
    err = _one_line(capsys)
    assert "cannot use /proc/no-such-folder" in err


@pytest.mark.parametrize("speed", ["nan", "inf", "-inf", "0", "-2", "fast"])
def test_demo_speed_must_be_a_finite_number_above_zero(
    speed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # 'nan' and 'inf' passed the demo's "must be positive" check and the demo started.
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--speed", speed, "--port", "8614", "--no-sim"])
    assert exit_.value.code == 2
    assert "argument --speed" in capsys.readouterr().err


def test_serve_refuses_an_unknown_database_url_before_saying_it_serves(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--db", "badscheme://x", "--port", "8699"]) == 2
    captured = capsys.readouterr()
    assert "serving" not in captured.out
    assert "unknown event log URL 'badscheme://x'" in captured.err


@pytest.mark.parametrize("minutes", ["-1", "0", "nan"])
def test_a_sim_run_of_no_minutes_is_refused(
    minutes: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # -1 ran a scenario with no events and said nothing was wrong.
    assert main(["sim", "run", "--minutes", minutes, "--out", str(tmp_path)]) == 2
    assert "--minutes: give a number of minutes above zero" in _one_line(capsys)
    assert list(tmp_path.iterdir()) == []
