"""Date expressions in replies ("明天", "下周五", "月底", "the 15th", "next Monday") → local dates.

Own rules rather than a library (ADR 0015): the Chinese time libraries we measured mis-read 月底 and
do not roll a past day forward, and dateparser does not read Chinese. Every resolver is a function
of the debtor's *local* today and returns a date on or after it:

* weekdays: this week's, or next week's when already past; said on that very day it means today;
  "下周X" / "next X" is that weekday of the next ISO week (weeks start on Monday);
* a day of the month (15号, the 15th): this month's, or next month's when past (today counts);
  a day beyond the month's end is clamped to its last day;
* a month and day (12月5日, Dec 5, 12/5 — month first, US style): this year's, or next year's;
* 月底 / end of month: the last day of this month; 月初 / 下月初: the 1st of next month;
* 下周 / next week: Monday of next week; 下个月 / next month: the 1st of next month;
* N天后 / 过N天 / in N days: today + N; 一周后 / in a week: today + 7.

Vague expressions (过两天, 等发工资, 年后, soon, when I get paid) resolve to no date and a follow-up:
today + 3 days; for pay-day phrases the day after the next 15th or month end; for 年后 the day
after the Spring Festival holiday week (table below).
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["DATE_CUE_CN", "DATE_CUE_EN", "DateHit", "find_dates", "spring_festival"]

# First day of the Spring Festival (正月初一), 2025–2032.
_SPRING_FESTIVAL = {
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
}
VAGUE_DAYS = 3
_HOLIDAY_WEEK = 8  # follow up the day after the seven-day holiday


def spring_festival(today: date) -> date | None:
    """The next Spring Festival on or after ``today`` (None beyond the table)."""
    for year in (today.year, today.year + 1):
        day = _SPRING_FESTIVAL.get(year)
        if day is not None and day >= today:
            return day
    return None


@dataclass(frozen=True, slots=True)
class DateHit:
    start: int
    end: int
    date: _dt.date | None  # None: vague
    follow_up: _dt.date | None
    weak: bool = False  # 马上, 下午, now: only when nothing firmer is said ("工资到了马上还")


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_CN_DIGITS |= {"八": 8, "九": 9}
_WEEKDAY_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "末": 6}
_WEEKDAY_EN = {"monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6}
_WEEKDAY_EN["sunday"] = 7
_MONTH_EN = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_WORD_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_WORD_NUM |= {"eight": 8, "nine": 9, "ten": 10, "fourteen": 14, "thirty": 30}


def small_number(text: str) -> int | None:
    """ "15", "十五", "二十一", "两" → int; anything else None (dates never need more than 99)."""
    if text.isdigit():
        return int(text)
    if text in _WORD_NUM:
        return _WORD_NUM[text]
    if "十" in text:
        tens, _, units = text.partition("十")
        t = _CN_DIGITS.get(tens, -1) if tens else 1
        u = _CN_DIGITS.get(units, -1) if units else 0
        return None if t < 0 or u < 0 else t * 10 + u
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


def _weekday(key: str) -> int:
    return _WEEKDAY_CN.get(key) or _WEEKDAY_EN.get(key) or int(key)


def _this_or_next_weekday(today: date, iso: int) -> date:
    return today + timedelta(days=(iso - today.isoweekday()) % 7)


def _next_week(today: date, iso: int) -> date:
    monday = today - timedelta(days=today.isoweekday() - 1) + timedelta(days=7)
    return monday + timedelta(days=iso - 1)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + n
    return index // 12, index % 12 + 1


def _day_in(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _day_of_month(today: date, day: int) -> date | None:
    if not 1 <= day <= 31:
        return None
    candidate = _day_in(today.year, today.month, day)
    if candidate < today:
        y, m = _add_months(today.year, today.month, 1)
        candidate = _day_in(y, m, day)
    return candidate


def _month_day(today: date, month: int, day: int) -> date | None:
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2028, month)[1]:
        return None
    for year in (today.year, today.year + 1):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day)
    return None


def _payday(today: date) -> date:
    """The day after the next 15th or month end, whichever comes first after today."""
    mid = date(today.year, today.month, 15)
    end = _month_end(today.year, today.month)
    if today < mid:
        nxt = mid
    elif today < end:
        nxt = end
    else:
        y, m = _add_months(today.year, today.month, 1)
        nxt = date(y, m, 15)
    return nxt + timedelta(days=1)


def _vague(today: date) -> date:
    return today + timedelta(days=VAGUE_DAYS)


_N_CN = r"(\d{1,2}|[一二三四五六七八九十两]{1,3})"
_WD_CN = r"([一二三四五六日天1-7])"
_WEEK_CN = r"(?:周|星期|礼拜)"
_WD_EN = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MON_EN = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_N_EN = r"(\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|fourteen|thirty)"

Resolver = Callable[[re.Match[str], date], "tuple[date | None, date | None]"]


def _fixed(days: int) -> Resolver:
    return lambda m, today: (today + timedelta(days=days), None)


def _plus_n(unit: int) -> Resolver:
    def resolve(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
        n = small_number(m.group(1))
        return (today + timedelta(days=n * unit), None) if n else (None, _vague(today))

    return resolve


def _weekday_this(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    return _this_or_next_weekday(today, _weekday(m.group(1))), None


def _weekday_next(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    return _next_week(today, _weekday(m.group(1))), None


def _weekday_after_next(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    return _next_week(today, _weekday(m.group(1))) + timedelta(days=7), None


def _weekend(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    return (today if today.isoweekday() >= 6 else _this_or_next_weekday(today, 6)), None


def _month_end_this(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    return _month_end(today.year, today.month), None


def _month_end_next(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    return _month_end(*_add_months(today.year, today.month, 1)), None


def _month_start_next(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    y, mo = _add_months(today.year, today.month, 1)
    return date(y, mo, 1), None


def _mid_month(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    return _day_of_month(today, 15), None


def _next_month_day(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    day = small_number(m.group(1))
    y, mo = _add_months(today.year, today.month, 1)
    return (_day_in(y, mo, day), None) if day and 1 <= day <= 31 else (None, _vague(today))


def _dom(group: int) -> Resolver:
    def resolve(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
        day = small_number(m.group(group))
        found = _day_of_month(today, day) if day else None
        return (found, None) if found else (None, _vague(today))

    return resolve


def _md(month_group: int, day_group: int, *, month_names: bool = False) -> Resolver:
    def resolve(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
        raw = m.group(month_group)
        month = _MONTH_EN.get(raw[:3]) if month_names else small_number(raw)
        day = small_number(m.group(day_group))
        found = _month_day(today, month, day) if month and day else None
        return (found, None) if found else (None, _vague(today))

    return resolve


def _months_later(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    n = small_number(m.group(1)) or 1
    y, mo = _add_months(today.year, today.month, n)
    return _day_in(y, mo, today.day), None


def _year_end(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    return date(today.year, 12, 31), None


def _vague_soon(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    return None, _vague(today)


def _vague_payday(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    return None, _payday(today)


def _vague_new_year(m: re.Match[str], today: date) -> tuple[date | None, date | None]:
    festival = spring_festival(today)
    return None, (festival + timedelta(days=_HOLIDAY_WEEK)) if festival else _vague(today)


_TODAY_CN = r"今(?:天|日|晚|儿|早)|当天"
_TODAY_EN = r"\b(?:today|tonight|this (?:morning|afternoon|evening)|later today|end of (?:the )?day|eod)\b"
# Today, but only when the reply names no firmer date: times of day and "right away".
_WEAK_TODAY_CN = (
    r"马上|立刻|立马|现在|待会儿?|等会儿?|一会儿?|下午|晚上|中午|上午|早上|下班后?"
    r"|(?<![\d.])(?:\d{1,2}|[一二三四五六七八九十两]{1,3})点(?:钟|半|前|之前|以前)?"
)
_WEAK_TODAY_EN = r"\bright now\b|\bnow\b|\bright away\b|\bafter work\b|\b\d{1,2} ?(?:am|pm)\b"
_WEAK_TODAY = _WEAK_TODAY_CN + "|" + _WEAK_TODAY_EN

# (pattern, resolver). Overlaps are settled longest-first, so 下周五 beats 周五 and 12月5日 beats 5日.
_RULES: tuple[tuple[str, Resolver], ...] = (
    (r"大后天", _fixed(3)),
    (r"后天", _fixed(2)),
    (r"明(?:天|日|早|晚|儿|个)", _fixed(1)),
    (_TODAY_CN, _fixed(0)),
    (_WEAK_TODAY_CN, _fixed(0)),
    (_WEAK_TODAY_EN, _fixed(0)),
    (r"下下(?:个)?" + _WEEK_CN + _WD_CN, _weekday_after_next),
    (r"下(?:个)?" + _WEEK_CN + _WD_CN, _weekday_next),
    (r"下(?:个)?" + _WEEK_CN + r"(?![一二三四五六日天末1-7])", lambda m, t: (_next_week(t, 1), None)),
    (r"(?:这|本|这个)?(?:周|星期|礼拜)末", _weekend),
    (r"(?:这|本|这个)?" + _WEEK_CN + _WD_CN, _weekday_this),
    (r"下(?:个)?月(?:底|末|尾)", _month_end_next),
    (r"(?:本|这个?)?月(?:底|末|尾)", _month_end_this),
    (r"下?(?:个)?月初", _month_start_next),
    (r"(?:本|这个?)?月中", _mid_month),
    (r"下(?:个)?月" + _N_CN + r"[号日]", _next_month_day),
    (r"下(?:个)?月(?![底末尾初中\d一二三四五六七八九十两])", _month_start_next),
    (_N_CN + r"月" + _N_CN + r"[号日]?", _md(1, 2)),
    (r"(?<![月\d])" + _N_CN + r"[号日](?![子后内])", _dom(1)),
    (r"(?:这个?|本)月" + _N_CN + r"[号日]", _dom(1)),
    (r"(?:过)?" + _N_CN + r"(?:天|日)(?:后|之后|以后|内|之内)", _plus_n(1)),
    (r"过(\d{1,2}|[三四五六七八九十])天", _plus_n(1)),
    (r"(一|1|两|2|二|三|3)(?:个)?(?:周|星期|礼拜)(?:后|之后|以后|内)", _plus_n(7)),
    (_N_CN + r"个月(?:后|之后|以后)", _months_later),
    (r"年底|年末", _year_end),
    (
        r"过(?:两|几|一两|三五|段时间|一段时间|阵子|一阵子?|些天)(?:天)?|这(?:两|几)天|近(?:期|几天)|尽快|尽早|早点",
        _vague_soon,
    ),
    (r"(?:等|到)?(?:发|开|领)(?:了)?(?:工资|薪水|薪)|工资(?:到|下来|发了|一到|发下来)|发薪", _vague_payday),
    (r"年后|过完年|过了年|过年后|春节后|年初|开年", _vague_new_year),
    # English (the normaliser has already expanded tmrw, fri, eom …)
    (r"\bday after tomorrow\b", _fixed(2)),
    (r"\btomorrow\b", _fixed(1)),
    (_TODAY_EN, _fixed(0)),
    (r"\bweek after next\b", lambda m, t: (_next_week(t, 1) + timedelta(days=7), None)),
    (r"\bnext " + _WD_EN + r"\b", _weekday_next),
    (r"\b(?:this |on |by |until |till |til )?" + _WD_EN + r"\b", _weekday_this),
    (r"\bnext week(?:end)?\b", lambda m, t: (_next_week(t, 6 if m.group(0).endswith("end") else 1), None)),
    (r"\b(?:this |the )?weekend\b", _weekend),
    (r"\bend of (?:the )?next month\b", _month_end_next),
    (r"\b(?:end of (?:the |this )?month|month end|end of month)\b", _month_end_this),
    (r"\b(?:(?:beginning|start|first) of (?:the |next )?month|next month)\b", _month_start_next),
    (r"\bmid(?:dle of the|-| )?month\b", _mid_month),
    (r"\b" + _MON_EN + r" (\d{1,2})(?:st|nd|rd|th)?\b", _md(1, 2, month_names=True)),
    (r"\b(\d{1,2})(?:st|nd|rd|th)? (?:of )?" + _MON_EN + r"(?![a-z])", _md(2, 1, month_names=True)),
    (r"(?<![\d/$.])(\d{1,2})/(\d{1,2})(?![\d/])", _md(1, 2)),
    (r"\b(\d{1,2})(?:st|nd|rd|th)\b", _dom(1)),
    (r"\b(?:on|by|before) the (\d{1,2})\b", _dom(1)),
    (r"\bin " + _N_EN + r" days?\b", _plus_n(1)),
    (r"\bin " + _N_EN + r" weeks?\b", _plus_n(7)),
    (
        r"\b(?:in )?(?:a couple(?: of)?|a few|couple|few) (?:days|weeks)\b|\bsoon\b|\basap\b|\bas soon as\b",
        _vague_soon,
    ),
    (
        r"\b(?:next )?payday\b|\bget paid\b|\bgets paid\b|\bpaycheck\b|\bpay ?check\b|\bpaid on\b",
        _vague_payday,
    ),
)

# Patterns written in ASCII only ever match Latin letters and digits; a reply without any skips them
# (and a reply without Chinese skips the rest): half the regex work for a typical reply.
_CN_RULES = tuple((re.compile(p, re.ASCII), r) for p, r in _RULES if not p.isascii())
_EN_RULES = tuple((re.compile(p, re.ASCII), r) for p, r in _RULES if p.isascii())
_WEAK = re.compile(_WEAK_TODAY, re.ASCII)
_LATIN = re.compile("[a-z0-9]")

#: Any date expression at all, Chinese and English: what the intent rules use for "date + repay verb".
DATE_CUE_CN = "(?:" + "|".join(f"(?:{p})" for p, _ in _RULES if not p.isascii()) + ")"
DATE_CUE_EN = "(?:" + "|".join(f"(?:{p})" for p, _ in _RULES if p.isascii()) + ")"


def find_dates(text: str, today: date) -> list[DateHit]:
    """Every non-overlapping date expression in normalised ``text``, in order, longest first on overlap."""
    found: list[tuple[int, int, Resolver, re.Match[str]]] = []
    rules = () if text.isascii() else _CN_RULES
    if _LATIN.search(text):
        rules += _EN_RULES
    for pattern, resolver in rules:
        for m in pattern.finditer(text):
            if m.end() > m.start():
                found.append((m.start(), m.end(), resolver, m))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int]] = []
    hits: list[DateHit] = []
    for start, end, resolver, m in found:
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        day, follow = resolver(m, today)
        hits.append(DateHit(start, end, day, follow, weak=_WEAK.fullmatch(m.group(0)) is not None))
    hits.sort(key=lambda h: h.start)
    return hits
