"""The registrar's board at any size: the decision work in full, everything else counted.

After a mass-casualty attack families file tens of thousands of missing-person reports. The
registrar decides proposed matches and tells families; the board (`board`) carries exactly
that work, in the order it is to be done: the proposed matches of reports still searching,
likeliest first (a proposal of a closed report cannot be confirmed: it is only counted, and
offered again if the report reopens), the families waiting to be told, deaths and withdrawn
news first, and counts; `named` gives the records the first of them name.

A family is waiting to be told (`ToTell`) when the outcome as it stands was not told them:
never told, or told before the casualty's death or discharge changed it (`changed_from`,
`told_before`), or told where a living casualty was before a transfer moved them
(`moved_from`: a family sent to one hospital must hear of another); a death not formally
identified is listed as `identify_first` (no family is told of it yet). A family told of a
match a registrar then withdrew waits to hear that the news was wrong (`withdrawn`).

The board's size follows the work waiting, not the number of reports. Everything else is
found by name (`search_reports`), a page at a time.

The records the board and the search send are cards (`match_card`, `report_card`,
`survivor_card`, `compact`): what the desk shows of each for a decision, without what a
record gathers over time (a report's PFIF notes, its notifications, its provenance) and
without the fields a record leaves empty; a card's size does not grow with a report's notes
(`note_count` says how many it has: GET /persons/missing/{id} has them in full).

Names are searched as the desk always searched them: a report is found by its full name,
its given and family name together, or any alternate, in any script, as a substring, without
case and without Hebrew points or Arabic vowel marks (`fold`). The folded names are kept
per Persons slice and extended as reports come in: a report's name never changes once filed.

Both reads answer for the state at its log position; the board is computed once per
position (`board`), however many desks refresh at it. Given the service, the board is kept
from what a follower of the service's events holds (`_Follower`): a change costs the work
waiting, not a pass over every report; without it, or when the follower cannot vouch for
the state, the board is computed in one pass (`compute_board`), with the same result.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from operator import attrgetter
from typing import Any

from pydantic import BaseModel

from magen.app.following import follower_of
from magen.app.service import Service
from magen.domain.base import Recorded
from magen.domain.casualties import (
    AT_HOSPITAL,
    NOT_IN_HOSPITAL,
    ON_THE_WAY,
    Casualties,
    Casualty,
    IdentificationStatus,
    care_place,
)
from magen.domain.hospitals import Hospitals
from magen.domain.people import PersonName
from magen.domain.persons import (
    CandidateKind,
    MatchStatus,
    MissingReport,
    Notification,
    Outcome,
    Persons,
    ReportStatus,
    Survivor,
    primary_report,
)
from magen.domain.persons import Match as PersonMatch
from magen.domain.state import State

MAX_QUERY = 200
MAX_LIMIT = 200
STATUSES = tuple(s.value for s in ReportStatus)

# Hebrew points and cantillation, Arabic harakat and the superscript alef (as registry.js).
_MARKS = re.compile("[\u0591-\u05c7\u064b-\u065f\u0670]")
_SEP = "\x00"  # between one report's names: no query spans two of them


def fold(text: str) -> str:
    """A name as compared: NFKC, lower case, without Hebrew points or Arabic vowel marks."""
    return _MARKS.sub("", unicodedata.normalize("NFKC", text).lower())


def all_names(name: PersonName) -> list[str]:
    """Every way a report names its person: the full name, given + family, the alternates."""
    out = [name.full_name]
    if name.given_name and name.family_name:
        out.append(f"{name.given_name} {name.family_name}")
    out.extend(name.alternates)
    return out


def _query(q: str) -> str:
    return fold(" ".join(q.split())[:MAX_QUERY].replace(_SEP, ""))


# --- the name index -------------------------------------------------------------------------


@dataclass
class _NameIndex:
    """The folded names of a Persons slice's reports, in the order they were filed."""

    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def catch_up(self, persons: Persons) -> None:
        """Index the reports filed since the last call (reports are only ever added, at the
        end: the new ones are read from the end, not by walking past the old ones)."""
        missing = persons.missing
        new = len(missing) - len(self.ids)
        if new == 0 and (not self.ids or self.ids[-1] in missing):
            return
        tail = list(islice(reversed(missing.values()), new + 1)) if new >= 0 and self.ids else []
        if not tail or tail[-1].report_id != self.ids[-1]:  # not as indexed: index it all again
            self.ids.clear()
            self.names.clear()
            tail = list(reversed(missing.values()))
        else:
            tail.pop()
        for report in reversed(tail):
            self.ids.append(report.report_id)
            self.names.append(_SEP.join(fold(n) for n in all_names(report.name)))


