"""What the alert domain shows and checks against the town: public views, zones, CAP identity.

Alerts, danger areas, shelter statuses and operator overrides are public (see `app/auth.py`):
the views here leave out who issued them (account ids) and the picture's track ids, which
only field roles see (the picture's overrides name their issuer to operators only). Commands
naming zones or shelters are checked against the town pack when the server has one, so a
typo is refused instead of alerting nobody.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import shapely

from magen.alerts.cap import CapConfig, ZoneArea
from magen.app.auth import Audience, can_command, sees
from magen.app.projections import section
from magen.domain.accounts import Accounts
from magen.domain.alerts import (
    CATEGORY_TITLES,
    DANGER_TITLES,
    OVERRIDE_TITLES,
    AlertCategory,
    Alerts,
    CapSource,
    Circle,
    DangerArea,
    GuidanceOverride,
    IssueAlert,
    LocalText,
    OfficialAlert,
    Polygon,
    ShelterState,
)
from magen.domain.base import Actor
from magen.domain.errors import InvalidCommand, NotFound
from magen.domain.state import State
from magen.geo.town import Town
from magen.geo.zones import slug, zone_names

# --- views ----------------------------------------------------------------------------------


def _texts(t: LocalText) -> dict[str, str]:
    return {"he": t.he, "ar": t.ar, "en": t.en}


def area_view(area: Circle | Polygon) -> dict[str, Any]:
    """A circle or polygon as JSON (polygon rings as [lon, lat] pairs)."""
    return area.model_dump(mode="json")


def alert_view(a: OfficialAlert) -> dict[str, Any]:
    """An official alert as the public sees it."""
    upstream = None
    if isinstance(a.source, CapSource):
        upstream = {"sender": a.source.sender, "identifier": a.source.identifier}
    return {
        "id": a.alert_id,
        "category": a.category.value,
        "title": _texts(CATEGORY_TITLES[a.category]),
        "instruction": _texts(a.instruction),
        "zones": list(a.active_zones),
        "ended_zones": sorted(a.ended_zones),
        "seconds_to_shelter": a.seconds_to_shelter,
        "areas": [area_view(x) for x in a.areas],
        "drill": a.drill,
        "source": a.source.kind,
        "upstream": upstream,
        "issued_at": a.issued_at.isoformat(),
        "expires_at": a.expires_at.isoformat() if a.expires_at else None,
        "ended_at": a.ended_at.isoformat() if a.ended_at else None,
        "position": a.messages[0].position,
        "updated_position": a.messages[-1].position,
    }


def danger_area_view(d: DangerArea, *, field_role: bool = False) -> dict[str, Any]:
    """A danger area as the public sees it (field roles also see the threat it is drawn on)."""
    out: dict[str, Any] = {
        "id": d.area_id,
        "reason": d.reason.value,
        "title": _texts(DANGER_TITLES[d.reason]),
        "area": area_view(d.area),
        "note": d.note,
        "starts_at": d.starts_at.isoformat(),
        "declared_at": d.declared_at.isoformat(),
        "lifted_at": d.lifted_at.isoformat() if d.lifted_at else None,
        "position": d.messages[0].position,
    }
    if field_role:
        out["threat_id"] = d.threat_id
    return out


def override_view(o: GuidanceOverride) -> dict[str, Any]:
    """An operator override as the public sees it."""
    return {
        "id": o.override_id,
        "action": o.action.value,
        "title": _texts(OVERRIDE_TITLES[o.action]),
        "instruction": _texts(o.instruction),
        "zones": list(o.zone_ids),
        "area": area_view(o.area) if o.area is not None else None,
        "reason": o.reason,
        "proposal_id": o.proposal_id,
        "issued_at": o.issued_at.isoformat(),
        "expires_at": o.expires_at.isoformat() if o.expires_at else None,
        "cleared_at": o.cleared_at.isoformat() if o.cleared_at else None,
        "position": o.messages[0].position,
    }


def shelter_status_view(s: ShelterState) -> dict[str, Any]:
    """A shelter's reported status."""
    return {
        "id": s.shelter_id,
        "status": s.status.value,
        "note": s.note,
        "changed_at": s.changed_at.isoformat(),
        "position": s.position,
    }


# The picture has no clock: it lists what has not ended, with its expiry for the reader to
# judge; GET /alerts and the guidance apply the expiry themselves.


@section("alerts")
def _alerts_section(state: State, actor: Actor) -> list[dict[str, Any]]:
    return [alert_view(a) for a in state.slice(Alerts).alerts.values() if a.ended_at is None]


@section("danger_areas")
def _danger_section(state: State, actor: Actor) -> list[dict[str, Any]]:
    field_role = sees(actor, Audience.FIELD)
    areas = state.slice(Alerts).danger_areas.values()
    return [danger_area_view(d, field_role=field_role) for d in areas if d.lifted_at is None]


