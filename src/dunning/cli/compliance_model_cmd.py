"""``dunning compliance train-classifier | classifier-info``: the second opinion's model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dunning.cli.common import JsonOption, console, echo_json, err_console, handle_errors
from dunning.cli.compliance_cmd import compliance_app
from dunning.core.profiles import PROFILES

ProfileArg = Annotated[
    str | None,
    typer.Option("--profile", help="CN | US（默认两者 / default: both）"),
]

_STAGES = {
    "generate": "生成样本 / Generating",
    "validate": "分组验证 / Validating",
    "fit": "训练 / Fitting",
}


def _names(profile: str | None) -> list[str]:
    from dunning.core.errors import InputError

    if profile is None:
        return list(PROFILES)
    name = profile.upper()
    if name not in PROFILES:
        raise InputError(
            f"--profile must be one of {', '.join(PROFILES)}", f"--profile 须为 {'、'.join(PROFILES)} 之一"
        )
    return [name]


@compliance_app.command("train-classifier")
@handle_errors
def train_classifier_command(
    profile: ProfileArg = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", file_okay=False, help="输出目录（默认：安装包内）/ Folder (default: the package's)"
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="随机种子 / Seed")] = 0,
    rows: Annotated[
        int, typer.Option("--rows", min=200, help="每个配置生成的样本数 / Rows generated per profile")
    ] = 40_000,
    as_json: JsonOption = False,
) -> None:
    """用变形、重组的种子短信训练第二意见分类器 / Train the second opinion on mutated, recombined seeds."""
    from importlib import resources

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dunning.compliance.classifier import train

    folder = out if out is not None else Path(str(resources.files("dunning.compliance").joinpath("model")))
    reports: list[dict[str, Any]] = []
    columns = (
        TextColumn("{task.description:<34}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, disable=as_json) as progress:
        for name in _names(profile):
            task = progress.add_task(f"{name} {_STAGES['generate']}", total=1.0)

            def step(stage: str, done: float, task: Any = task, name: str = name) -> None:
                label = _STAGES.get(stage, stage)
                progress.update(task, completed=min(done, 1.0), description=f"{name} {label}")

            reports.append(train(name, folder, seed=seed, rows=rows, progress=step))
            progress.update(task, completed=1.0)
    if as_json:
        echo_json(reports)
        return
    for report in reports:
        _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    from rich.table import Table

    def pct(value: Any) -> str:
        return "—" if value is None else f"{value:.1%}"

    table = Table(title=f"第二意见分类器 / Second-opinion classifier — {report['profile']}")
    table.add_column("指标 / Measure")
    table.add_column("值 / Value", justify="right")
    origins = ", ".join(f"{k} {v}" for k, v in report.get("seeds_by_origin", {}).items())
    kinds = ", ".join(f"{k} {v}" for k, v in report.get("rows_by_kind", {}).items())
    rows = [
        (
            "种子 违规/合规 / Seeds abusive/pass",
            f"{report['seeds_abusive']}/{report['seeds_pass']} ({origins})",
        ),
        ("样本 / Rows", f"{report['rows']:,} (违规 / abusive {report['rows_abusive']:,}; {kinds})"),
        ("分组验证 AUC / Grouped-validation AUC", f"{report['auc']}"),
        ("原文种子 AUC / AUC on seeds as written", f"{report['auc_seeds']}"),
        ("复核阈值 / Review threshold", f"{report['threshold']:.4f}"),
        ("阈值下召回 / Recall at threshold", pct(report["recall_at_threshold"])),
        ("阈值下放行 / Pass rate at threshold", pct(report["pass_rate_at_threshold"])),
        ("原文种子召回 / Seed recall at threshold", pct(report["seed_recall_at_threshold"])),
        ("原文种子放行 / Seed pass rate at threshold", pct(report["seed_pass_rate_at_threshold"])),
    ]
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)
    by = Table(title="按变形类（验证集）/ By mutation class (held out)")
    for head in ("变形类 / Mutation", "召回 / Recall", "合规误送复核 / Pass sent to review"):
        by.add_column(head, justify="left" if "变形" in head else "right")
    for name, rates in report.get("by_mutation", {}).items():
        by.add_row(name, pct(rates["recall"]), pct(rates["pass_review"]))
    console.print(by)
    err_console.print(f"模型 / Model: {report['file']} ({report['file_bytes'] / 1024:.0f} KiB)")


@compliance_app.command("classifier-info")
@handle_errors
def classifier_info_command(profile: ProfileArg = None, as_json: JsonOption = False) -> None:
    """显示内置分类器的训练信息 / Show what the shipped classifier was trained on and how it measured."""
    from dunning.compliance.classifier import model_info

    infos = [model_info(name) for name in _names(profile)]
    if as_json:
        echo_json(infos)
        return
    for info in infos:
        _print_report({**info, "file": info.get("file", f"model/{info['profile'].lower()}.npz")})
