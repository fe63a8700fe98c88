"""The dashboard's portfolio figures on a book small enough to work out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from dunning.analytics import kpis


def _book() -> tuple[pl.DataFrame, pl.DataFrame]:
    accounts = pl.DataFrame(
        {
            "account_pk": [1, 2, 3, 4],
            "due_date": [date(2026, 9, 15), date(2026, 9, 15), date(2026, 11, 20), date(2026, 11, 20)],
            "outstanding_minor": [10_000, 0, 5_000, 0],
            "currency": ["CNY"] * 4,
        }
    )
    payments = pl.DataFrame(
        {
            "account_pk": [2, 4, 3],
            # 2 paid in full on 2026-10-20 (after a month in M0 at the end of September);
            # 4 paid on its due day; 3 paid half of 10,000 on 2026-11-25.
            "amount_minor": [8_000, 3_000, 5_000],
            "paid_at": [
                datetime(2026, 10, 20, 4, tzinfo=UTC),
                datetime(2026, 11, 20, 3, tzinfo=UTC),
                datetime(2026, 11, 25, 3, tzinfo=UTC),
            ],
        },
        schema_overrides={"paid_at": pl.Datetime("us", "UTC")},
    )
    return accounts, payments


def test_roll_rates_follow_balances_from_bucket_to_bucket() -> None:
    accounts, payments = _book()
    rolled = kpis.roll_rates(accounts, payments, date(2026, 12, 2), months=2)
    months = {m["month"]: m for m in rolled["months"]}
    # End of September: 1 and 2 are 15 DPD (M0: 10,000 + 8,000). End of October: 1 is 46 DPD (M1:
    # 10,000), 2 paid. So M0→M1 in October = 10,000 / 18,000.
    assert months["2026-10"]["rates"]["M0→M1"] == round(10_000 / 18_000, 4)
    # End of November: 1 is 76 DPD (M2) → M1→M2 = 10,000 / 10,000; nothing was in M2 in October.
    assert months["2026-11"]["rates"]["M1→M2"] == 1.0 and months["2026-11"]["rates"]["M2→M3"] is None
    assert rolled["transitions"][-1] == "M3→M4"


def test_entry_rate_counts_who_was_still_unpaid_at_dpd1() -> None:
    accounts, payments = _book()
    cohorts = {
        c["due_date"]: c for c in kpis.entry_rate_by_cohort(accounts, payments, date(2026, 11, 22), days=3)
    }
    due = cohorts["2026-11-20"]
    assert (due["accounts"], due["entered"], due["rate"]) == (2, 1, 0.5)
    assert due["amount_rate"] == round(10_000 / 13_000, 4)  # 3 still owed 10,000 of the 13,000 due
    assert cohorts["2026-11-19"]["rate"] is None  # nobody was due that day: no rate, not 0


def test_recovery_by_bucket_and_the_promise_funnel() -> None:
    accounts, payments = _book()
    rows = kpis.recovery_by_bucket(
        accounts, payments, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    )
    by = {r["bucket"]: r for r in rows}
    assert by["D0"]["paid_minor"] == 3_000 and by["D0"]["rate"] == 1.0
    assert by["4-7"]["paid_minor"] == 5_000 and by["4-7"]["rate"] == 0.5
    assert (
        kpis.recovery_by_bucket(accounts.clear(), payments.clear(), datetime.now(UTC), datetime.now(UTC))
        == []
    )
    funnel = kpis.promise_funnel({"made": 10, "kept": 4, "partly_kept": 1, "broken": 3})
    assert funnel == {"made": 10, "kept": 4, "partly_kept": 1, "broken": 3, "pending": 2, "kept_rate": 0.5}
    assert kpis.promise_funnel({})["kept_rate"] is None
