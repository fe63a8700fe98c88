"""Portfolio commands: ``dunning sample``, ``dunning import accounts|contacts|payments``,
``dunning portfolio buckets``.

Import is atomic by default: any invalid row and nothing is written; every bad row is listed (first
50 on screen, all in ``FILE.errors.csv`` next to the file, personal data masked) and the exit code is 2.
``--skip-invalid`` imports the valid rows, reports the others and still exits 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from dunning.cli.common import (
    NowOption,
    cipher,
    console,
    engine,
    err_console,
    handle_errors,
    now_from,
    settings,
)
from dunning.cli.main import app
from dunning.core.errors import InputError
from dunning.core.profiles import PROFILE_TIME_ZONE
from dunning.portfolio.columns import OPTIONAL, REQUIRED, FileKind

if TYPE_CHECKING:
    from dunning.flows import PortfolioImport
    from dunning.portfolio.importers import RowError
    from dunning.portfolio.service import ProgressCallback

SHOWN_ERRORS = 50
# Files smaller than this import too fast for a progress bar to be useful.
_PROGRESS_BYTES = 2_000_000

import_app = typer.Typer(
    name="import",
    help="导入债务组合文件（CSV/Parquet/XLSX）/ Import portfolio files (CSV, Parquet, XLSX).",
    no_args_is_help=True,
)
portfolio_app = typer.Typer(name="portfolio", help="债务组合概览 / Portfolio overview.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(portfolio_app, name="portfolio")

ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", help="CN | US（默认取设置 / default from settings）"),
]


def _profile(value: str | None) -> str:
    chosen = (value or settings().profile).upper()
    if chosen not in PROFILE_TIME_ZONE:
        raise InputError(
            f"--profile must be CN or US, got {value!r}", f"--profile 须为 CN 或 US，收到 {value!r}"
        )
    return chosen


# --------------------------------------------------------------------------------------------------
# dunning sample


@app.command("sample")
@handle_errors
def sample_command(
    out: Annotated[Path, typer.Option("--out", help="输出目录 / Output directory")],
    accounts: Annotated[int, typer.Option("--accounts", help="账户数 / Number of accounts")] = 10_000,
    seed: Annotated[
        int, typer.Option("--seed", help="随机种子（相同种子生成相同文件）/ Seed (same seed, same files)")
    ] = 1,
    profile: ProfileOption = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="基准日期 YYYY-MM-DD（默认今天）/ As-of date (default today)"),
    ] = None,
) -> None:
    """生成逼真的测试债务组合 / Write a realistic synthetic portfolio (accounts, contacts, payments CSV)."""
    from rich.table import Table

    from dunning.portfolio.sample import generate, write_sample

    chosen = _profile(profile)
    if accounts < 1:
        raise InputError("--accounts must be at least 1", "--accounts 至少为 1")
    if seed < 0:
        raise InputError("--seed must not be negative", "--seed 不能为负数")
    day = _parse_day(as_of) if as_of else date.today()
    portfolio = generate(accounts, seed, chosen, day)
    paths = write_sample(portfolio, out)
    table = Table(title=f"样例数据 / Sample portfolio ({chosen}, as of {day.isoformat()}, seed {seed})")
    table.add_column("文件 / File")
    table.add_column("行数 / Rows", justify="right")
    heights = {"accounts": portfolio.accounts.height, "contacts": portfolio.contacts.height,
               "payments": portfolio.payments.height}  # fmt: skip
    for name, path in paths.items():
        table.add_row(str(path), f"{heights[name]:,}")
    console.print(table)
    console.print(f"债务人 / Debtors: {portfolio.debtors.height:,}")


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(
            f"--as-of must be a date YYYY-MM-DD, got {value!r}",
            f"--as-of 须为日期 YYYY-MM-DD，收到 {value!r}",
        ) from exc


# --------------------------------------------------------------------------------------------------
# dunning import …


def _columns_help(kind: FileKind) -> str:
    optional = f"; optional 可选: {', '.join(OPTIONAL[kind])}" if OPTIONAL[kind] else ""
    return f"必需列 required: {', '.join(REQUIRED[kind])}{optional}"


FileArgument = Annotated[Path, typer.Argument(help="CSV / Parquet / XLSX 文件 / file", show_default=False)]
SkipOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid", help="导入有效行，报告无效行（仍以非零退出）/ Import valid rows, report the rest"
    ),
]


@import_app.command("accounts", help=f"导入账户 / Import accounts. {_columns_help('accounts')}")
@handle_errors
def import_accounts(
    file: FileArgument, skip_invalid: SkipOption = False, profile: ProfileOption = None, now: NowOption = None
) -> None:
    _run_import("accounts", file, skip_invalid, profile, now)


@import_app.command("contacts", help=f"导入联系方式 / Import contacts. {_columns_help('contacts')}")
@handle_errors
def import_contacts(
    file: FileArgument, skip_invalid: SkipOption = False, profile: ProfileOption = None, now: NowOption = None
) -> None:
    _run_import("contacts", file, skip_invalid, profile, now)


@import_app.command("payments", help=f"导入还款 / Import payments. {_columns_help('payments')}")
@handle_errors
def import_payments(
    file: FileArgument, skip_invalid: SkipOption = False, profile: ProfileOption = None, now: NowOption = None
) -> None:
    _run_import("payments", file, skip_invalid, profile, now)


@contextmanager
def _progress(file: Path) -> Iterator[ProgressCallback | None]:
    big = file.is_file() and file.stat().st_size >= _PROGRESS_BYTES
    if not (big and console.is_terminal):
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task(file.name, total=1.0)

        def update(label: str, fraction: float) -> None:
            bar.update(task, description=f"{file.name}: {label}", completed=fraction)

        yield update


def _run_import(kind: FileKind, file: Path, skip_invalid: bool, profile: str | None, now: str | None) -> None:
    from dunning.cli.plan_cmd import daily_config
    from dunning.core.db import unit_of_work
    from dunning.core.errors import ImportRejected
    from dunning.flows import import_portfolio
    from dunning.portfolio.importers import RowError, error_report_path, write_error_report

    chosen = _profile(profile)
    at = now_from(now)
    data_cipher = cipher()
    report = error_report_path(file)
    try:
        with _progress(file) as hook, unit_of_work(engine()) as conn:
            outcome = import_portfolio(
                conn,
                kind,
                file,
                cipher=data_cipher,
                profile=chosen,
                now=at,
                skip_invalid=skip_invalid,
                progress=hook,
                config=daily_config() if kind == "payments" else None,
            )
    except ImportRejected as rejected:
        errors = [e for e in rejected.errors if isinstance(e, RowError)]
        _show_errors(errors, write_error_report(file, errors))
        err_console.print(f"[bold red]错误 / Error:[/] {rejected.bilingual()}")
        raise typer.Exit(2) from None
    _show_result(outcome)
    result = outcome.result
    if result.errors:
        _show_errors(result.errors, write_error_report(file, result.errors))
        skipped = result.skipped_rows
        err_console.print(f"[bold yellow]已跳过 {skipped} 行无效数据 / Skipped {skipped} invalid row(s)[/]")
        raise typer.Exit(2)
    if report.exists():
        report.unlink()  # a report of an earlier, failed attempt would mislead


def _show_result(outcome: PortfolioImport) -> None:
    from rich.table import Table

    result = outcome.result
    table = Table(title=f"导入 {result.kind} / Imported {result.kind}: {result.path.name}")
    table.add_column("表 / Table")
    table.add_column("新增 / Inserted", justify="right")
    table.add_column("更新 / Updated", justify="right")
    table.add_column("未变 / Unchanged", justify="right")
    for name, counts in result.counts.items():
        table.add_row(name, f"{counts.inserted:,}", f"{counts.updated:,}", f"{counts.unchanged:,}")
    console.print(table)
    console.print(
        f"文件行数 / Rows in file: {result.rows:,}；已导入 / imported: {result.imported_rows:,}；"
        f"状态变化的债务人 / debtors with changed state: {len(result.affected_debtor_pks):,}"
    )
    if outcome.cancelled:
        console.print(f"已取消排队短信 / Queued messages cancelled: {outcome.cancelled:,}")
    if outcome.payments is not None:
        p = outcome.payments
        console.print(
            f"承诺履约 / Promises kept: {p.promises_kept:,}；解除“已还”暂停 / 'I paid' holds ended: "
            f"{p.holds_released:,}；核查任务关闭 / payment checks closed: {p.tasks_closed:,}；"
            f"归因 / attributed (payment × message): {p.attributed:,}"
        )
    if result.encoding and result.encoding not in ("utf-8", "utf-8-sig"):
        console.print(f"文件编码 / Encoding: {result.encoding}")
    if result.ignored_columns:
        console.print(f"已忽略未知列 / Ignored unknown columns: {', '.join(result.ignored_columns)}")


def _show_errors(errors: list[RowError], report: Path) -> None:
    from rich.table import Table

    table = Table(title=f"无效数据 / Invalid rows ({len({e.line for e in errors}):,})")
    table.add_column("行 / Line", justify="right")
    table.add_column("列 / Column")
    table.add_column("值 / Value")
    table.add_column("原因 / Reason")
    for error in errors[:SHOWN_ERRORS]:
        table.add_row(str(error.line), error.column, error.value, error.bilingual())
    err_console.print(table)
    if len(errors) > SHOWN_ERRORS:
        err_console.print(
            f"另有 {len(errors) - SHOWN_ERRORS:,} 条错误 / {len(errors) - SHOWN_ERRORS:,} more errors"
        )
    err_console.print(f"完整错误报告 / Full error report: {report}")


# --------------------------------------------------------------------------------------------------
# dunning portfolio buckets


@portfolio_app.command("buckets")
@handle_errors
def buckets_command(now: NowOption = None, profile: ProfileOption = None) -> None:
    """按逾期分段统计债务人、账户、金额 / Debtors, accounts and amount per DPD bucket."""
    from zoneinfo import ZoneInfo

    import polars as pl
    from rich.table import Table

    from dunning.core.db import unit_of_work
    from dunning.core.money import format_money
    from dunning.portfolio.repository import bucket_summary, load_debtor_frame

    chosen = _profile(profile)
    at: datetime = now_from(now)
    zone = PROFILE_TIME_ZONE[chosen]
    with unit_of_work(engine()) as conn:
        frame = load_debtor_frame(conn, at, default_time_zone=zone)
    summary = bucket_summary(frame)
    table = Table(
        title=f"逾期分段 / DPD buckets at {at.astimezone(ZoneInfo(zone)).isoformat(timespec='minutes')}"
    )
    table.add_column("分段 / Bucket", no_wrap=True)
    table.add_column("币种 / Currency", no_wrap=True)
    table.add_column("债务人 / Debtors", justify="right")
    table.add_column("账户 / Accounts", justify="right")
    table.add_column("金额 / Amount", justify="right", no_wrap=True)
    for bucket, currency, debtors, accounts, amount in summary.iter_rows():
        table.add_row(bucket, currency, f"{debtors:,}", f"{accounts:,}", format_money(amount, currency))
    totals = summary.group_by("currency", maintain_order=True).agg(
        pl.col("debtors").sum(), pl.col("accounts").sum(), pl.col("amount_minor").sum()
    )
    for currency, debtors, accounts, amount in totals.iter_rows():
        total = format_money(amount, currency)
        table.add_row("合计 / Total", currency, f"{debtors:,}", f"{accounts:,}", total, style="bold")
    console.print(table)
    if frame.is_empty():
        console.print("没有在催收范围内的债务人 / No debtors in scope.")
