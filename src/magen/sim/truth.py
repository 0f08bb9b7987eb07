"""What really happened in a simulated run, kept beside the event log as a JSON sidecar.

Magen's log holds what people reported and what operators did; the sidecar holds the truth
the simulator knew: where the attackers were, how many were active, who was exposed, who was
hurt and what became of them, and which reports described something real. The after-action
report and the metrics read both.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

TRUTH_SUFFIX = ".truth.json"
FORMAT = "magen-sim-truth"
VERSION = 1


@dataclass
class Truth:
    """The ground truth of one run."""

    scenario: str
    seed: int
    policy: str
    start: str  # ISO 8601, the scenario's start
    tick_s: float
    duration_s: float
    true_attackers: int
    households: int
    people: int
    sample_s: list[float] = field(default_factory=list)
    attackers_active: list[int] = field(default_factory=list)
    exposure_person_min: list[float] = field(default_factory=list)  # cumulative
    outdoors_people: list[int] = field(default_factory=list)
    teams: dict[str, list[list[float]]] = field(default_factory=dict)  # [t, lon, lat, members]
    sightings: dict[str, str | None] = field(default_factory=dict)  # id -> team, None if false
    sos: dict[str, dict[str, Any]] = field(default_factory=dict)
    casualties: list[dict[str, Any]] = field(default_factory=list)
    exposure_by_purpose_min: dict[str, float] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    # Per dispatch target: when the dispatchers' console first listed it (recommended, or
    # with a need no available responder can meet), when it first had a recommendation, and
    # when someone was first sent.
    shown_at: dict[str, float] = field(default_factory=dict)
    recommended_at: dict[str, float] = field(default_factory=dict)
    assigned_at: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    pack: str | None = None  # the town pack the run played on
    wall_s: float = 0.0

    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "version": VERSION, **asdict(self)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Truth:
        raw = json.loads(text)
        if raw.pop("format", None) != FORMAT or raw.pop("version", None) != VERSION:
            raise ValueError("not a Magen simulation truth file")
        return cls(**raw)

    def deterministic(self) -> dict[str, Any]:
        """Everything but what depends on the machine (wall-clock time)."""
        out = asdict(self)
        out.pop("wall_s")
        out.pop("pack")
        return out


def truth_path(db: str | Path) -> Path:
    """Where the truth of the run logged in `db` is kept."""
    p = Path(str(db).removeprefix("sqlite:///").removeprefix("sqlite://"))
    return p.with_name(p.name + TRUTH_SUFFIX)


def write_truth(truth: Truth, db: str | Path) -> Path:
    path = truth_path(db)
    path.write_text(truth.to_json(), encoding="utf-8")
    return path


def read_truth(db: str | Path) -> Truth | None:
    """The truth beside a log, if the log came from a simulation."""
    path = truth_path(db)
    if not path.exists():
        return None
    return Truth.from_json(path.read_text(encoding="utf-8"))
