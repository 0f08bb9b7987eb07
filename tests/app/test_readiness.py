"""Readiness rules, judged over a log double and a clock that moves only when told to."""

from __future__ import annotations

import pytest

from magen.app.readiness import LAG_GRACE_S, Readiness, Verdict
from magen.store.memory import MemoryEventLog

pytestmark = pytest.mark.anyio


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class _Log(MemoryEventLog):
    """A log whose head, write failure and writability the test sets."""

    def __init__(self, head: int = 0) -> None:
        super().__init__()
        self.at = head
        self.failure: str | None = None
        self.writable = True
        self.rechecks = 0
        self.down: Exception | None = None

    def head(self) -> int:
        if self.down is not None:
            raise self.down
        return self.at

    @property
    def write_failure(self) -> str | None:
        return self.failure

    def recheck_writable(self) -> None:
        self.rechecks += 1
        if self.writable:
            self.failure = None


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


def test_ready_when_the_worker_has_applied_the_whole_log(clock: _Clock) -> None:
    verdict = Readiness(_Log(), monotonic=clock).judge(7, 7)
    assert verdict == Verdict(7, 7)
    assert verdict.ready
    assert verdict.lag == 0


def test_not_writable_while_the_last_append_failed(clock: _Clock) -> None:
    log = _Log()
    log.failure = "disk I/O error " + "x" * 400
    verdict = Readiness(log, monotonic=clock).judge(3, 3)
    assert not verdict.ready
    assert verdict.problem == "not writable"
    assert verdict.reason is not None
    assert verdict.reason.startswith("the last append failed: disk I/O error")
    assert len(verdict.reason) == len("the last append failed: ") + 300


async def test_a_standing_failure_is_probed_and_cleared_once_the_log_takes_writes(
    clock: _Clock,
) -> None:
    log = _Log(head=2)
    readiness = Readiness(log, monotonic=clock)
    assert (await readiness.check(2)).ready
    assert log.rechecks == 0  # nothing to probe while no failure stands

    log.failure, log.writable = "database is locked", False
    verdict = await readiness.check(2)
    assert (verdict.problem, log.rechecks) == ("not writable", 1)

    log.writable = True
    verdict = await readiness.check(2)
    assert verdict.ready
    assert log.rechecks == 2
    assert log.at == 2  # the probe appended nothing


async def test_a_log_that_does_not_answer_is_unreachable(clock: _Clock) -> None:
    log = _Log(head=4)
    log.down = OSError("connection refused " + "y" * 400)
    verdict = await Readiness(log, monotonic=clock).check(4)
    assert verdict.head is None
    assert verdict.problem == "unreachable"
    assert verdict.reason is not None
    assert verdict.reason.startswith("connection refused")
    assert len(verdict.reason) == 300
    assert verdict.lag == 0


def test_a_log_ending_before_what_the_worker_applied_is_behind_the_picture(
    clock: _Clock,
) -> None:
    verdict = Readiness(_Log(), monotonic=clock).judge(1, 3)
    assert verdict.problem == "behind the picture"
    assert verdict.reason is not None
    assert "ends at 1" in verdict.reason
    assert "restart the server" in verdict.reason
    assert verdict.lag == 0


def test_behind_a_head_it_has_seen_for_longer_than_the_grace_is_lagging(clock: _Clock) -> None:
    readiness = Readiness(_Log(), monotonic=clock)
    assert readiness.judge(5, 3).ready  # the grace starts: it may be about to catch up
    clock.now += LAG_GRACE_S - 0.1
    assert readiness.judge(6, 4).ready  # moving, but not yet where the log was
    clock.now += 0.2
    verdict = readiness.judge(6, 4)
    assert verdict.problem == "lagging"
    assert verdict.lag == 2
    assert verdict.reason is not None
    assert verdict.reason.startswith(f"the log reached 5 more than {LAG_GRACE_S:g} s ago")
    assert "applied only 4" in verdict.reason


def test_reaching_the_head_it_saw_starts_the_grace_again(clock: _Clock) -> None:
    readiness = Readiness(_Log(), monotonic=clock)
    readiness.judge(5, 3)
    clock.now += LAG_GRACE_S - 1
    assert readiness.judge(9, 5).ready  # the head seen at first is reached: 9 is the new mark
    clock.now += 2  # past the first grace, within the second
    assert readiness.judge(9, 6).ready
    clock.now += LAG_GRACE_S
    assert readiness.judge(9, 6).problem == "lagging"


def test_caught_up_forgets_the_lag(clock: _Clock) -> None:
    readiness = Readiness(_Log(), monotonic=clock)
    readiness.judge(5, 3)
    clock.now += 1
    assert readiness.judge(5, 5).ready
    clock.now += LAG_GRACE_S  # long after the first mark
    assert readiness.judge(8, 6).ready  # behind again: a new grace, not the old one's end
    clock.now += LAG_GRACE_S + 0.1
    assert readiness.judge(8, 6).problem == "lagging"


def test_a_replaced_log_forgets_the_lag(clock: _Clock) -> None:
    readiness = Readiness(_Log(), monotonic=clock)
    readiness.judge(5, 3)
    clock.now += LAG_GRACE_S + 1
    assert readiness.judge(2, 3).problem == "behind the picture"
    assert readiness.judge(4, 3).ready  # a fresh mark, not the old one's expired grace


def test_the_grace_is_the_callers(clock: _Clock) -> None:
    readiness = Readiness(_Log(), monotonic=clock)
    readiness.judge(5, 3, lag_grace_s=0.5)
    clock.now += 0.6
    verdict = readiness.judge(5, 3, lag_grace_s=0.5)
    assert verdict.problem == "lagging"
    assert verdict.reason is not None
    assert "more than 0.5 s ago" in verdict.reason


async def test_a_commit_landing_while_the_head_is_read_is_lag_not_a_replaced_log(
    clock: _Clock,
) -> None:
    """The worker's position is taken before the head is read: a commit in between makes the
    head run ahead (lag, within the grace), never fall behind what the worker shows."""
    log = _Log(head=10)
    verdict = await Readiness(log, monotonic=clock).check(9)
    assert (verdict.ready, verdict.head, verdict.applied, verdict.lag) == (True, 10, 9, 1)
