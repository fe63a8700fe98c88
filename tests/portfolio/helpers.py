"""Helpers for portfolio tests: small files written on the fly, snapshots of the tables."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# 2026-03-15 09:00 in Shanghai.
NOW = datetime(2026, 3, 15, 1, 0, tzinfo=UTC)

ACCOUNT_HEADER = ["account_id", "debtor_id", "name", "phone", "outstanding", "currency", "due_date"]
ACCOUNT_ROW = ["LN0001", "D001", "张三丰", "13800138000", "1234.50", "CNY", "2026-03-01"]


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8"
) -> Path:
    path.write_bytes(csv_text(header, rows).encode(encoding))
    return path


def account(**overrides: str) -> list[str]:
    """One accounts.csv row (required columns), with some values replaced."""
    row = dict(zip(ACCOUNT_HEADER, ACCOUNT_ROW, strict=True))
    row.update(overrides)
    return [row[c] for c in ACCOUNT_HEADER]


TABLES = ("debtors", "contacts", "accounts", "payments")


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the portfolio tables, in id order (encrypted columns included)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in TABLES:
            out[table] = [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))]
    return out


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
