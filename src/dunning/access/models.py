"""Operators: the people (and integrations) every act is recorded against, each with one role."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["Operator", "operators"]


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(128))
    role: Mapped[str] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


operators: sa.Table = Operator.__table__  # type: ignore[assignment]
