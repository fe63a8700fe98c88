"""Speed of ``assign`` on a synthetic Debtor frame (a printed figure, not a timed test).

.venv/bin/python tests/strategy/bench_assign.py --rows 1000000
"""

from __future__ import annotations

import argparse
import time

import polars as pl

from dunning.strategy import assign, load_default_strategy


def synthetic_frame(rows: int, seed: int = 7) -> pl.DataFrame:
    r = pl.int_range(rows, dtype=pl.Int64)

    def rand(salt: int, modulo: int) -> pl.Expr:
        return (r.hash(seed * 1000 + salt) % modulo).cast(pl.Int64)

    return pl.select(
        debtor_pk=r,
        days_past_due=(rand(1, 100) ** 2 // 25 - 3).cast(pl.Int32),
        amount_minor=rand(4, 1000) ** 2 // 10 + 500,
        currency=pl.lit("CNY"),
        risk_score=rand(2, 1000) / 1000,
        region=pl.lit("GD"),
        n_accounts=(1 + rand(6, 10) // 7).cast(pl.Int32),
        paid=pl.lit(False),
        dispute=rand(7, 100) == 0,
        hold_reason=pl.lit(None, dtype=pl.Utf8),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = synthetic_frame(args.rows)
    strategy = load_default_strategy("CN")
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        out = assign(frame, strategy)
        best = min(best, time.perf_counter() - start)
    print(
        f"assign: {args.rows:,} rows → {out.height:,} due today, {len(strategy.segments)} segments, "
        f"best of {args.repeat}: {best:.3f} s ({args.rows / best:,.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
