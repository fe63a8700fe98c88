"""Portfolio reads for the daily pipeline: the debtor frame (docs/design/pipeline.md, "Debtor frame").

This is the hot path of planning: a few narrow queries read with the raw DBAPI cursor (no ORM rows),
and all logic — local dates, DPD, scope, consolidation of several accounts into one row per debtor —
happens in Polars. The SQL only narrows: unpaid accounts with a remaining balance whose due date can
be within scope on any local calendar (``due_date ≤ latest local date on Earth + 3``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.clock import local_date
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import chunks, datetime_param, is_sqlite, one_of
from dunning.core.errors import ConfigError, NotFound
from dunning.core.masking import account_tail
from dunning.portfolio.dpd import PRE_DUE_DAYS, bucket_expr, dpd_expr, in_scope_expr, primary_zone
from dunning.portfolio.models import FLAGS, Account, Contact, Debtor, DebtorHold, Payment

__all__ = [
    "FRAME_SCHEMA",
    "ActiveHold",
    "add_hold",
    "bucket_summary",
    "clear_holds",
    "contact_hashes",
    "contact_masks",
    "contact_numbers",
    "contacts_by_hash",
    "contacts_of",
    "debtor_ids",
    "debtor_refs",
    "debtor_summary",
    "debtors_in_scope",
    "holds_of",
    "holds_with_reason",
    "invalidate_contacts",
    "last_payment_frame",
    "load_debtor_frame",
    "opt_out_contacts",
    "paid_since",
    "payments_between",
    "payments_frame",
    "payments_of",
    "primary_contact",
    "recipient_facts",
    "release_holds",
    "tail_expr",
]

debtors_t: sa.Table = Debtor.__table__  # type: ignore[assignment]
contacts_t: sa.Table = Contact.__table__  # type: ignore[assignment]
accounts_t: sa.Table = Account.__table__  # type: ignore[assignment]
holds_t: sa.Table = DebtorHold.__table__  # type: ignore[assignment]
payments_t: sa.Table = Payment.__table__  # type: ignore[assignment]

FRAME_SCHEMA: dict[str, pl.DataType] = {
    "debtor_pk": pl.Int64(),
    "debtor_ref": pl.Utf8(),
    "name_masked": pl.Utf8(),
    "time_zones": pl.Utf8(),
    "local_date": pl.Date(),
    "region": pl.Utf8(),
    "contact_pk": pl.Int64(),
    "recipient_relation": pl.Utf8(),
    "recipient_verified": pl.Boolean(),
    "recipient_opted_out": pl.Boolean(),
    "recipient_invalid": pl.Boolean(),
    "account_pks": pl.List(pl.Int64()),
    "account_refs": pl.Utf8(),
    "n_accounts": pl.Int32(),
    "account_tail": pl.Utf8(),
    "currency": pl.Utf8(),
    "amount_minor": pl.Int64(),
    "due_date": pl.Date(),
    "days_past_due": pl.Int32(),
    "bucket": pl.Utf8(),
    "risk_score": pl.Float64(),
    "paid": pl.Boolean(),
    **{flag: pl.Boolean() for flag in FLAGS},
    "hold_reason": pl.Utf8(),
}

_CHUNK = 5000
# The latest calendar date anywhere (UTC+14) bounds which due dates can be in scope.
_MAX_OFFSET = timedelta(hours=14)


Column = tuple[str, str, Any]  # (SQL expression, name, Polars dtype)


class _Reader:
    """Bulk reads on the SQLAlchemy connection's own transaction, straight into Polars.

    Python objects per value are the cost of a DBAPI ``fetchall`` of a million rows (seconds), so the
    database formats the rows itself and Polars parses them column-wise: on SQLite one
    ``group_concat(printf(…))`` string with unit/record separators (0x1F/0x1E, which ids, masked names,
    zones and codes cannot contain — the importers reject control characters), on PostgreSQL
    ``COPY (SELECT …) TO STDOUT`` in CSV. If that fails for any reason (too long for SQLite's string
    limit, a row count that does not match) the reader falls back to ``fetchall``.
    """

    def __init__(self, conn: Connection) -> None:
        self.sqlite = is_sqlite(conn)
        raw = conn.connection.driver_connection
        assert raw is not None
        self.raw: Any = raw

    def date_param(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def instant_param(self, value: datetime) -> Any:
        return datetime_param(value, sqlite=self.sqlite)

    def frame(
        self,
        columns: Sequence[Column],
        tail: str,
        params: Sequence[Any],
        in_column: str,
        ids: Sequence[int] | None,
    ) -> pl.DataFrame:
        """``SELECT columns tail`` where ``tail`` holds ``?`` marks and ``{in}`` (→ ``in_column IN
        (ids…)`` in chunks, or ``1=1`` when ids is None)."""
        exprs = [
            f"CASE WHEN {sql} THEN 1 ELSE 0 END" if dtype == pl.Boolean else sql for sql, _, dtype in columns
        ]
        parts: list[pl.DataFrame] = []
        chunks: list[Sequence[int] | None] = (
            [None] if ids is None else [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
        )
        for chunk in chunks:
            where_in = "1=1" if chunk is None else f"{in_column} IN ({', '.join(['?'] * len(chunk))})"
            sql_tail = tail.replace("{in}", where_in)
            values = [*params, *(chunk or [])]
            try:
                parts.append(self._bulk(exprs, columns, sql_tail, values))
            except _BulkUnavailable:
                parts.append(self._fetchall(exprs, columns, sql_tail, values))
        return _typed(pl.concat(parts) if len(parts) > 1 else parts[0], columns)

    def _bulk(
        self, exprs: list[str], columns: Sequence[Column], tail: str, values: list[Any]
    ) -> pl.DataFrame:
        schema: dict[str, Any] = {name: _TRANSPORT.get(dtype, dtype) for _, name, dtype in columns}
        if self.sqlite:
            fmt = "\x1f".join(["%s"] * len(exprs))
            # REALs: 20 significant digits with the '!' flag round-trip exactly ('%s' keeps only 15).
            texts = [
                f"CASE WHEN ({e}) IS NULL THEN NULL ELSE printf('%!.20g', {e}) END"
                if dtype == pl.Float64
                else e
                for e, (_, _, dtype) in zip(exprs, columns, strict=True)
            ]
            sql = f"SELECT count(*), group_concat(printf(?, {', '.join(texts)}), char(30)) {tail}"
            cur = self.raw.cursor()
            try:
                count, text = cur.execute(sql, [fmt, *values]).fetchone()
            except Exception as exc:  # e.g. "string or blob too big"
                raise _BulkUnavailable from exc
            finally:
                cur.close()
            if not count:
                return pl.DataFrame(schema=schema)
            try:
                frame = pl.read_csv(
                    text.encode("utf-8"),
                    has_header=False,
                    separator="\x1f",
                    eol_char="\x1e",
                    quote_char=None,
                    schema=schema,
                )
            except Exception as exc:  # a separator inside a value: read it the slow way
                raise _BulkUnavailable from exc
            if frame.height != count:
                raise _BulkUnavailable
            return frame
        sql = f"COPY (SELECT {', '.join(exprs)} {tail.replace('?', '%s')}) TO STDOUT WITH (FORMAT csv)"
        buffer = bytearray()
        with self.raw.cursor() as cur, cur.copy(sql, values) as copy:
            for block in copy:
                buffer += block
        if not buffer:
            return pl.DataFrame(schema=schema)
        return pl.read_csv(bytes(buffer), has_header=False, schema=schema)

    def _fetchall(
        self, exprs: list[str], columns: Sequence[Column], tail: str, values: list[Any]
    ) -> pl.DataFrame:
        sql = f"SELECT {', '.join(exprs)} {tail}"
        if not self.sqlite:
            sql = sql.replace("?", "%s")
        cur = self.raw.cursor()
        try:
            cur.execute(sql, tuple(values))
            rows = cur.fetchall()
        finally:
            cur.close()
        schema: dict[str, Any] = {name: _TRANSPORT.get(dtype, dtype) for _, name, dtype in columns}
        if not rows:
            return pl.DataFrame(schema=schema)
        data = {}
        for (name, dtype), col in zip(schema.items(), zip(*rows, strict=True), strict=True):
            if dtype == pl.Utf8:
                col = tuple(None if v is None else str(v) for v in col)
            data[name] = pl.Series(name, col, dtype=dtype)
        return pl.DataFrame(data)


class _BulkUnavailable(Exception):
    pass


# How each dtype travels as text: booleans as 0/1, dates as ISO text.
_TRANSPORT: dict[Any, Any] = {pl.Boolean: pl.Int8, pl.Date: pl.Utf8}


def _typed(frame: pl.DataFrame, columns: Sequence[Column]) -> pl.DataFrame:
    out = []
    for _, name, dtype in columns:
        if dtype == pl.Boolean:
            out.append(pl.col(name).cast(pl.Boolean))
        elif dtype == pl.Date:
            out.append(pl.col(name).str.slice(0, 10).str.to_date("%Y-%m-%d"))
        else:
            out.append(pl.col(name))
    return frame.select(out)


def _ascii_tail(ref: pl.Expr) -> pl.Expr:
    digits = ref.str.replace_all(r"\D", "")
    return (
        pl.when(digits.str.len_chars() >= 4)
        .then(digits.str.slice(-4))
        .otherwise(ref.str.replace_all(r"\W", "").str.slice(-4))
    )


def _tails(refs: pl.Series) -> pl.Series:
    """Most ids end in four ASCII digits, which are then the tail; the others are worked out
    column-wise when ASCII, and by ``core.masking.account_tail`` itself otherwise (Python's and
    Polars' ideas of a Unicode word character differ, e.g. for '¼')."""
    out = refs.str.slice(-4)
    hard = (~out.str.contains(r"^[0-9]{4}$")).fill_null(False)
    if hard.any():
        idx = hard.arg_true()
        subset = refs.gather(idx)
        tails = subset.to_frame("r").select(_ascii_tail(pl.col("r"))).to_series()
        other = subset.str.contains(r"[^\x00-\x7f]")
        if other.any():
            where = other.arg_true()
            tails = tails.scatter(where, [account_tail(v) for v in subset.gather(where).to_list()])
        out = out.scatter(idx, tails)
    return out.alias(refs.name)


def tail_expr(ref: pl.Expr) -> pl.Expr:
    """Polars version of ``core.masking.account_tail`` (last four digits, else last four characters)."""
    return ref.map_batches(_tails, return_dtype=pl.Utf8)


def load_debtor_frame(
    conn: Connection,
    now: datetime,
    *,
    default_time_zone: str,
    debtor_pks: Sequence[int] | None = None,
) -> pl.DataFrame:
    """One row per debtor in scope at ``now`` (schema: :data:`FRAME_SCHEMA`), sorted by debtor_pk.

    In scope: accounts not paid, remaining > 0, DPD ≥ −3 on the debtor's local date. A debtor's
    accounts are consolidated: the most overdue account (oldest due date) sets currency, due date and
    tail; remaining balances in that currency are summed; DPD is the largest; risk the highest; flags
    are OR-ed over all of the debtor's accounts. With ``debtor_pks``, only those debtors, and each of
    them even when nothing is in scope (``paid`` true, amount 0, no accounts covered).
    """
    reader = _Reader(conn)
    ids = sorted({int(x) for x in debtor_pks}) if debtor_pks is not None else None
    if ids is not None and not ids:
        return pl.DataFrame(schema=FRAME_SCHEMA)
    now = now.astimezone(UTC)
    cutoff = (now + _MAX_OFFSET).date() + timedelta(days=PRE_DUE_DAYS)

    accounts = reader.frame(
        _ACCOUNT_COLUMNS,
        "FROM accounts AS a WHERE a.status <> 'paid' AND a.outstanding_minor - a.paid_minor > 0 "
        "AND a.due_date <= ? AND {in}",
        [reader.date_param(cutoff)],
        "a.debtor_id",
        ids,
    )
    # Every debtor with their number of record; debtors with nothing in scope drop out in the join.
    # Two sequential scans and a hash join beat a per-debtor index look-up into the wide contacts table.
    debtors = reader.frame(_DEBTOR_COLUMNS, "FROM debtors AS d WHERE {in}", [], "d.id", ids)
    contacts = reader.frame(
        _CONTACT_COLUMNS, 'FROM contacts AS c WHERE c."primary" AND {in}', [], "c.debtor_id", ids
    )
    debtors = debtors.join(_one_per_debtor(contacts), on="debtor_pk", how="left", maintain_order="left")
    debtors = _with_local_date(debtors, now, default_time_zone)

    scoped = (
        accounts.join(debtors.select("debtor_pk", "local_date"), on="debtor_pk", how="inner")
        .with_columns(dpd_expr(pl.col("local_date"), pl.col("due_date")).alias("days_past_due"))
        .filter(in_scope_expr(pl.col("days_past_due")))
    )
    consolidated = _consolidate(scoped)
    frame = debtors.join(
        consolidated, on="debtor_pk", how="inner" if ids is None else "left", maintain_order="left"
    )
    if ids is not None:
        frame = _fill_out_of_scope(reader, frame)
    frame = (
        frame.join(_flags(reader, ids), on="debtor_pk", how="left", maintain_order="left")
        .join(_holds(reader, now, ids), on="debtor_pk", how="left", maintain_order="left")
        .with_columns(
            *[pl.col(flag).fill_null(False) for flag in FLAGS],
            pl.col("recipient_verified").fill_null(False),
            pl.col("recipient_opted_out").fill_null(False),
            pl.col("recipient_invalid").fill_null(False),
            dpd_expr(pl.col("local_date"), pl.col("due_date")).alias("days_past_due"),
        )
        .with_columns(bucket_expr(pl.col("days_past_due")).alias("bucket"))
        .select([pl.col(name).cast(dtype) for name, dtype in FRAME_SCHEMA.items()])
    )
    # SQLite hands debtors over in id order already; PostgreSQL's COPY may not.
    return frame if frame["debtor_pk"].is_sorted() else frame.sort("debtor_pk")


_ACCOUNT_COLUMNS: list[Column] = [
    ("a.id", "account_pk", pl.Int64),
    ("a.debtor_id", "debtor_pk", pl.Int64),
    ("a.external_id", "account_ref", pl.Utf8),
    ("a.currency", "currency", pl.Utf8),
    ("a.outstanding_minor - a.paid_minor", "remaining", pl.Int64),
    ("a.due_date", "due_date", pl.Date),
    ("a.risk_score", "risk_score", pl.Float64),
]
_DEBTOR_COLUMNS: list[Column] = [
    ("d.id", "debtor_pk", pl.Int64),
    ("d.external_id", "debtor_ref", pl.Utf8),
    ("d.name_masked", "name_masked", pl.Utf8),
    ("d.time_zones", "time_zones", pl.Utf8),
    ("d.region", "region", pl.Utf8),
]
_CONTACT_COLUMNS: list[Column] = [
    ("c.debtor_id", "debtor_pk", pl.Int64),
    ("c.id", "contact_pk", pl.Int64),
    ("c.relation", "recipient_relation", pl.Utf8),
    ("c.verified", "recipient_verified", pl.Boolean),
    ("c.opted_out_at IS NOT NULL", "recipient_opted_out", pl.Boolean),
    ("c.invalid_at IS NOT NULL", "recipient_invalid", pl.Boolean),
]


def _one_per_debtor(contacts: pl.DataFrame) -> pl.DataFrame:
    """A debtor should have one number of record; if the data holds more, the oldest contact wins."""
    if contacts["debtor_pk"].is_duplicated().any():
        return contacts.sort("debtor_pk", "contact_pk").unique("debtor_pk", keep="first", maintain_order=True)
    return contacts


def _with_local_date(debtors: pl.DataFrame, now: datetime, default_time_zone: str) -> pl.DataFrame:
    """Local date at ``now`` in each debtor's primary zone, computed once per distinct zone list."""
    debtors = debtors.with_columns(pl.col("time_zones").fill_null(""))
    distinct = debtors["time_zones"].unique().to_list()
    mapping = {z: local_date(now, primary_zone(z, default_time_zone)) for z in distinct}
    return debtors.with_columns(
        pl.col("time_zones")
        .replace_strict(mapping, default=None, return_dtype=pl.Date)
        .cast(pl.Date)
        .alias("local_date")
    )


def _consolidate(scoped: pl.DataFrame) -> pl.DataFrame:
    """Accounts in scope → one row per debtor.

    The most overdue account (oldest due date, then lowest id) fixes the currency and the tail; only
    accounts in that currency are covered and summed. ``account_pks``/``account_refs`` list them by id.
    Sorted by debtor, the head of each run is the most overdue account; most debtors hold one account
    and skip the grouping entirely.
    """
    head = pl.col("debtor_pk").is_first_distinct()
    ordered = scoped.sort("debtor_pk", "due_date", "account_pk").with_columns(
        pl.when(head).then(pl.col("currency")).forward_fill().alias("__cur__")
    )
    covered = ordered.filter(pl.col("currency") == pl.col("__cur__")).drop("__cur__")
    pk = pl.col("debtor_pk")
    alone = (pk != pk.shift(1)).fill_null(True) & (pk != pk.shift(-1)).fill_null(True)
    covered = covered.with_columns(alone.alias("__alone__"))
    singles = covered.filter("__alone__").select(
        "debtor_pk",
        pl.concat_list([pl.col("account_pk")]).alias("account_pks"),
        pl.col("account_ref").alias("account_refs"),
        pl.lit(1, dtype=pl.Int32).alias("n_accounts"),
        tail_expr(pl.col("account_ref")).alias("account_tail"),
        "currency",
        pl.col("remaining").alias("amount_minor"),
        "due_date",
        "risk_score",
    )
    multis = (
        covered.filter(~pl.col("__alone__"))
        .group_by("debtor_pk")
        .agg(
            pl.col("account_pk").sort().alias("account_pks"),
            pl.col("account_ref").sort_by("account_pk").alias("account_refs"),
            pl.len().cast(pl.Int32).alias("n_accounts"),
            pl.col("account_ref").first().alias("account_tail"),
            pl.col("currency").first(),
            pl.col("remaining").sum().alias("amount_minor"),
            pl.col("due_date").min(),
            pl.col("risk_score").max(),
        )
        .with_columns(
            pl.col("account_refs").list.join(","),
            tail_expr(pl.col("account_tail")).alias("account_tail"),
        )
    )
    return pl.concat([singles, multis.select(singles.columns)]).with_columns(pl.lit(False).alias("paid"))


def _flags(reader: _Reader, ids: list[int] | None) -> pl.DataFrame:
    """Flags OR-ed over all of a debtor's accounts. Flagged accounts are rare: SQL returns only them,
    with the six flags packed into one integer, and Polars does the grouping."""
    any_flag = " OR ".join(f"a.{f}" for f in FLAGS)
    packed = " + ".join(f"(CASE WHEN a.{f} THEN {1 << i} ELSE 0 END)" for i, f in enumerate(FLAGS))
    frame = reader.frame(
        [("a.debtor_id", "debtor_pk", pl.Int64), (packed, "bits", pl.Int64)],
        f"FROM accounts AS a WHERE ({any_flag}) AND {{in}}",
        [],
        "a.debtor_id",
        ids,
    )
    return frame.group_by("debtor_pk").agg(
        *[((pl.col("bits") & (1 << i)) != 0).any().alias(f) for i, f in enumerate(FLAGS)]
    )


def _holds(reader: _Reader, now: datetime, ids: list[int] | None) -> pl.DataFrame:
    """The active hold of each debtor at ``now``; with several, the most recently started names it."""
    stamp = reader.instant_param(now)
    started = "julianday(h.starts_at)" if reader.sqlite else "EXTRACT(EPOCH FROM h.starts_at)"
    columns: list[Column] = [
        ("h.debtor_id", "debtor_pk", pl.Int64),
        ("h.reason", "hold_reason", pl.Utf8),
        ("h.id", "hold_pk", pl.Int64),
        (started, "starts_at", pl.Float64),
    ]
    frame = reader.frame(
        columns,
        "FROM debtor_holds AS h WHERE h.cleared_at IS NULL AND h.starts_at <= ? "
        "AND (h.until IS NULL OR h.until > ?) AND {in}",
        [stamp, stamp],
        "h.debtor_id",
        ids,
    )
    return (
        frame.sort("debtor_pk", "starts_at", "hold_pk", descending=[False, True, True])
        .unique("debtor_pk", keep="first", maintain_order=True)
        .select("debtor_pk", "hold_reason")
    )


def _fill_out_of_scope(reader: _Reader, frame: pl.DataFrame) -> pl.DataFrame:
    """Requested debtors with nothing in scope: paid, amount 0, described by their most overdue account."""
    missing = frame.filter(pl.col("n_accounts").is_null())["debtor_pk"].to_list()
    if not missing:
        return frame
    accounts = reader.frame(
        [c for c in _ACCOUNT_COLUMNS if c[1] != "remaining"],
        "FROM accounts AS a WHERE {in}",
        [],
        "a.debtor_id",
        missing,
    )
    described = (
        accounts.sort("debtor_pk", "due_date", "account_pk")
        .group_by("debtor_pk")
        .agg(
            pl.col("account_ref").first().alias("__ref__"),
            pl.col("currency").first().alias("__currency__"),
            pl.col("due_date").first().alias("__due__"),
            pl.col("risk_score").max().alias("__risk__"),
        )
    )
    return (
        frame.join(described, on="debtor_pk", how="left")
        .with_columns(
            pl.col("n_accounts").is_null().alias("paid"),
            pl.col("account_pks").fill_null(pl.lit([], dtype=pl.List(pl.Int64))),
            pl.coalesce("account_refs", pl.lit("")).alias("account_refs"),
            pl.coalesce("amount_minor", pl.lit(0, dtype=pl.Int64)).alias("amount_minor"),
            pl.coalesce("currency", "__currency__").alias("currency"),
            pl.coalesce("due_date", "__due__").alias("due_date"),
            pl.coalesce("account_tail", tail_expr(pl.col("__ref__"))).alias("account_tail"),
            pl.coalesce("risk_score", "__risk__").alias("risk_score"),
            pl.coalesce("n_accounts", pl.lit(0, dtype=pl.Int32)).alias("n_accounts"),
        )
        .drop("__ref__", "__currency__", "__due__", "__risk__")
    )


def bucket_summary(frame: pl.DataFrame) -> pl.DataFrame:
    """Debtors, accounts and amount per bucket and currency, in bucket order (for reports)."""
    from dunning.portfolio.dpd import BUCKETS

    order = pl.DataFrame({"bucket": list(BUCKETS), "__order__": list(range(len(BUCKETS)))})
    return (
        frame.filter(~pl.col("paid"))
        .group_by("bucket", "currency")
        .agg(
            pl.len().alias("debtors"),
            pl.col("n_accounts").sum().cast(pl.Int64).alias("accounts"),
            pl.col("amount_minor").sum().alias("amount_minor"),
        )
        .join(order, on="bucket", how="left")
        .sort("__order__", "currency")
        .drop("__order__")
    )


# --------------------------------------------------------------------------------------------------
# Small reads and writes the flows compose (contacts by number, opt-outs, holds, scope counts)


def debtors_in_scope(conn: Connection, day: date) -> int:
    """Debtors with an unpaid account due at most :data:`PRE_DUE_DAYS` after ``day`` (a plain count:
    the report's figure, the planner's scope on the profile's calendar)."""
    horizon = day + timedelta(days=PRE_DUE_DAYS)
    query = sa.select(sa.func.count(sa.distinct(accounts_t.c.debtor_id))).where(
        accounts_t.c.status != "paid",
        accounts_t.c.outstanding_minor - accounts_t.c.paid_minor > 0,
        accounts_t.c.due_date <= horizon,
    )
    return int(conn.execute(query).scalar_one())


def recipient_facts(conn: Connection, contact_pks: Sequence[int]) -> pl.DataFrame:
    """The recipient columns of the gate for these contacts (relation, verified, opted out)."""
    from dunning.core.frames import read_frame

    statement = sa.select(
        contacts_t.c.id,
        contacts_t.c.relation,
        contacts_t.c.verified,
        contacts_t.c.opted_out_at.is_not(None),
        contacts_t.c.invalid_at.is_not(None),
    ).where(contacts_t.c.id.in_(list(contact_pks)))
    schema = {
        "contact_pk": pl.Int64,
        "recipient_relation": pl.String,
        "recipient_verified": pl.Boolean,
        "recipient_opted_out": pl.Boolean,
        "recipient_invalid": pl.Boolean,
    }
    return read_frame(conn, statement, schema=schema)


def contact_numbers(
    conn: Connection, contact_ids: Sequence[int], cipher: PersonalDataCipher
) -> dict[int, str]:
    """The clear number of each contact (for handing a message to a provider; never log them)."""
    from cryptography.exceptions import InvalidTag

    out: dict[int, str] = {}
    for contact_id, token in _by_id(conn, contacts_t.c.phone_enc, contact_ids).items():
        try:
            out[contact_id] = cipher.decrypt(bytes(token))
        except InvalidTag as exc:
            raise ConfigError(
                f"cannot decrypt the number of contact {contact_id}: wrong data key?",
                f"无法解密联系人 {contact_id} 的号码：数据密钥是否正确？",
            ) from exc
    return out


def _by_id(conn: Connection, column: sa.Column[Any], ids: Sequence[int]) -> dict[int, Any]:
    """``{id: value of column}`` for the rows of ``column``'s table with these ids."""
    table = column.table
    out: dict[int, Any] = {}
    for chunk in chunks(sorted(set(ids))):
        rows = conn.execute(sa.select(table.c.id, column).where(one_of(conn, table.c.id, chunk))).all()
        out.update({int(i): value for i, value in rows})
    return out


def contact_hashes(conn: Connection, contact_ids: Sequence[int]) -> dict[int, str]:
    """The keyed look-up hash of each contact's number."""
    return _by_id(conn, contacts_t.c.phone_hash, contact_ids)


def contact_masks(conn: Connection, contact_ids: Sequence[int]) -> dict[int, str]:
    """The masked form (138****8000) of each contact's number, for display."""
    return _by_id(conn, contacts_t.c.phone_masked, contact_ids)


def contacts_by_hash(conn: Connection, hashes: Sequence[str]) -> dict[str, list[tuple[int, int]]]:
    """``{phone_hash: [(contact_id, debtor_id), …]}``: every contact (of any debtor) with that number."""
    out: dict[str, list[tuple[int, int]]] = {}
    for chunk in chunks(sorted(set(hashes))):
        rows = conn.execute(
            sa.select(contacts_t.c.phone_hash, contacts_t.c.id, contacts_t.c.debtor_id).where(
                one_of(conn, contacts_t.c.phone_hash, chunk)
            )
        ).all()
        for digest, contact_id, debtor_id in rows:
            out.setdefault(str(digest), []).append((int(contact_id), int(debtor_id)))
    return out


def opt_out_contacts(conn: Connection, contact_ids: Sequence[int], now: datetime) -> list[tuple[int, int]]:
    """Mark these contacts opted out (those not already); returns ``(contact_id, debtor_id)`` changed."""
    changed: list[tuple[int, int]] = []
    for chunk in chunks(sorted(set(contact_ids))):
        rows = conn.execute(
            contacts_t.update()
            .where(one_of(conn, contacts_t.c.id, chunk), contacts_t.c.opted_out_at.is_(None))
            .values(opted_out_at=now, updated_at=now)
            .returning(contacts_t.c.id, contacts_t.c.debtor_id)
        ).all()
        changed.extend((int(c), int(d)) for c, d in rows)
    return sorted(changed)


def invalidate_contacts(conn: Connection, contact_ids: Sequence[int], now: datetime) -> list[tuple[int, int]]:
    """Mark these numbers wrong (not the debtor's); returns ``(contact_id, debtor_id)`` changed."""
    changed: list[tuple[int, int]] = []
    for chunk in chunks(sorted(set(contact_ids))):
        rows = conn.execute(
            contacts_t.update()
            .where(one_of(conn, contacts_t.c.id, chunk), contacts_t.c.invalid_at.is_(None))
            .values(invalid_at=now, updated_at=now)
            .returning(contacts_t.c.id, contacts_t.c.debtor_id)
        ).all()
        changed.extend((int(c), int(d)) for c, d in rows)
    return sorted(changed)


def primary_contact(conn: Connection, debtor_id: int) -> int | None:
    """The debtor's number of record (the oldest if the data holds several)."""
    found = conn.execute(
        sa.select(contacts_t.c.id)
        .where(contacts_t.c.debtor_id == debtor_id, contacts_t.c.primary)
        .order_by(contacts_t.c.id)
        .limit(1)
    ).scalar_one_or_none()
    return int(found) if found is not None else None


def contacts_of(conn: Connection, debtor_id: int) -> list[dict[str, Any]]:
    """The debtor's numbers, masked, with their state (for a timeline; no clear number)."""
    rows = conn.execute(
        sa.select(
            contacts_t.c.id, contacts_t.c.phone_masked, contacts_t.c.relation, contacts_t.c.primary,
            contacts_t.c.verified, contacts_t.c.opted_out_at, contacts_t.c.invalid_at,
        ).where(contacts_t.c.debtor_id == debtor_id).order_by(contacts_t.c.id)
    ).all()  # fmt: skip
    keys = ("id", "phone", "relation", "primary", "verified", "opted_out_at", "invalid_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def debtor_summary(conn: Connection, debtor_id: int) -> dict[str, Any]:
    """Who the debtor is, masked, and their accounts (for ``dunning debtor show``)."""
    d = debtors_t.c
    debtor = conn.execute(
        sa.select(d.external_id, d.name_masked, d.time_zones, d.region).where(d.id == debtor_id)
    ).one()
    accounts = conn.execute(
        sa.select(
            accounts_t.c.external_id, accounts_t.c.currency, accounts_t.c.outstanding_minor,
            accounts_t.c.paid_minor, accounts_t.c.due_date, accounts_t.c.status, accounts_t.c.paid_at,
        ).where(accounts_t.c.debtor_id == debtor_id).order_by(accounts_t.c.id)
    ).all()  # fmt: skip
    keys = ("id", "currency", "outstanding_minor", "paid_minor", "due_date", "status", "paid_at")
    return {
        "id": debtor.external_id,
        "name": debtor.name_masked,
        "time_zones": debtor.time_zones,
        "region": debtor.region,
        "accounts": [dict(zip(keys, row, strict=True)) for row in accounts],
    }


def payments_frame(conn: Connection, payment_pks: Sequence[int]) -> pl.DataFrame:
    """``payment_pk, debtor_pk, account_pk, amount_minor, currency, paid_at`` of these payments."""
    from dunning.core.frames import read_frame

    schema: dict[str, pl.DataType] = {
        "payment_pk": pl.Int64(),
        "debtor_pk": pl.Int64(),
        "account_pk": pl.Int64(),
        "amount_minor": pl.Int64(),
        "currency": pl.String(),
        "paid_at": pl.Datetime("us", "UTC"),
    }
    parts = []
    for chunk in chunks(sorted(set(payment_pks))):
        query = (
            sa.select(
                payments_t.c.id, accounts_t.c.debtor_id, payments_t.c.account_id, payments_t.c.amount_minor,
                payments_t.c.currency, payments_t.c.paid_at,
            )
            .join(accounts_t, accounts_t.c.id == payments_t.c.account_id)
            .where(one_of(conn, payments_t.c.id, chunk))
        )  # fmt: skip
        parts.append(read_frame(conn, query, schema=schema))
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def paid_since(conn: Connection, debtor_id: int, since: datetime, currency: str) -> int:
    """Sum of the debtor's payments in ``currency`` made at or after ``since`` (minor units)."""
    total = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(payments_t.c.amount_minor), 0))
        .join(accounts_t, accounts_t.c.id == payments_t.c.account_id)
        .where(
            accounts_t.c.debtor_id == debtor_id,
            payments_t.c.currency == currency,
            payments_t.c.paid_at >= since,
        )
    ).scalar_one()
    return int(total)


