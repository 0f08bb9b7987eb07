"""Fixtures for the alert tests."""

from __future__ import annotations

import pytest

from alerts.alertlog import Log


@pytest.fixture
def log() -> Log:
    return Log()
