"""Synthetic portfolios: deterministic, fast, and shaped like a real collection book."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from dunning.core.phone import parse_phone, time_zones_for
from dunning.portfolio.dpd import bucket_of
from dunning.portfolio.importers import read_table, validate
from dunning.portfolio.sample import SamplePortfolio, generate, is_sample_number, write_sample

AS_OF = date(2026, 3, 15)
FLAGS = ("dispute", "complaint", "deceased", "opt_out")


@pytest.fixture(scope="module")
def cn() -> SamplePortfolio:
    return generate(20_000, 7, "CN", AS_OF)


@pytest.fixture(scope="module")
def us() -> SamplePortfolio:
    return generate(20_000, 7, "US", AS_OF)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = write_sample(generate(3000, 42, "CN", AS_OF), tmp_path / "a")
    b = write_sample(generate(3000, 42, "CN", AS_OF), tmp_path / "b")
    c = write_sample(generate(3000, 43, "CN", AS_OF), tmp_path / "c")
    for name in ("accounts", "contacts", "payments"):
        assert a[name].read_bytes() == b[name].read_bytes()
        assert a[name].read_bytes() != c[name].read_bytes()
    header = a["accounts"].read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("account_id,debtor_id,name,phone,outstanding,currency,due_date")


def test_generation_is_fast() -> None:
    started = time.perf_counter()
    generate(10_000, 1, "CN", AS_OF)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("profile", ["CN", "US"])
def test_sample_files_pass_validation(tmp_path: Path, profile: str) -> None:
    files = write_sample(generate(2000, 5, profile, AS_OF), tmp_path)
    for kind, path in files.items():
        result = validate(kind, read_table(path), profile)  # type: ignore[arg-type]
        assert result.errors == [], (kind, result.errors[:3])
        assert result.frame.height > 0


def test_chinese_names_follow_surname_frequencies(cn: SamplePortfolio) -> None:
    names = cn.debtors["name"]
    assert names.str.len_chars().is_between(2, 4).all()
    top = names.str.slice(0, 1).value_counts().sort("count", descending=True)
    assert set(top["name"].head(3).to_list()) == {"王", "李", "张"}
    share_top3 = top["count"].head(3).sum() / names.len()
    assert 0.15 < share_top3 < 0.30
    assert top.height > 150  # a long tail of rarer surnames
    assert names.n_unique() > 0.5 * names.len()


def test_numbers_are_valid_and_in_the_test_ranges(cn: SamplePortfolio, us: SamplePortfolio) -> None:
    for portfolio, region in ((cn, "CN"), (us, "US")):
        contacts = portfolio.contacts
        sample = contacts.sample(2000, seed=1)
        for e164, text in sample.select("phone_e164", "phone_text").iter_rows():
            parsed = parse_phone(text, region)
            assert parsed.e164 == e164 and parsed.is_mobile
            assert is_sample_number(e164)
        # Nobody has the same number twice.
        assert contacts.select("debtor_idx", "phone_e164").is_unique().all()
    assert cn.contacts["phone_e164"].str.starts_with("+861990").all()
    assert us.contacts["phone_e164"].str.slice(5, 5).eq("55501").all()
    assert not is_sample_number("+8613800138000") and not is_sample_number("+12125551234")


def test_us_regions_and_zones(us: SamplePortfolio) -> None:
    debtors = us.debtors
    assert debtors["phone_e164"].str.slice(2, 3).n_unique() > 200  # many area codes
    regions = debtors["region"].drop_nulls()
    assert 0.01 < (regions == "MA").mean() < 0.06  # type: ignore[operator]
    assert regions.str.contains(r"^[A-Z]{2}$").all()
    zones = debtors.select("phone_e164", "time_zones").head(300)
    matches = sum(z.split(",")[0] in time_zones_for(e) for e, z in zones.iter_rows())
    assert matches > 0.85 * zones.height  # a few have moved away from their area code
    assert us.accounts["currency"].unique().to_list() == ["USD"]


def test_accounts_per_debtor_and_balances(cn: SamplePortfolio) -> None:
    per_debtor = cn.debtors["n_accounts"]
    assert per_debtor.sum() == cn.accounts.height == 20_000
    assert 0.12 < (per_debtor > 1).mean() < 0.18  # type: ignore[operator]
    assert per_debtor.max() == 3
    balance = cn.accounts["outstanding_minor"]
    median = float(balance.median())  # type: ignore[arg-type]
    assert 150_000 < median < 500_000  # 1,500–5,000 yuan
    assert float(balance.mean()) > 1.3 * median  # type: ignore[arg-type]
    assert float(balance.quantile(0.99)) > 5 * median  # type: ignore[arg-type]
    assert (balance > 0).all()
    principal = cn.accounts["principal_minor"].drop_nulls()
    assert 0.05 < cn.accounts["principal_minor"].null_count() / 20_000 < 0.12
    assert (principal >= 10_000).all()


def test_days_past_due_is_mostly_early_with_a_long_tail(cn: SamplePortfolio) -> None:
    dpd = cn.accounts["days_past_due"]
    buckets = pl.Series([bucket_of(int(d)) for d in dpd]).value_counts(normalize=True)
    share = dict(buckets.iter_rows())
    assert share["current"] < 0.10
    early = share["pre-due"] + share["D0"] + share["1-3"] + share["4-7"] + share["8-15"] + share["16-30"]
    assert early > 0.60
    assert 0.05 < share["90+"] < 0.25
    assert dpd.max() > 700  # type: ignore[operator]
    due = cn.accounts.select((pl.lit(AS_OF) - pl.col("due_date")).dt.total_days()).to_series()
    assert due.to_list() == dpd.to_list()


def test_flags_at_low_rates(cn: SamplePortfolio, us: SamplePortfolio) -> None:
    for portfolio in (cn, us):
        accounts = portfolio.accounts
        rates = {flag: float(accounts.select(pl.col(flag).cast(pl.Float64).mean()).item()) for flag in FLAGS}
        assert 0.005 < rates["dispute"] < 0.025
        assert 0.002 < rates["complaint"] < 0.015
        assert 0.0003 < rates["deceased"] < 0.005
        assert 0.003 < rates["opt_out"] < 0.04
        barred = accounts.filter(pl.col("time_barred"))
        assert barred.height > 0 and (barred["days_past_due"] > 3 * 365).all()
        assert float(accounts["risk_score"].min()) > 0.0 and float(accounts["risk_score"].max()) < 1.0  # type: ignore[arg-type]
    # Bankruptcy is rarer in China (personal bankruptcy exists only in Shenzhen).
    assert cn.accounts["bankrupt"].mean() < us.accounts["bankrupt"].mean()  # type: ignore[operator]
    # Debtor-level flags are the same on every account of a debtor.
    per_debtor = cn.accounts.group_by("debtor_idx").agg(pl.col("deceased").n_unique())
    assert (per_debtor["deceased"] == 1).all()
    # Older debt is riskier.
    early = cn.accounts.filter(pl.col("days_past_due") <= 3)["risk_score"].mean()
    late = cn.accounts.filter(pl.col("days_past_due") > 90)["risk_score"].mean()
    assert late > early  # type: ignore[operator]


def test_contacts(cn: SamplePortfolio) -> None:
    contacts = cn.contacts
    debtors = cn.debtors.height
    own = contacts.filter(pl.col("primary"))
    assert own.height == debtors and (own["relation"] == "self").all()
    assert (
        own.join(cn.debtors, on="debtor_idx")
        .filter(pl.col("phone_e164") != pl.col("phone_e164_right"))
        .is_empty()
    )
    assert 0.92 < own["verified"].mean() < 0.98  # type: ignore[operator]
    third = contacts.filter(pl.col("relation") != "self")
    assert 0.25 < third["debtor_idx"].n_unique() / debtors < 0.35
    assert set(third["relation"].unique()) == {"spouse", "emergency", "employer", "guarantor", "other"}
    assert 0.3 < third["verified"].mean() < 0.6  # type: ignore[operator]
    spouses = third.filter(pl.col("relation") == "spouse").group_by("debtor_idx").len()
    assert (spouses["len"] == 1).all()


def test_payments_full_and_partial(cn: SamplePortfolio) -> None:
    accounts = cn.accounts
    status = dict(accounts["status"].value_counts().iter_rows())
    assert status["paid"] > 0.03 * accounts.height and status["partially_paid"] > 0.05 * accounts.height
    paid = accounts.filter(pl.col("status") == "paid")
    assert (paid["paid_minor"] == paid["outstanding_minor"]).all()
    partial = accounts.filter(pl.col("status") == "partially_paid")
    assert (partial["paid_minor"] < partial["outstanding_minor"]).all()
    payments = cn.payments
    assert (payments["amount_minor"] > 0).all()
    assert payments["payment_id"].is_unique().all()
    assert payments.group_by("account_idx").len()["len"].max() == 3  # instalments
    latest = payments.select(pl.col("paid_at").max().dt.date()).item()
    assert latest <= AS_OF
    naive = payments.filter(~pl.col("paid_at_text").str.contains(r"\+08:00$"))
    assert 0.05 < naive.height / payments.height < 0.25  # some timestamps without an offset


def test_profiles_and_arguments() -> None:
    with pytest.raises(ValueError, match="profile"):
        generate(10, 1, "UK", AS_OF)
    with pytest.raises(ValueError, match="at least 1"):
        generate(0, 1, "CN", AS_OF)
    tiny = generate(1, 1, "us", AS_OF)
    assert (tiny.accounts.height, tiny.debtors.height, tiny.profile) == (1, 1, "US")
