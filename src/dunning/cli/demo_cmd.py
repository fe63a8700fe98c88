"""``dunning demo``: the whole daily loop on embedded defaults, in a fresh directory.

sample portfolio → import (accounts, contacts, payments) → plan (strategy, templates, compliance gate)
→ send through the provider → receipts → report. Nothing outside the demo directory is touched.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Annotated

import typer

from dunning.cli.common import console, handle_errors, now_from, run_until_signal
from dunning.cli.main import app
from dunning.core.errors import InputError
from dunning.core.profiles import PROFILE_TIME_ZONE

if TYPE_CHECKING:
    from dunning.flows import DayResult, SendDayResult

MARKER = ".dunning-demo"


def _prepare(directory: Path) -> Path:
    """A fresh directory: create it, or empty one that an earlier demo made (never anything else)."""
    directory = directory.resolve()
    if directory.exists():
        if (directory / MARKER).exists():
            shutil.rmtree(directory)
        elif any(directory.iterdir()):
            raise InputError(
                f"{directory} exists and is not an earlier demo directory; choose another --dir",
                f"{directory} 已存在且不是演示目录，请用 --dir 指定其他目录",
            )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("created by `dunning demo`; safe to delete\n", encoding="utf-8")
    return directory


def _default_now(profile: str) -> datetime:
    """10:00 today in the profile's main zone: inside every send window, so the demo always sends."""
    from dunning.core.clock import zone

    tz = zone(PROFILE_TIME_ZONE[profile])
    return datetime.combine(datetime.now(tz).date(), time(10, 0), tzinfo=tz)


def _command() -> str:
    """How to run dunning again from the demo directory: ``dunning`` when that is on PATH, else the
    absolute path of the script that is running (resolved before the demo changes directory)."""
    script = Path(sys.argv[0])
    if script.name != "dunning":
        return "dunning"
    resolved = script.resolve()
    on_path = shutil.which("dunning")
    return "dunning" if on_path and Path(on_path).resolve() == resolved else str(resolved)


