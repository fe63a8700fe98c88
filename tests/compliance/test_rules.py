"""Each rule at its boundaries, on frames holding only the columns it reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from dunning.compliance import ComplianceProfile, context_frame, evaluate
from tests.compliance.compliance_texts import CN_OK, US_OK, cn_with, us_with

Check = Any


def run(profile: ComplianceProfile, **columns: list[Any]) -> list[list[str]]:
    """Violations per row of a frame built from plain values."""
    n = len(next(iter(columns.values())))
    records = [{k: v[i] for k, v in columns.items()} for i in range(n)]
    return evaluate(context_frame(records), profile)["violations"].to_list()


# ---- time and frequency -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi", "blocked"),
    [
        (479, 479, True),  # 07:59
        (480, 480, False),  # 08:00
        (1259, 1259, False),  # 20:59 passes
        (1260, 1260, True),  # 21:00 blocks
        (600, 1260, True),  # fine in one candidate zone, 21:00 in the other
        (420, 700, True),  # 07:00 in one zone
    ],
)
def test_send_window(cn: ComplianceProfile, us: ComplianceProfile, lo: int, hi: int, blocked: bool) -> None:
    for profile in (cn, us):
        (got,) = run(profile, local_minute_min=[lo], local_minute_max=[hi])
        assert (got == ["time.window"]) is blocked


def test_send_window_unknown_time_blocks(cn: ComplianceProfile) -> None:
    frame = pl.DataFrame(
        {"local_minute_min": [None, 600], "local_minute_max": [600, None]},
        schema={"local_minute_min": pl.Int32, "local_minute_max": pl.Int32},
    )
    assert evaluate(frame, cn)["violations"].to_list() == [["time.window"], ["time.window"]]


def test_cn_third_message_of_the_day_is_blocked(cn: ComplianceProfile) -> None:
    # sends_today counts the other messages that day: 1 → this is the 2nd, 2 → the 3rd.
    assert run(cn, sends_today=[0, 1, 2, 5]) == [[], [], ["frequency.daily_cap"], ["frequency.daily_cap"]]


def test_us_daily_cap_is_one(us: ComplianceProfile) -> None:
    assert run(us, sends_today=[0, 1]) == [[], ["frequency.daily_cap"]]


def test_rolling_seven_days(cn: ComplianceProfile, us: ComplianceProfile) -> None:
    assert run(cn, sends_7d=[6, 7]) == [[], ["frequency.rolling_7d_cap"]]
    assert run(us, sends_7d=[2, 3]) == [[], ["frequency.rolling_7d_cap"]]


def test_missing_history_counts_as_none(cn: ComplianceProfile) -> None:
    frame = pl.DataFrame({"sends_today": [None]}, schema={"sends_today": pl.Int32})
    assert evaluate(frame, cn)["violations"].to_list() == [[]]


@pytest.mark.parametrize(
    ("profile_name", "gap", "blocked"),
    [
        ("CN", timedelta(hours=3, minutes=59), True),
        ("CN", timedelta(hours=4), False),
        ("CN", -timedelta(hours=3), True),  # the nearest other message is later the same day
        ("US", timedelta(hours=23, minutes=59), True),
        ("US", timedelta(hours=24), False),
    ],
)
def test_minimum_gap(
    cn: ComplianceProfile, us: ComplianceProfile, profile_name: str, gap: timedelta, blocked: bool
) -> None:
    profile = cn if profile_name == "CN" else us
    at = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    (got,) = run(profile, scheduled_at=[at], last_sent_at=[at - gap])
    assert (got == ["frequency.min_gap"]) is blocked


def test_no_earlier_message_passes_the_gap(cn: ComplianceProfile) -> None:
    at = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    assert run(cn, scheduled_at=[at], last_sent_at=[None]) == [[]]


def test_massachusetts(us: ComplianceProfile, cn: ComplianceProfile) -> None:
    got = run(us, region=["MA", "MA", "ma", "NY", None], sends_7d=[1, 2, 2, 2, 2])
    assert got == [[], ["frequency.region_7d_cap"], ["frequency.region_7d_cap"], [], []]
    # The CN profile has no regional caps.
    assert run(cn, region=["MA"], sends_7d=[2]) == [[]]


# ---- suppression, recipient, template -----------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "rule"),
    [
        ("paid", "status.paid"),
        ("opt_out", "status.opt_out"),
        ("recipient_opted_out", "status.recipient_opted_out"),
        ("dispute", "status.dispute"),
        ("complaint", "status.complaint"),
        ("bankrupt", "status.bankrupt"),
        ("deceased", "status.deceased"),
    ],
)
def test_suppression_flags(cn: ComplianceProfile, us: ComplianceProfile, column: str, rule: str) -> None:
    frame = pl.DataFrame({column: [True, False, None]}, schema={column: pl.Boolean})
    for profile in (cn, us):
        assert evaluate(frame, profile)["violations"].to_list() == [[rule], [], []]


def test_active_hold(cn: ComplianceProfile) -> None:
    assert run(cn, hold_reason=["ptp", None, "  "]) == [["status.hold"], [], []]


def test_recipient(cn: ComplianceProfile) -> None:
    got = run(
        cn,
        recipient_relation=["spouse", "self", "self", "SELF"],
        recipient_verified=[True, False, True, True],
    )
    assert got == [["recipient.third_party"], ["recipient.unverified"], [], []]
    # Unknown relation or verification fails closed.
    frame = pl.DataFrame(
        {"recipient_relation": [None, "self"], "recipient_verified": [True, None]},
        schema={"recipient_relation": pl.String, "recipient_verified": pl.Boolean},
    )
    assert evaluate(frame, cn)["violations"].to_list() == [
        ["recipient.third_party"],
        ["recipient.unverified"],
    ]


def test_template_must_be_approved(cn: ComplianceProfile) -> None:
    frame = pl.DataFrame({"template_approved": [True, False, None]}, schema={"template_approved": pl.Boolean})
    got = evaluate(frame, cn)["violations"].to_list()
    assert got == [[], ["template.not_approved"], ["template.not_approved"]]


# ---- required elements --------------------------------------------------------------------------


def test_compliant_baselines_pass(check_cn: Check, check_us: Check) -> None:
    assert check_cn(CN_OK) == []
    assert check_us(US_OK) == []


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (CN_OK.replace("【安信金融】", ""), "required.signature"),
        (CN_OK.replace("【安信金融】", "【速借钱包】"), "required.signature"),
        (CN_OK + "【速借钱包】", "required.signature"),  # a second, injected signature
        (" " + CN_OK, "required.signature"),
        (CN_OK.replace("安信消费金融", "我司"), "required.creditor"),
        (CN_OK.replace("欠款3,456.78元，", ""), "required.amount"),
        (CN_OK.replace("已逾期15天，", ""), "required.overdue"),
        (CN_OK.replace("客服95000", ""), "required.contact"),
    ],
)
def test_cn_required_elements(check_cn: Check, text: str, rule: str) -> None:
    assert rule in check_cn(text)


@pytest.mark.parametrize(
    "variant",
    [
        CN_OK.replace("3,456.78元", "￥3,456.78"),
        CN_OK.replace("已逾期15天", "已于11月20日到期"),
        CN_OK.replace("已逾期15天", "将于2026-12-01到期"),
        CN_OK.replace("客服95000", "客服热线400-800-0000"),
        CN_OK.replace("客服95000", "客服４００８００００００"),
    ],
)
def test_cn_required_elements_variants_pass(check_cn: Check, variant: str) -> None:
    assert check_cn(variant) == []


def test_creditor_named_in_body_when_it_equals_the_signature(cn: ComplianceProfile, check_cn: Check) -> None:
    from dunning.compliance import check_message

    same = cn.model_copy(update={"creditor": "安信金融"})
    text = "【安信金融】张*您好，您的借款已逾期15天，欠款3,456.78元，客服95000"
    assert [v.rule for v in check_message(text, same)] == ["required.creditor"]
    assert check_message(text.replace("您的借款", "您在安信金融的借款"), same) == []


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (US_OK.replace(" Reply STOP to opt out.", ""), "required.opt_out_line"),
        (US_OK.replace("Harbor Lending: ", ""), "required.creditor"),
        (US_OK.replace(" Balance: $345.78.", ""), "required.amount"),
        (US_OK.replace(" is 15 days past due.", " is open."), "required.overdue"),
        (US_OK.replace("Call 1-800-555-0100. ", ""), "required.contact"),
    ],
)
def test_us_required_elements(check_us: Check, text: str, rule: str) -> None:
    assert rule in check_us(text)


@pytest.mark.parametrize(
    "variant",
    [
        US_OK.replace("Reply STOP to opt out.", "REPLY STOP TO OPT-OUT"),
        US_OK.replace("1-800-555-0100", "(800) 555-0100"),
        US_OK.replace("1-800-555-0100", "+1 800.555.0100"),
        US_OK.replace(" is 15 days past due.", " was due Nov 20."),
    ],
)
def test_us_required_elements_variants_pass(check_us: Check, variant: str) -> None:
    assert check_us(variant) == []


def test_collector_disclosure_when_required(us: ComplianceProfile) -> None:
    from dunning.compliance import check_message

    agency = us.model_copy(update={"required_elements": (*us.required_elements, "collector_disclosure")})
    assert [v.rule for v in check_message(US_OK, agency)] == ["required.collector_disclosure"]
    disclosed = US_OK.replace("Call", "This is a communication from a debt collector. Call")
    assert check_message(disclosed, agency) == []


# ---- forbidden content --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("再不还款将移交公安机关处理。", "content.threat_arrest"),
        ("法院传票已寄出。", "content.impersonation"),
        ("我们将通知你单位领导。", "content.third_party_contact"),
        ("将在全网通报您的欠款。", "content.public_shaming"),
        ("后果自负！", "content.intimidation"),
        ("将被列入永久黑名单。", "content.false_consequence"),
        ("今日起加收催收费100元。", "content.invented_fee"),
        ("可以去其他平台借钱还款。", "content.new_borrowing"),
        ("请加微信私下处理。", "content.private_channel"),
        ("您的家庭住址已登记。", "personal_data.terms"),
        ("您的快递包裹待签收。", "content.pretext"),
    ],
)
def test_cn_forbidden_categories(check_cn: Check, sentence: str, rule: str) -> None:
    assert check_cn(cn_with(sentence)) == [rule]


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("You could be arrested.", "content.threat_arrest"),
        ("A court summons is pending.", "content.impersonation"),
        ("We will call your employer.", "content.third_party_contact"),
        ("We will post this on social media.", "content.public_shaming"),
        ("We know where you live.", "content.intimidation"),
        ("Your credit will be ruined forever.", "content.false_consequence"),
        ("A collection fee of $30 applies.", "content.invented_fee"),
        ("Take out a payday loan.", "content.new_borrowing"),
        ("Pay with gift cards.", "content.private_channel"),
        ("Your date of birth is on file.", "personal_data.terms"),
        ("You have a missed delivery.", "content.pretext"),
    ],
)
def test_us_forbidden_categories(check_us: Check, sentence: str, rule: str) -> None:
    assert check_us(us_with(sentence)) == [rule]


@pytest.mark.parametrize(
    "evasion",
    [
        "请加 微 信 私聊。",  # spaced
        "请加-微-信处理。",  # punctuated
        "請加微信處理。",  # traditional
        "请加ＶＸ处理。",  # full-width
        "请加 v X 处理。",  # mixed case
        "请加薇信处理。",  # homophone
        "请加weixin处理。",  # pinyin
        "请加\u200b微\u200b信处理。",  # zero-width
        "请加微😊信处理。",  # emoji
    ],
)
def test_cn_evasions(check_cn: Check, evasion: str) -> None:
    assert check_cn(cn_with(evasion)) == ["content.private_channel"]


@pytest.mark.parametrize(
    "evasion",
    [
        "You will go to JAIL.",
        "You will go to J A I L.",
        "You will go to j.a.i.l.",
        "You will go to ｊａｉｌ.",
        "You will go to jаil.",
    ],
)
def test_us_evasions(check_us: Check, evasion: str) -> None:
    assert "content.threat_arrest" in check_us(us_with(evasion))


@pytest.mark.parametrize(
    "sentence",
    [
        "逾期信息可能报送金融信用信息基础数据库。",
        "按合同约定计收逾期利息。",
        "如暂时还款困难，可申请分期还款。",
        "如对欠款有异议，请致电95000。",
        "我们不会联系您的家人或单位。",
        "谨防诈骗，我司不会要求您向个人账户转账。",
        "可关注“安信金融”微信公众号还款。",
    ],
)
def test_cn_truthful_statements_pass(check_cn: Check, sentence: str) -> None:
    assert check_cn(cn_with(sentence)) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Late payments may be reported to credit bureaus.",
        "Interest accrues per your agreement.",
        "Ask about a payment plan.",
        "If you dispute this debt, call us.",
        "We will not contact your employer.",
        "We will never ask you to pay with gift cards.",
        "This is a courtesy reminder.",  # "court" is not a word of it
        "We can issue a new statement.",  # nor is "sue" of "issue"
    ],
)
def test_us_truthful_statements_pass(check_us: Check, sentence: str) -> None:
    assert check_us(us_with(sentence)) == []


def test_time_barred_litigation(check_cn: Check, check_us: Check) -> None:
    cn_text = cn_with("我司可能依法通过诉讼途径主张权利。")
    assert check_cn(cn_text, time_barred=False) == []
    assert check_cn(cn_text, time_barred=True) == ["content.time_barred_litigation"]
    assert check_cn(cn_text) == []  # without the flag the rule cannot run
    assert check_cn(CN_OK, time_barred=True) == []
    us_text = us_with("If unpaid, we may file a lawsuit.")
    assert check_us(us_text, time_barred=False) == []
    assert check_us(us_text, time_barred=True) == ["content.time_barred_litigation"]


# ---- personal data, links, numbers, length ------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("身份证110105199003071234。", "personal_data.id_number"),
        ("身份证11010519900307123X。", "personal_data.id_number"),
        ("卡号6222 0212 3456 7890 123。", "personal_data.account_number"),
        ("卡号6222-0212-3456-7890。", "personal_data.account_number"),
    ],
)
def test_cn_personal_data(check_cn: Check, sentence: str, rule: str) -> None:
    assert rule in check_cn(cn_with(sentence))


def test_masked_numbers_pass(check_cn: Check, check_us: Check) -> None:
    assert check_cn(cn_with("卡号6222********1234，身份证110***********1234。")) == []
    assert check_us(us_with("Card ending 1234.")) == []


def test_us_personal_data(check_us: Check) -> None:
    assert "personal_data.ssn" in check_us(us_with("SSN 123-45-6789."))
    assert "personal_data.account_number" in check_us(us_with("Card 4111 1111 1111 1111."))


@pytest.mark.parametrize(
    ("sentence", "blocked"),
    [
        ("还款：https://m.anxin.example/pay", False),
        ("还款：https://m.anxin.example/pay/loan?id=7。", False),
        ("还款：m.anxin.example/pay", False),
        ("还款：https://m.anxin.example/payday", True),
        ("还款：https://m.anxin.example.evil.top/pay", True),
        ("还款：https://m.anxin.example@evil.top/pay", True),
        ("还款：anxin-pay.top", True),
        ("还款：ＷＷＷ．ＥＶＩＬ．ＣＮ", True),
        ("还款：h t t p : / / e v i l", True),
        ("还款：anxin点top", True),
    ],
)
def test_links(check_cn: Check, sentence: str, blocked: bool) -> None:
    assert (check_cn(cn_with(sentence)) == ["link.not_allowed"]) is blocked
    if not blocked:
        assert check_cn(cn_with(sentence)) == []


@pytest.mark.parametrize(
    ("sentence", "blocked"),
    [
        ("专员电话13800138000。", True),
        ("专员电话 138-0013-8000。", True),
        ("专员电话1 3 8 0 0 1 3 8 0 0 0。", True),
        ("专员电话一三八零零一三八零零零。", True),
        ("专员电话１３８００１３８０００。", True),
        ("回电950001。", True),  # the hotline with a digit glued on is another number
        ("回电 95001。", True),
        ("或拨400-800-0000。", False),
        ("或拨 400 800 0000。", False),
        ("请于2026-12-01 18:00前还款。", False),  # dates and times are not numbers to call
        ("逾期120天，分12期，每期1,234.56元。", False),
        ("尾号1234、5678两笔。", False),
    ],
)
def test_phone_numbers(check_cn: Check, sentence: str, blocked: bool) -> None:
    found = check_cn(cn_with(sentence))
    # a full mobile number is also a private channel: an official line is never one
    assert (found in (["number.not_allowed"], ["content.private_channel", "number.not_allowed"])) is blocked
    if not blocked:
        assert check_cn(cn_with(sentence)) == []


def test_us_phone_numbers(check_us: Check) -> None:
    assert check_us(us_with("Or text 555-201-3344.")) == ["number.not_allowed"]
    assert check_us(us_with("Or call 800.555.0199.")) == ["number.not_allowed"]
    assert check_us(us_with("Pay by 12/01/2026 at 5:00 pm.")) == []


def test_length(check_cn: Check, check_us: Check) -> None:
    pad = "请按时还款。"
    short = CN_OK + pad * ((500 - len(CN_OK)) // len(pad))
    exact = short + "请" * (500 - len(short))
    assert len(exact) == 500 and check_cn(exact) == []
    assert check_cn(exact + "。") == ["length.max"]
    # US: three GSM-7 segments (459 septets) pass, a fourth blocks.
    filler = " Please pay."
    text = US_OK
    while len(text) + len(filler) <= 459:
        text += filler
    text += "x" * (459 - len(text))
    assert check_us(text) == []
    assert check_us(text + "x") == ["length.max"]
