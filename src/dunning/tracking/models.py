"""Replies from handsets (MO messages), stored encrypted, ready to be classified."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime


class InboundMessage(Base):
    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    provider: Mapped[str | None] = mapped_column(sa.String(64))
    sender_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sender_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    sender_masked: Mapped[str] = mapped_column(sa.String(32))
    recipient: Mapped[str | None] = mapped_column(sa.String(32))  # our number / short code
    body_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The debtor whose contact number sent it, when exactly one does; None otherwise.
    debtor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("debtors.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    # The intent that drove the action (dunning.replies.Intent), its confidence, every intent found
    # (comma-separated, by priority) and what was done (comma-separated action codes).
    intent: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    confidence: Mapped[float | None] = mapped_column(sa.Float)
    intents: Mapped[str | None] = mapped_column(sa.String(160))
    action: Mapped[str | None] = mapped_column(sa.String(160))
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How a retried delivery of the same reply is recognised: the provider's id for it, else a keyed
    # hash of the text from the same number within minutes (docs/decisions/0016).
    provider_reference: Mapped[str | None] = mapped_column(sa.String(128))
    body_hash: Mapped[str] = mapped_column(sa.String(64))
    parts: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundPart(Base):
    """One part of a concatenated reply waiting for the others (a reply may straddle collections)."""

    __tablename__ = "inbound_parts"
    __table_args__ = (sa.UniqueConstraint("provider", "sender_hash", "reference", "total", "seq"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(64))
    sender_hash: Mapped[str] = mapped_column(sa.String(64))
    sender_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    recipient: Mapped[str | None] = mapped_column(sa.String(32))
    reference: Mapped[int] = mapped_column(sa.Integer)
    total: Mapped[int] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer)
    body_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


inbound_messages: sa.Table = InboundMessage.__table__  # type: ignore[assignment]
inbound_parts: sa.Table = InboundPart.__table__  # type: ignore[assignment]
#: Personal data at rest in this domain's tables (key rotation re-encrypts them).
ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "inbound_messages": ("sender_enc", "body_enc"),
    "inbound_parts": ("sender_enc", "body_enc"),
}
