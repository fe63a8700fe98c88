"""The message tables: messages, the accounts each covers, their events, parts, parked receipts and
the compliance decisions that blocked them. Only :mod:`dunning.messages` writes them.

``messages.status`` is a projection of ``message_events`` kept in the same transaction for fast
queries; the events are the record (docs/decisions/0013-departures-from-the-architecture.md). Every
planner choice carries its arm and probability so later experiments and off-policy evaluation can
use the same rows. Events and decisions are never deleted with their message or debtor (RESTRICT):
removing personal data is a later, audited tombstoning step, not a cascade.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = [
    "ComplianceViolation",
    "Message",
    "MessageAccount",
    "MessageEvent",
    "MessagePart",
    "ParkedReceipt",
    "ProviderPause",
    "compliance_violations",
    "message_accounts",
    "message_events",
    "message_parts",
    "messages",
    "parked_receipts",
    "provider_pauses",
]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("plan_key"),
        sa.Index("ix_messages_status_scheduled", "status", "scheduled_at"),
        sa.Index("ix_messages_debtor_scheduled", "debtor_id", "scheduled_at"),
        sa.Index("ix_messages_provider_key", "provider", "provider_message_key"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    # debtor : local date : slot — planning the same day twice collides here.
    plan_key: Mapped[str] = mapped_column(sa.String(96))
    # The planning run that created the row: lets set-based SQL find "the rows this run wrote".
    plan_run: Mapped[str] = mapped_column(sa.String(32), index=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id", ondelete="RESTRICT"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    slot_date: Mapped[date] = mapped_column(sa.Date)
    # collection | opt_out_confirmation | promise_confirmation | help_answer | payment_received
    kind: Mapped[str] = mapped_column(sa.String(24), default="collection", server_default="collection")
    strategy_id: Mapped[str] = mapped_column(sa.String(64))
    segment_id: Mapped[str] = mapped_column(sa.String(64))
    step_id: Mapped[str] = mapped_column(sa.String(64))
    arm: Mapped[str] = mapped_column(sa.String(32), default="champion")
    probability: Mapped[float] = mapped_column(sa.Float, default=1.0)
    template_id: Mapped[str] = mapped_column(sa.String(64))
    template_version: Mapped[int] = mapped_column(sa.Integer)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    days_past_due: Mapped[int] = mapped_column(sa.Integer)
    bucket: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)
    encoding: Mapped[str] = mapped_column(sa.String(8))
    segments: Mapped[int] = mapped_column(sa.Integer)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(16))
    provider: Mapped[str | None] = mapped_column(sa.String(64))
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    # provider_message_id in matching form (messages.wire.normalise_provider_id), indexed with
    # provider so a receipt quoting the id differently (zeros, case) is still an index look-up.
    provider_message_key: Mapped[str | None] = mapped_column(sa.String(128))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageAccount(Base):
    """The accounts a (consolidated) message covers: what payment attribution and evidence join on.

    Written only by ``enqueue`` with the ids it has just inserted, so ``message_id`` carries no
    foreign key (its check, a random probe per row, was a third of the planner's write at a million
    accounts; messages are never deleted anyway, their events RESTRICT it); the account side does.
    A clustered table on SQLite (``WITHOUT ROWID``): the primary key is the table.
    """

    __tablename__ = "message_accounts"
    __table_args__ = ({"sqlite_with_rowid": False},)

    message_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class MessageEvent(Base):
    """Append-only: never updated or deleted. A later audit chain hashes these rows in id order."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id", ondelete="RESTRICT"), index=True)
    event: Mapped[str] = mapped_column(sa.String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(sa.String(128))
    detail: Mapped[str | None] = mapped_column(sa.Text)


class MessagePart(Base):
    """One part of a concatenated message, with its own provider id and receipt.

    Only messages of more than one part have rows; the message becomes final when every part is
    (or after a timeout, from the parts known), and the worst part's state wins.
    """

    __tablename__ = "message_parts"
    __table_args__ = (sa.Index("ix_message_parts_provider_key", "provider", "provider_message_key"),)

    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    part_no: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # 1-based
    parts_total: Mapped[int] = mapped_column(sa.Integer)
    provider: Mapped[str] = mapped_column(sa.String(64))
    provider_message_id: Mapped[str] = mapped_column(sa.String(128))
    provider_message_key: Mapped[str] = mapped_column(sa.String(128))
    status: Mapped[str | None] = mapped_column(sa.String(16))  # a receipt status, None until one came
    error_code: Mapped[str | None] = mapped_column(sa.String(32))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ParkedReceipt(Base):
    """A receipt that matched no message yet (it overtook its submit_sm_resp, or its message's
    outcome is unknown); matching is retried until it resolves or is given up as an orphan."""

    __tablename__ = "parked_receipts"
    __table_args__ = (
        sa.Index("ix_parked_receipts_provider_key", "provider", "provider_message_key"),
        sa.Index("ix_parked_receipts_open", "resolved_at", "next_try_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    provider: Mapped[str | None] = mapped_column(sa.String(64))
    # How that provider quotes ids (messages.wire.ReceiptIdFormat), so a retry needs no provider.
    id_format: Mapped[str] = mapped_column(sa.String(8), default="auto")
    provider_message_id: Mapped[str] = mapped_column(sa.String(128))
    provider_message_key: Mapped[str] = mapped_column(sa.String(128))
    status: Mapped[str] = mapped_column(sa.String(16))
    error_code: Mapped[str | None] = mapped_column(sa.String(32))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handset_hash: Mapped[str | None] = mapped_column(sa.String(64))  # keyed hash, never the number
    raw: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_try_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # resolution: "matched" | "reconciled" | "duplicate" | "orphaned"
    resolution: Mapped[str | None] = mapped_column(sa.String(16))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("messages.id", ondelete="SET NULL"))


class ComplianceViolation(Base):
    """A compliance decision: one row per rule that blocked a message, at plan or submit time."""

    __tablename__ = "compliance_violations"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id", ondelete="RESTRICT"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(8))  # plan | submit
    rule: Mapped[str] = mapped_column(sa.String(48), index=True)
    category: Mapped[str] = mapped_column(sa.String(48))
    legal_basis: Mapped[str] = mapped_column(sa.Text)
    reason_zh: Mapped[str] = mapped_column(sa.Text)
    reason_en: Mapped[str] = mapped_column(sa.Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


messages: sa.Table = Message.__table__  # type: ignore[assignment]
message_accounts: sa.Table = MessageAccount.__table__  # type: ignore[assignment]
message_events: sa.Table = MessageEvent.__table__  # type: ignore[assignment]
message_parts: sa.Table = MessagePart.__table__  # type: ignore[assignment]
parked_receipts: sa.Table = ParkedReceipt.__table__  # type: ignore[assignment]
compliance_violations: sa.Table = ComplianceViolation.__table__  # type: ignore[assignment]


class ProviderPause(Base):
    """A provider (or one route of it) told us its account cannot send: quota, balance, permission.

    While a pause is open (``resumed_at`` null and ``until`` in the future or null) the sender offers
    the provider nothing; an operator resumes it, or it lapses at ``until``.
    """

    __tablename__ = "provider_pauses"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(64), index=True)  # messages.provider or a route name
    error_code: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(255))
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed_by: Mapped[str | None] = mapped_column(sa.String(64))


provider_pauses: sa.Table = ProviderPause.__table__  # type: ignore[assignment]
