"""The event log: one append-only table for every fact that is not a message event."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["LoggedEvent", "event_log"]


class LoggedEvent(Base):
    """Never updated or deleted; ``id`` is the total order (docs/decisions/0012-event-log.md)."""

    __tablename__ = "event_log"
    __table_args__ = (sa.Index("ix_event_log_kind_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the fact happened (the command's --now)
    kind: Mapped[str] = mapped_column(sa.String(48))
    actor: Mapped[str] = mapped_column(sa.String(128))  # an operator's name, or a component
    # The debtor the fact is about, if any; RESTRICT: the log outlives nothing it names by accident.
    debtor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("debtors.id", ondelete="RESTRICT"), index=True
    )
    subject: Mapped[str | None] = mapped_column(sa.String(200))  # file name, template#version, …
    detail: Mapped[str | None] = mapped_column(sa.Text)  # compact JSON, no personal data in clear
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)  # wall clock of the write


event_log: sa.Table = LoggedEvent.__table__  # type: ignore[assignment]
