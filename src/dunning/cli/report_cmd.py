"""``dunning report``: the day's figures as Rich tables (bilingual) or JSON for scripts."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dunning.cli.common import NowOption, console, echo_json, engine, handle_errors, now_from, settings
from dunning.cli.main import app

JsonOption = Annotated[
    bool, typer.Option("--json", help="输出 JSON（键名稳定）/ JSON output with stable keys")
]
ZoneOption = Annotated[
    str | None,
    typer.Option(
        "--tz",
        help="报表所用时区，默认按合规配置（CN: Asia/Shanghai）/ Report time zone (default by profile)",
    ),
]

FAILURE_NAMES = {
    "undelivered": "未送达 / undelivered",
    "rejected": "被拒 / rejected",
    "expired": "过期 / expired",
    "failed": "失败 / failed",
    "refused": "通道拒收或无号码 / refused at submission",
    "lapsed": "窗口关闭未发 / lapsed before sending",
}


@app.command("report")
@handle_errors
def report_command(now: NowOption = None, as_json: JsonOption = False, tz: ZoneOption = None) -> None:
    """当日报表：计划、拦截、发送、送达、费用 / Daily report: planned, blocked, sent, delivered, cost."""
    from dunning.core.db import unit_of_work
    from dunning.core.profiles import PROFILE_TIME_ZONE
    from dunning.flows import report_day

    instant = now_from(now)
    time_zone = tz or PROFILE_TIME_ZONE.get(settings().profile, "UTC")
    with unit_of_work(engine()) as conn:
        report = report_day(conn, instant, time_zone)
    if as_json:
        echo_json(report)
        return
    render(report)


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "delivery_rate":
        return f"{float(value):.1%}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render(report: dict[str, Any]) -> None:
    from rich.table import Table

    from dunning.analytics.report import LABELS

    table = Table(title=f"每日报表 / Daily report — {report['date']} ({report['time_zone']})")
    table.add_column("指标 / Metric")
    table.add_column("数值 / Value", justify="right")
    for key, (zh, en) in LABELS.items():
        table.add_row(f"{zh} / {en}", _fmt(key, report[key]))
    console.print(table)

    failed = Table(title="失败明细 / Failures by status")
    failed.add_column("状态 / Status")
    failed.add_column("条数 / Messages", justify="right")
    for status, n in report["failed_by_status"].items():
        failed.add_row(FAILURE_NAMES.get(status, status), f"{n:,}")
    console.print(failed)

    if report["blocked_by_rule"]:
        rules = Table(title="按规则拦截 / Blocked by rule")
        rules.add_column("规则 / Rule")
        rules.add_column("条数 / Messages", justify="right")
        for rule, n in report["blocked_by_rule"].items():
            rules.add_row(rule, f"{n:,}")
        console.print(rules)
    else:
        console.print("无合规拦截 / No messages blocked")
    if "return_path" in report:
        render_return_path(report["return_path"])


INTENT_NAMES = {
    "opt_out": "退订 / opt-out",
    "paid": "已还 / paid",
    "promise": "承诺还款 / promise",
    "hardship": "困难 / hardship",
    "dispute": "异议 / dispute",
    "wrong_number": "打错 / wrong number",
    "complaint": "投诉 / complaint",
    "help": "求助 / help",
    "other": "其他 / other",
}


def render_return_path(back: dict[str, Any]) -> None:
    """Replies by intent, promises, tasks per queue, recovered and attributed amounts."""
    from rich.table import Table

    from dunning.core.money import format_money

    def money(amounts: dict[str, int]) -> str:
        return "、".join(format_money(v, c) for c, v in sorted(amounts.items())) or "0"

    table = Table(title="回复与回款 / Replies and recovery")
    table.add_column("指标 / Metric")
    table.add_column("数值 / Value", justify="right")
    for intent, n in back["replies_by_intent"].items():
        table.add_row(f"回复 / replies: {INTENT_NAMES.get(intent, intent)}", f"{n:,}")
    p = back["promises"]
    table.add_row("承诺 新增/履约/部分/违约 / Promises made/kept/partly/broken",
                  f"{p['made']}/{p['kept']}/{p['partly_kept']}/{p['broken']}")  # fmt: skip
    table.add_row("待兑现承诺 / Promises pending", f"{p['pending']:,}")
    for queue, n in back["tasks_by_queue"].items():
        table.add_row(
            f"任务 / tasks {queue}: 新/关/未结 opened/closed/open", f"{n['opened']}/{n['closed']}/{n['open']}"
        )
    table.add_row("当日回款 / Recovered (payments made today)", money(back["recovered_minor"]))
    table.add_row("归因于短信（末次触达）/ Attributed (last touch)", money(back["attributed_minor"]))
    table.add_row(
        "每千条送达回款 / Recovered per 1,000 delivered", money(back["recovered_per_1000_messages_minor"])
    )
    console.print(table)
