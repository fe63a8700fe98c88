"""All SQL of the decision log."""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.db import chunks
from dunning.core.frames import read_frame
from dunning.learning.tables import policy_decisions

__all__ = ["DECISION_SCHEMA", "decisions_frame", "record_decisions"]

DECISION_SCHEMA: dict[str, pl.DataType] = {
    "decision_id": pl.Int64(),
    "decided_at": pl.Datetime("us", "UTC"),
    "debtor_pk": pl.Int64(),
    "policy": pl.String(),
    "arm": pl.String(),
    "context": pl.String(),
    "action": pl.String(),
    "probability": pl.Float64(),
    "p_send": pl.Float64(),
    "rules_send": pl.Boolean(),
    "features": pl.String(),
}

_COLUMNS = ("debtor_pk", "policy", "arm", "context", "action", "probability", "p_send", "rules_send")


def record_decisions(
    conn: Connection, decisions: pl.DataFrame, features: pl.DataFrame, *, plan_run: str, now: datetime
) -> int:
    """Store one row per decision (``decisions`` has :data:`_COLUMNS`; ``features`` the same rows'
    feature columns, stored as JSON)."""
    if decisions.is_empty():
        return 0
    feature_json = [json.dumps(row, separators=(",", ":")) for row in features.to_dicts()]
    rows = [
        {
            "decided_at": now,
            "plan_run": plan_run,
            "debtor_id": int(d),
            "policy": str(pol),
            "arm": str(arm),
            "context": str(ctx)[:64],
            "action": str(act)[:96],
            "probability": float(p),
            "p_send": float(ps),
            "rules_send": bool(rs),
            "features": fj,
        }
        for (d, pol, arm, ctx, act, p, ps, rs), fj in zip(
            decisions.select(_COLUMNS).iter_rows(), feature_json, strict=True
        )
    ]
    for chunk in chunks(rows, 2000):
        conn.execute(policy_decisions.insert(), list(chunk))
    return len(rows)


def decisions_frame(conn: Connection, since: datetime, *, policy: str | None = None) -> pl.DataFrame:
    """Decisions from ``since`` on (:data:`DECISION_SCHEMA`), oldest first."""
    t = policy_decisions.c
    query = (
        sa.select(
            t.id,
            t.decided_at,
            t.debtor_id,
            t.policy,
            t.arm,
            t.context,
            t.action,
            t.probability,
            t.p_send,
            t.rules_send,
            t.features,
        )
        .where(t.decided_at >= since)
        .order_by(t.id)
    )
    if policy is not None:
        query = query.where(t.policy == policy)
    return read_frame(conn, query, schema=DECISION_SCHEMA)
