"""Synthetic collection portfolios that look like a digital lender's book (``dunning sample``).

Everything is drawn with one seeded NumPy generator and built column-wise with Polars, so the same
``(accounts, seed, profile, as_of)`` gives byte-identical files, and a million accounts take seconds.

What it looks like (COLLECTIONS.md, "Data"):

* debtors: realistic names (Chinese surnames by their published frequency, 1–2 character given names;
  US first/last names by census frequency), ~15 % with 2–3 accounts;
* balances: lognormal (CNY median ≈ 2,800, USD median ≈ 650) with a long tail; principal above balance;
* days past due: ~5 % still current (DPD −20..−4, out of scope), ~13 % pre-due or due today, most
  overdue accounts within 1–30 days, a long tail past 90 and ~3 % legacy debt of 2–5 years;
* flags at low rates: dispute ≈ 1.2 %, complaint ≈ 0.7 %, opt-out ≈ 0.8 % (CN) / 2 % (US) of debtors,
  deceased ≈ 0.15 %, bankrupt ≈ 0.05 % (CN) / 0.4 % (US); ``time_barred`` only on debt older than three
  years;
* contacts: every debtor's own number (relation ``self``, verified for ~95 %), a second own number for
  ~3 %, and for ~30 % one or two third parties (emergency, spouse, employer, guarantor, other), fewer than
  half of them verified;
* payments: full and partial (1–3 instalments) payments on some accounts, more often on early ones.

Test-only phone numbers — nothing generated here may be sent on a live channel:

* **CN**: mainland China has no officially fictional mobile range (unlike NANP 555-01XX), so every
  generated number is in one block, ``+86 1990 xxx xxxx`` (prefix :data:`CN_TEST_PREFIX`, 10 million
  numbers that libphonenumber accepts as valid CN mobiles). One prefix rule in a test gateway or provider
  allow-list blocks them all; :func:`is_sample_number` recognises them.
* **US**: only the fictional exchange 555-0100..555-0199 (reserved by NANPA for fiction in every area
  code), across the 359 area codes listed in ``_namedata``. That is 35,900 numbers; bigger US samples
  reuse numbers across debtors (never twice for one debtor).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from dunning.core.profiles import PROFILES
from dunning.portfolio import _namedata as data
from dunning.portfolio.models import FLAGS

CN_TEST_PREFIX = "1990"
US_TEST_EXCHANGE = "55501"
RELATIONS_THIRD_PARTY = ("emergency", "spouse", "employer", "guarantor", "other")
_RELATION_WEIGHTS = (0.40, 0.28, 0.14, 0.10, 0.08)
FLAG_COLUMNS = FLAGS
ACCOUNT_COLUMNS = (
    "account_id", "debtor_id", "name", "phone", "outstanding", "currency", "due_date", "product",
    "principal", "timezone", "region", "risk_score", *FLAG_COLUMNS,
)  # fmt: skip
CONTACT_COLUMNS = ("debtor_id", "phone", "relation", "verified")
PAYMENT_COLUMNS = ("payment_id", "account_id", "amount", "currency", "paid_at")

_CN_SLOTS = 10_000_000


@dataclass(frozen=True)
class SamplePortfolio:
    """Typed frames of one synthetic portfolio (money in minor units, E.164 numbers, UTC instants).

    ``debtors``: debtor_idx, debtor_id, name, phone_e164, phone_text, time_zones (effective, comma-
    separated), region, deceased, bankrupt, opt_out.
    ``accounts``: account_idx, account_id, debtor_idx, debtor_id, outstanding_minor, currency, due_date,
    days_past_due, product, principal_minor, timezone (the file's column, may be null), region,
    risk_score, the six flags, paid_minor, status, paid_at.
    ``contacts``: debtor_idx, debtor_id, phone_e164, phone_text, relation, verified, primary.
    ``payments``: payment_id, account_idx, account_id, amount_minor, currency, paid_at (UTC), paid_at_text.
    """

    profile: str
    as_of: date
    debtors: pl.DataFrame
    accounts: pl.DataFrame
    contacts: pl.DataFrame
    payments: pl.DataFrame


def is_sample_number(e164: str) -> bool:
    """True for numbers this module generates (the CN test block or the US 555-01XX exchange)."""
    if e164.startswith("+86"):
        return e164.startswith("+86" + CN_TEST_PREFIX) and len(e164) == 14
    return e164.startswith("+1") and len(e164) == 12 and e164[5:10] == US_TEST_EXCHANGE


def _weights(pairs: tuple[tuple[str, float], ...]) -> tuple[list[str], np.ndarray]:
    names = [n for n, _ in pairs]
    w = np.array([x for _, x in pairs], dtype=np.float64)
    return names, w / w.sum()


def _pick(rng: np.random.Generator, values: list[str], p: np.ndarray | None, size: int) -> pl.Series:
    idx = rng.choice(len(values), size=size, p=p)
    return pl.Series(values, dtype=pl.Utf8).gather(idx)


def _zipf(n: int, shift: float = 8.0) -> np.ndarray:
    w: np.ndarray = 1.0 / (np.arange(n, dtype=np.float64) + shift)
    return w / float(w.sum())


def _names(rng: np.random.Generator, profile: str, n: int) -> pl.Series:
    male = rng.random(n) < 0.52
    if profile == "CN":
        surnames, p = _weights(data.CN_SURNAMES)
        surname = _pick(rng, surnames, p, n)
        m_pool, f_pool = list(data.CN_GIVEN_MALE), list(data.CN_GIVEN_FEMALE)
        c1 = pl.Series(m_pool).gather(rng.integers(0, len(m_pool), n))
        c1f = pl.Series(f_pool).gather(rng.integers(0, len(f_pool), n))
        c2 = pl.Series(m_pool).gather(rng.integers(0, len(m_pool), n))
        c2f = pl.Series(f_pool).gather(rng.integers(0, len(f_pool), n))
        single = rng.random(n) < 0.15
        frame = pl.DataFrame(
            {"s": surname, "m1": c1, "f1": c1f, "m2": c2, "f2": c2f, "male": male, "single": single}
        )
        return frame.select(
            pl.concat_str(
                pl.col("s"),
                pl.when("male").then("m1").otherwise("f1"),
                pl.when("single").then(pl.lit("")).otherwise(pl.when("male").then("m2").otherwise("f2")),
            ).alias("name")
        ).to_series()
    last, p_last = _weights(data.US_SURNAMES)
    first_m = _pick(rng, list(data.US_FIRST_MALE), _zipf(len(data.US_FIRST_MALE)), n)
    first_f = _pick(rng, list(data.US_FIRST_FEMALE), _zipf(len(data.US_FIRST_FEMALE)), n)
    initial = pl.Series(list("ABCDEFGHJKLMNPRSTW")).gather(rng.integers(0, 18, n))
    has_middle = rng.random(n) < 0.10
    frame = pl.DataFrame(
        {
            "fm": first_m,
            "ff": first_f,
            "male": male,
            "mi": initial,
            "hm": has_middle,
            "last": _pick(rng, last, p_last, n),
        }
    )
    return frame.select(
        pl.concat_str(
            pl.when("male").then("fm").otherwise("ff"),
            pl.lit(" "),
            pl.when("hm").then(pl.col("mi") + ". ").otherwise(pl.lit("")),
            pl.col("last"),
        ).alias("name")
    ).to_series()


def _phone_columns(profile: str, slots: np.ndarray, style: np.ndarray) -> pl.DataFrame:
    """E.164 and the way the number is written in the file, for phone-number slots."""
    if profile == "CN":
        digits = pl.Series(slots).cast(pl.Utf8).str.zfill(7)
        frame = pl.DataFrame({"d": digits, "style": style})
        national = pl.lit(CN_TEST_PREFIX) + pl.col("d")
        head, tail = pl.col("d").str.slice(0, 3), pl.col("d").str.slice(3)
        return frame.select(
            (pl.lit("+86") + national).alias("phone_e164"),
            pl.when(pl.col("style") < 0.88)
            .then(national)
            .when(pl.col("style") < 0.97)
            .then(pl.concat_str(pl.lit("+86 199 0"), head, pl.lit(" "), tail))
            .otherwise(pl.concat_str(pl.lit("199-0"), head, pl.lit("-"), tail))
            .alias("phone_text"),
        )  # fmt: skip
    codes = pl.Series([c for c, _, _ in data.US_AREA_CODES], dtype=pl.Utf8)
    frame = pl.DataFrame(
        {
            "ac": codes.gather(slots // 100),
            "ln": pl.Series(slots % 100).cast(pl.Utf8).str.zfill(2),
            "style": style,
        }
    )
    return frame.select(
        pl.concat_str(pl.lit("+1"), "ac", pl.lit("55501"), "ln").alias("phone_e164"),
        pl.when(pl.col("style") < 0.5)
        .then(pl.concat_str(pl.lit("("), "ac", pl.lit(") 555-01"), "ln"))
        .when(pl.col("style") < 0.8)
        .then(pl.concat_str("ac", pl.lit("-555-01"), "ln"))
        .otherwise(pl.concat_str(pl.lit("+1 "), "ac", pl.lit(" 555 01"), "ln"))
        .alias("phone_text"),
    )


def _minor_text(col: str) -> pl.Expr:
    """Integer minor units (2 decimals) → '1234.50'."""
    return pl.concat_str(
        (pl.col(col) // 100).cast(pl.Utf8), pl.lit("."), (pl.col(col) % 100).cast(pl.Utf8).str.zfill(2)
    )


def _bool_text(col: str) -> pl.Expr:
    return pl.when(pl.col(col)).then(pl.lit("true")).otherwise(pl.lit("false"))


def generate(n_accounts: int, seed: int, profile: str, as_of: date) -> SamplePortfolio:
    """Draw a portfolio of ``n_accounts`` accounts. Deterministic in all four arguments."""
    profile = profile.upper()
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}")
    if n_accounts < 1:
        raise ValueError("n_accounts must be at least 1")
    rng = np.random.default_rng([seed, PROFILES.index(profile)])
    n = n_accounts

    # -- debtors and how many accounts each holds (~15 % with 2–3) ------------------------------
    per = rng.choice(np.array([1, 2, 3]), size=n, p=[0.85, 0.11, 0.04])
    cum = np.cumsum(per)
    n_debtors = int(np.searchsorted(cum, n) + 1)
    per = per[:n_debtors].copy()
    per[-1] -= int(cum[n_debtors - 1] - n)
    debtor_base = int(rng.integers(10_000_000, 60_000_000))
    names = _names(rng, profile, n_debtors)

    # -- phone-number slots: k = 0 own number, 1 second own number, 2–3 third parties -----------
    space = _CN_SLOTS if profile == "CN" else len(data.US_AREA_CODES) * 100
    if n_debtors <= space:
        base = rng.choice(space, size=n_debtors, replace=False)
    else:
        base = rng.integers(0, space, n_debtors)
    step = rng.integers(1, space // 4, n_debtors)
    slots = [(base + k * step) % space for k in range(4)]
    styles = [rng.random(n_debtors) for _ in range(4)]
    phones = [_phone_columns(profile, slots[k], styles[k]) for k in range(4)]

    # -- where debtors live ----------------------------------------------------------------------
    if profile == "CN":
        provinces, p_prov = _weights(data.CN_PROVINCES)
        frame = pl.DataFrame(
            {
                "region": _pick(rng, provinces, p_prov, n_debtors),
                "no_region": rng.random(n_debtors) < 0.10,
                "given": rng.random(n_debtors) < 0.70,
            }
        ).select(
            pl.when("no_region").then(None).otherwise("region").alias("region"),
            pl.when("given").then(pl.lit("Asia/Shanghai")).otherwise(None).alias("tz_column"),
            pl.lit("Asia/Shanghai").alias("zones"),
        )
        region, tz_column, zones = frame["region"], frame["tz_column"], frame["zones"]
    else:
        states = pl.Series([s for _, s, _ in data.US_AREA_CODES], dtype=pl.Utf8)
        ac_zones = pl.Series([",".join(z) for _, _, z in data.US_AREA_CODES], dtype=pl.Utf8)
        ac_first = pl.Series([z[0] for _, _, z in data.US_AREA_CODES], dtype=pl.Utf8)
        home = slots[0] // 100
        moved = rng.random(n_debtors) < 0.05
        elsewhere = rng.integers(0, len(data.US_AREA_CODES), n_debtors)
        live = np.where(moved, elsewhere, home)
        given = moved | (rng.random(n_debtors) < 0.65)
        frame = pl.DataFrame(
            {
                "region": states.gather(live),
                "tz": ac_first.gather(live),
                "phone_zones": ac_zones.gather(home),
                "given": given,
                "no_region": rng.random(n_debtors) < 0.03,
            }
        )
        frame = frame.select(
            pl.when("no_region").then(None).otherwise("region").alias("region"),
            pl.when("given").then("tz").otherwise(None).alias("tz_column"),
            pl.when("given").then("tz").otherwise("phone_zones").alias("zones"),
        )
        region, tz_column, zones = frame["region"], frame["tz_column"], frame["zones"]

    opt_out_rate, bankrupt_rate = (0.008, 0.0005) if profile == "CN" else (0.02, 0.004)
    debtors = pl.DataFrame(
        {
            "debtor_idx": np.arange(n_debtors, dtype=np.int64),
            "name": names,
            "phone_e164": phones[0]["phone_e164"],
            "phone_text": phones[0]["phone_text"],
            "time_zones": zones,
            "tz_column": tz_column,
            "region": region,
            "deceased": rng.random(n_debtors) < 0.0015,
            "bankrupt": rng.random(n_debtors) < bankrupt_rate,
            "opt_out": rng.random(n_debtors) < opt_out_rate,
            "n_accounts": per,
        }
    ).with_columns(
        (pl.lit("C") + (pl.col("debtor_idx") + debtor_base).cast(pl.Utf8).str.zfill(8)).alias("debtor_id")
    )

    # -- accounts ----------------------------------------------------------------------------------
    acc_debtor = rng.permutation(np.repeat(np.arange(n_debtors, dtype=np.int64), per))
    currency = "CNY" if profile == "CN" else "USD"
    median, sigma, lo, hi = (
        (2800.0, 1.05, 50.0, 300_000.0) if profile == "CN" else (650.0, 1.1, 25.0, 50_000.0)
    )
    balance = np.clip(rng.lognormal(np.log(median), sigma, n), lo, hi)
    outstanding_minor = np.round(balance * 100).astype(np.int64)
    principal_factor = rng.uniform(0.95, 2.6, n)
    principal_minor = np.maximum(np.round(balance * principal_factor / 100) * 10_000, 10_000).astype(np.int64)
    principal_minor = np.maximum(principal_minor, outstanding_minor)
    principal_missing = rng.random(n) < 0.08

    component = rng.choice(4, size=n, p=[0.05, 0.13, 0.79, 0.03])
    short = rng.random(n) < 0.72
    overdue = 1 + np.floor(np.where(short, rng.exponential(11.0, n), rng.exponential(110.0, n)))
    dpd = np.select(
        [component == 0, component == 1, component == 2],
        [rng.integers(-20, -3, n), rng.integers(-3, 1, n), np.minimum(overdue, 720)],
        default=rng.integers(730, 1826, n),
    ).astype(np.int64)

    products, p_prod = _weights(data.CN_PRODUCTS if profile == "CN" else data.US_PRODUCTS)
    logit = -1.6 + 0.55 * np.log1p(np.maximum(dpd, 0)) + rng.normal(0.0, 0.8, n)
    risk_int = np.round(10_000 / (1 + np.exp(-logit))).astype(np.int64)
    dispute = rng.random(n) < 0.012
    complaint = rng.random(n) < np.where(dispute, 0.25, 0.004)
    time_barred = (dpd > 3 * 365) & (rng.random(n) < 0.85)

    # -- payments (drawn per account, exploded to instalments) -------------------------------------
    p_pay = np.select([dpd < -3, dpd <= 0, dpd <= 30, dpd <= 90], [0.03, 0.12, 0.22, 0.10], default=0.04)
    pays = rng.random(n) < p_pay
    full = (rng.random(n) < 0.40) | (outstanding_minor < 200)
    fraction = rng.uniform(0.1, 0.8, n)
    partial_total = np.maximum(np.floor(outstanding_minor * fraction / 100) * 100, 100).astype(np.int64)
    total = np.where(full, outstanding_minor, partial_total)
    k_parts = np.where(
        full,
        np.where(rng.random(n) < 0.10, 2, 1),
        rng.choice(np.array([1, 2, 3]), size=n, p=[0.55, 0.30, 0.15]),
    )
    k_parts = np.where(total // 100 < k_parts, 1, k_parts)
    pay_idx = np.flatnonzero(pays)
    part_account = np.repeat(pay_idx, k_parts[pay_idx])
    n_parts = len(part_account)
    weights = rng.uniform(0.5, 1.5, n_parts)
    seconds = rng.random(n_parts)
    naive = rng.random(n_parts) < 0.15

    accounts = pl.DataFrame(
        {
            "account_idx": np.arange(n, dtype=np.int64),
            "debtor_idx": acc_debtor,
            "outstanding_minor": outstanding_minor,
            "principal_minor": np.where(principal_missing, -1, principal_minor),
            "days_past_due": dpd,
            "product": _pick(rng, products, p_prod, n),
            "risk_int": risk_int,
            # True division, correctly rounded: the same double as parsing the file's "0.1347".
            "risk_score": risk_int / 10_000,
            "dispute": dispute,
            "complaint": complaint,
            "time_barred": time_barred,
        }
    )
    account_base = int(rng.integers(1_000_000_000, 4_000_000_000))
    accounts = (
        accounts.with_columns(
            pl.when(pl.col("principal_minor") < 0)
            .then(None)
            .otherwise("principal_minor")
            .alias("principal_minor")
        )
        .join(
            debtors.select(
                "debtor_idx", "debtor_id", "tz_column", "region", "deceased", "bankrupt", "opt_out"
            ),
            on="debtor_idx",
            how="left",
            maintain_order="left",
        )
        .with_columns(
            (pl.lit("LN") + (pl.col("account_idx") + account_base).cast(pl.Utf8).str.zfill(10)).alias(
                "account_id"
            ),
            pl.lit(currency).alias("currency"),
            (pl.lit(as_of) - pl.duration(days=pl.col("days_past_due"))).cast(pl.Date).alias("due_date"),
        )
        .rename({"tz_column": "timezone"})
    )

    payments = _payments(
        profile, as_of, accounts, part_account, k_parts, total, weights, seconds, naive, currency, seed
    )
    paid = payments.group_by("account_idx").agg(
        pl.col("amount_minor").sum().alias("paid_minor"), pl.col("paid_at").max().alias("paid_at")
    )
    accounts = (
        accounts.join(paid, on="account_idx", how="left", maintain_order="left")
        .with_columns(pl.col("paid_minor").fill_null(0))
        .with_columns(
            pl.when(pl.col("outstanding_minor") - pl.col("paid_minor") <= 0)
            .then(pl.lit("paid"))
            .when(pl.col("paid_minor") > 0)
            .then(pl.lit("partially_paid"))
            .otherwise(pl.lit("open"))
            .alias("status")
        )
    )

    contacts = _contacts(rng, debtors, phones)
    return SamplePortfolio(
        profile=profile,
        as_of=as_of,
        debtors=debtors.drop("tz_column"),
        accounts=accounts,
        contacts=contacts,
        payments=payments,
    )


def _payments(
    profile: str,
    as_of: date,
    accounts: pl.DataFrame,
    part_account: np.ndarray,
    k_parts: np.ndarray,
    total: np.ndarray,
    weights: np.ndarray,
    seconds: np.ndarray,
    naive: np.ndarray,
    currency: str,
    seed: int,
) -> pl.DataFrame:
    """Instalments of each paying account: whole-unit parts whose sum is the paid total."""
    offset = timedelta(hours=8) if profile == "CN" else timedelta(0)
    as_of_start = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) - offset
    frame = pl.DataFrame(
        {
            "account_idx": part_account,
            "k": k_parts[part_account],
            "total": total[part_account],
            "w": weights,
            "u": seconds,
            "naive": naive,
        }
    ).with_columns(pl.int_range(pl.len()).over("account_idx").alias("j"))
    frame = frame.with_columns(
        pl.when(pl.col("j") < pl.col("k") - 1)
        .then(
            (pl.col("total") * pl.col("w") / pl.col("w").sum().over("account_idx") / 100)
            .floor()
            .cast(pl.Int64)
            * 100
        )
        .otherwise(None)
        .alias("part")
    )
    frame = frame.with_columns(
        pl.when(pl.col("part") <= 0).then(pl.lit(100, dtype=pl.Int64)).otherwise("part").alias("part")
    )
    frame = frame.with_columns(
        pl.when(pl.col("j") == pl.col("k") - 1)
        .then(pl.col("total") - pl.col("part").sum().over("account_idx"))
        .otherwise("part")
        .alias("amount_minor")
    )
    dpd = accounts.select("account_idx", "days_past_due", "account_id")
    frame = frame.join(dpd, on="account_idx", how="left", maintain_order="left")
    # Paid between max(due − 7 days, as_of − 120 days) and the start of as_of (local).
    window_days = (
        pl.min_horizontal(pl.col("days_past_due") + 7, pl.lit(120)).clip(lower_bound=1).cast(pl.Float64)
    )
    frame = frame.with_columns(
        (pl.col("u") * window_days * 86_400).cast(pl.Int64).alias("before_s"),
    ).with_columns(
        (pl.lit(as_of_start) - pl.duration(seconds=pl.col("before_s") + 1)).alias("paid_at"),
    )
    # Instalments of one account in time order: the j-th earliest gets the j-th part.
    frame = frame.with_columns(
        pl.col("paid_at").sort().over("account_idx").alias("paid_at"),
    ).sort(["paid_at", "account_idx", "j"])
    pay_base = 5_000_000_000 + (seed % 1000) * 1_000_000
    local = pl.col("paid_at").dt.convert_time_zone("Asia/Shanghai" if profile == "CN" else "UTC")
    if profile == "CN":
        text = (
            pl.when(pl.col("naive"))
            .then(local.dt.strftime("%Y-%m-%d %H:%M:%S"))
            .otherwise(local.dt.strftime("%Y-%m-%dT%H:%M:%S+08:00"))
        )
    else:
        text = local.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return frame.with_row_index("seq").select(
        (pl.lit("PY") + (pl.col("seq").cast(pl.Int64) + pay_base).cast(pl.Utf8)).alias("payment_id"),
        "account_idx",
        "account_id",
        pl.col("amount_minor").cast(pl.Int64),
        pl.lit(currency).alias("currency"),
        "paid_at",
        text.alias("paid_at_text"),
    )


def _contacts(rng: np.random.Generator, debtors: pl.DataFrame, phones: list[pl.DataFrame]) -> pl.DataFrame:
    n = debtors.height
    ids = debtors["debtor_id"]
    idx = debtors["debtor_idx"]
    own = pl.DataFrame(
        {
            "debtor_idx": idx,
            "debtor_id": ids,
            "phone_e164": phones[0]["phone_e164"],
            "phone_text": phones[0]["phone_text"],
            "relation": pl.Series(["self"] * n),
            "verified": rng.random(n) < 0.95,
            "primary": pl.Series([True] * n),
            "k": pl.Series([0] * n, dtype=pl.Int64),
        }
    )
    second = rng.random(n) < 0.03
    has_tp = rng.random(n) < 0.30
    two_tp = has_tp & (rng.random(n) < 0.30)
    rel_idx = [rng.choice(5, size=n, p=_RELATION_WEIGHTS) for _ in range(2)]
    # Nobody has two spouses: a second "spouse" becomes an emergency contact.
    rel_idx[1] = np.where((rel_idx[0] == 1) & (rel_idx[1] == 1), 0, rel_idx[1])
    verified_tp = [rng.random(n) < 0.45 for _ in range(2)]
    parts = [own]
    relations = pl.Series(list(RELATIONS_THIRD_PARTY))
    extra = [
        (1, second, pl.Series(["self"] * n), rng.random(n) < 0.20),
        (2, has_tp, relations.gather(rel_idx[0]), verified_tp[0]),
        (3, two_tp, relations.gather(rel_idx[1]), verified_tp[1]),
    ]
    for k, mask, relation, verified in extra:
        parts.append(
            pl.DataFrame(
                {
                    "debtor_idx": idx,
                    "debtor_id": ids,
                    "phone_e164": phones[k]["phone_e164"],
                    "phone_text": phones[k]["phone_text"],
                    "relation": relation,
                    "verified": verified,
                    "primary": pl.Series([False] * n),
                    "k": pl.Series([k] * n, dtype=pl.Int64),
                }
            ).filter(pl.Series(mask))
        )
    return pl.concat(parts).sort(["debtor_idx", "k"]).drop("k")


def csv_frames(portfolio: SamplePortfolio) -> dict[str, pl.DataFrame]:
    """The three files as all-text frames, in the importers' column layout."""
    debtor_text = portfolio.debtors.select("debtor_idx", "name", "phone_text")
    accounts = (
        portfolio.accounts.join(debtor_text, on="debtor_idx", how="left", maintain_order="left")
        .sort("account_id")
        .select(
            "account_id",
            "debtor_id",
            "name",
            pl.col("phone_text").alias("phone"),
            _minor_text("outstanding_minor").alias("outstanding"),
            "currency",
            pl.col("due_date").cast(pl.Utf8).alias("due_date"),
            "product",
            _minor_text("principal_minor").alias("principal"),
            "timezone",
            "region",
            pl.concat_str(
                (pl.col("risk_int") // 10_000).cast(pl.Utf8),
                pl.lit("."),
                (pl.col("risk_int") % 10_000).cast(pl.Utf8).str.zfill(4),
            ).alias("risk_score"),
            *[_bool_text(c).alias(c) for c in FLAG_COLUMNS],
        )
    )
    contacts = portfolio.contacts.select(
        "debtor_id", pl.col("phone_text").alias("phone"), "relation", _bool_text("verified").alias("verified")
    )
    payments = portfolio.payments.select(
        "payment_id",
        "account_id",
        _minor_text("amount_minor").alias("amount"),
        "currency",
        pl.col("paid_at_text").alias("paid_at"),
    )
    return {"accounts": accounts, "contacts": contacts, "payments": payments}


def write_sample(portfolio: SamplePortfolio, out_dir: Path) -> dict[str, Path]:
    """Write accounts.csv, contacts.csv and payments.csv (UTF-8, comma, LF) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, frame in csv_frames(portfolio).items():
        path = out_dir / f"{name}.csv"
        frame.write_csv(path, line_terminator="\n")
        written[name] = path
    return written
