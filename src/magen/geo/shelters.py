"""Read public shelter lists (GeoJSON points or CSV with coordinates) and merge them.

Municipal lists come in several releases that overlap: in Jerusalem the 2025-09 list has
capacities for 148 public shelters and the 2025-06 list has 257 places (public shelters,
school shelters, protected parking) without capacities. Merging rule: a record matches an
already-known shelter from another file if it lies within `MERGE_RADIUS_M` and carries the
same shelter number (or, when either has no number, lies within `SAME_SPOT_M`); matched records
fill each other's missing fields. Two records of one file at the same spot with different
numbers (e.g. "814" and "814 A": two rooms at one address) stay two shelters; the guidance
engine treats shelters at one spot as one destination.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from magen.geo.errors import TownImportError, require_readable
from magen.geo.projection import LocalProjection

MERGE_RADIUS_M = 25.0
SAME_SPOT_M = 5.0
# More people than any shelter holds (the largest protected car parks take a few thousand).
MAX_CAPACITY = 100_000

PUBLIC = "public_shelter"
SCHOOL = "school_shelter"
PARKING = "protected_parking"
OTHER = "shelter"

_LAT_KEYS = ("lat", "latitude")
_LON_KEYS = ("lon", "lng", "long", "longitude")
_REF_PREFIX = re.compile(r"^\s*(public\s+shelter\s+)?(no\.?|number|#)?\s*", re.IGNORECASE)
_REF_SHAPE = re.compile(r"^\d{1,5}\s*[A-Za-z\u05d0-\u05ea]?$")


@dataclass(frozen=True)
class ShelterRecord:
    """One shelter as read from one source file."""

    ref: str  # the shelter number, normalised ("734A"), or "" when the place has none
    name: str
    address: str
    category: str
    capacity: int | None
    area_m2: float | None
    lon: float
    lat: float
    source: str
    source_id: str


@dataclass(frozen=True)
class MergedShelter:
    """A shelter after merging every source that lists it."""

    id: str
    ref: str
    name: str
    address: str
    category: str
    capacity: int | None
    area_m2: float | None
    lon: float
    lat: float
    sources: tuple[str, ...]


@dataclass
class MergeStats:
    """How the shelter files were combined, for the import report."""

    read: dict[str, int] = field(default_factory=dict)
    matched: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)


def _clean_key(key: str) -> str:
    # The 2025-09 file leaks a byte-order mark into a property name.
    return key.replace("\ufeff", "").strip().lower()


def _clean_props(raw: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in raw.items():
        key = _clean_key(str(k))
        text = "" if v is None else str(v).strip()
        # Keep the first non-empty value when cleaning makes two keys collide.
        if text or key not in out:
            out[key] = text if text else out.get(key, "")
    return out


def normalise_ref(text: str) -> str:
    """A shelter number in one spelling: "Public Shelter No. 734 A" -> "734A"."""
    stripped = _REF_PREFIX.sub("", text).strip()
    if not _REF_SHAPE.match(stripped):
        return ""
    return re.sub(r"\s+", "", stripped).upper()


def _category(props: dict[str, str]) -> str:
    text = (props.get("category", "") + " " + props.get("type", "")).lower()
    if "school" in text:
        return SCHOOL
    if "parking" in text:
        return PARKING
    if "public" in text or props.get("shelter_no"):
        return PUBLIC
    return OTHER


def _int_or_none(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    whole = int(value)  # a finite value of at most MAX_CAPACITY: `_capacity_problem`
    return whole if whole > 0 else None


def _capacity_problem(text: str) -> str | None:
    """Why a shelter's capacity cannot be taken, if so: not finite, or more people than any
    shelter holds. (Empty, non-numeric or non-positive text is read as unknown.)"""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return f"capacity {text!r} is not a finite number of people"
    if value > MAX_CAPACITY:
        return f"capacity {text!r} is more than any shelter holds (at most {MAX_CAPACITY})"
    return None


def _float_or_none(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) and value > 0 else None


def _record(props: dict[str, str], lon: float, lat: float, source: str, row: int) -> ShelterRecord:
    category = _category(props)
    ref = normalise_ref(props.get("shelter_no", "") or props.get("number", ""))
    name = props.get("name", "")
    if not ref and category == PUBLIC:
        ref = normalise_ref(name)
    if not name or normalise_ref(name):
        name = props.get("name_other", "") or name or props.get("shelter_no", "")
    address = (
        props.get("address", "")
        or props.get("address_label", "")
        or props.get("short_address", "")
        or props.get("full_address", "")
    )
    return ShelterRecord(
        ref=ref,
        name=name,
        address=address,
        category=category,
        capacity=_int_or_none(props.get("capacity", "")),
        area_m2=_float_or_none(props.get("area", "")),
        lon=lon,
        lat=lat,
        source=source,
        source_id=props.get("id", "") or str(row),
    )


def _valid_lonlat(lon: float, lat: float) -> bool:
    return bool(np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90)


@dataclass(frozen=True)
class SkippedRow:
    """A row of a shelter file left out, where it is and why (for the import's report)."""

    where: str  # "line 3" in a CSV file (the header is line 1), "feature 2" in GeoJSON (from 1)
    reason: str


def read_shelters(path: str | Path) -> tuple[list[ShelterRecord], list[SkippedRow]]:
    """Read a GeoJSON or CSV shelter file: the records, and each row left out with its reason."""
    p = require_readable(path)
    if p.suffix.lower() == ".csv":
        records, skipped = _read_csv(p)
    else:
        records, skipped = _read_geojson(p)
    if not records:
        first = f" (first: {skipped[0].where}: {skipped[0].reason})" if skipped else ""
        raise TownImportError(p, f"no shelter in the file could be read{first}")
    return records, skipped


def _read_geojson(p: Path) -> tuple[list[ShelterRecord], list[SkippedRow]]:
    try:
        doc = json.loads(p.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TownImportError(p, f"not valid GeoJSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise TownImportError(p, "not a GeoJSON FeatureCollection")
    records: list[ShelterRecord] = []
    skipped: list[SkippedRow] = []
    for row, feature in enumerate(doc["features"]):
        where = f"feature {row + 1}"
        geom = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if not isinstance(geom, dict) or geom.get("type") != "Point" or not coords:
            kind = geom.get("type") if isinstance(geom, dict) else None
            skipped.append(SkippedRow(where, f"not a Point (geometry {kind or 'missing'})"))
            continue
        try:
            if not isinstance(coords, list) or any(isinstance(c, bool) for c in coords[:2]):
                raise TypeError("not a list of numbers")
            lon, lat = float(coords[0]), float(coords[1])
        except (TypeError, ValueError, IndexError, OverflowError):
            skipped.append(SkippedRow(where, f"coordinates {coords!r} are not two numbers"))
            continue
        if not _valid_lonlat(lon, lat):
            skipped.append(SkippedRow(where, f"({lon}, {lat}) is not a place on Earth"))
            continue
        raw = feature.get("properties")
        if raw is not None and not isinstance(raw, dict):
            skipped.append(SkippedRow(where, f"properties {raw!r} are not an object"))
            continue
        props = _clean_props(raw or {})
        problem = _capacity_problem(props.get("capacity", ""))
        if problem is not None:
            skipped.append(SkippedRow(where, problem))
            continue
        records.append(_record(props, lon, lat, p.name, row))
    return records, skipped


def _read_csv(p: Path) -> tuple[list[ShelterRecord], list[SkippedRow]]:
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            # The line each row ends on (a quoted field may span lines).
            rows = [(reader.line_num, raw) for raw in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise TownImportError(p, f"not a readable CSV file ({exc})") from exc
    if not rows:
        raise TownImportError(p, "no rows in the CSV file")
    keys = {_clean_key(k): k for k in rows[0][1] if k is not None}
    lat_key = next((keys[k] for k in _LAT_KEYS if k in keys), None)
    lon_key = next((keys[k] for k in _LON_KEYS if k in keys), None)
    if lat_key is None or lon_key is None:
        raise TownImportError(p, "the CSV needs lat and lon (or latitude and longitude) columns")
    records: list[ShelterRecord] = []
    skipped: list[SkippedRow] = []
    for row, (line, raw) in enumerate(rows):
        where = f"line {line}"
        try:
            lon, lat = float(raw[lon_key]), float(raw[lat_key])
        except (TypeError, ValueError):
            said = f"{lat_key} {raw[lat_key]!r}, {lon_key} {raw[lon_key]!r}"
            skipped.append(SkippedRow(where, f"{said}: not numbers"))
            continue
        if not _valid_lonlat(lon, lat):
            skipped.append(SkippedRow(where, f"({lon}, {lat}) is not a place on Earth"))
            continue
        props = _clean_props({k: v for k, v in raw.items() if k is not None})
        problem = _capacity_problem(props.get("capacity", ""))
        if problem is not None:
            skipped.append(SkippedRow(where, problem))
            continue
        records.append(_record(props, lon, lat, p.name, row))
    return records, skipped


def merge_shelters(
    files: list[list[ShelterRecord]], projection: LocalProjection
) -> tuple[list[MergedShelter], MergeStats]:
    """Merge shelter lists: one entry per real shelter, fields filled from every source."""
    stats = MergeStats()
    merged: list[ShelterRecord] = []
    sources: list[list[str]] = []
    for records in files:
        if not records:
            continue
        name = records[0].source
        stats.read[name] = len(records)
        stats.matched[name] = 0
        stats.duplicates[name] = 0
        known_xy = (
            projection.points_to_xy([(r.lon, r.lat) for r in merged])
            if merged
            else np.zeros((0, 2))
        )
        tree = cKDTree(known_xy) if merged else None
        rec_xy = projection.points_to_xy([(r.lon, r.lat) for r in records])
        taken: set[int] = set()
        for rec, xy in zip(records, rec_xy, strict=True):
            hit = _find_match(rec, xy=xy, tree=tree, known_xy=known_xy, merged=merged, taken=taken)
            if hit is None:
                merged.append(rec)
                sources.append([rec.source])
                continue
            if name in sources[hit]:
                stats.duplicates[name] += 1
            else:
                stats.matched[name] += 1
                sources[hit].append(name)
            taken.add(hit)
            merged[hit] = _fill(merged[hit], rec)
    return _with_ids(merged, sources), stats


def _find_match(
    rec: ShelterRecord,
    *,
    xy: np.ndarray[Any, np.dtype[np.float64]],
    tree: cKDTree | None,
    known_xy: np.ndarray[Any, np.dtype[np.float64]],
    merged: list[ShelterRecord],
    taken: set[int],
) -> int | None:
    if tree is None:
        return None
    near = sorted(
        tree.query_ball_point(xy, MERGE_RADIUS_M),
        key=lambda i: (float(np.hypot(*(known_xy[i] - xy))), i),
    )
    for i in near:
        other = merged[i]
        if rec.ref and other.ref:
            if rec.ref == other.ref:
                return int(i)
            continue
        if i not in taken and float(np.hypot(*(known_xy[i] - xy))) <= SAME_SPOT_M:
            return int(i)
    return None


def _fill(base: ShelterRecord, extra: ShelterRecord) -> ShelterRecord:
    return replace(
        base,
        ref=base.ref or extra.ref,
        name=base.name or extra.name,
        address=base.address or extra.address,
        category=base.category if base.category != OTHER else extra.category,
        capacity=base.capacity if base.capacity is not None else extra.capacity,
        area_m2=base.area_m2 if base.area_m2 is not None else extra.area_m2,
    )


def _with_ids(merged: list[ShelterRecord], sources: list[list[str]]) -> list[MergedShelter]:
    out: list[MergedShelter] = []
    seen: set[str] = set()
    for rec, srcs in zip(merged, sources, strict=True):
        base = rec.ref or f"{rec.category}-{rec.source_id}"
        ident = base
        k = 2
        while ident in seen:
            ident = f"{base}-{k}"
            k += 1
        seen.add(ident)
        out.append(
            MergedShelter(
                id=ident,
                ref=rec.ref,
                name=rec.name,
                address=rec.address,
                category=rec.category,
                capacity=rec.capacity,
                area_m2=rec.area_m2,
                lon=rec.lon,
                lat=rec.lat,
                sources=tuple(srcs),
            )
        )
    return out