# By the identity of the Persons slice; the weak reference says the slice is still that one.
_INDEXES: dict[int, tuple[weakref.ref[Persons], _NameIndex]] = {}


def _index(persons: Persons) -> _NameIndex:
    key = id(persons)
    held = _INDEXES.get(key)
    if held is None or held[0]() is not persons:
        index = _NameIndex()
        _INDEXES[key] = (weakref.ref(persons, lambda _: _INDEXES.pop(key, None)), index)
    else:
        index = held[1]
    index.catch_up(persons)
    return index


@dataclass(frozen=True, slots=True)
class Found:
    """One page of the reports a name search finds, newest first."""

    total: int
    reports: tuple[MissingReport, ...]


def search_reports(
    state: State,
    q: str = "",
    *,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    service: Service | None = None,
) -> Found:
    """Reports whose names contain `q` (folded; empty: every report) with the given status,
    newest filed first: `limit` of them from `offset`, and how many there are in all."""
    persons = state.slice(Persons)
    index = _index(persons)
    wanted = _query(q)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    missing = persons.missing
    ids = index.ids
    if wanted:
        hits = [i for i, names in enumerate(index.names) if wanted in names]
        if status is not None:
            hits = [i for i in hits if missing[ids[i]].status == status]
        total = len(hits)
        # The log is appended in time: the last filed is the newest.
        chosen = [ids[i] for i in hits[::-1][offset : offset + limit]]
    else:
        # Every report (of a status): counted by the board, the newest walked to the page.
        total = (
            len(ids) if status is None else board(state, service).reports_by_status.get(status, 0)
        )
        newest = reversed(ids)
        if status is not None:
            newest = (i for i in newest if missing[i].status == status)
        chosen = list(islice(newest, offset, offset + limit))
    page = [missing[i] for i in chosen]
    page.sort(key=lambda r: r.reported_at, reverse=True)  # stable: ties keep the log's order
    return Found(total=total, reports=tuple(page))


# --- cards: what the desk shows of a record -------------------------------------------------

# A proposal as the desk and the console read it (the evidence is also said, in the desk's
# language, in the board's `reasons`).
MATCH_CARD = (
    "match_id",
    "report_id",
    "candidate_kind",
    "candidate_id",
    "score",
    "explanation",
    "status",
    "evidence",
)
# A report as the desk shows it beside a candidate, in the list of reports and when telling a
# family (the outcome, the confirmed match and the words released to it).
REPORT_CARD = (
    "report_id",
    "name",
    "date_of_birth",
    "age",
    "description",
    "last_seen_place",
    "last_seen_at",
    "contact",
    "family_account",
    "reported_at",
    "status",
    "outcome",
    "outcome_match",
    "release",
    "closed_at",
)
SURVIVOR_CARD = (
    "survivor_id",
    "name",
    "date_of_birth",
    "age",
    "description",
    "place",
    "checked_in_at",
)


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, (str, dict, list, tuple)) and not value)


def _shown(value: Any) -> Any:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, dict):
        return compact(value)
    return value


