"""Role-filtered read models of the state: what each actor may see of the picture."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import Any

from magen.app.auth import Audience, sees
from magen.domain.base import Actor
from magen.domain.reports import Reports, Sighting, Sos
from magen.domain.responders import Responder, Responders
from magen.domain.state import State

Section = Callable[[State, Actor], Any]
_SECTIONS: dict[str, Section] = {}
# The modules that register sections of the picture besides this one. They import `section`
# from here, so they are imported on the picture's first use rather than at the top (a cycle):
# every consumer (the API, `magen replay`, CoT, GeoJSON) then gets every section, whatever
# else it happened to import. A new section module belongs on this list (a test checks).
SECTION_MODULES = ("magen.app.picture_views", "magen.app.alerts_policy")


def section(name: str) -> Callable[[Section], Section]:
    """Register a named section of the picture (each decides what the actor may see)."""

    def register(fn: Section) -> Section:
        _SECTIONS[name] = fn
        return fn

    return register


@cache
def _sections() -> dict[str, Section]:
    """Every registered section, its modules imported first (once)."""
    for module in SECTION_MODULES:
        importlib.import_module(module)
    return _SECTIONS


def section_names() -> tuple[str, ...]:
    """The names of every section of the picture, in the order the picture lists them."""
    return tuple(_sections())


def picture(state: State, actor: Actor) -> dict[str, Any]:
    """The picture for one actor, at the state's log position."""
    head = {"position": state.position, "role": actor.role.value}
    return head | picture_parts(state, actor, section_names())


def picture_parts(state: State, actor: Actor, names: tuple[str, ...]) -> dict[str, Any]:
    """Some sections of the actor's picture, by name (under the same read rules)."""
    sections = _sections()
    out: dict[str, Any] = {}
    for name in names:
        value = sections[name](state, actor)
        if value is not None:
            out[name] = value
    return out


def _mine(actor: Actor, reporter: str | None) -> bool:
    return actor.account_id is not None and reporter == actor.account_id


def sighting_view(s: Sighting) -> dict[str, Any]:
    """A sighting as the API shows it."""
    return {
        "id": s.sighting_id,
        "lat": s.where.lat,
        "lon": s.where.lon,
        "observed_at": s.observed_at.isoformat(),
        "count": s.count,
        "mobility": s.mobility.value,
        "armed": s.armed.value,
        "heading_deg": s.heading_deg,
        "text": s.text,
        "tier": s.tier.value,
        "position": s.position,
    }


def sos_view(s: Sos) -> dict[str, Any]:
    """An SOS as the API shows it."""
    return {
        "id": s.sos_id,
        "lat": s.where.lat,
        "lon": s.where.lon,
        "raised_at": s.raised_at.isoformat(),
        "updated_at": s.updated_at.isoformat(),
        "people": s.people,
        "injured": s.injured,
        "children": s.children,
        "silent": s.silent,
        "text": s.text,
        "tier": s.tier.value,
        "resolved": s.resolved.value if s.resolved else None,
    }


def responder_view(r: Responder) -> dict[str, Any]:
    """A responder as the API shows it."""
    return {
        "id": r.responder_id,
        "callsign": r.callsign,
        "kind": r.kind.value,
        "capabilities": sorted(c.value for c in r.capabilities),
        "radio_channel": r.radio_channel,
        "status": r.status.value,
        "lat": r.where.lat if r.where else None,
        "lon": r.where.lon if r.where else None,
        "where_at": r.where_at.isoformat() if r.where_at else None,
    }


@section("sightings")
def _sightings(state: State, actor: Actor) -> list[dict[str, Any]]:
    items = state.slice(Reports).sightings.values()
    if sees(actor, Audience.FIELD):
        return [sighting_view(s) for s in items]
    return [sighting_view(s) for s in items if _mine(actor, s.reporter)]


@section("sos")
def _sos(state: State, actor: Actor) -> list[dict[str, Any]]:
    items = state.slice(Reports).sos.values()
    if sees(actor, Audience.FIELD):
        return [sos_view(s) for s in items if s.resolved is None]
    return [sos_view(s) for s in items if _mine(actor, s.reporter)]


@section("responders")
def _responders(state: State, actor: Actor) -> list[dict[str, Any]] | None:
    if not sees(actor, Audience.FIELD):
        return None
    return [responder_view(r) for r in state.slice(Responders).by_id.values() if r.active]