def payments_of(conn: Connection, debtor_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(
            payments_t.c.external_id, accounts_t.c.external_id, payments_t.c.amount_minor,
            payments_t.c.currency, payments_t.c.paid_at,
        )
        .join(accounts_t, accounts_t.c.id == payments_t.c.account_id)
        .where(accounts_t.c.debtor_id == debtor_id)
        .order_by(payments_t.c.paid_at, payments_t.c.id)
    ).all()  # fmt: skip
    keys = ("id", "account", "amount_minor", "currency", "paid_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def last_payment_frame(conn: Connection) -> pl.DataFrame:
    """``debtor_pk, last_paid_at``: each debtor's latest payment."""
    from dunning.core.frames import read_frame

    query = (
        sa.select(accounts_t.c.debtor_id, sa.func.max(payments_t.c.paid_at))
        .join(accounts_t, accounts_t.c.id == payments_t.c.account_id)
        .group_by(accounts_t.c.debtor_id)
    )
    schema: dict[str, pl.DataType] = {"debtor_pk": pl.Int64(), "last_paid_at": pl.Datetime("us", "UTC")}
    return read_frame(conn, query, schema=schema)


def payments_between(conn: Connection, start: datetime, end: datetime) -> dict[str, int]:
    """Amount paid in [start, end) per currency (minor units), by payment time."""
    rows = conn.execute(
        sa.select(payments_t.c.currency, sa.func.sum(payments_t.c.amount_minor))
        .where(payments_t.c.paid_at >= start, payments_t.c.paid_at < end)
        .group_by(payments_t.c.currency)
    ).all()
    return {str(c): int(v) for c, v in rows}


def debtor_refs(conn: Connection, debtor_ids: Sequence[int]) -> dict[int, str]:
    """The lender's id (``external_id``) of each debtor."""
    return _by_id(conn, debtors_t.c.external_id, debtor_ids)


def debtor_ids(conn: Connection, refs: Sequence[str]) -> dict[str, int]:
    """Debtor ids by the lender's ids; NotFound naming the first that does not exist."""
    found: dict[str, int] = {}
    for chunk in chunks(sorted(set(refs))):
        rows = conn.execute(
            sa.select(debtors_t.c.external_id, debtors_t.c.id).where(debtors_t.c.external_id.in_(list(chunk)))
        ).all()
        found.update({str(ref): int(i) for ref, i in rows})
    missing = [r for r in refs if r not in found]
    if missing:
        raise NotFound(f"no debtor with id {missing[0]!r}", f"没有编号为 {missing[0]!r} 的债务人")
    return found


@dataclass(frozen=True, slots=True)
class ActiveHold:
    hold_id: int
    debtor_id: int
    reason: str
    starts_at: datetime
    until: datetime | None
    created_by: str | None


def add_hold(
    conn: Connection,
    debtor_id: int,
    reason: str,
    *,
    starts_at: datetime,
    until: datetime | None,
    note: str | None,
    by: str,
) -> int:
    """Pause contact with a debtor from ``starts_at`` (until ``until``, or until released)."""
    return int(
        conn.execute(
            holds_t.insert()
            .values(
                debtor_id=debtor_id, reason=reason, note=note, starts_at=starts_at, until=until, created_by=by
            )
            .returning(holds_t.c.id)
        ).scalar_one()
    )


def clear_holds(conn: Connection, hold_ids: Sequence[int], now: datetime) -> list[int]:
    """End these holds now (those still in force); returns the ids cleared."""
    ids = sorted({int(h) for h in hold_ids})
    if not ids:
        return []
    rows = conn.execute(
        holds_t.update()
        .where(
            holds_t.c.id.in_(ids),
            holds_t.c.cleared_at.is_(None),
            sa.or_(holds_t.c.until.is_(None), holds_t.c.until > now),
        )
        .values(cleared_at=now)
        .returning(holds_t.c.id)
    ).scalars()
    return sorted(int(r) for r in rows)


def holds_with_reason(
    conn: Connection, debtor_ids: Sequence[int], reasons: Sequence[str], now: datetime
) -> list[int]:
    """Ids of holds of these debtors with these reasons still in force at ``now``."""
    out: list[int] = []
    for chunk in chunks(sorted(set(debtor_ids))):
        out.extend(
            int(i)
            for i in conn.execute(
                sa.select(holds_t.c.id).where(
                    one_of(conn, holds_t.c.debtor_id, chunk),
                    holds_t.c.reason.in_(list(reasons)),
                    holds_t.c.cleared_at.is_(None),
                    sa.or_(holds_t.c.until.is_(None), holds_t.c.until > now),
                )
            ).scalars()
        )
    return sorted(out)


def holds_of(conn: Connection, debtor_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.select(
            holds_t.c.id, holds_t.c.reason, holds_t.c.starts_at, holds_t.c.until, holds_t.c.cleared_at,
            holds_t.c.created_by, holds_t.c.note,
        ).where(holds_t.c.debtor_id == debtor_id).order_by(holds_t.c.id)
    ).all()  # fmt: skip
    keys = ("id", "reason", "starts_at", "until", "cleared_at", "by", "note")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def release_holds(conn: Connection, debtor_id: int, now: datetime) -> list[ActiveHold]:
    """Clear every hold of the debtor still in force or yet to start; returns what was cleared."""
    rows = conn.execute(
        holds_t.update()
        .where(
            holds_t.c.debtor_id == debtor_id,
            holds_t.c.cleared_at.is_(None),
            sa.or_(holds_t.c.until.is_(None), holds_t.c.until > now),
        )
        .values(cleared_at=now)
        .returning(
            holds_t.c.id, holds_t.c.debtor_id, holds_t.c.reason, holds_t.c.starts_at, holds_t.c.until,
            holds_t.c.created_by,
        )
    ).all()  # fmt: skip
    return [ActiveHold(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5]) for r in rows]


