"""Shared fixtures for the dispatch tests: the Baka town, its dispatcher and street points
(built once per module that asks for them)."""

from __future__ import annotations

import numpy as np
import pytest

from magen.dispatch.assign import Dispatcher
from magen.geo.town import Town
from support.bakapack import baka_town
from support.dispatchkit import street_points


@pytest.fixture(scope="module")
def town() -> Town:
    return baka_town()


@pytest.fixture(scope="module")
def dispatcher(town: Town) -> Dispatcher:
    return Dispatcher(town)


@pytest.fixture(scope="module")
def spots(town: Town) -> np.ndarray:
    return street_points(town)
