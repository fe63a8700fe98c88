"""The one appender of the event log, and its readers.

Total order with several writers: on PostgreSQL every appending transaction first takes one
transaction-scoped advisory lock (:data:`ORDER_LOCK`) and holds it until it commits, so ids are
handed out in commit order and a reader never sees id *n + 1* before id *n*; on SQLite there is only
ever one writing transaction. A later issue chains the rows by hash in id order without reordering.
Append late in a unit of work (the lock is held from the append to the commit).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.clock import utcnow
from dunning.core.db import bulk_insert, detail_json
from dunning.events.models import event_log

__all__ = [
    "ORDER_LOCK",
    "EventKind",
    "LogEntry",
    "NewEvent",
    "append",
    "append_many",
    "last_of",
    "read",
]

#: The advisory lock key that orders appends on PostgreSQL ("dunning" in ASCII).
ORDER_LOCK = 0x64756E6E696E67


class EventKind(StrEnum):
    PORTFOLIO_IMPORTED = "portfolio.imported"
    PLAN_RUN = "plan.run"
    COMPLIANCE_DECISIONS = "compliance.decisions"  # what the plan-time gate decided, by rule
    COMPLIANCE_OVERRIDE = "compliance.override"  # the audited overrides in force changed
    STRATEGY_CHANGED = "strategy.changed"
    TEMPLATE_APPROVED = "template.approved"
    # approved by compliance although the preview was blocked or held for review: outcome, rules,
    # review reasons, the reason and the operator
    TEMPLATE_APPROVED_OVERRIDE = "template.approved_override"
    CONTACT_OPTED_OUT = "contact.opted_out"
    DEBTOR_HELD = "debtor.held"
    DEBTOR_RELEASED = "debtor.released"
    MESSAGES_REQUEUED = "messages.requeued"
    OPERATOR_ADDED = "operator.added"
    OPERATOR_DISABLED = "operator.disabled"
    OPERATOR_ENABLED = "operator.enabled"
    KEYS_ROTATED = "keys.rotated"
    KEYS_REENCRYPTED = "keys.reencrypted"
    KEYS_RETIRED = "keys.retired"
    REPLY_RECEIVED = "reply.received"  # a reply understood: its intent and what was done
    CONTACT_INVALIDATED = "contact.invalidated"  # "wrong number": never messaged again
    PROMISE_MADE = "promise.made"
    PROMISE_SETTLED = "promise.settled"  # kept, partly kept or broken
    PAYMENTS_RECORDED = "payments.recorded"
    TASK_OPENED = "task.opened"
    TASK_CLAIMED = "task.claimed"
    TASK_NOTED = "task.noted"
    TASK_CLOSED = "task.closed"
    TASKS_EXPORTED = "tasks.exported"  # a dialler export: the only place numbers leave in full
    PERSONAL_DATA_VIEWED = "personal_data.viewed"  # an unmasked read: who saw whose data, which fields
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    TEMPLATE_PROPOSED = "template.proposed"
    TEMPLATE_REJECTED = "template.rejected"
    STRATEGY_PROPOSED = "strategy.proposed"
    STRATEGY_APPROVED = "strategy.approved"
    STRATEGY_REJECTED = "strategy.rejected"
    WEBHOOK_REFUSED = "webhook.refused"  # a provider callback that failed its signature check
    PROVIDER_PAUSED = "provider.paused"  # its account cannot send: nothing offered until it ends
    PROVIDER_RESUMED = "provider.resumed"
    TEMPLATE_BLOCKED = "template.blocked"  # a provider refused its content: not sent until released
    TEMPLATE_RELEASED = "template.released"
    EXPERIMENT_PROMOTED = "experiment.promoted"  # an arm became the champion
    STRATEGY_SWITCHED = "strategy.switched"  # `dunning strategy use rules|adaptive` (file backed up)


@dataclass(frozen=True, slots=True)
class NewEvent:
    kind: EventKind
    at: datetime
    actor: str
    detail: Mapping[str, Any] | None = None
    debtor_id: int | None = None
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    at: datetime
    kind: str
    actor: str
    debtor_id: int | None
    subject: str | None
    detail: dict[str, Any]
    recorded_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "actor": self.actor,
            "debtor_id": self.debtor_id,
            "subject": self.subject,
            "detail": self.detail,
            "recorded_at": self.recorded_at.isoformat(),
        }


_COLUMNS = ("at", "kind", "actor", "debtor_id", "subject", "detail", "recorded_at")


def append_many(conn: Connection, events: Sequence[NewEvent]) -> None:
    """Append ``events`` in order, in the caller's transaction (see the module docstring)."""
    if not events:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ORDER_LOCK})
    recorded = utcnow()
    rows = [
        (
            e.at,
            str(e.kind),
            e.actor[:128],
            e.debtor_id,
            e.subject[:200] if e.subject is not None else None,
            detail_json(**e.detail) if e.detail else None,
            recorded,
        )
        for e in events
    ]
    bulk_insert(conn, event_log, _COLUMNS, rows)


def append(
    conn: Connection,
    kind: EventKind,
    *,
    at: datetime,
    actor: str,
    detail: Mapping[str, Any] | None = None,
    debtor_id: int | None = None,
    subject: str | None = None,
) -> None:
    """Append one fact to the log."""
    append_many(conn, [NewEvent(kind, at, actor, detail, debtor_id, subject)])


def _entry(row: Any) -> LogEntry:
    return LogEntry(
        int(row.id),
        row.at,
        row.kind,
        row.actor,
        row.debtor_id,
        row.subject,
        json.loads(row.detail) if row.detail else {},
        row.recorded_at,
    )


def read(
    conn: Connection,
    *,
    kinds: Sequence[str] = (),
    debtor_id: int | None = None,
    since: datetime | None = None,
    after_id: int = 0,
    limit: int = 100,
    newest_first: bool = False,
) -> list[LogEntry]:
    """Entries in log order (or newest first), filtered by kind, debtor and time."""
    query = sa.select(event_log).where(event_log.c.id > after_id)
    if kinds:
        query = query.where(event_log.c.kind.in_(list(kinds)))
    if debtor_id is not None:
        query = query.where(event_log.c.debtor_id == debtor_id)
    if since is not None:
        query = query.where(event_log.c.at >= since)
    order = event_log.c.id.desc() if newest_first else event_log.c.id
    return [_entry(r) for r in conn.execute(query.order_by(order).limit(limit))]


def last_of(conn: Connection, kind: EventKind, subject: str | None = None) -> LogEntry | None:
    """The newest entry of ``kind`` (about ``subject``, when given)."""
    query = sa.select(event_log).where(event_log.c.kind == kind)
    if subject is not None:
        query = query.where(event_log.c.subject == subject)
    row = conn.execute(query.order_by(event_log.c.id.desc()).limit(1)).first()
    return _entry(row) if row is not None else None
