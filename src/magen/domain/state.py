"""The state folded from the log: one slice per part of the domain.

Each part of the domain owns a slice class (a dataclass with defaults) and reads it with
`state.slice(MySlice)`; no part edits another's slice. Evolvers mutate the slice in place;
the log, not the object, is what is immutable.
"""

from __future__ import annotations

from typing import Any, TypeVar

S = TypeVar("S")


class State:
    """Everything known at a log position."""

    __slots__ = ("_slices", "position")

    def __init__(self) -> None:
        self.position = 0
        self._slices: dict[type[Any], Any] = {}

    def slice(self, cls: type[S]) -> S:
        """The slice of one part of the domain, created empty on first use."""
        found = self._slices.get(cls)
        if found is None:
            found = cls()
            self._slices[cls] = found
        return found

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, State):
            return NotImplemented
        empty_self = {k: v for k, v in self._slices.items() if v != k()}
        empty_other = {k: v for k, v in other._slices.items() if v != k()}
        return self.position == other.position and empty_self == empty_other

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict[str, Any]:
        return {"position": self.position, "slices": self._slices}

    def __setstate__(self, data: dict[str, Any]) -> None:
        self.position = data["position"]
        self._slices = data["slices"]

    def __repr__(self) -> str:
        names = ", ".join(sorted(c.__name__ for c in self._slices))
        return f"State(position={self.position}, slices=[{names}])"
