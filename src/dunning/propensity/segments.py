"""Repayment ability × willingness (能力 × 意愿): can the debtor pay, and will they?

Both scores are in [0, 1] and are computed set-based from columns the flows attach to the Debtor
frame (:data:`HISTORY_COLUMNS`: each account's own history of payments, contact and replies):

* **ability** (能还): the lender's risk score where there is one (1 − risk), how much of the debt
  the debtor has repaid in the last 90 days, and how far behind they are; a hardship reply ("no
  job, no money") lowers it.
* **willingness** (愿还): promises kept and broken, payments, replies that engage (a promise, "I
  paid", a request for help) against replies that refuse (a complaint, a dispute, an opt-out), and
  reminders delivered without any answer or payment.

A score of 0.5 or more is *high*; the four cells are :data:`SEGMENTS`. The thresholds are fixed so
that a segment means the same thing from one day to the next; strategies select on the cells
(``when: {ability_willingness: [can_will]}``), the adaptive policy uses the scores as features.
"""

from __future__ import annotations

from typing import Final, Literal

import polars as pl

__all__ = ["HISTORY_COLUMNS", "SEGMENTS", "SEGMENT_NAMES", "Segment", "ability_willingness", "empty_history"]

Segment = Literal["can_will", "can_wont", "cant_will", "cant_wont"]
SEGMENTS: Final[tuple[Segment, ...]] = ("can_will", "can_wont", "cant_will", "cant_wont")
#: (中文, English) of each cell, for the CLI and the dashboard.
SEGMENT_NAMES: Final[dict[str, tuple[str, str]]] = {
    "can_will": ("能还愿还", "can pay, will pay"),
    "can_wont": ("能还不愿还", "can pay, will not"),
    "cant_will": ("愿还无力", "willing, cannot pay"),
    "cant_wont": ("无力且不愿", "neither"),
}

#: Per-debtor history the flows attach (0 where there is none).
HISTORY_COLUMNS: Final[dict[str, pl.DataType]] = {
    "paid_90d_minor": pl.Int64(),
    "payments_90d": pl.Int32(),
    "delivered_7d": pl.Int32(),
    "delivered_30d": pl.Int32(),
    "days_since_contact": pl.Int32(),  # days since the last reminder was planned; 99 = never
    "replies_30d": pl.Int32(),
    "engaged_replies_30d": pl.Int32(),  # promise, paid, help
    "refusals_30d": pl.Int32(),  # complaint, dispute, opt-out
    "hardship_30d": pl.Int32(),
    "promises_kept": pl.Int32(),
    "promises_broken": pl.Int32(),
}

_NEVER = 99


def empty_history(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every history column present and filled (zeros; never contacted)."""
    missing = [c for c in HISTORY_COLUMNS if c not in frame.columns]
    frame = frame.with_columns(
        pl.lit(_NEVER if c == "days_since_contact" else 0, dtype=HISTORY_COLUMNS[c]).alias(c) for c in missing
    )
    return frame.with_columns(
        pl.col(c).fill_null(_NEVER if c == "days_since_contact" else 0).cast(t)
        for c, t in HISTORY_COLUMNS.items()
    )


def _clip(expr: pl.Expr) -> pl.Expr:
    return expr.clip(0.0, 1.0)


def ability_willingness(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``ability``, ``willingness`` (scores in [0, 1]) and ``ability_willingness`` (a cell of
    :data:`SEGMENTS`). Needs ``days_past_due`` and ``amount_minor``; uses ``risk_score`` when present."""
    f = empty_history(frame)
    paid = pl.col("paid_90d_minor").cast(pl.Float64)
    owed = pl.col("amount_minor").cast(pl.Float64).clip(lower_bound=0)
    repaid_share = (paid / (paid + owed)).fill_nan(0.0).fill_null(0.0)
    behind = 1.0 - pl.col("days_past_due").clip(0, 120).cast(pl.Float64) / 120.0
    parts = [(repaid_share, 1.0), (behind, 1.0)]
    if "risk_score" in f.columns:
        risk = pl.col("risk_score").cast(pl.Float64)
        # A missing score carries no weight rather than counting as average.
        weighted_sum = sum((e * w for e, w in parts), pl.lit(0.0)) + (1.0 - risk).fill_null(0.0) * 2.0
        weight = pl.lit(2.0) + pl.when(risk.is_null()).then(0.0).otherwise(2.0)
        base = weighted_sum / weight
    else:
        base = sum((e * w for e, w in parts), pl.lit(0.0)) / 2.0
    ability = _clip(base - 0.25 * pl.col("hardship_30d").clip(0, 1).cast(pl.Float64))

    silent = (pl.col("delivered_30d") - pl.col("replies_30d") * 2 - pl.col("payments_90d") * 2).clip(
        lower_bound=0
    )
    willingness = _clip(
        pl.lit(0.5)
        + 0.15 * pl.col("promises_kept").clip(0, 2).cast(pl.Float64)
        - 0.20 * pl.col("promises_broken").clip(0, 2).cast(pl.Float64)
        + 0.15 * (pl.col("payments_90d") > 0).cast(pl.Float64)
        + 0.10 * pl.col("engaged_replies_30d").clip(0, 2).cast(pl.Float64)
        - 0.30 * pl.col("refusals_30d").clip(0, 1).cast(pl.Float64)
        - 0.04 * silent.clip(0, 5).cast(pl.Float64)
    )
    return f.with_columns(
        ability=ability.cast(pl.Float64),
        willingness=willingness.cast(pl.Float64),
    ).with_columns(
        ability_willingness=pl.when(pl.col("ability") >= 0.5)
        .then(pl.when(pl.col("willingness") >= 0.5).then(pl.lit("can_will")).otherwise(pl.lit("can_wont")))
        .otherwise(
            pl.when(pl.col("willingness") >= 0.5).then(pl.lit("cant_will")).otherwise(pl.lit("cant_wont"))
        )
    )
