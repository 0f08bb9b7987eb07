"""Server settings, from arguments or MAGEN_* environment variables."""

from __future__ import annotations

import math
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from magen.store.base import LogError
from magen.store.factory import sqlite_path, unknown_url


class SettingError(ValueError):
    """A MAGEN_* variable holds what Magen cannot take; its message names the variable and
    what it may be, in one line."""


# The words a MAGEN_* switch may be set to (any case); empty or unset is its default.
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def env_bool(name: str, default: bool) -> bool:
    """A switch from the environment: 1/0, true/false, yes/no or on/off; else a SettingError.

    A word outside these ("maybe", "enabled") is refused rather than read as false or true.
    """
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    word = raw.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise SettingError(f"{name} must be 1/0, true/false, yes/no or on/off, not {raw!r}")


def env_seconds(name: str, default: float, low: float, high: float) -> float:
    """A number of seconds from the environment, from `low` to `high`; else a SettingError."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # nan and inf too
        raise SettingError(f"{name} must be between {low:g} and {high:g} seconds, not {raw!r}")
    return value


def env_count(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the environment, from `low` to `high`; else a SettingError."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise SettingError(f"{name} must be a whole number between {low} and {high}, not {raw!r}")
    return value


# What the numeric MAGEN_* settings may be (the README's configuration table says the same).
DB_WAIT_RANGE = (0.0, 86_400.0)
TRACK_STALE_RANGE = (10.0, 86_400.0)
SNAPSHOT_EVERY_RANGE = (1, 1_000_000_000)
SNAPSHOT_SECONDS_RANGE = (1.0, 86_400.0)


def db_wait_seconds() -> float:
    """MAGEN_DB_WAIT_S: how long to wait for an unreachable database at start (default 60)."""
    return env_seconds("MAGEN_DB_WAIT_S", 60.0, *DB_WAIT_RANGE)


@dataclass(frozen=True)
class SnapshotSettings:
    """MAGEN_SNAPSHOTS (on unless false), MAGEN_SNAPSHOT_EVERY (events), _SECONDS."""

    enabled: bool
    every_events: int
    every_seconds: float

    @classmethod
    def from_env(cls, every_events: int, every_seconds: float) -> SnapshotSettings:
        """Read from the environment; the arguments are the defaults."""
        return cls(
            enabled=env_bool("MAGEN_SNAPSHOTS", True),
            every_events=env_count("MAGEN_SNAPSHOT_EVERY", every_events, *SNAPSHOT_EVERY_RANGE),
            every_seconds=env_seconds(
                "MAGEN_SNAPSHOT_SECONDS", every_seconds, *SNAPSHOT_SECONDS_RANGE
            ),
        )


# CAP 1.2's sender: no whitespace, commas or restricted characters (< &).
_CAP_SENDER = re.compile(r"[^\s,<&]{1,200}")


@dataclass(frozen=True)
class Settings:
    """What a Magen server needs to run."""

    database: str = "var/magen.db"
    town: Path | None = None
    secret: bytes = field(default=b"", repr=False)
    open_registration: bool = True  # residents may create their own accounts
    max_body_bytes: int = 64 * 1024
    token_hours: float = 12.0
    anonymous_per_minute: float = 12.0
    anonymous_burst: int = 6
    follow_log: bool = False  # several workers share the log: follow others' appends
    track_stale_s: float = 300.0  # a threat track unseen this long is shown stale (never dropped)
    # Who this deployment is as a CAP sender (CAP 1.2 3.2.1: unique to the originator, e.g.
    # "magen@ofakim.muni.il"); empty: "magen@<town>.invalid", which two servers would share.
    cap_sender: str = ""

    def __post_init__(self) -> None:
        if not TRACK_STALE_RANGE[0] <= self.track_stale_s <= TRACK_STALE_RANGE[1]:
            raise SettingError(
                "MAGEN_TRACK_STALE_S must be between 10 and 86400 seconds, "
                f"not {self.track_stale_s}"
            )
        if self.cap_sender and not _CAP_SENDER.fullmatch(self.cap_sender):
            raise SettingError(
                f"MAGEN_CAP_SENDER {self.cap_sender!r} is not a CAP sender: no spaces, commas, "
                "< or & (CAP 1.2 3.2.1), e.g. magen@ofakim.muni.il"
            )

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from the environment, with explicit values taking precedence."""
        values: dict[str, object] = {
            "database": os.environ.get("MAGEN_DB", cls.database),
            "town": Path(os.environ["MAGEN_TOWN"]) if os.environ.get("MAGEN_TOWN") else None,
            "open_registration": env_bool("MAGEN_OPEN_REGISTRATION", cls.open_registration),
            "follow_log": env_bool("MAGEN_FOLLOW_LOG", cls.follow_log),
            "track_stale_s": env_seconds(
                "MAGEN_TRACK_STALE_S", cls.track_stale_s, *TRACK_STALE_RANGE
            ),
            "cap_sender": os.environ.get("MAGEN_CAP_SENDER", cls.cap_sender).strip(),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        if not settings.secret:
            settings = cls(**{**settings.__dict__, "secret": load_secret(settings.database)})
        return settings


def check_env() -> None:
    """Read every MAGEN_* setting a server or a CLI command building its service uses, now.

    A SettingError (one line naming the first bad variable and what it may be) before anything
    is opened, made or served. The token secret (`load_secret`), the time zone
    (`magen.town_clock.check_town_zone`) and the database URL are checked where they are used.
    """
    Settings.from_env(secret=b"\0" * MIN_SECRET_BYTES)  # the secret is not read here
    db_wait_seconds()
    SnapshotSettings.from_env(every_events=1, every_seconds=1.0)


# An HMAC key shorter than this is refused at start: an empty one fails every sign-in (PyJWT
# refuses it), a short one is guessable. 32 bytes is what a fresh secret file holds.
MIN_SECRET_BYTES = 32


def load_secret(database: str) -> bytes:
    """The token-signing secret: MAGEN_SECRET, or one kept beside an SQLite database.

    MAGEN_SECRET is taken as the UTF-8 bytes of its text (`openssl rand -hex 32`, as the README
    says, is 64 bytes). A secret shorter than MIN_SECRET_BYTES is refused (LogError, one line
    naming the variable or file), as is a database path that is a directory.
    """
    env = os.environ.get("MAGEN_SECRET")
    if env is not None:
        secret = env.encode()
        _check_secret(secret, "MAGEN_SECRET")
        return secret
    if database.startswith(("postgresql://", "postgres://")):
        raise SystemExit("set MAGEN_SECRET: every worker sharing PostgreSQL needs the same one")
    if database.startswith("memory://"):
        return secrets.token_bytes(32)
    db = sqlite_path(database)
    if db is None:  # checked before anything is made: a mistyped URL leaves no folder behind
        raise unknown_url(database)
    if db.is_dir():
        raise LogError(f"{db} is a directory, not an event log; give the database's file name")
    path = db.with_name(db.name + ".secret")
    if path.exists():
        try:
            secret = path.read_bytes()
        except OSError as exc:
            raise LogError(f"cannot read the secret {path}: {exc.strerror or exc}") from exc
        _check_secret(secret, str(path))
        return secret
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = secrets.token_bytes(32)
    # Written whole under another name, then renamed: a failed write (a full disk) leaves no
    # empty secret behind for the next start to sign with.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(fresh)
            fh.flush()
            os.fsync(fh.fileno())
        # A hard link names it only if no other process named its own meanwhile (os.replace
        # would swap one in under a process already signing with the other).
        os.link(partial, path)
    except FileExistsError:
        return load_secret(database)  # every process must sign with the one that won
    except OSError as exc:
        raise LogError(f"cannot write the secret {path}: {exc.strerror or exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return fresh


def _check_secret(secret: bytes, where: str) -> None:
    if len(secret) < MIN_SECRET_BYTES:
        raise LogError(
            f"the token secret in {where} is {len(secret)} bytes; it needs at least "
            f"{MIN_SECRET_BYTES} (e.g. openssl rand -hex 32), or remove the file for a new one"
            if where != "MAGEN_SECRET"
            else f"MAGEN_SECRET is {len(secret)} bytes; it needs at least {MIN_SECRET_BYTES} "
            "(e.g. openssl rand -hex 32)"
        )
