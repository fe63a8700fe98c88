"""All SQL of experiment assignments: who is in which arm, with what probability, since when."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from dunning.core.db import chunks
from dunning.core.frames import read_frame
from dunning.strategy.tables import experiment_assignments

__all__ = ["assignments_frame", "record_assignments"]


def record_assignments(conn: Connection, experiment_id: str, rows: pl.DataFrame, now: datetime) -> int:
    """Record ``debtor_pk, arm, probability`` rows not recorded yet (a debtor keeps the first)."""
    if rows.is_empty():
        return 0
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
        experiment_assignments
    )
    added = 0
    records = [
        {
            "experiment_id": experiment_id,
            "debtor_id": int(d),
            "arm": str(a),
            "probability": float(p),
            "assigned_at": now,
        }
        for d, a, p in rows.select("debtor_pk", "arm", "probability").unique("debtor_pk").iter_rows()
    ]
    for chunk in chunks(records, 2000):
        result = conn.execute(
            insert.values(list(chunk)).on_conflict_do_nothing(index_elements=["experiment_id", "debtor_id"])
        )
        added += int(result.rowcount or 0)
    return added


def assignments_frame(conn: Connection, experiment_id: str) -> pl.DataFrame:
    """``debtor_pk, arm, probability, assigned_at`` of one experiment."""
    t = experiment_assignments.c
    return read_frame(
        conn,
        sa.select(t.debtor_id.label("debtor_pk"), t.arm, t.probability, t.assigned_at).where(
            t.experiment_id == experiment_id
        ),
        schema={
            "debtor_pk": pl.Int64(),
            "arm": pl.String(),
            "probability": pl.Float64(),
            "assigned_at": pl.Datetime("us", "UTC"),
        },
    )
