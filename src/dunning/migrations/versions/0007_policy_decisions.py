"""The adaptive policy's decision log (issue 10): every choice with its probability.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("plan_run", sa.String(length=40), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("arm", sa.String(length=64), nullable=False),
        sa.Column("context", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=96), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("p_send", sa.Float(), nullable=False),
        sa.Column("rules_send", sa.Boolean(), nullable=False),
        sa.Column("features", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["debtor_id"],
            ["debtors.id"],
            name=op.f("fk_policy_decisions_debtor_id_debtors"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_decisions")),
    )
    with op.batch_alter_table("policy_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_decisions_decided_at"), ["decided_at"], unique=False)
        batch_op.create_index("ix_policy_decisions_debtor_decided", ["debtor_id", "decided_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("policy_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_policy_decisions_debtor_decided")
        batch_op.drop_index(batch_op.f("ix_policy_decisions_decided_at"))
    op.drop_table("policy_decisions")
