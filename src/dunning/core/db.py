"""Database kernel: engine, unit of work, portable types, migrations, bulk writes.

One SQLAlchemy metadata for SQLite (embedded default) and PostgreSQL (production). Timestamps are
stored as UTC; ``UTCDateTime`` gives them back timezone-aware on both.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from dunning.core.errors import ConfigError

T = TypeVar("T")
#: Ids per statement: far below SQLite's and PostgreSQL's bound-parameter limits.
CHUNK = 900


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python, naive UTC on SQLite, timestamptz on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA cache_size=-200000")
    cur.close()


_ENGINES: dict[str, Engine] = {}


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url not in _ENGINES:
        if url.startswith("sqlite"):
            engine = sa.create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        elif url.startswith("postgresql"):
            engine = sa.create_engine(url, pool_pre_ping=True)
        else:
            raise ConfigError(
                f"unsupported database URL scheme: {url.split(':', 1)[0]}",
                f"不支持的数据库地址：{url.split(':', 1)[0]}",
            )
        _ENGINES[url] = engine
    return _ENGINES[url]


def dispose_engines() -> None:
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Connection]:
    """One transaction: commit on success, roll back on any error. Edges open it; services take it."""
    with engine.begin() as conn:
        yield conn


# PostgreSQL's deadlock and serialization failures: the transaction was rolled back whole and may run
# again.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
_R = TypeVar("_R")


def _retryable(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    return isinstance(exc, sa.exc.DBAPIError) and getattr(orig, "sqlstate", None) in _RETRYABLE_SQLSTATES


def retrying(engine: Engine, work: Callable[[Connection], _R], *, attempts: int = 5) -> _R:
    """``work`` in one transaction, run again (after a short random pause) when PostgreSQL rolled it
    back for a deadlock or a serialization failure. Only for work that is safe to repeat: nothing
    outside the database may happen inside it."""
    for attempt in range(1, attempts + 1):
        try:
            with unit_of_work(engine) as conn:
                return work(conn)
        except sa.exc.DBAPIError as exc:
            if attempt == attempts or not _retryable(exc):
                raise
            time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")


def is_sqlite(conn: Connection | Engine) -> bool:
    return conn.dialect.name == "sqlite"


def migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Create or upgrade the schema to the newest revision."""
    from alembic import command

    engine = make_engine(url)
    cfg = alembic_config(url)
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        return
    # SQLite rebuilds a table to change it; with foreign keys on, dropping the old copy would delete
    # through every cascade pointing at it. The pragma only changes outside a transaction.
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise ConfigError(
                        f"migration left {len(broken)} rows with broken references, e.g. {broken[0]}",
                        f"迁移后有 {len(broken)} 行引用失效，例如 {broken[0]}",
                    )
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()


def schema_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def bulk_insert(
    conn: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    on_conflict_do_nothing: Sequence[str] | None = None,
) -> None:
    """Insert many rows as tuples, bypassing per-row ORM work.

    PostgreSQL uses COPY (or executemany when conflicts must be skipped); SQLite uses the driver's
    executemany, which runs the statement in C for each tuple.
    """
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "postgresql" and on_conflict_do_nothing is None:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = (
        ", ".join(["%s"] * len(columns))
        if conn.dialect.name == "postgresql"
        else ", ".join(["?"] * len(columns))
    )
    sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})'
    if on_conflict_do_nothing is not None:
        target = ", ".join(f'"{c}"' for c in on_conflict_do_nothing)
        sql += f" ON CONFLICT ({target}) DO NOTHING"
    raw_conn = conn.connection.driver_connection
    assert raw_conn is not None
    cur = raw_conn.cursor()
    try:
        sqlite = conn.dialect.name == "sqlite"
        cur.executemany(sql, _sqlite_rows(rows) if sqlite else rows)
    finally:
        cur.close()


# SQLAlchemy's own storage format for DATETIME on SQLite: bulk rows must compare equal to ORM rows.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


def datetime_param(value: datetime, *, sqlite: bool) -> Any:
    """A UTC instant as a raw DBAPI parameter: SQLAlchemy's text form on SQLite, as is elsewhere."""
    return value.astimezone(UTC).strftime(SQLITE_DATETIME) if sqlite else value


def _sqlite_rows(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows with datetimes in SQLAlchemy's SQLite text form; each distinct instant formatted once
    (the rows of one bulk write mostly share a handful of instants, e.g. the batch's ``now``)."""
    texts: dict[datetime, str] = {}

    def text(value: datetime) -> str:
        found = texts.get(value)
        if found is None:
            found = texts[value] = datetime_param(value, sqlite=True)
        return found

    return [tuple(text(v) if isinstance(v, datetime) else v for v in row) for row in rows]


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (one statement each)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def one_of(
    conn: Connection,
    column: sa.ColumnElement[Any],
    values: Sequence[Any],
    element_type: sa.types.TypeEngine[Any] | None = None,
) -> sa.ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter instead of
    hundreds (the driver parses and caches the statement once, whatever the batch size)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        array = sa.bindparam(None, list(values), type_=ARRAY(element_type or column.type))
        return column == sa.any_(array)
    return column.in_(list(values))


def detail_json(**values: Any) -> str:
    """An event's detail: compact, key-sorted JSON without null entries."""
    clean = {k: v for k, v in values.items() if v is not None}
    return json.dumps(clean, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
