"""Which messages brought a payment back: first- and last-touch attribution within a window.

A payment is attributed to the collection reminders delivered to its debtor in the ``window`` before
it (delivery time ≤ payment time); the earliest of them is its first touch, the latest its last touch.
A payment with no delivered reminder in the window is unattributed (it would have come anyway, as
far as the data can tell; the holdout of the next issue measures that properly).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.analytics.models import payment_attributions
from dunning.core.frames import UTC_DATETIME, insert_frame

__all__ = ["attribute", "recovered_between", "store_attributions"]


def attribute(payments: pl.DataFrame, deliveries: pl.DataFrame, window: timedelta) -> pl.DataFrame:
    """Pairs (payment, message) with ``first_touch``/``last_touch``.

    ``payments``: ``payment_pk, debtor_pk, amount_minor, currency, paid_at``; ``deliveries``:
    ``message_pk, debtor_pk, delivered_at, template_id, strategy_id, step_id``.
    """
    pairs = (
        payments.join(deliveries, on="debtor_pk", how="inner")
        .filter(
            (pl.col("delivered_at") <= pl.col("paid_at"))
            & (pl.col("delivered_at") > pl.col("paid_at") - pl.duration(seconds=window.total_seconds()))
        )
        .sort("payment_pk", "delivered_at", "message_pk")
    )
    return pairs.with_columns(
        (pl.col("message_pk") == pl.col("message_pk").first().over("payment_pk")).alias("first_touch"),
        (pl.col("message_pk") == pl.col("message_pk").last().over("payment_pk")).alias("last_touch"),
    )


def store_attributions(conn: Connection, pairs: pl.DataFrame, window: timedelta, now: datetime) -> int:
    """Write the pairs; a payment attributed before (a re-import changed it) is attributed afresh."""
    if pairs.is_empty():
        return 0
    ids = pairs["payment_pk"].unique().to_list()
    conn.execute(payment_attributions.delete().where(payment_attributions.c.payment_id.in_(ids)))
    rows = pairs.select(
        pl.col("payment_pk").alias("payment_id"),
        pl.col("message_pk").alias("message_id"),
        "first_touch",
        "last_touch",
        "amount_minor",
        "currency",
        "paid_at",
        "delivered_at",
        pl.lit(window.days, dtype=pl.Int32).alias("window_days"),
        "template_id",
        "strategy_id",
        "step_id",
        pl.lit(now, UTC_DATETIME).alias("created_at"),
    )
    insert_frame(conn, payment_attributions.name, rows)
    return rows.height


def recovered_between(conn: Connection, start: datetime, end: datetime) -> dict[str, Any]:
    """Attributed amounts of payments made in [start, end): by last touch per template and per
    strategy step, the first-touch total, and how many payments were attributed."""
    t = payment_attributions.c
    in_range = sa.and_(t.paid_at >= start, t.paid_at < end)

    def grouped(*keys: sa.ColumnElement[Any], touch: sa.ColumnElement[bool]) -> list[Mapping[str, Any]]:
        query = (
            sa.select(
                *keys, t.currency, sa.func.sum(t.amount_minor).label("amount"), sa.func.count().label("n")
            )
            .where(in_range, touch)
            .group_by(*keys, t.currency)
            .order_by(*keys, t.currency)
        )
        return [dict(row._mapping) for row in conn.execute(query)]

    by_template = grouped(t.template_id, touch=t.last_touch)
    by_step = grouped(t.strategy_id, t.step_id, touch=t.last_touch)
    first = grouped(touch=t.first_touch)
    last = grouped(touch=t.last_touch)
    return {
        "last_touch": {r["currency"]: int(r["amount"]) for r in last},
        "first_touch": {r["currency"]: int(r["amount"]) for r in first},
        "payments_attributed": sum(int(r["n"]) for r in last),
        "by_template": [
            {"template_id": r["template_id"], "currency": r["currency"], "amount_minor": int(r["amount"]),
             "payments": int(r["n"])}
            for r in by_template
        ],
        "by_step": [
            {"strategy_id": r["strategy_id"], "step_id": r["step_id"], "currency": r["currency"],
             "amount_minor": int(r["amount"]), "payments": int(r["n"])}
            for r in by_step
        ],
    }  # fmt: skip
