"""The jobs table: one row per background job, updated as it runs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["Job", "jobs"]


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))  # import.debtors | import.payments | … | send
    status: Mapped[str] = mapped_column(sa.String(12))  # queued | running | done | failed
    subject: Mapped[str] = mapped_column(sa.String(255))  # file name, or what the job works on
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    total: Mapped[int | None] = mapped_column(sa.Integer)
    done: Mapped[int] = mapped_column(sa.Integer, default=0)
    result: Mapped[str | None] = mapped_column(sa.Text)  # JSON: the row report, the run summary
    error: Mapped[str | None] = mapped_column(sa.Text)  # JSON: {code, zh, en}
    created_by: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


jobs: sa.Table = Job.__table__  # type: ignore[assignment]