@app.command("demo")
@handle_errors
def demo_command(
    directory: Annotated[Path, typer.Option("--dir", help="演示目录 / Demo directory")] = Path(
        "dunning-demo"
    ),
    accounts: Annotated[int, typer.Option("--accounts", min=1, help="样本账户数 / Sample accounts")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子 / Random seed")] = 7,
    profile: Annotated[str, typer.Option("--profile", help="CN | US")] = "CN",
    now: Annotated[str | None, typer.Option("--now", help="基准时间 / As-of instant (ISO 8601)")] = None,
    days: Annotated[
        int,
        typer.Option(
            "--days",
            min=1,
            max=60,
            help="天数（多于 2 天时债务人为模拟）/ Days (beyond 2: simulated debtors)",
        ),
    ] = 2,
    policy: Annotated[str, typer.Option("--policy", help="rules | adaptive")] = "rules",
) -> None:
    """演示：样本→导入→排期→合规→发送→回执→报表 / The whole loop on embedded defaults."""
    if policy not in ("rules", "adaptive"):
        raise InputError(
            f"--policy must be rules or adaptive, not {policy!r}",
            f"--policy 须为 rules 或 adaptive：{policy!r}",
        )
    if days != 2 or policy != "rules":
        _simulated_demo(
            directory, accounts=accounts, days=days, seed=seed, profile=profile.upper(), policy=policy
        )
        return
    from rich.panel import Panel
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from dunning.cli.common import cipher, engine
    from dunning.cli.plan_cmd import (
        checked_provider,
        daily_config,
        render_plan,
        render_send,
        send_with_progress,
    )
    from dunning.cli.report_cmd import render as render_report
    from dunning.cli.setup_cmd import prepare_install
    from dunning.core.clock import zone
    from dunning.core.db import unit_of_work
    from dunning.core.settings import reset_settings_cache
    from dunning.flows import import_portfolio, record_payments, run_day, simulated_promise_payments
    from dunning.portfolio.sample import generate, write_sample
    from dunning.sending.providers.base import SmsProvider

    profile = profile.upper()
    if profile not in PROFILE_TIME_ZONE:
        raise InputError(
            f"--profile must be CN or US, got {profile!r}", f"--profile 须为 CN 或 US：{profile!r}"
        )
    instant = (now_from(now) if now else _default_now(profile)).astimezone(UTC)
    command = _command()
    work = _prepare(directory)
    started = perf_counter()

    # Embedded defaults inside the demo directory: SQLite, and the built-in SMSC simulator over real
    # SMPP on loopback. A provider URL from the environment is honoured.
    os.chdir(work)
    os.environ["DUNNING_DATABASE_URL"] = f"sqlite:///{work / 'dunning.db'}"
    os.environ["DUNNING_PROFILE"] = profile
    os.environ.pop("DUNNING_SECRET_KEY", None)
    os.environ.pop("DUNNING_KEYRING", None)
    journal = work / "smsc-journal.jsonl"
    os.environ.setdefault(
        "DUNNING_PROVIDER_URL",
        f"smsc://embedded?seed={seed}&undelivered=0.04&rejected=0.005&replies=demo&journal={journal}",
    )
    reset_settings_cache()
    local = zone(PROFILE_TIME_ZONE[profile])
    console.print(
        Panel.fit(
            f"演示目录 / Demo directory: {work}\n"
            f"基准时间 / As of: {instant.astimezone(local).isoformat()}\n"
            f"配置 / Profile: {profile}   账户 / Accounts: {accounts:,}   种子 / Seed: {seed}",
            title="dunning demo",
        )
    )
    for line in prepare_install(profile):
        console.print(f"[dim]{line}[/]")
    data_cipher = cipher()

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<36}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("生成样本 / Sample portfolio", total=1)
        files = write_sample(
            generate(accounts, seed, profile, instant.astimezone(local).date()), work / "data"
        )
        progress.update(task, completed=1)
        for kind in ("accounts", "contacts", "payments"):
            task = progress.add_task(f"导入 / Import {kind}", total=1.0)

            def step(_stage: str, fraction: float, task_id: TaskID = task) -> None:
                progress.update(task_id, completed=fraction)

            with unit_of_work(engine()) as conn:
                import_portfolio(
                    conn, kind, files[kind], cipher=data_cipher, profile=profile, now=instant, progress=step,
                    config=daily_config(),
                )  # fmt: skip
            progress.update(task, completed=1.0)

    config = daily_config()

    async def go(stop: asyncio.Event) -> DayResult:
        async def one_pass(provider: SmsProvider, at: datetime) -> SendDayResult:
            return await send_with_progress(config, provider, at, stop=stop)

        # Replay the rest of the day: the sender runs at each instant a message becomes due.
        return await run_day(
            engine(),
            config,
            data_cipher,
            instant,
            provider=checked_provider,
            replay=True,
            send=one_pass,
            on_plan=render_plan,
        )

    day = run_until_signal(go)
    render_send(day.send)
    render_report(day.report)

    # Day 2: what the debtors answered is honoured. Half of those who promised pay (simulated);
    # promises kept end their holds, the others stay held until their date; opted-out numbers,
    # complaints, disputes and hardship get nothing; the report shows the return path.
    second = instant + timedelta(days=1)
    with unit_of_work(engine()) as conn:
        rows = simulated_promise_payments(conn, second - timedelta(hours=2), share=0.5, seed=seed)
        recorded = record_payments(conn, rows, second, cipher=data_cipher, config=config, actor="demo")
    console.rule(f"第二天 / Day 2 — {second.astimezone(local).date().isoformat()}")
    console.print(
        f"模拟兑现承诺的还款 / Simulated payments of promisers: {len(rows):,}；"
        f"承诺履约 / promises kept: {recorded.promises_kept:,}；归因 / attributed: {recorded.attributed:,}"
    )

    async def go2(stop: asyncio.Event) -> DayResult:
        async def one_pass(provider: SmsProvider, at: datetime) -> SendDayResult:
            return await send_with_progress(config, provider, at, stop=stop)

        return await run_day(
            engine(), config, data_cipher, second, provider=checked_provider, replay=True, send=one_pass,
            on_plan=render_plan,
        )  # fmt: skip

    day2 = run_until_signal(go2)
    render_send(day2.send)
    render_report(day2.report)
    from dunning.core.clock import utcnow
    from dunning.flows import new_api_key

    # A key for the dashboard and the API of this demo (an admin's; a real install creates its own).
    with unit_of_work(engine()) as conn:
        _record, demo_key = new_api_key(conn, "admin", "demo dashboard", by="admin", now=utcnow())
    key_file = work / "admin.apikey"
    key_file.write_text(demo_key + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    elapsed = perf_counter() - started
    console.print(
        f"\n完成，用时 {elapsed:.1f} 秒 / Done in {elapsed:.1f} s.\n"
        f"短信中心收到的提交 / What the SMSC received: {journal}\n"
        f"继续探索 / Explore: cd {work} && {command} report --now {instant.isoformat()}\n"
        f"  {command} tasks list    {command} debtors show <ID>    {command} events --kind reply.received\n"
        f"看板与 API / Dashboard and API: cd {work} && {command} serve  → http://127.0.0.1:8000/ "
        f"（登录密钥 / sign-in key: {key_file}）",
        soft_wrap=True,
    )


def _simulated_demo(
    directory: Path, *, accounts: int, days: int, seed: int, profile: str, policy: str
) -> None:
    """Several days of the loop against simulated debtors who pay, reply and complain (the
    simulation's behaviour model), then the experiment report and the policy's logged choices."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from dunning.cli.experiment_cmd import report_command
    from dunning.simulation.runner import simulate

    if profile not in PROFILE_TIME_ZONE:
        raise InputError(
            f"--profile must be CN or US, got {profile!r}", f"--profile 须为 CN 或 US：{profile!r}"
        )
    work = _prepare(directory)
    started = perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console) as progress:  # fmt: skip
        task = progress.add_task(
            f"{policy}: 模拟债务人的 {days} 天 / {days} days of simulated debtors", total=days
        )
        result = simulate(
            policy, accounts=accounts, days=days, seed=seed, profile=profile, directory=work,
            on_day=lambda _d: progress.advance(task),
        )  # fmt: skip
    console.print(
        f"回收 / Recovered {result.recovered:,.2f}；短信 / messages {result.messages:,}；还款人 / payers "
        f"{result.payers:,}；投诉 / complaints {result.complaints}；退订 / opt-outs {result.opt_outs}"
    )
    os.chdir(work)
    os.environ["DUNNING_DATABASE_URL"] = f"sqlite:///{work / 'dunning.db'}"
    os.environ["DUNNING_PROFILE"] = profile
    from dunning.core.settings import reset_settings_cache

    reset_settings_cache()
    from datetime import date

    from dunning.cli.common import engine
    from dunning.cli.plan_cmd import daily_config
    from dunning.core.clock import zone
    from dunning.core.db import unit_of_work
    from dunning.flows import learning_report

    end = datetime.combine(
        date(2026, 3, 2) + timedelta(days=days), time(9, 0), tzinfo=zone(PROFILE_TIME_ZONE[profile])
    )
    if policy == "adaptive":
        console.rule("实验报告 / Experiment report: adaptive vs. the no-SMS holdout")
        report_command("adaptive", days=days, as_json=False)
        with unit_of_work(engine()) as conn:
            learned = learning_report(conn, daily_config(), end.astimezone(UTC), days=days)
        table = Table(
            title="自适应策略的选择与记录的概率 / The adaptive policy's choices and logged probabilities"
        )
        for head in (
            "情境 / Context",
            "动作 / Action",
            "次数 / Decisions",
            "平均概率 / Mean p",
            "发送概率 / p(send)",
        ):
            table.add_column(head, justify="left" if "动作" in head or "情境" in head else "right")
        for row in [r for r in learned["choices"] if r["policy"] == "adaptive"][:25]:
            table.add_row(
                row["context"],
                row["action"],
                f"{row['decisions']:,}",
                f"{row['mean_probability']:.3f}",
                f"{row['mean_p_send']:.3f}",
            )
        console.print(table)
        slots = learned["model"]["slots"]
        console.print("学到的时段效应（对数几率）/ Learned window effects (log-odds): " + ", ".join(
            f"{k} {v['pay']:+.2f}" for k, v in slots.items()))  # fmt: skip
    elapsed = perf_counter() - started
    command = _command()
    console.print(
        f"\n完成，用时 {elapsed:.1f} 秒 / Done in {elapsed:.1f} s.\n"
        f"继续探索 / Explore: cd {work} && {command} learn --now {end.isoformat()}    "
        f"{command} policy evaluate --now {end.isoformat()}    {command} experiment report adaptive",
        soft_wrap=True,
    )
