"""What a policy sees of a debtor: a fixed set of numeric features from the Debtor frame and the
history columns of :mod:`dunning.propensity.segments`.

The transforms are fixed (no scaling fitted on the data), so a feature means the same thing in every
plan and the decision log stays readable by later models. Bump :data:`FEATURE_SET` when they change.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from dunning.propensity.segments import ability_willingness

__all__ = ["FEATURES", "FEATURE_SET", "context_of", "feature_frame", "matrix", "stage_of"]

FEATURE_SET: Final = 1

FEATURES: Final[tuple[str, ...]] = (
    "stage_pre_due",
    "stage_due",
    "stage_early",
    "stage_mid",
    "stage_late",
    "dpd",
    "log_amount",
    "risk",
    "risk_missing",
    "risk_under_20",
    "risk_20_40",
    "risk_40_60",
    "risk_60_80",
    "ability",
    "willingness",
    "delivered_7d",
    "delivered_30d",
    "contacted_yesterday",
    "days_since_contact",
    "replies",
    "refused",
    "promises_broken",
    "promises_kept",
    "paid_recently",
    "several_accounts",
)


def stage_of(dpd: pl.Expr) -> pl.Expr:
    """pre-due, due, early (1–30), mid (31–60), late (61+)."""
    return (
        pl.when(dpd < 0)
        .then(pl.lit("pre-due"))
        .when(dpd == 0)
        .then(pl.lit("due"))
        .when(dpd <= 30)
        .then(pl.lit("early"))
        .when(dpd <= 60)
        .then(pl.lit("mid"))
        .otherwise(pl.lit("late"))
    )


def context_of(frame: pl.DataFrame) -> pl.Series:
    """``stage/cell``, e.g. ``early/can_will``: how decisions are grouped in reports."""
    return frame.select(
        pl.concat_str([stage_of(pl.col("days_past_due")), pl.lit("/"), pl.col("ability_willingness")])
    ).to_series()


def feature_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The :data:`FEATURES` of each row (Float64), from a Debtor frame with history columns."""
    f = frame if "ability" in frame.columns else ability_willingness(frame)
    dpd = pl.col("days_past_due")
    risk = pl.col("risk_score").cast(pl.Float64) if "risk_score" in f.columns else pl.lit(None, pl.Float64)
    n_accounts = pl.col("n_accounts") if "n_accounts" in f.columns else pl.lit(1)
    out = f.select(
        stage_pre_due=dpd < 0,
        stage_due=dpd == 0,
        stage_early=(dpd >= 1) & (dpd <= 30),
        stage_mid=(dpd >= 31) & (dpd <= 60),
        stage_late=dpd > 60,
        dpd=dpd.clip(-3, 120) / 30.0,
        # Minor units → major (two decimals for CNY and USD), then orders of magnitude around 1,000.
        log_amount=(pl.col("amount_minor").clip(lower_bound=0) / 100.0 + 1.0).log10() - 3.0,
        risk=risk.fill_null(0.5),
        risk_missing=risk.is_null(),
        # Bands as well as the score: a reminder may help the middle of the range and put off the top.
        risk_under_20=risk < 0.2,
        risk_20_40=(risk >= 0.2) & (risk < 0.4),
        risk_40_60=(risk >= 0.4) & (risk < 0.6),
        risk_60_80=(risk >= 0.6) & (risk < 0.8),
        ability=pl.col("ability"),
        willingness=pl.col("willingness"),
        delivered_7d=pl.col("delivered_7d").clip(0, 7) / 3.0,
        delivered_30d=pl.col("delivered_30d").clip(0, 30) / 10.0,
        contacted_yesterday=pl.col("days_since_contact") <= 1,
        days_since_contact=pl.col("days_since_contact").clip(0, 30) / 30.0,
        replies=pl.col("replies_30d").clip(0, 3) / 3.0,
        refused=pl.col("refusals_30d") > 0,
        promises_broken=pl.col("promises_broken").clip(0, 2) / 2.0,
        promises_kept=pl.col("promises_kept").clip(0, 2) / 2.0,
        paid_recently=pl.col("payments_90d") > 0,
        several_accounts=n_accounts > 1,
    )
    return out.select(pl.col(name).cast(pl.Float64).fill_null(0.0) for name in FEATURES)


def matrix(features: pl.DataFrame) -> np.ndarray:
    """Rows × (1 + FEATURES): an intercept column first."""
    x = features.select(FEATURES).to_numpy().astype(np.float64)
    return np.hstack([np.ones((x.shape[0], 1)), x])
