"""The fixed registry of typed template variables and their formatters.

Every variable has exactly one formatter, written twice side by side: a scalar function (previews,
``render``) and a Polars expression (``render_frame``). A property test holds them equal. Each
formatter guarantees a character class for its output, whatever the input holds, so a value can never
bring a URL, a phone number, a 【signature】, markup or words into a message:

===============  ===========================  =============================================
variable         frame columns                output character class
===============  ===========================  =============================================
masked_name      name_masked                  one ASCII letter + "." | one CJK ideograph + "*" | "*"
amount           amount_minor, currency       digits, ",", "." + "元" / "$" / " ABC" (ISO code)
due_date         due_date                     CN "11月28日", US "Nov 28"
days_overdue     days_past_due                "-"? digits
account_tail     account_tail                 1–4 ASCII digits
n_accounts       n_accounts                   "-"? digits
creditor …       (deployment constants)       checked once when the RenderContext is built
===============  ===========================  =============================================

A null input (or an account tail without digits) renders as "missing": the scalar ``render`` raises,
``render_frame`` leaves the body null and names the variable in ``render_error``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

import polars as pl

from dunning.core.errors import InputError
from dunning.core.money import exponent, format_money, is_known_currency
from dunning.core.profiles import Profile

Kind = Literal["row", "constant"]


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    kind: Kind
    columns: tuple[str, ...]  # frame columns a row variable reads; () for constants
    zh: str
    en: str
    output: str  # the guaranteed character class, for docs and `templates preview`


VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in (
        Variable("masked_name", "row", ("name_masked",), "掩码姓名", "masked name", "张* / J. / *"),
        Variable(
            "amount",
            "row",
            ("amount_minor", "currency"),
            "金额（最小单位 + 币种）",
            "amount (minor units + currency)",
            "1,234.50元 / $1,234.50",
        ),
        Variable("due_date", "row", ("due_date",), "应还日", "due date", "11月28日 / Nov 28"),
        Variable("days_overdue", "row", ("days_past_due",), "逾期天数", "days past due", "digits"),
        Variable("account_tail", "row", ("account_tail",), "账号尾号", "account tail", "1–4 digits"),
        Variable("n_accounts", "row", ("n_accounts",), "借款笔数", "number of accounts", "digits"),
        Variable("creditor", "constant", (), "债权机构", "creditor", "settings.creditor"),
        Variable("signature", "constant", (), "短信签名", "SMS signature", "settings.signature"),
        Variable("hotline", "constant", (), "官方客服电话", "official hotline", "settings.hotline"),
        Variable("app_name", "constant", (), "官方 App", "official app", "settings.app_name"),
        Variable(
            "pay_url", "constant", (), "官方还款链接", "official payment URL", "settings.allowed_urls[0]"
        ),
    )
}

ROW_VARIABLES = tuple(name for name, v in VARIABLES.items() if v.kind == "row")
CONSTANTS = tuple(name for name, v in VARIABLES.items() if v.kind == "constant")

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Characters a masked name may keep: CJK Unified Ideographs (BMP, Extension A, Extensions B–H).
_CJK_CLASS = f"{chr(0x3400)}-{chr(0x4DBF)}{chr(0x4E00)}-{chr(0x9FFF)}{chr(0x20000)}-{chr(0x323AF)}"
_CJK_ONE = f"^[{_CJK_CLASS}]$"
_LATIN_ONE = "^[A-Za-z]$"
_NAME_STRIP = " \t\r\n"
_CJK_RE = re.compile(_CJK_ONE)
_LATIN_RE = re.compile(_LATIN_ONE)
_NON_DIGIT_RE = re.compile("[^0-9]")


# ----------------------------------------------------------------------------------- scalar forms


def format_masked_name(value: str | None) -> str:
    """First character only: a Latin letter → "J.", a CJK ideograph → "张*", anything else → "*"."""
    if value is None:
        return "*"
    stripped = value.strip(_NAME_STRIP)
    first = stripped[:1]
    if _LATIN_RE.match(first):
        return first.upper() + "."
    if _CJK_RE.match(first):
        return first + "*"
    return "*"


def check_currency(code: str) -> None:
    if not is_known_currency(code):
        raise InputError(f"unknown currency code {code!r}", f"未知币种代码 {code!r}")


def format_amount(minor: int | None, currency: str | None) -> str | None:
    """core.money.format_money, with unknown currencies refused (their code would reach the text)."""
    if minor is None or currency is None:
        return None
    check_currency(currency)
    return format_money(minor, currency)


def format_due_date(value: date | None, profile: Profile) -> str | None:
    if value is None:
        return None
    if profile == "CN":
        return f"{value.month}月{value.day}日"
    return f"{MONTHS_EN[value.month - 1]} {value.day}"


def format_int(value: int | None) -> str | None:
    return None if value is None else str(int(value))


def format_account_tail(value: str | None) -> str | None:
    """Digits only, the last four; no digit at all counts as missing."""
    if value is None:
        return None
    digits = _NON_DIGIT_RE.sub("", value)[-4:]
    return digits or None


# ------------------------------------------------------------------------------- expression forms
#
# Expression forms come as *stages*: a list of {column: expression} dicts applied one after another
# with ``with_columns``, the last stage writing the output column. Staging computes shared pieces once
# (Polars does not eliminate common subexpressions in eager mode) and keeps each plan small.

Stages = list[dict[str, pl.Expr]]

_T = "__dunning_"  # prefix of temporary columns


def masked_name_stages(out: str, column: str = "name_masked") -> Stages:
    first = f"{_T}mn_first"
    c = pl.col(first)
    return [
        {first: pl.col(column).str.strip_chars(_NAME_STRIP).str.slice(0, 1)},
        {
            out: pl.when(c.str.contains(_LATIN_ONE))
            .then(pl.concat_str(c.str.to_uppercase(), pl.lit(".")))
            .when(c.str.contains(_CJK_ONE))
            .then(pl.concat_str(c, pl.lit("*")))
            .otherwise(pl.lit("*"))
        },
    ]


def amount_stages(
    out: str,
    currencies: list[str],
    minor: str = "amount_minor",
    currency: str = "currency",
    max_abs: int | None = None,
) -> Stages:
    """Vector form of ``format_money``; ``currencies`` are the codes present (checked here).

    ``max_abs`` (the largest absolute amount in the frame, if known) limits the number of
    thousands groups computed; without it all seven groups of an Int64 are.
    """
    for code in currencies:
        check_currency(code)
    exps = {code: exponent(code) for code in currencies}
    cur = pl.col(currency)
    if len(exps) == 1:  # the usual case: one currency, no lookups
        (only,) = exps.values()
        exp_expr, div_expr = pl.lit(only, dtype=pl.Int64), pl.lit(10**only, dtype=pl.Int64)
    else:
        exp_expr = cur.replace_strict(exps, default=None, return_dtype=pl.Int64)
        divisors = {c: 10**e for c, e in exps.items()}
        div_expr = cur.replace_strict(divisors, default=None, return_dtype=pl.Int64)
    n_groups = 7 if max_abs is None else max(1, -(-len(str(abs(max_abs))) // 3))
    t_exp, t_div, t_abs, t_neg, t_major = (f"{_T}am_{n}" for n in ("exp", "div", "abs", "neg", "major"))
    heads = [f"{_T}am_h{k}" for k in range(n_groups)]
    groups = [f"{_T}am_g{k}" for k in range(n_groups)]
    stages: Stages = [
        {
            t_exp: exp_expr,
            t_div: div_expr,
            t_abs: pl.col(minor).cast(pl.Int64).abs(),
            t_neg: pl.col(minor) < 0,
        },
        {t_major: pl.col(t_abs) // pl.col(t_div)},
        {heads[k]: pl.col(t_major) // (1000**k) for k in range(n_groups)},
        {groups[k]: (pl.col(heads[k]) % 1000).cast(pl.Utf8) for k in range(n_groups)},
    ]
    parts: list[pl.Expr] = []
    for k in range(n_groups - 1, -1, -1):
        head, group = pl.col(heads[k]), pl.col(groups[k])
        text = pl.when(head < 1000).then(group).otherwise(group.str.zfill(3))
        parts.append(text if k == 0 else pl.when(head > 0).then(text + ",").otherwise(pl.lit("")))
    fraction = (pl.col(t_abs) % pl.col(t_div)).cast(pl.Utf8).str.zfill(pl.col(t_exp))
    number = pl.concat_str(
        pl.when(pl.col(t_neg)).then(pl.lit("-")).otherwise(pl.lit("")),
        *parts,
        pl.when(pl.col(t_exp) > 0).then(pl.lit(".") + fraction).otherwise(pl.lit("")),
    )
    stages.append(
        {
            out: pl.when(cur == "CNY")
            .then(number + "元")
            .when(cur == "USD")
            .then(pl.lit("$") + number)
            .otherwise(pl.concat_str(number, pl.lit(" "), cur))
        }
    )
    return stages


def due_date_stages(out: str, profile: Profile, column: str = "due_date") -> Stages:
    d = pl.col(column).cast(pl.Date)
    day = d.dt.day().cast(pl.Utf8)
    if profile == "CN":
        return [{out: pl.concat_str(d.dt.month().cast(pl.Utf8), pl.lit("月"), day, pl.lit("日"))}]
    month = d.dt.month().replace_strict(
        {i + 1: m for i, m in enumerate(MONTHS_EN)}, default=None, return_dtype=pl.Utf8
    )
    return [{out: pl.concat_str(month, pl.lit(" "), day)}]


def int_stages(out: str, column: str) -> Stages:
    return [{out: pl.col(column).cast(pl.Int64).cast(pl.Utf8)}]


def account_tail_stages(out: str, column: str = "account_tail") -> Stages:
    digits = f"{_T}tail"
    c = pl.col(digits)
    return [
        {digits: pl.col(column).str.replace_all("[^0-9]", "").str.slice(-4)},
        {out: pl.when(c.str.len_bytes() > 0).then(c).otherwise(pl.lit(None, dtype=pl.Utf8))},
    ]


def row_stages(
    name: str, out: str, profile: Profile, currencies: list[str], max_abs_amount: int | None = None
) -> Stages:
    """The stages computing row variable ``name`` into column ``out`` (constants are literal text)."""
    if name == "masked_name":
        return masked_name_stages(out)
    if name == "amount":
        return amount_stages(out, currencies, max_abs=max_abs_amount)
    if name == "due_date":
        return due_date_stages(out, profile)
    if name == "days_overdue":
        return int_stages(out, "days_past_due")
    if name == "account_tail":
        return account_tail_stages(out)
    if name == "n_accounts":
        return int_stages(out, "n_accounts")
    raise KeyError(name)


def apply_stages(frame: pl.DataFrame, stages: Stages) -> pl.DataFrame:
    """Run stages and drop their temporary columns (those starting with the temp prefix)."""
    for stage in stages:
        frame = frame.with_columns(**stage)
    return frame.drop([c for c in frame.columns if c.startswith(_T)])


def is_temporary(column: str) -> bool:
    return column.startswith(_T)