@section("overrides")
def _overrides_section(state: State, actor: Actor) -> list[dict[str, Any]]:
    items = [o for o in state.slice(Alerts).overrides.values() if o.cleared_at is None]
    views = [override_view(o) for o in items]
    if sees(actor, Audience.OPERATORS):  # who gave an order: for operators, never the public
        for o, view in zip(items, views, strict=True):
            view["issued_by"] = issuer_view(state, o.issued_by)
    return views


def issuer_view(state: State, account_id: str | None) -> dict[str, str] | None:
    """Who issued something, as operators see it: the account's display name and role."""
    account = state.slice(Accounts).by_id.get(account_id) if account_id else None
    if account is None:
        return None
    return {
        "account_id": account.account_id,
        "name": account.display_name,
        "role": account.role.value,
    }


@section("shelters")
def _shelters_section(state: State, actor: Actor) -> list[dict[str, Any]]:
    return [shelter_status_view(s) for s in state.slice(Alerts).shelters.values()]


# Whoever may issue an official alert may import one from upstream (a feed bridge signs in
# with an operator account's device key); checked before any XML is read.
_ALERT_PROBE = IssueAlert(
    command_id=uuid.UUID(int=0), category=AlertCategory.MISSILES, zone_ids=("probe",)
)


def can_import_cap(actor: Actor) -> bool:
    """Whether the actor may import upstream CAP alerts."""
    return can_command(actor, _ALERT_PROBE)


# --- the town's part ------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TownZones:
    """The town's alert zones and shelters, for checking commands and reading CAP areas."""

    town: Town

    @cached_property
    def zone_ids(self) -> tuple[str, ...]:
        return tuple(str(z) for z in self.town.zones.id)

    @cached_property
    def shelter_ids(self) -> frozenset[str]:
        return frozenset(str(s) for s in self.town.shelters.id)

    @cached_property
    def _zones_xy(self) -> shapely.STRtree:
        proj = self.town.projection
        geoms = [
            shapely.transform(g, proj.points_to_xy) for g in self.town.zones.geometries().tolist()
        ]
        return shapely.STRtree(geoms)

    def check_zones(self, zone_ids: Iterable[str]) -> None:
        """Refuse zone ids this town does not have."""
        known = set(self.zone_ids)
        unknown = [z for z in zone_ids if z not in known]
        if unknown:
            sample = ", ".join(self.zone_ids[:5])
            more = ", ..." if len(self.zone_ids) > 5 else ""
            raise InvalidCommand(
                f"{self.town.name} has no alert zone {unknown[0]!r} (its zones: {sample}{more})"
            )

    def check_shelter(self, shelter_id: str) -> None:
        """Refuse a shelter id this town does not have."""
        if shelter_id not in self.shelter_ids:
            raise NotFound(f"{self.town.name} has no shelter {shelter_id!r}")

    def zones_for_area(self, area: Circle | Polygon) -> Sequence[str]:
        """The ids of the zones an area touches (for CAP areas given as geometry)."""
        proj = self.town.projection
        if isinstance(area, Circle):
            x, y = proj.to_xy(area.lon, area.lat)
            hits = self._zones_xy.query(
                shapely.Point(float(x), float(y)), predicate="dwithin", distance=area.radius_m
            )
        else:
            ring = shapely.Polygon(proj.points_to_xy(np.asarray(area.ring)))
            hits = self._zones_xy.query(ring, predicate="intersects")
        return [self.zone_ids[i] for i in sorted(int(h) for h in hits)]

    def zone_area(self, zone_id: str) -> ZoneArea | None:
        """A zone's name and outline for CAP export."""
        return self._zone_areas.get(zone_id)

    @cached_property
    def _zone_areas(self) -> dict[str, ZoneArea]:
        out: dict[str, ZoneArea] = {}
        zones = self.town.zones
        for zid, name, names, geom in zip(
            self.zone_ids,
            zones.name.tolist(),
            zones.names(),
            zones.geometries().tolist(),
            strict=True,
        ):
            # A zone in several pieces: its largest first, then the others (each a CAP polygon).
            pieces = sorted(
                geom.geoms if geom.geom_type == "MultiPolygon" else [geom],
                key=lambda g: -g.area,
            )
            rings = [
                tuple((round(x, 7), round(y, 7)) for x, y in p.exterior.coords) for p in pieces
            ]
            out[zid] = ZoneArea(
                name=LocalText(
                    he=names.get("he") or str(name),
                    ar=names.get("ar") or str(name),
                    en=names.get("en") or str(name),
                ),
                ring=rings[0],
                parts=tuple(rings[1:]),
            )
        return out

    @cached_property
    def zone_names(self) -> dict[str, tuple[str, ...]]:
        """Each zone's names (its name, and in he/ar/en), by id: how CAP areas may name it."""
        zones = self.town.zones
        return zone_names(self.zone_ids, zones.name.tolist(), zones.names())

    def cap_config(self) -> CapConfig:
        """This town's identity as a CAP sender."""
        return CapConfig(
            sender=f"magen@{slug(self.town.name)}.invalid",
            identifier_prefix="magen-",
            zone_area=self.zone_area,
        )


DEFAULT_CAP = CapConfig(sender="magen@local.invalid")
