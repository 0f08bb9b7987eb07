"""The compiled street search (`_streets.c`) on a graph small enough to check by hand."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from conftest import require
from magen.picture import metric

# Three crossings on one street, 0 - 1 - 2, 100 m apart (CSR, both directions).
INDPTR = np.array([0, 1, 3, 4], np.int32)
INDICES = np.array([1, 0, 2, 1], np.int32)
WEIGHTS = np.full(4, 100.0)


def _scratch() -> tuple[np.ndarray, np.ndarray]:
    return np.full(3, np.inf), np.zeros(3, np.int32)


def test_a_search_started_while_reading_its_own_input_is_refused() -> None:
    streets = metric._streets
    require(streets is not None, "the compiled street search (magen.picture._streets) is not built")
    dist, mark = _scratch()
    inner: list[str] = []

    class Reentrant:
        """A target whose nodes are read by running Python, which searches again."""

        def __iter__(self) -> Iterator[int]:
            try:
                streets.nearest(INDPTR, INDICES, WEIGHTS, dist, mark, [2], [[0]], 1e9)
            except RuntimeError as exc:
                inner.append(str(exc))
            yield 2

    found = streets.nearest(INDPTR, INDICES, WEIGHTS, dist, mark, [0], [Reentrant(), [1]], 1e9)
    assert found == [200.0, 100.0]
    assert inner == ["the street search was started again while reading its own input"]
    assert np.isinf(dist).all()
    assert not mark.any()
    # Refused once, not for good.
    assert streets.nearest(INDPTR, INDICES, WEIGHTS, dist, mark, [2], [[0]], 1e9) == [200.0]
