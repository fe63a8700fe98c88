"""The templates domain's tables: blocks a provider put on a template, and proposed strategy files
are elsewhere. Templates themselves live in YAML (reviewed in version control); only what happens
to them at run time is stored here."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["TemplateBlock", "template_blocks"]


class TemplateBlock(Base):
    """A provider rejected a template's content or signature: no message of it is planned or sent
    until a compliance officer releases the block (after fixing the template or the registration)."""

    __tablename__ = "template_blocks"
    __table_args__ = (sa.Index("ix_template_blocks_template", "template_id", "template_version"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    template_id: Mapped[str] = mapped_column(sa.String(64))
    template_version: Mapped[int | None] = mapped_column(sa.Integer)  # None = every version
    provider: Mapped[str] = mapped_column(sa.String(64))
    error_code: Mapped[str | None] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(255))
    blocked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[str | None] = mapped_column(sa.String(64))


template_blocks: sa.Table = TemplateBlock.__table__  # type: ignore[assignment]
