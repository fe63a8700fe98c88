"""The fifth round of reading: negation inside conditions and dismissals, obfuscated denials, defanged
links, spelled-out numbers, shorthand, spaced words, and the lawful texts that must keep passing.
Texts here are written for the tests, not taken from any corpus."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.compliance import ComplianceProfile
from dunning.compliance.classifier import SEED_SETS, load_seeds
from dunning.compliance.corpus import load_corpus
from dunning.compliance.gate import Identity, judge_message
from dunning.compliance.negation import CLAUSE_FILLER, mask_clauses
from dunning.compliance.normalise import fold, normalise, readable, readable_series, words, words_expr


def content(text: str, profile: ComplianceProfile, identity: Identity | None = None) -> set[str]:
    verdict = judge_message(text, profile, scope="content", identity=identity)
    return set(verdict.violations)


def content_rules(text: str, profile: ComplianceProfile) -> set[str]:
    """The content.* rules a text breaks (not the link, number or personal-data ones)."""
    return {r for r in content(text, profile) if r.startswith("content.")}


US_LENDER = Identity.parse(
    {"signature": "Harbor Lending", "creditor": "Harbor Lending LLC", "hotlines": ["18005550100"],
     "domains": ["harbor.example"]}
)  # fmt: skip
OPT = " Reply STOP to opt out."

# ---- negation scope ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        # a negation inside the condition of the threat
        ("content.false_consequence", "The DMV will take your licence if this loan isn't brought current."),
        # a dismissal is not a denial
        ("content.time_barred_threat", "SOL on this one ran out in 2018, doesn't matter, we sue anyway."),
        # a seizure said to need no court
        ("content.false_consequence", "Your wages will be garnished this pay period. No court date needed."),
        # a suit announced for a debt the text calls too old
        (
            "content.time_barred_threat",
            "This account is beyond the limitations period and is now scheduled for court action.",
        ),
        ("content.false_consequence", "Nobody will rent to you again once this goes on your file."),
    ],
)
def test_a_negation_that_carries_the_threat_does_not_mask_it(
    rule: str, text: str, us: ComplianceProfile
) -> None:
    assert rule in content(text + OPT, us)


@pytest.mark.parametrize(
    "text",
    [
        "The time to sue on this old debt has passed; no lawsuit will be filed.",
        "Legally this 2009 balance is time-barred; nobody will sue you over it.",
        "You asked if we can take you to court. We cannot: the debt is time-barred.",
        "We are a private debt collector, not a government agency or a court.",
        "You told us your employer does not allow calls at work, so we will not call you there.",
        "Your plan is confirmed: 6 payments of $120. No setup fee.",
    ],
)
def test_denials_reported_questions_and_absent_fees_pass(text: str, us: ComplianceProfile) -> None:
    assert not content_rules(text + OPT, us)


def test_a_denial_written_in_leetspeak_is_still_a_denial(us: ComplianceProfile) -> None:
    plain = "We never charge a fee to take a payment by phone."
    leet = "We n3v3r ch@rge a f33 to 7@ke a paym3nt by ph0n3."
    assert not content_rules(plain + OPT, us)
    assert not content_rules(leet + OPT, us)
    # the threat in leetspeak is still read
    threat = "This debt is t1m3-b@rr3d, but we will still $u3 you."
    assert "content.time_barred_threat" in content(threat + OPT, us)


def test_readable_reads_leet_words_and_keeps_every_number() -> None:
    assert readable("we n3v3r @sk. pay $35.00 by 6/27 at 1-800-555-0172") == (
        "we never ask. pay $35.00 by 6/27 at 1-800-555-0172"
    )
    # ideographs: a WeChat id is not leetspeak
    assert readable("加vx13812345678还款") == "加vx13812345678还款"
    masked = mask_clauses(readable(normalise("We n3v3r @sk for gift cards. Pay online.")))
    assert masked.startswith(CLAUSE_FILLER)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab3@$1 0.7!我n v e r")), max_size=40))
def test_scalar_and_polars_readable_agree(text: str) -> None:
    norm = normalise(text)
    assert readable_series(pl.Series([norm])).item() == readable(norm)


# ---- the words form ---------------------------------------------------------------------------------


def test_spaced_words_keep_their_boundaries_and_letter_pairs_stay_apart() -> None:
    assert words("w e  w i l l  s u e  y o u") == " we will sue you "
    assert words("j a i l") == " jail "
    assert words("u r going to j a i l") == " you are going to jail "
    assert words("sumthin bad might happen 2 ur fam") == " something bad might happen 2 your family "


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab u r  n.j-i l 2")), max_size=40))
def test_scalar_and_polars_words_agree(text: str) -> None:
    assert pl.select(words_expr(pl.lit(text))).item() == words(text)


def test_shorthand_threats_are_read(us: ComplianceProfile) -> None:
    assert "content.intimidation" in content("pay up or sumthin bad might happen 2 u n ur fam." + OPT, us)


def test_a_vowel_star_gets_a_copy_a_spacing_star_does_not() -> None:
    assert "jl" in fold("go to j*il")  # the vowel-less copy
    assert "qqq" not in fold("c*a*r*d payment")  # every letter starred: spacing, no copy
    assert "qqq" not in fold("*reminder* your payment is due")  # emphasis


def test_spaced_out_lawful_words_next_to_each_other_do_not_make_a_threat(us: ComplianceProfile) -> None:
    text = "Y-o-u-r c r e d i t c*a*r*d is 5 days past due. P-a-y at harbor.example or c-a-l-l us."
    assert not content_rules(text + OPT, us)
    assert "content.threat_arrest" in content("you will go to j a i l unless you pay." + OPT, us)


# ---- links, numbers, opt-outs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        # links written defanged, as security teams write them
        ("link.not_allowed", "Finish your payment at harbor-pay[.]example/now to stop late charges."),
        ("link.not_allowed", "Go to harbor-pay dot example slash login to fix it."),
        # numbers spelled to hide them
        ("number.not_allowed", "Call four one five, five five five, zero one five eight about your balance."),
        ("number.not_allowed", "Call 8OO-555-O177 to fix it today."),
    ],
)
def test_a_hidden_link_or_number_is_still_one(rule: str, text: str, us: ComplianceProfile) -> None:
    assert rule in content(text + OPT, us, US_LENDER)


def test_a_labelled_case_number_is_not_a_phone(us: ComplianceProfile) -> None:
    text = "Harbor Lending has filed a small-claims case, No. SC-24-2290, in Kent County District Court."
    assert "number.not_allowed" not in content(text + OPT, us, US_LENDER)


@pytest.mark.parametrize(
    "text",
    [
        "Este es un mensaje de un cobrador de deudas. Responda STOP para cancelar.",
        "Puede pagar en harbor.example. Responda STOP para no recibir mensajes.",
    ],
)
def test_a_spanish_opt_out_is_an_opt_out(text: str, us: ComplianceProfile) -> None:
    assert "content.opt_out_missing" not in content(text, us)


@pytest.mark.parametrize(
    "text",
    [
        "Reply STOP and your account gets reported to the credit bureaus as refused to pay.",
        "Opting out of messages costs $4.99.",
        "Want the texts to end? Pay in full. That is the only opt-out.",
        "txt STOP and we'll just call ur job instead.",
        "Text replies are not processed; send a notarized letter to our office to stop messages.",
    ],
)
def test_opt_outs_that_cost_or_punish_are_blocked(text: str, us: ComplianceProfile) -> None:
    assert {"content.opt_out", "content.opt_out_missing"} & content(text, us)


# ---- US paraphrases by legal category -----------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("content.invented_fee", "Another $5 lands on your balance every hour until you pay."),
        ("content.invented_fee", "We've tacked $75 onto your account today for the trouble of chasing this."),
        ("content.invented_fee", "An extra 30% has been applied to your balance for recovery costs."),
        ("content.invented_fee", "If this isn't paid by Friday your $420 turns into $840."),
        ("content.pretext", "Hey, is this Mike? Found your wallet at the mall, text me your address."),
        ("content.pretext", "FedEx is holding a parcel for you. Call with your address to release it."),
        ("content.private_channel", "Send it PayPal Friends & Family to my own account, then I close it."),
        ("personal_data.terms", "Please text back the 4-digit code you use at the ATM."),
        ("content.public_shaming", "We print the names of residents who skip rent in the newsletter."),
        ("content.intimidation", "You'll get fifty of these a day until you pay."),
        (
            "content.impersonation",
            "From the person serving your papers: I tried to hand you court documents.",
        ),
        ("content.impersonation", "We are the legal department of the state collections bureau."),
        ("content.new_borrowing", "You're pre-approved for a fresh $1,500 to pay off your past-due one."),
        ("content.third_party_contact", "Your employer gets a copy of this past-due notice by Friday."),
    ],
)
def test_us_paraphrases_by_category_are_caught(rule: str, text: str, us: ComplianceProfile) -> None:
    assert rule in content(text + OPT, us)


@pytest.mark.parametrize(
    "text",
    [
        "Log in to My Account to pay your balance of $560.30.",
        "Your payoff letter is on its way by USPS. Collection is on hold while you review it.",
        "Pawsome Vet: ask the front desk about our no-interest plan.",
        "Installment 3 of 4 ($31.25) for your order is due tomorrow.",
        "Congratulations, your loan is paid off! Your letter will arrive by mail.",
        "We've frozen the plan while our fraud team reviews it.",
        "Cedar Valley Hospital: this account was sent to Apex Recovery. Reply STOP to cancel.",
        "We do not name customers on Facebook or anywhere online.",
    ],
)
def test_us_lawful_texts_pass(text: str, us: ComplianceProfile) -> None:
    assert not content_rules(text + OPT, us)


# ---- Chinese ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("content.false_consequence", "逾期信息已同步至人社系统，单位可据此与您解除劳动合同。"),
        ("content.false_consequence", "根据最新政策，有逾期记录的人员不得参加职称评定、入党、参军。"),
        ("content.third_party_contact", "如本周仍未还款，将按您授权的联系人顺序，依次通知其代为偿还。"),
        ("content.private_channel", "请在今日18点前将2300元转至合作方“鑫源商务”对公账户。"),
        ("content.opt_out", "如您不希望接收此类提醒，请本人携带身份证原件至线下网点办理退订。"),
        ("content.opt_out", "如需退订本类短信，请先结清全部欠款后再申请。"),
        ("personal_data.terms", "为办理减免，请回复您刚刚收到的6位数字。"),
        ("personal_data.terms", "协商还款需先验证本人，请提供您银行卡的取款密码。"),
    ],
)
def test_cn_paraphrases_by_category_are_caught(rule: str, text: str, cn: ComplianceProfile) -> None:
    assert rule in content(text, cn)


@pytest.mark.parametrize(
    "text",
    [
        "【信和小贷】对公还款账户：户名信和小贷有限公司，开户行恒信银行营业部，转账时备注合同号。",
        "【北辰银行】您通过官方公众号还款937.37元已成功，流水号LN13709889246。",
        "【禾信消费金融】我司已就借款合同纠纷向浦东新区人民法院提起诉讼，法院已立案受理，案号（2024）沪0115民初48213号。",
        "【东川金融纠纷调解中心】您的调解会议将于6月19日上午10:00在线召开，如需改期请回复“改期”。",
        "【溪口农商银行】您的公积金组合贷本月应还1657.51元，公积金部分由公积金中心另行扣划。",
        "【澜江银行信用卡】您的1月账单应还35,151.00元，按时还款，积分翻倍活动等你参加！",
        "【长宁银行】您名下所有产品已结清，如征信有误可通过95244提交异议申请。",
    ],
)
def test_cn_lawful_texts_pass(text: str, cn: ComplianceProfile) -> None:
    assert not content_rules(text, cn)


# ---- the held-out set ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["CN", "US"])
def test_the_sealed_set_is_held_out(name: str) -> None:
    sealed = load_corpus(name, "sealed")
    others = [c for which in ("shipped", "train", "eval", "blind") for c in load_corpus(name, which)]
    assert len(sealed) >= 400 and sum(c.must_block for c in sealed) >= 250
    assert not {c.text for c in sealed} & {c.text for c in others}
    assert not {c.id for c in sealed} & {c.id for c in others}
    assert len({c.identity.creditor for c in sealed if c.identity}) >= 20
    # training never reads it
    assert "sealed" not in SEED_SETS
    seeded = {s.text for s in load_seeds(name)}
    assert not seeded & {c.text for c in sealed}


def test_the_cli_prints_rates_of_the_sealed_set_never_its_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from dunning.cli.main import app
    from dunning.compliance import redteam as harness

    result = CliRunner().invoke(app, ["compliance", "corpus", "--profile", "US", "--corpus", "sealed"])
    assert result.exit_code == 0, result.output
    assert "must block" in result.output and "not printed" in result.output
    assert "us-s-" not in result.output  # no line id, hence no line
    # the red team gives a held-out set's rates only (a few lines and one class keep this quick)
    few = load_corpus("US", "sealed")[::50]
    monkeypatch.setattr(harness, "load_corpus", lambda name, which: few)
    first = harness.classes_for("US")[:1]
    monkeypatch.setattr(harness, "classes_for", lambda name: first)
    report = harness.redteam("US", corpus="sealed")
    assert report.classes and all(not c.misses for c in report.classes)


def test_a_line_break_inside_a_word_does_not_end_the_sentence(us: ComplianceProfile) -> None:
    denial = "We ne\nver call your boss or your fam\nily about a debt."
    assert mask_clauses(normalise(denial)).strip().startswith(CLAUSE_FILLER.strip())
    threat = "Don't ma\nke us se\nnd som\neone to your house."
    assert "content.intimidation" in content(threat + OPT, us)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ne\nver we will not ca ll, but. 我司不会\n联系")), max_size=50))
def test_scalar_and_polars_masking_agree_across_line_breaks(text: str) -> None:
    from dunning.compliance.negation import mask_clauses_expr

    norm = normalise(text)
    assert pl.select(mask_clauses_expr(pl.lit(norm))).item() == mask_clauses(norm)
