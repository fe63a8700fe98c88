from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.replies import PRIORITY, Classification, Intent, classify, classify_many

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def cn(text: str, **kw: object) -> Classification:
    return classify(text, profile="CN", **{"now": NOW, **kw})  # type: ignore[arg-type]


def us(text: str, **kw: object) -> Classification:
    return classify(text, profile="US", **{"now": NOW, **kw})  # type: ignore[arg-type]


CASES = {
    Intent.OPT_OUT: (
        ["退订", "别再给我发短信", "不要再发了", "拒收", "别發了"],
        ["stop texting me", "UNSUBSCRIBE me", "opt out"],
    ),
    Intent.PAID: (
        ["已还", "还了", "已经还清", "我昨天已经转过去了", "已經還了"],
        ["paid already", "I paid yesterday", "payed"],
    ),
    Intent.PROMISE: (
        ["明天还", "下周一还五百", "等发工资就还"],
        ["I'll pay Friday", "will pay tmrw", "when i get paid"],
    ),
    Intent.HARDSHIP: (
        ["没钱", "失业了", "生病住院", "木有钱", "莫得钱", "冇钱", "沒錢"],
        ["lost my job", "can't afford it", "im broke"],
    ),
    Intent.DISPUTE: (
        ["不是我借的", "金额不对", "我没借过"],
        ["I don't owe this", "this is not my debt", "identity theft", "validate the debt"],
    ),
    Intent.WRONG_NUMBER: (
        ["打错了", "我不是张伟", "号码换人了", "號碼換人了"],
        ["wrong number", "you have the wrong person"],
    ),
    Intent.COMPLAINT: (
        ["投诉", "我要打12378", "12315", "银保监", "金融监管总局", "报警", "起诉你们", "投訴"],
        ["CFPB", "my lawyer", "attorney", "harassment complaint"],
    ),
    Intent.HELP: (
        ["怎么还", "还多少", "客服电话", "账号发我"],
        ["how do I pay", "what's the balance", "call me"],
    ),
    Intent.OTHER: (["好", "好的", "嗯", "收到", "👍", "1", "ok de"], ["ok", "k", "thanks", "?", "😂😂"]),
}


@pytest.mark.parametrize(
    ("intent", "profile", "text"),
    [(i, "CN", t) for i, (c, _) in CASES.items() for t in c]
    + [(i, "US", t) for i, (_, e) in CASES.items() for t in e],
)
def test_each_intent(intent: Intent, profile: str, text: str) -> None:
    result = classify(text, profile=profile, now=NOW)
    assert result.intent is intent, (text, result)
    assert 0.0 <= result.confidence <= 1.0


@pytest.mark.parametrize("text", ["T", "TD", "N", "R", "td", "ＴＤ", "退订", "TD！"])
def test_cn_keywords(text: str) -> None:
    result = cn(text)
    assert (result.intent, result.confidence, result.source) == (Intent.OPT_OUT, 1.0, "keyword")


@pytest.mark.parametrize(
    "text", ["STOP", "Stop.", "stop", "QUIT", "END", "REVOKE", "OPT OUT", "CANCEL", "UNSUBSCRIBE"]
)
def test_us_keywords(text: str) -> None:
    assert us(text).source == "keyword"
    assert us(text).intent is Intent.OPT_OUT


def test_keywords_are_per_profile_and_configurable() -> None:
    assert us("T").intent is Intent.OTHER
    assert us("END").intent is Intent.OPT_OUT
    assert cn("停", opt_out_keywords=["停"]).source == "keyword"
    assert us("stop pls").intent is Intent.OPT_OUT  # not a keyword, but a stop request


@pytest.mark.parametrize(
    ("text", "intent", "also"),
    [
        ("我已经还了别再发了", Intent.OPT_OUT, Intent.PAID),
        ("再发我就投诉", Intent.COMPLAINT, None),
        ("不是我借的，打错了", Intent.DISPUTE, Intent.WRONG_NUMBER),
        ("没钱，下周五还五百", Intent.PROMISE, Intent.HARDSHIP),
        ("I already paid, stop texting me", Intent.OPT_OUT, Intent.PAID),
        ("lost my job but I'll pay something friday", Intent.PROMISE, Intent.HARDSHIP),
        ("stop texting me or I'll call my lawyer", Intent.COMPLAINT, Intent.OPT_OUT),
    ],
)
def test_priority(text: str, intent: Intent, also: Intent | None) -> None:
    result = cn(text)
    assert result.intent is intent
    assert result.intents[0] is intent
    assert list(result.intents) == sorted(result.intents, key=PRIORITY.index)
    if also is not None:
        assert also in result.intents


