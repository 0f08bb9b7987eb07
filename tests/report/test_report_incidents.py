"""The timeline names the incident a responder was sent to as the picture had it then.

A call for help is named by its incident: its people, its place and how many calls it had
("(3 calls)"), the incident dispatch's board merged the call into at that log position, with
the open tracks and the town's street metric. The report reads each call's incident from
the calls chained to it, not from every call of the log again for each assignment.
"""

from __future__ import annotations

import math
import random
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import magen.report.replay as replay_module
from magen.app.dispatch import DispatchService
from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain import State, evolve
from magen.domain.base import Actor, Event, Recorded
from magen.domain.dispatch import AssignmentMade, TargetKind
from magen.domain.picture import state_fused_along
from magen.domain.reports import SosOutcome, SosRaised, SosResolved, SosUpdated
from magen.domain.responders import (
    Capability,
    ResponderCheckedIn,
    ResponderKind,
    ResponderStatus,
)
from magen.domain.values import GeoPoint, Role, SourceTier
from magen.geo.town import Town
from magen.picture.incidents import Incident
from magen.report.replay import Names, replay
from magen.store.memory import MemoryEventLog
from support.bakapack import baka_town

T0 = datetime(2026, 3, 1, 6, 30, tzinfo=UTC)
DISPATCHER = Actor("acc_dispatcher", Role.DISPATCHER)
RESPONDER = "acc_0a1b2c3d4e5f6a7b"


def _picture_at_each_call_assignment(
    events: list[Recorded], town: Town | None
) -> Iterator[tuple[int, Incident]]:
    """(position, the board's incident of the call) for each assignment to a call: the log
    folded to the assignment, the board computed at its time, as replaying the live picture
    to that position shows it."""
    board = DispatchService(Service(MemoryEventLog(), ManualClock(T0)), town)
    state: State = state_fused_along(town)
    for r in events:
        evolve(state, r)
        ev = r.event
        if isinstance(ev, AssignmentMade) and ev.target is TargetKind.INCIDENT:
            incidents = board.compute(state, r.recorded_at).incidents
            yield r.position, next(i for i in incidents if ev.target_id in i.sos_ids)


def _said_for(names: Names, inc: Incident) -> str:
    """What the timeline should say of the incident (the phrase the report's docs give)."""
    people = f"{inc.people} {'person' if inc.people_high == 1 else 'people'}"
    if inc.people_high > inc.people:
        people = f"{inc.people}\u2013{inc.people_high} people"
    said = [people]
    if inc.injured_high > inc.injured:
        said.append(f"{inc.injured}\u2013{inc.injured_high} injured")
    elif inc.injured:
        said.append(f"{inc.injured} injured")
    calls = f" ({len(inc.sos_ids)} calls)" if len(inc.sos_ids) > 1 else ""
    return f"{', '.join(said)} {names.place(inc.lon, inc.lat)}{calls}"


def _calls_said(text: str) -> int:
    found = re.search(r"\((\d+) calls\)$", text)
    return int(found.group(1)) if found else 1


def _check_against_the_picture(events: list[Recorded], town: Town | None) -> int:
    """Every assignment to a call names the board's incident then; how many were checked."""
    timeline = replay(events, [], state=state_fused_along(town), town=town).timeline
    said = {e.position: e.text for e in timeline if e.kind == "AssignmentMade"}
    names = Names(State(), town)
    checked = 0
    for position, inc in _picture_at_each_call_assignment(events, town):
        text = said[position]
        assert _calls_said(text) == len(inc.sos_ids), (position, text, inc.sos_ids)
        assert text.endswith(" sent to " + _said_for(names, inc)), (position, text)
        checked += 1
    return checked


def _on(event: Event, at: datetime, position: int) -> Recorded:
    return Recorded(
        position=position,
        event_id=uuid.uuid4(),
        recorded_at=at,
        actor=DISPATCHER,
        command_id=None,
        command_hash=None,
        event=event,
    )


