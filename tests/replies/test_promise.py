from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dunning.replies import parse_promise
from dunning.replies.dates import spring_festival

SH = "Asia/Shanghai"
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo(SH))  # a Wednesday


def terms(text: str, now: datetime = NOW, tz: str = SH, due: Decimal | None = None):  # type: ignore[no-untyped-def]
    return parse_promise(text, now=now, time_zone=tz, amount_due=due)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天还", date(2026, 12, 3)),
        ("后天还", date(2026, 12, 4)),
        ("大后天还", date(2026, 12, 5)),
        ("今天还", date(2026, 12, 2)),
        ("今晚还", date(2026, 12, 2)),
        ("马上还", date(2026, 12, 2)),
        ("周五还", date(2026, 12, 4)),
        ("这周五还", date(2026, 12, 4)),
        ("星期五还", date(2026, 12, 4)),
        ("礼拜五还", date(2026, 12, 4)),
        ("周一还", date(2026, 12, 7)),  # said on a Wednesday: next Monday
        ("周三还", date(2026, 12, 2)),  # the same weekday counts as today
        ("下周一还", date(2026, 12, 7)),
        ("下周五还", date(2026, 12, 11)),
        ("下周还", date(2026, 12, 7)),
        ("月底还", date(2026, 12, 31)),
        ("月末还", date(2026, 12, 31)),
        ("本月底还", date(2026, 12, 31)),
        ("月初还", date(2027, 1, 1)),
        ("下月初还", date(2027, 1, 1)),
        ("15号还", date(2026, 12, 15)),
        ("15日还", date(2026, 12, 15)),
        ("十五号还", date(2026, 12, 15)),
        ("1号还", date(2027, 1, 1)),  # already past this month
        ("12月5日还", date(2026, 12, 5)),
        ("12月5号还", date(2026, 12, 5)),
        ("1月3号还", date(2027, 1, 3)),  # past this year
        ("下个月1号还", date(2027, 1, 1)),
        ("下月10号还", date(2027, 1, 10)),
        ("下个月还", date(2027, 1, 1)),
        ("三天后还", date(2026, 12, 5)),
        ("3天后还", date(2026, 12, 5)),
        ("过三天还", date(2026, 12, 5)),
        ("一周后还", date(2026, 12, 9)),
        ("一个星期后还", date(2026, 12, 9)),
        ("下週一還", date(2026, 12, 7)),  # traditional
        ("I'll pay tomorrow", date(2026, 12, 3)),
        ("will pay tmrw", date(2026, 12, 3)),
        ("paying today", date(2026, 12, 2)),
        ("tonight", date(2026, 12, 2)),
        ("friday", date(2026, 12, 4)),
        ("fri", date(2026, 12, 4)),
        ("this Friday", date(2026, 12, 4)),
        ("next Monday", date(2026, 12, 7)),
        ("next friday", date(2026, 12, 11)),
        ("the 15th", date(2026, 12, 15)),
        ("on the 15th", date(2026, 12, 15)),
        ("15th", date(2026, 12, 15)),
        ("end of the month", date(2026, 12, 31)),
        ("end of month", date(2026, 12, 31)),
        ("eom", date(2026, 12, 31)),
        ("Dec 5", date(2026, 12, 5)),
        ("December 5th", date(2026, 12, 5)),
        ("12/5", date(2026, 12, 5)),
        ("jan 3", date(2027, 1, 3)),
        ("in 3 days", date(2026, 12, 5)),
        ("next week", date(2026, 12, 7)),
        ("next month", date(2027, 1, 1)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    t = terms(text)
    assert t.date == expected
    assert not t.vague and t.follow_up is None


def test_the_date_next_to_the_verb_wins() -> None:
    assert terms("今天没钱，明天还").date == date(2026, 12, 3)
    assert terms("没钱，下周五还五百").date == date(2026, 12, 11)
    assert terms("十五号发工资就还").date == date(2026, 12, 15)  # a firm date beats a pay-day phrase


@pytest.mark.parametrize(
    "text",
    [
        *("过两天还", "过几天还", "等发工资就还", "发了工资就还", "工资到了马上还", "年后还", "过完年还"),
        *("尽快还", "会还的", "想办法", "soon", "when I get paid", "asap", "next payday"),
    ],
)
def test_vague(text: str) -> None:
    t = terms(text)
    assert t.vague and t.date is None
    assert t.follow_up is not None and t.follow_up > date(2026, 12, 2)


def test_vague_follow_ups() -> None:
    assert terms("过两天还").follow_up == date(2026, 12, 5)  # now + 3 days
    assert terms("等发工资").follow_up == date(2026, 12, 16)  # the day after the 15th
    festival = spring_festival(date(2026, 12, 2))
    assert festival == date(2027, 2, 6)
    assert terms("年后还").follow_up == date(2027, 2, 14)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("下周一还五百", "500"),
        ("明天还一千五", "1500"),
        ("两千五", "2500"),
        ("三万五", "35000"),
        ("2k friday", "2000"),
        ("2K", "2000"),
        ("1.5万", "15000"),
        ("¥500", "500"),
        ("￥500", "500"),
        ("500元", "500"),
        ("500块", "500"),
        ("$200 tomorrow", "200"),
        ("200 dollars", "200"),
        ("1,200 by friday", "1200"),
        ("12月5日还2000", "2000"),
    ],
)
def test_amounts(text: str, amount: str) -> None:
    assert terms(text).amount == Decimal(amount).quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    "text", ["15号还", "3点前还", "12月5日", "打13800138000", "in 3 days", "the 15th", "12/5"]
)
def test_dates_times_and_phones_are_not_amounts(text: str) -> None:
    assert terms(text).amount is None


def test_shares_of_the_amount_due() -> None:
    due = Decimal("3000")
    assert terms("还一半", due=due).amount == Decimal("1500.00")
    assert terms("half on friday", due=due).amount == Decimal("1500.00")
    assert terms("月底全部还清", due=due).amount == Decimal("3000.00")
    assert terms("in full tomorrow", due=due).amount == Decimal("3000.00")
    assert terms("还一半").amount is None  # no amount due known


def test_time_zones() -> None:
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # 07:30 on 12-03 in Shanghai
    assert terms("明天还", now=late).date == date(2026, 12, 4)
    early = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 19:00 on 12-02 in Los Angeles
    assert terms("tomorrow", now=early, tz="America/Los_Angeles").date == date(2026, 12, 3)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_promise("明天", now=datetime(2026, 12, 2), time_zone=SH)