# --------------------------------------------------------------------------------------------------
# Pages for the API and the dashboard (id order, ``after`` = the last id of the previous page)


def list_debtors(
    conn: Connection,
    *,
    after: int = 0,
    limit: int = 50,
    oldest_due_from: date | None = None,
    oldest_due_to: date | None = None,
    search: str | None = None,
) -> list[dict[str, Any]]:
    """Debtors (masked) with their open balance and the due date of their oldest open account.

    A DPD range is a range of that oldest due date (``dpd >= n`` ⇔ ``oldest_due <= today - n``), so
    the filter runs in SQL on either database."""
    a = accounts_t.c
    open_accounts = (
        sa.select(
            a.debtor_id.label("debtor_id"),
            sa.func.min(a.due_date).label("oldest_due"),
            sa.func.sum(a.outstanding_minor).label("outstanding_minor"),
            sa.func.min(a.currency).label("currency"),
            sa.func.count().label("accounts"),
        )
        .where(a.outstanding_minor > 0)
        .group_by(a.debtor_id)
        .subquery()
    )
    d = debtors_t.c
    query = (
        sa.select(
            d.id, d.external_id, d.name_masked, d.region, d.time_zones,
            open_accounts.c.oldest_due, open_accounts.c.outstanding_minor, open_accounts.c.currency,
            open_accounts.c.accounts,
        )
        .select_from(debtors_t.outerjoin(open_accounts, open_accounts.c.debtor_id == d.id))
        .where(d.id > after)
        .order_by(d.id)
        .limit(limit)
    )  # fmt: skip
    if oldest_due_from is not None:
        query = query.where(open_accounts.c.oldest_due >= oldest_due_from)
    if oldest_due_to is not None:
        query = query.where(open_accounts.c.oldest_due <= oldest_due_to)
    if search:
        query = query.where(d.external_id.startswith(search, autoescape=True))
    keys = (
        "pk", "id", "name", "region", "time_zones", "oldest_due", "outstanding_minor", "currency",
        "open_accounts",
    )  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in conn.execute(query)]


