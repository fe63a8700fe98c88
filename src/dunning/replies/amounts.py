"""Amounts in replies: 五百, 一千五, 2k, 1.5万, ¥500, 500块, $200, 200 dollars, 一半, 全部, in full.

Chinese numeral runs are converted with cn2an, one run at a time (cached: the same few runs recur),
and only runs that can be money: they hold a multiplier (十百千万) or are followed by a currency word.
"一千五" style (a digit after the multiplier means the next lower unit) is computed by our own rule
first, whatever the cn2an version does with it. Numbers that are dates, times, counts or phone
numbers are not amounts: 15号, 3点, 12月5日, 3天, the 15th, 12/5, 13800138000.
"""

from __future__ import annotations

import re
import warnings
from decimal import Decimal, InvalidOperation
from functools import lru_cache

__all__ = ["find_amount"]

_CENT = Decimal("0.01")
_CN_RUN = re.compile(r"[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟]+")
_CN_CURRENCY_AFTER = re.compile(r"\s*(?:块|元|圆|rmb|k\b)", re.ASCII)
_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_SHORTHAND = re.compile(r"([一二两三四五六七八九])([十百千万])([一二三四五六七八九])")
_NOT_MONEY_BEFORE = ("周", "星期", "礼拜", "第", "月")
_NOT_MONEY_AFTER = re.compile(r"\s*(?:号|日|月|点|天|周|星期|礼拜|年|个|时|小时|分|秒|期|次|%|号码|位|岁)")


@lru_cache(maxsize=4096)
def cn_number(run: str) -> int | None:
    """A Chinese numeral run → int, or None if it is not a number."""
    m = _SHORTHAND.fullmatch(run)
    if m:  # 一千五 = 1500, 三万五 = 35000: the trailing digit is one unit lower
        unit = _UNIT[m.group(2)]
        return _DIGIT[m.group(1)] * unit + _DIGIT[m.group(3)] * unit // 10
    import cn2an

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = cn2an.cn2an(run, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return int(value) if float(value).is_integer() else None


def _digits_for_money(text: str) -> str:
    """Chinese numeral runs that can be money rewritten as Arabic digits; all else untouched."""
    out: list[str] = []
    last = 0
    for m in _CN_RUN.finditer(text):
        run = m.group(0)
        before = text[max(0, m.start() - 2) : m.start()]
        has_unit = any(u in run for u in "十百千万亿拾佰仟")
        money_after = _CN_CURRENCY_AFTER.match(text, m.end()) is not None
        if not (has_unit or money_after) or before.endswith(_NOT_MONEY_BEFORE):
            continue
        if _NOT_MONEY_AFTER.match(text, m.end()) and not money_after:
            continue
        value = cn_number(run)
        if value is None:
            continue
        out.append(text[last : m.start()])
        out.append(str(value))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


_NUMBER = re.compile(
    r"(?P<cur>[¥$]|rmb|usd|us\$)?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<mult>\s*(?:k|w|万|千|百|grand)(?![a-z]))?"
    r"(?P<unit>\s*(?:块钱|块|元|圆|rmb|dollars?|bucks|usd)(?![a-z]))?",
    re.ASCII,
)
_NOT_AMOUNT_AFTER = re.compile(
    r"\s*(?:号|日|月|点|天|周|星期|礼拜|年|个|时|小时|分|秒|期|次|%|/|:|-\d|st\b|nd\b|rd\b|th\b"
    r"|days?\b|weeks?\b|wks?\b|months?\b|hours?\b|hrs?\b|minutes?\b|mins?\b|am\b|pm\b|o'clock|times\b"
    r"|percent|years?\b|yrs?\b|people|kids|children)",
    re.ASCII,
)
_NOT_AMOUNT_BEFORE = re.compile(
    r"(?:[/:#月第周]|星期|礼拜|\d-|no\.|number|room|apt|code|ext"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?)\s*$",
    re.ASCII,
)
_MULT = {"k": 1000, "w": 10000, "万": 10000, "千": 1000, "百": 100, "grand": 1000}

_HALF = re.compile(r"一半|半数|\bhalf\b|50\s*%", re.ASCII)
_FULL = re.compile(
    r"全部|全额|全款|还清|结清|付清|一次性|所有的?钱"
    r"|\bin full\b|\bfull (?:amount|balance)\b|\bwhole (?:amount|balance|thing)\b"
    r"|\ball of it\b|\bpay (?:it |this |everything )?off\b|\beverything\b|\bthe full\b"
    r"|\bentire (?:amount|balance)\b",
    re.ASCII,
)


def find_amount(text: str, amount_due: Decimal | None = None) -> Decimal | None:
    """The promised amount in normalised ``text`` (first money-like number), or a share of ``amount_due``."""
    converted = _digits_for_money(text)
    for m in _NUMBER.finditer(converted):
        cur, mult, unit = m.group("cur"), m.group("mult"), m.group("unit")
        marked = bool(cur or unit)
        raw = m.group("num").replace(",", "")
        if not (marked or mult):
            if _NOT_AMOUNT_AFTER.match(converted, m.end()):
                continue
            if _NOT_AMOUNT_BEFORE.search(converted[max(0, m.start() - 8) : m.start()]):
                continue
            if len(raw.split(".")[0]) >= 7:  # a phone or account number, not an amount
                continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            continue
        if mult:
            value *= _MULT[mult.strip()]
        if not (marked or mult) and value < 10:
            continue  # "1", "2": a count or a menu choice, not money
        if value <= 0:
            continue
        return value.quantize(_CENT)
    if amount_due is not None:
        if _HALF.search(text):
            return (amount_due / 2).quantize(_CENT)
        if _FULL.search(text):
            return amount_due.quantize(_CENT)
    return None
