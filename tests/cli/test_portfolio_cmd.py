"""The portfolio commands end to end, as a user runs them (no clear personal data in any output)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from typer.testing import CliRunner

from dunning.cli.main import app
from dunning.core.db import make_engine
from dunning.core.settings import get_settings
from tests.portfolio.helpers import ACCOUNT_HEADER, account, write_csv

NOW = "2026-03-15T09:00:00+08:00"
runner = CliRunner()


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def personal_values(path: Path) -> set[str]:
    """Names and raw phone numbers in a sample file (the things that must never be printed)."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    values = {r["phone"] for r in rows} | {r["phone"].replace(" ", "").replace("-", "") for r in rows}
    if "name" in rows[0]:
        values |= {r["name"] for r in rows}
    return values


def assert_no_personal_data(output: str, values: set[str]) -> None:
    leaked = [v for v in values if v and v in output]
    assert leaked == []


def db_count(table: str) -> int:
    with make_engine(get_settings().database_url).connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_sample_import_and_buckets(workdir: Path) -> None:
    result = invoke(
        "sample",
        "--accounts",
        "500",
        "--seed",
        "3",
        "--profile",
        "CN",
        "--out",
        "data",
        "--as-of",
        "2026-03-15",
    )
    assert result.exit_code == 0, result.output
    assert "accounts.csv" in result.output and "500" in result.output
    secrets = personal_values(workdir / "data" / "accounts.csv") | personal_values(
        workdir / "data" / "contacts.csv"
    )

    outputs = []
    for kind in ("accounts", "contacts", "payments"):
        result = invoke("import", kind, f"data/{kind}.csv", "--now", NOW)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert db_count("accounts") == 500 and db_count("payments") > 0
    with make_engine(get_settings().database_url).connect() as conn:
        logged = conn.execute(
            sa.text("SELECT subject, detail FROM event_log WHERE kind = 'portfolio.imported' ORDER BY id")
        ).all()
    assert [r.subject for r in logged] == ["accounts.csv", "contacts.csv", "payments.csv"]
    assert json.loads(logged[2].detail)["debtors_changed"] > 0  # payments changed account state
    assert "新增 / Inserted" in outputs[0]

    again = invoke("import", "accounts", "data/accounts.csv", "--now", NOW)
    assert again.exit_code == 0
    assert "Unchanged" in again.output

    buckets = invoke("portfolio", "buckets", "--now", NOW)
    assert buckets.exit_code == 0, buckets.output
    assert "pre-due" in buckets.output and "90+" in buckets.output and "CNY" in buckets.output
    for text in [*outputs, again.output, buckets.output]:
        assert_no_personal_data(text, secrets)


def test_invalid_file_is_rejected_with_a_masked_report(workdir: Path) -> None:
    path = write_csv(
        workdir / "accounts.csv",
        ACCOUNT_HEADER,
        [
            account(),
            account(account_id="LN2", debtor_id="D2", name="李小龙", phone="1380013800"),
            account(account_id="LN3", due_date="2026-02-30"),
        ],
    )
    result = invoke("import", "accounts", str(path), "--now", NOW)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "未导入任何数据" in result.output and "nothing was imported" in result.output
    assert_no_personal_data(result.output, {"张三丰", "李小龙", "13800138000", "1380013800"})
    assert db_count("accounts") == 0
    report = workdir / "accounts.csv.errors.csv"
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "line,column,value,reason_zh,reason_en"
    assert lines[1].startswith("3,phone,138***3800,")
    assert lines[2].startswith("4,due_date,2026-02-30,日期不存在")
    assert "李小龙" not in report.read_text(encoding="utf-8-sig")

    fixed = write_csv(workdir / "accounts.csv", ACCOUNT_HEADER, [account()])
    assert invoke("import", "accounts", str(fixed), "--now", NOW).exit_code == 0
    assert not report.exists()  # the stale report of the failed attempt is gone


def test_skip_invalid_imports_the_rest_and_exits_non_zero(workdir: Path) -> None:
    path = write_csv(
        workdir / "a.csv", ACCOUNT_HEADER, [account(), account(account_id="LN2", outstanding="12.345")]
    )
    result = invoke("import", "accounts", str(path), "--skip-invalid", "--now", NOW)
    assert result.exit_code == 2
    assert "Skipped 1 invalid row" in result.output
    assert db_count("accounts") == 1
    assert (workdir / "a.csv.errors.csv").exists()


def test_many_errors_are_summarised(workdir: Path) -> None:
    rows = [account(account_id=f"LN{i}", currency="XXQ") for i in range(80)]
    result = invoke("import", "accounts", str(write_csv(workdir / "a.csv", ACCOUNT_HEADER, rows)))
    assert result.exit_code == 2
    assert "30 more errors" in result.output
    assert len((workdir / "a.csv.errors.csv").read_text(encoding="utf-8-sig").splitlines()) == 81


def test_file_level_problems(workdir: Path) -> None:
    missing = write_csv(workdir / "a.csv", ACCOUNT_HEADER[:3], [account()[:3]])
    result = invoke("import", "accounts", str(missing))
    assert result.exit_code == 2
    text = " ".join(result.output.split())  # Rich wraps long lines
    assert "missing required column(s): phone, outstanding, currency, due_date" in text
    assert "缺少必需的列" in text

    result = invoke("import", "payments", "nowhere.csv")
    assert result.exit_code == 2 and "找不到文件" in result.output

    result = invoke("import", "contacts", str(missing), "--profile", "UK")
    assert result.exit_code == 2 and "CN or US" in result.output


def test_sample_arguments(workdir: Path) -> None:
    assert invoke("sample", "--out", "x", "--as-of", "2026-02-30").exit_code == 2
    assert invoke("sample", "--out", "x", "--accounts", "0").exit_code == 2
    result = invoke("sample", "--out", "us", "--accounts", "50", "--profile", "us")
    assert result.exit_code == 0 and (workdir / "us" / "payments.csv").exists()


def test_help_is_bilingual() -> None:
    result = invoke("import", "accounts", "--help")
    assert result.exit_code == 0
    assert "导入账户" in result.output and "Import accounts" in result.output
    assert "account_id" in result.output
