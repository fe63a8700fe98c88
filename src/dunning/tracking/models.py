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
    # "opt_out" when it is one of the profile's opt-out keywords; the next stage classifies the rest.
    kind: Mapped[str | None] = mapped_column(sa.String(24))
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


inbound_messages: sa.Table = InboundMessage.__table__  # type: ignore[assignment]
#: Personal data at rest in this domain's tables (key rotation re-encrypts them).
ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {"inbound_messages": ("sender_enc", "body_enc")}
