"""The guidance service on the real Baka map: what recomputes, what is published, replay."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import numpy as np
import pytest
import shapely

from magen.app.guidance import ACTIONS, GuidanceService, GuidanceSnapshot
from magen.app.service import Service
from magen.clock import ManualClock
from magen.domain.alerts import (
    AlertCategory,
    Alerts,
    ChangeShelterStatus,
    Circle,
    ClearGuidanceOverride,
    DangerReason,
    DeclareAllClear,
    DeclareDangerArea,
    GuidanceAction,
    GuidanceChanged,
    GuidanceReason,
    IssueAlert,
    IssueGuidanceOverride,
    LiftDangerArea,
    OverrideAction,
    Polygon,
    ShelterStatus,
)
from magen.domain.base import Actor, Command, Recorded
from magen.domain.reports import ReportSighting
from magen.domain.values import GeoPoint, Role
from magen.geo.town import Town
from magen.store.base import LogUnavailable, NewEvent
from magen.store.memory import MemoryEventLog
from support.bakapack import baka_town

START = datetime(2023, 10, 7, 6, 30, tzinfo=UTC)
OPERATOR = Actor("acc_dispatcher", Role.DISPATCHER)
RESIDENT = Actor("acc_resident", Role.RESIDENT)
# A street in Baka whose nearest shelter is a short walk away.
HERE = (35.2160, 31.7615)
T = TypeVar("T")


@pytest.fixture(scope="module")
def town() -> Town:
    return baka_town()


def _run(fn: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(fn())  # type: ignore[arg-type]


class Rig:
    """A service over an in-memory log, with a guidance service following it."""

    def __init__(self, town: Town, log: MemoryEventLog | None = None, publish: bool = True):
        self.clock = ManualClock(START)
        self.log = log or MemoryEventLog()
        self.service = Service(self.log, self.clock)
        self.service.load()
        self.town = town
        self.guidance = GuidanceService.attach(self.service, town, publish=publish)

    async def do(self, command: Command, actor: Actor = OPERATOR) -> list[Recorded]:
        outcome = await self.service.handle(actor, command)
        await self.guidance.settled()
        return list(outcome.events)

    def recorded(self, cls: type[Any] = GuidanceChanged) -> list[Recorded]:
        return [r for r in self.service.read_positions(self._all()) if isinstance(r.event, cls)]

    def _all(self) -> tuple[int, ...]:
        return tuple(range(1, self.log.head() + 1))


def _cid() -> uuid.UUID:
    return uuid.uuid4()


def _zones(town: Town) -> tuple[str, ...]:
    return tuple(str(z) for z in town.zones.id)


def _missiles(town: Town, zones: Sequence[str] | None = None) -> IssueAlert:
    return IssueAlert(
        command_id=_cid(), category=AlertCategory.MISSILES, zone_ids=tuple(zones or _zones(town))
    )


def _zone_sizes(town: Town) -> dict[str, int]:
    z = town.buildings.zone
    counts = np.bincount(z[z >= 0], minlength=len(town.zones))
    return {str(zid): int(counts[i]) for i, zid in enumerate(town.zones.id)}


def _arrays(snap: GuidanceSnapshot) -> tuple[Any, ...]:
    return (
        snap.action.tolist(),
        snap.issued_by.tolist(),
        snap.shelter.tolist(),
        [snap.override_ids[i] if i >= 0 else None for i in snap.override.tolist()],
    )


def test_a_missiles_alert_is_published_once_per_zone(town: Town) -> None:
    async def go() -> None:
        rig = Rig(town)
        assert rig.recorded() == []  # a fresh town is routine everywhere: nothing to say
        [issued] = await rig.do(_missiles(town))
        changes = rig.recorded()
        sizes = _zone_sizes(town)
        with_buildings = {z for z, n in sizes.items() if n}
        assert {r.event.zone_id for r in changes} == with_buildings
        assert len(changes) == len(with_buildings)  # one event per zone, not per building
        snap = rig.guidance.current()
        counts = snap.zone_counts(town)
        for r in changes:
            e = r.event
            assert e.reason is GuidanceReason.OFFICIAL_ALERT
            assert e.derived_from == issued.position
            assert sum(e.counts.values()) == sizes[e.zone_id]
            assert e.counts == counts[e.zone_id]
            assert GuidanceAction.ROUTINE not in e.counts
            assert r.actor.account_id == "system"
        # The recorded summary is in the state, so subscribers and a restart see it.
        assert set(rig.service.state.slice(Alerts).guidance) == with_buildings

    _run(go)


def test_unrelated_events_recompute_nothing(town: Town) -> None:
    async def go() -> None:
        rig = Rig(town)
        await rig.do(_missiles(town))
        snap = rig.guidance.current()
        computed = rig.guidance.recomputes
        head = rig.log.head()
        for i in range(20):
            await rig.do(
                ReportSighting(
                    command_id=_cid(), where=GeoPoint(lat=31.76, lon=35.21), count=i + 1
                ),
                RESIDENT,
            )
        assert rig.guidance.current() is snap
        assert rig.guidance.recomputes == computed
        assert rig.log.head() == head + 20  # no guidance records either
        # An alert for another town's zone is relevant in kind, but changes nothing here.
        await rig.do(
            IssueAlert(
                command_id=_cid(), category=AlertCategory.MISSILES, zone_ids=("tel-aviv-12",)
            )
        )
        assert rig.guidance.recomputes == computed
        assert _arrays(rig.guidance.current()) == _arrays(snap)
        assert len(rig.recorded()) == len([z for z, n in _zone_sizes(town).items() if n])

    _run(go)


def test_danger_area_reroutes_and_a_confirmed_proposal_locks_in(town: Town) -> None:
    async def go() -> None:
        rig = Rig(town)
        await rig.do(_missiles(town))
        before = rig.guidance.at(*HERE)
        assert before.shelter is not None
        shelter = before.shelter
        [declared] = await rig.do(
            DeclareDangerArea(
                command_id=_cid(),
                area=Circle(lat=shelter.lat, lon=shelter.lon, radius_m=60),
                reason=DangerReason.ARMED_ATTACKERS,
            )
        )
        area_id = declared.event.area_id  # type: ignore[attr-defined]
        after = rig.guidance.at(*HERE)
        # The threat alone never silently turns official guidance into a lock-in...
        assert after.issued_by.key == "official_alert"
        assert after.shelter is None or after.shelter.id != shelter.id
        # ...the system proposes it, and the operator confirms.
        [proposal] = [p for p in rig.guidance.proposals() if p.danger_area_id == area_id]
        changed_before = len(rig.recorded())
        [issued] = await rig.do(
            IssueGuidanceOverride(
                command_id=_cid(),
                action=OverrideAction.LOCK_IN,
                area=rig.guidance.proposal_area(proposal),
                proposal_id=proposal.override.id,
            )
        )
        locked = rig.guidance.at(*HERE)
        assert locked.action.key == "lock_in"
        assert locked.issued_by.key == "operator_override"
        snap = rig.guidance.current()
        lock = ACTIONS.index(GuidanceAction.LOCK_IN)
        assert int((snap.action == lock).sum()) == proposal.buildings
        new = rig.recorded()[changed_before:]
        assert new
        assert all(r.event.reason is GuidanceReason.OPERATOR_OVERRIDE for r in new)
        assert len({r.event.zone_id for r in new}) == len(new)
        assert set(proposal.zones) >= {r.event.zone_id for r in new}
        assert rig.guidance.proposals() == ()  # confirmed: nothing left to propose there
        # Lifting the danger area lets its lock-in lapse; the override itself is cleared too.
        await rig.do(LiftDangerArea(command_id=_cid(), area_id=area_id))
        assert rig.guidance.at(*HERE).action.key == "go_to_shelter"
        await rig.do(
            ClearGuidanceOverride(command_id=_cid(), override_id=issued.event.override_id)  # type: ignore[attr-defined]
        )
        assert _arrays(rig.guidance.current())[:3] == _arrays(await _fresh_alert_snapshot(town))[:3]

    _run(go)


async def _fresh_alert_snapshot(town: Town) -> GuidanceSnapshot:
    rig = Rig(town, publish=False)
    await rig.do(_missiles(town))
    return rig.guidance.current()


def test_after_the_all_clear_the_default_returns(town: Town) -> None:
    async def go() -> None:
        rig = Rig(town)
        routine = _arrays(rig.guidance.current())
        await rig.do(_missiles(town))
        full = str(town.shelters.id[0])
        for status in (ShelterStatus.FULL, ShelterStatus.OPEN):
            await rig.do(ChangeShelterStatus(command_id=_cid(), shelter_id=full, status=status))
        await rig.do(DeclareAllClear(command_id=_cid(), zone_ids=_zones(town)))
        assert _arrays(rig.guidance.current()) == routine
        last = {r.event.zone_id: r.event for r in rig.recorded()}
        sizes = _zone_sizes(town)
        assert all(e.counts == {GuidanceAction.ROUTINE: sizes[z]} for z, e in last.items())
        assert all(e.reason is GuidanceReason.ALL_CLEAR for e in last.values())

    _run(go)


def test_expiry_is_recorded_in_the_log_and_replays(town: Town) -> None:
    async def go() -> MemoryEventLog:
        rig = Rig(town)
        routine = _arrays(rig.guidance.current())
        cmd = _missiles(town).model_copy(update={"expires_at": START + timedelta(minutes=5)})
        await rig.do(cmd)
        assert _arrays(rig.guidance.current()) != routine
        rig.clock.advance(timedelta(minutes=4))
        rig.guidance.tick(rig.clock.now())
        await rig.guidance.settled()
        assert _arrays(rig.guidance.current()) != routine
        rig.clock.advance(timedelta(minutes=2))
        rig.guidance.tick(rig.clock.now())
        await rig.guidance.settled()
        assert _arrays(rig.guidance.current()) == routine
        expired = [r for r in rig.recorded() if r.event.reason is GuidanceReason.ALERT_EXPIRED]
        assert expired
        assert all(r.recorded_at >= START + timedelta(minutes=5) for r in expired)
        return rig.log

    log = _run(go)

    async def replay() -> None:
        again = Rig(town, log=log, publish=False)
        # The record of the expiry carries the log past it: a replay expires the alert too.
        assert _arrays(again.guidance.current()) == _arrays(
            Rig(town, publish=False).guidance.current()
        )

    _run(replay)


def _prefix(log: MemoryEventLog, position: int) -> MemoryEventLog:
    out = MemoryEventLog()
    out._append_now([NewEvent(s.event_id, s.type, s.data) for s in log.read(0, position)])
    return out


def test_replaying_any_prefix_gives_the_guidance_seen_live(town: Town) -> None:
    async def live() -> tuple[MemoryEventLog, dict[int, tuple[Any, ...]]]:
        rig = Rig(town)
        seen: dict[int, tuple[Any, ...]] = {}
        zones = _zones(town)
        shelter = town.shelters
        steps: list[Command | None] = [
            _missiles(town, zones[:12]),
            # A shelter people are sent to (before the attackers: under fire with attackers
            # near, nobody walks to a shelter), made unusable: read after the alert.
            None,
            DeclareDangerArea(
                command_id=_cid(),
                area=Circle(lat=31.7600, lon=35.2170, radius_m=80),
                reason=DangerReason.ARMED_ATTACKERS,
            ),
            IssueAlert(
                command_id=_cid(),
                category=AlertCategory.TERRORIST_INFILTRATION,
                zone_ids=zones[10:],
            ),
            IssueGuidanceOverride(
                command_id=_cid(),
                action=OverrideAction.STAY_IN_PROTECTED_SPACE,
                zone_ids=zones[:3],
            ),
            IssueAlert(command_id=_cid(), category=AlertCategory.EARTHQUAKE, zone_ids=zones[20:]),
            DeclareAllClear(command_id=_cid(), zone_ids=zones),
        ]
        for step in steps:
            rig.clock.advance(timedelta(seconds=30))
            if step is None:
                used = int(np.flatnonzero(rig.guidance.current().shelter >= 0)[0])
                sent_to = str(shelter.id[int(rig.guidance.current().shelter[used])])
                compromised = ChangeShelterStatus(
                    command_id=_cid(), shelter_id=sent_to, status=ShelterStatus.COMPROMISED
                )
            await rig.do(step or compromised)
            snap = rig.guidance.current()
            seen[snap.position] = _arrays(snap)
            seen[rig.log.head()] = _arrays(snap)
        return rig.log, seen

    log, seen = _run(live)
    assert len(set(map(repr, seen.values()))) >= 5  # the steps did change guidance

    async def replay() -> None:
        for position, arrays in seen.items():
            again = Rig(town, log=_prefix(log, position), publish=False)
            assert _arrays(again.guidance.current()) == arrays, position

    _run(replay)


def test_official_alerts_the_engine_does_not_model_still_give_an_action(town: Town) -> None:
    async def go() -> None:
        rig = Rig(town)
        zone = max(_zone_sizes(town).items(), key=lambda kv: kv[1])[0]
        await rig.do(
            IssueAlert(command_id=_cid(), category=AlertCategory.EARTHQUAKE, zone_ids=(zone,))
        )
        snap = rig.guidance.current()
        in_zone = town.buildings.zone == list(_zones(town)).index(zone)
        evacuate = ACTIONS.index(GuidanceAction.EVACUATE)
        assert (snap.action[in_zone] == evacuate).all()
        assert (snap.action[~in_zone] == ACTIONS.index(GuidanceAction.ROUTINE)).all()
        assert (snap.issued_by[in_zone] == 1).all()
        [change] = rig.recorded()
        assert change.event.counts == {GuidanceAction.EVACUATE: int(in_zone.sum())}

    _run(go)


def test_stay_in_protected_space_order_keeps_people_from_public_shelters(town: Town) -> None:
    async def go() -> None:
        rig = Rig(town)
        await rig.do(_missiles(town))
        shelter = ACTIONS.index(GuidanceAction.GO_TO_SHELTER)
        going = rig.guidance.current().action == shelter
        zone_of = town.buildings.zone
        busiest = int(np.bincount(zone_of[going]).argmax())
        zone = str(town.zones.id[busiest])
        [issued] = await rig.do(
            IssueGuidanceOverride(
                command_id=_cid(), action=OverrideAction.STAY_IN_PROTECTED_SPACE, zone_ids=(zone,)
            )
        )
        snap = rig.guidance.current()
        in_zone = zone_of == busiest
        assert not (snap.action[in_zone] == shelter).any()
        moved = in_zone & going
        assert (snap.action[moved] == ACTIONS.index(GuidanceAction.STAY_IN_PROTECTED_SPACE)).all()
        assert (snap.issued_by[moved] == 2).all()
        oid = issued.event.override_id  # type: ignore[attr-defined]
        assert {snap.override_ids[i] for i in snap.override[moved]} == {oid}
        # Elsewhere nothing changed.
        assert (snap.action[~in_zone & going] == shelter).all()

    _run(go)


def test_hand_drawn_orders_lock_in_inside_and_keep_routes_out(town: Town) -> None:
    async def go() -> None:
        rig = Rig(town)
        await rig.do(_missiles(town))
        shelter = rig.guidance.at(*HERE).shelter
        assert shelter is not None
        around = Circle(lat=shelter.lat, lon=shelter.lon, radius_m=50)
        [avoid] = await rig.do(
            IssueGuidanceOverride(command_id=_cid(), action=OverrideAction.AVOID_AREA, area=around)
        )
        rerouted = rig.guidance.at(*HERE)
        assert rerouted.shelter is None or rerouted.shelter.id != shelter.id
        assert rerouted.issued_by.key == "official_alert"  # avoiding is not locking in
        await rig.do(
            ClearGuidanceOverride(command_id=_cid(), override_id=avoid.event.override_id)  # type: ignore[attr-defined]
        )
        assert rig.guidance.at(*HERE).shelter == shelter
        [lock] = await rig.do(
            IssueGuidanceOverride(
                command_id=_cid(),
                action=OverrideAction.LOCK_IN,
                area=Circle(lat=HERE[1], lon=HERE[0], radius_m=120),
            )
        )
        here = rig.guidance.at(*HERE)
        assert here.action.key == "lock_in"
        assert here.issued_by.key == "operator_override"
        snap = rig.guidance.current()
        inside = snap.action == ACTIONS.index(GuidanceAction.LOCK_IN)
        oid = lock.event.override_id  # type: ignore[attr-defined]
        assert inside.any()
        assert {snap.override_ids[i] for i in snap.override[inside]} == {oid}
        # An operator's own area is no threat report: nothing is proposed around it.
        assert rig.guidance.proposals() == ()

    _run(go)


def test_a_polygon_threat_proposes_its_outline_grown_by_the_margin(town: Town) -> None:
    async def go() -> None:
        rig = Rig(town)
        ring = ((35.2150, 31.7600), (35.2170, 31.7600), (35.2160, 31.7615))
        [declared] = await rig.do(
            DeclareDangerArea(
                command_id=_cid(),
                area=Polygon(ring=ring),
                reason=DangerReason.HOSTAGE_SITUATION,
            )
        )
        [proposal] = rig.guidance.proposals()
        assert proposal.danger_area_id == declared.event.area_id  # type: ignore[attr-defined]
        grown = rig.guidance.proposal_area(proposal)
        assert isinstance(grown, Polygon)
        outline = shapely.Polygon(grown.ring)
        assert outline.contains(shapely.Polygon(ring))
        # About the margin beyond the threat on every side (degrees to metres, roughly).
        west = min(x for x, _ in grown.ring)
        assert (35.2150 - west) * 111_320 * 0.85 == pytest.approx(
            proposal.override.radius_m, rel=0.05
        )
        # Confirmed, the override carries that outline (for CAP) and locks the area in.
        await rig.do(
            IssueGuidanceOverride(
                command_id=_cid(),
                action=OverrideAction.LOCK_IN,
                area=grown,
                proposal_id=proposal.override.id,
            )
        )
        lock = ACTIONS.index(GuidanceAction.LOCK_IN)
        assert int((rig.guidance.current().action == lock).sum()) == proposal.buildings

    _run(go)


def test_scheduled_areas_start_and_orders_expire_with_the_clock(town: Town) -> None:
    async def go() -> None:
        rig = Rig(town)
        await rig.do(_missiles(town))
        shelter = rig.guidance.at(*HERE).shelter
        assert shelter is not None
        await rig.do(
            DeclareDangerArea(
                command_id=_cid(),
                area=Circle(lat=shelter.lat, lon=shelter.lon, radius_m=60),
                reason=DangerReason.SUSPICIOUS_OBJECT,
                starts_at=START + timedelta(minutes=10),
            )
        )
        assert rig.guidance.at(*HERE).shelter == shelter  # not yet
        head = rig.log.head()
        rig.clock.advance(timedelta(minutes=11))
        rig.guidance.tick(rig.clock.now())
        await rig.guidance.settled()
        moved = rig.guidance.at(*HERE)
        assert moved.shelter is None or moved.shelter.id != shelter.id
        started = [r for r in rig.recorded() if r.position > head]
        assert started
        assert all(r.event.reason is GuidanceReason.DANGER_AREA for r in started)

        zone = str(town.zones.id[int(town.buildings.zone[0])])
        await rig.do(
            IssueGuidanceOverride(
                command_id=_cid(),
                action=OverrideAction.LOCK_IN,
                zone_ids=(zone,),
                expires_at=rig.clock.now() + timedelta(minutes=30),
            )
        )
        lock = ACTIONS.index(GuidanceAction.LOCK_IN)
        assert rig.guidance.current().action[0] == lock
        head = rig.log.head()
        rig.clock.advance(timedelta(minutes=31))
        rig.guidance.tick(rig.clock.now())
        await rig.guidance.settled()
        assert rig.guidance.current().action[0] != lock
        lapsed = [r for r in rig.recorded() if r.position > head]
        assert lapsed
        assert all(r.event.reason is GuidanceReason.OVERRIDE_CLEARED for r in lapsed)

    _run(go)


def test_a_busy_log_is_one_warning_not_a_traceback(
    town: Town, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guidance summary cannot be recorded while the log is locked or full: the callers
    get 503s, the next change publishes anew, and the server's log says it in one line."""

    async def go() -> None:
        rig = Rig(town)
        real = rig.service.handle

        async def busy(actor: Actor, command: Command, **kw: Any) -> Any:
            if isinstance(command, IssueAlert):
                return await real(actor, command, **kw)
            raise LogUnavailable("the event log is busy: another writer held the lock for 10 s")

        monkeypatch.setattr(rig.service, "handle", busy)
        with caplog.at_level(logging.WARNING, logger="magen"):
            await rig.do(_missiles(town))
        said = [r for r in caplog.records if "guidance not recorded" in r.getMessage()]
        assert said
        assert all(r.levelno == logging.WARNING and r.exc_info is None for r in said)
        assert "another writer held the lock" in said[0].getMessage()

    _run(go)
