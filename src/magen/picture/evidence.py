"""What a set of independent reporters is worth: credibility and a robust group size.

A reporter is one independent source: an account, or one anonymous source key. However
many reports a source sends, it is counted once. Each tier has a probability that its
report is true (`TrustModel`); credibility is the chance that at least one independent
reporter is right (noisy-or), with every anonymous source together capped so that an
anonymous crowd, let alone one flooding source, cannot make a track credible.

Group size is the tier-weighted median of each reporter's largest claim, never a sum, so
forty people reporting the same five attackers give five and a few panicked "twenty"s do
not move it; the interval is the weighted inter-quartile range (claims over 2.5 times the
median left out of its top), widened when fewer than three reporters gave a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from magen.domain.values import SourceTier


class Credibility(StrEnum):
    """How well a track is corroborated by its independent reporters."""

    UNCORROBORATED = "uncorroborated"  # anonymous only, or a single registered reporter
    CORROBORATED = "corroborated"  # independent registered reporters agree
    VERIFIED = "verified"  # a verified responder reported it


@dataclass(frozen=True, slots=True)
class TrustModel:
    """Per-tier trust: truth probabilities, count weights and the anonymous caps."""

    verified_p: float = 0.9
    registered_p: float = 0.5
    anonymous_p: float = 0.15
    # Every anonymous source together is worth at most this much (below `corroborated_at`).
    anonymous_cap_p: float = 0.3
    corroborated_at: float = 0.7
    verified_weight: float = 1.0
    registered_weight: float = 0.5
    anonymous_weight: float = 0.15
    # The summed count weight of all anonymous reporters on one track.
    anonymous_cap_weight: float = 0.3
    # Claims above this many times the median are taken as exaggeration for the interval.
    exaggeration: float = 2.5

    def __post_init__(self) -> None:
        if self.anonymous_cap_p >= self.corroborated_at:
            raise ValueError("anonymous reporters alone must not reach corroboration")

    def p(self, tier: SourceTier) -> float:
        """The probability that one report from this tier is true."""
        if tier is SourceTier.VERIFIED:
            return self.verified_p
        if tier is SourceTier.REGISTERED:
            return self.registered_p
        return self.anonymous_p

    def weight(self, tier: SourceTier) -> float:
        """The weight of one reporter's count claim."""
        if tier is SourceTier.VERIFIED:
            return self.verified_weight
        if tier is SourceTier.REGISTERED:
            return self.registered_weight
        return self.anonymous_weight


RANK = {SourceTier.ANONYMOUS: 0, SourceTier.REGISTERED: 1, SourceTier.VERIFIED: 2}


def stronger(a: SourceTier, b: SourceTier) -> SourceTier:
    """The more trusted of two tiers."""
    return a if RANK[a] >= RANK[b] else b


@dataclass(frozen=True, slots=True)
class Confidence:
    """A track's corroboration: level, noisy-or score and its independent reporters."""

    level: Credibility
    score: float
    reporters: int
    verified: int
    registered: int
    anonymous: int

    @property
    def credible(self) -> bool:
        """Whether the reporters alone make the track credible enough to confirm."""
        return self.level is not Credibility.UNCORROBORATED


@dataclass(frozen=True, slots=True)
class GroupSize:
    """Estimated attackers in a group with an interval; None when nobody gave a number."""

    estimate: int | None
    low: int | None
    high: int | None
    claims: int


def credibility_score(verified: int, registered: int, anonymous: int, model: TrustModel) -> float:
    """The chance that at least one of these independent reporters is right (noisy-or)."""
    miss_named = (1.0 - model.verified_p) ** verified * (1.0 - model.registered_p) ** registered
    anon = min(1.0 - (1.0 - model.anonymous_p) ** anonymous, model.anonymous_cap_p)
    return 1.0 - miss_named * (1.0 - anon)


def confidence(tiers: Iterable[SourceTier], model: TrustModel) -> Confidence:
    """Credibility from one tier per independent reporter."""
    counts = {SourceTier.VERIFIED: 0, SourceTier.REGISTERED: 0, SourceTier.ANONYMOUS: 0}
    for tier in tiers:
        counts[tier] += 1
    score = credibility_score(
        counts[SourceTier.VERIFIED],
        counts[SourceTier.REGISTERED],
        counts[SourceTier.ANONYMOUS],
        model,
    )
    if counts[SourceTier.VERIFIED]:
        level = Credibility.VERIFIED
    elif score >= model.corroborated_at:
        level = Credibility.CORROBORATED
    else:
        level = Credibility.UNCORROBORATED
    return Confidence(
        level=level,
        score=score,
        reporters=sum(counts.values()),
        verified=counts[SourceTier.VERIFIED],
        registered=counts[SourceTier.REGISTERED],
        anonymous=counts[SourceTier.ANONYMOUS],
    )


def weighted_quantile(values: Sequence[float], weights: Sequence[float], q: float) -> float:
    """The q-quantile of weighted values (midpoint where the cumulative weight hits q exactly)."""
    if not values:
        raise ValueError("no values")
    order = sorted(range(len(values)), key=values.__getitem__)
    total = math.fsum(weights)
    target = q * total
    acc = 0.0
    for i, k in enumerate(order):
        acc += weights[k]
        if math.isclose(acc, target, rel_tol=1e-12, abs_tol=1e-12) and i + 1 < len(order):
            return (values[k] + values[order[i + 1]]) / 2.0
        if acc > target:
            return values[k]
    return values[order[-1]]


def group_size(claims: Iterable[tuple[SourceTier, int]], model: TrustModel) -> GroupSize:
    """Robust size of a group from one (tier, largest claim) per independent reporter."""
    values: list[float] = []
    weights: list[float] = []
    anonymous: list[int] = []
    for tier, count in claims:
        if tier is SourceTier.ANONYMOUS:
            anonymous.append(len(values))
        values.append(float(count))
        weights.append(model.weight(tier))
    if not values:
        return GroupSize(estimate=None, low=None, high=None, claims=0)
    anon_total = sum(weights[i] for i in anonymous)
    if anon_total > model.anonymous_cap_weight:
        scale = model.anonymous_cap_weight / anon_total
        for i in anonymous:
            weights[i] *= scale
    median = weighted_quantile(values, weights, 0.5)
    estimate = max(1, math.floor(median + 0.5))
    low = max(1, math.floor(weighted_quantile(values, weights, 0.25)))
    # Claims far above the median are panic more often than sight: they do not stretch the
    # interval (they already cannot move the median).
    plausible = [k for k, v in enumerate(values) if v <= model.exaggeration * median]
    high = max(
        estimate,
        math.ceil(
            weighted_quantile([values[k] for k in plausible], [weights[k] for k in plausible], 0.75)
        ),
    )
    if len(values) < 3:
        # One or two claims say little about exaggeration or a partial view.
        low = min(low, max(1, math.floor(estimate * 0.5)))
        high = max(high, math.ceil(estimate * 1.5))
    return GroupSize(estimate=estimate, low=min(low, estimate), high=high, claims=len(values))
