"""The town's name in each language the pages speak, found in OSM or given on import.

The import is given one name (`--name Baka`). OSM usually knows the place in other languages
too: a `place=*` object whose `name` or `name:en` is that name carries `name:he` and `name:ar`
(and in Israel `name` itself is mostly Hebrew, in Arab towns Arabic). A name given on the
command line wins; a language with no name at all falls back to the given name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from magen.geo.osm import Place

LANGS = ("he", "ar", "en")

# A bigger place first when two of the same name lie in the extract (a city and a suburb
# named after it).
_RANK = {
    "city": 0,
    "town": 1,
    "municipality": 1,
    "village": 2,
    "borough": 3,
    "suburb": 3,
    "quarter": 4,
    "neighbourhood": 5,
    "hamlet": 6,
}


@dataclass(frozen=True)
class TownNames:
    """The town's name per language, and where each came from."""

    given: str
    names: dict[str, str]  # he, ar, en: never empty
    origin: dict[str, str]  # per language: "osm", "given on import" or "fallback"
    place: Place | None  # the OSM place the names were read from

    def describe(self) -> str:
        """One line for the import report."""
        where = (
            f"OSM {self.place.kind} {self.place.osm_id} (place={self.place.place})"
            if self.place is not None
            else f"no OSM place named {self.given!r} in the extract"
        )
        said = ", ".join(f"{lang} {self.names[lang]!r} ({self.origin[lang]})" for lang in LANGS)
        return f"{said}; {where}"


def _script(text: str) -> str | None:
    """'he' or 'ar' when the text is written in that script, else None."""
    for ch in text:
        if "\u0590" <= ch <= "\u05ff":
            return "he"
        if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f":
            return "ar"
    return None


def _inside(place: Place, bounds: tuple[float, float, float, float]) -> bool:
    if place.box is None:
        return True  # a relation: in the extract only because a member is
    lon0, lat0, lon1, lat1 = bounds
    return not (
        place.box[2] < lon0 or place.box[0] > lon1 or place.box[3] < lat0 or place.box[1] > lat1
    )


def find_place(
    given: str, places: Sequence[Place], bounds: tuple[float, float, float, float]
) -> Place | None:
    """The place within or at the bounds whose `name` or `name:en` is the given name
    (ignoring case): the one with most of the pages' languages, then the biggest, then a node
    (where the name is usually tagged) before a way or relation."""
    wanted = given.strip().casefold()
    if not wanted:
        return None
    found = [
        p
        for p in places
        if _inside(p, bounds)
        and wanted in {p.names.get("name", "").casefold(), p.names.get("name:en", "").casefold()}
    ]
    if not found:
        return None

    def key(p: Place) -> tuple[int, int, int, int]:
        known = sum(1 for lang in LANGS if _osm_name(p, lang))
        kind = {"node": 0, "way": 1}.get(p.kind, 2)
        return (-known, _RANK.get(p.place, 9), kind, p.osm_id)

    return min(found, key=key)


def _osm_name(place: Place, lang: str) -> str:
    """The place's name in a language: `name:<lang>`, else `name` when written in its script
    (Hebrew or Arabic; an English `name` counts for English only when it has no script)."""
    tagged = place.names.get(f"name:{lang}", "")
    if tagged:
        return tagged
    local = place.names.get("name", "")
    script = _script(local)
    if lang == "en":
        return local if local and script is None else ""
    return local if script == lang else ""


def town_names(
    given: str,
    places: Sequence[Place],
    bounds: tuple[float, float, float, float],
    overrides: Mapping[str, str | None] | None = None,
) -> TownNames:
    """The town's names in he, ar and en: given on import, else from OSM, else the given name."""
    given = given.strip()
    place = find_place(given, places, bounds)
    names: dict[str, str] = {}
    origin: dict[str, str] = {}
    for lang in LANGS:
        override = ((overrides or {}).get(lang) or "").strip()
        from_osm = _osm_name(place, lang) if place is not None else ""
        if override:
            names[lang], origin[lang] = override, "given on import"
        elif from_osm:
            names[lang], origin[lang] = from_osm, "osm"
        else:
            names[lang], origin[lang] = given, "fallback"
    return TownNames(given=given, names=names, origin=origin, place=place)
