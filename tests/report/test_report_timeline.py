"""The report's timeline names people and places, never ids; its SOS headline is honest.

An analyst reconstructs who went where from the timeline: a responder is their callsign and
kind, a group of attackers its size and street, a danger area its reason and street, when it
is declared and when it is lifted.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import shapely

from magen.domain.alerts import Circle, DangerAreaDeclared, DangerAreaLifted, DangerReason
from magen.domain.base import Actor, Event, Recorded
from magen.domain.dispatch import AssignmentMade, TargetKind
from magen.domain.picture import state_fused_along
from magen.domain.reports import SosRaised
from magen.domain.responders import (
    Capability,
    ResponderCheckedIn,
    ResponderKind,
    ResponderStatus,
)
from magen.domain.values import GeoPoint, Role, SourceTier
from magen.geo.streets import EdgeFlag
from magen.geo.town import Town
from magen.report.build import metric_rows, read_events
from magen.report.replay import Entry, replay
from magen.sim.metrics import Metrics
from sim.simkit import played
from support.bakapack import baka_town

T0 = datetime(2026, 3, 1, 6, 30, tzinfo=UTC)
DISPATCHER = Actor("acc_dispatcher", Role.DISPATCHER)


def _street_names(town: Town) -> set[str]:
    """Every street name the map knows, as the report says it (English where OSM has it)."""
    names = {str(n) for n in town.streets.edge_name.tolist()} | {
        str(n) for n in town.buildings.street.tolist()
    }
    return {town.street_in(n, "en") for n in names if n}


def _timeline(events: list[Recorded], town: Town) -> list[Entry]:
    return replay(events, [], state=state_fused_along(town), town=town).timeline


def test_the_timeline_of_a_run_names_responders_groups_and_areas() -> None:
    town = baka_town()
    events = read_events(played("magen").log)
    callsign = {
        r.event.responder_id: r.event.callsign
        for r in events
        if isinstance(r.event, ResponderCheckedIn)
    }
    made = {r.position: r.event for r in events if isinstance(r.event, AssignmentMade)}
    streets = _street_names(town)
    timeline = _timeline(events, town)
    kinds = {e.kind for e in timeline}
    # (Whether this short run lifts an area depends on how the attack goes: a lifted area's
    # naming is checked exactly on the hand-made log below.)
    assert {"AssignmentMade", "TrackConfirmed", "DangerAreaDeclared"} <= kinds
    for e in timeline:
        assert not re.search(r"\b(trk|acc|sos|da)_[0-9a-f]{6,}", e.text), e.text
        if e.kind == "AssignmentMade":
            ev = made[e.position]
            assert e.text.startswith(f"{callsign[ev.responder_id]} ("), e.text
            assert ev.responder_id not in e.text
            assert ev.target_id not in e.text
        if e.kind in ("TrackConfirmed", "AssignmentMade") and "attacker" in e.text:
            found = re.search(
                r"a group of (\d+) attackers?(?: \((\d+)\u2013(\d+)\))? on (.+)$", e.text
            )
            assert found is not None, e.text
            assert int(found.group(1)) >= 1
            assert found.group(4) in streets, e.text
        if e.kind in ("DangerAreaDeclared", "DangerAreaLifted"):
            found = re.search(r": armed attackers, \d+ m around ([^,(]+?)(?:,| \(|$)", e.text)
            assert found is not None, e.text
            assert found.group(1) in streets, e.text


def _on(event: Event, at: datetime, position: int, actor: Actor = DISPATCHER) -> Recorded:
    return Recorded(
        position=position,
        event_id=uuid.uuid4(),
        recorded_at=at,
        actor=actor,
        command_id=None,
        command_hash=None,
        event=event,
    )


def _middle_of_a_long_street(town: Town, not_named: str = "") -> tuple[str, float, float]:
    """A named street's OSM name and the (lon, lat) halfway along its longest piece."""
    st = town.streets
    walkable = st.edges_with(EdgeFlag.SNAPPABLE)
    best: tuple[float, int] | None = None
    for e in range(st.edge_count):
        name = str(st.edge_name[e])
        if not walkable[e] or not name or name == not_named:
            continue
        line = shapely.LineString(st.geom_xy[st.edge_geom_offsets[e] : st.edge_geom_offsets[e + 1]])
        if best is None or line.length > best[0]:
            best = (line.length, e)
    assert best is not None
    e = best[1]
    line = shapely.LineString(st.geom_xy[st.edge_geom_offsets[e] : st.edge_geom_offsets[e + 1]])
    mid = line.interpolate(0.5, normalized=True)
    lon, lat = town.to_lonlat(mid.x, mid.y)
    return str(st.edge_name[e]), float(lon), float(lat)


