"""``dunning templates …`` and ``dunning strategy …``: inspect, preview, approve and validate.

Files come from settings (``templates_file``, ``strategy_file``) or ``--file``. Read-only commands fall
back to the shipped examples for the settings' profile when the file does not exist (and say so);
``approve`` only ever edits a real file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from dunning.cli.common import (
    ByOption,
    NowOption,
    console,
    echo_json,
    engine,
    err_console,
    handle_errors,
    now_from,
    settings,
)
from dunning.cli.main import app
from dunning.core.errors import ConfigError, InputError

if TYPE_CHECKING:  # loaded by the commands that need them: `dunning --help` stays fast
    from dunning.core.smstext import TextExplanation
    from dunning.strategy import Strategy
    from dunning.templates import RenderContext, TemplateCatalog
    from dunning.templates.models import Template, TemplateVersion

templates_app = typer.Typer(
    help="短信模板：列表、预览、审批 / SMS templates: list, preview, approve.", no_args_is_help=True
)
strategy_app = typer.Typer(
    help="催收策略：查看、校验 / Collection strategy: show, validate.", no_args_is_help=True
)
app.add_typer(templates_app, name="templates")
app.add_typer(strategy_app, name="strategy")

FileOption = Annotated[
    Path | None,
    typer.Option(
        "--file", "-f", help="模板文件（默认取设置 templates_file）/ Templates file (default: settings)"
    ),
]
StrategyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--file", "-f", help="策略文件（默认取设置 strategy_file）/ Strategy file (default: settings)"
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="输出 JSON / JSON output")]

_STATE_ZH = {"draft": "草稿", "approved": "已审批", "retired": "已停用"}


def _catalog(file: Path | None) -> TemplateCatalog:
    from dunning.templates import load_default_templates, load_templates

    if file is not None:
        return load_templates(file)
    s = settings()
    if s.templates_file.exists():
        return load_templates(s.templates_file)
    err_console.print(
        f"[yellow]未找到 {s.templates_file}，显示内置 {s.profile} 示例模板（`dunning init` 可写入）/ "
        f"{s.templates_file} not found; showing the shipped {s.profile} examples "
        "(`dunning init` writes them)[/]"
    )
    return load_default_templates(s.profile)


def _strategy(file: Path | None) -> Strategy:
    from dunning.strategy import load_default_strategy, load_strategy

    if file is not None:
        return load_strategy(file)
    s = settings()
    if s.strategy_file.exists():
        return load_strategy(s.strategy_file)
    err_console.print(
        f"[yellow]未找到 {s.strategy_file}，显示内置 {s.profile} 示例策略（`dunning init` 可写入）/ "
        f"{s.strategy_file} not found; showing the shipped {s.profile} example (`dunning init` writes it)[/]"
    )
    return load_default_strategy(s.profile)


def _sample(template: Template, version: TemplateVersion, context: RenderContext, now: str | None) -> str:
    from dunning.templates import render_version, sample_values

    today = now_from(now).date()
    return render_version(version, template.profile, sample_values(template.profile, today), context)


# ----------------------------------------------------------------------------------------- templates


@templates_app.command("list")
@handle_errors
def list_command(file: FileOption = None, now: NowOption = None, json_out: JsonOption = False) -> None:
    """列出模板版本及样例渲染的编码与段数 / List template versions with encoding and segments of a sample."""
    from dunning.core.smstext import text_info
    from dunning.templates import RenderContext

    catalog = _catalog(file)
    context = RenderContext.from_settings(settings())
    rows = []
    for template in catalog.values():
        active = template.approved
        for version in template.versions:
            body = _sample(template, version, context, now)
            info = text_info(body)
            rows.append(
                {
                    "id": template.id,
                    "profile": template.profile,
                    "version": version.version,
                    "state": version.state,
                    "sent": active is not None and active.version == version.version,
                    "encoding": info.encoding,
                    "segments": info.segments,
                    "chars": len(body),
                    "approved_by": version.approved_by,
                    "approved_at": version.approved_at.isoformat() if version.approved_at else None,
                }
            )
    if json_out:
        echo_json(rows)
        return
    table = Table(title=f"短信模板 / SMS templates — {escape(catalog.source)}")
    table.add_column("模板/Template", no_wrap=True)
    for header in ("版/Ver", "状态/State", "编码/Enc", "段/Seg", "字/Chars", "审批人/Approved by"):
        table.add_column(header)
    for row in rows:
        state = f"{row['state']} ▶" if row["sent"] else str(row["state"])
        if row["sent"]:
            state = f"[green]{state}[/]"
        elif row["state"] != "approved":
            state = f"[dim]{state}[/]"
        segments = str(row["segments"])
        if int(segments) > 1:
            segments = f"[yellow]{segments}[/]"
        table.add_row(
            str(row["id"]),
            str(row["version"]),
            state,
            str(row["encoding"]),
            segments,
            str(row["chars"]),
            escape(str(row["approved_by"] or "—")),
        )
    console.print(table)
    console.print(
        "状态 / State: draft 草稿, approved 已审批, retired 已停用；"
        "▶ = 正在发送的版本（最新的已审批版本）/ the version that is sent (newest approved)"
    )
    console.print("样例渲染 / sample render: `dunning templates preview ID`")


@templates_app.command("preview")
@handle_errors
def preview_command(
    template_id: Annotated[str, typer.Argument(help="模板 id / Template id")],
    version: Annotated[
        int | None,
        typer.Option("--version", "-v", help="版本（默认：发送中的版本）/ Version (default: the one sent)"),
    ] = None,
    file: FileOption = None,
    now: NowOption = None,
    json_out: JsonOption = False,
) -> None:
    """用样例值渲染模板，并给出合规判定 / Render a template with sample values, with the gate's verdict."""
    from dunning.compliance import load_profile
    from dunning.core.smstext import explain, text_info
    from dunning.flows import preview_version
    from dunning.templates import RenderContext, RenderError, render_version, sample_values

    catalog = _catalog(file)
    template = catalog[template_id]
    chosen = template.version(version) if version is not None else template.for_sending()[0]
    s = settings()
    context = RenderContext.from_settings(s)
    values = sample_values(template.profile, now_from(now).date())
    try:
        body = render_version(chosen, template.profile, values, context)
    except RenderError as exc:  # cannot happen with complete sample values; kept for clarity
        raise InputError(exc.en, exc.zh) from exc
    info = text_info(body)
    explained = explain(body)
    sendable = template.approved is not None and template.approved.version == chosen.version
    gate = preview_version(template, chosen, load_profile(s.profile, s), context, now_from(now))
    if json_out:
        echo_json(
            {
                "id": template.id,
                "version": chosen.version,
                "state": chosen.state,
                "sendable": sendable,
                "body": body,
                "chars": len(body),
                "encoding": info.encoding,
                "units": info.units,
                "segments": info.segments,
                "variables": list(chosen.variables),
                "cost": explained.as_dict(),
                "kind": gate["kind"],
                "outcome": gate["outcome"],
                "allowed": gate["allowed"],
                "violations": gate["violations"],
                "review": gate["review"],
                "score": gate["score"],
                "overridable": gate["overridable"],
                "override": gate["override"],
            }
        )
        return
    console.print(
        f"[bold]{template.id}[/] 第 {chosen.version} 版 / version {chosen.version} — "
        f"{_STATE_ZH[chosen.state]} / {chosen.state}"
    )
    if template.description:
        console.print(f"[dim]{escape(template.description)}[/]")
    console.print()
    console.print(body, markup=False, soft_wrap=True)
    console.print()
    console.print(
        f"编码 / Encoding: {info.encoding}   字数 / Chars: {len(body)}   "
        f"计费单位 / Units: {info.units}   段数 / Segments: {info.segments}"
    )
    console.print(f"变量 / Variables: {', '.join(chosen.variables) or '—'}")
    _gate_lines(gate)
    _cost_notes(explained)
    if chosen.notes:
        console.print(f"备注 / Notes: {chosen.notes}", markup=False)
    if not sendable:
        console.print(
            "[yellow]此版本不会被发送（只发送最新的已审批版本）/ "
            "This version is not sent (only the newest approved version is)[/]"
        )


