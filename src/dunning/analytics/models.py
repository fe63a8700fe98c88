"""Attribution of payments to the messages before them: which message brought the money back.

Written when payments are recorded (:func:`dunning.flows.record_payments`): each payment is linked to
the messages delivered to its debtor in the window before it; the first of them is the first touch,
the last the last touch (one message alone is both). Template, strategy and step are copied from the
message so the report groups without joining the message tables.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["PaymentAttribution", "payment_attributions"]


class PaymentAttribution(Base):
    __tablename__ = "payment_attributions"
    __table_args__ = (sa.UniqueConstraint("payment_id", "message_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id", ondelete="RESTRICT"), index=True)
    first_touch: Mapped[bool] = mapped_column(sa.Boolean)
    last_touch: Mapped[bool] = mapped_column(sa.Boolean)
    amount_minor: Mapped[int] = mapped_column(sa.BigInteger)  # the payment's amount
    currency: Mapped[str] = mapped_column(sa.String(3))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_days: Mapped[int] = mapped_column(sa.Integer)
    template_id: Mapped[str] = mapped_column(sa.String(64))
    strategy_id: Mapped[str] = mapped_column(sa.String(64))
    step_id: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


payment_attributions: sa.Table = PaymentAttribution.__table__  # type: ignore[assignment]
