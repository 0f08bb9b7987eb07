"""Find a place in the town pack from what a person types: a street and house number, a street,
or a shelter's name.

Street names in the pack are as OSM has them (in Jerusalem, Hebrew). People also type them in
Latin letters ("Dubnov 13") or with other spellings, so every name is matched twice: as written
(normalised) and as a consonant skeleton of its Latin transliteration, where letters that
Hebrew spelling leaves ambiguous (b/v/w, k/q/kh, vowels, silent h) are folded together. The
answer is a short ranked list for the person to pick from, never a silent guess.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from anyascii import anyascii
from rapidfuzz import fuzz, process

from magen.geo.town import Town

PlaceKind = Literal["address", "street", "shelter"]

# Words that say "street" rather than name one.
_STREET_WORDS = frozenset(
    {"st", "street", "rd", "road", "ave", "avenue", "blvd", "רחוב", "רח", "שדרות", "שד", "شارع"}
)
# Quotes mark Hebrew abbreviations inside a word (בן אב"י): dropped, never a word break.
_QUOTES = re.compile(r"[\"'`׳״]+")
_PUNCT = re.compile(r"[.,;:()\[\]/\\-]+")
_NUMBER = re.compile(r"^(\d{1,4})([^\d\s]?)$")
_DIGRAPHS = (("kh", "k"), ("ch", "k"), ("sh", "s"), ("ph", "f"), ("tz", "c"), ("ts", "c"))
_FOLD = str.maketrans({"v": "b", "w": "b", "p": "f", "q": "k", "x": "k", "j": "g"})
_DROP = re.compile(r"[aeiouyh\W\d_]+")
MIN_STREET_SCORE = 62.0
MIN_SOUND_SCORE = 75.0
MIN_SHELTER_SCORE = 80.0


@dataclass(frozen=True, slots=True)
class Place:
    """A place someone may mean, with how well it matched (0-100)."""

    label: str
    lon: float
    lat: float
    kind: PlaceKind
    score: float


def normalise(text: str) -> str:
    """Lower case, no punctuation, no Hebrew points, single spaces, no 'street' words."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    words = _PUNCT.sub(" ", _QUOTES.sub("", bare)).split()
    return " ".join(w for w in words if w not in _STREET_WORDS)


def skeleton(text: str) -> str:
    """The consonants of a name's Latin transliteration, ambiguous letters folded together."""
    latin = anyascii(normalise(text)).lower()
    for pair, single in _DIGRAPHS:
        latin = latin.replace(pair, single)
    folded = _DROP.sub("", latin.translate(_FOLD))
    # Doubled letters come from spelling (Hebrew "vv" for a vowel and a consonant), not sound.
    return re.sub(r"(.)\1+", r"\1", folded)


def _split_number(query: str) -> tuple[str, str | None]:
    """The street part and the house number (with any letter suffix) of a query."""
    words = normalise(query).split()
    number = None
    rest = []
    for w in words:
        if number is None and _NUMBER.match(w):
            number = w
        else:
            rest.append(w)
    return " ".join(rest), number


class AddressBook:
    """Every addressed building, street and shelter of a town, searchable by what people type."""

    def __init__(self, town: Town) -> None:
        b = town.buildings
        by_street: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(b.street.tolist()):
            if name:
                by_street[str(name)].append(i)
        self._lonlat = b.lonlat
        self._numbers = [normalise(str(n)).replace(" ", "") for n in b.housenumber.tolist()]
        self._by_street = dict(by_street)
        centre: dict[str, tuple[float, float]] = {
            name: _median(b.lonlat[idx]) for name, idx in by_street.items()
        }
        s = town.streets
        for e, name in enumerate(s.edge_name.tolist()):
            if name and name not in centre:
                u, v = int(s.edge_u[e]), int(s.edge_v[e])
                mid = (s.node_lonlat[u] + s.node_lonlat[v]) / 2.0
                centre[str(name)] = (float(mid[0]), float(mid[1]))
        self._streets = sorted(centre)
        self._centre = centre
        self._plain = [normalise(n) for n in self._streets]
        self._skel = [skeleton(n) for n in self._streets]
        sh = town.shelters
        self._shelters = [
            (
                " · ".join(p for p in (str(sh.name[i]), str(sh.address[i])) if p),
                float(sh.lonlat[i, 0]),
                float(sh.lonlat[i, 1]),
            )
            for i in range(len(sh))
        ]
        self._shelter_keys = [normalise(label) for label, _, _ in self._shelters]

    def search(self, query: str, limit: int = 5) -> list[Place]:
        """The places best matching a query, best first (empty when nothing is close)."""
        name, number = _split_number(query)
        if not name:
            return []
        found: list[Place] = []
        for street, score in self._streets_like(name):
            found.extend(self._on_street(street, number, score))
        for _, score, i in process.extract(
            name, self._shelter_keys, scorer=fuzz.WRatio, limit=limit * 2
        ):
            # A shelter's address carries its number: a query's number must agree with it.
            agrees = number is None or number in self._shelter_keys[i].split()
            if score >= MIN_SHELTER_SCORE and agrees:
                text, lon, lat = self._shelters[i]
                bonus = 5.0 if number is not None else 0.0
                found.append(Place(text, lon, lat, "shelter", float(score) + bonus))
        found.sort(key=lambda p: (-p.score, p.kind != "address", p.label))
        unique: list[Place] = []
        seen: set[str] = set()
        for p in found:
            if p.label not in seen:
                seen.add(p.label)
                unique.append(p)
        return unique[:limit]

    def _streets_like(self, name: str) -> list[tuple[str, float]]:
        scores: dict[int, float] = {}
        plain = process.extract(name, self._plain, scorer=fuzz.WRatio, limit=8)
        skel = skeleton(name)
        sounds = (
            process.extract(skel, self._skel, scorer=fuzz.ratio, limit=8) if len(skel) >= 2 else []
        )
        for _, score, i in plain:
            if score >= MIN_STREET_SCORE:
                scores[i] = max(scores.get(i, 0.0), float(score))
        # Skeletons are short and alike by chance: only a close one counts.
        for _, score, i in sounds:
            if score >= MIN_SOUND_SCORE:
                scores[i] = max(scores.get(i, 0.0), float(score))
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        return [(self._streets[i], s) for i, s in ranked][:5]

    def _on_street(self, street: str, number: str | None, score: float) -> list[Place]:
        centre = self._centre[street]
        if number is None:
            return [Place(street, centre[0], centre[1], "street", score)]
        base = _digits(number)
        exact: list[int] = []
        near: list[int] = []
        for i in self._by_street.get(street, []):
            n = self._numbers[i]
            if n == number:
                exact.append(i)
            elif base and _digits(n) == base:
                near.append(i)
        if exact or near:
            i = (exact or near)[0]
            lon, lat = (float(x) for x in self._lonlat[i])
            bonus = 0.5 if exact else 0.0  # "7" finds "7א" only when there is no plain 7
            return [Place(f"{street} {number}", lon, lat, "address", score + bonus)]
        # The street is right but the number is unknown: the street is still a place to start.
        return [Place(street, centre[0], centre[1], "street", score - 10.0)]


def _digits(number: str) -> str:
    m = re.match(r"\d+", number)
    return m.group(0) if m else ""


def _median(lonlat: npt.NDArray[np.float64]) -> tuple[float, float]:
    m = np.median(lonlat, axis=0)
    return float(m[0]), float(m[1])


@functools.lru_cache(maxsize=4)
def address_book(town: Town) -> AddressBook:
    """The address book of a town, built once per pack."""
    return AddressBook(town)
