"""Whether this worker can be trusted to serve: the rules behind `/readyz`.

A worker is not ready while

- its event log does not answer (`unreachable`);
- the last append failed (`not writable`): no report can be recorded. The failure stands
  until an append succeeds or a probe commits a transaction that changes nothing: a load
  balancer that takes the worker out on 503 sends it no append that could clear it;
- the log ends before what the worker has applied (`behind the picture`): the log was
  replaced under the server (a restore), and what it shows is no longer in the log;
- it stays behind a log head it has seen for longer than a grace (`lagging`): it does not
  follow what other processes append.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import anyio

from magen.store.base import EventLog

# How long a worker may stay behind a log head it has seen before it is not ready: another
# process's commit is applied within a poll (25 ms) when the log is followed.
LAG_GRACE_S: Final = 5.0
# How much of a storage error a verdict repeats.
_REASON_CHARS: Final = 300


@dataclass(frozen=True, slots=True)
class Verdict:
    """What readiness found: ready when `problem` is None."""

    head: int | None  # the log's last position; None when the log did not answer
    applied: int  # the last position this worker has applied
    problem: str | None = None  # the database's state when not ready ("lagging", ...)
    reason: str | None = None  # why, in words

    @property
    def ready(self) -> bool:
        return self.problem is None

    @property
    def lag(self) -> int:
        """Events committed (by any worker) that this one has not applied yet."""
        return max((self.head or 0) - self.applied, 0)


class Readiness:
    """The readiness of one worker's service over its log, with what it remembers of lag."""

    def __init__(self, log: EventLog, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._log = log
        self._monotonic = monotonic
        # The log head first seen ahead of what the worker had applied, and when.
        self._behind: tuple[int, float] | None = None

    async def check(self, applied: int, *, lag_grace_s: float = LAG_GRACE_S) -> Verdict:
        """Ask the log, then judge; `applied` is the service's position, read before the call.

        Read before the log's head, it cannot include a commit the head misses: a commit
        landing while the head is read only looks like lag, which the grace absorbs, never
        like a replaced log.
        """
        try:
            head = await anyio.to_thread.run_sync(self._log.head)
        except Exception as exc:  # any storage failure means not ready; say which
            return Verdict(None, applied, "unreachable", str(exc)[:_REASON_CHARS])
        if self._log.write_failure:
            await anyio.to_thread.run_sync(self._log.recheck_writable)  # ready again, no append
        return self.judge(head, applied, lag_grace_s=lag_grace_s)

    def judge(self, head: int, applied: int, *, lag_grace_s: float = LAG_GRACE_S) -> Verdict:
        """The verdict for a log ending at `head` and a worker that has applied `applied`."""
        failure = self._log.write_failure
        if failure:
            return Verdict(
                head,
                applied,
                "not writable",
                f"the last append failed: {failure[:_REASON_CHARS]}",
            )
        if applied > head:
            self._behind = None
            return Verdict(
                head,
                applied,
                "behind the picture",
                f"the log ends at {head} but this worker has applied {applied}: it was "
                "replaced under the server (restored?); restart the server",
            )
        if head == applied:
            self._behind = None
            return Verdict(head, applied)
        now = self._monotonic()
        seen = self._behind
        if seen is None or applied >= seen[0]:
            self._behind = (head, now)  # caught up with the head seen last: start again
            return Verdict(head, applied)
        if now - seen[1] > lag_grace_s:
            return Verdict(
                head,
                applied,
                "lagging",
                f"the log reached {seen[0]} more than {lag_grace_s:g} s ago and this worker "
                f"has applied only {applied}: it does not follow the log",
            )
        return Verdict(head, applied)
