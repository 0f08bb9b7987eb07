"""What independent reporters are worth: weighted medians, group size and credibility."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magen.domain.values import SourceTier
from magen.picture.evidence import (
    Credibility,
    TrustModel,
    confidence,
    group_size,
    stronger,
    weighted_quantile,
)

MODEL = TrustModel()
V, R, A = SourceTier.VERIFIED, SourceTier.REGISTERED, SourceTier.ANONYMOUS


def test_weighted_quantiles() -> None:
    assert weighted_quantile([3.0, 1.0, 2.0], [1.0, 1.0, 1.0], 0.5) == 2.0
    # Exactly half the weight on each side: the midpoint.
    assert weighted_quantile([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0], 0.5) == 2.5
    assert weighted_quantile([1.0, 50.0], [3.0, 1.0], 0.5) == 1.0
    assert weighted_quantile([1.0, 50.0], [1.0, 3.0], 0.5) == 50.0
    with pytest.raises(ValueError, match="no values"):
        weighted_quantile([], [], 0.5)


def test_a_group_nobody_counted_has_no_size() -> None:
    assert group_size([], MODEL).estimate is None


def test_size_is_the_weighted_median_of_claims_not_their_sum() -> None:
    size = group_size([(R, 5)] * 4 + [(R, 3)] * 3 + [(R, 7)] * 2 + [(R, 30)] * 3, MODEL)
    assert size.estimate == 5
    assert size.low == 4  # a quarter of the weight lies at or below 3, the rest at 5 or more
    # The panicked thirties neither move the estimate nor stretch the interval.
    assert size.high == 5


def test_anonymous_claims_weigh_little_however_many() -> None:
    size = group_size([(R, 5)] + [(A, 30)] * 50, MODEL)
    assert size.estimate == 5


def test_a_verified_count_outweighs_registered_ones() -> None:
    assert group_size([(V, 3), (R, 8)], MODEL).estimate == 3


def test_few_claims_give_a_wide_interval() -> None:
    size = group_size([(R, 6)], MODEL)
    assert (size.estimate, size.low, size.high) == (6, 3, 9)


@given(st.integers(0, 2000))
def test_anonymous_sources_alone_never_corroborate(n: int) -> None:
    c = confidence([A] * n, MODEL)
    assert c.level is Credibility.UNCORROBORATED
    assert c.score <= MODEL.anonymous_cap_p + 1e-12
    assert not c.credible


def test_credibility_levels() -> None:
    assert confidence([R], MODEL).level is Credibility.UNCORROBORATED
    assert confidence([R] + [A] * 100, MODEL).level is Credibility.UNCORROBORATED
    assert confidence([R, R], MODEL).level is Credibility.CORROBORATED
    assert confidence([V], MODEL).level is Credibility.VERIFIED
    c = confidence([V, R, A], MODEL)
    assert (c.reporters, c.verified, c.registered, c.anonymous) == (3, 1, 1, 1)
    assert c.score == pytest.approx(1 - 0.1 * 0.5 * 0.85)


def test_a_model_where_anonymous_sources_could_corroborate_is_refused() -> None:
    with pytest.raises(ValueError, match="anonymous"):
        TrustModel(anonymous_cap_p=0.8)


def test_the_stronger_tier() -> None:
    assert stronger(A, V) is V
    assert stronger(R, A) is R
