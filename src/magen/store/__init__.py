"""Event log backends behind one contract (`EventLog`)."""

from magen.store.base import (
    EventConflict,
    EventLog,
    LogError,
    LogUnavailable,
    NewEvent,
    StoredEvent,
)

__all__ = ["EventConflict", "EventLog", "LogError", "LogUnavailable", "NewEvent", "StoredEvent"]
