"""Scenario files: a seeded attack on a real town map, written in TOML and checked by pydantic.

A scenario says where (the town pack, or the OSM extract and shelter lists to build it from),
when (start time and length), what the authorities announce (official alerts per zone), who
attacks (groups, entry points, on foot or by vehicle, how they roam), who lives there
(residents per square metre of building footprint, households, protected spaces), how people
report (probability, delay, noise, exaggeration, duplicates, false reports), who responds and
how operators work, and how exposure turns into casualties. Every number has a default; a
scenario states what differs. `load_scenario` names each problem by its field path and the line
it is written on (a file that is no UTF-8 text, by the byte and its line).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from magen.domain.alerts import AlertCategory
from magen.domain.responders import Capability, ResponderKind
from magen.domain.values import Latitude, Longitude
from magen.sim.phrases import Lang

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"

Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Minutes = Annotated[float, Field(ge=0.0, le=24 * 60, allow_inf_nan=False)]


class ScenarioError(Exception):
    """A scenario file that cannot be used, with the field at fault."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Span(_Strict):
    """A range to draw uniformly from: [low, high]."""

    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: object) -> object:
        # TOML writers say `delay_s = [10, 40]`; the pair is the natural spelling.
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError("give a range as [low, high]")
            return {"low": value[0], "high": value[1]}
        return value


class LogNormal(_Strict):
    """A positive delay or factor: the median and the spread of its logarithm."""

    median: Positive
    sigma: Annotated[float, Field(ge=0.0, le=3.0, allow_inf_nan=False)] = 0.5


class Point(_Strict):
    lon: Longitude
    lat: Latitude


