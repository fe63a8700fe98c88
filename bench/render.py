"""Speed of ``render_frame`` on a synthetic Debtor frame (a printed figure, not a timed test).

    .venv/bin/python tests/templates/bench_render.py --rows 1000000

Prints one comparable line: rows, templates, best-of-N seconds, rows per second.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import polars as pl

from dunning.templates import RenderContext, TemplateCatalog, load_default_templates, render_frame

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")


def synthetic_frame(rows: int, catalog: TemplateCatalog, seed: int = 7) -> pl.DataFrame:
    """A Debtor-like frame: skewed balances, most accounts early, a few with several accounts."""
    ids = list(catalog)
    r = pl.int_range(rows, dtype=pl.Int64)

    def rand(salt: int, modulo: int) -> pl.Expr:
        return (r.hash(seed * 1000 + salt) % modulo).cast(pl.Int64)

    dpd = (rand(1, 100) ** 2 // 25 - 3).cast(pl.Int32)  # 0..392, dense at the start
    return pl.select(
        debtor_pk=r,
        template_id=pl.lit(pl.Series(ids)).gather(rand(2, len(ids))),
        name_masked=pl.lit(pl.Series(SURNAMES)).gather(rand(3, len(SURNAMES))) + "*",
        amount_minor=(rand(4, 1000) ** 2 // 10 + 5_000),
        currency=pl.lit("CNY"),
        due_date=pl.lit(date(2026, 11, 28)) - pl.duration(days=dpd),
        days_past_due=dpd,
        account_tail=rand(5, 10_000).cast(pl.Utf8).str.zfill(4),
        n_accounts=(1 + rand(6, 10) // 7).cast(pl.Int32),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    catalog = load_default_templates("CN")
    frame = synthetic_frame(args.rows, catalog)
    context = RenderContext("安信消费金融", "安信金融", "95000", "安信金融App", "https://m.anxin.example/pay")
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        out = render_frame(frame, catalog, context)
        best = min(best, time.perf_counter() - start)
    assert out.height == frame.height and out["body"].null_count() == 0
    print(
        f"render_frame: {args.rows:,} rows, {frame['template_id'].n_unique()} templates, "
        f"best of {args.repeat}: {best:.3f} s ({args.rows / best:,.0f} rows/s)"
    )


if __name__ == "__main__":
    main()
