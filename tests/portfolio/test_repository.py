"""The debtor frame: scope, consolidation, flags, holds, local dates and the re-check subset."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning.core.db import unit_of_work
from dunning.portfolio import repository
from dunning.portfolio.models import Account, Debtor, DebtorHold
from dunning.portfolio.repository import FRAME_SCHEMA, bucket_summary, load_debtor_frame
from tests.portfolio.conftest import ImportRunner
from tests.portfolio.helpers import NOW, write_csv

HEADER = [
    "account_id", "debtor_id", "name", "phone", "outstanding", "currency", "due_date", "risk_score",
    "dispute", "opt_out", "bankrupt",
]  # fmt: skip
PIPELINE_DOC = Path(__file__).resolve().parents[2] / "docs" / "design" / "pipeline.md"


def acct(
    ref: str, debtor: str, outstanding: str, due: str, *, currency: str = "CNY", phone: str = "", **flags: str
) -> list[str]:
    digits = int(re.sub(r"\D", "", debtor))
    number = phone or f"1380013{digits:04d}"
    return [
        ref, debtor, f"王{debtor}", number, outstanding, currency, due, flags.get("risk", ""),
        flags.get("dispute", ""), flags.get("opt_out", ""), flags.get("bankrupt", ""),
    ]  # fmt: skip


@pytest.fixture
def portfolio(tmp_path: Path, engine: Engine, run_import: ImportRunner) -> dict[str, int]:
    """NOW is 2026-03-15 09:00 in Shanghai and 2026-03-14 21:00 in New York."""
    rows = [
        # D1: three accounts; the oldest (CNY) fixes the currency, the USD one is not summed.
        acct("LN-1001", "D1", "100.00", "2026-02-01", risk="0.2"),
        acct("LN-1002", "D1", "50.00", "2026-03-10", risk="0.7"),
        acct("LN-1003", "D1", "70.00", "2026-03-12", currency="USD"),
        # D2: three CNY accounts, one partly paid, all summed.
        acct("LN-2001", "D2", "10.00", "2026-03-14", risk="0.1234567890123456789"),
        acct("LN-2002", "D2", "20.00", "2026-03-13"),
        acct("LN-2003", "D2", "30.00", "2026-03-12"),
        # D3: paid, current (DPD −10) and one pre-due account.
        acct("LN-3001", "D3", "5.00", "2026-01-01"),
        acct("LN-3002", "D3", "5.00", "2026-03-25"),
        acct("LN-3003", "D3", "5.00", "2026-03-17"),
        # D4: only a current account — out of scope.
        acct("LN-4001", "D4", "99.00", "2026-04-30"),
        # D5: the disputed account is paid, yet the debtor is flagged.
        acct("LN-5001", "D5", "8.00", "2026-01-01", dispute="true"),
        acct("LN-5002", "D5", "8.00", "2026-03-01", opt_out="1"),
        # D6: a New York number: due "today" in Shanghai, but still the 14th there.
        acct("LN-6001", "D6", "12.00", "2026-03-15", phone="+1 212 555 0100"),
        # D7: fully paid.
        acct("LN-7001", "D7", "40.00", "2026-03-01"),
        # D8: zero balance.
        acct("LN-8001", "D8", "0", "2026-03-01"),
    ]
    run_import("accounts", write_csv(tmp_path / "a.csv", HEADER, rows))
    run_import(
        "payments",
        write_csv(
            tmp_path / "p.csv",
            ["payment_id", "account_id", "amount", "currency", "paid_at"],
            [
                ["P1", "LN-2002", "5.00", "CNY", "2026-03-14T10:00:00+08:00"],
                ["P2", "LN-3001", "5.00", "CNY", "2026-03-14T10:00:00+08:00"],
                ["P3", "LN-5001", "8.00", "CNY", "2026-03-14T10:00:00+08:00"],
                ["P4", "LN-7001", "40.00", "CNY", "2026-03-14T10:00:00+08:00"],
            ],
        ),
    )
    with engine.connect() as conn:
        ids: dict[str, int] = dict(conn.execute(sa.select(Debtor.external_id, Debtor.id)).all())
    day, hour = timedelta(days=1), timedelta(hours=1)
    holds: list[dict[str, Any]] = [
        {"debtor_id": ids["D1"], "reason": "ptp", "starts_at": NOW - day, "until": NOW + 2 * day},
        {"debtor_id": ids["D1"], "reason": "review", "starts_at": NOW - 5 * day, "until": None},
        {"debtor_id": ids["D2"], "reason": "ptp", "starts_at": NOW - 9 * day, "until": NOW - day},
        {"debtor_id": ids["D2"], "reason": "review", "starts_at": NOW - 2 * day, "cleared_at": NOW - hour},
        {"debtor_id": ids["D3"], "reason": "hardship", "starts_at": NOW + hour, "until": None},
    ]
    with unit_of_work(engine) as conn:
        for hold in holds:
            conn.execute(sa.insert(DebtorHold).values(**hold))
    return ids


def load(engine: Engine, **kwargs: Any) -> pl.DataFrame:
    with engine.connect() as conn:
        frame: pl.DataFrame = load_debtor_frame(conn, NOW, default_time_zone="Asia/Shanghai", **kwargs)
    return frame


def by_ref(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["debtor_ref"]: row for row in frame.iter_rows(named=True)}


def test_schema_follows_the_pipeline_contract(engine: Engine, portfolio: dict[str, int]) -> None:
    frame = load(engine)
    assert frame.schema == pl.Schema(FRAME_SCHEMA)
    section = PIPELINE_DOC.read_text(encoding="utf-8").split("## Debtor frame", 1)[1]
    table = [line for line in section.split("\n\n", 1)[0].splitlines() if line.startswith("|")]
    documented: list[str] = []
    for line in table[2:]:
        documented.extend(name.strip() for name in line.split("|")[1].split(","))
    assert list(frame.columns) == documented


def test_scope_and_consolidation(engine: Engine, portfolio: dict[str, int]) -> None:
    frame = load(engine)
    rows = by_ref(frame)
    assert sorted(rows) == ["D1", "D2", "D3", "D5", "D6"]
    assert frame["debtor_pk"].to_list() == sorted(frame["debtor_pk"].to_list())

    d1 = rows["D1"]
    with engine.connect() as conn:
        pks: dict[str, int] = dict(conn.execute(sa.select(Account.external_id, Account.id)).all())
    assert d1["currency"] == "CNY" and d1["amount_minor"] == 15000
    assert (d1["n_accounts"], d1["account_refs"]) == (2, "LN-1001,LN-1002")
    assert d1["account_pks"] == [pks["LN-1001"], pks["LN-1002"]]
    assert (d1["due_date"], d1["days_past_due"], d1["bucket"]) == (date(2026, 2, 1), 42, "31-60")
    assert (d1["account_tail"], d1["risk_score"], d1["paid"]) == ("1001", 0.7, False)
    assert (d1["local_date"], d1["time_zones"], d1["name_masked"]) == (
        date(2026, 3, 15),
        "Asia/Shanghai",
        "王*",
    )

    d2 = rows["D2"]
    assert (d2["n_accounts"], d2["amount_minor"], d2["days_past_due"], d2["bucket"]) == (3, 5500, 3, "1-3")
    assert d2["account_tail"] == "2003"
    assert d2["risk_score"] == float("0.1234567890123456789")  # exact through the bulk read

    d3 = rows["D3"]  # the paid and the current account are not covered
    assert (d3["account_refs"], d3["days_past_due"], d3["bucket"], d3["amount_minor"]) == (
        "LN-3003",
        -2,
        "pre-due",
        500,
    )


def test_flags_holds_and_contacts(engine: Engine, portfolio: dict[str, int]) -> None:
    rows = by_ref(load(engine))
    d5 = rows["D5"]
    assert (d5["dispute"], d5["opt_out"], d5["bankrupt"], d5["account_refs"]) == (
        True,
        True,
        False,
        "LN-5002",
    )
    assert not any(
        rows["D1"][f] for f in ("dispute", "complaint", "bankrupt", "deceased", "time_barred", "opt_out")
    )
    assert rows["D1"]["hold_reason"] == "ptp"  # the most recently started active hold
    assert rows["D2"]["hold_reason"] is None  # expired and cleared holds do not count
    assert rows["D3"]["hold_reason"] is None  # not started yet
    d1 = rows["D1"]
    assert (d1["recipient_relation"], d1["recipient_verified"], d1["recipient_opted_out"]) == (
        "self",
        True,
        False,
    )
    assert d1["contact_pk"] is not None


def test_local_date_of_a_new_york_debtor(engine: Engine, portfolio: dict[str, int]) -> None:
    d6 = by_ref(load(engine))["D6"]
    assert d6["time_zones"] == "America/New_York"
    assert (d6["local_date"], d6["days_past_due"], d6["bucket"]) == (date(2026, 3, 14), -1, "pre-due")


def test_debtor_subset_includes_debtors_out_of_scope(engine: Engine, portfolio: dict[str, int]) -> None:
    ids = portfolio
    frame = load(engine, debtor_pks=[ids["D7"], ids["D4"], ids["D1"], 999_999])
    assert frame.schema == pl.Schema(FRAME_SCHEMA)
    rows = by_ref(frame)
    assert sorted(rows) == ["D1", "D4", "D7"]
    assert rows["D1"]["paid"] is False and rows["D1"]["amount_minor"] == 15000
    for ref, bucket in (("D7", "8-15"), ("D4", "current")):
        row = rows[ref]
        assert (row["paid"], row["amount_minor"], row["n_accounts"], row["account_pks"]) == (True, 0, 0, [])
        assert row["bucket"] == bucket and row["currency"] == "CNY"
    assert rows["D4"]["account_tail"] == "4001"
    assert load(engine, debtor_pks=[]).is_empty()


def test_fallback_reader_gives_the_same_frame(
    engine: Engine, portfolio: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = load(engine)

    def unavailable(*_args: Any, **_kwargs: Any) -> pl.DataFrame:
        raise repository._BulkUnavailable

    monkeypatch.setattr(repository._Reader, "_bulk", unavailable)
    assert load(engine).equals(fast)


def test_separator_characters_in_data_fall_back_safely(engine: Engine, portfolio: dict[str, int]) -> None:
    with unit_of_work(engine) as conn:
        conn.execute(
            sa.update(Account).where(Account.external_id == "LN-1002").values(external_id="LN\x1e\x1f-1002")
        )
    d1 = by_ref(load(engine))["D1"]
    assert d1["account_refs"] == "LN-1001,LN\x1e\x1f-1002"


def test_bucket_summary(engine: Engine, portfolio: dict[str, int]) -> None:
    summary = bucket_summary(load(engine))
    assert summary.columns == ["bucket", "currency", "debtors", "accounts", "amount_minor"]
    assert summary["bucket"].to_list() == ["pre-due", "1-3", "8-15", "31-60"]
    assert summary.filter(pl.col("bucket") == "pre-due").row(0) == ("pre-due", "CNY", 2, 2, 500 + 1200)
    assert summary["debtors"].sum() == 5


def test_empty_database(engine: Engine) -> None:
    frame = load(engine)
    assert frame.is_empty() and frame.schema == pl.Schema(FRAME_SCHEMA)