def _busy_night(n: int, seed: int) -> list[Recorded]:
    """Many calls, most beside others (chains of calls 30-70 m apart across streets), some
    moved after they are raised (the log's first call too), some resolved and called again
    later, each answered by an assignment (and now and then another to an older call)."""
    rng = random.Random(seed)
    lon0, lat0 = 35.2200, 31.7600
    checked_in = ResponderCheckedIn(
        responder_id=RESPONDER,
        kind=ResponderKind.VOLUNTEER,
        capabilities=frozenset({Capability.ARMED}),
        radio_channel="1",
        status=ResponderStatus.AVAILABLE,
        where=GeoPoint(lon=lon0, lat=lat0),
        callsign="Yoni",
    )
    evs: list[Event] = [checked_in]
    calls: list[tuple[str, float, float]] = []
    open_calls: list[str] = []

    def send(sos_id: str) -> None:
        evs.append(
            AssignmentMade(
                assignment_id=f"as_{len(evs)}",
                responder_id=RESPONDER,
                target=TargetKind.INCIDENT,
                target_id=sos_id,
            )
        )

    for i in range(n):
        roll = rng.random()
        if calls and roll < 0.12:  # a caller moves (sometimes the first caller of the night)
            sos_id, lon, lat = calls[0] if rng.random() < 0.3 else rng.choice(calls)
            step = rng.uniform(20.0, 90.0) / 111_000
            where = GeoPoint(lon=lon + rng.choice((-1, 1)) * step, lat=lat + step / 2)
            evs.append(SosUpdated(sos_id=sos_id, where=where, people=rng.randint(1, 6)))
            send(sos_id)
            continue
        if open_calls and roll < 0.22:
            sos_id = open_calls.pop(rng.randrange(len(open_calls)))
            evs.append(SosResolved(sos_id=sos_id, outcome=SosOutcome.RESCUED))
            if calls and rng.random() < 0.5:
                send(rng.choice(calls)[0])
            continue
        if calls and roll < 0.85:  # beside a call already made: chains across the map
            _, lon, lat = rng.choice(calls)
            d, a = rng.uniform(0.0, 75.0), rng.uniform(0.0, 6.283)
            lon += d * math.cos(a) / 94_500
            lat += d * math.sin(a) / 111_000
        else:
            lon = lon0 + rng.uniform(-0.01, 0.01)
            lat = lat0 + rng.uniform(-0.01, 0.01)
        sos_id = f"sos_{i:016x}"
        evs.append(
            SosRaised(
                sos_id=sos_id,
                where=GeoPoint(lon=lon, lat=lat),
                observed_at=T0 + timedelta(seconds=25 * len(evs)),
                people=rng.randint(1, 5),
                injured=rng.choice((0, 0, 1, 2)),
                children=0,
                silent=False,
                text="",
                tier=SourceTier.REGISTERED,
            )
        )
        calls.append((sos_id, lon, lat))
        open_calls.append(sos_id)
        send(sos_id)
        if rng.random() < 0.2:
            send(rng.choice(calls)[0])
    return [_on(ev, T0 + timedelta(seconds=25 * k), k + 1) for k, ev in enumerate(evs)]


@pytest.mark.parametrize(
    ("seed", "calls", "on_the_map"), [(3, 160, False), (8, 160, False), (5, 60, True)]
)
def test_chained_moved_and_resolved_calls_name_the_pictures_incident(
    seed: int, calls: int, on_the_map: bool
) -> None:
    """Calls chained across the map, moved and resolved: at every assignment the timeline
    names the incident the board merged the call into, calls counted alike (on the town's
    map, with its streets as the metric, and without one)."""
    town = baka_town() if on_the_map else None
    events = _busy_night(calls, seed)
    several = [
        inc for _, inc in _picture_at_each_call_assignment(events, town) if len(inc.sos_ids) > 2
    ]
    assert several  # the night has incidents of several calls to get right
    assert _check_against_the_picture(events, town) >= calls


def test_naming_a_call_merges_its_chain_not_every_call_for_each_assignment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The calls merged to name calls grow with the log, not with its square: 600 calls,
    each assigned, in places of a few calls each, merge a few thousand calls in all (the
    old way, every call of the log again for each assignment, merged about 180,000)."""
    merged: list[int] = []
    real = replay_module.build_incidents

    def counting(reports, now, threats=(), **kw):  # type: ignore[no-untyped-def]
        reports = list(reports)
        merged.append(len(reports))
        return real(reports, now, threats, **kw)

    monkeypatch.setattr(replay_module, "build_incidents", counting)
    rng = random.Random(5)
    evs: list[Event] = []
    for i in range(600):
        place = rng.randrange(200)
        lon = 35.2100 + (place % 20) * 0.0015 + rng.uniform(-0.0001, 0.0001)
        lat = 31.7500 + (place // 20) * 0.0015 + rng.uniform(-0.0001, 0.0001)
        sos_id = f"sos_{i:016x}"
        evs.append(
            SosRaised(
                sos_id=sos_id,
                where=GeoPoint(lon=lon, lat=lat),
                observed_at=T0 + timedelta(seconds=i),
                people=2,
                injured=0,
                children=0,
                silent=False,
                text="",
                tier=SourceTier.REGISTERED,
            )
        )
        evs.append(
            AssignmentMade(
                assignment_id=f"as_{i}",
                responder_id=RESPONDER,
                target=TargetKind.INCIDENT,
                target_id=sos_id,
            )
        )
    log = [_on(ev, T0 + timedelta(seconds=k), k + 1) for k, ev in enumerate(evs)]
    timeline = replay(log, []).timeline
    assert sum(e.kind == "AssignmentMade" for e in timeline) == 600
    assert any(e.text.endswith(" calls)") for e in timeline)
    assert sum(merged) < 600 * 12
