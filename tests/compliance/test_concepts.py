"""Concept rules and negation scope, both ways: the threat in new words is caught, the denial of it
passes. Texts here are written for the tests, not taken from any corpus."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.compliance import ComplianceProfile
from dunning.compliance.gate import Identity, judge_message
from dunning.compliance.negation import CLAUSE_FILLER, mask_clauses, mask_clauses_expr
from dunning.compliance.normalise import normalise


def rules(text: str, profile: ComplianceProfile) -> set[str]:
    return set(judge_message(text, profile, scope="content").violations)


CN_BLOCK = {
    "content.threat_arrest": [
        "你这笔账再拖，辖区派出所的同志明天就上门带你走，今天之内处理。",
        "欠款不还够判三到七年，你自己想清楚。",
    ],
    "content.third_party_contact": [
        "我们已经掌握了你老公的手机号码，下午就打过去。",
        "今天会给你岳父打个电话说明一下你欠款的事。",
    ],
    "content.false_consequence": [
        "不处理的话你孩子以后考公政审过不了。",
        "逾期后你将坐不了高铁，全家出行受限。",
    ],
    "content.public_shaming": [
        "明天把你的欠款信息发到你们小区业主群里。",
    ],
    "content.private_channel": [
        "请把款项转到我们专员的个人账户，户名王某。",
        "有问题直接打我手机13912345678。",
    ],
    "content.invented_fee": [
        "今天不还将加收上门服务费300元。",
    ],
    "content.new_borrowing": [
        "可以去我们合作的平台借一笔先把这期还上。",
    ],
    "content.time_barred_threat": [
        "虽然这笔借款早已过了诉讼时效，我们还是会向法院起诉你。",
    ],
    "content.opt_out": [
        "如需退订请本人携带身份证到营业厅办理。",
    ],
}
CN_PASS = [
    "我司不会联系您的家人、同事或任何第三方，请放心。",
    "谨防冒充公检法人员的诈骗电话，我司不会要求您向个人账户转账。",
    "如有人以我司名义上门索要现金，请立即报警并致电客服核实。",
    "如您的身份证被他人冒用借款，可向当地公安机关报案，并将回执发给我们。",
    "您申请的结清证明已通过快递寄出，请注意查收。",
    "若协商不成，我司可能依法向人民法院提起诉讼，逾期信息将依法报送征信系统。",
    "您的借款已逾期3天，欠款500元，请登录App还款，回复TD退订。",
]

US_BLOCK = {
    "content.threat_arrest": [
        "The sheriff will arrest you at your job unless the balance is paid by Friday.",
    ],
    "content.false_consequence": [
        "Your driver's license will be suspended if this stays unpaid.",
        "We will report you to immigration and your green card will be at risk.",
        "The hospital will refuse treatment until this balance is cleared.",
    ],
    "content.third_party_contact": [
        "We will reach out to the references you listed about this debt.",
        "Your boss will hear about this balance tomorrow.",
    ],
    "content.private_channel": [
        "Pay today with two Google Play gift cards and text us the codes.",
        "Send the payment to $JaneCollects on Cash App.",
        "Use the Bitcoin ATM at the gas station to clear the balance.",
    ],
    "content.time_barred_threat": [
        "Although this debt is past the statute of limitations, we will still sue you.",
    ],
    "content.opt_out": [
        "To stop these messages, visit any branch in person with photo ID.",
        "Opt-out requests are processed only after your balance is paid.",
    ],
}
US_PASS = [
    "We will never ask you to pay with gift cards, crypto or a person's Cash App. Reply STOP to opt out.",
    "We will not contact your employer or family about this debt. Reply STOP to opt out.",
    "Anyone claiming to be the police and demanding payment is a scam. Call us at the number on your card.",
    "If you are a victim of identity theft, file a police report and send us a copy.",
    "Your payoff letter was mailed by USPS today.",
    "Because of the age of your debt, we will not sue you for it. Reply STOP to opt out.",
    "We may file a lawsuit if we cannot agree on a plan. Reply STOP to opt out or call us.",
]


@pytest.mark.parametrize(("rule", "text"), [(r, t) for r, ts in CN_BLOCK.items() for t in ts])
def test_cn_concepts_catch_new_wordings(rule: str, text: str, cn: ComplianceProfile) -> None:
    assert rule in rules(text, cn)


@pytest.mark.parametrize("text", CN_PASS)
def test_cn_denials_warnings_and_truthful_mentions_pass(text: str, cn: ComplianceProfile) -> None:
    assert not {r for r in rules(text, cn) if r.startswith(("content.", "personal_data."))}


@pytest.mark.parametrize(("rule", "text"), [(r, t) for r, ts in US_BLOCK.items() for t in ts])
def test_us_concepts_catch_new_wordings(rule: str, text: str, us: ComplianceProfile) -> None:
    assert rule in rules(text, us)


@pytest.mark.parametrize("text", US_PASS)
def test_us_denials_warnings_and_truthful_mentions_pass(text: str, us: ComplianceProfile) -> None:
    # with the opt-out every US text needs (its absence is content.opt_out, tested below)
    found = rules(f"{text} Reply STOP to opt out.", us)
    assert not {r for r in found if r.startswith(("content.", "personal_data."))}


def test_us_text_without_any_opt_out_blocks_in_content_scope(us: ComplianceProfile) -> None:
    text = "Harbor Lending: $190.00 is 15 days past due. Pay in the app or call 1-800-555-0100."
    assert "content.opt_out_missing" in rules(text, us)
    # full scope holds the deployment's own wording instead (required.opt_out_line), once
    full = judge_message(text, us, scope="full").violations
    assert "required.opt_out_line" in full and "content.opt_out_missing" not in full


@pytest.mark.parametrize(
    "text",
    [
        "Harbor Lending: reply STOP to confirm you want to keep receiving account alerts.",
        "Harbor Lending: unsubscribing moves your account to field collection. Reply STOP at your own risk.",
    ],
)
def test_us_missing_or_inverted_opt_out_blocks(text: str, us: ComplianceProfile) -> None:
    assert "content.opt_out" in rules(text, us)


@pytest.mark.parametrize(
    "text",
    [
        "Harbor Lending: $190.00 is past due. Text STOP to stop texts.",
        "Harbor Lending: $190.00 is past due. To opt out of texts, reply END.",
        "Harbor Lending: $190.00 is past due. Unsubscribe: reply STOP.",
        "Harbor Lending: $190.00 is past due. Msg & data rates may apply. STOP to end.",
    ],
)
def test_us_any_wording_of_a_working_opt_out_passes(text: str, us: ComplianceProfile) -> None:
    assert not {"content.opt_out", "content.opt_out_missing"} & rules(text, us)


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("content.threat_arrest", "Harbor Lending: a w@rr@nt for your @rr3st can be requested by Friday."),
        ("content.threat_arrest", "Harbor Lending: we requested an ar\nrest order. Pay today or else."),
        ("content.impersonation", "Harbor Lending: CΟURΤ SUΜΜΟΝS issued against you. Appear or pay."),
        ("content.private_channel", "Harbor Lending: pay at any Βιτcοιn ΑΤΜ today."),
        ("content.third_party_contact", "Harbor Lending: we will n0tify y0ur 3mpl0y3r unless it is paid."),
    ],
)
def test_leet_lookalikes_and_broken_words_are_read_as_words(
    rule: str, text: str, us: ComplianceProfile
) -> None:
    assert rule in rules(text.replace("\\n", "\n") + " Reply STOP to opt out.", us)


@pytest.mark.parametrize(
    "text",
    [
        "我们不会放过你，等着被抓吧。",  # a negation that is part of the threat
        "别以为我们不会报警，今天不还就移交公安。",
        "我司不会联系你家人，但是你的领导今天会接到我们的电话。",  # the denial ends at the contrast
        "We will not hesitate to call your employer.",
        "We won't call your boss, but your mother will hear from us today.",
    ],
)
def test_a_denial_does_not_hide_the_threat_beside_it(
    text: str, cn: ComplianceProfile, us: ComplianceProfile
) -> None:
    profile = cn if any("\u4e00" <= ch <= "\u9fff" for ch in text) else us
    assert {r for r in rules(text, profile) if r.startswith("content.")}


def test_masking_is_scoped_to_the_sentence_and_the_clause() -> None:
    masked = mask_clauses(normalise("我司从不上门催收。今天不还就上门。"))
    assert masked.startswith(CLAUSE_FILLER) and "今天不还就上门" in masked
    listed = mask_clauses(normalise("We never take gift cards, store cards or prepaid cards. Pay online."))
    assert "store cards" not in listed and "pay online" in listed


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("我司不会联系您的家人，但是。报警如有人 never,but. We will not call your boss")
        ),
        max_size=60,
    )
)
def test_scalar_and_polars_masking_agree(text: str) -> None:
    norm = normalise(text)
    assert pl.select(mask_clauses_expr(pl.lit(norm))).item() == mask_clauses(norm)


def test_content_scope_holds_links_and_numbers_to_the_lines_identity(cn: ComplianceProfile) -> None:
    lender = Identity.parse({"signature": "【恒信贷】", "creditor": "恒信消费金融", "hotlines": ["95777"],
                             "domains": ["hengxin.example.cn"]})  # fmt: skip
    own = "【恒信贷】您的借款已逾期3天，请登录 https://m.hengxin.example.cn/pay 还款，客服95777。"
    other = "【恒信贷】您的借款已逾期3天，请访问 http://pay-hengxin.top 还款，客服95666。"
    assert judge_message(own, cn, scope="content", identity=lender).outcome == "allowed"
    found = judge_message(other, cn, scope="content", identity=lender).violations
    assert {"link.not_allowed", "number.not_allowed"} <= set(found)
    # no identity: nothing to hold them against, and no required element is asked for
    assert judge_message(own, cn, scope="content").outcome == "allowed"
    assert "required.signature" in judge_message("您的借款已逾期", cn).violations
