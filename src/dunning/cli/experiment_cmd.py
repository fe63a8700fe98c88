"""``dunning experiment report|promote``: what each arm did against the holdout; make an arm champion."""

from __future__ import annotations

from typing import Annotated

import typer

from dunning.cli.common import (
    ByOption,
    JsonOption,
    NowOption,
    console,
    echo_json,
    engine,
    handle_errors,
    now_from,
    settings,
)
from dunning.cli.main import app

experiment_app = typer.Typer(help="实验（冠军/挑战者与对照组）/ Experiments.", no_args_is_help=True)
app.add_typer(experiment_app, name="experiment")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


@experiment_app.command("report")
@handle_errors
def report_command(
    name: Annotated[str, typer.Argument(help="实验 id / Experiment id")],
    days: Annotated[
        int, typer.Option("--days", min=1, max=365, help="分组后天数 / Days after assignment")
    ] = 14,
    as_json: JsonOption = False,
) -> None:
    """各组对比对照组的回收与 95% 置信区间 / Each arm against the holdout, with 95 % intervals."""
    from rich.table import Table

    from dunning.core.db import unit_of_work
    from dunning.flows import experiment_report

    with unit_of_work(engine()) as conn:
        report = experiment_report(conn, name, days=days)
    if as_json:
        echo_json(report)
        return
    table = Table(title=f"实验 / Experiment {name} — {days} 天 / days")
    heads = (
        "组 / Arm",
        "债务人",
        "短信",
        "送达",
        "还款率 / Pay rate",
        "回收 / Recovered",
        "承诺",
        "投诉",
        "退订",
        "提升 / Uplift (95% CI)",
        "所需样本 / n per arm",
    )
    for head in heads:
        table.add_column(head, justify="right")
    for arm, f in report["arms"].items():
        uplift = f.get("uplift") or {}
        rate = uplift.get("payment_rate") if uplift else None
        shown = (
            "—"
            if not rate
            else f"{100 * rate['difference']:+.2f} pp "
            f"[{100 * rate['ci95'][0]:+.2f}, {100 * rate['ci95'][1]:+.2f}]"
        )
        table.add_row(
            arm,
            str(f["debtors"]),
            str(f["messages"]),
            str(f["delivered"]),
            _pct(f["payment_rate"]),
            f"{f['recovered_minor'] / 100:,.2f}",
            str(f["promises"]),
            str(f["complaints"]),
            str(f["opt_outs"]),
            shown,
            str(uplift.get("sample_size_per_arm") or "—") if uplift else "—",
        )
    console.print(table)


@experiment_app.command("promote")
@handle_errors
def promote_command(
    name: Annotated[str, typer.Argument(help="实验 id / Experiment id")],
    arm: Annotated[str, typer.Argument(help="组 / Arm")],
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """让某组成为冠军（写入策略文件；主管或管理员）/ Make an arm the champion (strategy file; logged)."""
    from dunning.core.db import unit_of_work
    from dunning.flows import promote_arm

    with unit_of_work(engine()) as conn:
        promote_arm(conn, settings().strategy_file, name, arm, by=by, now=now_from(now))
    console.print(f"已推广 / Promoted {arm} in {name}: 对照组保留 / the holdout stays")
