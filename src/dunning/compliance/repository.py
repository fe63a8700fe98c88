"""All SQL of the compliance domain: recording the gate's decisions."""

from __future__ import annotations

import polars as pl
from sqlalchemy.engine import Connection

from dunning.compliance.models import ComplianceViolation
from dunning.core.frames import insert_frame

__all__ = ["record_violations"]

_COLUMNS = ("message_id", "stage", "rule", "category", "legal_basis", "reason_zh", "reason_en", "decided_at")


def record_violations(conn: Connection, records: pl.DataFrame) -> int:
    """Insert rows made by ``violation_records(..., key="message_id")``; returns how many.

    Set-based (COPY on PostgreSQL, executemany on SQLite); the caller's transaction commits them
    together with the messages they explain.
    """
    insert_frame(conn, ComplianceViolation.__tablename__, records.select(_COLUMNS))
    return records.height