class About(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""
    start: AwareDatetime
    duration_min: Annotated[float, Field(gt=0, le=24 * 60)]
    tick_s: Annotated[float, Field(ge=1.0, le=60.0)] = 5.0


class TownSource(_Strict):
    """The map: a built pack, or the sources to build one from (paths relative to the repo)."""

    name: Annotated[str, Field(min_length=1, max_length=100)] = "Town"
    # The town's name in Hebrew and Arabic, where its map (OSM) has none under `name`.
    name_he: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    name_ar: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    pack: str | None = None
    osm: str | None = None
    shelters: list[str] = Field(default_factory=list)
    zone_seconds: Annotated[int, Field(ge=0, le=600)] = 90

    @model_validator(mode="after")
    def _some_source(self) -> TownSource:
        if self.pack is None and self.osm is None:
            raise ValueError("give `pack` (a built town pack) or `osm` with `shelters`")
        if self.osm is not None and not self.shelters:
            raise ValueError("building a pack from `osm` needs at least one file in `shelters`")
        return self


class AlertSpec(_Strict):
    """An official alert the authorities issue at a moment of the scenario."""

    at_min: Minutes
    category: AlertCategory
    zones: Literal["all"] | list[Annotated[str, Field(min_length=1)]] = "all"
    seconds_to_shelter: Annotated[int, Field(ge=0, le=600)] | None = None
    duration_min: Annotated[float, Field(gt=0, le=24 * 60)] = 10.0


class AttackerGroup(_Strict):
    """A group that enters the town together (a vehicle's load, or a squad on foot)."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    size: Annotated[int, Field(ge=1, le=100)]
    mobility: Literal["vehicle", "on_foot"] = "vehicle"
    entry: Point
    enter_at_min: Minutes
    # Where a vehicle stops and the group goes on foot; None: the most populated street
    # corner within `roam_m` of the entry.
    dismount: Point | None = None
    teams: list[Annotated[int, Field(ge=1)]] | None = None  # sizes after splitting up
    foot_speed_mps: Span = Span(low=0.9, high=1.6)
    vehicle_speed_mps: Annotated[float, Field(gt=0, le=40)] = 8.0
    roam_m: Annotated[float, Field(gt=0, le=5000)] = 500.0
    house_entry_share: Share = 0.45
    dwell_min: Span = Span(low=2.0, high=8.0)
    stop_s: Span = Span(low=20.0, high=90.0)
    # Some teams hold a house (hostages, a barricade) until they are neutralised.
    hold_share: Share = 0.1

    @model_validator(mode="after")
    def _teams_add_up(self) -> AttackerGroup:
        if self.teams is not None and sum(self.teams) != self.size:
            raise ValueError(
                f"teams {self.teams} add up to {sum(self.teams)}, not size {self.size}"
            )
        return self

    def team_sizes(self) -> list[int]:
        """The teams the group splits into on foot (default: pairs and threes)."""
        if self.teams is not None:
            return list(self.teams)
        sizes, left = [], self.size
        while left > 0:
            take = 3 if left in (3, 5) or left > 4 else min(left, 2)
            sizes.append(take)
            left -= take
        return sizes


class Residents(_Strict):
    """Who lives in the town and how they behave."""

    per_m2: Annotated[float, Field(gt=0, le=1.0)] = 0.03  # people per m2 of footprint
    per_building_max: Annotated[int, Field(ge=1, le=5000)] = 400
    household_mean: Annotated[float, Field(ge=1.0, le=10.0)] = 3.0
    protected_space_share: Share = 0.35  # households with a mamad at home
    registered_share: Share = 0.3  # households with a Magen account (else anonymous)
    outings_per_hour: NonNegative = 0.12  # a household leaving home for a walk or errand
    outing_min: Span = Span(low=10.0, high=40.0)
    outing_m: Span = Span(low=150.0, high=700.0)
    walk_speed_mps: Span = Span(low=1.0, high=1.5)
    react_s: Span = Span(low=5.0, high=25.0)  # from a siren to leaving home
    notify_s: Span = Span(low=10.0, high=90.0)  # from a notification to reading it
    recheck_s: Annotated[float, Field(ge=5, le=3600)] = 60.0  # outdoors, reading guidance again
    stay_after_siren_min: NonNegative = 10.0
    notice_m: NonNegative = 120.0  # attackers seen or gunfire heard: take cover
    hide_min: NonNegative = 60.0  # how long a household that saw attackers stays in
    word_of_mouth_per_hour: NonNegative = 1.0  # learning of the attack from others, once begun


class Reporting(_Strict):
    """How residents report what they see (calibrated to overstate, as in Ofakim)."""

    sight_m: NonNegative = 150.0  # people in the street see this far
    window_m: NonNegative = 60.0  # people indoors see (or hear) this far
    report_probability: Share = 0.1
    delay_s: LogNormal = LogNormal(median=60.0, sigma=0.8)
    position_noise_m: NonNegative = 60.0
    count_exaggeration: LogNormal = LogNormal(median=2.0, sigma=0.6)
    repeat_probability: Share = 0.35
    repeat_every_min: Span = Span(low=2.0, high=8.0)
    duplicate_probability: Share = 0.15
    false_per_hour: NonNegative = 10.0
    false_hotspots: Annotated[int, Field(ge=0, le=50)] = 2
    false_hotspot_share: Share = 0.5
    false_count: LogNormal = LogNormal(median=4.0, sigma=0.6)
    sos_probability: Share = 0.85
    sos_delay_s: LogNormal = LogNormal(median=45.0, sigma=0.6)
    sos_duplicate_probability: Share = 0.2


class ResponderGroup(_Strict):
    """Responders of one kind: on duty from the start, or reachable at home."""

    kind: ResponderKind
    count: Annotated[int, Field(ge=0, le=500)]
    start: Point | Literal["homes"] = "homes"
    spread_m: NonNegative = 50.0
    capabilities: list[Capability] = Field(default_factory=list)
    vehicle: bool = False
    on_duty: bool = False  # checked in when the scenario starts
    reachable_share: Share = 1.0
    reach_delay_min: Span = Span(low=0.0, high=0.0)  # from the attack's start to checking in
    speed_mps: Annotated[float, Field(gt=0, le=40)] = 2.5


class Operators(_Strict):
    """The dispatchers at the console and how quickly they act on what Magen proposes."""

    count: Annotated[int, Field(ge=1, le=20)] = 2
    poll_s: Annotated[float, Field(ge=1, le=300)] = 10.0
    confirm_delay_s: Span = Span(low=10.0, high=35.0)
    confirm_min_sightings: Annotated[int, Field(ge=1, le=20)] = 2
    danger_radius_m: Annotated[float, Field(gt=0, le=2000)] = 150.0
    danger_move_m: Annotated[float, Field(gt=0, le=2000)] = 75.0
    danger_stale_min: Positive = 15.0
    proposal_delay_s: Span = Span(low=10.0, high=30.0)
    # Processing a call: from when the board first shows it to accepting a recommendation
    # for it (NFPA 1225's clock runs while the call waits for a free responder too).
    assign_delay_s: Span = Span(low=8.0, high=30.0)
    # Accepting a recommendation for a call already processed (a responder came free for a
    # call that was waiting, or the plan moved on): reading whom it sends, and a click.
    accept_s: Span = Span(low=2.0, high=6.0)
    dismiss_after_min: Positive = 12.0  # an uncorroborated anonymous track nobody saw again


class Casualties(_Strict):
    """How exposure to attackers turns into casualties."""

    lethal_m: NonNegative = 50.0
    hazard_per_min: NonNegative = 0.15  # per person in the open, per attacker within lethal_m
    house_hazard: Share = 0.35  # per person in a house the attackers break into
    locked_factor: Share = 0.3  # locked in, away from doors: the hazard that remains
    killed_share: Share = 0.35


class Engagement(_Strict):
    """Responders against attackers."""

    range_m: NonNegative = 60.0
    neutralise_per_min: NonNegative = 0.1  # per armed responder in range, per attacker
    wounded_per_min: NonNegative = 0.015  # per responder in range, per attacker
    barricade_factor: Share = 0.25  # attackers inside a house are that much harder to reach


class Persons(_Strict):
    """Relatives looking for family they cannot reach."""

    missing_probability: Share = 0.5  # a relative reports a household away from home, or hurt
    report_delay_min: Span = Span(low=20.0, high=60.0)  # from the attack or the injury
    found_delay_min: Span = Span(low=10.0, high=45.0)  # from being home to saying so


class Hospital(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]  # the name of record
    where: Point
    trauma: bool = False
    # Its name in the pages' languages ({ he = "...", ar = "..." }); a page in a language with
    # none says `name`.
    names: dict[Lang, Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=dict
    )


class Transport(_Strict):
    load_min: Span = Span(low=3.0, high=8.0)
    drive_speed_mps: Positive = 12.0


# A town of Hebrew speakers with Arabic- and English-speaking neighbours.
_RESIDENTS_TYPE: dict[Lang, float] = {"he": 0.8, "ar": 0.1, "en": 0.1}


class Typing(_Strict):
    """The languages people type notes and messages in (see `magen.sim.phrases`)."""

    staff: Lang = "he"  # dispatchers, responders, medics
    residents: dict[Lang, Share] = Field(default_factory=lambda: dict(_RESIDENTS_TYPE))

    @field_validator("residents")
    @classmethod
    def _shares(cls, shares: dict[Lang, float]) -> dict[Lang, float]:
        if not math.isclose(sum(shares.values()), 1.0, abs_tol=1e-6):
            total = sum(shares.values())
            raise ValueError(f"the residents' language shares add up to {total:g}, not 1")
        return shares


class Scenario(_Strict):
    """A whole scenario file."""

    scenario: About
    town: TownSource
    alerts: list[AlertSpec] = Field(default_factory=list)
    attackers: list[AttackerGroup] = Field(default_factory=list)
    residents: Residents = Residents()
    reporting: Reporting = Reporting()
    responders: list[ResponderGroup] = Field(default_factory=list)
    operators: Operators = Operators()
    casualties: Casualties = Casualties()
    engagement: Engagement = Engagement()
    hospitals: list[Hospital] = Field(default_factory=list)
    transport: Transport = Transport()
    persons: Persons = Persons()
    typing: Typing = Typing()

    @field_validator("attackers")
    @classmethod
    def _names_unique(cls, groups: list[AttackerGroup]) -> list[AttackerGroup]:
        seen: set[str] = set()
        for g in groups:
            if g.name in seen:
                raise ValueError(f"two attacker groups are called {g.name!r}")
            seen.add(g.name)
        return groups

    @property
    def start(self) -> datetime:
        return self.scenario.start

    @property
    def end(self) -> datetime:
        return self.scenario.start + timedelta(minutes=self.scenario.duration_min)

    @property
    def duration_s(self) -> float:
        return self.scenario.duration_min * 60.0

    @property
    def true_attackers(self) -> int:
        return sum(g.size for g in self.attackers)

    def shortened(self, minutes: float) -> Scenario:
        """The same scenario cut to its first `minutes` (for quick runs)."""
        about = self.scenario.model_copy(
            update={"duration_min": min(self.scenario.duration_min, minutes)}
        )
        return self.model_copy(update={"scenario": about})

    def starting_at(self, start: datetime) -> Scenario:
        """The same scenario moved to begin at another moment (the demo starts it now)."""
        return self.model_copy(
            update={"scenario": self.scenario.model_copy(update={"start": start})}
        )


# --- where a field is written: TOML positions, which tomllib does not give -----------------

_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
FieldPath = tuple[str | int, ...]


class _LineScan:
    """The line each table, key and array element of a TOML text starts on, by its path.

    Only the structure is followed (headers, `[[arrays]]` of tables, dotted keys, inline
    tables, arrays, strings that may hold brackets or `=`); values are skipped. The text is
    one tomllib has already parsed, so it is valid TOML.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.line = 1
        self.lines: dict[FieldPath, int] = {}
        self.arrays: dict[FieldPath, int] = {}  # arrays of tables: how many elements so far

    def run(self) -> dict[FieldPath, int]:
        table: FieldPath = ()
        while self._skip(newlines=True):
            if self._peek() == "[":
                table = self._header()
            else:
                self._key_value(table)
        return self.lines

    # characters

    def _peek(self, n: int = 1) -> str:
        return self.text[self.i : self.i + n]

    def _advance(self, n: int = 1) -> None:
        self.line += self.text.count("\n", self.i, self.i + n)
        self.i += n

    def _skip(self, *, newlines: bool) -> bool:
        """Past blanks and comments (and line ends, if `newlines`); whether text is left."""
        while self.i < len(self.text):
            c = self.text[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self._advance()
            elif c == "#":
                end = self.text.find("\n", self.i)
                self._advance((len(self.text) if end < 0 else end) - self.i)
            else:
                return True
        return False

    def _string(self) -> str:
        """A string at the cursor (any of TOML's four kinds), read past; its text, roughly."""
        quote = self._peek()
        if self._peek(3) == quote * 3:
            end = self.text.find(quote * 3, self.i + 3)
            end = len(self.text) if end < 0 else end
            while self.text[end + 3 : end + 4] == quote:  # up to two quotes before the end
                end += 1
            body = self.text[self.i + 3 : end]
            self._advance(end + 3 - self.i)
            return body
        j = self.i + 1
        while j < len(self.text) and self.text[j] not in (quote, "\n"):
            j += 2 if quote == '"' and self.text[j] == "\\" else 1
        body = self.text[self.i + 1 : j]
        self._advance(j + 1 - self.i)
        if quote == '"' and "\\" in body:  # an escape in a key: JSON's are most of TOML's
            with contextlib.suppress(ValueError):
                body = str(json.loads(f'"{body}"'))
        return body

    # structure

    def _key(self) -> list[str]:
        parts = []
        while True:
            self._skip(newlines=False)
            if self._peek() in ('"', "'"):
                parts.append(self._string())
            else:
                j = self.i
                while j < len(self.text) and self.text[j] in _BARE_KEY:
                    j += 1
                parts.append(self.text[self.i : j])
                self._advance(max(j - self.i, 1))
            self._skip(newlines=False)
            if self._peek() != ".":
                return parts
            self._advance()

    def _note(self, path: FieldPath, line: int) -> None:
        self.lines.setdefault(path, line)

    def _header(self) -> FieldPath:
        line = self.line
        many = self._peek(2) == "[["
        self._advance(2 if many else 1)
        parts = self._key()
        self._advance(2 if many else 1)
        path: FieldPath = ()
        for n, part in enumerate(parts):
            path = (*path, part)
            self._note(path, line)
            last = n == len(parts) - 1
            if last and many:
                count = self.arrays.get(path, 0)
                self.arrays[path] = count + 1
                path = (*path, count)
                self._note(path, line)
            elif path in self.arrays:  # a table inside the array's latest element
                path = (*path, self.arrays[path] - 1)
        return path

    def _key_value(self, table: FieldPath) -> None:
        line = self.line
        path = table
        for part in self._key():
            path = (*path, part)
            self._note(path, line)
        self._advance()  # "="
        self._skip(newlines=False)
        self._value(path)

    def _value(self, path: FieldPath) -> None:
        c = self._peek()
        if c == "{":
            self._advance()
            while self._skip(newlines=True) and self._peek() != "}":
                if self._peek() == ",":
                    self._advance()
                else:
                    self._key_value(path)
            self._advance()
        elif c == "[":
            self._advance()
            index = 0
            while self._skip(newlines=True) and self._peek() != "]":
                if self._peek() == ",":
                    self._advance()
                    index += 1
                else:
                    self._note((*path, index), self.line)
                    self._value((*path, index))
            self._advance()
        elif c in ('"', "'"):
            self._string()
        else:  # a number, date, time or boolean: up to what ends it
            j = self.i
            while j < len(self.text) and self.text[j] not in ",]}\n#":
                j += 1
            self._advance(max(j - self.i, 1))


def field_lines(text: str) -> dict[FieldPath, int]:
    """The line each table, key and array element of TOML `text` starts on, by its path
    (`("alerts", 2, "zones", 1)`); partial, never an error, if the scan cannot follow it."""
    scan = _LineScan(text)
    try:
        return scan.run()
    except (IndexError, ValueError):
        return scan.lines


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _line_of(loc: tuple[int | str, ...], lines: dict[FieldPath, int]) -> int | None:
    """The line of the field at `loc`, else of the nearest table or key holding it."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def describe_errors(exc: ValidationError, source: str, text: str | None = None) -> str:
    """The validation problems of a scenario, one per line, each naming its field (and, given
    the file's `text`, the line the field, or the table missing it, is written on)."""
    lines = field_lines(text) if text is not None else {}
    out = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
        line = _line_of(loc, lines)
        at = "" if line is None else f" (at line {line})"  # as a TOML syntax error says it
        out.append(f"{source}: {_where(loc)}: {err['msg']}{shown}{at}")
    return "\n".join(out)


def scenario_from(
    raw: dict[str, object], source: str = "<scenario>", text: str | None = None
) -> Scenario:
    """A scenario from parsed TOML; ScenarioError names the source and field at fault (and its
    line, given the `text` that was parsed)."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(describe_errors(exc, source, text)) from None


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """A scenario from TOML text; ScenarioError names the file and field at fault.

    A byte-order mark at the start (as some Windows editors save UTF-8) is left out."""
    text = text.removeprefix("\ufeff")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from None
    return scenario_from(raw, source, text)


def scenario_path(name_or_path: str | Path) -> Path:
    """A scenario file by path, or by the name of one shipped with Magen (`ofakim_baka`)."""
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.exists():
        return p
    shipped = SCENARIO_DIR / f"{Path(str(name_or_path)).stem}.toml"
    if shipped.exists() and p.suffix in ("", ".toml") and len(p.parts) == 1:
        return shipped
    if p.exists():
        return p
    names = ", ".join(sorted(q.stem for q in SCENARIO_DIR.glob("*.toml")))
    raise ScenarioError(f"no scenario {str(name_or_path)!r}: give a .toml file or one of: {names}")


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Read and check a scenario file (or a shipped one by name)."""
    path = scenario_path(name_or_path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            f"{path.name}: not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            f"(line {line}, column {column}); save the scenario as UTF-8"
        ) from None
    return parse_scenario(text, path.name)


_FIELD_FIRST = re.compile(r"^([A-Za-z_][\w-]*(?:\[\d+\]|\.[A-Za-z_][\w-]*)*): ")


def _field_path(field: str) -> FieldPath:
    """`attackers[0].entry` as `("attackers", 0, "entry")`."""
    return tuple(
        int(index) if index else key for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field)
    )


def in_file(problem: str, name_or_path: str | Path) -> str:
    """A problem found after the scenario was read (`town.osm: file not found: ...`, a point
    off the map), named as `load_scenario` names its own: the scenario file first, then the
    field, and the line the field is written on where the problem starts with one."""
    path = scenario_path(name_or_path)
    found = _FIELD_FIRST.match(problem)
    line = None
    if found is not None:
        try:
            text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
        except (OSError, UnicodeDecodeError):
            text = ""
        line = _line_of(_field_path(found.group(1)), field_lines(text))
    at = "" if line is None else f" (at line {line})"
    return f"{path.name}: {problem}{at}"


def lognormal(rng_normal: float, spec: LogNormal) -> float:
    """A draw from a log-normal given one standard normal draw."""
    return spec.median * math.exp(spec.sigma * rng_normal)
