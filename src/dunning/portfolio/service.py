"""Import service: a validated file → debtors, contacts, accounts and payments, in the caller's unit of work.

Idempotent upsert keyed by the file's ids (``external_id``; contacts by debtor + phone hash). A row that
matches the stored state exactly is "unchanged" and not written, so importing the same file twice
changes nothing. Names and numbers are compared in clear (decrypted) or by their look-up hash, because
every encryption uses a fresh nonce.

Semantics:

* accounts file: creates or updates the debtor (name; time zones from the account's ``timezone``
  column, else the zones of the phone number, else the profile's zone; region), records the account's
  phone number as the debtor's own number (relation self, verified, primary) and updates the account.
  The last row of a debtor in the file decides the number of record; an earlier number of record stays
  as a contact but is no longer primary. Columns that are absent from the file keep their stored values.
  Relation and verification of an existing contact belong to the contacts file and are not reset here.
* contacts file: inserts or updates (relation, verified) the contacts of known debtors.
* payments file: inserts or updates payments of known accounts (the currency must be the account's),
  then recomputes ``paid_minor`` (sum of payments), ``paid_at`` (latest payment) and ``status``
  (paid when nothing remains, partially_paid when something was paid, else open) in one statement.

``affected_debtor_pks``: existing debtors whose collection state changed — any of opt_out, dispute,
complaint, bankrupt, deceased; the outstanding amount, paid amount or status of an account (including a
new account or an account moved between debtors); the number of record, or the relation or verification
of that number; the time zones. Queued messages for them were planned on stale facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import UTCDateTime, bulk_insert, is_sqlite
from dunning.core.errors import ImportRejected
from dunning.core.masking import mask_name, mask_phone
from dunning.core.phone import time_zones_for
from dunning.core.profiles import PROFILE_TIME_ZONE
from dunning.portfolio.columns import FLAGS, STATE_FLAGS, FileKind
from dunning.portfolio.importers import LINE, RawTable, RowError, read_table, validate
from dunning.portfolio.models import Account, Contact, Debtor, Payment

ProgressCallback = Callable[[str, float], None]

_CHUNK = 5000

CONTACT_COLUMNS = (
    "debtor_id", "phone_enc", "phone_hash", "phone_masked", "relation", "verified", "primary",
    "opted_out_at", "created_at", "updated_at",
)  # fmt: skip

debtors_t = cast(sa.Table, Debtor.__table__)
contacts_t = cast(sa.Table, Contact.__table__)
accounts_t = cast(sa.Table, Account.__table__)
payments_t = cast(sa.Table, Payment.__table__)


@dataclass
class TableCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class ImportResult:
    """What one import did. ``errors`` are the rows left out (only with ``skip_invalid``)."""

    kind: FileKind
    path: Path
    rows: int
    imported_rows: int = 0
    counts: dict[str, TableCounts] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    affected_debtor_pks: set[int] = field(default_factory=set)
    #: payments written (inserted or changed) by a payments import
    payment_pks: list[int] = field(default_factory=list)
    encoding: str | None = None
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def skipped_rows(self) -> int:
        return len({e.line for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors


def import_file(
    conn: Connection,
    kind: FileKind,
    path: Path,
    *,
    cipher: PersonalDataCipher,
    profile: str,
    now: datetime,
    skip_invalid: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """Validate ``path`` and upsert its rows in ``conn``'s transaction.

    Raises ImportRejected (with every RowError) when the file has a file-level problem, or when any row
    is invalid and ``skip_invalid`` is false — before anything is written.
    """
    step = progress or (lambda _label, _fraction: None)
    step("读取 / Reading", 0.0)
    raw = read_table(path)
    return import_table(
        conn, kind, raw, cipher=cipher, profile=profile, now=now, skip_invalid=skip_invalid, progress=step
    )


def table_of_rows(rows: Sequence[Mapping[str, str | None]], columns: Sequence[str], source: str) -> RawTable:
    """Rows given by a program (the API, a flow) as the raw table a file would give: the same checks
    and the same row-level report apply (line = position in the list, from 1)."""
    # The shape read_table gives: positional c0..cN, trimmed, empty as null, plus the line number.
    data: dict[str, list[str | None]] = {
        f"c{i}": [(str(v).strip() or None) if (v := row.get(c)) is not None else None for row in rows]
        for i, c in enumerate(columns)
    }
    frame = pl.DataFrame(
        {**data, LINE: list(range(1, len(rows) + 1))},
        schema={**{f"c{i}": pl.String for i in range(len(columns))}, LINE: pl.Int64},
    )
    return RawTable(Path(source), list(columns), frame)


def import_table(
    conn: Connection,
    kind: FileKind,
    raw: RawTable,
    *,
    cipher: PersonalDataCipher,
    profile: str,
    now: datetime,
    skip_invalid: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportResult:
    """:func:`import_file` on a table already read."""
    step = progress or (lambda _label, _fraction: None)
    profile = profile.upper()
    path = raw.path
    step("校验 / Validating", 0.1)
    checked = validate(kind, raw, profile)
    if checked.file_error:
        raise _rejected(path, checked.errors, file_level=True)
    frame = checked.frame
    errors = list(checked.errors)
    step("核对引用 / Checking references", 0.4)
    if kind == "contacts":
        frame, ref_errors = _resolve_debtors(conn, frame)
        errors.extend(ref_errors)
    elif kind == "payments":
        frame, ref_errors = _resolve_accounts(conn, frame)
        errors.extend(ref_errors)
    errors.sort(key=lambda e: (e.line, e.column))
    if errors and not skip_invalid:
        raise _rejected(path, errors, file_level=False)
    result = ImportResult(
        kind=kind,
        path=path,
        rows=checked.rows,
        imported_rows=frame.height,
        errors=errors,
        encoding=checked.encoding,
        ignored_columns=checked.ignored_columns,
    )
    if kind == "accounts":
        _apply_accounts(conn, frame, checked.present, cipher, profile, now, result, step)
    elif kind == "contacts":
        _apply_contacts(conn, frame, cipher, now, result, step)
    else:
        _apply_payments(conn, frame, now, result, step)
    step("完成 / Done", 1.0)
    return result


def _rejected(path: Path, errors: list[RowError], *, file_level: bool) -> ImportRejected:
    if file_level:
        reason = "; ".join(e.reason_en for e in errors)
        reason_zh = "；".join(e.reason_zh for e in errors)
        return ImportRejected(
            f"{path.name} cannot be imported: {reason}", f"{path.name} 无法导入：{reason_zh}", list(errors)
        )
    lines = len({e.line for e in errors})
    return ImportRejected(
        f"{path.name}: {lines} invalid row(s); nothing was imported",
        f"{path.name}：{lines} 行无效，未导入任何数据",
        list(errors),
    )


# --------------------------------------------------------------------------------------------------
# Helpers


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _fetch_in(
    conn: Connection,
    columns: Sequence[sa.ColumnElement[Any]],
    key: sa.ColumnElement[Any],
    values: Iterable[Any],
) -> list[Row[Any]]:
    rows: list[Row[Any]] = []
    unique = list(dict.fromkeys(values))
    for part in _chunks(unique):
        rows.extend(conn.execute(sa.select(*columns).where(key.in_(part))).all())
    return rows


def _date_value(conn: Connection, value: date | None) -> Any:
    """Dates for bulk_insert: ISO text on SQLite (what SQLAlchemy stores there), date objects elsewhere."""
    if value is None:
        return None
    return value.isoformat() if is_sqlite(conn) else value


def _update_many(
    conn: Connection, table: sa.Table, columns: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """One UPDATE … WHERE id = ? executed for many rows (executemany), with column types applied."""
    if not rows:
        return
    stmt = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("b_id"))
        .values({c: sa.bindparam(f"b_{c}", type_=table.c[c].type) for c in columns})
    )
    for part in _chunks(rows):
        conn.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in part])


def _contact_row(
    debtor_pk: int,
    phone: str,
    digest: str,
    relation: str,
    verified: bool,
    primary: bool,
    cipher: PersonalDataCipher,
    now: datetime,
) -> tuple[Any, ...]:
    """A new contact in :data:`CONTACT_COLUMNS` order: the number encrypted, hashed and masked."""
    return (
        debtor_pk,
        cipher.encrypt(phone),
        digest,
        mask_phone(phone),
        relation,
        verified,
        primary,
        None,
        now,
        now,
    )


def _resolve_debtors(conn: Connection, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[RowError]]:
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("debtor_pk")), []
    found = _fetch_in(
        conn, [debtors_t.c.external_id, debtors_t.c.id], debtors_t.c.external_id, frame["debtor_id"]
    )
    known = pl.DataFrame(
        {"debtor_id": [r.external_id for r in found], "debtor_pk": [int(r.id) for r in found]},
        schema={"debtor_id": pl.Utf8, "debtor_pk": pl.Int64},
    )
    joined = frame.join(known, on="debtor_id", how="left", maintain_order="left")
    unknown = joined.filter(pl.col("debtor_pk").is_null())
    errors = [
        RowError(
            int(line),
            "debtor_id",
            str(ref),
            "未知债务人（请先导入 accounts 文件）",
            "unknown debtor (import the accounts file first)",
        )
        for line, ref in unknown.select("line", "debtor_id").iter_rows()
    ]
    return joined.filter(pl.col("debtor_pk").is_not_null()), errors


def _resolve_accounts(conn: Connection, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[RowError]]:
    schema = {"account_id": pl.Utf8, "account_pk": pl.Int64, "account_currency": pl.Utf8}
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("account_pk")), []
    found = _fetch_in(
        conn,
        [accounts_t.c.external_id, accounts_t.c.id, accounts_t.c.currency],
        accounts_t.c.external_id,
        frame["account_id"],
    )
    known = pl.DataFrame([tuple(r) for r in found], schema=schema, orient="row")
    joined = frame.join(known, on="account_id", how="left", maintain_order="left")
    errors: list[RowError] = []
    for line, ref, pk, currency, account_currency in joined.select(
        "line", "account_id", "account_pk", "currency", "account_currency"
    ).iter_rows():
        if pk is None:
            errors.append(
                RowError(
                    int(line),
                    "account_id",
                    str(ref),
                    "未知账户（请先导入 accounts 文件）",
                    "unknown account (import the accounts file first)",
                )
            )
        elif currency != account_currency:
            errors.append(
                RowError(
                    int(line),
                    "currency",
                    str(currency),
                    f"还款币种与账户币种 {account_currency} 不一致",
                    f"payment currency differs from the account's {account_currency}",
                )
            )
    good = joined.filter(
        pl.col("account_pk").is_not_null() & (pl.col("currency") == pl.col("account_currency"))
    )
    return good.drop("account_currency"), errors


# --------------------------------------------------------------------------------------------------
# Accounts


def _apply_accounts(
    conn: Connection,
    frame: pl.DataFrame,
    present: frozenset[str],
    cipher: PersonalDataCipher,
    profile: str,
    now: datetime,
    result: ImportResult,
    step: ProgressCallback,
) -> None:
    counts = {name: TableCounts() for name in ("debtors", "contacts", "accounts")}
    result.counts = counts
    if frame.is_empty():
        return
    frame = frame.sort("line")
    default_zone = PROFILE_TIME_ZONE[profile]
    per_debtor = frame.group_by("debtor_id", maintain_order=True).agg(
        pl.col("name").last(),
        pl.col("phone").last().alias("primary_phone"),
        pl.col("phone").unique(maintain_order=True).alias("phones"),
        pl.col("time_zone").drop_nulls().last().alias("time_zone"),
        pl.col("region").drop_nulls().last().alias("region"),
    )

    step("写入债务人 / Writing debtors", 0.5)
    existing = {
        r.external_id: r
        for r in _fetch_in(
            conn,
            [
                debtors_t.c.id,
                debtors_t.c.external_id,
                debtors_t.c.name_enc,
                debtors_t.c.time_zones,
                debtors_t.c.region,
            ],
            debtors_t.c.external_id,
            per_debtor["debtor_id"],
        )
    }
    new_rows: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    affected: set[int] = set()
    zones_of: dict[str, str] = {}
    for ref, name, primary_phone, _phones, tz, region in per_debtor.iter_rows():
        zones = tz or zones_of.get(primary_phone)
        if zones is None:
            zones = ",".join(time_zones_for(primary_phone)) or default_zone
            zones_of[primary_phone] = zones
        old = existing.get(ref)
        if old is None:
            new_rows.append(
                (
                    ref,
                    cipher.encrypt(name),
                    mask_name(name),
                    zones,
                    region if "region" in present else None,
                    now,
                    now,
                )
            )
            continue
        new_region = region if "region" in present else old.region
        same_name = cipher.decrypt(old.name_enc) == name
        if same_name and old.time_zones == zones and old.region == new_region:
            counts["debtors"].unchanged += 1
            continue
        if old.time_zones != zones:
            affected.add(int(old.id))
        updates.append(
            {
                "id": old.id,
                "name_enc": old.name_enc if same_name else cipher.encrypt(name),
                "name_masked": mask_name(name),
                "time_zones": zones,
                "region": new_region,
                "updated_at": now,
            }
        )
    bulk_insert(
        conn,
        debtors_t,
        ("external_id", "name_enc", "name_masked", "time_zones", "region", "created_at", "updated_at"),
        new_rows,
    )
    _update_many(conn, debtors_t, ("name_enc", "name_masked", "time_zones", "region", "updated_at"), updates)
    counts["debtors"].inserted = len(new_rows)
    counts["debtors"].updated = len(updates)
    debtor_pk = {ref: int(r.id) for ref, r in existing.items()}
    if new_rows:
        for r in _fetch_in(
            conn, [debtors_t.c.external_id, debtors_t.c.id], debtors_t.c.external_id, [x[0] for x in new_rows]
        ):
            debtor_pk[r.external_id] = int(r.id)
    existing_debtors = {int(r.id) for r in existing.values()}

    step("写入联系方式 / Writing contacts", 0.65)
    affected |= _own_numbers(conn, per_debtor, debtor_pk, existing_debtors, cipher, now, counts["contacts"])

    step("写入账户 / Writing accounts", 0.8)
    affected |= _upsert_accounts(conn, frame, present, debtor_pk, existing_debtors, now, counts["accounts"])
    result.affected_debtor_pks |= affected


def _own_numbers(
    conn: Connection,
    per_debtor: pl.DataFrame,
    debtor_pk: dict[str, int],
    existing_debtors: set[int],
    cipher: PersonalDataCipher,
    now: datetime,
    counts: TableCounts,
) -> set[int]:
    """Each account phone is the debtor's own number; the debtor's last one is the number of record."""
    pks = [debtor_pk[ref] for ref in per_debtor["debtor_id"]]
    stored: dict[tuple[int, str], Row[Any]] = {}
    primaries: dict[int, list[Row[Any]]] = {}
    for r in _fetch_in(
        conn,
        [contacts_t.c.id, contacts_t.c.debtor_id, contacts_t.c.phone_hash, contacts_t.c.primary],
        contacts_t.c.debtor_id,
        [pk for pk in pks if pk in existing_debtors],
    ):
        stored[(int(r.debtor_id), r.phone_hash)] = r
        if r.primary:
            primaries.setdefault(int(r.debtor_id), []).append(r)
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    affected: set[int] = set()
    for ref, _name, primary_phone, phones, _tz, _region in per_debtor.iter_rows():
        pk = debtor_pk[ref]
        primary_hash = cipher.lookup_hash(primary_phone)
        for phone in phones:
            digest = primary_hash if phone == primary_phone else cipher.lookup_hash(phone)
            is_primary = phone == primary_phone
            old = stored.get((pk, digest))
            if old is None:
                inserts.append(_contact_row(pk, phone, digest, "self", True, is_primary, cipher, now))
                if is_primary and pk in existing_debtors:
                    affected.add(pk)
            elif bool(old.primary) != is_primary:
                updates.append({"id": old.id, "primary": is_primary, "updated_at": now})
                affected.add(pk)
            else:
                counts.unchanged += 1
        for old in primaries.get(pk, []):
            if old.phone_hash != primary_hash and old.phone_hash not in {
                cipher.lookup_hash(p) for p in phones
            }:
                updates.append({"id": old.id, "primary": False, "updated_at": now})
                affected.add(pk)
    bulk_insert(
        conn,
        contacts_t,
        CONTACT_COLUMNS,
        inserts,
    )
    _update_many(conn, contacts_t, ("primary", "updated_at"), updates)
    counts.inserted += len(inserts)
    counts.updated += len(updates)
    return affected


_ACCOUNT_FIELDS = (
    "debtor_id", "product", "currency", "principal_minor", "outstanding_minor", "due_date", "time_zone",
    "region", "risk_score", *FLAGS,
)  # fmt: skip
# File column that controls each optional field (absent column → keep the stored value).
_OPTIONAL_SOURCE = {
    "product": "product",
    "principal_minor": "principal",
    "time_zone": "timezone",
    "region": "region",
    "risk_score": "risk_score",
    **{f: f for f in FLAGS},
}


def _upsert_accounts(
    conn: Connection,
    frame: pl.DataFrame,
    present: frozenset[str],
    debtor_pk: dict[str, int],
    existing_debtors: set[int],
    now: datetime,
    counts: TableCounts,
) -> set[int]:
    stored = {
        r.external_id: r
        for r in _fetch_in(
            conn,
            [accounts_t.c.id, accounts_t.c.external_id, *[accounts_t.c[f] for f in _ACCOUNT_FIELDS]],
            accounts_t.c.external_id,
            frame["account_id"],
        )
    }
    file_cols = [
        "account_id", "debtor_id", "product", "currency", "principal_minor", "outstanding_minor", "due_date",
        "time_zone", "region", "risk_score", *FLAGS,
    ]  # fmt: skip
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    recompute: list[int] = []
    affected: set[int] = set()
    for row in frame.select(file_cols).iter_rows(named=True):
        ref = row.pop("account_id")
        row["debtor_id"] = debtor_pk[row["debtor_id"]]
        old = stored.get(ref)
        if old is None:
            for fld, source in _OPTIONAL_SOURCE.items():
                if source not in present:
                    row[fld] = False if fld in FLAGS else None
            status = "paid" if row["outstanding_minor"] <= 0 else "open"
            inserts.append(
                (
                    ref, row["debtor_id"], row["product"], row["currency"], row["principal_minor"],
                    row["outstanding_minor"], 0, _date_value(conn, row["due_date"]), row["time_zone"],
                    row["region"], row["risk_score"], *[bool(row[f]) for f in FLAGS], status, None, now, now,
                )
            )  # fmt: skip
            if row["debtor_id"] in existing_debtors:
                affected.add(row["debtor_id"])
            continue
        for fld, source in _OPTIONAL_SOURCE.items():
            if source not in present:
                row[fld] = getattr(old, fld)
        changed = {f: row[f] for f in _ACCOUNT_FIELDS if row[f] != getattr(old, f)}
        if not changed:
            counts.unchanged += 1
            continue
        if "outstanding_minor" in changed:
            recompute.append(int(old.id))
        if "outstanding_minor" in changed or "debtor_id" in changed or any(f in changed for f in STATE_FLAGS):
            affected.update({int(old.debtor_id), int(row["debtor_id"])})
        updates.append({"id": old.id, **{f: row[f] for f in _ACCOUNT_FIELDS}, "updated_at": now})
    bulk_insert(
        conn,
        accounts_t,
        (
            "external_id", "debtor_id", "product", "currency", "principal_minor", "outstanding_minor",
            "paid_minor", "due_date", "time_zone", "region", "risk_score", *FLAGS, "status", "paid_at",
            "created_at", "updated_at",
        ),
        inserts,
    )  # fmt: skip
    _update_many(conn, accounts_t, (*_ACCOUNT_FIELDS, "updated_at"), updates)
    counts.inserted += len(inserts)
    counts.updated += len(updates)
    affected |= recompute_accounts(conn, recompute, now)
    return affected


# --------------------------------------------------------------------------------------------------
# Contacts


def _apply_contacts(
    conn: Connection,
    frame: pl.DataFrame,
    cipher: PersonalDataCipher,
    now: datetime,
    result: ImportResult,
    step: ProgressCallback,
) -> None:
    counts = TableCounts()
    result.counts = {"contacts": counts}
    if frame.is_empty():
        return
    step("写入联系方式 / Writing contacts", 0.6)
    stored: dict[tuple[int, str], Row[Any]] = {
        (int(r.debtor_id), r.phone_hash): r
        for r in _fetch_in(
            conn,
            [contacts_t.c.id, contacts_t.c.debtor_id, contacts_t.c.phone_hash, contacts_t.c.relation,
             contacts_t.c.verified, contacts_t.c.primary],
            contacts_t.c.debtor_id,
            frame["debtor_pk"].unique().to_list(),
        )
    }  # fmt: skip
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    for pk, phone, relation, verified in frame.select(
        "debtor_pk", "phone", "relation", "verified"
    ).iter_rows():
        digest = cipher.lookup_hash(phone)
        old = stored.get((pk, digest))
        if old is None:
            inserts.append(_contact_row(pk, phone, digest, relation, verified, False, cipher, now))
        elif old.relation != relation or bool(old.verified) != verified:
            updates.append({"id": old.id, "relation": relation, "verified": verified, "updated_at": now})
            if old.primary:
                result.affected_debtor_pks.add(int(pk))
        else:
            counts.unchanged += 1
    bulk_insert(
        conn,
        contacts_t,
        CONTACT_COLUMNS,
        inserts,
    )
    _update_many(conn, contacts_t, ("relation", "verified", "updated_at"), updates)
    counts.inserted = len(inserts)
    counts.updated = len(updates)


# --------------------------------------------------------------------------------------------------
# Payments


def _apply_payments(
    conn: Connection, frame: pl.DataFrame, now: datetime, result: ImportResult, step: ProgressCallback
) -> None:
    counts = TableCounts()
    result.counts = {"payments": counts, "accounts": TableCounts()}
    if frame.is_empty():
        return
    step("写入还款 / Writing payments", 0.6)
    stored = {
        r.external_id: r
        for r in _fetch_in(
            conn,
            [payments_t.c.id, payments_t.c.external_id, payments_t.c.account_id, payments_t.c.amount_minor,
             payments_t.c.currency, payments_t.c.paid_at],
            payments_t.c.external_id,
            frame["payment_id"],
        )
    }  # fmt: skip
    inserts: list[tuple[Any, ...]] = []
    updates: list[dict[str, Any]] = []
    touched: set[int] = set()
    for ref, account_pk, amount, currency, paid_at in frame.select(
        "payment_id", "account_pk", "amount_minor", "currency", "paid_at"
    ).iter_rows():
        old = stored.get(ref)
        if old is None:
            inserts.append((ref, account_pk, amount, currency, paid_at, now))
            touched.add(int(account_pk))
            continue
        if (int(old.account_id), int(old.amount_minor), old.currency, old.paid_at) == (
            account_pk,
            amount,
            currency,
            paid_at,
        ):
            counts.unchanged += 1
            continue
        updates.append(
            {
                "id": old.id,
                "account_id": account_pk,
                "amount_minor": amount,
                "currency": currency,
                "paid_at": paid_at,
            }
        )
        touched.update({int(old.account_id), int(account_pk)})
    bulk_insert(
        conn,
        payments_t,
        ("external_id", "account_id", "amount_minor", "currency", "paid_at", "created_at"),
        inserts,
    )
    _update_many(conn, payments_t, ("account_id", "amount_minor", "currency", "paid_at"), updates)
    counts.inserted = len(inserts)
    counts.updated = len(updates)
    changed_ids = {u["id"] for u in updates}
    written = [row[0] for row in inserts] + [ref for ref, old in stored.items() if old.id in changed_ids]
    result.payment_pks = sorted(
        int(r.id) for r in _fetch_in(conn, [payments_t.c.id], payments_t.c.external_id, written)
    )
    step("更新账户状态 / Updating account status", 0.85)
    changed = _recompute(conn, sorted(touched), now)
    result.counts["accounts"] = TableCounts(updated=len(changed), unchanged=len(touched) - len(changed))
    result.affected_debtor_pks |= {debtor for _account, debtor in changed}


_RECOMPUTE = sa.text(
    """
    UPDATE accounts
    SET paid_minor = agg.paid, paid_at = agg.last_paid_at, status = agg.new_status, updated_at = :now
    FROM (
        SELECT a.id AS account_id,
               COALESCE(SUM(p.amount_minor), 0) AS paid,
               MAX(p.paid_at) AS last_paid_at,
               CASE WHEN a.outstanding_minor - COALESCE(SUM(p.amount_minor), 0) <= 0 THEN 'paid'
                    WHEN COALESCE(SUM(p.amount_minor), 0) > 0 THEN 'partially_paid'
                    ELSE 'open' END AS new_status
        FROM accounts AS a LEFT JOIN payments AS p ON p.account_id = a.id
        WHERE a.id IN :ids
        GROUP BY a.id, a.outstanding_minor
    ) AS agg
    WHERE accounts.id = agg.account_id
      AND (accounts.paid_minor <> agg.paid
           OR accounts.status <> agg.new_status
           OR (CASE WHEN accounts.paid_at IS NULL AND agg.last_paid_at IS NULL THEN 0
                    WHEN accounts.paid_at IS NULL OR agg.last_paid_at IS NULL THEN 1
                    WHEN accounts.paid_at <> agg.last_paid_at THEN 1
                    ELSE 0 END) = 1)
    RETURNING accounts.id, accounts.debtor_id
    """
).bindparams(sa.bindparam("ids", expanding=True), sa.bindparam("now", type_=UTCDateTime()))


def _recompute(conn: Connection, account_pks: Sequence[int], now: datetime) -> list[tuple[int, int]]:
    changed: list[tuple[int, int]] = []
    for part in _chunks(list(account_pks)):
        changed.extend((int(a), int(d)) for a, d in conn.execute(_RECOMPUTE, {"ids": list(part), "now": now}))
    return changed


def recompute_accounts(conn: Connection, account_pks: Sequence[int], now: datetime) -> set[int]:
    """Set paid_minor, paid_at and status of these accounts from their payments (one statement per
    5,000 accounts). Returns the debtors whose accounts changed."""
    return {debtor for _account, debtor in _recompute(conn, account_pks, now)}
