"""Rendering: one message (``render``, for previews) or a whole frame (``render_frame``, for plans).

Both build the text from the same parsed parts and the same formatters (variables.py); deployment
constants (creditor, signature, hotline, app name, payment URL) are checked once, when the
``RenderContext`` is made, and then substituted as literal text.

``render_frame`` is set-based: rows are partitioned by template id and each partition gets one
``pl.concat_str`` of literal parts and formatter expressions; there is no Python per row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from dunning.core.errors import ConfigError, InputError
from dunning.core.profiles import Profile
from dunning.core.settings import Settings, get_settings
from dunning.core.smstext import segments_expr
from dunning.templates.models import Template, TemplateCatalog, TemplateVersion
from dunning.templates.syntax import Placeholder
from dunning.templates.variables import (
    VARIABLES,
    format_account_tail,
    format_amount,
    format_due_date,
    format_int,
    format_masked_name,
    is_temporary,
    row_stages,
)

#: Columns ``render_frame`` adds (``render_error`` is an addition to the pipeline contract).
OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "body": pl.Utf8(),
    "template_version": pl.Int32(),
    "template_approved": pl.Boolean(),
    "encoding": pl.Utf8(),
    "segments": pl.Int32(),
    "render_error": pl.Utf8(),
}

UNKNOWN_TEMPLATE = "unknown_template"
MISSING_PREFIX = "missing:"

_ROW = "__render_row"


class RenderError(InputError):
    """A value a template needs is missing (scalar ``render`` only; frames record it per row)."""


# ------------------------------------------------------------------------------------ constants

_URL_LIKE = re.compile(
    r"(?i)(://|www\.|\b[a-z0-9-]+\.(com|cn|net|org|io|me|cc|top|xyz|vip|app|info|biz|co)\b)"
)
_LONG_DIGITS = re.compile(r"[0-9０-９]{5,}")
_BRACKETS = set("【】[]{}<>〖〗〔〕［］｛｝")
_HOTLINE = re.compile(r"^[0-9][0-9-]{1,18}[0-9]$")


def _invisible(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") for ch in value)


def _check_plain(name: str, value: str, max_len: int) -> None:
    problem_zh = problem_en = ""
    if not value or value != value.strip() or len(value) > max_len:
        problem_zh, problem_en = (
            f"须为 1–{max_len} 个字符且首尾无空格",
            f"must be 1–{max_len} chars, no outer spaces",
        )
    elif _invisible(value):
        problem_zh, problem_en = "含控制或不可见字符", "contains control or invisible characters"
    elif any(ch in _BRACKETS for ch in value):
        problem_zh, problem_en = "不能含括号（【】[]{}<>）", "must not contain brackets (【】[]{}<>)"
    elif _URL_LIKE.search(value):
        problem_zh, problem_en = "不能含网址", "must not contain a URL"
    elif _LONG_DIGITS.search(value):
        problem_zh, problem_en = (
            "不能含 5 位以上连续数字（电话号码）",
            "must not contain 5+ digits in a row (a number)",
        )
    if problem_en:
        raise ConfigError(
            f"setting {name} = {value!r} {problem_en}",
            f"设置项 {name} = {value!r} {problem_zh}",
        )


@dataclass(frozen=True, slots=True)
class RenderContext:
    """Deployment constants for templates, validated so they too cannot smuggle content."""

    creditor: str
    signature: str
    hotline: str
    app_name: str
    pay_url: str | None = None

    def __post_init__(self) -> None:
        _check_plain("creditor", self.creditor, 40)
        _check_plain("signature", self.signature, 20)
        _check_plain("app_name", self.app_name, 30)
        if not _HOTLINE.match(self.hotline):
            raise ConfigError(
                f"setting hotline = {self.hotline!r} must be digits (and '-'), 3–20 characters",
                f"设置项 hotline = {self.hotline!r} 只能由数字（和“-”）组成，3–20 位",
            )
        if self.pay_url is not None and (
            not self.pay_url.startswith("https://")
            or any(ch.isspace() for ch in self.pay_url)
            or _invisible(self.pay_url)
            or any(ch in _BRACKETS for ch in self.pay_url)
        ):
            raise ConfigError(
                f"payment URL {self.pay_url!r} must be an https:// URL without spaces or brackets",
                f"还款链接 {self.pay_url!r} 须为 https:// 开头、不含空格和括号的网址",
            )

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> RenderContext:
        """Constants from settings; the hotline must be one of ``allowed_numbers``."""
        s = settings if settings is not None else get_settings()
        allowed = {re.sub(r"\D", "", n) for n in s.allowed_numbers}
        if re.sub(r"\D", "", s.hotline) not in allowed:
            raise ConfigError(
                f"hotline {s.hotline!r} is not in allowed_numbers {s.allowed_numbers}",
                f"客服电话 {s.hotline!r} 不在 allowed_numbers {s.allowed_numbers} 中",
            )
        return cls(
            creditor=s.creditor,
            signature=s.signature,
            hotline=s.hotline,
            app_name=s.app_name,
            pay_url=s.allowed_urls[0] if s.allowed_urls else None,
        )

    def constant(self, name: str) -> str:
        value: str | None = {
            "creditor": self.creditor,
            "signature": self.signature,
            "hotline": self.hotline,
            "app_name": self.app_name,
            "pay_url": self.pay_url,
        }[name]
        if value is None:
            raise ConfigError(
                "a template uses {pay_url} but settings.allowed_urls is empty",
                "模板使用了 {pay_url}，但设置 allowed_urls 为空",
            )
        return value


# ------------------------------------------------------------------------------------ row values


@dataclass(frozen=True, slots=True)
class RowValues:
    """The per-debtor inputs of a message, named like the Debtor frame columns."""

    name_masked: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    due_date: date | None = None
    days_past_due: int | None = None
    account_tail: str | None = None
    n_accounts: int | None = None

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> RowValues:
        """From a frame row dict (extra columns are ignored)."""
        return cls(
            name_masked=row.get("name_masked"),
            amount_minor=row.get("amount_minor"),
            currency=row.get("currency"),
            due_date=row.get("due_date"),
            days_past_due=row.get("days_past_due"),
            account_tail=row.get("account_tail"),
            n_accounts=row.get("n_accounts"),
        )


def sample_values(profile: Profile, today: date) -> RowValues:
    """Plausible values for previews and `templates list` (5 days past due, two accounts)."""
    from datetime import timedelta

    if profile == "CN":
        return RowValues("张*", 356_780, "CNY", today - timedelta(days=5), 5, "1234", 2)
    return RowValues("J.", 123_456, "USD", today - timedelta(days=5), 5, "1234", 2)


def format_row_variable(name: str, profile: Profile, values: RowValues) -> str | None:
    if name == "masked_name":
        return format_masked_name(values.name_masked)
    if name == "amount":
        return format_amount(values.amount_minor, values.currency)
    if name == "due_date":
        return format_due_date(values.due_date, profile)
    if name == "days_overdue":
        return format_int(values.days_past_due)
    if name == "account_tail":
        return format_account_tail(values.account_tail)
    if name == "n_accounts":
        return format_int(values.n_accounts)
    raise KeyError(name)


# --------------------------------------------------------------------------------------- scalar


def render_version(
    version: TemplateVersion, profile: Profile, values: RowValues, context: RenderContext
) -> str:
    """Render one version; RenderError names every variable whose value is missing."""
    out: list[str] = []
    missing: list[str] = []
    for part in version.parts:
        if isinstance(part, str):
            out.append(part)
        elif VARIABLES[part.name].kind == "constant":
            out.append(context.constant(part.name))
        else:
            text = format_row_variable(part.name, profile, values)
            if text is None:
                if part.name not in missing:
                    missing.append(part.name)
            else:
                out.append(text)
    if missing:
        names = ", ".join(missing)
        raise RenderError(f"missing value for {names}", f"缺少变量值：{names}")
    return "".join(out)


def render(template: Template, version: int, values: RowValues, context: RenderContext | None = None) -> str:
    """Render ``version`` of ``template`` (any state: previews show drafts too)."""
    ctx = context if context is not None else RenderContext.from_settings()
    return render_version(template.version(version), template.profile, values, ctx)


# ---------------------------------------------------------------------------------------- frame


def _compile(
    version: TemplateVersion, context: RenderContext
) -> tuple[list[str | Placeholder], tuple[str, ...]]:
    """Constants folded into literal text; returns (parts, row variables used)."""
    parts: list[str | Placeholder] = []
    for part in version.parts:
        if isinstance(part, Placeholder) and VARIABLES[part.name].kind == "constant":
            part = context.constant(part.name)
        if isinstance(part, str) and parts and isinstance(parts[-1], str):
            parts[-1] = parts[-1] + part
        else:
            parts.append(part)
    used = tuple(dict.fromkeys(p.name for p in parts if isinstance(p, Placeholder)))
    return parts, used


def _render_partition(
    frame: pl.DataFrame,
    version: TemplateVersion,
    approved: bool,
    profile: Profile,
    context: RenderContext,
    currencies: list[str],
    max_abs_amount: int | None,
) -> pl.DataFrame:
    parts, used = _compile(version, context)
    out = {name: f"__v_{name}" for name in used}
    per_variable = [row_stages(name, out[name], profile, currencies, max_abs_amount) for name in used]
    # Stage i of every variable runs in one with_columns (expressions in it run in parallel).
    for i in range(max((len(s) for s in per_variable), default=0)):
        merged: dict[str, pl.Expr] = {}
        for stages in per_variable:
            if i < len(stages):
                merged.update(stages[i])
        frame = frame.with_columns(**merged)
    pieces = [pl.lit(p) if isinstance(p, str) else pl.col(out[p.name]) for p in parts]
    if used:
        missing = pl.concat_str(
            [pl.when(pl.col(out[n]).is_null()).then(pl.lit(n)) for n in used],
            separator=",",
            ignore_nulls=True,
        )
        error = pl.when(missing.is_null() | (missing == "")).then(None).otherwise(MISSING_PREFIX + missing)
    else:
        error = pl.lit(None, dtype=pl.Utf8)
    frame = frame.with_columns(
        body=pl.concat_str(pieces) if len(pieces) > 1 else pieces[0].cast(pl.Utf8),
        render_error=error.cast(pl.Utf8),
        template_version=pl.lit(version.version, dtype=pl.Int32),
        template_approved=pl.lit(approved, dtype=pl.Boolean),
    )
    return frame.drop([c for c in frame.columns if is_temporary(c) or c in out.values()])


def _unknown_partition(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        body=pl.lit(None, dtype=pl.Utf8),
        render_error=pl.lit(UNKNOWN_TEMPLATE, dtype=pl.Utf8),
        template_version=pl.lit(None, dtype=pl.Int32),
        template_approved=pl.lit(False, dtype=pl.Boolean),
    )


def render_frame(frame: pl.DataFrame, catalog: TemplateCatalog, context: RenderContext) -> pl.DataFrame:
    """Add ``body, template_version, template_approved, encoding, segments, render_error``.

    Each row renders the newest approved version of its ``template_id``. A template without an
    approved version renders its newest version with ``template_approved = False`` (the gate blocks
    it and records why); an unknown template id gives a null body and ``render_error =
    "unknown_template"``; a missing value gives a null body and ``render_error = "missing:amount,…"``.
    Row order is kept.
    """
    if "template_id" not in frame.columns:
        raise InputError(
            "render_frame needs a template_id column (run strategy.assign first)",
            "render_frame 需要 template_id 列（请先运行 strategy.assign）",
        )
    base = frame.drop([c for c in OUTPUT_SCHEMA if c in frame.columns])
    if base.height == 0:
        return base.with_columns(
            pl.lit(None, dtype=dtype).alias(name) for name, dtype in OUTPUT_SCHEMA.items()
        )

    ids: list[str | None] = base.get_column("template_id").unique().to_list()
    chosen: dict[str, tuple[TemplateVersion, bool, Profile]] = {}
    needed_columns: set[str] = set()
    for tid in ids:
        if tid is not None and tid in catalog:
            template = catalog[tid]
            version, approved = template.for_sending()
            chosen[tid] = (version, approved, template.profile)
            for name in version.variables:
                needed_columns.update(VARIABLES[name].columns)
                if VARIABLES[name].kind == "constant":
                    context.constant(name)  # fail early on an unset payment URL
    absent = sorted(needed_columns - set(base.columns))
    if absent:
        raise InputError(
            f"render_frame: the frame lacks columns {absent} that the templates need",
            f"render_frame：数据缺少模板所需的列 {absent}",
        )
    currencies: list[str] = []
    max_abs_amount: int | None = None
    if "currency" in needed_columns:
        currencies = [c for c in base.get_column("currency").unique().to_list() if c is not None]
        largest = base.select(pl.col("amount_minor").cast(pl.Int64).abs().max()).item()
        max_abs_amount = int(largest) if largest is not None else 0

    indexed = base.with_row_index(_ROW)
    if len(ids) == 1:
        groups: list[tuple[str | None, pl.DataFrame]] = [(ids[0], indexed)]
    else:
        split = indexed.partition_by("template_id", as_dict=True, maintain_order=False)
        groups = [(key[0], part) for key, part in split.items()]
    rendered: list[pl.DataFrame] = []
    for tid, part in groups:
        if tid is not None and tid in chosen:
            version, approved, profile = chosen[tid]
            rendered.append(
                _render_partition(part, version, approved, profile, context, currencies, max_abs_amount)
            )
        else:
            rendered.append(_unknown_partition(part))
    combined = pl.concat(rendered, how="vertical") if len(rendered) > 1 else rendered[0]
    if len(groups) > 1:
        combined = combined.sort(_ROW)
    encoding, segments = segments_expr(pl.col("body"))
    has_body = pl.col("body").is_not_null()
    out = (
        combined.lazy()  # lazy, so the shared GSM-7 test in segments_expr is computed once
        .with_columns(
            encoding=pl.when(has_body).then(encoding).otherwise(pl.lit(None, dtype=pl.Utf8)),
            segments=pl.when(has_body).then(segments).otherwise(pl.lit(None, dtype=pl.Int32)),
        )
        .drop(_ROW)
        .collect()
    )
    return out.select([*base.columns, *OUTPUT_SCHEMA])