@templates_app.command("approve")
@handle_errors
def approve_command(
    template_id: Annotated[str, typer.Argument(help="模板 id / Template id")],
    version: Annotated[int, typer.Argument(help="版本号 / Version number")],
    by: ByOption = None,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help="预览未通过合规检查时的放行理由（仅合规角色）/ Why to approve a version the gate "
            "blocked or held for review (compliance role only)",
        ),
    ] = None,
    file: FileOption = None,
    now: NowOption = None,
) -> None:
    """审批模板版本（写回 YAML 文件；须合规或管理员）/ Approve a template version (compliance or admin).

    A version whose preview the gate does not allow is approved only by the compliance role, with
    --reason (recorded in the file and as a template.approved_override event).
    """
    from dunning.compliance import load_profile
    from dunning.core.db import unit_of_work
    from dunning.core.smstext import explain
    from dunning.flows import approve_template
    from dunning.templates import RenderContext

    s = settings()
    path = file if file is not None else s.templates_file
    if not path.exists():
        raise ConfigError(
            f"templates file not found: {path} (run `dunning init` first)",
            f"找不到模板文件：{path}（请先运行 `dunning init`）",
        )
    context = RenderContext.from_settings(s)
    with unit_of_work(engine()) as conn:
        approved = approve_template(
            conn,
            path,
            template_id,
            version,
            profile=load_profile(s.profile, s),
            context=context,
            by=by,
            now=now_from(now),
            reason=reason,
        )
    console.print(
        f"已审批 / Approved: {template_id} 第 {approved.version} 版 / version {approved.version} "
        f"— {approved.approved_by}, {approved.approved_at.isoformat() if approved.approved_at else ''}"
    )
    if approved.override_outcome is not None:
        console.print(
            f"[yellow]合规放行 / Approved despite the gate ({approved.override_outcome}: "
            f"{escape(', '.join(approved.override_flags))}) — 理由 / reason: "
            f"{escape(approved.override_reason or '')}[/]"
        )
    console.print(f"已更新 / Updated {path}")
    catalog = _catalog(path)
    template = catalog[template_id]
    body = _sample(template, template.version(approved.version), context, now)
    _cost_notes(explain(body))


