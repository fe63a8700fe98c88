"""The learning domain's table: every choice a policy made for a debtor, with its probability.

One row per debtor and plan: what the policy did (``skip`` or ``template@window``), the probability
it had of doing exactly that, its probability of sending at all, and the features it saw. Rewards
are not stored: they are read later from payments and replies, so a late payment still counts.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dunning.core.db import Base, UTCDateTime

__all__ = ["PolicyDecision", "policy_decisions"]


class PolicyDecision(Base):
    __tablename__ = "policy_decisions"
    __table_args__ = (sa.Index("ix_policy_decisions_debtor_decided", "debtor_id", "decided_at"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    plan_run: Mapped[str] = mapped_column(sa.String(40))
    debtor_id: Mapped[int] = mapped_column(sa.ForeignKey("debtors.id", ondelete="RESTRICT"))
    policy: Mapped[str] = mapped_column(sa.String(16))  # rules | adaptive | oracle
    arm: Mapped[str] = mapped_column(sa.String(64))
    context: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(96))  # "skip" or "<template>@<HH:MM-HH:MM>"
    probability: Mapped[float] = mapped_column(sa.Float)  # of this action
    p_send: Mapped[float] = mapped_column(sa.Float)  # of sending anything
    rules_send: Mapped[bool] = mapped_column(sa.Boolean)  # would the rules cadence have sent today?
    features: Mapped[str] = mapped_column(sa.Text)  # JSON object, FEATURES of learning.features


policy_decisions: sa.Table = PolicyDecision.__table__  # type: ignore[assignment]
