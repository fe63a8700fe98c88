"""Learning what works: ``dunning portfolio segments``, ``dunning learn``, ``dunning policy
evaluate``, ``dunning strategy use rules|adaptive`` and ``dunning simulate``."""

from __future__ import annotations

from typing import Annotated, Any

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
from dunning.cli.portfolio_cmd import portfolio_app
from dunning.cli.templates_cmd import strategy_app

policy_app = typer.Typer(help="策略评估（离线）/ Off-policy evaluation of policies.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


@portfolio_app.command("segments")
@handle_errors
def segments_command(now: NowOption = None, as_json: JsonOption = False) -> None:
    """还款能力 × 还款意愿分群 / The portfolio by repayment ability × willingness."""
    from rich.table import Table

    from dunning.cli.plan_cmd import daily_config
    from dunning.core.db import unit_of_work
    from dunning.flows import portfolio_segments

    with unit_of_work(engine()) as conn:
        report = portfolio_segments(conn, daily_config(), now_from(now))
    if as_json:
        echo_json(report)
        return
    table = Table(title=f"能力 × 意愿 / Ability × willingness — {report['debtors']:,} 债务人 / debtors")
    for head in ("分群 / Segment", "债务人 / Debtors", "占比 / Share", "余额 / Balance", "能力 / Ability",
                 "意愿 / Willingness", "平均逾期天数 / Mean DPD"):  # fmt: skip
        table.add_column(head, justify="right" if head[0] != "分" else "left")
    for row in report["segments"]:
        table.add_row(
            f"{row['zh']} / {row['en']} ({row['segment']})",
            f"{row['debtors']:,}",
            f"{100 * row['share']:.1f}%",
            f"{row['balance_minor'] / 100:,.2f}",
            f"{row['mean_ability']:.2f}",
            f"{row['mean_willingness']:.2f}",
            f"{row['mean_dpd']:.1f}",
        )
    console.print(table)


@app.command("learn")
@handle_errors
def learn_command(
    now: NowOption = None,
    days: Annotated[int, typer.Option("--days", min=1, max=365, help="最近天数 / Recent days")] = 14,
    as_json: JsonOption = False,
) -> None:
    """自适应策略学到了什么、最近如何选择 / What the adaptive policy has learned and chosen."""
    from rich.table import Table

    from dunning.cli.plan_cmd import daily_config
    from dunning.core.db import unit_of_work
    from dunning.flows import learning_report

    with unit_of_work(engine()) as conn:
        report = learning_report(conn, daily_config(), now_from(now), days=days)
    if as_json:
        echo_json(report)
        return
    model = report["model"]
    console.print(
        f"策略 / Strategy {report['strategy']} (policy: {report['policy']}) — 学习样本 / learned from "
        f"{model['rows']:,} 决策 / decisions, {model['sends']:,} 发送 / sent, "
        f"{model['payers']:,} 还款 / paid, "
        f"{model['harms']:,} 投诉或退订 / complaints or opt-outs"
    )
    own = report["own_history_propensity"]
    if own.get("rows"):
        console.print(
            f"自有历史的还款倾向模型 / Propensity from the system's own history: AUC {own['auc']}, "
            f"Brier {own['brier']} on the newest {own['rows']:,} decisions it did not see "
            f"(trained on {own['trained_rows']:,})"
        )
    slots = Table(title="时段 / Windows (对数几率 / log-odds vs. the others)")
    for head in ("时段 / Window", "还款 / Pay", "伤害 / Harm"):
        slots.add_column(head, justify="right")
    for slot, v in model["slots"].items():
        slots.add_row(slot, f"{v['pay']:+.3f}", f"{v['harm']:+.3f}")
    console.print(slots)
    choices = Table(title=f"最近 {days} 天的选择 / Choices of the last {days} days")
    for head in ("策略 / Policy", "情境 / Context", "动作 / Action", "次数 / Decisions", "平均概率 / Mean p",
                 "发送概率 / p(send)"):  # fmt: skip
        choices.add_column(head, justify="right" if "次数" in head or "概率" in head else "left")
    for row in report["choices"][:40]:
        choices.add_row(
            row["policy"], row["context"], row["action"], f"{row['decisions']:,}",
            f"{row['mean_probability']:.3f}", f"{row['mean_p_send']:.3f}",
        )  # fmt: skip
    console.print(choices)


@policy_app.command("evaluate")
@handle_errors
def evaluate_command(
    now: NowOption = None,
    days: Annotated[int, typer.Option("--days", min=1, max=365, help="最近天数 / Recent days")] = 30,
    as_json: JsonOption = False,
) -> None:
    """用决策日志离线评估各策略（IPS、SNIPS、双稳健）/ Estimate policies from the decision log."""
    from rich.table import Table

    from dunning.cli.plan_cmd import daily_config
    from dunning.core.db import unit_of_work
    from dunning.flows import evaluate_policies

    with unit_of_work(engine()) as conn:
        report = evaluate_policies(conn, daily_config(), now_from(now), days=days)
    if as_json:
        echo_json(report)
        return
    console.print(
        f"{report['rows']:,} 个已满 {report['horizon_days']} 天观察期的决策 / decisions with a complete "
        f"{report['horizon_days']}-day outcome, last {days} days"
    )
    for measure, title in (
        ("pay_rate", "还款率 / Pay rate"),
        ("recovered_per_decision", "每决策回收 / Recovered per decision"),
    ):
        table = Table(title=title)
        for head in (
            "策略 / Policy",
            "发送率 / Send rate",
            "IPS",
            "SNIPS",
            "DR (95% CI)",
            "不支持 / Unsupported",
        ):
            table.add_column(head, justify="right")
        for name, est in report[measure].items():
            dr = est.get("dr", {})
            nan = float("nan")
            scale = 100 if measure == "pay_rate" else 1
            unit = "%" if measure == "pay_rate" else ""
            table.add_row(
                name,
                f"{100 * est['target_send_rate']:.1f}%",
                f"{scale * est['ips']['value']:.3f}{unit}",
                f"{scale * est['snips']['value']:.3f}{unit}",
                f"{scale * dr.get('value', nan):.3f}{unit} "
                f"[{scale * dr.get('ci_low', nan):.3f}, {scale * dr.get('ci_high', nan):.3f}]",
                f"{100 * est['unsupported_share']:.1f}%",
            )
        console.print(table)


@strategy_app.command("use")
@handle_errors
def use_command(
    which: Annotated[str, typer.Argument(help="rules | adaptive")],
    by: ByOption = None,
    now: NowOption = None,
) -> None:
    """切换为内置的规则或自适应策略（原文件备份）/ Switch to the shipped rules or adaptive strategy."""
    from dunning.core.db import unit_of_work
    from dunning.flows import use_strategy

    with unit_of_work(engine()) as conn:
        detail = use_strategy(settings(), which, by=by, now=now_from(now), conn=conn)
    console.print(f"已切换为 / Now using the {which} strategy: {detail['file']}")
    if detail["backup"]:
        console.print(f"原策略已备份 / Your strategy was kept as: {detail['backup']}")


@app.command("simulate")
@handle_errors
def simulate_command(
    accounts: Annotated[
        int, typer.Option("--accounts", min=10, max=200_000, help="账户数 / Accounts")
    ] = 3000,
    days: Annotated[int, typer.Option("--days", min=1, max=90, help="天数 / Days")] = 14,
    policy: Annotated[
        str,
        typer.Option("--policy", help="none | rules | adaptive | oracle | all（逗号分隔 / comma-separated）"),
    ] = "all",
    seed: Annotated[int, typer.Option("--seed", help="随机种子 / Seed")] = 7,
    profile: Annotated[str, typer.Option("--profile", help="CN | US")] = "CN",
    as_json: JsonOption = False,
) -> None:
    """用真实排期、闸门与发送模拟债务人行为 / Simulate debtors against the real planner, gate and sender."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dunning.core.errors import InputError
    from dunning.simulation.runner import POLICIES, simulate

    wanted = list(POLICIES) if policy == "all" else [p.strip() for p in policy.split(",") if p.strip()]
    unknown = [p for p in wanted if p not in POLICIES]
    if unknown or not wanted:
        raise InputError(
            f"--policy: unknown {unknown}; choose from {', '.join(POLICIES)} or all",
            f"--policy 未知：{unknown}；可选 {', '.join(POLICIES)} 或 all",
        )
    results: list[Any] = []
    columns = (
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} 天 / days"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=as_json) as progress:
        for name in wanted:
            task = progress.add_task(f"模拟 / Simulating {name}", total=days)
            results.append(
                simulate(
                    name,
                    accounts=accounts,
                    days=days,
                    seed=seed,
                    profile=profile,
                    on_day=_advance(progress, task),
                )
            )
    baseline = next((r for r in results if r.policy == "none"), None)
    for r in results:
        if baseline is not None:
            r.incremental = round(r.recovered - baseline.recovered, 2)
    policies: list[dict[str, Any]] = [r.as_dict() for r in results]
    out: dict[str, Any] = {
        "accounts": accounts,
        "days": days,
        "seed": seed,
        "profile": profile.upper(),
        "policies": policies,
    }
    oracle = next((r for r in results if r.policy == "oracle"), None)
    rules = next((r for r in results if r.policy == "rules"), None)
    adaptive = next((r for r in results if r.policy == "adaptive"), None)
    if adaptive is not None and oracle is not None and oracle.incremental:
        out["adaptive_share_of_oracle_incremental"] = round(
            (adaptive.incremental or 0) / oracle.incremental, 4
        )
    if adaptive is not None and rules is not None and rules.messages:
        out["adaptive_messages_vs_rules"] = round(adaptive.messages / rules.messages - 1, 4)
        out["adaptive_recovered_vs_rules"] = (
            round(adaptive.recovered / rules.recovered - 1, 4) if rules.recovered else None
        )
    if as_json:
        for p in policies:
            p.pop("daily", None)
        echo_json(out)
        return
    _render(out)


def _advance(progress: Any, task: Any) -> Any:
    return lambda _day: progress.advance(task)


def _render(out: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(
        title=f"模拟 / Simulation — {out['accounts']:,} 账户 / accounts × {out['days']} 天 / days, "
        f"seed {out['seed']}"
    )
    heads = (
        "策略 / Policy",
        "回收 / Recovered",
        "增量 / Incremental",
        "短信 / Messages",
        "投诉 / Complaints",
        "退订 / Opt-outs",
        "每千条回收 / Per 1,000 msgs",
    )
    for head in heads:
        table.add_column(head, justify="right")
    for p in out["policies"]:
        inc = p["incremental"]
        table.add_row(
            p["policy"],
            f"{p['recovered']:,.2f}",
            "—" if inc is None else f"{inc:+,.2f}",
            f"{p['messages']:,}",
            str(p["complaints"]),
            str(p["opt_outs"]),
            f"{p['recovered_per_1000_messages']:,.2f}",
        )
    console.print(table)
    if "adaptive_share_of_oracle_incremental" in out:
        console.print(f"自适应 / oracle 增量 / Adaptive's share of the oracle's incremental recovery: "
                      f"{100 * out['adaptive_share_of_oracle_incremental']:.1f}%")  # fmt: skip
    if "adaptive_messages_vs_rules" in out:
        messages = 100 * out["adaptive_messages_vs_rules"]
        recovered = 100 * (out["adaptive_recovered_vs_rules"] or 0)
        console.print(
            f"自适应 vs 规则 / Adaptive vs rules: messages {messages:+.1f}%, recovered {recovered:+.1f}%"
        )