@pytest.mark.parametrize(
    ("text", "not_intent"),
    [
        ("我没还", Intent.PAID),
        ("还没还", Intent.PAID),
        ("我还没有还清", Intent.PAID),
        ("I haven't paid", Intent.PAID),
        ("I have not paid yet", Intent.PAID),
        ("I didn't say stop", Intent.OPT_OUT),
        ("don't stop", Intent.OPT_OUT),
        ("我没说退订", Intent.OPT_OUT),
        ("没有投诉", Intent.COMPLAINT),
        ("我不会投诉的", Intent.COMPLAINT),
        ("不是没钱，是忘了", Intent.HARDSHIP),
        ("I'm not broke", Intent.HARDSHIP),
    ],
)
def test_negation(text: str, not_intent: Intent) -> None:
    assert not_intent not in cn(text).intents


def test_negation_keeps_the_rest() -> None:
    assert cn("还没还，下周还").intent is Intent.PROMISE
    assert cn("我没还，因为没钱").intent is Intent.HARDSHIP
    assert us("haven't paid yet, will pay friday").intent is Intent.PROMISE
    assert cn("不是不还，下周一还").intent is Intent.PROMISE
    assert cn("没有投诉的意思，怎么还款").intent is Intent.HELP
    assert cn("别发了").intent is Intent.OPT_OUT  # 别 here is the request, not a negator
    assert cn("别逼我投诉").intent is Intent.COMPLAINT


def test_question_is_not_a_promise() -> None:
    assert us("how can I pay by card").intent is Intent.HELP
    assert cn("我不知道怎么还").intent is Intent.HELP


def test_mixed_and_slang() -> None:
    assert cn("明天pay").intent is Intent.PROMISE
    assert cn("我已经paid了").intent is Intent.PAID
    assert cn("木有钱").intent is Intent.HARDSHIP
    assert us("ill pay fri").intent is Intent.PROMISE
    assert us("dont text me").intent is Intent.OPT_OUT


def test_promise_terms_only_for_promises() -> None:
    result = cn("下周一还五百")
    assert result.promise is not None
    assert result.promise.amount == Decimal("500.00")
    assert result.promise.date == date(2026, 12, 7)
    assert cn("我昨天还了五百").promise is None
    half = cn("周五还一半", amount_due=Decimal("3000"))
    assert half.promise is not None and half.promise.amount == Decimal("1500.00")


def test_time_zone_defaults_to_the_profile() -> None:
    late = datetime(2026, 12, 2, 23, 30, tzinfo=ZoneInfo("UTC"))
    result = cn("明天还", now=late)
    assert result.promise is not None and result.promise.date == date(2026, 12, 4)
    la = classify(
        "tomorrow I pay",
        profile="US",
        now=datetime(2026, 12, 3, 3, tzinfo=ZoneInfo("UTC")),
        time_zone="America/Los_Angeles",
    )
    assert la.promise is not None and la.promise.date == date(2026, 12, 3)


def test_classify_many_keeps_order_and_matches_classify() -> None:
    texts = ["退订", "明天还", "好", "asdf qwer", "wrong number", "怎么还"]
    many = classify_many(texts, profile="CN", now=NOW)
    assert many == [cn(t) for t in texts]
    assert classify_many([], profile="CN", now=NOW) == []


def test_model_is_used_when_no_rule_speaks() -> None:
    result = cn("zzzz qqqq")
    assert result.source == "model"
    assert 0.0 <= result.confidence <= 1.0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_never_raises(text: str) -> None:
    for profile in ("CN", "US"):
        result = classify(text, profile=profile, now=NOW, amount_due=Decimal("100"))
        assert isinstance(result.intent, Intent)
        assert 0.0 <= result.confidence <= 1.0
        assert (result.promise is not None) == (result.intent is Intent.PROMISE)
