"""Domain errors: each says, in plain words, why a command was refused."""

from __future__ import annotations


class DomainError(Exception):
    """A command that the domain rules refuse; nothing is appended."""

    code = "refused"

    def __init__(self, reason: str, *, rule: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        # A stable name for the rule refused, for a client to act on or say in its own
        # language ("not_checked_in"); the reason is English prose and may be reworded.
        self.rule = rule


class NotFound(DomainError):
    """The command names something that does not exist."""

    code = "not_found"


class Forbidden(DomainError):
    """The actor's role may not do this."""

    code = "forbidden"


class Conflict(DomainError):
    """The command contradicts what is already recorded (e.g. a reused id with other content)."""

    code = "conflict"


class CommandIdReused(Conflict):
    """The command's id was already used for a request with other content: a form or a client
    kept from before, to be sent again under a fresh id."""


class InvalidCommand(DomainError):
    """The command is well-formed but makes no sense in the current state."""

    code = "invalid"


class RateLimited(DomainError):
    """Too many commands from one anonymous source."""

    code = "rate_limited"
