"""Migrations: the schema they build is the models' schema, and 0003 carries existing data over."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from dunning.core.db import alembic_config, dispose_engines, make_engine, migrate, normalise_url
from dunning.models import metadata
from tests.conftest import BACKEND, PG_ADMIN_URL

T = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def test_the_migrated_schema_is_the_models_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_records_are_never_deleted_by_cascade(engine: Engine) -> None:
    inspector = sa.inspect(engine)
    restrict = {
        ("messages", "debtors"),
        ("message_events", "messages"),
        ("compliance_violations", "messages"),
        ("message_accounts", "accounts"),
        ("event_log", "debtors"),
        ("promises", "debtors"),
        ("tasks", "debtors"),
        ("task_notes", "tasks"),
        ("payment_attributions", "messages"),
    }
    found = set()
    for table, referred in restrict:
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] == referred:
                assert (fk.get("options") or {}).get("ondelete", "").upper() == "RESTRICT", (table, fk)
                found.add((table, referred))
    assert found == restrict


@pytest.fixture
def at_0002(tmp_path: object) -> Iterator[str]:
    """A fresh database migrated only to 0002 (what an install of issue 3 has)."""
    if BACKEND == "postgresql":
        name = f"dunning_mig_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{tmp_path}/old.db"
    cfg = alembic_config(url)
    with sa.create_engine(normalise_url(url)).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    yield url
    dispose_engines()
    if BACKEND == "postgresql":
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _old_rows(conn: sa.Connection) -> dict[str, int]:
    def insert(table: str, **values: object) -> int:
        cols = ", ".join(values)
        marks = ", ".join(f":{k}" for k in values)
        return int(
            conn.execute(
                sa.text(f"INSERT INTO {table} ({cols}) VALUES ({marks}) RETURNING id"), values
            ).scalar_one()
        )

    stamp = T.replace(tzinfo=None) if conn.dialect.name == "sqlite" else T
    debtor = insert(
        "debtors", external_id="D1", name_enc=b"x", name_masked="张*", time_zones="Asia/Shanghai",
        created_at=stamp, updated_at=stamp,
    )  # fmt: skip
    flags = dict.fromkeys(("dispute", "complaint", "bankrupt", "deceased", "time_barred", "opt_out"), False)
    accounts = [
        insert(
            "accounts", external_id=f"A{i}", debtor_id=debtor, currency="CNY", outstanding_minor=100,
            paid_minor=0, due_date=date(2026, 11, 20), status="open", created_at=stamp, updated_at=stamp,
            **flags,
        )
        for i in range(2)
    ]  # fmt: skip
    base = {
        "plan_run": "old", "debtor_id": debtor, "slot_date": date(2026, 11, 28), "strategy_id": "s",
        "segment_id": "g", "step_id": "1", "arm": "champion", "probability": 1.0, "template_id": "t",
        "template_version": 1, "amount_minor": 100, "currency": "CNY", "days_past_due": 8, "bucket": "8-15",
        "body": "b", "encoding": "UCS-2", "segments": 1, "scheduled_at": stamp, "window_end": stamp,
        "created_at": stamp, "updated_at": stamp,
    }  # fmt: skip
    ids = {}
    for key, status, submitted, events in (
        ("lapsed", "expired", None, ["queued", "expired"]),  # window closed in the outbox
        ("receipt_expired", "expired", stamp, ["queued", "claimed", "submitting", "submitted", "expired"]),
        ("refused", "failed", None, ["queued", "claimed", "submitting", "failed"]),  # provider refused
        ("reconciled_failed", "failed", None, ["queued", "claimed", "submitting", "unknown", "failed"]),
        ("delivered", "delivered", stamp, ["queued", "claimed", "submitting", "submitted", "delivered"]),
    ):
        covered = accounts if key == "delivered" else accounts[:1]
        mid = insert(
            "messages", plan_key=key, status=status, submitted_at=submitted,
            account_ids=",".join(str(a) for a in covered), **base,
        )  # fmt: skip
        for event in events:
            insert("message_events", message_id=mid, event=event, at=stamp, actor="old")
        ids[key] = mid
    insert(
        "compliance_violations", message_id=ids["delivered"], stage="plan", rule="r", category="c",
        legal_basis="b", reason_zh="z", reason_en="e", decided_at=stamp,
    )  # fmt: skip
    ids["account0"], ids["account1"] = accounts
    return ids


def test_0003_carries_data_over(at_0002: str) -> None:
    engine = make_engine(at_0002)
    with engine.begin() as conn:
        ids = _old_rows(conn)
        events_before = conn.execute(sa.text("SELECT count(*) FROM message_events")).scalar_one()
    migrate(at_0002)
    with engine.connect() as conn:
        status = dict(conn.execute(sa.text("SELECT plan_key, status FROM messages")).all())
        assert status == {
            "lapsed": "lapsed",
            "receipt_expired": "expired",
            "refused": "refused",
            "reconciled_failed": "failed",
            "delivered": "delivered",
        }
        # Two appended events (never rewritten), so the status is still the latest event's name.
        assert conn.execute(sa.text("SELECT count(*) FROM message_events")).scalar_one() == events_before + 2
        latest = dict(
            conn.execute(
                sa.text(
                    "SELECT m.plan_key, e.event FROM messages m JOIN message_events e ON e.id = "
                    "(SELECT max(id) FROM message_events WHERE message_id = m.id)"
                )
            ).all()
        )
        assert latest == status
        links = sorted(
            tuple(r) for r in conn.execute(sa.text("SELECT message_id, account_id FROM message_accounts"))
        )
        assert (ids["delivered"], ids["account0"]) in links and (ids["delivered"], ids["account1"]) in links
        assert len(links) == 6
        columns = {c["name"] for c in sa.inspect(conn).get_columns("messages")}
        assert "account_ids" not in columns
        assert conn.execute(sa.text("SELECT count(*) FROM compliance_violations")).scalar_one() == 1
        parked = {c["name"] for c in sa.inspect(conn).get_columns("parked_receipts")}
        assert "id_format" in parked
