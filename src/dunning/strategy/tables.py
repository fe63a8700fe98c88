"""The strategy domain's table: versions of the strategy file proposed through the API or dashboard.

The active strategy is the YAML file (``strategy.yaml``); a proposal is stored here with its full
text until a supervisor or compliance officer approves it, which writes it to the file.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["ExperimentAssignment", "StrategyVersion", "experiment_assignments", "strategy_versions"]


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


class ExperimentAssignment(Base):
    """A debtor's arm in an experiment, from the first plan that saw them (held-out debtors too:
    they are what the arms are compared with)."""

    __tablename__ = "experiment_assignments"
    __table_args__ = (sa.UniqueConstraint("experiment_id", "debtor_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    experiment_id: Mapped[str] = mapped_column(sa.String(64))
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id", ondelete="RESTRICT"), index=True)
    arm: Mapped[str] = mapped_column(sa.String(64))
    probability: Mapped[float] = mapped_column(sa.Float)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


experiment_assignments: sa.Table = ExperimentAssignment.__table__  # type: ignore[assignment]
