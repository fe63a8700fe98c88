"""Portfolio tables: debtors, their contacts, accounts, payments, and holds.

Names and phone numbers are stored only encrypted (``*_enc``) plus a masked form for display and a
keyed hash for look-ups. Money is integer minor units with an ISO currency.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime
from dunning.portfolio.columns import FLAGS, RELATIONS, STATE_FLAGS

__all__ = [
    "ENCRYPTED_COLUMNS",
    "FLAGS",
    "RELATIONS",
    "STATE_FLAGS",
    "Account",
    "Contact",
    "Debtor",
    "DebtorHold",
    "Payment",
]

#: Personal data at rest in this domain's tables (key rotation re-encrypts them).
ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {"debtors": ("name_enc",), "contacts": ("phone_enc",)}


class Debtor(Base):
    __tablename__ = "debtors"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    name_masked: Mapped[str] = mapped_column(sa.String(32))
    # Candidate IANA zones, comma-separated; the send window is their intersection.
    time_zones: Mapped[str] = mapped_column(sa.String(200))
    region: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (sa.UniqueConstraint("debtor_id", "phone_hash"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id", ondelete="CASCADE"), index=True)
    phone_enc: Mapped[bytes] = mapped_column(sa.LargeBinary)
    phone_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    phone_masked: Mapped[str] = mapped_column(sa.String(32))
    relation: Mapped[str] = mapped_column(sa.String(16))
    verified: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # True for the number given on the account record (the debtor's number of record).
    primary: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person at this number said it is not the debtor's ("wrong number"): never again.
    invalid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id", ondelete="CASCADE"), index=True)
    product: Mapped[str | None] = mapped_column(sa.String(64))
    currency: Mapped[str] = mapped_column(sa.String(3))
    principal_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    outstanding_minor: Mapped[int] = mapped_column(sa.BigInteger)
    paid_minor: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    due_date: Mapped[date] = mapped_column(sa.Date)
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    region: Mapped[str | None] = mapped_column(sa.String(16))
    risk_score: Mapped[float | None] = mapped_column(sa.Float)
    dispute: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    complaint: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    bankrupt: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    deceased: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    time_barred: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    opt_out: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # open | partially_paid | paid
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DebtorHold(Base):
    """A pause on contact with a reason and an optional expiry (PTP, hardship, manual review)."""

    __tablename__ = "debtor_holds"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(32))
    note: Mapped[str | None] = mapped_column(sa.Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(sa.String(64))
