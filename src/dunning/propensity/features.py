"""Features of an account's own history: repayment status by period, balances, payments, ratios
and trends (the columns of the UCI layout; the system's own history maps onto the same shape)."""

from __future__ import annotations

import numpy as np
import polars as pl

from dunning.propensity.uci import BILLS, PAID, PAY_STATUS

__all__ = ["FEATURES", "feature_matrix"]


def _derived() -> list[pl.Expr]:
    limit = pl.col("LIMIT_BAL").clip(lower_bound=1.0)
    bills = [pl.col(b) for b in BILLS]
    paid = [pl.col(p) for p in PAID]
    status = [pl.col(s) for s in PAY_STATUS]
    return [
        *[(b / limit).alias(f"utilisation_{i + 1}") for i, b in enumerate(bills)],
        # what was paid in a month against the bill of the month before (PAY_AMT1 pays BILL_AMT2)
        *[
            (p / b.clip(lower_bound=1.0)).alias(f"paid_share_{i + 1}")
            for i, (p, b) in enumerate(zip(paid[:-1], bills[1:], strict=True))
        ],
        pl.max_horizontal(status).alias("worst_delay"),
        pl.sum_horizontal([(s > 0).cast(pl.Int32) for s in status]).alias("months_late"),
        pl.sum_horizontal([(s == -1).cast(pl.Int32) for s in status]).alias("months_paid_in_full"),
        pl.sum_horizontal([(s == -2).cast(pl.Int32) for s in status]).alias("months_unused"),
        pl.mean_horizontal(paid).alias("mean_paid"),
        pl.mean_horizontal(bills).alias("mean_bill"),
        (pl.col("BILL_AMT1") - pl.col("BILL_AMT6")).alias("bill_trend"),
        (pl.col("PAY_0") - pl.col("PAY_2")).alias("delay_trend"),
        (pl.sum_horizontal(paid) / pl.sum_horizontal(bills).clip(lower_bound=1.0)).alias("paid_share_total"),
        ((limit - pl.col("BILL_AMT1")) / limit).alias("headroom"),
        (pl.col("PAY_AMT1") / limit).alias("last_paid_to_limit"),
    ]


_BASE = ("LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE", *PAY_STATUS, *BILLS, *PAID)
FEATURES: tuple[str, ...] = (*_BASE, *(e.meta.output_name() for e in _derived()))


def feature_matrix(frame: pl.DataFrame) -> np.ndarray:
    """The model's input, columns in :data:`FEATURES` order."""
    return frame.select(*[pl.col(c) for c in _BASE], *_derived()).to_numpy().astype(np.float64)
