"""The casualty and hospital boards as the staff pages refresh them, each answer made once.

Every open console refreshes these boards on the live feed's changes. At a disaster's size
(thousands of casualties) an answer is megabytes and tens of milliseconds to make, and most
refreshes find it unchanged: the feed moves on with sightings, positions and reports that
no board shows. So an answer is kept (`Answers`) and given again until it would differ:

- it reads only the casualty and hospital records, and those change only by their own
  events: a follower of the service's events (`Service.add_listener`) keeps the position of
  the last of them (`version`), whatever else the log records meanwhile;
- who asks matters only through what they may read (`scope`): every medical role but a
  hospital reads every casualty; a hospital account reads its own hospital's;
- a casualty's warnings grow with the clock alone, and only while a treatment is on (a
  tourniquet, `casualties.warnings`): the warnings of the casualties an answer lists with a
  treatment on (`ageing`) are part of what must still hold (`clock_key`).

Each answer carries a digest of its content (the routes make its ETag of it, so a console
that has it is told 304) and its body gzipped, made once when first asked for.
"""

from __future__ import annotations

import gzip
import hashlib
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Literal, get_args

from magen.app.following import follower_of
from magen.app.people_policy import hospital_of, readable_casualties
from magen.app.service import Service
from magen.domain import casualties as cas
from magen.domain import hospitals as hos
from magen.domain.base import Actor, Recorded
from magen.domain.state import State
from magen.domain.values import Role

# Which casualties a read lists: all, the open ones (the console's), or those of one status.
StatusFilter = Literal[
    "all", "open", "at_scene", "evacuated", "arrived", "admitted", "discharged", "deceased"
]
STATUS_FILTERS: tuple[str, ...] = get_args(StatusFilter)
CLOSED = frozenset({cas.CasualtyStatus.DISCHARGED, cas.CasualtyStatus.DECEASED})
_CASUALTIES = cas.__name__
_MODULES = frozenset({_CASUALTIES, hos.__name__})  # the events these boards read


_FOUND_AT = attrgetter("found_at")


def scope(actor: Actor, state: State) -> str:
    """Whom an answer is the same for: every reader of all casualties, or one hospital's."""
    if actor.role is not Role.HOSPITAL:
        return "*"
    return "hospital:" + (hospital_of(state, actor) or "")


def select(actor: Actor, state: State, status: StatusFilter) -> list[cas.Casualty]:
    """The casualties the actor may read with that status, in the order they were found."""
    items = readable_casualties(actor, state)
    if status == "open":
        items = [c for c in items if c.status not in CLOSED]
    elif status != "all":
        wanted = cas.CasualtyStatus(status)
        items = [c for c in items if c.status is wanted]
    return sorted(items, key=_FOUND_AT)


def _ages(c: cas.Casualty) -> bool:
    return c.status not in CLOSED and any(i.ended_at is None for i in c.interventions)


def ageing(items: Iterable[cas.Casualty]) -> tuple[cas.Casualty, ...]:
    """The casualties whose view may change with the clock alone: those with a treatment on."""
    return tuple(c for c in items if _ages(c))


def clock_key(items: Iterable[cas.Casualty], now: datetime) -> tuple[str, ...]:
    """What the clock makes of these casualties now: their warnings, as the views say them."""
    return tuple(w.message for c in items for w in cas.warnings(c, now))


