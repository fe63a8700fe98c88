"""The return path (issue 8): promises, tasks, attribution, reply intents, reassembly and dedup.

- ``promises``, ``tasks`` + ``task_notes``, ``payment_attributions``: new domains' tables.
- ``inbound_parts``: parts of concatenated replies waiting for the rest.
- ``inbound_messages``: the intent (``kind`` held only "opt_out"; it becomes ``intent``), its
  confidence, every intent found, the actions taken, the replying contact, and what recognises a
  retried delivery (provider reference, keyed hash of the text). Existing rows get an empty hash:
  they are never compared with new ones after the minutes the dedup window covers.
- ``contacts.invalid_at`` (wrong number) and ``messages.kind`` (collection, confirmations, help
  answers, payment-received notes).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 17:14:11
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("sender_hash", sa.String(length=64), nullable=False),
        sa.Column("sender_enc", sa.LargeBinary(), nullable=False),
        sa.Column("recipient", sa.String(length=32), nullable=True),
        sa.Column("reference", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("body_enc", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_parts")),
        sa.UniqueConstraint(
            "provider",
            "sender_hash",
            "reference",
            "total",
            "seq",
            name=op.f("uq_inbound_parts_provider_sender_hash_reference_total_seq"),
        ),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=48), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("open_key", sa.String(length=160), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_tasks_contact_id_contacts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtors.id"], name=op.f("fk_tasks_debtor_id_debtors"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("open_key", name=op.f("uq_tasks_open_key")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_debtor_id"), ["debtor_id"], unique=False)
        batch_op.create_index("ix_tasks_queue_status_due", ["queue", "status", "due_at"], unique=False)

    op.create_table(
        "payment_attributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("first_touch", sa.Boolean(), nullable=False),
        sa.Column("last_touch", sa.Boolean(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_days", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("strategy_id", sa.String(length=64), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_payment_attributions_message_id_messages"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_attributions_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_attributions")),
        sa.UniqueConstraint(
            "payment_id", "message_id", name=op.f("uq_payment_attributions_payment_id_message_id")
        ),
    )
    with op.batch_alter_table("payment_attributions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_attributions_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_attributions_payment_id"), ["payment_id"], unique=False)

    op.create_table(
        "promises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("target_minor", sa.BigInteger(), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("check_date", sa.Date(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtors.id"], name=op.f("fk_promises_debtor_id_debtors"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_messages.id"],
            name=op.f("fk_promises_inbound_id_inbound_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promises")),
    )
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promises_debtor_id"), ["debtor_id"], unique=False)
        batch_op.create_index("ix_promises_status_check", ["status", "check_date"], unique=False)

    op.create_table(
        "task_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("body_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_notes_task_id_tasks"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_notes")),
    )
    with op.batch_alter_table("task_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_notes_task_id"), ["task_id"], unique=False)

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invalid_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("intent", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("intents", sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column("action", sa.String(length=160), nullable=True))
        batch_op.add_column(sa.Column("provider_reference", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("body_hash", sa.String(length=64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("parts", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_index(batch_op.f("ix_inbound_messages_intent"), ["intent"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_inbound_messages_contact_id_contacts"),
            "contacts",
            ["contact_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        "UPDATE inbound_messages SET intent = kind, confidence = 1.0, action = 'opt_out' "
        "WHERE kind IS NOT NULL"
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=24), server_default="collection", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("kind")

    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.VARCHAR(length=24), nullable=True))
    op.execute("UPDATE inbound_messages SET kind = intent WHERE intent = 'opt_out'")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_inbound_messages_contact_id_contacts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_inbound_messages_intent"))
        batch_op.drop_column("parts")
        batch_op.drop_column("body_hash")
        batch_op.drop_column("provider_reference")
        batch_op.drop_column("action")
        batch_op.drop_column("intents")
        batch_op.drop_column("confidence")
        batch_op.drop_column("intent")
        batch_op.drop_column("contact_id")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("invalid_at")

    with op.batch_alter_table("task_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_notes_task_id"))

    op.drop_table("task_notes")
    with op.batch_alter_table("promises", schema=None) as batch_op:
        batch_op.drop_index("ix_promises_status_check")
        batch_op.drop_index(batch_op.f("ix_promises_debtor_id"))

    op.drop_table("promises")
    with op.batch_alter_table("payment_attributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_attributions_payment_id"))
        batch_op.drop_index(batch_op.f("ix_payment_attributions_message_id"))

    op.drop_table("payment_attributions")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_queue_status_due")
        batch_op.drop_index(batch_op.f("ix_tasks_debtor_id"))

    op.drop_table("tasks")
    op.drop_table("inbound_parts")
