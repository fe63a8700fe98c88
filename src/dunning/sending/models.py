"""The outbox and its append-only event log.

``messages.status`` is a projection of ``message_events`` kept in the same transaction for fast
queries; the events are the record. Every planner choice carries its arm and probability so later
experiments and off-policy evaluation can use the same rows.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

# queued → claimed → submitting → submitted → delivered | undelivered | rejected | expired | failed
# blocked (gate), cancelled (payment/opt-out before submit), unknown (crash while in flight, never
# resent). See docs/decisions/0006-outbox-states-and-crash-safety.md.


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
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    slot_date: Mapped[date] = mapped_column(sa.Date)
    strategy_id: Mapped[str] = mapped_column(sa.String(64))
    segment_id: Mapped[str] = mapped_column(sa.String(64))
    step_id: Mapped[str] = mapped_column(sa.String(64))
    arm: Mapped[str] = mapped_column(sa.String(32), default="champion")
    probability: Mapped[float] = mapped_column(sa.Float, default=1.0)
    template_id: Mapped[str] = mapped_column(sa.String(64))
    template_version: Mapped[int] = mapped_column(sa.Integer)
    # Comma-separated account ids the consolidated message covers (for attribution).
    account_ids: Mapped[str] = mapped_column(sa.Text)
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
    # provider_message_id in matching form (tracking.receipts.normalise_provider_id), indexed with
    # provider so a receipt quoting the id differently (zeros, case) is still an index look-up.
    provider_message_key: Mapped[str | None] = mapped_column(sa.String(128))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageEvent(Base):
    """Append-only: never updated or deleted. A later audit chain hashes these rows in id order."""

    __tablename__ = "message_events"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True)
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