@dataclass(slots=True)
class Answer:
    """One answer as encoded, with its ETag and what must still hold for it to stand."""

    body: bytes
    digest: str  # of the body: equal answers share it, whoever asked
    version: int
    ageing: tuple[cas.Casualty, ...]
    clock_key: tuple[str, ...]
    _gzipped: bytes | None = None

    def gzipped(self) -> bytes:
        """The body gzipped, made once for every client that takes it so (a board of open
        casualties is about a fifth of its size; level 1: most of level 6's gain, at a
        third of its time)."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, 1, mtime=0)
        return self._gzipped


def digest_of(body: bytes) -> str:
    """A digest of the content: equal answers share it, whoever asked and wherever."""
    return hashlib.sha256(body).hexdigest()[:32]


class _Follower:
    """The position of the last casualty or hospital event, kept as the service applies each
    event, and the answers made since. It is only a shortcut: whenever it cannot vouch for
    the state (another state, a position it did not follow) it starts again from the state's
    position, which every change moves on."""

    def __init__(self, state: State) -> None:
        self.answers: dict[tuple[str, ...], Answer] = {}
        # Each view's encoded row of a casualty (with what its warnings said), by casualty
        # id, until an event names the casualty.
        self.rows: dict[str, dict[str, tuple[tuple[str, ...] | None, bytes]]] = {}
        self.reset(state)

    def reset(self, state: State) -> None:
        self.casualties = weakref.ref(state.slice(cas.Casualties))
        self.hospitals = weakref.ref(state.slice(hos.Hospitals))
        self.position = self.changed = state.position
        self.answers.clear()
        self.rows.clear()

    def follows(self, state: State) -> bool:
        return (
            self.position == state.position
            and self.casualties() is state.slice(cas.Casualties)
            and self.hospitals() is state.slice(hos.Hospitals)
        )

    def on_event(self, recorded: Recorded, state: State) -> None:
        if self.position != recorded.position - 1:
            self.position = -1  # lost step: the next read starts again
            return
        self.position = recorded.position
        e = recorded.event
        if type(e).__module__ not in _MODULES:
            return
        self.changed = recorded.position
        if type(e).__module__ == _CASUALTIES:
            casualty_id = getattr(e, "casualty_id", None)
            for rows in self.rows.values():
                if isinstance(casualty_id, str):
                    rows.pop(casualty_id, None)
                else:  # an event about no one casualty: every row may have changed
                    rows.clear()


_FOLLOWERS: weakref.WeakKeyDictionary[Service, _Follower] = weakref.WeakKeyDictionary()


def _follower(state: State, service: Service) -> _Follower:
    return follower_of(_FOLLOWERS, service, state, _Follower)


def answer(
    state: State,
    service: Service,
    key: tuple[str, ...],
    make: Callable[[datetime], tuple[bytes, Iterable[cas.Casualty]]],
) -> Answer:
    """The answer `key` names at the state's position: the one kept while it stands, else
    what `make` makes at this moment (the body, and the casualties it lists, or at least
    those of them with a treatment on), kept instead."""
    follower = _follower(state, service)
    now = service.clock.now()
    held = follower.answers.get(key)
    if (
        held is not None
        and held.version == follower.changed
        and clock_key(held.ageing, now) == held.clock_key
    ):
        return held
    body, listed = make(now)
    on = ageing(listed)
    made = Answer(body, digest_of(body), follower.changed, on, clock_key(on, now))
    if any(a.version != follower.changed for a in follower.answers.values()):
        follower.answers = {k: a for k, a in follower.answers.items() if a.version == made.version}
    follower.answers[key] = made
    return made


def listing(  # noqa: PLR0917 - the answer's name, and what makes it
    state: State,
    service: Service,
    key: tuple[str, ...],
    view: str,
    items: Callable[[], list[cas.Casualty]],
    row: Callable[[cas.Casualty, datetime], bytes],
) -> Answer:
    """As `answer`, a JSON array of one row per casualty `items` lists: each casualty's row
    in `view` (`row`, encoded) is kept until an event names the casualty, except while it
    has a treatment on, when it is kept with what its warnings say (they grow with the
    clock)."""
    follower = _follower(state, service)

    def make(now: datetime) -> tuple[bytes, list[cas.Casualty]]:
        kept = follower.rows.setdefault(view, {})
        parts, on = [], []
        for c in items():
            held = kept.get(c.casualty_id)
            # A row kept of a casualty with no treatment on stands until an event names it
            # (a treatment put on is one); one with a treatment on, while its warnings agree.
            if held is not None and held[0] is None:
                parts.append(held[1])
                continue
            said = None
            if _ages(c):
                said = clock_key((c,), now)
                on.append(c)
            if held is None or held[0] != said:
                held = kept[c.casualty_id] = (said, row(c, now))
            parts.append(held[1])
        return b"[" + b",".join(parts) + b"]", on

    return answer(state, service, key, make)
