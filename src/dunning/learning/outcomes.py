"""What followed each decision: did the debtor pay within the horizon, how much, and did they
complain or opt out. Pure: the flows pass the payments and replies frames in."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

__all__ = ["HARM_INTENTS", "attach_outcomes"]

#: Replies that count against a message (the debtor is worse off and so is the lender).
HARM_INTENTS = ("complaint", "opt_out")

#: A decision younger than this has seen too little of what followed to teach anything.
MIN_AGE = timedelta(hours=12)


def attach_outcomes(
    decisions: pl.DataFrame,
    payments: pl.DataFrame,
    intents: pl.DataFrame,
    *,
    horizon_days: int,
    now: datetime,
) -> pl.DataFrame:
    """``decisions`` (learning.repository schema) old enough to learn from, with ``paid`` (0/1),
    ``paid_minor``, ``harm`` (0/1) and ``observed`` (share of the horizon that has passed).

    ``payments``: ``debtor_pk, amount_minor, paid_at``; ``intents``: ``debtor_pk, intent, received_at``.
    """
    horizon = timedelta(days=horizon_days)
    ripe = decisions.filter(pl.col("decided_at") <= now - MIN_AGE)
    if ripe.is_empty():
        return ripe.with_columns(
            paid=pl.lit(0.0), paid_minor=pl.lit(0, pl.Int64), harm=pl.lit(0.0), observed=pl.lit(0.0)
        )
    keys = ripe.select("decision_id", "debtor_pk", "decided_at")
    paid = (
        keys.join(payments, on="debtor_pk", how="inner")
        .filter(
            (pl.col("paid_at") > pl.col("decided_at")) & (pl.col("paid_at") <= pl.col("decided_at") + horizon)
        )
        .group_by("decision_id")
        .agg(paid_minor=pl.col("amount_minor").sum())
    )
    harmed = (
        keys.join(intents.filter(pl.col("intent").is_in(HARM_INTENTS)), on="debtor_pk", how="inner")
        .filter(
            (pl.col("received_at") > pl.col("decided_at"))
            & (pl.col("received_at") <= pl.col("decided_at") + horizon)
        )
        .select("decision_id")
        .unique()
        .with_columns(harm=pl.lit(1.0))
    )
    elapsed = (pl.lit(now) - pl.col("decided_at")).dt.total_seconds() / horizon.total_seconds()
    return (
        ripe.join(paid, on="decision_id", how="left")
        .join(harmed, on="decision_id", how="left")
        .with_columns(
            paid_minor=pl.col("paid_minor").fill_null(0),
            harm=pl.col("harm").fill_null(0.0),
            observed=elapsed.clip(0.0, 1.0),
        )
        .with_columns(paid=(pl.col("paid_minor") > 0).cast(pl.Float64))
    )
