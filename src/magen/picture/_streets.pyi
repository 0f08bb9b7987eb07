"""Fusion's street search, compiled from _streets.c (see there)."""

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

def nearest(
    indptr: NDArray[np.int32],
    indices: NDArray[np.int32],
    weights: NDArray[np.float64],
    dist: NDArray[np.float64],
    mark: NDArray[np.int32],
    sources: Sequence[int],
    targets: Sequence[Sequence[int]],
    limit: float,
    /,
) -> list[float]: ...
