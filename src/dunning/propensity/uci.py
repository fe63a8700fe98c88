"""The UCI "default of credit card clients" layout as a performance-history input.

Columns: ``ID, LIMIT_BAL, SEX, EDUCATION, MARRIAGE, AGE, PAY_0, PAY_2..PAY_6, BILL_AMT1..6,
PAY_AMT1..6`` and, for training, ``default`` (1 = defaulted on the next payment). A bad file is
refused with a report of every bad row (line, column, value, reason in both languages); nothing is
scored from a file with bad rows.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dunning.core.errors import ImportRejected, InputError

__all__ = ["LABEL", "UCI_COLUMNS", "read_uci"]

PAY_STATUS = ("PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6")
BILLS = tuple(f"BILL_AMT{i}" for i in range(1, 7))
PAID = tuple(f"PAY_AMT{i}" for i in range(1, 7))
UCI_COLUMNS = ("ID", "LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE", *PAY_STATUS, *BILLS, *PAID)
LABEL = "default"


class RowProblem:
    def __init__(self, line: int, column: str, value: str, reason_zh: str, reason_en: str) -> None:
        self.line, self.column, self.value = line, column, value
        self.reason_zh, self.reason_en = reason_zh, reason_en

    def __repr__(self) -> str:
        return f"line {self.line} {self.column}={self.value!r}: {self.reason_en}"


def read_uci(path: Path, *, labelled: bool) -> pl.DataFrame:
    """The file as numbers (``ID`` int, the rest float; ``default`` 0/1 when ``labelled``)."""
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"cannot read {path}: {exc}", f"无法读取 {path}：{exc}") from None
    need = (*UCI_COLUMNS, LABEL) if labelled else UCI_COLUMNS
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise InputError(
            f"{path.name}: missing columns {', '.join(missing)} (UCI layout: {', '.join(need)})",
            f"{path.name}：缺少列 {', '.join(missing)}（UCI 格式：{', '.join(need)}）",
        )
    if raw.is_empty():
        raise InputError(f"{path.name} has no rows", f"{path.name} 没有数据行")
    problems: list[RowProblem] = []
    columns = {}
    for name in need:
        text = raw[name].str.strip_chars()
        number = text.cast(pl.Float64, strict=False)
        bad = (number.is_null() | number.is_nan() | number.is_infinite()).to_list()
        for index in [i for i, b in enumerate(bad) if b][:200]:
            value = text[index]
            problems.append(
                RowProblem(index + 2, name, "" if value is None else value, "不是数字", "not a number")
            )
        columns[name] = number
    frame = pl.DataFrame(columns)
    if labelled and not problems:
        wrong = ~frame[LABEL].is_in([0.0, 1.0])
        for index in [i for i, b in enumerate(wrong.to_list()) if b][:200]:
            problems.append(
                RowProblem(index + 2, LABEL, str(frame[LABEL][index]), "须为 0 或 1", "must be 0 or 1")
            )
    if not problems:
        ids = frame["ID"]
        if ids.is_duplicated().any():
            first = int(ids.filter(ids.is_duplicated())[0])
            problems.append(RowProblem(0, "ID", str(first), "ID 重复", "duplicate ID"))
    if problems:
        raise ImportRejected(
            f"{path.name}: {len(problems)} bad cells (first: {problems[0]!r}); nothing was used",
            f"{path.name}：{len(problems)} 个单元格无效（首个：第 {problems[0].line} 行 "
            f"{problems[0].column}）；未使用任何数据",
            list(problems),
        )
    return frame.with_columns(pl.col("ID").cast(pl.Int64))
