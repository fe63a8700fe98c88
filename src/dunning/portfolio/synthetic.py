"""Write a synthetic portfolio straight into the database — for benchmarks and large tests.

:func:`populate_synthetic` draws the same portfolio as ``dunning sample`` (``sample.generate``) and
writes debtors, contacts, accounts, payments and a few holds in bulk (COPY on PostgreSQL, ``executemany``
on SQLite), bypassing file parsing and validation. On SQLite every value is prepared in the storage
form ``core.db.bulk_insert`` would produce (timestamps as SQLAlchemy's UTC text, dates as ISO text), so
the rows go to the driver as they are, and the page cache is enlarged for the load (index pages of
a million rows do not fit the default) and restored afterwards. Account state (paid_minor, paid_at,
status) is computed from the generated payments in Polars, so the result equals importing the three
sample files, plus:

* contact-level opt-outs (``contacts.opted_out_at``) on ~0.4 % of numbers of record;
* holds on ~1.5 % of debtors: promise-to-pay (until a few days after ``now``), hardship and review
  (open-ended), and some already expired or cleared ones that must not count.

Ids continue after the largest existing id of each table; external ids come from the seed, so use a
fresh database (or another seed) for a second portfolio.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import numpy as np
import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.clock import local_date
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import bulk_insert, datetime_param, is_sqlite
from dunning.core.profiles import PROFILE_TIME_ZONE
from dunning.portfolio.models import FLAGS, Account, Contact, Debtor, DebtorHold, Payment
from dunning.portfolio.sample import SamplePortfolio, generate
from dunning.portfolio.service import CONTACT_COLUMNS

_SQLITE_POLARS_DATETIME = "%Y-%m-%d %H:%M:%S%.6f"
_LOAD_CACHE_KIB = 600_000


def masked_names(names: pl.Series) -> pl.Series:
    """``core.masking.mask_name`` for generated names, column-wise (Latin: 'J.', Chinese: '张*')."""
    first = names.str.strip_chars().str.slice(0, 1)
    frame = pl.DataFrame({"f": first})
    return frame.select(
        pl.when(pl.col("f").str.contains("^[A-Za-z]$"))
        .then(pl.col("f").str.to_uppercase() + ".")
        .otherwise(pl.col("f") + "*")
        .alias("name_masked")
    ).to_series()


def masked_phones(e164: pl.Series) -> pl.Series:
    """``core.masking.mask_phone`` for +86 / +1 numbers, column-wise (138****8000, 202***0123)."""
    frame = pl.DataFrame({"e": e164})
    national = (
        pl.when(pl.col("e").str.starts_with("+86"))
        .then(pl.col("e").str.slice(3))
        .when(pl.col("e").str.starts_with("+1"))
        .then(pl.col("e").str.slice(2))
        .otherwise(pl.col("e").str.replace_all(r"\D", ""))
    )
    return (
        frame.with_columns(national.alias("n"))
        .select(
            pl.concat_str(
                pl.col("n").str.slice(0, 3),
                pl.lit("*").repeat_by(pl.col("n").str.len_chars() - 7).list.join(""),
                pl.col("n").str.slice(-4),
            ).alias("phone_masked")
        )
        .to_series()
    )


def _table(model: type[Any]) -> sa.Table:
    return cast(sa.Table, model.__table__)


def _insert(conn: Connection, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """``bulk_insert`` without its per-value conversion on SQLite, where values are already storage-ready."""
    if not is_sqlite(conn):
        bulk_insert(conn, table, columns, rows)
        return
    if not rows:
        return
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" * len(columns))
    raw: Any = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        cursor.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
    finally:
        cursor.close()


@contextmanager
def _bulk_load_cache(conn: Connection) -> Iterator[None]:
    """A larger SQLite page cache while loading (restored after)."""
    if not is_sqlite(conn):
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size={-_LOAD_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(previous)}")


def _max_id(conn: Connection, table: sa.Table) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one())


def populate_synthetic(
    conn: Connection,
    n_accounts: int,
    seed: int,
    now: datetime,
    profile: str,
    cipher: PersonalDataCipher,
) -> dict[str, int]:
    """Generate a portfolio as of ``now`` (the profile zone's local date) and bulk-write it in ``conn``.

    Returns the number of rows written per table.
    """
    profile = profile.upper()
    as_of = local_date(now, PROFILE_TIME_ZONE[profile])
    portfolio = generate(n_accounts, seed, profile, as_of)
    with _bulk_load_cache(conn):
        return write_portfolio(conn, portfolio, now, cipher, seed=seed)


def write_portfolio(
    conn: Connection, portfolio: SamplePortfolio, now: datetime, cipher: PersonalDataCipher, *, seed: int = 0
) -> dict[str, int]:
    """Bulk-write a generated portfolio (see module docstring)."""
    sqlite = is_sqlite(conn)
    now = now.astimezone(UTC)

    def stamp(value: datetime) -> Any:
        return datetime_param(value, sqlite=sqlite)

    def stamps(col: str) -> pl.Expr:
        return pl.col(col).dt.strftime(_SQLITE_POLARS_DATETIME) if sqlite else pl.col(col)

    now_value = stamp(now)
    base = {t: _max_id(conn, t) for t in (_table(Debtor), _table(Contact), _table(Account), _table(Payment))}
    debtor_base = base[_table(Debtor)]
    rng = np.random.default_rng([seed, 7919])

    # Debtors.
    debtors = portfolio.debtors
    names = debtors["name"].to_list()
    debtor_rows = list(
        zip(
            (debtors["debtor_idx"] + debtor_base + 1).to_list(),
            debtors["debtor_id"].to_list(),
            cipher.encrypt_many(names),
            masked_names(debtors["name"]).to_list(),
            debtors["time_zones"].to_list(),
            debtors["region"].to_list(),
            [now_value] * debtors.height,
            [now_value] * debtors.height,
            strict=True,
        )
    )
    _insert(
        conn,
        _table(Debtor),
        ("id", "external_id", "name_enc", "name_masked", "time_zones", "region", "created_at", "updated_at"),
        debtor_rows,
    )
    del debtor_rows, names

    # Contacts (numbers repeat across debtors only in big US samples: encrypt each number once).
    contacts = portfolio.contacts
    phones = contacts["phone_e164"].to_list()
    distinct = list(dict.fromkeys(phones))
    hashes = dict(zip(distinct, (cipher.lookup_hash(p) for p in distinct), strict=True))
    opted = contacts["primary"].to_numpy() & (rng.random(contacts.height) < 0.004)
    opt_days = rng.integers(1, 90, contacts.height)
    opted_at = [
        stamp(now - timedelta(days=int(d))) if o else None for o, d in zip(opted, opt_days, strict=True)
    ]
    contact_rows = list(
        zip(
            range(base[_table(Contact)] + 1, base[_table(Contact)] + contacts.height + 1),
            (contacts["debtor_idx"] + debtor_base + 1).to_list(),
            cipher.encrypt_many(phones),
            [hashes[p] for p in phones],
            masked_phones(contacts["phone_e164"]).to_list(),
            contacts["relation"].to_list(),
            contacts["verified"].to_list(),
            contacts["primary"].to_list(),
            opted_at,
            [now_value] * contacts.height,
            [now_value] * contacts.height,
            strict=True,
        )
    )
    _insert(
        conn,
        _table(Contact),
        ("id", *CONTACT_COLUMNS),
        contact_rows,
    )
    del contact_rows

    # Accounts, with state derived from the generated payments.
    account_base = base[_table(Account)]
    accounts = portfolio.accounts.select(
        (pl.col("account_idx") + account_base + 1).alias("id"),
        "account_id",
        (pl.col("debtor_idx") + debtor_base + 1).alias("debtor_id"),
        "product",
        "currency",
        "principal_minor",
        "outstanding_minor",
        "paid_minor",
        pl.col("due_date").cast(pl.Utf8) if sqlite else pl.col("due_date"),
        pl.col("timezone").alias("time_zone"),
        "region",
        "risk_score",
        *FLAGS,
        "status",
        stamps("paid_at").alias("paid_at"),
        pl.lit(now_value).alias("created_at"),
        pl.lit(now_value).alias("updated_at"),
    )
    _insert(
        conn,
        _table(Account),
        (
            "id", "external_id", "debtor_id", "product", "currency", "principal_minor", "outstanding_minor",
            "paid_minor", "due_date", "time_zone", "region", "risk_score", *FLAGS, "status", "paid_at",
            "created_at", "updated_at",
        ),
        accounts.rows(),
    )  # fmt: skip

    payments = portfolio.payments.select(
        pl.int_range(pl.len()).alias("i") + base[_table(Payment)] + 1,
        "payment_id",
        (pl.col("account_idx") + account_base + 1).alias("account_id"),
        "amount_minor",
        "currency",
        stamps("paid_at").alias("paid_at"),
        pl.lit(now_value).alias("created_at"),
    )
    _insert(
        conn,
        _table(Payment),
        ("id", "external_id", "account_id", "amount_minor", "currency", "paid_at", "created_at"),
        payments.rows(),
    )

    holds = _holds(rng, debtors.height, debtor_base, now, stamp)
    _insert(
        conn,
        _table(DebtorHold),
        ("debtor_id", "reason", "note", "starts_at", "until", "cleared_at", "created_by"),
        holds,
    )
    return {
        "debtors": debtors.height,
        "contacts": contacts.height,
        "accounts": accounts.height,
        "payments": payments.height,
        "debtor_holds": len(holds),
    }


def _holds(
    rng: np.random.Generator, n_debtors: int, debtor_base: int, now: datetime, stamp: Any
) -> list[tuple[Any, ...]]:
    chosen = np.flatnonzero(rng.random(n_debtors) < 0.015)
    kind = rng.choice(5, size=len(chosen), p=[0.55, 0.12, 0.08, 0.15, 0.10])
    start_days = rng.integers(0, 10, len(chosen))
    length_days = rng.integers(1, 8, len(chosen))
    rows: list[tuple[Any, ...]] = []
    for idx, k, start, length in zip(chosen, kind, start_days, length_days, strict=True):
        starts = now - timedelta(days=int(start), hours=1)
        row: tuple[str, str, datetime, datetime | None, datetime | None]
        if k == 0:  # active promise to pay
            row = ("ptp", "承诺还款 / promise to pay", starts, now + timedelta(days=int(length)), None)
        elif k == 1:
            row = ("hardship", "困难申请 / hardship", starts, None, None)
        elif k == 2:
            row = ("review", "人工复核 / manual review", starts, None, None)
        elif k == 3:  # a promise that already ran out
            row = (
                "ptp",
                "承诺还款 / promise to pay",
                starts - timedelta(days=20),
                now - timedelta(days=int(length)),
                None,
            )
        else:  # cleared by an agent
            row = ("review", "人工复核 / manual review", starts, None, now - timedelta(minutes=30))
        reason, note, begin, until, cleared = row
        rows.append(
            (
                int(idx) + debtor_base + 1,
                reason,
                note,
                stamp(begin),
                stamp(until) if until is not None else None,
                stamp(cleared) if cleared is not None else None,
                "synthetic",
            )
        )
    return rows
