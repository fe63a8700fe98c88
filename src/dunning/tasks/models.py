"""Work for people: tasks in queues (phone collection, compliance review, disputes, hardship, payment
checks), their notes and outcomes.

A task is opened by a reply's action or an escalation rule, claimed by an operator, noted, and closed
with an outcome code. ``open_key`` is set while a task is open and cleared when it closes: a unique
column that lets the same cause (debtor × queue × reason) hold at most one open task at a time, on
every database, without a partial index.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["ENCRYPTED_COLUMNS", "Task", "TaskNote", "task_notes", "tasks"]


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        sa.UniqueConstraint("open_key"),
        sa.Index("ix_tasks_queue_status_due", "queue", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    queue: Mapped[str] = mapped_column(sa.String(32))
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(48))  # complaint, broken_promise, no_response, …
    rule_id: Mapped[str | None] = mapped_column(sa.String(64))  # the escalation rule that opened it
    priority: Mapped[int] = mapped_column(sa.Integer)  # 1 (most urgent) … 4
    status: Mapped[str] = mapped_column(sa.String(12))  # open | claimed | closed
    owner: Mapped[str | None] = mapped_column(sa.String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    open_key: Mapped[str | None] = mapped_column(sa.String(160))
    source: Mapped[str | None] = mapped_column(sa.String(64))  # "reply:17", "promise:4", "rule:…"
    hold_id: Mapped[int | None] = mapped_column(sa.Integer)  # the hold it keeps until it is closed
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(sa.String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(sa.String(64))


class TaskNote(Base):
    __tablename__ = "task_notes"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="RESTRICT"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(sa.String(64))
    # Notes are free text an agent types during a call: personal data, stored encrypted.
    body_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)


tasks: sa.Table = Task.__table__  # type: ignore[assignment]
task_notes: sa.Table = TaskNote.__table__  # type: ignore[assignment]
#: Personal data at rest in this domain's tables (key rotation re-encrypts them).
ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {"task_notes": ("body_enc",)}