_OUTCOME = {
    "allowed": "[green]通过 / allowed[/]",
    "blocked": "[red]拦截 / blocked[/]",
    "review": "[yellow]待人工复核 / review[/]",
}


def _gate_lines(gate: dict[str, Any]) -> None:
    """The gate's verdict on the sample render, as the approval will see it."""
    console.print(f"合规判定 / Gate ({gate['kind']}): {_OUTCOME[gate['outcome']]}")
    for v in gate["violations"]:
        console.print(f"  [red]{escape(v['rule'])}[/] {escape(v['zh'])} / {escape(v['en'])}")
    for why in gate["review"]:
        console.print(f"  [yellow]复核 / review:[/] {escape(why)}")
    if gate["override"] is not None:
        o = gate["override"]
        console.print(
            f"  合规放行 / Approved despite the gate by {escape(str(o['by']))}: {escape(str(o['reason']))}"
        )
    elif gate["outcome"] != "allowed" and gate["state"] == "draft":
        if gate["overridable"]:
            console.print(
                "  [yellow]仅合规角色可附理由审批（--reason）/ "
                "Only the compliance role may approve it, with --reason[/]"
            )
        else:
            console.print("  [red]不能放行，请修改模板 / No override can approve it: change the template[/]")


def _cost_notes(explained: TextExplanation) -> None:
    """Warn when one character decides the encoding or the part count (of the sample render)."""
    for zh, en in explained.notes:
        console.print(f"[yellow]注意 / Note: {escape(zh)} / {escape(en)}[/]")


# ------------------------------------------------------------------------------------------ strategy


