"""Promises to pay: what a debtor said they would pay and by when, and how it turned out.

A promise comes from a reply (``source='reply'``, ``inbound_id``) or from an operator closing a task
with the outcome PTP (``source='task'``). While it is pending the debtor is held (``hold_id``) until
``check_date`` (the promised date plus grace, or the follow-up date of a vague promise); then the
payments imported since the promise settle it as kept, partly kept or broken.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["Promise", "promises"]


class Promise(Base):
    __tablename__ = "promises"
    __table_args__ = (sa.Index("ix_promises_status_check", "status", "check_date"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id", ondelete="RESTRICT"), index=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    # What the debtor said, when they named an amount; None: "I'll pay" without one.
    amount_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    # What the promise is judged against: the amount said, else the balance when it was made.
    target_minor: Mapped[int] = mapped_column(sa.BigInteger)
    promised_date: Mapped[date | None] = mapped_column(sa.Date)  # None: vague ("过两天", "when I get paid")
    check_date: Mapped[date] = mapped_column(sa.Date)  # local date from which it is settled
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    # pending | kept | partly_kept | broken | replaced
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    paid_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    source: Mapped[str] = mapped_column(sa.String(16))  # reply | task
    inbound_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inbound_messages.id", ondelete="SET NULL"))
    task_id: Mapped[int | None] = mapped_column(sa.Integer)
    hold_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


promises: sa.Table = Promise.__table__  # type: ignore[assignment]
