"""Compliance decisions: one row per violation that blocked a message, at plan or submit time."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime


class ComplianceViolation(Base):
    __tablename__ = "compliance_violations"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(8))  # plan | submit
    rule: Mapped[str] = mapped_column(sa.String(48), index=True)
    category: Mapped[str] = mapped_column(sa.String(48))
    legal_basis: Mapped[str] = mapped_column(sa.Text)
    reason_zh: Mapped[str] = mapped_column(sa.Text)
    reason_en: Mapped[str] = mapped_column(sa.Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
