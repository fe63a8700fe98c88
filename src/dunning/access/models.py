"""Operators: the people (and integrations) every act is recorded against, each with one role."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["ApiKey", "IdempotencyKey", "Operator", "api_keys", "idempotency_keys", "operators"]


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(128))
    role: Mapped[str] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


operators: sa.Table = Operator.__table__  # type: ignore[assignment]


class ApiKey(Base):
    """An API key of one operator. Only a hash of the secret is kept: the key is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    operator_id: Mapped[int] = mapped_column(sa.ForeignKey("operators.id", ondelete="RESTRICT"), index=True)
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)  # public part, shown in lists
    secret_hash: Mapped[str] = mapped_column(sa.String(128))  # SHA-256 of the secret part (32 random bytes)
    label: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(64))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(sa.String(64))


class IdempotencyKey(Base):
    """The first answer to a create request with an ``Idempotency-Key``: a retry gets it again."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("api_key_id", "key"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    api_key_id: Mapped[int] = mapped_column(sa.ForeignKey("api_keys.id", ondelete="RESTRICT"))
    key: Mapped[str] = mapped_column(sa.String(128))
    request_hash: Mapped[str] = mapped_column(sa.String(64))  # method, path and body: a reuse must match
    status_code: Mapped[int] = mapped_column(sa.Integer)
    response: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


api_keys: sa.Table = ApiKey.__table__  # type: ignore[assignment]
idempotency_keys: sa.Table = IdempotencyKey.__table__  # type: ignore[assignment]
