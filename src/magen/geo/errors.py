"""Errors raised while importing or loading a town."""

from __future__ import annotations

from pathlib import Path


class TownImportError(Exception):
    """A town source or pack file is missing, unreadable, empty or malformed."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def require_readable(path: str | Path) -> Path:
    """The path as a Path, or a TownImportError saying why it cannot be read."""
    p = Path(path)
    if not p.exists():
        raise TownImportError(p, "file not found")
    if not p.is_file():
        raise TownImportError(p, "not a regular file")
    try:
        with p.open("rb") as fh:
            head = fh.read(1)
    except OSError as exc:
        raise TownImportError(p, f"cannot read: {exc.strerror or exc}") from exc
    if not head:
        raise TownImportError(p, "file is empty")
    return p
