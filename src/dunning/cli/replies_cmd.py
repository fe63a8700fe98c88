"""``dunning replies``: classify debtors' replies (JSON lines) and measure the reply corpus."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from dunning.cli.common import JsonOption, NowOption, console, echo_json, handle_errors, now_from
from dunning.cli.main import app
from dunning.core.errors import InputError
from dunning.core.profiles import PROFILE_TIME_ZONE, PROFILES

if TYPE_CHECKING:  # loaded by the commands that need them: `dunning --help` stays fast
    from dunning.replies.corpus import SplitReport

replies_app = typer.Typer(
    name="replies",
    help="回复理解：意图与还款承诺 / Reply understanding: intents and promises to pay.",
    no_args_is_help=True,
)
app.add_typer(replies_app, name="replies")

_BATCH = 512  # lines classified together (the model runs once per batch)

ProfileArg = Annotated[str, typer.Option("--profile", help="CN | US")]


@replies_app.command("classify")
@handle_errors
def classify_command(profile: ProfileArg = "CN", now: NowOption = None) -> None:
    """从标准输入逐行读取 JSON 并分类 / Classify JSON lines from stdin: {"id": …, "text": …}.

    Optional per line: "now" (ISO 8601; without an offset it is the profile's local time) and
    "amount_due". Each output line is {"id", "intent", "confidence", "promise"}; a malformed line
    yields {"id", "error": {"code", "zh", "en"}} and processing continues. Blank lines are skipped.
    """
    name = profile.upper()
    if name not in PROFILES:
        raise InputError(f"unknown profile {profile!r} (CN or US)", f"未知配置 {profile!r}（CN 或 US）")
    default_now = now_from(now)
    batch: list[bytes] = []
    try:
        for raw in sys.stdin.buffer:
            if not raw.strip():
                continue
            batch.append(raw)
            if len(batch) >= _BATCH:
                _classify_batch(batch, name, default_now)
                batch = []
        _classify_batch(batch, name, default_now)
    except OSError as exc:
        raise InputError(f"cannot read stdin: {exc}", f"无法读取标准输入：{exc}") from exc


def _error(ident: Any, code: str, zh: str, en: str) -> dict[str, Any]:
    return {"id": ident, "error": {"code": code, "zh": zh, "en": en}}


def _parse(raw: bytes, profile: str, default_now: datetime) -> dict[str, Any]:
    """{"id", "text", "now", "amount_due"} for a good line, or the error line to print."""
    from zoneinfo import ZoneInfo

    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return _error(None, "not_utf8", "不是 UTF-8 文本", "not UTF-8 text")
    except ValueError as exc:
        return _error(
            None, "invalid_json", f"不是有效的 JSON（{exc.args[0]}）", f"not valid JSON ({exc.args[0]})"
        )
    if not isinstance(data, dict):
        return _error(None, "not_object", "每行须为 JSON 对象", "each line must be a JSON object")
    ident = data.get("id")
    if not (
        ident is None or isinstance(ident, str) or (isinstance(ident, int) and not isinstance(ident, bool))
    ):
        return _error(None, "bad_id", "id 须为字符串或整数", "id must be a string or an integer")
    text = data.get("text")
    if text is None:
        return _error(ident, "missing_text", "缺少 text 字段", "missing text")
    if not isinstance(text, str):
        return _error(ident, "bad_text", "text 须为字符串", "text must be a string")
    instant = default_now
    if data.get("now") is not None:
        try:
            instant = datetime.fromisoformat(str(data["now"]))
        except ValueError:
            return _error(ident, "bad_now", "now 须为 ISO 8601 时间", "now must be an ISO 8601 time")
        if instant.tzinfo is None:  # a naive time is the profile's local time
            instant = instant.replace(tzinfo=ZoneInfo(PROFILE_TIME_ZONE[profile]))
    due = None
    if data.get("amount_due") is not None:
        try:
            due = Decimal(str(data["amount_due"]))
        except InvalidOperation:
            due = None
        if due is None or not due.is_finite() or due < 0:
            return _error(
                ident, "bad_amount_due", "amount_due 须为非负金额", "amount_due must be a non-negative amount"
            )
    return {"id": ident, "text": text, "now": instant, "amount_due": due}


def _classify_batch(lines: list[bytes], profile: str, default_now: datetime) -> None:
    if not lines:
        return
    from dunning.replies import classify_many

    parsed = [_parse(raw, profile, default_now) for raw in lines]
    good = [p for p in parsed if "error" not in p]
    results = iter(
        classify_many(
            [p["text"] for p in good],
            profile=profile,
            now=[p["now"] for p in good],
            amount_due=[p["amount_due"] for p in good],
        )
    )
    for p in parsed:
        if "error" in p:
            echo_json(p)
        else:
            result = next(results)
            promise = None
            if result.promise is not None:
                amount, day = result.promise.amount, result.promise.date
                promise = {
                    "amount": None if amount is None else str(amount),
                    "date": None if day is None else day.isoformat(),
                }
            echo_json(
                {
                    "id": p["id"],
                    "intent": result.intent.value,
                    "confidence": result.confidence,
                    "promise": promise,
                }
            )
        sys.stdout.flush()


@replies_app.command("corpus")
@handle_errors
def corpus_command(as_json: JsonOption = False) -> None:
    """衡量意图与承诺解析（交叉验证 + 留出集）/ Measure intents and promises (cross-validated, holdout)."""
    from dunning.replies.corpus import evaluate_corpus

    report = evaluate_corpus()
    splits = {"cross_validated": report.cross_validated, "holdout": report.holdout}
    if as_json:
        echo_json({name: _plain(split) for name, split in splits.items()})
        return
    titles = {
        "cross_validated": "语料（5 折交叉验证）/ Corpus (5-fold cross-validated)",
        "holdout": "留出集 / Holdout",
    }
    for name, split in splits.items():
        table = Table(title=f"{titles[name]} — {split.rows} 条 / rows")
        table.add_column("意图 / Intent")
        table.add_column("精确率 / Precision", justify="right")
        table.add_column("召回率 / Recall", justify="right")
        table.add_column("样本 / Support", justify="right")
        for intent, f in split.per_intent.items():
            table.add_row(intent, f"{f.precision:.1%}", f"{f.recall:.1%}", str(f.support))
        console.print(table)
        console.print(
            f"准确率 / accuracy {split.accuracy:.1%}  宏平均召回 / macro recall {split.macro_recall:.1%}  "
            f"承诺 / promises {split.promise_rows}: 日期 / date {split.promise_date_exact:.1%}, "
            f"金额 / amount {split.promise_amount_exact:.1%}, 两者 / both {split.promise_both_exact:.1%}"
        )


def _plain(split: SplitReport) -> dict[str, Any]:
    return {
        "rows": split.rows,
        "accuracy": round(split.accuracy, 4),
        "macro_recall": round(split.macro_recall, 4),
        "per_intent": {
            k: {"precision": round(f.precision, 4), "recall": round(f.recall, 4), "support": f.support}
            for k, f in split.per_intent.items()
        },
        "promise": {
            "rows": split.promise_rows,
            "date_exact": round(split.promise_date_exact, 4),
            "amount_exact": round(split.promise_amount_exact, 4),
            "both_exact": round(split.promise_both_exact, 4),
        },
        "errors": [{"text": t, "expected": e, "got": g} for t, e, g in split.errors],
    }
