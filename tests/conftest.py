"""Shared test set-up: under CI a missing server or browser is a failure, never a skip."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip locally when a real server or browser is missing; fail under CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under CI, refuse `skip` markers outright so nothing is silently passed over."""
    if not IN_CI:
        return
    for item in items:
        for mark in item.iter_markers(name="skip"):
            raise pytest.UsageError(f"{item.nodeid} is marked skip under CI: {mark.kwargs}")


_skipped_in_ci: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember every skip under CI."""
    # An expected failure (xfail) is reported as skipped too; it names a known gap, so it stays.
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        _skipped_in_ci.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI, any skipped test fails the run."""
    if _skipped_in_ci:
        print(f"\nunder CI these tests were skipped, which counts as failure: {_skipped_in_ci}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