def test_a_danger_area_and_a_wounded_colleague_are_named_where_they_are() -> None:
    town = baka_town()
    street, lon, lat = _middle_of_a_long_street(town)
    _, lon2, lat2 = _middle_of_a_long_street(town, not_named=street)
    here = GeoPoint(lon=lon, lat=lat)
    events = [
        ResponderCheckedIn(
            responder_id="acc_0a1b2c3d4e5f6a7b",
            kind=ResponderKind.VOLUNTEER,
            capabilities=frozenset({Capability.ARMED}),
            radio_channel="1",
            status=ResponderStatus.AVAILABLE,
            where=GeoPoint(lon=lon2, lat=lat2),
            callsign="Yoni",
        ),
        ResponderCheckedIn(
            responder_id="acc_fa7ff8f6b0215f7f",
            kind=ResponderKind.POLICE_OFF_DUTY,
            capabilities=frozenset({Capability.ARMED}),
            radio_channel="1",
            status=ResponderStatus.WOUNDED,
            where=here,
            callsign="Officer 2",
        ),
        SosRaised(
            sos_id="sos_5e5e5e5e5e5e5e5e",
            where=here,
            observed_at=T0,
            people=4,
            injured=1,
            children=0,
            silent=False,
            text="",
            tier=SourceTier.REGISTERED,
        ),
        DangerAreaDeclared(
            area_id="da_0123456789abcdef",
            area=Circle(lat=lat, lon=lon, radius_m=150.0),
            reason=DangerReason.HOSTAGE_SITUATION,
            note="",
            threat_id=None,
            starts_at=T0,
        ),
        AssignmentMade(
            assignment_id="as_1",
            responder_id="acc_0a1b2c3d4e5f6a7b",
            target=TargetKind.RESPONDER,
            target_id="acc_fa7ff8f6b0215f7f",
        ),
        AssignmentMade(
            assignment_id="as_2",
            responder_id="acc_0a1b2c3d4e5f6a7b",
            target=TargetKind.INCIDENT,
            target_id="sos_5e5e5e5e5e5e5e5e",
        ),
        DangerAreaLifted(area_id="da_0123456789abcdef"),
    ]
    log = [_on(ev, T0 + timedelta(seconds=10 * i), i + 1) for i, ev in enumerate(events)]
    said = {
        e.kind + (str(e.position) if e.kind == "AssignmentMade" else ""): e.text
        for e in _timeline(log, town)
    }
    name = town.street_in(street, "en")
    where = f"hostage situation, 150 m around {name}"
    assert said["DangerAreaDeclared"] == f"Danger area declared: {where}"
    assert said["DangerAreaLifted"] == f"Danger area lifted: {where}"
    assert said["AssignmentMade5"] == (
        f"Yoni (volunteer) sent to wounded responder Officer 2 (off-duty police) on {name}"
    )
    assert said["AssignmentMade6"] == f"Yoni (volunteer) sent to 4 people, 1 injured on {name}"


def test_the_sos_headline_leaves_out_calls_already_covered() -> None:
    """22 of 35 calls joined people a responder was already sent to: 0 s each. The headline
    is the time of the 13 that needed a responder of their own; the 22 are counted apart."""
    own = [12.0, 14.0, 15.0, 15.0, 16.0, 18.0, 19.0, 20.0, 22.0, 24.0, 26.0, 30.0, 75.0]
    m = Metrics(sos_raised=35, sos_assigned=35, sos_joined_attended=22)
    m.sos_to_assign_s = sorted([0.0] * 22 + own)
    m.sos_own_to_assign_s = own
    m.sos_to_assign_median_s, m.sos_to_assign_p90_s = 0.0, 19.0  # over every call, as measured
    rows = {what: (value, note) for what, value, note in metric_rows(m, None)}
    value, note = rows["SOS to assignment, median (p90)"]
    assert value == "19 s (29 s)"
    assert note.startswith("over the 13 calls that needed a responder of their own")
    value, note = rows["SOS calls already covered as they came in"]
    assert value == "22 of 35"
    assert "not in the times above" in note
    value, note = rows["SOS assigned within 60 s"]
    assert value == "92 %"  # 12 of 13; all 35 would have said 97 %