def _range(name: str, low: object, high: object) -> str:
    """ "0.2 ≤ risk < 0.6" (ranges are [min, max))."""
    text = name
    if low is not None:
        text = f"{low} ≤ {text}"
    if high is not None:
        text = f"{text} < {high}"
    return text


def _strategy_tree(strategy: Strategy) -> Tree:
    tree = Tree(
        f"[bold]{strategy.id}[/] ({strategy.profile}, 第 {strategy.version} 版 / version {strategy.version})"
        + (f" — {strategy.description}" if strategy.description else "")
    )
    exit_rules = strategy.exit
    tree.add(
        f"退出 / Exit on: {', '.join(exit_rules.on) or '—'};  "
        f"最低余额 / min balance: {exit_rules.min_balance}"
    )
    for index, segment in enumerate(strategy.segments, start=1):
        when = segment.when
        conditions = []
        if when.buckets:
            conditions.append(f"buckets {', '.join(when.buckets)}")
        if when.risk_score:
            conditions.append(_range("risk", when.risk_score.min, when.risk_score.max))
        if when.balance:
            conditions.append(_range("balance", when.balance.min, when.balance.max))
        if when.regions:
            conditions.append(f"regions {', '.join(when.regions)}")
        branch = tree.add(
            f"{index}. [bold cyan]{segment.id}[/]  [dim]{'; '.join(conditions) or '全部 / everything'}[/]"
            + (f"\n   {escape(segment.description)}" if segment.description else "")
        )
        table = Table(show_edge=False, box=None, pad_edge=False)
        for header in (
            "步骤 / Step",
            "日 / Day",
            "重复 / Every",
            "时段 / Window",
            "模板 / Template",
            "多笔 / Multi",
        ):
            table.add_column(header)
        for step in segment.steps:
            table.add_row(
                step.id,
                f"D{step.day:+d}" if step.day else "D0",
                f"{step.every} 天 / days" if step.every else "—",
                step.window,
                step.template,
                step.template_multi or "—",
            )
        branch.add(table)
        if segment.escalate is not None:
            branch.add(f"升级 / Escalate → {segment.escalate.to}: {escape(segment.escalate.note)}")
    return tree


@strategy_app.command("show")
@handle_errors
def show_command(file: StrategyFileOption = None) -> None:
    """查看策略的分群与步骤 / Show the strategy's segments and steps."""
    console.print(_strategy_tree(_strategy(file)))


@strategy_app.command("validate")
@handle_errors
def validate_command(
    file: Annotated[Path, typer.Argument(help="策略文件 / Strategy file")],
    templates: Annotated[
        Path | None,
        typer.Option("--templates", help="用于核对的模板文件（默认取设置）/ Templates file to check against"),
    ] = None,
) -> None:
    """校验策略文件，并核对模板与频次 / Validate a strategy file against templates and caps."""
    from dunning.strategy import check_cadence, check_templates, load_strategy
    from dunning.templates import load_default_templates, load_templates

    strategy = load_strategy(file)
    catalog: TemplateCatalog
    if templates is not None:
        catalog = load_templates(templates)
    elif settings().templates_file.exists():
        catalog = load_templates(settings().templates_file)
    else:
        catalog = load_default_templates(strategy.profile)
    problems = check_templates(strategy, catalog) + check_cadence(strategy)
    errors = [p for p in problems if p.level == "error"]
    for problem in problems:
        colour = "red" if problem.level == "error" else "yellow"
        label = "错误 / Error" if problem.level == "error" else "警告 / Warning"
        console.print(f"[{colour}]{label}[/] {escape(problem.bilingual())}")
    steps = sum(len(s.steps) for s in strategy.segments)
    summary = (
        f"{file}: {strategy.id} 第 {strategy.version} 版 / version {strategy.version}, "
        f"{len(strategy.segments)} 个分群 / segments, {steps} 个步骤 / steps; "
        f"模板 / templates: {catalog.source}"
    )
    if errors:
        console.print(f"[red]✗ 无效 / invalid[/] {summary}")
        raise typer.Exit(1)
    console.print(f"[green]✓ 有效 / valid[/] {summary}")
