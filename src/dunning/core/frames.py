"""Columns in and out of the database without per-row ORM objects.

SQLite hands back DATETIME columns as text and DATE as text; PostgreSQL as Python objects. These
helpers give a Polars frame with the same dtypes on both, with timestamps as UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Executable

UTC_DATETIME = pl.Datetime("us", "UTC")


def read_frame(
    conn: Connection,
    sql: str | Executable,
    params: Mapping[str, Any] | None = None,
    *,
    schema: Mapping[str, pl.DataType | type[pl.DataType]],
) -> pl.DataFrame:
    """Run ``sql`` (a Core statement, or text with :named params) and return the rows as a typed frame.

    ``schema`` names every selected column in order; Datetime columns come back as UTC.
    """
    import sqlalchemy as sa

    statement = sa.text(sql) if isinstance(sql, str) else sql
    result = conn.execute(statement, dict(params or {}))
    rows = result.fetchall()
    names = list(schema)
    if not rows:
        return pl.DataFrame(schema={n: _final_dtype(schema[n]) for n in names})
    if not isinstance(sql, str):
        # A Core statement: SQLAlchemy's column types already turned values into Python objects.
        return pl.DataFrame(rows, schema={n: _final_dtype(schema[n]) for n in names}, orient="row")
    raw_schema = {n: _wire_dtype(schema[n], conn) for n in names}
    frame = pl.DataFrame(rows, schema=raw_schema, orient="row")
    return frame.with_columns(_convert(n, schema[n], conn) for n in names)


def _final_dtype(dtype: pl.DataType | type[pl.DataType]) -> pl.DataType | type[pl.DataType]:
    return UTC_DATETIME if dtype == pl.Datetime else dtype


def _wire_dtype(dtype: pl.DataType | type[pl.DataType], conn: Connection) -> Any:
    if conn.dialect.name == "sqlite" and dtype in (pl.Datetime, pl.Date):
        return pl.String
    if dtype == pl.Datetime:
        return UTC_DATETIME
    return dtype


def _convert(name: str, dtype: pl.DataType | type[pl.DataType], conn: Connection) -> pl.Expr:
    col = pl.col(name)
    if conn.dialect.name == "sqlite" and dtype == pl.Datetime:
        return col.str.to_datetime(time_unit="us", strict=False).dt.replace_time_zone("UTC").alias(name)
    if conn.dialect.name == "sqlite" and dtype == pl.Date:
        return col.str.slice(0, 10).str.to_date("%Y-%m-%d").alias(name)
    if dtype == pl.Datetime:
        return col.dt.convert_time_zone("UTC").alias(name)
    return col


def insert_frame(
    conn: Connection,
    table_name: str,
    frame: pl.DataFrame,
    *,
    on_conflict_do_nothing: Sequence[str] | None = None,
) -> None:
    """Bulk-insert a frame whose columns are named like the table's.

    Temporal columns are formatted column-wise by Polars (never per row in Python). PostgreSQL gets
    COPY (through a temporary table when conflicts must be skipped); SQLite gets executemany.
    """
    if frame.is_empty():
        return
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    if conn.dialect.name == "postgresql":
        text = _for_postgres(frame).write_csv(include_header=False, null_value="\\N")
        target = table_name
        if on_conflict_do_nothing is not None:
            target = f"_load_{table_name}"
            conn.exec_driver_sql(
                f'CREATE TEMP TABLE IF NOT EXISTS "{target}" (LIKE "{table_name}" INCLUDING DEFAULTS) '
                "ON COMMIT DROP"
            )
            conn.exec_driver_sql(f'TRUNCATE "{target}"')
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY \"{target}\" ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy,
        ):
            copy.write(text)
        if on_conflict_do_nothing is not None:
            keys = ", ".join(f'"{c}"' for c in on_conflict_do_nothing)
            conn.exec_driver_sql(
                f'INSERT INTO "{table_name}" ({cols}) SELECT {cols} FROM "{target}" '
                f"ON CONFLICT ({keys}) DO NOTHING"
            )
        return
    sql = f'INSERT INTO "{table_name}" ({cols}) VALUES ({", ".join("?" * len(frame.columns))})'
    if on_conflict_do_nothing is not None:
        sql += f" ON CONFLICT ({', '.join(on_conflict_do_nothing)}) DO NOTHING"
    cur = raw.cursor()
    try:
        cur.executemany(sql, _for_sqlite(frame).rows())
    finally:
        cur.close()


def _for_sqlite(frame: pl.DataFrame) -> pl.DataFrame:
    """Datetimes as SQLAlchemy's SQLite text (UTC), dates as ISO text, booleans as 0/1."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            col = pl.col(name)
            if dtype.time_zone is not None:
                col = col.dt.convert_time_zone("UTC")
            exprs.append(col.dt.strftime("%Y-%m-%d %H:%M:%S%.6f").alias(name))
        elif dtype == pl.Date:
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d").alias(name))
        elif dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.Int8).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def _for_postgres(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            col = pl.col(name) if dtype.time_zone is not None else pl.col(name).dt.replace_time_zone("UTC")
            exprs.append(col.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S%.6f+00").alias(name))
    return frame.with_columns(exprs) if exprs else frame
