"""Recording the gate's decisions in compliance_violations, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import sqlalchemy as sa
from compliance_texts import CN_OK, cn_with
from sqlalchemy.engine import Engine

from dunning.compliance import ComplianceProfile, evaluate, record_violations, violation_records
from dunning.compliance.models import ComplianceViolation
from dunning.core.db import unit_of_work
from dunning.portfolio.models import Debtor
from dunning.sending.models import Message

NOW = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def _messages(conn: sa.Connection, bodies: list[str]) -> list[int]:
    conn.execute(
        sa.insert(Debtor.__table__),
        [
            {
                "external_id": "D1",
                "name_enc": b"x",
                "name_masked": "张*",
                "time_zones": "Asia/Shanghai",
                "region": None,
                "created_at": NOW,
                "updated_at": NOW,
            }
        ],
    )
    debtor_id = conn.execute(sa.select(Debtor.__table__.c.id)).scalar_one()
    rows = [
        {
            "plan_key": f"D1:2026-11-28:{i}",
            "plan_run": "test",
            "debtor_id": debtor_id,
            "contact_id": None,
            "slot_date": date(2026, 11, 28),
            "strategy_id": "s",
            "segment_id": "g",
            "step_id": "1",
            "arm": "champion",
            "probability": 1.0,
            "template_id": "t",
            "template_version": 1,
            "account_ids": "1",
            "amount_minor": 345678,
            "currency": "CNY",
            "days_past_due": 15,
            "bucket": "8-15",
            "body": body,
            "encoding": "UCS-2",
            "segments": 1,
            "scheduled_at": NOW,
            "window_end": NOW,
            "status": "blocked",
            "created_at": NOW,
            "updated_at": NOW,
        }
        for i, body in enumerate(bodies)
    ]
    conn.execute(sa.insert(Message.__table__), rows)
    return list(conn.execute(sa.select(Message.__table__.c.id).order_by("id")).scalars())


def test_record_violations(engine: Engine, cn: ComplianceProfile) -> None:
    bodies = [CN_OK, cn_with("后果自负，加微信。")]
    with unit_of_work(engine) as conn:
        ids = _messages(conn, bodies)
        frame = pl.DataFrame({"message_id": ids, "body": bodies, "paid": [False, True]})
        records = violation_records(evaluate(frame, cn), cn, "submit", NOW)
        assert record_violations(conn, records) == 3
    table = ComplianceViolation.__table__
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(
                table.c.message_id, table.c.stage, table.c.rule, table.c.reason_zh, table.c.decided_at
            ).order_by(table.c.id)
        ).all()
    assert [(r.message_id, r.rule) for r in stored] == [
        (ids[1], "status.paid"),
        (ids[1], "content.intimidation"),
        (ids[1], "content.private_channel"),
    ]
    assert {r.stage for r in stored} == {"submit"}
    assert all(r.reason_zh for r in stored)
    assert {
        r.decided_at.replace(tzinfo=UTC) if r.decided_at.tzinfo is None else r.decided_at for r in stored
    } == {NOW}
