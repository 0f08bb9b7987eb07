"""How people report: from what they truly see to what they send, with Ofakim's distortions.

A household that sees a team decides whether to report; it reports after a delay, from a
position that is off, with a count that is often inflated or missing; some repeat what they
see while the team stays in view; some press send twice. Once the attack has begun, rumours
produce reports where nobody is, many of them around a few places everyone talks about.
Everything drawn comes from the one generator handed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from magen.sim.scenario import Reporting, Span
from magen.sim.world import Need, Sight, World

FloatArray = np.ndarray


@dataclass(frozen=True)
class SightingIntent:
    """A sighting someone will send: when, from whom, and what it will say."""

    send_at: float
    observed_at: float
    reporter: str  # "h<index>" for a household, the responder id for responders
    xy: tuple[float, float]
    count: int | None
    mobility: str
    heading_deg: float | None
    team_id: str | None  # None: nothing was there (a false report)
    text: str = ""


@dataclass(frozen=True)
class Relook:
    """A household that saw a team looks again later and may report again."""

    at: float
    household: int
    team_id: str


@dataclass(frozen=True)
class SosIntent:
    send_at: float
    household: int
    caller: int  # the household that calls (a neighbour may call for it)
    cause: str


def _uniform(rng: np.random.Generator, span: Span) -> float:
    return float(rng.uniform(span.low, span.high)) if span.high > span.low else span.low


def _lognormal(rng: np.random.Generator, median: float, sigma: float) -> float:
    return median * math.exp(sigma * float(rng.standard_normal()))


class ReportingModel:
    """Turns what the world shows people into the reports they send."""

    def __init__(self, world: World, spec: Reporting, rng: np.random.Generator) -> None:
        self.world = world
        self.spec = spec
        self.rng = rng
        self.hotspots: list[tuple[float, float]] = []
        self._next_false: float | None = None

    def household_reporter(self, h: int) -> str:
        return f"h{h}"

    def _describe(
        self, team_id: str, t: float
    ) -> tuple[tuple[float, float], int | None, str, float | None]:
        w, spec, rng = self.world, self.spec, self.rng
        team = w.team(team_id)
        noise = (
            rng.normal(0.0, spec.position_noise_m, 2) if spec.position_noise_m > 0 else (0.0, 0.0)
        )
        xy = (float(team.xy[0] + noise[0]), float(team.xy[1] + noise[1]))
        count: int | None = None
        if rng.random() >= 0.25:  # a quarter cannot say how many
            seen = team.members * _lognormal(
                rng, spec.count_exaggeration.median, spec.count_exaggeration.sigma
            )
            count = int(min(max(round(seen), 1), 500))
        heading = team.heading(t)
        if heading is not None:
            heading = (
                float((heading + rng.normal(0.0, 25.0)) % 360.0) if rng.random() < 0.5 else None
            )
        return xy, count, team.mobility, heading

    def on_sight(self, sight: Sight) -> tuple[list[SightingIntent], list[Relook]]:
        """A household sees a team: the reports it will send, and when it looks again."""
        spec, rng = self.spec, self.rng
        if rng.random() >= spec.report_probability:
            return [], []
        return self._report(sight.observer, sight.team_id, sight.t)

    def on_relook(self, relook: Relook) -> tuple[list[SightingIntent], list[Relook]]:
        """A household looks again: still in view, it may report again."""
        if not self.world.in_sight(relook.household, relook.team_id):
            return [], []
        return self._report(relook.household, relook.team_id, relook.at)

    def _report(self, h: int, team_id: str, t: float) -> tuple[list[SightingIntent], list[Relook]]:
        spec, rng = self.spec, self.rng
        xy, count, mobility, heading = self._describe(team_id, t)
        send = t + _lognormal(rng, spec.delay_s.median, spec.delay_s.sigma)
        who = self.household_reporter(h)
        intents = [SightingIntent(send, t, who, xy, count, mobility, heading, team_id)]
        if rng.random() < spec.duplicate_probability:
            again = send + float(rng.uniform(5.0, 40.0))
            intents.append(SightingIntent(again, t, who, xy, count, mobility, heading, team_id))
        relooks = []
        if rng.random() < spec.repeat_probability:
            relooks.append(Relook(t + 60.0 * _uniform(rng, spec.repeat_every_min), h, team_id))
        return intents, relooks

    def false_reports(self, t: float, dt: float) -> list[SightingIntent]:
        """Rumours once the attack has begun: reports where nobody is."""
        w, spec, rng = self.world, self.spec, self.rng
        if w.attack_began is None or spec.false_per_hour <= 0:
            return []
        if not self.hotspots and spec.false_hotspots:
            weights = w.residents_of / w.residents_of.sum()
            picks = rng.choice(len(weights), size=spec.false_hotspots, replace=False, p=weights)
            self.hotspots = [
                (float(w.building_xy[b, 0]), float(w.building_xy[b, 1])) for b in picks
            ]
        n = int(rng.poisson(spec.false_per_hour * dt / 3600.0))
        out = []
        hh = w.households
        for _ in range(n):
            if self.hotspots and rng.random() < spec.false_hotspot_share:
                cx, cy = self.hotspots[int(rng.integers(len(self.hotspots)))]
                x, y = cx + rng.normal(0.0, 60.0), cy + rng.normal(0.0, 60.0)
            else:
                b = int(rng.integers(len(w.building_xy)))
                x, y = w.building_xy[b]
            near = w.buildings_within(np.array([x, y]), 200.0)
            pool = [h for b in near.tolist() for h in hh.by_building[b]] or [
                int(rng.integers(len(hh)))
            ]
            h = int(pool[int(rng.integers(len(pool)))])
            count = int(
                max(1, round(_lognormal(rng, spec.false_count.median, spec.false_count.sigma)))
            )
            mobility = "vehicle" if rng.random() < 0.3 else "on_foot"
            send = t + _lognormal(rng, spec.delay_s.median, spec.delay_s.sigma)
            out.append(
                SightingIntent(
                    send,
                    t,
                    self.household_reporter(h),
                    (float(x), float(y)),
                    count if rng.random() >= 0.25 else None,
                    mobility,
                    None,
                    None,
                )
            )
        return out

    def on_need(self, need: Need) -> list[SosIntent]:
        """A household in trouble calls for help (and a neighbour may call too)."""
        spec, rng, w = self.spec, self.rng, self.world
        if rng.random() >= spec.sos_probability:
            return []
        send = need.t + _lognormal(rng, spec.sos_delay_s.median, spec.sos_delay_s.sigma)
        out = [SosIntent(send, need.household, need.household, need.cause)]
        if rng.random() < spec.sos_duplicate_probability:
            b = int(w.households.home[need.household])
            others = [h for h in w.households.by_building[b] if h != need.household]
            caller = int(others[int(rng.integers(len(others)))]) if others else need.household
            again = send + float(rng.uniform(20.0, 120.0))
            out.append(SosIntent(again, need.household, caller, need.cause))
        return out
