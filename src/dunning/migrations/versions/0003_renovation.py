"""The renovation (issue 4): the event log, message_accounts, unambiguous statuses, no cascades of records.

- ``event_log``: one append-only table for every fact that is not a message event.
- ``message_accounts`` replaces the comma-separated ``messages.account_ids`` (backfilled).
- ``parked_receipts.id_format``: how the provider quotes ids, so a parked receipt can be retried by a
  maintenance job that has no provider object.
- Statuses say whether a message left: ``expired``/``failed`` of a message that never left (no
  provider accepted it) become ``lapsed``/``refused``; each gets an appended event (events are
  never rewritten), so ``messages.status`` stays the projection of its latest event.
- Events, decisions and messages are no longer deleted by cascade (RESTRICT).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_RENAMED = (("expired", "lapsed"), ("failed", "refused"))


def _never_left(status: str) -> str:
    """Messages in ``status`` that never left: no provider accepted them, and none was ever unknown."""
    return (
        f"status = '{status}' AND submitted_at IS NULL AND NOT EXISTS ("
        "SELECT 1 FROM message_events e WHERE e.message_id = messages.id "
        "AND e.event IN ('submitted', 'unknown'))"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "event_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=48), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("debtor_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtors.id"], name=op.f("fk_event_log_debtor_id_debtors"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_log")),
    )
    op.create_index("ix_event_log_kind_id", "event_log", ["kind", "id"], unique=False)
    op.create_index(op.f("ix_event_log_debtor_id"), "event_log", ["debtor_id"], unique=False)

    op.create_table(
        "message_accounts",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_message_accounts_account_id_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("message_id", "account_id", name=op.f("pk_message_accounts")),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_message_accounts_account_id"), "message_accounts", ["account_id"], unique=False)
    if dialect == "sqlite":
        split = (
            "SELECT DISTINCT m.id, CAST(j.value AS INTEGER) FROM messages AS m, "
            "json_each('[' || m.account_ids || ']') AS j WHERE m.account_ids <> ''"
        )
        account = "CAST(j.value AS INTEGER)"
    else:
        split = (
            "SELECT DISTINCT m.id, CAST(x AS INTEGER) FROM messages AS m, "
            "unnest(string_to_array(m.account_ids, ',')) AS x WHERE x <> ''"
        )
        account = "CAST(x AS INTEGER)"
    op.execute(
        f"INSERT INTO message_accounts (message_id, account_id) {split} "
        f"AND EXISTS (SELECT 1 FROM accounts AS a WHERE a.id = {account})"
    )

    op.add_column(
        "parked_receipts",
        sa.Column("id_format", sa.String(length=8), nullable=False, server_default="auto"),
    )

    for old, new in _RENAMED:
        op.execute(
            "INSERT INTO message_events (message_id, event, at, actor, detail) "
            f"SELECT id, '{new}', updated_at, 'migration 0003', "
            f'\'{{"reason":"{old} before submission is now {new}"}}\' '
            f"FROM messages WHERE {_never_left(old)} ORDER BY id"
        )
        op.execute(f"UPDATE messages SET status = '{new}' WHERE {_never_left(old)}")

    # On SQLite these rebuild the tables (migrate() runs with foreign keys off, so dropping the old
    # table deletes nothing through a cascade).
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint("fk_messages_debtor_id_debtors", type_="foreignkey")
        batch.create_foreign_key(
            "fk_messages_debtor_id_debtors", "debtors", ["debtor_id"], ["id"], ondelete="RESTRICT"
        )
        batch.drop_column("account_ids")
    for table in ("message_events", "compliance_violations"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_message_id_messages", type_="foreignkey")
            batch.create_foreign_key(
                f"fk_{table}_message_id_messages", "messages", ["message_id"], ["id"], ondelete="RESTRICT"
            )


def downgrade() -> None:
    for table in ("message_events", "compliance_violations"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_message_id_messages", type_="foreignkey")
            batch.create_foreign_key(
                f"fk_{table}_message_id_messages", "messages", ["message_id"], ["id"], ondelete="CASCADE"
            )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("account_ids", sa.Text(), nullable=False, server_default=""))
        batch.drop_constraint("fk_messages_debtor_id_debtors", type_="foreignkey")
        batch.create_foreign_key(
            "fk_messages_debtor_id_debtors", "debtors", ["debtor_id"], ["id"], ondelete="CASCADE"
        )
    aggregate = (
        "group_concat(account_id, ',')"
        if op.get_bind().dialect.name == "sqlite"
        else ("string_agg(CAST(account_id AS TEXT), ',' ORDER BY account_id)")
    )
    op.execute(
        f"UPDATE messages SET account_ids = COALESCE((SELECT {aggregate} FROM message_accounts AS ma "
        "WHERE ma.message_id = messages.id), '')"
    )
    for old, new in _RENAMED:
        op.execute(f"UPDATE messages SET status = '{old}' WHERE status = '{new}'")
    op.drop_column("parked_receipts", "id_format")
    op.drop_index(op.f("ix_message_accounts_account_id"), table_name="message_accounts")
    op.drop_table("message_accounts")
    op.drop_index(op.f("ix_event_log_debtor_id"), table_name="event_log")
    op.drop_index("ix_event_log_kind_id", table_name="event_log")
    op.drop_table("event_log")
