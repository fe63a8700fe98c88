"""The strategy domain's table: versions of the strategy file proposed through the API or dashboard.

The active strategy is the YAML file (``strategy.yaml``); a proposal is stored here with its full
text until a supervisor or compliance officer approves it, which writes it to the file.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["StrategyVersion", "strategy_versions"]


class StrategyVersion(Base):
    __tablename__ = "strategy_versions"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(12))  # proposed | approved | rejected
    text: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    summary: Mapped[str] = mapped_column(sa.String(255))
    proposed_by: Mapped[str] = mapped_column(sa.String(64))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(sa.String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


strategy_versions: sa.Table = StrategyVersion.__table__  # type: ignore[assignment]