def compact(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields with a value (values, and values within them, that are None, "" or empty
    are left out); a pydantic value as JSON, with what it leaves at its default left out."""
    out = {}
    for key, value in fields.items():
        shown = _shown(value)
        if not _empty(shown):
            out[key] = shown
    return out


def match_card(match: PersonMatch) -> dict[str, Any]:
    """A proposal: every field of MATCH_CARD, empty or not (the console reads them all)."""
    return {f: getattr(match, f) for f in MATCH_CARD}


def report_card(report: MissingReport) -> dict[str, Any]:
    """What the desk shows of a report, and how many notes it has (none: no `note_count`)."""
    card = compact({f: getattr(report, f) for f in REPORT_CARD})
    if report.notes:
        card["note_count"] = len(report.notes)
    return card


def tell_card(tell: ToTell) -> dict[str, Any]:
    """A family to tell as the desk reads it: the report, primary and match ids, and only the
    flags and details that are set (most families are simply waiting to be told)."""
    card: dict[str, Any] = {
        "report_id": tell.report_id,
        "primary_id": tell.primary_id,
        "match_id": tell.match_id,
    }
    for name in _TELL_DETAILS:
        value = getattr(tell, name)
        if value:
            card[name] = value.value if isinstance(value, Outcome) else value
    return card


_TELL_DETAILS = (
    "changed_from",
    "moved_from",
    "place",
    "told_before",
    "told",
    "withdrawn",
    "reason",
    "identify_first",
    "casualty_id",
)


def survivor_card(survivor: Survivor) -> dict[str, Any]:
    """What the desk shows of a survivor beside the report it may answer."""
    return compact({f: getattr(survivor, f) for f in SURVIVOR_CARD})


# --- the board ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToTell:
    """A family waiting to be told: its report, the report that carries the outcome (itself,
    or the report it duplicates) and the confirmed match to tell them of, or the withdrawn
    match they were told of and must now hear was wrong (`withdrawn`)."""

    report_id: str
    primary_id: str
    match_id: str
    # The outcome changed since it was confirmed (a death, a discharge): what it was before.
    changed_from: Outcome | None = None
    # What this family was told before of news that no longer stands (an outcome since
    # changed, a match since withdrawn): "since you told them", not "since confirmed".
    told_before: bool = False
    told: Outcome | None = None  # the outcome they were told then, if one
    withdrawn: bool = False  # the match was withdrawn: the earlier news was wrong
    reason: str = ""  # why the registrar withdrew it
    # A death whose casualty is not formally identified yet: no family is told until it is.
    identify_first: bool = False
    # Where a living casualty was when the family was last told (`care_place`), if a transfer
    # or a discharge to other care has moved them since: they must hear where they are now.
    moved_from: str | None = None
    casualty_id: str | None = None  # the casualty the news is of, if it is one's
    place: str | None = None  # and where it is now (`care_place`)


@dataclass(frozen=True, slots=True)
class Board:
    """The registrar's work at one log position, and the counts."""

    position: int
    matches: tuple[PersonMatch, ...]  # proposed for reports still searching, likeliest first
    to_tell: tuple[ToTell, ...]  # deaths and withdrawn news first, then the longest waiting
    # Found or duplicate reports with a note written after they were closed (a family saying
    # "she called us" of someone confirmed dead is how a wrong identification comes to
    # light): newest note first.
    noted_after: tuple[str, ...]
    reports_by_status: dict[str, int]
    survivor_count: int
    matches_by_status: dict[str, int]
    # Proposals left out of `matches`: their report is closed (the family marked the person
    # safe, another candidate was confirmed, or it is a duplicate), so none can be confirmed.
    # They come back if the report searches again (its confirmed match withdrawn).
    proposed_on_closed: int = 0


@dataclass(frozen=True, slots=True)
class Named:
    """The records the first proposals and families of a board name, by id."""

    reports: dict[str, MissingReport]
    survivors: dict[str, Survivor]
    casualties: dict[str, Casualty]
    hospitals: dict[str, str]  # id -> name of the hospitals those casualties go to or are in


def _waiting(state: State, closed: Iterable[MissingReport]) -> list[ToTell]:
    """Of the found and duplicate reports, those whose outcome as it stands their family was
    not told of yet (never told, or told before it changed), and the families told of a match
    since withdrawn: deaths and withdrawn news first (someone must go and put it right), then
    whoever has waited longest."""
    persons = state.slice(Persons)
    casualties = state.slice(Casualties).by_id
    out: list[tuple[bool, datetime, ToTell]] = []
    for report in closed:
        duplicate = report.status is ReportStatus.DUPLICATE
        primary = primary_report(persons, report) if duplicate else report
        match_id = primary.outcome_match
        if primary.status is not ReportStatus.FOUND or match_id is None:
            continue
        told = [n for n in report.notifications if n.match_id == match_id]
        m = persons.matches.get(match_id)
        c = casualties.get(m.candidate_id) if m and m.candidate_kind is CASUALTY else None
        if told:
            moved_from = _moved_from(told[-1], c) if primary.outcome is INJURED else None
            if moved_from is None or c is None:
                continue
            tell = ToTell(
                report.report_id,
                primary.report_id,
                match_id,
                told_before=True,
                told=told[-1].outcome,
                moved_from=moved_from,
                casualty_id=c.casualty_id,
                place=care_place(c),
            )
            out.append((True, _moved_at(c) or primary.closed_at or primary.reported_at, tell))
            continue
        before = [n for n in report.told_before if n.match_id == match_id]
        death = primary.outcome is Outcome.DECEASED
        tell = ToTell(
            report.report_id,
            primary.report_id,
            match_id,
            changed_from=primary.outcome_was if primary.outcome_changed_at else None,
            told_before=bool(before),
            told=before[-1].outcome if before else None,
            identify_first=death and c is not None and c.identification is not IDENTIFIED,
            casualty_id=c.casualty_id if c is not None else None,
            place=care_place(c) if c is not None and primary.outcome is INJURED else None,
        )
        since = primary.outcome_changed_at or primary.closed_at or primary.reported_at
        out.append((not death, since, tell))
    for report_id, match_id in persons.to_tell_again.items():
        again = persons.missing.get(report_id)
        wrong = persons.matches.get(match_id)
        if again is None or wrong is None or wrong.status is not MatchStatus.WITHDRAWN:
            continue
        tell = ToTell(
            report_id,
            primary_report(persons, again).report_id,
            match_id,
            told_before=True,
            told=again.told_before[-1].outcome if again.told_before else None,
            withdrawn=True,
            reason=wrong.reason,
        )
        out.append((False, wrong.decided_at or again.reported_at, tell))
    out.sort(key=lambda w: (w[0], w[1]))
    return [t for _, _, t in out]


CASUALTY = CandidateKind.CASUALTY
IDENTIFIED = IdentificationStatus.IDENTIFIED
INJURED = Outcome.INJURED


def _moved_from(told: Notification, c: Casualty | None) -> str | None:
    """Where the casualty was when this family was told, if it has moved since (a transfer,
    a discharge to other care); None if not, or if the telling did not say (older logs).
    Leaving the scene for a hospital not yet named is no news: there is nowhere new to go."""
    if c is None or told.place is None:
        return None
    now = care_place(c)
    if now == told.place or (told.place == NOT_IN_HOSPITAL and now == ON_THE_WAY):
        return None
    return told.place


def _moved_at(c: Casualty) -> datetime | None:
    """When the casualty last moved: its latest evacuation, arrival or discharge."""
    return max((t for t in (c.evacuated_at, c.arrived_at, c.discharged_at) if t), default=None)


def _open_proposals(persons: Persons, proposed: Iterable[PersonMatch]) -> list[PersonMatch]:
    """The proposals whose report still searches: the others cannot be confirmed."""
    missing = persons.missing
    searching = ReportStatus.SEARCHING
    return [m for m in proposed if (r := missing.get(m.report_id)) and r.status is searching]


# Statuses are counted by the member's identity (list.count compares identity first, in C):
# hashing an enum member runs Python code, and each pass in Python over 100,000 reports costs
# several ms.
_STATUS = attrgetter("status")


def _count(statuses: list[object], members: Iterable[ReportStatus | MatchStatus]) -> dict[str, int]:
    return {m.value: statuses.count(m) for m in members}


def compute_board(state: State) -> Board:
    """The board at the state's position (use `board`, which keeps it for the position)."""
    persons = state.slice(Persons)
    every = [m for m in persons.matches.values() if m.status is MatchStatus.PROPOSED]
    proposed = sorted(_open_proposals(persons, every), key=lambda m: (-m.score, m.proposed_at))
    reports = list(persons.missing.values())
    by_status = _count(list(map(_STATUS, reports)), ReportStatus)
    found, duplicate = ReportStatus.FOUND, ReportStatus.DUPLICATE
    closed = (
        [r for r in reports if (s := r.status) is found or s is duplicate]
        if by_status[found] or by_status[duplicate]
        else []
    )
    return Board(
        position=state.position,
        matches=tuple(proposed),
        to_tell=tuple(_waiting(state, closed)),
        noted_after=tuple(_noted_after(closed)),
        reports_by_status=by_status,
        survivor_count=len(persons.survivors),
        matches_by_status=_count(list(map(_STATUS, persons.matches.values())), MatchStatus),
        proposed_on_closed=len(every) - len(proposed),
    )


def _noted_after(closed: Iterable[MissingReport]) -> list[str]:
    """Of the closed reports, those with a note after their closing, newest note first."""
    late = [
        (r.notes[-1].at, r.report_id)
        for r in closed
        if r.notes and r.closed_at is not None and r.notes[-1].at >= r.closed_at
    ]
    late.sort(reverse=True)
    return [report_id for _, report_id in late]


def named(
    state: State,
    matches: Iterable[PersonMatch],
    to_tell: Iterable[ToTell],
    noted_after: Iterable[str] = (),
) -> Named:
    """The reports, survivors, casualties (and their hospitals) these matches, families and
    late notes name, as they stand in the state."""
    persons = state.slice(Persons)
    out = Named({}, {}, {}, {})
    known_casualties = state.slice(Casualties).by_id
    known_hospitals = state.slice(Hospitals).by_id

    def report(report_id: str) -> None:
        found = persons.missing.get(report_id)
        if found is not None:
            out.reports[report_id] = found

    def casualty(casualty_id: str) -> None:
        c = known_casualties.get(casualty_id)
        if c is not None:
            out.casualties[c.casualty_id] = c
            for h_id in (c.hospital_id, c.destination):
                h = known_hospitals.get(h_id) if h_id else None
                if h is not None:
                    out.hospitals[h.hospital_id] = h.name

    for m in matches:
        report(m.report_id)
        if m.candidate_kind is CandidateKind.MISSING:
            report(m.candidate_id)
        elif m.candidate_kind is CandidateKind.SURVIVOR:
            s = persons.survivors.get(m.candidate_id)
            if s is not None:
                out.survivors[s.survivor_id] = s
        else:
            casualty(m.candidate_id)
    for t in to_tell:
        report(t.report_id)
        report(t.primary_id)
        told_of = persons.matches.get(t.match_id)
        if told_of is not None and told_of.candidate_kind is CandidateKind.CASUALTY:
            casualty(told_of.candidate_id)  # its tag, disposition, identification
        for place in (t.moved_from, t.place):  # where they were told, where they are
            h = known_hospitals.get(place.removeprefix(AT_HOSPITAL)) if place else None
            if h is not None and place and place.startswith(AT_HOSPITAL):
                out.hospitals[h.hospital_id] = h.name
    for report_id in noted_after:
        report(report_id)
    return out


class _Follower:
    """The board's inputs kept as the service applies each event (`Service.add_listener`):
    every report's status and its count, the found and duplicate reports, the proposed
    matches and the match counts. A board then costs the work waiting (sorting the proposals,
    checking the closed reports' notifications), not a pass over every report.

    Every event of the persons domain names the report and the match it changes
    (`report_id`, `match_id`); those are read again after it is applied. The casualties'
    deaths and discharges the persons slice also follows change a confirmed report's outcome
    and notifications, never a status: the board reads those from the closed reports each
    time, and the families to tell again from `Persons.to_tell_again`. The follower is only
    a shortcut: whenever it cannot vouch for the state (another state, a position it did not
    follow) it starts again from the state as it stands, in one pass.
    """

    def __init__(self, state: State) -> None:
        self.reset(state)

    def reset(self, state: State) -> None:
        persons = state.slice(Persons)
        self.persons = weakref.ref(persons)
        self.position = state.position
        self.status = {r.report_id: r.status for r in persons.missing.values()}
        self.order = {k: i for i, k in enumerate(self.status)}  # as filed
        self.match_status = {m.match_id: m.status for m in persons.matches.values()}
        self.closed = {
            k for k, st in self.status.items() if st in (ReportStatus.FOUND, ReportStatus.DUPLICATE)
        }
        self.proposed = {k for k, st in self.match_status.items() if st is MatchStatus.PROPOSED}
        self.counts = _count(list(self.status.values()), ReportStatus)
        self.match_counts = _count(list(self.match_status.values()), MatchStatus)

    def follows(self, state: State) -> bool:
        return self.persons() is state.slice(Persons) and self.position == state.position

    def on_event(self, recorded: Recorded, state: State) -> None:
        if self.position != recorded.position - 1 or self.persons() is not state.slice(Persons):
            self.position = -1  # lost step: the next board is computed in full
            return
        self.position = recorded.position
        e = recorded.event
        if type(e).__module__ != _PERSONS_MODULE:
            return
        persons = state.slice(Persons)
        report = persons.missing.get(getattr(e, "report_id", None) or "")
        if report is not None:
            self.order.setdefault(report.report_id, len(self.order))
            self._moved(self.status, self.counts, report.report_id, report.status)
            if report.status in (ReportStatus.FOUND, ReportStatus.DUPLICATE):
                self.closed.add(report.report_id)
            else:
                self.closed.discard(report.report_id)
        match = persons.matches.get(getattr(e, "match_id", None) or "")
        if match is not None:
            self._moved(self.match_status, self.match_counts, match.match_id, match.status)
            if match.status is MatchStatus.PROPOSED:
                self.proposed.add(match.match_id)
            else:
                self.proposed.discard(match.match_id)

    @staticmethod
    def _moved(held: dict[str, Any], counts: dict[str, int], key: str, now: Any) -> None:
        was = held.get(key)
        if was is now:
            return
        if was is not None:
            counts[was.value] -= 1
        counts[now.value] += 1
        held[key] = now

    def board(self, state: State) -> Board:
        persons = state.slice(Persons)
        every = [persons.matches[k] for k in self.proposed]
        proposed = sorted(_open_proposals(persons, every), key=lambda m: (-m.score, m.proposed_at))
        closed = [persons.missing[k] for k in sorted(self.closed, key=self.order.__getitem__)]
        return Board(
            position=state.position,
            matches=tuple(proposed),
            to_tell=tuple(_waiting(state, closed)),
            noted_after=tuple(_noted_after(closed)),
            reports_by_status=dict(self.counts),
            survivor_count=len(persons.survivors),
            matches_by_status=dict(self.match_counts),
            proposed_on_closed=len(every) - len(proposed),
        )


_PERSONS_MODULE = Persons.__module__

# The last board computed, by its state's Persons slice (a State has no weak references; a
# slice belongs to one state): the weak reference says it is still that state, the position
# that it has not changed since.
_LAST: list[tuple[weakref.ref[Persons], Board]] = []
_FOLLOWERS: weakref.WeakKeyDictionary[Service, _Follower] = weakref.WeakKeyDictionary()


def board(state: State, service: Service | None = None) -> Board:
    """The board at the state's position, computed once per position: from what the service's
    follower kept (given the service whose state it is), else in one pass over the state."""
    persons = state.slice(Persons)
    if _LAST:
        ref, last = _LAST[0]
        if ref() is persons and last.position == state.position:
            return last
    if service is None:
        made = compute_board(state)
    else:
        made = follower_of(_FOLLOWERS, service, state, _Follower).board(state)
    _LAST[:] = [(weakref.ref(persons), made)]
    return made
