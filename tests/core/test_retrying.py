"""``retrying``: a transaction PostgreSQL rolled back for a deadlock runs again; any other error does
not, and nothing of a rolled-back attempt stays."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from dunning.core.db import retrying


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _engine(tmp_path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    return engine


def test_a_deadlocked_transaction_runs_again_and_keeps_only_the_last_attempt(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    calls = []

    def work(conn: sa.Connection) -> int:
        calls.append(1)
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        if len(calls) < 3:
            raise sa.exc.OperationalError("UPDATE …", {}, _Orig("40P01"))
        return len(calls)

    assert retrying(engine, work) == 3
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1


def test_other_errors_and_the_last_attempt_are_raised(tmp_path: Path) -> None:
    engine = _engine(tmp_path)

    def broken(conn: sa.Connection) -> None:
        raise sa.exc.OperationalError("UPDATE …", {}, _Orig("23505"))

    with pytest.raises(sa.exc.OperationalError):
        retrying(engine, broken)

    def always(conn: sa.Connection) -> None:
        raise sa.exc.OperationalError("UPDATE …", {}, _Orig("40001"))

    with pytest.raises(sa.exc.OperationalError):
        retrying(engine, always, attempts=2)


def test_a_senders_counts_start_again_with_each_attempt(tmp_path: Path) -> None:
    from dunning.sending.worker import SendSummary, _keeping

    engine = _engine(tmp_path)
    summary = SendSummary(worker_id="w", provider="p")
    summary.blocked = 2
    tries = []

    def work(conn: sa.Connection) -> None:
        tries.append(1)
        summary.blocked += 1
        if len(tries) == 1:
            raise sa.exc.OperationalError("UPDATE …", {}, _Orig("40P01"))

    retrying(engine, _keeping(summary, work))
    assert len(tries) == 2 and summary.blocked == 3  # the rolled-back attempt counted nothing