def list_accounts(
    conn: Connection,
    *,
    after: int = 0,
    limit: int = 50,
    debtor_id: int | None = None,
    open_only: bool = False,
    due_from: date | None = None,
    due_to: date | None = None,
) -> list[dict[str, Any]]:
    a = accounts_t.c
    query = (
        sa.select(
            a.id, a.external_id, debtors_t.c.external_id, a.product, a.currency, a.principal_minor,
            a.outstanding_minor, a.paid_minor, a.due_date, a.status, a.paid_at,
        )
        .select_from(accounts_t.join(debtors_t, debtors_t.c.id == a.debtor_id))
        .where(a.id > after)
        .order_by(a.id)
        .limit(limit)
    )  # fmt: skip
    if debtor_id is not None:
        query = query.where(a.debtor_id == debtor_id)
    if open_only:
        query = query.where(a.outstanding_minor > 0)
    if due_from is not None:
        query = query.where(a.due_date >= due_from)
    if due_to is not None:
        query = query.where(a.due_date <= due_to)
    keys = (
        "pk", "id", "debtor_id", "product", "currency", "principal_minor", "outstanding_minor",
        "paid_minor", "due_date", "status", "paid_at",
    )  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in conn.execute(query)]


def list_payments(
    conn: Connection, *, after: int = 0, limit: int = 50, debtor_id: int | None = None
) -> list[dict[str, Any]]:
    p = payments_t.c
    query = (
        sa.select(
            p.id, p.external_id, accounts_t.c.external_id, debtors_t.c.external_id, p.amount_minor,
            p.currency, p.paid_at, p.created_at,
        )
        .select_from(
            payments_t.join(accounts_t, accounts_t.c.id == p.account_id).join(
                debtors_t, debtors_t.c.id == accounts_t.c.debtor_id
            )
        )
        .where(p.id > after)
        .order_by(p.id)
        .limit(limit)
    )  # fmt: skip
    if debtor_id is not None:
        query = query.where(accounts_t.c.debtor_id == debtor_id)
    keys = ("pk", "id", "account_id", "debtor_id", "amount_minor", "currency", "paid_at", "recorded_at")
    return [dict(zip(keys, row, strict=True)) for row in conn.execute(query)]


