"""The event log: every fact that is not a message event, in one total order, appended by one function.

Imports, plan runs, compliance decision summaries, template approvals, strategy changes, overrides,
opt-outs, holds, requeues, operator and key changes. ``append`` is the only writer; rows are never
updated or deleted. See docs.md in this folder.
"""

from dunning.events.models import LoggedEvent, event_log
from dunning.events.repository import (
    ORDER_LOCK,
    EventKind,
    LogEntry,
    NewEvent,
    append,
    append_many,
    last_of,
    read,
)

__all__ = [
    "ORDER_LOCK",
    "EventKind",
    "LogEntry",
    "LoggedEvent",
    "NewEvent",
    "append",
    "append_many",
    "event_log",
    "last_of",
    "read",
]
