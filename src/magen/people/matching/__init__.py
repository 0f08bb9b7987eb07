"""Candidate links between missing-person reports, casualties and survivors (pure).

The method is Fellegi-Sunter record linkage, as in splink, with comparisons built for this
problem: names in any script compared as sets of name parts (so given/family order does not
matter) by shared spelling, phonetic key, nickname or near-miss (`names`), with a
term-frequency adjustment for rare and common names; birth date or age range; sex; hair,
build, clothing and distinguishing marks reduced to a shared vocabulary in Hebrew, Arabic and
English (`descriptions`); how far from where a person was last seen they were found (for a
survivor at a shelter, whether it is one of the shelters nearest there); and how soon after.

The modules, each importing only those above it:

- `records`: the records linked (`PersonRecord`, `RecordKind`).
- `arrays`: array types and primitives the stages share; chunks of pairs and threads.
- `model`: the comparisons and their levels, the model (`MatchModel`, `DEFAULT_MODEL`) and
  what linking returns (`MatchCandidate`, `Evidence`, `NamePair`, `Linkage`).
- `name_parts`: name parts across scripts, their key sets and how two parts compare.
- `tables`: one side's records as column arrays, descriptions reduced to codes and bits.
- `blocking`: the candidate pairs, those sharing a blocking key (sorted-array joins).
- `levels`: each candidate pair's comparison levels, vectorised.
- `pipeline`: one run: records to tables, blocked, compared (`_Run`).
- `fitting`: u, m by EM, and the prior; scores as log2 Bayes factors.
- `evidence`: each candidate's evidence in words, with its weight.
- `linking`: `fit_model`, `link`, `match`, `find_duplicates`, `best_links`.
- `persons`: `link_people`, duplicate reports pooled, each record one person.

Everything public is imported here: `from magen.people.matching import link_people`.
"""

from magen.people.matching.arrays import FloatArray, Int8Array, IntArray, Levels
from magen.people.matching.evidence import age_text
from magen.people.matching.fitting import Rows
from magen.people.matching.linking import best_links, find_duplicates, fit_model, link, match
from magen.people.matching.model import (
    COMPARISONS,
    DEFAULT_MODEL,
    FIXED_FINDINGS,
    NAME_HOWS,
    NO_OTHER_REPORT,
    RARITIES,
    SAME_AS_REPORT,
    SWAPPED,
    Evidence,
    Linkage,
    MatchCandidate,
    MatchModel,
    NamePair,
)
from magen.people.matching.persons import PersonLink, PersonLinkage, link_people
from magen.people.matching.records import PersonRecord, RecordKind

__all__ = [
    "COMPARISONS",
    "DEFAULT_MODEL",
    "FIXED_FINDINGS",
    "NAME_HOWS",
    "NO_OTHER_REPORT",
    "RARITIES",
    "SAME_AS_REPORT",
    "SWAPPED",
    "Evidence",
    "FloatArray",
    "Int8Array",
    "IntArray",
    "Levels",
    "Linkage",
    "MatchCandidate",
    "MatchModel",
    "NamePair",
    "PersonLink",
    "PersonLinkage",
    "PersonRecord",
    "RecordKind",
    "Rows",
    "age_text",
    "best_links",
    "find_duplicates",
    "fit_model",
    "link",
    "link_people",
    "match",
]