def personal_data_of(conn: Connection, debtor_id: int) -> tuple[bytes, dict[int, bytes]]:
    """The encrypted name and numbers of one debtor (for an unmasked read, which the flows log)."""
    name = conn.execute(sa.select(debtors_t.c.name_enc).where(debtors_t.c.id == debtor_id)).scalar_one()
    numbers = conn.execute(
        sa.select(contacts_t.c.id, contacts_t.c.phone_enc).where(contacts_t.c.debtor_id == debtor_id)
    ).all()
    return bytes(name), {int(i): bytes(enc) for i, enc in numbers}


def balance_frames(conn: Connection) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the dashboard's cohort figures are computed from: accounts (``account_pk, due_date,
    outstanding_minor, currency``) and payments (``account_pk, amount_minor, paid_at``)."""
    from dunning.core.frames import read_frame

    a = accounts_t.c
    accounts = read_frame(
        conn,
        sa.select(a.id.label("account_pk"), a.due_date, a.outstanding_minor, a.currency),
        schema={
            "account_pk": pl.Int64(),
            "due_date": pl.Date(),
            "outstanding_minor": pl.Int64(),
            "currency": pl.String(),
        },
    )
    p = payments_t.c
    payments = read_frame(
        conn,
        sa.select(p.account_id.label("account_pk"), p.amount_minor, p.paid_at),
        schema={"account_pk": pl.Int64(), "amount_minor": pl.Int64(), "paid_at": pl.Datetime("us", "UTC")},
    )
    return accounts, payments


def debtor_payments_frame(conn: Connection, since: datetime) -> pl.DataFrame:
    """``debtor_pk, amount_minor, paid_at`` of payments made from ``since`` on."""
    from dunning.core.frames import read_frame

    p, a = payments_t.c, accounts_t.c
    return read_frame(
        conn,
        sa.select(a.debtor_id.label("debtor_pk"), p.amount_minor, p.paid_at)
        .select_from(payments_t.join(accounts_t, accounts_t.c.id == p.account_id))
        .where(p.paid_at >= since),
        schema={"debtor_pk": pl.Int64(), "amount_minor": pl.Int64(), "paid_at": pl.Datetime("us", "UTC")},
    )
