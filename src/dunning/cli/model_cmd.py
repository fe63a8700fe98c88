"""``dunning model train|score``: the propensity-to-pay model from a performance-history file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from dunning.cli.common import JsonOption, console, echo_json, err_console, handle_errors
from dunning.cli.main import app

model_app = typer.Typer(help="还款倾向模型 / The propensity-to-pay model.", no_args_is_help=True)
app.add_typer(model_app, name="model")

HistoryOption = Annotated[
    Path, typer.Option("--history", exists=True, dir_okay=False, help="履约历史文件 / History file")
]
FormatOption = Annotated[Literal["uci"], typer.Option("--format", help="文件格式 / Layout (uci)")]


@model_app.command("train")
@handle_errors
def train_command(
    history: HistoryOption,
    out: Annotated[Path, typer.Option("--out", help="模型文件 / Where to write the model")],
    file_format: FormatOption = "uci",
    holdout: Annotated[float, typer.Option("--holdout", help="留出比例 / Share of rows kept unseen")] = 0.2,
    seed: Annotated[int, typer.Option("--seed")] = 7,
    no_refit: Annotated[
        bool, typer.Option("--no-refit", help="不用全部数据重训 / Keep the model evaluated")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """训练并在未见过的数据上评估 / Train, and evaluate on rows the model has not seen."""
    from dunning.propensity import read_uci, train

    frame = read_uci(history, labelled=True)
    with console.status("训练中 / Training…"):
        model, scored = train(frame, holdout=holdout, seed=seed, refit=not no_refit)
    model.save(out)
    if as_json:
        echo_json({"model": str(out), "trained_rows": model.trained_rows, "holdout": scored.as_dict()})
        return
    console.print(
        f"留出数据（{scored.rows} 行，模型未见过）/ Holdout ({scored.rows} rows the model has not seen): "
        f"ROC AUC [bold]{scored.roc_auc:.4f}[/], Brier {scored.brier:.4f}"
    )
    from rich.table import Table

    table = Table(title="可靠性 / Reliability (P(default) by decile)")
    for column in ("分组 / Bin", "行 / Rows", "预测 / Predicted", "实际 / Observed"):
        table.add_column(column, justify="right")
    for row in scored.reliability:
        table.add_row(str(row["bin"]), str(row["rows"]), f"{row['predicted']:.3f}", f"{row['observed']:.3f}")
    console.print(table)
    refit = (
        "用全部行重训后保存 / refit on all rows, then saved"
        if not no_refit
        else "即评估的模型 / the evaluated model"
    )
    err_console.print(f"模型 / Model: {out} ({refit})")


@model_app.command("score")
@handle_errors
def score_command(
    model: Annotated[
        Path, typer.Option("--model", exists=True, dir_okay=False, help="模型文件 / Model file")
    ],
    history: HistoryOption,
    out: Annotated[Path, typer.Option("--out", help="输出 CSV（id,propensity）/ Output CSV")],
    file_format: FormatOption = "uci",
) -> None:
    """为每个账户打分：propensity = P(还款) / Score each row: propensity = P(pays) = 1 − P(default)."""
    import polars as pl

    from dunning.propensity import PropensityModel, read_uci

    loaded = PropensityModel.load(model)
    frame = read_uci(history, labelled=False)
    scores = pl.DataFrame({"id": frame["ID"], "propensity": loaded.propensity(frame).round(6)})
    scores.write_csv(out)
    console.print(f"已写入 / Wrote {len(scores)} scores to {out}")
